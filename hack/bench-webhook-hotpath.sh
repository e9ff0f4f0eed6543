#!/usr/bin/env bash
# Micro-benchmark of the webhook's hot path without the network (bench/TaskRun.WebhookLoad hotpath): the webhook's
# own request handler, with its production wiring, answers /mutate, /validate and /convert reviews held in memory
# on one thread. Prints time and allocated bytes per request; asserts nothing. The webhook's log lines (stdout) are
# discarded; the table is on stderr.
# Usage: hack/bench-webhook-hotpath.sh [seconds-per-case]   (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/TaskRun.WebhookLoad -c Release -nologo -v quiet >/dev/null
exec dotnet bench/TaskRun.WebhookLoad/bin/Release/net10.0/TaskRun.WebhookLoad.dll hotpath --seconds "${1:-2}" >/dev/null
