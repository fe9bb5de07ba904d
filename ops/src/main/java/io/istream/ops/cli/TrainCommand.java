package io.istream.ops.cli;

import io.istream.ingestion.dataset.ReadOptions;
import io.istream.ingestion.dataset.SyntheticConfig;
import io.istream.ingestion.dataset.SyntheticInterests;
import io.istream.ops.explain.Charts;
import io.istream.trainer.data.OfflineDataset;
import io.istream.trainer.data.SyntheticProtocol;
import io.istream.trainer.eval.EvaluationResult;
import io.istream.trainer.eval.RelaImpr;
import io.istream.trainer.model.ActivationKind;
import io.istream.trainer.model.AttentionKind;
import io.istream.trainer.model.BlasKernels;
import io.istream.trainer.model.CellKind;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelFile;
import io.istream.trainer.model.ModelKind;
import io.istream.trainer.model.OptimizerConfig;
import io.istream.trainer.model.OptimizerKind;
import io.istream.trainer.model.RegularizationKind;
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
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
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

    @Option(names = "--activation", description = "Head activation: prelu or dice (default: prelu for base and"
            + " din, dice for dien).")
    String activation;

    @Option(names = "--cell", defaultValue = "augru",
            description = "DIEN evolving cell: augru, agru, aigru or augru-reference (default: ${DEFAULT-VALUE}).")
    String cell;

    @Option(names = "--attention", defaultValue = "bilinear",
            description = "DIEN attention: bilinear (eq. 9) or ffn (default: ${DEFAULT-VALUE}).")
    String attention;

    @Option(names = "--attention-activation", defaultValue = "prelu",
            description = "Hidden activation of the FFN attention (DIN, DIEN's ffn option): prelu or sigmoid (the DIN"
                    + " reference code's) (default: ${DEFAULT-VALUE}).")
    String attentionActivation;

    @Option(names = "--din-softmax", description = "Softmax over DIN's attention weights (off in the paper).")
    boolean dinSoftmax;

    @Option(names = "--aux-weight", defaultValue = "1.0",
            description = "α of the auxiliary loss; 0 turns it off (default: ${DEFAULT-VALUE}).")
    double auxWeight;

    @Option(names = "--user-embedding", description = "Add a user-id embedding to the head input.")
    boolean userEmbedding;

    @Option(names = "--embedding-dim", defaultValue = "18", description = "d per id (default: ${DEFAULT-VALUE}).")
    int embeddingDim;

    @Option(names = "--hidden", defaultValue = "36", description = "GRU hidden size H (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, adagrad or adam (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.001", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--lr-decay", defaultValue = "1", paramLabel = "F",
            description = "Epoch e trains at lr·F^(e−1); 1 keeps the rate constant (default: ${DEFAULT-VALUE}).")
    double learningRateDecay;

    @Option(names = "--reg", defaultValue = "none",
            description = "Embedding regularisation: none, l2 (whole table) or mba (default: ${DEFAULT-VALUE}).")
    String regularization;

    @Option(names = "--lambda", defaultValue = "0.01", description = "λ of --reg (default: ${DEFAULT-VALUE}).")
    double lambda;

    @Option(names = "--dense-l2", defaultValue = "0", description = "L2 on dense weights (default: ${DEFAULT-VALUE}).")
    double denseL2;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

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
        OptimizerConfig optimizerConfig = OptimizerConfig.of(OptimizerKind.valueOf(upper(optimizer)), learningRate)
                .withRegularization(RegularizationKind.valueOf(upper(regularization)), lambda)
                .withDenseL2(denseL2);
        TrainingOptions options = new TrainingOptions(epochs, batchSize, seed, !noBucketing, 512,
                learningRateDecay);
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

    ModelConfig modelConfig() {
        ModelKind kind = ModelKind.valueOf(upper(model));
        ActivationKind head = activation != null ? ActivationKind.valueOf(upper(activation))
                : kind == ModelKind.DIEN ? ActivationKind.DICE : ActivationKind.PRELU;
        ModelConfig defaults = ModelConfig.defaults(kind);
        return defaults.withSizes(embeddingDim, hidden, defaults.headHidden(), defaults.attentionHidden(),
                        defaults.auxHidden())
                .withAttentionActivation(ActivationKind.valueOf(upper(attentionActivation)))
                .withHeadActivation(head)
                .withAttention(AttentionKind.valueOf(upper(attention)), dinSoftmax)
                .withEvolvingCell(CellKind.valueOf(upper(cell)))
                .withAuxWeight(auxWeight)
                .withUserEmbedding(userEmbedding)
                .withSeed(seed);
    }

    private static String upper(String s) {
        return s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private Map<String, Object> figures(OfflineDataset dataset, ModelConfig modelConfig, OptimizerConfig opt,
                                        TrainingOptions options, TrainingReport report, double oracleAuc,
                                        double bayesAuc, double wallSeconds) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("command", "train");
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
        config.put("headActivation", modelConfig.headActivation().name());
        config.put("evolvingCell", modelConfig.evolvingCell().name());
        config.put("attention", modelConfig.attention().name());
        config.put("attentionActivation", modelConfig.attentionActivation().name());
        config.put("dinSoftmax", modelConfig.dinSoftmax());
        config.put("auxWeight", modelConfig.auxWeight());
        config.put("embeddingDim", modelConfig.embeddingDim());
        config.put("hidden", modelConfig.hiddenSize());
        config.put("optimizer", opt.kind().name());
        config.put("learningRate", opt.learningRate());
        config.put("learningRateDecay", options.learningRateDecay());
        config.put("regularization", opt.regularization().name());
        config.put("lambda", opt.lambda());
        config.put("denseL2", opt.denseL2());
        config.put("epochs", options.epochs());
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
                bar = new ProgressBarBuilder().setTaskName("epoch " + epoch).setInitialMax(batches)
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate()
                        .showSpeed().build();
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
