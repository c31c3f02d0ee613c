//! Facts: what one probe saw, and the names of things (TLS versions, probes, outcomes). Judgement
//! happens later, in [`crate::verdict`]; nothing here judges.

use serde::{Deserialize, Serialize};

use crate::identity::IdentitySummary;

/// Milliseconds to 0.01 ms, as the reports serialise a wall time (`84.29`, never
/// `84.29366900000001`): `#[serde(serialize_with = "crate::facts::round_ms")]`.
pub fn round_ms<S: serde::Serializer>(ms: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((ms * 100.0).round() / 100.0)
}

/// A TLS protocol version the scanner pins a probe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TlsVersion {
    /// TLS 1.3.
    #[serde(rename = "1.3")]
    Tls13,
    /// TLS 1.2.
    #[serde(rename = "1.2")]
    Tls12,
}

impl TlsVersion {
    /// Every version probed, newest first.
    pub const ALL: [TlsVersion; 2] = [TlsVersion::Tls13, TlsVersion::Tls12];

    /// Versions as a list: `TLS 1.3, TLS 1.2`.
    pub fn list(versions: &[TlsVersion]) -> String {
        versions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The rustls protocol version.
    pub fn rustls(self) -> &'static rustls::SupportedProtocolVersion {
        match self {
            TlsVersion::Tls13 => &rustls::version::TLS13,
            TlsVersion::Tls12 => &rustls::version::TLS12,
        }
    }

    /// `1.3` or `1.2`.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsVersion::Tls13 => "1.3",
            TlsVersion::Tls12 => "1.2",
        }
    }
}

impl std::fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TLS {}", self.as_str())
    }
}

/// How a probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The HTTP request got a 2xx answer: the probe got in.
    Served,
    /// The TLS layer refused: an alert, or the connection closed after a certificate was requested.
    RefusedTls,
    /// The handshake completed but the server refused over HTTP (400, 401, 403, 495, 496).
    RefusedHttp,
    /// The handshake completed and HTTP answered with another status (3xx, 404, 5xx …).
    Answered,
    /// The server does not speak this TLS version.
    UnsupportedVersion,
    /// Nothing could be concluded: connection refused, not TLS, our own set-up failed.
    Error,
    /// The server was reached, but what it did could not be read as an answer: a time-out, a
    /// reset or a close without an alert after the request, a response the HTTP client could not
    /// parse, an HTTP/2 GOAWAY before any response. Never a refusal.
    Inconclusive,
}

impl Outcome {
    /// True when the handshake completed and HTTP answered (whatever the status).
    pub fn got_http_answer(self) -> bool {
        matches!(
            self,
            Outcome::Served | Outcome::RefusedHttp | Outcome::Answered
        )
    }

    /// True when the server spoke this TLS version and gave a judgeable answer.
    pub fn is_conclusive(self) -> bool {
        !matches!(
            self,
            Outcome::UnsupportedVersion | Outcome::Error | Outcome::Inconclusive
        )
    }

    /// True when nothing could be read from the probe (an error or an inconclusive answer), as
    /// opposed to a server that does not speak the version.
    pub fn is_unreadable(self) -> bool {
        matches!(self, Outcome::Error | Outcome::Inconclusive)
    }
}

/// Everything one probe saw: a real handshake and a real HTTP request on one TLS version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeObservation {
    /// Which probe.
    pub id: ProbeId,
    /// The TLS version this probe was pinned to.
    pub tls_version: TlsVersion,
    /// The certificate the probe presented, when the server asked for one and the probe had one.
    pub client_cert: Option<std::sync::Arc<IdentitySummary>>,
    /// Whether the server sent a CertificateRequest.
    pub cert_requested: bool,
    /// The acceptable CA names the server advertised (RFC 4514 strings).
    pub acceptable_cas: Vec<String>,
    /// The same names as the server sent them (DER X.500 Names), kept by the late-auth transport
    /// (its certificate probes pick their certificate before their exchange, and forge from the
    /// names the late baseline was sent) and by the baseline probe (`client-ca-public-roots`
    /// compares them byte for byte with the public roots). Not part of the report.
    #[serde(skip)]
    pub acceptable_ca_names: Vec<Vec<u8>>,
    /// The signature schemes the server's CertificateRequest accepts: one list shared by every
    /// observation that got the same ([`shared_schemes`]).
    #[serde(default, skip_serializing_if = "no_schemes")]
    pub signature_schemes: std::sync::Arc<[String]>,
    /// The TLS alert received, when the server sent one.
    pub alert: Option<String>,
    /// The HTTP status, when HTTP answered.
    pub http_status: Option<u16>,
    /// The ALPN protocol negotiated, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// The `Server` header, capped and sanitised (untrusted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_header: Option<String>,
    /// The `Via` header, capped and sanitised (untrusted): a proxy in front names itself there
    /// (`1.1 host (squid/5.7)`), and the `Server` header is then the backend's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The `X-Powered-By` header, capped and sanitised (untrusted): the application's framework
    /// (`Express`), for the fixes where no `Server` header names the stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub powered_by: Option<String>,
    /// The `Location` of a redirect (3xx), or on another status where a `Refresh` header or a
    /// meta refresh in the page sends a browser; capped and sanitised (untrusted): where the
    /// server sends a client it did not serve (`path-form-bypass` asks for it without a
    /// certificate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The authentication scheme a `401` challenged for (`WWW-Authenticate: Bearer` →
    /// `Bearer`; its name alone): a refusal of credentials the request lacked, which says
    /// nothing of the certificate by itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_challenge: Option<String>,
    /// A short, capped excerpt of the body (untrusted text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_excerpt: Option<String>,
    /// The whole body's page as a hash per token (numbers and per-answer ids masked: see
    /// [`crate::probe::page::token_hashes`]), when the body was read whole: two answers of any
    /// length can be told one page. Not reported.
    #[serde(skip)]
    pub body_page: Option<Vec<u32>>,
    /// [`Self::body_page`] of what was read of a body that went on past the cap (`None` where
    /// it was read whole: `body_page` is it): for a page held inside another. Not reported.
    #[serde(skip)]
    pub body_page_read: Option<Vec<u32>>,
    /// The numbers of what was read as they stand ([`crate::probe::page::number_hashes`]): for
    /// a page held inside another. Not reported.
    #[serde(skip)]
    pub body_numbers: Vec<u32>,
    /// The values of the JSON documents of what was read, with their names
    /// ([`crate::probe::page::json_pairs`]): for a refusal carrying the protected data in
    /// another form. Not reported.
    #[serde(skip)]
    pub body_json_pairs: Vec<u32>,
    /// An answer with a status whose body was not read to its end: it stalled (nothing more
    /// within the read's wait), broke off, or went on past the read's cap. What was not read may
    /// hold a page (a handler that refuses and writes on).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_cut: bool,
    /// The whole body read speaks of refusing the caller, in words (of any of many languages) or
    /// an API's code ([`crate::text::speaks_of_refusal_in_any_language`]), past the excerpt too.
    /// Not reported.
    #[serde(skip)]
    pub body_speaks_of_refusal: bool,
    /// The whole body read (not only the excerpt) speaks of certificates or TLS
    /// ([`crate::text::speaks_of_certificates`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_names_certificates: bool,
    /// How the probe ended.
    pub outcome: Outcome,
    /// What went wrong, for [`Outcome::Error`] and refusals without an alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Wall time of the probe in milliseconds (its last attempt).
    pub ms: f64,
    /// How many times the probe ran: more than one when an unreadable answer was retried, or a
    /// close without an alert was confirmed.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub attempts: u8,
    /// The probe went through the late-auth transport (OpenSSL, offering TLS 1.3 post-handshake
    /// authentication and accepting TLS 1.2 renegotiation), after the handshake of the first
    /// wave showed no CertificateRequest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
    /// The server asked for the certificate after the handshake, and how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_after_handshake: Option<LateAsk>,
    /// The TLS handshake completed (whatever came after it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub handshake_completed: bool,
}

fn no_schemes(schemes: &std::sync::Arc<[String]>) -> bool {
    schemes.is_empty()
}

/// A signature scheme's name: rustls's, or the IANA name of one rustls does not name (review C:
/// `rsa_pss_pss_sha256` read `SignatureScheme(0x809)`).
pub fn scheme_name(scheme: rustls::SignatureScheme) -> String {
    match u16::from(scheme) {
        0x0809 => "RSA_PSS_PSS_SHA256".to_owned(),
        0x080a => "RSA_PSS_PSS_SHA384".to_owned(),
        0x080b => "RSA_PSS_PSS_SHA512".to_owned(),
        0x081a => "ECDSA_BRAINPOOLP256R1TLS13_SHA256".to_owned(),
        0x081b => "ECDSA_BRAINPOOLP384R1TLS13_SHA384".to_owned(),
        0x081c => "ECDSA_BRAINPOOLP512R1TLS13_SHA512".to_owned(),
        _ => format!("{scheme:?}"),
    }
}

/// The names of `schemes`, one shared list per distinct list seen in the process (a server's
/// CertificateRequest names the same ten or so on every handshake; a thousand targets' reports
/// held ~50 copies each). At most 64 distinct lists are kept; past them each gets its own.
pub fn shared_schemes(schemes: &[rustls::SignatureScheme]) -> std::sync::Arc<[String]> {
    use std::sync::{Arc, Mutex, OnceLock};
    /// Each list seen, with its names.
    type Seen = Vec<(Vec<rustls::SignatureScheme>, Arc<[String]>)>;
    static SEEN: OnceLock<Mutex<Seen>> = OnceLock::new();
    let named = || -> Arc<[String]> { schemes.iter().map(|s| scheme_name(*s)).collect() };
    if schemes.is_empty() {
        return Arc::default();
    }
    let Ok(mut seen) = SEEN.get_or_init(Mutex::default).lock() else {
        return named();
    };
    if let Some((_, shared)) = seen.iter().find(|(s, _)| s.as_slice() == schemes) {
        return shared.clone();
    }
    let shared = named();
    if seen.len() < 64 {
        seen.push((schemes.to_vec(), shared.clone()));
    }
    shared
}

/// How the transport's detail starts for a handshake that ended before the server's certificate
/// (a close, a reset, an alert-less failure): nothing of the server's was read.
pub const CLOSED_BEFORE_SERVER_CERTIFICATE: &str =
    "TLS handshake failed before the server's certificate";

impl ProbeObservation {
    /// Drops what only judging reads and no report shows (the CA names' raw bytes, the pages'
    /// token hashes): a finished target keeps what it reports, so a run holding a thousand
    /// targets' reports for `--format json` holds no pages (as a report read back from JSON).
    pub fn shed_judging_state(&mut self) {
        self.acceptable_ca_names = Vec::new();
        self.body_page = None;
        self.body_page_read = None;
        self.body_numbers = Vec::new();
        self.body_json_pairs = Vec::new();
    }

    /// Whether the handshake ended unread before the server's certificate (a close or a reset
    /// before the server's first flight, on every attempt), not by a time-out.
    pub fn closed_before_server_certificate(&self) -> bool {
        self.outcome.is_unreadable()
            && self
                .detail
                .as_deref()
                .is_some_and(|d| d.starts_with(CLOSED_BEFORE_SERVER_CERTIFICATE))
    }

    /// Whether the certificate presented says `mark` of where it came from (its `origin`).
    pub fn origin_says(&self, mark: &str) -> bool {
        self.client_cert
            .as_ref()
            .is_some_and(|c| c.origin.contains(mark))
    }

    /// When the server's CertificateRequest came, said after "CertificateRequest" (empty for one
    /// in the handshake of the first wave): after the handshake (and how), or inside the handshake
    /// but only to the late-auth client. `None` when no request was seen.
    pub fn request_timing(&self) -> Option<&'static str> {
        if !self.cert_requested {
            return None;
        }
        Some(match (self.late, self.asked_after_handshake) {
            (_, Some(LateAsk::PostHandshake)) => {
                " sent after the handshake (TLS 1.3 post-handshake authentication, once the \
                 request was read)"
            }
            (_, Some(LateAsk::Renegotiation)) => {
                " sent after the handshake (a TLS 1.2 renegotiation the server started once the \
                 request was read)"
            }
            (true, None) => " sent in the handshake to the late-auth client (OpenSSL)",
            (false, None) => "",
        })
    }
}

fn one() -> u8 {
    1
}

fn is_one(n: &u8) -> bool {
    *n == 1
}

/// A probe's stable kebab-case id, as reports and `--skip-probe` name it. Each probe file declares
/// its own as an associated constant (`ProbeId::NO_CLIENT_CERT` lives in `probe/no_client_cert.rs`);
/// the registry is the one list of them and reads ids back from reports (`Deserialize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProbeId(&'static str);

impl ProbeId {
    /// A probe id; only probe files declare them (one each), and the registry checks they are
    /// unique, kebab-case and listed.
    pub const fn new(id: &'static str) -> Self {
        Self(id)
    }

    /// The stable kebab-case id.
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for ProbeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for ProbeId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

/// How a server asked for the client certificate after the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LateAsk {
    /// TLS 1.3 post-handshake authentication (a CertificateRequest after the handshake).
    PostHandshake,
    /// TLS 1.2 renegotiation whose new handshake carried a CertificateRequest.
    Renegotiation,
}

/// A probe that could have raised a finding, but whose answer could not be read (after its
/// retries): the target is then incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncompleteProbe {
    /// The probe's stable id.
    pub probe: String,
    /// The TLS version it was pinned to, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<TlsVersion>,
    /// Why it could not be read.
    pub reason: String,
}

impl IncompleteProbe {
    /// The probe of this observation, with the observation's detail as the reason.
    pub fn of(o: &ProbeObservation) -> Self {
        Self {
            probe: o.id.as_str().to_owned(),
            tls_version: Some(o.tls_version),
            reason: o
                .detail
                .clone()
                .unwrap_or_else(|| "no answer could be read".to_owned()),
        }
    }
}
