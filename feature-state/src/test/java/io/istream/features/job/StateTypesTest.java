package io.istream.features.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.features.join.PendingImpression;
import io.istream.features.join.UserJoinState;
import io.istream.features.join.UserJoinStateSerializer;
import java.nio.charset.StandardCharsets;
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
        p.setPage("home");
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
            assertThat(q.page()).isEqualTo("home");
        });
        assertThat(joinCopy.shownNotClickedItems).containsExactly(9);
        // savepoints name the snapshot class; it must restore the same serializer
        assertThat(serializer.snapshotConfiguration().restoreSerializer()).isSameAs(serializer);
    }

    /**
     * The join state's on-disk layout is part of every checkpoint: ids, pages and the orphans' topics are kept as UTF-8
     * bytes in memory, and must still be written as they always were (length, UTF-8; -1 for an absent page).
     */
    @Test
    void joinStateKeepsItsLayout() throws Exception {
        UserJoinState join = new UserJoinState();
        PendingImpression withPage = new PendingImpression("r\u00e9", 5, 6, 1000);
        withPage.position = 3;
        withPage.setPage("caf\u00e9");
        PendingImpression withoutPage = new PendingImpression("r2", 7, 8, 2000);
        join.pending = new PendingImpression[] {withPage, withoutPage};
        join.orphanClicks = new io.istream.features.join.OrphanClick[] {new io.istream.features.join.OrphanClick(
                "o\u00e9", 4, 9, 3000, new io.istream.features.join.SourceRef("clicks", 1, 77))};
        join.shownNotClickedItems = new long[0];
        join.shownNotClickedCategories = new long[0];

        DataOutputSerializer written = new DataOutputSerializer(256);
        UserJoinStateSerializer.INSTANCE.serialize(join, written);

        DataOutputSerializer expected = new DataOutputSerializer(256);
        expected.writeByte(written.getSharedBuffer()[0]); // the format version
        expected.writeInt(2);
        pending(expected, "r\u00e9", 5, 6, 1000, 3, "caf\u00e9");
        pending(expected, "r2", 7, 8, 2000, -1, null);
        expected.writeInt(1);
        utf8(expected, "o\u00e9");
        expected.writeLong(4);
        expected.writeLong(9);
        expected.writeLong(3000);
        utf8(expected, "clicks");
        expected.writeInt(1);
        expected.writeLong(77);
        expected.writeInt(0);
        assertThat(written.getCopyOfBuffer()).isEqualTo(expected.getCopyOfBuffer());

        UserJoinState back = UserJoinStateSerializer.INSTANCE.deserialize(
                new DataInputDeserializer(written.getCopyOfBuffer()));
        assertThat(back.pending[0].page()).isEqualTo("caf\u00e9");
        assertThat(back.pending[0].requestId()).isEqualTo("r\u00e9");
        assertThat(back.pending[1].page()).isNull();
        assertThat(back.orphanClicks[0].requestId()).isEqualTo("o\u00e9");
        assertThat(back.orphanClicks[0].source()).isEqualTo(new io.istream.features.join.SourceRef("clicks", 1, 77));
        // and a restored state writes the same bytes again, without decoding anything in between
        DataOutputSerializer rewritten = new DataOutputSerializer(256);
        UserJoinStateSerializer.INSTANCE.serialize(UserJoinStateSerializer.INSTANCE.deserialize(
                new DataInputDeserializer(written.getCopyOfBuffer())), rewritten);
        assertThat(rewritten.getCopyOfBuffer()).isEqualTo(written.getCopyOfBuffer());
    }

    private static void utf8(DataOutputSerializer out, String value) throws Exception {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static void pending(DataOutputSerializer out, String requestId, long item, long category, long timeMs,
                                int position, String page) throws Exception {
        byte[] id = requestId.getBytes(StandardCharsets.UTF_8);
        out.writeInt(id.length);
        out.write(id);
        out.writeLong(item);
        out.writeLong(category);
        out.writeLong(timeMs);
        out.writeLong(-1);                    // no click yet
        out.writeByte(PendingImpression.OPEN);
        out.writeInt(position);
        if (page == null) {
            out.writeInt(-1);
        } else {
            byte[] utf8 = page.getBytes(StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
        }
    }
}
