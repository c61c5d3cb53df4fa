#!/usr/bin/env bash
# The main job on a fresh machine, in one command:
#   1. set-up of what the main job needs only (scripts/setup.sh, level "main": torch pinned,
#      simbench-eval with the hf, metric and report extras, the offline SmolLM2 weights; no test
#      tools, no llama.cpp build, no browser: `bash scripts/test.sh` installs those);
#   2. `simbench install`: the bare names load_dataset("simbench", ...) and evaluate.load("simbench");
#   3. a real evaluation of SmolLM2-135M-Instruct on a seeded stratified sample of SimBench
#      (3 items per study of both splits, 75 items), printing the SimBench score.
# Extra arguments go to `simbench run` (e.g. --limit-per-study 10, --out runs/mine).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
t0=$SECONDS
# Offline by default only where the release lies beside the checkout (our machines); elsewhere the
# data and the model may come from the Hub.
if [ -z "${SIMBENCH_DATA:-}" ] && [ ! -d "$ROOT/../shared/data/simbench" ]; then
  export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-0}" HF_DATASETS_OFFLINE="${HF_DATASETS_OFFLINE:-0}"
  export HF_EVALUATE_OFFLINE="${HF_EVALUATE_OFFLINE:-0}" TRANSFORMERS_OFFLINE="${TRANSFORMERS_OFFLINE:-0}"
fi
export SIMBENCH_SETUP=main
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
echo "set-up done in $((SECONDS - t0))s" >&2

simbench install

OUT=runs/smollm2-quickstart
args=("$@")
for i in "${!args[@]}"; do  # a run folder given by the caller wins (argparse takes the last --out)
  case "${args[$i]}" in
    --out) OUT="${args[$((i + 1))]:-$OUT}" ;;
    --out=*) OUT="${args[$i]#--out=}" ;;
  esac
done
simbench run --model smollm2 --limit-per-study 3 --out "$OUT" "$@"

cat <<EOF

Quick start done in $((SECONDS - t0))s. The run folder $OUT holds predictions.jsonl (one
distribution per item), run.json (provenance) and scores.json. Next (in this shell:
source .venv/bin/activate):
  simbench report $OUT --out $OUT/report   # intervals, noise ceiling, breakdowns, plots
  simbench score $OUT                      # the scores again, from the predictions
  simbench run --model smollm2 --out runs/smollm2-full   # every item (13,510), resumable
  python -c "from datasets import load_dataset; print(load_dataset('simbench', 'moral_machine', split='pop'))"
  bash scripts/test.sh                     # install the test tools and run the tests
EOF
