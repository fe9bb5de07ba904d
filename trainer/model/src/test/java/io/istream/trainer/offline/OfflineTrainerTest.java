package io.istream.trainer.offline;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.trainer.dataset.SyntheticConfig;
import io.istream.trainer.dataset.SyntheticInterests;
import io.istream.trainer.data.OfflineDataset;
import io.istream.trainer.data.SyntheticProtocol;
import io.istream.trainer.eval.EvaluationResult;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelKind;
import io.istream.trainer.model.OptimizerConfig;
import io.istream.trainer.model.RegularizationKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A tiny end-to-end run on the planted-interest data: the loss falls and held-out AUC rises well above chance. */
class OfflineTrainerTest {

    @ParameterizedTest
    @EnumSource(ModelKind.class)
    void lossFallsAndAucRisesOnSyntheticData(ModelKind kind) {
        SyntheticInterests synthetic = SyntheticInterests.generate(SyntheticConfig.small().withSize(600, 30));
        OfflineDataset data = SyntheticProtocol.build(synthetic, 30, 1);
        ModelConfig config = ModelConfig.builder(kind).embeddingDim(8).hiddenSize(12).headHidden(32, 16)
                .attentionHidden(16, 8).auxHidden(16, 8).build();
        List<Double> batchLosses = new ArrayList<>();
        OfflineTrainer trainer = new OfflineTrainer(config, OptimizerConfig.adam(0.01)
                .withRegularization(RegularizationKind.MBA, 0.01), new TrainingOptions(3, 64, 1, true, 256),
                new OfflineTrainer.Listener() {
                    @Override
                    public void batchDone(int epoch, int batch, int batches, double loss) {
                        batchLosses.add(loss);
                    }
                });
        EvaluationResult before = trainer.evaluate(data.validation());
        TrainingReport report = trainer.train(data, epoch -> { });
        System.out.printf("%s on synthetic 600 × 30: validation AUC %.4f → %.4f, test AUC %.4f (oracle %.4f)%n", kind,
                before.auc(), report.selected().validation().auc(), report.test().auc(),
                SyntheticProtocol.oracleAuc(data.test()));
        int n = batchLosses.size();
        double first = batchLosses.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = batchLosses.subList(n - 10, n).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertThat(last).as("mean loss of the last 10 batches vs the first 10").isLessThan(first - 0.02);
        assertThat(before.auc()).isBetween(0.35, 0.65);
        assertThat(report.selected().validation().auc()).isGreaterThan(before.auc() + 0.08).isGreaterThan(0.58);
        assertThat(report.test().auc()).isGreaterThan(0.58)
                .isLessThanOrEqualTo(SyntheticProtocol.oracleAuc(data.test()) + 0.03);
        assertThat(report.epochs()).hasSize(3).allSatisfy(e -> assertThat(e.skippedBatches()).isZero());
    }

    @Test
    void eachEpochTrainsAtTheDecayedLearningRate() {
        SyntheticInterests synthetic = SyntheticInterests.generate(SyntheticConfig.small().withSize(100, 10));
        OfflineDataset data = SyntheticProtocol.build(synthetic, 10, 1);
        ModelConfig config = ModelConfig.builder(ModelKind.BASE).embeddingDim(4).hiddenSize(6).headHidden(8)
                .build();
        TrainingOptions options = new TrainingOptions(3, 64, 1, true, 256, 0.5, 0);
        assertThat(options.learningRateScale(1)).isEqualTo(1.0);
        assertThat(options.learningRateScale(3)).isEqualTo(0.25);
        List<Double> ratesSeen = new ArrayList<>();
        OfflineTrainer[] trainer = new OfflineTrainer[1];
        trainer[0] = new OfflineTrainer(config, OptimizerConfig.adam(0.01), options, new OfflineTrainer.Listener() {
            @Override
            public void batchDone(int epoch, int batch, int batches, double loss) {
                if (batch == 1) {
                    ratesSeen.add(trainer[0].optimizer().learningRate());
                }
            }
        });
        trainer[0].train(data, epoch -> { });
        assertThat(ratesSeen).containsExactly(0.01, 0.005, 0.0025);
    }
}
