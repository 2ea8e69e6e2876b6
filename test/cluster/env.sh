# shellcheck shell=bash
# Source after start.sh:   source test/cluster/env.sh
# Exports KUBECONFIG (admin, system:masters), NIMBLE_K8S_USER_KUBECONFIG (unprivileged user),
# PATH with the cluster's bin first (kubectl, helm, kube-*, etcd, kwok), HELM_*_HOME inside the
# run dir, and the ports of this run (NIMBLE_K8S_PORT, NIMBLE_K8S_KWOK_PORT, ...).
# Honours the same NIMBLE_K8S_CLUSTER_DIR / NIMBLE_K8S_RUN_DIR as start.sh.
_nimble_k8s_dir=${NIMBLE_K8S_CLUSTER_DIR:-$HOME/.cache/nimble-k8s-cluster}
_nimble_k8s_run=${NIMBLE_K8S_RUN_DIR:-$_nimble_k8s_dir/run}
export KUBECONFIG="$_nimble_k8s_run/kubeconfig"
export NIMBLE_K8S_USER_KUBECONFIG="$_nimble_k8s_run/kubeconfig-user"
case "$PATH" in
  "$_nimble_k8s_dir/bin:"*) ;;
  *) export PATH="$_nimble_k8s_dir/bin:$PATH" ;;
esac
export HELM_CACHE_HOME="$_nimble_k8s_run/helm/cache"
export HELM_CONFIG_HOME="$_nimble_k8s_run/helm/config"
export HELM_DATA_HOME="$_nimble_k8s_run/helm/data"
if [ -f "$_nimble_k8s_run/ports.env" ]; then
  set -a; . "$_nimble_k8s_run/ports.env"; set +a
else
  echo "env.sh: warning: $_nimble_k8s_run/ports.env does not exist yet (run start.sh)" >&2
fi
unset _nimble_k8s_dir _nimble_k8s_run
