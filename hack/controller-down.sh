#!/usr/bin/env bash
# Stops the controller started by hack/controller-up.sh (by its recorded pid).
set -euo pipefail
cd "$(dirname "$0")/.."
pid_file=.local/controller.pid
if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
  kill "$(cat "$pid_file")"
  for _ in $(seq 1 20); do kill -0 "$(cat "$pid_file")" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$(cat "$pid_file")" 2>/dev/null || true
fi
rm -f "$pid_file"
echo "controller stopped"
