package io.istream.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.trainer.data.Batch;
import org.junit.jupiter.api.Test;

class SliceEvaluationTest {

    @Test
    void samplesGoToTheirLengthSliceAndToRepeatOrNew() {
        Batch b = new Batch(4, 6);
        int[] lengths = {2, 2, 6, 6};
        for (int s = 0; s < 4; s++) {
            b.historyLength[s] = lengths[s];
            b.label[s] = s % 2;
            b.sampleKey[s] = s / 2;
            for (int t = 0; t < lengths[s]; t++) {
                b.historyItem[s * 6 + t] = 100 + t;
            }
            b.targetItem[s] = 1;
        }
        b.targetItem[3] = 103;           // a repeat of its own 4th behaviour
        b.historyItem[1 * 6 + 4] = 1;    // padding that holds the candidate's id: not a repeat
        SliceEvaluation slices = new SliceEvaluation().add(b, new double[] {0.2, 0.9, 0.4, 0.3});
        var results = slices.results();
        assertThat(results.keySet()).containsExactly("history 1-4", "history 5-9", "repeat", "new");
        assertThat(results.get("history 1-4").samples()).isEqualTo(2);
        assertThat(results.get("history 1-4").auc()).isEqualTo(1.0);
        assertThat(results.get("history 5-9").auc()).isEqualTo(0.0);
        assertThat(results.get("repeat").samples()).isEqualTo(1);
        assertThat(results.get("new").samples()).isEqualTo(3);
    }
}
