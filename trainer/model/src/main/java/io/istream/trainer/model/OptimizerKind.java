package io.istream.trainer.model;

/** The optimisers, with the per-parameter state tensors each keeps. */
public enum OptimizerKind {
    SGD(0),
    /** Per-element accumulated squared gradients. */
    ADAGRAD(1),
    /** First and second moments; embedding rows are updated lazily (only when in the batch), with the global t. */
    ADAM(2);

    private final int slots;

    OptimizerKind(int slots) {
        this.slots = slots;
    }

    public int slots() {
        return slots;
    }
}
