"""An ASGI application for start.sh's hypercorn-* servers (Debian python3-hypercorn): every
request is answered 200 "ok" with a Content-Length, as Starlette and FastAPI answer."""


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b"ok\n"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))],
        }
    )
    await send({"type": "http.response.body", "body": body})
