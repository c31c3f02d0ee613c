"""A plain-HTTP backend (stdlib http.server) with a TLS front end as its child, for the stunnel
and socat servers of start.sh.

    python3 plain_backend.py TEMPLATE CFG FRONTEND [ARG...]

Serves plain HTTP on 127.0.0.1 (a port the kernel picks): every GET gets 200 "ok\\n" (with
PLAIN_BACKEND_ROUTES=admin-any-case: an admin page for any path starting /admin in any case, 404
elsewhere; admin-any-method: the admin page for a path starting /admin/ to any method, as a PHP
script or a CGI serves it, 404 elsewhere; orders-at-root: a JSON list of orders at /, 404 elsewhere; key-at-root: a short
secret value at /, 404 elsewhere; orders-by-original-url: the orders at /orders, the path taken
from X-Original-URL or X-Rewrite-URL when sent; sites-by-host: "secret area" for Host secure.test,
"public area" for any other, as the bypass servers' sites; sites-by-forwarded-host: at /, the orders
for X-Forwarded-Host (else Host) secure.test, a public home page for any other; 404 elsewhere;
orders-shuffled: the orders at / as a JSON object whose keys come in a new order each answer, as
workers with different hash seeds write them, 404 elsewhere; verified-or-public-forwarded-host: the
orders at / for X-SSL-Client-Verify SUCCESS or for the public hostname public.test read from
X-Forwarded-Host (else Host), port aside, as Express's `trust proxy` `req.hostname`, 403
otherwise; 404 elsewhere). Then TEMPLATE
with every "@BACKEND_PORT@" replaced is written to CFG and `FRONTEND ARG...` runs as a child of this
process (CFG among its arguments; "@BACKEND_PORT@" in an ARG is replaced too, for a front end
configured on its command line: socat). This process exits when the front end does, and stops it on
SIGTERM/SIGINT/SIGHUP (on Linux the front end also gets SIGTERM if this process dies).
"""
import ctypes
import os
import random
import http.server
import signal
import subprocess
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __getattr__(self, name):
        # admin-any-method: every method is served as GET is (a PHP script, a CGI), its request
        # body left unread, so the connection closes after it.
        if name.startswith("do_") and os.environ.get("PLAIN_BACKEND_ROUTES") == "admin-any-method":
            self.close_connection = True
            return self.do_GET
        raise AttributeError(name)

    def do_GET(self):
        body, status = b"ok\n", 200
        if os.environ.get("PLAIN_BACKEND_ROUTES") == "admin-any-method":
            if self.path.startswith("/admin/"):
                body = (b'{"orders":[{"id":1017,"item":"widget","qty":3,"total":"12.00"},'
                        b'{"id":1018,"item":"gadget","qty":7,"total":"30.00"}],'
                        b'"account":"acct-secret-4411","customer":"acme corp"}\n')
            else:
                body, status = b"not found\n", 404
        elif os.environ.get("PLAIN_BACKEND_ROUTES") == "admin-any-case":
            # An application router that takes /ADMIN for /admin (Express, ASP.NET): the admin
            # page under any case, 404 elsewhere.
            if self.path.lower().startswith("/admin"):
                body = b"admin orders: 1017 1018 1019, total 42.00\n"
            else:
                body, status = b"not found\n", 404
        elif os.environ.get("PLAIN_BACKEND_ROUTES") == "key-at-root":
            # One secret value at the root, shorter than a page (an API key), 404 elsewhere.
            if self.path == "/":
                body = b"sk_live_8f2kQ9x7Lm\n"
            else:
                body, status = b"not found\n", 404
        elif os.environ.get("PLAIN_BACKEND_ROUTES") == "orders-by-original-url":
            # A front controller routing by X-Original-URL / X-Rewrite-URL when present, as
            # Symfony < 3.4.14 and Zend did (CVE-2018-14773): the orders at /orders, a home page
            # at /, 404 elsewhere.
            path = (self.headers.get("X-Original-URL") or self.headers.get("X-Rewrite-URL")
                    or self.path)
            if path == "/orders":
                body = b'{"orders":[{"id":1017,"total":"42.00"},{"id":1018,"total":"7.50"}]}\n'
            elif path == "/":
                body = b"<h1>Acme</h1><p>Welcome to the Acme shop, see /orders</p>\n"
            else:
                body, status = b"not found\n", 404
        elif os.environ.get("PLAIN_BACKEND_ROUTES") == "sites-by-forwarded-host":
            # Sites by the host a proxy says the client asked for (X-Forwarded-Host, else Host),
            # as Flask's ProxyFix(x_host=1) and Django's USE_X_FORWARDED_HOST read it.
            host = (self.headers.get("X-Forwarded-Host") or self.headers.get("Host") or "")
            if self.path != "/":
                body, status = b"not found\n", 404
            elif host.rsplit(":", 1)[0].lower() == "secure.test":
                body = b'{"orders":[{"id":1017,"total":"42.00"},{"id":1018,"total":"7.50"}]}\n'
            else:
                body = b"<h1>Acme</h1><p>Welcome to the Acme shop, see our catalogue</p>\n"
        elif os.environ.get("PLAIN_BACKEND_ROUTES") == "verified-or-public-forwarded-host":
            # Its public hostname exempt from the certificate check, read as Express's
            # `req.hostname` reads it behind `trust proxy`: X-Forwarded-Host, else Host.
            host = (self.headers.get("X-Forwarded-Host") or self.headers.get("Host") or "")
            host = host.split(",")[0].strip().rsplit(":", 1)[0].lower()
            verified = self.headers.get("X-SSL-Client-Verify") == "SUCCESS"
            if self.path != "/":
                body, status = b"not found\n", 404
            elif verified or host == "public.test":
                body = b'{"orders":[{"id":1017,"total":"42.00"},{"id":1018,"total":"7.50"}]}\n'
            else:
                body, status = b"client certificate required\n", 403
        elif os.environ.get("PLAIN_BACKEND_ROUTES") == "sites-by-host":
            # Two name-based sites behind one front: the protected one by its Host.
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
            body = b"secret area\n" if host == "secure.test" else b"public area\n"
        elif os.environ.get("PLAIN_BACKEND_ROUTES") == "orders-shuffled":
            if self.path == "/":
                fields = [
                    ('"account"', '"acme-ltd"'),
                    ('"orders"', '[{"id":1017,"item":"widgets","qty":3},{"id":1018,"item":"gadgets","qty":1}]'),
                    ('"currency"', '"EUR"'),
                    ('"total"', '149.5'),
                    ('"region"', '"eu-west"'),
                ]
                random.shuffle(fields)
                body = ("{" + ",".join(f"{k}:{v}" for k, v in fields) + "}\n").encode()
            else:
                body, status = b"not found\n", 404
        elif os.environ.get("PLAIN_BACKEND_ROUTES") == "orders-at-root":
            # An API with one resource at the root, 404 elsewhere (whatever the Host).
            if self.path == "/":
                body = b'{"orders":[{"id":1017,"total":"42.00"},{"id":1018,"total":"7.50"}]}\n'
            else:
                body, status = b"not found\n", 404
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops a burst of connects (1 s SYN retry)

    def handle_error(self, request, client_address):
        pass


def die_with_parent():
    # PR_SET_PDEATHSIG (1): the child gets SIGTERM when this process dies, even by SIGKILL
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: plain_backend.py TEMPLATE CFG FRONTEND [ARG...]")
    template, cfg, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    srv = Server(("127.0.0.1", 0), Handler)
    port = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    with open(template) as f:
        text = f.read().replace("@BACKEND_PORT@", str(port))
    with open(cfg, "w") as f:
        f.write(text)
    cmd = [arg.replace("@BACKEND_PORT@", str(port)) for arg in cmd]
    child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)

    def stop(signum, frame):
        child.terminate()

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, stop)
    rc = child.wait()
    sys.exit(rc if rc >= 0 else 0)


if __name__ == "__main__":
    main()
