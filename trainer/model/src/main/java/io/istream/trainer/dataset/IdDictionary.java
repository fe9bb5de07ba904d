package io.istream.trainer.dataset;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Maps a dataset's raw string ids (ASINs, user names, genre names) to the system's positive long ids.
 *
 * <p>Two kinds, chosen per field by each reader:
 * <ul>
 *   <li>{@link #dense}: ids 1, 2, 3, ... in order of first appearance. Id 0 is never issued, because 0 is invalid
 *       in this system (the reference code's vocabularies mapped unseen ids to 0, which was a real user).</li>
 *   <li>{@link #numeric}: the raw id is already a positive integer (MovieLens, Taobao) and is kept as is, so the
 *       ids in a replayed stream can be matched against the original files and against other tools' outputs.</li>
 * </ul>
 * Both record which raw ids were seen, so {@link #size()} is the number of distinct ids either way.
 *
 * <p>Not thread-safe: a reader fills it while parsing and hands it over with the {@link InteractionLog}.
 */
public final class IdDictionary {

    private final String domain;
    private final boolean keepsNumericIds;
    private final Map<String, Long> idsByRaw = new HashMap<>();   // dense only
    private final List<String> rawById = new ArrayList<>();       // dense only: rawById.get(id - 1)
    private final Set<Long> numericIds = new HashSet<>();         // numeric only

    private IdDictionary(String domain, boolean keepsNumericIds) {
        this.domain = domain;
        this.keepsNumericIds = keepsNumericIds;
    }

    /** A dictionary that issues 1, 2, 3, ... in order of first appearance; {@code domain} names it in errors. */
    public static IdDictionary dense(String domain) {
        return new IdDictionary(domain, false);
    }

    /** A dictionary whose raw ids are positive integers, kept as the ids. */
    public static IdDictionary numeric(String domain) {
        return new IdDictionary(domain, true);
    }

    /** The id of {@code raw}, issuing one if it is new. */
    public long idOf(String raw) {
        if (keepsNumericIds) {
            long id = parseNumeric(raw);
            numericIds.add(id);
            return id;
        }
        if (raw.isEmpty()) {
            throw new IllegalArgumentException("empty " + domain + " id");
        }
        Long id = idsByRaw.get(raw);
        if (id == null) {
            rawById.add(raw);
            id = (long) rawById.size();
            idsByRaw.put(raw, id);
        }
        return id;
    }

    /** The id of {@code raw} if it was seen; never issues one. */
    public OptionalLong find(String raw) {
        if (keepsNumericIds) {
            try {
                long id = Long.parseLong(raw);
                return numericIds.contains(id) ? OptionalLong.of(id) : OptionalLong.empty();
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        Long id = idsByRaw.get(raw);
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }

    /** The raw id behind {@code id}. */
    public String raw(long id) {
        if (keepsNumericIds) {
            if (numericIds.contains(id)) {
                return Long.toString(id);
            }
        } else if (id >= 1 && id <= rawById.size()) {
            return rawById.get((int) (id - 1));
        }
        throw new NoSuchElementException("no " + domain + " with id " + id);
    }

    /** Number of distinct ids seen. */
    public int size() {
        return keepsNumericIds ? numericIds.size() : rawById.size();
    }

    public boolean keepsNumericIds() {
        return keepsNumericIds;
    }

    public String domain() {
        return domain;
    }

    private long parseNumeric(String raw) {
        long id;
        try {
            id = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(domain + " id must be a positive integer, got '" + raw + "'");
        }
        if (id < 1) {
            throw new IllegalArgumentException(domain + " id must be a positive integer, got '" + raw + "'");
        }
        return id;
    }

    @Override
    public String toString() {
        return domain + (keepsNumericIds ? " ids (numeric, kept): " : " ids (dense): ") + size();
    }
}
