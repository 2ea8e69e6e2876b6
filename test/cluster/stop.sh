#!/usr/bin/env bash
# Stop the test cluster started by start.sh: signals only the PIDs start.sh recorded (and only if the
# process start time still matches, so a recycled PID is never hit), then removes the run dir
# unless KEEP_RUN=1.
set -euo pipefail

DIR=${NIMBLE_K8S_CLUSTER_DIR:-$HOME/.cache/nimble-k8s-cluster}
RUN=${NIMBLE_K8S_RUN_DIR:-$DIR/run}

log() { printf '[stop.sh %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# start time of a live (non-zombie) PID (field 22 of /proc/PID/stat); used to never signal a recycled PID
proc_start() { awk '{ sub(/^.*\) /, ""); if ($1 != "Z" && $1 != "X") print $20 }' "/proc/$1/stat" 2>/dev/null || true; }

if [ ! -d "$RUN" ]; then log "no run dir $RUN; nothing to stop"; exit 0; fi
if [ ! -f "$RUN/.nimble-k8s-run" ]; then log "ERROR: $RUN is not a cluster run dir; refusing"; exit 1; fi

rc=0
# stop_group NAME... : SIGTERM all, wait up to 10 s, then SIGKILL the rest
stop_group() {
  local c f pid st names=() pids=() starts=() i
  for c in "$@"; do
    f=$RUN/pids/$c.pid
    [ -f "$f" ] || continue
    pid=; st=
    read -r pid st < "$f" || true
    if [ -z "$pid" ] || [ -z "$st" ] || [ "$(proc_start "$pid")" != "$st" ]; then
      log "$c (pid ${pid:-?}) was not running"; rm -f "$f"; continue
    fi
    kill -TERM "$pid" 2>/dev/null || true
    names+=("$c"); pids+=("$pid"); starts+=("$st")
  done
  for i in "${!pids[@]}"; do
    for _ in $(seq 1 40); do [ "$(proc_start "${pids[$i]}")" = "${starts[$i]}" ] || break; sleep 0.25; done
    if [ "$(proc_start "${pids[$i]}")" = "${starts[$i]}" ]; then
      log "${names[$i]} (pid ${pids[$i]}) ignored SIGTERM for 10s; sending SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
      sleep 0.5
      if [ "$(proc_start "${pids[$i]}")" = "${starts[$i]}" ]; then
        log "ERROR: could not stop ${names[$i]} (pid ${pids[$i]})"; rc=1; continue
      fi
    fi
    log "stopped ${names[$i]} (pid ${pids[$i]})"
    rm -f "$RUN/pids/${names[$i]}.pid"
  done
}
stop_group kube-scheduler kube-controller-manager kwok
stop_group kube-apiserver
stop_group etcd

if [ "$rc" = 0 ] && [ "${KEEP_RUN:-0}" != 1 ]; then
  rm -rf "$RUN"
  log "removed $RUN"
elif [ "$rc" = 0 ]; then
  log "kept $RUN (KEEP_RUN=1; logs in $RUN/logs)"
fi
exit "$rc"
