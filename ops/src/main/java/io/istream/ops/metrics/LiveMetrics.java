package io.istream.ops.metrics;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import java.util.Properties;

/**
 * A Flink metric reporter for jobs running in this JVM (the local stack): it keeps the istream counters so that
 * the launcher can print live figures without a metrics backend. Gauges and histograms are kept too, by name. Counters of all subtasks are summed by name;
 * a {@code reason} group becomes part of the name, e.g. {@code istream.ingestion.deadLetters[BAD_HEADER]}.
 *
 * <p>Enabled with {@code metrics.reporter.live.factory.class: io.istream.ops.metrics.LiveMetrics$Factory}.
 */
public final class LiveMetrics implements MetricReporter {
    private static final Map<Counter, String> COUNTERS = new ConcurrentHashMap<>();
    private static final Map<Counter, String> COUNTER_JOBS = new ConcurrentHashMap<>();
    private static final Map<Metric, String> READINGS = new ConcurrentHashMap<>();   // gauges and histograms
    private static final java.util.Set<String> CHECKPOINT_GAUGES = java.util.Set.of("lastCheckpointDuration",
            "lastCheckpointFullSize",
            "lastCheckpointSize", "numberOfCompletedCheckpoints");

    @Override
    public void open(MetricConfig config) {
    }

    @Override
    public void close() {
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String metricName, MetricGroup group) {
        String id = group.getMetricIdentifier(metricName);
        if (CHECKPOINT_GAUGES.contains(metricName) && metric instanceof Gauge<?>) {
            // Flink's own job-level checkpoint gauges, by job: flink.checkpoint.lastCheckpointDuration[istream learning]
            READINGS.put(metric, "flink.checkpoint." + metricName + "[" + group.getAllVariables().get("<job_name>") + "]");
            return;
        }
        int at = id.indexOf("istream.");
        if (at < 0) {
            return;
        }
        String name = nameOf(id.substring(at));
        if (metric instanceof Counter counter) {
            COUNTERS.put(counter, name);
            COUNTER_JOBS.put(counter, String.valueOf(group.getAllVariables().get("<job_name>")));
        } else if (metric instanceof Gauge<?> || metric instanceof Histogram) {
            READINGS.put(metric, name);
        }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String metricName, MetricGroup group) {
        // keep the last values: a finished job's totals are what a benchmark reports
    }

    /** istream.ingestion.reason.BAD_HEADER.deadLetters → istream.ingestion.deadLetters[BAD_HEADER] */
    static String nameOf(String scoped) {
        int reason = scoped.indexOf(".reason.");
        if (reason < 0) {
            return scoped;
        }
        String rest = scoped.substring(reason + ".reason.".length());
        int dot = rest.lastIndexOf('.');
        return scoped.substring(0, reason) + "." + rest.substring(dot + 1) + "[" + rest.substring(0, dot) + "]";
    }

    /** Sums per name over all subtasks (and over every job this JVM ran). */
    public static Map<String, Long> snapshot() {
        Map<String, Long> totals = new TreeMap<>();
        COUNTERS.forEach((counter, name) -> totals.merge(name, counter.getCount(), Long::sum));
        return totals;
    }

    /** As {@link #snapshot()}, counting only the subtasks of the job named {@code jobName}. */
    public static Map<String, Long> snapshot(String jobName) {
        Map<String, Long> totals = new TreeMap<>();
        COUNTERS.forEach((counter, name) -> {
            if (jobName.equals(COUNTER_JOBS.get(counter))) {
                totals.merge(name, counter.getCount(), Long::sum);
            }
        });
        return totals;
    }

    /** The largest numeric value of the gauges called {@code name} (one per subtask), NaN when none is numeric. */
    public static double gauge(String name) {
        double out = Double.NaN;
        for (Map.Entry<Metric, String> e : READINGS.entrySet()) {
            if (e.getValue().equals(name) && e.getKey() instanceof Gauge<?> g && g.getValue() instanceof Number n
                    && !Double.isNaN(n.doubleValue())) {
                out = Double.isNaN(out) ? n.doubleValue() : Math.max(out, n.doubleValue());
            }
        }
        return out;
    }

    /**
     * The quantile of the histograms called {@code name}, the worst over subtasks (each subtask keeps its own
     * sample); NaN without data.
     */
    public static double quantile(String name, double quantile) {
        double out = Double.NaN;
        for (Map.Entry<Metric, String> e : READINGS.entrySet()) {
            if (e.getValue().equals(name) && e.getKey() instanceof Histogram h && h.getCount() > 0) {
                double q = h.getStatistics().getQuantile(quantile);
                out = Double.isNaN(out) ? q : Math.max(out, q);
            }
        }
        return out;
    }

    /** The names of every gauge and histogram reported so far, sorted. */
    public static List<String> readingNames() {
        return READINGS.values().stream().distinct().sorted().toList();
    }

    public static long get(String name) {
        return snapshot().getOrDefault(name, 0L);
    }

    public static void reset() {
        COUNTERS.clear();
        COUNTER_JOBS.clear();
        READINGS.clear();
    }

    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new LiveMetrics();
        }
    }
}
