//! # openssl-pha
//!
//! rust-openssl wraps no `SSL_CTX_set_post_handshake_auth`, so an OpenSSL client made with it
//! never offers the TLS 1.3 `post_handshake_auth` extension, and servers that ask for a client
//! certificate only for some paths (Apache's `<Location> SSLVerifyClient require`) can then
//! never ask. This crate is that one call behind a safe function; the rest of the workspace
//! forbids unsafe code.

#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

use openssl::ssl::SslContextBuilder;

/// Makes clients of this context offer TLS 1.3 post-handshake authentication (the
/// `post_handshake_auth` extension), so a server may send a CertificateRequest after the
/// handshake. No effect on TLS 1.2.
pub fn offer_post_handshake_auth(ctx: &mut SslContextBuilder) {
    // SAFETY: `as_ptr` is the live `SSL_CTX*` owned by `ctx`, borrowed mutably for this call;
    // the function only sets a flag on it (OpenSSL 1.1.1+, which openssl-sys requires for the
    // symbol to exist).
    unsafe { openssl_sys::SSL_CTX_set_post_handshake_auth(ctx.as_ptr(), 1) }
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
        let mut ssl = Ssl::new(&builder.build())?;
        ssl.set_connect_state();
        assert!(!ssl.is_server());
        Ok(())
    }
}
