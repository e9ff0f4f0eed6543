#!/usr/bin/env bash
# promtool from Debian's prometheus package, extracted into the cache (never installed, no server run), then
# run with the given arguments: hack/promtool.sh check metrics < metrics.txt
# Prints nothing of its own on success, so its output is promtool's. The binary's path: hack/promtool.sh --path
set -euo pipefail

cache="${XDG_CACHE_HOME:-$HOME/.cache}/taskrun-orchestrator/prometheus"
promtool="$cache/root/usr/bin/promtool"
lock="${XDG_CACHE_HOME:-$HOME/.cache}/taskrun-orchestrator/promtool.lock"

if [ ! -x "$promtool" ]; then
  mkdir -p "$cache"
  exec 9>"$lock"
  flock 9
  if [ ! -x "$promtool" ]; then
    work=$(mktemp -d)
    chmod 755 "$work"  # apt-get download drops privileges to _apt when it can write there
    trap 'rm -rf "$work"' EXIT
    # apt-get download needs the package lists; refresh them only when the package is unknown.
    if ! apt-cache show prometheus >/dev/null 2>&1; then
      apt-get update -qq >&2
    fi
    (cd "$work" && apt-get download -qq prometheus >&2)
    rm -rf "$cache/root"
    dpkg -x "$work"/prometheus_*.deb "$cache/root"
    [ -x "$promtool" ] || { echo "promtool not found in the prometheus package" >&2; exit 1; }
  fi
  exec 9>&-
fi

if [ "${1:-}" = "--path" ]; then
  echo "$promtool"
  exit 0
fi
exec "$promtool" "$@"
