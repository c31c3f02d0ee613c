//! The impostor's data: the scenarios, what each connection showed, a run's results (the typed
//! `impostor` section of a report), the options and the errors. Nothing here acts.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::client::ClientOutcome;
use crate::facts::TlsVersion;

/// One server the impostor plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Scenario {
    /// A valid certificate for the name, from the CA the client trusts: must get the request.
    Control,
    /// A self-signed certificate for the name.
    SelfSigned,
    /// A certificate for the name from a CA the client was not told to trust.
    UntrustedCa,
    /// A certificate for the name from a CA the client was not told to trust, sent alone, its
    /// issuer missing (OpenSSL's "unable to get local issuer certificate", 20, and "unable to
    /// verify the first certificate", 21): a client that forgives them, as the workaround for a
    /// server that leaves out its intermediate does, takes any certificate (a review's Node and
    /// Ruby clients: A, exit 0, where `untrusted-ca`'s chain ends in its root, 19).
    UnknownIssuer,
    /// A certificate for the name from the trusted CA, expired.
    Expired,
    /// A certificate from the trusted CA for another host name.
    WrongHost,
    /// A certificate for the name whose issuer is the trusted CA's name, signed by another key (a
    /// forged CA): only a client that checks the signature refuses it.
    ForgedCa,
    /// A certificate for the name signed by the key of an end-entity certificate (CA:FALSE) that
    /// the trusted CA issued to someone else: only a client that checks the issuer may sign
    /// (basicConstraints) refuses it; any holder of a certificate from that CA could mint it.
    NonCaIssuer,
    /// A certificate from an untrusted CA, with a request for the client's certificate.
    RequestsClientCert,
    /// The wrong-host certificate (from the trusted CA), with a request for the client's
    /// certificate: a client that checks the host name only after the handshake (curl with
    /// OpenSSL) has presented its certificate by then.
    WrongHostRequestsClientCert,
    /// No certificate at all: an anonymous cipher suite the client offered (`ECDH_anon`,
    /// `DH_anon`, TLS 1.2), picked by an OpenSSL server (rustls has none). Played last in a
    /// wrapped run, only where the client offered one in an earlier scenario; never served.
    AnonymousSuite,
}

impl Scenario {
    /// Every scenario, in the order serve mode serves them (a wrapped run plays `self-signed`
    /// first: [`ImpostorOptions::scenarios`]), but [`Scenario::AnonymousSuite`], which a
    /// wrapped run plays last where the client offered an anonymous suite.
    pub const ALL: [Scenario; 10] = [
        Scenario::Control,
        Scenario::SelfSigned,
        Scenario::UntrustedCa,
        Scenario::UnknownIssuer,
        Scenario::Expired,
        Scenario::WrongHost,
        Scenario::ForgedCa,
        Scenario::NonCaIssuer,
        Scenario::RequestsClientCert,
        Scenario::WrongHostRequestsClientCert,
    ];

    /// The stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Control => "control",
            Scenario::SelfSigned => "self-signed",
            Scenario::UntrustedCa => "untrusted-ca",
            Scenario::UnknownIssuer => "unknown-issuer",
            Scenario::Expired => "expired",
            Scenario::WrongHost => "wrong-host",
            Scenario::ForgedCa => "forged-ca",
            Scenario::NonCaIssuer => "non-ca-issuer",
            Scenario::RequestsClientCert => "requests-client-cert",
            Scenario::WrongHostRequestsClientCert => "wrong-host-requests-client-cert",
            Scenario::AnonymousSuite => "anonymous-suite",
        }
    }

    /// Parses a kebab-case name.
    pub fn parse(text: &str) -> Option<Scenario> {
        Scenario::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim())
    }

    /// What the impostor serves, in a few words.
    pub fn description(self) -> &'static str {
        match self {
            Scenario::Control => "valid certificate for the name from the trusted CA",
            Scenario::SelfSigned => "self-signed certificate for the name",
            Scenario::UntrustedCa => "certificate for the name from a CA the client does not trust",
            Scenario::UnknownIssuer => {
                "certificate for the name from a CA the client does not trust, sent without its \
                 issuer"
            }
            Scenario::Expired => "expired certificate for the name from the trusted CA",
            Scenario::WrongHost => "certificate from the trusted CA for another host name",
            Scenario::ForgedCa => {
                "certificate for the name under the trusted CA's name, signed by another key"
            }
            Scenario::NonCaIssuer => {
                "certificate for the name signed by another holder's end-entity certificate \
                 (CA:FALSE) from the trusted CA"
            }
            Scenario::RequestsClientCert => {
                "untrusted certificate, and a request for the client's certificate"
            }
            Scenario::WrongHostRequestsClientCert => {
                "certificate from the trusted CA for another host name, and a request for the \
                 client's certificate"
            }
            Scenario::AnonymousSuite => {
                "no certificate at all: an anonymous cipher suite the client offered, picked"
            }
        }
    }

    /// The environment suffix of its port in serve mode with a port per scenario
    /// (`MTLS_IMPOSTOR_PORT_SELF_SIGNED`).
    pub fn env_suffix(self) -> String {
        self.as_str().replace('-', "_").to_ascii_uppercase()
    }

    /// Whether the impostor asks for the client's certificate in this scenario.
    pub fn asks_for_client_cert(self) -> bool {
        matches!(
            self,
            Scenario::RequestsClientCert | Scenario::WrongHostRequestsClientCert
        )
    }

    /// Whether a careful client must refuse this server.
    pub fn must_be_refused(self) -> bool {
        self != Scenario::Control
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The user's CA (PEM), which the client already trusts. `Debug` never shows the key.
#[derive(Clone)]
pub struct TrustedCaPem {
    /// The CA certificate.
    pub cert_pem: String,
    /// Its private key.
    pub key_pem: String,
}

impl std::fmt::Debug for TrustedCaPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedCaPem").finish_non_exhaustive()
    }
}

/// How to set the impostor up.
#[derive(Debug, Clone)]
pub struct ImpostorOptions {
    /// The host name (or IP address) the client expects: the control certificate names it.
    pub name: String,
    /// Where to listen (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// The user's CA instead of one minted for the run.
    pub trusted_ca: Option<TrustedCaPem>,
    /// Adds [`Scenario::RequestsClientCert`] and [`Scenario::WrongHostRequestsClientCert`].
    pub request_client_cert: bool,
    /// How long the client command may take in one scenario; each connection's handshake, and
    /// then its request, get that long too (in serve mode as well).
    pub scenario_timeout: Duration,
}

impl ImpostorOptions {
    /// Defaults: listen on 127.0.0.1, a free port, a minted CA, 10 s per scenario.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            trusted_ca: None,
            request_client_cert: false,
            scenario_timeout: Duration::from_secs(10),
        }
    }

    /// The scenarios a wrapped run plays, in order: `self-signed` first, before the control, so
    /// that a client that trusts the first key it sees (trust on first use) meets an impostor
    /// first, not the real key; then the control, then the others.
    pub fn scenarios(&self) -> Vec<Scenario> {
        let mut out = vec![Scenario::SelfSigned];
        out.extend(
            Scenario::ALL
                .into_iter()
                .filter(|s| *s != Scenario::SelfSigned)
                .filter(|s| self.request_client_cert || !s.asks_for_client_cert()),
        );
        out
    }
}

/// Why the impostor could not be set up or run. A client that misbehaves is not an error: it is
/// what the report records.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImpostorError {
    /// `--name` is neither a DNS name nor an IP address.
    #[error("{name:?} is not a valid host name or IP address for a certificate")]
    InvalidName {
        /// The name as given.
        name: String,
    },
    /// `--name` is the name the wrong-host certificate is issued for: a careful client would
    /// accept that certificate, and be reported as not checking the host name.
    #[error("{name:?} is the name of the impostor's wrong-host certificate: use another name")]
    ReservedName {
        /// The name as given.
        name: String,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The user's CA could not be loaded, or a certificate could not be minted.
    #[error(transparent)]
    Pki(#[from] crate::error::ScanError),
    /// rustls refused a server configuration.
    #[error("TLS configuration error: {0}")]
    Tls(#[from] rustls::Error),
    /// The temporary directory for the CA file could not be written.
    #[error("cannot write the CA file for the client: {0}")]
    CaFile(std::io::Error),
    /// A scenario cannot be played soundly (the reason): it is recorded as not served
    /// (inconclusive, never a refusal).
    #[error("{0}")]
    NotPlayable(String),
}

impl From<rcgen::Error> for ImpostorError {
    fn from(e: rcgen::Error) -> Self {
        ImpostorError::Pki(crate::error::ScanError::Mint(e))
    }
}

/// How the run was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunMode {
    /// The client command ran once per scenario.
    Wrapped,
    /// The impostor served connections until stopped.
    Serve,
}

/// The CA the client was told to trust, as reports show it (never its key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaSummary {
    /// `minted for this run` or `--trusted-ca-cert`.
    pub origin: String,
    /// Its subject (RFC 4514).
    pub subject: String,
    /// SHA-256 of its certificate.
    pub sha256: String,
    /// What the CA's own dates limit (a `--trusted-ca-cert` newer than the expired certificate's
    /// start: that certificate starts when the CA does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A certificate the client offered when asked (never key material).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedCert {
    /// Subject (RFC 4514, control characters escaped).
    pub subject: String,
    /// Issuer (RFC 4514, control characters escaped).
    pub issuer: String,
    /// SHA-256 fingerprint of the leaf, lower-case hex.
    pub sha256: String,
}

/// How the impostor's watch over one connection ended: what it shows of the client's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ConnectionEnd {
    /// It ended before the client's ClientHello (closed, reset, not TLS, or none in time): the
    /// client never saw a certificate, so this shows nothing either way.
    BeforeHello,
    /// The client sent an alert (it refused).
    Alert,
    /// The client closed or reset the connection after its ClientHello, before the handshake
    /// completed, without an alert (it refused).
    Closed,
    /// The handshake failed on a TLS error that is not the client's alert: nothing about the
    /// certificate can be read from it.
    TlsError,
    /// The client completed the handshake, then closed or reset the connection without a request
    /// (it refused after the handshake, as curl does on a wrong host name).
    ClosedAfterHandshake,
    /// The client sent application data (a request).
    Request,
    /// One of the impostor's time limits (the handshake, the request) ran out after the
    /// ClientHello: the client had not decided yet.
    TimedOut,
    /// The client closed without an alert, but only [`PROMPT_CLOSE`] or longer after the
    /// impostor's certificate (or the completed handshake): careful stacks that close without an
    /// alert do so within milliseconds, and a client killed while it decided looks the same, so
    /// this is not a refusal.
    ClosedLate,
    /// The connection closed as the client process was killed (its time limit, a signal, or a
    /// `timeout` wrapper's exit 124): not a refusal.
    Killed,
    /// The client closed or reset the connection before the impostor's certificate could reach
    /// it (the impostor's own write failed): it saw no certificate, so this shows nothing.
    BeforeCertificate,
    /// The scenario (or serving) ended before the client decided, and the impostor stopped
    /// watching.
    CutShort,
    /// The client sent a plaintext HTTP request (a readable request line, or HTTP/2's preface)
    /// before any ClientHello: it sent its request with no TLS at all.
    Plaintext,
}

/// How soon after the impostor's certificate (or the completed handshake) a close without an
/// alert must come to count as a refusal. Careful stacks that refuse without an alert (Node, Java)
/// close within a few milliseconds; a client killed by a wrapper while it waits closes whenever
/// it is killed.
pub const PROMPT_CLOSE: Duration = Duration::from_secs(1);

/// How long before another connection's refusal a close without an alert may end and still be
/// taken for a call stopped after it (the two connections' clocks are the impostor's tasks').
const STOPPED_SLACK_MS: f64 = 25.0;

/// How long after another connection's refusal a close without an alert, on a connection open
/// by then, is doubted as a call the command stopped once its check was refused: as long as
/// such a close counts as a refusal at all ([`PROMPT_CLOSE`]).
const STOPPED_AFTER_MS: f64 = PROMPT_CLOSE.as_millis() as f64;

impl ConnectionEnd {
    /// Whether the connection shows the client refusing the server.
    pub fn is_refusal(self) -> bool {
        matches!(
            self,
            ConnectionEnd::Alert | ConnectionEnd::Closed | ConnectionEnd::ClosedAfterHandshake
        )
    }

    /// Whether the impostor's watch ended before the client had decided (a time limit, the
    /// scenario's end, a late close or a kill): a refusal may never have happened.
    pub fn is_undecided(self) -> bool {
        matches!(
            self,
            ConnectionEnd::TimedOut
                | ConnectionEnd::ClosedLate
                | ConnectionEnd::Killed
                | ConnectionEnd::CutShort
        )
    }
}

/// One connection, as the impostor saw it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    /// The SNI name the client sent (sanitised), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// The ALPN protocols the client offered (sanitised, at most 8).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alpn_offered: Vec<String>,
    /// The ALPN protocol agreed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// The TLS version agreed, once the handshake completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<TlsVersion>,
    /// The handshake completed: the client accepted the certificate.
    pub handshake_completed: bool,
    /// The alert the client sent to refuse (rustls's name, e.g. `UnknownCA`, `BadCertificate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// How the connection ended otherwise (closed without an alert, a time-out, not TLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The certificate the client offered when asked for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert: Option<OfferedCert>,
    /// The client asked for a certificate but sent none (an empty Certificate message).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub client_cert_declined: bool,
    /// The client closed the connection without sending a single byte: it carried nothing (no
    /// ClientHello, no request), so it can be no fallback of the client's (grpc-go's dial that
    /// its time-out cancels opens such a connection).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub carried_nothing: bool,
    /// Application data received after the handshake, in bytes (read up to a cap).
    #[serde(default)]
    pub app_data_bytes: usize,
    /// The request line, when the data was HTTP (sanitised, capped), or what the data was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// How the impostor's watch ended ([`ConnectionEnd::CutShort`] when the scenario ended
    /// first). `None` only in reports written before this field existed: then
    /// [`ConnectionRecord::end`] infers it from the alert and the detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<ConnectionEnd>,
    /// A digest of the client's ClientHello (cipher suites, signature schemes, ALPN list, SNI):
    /// the same TLS client sends the same one, so a refusal can be matched with the client that
    /// sent the control its request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The anonymous cipher suites (no server certificate at all: `DH_anon`, `ECDH_anon`) the
    /// client offered in its ClientHello, by name (at most 8): a server picking one shows no
    /// certificate, and such a client goes on (OpenSSL's `ALL:@SECLEVEL=0`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anonymous_suites: Vec<String>,
    /// When the connection was accepted, in milliseconds since the scenario (wrapped mode) or
    /// serving (serve mode) started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<f64>,
    /// Wall time from accept to the end, in milliseconds.
    pub ms: f64,
}

impl ConnectionRecord {
    /// True when the client sent application data (a request) after the handshake, or a
    /// plaintext HTTP request instead of a ClientHello ([`ConnectionRecord::plaintext`]).
    pub fn got_request(&self) -> bool {
        self.app_data_bytes > 0
    }

    /// True when the client sent a plaintext HTTP request, with no TLS at all.
    pub fn plaintext(&self) -> bool {
        self.end == Some(ConnectionEnd::Plaintext)
    }

    /// True when the connection shows nothing of the client's decision and is no refusal: it
    /// ended before a ClientHello (not TLS, or closed), on a TLS error that is not the client's
    /// (a version or cipher the impostor does not speak: TLS 1.0), or before the impostor's
    /// certificate reached the client. Beside a refusal, it may be the client's fallback.
    pub fn unreadable(&self) -> bool {
        !self.got_request()
            && !self.carried_nothing
            && matches!(
                self.end(),
                ConnectionEnd::BeforeHello
                    | ConnectionEnd::TlsError
                    | ConnectionEnd::BeforeCertificate
            )
    }

    /// True when the connection shows the client refusing the server (an alert, or a close
    /// after its ClientHello), and no request.
    pub fn refused(&self) -> bool {
        !self.got_request() && self.end().is_refusal()
    }

    /// True when the impostor stopped watching before the client decided (a time limit after
    /// the ClientHello, the scenario's end, a late close, a kill), and no request had arrived.
    pub fn undecided(&self) -> bool {
        !self.got_request() && self.end().is_undecided()
    }

    /// How the watch ended: the recorded [`ConnectionRecord::end`], or, in a report written
    /// before it was recorded, what the request, the alert and the detail show.
    pub fn end(&self) -> ConnectionEnd {
        if let Some(end) = self.end {
            return end;
        }
        if self.got_request() {
            return ConnectionEnd::Request;
        }
        if self.alert.is_some() {
            return ConnectionEnd::Alert;
        }
        let Some(detail) = self.detail.as_deref() else {
            return ConnectionEnd::CutShort;
        };
        if detail.contains("ClientHello") {
            ConnectionEnd::BeforeHello
        } else if detail.contains(" within ") {
            ConnectionEnd::TimedOut
        } else if detail.contains("without") || detail.starts_with("reset") {
            if self.handshake_completed {
                ConnectionEnd::ClosedAfterHandshake
            } else {
                ConnectionEnd::Closed
            }
        } else {
            ConnectionEnd::TlsError
        }
    }

    /// One line: `TLS 1.3, SNI localhost, ALPN http/1.1: request GET / HTTP/1.1`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = self.tls_version {
            parts.push(v.to_string());
        }
        match &self.sni {
            Some(s) => parts.push(format!("SNI {s}")),
            None => parts.push("no SNI".to_owned()),
        }
        if let Some(a) = &self.alpn {
            parts.push(format!("ALPN {a}"));
        }
        let head = parts.join(", ");
        let what = if self.plaintext() {
            format!(
                "plaintext HTTP request, no TLS: {}",
                self.request.as_deref().unwrap_or("(unreadable)")
            )
        } else if self.got_request() {
            match &self.request {
                Some(r) => format!("request {r}"),
                None => format!("{} bytes of application data", self.app_data_bytes),
            }
        } else if let Some(a) = &self.alert {
            format!("refused with alert {a}")
        } else if self.handshake_completed {
            match (&self.detail, self.end()) {
                (Some(d), _) => format!("handshake completed, no request ({d})"),
                (None, ConnectionEnd::CutShort) => {
                    "handshake completed, no request (cut short when the scenario ended)".to_owned()
                }
                (None, _) => "handshake completed, no request".to_owned(),
            }
        } else {
            self.detail.clone().unwrap_or_else(|| match self.end() {
                ConnectionEnd::CutShort => "cut short when the scenario ended".to_owned(),
                _ => "closed during the handshake".to_owned(),
            })
        };
        let cert = match (&self.client_cert, self.client_cert_declined) {
            (Some(c), _) => format!(
                "; offered client certificate {} (sha256 {})",
                c.subject, c.sha256
            ),
            (None, true) => "; sent no client certificate".to_owned(),
            _ => String::new(),
        };
        format!("{head}: {what}{cert}")
    }
}

/// One scenario's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// Which scenario.
    pub scenario: Scenario,
    /// The port it was served on.
    pub port: u16,
    /// Its connections, in the order accepted (at most [`MAX_RECORDED`]).
    pub connections: Vec<ConnectionRecord>,
    /// Connections beyond [`MAX_RECORDED`], closed at once.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub connections_not_recorded: usize,
    /// Wrapped: connections that arrived once the client command had exited and its scenario
    /// was over (a process it left behind), closed unjudged before the next scenario.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub after_exit: usize,
    /// How the client command ended (wrapped mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientOutcome>,
    /// Why the impostor could not serve this scenario, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_served: Option<String>,
    /// Wall time of the scenario in milliseconds.
    pub ms: f64,
}

/// What one scenario shows of the client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScenarioVerdict {
    /// The control got the client's request.
    Reached,
    /// The control got no request.
    NotReached,
    /// A server the client must refuse got its request.
    Accepted,
    /// A server the client must refuse got its certificate (and no request).
    CertificateSent,
    /// The client refused the server: its connections show a refusal, and nothing cut the
    /// impostor's watch short.
    Refused,
    /// Nothing careless was seen, but a refusal could not be observed either (the reason): the
    /// run is incomplete, never a pass.
    Inconclusive(String),
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl ScenarioResult {
    /// True when any connection got a request.
    pub fn got_request(&self) -> bool {
        self.connections.iter().any(ConnectionRecord::got_request)
    }

    /// True when any handshake completed.
    pub fn handshake_completed(&self) -> bool {
        self.connections.iter().any(|c| c.handshake_completed)
    }

    /// The first client certificate offered.
    pub fn offered_cert(&self) -> Option<&OfferedCert> {
        self.connections.iter().find_map(|c| c.client_cert.as_ref())
    }

    /// The TLS versions of the connections that got a request.
    pub fn versions_with_request(&self) -> Vec<TlsVersion> {
        let mut v: Vec<TlsVersion> = self
            .connections
            .iter()
            .filter(|c| c.got_request())
            .filter_map(|c| c.tls_version)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// What the scenario shows of the client: for a server it must refuse, a refusal counts only
    /// when it was seen (an alert, or a close after its ClientHello), in full (no connection
    /// past [`MAX_RECORDED`], none the impostor stopped watching early), and the client was not
    /// killed at its time limit; anything short of that is [`ScenarioVerdict::Inconclusive`].
    pub fn verdict(&self, mode: RunMode) -> ScenarioVerdict {
        if !self.scenario.must_be_refused() {
            return if self.got_request() {
                ScenarioVerdict::Reached
            } else {
                ScenarioVerdict::NotReached
            };
        }
        if self.got_request() {
            return ScenarioVerdict::Accepted;
        }
        if self.offered_cert().is_some() {
            return ScenarioVerdict::CertificateSent;
        }
        match self.inconclusive(mode) {
            Some(why) => ScenarioVerdict::Inconclusive(why),
            None => ScenarioVerdict::Refused,
        }
    }

    /// Why a scenario without a request or a certificate does not prove a refusal, if it does not.
    fn inconclusive(&self, mode: RunMode) -> Option<String> {
        if let Some(why) = &self.not_served {
            return Some(format!("the impostor could not serve it: {why}"));
        }
        if self.connections_not_recorded > 0 {
            return Some(format!(
                "{} connection(s) past the {MAX_RECORDED} recorded were closed unseen",
                self.connections_not_recorded
            ));
        }
        if let Some(c) = self.client.as_ref().filter(|c| c.detached > 0) {
            return Some(format!(
                "the client left {} process(es) running once it had exited (a background job, \
                 setsid, a daemon): the impostor killed them, and what they would have sent \
                 later was not seen; keep the client's work in the foreground (a build tool's \
                 daemon too: Gradle --no-daemon)",
                c.detached
            ));
        }
        if self.after_exit > 0 {
            return Some(format!(
                "{} connection(s) arrived after the client command had exited, and were closed \
                 unjudged: a process it left behind may have sent its request there; keep the \
                 client's work in the foreground",
                self.after_exit
            ));
        }
        let refusals = self.connections.iter().filter(|c| c.refused()).count();
        if let Some(c) = self.client.as_ref().filter(|c| c.timed_out && refusals > 0) {
            // A client that refuses and retries until it is killed: its refusals were seen,
            // what it does once it stops retrying was not.
            return Some(format!(
                "the client refused {refusals} time(s) but kept retrying until it was killed \
                 ({}): what it does once it gives up retrying (an insecure fallback?) was not \
                 seen; limit its retries or raise --scenario-timeout",
                c.describe()
            ));
        }
        if let Some(c) = self.connections.iter().find(|c| c.undecided()) {
            return Some(format!(
                "the client's decision was not seen (the impostor stopped watching, or the \
                 client closed late or was killed): {}",
                c.summary()
            ));
        }
        if let Some(c) = self.client.as_ref().filter(|c| c.timed_out) {
            return Some(format!(
                "the client was {} before it was seen to refuse (raise --scenario-timeout)",
                c.describe()
            ));
        }
        if self.connections.is_empty() {
            return Some(match mode {
                RunMode::Wrapped => format!(
                    "the client made no connection in this scenario{}: a cached result (a \
                     `go test` without -count=1?) or a client that connects only once?",
                    self.client
                        .as_ref()
                        .map_or_else(String::new, |c| format!(" ({})", c.describe()))
                ),
                RunMode::Serve => format!(
                    "no connection was served this scenario (port {}): connect at least once per \
                     scenario",
                    self.port
                ),
            });
        }
        if !self.connections.iter().any(ConnectionRecord::refused) {
            return Some(format!(
                "no connection showed a refusal of the certificate: {}",
                self.summary()
            ));
        }
        if let Some(c) = self.connections.iter().find(|c| c.unreadable()) {
            // A refusal beside a connection that shows nothing: that one may be the client's
            // fallback (its request over a TLS version or cipher the impostor does not speak,
            // TLS 1.0 say, or something that is not TLS), which a refusal cannot hide.
            return Some(format!(
                "beside the refusal, a connection could not be read ({}): it may be the client's \
                 fallback once it refused (an older TLS version the impostor does not speak, or \
                 not TLS), whose request was never seen",
                c.summary()
            ));
        }
        None
    }

    /// What happened, in one line: the most telling connection's summary, and the client's exit.
    pub fn summary(&self) -> String {
        let best = self
            .connections
            .iter()
            .find(|c| c.got_request())
            .or_else(|| self.connections.iter().find(|c| c.client_cert.is_some()))
            .or_else(|| self.connections.iter().find(|c| c.handshake_completed))
            .or_else(|| self.connections.iter().find(|c| c.alert.is_some()))
            .or_else(|| self.connections.first());
        let mut s = match (best, &self.not_served) {
            (_, Some(why)) => format!("not served: {why}"),
            (Some(c), None) => c.summary(),
            (None, None) => "no connection".to_owned(),
        };
        let n = self.connections.len() + self.connections_not_recorded;
        if n > 1 {
            s.push_str(&format!(" ({n} connections)"));
        }
        if let Some(c) = &self.client {
            s.push_str(&format!("; client {}", c.describe()));
        }
        s
    }
}

/// The typed `impostor` section of a report: one run against one client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpostorRun {
    /// The URL the client was given (`https://NAME:PORT/`); the run's target report has it too.
    pub url: String,
    /// The name the control certificate is issued for.
    pub name: String,
    /// The address the impostor listened on.
    pub listen: String,
    /// Wrapped or serve.
    pub mode: RunMode,
    /// The CA the client was told to trust.
    pub trusted_ca: CaSummary,
    /// The wrapped command's program name (its arguments are never recorded: they may hold
    /// secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The names on the wrong-host certificate (empty in reports written before it was
    /// recorded: `wrong-host.mtls-impostor.invalid`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wrong_host_names: Vec<String>,
    /// Serve mode stopped by `--connections`: the connections that came in the moments after,
    /// closed unserved once their ClientHello was read (a client's retry, say).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub late_connections: Vec<LateConnection>,
    /// Each scenario played.
    pub scenarios: Vec<ScenarioResult>,
    /// Scenarios that test the client's verification and were left out of the run (serve mode's
    /// `--scenarios`): what they try is not proven, so the run is graded B at best.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_played: Vec<Scenario>,
    /// Connections that arrived between scenarios (a late client), closed unjudged.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stray_connections: usize,
    /// Why serving stopped (`SIGTERM`, `--connections`, `--duration`), or why a wrapped run was
    /// stopped before its end (`SIGTERM`, `SIGINT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<String>,
    /// Wall time of the run in milliseconds (to 0.01 ms).
    #[serde(serialize_with = "crate::facts::round_ms")]
    pub duration_ms: f64,
}

impl ImpostorRun {
    /// The result of one scenario, if it was played.
    pub fn scenario(&self, s: Scenario) -> Option<&ScenarioResult> {
        self.scenarios.iter().find(|r| r.scenario == s)
    }

    /// True when serve mode gave each scenario its own port.
    pub fn port_per_scenario(&self) -> bool {
        let control = self.scenario(Scenario::Control).map(|c| c.port);
        self.mode == RunMode::Serve
            && self
                .scenarios
                .iter()
                .any(|r| r.scenario != Scenario::Control && Some(r.port) != control)
    }

    /// What one of this run's scenarios shows of the client: [`ScenarioResult::verdict`], with
    /// a refusal checked against the rest of the run (who refused, and what followed).
    pub fn verdict_of(&self, r: &ScenarioResult) -> ScenarioVerdict {
        match r.verdict(self.mode) {
            ScenarioVerdict::Refused => match self.refusal_doubt(r) {
                Some(why) => ScenarioVerdict::Inconclusive(why),
                None => ScenarioVerdict::Refused,
            },
            other => other,
        }
    }

    /// Why a scenario's refusals do not show the client under test refusing, if they do not:
    /// every TLS client (ClientHello fingerprint) that sent the control a request must be seen
    /// refusing, not another program (a careful gate in front of a careless client, a probe that
    /// sends a ClientHello and hangs up); and on one port, a request from the same client right
    /// after the refusal may be its insecure retry, rotated into the control.
    fn refusal_doubt(&self, r: &ScenarioResult) -> Option<String> {
        let control = self.scenario(Scenario::Control)?;
        // The command failed against the control, which a careful command passes: whatever it
        // runs after the failing step never ran anywhere (a careful check failing on the
        // impostor's answer, `curl -sf URL | jq -e .ok && curl -k URL/data`; a careful h2 call
        // whose second stream the impostor did not answer, gating a careless session: a review's
        // two, A, exit 0), so refusals elsewhere prove nothing of it.
        if let Some(c) = control
            .client
            .as_ref()
            .filter(|c| self.mode == RunMode::Wrapped && !c.succeeded())
        {
            return Some(format!(
                "the command failed against the control ({}), which answers every request `200 \
                 ok`: whatever it runs after the failing step (a careless call gated on a \
                 careful one) was never seen; make the command succeed against the control",
                c.describe()
            ));
        }
        let requesters: BTreeSet<&str> = control
            .connections
            .iter()
            .filter(|c| c.got_request())
            .filter_map(|c| c.fingerprint.as_deref())
            .collect();
        let refusals: Vec<&ConnectionRecord> =
            r.connections.iter().filter(|c| c.refused()).collect();
        let refusers: BTreeSet<&str> = refusals
            .iter()
            .filter_map(|c| c.fingerprint.as_deref())
            .collect();
        // Reports written before fingerprints were recorded have none to compare.
        let comparable = refusals.iter().all(|c| c.fingerprint.is_some());
        let missing: Vec<&str> = requesters.difference(&refusers).copied().collect();
        if comparable && !missing.is_empty() {
            let others: Vec<&str> = refusers.difference(&requesters).copied().collect();
            let from = if others.is_empty() {
                String::new()
            } else {
                format!(" (ClientHello {})", others.join(", "))
            };
            return Some(format!(
                "the TLS client that sent the control its request (ClientHello {}) was not seen \
                 refusing here; the refusal came from another one{from}: a careful program in \
                 front of the client under test, or a connection closed before it could judge \
                 the certificate; {}",
                missing.join(", "),
                match self.mode {
                    RunMode::Wrapped => "run the client under test itself in every scenario",
                    RunMode::Serve => "connect with the client under test to every scenario",
                }
            ));
        }
        // A close without an alert on a connection already open when another connection was
        // refused (an alert, or a close: Node and Java close without one), and ending right
        // after that refusal (another TLS client's: one client's own connections one after
        // another are its own decisions): the command may have stopped a call still deciding (or not yet
        // reading) once its check was refused (`slow-call & curl -sf URL/health || kill $!`): a
        // kill reads as that close, and the call may be careless (a review's gate graded A, exit
        // 0, on such a kill of a `CERT_NONE` Python call, with curl's alert and with Node's
        // close). A client's own refusal without an alert does not wait on another's.
        let stopped = refusals.iter().find_map(|c| {
            if !matches!(
                c.end(),
                ConnectionEnd::Closed | ConnectionEnd::ClosedAfterHandshake
            ) || c.alert.is_some()
            {
                return None;
            }
            let (at, fp) = (c.at_ms?, c.fingerprint.as_deref()?);
            let closed = at + c.ms;
            // Another TLS client's refusal, begun before this close: a client's own connections
            // one after another (curl's retries, a client moving on) are its own decisions.
            refusals
                .iter()
                .filter(|o| o.fingerprint.as_deref().is_some_and(|f| f != fp))
                .filter_map(|o| {
                    let started = o.at_ms?;
                    (started < closed).then_some(started + o.ms)
                })
                .find(|refused| {
                    at < *refused
                        && closed >= refused - STOPPED_SLACK_MS
                        && closed <= refused + STOPPED_AFTER_MS
                })
                .map(|refused| (fp, closed - refused))
        });
        if let Some((fp, after)) = stopped {
            return Some(format!(
                "a connection (ClientHello {fp}) closed without an alert {after:.0} ms after \
                 another TLS client's connection here was refused, and was open by then: the command \
                 may have stopped that call once its check was refused, which looks the same \
                 as a refusal; {}",
                match self.mode {
                    RunMode::Wrapped => "wrap each call on its own",
                    RunMode::Serve => "connect to each scenario with one call at a time",
                }
            ));
        }
        let one_port = self.mode == RunMode::Serve && r.port == control.port;
        // Serving stopped at --connections: the same client connecting again right after a
        // refusal (on its port, or on the one port) may be its retry, never served.
        // Only when it is the refusal's next connection from that client there: a careful client
        // run in a loop refuses again in between.
        let served_on: Vec<(f64, &str)> = self
            .scenarios
            .iter()
            .filter(|s| s.port == r.port)
            .flat_map(|s| s.connections.iter())
            .filter_map(|c| Some((c.at_ms?, c.fingerprint.as_deref()?)))
            .collect();
        // A late connection without a readable ClientHello (plaintext HTTP, TLS 1.0) may be
        // anyone's, this client's fallback included: it counts as the same client's.
        let retried_late = refusals.iter().find_map(|c| {
            let (at, fp) = (c.at_ms?, c.fingerprint.as_deref()?);
            let (late, unread) = self
                .late_connections
                .iter()
                .filter(|l| l.at_ms > at && l.port == r.port)
                .filter(|l| l.fingerprint.is_none() || l.fingerprint.as_deref() == Some(fp))
                .map(|l| (l.at_ms, l.fingerprint.is_none()))
                .min_by(|a, b| a.0.total_cmp(&b.0))?;
            let served_between = served_on
                .iter()
                .any(|(t, f)| *f == fp && *t > at && *t < late);
            (!served_between).then_some((fp, unread))
        });
        if let Some((fp, unread)) = retried_late {
            let who = if unread {
                "a connection without a readable ClientHello (plaintext HTTP, or a TLS version \
                 the impostor does not speak) came on this port"
                    .to_owned()
            } else {
                format!("the same TLS client (ClientHello {fp}) connected again")
            };
            return Some(format!(
                "after a refusal here, {who} once serving had reached {}: that may be its retry \
                 without verification (or its fallback), never served; raise --connections, or \
                 stop serving with SIGTERM once the client is done",
                self.ended_by.as_deref().unwrap_or("its end")
            ));
        }
        if !one_port {
            // Each scenario has the client to itself (wrapped, or a port each): the client under
            // test must have made at least as many connections here as it made requests in the
            // control. A careful check gating a careless call (`curl -sf URL/health && curl -k
            // URL/data`, one Go program checking health with verification, then calling without)
            // makes two in the control, and one here: the careless call never ran, so nothing
            // shows it careful.
            for fp in &requesters {
                // Every control connection of that client counts, not only those that carried
                // a request: a verified handshake-only check (`connect()`, then close) before an
                // unverified call is one of them.
                let of_fp = |c: &&ConnectionRecord| c.fingerprint.as_deref() == Some(*fp);
                let made = control.connections.iter().filter(of_fp).count();
                let asked = control
                    .connections
                    .iter()
                    .filter(of_fp)
                    .filter(|c| c.got_request())
                    .count();
                let here = r.connections.iter().filter(of_fp).count();
                if here < made {
                    return Some(format!(
                        "the control's client (ClientHello {fp}) made {made} connection(s) there \
                         ({asked} with a request), this scenario saw {here}: a later connection \
                         that was never made (a careful check gating a careless call) is not \
                         proven careful; {}",
                        match self.mode {
                            RunMode::Wrapped => {
                                "wrap the careless call on its own, or make one connection per \
                                 run (the impostor keeps one HTTP/1.1 connection for up to 16 \
                                 more requests; a body sent chunked or after `Expect: \
                                 100-continue`, a request past 16 KB, `Connection: close`, a \
                                 second h2 stream or calls made in parallel take one each)"
                            }
                            RunMode::Serve => {
                                "connect to every scenario as often as to the control"
                            }
                        }
                    ));
                }
                if made > 1 {
                    // Refusals carry no request: which of the client's calls each one was cannot
                    // be seen. A careful check retried until it passes (`for i in 1 2 3; do curl
                    // -sf URL/health && ok=1 && break; done; [ -n "$ok" ] && curl -k URL/data`)
                    // refuses as often as a careful client's every call would, and its careless
                    // call never ran.
                    return Some(format!(
                        "the control's client (ClientHello {fp}) made {made} connections there \
                         ({asked} with a request), and a refusal does not show which call it \
                         was: the {here} refusal(s) here may all be one careful check retried, \
                         gating a careless call that never ran; {}",
                        match self.mode {
                            RunMode::Wrapped => {
                                "wrap each call on its own, or make one connection per run \
                                 (the impostor keeps one HTTP/1.1 connection for up to 16 more \
                                 requests; a body sent chunked or after `Expect: 100-continue`, \
                                 a request past 16 KB, `Connection: close`, a second h2 stream or \
                                 calls made in parallel take one each)"
                            }
                            RunMode::Serve => {
                                "connect to each scenario once per call, the way the client \
                                 calls the server, with a port per scenario"
                            }
                        }
                    ));
                }
            }
            return None;
        }
        // One port, scenarios rotating per connection: a client that retries without
        // verification after a refusal lands its retry in the next scenario's turn, possibly the
        // control, where it looks like a careful client's request, however long it waited
        // first. A retry cannot be told apart from the user's next run, so a scenario in which
        // any refusal's next connection from the same TLS client is a request is not counted
        // refused: it is incomplete, and --port-per-scenario settles it (run once per scenario,
        // a careful client's refusals are followed by its next refusal, or by nothing).
        let mut seen: Vec<(f64, &str, bool)> = self
            .scenarios
            .iter()
            .filter(|s| s.port == control.port)
            .flat_map(|s| s.connections.iter())
            .filter_map(|c| Some((c.at_ms?, c.fingerprint.as_deref()?, c.got_request())))
            .collect();
        seen.sort_by(|a, b| a.0.total_cmp(&b.0));
        let followed = |refusal: &ConnectionRecord| -> Option<(String, f64)> {
            let (at, fp) = (refusal.at_ms?, refusal.fingerprint.as_deref()?);
            let closed = at + refusal.ms;
            let (next, _, request) = seen.iter().find(|(t, f, _)| *t > at && *f == fp)?;
            request.then(|| (fp.to_owned(), (next - closed).max(0.0)))
        };
        let (fp, after) = refusals.into_iter().find_map(followed)?;
        Some(format!(
            "a refusal was followed by a request from the same TLS client, its next connection \
             (ClientHello {fp}, {after:.0} ms later): on one port that may be its retry without \
             verification, served as the next scenario; serve with --port-per-scenario, and \
             connect once per scenario"
        ))
    }
}

/// A connection that came after serve mode reached `--connections`, closed unserved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LateConnection {
    /// The port it came to.
    pub port: u16,
    /// Its ClientHello fingerprint, when one arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// When it was accepted, in milliseconds since serving started.
    pub at_ms: f64,
}

/// Connections recorded per scenario; more are closed at once and counted.
pub const MAX_RECORDED: usize = 32;

/// What serve mode does.
#[derive(Debug, Clone)]
pub struct ServePlan {
    /// The scenarios served; the control is added first when missing.
    pub scenarios: Vec<Scenario>,
    /// One port per scenario instead of rotating the scenario per connection.
    pub port_per_scenario: bool,
    /// Stop after this many connections.
    pub max_connections: Option<u64>,
}

impl ServePlan {
    /// The scenarios in serving order, the control first and no duplicates.
    pub fn ordered(&self) -> Vec<Scenario> {
        let mut out = vec![Scenario::Control];
        for s in &self.scenarios {
            if !out.contains(s) {
                out.push(*s);
            }
        }
        out
    }
}
