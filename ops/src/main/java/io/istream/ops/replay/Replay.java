package io.istream.ops.replay;

import io.istream.ingestion.producer.EventPublisher;
import io.istream.ops.console.ProgressBars;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.TimedEvent;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;

/**
 * Publishes an event script in event-time order, as fast as the producer goes ({@code speed = 0}) or at a multiple
 * of real time (the gap between two events' times, divided by {@code speed}, passes on the wall clock between
 * their sends); or, endlessly, a chain of scripts at a steady number of events a second ({@link #runEndless}).
 */
public final class Replay {
    private final EventPublisher publisher;
    private final double speed;
    private final boolean progressBar;
    private final AtomicLong published = new AtomicLong();
    private volatile Consumer<TimedEvent> listener = event -> { };
    private volatile boolean stopped;

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

    /** Called on the replay's thread after each event is handed to the producer (e.g. to aim score requests). */
    public Replay onPublished(Consumer<TimedEvent> newListener) {
        this.listener = newListener;
        return this;
    }

    /** Asks a running replay to stop after the event it is sending; it flushes what it sent and returns. */
    public void stop() {
        stopped = true;
    }

    private boolean stopping() {
        return stopped || Thread.currentThread().isInterrupted();
    }

    /** Events sent so far, for live displays. */
    public long published() {
        return published.get();
    }

    public Result run(EventScript script) {
        long start = System.nanoTime();
        long firstEventMs = script.events().isEmpty() ? 0 : script.events().get(0).eventTimeMs();
        ProgressBar bar = progressBar ? ProgressBars.start("replay " + script.name(), script.size(), " events")
                : null;
        try {
            for (TimedEvent event : script.events()) {
                if (stopping()) {
                    break;
                }
                if (speed > 0) {
                    long dueNanos = start + (long) ((event.eventTimeMs() - firstEventMs) * 1e6 / speed);
                    for (long wait = dueNanos - System.nanoTime(); wait > 0 && !stopping();
                         wait = dueNanos - System.nanoTime()) {
                        // pacing to the script's clock is the point here, not waiting for a condition
                        LockSupport.parkNanos(Math.min(wait, TimeUnit.SECONDS.toNanos(1)));
                    }
                }
                send(event);
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

    /**
     * Publishes the scripts one after another at {@code eventsPerSecond} (the n-th event is due n / rate seconds
     * after the start, so a slow moment is caught up rather than lost) until they run out or the thread is
     * interrupted. Event time comes from the scripts; the pace does not.
     */
    public Result runEndless(Iterator<EventScript> scripts, double eventsPerSecond) {
        if (!(eventsPerSecond > 0) || Double.isInfinite(eventsPerSecond)) {
            throw new IllegalArgumentException("eventsPerSecond must be positive and finite, got " + eventsPerSecond);
        }
        long start = System.nanoTime();
        long sent = 0;
        double nanosPerEvent = 1e9 / eventsPerSecond;
        while (!stopping() && scripts.hasNext()) {
            for (TimedEvent event : scripts.next().events()) {
                long dueNanos = start + (long) (sent * nanosPerEvent);
                for (long wait = dueNanos - System.nanoTime(); wait > 0 && !stopping();
                     wait = dueNanos - System.nanoTime()) {
                    // a steady rate is the point here, not waiting for a condition
                    LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)));
                }
                if (stopping()) {
                    break;
                }
                send(event);
                sent++;
            }
        }
        publisher.flush();
        return new Result(sent, Duration.ofNanos(System.nanoTime() - start));
    }

    private void send(TimedEvent event) {
        publisher.publish(event.event());
        published.incrementAndGet();
        listener.accept(event);
    }
}
