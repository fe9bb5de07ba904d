package io.istream.ops.pipeline;

import io.istream.avro.Sample;
import io.istream.avro.ScoreStatus;
import io.istream.avro.ScoredCandidates;
import io.istream.features.job.DataPlaneJob;
import io.istream.features.job.JobEnvironment;
import io.istream.ingestion.source.StartingPosition;
import io.istream.scorer.job.ScorerJob;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.dataset.TimedEvent;
import io.istream.trainer.job.TrainingJob;
import io.istream.trainer.updates.ModelFollower;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upgrade through a savepoint: the learning job and the scorer run on the first half of a stream, are stopped with a
 * savepoint, and a changed version of each (parallelism 2 → 1, and in the learning job an added operator in front
 * of the trainer) starts from it and reads the second half. Nothing is lost or doubled, and the state carries over:
 * <ul>
 *   <li>every impression becomes exactly one sample, clicked ones positive, including impressions still waiting for
 *       their click at the savepoint (pending label joins);</li>
 *   <li>every sample's history is the user's behaviours strictly before it, also when they came before the
 *       savepoint (behaviour sequences);</li>
 *   <li>model versions continue consecutively, and the final model has trained every sample exactly once (count and
 *       checksum): the trainer's model, optimiser and counters came back;</li>
 *   <li>the restored scorer answers with a model at once, at a version at least the one before the savepoint.</li>
 * </ul>
 */
class SavepointUpgradeITCase extends PipelineTestBase {

    @TempDir
    Path savepoints;

    @Test
    void bothJobsUpgradeThroughASavepointWithStateAndModelIntact() throws Exception {
        EventScript script = SyntheticInterests.generate(SyntheticConfig.small().withSize(120, 20).withSeed(11))
                .script();
        PipelineChecks.Halves halves = PipelineChecks.Halves.of(script);
        halves.publishFirst(kafka);

        // ---- version 1: parallelism 2
        JobClient learning = startLearning(jobConfig(), PARALLELISM, false);
        JobClient scorer = startScorer(jobConfig(), PARALLELISM);
        ModelFollower before = PipelineChecks.awaitSettledModel(kafka, 1, Duration.ofSeconds(120));
        PipelineChecks.sendRequests(kafka, script, "before", halves.splitMs() - 1);
        PipelineChecks.awaitAnswers(kafka, 20, Duration.ofSeconds(60));
        String learningSavepoint = learning.stopWithSavepoint(false, savepoints.toUri().toString(),
                SavepointFormatType.CANONICAL).get();
        String scorerSavepoint = scorer.stopWithSavepoint(false, savepoints.toUri().toString(),
                SavepointFormatType.CANONICAL).get();
        long versionAtSavepoint = before.version();
        System.out.printf("savepoints at model version %d after %d samples: %s, %s%n", versionAtSavepoint,
                before.samplesTrained(), learningSavepoint, scorerSavepoint);

        // ---- the rest of the stream, then clock events far ahead on every partition: every label is released
        halves.publishRestAndClock(kafka);

        // ---- version 2: parallelism 1 and an added operator, from the savepoints
        Configuration restoreLearning = jobConfig();
        restoreLearning.set(StateRecoveryOptions.SAVEPOINT_PATH, learningSavepoint);
        Configuration restoreScorer = jobConfig();
        restoreScorer.set(StateRecoveryOptions.SAVEPOINT_PATH, scorerSavepoint);
        JobClient learning2 = startLearning(restoreLearning, 1, true);
        JobClient scorer2 = startScorer(restoreScorer, 1);
        ModelFollower after = PipelineChecks.awaitSettledModel(kafka, script.expectedSamples(),
                Duration.ofSeconds(120));
        PipelineChecks.sendRequests(kafka, script, "after", halves.endMs());
        List<ScoredCandidates> answers = PipelineChecks.awaitAnswers(kafka, 40, Duration.ofSeconds(60));
        learning2.cancel().get();
        scorer2.cancel().get();

        // every impression one sample with its whole history, every sample trained once, versions consecutive
        List<Sample> samples = PipelineChecks.assertExactlyOnce(kafka, script, after);
        Map<Long, List<TimedEvent>> behaviours = PipelineChecks.behavioursByUser(script.events());
        long spanning = samples.stream().filter(s -> s.getImpressionTimeMs() >= halves.splitMs()
                && !PipelineChecks.historyBefore(behaviours.get(s.getUserId()), halves.splitMs()).isEmpty()).count();
        assertThat(spanning).as("samples after the upgrade whose history began before it").isPositive();
        assertThat(after.version()).isGreaterThan(versionAtSavepoint);

        // the restored scorer answers with its restored model at once: never NO_MODEL, never older
        assertThat(answers.stream().filter(a -> a.getRequestId().startsWith("after")).toList()).hasSize(20)
                .allSatisfy(a -> {
                    assertThat(a.getStatus()).isEqualTo(ScoreStatus.OK);
                    assertThat(a.getModelVersion()).isGreaterThanOrEqualTo(versionAtSavepoint);
                });
        assertThat(answers).hasSize(40);
        System.out.printf("after the upgrade: %d samples (%d with histories from before it), version %d%n",
                samples.size(), spanning, after.version());
    }

    private JobClient startLearning(Configuration config, int parallelism, boolean addedOperator) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        env.setParallelism(parallelism);
        DataStream<Sample> samples = DataPlaneJob.defineKafkaWorkflow(env, kafka, config, "it-upgrade",
                StartingPosition.EARLIEST, false).samples();
        TrainingJob.defineWorkflow(env, addedOperator
                ? samples.filter(s -> true).returns(new AvroTypeInfo<>(Sample.class)).name("added-in-v2")
                        .uid("added-in-v2")
                : samples, config, TrainingJob.kafkaSinks(kafka, "it-upgrade"));
        return env.executeAsync("it-upgrade-learning");
    }

    private JobClient startScorer(Configuration config, int parallelism) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        env.setParallelism(parallelism);
        ScorerJob.defineKafkaWorkflow(env, kafka, config, "it-upgrade-scorer", StartingPosition.EARLIEST, false);
        return env.executeAsync("it-upgrade-scorer");
    }
}
