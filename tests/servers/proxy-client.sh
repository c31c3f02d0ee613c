#!/usr/bin/env bash
# A reverse proxy as an HTTPS client, for the impostor's tests (crates/action-runner/tests/impostor.rs):
# run once per scenario by `mtls-scan impostor -- bash tests/servers/proxy-client.sh …`, it starts
# the proxy listening for plain HTTP on 127.0.0.1:PORT and forwarding every request over TLS to
# $MTLS_IMPOSTOR_URL (its upstream, the impostor), asks it for /orders once with curl, and stops it.
# The exit status is curl's: a 502 from a proxy that refused its upstream is curl's success, so
# the verdict is the impostor's, from what reached it.
#
#   bash tests/servers/proxy-client.sh STACK WORKDIR PORT MODE
#
# STACK and MODE (each as its documentation writes it; CLIENT_CERT and CLIENT_KEY set: the identity
# the proxy presents upstream):
#   nginx    default          `proxy_pass https://…` alone: `proxy_ssl_verify` is off by default
#            verify           `proxy_ssl_verify on`, `proxy_ssl_trusted_certificate` the CA
#                             (nginx checks the chain and the name in `proxy_pass`, `proxy_ssl_name`)
#   haproxy  verify-none      `server … ssl verify none`
#            verify-ca        `ssl verify required ca-file CA`: the chain only, no `sni`, no
#                             `verifyhost` (HAProxy then checks no name)
#            verify-host      the same with `verifyhost` the upstream's name
#   apache   default          `SSLProxyEngine on` alone: `SSLProxyVerify none` by default
#            verify           `SSLProxyVerify require`, `SSLProxyCACertificateFile` the CA
#                             (`SSLProxyCheckPeerName` and `-Expire` on by default)
#   stunnel  default          `client = yes` alone: stunnel verifies nothing by default
#            verify-chain     `verifyChain = yes`, `CAfile`: the chain, no `checkHost`
#            verify-host      the same with `checkHost` the upstream's name
#   caddy    default          `reverse_proxy https://…` alone (Go's roots: the impostor's CA
#                             through SSL_CERT_FILE, as a system bundle)
#            trusted-ca       `transport http { tls_trusted_ca_certs CA }`
#            insecure-skip-verify  `tls_insecure_skip_verify`
#                             (its identity: `tls_client_auth`)
#   ats      default          Apache Traffic Server 9 remapping to the upstream, its outbound
#                             TLS as installed: `proxy.config.ssl.client.verify.server.policy`
#                             is PERMISSIVE (it logs a failed check, and carries on)
#            enforced         that policy ENFORCED, the CA as `…client.CA.cert.filename`
#                             (its identity: `proxy.config.ssl.client.cert.filename`)
#   h2o      default          `proxy.reverse.url: https://…` alone (H2O 2.2: proxy.ssl.verify-peer
#                             ON against a bundle of its own, which the impostor's CA is not in:
#                             the control refused, not scanned)
#            cafile           `proxy.ssl.cafile` the CA
#            verify-peer-off  `proxy.ssl.verify-peer: OFF`
#   nghttpx  cacert           `--backend=…;;tls` with `--cacert` the CA
#            insecure         `--insecure`
#                             (its identity: `--client-private-key-file`, `--client-cert-file`)
#   squid    cafile           `cache_peer … originserver tls tls-cafile=CA`
#            dont-verify      `tls-flags=DONT_VERIFY_PEER` beside it
#                             (its identity: `tls-cert=`, `tls-key=`)
#   traefik  root-cas         a serversTransport with `rootCAs` the CA (Traefik then checks the
#                             chain and the URL's host name)
#            insecure-skip-verify  `insecureSkipVerify: true`
#                             (its identity: the transport's `certificates`; connections not
#                             reused, `maxIdleConnsPerHost: -1`; its readiness read on a router of
#                             its own, ping@internal, never through the upstream)
#
# The tools: NGINX, HAPROXY, APACHE2 (its modules from APACHE2_MODULES, default
# /usr/lib/apache2/modules), STUNNEL, TRAEFIK, as `start.sh --tool` finds them; CURL.
set -euo pipefail
stack=$1 dir=$2 port=$3 mode=$4
mkdir -p "$dir"
: "${MTLS_IMPOSTOR_URL:?run by mtls-scan impostor}"
: "${MTLS_IMPOSTOR_CA_FILE:?run by mtls-scan impostor}"
: "${MTLS_IMPOSTOR_HOST:?run by mtls-scan impostor}"
: "${MTLS_IMPOSTOR_ADDR:?run by mtls-scan impostor}"
upstream=${MTLS_IMPOSTOR_URL%/}
host=$MTLS_IMPOSTOR_HOST
addr=$MTLS_IMPOSTOR_ADDR
ca=$MTLS_IMPOSTOR_CA_FILE
identity=${CLIENT_CERT:+1}
bad() { echo "proxy-client.sh: $stack has no mode $mode" >&2; exit 2; }
tool() { bash "$(dirname "${BASH_SOURCE[0]}")/start.sh" --tool "$1"; }
ready="" ready_host=""

case $stack in
nginx)
  : "${NGINX:=$(tool nginx)}"
  mkdir -p "$dir/logs" "$dir/tmp"
  tls=""
  case $mode in
  default) ;;
  verify) tls="proxy_ssl_verify on; proxy_ssl_trusted_certificate $ca;" ;;
  *) bad ;;
  esac
  if [ -n "$identity" ]; then
    tls="$tls proxy_ssl_certificate $CLIENT_CERT; proxy_ssl_certificate_key $CLIENT_KEY;"
  fi
  cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    location / { proxy_pass $upstream; $tls }
  }
}
EOF
  proxy=("$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log")
  ;;
haproxy)
  : "${HAPROXY:=$(tool haproxy)}"
  case $mode in
  verify-none) tls="ssl verify none" ;;
  verify-ca) tls="ssl verify required ca-file $ca" ;;
  verify-host) tls="ssl verify required ca-file $ca verifyhost $host" ;;
  *) bad ;;
  esac
  if [ -n "$identity" ]; then
    cat "$CLIENT_CERT" "$CLIENT_KEY" >"$dir/identity.pem"
    tls="$tls crt $dir/identity.pem"
  fi
  cat >"$dir/haproxy.cfg" <<EOF
global
  log stderr format short local0 info
defaults
  mode http
  log global
  retries 0
  timeout connect 5s
  timeout client 10s
  timeout server 10s
frontend web
  bind 127.0.0.1:$port
  default_backend upstream
backend upstream
  server impostor $addr $tls
EOF
  proxy=("$HAPROXY" -db -f "$dir/haproxy.cfg")
  ;;
apache)
  : "${APACHE2:=$(tool apache2)}"
  modules=${APACHE2_MODULES:-/usr/lib/apache2/modules}
  tls="SSLProxyEngine on"
  case $mode in
  default) ;;
  verify) tls="$tls
SSLProxyVerify require
SSLProxyCACertificateFile $ca" ;;
  *) bad ;;
  esac
  if [ -n "$identity" ]; then
    cat "$CLIENT_CERT" "$CLIENT_KEY" >"$dir/identity.pem"
    tls="$tls
SSLProxyMachineCertificateFile $dir/identity.pem"
  fi
  cat >"$dir/apache2.conf" <<EOF
ServerRoot $dir
PidFile $dir/apache2.pid
ErrorLog $dir/error.log
LogLevel warn
Listen 127.0.0.1:$port
ServerName 127.0.0.1
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule socache_shmcb_module $modules/mod_socache_shmcb.so
LoadModule ssl_module $modules/mod_ssl.so
LoadModule proxy_module $modules/mod_proxy.so
LoadModule proxy_http_module $modules/mod_proxy_http.so
$tls
ProxyPass / $upstream/
ProxyPassReverse / $upstream/
EOF
  proxy=("$APACHE2" -X -f "$dir/apache2.conf")
  ;;
stunnel)
  : "${STUNNEL:=$(tool stunnel)}"
  tls=""
  case $mode in
  default) ;;
  verify-chain) tls="verifyChain = yes
CAfile = $ca" ;;
  verify-host) tls="verifyChain = yes
CAfile = $ca
checkHost = $host" ;;
  *) bad ;;
  esac
  if [ -n "$identity" ]; then
    tls="$tls
cert = $CLIENT_CERT
key = $CLIENT_KEY"
  fi
  cat >"$dir/stunnel.conf" <<EOF
foreground = yes
pid =
debug = warning
[upstream]
client = yes
accept = 127.0.0.1:$port
connect = $addr
sni = $host
$tls
EOF
  proxy=("$STUNNEL" "$dir/stunnel.conf")
  ;;
caddy)
  : "${CADDY:=$(tool caddy)}"
  transport=""
  case $mode in
  default) ;;
  trusted-ca) transport="tls_trusted_ca_certs $ca" ;;
  insecure-skip-verify) transport="tls_insecure_skip_verify" ;;
  *) bad ;;
  esac
  if [ -n "$identity" ]; then
    transport="$transport
      tls_client_auth $CLIENT_CERT $CLIENT_KEY"
  fi
  cat >"$dir/Caddyfile" <<EOF
{
  admin off
  auto_https off
  storage file_system $dir/data
  log {
    output file $dir/caddy.log
  }
}
http://127.0.0.1:$port {
  bind 127.0.0.1
  reverse_proxy $upstream {
    transport http {
      $transport
    }
  }
}
EOF
  export XDG_CONFIG_HOME=$dir/config XDG_DATA_HOME=$dir/data
  proxy=("$CADDY" run --config "$dir/Caddyfile" --adapter caddyfile)
  ;;
ats)
  : "${TRAFFIC_SERVER:=$(tool traffic_server)}"
  case $mode in
  default) tls="" ;;
  enforced)
    tls="CONFIG proxy.config.ssl.client.verify.server.policy STRING ENFORCED
CONFIG proxy.config.ssl.client.CA.cert.path STRING $(dirname "$ca")
CONFIG proxy.config.ssl.client.CA.cert.filename STRING $(basename "$ca")" ;;
  *) bad ;;
  esac
  if [ -n "$identity" ]; then
    tls="$tls
CONFIG proxy.config.ssl.client.cert.path STRING $(dirname "$CLIENT_CERT")
CONFIG proxy.config.ssl.client.cert.filename STRING $(basename "$CLIENT_CERT")
CONFIG proxy.config.ssl.client.private_key.path STRING $(dirname "$CLIENT_KEY")
CONFIG proxy.config.ssl.client.private_key.filename STRING $(basename "$CLIENT_KEY")"
  fi
  # traffic_server alone on a runroot of its own, as start.sh's ats-* servers (no cache, no
  # logging, no user switch, no crash-log helper)
  rm -rf "$dir/log"
  # shellcheck source=SCRIPTDIR/ats.sh
  source "$(dirname "${BASH_SOURCE[0]}")/ats.sh"
  ats_runroot "$dir"
  printf 'ip_allow:\n  - apply: in\n    ip_addrs: 127.0.0.1\n    action: allow\n  - apply: out\n    ip_addrs: 127.0.0.1\n    action: allow\n' >"$dir/etc/ip_allow.yaml"
  printf 'logging: {}\n' >"$dir/etc/logging.yaml"
  cat >"$dir/etc/records.config" <<EOF
CONFIG proxy.config.admin.user_id STRING #-1
CONFIG proxy.config.crash_log_helper STRING /bin/true
CONFIG proxy.config.http.server_ports STRING $port:ip-in=127.0.0.1
CONFIG proxy.config.exec_thread.autoconfig INT 0
CONFIG proxy.config.exec_thread.limit INT 1
CONFIG proxy.config.accept_threads INT 1
CONFIG proxy.config.task_threads INT 1
CONFIG proxy.config.http.cache.http INT 0
CONFIG proxy.config.reverse_proxy.enabled INT 1
CONFIG proxy.config.url_remap.remap_required INT 1
CONFIG proxy.config.log.logging_enabled INT 0
CONFIG proxy.config.http.connect_attempts_max_retries INT 0
CONFIG proxy.config.hostdb.host_file.path STRING /etc/hosts
CONFIG proxy.config.diags.output.error STRING E
CONFIG proxy.config.diags.output.warning STRING E
$tls
EOF
  # a second rule for the readiness check: localhost's port 9, where nothing listens
  printf 'map http://ready.invalid/ http://localhost:9/\nmap http://127.0.0.1:%s/ %s/\n' \
    "$port" "$upstream" >"$dir/etc/remap.config"
  proxy=("$TRAFFIC_SERVER" --run-root="$dir/runroot.yaml")
  # it listens, and even logs that it runs, about a second before it resolves localhost (500
  # "Unknown Host" until then): ready once a request to port 9 gets 502, never touching the
  # impostor
  ready_host=ready.invalid
  ;;
h2o)
  : "${H2O:=$(tool h2o)}"
  case $mode in
  default) tls="" ;;
  cafile) tls="proxy.ssl.cafile: $ca" ;;
  verify-peer-off) tls="proxy.ssl.verify-peer: OFF" ;;
  *) bad ;;
  esac
  # as root it runs as nobody, and writes its log there
  if [ "$(id -u)" = 0 ]; then chown nobody "$dir"; fi
  cat >"$dir/h2o.conf" <<EOF
listen:
  host: 127.0.0.1
  port: $port
error-log: $dir/error.log
num-threads: 1
hosts:
  default:
    paths:
      /:
        proxy.reverse.url: $upstream/
        $tls
EOF
  proxy=("$H2O" -c "$dir/h2o.conf")
  ;;
nghttpx)
  : "${NGHTTPX:=$(tool nghttpx)}"
  case $mode in
  cacert) opts=(--cacert="$ca") ;;
  insecure) opts=(--insecure) ;;
  *) bad ;;
  esac
  if [ -n "$identity" ]; then
    opts+=(--client-private-key-file="$CLIENT_KEY" --client-cert-file="$CLIENT_CERT")
  fi
  hostport=${upstream#https://}
  proxy=("$NGHTTPX" --conf=/dev/null --frontend="127.0.0.1,$port;no-tls"
    --backend="${hostport%:*},${hostport##*:};;tls" "${opts[@]}" --workers=1
    --pid-file="$dir/nghttpx.pid" --errorlog-file="$dir/error.log" --log-level=WARN)
  ;;
squid)
  : "${SQUID:=$(tool squid)}"
  case $mode in
  cafile) tls="tls tls-cafile=$ca" ;;
  dont-verify) tls="tls tls-cafile=$ca tls-flags=DONT_VERIFY_PEER" ;;
  *) bad ;;
  esac
  if [ -n "$identity" ]; then
    tls="$tls tls-cert=$CLIENT_CERT tls-key=$CLIENT_KEY"
  fi
  user_line=""
  if [ "$(id -u)" = 0 ]; then
    user_line="cache_effective_user nobody"
    chown nobody "$dir"
  fi
  hostport=${upstream#https://}
  cat >"$dir/squid.conf" <<EOF
http_port 127.0.0.1:$port accel defaultsite=$host no-vhost
cache_peer ${hostport%:*} parent ${hostport##*:} 0 no-query no-digest originserver name=upstream $tls
cache_peer_access upstream allow all
http_access allow all
never_direct allow all
cache deny all
cache_mem 8 MB
access_log none
cache_log $dir/cache.log
pid_filename none
visible_hostname localhost
shutdown_lifetime 0 seconds
pinger_enable off
coredump_dir $dir
$user_line
EOF
  proxy=("$SQUID" -N -n "mtlsclient$port" -f "$dir/squid.conf")
  ;;
traefik)
  : "${TRAEFIK:=$(tool traefik)}"
  case $mode in
  root-cas) transport="rootCAs: [\"$ca\"]" ;;
  insecure-skip-verify) transport="insecureSkipVerify: true" ;;
  *) bad ;;
  esac
  if [ -n "$identity" ]; then
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
  proxy=("$TRAEFIK" --entryPoints.web.address="127.0.0.1:$port"
    --providers.file.filename="$dir/dynamic.yml" --providers.file.watch=false --ping=true
    --ping.manualRouting=true --global.checkNewVersion=false --global.sendAnonymousUsage=false
    --log.level=ERROR)
  # it listens before its routers are loaded: ready once its own /ready answers
  ready=/ready
  ;;
*) echo "proxy-client.sh: nginx, haproxy, apache, stunnel, caddy, ats, h2o, nghttpx, squid or traefik, not $stack" >&2; exit 2 ;;
esac

"${proxy[@]}" >>"$dir/proxy.log" 2>&1 </dev/null &
pid=$!
# SIGKILL: no connection of the proxy's outlives the request (Traefik's graceful stop takes ~2 s)
# shellcheck disable=SC2329 # the EXIT trap calls it
stop() {
  local rc=$?
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
  return "$rc"
}
trap stop EXIT
# ready once the port listens, read from the kernel's table: a connection to it would make
# stunnel connect upstream, a connection the scenario would count
for _ in $(seq 200); do
  if [ -n "$ready" ]; then
    "${CURL:-curl}" -sf -o /dev/null --max-time 1 "http://127.0.0.1:$port$ready" && break
  elif [ -n "$ready_host" ]; then
    [ "$("${CURL:-curl}" -s -o /dev/null -w '%{http_code}' --max-time 1 -H "Host: $ready_host" \
      "http://127.0.0.1:$port/")" = 502 ] && break
  elif [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
    break
  fi
  kill -0 "$pid" 2>/dev/null || { echo "proxy-client.sh: $stack exited: $(tail -n 5 "$dir/proxy.log")" >&2; exit 1; }
  sleep 0.05
done
status=0
"${CURL:-curl}" -sS -o /dev/null -w '%{http_code}\n' --max-time 5 "http://127.0.0.1:$port/orders" || status=$?
exit "$status"
