// Node https server, TLS 1.2 only, that renegotiates on every request before answering (as IIS
// and Apache with a per-location SSLVerifyClient/SSLCipherSuite do). No npm dependencies.
//   node reneg.js MODE PORT PKIDIR
// PKIDIR holds server.key, server.crt and ca.crt (the CA trusted for client certificates), and
// server-rsa.key, server-rsa.crt for rsa-any.
// MODE, what the renegotiation asks and what follows it:
//   served     no certificate asked; then 200 "protected admin page" (an open door that rustls,
//              which refuses renegotiation, never sees: it gets handshake_failure instead)
//   stall      no certificate asked; then never answers (the late-auth client times out)
//   optional   requestCert: true, rejectUnauthorized: false; then 200 whatever was sent (asked
//              late, never enforced)
//   rsa-any    requestCert: true, rejectUnauthorized: false, client signatures RSA only, session
//              tickets and resumption on renegotiation left on (Node's defaults); then 403 without
//              a certificate, 200 with any certificate (an untrusted one included)
// A client that refuses the renegotiation (rustls answers no_renegotiation) gets a fatal
// handshake_failure alert from OpenSSL and no HTTP answer, in every mode.
// Binds 127.0.0.1 only; ground truth (openssl s_client, curl) is in the test that starts it,
// crates/probe-core/tests/renegotiation.rs.
'use strict';
const https = require('https');
const fs = require('fs');
const path = require('path');
const { constants } = require('crypto');

const [mode, portArg, pki] = process.argv.slice(2);
const port = Number(portArg);
const modes = ['served', 'stall', 'optional', 'rsa-any'];
if (!modes.includes(mode) || !port || !pki) {
  console.error('usage: node reneg.js ' + modes.join('|') + ' PORT PKIDIR');
  process.exit(2);
}
const server = https.createServer(
  {
    // rsa-any signs with RSA only, its own handshake included: an RSA key (server-rsa.*).
    key: fs.readFileSync(path.join(pki, mode === 'rsa-any' ? 'server-rsa.key' : 'server.key')),
    cert: fs.readFileSync(path.join(pki, mode === 'rsa-any' ? 'server-rsa.crt' : 'server.crt')),
    ca: fs.readFileSync(path.join(pki, 'ca.crt')),
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    // A full handshake on renegotiation (as Apache does): a resumed one carries no
    // CertificateRequest. rsa-any keeps Node's defaults: the client must not offer a session.
    secureOptions: mode === 'rsa-any' ? 0 : constants.SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION,
    ...(mode === 'rsa-any' ? { sigalgs: 'RSA-PSS+SHA256:RSA+SHA256' } : {}),
  },
  (req, res) => {
    const renegotiated = req.socket.renegotiate(
      { requestCert: mode === 'optional' || mode === 'rsa-any', rejectUnauthorized: false },
      (err) => {
        if (err) {
          res.destroy();
          return;
        }
        if (mode === 'stall') {
          return; // the request is never answered; the client's deadline ends it
        }
        const who = req.socket.getPeerCertificate();
        if (mode === 'rsa-any' && !(who && who.subject)) {
          res.writeHead(403, { 'content-type': 'text/plain' });
          res.end('client certificate required\n');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain', 'x-client-cert': who && who.subject ? 'yes' : 'no' });
        res.end('protected admin page\n');
      },
    );
    if (renegotiated === false) {
      res.destroy();
    }
  },
);
server.on('tlsClientError', () => {});
server.on('clientError', (err, socket) => socket.destroy());
server.listen(port, '127.0.0.1', () => console.log('listening on 127.0.0.1:' + port));
