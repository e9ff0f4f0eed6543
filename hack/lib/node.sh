# shellcheck shell=bash
# A one-node Kubernetes beside the control plane of hack/control-plane.sh (`up --node`): kube-controller-manager
# and kube-scheduler, containerd (own root, state and socket) with runc, a kubelet on loopback, an isolated CNI
# bridge (no gateway: nothing leaves the machine), local images, and a pool of hostPath PersistentVolumes.
# Sourced by hack/control-plane.sh, which defines CP_DIR, BIN_DIR, CACHE_ROOT, log, die, spawn_detached,
# stop_pid, pid_alive, pid_is_ours, read_pid, wait_until, pick_free_ports and ensure_packages.
# Why each setting is what it is: docs/local-node.md.

readonly NODE_PACKAGES=(containerd runc containernetworking-plugins python3 util-linux iproute2)
readonly NODE_NAME=127.0.0.1
readonly NODE_BRIDGE=${NODE_BRIDGE:-taskrun0}
readonly NODE_POD_SUBNET=${NODE_POD_SUBNET:-10.244.77.0/24}
readonly NODE_VOLUME_COUNT=${NODE_VOLUME_COUNT:-24}
readonly NODE_VOLUME_CAPACITY=100Gi
readonly NODE_START_TIMEOUT=90
# Machine-wide: the kubepods cgroups, the bridge and containerd's shim socket directory exist once per
# machine, so one node runs at a time. The owner file names the instance that has it.
readonly NODE_STATE_DIR=/run/taskrun-orchestrator
readonly NODE_OWNER_FILE=$NODE_STATE_DIR/node-owner
# Paths the 1.20 kubelet and containerd 1.6 use whatever their root: the kubelet's device-plugin socket, the CNI
# result cache, containerd's shim sockets. The ones that did not exist before the node are removed after it.
readonly NODE_FIXED_PATHS=(/var/lib/kubelet /var/lib/cni /run/containerd)
PAUSE_IMAGE="localhost/taskrun-node/pause:$KUBE_VERSION-$PATCHLEVEL"
readonly PAUSE_IMAGE

# shellcheck source=hack/lib/images.sh
source "$(dirname "${BASH_SOURCE[0]}")/images.sh"

NODE_DIR="$CP_DIR/node"
CONTAINERD_SOCKET="$NODE_DIR/containerd/containerd.sock"
NODE_MARKER="$CP_DIR/node-mode"

node_mode() { [[ -f $NODE_MARKER ]]; }

# Why this machine cannot run the node (empty: it can). local-up falls back to --no-node on a reason.
node_unsupported_reason() {
  [[ $EUID -eq 0 ]] || { echo "not root (containerd, runc and the kubelet need root)"; return; }
  [[ $(uname -s) == Linux ]] || { echo "not Linux"; return; }
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    grep -qw memory /sys/fs/cgroup/cgroup.controllers || { echo "cgroup v2 without the memory controller"; return; }
  else
    [[ -d /sys/fs/cgroup/memory && -d /sys/fs/cgroup/cpu ]] || { echo "no cgroups (no /sys/fs/cgroup/{memory,cpu})"; return; }
  fi
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || { echo "no overlay file system"; return; }
  # The CP_DIR paths end up in unix socket paths (at most 107 bytes).
  ((${#CONTAINERD_SOCKET} < 100)) || { echo "the data dir $CP_DIR is too long for a unix socket path; set CONTROL_PLANE_DIR shorter"; return; }
}

# ---------------------------------------------------------------------------
# One node per machine
# ---------------------------------------------------------------------------

node_owner_alive() {
  local owner
  owner=$(cat "$NODE_OWNER_FILE" 2>/dev/null) || return 1
  [[ -n $owner && -f $owner/env ]] || return 1
  local pid
  pid=$(grep -E '^export KUBELET_PID=' "$owner/env" 2>/dev/null | cut -d= -f2)
  pid_alive "${pid:-}" && tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$owner/"
}

# NODE_WAIT_SECONDS (default 0): how long to wait for another instance's node to stop before giving up.
node_claim() {
  mkdir -p "$NODE_STATE_DIR"
  local lock_fd owner deadline=$((SECONDS + ${NODE_WAIT_SECONDS:-0})) said=0
  exec {lock_fd}>"$NODE_STATE_DIR/node.lock"
  while true; do
    flock "$lock_fd"
    owner=$(cat "$NODE_OWNER_FILE" 2>/dev/null || true)
    [[ -n $owner && $owner != "$CP_DIR" ]] && node_owner_alive || break
    flock -u "$lock_fd"
    if ((SECONDS >= deadline)); then
      exec {lock_fd}>&-
      die "a local node already runs on this machine (instance $owner; one node per machine). Stop it first:
  CONTROL_PLANE_DIR=$owner hack/control-plane.sh down      (or hack/local-down.sh if it is .local/control-plane)"
    fi
    ((said)) || log "waiting up to ${NODE_WAIT_SECONDS}s for the node of $owner to stop (one node per machine)"
    said=1
    sleep 5
  done
  # A dead owner's leftovers (the bridge, empty kubepods cgroups) are machine-wide: clear them.
  node_remove_machine_state
  echo "$CP_DIR" >"$NODE_OWNER_FILE"
  exec {lock_fd}>&-
}

node_release() {
  [[ $(cat "$NODE_OWNER_FILE" 2>/dev/null) == "$CP_DIR" ]] || return 0
  node_remove_machine_state
  rm -f "$NODE_OWNER_FILE"
}

node_remove_machine_state() {
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then ip link delete "$NODE_BRIDGE" 2>/dev/null || true; fi
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    # Only empty cgroups can be removed: anything still running keeps its cgroup.
    [[ -d $hierarchy ]] && find "$hierarchy" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}

# ---------------------------------------------------------------------------
# Start
# ---------------------------------------------------------------------------

# A CA the kubelet trusts and a client certificate for the API server, so only the API server can call the
# kubelet (logs, exec) even though it listens on loopback of a shared machine.
node_pki() {
  local pki=$NODE_DIR/pki
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=taskrun-local-kubelet-client-ca" \
    -keyout "$pki/kubelet-client-ca.key" -out "$pki/kubelet-client-ca.crt" 2>/dev/null || die "openssl: kubelet client CA"
  openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" \
    -keyout "$pki/apiserver-kubelet-client.key" -out "$pki/apiserver-kubelet-client.csr" 2>/dev/null || die "openssl: client key"
  openssl x509 -req -days 30 -in "$pki/apiserver-kubelet-client.csr" -CA "$pki/kubelet-client-ca.crt" \
    -CAkey "$pki/kubelet-client-ca.key" -CAcreateserial -out "$pki/apiserver-kubelet-client.crt" 2>/dev/null || die "openssl: client certificate"
  chmod 600 "$pki"/*.key
}

# The API server flags a node needs, added to the API-server-only ones.
node_apiserver_args() {
  echo "--kubelet-preferred-address-types=InternalIP,Hostname"
  echo "--kubelet-client-certificate=$NODE_DIR/pki/apiserver-kubelet-client.crt"
  echo "--kubelet-client-key=$NODE_DIR/pki/apiserver-kubelet-client.key"
}

healthz_ok() { [[ $(curl -sk --max-time 2 "$1" 2>/dev/null) == ok ]]; }

start_controller_manager() {
  local port=$1
  spawn_detached "$NODE_DIR/kube-controller-manager.pid" "$NODE_DIR/kube-controller-manager.log" \
    "$BIN_DIR/kube-controller-manager" \
    --kubeconfig="$KUBECONFIG_FILE" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port="$port" --port=0 \
    --service-account-private-key-file="$CP_DIR/sa.key" --root-ca-file="$NODE_DIR/apiserver-ca.crt" \
    --use-service-account-credentials=false \
    --feature-gates=TTLAfterFinished=true
  wait_until kube-controller-manager "$(read_pid "$NODE_DIR/kube-controller-manager.pid")" "$NODE_START_TIMEOUT" \
    "$NODE_DIR/kube-controller-manager.log" healthz_ok "https://127.0.0.1:$port/healthz"
}

start_scheduler() {
  local port=$1
  spawn_detached "$NODE_DIR/kube-scheduler.pid" "$NODE_DIR/kube-scheduler.log" \
    "$BIN_DIR/kube-scheduler" --kubeconfig="$KUBECONFIG_FILE" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port="$port" --port=0
  wait_until kube-scheduler "$(read_pid "$NODE_DIR/kube-scheduler.pid")" "$NODE_START_TIMEOUT" \
    "$NODE_DIR/kube-scheduler.log" healthz_ok "https://127.0.0.1:$port/healthz"
}

write_containerd_config() {
  mkdir -p "$NODE_DIR"/{containerd/root,containerd/state,containerd/opt,runc,cni/net.d,cni/ipam}
  cat >"$NODE_DIR/containerd.toml" <<EOF
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
oom_score = 0
[grpc]
  address = "$CONTAINERD_SOCKET"
[metrics]
  address = ""
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$NODE_DIR/containerd/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$PAUSE_IMAGE"
    disable_tcp_service = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_selinux = false
    disable_apparmor = true
    netns_mounts_under_state_dir = true
    # Some VMs deny CAP_SYS_RESOURCE even to root: nothing may then lower oom_score_adj below 0, and runc fails
    # ("can't get final child's PID from pipe"). Clamp every container's oom_score_adj to containerd's own.
    restrict_oom_score_adj = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          Root = "$NODE_DIR/runc"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$NODE_DIR/cni/net.d"
      max_conf_num = 1
EOF
  # An isolated L2 bridge: no gateway (the host gets no address or route on it), no masquerade, no IP
  # forwarding, no iptables rules. Pods get an address (CRI needs one) and reach each other, nothing else.
  cat >"$NODE_DIR/cni/net.d/10-taskrun-local.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "taskrun-local",
  "plugins": [{
    "type": "bridge", "bridge": "$NODE_BRIDGE", "isGateway": false, "isDefaultGateway": false,
    "ipMasq": false, "hairpinMode": false,
    "ipam": {"type": "host-local", "ranges": [[{"subnet": "$NODE_POD_SUBNET"}]], "dataDir": "$NODE_DIR/cni/ipam"}
  }]
}
EOF
}

containerd_ready() { ctr --address "$CONTAINERD_SOCKET" version >/dev/null 2>&1; }

start_containerd() {
  write_containerd_config
  spawn_detached "$NODE_DIR/containerd.pid" "$NODE_DIR/containerd.log" /usr/bin/containerd --config "$NODE_DIR/containerd.toml"
  wait_until containerd "$(read_pid "$NODE_DIR/containerd.pid")" 30 "$NODE_DIR/containerd.log" containerd_ready
  log "building and importing the local images ($BUSYBOX_IMAGE, $STANDIN_AGENT_IMAGE, $PAUSE_IMAGE)"
  build_node_images "$NODE_DIR/images" "$BIN_DIR/pause" "$PAUSE_IMAGE" >>"$NODE_DIR/images.log" 2>&1 \
    || { show_log_tail "$NODE_DIR/images.log"; die "building the local images failed (log: $NODE_DIR/images.log)"; }
  local image
  for image in pause busybox agent-standin; do
    ctr --address "$CONTAINERD_SOCKET" -n k8s.io images import "$NODE_DIR/images/$image.tar" >>"$NODE_DIR/images.log" 2>&1 \
      || { show_log_tail "$NODE_DIR/images.log"; die "importing $image.tar into containerd failed (log: $NODE_DIR/images.log)"; }
  done
}

node_ready() {
  [[ $(kubectl --kubeconfig "$KUBECONFIG_FILE" get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}

start_kubelet() {
  local port=$1 healthz_port=$2
  mkdir -p "$NODE_DIR"/{kubelet/pki,kubelet/volume-plugins,kubelet/seccomp,logs/pods,logs/containers}
  cat >"$NODE_DIR/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $healthz_port
# Only the API server (its client certificate, signed by this node's own CA) may call the kubelet.
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $NODE_DIR/pki/kubelet-client-ca.crt}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
failSwapOn: false
makeIPTablesUtilChains: false
# The local images cannot be pulled again: never garbage-collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
serializeImagePulls: false
volumePluginDir: $NODE_DIR/kubelet/volume-plugins
resolvConf: /etc/resolv.conf
# Where CAP_SYS_RESOURCE is denied, the default -999 cannot be set.
oomScoreAdj: 0
EOF
  # --hostname-override=127.0.0.1: the node's name and InternalIP are 127.0.0.1 (--node-ip refuses loopback),
  # so the API server reaches the kubelet on loopback (kubectl logs). The log directories are this
  # instance's own (a patch of the build, see hack/control-plane.sh).
  spawn_detached "$NODE_DIR/kubelet.pid" "$NODE_DIR/kubelet.log" \
    env KUBELET_POD_LOGS_DIR="$NODE_DIR/logs/pods" KUBELET_CONTAINER_LOGS_DIR="$NODE_DIR/logs/containers" \
    "$BIN_DIR/kubelet" \
    --config="$NODE_DIR/kubelet-config.yaml" --kubeconfig="$KUBECONFIG_FILE" \
    --container-runtime=remote --container-runtime-endpoint="unix://$CONTAINERD_SOCKET" \
    --root-dir="$NODE_DIR/kubelet" --cert-dir="$NODE_DIR/kubelet/pki" \
    --hostname-override="$NODE_NAME" \
    --pod-infra-container-image="$PAUSE_IMAGE" \
    --seccomp-profile-root="$NODE_DIR/kubelet/seccomp"
  wait_until kubelet "$(read_pid "$NODE_DIR/kubelet.pid")" "$NODE_START_TIMEOUT" "$NODE_DIR/kubelet.log" node_ready
}

# Pre-made hostPath PersistentVolumes, owned by the agent user (the Job's Pods run as uid/gid 1000, and
# hostPath volumes ignore fsGroup), so every run's workspace PVC binds locally. Retain: a released volume
# keeps its files and is not reused.
create_volumes() {
  local i name dir manifest=$NODE_DIR/volumes.yaml
  : >"$manifest"
  for ((i = 1; i <= NODE_VOLUME_COUNT; i++)); do
    name=$(printf 'local-workspace-%02d' "$i")
    dir=$NODE_DIR/volumes/$name
    mkdir -p "$dir" && chown "$AGENT_UID:$AGENT_UID" "$dir" && chmod 0775 "$dir"
    cat >>"$manifest" <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $name
  labels: {app.kubernetes.io/part-of: taskrun-local-node}
spec:
  capacity: {storage: $NODE_VOLUME_CAPACITY}
  accessModes: [ReadWriteOnce, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: $dir, type: Directory}
EOF
  done
  kubectl --kubeconfig "$KUBECONFIG_FILE" apply -f "$manifest" >/dev/null || die "creating the local PersistentVolumes failed"
}

default_service_account_exists() { kubectl --kubeconfig "$KUBECONFIG_FILE" -n default get serviceaccount default >/dev/null 2>&1; }

start_node() {
  touch "$NODE_MARKER"
  local kcm_port scheduler_port kubelet_port kubelet_healthz_port
  read -r kcm_port scheduler_port kubelet_port kubelet_healthz_port < <(pick_free_ports 4)
  printf 'kube_controller_manager=%s\nkube_scheduler=%s\nkubelet=%s\nkubelet_healthz=%s\n' \
    "$kcm_port" "$scheduler_port" "$kubelet_port" "$kubelet_healthz_port" >>"$PORTS_FILE"
  # The API server's serving CA (the controller-manager puts it into ServiceAccount token Secrets).
  if [[ -s $CP_DIR/ca.crt ]]; then cp "$CP_DIR/ca.crt" "$NODE_DIR/apiserver-ca.crt"; else : >"$NODE_DIR/apiserver-ca.crt"; fi

  local path
  : >"$NODE_DIR/created-paths"
  for path in "${NODE_FIXED_PATHS[@]}"; do [[ -e $path ]] || echo "$path" >>"$NODE_DIR/created-paths"; done
  log "starting kube-controller-manager (TTLAfterFinished on) and kube-scheduler"
  start_controller_manager "$kcm_port"
  start_scheduler "$scheduler_port"
  wait_until kube-controller-manager "$(read_pid "$NODE_DIR/kube-controller-manager.pid")" 60 \
    "$NODE_DIR/kube-controller-manager.log" default_service_account_exists
  log "starting containerd ($CONTAINERD_SOCKET)"
  start_containerd
  log "starting the kubelet (node $NODE_NAME, port $kubelet_port)"
  start_kubelet "$kubelet_port" "$kubelet_healthz_port"
  create_volumes
}

node_env_lines() {
  local key
  KUBE_CONTROLLER_MANAGER_PID=$(read_pid "$NODE_DIR/kube-controller-manager.pid")
  KUBE_SCHEDULER_PID=$(read_pid "$NODE_DIR/kube-scheduler.pid")
  CONTAINERD_PID=$(read_pid "$NODE_DIR/containerd.pid")
  KUBELET_PID=$(read_pid "$NODE_DIR/kubelet.pid")
  CONTAINERD_ADDRESS=$CONTAINERD_SOCKET
  NODE_LOGS_DIR=$NODE_DIR/logs
  for key in KUBE_CONTROLLER_MANAGER_PID KUBE_SCHEDULER_PID CONTAINERD_PID KUBELET_PID CONTAINERD_ADDRESS NODE_LOGS_DIR; do
    printf 'export %s=%q\n' "$key" "${!key}"
  done
}

node_running() {
  pid_is_ours "$(read_pid "$NODE_DIR/kubelet.pid")" && pid_is_ours "$(read_pid "$NODE_DIR/containerd.pid")" \
    && pid_is_ours "$(read_pid "$NODE_DIR/kube-controller-manager.pid")" && pid_is_ours "$(read_pid "$NODE_DIR/kube-scheduler.pid")"
}

# The fixed paths this node created, once it is stopped: only what it puts there, and only empty directories.
remove_created_fixed_paths() {
  local path
  [[ -f $NODE_DIR/created-paths ]] || return 0
  while read -r path; do
    case $path in
      /var/lib/kubelet)
        rm -f /var/lib/kubelet/device-plugins/kubelet.sock /var/lib/kubelet/device-plugins/DEPRECATION
        rmdir /var/lib/kubelet/device-plugins /var/lib/kubelet 2>/dev/null || true ;;
      /var/lib/cni)
        # Results of sandboxes stopped without a CNI DEL (the node is stopped by killing its containers).
        rm -f /var/lib/cni/results/taskrun-local-* /var/lib/cni/results/cni-loopback-*
        rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null || true ;;
      /run/containerd) rmdir /run/containerd/s /run/containerd 2>/dev/null || true ;;
    esac
  done <"$NODE_DIR/created-paths"
}

# ---------------------------------------------------------------------------
# Stop: by pid, then this instance's containers, mounts, and the machine-wide bridge and cgroups
# ---------------------------------------------------------------------------

stop_node() {
  if [[ ! -d $NODE_DIR ]]; then
    node_release
    return 0
  fi
  # The kubelet first: it would restart containers.
  stop_pid kubelet "$(read_pid "$NODE_DIR/kubelet.pid")" 10
  if [[ -S $CONTAINERD_SOCKET ]] && pid_is_ours "$(read_pid "$NODE_DIR/containerd.pid")"; then
    local task
    for task in $(ctr --address "$CONTAINERD_SOCKET" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$CONTAINERD_SOCKET" -n k8s.io tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    done
    sleep 1
    for task in $(ctr --address "$CONTAINERD_SOCKET" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$CONTAINERD_SOCKET" -n k8s.io tasks delete -f "$task" >/dev/null 2>&1 || true
    done
  fi
  stop_pid containerd "$(read_pid "$NODE_DIR/containerd.pid")" 10
  # The containerd shims re-parent to init; each one's pid file is in this instance's state dir.
  local shim_pid_file pid
  for shim_pid_file in "$NODE_DIR"/containerd/state/io.containerd.runtime.v2.task/*/*/shim.pid; do
    [[ -f $shim_pid_file ]] || continue
    pid=$(cat "$shim_pid_file" 2>/dev/null)
    if pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$CONTAINERD_SOCKET"; then
      log "stopping a leftover containerd shim (pid $pid)"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  stop_pid kube-scheduler "$(read_pid "$NODE_DIR/kube-scheduler.pid")" 5
  stop_pid kube-controller-manager "$(read_pid "$NODE_DIR/kube-controller-manager.pid")" 5
  # Pod volumes, container root file systems and network namespaces, deepest first.
  local mount mounts
  mounts=$(findmnt -rn -o TARGET | grep -F -- "$CP_DIR/" | sort -r || true)
  while read -r mount; do
    [[ -n $mount ]] || continue
    umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true
  done <<<"$mounts"
  remove_created_fixed_paths
  node_release
}
