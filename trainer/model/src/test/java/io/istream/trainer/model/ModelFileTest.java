package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.istream.trainer.data.Batch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The model file round-trips exactly, and the committed golden file (format version 1) still loads and scores as it
 * did when it was written. Regenerate it only for a deliberate format change:
 * {@code mvn -pl trainer test -Dtest=ModelFileTest -Distream.golden.write=src/test/resources/golden} (a path in the
 * module).
 */
class ModelFileTest {


    /** A small float DIEN with Dice, trained a few Adam steps with MBA from a fixed seed. */
    static ModelFile.Loaded trainedSmallModel() {
        ModelConfig config = ModelConfig.paper(ModelKind.DIEN).embeddingDim(4).hiddenSize(5)
                .headHidden(8, 6).attentionHidden(6, 4).auxHidden(6, 4).seed(42).build();
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

    /**
     * Every format version's golden file (a small DIEN trained five steps with a fixed seed, and its scores) still
     * loads and scores the same; the current version's file also writes back byte for byte, so nothing in the format
     * drifts unnoticed. {@code -Distream.golden.write=DIR} writes the current version's pair into DIR.
     */
    @ParameterizedTest(name = "format version {0}")
    @ValueSource(ints = {1, 2})
    void goldenFilesOfEveryFormatVersionStillLoadAndScoreTheSame(int version) throws IOException {
        String writeTo = System.getProperty("istream.golden.write");
        if (writeTo != null && version == ModelFile.VERSION) {
            writeGolden(Path.of(writeTo));
        }
        byte[] golden;
        String scores;
        String name = "/golden/dien-small-v" + version;
        try (InputStream in = getClass().getResourceAsStream(name + ".istm");
             InputStream s = getClass().getResourceAsStream(name + ".scores")) {
            assertThat(in).as("golden file " + name).isNotNull();
            golden = in.readAllBytes();
            scores = new String(s.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(ByteBuffer.wrap(golden, 4, 4).getInt()).isEqualTo(version);
        ModelFile.Loaded loaded = ModelFile.fromBytes(golden);
        assertThat(loaded.model().config().kind()).isEqualTo(ModelKind.DIEN);
        assertThat(loaded.model().config().dataType()).isEqualTo(DataType.FLOAT);
        assertThat(loaded.model().config().headInputs()).isEqualTo(ModelConfig.defaultHeadInputs(ModelKind.DIEN));
        assertThat(loaded.optimizer().steps()).isEqualTo(5);
        loaded.model().forward(scoringBatch(), false);
        double[] expected = Arrays.stream(scores.trim().split("\\s+")).mapToDouble(Double::parseDouble).toArray();
        assertThat(loaded.model().probabilities()).containsExactly(expected,
                org.assertj.core.api.Assertions.within(1e-6));
        byte[] again = ModelFile.toBytes(loaded.model(), loaded.optimizer());
        if (version == ModelFile.VERSION) {
            assertThat(again).isEqualTo(golden);
        } else {
            // an old file is written back in the current format, and that reads back to the same model
            ModelFile.Loaded upgraded = ModelFile.fromBytes(again);
            upgraded.model().forward(scoringBatch(), false);
            assertThat(upgraded.model().probabilities()).containsExactly(expected,
                    org.assertj.core.api.Assertions.within(1e-6));
            assertThat(upgraded.model().config()).isEqualTo(loaded.model().config());
        }
    }

    private static void writeGolden(Path dir) throws IOException {
        ModelFile.Loaded m = trainedSmallModel();
        Files.createDirectories(dir);
        String name = "dien-small-v" + ModelFile.VERSION;
        Files.write(dir.resolve(name + ".istm"), ModelFile.toBytes(m.model(), m.optimizer()));
        m.model().forward(scoringBatch(), false);
        StringBuilder sb = new StringBuilder();
        for (double p : m.model().probabilities()) {
            sb.append(String.format(Locale.ROOT, "%.9f%n", p));
        }
        Files.writeString(dir.resolve(name + ".scores"), sb.toString());
    }

    /** FULL model updates carry the config alone: every field round-trips, and version-1 bytes still read. */
    @Test
    void configBytesRoundTripAndVersion1ConfigBytesStillRead() throws IOException {
        ModelConfig config = ModelConfig.paper(ModelKind.DIEN).headInputs(EnumSet.allOf(HeadInput.class))
                .dinSoftmax(true).attention(AttentionKind.FFN).auxWeight(0.25).userEmbedding(true).seed(5).build();
        assertThat(ModelFile.configFromBytes(ModelFile.configBytes(config))).isEqualTo(config);
        // version 1: the config fields with no magic or version in front, and no head inputs
        byte[] golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/dien-small-v1.istm")) {
            golden = in.readAllBytes();
        }
        ModelConfig fromFile = ModelFile.fromBytes(golden).model().config();
        byte[] v1Config = Arrays.copyOfRange(golden, 8, golden.length);   // after magic and version
        assertThat(ModelFile.configFromBytes(v1Config)).isEqualTo(fromFile);
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
