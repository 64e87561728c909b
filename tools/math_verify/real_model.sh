#!/usr/bin/env bash
# Real model responses graded by boxed and by Math-Verify, side by side.
#
# Generates MATH-500 responses with a real model served by llama.cpp's llama-server, driven by
# `boxed run --backend openai`, then compares the two graders on every response
# (tools/math_verify/real_model.py). Everything runs at low priority on 2 threads and the server
# listens on 127.0.0.1 only. For responses from boxed's own CPU engine as well, run
# tools/llama_cpp/e2e_math500.sh and pass both run directories to real_model.py (--run A --run B).
#
#   tools/math_verify/real_model.sh [LIMIT] [SAMPLES] [MAX_TOKENS]     (defaults 100 3 1024)
#
# Environment: LLAMA_BIN (default /root/.cache/boxed-llama.cpp/build/bin), MODEL (default the
# Qwen2.5-Coder-0.5B-Instruct Q4_K_M GGUF from ../shared/models/fetch.sh), MATH500 (default
# ../shared/datasets/math500/test.jsonl beside the repository), BOXED (default build/bin/boxed),
# OUT (default /tmp/boxed-real-model), PORT (default 18431).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
limit="${1:-100}"
samples="${2:-3}"
max_tokens="${3:-1024}"
llama_bin="${LLAMA_BIN:-/root/.cache/boxed-llama.cpp/build/bin}"
model="${MODEL:-/root/.cache/boxed-models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf}"
math500="${MATH500:-$root/../shared/datasets/math500/test.jsonl}"
boxed="${BOXED:-$root/build/bin/boxed}"
out="${OUT:-/tmp/boxed-real-model}"
port="${PORT:-18431}"

for f in "$llama_bin/llama-server" "$model" "$math500" "$boxed"; do
  [ -e "$f" ] || { echo "real_model.sh: missing $f" >&2; exit 1; }
done

# 4 slots share the context; each needs the prompt (~150 tokens) plus max_tokens.
nice -n 10 "$llama_bin/llama-server" -m "$model" --host 127.0.0.1 --port "$port" -t 2 -np 4 \
  -c $((4 * (max_tokens + 512))) --log-disable >"$out.server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 1
done
curl -sf "http://127.0.0.1:$port/health" >/dev/null || { echo "real_model.sh: server did not start" >&2; exit 1; }

nice -n 10 "$boxed" run --task math500 --dataset "$math500" --backend openai \
  --endpoint "http://127.0.0.1:$port" --samples "$samples" --limit "$limit" --max-tokens "$max_tokens" \
  --concurrency 4 --seed 0 --out "$out" --progress-interval 60

kill "$server" 2>/dev/null || true
python3 "$root/tools/math_verify/real_model.py" --run "$out" --math500 "$math500" --boxed "$boxed" \
  --model "$(basename "$model")"
