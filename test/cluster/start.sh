#!/usr/bin/env bash
# Start the project's loopback-only test cluster (Kubernetes v1.36, see README.md):
# etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok (the nodes and their
# kubelet API), then register the fake nodes (OKE-like A10 GPU node, CPU node), the StorageClass
# "oci-bv" and the default kwok Stages (stages/*.yaml). Prints the admin kubeconfig path on stdout
# (everything else -> stderr). Stop with stop.sh. Binaries come from build.sh.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${NIMBLE_K8S_CLUSTER_DIR:-$HOME/.cache/nimble-k8s-cluster}
BIN=$DIR/bin
RUN=${NIMBLE_K8S_RUN_DIR:-$DIR/run}
PORT=${NIMBLE_K8S_PORT:-6443}
ETCD_PORT=${NIMBLE_K8S_ETCD_PORT:-12379}
ETCD_PEER_PORT=${NIMBLE_K8S_ETCD_PEER_PORT:-12380}
KWOK_PORT=${NIMBLE_K8S_KWOK_PORT:-10250}
NODES=${NIMBLE_K8S_NODES:-gpu,cpu}
[ "${NIMBLE_K8S_NO_GPU_NODE:-0}" = 1 ] && NODES=cpu
GPU_NODE=${NIMBLE_K8S_GPU_NODE_NAME:-gpu-node-1}
CPU_NODE=${NIMBLE_K8S_CPU_NODE_NAME:-cpu-node-1}
TIMEOUT=${NIMBLE_K8S_START_TIMEOUT:-180}
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { printf '[cluster/start.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
for b in "${COMPONENTS[@]}" kubectl; do
  [ -x "$BIN/$b" ] || { log "ERROR: $BIN/$b missing; run test/cluster/build.sh first"; exit 1; }
done
for t in openssl curl; do command -v "$t" >/dev/null 2>&1 || { log "ERROR: $t not found"; exit 1; }; done

# start time of a live (non-zombie) PID; used to never signal a recycled PID
proc_start() { awk '{ sub(/^.*\) /, ""); if ($1 != "Z" && $1 != "X") print $20 }' "/proc/$1/stat" 2>/dev/null || true; }
is_ours() {
  local f=$RUN/pids/$1.pid pid st
  [ -f "$f" ] || return 1
  read -r pid st < "$f" || return 1
  [ -n "$pid" ] && [ -n "$st" ] && [ "$(proc_start "$pid")" = "$st" ]
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ -d "$RUN" ]; then
  for c in "${COMPONENTS[@]}"; do
    if is_ours "$c"; then log "ERROR: cluster in $RUN is already running ($c); run stop.sh first"; exit 1; fi
  done
  if [ -n "$(ls -A "$RUN" 2>/dev/null)" ] && [ ! -f "$RUN/.nimble-k8s-run" ]; then
    log "ERROR: $RUN exists, is not empty and is not a cluster run dir; refusing to use it"; exit 1
  fi
fi
for p in "$PORT" "$ETCD_PORT" "$ETCD_PEER_PORT" "$KWOK_PORT"; do
  if port_busy "$p"; then log "ERROR: 127.0.0.1:$p is already in use (set NIMBLE_K8S_*PORT)"; exit 1; fi
done
mkdir -p "$RUN"; touch "$RUN/.nimble-k8s-run"
rm -rf "$RUN/pids" "$RUN/logs" "$RUN/etcd"
mkdir -p "$RUN/pids" "$RUN/logs" "$RUN/pki" "$RUN/etcd" "$RUN/nim-logs"
chmod 700 "$RUN/etcd" "$RUN/pki"

STARTED=()
cleanup_on_fail() {
  local rc=$? c
  [ "$rc" = 0 ] && return
  log "FAILED (rc=$rc); stopping what was started"
  NIMBLE_K8S_RUN_DIR=$RUN KEEP_RUN=1 bash "$HERE/stop.sh" >/dev/null 2>&1 || true
  for c in "${STARTED[@]}"; do log "---- last lines of $RUN/logs/$c.log"; tail -n 15 "$RUN/logs/$c.log" >&2 || true; done
  exit "$rc"
}
trap cleanup_on_fail EXIT

launch() {  # launch NAME ARGS... ; records "PID STARTTIME" in pids/NAME.pid
  local name=$1; shift
  nohup "$BIN/$name" "$@" > "$RUN/logs/$name.log" 2>&1 < /dev/null &
  local pid=$! st=""
  STARTED+=("$name")
  for _ in $(seq 1 20); do st=$(proc_start "$pid"); [ -n "$st" ] && break; sleep 0.1; done
  echo "$pid $st" > "$RUN/pids/$name.pid"
  log "$name started (pid $pid)"
}
wait_for() {  # wait_for DESCRIPTION NAME CMD...
  local what=$1 name=$2 t0; shift 2; t0=$(date +%s)
  while :; do
    if "$@" >/dev/null 2>&1; then log "$what after $(( $(date +%s) - t0 ))s"; return 0; fi
    if ! is_ours "$name"; then log "ERROR: $name exited while waiting for: $what"; return 1; fi
    if [ $(( $(date +%s) - t0 )) -ge "$TIMEOUT" ]; then log "ERROR: timed out after ${TIMEOUT}s waiting for: $what"; return 1; fi
    sleep 0.3
  done
}

# ---------------------------------------------------------------- PKI + credentials
PKI=$RUN/pki
cert() {  # cert NAME SUBJECT EXT : key + cert signed by the run's CA
  openssl req -newkey rsa:2048 -nodes -sha256 -subj "$2" -keyout "$PKI/$1.key" -out "$PKI/$1.csr" 2>/dev/null
  printf '%s\n' "$3" "basicConstraints=CA:FALSE" > "$PKI/$1.ext"
  openssl x509 -req -sha256 -days 3650 -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -extfile "$PKI/$1.ext" -out "$PKI/$1.crt" 2>/dev/null
}
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=nimble-k8s-cluster-ca" \
  -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
cert apiserver "/CN=kube-apiserver" "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1
extendedKeyUsage=serverAuth"
# the API server's client identity towards the kubelet API (served by kwok) for logs/port-forward
cert kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "extendedKeyUsage=clientAuth"
cert kwok "/CN=kwok-kubelet" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
ADMIN_TOKEN=$(openssl rand -hex 24)
USER_TOKEN=$(openssl rand -hex 24)
{ echo "$ADMIN_TOKEN,nimble-admin,nimble-admin,\"system:masters\""; echo "$USER_TOKEN,nimble-user,nimble-user"; } > "$PKI/tokens.csv"
chmod 600 "$PKI/tokens.csv"

SERVER=https://127.0.0.1:$PORT
CA_DATA=$(base64 -w0 < "$PKI/ca.crt")
write_kubeconfig() {  # write_kubeconfig FILE USER TOKEN
  ( umask 077; cat > "$1" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: nimble-cluster
  cluster:
    server: $SERVER
    certificate-authority-data: $CA_DATA
users:
- name: $2
  user:
    token: $3
contexts:
- name: nimble-cluster
  context:
    cluster: nimble-cluster
    user: $2
    namespace: default
current-context: nimble-cluster
YAML
  )
}
write_kubeconfig "$RUN/kubeconfig" nimble-admin "$ADMIN_TOKEN"
write_kubeconfig "$RUN/kubeconfig-user" nimble-user "$USER_TOKEN"
K=("$BIN/kubectl" --kubeconfig="$RUN/kubeconfig")
cat > "$RUN/ports.env" <<ENV
NIMBLE_K8S_PORT=$PORT
NIMBLE_K8S_ETCD_PORT=$ETCD_PORT
NIMBLE_K8S_ETCD_PEER_PORT=$ETCD_PEER_PORT
NIMBLE_K8S_KWOK_PORT=$KWOK_PORT
ENV

# ---------------------------------------------------------------- etcd
launch etcd --name nimble-cluster --data-dir "$RUN/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "nimble-cluster=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
  --unsafe-no-fsync --logger zap --log-outputs stderr --log-level warn
wait_for "etcd healthy" etcd sh -c "curl -sf 'http://127.0.0.1:$ETCD_PORT/health' | grep -q '\"health\":\"true\"'"

# ---------------------------------------------------------------- kube-apiserver
# Listens on 127.0.0.1 only; the advertised address only lands in the "kubernetes" Endpoints
# object, which rejects loopback addresses.
launch kube-apiserver \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --advertise-address="${NIMBLE_K8S_ADVERTISE_ADDRESS:-10.0.0.1}" --secure-port="$PORT" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" --cert-dir="$PKI" \
  --client-ca-file="$PKI/ca.crt" \
  --token-auth-file="$PKI/tokens.csv" --authorization-mode=Node,RBAC --anonymous-auth=false \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.96.0.0/16 --allow-privileged=true \
  --kubelet-client-certificate="$PKI/kubelet-client.crt" --kubelet-client-key="$PKI/kubelet-client.key" \
  --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
  --disable-admission-plugins=ServiceAccount --profiling=false --v=1
wait_for "kube-apiserver /readyz ok" kube-apiserver sh -c \
  "curl -sf --cacert '$PKI/ca.crt' -H 'Authorization: Bearer $ADMIN_TOKEN' '$SERVER/readyz' | grep -qx ok"

# ---------------------------------------------------------------- kwok CRDs, default Stages, StorageClass
"${K[@]}" apply --server-side -f "$HERE/crds/" >/dev/null
"${K[@]}" wait --for=condition=Established crd --all --timeout=60s >/dev/null
"${K[@]}" apply --server-side -f "$HERE/stages/" >/dev/null
log "kwok CRDs and default Stages installed ($(ls "$HERE"/stages/*.yaml | wc -l) files)"
"${K[@]}" apply -f - >/dev/null <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: oci-bv
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: blockvolume.csi.oraclecloud.com
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
allowVolumeExpansion: true
YAML

# ---------------------------------------------------------------- nodes (kwok manages them)
register_node() {  # register_node NAME LABELS_JSON CAPACITY_JSON ALLOCATABLE_JSON TAINTS_JSON
  "${K[@]}" create -f - >/dev/null <<JSON
{"apiVersion": "v1", "kind": "Node",
 "metadata": {"name": "$1", "labels": $2, "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"}},
 "spec": {"taints": $5},
 "status": {"capacity": $3, "allocatable": $4,
  "nodeInfo": {"kernelVersion": "5.15.0-kwok", "osImage": "Oracle Linux Server 8.10 (kwok)", "containerRuntimeVersion": "cri-o://1.36.0-kwok",
               "kubeletVersion": "v1.36.3", "kubeProxyVersion": "v1.36.3", "operatingSystem": "linux", "architecture": "amd64",
               "machineID": "", "systemUUID": "", "bootID": ""}}}
JSON
  log "registered node $1"
}
case ",$NODES," in *,cpu,*)
  register_node "$CPU_NODE" \
    "{\"kubernetes.io/hostname\": \"$CPU_NODE\", \"kubernetes.io/os\": \"linux\", \"kubernetes.io/arch\": \"amd64\", \"type\": \"kwok\",
      \"node.kubernetes.io/instance-type\": \"VM.Standard.E4.Flex\", \"beta.kubernetes.io/instance-type\": \"VM.Standard.E4.Flex\"}" \
    '{"cpu": "4", "memory": "32Gi", "ephemeral-storage": "50Gi", "pods": "110"}' \
    '{"cpu": "3800m", "memory": "30Gi", "ephemeral-storage": "45Gi", "pods": "110"}' '[]' ;;
esac
case ",$NODES," in *,gpu,*)
  register_node "$GPU_NODE" \
    "{\"kubernetes.io/hostname\": \"$GPU_NODE\", \"kubernetes.io/os\": \"linux\", \"kubernetes.io/arch\": \"amd64\", \"type\": \"kwok\",
      \"node.kubernetes.io/instance-type\": \"VM.GPU.A10.1\", \"beta.kubernetes.io/instance-type\": \"VM.GPU.A10.1\",
      \"nvidia.com/gpu.present\": \"true\", \"nvidia.com/gpu.product\": \"NVIDIA-A10\", \"nvidia.com/gpu.count\": \"1\"}" \
    '{"cpu": "30", "memory": "240Gi", "ephemeral-storage": "100Gi", "pods": "110", "nvidia.com/gpu": "1"}' \
    '{"cpu": "29", "memory": "232Gi", "ephemeral-storage": "90Gi", "pods": "110", "nvidia.com/gpu": "1"}' \
    '[{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]' ;;
esac

# ---------------------------------------------------------------- kwok, controller-manager, scheduler
launch kwok --kubeconfig="$RUN/kubeconfig" --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-ip=127.0.0.1 --node-port="$KWOK_PORT" --server-address="127.0.0.1:$KWOK_PORT" \
  --tls-cert-file="$PKI/kwok.crt" --tls-private-key-file="$PKI/kwok.key" --cidr=10.244.0.0/16 \
  --node-lease-duration-seconds=40 \
  --enable-crds=Stage,Logs,ClusterLogs,PortForward,ClusterPortForward,Exec,ClusterExec,Attach,ClusterAttach
launch kube-controller-manager --kubeconfig="$RUN/kubeconfig" --leader-elect=false \
  --bind-address=127.0.0.1 --secure-port=0 \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --node-monitor-grace-period=120s --controllers='*' --v=1
launch kube-scheduler --kubeconfig="$RUN/kubeconfig" --leader-elect=false --bind-address=127.0.0.1 --secure-port=0 --v=1
wait_for "kube-controller-manager working (serviceaccount default/default exists)" kube-controller-manager \
  "${K[@]}" -n default get serviceaccount default
ready_nodes() { "${K[@]}" get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {.spec.taints[*].key}{"\n"}{end}'; }
all_ready() { local out; out=$(ready_nodes) && ! grep -qv '=True' <<<"$out" && ! grep -q 'not-ready' <<<"$out" && [ -n "$out" ]; }
wait_for "kwok nodes Ready, not-ready taints gone ($NODES)" kwok all_ready
# the scheduler works once it bound a probe pod (kwok runs and deletes it)
PROBE=nimble-cluster-scheduler-probe
"${K[@]}" -n kube-system apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $PROBE}
spec:
  tolerations: [{operator: Exists}]
  containers: [{name: probe, image: registry.k8s.io/pause:3.10}]
YAML
wait_for "kube-scheduler binds pods; kwok runs them" kube-scheduler sh -c \
  "'$BIN/kubectl' --kubeconfig='$RUN/kubeconfig' -n kube-system get pod $PROBE -o jsonpath='{.status.phase}' | grep -qx Running"
"${K[@]}" -n kube-system delete pod "$PROBE" --wait=false >/dev/null
trap - EXIT
log "cluster up: $SERVER (kubelet API by kwok on 127.0.0.1:$KWOK_PORT); run dir $RUN"
echo "$RUN/kubeconfig"
