<?php
// PHP's own TLS server (the openssl stream wrapper: stream_socket_server with an ssl context),
// for start.sh's php-* servers. One connection at a time, as such servers are written.
//   php server.php MODE PORT PKIDIR
// MODE:
//   verify-peer        'verify_peer' => true with 'cafile' => ca.crt: a certificate sent is
//                      verified in the handshake; a client without one completes it and PHP then
//                      closes the connection (its check runs after the handshake)
//   allow-self-signed  the same with 'allow_self_signed' => true: any self-signed client
//                      certificate is let in (PHP's callback forgives "self signed certificate")
//   no-verify          'verify_peer' => false: no certificate asked for
// Binds 127.0.0.1 only; the request head is read within 5 s and up to 16 KB.
[, $mode, $port, $pki] = $argv + [null, null, null, null];
if ($mode === null || $port === null || $pki === null) {
    fwrite(STDERR, "usage: php server.php verify-peer|allow-self-signed|no-verify PORT PKIDIR\n");
    exit(2);
}
ini_set('default_socket_timeout', '5');
$ssl = [
    'local_cert' => "$pki/server.crt",
    'local_pk' => "$pki/server.key",
    'cafile' => "$pki/ca.crt",
    'verify_peer_name' => false,
];
switch ($mode) {
    case 'verify-peer':
        $ssl['verify_peer'] = true;
        break;
    case 'allow-self-signed':
        $ssl['verify_peer'] = true;
        $ssl['allow_self_signed'] = true;
        break;
    case 'no-verify':
        $ssl['verify_peer'] = false;
        break;
    default:
        fwrite(STDERR, "unknown mode $mode\n");
        exit(2);
}
$flags = STREAM_SERVER_BIND | STREAM_SERVER_LISTEN;
$ctx = stream_context_create(['ssl' => $ssl, 'socket' => ['backlog' => 128]]);
$server = stream_socket_server("tls://127.0.0.1:$port", $errno, $errstr, $flags, $ctx);
if (!$server) {
    fwrite(STDERR, "listen on 127.0.0.1:$port: $errstr\n");
    exit(1);
}
fwrite(STDERR, "listening on 127.0.0.1:$port ($mode)\n");
while (true) {
    // The TLS handshake runs here; a failed one returns false (PHP logs a warning).
    $conn = @stream_socket_accept($server, 3600);
    if (!$conn) {
        continue;
    }
    stream_set_timeout($conn, 5);
    $head = '';
    // One deadline for the whole head: a client sending a byte at a time holds no one up long.
    $deadline = microtime(true) + 5;
    while (!str_contains($head, "\r\n\r\n") && strlen($head) < 16384 && microtime(true) < $deadline) {
        $chunk = fread($conn, 4096);
        if ($chunk === false || $chunk === '') {
            break;
        }
        $head .= $chunk;
    }
    $body = "ok\n";
    @fwrite($conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
        . strlen($body) . "\r\nConnection: close\r\n\r\n$body");
    @fclose($conn);
}
