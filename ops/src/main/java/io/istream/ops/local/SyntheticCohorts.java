package io.istream.ops.local;

import io.istream.avro.Behavior;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.dataset.TimedEvent;
import java.util.Iterator;

/**
 * The demo's endless stream: cohort after cohort of one synthetic world ({@link SyntheticInterests#nextCohort()}),
 * new users arriving with their own drifting interests over the same items, so a model keeps learning the same
 * catalogue and its online AUC can approach the world's ceiling. Each cohort is generated when the replay reaches
 * it, and dropped once replayed.
 */
public final class SyntheticCohorts implements Iterator<EventScript> {
    private SyntheticInterests next;
    private volatile SyntheticInterests current;
    private volatile double currentCeiling = Double.NaN;

    public SyntheticCohorts(SyntheticInterests first) {
        this.next = first;
    }

    /**
     * Cohorts that follow a replayed dataset: user, item and category ids after the largest the dataset uses, so
     * nothing of it is reused, and event time after its last event.
     */
    public static SyntheticCohorts after(EventScript dataset, SyntheticConfig config) {
        long users = 0;
        long items = 0;
        long categories = 0;
        long lastMs = SyntheticInterests.START_MS;
        for (TimedEvent e : dataset.events()) {
            users = Math.max(users, e.userId());
            lastMs = Math.max(lastMs, e.eventTimeMs());
            if (e.event() instanceof Behavior b) {
                items = Math.max(items, b.getItemId());
                categories = Math.max(categories, b.getCategoryId());
            } else if (e.event() instanceof Impression i) {
                items = Math.max(items, i.getItemId());
                categories = Math.max(categories, i.getCategoryId());
            } else if (e.event() instanceof Click c) {
                items = Math.max(items, c.getItemId());
            }
        }
        return new SyntheticCohorts(SyntheticInterests.generate(config,
                new SyntheticInterests.Placement(0, users, items, categories, lastMs + config.minStepGapMs())));
    }

    @Override
    public boolean hasNext() {
        return true;
    }

    /** The next cohort's events; generates the one after it lazily. */
    @Override
    public EventScript next() {
        SyntheticInterests cohort = next;
        current = cohort;
        currentCeiling = cohort.historyBayesAuc();
        next = cohort.nextCohort();
        return cohort.script();
    }

    /** The cohort being replayed (null before the first). */
    public SyntheticInterests current() {
        return current;
    }

    /**
     * AUC of E[p | the behaviours so far] on the cohort being replayed: the best a model that sees only the history
     * can do on it ({@link SyntheticInterests#historyBayesAuc()}); NaN before the first cohort.
     */
    public double ceilingAuc() {
        return currentCeiling;
    }
}
