package io.istream.trainer.model;

/**
 * How attention enters a recurrent cell. With z the effective update gate, every kind computes
 * h_t = (1 − z_t) ∘ h_{t−1} + z_t ∘ h̃_t.
 */
public enum CellKind {
    /** Plain GRU (DIEN eqs. 3–6): z = u. The interest extractor. */
    GRU,
    /** AUGRU (DIEN eqs. 12–13): z = a_t · u. An irrelevant step (a_t → 0) leaves the state unchanged. */
    AUGRU,
    /** AGRU (DIEN eq. 11): z = a_t; the update gate is not used. */
    AGRU,
    /** AIGRU (DIEN eq. 10): the input is scaled, x′ = a_t · x; then a plain GRU. */
    AIGRU,
    /**
     * The public DIEN code's cell, for comparison only: it scales the TensorFlow-convention keep gate, so
     * z = 1 − (1 − a_t)·u, and a step with a_t → 0 still moves the state. (Reset gate placement is kept in the
     * paper's form here, so only the attention path differs.)
     */
    AUGRU_REFERENCE;

    public boolean usesAttention() {
        return this != GRU;
    }
}
