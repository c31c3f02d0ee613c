"""A WSGI application for start.sh's uwsgi-* servers (uWSGI 2.0, Debian uwsgi-core and
uwsgi-plugin-python3) and gunicorn-* servers (Debian gunicorn).

`application` answers every request with 200 "ok", with a Content-Length as Flask and Django set
it. `no_length` is the same without Content-Length: uWSGI's --https-socket then ends the body by
closing the connection, without a TLS close_notify (start.sh uwsgi-https-socket-required-eof).
`sites_by_host` serves two name-based sites: "secret area" for Host secure.test, "public area" for
any other (start.sh uwsgi-sni-bypass).
`dn_403` answers 403 unless the request carries HTTPS_DN, the subject of the client certificate that uWSGI's HTTPS router (--https)
passes to the application when the client sent one (verified: a certificate the router's
OpenSSL context refused never gets this far).
`proxy_headers_403` answers 403 unless the request carries the headers a verifying proxy in
front would set, `X-SSL-Client-Verify: SUCCESS` and the certificate as escaped PEM in
`X-SSL-Client-Cert` (nginx's `$ssl_client_escaped_cert`), and trusts them: an application meant
to sit behind such a proxy, reachable directly (start.sh uwsgi-https-proxy-headers-3k).
"""


def _answer(start_response, status, body, length=True):
    headers = [("Content-Type", "text/plain")]
    if length:
        headers.append(("Content-Length", str(len(body))))
    start_response(status, headers)
    return [body]


def application(environ, start_response):
    return _answer(start_response, "200 OK", b"ok\n")


def no_length(environ, start_response):
    return _answer(start_response, "200 OK", b"ok\n", length=False)


def sites_by_host(environ, start_response):
    host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0].lower()
    body = b"secret area\n" if host == "secure.test" else b"public area\n"
    return _answer(start_response, "200 OK", body)


def dn_403(environ, start_response):
    if not environ.get("HTTPS_DN"):
        return _answer(start_response, "403 Forbidden", b"client certificate required\n")
    return application(environ, start_response)


def proxy_headers_403(environ, start_response):
    verified = environ.get("HTTP_X_SSL_CLIENT_VERIFY") == "SUCCESS"
    cert = environ.get("HTTP_X_SSL_CLIENT_CERT", "")
    if verified and cert.startswith("-----BEGIN%20CERTIFICATE-----%0A"):
        return _answer(start_response, "200 OK", b"orders: 5101 valve x6, 5102 gasket x40\n")
    return _answer(start_response, "403 Forbidden", b"client certificate required\n")
