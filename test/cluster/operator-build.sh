#!/usr/bin/env bash
# Build NVIDIA's NIM Operator (github.com/NVIDIA/k8s-nim-operator) from its Go module, for the
# `--via operator` integration test, into $NIMBLE_NIM_OPERATOR_DIR (default
# $HOME/.cache/nimble-nim-operator):
#   bin/nim-operator   the manager (run with ENABLE_WEBHOOKS=false against the test cluster)
#   crd/               its CRDs (all of config/crd/bases: NIMCache and NIMService among them)
# The module has replace directives and a vendor/ dir, so `go install m@v` refuses it: download the
# module through the Go module proxy, copy it somewhere writable, `go build -mod=vendor ./cmd`.
# Its v3.x tags are not valid versions of a module path without /v3, so a commit is asked for
# (v3.1.2 = f9e3047e0bf4) and the proxy answers with the pseudo-version.
# Idempotent (bin/.version). Exit codes: 0 built or present; 3 the proxy does not serve the module
# (the reason is printed; callers skip the real-operator test and say why); other: build failure.
# Binaries are never committed.
set -euo pipefail
DIR=${NIMBLE_NIM_OPERATOR_DIR:-$HOME/.cache/nimble-nim-operator}
MODULE=github.com/NVIDIA/k8s-nim-operator
COMMIT=${NIMBLE_NIM_OPERATOR_COMMIT:-f9e3047e0bf4}
export GOMODCACHE=${GOMODCACHE:-$DIR/gomod} GOCACHE=${GOCACHE:-$DIR/gocache}
export GOFLAGS= GOTOOLCHAIN=${GOTOOLCHAIN:-local} CGO_ENABLED=0

log() { printf '[operator-build.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
if [ -x "$DIR/bin/nim-operator" ] && [ "$(cat "$DIR/bin/.version" 2>/dev/null)" = "$COMMIT" ] && [ -d "$DIR/crd" ]; then
  log "nim-operator $COMMIT present in $DIR/bin"; exit 0
fi
command -v go >/dev/null || { log "go not found (Go >= 1.26 needed)"; exit 1; }
mkdir -p "$DIR/bin"
exec 9>"$DIR/.build.lock"; flock 9
T0=$(date +%s)

# 1. Ask the proxy for the commit (gives the pseudo-version and the module's Dir).
JSON=$(cd "$DIR" && go mod download -json "$MODULE@$COMMIT" 2>&1) || true
ERR=$(printf '%s' "$JSON" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p')
if [ -n "$ERR" ] || ! printf '%s' "$JSON" | grep -q '"Dir"'; then
  log "the Go module proxy does not serve $MODULE@$COMMIT:"
  printf '%s\n' "${ERR:-$JSON}" | sed 's/\\n/\n/g; s/\\t/  /g' >&2
  echo "${ERR:-$JSON}" > "$DIR/unavailable.txt"
  exit 3
fi
SRC=$(printf '%s' "$JSON" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
VERSION=$(printf '%s' "$JSON" | sed -n 's/^[[:space:]]*"Version": "\(.*\)",\{0,1\}$/\1/p')
log "module $MODULE@$VERSION in $SRC"

# 2. Writable copy (the module cache is read-only), then build with the vendored dependencies.
WORK=$DIR/src
rm -rf "$WORK"; cp -r "$SRC" "$WORK"; chmod -R u+w "$WORK"
(cd "$WORK" && go build -mod=vendor -trimpath -ldflags "-s -w" -o "$DIR/bin/nim-operator.tmp" ./cmd)
mv "$DIR/bin/nim-operator.tmp" "$DIR/bin/nim-operator"
rm -rf "$DIR/crd"; mkdir -p "$DIR/crd"
# All of them: the manager starts a controller per kind and each needs its CRD served.
cp "$WORK"/config/crd/bases/*.yaml "$DIR/crd/"
echo "$COMMIT" > "$DIR/bin/.version"
rm -f "$DIR/unavailable.txt"
log "built nim-operator $VERSION in $(( $(date +%s) - T0 ))s ($(du -h "$DIR/bin/nim-operator" | cut -f1))"
