package io.istream.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertThat(figures.get("config").get("regularization").asText()).isEqualTo("MBA");
        assertThat(Files.size(model)).isPositive();
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
