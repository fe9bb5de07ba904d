package io.istream.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The test JVMs load the OpenBLAS kernels that {@code ops/istream} would choose on this CPU: Maven's forks start
 * through {@code ops/cluster/test-jdk/bin/java}, which applies the launcher's rule. Without it, the GEMM agreement and
 * gradient tests would check whatever kernels the environment happened to name, not the ones users run.
 */
class TestJvmKernelsTest {

    @Test
    void theTestJvmRunsTheKernelsTheLauncherChooses() throws Exception {
        String policy = System.getenv().getOrDefault("ISTREAM_OPENBLAS_CORETYPE", "auto");
        assumeTrue(policy.equals("auto"), "ISTREAM_OPENBLAS_CORETYPE=" + policy + " chooses the kernels by hand");
        Path cpuinfo = Path.of("/proc/cpuinfo");
        assumeTrue(Files.isReadable(cpuinfo), "no /proc/cpuinfo: OpenBLAS's own guess is all there is");
        String expected = BlasKernels.recommendedCore(BlasKernels.cpuFlags(Files.readString(cpuinfo))).orElse(null);
        assumeTrue(expected != null, "this CPU has no better kernels than OpenBLAS's own guess");
        assertEquals(expected, System.getenv(BlasKernels.CORETYPE_VARIABLE),
                "the test JVM did not start through ops/cluster/test-jdk/bin/java (surefire's <jvm> in the top pom)");
        assertEquals(java.util.Optional.empty(), BlasKernels.adviceForThisJvm());
    }
}
