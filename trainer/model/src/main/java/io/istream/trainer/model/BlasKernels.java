package io.istream.trainer.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which OpenBLAS kernels {@link Gemm}'s products run on, and whether they suit the CPU.
 *
 * <p>ND4J 1.0.0-M2.1 bundles OpenBLAS 0.3.19, which picks its kernels from the CPU model at load time and does not
 * know newer CPUs: on AMD Zen 5 (CPU family 26) it falls back to its Barcelona (SSE) kernels, and every product
 * runs 2–4× slower than on the AVX-512 ones. {@code OPENBLAS_CORETYPE}, read once when the library loads, overrides
 * the guess. {@code ops/istream} and the Flink containers' entrypoint set it from the CPU's instruction sets
 * ({@code ops/cluster/blas-core.sh}, the same rule as {@link #recommendedCore}); a JVM started another way gets
 * {@link #advice} in its log instead.
 */
public final class BlasKernels {

    /** The environment variable OpenBLAS reads at load time. */
    public static final String CORETYPE_VARIABLE = "OPENBLAS_CORETYPE";

    private static final Set<String> AVX512_SKYLAKE = Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq",
            "avx512vl");

    private BlasKernels() {
    }

    /**
     * The OpenBLAS core whose kernels this CPU runs best, from its {@code /proc/cpuinfo} flags: SkylakeX for the
     * AVX-512 subsets those kernels use, Haswell for AVX2 with FMA, empty when OpenBLAS's own guess is as good.
     */
    public static Optional<String> recommendedCore(Set<String> cpuFlags) {
        if (cpuFlags.containsAll(AVX512_SKYLAKE)) {
            return Optional.of("SkylakeX");
        }
        if (cpuFlags.contains("avx2") && cpuFlags.contains("fma")) {
            return Optional.of("Haswell");
        }
        return Optional.empty();
    }

    /** The flags of the first processor in a {@code /proc/cpuinfo} text; empty when it has no flags line. */
    public static Set<String> cpuFlags(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("flags")) {
                int colon = line.indexOf(':');
                return colon < 0 ? Set.of()
                        : new HashSet<>(Arrays.asList(line.substring(colon + 1).trim().split("\\s+")));
            }
        }
        return Set.of();
    }

    /**
     * A warning when the kernels chosen by {@code coretype} (the variable's value, null when unset) are not the
     * ones this CPU runs best; empty when they are, or when there is nothing better to recommend.
     */
    public static Optional<String> advice(Set<String> cpuFlags, String coretype) {
        Optional<String> best = recommendedCore(cpuFlags);
        if (best.isEmpty()) {
            return Optional.empty();
        }
        String core = best.get();
        if (coretype != null && coretype.trim().toLowerCase(Locale.ROOT).equals(core.toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        String now = coretype == null || coretype.isBlank()
                ? "is unset, so the bundled OpenBLAS 0.3.19 guesses from the CPU model (on CPUs newer than it, such"
                        + " as AMD Zen 5, it falls back to SSE kernels)"
                : "is " + coretype.trim();
        return Optional.of(CORETYPE_VARIABLE + " " + now + "; this CPU's instruction sets suit OpenBLAS's " + core
                + " kernels, whose products run up to 2-4x faster. Set " + CORETYPE_VARIABLE + "=" + core
                + " in the JVM's environment (ops/istream does this by itself).");
    }

    /** {@link #advice} for this JVM: its CPU (Linux) and its environment. Empty where there is no cpuinfo. */
    public static Optional<String> adviceForThisJvm() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return Optional.empty();
        }
        try {
            return advice(cpuFlags(Files.readString(cpuinfo)), System.getenv(CORETYPE_VARIABLE));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The variable's value in this JVM, or "unset". */
    public static String coretypeOfThisJvm() {
        String value = System.getenv(CORETYPE_VARIABLE);
        return value == null ? "unset" : value;
    }
}
