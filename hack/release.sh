#!/usr/bin/env bash
# Renders one versioned install.yaml from deploy/default with every image pinned, and builds the two images
# when a container engine is available.
#
# Usage: hack/release.sh VERSION        VERSION is semver without a leading v: 1.4.0, 2.0.0-rc.1
# Output: dist/VERSION/install.yaml (or OUTPUT_DIR/install.yaml)
# Environment:
#   IMAGE_REGISTRY   (ghcr.io/5dlabs/platform) where taskrun-webhook and taskrun-controller live; both get :VERSION
#   AGENT_IMAGE      (ghcr.io/5dlabs/platform/claude-code:2.1.328) the agent image written into the controller
#                    config; the default is the Claude Code release docs/agent.md is tested with. Never :latest.
#   CONTAINER_ENGINE (auto) docker or podman to build with; auto uses whichever answers `info`; none skips
#   OUTPUT_DIR       (dist/VERSION) where install.yaml is written
# The script refuses to write install.yaml while any image reference in it is :latest or untagged.
set -euo pipefail

die() { echo "release: ERROR: $*" >&2; exit 1; }

version=${1:-}
[[ $# -eq 1 ]] || die "usage: $0 VERSION (semver, e.g. 1.4.0 or 2.0.0-rc.1)"
# Semantic Versioning 2.0.0, without build metadata (a + is not allowed in an image tag).
semver='^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?$'
[[ $version =~ $semver ]] || die "VERSION '$version' is not a semantic version: use MAJOR.MINOR.PATCH[-PRERELEASE], e.g. 1.4.0 or 2.0.0-rc.1 (no leading v, no +build)"

registry=${IMAGE_REGISTRY:-ghcr.io/5dlabs/platform}
agent_image=${AGENT_IMAGE:-ghcr.io/5dlabs/platform/claude-code:2.1.328}
[[ $agent_image =~ ^[a-z0-9][a-z0-9./_:-]*(:[0-9A-Za-z_][0-9A-Za-z_.-]*|@sha256:[0-9a-f]{64})$ && $agent_image != *:latest ]] ||
  die "AGENT_IMAGE '$agent_image' must be pinned: a tag other than latest (name:1.2.3) or a digest (name@sha256:...)"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${OUTPUT_DIR:-$root/dist/$version}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A copy of deploy/ with the agent image replaced in the config, and an overlay that pins the two images.
cp -r "$root/deploy" "$work/deploy"
config="$work/deploy/config/taskrun-controller-config.yaml"
agent_line='image: "ghcr.io/5dlabs/platform/claude-code:latest"'
[[ $(grep -cF "$agent_line" "$config") -eq 1 ]] || die "expected exactly one line '$agent_line' in deploy/config/taskrun-controller-config.yaml"
sed -i "s|$agent_line|image: \"$agent_image\"|" "$config"

mkdir "$work/deploy/release"
cat > "$work/deploy/release/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../default
images:
- name: ghcr.io/5dlabs/platform/taskrun-webhook
  newName: $registry/taskrun-webhook
  newTag: "$version"
- name: ghcr.io/5dlabs/platform/taskrun-controller
  newName: $registry/taskrun-controller
  newTag: "$version"
EOF

kubectl kustomize "$work/deploy/release" > "$work/install.yaml"

# Every image: line (containers, and the config's agent/init images) must carry a tag or digest, never latest.
if grep -nE ':latest\b' "$work/install.yaml" >&2; then
  die "the rendered install.yaml still contains :latest (lines above); pin them before releasing"
fi
untagged=$(grep -nE '^\s*(- )?image: *"?[^":@ ]+(/[^":@ ]+)*"? *$' "$work/install.yaml" || true)
[[ -z $untagged ]] || die "untagged images in the rendered install.yaml:"$'\n'"$untagged"

mkdir -p "$out"
mv "$work/install.yaml" "$out/install.yaml"
echo "release: wrote $out/install.yaml (webhook and controller :$version, agent $agent_image)"

engine=${CONTAINER_ENGINE:-auto}
if [[ $engine == auto ]]; then
  engine=none
  for candidate in docker podman; do
    if command -v "$candidate" >/dev/null && "$candidate" info >/dev/null 2>&1; then engine=$candidate; break; fi
  done
  [[ $engine != none ]] || echo "release: no container engine (docker or podman answering 'info') found: images not built"
fi
case $engine in
  none) [[ ${CONTAINER_ENGINE:-auto} == auto ]] || echo "release: CONTAINER_ENGINE=none: images not built" ;;
  docker|podman)
    for component in webhook controller; do
      "$engine" build -f "$root/Dockerfile.$component" -t "$registry/taskrun-$component:$version" "$root"
    done
    echo "release: built $registry/taskrun-webhook:$version and $registry/taskrun-controller:$version with $engine; push them before applying install.yaml"
    ;;
  *) die "CONTAINER_ENGINE '$engine' is not docker, podman, auto or none" ;;
esac
