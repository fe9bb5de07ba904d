package io.istream.trainer.job;

import io.istream.avro.Metrics;
import io.istream.avro.ModelUpdate;
import io.istream.avro.Sample;
import io.istream.trainer.model.BlasKernels;
import io.istream.trainer.streaming.DeltaExchange;
import io.istream.trainer.streaming.ReplicaSnapshot;
import io.istream.trainer.streaming.StreamingSettings;
import io.istream.trainer.streaming.StreamingTrainer;
import io.istream.trainer.streaming.TrainerReplica;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.util.OutputTag;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming trainer in a Flink job: feeds labelled samples to a {@link StreamingTrainer}, emits its model
 * updates (main output) and prequential metrics (side output {@link #METRICS}), and keeps its whole state (model,
 * optimiser, counters, samples not trained yet) in operator state, so a restore continues exactly. With
 * {@code trainer.parallelism} N > 1 each subtask is one {@link TrainerReplica}, exchanging deltas with the others;
 * subtask 0 publishes the model updates and metrics. The state is union list state (every replica's snapshot goes to
 * every subtask on restore), so a restore may change N.
 */
public final class TrainerOperator extends AbstractStreamOperator<ModelUpdate>
        implements OneInputStreamOperator<Sample, ModelUpdate>, BoundedOneInput, ProcessingTimeCallback {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TrainerOperator.class);

    public static final OutputTag<Metrics> METRICS = new OutputTag<>("prequential-metrics",
            new AvroTypeInfo<>(Metrics.class));
    /** The single trainer's state of a job before replicas: restored at parallelism 1, never written. */
    private static final ListStateDescriptor<byte[]> SINGLE_STATE =
            new ListStateDescriptor<>("streaming-trainer", BytePrimitiveArraySerializer.INSTANCE);
    private static final ListStateDescriptor<byte[]> REPLICA_STATE =
            new ListStateDescriptor<>("trainer-replicas", BytePrimitiveArraySerializer.INSTANCE);
    /**
     * How often the timer looks at partial batches, due updates and the metrics window: every 100 ms, or at half the
     * idle-flush or publish interval where one is shorter, so neither waits a whole tick longer than asked (at least
     * 10 ms).
     */
    static long tickMs(long idleFlushMs, long publishEveryMs) {
        return Math.max(10, Math.min(100, Math.min(idleFlushMs, publishEveryMs) / 2));
    }

    private final StreamingSettings settings;
    private final long idleFlushMs;
    private final long tickMs;
    private final int drillNonFiniteEvery;
    private final TrainerReplica.Sync sync;
    private final DeltaExchange.Factory exchanges;
    private transient long batches;

    private transient StreamingTrainer trainer;
    private transient TrainerReplica replica;
    private transient ListState<byte[]> singleState;
    private transient GpuPlacement placement;
    private transient ListState<byte[]> state;
    private transient long lastSampleMs;
    private transient Counter samplesIn;
    private transient Counter updateRecords;
    private transient volatile Metrics lastMetrics;

    /**
     * @param drillNonFiniteEvery fault drill: every Nth batch gets a non-finite gradient (0 = never)
     * @param sync                how replicas exchange deltas (used when the operator runs in more than one subtask)
     * @param exchanges           where they do: null where only one subtask ever runs
     */
    public TrainerOperator(StreamingSettings settings, long idleFlushMs, int drillNonFiniteEvery,
                           TrainerReplica.Sync sync, DeltaExchange.Factory exchanges) {
        this.drillNonFiniteEvery = drillNonFiniteEvery;
        this.sync = sync;
        this.exchanges = exchanges;
        this.settings = settings;
        this.idleFlushMs = idleFlushMs;
        this.tickMs = tickMs(idleFlushMs, settings.publishEveryMs());
    }

    /** What this trainer was configured with: its model, optimiser and trainer settings. */
    public StreamingSettings settings() {
        return settings;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // before the model allocates anything on this thread: the slot's GPU, if the cluster gives it one
        List<String> gpus = getRuntimeContext().getExternalResourceInfos("gpu").stream()
                .map(info -> info.getProperty("index").orElse("")).filter(index -> !index.isEmpty()).toList();
        placement = GpuPlacement.choose(gpus, Nd4j.getEnvironment().isCPU());
        if (placement.device() >= 0) {
            Nd4j.getAffinityManager().unsafeSetDevice(placement.device());
        }
        if (!gpus.isEmpty() && placement.device() < 0) {
            LOG.warn(placement.message());
        } else {
            LOG.info(placement.message());
        }
        singleState = context.getOperatorStateStore().getListState(SINGLE_STATE);
        state = context.getOperatorStateStore().getUnionListState(REPLICA_STATE);
        List<byte[]> stored = new ArrayList<>();
        state.get().forEach(stored::add);
        Iterator<byte[]> single = singleState.get().iterator();
        if (context.isRestored() && stored.isEmpty() && single.hasNext()) {
            stored.add(ReplicaSnapshot.wrapSingle(single.next()));
        }
        var task = getRuntimeContext().getTaskInfo();
        TrainerReplica.Identity me = new TrainerReplica.Identity(task.getIndexOfThisSubtask(),
                task.getNumberOfParallelSubtasks(),
                getRuntimeContext().getJobInfo().getJobId() + "/" + task.getAttemptNumber());
        if (me.count() > 1 && exchanges == null) {
            throw new IllegalStateException("the trainer runs in " + me.count() + " subtasks but has no delta exchange");
        }
        if (context.isRestored() && !stored.isEmpty()) {
            replica = TrainerReplica.restore(stored, settings, sync, me,
                    context.getRestoredCheckpointId().orElse(0), exchanges, now());
            trainer = replica.trainer();
            LOG.info("streaming trainer restored: model version {}, {} samples trained, {} buffered; its first "
                    + "update is a FULL of a new epoch", trainer.version(), trainer.samplesTrained(), trainer.buffered());
        } else {
            replica = TrainerReplica.start(settings, sync, me, exchanges, now());
            trainer = replica.trainer();
            LOG.info("streaming trainer{} started with a fresh {} model", me.count() > 1
                    ? " replica " + me.index() + " of " + me.count() : "", settings.model().kind());
        }
        trainer.beginEpoch(now());
    }

    @Override
    public void open() throws Exception {
        super.open();
        BlasKernels.adviceForThisJvm().ifPresent(advice -> LOG.warn("slow BLAS kernels: {}", advice));
        MetricGroup group = getMetricGroup().addGroup("istream").addGroup("trainer");
        samplesIn = group.counter("samplesIn");
        updateRecords = group.counter("modelUpdateRecords");
        group.gauge("samplesTrained", () -> trainer.samplesTrained());
        group.gauge("gpuDevice", () -> placement.device());
        group.gauge("skippedBatches", () -> trainer.skippedBatches());
        group.gauge("modelVersion", () -> trainer.version());
        group.gauge("unpublishableModels", () -> trainer.unpublishable());
        group.gauge("expiredIds", () -> trainer.expiredIds());
        group.gauge("replicaDeltaChunksApplied", () -> replica.appliedChunks());
        group.gauge("replicaDeltaChunksDropped", () -> replica.droppedChunks());
        group.gauge("replicaDeltaLagMs", () -> replica.meanDeltaLagMs());
        group.gauge("embeddingRows", () -> trainer.model().tables().stream().mapToLong(t -> t.rowCount()).sum());
        // and per table: istream.trainer.table.<item|category|user>.embeddingRows (a `table` label in Prometheus)
        for (var table : trainer.model().tables()) {
            String name = table.name;
            group.addGroup("table", name).gauge("embeddingRows", () -> trainer.model().tables().stream()
                    .filter(t -> t.name.equals(name)).mapToLong(t -> t.rowCount()).sum());
        }
        group.gauge("onlineAuc", () -> value(lastMetrics == null ? null : lastMetrics.getAuc()));
        group.gauge("onlineGauc", () -> value(lastMetrics == null ? null : lastMetrics.getGauc()));
        group.gauge("onlineLogloss", () -> value(lastMetrics == null ? null : lastMetrics.getLogloss()));
        group.gauge("samplesPerSecond", () -> lastMetrics == null ? 0 : lastMetrics.getSamplesPerSecond());
        lastSampleMs = now();
        getProcessingTimeService().registerTimer(now() + tickMs, this);
    }

    private static double value(Double d) {
        return d == null ? Double.NaN : d;
    }

    @Override
    public void processElement(StreamRecord<Sample> element) throws Exception {
        // a copy: the trainer keeps samples until their batch is full, and object reuse is on
        trainer.add(Sample.newBuilder(element.getValue()).build());
        samplesIn.inc();
        lastSampleMs = now();
        if (trainer.batchReady()) {
            replica.beforeBatch(lastSampleMs);
            train(lastSampleMs);
            replica.afterBatch(lastSampleMs);
            emitDue(lastSampleMs, false);
        }
    }

    @Override
    public void onProcessingTime(long time) throws Exception {
        long now = now();
        if (trainer.buffered() > 0 && now - lastSampleMs >= idleFlushMs) {
            replica.beforeBatch(now);
            train(now);
        }
        replica.tick(now);
        emitDue(now, false);
        getProcessingTimeService().registerTimer(now + tickMs, this);
    }

    @Override
    public void endInput() throws Exception {
        long now = now();
        while (trainer.buffered() > 0) {
            train(now);
        }
        if (replica.identity().count() > 1) {
            LOG.info("trainer replica {} of {}: input ended after {} samples of its own since it started",
                    replica.identity().index(), replica.identity().count(), replica.ownSamplesSinceStart());
        }
        // every replica sends its last delta; replica 0 waits for the others' before its final update
        replica.finish(now());
        now = now();
        emitDue(now, true);
        // and a FULL of the final model: a reader that joins now needs nothing else
        for (ModelUpdate chunk : trainer.publishFull(now)) {
            output.collect(new StreamRecord<>(chunk));
            updateRecords.inc();
        }
        LOG.info("input ended: {} samples trained, model version {}; {} prequential scores needed an inference pass "
                + "of their own (ids not yet admitted; since this start)", trainer.samplesTrained(), trainer.version(),
                trainer.servedSeparately());
    }

    private void train(long now) {
        if (drillNonFiniteEvery > 0 && ++batches % drillNonFiniteEvery == 0) {
            trainer.injectNonFiniteGradient();
        }
        trainer.trainBatch(now);
    }

    private void emitDue(long now, boolean force) {
        List<ModelUpdate> update = trainer.pollUpdate(now, force);
        for (ModelUpdate chunk : update) {
            output.collect(new StreamRecord<>(chunk));
            updateRecords.inc();
        }
        Metrics m = trainer.pollMetrics(now, force);
        if (m != null && replica.identity().index() == 0) {   // prequential metrics of replica 0's share
            lastMetrics = m;
            output.collect(METRICS, new StreamRecord<>(m));
            if (m.getSamples() > 0) {
                LOG.debug("prequential window: {} samples, AUC {}, gAUC {}, logloss {}, model version {}",
                        m.getSamples(), m.getAuc(), m.getGauc(), m.getLogloss(), m.getModelVersion());
            }
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        state.update(List.of(replica.snapshot(context.getCheckpointId(), now())));
        singleState.clear();
    }

    @Override
    public void close() throws Exception {
        if (replica != null) {
            replica.close();
        }
        super.close();
    }

    private long now() {
        return getProcessingTimeService().getCurrentProcessingTime();
    }
}
