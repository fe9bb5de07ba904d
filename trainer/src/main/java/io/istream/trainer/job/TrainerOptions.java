package io.istream.trainer.job;

import io.istream.features.job.JobOptions;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelKind;
import io.istream.trainer.model.OptimizerConfig;
import io.istream.trainer.model.OptimizerKind;
import io.istream.trainer.model.RegularizationKind;
import io.istream.trainer.streaming.PrequentialScore;
import io.istream.trainer.streaming.StreamingSettings;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

/** Typed options of the streaming trainer, with MODEL.md's defaults. */
public final class TrainerOptions {
    private TrainerOptions() {
    }

    public static final ConfigOption<ModelKind> MODEL = ConfigOptions.key("trainer.model")
            .enumType(ModelKind.class).defaultValue(ModelKind.DIEN)
            .withDescription("BASE, DIN or DIEN, with MODEL.md's default sizes and options.");

    public static final ConfigOption<Integer> BATCH_SIZE = ConfigOptions.key("trainer.batch-size")
            .intType().defaultValue(128).withDescription("Samples per training step.");

    public static final ConfigOption<Integer> MAX_HISTORY = ConfigOptions.key("trainer.max-history")
            .intType().defaultValue(100).withDescription("T: behaviours per sample, newest kept.");

    public static final ConfigOption<OptimizerKind> OPTIMIZER = ConfigOptions.key("trainer.optimizer")
            .enumType(OptimizerKind.class).defaultValue(OptimizerKind.ADAM).withDescription("SGD, ADAGRAD or ADAM.");

    public static final ConfigOption<Double> LEARNING_RATE = ConfigOptions.key("trainer.learning-rate")
            .doubleType().defaultValue(0.001).withDescription("Learning rate.");

    public static final ConfigOption<RegularizationKind> REGULARIZATION = ConfigOptions.key("trainer.regularization")
            .enumType(RegularizationKind.class).defaultValue(RegularizationKind.MBA)
            .withDescription("Embedding regularisation: NONE, MBA (only rows in the batch, λ/n_j) or L2 (every row "
                    + "every step; every model delta then carries every row).");

    public static final ConfigOption<Double> LAMBDA = ConfigOptions.key("trainer.lambda")
            .doubleType().defaultValue(0.01).withDescription("λ of the embedding regularisation.");

    public static final ConfigOption<Integer> ADMIT_AFTER = ConfigOptions.key("trainer.admit-after")
            .intType().defaultValue(1)
            .withDescription("Sightings before an id gets its own embedding row; before that it reads the unknown row.");

    public static final ConfigOption<Duration> EXPIRE_AFTER = ConfigOptions.key("trainer.expire-after")
            .durationType().defaultValue(Duration.ofDays(30))
            .withDescription("Ids not seen in samples for this long (event time) are forgotten and their rows reused: "
                    + "bounded memory on an endless stream. 0 = never.");

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

    public static final ConfigOption<Long> SEED = ConfigOptions.key("trainer.seed")
            .longType().defaultValue(1L).withDescription("Initialisation seed.");

    public static final List<ConfigOption<?>> ALL = List.of(MODEL, BATCH_SIZE, MAX_HISTORY, OPTIMIZER, LEARNING_RATE,
            REGULARIZATION, LAMBDA, ADMIT_AFTER, EXPIRE_AFTER, PUBLISH_EVERY_BATCHES, PUBLISH_INTERVAL, FULL_INTERVAL,
            MAX_CHUNK, METRICS_WINDOW, PREQUENTIAL, IDLE_FLUSH, MODEL_THREADS, SEED, DRILL_NON_FINITE_EVERY);

    /** The trainer's settings from the options; throws IllegalArgumentException naming what is wrong. */
    public static StreamingSettings settings(ReadableConfig config) {
        ModelConfig model = ModelConfig.defaults(config.get(MODEL))
                .withAdmission(config.get(ADMIT_AFTER), config.get(EXPIRE_AFTER).toMillis())
                .withSeed(config.get(SEED));
        OptimizerConfig base = OptimizerConfig.of(config.get(OPTIMIZER), config.get(LEARNING_RATE));
        OptimizerConfig optimizer = new OptimizerConfig(base.kind(), base.learningRate(), base.beta1(), base.beta2(),
                base.epsilon(), config.get(REGULARIZATION), config.get(LAMBDA), base.denseL2());
        long publishMs = config.get(PUBLISH_INTERVAL).toMillis();
        return new StreamingSettings(model, optimizer, config.get(BATCH_SIZE), config.get(MAX_HISTORY),
                config.get(PUBLISH_EVERY_BATCHES), publishMs, config.get(FULL_INTERVAL).toMillis(),
                (int) config.get(MAX_CHUNK).getBytes(), config.get(METRICS_WINDOW).toMillis(),
                Math.max(1_000, publishMs), config.get(PREQUENTIAL), config.get(MODEL_THREADS));
    }

    public static String describe(ReadableConfig config) {
        return JobOptions.describe(ALL, config);
    }
}
