# Sourced by ops/istream and by the Flink containers' entrypoint (ops/cluster/flink/entrypoint.sh). Prints the
# OpenBLAS core whose kernels this CPU runs best, from its flags in /proc/cpuinfo (or the file given): SkylakeX for
# the AVX-512 subsets those kernels use, Haswell for AVX2 with FMA, nothing when OpenBLAS's own guess is as good.
# The same rule as BlasKernels.recommendedCore in the trainer.
#
# Why: ND4J 1.0.0-M2.1 bundles OpenBLAS 0.3.19, which picks kernels from the CPU model and does not know newer
# CPUs. On AMD Zen 5 (CPU family 26) it falls back to its Barcelona (SSE) kernels, and a DIEN training step takes
# about twice as long as on the SkylakeX ones.
istream_blas_core() {
  local flags
  flags=" $(grep -m1 '^flags' "${1:-/proc/cpuinfo}" 2>/dev/null | cut -d: -f2- || true) "
  local f all512=1
  for f in avx512f avx512cd avx512bw avx512dq avx512vl; do
    [[ $flags == *" $f "* ]] || all512=0
  done
  if ((all512)); then
    echo SkylakeX
  elif [[ $flags == *" avx2 "* && $flags == *" fma "* ]]; then
    echo Haswell
  fi
}
