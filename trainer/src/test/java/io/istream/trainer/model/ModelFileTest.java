package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.trainer.data.Batch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The model file round-trips exactly, and the committed golden file (format version 1) still loads and scores as it
 * did when it was written. Regenerate it only for a deliberate format change:
 * {@code mvn -pl trainer test -Dtest=ModelFileTest -Distream.golden.write=trainer/src/test/resources/golden}.
 */
class ModelFileTest {

    private static final String GOLDEN = "/golden/dien-small-v1.istm";
    private static final String GOLDEN_SCORES = "/golden/dien-small-v1.scores";

    /** A small float DIEN with Dice, trained a few Adam steps with MBA from a fixed seed. */
    static ModelFile.Loaded trainedSmallModel() {
        ModelConfig config = ModelConfig.defaults(ModelKind.DIEN)
                .withSizes(4, 5, new int[] {8, 6}, new int[] {6, 4}, new int[] {6, 4}).withSeed(42);
        CtrModel model = new CtrModel(config, OptimizerKind.ADAM.slots());
        Optimizer optimizer = new Optimizer(OptimizerConfig.adam(0.01)
                .withRegularization(RegularizationKind.MBA, 0.01), model);
        for (int step = 0; step < 5; step++) {
            model.setClock(1_000L * step);
            model.forward(TestBatches.batch(8, 6, new int[] {6, 4, 2, 0, 5}, step), true);
            model.backward();
            optimizer.step();
        }
        return new ModelFile.Loaded(model, optimizer);
    }

    static Batch scoringBatch() {
        return TestBatches.batch(6, 6, new int[] {6, 3, 1, 0, 5, 2}, 99);
    }

    @Test
    void roundTripContinuesTrainingBitForBit() {
        ModelFile.Loaded a = trainedSmallModel();
        byte[] bytes = ModelFile.toBytes(a.model(), a.optimizer());
        ModelFile.Loaded b = ModelFile.fromBytes(bytes);
        assertThat(ModelFile.toBytes(b.model(), b.optimizer())).isEqualTo(bytes);
        // one more identical step on both: still identical (optimiser state, counts and Dice statistics came along)
        Batch next = TestBatches.batch(8, 6, new int[] {6, 4, 2, 0, 5}, 7);
        for (ModelFile.Loaded m : new ModelFile.Loaded[] {a, b}) {
            m.model().setClock(9_000);
            m.model().forward(next, true);
            m.model().backward();
            m.optimizer().step();
        }
        assertThat(ModelFile.toBytes(b.model(), b.optimizer())).isEqualTo(ModelFile.toBytes(a.model(), a.optimizer()));
        a.model().forward(scoringBatch(), false);
        double[] pa = a.model().probabilities().clone();
        b.model().forward(scoringBatch(), false);
        assertThat(b.model().probabilities()).containsExactly(pa);
    }

    @Test
    void goldenFileOfFormatVersion1StillLoadsAndScoresTheSame() throws IOException {
        String writeTo = System.getProperty("istream.golden.write");
        if (writeTo != null) {
            writeGolden(Path.of(writeTo));
        }
        byte[] golden;
        String scores;
        try (InputStream in = getClass().getResourceAsStream(GOLDEN);
             InputStream s = getClass().getResourceAsStream(GOLDEN_SCORES)) {
            assertThat(in).as("golden file " + GOLDEN).isNotNull();
            golden = in.readAllBytes();
            scores = new String(s.readAllBytes(), StandardCharsets.UTF_8);
        }
        ModelFile.Loaded loaded = ModelFile.fromBytes(golden);
        assertThat(loaded.model().config().kind()).isEqualTo(ModelKind.DIEN);
        assertThat(loaded.model().config().dataType()).isEqualTo(DataType.FLOAT);
        assertThat(loaded.optimizer().steps()).isEqualTo(5);
        loaded.model().forward(scoringBatch(), false);
        double[] expected = Arrays.stream(scores.trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray();
        assertThat(loaded.model().probabilities()).containsExactly(expected,
                org.assertj.core.api.Assertions.within(1e-6));
        // the same bytes again: nothing in the format drifted
        assertThat(ModelFile.toBytes(loaded.model(), loaded.optimizer())).isEqualTo(golden);
    }

    private static void writeGolden(Path dir) throws IOException {
        ModelFile.Loaded m = trainedSmallModel();
        Files.createDirectories(dir);
        Files.write(dir.resolve("dien-small-v1.istm"), ModelFile.toBytes(m.model(), m.optimizer()));
        m.model().forward(scoringBatch(), false);
        StringBuilder sb = new StringBuilder();
        for (double p : m.model().probabilities()) {
            sb.append(String.format(Locale.ROOT, "%.9f%n", p));
        }
        Files.writeString(dir.resolve("dien-small-v1.scores"), sb.toString());
    }

    @Test
    void rejectsOtherFilesAndOtherVersionsWithAClearMessage() {
        assertThatThrownBy(() -> ModelFile.fromBytes("not a model".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not an istream model file");
        byte[] bytes = ModelFile.toBytes(trainedSmallModel().model(), trainedSmallModel().optimizer());
        bytes[7] = 9;   // version 9
        assertThatThrownBy(() -> ModelFile.fromBytes(bytes)).hasMessageContaining("version 9 is not supported");
    }
}
