package io.istream.trainer.model;

import java.util.Arrays;

/**
 * An open-addressing map from long keys to non-negative ints (linear probing, backward-shift deletion): the
 * collisionless id → entry index of the embedding tables. Two ids never share a slot's value, unlike a hashing trick.
 * Key 0 is reserved (padding), so an empty slot is marked by key 0.
 */
public final class LongIntMap {

    public static final int MISSING = -1;

    private long[] keys;
    private int[] values;
    private int size;
    private int mask;

    public LongIntMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
    }

    public int size() {
        return size;
    }

    public int get(long key) {
        requireKey(key);
        int i = slot(key);
        while (true) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == 0) {
                return MISSING;
            }
            i = (i + 1) & mask;
        }
    }

    public void put(long key, int value) {
        requireKey(key);
        if (value < 0) {
            throw new IllegalArgumentException("values are non-negative, got " + value);
        }
        if ((size + 1) * 4 > keys.length * 3) {
            grow();
        }
        int i = slot(key);
        while (keys[i] != 0 && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (keys[i] == 0) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
    }

    /** Removes the key; returns its value or {@link #MISSING}. */
    public int remove(long key) {
        requireKey(key);
        int i = slot(key);
        while (keys[i] != key) {
            if (keys[i] == 0) {
                return MISSING;
            }
            i = (i + 1) & mask;
        }
        int removed = values[i];
        // backward-shift: move later members of the probe chain into the hole so lookups never stop early
        int hole = i;
        int j = (i + 1) & mask;
        while (keys[j] != 0) {
            int home = slot(keys[j]);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
            j = (j + 1) & mask;
        }
        keys[hole] = 0;
        values[hole] = 0;
        size--;
        return removed;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private static void requireKey(long key) {
        if (key == 0) {
            throw new IllegalArgumentException("key 0 is reserved for padding");
        }
    }

    public void clear() {
        Arrays.fill(keys, 0);
        Arrays.fill(values, 0);
        size = 0;
    }
}
