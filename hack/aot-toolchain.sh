#!/usr/bin/env bash
# What a native-AOT publish of the controller links with (hack/publish-controller.sh, which Dockerfile.controller
# and hack/test.sh run): clang and zlib's headers, from Debian's archive. Installs only what is missing
# (no apt call at all when both are there), so it is cheap to run before every build.
# Usage: hack/aot-toolchain.sh   (root, or sudo without a password, when something is missing)
set -euo pipefail

packages=(clang zlib1g-dev)
missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$pkg")
done
((${#missing[@]})) || exit 0

sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null && sudo -n true 2>/dev/null \
    || { echo "aot-toolchain: installing ${missing[*]} needs root (or passwordless sudo)" >&2; exit 1; }
  sudo=(sudo -n)
fi
echo "aot-toolchain: installing Debian packages: ${missing[*]}" >&2
# Wait for a dpkg lock another install holds rather than fail on it.
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout="${APT_LOCK_TIMEOUT:-900}" update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="${APT_LOCK_TIMEOUT:-900}" \
  install -y -qq --no-install-recommends "${missing[@]}" >&2
