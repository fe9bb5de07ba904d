package io.istream.trainer.model;

/**
 * What summarises the behaviours in the head's input, besides the candidate e_a itself. Each pooled vector v enters
 * as [v, v ⊙ e_a]; the interest state enters as h'_T. Which are allowed depends on the model: the base model has
 * only the sum pool, DIN has the attention pool (and may add the sum pool), DIEN has the final interest state (and may
 * add either pool). See docs/model.md, "Head inputs".
 */
public enum HeadInput {
    /** p = Σ_t m_t e_b[t], the base model's masked sum pool (DIEN's head keeps it too, DIEN §4.3). */
    SUM_POOLING,
    /** v = Σ_t w_t e_b[t] with w_t DIN's local activation unit over [e_b[t], e_a, e_b[t] − e_a, e_b[t] ⊙ e_a]. */
    ATTENTION_POOLING,
    /** h'_T, the interest-evolving layer's last valid state (DIEN). */
    INTEREST_STATE
}
