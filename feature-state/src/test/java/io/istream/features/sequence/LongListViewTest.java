package io.istream.features.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.avro.BehaviorType;
import io.istream.avro.Sample;
import io.istream.schemas.AvroCodec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class LongListViewTest {
    @Test
    void behavesAsTheBoxedList() {
        long[] values = {1, 200, -3, Long.MAX_VALUE};
        LongListView view = new LongListView(values);
        List<Long> boxed = new ArrayList<>(List.of(1L, 200L, -3L, Long.MAX_VALUE));
        assertThat(view).isEqualTo(boxed).hasSameHashCodeAs(boxed).containsExactlyElementsOf(boxed);
        assertThat(view.getLong(1)).isEqualTo(200L);
        Iterator<Long> it = new LongListView(new long[0]).iterator();
        assertThat(it.hasNext()).isFalse();
        assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> view.add(5L)).isInstanceOf(UnsupportedOperationException.class);
    }

    /** A sample built on views encodes to exactly the bytes of one built on boxed lists, and decodes equal. */
    @Test
    void samplesEncodeAsWithBoxedLists() throws Exception {
        AvroCodec<Sample> codec = AvroCodec.of(Sample.class);
        long[] items = {11, 12, 300_000};
        long[] cats = {1, 2, 3};
        long[] times = {1_700_000_000_000L, 1_700_000_000_500L, 1_700_000_001_000L};
        long[] negItems = {21, 22, 23};
        long[] negCats = {4, 5, 6};
        Sample withViews = sample(new LongListView(items), new LongListView(cats), new LongListView(times),
                new LongListView(negItems), new LongListView(negCats));
        Sample withLists = sample(boxed(items), boxed(cats), boxed(times), boxed(negItems), boxed(negCats));
        byte[] bytes = codec.encode(withViews);
        assertThat(bytes).isEqualTo(codec.encode(withLists));
        assertThat(codec.decode(bytes)).isEqualTo(withLists);
    }

    private static Sample sample(List<Long> items, List<Long> cats, List<Long> times, List<Long> negItems,
                                 List<Long> negCats) {
        return Sample.newBuilder().setSampleId("r/1").setRequestId("r").setUserId(7).setItemId(1).setCategoryId(2)
                .setLabel(1).setImpressionTimeMs(1_700_000_002_000L).setLabelTimeMs(1_700_000_002_500L)
                .setHistoryItems(items).setHistoryCategories(cats)
                .setHistoryTypes(List.of(BehaviorType.CLICK, BehaviorType.VIEW, BehaviorType.BUY))
                .setHistoryTimesMs(times).setNegativeItems(negItems).setNegativeCategories(negCats).build();
    }

    private static List<Long> boxed(long[] values) {
        List<Long> out = new ArrayList<>();
        for (long v : values) {
            out.add(v);
        }
        return out;
    }
}
