package io.istream.trainer.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * An element-wise activation over [N, C] with optional per-channel parameters. {@link Dice} overrides this for its
 * batch statistics; the others are row-wise, so padded rows never affect real ones.
 */
public class Activation implements Layer {

    final ActivationKind kind;
    final int channels;
    final Param alpha;       // PReLU slope per channel [1, C], null otherwise
    Tensor input;            // s [N, C]
    Tensor output;           // f(s) [N, C]
    Tensor dInput;           // dL/ds [N, C]
    private int threads = 1;
    private static final int MIN_ELEMENTS_PER_THREAD = 32_768;
    private static final int CHUNK = 4096;

    Activation(String name, DataType type, ActivationKind kind, int channels) {
        this.kind = kind;
        this.channels = channels;
        if (kind == ActivationKind.PRELU || kind == ActivationKind.DICE) {
            alpha = Param.zeros(name + ".alpha", type, 1, channels);
            // PReLU's usual start; Dice starts as a gate (α = 0), as in the DIN reference
            alpha.value().fill(kind == ActivationKind.PRELU ? 0.25 : 0.0);
        } else {
            alpha = null;
        }
    }

    /**
     * Threads for the element-wise loops of σ (1, the default, or 2): DIEN's auxiliary net runs them over millions of
     * elements a batch. PReLU and Dice, which accumulate per channel, stay on one thread.
     */
    void threads(int n) {
        if (n < 1 || n > ModelThreads.MAX_THREADS) {
            throw new IllegalArgumentException("threads must be 1.." + ModelThreads.MAX_THREADS + ", got " + n);
        }
        threads = n;
    }

    /** Element ranges: halves when two threads are allowed and there is enough work to share. */
    private int[] ranges(int n) {
        return threads > 1 && n >= MIN_ELEMENTS_PER_THREAD * 2 ? new int[] {0, n / 2, n} : new int[] {0, n};
    }

    /** out[i] = σ(s[i]) for i in [from, to). */
    private static void sigmoidRange(Tensor s, Tensor out, int from, int to, boolean floatKernels) {
        if (floatKernels) {
            float[] chunk = new float[CHUNK];
            for (int start = from; start < to; start += CHUNK) {
                int len = Math.min(CHUNK, to - start);
                s.read(start, chunk, 0, len);
                for (int i = 0; i < len; i++) {
                    chunk[i] = (float) sigmoidFloat(chunk[i]);
                }
                out.write(start, chunk, 0, len);
            }
        } else {
            for (int i = from; i < to; i++) {
                out.set(i, sigmoid(s.get(i)));
            }
        }
    }

    /** dx[i] = dy[i]·y[i]·(1 − y[i]) for i in [from, to), y = σ(s); FLOAT in array blocks. */
    private static void sigmoidBackwardRange(Tensor y, Tensor dy, Tensor dx, int from, int to) {
        if (floatKernels(y)) {
            float[] ys = new float[CHUNK];
            float[] gs = new float[CHUNK];
            for (int start = from; start < to; start += CHUNK) {
                int len = Math.min(CHUNK, to - start);
                y.read(start, ys, 0, len);
                dy.read(start, gs, 0, len);
                for (int i = 0; i < len; i++) {
                    gs[i] *= ys[i] * (1 - ys[i]);
                }
                dx.write(start, gs, 0, len);
            }
        } else {
            for (int i = from; i < to; i++) {
                double v = y.get(i);
                dx.set(i, dy.get(i) * v * (1 - v));
            }
        }
    }

    public static Activation of(String name, DataType type, ActivationKind kind, int channels) {
        return kind == ActivationKind.DICE ? new Dice(name, type, channels) : new Activation(name, type, kind, channels);
    }

    public Tensor forward(Tensor s, boolean training) {
        input = s;
        output = Tensor.reuse(output, s.type(), s.rows, s.cols);
        int n = s.size();
        switch (kind) {
            case PRELU -> {
                for (int i = 0; i < n; i++) {
                    double v = s.get(i);
                    output.set(i, v > 0 ? v : alpha.value().get(i % channels) * v);
                }
            }
            case SIGMOID -> {
                boolean floatKernels = floatKernels(s);
                int[] bounds = ranges(n);
                Tensor out = output;
                ModelThreads.forEachRange(bounds, r -> sigmoidRange(s, out, bounds[r], bounds[r + 1], floatKernels));
            }
            case NONE -> output.copyFrom(s);
            default -> throw new IllegalStateException(kind + " is not row-wise");
        }
        return output;
    }

    public Tensor backward(Tensor dy) {
        dInput = Tensor.reuse(dInput, dy.type(), dy.rows, dy.cols);
        int n = dy.size();
        switch (kind) {
            case PRELU -> {
                // df/ds = 1 (s > 0) or α ; df/dα = s (s ≤ 0)
                Tensor a = alpha.value();
                Tensor da = alpha.grad();
                for (int i = 0; i < n; i++) {
                    double v = input.get(i);
                    double g = dy.get(i);
                    int c = i % channels;
                    if (v > 0) {
                        dInput.set(i, g);
                    } else {
                        dInput.set(i, g * a.get(c));
                        da.add(c, g * v);
                    }
                }
            }
            case SIGMOID -> {
                // dσ/ds = σ(1 − σ)
                int[] bounds = ranges(n);
                Tensor y = output;
                Tensor dx = dInput;
                ModelThreads.forEachRange(bounds, r -> sigmoidBackwardRange(y, dy, dx, bounds[r], bounds[r + 1]));
            }
            case NONE -> dInput.copyFrom(dy);
            default -> throw new IllegalStateException(kind + " is not row-wise");
        }
        return dInput;
    }

    @Override
    public List<Param> params() {
        return alpha == null ? List.of() : List.of(alpha);
    }

    /** σ(x) with one exp and no overflow. */
    public static double sigmoid(double x) {
        double e = Math.exp(-Math.abs(x));
        return x >= 0 ? 1 / (1 + e) : e / (1 + e);
    }

    /** tanh(x) = 2σ(2x) − 1, with one exp (Math.tanh is not an intrinsic and costs several times more). */
    public static double tanh(double x) {
        double e = Math.exp(-2 * Math.abs(x));
        double t = (1 - e) / (1 + e);
        return x >= 0 ? t : -t;
    }

    // Float-precision kernels for FLOAT tensors, where the result is rounded to float anyway. They have no sign test
    // (the exact functions' one mispredicts on half of all inputs) and use a polynomial exp that costs about half of
    // Math.exp. DOUBLE tensors, and so every gradient check, keep the exact functions above.
    //
    // The clamps are comparisons, not Math.max/min: those handle −0.0 and NaN on doubles with extra instructions,
    // and with them the three gate functions of a GRU element took 50 ns instead of 21 (JDK 17, Zen 4). A NaN passes
    // both comparisons unchanged, so non-finite inputs still reach the trainer's guard.

    /** σ(x) = 1 / (1 + e^−x) to float precision; x is clamped to ±80, where σ is 0 or 1 in float. */
    public static double sigmoidFloat(double x) {
        double clamped = x < -80 ? -80 : x > 80 ? 80 : x;
        return 1 / (1 + expFloat(-clamped));
    }

    /** tanh(x) = 2 / (1 + e^−2x) − 1 to float precision; x is clamped to ±40, where tanh is ±1 in float. */
    public static double tanhFloat(double x) {
        double clamped = x < -40 ? -40 : x > 40 ? 40 : x;
        return 2 / (1 + expFloat(-2 * clamped)) - 1;
    }

    /** The float kernel of this tensor's dtype: whether FLOAT math may replace the exact functions. */
    static boolean floatKernels(Tensor t) {
        return t.type() == DataType.FLOAT;
    }

    /**
     * e^x for |x| ≤ 700, relative error below 1e-8 (float's ε is 6e-8). e^x = 2^n·e^r with n = round(x / ln 2) and
     * |r| ≤ ln 2 / 2; e^r is its degree-7 Taylor polynomial (remainder ≤ 0.347⁸/8! ≈ 5e-9) and 2^n is built from its
     * exponent bits.
     */
    public static double expFloat(double x) {
        double n = Math.rint(x * LOG2_E);
        double r = x - n * LN_2;
        double p = 1 + r * (1 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720
                + r * (1.0 / 5040)))))));
        return p * Double.longBitsToDouble(((long) n + 1023) << 52);
    }

    private static final double LOG2_E = 1.4426950408889634;
    private static final double LN_2 = 0.6931471805599453;
}
