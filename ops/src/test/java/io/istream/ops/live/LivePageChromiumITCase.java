package io.istream.ops.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.istream.ops.cli.IstreamCli;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The demo's live page in real headless Chromium (Debian's {@code chromium}): during a short demo (embedded broker,
 * MiniCluster, trainer and scorer), the page's panels fill with data from the metrics topic and the jobs' metrics,
 * uPlot draws them, and a screenshot is saved to {@code ops/target/live-page.png}. Skips where Chromium is not
 * installed ({@code apt-get install chromium}).
 */
class LivePageChromiumITCase {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Pattern PANEL = Pattern.compile("id=\"panel-([a-z]+)\"[^>]*data-points=\"(\\d+)\"");

    @TempDir
    Path profile;

    @Test
    void theLivePageChartsTheDemoInHeadlessChromium() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM),
                "Chromium is not installed at " + CHROMIUM + " (apt-get install chromium): live page test skipped");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/";
        CompletableFuture<Integer> demo = CompletableFuture.supplyAsync(() -> new CommandLine(new IstreamCli())
                .execute("demo", "--users", "150", "--seconds", "45", "--live-port", Integer.toString(port),
                        "--requests-per-second", "10", "--conf", "execution.checkpointing.interval=2s"));

        // wait until the page's data source has the trainer's windows (from the topic) and the scorer's latency
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        JsonNode series = null;
        while (System.nanoTime() < deadline && !demo.isDone()) {
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create(url + "series")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                series = new ObjectMapper().readTree(body).get("series");
                if (series.path("auc").size() >= 2 && series.path("latencyP50Ms").size() >= 2
                        && series.path("modelVersion").size() >= 2) {
                    break;
                }
            } catch (IOException notYet) {
                // the demo has not opened the page yet
            }
            Thread.sleep(1_000);
        }
        assertThat(series).as("the demo's /series").isNotNull();
        assertThat(series.path("auc").size()).as("AUC windows read from the metrics topic").isGreaterThanOrEqualTo(2);

        String dom = chromium("--virtual-time-budget=5000", "--dump-dom", url);
        Map<String, Integer> points = new TreeMap<>();
        Matcher m = PANEL.matcher(dom);
        while (m.find()) {
            points.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertThat(points).as("panels drawn by the page").containsKeys("auc", "logloss", "throughput", "version",
                "freshness", "latency", "deadletters", "checkpoint", "calibration");
        for (String panel : List.of("auc", "logloss", "throughput", "version", "latency")) {
            assertThat(points.get(panel)).as("points in panel %s", panel).isPositive();
        }
        assertThat(dom).as("uPlot drew canvases").contains("class=\"uplot");

        Path screenshot = Path.of("target", "live-page.png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        chromium("--virtual-time-budget=5000", "--window-size=1400,1400", "--screenshot=" + screenshot, url);
        BufferedImage image = ImageIO.read(screenshot.toFile());
        assertThat(image).as("screenshot %s", screenshot).isNotNull();
        assertThat(image.getWidth()).isEqualTo(1400);

        assertThat(demo.get(120, TimeUnit.SECONDS)).as("demo exit code").isZero();
    }

    private String chromium(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(process.exitValue()).as("chromium exit code for %s", command).isZero();
        return out;
    }
}
