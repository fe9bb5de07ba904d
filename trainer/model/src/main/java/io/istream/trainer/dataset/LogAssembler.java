package io.istream.trainer.dataset;

import io.istream.avro.BehaviorType;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects a reader's rows in file order and applies {@link ReadOptions#maxUsers()}; {@link #build()} then groups
 * and time-orders them (see {@link InteractionLog#of}).
 */
final class LogAssembler {

    private final String name;
    private final IdDictionary users;
    private final IdDictionary items;
    private final IdDictionary categories;
    private final int maxUsers;
    private final List<Interaction> rows = new ArrayList<>();

    LogAssembler(String name, IdDictionary users, IdDictionary items, IdDictionary categories, ReadOptions options) {
        this.name = name;
        this.users = users;
        this.items = items;
        this.categories = categories;
        this.maxUsers = options.maxUsers();
    }

    /**
     * Whether rows of this raw user are kept: a user already kept, or a new one while fewer than maxUsers are.
     * Readers of files whose users are contiguous stop at the first refusal; others skip the row and read on.
     */
    boolean admits(String rawUser) {
        return maxUsers == 0 || users.size() < maxUsers || users.find(rawUser).isPresent();
    }

    IdDictionary categories() {
        return categories;
    }

    void add(String rawUser, String rawItem, long categoryId, long timeMs, BehaviorType type, float rating) {
        long itemId = items.idOf(DelimitedFile.nonEmpty(rawItem, "item id"));
        long userId = users.idOf(DelimitedFile.nonEmpty(rawUser, "user id"));
        rows.add(new Interaction(userId, itemId, categoryId, timeMs, type, rating));
    }

    InteractionLog build() {
        return InteractionLog.of(name, rows, users, items, categories);
    }
}
