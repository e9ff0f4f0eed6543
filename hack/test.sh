#!/usr/bin/env bash
# The project's test command: unit and integration tests together, from a fresh machine.
# It installs and builds what the integration tests need (etcd, a kube-apiserver built once and cached),
# runs every test project, stops every control plane the tests started, and ends with the totals line
# "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

log_dir=.local/test-logs
mkdir -p "$log_dir"

# Control planes the test processes started are stopped by the tests themselves; this also catches the
# ones left by a test process that crashed or was killed.
stop_test_control_planes() {
  for dir in .local/test-*/; do
    [ -d "$dir" ] || continue
    [ "$dir" = "$log_dir/" ] && continue
    CONTROL_PLANE_DIR="${dir%/}" bash hack/control-plane.sh down >/dev/null 2>&1 || true
  done
}
trap stop_test_control_planes EXIT

echo "== preparing the control plane (installs packages and builds the Kubernetes binaries on first use)"
bash hack/control-plane.sh build
# promtool (from Debian's prometheus package, extracted, never run as a server) for the metrics lint tests.
bash hack/promtool.sh --path >/dev/null

echo "== building"
dotnet build Webhooks.sln -c Release -warnaserror -nologo -v quiet

# The controller ships as a native-AOT executable (Dockerfile.controller). Every test that runs the controller as a
# process (leader election, metrics, notifications, tracing, tenancy, RBAC, the end-to-end tests on the real node,
# the publish test) starts this one; in-process tests exercise the same code on the JIT. Its own build tree, so the
# repository's build output is not touched.
echo "== publishing the controller as native AOT (a few minutes)"
aot_dir=.local/controller-aot
rm -rf "$aot_dir"
bash hack/publish-controller.sh "$aot_dir/app" --artifacts-path "$aot_dir/artifacts" -v quiet >"$log_dir/controller-aot-publish.log" 2>&1 \
  || { cat "$log_dir/controller-aot-publish.log" >&2; echo "the native-AOT publish of the controller failed" >&2; echo "0 passed, 1 failed"; exit 1; }
export TASKRUN_CONTROLLER_PROGRAM=$PWD/$aot_dir/app/TaskRun.Controller

echo "== testing"
set +e
# One test project at a time (-m:1): the integration tests start API servers and processes, and some assert
# failover times; on two cores, projects competing for CPU would only make those figures noisy.
dotnet test Webhooks.sln -c Release --no-build --nologo -m:1 \
  --results-directory "$log_dir" 2>&1 | tee "$log_dir/dotnet-test.log"
status=${PIPESTATUS[0]}
set -e

# dotnet test prints one summary line per test assembly, e.g.
# "Passed!  - Failed:     0, Passed:    57, Skipped:     0, Total:    57, Duration: 2 s - X.dll (net10.0)"
totals=$( (grep -E '^(Passed|Failed)! +- Failed: ' "$log_dir/dotnet-test.log" || true) | awk -F'[:,]' '
  { failed += $2; passed += $4; skipped += $6; assemblies++ }
  END { printf "%d passed, %d failed, %d skipped %d\n", passed, failed, skipped, assemblies }')
read -r passed _ failed _ skipped _ assemblies <<<"$totals"
expected=$(find tests -name '*.Tests.csproj' | wc -l)
if [ "$assemblies" -ne "$expected" ]; then
  echo "only $assemblies of $expected test assemblies reported results (a test host crashed?)" >&2
  status=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
