package io.istream.ops.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.istream.ops.explain.Charts;
import io.istream.trainer.eval.RelaImpr;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Renders a results document from the JSON figures of training runs: a markdown template whose prose is written by
 * hand and whose every figure comes from a directive, so no figure in the document is typed by hand.
 *
 * <p>Directives, each alone on a line or inline; an argument with spaces is written in double quotes:
 * <ul>
 *   <li>{@code {{table EXP [datasets=a,b] [variants=x,y] [base=VARIANT]}}}: one row per variant, per dataset the
 *       validation and test AUC as mean ± sd over the seeds (n), the selected epochs, and with {@code base} the
 *       RelaImpr of the test AUC's mean against that variant's;</li>
 *   <li>{@code {{seeds EXP DATASET [variants=x,y]}}}: test AUC per seed;</li>
 *   <li>{@code {{slices EXP DATASET [variants=x,y]}}}: test AUC per slice of the test split (history length, repeat
 *       or new candidate), mean over seeds, with each slice's share of the samples;</li>
 *   <li>{@code {{epochs EXP DATASET [variants=x,y] [chart=NAME]}}}: test AUC after each epoch (mean over seeds), and
 *       with {@code chart} the same as a PNG beside the document (XChart);</li>
 *   <li>{@code {{value EXP VARIANT DATASET test|val|n}}}: the mean test or validation AUC, or the number of runs;</li>
 *   <li>{@code {{diff EXP VARIANT OTHER DATASET}}}: mean test AUC of VARIANT minus OTHER's, signed;</li>
 *   <li>{@code {{json FILE KEY [FORMAT]}}}: one value of any JSON figures file under the runs folder (a bench's),
 *       KEY a dotted path with list indices ({@code cases.0.trainSamplesPerSecondMedian}), FORMAT a
 *       {@link String#format} pattern (default {@code %.4f} for fractions, {@code %,.0f} above 1).</li>
 * </ul>
 */
public final class ResultsReport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DIRECTIVE = Pattern.compile("\\{\\{(\\w+)([^}]*)}}");
    /** A rendered block in a document: the directive in a comment, its output, then the end marker. */
    private static final Pattern BLOCK = Pattern.compile(
            "(<!-- (\\{\\{\\w+[^}]*}}) -->\\n?)(.*?)(<!-- end -->)", Pattern.DOTALL);

    private final List<RunRecord> runs;
    private final Path dir;   // where the runs were read from (json directives), or null

    public ResultsReport(List<RunRecord> runs) {
        this(runs, null);
    }

    private ResultsReport(List<RunRecord> runs, Path dir) {
        this.runs = List.copyOf(runs);
        this.dir = dir;
    }

    /** Every train or peer figures file under {@code dir}, recursively; other JSON files are skipped. */
    public static ResultsReport load(Path dir) {
        List<RunRecord> runs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode j = JSON.readTree(f.toFile());
                RunRecord r = RunRecord.ofTrain(j, f);
                if (r == null) {
                    r = RunRecord.ofPeer(j, f);
                }
                if (r != null) {
                    runs.add(r);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the runs under " + dir, e);
        }
        return new ResultsReport(runs, dir);
    }

    public List<RunRecord> runs() {
        return runs;
    }

    /**
     * The template with every directive replaced; charts go under {@code chartDir}, linked relative to
     * {@code documentDir}.
     */
    public String render(String template, Path documentDir, Path chartDir) {
        Matcher m = DIRECTIVE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = directive(m.group(1), m.group(2).trim(), documentDir, chartDir);
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * A document with its figures rendered in place: every block
     * <pre>
     *   &lt;!-- {{directive ...}} --&gt;
     *   (anything: the last rendering)
     *   &lt;!-- end --&gt;
     * </pre>
     * gets the directive's output between its markers, so a hand-written document (the README, a docs page) carries
     * figures that come from the runs and are rendered again whenever the runs change. Written on one line,
     * {@code <!-- {{value …}} -->0.8123<!-- end -->} puts a figure inside a sentence.
     */
    public String renderInPlace(String document, Path documentDir, Path chartDir) {
        Matcher m = BLOCK.matcher(document);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String rendered = render(m.group(2), documentDir, chartDir);
            // a block on lines of its own keeps them; one inside a sentence stays inline
            String newline = m.group(1).endsWith("\n") ? "\n" : "";
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + rendered + newline + m.group(4)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String directive(String name, String args, Path documentDir, Path chartDir) {
        List<String> positional = new ArrayList<>();
        Map<String, String> named = new LinkedHashMap<>();
        for (String a : tokens(args)) {
            int eq = a.indexOf('=');
            // name=value only where the name is one word: a quoted variant such as "MBA λ=10" is positional
            if (eq > 0 && a.substring(0, eq).matches("[a-z]+")) {
                named.put(a.substring(0, eq), a.substring(eq + 1));
            } else {
                positional.add(a);
            }
        }
        return switch (name) {
            case "table" -> table(positional.get(0), named);
            case "seeds" -> seeds(positional.get(0), positional.get(1), named);
            case "slices" -> slices(positional.get(0), positional.get(1), named);
            case "epochs" -> epochs(positional.get(0), positional.get(1), named, documentDir, chartDir);
            case "value" -> value(positional.get(0), positional.get(1), positional.get(2), positional.get(3));
            case "diff" -> String.format(Locale.ROOT, "%+.4f",
                    mean(select(positional.get(0), positional.get(1), positional.get(3)), RunRecord::testAuc)
                            - mean(select(positional.get(0), positional.get(2), positional.get(3)),
                            RunRecord::testAuc));
            case "json" -> json(positional.get(0), positional.get(1), positional.size() > 2 ? positional.get(2) : null);
            default -> throw new IllegalArgumentException("unknown directive {{" + name + "}}");
        };
    }

    /**
     * A directive's arguments: split on white space outside double quotes, the quotes dropped, so a variant named
     * with spaces can be given as {@code "shipped defaults"} or {@code variants="no softmax,shipped defaults"}.
     */
    static List<String> tokens(String args) {
        List<String> tokens = new ArrayList<>();
        StringBuilder t = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : args.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    tokens.add(t.toString());
                }
                t.setLength(0);
                any = false;
            } else {
                t.append(c);
                any = true;
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unbalanced quote in directive arguments: " + args);
        }
        if (any) {
            tokens.add(t.toString());
        }
        return tokens;
    }

    private String table(String experiment, Map<String, String> named) {
        List<String> datasets = list(named.get("datasets"), datasets(experiment));
        List<String> variants = list(named.get("variants"), variants(experiment));
        String base = named.get("base");
        StringBuilder head = new StringBuilder("| variant |");
        StringBuilder rule = new StringBuilder("|---|");
        for (String d : datasets) {
            head.append(" ").append(d).append(" validation AUC | test AUC |");
            rule.append("---|---|");
            if (base != null) {
                head.append(" RelaImpr |");
                rule.append("---|");
            }
            head.append(" epochs |");
            rule.append("---|");
        }
        StringBuilder out = new StringBuilder().append(head).append('\n').append(rule).append('\n');
        for (String v : variants) {
            out.append("| ").append(v).append(" |");
            for (String d : datasets) {
                List<RunRecord> rs = select(experiment, v, d);
                if (rs.isEmpty()) {
                    out.append(" – | – |").append(base != null ? " – |" : "").append(" – |");
                    continue;
                }
                out.append(" ").append(stat(rs, RunRecord::validationAuc)).append(" | ")
                        .append(stat(rs, RunRecord::testAuc)).append(" |");
                if (base != null) {
                    List<RunRecord> b = select(experiment, base, d);
                    out.append(b.isEmpty() || v.equals(base) ? " – |" : String.format(Locale.ROOT, " %+.1f %% |",
                            100 * RelaImpr.of(mean(rs, RunRecord::testAuc), mean(b, RunRecord::testAuc))));
                }
                out.append(" ").append(String.join(",", rs.stream().map(r -> Integer.toString(r.selectedEpoch()))
                        .toList())).append(" |");
            }
            out.append('\n');
        }
        return out.toString().stripTrailing();
    }

    private String seeds(String experiment, String dataset, Map<String, String> named) {
        List<String> variants = list(named.get("variants"), variants(experiment));
        TreeSet<Long> seeds = new TreeSet<>();
        runs.stream().filter(r -> r.experiment().equals(experiment) && r.dataset().equals(dataset))
                .forEach(r -> seeds.add(r.seed()));
        StringBuilder out = new StringBuilder("| " + dataset + ", test AUC |");
        StringBuilder rule = new StringBuilder("|---|");
        for (long s : seeds) {
            out.append(" seed ").append(s).append(" |");
            rule.append("---|");
        }
        out.append('\n').append(rule).append('\n');
        for (String v : variants) {
            out.append("| ").append(v).append(" |");
            for (long s : seeds) {
                List<RunRecord> rs = select(experiment, v, dataset).stream().filter(r -> r.seed() == s).toList();
                out.append(rs.isEmpty() ? " – |" : String.format(Locale.ROOT, " %.4f |", rs.get(0).testAuc()));
            }
            out.append('\n');
        }
        return out.toString().stripTrailing();
    }

    private String slices(String experiment, String dataset, Map<String, String> named) {
        List<String> variants = list(named.get("variants"), variants(experiment));
        List<String> names = new ArrayList<>();
        runs.stream().filter(r -> r.experiment().equals(experiment) && r.dataset().equals(dataset))
                .flatMap(r -> r.testSlices().keySet().stream()).distinct().forEach(names::add);
        List<RunRecord> any = runs.stream().filter(r -> r.experiment().equals(experiment)
                && r.dataset().equals(dataset) && !r.testSlices().isEmpty()).toList();
        if (any.isEmpty()) {
            throw new IllegalArgumentException("no runs of " + experiment + " on " + dataset + " with test slices");
        }
        // the length slices partition the samples
        double total = any.get(0).testSlices().entrySet().stream().filter(e -> e.getKey().startsWith("history"))
                .mapToDouble(e -> e.getValue()[0]).sum();
        StringBuilder out = new StringBuilder("| " + dataset + ", test AUC by slice |");
        StringBuilder rule = new StringBuilder("|---|");
        for (String n : names) {
            double[] first = any.get(0).testSlices().get(n);
            out.append(' ').append(n).append(first == null ? "" : String.format(Locale.ROOT, " (%.1f %%)",
                    100 * first[0] / total)).append(" |");
            rule.append("---|");
        }
        out.append('\n').append(rule).append('\n');
        for (String v : variants) {
            List<RunRecord> rs = select(experiment, v, dataset);
            out.append("| ").append(v).append(" |");
            for (String n : names) {
                double m = rs.stream().filter(r -> r.testSlices().containsKey(n))
                        .mapToDouble(r -> r.testSlices().get(n)[1]).average().orElse(Double.NaN);
                out.append(Double.isNaN(m) ? " – |" : String.format(Locale.ROOT, " %.4f |", m));
            }
            out.append('\n');
        }
        return out.toString().stripTrailing();
    }

    private String epochs(String experiment, String dataset, Map<String, String> named, Path documentDir,
                          Path chartDir) {
        List<String> variants = list(named.get("variants"), variants(experiment));
        int epochs = 0;
        Map<String, double[]> curves = new LinkedHashMap<>();
        for (String v : variants) {
            List<RunRecord> rs = select(experiment, v, dataset);
            if (rs.isEmpty()) {
                continue;
            }
            int n = rs.stream().mapToInt(r -> r.testAucByEpoch().length).min().orElse(0);
            double[] curve = new double[n];
            for (int e = 0; e < n; e++) {
                int at = e;
                curve[e] = rs.stream().mapToDouble(r -> r.testAucByEpoch()[at]).average().orElse(Double.NaN);
            }
            curves.put(v, curve);
            epochs = Math.max(epochs, n);
        }
        StringBuilder out = new StringBuilder("| " + dataset + ", test AUC after epoch |");
        StringBuilder rule = new StringBuilder("|---|");
        for (int e = 1; e <= epochs; e++) {
            out.append(' ').append(e).append(" |");
            rule.append("---|");
        }
        out.append(" best − last |\n").append(rule).append("---|\n");
        for (Map.Entry<String, double[]> c : curves.entrySet()) {
            out.append("| ").append(c.getKey()).append(" |");
            double best = Double.NEGATIVE_INFINITY;
            for (int e = 0; e < epochs; e++) {
                double[] curve = c.getValue();
                out.append(e < curve.length ? String.format(Locale.ROOT, " %.4f |", curve[e]) : " – |");
                if (e < curve.length) {
                    best = Math.max(best, curve[e]);
                }
            }
            double[] curve = c.getValue();
            out.append(String.format(Locale.ROOT, " %.4f |%n", best - curve[curve.length - 1]));
        }
        String chart = named.get("chart");
        if (chart != null) {
            Path png = chartDir.resolve(chart + ".png");
            Charts.epochCurves(png, experiment + " on " + dataset + ": test AUC after each epoch", curves);
            out.append('\n').append("![").append(experiment).append(" on ").append(dataset).append("](")
                    .append(documentDir.relativize(png).toString().replace('\\', '/')).append(")\n");
        }
        return out.toString().stripTrailing();
    }

    private String value(String experiment, String variant, String dataset, String what) {
        List<RunRecord> rs = select(experiment, variant, dataset);
        if (rs.isEmpty()) {
            throw new IllegalArgumentException("no runs of " + experiment + " " + variant + " on " + dataset);
        }
        double v = switch (what) {
            case "test" -> mean(rs, RunRecord::testAuc);
            case "val" -> mean(rs, RunRecord::validationAuc);
            case "n" -> rs.size();
            default -> throw new IllegalArgumentException("value takes test, val or n, not " + what);
        };
        return what.equals("n") ? Integer.toString((int) v) : String.format(Locale.ROOT, "%.4f", v);
    }

    private String json(String file, String key, String format) {
        if (dir == null) {
            throw new IllegalArgumentException("{{json}} needs the report to be loaded from a folder");
        }
        JsonNode node;
        try {
            node = JSON.readTree(dir.resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(file), e);
        }
        for (String part : key.split("\\.")) {
            node = part.chars().allMatch(Character::isDigit) ? node.path(Integer.parseInt(part)) : node.path(part);
        }
        if (node.isMissingNode() || node.isNull()) {
            throw new IllegalArgumentException("no " + key + " in " + file);
        }
        if (!node.isNumber()) {
            return node.asText();
        }
        double v = node.asDouble();
        String pattern = format != null ? format : Math.abs(v) <= 1 ? "%.4f" : "%,.0f";
        return String.format(Locale.ROOT, pattern, v);
    }

    List<RunRecord> select(String experiment, String variant, String dataset) {
        return runs.stream().filter(r -> r.experiment().equals(experiment) && r.variant().equals(variant)
                && r.dataset().equals(dataset)).toList();
    }

    private List<String> datasets(String experiment) {
        return runs.stream().filter(r -> r.experiment().equals(experiment)).map(RunRecord::dataset).distinct()
                .sorted().toList();
    }

    private List<String> variants(String experiment) {
        return runs.stream().filter(r -> r.experiment().equals(experiment)).map(RunRecord::variant).distinct()
                .sorted().toList();
    }

    private static List<String> list(String given, List<String> fallback) {
        return given == null ? fallback : Arrays.asList(given.split(","));
    }

    private static double mean(List<RunRecord> rs, java.util.function.ToDoubleFunction<RunRecord> f) {
        return rs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    /** "0.7984 ± 0.0012 (3)", or the value alone for one run. */
    private static String stat(List<RunRecord> rs, java.util.function.ToDoubleFunction<RunRecord> f) {
        double m = mean(rs, f);
        if (rs.size() == 1) {
            return String.format(Locale.ROOT, "%.4f", m);
        }
        double ss = rs.stream().mapToDouble(f).map(x -> (x - m) * (x - m)).sum();
        return String.format(Locale.ROOT, "%.4f ± %.4f (%d)", m, Math.sqrt(ss / (rs.size() - 1)), rs.size());
    }
}
