package io.istream.trainer.streaming;

import io.istream.avro.Metrics;
import io.istream.trainer.data.Batch;
import io.istream.trainer.eval.Evaluation;
import io.istream.trainer.eval.EvaluationResult;

/**
 * The prequential metrics of one window of processing time: the scores each sample got before its batch trained,
 * with their labels, and how many samples trained in the window. {@link #poll} closes the window into a
 * {@link Metrics} record and opens the next.
 */
final class PrequentialWindow {
    private final Evaluation scores = new Evaluation();
    private final long windowMs;
    private long startMs = Long.MIN_VALUE;
    private long trained;

    PrequentialWindow(long windowMs) {
        this.windowMs = windowMs;
    }

    /** Opens the first window at the first batch. */
    void open(long nowMs) {
        if (startMs == Long.MIN_VALUE) {
            startMs = nowMs;
        }
    }

    /** The scores (probabilities, [batch.size]) the batch's samples got before it trained; non-finite ones skipped. */
    void add(Batch batch, double[] probabilities) {
        for (int b = 0; b < batch.size; b++) {
            double p = probabilities[b];
            if (Double.isFinite(p)) {
                scores.add(p, batch.label[b], batch.sampleKey[b]);
            }
        }
    }

    void trained(int samples) {
        trained += samples;
    }

    /**
     * The window's metrics when it has lasted the window's length (or when forced), else null; the trainer's totals
     * go in as they stand.
     */
    Metrics poll(long nowMs, boolean force, long version, long samplesTrained, long skippedBatches) {
        if (startMs == Long.MIN_VALUE || !force && nowMs - startMs < windowMs) {
            return null;
        }
        EvaluationResult r = scores.result();
        double seconds = Math.max(1, nowMs - startMs) / 1000.0;
        Metrics m = Metrics.newBuilder()
                .setWindowStartMs(startMs)
                .setWindowEndMs(nowMs)
                .setSamples(r.samples())
                .setPositives(Math.round(r.ctr() * r.samples()))
                .setAuc(finiteOrNull(r.auc()))
                .setGauc(finiteOrNull(r.gauc()))
                .setLogloss(finiteOrNull(r.logloss()))
                .setSamplesPerSecond(trained / seconds)
                .setModelVersion(version)
                .setCtr(r.samples() > 0 ? r.ctr() : null)
                .setMeanPctr(r.samples() > 0 ? r.meanPrediction() : null)
                .setSamplesTrained(samplesTrained)
                .setSkippedBatches(skippedBatches)
                .build();
        scores.clear();
        trained = 0;
        startMs = nowMs;
        return m;
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
