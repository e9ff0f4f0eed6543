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

# The local real-agent image (LOCAL_AGENT=claude hack/local-up.sh; a test and demo tool, never a production agent):
# busybox, the glibc the CLI links against, the real Claude Code CLI from npm (version pinned) as claude-cli, the
# scripted model (hack/images/agent-claude/local-model, static Go) and the `claude` shim that runs the CLI against
# that model on the Pod's own loopback. Cached by CLI version and the hash of its own sources.
readonly CLAUDE_CODE_VERSION=2.1.328
readonly CLAUDE_AGENT_IMAGE=localhost/taskrun-agent-claude:$CLAUDE_CODE_VERSION

# build_claude_agent_image: sets CLAUDE_AGENT_TAR to the cached docker-archive tarball, building it when missing.
build_claude_agent_image() {
  local sources=$IMAGES_LIB_DIR/../images/agent-claude key npm_dir work lib
  key=$(cat "$sources/claude" "$sources/local-model/main.go" "$sources/local-model/go.mod" "$IMAGES_LIB_DIR/images.sh" \
    "$IMAGES_LIB_DIR/image-archive.py" | sha256sum | cut -c1-12)
  CLAUDE_AGENT_TAR=$CACHE_ROOT/images/agent-claude-$CLAUDE_CODE_VERSION-$key.tar
  [[ -s $CLAUDE_AGENT_TAR ]] && return 0
  command -v npm >/dev/null || die "npm is needed to fetch the Claude Code CLI (@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION)"
  mkdir -p "$CACHE_ROOT/images"
  rm -f "$CACHE_ROOT"/images/agent-claude-*.tar # builds of older sources
  npm_dir=$CACHE_ROOT/claude-code-$CLAUDE_CODE_VERSION
  if [[ ! -x $npm_dir/node_modules/@anthropic-ai/claude-code-linux-x64/claude ]]; then
    rm -rf "$npm_dir" && mkdir -p "$npm_dir"
    # --ignore-scripts: the package's postinstall only links the platform binary, which is taken directly below.
    (cd "$npm_dir" && npm install --no-audit --no-fund --ignore-scripts "@anthropic-ai/claude-code@$CLAUDE_CODE_VERSION") \
      || die "npm install @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION failed"
  fi
  work=$(mktemp -d "$CACHE_ROOT/images/agent-claude.XXXXXX")
  make_busybox_rootfs "$work/rootfs"
  mkdir -p "$work/rootfs/lib64" "$work/rootfs/lib/x86_64-linux-gnu"
  cp -L /lib64/ld-linux-x86-64.so.2 "$work/rootfs/lib64/"
  for lib in libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1; do
    cp -L "/lib/x86_64-linux-gnu/$lib" "$work/rootfs/lib/x86_64-linux-gnu/" || die "missing host library $lib"
  done
  install -m 0755 "$npm_dir/node_modules/@anthropic-ai/claude-code-linux-x64/claude" "$work/rootfs/usr/local/bin/claude-cli"
  (cd "$sources/local-model" && env PATH="$GO_BIN_DIR:$PATH" CGO_ENABLED=0 GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local \
    GOCACHE="$work/gocache" GOPATH="$work/gopath" go build -trimpath -ldflags='-s -w' -o "$work/rootfs/usr/local/bin/local-model" .) \
    || die "building the scripted model failed"
  install -m 0755 "$sources/claude" "$work/rootfs/usr/local/bin/claude"
  image_archive --rootfs "$work/rootfs" --tag "$CLAUDE_AGENT_IMAGE" --out "$CLAUDE_AGENT_TAR.tmp" \
    --cmd '["claude"]' --user "$AGENT_UID:$AGENT_UID" --workdir /workspace --owner "home/agent=$AGENT_UID:$AGENT_UID"
  mv -f "$CLAUDE_AGENT_TAR.tmp" "$CLAUDE_AGENT_TAR"
  rm -rf "$work"
}
