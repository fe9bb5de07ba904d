package io.istream.trainer.model;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * in → hidden[0] → … → hidden[k−1] → out, each hidden layer a {@link Linear} and an {@link Activation}; the last
 * layer is linear (a logit or a score). N rows are independent except through Dice's batch statistics.
 */
public final class Mlp implements Layer {

    private final Linear[] linears;          // k + 1 layers
    private final Activation[] activations;  // k hidden activations

    public Mlp(String name, DataType type, int in, int[] hidden, int out, ActivationKind activation,
               Initializer init) {
        linears = new Linear[hidden.length + 1];
        activations = new Activation[hidden.length];
        int width = in;
        for (int i = 0; i < hidden.length; i++) {
            linears[i] = new Linear(name + ".fc" + (i + 1), type, width, hidden[i], init);
            activations[i] = Activation.of(name + ".act" + (i + 1), type, activation, hidden[i]);
            width = hidden[i];
        }
        linears[hidden.length] = new Linear(name + ".out", type, width, out, init);
    }

    /** Threads for the hidden activations' element-wise loops (see {@link Activation#threads}). */
    void threads(int n) {
        for (Activation a : activations) {
            a.threads(n);
        }
    }

    /** x [N, in] → y [N, out]. */
    public Tensor forward(Tensor x, boolean training) {
        Tensor h = x;
        for (int i = 0; i < activations.length; i++) {
            h = activations[i].forward(linears[i].forward(h), training);
        }
        return linears[activations.length].forward(h);
    }

    /** The first linear map, for a caller that computes its output itself (a factored product). */
    Linear firstLinear() {
        return linears[0];
    }

    /** The net after its first linear map: z₁ [N, first.out] → y [N, out]. */
    Tensor forwardAfterFirstLinear(Tensor z1, boolean training) {
        if (activations.length == 0) {
            return z1;
        }
        Tensor h = activations[0].forward(z1, training);
        for (int i = 1; i < activations.length; i++) {
            h = activations[i].forward(linears[i].forward(h), training);
        }
        return linears[activations.length].forward(h);
    }

    /** dy [N, out] → dL/dz₁ [N, first.out], the gradient at the first linear map's output; its own backward is the caller's. */
    Tensor backwardToFirstLinear(Tensor dy) {
        if (activations.length == 0) {
            return dy;
        }
        Tensor g = linears[activations.length].backward(dy);
        for (int i = activations.length - 1; i >= 1; i--) {
            g = linears[i].backward(activations[i].backward(g));
        }
        return activations[0].backward(g);
    }

    /** dy [N, out] → dx [N, in]. */
    public Tensor backward(Tensor dy) {
        Tensor g = linears[activations.length].backward(dy);
        for (int i = activations.length - 1; i >= 0; i--) {
            g = linears[i].backward(activations[i].backward(g));
        }
        return g;
    }

    public int in() {
        return linears[0].in;
    }

    /** The Dice layers, whose moving statistics belong in a model file. */
    public List<Dice> diceLayers() {
        List<Dice> out = new ArrayList<>();
        for (Activation a : activations) {
            if (a instanceof Dice dice) {
                out.add(dice);
            }
        }
        return out;
    }

    @Override
    public List<Param> params() {
        List<Param> out = new ArrayList<>();
        for (int i = 0; i < linears.length; i++) {
            out.addAll(linears[i].params());
            if (i < activations.length) {
                out.addAll(activations[i].params());
            }
        }
        return out;
    }
}
