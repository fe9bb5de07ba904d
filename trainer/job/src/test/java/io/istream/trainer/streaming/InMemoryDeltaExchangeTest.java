package io.istream.trainer.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.ReplicaDelta;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryDeltaExchangeTest {

    private static ReplicaDelta delta(int replica, long sequence) {
        return ReplicaDelta.newBuilder().setRun("r").setReplica(replica).setReplicas(2).setInterval(1)
                .setSequence(sequence).setChunkIndex(0).setChunkCount(1).setCreatedAtMs(0).setRows(List.of())
                .setDense(List.of()).build();
    }

    @Test
    void withoutALagEveryReaderSeesWhatWasSentAtItsNextPoll() {
        InMemoryDeltaExchange.Log log = new InMemoryDeltaExchange.Log();
        DeltaExchange sender = log.factory().open("a");
        DeltaExchange reader = log.factory().open("b");
        sender.send(List.of(delta(0, 1)));
        assertThat(reader.poll(0, origin -> true)).hasSize(1);
        assertThat(reader.caughtUp()).isTrue();
    }

    @Test
    void aLaggedRecordBecomesVisibleThatManyPollsAfterItWasSent() {
        InMemoryDeltaExchange.Log log = new InMemoryDeltaExchange.Log(3);
        DeltaExchange sender = log.factory().open("a");
        DeltaExchange reader = log.factory().open("b");
        sender.send(List.of(delta(0, 1)));
        assertThat(sender.poll(0, origin -> false)).isEmpty();        // any reader's poll counts
        assertThat(reader.poll(0, origin -> true)).isEmpty();
        sender.send(List.of(delta(0, 2)));                             // sent at poll 2
        assertThat(reader.poll(0, origin -> true)).extracting(ReplicaDelta::getSequence).containsExactly(1L);
        assertThat(reader.caughtUp()).isFalse();
        reader.poll(0, origin -> true);
        assertThat(reader.poll(0, origin -> true)).extracting(ReplicaDelta::getSequence).containsExactly(2L);
        assertThat(reader.caughtUp()).isTrue();
    }
}
