package io.istream.ops.cli;

import io.istream.trainer.dataset.Datasets;
import io.istream.trainer.dataset.Interaction;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.ReadOptions;
import io.istream.ops.explain.Charts;
import io.istream.ops.explain.ExplainInput;
import io.istream.ops.explain.ExplainInput.Candidate;
import io.istream.ops.explain.Projection;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.Explanation;
import io.istream.trainer.model.ModelFile;
import io.istream.trainer.model.ModelKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code istream explain}: why a model scores a candidate as it does for a user, as PNG charts: the attention weight
 * of each behaviour (DIN's Figure 5) and, for DIEN, the interest-evolving trajectories for several candidates
 * projected by PCA (DIEN's Figure 3).
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Chart a model's attention over a user's behaviours for a candidate, and (DIEN) the AUGRU"
                + " hidden-state trajectories for several candidates, as PNG files.")
final class ExplainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model file (train --save).")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "The dataset the model was trained on (its ids map raw user and item ids).")
    Path data;

    @Option(names = "--user", required = true, paramLabel = "U", description = "Raw user id as in the dataset.")
    String user;

    @Option(names = "--candidate", required = true, paramLabel = "ITEM", description = "Raw item id of the candidate.")
    String candidate;

    @Option(names = "--compare", split = ",", paramLabel = "ITEM",
            description = "More candidates for the trajectory chart (default: popular items of the user's top"
                    + " categories and of one category the user never touched).")
    List<String> compare = new ArrayList<>();

    @Option(names = "--contrasts", defaultValue = "3",
            description = "How many candidates to add when --compare is not given (default: ${DEFAULT-VALUE}).")
    int contrasts;

    @Option(names = "--max-history", defaultValue = "100",
            description = "T: the user's newest behaviours used (default: ${DEFAULT-VALUE}).")
    int maxHistory;

    @Option(names = "--out", defaultValue = "explain", paramLabel = "DIR",
            description = "Where the PNG files go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    @Override
    public Integer call() {
        CtrModel ctr = load(model).model();
        InteractionLog log = Datasets.read(data, ReadOptions.all());
        long userId = log.userIds().find(user).orElseThrow(() -> bad("user '" + user + "' is not in " + data));
        int index = ExplainInput.userIndex(log, userId);
        List<Interaction> history = ExplainInput.newest(log.sequence(index), maxHistory);
        Candidate main = candidateOf(log, candidate);
        List<Candidate> candidates = new ArrayList<>();
        candidates.add(main);
        if (compare.isEmpty()) {
            candidates.addAll(ExplainInput.contrasts(log, history, main, contrasts));
        } else {
            compare.forEach(raw -> candidates.add(candidateOf(log, raw)));
        }
        Explanation explanation = ctr.explain(ExplainInput.batch(userId, history, candidates));

        List<String> names = candidates.stream().map(c -> describe(log, c)).toList();
        System.out.printf(Locale.ROOT, "user %s: %d behaviours used (of %d); model %s%n", user, history.size(),
                log.sequence(index).size(), ctr.config().kind().name().toLowerCase(Locale.ROOT));
        for (int c = 0; c < candidates.size(); c++) {
            System.out.printf(Locale.ROOT, "  pCTR %.4f  %s%n", explanation.probabilities()[c], names.get(c));
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("command", "explain");
        figures.put("model", ctr.config().kind().name().toLowerCase(Locale.ROOT));
        figures.put("user", user);
        figures.put("historyLength", history.size());
        List<Map<String, Object>> perCandidate = new ArrayList<>();
        for (int c = 0; c < candidates.size(); c++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("item", log.itemIds().raw(candidates.get(c).itemId()));
            m.put("category", log.categoryIds().raw(candidates.get(c).categoryId()));
            m.put("pctr", explanation.probabilities()[c]);
            m.put("attention", explanation.attention()[c]);
            perCandidate.add(m);
        }
        figures.put("candidates", perCandidate);
        List<String> files = new ArrayList<>();
        if (ctr.config().kind() == ModelKind.BASE) {
            System.out.println("the base model has no attention: no charts");
        } else {
            files.add(attentionChart(log, history, main, names.get(0), explanation.attention()[0]).toString());
            Path lines = out.resolve("attention-by-candidate.png");
            Charts.attentionLines(lines, "Attention over user " + user + "'s behaviours, per candidate", names,
                    explanation.attention());
            files.add(lines.toString());
            printTopBehaviours(log, history, explanation.attention()[0]);
        }
        if (explanation.evolvingStates() != null && history.size() >= 1) {
            Path trajectories = out.resolve("interest-evolution.png");
            Charts.trajectories(trajectories, "AUGRU hidden state after each behaviour of user " + user
                    + " (PCA)", names, project(explanation.evolvingStates()));
            files.add(trajectories.toString());
        }
        files.forEach(f -> System.out.println("chart written to " + f));
        figures.put("charts", files);
        FiguresFile.write(json, figures);
        return 0;
    }

    private Path attentionChart(InteractionLog log, List<Interaction> history, Candidate main, String name,
                                double[] weights) {
        List<String> labels = history.stream().map(r -> log.categoryIds().raw(r.categoryId())).toList();
        boolean[] same = new boolean[history.size()];
        for (int t = 0; t < same.length; t++) {
            same[t] = history.get(t).categoryId() == main.categoryId();
        }
        Path file = out.resolve("attention.png");
        Charts.attentionBars(file, "Attention of user " + user + "'s behaviours for " + name, labels, weights, same);
        return file;
    }

    private void printTopBehaviours(InteractionLog log, List<Interaction> history, double[] weights) {
        System.out.println("  most attended behaviours for the candidate:");
        IntStream.range(0, weights.length).boxed()
                .sorted(Comparator.comparingDouble((Integer t) -> weights[t]).reversed())
                .limit(5)
                .forEach(t -> System.out.printf(Locale.ROOT, "    step %3d  weight %.4f  %s%n", t + 1, weights[t],
                        describe(log, new Candidate(history.get(t).itemId(), history.get(t).categoryId()))));
    }

    /** All candidates' states share one PCA basis, so their trajectories are comparable. */
    private static double[][][] project(double[][][] states) {
        int total = Arrays.stream(states).mapToInt(s -> s.length).sum();
        double[][] stacked = new double[total][];
        int i = 0;
        for (double[][] candidateStates : states) {
            for (double[] state : candidateStates) {
                stacked[i++] = state;
            }
        }
        double[][] flat = total >= 2 ? Projection.onto2d(stacked) : new double[total][2];
        double[][][] out = new double[states.length][][];
        i = 0;
        for (int c = 0; c < states.length; c++) {
            out[c] = new double[states[c].length][];
            for (int t = 0; t < states[c].length; t++) {
                out[c][t] = flat[i++];
            }
        }
        return out;
    }

    private Candidate candidateOf(InteractionLog log, String raw) {
        long item = log.itemIds().find(raw).orElseThrow(() -> bad("item '" + raw + "' is not in " + data));
        return new Candidate(item, ExplainInput.categoryOf(log, item));
    }

    private static String describe(InteractionLog log, Candidate c) {
        return log.itemIds().raw(c.itemId()) + " (" + log.categoryIds().raw(c.categoryId()) + ")";
    }

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private static ModelFile.Loaded load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return ModelFile.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file " + file, e);
        }
    }
}
