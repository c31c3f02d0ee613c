"""A gRPC service on grpcio (Debian's python3-grpcio): shop.Orders/List, unary, answering any
request with the orders as bytes (a generic handler, no protobuf). MODE:
  required  ssl_server_credentials(..., root_certificates=ca.crt, require_client_auth=True)
  noreq     the same without require_client_auth: grpcio then asks for no certificate
A plain GET is no gRPC call: grpcio resets its HTTP/2 stream (RST_STREAM INTERNAL_ERROR).
Usage: grpc_server.py MODE PORT PKIDIR (binds 127.0.0.1)."""
import sys
from concurrent import futures

import grpc

mode, port, pki = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if mode not in ("required", "noreq"):
    sys.exit(f"grpc_server.py: unknown mode {mode}")


def read(name):
    with open(f"{pki}/{name}", "rb") as f:
        return f.read()


def orders(request, context):
    return b'{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}]}'


handler = grpc.method_handlers_generic_handler(
    "shop.Orders", {"List": grpc.unary_unary_rpc_method_handler(orders)}
)
server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), handlers=[handler])
credentials = grpc.ssl_server_credentials(
    [(read("server.key"), read("server.crt"))],
    root_certificates=read("ca.crt"),
    require_client_auth=(mode == "required"),
)
server.add_secure_port(f"127.0.0.1:{port}", credentials)
server.start()
print(f"listening {port}", flush=True)
server.wait_for_termination()
