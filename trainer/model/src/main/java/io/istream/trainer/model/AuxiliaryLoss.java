package io.istream.trainer.model;

import io.istream.trainer.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * DIEN's auxiliary objective (DIEN §4.2, eq. 8): each interest-extractor state h_t must tell the behaviour that
 * came next from a sampled negative, p⁺_t = σ(g([h_t, e_b[t+1]])), p⁻_t = σ(g([h_t, ê_b[t+1]])),
 * L_aux = −(1/Σm) Σ_{t: m_{t+1} = 1} [log p⁺_t + log(1 − p⁻_t)].
 *
 * <p>Positive and negative rows share g, and are stacked into one [2·T·B, ·] pass: row q = t·B + s of the first
 * half pairs sample s's h_{t−1} with e_b[t], the same row of the second half with ê_b[t] (rows of t = 0 have no
 * predecessor; they are computed and get no gradient). g's first layer is factored: with W₁ = [W_h; W_e] in row
 * blocks, z₁ = [h, e]·W₁ + b₁ = (h·W_h + b₁) + e·W_e, and the first term is the same for a step's positive and
 * negative rows, so it is computed once. A quarter fewer first-layer products, forward and backward, and no
 * [2·T·B, H + D] input is built. Same parameters, same function; only the rounding differs.
 */
final class AuxiliaryLoss {
    final Mlp net;                                 // g
    private final DataType type;
    private final int hidden;                      // H
    private final int itemWidth;                   // D
    private final double weight;                   // α
    // forward state; row q = t·B + s of each [T·B, ·] half
    private int batch;
    private int steps;
    private int[] lengths;
    private int pairs;
    private Tensor items;                          // [e_b; ê_b] [2·T·B, D]
    private Tensor shiftedInterests;               // row q: h of row q − B (0 for t = 0) [T·B, H]
    private Tensor hiddenWeights;                  // W_h, rows 0..H−1 of the first layer's W [H, F]
    private Tensor itemWeights;                    // W_e, rows H..H+D−1 [D, F]
    private Tensor hiddenTerm;                     // h_{t−1}·W_h + b [T·B, F]
    private Tensor ones;                           // 1 [T·B, 1]
    private Tensor first;                          // z₁ [2·T·B, F]
    private Tensor logits;                         // [2·T·B, 1]
    // backward state
    private Tensor dLogits;                        // [2·T·B, 1]
    private Tensor stepSums;                       // S = dz₁⁺ + dz₁⁻ [T·B, F]
    private Tensor hiddenGradient;                 // dW_h [H, F]
    private Tensor itemGradient;                   // dW_e [D, F]
    private Tensor dShiftedInterests;              // [T·B, H]
    private Tensor dItems;                         // [2·T·B, D]
    private Tensor dNegatives;                     // [T·B, D]

    AuxiliaryLoss(ModelConfig config, Initializer init) {
        this.type = config.dataType();
        this.hidden = config.hiddenSize();
        this.itemWidth = 2 * config.embeddingDim();
        this.weight = config.auxWeight();
        net = new Mlp("dien.aux", type, hidden + itemWidth, config.auxHidden(), 1, ActivationKind.SIGMOID, init);
    }

    /** The pairs the last forward counted (valid steps after the first); 0 leaves nothing to back-propagate. */
    int pairs() {
        return pairs;
    }

    /**
     * L_aux of a training batch.
     *
     * @param history   e_b [T·B, D]
     * @param interests h [T·B, H]
     */
    double forward(Batch b, EmbeddingLookup lookup, Tensor history, Tensor interests, int batch, int steps,
                   int[] lengths) {
        this.batch = batch;
        this.steps = steps;
        this.lengths = lengths;
        int h = hidden;
        int rows = steps * batch;                    // T·B
        Linear firstLinear = net.firstLinear();
        int f = firstLinear.out;
        items = Tensor.reuse(items, type, 2 * rows, itemWidth);
        items.copyFrom(history, 0, 0, rows * itemWidth);
        // ê_b straight into the second half
        lookup.gatherNegatives(rows, items, rows * itemWidth);
        shiftedInterests = Tensor.reuse(shiftedInterests, type, rows, h);
        for (int i = 0; i < batch * h; i++) {
            shiftedInterests.set(i, 0);
        }
        shiftedInterests.copyFrom(interests, 0, batch * h, (rows - batch) * h);
        Tensor w = firstLinear.weight.value();
        hiddenWeights = Tensor.reuse(hiddenWeights, type, h, f);
        hiddenWeights.copyFrom(w, 0, 0, h * f);
        itemWeights = Tensor.reuse(itemWeights, type, itemWidth, f);
        itemWeights.copyFrom(w, h * f, 0, itemWidth * f);
        // h_{t−1}·W_h + 1·b₁ [T·B, F], once for both halves
        hiddenTerm = Tensor.reuse(hiddenTerm, type, rows, f);
        Gemm.multiply(shiftedInterests, false, hiddenWeights, false, hiddenTerm);
        ones = Tensor.ones(ones, type, rows);
        Gemm.gemm(ones, false, firstLinear.bias.value(), false, hiddenTerm, 1.0, 1.0);
        // z₁ = that term in both halves, then += [e_b; ê_b]·W_e
        first = Tensor.reuse(first, type, 2 * rows, f);
        first.copyFrom(hiddenTerm, 0, 0, rows * f);
        first.copyFrom(hiddenTerm, 0, rows * f, rows * f);
        Gemm.gemm(items, false, itemWeights, false, first, 1.0, 1.0);
        logits = net.forwardAfterFirstLinear(first, true);
        double sum = 0;
        pairs = 0;
        for (int q = batch; q < rows; q++) {
            int t = q / batch;
            int s = q % batch;
            if (t >= lengths[s]) {
                continue;
            }
            pairs++;
            sum += CtrModel.logLoss(logits.get(q), 1);
            if (hasNegative(lookup, b, q, s, t)) {
                sum += CtrModel.logLoss(logits.get(rows + q), 0);
            }
        }
        return pairs == 0 ? 0 : sum / pairs;
    }

    private boolean hasNegative(EmbeddingLookup lookup, Batch b, int q, int s, int t) {
        return lookup.negativeItemRows[q] != EmbeddingTable.PADDING && b.negativeItem[s * steps + t] != 0;
    }

    /**
     * Back-propagates α·L_aux of the last forward: into g's parameters, into dInterests [T·B, H] and dHistory
     * [T·B, D] (added), and into {@link #dNegatives()} (set).
     */
    void backward(Batch b, EmbeddingLookup lookup, Tensor dInterests, Tensor dHistory) {
        int h = hidden;
        int rows = steps * batch;
        Linear firstLinear = net.firstLinear();
        int f = firstLinear.out;
        dLogits = Tensor.reuse(dLogits, type, 2 * rows, 1);
        dLogits.zero();
        double scale = weight / pairs;
        // −log σ(z): d/dz = σ(z) − 1 ;  −log(1 − σ(z)): d/dz = σ(z)
        for (int q = batch; q < rows; q++) {
            int t = q / batch;
            int s = q % batch;
            if (t >= lengths[s]) {
                continue;
            }
            dLogits.set(q, scale * (Activation.sigmoid(logits.get(q)) - 1));
            if (hasNegative(lookup, b, q, s, t)) {
                dLogits.set(rows + q, scale * Activation.sigmoid(logits.get(rows + q)));
            }
        }
        Tensor dFirst = net.backwardToFirstLinear(dLogits);          // dz₁ [2·T·B, F]
        // dW_e = [e_b; ê_b]ᵀ·dz₁
        itemGradient = Tensor.reuse(itemGradient, type, itemWidth, f);
        Gemm.multiply(items, true, dFirst, false, itemGradient);
        // S = dz₁⁺ + dz₁⁻ [T·B, F], the gradient at the shared term h·W_h + b₁: dW_h = hᵀ·S ; db₁ = Σ_q S_q
        stepSums = Tensor.reuse(stepSums, type, rows, f);
        stepSums.copyFrom(dFirst, 0, 0, rows * f);
        stepSums.addScaled(dFirst, rows * f, 0, rows * f, 1);
        hiddenGradient = Tensor.reuse(hiddenGradient, type, h, f);
        Gemm.multiply(shiftedInterests, true, stepSums, false, hiddenGradient);
        Tensor dW = firstLinear.weight.grad();
        dW.addScaled(hiddenGradient, 0, 0, h * f, 1);
        dW.addScaled(itemGradient, 0, h * f, itemWidth * f, 1);
        stepSums.addColumnSumsTo(firstLinear.bias.grad());
        // dh = S·W_hᵀ, whose row q is the gradient of h at row q − B
        dShiftedInterests = Tensor.reuse(dShiftedInterests, type, rows, h);
        Gemm.multiply(stepSums, false, hiddenWeights, true, dShiftedInterests);
        dInterests.addScaled(dShiftedInterests, batch * h, 0, (rows - batch) * h, 1);
        // [de_b; dê_b] = dz₁·W_eᵀ
        dItems = Tensor.reuse(dItems, type, 2 * rows, itemWidth);
        Gemm.multiply(dFirst, false, itemWeights, true, dItems);
        dHistory.addScaled(dItems, 0, 0, rows * itemWidth, 1);
        dNegatives = Tensor.reuse(dNegatives, type, rows, itemWidth);
        dNegatives.copyFrom(dItems, rows * itemWidth, 0, rows * itemWidth);
    }

    /** dê_b [T·B, D] of the last backward. */
    Tensor dNegatives() {
        return dNegatives;
    }
}
