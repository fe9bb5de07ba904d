package io.istream.trainer.data;

import java.util.Arrays;

/**
 * One mini-batch of labelled samples as raw ids, before any embedding lookup: what every data source (offline
 * protocols, the streaming trainer, the scorer) hands to the model.
 *
 * <p>Legend: B = samples in the batch, T = steps of history (the longest history in the batch, or a fixed T).
 * Histories are oldest first and left-aligned: step t of sample b is at index {@code b·T + t}, valid for
 * t < historyLength[b]; the rest is padding (id 0) and is masked everywhere in the model. Auxiliary negatives are
 * aligned with the history: negative step t is an item the user did not act on in place of behaviour t.
 *
 * <p>Ids are the system's ids (positive longs); 0 is padding and never a real id.
 */
public final class Batch {

    public final int size;                 // B
    public final int steps;                // T
    public final long[] userId;            // [B]
    public final long[] targetItem;        // [B] candidate item id
    public final long[] targetCategory;    // [B] candidate category id
    public final long[] historyItem;       // [B·T] behaviour item ids, 0 = padding
    public final long[] historyCategory;   // [B·T]
    public final long[] negativeItem;      // [B·T] auxiliary negative for each behaviour step, 0 = none
    public final long[] negativeCategory;  // [B·T]
    public final int[] historyLength;      // [B] valid steps, 0..T
    public final float[] label;            // [B] 1 = clicked, 0 = not
    public final long[] sampleKey;         // [B] group key for gAUC (the user id unless a protocol says otherwise)

    public Batch(int size, int steps) {
        this.size = size;
        this.steps = steps;
        userId = new long[size];
        targetItem = new long[size];
        targetCategory = new long[size];
        historyItem = new long[size * steps];
        historyCategory = new long[size * steps];
        negativeItem = new long[size * steps];
        negativeCategory = new long[size * steps];
        historyLength = new int[size];
        label = new float[size];
        sampleKey = new long[size];
    }

    /** Whether behaviour step t of sample b is real (1) or padding (0): m[b, t]. */
    public boolean valid(int b, int t) {
        return t < historyLength[b];
    }

    /** The batch of samples [from, to) of this one, with the same T. */
    public Batch slice(int from, int to) {
        int n = to - from;
        Batch out = new Batch(n, steps);
        System.arraycopy(userId, from, out.userId, 0, n);
        System.arraycopy(targetItem, from, out.targetItem, 0, n);
        System.arraycopy(targetCategory, from, out.targetCategory, 0, n);
        System.arraycopy(historyItem, from * steps, out.historyItem, 0, n * steps);
        System.arraycopy(historyCategory, from * steps, out.historyCategory, 0, n * steps);
        System.arraycopy(negativeItem, from * steps, out.negativeItem, 0, n * steps);
        System.arraycopy(negativeCategory, from * steps, out.negativeCategory, 0, n * steps);
        System.arraycopy(historyLength, from, out.historyLength, 0, n);
        System.arraycopy(label, from, out.label, 0, n);
        System.arraycopy(sampleKey, from, out.sampleKey, 0, n);
        return out;
    }

    /** The batch of the given samples of this one, in that order, with the same T. */
    public Batch select(int[] samples) {
        Batch out = new Batch(samples.length, steps);
        for (int i = 0; i < samples.length; i++) {
            int s = samples[i];
            out.userId[i] = userId[s];
            out.targetItem[i] = targetItem[s];
            out.targetCategory[i] = targetCategory[s];
            System.arraycopy(historyItem, s * steps, out.historyItem, i * steps, steps);
            System.arraycopy(historyCategory, s * steps, out.historyCategory, i * steps, steps);
            System.arraycopy(negativeItem, s * steps, out.negativeItem, i * steps, steps);
            System.arraycopy(negativeCategory, s * steps, out.negativeCategory, i * steps, steps);
            out.historyLength[i] = historyLength[s];
            out.label[i] = label[s];
            out.sampleKey[i] = sampleKey[s];
        }
        return out;
    }

    @Override
    public String toString() {
        return "Batch[B=" + size + ", T=" + steps + ", lengths=" + Arrays.toString(
                Arrays.copyOf(historyLength, Math.min(size, 8))) + (size > 8 ? "…" : "") + "]";
    }
}
