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
        dQuery = queryProjection == null ? dProjectedQuery
                : queryProjection.backward(queryActivation.backward(dProjectedQuery));
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
