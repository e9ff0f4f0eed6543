#!/usr/bin/env bash
# Soak and fault test: 500 TaskRuns are created while the API server is restarted twice (8 s down each, then
# its start-up) and the leading controller is killed with SIGKILL once. Two controllers run under
# hack/controller-up.sh's supervisor, as a Deployment's two replicas would (restarted when they exit).
# At the end every TaskRun must be Running with exactly one Job and one run ConfigMap: 0 lost, 0 duplicates.
# Prints the failover time, the duplicate and lost counts and the time to converge; exits non-zero on any loss
# or duplicate. Bounded: gives up after SOAK_TIMEOUT_SECONDS (default 480) of waiting for convergence.
#
# Runs on a control plane of its own (.local/soak, free ports) and removes it afterwards; needs the
# kube-apiserver that hack/control-plane.sh builds. Usage: hack/soak.sh [count, default 500]
set -euo pipefail
cd "$(dirname "$0")/.."

count=${1:-500}
timeout_seconds=${SOAK_TIMEOUT_SECONDS:-480}
[[ $count =~ ^[0-9]+$ ]] && ((count >= 1 && count <= 5000)) || { echo "count must be 1..5000" >&2; exit 2; }
export CONTROL_PLANE_DIR=$PWD/.local/soak/control-plane
ns=soak
batch=50
work=.local/soak
mkdir -p "$work" .local/logs

log() { echo "soak: $(date -u +%T) $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cleanup() {
  set +e
  for instance in soak-a soak-b; do CONTROLLER_INSTANCE=$instance bash hack/controller-down.sh >/dev/null 2>&1; done
  [[ -n ${faults_pid:-} ]] && kill "$faults_pid" 2>/dev/null
  bash hack/control-plane.sh down >/dev/null 2>&1
  rm -rf "$CONTROL_PLANE_DIR"
}
trap cleanup EXIT

log "control plane in $CONTROL_PLANE_DIR"
bash hack/control-plane.sh up >"$work/control-plane.log" 2>&1 || { cat "$work/control-plane.log" >&2; exit 1; }
export KUBECONFIG=$CONTROL_PLANE_DIR/kubeconfig
kubectl create -f deploy/crd/taskruns.orchestrator.io.yaml >/dev/null
kubectl wait --for=condition=Established customresourcedefinition/taskruns.orchestrator.io --timeout=60s >/dev/null
kubectl create namespace "$ns" >/dev/null

# Each process gets a Lease identity of its own (host name and a random suffix), as a restarted Pod's
# container would, so a restarted leader does not simply resume its old Lease.
declare -A metrics_port
for instance in soak-a soak-b; do
  metrics_port[$instance]=$(free_port)
  KUBECONFIG_FILE=$KUBECONFIG CONTROLLER_INSTANCE=$instance CONTROLLER_METRICS_PORT=${metrics_port[$instance]} \
    bash hack/controller-up.sh >/dev/null
done
log "controllers soak-a and soak-b running under their supervisors"

holder() { kubectl get lease taskrun-controller-leader -n orchestrator -o jsonpath='{.spec.holderIdentity}' 2>/dev/null || true; }
# The instance whose controller reports itself the leader on its metrics.
leading_instance() {
  local instance
  for instance in soak-a soak-b; do
    if curl -fsS "http://127.0.0.1:${metrics_port[$instance]}/metrics" 2>/dev/null | grep -q '^taskrun_controller_leader 1'; then
      echo "$instance"
      return
    fi
  done
}

# The faults, in the background while the TaskRuns are created: restart, kill the leader, restart.
faults() {
  sleep 3
  log "fault 1: API server restart (8 s down)"
  APISERVER_DOWN_SECONDS=8 bash hack/control-plane.sh restart-apiserver >>"$work/control-plane.log" 2>&1
  log "API server back"
  local instance="" until=$((SECONDS + 60))
  while [[ -z $instance ]] && ((SECONDS < until)); do instance=$(leading_instance); sleep 0.5; done
  [[ -n $instance ]] || { log "no leader after the restart"; return; }
  local pid leader
  pid=$(cat ".local/$instance.pid")
  leader=$(holder)
  log "fault 2: SIGKILL of the leader $instance ($leader, pid $pid)"
  local killed_at=$SECONDS killed_ms
  killed_ms=$(date +%s%3N)
  kill -9 "$pid"
  local now=""
  until=$((SECONDS + 90))
  while ((SECONDS < until)); do
    now=$(holder)
    if [[ -n $now && $now != "$leader" ]]; then break; fi
    sleep 0.2
  done
  echo "$(($(date +%s%3N) - killed_ms)) $leader $now" >"$work/failover"
  log "the lease is held by $now $((SECONDS - killed_at)) s after the kill"
  sleep 2
  log "fault 3: API server restart (8 s down)"
  APISERVER_DOWN_SECONDS=8 bash hack/control-plane.sh restart-apiserver >>"$work/control-plane.log" 2>&1
  log "API server back"
  date +%s >"$work/faults-done"
}
rm -f "$work/failover" "$work/faults-done"
faults &
faults_pid=$!

manifest() {
  local from=$1 to=$2 i
  for ((i = from; i < to; i++)); do
    cat <<YAML
---
apiVersion: orchestrator.io/v2
kind: TaskRun
metadata: {name: soak-$i, namespace: $ns}
spec:
  taskId: $((i + 1))
  serviceName: soak-service
  files:
  - {name: task.md, type: task, content: "# Task $i"}
  - {name: prompt.md, type: prompt, content: "Do task $i."}
YAML
  done
}

started=$SECONDS
for ((from = 0; from < count; from += batch)); do
  to=$((from + batch > count ? count : from + batch))
  manifest "$from" "$to" >"$work/batch.yaml"
  # Retried through the outages; apply is idempotent, so a batch half-created before a failure is finished.
  until kubectl apply -f "$work/batch.yaml" >/dev/null 2>"$work/apply.err"; do sleep 1; done
done
created_at=$SECONDS
log "$count TaskRuns created in $((created_at - started)) s"
wait "$faults_pid" || true
faults_pid=""

running() {
  kubectl get taskruns.v2.orchestrator.io -n "$ns" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' 2>/dev/null | grep -c '^Running$' || true
}
deadline=$((SECONDS + timeout_seconds))
until [[ $(running) == "$count" ]]; do
  if ((SECONDS >= deadline)); then log "not converged after ${timeout_seconds} s: $(running) of $count Running"; break; fi
  sleep 2
done
converged_at=$SECONDS

# The verdict: per TaskRun, its phase, and the Jobs and run ConfigMaps it owns.
kubectl get taskruns.v2.orchestrator.io -n "$ns" -o json >"$work/taskruns.json"
kubectl get jobs -n "$ns" -o json >"$work/jobs.json"
kubectl get configmaps -n "$ns" -o json >"$work/configmaps.json"
python3 - "$work" "$count" <<'PY' >"$work/verdict"
import json, sys, collections
work, count = sys.argv[1], int(sys.argv[2])
runs = json.load(open(f"{work}/taskruns.json"))["items"]
def owned(kind):
    by = collections.Counter()
    for o in json.load(open(f"{work}/{kind}.json"))["items"]:
        for ref in o["metadata"].get("ownerReferences", []):
            if ref.get("kind") == "TaskRun" and ref.get("controller"):
                by[ref["uid"]] += 1
    return by
jobs, cms = owned("jobs"), owned("configmaps")
uids = [r["metadata"]["uid"] for r in runs]
running = sum(1 for r in runs if r.get("status", {}).get("phase") == "Running")
lost = (count - len(runs)) + sum(1 for u in uids if jobs[u] == 0 or cms[u] == 0)
duplicates = sum(max(0, jobs[u] - 1) + max(0, cms[u] - 1) for u in uids)
print(f"{len(runs)} {running} {lost} {duplicates} {sum(jobs.values())} {sum(cms.values())}")
PY
read -r total running lost duplicates job_count cm_count <"$work/verdict"
failover="n/a"
[[ -f $work/failover ]] && read -r failover_ms killed new_leader <"$work/failover" && failover="$(awk "BEGIN{printf \"%.1f\", $failover_ms/1000}") s ($killed -> $new_leader)"
restarts=$(cat .local/logs/soak-a-supervisor.log .local/logs/soak-b-supervisor.log 2>/dev/null | grep -c "exited with code" || true)

echo "soak: $count TaskRuns, API server restarted twice (8 s down each), leader killed with SIGKILL once"
echo "  created in:            $((created_at - started)) s"
echo "  failover after kill:   $failover"
echo "  controller restarts:   $restarts (by the supervisors, counting the kill)"
echo "  converged:             $((converged_at - started)) s after the first create, $((converged_at - created_at)) s after the last"
echo "  TaskRuns:              $total found, $running Running"
echo "  Jobs / run ConfigMaps: $job_count / $cm_count"
echo "  lost:                  $lost"
echo "  duplicates:            $duplicates"
[[ $total == "$count" && $running == "$count" && $lost == 0 && $duplicates == 0 ]] || { echo "soak: FAILED" >&2; exit 1; }
echo "soak: passed"
