package io.istream.trainer.model;

import io.istream.trainer.data.Batch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Base, DIN and DIEN as one assembly (docs/model.md). A training step is {@link #forward} with {@code training = true},
 * then {@link #backward}; the optimiser then reads {@link #params()} and {@link #sparseGradients()}.
 *
 * <p>Legend: B = batch, T = steps of history, d = embedding size per id, D = 2d (item ⊕ category), H = hidden size.
 * Every [T·B, ·] tensor is time-major: row t·B + b is step t of sample b.
 */
public final class CtrModel {

    private final ModelConfig config;
    private final DataType type;
    private final int d;
    private final int itemWidth;                   // D
    final EmbeddingTable items;
    final EmbeddingTable categories;
    final EmbeddingTable users;                    // null unless config.userEmbedding()
    private final SparseGradient itemGrad;
    private final SparseGradient categoryGrad;
    private final SparseGradient userGrad;
    private final FfnAttention dinAttention;       // DIN's local activation unit (ATTENTION_POOLING)
    private final Gru extractor;                   // DIEN interest extractor (GRU)
    private final BilinearAttention bilinear;      // DIEN attention (BILINEAR)
    private final FfnAttention ffnAttention;       // DIEN attention (FFN)
    private final Gru evolving;                    // DIEN interest evolving (AUGRU & co.)
    private final Mlp auxNet;                      // DIEN auxiliary net g
    private final Mlp head;
    private final int headWidth;
    private final boolean sumPoolInHead;           // head input [p, p ⊙ e_a] (SUM_POOLING)
    private final boolean attentionPoolInHead;     // head input [v, v ⊙ e_a] (ATTENTION_POOLING)
    private final boolean poolOnInterestAttention; // v's weights are DIEN's a_t (PoolAttention.INTEREST_ATTENTION)
    private final boolean stateInHead;             // head input h'_T (INTEREST_STATE)
    private final boolean productInHead;           // head input h'_T ⊙ q (INTEREST_PRODUCT)
    private final Linear stateQuery;               // q = e_a·W_p + b_p [B, H] (INTEREST_PRODUCT), or null
    private final int slotCount;                   // optimiser slots per embedding row
    private long clockMs;                          // time given to embedding sightings
    private boolean countSightings = true;

    // ---- forward state (one batch) ----
    private int batch;                             // B
    private int steps;                             // T
    private boolean training;
    private boolean explaining;           // explain() reads every evolving state h'_t, not just the last
    private Batch input;
    private int[] lengths = new int[0];            // [B]
    private int[] targetItemRows = new int[0];     // [B]
    private int[] targetCategoryRows = new int[0]; // [B]
    private int[] userRows = new int[0];           // [B]
    private int[] historyItemRows = new int[0];    // [T·B] time-major
    private int[] historyCategoryRows = new int[0];
    private int[] negativeItemRows = new int[0];
    private int[] negativeCategoryRows = new int[0];
    private Tensor target;                         // e_a [B, D]
    private Tensor history;                        // e_b [T·B, D]
    private Tensor user;                           // [B, d]
    private Tensor pooled;                         // s = Σ_t m_t e_b[t] [B, D]
    private Tensor weightedPool;                   // v = Σ_t w_t e_b[t] [B, D] (ATTENTION_POOLING)
    private Tensor dinWeights;                     // DIN w [T·B, 1]
    private Tensor interests;                      // DIEN h [T·B, H]
    private Tensor attentionWeights;               // DIEN a [T·B, 1]
    private Tensor evolvingStates;                 // DIEN h' [T·B, H]
    private Tensor oneHistory;                     // scoring: sample 0's e_b [T, D]
    private int[] oneRows = new int[0];            // scoring: sample 0's history item rows [T]
    private int[] oneCategoryRows = new int[0];    // scoring: sample 0's history category rows [T]
    private Tensor tiledInterests;                 // scoring: its extractor states tiled [T·B, H]
    private Tensor suppliedStates;                 // scoring: the shared history's extractor states, given [T, H]
    private Tensor headInput;                      // [B, headWidth]
    private Tensor logits;                         // [B, 1]
    private double[] probabilities = new double[0]; // [B]
    private double[] servedProbabilities = new double[0];   // [B] inference-mode head on a training forward's input
    private boolean scoreAsServed;                  // the next training forward also fills servedProbabilities
    // DIEN auxiliary net, first layer factored (see auxiliaryForward); row q = t·B + s of each [T·B, ·] half
    private Tensor auxItems;                       // [e_b; ê_b] [2·T·B, D]
    private Tensor shiftedInterests;               // row q: h of row q − B (0 for t = 0) [T·B, H]
    private Tensor auxHiddenWeights;               // W_h, rows 0..H−1 of the first layer's W [H, F]
    private Tensor auxItemWeights;                 // W_e, rows H..H+D−1 [D, F]
    private Tensor auxHiddenTerm;                  // h_{t−1}·W_h + b [T·B, F]
    private Tensor auxOnes;                        // 1 [T·B, 1]
    private Tensor auxFirst;                       // z₁ [2·T·B, F]
    private Tensor auxLogits;                      // [2·T·B, 1]
    private double lossBce;
    private double lossAux;
    private int auxPairs;

    // ---- backward state ----
    private Tensor dLogits;                        // [B, 1]
    private Tensor dTarget;                        // [B, D]
    private Tensor dHistory;                       // [T·B, D]
    private Tensor dNegatives;                     // [T·B, D]
    private Tensor dUser;                          // [B, d]
    private Tensor dInterests;                     // [T·B, H]
    private Tensor dLast;                          // [B, H]
    private Tensor dStateQuery;                    // dq of INTEREST_PRODUCT [B, H]
    private Tensor dAuxLogits;                     // [2·T·B, 1]
    private Tensor auxStepSums;                    // S = dz₁⁺ + dz₁⁻ [T·B, F]
    private Tensor auxHiddenGradient;              // dW_h [H, F]
    private Tensor auxItemGradient;                // dW_e [D, F]
    private Tensor dShiftedInterests;              // [T·B, H]
    private Tensor dAuxItems;                      // [2·T·B, D]
    private Tensor dPool;                          // dp of the sum pool [B, D]
    private Tensor dWeightedPool;                  // dv of the attention pool [B, D]
    private Tensor dAttentionWeights;              // [T·B, 1]

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
        Initializer init = new Initializer(config.seed());
        items = table("item", init);
        categories = table("category", init);
        users = config.userEmbedding() ? table("user", init) : null;
        itemGrad = new SparseGradient(type, d);
        categoryGrad = new SparseGradient(type, d);
        userGrad = config.userEmbedding() ? new SparseGradient(type, d) : null;
        int userWidth = config.userEmbedding() ? d : 0;
        int h = config.hiddenSize();
        sumPoolInHead = config.hasHeadInput(HeadInput.SUM_POOLING);
        attentionPoolInHead = config.hasHeadInput(HeadInput.ATTENTION_POOLING);
        stateInHead = config.hasHeadInput(HeadInput.INTEREST_STATE);
        productInHead = config.hasHeadInput(HeadInput.INTEREST_PRODUCT);
        poolOnInterestAttention = attentionPoolInHead
                && config.poolAttention() == PoolAttention.INTEREST_ATTENTION;
        dinAttention = attentionPoolInHead && !poolOnInterestAttention
                ? new FfnAttention("din.attention", type, itemWidth, itemWidth, false, config.attentionHidden(),
                        config.attentionActivation(), config.dinSoftmax(), init)
                : null;
        if (config.kind() == ModelKind.DIEN) {
            extractor = new Gru("dien.extractor", type, CellKind.GRU, itemWidth, h, init);
            if (config.attention() == AttentionKind.BILINEAR) {
                bilinear = new BilinearAttention("dien.attention", type, h, itemWidth, init);
                ffnAttention = null;
            } else {
                bilinear = null;
                ffnAttention = new FfnAttention("dien.attention", type, h, itemWidth, true,
                        config.attentionHidden(), config.attentionActivation(), true, init);
            }
            evolving = new Gru("dien.evolving", type, config.evolvingCell(), h, h, init);
            auxNet = new Mlp("dien.aux", type, h + itemWidth, config.auxHidden(), 1, ActivationKind.SIGMOID, init);
        } else {
            extractor = evolving = null;
            bilinear = null;
            ffnAttention = null;
            auxNet = null;
        }
        stateQuery = productInHead ? new Linear("dien.stateQuery", type, itemWidth, h, init) : null;
        // [h'_T] [h'_T ⊙ q] [e_a] [p, p ⊙ e_a] [v, v ⊙ e_a] [user], each where configured
        headWidth = (stateInHead ? h : 0) + (productInHead ? h : 0) + itemWidth + (sumPoolInHead ? 2 * itemWidth : 0)
                + (attentionPoolInHead ? 2 * itemWidth : 0) + userWidth;
        head = new Mlp("head", type, headWidth, config.headHidden(), 1, config.headActivation(), init);
        head.diceLayers().forEach(dice -> dice.statistics(config.diceStatistics()));
    }

    private EmbeddingTable table(String name, Initializer init) {
        return new EmbeddingTable(name, type, d, config.admitAfter(), config.expireAfterMs(), slotCount, 1024,
                config.embeddingInitStd(), init);
    }

    /** Sets the time that training sightings are stamped with (event time in streaming). */
    /**
     * Threads for DIEN's recurrent layers and auxiliary net (1, the default, or 2): each GRU cuts its batch into two
     * row ranges that run all steps on their own thread, and the auxiliary net's σ loops are halved. Results agree with
     * one thread's to float rounding (BLAS orders a half-height product's sums differently). Worth it where a core is
     * otherwise idle: the offline trainer, the benchmarks, a lightly loaded scorer. Base and DIN ignore it.
     */
    public void setThreads(int threads) {
        if (extractor != null) {
            extractor.threads(threads);
        }
        if (evolving != null) {
            evolving.threads(threads);
        }
        if (auxNet != null) {
            auxNet.threads(threads);
        }
    }

    public void setClock(long nowMs) {
        clockMs = nowMs;
    }

    /**
     * Whether training forwards count id sightings (n_j, admission). The offline trainer counts the whole training
     * set once beforehand ({@link #countOccurrences}) and turns this off, so n_j is the id's frequency (DIN §4.2).
     */
    public void setCountSightings(boolean on) {
        countSightings = on;
    }

    /** Counts every id of a batch once per occurrence, without a forward pass. */
    public void countOccurrences(Batch b) {
        int n = b.size;
        for (int i = 0; i < n; i++) {
            items.observe(b.targetItem[i], clockMs);
            categories.observe(b.targetCategory[i], clockMs);
            if (users != null) {
                users.observe(b.userId[i], clockMs);
            }
            for (int t = 0; t < b.historyLength[i]; t++) {
                int k = i * b.steps + t;
                items.observe(b.historyItem[k], clockMs);
                categories.observe(b.historyCategory[k], clockMs);
                if (usesAuxLoss()) {
                    items.observe(b.negativeItem[k], clockMs);
                    categories.observe(b.negativeCategory[k], clockMs);
                }
            }
        }
    }

    private boolean usesAuxLoss() {
        return config.kind() == ModelKind.DIEN && config.auxWeight() > 0;
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
        boolean sharedHistory = !training && batch > 1 && config.kind() == ModelKind.DIEN && sharesOneHistory(b);
        lookup(b, training, sharedHistory);
        target = Tensor.reuse(target, type, batch, itemWidth);
        items.gather(targetItemRows, batch, target, 0);
        categories.gather(targetCategoryRows, batch, target, d);
        pooled = Tensor.reuse(pooled, type, batch, itemWidth);
        if (sharedHistory) {
            gatherOneHistory();
            if (attentionPoolInHead) {
                history = tileRows(oneHistory, itemWidth, history);   // the attention pool weighs it per sample
            }
        } else {
            history = Tensor.reuse(history, type, rows, itemWidth);
            items.gather(historyItemRows, rows, history, 0);
            categories.gather(historyCategoryRows, rows, history, d);
            sumPool(history, null, pooled);
        }
        if (users != null) {
            user = Tensor.reuse(user, type, batch, d);
            users.gather(userRows, batch, user, 0);
        }
        if (dinAttention != null) {
            dinWeights = dinAttention.forward(history, target, batch, steps, lengths, training);
            weightedPool = Tensor.reuse(weightedPool, type, batch, itemWidth);
            sumPool(history, dinWeights, weightedPool);
        }

        headInput = Tensor.reuse(headInput, type, batch, headWidth);
        int col = 0;
        if (config.kind() == ModelKind.DIEN) {
            // one user's candidates share one history: its interest states h [T, H], or null
            Tensor shared = suppliedStates != null ? suppliedStates : sharedHistory ? extractOnce() : null;
            // shared states are tiled to [T·B, H] only for a layer that needs a copy per sample: the FFN
            // attention, and AIGRU's scaled input; bilinear scores of shared states are one GEMM
            boolean tiled = shared != null && (bilinear == null || evolving.kind == CellKind.AIGRU);
            if (tiled) {
                tiledInterests = tileRows(shared, config.hiddenSize(), tiledInterests);
            }
            interests = shared == null ? extractor.forward(history, batch, steps, lengths, null, training)
                    : tiled ? tiledInterests : null;
            attentionWeights = bilinear == null
                    ? ffnAttention.forward(interests, target, batch, steps, lengths, training)
                    : interests == null ? bilinear.forwardShared(shared, target, batch, steps, lengths)
                    : bilinear.forward(interests, target, batch, steps, lengths);
            evolving.lastStateOnly(!explaining);   // the head reads only h'_T; explain() reads every h'_t
            evolvingStates = shared != null && evolving.kind != CellKind.AIGRU
                    ? evolving.forwardShared(shared, batch, steps, lengths, attentionWeights)
                    : evolving.forward(interests, batch, steps, lengths, attentionWeights, training);
            if (poolOnInterestAttention) {
                weightedPool = Tensor.reuse(weightedPool, type, batch, itemWidth);
                sumPool(history, attentionWeights, weightedPool);     // v = Σ_t a_t e_b[t]
            }
            Tensor last = evolving.last();                    // h'_T [B, H]
            int h = config.hiddenSize();
            if (stateInHead) {
                for (int s = 0; s < batch; s++) {
                    headInput.copyFrom(last, s * h, s * headWidth + col, h);
                }
                col += h;
            }
            if (productInHead) {
                Tensor q = stateQuery.forward(target);           // [B, H]
                for (int s = 0; s < batch; s++) {
                    for (int j = 0; j < h; j++) {
                        headInput.set(s * headWidth + col + j, last.get(s * h + j) * q.get(s * h + j));
                    }
                }
                col += h;
            }
        }
        col = putCandidate(col);
        if (sumPoolInHead) {
            col = putPool(pooled, col);
        }
        if (attentionPoolInHead) {
            col = putPool(weightedPool, col);
        }
        if (users != null) {
            for (int s = 0; s < batch; s++) {
                headInput.copyFrom(user, s * d, s * headWidth + col, d);
            }
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
        lossAux = training && usesAuxLoss() && steps >= 2 ? auxiliaryForward(b) : 0;
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
        int[] out = new int[b.size];
        int n = 0;
        for (int s = 0; s < b.size; s++) {
            boolean unadmitted = !admitted(items, b.targetItem[s]) || !admitted(categories, b.targetCategory[s])
                    || users != null && !admitted(users, b.userId[s]);
            int len = Math.min(b.historyLength[s], b.steps);
            for (int t = 0; t < len && !unadmitted; t++) {
                int k = s * b.steps + t;
                unadmitted = !admitted(items, b.historyItem[k]) || !admitted(categories, b.historyCategory[k]);
            }
            if (unadmitted) {
                out[n++] = s;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static boolean admitted(EmbeddingTable table, long id) {
        return id == 0 || table.resolve(id) != EmbeddingTable.UNKNOWN_ROW;
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
            default -> attentionWeights;
        };
        int h = config.hiddenSize();
        double[][] attention = new double[batch][];
        double[][][] states = config.kind() == ModelKind.DIEN ? new double[batch][][] : null;
        for (int s = 0; s < batch; s++) {
            int len = lengths[s];
            attention[s] = new double[weights == null ? 0 : len];
            if (states != null) {
                states[s] = new double[len][h];
            }
            for (int t = 0; t < len; t++) {
                int row = t * batch + s;
                if (weights != null) {
                    attention[s][t] = weights.get(row);
                }
                if (states != null) {
                    for (int j = 0; j < h; j++) {
                        states[s][t][j] = evolvingStates.get(row * h + j);
                    }
                }
            }
        }
        return new Explanation(probabilities.clone(), attention, states);
    }

    /**
     * Whether every sample of the batch has sample 0's history: one user's candidates at scoring time. The interest
     * extractor does not see the candidate, so it need run only once for them.
     */
    private static boolean sharesOneHistory(Batch b) {
        int n = b.historyLength[0];
        for (int s = 1; s < b.size; s++) {
            if (b.historyLength[s] != n) {
                return false;
            }
            int from = s * b.steps;
            for (int t = 0; t < n; t++) {
                if (b.historyItem[from + t] != b.historyItem[t] || b.historyCategory[from + t] != b.historyCategory[t]) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Sample 0's history e [T, D] in {@link #oneHistory}, and its sum pool copied to every sample's row of
     * {@link #pooled}: what {@code forward} would gather and pool B times over when all samples share it.
     */
    private void gatherOneHistory() {
        if (oneRows.length < steps) {
            oneRows = new int[steps];
            oneCategoryRows = new int[steps];
        }
        for (int t = 0; t < steps; t++) {
            oneRows[t] = historyItemRows[t * batch];
            oneCategoryRows[t] = historyCategoryRows[t * batch];
        }
        oneHistory = Tensor.reuse(oneHistory, type, steps, itemWidth);           // [T, D]
        items.gather(oneRows, steps, oneHistory, 0);
        categories.gather(oneCategoryRows, steps, oneHistory, d);
        int length = lengths[0];
        for (int j = 0; j < itemWidth; j++) {
            double sum = 0;
            for (int t = 0; t < length; t++) {
                sum += oneHistory.get(t * itemWidth + j);
            }
            for (int s = 0; s < batch; s++) {
                pooled.set(s * itemWidth + j, sum);
            }
        }
    }

    /**
     * The extractor over sample 0's history alone (B = 1): h₁ [T, H], which every sample shares. Inference only: the
     * extractor's saved state is then of the one-row run, which no backward pass reads.
     */
    private Tensor extractOnce() {
        return extractor.forward(oneHistory, 1, steps, new int[] {lengths[0]}, null, false);   // [T, H]
    }

    /** Row t·B + s = one[t] for every sample s: one [T, W] → [T·B, W], time-major. */
    private Tensor tileRows(Tensor one, int width, Tensor reuse) {
        one.requireShape(steps, width);
        Tensor out = Tensor.reuse(reuse, type, steps * batch, width);   // [T·B, width]
        for (int t = 0; t < steps; t++) {
            for (int s = 0; s < batch; s++) {
                out.copyFrom(one, t * width, (t * batch + s) * width, width);
            }
        }
        return out;
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
        lookup(one, false, false);
        history = Tensor.reuse(history, type, steps, itemWidth);                  // [T, D]
        this.items.gather(historyItemRows, steps, history, 0);
        this.categories.gather(historyCategoryRows, steps, history, d);
        return extractor.forward(history, 1, steps, new int[] {steps}, null, false).copy();
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
        if (config.kind() != ModelKind.DIEN) {
            throw new IllegalStateException("interest-extractor states exist only in DIEN, not " + config.kind());
        }
    }

    /** −[y·log σ(z) + (1 − y)·log(1 − σ(z))], computed stably from the logit. */
    static double logLoss(double z, double y) {
        double softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
        return softplus - y * z;
    }

    /** Puts e_a at column {@code from} of the head input; returns the next free column. */
    private int putCandidate(int from) {
        for (int s = 0; s < batch; s++) {
            headInput.copyFrom(target, s * itemWidth, s * headWidth + from, itemWidth);
        }
        return from + itemWidth;
    }

    /** Puts [p, p ⊙ e_a] of a pooled vector p [B, D] at column {@code from}; returns the next free column. */
    private int putPool(Tensor pool, int from) {
        for (int s = 0; s < batch; s++) {
            int o = s * headWidth + from;
            for (int j = 0; j < itemWidth; j++) {
                double a = target.get(s * itemWidth + j);
                double p = pool.get(s * itemWidth + j);
                headInput.set(o + j, p);
                headInput.set(o + itemWidth + j, p * a);
            }
        }
        return from + 2 * itemWidth;
    }

    /** out[b] = Σ_{valid t} w_t·e[t, b] (w = 1 when weights is null). */
    private void sumPool(Tensor e, Tensor weights, Tensor out) {
        if (Activation.floatKernels(e)) {
            sumPoolFloat(e, weights, out);
            return;
        }
        out.zero();
        for (int t = 0; t < steps; t++) {
            for (int s = 0; s < batch; s++) {
                if (t >= lengths[s]) {
                    continue;
                }
                int row = t * batch + s;
                double w = weights == null ? 1 : weights.get(row);
                for (int j = 0; j < itemWidth; j++) {
                    out.add(s * itemWidth + j, w * e.get(row * itemWidth + j));
                }
            }
        }
    }

    /**
     * {@link #sumPool} on FLOAT: step t's rows are one contiguous [B, D] block whose row s is sample s, as is out's,
     * so out += w ∘ e_t is one vectorised loop per step (w spread over each row; 0 for a padded step).
     */
    private void sumPoolFloat(Tensor e, Tensor weights, Tensor out) {
        int block = batch * itemWidth;
        FloatBlocks f = floatBlocks(block);
        java.util.Arrays.fill(f.accumulator, 0, block, 0f);
        for (int t = 0; t < steps; t++) {
            e.read(t * block, f.block, 0, block);
            stepWeights(t, weights, f.perRow);
            FloatKernels.spreadRows(f.perRow, batch, itemWidth, f.scale);
            FloatKernels.multiplyAdd(f.scale, f.block, f.accumulator, block);
        }
        out.write(0, f.accumulator, 0, block);
    }

    /** w_t per sample at step t: the pooling weight (1 when unweighted), 0 where the step is padding. */
    private void stepWeights(int t, Tensor weights, float[] perRow) {
        for (int s = 0; s < batch; s++) {
            perRow[s] = t >= lengths[s] ? 0f : weights == null ? 1f : (float) weights.get(t * batch + s);
        }
    }

    /** Heap blocks for the FLOAT pooling loops, reused across batches. */
    private static final class FloatBlocks {
        final float[] block;
        final float[] scale;
        final float[] accumulator;
        final float[] other;
        final float[] perRow;

        FloatBlocks(int size, int rows) {
            block = new float[size];
            scale = new float[size];
            accumulator = new float[size];
            other = new float[size];
            perRow = new float[rows];
        }
    }

    private FloatBlocks floatBlocks;

    private FloatBlocks floatBlocks(int size) {
        if (floatBlocks == null || floatBlocks.block.length < size || floatBlocks.perRow.length < batch) {
            floatBlocks = new FloatBlocks(size, batch);
        }
        return floatBlocks;
    }

    private void lookup(Batch b, boolean train, boolean sharedHistory) {
        int rows = steps * batch;
        if (lengths.length < batch) {
            lengths = new int[batch];
            targetItemRows = new int[batch];
            targetCategoryRows = new int[batch];
            userRows = new int[batch];
        }
        if (historyItemRows.length < rows) {
            historyItemRows = new int[rows];
            historyCategoryRows = new int[rows];
            negativeItemRows = new int[rows];
            negativeCategoryRows = new int[rows];
        }
        boolean count = train && countSightings;
        boolean negativesNeeded = train && usesAuxLoss();
        for (int s = 0; s < batch; s++) {
            int len = Math.min(b.historyLength[s], steps);
            lengths[s] = len;
            targetItemRows[s] = row(items, b.targetItem[s], count);
            targetCategoryRows[s] = row(categories, b.targetCategory[s], count);
            if (users != null) {
                userRows[s] = row(users, b.userId[s], count);
            }
            if (sharedHistory && s > 0) {
                // the same ids as sample 0's: the same rows, no lookups (inference: nothing is counted)
                for (int t = 0; t < steps; t++) {
                    historyItemRows[t * batch + s] = historyItemRows[t * batch];
                    historyCategoryRows[t * batch + s] = historyCategoryRows[t * batch];
                }
                continue;
            }
            for (int t = 0; t < steps; t++) {
                int k = s * steps + t;
                int r = t * batch + s;
                boolean valid = t < len;
                historyItemRows[r] = valid ? row(items, b.historyItem[k], count) : EmbeddingTable.PADDING;
                historyCategoryRows[r] = valid ? row(categories, b.historyCategory[k], count)
                        : EmbeddingTable.PADDING;
                if (negativesNeeded) {
                    negativeItemRows[r] = valid ? row(items, b.negativeItem[k], count) : EmbeddingTable.PADDING;
                    negativeCategoryRows[r] = valid ? row(categories, b.negativeCategory[k], count)
                            : EmbeddingTable.PADDING;
                }
            }
        }
    }

    private int row(EmbeddingTable table, long id, boolean count) {
        return count ? table.observe(id, clockMs) : table.resolve(id);
    }

    /**
     * DIEN §4.2, eq. 8: p⁺_t = σ(g([h_t, e_b[t+1]])), p⁻_t = σ(g([h_t, ê_b[t+1]])),
     * L_aux = −(1/Σm) Σ_{t: m_{t+1} = 1} [log p⁺_t + log(1 − p⁻_t)].
     *
     * <p>Positive and negative rows share g, and are stacked into one [2·T·B, ·] pass: row q = t·B + s of the first
     * half pairs sample s's h_{t−1} with e_b[t], the same row of the second half with ê_b[t] (rows of t = 0 have no
     * predecessor; they are computed and get no gradient). g's first layer is factored: with W₁ = [W_h; W_e] in row
     * blocks, z₁ = [h, e]·W₁ + b₁ = (h·W_h + b₁) + e·W_e, and the first term is the same for a step's positive and
     * negative rows, so it is computed once. A quarter fewer first-layer products, forward and backward, and no
     * [2·T·B, H + D] input is built. Same parameters, same function; only the rounding differs.
     */
    private double auxiliaryForward(Batch b) {
        int h = config.hiddenSize();
        int rows = steps * batch;                    // T·B
        Linear first = auxNet.firstLinear();
        int f = first.out;
        auxItems = Tensor.reuse(auxItems, type, 2 * rows, itemWidth);
        auxItems.copyFrom(history, 0, 0, rows * itemWidth);
        // ê_b straight into the second half
        items.gather(negativeItemRows, rows, auxItems, rows * itemWidth);
        categories.gather(negativeCategoryRows, rows, auxItems, rows * itemWidth + d);
        shiftedInterests = Tensor.reuse(shiftedInterests, type, rows, h);
        for (int i = 0; i < batch * h; i++) {
            shiftedInterests.set(i, 0);
        }
        shiftedInterests.copyFrom(interests, 0, batch * h, (rows - batch) * h);
        Tensor w = first.weight.value();
        auxHiddenWeights = Tensor.reuse(auxHiddenWeights, type, h, f);
        auxHiddenWeights.copyFrom(w, 0, 0, h * f);
        auxItemWeights = Tensor.reuse(auxItemWeights, type, itemWidth, f);
        auxItemWeights.copyFrom(w, h * f, 0, itemWidth * f);
        // h_{t−1}·W_h + 1·b₁ [T·B, F], once for both halves
        auxHiddenTerm = Tensor.reuse(auxHiddenTerm, type, rows, f);
        Gemm.multiply(shiftedInterests, false, auxHiddenWeights, false, auxHiddenTerm);
        auxOnes = Tensor.ones(auxOnes, type, rows);
        Gemm.gemm(auxOnes, false, first.bias.value(), false, auxHiddenTerm, 1.0, 1.0);
        // z₁ = that term in both halves, then += [e_b; ê_b]·W_e
        auxFirst = Tensor.reuse(auxFirst, type, 2 * rows, f);
        auxFirst.copyFrom(auxHiddenTerm, 0, 0, rows * f);
        auxFirst.copyFrom(auxHiddenTerm, 0, rows * f, rows * f);
        Gemm.gemm(auxItems, false, auxItemWeights, false, auxFirst, 1.0, 1.0);
        auxLogits = auxNet.forwardAfterFirstLinear(auxFirst, true);
        double sum = 0;
        auxPairs = 0;
        for (int q = batch; q < rows; q++) {
            int t = q / batch;
            int s = q % batch;
            if (t >= lengths[s]) {
                continue;
            }
            auxPairs++;
            sum += logLoss(auxLogits.get(q), 1);
            if (negativeItemRows[q] != EmbeddingTable.PADDING && b.negativeItem[s * steps + t] != 0) {
                sum += logLoss(auxLogits.get(rows + q), 0);
            }
        }
        return auxPairs == 0 ? 0 : sum / auxPairs;
    }

    // ----------------------------------------------------------------------------------------------- backward

    /** Gradients of the last training forward's loss: dense into {@link #params()}, sparse into the tables'. */
    public void backward() {
        if (!training) {
            throw new IllegalStateException("backward needs a training forward");
        }
        int rows = steps * batch;
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
        int h = config.hiddenSize();
        // head input [h'_T] [h'_T ⊙ q] [e_a] [p, p ⊙ e_a] [v, v ⊙ e_a] [user]: de_a = its own columns, plus the
        // shares of the pools and of q below
        int col = (stateInHead ? h : 0) + (productInHead ? h : 0);
        for (int s = 0; s < batch; s++) {
            dTarget.copyFrom(dHead, s * headWidth + col, s * itemWidth, itemWidth);
        }
        col += itemWidth;
        if (sumPoolInHead) {
            dPool = Tensor.reuse(dPool, type, batch, itemWidth);
            poolFeaturesBackward(dHead, col, pooled, dPool);
            col += 2 * itemWidth;
            poolBackward(null, history, dPool);
        }
        if (attentionPoolInHead) {
            dWeightedPool = Tensor.reuse(dWeightedPool, type, batch, itemWidth);
            poolFeaturesBackward(dHead, col, weightedPool, dWeightedPool);
            // v = Σ_t w_t e_b[t]:  de_b[t] += w_t·dv ; dw_t = dv·e_b[t]
            dAttentionWeights = Tensor.reuse(dAttentionWeights, type, rows, 1);
            poolBackward(poolOnInterestAttention ? attentionWeights : dinWeights, history, dWeightedPool);
            if (!poolOnInterestAttention) {
                dinAttention.backward(dAttentionWeights);
                dHistory.addScaled(dinAttention.dKeys(), 1.0);
                dTarget.addScaled(dinAttention.dQuery(), 1.0);
            }   // else dw_t joins the evolving cell's da_t below
        }
        if (config.kind() == ModelKind.DIEN) {
            dLast = Tensor.reuse(dLast, type, batch, h);
            dLast.zero();
            int stateCol = 0;
            if (stateInHead) {
                for (int s = 0; s < batch; s++) {
                    dLast.copyFrom(dHead, s * headWidth, s * h, h);
                }
                stateCol = h;
            }
            if (productInHead) {
                // y = h'_T ⊙ q:  dh'_T += dy ⊙ q ; dq = dy ⊙ h'_T ; de_a += dq·W_pᵀ (and dW_p, db_p in the Linear)
                Tensor last = evolving.last();
                Tensor q = stateQuery.output();
                dStateQuery = Tensor.reuse(dStateQuery, type, batch, h);
                for (int s = 0; s < batch; s++) {
                    for (int j = 0; j < h; j++) {
                        double dy = dHead.get(s * headWidth + stateCol + j);
                        dLast.add(s * h + j, dy * q.get(s * h + j));
                        dStateQuery.set(s * h + j, dy * last.get(s * h + j));
                    }
                }
                dTarget.addScaled(stateQuery.backward(dStateQuery), 1.0);
            }
            // evolving layer: only its last state feeds the head
            Tensor dFromEvolving = evolving.backward(null, dLast);
            dInterests = Tensor.reuse(dInterests, type, rows, h);
            dInterests.copyFrom(dFromEvolving);
            Tensor dA = evolving.dAttention();
            if (poolOnInterestAttention) {
                // a_t weighs both the evolving cell's update gates and the pool: da_t = da_t(cell) + dw_t(pool)
                dA.addScaled(dAttentionWeights, 1.0);
            }
            if (bilinear != null) {
                bilinear.backward(dA);
                dInterests.addScaled(bilinear.dKeys(), 1.0);
                dTarget.addScaled(bilinear.dQuery(), 1.0);
            } else {
                ffnAttention.backward(dA);
                dInterests.addScaled(ffnAttention.dKeys(), 1.0);
                dTarget.addScaled(ffnAttention.dQuery(), 1.0);
            }
            if (usesAuxLoss() && steps >= 2 && auxPairs > 0) {
                auxiliaryBackward();
            }
            dHistory.addScaled(extractor.backward(dInterests, null), 1.0);
        }
        // scatter into the touched rows only
        itemGrad.scatter(targetItemRows, batch, dTarget, 0);
        categoryGrad.scatter(targetCategoryRows, batch, dTarget, d);
        itemGrad.scatter(historyItemRows, rows, dHistory, 0);
        categoryGrad.scatter(historyCategoryRows, rows, dHistory, d);
        if (config.kind() == ModelKind.DIEN && usesAuxLoss() && steps >= 2 && auxPairs > 0) {
            itemGrad.scatter(negativeItemRows, rows, dNegatives, 0);
            categoryGrad.scatter(negativeCategoryRows, rows, dNegatives, d);
        }
        if (users != null) {
            int userCol = headWidth - d;
            dUser = Tensor.reuse(dUser, type, batch, d);
            for (int s = 0; s < batch; s++) {
                dUser.copyFrom(dHead, s * headWidth + userCol, s * d, d);
            }
            userGrad.scatter(userRows, batch, dUser, 0);
        }
    }

    /** Head input [p, p ⊙ e_a] at {@code from}: de_a += d₁∘p ; dp = d₀ + d₁∘e_a (into {@code dp}). */
    private void poolFeaturesBackward(Tensor dHead, int from, Tensor pool, Tensor dp) {
        for (int s = 0; s < batch; s++) {
            int o = s * headWidth + from;
            for (int j = 0; j < itemWidth; j++) {
                double a = target.get(s * itemWidth + j);
                double p = pool.get(s * itemWidth + j);
                double d0 = dHead.get(o + j);
                double d1 = dHead.get(o + itemWidth + j);
                dTarget.add(s * itemWidth + j, d1 * p);
                dp.set(s * itemWidth + j, d0 + d1 * a);
            }
        }
    }

    /**
     * p = Σ_{valid t} w_t e[t]:  de[t] += w_t·dp  and, when weighted, dw_t = dp·e[t] (into dAttentionWeights).
     */
    private void poolBackward(Tensor weights, Tensor e, Tensor dPool) {
        if (Activation.floatKernels(e)) {
            poolBackwardFloat(weights, e, dPool);
            return;
        }
        for (int t = 0; t < steps; t++) {
            for (int s = 0; s < batch; s++) {
                int row = t * batch + s;
                if (t >= lengths[s]) {
                    if (weights != null) {
                        dAttentionWeights.set(row, 0);
                    }
                    continue;
                }
                double w = weights == null ? 1 : weights.get(row);
                double dw = 0;
                for (int j = 0; j < itemWidth; j++) {
                    double dp = dPool.get(s * itemWidth + j);
                    dHistory.add(row * itemWidth + j, w * dp);
                    dw += dp * e.get(row * itemWidth + j);
                }
                if (weights != null) {
                    dAttentionWeights.set(row, dw);
                }
            }
        }
    }

    /** {@link #poolBackward} on FLOAT, a [B, D] step block at a time: de_t += w ∘ dp ; dw_t = Σ_j dp_j·e_t,j. */
    private void poolBackwardFloat(Tensor weights, Tensor e, Tensor dPool) {
        int block = batch * itemWidth;
        FloatBlocks f = floatBlocks(block);
        dPool.read(0, f.other, 0, block);                     // dp [B, D]
        for (int t = 0; t < steps; t++) {
            int at = t * block;
            stepWeights(t, weights, f.perRow);
            FloatKernels.spreadRows(f.perRow, batch, itemWidth, f.scale);
            dHistory.read(at, f.accumulator, 0, block);
            FloatKernels.multiplyAdd(f.scale, f.other, f.accumulator, block);
            dHistory.write(at, f.accumulator, 0, block);
            if (weights != null) {
                e.read(at, f.block, 0, block);
                FloatKernels.multiply(f.other, f.block, f.accumulator, block);
                FloatKernels.rowSums(f.accumulator, batch, itemWidth, f.perRow);
                for (int s = 0; s < batch; s++) {
                    dAttentionWeights.set(t * batch + s, t >= lengths[s] ? 0 : f.perRow[s]);
                }
            }
        }
    }

    private void auxiliaryBackward() {
        int h = config.hiddenSize();
        int rows = steps * batch;
        Linear first = auxNet.firstLinear();
        int f = first.out;
        Batch b = input;
        dAuxLogits = Tensor.reuse(dAuxLogits, type, 2 * rows, 1);
        dAuxLogits.zero();
        double scale = config.auxWeight() / auxPairs;
        // −log σ(z): d/dz = σ(z) − 1 ;  −log(1 − σ(z)): d/dz = σ(z)
        for (int q = batch; q < rows; q++) {
            int t = q / batch;
            int s = q % batch;
            if (t >= lengths[s]) {
                continue;
            }
            dAuxLogits.set(q, scale * (Activation.sigmoid(auxLogits.get(q)) - 1));
            if (negativeItemRows[q] != EmbeddingTable.PADDING && b.negativeItem[s * steps + t] != 0) {
                dAuxLogits.set(rows + q, scale * Activation.sigmoid(auxLogits.get(rows + q)));
            }
        }
        Tensor dFirst = auxNet.backwardToFirstLinear(dAuxLogits);      // dz₁ [2·T·B, F]
        // dW_e = [e_b; ê_b]ᵀ·dz₁
        auxItemGradient = Tensor.reuse(auxItemGradient, type, itemWidth, f);
        Gemm.multiply(auxItems, true, dFirst, false, auxItemGradient);
        // S = dz₁⁺ + dz₁⁻ [T·B, F], the gradient at the shared term h·W_h + b₁: dW_h = hᵀ·S ; db₁ = Σ_q S_q
        auxStepSums = Tensor.reuse(auxStepSums, type, rows, f);
        auxStepSums.copyFrom(dFirst, 0, 0, rows * f);
        auxStepSums.addScaled(dFirst, rows * f, 0, rows * f, 1);
        auxHiddenGradient = Tensor.reuse(auxHiddenGradient, type, h, f);
        Gemm.multiply(shiftedInterests, true, auxStepSums, false, auxHiddenGradient);
        Tensor dW = first.weight.grad();
        dW.addScaled(auxHiddenGradient, 0, 0, h * f, 1);
        dW.addScaled(auxItemGradient, 0, h * f, itemWidth * f, 1);
        auxStepSums.addColumnSumsTo(first.bias.grad());
        // dh = S·W_hᵀ, whose row q is the gradient of h at row q − B
        dShiftedInterests = Tensor.reuse(dShiftedInterests, type, rows, h);
        Gemm.multiply(auxStepSums, false, auxHiddenWeights, true, dShiftedInterests);
        dInterests.addScaled(dShiftedInterests, batch * h, 0, (rows - batch) * h, 1);
        // [de_b; dê_b] = dz₁·W_eᵀ
        dAuxItems = Tensor.reuse(dAuxItems, type, 2 * rows, itemWidth);
        Gemm.multiply(dFirst, false, auxItemWeights, true, dAuxItems);
        dHistory.addScaled(dAuxItems, 0, 0, rows * itemWidth, 1);
        dNegatives = Tensor.reuse(dNegatives, type, rows, itemWidth);
        dNegatives.copyFrom(dAuxItems, rows * itemWidth, 0, rows * itemWidth);
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
        if (extractor != null) {
            out.addAll(extractor.params());
            out.addAll(bilinear != null ? bilinear.params() : ffnAttention.params());
            out.addAll(evolving.params());
            out.addAll(auxNet.params());
            if (stateQuery != null) {
                out.addAll(stateQuery.params());
            }
        }
        out.addAll(head.params());
        return out;
    }

    /** The embedding tables, in a stable order (item, category, user when present). */
    public List<EmbeddingTable> tables() {
        return users == null ? List.of(items, categories) : List.of(items, categories, users);
    }

    /** The batch's sparse gradients, aligned with {@link #tables()}. */
    public List<SparseGradient> sparseGradients() {
        return users == null ? List.of(itemGrad, categoryGrad) : List.of(itemGrad, categoryGrad, userGrad);
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
