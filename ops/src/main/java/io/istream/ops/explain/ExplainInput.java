package io.istream.ops.explain;

import io.istream.trainer.dataset.Interaction;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.ItemPopularity;
import io.istream.trainer.data.Batch;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code istream explain} feeds the model: one user's newest behaviours and a handful of candidates, as one batch
 * whose samples share the history (exactly how the scorer batches a request's candidates).
 */
public final class ExplainInput {

    /** A candidate item with its category, in the system's ids. */
    public record Candidate(long itemId, long categoryId) {
    }

    private ExplainInput() {
    }

    /** Position of the user in {@link InteractionLog#sequences()}, or −1 if the user has no rows. */
    public static int userIndex(InteractionLog log, long userId) {
        for (int u = 0; u < log.users(); u++) {
            if (log.sequence(u).get(0).userId() == userId) {
                return u;
            }
        }
        return -1;
    }

    /** The newest {@code maxHistory} rows of a time-ordered sequence, oldest first. */
    public static List<Interaction> newest(List<Interaction> sequence, int maxHistory) {
        return sequence.subList(Math.max(0, sequence.size() - maxHistory), sequence.size());
    }

    /** The category of an item (that of its first row), or −1 if the log never saw it. */
    public static long categoryOf(InteractionLog log, long itemId) {
        for (ItemPopularity item : log.itemPopularity()) {
            if (item.itemId() == itemId) {
                return item.categoryId();
            }
        }
        return -1;
    }

    /**
     * Contrast candidates for DIEN's Figure 3: the most popular item of each of the user's most frequent categories
     * in {@code history} (but the given candidate's), then the most popular item of a category the user never touched,
     * up to {@code count} items, none equal to {@code candidate} or to each other.
     */
    public static List<Candidate> contrasts(InteractionLog log, List<Interaction> history, Candidate candidate,
                                            int count) {
        Map<Long, Integer> frequency = new HashMap<>();
        for (Interaction row : history) {
            frequency.merge(row.categoryId(), 1, Integer::sum);
        }
        Map<Long, ItemPopularity> topItemOfCategory = new HashMap<>();
        for (ItemPopularity item : log.itemPopularity()) {
            if (item.itemId() == candidate.itemId()) {
                continue;
            }
            topItemOfCategory.merge(item.categoryId(), item, (a, b) -> b.count() > a.count() ? b : a);
        }
        Set<Long> categories = new LinkedHashSet<>();
        frequency.entrySet().stream()
                .sorted(Map.Entry.<Long, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey)
                .filter(c -> c != candidate.categoryId())
                .forEach(categories::add);
        List<Candidate> out = new ArrayList<>();
        for (long category : categories) {
            if (out.size() >= Math.max(0, count - 1)) {
                break;
            }
            ItemPopularity top = topItemOfCategory.get(category);
            if (top != null) {
                out.add(new Candidate(top.itemId(), top.categoryId()));
            }
        }
        topItemOfCategory.values().stream()
                .filter(item -> !frequency.containsKey(item.categoryId()) && item.categoryId() != candidate.categoryId())
                .max(Comparator.comparingLong(ItemPopularity::count).thenComparing(ItemPopularity::itemId,
                        Comparator.reverseOrder()))
                .ifPresent(item -> out.add(new Candidate(item.itemId(), item.categoryId())));
        return out.subList(0, Math.min(out.size(), count));
    }

    /** One sample per candidate, each with the whole history (T = its length). Labels are 0: nothing is trained. */
    public static Batch batch(long userId, List<Interaction> history, List<Candidate> candidates) {
        int steps = Math.max(1, history.size());
        Batch batch = new Batch(candidates.size(), steps);
        for (int s = 0; s < candidates.size(); s++) {
            batch.userId[s] = userId;
            batch.sampleKey[s] = userId;
            batch.targetItem[s] = candidates.get(s).itemId();
            batch.targetCategory[s] = candidates.get(s).categoryId();
            batch.historyLength[s] = history.size();
            for (int t = 0; t < history.size(); t++) {
                batch.historyItem[s * steps + t] = history.get(t).itemId();
                batch.historyCategory[s * steps + t] = history.get(t).categoryId();
            }
        }
        return batch;
    }
}
