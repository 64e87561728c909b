#!/usr/bin/env bash
# End to end on a real GGUF model: the same MATH-500 run on boxed's own CPU engine and through
# llama.cpp's llama-server (`--backend openai --raw-prompt`, so both engines get the prompt boxed
# renders from the model's own chat template), then `boxed compare` of the two reports. The two
# engines sample differently (their own random streams), so the reports can only agree within
# their intervals — which is what compare's gate tests.
#
#   tools/llama_cpp/e2e_math500.sh [LIMIT] [SAMPLES] [MAX_TOKENS]      (defaults 30 4 1024)
#
# Writes OUT/cpu and OUT/llama-server (run directories), OUT/compare.txt and OUT/summary.md.
# Environment: LLAMA_BIN (default ~/.cache/boxed-llama.cpp/build/bin), MODEL (default the
# Qwen2.5-Coder-0.5B-Instruct Q4_K_M GGUF of ../shared/models/fetch.sh), BOXED (default
# build/bin/boxed), OUT (default /tmp/boxed-e2e), PORT (default 18432), THREADS (default 2), and
# SLOTS (llama-server's parallel sequences and boxed's requests in flight, default 16), and PHASE
# (both | cpu | server, default both: run one side alone to spread the work out).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
limit="${1:-30}"
samples="${2:-4}"
max_tokens="${3:-1024}"
llama_bin="${LLAMA_BIN:-$HOME/.cache/boxed-llama.cpp/build/bin}"
model="${MODEL:-$HOME/.cache/boxed-models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf}"
boxed="${BOXED:-$root/build/bin/boxed}"
out="${OUT:-/tmp/boxed-e2e}"
port="${PORT:-18432}"
threads="${THREADS:-2}"
slots="${SLOTS:-16}"
phase="${PHASE:-both}"
mkdir -p "$out"

common=(--task math500 --limit "$limit" --samples "$samples" --max-tokens "$max_tokens" --seed 0
        --progress-interval 60)

if [ "$phase" = both ] || [ "$phase" = cpu ]; then
  start=$(date +%s)
  "$boxed" run --backend cpu --model "$model" --threads "$threads" "${common[@]}" --out "$out/cpu"
  echo "cpu: $(( $(date +%s) - start )) s wall" | tee "$out/cpu.time"
fi

if [ "$phase" = both ] || [ "$phase" = server ]; then
  [ -x "$llama_bin/llama-server" ] || { echo "e2e_math500.sh: no $llama_bin/llama-server (tools/llama_cpp/build.sh)" >&2; exit 1; }
  # Each slot holds the prompt (~200 tokens) plus max_tokens.
  "$llama_bin/llama-server" -m "$model" --host 127.0.0.1 --port "$port" -t "$threads" -np "$slots" \
    -c $((slots * (max_tokens + 512))) >"$out/server.log" 2>&1 &
  server=$!
  # SIGTERM, then SIGKILL if the server has not gone 10 s later (one run's server lingered).
  stop_server() {
    kill "$server" 2>/dev/null || return 0
    for _ in $(seq 1 10); do kill -0 "$server" 2>/dev/null || return 0; sleep 1; done
    kill -9 "$server" 2>/dev/null || true
  }
  trap stop_server EXIT
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 1
  done
  curl -sf "http://127.0.0.1:$port/health" >/dev/null || { echo "e2e_math500.sh: llama-server did not start ($out/server.log)" >&2; exit 1; }
  start=$(date +%s)
  "$boxed" run --backend openai --endpoint "http://127.0.0.1:$port" --raw-prompt --model "$model" \
    --concurrency "$slots" "${common[@]}" --out "$out/llama-server"
  echo "llama-server: $(( $(date +%s) - start )) s wall" | tee "$out/llama-server.time"
  stop_server
fi

if [ -d "$out/cpu" ] && [ -d "$out/llama-server" ]; then
  set +e
  "$boxed" compare "$out/llama-server" "$out/cpu" | tee "$out/compare.txt"
  code=${PIPESTATUS[0]}
  set -e
  echo "boxed compare exit code: $code" | tee -a "$out/compare.txt"
fi
