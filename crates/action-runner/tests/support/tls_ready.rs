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

/// Whether 127.0.0.1:`port` answers a ClientHello (rustls's, no SNI) with a TLS record, a
/// ServerHello or an alert alike, within a second; a close without a byte, a reset or silence is
/// not yet.
pub fn answers_tls(port: u16) -> bool {
    let Some(hello) = client_hello() else {
        return false;
    };
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    if stream.write_all(&hello).is_err() {
        return false;
    }
    let mut first = [0u8; 1];
    // 0x16 a handshake record (ServerHello), 0x15 an alert
    matches!(stream.read(&mut first), Ok(1) if first[0] == 0x16 || first[0] == 0x15)
}

/// The first flight of a rustls client to 127.0.0.1 (its ClientHello; an IP address sends no
/// SNI), which nothing verifies: only whether the server answers it matters.
fn client_hello() -> Option<Vec<u8>> {
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").ok()?;
    let mut client = rustls::ClientConnection::new(std::sync::Arc::new(config), name).ok()?;
    let mut hello = Vec::new();
    client.write_tls(&mut hello).ok()?;
    Some(hello)
}
