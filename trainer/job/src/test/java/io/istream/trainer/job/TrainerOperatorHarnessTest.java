package io.istream.trainer.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.avro.DenseTensor;
import io.istream.avro.Metrics;
import io.istream.avro.ModelUpdate;
import io.istream.avro.ModelUpdateKind;
import io.istream.avro.Sample;
import io.istream.schemas.Topics;
import io.istream.trainer.model.ActivationKind;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelKind;
import io.istream.trainer.model.OptimizerConfig;
import io.istream.trainer.model.OptimizerKind;
import io.istream.trainer.model.Param;
import io.istream.trainer.model.RegularizationKind;
import io.istream.trainer.streaming.PlantedSamples;
import io.istream.trainer.streaming.StreamingSettings;
import io.istream.trainer.streaming.StreamingTrainer;
import io.istream.trainer.streaming.TrainerReplica;
import io.istream.trainer.updates.ModelFollower;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Drives the trainer operator through Flink's one-input harness with a manual processing-time clock. The operator
 * keeps its whole state in operator state, which every backend, RocksDB included, holds on the heap and writes into
 * the checkpoint; the harness runs it with the RocksDB backend all the same, as the job does.
 */
class TrainerOperatorHarnessTest {
    private static final int BATCH = 16;
    /** The harness's processing time when the operator opens: a wall clock, as in a job. */
    private static final long T0 = 1_700_000_000_000L;
    private static final long PUBLISH_MS = 60_000;
    private static final long IDLE_FLUSH_MS = 1_000;
    private static final int CHUNK_BYTES = 2048;

    private final List<OneInputStreamOperatorTestHarness<Sample, ModelUpdate>> opened = new ArrayList<>();

    /** StreamingTrainerTest's small DIEN; a delta after {@code publishEveryBatches} batches or {@link #PUBLISH_MS}. */
    private static StreamingSettings settings(int publishEveryBatches) {
        ModelConfig model = ModelConfig.paper(ModelKind.DIEN)
                .embeddingDim(4).hiddenSize(6).headHidden(8).attentionHidden(6).auxHidden(6)
                .headActivation(ActivationKind.DICE)
                .admitAfter(2)
                .seed(7).build();
        OptimizerConfig optimizer = new OptimizerConfig(OptimizerKind.ADAM, 0.01, 0.9, 0.999, 1e-8,
                RegularizationKind.MBA, 0.01, 0);
        return new StreamingSettings(model, optimizer, BATCH, 10, publishEveryBatches, PUBLISH_MS, 600_000,
                CHUNK_BYTES, 1_000, 1_000);
    }

    private OneInputStreamOperatorTestHarness<Sample, ModelUpdate> open(StreamingSettings settings, int drillEvery,
                                                                        OperatorSubtaskState restoreFrom)
            throws Exception {
        var h = new OneInputStreamOperatorTestHarness<Sample, ModelUpdate>(
                new TrainerOperator(settings, IDLE_FLUSH_MS, drillEvery, new TrainerReplica.Sync(4, 200, 1_000), null));
        opened.add(h);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.setProcessingTime(T0);
        if (restoreFrom == null) {
            h.initializeEmptyState();
        } else {
            h.initializeState(restoreFrom);
        }
        h.open();
        return h;
    }

    @AfterEach
    void close() throws Exception {
        for (var h : opened) {
            h.close();
        }
    }

    /**
     * A snapshot with a partial batch buffered, restored into a new operator: fed the same further samples, it
     * publishes the same versions with the same stamps as the operator that never stopped, and, from its own FULL on,
     * the same bytes; a reader of either stream holds the same model at every version.
     */
    @Test
    void aRestoredOperatorTrainsAndPublishesExactlyAsTheOneThatNeverStopped() throws Exception {
        StreamingSettings settings = settings(1);
        List<Sample> samples = PlantedSamples.generate(300, 40, 200, 10, 1);
        var straight = open(settings, 0, null);
        feed(straight, samples.subList(0, 150));
        // 150 samples: 9 batches, each published (v1 the FULL), and 6 samples buffered, which the snapshot must carry
        List<ModelUpdate> beforeSnapshot = drain(straight);
        assertThat(versions(beforeSnapshot)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(head(beforeSnapshot, 9).getSamplesTrained()).isEqualTo(9 * BATCH);
        OperatorSubtaskState snapshot = straight.snapshot(1, T0);

        var restored = open(settings, 0, snapshot);
        assertThat(drain(restored)).as("nothing is published before a sample arrives").isEmpty();
        feed(straight, samples.subList(150, 300));
        feed(restored, samples.subList(150, 300));
        straight.endInput();
        restored.endInput();
        List<ModelUpdate> continued = drain(straight);
        List<ModelUpdate> afterRestore = drain(restored);

        // 156 samples more: 9 batches (v10..v18), then endInput trains the 12 left (v19) and publishes a FULL (v20)
        List<Long> expectedVersions = LongStream.rangeClosed(10, 20).boxed().toList();
        assertThat(versions(continued)).isEqualTo(expectedVersions);
        assertThat(versions(afterRestore)).isEqualTo(expectedVersions);
        assertThat(head(continued, 10).getKind()).isEqualTo(ModelUpdateKind.DELTA);
        assertThat(head(afterRestore, 10).getKind()).as("the first update after a restore").isEqualTo(
                ModelUpdateKind.FULL);
        for (long v : expectedVersions) {
            ModelUpdate a = head(continued, v);
            ModelUpdate b = head(afterRestore, v);
            assertThat(b.getSamplesTrained()).as("samples trained at v" + v).isEqualTo(a.getSamplesTrained());
            assertThat(b.getSampleChecksum()).as("checksum at v" + v).isEqualTo(a.getSampleChecksum());
            assertThat(b.getNewestSampleTimeMs()).as("newest sample at v" + v).isEqualTo(a.getNewestSampleTimeMs());
            assertThat(b.getCreatedAtMs()).isEqualTo(a.getCreatedAtMs());
        }
        // the restored run is a later trainer epoch; apart from it, every update after its FULL is byte for byte the same
        long straightEpoch = head(continued, 10).getTrainerEpoch();
        assertThat(afterRestore).allSatisfy(u -> assertThat(u.getTrainerEpoch()).isEqualTo(straightEpoch + 1));
        assertThat(encoded(withoutEpoch(after(afterRestore, 10)))).as("every update after the restore's FULL")
                .isEqualTo(encoded(withoutEpoch(after(continued, 10))));

        // a reader of the straight stream (v1..v10) and one of the restored stream (its FULL v10) hold the same model
        ModelFollower reader = new ModelFollower();
        beforeSnapshot.forEach(reader::accept);
        upTo(continued, 10).forEach(reader::accept);
        ModelFollower restoredReader = new ModelFollower();
        upTo(afterRestore, 10).forEach(restoredReader::accept);
        assertThat(restoredReader.version()).isEqualTo(10);
        assertThat(encoded(withoutEpoch(restoredReader.asUpdates(1 << 20))))
                .isEqualTo(encoded(withoutEpoch(reader.asUpdates(1 << 20))));

        // every sample trained exactly once, across the restore: the count and the order-independent checksum
        ModelUpdate last = afterRestore.get(afterRestore.size() - 1);
        assertThat(last.getKind()).isEqualTo(ModelUpdateKind.FULL);
        assertThat(last.getSamplesTrained()).isEqualTo(300);
        assertThat(last.getSampleChecksum()).isEqualTo(checksum(samples));

        Metrics straightMetrics = lastMetrics(straight);
        Metrics restoredMetrics = lastMetrics(restored);
        assertThat(restoredMetrics.getSamplesTrained()).isEqualTo(straightMetrics.getSamplesTrained()).isEqualTo(300);
        assertThat(restoredMetrics.getModelVersion()).isEqualTo(straightMetrics.getModelVersion()).isEqualTo(19);
        assertThat(restoredMetrics.getSkippedBatches()).isZero();
        // the prequential window is not checkpointed: the restored one scored only what it trained itself
        assertThat(straightMetrics.getSamples()).isEqualTo(300);
        assertThat(restoredMetrics.getSamples()).isEqualTo(156);
    }

    /**
     * The fault drill ({@code trainer.drill.non-finite-every-batches} = 3) gives every third batch a NaN gradient:
     * the guard skips it, nothing is published for it, a later update carries none of its step, and training goes on.
     */
    @Test
    void aBatchWithANonFiniteGradientIsSkippedNeverPublishedAndTrainingContinues() throws Exception {
        Configuration options = new Configuration();
        options.set(TrainerOptions.DRILL_NON_FINITE_EVERY, 3);
        var h = open(settings(1), options.get(TrainerOptions.DRILL_NON_FINITE_EVERY), null);
        List<Sample> samples = PlantedSamples.generate(7 * BATCH, 20, 100, 8, 3);
        List<ModelUpdate> published = new ArrayList<>();

        published.addAll(feedBatch(h, samples, 1));
        published.addAll(feedBatch(h, samples, 2));
        assertThat(versions(published)).containsExactly(1L, 2L);
        assertThat(head(published, 2).getSamplesTrained()).isEqualTo(2 * BATCH);

        assertThat(feedBatch(h, samples, 3)).as("the skipped batch publishes nothing").isEmpty();
        // the publish interval passes: a DELTA of what the skipped batch left (ids it admitted, Dice's moving
        // statistics), and none of its gradient step: no trained sample more, no trainable tensor changed
        h.setProcessingTime(T0 + PUBLISH_MS);
        List<ModelUpdate> afterSkip = drain(h);
        assertThat(versions(afterSkip)).containsExactly(3L);
        assertThat(head(afterSkip, 3).getKind()).isEqualTo(ModelUpdateKind.DELTA);
        assertThat(head(afterSkip, 3).getSamplesTrained()).isEqualTo(2 * BATCH);
        assertThat(head(afterSkip, 3).getSampleChecksum()).as("the skipped samples were consumed")
                .isEqualTo(checksum(samples.subList(0, 3 * BATCH)));
        assertThat(denseNames(afterSkip)).allMatch(name -> name.startsWith("dice."));
        Metrics window = lastMetrics(h);
        assertThat(window.getSkippedBatches()).isEqualTo(1);
        assertThat(window.getSamplesTrained()).isEqualTo(2 * BATCH);
        published.addAll(afterSkip);

        List<ModelUpdate> next = feedBatch(h, samples, 4);
        assertThat(versions(next)).containsExactly(4L);
        assertThat(head(next, 4).getSamplesTrained()).as("training continues").isEqualTo(3 * BATCH);
        assertThat(denseNames(next)).anyMatch(name -> !name.startsWith("dice."));
        published.addAll(next);
        published.addAll(feedBatch(h, samples, 5));
        assertThat(feedBatch(h, samples, 6)).as("the second drilled batch").isEmpty();
        published.addAll(feedBatch(h, samples, 7));
        h.endInput();
        published.addAll(drain(h));

        assertThat(versions(published)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(published.stream().filter(u -> u.getChunkIndex() == 0).map(ModelUpdate::getSamplesTrained))
                .containsExactly(16L, 32L, 32L, 48L, 64L, 80L, 80L);
        ModelUpdate last = published.get(published.size() - 1);
        assertThat(last.getKind()).isEqualTo(ModelUpdateKind.FULL);
        assertThat(last.getSampleChecksum()).isEqualTo(checksum(samples));
        Metrics end = lastMetrics(h);
        assertThat(end.getSkippedBatches()).isEqualTo(2);
        assertThat(end.getSamplesTrained()).isEqualTo(5 * BATCH);

        // a reader applies every version, and no version it applied holds a non-finite parameter
        ModelFollower reader = new ModelFollower();
        for (ModelUpdate u : published) {
            ModelFollower.Outcome outcome = reader.accept(u);
            assertThat(outcome).isIn(ModelFollower.Outcome.PENDING, ModelFollower.Outcome.APPLIED_FULL,
                    ModelFollower.Outcome.APPLIED_DELTA);
            if (outcome != ModelFollower.Outcome.PENDING) {
                for (Param p : reader.model().params()) {
                    assertThat(p.value().allFinite()).as(p.name() + " at v" + reader.version()).isTrue();
                }
            }
        }
        assertThat(reader.version()).isEqualTo(7);
    }

    /**
     * On the main output: a FULL first, then a DELTA every third batch on its base, versions consecutive, each
     * version's chunks together and in order; the idle flush trains a partial batch; end of input publishes what
     * changed and a final FULL, which equals what a reader rebuilt from the FULL and the DELTAs.
     */
    @Test
    void updatesComeFullFirstThenDeltasWithConsecutiveVersions() throws Exception {
        var h = open(settings(3), 0, null);
        List<Sample> samples = PlantedSamples.generate(10 * BATCH + 5, 30, 150, 10, 4);
        feed(h, samples);
        List<ModelUpdate> published = drain(h);
        // the FULL at the first batch, then a DELTA after batches 4, 7 and 10
        assertThat(versions(published)).containsExactly(1L, 2L, 3L, 4L);
        assertThat(published.stream().filter(u -> u.getChunkIndex() == 0).map(ModelUpdate::getSamplesTrained))
                .containsExactly(16L, 64L, 112L, 160L);

        // no sample for the idle-flush time: the 5 buffered are trained (not published yet: one batch, 1 s)
        h.setProcessingTime(T0 + IDLE_FLUSH_MS);
        assertThat(drain(h)).isEmpty();
        assertThat(lastMetrics(h).getSamplesTrained()).isEqualTo(10 * BATCH + 5);

        h.endInput();
        published.addAll(drain(h));
        assertThat(versions(published)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        Map<Long, List<ModelUpdate>> byVersion = byVersion(published);
        for (List<ModelUpdate> chunks : byVersion.values()) {
            ModelUpdate head = chunks.get(0);
            for (int i = 0; i < chunks.size(); i++) {
                ModelUpdate chunk = chunks.get(i);
                assertThat(chunk.getChunkIndex()).isEqualTo(i);
                assertThat(chunk.getChunkCount()).isEqualTo(chunks.size());
                assertThat(chunk.getKind()).isEqualTo(head.getKind());
                assertThat(chunk.getBaseVersion()).isEqualTo(head.getBaseVersion());
            }
            if (head.getKind() == ModelUpdateKind.DELTA) {
                assertThat(head.getBaseVersion()).isEqualTo(head.getModelVersion() - 1);
            } else {
                assertThat(head.getConfig()).isNotNull();
            }
            for (ModelUpdate chunk : chunks) {
                assertThat(Topics.MODEL_UPDATES.values().encode(chunk).length).isLessThanOrEqualTo(CHUNK_BYTES);
            }
        }
        assertThat(byVersion.values()).extracting(chunks -> chunks.get(0).getKind()).containsExactly(
                ModelUpdateKind.FULL, ModelUpdateKind.DELTA, ModelUpdateKind.DELTA, ModelUpdateKind.DELTA,
                ModelUpdateKind.DELTA, ModelUpdateKind.FULL);
        assertThat(byVersion.values()).as("the test must exercise chunking").anyMatch(chunks -> chunks.size() > 1);
        assertThat(head(published, 5).getSamplesTrained()).isEqualTo(10 * BATCH + 5);
        assertThat(head(published, 6).getSampleChecksum()).isEqualTo(checksum(samples));

        // FULL v1 + DELTAs v2..v5 rebuild exactly the model of the final FULL v6
        ModelFollower rebuilt = new ModelFollower();
        upTo(published, 5).forEach(u -> rebuilt.accept(u));
        assertThat(rebuilt.version()).isEqualTo(5);
        ModelFollower finalFull = new ModelFollower();
        byVersion.get(6L).forEach(finalFull::accept);
        ModelUpdate a = single(rebuilt.asUpdates(1 << 20));
        ModelUpdate b = single(finalFull.asUpdates(1 << 20));
        assertThat(b.getSparseRows()).isEqualTo(a.getSparseRows());
        assertThat(b.getDenseTensors()).isEqualTo(a.getDenseTensors());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static void feed(OneInputStreamOperatorTestHarness<Sample, ModelUpdate> h, List<Sample> samples)
            throws Exception {
        for (Sample s : samples) {
            h.processElement(s, s.getLabelTimeMs());
        }
    }

    /** Feeds batch {@code k} (1-based) of {@code samples}; returns what it published. */
    private static List<ModelUpdate> feedBatch(OneInputStreamOperatorTestHarness<Sample, ModelUpdate> h,
                                               List<Sample> samples, int k) throws Exception {
        feed(h, samples.subList((k - 1) * BATCH, k * BATCH));
        return drain(h);
    }

    /** The model updates emitted since the last drain. */
    private static List<ModelUpdate> drain(OneInputStreamOperatorTestHarness<Sample, ModelUpdate> h) {
        List<ModelUpdate> out = new ArrayList<>(h.extractOutputValues());
        h.getOutput().clear();
        return out;
    }

    private static Metrics lastMetrics(OneInputStreamOperatorTestHarness<Sample, ModelUpdate> h) {
        var records = h.getSideOutput(TrainerOperator.METRICS);
        assertThat(records).as("prequential metrics").isNotNull().isNotEmpty();
        List<StreamRecord<Metrics>> list = new ArrayList<>(records);
        return list.get(list.size() - 1).getValue();
    }

    /** Each version once, in the order published. */
    private static List<Long> versions(List<ModelUpdate> updates) {
        return new ArrayList<>(byVersion(updates).keySet());
    }

    private static Map<Long, List<ModelUpdate>> byVersion(List<ModelUpdate> updates) {
        Map<Long, List<ModelUpdate>> out = new LinkedHashMap<>();
        for (ModelUpdate u : updates) {
            out.computeIfAbsent(u.getModelVersion(), v -> new ArrayList<>()).add(u);
        }
        return out;
    }

    private static ModelUpdate head(List<ModelUpdate> updates, long version) {
        return updates.stream().filter(u -> u.getModelVersion() == version && u.getChunkIndex() == 0).findFirst()
                .orElseThrow(() -> new AssertionError("no version " + version + " in " + versions(updates)));
    }

    private static List<ModelUpdate> after(List<ModelUpdate> updates, long version) {
        return updates.stream().filter(u -> u.getModelVersion() > version).toList();
    }

    private static List<ModelUpdate> upTo(List<ModelUpdate> updates, long version) {
        return updates.stream().filter(u -> u.getModelVersion() <= version).toList();
    }

    private static ModelUpdate single(List<ModelUpdate> updates) {
        assertThat(updates).hasSize(1);
        return updates.get(0);
    }

    private static List<String> denseNames(List<ModelUpdate> updates) {
        return updates.stream().flatMap(u -> u.getDenseTensors().stream()).map(DenseTensor::getName).toList();
    }

    /** The updates with their trainer epoch cleared, to compare two runs' content. */
    private static List<ModelUpdate> withoutEpoch(List<ModelUpdate> updates) {
        return updates.stream().map(u -> ModelUpdate.newBuilder(u).setTrainerEpoch(0).build()).toList();
    }

    /** The wire encoding of each chunk, comparable as strings. */
    private static List<String> encoded(List<ModelUpdate> updates) {
        return updates.stream().map(u -> Base64.getEncoder().encodeToString(Topics.MODEL_UPDATES.values().encode(u)))
                .toList();
    }

    private static long checksum(List<Sample> samples) {
        long sum = 0;
        for (Sample s : samples) {
            sum += StreamingTrainer.mix(s.getSampleId());
        }
        return sum;
    }
}
