package io.istream.trainer.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.istream.avro.Metrics;
import io.istream.avro.ModelUpdate;
import io.istream.avro.ModelUpdateKind;
import io.istream.avro.Sample;
import io.istream.trainer.model.ActivationKind;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelFile;
import io.istream.trainer.model.ModelKind;
import io.istream.trainer.model.OptimizerConfig;
import io.istream.trainer.model.RegularizationKind;
import io.istream.trainer.model.OptimizerKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamingTrainerTest {

    static StreamingSettings settings(long expireAfterMs) {
        return settings(expireAfterMs, 0.01);
    }

    static StreamingSettings settings(long expireAfterMs, double learningRate) {
        ModelConfig model = ModelConfig.paper(ModelKind.DIEN)
                .embeddingDim(4).hiddenSize(6).headHidden(8).attentionHidden(6).auxHidden(6)
                .headActivation(ActivationKind.DICE)
                .admitAfter(2).expireAfterMs(expireAfterMs)
                .seed(7).build();
        OptimizerConfig optimizer = new OptimizerConfig(OptimizerKind.ADAM, learningRate, 0.9, 0.999, 1e-8,
                RegularizationKind.MBA, 0.01, 0);
        return new StreamingSettings(model, optimizer, 16, 10, 3, 60_000, 600_000, 2048, 1_000, 1_000);
    }

    @Test
    void restoredTrainerIsBitIdenticalAndContinuesAsIfNeverStopped() {
        List<Sample> samples = PlantedSamples.generate(300, 40, 200, 10, 1);
        StreamingTrainer straight = new StreamingTrainer(settings(0));
        StreamingTrainer interrupted = new StreamingTrainer(settings(0));
        for (int i = 0; i < 150; i++) {
            feed(straight, samples.get(i), i);
            feed(interrupted, samples.get(i), i);
        }
        // 150 samples = 9 batches of 16 + 6 buffered: the snapshot must carry the 6
        byte[] snapshot = interrupted.snapshot();
        StreamingTrainer restored = StreamingTrainer.restore(snapshot, settings(0));
        assertEquals(6, restored.buffered());
        assertArrayEquals(ModelFile.toBytes(interrupted.model(), interrupted.optimizer()),
                ModelFile.toBytes(restored.model(), restored.optimizer()), "restored model differs from the snapshot");
        for (int i = 150; i < samples.size(); i++) {
            feed(straight, samples.get(i), i);
            feed(restored, samples.get(i), i);
        }
        assertEquals(straight.samplesConsumed(), restored.samplesConsumed());
        assertEquals(straight.sampleChecksum(), restored.sampleChecksum());
        assertArrayEquals(ModelFile.toBytes(straight.model(), straight.optimizer()),
                ModelFile.toBytes(restored.model(), restored.optimizer()),
                "training after a restore diverged from training without one");
    }

    @Test
    void checksumIsOrderIndependentAndCountsEverySampleOnce() {
        List<Sample> samples = PlantedSamples.generate(64, 10, 50, 5, 2);
        StreamingTrainer forward = new StreamingTrainer(settings(0));
        StreamingTrainer backward = new StreamingTrainer(settings(0));
        for (int i = 0; i < samples.size(); i++) {
            feed(forward, samples.get(i), i);
            feed(backward, samples.get(samples.size() - 1 - i), i);
        }
        assertEquals(64, forward.samplesConsumed());
        assertEquals(forward.sampleChecksum(), backward.sampleChecksum());
        StreamingTrainer shorter = new StreamingTrainer(settings(0));
        for (int i = 0; i < 48; i++) {
            feed(shorter, samples.get(i), i);
        }
        assertTrue(shorter.sampleChecksum() != forward.sampleChecksum());
    }

    @Test
    void nonFiniteGradientsSkipTheBatchAndAreNeverPublished() {
        StreamingTrainer trainer = new StreamingTrainer(settings(0));
        List<Sample> samples = PlantedSamples.generate(96, 20, 100, 8, 3);
        for (int i = 0; i < 32; i++) {
            feed(trainer, samples.get(i), i);
        }
        byte[] before = trainer.snapshot();
        trainer.injectNonFiniteGradient();
        for (int i = 32; i < 48; i++) {
            trainer.add(samples.get(i));
        }
        assertTrue(!trainer.trainBatch(48));
        assertEquals(1, trainer.skippedBatches());
        assertEquals(48, trainer.samplesConsumed());
        assertEquals(32, trainer.samplesTrained());
        // the skipped batch changed no parameter and no optimiser moment (only sighting counts and Dice are left)
        StreamingTrainer reference = StreamingTrainer.restore(before, settings(0));
        assertEquals(reference.model().params().size(), trainer.model().params().size());
        for (int k = 0; k < reference.model().params().size(); k++) {
            assertArrayEquals(reference.model().params().get(k).value().toDoubleArray(),
                    trainer.model().params().get(k).value().toDoubleArray());
        }
        for (int i = 48; i < 96; i++) {
            feed(trainer, samples.get(i), i);
        }
        assertEquals(80, trainer.samplesTrained(), "learning continues after the skipped batch");
        List<ModelUpdate> update = trainer.pollUpdate(10_000);
        assertEquals(ModelUpdateKind.FULL, update.get(0).getKind());
    }

    @Test
    void updatesAreVersionedFullFirstThenDeltasWhenDue() {
        StreamingTrainer trainer = new StreamingTrainer(settings(0));
        List<Sample> samples = PlantedSamples.generate(200, 20, 100, 8, 4);
        long now = 0;
        List<ModelUpdate> first = trainer.pollUpdate(now);
        assertEquals(ModelUpdateKind.FULL, first.get(0).getKind(), "a fresh trainer publishes a FULL at once");
        assertEquals(1, first.get(0).getModelVersion());
        assertTrue(trainer.pollUpdate(now).isEmpty(), "nothing changed");
        long expected = 1;
        for (int i = 0; i < samples.size(); i++) {
            trainer.add(samples.get(i));
            if (trainer.batchReady()) {
                trainer.trainBatch(now);
            }
            List<ModelUpdate> u = trainer.pollUpdate(now);
            if (!u.isEmpty()) {
                expected++;
                assertEquals(ModelUpdateKind.DELTA, u.get(0).getKind());
                assertEquals(expected, u.get(0).getModelVersion());
                assertEquals(expected - 1, u.get(0).getBaseVersion());
            }
        }
        // 12 batches, a delta every 3
        assertEquals(1 + 4, expected);
        Metrics m = trainer.pollMetrics(now, true);
        assertNotNull(m);
        assertEquals(192, m.getSamples(), "every trained sample was scored first");
        assertEquals(5, m.getModelVersion());
    }

    @Test
    void prequentialAucRisesAsTheModelLearnsThePlantedSignal() {
        StreamingTrainer trainer = new StreamingTrainer(settings(0, 0.03));
        List<Sample> samples = PlantedSamples.generate(3200, 50, 400, 10, 8);
        List<Double> aucs = new java.util.ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            feed(trainer, samples.get(i), i);
            if ((i + 1) % 800 == 0) {
                aucs.add(trainer.pollMetrics(i, true).getAuc());
            }
        }
        System.out.println("prequential AUC per 800 samples: " + aucs + "; served scores from an inference pass of "
                + "their own: " + trainer.servedSeparately() + " of " + trainer.samplesConsumed());
        assertTrue(aucs.get(3) > 0.7 && aucs.get(3) > aucs.get(0) + 0.05, "AUC per window " + aucs);
        // both ways of getting the served score ran: own passes while new ids came, the training forward's after
        assertTrue(trainer.servedSeparately() > 0 && trainer.servedSeparately() < trainer.samplesConsumed() / 2,
                trainer.servedSeparately() + " of " + trainer.samplesConsumed());
    }

    /**
     * Scoring from the training pass (no separate inference pass) trains the same model bit for bit, and its
     * prequential AUC still tracks learning, close to the served score's.
     */
    @Test
    void trainingPassScoresTrainTheSameModelAndStillMeasureLearning() {
        StreamingSettings served = settings(0, 0.03);
        StreamingSettings pass = new StreamingSettings(served.model(), served.optimizer(), served.batchSize(),
                served.maxHistory(), served.publishEveryBatches(), served.publishEveryMs(), served.fullEveryMs(),
                served.maxChunkBytes(), served.metricsWindowMs(), served.expireEveryMs(),
                PrequentialScore.TRAINING_PASS, 1);
        StreamingTrainer a = new StreamingTrainer(served);
        StreamingTrainer b = new StreamingTrainer(pass);
        List<Sample> samples = PlantedSamples.generate(3200, 50, 400, 10, 8);
        List<Double> servedAuc = new java.util.ArrayList<>();
        List<Double> passAuc = new java.util.ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            feed(a, samples.get(i), i);
            feed(b, samples.get(i), i);
            if ((i + 1) % 800 == 0) {
                servedAuc.add(a.pollMetrics(i, true).getAuc());
                passAuc.add(b.pollMetrics(i, true).getAuc());
            }
        }
        System.out.println("prequential AUC per 800 samples, served " + servedAuc + ", training pass " + passAuc);
        assertArrayEquals(ModelFile.toBytes(a.model(), a.optimizer()), ModelFile.toBytes(b.model(), b.optimizer()));
        assertTrue(passAuc.get(3) > 0.7 && passAuc.get(3) > passAuc.get(0) + 0.05, "AUC per window " + passAuc);
        assertTrue(Math.abs(passAuc.get(3) - servedAuc.get(3)) < 0.05, servedAuc + " vs " + passAuc);
    }

    static void feed(StreamingTrainer trainer, Sample sample, long now) {
        trainer.add(sample);
        if (trainer.batchReady()) {
            trainer.trainBatch(now);
        }
    }
}
