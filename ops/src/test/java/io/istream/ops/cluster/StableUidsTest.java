package io.istream.ops.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.features.job.DataPlaneJob;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.source.StartingPosition;
import io.istream.scorer.job.ScorerJob;
import io.istream.trainer.job.TrainingJob;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.PartitionTransformation;
import org.apache.flink.streaming.api.transformations.SideOutputTransformation;
import org.apache.flink.streaming.api.transformations.UnionTransformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Savepoints map state to operators by uid: every stateful or I/O operator of the three jobs has an explicit, unique
 * uid, so a changed job version (an added operator, another parallelism) restores from an older savepoint.
 */
class StableUidsTest {
    private static final KafkaConnection KAFKA = KafkaConnection.of("127.0.0.1:9092");

    @Test
    void everyOperatorOfTheDataPlaneHasAStableUid() {
        assertStableUids(env -> DataPlaneJob.defineKafkaWorkflow(env, KAFKA, new Configuration(), "g",
                StartingPosition.COMMITTED_OR_EARLIEST, false), List.of("input-events", "user-feature-state",
                "samples-sink"));
    }

    @Test
    void everyOperatorOfTheLearningJobHasAStableUid() {
        assertStableUids(env -> TrainingJob.defineKafkaWorkflow(env, KAFKA, new Configuration(), "g",
                StartingPosition.COMMITTED_OR_EARLIEST, false), List.of("user-feature-state", "streaming-trainer",
                "model-updates-sink", "metrics-sink"));
    }

    @Test
    void everyOperatorOfTheScorerHasAStableUid() {
        assertStableUids(env -> ScorerJob.defineKafkaWorkflow(env, KAFKA, new Configuration(), "g",
                StartingPosition.COMMITTED_OR_EARLIEST, false), List.of("scorer", "model-updates-source",
                "scored-candidates-sink"));
    }

    /** The trainer's input edge follows trainer.partitioning; the trainer keeps its uid, so savepoints restore either way. */
    @ParameterizedTest
    @CsvSource({"BY_USER, KeyGroupStreamPartitioner", "POINTWISE, RescalePartitioner"})
    void theTrainersInputIsPartitionedAsConfigured(String partitioning, String partitioner) {
        Configuration options = new Configuration();
        options.setString("trainer.parallelism", "2");
        options.setString("trainer.partitioning", partitioning);
        Transformation<?> trainer = transformations(env -> TrainingJob.defineKafkaWorkflow(env, KAFKA, options, "g",
                StartingPosition.COMMITTED_OR_EARLIEST, false)).stream()
                .filter(t -> "streaming-trainer".equals(t.getUid())).findFirst().orElseThrow();
        assertThat(trainer.getInputs()).singleElement().isInstanceOfSatisfying(PartitionTransformation.class,
                edge -> assertThat(edge.getPartitioner().getClass().getSimpleName()).isEqualTo(partitioner));
    }

    /** Every transformation of the job that {@code define} builds, sinks and their inputs, each once. */
    private static List<Transformation<?>> transformations(Consumer<StreamExecutionEnvironment> define) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define.accept(env);
        List<Transformation<?>> out = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        Deque<Transformation<?>> queue = new ArrayDeque<>(env.getTransformations());
        while (!queue.isEmpty()) {
            Transformation<?> t = queue.pop();
            if (seen.add(t.getId())) {
                out.add(t);
                queue.addAll(t.getInputs());
            }
        }
        return out;
    }

    private static void assertStableUids(Consumer<StreamExecutionEnvironment> define, List<String> expected) {
        List<String> uids = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Transformation<?> t : transformations(define)) {
            // keyBy/rebalance, side outputs and unions are edges, not operators: they hold no state
            if (t instanceof PartitionTransformation || t instanceof SideOutputTransformation
                    || t instanceof UnionTransformation) {
                continue;
            }
            if (t.getUid() == null) {
                missing.add(t.getName() + " (" + t.getClass().getSimpleName() + ")");
            } else {
                uids.add(t.getUid());
            }
        }
        assertThat(missing).as("operators without a uid").isEmpty();
        assertThat(uids).as("uids are unique").doesNotHaveDuplicates();
        assertThat(uids).containsAll(expected);
    }
}
