package io.istream.ops.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import java.util.Properties;

/**
 * A Flink metric reporter for jobs running in this JVM (the local stack): it keeps the istream counters so that
 * the launcher can print live figures without a metrics backend. Counters of all subtasks are summed by name;
 * a {@code reason} group becomes part of the name, e.g. {@code istream.ingestion.deadLetters[BAD_HEADER]}.
 *
 * <p>Enabled with {@code metrics.reporter.live.factory.class: io.istream.ops.metrics.LiveMetrics$Factory}.
 */
public final class LiveMetrics implements MetricReporter {
    private static final Map<Counter, String> COUNTERS = new ConcurrentHashMap<>();

    @Override
    public void open(MetricConfig config) {
    }

    @Override
    public void close() {
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String metricName, MetricGroup group) {
        if (metric instanceof Counter counter) {
            String id = group.getMetricIdentifier(metricName);
            int at = id.indexOf("istream.");
            if (at >= 0) {
                COUNTERS.put(counter, nameOf(id.substring(at)));
            }
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

    public static long get(String name) {
        return snapshot().getOrDefault(name, 0L);
    }

    public static void reset() {
        COUNTERS.clear();
    }

    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new LiveMetrics();
        }
    }
}
