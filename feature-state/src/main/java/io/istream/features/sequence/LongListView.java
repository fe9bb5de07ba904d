package io.istream.features.sequence;

import java.util.AbstractList;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.RandomAccess;

/**
 * A read-only {@code List<Long>} over a {@code long[]} that the list owns, for the Avro {@link
 * io.istream.avro.Sample}'s arrays. Copying a sample's six arrays of up to 100 ids into boxed lists was ~7% of the
 * feature-state operator (JFR); with this view no list is built, and an element is boxed only as the Avro encoder
 * reads it, once.
 */
public final class LongListView extends AbstractList<Long> implements RandomAccess {
    private final long[] values;   // [size], not shared with anyone who writes to it

    /** Takes ownership of {@code values}: the caller must not change them afterwards. */
    public LongListView(long[] values) {
        this.values = values;
    }

    @Override
    public Long get(int index) {
        return values[index];
    }

    /** The element as a primitive. */
    public long getLong(int index) {
        return values[index];
    }

    @Override
    public int size() {
        return values.length;
    }

    @Override
    public Iterator<Long> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < values.length;
            }

            @Override
            public Long next() {
                if (next >= values.length) {
                    throw new NoSuchElementException();
                }
                return values[next++];
            }
        };
    }
}
