package io.istream.trainer.model;

import java.util.EnumSet;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Mutable values of a {@link ModelConfig}; {@link #build} checks them. Made by {@link ModelConfig#builder} (the shipped
 * defaults), {@link ModelConfig#paper} (the papers' forms) and {@link ModelConfig#toBuilder}.
 */
public final class ModelConfigBuilder {
    ModelKind kind;
    int embeddingDim = 18;
    int hiddenSize = 36;
    int[] headHidden = {200, 80};
    ActivationKind headActivation = ActivationKind.PRELU;
    DiceStatistics diceStatistics = DiceStatistics.BATCH;
    EnumSet<HeadInput> headInputs;     // null: the kind's default
    PoolAttention poolAttention = PoolAttention.LOCAL_ACTIVATION;
    int[] attentionHidden = {80, 40};
    ActivationKind attentionActivation = ActivationKind.PRELU;
    boolean dinSoftmax;
    AttentionKind attention = AttentionKind.BILINEAR;
    CellKind evolvingCell = CellKind.AUGRU;
    double auxWeight = 1.0;
    int[] auxHidden = {100, 50};
    boolean userEmbedding;
    int admitAfter = 1;
    long expireAfterMs = 30L * 24 * 3_600_000;   // 30 days: bounded tables on an endless stream
    double embeddingInitStd = 0.01;
    DataType dataType = DataType.FLOAT;
    long seed = 1;

    ModelConfigBuilder(ModelKind kind) {
        this.kind = kind;
    }

    /** Base, DIN or DIEN; the head inputs return to the new kind's default unless set after this. */
    public ModelConfigBuilder kind(ModelKind k) {
        if (k != kind) {
            headInputs = null;
        }
        kind = k;
        return this;
    }

    /** d per id; an item is its item and category embeddings, D = 2d. */
    public ModelConfigBuilder embeddingDim(int d) {
        embeddingDim = d;
        return this;
    }

    /** H of both recurrent layers (DIEN). */
    public ModelConfigBuilder hiddenSize(int h) {
        hiddenSize = h;
        return this;
    }

    /** The head MLP's hidden widths. */
    public ModelConfigBuilder headHidden(int... widths) {
        headHidden = widths.clone();
        return this;
    }

    /** PRELU or DICE in the head. */
    public ModelConfigBuilder headActivation(ActivationKind a) {
        headActivation = a;
        return this;
    }

    /** Which statistics the head's Dice normalises with in training ({@link DiceStatistics}). */
    public ModelConfigBuilder diceStatistics(DiceStatistics d) {
        diceStatistics = d;
        return this;
    }

    /** What summarises the behaviours in the head ({@link HeadInput}). */
    public ModelConfigBuilder headInputs(Set<HeadInput> inputs) {
        headInputs = inputs.isEmpty() ? EnumSet.noneOf(HeadInput.class) : EnumSet.copyOf(inputs);
        return this;
    }

    /** Which weights the head's attention pool uses ({@link PoolAttention}). */
    public ModelConfigBuilder poolAttention(PoolAttention p) {
        poolAttention = p;
        return this;
    }

    /** The local activation unit's hidden widths (DIN's attention, and DIEN's FFN option). */
    public ModelConfigBuilder attentionHidden(int... widths) {
        attentionHidden = widths.clone();
        return this;
    }

    /** The FFN attention's hidden activation: PRELU, SIGMOID or NONE (Dice would let padding move scores). */
    public ModelConfigBuilder attentionActivation(ActivationKind a) {
        attentionActivation = a;
        return this;
    }

    /** A masked softmax over DIN's attention weights (off in the DIN paper's text, on in its code). */
    public ModelConfigBuilder dinSoftmax(boolean on) {
        dinSoftmax = on;
        return this;
    }

    /** DIEN's attention score over the interest states. */
    public ModelConfigBuilder attention(AttentionKind a) {
        attention = a;
        return this;
    }

    /** DIEN's interest-evolving cell. */
    public ModelConfigBuilder evolvingCell(CellKind c) {
        evolvingCell = c;
        return this;
    }

    /** α of L = BCE + α·L_aux; 0 turns the auxiliary loss off. */
    public ModelConfigBuilder auxWeight(double alpha) {
        auxWeight = alpha;
        return this;
    }

    /** The auxiliary net's hidden widths (sigmoid activations). */
    public ModelConfigBuilder auxHidden(int... widths) {
        auxHidden = widths.clone();
        return this;
    }

    /** A user-id embedding in the head input. */
    public ModelConfigBuilder userEmbedding(boolean on) {
        userEmbedding = on;
        return this;
    }

    /** Sightings before an id gets its own embedding row. */
    public ModelConfigBuilder admitAfter(int sightings) {
        admitAfter = sightings;
        return this;
    }

    /** Forget ids unseen this long (0 = never). */
    public ModelConfigBuilder expireAfterMs(long ms) {
        expireAfterMs = ms;
        return this;
    }

    /** N(0, σ²) initialisation of embedding rows. */
    public ModelConfigBuilder embeddingInitStd(double std) {
        embeddingInitStd = std;
        return this;
    }

    /** FLOAT for training, DOUBLE for gradient checks. */
    public ModelConfigBuilder dataType(DataType type) {
        dataType = type;
        return this;
    }

    /** Initialisation seed. */
    public ModelConfigBuilder seed(long s) {
        seed = s;
        return this;
    }

    public ModelConfig build() {
        return new ModelConfig(this);
    }
}
