package io.istream.trainer.updates;

import io.istream.avro.ModelUpdate;
import io.istream.avro.ModelUpdateKind;
import java.util.BitSet;
import java.util.List;
import java.util.OptionalLong;

/**
 * Where a new follower of the model-updates topic should start reading: at the first chunk of the newest FULL
 * snapshot whose chunks all follow it. A {@link ModelFollower} started there rebuilds the model from that snapshot and
 * the deltas after it, without replaying every older update. Pure: the caller reads the records.
 */
public final class SnapshotStart {

    /** What the decision needs of one record: its offset and the chunk it carries. */
    public record Chunk(long offset, long modelVersion, ModelUpdateKind kind, int chunkIndex, int chunkCount) {

        public static Chunk of(long offset, ModelUpdate update) {
            return new Chunk(offset, update.getModelVersion(), update.getKind(), update.getChunkIndex(),
                    update.getChunkCount());
        }
    }

    private SnapshotStart() {
    }

    /**
     * @param chunks records of one partition in offset order, from some offset to the end of what is readable
     * @return the offset of chunk 0 of the newest FULL version all of whose chunks 0..count−1 appear at or after it;
     *         empty when there is none (start earlier, or at the beginning)
     */
    public static OptionalLong newestCompleteFull(List<Chunk> chunks) {
        for (int i = chunks.size() - 1; i >= 0; i--) {
            Chunk first = chunks.get(i);
            if (first.kind() != ModelUpdateKind.FULL || first.chunkIndex() != 0 || first.chunkCount() < 1) {
                continue;
            }
            BitSet present = new BitSet(first.chunkCount());
            for (int j = i; j < chunks.size(); j++) {
                Chunk c = chunks.get(j);
                if (c.kind() == ModelUpdateKind.FULL && c.modelVersion() == first.modelVersion()
                        && c.chunkCount() == first.chunkCount() && c.chunkIndex() >= 0
                        && c.chunkIndex() < first.chunkCount()) {
                    present.set(c.chunkIndex());
                }
            }
            if (present.cardinality() == first.chunkCount()) {
                return OptionalLong.of(first.offset());
            }
        }
        return OptionalLong.empty();
    }
}
