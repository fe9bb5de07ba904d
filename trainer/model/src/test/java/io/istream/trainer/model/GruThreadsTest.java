package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.istream.trainer.data.Batch;
import io.istream.trainer.data.Batches;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A GRU whose batch is cut into two row ranges on two threads, and a DIEN model whose GRUs and auxiliary net use
 * two threads, compute what one thread does. Not bit for bit in FLOAT: BLAS sums a row's products in another order
 * when the matrix has half the rows, so results agree to float rounding (about 1e-7), and in DOUBLE to 1e-15.
 */
class GruThreadsTest {

    @Test
    void dienWithTwoThreadsTrainsLikeOne() {
        // B 32, T 12: the auxiliary net's first σ layer has 2·11·32·100 = 70,400 elements, enough to be halved
        Batch batch = Batches.synthetic(32, 12, false, 500, 20, 3);
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            ModelConfig config = ModelConfig.paper(ModelKind.DIEN).dataType(type).build();
            CtrModel one = new CtrModel(config, 2);
            CtrModel two = new CtrModel(config, 2);
            two.setThreads(2);
            Optimizer stepOne = new Optimizer(OptimizerConfig.adam(1e-3), one);
            Optimizer stepTwo = new Optimizer(OptimizerConfig.adam(1e-3), two);
            for (int step = 0; step < 3; step++) {
                double lossOne = one.forward(batch, true);
                double lossTwo = two.forward(batch, true);
                assertThat(lossTwo).as(type + " loss at step " + step).isCloseTo(lossOne, within(tolerance(type)));
                one.backward();
                two.backward();
                stepOne.step();
                stepTwo.step();
            }
            for (int p = 0; p < one.params().size(); p++) {
                assertSame(type + " " + one.params().get(p).name(), one.params().get(p).value(),
                        two.params().get(p).value());
            }
            one.forward(batch, false);
            two.forward(batch, false);
            double[] pOne = one.probabilities();
            double[] pTwo = two.probabilities();
            assertThat(pTwo).hasSameSizeAs(pOne);
            for (int i = 0; i < pOne.length; i++) {
                assertThat(pTwo[i]).as(type + " inference, sample " + i).isCloseTo(pOne[i], within(tolerance(type)));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(CellKind.class)
    void twoThreadsGiveTheSameStatesAndGradientsAsOne(CellKind kind) {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            int batch = 32;
            int steps = 12;
            int in = 36;
            int hidden = 36;
            SplittableRandom random = new SplittableRandom(9);
            int[] lengths = new int[batch];
            for (int s = 0; s < batch; s++) {
                lengths[s] = random.nextInt(steps + 1);   // empty, partial and full histories
            }
            Tensor x = Tensor.zeros(type, steps * batch, in);
            fill(x, random, 2);
            Tensor attention = kind.usesAttention() ? Tensor.zeros(type, steps * batch, 1) : null;
            if (attention != null) {
                for (int i = 0; i < attention.size(); i++) {
                    attention.set(i, random.nextDouble());
                }
            }
            Tensor dHidden = Tensor.zeros(type, steps * batch, hidden);
            fill(dHidden, random, 1);
            Tensor dLast = Tensor.zeros(type, batch, hidden);
            fill(dLast, random, 1);

            Gru one = new Gru("g", type, kind, in, hidden, new Initializer(5));
            Gru two = new Gru("g", type, kind, in, hidden, new Initializer(5));
            two.threads(2);
            Tensor hOne = one.forward(x, batch, steps, lengths, attention).copy();
            Tensor hTwo = two.forward(x, batch, steps, lengths, attention).copy();
            assertSame(kind + " " + type + " h", hOne, hTwo);
            assertSame(kind + " " + type + " last", one.last(), two.last());
            Tensor dxOne = one.backward(dHidden, dLast).copy();
            Tensor dxTwo = two.backward(dHidden, dLast).copy();
            assertSame(kind + " " + type + " dx", dxOne, dxTwo);
            assertSame(kind + " " + type + " da", one.dAttention(), two.dAttention());
            for (int p = 0; p < one.params().size(); p++) {
                Param a = one.params().get(p);
                assertSame(kind + " " + type + " d" + a.name(), a.grad(), two.params().get(p).grad());
            }
        }
    }

    private static void fill(Tensor t, SplittableRandom random, double std) {
        for (int i = 0; i < t.size(); i++) {
            t.set(i, std * random.nextGaussian());
        }
    }

    private static double tolerance(DataType type) {
        return type == DataType.FLOAT ? 2e-5 : 1e-12;
    }

    /** Largest element difference within the dtype's tolerance, relative to the tensor's largest magnitude. */
    private static void assertSame(String what, Tensor expected, Tensor actual) {
        assertThat(actual.size()).as(what).isEqualTo(expected.size());
        double worst = 0;
        double scale = 1e-30;
        for (int i = 0; i < expected.size(); i++) {
            worst = Math.max(worst, Math.abs(expected.get(i) - actual.get(i)));
            scale = Math.max(scale, Math.abs(expected.get(i)));
        }
        assertThat(worst / scale).as(what + ": largest difference over largest magnitude " + scale)
                .isLessThan(tolerance(expected.type()));
    }
}
