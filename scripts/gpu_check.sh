#!/usr/bin/env bash
# Everything only a real GPU can show, in one run designed for < 8 minutes on an H200 from a cold
# machine (a 15-minute device window leaves time to rerun once). Run it first whenever a GPU is
# available:
#   bash scripts/gpu_check.sh            # from the repository root
# Steps (each timed in the log):
#   1. configure + build for sm_90 (BOXED_CUDA=ON) only the targets needed
#   2. ctest -L cuda: kernel parity on the device (cuda_device_test) and on the emulation
#      (cuda_emu_test), the whole forward against the CPU backend
#   3. compute-sanitizer memcheck and racecheck on the kernel parity tests
#   4. build/bin/cuda_bench (bandwidth by device-to-device copy, decode attention 1k-32k, decode
#      steps of a random DeepSeek-R1-Distill-Qwen-1.5B-shaped model)
#   5. `boxed bench --backend cuda` on a random DeepSeek-R1-Distill-Qwen-1.5B-shaped model
#      (`boxed make-tiny-model --shape r1-distill-qwen-1.5b`, bf16) at 1 and 64 samples per
#      prompt, on the same model quantized to GGUF Q4_K_M by `boxed quantize` (weights kept in
#      blocks on the device), and on the real Qwen2.5-Coder-0.5B Q4_K_M GGUF when
#      $BOXED_MODELS_DIR has it (the device machine cannot download it)
#   -> one JSON file under tests/bench/results/: device, driver, date, commit, command, the
#      cuda_bench figures and every `boxed bench` line.
# Environment: BUILD_DIR (default build-gpu), BOXED_CUDA_ARCHITECTURES (default 90), JOBS,
# BUDGET_S (default 450: after that many seconds the remaining `boxed bench` cases are skipped),
# OUT (a directory that also receives the log and the JSON, e.g. the device tool's $OUT),
# BOXED_MODELS_DIR (default ~/.cache/boxed-models), SCRATCH (default /tmp/boxed-gpu-check: the
# 3.5 GB random model and its 1 GB GGUF).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${BUILD_DIR:-$root/build-gpu}"
arch="${BOXED_CUDA_ARCHITECTURES:-90}"
jobs="${JOBS:-$(nproc)}"
out="${OUT:-$root/tests/bench/results}"
mkdir -p "$out"
log="$out/gpu_check.log"
status=0
t0=$(date +%s)
step() { echo "== [$(( $(date +%s) - t0 ))s] $*" | tee -a "$log"; }
# The device window is short: the later, optional measurements are skipped (and said so) once
# the run has used BUDGET_S seconds, so that the script still ends well inside the lease.
budget="${BUDGET_S:-450}"
over_budget() { [ $(( $(date +%s) - t0 )) -gt "$budget" ]; }

step "device"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$log"

step "install missing packages, configure (sm_${arch})"
bash scripts/run.sh install >>"$log" 2>&1 || { echo "package install failed" | tee -a "$log"; exit 1; }
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBOXED_CUDA=ON \
  -DBOXED_CUDA_ARCHITECTURES="$arch" "${launcher[@]}" >>"$log" 2>&1 || { tail -30 "$log"; exit 1; }

step "build"
cmake --build "$build" -j "$jobs" --target boxed cuda_device_test cuda_emu_test cuda_bench \
  >>"$log" 2>&1 || { grep -E "error|warning" "$log" | head -40; exit 1; }
grep -E "warning" "$log" | grep -v "^--" | head -20

step "ctest -L cuda"
ctest --test-dir "$build" -L cuda --output-on-failure --timeout 300 -j 4 2>&1 | tail -40 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

step "compute-sanitizer (kernel parity tests)"
sanitizer="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
kernels="CudaTest.*:Shapes/*:BlockTypes/*"
for tool in memcheck racecheck; do
  timeout 180 "$sanitizer" --tool "$tool" --error-exitcode 3 \
    "$build/tests/inference/cuda/cuda_device_test" --gtest_filter="$kernels" 2>&1 \
    | grep -E "ERROR SUMMARY|RACECHECK SUMMARY|FAILED|Invalid|Race" | head -20 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "$tool reported errors" | tee -a "$log"; status=1; }
done

step "benchmark (cuda_bench)"
device="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr ' ' '_')"
driver="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1)"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
kernel_json="$out/cuda_bench_raw.json"
timeout 240 "$build/bin/cuda_bench" --benchmark_out="$kernel_json" --benchmark_out_format=json \
  --benchmark_context=device="$device" --benchmark_context=driver="$driver" \
  --benchmark_context=commit="$commit" --benchmark_context=date="$stamp" \
  --benchmark_context=command="bash scripts/gpu_check.sh (build/bin/cuda_bench)" 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

step "boxed bench --backend cuda"
scratch="${SCRATCH:-/tmp/boxed-gpu-check}"
models="${BOXED_MODELS_DIR:-$HOME/.cache/boxed-models}"
mkdir -p "$scratch"
bench_lines="$scratch/boxed_bench.jsonl"
: >"$bench_lines"
boxed="$build/bin/boxed"
bench() {  # bench LABEL MODEL ARGS...: one JSON line with the label, also echoed to the log
  local label="$1" model="$2"
  shift 2
  if over_budget; then echo "skipped $label: past the ${budget}s budget" | tee -a "$log"; return; fi
  local line
  line="$(timeout 120 "$boxed" bench --backend cuda --model "$model" --json "$@" 2>>"$log")" ||
    { echo "boxed bench $label failed" | tee -a "$log"; status=1; return; }
  echo "{\"label\": \"$label\", \"args\": \"$*\", \"result\": $line}" | tee -a "$log" >>"$bench_lines"
}
r1="$scratch/r1-distill-qwen-1.5b-random"
if [ ! -f "$r1/model.safetensors" ] && ! over_budget; then
  timeout 120 "$boxed" make-tiny-model "$r1" --shape r1-distill-qwen-1.5b >>"$log" 2>&1 || status=1
fi
bench r1-1.5b-bf16-batch1 "$r1" --prompts 2 --samples 1 --max-tokens 64 --prompt-tokens 512
bench r1-1.5b-bf16-batch64 "$r1" --prompts 2 --samples 64 --max-tokens 64 --prompt-tokens 512
bench r1-1.5b-bf16-batch256-8k "$r1" --prompts 1 --samples 256 --max-tokens 16 --prompt-tokens 8192
q4="$scratch/r1-distill-qwen-1.5b-random-q4_k_m.gguf"
if [ ! -f "$q4" ] && ! over_budget; then
  timeout 150 "$boxed" quantize "$r1" "$q4" --type q4_k_m >>"$log" 2>&1 || status=1
fi
bench r1-1.5b-q4_k_m-batch1 "$q4" --prompts 2 --samples 1 --max-tokens 64 --prompt-tokens 512
bench r1-1.5b-q4_k_m-batch64 "$q4" --prompts 2 --samples 64 --max-tokens 64 --prompt-tokens 512
real="$models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
if [ -f "$real" ]; then
  bench qwen2.5-coder-0.5b-q4_k_m-batch1 "$real" --prompts 2 --samples 1 --max-tokens 64 --prompt-tokens 512
  bench qwen2.5-coder-0.5b-q4_k_m-batch64 "$real" --prompts 2 --samples 64 --max-tokens 64 --prompt-tokens 512
else
  echo "no $real on this machine: the real GGUF is not benchmarked" | tee -a "$log"
fi

step "result file"
json="$out/gpu_check_${device}_${stamp}.json"
{
  echo "{\"device\": \"$device\", \"driver\": \"$driver\", \"date\": \"$stamp\", \"commit\": \"$commit\","
  echo " \"command\": \"bash scripts/gpu_check.sh\", \"status\": $status,"
  echo " \"boxed_bench\": ["
  sed '$!s/$/,/' "$bench_lines"
  echo " ],"
  echo " \"cuda_bench\": $(cat "$kernel_json" 2>/dev/null || echo null)"
  echo "}"
} >"$json"
[ "$out" != "$root/tests/bench/results" ] && cp "$json" "$root/tests/bench/results/" 2>/dev/null

step "done (status $status); result: $json"
exit "$status"
