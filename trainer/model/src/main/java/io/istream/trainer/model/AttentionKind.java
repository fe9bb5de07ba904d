package io.istream.trainer.model;

/** DIEN's attention score between an interest state h_t and the candidate e_a. */
public enum AttentionKind {
    /** h_t W e_a (DIEN eq. 9). */
    BILINEAR,
    /** FFN([h_t, q, h_t − q, h_t ⊙ q]) with q = PReLU(W_q e_a), as in the reference code. */
    FFN
}
