package io.istream.ops.local;

import io.istream.trainer.dataset.EventScript;
import io.istream.trainer.dataset.TimedEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * An endless stream out of one script, for soak runs: round r is the script with every user id and item id moved to
 * a range of its own (new users and a new catalogue, so state and embedding tables must forget old ones), event time
 * moved past the previous round, and request ids made unique. Categories stay: a fixed taxonomy.
 */
public final class ScriptRounds {
    private final EventScript base;
    private final long userStride;
    private final long itemStride;
    private final long firstTimeMs;
    private final long roundSpanMs;

    /**
     * @param gapMs event time between the end of one round and the start of the next
     */
    public ScriptRounds(EventScript base, long gapMs) {
        if (base.size() == 0) {
            throw new IllegalArgumentException("an empty script has no rounds");
        }
        this.base = base;
        long maxUser = 0;
        long maxItem = 0;
        for (TimedEvent e : base.events()) {
            maxUser = Math.max(maxUser, e.userId());
            maxItem = Math.max(maxItem, ((Number) field(e.event(), "itemId")).longValue());
        }
        this.userStride = maxUser;
        this.itemStride = maxItem;
        this.firstTimeMs = base.events().get(0).eventTimeMs();
        this.roundSpanMs = base.events().get(base.size() - 1).eventTimeMs() - firstTimeMs + gapMs;
    }

    /** Event time one round covers, gap included. */
    public long roundSpanMs() {
        return roundSpanMs;
    }

    /** Round r (0, 1, 2, ...): starts at {@code startMs + r · roundSpan}; ids in their own range. */
    public EventScript round(int r, long startMs) {
        long shift = startMs - firstTimeMs + r * roundSpanMs;
        long userShift = r * userStride;
        long itemShift = r * itemStride;
        List<TimedEvent> events = new ArrayList<>(base.size());
        for (TimedEvent e : base.events()) {
            SpecificRecord copy = SpecificData.get().deepCopy(e.event().getSchema(), e.event());
            add(copy, "userId", userShift);
            add(copy, "itemId", itemShift);
            add(copy, "eventTimeMs", shift);
            Schema.Field request = copy.getSchema().getField("requestId");
            if (request != null) {
                copy.put(request.pos(), copy.get(request.pos()) + "-r" + r);
            }
            events.add(TimedEvent.of(copy));
        }
        return new EventScript(base.name() + "#" + r, events);
    }

    private static void add(SpecificRecord record, String name, long delta) {
        Schema.Field f = record.getSchema().getField(name);
        if (f != null) {
            record.put(f.pos(), ((Number) record.get(f.pos())).longValue() + delta);
        }
    }

    private static Object field(SpecificRecord record, String name) {
        Schema.Field f = record.getSchema().getField(name);
        if (f == null) {
            throw new IllegalArgumentException(record.getSchema().getName() + " has no " + name);
        }
        return record.get(f.pos());
    }
}
