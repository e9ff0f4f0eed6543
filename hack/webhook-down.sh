#!/usr/bin/env bash
# Undoes hack/webhook-up.sh: removes the webhook configurations, points the CRD's conversion webhook back at
# the in-cluster Service that deploy/crd declares, and stops the webhook started by webhook-up (by its pid).
# Harmless when nothing is registered or running.
set -euo pipefail
cd "$(dirname "$0")/.."

kubeconfig=$(realpath -m "${KUBECONFIG_FILE:-.local/kubeconfig}")
pid_file=.local/webhook.pid
export KUBECONFIG=$kubeconfig

if [[ -f $kubeconfig ]] && kubectl get --raw /readyz >/dev/null 2>&1; then
  kubectl delete mutatingwebhookconfiguration taskrun-webhook --ignore-not-found >/dev/null
  kubectl delete validatingwebhookconfiguration taskrun-webhook --ignore-not-found >/dev/null
  if kubectl get customresourcedefinition taskruns.orchestrator.io >/dev/null 2>&1; then
    kubectl patch customresourcedefinition taskruns.orchestrator.io --type=merge -p \
      '{"spec":{"conversion":{"webhook":{"clientConfig":{"url":null,"caBundle":null,"service":{"namespace":"orchestrator","name":"taskrun-webhook","path":"/convert","port":443}}}}}}' >/dev/null
  fi
  echo "webhook-down: unregistered" >&2
else
  echo "webhook-down: no reachable API server for $kubeconfig; nothing unregistered" >&2
fi

pid=$(cat "$pid_file" 2>/dev/null || true)
if [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "TaskRun.Webhook.dll"; then
  kill -TERM "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  echo "webhook-down: stopped the webhook (pid $pid)" >&2
fi
rm -f "$pid_file"
