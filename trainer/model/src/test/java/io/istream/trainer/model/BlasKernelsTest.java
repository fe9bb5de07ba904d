package io.istream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class BlasKernelsTest {
    // the flags line of this project's 2-core AMD Zen 5 machine, shortened
    static final String ZEN5 = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\n"
            + "flags\t\t: fpu sse2 avx fma avx2 avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl avx512_bf16\n"
            + "processor\t: 1\nflags\t\t: fpu\n";
    static final String AVX2_ONLY = "flags\t\t: fpu sse2 avx fma avx2 bmi2\n";
    // AVX-512 foundation without the BW/DQ/VL subsets SkylakeX's kernels use (Xeon Phi)
    static final String KNIGHTS = "flags\t\t: fpu sse2 avx fma avx2 avx512f avx512cd avx512er avx512pf\n";

    @Test
    void flagsComeFromTheFirstProcessorsLine() {
        assertThat(BlasKernels.cpuFlags(ZEN5)).contains("avx512bw", "avx2").doesNotHaveDuplicates()
                .hasSize(12);
        assertThat(BlasKernels.cpuFlags("processor\t: 0\n")).isEmpty();
    }

    @Test
    void theRecommendedCoreFollowsTheInstructionSets() {
        assertThat(BlasKernels.recommendedCore(BlasKernels.cpuFlags(ZEN5))).contains("SkylakeX");
        assertThat(BlasKernels.recommendedCore(BlasKernels.cpuFlags(AVX2_ONLY))).contains("Haswell");
        assertThat(BlasKernels.recommendedCore(BlasKernels.cpuFlags(KNIGHTS))).contains("Haswell");
        assertThat(BlasKernels.recommendedCore(Set.of("fpu", "sse2", "avx"))).isEmpty();
    }

    @Test
    void adviceOnlyWhenTheKernelsAreNotTheBestForTheCpu() {
        Set<String> zen5 = BlasKernels.cpuFlags(ZEN5);
        assertThat(BlasKernels.advice(zen5, null)).hasValueSatisfying(a -> assertThat(a)
                .contains("unset").contains("OPENBLAS_CORETYPE=SkylakeX"));
        assertThat(BlasKernels.advice(zen5, "Haswell")).hasValueSatisfying(a -> assertThat(a)
                .contains("is Haswell").contains("OPENBLAS_CORETYPE=SkylakeX"));
        assertThat(BlasKernels.advice(zen5, "SkylakeX")).isEmpty();
        assertThat(BlasKernels.advice(zen5, " skylakex ")).isEmpty();
        assertThat(BlasKernels.advice(Set.of("fpu"), null)).isEmpty();
    }
}
