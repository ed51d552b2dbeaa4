#!/usr/bin/env bash
# Op-level engine benchmark (issue 4): conv2d/matmul GFLOP/s through Diffusion.Torch next to PyTorch on
# the same libtorch, plus attention (ours fused / ours math / diffusers math / diffusers sliced).
#   scripts/bench-torch.sh                          # full SD 1.5 shapes; JSON in artifacts/bench-torch/
#   scripts/bench-torch.sh --quick                  # tiny shapes: proves both sides run (seconds)
#   scripts/bench-torch.sh --iters 20 --threads 1   # any Diffusion.Torch.Benchmarks option
# Not a test (./test.sh does not run it). Installs python3-torch (the yardstick) with apt if missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "bench-torch: installing python3-torch (the PyTorch yardstick)..." >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq python3-torch >&2
fi
bash "$root/scripts/deps/10-apt.sh" >&2

out="$root/artifacts/bench-torch"
dotnet build "$root/tests/Diffusion.Torch.Benchmarks/Diffusion.Torch.Benchmarks.csproj" -c Release -nologo -v q -clp:ErrorsOnly -o "$out/bin" >&2
has_json=0
for a in "$@"; do [ "$a" = "--json" ] && has_json=1; done
extra=()
[ "$has_json" = 0 ] && extra=(--json "$out/ops-$(date -u +%Y%m%dT%H%M%SZ).json")
echo "bench-torch: load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews both sides)" >&2
dotnet "$out/bin/Diffusion.Torch.Benchmarks.dll" "$@" "${extra[@]}"
