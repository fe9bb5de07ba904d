package io.istream.trainer.model;

import io.istream.trainer.data.Batch;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Base, DIN and DIEN as one assembly of parts (docs/model.md): {@link EmbeddingLookup} (ids → rows → vectors, and
 * the sparse gradients back), {@link HistoryPool} (the sum pool of every model and the attention pools),
 * {@link FfnAttention} as DIN's local activation unit, {@link DienTower} (extractor, attention, interest evolution,
 * {@link AuxiliaryLoss}), {@link HeadFeatures} and the {@link Mlp} head; {@link SharedHistory} is the scoring path
 * for one user's candidates. A training step is {@link #forward} with {@code training = true}, then
 * {@link #backward}; the optimiser then reads {@link #params()} and {@link #sparseGradients()}.
 *
 * <p>Legend: B = batch, T = steps of history, d = embedding size per id, D = 2d (item ⊕ category), H = hidden size.
 * Every [T·B, ·] tensor is time-major: row t·B + b is step t of sample b.
 */
public final class CtrModel {

    private final ModelConfig config;
    private final DataType type;
    private final int d;
    private final int itemWidth;                   // D
    private final int slotCount;                   // optimiser slots per embedding row
    private final EmbeddingLookup lookup;
    private final HistoryPool pool;
    private final FfnAttention dinAttention;       // DIN's local activation unit (ATTENTION_POOLING), or null
    private final DienTower dien;                  // or null
    private final boolean poolOnInterestAttention; // v's weights are DIEN's a_t (PoolAttention.INTEREST_ATTENTION)
    private final HeadFeatures features;
    private final SharedHistory shared;
    private final Mlp head;

    // ---- forward state (one batch) ----
    private int batch;                             // B
    private int steps;                             // T
    private boolean training;
    private boolean explaining;                    // explain() reads every evolving state h'_t, not just the last
    private Batch input;
    private Tensor target;                         // e_a [B, D]
    private Tensor history;                        // e_b [T·B, D]
    private Tensor user;                           // [B, d]
    private Tensor pooled;                         // p = Σ_t m_t e_b[t] [B, D]
    private Tensor weightedPool;                   // v = Σ_t w_t e_b[t] [B, D] (ATTENTION_POOLING)
    private Tensor dinWeights;                     // DIN w [T·B, 1]
    private Tensor suppliedStates;                 // scoring: the shared history's extractor states, given [T, H]
    private Tensor headInput;                      // [B, head width]
    private Tensor logits;                         // [B, 1]
    private double[] probabilities = new double[0]; // [B]
    private double[] servedProbabilities = new double[0];   // [B] inference-mode head on a training forward's input
    private boolean scoreAsServed;                  // the next training forward also fills servedProbabilities
    private double lossBce;
    private double lossAux;

    // ---- backward state ----
    private Tensor dLogits;                        // [B, 1]
    private Tensor dTarget;                        // [B, D]
    private Tensor dHistory;                       // [T·B, D]
    private Tensor dUser;                          // [B, d]
    private Tensor dPool;                          // dp of the sum pool [B, D]
    private Tensor dWeightedPool;                  // dv of the attention pool [B, D]
    private Tensor dAttentionWeights;              // dw of the attention pool [T·B, 1]

    public CtrModel(ModelConfig config) {
        this(config, 0);
    }

    /** @param slotCount optimiser state tensors per embedding row (0 for SGD, 1 Adagrad, 2 Adam) */
    public CtrModel(ModelConfig config, int slotCount) {
        this.config = config;
        this.type = config.dataType();
        this.d = config.embeddingDim();
        this.itemWidth = 2 * d;
        this.slotCount = slotCount;
        // the parts draw their initial values from one sequence, in this order
        Initializer init = new Initializer(config.seed());
        lookup = new EmbeddingLookup(config, slotCount, init);
        pool = new HistoryPool(itemWidth);
        boolean attentionPoolInHead = config.hasHeadInput(HeadInput.ATTENTION_POOLING);
        poolOnInterestAttention = attentionPoolInHead
                && config.poolAttention() == PoolAttention.INTEREST_ATTENTION;
        dinAttention = attentionPoolInHead && !poolOnInterestAttention
                ? new FfnAttention("din.attention", type, itemWidth, itemWidth, false, config.attentionHidden(),
                        config.attentionActivation(), config.dinSoftmax(), init)
                : null;
        dien = config.kind() == ModelKind.DIEN ? new DienTower(config, init) : null;
        features = new HeadFeatures(config, dien == null ? 0 : dien.headColumns());
        shared = new SharedHistory(type, itemWidth);
        head = new Mlp("head", type, features.width, config.headHidden(), 1, config.headActivation(), init);
        head.diceLayers().forEach(dice -> dice.statistics(config.diceStatistics()));
    }

    /**
     * Threads for DIEN's recurrent layers and auxiliary net (1, the default, or 2): each GRU cuts its batch into two
     * row ranges that run all steps on their own thread, and the auxiliary net's σ loops are halved. Results agree with
     * one thread's to float rounding (BLAS orders a half-height product's sums differently). Worth it where a core is
     * otherwise idle: the offline trainer, the benchmarks, a lightly loaded scorer. Base and DIN ignore it.
     */
    public void setThreads(int threads) {
        if (dien != null) {
            dien.threads(threads);
        }
    }

    /** Sets the time that training sightings are stamped with (event time in streaming). */
    public void setClock(long nowMs) {
        lookup.setClock(nowMs);
    }

    /**
     * Whether training forwards count id sightings (n_j, admission). The offline trainer counts the whole training
     * set once beforehand ({@link #countOccurrences}) and turns this off, so n_j is the id's frequency (DIN §4.2).
     */
    public void setCountSightings(boolean on) {
        lookup.setCountSightings(on);
    }

    /** Counts every id of a batch once per occurrence, without a forward pass. */
    public void countOccurrences(Batch b) {
        lookup.countOccurrences(b);
    }

    private boolean usesAuxLoss() {
        return dien != null && config.auxWeight() > 0;
    }

    // ------------------------------------------------------------------------------------------------ forward

    /**
     * Scores a batch. In training, batch statistics drive Dice, ids are counted, and the auxiliary loss is computed.
     *
     * @return the loss L = BCE + α·L_aux (of the labels in the batch; meaningless for unlabelled scoring)
     */
    public double forward(Batch b, boolean training) {
        this.input = b;
        this.training = training;
        batch = b.size;
        steps = b.steps;
        int rows = steps * batch;
        // one user's candidates at scoring time share a history: DIEN then looks up, gathers and pools it once
        boolean sharedHistory = !training && batch > 1 && dien != null && SharedHistory.sharedBy(b);
        lookup.lookup(b, batch, steps, training, sharedHistory);
        int[] lengths = lookup.lengths;
        target = Tensor.reuse(target, type, batch, itemWidth);
        lookup.gatherTargets(batch, target);
        pooled = Tensor.reuse(pooled, type, batch, itemWidth);
        Tensor oneHistory = null;
        if (sharedHistory) {
            oneHistory = shared.gather(lookup, pooled, batch, steps);
            if (features.attentionPool) {
                // the attention pool weighs it per sample
                history = SharedHistory.tileRows(oneHistory, itemWidth, history, type, batch, steps);
            }
        } else {
            history = Tensor.reuse(history, type, rows, itemWidth);
            lookup.gatherHistory(rows, history);
            pool.forward(history, null, pooled, batch, steps, lengths);
        }
        if (lookup.users != null) {
            user = Tensor.reuse(user, type, batch, d);
            lookup.gatherUsers(batch, user);
        }
        if (dinAttention != null) {
            dinWeights = dinAttention.forward(history, target, batch, steps, lengths, training);
            weightedPool = Tensor.reuse(weightedPool, type, batch, itemWidth);
            pool.forward(history, dinWeights, weightedPool, batch, steps, lengths);
        }

        headInput = Tensor.reuse(headInput, type, batch, features.width);
        int col = 0;
        if (dien != null) {
            // one user's candidates share one history: its interest states h [T, H], or null
            Tensor states = suppliedStates != null ? suppliedStates
                    : sharedHistory ? dien.extractOne(oneHistory, steps, lengths[0]) : null;
            dien.forward(history, target, states, batch, steps, lengths, training, explaining);
            if (poolOnInterestAttention) {
                weightedPool = Tensor.reuse(weightedPool, type, batch, itemWidth);
                pool.forward(history, dien.attentionWeights(), weightedPool, batch, steps, lengths);   // Σ_t a_t e_b[t]
            }
            col = dien.putHeadColumns(headInput, features.width, target, col, batch);
        }
        col = features.putCandidate(headInput, target, col, batch);
        if (features.sumPool) {
            col = features.putPool(headInput, pooled, target, col, batch);
        }
        if (features.attentionPool) {
            features.putPool(headInput, weightedPool, target, col, batch);
        }
        if (lookup.users != null) {
            features.putUser(headInput, user, batch);
        }
        if (training && scoreAsServed) {
            // the head in inference mode first (Dice's moving statistics, before this batch updates them); the
            // training pass below then overwrites every state the backward pass reads
            Tensor served = head.forward(headInput, false);
            if (servedProbabilities.length != batch) {
                servedProbabilities = new double[batch];
            }
            for (int s = 0; s < batch; s++) {
                servedProbabilities[s] = Activation.sigmoid(served.get(s));
            }
        }
        logits = head.forward(headInput, training);
        if (probabilities.length != batch) {
            probabilities = new double[batch];
        }
        double bce = 0;
        for (int s = 0; s < batch; s++) {
            double z = logits.get(s);
            probabilities[s] = Activation.sigmoid(z);
            bce += logLoss(z, b.label[s]);
        }
        lossBce = batch == 0 ? 0 : bce / batch;
        lossAux = training && usesAuxLoss() && steps >= 2
                ? dien.auxiliary.forward(b, lookup, history, dien.interests(), batch, steps, lengths) : 0;
        return lossBce + config.auxWeight() * lossAux;
    }

    /**
     * A training forward ({@code forward(b, true)}) that also scores each sample as an inference forward before it
     * would have ({@link #servedProbabilities}), for samples whose ids are all admitted already
     * ({@link #samplesWithUnadmittedIds} lists the others, whose training lookup admits rows inference would not
     * read). For those, everything below the head is the same in both modes, so only the head runs twice: once with
     * Dice's moving statistics, then with the batch's. The training pass, its loss and gradients are unchanged.
     */
    public double forwardTrainingAndServed(Batch b) {
        scoreAsServed = true;
        try {
            return forward(b, true);
        } finally {
            scoreAsServed = false;
        }
    }

    /** σ(inference-mode logit) of the last {@link #forwardTrainingAndServed}, [B]; see there for which are exact. */
    public double[] servedProbabilities() {
        return servedProbabilities;
    }

    /**
     * The samples of {@code b} with an id (candidate item or category, user, or a valid history step) that is not
     * admitted yet: inference reads the unknown row for it, a training forward a row of its own. Counts nothing.
     */
    public int[] samplesWithUnadmittedIds(Batch b) {
        return lookup.samplesWithUnadmittedIds(b);
    }

    /**
     * Scores {@code b} in inference mode and returns what the scores rest on: for each sample, the attention weight of
     * each valid behaviour (DIN's local activation w_t, DIEN's a_t; none for the base model) and, for DIEN, the
     * interest-evolving state h'_t after each valid behaviour. Inference: changes no parameter, counts no sighting.
     */
    public Explanation explain(Batch b) {
        explaining = true;
        try {
            forward(b, false);
        } finally {
            explaining = false;
        }
        Tensor weights = switch (config.kind()) {
            case BASE -> null;
            case DIN -> dinWeights;
            default -> dien.attentionWeights();
        };
        return Explanation.of(probabilities, weights, dien == null ? null : dien.evolvingStates(), lookup.lengths,
                batch, config.hiddenSize());
    }

    /**
     * DIEN's interest-extractor states over one history (inference), for a scorer to cache per user and model
     * version: the extractor does not see the candidate, so a user's states serve every request until the history or
     * the model changes.
     *
     * @param items      [T] behaviour item ids, oldest first (T ≥ 1; all valid)
     * @param categories [T]
     * @return a copy of h [T, H]
     */
    public Tensor interestStates(long[] items, long[] categories) {
        requireDien();
        Batch one = new Batch(1, items.length);
        System.arraycopy(items, 0, one.historyItem, 0, items.length);
        System.arraycopy(categories, 0, one.historyCategory, 0, categories.length);
        one.historyLength[0] = items.length;
        batch = 1;
        steps = items.length;
        lookup.lookup(one, batch, steps, false, false);
        history = Tensor.reuse(history, type, steps, itemWidth);                  // [T, D]
        lookup.gatherHistory(steps, history);
        return dien.extractOne(history, steps, steps).copy();
    }

    /**
     * Inference on a batch whose samples all share one history, with that history's extractor states given
     * ({@link #interestStates}) instead of computed: the same probabilities as {@code forward(b, false)}.
     *
     * @param states h [T, H] of the shared history, T = b.steps
     */
    public double forwardWithInterestStates(Batch b, Tensor states) {
        requireDien();
        suppliedStates = states;
        try {
            return forward(b, false);
        } finally {
            suppliedStates = null;
        }
    }

    private void requireDien() {
        if (dien == null) {
            throw new IllegalStateException("interest-extractor states exist only in DIEN, not " + config.kind());
        }
    }

    /** −[y·log σ(z) + (1 − y)·log(1 − σ(z))], computed stably from the logit. */
    static double logLoss(double z, double y) {
        double softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
        return softplus - y * z;
    }

    // ----------------------------------------------------------------------------------------------- backward

    /** Gradients of the last training forward's loss: dense into {@link #params()}, sparse into the tables'. */
    public void backward() {
        if (!training) {
            throw new IllegalStateException("backward needs a training forward");
        }
        int rows = steps * batch;
        int[] lengths = lookup.lengths;
        Batch b = input;
        dLogits = Tensor.reuse(dLogits, type, batch, 1);
        // L = (1/B) Σ BCE(y, σ(z)):  dL/dz = (σ(z) − y)/B
        for (int s = 0; s < batch; s++) {
            dLogits.set(s, (probabilities[s] - b.label[s]) / batch);
        }
        Tensor dHead = head.backward(dLogits);
        dTarget = Tensor.reuse(dTarget, type, batch, itemWidth);
        dHistory = Tensor.reuse(dHistory, type, rows, itemWidth);
        dTarget.zero();
        dHistory.zero();
        // de_a = its own columns, plus the shares of the pools, the attention and q below
        features.candidateBackward(dHead, dTarget, batch);
        if (features.sumPool) {
            dPool = Tensor.reuse(dPool, type, batch, itemWidth);
            features.poolBackward(dHead, features.sumPoolColumn(), pooled, target, dTarget, dPool, batch);
            pool.backward(null, history, dPool, dHistory, null, batch, steps, lengths);
        }
        if (features.attentionPool) {
            dWeightedPool = Tensor.reuse(dWeightedPool, type, batch, itemWidth);
            features.poolBackward(dHead, features.attentionPoolColumn(), weightedPool, target, dTarget,
                    dWeightedPool, batch);
            // v = Σ_t w_t e_b[t]:  de_b[t] += w_t·dv ; dw_t = dv·e_b[t]
            dAttentionWeights = Tensor.reuse(dAttentionWeights, type, rows, 1);
            pool.backward(poolOnInterestAttention ? dien.attentionWeights() : dinWeights, history, dWeightedPool,
                    dHistory, dAttentionWeights, batch, steps, lengths);
            if (!poolOnInterestAttention) {
                dinAttention.backward(dAttentionWeights);
                dHistory.addScaled(dinAttention.dKeys(), 1.0);
                dTarget.addScaled(dinAttention.dQuery(), 1.0);
            }   // else dw_t joins the evolving cell's da_t below
        }
        boolean auxiliary = usesAuxLoss() && steps >= 2 && dien.auxiliary.pairs() > 0;
        if (dien != null) {
            Tensor dInterests = dien.backwardToInterests(dHead, features.width,
                    poolOnInterestAttention ? dAttentionWeights : null, dTarget, batch, steps);
            if (auxiliary) {
                dien.auxiliary.backward(b, lookup, dInterests, dHistory);
            }
            dien.backwardExtractor(dInterests, dHistory);
        }
        if (lookup.users != null) {
            dUser = Tensor.reuse(dUser, type, batch, d);
            features.userBackward(dHead, dUser, batch);
        }
        // scatter into the touched rows only
        lookup.scatter(batch, rows, dTarget, dHistory, auxiliary ? dien.auxiliary.dNegatives() : null,
                lookup.users != null ? dUser : null);
    }

    // ---------------------------------------------------------------------------------------------- accessors

    /** σ(logit) of the last forward, [B]; valid until the next forward. */
    public double[] probabilities() {
        return probabilities;
    }

    public double lastBceLoss() {
        return lossBce;
    }

    public double lastAuxLoss() {
        return lossAux;
    }

    public ModelConfig config() {
        return config;
    }

    /** Every dense parameter, in a stable order. */
    public List<Param> params() {
        List<Param> out = new ArrayList<>();
        if (dinAttention != null) {
            out.addAll(dinAttention.params());
        }
        if (dien != null) {
            out.addAll(dien.params());
        }
        out.addAll(head.params());
        return out;
    }

    /** The embedding tables, in a stable order (item, category, user when present). */
    public List<EmbeddingTable> tables() {
        return lookup.tables();
    }

    /** The batch's sparse gradients, aligned with {@link #tables()}. */
    public List<SparseGradient> sparseGradients() {
        return lookup.sparseGradients();
    }

    /**
     * Training forwards stop (or resume) updating Dice's moving averages: a gradient check of
     * {@link DiceStatistics#MOVING} needs the function to stay put while it perturbs the parameters.
     */
    public void freezeStatistics(boolean on) {
        head.diceLayers().forEach(dice -> dice.freezeStatistics(on));
    }

    /** Dice layers (moving statistics belong in model files). */
    public List<Dice> diceLayers() {
        return head.diceLayers();
    }

    public int optimiserSlots() {
        return slotCount;
    }
}
