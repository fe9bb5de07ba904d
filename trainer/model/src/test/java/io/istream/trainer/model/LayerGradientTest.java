package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/** Every layer's backward pass against central differences, in double precision. */
class LayerGradientTest {

    private static final DataType F64 = DataType.DOUBLE;
    private static final int B = 4;
    private static final int T = 5;
    private static final int[] LENGTHS = {5, 3, 1, 0};  // one full, two partial, one empty history

    private static Tensor random(Initializer init, int rows, int cols, double std) {
        Tensor t = Tensor.zeros(F64, rows, cols);
        init.normal(t, std);
        return t;
    }

    @Test
    void linear() {
        Initializer init = new Initializer(1);
        Linear layer = new Linear("fc", F64, 5, 3, init);
        Tensor x = random(init, 6, 5, 1);
        Tensor r = random(init, 6, 3, 1);
        Tensor[] dx = new Tensor[1];
        List<GradientCheck.Checked> checked = new ArrayList<>(GradientCheck.paramsOf(layer));
        checked.add(new GradientCheck.Checked("x", x, () -> dx[0]));
        GradientCheck.check("linear", () -> GradientCheck.dot(layer.forward(x), r),
                () -> {
                    GradientCheck.zeroGrads(layer);
                    dx[0] = layer.backward(r);
                }, checked);
    }

    @ParameterizedTest
    @EnumSource(value = ActivationKind.class)
    void mlpWithEachActivation(ActivationKind kind) {
        Initializer init = new Initializer(2);
        Mlp mlp = new Mlp("mlp", F64, 4, new int[] {6, 5}, 2, kind, init);
        Tensor x = random(init, 7, 4, 1);
        Tensor r = random(init, 7, 2, 1);
        Tensor[] dx = new Tensor[1];
        List<GradientCheck.Checked> checked = new ArrayList<>(GradientCheck.paramsOf(mlp));
        checked.add(new GradientCheck.Checked("x", x, () -> dx[0]));
        int n = GradientCheck.check("mlp " + kind, () -> GradientCheck.dot(mlp.forward(x, true), r),
                () -> {
                    GradientCheck.zeroGrads(mlp);
                    dx[0] = mlp.backward(r);
                }, checked);
        assertThat(n).isGreaterThan(80);
    }

    @Test
    void diceAtInferenceUsesMovingStatisticsAndItsGradientIsExact() {
        Initializer init = new Initializer(3);
        Mlp mlp = new Mlp("mlp", F64, 4, new int[] {6}, 1, ActivationKind.DICE, init);
        Tensor warm = random(init, 16, 4, 1);
        for (int i = 0; i < 50; i++) {
            mlp.forward(warm, true);
        }
        Tensor x = random(init, 5, 4, 1);
        Tensor r = random(init, 5, 1, 1);
        Tensor[] dx = new Tensor[1];
        List<GradientCheck.Checked> checked = new ArrayList<>(GradientCheck.paramsOf(mlp));
        checked.add(new GradientCheck.Checked("x", x, () -> dx[0]));
        GradientCheck.check("dice inference", () -> GradientCheck.dot(mlp.forward(x, false), r),
                () -> {
                    GradientCheck.zeroGrads(mlp);
                    dx[0] = mlp.backward(r);
                }, checked);
    }

    @ParameterizedTest
    @EnumSource(CellKind.class)
    void gruOfEachCell(CellKind kind) {
        Initializer init = new Initializer(4);
        int in = 3;
        int h = 4;
        Gru gru = new Gru("gru", F64, kind, in, h, init);
        Tensor x = random(init, T * B, in, 1);
        Tensor attention = kind.usesAttention() ? Tensor.zeros(F64, T * B, 1) : null;
        if (attention != null) {
            init.uniform(attention, 1);
            for (int i = 0; i < attention.size(); i++) {
                attention.set(i, 0.5 + 0.5 * attention.get(i));   // a in (0, 1) as a softmax gives
            }
        }
        Tensor rHidden = random(init, T * B, h, 1);
        Tensor rLast = random(init, B, h, 1);
        Tensor[] dx = new Tensor[1];
        List<GradientCheck.Checked> checked = new ArrayList<>(GradientCheck.paramsOf(gru));
        checked.add(new GradientCheck.Checked("x", x, () -> dx[0]));
        if (attention != null) {
            checked.add(new GradientCheck.Checked("a", attention, gru::dAttention));
        }
        GradientCheck.check("gru " + kind, () -> {
            Tensor out = gru.forward(x, B, T, LENGTHS, attention);
            return GradientCheck.dot(out, rHidden) + GradientCheck.dot(gru.last(), rLast);
        }, () -> {
            GradientCheck.zeroGrads(gru);
            dx[0] = gru.backward(rHidden, rLast);
        }, checked);
    }

    @Test
    void bilinearAttention() {
        Initializer init = new Initializer(5);
        BilinearAttention att = new BilinearAttention("att", F64, 4, 6, init);
        Tensor keys = random(init, T * B, 4, 1);
        Tensor query = random(init, B, 6, 1);
        Tensor r = random(init, T * B, 1, 1);
        List<GradientCheck.Checked> checked = new ArrayList<>(GradientCheck.paramsOf(att));
        checked.add(new GradientCheck.Checked("keys", keys, att::dKeys));
        checked.add(new GradientCheck.Checked("query", query, att::dQuery));
        GradientCheck.check("bilinear attention",
                () -> GradientCheck.dot(att.forward(keys, query, B, T, LENGTHS), r),
                () -> {
                    GradientCheck.zeroGrads(att);
                    att.backward(r);
                }, checked);
    }

    @ParameterizedTest
    @EnumSource(value = ActivationKind.class, names = {"PRELU", "SIGMOID"})
    void ffnAttentionAsDinUnitAndAsDienOption(ActivationKind activation) {
        for (boolean dienOption : new boolean[] {false, true}) {
            Initializer init = new Initializer(6);
            int k = 4;
            int q = dienOption ? 6 : 4;
            FfnAttention att = new FfnAttention("att", F64, k, q, dienOption, new int[] {5, 3}, activation,
                    dienOption, init);
            Tensor keys = random(init, T * B, k, 1);
            Tensor query = random(init, B, q, 1);
            Tensor r = random(init, T * B, 1, 1);
            List<GradientCheck.Checked> checked = new ArrayList<>(GradientCheck.paramsOf(att));
            checked.add(new GradientCheck.Checked("keys", keys, att::dKeys));
            checked.add(new GradientCheck.Checked("query", query, att::dQuery));
            GradientCheck.check("ffn attention " + activation + (dienOption ? " (DIEN option)" : " (DIN unit)"),
                    () -> GradientCheck.dot(att.forward(keys, query, B, T, LENGTHS, true), r),
                    () -> {
                        GradientCheck.zeroGrads(att);
                        att.backward(r);
                    }, checked);
        }
    }

    @Test
    void gruLeavesStateUnchangedOnPaddingAndAugruOnZeroAttention() {
        Initializer init = new Initializer(7);
        Gru augru = new Gru("augru", F64, CellKind.AUGRU, 3, 4, init);
        Tensor x = random(init, T * B, 3, 1);
        Tensor attention = Tensor.zeros(F64, T * B, 1);
        attention.fill(0.7);
        for (int b = 0; b < B; b++) {
            attention.set(2 * B + b, 0.0);   // step 2 irrelevant for everyone
        }
        Tensor h = augru.forward(x, B, T, LENGTHS, attention);
        for (int j = 0; j < 4; j++) {
            // sample 0: a = 0 at step 2 → h_2 = h_1 (DIEN eq. 13)
            assertThat(h.get(2 * B * 4 + j)).isEqualTo(h.get(B * 4 + j));
            // sample 1 has 3 steps: h_3, h_4 = h_2, and last() = h_2
            assertThat(h.get((4 * B + 1) * 4 + j)).isEqualTo(h.get((2 * B + 1) * 4 + j));
            assertThat(augru.last().get(4 + j)).isEqualTo(h.get((2 * B + 1) * 4 + j));
            // sample 3 is empty: its state stays zero
            assertThat(augru.last().get(3 * 4 + j)).isZero();
        }
    }

    @Test
    void maskedSoftmaxIgnoresPadding() {
        Tensor scores = Tensor.zeros(F64, T * B, 1);
        new Initializer(8).normal(scores, 3);
        Tensor a = Tensor.zeros(F64, T * B, 1);
        MaskedSoftmax.forward(scores, B, T, LENGTHS, a);
        for (int b = 0; b < B; b++) {
            double sum = 0;
            for (int t = 0; t < T; t++) {
                double w = a.get(t * B + b);
                if (t >= LENGTHS[b]) {
                    assertThat(w).isZero();
                }
                sum += w;
            }
            assertThat(sum).isCloseTo(LENGTHS[b] == 0 ? 0 : 1, org.assertj.core.api.Assertions.within(1e-12));
        }
    }
}
