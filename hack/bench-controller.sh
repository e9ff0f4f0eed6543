#!/usr/bin/env bash
# The controller scale benchmark of issue 6, in one command. Reports; asserts nothing.
#
# Starts its own control plane (CONTROL_PLANE_DIR=.local/bench-cp, removed again on exit), applies the CRD,
# builds Release, publishes the controller as it ships (native AOT, hack/publish-controller.sh: a few minutes more)
# and runs bench/TaskRun.ControllerBench, which
#   1. measures the ceiling: a plain client making the controller's first-reconcile writes for N TaskRuns;
#   2. starts the real controller (that executable, a separate process) and creates N TaskRuns at once, for each
#      --workers value, timing create → Running (and a cold start: TaskRuns first, controller second);
#   3. reads the controller's resident memory idle and with --memory-total TaskRuns in its cache.
# The ceiling client and each controller first process --warmup TaskRuns untimed (JIT tiering done), so both
# are measured warm. Besides wall-clock rates it reports CPU per TaskRun and the CPU-bound rate, which does not
# move with other load on a shared machine. About 12 minutes on 2 cores with the defaults (the 10,000
# TaskRuns of the memory phase dominate).
#
# With --scheduling-limit N it runs only the scheduling benchmark (issue 16) instead: --count TaskRuns of mixed
# priority created at once under scheduling.maxActiveRuns N, each Job completed by the benchmark after
# --run-seconds (default 15-30); it reports the most runs ever active at once (from a watch of the Jobs) and the
# admission latency after a slot frees (p50/p99). About 5 minutes for 1,000 TaskRuns under 100.
#
# With --system it runs only the system benchmark (issue 14) instead: the webhook is started and registered (TLS,
# admission and conversion, as hack/local-up.sh runs it), then, in the same run on the same plane, the ceiling (a
# plain client creates --count v2 TaskRuns of 3 × 3.3 KB at concurrency 16 through the webhook, then makes the four
# writes every first run needs: finalizer, ConfigMap, Job, status) and the system (the controller running, the same
# creates; timed until all are Running). It prints the ratio ceiling / system (target ≥ 80 %), p50/p99 create →
# Running, the controller's writes per first run, CPU per TaskRun and the controller's peak RSS; with
# --memory-total 10000 also its RSS with 10,000 TaskRuns cached. About 3 minutes for 1,000 (15 more for 10,000).
# --controller-env passes environment to the controller only (e.g. GC settings, to compare them);
# BENCH_CONTROLLER_DLL runs another build of the controller instead of publishing one (e.g. a baseline's, or the JIT
# build src/TaskRun.Controller/bin/Release/net10.0/TaskRun.Controller.dll) against the same plane and webhook; so does
# a dll= variant of --memory-variants.
#
# Usage: hack/bench-controller.sh [--workers 4,8,16] [--count 1000] [--memory-total 10000] [other bench options]
#        hack/bench-controller.sh --scheduling-limit 100 --count 1000
#        hack/bench-controller.sh --system [--count 1000] [--memory-total 10000] [--controller-env DOTNET_GCgen0size=...]
#        hack/bench-controller.sh --help      (all options)
# Logs: .local/bench-logs/ (controller logs, control-plane logs copied there on exit, bench output).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for arg in "$@"; do
  if [[ $arg == --help || $arg == -h ]]; then
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
    dotnet build bench/TaskRun.ControllerBench -c Release -nologo -v quiet >/dev/null
    dotnet bench/TaskRun.ControllerBench/bin/Release/net10.0/TaskRun.ControllerBench.dll --help
    exit 0
  fi
done

export CONTROL_PLANE_DIR=.local/bench-cp
log_dir=.local/bench-logs
mkdir -p "$log_dir"
pid_file=$log_dir/controller.pids
: >"$pid_file"

system=0
for arg in "$@"; do
  [[ $arg == --system ]] && system=1
done

# Whatever happens: controllers the bench started (by pid, only if still the controller), the webhook, then the control plane.
bench_pid=
webhook_pid=
cleanup() {
  local rc=$? pid i
  if [[ -n $webhook_pid ]] && kill -0 "$webhook_pid" 2>/dev/null; then
    kill -TERM "$webhook_pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$webhook_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  if [[ -n $bench_pid ]] && kill -0 "$bench_pid" 2>/dev/null; then
    echo "bench-controller: stopping the bench (pid $bench_pid)" >&2
    kill -TERM "$bench_pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do kill -0 "$bench_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  if [[ -f $pid_file ]]; then
    while read -r pid; do
      [[ $pid =~ ^[0-9]+$ ]] || continue
      if { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -Eq 'TaskRun\.Controller(\.dll)? '; then
        echo "bench-controller: stopping leftover controller pid $pid" >&2
        kill -TERM "$pid" 2>/dev/null || true
      fi
    done <"$pid_file"
  fi
  if [[ -d $CONTROL_PLANE_DIR ]]; then
    cp -f "$CONTROL_PLANE_DIR"/kube-apiserver.log "$CONTROL_PLANE_DIR"/etcd.log "$log_dir"/ 2>/dev/null || true
  fi
  hack/control-plane.sh down || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -e $CONTROL_PLANE_DIR ]]; then
  echo "bench-controller: removing the previous benchmark control plane in $CONTROL_PLANE_DIR" >&2
  hack/control-plane.sh down
fi
hack/control-plane.sh up
# shellcheck disable=SC1091
source "$CONTROL_PLANE_DIR/env"

# (kubectl 1.32 against a 1.20 API server warns about the version skew; that warning is dropped.)
kubectl --kubeconfig "$KUBECONFIG" apply -f deploy/crd/taskruns.orchestrator.io.yaml 2> >(grep -v -i 'version difference' >&2)
if ((system)); then
  # The webhook as hack/local-up.sh runs it (Release, TLS on loopback), registered for admission and conversion.
  echo "bench-controller: building and starting the webhook" >&2
  dotnet build src/TaskRun.Webhook -c Release -nologo -v quiet >"$log_dir/webhook-build.log" 2>&1 \
    || { tail -30 "$log_dir/webhook-build.log" >&2; echo "bench-controller: webhook build failed" >&2; exit 1; }
  cert_dir=$PWD/.local/bench-certs
  bash hack/certs.sh "$cert_dir" >/dev/null
  read -r webhook_port webhook_health_port < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
  dotnet src/TaskRun.Webhook/bin/Release/net10.0/TaskRun.Webhook.dll \
    --Webhook:TlsPort="$webhook_port" --Webhook:HealthPort="$webhook_health_port" --Webhook:BindAddress=127.0.0.1 \
    --Webhook:CertDirectory="$cert_dir" --Webhook:Kubeconfig="$KUBECONFIG" --Webhook:ConfigNamespace=orchestrator \
    >"$log_dir/webhook.log" 2>&1 </dev/null &
  webhook_pid=$!
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$webhook_health_port/readyz" >/dev/null 2>&1 && break
    kill -0 "$webhook_pid" 2>/dev/null || { tail -20 "$log_dir/webhook.log" >&2; echo "bench-controller: the webhook exited" >&2; exit 1; }
    sleep 0.5
  done
  bash hack/webhook-register.sh --url "https://127.0.0.1:$webhook_port" --ca-file "$cert_dir/ca.crt" --config-namespace orchestrator
  set -- "$@" --webhook-pid "$webhook_pid"
else
  # No conversion webhook runs here, and the API server keeps a watch cache for every version of a CRD: its v1
  # cache would retry a full list of all TaskRuns every second, each failing on the missing webhook, and eat the
  # CPU being measured. The benchmark speaks v2 only, so conversion is switched off (v1 reads would be wrong-shaped).
  kubectl --kubeconfig "$KUBECONFIG" patch crd taskruns.orchestrator.io --type=merge \
    -p '{"spec":{"conversion":{"strategy":"None","webhook":null}}}' 2> >(grep -v -i 'version difference' >&2)
fi
kubectl --kubeconfig "$KUBECONFIG" wait --for condition=established --timeout=60s crd/taskruns.orchestrator.io 2> >(grep -v -i 'version difference' >&2)

echo "bench-controller: building Release" >&2
dotnet build bench/TaskRun.ControllerBench -c Release -nologo -v quiet >"$log_dir/build.log" 2>&1 \
  || { tail -30 "$log_dir/build.log" >&2; echo "bench-controller: build failed (log: $log_dir/build.log)" >&2; exit 1; }

# The controller as it ships, native AOT (hack/publish-controller.sh, a few minutes), unless BENCH_CONTROLLER_DLL
# names another build (e.g. src/TaskRun.Controller/bin/Release/net10.0/TaskRun.Controller.dll, the JIT build).
controller=${BENCH_CONTROLLER_DLL:-}
if [[ -z $controller ]]; then
  echo "bench-controller: publishing the controller as native AOT" >&2
  rm -rf .local/bench-controller-aot
  bash hack/publish-controller.sh .local/bench-controller-aot/app --artifacts-path .local/bench-controller-aot/artifacts \
    -v quiet >"$log_dir/controller-publish.log" 2>&1 \
    || { tail -30 "$log_dir/controller-publish.log" >&2; echo "bench-controller: controller publish failed" >&2; exit 1; }
  controller=.local/bench-controller-aot/app/TaskRun.Controller
fi

# In the background so that a signal to this script reaches the trap at once; the trap then stops the bench
# with SIGTERM, which makes it stop the controllers it started.
dotnet bench/TaskRun.ControllerBench/bin/Release/net10.0/TaskRun.ControllerBench.dll \
  --kubeconfig "$KUBECONFIG" \
  --controller-dll "$controller" \
  --apiserver-pid "$KUBE_APISERVER_PID" --etcd-pid "$ETCD_PID" \
  --log-dir "$log_dir" \
  "$@" > >(tee "$log_dir/bench.out") 2>&1 &
bench_pid=$!
wait "$bench_pid"
bench_pid=
