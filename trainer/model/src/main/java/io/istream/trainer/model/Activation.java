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
                FloatKernels.sigmoidInPlace(chunk, len);
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

    // PReLU on FLOAT, whole rows at a time with α tiled over them: f(s) = max(s, 0) + α·min(s, 0) has no branch, so
    // the forward loop vectorises (element get/set with i % C per element was most of DIN's attention MLP)
    private float[] preluValues = new float[0];
    private float[] preluAlpha = new float[0];
    private float[] preluOut = new float[0];

    private int preluChunkRows() {
        int rowsPerChunk = Math.max(1, 8192 / Math.max(1, channels));
        int size = rowsPerChunk * channels;
        if (preluValues.length < size) {
            preluValues = new float[size];
            preluAlpha = new float[size];
            preluOut = new float[size];
        }
        for (int j = 0; j < channels; j++) {
            preluAlpha[j] = (float) alpha.value().get(j);
        }
        FloatKernels.tile(preluAlpha, channels, rowsPerChunk, preluAlpha);
        return rowsPerChunk;
    }

    private void preluFloat(Tensor s, Tensor out) {
        int rowsPerChunk = preluChunkRows();
        for (int start = 0; start < s.rows; start += rowsPerChunk) {
            int len = Math.min(rowsPerChunk, s.rows - start) * channels;
            s.read(start * channels, preluValues, 0, len);
            for (int k = 0; k < len; k++) {
                float v = preluValues[k];
                preluOut[k] = Math.max(v, 0f) + preluAlpha[k] * Math.min(v, 0f);
            }
            out.write(start * channels, preluOut, 0, len);
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
                if (floatKernels(s)) {
                    preluFloat(s, output);
                } else {
                    for (int i = 0; i < n; i++) {
                        double v = s.get(i);
                        output.set(i, v > 0 ? v : alpha.value().get(i % channels) * v);
                    }
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
                // element by element on FLOAT too: a float-block version with the data-dependent branch was slower
                // in alternating A/B runs of DIN training
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

    /** Whether this tensor's dtype lets {@link FloatKernels} replace the exact functions: FLOAT. */
    static boolean floatKernels(Tensor t) {
        return t.type() == DataType.FLOAT;
    }
}
