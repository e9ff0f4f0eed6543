# shellcheck shell=bash
# Local container images, built without a container engine or registry: a root filesystem directory made
# here, written as a docker-archive tarball by hack/lib/image-archive.py, imported with `ctr images import`.
# Sourced by hack/control-plane.sh (which defines log, die, ensure_packages and CACHE_ROOT). Reusable for
# further images: start from make_busybox_rootfs, add files, then image_archive.
#
#   busybox_static                 sets BUSYBOX_BIN to Debian's busybox-static binary (downloaded and unpacked once, never
#                                  installed: it conflicts with the `busybox` package)
#   make_busybox_rootfs DIR        a minimal Linux root: busybox and its applets, /etc/passwd with root and the
#                                  agent user (uid/gid 1000), /tmp (1777)
#   image_archive ARGS...          hack/lib/image-archive.py ARGS... (see its --help)
#   build_node_images OUT PAUSE    busybox:1.36, the pause image and the stand-in agent into OUT/*.tar

IMAGES_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly IMAGES_LIB_DIR
readonly BUSYBOX_IMAGE=busybox:1.36
readonly STANDIN_AGENT_IMAGE=localhost/taskrun-agent-standin:dev
readonly AGENT_UID=1000

# Sets BUSYBOX_BIN.
busybox_static() {
  local dir=$CACHE_ROOT/busybox-static deb
  BUSYBOX_BIN=$dir/bin/busybox
  [[ -x $BUSYBOX_BIN ]] && return 0
  mkdir -p "$CACHE_ROOT/debs"
  deb=$(ls "$CACHE_ROOT"/debs/busybox-static_*.deb 2>/dev/null | head -n 1 || true)
  if [[ -z $deb ]]; then
    apt_update_once
    (cd "$CACHE_ROOT/debs" && apt_get_wait download busybox-static) || die "could not download Debian's busybox-static package"
    deb=$(ls "$CACHE_ROOT"/debs/busybox-static_*.deb | head -n 1)
  fi
  rm -rf "$dir.tmp"
  dpkg -x "$deb" "$dir.tmp" || die "could not unpack $deb"
  rm -rf "$dir" && mv -f "$dir.tmp" "$dir"
}

make_busybox_rootfs() {
  local root=$1 busybox applet
  busybox_static
  busybox=$BUSYBOX_BIN
  rm -rf "$root" && mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,tmp,proc,sys,dev,root,home/agent,workspace}
  cp "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$root/bin/$applet"
  done
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nagent:x:%s:%s:agent:/home/agent:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    "$AGENT_UID" "$AGENT_UID" >"$root/etc/passwd"
  printf 'root:x:0:\nagent:x:%s:\nnogroup:x:65534:\n' "$AGENT_UID" >"$root/etc/group"
}

image_archive() { python3 "$IMAGES_LIB_DIR/image-archive.py" "$@"; }

# build_node_images OUT_DIR PAUSE_BINARY PAUSE_IMAGE
build_node_images() {
  local out=$1 pause=$2 pause_image=$3 work
  mkdir -p "$out"
  work=$(mktemp -d "$out/rootfs.XXXXXX")
  make_busybox_rootfs "$work/busybox"
  image_archive --rootfs "$work/busybox" --tag "$BUSYBOX_IMAGE" --out "$out/busybox.tar" --cmd '["sh"]'

  # The stand-in agent: busybox plus `claude` (hack/images/agent-standin/claude), running as the agent user.
  cp -a "$work/busybox" "$work/agent"
  install -m 0755 "$IMAGES_LIB_DIR/../images/agent-standin/claude" "$work/agent/usr/local/bin/claude"
  image_archive --rootfs "$work/agent" --tag "$STANDIN_AGENT_IMAGE" --out "$out/agent-standin.tar" \
    --cmd '["claude"]' --user "$AGENT_UID:$AGENT_UID" --workdir /workspace --owner "home/agent=$AGENT_UID:$AGENT_UID"

  # The Pod sandbox image: Kubernetes' own pause, built with the binaries (hack/control-plane.sh build).
  mkdir -p "$work/pause"
  cp "$pause" "$work/pause/pause"
  image_archive --rootfs "$work/pause" --tag "$pause_image" --out "$out/pause.tar" --entrypoint '["/pause"]' --user 65535:65535
  rm -rf "$work"
}
