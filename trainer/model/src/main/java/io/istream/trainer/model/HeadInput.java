package io.istream.trainer.model;

/**
 * What summarises the behaviours in the head's input, besides the candidate e_a itself. Each pooled vector v enters
 * as [v, v ⊙ e_a]; the interest state enters as h'_T. Which are allowed depends on the model: the base model has
 * only the sum pool, DIN has the attention pool (and may add the sum pool), DIEN has the final interest state (and may
 * add either pool, and the product of h'_T with the candidate). See docs/model.md, "The head and its inputs".
 */
public enum HeadInput {
    /** p = Σ_t m_t e_b[t], the base model's masked sum pool (DIEN's head keeps it too, DIEN §4.3). */
    SUM_POOLING,
    /** v = Σ_t w_t e_b[t] with w_t DIN's local activation unit over [e_b[t], e_a, e_b[t] − e_a, e_b[t] ⊙ e_a]. */
    ATTENTION_POOLING,
    /** h'_T, the interest-evolving layer's last valid state (DIEN). */
    INTEREST_STATE,
    /**
     * h'_T ⊙ (e_a·W_p + b_p): the last interest state times a projection of the candidate, so that the head sees their
     * match as products, as [p, p ⊙ e_a] gives it for the pools; an MLP on [h'_T, e_a] alone has to learn a product
     * from sums (DIEN only).
     */
    INTEREST_PRODUCT
}
