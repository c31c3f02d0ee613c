"""Python asyncio + ssl, one TLS version only (stdlib only).

    python3 asyncio_server.py required-tls13|optional-tls12|required-tls12 PORT PKIDIR

Binds 127.0.0.1 only, answers 200 "ok\\n" on every request. asyncio's TLS layer closes a
handshake on a version the context does not allow without the protocol_version alert that
OpenSSL's own servers send (what aiohttp, uvicorn and hypercorn do with `minimum_version`).
  required-tls13  CERT_REQUIRED, TLS 1.3 only
  optional-tls12  CERT_OPTIONAL, TLS 1.2 only, no check in the app: any client gets in
  required-tls12  CERT_REQUIRED, TLS 1.2 only: closes a TLS 1.3 handshake without an alert
"""
import asyncio
import os
import ssl
import sys

MODES = {
    "required-tls13": (ssl.CERT_REQUIRED, ssl.TLSVersion.TLSv1_3),
    "optional-tls12": (ssl.CERT_OPTIONAL, ssl.TLSVersion.TLSv1_2),
    "required-tls12": (ssl.CERT_REQUIRED, ssl.TLSVersion.TLSv1_2),
}


async def handle(reader, writer):
    try:
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        body = b"ok\n"
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n" % len(body) + body
        )
        await writer.drain()
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
        pass
    finally:
        writer.close()


async def main():
    if len(sys.argv) != 4 or sys.argv[1] not in MODES:
        sys.exit("usage: asyncio_server.py " + "|".join(MODES) + " PORT PKIDIR")
    (verify, version), port, pki = MODES[sys.argv[1]], int(sys.argv[2]), sys.argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(pki, "server.crt"), os.path.join(pki, "server.key"))
    ctx.load_verify_locations(cafile=os.path.join(pki, "ca.crt"))
    ctx.verify_mode = verify
    ctx.minimum_version = version
    ctx.maximum_version = version
    server = await asyncio.start_server(handle, "127.0.0.1", port, ssl=ctx)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
