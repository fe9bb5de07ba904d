package io.istream.features.sequence;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BehaviorSequenceTest {
    @Test
    void lateBehavioursAreInsertedInPlaceAndTiesKeepArrivalOrder() {
        BehaviorSequence s = new BehaviorSequence();
        s.insert(1, 10, (byte) 0, 100, 10);
        s.insert(3, 10, (byte) 0, 300, 10);
        s.insert(2, 10, (byte) 0, 200, 10); // late
        s.insert(4, 10, (byte) 0, 200, 10); // same time as item 2, arrived later
        assertThat(s.itemIds).containsExactly(1, 2, 4, 3);
        assertThat(s.timesMs).containsExactly(100, 200, 200, 300);
        assertThat(s.categoryIds).hasSize(4);
        assertThat(s.types).hasSize(4);
    }

    @Test
    void keepsOnlyTheNewestMaxLengthBehaviours() {
        BehaviorSequence s = new BehaviorSequence();
        for (int i = 1; i <= 5; i++) {
            assertThat(s.insert(i, 10, (byte) 0, i * 100L, 3)).isTrue();
        }
        assertThat(s.itemIds).containsExactly(3, 4, 5);
        assertThat(s.insert(99, 10, (byte) 0, 50, 3)).as("older than everything kept").isFalse();
        assertThat(s.itemIds).containsExactly(3, 4, 5);
        assertThat(s.insert(35, 10, (byte) 0, 350, 3)).isTrue();
        assertThat(s.itemIds).containsExactly(35, 4, 5);
    }

    @Test
    void countBeforeIsStrict() {
        BehaviorSequence s = new BehaviorSequence();
        s.insert(1, 10, (byte) 0, 100, 10);
        s.insert(2, 10, (byte) 0, 200, 10);
        s.insert(3, 10, (byte) 0, 200, 10);
        assertThat(s.countBefore(100)).isZero();
        assertThat(s.countBefore(101)).isEqualTo(1);
        assertThat(s.countBefore(200)).isEqualTo(1);
        assertThat(s.countBefore(201)).isEqualTo(3);
        assertThat(new BehaviorSequence().countBefore(5)).isZero();
    }
}
