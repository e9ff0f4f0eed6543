#!/usr/bin/env bash
# Runs the controller in the background against the local control plane (hack/control-plane.sh up first).
# Logs: .local/logs/controller.log; metrics and probes on CONTROLLER_METRICS_PORT (default 8081).
# Running it again is harmless: a running controller is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

kubeconfig=${KUBECONFIG_FILE:-.local/kubeconfig}
port=${CONTROLLER_METRICS_PORT:-8081}
pid_file=.local/controller.pid
[ -f "$kubeconfig" ] || { echo "no $kubeconfig: run hack/control-plane.sh up first" >&2; exit 1; }
if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  echo "controller already running (pid $(cat "$pid_file"))"
  exit 0
fi

mkdir -p .local/logs
# The CRD is not re-applied here: that would undo the conversion webhook registration of hack/webhook-up.sh.
KUBECONFIG="$kubeconfig" kubectl get customresourcedefinition taskruns.orchestrator.io >/dev/null 2>&1 ||
  KUBECONFIG="$kubeconfig" kubectl create -f deploy/crd/taskruns.orchestrator.io.yaml >/dev/null
KUBECONFIG="$kubeconfig" kubectl create namespace orchestrator --dry-run=client -o yaml | KUBECONFIG="$kubeconfig" kubectl apply -f - >/dev/null
dotnet build src/TaskRun.Controller -c Release -nologo -v quiet >/dev/null
setsid nohup dotnet src/TaskRun.Controller/bin/Release/net10.0/TaskRun.Controller.dll \
  --Controller:Kubeconfig="$(realpath "$kubeconfig")" --Controller:MetricsPort="$port" \
  >.local/logs/controller.log 2>&1 </dev/null &
echo $! >"$pid_file"

for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
    echo "controller ready: metrics http://127.0.0.1:$port/metrics, log .local/logs/controller.log"
    exit 0
  fi
  kill -0 "$(cat "$pid_file")" 2>/dev/null || { echo "controller exited; see .local/logs/controller.log" >&2; tail -20 .local/logs/controller.log >&2; exit 1; }
  sleep 1
done
echo "controller not ready after 60 s; see .local/logs/controller.log" >&2
exit 1
