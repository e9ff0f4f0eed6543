#!/usr/bin/env bash
# The whole system on this machine, in one command: a real etcd + kube-apiserver, a one-node cluster that runs
# Pods (kube-controller-manager, kube-scheduler, containerd, kubelet; see docs/local-node.md), the CRD, a local
# CA and serving certificate, the webhook (registered for admission and CRD conversion), the config ConfigMap,
# the controller, and the seed's sample TaskRun, which runs to Succeeded with the stand-in agent.
# Processes run in the background with logs under .local/logs/ and .local/control-plane/; .local/env holds the
# shell exports to use them. Running it again is harmless; hack/local-down.sh stops it all.
#
# Usage: hack/local-up.sh [--no-node]
#   --no-node  the API server only (no Job controller, scheduler or kubelet): Jobs never get Pods, so their
#              status can be driven by hand. Chosen automatically when this machine cannot run containers
#              (not root, no cgroups).
# Environment: LOCAL_AGENT (standin: the small stand-in agent; claude: the real Claude Code CLI with a
#              scripted model inside the Pod, built once and cached; docs/agent.md),
#              WEBHOOK_PORT (9443), WEBHOOK_HEALTH_PORT (9444), CONTROLLER_METRICS_PORT (8081),
#              LOCAL_UP_TIMEOUT (seconds to wait for the sample TaskRun, 180)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "== $*"; }
node=1
case ${1:-} in
  --no-node) node=0 ;;
  "") ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
export KUBECONFIG=$PWD/.local/kubeconfig
webhook_port=${WEBHOOK_PORT:-9443}
webhook_health_port=${WEBHOOK_HEALTH_PORT:-9444}
controller_port=${CONTROLLER_METRICS_PORT:-8081}
timeout=${LOCAL_UP_TIMEOUT:-180}
started=$SECONDS

if ((node)) && ! reason=$(bash hack/control-plane.sh node-check); then
  echo "local-up: this machine cannot run containers ($reason): falling back to --no-node (API server only;" >&2
  echo "local-up: Jobs get no Pods, drive their status by hand)" >&2
  node=0
fi

if ((node)); then
  step "control plane and node (the first run installs packages and builds Kubernetes, ~10 min)"
  bash hack/control-plane.sh up --node
else
  step "control plane (etcd + kube-apiserver; the first run installs packages and builds Kubernetes, ~10 min)"
  bash hack/control-plane.sh up
fi

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
if ((node)); then
  # The stand-in agent image and small resources; and the API key Secret the Job's secretKeyRef names (the
  # stand-in never uses it, but a Pod cannot start without it).
  if [[ ${LOCAL_AGENT:-standin} == claude ]]; then
    # The real Claude Code CLI against a scripted model inside the agent Pod (docs/agent.md).
    bash hack/control-plane.sh agent-image-claude
    kubectl apply -f hack/local/taskrun-controller-config-claude.yaml >/dev/null
  else
    kubectl apply -f hack/local/taskrun-controller-config.yaml >/dev/null
  fi
  kubectl -n orchestrator create secret generic orchestrator-secrets \
    --from-literal=ANTHROPIC_API_KEY=not-a-key-the-stand-in-agent-needs-none --dry-run=client -o yaml | kubectl apply -f - >/dev/null
else
  kubectl apply -f deploy/config/taskrun-controller-config.yaml >/dev/null
fi

step "controller"
CONTROLLER_METRICS_PORT=$controller_port bash hack/controller-up.sh

want=Running
((node)) && want=Succeeded
step "the seed's sample TaskRun (as v1: converted, defaulted and validated by the webhook), until $want"
applied=$SECONDS
kubectl apply -n orchestrator -f deploy/samples/taskrun-v1.yaml
phase=
for _ in $(seq 1 $((timeout * 2))); do
  phase=$(kubectl get otr auth-service-task-1001 -n orchestrator -o jsonpath='{.status.phase}' 2>/dev/null || true)
  [[ $phase == "$want" || $phase == Succeeded || $phase == Failed ]] && break
  sleep 0.5
done
echo "the sample TaskRun is ${phase:-<no phase>} after $((SECONDS - applied)) s"

{
  echo "export KUBECONFIG=$PWD/.local/kubeconfig"
  echo "export WEBHOOK_URL=https://127.0.0.1:$webhook_port"
  echo "export WEBHOOK_METRICS_URL=http://127.0.0.1:$webhook_health_port/metrics"
  echo "export CONTROLLER_METRICS_URL=http://127.0.0.1:$controller_port/metrics"
  echo "export LOCAL_NODE=$node"
  if ((node)); then
    # containerd's socket, for `ctr -a $CONTAINERD_ADDRESS -n k8s.io ...` (images, containers).
    grep -E '^export (CONTAINERD_ADDRESS|NODE_LOGS_DIR)=' .local/control-plane/env
  fi
} >.local/env

echo
kubectl get otr -A 2>&1 | grep -v "^W[0-9]"
echo
kubectl get jobs,pods,configmaps,pvc -n orchestrator -l task-id=1001 2>&1 | grep -v "^W[0-9]"
if [[ $phase != "$want" ]]; then
  echo "local-up: the sample TaskRun is '${phase:-<no phase>}', not $want, after ${timeout}s; see kubectl describe otr -n orchestrator auth-service-task-1001 and .local/logs/controller.log" >&2
  exit 1
fi
if ((node)); then
  cat <<NEXT

Up in $((SECONDS - started)) s, with a node. Logs: .local/logs/{webhook,controller}.log, .local/control-plane/node/*.log. Next:
  source .local/env
  kubectl get otr -n orchestrator -o wide
  kubectl logs -n orchestrator job/auth-service-task-1001-run-1 -c claude-agent        # the stand-in agent's output
  kubectl get otr auth-service-task-1001 -n orchestrator -o jsonpath='{.status.agentMessage}'
  kubectl patch otr auth-service-task-1001 -n orchestrator --type=merge -p '{"spec":{"retry":{"attempt":2}}}'   # run 2
  curl -s \$CONTROLLER_METRICS_URL | grep ^taskrun_
  hack/local-down.sh
NEXT
else
  cat <<NEXT

Up in $((SECONDS - started)) s, without a node. Logs: .local/logs/{webhook,controller}.log. Next:
  source .local/env
  kubectl describe otr auth-service-task-1001 -n orchestrator
  kubectl patch job auth-service-task-1001-run-1 -n orchestrator --subresource=status --type=merge \\
    -p '{"status":{"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}}'   # watch run 2 start
  curl -s \$CONTROLLER_METRICS_URL | grep ^taskrun_
  hack/local-down.sh
NEXT
fi
