package io.istream.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScalingBenchTest {

    private static Map<String, Object> run(int replicas, double rate, double auc) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("replicas", replicas);
        r.put("samplesPerSecond", rate);
        r.put("samplesTrained", 100L);
        r.put("heldOutAuc", auc);
        return r;
    }

    @Test
    void ratiosAndDifferencesAreMediansOfEachRoundsOwn() {
        // a slow round halves both rates: its ratio is still 2, where a ratio of median rates would not be
        List<List<Map<String, Object>>> rounds = new ArrayList<>();
        rounds.add(new ArrayList<>(List.of(run(1, 1000, 0.70), run(2, 1800, 0.69))));
        rounds.add(new ArrayList<>(List.of(run(1, 500, 0.72), run(2, 1000, 0.72))));
        rounds.add(new ArrayList<>(List.of(run(1, 1100, 0.71), run(2, 1650, 0.70))));

        List<Map<String, Object>> m = ScalingBench.medians(rounds);

        assertThat(m).hasSize(2);
        assertThat(m.get(0)).containsEntry("replicas", 1).containsEntry("runs", 3).containsEntry("ratio", 1.0);
        assertThat((double) m.get(0).get("samplesPerSecond")).isEqualTo(1000);
        assertThat((double) m.get(1).get("samplesPerSecond")).isEqualTo(1650);
        assertThat((double) m.get(1).get("ratio")).isCloseTo(1.8, within(1e-12));    // of 1.8, 2.0, 1.5
        assertThat((double) m.get(1).get("heldOutAuc")).isCloseTo(0.70, within(1e-12));
        assertThat((double) m.get(1).get("heldOutAucDifference")).isCloseTo(-0.01, within(1e-12));  // −0.01, 0, −0.01
        assertThat((List<?>) m.get(1).get("rounds")).hasSize(3);
    }

    @Test
    void oneRoundKeepsItsRunsFigures() {
        Map<String, Object> first = run(1, 1000, 0.70);
        first.put("jobSeconds", 40.0);
        List<Map<String, Object>> m = ScalingBench.medians(List.of(List.of(first, run(2, 1500, 0.70))));

        assertThat(m.get(0)).containsEntry("jobSeconds", 40.0).doesNotContainKey("rounds");
        assertThat((double) m.get(1).get("ratio")).isEqualTo(1.5);
        assertThat((double) m.get(1).get("heldOutAucDifference")).isEqualTo(0.0);
    }
}
