#!/usr/bin/env bash
# GPU check for the extraction engines (issue 17): bf16, the transformers engine vs vLLM vs the
# release-style loop, one model of about 1B parameters, over the whole benchmark (13,510 items).
#
# STATUS: written, NOT RUN. The session that wrote it had no GPU lent (the device tool's status:
# "this workplace lends no device machine"). Run it when a task is lent one, then put the figures
# into benchmarks/README.md ("GPU" section) and docs/scaling.md.
#
# How to run (the device tool runs a command in a copy of the working tree; $OUT comes back):
#     bash benchmarks/gpu_check.sh                      # the whole benchmark (time not measured yet:
#                                                       # the one-prompt-at-a-time loop dominates)
#     GPU_CHECK_ITEMS=40 bash benchmarks/gpu_check.sh   # 40 items per study and split (~2,000):
#                                                       # fits the device tool's 10-minute commands
# Environment:
#     GPU_CHECK_MODEL   a local folder or Hub id of a ~1B causal LM (default: build a random-weight
#                       Llama of Llama-3.2-1B's shape with SmolLM2's tokenizer: throughput and
#                       engine agreement need no trained weights, and the device machine may have
#                       no Hub access)
#     GPU_CHECK_ITEMS   "all" (default) or N items per study and split
#     SIMBENCH_DATA     the SimBench release folder (default: ../shared/data/simbench or
#                       ./shared/data/simbench)
#     PYTHON            the interpreter with torch (CUDA), transformers and vLLM (default: the
#                       first of .venv-vllm/bin/python, python3 that imports vllm); if vLLM is
#                       missing, the script tries `pip install vllm` and otherwise skips the vLLM rows
# Output ($OUT, default /tmp/gpu_check): nvidia-smi.txt, bench.json and bench.md (the table of
# benchmarks/bench_extraction.py), tp.txt (vLLM with tensor parallel when more than one GPU is
# visible), summary.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/gpu_check}"
mkdir -p "$OUT"
ITEMS="${GPU_CHECK_ITEMS:-all}"
export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}" TRANSFORMERS_OFFLINE="${TRANSFORMERS_OFFLINE:-1}"
export HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
export HF_HOME="${HF_HOME:-$(mktemp -d)}"
log() { echo "[gpu_check $(date +%H:%M:%S)] $*" | tee -a "$OUT/summary.txt"; }

nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || { log "no nvidia-smi: not a GPU machine"; exit 1; }
N_GPUS=$(nvidia-smi -L | grep -c '^GPU')
log "$N_GPUS GPU(s): $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | head -1)"

for d in "${SIMBENCH_DATA:-}" ../shared/data/simbench ./shared/data/simbench; do
  if [ -n "$d" ] && [ -f "$d/SimBenchPop.jsonl" ]; then export SIMBENCH_DATA="$d"; break; fi
done
[ -n "${SIMBENCH_DATA:-}" ] && [ -f "$SIMBENCH_DATA/SimBenchPop.jsonl" ] \
  || { log "SimBench data not found: set SIMBENCH_DATA"; exit 1; }

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  if [ -x .venv-vllm/bin/python ]; then PY=.venv-vllm/bin/python; else PY=python3; fi
fi
"$PY" -c "import torch; assert torch.cuda.is_available()" 2>/dev/null \
  || { log "$PY has no CUDA torch"; exit 1; }
"$PY" -c "import simbench" 2>/dev/null \
  || "$PY" -m pip install -q --no-build-isolation --no-deps -e . >/dev/null 2>&1 \
  || { log "cannot import or install simbench with $PY"; exit 1; }
SKIP="lm-eval"
if ! "$PY" -c "import vllm" 2>/dev/null; then
  log "vLLM not installed: trying pip install vllm (needs PyPI)"
  timeout 300 "$PY" -m pip install -q vllm >/dev/null 2>&1 || true
  "$PY" -c "import vllm" 2>/dev/null || { log "no vLLM: its rows are skipped"; SKIP="lm-eval,vllm"; }
fi
"$PY" -c "import importlib.util as u; raise SystemExit(u.find_spec('lm_eval') is None)" 2>/dev/null \
  && SKIP="${SKIP/lm-eval,/}" && SKIP="${SKIP/lm-eval/}"
log "python $("$PY" -c 'import sys, torch, transformers; print(sys.version.split()[0], "torch", torch.__version__, "transformers", transformers.__version__)')"

MODEL="${GPU_CHECK_MODEL:-}"
if [ -z "$MODEL" ]; then
  MODEL="$(mktemp -d)/llama-1b-random"
  log "building a random-weight ~1B Llama (Llama-3.2-1B shape, SmolLM2 tokenizer) in $MODEL"
  "$PY" - "$MODEL" <<'EOF' || { log "could not build the model"; exit 1; }
import sys
import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM
from simbench.extraction.hf.models import smollm2_folder

out = sys.argv[1]
tok = AutoTokenizer.from_pretrained(smollm2_folder())
config = LlamaConfig(vocab_size=len(tok), hidden_size=2048, intermediate_size=8192,
                     num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
                     max_position_embeddings=4096, rope_theta=500000.0, tie_word_embeddings=True,
                     bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
torch.manual_seed(0)
model = LlamaForCausalLM(config).to(torch.bfloat16)
print(f"{sum(p.numel() for p in model.parameters()) / 1e9:.2f}B parameters")
model.save_pretrained(out)
tok.save_pretrained(out)
EOF
fi

LIMIT=(--all)
[ "$ITEMS" != all ] && LIMIT=(--limit-per-study "$ITEMS")
log "bench_extraction: engine vs release-style loop vs vLLM (skip: ${SKIP:-none}), items: $ITEMS"
timeout 3000 "$PY" benchmarks/bench_extraction.py --model "$MODEL" --dtype bfloat16 --device cuda \
    "${LIMIT[@]}" --skip "$SKIP" --tolerance 0.05 --json "$OUT/bench.json" 2>&1 \
    | tee "$OUT/bench.log" | grep -E '^\||agree|items|skipping' | tee "$OUT/bench.md"
log "bench exit ${PIPESTATUS[0]}"

if [ "$N_GPUS" -gt 1 ] && [[ "$SKIP" != *vllm* ]]; then
  log "vLLM with --tensor-parallel-size $N_GPUS, then --data-parallel-size $N_GPUS"
  for mode in "--tensor-parallel-size $N_GPUS" "--data-parallel-size $N_GPUS"; do
    rm -rf "$OUT/run-tp"
    start=$(date +%s)
    # shellcheck disable=SC2086
    timeout 1800 "$PY" -m simbench.cli run --backend vllm --model "$MODEL" --dtype bfloat16 \
        $mode --no-progress --out "$OUT/run-tp" \
        $([ "$ITEMS" != all ] && echo --limit-per-study "$ITEMS") >> "$OUT/tp.txt" 2>&1
    log "simbench run $mode: exit $?, $(( $(date +%s) - start )) s wall (engine start included)"
  done
fi
log "done; figures in $OUT"
