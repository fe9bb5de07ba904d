package io.istream.trainer.eval;

import io.istream.trainer.data.Batch;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metrics of slices of one split: by history length, and by whether the candidate is one of the user's own
 * behaviours (a repeat visit). Where a model wins or loses is then visible, not only whether: a long-history user
 * weighs little in a dataset of short histories, and a repeat is a candidate the history names outright.
 */
public final class SliceEvaluation {

    /** Upper bounds (inclusive) of the history-length slices; the last slice is everything longer. */
    static final int[] LENGTH_BOUNDS = {4, 9, 19, 49};

    private final Map<String, Evaluation> slices = new LinkedHashMap<>();

    public SliceEvaluation() {
        for (int i = 0; i <= LENGTH_BOUNDS.length; i++) {
            slices.put(lengthSlice(i), new Evaluation());
        }
        slices.put("repeat", new Evaluation());
        slices.put("new", new Evaluation());
    }

    private static String lengthSlice(int i) {
        int from = i == 0 ? 1 : LENGTH_BOUNDS[i - 1] + 1;
        return i == LENGTH_BOUNDS.length ? "history " + from + "+" : "history " + from + "-" + LENGTH_BOUNDS[i];
    }

    /** Adds a batch's samples: {@code probabilities[b]} is the model's p for sample b. */
    public SliceEvaluation add(Batch batch, double[] probabilities) {
        for (int b = 0; b < batch.size; b++) {
            int length = batch.historyLength[b];
            int slice = 0;
            while (slice < LENGTH_BOUNDS.length && length > LENGTH_BOUNDS[slice]) {
                slice++;
            }
            slices.get(lengthSlice(slice)).add(probabilities[b], batch.label[b], batch.sampleKey[b]);
            boolean repeat = false;
            for (int t = 0; t < Math.min(length, batch.steps) && !repeat; t++) {
                repeat = batch.historyItem[b * batch.steps + t] == batch.targetItem[b];
            }
            slices.get(repeat ? "repeat" : "new").add(probabilities[b], batch.label[b], batch.sampleKey[b]);
        }
        return this;
    }

    /** Each slice's metrics, slices without samples left out. */
    public Map<String, EvaluationResult> results() {
        Map<String, EvaluationResult> out = new LinkedHashMap<>();
        slices.forEach((name, e) -> {
            if (e.size() > 0) {
                out.put(name, e.result());
            }
        });
        return out;
    }
}
