#!/usr/bin/env bash
# Mean ± sd of test AUC / gAUC / logloss and RelaImpr vs base per (dataset, variant) over the JSON files of a run dir.
set -euo pipefail
dir="${1:-results}"
for f in "$dir"/*.json; do
  b=$(basename "$f" .json); variant=${b%-s*}
  jq -r --arg v "$variant" '[$v, .testAuc, .testGauc, .testLogloss, .selectedEpoch, .samplesPerSecond] | @tsv' "$f"
done | sort | awk -F'\t' '
  { n[$1]++; a[$1]+=$2; aa[$1]+=$2*$2; g[$1]+=$3; gg[$1]+=$3*$3; l[$1]+=$4; s[$1]+=$6; ep[$1]=ep[$1] $5 }
  END {
    printf "%-32s %3s %-17s %-17s %-8s %-6s %s\n", "dataset-variant", "n", "test AUC", "gAUC", "logloss", "epochs", "samples/s"
    for (k in n) {
      m=a[k]/n[k]; sd=(n[k]>1)?sqrt((aa[k]-n[k]*m*m)/(n[k]-1)):0
      mg=g[k]/n[k]; sg=(n[k]>1)?sqrt((gg[k]-n[k]*mg*mg)/(n[k]-1)):0
      printf "%-32s %3d %.4f ± %.4f  %.4f ± %.4f  %.4f  %-6s %.0f\n", k, n[k], m, sd, mg, sg, l[k]/n[k], ep[k], s[k]/n[k]
    }
  }' | sort
