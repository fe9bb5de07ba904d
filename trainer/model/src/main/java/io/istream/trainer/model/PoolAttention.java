package io.istream.trainer.model;

/** Which weights the attention pool v = Σ_t w_t e_b[t] of the head uses ({@link HeadInput#ATTENTION_POOLING}). */
public enum PoolAttention {
    /** DIN's local activation unit over [e_b[t], e_a, e_b[t] − e_a, e_b[t] ⊙ e_a], a network of its own. */
    LOCAL_ACTIVATION,
    /**
     * DIEN's attention a_t over the interest states (the weights its interest-evolving cell uses): no network of its
     * own, and the head's gradient reaches that attention directly, not only through the evolving cell (DIEN only).
     */
    INTEREST_ATTENTION
}
