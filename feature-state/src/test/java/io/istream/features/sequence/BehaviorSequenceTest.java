package io.istream.features.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BehaviorSequenceTest {
    @Test
    void lateBehavioursAreInsertedInPlaceAndTiesKeepArrivalOrder() {
        BehaviorSequence s = new BehaviorSequence();
        s.insert(1, 10, (byte) 0, 100);
        s.insert(3, 10, (byte) 0, 300);
        s.insert(2, 10, (byte) 0, 200); // late
        s.insert(4, 10, (byte) 0, 200); // same time as item 2, arrived later
        assertThat(s.itemIds).containsExactly(1, 2, 4, 3);
        assertThat(s.timesMs).containsExactly(100, 200, 200, 300);
        assertThat(s.categoryIds).hasSize(4);
        assertThat(s.types).hasSize(4);
    }

    @Test
    void trimKeepsTheNewestMaxLengthBeforeTheHorizonAndEverythingAfterIt() {
        BehaviorSequence s = new BehaviorSequence();
        for (int i = 1; i <= 8; i++) {
            s.insert(i, 10, (byte) 0, i * 100L);
        }
        // an impression at 650 is still unlabelled: it needs the 3 behaviours before it (400, 500, 600)
        assertThat(s.trim(650, 3, 100)).isZero();
        assertThat(s.itemIds).containsExactly(4, 5, 6, 7, 8);
        // nothing pending any more and the watermark is past everything: keep the newest 3
        assertThat(s.trim(Long.MAX_VALUE, 3, 100)).isZero();
        assertThat(s.itemIds).containsExactly(6, 7, 8);
    }

    @Test
    void readAheadBeyondTheLimitIsDroppedAndCounted() {
        BehaviorSequence s = new BehaviorSequence();
        for (int i = 1; i <= 10; i++) {
            s.insert(i, 10, (byte) 0, i * 100L);
        }
        // horizon before everything: all 10 are "ahead"; max 3 + read-ahead 4 = 7 kept, 3 dropped
        assertThat(s.trim(50, 3, 4)).isEqualTo(3);
        assertThat(s.itemIds).containsExactly(4, 5, 6, 7, 8, 9, 10);
    }

    @Test
    void rebuildsTheTimeOrderFromEntriesInArrivalOrder() {
        BehaviorSequence s = BehaviorSequence.fromArrivals(java.util.List.of(
                BehaviorSequence.entry(1, 10, 300, (byte) 1), BehaviorSequence.entry(2, 20, 100, (byte) 2),
                BehaviorSequence.entry(3, 30, 300, (byte) 3), BehaviorSequence.entry(4, 40, 200, (byte) 4)));
        assertThat(s.itemIds).containsExactly(2, 4, 1, 3);
        assertThat(s.categoryIds).containsExactly(20, 40, 10, 30);
        assertThat(s.types).containsExactly(2, 4, 1, 3);
        assertThat(BehaviorSequence.fromArrivals(s.toEntries()).itemIds).containsExactly(2, 4, 1, 3);
        assertThat(BehaviorSequence.fromArrivals(null).size()).isZero();
    }

    @Test
    void countBeforeIsStrict() {
        BehaviorSequence s = new BehaviorSequence();
        s.insert(1, 10, (byte) 0, 100);
        s.insert(2, 10, (byte) 0, 200);
        s.insert(3, 10, (byte) 0, 200);
        assertThat(s.countBefore(100)).isZero();
        assertThat(s.countBefore(101)).isEqualTo(1);
        assertThat(s.countBefore(200)).isEqualTo(1);
        assertThat(s.countBefore(201)).isEqualTo(3);
        assertThat(new BehaviorSequence().countBefore(5)).isZero();
    }
}
