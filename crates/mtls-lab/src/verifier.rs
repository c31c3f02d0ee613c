//! The lab's client-certificate verifiers: rustls's own, and deliberately broken ones that wrap it.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, SignatureScheme};

/// How the wrapper breaks verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flaw {
    /// Accepts every certificate (like a callback that returns success).
    AcceptAny,
    /// Accepts a certificate whose issuer name equals the CA's subject, without checking its signature.
    IssuerNameOnly,
    /// Verifies the chain but accepts any CertificateVerify signature.
    SkipSignature,
    /// Verifies the chain but forgives expiry and not-yet-valid.
    IgnoreValidity,
}

/// A mandatory verifier that wraps rustls's webpki verifier with one flaw.
#[derive(Debug)]
pub(crate) struct FlawedVerifier {
    pub(crate) inner: Arc<dyn ClientCertVerifier>,
    pub(crate) flaw: Flaw,
    pub(crate) ca_subject_der: Vec<u8>,
}

fn issuer_der(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    Some(parsed.tbs_certificate.issuer.as_raw().to_vec())
}

impl ClientCertVerifier for FlawedVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        match self.flaw {
            Flaw::AcceptAny => Ok(ClientCertVerified::assertion()),
            Flaw::IssuerNameOnly => {
                if issuer_der(end_entity).as_deref() == Some(self.ca_subject_der.as_slice()) {
                    Ok(ClientCertVerified::assertion())
                } else {
                    Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
                }
            }
            Flaw::SkipSignature => self
                .inner
                .verify_client_cert(end_entity, intermediates, now),
            Flaw::IgnoreValidity => {
                match self
                    .inner
                    .verify_client_cert(end_entity, intermediates, now)
                {
                    Err(Error::InvalidCertificate(
                        CertificateError::Expired
                        | CertificateError::ExpiredContext { .. }
                        | CertificateError::NotValidYet
                        | CertificateError::NotValidYetContext { .. },
                    )) => Ok(ClientCertVerified::assertion()),
                    other => other,
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        if self.flaw == Flaw::SkipSignature {
            return Ok(HandshakeSignatureValid::assertion());
        }
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        if self.flaw == Flaw::SkipSignature {
            return Ok(HandshakeSignatureValid::assertion());
        }
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
