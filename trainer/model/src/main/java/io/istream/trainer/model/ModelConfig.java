package io.istream.trainer.model;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Everything that shapes a model. Immutable; made with a {@link ModelConfigBuilder}: {@link #builder} starts from the
 * shipped defaults (the forms that measured best across datasets, docs/results.md), {@link #paper} from the papers'
 * forms. The offline trainer, the streaming trainer and the scorer all build their model from one of these, and model
 * files and FULL model updates carry it ({@link ModelFile#configBytes}), so a scorer builds exactly the trainer's
 * model.
 * {@link ModelOptions} names every field as a {@code model.*} option.
 */
public final class ModelConfig implements java.io.Serializable {

    private static final long serialVersionUID = 2L;

    private final ModelKind kind;
    private final int embeddingDim;
    private final int hiddenSize;
    private final int[] headHidden;
    private final ActivationKind headActivation;
    private final DiceStatistics diceStatistics;
    private final EnumSet<HeadInput> headInputs;
    private final PoolAttention poolAttention;
    private final int[] attentionHidden;
    private final ActivationKind attentionActivation;
    private final boolean dinSoftmax;
    private final AttentionKind attention;
    private final CellKind evolvingCell;
    private final double auxWeight;
    private final int[] auxHidden;
    private final boolean userEmbedding;
    private final int admitAfter;
    private final long expireAfterMs;
    private final double embeddingInitStd;
    private final DataType dataType;
    private final long seed;

    ModelConfig(ModelConfigBuilder b) {
        kind = Objects.requireNonNull(b.kind, "kind");
        embeddingDim = b.embeddingDim;
        hiddenSize = b.hiddenSize;
        headHidden = b.headHidden.clone();
        headActivation = Objects.requireNonNull(b.headActivation, "headActivation");
        diceStatistics = Objects.requireNonNull(b.diceStatistics, "diceStatistics");
        headInputs = b.headInputs == null ? defaultHeadInputs(kind) : EnumSet.copyOf(b.headInputs);
        poolAttention = Objects.requireNonNull(b.poolAttention, "poolAttention");
        attentionHidden = b.attentionHidden.clone();
        attentionActivation = Objects.requireNonNull(b.attentionActivation, "attentionActivation");
        dinSoftmax = b.dinSoftmax;
        attention = Objects.requireNonNull(b.attention, "attention");
        evolvingCell = Objects.requireNonNull(b.evolvingCell, "evolvingCell");
        auxWeight = b.auxWeight;
        auxHidden = b.auxHidden.clone();
        userEmbedding = b.userEmbedding;
        admitAfter = b.admitAfter;
        expireAfterMs = b.expireAfterMs;
        embeddingInitStd = b.embeddingInitStd;
        dataType = Objects.requireNonNull(b.dataType, "dataType");
        seed = b.seed;
        require(embeddingDim > 0, "embeddingDim > 0");
        require(hiddenSize > 0, "hiddenSize > 0");
        require(positive(headHidden) && positive(attentionHidden) && positive(auxHidden), "layer widths > 0");
        require(headActivation == ActivationKind.PRELU || headActivation == ActivationKind.DICE,
                "headActivation is PRELU or DICE");
        require(attentionActivation != ActivationKind.DICE, "attentionActivation is not DICE");
        require(evolvingCell != CellKind.GRU, "evolvingCell uses attention (AUGRU, AGRU, AIGRU, AUGRU_REFERENCE)");
        require(auxWeight >= 0 && Double.isFinite(auxWeight), "auxWeight ≥ 0");
        require(admitAfter >= 1, "admitAfter ≥ 1");
        require(expireAfterMs >= 0, "expireAfterMs ≥ 0");
        require(embeddingInitStd > 0 && Double.isFinite(embeddingInitStd), "embeddingInitStd > 0");
        require(dataType == DataType.FLOAT || dataType == DataType.DOUBLE, "dataType FLOAT or DOUBLE");
        switch (kind) {
            case BASE -> require(headInputs.equals(EnumSet.of(HeadInput.SUM_POOLING)),
                    "the base model's head input is SUM_POOLING alone");
            case DIN -> require(headInputs.contains(HeadInput.ATTENTION_POOLING)
                    && !headInputs.contains(HeadInput.INTEREST_STATE)
                    && !headInputs.contains(HeadInput.INTEREST_PRODUCT),
                    "DIN's head inputs hold ATTENTION_POOLING and no INTEREST_STATE or INTEREST_PRODUCT");
            case DIEN -> require(headInputs.contains(HeadInput.INTEREST_STATE),
                    "DIEN's head inputs hold INTEREST_STATE");
        }
        require(kind == ModelKind.DIEN || poolAttention == PoolAttention.LOCAL_ACTIVATION,
                "poolAttention INTEREST_ATTENTION only for DIEN");
    }

    /**
     * The shipped defaults of a model kind: the forms that measured best on the validation splits of amazon-beauty and
     * yelp (docs/results.md). All: PReLU in the head, the reference sizes. DIN: softmax attention, and the sum pool
     * beside the attention pool. DIEN: all of DIN's head, plus h'_T and h'_T ⊙ q; its FFN attention over the interest
     * states drives the AUGRU and weighs the attention pool; no auxiliary loss.
     */
    public static ModelConfigBuilder builder(ModelKind kind) {
        ModelConfigBuilder b = new ModelConfigBuilder(kind);
        b.headActivation = ActivationKind.PRELU;
        b.dinSoftmax = true;
        switch (kind) {
            case BASE -> b.headInputs = EnumSet.of(HeadInput.SUM_POOLING);
            case DIN -> b.headInputs = EnumSet.of(HeadInput.ATTENTION_POOLING, HeadInput.SUM_POOLING);
            case DIEN -> {
                b.headInputs = EnumSet.allOf(HeadInput.class);
                b.attention = AttentionKind.FFN;
                b.poolAttention = PoolAttention.INTEREST_ATTENTION;
                b.auxWeight = 0;
            }
        }
        return b;
    }

    /** {@code builder(kind).build()}. */
    public static ModelConfig defaults(ModelKind kind) {
        return builder(kind).build();
    }

    /**
     * The papers' forms at their reference sizes: d = 18, H = 36, head 200-80 (PReLU for base and DIN, Dice for DIEN),
     * DIN's attention 80-40 with no softmax (DIN §4.3), DIEN with bilinear attention (eq. 9), AUGRU (eqs. 12–13) and
     * the auxiliary loss at α = 1, its net 100-50.
     */
    public static ModelConfigBuilder paper(ModelKind kind) {
        ModelConfigBuilder b = new ModelConfigBuilder(kind);
        b.headActivation = kind == ModelKind.DIEN ? ActivationKind.DICE : ActivationKind.PRELU;
        return b;
    }

    /** A builder holding this config's values, to change some of them. */
    public ModelConfigBuilder toBuilder() {
        ModelConfigBuilder b = new ModelConfigBuilder(kind);
        b.embeddingDim = embeddingDim;
        b.hiddenSize = hiddenSize;
        b.headHidden = headHidden.clone();
        b.headActivation = headActivation;
        b.diceStatistics = diceStatistics;
        b.headInputs = EnumSet.copyOf(headInputs);
        b.poolAttention = poolAttention;
        b.attentionHidden = attentionHidden.clone();
        b.attentionActivation = attentionActivation;
        b.dinSoftmax = dinSoftmax;
        b.attention = attention;
        b.evolvingCell = evolvingCell;
        b.auxWeight = auxWeight;
        b.auxHidden = auxHidden.clone();
        b.userEmbedding = userEmbedding;
        b.admitAfter = admitAfter;
        b.expireAfterMs = expireAfterMs;
        b.embeddingInitStd = embeddingInitStd;
        b.dataType = dataType;
        b.seed = seed;
        return b;
    }

    /** The papers' head inputs: the sum pool for the base model, the attention pool for DIN, [h'_T, p] for DIEN. */
    public static EnumSet<HeadInput> defaultHeadInputs(ModelKind kind) {
        return switch (kind) {
            case BASE -> EnumSet.of(HeadInput.SUM_POOLING);
            case DIN -> EnumSet.of(HeadInput.ATTENTION_POOLING);
            case DIEN -> EnumSet.of(HeadInput.INTEREST_STATE, HeadInput.SUM_POOLING);
        };
    }

    public ModelKind kind() {
        return kind;
    }

    public int embeddingDim() {
        return embeddingDim;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int[] headHidden() {
        return headHidden.clone();
    }

    public ActivationKind headActivation() {
        return headActivation;
    }

    public DiceStatistics diceStatistics() {
        return diceStatistics;
    }

    public Set<HeadInput> headInputs() {
        return EnumSet.copyOf(headInputs);
    }

    public PoolAttention poolAttention() {
        return poolAttention;
    }

    public boolean hasHeadInput(HeadInput input) {
        return headInputs.contains(input);
    }

    public int[] attentionHidden() {
        return attentionHidden.clone();
    }

    public ActivationKind attentionActivation() {
        return attentionActivation;
    }

    public boolean dinSoftmax() {
        return dinSoftmax;
    }

    public AttentionKind attention() {
        return attention;
    }

    public CellKind evolvingCell() {
        return evolvingCell;
    }

    public double auxWeight() {
        return auxWeight;
    }

    public int[] auxHidden() {
        return auxHidden.clone();
    }

    public boolean userEmbedding() {
        return userEmbedding;
    }

    public int admitAfter() {
        return admitAfter;
    }

    public long expireAfterMs() {
        return expireAfterMs;
    }

    public double embeddingInitStd() {
        return embeddingInitStd;
    }

    public DataType dataType() {
        return dataType;
    }

    public long seed() {
        return seed;
    }

    public int itemWidth() {
        return 2 * embeddingDim;
    }

    private static boolean positive(int[] widths) {
        return Arrays.stream(widths).allMatch(w -> w > 0);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("model config: expected " + what);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig c && kind == c.kind && embeddingDim == c.embeddingDim
                && hiddenSize == c.hiddenSize && Arrays.equals(headHidden, c.headHidden)
                && headActivation == c.headActivation && diceStatistics == c.diceStatistics
                && headInputs.equals(c.headInputs) && poolAttention == c.poolAttention
                && Arrays.equals(attentionHidden, c.attentionHidden)
                && attentionActivation == c.attentionActivation && dinSoftmax == c.dinSoftmax
                && attention == c.attention && evolvingCell == c.evolvingCell
                && Double.compare(auxWeight, c.auxWeight) == 0 && Arrays.equals(auxHidden, c.auxHidden)
                && userEmbedding == c.userEmbedding && admitAfter == c.admitAfter
                && expireAfterMs == c.expireAfterMs && Double.compare(embeddingInitStd, c.embeddingInitStd) == 0
                && dataType == c.dataType && seed == c.seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, embeddingDim, hiddenSize, Arrays.hashCode(headHidden), headActivation, headInputs,
                seed);
    }

    /** One line: what differs between models (the full list is {@link ModelOptions#describe}). */
    @Override
    public String toString() {
        boolean attentionPool = headInputs.contains(HeadInput.ATTENTION_POOLING)
                && poolAttention == PoolAttention.LOCAL_ACTIVATION;
        return kind + "{d=" + embeddingDim + (kind == ModelKind.DIEN ? ", H=" + hiddenSize : "")
                + ", head=" + Arrays.toString(headHidden) + " " + headActivation
                + (headActivation == ActivationKind.DICE ? "(" + diceStatistics + ")" : "") + " " + headInputs
                + (attentionPool ? ", att=" + Arrays.toString(attentionHidden) + " " + attentionActivation
                + (dinSoftmax ? " softmax" : "") : "")
                + (poolAttention == PoolAttention.INTEREST_ATTENTION ? ", pool on a_t" : "")
                + (kind == ModelKind.DIEN ? ", dien-att=" + attention + ", cell=" + evolvingCell + ", α=" + auxWeight
                : "")
                + (userEmbedding ? ", user" : "") + ", admitAfter=" + admitAfter + ", " + dataType + "}";
    }
}
