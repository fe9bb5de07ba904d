package io.istream.ops.live;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named time series for the live page: the newest {@code capacity} points of each, in time order. Thread-safe: the
 * metrics-topic reader and the demo's once-a-second sampler write, the HTTP server reads.
 */
public final class LiveSeries {
    /** One point: epoch seconds (what uPlot's time axis takes) and a value. */
    public record Point(double timeSeconds, double value) {
    }

    private final int capacity;
    private final Map<String, Deque<Point>> series = new LinkedHashMap<>();

    public LiveSeries(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Adds a point; a non-finite value (a metric not measured yet) is left out rather than drawn as a gap of 0. */
    public synchronized void add(String name, long timeMs, double value) {
        if (!Double.isFinite(value)) {
            return;
        }
        Deque<Point> points = series.computeIfAbsent(name, n -> new ArrayDeque<>());
        if (points.size() == capacity) {
            points.removeFirst();
        }
        points.addLast(new Point(timeMs / 1000.0, value));
    }

    /** A copy of every series: name → [[t, v], ...], oldest first; the JSON the page polls. */
    public synchronized Map<String, List<double[]>> snapshot() {
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        series.forEach((name, points) -> {
            List<double[]> copy = new ArrayList<>(points.size());
            points.forEach(p -> copy.add(new double[] {p.timeSeconds(), p.value()}));
            out.put(name, copy);
        });
        return out;
    }

    public synchronized int size(String name) {
        Deque<Point> points = series.get(name);
        return points == null ? 0 : points.size();
    }
}
