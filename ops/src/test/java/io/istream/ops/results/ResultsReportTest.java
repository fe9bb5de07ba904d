package io.istream.ops.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsReportTest {

    @TempDir
    Path dir;

    private void run(String experiment, String variant, String dataset, long seed, double... testByEpoch)
            throws IOException {
        StringBuilder epochs = new StringBuilder();
        int best = 0;
        for (int e = 0; e < testByEpoch.length; e++) {
            epochs.append(e == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"epoch\":%d,\"validationAuc\":%.4f,\"testAuc\":%.4f}", e + 1, testByEpoch[e] + 0.01,
                    testByEpoch[e]));
            if (testByEpoch[e] > testByEpoch[best]) {
                best = e;
            }
        }
        Files.writeString(dir.resolve(experiment + "-" + variant + "-" + dataset + "-s" + seed + ".json"),
                String.format(Locale.ROOT, "{\"command\":\"train\",\"experiment\":\"%s\",\"variant\":\"%s\","
                                + "\"dataset\":\"%s/amazon\",\"seed\":%d,\"selectedEpoch\":%d,\"validationAuc\":%.4f,"
                                + "\"testAuc\":%.4f,\"testGauc\":0.7,\"testLogloss\":0.5,\"epochs\":[%s],\"testSlices\":"
                                + "{\"history 1-4\":{\"samples\":30,\"auc\":0.7},\"history 5-9\":{\"samples\":10,"
                                + "\"auc\":0.9},\"repeat\":{\"samples\":4,\"auc\":0.99}}}",
                        experiment, variant, dataset, seed, best + 1, testByEpoch[best] + 0.01, testByEpoch[best],
                        epochs));
    }

    @Test
    void everyFigureOfTheDocumentComesFromTheRuns() throws IOException {
        run("headline", "base", "beauty", 1, 0.78, 0.79);
        run("headline", "base", "beauty", 2, 0.78, 0.77);
        run("headline", "dien", "beauty", 1, 0.80, 0.81);
        run("headline", "dien", "beauty", 2, 0.79, 0.80);
        Files.writeString(dir.resolve("bench.json"), "{\"command\":\"bench\",\"cases\":[{\"rate\":1234.5}]}");
        ResultsReport report = ResultsReport.load(dir);
        assertThat(report.runs()).hasSize(4);
        String text = report.render("""
                # Results
                {{table headline base=base variants=base,dien}}

                DIEN is {{diff headline dien base beauty}} above the base model ({{value headline dien beauty n}} seeds).
                The bench trained {{json bench.json cases.0.rate}} samples/s ({{json bench.json command}}).
                {{seeds headline beauty}}
                {{epochs headline beauty chart=curves}}
                {{slices headline beauty}}
                """, dir, dir.resolve("charts"));
        assertThat(text).contains("| base | 0.7950 ± 0.0071 (2) | 0.7850 ± 0.0071 (2) | – | 2,1 |");
        // RelaImpr = (0.805 − 0.5)/(0.785 − 0.5) − 1
        assertThat(text).contains("| dien | 0.8150 ± 0.0071 (2) | 0.8050 ± 0.0071 (2) | +7.0 % | 2,2 |");
        assertThat(text).contains("DIEN is +0.0200 above the base model (2 seeds).");
        assertThat(text).contains("The bench trained 1,235 samples/s (bench).");
        assertThat(text).contains("| base | 0.7900 | 0.7800 |");
        assertThat(text).contains("| dien | 0.7950 | 0.8050 | 0.0000 |");
        assertThat(text).contains("![headline on beauty](charts/curves.png)");
        assertThat(text).contains("| beauty, test AUC by slice | history 1-4 (75.0 %) | history 5-9 (25.0 %) |"
                + " repeat (10.0 %) |");
        assertThat(text).contains("| dien | 0.7000 | 0.9000 | 0.9900 |");
        assertThat(dir.resolve("charts/curves.png")).isNotEmptyFile();
        String readme = "# Title\n\n<!-- {{value headline dien beauty test}} -->\nold figure\n<!-- end -->\nDIEN: "
                + "<!-- {{diff headline dien base beauty}} -->+0.1<!-- end --> over Base.\n";
        assertThat(report.renderInPlace(readme, dir, dir)).isEqualTo("# Title\n\n<!-- {{value headline dien beauty test}}"
                + " -->\n0.8050\n<!-- end -->\nDIEN: <!-- {{diff headline dien base beauty}} -->+0.0200<!-- end --> over"
                + " Base.\n");
        run("ablation", "shipped defaults", "beauty", 1, 0.80);
        run("ablation", "no softmax", "beauty", 1, 0.79);
        run("ablation", "MBA λ=10", "beauty", 1, 0.82);
        assertThat(ResultsReport.load(dir).render("{{diff ablation \"MBA λ=10\" \"shipped defaults\" beauty}}", dir, dir))
                .isEqualTo("+0.0200");
        assertThat(ResultsReport.load(dir).render("{{value ablation \"shipped defaults\" beauty test}} "
                + "{{table ablation variants=\"shipped defaults,no softmax\"}}", dir, dir))
                .startsWith("0.8000 ").contains("| shipped defaults | 0.8100 | 0.8000 |", "| no softmax | 0.8000 | 0.7900 |")
                .doesNotContain("NaN");
        assertThat(ResultsReport.tokens(" a  \"b c\" d=\"e f,g\" \"\"")).containsExactly("a", "b c", "d=e f,g", "");
        assertThatThrownBy(() -> report.render("{{value headline din beauty test}}", dir, dir))
                .hasMessageContaining("no runs of headline din on beauty");
    }
}
