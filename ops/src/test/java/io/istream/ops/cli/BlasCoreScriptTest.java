package io.istream.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.istream.trainer.model.BlasKernels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's kernel choice ({@code ops/cluster/blas-core.sh}) agrees with {@link BlasKernels#recommendedCore}. */
class BlasCoreScriptTest {
    private static final Path SCRIPT = Path.of("cluster", "blas-core.sh").toAbsolutePath();

    @Test
    void theScriptChoosesWhatTheTrainerRecommends(@TempDir Path dir) throws Exception {
        List<String> cpuinfos = List.of(
                "processor\t: 0\nflags\t\t: fpu sse2 fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl\n"
                        + "processor\t: 1\nflags\t\t: fpu\n",
                "flags\t\t: fpu sse2 avx fma avx2\n",
                "flags\t\t: fpu avx2 avx512f avx512cd avx512er\n",
                "flags\t\t: fpu sse2 avx\n",
                "processor\t: 0\n");
        for (String cpuinfo : cpuinfos) {
            Path file = dir.resolve("cpuinfo");
            Files.writeString(file, cpuinfo);
            String expected = BlasKernels.recommendedCore(BlasKernels.cpuFlags(cpuinfo)).orElse("");
            assertThat(run(file)).as(cpuinfo).isEqualTo(expected);
        }
        assertThat(run(dir.resolve("missing"))).isEmpty();
        assertThat(run(dir.resolve("cpuinfo"))).isEmpty();
    }

    /** The script's answer under the launcher's shell options. */
    private static String run(Path cpuinfo) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", "set -euo pipefail; source \"$0\"; istream_blas_core \"$1\"",
                SCRIPT.toString(), cpuinfo.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor()).as("exit status; output: " + out).isZero();
        return out;
    }
}
