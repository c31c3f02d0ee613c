"""Python ssl + http.server for the real-server tests (stdlib only).

    python3 server.py CERT_REQUIRED|CERT_OPTIONAL|CERT_NONE|CERT_OPTIONAL-403|CERT_REQUIRED-sysroots PORT PKIDIR
    python3 server.py CERT_OPTIONAL-once-per-connection|CERT_OPTIONAL-once-per-session|CERT_OPTIONAL-cached-result PORT PKIDIR

Binds 127.0.0.1 only, answers 200 "ok\\n" on every GET. The TLS handshake runs in the request
thread so one slow client cannot block the others. With the "-403" suffix the handler itself answers
403 unless the connection carries a (verified) client certificate: getpeercert() is non-empty.

The check made once, remembered as made rather than as passed (a review's, forty-fourth session),
before the orders (JSON) on every path:
  -once-per-connection  on a connection's first request only (a flag on the handler, which
                        http.server keeps for the whole kept-alive connection): the second
                        request on the connection gets the orders without a certificate;
  -once-per-session     once per session: a request without the `sid` cookie opens one (its cookie
                        set on the answer, the 403 included) marked checked, and any request
                        carrying it gets the orders;
  -cached-result        their control: a session cookie on every answer and a flag per connection,
                        both holding the check's result: refused every time without a certificate;
  -third-request        a connection's third request let in (its first two checked);
  -tls12-connection     -once-per-connection on TLS 1.2 connections alone (TLS 1.3 checked
                        every time);
  -connection-session   once per session kept on its connection: a request without a `sid`
                        cookie this connection opened gets one (set on the answer, the 403
                        included), and the next request on the same connection carrying it gets
                        the orders; the cookie on another connection opens a new session, checked
                        (a review's, forty-fourth session: A, exit 0);
  -later-403-page       a connection's first request refused (403, a short page), the later ones
                        without a certificate answered 403 with the orders written on (a handler
                        that sets the status and goes on; review A, fifty-fourth session: A, exit 0).
"""
import http.server
import os
import re
import secrets
import ssl
import sys
import threading

ORDERS = (
    b'{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],'
    b'"customer":"acme corp"}\n'
)
SESSIONS = {}
SESSIONS_LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, status, ctype, body):
        """One whole answer: STATUS, its Content-Type and Content-Length, BODY."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def session(self, state):
        """The request's session (by its `sid` cookie), or a new one holding STATE, whose cookie
        the answer sets."""
        m = re.search(r"(?:^|;\s*)sid=([0-9a-f]{32})", self.headers.get("Cookie", ""))
        with SESSIONS_LOCK:
            if m and m.group(1) in SESSIONS:
                return SESSIONS[m.group(1)], None
            if len(SESSIONS) > 10000:
                SESSIONS.clear()
            sid = secrets.token_hex(16)
            SESSIONS[sid] = state
            return state, f"sid={sid}; Path=/; HttpOnly; Secure"

    def answer(self, status, ctype, body, cookie):
        self.send_response(status)
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def once(self):
        """The orders behind the check made once (see the module's doc)."""
        certified = bool(self.connection.getpeercert())
        refused = (403, "text/plain", b"client certificate required\n")
        orders = (200, "application/json", ORDERS)
        if self.server.once in ("once-per-connection", "third-request", "tls12-connection"):
            # third-request: the connection's first two requests checked, the third let in;
            # tls12-connection: the flag kept on TLS 1.2 connections alone.
            asked = getattr(self, "asked", 0) + 1
            self.asked = asked
            memo = self.server.once != "tls12-connection" or self.connection.version() == "TLSv1.2"
            checked_enough = asked > (2 if self.server.once == "third-request" else 1)
            if not (memo and checked_enough) and not certified:
                return self.answer(*refused, None)
            return self.answer(*orders, None)
        if self.server.once == "later-403-page":
            asked = getattr(self, "asked", 0) + 1
            self.asked = asked
            if certified:
                return self.answer(*orders, None)
            if asked == 1:
                return self.answer(*refused, None)
            return self.answer(403, "application/json", ORDERS, None)
        if self.server.once == "connection-session":
            opened = getattr(self, "opened", set())
            self.opened = opened
            m = re.search(r"(?:^|;\s*)sid=([0-9a-f]{32})", self.headers.get("Cookie", ""))
            if m and m.group(1) in opened:
                return self.answer(*orders, None)
            sid = secrets.token_hex(16)
            opened.add(sid)
            cookie = f"sid={sid}; Path=/; HttpOnly; Secure"
            return self.answer(*(orders if certified else refused), cookie)
        if self.server.once == "once-per-session":
            state, cookie = self.session({"checked": True})
            if cookie and not certified:
                return self.answer(*refused, cookie)
            return self.answer(*orders, cookie)
        if not hasattr(self, "ok"):
            self.ok = certified
        state, cookie = self.session({"ok": certified})
        if not (self.ok and state["ok"]):
            return self.answer(*refused, cookie)
        return self.answer(*orders, cookie)

    def do_GET(self):
        if self.server.once:
            return self.once()
        if self.server.app_403 and not self.connection.getpeercert():
            self.send(403, "text/plain", b"client certificate required\n")
            return
        self.send(200, "text/plain", b"ok\n")

    def log_message(self, fmt, *args):
        pass


class TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, ctx, app_403=False, handler=None, once=None):
        self.ctx = ctx
        self.app_403 = app_403
        self.once = once
        super().__init__(addr, handler or Handler)

    def finish_request(self, request, client_address):
        request.settimeout(10)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            request.close()
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass


def context(pki, name, verify_mode):
    """A server context with PKIDIR's NAME.crt and NAME.key, client certificates from ca.crt."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(pki, name + ".crt"), os.path.join(pki, name + ".key"))
    ctx.load_verify_locations(cafile=os.path.join(pki, "ca.crt"))
    ctx.verify_mode = verify_mode
    return ctx


def main():
    if len(sys.argv) != 4:
        sys.exit(
            "usage: server.py CERT_REQUIRED|CERT_OPTIONAL|CERT_NONE|CERT_OPTIONAL-403|"
            "CERT_REQUIRED-sysroots|CERT_OPTIONAL-once-per-connection|CERT_OPTIONAL-once-per-session|"
            "CERT_OPTIONAL-cached-result|CERT_OPTIONAL-third-request|CERT_OPTIONAL-tls12-connection|"
            "CERT_OPTIONAL-connection-session|CERT_OPTIONAL-later-403-page PORT PKIDIR"
        )
    mode, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    once = None
    for kind in ("once-per-connection", "once-per-session", "cached-result", "third-request",
                 "tls12-connection", "connection-session", "later-403-page"):
        if mode.endswith("-" + kind):
            once, mode = kind, mode.removesuffix("-" + kind)
    app_403 = mode.endswith("-403")
    mode = mode.removesuffix("-403")
    # -sysroots: the system's public roots trusted for client certificates beside ca.crt
    # (`load_default_certs(Purpose.CLIENT_AUTH)`), which Python advertises no name of
    sysroots = mode.endswith("-sysroots")
    mode = mode.removesuffix("-sysroots")
    if mode not in ("CERT_REQUIRED", "CERT_OPTIONAL", "CERT_NONE"):
        sys.exit(f"unknown mode {sys.argv[1]}")
    ctx = context(pki, "server", getattr(ssl, mode))
    if sysroots:
        ctx.load_default_certs(ssl.Purpose.CLIENT_AUTH)
    srv = TLSServer(("127.0.0.1", port), ctx, app_403, once=once)
    srv.serve_forever()


if __name__ == "__main__":
    main()
