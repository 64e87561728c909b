#!/usr/bin/env bash
# The one entry point behind the README's two commands. On a fresh Debian machine it installs the
# missing apt packages, configures and builds boxed, then runs:
#   scripts/run.sh demo [boxed demo options]   the demo evaluation (tiny built-in model, CPU)
#   scripts/run.sh test [ctest options]        the whole test suite
#   scripts/run.sh build                       install + build only
#   scripts/run.sh install                     install the missing packages only
# Environment: BUILD_DIR (default build), BOXED_CUDA (AUTO|ON|OFF|EMULATE, default AUTO), JOBS,
# BOXED_SANITIZE (ON: AddressSanitizer + UndefinedBehaviorSanitizer; use another BUILD_DIR).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
jobs="${JOBS:-$(nproc)}"
mode="${1:-}"
[ $# -gt 0 ] && shift

packages=(build-essential cmake pkg-config git libfmt-dev nlohmann-json3-dev libre2-dev libtbb-dev
          libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libutf8proc-dev
          libcpp-httplib-dev)
# The test stage also needs a headless browser: the report.html test loads reports in Chromium.
test_packages=(chromium)

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "boxed: installing missing packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "boxed: these packages are missing and this user is not root and has no sudo:" >&2
      echo "  apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build [TARGET...]: configure, then build the targets named (default: everything). The demo needs
# only `boxed`, and building only it skips the tests and benchmarks (most of a cold build).
build() {
  # ccache, when installed, makes rebuilds and builds of other checkouts of the same sources cheap.
  local launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$root")}"
    # Lets ccache cache sources compiled with a precompiled header (BOXED_PCH; ccache manual,
    # "Precompiled headers").
    export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
  fi
  cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DBOXED_CUDA="${BOXED_CUDA:-AUTO}" \
    -DBOXED_SANITIZE="${BOXED_SANITIZE:-OFF}" \
    "${launcher[@]}" >/dev/null
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
}

# The real GGUF checkpoints the `model`-labelled tests use (never committed): fetched by the
# developers' shared script when it is beside the checkout (../shared/models/fetch.sh, which checks
# their SHA-256); without it, or without network, those tests skip with a message.
fetch_models() {
  local fetch="$root/../shared/models/fetch.sh"
  if [ ! -f "$fetch" ]; then
    echo "boxed: no ../shared/models/fetch.sh beside the checkout: the 'model' tests will skip"
    return 0
  fi
  bash "$fetch" "${BOXED_MODELS_DIR:-$HOME/.cache/boxed-models}" ||
    echo "boxed: fetching the real models failed: the 'model' tests will skip" >&2
}

case "$mode" in
  demo)
    install_packages
    build boxed
    exec "$build_dir/bin/boxed" demo "$@"
    ;;
  test)
    packages+=("${test_packages[@]}")
    install_packages
    fetch_models
    build
    cd "$build_dir"
    exec ctest --output-on-failure -j "$jobs" "$@"
    ;;
  build)
    install_packages
    build
    ;;
  install)
    install_packages
    ;;
  *)
    echo "usage: scripts/run.sh demo|test|build|install [args...]" >&2
    exit 2
    ;;
esac
