"""A TLS server whose refusal status does not stop its page (stdlib only), for start.sh's
header-leak-403 server (a side-door audit, the twelfth session):

    python3 leak_lab.py PORT PKIDIR [--big]

server.crt on 127.0.0.1:PORT, a client certificate from ca.crt asked for optionally. A "filter"
sets 403 unless a verified certificate was presented, but the handler writes on: it trusts
`X-SSL-Client-Verify: SUCCESS` (or a certificate) and writes the orders JSON, so a client
without a certificate that sends the header gets the orders with status 403; without the header,
403 "forbidden: client certificate required". With the valid certificate: 200 and the orders.
With --big, the orders are 700 of them (about 28 KB: past the scanner's 16 KB body cap).
"""
import http.server
import os
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from header_lab import Server  # noqa: E402  (TLS per connection, bounded, quiet)
from trusting_wsgi import ORDERS  # noqa: E402

BIG_ORDERS = (b'{"orders":[' + b",".join(
    b'{"id":%d,"item":"widget-%d","qty":%d}' % (1000 + i, i, i % 9 + 1) for i in range(700)
) + b'],"customer":"acme corp"}\n')


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        cert = self.connection.getpeercert()
        status = 200 if cert else 403  # the filter: sets the status only
        if cert or self.headers.get("X-SSL-Client-Verify") == "SUCCESS":
            body = BIG_ORDERS if BIG else ORDERS  # the handler trusts the header
        else:
            body = b"forbidden: client certificate required\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


BIG = False


def main():
    global BIG
    port, pki = int(sys.argv[1]), sys.argv[2]
    BIG = sys.argv[3:] == ["--big"]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(pki, "server.crt"), os.path.join(pki, "server.key"))
    ctx.load_verify_locations(os.path.join(pki, "ca.crt"))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    Server(("127.0.0.1", port), ctx, Handler).serve_forever()


if __name__ == "__main__":
    main()
