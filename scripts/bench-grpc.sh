#!/usr/bin/env bash
# The transport benchmark: loopback latency of our gRPC client/server next to grpcio's, same run.
#   scripts/bench-grpc.sh [--iterations N] [--warmup N] [--rounds N] [--json FILE]
# Prints a table (median microseconds, ours/grpcio ratio); --json also writes every statistic.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
bash scripts/deps/30-grpc-interop.sh >&2
dotnet build tests/Diffusion.Grpc.Benchmarks -c Release -nologo -v q -clp:ErrorsOnly >&2
exec dotnet tests/Diffusion.Grpc.Benchmarks/bin/Release/net10.0/Diffusion.Grpc.Benchmarks.dll "$@"
