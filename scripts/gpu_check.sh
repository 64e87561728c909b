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
#      steps of a random DeepSeek-R1-Distill-Qwen-1.5B-shaped model) -> one JSON file under
#      tests/bench/results/ with device, driver, date, commit and command in its context.
# Environment: BUILD_DIR (default build-gpu), BOXED_CUDA_ARCHITECTURES (default 90), JOBS,
# OUT (a directory that also receives the log and the JSON, e.g. the device tool's $OUT).
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
kernels="CudaTest.*:Shapes/*"
for tool in memcheck racecheck; do
  timeout 180 "$sanitizer" --tool "$tool" --error-exitcode 3 \
    "$build/tests/inference/cuda/cuda_device_test" --gtest_filter="$kernels" 2>&1 \
    | grep -E "ERROR SUMMARY|RACECHECK SUMMARY|FAILED|Invalid|Race" | head -20 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "$tool reported errors" | tee -a "$log"; status=1; }
done

step "benchmark"
device="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr ' ' '_')"
driver="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1)"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
json="$out/cuda_bench_${device}_${stamp}.json"
timeout 300 "$build/bin/cuda_bench" --benchmark_out="$json" --benchmark_out_format=json \
  --benchmark_context=device="$device" --benchmark_context=driver="$driver" \
  --benchmark_context=commit="$commit" --benchmark_context=date="$stamp" \
  --benchmark_context=command="bash scripts/gpu_check.sh (build/bin/cuda_bench)" 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
[ "$out" != "$root/tests/bench/results" ] && cp "$json" "$root/tests/bench/results/" 2>/dev/null

step "done (status $status); result: $json"
exit "$status"
