#!/usr/bin/env bash
# Runs the documented benchmark suite and writes its results to benchmarks/results/<machine>/.
#   scripts/bench.sh                 # the default suite (CPU, SD 1.5 random weights, fp32 and bf16)
#   scripts/bench.sh --quick         # tiny models: proves every command runs (seconds)
#   RESULTS=path scripts/bench.sh    # write somewhere else
# Benchmarks are not tests: this is not run by ./test.sh. It installs python3-torch (the PyTorch
# yardstick) with apt if missing, builds the bench host, then runs one heavy benchmark at a time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "bench: installing python3-torch (the PyTorch yardstick)..." >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq python3-torch >&2
fi
bash "$root/scripts/deps/10-apt.sh" >&2

out="$root/artifacts/bench"
dotnet build "$root/benchmarks/runner/Diffusion.Benchmarks.Runner.csproj" -c Release -nologo -v q -clp:ErrorsOnly -o "$out" >&2
bench() { dotnet "$out/diffusion-bench.dll" bench "$@"; }

machine="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //; s/[^A-Za-z0-9]\+/-/g; s/-$//')-$(nproc)c"
results="${RESULTS:-$root/benchmarks/results/$machine}"
mkdir -p "$results"
echo "bench: results in $results (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2

if [ "${1:-}" = "--quick" ]; then
  for kind in unet text-encoder vae-decode pipeline service concurrency; do
    bench "$kind" --random-weights tiny --iters 1 --warmup 0 --steps 2 --json "$results/quick-$kind.json"
  done
  bench check-yardstick
  exit 0
fi

# Same weights, same inputs: our UNet forward equals the yardstick's (both attention modes) within 1e-4.
bench check-yardstick
bench check-yardstick --architecture tiny21

# The issue-12 headline: SD 1.5 UNet forward, batch 2 (one image with CFG), 64x64 latents, fp32,
# side by side with diffusers' default and sliced attention on PyTorch (same threads).
bench unet --random-weights sd15 --batch 1 --size 512 --dtype f32 --iters 3 --warmup 1 \
  --json "$results/unet-sd15-f32.json" --svg "$results/unet-sd15-f32.svg"
bench unet --random-weights sd15 --batch 1 --size 512 --dtype bf16 --no-yardstick --iters 1 --warmup 1 \
  --json "$results/unet-sd15-bf16.json"
bench text-encoder --random-weights sd15 --batch 2 --iters 5 --json "$results/text-encoder-sd15.json"
bench vae-decode --random-weights sd15 --batch 1 --size 512 --iters 3 --json "$results/vae-decode-sd15.json"
# bf16 image vs fp32 image (PSNR), small enough to finish in minutes on 2 cores.
bench pipeline --random-weights sd15 --size 256 --steps 4 --iters 1 --warmup 0 --dtype bf16 --compare-f32 \
  --json "$results/pipeline-sd15-bf16.json"
# Gateway + 3 services on loopback vs the same generations in one process.
bench service --random-weights sd15 --size 256 --steps 4 --iters 2 --warmup 1 --json "$results/service-sd15.json"
# 8 concurrent requests with step-level batching vs one at a time.
bench concurrency --random-weights sd15 --size 128 --steps 4 --requests 8 --iters 1 --warmup 0 \
  --json "$results/concurrency-sd15.json"

bench summarize "$results"
