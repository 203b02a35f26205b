#!/usr/bin/env bash
# build.sh - builds the C engine twice: natively with gcc (build/native: library + ctest suites)
# and with Emscripten (build/wasm: ctest suites under node, plus dist/wasmtricks.wasm).
# Usage: scripts/build.sh [native|wasm|all]   (default all). CI=true turns on -Werror.
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

case "$what" in
  native) build_native ;;
  wasm) build_wasm ;;
  all) build_native; build_wasm ;;
  *) echo "usage: $0 [native|wasm|all]" >&2; exit 2 ;;
esac
