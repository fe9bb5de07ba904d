package io.istream.trainer.offline;

/**
 * @param epochs        passes over the training split
 * @param batchSize     B
 * @param seed          shuffling seed (the model's initialisation seed is in its config)
 * @param bucketBatches group samples of similar history length into the same batch (order still shuffled): far less
 *                      padding when a few long histories would otherwise set T for every batch
 * @param evalBatchSize B for validation and test scoring
 * @param learningRateDecay epoch e trains at η·decayᵉ⁻¹ (1: a constant rate); the optimiser's state is kept
 * @param patience      stop after this many epochs without a better validation AUC (0: train every epoch)
 */
public record TrainingOptions(int epochs, int batchSize, long seed, boolean bucketBatches, int evalBatchSize,
                              double learningRateDecay, int patience) {

    public TrainingOptions {
        if (epochs < 1 || batchSize < 1 || evalBatchSize < 1) {
            throw new IllegalArgumentException("epochs, batch size and eval batch size must be ≥ 1");
        }
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be ≥ 0, got " + patience);
        }
        if (!(learningRateDecay > 0 && learningRateDecay <= 1)) {
            throw new IllegalArgumentException("learning-rate decay must be in (0, 1], got " + learningRateDecay);
        }
    }

    /** A constant learning rate. */
    public TrainingOptions(int epochs, int batchSize, long seed, boolean bucketBatches, int evalBatchSize) {
        this(epochs, batchSize, seed, bucketBatches, evalBatchSize, 1.0, 0);
    }

    /** The learning-rate multiplier of epoch {@code epoch} (1-based): decay^(epoch − 1). */
    public double learningRateScale(int epoch) {
        return Math.pow(learningRateDecay, epoch - 1);
    }

    public static TrainingOptions defaults() {
        return new TrainingOptions(3, 128, 1, true, 512);
    }
}
