package io.istream.trainer.dataset;

import java.util.List;

/**
 * Replay times for one user's sequence. Datasets with coarse clocks (Amazon: one timestamp per day) have several
 * interactions at the same time, but the pipeline builds a sample's history from behaviours STRICTLY before its
 * impression. Spreading equal times a fixed gap apart, in sequence order, makes "strictly before" select exactly the
 * history the offline protocol uses (all earlier positions).
 */
final class ReplayTimes {

    private ReplayTimes() {
    }

    /** t_0 = time_0, t_k = max(time_k, t_{k-1} + minGapMs): strictly increasing, never earlier than the data. */
    static long[] strictlyIncreasing(List<Interaction> sequence, long minGapMs) {
        long[] times = new long[sequence.size()];
        for (int k = 0; k < times.length; k++) {
            long time = sequence.get(k).timeMs();
            times[k] = k == 0 ? time : Math.max(time, times[k - 1] + minGapMs);
        }
        return times;
    }
}
