package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The float-precision exp, σ and tanh that FLOAT tensors use agree with the exact ones to float precision. */
class FloatKernelsTest {

    @Test
    void expFloatHasRelativeErrorBelowFloatEpsilon() {
        SplittableRandom random = new SplittableRandom(1);
        double worst = 0;
        for (int i = 0; i < 1_000_000; i++) {
            double x = random.nextDouble(-700, 700);
            worst = Math.max(worst, Math.abs(Activation.expFloat(x) / Math.exp(x) - 1));
        }
        for (double x : new double[] {0, -0.5 * Math.log(2), 0.5 * Math.log(2), 1e-12, -88, 88}) {
            worst = Math.max(worst, Math.abs(Activation.expFloat(x) / Math.exp(x) - 1));
        }
        assertThat(worst).isLessThan(1e-8);   // float's ε is 6e-8
    }

    @Test
    void sigmoidAndTanhMatchTheExactFunctionsEverywhere() {
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < 1_000_000; i++) {
            double x = random.nextDouble(-30, 30);
            assertThat(Activation.sigmoidFloat(x)).isCloseTo(Activation.sigmoid(x), within(1e-8));
            assertThat(Activation.tanhFloat(x)).isCloseTo(Activation.tanh(x), within(1e-8));
        }
        for (double x : new double[] {-1e300, -1000, -80, 80, 1000, 1e300}) {
            assertThat(Activation.sigmoidFloat(x)).isCloseTo(Activation.sigmoid(x), within(1e-30));
            assertThat(Activation.tanhFloat(x)).isCloseTo(Activation.tanh(x), within(1e-30));
        }
        assertThat(Activation.sigmoidFloat(Double.POSITIVE_INFINITY)).isEqualTo(1.0);
        assertThat(Activation.sigmoidFloat(Double.NEGATIVE_INFINITY)).isEqualTo(0.0, within(1e-34));
        // a non-finite input stays visible to the trainer's NaN guard
        assertThat(Activation.sigmoidFloat(Double.NaN)).isNaN();
        assertThat(Activation.tanhFloat(Double.NaN)).isNaN();
    }

    @Test
    void floatGruAgreesWithTheDoubleOneToFloatPrecision() {
        int batch = 8;
        int steps = 30;
        int in = 6;
        int hidden = 5;
        int[] lengths = {30, 29, 17, 1, 0, 30, 12, 5};
        for (CellKind kind : CellKind.values()) {
            Gru exact = new Gru("g", DataType.DOUBLE, kind, in, hidden, new Initializer(3));
            Gru fast = new Gru("g", DataType.FLOAT, kind, in, hidden, new Initializer(3));
            for (int p = 0; p < exact.params().size(); p++) {
                // the same parameters in both: the float ones, widened
                Tensor f = fast.params().get(p).value();
                Tensor d = exact.params().get(p).value();
                for (int i = 0; i < f.size(); i++) {
                    d.set(i, f.get(i));
                }
            }
            Tensor xd = Tensor.zeros(DataType.DOUBLE, steps * batch, in);
            Tensor xf = Tensor.zeros(DataType.FLOAT, steps * batch, in);
            Tensor ad = kind.usesAttention() ? Tensor.zeros(DataType.DOUBLE, steps * batch, 1) : null;
            Tensor af = kind.usesAttention() ? Tensor.zeros(DataType.FLOAT, steps * batch, 1) : null;
            SplittableRandom random = new SplittableRandom(4);
            for (int i = 0; i < xf.size(); i++) {
                xf.set(i, 3 * random.nextGaussian());   // wide pre-activations, both signs
                xd.set(i, xf.get(i));
            }
            for (int i = 0; af != null && i < af.size(); i++) {
                af.set(i, random.nextDouble());
                ad.set(i, af.get(i));
            }
            Tensor hd = exact.forward(xd, batch, steps, lengths, ad);
            Tensor hf = fast.forward(xf, batch, steps, lengths, af);
            double worst = 0;
            for (int i = 0; i < hd.size(); i++) {
                worst = Math.max(worst, Math.abs(hd.get(i) - hf.get(i)));
            }
            assertThat(worst).as(kind + ": largest |h_float − h_double| over 30 steps").isLessThan(2e-6);
        }
    }
}
