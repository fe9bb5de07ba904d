package io.istream.features.join;

import io.istream.avro.Click;
import io.istream.avro.Impression;
import io.istream.schemas.DeadLetterReason;
import java.util.ArrayList;
import java.util.List;

/**
 * The impression ⋈ click join on event time (DESIGN: feature-state). Pure: state in, effects out.
 *
 * <ul>
 *   <li>A click within [t_imp, t_imp + window] labels its impression positive. The sample is released once the
 *       watermark has passed t_imp - 1, i.e. once every behaviour strictly before the impression has arrived,
 *       so the history is complete and holds nothing later (no leakage).</li>
 *   <li>An impression still unclicked when the watermark passes t_imp + window becomes a negative, and its item
 *       joins the user's shown-but-not-clicked list (preferred auxiliary negatives).</li>
 *   <li>A click that arrives before its impression waits until the watermark passes its own time.</li>
 *   <li>Everything else gets its own dead-letter reason: late, duplicate, out-of-window, orphaned.</li>
 * </ul>
 */
public final class LabelJoin {
    private final long windowMs;
    private final int shownNotClickedCapacity;

    public LabelJoin(long attributionWindowMs, int shownNotClickedCapacity) {
        if (attributionWindowMs <= 0 || shownNotClickedCapacity < 1) {
            throw new IllegalArgumentException("window must be positive and the shown-not-clicked capacity >= 1");
        }
        this.windowMs = attributionWindowMs;
        this.shownNotClickedCapacity = shownNotClickedCapacity;
    }

    public long windowMs() {
        return windowMs;
    }

    public void onImpression(UserJoinState state, Impression imp, SourceRef source, long watermark,
                             JoinEffects out) {
        long t = imp.getEventTimeMs();
        String requestId = imp.getRequestId();
        long itemId = imp.getItemId();
        if (state.indexOf(requestId, itemId) >= 0) {
            out.rejected.add(new JoinEffects.Rejected(DeadLetterReason.DUPLICATE_IMPRESSION,
                    "impression " + PendingImpression.joinKey(requestId, itemId) + " is already pending", source, imp));
            return;
        }
        if (t + windowMs <= watermark) {
            out.rejected.add(new JoinEffects.Rejected(DeadLetterReason.LATE_IMPRESSION, "impression "
                    + PendingImpression.joinKey(requestId, itemId) + " at " + t
                    + " arrived after its window closed (watermark " + watermark + ")", source, imp));
            return;
        }
        PendingImpression p = new PendingImpression(imp.getRequestId(), imp.getItemId(), imp.getCategoryId(), t);
        if (imp.getContext() != null) {
            p.position = imp.getContext().getPosition() == null ? -1 : imp.getContext().getPosition();
            p.setPage(imp.getContext().getPage());
        }
        state.addPending(p);
        out.acceptedImpressions++;
        out.timers.add(t + windowMs);
        // a click that came first now finds its impression
        if (state.orphanClicks.length == 0) {
            return;
        }
        List<OrphanClick> waiting = new ArrayList<>();
        for (OrphanClick c : state.orphanClicks) {
            if (p.is(c.requestIdUtf8(), c.itemId)) {
                waiting.add(c);
            }
        }
        if (!waiting.isEmpty()) {
            state.orphanClicks = java.util.Arrays.stream(state.orphanClicks)
                    .filter(c -> !waiting.contains(c)).toArray(OrphanClick[]::new);
            for (OrphanClick c : waiting) {
                joinClick(state, p, c.clickTimeMs, c.source(), c.toClick(), watermark, out);
            }
        }
    }

    public void onClick(UserJoinState state, Click click, SourceRef source, long watermark, JoinEffects out) {
        int at = state.indexOf(click.getRequestId(), click.getItemId());
        if (at >= 0) {
            joinClick(state, state.pending[at], click.getEventTimeMs(), source, click, watermark, out);
        } else if (click.getEventTimeMs() <= watermark) {
            out.rejected.add(new JoinEffects.Rejected(DeadLetterReason.LATE_CLICK, "click on "
                    + PendingImpression.joinKey(click.getRequestId(), click.getItemId()) + " at "
                    + click.getEventTimeMs() + " arrived after the watermark (" + watermark
                    + ") passed it; its impression's window has closed or the impression was never seen", source, click));
        } else {
            state.addOrphan(new OrphanClick(click.getRequestId(), click.getUserId(), click.getItemId(), click.getEventTimeMs(), source));
            out.timers.add(click.getEventTimeMs());
        }
    }

    private void joinClick(UserJoinState state, PendingImpression p, long clickTimeMs, SourceRef source, Click event,
                           long watermark, JoinEffects out) {
        if (p.state != PendingImpression.OPEN) {
            out.rejected.add(new JoinEffects.Rejected(DeadLetterReason.DUPLICATE_CLICK,
                    "impression " + p.joinKey() + " was already clicked at " + p.clickTimeMs, source, event));
        } else if (clickTimeMs < p.impressionTimeMs) {
            out.rejected.add(new JoinEffects.Rejected(DeadLetterReason.CLICK_BEFORE_IMPRESSION, "click at "
                    + clickTimeMs + " precedes impression " + p.joinKey() + " at " + p.impressionTimeMs, source,
                    event));
        } else if (clickTimeMs > p.impressionTimeMs + windowMs) {
            out.rejected.add(new JoinEffects.Rejected(DeadLetterReason.CLICK_OUTSIDE_WINDOW, "click at " + clickTimeMs
                    + " is more than " + windowMs + " ms after impression " + p.joinKey() + " at " + p.impressionTimeMs,
                    source, event));
        } else {
            out.joinedClicks++;
            p.clickTimeMs = clickTimeMs;
            if (historyComplete(p, watermark)) {
                p.state = PendingImpression.EMITTED;
                out.labelled.add(new JoinEffects.Labelled(p, 1, clickTimeMs));
            } else {
                p.state = PendingImpression.CLICKED;
                out.timers.add(p.impressionTimeMs - 1);
            }
        }
    }

    /**
     * The earliest event time at which the watermark makes this state do something: a clicked impression's release
     * (t_imp − 1), any impression's window end (t_imp + window: a label, or dropping the duplicate guard), an orphan
     * click's expiry. {@link Long#MAX_VALUE} when nothing waits. The feature-state function keeps one timer per
     * user at this time instead of one per deadline.
     */
    public long nextDeadline(UserJoinState state) {
        long next = Long.MAX_VALUE;
        for (PendingImpression p : state.pending) {
            next = Math.min(next, p.impressionTimeMs + windowMs);
            if (p.state == PendingImpression.CLICKED) {
                next = Math.min(next, p.impressionTimeMs - 1);
            }
        }
        for (OrphanClick c : state.orphanClicks) {
            next = Math.min(next, c.clickTimeMs);
        }
        return next;
    }

    /** Every behaviour strictly before the impression has arrived once the watermark reaches t_imp - 1. */
    private static boolean historyComplete(PendingImpression p, long watermark) {
        return watermark >= p.impressionTimeMs - 1;
    }

    /** Called when the watermark reaches {@code watermark}: releases labels and expires orphans. */
    public void onWatermark(UserJoinState state, long watermark, JoinEffects out) {
        List<PendingImpression> keep = new ArrayList<>(state.pending.length);
        for (PendingImpression p : state.pending) {
            if (p.state == PendingImpression.CLICKED && historyComplete(p, watermark)) {
                p.state = PendingImpression.EMITTED;
                out.labelled.add(new JoinEffects.Labelled(p, 1, p.clickTimeMs));
            }
            if (p.impressionTimeMs + windowMs <= watermark) {
                if (p.state == PendingImpression.OPEN) {
                    out.labelled.add(new JoinEffects.Labelled(p, 0, p.impressionTimeMs + windowMs));
                    state.rememberShownNotClicked(p.itemId, p.categoryId, shownNotClickedCapacity);
                }
                // EMITTED: the window is over, the duplicate guard is no longer needed
            } else {
                keep.add(p);
            }
        }
        if (keep.size() != state.pending.length) {
            state.pending = keep.toArray(PendingImpression[]::new);
        }
        if (state.orphanClicks.length > 0) {
            List<OrphanClick> waiting = new ArrayList<>(state.orphanClicks.length);
            for (OrphanClick c : state.orphanClicks) {
                if (c.clickTimeMs <= watermark) {
                    out.rejected.add(new JoinEffects.Rejected(DeadLetterReason.CLICK_WITHOUT_IMPRESSION,
                            "no impression " + PendingImpression.joinKey(c.requestId(), c.itemId)
                                    + " arrived by the click's time " + c.clickTimeMs, c.source(),
                            c.toClick()));
                } else {
                    waiting.add(c);
                }
            }
            state.orphanClicks = waiting.toArray(OrphanClick[]::new);
        }
    }
}
