package io.istream.ingestion.replay;

import io.istream.ingestion.dataset.EventScript;
import io.istream.ingestion.dataset.TimedEvent;
import io.istream.ingestion.producer.EventPublisher;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Publishes an event script in event-time order, as fast as the producer goes ({@code speed = 0}) or at a multiple
 * of real time (the gap between two events' times, divided by {@code speed}, passes on the wall clock between
 * their sends).
 */
public final class Replay {
    private final EventPublisher publisher;
    private final double speed;
    private final boolean progressBar;
    private final AtomicLong published = new AtomicLong();

    /**
     * @param speed       0 for maximum speed, else the multiple of real time (e.g. 3600 = an hour per second)
     * @param progressBar draw a progress bar on stderr
     */
    public Replay(EventPublisher publisher, double speed, boolean progressBar) {
        if (speed < 0 || Double.isNaN(speed)) {
            throw new IllegalArgumentException("speed must be 0 (maximum) or positive, got " + speed);
        }
        this.publisher = publisher;
        this.speed = speed;
        this.progressBar = progressBar;
    }

    public record Result(long events, Duration elapsed) {
        public double eventsPerSecond() {
            return events / Math.max(1e-9, elapsed.toNanos() / 1e9);
        }
    }

    /** Events sent so far, for live displays. */
    public long published() {
        return published.get();
    }

    public Result run(EventScript script) {
        long start = System.nanoTime();
        long firstEventMs = script.events().isEmpty() ? 0 : script.events().get(0).eventTimeMs();
        ProgressBar bar = progressBar ? new ProgressBarBuilder().setTaskName("replay " + script.name())
                .setInitialMax(script.size()).setStyle(ProgressBarStyle.ASCII).setUnit(" events", 1).showSpeed()
                .setUpdateIntervalMillis(500).build() : null;
        try {
            for (TimedEvent event : script.events()) {
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
                if (speed > 0) {
                    long dueNanos = start + (long) ((event.eventTimeMs() - firstEventMs) * 1e6 / speed);
                    for (long wait = dueNanos - System.nanoTime(); wait > 0 && !Thread.currentThread().isInterrupted();
                         wait = dueNanos - System.nanoTime()) {
                        // pacing to the script's clock is the point here, not waiting for a condition
                        LockSupport.parkNanos(Math.min(wait, TimeUnit.SECONDS.toNanos(1)));
                    }
                }
                publisher.publish(event.event());
                published.incrementAndGet();
                if (bar != null) {
                    bar.step();
                }
            }
            publisher.flush();
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        return new Result(published.get(), Duration.ofNanos(System.nanoTime() - start));
    }
}
