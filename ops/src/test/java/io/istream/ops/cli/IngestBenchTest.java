package io.istream.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestBenchTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(IngestBench.median(List.of(5.0, 1.0, 3.0))).isEqualTo(3.0);
        assertThat(IngestBench.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(IngestBench.median(List.of())).isNaN();
    }

    @Test
    void onlyFullWindowsWithEventsLeftToReadAreSustained() {
        assertThat(IngestBench.isIngestWindow(false, 0, 100)).isTrue();
        assertThat(IngestBench.isIngestWindow(false, 99, 100)).isTrue();
        // every event read: the window only waits for the final checkpoint
        assertThat(IngestBench.isIngestWindow(false, 100, 100)).isFalse();
        // the job ended within the window: not a full one
        assertThat(IngestBench.isIngestWindow(true, 50, 100)).isFalse();
    }

    @Test
    void processCpuTimeIsReadAndGrows() {
        long before = IngestBench.processCpuNs();
        double sink = 0;
        for (int i = 0; i < 5_000_000; i++) {
            sink += Math.sqrt(i);
        }
        assertThat(sink).isPositive();
        assertThat(before).isPositive();
        assertThat(IngestBench.processCpuNs()).isGreaterThan(before);
    }

    @Test
    void directorySizeCountsRegularFilesRecursively(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("a"), new byte[10]);
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/b"), new byte[5]);
        assertThat(IngestBench.directoryBytes(dir)).isEqualTo(15);
        assertThat(IngestBench.directoryBytes(dir.resolve("missing"))).isZero();
    }

    @Test
    void figuresAreWrittenAsJson(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/figures.json");
        FiguresFile.write(file, Map.of("eventsPerSecond", 123.5));
        assertThat(Files.readString(file)).contains("\"eventsPerSecond\"").contains("123.5");
    }
}
