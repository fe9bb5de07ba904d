package io.istream.features.sequence;

import io.istream.avro.BehaviorType;
import io.istream.avro.ImpressionContext;
import io.istream.avro.Sample;
import io.istream.features.join.JoinEffects;
import io.istream.features.join.PendingImpression;
import io.istream.features.join.UserJoinState;
import io.istream.features.negatives.AuxiliaryNegatives;
import io.istream.features.negatives.RecentItemPool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds the labelled {@link Sample} of an impression: its history strictly before the impression, and negatives. */
public final class SampleAssembler {
    private static final BehaviorType[] TYPES = BehaviorType.values();
    private final int maxHistory;

    public SampleAssembler(int maxHistory) {
        this.maxHistory = maxHistory;
    }

    public Sample assemble(long userId, JoinEffects.Labelled labelled, BehaviorSequence sequence, UserJoinState join,
                           RecentItemPool pool) {
        PendingImpression imp = labelled.impression();
        // history = the last maxHistory behaviours strictly before the impression (no leakage of later ones)
        int end = sequence == null ? 0 : sequence.countBefore(imp.impressionTimeMs);
        int start = Math.max(0, end - maxHistory);
        long[] items = sequence == null ? new long[0] : Arrays.copyOfRange(sequence.itemIds, start, end);
        long[] cats = sequence == null ? new long[0] : Arrays.copyOfRange(sequence.categoryIds, start, end);
        long[] times = sequence == null ? new long[0] : Arrays.copyOfRange(sequence.timesMs, start, end);
        List<BehaviorType> types = new ArrayList<>(end - start);
        for (int i = start; i < end; i++) {
            types.add(TYPES[sequence.types[i]]);
        }
        String sampleId = imp.joinKey();
        long[][] negatives = AuxiliaryNegatives.choose(imp.itemId, items, join.shownNotClickedItems,
                join.shownNotClickedCategories, pool, seedOf(userId, sampleId));
        String page = imp.page();
        ImpressionContext context = imp.position < 0 && page == null ? null
                : new ImpressionContext(imp.position < 0 ? null : imp.position, page);
        return Sample.newBuilder()
                .setSampleId(sampleId)
                .setRequestId(imp.requestId())
                .setUserId(userId)
                .setItemId(imp.itemId)
                .setCategoryId(imp.categoryId)
                .setLabel(labelled.label())
                .setImpressionTimeMs(imp.impressionTimeMs)
                .setLabelTimeMs(labelled.labelTimeMs())
                .setHistoryItems(boxed(items))
                .setHistoryCategories(boxed(cats))
                .setHistoryTypes(types)
                .setHistoryTimesMs(boxed(times))
                .setNegativeItems(boxed(negatives[0]))
                .setNegativeCategories(boxed(negatives[1]))
                .setContext(context)
                .build();
    }

    static long seedOf(long userId, String sampleId) {
        return userId * 0x9E3779B97F4A7C15L ^ sampleId.hashCode();
    }

    /** The sample's view of an array it now owns: no boxing until the encoder reads it. */
    private static List<Long> boxed(long[] values) {
        return new LongListView(values);
    }
}
