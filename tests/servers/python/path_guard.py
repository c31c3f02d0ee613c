"""Python ssl + http.server: an application that guards /admin/ by the path.

    python3 path_guard.py as-written|normalised|location-proxy PORT PKIDIR

Binds 127.0.0.1 only, serves server.crt, asks for a client certificate (CERT_OPTIONAL, verified
against ca.crt). The router resolves the path as many frameworks do: percent-decoded (`%2F`
too), slashes merged, dot segments and `;` parameters dropped, case ignored; /admin/orders gets
the orders as JSON with a `self` link that shows the path as the client wrote it, any other path
404. The guard answers 403 to a request for /admin/ without a certificate: `as-written` checks
the raw path with a case-sensitive prefix (`/admin/`), so /ADMIN/orders, /%61dmin/orders,
//admin/orders, /admin%2Forders … get the orders without one; `normalised` checks the path the
router resolves. `location-proxy` is Apache's `<Location /admin/orders>` (a rule on the decoded,
normalised path, case-sensitive, ending at a segment boundary) before `ProxyPass /admin` to an
application that ignores case and `;` parameters: the first segment must be `admin` as written
(anything else is 404, as ProxyPass leaves it), so only the last segment spelled otherwise,
/admin/orders; and /admin/ORDERS, gets the orders without a certificate (an audit's Apache,
nineteenth session: A, exit 0).
"""
import json
import posixpath
import ssl
import sys

import server
from server import TLSServer, context  # the lab's ssl + http.server loop (server.py, beside this file)
import urllib.parse


def resolved(raw):
    path = urllib.parse.unquote(raw.split("?", 1)[0])
    path = "/".join(seg.split(";", 1)[0] for seg in path.split("/"))
    path = posixpath.normpath("/" + path.lstrip("/"))
    return path.lower()


class Handler(server.Handler):

    def do_GET(self):
        if self.server.mode == "location-proxy":
            self.location_proxy()
            return
        route = resolved(self.path)
        guarded = self.path.startswith("/admin/") if self.server.as_written else route.startswith("/admin/")
        if guarded and not self.connection.getpeercert():
            self.send(403, "text/plain", b"client certificate required\n")
            return
        if route != "/admin/orders":
            self.send(404, "text/plain", b"not found\n")
            return
        page = {
            "orders": [{"id": 1001, "item": "widget", "qty": 3}, {"id": 1002, "item": "gadget", "qty": 7}],
            "customer": "acme corp",
            "links": {"self": self.path},
        }
        self.send(200, "application/json", json.dumps(page).encode() + b"\n")

    def location_proxy(self):
        raw = self.path.split("?", 1)[0]
        path = posixpath.normpath("/" + urllib.parse.unquote(raw).lstrip("/"))
        guarded = path == "/admin/orders" or path.startswith("/admin/orders/")
        if guarded and not self.connection.getpeercert():
            self.send(403, "text/plain", b"client certificate required\n")
            return
        first, _, rest = path.lstrip("/").partition("/")
        rest = "/".join(seg.split(";", 1)[0] for seg in rest.split("/")).lower()
        if first != "admin" or rest != "orders":
            self.send(404, "text/plain", b"not found\n")
            return
        page = {
            "orders": [{"id": 1001, "item": "widget", "qty": 3}, {"id": 1002, "item": "gadget", "qty": 7}],
            "customer": "acme corp",
        }
        self.send(200, "application/json", json.dumps(page).encode() + b"\n")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("as-written", "normalised", "location-proxy"):
        sys.exit("usage: path_guard.py as-written|normalised|location-proxy PORT PKIDIR")
    mode, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ctx = context(pki, "server", ssl.CERT_OPTIONAL)
    srv = TLSServer(("127.0.0.1", port), ctx, handler=Handler)
    srv.as_written = mode == "as-written"
    srv.mode = mode
    srv.serve_forever()


if __name__ == "__main__":
    main()
