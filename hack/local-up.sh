#!/usr/bin/env bash
# The whole system on this machine, in one command: a real etcd + kube-apiserver, the CRD, a local CA and
# serving certificate, the webhook (registered for admission and CRD conversion), the config ConfigMap, the
# controller, and the seed's sample TaskRun. Processes run in the background with logs under .local/logs/;
# .local/env holds the shell exports to use them. Running it again is harmless; hack/local-down.sh stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "== $*"; }
export KUBECONFIG=$PWD/.local/kubeconfig
webhook_port=${WEBHOOK_PORT:-9443}
webhook_health_port=${WEBHOOK_HEALTH_PORT:-9444}
controller_port=${CONTROLLER_METRICS_PORT:-8081}
started=$SECONDS

step "control plane (etcd + kube-apiserver; the first run installs packages and builds kube-apiserver)"
bash hack/control-plane.sh up

step "CRD and the orchestrator namespace"
# Written before the webhook registration, which then points the CRD's conversion at the local webhook.
# Replaced, not applied: a 3-way merge would keep the registered URL beside the file's Service, which is invalid.
if kubectl get customresourcedefinition taskruns.orchestrator.io >/dev/null 2>&1; then
  kubectl replace -f deploy/crd/taskruns.orchestrator.io.yaml >/dev/null
else
  kubectl create -f deploy/crd/taskruns.orchestrator.io.yaml >/dev/null
fi
kubectl wait --for=condition=Established customresourcedefinition/taskruns.orchestrator.io --timeout=60s >/dev/null
kubectl apply -f deploy/default/namespace.yaml >/dev/null

step "webhook: certificates, process, registration"
WEBHOOK_PORT=$webhook_port WEBHOOK_HEALTH_PORT=$webhook_health_port bash hack/webhook-up.sh

step "controller config (validated by the webhook on apply)"
kubectl apply -f deploy/config/taskrun-controller-config.yaml >/dev/null

step "controller"
CONTROLLER_METRICS_PORT=$controller_port bash hack/controller-up.sh

step "the seed's sample TaskRun (as v1: converted, defaulted and validated by the webhook)"
kubectl apply -f deploy/samples/taskrun-v1.yaml
for _ in $(seq 1 60); do
  phase=$(kubectl get otr auth-service-task-1001 -n orchestrator -o jsonpath='{.status.phase}' 2>/dev/null || true)
  [ "$phase" = Running ] || [ "$phase" = Succeeded ] && break
  sleep 0.5
done

cat >.local/env <<ENV
export KUBECONFIG=$PWD/.local/kubeconfig
export WEBHOOK_URL=https://127.0.0.1:$webhook_port
export WEBHOOK_METRICS_URL=http://127.0.0.1:$webhook_health_port/metrics
export CONTROLLER_METRICS_URL=http://127.0.0.1:$controller_port/metrics
ENV

echo
kubectl get otr -A 2>&1 | grep -v "^W[0-9]"
echo
kubectl get jobs,configmaps -n orchestrator -l task-id=1001 2>&1 | grep -v "^W[0-9]"
cat <<NEXT

Up in $((SECONDS - started)) s. Logs: .local/logs/{webhook,controller}.log. Next:
  source .local/env
  kubectl describe otr auth-service-task-1001 -n orchestrator
  kubectl get otr auth-service-task-1001 -n orchestrator -o yaml          # v2 (storage)
  kubectl get taskruns.v1.orchestrator.io auth-service-task-1001 -n orchestrator -o yaml   # the same, as v1
  kubectl patch job auth-service-task-1001-run-1 -n orchestrator --subresource=status --type=merge \\
    -p '{"status":{"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}}'   # watch run 2 start
  curl -s \$CONTROLLER_METRICS_URL | grep ^taskrun_
  hack/local-down.sh
NEXT
