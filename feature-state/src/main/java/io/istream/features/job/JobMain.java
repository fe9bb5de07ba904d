package io.istream.features.job;

import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.source.StartingPosition;
import java.util.Collection;
import java.util.function.Function;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The one {@code main} of the three jobs (data plane, learning, scorer): parse the arguments ({@link JobArguments}),
 * print what the job will run with, build the execution environment with the project's defaults
 * ({@link JobEnvironment}) and define the job's Kafka-bound graph on it. A job on a cluster starts from the committed
 * offsets of its consumer group, or the earliest when it has none, and never ends.
 */
public final class JobMain {

    /** A job's Kafka-bound graph: each job's {@code defineKafkaWorkflow}. */
    @FunctionalInterface
    public interface KafkaWorkflow {
        void define(StreamExecutionEnvironment env, KafkaConnection kafka, ReadableConfig options, String groupId,
                    StartingPosition start, boolean bounded);
    }

    private JobMain() {
    }

    /**
     * @param title        the job's name in the printed summary, e.g. "istream scorer"
     * @param defaultGroup the consumer group when {@code --group-id} is not given
     * @param keys         every option key the job reads under the project's prefixes
     * @param describe     the job's options, one per line with its effective value
     */
    public static StreamExecutionEnvironment prepare(String[] args, String title, String defaultGroup,
                                                     Collection<String> keys,
                                                     Function<ReadableConfig, String> describe,
                                                     KafkaWorkflow workflow) {
        JobArguments given = JobArguments.parse(args, defaultGroup,
                StreamExecutionEnvironment.getExecutionEnvironment().getConfiguration(), keys);
        Configuration options = given.options();
        System.out.print(title + ", " + given.kafka() + ", group " + given.groupId() + ", configuration:\n"
                + describe.apply(options));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(options));
        workflow.define(env, given.kafka(), options, given.groupId(), StartingPosition.COMMITTED_OR_EARLIEST, false);
        return env;
    }
}
