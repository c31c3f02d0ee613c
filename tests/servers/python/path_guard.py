"""Python ssl + http.server: an application that guards /admin/ by the path.

    python3 path_guard.py as-written|normalised|location-proxy|segment-rule|double-decode PORT PKIDIR

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
nineteenth session: A, exit 0). `segment-rule` guards any segment named `admin` or `orders` as
written, after one decoding (nginx `location ~ /(admin|orders)(/|$)`, HAProxy `path_sub`), before
the router without case: only /ADMIN/ORDERS, every segment in capitals, gets the orders without
one. `double-decode` guards the path decoded once (`/admin/` as a prefix, case-sensitive) before a
router that decodes it again and keeps case and `;`: only /%2561dmin/orders gets them (a review's
two, fiftieth session: A, exit 0). `writes-on` guards /admin/ as written (`as-written`'s rule,
403 "client certificate required"), and the application behind it checks the certificate too but
sets 403 and writes the orders on (a handler without `return`): /ADMIN/orders … get 403 with the
whole orders page (review A, fifty-fourth session: A, exit 0).
"""
import json
import posixpath
import ssl
import sys

import server
from server import TLSServer, context  # the lab's ssl + http.server loop (server.py, beside this file)
import urllib.parse


# The protected page.
ORDERS = {
    "orders": [{"id": 1001, "item": "widget", "qty": 3}, {"id": 1002, "item": "gadget", "qty": 7}],
    "customer": "acme corp",
}


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
        if self.server.mode == "double-decode":
            self.double_decode()
            return
        route = resolved(self.path)
        if self.server.mode == "segment-rule":
            once = urllib.parse.unquote(self.path.split("?", 1)[0])
            guarded = any(seg in ("admin", "orders") for seg in once.split("/"))
        else:
            guarded = self.path.startswith("/admin/") if self.server.as_written else route.startswith("/admin/")
        if guarded and not self.connection.getpeercert():
            self.send(403, "text/plain", b"client certificate required\n")
            return
        if self.server.mode == "writes-on" and route == "/admin/orders":
            status = 200 if self.connection.getpeercert() else 403
            self.send(status, "application/json", json.dumps(ORDERS).encode() + b"\n")
            return
        if route != "/admin/orders":
            self.send(404, "text/plain", b"not found\n")
            return
        page = dict(ORDERS, links={"self": self.path})
        self.send(200, "application/json", json.dumps(page).encode() + b"\n")

    def double_decode(self):
        raw = self.path.split("?", 1)[0]
        once = posixpath.normpath("/" + urllib.parse.unquote(raw).lstrip("/"))
        if once.startswith("/admin/") and not self.connection.getpeercert():
            self.send(403, "text/plain", b"client certificate required\n")
            return
        twice = posixpath.normpath("/" + urllib.parse.unquote(urllib.parse.unquote(raw)).lstrip("/"))
        if twice != "/admin/orders":
            self.send(404, "text/plain", b"not found\n")
            return
        self.send(200, "application/json", json.dumps(ORDERS).encode() + b"\n")

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
        self.send(200, "application/json", json.dumps(ORDERS).encode() + b"\n")


def main():
    modes = ("as-written", "normalised", "location-proxy", "segment-rule", "double-decode", "writes-on")
    if len(sys.argv) != 4 or sys.argv[1] not in modes:
        sys.exit("usage: path_guard.py " + "|".join(modes) + " PORT PKIDIR")
    mode, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ctx = context(pki, "server", ssl.CERT_OPTIONAL)
    srv = TLSServer(("127.0.0.1", port), ctx, handler=Handler)
    srv.as_written = mode in ("as-written", "writes-on")
    srv.mode = mode
    srv.serve_forever()


if __name__ == "__main__":
    main()
