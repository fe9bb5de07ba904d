package io.istream.trainer.streaming;

import io.istream.avro.Sample;
import io.istream.trainer.data.Batch;
import java.util.ArrayList;
import java.util.List;

/** Labelled samples from the data plane → the model's {@link Batch}. */
public final class SampleBatches {
    private SampleBatches() {
    }

    /** {@code samples} in order, cut into batches of {@code batchSize} (the last may be smaller), as {@link #of}. */
    public static List<Batch> inBatches(List<Sample> samples, int batchSize, int maxHistory) {
        List<Batch> batches = new ArrayList<>();
        for (int from = 0; from < samples.size(); from += batchSize) {
            batches.add(of(samples.subList(from, Math.min(samples.size(), from + batchSize)), maxHistory));
        }
        return batches;
    }

    /**
     * One batch of {@code samples}: each history cut to its newest {@code maxHistory} behaviours, T = the longest
     * history in the batch (at least 1). A missing auxiliary negative is 0 (no auxiliary pair at that step).
     */
    public static Batch of(List<Sample> samples, int maxHistory) {
        int steps = 1;
        for (Sample s : samples) {
            steps = Math.max(steps, Math.min(maxHistory, s.getHistoryItems().size()));
        }
        Batch b = new Batch(samples.size(), steps);
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            b.userId[i] = s.getUserId();
            b.targetItem[i] = s.getItemId();
            b.targetCategory[i] = s.getCategoryId();
            b.label[i] = s.getLabel() == 1 ? 1f : 0f;
            b.sampleKey[i] = s.getUserId();
            List<Long> items = s.getHistoryItems();
            List<Long> categories = s.getHistoryCategories();
            List<Long> negItems = s.getNegativeItems();
            List<Long> negCategories = s.getNegativeCategories();
            int n = Math.min(maxHistory, items.size());
            int skip = items.size() - n;          // oldest behaviours beyond T
            b.historyLength[i] = n;
            for (int t = 0; t < n; t++) {
                int k = i * steps + t;
                int src = skip + t;
                b.historyItem[k] = items.get(src);
                b.historyCategory[k] = src < categories.size() ? categories.get(src) : 0;
                b.negativeItem[k] = src < negItems.size() ? negItems.get(src) : 0;
                b.negativeCategory[k] = src < negCategories.size() ? negCategories.get(src) : 0;
            }
        }
        return b;
    }
}
