#!/usr/bin/env bash
# The main job: set-up if needed, then a real evaluation of SmolLM2-135M-Instruct on a small
# stratified sample of SimBench (3 items per study, both splits), printing the SimBench score.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
simbench run --model smollm2 --limit-per-study 3 --out runs/smollm2-quickstart "$@"
