package io.istream.trainer.dataset;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A dataset as the replay protocols need it: every user's interactions together, in time order.
 *
 * <p>Users appear in order of their first row in the file; each user's rows are sorted by time with a stable sort,
 * so rows with equal times (Amazon's day-granular reviews) keep their file order. That order is the tie-break the
 * offline DIN/DIEN protocol uses, and {@link ReviewProtocol} turns it into distinct replay times.
 */
public final class InteractionLog {

    private static final Comparator<Interaction> BY_TIME = Comparator.comparingLong(Interaction::timeMs);

    private final String name;
    private final List<Interaction> rows;          // grouped by user, each user's rows in time order
    private final int[] userStarts;                // [users + 1]: user u's rows are rows[userStarts[u], userStarts[u+1])
    private final IdDictionary userIds;
    private final IdDictionary itemIds;
    private final IdDictionary categoryIds;
    private final List<ItemPopularity> itemPopularity;   // in order of first appearance in rows
    private final int categories;

    private InteractionLog(String name, List<Interaction> rows, int[] userStarts, IdDictionary userIds,
                           IdDictionary itemIds, IdDictionary categoryIds) {
        this.name = name;
        this.rows = Collections.unmodifiableList(rows);
        this.userStarts = userStarts;
        this.userIds = userIds;
        this.itemIds = itemIds;
        this.categoryIds = categoryIds;
        this.itemPopularity = countItems(rows);
        Set<Long> distinctCategories = new HashSet<>();
        for (Interaction row : rows) {
            distinctCategories.add(row.categoryId());
        }
        this.categories = distinctCategories.size();
    }

    /**
     * Groups rows given in file order by user (users in order of first appearance) and sorts each user's rows by
     * time, keeping file order among equal times.
     */
    public static InteractionLog of(String name, List<Interaction> rowsInFileOrder, IdDictionary users,
                                    IdDictionary items, IdDictionary categories) {
        Map<Long, List<Interaction>> byUser = new LinkedHashMap<>();
        for (Interaction row : rowsInFileOrder) {
            byUser.computeIfAbsent(row.userId(), user -> new ArrayList<>()).add(row);
        }
        List<Interaction> grouped = new ArrayList<>(rowsInFileOrder.size());
        int[] starts = new int[byUser.size() + 1];
        int user = 0;
        for (List<Interaction> sequence : byUser.values()) {
            sequence.sort(BY_TIME);   // List.sort is stable: equal times keep file order
            starts[user++] = grouped.size();
            grouped.addAll(sequence);
        }
        starts[user] = grouped.size();
        return new InteractionLog(name, grouped, starts, users, items, categories);
    }

    /** A log whose ids are already the system's ids; its dictionaries keep them as they are. */
    public static InteractionLog of(String name, List<Interaction> rowsInFileOrder) {
        IdDictionary users = IdDictionary.numeric("user");
        IdDictionary items = IdDictionary.numeric("item");
        IdDictionary categories = IdDictionary.numeric("category");
        for (Interaction row : rowsInFileOrder) {
            users.idOf(Long.toString(row.userId()));
            items.idOf(Long.toString(row.itemId()));
            categories.idOf(Long.toString(row.categoryId()));
        }
        return of(name, rowsInFileOrder, users, items, categories);
    }

    public String name() {
        return name;
    }

    /** All rows: grouped by user, each user's rows in time order. */
    public List<Interaction> rows() {
        return rows;
    }

    /** The time-ordered rows of the user at position {@code userIndex} (0-based, in order of first appearance). */
    public List<Interaction> sequence(int userIndex) {
        return rows.subList(userStarts[userIndex], userStarts[userIndex + 1]);
    }

    /** Every user's time-ordered rows, users in order of first appearance (views, no copies). */
    public List<List<Interaction>> sequences() {
        List<List<Interaction>> sequences = new ArrayList<>(users());
        for (int u = 0; u < users(); u++) {
            sequences.add(sequence(u));
        }
        return sequences;
    }

    /** Each distinct item with its category (of its first row) and its number of rows, for popularity sampling. */
    public List<ItemPopularity> itemPopularity() {
        return itemPopularity;
    }

    public IdDictionary userIds() {
        return userIds;
    }

    public IdDictionary itemIds() {
        return itemIds;
    }

    public IdDictionary categoryIds() {
        return categoryIds;
    }

    public int users() {
        return userStarts.length - 1;
    }

    public int items() {
        return itemPopularity.size();
    }

    public int categories() {
        return categories;
    }

    public int interactions() {
        return rows.size();
    }

    private static List<ItemPopularity> countItems(List<Interaction> rows) {
        Map<Long, long[]> categoryAndCount = new LinkedHashMap<>();
        for (Interaction row : rows) {
            categoryAndCount.computeIfAbsent(row.itemId(), item -> new long[] {row.categoryId(), 0})[1]++;
        }
        List<ItemPopularity> popularity = new ArrayList<>(categoryAndCount.size());
        categoryAndCount.forEach((item, cc) -> popularity.add(new ItemPopularity(item, cc[0], cc[1])));
        return Collections.unmodifiableList(popularity);
    }

    @Override
    public String toString() {
        return name + ": " + users() + " users, " + items() + " items, " + categories() + " categories, "
                + interactions() + " interactions";
    }
}
