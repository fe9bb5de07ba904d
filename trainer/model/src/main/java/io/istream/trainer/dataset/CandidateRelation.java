package io.istream.trainer.dataset;

/** Where a synthetic candidate's category lies on the interest ring, relative to the user at impression time. */
public enum CandidateRelation {
    /** The user's current interest category. */
    CURRENT,
    /** One step on in the user's drift direction: where the interest goes next. */
    NEXT,
    /** One step back: where the interest came from. An order-blind model cannot tell it from NEXT. */
    PREVIOUS,
    /** Anywhere else on the ring. */
    OTHER
}
