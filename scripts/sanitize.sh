#!/usr/bin/env bash
# sanitize.sh - the native test suite under the sanitizers: builds every ctest program with gcc,
# ASan + UBSan (-DWT_SANITIZE=ON: -fno-sanitize-recover=all, so undefined behaviour fails the
# test; LeakSanitizer on) in build/asan and runs ctest there; then runs a few test programs of
# the plain native build (build/native, built by scripts/build.sh) under valgrind's leak check.
# Usage: scripts/sanitize.sh [asan|valgrind|all]   (default all). CI=true turns on -Werror.
# Not here: fuzzing (scripts/fuzz.sh) or installing valgrind (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-all}
jobs=${WT_JOBS:-2}
# The programs valgrind runs: the parsers over every seed and regression, models and data.
valgrind_tests=(test_fuzz_corpus test_data test_core)

run_asan() {
  # -O2 -g without -DNDEBUG: internal asserts stay on.
  cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g" \
    -DWT_SANITIZE=ON \
    -DWT_WERROR="$([[ "${CI:-}" == "true" ]] && echo ON || echo OFF)" >/dev/null
  cmake --build build/asan -j "$jobs" >/dev/null
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1 \
  UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build/asan --output-on-failure -j "$jobs"
}

run_valgrind() {
  if ! command -v valgrind >/dev/null; then
    echo "sanitize: valgrind is not installed (scripts/setup.sh installs it); leak check skipped" >&2
    return 0
  fi
  [[ -d build/native ]] || bash scripts/build.sh native
  cmake --build build/native -j "$jobs" --target "${valgrind_tests[@]}" >/dev/null
  for t in "${valgrind_tests[@]}"; do
    echo "valgrind: $t"
    valgrind --quiet --leak-check=full --error-exitcode=1 "build/native/$t" >/dev/null
  done
}

case "$what" in
  asan) run_asan ;;
  valgrind) run_valgrind ;;
  all) run_asan; run_valgrind ;;
  *) echo "usage: $0 [asan|valgrind|all]" >&2; exit 2 ;;
esac
