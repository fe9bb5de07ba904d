package io.istream.trainer.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * An attention score from a feed-forward net over [k_t, q, k_t − q, k_t ⊙ q] (DIN's local activation unit, and the
 * DIN-style option of DIEN's attention).
 *
 * <p>For DIN, k_t = e_b[t] and q = e_a, and by default the weights are the raw FFN outputs, with no softmax, which
 * keeps the intensity of the user's interest (DIN §4.3). For DIEN's option, k_t = h_t and q = PReLU(W_q e_a), and
 * the weights are a masked softmax. Padded steps get weight 0 either way.
 */
public final class FfnAttention implements Layer {

    private final int keySize;            // K
    private final int querySize;          // Q (raw query width)
    private final boolean softmax;
    private final Linear queryProjection; // W_q [Q, K], or null when Q = K is used as is
    private final Activation queryActivation;
    private final Mlp net;                // 4K → hidden… → 1
    private final Linear first;           // the FFN's first map, W₁ [4K, F] = [W_k; W_q; W_d; W_p], b₁ [1, F]
    private int batch;
    private int steps;
    private int[] lengths;
    private Tensor keys;                  // k [T·B, K], the caller's
    private Tensor query;                 // q [B, K], after projection
    private Tensor pairs;                 // [k, k ⊙ q] [T·B, 2K]
    private Tensor stacked;               // [W_k + W_d; W_p] [2K, F]
    private Tensor queryWeights;          // W_q − W_d [K, F]
    private Tensor queryTerm;             // q·(W_q − W_d) + b₁ [B, F]
    private Tensor ones;                  // 1 [B, 1]
    private Tensor firstOutput;           // z₁ [T·B, F]
    private Tensor scores;                // FFN output [T·B, 1]
    private Tensor weights;               // w [T·B, 1]
    private Tensor dScores;               // [T·B, 1]
    private Tensor stepSums;              // S = Σ_t dz₁ [B, F]
    private Tensor pairGradient;          // [k, k ⊙ q]ᵀ·dz₁ [2K, F]
    private Tensor queryGradient;         // qᵀ·S [K, F]
    private Tensor dPairs;                // dz₁·[W_k + W_d; W_p]ᵀ [T·B, 2K]
    private Tensor dQueryFromSums;        // S·(W_q − W_d)ᵀ [B, K]
    private Tensor dKeys;                 // [T·B, K]
    private Tensor dProjectedQuery;       // [B, K]
    private Tensor dQuery;                // [B, Q]

    public FfnAttention(String name, DataType type, int keySize, int querySize, boolean projectQuery,
                        int[] hidden, ActivationKind activation, boolean softmax, Initializer init) {
        if (!projectQuery && keySize != querySize) {
            throw new IllegalArgumentException("keys of width " + keySize + " need a projected query, got width "
                    + querySize);
        }
        if (activation == ActivationKind.DICE) {
            // batch statistics over [T·B] rows would let padding move real scores
            throw new IllegalArgumentException("Dice is not allowed inside attention: padded rows would shift its"
                    + " batch statistics; use PRELU or SIGMOID");
        }
        this.keySize = keySize;
        this.querySize = querySize;
        this.softmax = softmax;
        if (projectQuery) {
            queryProjection = new Linear(name + ".query", type, querySize, keySize, init);
            queryActivation = Activation.of(name + ".queryAct", type, ActivationKind.PRELU, keySize);
        } else {
            queryProjection = null;
            queryActivation = null;
        }
        net = new Mlp(name + ".ffn", type, 4 * keySize, hidden, 1, activation, init);
        first = net.firstLinear();
    }

    /**
     * keys [T·B, K], query [B, Q] → weights [T·B, 1] (0 on padding).
     *
     * <p>The first layer is factored. With W₁ = [W_k; W_q; W_d; W_p] in row blocks of K,
     * z₁ = [k, q, k − q, k ⊙ q]·W₁ + b₁ = [k, k ⊙ q]·[W_k + W_d; W_p] + (q·(W_q − W_d) + b₁),
     * whose last term is one row per sample, shared by its T steps. That halves the first layer's products (2K
     * columns instead of 4K, forward and backward) and never builds the [T·B, 4K] features. Same parameters, same
     * function; only the rounding differs.
     */
    public Tensor forward(Tensor keys, Tensor query, int batch, int steps, int[] lengths, boolean training) {
        keys.requireShape(steps * batch, keySize);
        query.requireShape(batch, querySize);
        this.keys = keys;
        this.batch = batch;
        this.steps = steps;
        this.lengths = lengths;
        this.query = queryProjection == null ? query
                : queryActivation.forward(queryProjection.forward(query), training);
        DataType type = keys.type();
        int rows = steps * batch;
        int k = keySize;
        int f = first.out;
        Tensor w = first.weight.value();
        // [W_k + W_d; W_p] [2K, F] and W_q − W_d [K, F]: row blocks of W₁
        stacked = Tensor.reuse(stacked, type, 2 * k, f);
        stacked.copyFrom(w, 0, 0, k * f);
        stacked.addScaled(w, 2 * k * f, 0, k * f, 1);
        stacked.copyFrom(w, 3 * k * f, k * f, k * f);
        queryWeights = Tensor.reuse(queryWeights, type, k, f);
        queryWeights.copyFrom(w, k * f, 0, k * f);
        queryWeights.addScaled(w, 2 * k * f, 0, k * f, -1);
        // q·(W_q − W_d) + 1·b₁ [B, F]
        queryTerm = Tensor.reuse(queryTerm, type, batch, f);
        Gemm.multiply(this.query, false, queryWeights, false, queryTerm);
        ones = Tensor.ones(ones, type, batch);
        Gemm.gemm(ones, false, first.bias.value(), false, queryTerm, 1.0, 1.0);
        pairs = Tensor.reuse(pairs, type, rows, 2 * k);
        if (Activation.floatKernels(keys)) {
            pairsFloat();
        } else {
            pairsExact();
        }
        // z₁ = the query term tiled over the T step blocks, then += [k, k ⊙ q]·[W_k + W_d; W_p]
        firstOutput = Tensor.reuse(firstOutput, type, rows, f);
        for (int t = 0; t < steps; t++) {
            firstOutput.copyFrom(queryTerm, 0, t * batch * f, batch * f);
        }
        Gemm.gemm(pairs, false, stacked, false, firstOutput, 1.0, 1.0);
        scores = net.forwardAfterFirstLinear(firstOutput, training);
        weights = Tensor.reuse(weights, type, rows, 1);
        if (softmax) {
            MaskedSoftmax.forward(scores, batch, steps, lengths, weights);
        } else {
            for (int t = 0; t < steps; t++) {
                for (int b = 0; b < batch; b++) {
                    int row = t * batch + b;
                    weights.set(row, t < lengths[b] ? scores.get(row) : 0);
                }
            }
        }
        return weights;
    }

    private void pairsExact() {
        int k = keySize;
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int row = t * batch + b;
                int p = row * 2 * k;
                for (int j = 0; j < k; j++) {
                    double kv = keys.get(row * k + j);
                    pairs.set(p + j, kv);
                    pairs.set(p + k + j, kv * query.get(b * k + j));
                }
            }
        }
    }

    // FLOAT: step t's keys are a contiguous [B, K] block whose row b is sample b, as q's row b is, so k ⊙ q is a
    // vectorised loop over the block; rows are then interleaved into [B, 2K] pairs with array copies.
    private float[] queryBlock = new float[0];     // q [B·K]
    private float[] keyBlock = new float[0];       // k_t [B·K]
    private float[] productBlock = new float[0];   // k_t ⊙ q, or e₂ = (dz₁·W_pᵀ)_t [B·K]
    private float[] firstBlock = new float[0];     // e₁ = (dz₁·(W_k + W_d)ᵀ)_t, then dk_t [B·K]
    private float[] queryDelta = new float[0];     // Σ_t e₂ ⊙ k_t [B·K]
    private float[] pairBlock = new float[0];      // [B·2K]

    private void floatBlocks(int block) {
        if (queryBlock.length < block) {
            queryBlock = new float[block];
            keyBlock = new float[block];
            productBlock = new float[block];
            firstBlock = new float[block];
            queryDelta = new float[block];
            pairBlock = new float[2 * block];
        }
    }

    private void pairsFloat() {
        int k = keySize;
        int block = batch * k;
        floatBlocks(block);
        query.read(0, queryBlock, 0, block);
        for (int t = 0; t < steps; t++) {
            keys.read(t * block, keyBlock, 0, block);
            for (int i = 0; i < block; i++) {
                productBlock[i] = keyBlock[i] * queryBlock[i];
            }
            for (int b = 0; b < batch; b++) {
                int from = b * k;
                int p = 2 * from;
                System.arraycopy(keyBlock, from, pairBlock, p, k);
                System.arraycopy(productBlock, from, pairBlock, p + k, k);
            }
            pairs.write(2 * t * block, pairBlock, 0, 2 * block);
        }
    }

    /** dL/dw [T·B, 1] → {@link #dKeys()} [T·B, K] and {@link #dQuery()} [B, Q]; accumulates W₁'s and b₁'s gradients. */
    public void backward(Tensor dWeights) {
        DataType type = dWeights.type();
        int rows = steps * batch;
        int k = keySize;
        int f = first.out;
        dScores = Tensor.reuse(dScores, type, rows, 1);
        if (softmax) {
            MaskedSoftmax.backward(weights, dWeights, batch, steps, lengths, dScores);
        } else {
            for (int t = 0; t < steps; t++) {
                for (int b = 0; b < batch; b++) {
                    int row = t * batch + b;
                    dScores.set(row, t < lengths[b] ? dWeights.get(row) : 0);
                }
            }
        }
        Tensor dFirst = net.backwardToFirstLinear(dScores);   // dz₁ [T·B, F]
        // S = Σ_t dz₁[t·B + b] [B, F]: the gradient at the per-sample query term
        stepSums = Tensor.reuse(stepSums, type, batch, f);
        sumStepBlocks(dFirst, stepSums);
        // dW_k = kᵀ·dz₁ ; dW_p = (k ⊙ q)ᵀ·dz₁ ; dW_q = qᵀ·S ; dW_d = (k − q)ᵀ·dz₁ = kᵀ·dz₁ − qᵀ·S ; db₁ = Σ_b S
        pairGradient = Tensor.reuse(pairGradient, type, 2 * k, f);
        Gemm.multiply(pairs, true, dFirst, false, pairGradient);
        queryGradient = Tensor.reuse(queryGradient, type, k, f);
        Gemm.multiply(query, true, stepSums, false, queryGradient);
        Tensor dW = first.weight.grad();
        dW.addScaled(pairGradient, 0, 0, k * f, 1);
        dW.addScaled(queryGradient, 0, k * f, k * f, 1);
        dW.addScaled(pairGradient, 0, 2 * k * f, k * f, 1);
        dW.addScaled(queryGradient, 0, 2 * k * f, k * f, -1);
        dW.addScaled(pairGradient, k * f, 3 * k * f, k * f, 1);
        stepSums.addColumnSumsTo(first.bias.grad());
        // [e₁, e₂] = dz₁·[W_k + W_d; W_p]ᵀ: dk = e₁ + e₂ ⊙ q ; dq = S·(W_q − W_d)ᵀ + Σ_t e₂ ⊙ k
        dPairs = Tensor.reuse(dPairs, type, rows, 2 * k);
        Gemm.multiply(dFirst, false, stacked, true, dPairs);
        dQueryFromSums = Tensor.reuse(dQueryFromSums, type, batch, k);
        Gemm.multiply(stepSums, false, queryWeights, true, dQueryFromSums);
        dKeys = Tensor.reuse(dKeys, type, rows, k);
        dProjectedQuery = Tensor.reuse(dProjectedQuery, type, batch, k);
        dProjectedQuery.copyFrom(dQueryFromSums);
        if (Activation.floatKernels(dPairs)) {
            pairsBackwardFloat();
        } else {
            pairsBackwardExact();
        }
        dQuery = queryProjection == null ? dProjectedQuery
                : queryProjection.backward(queryActivation.backward(dProjectedQuery));
    }

    /** out [B, F] = Σ_t in[t·B .. (t+1)·B) for in [T·B, F]. */
    private void sumStepBlocks(Tensor in, Tensor out) {
        int block = out.size();
        if (steps == 0) {
            out.zero();
            return;
        }
        if (!Activation.floatKernels(in)) {
            out.copyFrom(in, 0, 0, block);
            for (int t = 1; t < steps; t++) {
                out.addScaled(in, t * block, 0, block, 1);
            }
            return;
        }
        if (sumBlock.length < block) {
            sumBlock = new float[block];
            stepBlock = new float[block];
        }
        in.read(0, sumBlock, 0, block);
        for (int t = 1; t < steps; t++) {
            in.read(t * block, stepBlock, 0, block);
            for (int i = 0; i < block; i++) {
                sumBlock[i] += stepBlock[i];
            }
        }
        out.write(0, sumBlock, 0, block);
    }

    private float[] sumBlock = new float[0];       // S [B·F]
    private float[] stepBlock = new float[0];      // dz₁ of one step [B·F]

    private void pairsBackwardExact() {
        int k = keySize;
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int row = t * batch + b;
                int p = row * 2 * k;
                for (int j = 0; j < k; j++) {
                    double e1 = dPairs.get(p + j);
                    double e2 = dPairs.get(p + k + j);
                    dKeys.set(row * k + j, e1 + e2 * query.get(b * k + j));
                    dProjectedQuery.add(b * k + j, e2 * keys.get(row * k + j));
                }
            }
        }
    }

    /** The same a [B, K] step block at a time; one stored array per loop, so each vectorises. */
    private void pairsBackwardFloat() {
        int k = keySize;
        int block = batch * k;
        floatBlocks(block);
        query.read(0, queryBlock, 0, block);
        Arrays.fill(queryDelta, 0, block, 0f);
        for (int t = 0; t < steps; t++) {
            dPairs.read(2 * t * block, pairBlock, 0, 2 * block);
            for (int b = 0; b < batch; b++) {
                int to = b * k;
                int p = 2 * to;
                System.arraycopy(pairBlock, p, firstBlock, to, k);
                System.arraycopy(pairBlock, p + k, productBlock, to, k);
            }
            keys.read(t * block, keyBlock, 0, block);
            for (int i = 0; i < block; i++) {
                queryDelta[i] += productBlock[i] * keyBlock[i];
            }
            for (int i = 0; i < block; i++) {
                firstBlock[i] += productBlock[i] * queryBlock[i];
            }
            dKeys.write(t * block, firstBlock, 0, block);
        }
        float[] fromSums = new float[block];
        dProjectedQuery.read(0, fromSums, 0, block);
        for (int i = 0; i < block; i++) {
            fromSums[i] += queryDelta[i];
        }
        dProjectedQuery.write(0, fromSums, 0, block);
    }

    public Tensor dKeys() {
        return dKeys;
    }

    public Tensor dQuery() {
        return dQuery;
    }

    @Override
    public List<Param> params() {
        List<Param> out = new ArrayList<>();
        if (queryProjection != null) {
            out.addAll(queryProjection.params());
            out.addAll(queryActivation.params());
        }
        out.addAll(net.params());
        return out;
    }
}
