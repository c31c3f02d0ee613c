"""A WebSocket API over TLS, as each library's docs set it up, in the system Python (Debian's
python3-websockets and python3-tornado). A plain GET is no WebSocket opening: `websockets`
answers it 426 Upgrade Required (`Upgrade: websocket`), Tornado 400 `Can "Upgrade" only to
"WebSocket".`. The socket sends the orders as its first message. MODE:
  open            websockets, no client certificate asked (verify_mode CERT_NONE): anyone's
  optional-close  websockets, CERT_OPTIONAL, the handler closes a socket without a peer
                  certificate with 1008 (policy violation): correct, enforced by the app
  banner-close    websockets, CERT_OPTIONAL, a welcome message to every socket, then a close
                  with 1008 for one without a peer certificate 300 ms later (the orders for
                  one with it): correct, enforced by the app after a banner
  silent          websockets, no certificate asked, a socket that waits for the client's
                  first message (an echo): what it serves cannot be read
  tornado-open    Tornado WebSocketHandler, CERT_OPTIONAL, no check: anyone's
Usage: websocket_server.py MODE PORT PKIDIR (binds 127.0.0.1)."""
import asyncio
import ssl
import sys

mode, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ORDERS = '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}]}'

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(f"{pki}/server.crt", f"{pki}/server.key")
ctx.load_verify_locations(f"{pki}/ca.crt")
ctx.verify_mode = (
    ssl.CERT_OPTIONAL
    if mode in ("optional-close", "banner-close", "tornado-open")
    else ssl.CERT_NONE
)


async def serve_websockets():
    import websockets

    async def handler(ws, path=None):
        if mode == "optional-close" and not ws.transport.get_extra_info("peercert"):
            await ws.close(1008, "client certificate required")
            return
        if mode == "banner-close":
            await ws.send('{"type":"welcome","server":"orders-feed"}')
            await asyncio.sleep(0.3)
            if not ws.transport.get_extra_info("peercert"):
                await ws.close(1008, "client certificate required")
                return
        if mode == "silent":
            async for message in ws:
                await ws.send(f"echo {message}")
            return
        await ws.send(ORDERS)
        await asyncio.sleep(1)

    async with websockets.serve(handler, "127.0.0.1", port, ssl=ctx):
        await asyncio.Future()


async def serve_tornado():
    import tornado.httpserver
    import tornado.web
    import tornado.websocket

    class Orders(tornado.websocket.WebSocketHandler):
        def open(self):
            self.write_message(ORDERS)

    app = tornado.web.Application([(r"/.*", Orders)])
    server = tornado.httpserver.HTTPServer(app, ssl_options=ctx)
    server.listen(port, "127.0.0.1")
    await asyncio.Event().wait()


if mode not in ("open", "optional-close", "banner-close", "silent", "tornado-open"):
    sys.exit(f"websocket_server.py: unknown mode {mode}")
asyncio.run(serve_tornado() if mode == "tornado-open" else serve_websockets())
