#!/usr/bin/env bash
# One-command real Kubernetes control plane (etcd + kube-apiserver) for tests and
# local runs, in the spirit of controller-runtime's envtest; with --node, also a one-node
# cluster (kube-controller-manager, kube-scheduler, containerd, kubelet) that runs Pods.
# Without --node, no scheduler, kubelet or controller-manager: objects are stored and
# served, nothing runs them (tests drive Job status by hand).
#
# Usage: hack/control-plane.sh <command>
#   up [--node]        install what is missing, build the Kubernetes binaries once (cached),
#                      start etcd + kube-apiserver on free loopback ports, wait for /readyz;
#                      --node: also the node (one per machine, needs root and cgroups; see
#                      docs/local-node.md), waits until it is Ready
#   down               stop exactly the processes `up` started (by pid) and remove the data dir
#   node-check         exit 0 if this machine can run the node, else print why and exit 1
#   status             print running/not running, pids, ports, readyz (exit 0 only when running)
#   env                print the env file (export lines: KUBECONFIG, ETCD_ENDPOINT, ...)
#   restart-apiserver  restart only kube-apiserver (same flags, port and etcd), wait for /readyz;
#                      APISERVER_DOWN_SECONDS (default 0) keeps it stopped that long first
#   build              only install build dependencies and build/cache kube-apiserver,
#                      kube-controller-manager, kube-scheduler, kubelet and pause
#   agent-image-claude build (once, cached) the local real-agent image (the Claude Code CLI
#                      from npm and a scripted model; docs/agent.md) and import it into the node
#
# Environment:
#   CONTROL_PLANE_DIR  data dir of this instance (default: <repo>/.local/control-plane);
#                      set it to run an independent instance, e.g. from a test fixture.
#                      Only the default instance also gets <repo>/.local/kubeconfig.
#   XDG_CACHE_HOME     the built binaries are cached under
#                      ${XDG_CACHE_HOME:-$HOME/.cache}/taskrun-orchestrator/
#   APT_LOCK_TIMEOUT   seconds to wait for a held dpkg/apt lock (default 900)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_ROOT
readonly KUBE_VERSION=1.20.2
# Bump PATCHLEVEL whenever the build recipe or the patches below change: it is part
# of the cache key, so a stale binary is never reused.
#   p2: kube-controller-manager, kube-scheduler, kubelet (with the node patches) and pause built beside kube-apiserver.
readonly PATCHLEVEL=p2
readonly GO_BIN_DIR=/usr/lib/go-1.19/bin
readonly CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/taskrun-orchestrator"
readonly BIN_DIR="$CACHE_ROOT/kubernetes-$KUBE_VERSION-$PATCHLEVEL"
readonly APISERVER_BIN="$BIN_DIR/kube-apiserver"
readonly BUILD_LOG="$CACHE_ROOT/kubernetes-$KUBE_VERSION-$PATCHLEVEL.build.log"
# Everything one build makes; the build is complete when all of them exist.
readonly KUBE_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet)
readonly BUILT_FILES=("${KUBE_COMMANDS[@]}" pause)
readonly DEFAULT_DIR="$REPO_ROOT/.local/control-plane"
readonly DEFAULT_KUBECONFIG_LINK="$REPO_ROOT/.local/kubeconfig"

readonly RUNTIME_PACKAGES=(etcd-server etcd-client openssl curl busybox)
readonly BUILD_PACKAGES=(golang-1.19-go make rsync dpkg-dev xz-utils gcc libc6-dev
  golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev)

readonly ETCD_START_TIMEOUT=30
readonly APISERVER_START_TIMEOUT=60
readonly STOP_GRACE_SECONDS=5

# Marker file that proves a directory is ours, so `down` never deletes anything else.
readonly MARKER=.control-plane-dir

log() { echo "control-plane: $*" >&2; }
die() { echo "control-plane: ERROR: $*" >&2; exit 1; }

# Print the last lines of a log file so a failure is diagnosable from CI output alone.
show_log_tail() {
  local file=$1
  if [[ -f $file ]]; then
    echo "---- last 30 lines of $file ----" >&2
    tail -n 30 "$file" >&2 || true
    echo "---- end of $file ----" >&2
  fi
}

# Temporary paths removed on exit, whatever the exit path.
CLEANUP_PATHS=()
cleanup() {
  local p
  for p in "${CLEANUP_PATHS[@]+"${CLEANUP_PATHS[@]}"}"; do rm -rf -- "$p"; done
}
trap cleanup EXIT

# Run a function in a subshell with errexit really in force. (`if ! (f)` or
# `(f) || x` would silently disable `set -e` inside f; a waited-for background
# job does not.)
run_checked() {
  local rc=0
  ("$@") &
  wait $! || rc=$?
  return "$rc"
}

# ---------------------------------------------------------------------------
# Instance paths
# ---------------------------------------------------------------------------

# Absolute data dir of this instance; the processes must see the same paths
# whatever the caller's working directory.
CP_DIR="${CONTROL_PLANE_DIR:-$DEFAULT_DIR}"
[[ $CP_DIR == /* ]] || CP_DIR="$PWD/$CP_DIR"
CP_DIR="${CP_DIR%/}"
[[ -n $CP_DIR ]] || die "CONTROL_PLANE_DIR must not be /"

ENV_FILE="$CP_DIR/env"
KUBECONFIG_FILE="$CP_DIR/kubeconfig"
TOKEN_FILE="$CP_DIR/token.csv"
ETCD_PID_FILE="$CP_DIR/etcd.pid"
APISERVER_PID_FILE="$CP_DIR/kube-apiserver.pid"
ETCD_LOG="$CP_DIR/etcd.log"
APISERVER_LOG="$CP_DIR/kube-apiserver.log"
ETCD_ARGS_FILE="$CP_DIR/etcd.args"
APISERVER_ARGS_FILE="$CP_DIR/kube-apiserver.args"
PORTS_FILE="$CP_DIR/ports"

is_default_instance() { [[ $CP_DIR == "$DEFAULT_DIR" ]]; }

# The node (--node): its functions, paths and the local images.
# shellcheck source=hack/lib/node.sh
source "$REPO_ROOT/hack/lib/node.sh"
WANT_NODE=0

# ---------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------

APT_UPDATED=0
SUDO=()
need_root_for() {
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo: cannot $*"
    SUDO=(sudo)
  fi
}

# apt-get that waits for the dpkg and apt locks (another apt-get, unattended-upgrades) instead of failing at
# once; gives up after APT_LOCK_TIMEOUT seconds (default 900). Output goes to $CACHE_ROOT/apt.log.
apt_get_wait() {
  local apt_log="$CACHE_ROOT/apt.log" deadline=$((SECONDS + ${APT_LOCK_TIMEOUT:-900})) rc attempt_log
  mkdir -p "$CACHE_ROOT"
  attempt_log=$(mktemp)
  while true; do
    rc=0
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 "$@" >"$attempt_log" 2>&1 || rc=$?
    cat "$attempt_log" >>"$apt_log"
    if ((rc != 0)) && grep -qiE 'could not get lock|unable to acquire the dpkg|unable to lock|is held by process' "$attempt_log" \
      && ((SECONDS < deadline)); then
      log "apt-get $1: the dpkg/apt lock is held by another process; waiting for it"
      sleep 5
      continue
    fi
    rm -f "$attempt_log"
    return "$rc"
  done
}

apt_update_once() {
  ((APT_UPDATED == 0)) || return 0
  need_root_for "run apt-get update"
  apt_get_wait update || { show_log_tail "$CACHE_ROOT/apt.log"; die "apt-get update failed (log: $CACHE_ROOT/apt.log)"; }
  APT_UPDATED=1
}

# Install the given Debian packages that are not installed yet; no apt call at
# all when everything is present, so a cached `up` stays fast.
ensure_packages() {
  local missing=() pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0

  need_root_for "install ${missing[*]}"
  local apt_log="$CACHE_ROOT/apt.log"
  mkdir -p "$CACHE_ROOT"
  log "installing Debian packages: ${missing[*]} (log: $apt_log)"
  # Services these packages start where systemd runs (etcd on 2379, containerd on /run/containerd): we never
  # use them (our instances have their own ports, sockets and state), so do not leave running what only our
  # install started.
  local services=() service
  for service in etcd containerd; do
    if systemd_running && ! systemctl is-active --quiet "$service" 2>/dev/null; then services+=("$service"); fi
  done
  apt_update_once
  apt_get_wait install -y --no-install-recommends "${missing[@]}" \
    || { show_log_tail "$apt_log"; die "apt-get install ${missing[*]} failed (log: $apt_log)"; }
  for service in "${services[@]+"${services[@]}"}"; do
    if systemctl is-active --quiet "$service" 2>/dev/null; then
      log "stopping and disabling the system $service service that the package install started"
      "${SUDO[@]}" systemctl disable --now "$service" >>"$apt_log" 2>&1 || log "warning: could not stop the system $service service"
    fi
  done
}

systemd_running() { [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; }

# ---------------------------------------------------------------------------
# Build kube-apiserver from Debian's kubernetes source package (cached)
# ---------------------------------------------------------------------------

# deb-src lines for the Debian main archive, derived from the machine's own `deb`
# entries (same mirror and suites, one-line or deb822 format). They go into a
# private apt configuration, so /etc/apt is never modified.
debian_deb_src_lines() {
  local f
  {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -f $f ]] || continue
      # one-line format: deb [options] URI suite components...
      awk '$1 == "deb" {
             $1 = "deb-src"; uri_field = ($2 ~ /^\[/) ? 0 : 2
             if (uri_field == 0) { for (i = 2; i <= NF; i++) if ($i ~ /\]$/) { uri_field = i + 1; break } }
             if ($uri_field ~ /\/debian\/?$/) print
           }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
      [[ -f $f ]] || continue
      # deb822 format: stanzas separated by blank lines.
      awk 'function flush(   n, m, i, j, u, s, opt) {
             if (types ~ /(^| )deb( |$)/ && enabled != "no") {
               n = split(uris, u, " "); m = split(suites, s, " ")
               opt = (signed != "") ? "[signed-by=" signed "] " : ""
               for (i = 1; i <= n; i++) if (u[i] ~ /\/debian\/?$/)
                 for (j = 1; j <= m; j++) print "deb-src " opt u[i] " " s[j] " " comps
             }
             types = uris = suites = comps = signed = enabled = ""
           }
           /^[ \t]*#/ { next }
           /^[ \t]*$/ { flush(); next }
           { key = tolower($1); sub(/^[^:]*:[ \t]*/, "") }
           key == "types:" { types = $0 } key == "uris:" { uris = $0 }
           key == "suites:" { suites = $0 } key == "components:" { comps = $0 }
           key == "signed-by:" { signed = $0 } key == "enabled:" { enabled = tolower($0) }
           END { flush() }' "$f"
    done
  } | sort -u
}

# Download Debian's kubernetes source package into the current directory.
fetch_kubernetes_source() {
  local apt_dir=$PWD/apt
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  debian_deb_src_lines >"$apt_dir/sources.list"
  if [[ ! -s $apt_dir/sources.list ]]; then
    # No Debian `deb` entry found: fall back to the official mirror for this release.
    local codename
    # shellcheck disable=SC1091
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    echo "deb-src http://deb.debian.org/debian $codename main" >"$apt_dir/sources.list"
  fi
  echo "deb-src entries used: $(tr '\n' ';' <"$apt_dir/sources.list")"
  local apt_opts=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
    -o "APT::Sandbox::User=$(id -un)" -o "Debug::NoLocking=1"
  )
  apt-get "${apt_opts[@]}" update
  apt-get "${apt_opts[@]}" source --download-only kubernetes
  # The cache key promises upstream $KUBE_VERSION; refuse anything else.
  local dsc
  dsc=$(ls kubernetes_*.dsc)
  [[ $dsc == *"really$KUBE_VERSION-"* || $dsc == "kubernetes_$KUBE_VERSION-"* ]] \
    || { echo "unexpected source version: $dsc (want upstream $KUBE_VERSION)"; return 1; }
}

# Replace the vendored reflect2 1.0.1 / json-iterator 1.1.10: reflect2 1.0.1
# crashes under Go >= 1.18 (SIGSEGV in mapiterinit on the first custom-resource
# write). Debian ships reflect2 1.0.2 and json-iterator 1.1.12 as sources.
patch_vendor() {
  local tree=$1 mod version src dst
  for mod in github.com/modern-go/reflect2=v1.0.2 github.com/json-iterator/go=v1.1.12; do
    version=${mod#*=} mod=${mod%=*}
    src=/usr/share/gocode/src/$mod dst=$tree/vendor/$mod
    [[ -d $src ]] || { echo "missing $src"; return 1; }
    rm -rf "$dst" && mkdir -p "$dst"
    # Only the package itself: no tests, no sub-packages.
    find "$src" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' -o -name 'LICENSE' \) ! -name '*_test.go' \
      -exec cp -t "$dst" {} +
    # Keep vendor/modules.txt truthful (the GOPATH-mode build does not read it).
    sed -i -E "s#^(\# $mod) v[^ ]+ => ($mod) v[^ ]+\$#\1 $version => \2 $version#;
               s#^(\# $mod => $mod) v[^ ]+\$#\1 $version#" "$tree/vendor/modules.txt"
  done
}

# kubelet patches for a shared machine (see docs/local-node.md):
# - never rewrite the host's sysctls (stock kubelet sets kernel.panic, kernel.panic_on_oops and
#   vm.overcommit_memory); only warn. (protectKernelDefaults=true would refuse to start instead.)
# - the pod and container log directories, hard-coded to /var/log/{pods,containers} in 1.20, come from
#   KUBELET_POD_LOGS_DIR / KUBELET_CONTAINER_LOGS_DIR when set, so a local node keeps them in its own dir.
patch_kubelet() {
  local tree=$1
  local cm=$tree/pkg/kubelet/cm/container_manager_linux.go
  grep -qP '^\tb := KernelTunableModify$' "$cm" || { echo "kubelet patch: KernelTunableModify line not found"; return 1; }
  sed -i 's/^\tb := KernelTunableModify$/\tb := KernelTunableWarn \/\/ local node: never modify host sysctls/' "$cm"

  local manager=$tree/pkg/kubelet/kuberuntime/kuberuntime_manager.go legacy=$tree/pkg/kubelet/kuberuntime/legacy.go
  local kubelet=$tree/pkg/kubelet/kubelet.go
  grep -qP '^\tpodLogsRootDirectory = "/var/log/pods"$' "$manager" || { echo "kubelet patch: podLogsRootDirectory not found"; return 1; }
  grep -qP '^\tlegacyContainerLogsDir = "/var/log/containers"$' "$legacy" || { echo "kubelet patch: legacyContainerLogsDir not found"; return 1; }
  grep -qP '^\tContainerLogsDir = "/var/log/containers"$' "$kubelet" || { echo "kubelet patch: ContainerLogsDir not found"; return 1; }
  # Drop the constants; variables of the same names (below) take their place.
  sed -i '/^\tpodLogsRootDirectory = "\/var\/log\/pods"$/d' "$manager"
  sed -i '/^\tlegacyContainerLogsDir = "\/var\/log\/containers"$/d' "$legacy"
  sed -i '/^\tContainerLogsDir = "\/var\/log\/containers"$/d' "$kubelet"
  cat >"$tree/pkg/kubelet/kuberuntime/local_node_log_dirs.go" <<'GO'
package kuberuntime

import "os"

// Local node patch: log directories from the environment, defaulting to the stock paths.
var (
	podLogsRootDirectory   = envOrDefault("KUBELET_POD_LOGS_DIR", "/var/log/pods")
	legacyContainerLogsDir = envOrDefault("KUBELET_CONTAINER_LOGS_DIR", "/var/log/containers")
)

func envOrDefault(key, fallback string) string {
	if value := os.Getenv(key); value != "" {
		return value
	}
	return fallback
}
GO
  cat >"$tree/pkg/kubelet/local_node_log_dirs.go" <<'GO'
package kubelet

import "os"

// ContainerLogsDir is the location of container logs (local node patch: KUBELET_CONTAINER_LOGS_DIR).
var ContainerLogsDir = func() string {
	if value := os.Getenv("KUBELET_CONTAINER_LOGS_DIR"); value != "" {
		return value
	}
	return "/var/log/containers"
}()
GO
}

# The actual build, run inside a fresh work dir; all output goes to the build log.
build_in_workdir() {
  local work=$1
  cd "$work"
  fetch_kubernetes_source
  dpkg-source -x kubernetes_*.dsc kubernetes
  patch_vendor "$work/kubernetes"
  patch_kubelet "$work/kubernetes"
  # Kubernetes 1.20's make builds in GOPATH mode (GO111MODULE=off) from vendor/;
  # GOPROXY=off and GOFLAGS= make sure Go never tries the network. One make for all four commands:
  # the code generators run once and the Go build cache is shared.
  local what=() cmd
  for cmd in "${KUBE_COMMANDS[@]}"; do what+=("cmd/$cmd"); done
  env PATH="$GO_BIN_DIR:$PATH" GOPROXY=off GOFLAGS= GOTOOLCHAIN=local CGO_ENABLED=0 \
    GOCACHE="$work/gocache" GOPATH="$work/gopath" HOME="$work" \
    make -C "$work/kubernetes" WHAT="${what[*]}"
  for cmd in "${KUBE_COMMANDS[@]}"; do "$work/kubernetes/_output/bin/$cmd" --version; done
  # The Pod sandbox ("pause") binary, from Kubernetes' own source, static: no registry serves its image here.
  gcc -Os -static -Wall -DVERSION="$KUBE_VERSION-$PATCHLEVEL" -o "$work/pause" "$work/kubernetes/build/pause/linux/pause.c"
  strip "$work/pause"
}

built() {
  local f
  for f in "${BUILT_FILES[@]}"; do [[ -x $BIN_DIR/$f ]] || return 1; done
}

build_binaries() {
  built && return 0
  ensure_packages "${BUILD_PACKAGES[@]}"
  mkdir -p "$CACHE_ROOT"
  # One build at a time per cache: a concurrent `up` waits and then reuses the binaries.
  # The lock file lives in locks/ and build dirs are work.*, so removing stale build dirs can never remove
  # the lock file another build is holding (that would let a third build in).
  local lock_fd
  mkdir -p "$CACHE_ROOT/locks"
  exec {lock_fd}>"$CACHE_ROOT/locks/build.lock"
  if ! flock -n "$lock_fd"; then
    log "another process is building Kubernetes; waiting for it"
    flock "$lock_fd"
  fi
  if built; then exec {lock_fd}>&-; return 0; fi
  # We hold the lock, so any leftover build dir is from an interrupted build.
  rm -rf "$CACHE_ROOT"/work.*

  local work
  work=$(mktemp -d "$CACHE_ROOT/work.XXXXXX")
  CLEANUP_PATHS+=("$work")
  log "building ${KUBE_COMMANDS[*]} $KUBE_VERSION ($PATCHLEVEL) from Debian's kubernetes source; takes ~10 min on 2 cores (log: $BUILD_LOG)"
  local start=$SECONDS
  if ! run_checked build_in_workdir "$work" >"$BUILD_LOG" 2>&1; then
    show_log_tail "$BUILD_LOG"
    die "building Kubernetes failed (log: $BUILD_LOG)"
  fi
  mkdir -p "$BIN_DIR"
  {
    echo "kubernetes source: $(cd "$work" && ls kubernetes_*.dsc)"
    echo "go: $("$GO_BIN_DIR/go" version)"
    echo "patches: vendor github.com/modern-go/reflect2 -> v1.0.2, github.com/json-iterator/go -> v1.1.12 (Debian gocode sources);"
    echo "  kubelet: host sysctls only warned about, log dirs from KUBELET_POD_LOGS_DIR / KUBELET_CONTAINER_LOGS_DIR"
    echo "pause: build/pause/linux/pause.c, gcc -static"
    echo "built: $(date -u +%FT%TZ) in $((SECONDS - start)) s"
  } >"$BIN_DIR/BUILD-INFO"
  # Atomic renames, kube-apiserver last: readers see either no binary or a complete one.
  local f
  cp -L "$work/pause" "$BIN_DIR/.pause.tmp" && mv -f "$BIN_DIR/.pause.tmp" "$BIN_DIR/pause"
  for f in kube-controller-manager kube-scheduler kubelet kube-apiserver; do
    cp -L "$work/kubernetes/_output/bin/$f" "$BIN_DIR/.$f.tmp"
    mv -f "$BIN_DIR/.$f.tmp" "$BIN_DIR/$f"
  done
  exec {lock_fd}>&-
  log "built ${BUILT_FILES[*]} into $BIN_DIR in $((SECONDS - start))s"
}

# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------

# Alive and not a zombie (a process we just killed may linger as our zombie child).
pid_alive() {
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/stat ]] || return 1
  state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

# A pid is ours only if its command line references this instance's data dir,
# which guards against a recycled pid.
pid_is_ours() {
  local pid=$1
  pid_alive "$pid" && tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$CP_DIR/"
}

read_pid() { cat "$1" 2>/dev/null || true; }

# Start a detached process: own session (setsid) so the caller's signals and
# process group do not reach it; stdin from /dev/null, stdout/stderr appended to
# its log, and every other inherited fd closed, so that callers reading our
# output pipe (e.g. `dotnet test`) see EOF when this script exits. The process
# writes its own pid (bash's $$ survives exec), so the pid file is exact.
spawn_detached() {
  local pid_file=$1 log_file=$2
  shift 2
  rm -f "$pid_file"
  echo "==== $(date -u +%FT%TZ) starting: $*" >>"$log_file"
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  setsid bash -c '
    for fd in $(ls /proc/$$/fd); do
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    echo $$ >"$0"
    exec "$@"' "$pid_file" "$@" </dev/null >>"$log_file" 2>&1 &
  local i
  for i in $(seq 50); do
    [[ -s $pid_file ]] && return 0
    sleep 0.1
  done
  die "could not start $1 (no pid file $pid_file; log: $log_file)"
}

# TERM, wait up to the grace period, then KILL; by pid only, never by name.
stop_pid() {
  local name=$1 pid=$2 grace=$3 i
  pid_is_ours "$pid" || return 0
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  log "$name (pid $pid) still running after ${grace}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  die "could not stop $name (pid $pid)"
}

# Free loopback TCP ports. Bound simultaneously, so the ports are distinct.
pick_free_ports() {
  local count=$1
  if command -v python3 >/dev/null; then
    python3 - "$count" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
  else
    # Fallback: random high ports nobody answers on.
    local ports=() p
    while ((${#ports[@]} < count)); do
      p=$((20000 + RANDOM % 40000))
      [[ " ${ports[*]} " == *" $p "* ]] && continue
      (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
      ports+=("$p")
    done
    echo "${ports[*]}"
  fi
}

# ---------------------------------------------------------------------------
# Health checks
# ---------------------------------------------------------------------------

load_env() {
  [[ -f $ENV_FILE ]] || return 1
  # shellcheck disable=SC1090
  source "$ENV_FILE"
}

admin_token() { cut -d, -f1 "$TOKEN_FILE"; }

etcd_healthy() {
  curl -sf --max-time 2 "$1/health" 2>/dev/null | grep -q '"health":"true"'
}

apiserver_ready() {
  local url=$1
  [[ -f $TOKEN_FILE ]] || return 1
  [[ $(curl -sk --max-time 3 -H "Authorization: Bearer $(admin_token)" "$url/readyz" 2>/dev/null) == ok ]]
}

# Wait for a check to pass while the process stays alive; fail with the log otherwise.
wait_until() {
  local name=$1 pid=$2 timeout=$3 log_file=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    "$@" && return 0
    if ! pid_alive "$pid"; then
      show_log_tail "$log_file"
      die "$name (pid $pid) exited during startup (log: $log_file)"
    fi
    sleep 0.5
  done
  show_log_tail "$log_file"
  die "$name (pid $pid) not ready after ${timeout}s: '$*' kept failing (log: $log_file)"
}

instance_running() {
  load_env 2>/dev/null || return 1
  pid_is_ours "${ETCD_PID:-}" && pid_is_ours "${KUBE_APISERVER_PID:-}" \
    && etcd_healthy "$ETCD_ENDPOINT" && apiserver_ready "$KUBE_APISERVER_URL" \
    && { ! node_mode || node_running; }
}

# ---------------------------------------------------------------------------
# Start / stop
# ---------------------------------------------------------------------------

# Serialize up/down/restart of one instance (two `up`s must not both start);
# the lock lives in the cache, so the data dir can be deleted freely.
lock_instance() {
  local lock_dir="$CACHE_ROOT/locks" lock_fd
  mkdir -p "$lock_dir"
  exec {lock_fd}>"$lock_dir/$(printf '%s' "$CP_DIR" | sha1sum | cut -c1-16).lock"
  # Held until this script exits (the fd stays open; children close it).
  flock "$lock_fd"
}

# Ours: carries our marker, or is an empty dir (e.g. made by a test fixture's mktemp -d).
dir_is_ours() {
  [[ -f $CP_DIR/$MARKER ]] || [[ -d $CP_DIR && -z $(ls -A "$CP_DIR" 2>/dev/null) ]]
}

prepare_dir() {
  mkdir -p "$CP_DIR"
  touch "$CP_DIR/$MARKER"
  chmod 700 "$CP_DIR"
  mkdir -p "$CP_DIR/etcd-data" "$CP_DIR/certs"
}

generate_credentials() {
  # Static admin token in system:masters (cluster-admin through RBAC).
  echo "$(openssl rand -hex 32),admin,admin-uid,system:masters" >"$TOKEN_FILE"
  chmod 600 "$TOKEN_FILE"
  # Service-account token signing key pair.
  openssl genrsa -out "$CP_DIR/sa.key" 2048 2>/dev/null || die "openssl genrsa failed"
  openssl rsa -in "$CP_DIR/sa.key" -pubout -out "$CP_DIR/sa.pub" 2>/dev/null || die "openssl rsa -pubout failed"
  chmod 600 "$CP_DIR/sa.key"
}

start_etcd() {
  local client_port=$1 peer_port=$2
  local client_url="http://127.0.0.1:$client_port" peer_url="http://127.0.0.1:$peer_port"
  local args=(
    /usr/bin/etcd
    --name=control-plane
    --data-dir="$CP_DIR/etcd-data"
    --listen-client-urls="$client_url" --advertise-client-urls="$client_url"
    --listen-peer-urls="$peer_url" --initial-advertise-peer-urls="$peer_url"
    --initial-cluster="control-plane=$peer_url" --initial-cluster-state=new
    --logger=zap --log-outputs=stderr
  )
  printf '%s\n' "${args[@]}" >"$ETCD_ARGS_FILE"
  spawn_detached "$ETCD_PID_FILE" "$ETCD_LOG" "${args[@]}"
  wait_until etcd "$(read_pid "$ETCD_PID_FILE")" "$ETCD_START_TIMEOUT" "$ETCD_LOG" etcd_healthy "$client_url"
}

write_apiserver_args() {
  local port=$1 etcd_url=$2
  local args=(
    "$APISERVER_BIN"
    --etcd-servers="$etcd_url"
    --bind-address=127.0.0.1 --secure-port="$port" --insecure-port=0
    # The `kubernetes` service endpoint; without it the apiserver looks for a
    # host interface with a default route, which an offline machine may lack.
    --advertise-address=127.0.0.1
    --cert-dir="$CP_DIR/certs"
    --service-cluster-ip-range=10.0.0.0/24
    --token-auth-file="$TOKEN_FILE"
    --authorization-mode=RBAC
    --service-account-issuer=https://kubernetes.default.svc.cluster.local
    --service-account-key-file="$CP_DIR/sa.pub"
    --service-account-signing-key-file="$CP_DIR/sa.key"
    --allow-privileged=true
    --feature-gates=TTLAfterFinished=true
  )
  if node_mode; then
    # The node's controller-manager creates the `default` ServiceAccounts; the API server reaches the kubelet.
    mapfile -t -O "${#args[@]}" args < <(node_apiserver_args)
  else
    # No controller-manager creates the `default` ServiceAccount, so this admission
    # plugin would reject every Pod (envtest disables it for the same reason).
    args+=(--disable-admission-plugins=ServiceAccount)
  fi
  printf '%s\n' "${args[@]}" >"$APISERVER_ARGS_FILE"
}

start_apiserver() {
  local url=$1 args
  mapfile -t args <"$APISERVER_ARGS_FILE"
  [[ -x ${args[0]} ]] || die "kube-apiserver binary ${args[0]} is missing; run: $0 build"
  spawn_detached "$APISERVER_PID_FILE" "$APISERVER_LOG" "${args[@]}"
  wait_until kube-apiserver "$(read_pid "$APISERVER_PID_FILE")" "$APISERVER_START_TIMEOUT" "$APISERVER_LOG" \
    apiserver_ready "$url"
}

# The apiserver self-signs its serving certificate in --cert-dir: the file holds the
# leaf and then its CA. Embed that CA when it verifies, else skip verification.
write_kubeconfig() {
  local url=$1 token tls_line
  token=$(admin_token)
  local cert="$CP_DIR/certs/apiserver.crt" ca="$CP_DIR/ca.crt"
  rm -f "$ca"
  if [[ -f $cert ]]; then
    # Keep the self-signed certificate(s) of the bundle: the CA.
    awk -v dir="$CP_DIR" '/-----BEGIN CERTIFICATE-----/ { n++ } { print > (dir "/.cert-" n ".pem") }' "$cert"
    local f subject issuer
    for f in "$CP_DIR"/.cert-*.pem; do
      subject=$(openssl x509 -in "$f" -noout -subject | sed 's/^subject=//')
      issuer=$(openssl x509 -in "$f" -noout -issuer | sed 's/^issuer=//')
      [[ $subject == "$issuer" ]] && cat "$f" >>"$ca"
    done
    rm -f "$CP_DIR"/.cert-*.pem
  fi
  if [[ -s $ca ]] && curl -sf --max-time 3 --cacert "$ca" -H "Authorization: Bearer $token" "$url/readyz" >/dev/null 2>&1; then
    tls_line="    certificate-authority-data: $(base64 -w0 <"$ca")"
  else
    log "warning: the apiserver's self-signed CA did not verify; kubeconfig uses insecure-skip-tls-verify"
    rm -f "$ca"
    tls_line="    insecure-skip-tls-verify: true"
  fi
  cat >"$KUBECONFIG_FILE" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: control-plane
  cluster:
    server: $url
$tls_line
users:
- name: admin
  user:
    token: $token
contexts:
- name: control-plane
  context:
    cluster: control-plane
    user: admin
    namespace: default
current-context: control-plane
EOF
  chmod 600 "$KUBECONFIG_FILE"
}

# Shell export lines, readable by `source` and by simple KEY=VALUE parsers.
write_env_file() {
  local tmp="$ENV_FILE.tmp" key
  {
    for key in CONTROL_PLANE_DIR KUBECONFIG KUBE_APISERVER_URL ETCD_ENDPOINT KUBE_APISERVER_PID ETCD_PID; do
      printf 'export %s=%q\n' "$key" "${!key}"
    done
    if node_mode; then
      echo "export CONTROL_PLANE_NODE=1"
      node_env_lines
    fi
  } >"$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

start_instance() {
  local etcd_port etcd_peer_port apiserver_port
  read -r etcd_port etcd_peer_port apiserver_port < <(pick_free_ports 3)
  [[ -n $apiserver_port ]] || die "could not pick free ports"
  printf 'etcd_client=%s\netcd_peer=%s\nkube_apiserver=%s\n' "$etcd_port" "$etcd_peer_port" "$apiserver_port" >"$PORTS_FILE"
  local etcd_url="http://127.0.0.1:$etcd_port" apiserver_url="https://127.0.0.1:$apiserver_port"

  log "starting etcd on $etcd_url (log: $ETCD_LOG)"
  start_etcd "$etcd_port" "$etcd_peer_port"
  log "starting kube-apiserver on $apiserver_url (log: $APISERVER_LOG)"
  if node_mode; then node_pki; fi
  write_apiserver_args "$apiserver_port" "$etcd_url"
  start_apiserver "$apiserver_url"
  write_kubeconfig "$apiserver_url"
  if node_mode; then start_node; fi

  CONTROL_PLANE_DIR=$CP_DIR KUBECONFIG=$KUBECONFIG_FILE KUBE_APISERVER_URL=$apiserver_url ETCD_ENDPOINT=$etcd_url \
    KUBE_APISERVER_PID=$(read_pid "$APISERVER_PID_FILE") ETCD_PID=$(read_pid "$ETCD_PID_FILE") write_env_file
  if is_default_instance; then
    ln -sfn control-plane/kubeconfig "$DEFAULT_KUBECONFIG_LINK"
  fi
}

# Stop this instance's processes: apiserver first (without etcd it can ignore
# SIGTERM for minutes), then etcd.
stop_instance() {
  stop_node
  stop_pid kube-apiserver "$(read_pid "$APISERVER_PID_FILE")" "$STOP_GRACE_SECONDS"
  stop_pid etcd "$(read_pid "$ETCD_PID_FILE")" "$STOP_GRACE_SECONDS"
}

remove_dir() {
  [[ -d $CP_DIR ]] || return 0
  dir_is_ours || die "$CP_DIR is not empty and was not created by this script (no $MARKER); not removing it"
  # Never delete through a mount (a Pod volume the node left behind).
  local mounts
  mounts=$(findmnt -rn -o TARGET 2>/dev/null || true)
  if grep -qF -- "$CP_DIR/" <<<"$mounts"; then
    die "mounts remain under $CP_DIR (findmnt | grep $CP_DIR); not removing it"
  fi
  rm -rf --one-file-system -- "$CP_DIR"
  if is_default_instance && [[ -L $DEFAULT_KUBECONFIG_LINK ]]; then rm -f "$DEFAULT_KUBECONFIG_LINK"; fi
}

print_summary() {
  load_env
  cat >&2 <<EOF
control-plane: ready ($CP_DIR)
  kube-apiserver  $KUBE_APISERVER_URL  pid $KUBE_APISERVER_PID  log $APISERVER_LOG
  etcd            $ETCD_ENDPOINT  pid $ETCD_PID  log $ETCD_LOG
$(if node_mode; then cat <<NODE
  node $NODE_NAME     kube-controller-manager pid $KUBE_CONTROLLER_MANAGER_PID, kube-scheduler pid $KUBE_SCHEDULER_PID,
                  containerd pid $CONTAINERD_PID ($CONTAINERD_ADDRESS), kubelet pid $KUBELET_PID; logs $NODE_DIR/*.log
NODE
fi)
  kubeconfig      $KUBECONFIG_FILE$(is_default_instance && echo " (also $DEFAULT_KUBECONFIG_LINK)")
  env             source $ENV_FILE
EOF
}

# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------

cmd_build() {
  build_binaries
  log "binaries: $BIN_DIR (${BUILT_FILES[*]})"
}

cmd_up() {
  if ((WANT_NODE)); then
    local reason
    reason=$(node_unsupported_reason)
    [[ -z $reason ]] || die "this machine cannot run the node: $reason"
  fi
  ensure_packages "${RUNTIME_PACKAGES[@]}"
  if ((WANT_NODE)); then ensure_packages "${NODE_PACKAGES[@]}"; fi
  build_binaries
  lock_instance
  if instance_running; then
    if ((WANT_NODE)) && ! node_mode; then
      die "$CP_DIR runs without a node; stop it first ('$0 down') to start it with --node"
    elif ((!WANT_NODE)) && node_mode; then
      die "$CP_DIR runs with a node; stop it first ('$0 down') to start it without"
    fi
    log "already running"
    print_summary
    return 0
  fi
  if [[ -e $CP_DIR ]] && ! dir_is_ours; then
    die "$CP_DIR exists, is not empty and was not created by this script; refusing to use it"
  fi
  if [[ -f $CP_DIR/$MARKER ]]; then
    log "cleaning up stale state in $CP_DIR"
    stop_instance
    remove_dir
  fi
  # The node is one per machine: claim it before making anything.
  if ((WANT_NODE)); then node_claim; fi
  prepare_dir
  generate_credentials
  if ((WANT_NODE)); then mkdir -p "$NODE_DIR" && touch "$NODE_MARKER"; fi
  # If startup fails, do not leave half an instance running.
  if ! run_checked start_instance; then
    stop_instance
    die "control plane failed to start; logs kept in $CP_DIR (run '$0 down' to remove)"
  fi
  print_summary
}

cmd_down() {
  lock_instance
  if [[ ! -e $CP_DIR ]]; then
    log "nothing to stop ($CP_DIR does not exist)"
    return 0
  fi
  stop_instance
  remove_dir
  log "stopped and removed $CP_DIR"
}

# Resident memory of a process, in MiB.
rss_mib() { awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

cmd_status() {
  if ! load_env 2>/dev/null; then
    echo "not running (no $ENV_FILE)"
    return 1
  fi
  local ok=0 etcd_state apiserver_state
  if ! pid_is_ours "$ETCD_PID"; then
    etcd_state="NOT running (recorded pid $ETCD_PID)" ok=1
  elif etcd_healthy "$ETCD_ENDPOINT"; then
    etcd_state="running, pid $ETCD_PID, RSS $(rss_mib "$ETCD_PID") MiB, health ok"
  else
    etcd_state="running, pid $ETCD_PID, health FAILING" ok=1
  fi
  if ! pid_is_ours "$KUBE_APISERVER_PID"; then
    apiserver_state="NOT running (recorded pid $KUBE_APISERVER_PID)" ok=1
  elif apiserver_ready "$KUBE_APISERVER_URL"; then
    apiserver_state="running, pid $KUBE_APISERVER_PID, RSS $(rss_mib "$KUBE_APISERVER_PID") MiB, readyz ok"
  else
    apiserver_state="running, pid $KUBE_APISERVER_PID, readyz FAILING" ok=1
  fi
  echo "control plane: $( ((ok == 0)) && echo running || echo 'not running (degraded)') ($CP_DIR)"
  echo "  etcd:           $ETCD_ENDPOINT  $etcd_state"
  echo "  kube-apiserver: $KUBE_APISERVER_URL  $apiserver_state"
  echo "  kubeconfig:     $KUBECONFIG"
  if node_mode; then
    local name pid
    for name in kube-controller-manager kube-scheduler containerd kubelet; do
      pid=$(read_pid "$NODE_DIR/$name.pid")
      if pid_is_ours "$pid"; then
        printf '  %-24s running, pid %s, RSS %s MiB\n' "$name:" "$pid" "$(rss_mib "$pid")"
      else
        printf '  %-24s NOT running (recorded pid %s)\n' "$name:" "$pid"
        ok=1
      fi
    done
  fi
  return "$ok"
}

cmd_env() {
  [[ -f $ENV_FILE ]] || die "no control plane in $CP_DIR (run: $0 up)"
  cat "$ENV_FILE"
}

cmd_restart_apiserver() {
  lock_instance
  load_env 2>/dev/null || die "no control plane in $CP_DIR (run: $0 up)"
  [[ -f $APISERVER_ARGS_FILE ]] || die "missing $APISERVER_ARGS_FILE"
  if ! pid_is_ours "$ETCD_PID" || ! etcd_healthy "$ETCD_ENDPOINT"; then
    die "etcd is not running or not healthy (log: $ETCD_LOG)"
  fi
  stop_pid kube-apiserver "$KUBE_APISERVER_PID" "$STOP_GRACE_SECONDS"
  sleep "${APISERVER_DOWN_SECONDS:-0}"
  log "starting kube-apiserver on $KUBE_APISERVER_URL (log: $APISERVER_LOG)"
  start_apiserver "$KUBE_APISERVER_URL"
  KUBE_APISERVER_PID=$(read_pid "$APISERVER_PID_FILE") write_env_file
  print_summary
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

cmd_node_check() {
  local reason
  reason=$(node_unsupported_reason)
  if [[ -n $reason ]]; then
    echo "$reason"
    return 1
  fi
}

# Builds (once, cached) and imports the local real-agent image into this instance's node.
cmd_agent_image_claude() {
  load_env 2>/dev/null || die "no control plane in $CP_DIR (run: $0 up --node)"
  containerd_ready || die "no node runs in $CP_DIR (run: $0 up --node)"
  log "building the local real-agent image $CLAUDE_AGENT_IMAGE (Claude Code CLI from npm, cached; log: $NODE_DIR/images.log)"
  (build_claude_agent_image >>"$NODE_DIR/images.log" 2>&1) \
    || { show_log_tail "$NODE_DIR/images.log"; die "building the real-agent image failed (log: $NODE_DIR/images.log)"; }
  build_claude_agent_image # sets CLAUDE_AGENT_TAR (cached now)
  ctr --address "$CONTAINERD_SOCKET" -n k8s.io images import "$CLAUDE_AGENT_TAR" >>"$NODE_DIR/images.log" 2>&1 \
    || { show_log_tail "$NODE_DIR/images.log"; die "importing $CLAUDE_AGENT_TAR into containerd failed"; }
  log "imported $CLAUDE_AGENT_IMAGE"
}

main() {
  local cmd=${1:-}
  case $cmd in
    up)
      case ${2:-} in
        --node) WANT_NODE=1 ;;
        "") ;;
        *) usage >&2; exit 2 ;;
      esac
      cmd_up ;;
    node-check) cmd_node_check ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    restart-apiserver) cmd_restart_apiserver ;;
    build) cmd_build ;;
    agent-image-claude) cmd_agent_image_claude ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
