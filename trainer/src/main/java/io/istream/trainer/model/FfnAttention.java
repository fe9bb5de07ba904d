package io.istream.trainer.model;

import java.util.ArrayList;
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
    private int batch;
    private int steps;
    private int[] lengths;
    private Tensor keys;                  // k [T·B, K], the caller's
    private Tensor query;                 // q [B, K], after projection
    private Tensor features;              // [k, q, k − q, k ⊙ q] [T·B, 4K]
    private Tensor scores;                // FFN output [T·B, 1]
    private Tensor weights;               // w [T·B, 1]
    private Tensor dScores;               // [T·B, 1]
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
    }

    /** keys [T·B, K], query [B, Q] → weights [T·B, 1] (0 on padding). */
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
        features = Tensor.reuse(features, type, rows, 4 * k);
        if (Activation.floatKernels(keys)) {
            featuresFloat();
        } else {
            featuresExact();
        }
        scores = net.forward(features, training);
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

    private void featuresExact() {
        int k = keySize;
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int row = t * batch + b;
                int f = row * 4 * k;
                for (int j = 0; j < k; j++) {
                    double kv = keys.get(row * k + j);
                    double qv = this.query.get(b * k + j);
                    features.set(f + j, kv);
                    features.set(f + k + j, qv);
                    features.set(f + 2 * k + j, kv - qv);
                    features.set(f + 3 * k + j, kv * qv);
                }
            }
        }
    }

    // FLOAT: step t's keys are a contiguous [B, K] block whose row b is sample b, as q's row b is, so k − q and k ⊙ q
    // are vectorised loops over the block; rows are then interleaved into [B, 4K] features with array copies.
    private float[] queryBlock = new float[0];     // q [B·K]
    private float[] keyBlock = new float[0];       // k_t [B·K]
    private float[] diffBlock = new float[0];      // k_t − q, or df₃ [B·K]
    private float[] productBlock = new float[0];   // k_t ⊙ q, or df₄ [B·K]
    private float[] firstBlock = new float[0];     // df₁ [B·K]
    private float[] secondBlock = new float[0];    // df₂ [B·K]
    private float[] featureBlock = new float[0];   // [B·4K]

    private void floatBlocks(int block) {
        if (queryBlock.length < block) {
            queryBlock = new float[block];
            keyBlock = new float[block];
            diffBlock = new float[block];
            productBlock = new float[block];
            firstBlock = new float[block];
            secondBlock = new float[block];
            featureBlock = new float[4 * block];
        }
    }

    private void featuresFloat() {
        int k = keySize;
        int block = batch * k;
        floatBlocks(block);
        query.read(0, queryBlock, 0, block);
        for (int t = 0; t < steps; t++) {
            keys.read(t * block, keyBlock, 0, block);
            for (int i = 0; i < block; i++) {
                diffBlock[i] = keyBlock[i] - queryBlock[i];
                productBlock[i] = keyBlock[i] * queryBlock[i];
            }
            for (int b = 0; b < batch; b++) {
                int from = b * k;
                int f = 4 * from;
                System.arraycopy(keyBlock, from, featureBlock, f, k);
                System.arraycopy(queryBlock, from, featureBlock, f + k, k);
                System.arraycopy(diffBlock, from, featureBlock, f + 2 * k, k);
                System.arraycopy(productBlock, from, featureBlock, f + 3 * k, k);
            }
            features.write(4 * t * block, featureBlock, 0, 4 * block);
        }
    }

    /** dk = df₁ + df₃ + df₄∘q ; dq += df₂ − df₃ + df₄∘k, a [B, K] step block at a time. */
    private void featuresBackwardFloat(Tensor dFeatures) {
        int k = keySize;
        int block = batch * k;
        floatBlocks(block);
        query.read(0, queryBlock, 0, block);
        float[] dq = new float[block];
        for (int t = 0; t < steps; t++) {
            dFeatures.read(4 * t * block, featureBlock, 0, 4 * block);
            for (int b = 0; b < batch; b++) {
                int to = b * k;
                int f = 4 * to;
                System.arraycopy(featureBlock, f, firstBlock, to, k);
                System.arraycopy(featureBlock, f + k, secondBlock, to, k);
                System.arraycopy(featureBlock, f + 2 * k, diffBlock, to, k);
                System.arraycopy(featureBlock, f + 3 * k, productBlock, to, k);
            }
            keys.read(t * block, keyBlock, 0, block);
            for (int i = 0; i < block; i++) {
                float d3 = diffBlock[i];
                float d4 = productBlock[i];
                dq[i] += secondBlock[i] - d3 + d4 * keyBlock[i];
                firstBlock[i] += d3 + d4 * queryBlock[i];
            }
            dKeys.write(t * block, firstBlock, 0, block);
        }
        dProjectedQuery.write(0, dq, 0, block);
    }

    /** dL/dw [T·B, 1] → {@link #dKeys()} [T·B, K] and {@link #dQuery()} [B, Q]. */
    public void backward(Tensor dWeights) {
        DataType type = dWeights.type();
        int rows = steps * batch;
        int k = keySize;
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
        Tensor dFeatures = net.backward(dScores);
        dKeys = Tensor.reuse(dKeys, type, rows, k);
        dProjectedQuery = Tensor.reuse(dProjectedQuery, type, batch, k);
        dProjectedQuery.zero();
        // f = [k, q, k − q, k ⊙ q]: dk = df₁ + df₃ + df₄∘q ; dq = Σ_t (df₂ − df₃ + df₄∘k)
        if (Activation.floatKernels(dFeatures)) {
            featuresBackwardFloat(dFeatures);
        } else {
            featuresBackwardExact(dFeatures);
        }
        dQuery = queryProjection == null ? dProjectedQuery
                : queryProjection.backward(queryActivation.backward(dProjectedQuery));
    }

    private void featuresBackwardExact(Tensor dFeatures) {
        int k = keySize;
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                int row = t * batch + b;
                int f = row * 4 * k;
                for (int j = 0; j < k; j++) {
                    double kv = keys.get(row * k + j);
                    double qv = query.get(b * k + j);
                    double d1 = dFeatures.get(f + j);
                    double d2 = dFeatures.get(f + k + j);
                    double d3 = dFeatures.get(f + 2 * k + j);
                    double d4 = dFeatures.get(f + 3 * k + j);
                    dKeys.set(row * k + j, d1 + d3 + d4 * qv);
                    dProjectedQuery.add(b * k + j, d2 - d3 + d4 * kv);
                }
            }
        }
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
