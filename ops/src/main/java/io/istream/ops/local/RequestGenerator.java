package io.istream.ops.local;

import io.istream.avro.Behavior;
import io.istream.avro.ItemRef;
import io.istream.avro.ScoreRequest;
import io.istream.ingestion.dataset.EventScript;
import io.istream.ingestion.dataset.TimedEvent;
import io.istream.ingestion.producer.EventPublisher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Score requests for users the replay has reached, as a ranker would send them: the item of a behaviour just
 * replayed plus other recently replayed items as candidates, timed just after that behaviour.
 */
public final class RequestGenerator implements AutoCloseable {
    private final List<Behavior> behaviours = new ArrayList<>();
    private final int[] scriptPosition;             // [behaviours] index of each behaviour in the script
    private final EventPublisher publisher;
    private final LongSupplier replayed;
    private final int candidates;
    private final SplittableRandom random;
    private final AtomicLong sent = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "score-requests");
        t.setDaemon(true);
        return t;
    });

    /** @param replayed how many script events the replay has published so far */
    public RequestGenerator(EventScript script, EventPublisher publisher, LongSupplier replayed, int candidates,
                            long seed) {
        List<TimedEvent> events = script.events();
        int[] positions = new int[events.size()];
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).event() instanceof Behavior b) {
                positions[behaviours.size()] = i;
                behaviours.add(b);
            }
        }
        this.scriptPosition = Arrays.copyOf(positions, behaviours.size());
        this.publisher = publisher;
        this.replayed = replayed;
        this.candidates = candidates;
        this.random = new SplittableRandom(seed);
    }

    /** Sends {@code perSecond} requests a second until closed. */
    public RequestGenerator start(double perSecond) {
        long periodMicros = Math.max(1, Math.round(1e6 / perSecond));
        timer.scheduleAtFixedRate(this::sendOne, periodMicros, periodMicros, TimeUnit.MICROSECONDS);
        return this;
    }

    /** One request, if the replay has published a behaviour yet. */
    public synchronized boolean sendOne() {
        int reached = reachedBehaviours();
        if (reached == 0) {
            return false;
        }
        // recent users: the newest tenth of what the replay has published
        int from = Math.max(0, reached - Math.max(1, reached / 10));
        Behavior anchor = behaviours.get(from + random.nextInt(reached - from));
        List<ItemRef> items = new ArrayList<>(candidates);
        Set<Long> seen = new HashSet<>();
        items.add(new ItemRef(anchor.getItemId(), anchor.getCategoryId()));
        seen.add(anchor.getItemId());
        for (int tries = 0; items.size() < candidates && tries < 10 * candidates; tries++) {
            Behavior other = behaviours.get(random.nextInt(reached));
            if (seen.add(other.getItemId())) {
                items.add(new ItemRef(other.getItemId(), other.getCategoryId()));
            }
        }
        long n = sent.incrementAndGet();
        publisher.publish(new ScoreRequest("demo-" + n, anchor.getUserId(), items, anchor.getEventTimeMs() + 1));
        return true;
    }

    private int reachedBehaviours() {
        long published = replayed.getAsLong();
        int lo = 0;
        int hi = scriptPosition.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (scriptPosition[mid] < published) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    public long sent() {
        return sent.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
