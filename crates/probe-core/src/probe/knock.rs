//! What a side-door exchange saw ([`Seen`]), and the knocks the side doors of one target share
//! ([`SharedKnocks`]). Apart from `side_door` so the first wave's facts can hold them.

use std::sync::{Arc, Mutex};

use crate::facts::{Outcome, TlsVersion};
use crate::transport::tls::CrossNameSessions;
use crate::transport::{self, ExchangeResult, Sni};

/// What a side-door exchange saw: the transport's facts and whether a certificate was asked.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The exchange's facts.
    pub result: ExchangeResult,
    /// The server sent a CertificateRequest.
    pub cert_requested: bool,
    /// Answered with a status that is no 2xx (403, 421 …) whose whole body is the protected page
    /// fetched with the valid certificate: let in whatever the status, and marked served
    /// (`landing::judge_unserved`).
    pub let_in_by_page: bool,
    /// The CA names (DER) the server's CertificateRequest advertised, when it sent one.
    pub acceptable_cas: Vec<Vec<u8>>,
}

impl Seen {
    /// The answer's HTTP status, when one was read.
    pub fn status(&self) -> Option<u16> {
        self.result.http_status
    }

    /// Served: a 2xx.
    pub fn served(&self) -> bool {
        self.result.outcome == Some(Outcome::Served)
    }

    /// Why this exchange proves nothing either way, when it does not: the server neither answered
    /// over HTTP nor refused with an alert (a time-out, a reset or close, an answer that could not
    /// be parsed, a connection that failed, something that is not TLS). A door that could not be
    /// read is not a shut door: the probe lists it as incomplete. Nor is a busy one: 429 (a rate
    /// limit, which a scan's burst is what trips) says nothing of what the door lets in, nor
    /// does 502, 503 or 504, even repeated: the request carries the protected `Host`, so it is
    /// most often the protected site or its upstream failing (nginx's `limit_req` answers 503)
    /// after the door let the request in. `None` when the server answered or refused, and when it
    /// refused the version ([`Seen::version_refused`]): asking again would get the same, but
    /// that is no shut door either.
    pub fn unreadable(&self) -> Option<String> {
        let r = &self.result;
        if let Some(status) = r.http_status.filter(|&s| transport::is_busy_status(s)) {
            return Some(format!(
                "{}: says nothing of what this door lets in",
                transport::busy_status_words(status)
            ));
        }
        let why = || {
            r.detail
                .clone()
                .unwrap_or_else(|| "no answer could be read".to_owned())
        };
        match r.outcome {
            // A close without an alert right after the CertificateRequest counts as a refusal
            // only once it happened twice (see [`Seen::confirmed_by`]), as for every probe.
            Some(Outcome::RefusedTls) if r.unconfirmed => Some(why()),
            Some(
                Outcome::Served | Outcome::RefusedHttp | Outcome::Answered | Outcome::RefusedTls,
            ) => None,
            // Read, and it would repeat, but it says nothing of this door on another version:
            // the probes that judge a door try it there (see [`Seen::version_refused`]).
            Some(Outcome::UnsupportedVersion) => None,
            // An alert is the server's own refusal of this door (e.g. `unrecognized_name`).
            Some(Outcome::Error) if r.alert.is_some() => None,
            Some(Outcome::Error | Outcome::Inconclusive) | None => Some(why()),
        }
    }

    /// The name refused this TLS version before its certificate (a `protocol_version` or
    /// `handshake_failure` alert, no version in common): not a shut door, only one that does not
    /// open on this version. HAProxy's crt-list `ssl-max-ver TLSv1.2` on a sibling name, or Go's
    /// `MaxVersion` in the config `GetConfigForClient` gives it, answer a TLS 1.3 ClientHello so
    /// while the same name serves the protected `Host` on TLS 1.2.
    pub fn version_refused(&self) -> bool {
        self.result.outcome == Some(Outcome::UnsupportedVersion)
    }

    /// This exchange, after `earlier` ended the same way: a close without an alert after the
    /// CertificateRequest that happened twice is the server's refusal.
    pub fn confirmed_by(mut self, earlier: &Seen) -> Seen {
        let unconfirmed_close =
            |s: &Seen| s.result.outcome == Some(Outcome::RefusedTls) && s.result.unconfirmed;
        if unconfirmed_close(&self) && unconfirmed_close(earlier) {
            self.result.unconfirmed = false;
        }
        self
    }

    /// The facts in one line, for evidence (server text already sanitised by the transport).
    pub fn describe(&self) -> String {
        let r = &self.result;
        let mut s = if self.cert_requested {
            "CertificateRequest sent".to_owned()
        } else {
            "no CertificateRequest".to_owned()
        };
        if r.resumed {
            s.push_str("; session resumed");
        }
        match (r.http_status, &r.alert, &r.detail) {
            (Some(st), _, _) if self.let_in_by_page => s.push_str(&format!(
                "; HTTP {st}, its body the page the valid certificate is served"
            )),
            (Some(st), _, _) => s.push_str(&format!("; HTTP {st}")),
            (None, Some(a), _) => s.push_str(&format!("; alert {a}")),
            (None, None, Some(d)) => s.push_str(&format!("; {d}")),
            _ => {}
        }
        if let Some(b) = &r.body_excerpt {
            s.push_str(&format!(
                "; body \"{}\"",
                b.chars().take(60).collect::<String>()
            ));
        }
        s
    }
}

/// The first anonymous knock with the protected `Host` on each TLS version and server name,
/// made once per target and shared by the side doors that need the same connection: the SNI
/// probe reads its answer, the session-resumption probe offers the session it was handed (a
/// TLS 1.3 ticket or a TLS 1.2 session is handed out in the handshake, whatever the request).
/// One connection instead of two; each probe tries again on connections of its own. Made by
/// `side_door::shared_knock`.
#[derive(Default)]
pub struct SharedKnocks {
    knocks: Mutex<Vec<(KnockKey, Arc<tokio::sync::OnceCell<SharedKnock>>)>>,
    references: Mutex<Vec<(TlsVersion, ReferenceCell)>>,
    fronts: Mutex<Vec<(TlsVersion, ReferenceCell)>>,
    random: std::sync::OnceLock<u32>,
}

/// The protected page fetched twice with the valid certificate, once per version.
pub type ReferenceCell = Arc<tokio::sync::OnceCell<(Seen, Seen)>>;

/// What a shared knock is known by: the version pinned and the server name sent.
type KnockKey = (TlsVersion, Sni);

impl std::fmt::Debug for SharedKnocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedKnocks").finish_non_exhaustive()
    }
}

impl SharedKnocks {
    /// The cell of the knock on `version` with `sni`, empty until its first caller knocks.
    pub fn cell(&self, version: TlsVersion, sni: &Sni) -> Arc<tokio::sync::OnceCell<SharedKnock>> {
        let mut knocks = self
            .knocks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (version, sni.clone());
        if let Some((_, cell)) = knocks.iter().find(|(k, _)| *k == key) {
            return cell.clone();
        }
        let cell = Arc::new(tokio::sync::OnceCell::new());
        knocks.push((key, cell.clone()));
        cell
    }

    /// The label of the random name under the parent domain the side doors try on this target,
    /// drawn by `draw` on first use: one name for all of them, so the session-resumption probe's
    /// donor is the SNI probe's knock.
    pub fn random_label(&self, draw: impl FnOnce() -> u32) -> u32 {
        *self.random.get_or_init(draw)
    }

    /// The cell of the protected page fetched twice with the valid certificate on `version`
    /// (the side doors' reference, `landing::judge_served`), empty until its first caller fetches.
    pub fn reference_cell(&self, version: TlsVersion) -> ReferenceCell {
        per_version(&self.references, version)
    }

    /// The cell of the protected name and `Host` asked twice without a certificate on
    /// `version` (the front door beside a served side door), once per target and version.
    pub fn front_cell(&self, version: TlsVersion) -> ReferenceCell {
        per_version(&self.fronts, version)
    }

    /// `client-cert-optional` where the front door (the protected name and `Host`, asked without
    /// a certificate beside a served side door) was served a 2xx page that does not speak of a
    /// refusal, on any version: the anonymous client the baseline saw refused gets in on other
    /// connections (a load balancer over backends set up differently, or a "refusal" that was
    /// a dropped connection). One finding naming every such version.
    pub fn front_served(&self) -> Option<crate::finding::Finding> {
        let fronts: Vec<(TlsVersion, ReferenceCell)> = self
            .fronts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let mut served: Vec<(TlsVersion, u16)> = Vec::new();
        for (version, cell) in fronts {
            let Some((seen, again)) = cell.get() else {
                continue;
            };
            let let_in = [seen, again]
                .into_iter()
                .find(|s| s.served() && !crate::text::speaks_of_refusal(&s.result.body));
            if let Some(st) = let_in.and_then(Seen::status) {
                served.push((version, st));
            }
        }
        if served.is_empty() {
            return None;
        }
        served.sort();
        let said: Vec<String> = served
            .iter()
            .map(|(v, st)| format!("{v}: HTTP {st}"))
            .collect();
        let mut f = crate::finding::Finding::new(
            crate::finding::FindingId::ClientCertOptional,
            format!(
                "the protected name and Host, asked again without a client certificate beside a \
                 side door, were served ({}), though the first anonymous request was refused: \
                 an anonymous client gets in on some connections (a load balancer over servers \
                 set up differently, or a refusal that was a dropped connection). Every server \
                 behind this address must require a verified certificate.",
                said.join("; ")
            ),
        );
        f.tls_versions = served.iter().map(|(v, _)| *v).collect();
        f.tls_versions.dedup();
        Some(f)
    }
}

fn per_version(
    cells: &Mutex<Vec<(TlsVersion, ReferenceCell)>>,
    version: TlsVersion,
) -> ReferenceCell {
    let mut cells = cells
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, cell)) = cells.iter().find(|(v, _)| *v == version) {
        return cell.clone();
    }
    let cell = Arc::new(tokio::sync::OnceCell::new());
    cells.push((version, cell.clone()));
    cell
}

/// One shared knock: what it saw, and the sessions the server handed out on it.
#[derive(Clone)]
pub struct SharedKnock {
    /// What it saw (one attempt: a knock that shares sessions is not repeated).
    pub seen: Seen,
    /// The sessions it was handed, for one offer with another name.
    pub sessions: Arc<CrossNameSessions>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::ExchangeResult;

    fn seen(status: u16, body: &str) -> Seen {
        Seen {
            result: ExchangeResult {
                outcome: Some(crate::transport::classify_status(status)),
                http_status: Some(status),
                body: body.as_bytes().to_vec(),
                ..ExchangeResult::default()
            },
            cert_requested: true,
            let_in_by_page: false,
            acceptable_cas: Vec::new(),
        }
    }

    /// The front door served on one of its two asks (a fleet, a dropped "refusal"): one
    /// client-cert-optional naming the versions; refused, or served a page that says it refuses
    /// the caller, or never asked: none.
    #[test]
    fn a_front_door_served_without_a_certificate_is_client_cert_optional() {
        let knocks = SharedKnocks::default();
        assert!(knocks.front_served().is_none(), "never asked");
        let refused = seen(400, "No required SSL certificate was sent");
        let _ = knocks
            .front_cell(TlsVersion::Tls12)
            .set((refused.clone(), seen(200, "{\"error\":\"unauthorized\"}")));
        assert!(knocks.front_served().is_none(), "a 200 that refuses");
        let _ = knocks
            .front_cell(TlsVersion::Tls13)
            .set((refused, seen(200, "{\"orders\":[1,2,3]}")));
        let f = knocks.front_served();
        let f = f.as_ref();
        assert_eq!(
            f.map(|f| (f.id, f.tls_versions.clone())),
            Some((
                crate::finding::FindingId::ClientCertOptional,
                vec![TlsVersion::Tls13]
            ))
        );
        assert!(f.is_some_and(|f| f.detail.contains("TLS 1.3: HTTP 200")));
    }
}
