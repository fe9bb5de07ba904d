package io.istream.ops.cli;

import io.istream.trainer.dataset.AmazonReviewsReader;
import io.istream.trainer.dataset.ReadOptions;
import io.istream.trainer.data.AmazonProtocol;
import io.istream.trainer.data.Batch;
import io.istream.trainer.data.Batches;
import io.istream.trainer.data.OfflineDataset;
import io.istream.trainer.model.ActivationKind;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.Gemm;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelKind;
import io.istream.trainer.model.ModelOptions;
import io.istream.trainer.model.Optimizer;
import io.istream.trainer.model.OptimizerConfig;
import io.istream.trainer.model.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code istream bench train}: training and inference samples/s of the model core, at DIEN's reference size and at
 * amazon-beauty's real shapes, with the achieved GEMM rate against the GEMM peak measured in the same run.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Model-core throughput: training and inference samples/s, achieved GFLOP/s vs GEMM peak.")
final class TrainBench implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "5", description = "Timed rounds per case; medians are reported"
            + " (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--batches", defaultValue = "8", description = "Batches per round (default: ${DEFAULT-VALUE}).")
    int batchesPerRound;

    @Option(names = "--warmup-seconds", defaultValue = "3", description = "Untimed training before each case's"
            + " rounds, at least one round's batches: C2 compiles the hot loops in seconds, not in 8 batches"
            + " (default: ${DEFAULT-VALUE}).")
    double warmupSeconds;

    @Option(names = "--data", description = "amazon-beauty folder for the real-shape cases (default: the shared"
            + " data folder, skipped with a message when absent).")
    Path data;

    @Option(names = "--threads", split = ",", defaultValue = "1,2",
            description = "Model threads (CtrModel.setThreads), one measurement of every case each, so that their"
                    + " ratio comes from one run (default: ${DEFAULT-VALUE}).")
    int[] threadCounts;

    @Option(names = "--forms", split = ",", defaultValue = "paper,default",
            description = "Model forms to time (ModelOptions.Form): paper (the papers' forms, the reference) and"
                    + " default (the shipped defaults) (default: ${DEFAULT-VALUE}).")
    String[] forms;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    @Override
    public Integer call() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("command", "bench train");
        out.put("ompThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        BlasReport.printAndRecord(out);   // the products' kernels: ops/istream picks them from the CPU
        out.put("rounds", rounds);
        out.put("batchesPerRound", batchesPerRound);
        out.put("warmupSeconds", warmupSeconds);
        double peak = gemmPeak();
        System.out.printf(Locale.ROOT, "GEMM peak (float, 1024³, this run): %.1f GFLOP/s%n", peak);
        out.put("gemmPeakGflops", peak);
        List<Map<String, Object>> cases = new ArrayList<>();
        // the reference size: B = 128, T = 100 with every step valid, d = 18, H = 36, head 200-80, aux 100-50
        Batch reference = Batches.synthetic(128, 100, true, 50_000, 800, 1);
        List<ModelOptions.Form> formList = Arrays.stream(forms).map(ModelOptions::parseForm).toList();
        for (ModelOptions.Form form : formList) {
            for (int threads : threadCounts) {
                cases.add(measure("dien reference size (B=128, T=100 all valid), " + formName(form) + " form",
                        config(ModelKind.DIEN, form), List.of(reference), peak, threads));
            }
        }
        Path amazon = data != null ? data : Defaults.dataRoot().resolve("amazon-beauty");
        if (Files.isRegularFile(amazon.resolve(AmazonReviewsReader.FILE_NAME))) {
            OfflineDataset dataset = AmazonProtocol.build(AmazonReviewsReader.read(amazon, ReadOptions.all()), 100, 1);
            List<Batch> real = new ArrayList<>();
            Batches shuffled = Batches.shuffled(dataset.train(), 128, 1, 1);
            for (int i = 0; i < Math.min(64, shuffled.count()); i++) {
                real.add(shuffled.get(i));
            }
            double meanT = real.stream().mapToInt(b -> b.steps).average().orElse(0);
            System.out.printf(Locale.ROOT, "amazon-beauty real shapes: %d shuffled training batches of 128, mean T %.1f"
                    + " (no length bucketing)%n", real.size(), meanT);
            for (ModelKind kind : ModelKind.values()) {
                for (ModelOptions.Form form : formList) {
                    for (int threads : kind == ModelKind.DIEN ? threadCounts : new int[] {1}) {
                        cases.add(measure(kind.name().toLowerCase(Locale.ROOT) + " amazon-beauty shapes, "
                                + formName(form) + " form", config(kind, form), real, peak,
                                threads));
                    }
                }
            }
        } else {
            System.out.println("amazon-beauty not found at " + amazon + ": real-shape cases skipped");
        }
        out.put("cases", cases);
        FiguresFile.write(json, out);
        return 0;
    }

    private static ModelConfig config(ModelKind kind, ModelOptions.Form form) {
        return (form == ModelOptions.Form.PAPER ? ModelConfig.paper(kind) : ModelConfig.builder(kind)).build();
    }

    private static String formName(ModelOptions.Form form) {
        return form.name().toLowerCase(Locale.ROOT);
    }

    private Map<String, Object> measure(String name, ModelConfig config, List<Batch> batches, double peak,
                                        int threads) {
        ModelKind kind = config.kind();
        CtrModel model = new CtrModel(config, 2);
        model.setThreads(threads);
        Optimizer optimizer = new Optimizer(OptimizerConfig.adam(1e-3), model);
        int next = 0;
        // warm-up: JIT and buffer sizes; training and inference both, for at least --warmup-seconds
        long warmUntil = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int i = 0; i < Math.max(3, batchesPerRound) || System.nanoTime() < warmUntil; i++) {
            Batch b = batches.get(next++ % batches.size());
            model.forward(b, true);
            model.backward();
            optimizer.step();
            model.forward(batches.get(next % batches.size()), false);
        }
        double[] train = new double[rounds];
        double[] trainGflops = new double[rounds];
        double[] infer = new double[rounds];
        double[] inferGflops = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long samples = 0;
            long flops0 = Gemm.flops();
            long t0 = System.nanoTime();
            for (int i = 0; i < batchesPerRound; i++) {
                Batch b = batches.get(next++ % batches.size());
                model.forward(b, true);
                model.backward();
                optimizer.step();
                samples += b.size;
            }
            double s = (System.nanoTime() - t0) / 1e9;
            train[r] = samples / s;
            trainGflops[r] = (Gemm.flops() - flops0) / s / 1e9;
            samples = 0;
            flops0 = Gemm.flops();
            t0 = System.nanoTime();
            for (int i = 0; i < batchesPerRound; i++) {
                Batch b = batches.get(next++ % batches.size());
                model.forward(b, false);
                samples += b.size;
            }
            s = (System.nanoTime() - t0) / 1e9;
            infer[r] = samples / s;
            inferGflops[r] = (Gemm.flops() - flops0) / s / 1e9;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("case", name);
        m.put("threads", threads);
        m.put("model", config.toString());
        m.put("trainSamplesPerSecondMedian", median(train));
        m.put("trainSamplesPerSecond", train);
        m.put("inferenceSamplesPerSecondMedian", median(infer));
        m.put("inferenceSamplesPerSecond", infer);
        m.put("trainGemmGflopsMedian", median(trainGflops));
        m.put("inferenceGemmGflopsMedian", median(inferGflops));
        m.put("trainShareOfPeak", median(trainGflops) / peak);
        System.out.printf(Locale.ROOT, "%-48s %d thread%s: train %8.0f samples/s (GEMM %5.1f GFLOP/s, %4.1f%% of peak)"
                        + " | inference %8.0f samples/s (GEMM %5.1f GFLOP/s)   [median of %d rounds × %d batches]%n",
                name, threads, threads == 1 ? " " : "s", median(train), median(trainGflops),
                100 * median(trainGflops) / peak, median(infer), median(inferGflops), rounds, batchesPerRound);
        return m;
    }

    /** Median GFLOP/s of a float 1024×1024×1024 product into a preallocated output. */
    private double gemmPeak() {
        int n = 1024;
        Tensor a = Tensor.zeros(DataType.FLOAT, n, n);
        Tensor b = Tensor.zeros(DataType.FLOAT, n, n);
        Tensor c = Tensor.zeros(DataType.FLOAT, n, n);
        a.fill(0.5);
        b.fill(0.25);
        Gemm.multiply(a, false, b, false, c);
        double[] rates = new double[7];
        for (int i = 0; i < rates.length; i++) {
            long t0 = System.nanoTime();
            Gemm.multiply(a, false, b, false, c);
            rates[i] = 2.0 * n * n * n / (System.nanoTime() - t0);
        }
        return median(rates);
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
