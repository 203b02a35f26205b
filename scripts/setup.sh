#!/usr/bin/env bash
# setup.sh - makes this machine ready to build and test wasmtricks; idempotent and silent when
# everything is already there. On Debian 12 as root it installs what is missing with apt-get
# (apt-get update first, only then); otherwise it prints what to install and exits nonzero.
# Then it runs `npm ci` when node_modules is missing or older than package-lock.json.
# Not here: building (scripts/build.sh) or running anything.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> a file that proves it is installed.
declare -A need=(
  [emscripten]=/usr/bin/emcc
  # the relaxed-SIMD module (dist/wasmtricks-relaxed.wasm): emcc compiles it with clang 19
  # (Emscripten's clang 14 has no relaxed SIMD); the link stays on Emscripten's wasm-ld
  [clang-19]=/usr/bin/clang-19
  [cmake]=/usr/bin/cmake
  [gcc]=/usr/bin/gcc
  [make]=/usr/bin/make
  [libstb-dev]=/usr/include/stb/stb_image.h
  [dataset-fashion-mnist]=/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz
  [chromium]=/usr/bin/chromium
  # fuzzing (scripts/fuzz.sh: clang 14 + libFuzzer) and the leak check (scripts/sanitize.sh)
  [clang]=/usr/bin/clang
  [libclang-rt-14-dev]=/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
  [valgrind]=/usr/bin/valgrind
  # goldens (scripts/gen_*.py) and the export-pytorch tests (tests/js/export.test.mjs, torchrun)
  [python3-torch]=/usr/lib/python3/dist-packages/torch/distributed/run.py
  [python3-torchvision]=/usr/lib/python3/dist-packages/torchvision/__init__.py
)
# The browser tests need chromium; WT_SKIP_BROWSER=1 leaves it out (never in CI).
if [[ "${WT_SKIP_BROWSER:-}" == "1" && "${CI:-}" != "true" ]]; then
  unset 'need[chromium]'
fi

missing=()
for pkg in "${!need[@]}"; do
  [[ -e "${need[$pkg]}" ]] || missing+=("$pkg")
done

if ((${#missing[@]})); then
  IFS=$'\n' missing=($(sort <<<"${missing[*]}")); unset IFS
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages; install them as root with:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null; then
    echo "setup: missing ${missing[*]}, and this is not a Debian-like system (no apt-get)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  echo "setup: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm dependencies: install when node_modules is missing or older than the lock file.
stamp=node_modules/.package-lock.json
if [[ ! -d node_modules || ! -e "$stamp" || package.json -nt "$stamp" ||
      ( -e package-lock.json && package-lock.json -nt "$stamp" ) ]]; then
  if [[ -e package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
  else
    npm install --no-audit --no-fund --loglevel=error >/dev/null
  fi
fi
