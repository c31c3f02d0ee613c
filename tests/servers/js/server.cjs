// Bun and Deno servers for the real-server tests (no dependencies but the runtimes themselves,
// pinned in package.json): Bun 1.4 serves TLS over BoringSSL (uSockets), Deno 2.9 over rustls.
//   bun server.cjs MODE PORT PKIDIR      (Bun.serve or Bun's node:https)
//   deno run --allow-read --allow-net=127.0.0.1 server.cjs MODE PORT PKIDIR  (Deno's node:https)
// MODE:
//   serve-optional   Bun.serve, tls { requestCert: true, rejectUnauthorized: false, ca }
//   serve-required   Bun.serve, tls { requestCert: true, rejectUnauthorized: true, ca }
//   serve-none       Bun.serve, tls without requestCert
//   serve-sni-bypass Bun.serve with two TLS settings by SNI: public.test first (asks for no
//                    certificate), then secure.test (requestCert, rejectUnauthorized: true); one
//                    fetch handler that routes by the Host header: secure.test gets the orders
//   serve-sni-strict the same, secure.test's settings first
//   https-required   node:https, requestCert: true, rejectUnauthorized: true
//   https-optional   node:https, requestCert: true, rejectUnauthorized: false, no check
//   https-app-401    node:https, requestCert: true, rejectUnauthorized: false; the app answers
//                    401 unless req.socket.authorized
// Binds 127.0.0.1 only.
'use strict';
const fs = require('fs');
const path = require('path');

const [mode, portArg, pki] = process.argv.slice(2);
const port = Number(portArg);
if (!mode || !port || !pki) {
  console.error('usage: server.cjs serve-optional|serve-required|serve-none|serve-sni-bypass|serve-sni-strict|https-required|https-optional|https-app-401 PORT PKIDIR');
  process.exit(2);
}
const read = (f) => fs.readFileSync(path.join(pki, f));

if (mode === 'serve-sni-bypass' || mode === 'serve-sni-strict') {
  const names = { key: read('names.key'), cert: read('names.crt') };
  const secure = {
    ...names,
    serverName: 'secure.test',
    ca: read('ca.crt'),
    requestCert: true,
    rejectUnauthorized: true,
  };
  const pub = { ...names, serverName: 'public.test' };
  Bun.serve({
    hostname: '127.0.0.1',
    port,
    tls: mode === 'serve-sni-bypass' ? [pub, secure] : [secure, pub],
    fetch(req) {
      const host = (req.headers.get('host') || '').replace(/:\d+$/, '').toLowerCase();
      if (host === 'secure.test') return new Response('secret orders: #1 #2 #3\n');
      return new Response('public page\n');
    },
  });
} else if (mode.startsWith('serve-')) {
  const tls = { key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt') };
  switch (mode) {
    case 'serve-optional':
      Object.assign(tls, { requestCert: true, rejectUnauthorized: false });
      break;
    case 'serve-required':
      Object.assign(tls, { requestCert: true, rejectUnauthorized: true });
      break;
    case 'serve-none':
      break;
    default:
      console.error(`unknown mode ${mode}`);
      process.exit(2);
  }
  Bun.serve({ hostname: '127.0.0.1', port, tls, fetch: () => new Response('ok\n') });
} else {
  const https = require('https');
  const opts = { key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt') };
  switch (mode) {
    case 'https-required':
      Object.assign(opts, { requestCert: true, rejectUnauthorized: true });
      break;
    case 'https-optional':
    case 'https-app-401':
      Object.assign(opts, { requestCert: true, rejectUnauthorized: false });
      break;
    default:
      console.error(`unknown mode ${mode}`);
      process.exit(2);
  }
  https
    .createServer(opts, (req, res) => {
      if (mode === 'https-app-401' && !req.socket.authorized) {
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end('client certificate required\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    })
    .listen(port, '127.0.0.1');
}
console.log(`listening on 127.0.0.1:${port} (${mode})`);
