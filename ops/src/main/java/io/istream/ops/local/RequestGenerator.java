package io.istream.ops.local;

import io.istream.avro.Behavior;
import io.istream.avro.ItemRef;
import io.istream.avro.ScoreRequest;
import io.istream.trainer.dataset.TimedEvent;
import io.istream.ingestion.producer.EventPublisher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Score requests for users the replay has reached, as a ranker would send them: the item of a behaviour just
 * replayed plus other recently replayed items as candidates, timed just after that behaviour. The replay hands it
 * each event it publishes ({@link #offer}); it keeps the last {@value #RECENT} behaviours, so an endless stream
 * costs it bounded memory.
 */
public final class RequestGenerator implements AutoCloseable {
    static final int RECENT = 20_000;
    private final Behavior[] recent = new Behavior[RECENT];   // ring buffer, the newest at (offered - 1) % RECENT
    private long offered;
    private final EventPublisher publisher;
    private final int candidates;
    private final SplittableRandom random;
    private final AtomicLong sent = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "score-requests");
        t.setDaemon(true);
        return t;
    });

    public RequestGenerator(EventPublisher publisher, int candidates, long seed) {
        this.publisher = publisher;
        this.candidates = candidates;
        this.random = new SplittableRandom(seed);
    }

    /** An event the replay has just published; behaviours become anchors and candidates of later requests. */
    public synchronized void offer(TimedEvent event) {
        if (event.event() instanceof Behavior b) {
            recent[(int) (offered++ % RECENT)] = b;
        }
    }

    /** Sends {@code perSecond} requests a second until closed. */
    public RequestGenerator start(double perSecond) {
        long periodMicros = Math.max(1, Math.round(1e6 / perSecond));
        timer.scheduleAtFixedRate(this::sendOne, periodMicros, periodMicros, TimeUnit.MICROSECONDS);
        return this;
    }

    /** One request, if the replay has published a behaviour yet. */
    public synchronized boolean sendOne() {
        int held = (int) Math.min(offered, RECENT);
        if (held == 0) {
            return false;
        }
        // recent users: the newest tenth of the behaviours held
        Behavior anchor = newest(random.nextInt(Math.max(1, held / 10)));
        List<ItemRef> items = new ArrayList<>(candidates);
        Set<Long> seen = new HashSet<>();
        items.add(new ItemRef(anchor.getItemId(), anchor.getCategoryId()));
        seen.add(anchor.getItemId());
        for (int tries = 0; items.size() < candidates && tries < 10 * candidates; tries++) {
            Behavior other = newest(random.nextInt(held));
            if (seen.add(other.getItemId())) {
                items.add(new ItemRef(other.getItemId(), other.getCategoryId()));
            }
        }
        long n = sent.incrementAndGet();
        publisher.publish(new ScoreRequest("demo-" + n, anchor.getUserId(), items, anchor.getEventTimeMs() + 1));
        return true;
    }

    /** The behaviour offered {@code age} offers before the newest (0 = the newest). */
    private Behavior newest(int age) {
        return recent[(int) ((offered - 1 - age) % RECENT)];
    }

    public long sent() {
        return sent.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
