package io.istream.features.job;

import static io.istream.ingestion.testing.EventFactory.DAY;
import static io.istream.ingestion.testing.EventFactory.MINUTE;
import static io.istream.ingestion.testing.EventFactory.SECOND;
import static io.istream.ingestion.testing.EventFactory.at;
import static io.istream.ingestion.testing.EventFactory.behavior;
import static io.istream.ingestion.testing.EventFactory.click;
import static io.istream.ingestion.testing.EventFactory.impression;
import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.DeadLetter;
import io.istream.avro.IngestedEvent;
import io.istream.avro.Sample;
import io.istream.schemas.EventFields;
import io.istream.schemas.DeadLetterReason;
import java.time.Duration;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Drives the keyed function on the real RocksDB backend with explicit watermarks. */
class UserFeatureFunctionHarnessTest {
    private static final long ALICE = 1;
    private static final long BOB = 2;
    private static final long WINDOW = 10 * MINUTE;
    private static final long TTL = 7 * DAY;

    private KeyedOneInputStreamOperatorTestHarness<Long, IngestedEvent, Sample> harness;
    private long offset;

    @BeforeEach
    void open() throws Exception {
        harness = newHarness();
        harness.open();
    }

    private static KeyedOneInputStreamOperatorTestHarness<Long, IngestedEvent, Sample> newHarness() throws Exception {
        Configuration options = new Configuration();
        options.set(FeatureStateOptions.ATTRIBUTION_WINDOW, Duration.ofMillis(WINDOW));
        options.set(FeatureStateOptions.SEQUENCE_TTL, Duration.ofMillis(TTL));
        options.set(FeatureStateOptions.MAX_SEQUENCE_LENGTH, 3);
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new UserFeatureFunction(options)),
                (IngestedEvent e) -> EventFields.userId(e.getPayload()), Types.LONG);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    @Test
    void samplesCarryOnlyHistoryStrictlyBeforeTheImpressionAndStateDrainsToZero() throws Exception {
        send(behavior(ALICE, 10, at(-SECOND)));         // the fourth before the impression: beyond max length 3
        send(behavior(ALICE, 11, at(0)));
        send(behavior(ALICE, 13, at(3 * SECOND)));
        send(impression(ALICE, "r1", 20, at(5 * SECOND)));
        send(impression(ALICE, "r1", 21, at(5 * SECOND)));
        send(behavior(ALICE, 12, at(SECOND)));          // late, but before the impression: joins its history
        send(behavior(ALICE, 20, at(5 * SECOND)));      // at the impression time: must NOT be in its history
        send(click(ALICE, "r1", 20, at(6 * SECOND)));
        send(behavior(BOB, 30, at(0)));
        assertThat(harness.extractOutputValues()).as("watermark has not passed the impression").isEmpty();

        harness.processWatermark(new Watermark(at(5 * SECOND) - 1));
        assertThat(harness.extractOutputValues()).singleElement().satisfies(positive -> {
            assertThat(positive.getItemId()).isEqualTo(20);
            assertThat(positive.getLabel()).isEqualTo(1);
            // the three behaviours strictly before at(5s), oldest first; 12 arrived late but sits in place,
            // and 20 at the impression time is not before it
            assertThat(positive.getHistoryItems()).containsExactly(11L, 12L, 13L);
            assertThat(positive.getHistoryTimesMs()).containsExactly(at(0), at(SECOND), at(3 * SECOND));
        });
        harness.processWatermark(new Watermark(at(5 * SECOND) + WINDOW));
        List<Sample> samples = harness.extractOutputValues();
        assertThat(samples).hasSize(2);
        Sample negative = samples.get(1);
        assertThat(negative.getItemId()).isEqualTo(21);
        assertThat(negative.getLabel()).isZero();
        for (Sample s : samples) {
            assertThat(s.getHistoryTimesMs()).allSatisfy(t -> assertThat(t).isLessThan(s.getImpressionTimeMs()));
            assertThat(s.getNegativeItems()).hasSameSizeAs(s.getHistoryItems());
        }

        // ALICE: behaviours, their meta and her shown-not-clicked items; BOB: behaviours and meta
        assertThat(keyedStateEntries()).as("sequences of both users remain until the TTL").isEqualTo(5L);
        harness.processWatermark(new Watermark(at(5 * SECOND) + TTL));
        assertThat(keyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void lateClicksAndOrphansGoToDeadLettersAndStateStillDrains() throws Exception {
        send(impression(ALICE, "r1", 20, at(0)));
        harness.processWatermark(new Watermark(at(0) + WINDOW));
        send(click(ALICE, "r1", 20, at(MINUTE)));                         // its window already closed
        send(click(BOB, "r9", 99, at(0) + WINDOW + MINUTE));             // its impression never comes
        harness.processWatermark(new Watermark(at(0) + WINDOW + 2 * MINUTE));

        assertThat(harness.extractOutputValues()).singleElement().extracting(Sample::getLabel).isEqualTo(0);
        assertThat(harness.getSideOutput(UserFeatureFunction.DEAD_LETTERS)).extracting(r -> r.getValue().getReasonCode())
                .containsExactly(DeadLetterReason.LATE_CLICK.name(), DeadLetterReason.CLICK_WITHOUT_IMPRESSION.name());
        for (StreamRecord<DeadLetter> dead : harness.getSideOutput(UserFeatureFunction.DEAD_LETTERS)) {
            assertThat(dead.getValue().getSourceTopic()).isEqualTo("clicks");
            assertThat(dead.getValue().getRaw().remaining()).isPositive();
        }
        assertThat(keyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    /**
     * The join arms a timer at the user's earliest deadline only: eight pending impressions, three clicked, hold three
     * timers (one per deadline would be twelve), and each label still comes out at its own watermark.
     */
    @Test
    void aUserWithManyPendingImpressionsHoldsOneJoinTimer() throws Exception {
        send(behavior(ALICE, 11, at(0)));
        for (int k = 0; k < 8; k++) {
            send(impression(ALICE, "r" + k, 100 + k, at((k + 1) * MINUTE)));
            if (k % 3 == 0) {
                send(click(ALICE, "r" + k, 100 + k, at((k + 1) * MINUTE) + SECOND));
            }
        }
        // r0's window end (armed first), r0's release (earlier, so armed too) and the sequence's expiry
        assertThat(harness.numEventTimeTimers()).isEqualTo(3);
        // clicked impressions 0, 3 and 6 are released once the watermark passes their impression times
        harness.processWatermark(new Watermark(at(MINUTE) - 1));
        assertThat(harness.extractOutputValues()).extracting(Sample::getItemId).containsExactly(100L);
        harness.processWatermark(new Watermark(at(7 * MINUTE) - 1));
        assertThat(harness.extractOutputValues()).extracting(Sample::getItemId).containsExactly(100L, 103L, 106L);
        // each release re-armed the next deadline; now r0's window end and the expiry remain
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);
        // each unclicked one becomes a negative when its own window closes, not before
        harness.processWatermark(new Watermark(at(2 * MINUTE) + WINDOW - 1));
        assertThat(harness.extractOutputValues()).hasSize(3);
        harness.processWatermark(new Watermark(at(2 * MINUTE) + WINDOW));
        assertThat(harness.extractOutputValues()).hasSize(4).last().satisfies(s -> {
            assertThat(s.getItemId()).isEqualTo(101L);
            assertThat(s.getLabel()).isZero();
        });
        harness.processWatermark(new Watermark(at(8 * MINUTE) + WINDOW));
        assertThat(harness.extractOutputValues()).hasSize(8)
                .filteredOn(s -> s.getLabel() == 1).extracting(Sample::getItemId).containsExactly(100L, 103L, 106L);
        assertThat(harness.numEventTimeTimers()).as("only the sequence's expiry timer").isEqualTo(1);
        harness.processWatermark(new Watermark(at(8 * MINUTE) + TTL));
        assertThat(keyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aRestoredOperatorContinuesThePendingJoin() throws Exception {
        send(behavior(ALICE, 11, at(0)));
        send(impression(ALICE, "r1", 20, at(SECOND)));
        var snapshot = harness.snapshot(1, at(SECOND));
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        send(click(ALICE, "r1", 20, at(2 * SECOND)));
        harness.processWatermark(new Watermark(at(SECOND) + WINDOW));
        assertThat(harness.extractOutputValues()).singleElement().satisfies(s -> {
            assertThat(s.getLabel()).isEqualTo(1);
            assertThat(s.getHistoryItems()).containsExactly(11L);
        });
    }

    /** Entries in both keyed states, read from RocksDB itself (the harness's own count only works on the heap). */
    private long keyedStateEntries() throws Exception {
        KeyedStateBackend<Long> backend = harness.getOperator().getKeyedStateBackend();
        long entries = 0;
        for (String state : List.of(UserFeatureFunction.BEHAVIORS.getName(), UserFeatureFunction.SEQUENCE_META.getName(),
                UserFeatureFunction.JOIN.getName())) {
            try (var keys = backend.getKeys(state, VoidNamespace.INSTANCE)) {
                entries += keys.count();
            }
        }
        return entries;
    }

    private void send(SpecificRecord event) throws Exception {
        String topic = event instanceof io.istream.avro.Click ? "clicks"
                : event instanceof io.istream.avro.Impression ? "impressions" : "behaviors";
        IngestedEvent ingested = IngestedEvent.newBuilder().setPayload(event).setSourceTopic(topic).setPartition(0)
                .setOffset(offset++).build();
        harness.processElement(ingested, EventFields.eventTimeMs(event));
    }
}
