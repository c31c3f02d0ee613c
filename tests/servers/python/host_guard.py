"""Python ssl + http.server: an application that guards its protected site by the Host header.

    python3 host_guard.py as-written|normalised PORT PKIDIR

Binds 127.0.0.1 only, serves names.crt (secure.test, public.test), asks for a client
certificate (CERT_OPTIONAL, verified against ca.crt). The site is chosen by the Host header
normalised (no port, lower case, no trailing dot): secure.test gets the orders (JSON), any other
Host a plain "no such site" page. The guard answers 403 to a request for secure.test without a
certificate; `as-written` compares the header as the client wrote it with "secure.test:PORT"
(the Host a browser sends), so the same site spelled otherwise (secure.test, secure.test.:PORT,
SECURE.TEST:PORT) gets the orders without one; `normalised` compares the normalised name.
"""
import ssl
import sys

import server
from server import TLSServer, context  # the lab's ssl + http.server loop (server.py, beside this file)

ORDERS = b'{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}\n'


def normalised(host):
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower().rstrip(".")


class Handler(server.Handler):

    def do_GET(self):
        host = self.headers.get("Host", "")
        if normalised(host) != "secure.test":
            self.send(404, "text/plain", b"no such site\n")
            return
        if self.server.as_written:
            guarded = host == "secure.test:%d" % self.server.port
        else:
            guarded = True
        if guarded and not self.connection.getpeercert():
            self.send(403, "text/plain", b"client certificate required\n")
            return
        self.send(200, "application/json", ORDERS)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("as-written", "normalised"):
        sys.exit("usage: host_guard.py as-written|normalised PORT PKIDIR")
    mode, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ctx = context(pki, "names", ssl.CERT_OPTIONAL)
    srv = TLSServer(("127.0.0.1", port), ctx, handler=Handler)
    srv.as_written = mode == "as-written"
    srv.port = port
    srv.serve_forever()


if __name__ == "__main__":
    main()
