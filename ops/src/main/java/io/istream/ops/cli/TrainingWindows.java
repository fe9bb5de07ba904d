package io.istream.ops.cli;

import java.util.Comparator;
import java.util.List;

/**
 * Throughput from the streaming trainer's metrics windows (processing time, one writer, so they do not overlap),
 * split into a warm-up and the steady state after it.
 */
final class TrainingWindows {

    private TrainingWindows() {
    }

    /** One metrics window: [startMs, endMs) of wall-clock time and the samples trained in it. */
    record Window(long startMs, long endMs, long samples) {
    }

    /**
     * @param samples        trained in every window
     * @param seconds        from the first window's start to the last one's end
     * @param warmupSamples  trained in the windows that ended within the warm-up
     * @param warmupSeconds  from the first window's start to the first steady window's start
     * @param steadySamples  trained in the windows after them
     * @param steadySeconds  from the first steady window's start to the last window's end (0: none)
     */
    record Split(long samples, double seconds, long warmupSamples, double warmupSeconds, long steadySamples,
                 double steadySeconds) {

        double samplesPerSecond() {
            return samples / seconds;
        }

        /** NaN when no window came after the warm-up. */
        double steadySamplesPerSecond() {
            return steadySeconds > 0 ? steadySamples / steadySeconds : Double.NaN;
        }
    }

    /** Windows that trained nothing are left out; one that ends within {@code warmupMs} of the first is warm-up. */
    static Split split(List<Window> windows, long warmupMs) {
        List<Window> trained = windows.stream().filter(w -> w.samples() > 0)
                .sorted(Comparator.comparingLong(Window::startMs)).toList();
        if (trained.isEmpty()) {
            return new Split(0, 0, 0, 0, 0, 0);
        }
        long first = trained.get(0).startMs();
        long last = trained.stream().mapToLong(Window::endMs).max().orElseThrow();
        long samples = 0;
        long warmupSamples = 0;
        long steadyStart = Long.MAX_VALUE;
        for (Window w : trained) {
            samples += w.samples();
            if (w.endMs() <= first + warmupMs) {
                warmupSamples += w.samples();
            } else {
                steadyStart = Math.min(steadyStart, w.startMs());
            }
        }
        boolean steady = steadyStart != Long.MAX_VALUE;
        return new Split(samples, (last - first) / 1000.0, warmupSamples,
                ((steady ? steadyStart : last) - first) / 1000.0, samples - warmupSamples,
                steady ? (last - steadyStart) / 1000.0 : 0);
    }
}
