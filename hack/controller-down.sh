#!/usr/bin/env bash
# Stops what hack/controller-up.sh started: the supervisor first (so it restarts nothing), which stops the
# controller with SIGTERM (it hands its Lease over); then, by its recorded pid, a controller left behind.
# CONTROLLER_INSTANCE as for hack/controller-up.sh (default "controller").
set -euo pipefail
cd "$(dirname "$0")/.."
instance=${CONTROLLER_INSTANCE:-controller}
[[ $instance =~ ^[a-z0-9-]+$ ]] || { echo "CONTROLLER_INSTANCE must be lowercase letters, digits and dashes" >&2; exit 1; }
supervisor_pid_file=.local/$instance-supervisor.pid
child_pid_file=.local/$instance.pid

stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}

child=""
[ -f "$child_pid_file" ] && child=$(cat "$child_pid_file")
[ -f "$supervisor_pid_file" ] && stop_pid "$(cat "$supervisor_pid_file")"
[ -n "$child" ] && stop_pid "$child"
rm -f "$supervisor_pid_file" "$child_pid_file"
echo "$instance stopped"
