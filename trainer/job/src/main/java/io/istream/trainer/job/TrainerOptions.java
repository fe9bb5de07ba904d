package io.istream.trainer.job;

import io.istream.features.job.JobOptions;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelOptions;
import io.istream.trainer.model.OptimizerConfig;
import io.istream.trainer.model.RegularizationKind;
import io.istream.trainer.streaming.PrequentialScore;
import io.istream.trainer.streaming.StreamingSettings;
import io.istream.trainer.streaming.TrainerReplica;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

/** Typed options of the streaming trainer; the model's and optimiser's are {@link ModelOptions}. */
public final class TrainerOptions {
    private TrainerOptions() {
    }

    public static final ConfigOption<Integer> BATCH_SIZE = ConfigOptions.key("trainer.batch-size")
            .intType().defaultValue(128).withDescription("Samples per training step.");

    public static final ConfigOption<Integer> MAX_HISTORY = ConfigOptions.key("trainer.max-history")
            .intType().defaultValue(100).withDescription("T: behaviours per sample, newest kept.");

    public static final ConfigOption<Integer> PUBLISH_EVERY_BATCHES = ConfigOptions.key("trainer.publish-every-batches")
            .intType().defaultValue(10).withDescription("A sparse model delta after this many trained batches …");

    public static final ConfigOption<Duration> PUBLISH_INTERVAL = ConfigOptions.key("trainer.publish-interval")
            .durationType().defaultValue(Duration.ofSeconds(1))
            .withDescription("… or this long after the previous update, whichever comes first. Readers see an update "
                    + "when the checkpoint that holds it completes (exactly-once).");

    public static final ConfigOption<Duration> FULL_INTERVAL = ConfigOptions.key("trainer.full-snapshot-interval")
            .durationType().defaultValue(Duration.ofMinutes(10))
            .withDescription("A full model snapshot this often, and at every start and restore; followers that join "
                    + "late start from the latest one.");

    public static final ConfigOption<MemorySize> MAX_CHUNK = ConfigOptions.key("trainer.max-update-chunk")
            .memoryType().defaultValue(MemorySize.parse("512kb"))
            .withDescription("Payload bound per model-update record; keep under the broker's message.max.bytes.");

    public static final ConfigOption<Duration> METRICS_WINDOW = ConfigOptions.key("trainer.metrics-window")
            .durationType().defaultValue(Duration.ofSeconds(10))
            .withDescription("Window of the prequential metrics (processing time) on the metrics topic.");

    public static final ConfigOption<PrequentialScore> PREQUENTIAL = ConfigOptions.key("trainer.prequential-score")
            .enumType(PrequentialScore.class).defaultValue(PrequentialScore.SERVED)
            .withDescription("SERVED: a separate inference pass scores each batch as the scorer would, before the "
                    + "step; TRAINING_PASS: the training step's own forward pass (before the update) does, which saves "
                    + "that pass but uses Dice's batch statistics and new ids' fresh rows.");

    public static final ConfigOption<Integer> DRILL_NON_FINITE_EVERY = ConfigOptions
            .key("trainer.drill.non-finite-every-batches").intType().defaultValue(0)
            .withDescription("Fault drill: every Nth batch gets a NaN gradient after its backward pass, which the "
                    + "guard must skip and count (skippedBatches); for testing alerts and recovery. 0 = off.");

    public static final ConfigOption<Duration> IDLE_FLUSH = ConfigOptions.key("trainer.idle-flush")
            .durationType().defaultValue(Duration.ofSeconds(1))
            .withDescription("A partial batch is trained when no sample has come for this long, so a quiet stream "
                    + "still reaches the model.");

    public static final ConfigOption<Integer> MODEL_THREADS = ConfigOptions.key("trainer.model-threads")
            .intType().defaultValue(1)
            .withDescription("Threads of DIEN's recurrent layers and auxiliary net in the trainer (1 or 2). The "
                    + "trainer is the single writer, so a second thread raises its ceiling where a core is free; on a "
                    + "machine whose cores the data plane already fills it only competes with it.");

    public static final ConfigOption<Integer> PARALLELISM = ConfigOptions.key("trainer.parallelism")
            .intType().defaultValue(1)
            .withDescription("Trainer replicas: each trains on its share of the samples (by user) and adds the others' "
                    + "deltas, exchanged through the trainer-deltas topic; replica 0 publishes the model. 1 is a "
                    + "single trainer. A restore from a checkpoint or savepoint may change it (docs/architecture.md).");

    public static final ConfigOption<SamplePartitioning> PARTITIONING = ConfigOptions.key("trainer.partitioning")
            .enumType(SamplePartitioning.class).defaultValue(SamplePartitioning.BY_USER)
            .withDescription("With replicas: how samples reach them. BY_USER: hashed by user, each user's samples at "
                    + "one replica; every upstream subtask feeds every replica, so a replica that pauses holds up the "
                    + "others' input. POINTWISE: each upstream subtask feeds a fixed subset of the replicas (one, with "
                    + "as many upstream subtasks as replicas), with no shuffle between them (docs/benchmarks.md).");

    public static final ConfigOption<Integer> EXCHANGE_EVERY_BATCHES = ConfigOptions
            .key("trainer.exchange-every-batches").intType().defaultValue(4)
            .withDescription("With replicas: each sends what it learnt after this many trained batches … (1 keeps"
                    + " their model closest to one trainer's, at the most exchange traffic: docs/benchmarks.md)");

    public static final ConfigOption<Duration> EXCHANGE_INTERVAL = ConfigOptions.key("trainer.exchange-interval")
            .durationType().defaultValue(Duration.ofMillis(200))
            .withDescription("… or this long after its previous delta, whichever comes first. Every checkpoint "
                    + "sends one too.");

    public static final ConfigOption<Duration> LAST_DELTAS_WAIT = ConfigOptions.key("trainer.last-deltas-wait")
            .durationType().defaultValue(Duration.ofMinutes(5))
            .withDescription("With replicas, at the end of a bounded input: how long replica 0 waits for the others' "
                    + "last deltas before its final model update.");

    public static final List<ConfigOption<?>> ALL = List.of(BATCH_SIZE, MAX_HISTORY, PUBLISH_EVERY_BATCHES,
            PUBLISH_INTERVAL, FULL_INTERVAL, MAX_CHUNK, METRICS_WINDOW, PREQUENTIAL, IDLE_FLUSH, MODEL_THREADS,
            PARALLELISM, PARTITIONING, EXCHANGE_EVERY_BATCHES, EXCHANGE_INTERVAL, LAST_DELTAS_WAIT,
            DRILL_NON_FINITE_EVERY);

    /** The replicas' exchange cadence; checks that the optimiser's regularisation allows replicas. */
    public static TrainerReplica.Sync sync(ReadableConfig config) {
        int replicas = config.get(PARALLELISM);
        if (replicas < 1) {
            throw new IllegalArgumentException("trainer.parallelism must be at least 1, got " + replicas);
        }
        OptimizerConfig optimizer = optimizer(config);
        if (replicas > 1 && optimizer.regularization() == RegularizationKind.L2 && optimizer.lambda() > 0) {
            throw new IllegalArgumentException("trainer.parallelism " + replicas + " needs a regularisation that "
                    + "changes only the rows a batch reads: whole-table L2 changes every row at every step "
                    + "(use MBA or NONE)");
        }
        return new TrainerReplica.Sync(config.get(EXCHANGE_EVERY_BATCHES), config.get(EXCHANGE_INTERVAL).toMillis(),
                config.get(LAST_DELTAS_WAIT).toMillis());
    }

    /**
     * The optimiser from the {@code optimizer.*} options ({@link ModelOptions}, the offline trainer's too), starting
     * from the learning job's own defaults ({@link OptimizerConfig#streamingDefaults()}: Adam at a larger learning
     * rate and without regularisation, where the offline trainer uses MBA).
     */
    public static OptimizerConfig optimizer(ReadableConfig config) {
        return ModelOptions.optimizer(config.toMap(), OptimizerConfig.streamingDefaults());
    }

    /**
     * The trainer's settings from the options: the model from the {@code model.*} options, the optimiser as
     * {@link #optimizer} reads it, the rest from the {@code trainer.*} options above. Throws IllegalArgumentException
     * naming what is wrong.
     */
    public static StreamingSettings settings(ReadableConfig config) {
        Map<String, String> values = config.toMap();
        ModelConfig model = ModelOptions.model(values);
        OptimizerConfig optimizer = optimizer(config);
        long publishMs = config.get(PUBLISH_INTERVAL).toMillis();
        return new StreamingSettings(model, optimizer, config.get(BATCH_SIZE), config.get(MAX_HISTORY),
                config.get(PUBLISH_EVERY_BATCHES), publishMs, config.get(FULL_INTERVAL).toMillis(),
                (int) config.get(MAX_CHUNK).getBytes(), config.get(METRICS_WINDOW).toMillis(),
                Math.max(1_000, publishMs), config.get(PREQUENTIAL), config.get(MODEL_THREADS));
    }

    /** The effective trainer options, then the model and optimiser options. */
    public static String describe(ReadableConfig config) {
        StreamingSettings settings = settings(config);
        String form = config.toMap().getOrDefault(ModelOptions.FORM, ModelOptions.Form.DEFAULT.name());
        return JobOptions.describe(ALL, config)
                + ModelOptions.describe(settings.model(), settings.optimizer(), ModelOptions.parseForm(form),
                OptimizerConfig.streamingDefaults());
    }
}
