#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz for a given time each and keeps what they find.
#
#   scripts/fuzz.sh TARGET|all SECONDS      e.g. scripts/fuzz.sh answer 600
#
# Builds build-fuzz (CMake preset `fuzz`: clang 14, ASan + UBSan, BOXED_FUZZ=ON; installs clang-14
# and libclang-rt-14-dev when missing), then runs each target under `nice -n 10` on a working
# corpus in build-fuzz/corpus/TARGET, started from the committed seeds and regression inputs
# (tests/data/fuzz/TARGET/). Crashes, timeouts, leaks and out-of-memory inputs are copied to
# tests/data/fuzz/TARGET/regressions/, which the ordinary test suite replays (tests/fuzz/replay.h);
# commit them with the fix. The final statistics of each run (executions, coverage) are printed
# and kept in build-fuzz/logs/TARGET.log.
# Environment: FUZZ_SKIP_BUILD=1 (run the binaries as built), JOBS (targets run at once for `all`, default 1), FUZZ_TIMEOUT_S (per input,
# default 10: an input slower than that is a hang), FUZZ_RSS_MB (default 2048).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
targets_all=(answer chat_template completion_log dataset gguf model_config openai safetensors tokenizer)
target="${1:-}"
seconds="${2:-}"
if [ -z "$target" ] || [ -z "$seconds" ]; then
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS   (targets: ${targets_all[*]})" >&2
  exit 2
fi
if [ "$target" = all ]; then targets=("${targets_all[@]}"); else targets=("$target"); fi

# clang and its runtime (libFuzzer, sanitizers) are Debian packages.
packages=(clang-14 libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cd "$root"
build="$root/build-fuzz"
[ -f "$build/CMakeCache.txt" ] || cmake --preset fuzz >/dev/null
if [ -z "${FUZZ_SKIP_BUILD:-}" ]; then
  cmake --build "$build" -j "${BUILD_JOBS:-2}" $(for t in "${targets[@]}"; do echo --target "fuzz_$t"; done)
fi

dict_for() {  # the dictionary of a target (libFuzzer takes one -dict)
  case "$1" in
    answer) echo "$root/tests/fuzz/dict/latex.dict" ;;
    gguf) echo "" ;;
    openai) cat "$root/tests/fuzz/dict/json.dict" "$root/tests/fuzz/dict/sse.dict" > "$build/openai.dict"
            echo "$build/openai.dict" ;;
    *) echo "$root/tests/fuzz/dict/json.dict" ;;
  esac
}

run_one() {
  local t="$1" kept="$root/tests/data/fuzz/$1"
  local corpus="$build/corpus/$t" artifacts="$build/artifacts/$t" log="$build/logs/$t.log"
  mkdir -p "$corpus" "$artifacts" "$build/logs" "$kept/regressions"
  local dict; dict="$(dict_for "$t")"
  # The scratch files of the bodies (tests/fuzz/fuzz_support.h) go to memory when it can.
  local tmp="${TMPDIR:-/tmp}"
  [ -d /dev/shm ] && tmp=/dev/shm
  # -fork would keep going past a crash; one crash per run is kept instead, fixed, and rerun.
  local started; started="$(date +%s)"
  set +e
  TMPDIR="$tmp" nice -n 10 "$build/tests/fuzz/fuzz_$t" "$corpus" "$kept" \
    ${dict:+-dict="$dict"} -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT_S:-10}" \
    -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" >"$log" 2>&1
  local rc=$?
  set -e
  local elapsed=$(( $(date +%s) - started ))
  local found=0
  for f in "$artifacts"/crash-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/leak-*; do
    [ -e "$f" ] || continue
    [ -e "$kept/regressions/$(basename "$f")" ] && continue
    # libFuzzer's timeout is wall-clock time: on a loaded machine a slow moment looks like a hang.
    # A timeout is kept only when the input alone, rerun now, still runs past three times the
    # limit (the first input also pays for one-time set-up, such as the tiny model).
    if [[ "$(basename "$f")" == timeout-* ]] &&
       TMPDIR="$tmp" timeout $((3 * ${FUZZ_TIMEOUT_S:-10})) "$build/tests/fuzz/fuzz_$t" "$f" >/dev/null 2>&1; then
      echo "fuzz $t: $(basename "$f") did not reproduce alone (machine load); not kept"
      continue
    fi
    cp "$f" "$kept/regressions/"
    echo "fuzz $t: kept $kept/regressions/$(basename "$f")"
    found=$((found + 1))
  done
  local execs cov
  execs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)"
  cov="$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')"
  echo "fuzz $t: ${elapsed}s of ${seconds}s, exit $rc, ${execs:-?} executions, ${cov:-cov: ?}, $found new inputs kept (log $log)"
}

export -f run_one dict_for
export root build seconds
printf '%s\n' "${targets[@]}" | xargs -P "${JOBS:-1}" -I{} bash -c 'run_one {}'
