#!/usr/bin/env bash
# Publishes the controller as it ships: one native-AOT executable, TaskRun.Controller, in <output-dir>.
# Dockerfile.controller runs this script, and hack/test.sh runs it once before the tests, which then start this
# executable wherever they run the controller as a process (TASKRUN_CONTROLLER_PROGRAM): what is tested is what
# ships. Installs clang and zlib's headers first when they are missing (hack/aot-toolchain.sh).
#
# Usage: hack/publish-controller.sh <output-dir> [more dotnet publish arguments, e.g. --no-restore]
# Environment: RID (default linux-x64; linux-arm64 on an arm64 host).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

output=${1:?usage: hack/publish-controller.sh <output-dir> [dotnet publish arguments]}
shift
bash hack/aot-toolchain.sh
dotnet publish src/TaskRun.Controller/TaskRun.Controller.csproj -c Release -r "${RID:-linux-x64}" -p:PublishAot=true \
  -nologo -o "$output" "$@"
# The native symbols (TaskRun.Controller.dbg, about 190 MB) are not shipped.
rm -f "$output"/*.dbg "$output"/*.pdb
