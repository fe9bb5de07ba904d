package io.istream.trainer.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/** y = x·W + b. N = rows of the input (samples, or samples × steps). */
public final class Linear implements Layer {

    public final int in;
    public final int out;
    final Param weight;   // W [in, out]
    final Param bias;     // b [1, out]
    private Tensor input;     // x [N, in], the caller's tensor, kept for backward
    private Tensor output;    // y [N, out]
    private Tensor dInput;    // dL/dx [N, in]
    private Tensor ones;      // 1 [N, 1]

    public Linear(String name, DataType type, int in, int out, Initializer init) {
        this.in = in;
        this.out = out;
        weight = Param.zeros(name + ".W", type, in, out);
        bias = Param.zeros(name + ".b", type, 1, out);
        init.glorot(weight.value(), in, out);
    }

    public Tensor forward(Tensor x) {
        if (x.cols != in) {
            throw new IllegalArgumentException("Linear " + weight.name() + " expects " + in + " inputs, got " + x);
        }
        input = x;
        output = Tensor.reuse(output, x.type(), x.rows, out);
        Gemm.multiply(x, false, weight.value(), false, output);
        // y += 1·b: the bias broadcast as a rank-1 GEMM (an element loop took ~2 ms over the aux net's 25k rows)
        ones = Tensor.ones(ones, x.type(), x.rows);
        Gemm.gemm(ones, false, bias.value(), false, output, 1.0, 1.0);
        return output;
    }

    public Tensor backward(Tensor dy) {
        // dL/dW = xᵀ·dy ; dL/db = Σ_rows dy ; dL/dx = dy·Wᵀ
        Gemm.multiplyAdd(input, true, dy, false, weight.grad());
        dy.addColumnSumsTo(bias.grad());                            // db += Σ_rows dy
        int n = dy.rows;
        dInput = Tensor.reuse(dInput, dy.type(), n, in);
        Gemm.multiply(dy, false, weight.value(), true, dInput);
        return dInput;
    }

    /** y of the last forward [N, out]. */
    public Tensor output() {
        return output;
    }

    public Param weight() {
        return weight;
    }

    public Param bias() {
        return bias;
    }

    @Override
    public List<Param> params() {
        return List.of(weight, bias);
    }
}
