#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (what CI runs).
# RODO_SANITIZE=1 runs it in an ASan+UBSan build (build-asan/) instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${RODO_SANITIZE:-0}" = 1 ]; then export BUILD_DIR=${BUILD_DIR:-build-asan}; fi
BUILD_DIR=${BUILD_DIR:-build}
export BUILD_DIR
./scripts/build.sh
cd "$BUILD_DIR"
ctest -j2 --output-on-failure --label-exclude fuzz "$@"
