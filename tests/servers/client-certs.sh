#!/usr/bin/env bash
# Mint the extra client certificates the ground truth and the deep-probe tests use, with the openssl
# CLI only. Run after pki.sh on the same directory. Usage: tests/servers/client-certs.sh PKIDIR
#   untrusted.crt/.key   client cert issued by other-ca (a CA nobody trusts)
#   selfsigned.crt/.key  self-signed client cert
#   forged.crt/.key      issuer DN = the trusted CA's DN, signed by another key, NO authorityKeyIdentifier
#                        (what a forger, or rcgen with default params, produces)
#   forged-akid.crt/.key same, but its authorityKeyIdentifier names the forger's own key (openssl's default),
#                        so OpenSSL's issuer lookup fails on the key id before any signature check
#   forged-samekid.crt   same, but the forger copied the trusted CA's subjectKeyIdentifier, so the
#                        authorityKeyIdentifier matches the real CA
#   expired.crt/.key     issued by the trusted ca, valid 2020-01-01 .. 2021-01-01
#   notyet.crt/.key      issued by the trusted ca, valid from 2099
#   wrong-eku.crt/.key   issued by the trusted ca, extendedKeyUsage=serverAuth only
#   client-p384.crt/.key a valid client cert with an ECDSA P-384 key, issued by the trusted ca
#   client-p521.crt/.key the same with an ECDSA P-521 key
#   nokey.key            a key that does NOT match client.crt (for "certificate without its key")
#   ca-rsa3072.crt/.key  an RSA-3072 client CA (servers at OpenSSL security level 3 refuse smaller
#                        keys), and client-rsa3072.crt/.key, a client certificate it issued
#   client-ca-true.crt/.key a client certificate from the trusted ca mis-issued with CA:TRUE (what
#                        `openssl req -x509`'s default v3_ca gives a partner's certificate): what it
#                        signs, a verifier rightly takes
set -euo pipefail
dir=${1:?usage: client-certs.sh PKIDIR}
cd "$dir"
ec() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }
ca_subj="/O=mtls-scan tests/CN=Test Client CA"
printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' > cc.ext
printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nauthorityKeyIdentifier=none\nsubjectKeyIdentifier=none\n' > cc-noakid.ext

csr() { # csr KEY SUBJ OUT
  openssl req -new -key "$1" -subj "$2" -out "$3" 2>/dev/null
}

# untrusted: issued by other-ca
ec untrusted.key
csr untrusted.key "/O=Elsewhere/CN=untrusted-client" untrusted.csr
openssl x509 -req -in untrusted.csr -CA other-ca.crt -CAkey other-ca.key -CAcreateserial -days 825 \
  -sha256 -extfile cc.ext -out untrusted.crt 2>/dev/null

# self-signed
ec selfsigned.key
openssl req -x509 -new -key selfsigned.key -sha256 -days 825 -subj "/O=Nobody/CN=self-signed-client" \
  -addext "extendedKeyUsage=clientAuth" -addext "basicConstraints=CA:FALSE" -out selfsigned.crt 2>/dev/null

# forged issuers: a CA with the trusted CA's exact DN but another key
ec forger.key
openssl req -x509 -new -key forger.key -sha256 -days 3650 -subj "$ca_subj" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out forger.crt 2>/dev/null
real_skid=$(openssl x509 -in ca.crt -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')
openssl req -x509 -new -key forger.key -sha256 -days 3650 -subj "$ca_subj" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=$real_skid" -out forger-samekid.crt 2>/dev/null

ec forged.key
csr forged.key "/O=mtls-scan tests/CN=forged-client" forged.csr
openssl x509 -req -in forged.csr -CA forger.crt -CAkey forger.key -CAcreateserial -days 825 -sha256 \
  -extfile cc-noakid.ext -out forged.crt 2>/dev/null
openssl x509 -req -in forged.csr -CA forger.crt -CAkey forger.key -CAcreateserial -days 825 -sha256 \
  -extfile cc.ext -out forged-akid.crt 2>/dev/null
openssl x509 -req -in forged.csr -CA forger-samekid.crt -CAkey forger.key -CAcreateserial -days 825 \
  -sha256 -extfile cc.ext -out forged-samekid.crt 2>/dev/null
cp forged.key forged-akid.key
cp forged.key forged-samekid.key

# expired / not yet valid, issued by the real CA (openssl ca is the only 3.0 CLI that sets dates)
ec expired.key
csr expired.key "/O=mtls-scan tests/CN=expired-client" expired.csr
ec notyet.key
csr notyet.key "/O=mtls-scan tests/CN=notyet-client" notyet.csr
mkdir -p ca-db
: > ca-db/index.txt
echo 1000 > ca-db/serial
cat > ca-db/ca.cnf <<EOF
[ ca ]
default_ca = tca
[ tca ]
dir = ca-db
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = pol
unique_subject = no
copy_extensions = none
x509_extensions = ext
[ pol ]
organizationName = optional
commonName = supplied
[ ext ]
extendedKeyUsage = clientAuth
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
authorityKeyIdentifier = keyid
EOF
openssl ca -batch -config ca-db/ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr -out expired.crt \
  -startdate 20200101000000Z -enddate 20210101000000Z -notext 2>/dev/null
openssl ca -batch -config ca-db/ca.cnf -cert ca.crt -keyfile ca.key -in notyet.csr -out notyet.crt \
  -startdate 20990101000000Z -enddate 20991231000000Z -notext 2>/dev/null

# wrong EKU: serverAuth only, from the trusted ca
ec wrong-eku.key
csr wrong-eku.key "/O=mtls-scan tests/CN=wrong-eku-client" wrong-eku.csr
printf 'extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' > weku.ext
openssl x509 -req -in wrong-eku.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
  -extfile weku.ext -out wrong-eku.crt 2>/dev/null

# a valid client certificate with an ECDSA P-384 key, from the trusted ca
openssl ecparam -name secp384r1 -genkey -noout -out client-p384.key 2>/dev/null
csr client-p384.key "/O=mtls-scan tests/CN=test-client-p384" client-p384.csr
openssl x509 -req -in client-p384.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
  -extfile cc.ext -out client-p384.crt 2>/dev/null
openssl ecparam -name secp521r1 -genkey -noout -out client-p521.key 2>/dev/null
csr client-p521.key "/O=mtls-scan tests/CN=test-client-p521" client-p521.csr
openssl x509 -req -in client-p521.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha512 \
  -extfile cc.ext -out client-p521.crt 2>/dev/null

# a client certificate mis-issued as a CA (CA:TRUE, clientAuth, no keyUsage), from the trusted ca
ec client-ca-true.key
csr client-ca-true.key "/O=mtls-scan tests/CN=ca-true-client" client-ca-true.csr
printf 'extendedKeyUsage=clientAuth\nbasicConstraints=critical,CA:TRUE\n' > cctrue.ext
openssl x509 -req -in client-ca-true.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -sha256 \
  -extfile cctrue.ext -out client-ca-true.crt 2>/dev/null

# a key that does not belong to client.crt
ec nokey.key

# an RSA-3072 client CA and a client certificate it issued, for servers at OpenSSL security
# level 3 (`@SECLEVEL=3`), which refuse an RSA-2048 leaf for its size alone
openssl genrsa -out ca-rsa3072.key 3072 2>/dev/null
openssl req -x509 -new -key ca-rsa3072.key -sha256 -days 3650 \
  -subj "/O=mtls-scan tests/CN=Test Client CA RSA-3072" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca-rsa3072.crt 2>/dev/null
openssl genrsa -out client-rsa3072.key 3072 2>/dev/null
csr client-rsa3072.key "/O=mtls-scan tests/CN=test-client-rsa3072" client-rsa3072.csr
openssl x509 -req -in client-rsa3072.csr -CA ca-rsa3072.crt -CAkey ca-rsa3072.key -CAcreateserial \
  -days 825 -sha256 -extfile cc.ext -out client-rsa3072.crt 2>/dev/null

rm -rf ./*.csr ./*.ext ./*.srl ca-db
