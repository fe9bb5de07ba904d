package io.istream.features.join;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes {@link UserJoinState} field by field. It is read and written on every impression, click and label
 * timer; Flink's reflective POJO serializer of the nested impression array was a fifth of the keyed operator's time.
 *
 * <p>Format version 1 (the first byte): pending impressions, orphan clicks, shown-not-clicked items. A later
 * version must still read version 1, so that savepoints keep working.
 */
public final class UserJoinStateSerializer extends TypeSerializerSingleton<UserJoinState> {
    public static final UserJoinStateSerializer INSTANCE = new UserJoinStateSerializer();
    private static final byte VERSION = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public UserJoinState createInstance() {
        return new UserJoinState();
    }

    @Override
    public UserJoinState copy(UserJoinState from) {
        try {
            org.apache.flink.core.memory.DataOutputSerializer out = new org.apache.flink.core.memory.DataOutputSerializer(256);
            serialize(from, out);
            return deserialize(new org.apache.flink.core.memory.DataInputDeserializer(out.getSharedBuffer(), 0,
                    out.length()));
        } catch (IOException e) {
            throw new IllegalStateException("copying join state in memory cannot fail", e);
        }
    }

    @Override
    public UserJoinState copy(UserJoinState from, UserJoinState reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(UserJoinState state, DataOutputView out) throws IOException {
        out.writeByte(VERSION);
        out.writeInt(state.pending.length);
        for (PendingImpression p : state.pending) {
            writeBytes(p.requestIdUtf8(), out);
            out.writeLong(p.itemId);
            out.writeLong(p.categoryId);
            out.writeLong(p.impressionTimeMs);
            out.writeLong(p.clickTimeMs);
            out.writeByte(p.state);
            out.writeInt(p.position);
            writeBytes(p.pageUtf8(), out);
        }
        out.writeInt(state.orphanClicks.length);
        for (OrphanClick c : state.orphanClicks) {
            writeBytes(c.requestIdUtf8(), out);
            out.writeLong(c.userId);
            out.writeLong(c.itemId);
            out.writeLong(c.clickTimeMs);
            writeBytes(c.topicUtf8(), out);
            out.writeInt(c.partition);
            out.writeLong(c.offset);
        }
        out.writeInt(state.shownNotClickedItems.length);
        for (int i = 0; i < state.shownNotClickedItems.length; i++) {
            out.writeLong(state.shownNotClickedItems[i]);
            out.writeLong(state.shownNotClickedCategories[i]);
        }
    }

    @Override
    public UserJoinState deserialize(DataInputView in) throws IOException {
        byte version = in.readByte();
        if (version != VERSION) {
            throw new IOException("join state format version " + version + " is newer than this job (" + VERSION + ")");
        }
        UserJoinState state = new UserJoinState();
        state.pending = new PendingImpression[in.readInt()];
        for (int i = 0; i < state.pending.length; i++) {
            PendingImpression p = PendingImpression.restored(readBytes(in));
            p.itemId = in.readLong();
            p.categoryId = in.readLong();
            p.impressionTimeMs = in.readLong();
            p.clickTimeMs = in.readLong();
            p.state = in.readByte();
            p.position = in.readInt();
            p.restorePage(readNullableBytes(in));
            state.pending[i] = p;
        }
        state.orphanClicks = new OrphanClick[in.readInt()];
        for (int i = 0; i < state.orphanClicks.length; i++) {
            byte[] requestId = readBytes(in);
            long userId = in.readLong();
            long itemId = in.readLong();
            long clickTimeMs = in.readLong();
            OrphanClick c = OrphanClick.restored(requestId, readNullableBytes(in));
            c.userId = userId;
            c.itemId = itemId;
            c.clickTimeMs = clickTimeMs;
            c.partition = in.readInt();
            c.offset = in.readLong();
            state.orphanClicks[i] = c;
        }
        int shown = in.readInt();
        state.shownNotClickedItems = new long[shown];
        state.shownNotClickedCategories = new long[shown];
        for (int i = 0; i < shown; i++) {
            state.shownNotClickedItems[i] = in.readLong();
            state.shownNotClickedCategories[i] = in.readLong();
        }
        return state;
    }

    /**
     * Length-prefixed UTF-8 as it is kept in memory, -1 for null. (Flink's StringValue codec spent most of its time in
     * a ThreadLocal, and decoding ids into Strings on every read a tenth of the operator's.)
     */
    private static void writeBytes(byte[] utf8, DataOutputView out) throws IOException {
        if (utf8 == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    /** A non-null string written by {@link #writeBytes}, as its UTF-8 bytes. */
    private static byte[] readBytes(DataInputView in) throws IOException {
        byte[] bytes = readNullableBytes(in);
        if (bytes == null) {
            throw new IOException("a request id is missing: the join state is corrupt");
        }
        return bytes;
    }

    /** A string written by {@link #writeBytes}, as its UTF-8 bytes: null when it was null. */
    private static byte[] readNullableBytes(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }

    @Override
    public UserJoinState deserialize(UserJoinState reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<UserJoinState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer from savepoints; its class name is part of the savepoint format. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<UserJoinState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
