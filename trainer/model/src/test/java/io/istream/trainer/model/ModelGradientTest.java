package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.istream.trainer.data.Batch;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/** The full loss of each model and option against central differences, dense and sparse parameters alike. */
class ModelGradientTest {

    private static final int[] LENGTHS = {5, 3, 1, 0, 2};

    /**
     * Reference structure at tiny sizes. Embeddings start at unit scale here: with the training default (σ = 0.01)
     * Dice's batch variance is ~1e-4, and a perturbation of ε = 1e-4 is no longer small against its √Var, so central
     * differences themselves would be off by (ε/√Var)² ≈ 1e-4.
     */
    static ModelConfigBuilder small(ModelKind kind) {
        return ModelConfig.paper(kind).embeddingDim(3).hiddenSize(4).headHidden(6, 5).attentionHidden(5, 4)
                .auxHidden(5, 4).embeddingInitStd(1.0).dataType(DataType.DOUBLE).seed(11);
    }

    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of("base prelu", small(ModelKind.BASE).build()),
                Arguments.of("base dice", small(ModelKind.BASE).headActivation(ActivationKind.DICE).build()),
                Arguments.of("base dice + user", small(ModelKind.BASE).headActivation(ActivationKind.DICE)
                        .userEmbedding(true).build()),
                Arguments.of("din", small(ModelKind.DIN).headActivation(ActivationKind.DICE).build()),
                Arguments.of("din softmax", small(ModelKind.DIN).dinSoftmax(true).build()),
                Arguments.of("din softmax, dice on moving statistics", small(ModelKind.DIN).dinSoftmax(true)
                        .headActivation(ActivationKind.DICE).diceStatistics(DiceStatistics.MOVING).build()),
                Arguments.of("din softmax + sum pool", small(ModelKind.DIN).dinSoftmax(true)
                        .headInputs(EnumSet.of(HeadInput.ATTENTION_POOLING, HeadInput.SUM_POOLING)).build()),
                Arguments.of("dien augru bilinear", small(ModelKind.DIEN).build()),
                Arguments.of("dien augru ffn", small(ModelKind.DIEN).attention(AttentionKind.FFN).build()),
                Arguments.of("dien agru", small(ModelKind.DIEN).evolvingCell(CellKind.AGRU).build()),
                Arguments.of("dien aigru", small(ModelKind.DIEN).evolvingCell(CellKind.AIGRU).build()),
                Arguments.of("dien reference cell", small(ModelKind.DIEN).evolvingCell(CellKind.AUGRU_REFERENCE)
                        .build()),
                Arguments.of("dien no aux", small(ModelKind.DIEN).auxWeight(0).build()),
                Arguments.of("dien aux 0.5 + user", small(ModelKind.DIEN).auxWeight(0.5).userEmbedding(true).build()),
                Arguments.of("dien + attention pool, dice on moving statistics", small(ModelKind.DIEN)
                        .headInputs(EnumSet.allOf(HeadInput.class)).diceStatistics(DiceStatistics.MOVING).build()),
                Arguments.of("dien + attention pool, prelu", small(ModelKind.DIEN).headActivation(ActivationKind.PRELU)
                        .headInputs(EnumSet.allOf(HeadInput.class)).dinSoftmax(true).build()),
                Arguments.of("dien with every head input, bilinear", small(ModelKind.DIEN).auxWeight(0)
                        .headInputs(EnumSet.allOf(HeadInput.class)).dinSoftmax(true).build()),
                Arguments.of("dien pool on a_t, every head input", small(ModelKind.DIEN).auxWeight(0)
                        .headInputs(EnumSet.allOf(HeadInput.class)).poolAttention(PoolAttention.INTEREST_ATTENTION)
                        .build()),
                Arguments.of("dien pool on a_t, ffn, aux", small(ModelKind.DIEN).attention(AttentionKind.FFN)
                        .headInputs(EnumSet.of(HeadInput.INTEREST_STATE, HeadInput.ATTENTION_POOLING))
                        .poolAttention(PoolAttention.INTEREST_ATTENTION).build()),
                Arguments.of("dien state product alone, ffn, aux", small(ModelKind.DIEN).attention(AttentionKind.FFN)
                        .headInputs(EnumSet.of(HeadInput.INTEREST_STATE, HeadInput.INTEREST_PRODUCT)).build()),
                Arguments.of("dien state + attention pool, ffn", small(ModelKind.DIEN).attention(AttentionKind.FFN)
                        .headInputs(EnumSet.of(HeadInput.INTEREST_STATE, HeadInput.ATTENTION_POOLING)).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fullLossGradient(String name, ModelConfig config) {
        CtrModel model = new CtrModel(config);
        Batch batch = TestBatches.batch(5, 5, LENGTHS, 3);
        model.forward(batch, true);   // admits every id, so rows are stable during the check
        model.freezeStatistics(true);  // and Dice's moving averages (which MOVING normalises with) stay put
        List<GradientCheck.Checked> checked = new ArrayList<>();
        for (Param p : model.params()) {
            checked.add(new GradientCheck.Checked(p.name(), p.value(), p::grad));
        }
        List<EmbeddingTable> tables = model.tables();
        for (int i = 0; i < tables.size(); i++) {
            EmbeddingTable table = tables.get(i);
            SparseGradient sparse = model.sparseGradients().get(i);
            checked.add(new GradientCheck.Checked(table.name, table.values(), () -> dense(table, sparse),
                    table.rowHighWater() * table.dim));
        }
        int n = GradientCheck.check(name, () -> model.forward(batch, true), () -> {
            model.params().forEach(p -> p.grad().zero());
            model.sparseGradients().forEach(SparseGradient::clear);
            model.backward();
        }, checked);
        assertThat(n).isGreaterThan(100);
    }

    static Tensor dense(EmbeddingTable table, SparseGradient sparse) {
        Tensor out = Tensor.zeros(DataType.DOUBLE, table.values().rows, table.dim);
        for (int s = 0; s < sparse.touchedCount(); s++) {
            for (int j = 0; j < table.dim; j++) {
                out.add(sparse.touchedRow(s) * table.dim + j, sparse.get(s, j));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void paddingNeverChangesOutputsOrGradients(String name, ModelConfig config) {
        Batch tight = TestBatches.batch(5, 5, LENGTHS, 4);
        Batch padded = new Batch(5, 9);
        for (int s = 0; s < 5; s++) {
            padded.userId[s] = tight.userId[s];
            padded.targetItem[s] = tight.targetItem[s];
            padded.targetCategory[s] = tight.targetCategory[s];
            padded.label[s] = tight.label[s];
            padded.historyLength[s] = tight.historyLength[s];
            for (int t = 0; t < 9; t++) {
                int k = s * 9 + t;
                if (t < tight.historyLength[s]) {
                    int src = s * 5 + t;
                    padded.historyItem[k] = tight.historyItem[src];
                    padded.historyCategory[k] = tight.historyCategory[src];
                    padded.negativeItem[k] = tight.negativeItem[src];
                    padded.negativeCategory[k] = tight.negativeCategory[src];
                } else {
                    // garbage in the padding, including ids that exist: must be ignored
                    padded.historyItem[k] = 1 + (k % TestBatches.ITEMS);
                    padded.historyCategory[k] = 1;
                    padded.negativeItem[k] = 2;
                    padded.negativeCategory[k] = 2;
                }
            }
        }
        CtrModel a = new CtrModel(config);
        CtrModel b = new CtrModel(config);
        double lossA = a.forward(tight, true);
        double lossB = b.forward(padded, true);
        assertThat(lossB).isCloseTo(lossA, within(1e-12));
        assertThat(b.probabilities()).containsExactly(a.probabilities(), within(1e-12));
        a.backward();
        b.backward();
        for (int i = 0; i < a.params().size(); i++) {
            double[] ga = a.params().get(i).grad().toDoubleArray();
            double[] gb = b.params().get(i).grad().toDoubleArray();
            assertThat(gb).as(a.params().get(i).name()).containsExactly(ga, within(1e-12));
        }
        for (int i = 0; i < a.tables().size(); i++) {
            double[] ga = dense(a.tables().get(i), a.sparseGradients().get(i)).toDoubleArray();
            double[] gb = dense(b.tables().get(i), b.sparseGradients().get(i)).toDoubleArray();
            assertThat(gb).as(a.tables().get(i).name).containsExactly(ga, within(1e-12));
        }
    }

    @Test
    void aSingleRequestScoresAsInsideABatchAtInference() {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            for (ModelKind kind : ModelKind.values()) {
                CtrModel model = new CtrModel(small(kind).headActivation(ActivationKind.DICE).dataType(type).build());
                Batch train = TestBatches.batch(5, 5, LENGTHS, 5);
                for (int i = 0; i < 20; i++) {
                    model.forward(train, true);   // moves Dice's moving statistics away from their start
                }
                Batch requests = TestBatches.batch(5, 5, LENGTHS, 6);
                model.forward(requests, false);
                double[] inBatch = model.probabilities().clone();
                for (int s = 0; s < requests.size; s++) {
                    model.forward(requests.slice(s, s + 1), false);
                    assertThat(model.probabilities()[0]).as(kind + " " + type + " sample " + s)
                            .isCloseTo(inBatch[s], within(type == DataType.DOUBLE ? 1e-12 : 1e-6));
                }
            }
        }
    }

    /**
     * FLOAT runs its own kernels (vectorised GRU planes, float-block pooling and attention, rational σ and tanh),
     * which the gradient checks above never reach: the same model in FLOAT must give the DOUBLE model's loss,
     * probabilities and gradients to float precision.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void floatModelAgreesWithTheDoubleModel(String name, ModelConfig config) {
        CtrModel exact = new CtrModel(config);
        CtrModel fast = new CtrModel(config.toBuilder().dataType(DataType.FLOAT).build());
        Batch batch = TestBatches.batch(5, 5, LENGTHS, 7);
        exact.forward(batch, true);   // admits the same ids to the same rows in both
        fast.forward(batch, true);
        for (int i = 0; i < exact.params().size(); i++) {
            copy(fast.params().get(i).value(), exact.params().get(i).value());
        }
        for (int i = 0; i < exact.tables().size(); i++) {
            copy(fast.tables().get(i).values(), exact.tables().get(i).values());
        }
        for (CtrModel m : List.of(exact, fast)) {
            m.params().forEach(p -> p.grad().zero());
            m.sparseGradients().forEach(SparseGradient::clear);
        }
        double lossExact = exact.forward(batch, true);
        double lossFast = fast.forward(batch, true);
        assertThat(lossFast).as(name + " loss").isCloseTo(lossExact, within(1e-5 * (1 + Math.abs(lossExact))));
        assertThat(fast.probabilities()).as(name + " p").containsExactly(exact.probabilities(), within(1e-5));
        exact.backward();
        fast.backward();
        for (int i = 0; i < exact.params().size(); i++) {
            assertClose(name + " " + exact.params().get(i).name(), exact.params().get(i).grad().toDoubleArray(),
                    fast.params().get(i).grad().toDoubleArray());
        }
        for (int i = 0; i < exact.tables().size(); i++) {
            assertClose(name + " " + exact.tables().get(i).name,
                    dense(exact.tables().get(i), exact.sparseGradients().get(i)).toDoubleArray(),
                    dense(fast.tables().get(i), fast.sparseGradients().get(i)).toDoubleArray());
        }
        exact.forward(batch, false);
        fast.forward(batch, false);
        assertThat(fast.probabilities()).as(name + " inference p").containsExactly(exact.probabilities(), within(1e-5));
    }

    private static void copy(Tensor from, Tensor to) {
        for (int i = 0; i < Math.min(from.size(), to.size()); i++) {
            to.set(i, from.get(i));
        }
    }

    /** Equal to float precision, relative to the gradient's largest element. */
    private static void assertClose(String what, double[] expected, double[] actual) {
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertThat(actual).as(what).containsExactly(expected, within(2e-5 * Math.max(scale, 1e-3)));
    }

    /**
     * One user's candidates share a history: the model runs the extractor once, scores bilinear attention as one
     * GEMM and shares the evolving layer's input projection. Each candidate must still score as it does alone.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void candidatesSharingOneHistoryScoreAsEachDoesAlone(String name, ModelConfig config) {
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            CtrModel model = new CtrModel(config.toBuilder().dataType(type).build());
            model.forward(TestBatches.batch(5, 5, LENGTHS, 8), true);
            Batch one = TestBatches.batch(5, 5, new int[] {4, 4, 4, 4, 4}, 9);
            for (int s = 1; s < one.size; s++) {   // every sample gets sample 0's history
                System.arraycopy(one.historyItem, 0, one.historyItem, s * one.steps, one.steps);
                System.arraycopy(one.historyCategory, 0, one.historyCategory, s * one.steps, one.steps);
            }
            model.forward(one, false);
            double[] together = model.probabilities().clone();
            double tolerance = type == DataType.DOUBLE ? 1e-12 : 1e-6;
            for (int s = 0; s < one.size; s++) {
                model.forward(one.slice(s, s + 1), false);
                assertThat(model.probabilities()[0]).as(name + " " + type + " candidate " + s)
                        .isCloseTo(together[s], within(tolerance));
            }
            if (config.kind() == ModelKind.DIEN) {
                long[] items = java.util.Arrays.copyOf(one.historyItem, 4);
                long[] categories = java.util.Arrays.copyOf(one.historyCategory, 4);
                Batch trimmed = TestBatches.batch(5, 4, new int[] {4, 4, 4, 4, 4}, 9);
                for (int s = 0; s < one.size; s++) {
                    trimmed.targetItem[s] = one.targetItem[s];
                    trimmed.targetCategory[s] = one.targetCategory[s];
                    trimmed.userId[s] = one.userId[s];
                    System.arraycopy(items, 0, trimmed.historyItem, s * 4, 4);
                    System.arraycopy(categories, 0, trimmed.historyCategory, s * 4, 4);
                }
                model.forwardWithInterestStates(trimmed, model.interestStates(items, categories));
                assertThat(model.probabilities()).as(name + " " + type + " from cached interest states")
                        .containsExactly(together, within(tolerance));
            }
        }
    }
}
