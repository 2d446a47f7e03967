#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for SECONDS (default 60)
# from the committed seeds: ctest's "fuzz" label.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
SECONDS_PER=${1:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRODO_FUZZ=ON \
  -DRODO_BUILD_TESTS=OFF -DRODO_BUILD_BENCH=OFF -DRODO_FUZZ_SECONDS="$SECONDS_PER" >/dev/null
cmake --build build-fuzz -j2 --target detectors_fuzzer stream_fuzzer walker_fuzzer
cd build-fuzz && ctest -L fuzz --output-on-failure
