#!/usr/bin/env bash
# Webhook load benchmark: reports, asserts nothing. Starts the webhook (Release, a process of its own, with
# its production settings except WatchConfig=false: no API server is needed) and the bare Kestrel TLS ceiling
# (bench/TaskRun.WebhookLoad serve-bare, also its own process), then sends AdmissionReviews and
# ConversionReviews over TLS keep-alive at concurrency 32 to /mutate, /validate, /convert and the ceiling,
# for a typical TaskRun (3 files, ~10 KB) and one with a 1 MB file, and prints requests/s, p50/p99 latency
# and the webhook's resident memory after 100,000 requests.
#
# Usage: hack/bench-webhook.sh [seconds-per-case]   (default 10)
# Environment: BENCH_WEBHOOK_PORT (19543), BENCH_HEALTH_PORT (19544), BENCH_BARE_PORT (19545), BENCH_CONCURRENCY (32),
#              BENCH_WEBHOOK_ARGS (extra webhook settings, e.g. --Serilog:MinimumLevel:Default=Warning),
#              BENCH_WEBHOOK_ENV (extra environment of the webhook process only, e.g. DOTNET_gcServer=1)
# Output: the table on stdout and in .local/bench-webhook/report.md; server logs in .local/bench-webhook/logs.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
port=${BENCH_WEBHOOK_PORT:-19543}
health_port=${BENCH_HEALTH_PORT:-19544}
bare_port=${BENCH_BARE_PORT:-19545}
concurrency=${BENCH_CONCURRENCY:-32}
dir=$PWD/.local/bench-webhook
mkdir -p "$dir/logs"

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]+"${pids[@]}"}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]+"${pids[@]}"}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

bash hack/certs.sh "$dir/certs" >/dev/null 2>&1
echo "== building (Release)" >&2
dotnet build src/TaskRun.Webhook -c Release -nologo -v quiet >/dev/null
dotnet build bench/TaskRun.WebhookLoad -c Release -nologo -v quiet >/dev/null

env ${BENCH_WEBHOOK_ENV:-} dotnet src/TaskRun.Webhook/bin/Release/net10.0/TaskRun.Webhook.dll \
  --Webhook:TlsPort="$port" --Webhook:HealthPort="$health_port" --Webhook:BindAddress=127.0.0.1 \
  --Webhook:CertDirectory="$dir/certs" --Webhook:WatchConfig=false ${BENCH_WEBHOOK_ARGS:-} >"$dir/logs/webhook.log" 2>&1 &
webhook_pid=$!
pids+=("$webhook_pid")
dotnet bench/TaskRun.WebhookLoad/bin/Release/net10.0/TaskRun.WebhookLoad.dll serve-bare --port "$bare_port" --cert-dir "$dir/certs" \
  >"$dir/logs/bare.log" 2>&1 &
pids+=("$!")

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$health_port/readyz" >/dev/null 2>&1 && grep -q "bare TLS endpoint" "$dir/logs/bare.log" && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$health_port/readyz" >/dev/null || { tail -20 "$dir/logs/webhook.log" >&2; echo "the webhook did not start" >&2; exit 1; }

echo "== load (webhook pid $webhook_pid)" >&2
dotnet bench/TaskRun.WebhookLoad/bin/Release/net10.0/TaskRun.WebhookLoad.dll load \
  --webhook "https://127.0.0.1:$port" --bare "https://127.0.0.1:$bare_port" --ca "$dir/certs/ca.crt" \
  --webhook-pid "$webhook_pid" --concurrency "$concurrency" --seconds "$seconds" --rss-after 100000 --report "$dir/report.md"
