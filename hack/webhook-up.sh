#!/usr/bin/env bash
# Runs the TaskRun webhook locally against the control plane of hack/control-plane.sh (run `up` first) and
# registers it: certificates from hack/certs.sh under .local/webhook-certs, the webhook in the background
# (log .local/logs/webhook.log, pid .local/webhook.pid), then hack/webhook-register.sh (mutating and
# validating webhook configurations, the CRD's conversion webhook). Running it again is harmless: a running
# webhook is kept, the registration is re-applied.
#
# Environment: KUBECONFIG_FILE (.local/kubeconfig), WEBHOOK_PORT (9443), WEBHOOK_HEALTH_PORT (9444),
#              WEBHOOK_CONFIG_NAMESPACE (orchestrator)
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "webhook-up: ERROR: $*" >&2; exit 1; }
log() { echo "webhook-up: $*" >&2; }

kubeconfig=$(realpath -m "${KUBECONFIG_FILE:-.local/kubeconfig}")
port=${WEBHOOK_PORT:-9443}
health_port=${WEBHOOK_HEALTH_PORT:-9444}
config_namespace=${WEBHOOK_CONFIG_NAMESPACE:-orchestrator}
cert_dir=$PWD/.local/webhook-certs
pid_file=.local/webhook.pid
log_file=.local/logs/webhook.log
dll=src/TaskRun.Webhook/bin/Release/net10.0/TaskRun.Webhook.dll
export KUBECONFIG=$kubeconfig

[[ -f $kubeconfig ]] || die "no $kubeconfig: run hack/control-plane.sh up first"
kubectl get --raw /readyz >/dev/null 2>&1 || die "the API server of $kubeconfig is not ready: run hack/control-plane.sh up (or status)"

bash hack/certs.sh "$cert_dir"
if ! kubectl get customresourcedefinition taskruns.orchestrator.io >/dev/null 2>&1; then
  kubectl create -f deploy/crd/taskruns.orchestrator.io.yaml >/dev/null
  kubectl wait --for=condition=Established customresourcedefinition/taskruns.orchestrator.io --timeout=60s >/dev/null
fi

running() {
  local pid
  pid=$(cat "$pid_file" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "TaskRun.Webhook.dll"
}

if running; then
  log "webhook already running (pid $(cat "$pid_file"))"
else
  log "building the webhook (Release)"
  dotnet build src/TaskRun.Webhook -c Release -nologo -v quiet >/dev/null || die "dotnet build src/TaskRun.Webhook failed"
  mkdir -p .local/logs
  setsid nohup dotnet "$dll" \
    --Webhook:TlsPort="$port" --Webhook:HealthPort="$health_port" --Webhook:BindAddress=127.0.0.1 \
    --Webhook:CertDirectory="$cert_dir" --Webhook:Kubeconfig="$kubeconfig" --Webhook:ConfigNamespace="$config_namespace" \
    >>"$log_file" 2>&1 </dev/null &
  echo $! >"$pid_file"
  for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$health_port/readyz" >/dev/null 2>&1 && break
    running || { tail -20 "$log_file" >&2; die "the webhook exited; see $log_file"; }
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$health_port/readyz" >/dev/null 2>&1 || die "the webhook is not ready after 30 s; see $log_file"
  log "webhook running (pid $(cat "$pid_file")), log $log_file"
fi

bash hack/webhook-register.sh --url "https://127.0.0.1:$port" --ca-file "$cert_dir/ca.crt" --config-namespace "$config_namespace"
log "ready: admission https://127.0.0.1:$port, health and metrics http://127.0.0.1:$health_port/{healthz,readyz,metrics}"
