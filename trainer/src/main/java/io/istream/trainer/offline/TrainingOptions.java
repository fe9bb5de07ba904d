package io.istream.trainer.offline;

/**
 * @param epochs        passes over the training split
 * @param batchSize     B
 * @param seed          shuffling seed (the model's initialisation seed is in its config)
 * @param bucketBatches group samples of similar history length into the same batch (order still shuffled): far less
 *                      padding when a few long histories would otherwise set T for every batch
 * @param evalBatchSize B for validation and test scoring
 */
public record TrainingOptions(int epochs, int batchSize, long seed, boolean bucketBatches, int evalBatchSize) {

    public TrainingOptions {
        if (epochs < 1 || batchSize < 1 || evalBatchSize < 1) {
            throw new IllegalArgumentException("epochs, batch size and eval batch size must be ≥ 1");
        }
    }

    public static TrainingOptions defaults() {
        return new TrainingOptions(3, 128, 1, true, 512);
    }
}
