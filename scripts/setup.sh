#!/usr/bin/env bash
# Installs every Debian 12 package rodo needs to build, test and benchmark.
# Idempotent: installs only what is missing. Works as root; uses sudo otherwise.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libarchive-dev libre2-dev libtbb-dev libzstd-dev libsqlite3-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  libarchive-tools zstd gzip bzip2 xz-utils lz4 ripgrep python3 time
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
