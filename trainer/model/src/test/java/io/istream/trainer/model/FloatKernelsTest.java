package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/** The float-precision σ, tanh and GRU that FLOAT tensors use agree with the exact ones to float precision. */
class FloatKernelsTest {

    @Test
    void sigmoidAndTanhMatchTheExactFunctionsToFloatPrecision() {
        SplittableRandom random = new SplittableRandom(2);
        double worstTanh = 0;
        double worstSigmoid = 0;
        for (int i = 0; i < 1_000_000; i++) {
            float x = (float) random.nextDouble(-40, 40);
            worstTanh = Math.max(worstTanh, Math.abs(FloatKernels.tanh(x) - Math.tanh(x)));
            worstSigmoid = Math.max(worstSigmoid, Math.abs(FloatKernels.sigmoid(x) - Activation.sigmoid(x)));
        }
        assertThat(worstTanh).isLessThan(3.5e-7);      // ops/experiments/fit_tanh.py: 3.2e-7
        assertThat(worstSigmoid).isLessThan(2.5e-7);   // half of tanh's, plus the rounding of 0.5 + 0.5·t
        assertThat(FloatKernels.tanh(0f)).isEqualTo(0f);
        assertThat(FloatKernels.sigmoid(0f)).isEqualTo(0.5f);
        for (float x : new float[] {-1e30f, -1000, -9, 9, 1000, 1e30f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}) {
            assertThat((double) FloatKernels.tanh(x)).isCloseTo(Math.tanh(x), within(3.5e-7));
            assertThat(FloatKernels.tanh(x)).isBetween(-1f, 1f);
            assertThat(FloatKernels.sigmoid(x)).isBetween(0f, 1f);
        }
        // a non-finite input stays visible to the trainer's NaN guard
        assertThat(FloatKernels.sigmoid(Float.NaN)).isNaN();
        assertThat(FloatKernels.tanh(Float.NaN)).isNaN();
    }

    /** Dice's FLOAT planes (forward and backward, batch statistics or moving ones) against the exact DOUBLE layer. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void floatDiceAgreesWithTheDoubleLayer(boolean training) {
        int n = 37;
        int c = 23;
        SplittableRandom random = new SplittableRandom(9);
        Dice exact = (Dice) Activation.of("dice", DataType.DOUBLE, ActivationKind.DICE, c);
        Dice single = (Dice) Activation.of("dice", DataType.FLOAT, ActivationKind.DICE, c);
        Tensor sExact = Tensor.zeros(DataType.DOUBLE, n, c);
        Tensor sSingle = Tensor.zeros(DataType.FLOAT, n, c);
        Tensor dyExact = Tensor.zeros(DataType.DOUBLE, n, c);
        Tensor dySingle = Tensor.zeros(DataType.FLOAT, n, c);
        for (int i = 0; i < n * c; i++) {
            float s = (float) (2 * random.nextGaussian() + 0.5);
            float dy = (float) random.nextGaussian();
            sExact.set(i, s);
            sSingle.set(i, s);
            dyExact.set(i, dy);
            dySingle.set(i, dy);
        }
        for (int j = 0; j < c; j++) {
            float a = (float) random.nextDouble(-0.5, 0.5);
            exact.alpha.value().set(j, a);
            single.alpha.value().set(j, a);
            float mean = (float) random.nextGaussian();
            float var = (float) random.nextDouble(0.5, 3);
            exact.movingMean.set(j, mean);
            single.movingMean.set(j, mean);
            exact.movingVar.set(j, var);
            single.movingVar.set(j, var);
        }
        Tensor yExact = exact.forward(sExact, training);
        Tensor ySingle = single.forward(sSingle, training);
        Tensor dsExact = exact.backward(dyExact);
        Tensor dsSingle = single.backward(dySingle);
        for (int i = 0; i < n * c; i++) {
            assertThat(ySingle.get(i)).as("f %d", i).isCloseTo(yExact.get(i), within(2e-5 * (1 + Math.abs(yExact.get(i)))));
            assertThat(dsSingle.get(i)).as("ds %d", i).isCloseTo(dsExact.get(i), within(2e-5 * (1 + Math.abs(dsExact.get(i)))));
        }
        for (int j = 0; j < c; j++) {
            double da = exact.alpha.grad().get(j);
            assertThat(da).isNotZero();
            assertThat(single.alpha.grad().get(j)).as("dα %d", j).isCloseTo(da, within(2e-5 * (1 + Math.abs(da))));
        }
    }

    @Test
    void theArrayLoopsComputeWhatTheScalarFunctionsDo() {
        int n = 1000;
        SplittableRandom random = new SplittableRandom(5);
        float[] a = new float[n];
        float[] b = new float[n];
        float[] c = new float[n];
        float[] alpha = new float[n];
        float[] beta = new float[n];
        for (int k = 0; k < n; k++) {
            a[k] = (float) (4 * random.nextGaussian());
            b[k] = (float) (4 * random.nextGaussian());
            c[k] = (float) random.nextGaussian();
            alpha[k] = (float) random.nextDouble();
            beta[k] = (float) random.nextDouble();
        }
        float[] out = new float[n];
        FloatKernels.sigmoidOfSum(a, b, out, n);
        for (int k = 0; k < n; k++) {
            assertThat(out[k]).isEqualTo(FloatKernels.sigmoid(a[k] + b[k]));
        }
        FloatKernels.candidate(a, b, c, out, n);
        for (int k = 0; k < n; k++) {
            assertThat(out[k]).isEqualTo(FloatKernels.tanh(a[k] + b[k] * c[k]));
        }
        FloatKernels.interpolate(a, b, c, alpha, beta, out, n);
        for (int k = 0; k < n; k++) {
            float z = alpha[k] + beta[k] * b[k];
            assertThat((double) out[k]).isCloseTo((1 - z) * a[k] + z * c[k], within(1e-5));
        }
        float[] zero = new float[n];
        FloatKernels.interpolate(a, b, c, zero, zero, out, n);
        assertThat(out).as("z = 0, a padded step, keeps h_{t−1} exactly").containsExactly(a);
        float[] copy = a.clone();
        FloatKernels.sigmoidInPlace(copy, n);
        for (int k = 0; k < n; k++) {
            assertThat(copy[k]).isEqualTo(FloatKernels.sigmoid(a[k]));
        }
        float[] plane = new float[6];
        FloatKernels.spreadRows(new float[] {9, 7, 8}, 1, 2, 3, plane);
        assertThat(plane).containsExactly(7, 7, 7, 8, 8, 8);
        float[] tiled = {1, 2, 3, 0, 0, 0, 0, 0, 0};
        FloatKernels.tile(tiled, 3, 3, tiled);
        assertThat(tiled).containsExactly(1, 2, 3, 1, 2, 3, 1, 2, 3);
        float[] into = new float[4];
        FloatKernels.tile(new float[] {7, 8}, 2, 2, into);
        assertThat(into).containsExactly(7, 8, 7, 8);
        float[] t = new float[6];
        FloatKernels.transpose(new float[] {1, 2, 3, 4, 5, 6}, 2, 3, t);
        assertThat(t).containsExactly(1, 4, 2, 5, 3, 6);
    }

    private static final int BATCH = 8;
    private static final int STEPS = 30;
    private static final int IN = 6;
    private static final int HIDDEN = 5;
    private static final int[] LENGTHS = {30, 29, 17, 1, 0, 30, 12, 5};

    /** A GRU of {@code type} with the float GRU's parameters (seed 3), widened for DOUBLE. */
    private static Gru gru(DataType type, CellKind kind) {
        Gru fast = new Gru("g", DataType.FLOAT, kind, IN, HIDDEN, new Initializer(3));
        if (type == DataType.FLOAT) {
            return fast;
        }
        Gru exact = new Gru("g", DataType.DOUBLE, kind, IN, HIDDEN, new Initializer(3));
        for (int p = 0; p < exact.params().size(); p++) {
            copy(fast.params().get(p).value(), exact.params().get(p).value());
        }
        return exact;
    }

    private static void copy(Tensor from, Tensor to) {
        for (int i = 0; i < from.size(); i++) {
            to.set(i, from.get(i));
        }
    }

    /** [rows, cols] of {@code type}, filled from {@code seed}: the same values for FLOAT and DOUBLE. */
    private static Tensor random(DataType type, int rows, int cols, long seed, double scale, boolean uniform) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(type, rows, cols);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, (float) (uniform ? random.nextDouble() : scale * random.nextGaussian()));
        }
        return t;
    }

    private static double worstDifference(Tensor a, Tensor b) {
        double worst = 0;
        for (int i = 0; i < a.size(); i++) {
            worst = Math.max(worst, Math.abs(a.get(i) - b.get(i)));
        }
        return worst;
    }

    private static double largest(Tensor a) {
        double largest = 0;
        for (int i = 0; i < a.size(); i++) {
            largest = Math.max(largest, Math.abs(a.get(i)));
        }
        return largest;
    }

    /** One sample (the scorer's history), where the recurrent product is a Java mat-vec instead of BLAS. */
    @ParameterizedTest
    @EnumSource(CellKind.class)
    void floatGruOfOneSampleAgreesWithTheDoubleOne(CellKind kind) {
        for (int length : new int[] {STEPS, 17}) {
            Gru exact = gru(DataType.DOUBLE, kind);
            Gru fast = gru(DataType.FLOAT, kind);
            int[] lengths = {length};
            Map<DataType, Tensor> x = new HashMap<>();
            Map<DataType, Tensor> a = new HashMap<>();
            for (DataType type : List.of(DataType.DOUBLE, DataType.FLOAT)) {
                x.put(type, random(type, STEPS, IN, 14, 3, false));
                a.put(type, kind.usesAttention() ? random(type, STEPS, 1, 15, 1, true) : null);
            }
            Tensor hd = exact.forward(x.get(DataType.DOUBLE), 1, STEPS, lengths, a.get(DataType.DOUBLE));
            Tensor hf = fast.forward(x.get(DataType.FLOAT), 1, STEPS, lengths, a.get(DataType.FLOAT));
            assertThat(worstDifference(hd, hf)).as(kind + ", length " + length).isLessThan(2e-6);
            assertThat(worstDifference(exact.last(), fast.last())).as(kind + " last state").isLessThan(2e-6);
            Tensor dLastD = random(DataType.DOUBLE, 1, HIDDEN, 16, 1, false);
            Tensor dLastF = random(DataType.FLOAT, 1, HIDDEN, 16, 1, false);
            Tensor dxd = exact.backward(null, dLastD);
            Tensor dxf = fast.backward(null, dLastF);
            assertThat(worstDifference(dxd, dxf)).as(kind + " dL/dx").isLessThan(1e-5 * (1 + largest(dxd)));
        }
        float[] out = new float[3];
        FloatKernels.vectorTimesMatrix(new float[] {1, 2}, new float[] {1, 2, 3, 4, 5, 6}, 2, 3, out);
        assertThat(out).containsExactly(9, 12, 15);
    }

    @ParameterizedTest
    @EnumSource(CellKind.class)
    void floatGruAgreesWithTheDoubleOneToFloatPrecision(CellKind kind) {
        for (int threads = 1; threads <= 2; threads++) {
            Gru exact = gru(DataType.DOUBLE, kind);
            Gru fast = gru(DataType.FLOAT, kind);
            fast.threads(threads);
            int rows = STEPS * BATCH;
            Map<DataType, Tensor> x = new HashMap<>();
            Map<DataType, Tensor> a = new HashMap<>();
            Map<DataType, Tensor> dHidden = new HashMap<>();
            Map<DataType, Tensor> dLast = new HashMap<>();
            for (DataType type : List.of(DataType.DOUBLE, DataType.FLOAT)) {
                x.put(type, random(type, rows, IN, 4, 3, false));   // wide pre-activations, both signs
                a.put(type, kind.usesAttention() ? random(type, rows, 1, 5, 1, true) : null);
                dHidden.put(type, random(type, rows, HIDDEN, 6, 1, false));
                dLast.put(type, random(type, BATCH, HIDDEN, 7, 1, false));
            }
            Tensor hd = exact.forward(x.get(DataType.DOUBLE), BATCH, STEPS, LENGTHS, a.get(DataType.DOUBLE));
            Tensor hf = fast.forward(x.get(DataType.FLOAT), BATCH, STEPS, LENGTHS, a.get(DataType.FLOAT));
            String what = kind + ", " + threads + " thread(s): ";
            assertThat(worstDifference(hd, hf)).as(what + "largest |h_float − h_double| over 30 steps")
                    .isLessThan(2e-6);
            assertThat(worstDifference(exact.last(), fast.last())).as(what + "last state").isLessThan(2e-6);

            Tensor dxd = exact.backward(dHidden.get(DataType.DOUBLE), dLast.get(DataType.DOUBLE));
            Tensor dxf = fast.backward(dHidden.get(DataType.FLOAT), dLast.get(DataType.FLOAT));
            assertThat(worstDifference(dxd, dxf)).as(what + "dL/dx").isLessThan(1e-5 * (1 + largest(dxd)));
            if (kind.usesAttention()) {
                assertThat(worstDifference(exact.dAttention(), fast.dAttention())).as(what + "dL/da")
                        .isLessThan(1e-5 * (1 + largest(exact.dAttention())));
            }
            for (int p = 0; p < exact.params().size(); p++) {
                Tensor gd = exact.params().get(p).grad();
                Tensor gf = fast.params().get(p).grad();
                assertThat(worstDifference(gd, gf)).as(what + exact.params().get(p).name())
                        .isLessThan(1e-5 * (1 + largest(gd)));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = "AIGRU", mode = EnumSource.Mode.EXCLUDE)
    void oneSharedInputSequenceGivesTheStatesOfTheTiledInput(CellKind kind) {
        int rows = STEPS * BATCH;
        int[] lengths = {30, 30, 30, 30, 30, 30, 30, 30};
        for (DataType type : List.of(DataType.DOUBLE, DataType.FLOAT)) {
            for (int threads = 1; threads <= 2; threads++) {
                Tensor sequence = random(type, STEPS, IN, 8, 2, false);
                Tensor tiled = Tensor.zeros(type, rows, IN);
                for (int t = 0; t < STEPS; t++) {
                    for (int s = 0; s < BATCH; s++) {
                        tiled.copyFrom(sequence, t * IN, (t * BATCH + s) * IN, IN);
                    }
                }
                Tensor attention = kind.usesAttention() ? random(type, rows, 1, 9, 1, true) : null;
                Gru gru = gru(type, kind);
                gru.threads(threads);
                Tensor expected = gru.forward(tiled, BATCH, STEPS, lengths, attention).copy();
                Tensor expectedLast = gru.last().copy();
                Tensor shared = gru.forwardShared(sequence, BATCH, STEPS, lengths, attention);
                String what = kind + " " + type + ", " + threads + " thread(s)";
                // the same products summed in the same order: equal up to the bias folded in before or after tiling
                assertThat(worstDifference(expected, shared)).as(what).isLessThan(1e-6);
                assertThat(worstDifference(expectedLast, gru.last())).as(what + ", last").isLessThan(1e-6);
                assertThatThrownBy(() -> gru.backward(null, expectedLast)).isInstanceOf(IllegalStateException.class);
            }
        }
        Gru aigru = gru(DataType.FLOAT, CellKind.AIGRU);
        assertThatThrownBy(() -> aigru.forwardShared(Tensor.zeros(DataType.FLOAT, STEPS, IN), BATCH, STEPS, lengths,
                Tensor.zeros(DataType.FLOAT, rows, 1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anInferenceForwardCannotBeBackPropagated() {
        Gru gru = gru(DataType.FLOAT, CellKind.GRU);
        Tensor x = random(DataType.FLOAT, STEPS * BATCH, IN, 1, 1, false);
        gru.forward(x, BATCH, STEPS, LENGTHS, null, false);
        assertThatThrownBy(() -> gru.backward(null, Tensor.zeros(DataType.FLOAT, BATCH, HIDDEN)))
                .isInstanceOf(IllegalStateException.class);
        gru.forward(x, BATCH, STEPS, LENGTHS, null, true);
        assertThat(gru.backward(null, Tensor.zeros(DataType.FLOAT, BATCH, HIDDEN)).rows).isEqualTo(STEPS * BATCH);
    }

    @Test
    void anInferenceForwardForTheLastStateOnlyGivesTheSameLastState() {
        for (CellKind kind : CellKind.values()) {
            Gru gru = gru(DataType.FLOAT, kind);
            Tensor x = random(DataType.FLOAT, STEPS * BATCH, IN, 1, 2, false);
            Tensor a = kind.usesAttention() ? random(DataType.FLOAT, STEPS * BATCH, 1, 2, 1, true) : null;
            gru.forward(x, BATCH, STEPS, LENGTHS, a, false);
            Tensor expected = gru.last().copy();
            gru.lastStateOnly(true);
            assertThat(gru.forward(x, BATCH, STEPS, LENGTHS, a, false)).as("no per-step states").isNull();
            assertThat(gru.last().toDoubleArray()).as(kind.name()).containsExactly(expected.toDoubleArray());
            assertThat(gru.forward(x, BATCH, STEPS, LENGTHS, a, true)).as("a training forward writes them").isNotNull();
        }
    }
}
