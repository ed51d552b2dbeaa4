#!/usr/bin/env bash
# tests/Diffusion.Deployment.Tests reads the compose file and the Kubernetes manifests as YAML
# through Debian's python3-yaml (/usr/bin/python3). Installed only when missing (idempotent).
set -euo pipefail
if dpkg-query -W -f='${Status}' python3-yaml 2>/dev/null | grep -q "install ok installed"; then
  echo "[deps] python3-yaml present"
  exit 0
fi
echo "[deps] installing: python3-yaml"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends python3-yaml >/dev/null
