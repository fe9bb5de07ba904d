package io.istream.trainer.offline;

import io.istream.trainer.eval.EvaluationResult;
import io.istream.trainer.eval.SliceEvaluation;
import java.util.Map;

/**
 * One epoch: training loss and speed, and the held-out metrics after it. Test metrics are computed every epoch but only
 * the selected epoch's (best validation AUC) are ever reported as the result.
 *
 * @param testSlices the test split's metrics by history length and by repeat or new candidate ({@link SliceEvaluation})
 */
public record EpochReport(int epoch, double trainLoss, double trainAuxLoss, long samples, double seconds,
                          long skippedBatches, EvaluationResult validation, EvaluationResult test,
                          Map<String, EvaluationResult> testSlices) {

    public double samplesPerSecond() {
        return seconds > 0 ? samples / seconds : 0;
    }
}
