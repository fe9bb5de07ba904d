package io.istream.scorer;

import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DIEN's interest-extractor states per user, for the current model version: the extractor (a GRU over the user's
 * behaviours) does not see the candidates, so its states serve every request of the user until a behaviour arrives
 * or the model changes. Bounded: the least recently used users go first. An entry is used only when the model
 * version and the whole history (item and category ids) are the same, so a hit scores exactly as a miss.
 */
final class InterestCache {
    private record Entry(long modelVersion, long[] items, long[] categories, Tensor states) {
    }

    private final int capacity;
    private final Map<Long, Entry> entries;
    private long hits;
    private long misses;

    InterestCache(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Entry> eldest) {
                return size() > InterestCache.this.capacity;
            }
        };
    }

    /** h [T, H] of the user's history under this model version: cached, or computed and cached. */
    Tensor statesFor(CtrModel model, long modelVersion, long userId, long[] items, long[] categories) {
        Entry e = entries.get(userId);
        if (e != null && e.modelVersion == modelVersion && Arrays.equals(e.items, items)
                && Arrays.equals(e.categories, categories)) {
            hits++;
            return e.states;
        }
        misses++;
        Tensor states = model.interestStates(items, categories);
        entries.put(userId, new Entry(modelVersion, items, categories, states));
        return states;
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }

    int size() {
        return entries.size();
    }
}
