package io.istream.ops.cli;

import io.istream.avro.Metrics;
import io.istream.avro.ModelUpdate;
import io.istream.avro.Sample;
import io.istream.ingestion.config.CommittedReader;
import io.istream.trainer.dataset.EventScript;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ops.replay.Replay;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.validate.ValidationLimits;
import io.istream.ops.local.LocalStack;
import io.istream.ops.local.ScriptChooser;
import io.istream.schemas.Topics;
import io.istream.trainer.data.Batch;
import io.istream.trainer.job.TrainerOptions;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.Optimizer;
import io.istream.trainer.streaming.SampleBatches;
import io.istream.trainer.streaming.StreamingSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code istream bench pipeline}: samples/s trained by the streaming job (Kafka → data plane → trainer, with
 * prequential scoring) against the offline training loop on the same samples in the same order, same model and
 * batch size, in one run.
 *
 * <p>Both are reported twice: over the whole run, and in steady state, after the streaming job's first
 * {@code --warmup} of training. The JIT compiles Flink, Kafka, Avro and the model while the streaming job starts: in
 * a per-thread CPU count of one run on 2 cores, the compiler threads took 14.8 s of CPU in the job's first 30 s
 * against the trainer thread's 23.2 s. The offline loop runs afterwards, on compiled code, so only the steady-state
 * ratio compares like with like; the offline side of it is timed over the same samples (those after the warm-up).
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Streaming training samples/s vs the offline training loop on the same samples.")
final class PipelineBench implements Callable<Integer> {
    @Option(names = "--data", description = "dataset; default ../shared/data/amazon-beauty (synthetic when absent)")
    Path data;

    @Option(names = "--users", defaultValue = "4000", description = "first N users (default: ${DEFAULT-VALUE})")
    int users;

    @Option(names = "--warmup", defaultValue = "30s", description = "streaming training time counted as warm-up "
            + "and reported apart (default: ${DEFAULT-VALUE})")
    String warmup;

    @Option(names = "--held-out", defaultValue = "1000", paramLabel = "N", description = "the last N of the users"
            + " are never replayed; both models are scored on their test positions (the Amazon protocol's), and the"
            + " prequential AUC of the stream is compared with the offline loop's; 0 = speed only"
            + " (default: ${DEFAULT-VALUE})")
    int heldOut;

    @Mixin
    LocalJobOptions local = new LocalJobOptions();

    @Override
    public Integer call() throws Exception {
        Path dataset = data != null ? data : Defaults.dataRoot().resolve("amazon-beauty");
        Configuration options = local.jobOptions();
        StreamingSettings settings = TrainerOptions.settings(options);
        PipelineQuality quality = heldOut > 0 ? PipelineQuality.of(dataset, users, heldOut, settings.maxHistory(), local.seed) : null;
        EventScript script = quality != null ? quality.script()
                : ScriptChooser.load(dataset, users, local.seed, true, System.out);
        if (!local.conf.containsKey(TrainerOptions.METRICS_WINDOW.key())) {
            options.set(TrainerOptions.METRICS_WINDOW, Duration.ofSeconds(2));   // throughput windows
        }
        long warmupMs = TimeUtils.parseDuration(warmup).toMillis();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("benchmark", "pipeline");
        figures.put("script", script.name());
        figures.put("model", settings.model().kind().name());
        figures.put("batchSize", settings.batchSize());
        FiguresFile.putOptimizer(figures, settings.optimizer());
        List<Sample> samples;
        List<Metrics> windows;
        List<ModelUpdate> updates;
        try (LocalStack stack = LocalStack.start(Defaults.workDir("bench-pipeline"), local.parallelism)) {
            try (EventPublisher publisher = new EventPublisher(stack.kafka(), ValidationLimits.defaults())) {
                new Replay(publisher, 0, true).run(script);
            }
            System.out.println("backlog published; the learning job reads it (data plane + trainer)");
            long start = System.nanoTime();
            stack.startLearning(options, StartingPosition.EARLIEST, true).getJobExecutionResult().get();
            figures.put("jobSeconds", (System.nanoTime() - start) / 1e9);
            samples = CommittedReader.readCommitted(stack.kafka(), Topics.SAMPLES);
            windows = CommittedReader.readCommitted(stack.kafka(), Topics.METRICS);
            updates = quality != null ? CommittedReader.readCommitted(stack.kafka(), Topics.MODEL_UPDATES) : List.of();
        }
        List<TrainingWindows.Window> trainedWindows = new ArrayList<>();
        for (Metrics m : windows) {
            trainedWindows.add(new TrainingWindows.Window(m.getWindowStartMs(), m.getWindowEndMs(), m.getSamples()));
        }
        TrainingWindows.Split split = TrainingWindows.split(trainedWindows, warmupMs);
        System.out.printf(Locale.ROOT, "streaming: %,d samples trained (prequentially scored first) in %.1f s of "
                        + "training windows = %,.0f samples/s; after the first %.0f s (%,d samples): %,.0f samples/s%n",
                split.samples(), split.seconds(), split.samplesPerSecond(), split.warmupSeconds(),
                split.warmupSamples(), split.steadySamplesPerSecond());

        // offline: the same samples in the samples topic's order, same model, optimiser and batch size
        CtrModel model = new CtrModel(settings.model(), settings.optimizer().kind().slots());
        Optimizer optimizer = new Optimizer(settings.optimizer(), model);
        List<Batch> batches = SampleBatches.inBatches(samples, settings.batchSize(), settings.maxHistory());
        int steadyFrom = (int) Math.min(samples.size(), split.warmupSamples());   // the streaming warm-up's samples
        long steadyNanos = 0;
        int steadySamples = 0;
        long trainNanos = 0;
        // the prequential score of each sample: the model before the step that trains on it, at inference, as the
        // streaming trainer's served score is (not timed: only the training steps are)
        double[] prequential = quality != null ? new double[samples.size()] : null;
        for (int i = 0; i < batches.size(); i++) {
            Batch b = batches.get(i);
            if (prequential != null) {
                model.forward(b, false);
                System.arraycopy(model.probabilities(), 0, prequential, i * settings.batchSize(), b.size);
            }
            long batchStart = System.nanoTime();
            model.forward(b, true);
            model.backward();
            optimizer.step();
            long took = System.nanoTime() - batchStart;
            trainNanos += took;
            if ((long) i * settings.batchSize() >= steadyFrom) {
                steadyNanos += took;
                steadySamples += b.size;
            }
        }
        double offlineSeconds = trainNanos / 1e9;
        double offline = samples.size() / offlineSeconds;
        double offlineSteady = steadySamples / (steadyNanos / 1e9);
        double streaming = split.samplesPerSecond();
        double streamingSteady = split.steadySamplesPerSecond();
        System.out.printf(Locale.ROOT, "offline training loop: %,d samples in %.1f s = %,.0f samples/s; the same %,d "
                + "samples after the warm-up: %,.0f samples/s%n", samples.size(), offlineSeconds, offline,
                steadySamples, offlineSteady);
        System.out.printf(Locale.ROOT, "streaming / offline: whole run %.0f%%, steady state %.0f%% (target >= 80%%)%n",
                100 * streaming / offline, 100 * streamingSteady / offlineSteady);
        figures.put("samples", samples.size());
        figures.put("samplesTrainedStreaming", split.samples());
        figures.put("streamingSamplesPerSecond", streaming);
        figures.put("offlineSamplesPerSecond", offline);
        figures.put("ratio", streaming / offline);
        figures.put("warmupSeconds", split.warmupSeconds());
        figures.put("warmupSamples", split.warmupSamples());
        figures.put("steadySamples", steadySamples);
        figures.put("streamingSteadySamplesPerSecond", streamingSteady);
        figures.put("offlineSteadySamplesPerSecond", offlineSteady);
        figures.put("steadyRatio", streamingSteady / offlineSteady);
        if (quality != null) {
            figures.putAll(quality.compare(samples, prequential, windows, updates, model));
        }
        FiguresFile.write(local.json, figures);
        return 0;
    }
}
