package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;

/** The BLAS path agrees with the plain-Java reference kernel, for every transpose, α, β and a prefix-row view. */
class GemmTest {

    @ParameterizedTest
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void blasAgreesWithTheReference(boolean ta, boolean tb) {
        Initializer init = new Initializer(3);
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            int m = 7;
            int k = 5;
            int n = 9;
            Tensor a = Tensor.zeros(type, ta ? k : m, ta ? m : k);
            Tensor b = Tensor.zeros(type, tb ? n : k, tb ? k : n);
            init.normal(a, 1);
            init.normal(b, 1);
            // C is a prefix view of a taller allocation, as the model's reused buffers are
            Tensor tall = Tensor.zeros(type, 20, n);
            Tensor c = Tensor.reuse(Tensor.reuse(tall, type, 20, n), type, m, n);
            Tensor expected = Tensor.zeros(type, m, n);
            init.normal(c, 1);
            expected.copyFrom(c, 0, 0, m * n);
            Gemm.gemm(a, ta, b, tb, c, 0.7, 0.3);
            Gemm.reference(a, ta, b, tb, expected, 0.7, 0.3);
            double tolerance = type == DataType.DOUBLE ? 1e-12 : 1e-5;
            assertThat(c.toDoubleArray()).containsExactly(expected.toDoubleArray(), within(tolerance));
        }
    }

    @ParameterizedTest
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void aPlannedProductRunsOnTheTensorsCurrentContents(boolean ta, boolean tb) {
        Initializer init = new Initializer(4);
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            int m = 6;
            int k = 4;
            int n = 11;
            Tensor a = Tensor.zeros(type, ta ? k : m, ta ? m : k);
            Tensor b = Tensor.reuseAnyShape(Tensor.zeros(type, 3, 50), type, tb ? n : k, tb ? k : n);  // a view
            Tensor c = Tensor.zeros(type, m, n);
            Tensor expected = Tensor.zeros(type, m, n);
            Gemm.Plan plan = Gemm.plan(a, ta, b, tb, c);
            assertThat(plan.isFor(a, ta, b, tb, c)).isTrue();
            assertThat(plan.isFor(a, !ta, b, tb, c)).isFalse();
            for (int round = 0; round < 3; round++) {
                init.normal(a, 1);
                init.normal(b, 1);
                plan.run();
                Gemm.multiply(a, ta, b, tb, expected);
                assertThat(c.toDoubleArray()).as("round " + round).containsExactly(expected.toDoubleArray());
            }
        }
    }
}
