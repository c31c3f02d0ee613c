"""Python ssl + http.server for the real-server tests (stdlib only).

    python3 server.py CERT_REQUIRED|CERT_OPTIONAL|CERT_NONE|CERT_OPTIONAL-403|CERT_REQUIRED-sysroots PORT PKIDIR

Binds 127.0.0.1 only, answers 200 "ok\\n" on every GET. The TLS handshake runs in the request
thread so one slow client cannot block the others. With the "-403" suffix the handler itself answers
403 unless the connection carries a (verified) client certificate: getpeercert() is non-empty.
"""
import http.server
import os
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, status, ctype, body):
        """One whole answer: STATUS, its Content-Type and Content-Length, BODY."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.server.app_403 and not self.connection.getpeercert():
            self.send(403, "text/plain", b"client certificate required\n")
            return
        self.send(200, "text/plain", b"ok\n")

    def log_message(self, fmt, *args):
        pass


class TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, ctx, app_403=False, handler=None):
        self.ctx = ctx
        self.app_403 = app_403
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
        sys.exit("usage: server.py CERT_REQUIRED|CERT_OPTIONAL|CERT_NONE|CERT_OPTIONAL-403|CERT_REQUIRED-sysroots PORT PKIDIR")
    mode, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
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
    srv = TLSServer(("127.0.0.1", port), ctx, app_403)
    srv.serve_forever()


if __name__ == "__main__":
    main()
