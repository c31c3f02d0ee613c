#!/usr/bin/env python3
"""TLS 1.3 server (Python ssl over MemoryBIO, CERT_OPTIONAL) that answers a client without a
certificate 200 + the protected page, then, in the same TCP write, a fatal certificate_required
alert that it encrypts itself from the key log; a verified client gets the page alone. rustls
decrypts the page and meets the alert in one read, and tokio-rustls returned the alert first: the
page read as a refusal (an audit's server, twentieth session: A, exit 0). With `early`, the page
and the alert go before the request is read.
page_then_alert.py after|early PORT PKI   (needs python3-cryptography, the system Python's)"""
import socket, ssl, sys, threading, os, struct, tempfile
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives import hashes, hmac
WHEN, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
DESC = 116
SECRET = b'{"marker":"SECRET-OK","orders":[1001,1002,1003]}\n'
keylog = os.path.join(tempfile.mkdtemp(prefix="page-then-alert-"), "keylog")
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(pki + "/server.crt", pki + "/server.key")
ctx.load_verify_locations(pki + "/ca.crt")
ctx.verify_mode = ssl.CERT_OPTIONAL
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.num_tickets = 0
ctx.keylog_filename = keylog
ctx.set_alpn_protocols(["http/1.1"])

def hkdf_expand_label(h, secret, label, length):
    full = b"tls13 " + label
    info = struct.pack(">H", length) + bytes([len(full)]) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        m = hmac.HMAC(secret, h()); m.update(t + info + bytes([i])); t = m.finalize(); out += t; i += 1
    return out[:length]

def records(data):
    n, i = 0, 0
    while i + 5 <= len(data):
        ln = struct.unpack(">H", data[i+3:i+5])[0]; i += 5 + ln; n += 1
    return n

def alert_record(cipher, secret, seq, desc):
    if "SHA384" in cipher: h, klen = hashes.SHA384, 32
    elif "CHACHA" in cipher: h, klen = hashes.SHA256, 32
    else: h, klen = hashes.SHA256, 16
    key = hkdf_expand_label(h, secret, b"key", klen)
    iv = hkdf_expand_label(h, secret, b"iv", 12)
    nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big")))
    inner = bytes([2, desc, 21])
    aead = ChaCha20Poly1305(key) if "CHACHA" in cipher else AESGCM(key)
    hdr = b"\x17\x03\x03" + struct.pack(">H", len(inner) + 16)
    return hdr + aead.encrypt(nonce, inner, hdr)

def secret_for(cr):
    for line in open(keylog):
        p = line.split()
        if len(p) == 3 and p[0] == "SERVER_TRAFFIC_SECRET_0" and p[1] == cr:
            return bytes.fromhex(p[2])

def read_request(sock, obj, inc):
    """Reads one request head through the TLS object; False when the client closed."""
    req = b""
    while b"\r\n\r\n" not in req:
        try:
            req += obj.read(65536)
        except ssl.SSLWantReadError:
            r = sock.recv(65536)
            if not r:
                return False
            inc.write(r)
    return True

def handle(sock):
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=True)
    sock.settimeout(8)
    first = b""; app_records = None
    try:
        while True:
            try:
                obj.do_handshake(); break
            except ssl.SSLWantReadError:
                d = out.read()
                if d: sock.sendall(d)
                r = sock.recv(65536)
                if not r: return
                if not first: first = r
                inc.write(r)
        post = out.read()           # everything after the handshake completes: application key
        app_records = records(post)
        if post: sock.sendall(post)
        cr = first[11:43].hex()
        if WHEN == "early" and not obj.getpeercert():
            # the page written before the request is read (server-first), then the alert
            body = SECRET
            obj.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            data = out.read(); app_records += records(data)
            sock.sendall(data + alert_record(obj.cipher()[0], secret_for(cr), app_records, DESC))
            import time; time.sleep(0.5); return
        if not read_request(sock, obj, inc):
            return
        ok = bool(obj.getpeercert())
        body = SECRET
        resp = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        obj.write(resp)
        data = out.read()
        app_records += records(data)
        if not ok:
            al = alert_record(obj.cipher()[0], secret_for(cr), app_records, DESC)
            if WHEN == "split":
                sock.sendall(data); import time; time.sleep(0.2); data = al
            else:
                data = data + al
        sock.sendall(data)
        if not ok:
            sock.close(); return
        # keep-alive for the valid client: serve more requests
        while read_request(sock, obj, inc):
            obj.write(resp); sock.sendall(out.read())
    except Exception as e:
        try:
            d = out.read()
            if d: sock.sendall(d)   # the handshake's own alert (unknown_ca ...)
        except Exception:
            pass
    finally:
        try: sock.close()
        except Exception: pass

srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(128)
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
