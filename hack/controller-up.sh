#!/usr/bin/env bash
# Runs the controller in the background against the local control plane (hack/control-plane.sh up first),
# under a supervisor that restarts it whenever it exits, the way its Deployment would: a controller that
# loses its Lease (e.g. an API server outage longer than the renew deadline) stops itself and comes back as a
# standby. Backoff between restarts: 1 s, doubling to 30 s, back to 1 s after a minute of running.
# Logs: .local/logs/controller.log (the controller, appended across restarts) and
# .local/logs/controller-supervisor.log (starts, exits, backoff); pids in .local/controller{,-supervisor}.pid. Metrics and probes on
# CONTROLLER_METRICS_PORT (default 8081). Running it again is harmless: a running supervisor is kept.
# Stop both with hack/controller-down.sh.
#
# Environment: KUBECONFIG_FILE (default .local/kubeconfig), CONTROLLER_METRICS_PORT, CONTROLLER_INSTANCE
# (default "controller": names the pid and log files, so several replicas can run, e.g. a leader and a
# standby) and CONTROLLER_ARGS (extra controller settings, e.g. --Controller:LeaderElection:Identity=a).
set -euo pipefail
cd "$(dirname "$0")/.."

kubeconfig=${KUBECONFIG_FILE:-.local/kubeconfig}
port=${CONTROLLER_METRICS_PORT:-8081}
instance=${CONTROLLER_INSTANCE:-controller}
[[ $instance =~ ^[a-z0-9-]+$ ]] || { echo "CONTROLLER_INSTANCE must be lowercase letters, digits and dashes" >&2; exit 1; }
supervisor_pid_file=.local/$instance-supervisor.pid
child_pid_file=.local/$instance.pid
log_file=.local/logs/$instance.log
supervisor_log=.local/logs/$instance-supervisor.log
dll=src/TaskRun.Controller/bin/Release/net10.0/TaskRun.Controller.dll

# The supervisor itself: started below as `controller-up.sh --supervise <kubeconfig> <port> [controller args]`.
supervise() {
  local kubeconfig=$1 port=$2 child="" backoff=1 started code
  shift 2
  log() { echo "$(date -u +%FT%TZ) $instance-supervisor: $*" >>"$supervisor_log"; }
  stop() {
    log "stopping (signal)"
    if [[ -n $child ]] && kill -0 "$child" 2>/dev/null; then
      kill -TERM "$child" 2>/dev/null || true
      wait "$child" 2>/dev/null || true
    fi
    rm -f "$child_pid_file"
    exit 0
  }
  trap stop TERM INT
  while true; do
    started=$SECONDS
    dotnet "$dll" --Controller:Kubeconfig="$kubeconfig" --Controller:MetricsPort="$port" "$@" \
      >>"$log_file" 2>&1 </dev/null &
    child=$!
    echo "$child" >"$child_pid_file"
    log "started controller pid $child"
    # `wait` returns early when a trapped signal arrives; the trap then stops the child.
    code=0
    wait "$child" || code=$?
    ((SECONDS - started >= 60)) && backoff=1
    log "controller pid $child exited with code $code after $((SECONDS - started)) s; restarting in $backoff s"
    sleep "$backoff" &
    wait $! || true
    backoff=$((backoff * 2 > 30 ? 30 : backoff * 2))
  done
}

if [[ ${1:-} == --supervise ]]; then
  shift
  supervise "$@"
fi

[ -f "$kubeconfig" ] || { echo "no $kubeconfig: run hack/control-plane.sh up first" >&2; exit 1; }
if [ -f "$supervisor_pid_file" ] && kill -0 "$(cat "$supervisor_pid_file")" 2>/dev/null; then
  echo "$instance already running under its supervisor (pid $(cat "$supervisor_pid_file"))"
  exit 0
fi

mkdir -p .local/logs
# The CRD is not re-applied here: that would undo the conversion webhook registration of hack/webhook-up.sh.
KUBECONFIG="$kubeconfig" kubectl get customresourcedefinition taskruns.orchestrator.io >/dev/null 2>&1 ||
  KUBECONFIG="$kubeconfig" kubectl create -f deploy/crd/taskruns.orchestrator.io.yaml >/dev/null
KUBECONFIG="$kubeconfig" kubectl create namespace orchestrator --dry-run=client -o yaml | KUBECONFIG="$kubeconfig" kubectl apply -f - >/dev/null
dotnet build src/TaskRun.Controller -c Release -nologo -v quiet >/dev/null
: >"$log_file"
: >"$supervisor_log"
read -r -a extra_args <<<"${CONTROLLER_ARGS:-}"
setsid nohup env CONTROLLER_INSTANCE="$instance" bash "$0" --supervise "$(realpath "$kubeconfig")" "$port" "${extra_args[@]}" >/dev/null 2>&1 </dev/null &
echo $! >"$supervisor_pid_file"

for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
    echo "$instance ready (supervisor pid $(cat "$supervisor_pid_file")): metrics http://127.0.0.1:$port/metrics, log $log_file"
    exit 0
  fi
  kill -0 "$(cat "$supervisor_pid_file")" 2>/dev/null || { echo "$instance supervisor exited; see $supervisor_log" >&2; exit 1; }
  sleep 1
done
echo "$instance not ready after 60 s; see $log_file and $supervisor_log" >&2
tail -20 "$log_file" >&2
exit 1
