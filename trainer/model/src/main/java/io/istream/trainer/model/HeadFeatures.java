package io.istream.trainer.model;

/**
 * The head's input row per sample, [tower] [e_a] [p, p ⊙ e_a] [v, v ⊙ e_a] [user], each block where configured:
 * DIEN's columns ({@link DienTower#putHeadColumns}), the candidate e_a, the sum pool p, the attention pool v, the
 * user vector. Pools enter with their product with the candidate, as in DIN's released code. This class puts the
 * candidate and pool blocks and takes their gradients apart again.
 */
final class HeadFeatures {
    final int width;                               // columns of the head input
    final int towerColumns;                        // DIEN's, first
    final boolean sumPool;                         // [p, p ⊙ e_a] (SUM_POOLING)
    final boolean attentionPool;                   // [v, v ⊙ e_a] (ATTENTION_POOLING)
    private final int itemWidth;                   // D
    private final int userWidth;                   // d, or 0

    HeadFeatures(ModelConfig config, int towerColumns) {
        this.towerColumns = towerColumns;
        this.itemWidth = 2 * config.embeddingDim();
        this.userWidth = config.userEmbedding() ? config.embeddingDim() : 0;
        this.sumPool = config.hasHeadInput(HeadInput.SUM_POOLING);
        this.attentionPool = config.hasHeadInput(HeadInput.ATTENTION_POOLING);
        this.width = towerColumns + itemWidth + (sumPool ? 2 * itemWidth : 0) + (attentionPool ? 2 * itemWidth : 0)
                + userWidth;
    }

    /** Puts e_a [B, D] at column {@code from}; returns the next free column. */
    int putCandidate(Tensor head, Tensor target, int from, int batch) {
        for (int s = 0; s < batch; s++) {
            head.copyFrom(target, s * itemWidth, s * width + from, itemWidth);
        }
        return from + itemWidth;
    }

    /** Puts [p, p ⊙ e_a] of a pooled vector p [B, D] at column {@code from}; returns the next free column. */
    int putPool(Tensor head, Tensor pool, Tensor target, int from, int batch) {
        for (int s = 0; s < batch; s++) {
            int o = s * width + from;
            for (int j = 0; j < itemWidth; j++) {
                double a = target.get(s * itemWidth + j);
                double p = pool.get(s * itemWidth + j);
                head.set(o + j, p);
                head.set(o + itemWidth + j, p * a);
            }
        }
        return from + 2 * itemWidth;
    }

    /** Puts the user vectors [B, d] in the last columns. */
    void putUser(Tensor head, Tensor user, int batch) {
        for (int s = 0; s < batch; s++) {
            head.copyFrom(user, s * userWidth, s * width + width - userWidth, userWidth);
        }
    }

    /** de_a [B, D] = the candidate's own columns of dHead (set; the pools and attention add their shares later). */
    void candidateBackward(Tensor dHead, Tensor dTarget, int batch) {
        for (int s = 0; s < batch; s++) {
            dTarget.copyFrom(dHead, s * width + towerColumns, s * itemWidth, itemWidth);
        }
    }

    /** Pool block [p, p ⊙ e_a] at {@code from}: de_a += d₁∘p ; dp = d₀ + d₁∘e_a (into {@code dp}). */
    void poolBackward(Tensor dHead, int from, Tensor pool, Tensor target, Tensor dTarget, Tensor dp, int batch) {
        for (int s = 0; s < batch; s++) {
            int o = s * width + from;
            for (int j = 0; j < itemWidth; j++) {
                double a = target.get(s * itemWidth + j);
                double p = pool.get(s * itemWidth + j);
                double d0 = dHead.get(o + j);
                double d1 = dHead.get(o + itemWidth + j);
                dTarget.add(s * itemWidth + j, d1 * p);
                dp.set(s * itemWidth + j, d0 + d1 * a);
            }
        }
    }

    /** The user vectors' gradient [B, d], from the last columns. */
    void userBackward(Tensor dHead, Tensor dUser, int batch) {
        for (int s = 0; s < batch; s++) {
            dUser.copyFrom(dHead, s * width + width - userWidth, s * userWidth, userWidth);
        }
    }

    /** First column of the sum pool's block. */
    int sumPoolColumn() {
        return towerColumns + itemWidth;
    }

    /** First column of the attention pool's block. */
    int attentionPoolColumn() {
        return sumPoolColumn() + (sumPool ? 2 * itemWidth : 0);
    }
}
