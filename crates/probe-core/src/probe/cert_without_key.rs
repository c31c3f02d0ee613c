//! `cert-without-key`: presents the positive control's certificate, but signs CertificateVerify
//! with a different key of the same type (rustls `CertifiedKey::new` does not check the pair). A
//! server that serves it never verifies proof of possession, so a stolen public certificate is
//! enough to get in.

use std::sync::{Arc, OnceLock};

use rustls::crypto::CryptoProvider;
use rustls::sign::SigningKey;
use rustls::SignatureScheme;

use super::{
    served_with, valid_client_cert, Judged, Plan, Probe, ProbeContext, ProbeId, ProbeSpec,
    VersionView,
};
use crate::finding::FindingId;
use crate::identity::{rustls_signing_key, ClientIdentity, KeyKind};
use crate::transport::tls::CertChooser;

impl ProbeId {
    /// `cert-without-key`: The valid certificate with CertificateVerify signed by another key.
    pub const CERT_WITHOUT_KEY: ProbeId = ProbeId::new("cert-without-key");
}

/// Signing keys that belong to no certificate, one per key type, made on first use.
#[derive(Debug)]
pub(super) struct ForeignKeys {
    provider: Arc<CryptoProvider>,
    ec256: OnceLock<Option<Arc<dyn SigningKey>>>,
    ec384: OnceLock<Option<Arc<dyn SigningKey>>>,
    ec521: OnceLock<Option<Arc<dyn SigningKey>>>,
    ed25519: OnceLock<Option<Arc<dyn SigningKey>>>,
    rsa: OnceLock<Option<Arc<dyn SigningKey>>>,
}

impl ForeignKeys {
    fn make(&self, alg: &'static rcgen::SignatureAlgorithm) -> Option<Arc<dyn SigningKey>> {
        let key = if alg == &rcgen::PKCS_RSA_SHA256 {
            crate::identity::off_the_worker(|| KeyKind::Rsa2048.generate()).ok()?
        } else {
            rcgen::KeyPair::generate_for(alg).ok()?
        };
        rustls_signing_key(&key, &self.provider).ok()
    }

    /// A foreign key of the same type as the certificate's (`EC 256`, `EC 384`, `EC 521`,
    /// `Ed25519`, `RSA …`): a CertificateVerify the server can check, and must find false (a key
    /// of another type would be refused for its type, the signature never checked).
    pub(super) fn like(&self, key_desc: &str) -> Option<Arc<dyn SigningKey>> {
        if key_desc.starts_with("RSA") {
            self.rsa
                .get_or_init(|| self.make(&rcgen::PKCS_RSA_SHA256))
                .clone()
        } else if key_desc == "EC 384" {
            self.ec384
                .get_or_init(|| self.make(&rcgen::PKCS_ECDSA_P384_SHA384))
                .clone()
        } else if key_desc == "EC 521" {
            self.ec521
                .get_or_init(|| self.make(&rcgen::PKCS_ECDSA_P521_SHA512))
                .clone()
        } else if key_desc == "Ed25519" {
            self.ed25519
                .get_or_init(|| self.make(&rcgen::PKCS_ED25519))
                .clone()
        } else {
            self.ec256
                .get_or_init(|| self.make(&rcgen::PKCS_ECDSA_P256_SHA256))
                .clone()
        }
    }
}

/// The origin of the follow-up that presents the staging CA's valid certificate with a foreign
/// key, where `client-cert` (the positive control) was refused ([`CertWithoutKey::follow_up`]).
pub const STAGING_WITHOUT_KEY_ORIGIN: &str =
    "staging CA's valid certificate, CertificateVerify by another key";

/// The positive control's certificate with a foreign key.
#[derive(Debug)]
pub struct WithoutKey {
    valid: Arc<dyn CertChooser>,
    keys: ForeignKeys,
    origin: &'static str,
}

impl ForeignKeys {
    /// None made yet.
    pub(super) fn new(provider: Arc<CryptoProvider>) -> Self {
        Self {
            provider,
            ec256: OnceLock::new(),
            ec384: OnceLock::new(),
            ec521: OnceLock::new(),
            ed25519: OnceLock::new(),
            rsa: OnceLock::new(),
        }
    }
}

impl CertChooser for WithoutKey {
    fn choose(
        &self,
        hints: &[&[u8]],
        schemes: &[SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String> {
        let Some(id) = self.valid.choose(hints, schemes)? else {
            return Ok(None);
        };
        let key = self.keys.like(&id.summary.key).ok_or_else(|| {
            format!(
                "no foreign key like the certificate's ({}) could be made",
                id.summary.key
            )
        })?;
        Ok(Some(id.with_foreign_key(key, self.origin)))
    }
}

/// The probe.
pub struct CertWithoutKey;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::CERT_WITHOUT_KEY,
    presents: "the positive control's certificate, CertificateVerify signed by another key; where `client-cert` was refused or could not be presented and a staging CA is given, the staging CA's valid certificate so too",
    needs: "as `valid-client-cert`",
    findings: &[FindingId::ClientKeyPossessionNotVerified],
};

impl Probe for CertWithoutKey {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    /// Runs when there is a positive control.
    fn plan(&self, ctx: &ProbeContext) -> Plan {
        let Some(valid) = valid_client_cert::chooser(ctx) else {
            return Plan::Skip(
                "needs a certificate the server accepts: a client identity or a staging CA".into(),
            );
        };
        Plan::Run(Some(Arc::new(WithoutKey {
            valid,
            keys: ForeignKeys::new(ctx.provider.clone()),
            origin: "positive-control certificate, CertificateVerify by another key",
        })))
    }

    /// Where `client-cert` is the positive control and was refused (or could not be presented)
    /// on this version, and a
    /// staging CA is given: the staging CA's valid certificate with a foreign key, judged against
    /// the staging CA's own control (which runs there too: [`valid_client_cert::staging_control`])
    /// instead of the refused one, which proves nothing (before: unread, exit 3, where the
    /// staging CA's certificate was served).
    fn follow_up(&self, ctx: &ProbeContext, first: &VersionView<'_>) -> Vec<Arc<dyn CertChooser>> {
        let Some(staging) = ctx.staging.as_ref() else {
            return Vec::new();
        };
        if ctx.client.is_none()
            || !(valid_client_cert::positive_refused(first)
                || valid_client_cert::positive_unpresented(first))
        {
            return Vec::new();
        }
        vec![Arc::new(WithoutKey {
            valid: Arc::new(super::Paired(staging.valid.clone())),
            keys: ForeignKeys::new(ctx.provider.clone()),
            origin: STAGING_WITHOUT_KEY_ORIGIN,
        })]
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        served_with(
            view,
            self.id(),
            FindingId::ClientKeyPossessionNotVerified,
            "the valid certificate with CertificateVerify signed by another key",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    #[test]
    fn judged_as_every_certificate_probe_that_must_not_get_in() {
        crate::probe::recorded::check_served_with(
            &CertWithoutKey,
            FindingId::ClientKeyPossessionNotVerified,
            Severity::Critical,
            "the valid certificate with CertificateVerify signed by another key",
        );
    }

    /// The foreign key signs with a scheme of the certificate's own key type (an Ed25519 or a
    /// P-521 certificate got a P-256 key: refused for the scheme, `IllegalParameter`, before any
    /// signature was checked, and read as the server checking possession).
    #[test]
    fn the_foreign_key_is_of_the_certificates_own_type() {
        use rustls::SignatureScheme as S;
        let keys = ForeignKeys::new(Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        for (desc, scheme) in [
            ("EC 256", S::ECDSA_NISTP256_SHA256),
            ("EC 384", S::ECDSA_NISTP384_SHA384),
            ("EC 521", S::ECDSA_NISTP521_SHA512),
            ("Ed25519", S::ED25519),
        ] {
            let key = keys.like(desc);
            assert!(
                key.is_some_and(|k| k.choose_scheme(&[scheme]).is_some()),
                "{desc}"
            );
        }
    }
}
