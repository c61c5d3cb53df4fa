#!/usr/bin/env bash
# Lint, type-check and test: the one command the README gives for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 HF_EVALUATE_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export TOKENIZERS_PARALLELISM=false
export HF_HOME="${HF_HOME:-$(mktemp -d -t simbench-hf-XXXXXX)}"
if [ -z "${SIMBENCH_DATA:-}" ] && [ -d ../shared/data/simbench ]; then
  export SIMBENCH_SHARED_DATA="$PWD/../shared/data" SIMBENCH_DATA="$PWD/../shared/data/simbench"
fi
ruff check src tests simbench_metric loading_scripts benchmarks
mypy
python -m pytest "$@"
