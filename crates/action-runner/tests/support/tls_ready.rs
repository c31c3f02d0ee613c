//! Whether a lab server answers TLS yet, for the servers that listen before they can: Traefik
//! accepts connections before its file provider has handed it a certificate (it closes them
//! without a byte meanwhile), and etcd before its member is elected. Shared by the real-server
//! harnesses of both crates (`#[path]`).

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

/// Servers that take TCP connections before they answer TLS: their harness waits for
/// [`answers_tls`] after the port listens. Not `traefik-verify-no-cafiles`, which never answers
/// TLS (its TLS configuration fails to build): before its configuration and after, the same.
pub fn listens_before_tls(server: &str) -> bool {
    matches!(server.split('-').next(), Some("traefik" | "etcd"))
        && server != "traefik-verify-no-cafiles"
}

/// Whether 127.0.0.1:`port` answers a TLS 1.2 ClientHello (no SNI) with a TLS record, a
/// ServerHello or an alert alike, within a second; a close without a byte, a reset or silence is
/// not yet.
pub fn answers_tls(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    if stream.write_all(&client_hello()).is_err() {
        return false;
    }
    let mut first = [0u8; 1];
    // 0x16 a handshake record (ServerHello), 0x15 an alert
    matches!(stream.read(&mut first), Ok(1) if first[0] == 0x16 || first[0] == 0x15)
}

/// A TLS 1.2 ClientHello: ECDHE with AES-GCM for RSA and ECDSA keys, P-256 and X25519, the
/// common signature schemes.
fn client_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend([0x5a; 32]); // random
    body.push(0); // no session id
    body.extend([0x00, 0x04, 0xc0, 0x2f, 0xc0, 0x2b]); // cipher suites
    body.extend([0x01, 0x00]); // compression: null
    let extensions: &[u8] = &[
        0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x17, 0x00, 0x1d, // supported_groups
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, // ec_point_formats: uncompressed
        0x00, 0x0d, 0x00, 0x08, 0x00, 0x06, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, // sig algs
    ];
    body.extend(u16::try_from(extensions.len()).unwrap_or(0).to_be_bytes());
    body.extend(extensions);
    let mut handshake = vec![0x01, 0x00];
    handshake.extend(u16::try_from(body.len()).unwrap_or(0).to_be_bytes());
    handshake.extend(body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend(u16::try_from(handshake.len()).unwrap_or(0).to_be_bytes());
    record.extend(handshake);
    record
}
