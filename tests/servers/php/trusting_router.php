<?php
// A PHP application behind Traefik's passTLSClientCert (start.sh's traefik-header-alias*), run
// by PHP's built-in server (`php -S 127.0.0.1:PORT trusting_router.php`): 200 and the orders when
// $_SERVER['HTTP_X_FORWARDED_TLS_CLIENT_CERT'] holds anything (Traefik sets that header only from
// a certificate the TLS options verified), else 403. PHP derives that key from the header name
// with every character but letters and digits read as `_`, so `X.Forwarded.Tls.Client.Cert`,
// which Traefik passes on as another header, lands under the same key (CVE-2026-88879).
$cert = $_SERVER['HTTP_X_FORWARDED_TLS_CLIENT_CERT'] ?? '';
header('Content-Type: application/json');
if ($cert !== '') {
    echo '{"orders":[{"id":5101,"item":"valve","qty":6},{"id":5102,"item":"gasket","qty":40}],"customer":"orion labs"}', "\n";
} else {
    http_response_code(403);
    echo '{"error":"a verified client certificate is required"}', "\n";
}
