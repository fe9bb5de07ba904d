package io.istream.trainer.model;

import java.util.Arrays;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Everything that shapes a model; defaults are MODEL.md's reference sizes (d = 18, H = 36, head 200-80 with Dice,
 * attention 80-40, auxiliary net 100-50, α = 1).
 *
 * @param kind                base, DIN or DIEN
 * @param embeddingDim        d per id; an item is its item and category embeddings, D = 2d
 * @param hiddenSize          H of both recurrent layers (DIEN)
 * @param headHidden          head MLP widths
 * @param headActivation      PRELU or DICE
 * @param attentionHidden     FFN attention widths (DIN, and DIEN's FFN option)
 * @param attentionActivation PRELU or SIGMOID (Dice would let padding move real scores)
 * @param dinSoftmax          softmax over DIN's weights (off in the paper: keeps interest intensity)
 * @param attention           DIEN attention score
 * @param evolvingCell        DIEN interest-evolving cell
 * @param auxWeight           α of L = BCE + α·L_aux; 0 turns the auxiliary loss off
 * @param auxHidden           auxiliary net widths (sigmoid hidden activations)
 * @param userEmbedding       add a user-id embedding to the head input
 * @param admitAfter          sightings before an id gets its own row
 * @param expireAfterMs       forget ids unseen this long (0 = never)
 * @param embeddingInitStd    N(0, σ²) initialisation of embedding rows
 * @param dataType            FLOAT for training, DOUBLE for gradient checks
 * @param seed                initialisation seed
 */
public record ModelConfig(ModelKind kind, int embeddingDim, int hiddenSize, int[] headHidden,
                          ActivationKind headActivation, int[] attentionHidden, ActivationKind attentionActivation,
                          boolean dinSoftmax, AttentionKind attention, CellKind evolvingCell, double auxWeight,
                          int[] auxHidden, boolean userEmbedding, int admitAfter, long expireAfterMs,
                          double embeddingInitStd, DataType dataType, long seed) implements java.io.Serializable {

    public ModelConfig {
        Objects.requireNonNull(kind, "kind");
        require(embeddingDim > 0, "embeddingDim > 0");
        require(hiddenSize > 0, "hiddenSize > 0");
        require(headActivation == ActivationKind.PRELU || headActivation == ActivationKind.DICE,
                "headActivation is PRELU or DICE");
        require(attentionActivation != ActivationKind.DICE, "attentionActivation is not DICE");
        require(evolvingCell != CellKind.GRU, "evolvingCell uses attention (AUGRU, AGRU, AIGRU, AUGRU_REFERENCE)");
        require(auxWeight >= 0 && Double.isFinite(auxWeight), "auxWeight ≥ 0");
        require(admitAfter >= 1, "admitAfter ≥ 1");
        require(expireAfterMs >= 0, "expireAfterMs ≥ 0");
        require(dataType == DataType.FLOAT || dataType == DataType.DOUBLE, "dataType FLOAT or DOUBLE");
        headHidden = headHidden.clone();
        attentionHidden = attentionHidden.clone();
        auxHidden = auxHidden.clone();
    }

    /** MODEL.md's defaults for a model kind: Dice in the head, bilinear attention, AUGRU, α = 1. */
    public static ModelConfig defaults(ModelKind kind) {
        return new ModelConfig(kind, 18, 36, new int[] {200, 80}, ActivationKind.DICE, new int[] {80, 40},
                ActivationKind.PRELU, false, AttentionKind.BILINEAR, CellKind.AUGRU, 1.0, new int[] {100, 50},
                false, 1, 0, 0.01, DataType.FLOAT, 1);
    }

    public int itemWidth() {
        return 2 * embeddingDim;
    }

    public ModelConfig withSizes(int d, int h, int[] head, int[] att, int[] aux) {
        return new ModelConfig(kind, d, h, head, headActivation, att, attentionActivation, dinSoftmax, attention,
                evolvingCell, auxWeight, aux, userEmbedding, admitAfter, expireAfterMs, embeddingInitStd, dataType,
                seed);
    }

    public ModelConfig withHeadActivation(ActivationKind a) {
        return new ModelConfig(kind, embeddingDim, hiddenSize, headHidden, a, attentionHidden, attentionActivation,
                dinSoftmax, attention, evolvingCell, auxWeight, auxHidden, userEmbedding, admitAfter, expireAfterMs,
                embeddingInitStd, dataType, seed);
    }

    public ModelConfig withAttention(AttentionKind a, boolean softmaxForDin) {
        return new ModelConfig(kind, embeddingDim, hiddenSize, headHidden, headActivation, attentionHidden,
                attentionActivation, softmaxForDin, a, evolvingCell, auxWeight, auxHidden, userEmbedding, admitAfter,
                expireAfterMs, embeddingInitStd, dataType, seed);
    }

    public ModelConfig withAttentionActivation(ActivationKind a) {
        return new ModelConfig(kind, embeddingDim, hiddenSize, headHidden, headActivation, attentionHidden, a,
                dinSoftmax, attention, evolvingCell, auxWeight, auxHidden, userEmbedding, admitAfter, expireAfterMs,
                embeddingInitStd, dataType, seed);
    }

    public ModelConfig withEvolvingCell(CellKind cell) {
        return new ModelConfig(kind, embeddingDim, hiddenSize, headHidden, headActivation, attentionHidden,
                attentionActivation, dinSoftmax, attention, cell, auxWeight, auxHidden, userEmbedding, admitAfter,
                expireAfterMs, embeddingInitStd, dataType, seed);
    }

    public ModelConfig withAuxWeight(double alpha) {
        return new ModelConfig(kind, embeddingDim, hiddenSize, headHidden, headActivation, attentionHidden,
                attentionActivation, dinSoftmax, attention, evolvingCell, alpha, auxHidden, userEmbedding, admitAfter,
                expireAfterMs, embeddingInitStd, dataType, seed);
    }

    public ModelConfig withUserEmbedding(boolean on) {
        return new ModelConfig(kind, embeddingDim, hiddenSize, headHidden, headActivation, attentionHidden,
                attentionActivation, dinSoftmax, attention, evolvingCell, auxWeight, auxHidden, on, admitAfter,
                expireAfterMs, embeddingInitStd, dataType, seed);
    }

    public ModelConfig withAdmission(int after, long expireMs) {
        return new ModelConfig(kind, embeddingDim, hiddenSize, headHidden, headActivation, attentionHidden,
                attentionActivation, dinSoftmax, attention, evolvingCell, auxWeight, auxHidden, userEmbedding, after,
                expireMs, embeddingInitStd, dataType, seed);
    }

    public ModelConfig withEmbeddingInitStd(double std) {
        return new ModelConfig(kind, embeddingDim, hiddenSize, headHidden, headActivation, attentionHidden,
                attentionActivation, dinSoftmax, attention, evolvingCell, auxWeight, auxHidden, userEmbedding,
                admitAfter, expireAfterMs, std, dataType, seed);
    }

    public ModelConfig withDataType(DataType type) {
        return new ModelConfig(kind, embeddingDim, hiddenSize, headHidden, headActivation, attentionHidden,
                attentionActivation, dinSoftmax, attention, evolvingCell, auxWeight, auxHidden, userEmbedding,
                admitAfter, expireAfterMs, embeddingInitStd, type, seed);
    }

    public ModelConfig withSeed(long s) {
        return new ModelConfig(kind, embeddingDim, hiddenSize, headHidden, headActivation, attentionHidden,
                attentionActivation, dinSoftmax, attention, evolvingCell, auxWeight, auxHidden, userEmbedding,
                admitAfter, expireAfterMs, embeddingInitStd, dataType, s);
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
                && headActivation == c.headActivation && Arrays.equals(attentionHidden, c.attentionHidden)
                && attentionActivation == c.attentionActivation && dinSoftmax == c.dinSoftmax
                && attention == c.attention && evolvingCell == c.evolvingCell
                && Double.compare(auxWeight, c.auxWeight) == 0 && Arrays.equals(auxHidden, c.auxHidden)
                && userEmbedding == c.userEmbedding && admitAfter == c.admitAfter
                && expireAfterMs == c.expireAfterMs && Double.compare(embeddingInitStd, c.embeddingInitStd) == 0
                && dataType == c.dataType && seed == c.seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, embeddingDim, hiddenSize, Arrays.hashCode(headHidden), headActivation, seed);
    }

    @Override
    public String toString() {
        return kind + "{d=" + embeddingDim + (kind == ModelKind.DIEN ? ", H=" + hiddenSize : "")
                + ", head=" + Arrays.toString(headHidden) + " " + headActivation
                + (kind == ModelKind.DIN ? ", att=" + Arrays.toString(attentionHidden) + (dinSoftmax ? " softmax" : "")
                : "")
                + (kind == ModelKind.DIEN ? ", att=" + attention + ", cell=" + evolvingCell + ", α=" + auxWeight : "")
                + (userEmbedding ? ", user" : "") + ", admitAfter=" + admitAfter + ", " + dataType + "}";
    }
}
