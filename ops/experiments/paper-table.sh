#!/usr/bin/env bash
# Runs the model-quality comparisons of the README (issue 3) and writes one JSON per run into $OUT.
#   ops/experiments/paper-table.sh [OUT_DIR] [SEEDS...]
# Then: ops/experiments/summarise.sh OUT_DIR   (mean ± sd per dataset and variant)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-results}"; shift || true
seeds=(${@:-1 2 3})
data="${ISTREAM_DATA:-$here/../shared/data}"
mkdir -p "$out"
run() {  # run NAME DATASET ARGS...   (seeds: $only_seeds when set, else all)
  local name=$1 dataset=$2; shift 2
  for seed in ${only_seeds:-${seeds[@]}}; do
    local file="$out/$dataset-$name-s$seed.json"
    [[ -f $file ]] && continue
    echo "== $dataset $name seed $seed" >&2
    "$here/ops/istream" train --data "$data/$dataset" --seed "$seed" --epochs 2 --json "$file" "$@" \
      | grep -E '^(epoch [0-9]+:|selected)' >&2
  done
}
amazon=amazon-beauty
ml=movielens-100k
synthetic() {  # planted evolving interests (oracle AUC in each JSON): 2,000 users x 50 steps, 3 epochs
  for m in base din dien; do
    for seed in ${only_seeds:-${seeds[@]}}; do
      file="$out/synthetic-$m-s$seed.json"; [[ -f $file ]] && continue
      echo "== synthetic $m seed $seed" >&2
      "$here/ops/istream" train --data synthetic --model $m --seed "$seed" --epochs 3 --json "$file" \
        | grep -E '^(epoch [0-9]+:|selected)' >&2
    done
  done
}
synthetic10k_at() {  # synthetic10k_at SUFFIX LR EPOCHS VARIANT...: 10,000 users (8,000 training users, 400,000 samples)
  local suffix=$1 lr=$2 epochs=$3; shift 3
  for v in "$@"; do
    name=${v%% *}; flags=${v#* }
    for seed in ${only_seeds:-${seeds[@]}}; do
      file="$out/synthetic10k-$name$suffix-s$seed.json"; [[ -f $file ]] && continue
      echo "== synthetic10k $name lr $lr seed $seed" >&2
      # shellcheck disable=SC2086
      "$here/ops/istream" train --data synthetic --synthetic-users 10000 $flags --lr "$lr" --seed "$seed" \
        --epochs "$epochs" --json "$file" | grep -E '^(epoch [0-9]+:|selected)' >&2
    done
  done
}
synthetic10k() {  # lr 0.005, 4 epochs
  synthetic10k_at "" 0.005 4 "base --model base" "din --model din" "dien --model dien" \
    "dien-reference --model dien --cell augru-reference"
}
synthetic10k_slow() {  # lr 0.002, 8 epochs, where the reference-cell DIEN did best
  synthetic10k_at -lr002-e8 0.002 8 "base --model base" "din --model din" \
    "dien-reference --model dien --cell augru-reference"
}
synthetic_at() {  # synthetic_at USERS NAME FLAGS...: one synthetic row at lr 0.002 (seeds: $only_seeds when set, else all)
  local users=$1 name=$2 seed file; shift 2
  for seed in ${only_seeds:-${seeds[@]}}; do
    file="$out/synthetic$((users / 1000))k-$name-s$seed.json"; [[ -f $file ]] && continue
    echo "== synthetic $users users $name seed $seed" >&2
    "$here/ops/istream" train --data synthetic --synthetic-users "$users" "$@" --lr 0.002 --seed "$seed" \
      --json "$file" | grep -E '^(epoch [0-9]+:|selected)' >&2
  done
}
reference_cell=(--model dien --cell augru-reference)
synthetic20k() {  # stop 14: the reference-cell DIEN on 20,000 users, 5 epochs, every seed
  synthetic_at 20000 dien-reference "${reference_cell[@]}" --epochs 5
}
synthetic_scale() {  # stops 16-18: the synthetic gap against data size (about 9 h on 2 cores for one seed; last)
  synthetic_at 40000 base --model base --epochs 5
  synthetic_at 40000 din --model din --epochs 5
  synthetic_at 40000 dien-reference "${reference_cell[@]}" --epochs 5
  synthetic_at 80000 base --model base --epochs 5
  synthetic_at 80000 din --model din --epochs 5
  synthetic_at 80000 dien-reference "${reference_cell[@]}" --epochs 4
  synthetic_at 80000 dien-reference-e6 "${reference_cell[@]}" --epochs 6
  synthetic_at 80000 dien-reference-decay "${reference_cell[@]}" --lr-decay 0.5 --epochs 3
  synthetic_at 80000 base-decay --model base --lr-decay 0.5 --epochs 3
  synthetic_at 80000 din-decay --model din --lr-decay 0.5 --epochs 3
  synthetic_at 160000 base --model base --epochs 5
  synthetic_at 160000 din --model din --epochs 4
  synthetic_at 160000 dien-reference "${reference_cell[@]}" --epochs 3
}
ablations() {
  run din-mba    $amazon --model din --reg mba --lambda 0.01
  run din-softmax-sigmoid $amazon --model din --din-softmax --attention-activation sigmoid
  run din-softmax $amazon --model din --din-softmax
  run din-sigmoid $amazon --model din --attention-activation sigmoid
  run din-dice   $amazon --model din --activation dice
  run dien-noaux $amazon --model dien --aux-weight 0
  run dien-agru  $amazon --model dien --cell agru
  run dien-aigru $amazon --model dien --cell aigru
  run din-l2     $amazon --model din --reg l2 --lambda 0.0001
}
# the comparisons the issue requires first, then the ablations and MovieLens on the first seed, then the rest
run base $amazon --model base
run din  $amazon --model din
run dien $amazon --model dien
run dien-ffn $amazon --model dien --attention ffn --attention-activation sigmoid
run dien-reference $amazon --model dien --cell augru-reference
only_seeds=${seeds[0]} synthetic
only_seeds=${seeds[0]} synthetic10k
only_seeds=${seeds[0]} ablations
only_seeds=${seeds[0]} run base $ml --model base
only_seeds=${seeds[0]} run din  $ml --model din
only_seeds=${seeds[0]} run dien $ml --model dien
ablations
synthetic
run base $ml --model base
run din  $ml --model din
run dien $ml --model dien
run din-dice   $ml --model din --activation dice
run dien-noaux $ml --model dien --aux-weight 0
run dien-agru  $ml --model dien --cell agru
run dien-aigru $ml --model dien --cell aigru
only_seeds=${seeds[0]} synthetic10k_slow
synthetic20k
only_seeds=${seeds[0]} synthetic_scale
# the closest configuration, and Base and DIN at the same settings, on the other seeds (about 1 h 10 min a seed)
synthetic_at 80000 dien-reference-decay "${reference_cell[@]}" --lr-decay 0.5 --epochs 3
synthetic_at 80000 base-decay --model base --lr-decay 0.5 --epochs 3
synthetic_at 80000 din-decay --model din --lr-decay 0.5 --epochs 3
