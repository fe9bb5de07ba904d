package io.istream.ops.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.ModelUpdate;
import io.istream.avro.Sample;
import io.istream.features.job.JobEnvironment;
import io.istream.trainer.dataset.AmazonReviewsReader;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.ReadOptions;
import io.istream.trainer.dataset.ReviewProtocol;
import io.istream.trainer.dataset.TimedEvent;
import io.istream.ingestion.source.StartingPosition;
import io.istream.ingestion.testing.KafkaTestSupport;
import io.istream.trainer.testing.SharedData;
import io.istream.schemas.Topics;
import io.istream.trainer.data.AmazonProtocol;
import io.istream.trainer.data.Batch;
import io.istream.trainer.data.Batches;
import io.istream.trainer.data.OfflineDataset;
import io.istream.trainer.eval.Evaluation;
import io.istream.trainer.job.TrainerOptions;
import io.istream.trainer.job.TrainingJob;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.Optimizer;
import io.istream.trainer.streaming.SampleBatches;
import io.istream.trainer.streaming.StreamingSettings;
import io.istream.trainer.updates.ModelFollower;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import io.istream.ingestion.config.KafkaConnection;
import io.istream.ingestion.local.EmbeddedKafkaBroker;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/**
 * The streaming path (Kafka → data plane → trainer, prequential scoring included) learns exactly what the offline
 * training loop learns from the same samples in the same order. At parallelism 1 with one partition per topic the
 * samples topic holds the samples in the order the trainer received them, and with a backlog every batch but the
 * last is full, so the offline loop can take the same batches: the two final models must be equal bit for bit, and
 * so their AUC on held-out users (the Amazon protocol's test positions of users never replayed).
 */
class StreamingVsOfflineITCase {
    private static final int USERS = 600;
    private static final int HELD_OUT = 200;
    private static final long SEED = 7;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1).build());

    static EmbeddedKafkaBroker broker;
    static KafkaConnection kafka;

    @BeforeAll
    static void startBroker() {
        broker = PipelineTestBase.brokerWithTopics(1);
        kafka = broker.connection();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void streamingAndOfflineReachTheSameHeldOutAuc() throws Exception {
        Path data = SharedData.dataset(SharedData.AMAZON_BEAUTY);
        Assumptions.assumeTrue(Files.exists(data.resolve(AmazonReviewsReader.FILE_NAME)),
                "amazon-beauty not found at " + data + ": skipping the streaming-vs-offline comparison");
        InteractionLog log = AmazonReviewsReader.read(data, ReadOptions.firstUsers(USERS));
        OfflineDataset offline = AmazonProtocol.build(log, 100, SEED);
        // the last HELD_OUT users of the test split are never replayed
        Set<Long> users = new LinkedHashSet<>();
        for (int i = 0; i < offline.test().size(); i++) {
            users.add(offline.test().userId(i));
        }
        Set<Long> heldOut = new LinkedHashSet<>(new ArrayList<>(users).subList(users.size() - HELD_OUT, users.size()));
        EventScript full = ReviewProtocol.script(log, SEED);
        List<TimedEvent> trainEvents = full.events().stream().filter(e -> !heldOut.contains(e.userId())).toList();
        PipelineTestBase.publish(kafka, new EventScript(full.name() + " without held-out users", trainEvents));

        Configuration config = PipelineTestBase.jobConfig();
        // a pause in the stream must not cut a partial batch: only the end of input may
        config.set(TrainerOptions.IDLE_FLUSH, java.time.Duration.ofMinutes(10));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.defaults(config));
        env.setParallelism(1);
        TrainingJob.defineKafkaWorkflow(env, kafka, config, "it-vs-offline", StartingPosition.EARLIEST, true);
        env.execute("it-vs-offline");
        ModelFollower streamed = new ModelFollower();
        for (ModelUpdate u : KafkaTestSupport.readCommitted(kafka, Topics.MODEL_UPDATES)) {
            streamed.accept(u);
        }
        List<Sample> samples = KafkaTestSupport.readCommitted(kafka, Topics.SAMPLES);
        assertThat(streamed.samplesTrained()).isEqualTo(samples.size());

        // offline: the same samples in the samples topic's order, same model, optimiser, batch size, one pass
        StreamingSettings settings = TrainerOptions.settings(config);
        CtrModel model = new CtrModel(settings.model(), settings.optimizer().kind().slots());
        Optimizer optimizer = new Optimizer(settings.optimizer(), model);
        for (int from = 0; from < samples.size(); from += settings.batchSize()) {
            Batch b = SampleBatches.of(samples.subList(from, Math.min(samples.size(), from + settings.batchSize())),
                    settings.maxHistory());
            model.forward(b, true);
            model.backward();
            optimizer.step();
        }

        for (int k = 0; k < model.params().size(); k++) {
            assertThat(streamed.model().params().get(k).value().toDoubleArray()).as(model.params().get(k).name())
                    .isEqualTo(model.params().get(k).value().toDoubleArray());
        }
        double streamingAuc = heldOutAuc(streamed.model(), offline, heldOut);
        double offlineAuc = heldOutAuc(model, offline, heldOut);
        System.out.printf("held-out AUC (%d users, %d training samples, one pass): streaming %.4f, offline %.4f%n",
                HELD_OUT, samples.size(), streamingAuc, offlineAuc);
        assertThat(Math.abs(streamingAuc - offlineAuc)).isLessThanOrEqualTo(0.01);
    }

    private static double heldOutAuc(CtrModel model, OfflineDataset dataset, Set<Long> heldOut) {
        Evaluation evaluation = new Evaluation();
        Batches test = Batches.inOrder(dataset.test(), 256);
        for (int k = 0; k < test.count(); k++) {
            Batch b = test.get(k);
            model.forward(b, false);
            double[] p = model.probabilities();
            for (int s = 0; s < b.size; s++) {
                if (heldOut.contains(b.userId[s])) {
                    evaluation.add(p[s], b.label[s], b.sampleKey[s]);
                }
            }
        }
        return evaluation.auc();
    }
}
