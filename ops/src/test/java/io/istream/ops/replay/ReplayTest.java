package io.istream.ops.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.ingestion.producer.EventPublisher;
import io.istream.ingestion.producer.MockPublishers;
import io.istream.ops.local.SyntheticCohorts;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.dataset.TimedEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class ReplayTest {
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    // the synthetic world's events are in 2024; the publisher refuses events a day ahead of its clock
    private final EventPublisher publisher = MockPublishers.on(producer, () -> SyntheticInterests.START_MS
            + 3_650L * 24 * 3_600_000);
    private final SyntheticInterests world = SyntheticInterests.generate(SyntheticConfig.small().withSize(10, 5));

    @Test
    void runPublishesTheScriptInOrderAndTellsTheListenerOfEachEvent() {
        List<TimedEvent> heard = new ArrayList<>();
        Replay replay = new Replay(publisher, 0, false).onPublished(heard::add);

        Replay.Result result = replay.run(world.script());

        assertThat(result.events()).isEqualTo(world.script().size());
        assertThat(heard).isEqualTo(world.script().events());
        assertThat(producer.history()).hasSize(world.script().size());
    }

    @Test
    void runEndlessChainsScriptsAtItsRateUntilStopped() throws Exception {
        List<Long> users = new ArrayList<>();
        // more than one cohort (10 users x 5 steps, about 110 events each) must pass, whatever the machine's speed
        CountDownLatch threeCohorts = new CountDownLatch(3 * world.script().size());
        Replay replay = new Replay(publisher, 0, false).onPublished(e -> {
            users.add(e.userId());
            threeCohorts.countDown();
        });
        AtomicReference<Replay.Result> result = new AtomicReference<>();
        Thread thread = new Thread(() -> result.set(replay.runEndless(new SyntheticCohorts(world), 400)));
        thread.start();
        assertThat(threeCohorts.await(60, TimeUnit.SECONDS)).as("three cohorts replayed within 60 s").isTrue();
        replay.stop();
        thread.join(10_000);

        assertThat(thread.isAlive()).isFalse();
        long sent = result.get().events();
        assertThat(sent).isEqualTo(replay.published()).isEqualTo(producer.history().size());
        // paced: never ahead of the rate (one event of slack for the first, due at once)
        assertThat(sent).isLessThanOrEqualTo((long) (400 * result.get().elapsed().toNanos() / 1e9) + 1);
        // later cohorts are new users
        assertThat(users.get(0)).isLessThanOrEqualTo(10);
        assertThat(users.get(users.size() - 1)).isGreaterThan(20);
    }
}
