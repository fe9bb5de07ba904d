#!/usr/bin/env bash
# The model-quality experiments of docs/results.md. Each run of `ops/istream train` writes one JSON,
# OUT_DIR/EXPERIMENT/DATASET/VARIANT-sSEED.json, labelled with its experiment and variant; a run whose JSON exists
# is skipped, so the script resumes where it stopped. Then `ops/istream results --runs OUT_DIR` renders
# docs/results.md from docs/results.template.md.
#
#   ops/experiments/model-quality.sh OUT_DIR [EXPERIMENT...]     (default: every experiment, in the order below)
#
# Environment: ISTREAM_DATA (default ../shared/data beside the checkout), SEEDS (default "1 2 3"), DATASETS (the
# headline's, default "amazon-beauty yelp movielens-100k"),
# PEER (a FuxiCTR peer checkout, shared/yardsticks/fuxictr-peer, to run the peer experiment; skipped when unset),
# PEER_DATASETS (default "amazon-beauty"), PEER_FORMS (the peer's model arguments, separated by ';'),
# PEER_CACHE (where the peer keeps its examples dump).
# The whole set is several hours of training; two invocations on disjoint experiments use two cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:?usage: model-quality.sh OUT_DIR [EXPERIMENT...]}"; shift
data="${ISTREAM_DATA:-$here/../shared/data}"
seeds=(${SEEDS:-1 2 3})
mkdir -p "$out"

# slug NAME: a file name for a variant's label (the JSON keeps the label itself)
slug() { sed -e 's/λ/lambda/g' -e 's/α/alpha/g' -e 's/ = /=/g' <<< "$1" | LC_ALL=C sed -e 's/[^A-Za-z0-9.=]\{1,\}/-/g' -e 's/^-//' -e 's/-$//'; }

# run EXPERIMENT VARIANT DATASET SEED ARGS...: one training run, unless its JSON is there
run() {
  local experiment=$1 variant=$2 dataset=$3 seed=$4; shift 4
  local file="$out/$experiment/$dataset/$(slug "$variant")-s$seed.json"
  [[ -f $file ]] && return 0
  mkdir -p "$(dirname "$file")"
  echo "== $experiment / $variant / $dataset / seed $seed" >&2
  "$here/ops/istream" train --data "$data/$dataset" --seed "$seed" --experiment "$experiment" --variant "$variant" \
    --json "$file" --curves "${file%.json}.png" "$@" | grep -E '^(epoch [0-9]+:|selected)' >&2
}

# Every run trains at most 12 epochs and stops after 2 without a better validation AUC; the epoch is selected on
# validation AUC, never on test.
epochs=(--epochs 12 --patience 2)

headline() {   # the shipped defaults of each model, 3 seeds, three datasets
  for dataset in ${DATASETS:-amazon-beauty yelp movielens-100k}; do
    for seed in "${seeds[@]}"; do
      for model in base din dien; do
        run headline "$model" "$dataset" "$seed" --model "$model" "${epochs[@]}"
      done
    done
  done
}

# one_seed EXPERIMENT MODEL VARIANT ARGS...: a variant of the shipped defaults, seed 1, amazon-beauty and yelp
one_seed() {
  local experiment=$1 model=$2 variant=$3; shift 3
  for dataset in amazon-beauty yelp; do
    run "$experiment" "$variant" "$dataset" 1 --model "$model" "${epochs[@]}" "$@"
  done
}

# shipped EXPERIMENT MODEL VARIANT: the shipped defaults' row of a comparison is the headline's seed-1 run of MODEL
# (the same command), relabelled; run the headline first
shipped() {
  local experiment=$1 model=$2 variant=$3 dataset
  for dataset in amazon-beauty yelp; do
    local from="$out/headline/$dataset/$model-s1.json" to="$out/$experiment/$dataset/$(slug "$variant")-s1.json"
    [[ -f $to || ! -f $from ]] && continue
    mkdir -p "$(dirname "$to")"
    sed -e "s/^  \"experiment\" : \"headline\",/  \"experiment\" : \"$experiment\",/" \
        -e "s/^  \"variant\" : \"$model\",/  \"variant\" : \"$variant\",/" "$from" > "$to"
  done
}

dien_ablation() {   # DIEN: the shipped defaults, then one option changed at a time
  shipped dien-ablation dien "shipped defaults"
  one_seed dien-ablation dien "head: the paper's inputs" --head-inputs interest-state,sum-pooling
  one_seed dien-ablation dien "head: without h' ⊙ q" --head-inputs interest-state,sum-pooling,attention-pooling
  one_seed dien-ablation dien "attention: bilinear (eq. 9)" --attention bilinear
  one_seed dien-ablation dien "auxiliary loss α = 1" --aux-weight 1
  one_seed dien-ablation dien "no regularisation" --reg none
  one_seed dien-ablation dien "MBA λ = 3" --lambda 3
}

din_ablation() {   # DIN: the shipped defaults, then one option changed at a time
  shipped din-ablation din "shipped defaults"
  one_seed din-ablation din "no softmax" --din-softmax=false
}

dice() {   # DIN's head with Dice against PReLU, on length-bucketed batches and on shuffled ones
  shipped dice din "PReLU"
  one_seed dice din "Dice" --activation dice
  one_seed dice din "PReLU on shuffled batches" --activation prelu --no-bucketing
  one_seed dice din "Dice on shuffled batches" --activation dice --no-bucketing
}

mba() {   # test AUC after each of 10 epochs, no early stopping: none, plain L2, MBA at a λ sweep (DIN, seed 1)
  local all=(--epochs 10 --patience 0)
  run mba "none" amazon-beauty 1 --model din --reg none "${all[@]}"
  run mba "L2 λ=1e-5" amazon-beauty 1 --model din --reg l2 --lambda 1e-5 "${all[@]}"
  for lambda in 0.01 1 3 10 30; do
    run mba "MBA λ=$lambda" amazon-beauty 1 --model din --reg mba --lambda "$lambda" "${all[@]}"
  done
  run mba "Adagrad without regularisation" amazon-beauty 1 --model din --optimizer adagrad --lr 0.02 --reg none \
    "${all[@]}"
  run mba "Adagrad with MBA λ=3" amazon-beauty 1 --model din --optimizer adagrad --lr 0.02 --reg mba --lambda 3 \
    "${all[@]}"
  for lambda in 3 10; do
    run mba "MBA λ=$lambda" yelp 1 --model din --reg mba --lambda "$lambda" "${all[@]}"
  done
  run mba "none" yelp 1 --model din --reg none "${all[@]}"
}

forms() {   # the papers' forms, as the shipped options name them, without regularisation as in the papers (seed 1)
  one_seed forms base "base without regularisation" --form paper --reg none
  one_seed forms din "din paper without regularisation" --form paper --reg none
  one_seed forms din "din paper + softmax without regularisation" --form paper --din-softmax --reg none
  one_seed forms dien "dien paper without regularisation" --form paper --reg none
}

peer() {   # the FuxiCTR peer on the same protocol (shared/yardsticks/fuxictr-peer), seed 1, 2 epochs
  [[ -n ${PEER:-} ]] || { echo "peer: set PEER to the fuxictr-peer folder to run it" >&2; return 0; }
  local form dataset forms
  IFS=';' read -ra forms <<< "${PEER_FORMS:-din --din-softmax;din --din-softmax --act Dice}"
  for dataset in ${PEER_DATASETS:-amazon-beauty}; do
    for form in "${forms[@]}"; do
      local dir="$out/peer/$dataset"; mkdir -p "$dir"
      local file="$dir/$(echo "$form" | tr ' ' '_' | tr -d '-').json"
      [[ -f $file ]] && continue
      echo "== peer / $form / $dataset" >&2
      # glibc's default trimming makes the PyTorch peer hand memory back and fault it in again on every batch
      # shellcheck disable=SC2086
      (cd "$PEER" && PEER_CACHE="${PEER_CACHE:-/tmp/peer_examples}" MALLOC_TRIM_THRESHOLD_=1000000000 \
        MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TOP_PAD_=268435456 OMP_NUM_THREADS=1 \
        /usr/bin/python3 peer.py --data "$data/$dataset" --model $form --seed 1 --epochs 2 --threads 1 --out "$file")
    done
  done
}

experiments=("$@")
[[ ${#experiments[@]} -gt 0 ]] || experiments=(headline dien_ablation mba dice forms din_ablation peer)
for e in "${experiments[@]}"; do
  "${e//-/_}"
done
