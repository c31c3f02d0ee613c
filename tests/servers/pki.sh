#!/usr/bin/env bash
# Mint the test PKI that the real-server tests use, with the openssl CLI (never with our own code, so
# the servers do not share our assumptions). Usage: tests/servers/pki.sh OUTDIR
#   ca.crt/ca.key           the trusted client CA (P-256; RSA with PKI_KEY=rsa, Ed25519 with
#                           PKI_KEY=ed25519), also the server's issuer
#   server.crt/server.key   the server certificate for localhost and 127.0.0.1
#   names.crt/names.key     a server certificate for the two sibling names secure.test and
#                           public.test (one certificate for both, the usual real-world source of
#                           sibling names), issued by ca; used by the bypass servers (start.sh)
#   client.crt/client.key   a client certificate issued by ca (clientAuth EKU)
#   other-ca.crt/.key       an unrelated CA nobody trusts
set -euo pipefail
out=${1:?usage: pki.sh OUTDIR}
mkdir -p "$out"
cd "$out"
# PKI_KEY=rsa: every key RSA-2048 (a corporate CA's rule) instead of P-256; PKI_KEY=ed25519:
# every key Ed25519 (openssl ignores -sha256 for it).
ec() {
  if [ "${PKI_KEY:-ec}" = rsa ]; then
    openssl genrsa -out "$1" 2048 2>/dev/null
  elif [ "${PKI_KEY:-ec}" = ed25519 ]; then
    openssl genpkey -algorithm ed25519 -out "$1" 2>/dev/null
  else
    openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null
  fi
}

ec ca.key
openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/O=mtls-scan tests/CN=Test Client CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.crt 2>/dev/null
ec other-ca.key
openssl req -x509 -new -key other-ca.key -sha256 -days 3650 -subj "/O=Elsewhere/CN=Other CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out other-ca.crt 2>/dev/null

ec server.key
openssl req -new -key server.key -subj "/CN=localhost" -out server.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
  -extfile server.ext -out server.crt 2>/dev/null

ec names.key
openssl req -new -key names.key -subj "/CN=secure.test" -out names.csr 2>/dev/null
printf 'subjectAltName=DNS:secure.test,DNS:public.test\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > names.ext
openssl x509 -req -in names.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
  -extfile names.ext -out names.crt 2>/dev/null

ec client.key
openssl req -new -key client.key -subj "/O=mtls-scan tests/CN=test-client" -out client.csr 2>/dev/null
printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' > client.ext
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
  -extfile client.ext -out client.crt 2>/dev/null
rm -f ./*.csr ./*.ext ./*.srl
