#!/usr/bin/env bash
# Generates a CA and a serving certificate for the TaskRun webhook, the way cert-manager would mount them.
#
# Usage: hack/certs.sh <dir> [--rotate] [--new-ca]
#   <dir>/ca.crt, ca.key    the CA (kept when it exists, so a rotated serving certificate stays trusted
#                           by the caBundle already registered; --new-ca makes a new one)
#   <dir>/tls.crt, tls.key  the serving certificate (ECDSA P-256, 365 days), signed by the CA, with SANs
#                           127.0.0.1, localhost and the in-cluster Service names of taskrun-webhook
#   An existing serving certificate is kept unless --rotate (or --new-ca) is given.
# Environment:
#   WEBHOOK_SERVICE (taskrun-webhook), WEBHOOK_NAMESPACE (orchestrator): the in-cluster Service.
# Files are replaced by rename, so a reader never sees half a file.
set -euo pipefail

die() { echo "certs: ERROR: $*" >&2; exit 1; }

dir=${1:-}
[[ -n $dir ]] || die "usage: $0 <dir> [--rotate] [--new-ca]"
shift
rotate=0 new_ca=0
for arg in "$@"; do
  case $arg in
    --rotate) rotate=1 ;;
    --new-ca) new_ca=1 rotate=1 ;;
    *) die "unknown argument $arg" ;;
  esac
done
command -v openssl >/dev/null || die "openssl is required (apt-get install openssl)"

service=${WEBHOOK_SERVICE:-taskrun-webhook}
namespace=${WEBHOOK_NAMESPACE:-orchestrator}
mkdir -p "$dir"
chmod 700 "$dir"
work=$(mktemp -d "$dir/.certs.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [[ $new_ca == 1 || ! -s $dir/ca.crt || ! -s $dir/ca.key ]]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$work/ca.key" 2>/dev/null || die "openssl could not make the CA key"
  openssl req -x509 -new -key "$work/ca.key" -sha256 -days 3650 -subj "/CN=taskrun-webhook-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$work/ca.crt" 2>/dev/null || die "openssl could not make the CA certificate"
  mv -f "$work/ca.key" "$dir/ca.key"
  mv -f "$work/ca.crt" "$dir/ca.crt"
  rotate=1
  echo "certs: new CA in $dir/ca.crt" >&2
fi

if [[ $rotate == 0 && -s $dir/tls.crt && -s $dir/tls.key ]]; then
  echo "certs: keeping the serving certificate in $dir (use --rotate for a new one)" >&2
  exit 0
fi

cat >"$work/leaf.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:$service,DNS:$service.$namespace,DNS:$service.$namespace.svc,DNS:$service.$namespace.svc.cluster.local
EXT
openssl ecparam -name prime256v1 -genkey -noout -out "$work/tls.key.ec" 2>/dev/null || die "openssl could not make the serving key"
# PKCS#8 ("BEGIN PRIVATE KEY"), as cert-manager writes it.
openssl pkcs8 -topk8 -nocrypt -in "$work/tls.key.ec" -out "$work/tls.key" || die "openssl could not convert the key"
openssl req -new -key "$work/tls.key" -subj "/CN=$service.$namespace.svc" -out "$work/tls.csr" 2>/dev/null \
  || die "openssl could not make the signing request"
openssl x509 -req -in "$work/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -CAserial "$work/ca.srl" \
  -days 365 -sha256 -extfile "$work/leaf.ext" -out "$work/tls.crt" 2>/dev/null || die "openssl could not sign the serving certificate"
chmod 600 "$work/tls.key"
# Key first, then certificate: the webhook keeps its current pair until both match.
mv -f "$work/tls.key" "$dir/tls.key"
mv -f "$work/tls.crt" "$dir/tls.crt"
echo "certs: serving certificate $(openssl x509 -in "$dir/tls.crt" -noout -serial) in $dir/tls.crt" >&2
