#!/usr/bin/env bash
# Stops everything hack/local-up.sh started: the controller, the webhook, etcd and kube-apiserver (each by
# its recorded pid), and removes their data. Harmless when nothing runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/controller-down.sh
bash hack/webhook-down.sh
bash hack/control-plane.sh down
rm -f .local/env
