package io.istream.trainer.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.trainer.model.HeadInput;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelKind;
import io.istream.trainer.model.OptimizerConfig;
import io.istream.trainer.model.RegularizationKind;
import io.istream.trainer.streaming.StreamingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link TrainingJob#main} is given reaches the trainer's model: the job's graph is built from the arguments, and
 * the trainer operator in it holds the model and optimiser those arguments describe.
 */
class TrainingJobMainTest {

    @TempDir
    Path dir;

    @Test
    void withNoOptionsTheTrainerBuildsTheOfflineTrainersModelAndAnUnregularisedOptimiserAtTheStreamsRate() {
        StreamingSettings settings = trainerSettings(TrainingJob.prepare(new String[0]));
        assertThat(settings.model()).isEqualTo(ModelConfig.defaults(ModelKind.DIEN));
        assertThat(settings.optimizer()).as("the offline trainer's Adam at the stream's learning rate and β₁, without "
                + "regularisation: a stream sees each sample once").isEqualTo(OptimizerConfig.defaults().toBuilder()
                .learningRate(OptimizerConfig.STREAMING_LEARNING_RATE).beta1(OptimizerConfig.STREAMING_BETA1)
                .regularization(RegularizationKind.NONE).build())
                .isEqualTo(OptimizerConfig.streamingDefaults());
    }

    @Test
    void optionsFromAFileAndFromTheCommandLineReachTheTrainersModel() throws IOException {
        Path yaml = dir.resolve("istream.yaml");
        Files.writeString(yaml, """
                model:
                  kind: din
                  head-inputs: [ATTENTION_POOLING, SUM_POOLING]
                  din-softmax: false
                optimizer.regularization: mba
                optimizer.lambda: 0.5
                trainer:
                  batch-size: 32
                """);
        Path properties = dir.resolve("more.properties");
        Files.writeString(properties, "optimizer.learning-rate=0.004\n");
        StreamingSettings settings = trainerSettings(TrainingJob.prepare(new String[] {
            "--bootstrap", "127.0.0.1:19092", "--conf-file", yaml.toString(), "--conf-file", properties.toString(),
            "--conf", "model.din-softmax=true"}));   // the command line wins over the file
        assertThat(settings.model()).isEqualTo(ModelConfig.builder(ModelKind.DIN)
                .headInputs(EnumSet.of(HeadInput.ATTENTION_POOLING, HeadInput.SUM_POOLING)).dinSoftmax(true).build());
        assertThat(settings.optimizer().regularization()).isEqualTo(RegularizationKind.MBA);
        assertThat(settings.optimizer().lambda()).isEqualTo(0.5);
        assertThat(settings.optimizer().learningRate()).isEqualTo(0.004);
        assertThat(settings.batchSize()).isEqualTo(32);
    }

    @Test
    void aMistypedOptionStopsTheJobWithItsName() {
        assertThatThrownBy(() -> TrainingJob.prepare(new String[] {"--conf", "model.din-sofmax=true"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model.din-sofmax");
        assertThatThrownBy(() -> TrainingJob.prepare(new String[] {"--conf", "model.kind=transformer"}))
                .hasMessageContaining("model.kind").hasMessageContaining("DIEN");
        assertThatThrownBy(() -> TrainingJob.prepare(new String[] {"--confg", "x=1"}))
                .hasMessageContaining("--confg");
    }

    static StreamingSettings trainerSettings(StreamExecutionEnvironment env) {
        for (StreamNode node : env.getStreamGraph().getStreamNodes()) {
            if (node.getOperatorFactory() instanceof SimpleOperatorFactory<?> factory
                    && factory.getOperator() instanceof TrainerOperator trainer) {
                return trainer.settings();
            }
        }
        throw new AssertionError("no trainer in the learning job's graph");
    }
}
