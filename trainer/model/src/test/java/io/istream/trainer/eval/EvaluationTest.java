package io.istream.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.istream.trainer.data.Batch;
import org.junit.jupiter.api.Test;

class EvaluationTest {

    private static final double EXACT = 1e-12;

    private static Evaluation of(double[] scores, int[] labels, long[] groups) {
        Evaluation evaluation = new Evaluation();
        for (int i = 0; i < scores.length; i++) {
            evaluation.add(scores[i], labels[i], groups[i]);
        }
        return evaluation;
    }

    @Test
    void aucCountsCorrectlyOrderedPositiveNegativePairs() {
        // pairs (pos, neg): 0.35>0.1 yes, 0.35>0.4 no, 0.8>0.1 yes, 0.8>0.4 yes → 3/4
        Evaluation e = of(new double[] {0.1, 0.4, 0.35, 0.8}, new int[] {0, 0, 1, 1}, new long[] {1, 1, 1, 1});

        assertThat(e.auc()).isCloseTo(0.75, within(EXACT));
    }

    @Test
    void aTiedPositiveAndNegativeCountOneHalf() {
        // positives 0.5, 0.9; negatives 0.5, 0.5: 0.5 vs 0.5 twice → 2 · ½, 0.9 beats both → 2; (1 + 2) / 4
        Evaluation e = of(new double[] {0.5, 0.5, 0.5, 0.9}, new int[] {1, 0, 0, 1}, new long[] {1, 1, 1, 1});

        assertThat(e.auc()).isCloseTo(0.75, within(EXACT));
        // all tied: no information, exactly one half
        assertThat(of(new double[] {0.3, 0.3, 0.3}, new int[] {1, 0, 1}, new long[] {1, 2, 3}).auc())
                .isCloseTo(0.5, within(EXACT));
    }

    @Test
    void gaucWeightsEachGroupsAucByItsImpressionsAndSkipsSingleClassGroups() {
        // group 1 (3 impressions): the positive 0.9 beats 0.1 and 0.8 → AUC 1
        // group 2 (4 impressions): positives 0.2, 0.4; negatives 0.6, 0.4 → only 0.4 vs 0.4, a tie: ½ / 4 = 0.125
        // group 3: all positive, group 4: all negative → skipped, with their impressions
        // gAUC = (3 · 1 + 4 · 0.125) / (3 + 4) = 0.5; groups arrive interleaved
        Evaluation e = of(
                new double[] {0.9, 0.2, 0.3, 0.1, 0.6, 0.5, 0.8, 0.4, 0.7, 0.4},
                new int[] {1, 1, 1, 0, 0, 0, 0, 1, 1, 0},
                new long[] {1, 2, 3, 1, 2, 4, 1, 2, 3, 2});

        assertThat(e.gauc()).isCloseTo(0.5, within(EXACT));
    }

    @Test
    void gaucIsNaNWhenNoGroupHasBothClassesAndAucIsNaNWithOneClass() {
        Evaluation e = of(new double[] {0.9, 0.2, 0.3}, new int[] {1, 0, 1}, new long[] {1, 2, 3});

        assertThat(e.gauc()).isNaN();
        assertThat(e.auc()).isCloseTo(1.0, within(EXACT));
        assertThat(of(new double[] {0.9, 0.2}, new int[] {1, 1}, new long[] {1, 1}).auc()).isNaN();
        Evaluation empty = new Evaluation();
        assertThat(empty.auc()).isNaN();
        assertThat(empty.gauc()).isNaN();
        assertThat(empty.logloss()).isNaN();
        assertThat(empty.result().samples()).isZero();
    }

    @Test
    void loglossIsTheMeanCrossEntropyWithPClippedAwayFromZeroAndOne() {
        Evaluation e = of(new double[] {0.8, 0.3}, new int[] {1, 0}, new long[] {1, 1});
        assertThat(e.logloss()).isCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, within(EXACT));

        // a certain, wrong prediction costs −log(1e-7), not infinity; a certain, right one costs ~1e-7
        Evaluation clipped = of(new double[] {1.0, 0.0}, new int[] {0, 0}, new long[] {1, 1});
        assertThat(clipped.logloss()).isCloseTo((-Math.log(1e-7) - Math.log(1 - 1e-7)) / 2, within(1e-8));
        assertThat(clipped.logloss()).isCloseTo(8.059, within(1e-3));
    }

    @Test
    void resultHoldsEveryMetricWithCtrAndMeanPrediction() {
        Evaluation e = of(new double[] {0.1, 0.4, 0.35, 0.8}, new int[] {0, 0, 1, 1}, new long[] {1, 1, 2, 2});

        EvaluationResult r = e.result();

        assertThat(r.samples()).isEqualTo(4);
        assertThat(r.auc()).isCloseTo(0.75, within(EXACT));
        assertThat(r.gauc()).isNaN();   // each group is single-class
        assertThat(r.ctr()).isCloseTo(0.5, within(EXACT));
        assertThat(r.meanPrediction()).isCloseTo((0.1 + 0.4 + 0.35 + 0.8) / 4, within(EXACT));
        assertThat(r.logloss()).isCloseTo(e.logloss(), within(EXACT));
        assertThat(r.summary()).startsWith("n=4 AUC=0.7500 gAUC=NaN");
        e.clear();
        assertThat(e.size()).isZero();
    }

    @Test
    void addsABatchWithItsLabelsAndSampleKeysAsGroups() {
        Batch batch = new Batch(4, 1);
        batch.label[0] = 1f;
        batch.label[3] = 1f;
        batch.sampleKey[0] = 5;
        batch.sampleKey[1] = 5;
        batch.sampleKey[2] = 6;
        batch.sampleKey[3] = 6;

        Evaluation e = new Evaluation().add(batch, new float[] {0.9f, 0.2f, 0.7f, 0.6f});

        assertThat(e.size()).isEqualTo(4);
        assertThat(e.gauc()).isCloseTo(0.5, within(EXACT));   // group 5: AUC 1, group 6: AUC 0, both of 2
        assertThat(e.ctr()).isCloseTo(0.5, within(EXACT));
        assertThatThrownBy(() -> new Evaluation().add(batch, new double[] {0.5}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void growsPastItsInitialCapacity() {
        Evaluation e = new Evaluation();
        for (int i = 0; i < 5000; i++) {
            e.add(i % 2 == 0 ? 0.75 : 0.25, i % 2, i % 7);
        }
        // every positive scores below every negative
        assertThat(e.auc()).isCloseTo(0.0, within(EXACT));
        assertThat(e.gauc()).isCloseTo(0.0, within(EXACT));
        assertThat(e.size()).isEqualTo(5000);
    }

    @Test
    void rejectsScoresThatAreNotProbabilitiesAndLabelsOtherThanZeroOrOne() {
        Evaluation e = new Evaluation();

        assertThatThrownBy(() -> e.add(1.5, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> e.add(Double.NaN, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> e.add(0.5, 0.5, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(e.size()).isZero();
    }
}
