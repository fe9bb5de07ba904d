package io.istream.trainer.streaming;

/** Which score of a sample the prequential metrics use; both come from the model before it learns from the label. */
public enum PrequentialScore {
    /**
     * Exactly what the scorer would have served (Dice's moving statistics; ids not yet admitted on the unknown row).
     * For samples whose ids are all admitted, the training forward computes it: its head runs once more in inference
     * mode, before the batch's statistics move. Samples with an id not yet admitted get an inference pass of their own
     * before the training step, because the training lookup gives that id a row inference would not read.
     */
    SERVED,
    /**
     * The training step's own forward pass, before the update (progressive validation): no extra pass, but Dice uses
     * the batch's statistics and new ids their freshly admitted rows, so it is not quite the served score.
     */
    TRAINING_PASS
}
