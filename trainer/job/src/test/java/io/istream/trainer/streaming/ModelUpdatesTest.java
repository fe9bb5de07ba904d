package io.istream.trainer.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istream.avro.ModelUpdate;
import io.istream.avro.ModelUpdateKind;
import io.istream.avro.Sample;
import io.istream.schemas.Topics;
import io.istream.trainer.data.Batch;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.EmbeddingTable;
import io.istream.trainer.updates.ModelFollower;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A follower that applies the published updates holds exactly the trainer's inference parameters. */
class ModelUpdatesTest {

    @Test
    void followerRebuildsTheTrainersExactModelFromFullPlusDeltas() throws Exception {
        // expiry on (event time moves 1 s per sample, ids unseen for 40 s are forgotten), 2 KiB chunks
        StreamingTrainer trainer = new StreamingTrainer(StreamingTrainerTest.settings(40_000));
        List<Sample> samples = PlantedSamples.generate(400, 30, 300, 10, 5);
        List<ModelUpdate> published = new ArrayList<>(trainer.pollUpdate(0));
        for (int i = 0; i < samples.size(); i++) {
            StreamingTrainerTest.feed(trainer, samples.get(i), i * 1000L);   // expiry runs every 1 s
            published.addAll(trainer.pollUpdate(i * 1000L));
        }
        // the rest as a DELTA (as at end of input), not a time-due FULL: the deltas alone must carry every change
        long end = (samples.size() - 1) * 1000L;
        published.addAll(trainer.pollUpdate(end, true));
        int lastFull = 0;
        for (int i = 0; i < published.size(); i++) {
            if (published.get(i).getKind() == ModelUpdateKind.FULL) {
                lastFull = i;
            }
        }
        assertTrue(published.subList(lastFull, published.size()).stream()
                .filter(u -> u.getKind() == ModelUpdateKind.DELTA).count() >= 5, "deltas after the last FULL");
        assertTrue(trainer.expiredIds() > 0, "the test must exercise expiry");
        assertTrue(published.stream().anyMatch(u -> u.getChunkCount() > 1), "the test must exercise chunking");
        for (ModelUpdate u : published) {
            byte[] encoded = Topics.MODEL_UPDATES.values().encode(u);
            assertTrue(encoded.length <= 2048, "chunk of " + encoded.length + " bytes over the 2048 limit");
        }

        ModelFollower follower = new ModelFollower();
        for (ModelUpdate u : published) {
            // through the wire encoding, as a Kafka consumer would see it
            follower.accept(Topics.MODEL_UPDATES.values().decode(Topics.MODEL_UPDATES.values().encode(u)));
        }
        assertEquals(trainer.version(), follower.version());
        assertSameInference(trainer.model(), follower.model());
    }

    @Test
    void followerThatJoinsMidStreamWaitsForTheNextFull() {
        StreamingTrainer trainer = new StreamingTrainer(StreamingTrainerTest.settings(0));
        List<Sample> samples = PlantedSamples.generate(200, 20, 100, 8, 6);
        List<ModelUpdate> published = new ArrayList<>(trainer.pollUpdate(0));
        for (int i = 0; i < samples.size(); i++) {
            StreamingTrainerTest.feed(trainer, samples.get(i), i);
            published.addAll(trainer.pollUpdate(i));
        }
        ModelFollower late = new ModelFollower();
        List<ModelUpdate> deltas = published.stream().filter(u -> u.getKind() == ModelUpdateKind.DELTA).toList();
        for (ModelUpdate u : deltas) {
            ModelFollower.Outcome outcome = late.accept(u);
            assertEquals(u.getChunkIndex() == u.getChunkCount() - 1 ? ModelFollower.Outcome.IGNORED_GAP
                    : ModelFollower.Outcome.PENDING, outcome);
        }
        assertNull(late.model());
        List<ModelUpdate> full = trainer.pollUpdate(10_000_000);   // the periodic FULL
        assertEquals(ModelUpdateKind.FULL, full.get(0).getKind());
        for (ModelUpdate u : full) {
            late.accept(u);
        }
        assertEquals(trainer.version(), late.version());
        assertSameInference(trainer.model(), late.model());
    }

    @Test
    void aRestoredTrainersFirstFullSupersedesWhatAFollowerReadOfTheAbortedRun() throws Exception {
        StreamingTrainer trainer = new StreamingTrainer(StreamingTrainerTest.settings(0));
        trainer.beginEpoch(1_000);
        List<Sample> samples = PlantedSamples.generate(300, 20, 100, 8, 7);
        ModelFollower follower = new ModelFollower();
        byte[] checkpoint = null;
        for (int i = 0; i < samples.size(); i++) {
            StreamingTrainerTest.feed(trainer, samples.get(i), i);
            trainer.pollUpdate(i).forEach(follower::accept);
            if (i == samples.size() / 3) {
                checkpoint = trainer.snapshot();
            }
        }
        // the follower read uncommitted updates past the checkpoint; the run fails and its transactions abort
        long abortedVersion = follower.version();
        StreamingTrainer restored = StreamingTrainer.restore(checkpoint, StreamingTrainerTest.settings(0));
        assertTrue(restored.version() < abortedVersion, "the follower must be ahead of the checkpoint");
        assertEquals(1_000, restored.epoch());
        restored.beginEpoch(2_000);
        assertEquals(2_000, restored.epoch());

        List<ModelUpdate> first = restored.pollUpdate(3_000);
        assertEquals(ModelUpdateKind.FULL, first.get(0).getKind(), "a run's first update is a FULL");
        assertTrue(first.get(0).getModelVersion() <= abortedVersion, "its version is not above the aborted ones");
        ModelFollower.Outcome outcome = null;
        for (ModelUpdate u : first) {
            outcome = follower.accept(Topics.MODEL_UPDATES.values().decode(Topics.MODEL_UPDATES.values().encode(u)));
        }
        assertEquals(ModelFollower.Outcome.APPLIED_FULL, outcome, "the newer epoch wins over the newer version");
        assertEquals(2_000, follower.epoch());
        assertSameInference(restored.model(), follower.model());

        // the new run's deltas apply; a late record of the aborted run is stale
        for (int i = samples.size() / 3 + 1; i < samples.size(); i++) {
            StreamingTrainerTest.feed(restored, samples.get(i), 3_000 + i);
            restored.pollUpdate(3_000 + i).forEach(follower::accept);
        }
        restored.pollUpdate(10_000, true).forEach(follower::accept);
        assertEquals(restored.version(), follower.version());
        assertSameInference(restored.model(), follower.model());
        ModelUpdate late = ModelUpdate.newBuilder(first.get(0)).setTrainerEpoch(1_000)
                .setModelVersion(abortedVersion + 1).setKind(ModelUpdateKind.DELTA).build();
        assertEquals(ModelFollower.Outcome.IGNORED_STALE, follower.accept(late));
    }

    @Test
    void epochsOnlyGrowAcrossRestores() {
        StreamingTrainer trainer = new StreamingTrainer(StreamingTrainerTest.settings(0));
        trainer.beginEpoch(5_000);
        byte[] checkpoint = trainer.snapshot();
        StreamingTrainer again = StreamingTrainer.restore(checkpoint, StreamingTrainerTest.settings(0));
        again.beginEpoch(4_000);   // a TaskManager whose clock is behind: still after the checkpointed run
        assertEquals(5_001, again.epoch());
        StreamingTrainer later = StreamingTrainer.restore(checkpoint, StreamingTrainerTest.settings(0));
        later.beginEpoch(9_000);
        assertEquals(9_000, later.epoch());
    }

    /** Every id's row, the unknown row, every dense tensor and Dice statistic, and the scores of a batch. */
    static void assertSameInference(CtrModel trainer, CtrModel follower) {
        List<EmbeddingTable> expected = trainer.tables();
        List<EmbeddingTable> actual = follower.tables();
        for (int k = 0; k < expected.size(); k++) {
            EmbeddingTable e = expected.get(k);
            EmbeddingTable a = actual.get(k);
            assertArrayEquals(row(e, EmbeddingTable.UNKNOWN_ROW), row(a, EmbeddingTable.UNKNOWN_ROW),
                    e.name + " unknown row");
            e.forEachId((id, count, lastSeen, row) -> {
                int followerRow = a.resolve(id);
                assertEquals(row == EmbeddingTable.UNKNOWN_ROW, followerRow == EmbeddingTable.UNKNOWN_ROW,
                        e.name + " id " + id + " admitted on one side only");
                assertArrayEquals(row(e, row), row(a, followerRow), e.name + " id " + id);
            });
            a.forEachId((id, count, lastSeen, row) -> assertTrue(e.resolve(id) != EmbeddingTable.UNKNOWN_ROW,
                    a.name + " follower keeps id " + id + " that the trainer forgot"));
        }
        for (int k = 0; k < trainer.params().size(); k++) {
            assertArrayEquals(trainer.params().get(k).value().toDoubleArray(),
                    follower.params().get(k).value().toDoubleArray(), trainer.params().get(k).name());
        }
        for (int k = 0; k < trainer.diceLayers().size(); k++) {
            assertArrayEquals(trainer.diceLayers().get(k).movingMean().toDoubleArray(),
                    follower.diceLayers().get(k).movingMean().toDoubleArray());
            assertArrayEquals(trainer.diceLayers().get(k).movingVar().toDoubleArray(),
                    follower.diceLayers().get(k).movingVar().toDoubleArray());
        }
        Batch probe = SampleBatches.of(PlantedSamples.generate(32, 30, 320, 10, 99), 10);
        trainer.forward(probe, false);
        double[] expectedScores = java.util.Arrays.copyOf(trainer.probabilities(), probe.size);
        follower.forward(probe, false);
        assertArrayEquals(expectedScores, java.util.Arrays.copyOf(follower.probabilities(), probe.size));
    }

    private static double[] row(EmbeddingTable table, int row) {
        double[] out = new double[table.dim];
        for (int j = 0; j < table.dim; j++) {
            out[j] = table.values().get(row * table.dim + j);
        }
        return out;
    }
}
