#!/bin/sh
# `claude` in the local real-agent image (a test and demo tool, never a production agent): starts the scripted
# model on this Pod's own loopback, runs the real Claude Code CLI against it with the arguments it was given,
# then prints every request body the model received to the log, one per line, prefixed "model-request: ".
# stdout stays the CLI's own (its JSON result); everything this shim says goes to stderr.
set -u
base=${ANTHROPIC_BASE_URL:-http://127.0.0.1:8787}
listen=${base#http://}
listen=${listen%%/*}
state=${CLAUDE_CONFIG_DIR:-${HOME:-/tmp}/.claude}/local-model
mkdir -p "$state" || exit 3
requests="$state/requests.$$.log"
ready="$state/ready.$$"
/usr/local/bin/local-model -listen "$listen" -result "$PWD/RESULT.md" -log "$requests" -ready "$ready" >&2 &
model=$!
waited=0
while [ ! -e "$ready" ]; do
  if ! kill -0 "$model" 2>/dev/null || [ "$waited" -ge 100 ]; then echo "claude (local): the scripted model did not start" >&2; exit 3; fi
  sleep 0.1
  waited=$((waited + 1))
done
ANTHROPIC_BASE_URL="http://$listen" ANTHROPIC_API_KEY="${ANTHROPIC_API_KEY:-local}" /usr/local/bin/claude-cli "$@"
status=$?
kill "$model" 2>/dev/null
while IFS= read -r line; do printf 'model-request: %s\n' "$line" >&2; done <"$requests"
rm -f "$requests" "$ready"
exit "$status"
