#!/usr/bin/env bash
# Runs every test of the project. Installs what the tests need first (idempotently):
# system packages, npm packages for the interop tests, the native libtorch shim.
# Usage: ./test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Grpc]
# Ends with the line `tests: N passed, N failed, N skipped`.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

for s in scripts/deps/*.sh; do bash "$s"; done

echo "[test] building Diffusion.sln (Release)"
dotnet build Diffusion.sln -c Release -nologo -clp:ErrorsOnly -warnaserror

results="TestResults/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"
projects=$(dotnet sln Diffusion.sln list | grep -c 'Tests\.csproj$' || true)
echo "[test] running $projects test projects"
set +e
dotnet test Diffusion.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@"
set -e
python3 scripts/test-summary.py "$results" "$projects"
