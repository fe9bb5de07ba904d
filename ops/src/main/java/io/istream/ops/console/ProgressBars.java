package io.istream.ops.console;

import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The launcher's progress bars: redrawn in place on a terminal; where output goes to a file or a pipe (a log, CI),
 * one plain line every few seconds instead of carriage-return redraws.
 */
public final class ProgressBars {
    /** How often a bar prints a line when there is no terminal. */
    static final long LOG_INTERVAL_MS = 5_000;

    private ProgressBars() {
    }

    /** A bar on stderr for {@code max} steps of {@code unit} (e.g. " events"), showing its speed. */
    public static ProgressBar start(String task, long max, String unit) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII).setUnit(unit, 1).showSpeed();
        return System.console() != null ? b.setUpdateIntervalMillis(500).continuousUpdate().build()
                : b.setConsumer(new DelegatingProgressBarConsumer(System.err::println))
                        .setUpdateIntervalMillis((int) LOG_INTERVAL_MS).build();
    }
}
