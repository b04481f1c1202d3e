#!/usr/bin/env bash
# A 3-master Redis Cluster on 127.0.0.1 for the idempotency store's tests (Redis Cluster support).
# Usage: .ci/redis-cluster.sh start|stop|status. Idempotent: `start` does nothing when the cluster
# already answers with cluster_state:ok. Ports: TAILGUARD_REDIS_CLUSTER_PORTS (default 7001 7002 7003).
# Nothing is persisted; the nodes' files live under ${TMPDIR:-/tmp}/tailguard-redis-cluster.
set -euo pipefail
ports=(${TAILGUARD_REDIS_CLUSTER_PORTS:-7001 7002 7003})
dir="${TMPDIR:-/tmp}/tailguard-redis-cluster"

cluster_ok() {
  redis-cli -h 127.0.0.1 -p "${ports[0]}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

start() {
  if cluster_ok; then return 0; fi
  echo "== Starting a Redis Cluster on 127.0.0.1 ports ${ports[*]}"
  # A half-started cluster (nodes up, slots not assigned, or stale nodes.conf) is started afresh.
  stop_nodes
  rm -rf "$dir"
  for port in "${ports[@]}"; do
    mkdir -p "$dir/$port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$dir/$port" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
      --save "" --appendonly no --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log"
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 1 30); do
      redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && break
      sleep 0.2
    done
  done
  nodes=()
  for port in "${ports[@]}"; do nodes+=("127.0.0.1:$port"); done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
  for _ in $(seq 1 50); do cluster_ok && return 0; sleep 0.2; done
  echo "Redis Cluster did not reach cluster_state:ok" >&2
  return 1
}

stop_nodes() {
  for port in "${ports[@]}"; do
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop_nodes ;;
  status) if cluster_ok; then echo "Redis Cluster ok on ${ports[*]}"; else echo "Redis Cluster not answering"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
