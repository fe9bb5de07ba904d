package io.istream.trainer.offline;

import io.istream.trainer.eval.EvaluationResult;

/**
 * One epoch: training loss and speed, and the held-out metrics after it. Test metrics are computed every epoch but only
 * the selected epoch's (best validation AUC) are ever reported as the result.
 */
public record EpochReport(int epoch, double trainLoss, double trainAuxLoss, long samples, double seconds,
                          long skippedBatches, EvaluationResult validation, EvaluationResult test) {

    public double samplesPerSecond() {
        return seconds > 0 ? samples / seconds : 0;
    }
}
