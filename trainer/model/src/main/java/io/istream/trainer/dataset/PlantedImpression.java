package io.istream.trainer.dataset;

/**
 * The ground truth behind one synthetic impression: its planted click probability and the click that was drawn.
 *
 * @param sampleId    {@code requestId/itemId}, as the pipeline's Sample carries it
 * @param probability the true click probability p
 * @param clicked     the sampled label
 */
public record PlantedImpression(String sampleId, long userId, int step, long itemId, long categoryId,
                                CandidateRelation relation, double probability, boolean clicked) {
}
