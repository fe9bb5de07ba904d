package io.istream.trainer.streaming;

/** Which score of a sample the prequential metrics use; both come from the model before it learns from the label. */
public enum PrequentialScore {
    /**
     * A separate inference pass before the training step: exactly what the scorer would have served (Dice's moving
     * statistics; ids not yet admitted on the unknown row). Costs one more forward pass per batch.
     */
    SERVED,
    /**
     * The training step's own forward pass, before the update (progressive validation): no extra pass, but Dice uses
     * the batch's statistics and new ids their freshly admitted rows, so it is not quite the served score.
     */
    TRAINING_PASS
}
