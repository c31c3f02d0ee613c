#!/usr/bin/env bash
# Start one real (not ours) TLS server on 127.0.0.1:PORT, serving HTTP on "/".
#
#   tests/servers/start.sh SERVER PORT PKIDIR WORKDIR
#   tests/servers/start.sh --list          # every SERVER name, one per line
#
# PKIDIR is made by pki.sh (+ client-certs.sh for the extra client certs). WORKDIR is scratch space
# (nginx prefix, the Go binary); it is created if missing. The script runs the server in the
# foreground until it is killed:
#   * SIGTERM/SIGINT/SIGHUP to this script stops the server and exits;
#   * if MTLS_WATCH_STDIN=1, the server is also stopped when this script's stdin reaches EOF, so a
#     test harness that dies without cleaning up (SIGKILL) still takes its servers down;
#   * the harness should also start it in its own process group and kill the group.
#
# SERVER names:
#   openssl-Verify            s_server -www -Verify 1
#   openssl-Verify-return     s_server -www -Verify 1 -verify_return_error
#   openssl-verify            s_server -www -verify 1
#   openssl-none              s_server -www (no verify option)
#   nginx-on | nginx-optional | nginx-optional_no_ca | nginx-off      ssl_verify_client <mode>
#   nginx-optional_no_ca-dn   optional_no_ca + 403 unless $ssl_client_i_dn is the trusted CA's DN
#   go-NoClientCert | go-RequestClientCert | go-RequireAnyClientCert | go-VerifyClientCertIfGiven |
#   go-RequireAndVerifyClientCert                                     crypto/tls ClientAuth
#   node-optional | node-required | node-none | node-app-401           see node/server.js
#   python-CERT_REQUIRED | python-CERT_OPTIONAL | python-CERT_NONE      ssl.SSLContext.verify_mode
#
# Environment: GO (default go), NGINX (default nginx), OPENSSL, NODE, PYTHON3; GOSERVER_BIN, a
# prebuilt go/ binary (else it is built into WORKDIR/goserver on first use).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

all_servers="openssl-Verify openssl-Verify-return openssl-verify openssl-none
nginx-on nginx-optional nginx-optional_no_ca nginx-off nginx-optional_no_ca-dn
go-NoClientCert go-RequestClientCert go-RequireAnyClientCert go-VerifyClientCertIfGiven go-RequireAndVerifyClientCert
node-optional node-required node-none node-app-401
python-CERT_REQUIRED python-CERT_OPTIONAL python-CERT_NONE"
if [ "${1:-}" = "--list" ]; then
  printf '%s\n' $all_servers
  exit 0
fi

server=${1:?usage: start.sh SERVER PORT PKIDIR WORKDIR}
port=${2:?port}
pki=$(cd "${3:?pkidir}" && pwd)
mkdir -p "${4:?workdir}"
work=$(cd "$4" && pwd)
: "${GO:=go}" "${NGINX:=nginx}" "${OPENSSL:=openssl}" "${NODE:=node}" "${PYTHON3:=python3}"

need() { command -v "$1" >/dev/null 2>&1 || { echo "start.sh: $1 not found (needed for $server)" >&2; exit 127; }; }

# run CMD...: run the server, stop it on TERM/INT/HUP or (MTLS_WATCH_STDIN=1) on stdin EOF.
run() {
  if [ "${MTLS_WATCH_STDIN:-0}" != 1 ]; then
    exec "$@" </dev/null
  fi
  exec 3<&0
  "$@" </dev/null &
  local srv=$!
  # shellcheck disable=SC2064
  trap "kill -TERM $srv 2>/dev/null; wait $srv 2>/dev/null; exit 0" TERM INT HUP
  cat <&3 >/dev/null &
  local watcher=$!
  set +e
  wait -n "$srv" "$watcher"
  local rc=$?
  kill -TERM "$srv" "$watcher" 2>/dev/null
  wait "$srv" 2>/dev/null
  exit "$rc"
}

# build_go: build go/ into WORKDIR/goserver once (stdlib only, offline), unless GOSERVER_BIN names
# an already built binary.
build_go() {
  if [ -n "${GOSERVER_BIN:-}" ] && [ -x "$GOSERVER_BIN" ]; then
    echo "$GOSERVER_BIN"
    return
  fi
  need "$GO"
  local bin=$work/goserver
  if [ ! -x "$bin" ]; then
    (cd "$here/go" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS= GO111MODULE=on \
      "$GO" build -o "$bin.tmp.$$" . && mv "$bin.tmp.$$" "$bin")
  fi
  echo "$bin"
}

case $server in
openssl-*)
  need "$OPENSSL"
  case $server in
  openssl-Verify) verify=(-Verify 1) ;;
  openssl-Verify-return) verify=(-Verify 1 -verify_return_error) ;;
  openssl-verify) verify=(-verify 1) ;;
  openssl-none) verify=() ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # -www answers "GET /" with "HTTP/1.0 200 ok" and a status page, then closes the connection.
  # s_server is single-threaded: it serves one connection at a time.
  run "$OPENSSL" s_server -accept "127.0.0.1:$port" -cert "$pki/server.crt" -key "$pki/server.key" \
    -CAfile "$pki/ca.crt" "${verify[@]}" -www -quiet -naccept 1000000
  ;;
nginx-*)
  need "$NGINX"
  mode=${server#nginx-}
  dn_check=""
  case $mode in
  on | optional | optional_no_ca | off) ;;
  optional_no_ca-dn)
    mode=optional_no_ca
    # nginx prints $ssl_client_i_dn in RFC 2253 order (most specific RDN first).
    ca_dn=$("$OPENSSL" x509 -in "$pki/ca.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
    dn_check="if (\$ssl_client_i_dn != \"$ca_dn\") { return 403 \"forbidden: issuer '\$ssl_client_i_dn'\\n\"; }"
    ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  cat >"$prefix/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log info;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $prefix/tmp/body;
  proxy_temp_path $prefix/tmp/proxy;
  fastcgi_temp_path $prefix/tmp/fastcgi;
  uwsgi_temp_path $prefix/tmp/uwsgi;
  scgi_temp_path $prefix/tmp/scgi;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $pki/server.crt;
    ssl_certificate_key $pki/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_client_certificate $pki/ca.crt;
    ssl_verify_client $mode;
    location / {
      default_type text/plain;
      $dn_check
      return 200 "ok\n";
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
go-*)
  bin=$(build_go)
  run "$bin" -mode "${server#go-}" -port "$port" -cert "$pki/server.crt" -key "$pki/server.key" \
    -ca "$pki/ca.crt"
  ;;
node-*)
  need "$NODE"
  run "$NODE" "$here/node/server.js" "${server#node-}" "$port" "$pki"
  ;;
python-*)
  need "$PYTHON3"
  run "$PYTHON3" "$here/python/server.py" "${server#python-}" "$port" "$pki"
  ;;
*)
  echo "start.sh: unknown server $server (see --list)" >&2
  exit 2
  ;;
esac
