package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/** The bulk helpers the layers use instead of element loops: row and column sums, ones, and reshaped reuse. */
class TensorTest {

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void columnSumsAndRowConstantsMatchElementLoops(DataType type) {
        int rows = 3001;   // more rows than one FLOAT chunk holds at this width
        int cols = 7;
        Tensor t = Tensor.zeros(type, rows, cols);
        new Initializer(5).normal(t, 1);
        Tensor sums = Tensor.zeros(type, 1, cols);
        sums.fill(0.5);
        t.addColumnSumsTo(sums);
        for (int c = 0; c < cols; c++) {
            double expected = 0.5;
            for (int r = 0; r < rows; r++) {
                expected += t.get(r, c);
            }
            assertThat(sums.get(c)).as("column " + c).isCloseTo(expected, within(1e-4));
        }
        Tensor perRow = Tensor.zeros(type, rows, 1);
        new Initializer(6).normal(perRow, 1);
        Tensor before = t.copy();
        t.addToRows(perRow);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                assertThat(t.get(r, c)).isCloseTo(before.get(r, c) + perRow.get(r), within(1e-6));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void onesStayOnesWhenReusedShorterOrTaller(DataType type) {
        Tensor ones = Tensor.ones(null, type, 10);
        for (int rows : new int[] {4, 10, 31, 2}) {
            ones = Tensor.ones(ones, type, rows);
            assertThat(ones.rows).isEqualTo(rows);
            assertThat(ones.toDoubleArray()).containsOnly(1.0);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void reuseAnyShapeSharesMemoryWhenItFitsAndGrowsWhenNot(DataType type) {
        Tensor a = Tensor.reuseAnyShape(null, type, 6, 10);     // 60 elements
        Tensor b = Tensor.reuseAnyShape(a, type, 12, 5);        // fits: the same memory, another shape
        b.set(11, 3.0);
        assertThat(a.get(11)).isEqualTo(3.0);
        assertThat(b.array.rows()).isEqualTo(12);
        assertThat(b.array.columns()).isEqualTo(5);
        Tensor c = Tensor.reuseAnyShape(b, type, 20, 5);        // 100 > 60: a new allocation
        c.set(11, 4.0);
        assertThat(a.get(11)).isEqualTo(3.0);
        // a product written through the reshaped view lands in its [rows, cols] places
        Tensor x = Tensor.zeros(type, 12, 1);
        Tensor y = Tensor.zeros(type, 1, 5);
        x.fill(2);
        y.fill(3);
        Gemm.multiply(x, false, y, false, b);
        assertThat(b.toDoubleArray()).containsOnly(6.0);
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void addScaledOverWholeTensorsAndFlatRanges(DataType type) {
        int n = 20_000;   // more than one FLOAT block
        Tensor a = Tensor.zeros(type, n, 1);
        Tensor b = Tensor.zeros(type, n, 1);
        new Initializer(7).normal(a, 1);
        new Initializer(8).normal(b, 1);
        Tensor before = a.copy();
        a.addScaled(b, 0.5);
        for (int i = 0; i < n; i++) {
            assertThat(a.get(i)).isCloseTo(before.get(i) + 0.5 * b.get(i), within(1e-6));
        }
        before = a.copy();
        a.addScaled(b, 100, 9_000, 10_001, -2.0);
        for (int i = 0; i < n; i++) {
            double expected = i >= 9_000 && i < 19_001 ? before.get(i) - 2.0 * b.get(i - 8_900) : before.get(i);
            assertThat(a.get(i)).as("element " + i).isCloseTo(expected, within(1e-5));
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void allFiniteFindsOneNanOrInfinityAnywhere(DataType type) {
        Tensor t = Tensor.zeros(type, 20_000, 1);
        new Initializer(9).normal(t, 1e30);   // huge but finite values stay finite
        assertThat(t.allFinite()).isTrue();
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            for (int at : new int[] {0, 8191, 8192, 19_999}) {
                double was = t.get(at);
                t.set(at, bad);
                assertThat(t.allFinite()).as(bad + " at " + at).isFalse();
                assertThat(t.allFinite(at)).as("only the elements before " + at).isTrue();
                t.set(at, was);
            }
        }
    }
}
