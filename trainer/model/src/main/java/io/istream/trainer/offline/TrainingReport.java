package io.istream.trainer.offline;

import io.istream.trainer.eval.EvaluationResult;
import java.util.List;

/** The whole run: every epoch, and the epoch selected on validation AUC (never on test). */
public record TrainingReport(List<EpochReport> epochs, int selectedEpoch) {

    public EpochReport selected() {
        return epochs.get(selectedEpoch - 1);
    }

    public EvaluationResult test() {
        return selected().test();
    }

    public double meanSamplesPerSecond() {
        long n = 0;
        double s = 0;
        for (EpochReport e : epochs) {
            n += e.samples();
            s += e.seconds();
        }
        return s > 0 ? n / s : 0;
    }
}
