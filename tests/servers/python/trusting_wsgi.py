"""A WSGI application behind a TLS proxy that trusts X-SSL-Client-Verify as its WSGI key
(`HTTP_X_SSL_CLIENT_VERIFY`), for start.sh's haproxy-header-underscore-* servers: 200 and the
orders JSON when it is SUCCESS, else 403. gunicorn and wsgiref map a header `X_SSL_Client_Verify`
to the same key as `X-SSL-Client-Verify`, so a proxy that deletes the latter and passes the former
lets a client's copy through (served by header_lab.py --wsgi, or by gunicorn as
`trusting_wsgi:app`).
"""

ORDERS = (b'{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],'
          b'"customer":"acme corp"}\n')


def app(environ, start_response):
    if environ.get("HTTP_X_SSL_CLIENT_VERIFY") == "SUCCESS":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [ORDERS]
    start_response("403 Forbidden", [("Content-Type", "text/plain")])
    return [b"forbidden: a verified client certificate is required\n"]
