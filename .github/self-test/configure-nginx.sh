#!/usr/bin/env bash
# Turns the self-test's nginx service container into two mTLS test servers:
#   https://mtls:443/   requires a client certificate from the test CA (good);
#   https://mtls:8443/  only asks for one (`ssl_verify_client optional`, weak).
# Service containers start before any step, so the PKI made here is copied
# into the running container and nginx is reloaded.
#
# usage: configure-nginx.sh CONTAINER_ID PKI_DIR
# Writes into PKI_DIR: ca.pem ca.key server.pem server.key client.pem client.key
set -euo pipefail

container=${1:?usage: configure-nginx.sh CONTAINER_ID PKI_DIR}
pki=${2:?usage: configure-nginx.sh CONTAINER_ID PKI_DIR}
host=mtls # the service's name in self-test.yml: its host name on the job network

mkdir -p "$pki"
cd "$pki"

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ec_key ca.key
openssl req -x509 -new -key ca.key -out ca.pem -days 365 -subj "/CN=mtls-action self-test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign"

# sign NAME SUBJECT EXTENSIONS: NAME.key + NAME.pem, issued by the CA above.
sign() {
  ec_key "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 365 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
sign server "/CN=$host" "subjectAltName=DNS:$host
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature"
sign client "/CN=self-test client" "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"

cat > mtls.conf <<CONF
server {
    listen 443 ssl;
    server_name $host;
    ssl_certificate        /etc/nginx/pki/server.pem;
    ssl_certificate_key    /etc/nginx/pki/server.key;
    ssl_client_certificate /etc/nginx/pki/ca.pem;
    ssl_verify_client      on;
    location / { return 200 "client: \$ssl_client_s_dn\n"; }
}
server {
    listen 8443 ssl;
    server_name $host;
    ssl_certificate        /etc/nginx/pki/server.pem;
    ssl_certificate_key    /etc/nginx/pki/server.key;
    ssl_client_certificate /etc/nginx/pki/ca.pem;
    ssl_verify_client      optional;
    location / { return 200 "verify: \$ssl_client_verify\n"; }
}
CONF

docker exec "$container" mkdir -p /etc/nginx/pki
for f in ca.pem server.pem server.key; do
  docker cp "$f" "$container:/etc/nginx/pki/$f"
done
docker cp mtls.conf "$container:/etc/nginx/conf.d/mtls.conf"
docker exec "$container" nginx -t
docker exec "$container" nginx -s reload

# Check both servers from the runner (the service's address on the job network)
# before the Action scans them: with the client certificate, 443 answers 200;
# without it, 443 refuses (400) while 8443 lets the request through (200).
ip=$(docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$container")
# status PORT [CURL_ARGS...]: the HTTP status of GET https://$host:PORT/
status() {
  curl --silent --output /dev/null --write-out '%{http_code}' --cacert ca.pem \
    --resolve "$host:$1:$ip" "${@:2}" "https://$host:$1/" || true
}
# expect WANT PORT [CURL_ARGS...]
expect() {
  local got
  got=$(status "${@:2}")
  if [ "$got" != "$1" ]; then
    echo "::error::https://$host:$2/ ${*:3}: HTTP $got, expected $1" >&2
    exit 1
  fi
  echo "https://$host:$2/ ${*:3}: HTTP $got"
}
for _ in $(seq 1 20); do
  [ "$(status 443 --cert client.pem --key client.key)" = 200 ] && break
  sleep 0.5
done
expect 200 443 --cert client.pem --key client.key
expect 400 443
expect 200 8443
