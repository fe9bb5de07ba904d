package io.istream.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExactAucTest {

    /** The definition: the share of (positive, negative) pairs ranked right, a tie counting one half. */
    private static double bruteForce(double[] scores, boolean[] labels) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < scores.length; i++) {
            for (int j = 0; j < scores.length; j++) {
                if (labels[i] && !labels[j]) {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
            }
        }
        return wins / pairs;
    }

    @Test
    void agreesWithThePairCountOnRandomScoresWithManyTies() {
        SplittableRandom random = new SplittableRandom(1);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + random.nextInt(60);
            double[] scores = new double[n];
            boolean[] labels = new boolean[n];
            for (int i = 0; i < n; i++) {
                scores[i] = random.nextInt(1 + trial % 8);   // few distinct values: ties everywhere
                labels[i] = random.nextDouble() < 0.4;
            }
            labels[0] = true;
            labels[1] = false;
            assertThat(ExactAuc.of(scores, labels)).isCloseTo(bruteForce(scores, labels), within(1e-12));
        }
    }

    @Test
    void knownValues() {
        assertThat(ExactAuc.of(new double[] {0.9, 0.1}, new boolean[] {true, false})).isEqualTo(1.0);
        assertThat(ExactAuc.of(new double[] {0.1, 0.9}, new boolean[] {true, false})).isEqualTo(0.0);
        assertThat(ExactAuc.of(new double[] {0.5, 0.5}, new boolean[] {true, false})).isEqualTo(0.5);
        assertThat(ExactAuc.of(new double[] {0.8, 0.4, 0.6, 0.2}, new boolean[] {true, true, false, false}))
                .isEqualTo(0.75);
        assertThat(ExactAuc.of(new double[] {0.3, 0.7}, new boolean[] {true, true})).isNaN();
    }
}
