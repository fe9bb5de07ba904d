package io.istream.trainer.model;

/** Which assembly: the papers' base model and the two interest models. */
public enum ModelKind {
    /** Embedding & MLP: sum pooling of the behaviours. */
    BASE,
    /** DIN: the local activation unit weights each behaviour by its relevance to the candidate. */
    DIN,
    /** DIEN: GRU interest extractor with auxiliary loss, attention, AUGRU interest evolving. */
    DIEN
}
