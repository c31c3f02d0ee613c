"""Twisted Web over Twisted's TLS (pyOpenSSL) for start.sh's twisted-* servers (Debian
python3-twisted; run with Debian's /usr/bin/python3, which has it):

    python3 server.py MODE PORT PKIDIR

Serves 200 "ok" on every path of https://127.0.0.1:PORT/ with PKIDIR's server.crt, TLS 1.2 and
1.3, through twisted.internet.ssl.CertificateOptions and MODE's client-certificate options:
  require   verify=True, caCerts=[ca.crt], requireCertificate=True (the correct one)
  optional  verify=True, caCerts=[ca.crt], requireCertificate=False (verified if sent)
  no-verify caCerts=[ca.crt], requireCertificate=True and verify left at its default, False: Twisted
            22.4 accepts that silently and asks for no certificate at all
Runs until killed.
"""

import os
import sys

from twisted.internet import reactor, ssl
from twisted.web import resource, server


class Ok(resource.Resource):
    isLeaf = True

    def render(self, request):
        request.setHeader(b"content-type", b"text/plain")
        return b"ok\n"


def main():
    mode, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(os.path.join(pki, "server.crt"), "rb") as f:
        cert_pem = f.read()
    with open(os.path.join(pki, "server.key"), "rb") as f:
        key_pem = f.read()
    with open(os.path.join(pki, "ca.crt"), "rb") as f:
        ca = ssl.Certificate.loadPEM(f.read())
    cert = ssl.PrivateCertificate.loadPEM(cert_pem + key_pem)
    common = dict(
        privateKey=cert.privateKey.original,
        certificate=cert.original,
        raiseMinimumTo=ssl.TLSVersion.TLSv1_2,
    )
    if mode == "require":
        opts = ssl.CertificateOptions(
            verify=True, caCerts=[ca.original], requireCertificate=True, **common
        )
    elif mode == "optional":
        opts = ssl.CertificateOptions(
            verify=True, caCerts=[ca.original], requireCertificate=False, **common
        )
    elif mode == "no-verify":
        opts = ssl.CertificateOptions(caCerts=[ca.original], requireCertificate=True, **common)
    else:
        sys.exit(f"server.py: unknown mode {mode}")
    reactor.listenSSL(port, server.Site(Ok()), opts, backlog=128, interface="127.0.0.1")
    print(f"listening on 127.0.0.1:{port} ({mode})", file=sys.stderr, flush=True)
    reactor.run()


if __name__ == "__main__":
    main()
