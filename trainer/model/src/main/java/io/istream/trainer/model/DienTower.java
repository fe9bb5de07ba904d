package io.istream.trainer.model;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * DIEN's layers above the embeddings (DIEN §4, docs/model.md): the interest extractor h_t = GRU(e_b[t]), the
 * attention a_t of each interest state against the candidate (bilinear, eq. 3, or the DIN-style FFN), the
 * interest-evolving layer h'_t (AUGRU and its variants, with a_t as the update-gate scale), the auxiliary objective
 * on h_t, and the head columns it contributes: h'_T and, when configured, h'_T ⊙ q with q = e_a·W_p + b_p.
 *
 * <p>Legend: B = batch, T = steps, H = hidden size, D = item width; [T·B, ·] tensors are time-major.
 */
final class DienTower {
    private final DataType type;
    private final int hidden;                      // H
    final Gru extractor;
    private final BilinearAttention bilinear;      // attention BILINEAR, or null
    private final FfnAttention ffnAttention;       // attention FFN, or null
    final Gru evolving;
    final AuxiliaryLoss auxiliary;
    private final Linear stateQuery;               // q = e_a·W_p + b_p [B, H] (INTEREST_PRODUCT), or null
    private final boolean stateInHead;             // head input h'_T (INTEREST_STATE)
    // forward state
    private Tensor interests;                      // h [T·B, H]
    private Tensor attentionWeights;               // a [T·B, 1]
    private Tensor evolvingStates;                 // h' [T·B, H]
    private Tensor tiledInterests;                 // scoring: shared states tiled [T·B, H]
    // backward state
    private Tensor dLast;                          // [B, H]
    private Tensor dStateQuery;                    // dq [B, H]
    private Tensor dInterests;                     // [T·B, H]

    /** Builds the layers in the order their initial values are drawn: extractor, attention, evolving, g, W_p. */
    DienTower(ModelConfig config, Initializer init) {
        this.type = config.dataType();
        this.hidden = config.hiddenSize();
        int itemWidth = 2 * config.embeddingDim();
        int h = hidden;
        extractor = new Gru("dien.extractor", type, CellKind.GRU, itemWidth, h, init);
        if (config.attention() == AttentionKind.BILINEAR) {
            bilinear = new BilinearAttention("dien.attention", type, h, itemWidth, init);
            ffnAttention = null;
        } else {
            bilinear = null;
            ffnAttention = new FfnAttention("dien.attention", type, h, itemWidth, true,
                    config.attentionHidden(), config.attentionActivation(), true, init);
        }
        evolving = new Gru("dien.evolving", type, config.evolvingCell(), h, h, init);
        auxiliary = new AuxiliaryLoss(config, init);
        stateInHead = config.hasHeadInput(HeadInput.INTEREST_STATE);
        stateQuery = config.hasHeadInput(HeadInput.INTEREST_PRODUCT)
                ? new Linear("dien.stateQuery", type, itemWidth, h, init) : null;
    }

    /** The head columns this tower fills: h'_T and h'_T ⊙ q, each where configured. */
    int headColumns() {
        return (stateInHead ? hidden : 0) + (stateQuery != null ? hidden : 0);
    }

    void threads(int n) {
        extractor.threads(n);
        evolving.threads(n);
        auxiliary.net.threads(n);
    }

    /**
     * The forward pass up to h'. With {@code shared} (one user's candidates at scoring: the extractor states
     * h [T, H] of their one history), the extractor does not run, and shared states are tiled to [T·B, H] only for a
     * layer that needs a copy per sample: the FFN attention, and AIGRU's scaled input; bilinear scores of shared
     * states are one GEMM.
     *
     * @param history   e_b [T·B, D] (unused with shared states)
     * @param target    e_a [B, D]
     * @param everyStep keep every h'_t (explanations), not only h'_T
     */
    void forward(Tensor history, Tensor target, Tensor shared, int batch, int steps, int[] lengths, boolean training,
                 boolean everyStep) {
        boolean tiled = shared != null && (bilinear == null || evolving.kind == CellKind.AIGRU);
        if (tiled) {
            tiledInterests = SharedHistory.tileRows(shared, hidden, tiledInterests, type, batch, steps);
        }
        interests = shared == null ? extractor.forward(history, batch, steps, lengths, null, training)
                : tiled ? tiledInterests : null;
        attentionWeights = bilinear == null
                ? ffnAttention.forward(interests, target, batch, steps, lengths, training)
                : interests == null ? bilinear.forwardShared(shared, target, batch, steps, lengths)
                : bilinear.forward(interests, target, batch, steps, lengths);
        evolving.lastStateOnly(!everyStep);   // the head reads only h'_T; explanations read every h'_t
        evolvingStates = shared != null && evolving.kind != CellKind.AIGRU
                ? evolving.forwardShared(shared, batch, steps, lengths, attentionWeights)
                : evolving.forward(interests, batch, steps, lengths, attentionWeights, training);
    }

    /** The extractor over one history alone (B = 1, inference): h [T, H]. */
    Tensor extractOne(Tensor history, int steps, int length) {
        return extractor.forward(history, 1, steps, new int[] {length}, null, false);
    }

    /** Puts [h'_T] [h'_T ⊙ q] at column {@code from} of the head input [B, width]; returns the next free column. */
    int putHeadColumns(Tensor headInput, int width, Tensor target, int from, int batch) {
        int col = from;
        Tensor last = evolving.last();                    // h'_T [B, H]
        int h = hidden;
        if (stateInHead) {
            for (int s = 0; s < batch; s++) {
                headInput.copyFrom(last, s * h, s * width + col, h);
            }
            col += h;
        }
        if (stateQuery != null) {
            Tensor q = stateQuery.forward(target);           // [B, H]
            for (int s = 0; s < batch; s++) {
                for (int j = 0; j < h; j++) {
                    headInput.set(s * width + col + j, last.get(s * h + j) * q.get(s * h + j));
                }
            }
            col += h;
        }
        return col;
    }

    /**
     * Back from the head (its input's gradient dHead [B, width], this tower's columns first) through the evolving
     * layer and the attention to dL/dh [T·B, H], which it returns (the auxiliary loss and then
     * {@link #backwardExtractor} add to it). de_a goes into dTarget.
     *
     * @param dPoolWeights dL/da_t from an attention pool that reuses a_t (INTEREST_ATTENTION), or null
     */
    Tensor backwardToInterests(Tensor dHead, int width, Tensor dPoolWeights, Tensor dTarget, int batch, int steps) {
        int rows = steps * batch;
        int h = hidden;
        dLast = Tensor.reuse(dLast, type, batch, h);
        dLast.zero();
        int stateCol = 0;
        if (stateInHead) {
            for (int s = 0; s < batch; s++) {
                dLast.copyFrom(dHead, s * width, s * h, h);
            }
            stateCol = h;
        }
        if (stateQuery != null) {
            // y = h'_T ⊙ q:  dh'_T += dy ⊙ q ; dq = dy ⊙ h'_T ; de_a += dq·W_pᵀ (and dW_p, db_p in the Linear)
            Tensor last = evolving.last();
            Tensor q = stateQuery.output();
            dStateQuery = Tensor.reuse(dStateQuery, type, batch, h);
            for (int s = 0; s < batch; s++) {
                for (int j = 0; j < h; j++) {
                    double dy = dHead.get(s * width + stateCol + j);
                    dLast.add(s * h + j, dy * q.get(s * h + j));
                    dStateQuery.set(s * h + j, dy * last.get(s * h + j));
                }
            }
            dTarget.addScaled(stateQuery.backward(dStateQuery), 1.0);
        }
        // evolving layer: only its last state feeds the head
        Tensor dFromEvolving = evolving.backward(null, dLast);
        dInterests = Tensor.reuse(dInterests, type, rows, h);
        dInterests.copyFrom(dFromEvolving);
        Tensor dA = evolving.dAttention();
        if (dPoolWeights != null) {
            // a_t weighs both the evolving cell's update gates and the pool: da_t = da_t(cell) + dw_t(pool)
            dA.addScaled(dPoolWeights, 1.0);
        }
        if (bilinear != null) {
            bilinear.backward(dA);
            dInterests.addScaled(bilinear.dKeys(), 1.0);
            dTarget.addScaled(bilinear.dQuery(), 1.0);
        } else {
            ffnAttention.backward(dA);
            dInterests.addScaled(ffnAttention.dKeys(), 1.0);
            dTarget.addScaled(ffnAttention.dQuery(), 1.0);
        }
        return dInterests;
    }

    /** The extractor's backward pass: dHistory [T·B, D] += dL/de_b from dL/dh [T·B, H]. */
    void backwardExtractor(Tensor dInterestStates, Tensor dHistory) {
        dHistory.addScaled(extractor.backward(dInterestStates, null), 1.0);
    }

    /** h [T·B, H] of the last forward (null when it read shared states untiled). */
    Tensor interests() {
        return interests;
    }

    /** a [T·B, 1] of the last forward. */
    Tensor attentionWeights() {
        return attentionWeights;
    }

    /** h' [T·B, H] of the last forward (every step only after an explaining forward). */
    Tensor evolvingStates() {
        return evolvingStates;
    }

    /** Dense parameters in a stable order: extractor, attention, evolving, g, W_p. */
    List<Param> params() {
        List<Param> out = new ArrayList<>(extractor.params());
        out.addAll(bilinear != null ? bilinear.params() : ffnAttention.params());
        out.addAll(evolving.params());
        out.addAll(auxiliary.net.params());
        if (stateQuery != null) {
            out.addAll(stateQuery.params());
        }
        return out;
    }
}
