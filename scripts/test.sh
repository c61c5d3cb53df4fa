#!/usr/bin/env bash
# The test command: set-up if needed, then lint (ruff), type-check (mypy) and test (pytest).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow" -x`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# the full set-up: the main job's packages plus test tools, servers and Chromium
export SIMBENCH_SETUP=tests
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
export HF_HOME="${HF_HOME:-$(mktemp -d -t simbench-hf-XXXXXX)}"
ruff check src tests simbench_metric loading_scripts benchmarks
mypy
python -m pytest "$@"
# vLLM's tests run in their own environment and process (.venv-vllm: vLLM pins transformers<5.20,
# see docs/scaling.md): in a full run (no arguments, as CI runs it), or when SIMBENCH_VLLM_TESTS=1;
# SIMBENCH_VLLM_TESTS=0 skips them.
if [ "${SIMBENCH_VLLM_TESTS:-$([ $# -eq 0 ] && echo 1 || echo 0)}" = 1 ]; then
  bash scripts/setup-vllm.sh
  SIMBENCH_REQUIRE_VLLM=1 "${SIMBENCH_VLLM_VENV:-$ROOT/.venv-vllm}/bin/python" -m pytest -m vllm \
    tests/vllm_backend -p no:cacheprovider
fi
