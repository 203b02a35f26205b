#!/usr/bin/env bash
# build.sh - builds the C engine twice: natively with gcc (build/native: library + ctest suites)
# and with Emscripten (build/wasm: ctest suites under node, plus dist/wasmtricks.wasm), and the
# relaxed-SIMD module (build/wasm-relaxed: the same sources and ctest suites with FMA kernels,
# plus dist/wasmtricks-relaxed.wasm).
# Usage: scripts/build.sh [native|wasm|relaxed|all]   (default all; wasm builds both modules).
# CI=true turns on -Werror.
# Not here: installing tools (scripts/setup.sh) or running tests (npm test).
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
jobs=${WT_JOBS:-2}
# Warnings are errors in CI; set explicitly either way, since CMake caches the last value.
cmake_flags=(-DCMAKE_BUILD_TYPE=Release -DWT_WERROR="$([[ "${CI:-}" == "true" ]] && echo ON || echo OFF)")

build_native() {
  cmake -S . -B build/native "${cmake_flags[@]}" >/dev/null
  cmake --build build/native -j "$jobs"
}

build_wasm() {
  # Debian's emscripten needs its JS optimiser's modules; Node 20 rejects the default ctest
  # emulator flag (--experimental-wasm-threads), so the emulator is plain node.
  export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
  emcmake cmake -S . -B build/wasm "${cmake_flags[@]}" \
    -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
  cmake --build build/wasm -j "$jobs"
  test -f dist/wasmtricks.wasm
}

build_relaxed() {
  # Emscripten 3.1.6 with Debian's clang-19 as its compiler (clang 14 has no relaxed SIMD);
  # the links stay on its LLVM 14 wasm-ld, and CMake's WT_RELAXED keeps binaryen out of them.
  # The sanity check is skipped: it would compare clang versions against Emscripten's cache.
  export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
  export EM_CLANG_ADD_VERSION=19 EMCC_SKIP_SANITY_CHECK=1
  # Node 20 runs relaxed SIMD behind a flag (js/ sets it at run time; the test programs need it).
  emcmake cmake -S . -B build/wasm-relaxed "${cmake_flags[@]}" -DWT_RELAXED=ON \
    "-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--experimental-wasm-relaxed-simd" >/dev/null
  cmake --build build/wasm-relaxed -j "$jobs"
  test -f dist/wasmtricks-relaxed.wasm
}

case "$what" in
  native) build_native ;;
  wasm) build_wasm; build_relaxed ;;
  relaxed) build_relaxed ;;
  all) build_native; build_wasm; build_relaxed ;;
  *) echo "usage: $0 [native|wasm|relaxed|all]" >&2; exit 2 ;;
esac
