#!/usr/bin/env bash
# The real gRPC peers of the transport's interop tests (tests/Diffusion.Grpc.InteropTests), installed
# only when missing (idempotent):
#   python3-grpcio python3-protobuf   grpcio server/client; Debian ships no grpc_tools, so the peer builds
#                                     its messages from a descriptor set (python3-protobuf)
#   @grpc/grpc-js @grpc/proto-loader  grpc-js server/client, from package-lock.json into the git-ignored
#                                     tests/Diffusion.Grpc.InteropTests/peers/node_modules
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
for p in python3-grpcio python3-protobuf; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "[deps] installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

peers=tests/Diffusion.Grpc.InteropTests/peers
stamp="$peers/node_modules/.installed-lock"
# Reinstall when package-lock.json changed since the last install.
if [ -f "$stamp" ] && cmp -s "$stamp" "$peers/package-lock.json" \
   && [ -d "$peers/node_modules/@grpc/grpc-js" ] && [ -d "$peers/node_modules/@grpc/proto-loader" ]; then
  echo "[deps] grpc-js interop peer present"
else
  echo "[deps] installing @grpc/grpc-js and @grpc/proto-loader into $peers/node_modules"
  (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$peers/package-lock.json" "$stamp"
fi
