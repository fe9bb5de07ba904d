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
        Tensor b = bias.value();
        int n = x.rows;
        for (int r = 0; r < n; r++) {
            int base = r * out;
            for (int j = 0; j < out; j++) {
                output.add(base + j, b.get(j));
            }
        }
        return output;
    }

    public Tensor backward(Tensor dy) {
        // dL/dW = xᵀ·dy ; dL/db = Σ_rows dy ; dL/dx = dy·Wᵀ
        Gemm.multiplyAdd(input, true, dy, false, weight.grad());
        Tensor db = bias.grad();
        int n = dy.rows;
        for (int r = 0; r < n; r++) {
            int base = r * out;
            for (int j = 0; j < out; j++) {
                db.add(j, dy.get(base + j));
            }
        }
        dInput = Tensor.reuse(dInput, dy.type(), n, in);
        Gemm.multiply(dy, false, weight.value(), true, dInput);
        return dInput;
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
