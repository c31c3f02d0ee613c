"""A naive backend that trusts a forwarded client-certificate header (stdlib only), for the header
spoofing servers of start.sh.

    python3 header_lab.py [--trust NAME=VALUE[,VALUE...]]... [--refuse STATUS] [--max-head BYTES]
        [--granted STATUS] [--post 1] MODE ARGS...

    python3 header_lab.py direct PORT CERT KEY
        The backend itself over TLS on 127.0.0.1:PORT (no client certificate requested): whoever
        sends the header gets in.
    python3 header_lab.py behind HAPROXY TEMPLATE CFG
        The backend over plain HTTP on 127.0.0.1 (a port the kernel picks), then HAProxy in front
        of it: TEMPLATE with every "@BACKEND_PORT@" replaced is written to CFG, checked with
        `HAPROXY -c`, and run as `HAPROXY -db -f CFG`, a child of this process. This process exits
        when HAProxy does, and stops HAProxy on SIGTERM/SIGINT/SIGHUP (and, on Linux, HAProxy gets
        SIGTERM if this process dies).
    python3 header_lab.py --wsgi wsgiref|GUNICORN behind HAPROXY TEMPLATE CFG
        The same with trusting_wsgi.py's WSGI application as the backend instead (it trusts the
        WSGI key HTTP_X_SSL_CLIENT_VERIFY, which `X_SSL_Client_Verify` maps to as well), served
        by wsgiref in this process or by the GUNICORN program, a child of this process.
    python3 header_lab.py behind-nginx NGINX TEMPLATE CFG
        The same with nginx in front: CFG is checked with `NGINX -t -q -c CFG -p DIR -e
        DIR/error.log` (DIR: CFG's directory) and run the same way without -t (the template says
        `daemon off; master_process off;`).
    python3 header_lab.py behind-caddy CADDY TEMPLATE CFG
        The same with Caddy in front: CFG (a Caddyfile) is checked with `CADDY validate` and run
        with `CADDY run` (the caller sets HOME and XDG_* for Caddy's storage).
    python3 header_lab.py behind-squid SQUID TEMPLATE CFG
        The same with Squid in front: CFG is checked with `SQUID -k parse -f CFG` and run with
        `SQUID -N -n mtlshdrPID -f CFG` (a service name of its own for its shared memory).

The trust rule (what naive backends do): for each trusted header the FIRST copy in the request is
looked at, and every trusted header must hold one of its values to get 200 "secret area\\n";
anything else, or a header missing, gets 403 "client certificate required\\n" (a value `*`: any
non-empty first copy, the header used as an identity, e.g. a CN; `~REGEX`: a first copy the
regular expression matches whole, the form a backend parses). No other header is
trusted. Without --trust: `X-SSL-Client-Verify` with "SUCCESS" (nginx's $ssl_client_verify) or "0"
(HAProxy's %[ssl_c_verify]). Every response carries `X-Backend-Saw-Client-Verify`: all the values
the first trusted header had, in order, joined by " | " (or "-"), so a test can see whose copy
came first.
"""
import ctypes
import http.server
import os
import re
import signal
import ssl
import subprocess
import sys
import threading

# (header, values accepted in its first copy), every one required; --trust replaces the default.
TRUSTED = [("X-SSL-Client-Verify", ("SUCCESS", "0"))]
# --refuse STATUS: the status of a refusal (default 403); --max-head BYTES: a request whose head
# (request line and headers) is larger gets 400 "Request header is too large", as Tomcat's
# 8 KB maxHttpHeaderSize answers.
# --granted STATUS: the status of a request let in (default 200; 404: an API with no route at the
# path scanned, behind its authentication).
# --post 1: a POST is judged as a GET (its body read and left aside); else it gets
# http.server's 501.
SETTINGS = {"refuse": 403, "max_head": 0, "granted": 200, "wsgi": "", "post": 0}


def accepted(value, ok):
    """The first copy's value holds one of the values (`*`: any non-empty one; `~REGEX`: one the
    regular expression matches whole, the shape a backend parses: base64 DER, a one-line DN)."""
    for want in ok:
        if want == "*" and value:
            return True
        if want.startswith("~") and re.fullmatch(want[1:], value):
            return True
        if value == want:
            return True
    return False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        seen = [[v.strip() for v in self.headers.get_all(name) or []] for name, _ in TRUSTED]
        values = seen[0]
        head = len(self.requestline) + 2 + sum(len(k) + len(v) + 4 for k, v in self.headers.items())
        if SETTINGS["max_head"] and head > SETTINGS["max_head"]:
            status, body = 400, b"Request header is too large\n"
        elif all(got and accepted(got[0], ok) for got, (_, ok) in zip(seen, TRUSTED)):
            status = SETTINGS["granted"]
            body = b"secret area\n" if status == 200 else b"no such route\n"
        else:
            status, body = SETTINGS["refuse"], b"client certificate required\n"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Backend-Saw-Client-Verify", " | ".join(values) or "-")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        if not SETTINGS["post"]:
            self.send_error(501)
            return
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= 65536:
            self.rfile.read(length)
        self.do_GET()

    def log_message(self, fmt, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops a burst of connects (1 s SYN retry)

    def __init__(self, addr, ctx=None, handler=None):
        self.ctx = ctx
        super().__init__(addr, handler or Handler)

    def finish_request(self, request, client_address):
        request.settimeout(10)
        if self.ctx is not None:
            try:
                request = self.ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                request.close()
                return
        try:
            self.RequestHandlerClass(request, client_address, self)
        finally:
            try:
                request.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass


def die_with_parent():
    # PR_SET_PDEATHSIG (1): the child gets SIGTERM when this process dies, even by SIGKILL
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def wsgi_backend():
    """The backend as trusting_wsgi.py's application: its port, and the gunicorn child (None for
    wsgiref, served on a thread of this process)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if SETTINGS["wsgi"] == "wsgiref":
        from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
        import socketserver
        import trusting_wsgi

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        class Threading(socketserver.ThreadingMixIn, WSGIServer):
            daemon_threads = True
            request_queue_size = 128

        srv = make_server("127.0.0.1", 0, trusting_wsgi.app, server_class=Threading,
                          handler_class=Quiet)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        return srv.server_address[1], None
    import socket
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    child = subprocess.Popen(
        [SETTINGS["wsgi"], "--chdir", os.path.dirname(os.path.abspath(__file__)), "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--threads", "8", "--log-level", "warning",
         "trusting_wsgi:app"],
        stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)
    import time
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    return port, child


def behind(haproxy, template, cfg, check=None, run=None):
    backend_child = None
    if SETTINGS["wsgi"]:
        port, backend_child = wsgi_backend()
    else:
        srv = Server(("127.0.0.1", 0))
        port = srv.server_address[1]
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    with open(template) as f:
        text = f.read().replace("@BACKEND_PORT@", str(port))
    with open(cfg, "w") as f:
        f.write(text)
    subprocess.run(check or [haproxy, "-c", "-q", "-f", cfg], check=True,
                   stdin=subprocess.DEVNULL)
    child = subprocess.Popen(run or [haproxy, "-db", "-f", cfg], stdin=subprocess.DEVNULL,
                             preexec_fn=die_with_parent)

    def stop(signum, frame):
        child.terminate()
        if backend_child is not None:
            backend_child.terminate()

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, stop)
    rc = child.wait()
    if backend_child is not None:
        backend_child.terminate()
        backend_child.wait()
    sys.exit(rc if rc >= 0 else 0)


def behind_nginx(nginx, template, cfg):
    prefix = os.path.dirname(os.path.abspath(cfg))
    log = os.path.join(prefix, "error.log")
    common = ["-c", cfg, "-p", prefix, "-e", log]
    behind(nginx, template, cfg, check=[nginx, "-t", "-q"] + common, run=[nginx] + common)


def behind_caddy(caddy, template, cfg):
    common = ["--config", cfg, "--adapter", "caddyfile"]
    behind(caddy, template, cfg, check=[caddy, "validate"] + common, run=[caddy, "run"] + common)


def behind_squid(squid, template, cfg):
    name = "mtlshdr%d" % os.getpid()
    behind(squid, template, cfg, check=[squid, "-k", "parse", "-f", cfg],
           run=[squid, "-N", "-n", name, "-f", cfg])


def direct(port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.verify_mode = ssl.CERT_NONE
    Server(("127.0.0.1", int(port)), ctx).serve_forever()


def main():
    args = sys.argv[1:]
    rules = []
    while len(args) >= 2 and args[0] in ("--trust", "--refuse", "--max-head", "--granted",
                                         "--wsgi", "--post"):
        if args[0] == "--wsgi":
            SETTINGS["wsgi"] = args[1]
        elif args[0] == "--trust":
            name, _, values = args[1].partition("=")
            if not name or not values:
                sys.exit("header_lab.py: --trust NAME=VALUE[,VALUE...]")
            rules.append((name, tuple(values.split(","))))
        else:
            SETTINGS[args[0][2:].replace("-", "_")] = int(args[1])
        args = args[2:]
    if rules:
        TRUSTED[:] = rules
    modes = {"direct": direct, "behind": behind, "behind-nginx": behind_nginx,
             "behind-caddy": behind_caddy, "behind-squid": behind_squid}
    if len(args) == 4 and args[0] in modes:
        modes[args[0]](*args[1:])
    else:
        sys.exit("usage: header_lab.py [--trust NAME=VALUE[,VALUE...]]... [--refuse STATUS] "
                 "[--max-head BYTES] [--granted STATUS] [--post 1] "
                 "direct PORT CERT KEY | behind HAPROXY TEMPLATE CFG | behind-nginx NGINX TEMPLATE CFG | "
                 "behind-caddy CADDY TEMPLATE CFG | behind-squid SQUID TEMPLATE CFG")


if __name__ == "__main__":
    main()
