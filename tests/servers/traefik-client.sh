#!/usr/bin/env bash
# Traefik as an HTTPS client, for the impostor's tests (crates/action-runner/tests/impostor.rs):
# run once per scenario by `mtls-scan impostor -- bash tests/servers/traefik-client.sh …`, it
# starts a Traefik 3 whose one router proxies every request on 127.0.0.1:PORT (plain HTTP) to
# $MTLS_IMPOSTOR_URL through a serversTransport, asks it for /orders once with curl, and stops it.
#
#   TRAEFIK=… bash tests/servers/traefik-client.sh WORKDIR PORT careful|insecure
#
# careful: `rootCAs: [$MTLS_IMPOSTOR_CA_FILE]` (Traefik then checks the chain and the URL's host
# name); insecure: `insecureSkipVerify: true`. CLIENT_CERT and CLIENT_KEY set: the transport's
# `certificates`, the identity Traefik presents upstream. Connections are not reused
# (`maxIdleConnsPerHost: -1`), so none outlives the request. Traefik's own readiness is read on a
# router of its own (`/ready`, ping@internal), never through the upstream.
set -euo pipefail
dir=$1 port=$2 mode=$3
: "${TRAEFIK:=$(bash "$(dirname "${BASH_SOURCE[0]}")/start.sh" --tool traefik)}"
mkdir -p "$dir"
case $mode in
careful) transport="rootCAs: [\"$MTLS_IMPOSTOR_CA_FILE\"]" ;;
insecure) transport="insecureSkipVerify: true" ;;
*) echo "traefik-client.sh: careful or insecure, not $mode" >&2; exit 2 ;;
esac
if [ -n "${CLIENT_CERT:-}" ]; then
  transport="$transport, certificates: [{certFile: \"$CLIENT_CERT\", keyFile: \"$CLIENT_KEY\"}]"
fi
cat >"$dir/dynamic.yml" <<YAML
http:
  routers:
    upstream: {rule: "PathPrefix(\`/\`)", service: upstream, entryPoints: [web]}
    ready: {rule: "Path(\`/ready\`)", service: ping@internal, entryPoints: [web], priority: 1000}
  services:
    upstream:
      loadBalancer:
        serversTransport: upstream
        servers: [{url: "$MTLS_IMPOSTOR_URL"}]
  serversTransports:
    upstream: {$transport, maxIdleConnsPerHost: -1}
YAML
"$TRAEFIK" --entryPoints.web.address="127.0.0.1:$port" --providers.file.filename="$dir/dynamic.yml" \
  --providers.file.watch=false --ping=true --ping.manualRouting=true \
  --global.checkNewVersion=false --global.sendAnonymousUsage=false --log.level=ERROR \
  >>"$dir/traefik.log" 2>&1 </dev/null &
traefik=$!
# SIGKILL: its graceful stop takes ~2 s, and no connection of its outlives the request
# shellcheck disable=SC2329 # the EXIT trap calls it
stop() {
  local rc=$?
  kill -KILL "$traefik" 2>/dev/null
  wait "$traefik" 2>/dev/null || true
  return "$rc"
}
trap stop EXIT
for _ in $(seq 200); do
  curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port/ready" && break
  sleep 0.05
done
# the exit status is curl's (a 502 from a refused upstream is curl's success)
status=0
curl -sS -o /dev/null -w '%{http_code}\n' --max-time 5 "http://127.0.0.1:$port/orders" || status=$?
exit "$status"
