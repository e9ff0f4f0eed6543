#!/usr/bin/env bash
# Webhook load benchmark: reports, asserts nothing. Starts the webhook (Release, a process of its own, with its
# production settings except WatchConfig=false: no API server is needed) and the ceiling, a bare Kestrel TLS
# endpoint that reads the whole body and answers a fixed review (bench/TaskRun.WebhookLoad serve-bare: the same
# TLS settings, certificate and GC, also its own process). Then wrk (threads 2, connections 32, TLS keep-alive)
# loads /mutate, /validate, /convert and the ceiling in turn with the same reviews, for a typical TaskRun
# (3 files, ~11 KB review) and one with a 1 MB file. The ceiling is measured before and after the endpoints and
# their mean is the reference, so a ratio compares figures of the same minutes on a shared machine. Last, the same
# bare endpoint answering each body back (/echo, with the /convert body): /convert answers the converted objects,
# about as many bytes as it received, which the fixed review does not; its ratio to the echo is reported too.
# And the bare endpoint that reads each body once as JSON (/read: every token with Utf8JsonReader, nothing kept)
# before the fixed review: the floor of any endpoint that must read its review, with /mutate's body.
#
# Per line: requests/s, the ratio to the ceiling, p50/p99 latency, the p99 as a multiple of the ceiling's, and
# the server's CPU time per request (user + system of that process only, from /proc; wrk and the other server
# share the same cores). At the end: the webhook's resident memory and its peak.
#
# Usage: hack/bench-webhook.sh [seconds-per-case]   (default 10)
# Environment: BENCH_WEBHOOK_PORT (19543), BENCH_HEALTH_PORT (19544), BENCH_BARE_PORT (19545),
#              BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_WARMUP_SECONDS (3), BENCH_PAYLOADS ("typical large"),
#              BENCH_WEBHOOK_ARGS (extra webhook settings, e.g. --Serilog:MinimumLevel:Default=Warning),
#              BENCH_WEBHOOK_ENV (extra environment of the webhook process only, e.g. DOTNET_gcServer=1)
# Output: the table on stdout and in .local/bench-webhook/report.md; server logs in .local/bench-webhook/logs.
# wrk comes from Debian; it is installed with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
port=${BENCH_WEBHOOK_PORT:-19543}
health_port=${BENCH_HEALTH_PORT:-19544}
bare_port=${BENCH_BARE_PORT:-19545}
threads=${BENCH_THREADS:-2}
connections=${BENCH_CONNECTIONS:-32}
warmup=${BENCH_WARMUP_SECONDS:-3}
payloads=${BENCH_PAYLOADS:-typical large}
dir=$PWD/.local/bench-webhook
lua=$PWD/bench/TaskRun.WebhookLoad/post.lua
mkdir -p "$dir/logs" "$dir/bodies"

if ! command -v wrk >/dev/null; then
  sudo=(); [[ $EUID -eq 0 ]] || sudo=(sudo)
  echo "== installing wrk (Debian package)" >&2
  apt-cache show wrk >/dev/null 2>&1 || "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends wrk >&2
fi

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
load_tool=bench/TaskRun.WebhookLoad/bin/Release/net10.0/TaskRun.WebhookLoad.dll

env ${BENCH_WEBHOOK_ENV:-} dotnet src/TaskRun.Webhook/bin/Release/net10.0/TaskRun.Webhook.dll \
  --Webhook:TlsPort="$port" --Webhook:HealthPort="$health_port" --Webhook:BindAddress=127.0.0.1 \
  --Webhook:CertDirectory="$dir/certs" --Webhook:WatchConfig=false ${BENCH_WEBHOOK_ARGS:-} >"$dir/logs/webhook.log" 2>&1 &
webhook_pid=$!
pids+=("$webhook_pid")
dotnet "$load_tool" serve-bare --port "$bare_port" --cert-dir "$dir/certs" >"$dir/logs/bare.log" 2>&1 &
bare_pid=$!
pids+=("$bare_pid")

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$health_port/readyz" >/dev/null 2>&1 && grep -q "bare TLS endpoint" "$dir/logs/bare.log" && break
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$health_port/readyz" >/dev/null || { tail -20 "$dir/logs/webhook.log" >&2; echo "the webhook did not start" >&2; exit 1; }
grep -q "bare TLS endpoint" "$dir/logs/bare.log" || { tail -20 "$dir/logs/bare.log" >&2; echo "the ceiling did not start" >&2; exit 1; }

# The bodies, each checked once against the webhook.
dotnet "$load_tool" prepare --webhook "https://127.0.0.1:$port" --ca "$dir/certs/ca.crt" --out "$dir/bodies"

clock_ticks=$(getconf CLK_TCK)
# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# wrk against $1 (URL) with the body file $2 for $3 seconds; sets requests, rps, p50_us, p99_us, errors, cpu_us
# (server CPU per request, of process $4).
run_wrk() {
  local url=$1 body=$2 duration=$3 pid=$4 before after out line
  before=$(cpu_ticks "$pid")
  out=$(WRK_BODY=$body wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 30s -s "$lua" "$url" 2>&1)
  after=$(cpu_ticks "$pid")
  line=$(grep '^WRK_RESULT' <<<"$out") || { echo "$out" >&2; echo "wrk failed against $url" >&2; exit 1; }
  read -r _ requests duration_us p50_us p99_us non2xx socket_errors <<<"$line"
  errors=$((non2xx + socket_errors))
  rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN {printf "%.0f", r / (d / 1e6)}')
  cpu_us=$(awk -v t=$((after - before)) -v hz="$clock_ticks" -v r="$requests" 'BEGIN {printf "%.0f", r ? t / hz * 1e6 / r : 0}')
}

report=$dir/report.md
{
  echo "Webhook load (hack/bench-webhook.sh): wrk -t$threads -c$connections, ${seconds}s per line after ${warmup}s of warm-up, TLS keep-alive;"
  echo "$(nproc) cores shared by wrk and both servers; load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
} >"$report"

for payload in $payloads; do
  echo >>"$report"
  echo "$(cat "$dir/bodies/$payload.txt")" >>"$report"
  echo >>"$report"
  echo "| endpoint | req/s | of ceiling | p50 ms | p99 ms | p99 / ceiling p99 | server CPU µs/req | errors |" >>"$report"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|" >>"$report"
  declare -A line_rps=() line_p50=() line_p99=() line_cpu=() line_errors=()
  echo "== $payload: warm-up ${warmup}s per endpoint" >&2
  for endpoint in mutate validate convert; do
    run_wrk "https://127.0.0.1:$port/$endpoint" "$dir/bodies/$payload-$endpoint.json" "$warmup" "$webhook_pid"
  done
  run_wrk "https://127.0.0.1:$bare_port/" "$dir/bodies/$payload-mutate.json" "$warmup" "$bare_pid"

  for step in ceiling-before mutate validate convert ceiling-after echo read; do
    echo "== $payload: $step, ${seconds}s" >&2
    case $step in
      ceiling-*) run_wrk "https://127.0.0.1:$bare_port/" "$dir/bodies/$payload-mutate.json" "$seconds" "$bare_pid" ;;
      echo) run_wrk "https://127.0.0.1:$bare_port/echo" "$dir/bodies/$payload-convert.json" "$seconds" "$bare_pid" ;;
      read) run_wrk "https://127.0.0.1:$bare_port/read" "$dir/bodies/$payload-mutate.json" "$seconds" "$bare_pid" ;;
      *) run_wrk "https://127.0.0.1:$port/$step" "$dir/bodies/$payload-$step.json" "$seconds" "$webhook_pid" ;;
    esac
    line_rps[$step]=$rps; line_p50[$step]=$p50_us; line_p99[$step]=$p99_us; line_cpu[$step]=$cpu_us; line_errors[$step]=$errors
  done

  ceiling_rps=$(( (line_rps[ceiling-before] + line_rps[ceiling-after]) / 2 ))
  ceiling_p99=$(( (line_p99[ceiling-before] + line_p99[ceiling-after]) / 2 ))
  for step in ceiling-before mutate validate convert ceiling-after echo read; do
    case $step in
      ceiling-*) name="bare Kestrel TLS (${step#ceiling-})" ;;
      echo) name="bare Kestrel TLS echo (the /convert body back)" ;;
      read) name="bare Kestrel TLS, the /mutate body read once as JSON" ;;
      *) name=/$step ;;
    esac
    awk -v name="$name" -v rps="${line_rps[$step]}" -v ceil="$ceiling_rps" -v p50="${line_p50[$step]}" -v p99="${line_p99[$step]}" \
        -v ceil99="$ceiling_p99" -v cpu="${line_cpu[$step]}" -v errors="${line_errors[$step]}" \
      'BEGIN {printf "| %s | %d | %.0f%% | %.2f | %.2f | %.1f× | %d | %d |\n", name, rps, 100 * rps / ceil, p50 / 1000, p99 / 1000, p99 / ceil99, cpu, errors}' >>"$report"
  done
  echo "(ceiling: the mean of the two bare lines, $ceiling_rps req/s, p99 $(awk -v p="$ceiling_p99" 'BEGIN {printf "%.2f", p / 1000}') ms;" \
    "/convert: $(awk -v c="${line_rps[convert]}" -v e="${line_rps[echo]}" 'BEGIN {printf "%.0f", 100 * c / e}') % of the echo;" \
    "/mutate: $(awk -v m="${line_rps[mutate]}" -v r="${line_rps[read]}" 'BEGIN {printf "%.0f", 100 * m / r}') % of the read-once floor)" >>"$report"
  echo "webhook resident memory after the $payload lines: $(awk '/^VmRSS/ {printf "%.1f MiB", $2 / 1024}' "/proc/$webhook_pid/status")" >>"$report"
  unset line_rps line_p50 line_p99 line_cpu line_errors
done

echo >>"$report"
echo "webhook peak resident memory (VmHWM): $(awk '/^VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$webhook_pid/status"); load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$report"
cat "$report"
