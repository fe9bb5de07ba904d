package io.istream.ops.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.istream.trainer.dataset.Datasets;
import io.istream.trainer.dataset.Interaction;
import io.istream.trainer.dataset.InteractionLog;
import io.istream.trainer.dataset.ReadOptions;
import io.istream.ops.cli.IstreamCli;
import io.istream.ops.explain.ExplainInput.Candidate;
import io.istream.trainer.model.CtrModel;
import io.istream.trainer.model.ModelFile;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code istream explain} on a small Amazon-format dataset with planted category preferences: a DIEN model is trained
 * with {@code istream train --save}, then explained. The charts are real PNGs, the attention rows match the history,
 * and the explained pCTR equals the model's score for the candidate alone.
 */
class ExplainCommandTest {
    private static final int CATEGORIES = 8;
    private static final int ITEMS_PER_CATEGORY = 10;
    private static final int REVIEWS_PER_USER = 15;

    @TempDir
    static Path dir;
    static Path data;
    static Path model;

    @BeforeAll
    static void trainADienModel() throws Exception {
        data = dir.resolve("planted-beauty");
        Files.createDirectories(data);
        Random random = new Random(7);
        StringBuilder tsv = new StringBuilder("user_id\titem_id\tcategory\ttimestamp\n");
        for (int u = 1; u <= 150; u++) {
            int favourite = random.nextInt(CATEGORIES);
            int second = (favourite + 1 + random.nextInt(CATEGORIES - 1)) % CATEGORIES;
            for (int r = 0; r < REVIEWS_PER_USER; r++) {
                int category = random.nextDouble() < 0.6 ? favourite
                        : random.nextDouble() < 0.7 ? second : random.nextInt(CATEGORIES);
                int item = random.nextInt(ITEMS_PER_CATEGORY);
                tsv.append("u").append(u).append('\t').append("c").append(category).append("-i").append(item)
                        .append('\t').append("category ").append(category).append('\t')
                        .append(1_300_000_000L + 86_400L * r + u).append('\n');
            }
        }
        Files.writeString(data.resolve("behaviors.tsv"), tsv);
        model = dir.resolve("dien.istm");
        int exit = new CommandLine(new IstreamCli()).execute("train", "--data", data.toString(), "--model", "dien",
                "--epochs", "1", "--embedding-dim", "4", "--hidden", "6", "--save", model.toString(),
                "--json", dir.resolve("train.json").toString());
        assertThat(exit).isZero();
        // train writes its learning curves beside --json
        assertPng(dir.resolve("train-curves.png"), 1400, 500);
    }

    @Test
    void writesAttentionAndTrajectoryChartsWhoseFiguresMatchTheModel() throws Exception {
        Path out = dir.resolve("explain");
        Path json = dir.resolve("explain.json");
        int exit = new CommandLine(new IstreamCli()).execute("explain", "--model", model.toString(), "--data",
                data.toString(), "--user", "u7", "--candidate", "c3-i2", "--out", out.toString(),
                "--json", json.toString());
        assertThat(exit).isZero();
        assertPng(out.resolve("attention.png"), 1200, 600);
        assertPng(out.resolve("attention-by-candidate.png"), 1200, 600);
        assertPng(out.resolve("interest-evolution.png"), 900, 800);

        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        assertThat(figures.get("model").asText()).isEqualTo("dien");
        assertThat(figures.get("historyLength").asInt()).isEqualTo(REVIEWS_PER_USER);
        JsonNode candidates = figures.get("candidates");
        assertThat(candidates).hasSize(4);   // the candidate and 3 contrasts
        assertThat(candidates.get(0).get("item").asText()).isEqualTo("c3-i2");
        List<String> items = new ArrayList<>();
        for (JsonNode c : candidates) {
            items.add(c.get("item").asText());
            assertThat(c.get("attention")).hasSize(REVIEWS_PER_USER);
            double sum = 0;
            for (JsonNode w : c.get("attention")) {
                assertThat(w.asDouble()).isBetween(0.0, 1.0);
                sum += w.asDouble();
            }
            assertThat(sum).as("DIEN's attention is a softmax over the valid steps").isCloseTo(1.0, within(1e-4));
        }
        assertThat(items).doesNotHaveDuplicates();

        // the candidate scored alone (no shared-history tiling) gets the pCTR the explanation reports
        CtrModel ctr;
        try (InputStream in = Files.newInputStream(model)) {
            ctr = ModelFile.read(in).model();
        }
        InteractionLog log = Datasets.read(data, ReadOptions.all());
        long user = log.userIds().find("u7").orElseThrow();
        long item = log.itemIds().find("c3-i2").orElseThrow();
        List<Interaction> history = log.sequence(ExplainInput.userIndex(log, user));
        ctr.forward(ExplainInput.batch(user, history,
                List.of(new Candidate(item, ExplainInput.categoryOf(log, item)))), false);
        assertThat(candidates.get(0).get("pctr").asDouble()).isCloseTo(ctr.probabilities()[0], within(1e-6));
    }

    @Test
    void anUnknownUserIsAClearError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new IstreamCli());
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("explain", "--model", model.toString(), "--data", data.toString(), "--user", "nobody",
                "--candidate", "c3-i2", "--out", dir.resolve("never").toString());
        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("user 'nobody' is not in");
        assertThat(dir.resolve("never")).doesNotExist();
    }

    @Test
    void contrastsComeFromTheUsersTopCategoriesThenAnUntouchedOne() {
        InteractionLog log = Datasets.read(data, ReadOptions.all());
        long user = log.userIds().find("u7").orElseThrow();
        List<Interaction> history = log.sequence(ExplainInput.userIndex(log, user));
        long item = log.itemIds().find("c3-i2").orElseThrow();
        Candidate main = new Candidate(item, ExplainInput.categoryOf(log, item));
        List<Candidate> contrasts = ExplainInput.contrasts(log, history, main, 3);
        assertThat(contrasts).hasSize(3);
        List<Long> touched = history.stream().map(Interaction::categoryId).distinct().toList();
        assertThat(contrasts).noneMatch(c -> c.itemId() == item || c.categoryId() == main.categoryId());
        assertThat(touched).contains(contrasts.get(0).categoryId(), contrasts.get(1).categoryId());
        assertThat(touched).doesNotContain(contrasts.get(2).categoryId());
    }

    private static void assertPng(Path file, int width, int height) throws Exception {
        assertThat(file).exists();
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image).as("%s is a PNG", file).isNotNull();
        assertThat(image.getWidth()).isEqualTo(width);
        assertThat(image.getHeight()).isEqualTo(height);
    }
}
