package io.istream.trainer.model;

/** Hidden-layer activations of the MLPs. */
public enum ActivationKind {
    /** max(0, s) + α·min(0, s), α per channel (DIN §4.3). */
    PRELU,
    /** DIN eq. 9: the rectifier point adapts to the input's batch statistics; moving averages at inference. */
    DICE,
    /** σ(s): the auxiliary network's hidden activation (DIEN §4.2). */
    SIGMOID,
    /** Identity. */
    NONE
}
