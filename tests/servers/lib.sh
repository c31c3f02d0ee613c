# shellcheck shell=bash
# Helpers shared by ground-truth.sh and accuracy.sh (source it). Needs bash 5 and python3.
servers_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# free_port: print a port on 127.0.0.1 that was free a moment ago.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT [SECONDS]: wait until 127.0.0.1:PORT accepts TCP (default 10 s).
wait_port() {
  local port=$1 deadline=$((SECONDS + ${2:-10}))
  while ((SECONDS < deadline)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

declare -gA SERVER_PORT=()
declare -ga SERVER_PIDS=()

# start_servers PKIDIR WORKDIR NAME...: start each server, fill SERVER_PORT[name], wait for all.
start_servers() {
  local pki=$1 work=$2 name port
  shift 2
  # build the Go server once, before the go-* servers race to do it
  for name in "$@"; do
    if [[ $name == go-* ]]; then
      (cd "$servers_dir/go" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS= go build -o "$work/goserver" .)
      break
    fi
  done
  for name in "$@"; do
    port=$(free_port)
    SERVER_PORT[$name]=$port
    setsid "$servers_dir/start.sh" "$name" "$port" "$pki" "$work" >"$work/$name.log" 2>&1 &
    SERVER_PIDS+=($!)
  done
  for name in "$@"; do
    if ! wait_port "${SERVER_PORT[$name]}" 10; then
      echo "server $name did not listen on ${SERVER_PORT[$name]} within 10 s:" >&2
      cat "$work/$name.log" >&2
      return 1
    fi
    # Traefik and etcd listen before they answer TLS (Traefik closes without a byte until its
    # configuration is loaded): wait, at most 10 s, until a handshake gets a TLS record back
    # (traefik-verify-no-cafiles never answers; its cells are then what it does)
    case $name in
    traefik-* | etcd-*) wait_tls "${SERVER_PORT[$name]}" 10 || true ;;
    esac
  done
}

# wait_tls PORT SECONDS: until `openssl s_client` reads a TLS record from 127.0.0.1:PORT (its
# ServerHello, or an alert), polling every 50 ms; 1 when SECONDS pass first.
wait_tls() {
  local port=$1 until=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$until" ]; do
    if openssl s_client -connect "127.0.0.1:$port" -brief </dev/null 2>&1 |
      grep -qE 'depth=|Protocol version|alert'; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

# stop_servers: kill every server started by start_servers (each runs in its own session/group).
stop_servers() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  sleep 0.2
  for pid in "${SERVER_PIDS[@]}"; do
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  SERVER_PIDS=()
}
