package io.istream.ops.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.Metrics;
import io.istream.avro.ModelUpdate;
import io.istream.avro.Sample;
import io.istream.features.job.JobEnvironment;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.schemas.Topics;
import io.istream.trainer.job.TrainerOptions;
import io.istream.trainer.job.TrainingJob;
import io.istream.trainer.model.Param;
import io.istream.trainer.updates.ModelFollower;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Non-finite gradients mid-stream, in the running learning job (the trainer's fault drill puts a NaN into every 4th
 * batch's gradients): each such batch is skipped and counted, no published model ever holds a non-finite value, and
 * training goes on between and after them.
 */
class TrainingFaultsITCase extends PipelineTestBase {

    @Test
    void nonFiniteGradientsAreSkippedCountedAndNeverPublished() throws Exception {
        EventScript script = SyntheticInterests.generate(SyntheticConfig.small().withSize(150, 20).withSeed(19))
                .script();
        publish(script);
        Configuration config = jobConfig();
        config.set(TrainerOptions.DRILL_NON_FINITE_EVERY, 4);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        env.setParallelism(PARALLELISM);
        TrainingJob.defineKafkaWorkflow(env, kafka, config, "it-faults", StartingPosition.EARLIEST, true);
        env.execute("it-faults");

        List<Sample> samples = KafkaTestSupport.readCommitted(kafka, Topics.SAMPLES);
        List<Metrics> windows = KafkaTestSupport.readCommitted(kafka, Topics.METRICS);
        long skipped = windows.get(windows.size() - 1).getSkippedBatches();
        ModelFollower follower = new ModelFollower();
        long versions = 0;
        long trainedAtFirstVersion = -1;
        for (ModelUpdate u : KafkaTestSupport.readCommitted(kafka, Topics.MODEL_UPDATES)) {
            long before = follower.version();
            follower.accept(u);
            if (follower.version() != before && follower.model() != null) {
                versions++;
                for (Param p : follower.model().params()) {
                    for (int i = 0; i < p.rows() * p.cols(); i++) {
                        assertThat(Double.isFinite(p.value().get(i))).as("%s[%d] at version %d", p.name(), i,
                                follower.version()).isTrue();
                    }
                }
                if (trainedAtFirstVersion < 0 && follower.samplesTrained() > 0) {
                    trainedAtFirstVersion = follower.samplesTrained();
                }
            }
        }
        System.out.printf("%d samples, %d batches skipped by the guard, %d trained, %d versions checked finite%n",
                samples.size(), skipped, follower.samplesTrained(), versions);
        assertThat(skipped).as("drilled batches skipped and counted").isPositive();
        assertThat(follower.samplesTrained()).as("the skipped batches' samples are not trained")
                .isLessThan(samples.size())
                .isGreaterThanOrEqualTo(samples.size() - skipped * config.get(TrainerOptions.BATCH_SIZE));
        assertThat(follower.samplesTrained()).as("training went on, skips or not")
                .isGreaterThan(trainedAtFirstVersion);
    }
}
