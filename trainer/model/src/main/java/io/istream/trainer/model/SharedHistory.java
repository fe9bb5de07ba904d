package io.istream.trainer.model;

import io.istream.trainer.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The scoring path for one user's candidates: every sample of the batch has the same history, so it is gathered,
 * sum-pooled and (in DIEN) run through the interest extractor once instead of B times. The extractor does not see
 * the candidate, so its states h [T, H] serve every candidate; a scorer may even cache them per user and model
 * version ({@link CtrModel#interestStates}).
 */
final class SharedHistory {
    private final DataType type;
    private final int width;                       // D
    private int[] itemRows = new int[0];           // sample 0's history item rows [T]
    private int[] categoryRows = new int[0];       // sample 0's history category rows [T]
    private Tensor history;                        // sample 0's e_b [T, D]

    SharedHistory(DataType type, int width) {
        this.type = type;
        this.width = width;
    }

    /** Whether every sample of the batch has sample 0's history. */
    static boolean sharedBy(Batch b) {
        int n = b.historyLength[0];
        for (int s = 1; s < b.size; s++) {
            if (b.historyLength[s] != n) {
                return false;
            }
            int from = s * b.steps;
            for (int t = 0; t < n; t++) {
                if (b.historyItem[from + t] != b.historyItem[t] || b.historyCategory[from + t] != b.historyCategory[t]) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Sample 0's history e [T, D], returned, and its sum pool copied to every sample's row of {@code pooled}
     * [B, D]: what a forward pass would gather and pool B times over.
     */
    Tensor gather(EmbeddingLookup lookup, Tensor pooled, int batch, int steps) {
        if (itemRows.length < steps) {
            itemRows = new int[steps];
            categoryRows = new int[steps];
        }
        for (int t = 0; t < steps; t++) {
            itemRows[t] = lookup.historyItemRows[t * batch];
            categoryRows[t] = lookup.historyCategoryRows[t * batch];
        }
        history = Tensor.reuse(history, type, steps, width);           // [T, D]
        lookup.gather(itemRows, categoryRows, steps, history);
        int length = lookup.lengths[0];
        for (int j = 0; j < width; j++) {
            double sum = 0;
            for (int t = 0; t < length; t++) {
                sum += history.get(t * width + j);
            }
            for (int s = 0; s < batch; s++) {
                pooled.set(s * width + j, sum);
            }
        }
        return history;
    }

    /** Row t·B + s = one[t] for every sample s: one [T, W] → [T·B, W], time-major. */
    static Tensor tileRows(Tensor one, int width, Tensor reuse, DataType type, int batch, int steps) {
        one.requireShape(steps, width);
        Tensor out = Tensor.reuse(reuse, type, steps * batch, width);   // [T·B, width]
        for (int t = 0; t < steps; t++) {
            for (int s = 0; s < batch; s++) {
                out.copyFrom(one, t * width, (t * batch + s) * width, width);
            }
        }
        return out;
    }
}
