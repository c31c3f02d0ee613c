// Node https server for the real-server tests (no npm dependencies).
//   node server.js MODE PORT PKIDIR
// MODE:
//   optional        requestCert: true,  rejectUnauthorized: false
//   required        requestCert: true,  rejectUnauthorized: true
//   none            no requestCert
//   app-401         requestCert: true,  rejectUnauthorized: false, the app answers 401 unless
//                   req.socket.authorized
//   app-cn          requestCert: true,  rejectUnauthorized: false, the app answers 401 unless the
//                   peer certificate's CN is "test-client" (client.crt's): the name, never the chain
//   graphql-400     requestCert: true,  rejectUnauthorized: false, no check at all; a GraphQL-like
//                   endpoint: 400 to a GET without `?query=` (Apollo's "GET query missing"),
//                   200 with one
//   authorized-close  requestCert: true, rejectUnauthorized: false, the app destroys the
//                   connection (no answer) unless req.socket.authorized: on TLS 1.3 a session of
//                   such a connection, resumed, is authorized (nodejs/node#35317; a review's)
//   any-cert-close  requestCert: true,  rejectUnauthorized: false, the app destroys the connection
//                   (no answer) of a client that presented no certificate, and serves any
//                   certificate at all (a presence check that hangs up instead of refusing)
//   renegotiate-serve  requestCert: true, rejectUnauthorized: false; the app serves an
//                   authorised client, answers 403 on TLS 1.3, and on TLS 1.2 asks again by
//                   renegotiation (`socket.renegotiate()`, rejectUnauthorized: false) and then
//                   serves whoever renegotiated, a client without a certificate included; a client
//                   that declines the renegotiation (rustls) is cut off with an alert
//   renegotiate-verify  no certificate asked in the handshake; on TLS 1.2 the app asks by
//                   renegotiation (`socket.renegotiate({ requestCert: true, rejectUnauthorized:
//                   true })`) and serves an authorised client: Node drops a certificate it does
//                   not trust with a bare close; TLS 1.2 only (TLS 1.3 has no renegotiation)
//   name-bare-400   requestCert: true, rejectUnauthorized: false; an unauthorised certificate
//                   whose CN is test-client (client.crt's) is answered a bare `HTTP/1.1 400 Bad
//                   Request` (the status line alone); anything else unauthorised gets 401
//   renegotiate-verify-tls13  the same with TLS 1.3 on: there `renegotiate` throws, and every
//                   client, the valid one too, gets 403 (an audit's, nineteenth session)
//   h2-only         http2.createSecureServer without allowHTTP1 (h2 alone), requestCert: true,
//                   rejectUnauthorized: false; 403 to an unauthorised client
//   h2-check-h2-only  http2.createSecureServer({ allowHTTP1: true }), requestCert: true,
//                   rejectUnauthorized: false; the app answers 403 to an unauthorised client over
//                   h2 and serves it over HTTP/1.1 (a check written for the h2 API only)
//   shared-tickets-required  requestCert: true, rejectUnauthorized: true on PORT, and beside it on
//                   $MTLS_SIBLING_PORT (else PORT+1) a public site of the same process asking for
//                   no certificate, both with one `ticketKeys`: a TLS 1.3 session taken on the
//                   public port without a certificate resumes on the protected one and is served
//                   (nodejs/node#35317; TLS 1.2 closes it)
//   own-tickets-required  the same two ports, each with keys of its own: nothing resumes across
//   h2-path-guard-raw  http2.createSecureServer({ allowHTTP1: true }), requestCert: true,
//                   rejectUnauthorized: false; 403 to an unauthorised client whose request target,
//                   as written (`req.url`), begins with /admin; the orders at /admin/orders, routed
//                   by the WHATWG URL parser: `GET https://host/admin/orders` over HTTP/1.1 gets
//                   them (over h2 a request carries its path alone)
//   h2-session-goaway  http2.createSecureServer({ allowHTTP1: true }), requestCert: true,
//                   rejectUnauthorized: false; the check sits in the 'session' handler, which
//                   ends an unauthorised h2 session with GOAWAY HTTP_1_1_REQUIRED: HTTP/1.1 never
//                   meets it, and anyone is served over HTTP/1.1 (an audit's, nineteenth session)
//   check-once-per-connection  requestCert: true, rejectUnauthorized: false; the app checks
//                   `req.socket.authorized` on a connection's first request only, marking the
//                   socket checked before the result is known: the second request on a kept-alive
//                   connection gets the orders without a certificate (a review's, forty-fourth
//                   session)
//   check-once-per-session  the same, once per session: a client without the `sid` cookie gets a
//                   session (its cookie set on the answer, the 403 included) marked checked, and
//                   any request carrying that cookie gets the orders
//   check-cached-result  its control: a session cookie on every answer and a flag on the socket,
//                   both holding the check's result (`authorized`), never that it ran: refused
//                   every time without a certificate
// Binds 127.0.0.1 only.
'use strict';
const https = require('https');
const fs = require('fs');
const path = require('path');

const [mode, portArg, pki] = process.argv.slice(2);
const port = Number(portArg);
if (!mode || !port || !pki) {
  console.error('usage: node server.js optional|required|none|app-401|app-cn|graphql-400|authorized-close|any-cert-close|renegotiate-serve|renegotiate-verify|renegotiate-verify-tls13|name-bare-400|check-once-per-connection|check-once-per-session|check-cached-result|h2-only|h2-check-h2-only|h2-path-guard-raw|h2-session-goaway|h2-reset-http1-authorized|shared-tickets-required|own-tickets-required PORT PKIDIR');
  process.exit(2);
}
const opts = {
  key: fs.readFileSync(path.join(pki, 'server.key')),
  cert: fs.readFileSync(path.join(pki, 'server.crt')),
  ca: fs.readFileSync(path.join(pki, 'ca.crt')),
};
switch (mode) {
  case 'optional':
  case 'app-401':
  case 'app-cn':
  case 'graphql-400':
  case 'any-cert-close':
  case 'authorized-close':
  case 'renegotiate-serve':
  case 'h2-only':
  case 'h2-check-h2-only':
  case 'h2-path-guard-raw':
  case 'h2-session-goaway':
  case 'h2-reset-http1-authorized':
    opts.requestCert = true;
    opts.rejectUnauthorized = false;
    break;
  case 'required':
  case 'shared-tickets-required':
  case 'own-tickets-required':
    opts.requestCert = true;
    opts.rejectUnauthorized = true;
    break;
  case 'none':
    break;
  case 'renegotiate-verify':
    opts.maxVersion = 'TLSv1.2';
    break;
  case 'renegotiate-verify-tls13':
    break;
  case 'name-bare-400':
  case 'check-once-per-connection':
  case 'check-once-per-session':
  case 'check-cached-result':
    opts.requestCert = true;
    opts.rejectUnauthorized = false;
    break;
  default:
    console.error('unknown mode ' + mode);
    process.exit(2);
}
const ORDERS =
  '{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}\n';
const sessions = new Map();
const sessionOf = (req) => {
  const m = /(?:^|;\s*)sid=([0-9a-f]{32})/.exec(req.headers.cookie || '');
  return m && sessions.has(m[1]) ? m[1] : null;
};
const newSession = (res, state) => {
  const sid = require('crypto').randomBytes(16).toString('hex');
  if (sessions.size > 10000) sessions.clear();
  sessions.set(sid, state);
  res.setHeader('set-cookie', 'sid=' + sid + '; Path=/; HttpOnly; Secure');
  return state;
};
// Authorised on a full handshake with a certificate (`authorized` alone is true on a resumed
// session that never carried one: nodejs/node#35317; a resumed session is refused), so these
// modes' only flaw is their own.
const certified = (req) =>
  req.socket.authorized &&
  !req.socket.isSessionReused() &&
  !!(req.socket.getPeerCertificate() || {}).raw;
const refuse = (res) => {
  res.writeHead(403, { 'content-type': 'text/plain' });
  res.end('client certificate required\n');
};
const handler = (req, res) => {
  if (mode === 'check-once-per-connection') {
    if (!req.socket.mtlsChecked) {
      req.socket.mtlsChecked = true;
      if (!certified(req)) return refuse(res);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(ORDERS);
  }
  if (mode === 'check-once-per-session') {
    if (!sessionOf(req)) {
      newSession(res, { checked: true });
      if (!certified(req)) return refuse(res);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(ORDERS);
  }
  if (mode === 'check-cached-result') {
    if (req.socket.mtlsOk === undefined) req.socket.mtlsOk = certified(req);
    const sid = sessionOf(req);
    const state = sid ? sessions.get(sid) : newSession(res, { ok: certified(req) });
    if (!req.socket.mtlsOk || !state.ok) return refuse(res);
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(ORDERS);
  }
  if (mode === 'h2-reset-http1-authorized') {
    if (req.httpVersionMajor === 2) return; // reset by the 'stream' handler below
    if (!req.socket.authorized) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('client certificate required\n');
      return;
    }
  }
  if (mode === 'h2-only' && !req.socket.authorized) {
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('client certificate required\n');
    return;
  }
  if (mode === 'h2-path-guard-raw') {
    if (req.url.startsWith('/admin') && !req.socket.authorized) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('client certificate required\n');
      return;
    }
    let pathname = '';
    try {
      pathname = new URL(req.url, 'https://app.invalid').pathname;
    } catch (e) {
      pathname = '';
    }
    if (pathname === '/admin/orders') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    }
    return;
  }
  if (mode === 'h2-check-h2-only' && req.httpVersion === '2.0' && !req.socket.authorized) {
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('client certificate required\n');
    return;
  }
  if (mode === 'app-401' && !req.socket.authorized) {
    res.writeHead(401, { 'content-type': 'text/plain' });
    res.end('client certificate required: ' + (req.socket.authorizationError || 'none') + '\n');
    return;
  }
  if (mode === 'name-bare-400' && !req.socket.authorized) {
    // An unverified certificate claiming client.crt's CN is answered a bare 400 (the status
    // line alone, as Node's docs' clientError handler writes it on a socket it fails), as an
    // audit's hapi application answered a forged certificate it served on other connections;
    // anything else gets 401.
    const peer = req.socket.getPeerCertificate();
    const claimsCa = peer && peer.subject && peer.subject.CN === 'test-client';
    if (!claimsCa) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('client certificate required\n');
      return;
    }
    req.socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    return;
  }
  if (mode === 'app-cn') {
    const peer = req.socket.getPeerCertificate();
    if (!peer || !peer.subject || peer.subject.CN !== 'test-client') {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('client certificate required\n');
      return;
    }
  }
  if (mode === 'authorized-close' && !req.socket.authorized) {
    req.socket.destroy();
    return;
  }
  if (mode === 'any-cert-close') {
    const peer = req.socket.getPeerCertificate();
    if (!peer || !peer.raw) {
      req.socket.destroy();
      return;
    }
  }
  if (mode === 'renegotiate-serve' && !req.socket.authorized) {
    if (req.socket.getProtocol() !== 'TLSv1.2') {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('client certificate required\n');
      return;
    }
    let done = false;
    const serve = () => {
      if (done || req.socket.destroyed) return;
      done = true;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    };
    try {
      req.socket.renegotiate({ requestCert: true, rejectUnauthorized: false }, serve);
    } catch (e) {
      serve();
    }
    return;
  }
  if (mode === 'renegotiate-verify' || mode === 'renegotiate-verify-tls13') {
    const answer = () => {
      if (req.socket.destroyed) return;
      if (!req.socket.authorized) {
        res.writeHead(403, { 'content-type': 'text/plain' });
        res.end('client certificate required\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    };
    try {
      req.socket.renegotiate({ requestCert: true, rejectUnauthorized: true }, answer);
    } catch (e) {
      answer();
    }
    return;
  }
  if (mode === 'graphql-400' && !new URL(req.url, 'https://x').searchParams.has('query')) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"errors":[{"message":"GET query missing."}]}\n');
    return;
  }
  // The header Express adds to every answer (it sends no `Server`): the fixes name Node.js first.
  res.writeHead(200, { 'content-type': 'text/plain', 'x-powered-by': 'Express' });
  res.end('ok\n');
};
const server =
  mode === 'h2-check-h2-only' ||
  mode === 'h2-path-guard-raw' ||
  mode === 'h2-only' ||
  mode === 'h2-session-goaway' ||
  mode === 'h2-reset-http1-authorized'
    ? require('http2').createSecureServer({ ...opts, allowHTTP1: mode !== 'h2-only' }, handler)
    : https.createServer(opts, handler);
if (mode === 'h2-session-goaway') {
  const http2 = require('http2');
  server.on('session', (session) => {
    if (!session.socket.authorized) {
      session.goaway(http2.constants.NGHTTP2_HTTP_1_1_REQUIRED);
    }
  });
}
if (mode === 'h2-reset-http1-authorized') {
  // Every h2 stream reset with HTTP_1_1_REQUIRED; over HTTP/1.1 the check is
  // `socket.authorized`, which a resumed TLS 1.3 session sets without a certificate.
  const http2 = require('http2');
  server.on('stream', (stream) => stream.close(http2.constants.NGHTTP2_HTTP_1_1_REQUIRED));
}
server.on('tlsClientError', () => {});
server.listen(port, '127.0.0.1');
if (mode === 'shared-tickets-required' || mode === 'own-tickets-required') {
  // The public site of the same process. Shared: one ticket key for both servers, as a process
  // that sets `ticketKeys` once (to keep sessions across restarts or workers) has.
  const sibling = Number(process.env.MTLS_SIBLING_PORT) || port + 1;
  const keys = require('crypto').randomBytes(48);
  const protectedKeys = mode === 'shared-tickets-required' ? keys : require('crypto').randomBytes(48);
  server.setTicketKeys(protectedKeys);
  const pub = https.createServer({ key: opts.key, cert: opts.cert, ticketKeys: keys }, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('public site\n');
  });
  pub.on('tlsClientError', () => {});
  pub.listen(sibling, '127.0.0.1');
}
