//! # openssl-pha
//!
//! rust-openssl wraps no `SSL_CTX_set_post_handshake_auth`, so an OpenSSL client made with it
//! never offers the TLS 1.3 `post_handshake_auth` extension, and servers that ask for a client
//! certificate only for some paths (Apache's `<Location> SSLVerifyClient require`) can then
//! never ask. This crate is that call (and two more the late-auth transport needs: record
//! padding off, and the CA names a server's CertificateRequest advertised) behind safe functions;
//! the rest of the workspace forbids unsafe code.

#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

use foreign_types::ForeignTypeRef;
use openssl::ssl::{SslContextBuilder, SslRef};
use openssl::stack::StackRef;
use openssl::x509::X509Name;

/// Makes clients of this context offer TLS 1.3 post-handshake authentication (the
/// `post_handshake_auth` extension), so a server may send a CertificateRequest after the
/// handshake. No effect on TLS 1.2.
pub fn offer_post_handshake_auth(ctx: &mut SslContextBuilder) {
    // SAFETY: `as_ptr` is the live `SSL_CTX*` owned by `ctx`, borrowed mutably for this call;
    // the function only sets a flag on it (OpenSSL 1.1.1+, which openssl-sys requires for the
    // symbol to exist).
    unsafe { openssl_sys::SSL_CTX_set_post_handshake_auth(ctx.as_ptr(), 1) }
}

extern "C" {
    // OpenSSL 1.1.1+ (`ssl.h`): `int SSL_CTX_set_block_padding(SSL_CTX *ctx, size_t block_size)`;
    // openssl-sys does not declare it.
    fn SSL_CTX_set_block_padding(ctx: *mut openssl_sys::SSL_CTX, block_size: usize) -> i32;
    // OpenSSL 1.1.1+ (`ssl.h`):
    // `const STACK_OF(X509_NAME) *SSL_get0_peer_CA_list(const SSL *s)`; not in openssl-sys.
    fn SSL_get0_peer_CA_list(s: *const openssl_sys::SSL) -> *const openssl_sys::stack_st_X509_NAME;
}

/// The CA names (DER X.500 Names) the server's last CertificateRequest advertised: the TLS 1.2
/// list, the TLS 1.3 `certificate_authorities` extension, a renegotiation's or a post-handshake
/// request's included, which the late-auth transport cannot read off the wire (encrypted).
/// Empty when none was advertised or none was asked for.
pub fn peer_ca_names(ssl: &SslRef) -> Vec<Vec<u8>> {
    // SAFETY: `as_ptr` is the live `SSL*` that `ssl` borrows; the call only reads the list the
    // SSL object owns (null when there is none).
    let list = unsafe { SSL_get0_peer_CA_list(ssl.as_ptr()) };
    if list.is_null() {
        return Vec::new();
    }
    // SAFETY: non-null, a `STACK_OF(X509_NAME)` owned by the SSL object, which outlives this
    // borrow (tied to `ssl`'s); nothing here changes it. The stack is only read.
    let names: &StackRef<X509Name> = unsafe { StackRef::from_ptr(list.cast_mut()) };
    names.iter().filter_map(|name| name.to_der().ok()).collect()
}

/// Switches TLS 1.3 record padding off on clients of this context, whatever the system's
/// `openssl.cnf` says (`RecordPadding`): the late-auth transport tells the handshake messages it
/// writes apart by their record sizes. Returns whether OpenSSL took it.
pub fn no_record_padding(ctx: &mut SslContextBuilder) -> bool {
    // SAFETY: `as_ptr` is the live `SSL_CTX*` owned by `ctx`, borrowed mutably for this call; a
    // block size of 1 means no padding, and the function only stores it on the context. The
    // declaration above matches OpenSSL's prototype (`size_t` is `usize` on every target Rust
    // supports with OpenSSL).
    unsafe { SSL_CTX_set_block_padding(ctx.as_ptr(), 1) == 1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::ssl::{Ssl, SslContext, SslMethod};

    #[test]
    fn offering_post_handshake_auth_keeps_a_usable_context(
    ) -> Result<(), openssl::error::ErrorStack> {
        let mut builder = SslContext::builder(SslMethod::tls_client())?;
        offer_post_handshake_auth(&mut builder);
        assert!(no_record_padding(&mut builder));
        let mut ssl = Ssl::new(&builder.build())?;
        ssl.set_connect_state();
        assert!(!ssl.is_server());
        Ok(())
    }
}
