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

# Exports OPENBLAS_CORETYPE by the launcher's policy, read from ISTREAM_OPENBLAS_CORETYPE: "auto" (the default)
# sets the core istream_blas_core picks, replacing the environment's value (and saying so on stderr unless the first
# argument is "quiet"); "inherit" keeps the environment's value; any other value is a core name to force.
# ops/istream and the test JVMs (ops/cluster/test-jdk/bin/java) both call it, so tests run on the kernels users get.
istream_export_blas_core() {
  local core
  case "${ISTREAM_OPENBLAS_CORETYPE:-auto}" in
    inherit) ;;
    auto)
      core="$(istream_blas_core)"
      if [[ -n $core ]]; then
        if [[ ${1:-} != quiet && -n ${OPENBLAS_CORETYPE:-} && ${OPENBLAS_CORETYPE,,} != "${core,,}" ]]; then
          echo "istream: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE from the environment replaced by $core, the fastest" \
            "kernels for this CPU (ISTREAM_OPENBLAS_CORETYPE=inherit keeps it)" >&2
        fi
        export OPENBLAS_CORETYPE="$core"
      fi ;;
    *) export OPENBLAS_CORETYPE="$ISTREAM_OPENBLAS_CORETYPE" ;;
  esac
}
