package io.istream.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.ops.cli.TrainingWindows.Window;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingWindowsTest {
    @Test
    void windowsEndingWithinTheWarmupAreCountedApart() {
        // out of order, with an empty window; the warm-up is the first 4 s
        var split = TrainingWindows.split(List.of(
                new Window(4_000, 6_000, 300),
                new Window(0, 2_000, 100),
                new Window(2_000, 4_000, 200),
                new Window(6_000, 8_000, 0),
                new Window(8_000, 10_000, 400)), 4_000);
        assertThat(split.samples()).isEqualTo(1_000);
        assertThat(split.seconds()).isEqualTo(10.0);
        assertThat(split.samplesPerSecond()).isEqualTo(100.0);
        assertThat(split.warmupSamples()).isEqualTo(300);
        assertThat(split.warmupSeconds()).isEqualTo(4.0);
        assertThat(split.steadySamples()).isEqualTo(700);
        assertThat(split.steadySeconds()).isEqualTo(6.0);
        assertThat(split.steadySamplesPerSecond()).isEqualTo(700 / 6.0);
    }

    @Test
    void aRunShorterThanTheWarmupHasNoSteadyState() {
        var split = TrainingWindows.split(List.of(new Window(0, 2_000, 100)), 30_000);
        assertThat(split.samples()).isEqualTo(100);
        assertThat(split.steadySamples()).isZero();
        assertThat(split.steadySamplesPerSecond()).isNaN();
        assertThat(TrainingWindows.split(List.of(), 0).samples()).isZero();
    }
}
