package io.istream.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import io.istream.trainer.model.ModelConfig;
import io.istream.trainer.model.ModelKind;
import io.istream.trainer.model.OptimizerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code istream train} and {@code istream bench train} run end to end and write their figures as JSON. */
class TrainCommandTest {

    @Test
    void trainOnSyntheticDataWritesAReportWithRelaImprAndTheModelFile(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("train.json");
        Path model = dir.resolve("din.istm");
        int exit = new CommandLine(new IstreamCli()).execute("train", "--data", "synthetic", "--synthetic-users", "150",
                "--synthetic-steps", "20", "--model", "din", "--epochs", "2", "--reg", "mba", "--base-auc", "0.6",
                "--save", model.toString(), "--json", json.toString());
        assertThat(exit).isZero();
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        assertThat(figures.get("model").asText()).isEqualTo("din");
        assertThat(figures.get("epochs")).hasSize(2);
        assertThat(figures.get("selectedEpoch").asInt()).isBetween(1, 2);
        double auc = figures.get("testAuc").asDouble();
        assertThat(auc).isBetween(0.0, 1.0);
        assertThat(figures.get("relaImpr").asDouble()).isCloseTo((auc - 0.5) / 0.1 - 1,
                org.assertj.core.api.Assertions.within(1e-9));
        assertThat(figures.get("oracleAuc").asDouble()).isGreaterThan(0.5);
        assertThat(figures.get("config").get("optimizer.regularization").asText()).isEqualTo("MBA");
        assertThat(figures.get("config").get("model.kind").asText()).isEqualTo("DIN");
        assertThat(Files.size(model)).isPositive();
    }

    /** The offline trainer's defaults are the streaming job's: both come from ModelOptions with nothing given. */
    @Test
    void withNoModelFlagsTrainBuildsTheSharedDefaults() {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("--data", "synthetic");
        assertThat(train.modelConfig()).isEqualTo(ModelConfig.defaults(ModelKind.DIEN));
        assertThat(train.optimizerConfig()).isEqualTo(OptimizerConfig.defaults());
        TrainCommand din = new TrainCommand();
        new CommandLine(din).parseArgs("--data", "synthetic", "--model", "din", "--form", "paper", "--conf",
                "model.embedding-dim=8", "--din-softmax");
        assertThat(din.modelConfig()).isEqualTo(ModelConfig.paper(ModelKind.DIN).embeddingDim(8).dinSoftmax(true)
                .build());
    }

    @Test
    void benchTrainPrintsAndWritesMedians(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        int exit = new CommandLine(new IstreamCli()).execute("bench", "train", "--rounds", "1", "--batches", "1",
                "--warmup-seconds", "0", "--data", dir.resolve("no-amazon-here").toString(), "--json", json.toString());
        assertThat(exit).isZero();
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        assertThat(figures.get("gemmPeakGflops").asDouble()).isPositive();
        JsonNode reference = figures.get("cases").get(0);
        assertThat(reference.get("case").asText()).contains("reference size");
        assertThat(reference.get("trainSamplesPerSecondMedian").asDouble()).isPositive();
        assertThat(reference.get("inferenceSamplesPerSecondMedian").asDouble()).isPositive();
    }
}
