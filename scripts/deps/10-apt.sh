#!/usr/bin/env bash
# System packages the build and the tests need, installed only when missing (idempotent).
#   libtorch-dev          CPU libtorch 1.13 (ATen headers + libs) for the native shim
#   libopenblas0-pthread  without it Debian's libtorch multiplies with the reference BLAS (~40x slower)
#   cmake g++             build the shim
#   python3-grpcio        a real gRPC peer for the transport's interop tests
#   python3-pil python3-numpy  an independent PNG encoder/decoder for the codec's tests
set -euo pipefail
pkgs=(libtorch-dev libopenblas0-pthread cmake g++ python3-grpcio python3-pil python3-numpy nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The machine's own node/npm (not from apt) count as present.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -ra missing <<<"${missing[*]}"
if ((${#missing[@]})); then
  echo "[deps] installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "[deps] system packages present"
fi
