package io.istream.ops.cli;

import io.istream.ops.console.ProgressBars;
import io.istream.ops.explain.Charts;
import io.istream.trainer.data.OfflineDataset;
import io.istream.trainer.data.SyntheticProtocol;
import io.istream.trainer.dataset.ReadOptions;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.eval.EvaluationResult;
import io.istream.trainer.eval.RelaImpr;
import io.istream.trainer.model.BlasKernels;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelFile;
import io.istream.trainer.model.ModelOptions;
import io.istream.trainer.model.OptimizerConfig;
import io.istream.trainer.offline.EpochReport;
import io.istream.trainer.offline.OfflineTrainer;
import io.istream.trainer.offline.TrainingOptions;
import io.istream.trainer.offline.TrainingReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code istream train}: the offline trainer and evaluator (DIN/DIEN papers' protocols). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train Base, DIN or DIEN offline; select the epoch on validation AUC; report test AUC, gAUC,"
                + " logloss and RelaImpr.")
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "PATH|synthetic",
            description = "A dataset folder or file (amazon-beauty, movielens-100k, movielens-latest-small), or"
                    + " 'synthetic' for the planted-evolution data.")
    String data;

    @Option(names = "--model", defaultValue = "dien", description = "base, din or dien (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--form", defaultValue = "default", description = "Where the model's options start: default (the"
            + " forms that measured best across datasets) or paper (the papers' forms) (default: ${DEFAULT-VALUE}).")
    String form;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "Any model.* or optimizer.* option (see"
            + " docs/configuration.md), as the streaming job takes it; repeatable. The flags below override it.")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--activation", description = "Head activation: prelu or dice (model.head-activation).")
    String activation;

    @Option(names = "--head-inputs", paramLabel = "LIST", description = "What summarises the behaviours in the head:"
            + " sum-pooling, attention-pooling, interest-state, comma-separated (model.head-inputs).")
    String headInputs;

    @Option(names = "--cell", description = "DIEN evolving cell: augru, agru, aigru or augru-reference"
            + " (model.evolving-cell).")
    String cell;

    @Option(names = "--attention", description = "DIEN attention: bilinear (eq. 9) or ffn (model.dien-attention).")
    String attention;

    @Option(names = "--attention-activation", description = "Hidden activation of the FFN attention: prelu, sigmoid"
            + " (the DIN reference code's) or none (model.attention-activation).")
    String attentionActivation;

    @Option(names = "--din-softmax", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "Softmax over DIN's attention weights (model.din-softmax).")
    Boolean dinSoftmax;

    @Option(names = "--aux-weight", description = "α of the auxiliary loss; 0 turns it off (model.aux-weight).")
    Double auxWeight;

    @Option(names = "--user-embedding", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "Add a user-id embedding to the head input (model.user-embedding).")
    Boolean userEmbedding;

    @Option(names = "--embedding-dim", description = "d per id (model.embedding-dim).")
    Integer embeddingDim;

    @Option(names = "--hidden", description = "GRU hidden size H (model.hidden-size).")
    Integer hidden;

    @Option(names = "--optimizer", description = "sgd, adagrad or adam (optimizer.kind).")
    String optimizer;

    @Option(names = "--lr", description = "Learning rate (optimizer.learning-rate).")
    Double learningRate;

    @Option(names = "--lr-decay", defaultValue = "1", paramLabel = "F",
            description = "Epoch e trains at lr·F^(e−1); 1 keeps the rate constant (default: ${DEFAULT-VALUE}).")
    double learningRateDecay;

    @Option(names = "--reg", description = "Embedding regularisation: none, l2 (whole table) or mba"
            + " (optimizer.regularization).")
    String regularization;

    @Option(names = "--lambda", description = "λ of --reg (optimizer.lambda).")
    Double lambda;

    @Option(names = "--dense-l2", description = "L2 on dense weights (optimizer.dense-l2).")
    Double denseL2;

    @Option(names = "--epochs", defaultValue = "12", description = "Epochs at most (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--patience", defaultValue = "2", paramLabel = "N", description = "Stop after N epochs without a"
            + " better validation AUC; 0 trains every epoch (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--batch", defaultValue = "128", description = "Batch size B (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-history", defaultValue = "100", description = "T, history cap (default: ${DEFAULT-VALUE}).")
    int maxHistory;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of data split, negatives, initialisation and"
            + " shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--synthetic-users", defaultValue = "2000",
            description = "Users of the synthetic data (default: ${DEFAULT-VALUE}).")
    int syntheticUsers;

    @Option(names = "--synthetic-steps", defaultValue = "50",
            description = "Steps per synthetic user (default: ${DEFAULT-VALUE}).")
    int syntheticSteps;

    @Option(names = "--base-auc", description = "Test AUC of the base model, for RelaImpr.")
    Double baseAuc;

    @Option(names = "--no-bucketing", description = "Plain shuffled batches (T = longest history of random samples).")
    boolean noBucketing;

    @Option(names = "--save", paramLabel = "FILE", description = "Write the selected epoch's model file here.")
    Path save;

    @Option(names = "--threads", defaultValue = "1", description = "Threads of DIEN's recurrent layers and auxiliary"
            + " net, 1 or 2 (default: ${DEFAULT-VALUE}; 2 helps at T = 100, not on amazon-beauty's bucketed short"
            + " batches: see README, Speed).")
    int threads;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    @Option(names = "--experiment", paramLabel = "NAME", description = "A label the JSON carries: which comparison"
            + " this run belongs to (istream results groups runs by it).")
    String experiment;

    @Option(names = "--variant", paramLabel = "NAME", description = "A label the JSON carries: this run's row within"
            + " its experiment (default: the model's name).")
    String variant;

    @Option(names = "--curves", paramLabel = "PNG", description = "Learning curves (loss and validation AUC per"
            + " epoch) go here (default: beside --json as NAME-curves.png, else train-curves.png).")
    Path curves;

    @Override
    public Integer call() {
        long started = System.nanoTime();
        double oracleAuc = Double.NaN;
        double bayesAuc = Double.NaN;
        OfflineDataset dataset;
        if ("synthetic".equalsIgnoreCase(data)) {
            SyntheticConfig config = SyntheticConfig.small().withSize(syntheticUsers, syntheticSteps).withSeed(seed);
            SyntheticInterests synthetic = SyntheticInterests.generate(config);
            dataset = SyntheticProtocol.build(synthetic, maxHistory, seed);
            oracleAuc = SyntheticProtocol.oracleAuc(dataset.test());
            bayesAuc = SyntheticProtocol.historyBayesAuc(dataset.test(), synthetic);
        } else {
            dataset = OfflineDataset.read(Path.of(data), ReadOptions.all(), maxHistory, seed);
        }
        System.out.println(dataset.describe());
        ModelConfig modelConfig = modelConfig();
        OptimizerConfig optimizerConfig = optimizerConfig();
        TrainingOptions options = new TrainingOptions(epochs, batchSize, seed, !noBucketing, 512,
                learningRateDecay, patience);
        System.out.println("model " + modelConfig + "; " + optimizerConfig);
        ProgressListener progress = new ProgressListener();
        OfflineTrainer trainer = new OfflineTrainer(modelConfig, optimizerConfig, options, progress);
        trainer.model().setThreads(threads);
        byte[][] best = new byte[1][];
        TrainingReport report = trainer.train(dataset, epoch -> {
            if (save != null) {
                best[0] = ModelFile.toBytes(trainer.model(), trainer.optimizer());
            }
        });
        progress.close();
        EpochReport selected = report.selected();
        EvaluationResult test = report.test();
        System.out.printf(Locale.ROOT, "selected epoch %d (best validation AUC %.4f): test AUC %.4f gAUC %.4f"
                        + " logloss %.4f%s%s; %.0f samples/s%n", report.selectedEpoch(), selected.validation().auc(),
                test.auc(), test.gauc(), test.logloss(),
                baseAuc == null ? "" : String.format(Locale.ROOT, " RelaImpr %+.2f%%", 100 * RelaImpr.of(test.auc(),
                        baseAuc)),
                Double.isNaN(oracleAuc) ? "" : String.format(Locale.ROOT, " (oracle AUC %.4f, history Bayes AUC %.4f)",
                        oracleAuc, bayesAuc),
                report.meanSamplesPerSecond());
        if (save != null && best[0] != null) {
            try {
                Files.write(save, best[0]);
                System.out.println("model file written to " + save);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Path curvesFile = curvesFile();
        double[] epochs = report.epochs().stream().mapToDouble(EpochReport::epoch).toArray();
        Charts.learningCurves(curvesFile, modelConfig.kind().name() + " on " + dataset.name(), epochs,
                report.epochs().stream().mapToDouble(EpochReport::trainLoss).toArray(),
                report.epochs().stream().mapToDouble(e -> e.validation().logloss()).toArray(),
                report.epochs().stream().mapToDouble(e -> e.validation().auc()).toArray());
        System.out.println("learning curves written to " + curvesFile);
        Map<String, Object> figures = figures(dataset, modelConfig, optimizerConfig, options, report, oracleAuc,
                bayesAuc, (System.nanoTime() - started) / 1e9);
        figures.put("curves", curvesFile.toString());
        FiguresFile.write(json, figures);
        return 0;
    }

    Path curvesFile() {
        if (curves != null) {
            return curves;
        }
        if (json != null) {
            String name = json.getFileName().toString().replaceFirst("\\.json$", "");
            return json.resolveSibling(name + "-curves.png");
        }
        return Path.of("train-curves.png");
    }

    /** The model and optimiser options: --conf first, then the flags that were given. */
    Map<String, String> options() {
        Map<String, String> values = new LinkedHashMap<>(conf);
        values.put(ModelOptions.KIND, model);
        values.put(ModelOptions.FORM, form);
        putIfGiven(values, "model.head-activation", activation);
        putIfGiven(values, "model.head-inputs", headInputs);
        putIfGiven(values, "model.evolving-cell", cell);
        putIfGiven(values, "model.dien-attention", attention);
        putIfGiven(values, "model.attention-activation", attentionActivation);
        putIfGiven(values, "model.din-softmax", dinSoftmax);
        putIfGiven(values, "model.aux-weight", auxWeight);
        putIfGiven(values, "model.user-embedding", userEmbedding);
        putIfGiven(values, "model.embedding-dim", embeddingDim);
        putIfGiven(values, "model.hidden-size", hidden);
        values.put("model.seed", Long.toString(seed));
        putIfGiven(values, "optimizer.kind", optimizer);
        putIfGiven(values, "optimizer.learning-rate", learningRate);
        putIfGiven(values, "optimizer.regularization", regularization);
        putIfGiven(values, "optimizer.lambda", lambda);
        putIfGiven(values, "optimizer.dense-l2", denseL2);
        for (String key : values.keySet()) {
            if (!ModelOptions.keys().contains(key)) {
                throw new IllegalArgumentException("unknown option " + key + " (model.* and optimizer.* options:"
                        + " docs/configuration.md)");
            }
        }
        return values;
    }

    private static void putIfGiven(Map<String, String> values, String key, Object value) {
        if (value != null) {
            values.put(key, value.toString());
        }
    }

    ModelConfig modelConfig() {
        return ModelOptions.model(options());
    }

    OptimizerConfig optimizerConfig() {
        return ModelOptions.optimizer(options());
    }

    ModelOptions.Form modelForm() {
        return ModelOptions.parseForm(form);
    }

    private Map<String, Object> figures(OfflineDataset dataset, ModelConfig modelConfig, OptimizerConfig opt,
                                        TrainingOptions options, TrainingReport report, double oracleAuc,
                                        double bayesAuc, double wallSeconds) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("command", "train");
        if (experiment != null) {
            out.put("experiment", experiment);
        }
        out.put("variant", variant != null ? variant : modelConfig.kind().name().toLowerCase(Locale.ROOT));
        out.put("dataset", dataset.name());
        out.put("trainSamples", dataset.train().size());
        out.put("validationSamples", dataset.validation().size());
        out.put("testSamples", dataset.test().size());
        out.put("model", modelConfig.kind().name().toLowerCase(Locale.ROOT));
        out.put("seed", seed);
        out.put("threads", threads);
        out.put("openblasCoretype", BlasKernels.coretypeOfThisJvm());
        EvaluationResult test = report.test();
        out.put("selectedEpoch", report.selectedEpoch());
        out.put("testAuc", test.auc());
        out.put("testGauc", test.gauc());
        out.put("testLogloss", test.logloss());
        out.put("validationAuc", report.selected().validation().auc());
        Map<String, Object> slices = new LinkedHashMap<>();
        report.selected().testSlices().forEach((name, r) -> slices.put(name, Map.of("samples", r.samples(), "auc",
                r.auc(), "gauc", r.gauc(), "logloss", r.logloss())));
        out.put("testSlices", slices);
        if (baseAuc != null) {
            out.put("baseAuc", baseAuc);
            out.put("relaImpr", RelaImpr.of(test.auc(), baseAuc));
        }
        if (!Double.isNaN(oracleAuc)) {
            out.put("oracleAuc", oracleAuc);
            out.put("historyBayesAuc", bayesAuc);
        }
        out.put("samplesPerSecond", report.meanSamplesPerSecond());
        out.put("wallSeconds", wallSeconds);
        List<Map<String, Object>> epochs = new ArrayList<>();
        for (EpochReport e : report.epochs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", e.epoch());
            m.put("trainLoss", e.trainLoss());
            m.put("trainAuxLoss", e.trainAuxLoss());
            m.put("samplesPerSecond", e.samplesPerSecond());
            m.put("skippedBatches", e.skippedBatches());
            m.put("validationAuc", e.validation().auc());
            m.put("validationGauc", e.validation().gauc());
            m.put("validationLogloss", e.validation().logloss());
            m.put("testAuc", e.test().auc());
            epochs.add(m);
        }
        out.put("epochs", epochs);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", modelConfig.toString());
        config.putAll(ModelOptions.values(modelConfig, opt, modelForm()));
        config.put("learningRateDecay", options.learningRateDecay());
        config.put("epochs", options.epochs());
        config.put("patience", options.patience());
        config.put("batchSize", options.batchSize());
        config.put("bucketing", options.bucketBatches());
        config.put("maxHistory", maxHistory);
        out.put("config", config);
        return out;
    }

    /** A progress bar per epoch, and one line of held-out metrics after it. */
    private static final class ProgressListener implements OfflineTrainer.Listener {
        private ProgressBar bar;

        @Override
        public void batchDone(int epoch, int batch, int batches, double loss) {
            if (bar == null) {
                bar = ProgressBars.start("epoch " + epoch, batches, " batches");
            }
            bar.stepTo(batch);
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", loss));
        }

        @Override
        public void epochDone(EpochReport e) {
            close();
            System.out.printf(Locale.ROOT, "epoch %d: train loss %.4f (aux %.4f), %.0f samples/s, %d skipped;"
                            + " validation AUC %.4f gAUC %.4f logloss %.4f%n", e.epoch(), e.trainLoss(),
                    e.trainAuxLoss(), e.samplesPerSecond(), e.skippedBatches(), e.validation().auc(),
                    e.validation().gauc(), e.validation().logloss());
        }

        void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
