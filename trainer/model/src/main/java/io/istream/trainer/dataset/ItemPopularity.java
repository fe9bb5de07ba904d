package io.istream.trainer.dataset;

/**
 * How often an item occurs in a log, with its category: the input of the {@link PopularitySampler}, and what it
 * returns for a draw.
 */
public record ItemPopularity(long itemId, long categoryId, long count) {

    public ItemPopularity {
        if (itemId < 1 || categoryId < 1) {
            throw new IllegalArgumentException("ids must be positive: item " + itemId + ", category " + categoryId);
        }
        if (count < 1) {
            throw new IllegalArgumentException("item " + itemId + " must occur at least once, count " + count);
        }
    }
}
