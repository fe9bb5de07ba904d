package io.istream.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.istream.avro.ReplicaDelta;
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

    private static ReplicaDelta delta(int replica, long createdAtMs, long newestSampleTimeMs, boolean last) {
        return ReplicaDelta.newBuilder().setRun("r").setReplica(replica).setReplicas(2).setInterval(1).setSequence(1)
                .setChunkIndex(0).setChunkCount(1).setLast(last).setCreatedAtMs(createdAtMs).setRows(List.of())
                .setDense(List.of()).setNewestSampleTimeMs(newestSampleTimeMs).build();
    }

    @Test
    void eventTimeSpreadIsTheGapBetweenTheReplicasNewestLabelTimesWhileAllTrain() {
        List<ReplicaDelta> deltas = List.of(   // shuffled: the spread follows the send times
                delta(1, 30, 2_000, false),
                delta(0, 10, 1_000, false),    // replica 1 has not reported: no gap yet
                delta(0, 40, 1_500, false),    // gaps in send order: 1000, 500, 2500
                delta(1, 20, 1_100, false),
                delta(1, 50, 4_000, false),
                delta(1, 60, 9_000, true),     // replica 1's input ended: the gap from here on is not counted
                delta(0, 70, 1_600, false));

        double[] spread = ScalingBench.eventTimeSpread(deltas, 2, t -> t);

        assertThat(spread).hasSize(2);
        assertThat(spread[0]).isEqualTo(750.0);    // gaps 100 (t=20), 1000 (t=30), 500 (t=40), 2500 (t=50)
        assertThat(spread[1]).isEqualTo(2_500.0);
        assertThat(ScalingBench.eventTimeSpread(List.of(delta(0, 1, 5, false)), 2, t -> t)[0]).isNaN();
    }

    @Test
    void shareAtOrBeforeCountsTiesAndGaps() {
        long[] times = {10, 20, 20, 30};
        assertThat(ScalingBench.shareAtOrBefore(times, 5)).isEqualTo(0.0);
        assertThat(ScalingBench.shareAtOrBefore(times, 20)).isEqualTo(0.75);
        assertThat(ScalingBench.shareAtOrBefore(times, 25)).isEqualTo(0.75);
        assertThat(ScalingBench.shareAtOrBefore(times, 30)).isEqualTo(1.0);
    }
}
