package io.istream.ingestion.testing;

import io.istream.avro.Behavior;
import io.istream.avro.BehaviorType;
import io.istream.avro.Click;
import io.istream.avro.Impression;
import io.istream.avro.ItemRef;
import io.istream.avro.ScoreRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Named instants and event factories, so that tests read like sentences: {@code impression(USER, "r1", 10, at(MINUTE_1))}. */
public final class EventFactory {
    public static final long T0 = Instant.parse("2024-03-01T12:00:00Z").toEpochMilli();
    public static final long SECOND = 1_000L;
    public static final long MINUTE = 60 * SECOND;
    public static final long HOUR = 60 * MINUTE;
    public static final long DAY = 24 * HOUR;
    public static final long NOW = T0 + DAY;

    private EventFactory() {
    }

    public static long at(long offsetMs) {
        return T0 + offsetMs;
    }

    /** The category of an item in tests: a stable function, so tests need not repeat it. */
    public static long categoryOf(long itemId) {
        return 1000 + itemId % 7;
    }

    public static Impression impression(long user, String requestId, long item, long timeMs) {
        return Impression.newBuilder().setRequestId(requestId).setUserId(user).setItemId(item)
                .setCategoryId(categoryOf(item)).setEventTimeMs(timeMs).build();
    }

    public static Click click(long user, String requestId, long item, long timeMs) {
        return Click.newBuilder().setRequestId(requestId).setUserId(user).setItemId(item).setEventTimeMs(timeMs).build();
    }

    public static Behavior behavior(long user, long item, long timeMs) {
        return Behavior.newBuilder().setUserId(user).setItemId(item).setCategoryId(categoryOf(item))
                .setType(BehaviorType.CLICK).setEventTimeMs(timeMs).build();
    }

    public static ScoreRequest scoreRequest(long user, String requestId, int candidates, long timeMs) {
        List<ItemRef> refs = new ArrayList<>(candidates);
        for (int i = 1; i <= candidates; i++) {
            refs.add(new ItemRef((long) i, categoryOf(i)));
        }
        return ScoreRequest.newBuilder().setRequestId(requestId).setUserId(user).setCandidates(refs)
                .setEventTimeMs(timeMs).build();
    }
}
