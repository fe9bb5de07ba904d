package io.istream.trainer.dataset;

import io.istream.avro.BehaviorType;
import java.util.Objects;

/**
 * One user-item interaction read from a dataset: what every reader produces and every replay protocol consumes.
 *
 * <p>Ids are already the system's ids (positive longs, see {@link IdDictionary}); 0 and negatives are rejected
 * here so that a bad mapping fails at read time instead of silently colliding with the embedding tables' reserved
 * rows downstream.
 *
 * @param userId     positive user id
 * @param itemId     positive item id
 * @param categoryId positive category id of the item
 * @param timeMs     epoch milliseconds (datasets with second or day granularity are scaled up, never shifted)
 * @param type       what the user did
 * @param rating     the explicit rating, or {@code NaN} where the dataset has none
 */
public record Interaction(long userId, long itemId, long categoryId, long timeMs, BehaviorType type, float rating) {

    public Interaction {
        requirePositive("userId", userId);
        requirePositive("itemId", itemId);
        requirePositive("categoryId", categoryId);
        Objects.requireNonNull(type, "type");
    }

    /** An interaction without an explicit rating (reviews, clicks, purchases). */
    public static Interaction unrated(long userId, long itemId, long categoryId, long timeMs, BehaviorType type) {
        return new Interaction(userId, itemId, categoryId, timeMs, type, Float.NaN);
    }

    public boolean hasRating() {
        return !Float.isNaN(rating);
    }

    private static void requirePositive(String field, long id) {
        if (id < 1) {
            throw new IllegalArgumentException(field + " must be a positive id, got " + id);
        }
    }
}
