package io.istream.trainer.updates;

import static io.istream.avro.ModelUpdateKind.DELTA;
import static io.istream.avro.ModelUpdateKind.FULL;
import static org.assertj.core.api.Assertions.assertThat;

import io.istream.trainer.updates.SnapshotStart.Chunk;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotStartTest {

    @Test
    void startsAtTheFirstChunkOfTheNewestFullWhoseChunksAllFollow() {
        List<Chunk> chunks = List.of(
                new Chunk(0, 1, FULL, 0, 2), new Chunk(1, 1, FULL, 1, 2),
                new Chunk(2, 2, DELTA, 0, 1), new Chunk(3, 3, DELTA, 0, 1),
                new Chunk(7, 4, FULL, 0, 3), new Chunk(8, 4, FULL, 1, 3), new Chunk(9, 4, FULL, 2, 3),
                new Chunk(10, 5, DELTA, 0, 1),
                // the newest FULL is still missing a chunk: not a place to start
                new Chunk(12, 6, FULL, 0, 2));

        assertThat(SnapshotStart.newestCompleteFull(chunks)).hasValue(7);
        assertThat(SnapshotStart.newestCompleteFull(chunks.subList(0, 4))).hasValue(0);
    }

    @Test
    void findsNoStartWithoutTheFirstChunkOrWithOnlyDeltas() {
        assertThat(SnapshotStart.newestCompleteFull(List.of())).isEmpty();
        assertThat(SnapshotStart.newestCompleteFull(List.of(new Chunk(5, 2, DELTA, 0, 1)))).isEmpty();
        // chunks 1 and 2 of a FULL whose chunk 0 lies before the scanned range
        assertThat(SnapshotStart.newestCompleteFull(List.of(new Chunk(8, 4, FULL, 1, 3), new Chunk(9, 4, FULL, 2, 3),
                new Chunk(10, 5, DELTA, 0, 1)))).isEmpty();
    }

    @Test
    void countsOnlyChunksOfTheSameVersion() {
        // two FULLs interleaved would be a trainer bug; a chunk of another version never completes one
        List<Chunk> chunks = List.of(new Chunk(0, 4, FULL, 0, 2), new Chunk(1, 5, FULL, 1, 2));
        assertThat(SnapshotStart.newestCompleteFull(chunks)).isEmpty();
    }
}
