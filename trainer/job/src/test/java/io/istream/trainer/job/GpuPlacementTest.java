package io.istream.trainer.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GpuPlacementTest {

    @Test
    void theCudaBackendTakesTheSlotsFirstGpu() {
        GpuPlacement placement = GpuPlacement.choose(List.of("3", "1"), false);
        assertThat(placement.device()).isEqualTo(1);
        assertThat(placement.message()).contains("GPU 1");
    }

    @Test
    void withoutAGpuResourceNothingIsAttached() {
        assertThat(GpuPlacement.choose(List.of(), true).device()).isEqualTo(-1);
        assertThat(GpuPlacement.choose(List.of(), false).device()).isEqualTo(-1);
    }

    @Test
    void aGpuSlotWithTheCpuBuildSaysWhichJarToSubmit() {
        GpuPlacement placement = GpuPlacement.choose(List.of("0"), true);
        assertThat(placement.device()).isEqualTo(-1);
        assertThat(placement.message()).contains("istream-jobs-cuda.jar");
    }

    @Test
    void aNonNumericIndexIsAClearError() {
        assertThatThrownBy(() -> GpuPlacement.choose(List.of("GPU-abc"), false))
                .hasMessageContaining("'GPU-abc'");
    }
}
