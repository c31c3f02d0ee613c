"""A TLS server that refuses a client certificate the way Bun does (pyOpenSSL, run by the system
Python), for start.sh's python-notify-closer server:

    /usr/bin/python3 notify_closer.py PORT PKIDIR

server.crt on 127.0.0.1:PORT, TLS 1.2 only. A certificate is required, and every one is let
through the handshake (the verify callback notes what OpenSSL thought of it and says yes); then a
client whose certificate does not verify against ca.crt is sent close_notify and the connection
closed, before any request is read. A client with one gets 200 "ok". (Bun 1.x with
`rejectUnauthorized: true` ends a TLS 1.2 connection so, right after the handshake: an audit of
the thirteenth session found the scanner left such refusals unread.)
"""
import socket
import sys
import threading

from OpenSSL import SSL

MAX_CLIENTS = 64


def serve(conn, ctx):
    tls = SSL.Connection(ctx, conn)
    tls.set_accept_state()
    verdicts = []
    tls.set_app_data(verdicts)
    try:
        tls.do_handshake()
        trusted = tls.get_peer_certificate() is not None and verdicts and all(verdicts)
        if not trusted:
            tls.shutdown()  # close_notify, nothing read
            return
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 16384:
            chunk = tls.recv(4096)
            if not chunk:
                return
            data += chunk
        body = b"ok\n"
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                    b"Connection: close\r\n\r\n%s" % (len(body), body))
        tls.shutdown()
    except (SSL.Error, OSError):
        pass
    finally:
        conn.close()


def main():
    port, pki = int(sys.argv[1]), sys.argv[2]
    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
    ctx.set_max_proto_version(SSL.TLS1_2_VERSION)
    ctx.use_certificate_file(f"{pki}/server.crt")
    ctx.use_privatekey_file(f"{pki}/server.key")
    ctx.load_verify_locations(f"{pki}/ca.crt")

    def verify(conn, cert, errno, depth, ok):
        conn.get_app_data().append(bool(ok))
        return True

    ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, verify)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    slots = threading.BoundedSemaphore(MAX_CLIENTS)
    while True:
        conn, _ = listener.accept()
        # Blocking (pyOpenSSL raises WantRead on a socket with a time-out); the slots bound
        # how many clients a stalled peer can hold.
        conn.settimeout(None)
        if not slots.acquire(blocking=False):
            conn.close()
            continue

        def run(c=conn):
            try:
                serve(c, ctx)
            finally:
                slots.release()

        threading.Thread(target=run, daemon=True).start()


if __name__ == "__main__":
    main()
