package io.istream.trainer.streaming;

import io.istream.avro.BehaviorType;
import io.istream.avro.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Labelled samples with a planted signal, for streaming tests: each user has a favourite category; most of the
 * history is from it, and a candidate of that category is clicked with probability 0.8 (0.1 otherwise). Public for
 * the operator harness test in io.istream.trainer.job.
 */
public final class PlantedSamples {
    static final int CATEGORIES = 8;

    private PlantedSamples() {
    }

    public static List<Sample> generate(int count, int users, int items, int maxHistory, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Sample> out = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            long user = 1 + random.nextInt(users);
            int favourite = (int) (user % CATEGORIES);
            int length = 1 + random.nextInt(maxHistory);
            List<Long> historyItems = new ArrayList<>();
            List<Long> historyCategories = new ArrayList<>();
            List<BehaviorType> types = new ArrayList<>();
            List<Long> times = new ArrayList<>();
            List<Long> negItems = new ArrayList<>();
            List<Long> negCategories = new ArrayList<>();
            for (int t = 0; t < length; t++) {
                long item = random.nextInt(10) < 8 ? itemOfCategory(random, items, favourite) : 1 + random.nextInt(items);
                historyItems.add(item);
                historyCategories.add(categoryOf(item));
                types.add(BehaviorType.CLICK);
                times.add(1_000L * n + t);
                long negative = 1 + random.nextInt(items);
                negItems.add(negative);
                negCategories.add(categoryOf(negative));
            }
            long target = 1 + random.nextInt(items);
            boolean liked = categoryOf(target) == favourite + 1;
            int label = random.nextDouble() < (liked ? 0.8 : 0.1) ? 1 : 0;
            long time = 1_700_000_000_000L + 1_000L * n;
            out.add(Sample.newBuilder()
                    .setSampleId("r" + n + "/" + target)
                    .setRequestId("r" + n)
                    .setUserId(user)
                    .setItemId(target)
                    .setCategoryId(categoryOf(target))
                    .setLabel(label)
                    .setImpressionTimeMs(time)
                    .setLabelTimeMs(time + 500)
                    .setHistoryItems(historyItems)
                    .setHistoryCategories(historyCategories)
                    .setHistoryTypes(types)
                    .setHistoryTimesMs(times)
                    .setNegativeItems(negItems)
                    .setNegativeCategories(negCategories)
                    .build());
        }
        return out;
    }

    static long categoryOf(long item) {
        return item % CATEGORIES + 1;
    }

    private static long itemOfCategory(SplittableRandom random, int items, int category) {
        long item = 1 + random.nextInt(items);
        return item - item % CATEGORIES + category == 0 ? CATEGORIES : item - item % CATEGORIES + category;
    }
}
