#!/usr/bin/env bash
# Micro-benchmark of TaskRun.Core's admission work (default + validate) next to a KubeJson round trip.
# Usage: hack/bench-core.sh [seconds-per-case]   (default 2; prints a table, asserts nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run -c Release --project bench/TaskRun.Benchmarks -- "$@"
