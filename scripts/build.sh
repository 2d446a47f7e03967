#!/usr/bin/env bash
# Installs what is missing, configures and builds. BUILD_DIR (default: build) and
# RODO_SANITIZE=1 (ASan+UBSan) choose the build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
SAN=${RODO_SANITIZE:-0}
if [ "$SAN" = 1 ]; then TYPE=RelWithDebInfo; SANOPT=ON; else TYPE=Release; SANOPT=OFF; fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$TYPE" -DRODO_SANITIZE="$SANOPT" >/dev/null
cmake --build "$BUILD_DIR" -j2
