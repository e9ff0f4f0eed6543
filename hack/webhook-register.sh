#!/usr/bin/env bash
# Registers a running TaskRun webhook with an API server: the MutatingWebhookConfiguration and the
# ValidatingWebhookConfiguration (TaskRuns on v2 only with matchPolicy: Equivalent, and the
# taskrun-controller-config ConfigMap in the system namespace), and the CRD's conversion webhook. Then waits
# until a server-side dry run of a v1 TaskRun goes through conversion, defaulting and validation.
# Running it again is harmless (kubectl apply / merge patch). hack/webhook-up.sh and the integration tests
# (tests/TaskRun.Webhook.Tests) both use it, so what is tested is what is run.
#
# Usage: KUBECONFIG=... hack/webhook-register.sh --url https://127.0.0.1:9443 --ca-file <ca.crt> [--config-namespace orchestrator] [--timeout-seconds 5]
set -euo pipefail

die() { echo "webhook-register: ERROR: $*" >&2; exit 1; }
log() { echo "webhook-register: $*" >&2; }

url="" ca_file="" config_namespace=orchestrator timeout_seconds=5
while (($#)); do
  case $1 in
    --url) url=${2:-}; shift 2 ;;
    --ca-file) ca_file=${2:-}; shift 2 ;;
    --config-namespace) config_namespace=${2:-}; shift 2 ;;
    --timeout-seconds) timeout_seconds=${2:-}; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[[ $url == https://* ]] || die "--url must be the webhook's https:// base URL"
[[ -s $ca_file ]] || die "--ca-file must be the PEM CA that signed the webhook's certificate"
[[ -n $config_namespace ]] || die "--config-namespace must not be empty"
[[ $timeout_seconds =~ ^[0-9]+$ ]] && ((timeout_seconds >= 1 && timeout_seconds <= 30)) || die "--timeout-seconds must be 1..30"
url=${url%/}
ca_bundle=$(base64 -w0 <"$ca_file")

# The config webhook selects the system namespace by the kubernetes.io/metadata.name label, which the API
# server sets by itself only from 1.21 on; setting it by hand makes the same selector work on 1.20.
kubectl create namespace "$config_namespace" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl label namespace "$config_namespace" "kubernetes.io/metadata.name=$config_namespace" --overwrite >/dev/null
# The same label on Kubernetes' own namespaces, so the TaskRun webhooks' selector leaves them out on 1.20 too.
for system_namespace in kube-system kube-public kube-node-lease; do
  kubectl label namespace "$system_namespace" "kubernetes.io/metadata.name=$system_namespace" --overwrite >/dev/null 2>&1 || true
done

# Rules shared by the two TaskRun webhooks: v2 only; Equivalent makes v1 requests arrive converted to v2.
taskrun_rules="
  namespaceSelector:
    matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values: [kube-system, kube-public, kube-node-lease]
  rules:
  - apiGroups: [orchestrator.io]
    apiVersions: [v2]
    resources: [taskruns]
    operations: [CREATE, UPDATE]
    scope: Namespaced
  matchPolicy: Equivalent
  sideEffects: None
  failurePolicy: Fail
  admissionReviewVersions: [v1]
  timeoutSeconds: $timeout_seconds"

kubectl apply -f - >/dev/null <<YAML
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: taskrun-webhook
  labels:
    app.kubernetes.io/name: taskrun-webhook
webhooks:
- name: default.taskrun.orchestrator.io
  clientConfig:
    url: $url/mutate
    caBundle: $ca_bundle
  reinvocationPolicy: Never
$taskrun_rules
YAML

kubectl apply -f - >/dev/null <<YAML
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: taskrun-webhook
  labels:
    app.kubernetes.io/name: taskrun-webhook
webhooks:
- name: validate.taskrun.orchestrator.io
  clientConfig:
    url: $url/validate
    caBundle: $ca_bundle
$taskrun_rules
- name: config.taskrun.orchestrator.io
  clientConfig:
    url: $url/validate-config
    caBundle: $ca_bundle
  rules:
  - apiGroups: [""]
    apiVersions: [v1]
    resources: [configmaps]
    operations: [CREATE, UPDATE]
    scope: Namespaced
  namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: $config_namespace
  # Only the labelled config: a webhook outage never blocks the namespace's other ConfigMaps.
  objectSelector:
    matchLabels:
      orchestrator.io/controller-config: "true"
  matchPolicy: Equivalent
  sideEffects: None
  failurePolicy: Fail
  admissionReviewVersions: [v1]
  timeoutSeconds: $timeout_seconds
YAML

# The CRD keeps its conversion strategy; only the client config moves from the in-cluster Service to the URL.
kubectl patch customresourcedefinition taskruns.orchestrator.io --type=merge -p "$(cat <<JSON
{"spec":{"conversion":{"strategy":"Webhook","webhook":{"conversionReviewVersions":["v1"],"clientConfig":{"service":null,"url":"$url/convert","caBundle":"$ca_bundle"}}}}}
JSON
)" >/dev/null

# A new webhook configuration takes a moment to reach the API server's admission and conversion paths: wait
# until server-side dry runs show all four at work (nothing is stored).
probe() {
  cat <<YAML
apiVersion: orchestrator.io/v1
kind: TaskRun
metadata:
  name: webhook-registration-probe
  namespace: $config_namespace
spec:
  taskId: 1
  serviceName: probe
  markdownFiles:
  - filename: $1
    content: probe
YAML
}
effective() {
  local out
  # conversion (v1 -> v2 -> v1) and defaulting: the service label is added by the mutating webhook
  out=$(probe task.md | kubectl apply --dry-run=server -o jsonpath='{.metadata.labels.service}' -f - 2>"$errors") \
    || { cat "$errors"; return 1; }
  [[ $out == probe ]] || { echo "not defaulted yet"; return 1; }
  # validation: a reserved file name is refused by the validating webhook (the CRD schema allows it)
  out=$(probe CLAUDE.md | kubectl apply --dry-run=server -f - 2>&1) && { echo "not validated yet"; return 1; }
  [[ $out == *reserved* ]] || { echo "$out"; return 1; }
  # config validation
  out=$(kubectl create configmap taskrun-controller-config -n "$config_namespace" --from-literal=config.yaml='job: {backoffLimit: -1}' \
    --dry-run=client -o yaml | kubectl label --local -f - orchestrator.io/controller-config=true -o yaml |
    kubectl apply --dry-run=server -f - 2>&1) && { echo "config not validated yet"; return 1; }
  [[ $out == *"data[config.yaml].job.backoffLimit"* ]] || { echo "$out"; return 1; }
}
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
deadline=$((SECONDS + 60))
until why=$(effective); do
  ((SECONDS < deadline)) || die "the API server still does not use the webhook at $url after 60 s: $why"
  sleep 0.5
done
log "registered $url (mutate, validate, validate-config in namespace $config_namespace, convert)"
