#!/usr/bin/env bash
# The test command: set-up if needed, then lint (ruff), type-check (mypy) and test (pytest).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow" -x`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
export HF_HOME="${HF_HOME:-$(mktemp -d -t simbench-hf-XXXXXX)}"
ruff check src tests simbench_metric loading_scripts benchmarks
mypy
python -m pytest "$@"
