package io.istream.features.job;

import io.istream.avro.Behavior;
import io.istream.avro.Click;
import io.istream.avro.DeadLetter;
import io.istream.avro.Impression;
import io.istream.avro.IngestedEvent;
import io.istream.avro.Sample;
import io.istream.features.join.JoinEffects;
import io.istream.features.join.LabelJoin;
import io.istream.features.join.SourceRef;
import io.istream.features.join.UserJoinState;
import io.istream.features.join.UserJoinStateSerializer;
import io.istream.features.negatives.RecentItemPool;
import io.istream.features.sequence.BehaviorSequence;
import io.istream.features.sequence.SampleAssembler;
import io.istream.ingestion.decode.DeadLetters;
import io.istream.schemas.EventFields;
import io.istream.schemas.DeadLetterReason;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Per-user feature state in keyed (RocksDB) state: the behaviour sequence and the label join. It only moves data
 * and state; the decisions are {@link BehaviorSequence}, {@link LabelJoin} and {@link SampleAssembler}.
 *
 * <p>Metrics (group {@code istream.features}): impressionsAccepted, clicksJoined, behaviorsAccepted, samplesOut,
 * positives, negatives, deadLetters (also by {@code reason}), lateBehaviors (inserted in place, but behind the
 * watermark: samples released before they arrived lack them), sequenceOverflow (behaviours dropped by the
 * read-ahead limit before every sample that needed them was out).
 */
public final class UserFeatureFunction extends KeyedProcessFunction<Long, IngestedEvent, Sample>
        implements CheckpointedFunction {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UserFeatureFunction.class);
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("feature-dead-letters", new AvroTypeInfo<>(DeadLetter.class));
    /** The user's behaviours, in arrival order: a behaviour is one RocksDB merge, not a rewrite of the sequence. */
    static final ListStateDescriptor<long[]> BEHAVIORS =
            new ListStateDescriptor<>("behaviors", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
    /** {entries in BEHAVIORS, newest behaviour time, registered expiry timer or 0}. */
    static final ValueStateDescriptor<long[]> SEQUENCE_META =
            new ValueStateDescriptor<>("sequence-meta", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
    private static final int META_ENTRIES = 0;
    private static final int META_NEWEST = 1;
    private static final int META_EXPIRY_TIMER = 2;
    static final ValueStateDescriptor<UserJoinState> JOIN =
            new ValueStateDescriptor<>("label-join", UserJoinStateSerializer.INSTANCE);
    private static final int POOL_CHUNK = 1024;

    private final int maxSequenceLength;
    private final int sequenceReadAhead;
    private final long sequenceTtlMs;
    private final long attributionWindowMs;
    private final int shownNotClicked;
    private final int poolCapacity;

    private transient ListState<long[]> behaviorsState;
    private transient ValueState<long[]> metaState;
    /** The sequence as read during the current element or timer; null until first needed. */
    private transient BehaviorSequence loadedSequence;
    private transient ValueState<UserJoinState> joinState;
    private transient ListState<long[]> poolState;
    private transient RecentItemPool pool;
    private transient LabelJoin labelJoin;
    private transient SampleAssembler assembler;
    private transient JoinEffects effects;
    private transient Counter impressionsAccepted;
    private transient Counter clicksJoined;
    private transient Counter behaviorsAccepted;
    private transient Counter samplesOut;
    private transient Counter positives;
    private transient Counter negatives;
    private transient Counter deadLetters;
    private transient Counter lateBehaviors;
    private transient Counter sequenceOverflow;
    private transient Map<DeadLetterReason, Counter> deadLettersByReason;
    private transient MetricGroup metrics;

    public UserFeatureFunction(ReadableConfig config) {
        FeatureStateOptions.validate(config);
        this.maxSequenceLength = config.get(FeatureStateOptions.MAX_SEQUENCE_LENGTH);
        this.sequenceReadAhead = config.get(FeatureStateOptions.SEQUENCE_READ_AHEAD);
        this.sequenceTtlMs = config.get(FeatureStateOptions.SEQUENCE_TTL).toMillis();
        this.attributionWindowMs = config.get(FeatureStateOptions.ATTRIBUTION_WINDOW).toMillis();
        this.shownNotClicked = config.get(FeatureStateOptions.SHOWN_NOT_CLICKED);
        this.poolCapacity = config.get(FeatureStateOptions.POPULARITY_POOL);
    }

    @Override
    public void open(OpenContext openContext) {
        behaviorsState = getRuntimeContext().getListState(BEHAVIORS);
        metaState = getRuntimeContext().getState(SEQUENCE_META);
        joinState = getRuntimeContext().getState(JOIN);
        labelJoin = new LabelJoin(attributionWindowMs, shownNotClicked);
        assembler = new SampleAssembler(maxSequenceLength);
        effects = new JoinEffects();
        metrics = getRuntimeContext().getMetricGroup().addGroup("istream").addGroup("features");
        impressionsAccepted = metrics.counter("impressionsAccepted");
        clicksJoined = metrics.counter("clicksJoined");
        behaviorsAccepted = metrics.counter("behaviorsAccepted");
        samplesOut = metrics.counter("samplesOut");
        positives = metrics.counter("positives");
        negatives = metrics.counter("negatives");
        deadLetters = metrics.counter("deadLetters");
        lateBehaviors = metrics.counter("lateBehaviors");
        sequenceOverflow = metrics.counter("sequenceOverflow");
        deadLettersByReason = new EnumMap<>(DeadLetterReason.class);
    }

    @Override
    public void processElement(IngestedEvent event, Context ctx, Collector<Sample> out) throws Exception {
        loadedSequence = null;
        long watermark = ctx.timerService().currentWatermark();
        SourceRef source = new SourceRef(event.getSourceTopic(), event.getPartition(), event.getOffset());
        Object payload = event.getPayload();
        if (payload instanceof Behavior behavior) {
            onBehavior(behavior, ctx);
            return;
        }
        UserJoinState join = joinState.value();
        if (join == null) {
            join = new UserJoinState();
        }
        // a timer is already registered at the state's earliest deadline (or earlier); later ones need none
        long armed = labelJoin.nextDeadline(join);
        effects.clear();
        if (payload instanceof Impression impression) {
            labelJoin.onImpression(join, impression, source, watermark, effects);
        } else if (payload instanceof Click click) {
            labelJoin.onClick(join, click, source, watermark, effects);
        } else {
            effects.rejected.add(new JoinEffects.Rejected(DeadLetterReason.WRONG_TOPIC,
                    payload.getClass().getSimpleName() + " is not handled by the feature state", source, payload));
        }
        carryOut(ctx.getCurrentKey(), join, ctx, out, armed);
    }

    private void onBehavior(Behavior behavior, Context ctx) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        if (behavior.getEventTimeMs() <= watermark) {
            // still inserted in place, but samples already released may have missed it
            lateBehaviors.inc();
            if (lateBehaviors.getCount() <= 5) {
                LOG.warn("behaviour of user {} at {} arrived behind the watermark {}", behavior.getUserId(),
                        behavior.getEventTimeMs(), watermark);
            }
        }
        long[] meta = metaState.value();
        if (meta == null) {
            meta = new long[] {0, Long.MIN_VALUE, 0};
        }
        behaviorsState.add(BehaviorSequence.entry(behavior.getItemId(), behavior.getCategoryId(),
                behavior.getEventTimeMs(), (byte) behavior.getType().ordinal()));
        meta[META_ENTRIES]++;
        meta[META_NEWEST] = Math.max(meta[META_NEWEST], behavior.getEventTimeMs());
        pool.add(behavior.getItemId(), behavior.getCategoryId());
        if (meta[META_EXPIRY_TIMER] == 0) {
            meta[META_EXPIRY_TIMER] = meta[META_NEWEST] + sequenceTtlMs;
            ctx.timerService().registerEventTimeTimer(meta[META_EXPIRY_TIMER]);
        }
        if (meta[META_ENTRIES] > hardLimit()) {
            // a user with no labels due for a long time: compact here rather than let the list grow
            trimAndStore(joinState.value(), watermark, meta);
        }
        metaState.update(meta);
        behaviorsAccepted.inc();
    }

    /** Entries beyond which the stored list is compacted even without a timer. */
    private int hardLimit() {
        return 2 * (maxSequenceLength + sequenceReadAhead);
    }

    /** The sequence of the current key, read once per element or timer. */
    private BehaviorSequence sequence() throws Exception {
        if (loadedSequence == null) {
            loadedSequence = BehaviorSequence.fromArrivals(behaviorsState.get());
        }
        return loadedSequence;
    }

    /**
     * Drops what no unlabelled impression (pending, or still in flight behind the watermark) can need, and
     * rewrites the stored list only if something was dropped.
     */
    private void trimAndStore(UserJoinState join, long watermark, long[] meta) throws Exception {
        BehaviorSequence sequence = sequence();
        long inFlight = watermark == Long.MAX_VALUE ? Long.MAX_VALUE : watermark + 1;
        long horizon = Math.min(inFlight, join == null ? Long.MAX_VALUE : join.oldestPendingImpressionMs());
        int before = sequence.size();
        sequenceOverflow.inc(sequence.trim(horizon, maxSequenceLength, sequenceReadAhead));
        if (sequence.size() != before || meta[META_ENTRIES] != before) {
            behaviorsState.update(sequence.toEntries());
            meta[META_ENTRIES] = sequence.size();
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Sample> out) throws Exception {
        loadedSequence = null;
        long watermark = ctx.timerService().currentWatermark();
        long[] meta = metaState.value();
        UserJoinState join = joinState.value();
        if (join != null) {
            effects.clear();
            labelJoin.onWatermark(join, watermark, effects);
            boolean kept = carryOut(ctx.getCurrentKey(), join, ctx, out, Long.MAX_VALUE);
            long next = labelJoin.nextDeadline(join);
            if (kept && next != Long.MAX_VALUE) {
                // the timer that covered the deadlines just handled is spent: arm the next one (a no-op when it is
                // already registered)
                ctx.timerService().registerEventTimeTimer(next);
            }
            if (kept && !join.hasOpenWork() && meta == null) {
                // a user with impressions but no behaviours: the shown-not-clicked items have no sequence to serve
                joinState.clear();
                kept = false;
            }
            join = kept ? join : null;
        }
        if (meta == null) {
            return;
        }
        long expiresAt = meta[META_NEWEST] + sequenceTtlMs;
        if (expiresAt <= watermark) {
            if (join == null || !join.hasOpenWork()) {
                behaviorsState.clear();
                metaState.clear();
                joinState.clear();
            }
            // else: an impression is still pending and needs this history; its window-close timer comes back here
            return;
        }
        boolean changed = false;
        if (meta[META_ENTRIES] > maxSequenceLength + maxSequenceLength / 4) {
            long entries = meta[META_ENTRIES];
            trimAndStore(join, watermark, meta);
            changed = meta[META_ENTRIES] != entries;
        }
        if (meta[META_EXPIRY_TIMER] <= timestamp) {
            // newer behaviours arrived since the expiry timer was set: extend lazily instead of a timer per event
            meta[META_EXPIRY_TIMER] = expiresAt;
            ctx.timerService().registerEventTimeTimer(expiresAt);
            changed = true;
        }
        if (changed) {
            metaState.update(meta);
        }
    }

    /**
     * Emits samples and dead letters, registers timers and writes the join state back (or clears it).
     *
     * @return whether the join state was kept (false: cleared)
     */
    private boolean carryOut(long userId, UserJoinState join,
                             KeyedProcessFunction<Long, IngestedEvent, Sample>.Context ctx, Collector<Sample> out,
                             long armed)
            throws Exception {
        BehaviorSequence sequence = effects.labelled.isEmpty() ? null : sequence();
        for (JoinEffects.Labelled labelled : effects.labelled) {
            out.collect(assembler.assemble(userId, labelled, sequence, join, pool));
            samplesOut.inc();
            (labelled.label() == 1 ? positives : negatives).inc();
        }
        for (JoinEffects.Rejected rejected : effects.rejected) {
            ctx.output(DEAD_LETTERS, deadLetter(rejected));
        }
        impressionsAccepted.inc(effects.acceptedImpressions);
        clicksJoined.inc(effects.joinedClicks);
        // one timer per user at its earliest deadline: a new deadline needs one only if it comes before the armed
        // one (whose firing handles everything due and arms the next). Flink's timer heap held ~9 entries a user
        // with one per deadline, and sifting them was a quarter of this operator's time
        for (long t : effects.timers) {
            if (t < armed) {
                ctx.timerService().registerEventTimeTimer(t);
                armed = t;
            }
        }
        // shown-not-clicked items are dropped with the sequence (expiry timer), or by onTimer for users without one
        if (join.hasOpenWork() || join.shownNotClickedItems.length > 0) {
            joinState.update(join);
            return true;
        }
        joinState.clear();
        return false;
    }

    private DeadLetter deadLetter(JoinEffects.Rejected rejected) {
        deadLetters.inc();
        deadLettersByReason.computeIfAbsent(rejected.reason(),
                r -> metrics.addGroup("reason", r.name()).counter("deadLetters")).inc();
        byte[] raw = encode(rejected.event());
        return DeadLetters.of(rejected.source().topic(), rejected.source().partition(), rejected.source().offset(),
                raw, rejected.reason(), rejected.message(), System.currentTimeMillis());
    }

    private static byte[] encode(Object event) {
        try {
            return EventFields.encode(event);
        } catch (IllegalArgumentException notAnInputEvent) {
            return new byte[0];
        }
    }

    // ---- operator state: the popularity pool survives restarts and is split on rescaling ----

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        pool = new RecentItemPool(poolCapacity);
        poolState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("popularity-pool", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        if (context.isRestored()) {
            for (long[] chunk : poolState.get()) {
                for (int i = 0; i + 1 < chunk.length; i += 2) {
                    pool.add(chunk[i], chunk[i + 1]);
                }
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        long[][] snapshot = pool.snapshot();
        List<long[]> chunks = new ArrayList<>();
        for (int start = 0; start < snapshot[0].length; start += POOL_CHUNK) {
            int n = Math.min(POOL_CHUNK, snapshot[0].length - start);
            long[] chunk = new long[2 * n];
            for (int i = 0; i < n; i++) {
                chunk[2 * i] = snapshot[0][start + i];
                chunk[2 * i + 1] = snapshot[1][start + i];
            }
            chunks.add(chunk);
        }
        poolState.update(chunks);
    }
}
