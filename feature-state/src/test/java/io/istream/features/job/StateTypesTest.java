package io.istream.features.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.features.join.PendingImpression;
import io.istream.features.join.UserJoinState;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** Every stored type serialises without Kryo (STYLE: a List<Pojo> field would silently fall back to it). */
class StateTypesTest {
    @Test
    void keyedStateRoundTripsWithoutKryo() throws Exception {
        // the behaviour list and its meta are long[]: Flink's primitive-array serializer, never Kryo (the
        // descriptors get their serializers from the job's config, which this test supplies: run alone, no other
        // test has initialised them)
        UserFeatureFunction.BEHAVIORS.initializeSerializerUnlessSet(new org.apache.flink.api.common.ExecutionConfig());
        UserFeatureFunction.SEQUENCE_META.initializeSerializerUnlessSet(
                new org.apache.flink.api.common.ExecutionConfig());
        assertThat(UserFeatureFunction.BEHAVIORS.getSerializer()).isNotInstanceOf(
                org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer.class);
        assertThat(UserFeatureFunction.SEQUENCE_META.getSerializer()).isNotInstanceOf(
                org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer.class);

        UserJoinState join = new UserJoinState();
        PendingImpression p = new PendingImpression("r1", 5, 6, 1000);
        p.page = "home";
        join.pending = new PendingImpression[] {p};
        join.shownNotClickedItems = new long[] {9};
        join.shownNotClickedCategories = new long[] {3};
        join.orphanClicks = new io.istream.features.join.OrphanClick[] {new io.istream.features.join.OrphanClick(
                "r9", 4, 7, 1234, new io.istream.features.join.SourceRef("clicks", 1, 99))};
        var serializer = UserFeatureFunction.JOIN.getSerializer();
        assertThat(serializer).isInstanceOf(io.istream.features.join.UserJoinStateSerializer.class);
        DataOutputSerializer bytes = new DataOutputSerializer(256);
        serializer.serialize(join, bytes);
        UserJoinState joinCopy = serializer.deserialize(new DataInputDeserializer(bytes.getCopyOfBuffer()));
        assertThat(joinCopy.orphanClicks).singleElement().satisfies(c -> {
            assertThat(c.toClick().getUserId()).isEqualTo(4);
            assertThat(c.source()).isEqualTo(new io.istream.features.join.SourceRef("clicks", 1, 99));
        });
        assertThat(joinCopy.pending[0].position).isEqualTo(-1);
        assertThat(joinCopy.pending).singleElement().satisfies(q -> {
            assertThat(q.joinKey()).isEqualTo("r1/5");
            assertThat(q.page).isEqualTo("home");
        });
        assertThat(joinCopy.shownNotClickedItems).containsExactly(9);
        // savepoints name the snapshot class; it must restore the same serializer
        assertThat(serializer.snapshotConfiguration().restoreSerializer()).isSameAs(serializer);
    }
}
