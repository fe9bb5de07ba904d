package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.istream.trainer.data.Batch;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/** Sparse updates and mini-batch aware regularisation (DIN eqs. 4–7). */
class OptimizerTest {

    private static final int EXTRA_IDS = 40;   // admitted ids the batch never touches

    private static CtrModel modelWithUntouchedRows(OptimizerKind kind) {
        CtrModel model = new CtrModel(ModelGradientTest.small(ModelKind.DIEN).build(), kind.slots());
        // ids 1000.. are seen a few times (so n_j varies) but are not in the batch
        for (int id = 1000; id < 1000 + EXTRA_IDS; id++) {
            for (int k = 0; k <= id % 3; k++) {
                model.tables().get(0).observe(id, 0);
            }
        }
        return model;
    }

    @ParameterizedTest
    @EnumSource(OptimizerKind.class)
    void rowsNotInTheBatchAreBitIdenticalAfterAStep(OptimizerKind kind) {
        CtrModel model = modelWithUntouchedRows(kind);
        Optimizer optimizer = new Optimizer(OptimizerConfig.of(kind, 0.05)
                .withRegularization(RegularizationKind.MBA, 0.01), model);
        Batch batch = TestBatches.batch(5, 5, new int[] {5, 3, 1, 0, 2}, 3);
        for (int step = 0; step < 3; step++) {
            EmbeddingTable items = model.tables().get(0);
            double[] before = items.values().toDoubleArray();
            double[][] slotsBefore = new double[items.slotCount()][];
            for (int i = 0; i < items.slotCount(); i++) {
                slotsBefore[i] = items.slot(i).toDoubleArray();
            }
            model.forward(batch, true);
            model.backward();
            boolean[] touched = new boolean[items.values().rows];
            SparseGradient g = model.sparseGradients().get(0);
            for (int s = 0; s < g.touchedCount(); s++) {
                touched[g.touchedRow(s)] = true;
            }
            optimizer.step();
            double[] after = items.values().toDoubleArray();
            int untouched = 0;
            for (int row = 0; row < items.rowHighWater(); row++) {
                if (touched[row]) {
                    continue;
                }
                untouched++;
                for (int j = 0; j < items.dim; j++) {
                    int i = row * items.dim + j;
                    assertThat(Double.doubleToRawLongBits(after[i])).as("row %d", row)
                            .isEqualTo(Double.doubleToRawLongBits(before[i]));
                    for (int k = 0; k < items.slotCount(); k++) {
                        assertThat(items.slot(k).get(i)).isEqualTo(slotsBefore[k][i]);
                    }
                }
            }
            assertThat(untouched).isGreaterThanOrEqualTo(EXTRA_IDS);
        }
    }

    @Test
    void mbaAppliesLambdaTimesWeightOverCountToTouchedRows() {
        CtrModel model = modelWithUntouchedRows(OptimizerKind.SGD);
        double lr = 0.1;
        double lambda = 0.05;
        Optimizer optimizer = new Optimizer(OptimizerConfig.of(OptimizerKind.SGD, lr)
                .withRegularization(RegularizationKind.MBA, lambda), model);
        Batch batch = TestBatches.batch(5, 5, new int[] {5, 3, 1, 0, 2}, 4);
        model.forward(batch, true);
        model.backward();
        List<EmbeddingTable> tables = model.tables();
        double[][][] expected = new double[tables.size()][][];
        int[][] rows = new int[tables.size()][];
        for (int t = 0; t < tables.size(); t++) {
            EmbeddingTable table = tables.get(t);
            SparseGradient g = model.sparseGradients().get(t);
            expected[t] = new double[g.touchedCount()][table.dim];
            rows[t] = new int[g.touchedCount()];
            for (int s = 0; s < g.touchedCount(); s++) {
                int row = g.touchedRow(s);
                rows[t][s] = row;
                long n = table.count(row);
                assertThat(n).isGreaterThanOrEqualTo(1);
                for (int j = 0; j < table.dim; j++) {
                    double w = table.values().get(row * table.dim + j);
                    // SGD: w ← w − η·(∂L/∂w + λ·w/n_j)
                    expected[t][s][j] = w - lr * (g.get(s, j) + lambda * w / n);
                }
            }
        }
        optimizer.step();
        for (int t = 0; t < tables.size(); t++) {
            EmbeddingTable table = tables.get(t);
            assertThat(rows[t]).isNotEmpty();
            for (int s = 0; s < rows[t].length; s++) {
                for (int j = 0; j < table.dim; j++) {
                    assertThat(table.values().get(rows[t][s] * table.dim + j)).as(table.name)
                            .isCloseTo(expected[t][s][j], within(1e-15));
                }
            }
        }
    }

    @Test
    void mbaPenaltyGradientIsWhatTheUpdateAdds() {
        CtrModel model = modelWithUntouchedRows(OptimizerKind.SGD);
        Batch batch = TestBatches.batch(5, 5, new int[] {5, 3, 1, 0, 2}, 5);
        model.forward(batch, true);
        model.backward();
        EmbeddingTable items = model.tables().get(0);
        SparseGradient g = model.sparseGradients().get(0);
        double lambda = 0.3;
        double eps = 1e-6;
        for (int s = 0; s < g.touchedCount(); s++) {
            int row = g.touchedRow(s);
            for (int j = 0; j < items.dim; j++) {
                int i = row * items.dim + j;
                double w = items.values().get(i);
                items.values().set(i, w + eps);
                double plus = Optimizer.mbaPenalty(items, g, lambda);
                items.values().set(i, w - eps);
                double minus = Optimizer.mbaPenalty(items, g, lambda);
                items.values().set(i, w);
                double numeric = (plus - minus) / (2 * eps);
                assertThat(numeric).isCloseTo(lambda * w / items.count(row), within(1e-8));
            }
        }
    }

    @Test
    void plainL2DecaysEveryRowAndNoneTouchesOnlyTheBatch() {
        CtrModel model = modelWithUntouchedRows(OptimizerKind.SGD);
        Optimizer optimizer = new Optimizer(OptimizerConfig.of(OptimizerKind.SGD, 0.1)
                .withRegularization(RegularizationKind.L2, 0.5), model);
        EmbeddingTable items = model.tables().get(0);
        int probe = items.resolve(1000 + EXTRA_IDS - 1);
        double before = items.values().get(probe * items.dim);
        model.forward(TestBatches.batch(5, 5, new int[] {5, 3, 1, 0, 2}, 6), true);
        model.backward();
        optimizer.step();
        // an untouched row: w ← w − η·λ·w
        assertThat(items.values().get(probe * items.dim)).isCloseTo(before * (1 - 0.1 * 0.5), within(1e-15));
    }

    @Test
    void aLearningRateScaleMultipliesEtaInDenseAndSparseUpdates() {
        CtrModel model = modelWithUntouchedRows(OptimizerKind.SGD);
        Optimizer optimizer = new Optimizer(OptimizerConfig.of(OptimizerKind.SGD, 0.1)
                .withRegularization(RegularizationKind.L2, 0.5), model);
        optimizer.setLearningRateScale(0.25);
        assertThat(optimizer.learningRate()).isEqualTo(0.025);
        EmbeddingTable items = model.tables().get(0);
        int probe = items.resolve(1000 + EXTRA_IDS - 1);
        double rowBefore = items.values().get(probe * items.dim);
        Param dense = model.params().get(0);
        model.forward(TestBatches.batch(5, 5, new int[] {5, 3, 1, 0, 2}, 6), true);
        model.backward();
        double denseBefore = dense.value().get(0);
        double denseGrad = dense.grad().get(0);
        assertThat(denseGrad).isNotZero();
        optimizer.step();
        // an untouched row: w ← w − (s·η)·λ·w
        assertThat(items.values().get(probe * items.dim)).isCloseTo(rowBefore * (1 - 0.025 * 0.5), within(1e-15));
        // a dense weight: w ← w − (s·η)·g
        assertThat(dense.value().get(0)).isCloseTo(denseBefore - 0.025 * denseGrad, within(1e-15));
        assertThatThrownBy(() -> optimizer.setLearningRateScale(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * FLOAT tensors take Adam's vectorised float path: every dense weight and every touched embedding row must still
     * follow the rule (computed here in double from the values before the step) to float precision, with the
     * regularisation term included; untouched rows stay bit-identical.
     */
    @ParameterizedTest
    @EnumSource(RegularizationKind.class)
    void floatAdamFollowsTheRuleOnDenseWeightsAndTouchedRows(RegularizationKind reg) {
        CtrModel model = new CtrModel(ModelGradientTest.small(ModelKind.DIN).dataType(DataType.FLOAT).build(),
                OptimizerKind.ADAM.slots());
        double lr = 0.05;
        double lambda = 0.3;
        double denseL2 = 0.2;
        Optimizer optimizer = new Optimizer(OptimizerConfig.of(OptimizerKind.ADAM, lr)
                .withRegularization(reg, lambda).withDenseL2(denseL2), model);
        Batch batch = TestBatches.batch(5, 5, new int[] {5, 3, 1, 0, 2}, 3);
        double[] m = null;
        double[] v = null;
        for (int t = 1; t <= 3; t++) {
            model.forward(batch, true);
            model.backward();
            double c1 = 1 - Math.pow(0.9, t);
            double c2 = 1 - Math.pow(0.999, t);
            // a dense weight matrix: g + λ₂·w
            Param dense = model.params().get(0);
            double[] w0 = dense.value().toDoubleArray();
            double[] g0 = dense.grad().toDoubleArray();
            // the item table: touched rows with g + penalty·w, the rest untouched
            EmbeddingTable items = model.tables().get(0);
            SparseGradient sparse = model.sparseGradients().get(0);
            double[] rows0 = items.values().toDoubleArray();
            double[] m0 = items.slot(0).toDoubleArray();
            double[] v0 = items.slot(1).toDoubleArray();
            int touched = sparse.touchedCount();
            int[] touchedRows = new int[touched];
            double[][] rowGrad = new double[touched][items.dim];
            for (int s = 0; s < touched; s++) {
                touchedRows[s] = sparse.touchedRow(s);
                for (int j = 0; j < items.dim; j++) {
                    rowGrad[s][j] = sparse.get(s, j);
                }
            }
            if (m == null) {
                m = new double[w0.length];
                v = new double[w0.length];
            }
            optimizer.step();
            for (int i = 0; i < w0.length; i++) {
                double g = g0[i] + denseL2 * w0[i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                double expected = w0[i] - lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8);
                assertThat(dense.value().get(i)).as("dense %d, step %d", i, t).isCloseTo(expected, within(2e-6));
            }
            boolean[] isTouched = new boolean[items.rowHighWater()];
            for (int s = 0; s < touched; s++) {
                int row = touchedRows[s];
                isTouched[row] = true;
                double penalty = switch (reg) {
                    case NONE -> 0;
                    case L2 -> lambda;
                    case MBA -> lambda / items.count(row);
                };
                for (int j = 0; j < items.dim; j++) {
                    int i = row * items.dim + j;
                    double g = rowGrad[s][j] + penalty * rows0[i];
                    double mi = 0.9 * m0[i] + 0.1 * g;
                    double vi = 0.999 * v0[i] + 0.001 * g * g;
                    double expected = rows0[i] - lr * (mi / c1) / (Math.sqrt(vi / c2) + 1e-8);
                    assertThat(items.values().get(i)).as("row %d, step %d", row, t).isCloseTo(expected, within(2e-6));
                    assertThat(items.slot(0).get(i)).isCloseTo(mi, within(1e-6));
                    assertThat(items.slot(1).get(i)).isCloseTo(vi, within(1e-6));
                }
            }
            for (int row = 1; row < items.rowHighWater() && reg != RegularizationKind.L2; row++) {
                for (int j = 0; j < items.dim && !isTouched[row]; j++) {
                    int i = row * items.dim + j;
                    assertThat(items.values().get(i)).as("untouched row %d", row).isEqualTo(rows0[i]);
                }
            }
            assertThat(touched).isGreaterThan(3);
        }
    }

    @Test
    void adamStepMatchesTheTextbookRuleOnADenseParameter() {
        CtrModel model = new CtrModel(ModelGradientTest.small(ModelKind.BASE)
                .headActivation(ActivationKind.PRELU).build(), OptimizerKind.ADAM.slots());
        Optimizer optimizer = new Optimizer(OptimizerConfig.adam(0.01), model);
        Param p = model.params().get(0);
        Batch batch = TestBatches.batch(5, 5, new int[] {5, 3, 1, 0, 2}, 7);
        double m = 0;
        double v = 0;
        for (int t = 1; t <= 3; t++) {
            model.forward(batch, true);
            model.backward();
            double w = p.value().get(0);
            double g = p.grad().get(0);
            optimizer.step();
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            double expected = w - 0.01 * (m / (1 - Math.pow(0.9, t))) / (Math.sqrt(v / (1 - Math.pow(0.999, t))) + 1e-8);
            assertThat(p.value().get(0)).isCloseTo(expected, within(1e-14));
            assertThat(p.grad().get(0)).isZero();
        }
    }

    @Test
    void assignedAndAddedRowsGrowTheTableAndKeepTheirValues() {
        // a follower or a replica gives rows to ids it never counted, far past the initial capacity of 4 rows
        EmbeddingTable table = new EmbeddingTable("item", DataType.FLOAT, 3, 5, 0, 0, 4, 0.1, new Initializer(2));
        EmbeddingTable twin = new EmbeddingTable("item", DataType.FLOAT, 3, 5, 0, 0, 4, 0.1, new Initializer(2));
        Tensor src = Tensor.zeros(DataType.FLOAT, 1, 3);
        for (long id = 1; id <= 100; id++) {
            src.set(0, id);
            src.set(1, -id);
            src.set(2, 0.5 * id);
            table.assign(id, src, 0);
        }
        for (long id = 1; id <= 100; id++) {
            int row = table.resolve(id);
            assertThat(row).isPositive();
            assertThat(table.values().get(row * 3)).isEqualTo(id);
            assertThat(table.values().get(row * 3 + 1)).isEqualTo(-id);
            // rowFor gives an uncounted id its initial values, the same whichever order ids arrive in
            int other = twin.rowFor(101 - id);
            assertThat(twin.countOf(101 - id)).isZero();
            assertThat(other).isPositive();
        }
        EmbeddingTable ascending = new EmbeddingTable("item", DataType.FLOAT, 3, 5, 0, 0, 4, 0.1, new Initializer(2));
        for (long id = 1; id <= 100; id++) {
            ascending.rowFor(id);
        }
        for (int j = 0; j < 3; j++) {
            assertThat(ascending.values().get(ascending.resolve(50) * 3 + j))
                    .isEqualTo(twin.values().get(twin.resolve(50) * 3 + j));
        }
    }

    @Test
    void embeddingRowsAreCollisionlessAdmittedAfterNSightingsAndExpire() {
        Initializer init = new Initializer(1);
        EmbeddingTable table = new EmbeddingTable("item", DataType.DOUBLE, 2, 3, 1_000, 0, 4, 0.1, init);
        assertThat(table.observe(7, 0)).isEqualTo(EmbeddingTable.UNKNOWN_ROW);
        assertThat(table.observe(7, 10)).isEqualTo(EmbeddingTable.UNKNOWN_ROW);
        int row7 = table.observe(7, 20);
        assertThat(row7).isPositive();
        assertThat(table.resolve(8)).isEqualTo(EmbeddingTable.UNKNOWN_ROW);   // inference never creates rows
        assertThat(table.resolve(0)).isEqualTo(EmbeddingTable.PADDING);
        for (int i = 0; i < 3; i++) {
            table.observe(8, 500);
        }
        int row8 = table.resolve(8);
        assertThat(row8).isPositive().isNotEqualTo(row7);
        assertThat(table.countOf(7)).isEqualTo(3);
        // at 1,100 ms id 7 (last seen at 20) has expired, id 8 (500) has not
        assertThat(table.expire(1_100)).isEqualTo(1);
        assertThat(table.resolve(7)).isEqualTo(EmbeddingTable.UNKNOWN_ROW);
        assertThat(table.resolve(8)).isEqualTo(row8);
        assertThat(table.countOf(7)).isZero();
        // id 9 reuses the freed row instead of growing the table
        for (int i = 0; i < 3; i++) {
            table.observe(9, 1_200);
        }
        assertThat(table.resolve(9)).isEqualTo(row7);
        assertThat(table.rowHighWater()).isEqualTo(3);
    }

    @Test
    void longIntMapSurvivesChurn() {
        LongIntMap map = new LongIntMap(4);
        java.util.HashMap<Long, Integer> truth = new java.util.HashMap<>();
        java.util.SplittableRandom random = new java.util.SplittableRandom(9);
        for (int i = 0; i < 20_000; i++) {
            long key = 1 + random.nextInt(500);
            if (random.nextBoolean()) {
                map.put(key, i);
                truth.put(key, i);
            } else {
                Integer removed = truth.remove(key);
                assertThat(map.remove(key)).isEqualTo(removed == null ? LongIntMap.MISSING : removed);
            }
        }
        assertThat(map.size()).isEqualTo(truth.size());
        for (long key = 1; key <= 500; key++) {
            assertThat(map.get(key)).isEqualTo(truth.getOrDefault(key, LongIntMap.MISSING));
        }
    }
}
