"""A cleartext backend on Hypercorn (Debian's python3-hypercorn), which speaks h2c and answers an
HTTP/1.1 `Upgrade: h2c` with 101, and a TLS front end as its child, for the h2c-smuggling
servers of start.sh.

    /usr/bin/python3 h2c_backend.py TEMPLATE CFG FRONTEND [ARG...]

The backend (an ASGI application, no checks of its own: the front end is the one that checks
client certificates) serves /admin the admin page, / a public page, 404 elsewhere, on 127.0.0.1
(a port the kernel picks). TEMPLATE with every "@BACKEND_PORT@" replaced is written to CFG and
`FRONTEND ARG...` runs as a child of this process. This process exits when the front end does,
and stops it on SIGTERM/SIGINT/SIGHUP (on Linux the front end also gets SIGTERM if this process
dies).
"""
import asyncio
import ctypes
import signal
import socket
import subprocess
import sys

from hypercorn.asyncio import serve
from hypercorn.config import Config

ADMIN = b"secret area: admin orders 1017 1018 1019, total 42.00\n"


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/admin" or path.startswith("/admin/"):
        status, body = 200, ADMIN
    elif path == "/":
        status, body = 200, b"public area\n"
    else:
        status, body = 404, b"not found\n"
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})


def die_with_parent():
    # PR_SET_PDEATHSIG (1): the child gets SIGTERM when this process dies, even by SIGKILL
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: h2c_backend.py TEMPLATE CFG FRONTEND [ARG...]")
    template, cfg, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    config = Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.accesslog = None
    config.errorlog = None
    with open(template) as f:
        text = f.read().replace("@BACKEND_PORT@", str(port))
    with open(cfg, "w") as f:
        f.write(text)
    child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)

    loop = asyncio.new_event_loop()
    stopping = asyncio.Event()

    def stop(*_):
        child.terminate()
        loop.call_soon_threadsafe(stopping.set)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, stop)

    async def watch_child():
        while child.poll() is None and not stopping.is_set():
            await asyncio.sleep(0.2)
        stopping.set()

    async def run():
        loop.create_task(watch_child())
        await serve(app, config, shutdown_trigger=stopping.wait)

    try:
        loop.run_until_complete(run())
    finally:
        if child.poll() is None:
            child.terminate()
    rc = child.wait()
    sys.exit(rc if rc >= 0 else 0)


if __name__ == "__main__":
    main()
