package io.istream.scorer;

import io.istream.avro.ItemRef;
import io.istream.avro.ScoreRequest;
import io.istream.avro.ScoreStatus;
import io.istream.avro.ScoredCandidate;
import io.istream.avro.ScoredCandidates;
import io.istream.features.sequence.BehaviorSequence;
import io.istream.trainer.data.Batch;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.ModelKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Pure scoring: a model, a user's behaviour sequence and a request's candidates → pCTR per candidate, high to low.
 * A request is one batch whose rows share the user's history; inference uses Dice's moving statistics and never
 * counts or admits ids, so a candidate's score does not depend on the other candidates or requests. One scorer
 * serves one thread (a scoring subtask).
 */
public final class Scorer {
    private final int maxHistory;
    private final InterestCache cache;   // null: no caching

    public Scorer(int maxHistory) {
        this(maxHistory, 0);
    }

    /** @param cachedUsers users whose DIEN interest-extractor states are kept between requests (0 = none) */
    public Scorer(int maxHistory, int cachedUsers) {
        if (maxHistory <= 0) {
            throw new IllegalArgumentException("max history must be positive, got " + maxHistory);
        }
        if (cachedUsers < 0) {
            throw new IllegalArgumentException("cached users must be 0 or more, got " + cachedUsers);
        }
        this.maxHistory = maxHistory;
        this.cache = cachedUsers > 0 ? new InterestCache(cachedUsers) : null;
    }

    /** Requests whose interest-extractor states came from the cache. */
    public long cacheHits() {
        return cache == null ? 0 : cache.hits();
    }

    /** Requests whose interest-extractor states were computed (and cached). */
    public long cacheMisses() {
        return cache == null ? 0 : cache.misses();
    }

    /**
     * The batch of a request: one row per candidate, the newest T behaviours strictly before the request. The batch
     * is this scorer's until the next call: a request of the same shape as the last one reuses its arrays (at 200
     * candidates and T = 100 they are 640 KB, a new one every request made young collections four times as frequent).
     */
    public Batch batchOf(ScoreRequest request, BehaviorSequence history) {
        List<ItemRef> candidates = request.getCandidates();
        int visible = history.countBefore(request.getEventTimeMs());
        int n = Math.min(maxHistory, visible);
        int from = visible - n;
        Batch b = reusable(candidates.size(), Math.max(1, n));
        if (n == 0) {
            Arrays.fill(b.historyItem, 0L);         // a 1-step batch: its one step is padding
            Arrays.fill(b.historyCategory, 0L);
        }
        for (int i = 0; i < candidates.size(); i++) {
            b.userId[i] = request.getUserId();
            b.sampleKey[i] = request.getUserId();
            b.targetItem[i] = candidates.get(i).getItemId();
            b.targetCategory[i] = candidates.get(i).getCategoryId();
            b.historyLength[i] = n;
            System.arraycopy(history.itemIds, from, b.historyItem, i * b.steps, n);
            System.arraycopy(history.categoryIds, from, b.historyCategory, i * b.steps, n);
        }
        return b;
    }

    // the last request's batch; scoring writes every field a score reads, and never labels or negatives
    private Batch reused;

    private Batch reusable(int size, int steps) {
        if (reused == null || reused.size != size || reused.steps != steps) {
            reused = new Batch(size, steps);
        }
        return reused;
    }

    /**
     * The answer to a request. Without a model (null) every candidate is listed, in request order, with pCTR 0 and
     * status NO_MODEL: a request is never dropped.
     */
    public ScoredCandidates score(CtrModel model, long modelVersion, long modelCreatedAtMs, ScoreRequest request,
                                  BehaviorSequence history, long nowMs) {
        List<ItemRef> candidates = request.getCandidates();
        List<ScoredCandidate> scored = new ArrayList<>(candidates.size());
        ScoreStatus status;
        if (model == null) {
            for (ItemRef c : candidates) {
                scored.add(new ScoredCandidate(c.getItemId(), c.getCategoryId(), 0.0));
            }
            status = ScoreStatus.NO_MODEL;
        } else if (candidates.isEmpty()) {
            status = ScoreStatus.OK;
        } else {
            Batch batch = batchOf(request, history);
            int n = batch.historyLength[0];
            if (cache != null && n > 0 && model.config().kind() == ModelKind.DIEN) {
                long[] items = Arrays.copyOf(batch.historyItem, n);
                long[] categories = Arrays.copyOf(batch.historyCategory, n);
                model.forwardWithInterestStates(batch, cache.statesFor(model, modelVersion, request.getUserId(),
                        items, categories));
            } else {
                model.forward(batch, false);
            }
            double[] p = model.probabilities();
            for (int i = 0; i < candidates.size(); i++) {
                scored.add(new ScoredCandidate(candidates.get(i).getItemId(), candidates.get(i).getCategoryId(), p[i]));
            }
            scored.sort(Comparator.comparingDouble(ScoredCandidate::getPctr).reversed());
            status = ScoreStatus.OK;
        }
        return ScoredCandidates.newBuilder()
                .setRequestId(request.getRequestId())
                .setUserId(request.getUserId())
                .setCandidates(scored)
                .setModelVersion(model == null ? -1 : modelVersion)
                .setModelAgeMs(model == null ? -1 : Math.max(0, nowMs - modelCreatedAtMs))
                .setStatus(status)
                .setRequestTimeMs(request.getEventTimeMs())
                .setAnsweredAtMs(nowMs)
                .build();
    }
}
