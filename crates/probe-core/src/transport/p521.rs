//! ECDHE on secp521r1, which the rustls aws-lc-rs provider does not offer: named last among the
//! scan's supported groups, so that a client certificate with a P-521 key can be presented on
//! TLS 1.2. OpenSSL takes a client's EC certificate there only on a curve the client named among
//! its groups (`tls12_check_peer_sigalg`: "wrong curve"): without it, a valid P-521 `client-cert`
//! was refused by nginx, Node and Python on TLS 1.2 and the scan blamed the server
//! (`enforcement-unverified`). The key share offered first stays X25519; a server that prefers
//! P-521 may pick it. The arithmetic is aws-lc's (`aws_lc_rs::agreement::ECDH_P521`).

use aws_lc_rs::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey, ECDH_P521};
use rustls::crypto::{ActiveKeyExchange, SharedSecret, SupportedKxGroup};
use rustls::{Error, NamedGroup, PeerMisbehaved};

/// The secp521r1 group, for a [`rustls::crypto::CryptoProvider`]'s `kx_groups`.
pub static SECP521R1: &dyn SupportedKxGroup = &Secp521r1;

#[derive(Debug)]
struct Secp521r1;

impl SupportedKxGroup for Secp521r1 {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let private = EphemeralPrivateKey::generate(&ECDH_P521, &rng)
            .map_err(|_| Error::FailedToGetRandomBytes)?;
        let public = private
            .compute_public_key()
            .map_err(|_| Error::FailedToGetRandomBytes)?;
        Ok(Box::new(Exchange {
            public: public.as_ref().to_vec(),
            private,
        }))
    }

    fn name(&self) -> NamedGroup {
        NamedGroup::secp521r1
    }
}

/// One key exchange under way: our ephemeral key and its public point (uncompressed).
struct Exchange {
    private: EphemeralPrivateKey,
    public: Vec<u8>,
}

impl ActiveKeyExchange for Exchange {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        // TLS sends points uncompressed (RFC 8446 4.2.8.2; RFC 8422 for TLS 1.2 without point
        // format negotiation); aws-lc would take other encodings too.
        if peer.first() != Some(&0x04) {
            return Err(PeerMisbehaved::InvalidKeyShare.into());
        }
        let peer = UnparsedPublicKey::new(&ECDH_P521, peer);
        agreement::agree_ephemeral(self.private, peer, (), |secret| {
            Ok(SharedSecret::from(secret))
        })
        .map_err(|()| PeerMisbehaved::InvalidKeyShare.into())
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::secp521r1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two ends agree on one secret, and a point that is not uncompressed is refused.
    #[test]
    fn two_ends_agree_and_a_compressed_point_is_refused() -> Result<(), Error> {
        let ours = SECP521R1.start()?;
        let theirs = SECP521R1.start()?;
        assert_eq!(ours.pub_key().len(), 133);
        let their_public = theirs.pub_key().to_vec();
        let our_public = ours.pub_key().to_vec();
        let a = ours.complete(&their_public)?;
        let b = theirs.complete(&our_public)?;
        assert_eq!(a.secret_bytes(), b.secret_bytes());
        let mut compressed = their_public.clone();
        compressed[0] = 0x02;
        assert!(SECP521R1.start()?.complete(&compressed).is_err());
        Ok(())
    }
}
