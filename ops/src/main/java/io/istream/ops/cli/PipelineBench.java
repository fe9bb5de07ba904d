package io.istream.ops.cli;

import io.istream.avro.Metrics;
import io.istream.avro.Sample;
import io.istream.ingestion.config.CommittedReader;
import io.istream.ingestion.dataset.EventScript;
import io.istream.ingestion.producer.EventPublisher;
import io.istream.ingestion.replay.Replay;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code istream bench pipeline}: samples/s trained by the streaming job (Kafka → data plane → trainer, with
 * prequential scoring) against the offline training loop on the same samples in the same order, same model and
 * batch size, in one run.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Streaming training samples/s vs the offline training loop on the same samples.")
final class PipelineBench implements Callable<Integer> {
    @Option(names = "--data", description = "dataset; default ../shared/data/amazon-beauty (synthetic when absent)")
    Path data;

    @Option(names = "--users", defaultValue = "1500", description = "first N users (default: ${DEFAULT-VALUE})")
    int users;

    @Mixin
    LocalJobOptions local = new LocalJobOptions();

    @Override
    public Integer call() throws Exception {
        Path dataset = data != null ? data : Defaults.dataRoot().resolve("amazon-beauty");
        EventScript script = ScriptChooser.load(dataset, users, local.seed, true, System.out);
        Configuration options = local.jobOptions();
        StreamingSettings settings = TrainerOptions.settings(options);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("benchmark", "pipeline");
        figures.put("script", script.name());
        figures.put("model", settings.model().kind().name());
        figures.put("batchSize", settings.batchSize());
        List<Sample> samples;
        List<Metrics> windows;
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
        }
        long trained = 0;
        long firstMs = Long.MAX_VALUE;
        long lastMs = Long.MIN_VALUE;
        for (Metrics m : windows) {
            if (m.getSamples() > 0) {
                trained += m.getSamples();
                firstMs = Math.min(firstMs, m.getWindowStartMs());
                lastMs = Math.max(lastMs, m.getWindowEndMs());
            }
        }
        double streaming = trained / ((lastMs - firstMs) / 1000.0);
        System.out.printf(Locale.ROOT, "streaming: %,d samples trained (prequentially scored first) in %.1f s of "
                + "training windows = %,.0f samples/s%n", trained, (lastMs - firstMs) / 1000.0, streaming);

        // offline: the same samples in the samples topic's order, same model, optimiser and batch size
        CtrModel model = new CtrModel(settings.model(), settings.optimizer().kind().slots());
        Optimizer optimizer = new Optimizer(settings.optimizer(), model);
        List<Batch> batches = new ArrayList<>();
        for (int from = 0; from < samples.size(); from += settings.batchSize()) {
            batches.add(SampleBatches.of(samples.subList(from, Math.min(samples.size(), from + settings.batchSize())),
                    settings.maxHistory()));
        }
        long start = System.nanoTime();
        for (Batch b : batches) {
            model.forward(b, true);
            model.backward();
            optimizer.step();
        }
        double offlineSeconds = (System.nanoTime() - start) / 1e9;
        double offline = samples.size() / offlineSeconds;
        System.out.printf(Locale.ROOT, "offline training loop: %,d samples in %.1f s = %,.0f samples/s%n",
                samples.size(), offlineSeconds, offline);
        System.out.printf(Locale.ROOT, "streaming / offline = %.0f%% (target >= 80%%)%n", 100 * streaming / offline);
        figures.put("samples", samples.size());
        figures.put("samplesTrainedStreaming", trained);
        figures.put("streamingSamplesPerSecond", streaming);
        figures.put("offlineSamplesPerSecond", offline);
        figures.put("ratio", streaming / offline);
        FiguresFile.write(local.json, figures);
        return 0;
    }
}
