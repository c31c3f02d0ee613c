//! The TLS client side of a probe: a certificate resolver that records the server's
//! CertificateRequest, and a server-certificate verifier that records the chain and continues.

use std::sync::{Arc, Mutex, MutexGuard};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use crate::facts::TlsVersion;
use crate::identity::ClientIdentity;
use crate::text::escape_controls;

/// Picks the certificate a probe presents, from what the server's CertificateRequest says.
pub trait CertChooser: std::fmt::Debug + Send + Sync {
    /// `hints` are the advertised CA names (DER X.500 Names, outer SEQUENCE included); `schemes`
    /// the signature schemes the server accepts. `Ok(None)` sends an empty Certificate message
    /// on purpose; `Err` says why the probe's certificate could not be made: an empty
    /// Certificate goes, and the probe is inconclusive (what the server does then says nothing
    /// about that certificate).
    fn choose(
        &self,
        hints: &[&[u8]],
        schemes: &[SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String>;
}

/// What the handshake showed, filled in by the resolver and the verifier.
#[derive(Debug, Default)]
pub struct HandshakeRecord {
    /// Signalled when the server sends a TLS 1.3 NewSessionTicket: after our Finished, that is
    /// how a server that accepted the client certificate usually speaks first.
    pub ticket: Arc<tokio::sync::Notify>,
    /// The server sent a CertificateRequest.
    pub cert_requested: bool,
    /// Its acceptable CA names (DER).
    pub acceptable_cas: Vec<Vec<u8>>,
    /// Its signature schemes.
    pub schemes: Vec<SignatureScheme>,
    /// The identity presented, if any.
    pub sent: Option<ClientIdentity>,
    /// The probe's certificate was not presented, and why: it could not be made, or its key
    /// can make none of the signature schemes the CertificateRequest accepts (rustls would send
    /// an empty Certificate). The probe then proved nothing about that certificate.
    pub unpresented: Option<String>,
    /// The server's chain as served (leaf first), once its Certificate message arrived.
    pub server_chain: Vec<CertificateDer<'static>>,
    /// The server's handshake signature could not be checked: its key is too weak for the
    /// provider (RSA below 2048 bits), so it was accepted unchecked.
    pub signature_unchecked: bool,
    /// The version whose handshake signature the server made (its TLS 1.2 ServerKeyExchange or
    /// its TLS 1.3 CertificateVerify): the version it chose, known before any refusal of ours.
    pub server_signed: Option<TlsVersion>,
}

/// A shared, lockable record for one handshake.
#[derive(Debug, Clone, Default)]
pub struct SharedRecord(Arc<Mutex<HandshakeRecord>>);

impl SharedRecord {
    /// Locks the record (a poisoned lock still yields the data: it only holds facts).
    pub fn lock(&self) -> MutexGuard<'_, HandshakeRecord> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(Debug)]
struct RecordingResolver {
    chooser: Option<Arc<dyn CertChooser>>,
    record: SharedRecord,
}

impl ResolvesClientCert for RecordingResolver {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        let chosen = self
            .chooser
            .as_ref()
            .map(|c| c.choose(root_hint_subjects, sigschemes));
        let mut rec = self.record.lock();
        let chosen = match chosen {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(id))) => Some(id),
            Some(Err(reason)) => {
                rec.unpresented = Some(escape_controls(&reason));
                None
            }
        };
        rec.cert_requested = true;
        rec.acceptable_cas = root_hint_subjects.iter().map(|h| h.to_vec()).collect();
        rec.schemes = sigschemes.to_vec();
        // rustls sends an empty Certificate when the key can sign none of the schemes: record
        // that nothing was presented, never the identity.
        let chosen = match chosen {
            Some(id) if id.certified.key.choose_scheme(sigschemes).is_none() => {
                let schemes = sigschemes
                    .iter()
                    .take(16)
                    .map(|s| crate::facts::scheme_name(*s))
                    .collect::<Vec<_>>()
                    .join(", ");
                let schemes = if schemes.is_empty() {
                    "none of those it asked for is one this client can sign with".to_owned()
                } else {
                    schemes
                };
                rec.unpresented = Some(format!(
                    "the server accepts only signature schemes its key cannot make ({schemes})"
                ));
                None
            }
            other => other,
        };
        let key = chosen.as_ref().map(|id| id.certified.clone());
        // A forged identity's issuer is the server's advertised name: escape it for reports.
        // Copied only where escaping changes it: else every observation shares the identity's.
        rec.sent = chosen.map(|mut id| {
            let subject = escape_controls(&id.summary.subject);
            let issuer = escape_controls(&id.summary.issuer);
            if subject != id.summary.subject || issuer != id.summary.issuer {
                let summary = Arc::make_mut(&mut id.summary);
                summary.subject = subject;
                summary.issuer = issuer;
            }
            id
        });
        key
    }

    fn has_certs(&self) -> bool {
        // Must be true whenever resolve may return a key (TLS 1.2 fails otherwise); always true
        // so the no-certificate probe also records the CertificateRequest.
        true
    }
}

/// Accepts any server certificate (the probes must reach the client-auth step whatever the
/// server presents) and records the chain as served; [`crate::checks::server_cert`] judges it once per
/// target. The handshake signatures are still checked, so the server proves it holds its key.
/// The one exception: a server key too weak for the provider's algorithms (RSA below 2048 bits)
/// cannot be checked at all, so its signature is accepted unchecked and the record says so; the
/// weak key itself becomes the `server-cert-weak-key` finding.
#[derive(Debug)]
struct RecordingServerVerifier {
    provider: Arc<CryptoProvider>,
    record: SharedRecord,
}

impl RecordingServerVerifier {
    fn check(
        &self,
        cert: &CertificateDer<'_>,
        verified: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        match verified {
            Ok(v) => Ok(v),
            Err(e) if rsa_bits(cert).is_some_and(|bits| bits < 2048) => {
                self.record.lock().signature_unchecked = true;
                tracing::debug!("server signature not checked (weak RSA key): {e}");
                Ok(HandshakeSignatureValid::assertion())
            }
            Err(e) => Err(e),
        }
    }
}

/// The modulus size of an RSA certificate key, when it is one.
fn rsa_bits(cert: &CertificateDer<'_>) -> Option<usize> {
    use x509_parser::public_key::PublicKey;
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    match parsed.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => Some(rsa.key_size()),
        _ => None,
    }
}

impl ServerCertVerifier for RecordingServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut rec = self.record.lock();
        rec.server_chain = std::iter::once(end_entity)
            .chain(intermediates.iter())
            .take(MAX_CHAIN)
            .map(|c| c.clone().into_owned())
            .collect();
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record.lock().server_signed = Some(TlsVersion::Tls12);
        self.check(
            cert,
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            ),
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record.lock().server_signed = Some(TlsVersion::Tls13);
        self.check(
            cert,
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            ),
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The ALPN protocols an exchange offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alpn {
    /// `h2`, then `http/1.1`: as browsers and most clients.
    #[default]
    Both,
    /// `http/1.1` alone.
    Http1Only,
    /// No ALPN extension at all (OpenSSL's `s_client`, Python's `http.client`, many embedded
    /// clients): a server whose TLS settings follow the ALPN offered treats them apart.
    Omitted,
}

/// Certificates of a served chain kept at most (a longer chain is cut, never stored whole).
pub const MAX_CHAIN: usize = 10;

/// The provider with the cipher suites of `versions` alone: rustls offers every suite of its
/// provider whatever versions are enabled, so a TLS 1.2 probe's ClientHello carried the TLS 1.3
/// suites no TLS 1.2-only client sends, and a server choosing its settings by them (a rustls
/// `LazyConfigAcceptor` letting clients without a TLS 1.3 suite in unauthenticated) was A, exit 0
/// while `curl --tls-max 1.2` got in.
fn suites_of(
    provider: &Arc<CryptoProvider>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<CryptoProvider> {
    let speaks = |s: &rustls::SupportedCipherSuite| versions.iter().any(|v| s.version() == *v);
    if provider.cipher_suites.iter().all(speaks) {
        return provider.clone();
    }
    let mut only = (**provider).clone();
    only.cipher_suites.retain(speaks);
    Arc::new(only)
}

/// Builds the rustls client configuration of one probe, limited to `versions` (one version pins
/// it; several let the server choose), with ALPN `h2` and `http/1.1` (the exchange branches on
/// the protocol picked; `alpn` may offer `http/1.1` alone, or nothing). `sni` off sends no server name;
/// `sessions`, when given, is the session store the probe shares with another exchange (session
/// resumption); without it nothing is ever resumed.
pub fn client_config(
    provider: &Arc<CryptoProvider>,
    versions: &[TlsVersion],
    chooser: Option<Arc<dyn CertChooser>>,
    record: &SharedRecord,
    (sni, alpn): (bool, Alpn),
    sessions: Option<Arc<CrossNameSessions>>,
) -> Result<ClientConfig, rustls::Error> {
    // rustls resumes a session only with the very verifier and resolver it was made with: the
    // exchanges that share sessions share those too (they record into the sessions' record).
    let shared = sessions.as_ref().and_then(|s| lock(&s.parts).clone());
    let (verifier, resolver): (Arc<dyn ServerCertVerifier>, Arc<dyn ResolvesClientCert>) =
        match shared {
            Some(parts) => parts,
            None => {
                let parts: (Arc<dyn ServerCertVerifier>, Arc<dyn ResolvesClientCert>) = (
                    Arc::new(RecordingServerVerifier {
                        provider: provider.clone(),
                        record: record.clone(),
                    }),
                    Arc::new(RecordingResolver {
                        chooser,
                        record: record.clone(),
                    }),
                );
                if let Some(s) = &sessions {
                    *lock(&s.parts) = Some(parts.clone());
                }
                parts
            }
        };
    let versions: Vec<&'static rustls::SupportedProtocolVersion> =
        versions.iter().map(|v| v.rustls()).collect();
    let mut config = ClientConfig::builder_with_provider(suites_of(provider, &versions))
        .with_protocol_versions(&versions)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(resolver);
    config.alpn_protocols = match alpn {
        Alpn::Both => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        Alpn::Http1Only => vec![b"http/1.1".to_vec()],
        Alpn::Omitted => Vec::new(),
    };
    config.enable_sni = sni;
    // Each TLS 1.3 ticket signals that the server accepted our Finished (see
    // `transport::early_alert`); it is kept only in a shared store.
    let tls12 = match &sessions {
        Some(s) if s.ids_only => rustls::client::Tls12Resumption::SessionIdOnly,
        Some(_) => rustls::client::Tls12Resumption::SessionIdOrTickets,
        None => rustls::client::Tls12Resumption::Disabled,
    };
    config.resumption = rustls::client::Resumption::store(Arc::new(TicketSignal {
        signal: record.lock().ticket.clone(),
        sessions,
    }))
    .tls12_resumption(tls12);
    Ok(config)
}

/// A session store that signals each TLS 1.3 ticket received, and keeps sessions only in the
/// shared store it was given.
#[derive(Debug)]
struct TicketSignal {
    signal: Arc<tokio::sync::Notify>,
    sessions: Option<Arc<CrossNameSessions>>,
}

impl rustls::client::ClientSessionStore for TicketSignal {
    fn set_kx_hint(&self, _: ServerName<'static>, _: rustls::NamedGroup) {}

    fn kx_hint(&self, _: &ServerName<'_>) -> Option<rustls::NamedGroup> {
        None
    }

    fn set_tls12_session(
        &self,
        _: ServerName<'static>,
        value: rustls::client::Tls12ClientSessionValue,
    ) {
        if let Some(s) = &self.sessions {
            *lock(&s.tls12) = Some(value);
        }
    }

    fn tls12_session(&self, _: &ServerName<'_>) -> Option<rustls::client::Tls12ClientSessionValue> {
        self.sessions.as_ref().and_then(|s| lock(&s.tls12).clone())
    }

    fn remove_tls12_session(&self, _: &ServerName<'static>) {}

    fn insert_tls13_ticket(
        &self,
        _: ServerName<'static>,
        value: rustls::client::Tls13ClientSessionValue,
    ) {
        if let Some(s) = &self.sessions {
            let mut tickets = lock(&s.tls13);
            if tickets.len() < 4 {
                tickets.push(value);
            }
        }
        self.signal.notify_one();
    }

    fn take_tls13_ticket(
        &self,
        _: &ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        self.sessions.as_ref().and_then(|s| lock(&s.tls13).pop())
    }
}

/// Sessions kept whatever the server name they were made with, and offered to any name: the
/// session-resumption probe gets a session on one name and offers it on another (rustls's own
/// store keys sessions by name, so it never would).
#[derive(Debug, Default)]
pub struct CrossNameSessions {
    tls13: Mutex<Vec<rustls::client::Tls13ClientSessionValue>>,
    tls12: Mutex<Option<rustls::client::Tls12ClientSessionValue>>,
    /// The record every exchange of these sessions writes its facts to (reset before each).
    record: SharedRecord,
    /// The verifier and resolver of the first exchange, reused by the next ones.
    #[allow(clippy::type_complexity)]
    parts: Mutex<Option<(Arc<dyn ServerCertVerifier>, Arc<dyn ResolvesClientCert>)>>,
    /// TLS 1.2 sessions by ID alone: no session ticket asked for, so the server keeps the
    /// session in its cache (a client may choose so: Python's `OP_NO_TICKET`, `s_client
    /// -no_ticket`), which a server may share with a stricter one that never decrypts the other's
    /// tickets (HAProxy's process-wide cache across its binds).
    ids_only: bool,
}

impl CrossNameSessions {
    /// A store whose TLS 1.2 sessions are resumed by session ID alone: no session ticket is asked
    /// for.
    pub fn by_session_id() -> Self {
        Self {
            ids_only: true,
            ..Self::default()
        }
    }

    /// The record for the next exchange of these sessions, cleared of the previous one's facts
    /// (exchanges sharing sessions run one after another).
    pub fn next_record(&self) -> SharedRecord {
        *self.record.lock() = HandshakeRecord::default();
        self.record.clone()
    }

    /// Whether a session is held (a TLS 1.3 ticket or a TLS 1.2 session).
    pub fn holds_any(&self) -> bool {
        !lock(&self.tls13).is_empty() || lock(&self.tls12).is_some()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
