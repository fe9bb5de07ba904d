package io.istream.scorer.job;

import io.istream.avro.Behavior;
import io.istream.avro.IngestedEvent;
import io.istream.avro.ModelUpdate;
import io.istream.avro.ScoreRequest;
import io.istream.avro.ScoredCandidates;
import io.istream.features.sequence.BehaviorSequence;
import io.istream.schemas.AvroCodec;
import io.istream.scorer.Scorer;
import io.istream.trainer.model.BlasKernels;
import io.istream.trainer.updates.ModelFollower;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scorer: per user (keyed), the behaviour sequence in RocksDB; per subtask, the model that the broadcast
 * model-updates build. Every score request is answered: with the current model, or with status NO_MODEL before the
 * first one.
 *
 * <p>Updates are applied whole (all chunks of a version, between two records), so a request sees one version. Every
 * subtask reads the same broadcast updates before a checkpoint barrier, so all hold the same model then; subtask 0
 * stores it (as a FULL encoding plus any incomplete version) in union operator state, and every subtask of a restored
 * or rescaled job rebuilds it from there. One copy per checkpoint, whatever the parallelism.
 */
public final class ScorerFunction extends KeyedBroadcastProcessFunction<Long, IngestedEvent, ModelUpdate, ScoredCandidates>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ScorerFunction.class);
    private static final AvroCodec<ModelUpdate> UPDATES = AvroCodec.of(ModelUpdate.class);

    /** The model as encoded update chunks, written by subtask 0 at each checkpoint. */
    static final ListStateDescriptor<byte[]> MODEL = new ListStateDescriptor<>("scorer-model",
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    private static final int CHECKPOINT_CHUNK_BYTES = 4 << 20;
    static final ListStateDescriptor<long[]> BEHAVIORS =
            new ListStateDescriptor<>("scorer-behaviors", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
    static final ValueStateDescriptor<Integer> BEHAVIOR_COUNT = new ValueStateDescriptor<>("scorer-behavior-count",
            Types.INT);

    private final int maxHistory;
    private final int keptBehaviours;
    private final long userTtlMs;
    private final int interestCacheUsers;
    private final int modelThreads;

    private transient Scorer scorer;
    private transient ModelFollower follower = new ModelFollower();
    private transient ListState<byte[]> modelState;
    private transient ListState<long[]> behaviors;
    private transient ValueState<Integer> behaviorCount;
    private transient Counter answered;
    private transient Counter answeredWithoutModel;
    private transient Histogram latencyMicros;

    /**
     * @param userTtlMs          processing time after which a stored behaviour expires (0 = never)
     * @param interestCacheUsers users whose DIEN extractor states are cached between requests (0 = none)
     * @param modelThreads       threads one request's DIEN layers may use (1 or 2)
     */
    public ScorerFunction(int maxHistory, int keptBehaviours, long userTtlMs, int interestCacheUsers,
                          int modelThreads) {
        if (modelThreads < 1 || modelThreads > 2) {
            throw new IllegalArgumentException("scorer.model-threads must be 1 or 2, got " + modelThreads);
        }
        this.maxHistory = maxHistory;
        this.keptBehaviours = Math.max(maxHistory, keptBehaviours);
        this.userTtlMs = userTtlMs;
        this.interestCacheUsers = interestCacheUsers;
        this.modelThreads = modelThreads;
    }

    /** T: behaviours per request (scorer.max-history). */
    public int maxHistory() {
        return maxHistory;
    }

    /** Users whose interest-extractor states are cached (scorer.interest-cache-users). */
    public int interestCacheUsers() {
        return interestCacheUsers;
    }

    /**
     * Each behaviour expires {@code userTtlMs} after it was written, and the count with the newest: a user who stops
     * acting disappears from RocksDB at its next compactions. Expired entries are never returned.
     */
    static <D extends StateDescriptor<?, ?>> D withTtl(D descriptor, long ttlMs) {
        if (ttlMs > 0) {
            descriptor.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofMillis(ttlMs))
                    .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                    .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                    .cleanupInRocksdbCompactFilter(1000)
                    .build());
        }
        return descriptor;
    }

    @Override
    public void open(OpenContext context) {
        scorer = new Scorer(maxHistory, interestCacheUsers);
        BlasKernels.adviceForThisJvm().ifPresent(advice -> LOG.warn("slow BLAS kernels: {}", advice));
        behaviors = getRuntimeContext().getListState(withTtl(new ListStateDescriptor<>(BEHAVIORS.getName(),
                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO), userTtlMs));
        behaviorCount = getRuntimeContext().getState(withTtl(new ValueStateDescriptor<>(BEHAVIOR_COUNT.getName(),
                Types.INT), userTtlMs));
        var group = getRuntimeContext().getMetricGroup().addGroup("istream").addGroup("scorer");
        answered = group.counter("requestsAnswered");
        answeredWithoutModel = group.counter("requestsWithoutModel");
        group.gauge("interestCacheHits", () -> scorer.cacheHits());
        group.gauge("interestCacheMisses", () -> scorer.cacheMisses());
        latencyMicros = group.histogram("scoringLatencyMicros", new DescriptiveStatisticsHistogram(10_000));
        group.gauge("modelVersion", () -> follower == null ? -1L : follower.version());
        group.gauge("modelAgeMs", () -> follower == null || follower.version() < 0 ? -1L
                : System.currentTimeMillis() - follower.createdAtMs());
    }

    @Override
    public void processElement(IngestedEvent event, ReadOnlyContext ctx, Collector<ScoredCandidates> out)
            throws Exception {
        if (event.getPayload() instanceof Behavior b) {
            behaviors.add(BehaviorSequence.entry(b.getItemId(), b.getCategoryId(), b.getEventTimeMs(),
                    (byte) b.getType().ordinal()));
            Integer count = behaviorCount.value();
            int n = (count == null ? 0 : count) + 1;
            if (n > 2 * keptBehaviours) {
                BehaviorSequence sequence = BehaviorSequence.fromArrivals(behaviors.get());
                sequence.trim(Long.MAX_VALUE, keptBehaviours, 0);
                behaviors.update(sequence.toEntries());
                n = sequence.size();
            }
            behaviorCount.update(n);
        } else if (event.getPayload() instanceof ScoreRequest request) {
            ModelFollower model = follower;
            long start = System.nanoTime();
            BehaviorSequence history = BehaviorSequence.fromArrivals(behaviors.get());
            ScoredCandidates answer = scorer.score(model.model(), model.version(), model.createdAtMs(), request,
                    history, System.currentTimeMillis());
            latencyMicros.update((System.nanoTime() - start) / 1_000);
            answered.inc();
            if (model.model() == null) {
                answeredWithoutModel.inc();
            }
            out.collect(answer);
        }
        // impressions and clicks are not read by this job's source
    }

    @Override
    public void processBroadcastElement(ModelUpdate update, Context ctx, Collector<ScoredCandidates> out) {
        ModelFollower.Outcome outcome = follower.accept(update);
        if (outcome == ModelFollower.Outcome.APPLIED_FULL) {
            LOG.info("scorer applied FULL model version {} of trainer epoch {} ({} samples trained)",
                    follower.version(), follower.epoch(), follower.samplesTrained());
        } else if (outcome == ModelFollower.Outcome.IGNORED_GAP) {
            LOG.info("model delta {} has no base here (waiting for a FULL snapshot)", update.getModelVersion());
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
            modelState.clear();
            return;
        }
        List<byte[]> encoded = new ArrayList<>();
        for (ModelUpdate u : follower.asUpdates(CHECKPOINT_CHUNK_BYTES)) {
            encoded.add(UPDATES.encode(u));
        }
        modelState.update(encoded);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        modelState = context.getOperatorStateStore().getUnionListState(MODEL);
        follower = new ModelFollower();
        follower.setThreads(modelThreads);
        int chunks = 0;
        for (byte[] chunk : modelState.get()) {
            follower.accept(UPDATES.decode(chunk));
            chunks++;
        }
        if (chunks > 0) {
            LOG.info("scorer restored model version {} from {} checkpointed chunks", follower.version(), chunks);
        }
    }
}
