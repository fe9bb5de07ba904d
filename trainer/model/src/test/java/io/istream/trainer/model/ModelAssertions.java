package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.istream.trainer.updates.ModelTensors;
import java.util.Map;

/** Assertions on whole models, for the tests of every module that trains or rebuilds one. */
public final class ModelAssertions {
    private ModelAssertions() {
    }

    /**
     * Every dense tensor of {@code actual} equals {@code expected}'s, and every embedding table holds the same ids
     * with the same rows, each value within {@code tolerance} (0: bit for bit; float rounding when the same changes
     * were added in another order).
     */
    public static void assertSameParameters(CtrModel expected, CtrModel actual, double tolerance) {
        Map<String, Tensor> want = ModelTensors.denseTensors(expected);
        Map<String, Tensor> got = ModelTensors.denseTensors(actual);
        assertThat(got.keySet()).isEqualTo(want.keySet());
        for (String name : want.keySet()) {
            double[] x = want.get(name).toDoubleArray();
            double[] y = got.get(name).toDoubleArray();
            for (int i = 0; i < x.length; i++) {
                assertThat(y[i]).as("%s[%d]", name, i).isCloseTo(x[i], within(tolerance));
            }
        }
        for (int k = 0; k < expected.tables().size(); k++) {
            EmbeddingTable a = expected.tables().get(k);
            EmbeddingTable b = actual.tables().get(k);
            assertThat(admitted(b)).as("table %s: the same admitted ids", a.name).isEqualTo(admitted(a));
            a.forEachId((id, count, lastSeen, row) -> {
                if (row == EmbeddingTable.UNKNOWN_ROW) {
                    return;   // pending admission: no row of its own yet
                }
                int other = b.resolve(id);
                assertThat(other).as("table %s id %d has a row", a.name, id).isNotEqualTo(EmbeddingTable.UNKNOWN_ROW);
                for (int j = 0; j < a.dim; j++) {
                    assertThat(b.values().get(other * b.dim + j)).as("table %s id %d [%d]", a.name, id, j)
                            .isCloseTo(a.values().get(row * a.dim + j), within(tolerance));
                }
            });
        }
    }

    private static int admitted(EmbeddingTable table) {
        int[] n = {0};
        table.forEachId((id, count, lastSeen, row) -> n[0] += row == EmbeddingTable.UNKNOWN_ROW ? 0 : 1);
        return n[0];
    }
}
