package io.istream.ops.metrics;

import java.util.Map;
import java.util.TreeMap;

/** The data plane's counters at one moment, read from {@link LiveMetrics}. */
public record PipelineCounts(long recordsIn, long recordsPassed, long deadLetters, Map<String, Long> deadLettersByReason,
                             long impressions, long clicksJoined, long behaviors, long samplesOut, long positives) {

    public static PipelineCounts now() {
        return of(LiveMetrics.snapshot());
    }

    /** The counts of one job (the demo runs the scorer too, which reads behaviours again). */
    public static PipelineCounts of(String jobName) {
        return of(LiveMetrics.snapshot(jobName));
    }

    private static PipelineCounts of(Map<String, Long> all) {
        Map<String, Long> reasons = new TreeMap<>();
        all.forEach((name, value) -> {
            int open = name.indexOf(".deadLetters[");
            if (open >= 0) {
                reasons.merge(name.substring(open + ".deadLetters[".length(), name.length() - 1), value, Long::sum);
            }
        });
        return new PipelineCounts(
                all.getOrDefault("istream.ingestion.recordsIn", 0L),
                all.getOrDefault("istream.ingestion.recordsPassed", 0L),
                all.getOrDefault("istream.ingestion.deadLetters", 0L) + all.getOrDefault("istream.features.deadLetters", 0L),
                reasons,
                all.getOrDefault("istream.features.impressionsAccepted", 0L),
                all.getOrDefault("istream.features.clicksJoined", 0L),
                all.getOrDefault("istream.features.behaviorsAccepted", 0L),
                all.getOrDefault("istream.features.samplesOut", 0L),
                all.getOrDefault("istream.features.positives", 0L));
    }

    /** Records the feature state accepted; with dead letters, it accounts for every record read. */
    public long processed() {
        return impressions + clicksJoined + behaviors;
    }
}
