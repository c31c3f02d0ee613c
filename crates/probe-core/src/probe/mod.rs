//! The probes. A probe is one file under `probe/`: what it declares ([`ProbeSpec`]: id, what it
//! presents, what it needs, the findings it can raise), the requests it makes, and its judgement.
//! [`registry`] is the one list of them; the engine plans waves from it and the docs tables follow
//! from it.
//!
//! Two kinds:
//! - a [`Probe`] presents one certificate (or none) in one TLS handshake plus one GET, on every TLS
//!   version; the engine runs it (retries, the late-auth wave) and hands it the observations of
//!   one version to judge ([`VersionView`]);
//! - a [`TargetProbe`] makes requests of its own once per target (the server certificate, the
//!   exposed configuration, the bypasses), alongside the first wave or after it, and returns its
//!   findings.

pub use crate::facts::ProbeId;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::SignatureScheme;
use serde::{Deserialize, Serialize};

use crate::checks::server_cert::{LazyTrust, Policy as ServerCertPolicy};
use crate::facts::{IncompleteProbe, ProbeObservation, TlsVersion};
use crate::finding::remediation::Stack;
use crate::finding::{Finding, FindingId};
use crate::identity::forge::Forger;
use crate::identity::{ClientIdentity, IdentityPair};
use crate::permits::Permits;
use crate::target::Target;
use crate::transport::tls::CertChooser;
use crate::transport::Limits;

pub mod knock;
pub mod landing;
pub mod late_client_auth;
pub mod page;
pub mod registry;
pub mod side_door;
pub mod spelled;

// The probes, one module each, listed in report order by `registry` (the `probes!` list).
// Declared here, not by that macro: `cargo fmt` does not reach a module a macro declares, and 20
// probe files had gone unformatted, unseen by CI's format check.
pub mod cert_without_key;
pub mod client_cert_header_spoofing;
pub mod expired_client_cert;
pub mod forged_client_cert;
pub mod h2c_smuggling_bypass;
pub mod host_form_bypass;
pub mod lookalike_client_cert;
pub mod no_client_cert;
pub mod no_client_cert_http1;
pub mod no_client_cert_no_alpn;
pub mod not_yet_valid_client_cert;
pub mod path_form_bypass;
pub mod public_root_client_cert;
pub mod second_request_bypass;
pub mod self_signed_client_cert;
pub mod server_certificate;
pub mod session_resumption_bypass;
pub mod sni_host_mismatch_bypass;
pub mod tls_config_exposed;
pub mod untrusted_client_cert;
pub mod valid_client_cert;
pub mod wrong_eku_client_cert;

/// What a probe declares about itself.
#[derive(Debug)]
pub struct ProbeSpec {
    /// Its stable id (as reports and `--skip-probe` name it).
    pub id: ProbeId,
    /// What it sends, in a phrase (the README's probes table).
    pub presents: &'static str,
    /// What it needs to run, in a phrase (`—` when nothing).
    pub needs: &'static str,
    /// The findings it can raise.
    pub findings: &'static [FindingId],
}

/// The observations that judge one TLS version of a target: the late-auth ones where the server
/// asked for a certificate after the handshake, else the first wave's.
#[derive(Debug)]
pub struct VersionView<'a> {
    /// The version.
    pub version: TlsVersion,
    /// Its observations, every probe's.
    pub observations: Vec<&'a ProbeObservation>,
}

/// The body excerpt of `o`, where it holds more than white space.
fn excerpt_of(o: &ProbeObservation) -> Option<&str> {
    o.body_excerpt.as_deref().filter(|b| !b.trim().is_empty())
}

/// The names a page may show the valid certificate `valid` presented by: its subject's common
/// names (`"client":"test-client"`; three characters or more) and its whole subject as servers
/// write it ([`crate::identity::dn_spellings`]).
fn holder_names(valid: &ProbeObservation) -> Vec<String> {
    valid
        .client_cert
        .as_ref()
        .map(|c| {
            c.subject
                .split(", ")
                .filter_map(|rdn| rdn.strip_prefix("CN="))
                .filter(|cn| cn.chars().count() >= 3)
                .map(str::to_owned)
                .chain(crate::identity::dn_spellings(&c.subject))
                .collect()
        })
        .unwrap_or_default()
}

/// How many tokens a 2xx answer may hold at most to be read as a refusal by its words alone,
/// where no valid certificate's page can be compared ([`VersionView::served_a_refusal_uncompared`]).
pub const SHORT_REFUSAL_TOKENS: usize = 40;

impl<'a> VersionView<'a> {
    /// The valid certificate's probe on this version, where it presented a certificate and was
    /// served (the page the others are compared with).
    fn valid_served(&self) -> Option<&'a ProbeObservation> {
        self.of(ProbeId::VALID_CLIENT_CERT)
            .filter(|v| v.client_cert.is_some() && v.outcome == crate::facts::Outcome::Served)
    }

    /// The first observation of a probe.
    pub fn of(&self, id: ProbeId) -> Option<&'a ProbeObservation> {
        self.observations.iter().copied().find(|o| o.id == id)
    }

    /// The positive control was asked for a certificate, presented the scan's valid one, and was
    /// served a 2xx: this path answers 2xx to a client it lets in, so another answer after the
    /// handshake (a redirect, 404, 500) is a refusal, as 401 or 403 is.
    pub fn control_served(&self) -> bool {
        self.of(ProbeId::VALID_CLIENT_CERT).is_some_and(|o| {
            o.cert_requested
                && o.client_cert.is_some()
                && o.outcome == crate::facts::Outcome::Served
        })
    }

    /// A positive control (`client-cert`'s or the staging CA's: any of them, the first may have
    /// timed out where another was answered), with the scan's valid certificate presented, got
    /// an HTTP answer that is no refusal (2xx, or a redirect, 404, 500 … not busy): the
    /// application answers a certificate it accepts otherwise than one it refuses.
    pub fn control_not_refused(&self) -> bool {
        use crate::facts::Outcome;
        self.all(ProbeId::VALID_CLIENT_CERT).any(|o| {
            o.cert_requested
                && o.client_cert.is_some()
                && matches!(o.outcome, Outcome::Served | Outcome::Answered)
                && !o.http_status.is_some_and(crate::transport::is_busy_status)
        })
    }

    /// A 2xx page `o` got that is the one the client without a certificate got and wholly unlike
    /// the page the valid certificate is served here (body excerpts): a refusal served with 2xx
    /// (nginx `ssl_verify_client on` with `error_page 495 496 =200 /help.html`) or a public
    /// page, not the protected one. Which, and whether anything protected is let through, cannot
    /// be told from outside: neither a finding nor a pass; the verdict calls the probe unread.
    /// Only a page of its own (at least [`page::MIN_PAGE_TOKENS`] distinct tokens, not a bare
    /// value such as a per-caller token) that reads as a refusal: it speaks of certificates or of
    /// refusing the caller (`unauthorized`, `forbidden` …), or a certificate the server must
    /// refuse got the very same page.
    pub fn served_another_page(&self, o: &ProbeObservation) -> bool {
        use crate::facts::Outcome;
        let page = excerpt_of;
        let valid = self.valid_served();
        let Some((valid, anonymous)) = valid.zip(self.of(ProbeId::NO_CLIENT_CERT)) else {
            return false;
        };
        if o.id == ProbeId::VALID_CLIENT_CERT
            || o.outcome != Outcome::Served
            || anonymous.outcome != Outcome::Served
            || o.http_status != anonymous.http_status
        {
            return false;
        }
        let (Some(a), Some(p)) = (page(anonymous), page(o)) else {
            return false;
        };
        let says_it_refuses = crate::text::speaks_of_certificates(a.as_bytes())
            || crate::text::speaks_of_refusal_or_its_code(a.as_bytes());
        let reads_as_refusal = anonymous.body_names_certificates
            || says_it_refuses
            || self.observations.iter().any(|bad| {
                bad.client_cert.is_some()
                    && bad.id != ProbeId::VALID_CLIENT_CERT
                    // valid certificates of the CA for other names: no certificate to refuse
                    && bad.id != ProbeId::LOOKALIKE_CLIENT_CERT
                    && bad.outcome == Outcome::Served
                    && page(bad).is_some_and(|b| page::same_excerpt(a, b))
            });
        // Wholly unlike the valid certificate's page, or one that says it refuses the caller or
        // speaks of certificates beside a protected page that does not (a GraphQL `200
        // {"data":{"me":null},"errors":[{"message":"Unauthorized"}]}` shares its envelope with the
        // protected answer; an audit's `{"ok":false,"error":"client certificate required"}` its
        // `ok` with `{"ok":true,"orders":[1,2,3]}`, and a sign-in page its `doctype html title`
        // with the orders page: each called served, critical, F).
        // The valid certificate served an empty body (a 204, a stream not yet begun): any page
        // of its own is another one (an audit's `200 {"error":"unauthorized"}` beside a 204 was
        // called served, critical, F).
        let says = |body: &str, words: fn(&[u8]) -> bool| words(body.as_bytes());
        let unlike = page(valid).is_none_or(|v| {
            page::wholly_unlike(v, p)
                || (!page::same_excerpt(v, p)
                    && [
                        crate::text::speaks_of_refusal_or_its_code as fn(&[u8]) -> bool,
                        crate::text::speaks_of_certificates,
                    ]
                    .into_iter()
                    .any(|words| says(p, words) && !says(v, words)))
        });
        // A page of its own: enough tokens, or words that say it refuses (a bare `client
        // certificate required` is three).
        let own_page = page::distinct_tokens(a) >= page::MIN_PAGE_TOKENS || says_it_refuses;
        own_page && reads_as_refusal && page::same_excerpt(a, p) && unlike
    }

    /// Without a valid certificate served on this version to compare with (none given, or not
    /// served): a short 2xx answer, read whole (at most [`SHORT_REFUSAL_TOKENS`] tokens), that
    /// says it refuses the caller (`{"error":"unauthorized"}`, GraphQL's `UNAUTHENTICATED`), got
    /// by `o` as by the client without a certificate. An API's refusal answered as a success
    /// reads so, and an open page that short does not speak of refusing: whether anything
    /// protected is let through cannot be told, so the probe is unread, not a finding (a
    /// review's Go service, `VerifyClientCertIfGiven` and a 200 refusal, was F, critical).
    pub fn served_a_refusal_uncompared(&self, o: &ProbeObservation) -> bool {
        use crate::facts::Outcome;
        let page = excerpt_of;
        let valid_served = self.valid_served().is_some();
        let Some(anonymous) = self.of(ProbeId::NO_CLIENT_CERT) else {
            return false;
        };
        if valid_served
            || o.outcome != Outcome::Served
            || anonymous.outcome != Outcome::Served
            || o.http_status != anonymous.http_status
        {
            return false;
        }
        let short = anonymous.body_page_read.is_none()
            && anonymous
                .body_page
                .as_ref()
                .is_some_and(|p| !p.is_empty() && p.len() <= SHORT_REFUSAL_TOKENS);
        let (Some(a), Some(p)) = (page(anonymous), page(o)) else {
            return false;
        };
        short
            && crate::text::speaks_of_refusal_or_its_code(a.as_bytes())
            && page::same_excerpt(a, p)
    }

    /// A refusal by HTTP status whose body is the very page the valid certificate is served (a
    /// 403 carrying the protected answer: a filter that sets the status and lets the handler
    /// write on): a client that reads the body gets the page whatever the status, so the status
    /// alone proves no refusal. Only a page of its own ([`page::MIN_PAGE_TOKENS`] distinct
    /// tokens), compared on the excerpts, or on the whole bodies' token hashes where an excerpt is
    /// cut.
    pub fn refused_with_the_valid_page(&self, o: &ProbeObservation) -> bool {
        self.refused_with_the_valid_page_as_written(o)
            || self.refused_with_the_valid_document(o)
            || self.refused_with_the_valid_data(o)
    }

    /// `o` is no positive control and was refused over HTTP, or answered otherwise than with a
    /// 2xx (a redirect, 404 or 500 whose handler wrote on: an audit's Go server redirecting and
    /// then writing the page was A, exit 0), and a served valid certificate's page is there to
    /// compare with: the valid answer, for the refusal checks that compare pages.
    fn refusal_beside_the_valid(&self, o: &ProbeObservation) -> Option<&'a ProbeObservation> {
        use crate::facts::Outcome;
        let answered_otherwise = o.outcome == Outcome::Answered && o.http_status.is_some();
        if o.id == ProbeId::VALID_CLIENT_CERT
            || !(o.outcome == Outcome::RefusedHttp || answered_otherwise)
        {
            return None;
        }
        self.valid_served()
    }

    /// `o` was refused over HTTP, or answered otherwise than with a 2xx, with most of the valid
    /// certificate's JSON values, by name, in a JSON document of its body
    /// ([`page::holds_most_json_pairs`]): the protected data in another form (re-serialised,
    /// HTML-escaped in a `<pre>`, inside an error envelope, a key left out: a review's Go, PHP
    /// and Flask handlers, each A, exit 0).
    pub fn refused_with_the_valid_data(&self, o: &ProbeObservation) -> bool {
        self.refusal_beside_the_valid(o)
            .is_some_and(|v| page::holds_most_json_pairs(&v.body_json_pairs, &o.body_json_pairs))
    }

    /// [`Self::refused_with_the_valid_page`] but for [`Self::refused_with_the_valid_document`]:
    /// the page, or the page holding another caller's name that does not speak of refusing.
    pub fn refused_with_the_valid_page_as_written(&self, o: &ProbeObservation) -> bool {
        // Without a served valid certificate there is no page to be the same as (both arms below
        // need one): the refusal's page is not tokenised for nothing (every anonymous scan
        // tokenised each refusal twice, 1.0M instructions on nginx `on`).
        let Some(valid) = self.refusal_beside_the_valid(o) else {
            return false;
        };
        // Whole bodies only: an excerpt at its cap may be the layout two pages share (a 403 in the
        // site's own header and navigation).
        let page = |x: &ProbeObservation| {
            x.body_excerpt.clone().filter(|b| {
                page::distinct_tokens(b) >= page::MIN_PAGE_TOKENS
                    && b.chars().count() < crate::transport::Limits::default().excerpt_chars
            })
        };
        // The valid certificate's holder as the page may name it (its subject's common names):
        // the protected page showing its caller (`"client":"test-client"`) is the same page
        // showing `"client":"anonymous"` to a client without one (an audit's JDK server setting
        // 403 and writing the page on: A, exit 0).
        // Its whole subject too, as servers write it (`CN=test-client,O=acme`: Go's
        // `Subject.String()`, nginx's `$ssl_client_s_dn`), where the page shows `-` to anyone
        // else (a review's Go handler writing the page on after its 403: A, exit 0).
        let holder = holder_names(valid);
        // A short page (under `page`'s tokens or `holds`' twelve) held as written, each body read
        // whole into its excerpt: `Forbidden {"secret":…}` beside the valid `{"secret":…}` (a
        // review's Go `http.Error` without `return`, PHP's `http_response_code(403)` without
        // `exit` before `{"balance":42}`, each A, exit 0).
        let whole = |x: &ProbeObservation| {
            x.body_excerpt
                .clone()
                .filter(|b| b.chars().count() < crate::transport::Limits::default().excerpt_chars)
        };
        if matches!((whole(valid), whole(o)), (Some(v), Some(p))
            if page::holds_short_page_as_written(&v, &p))
        {
            return true;
        }
        // The valid certificate's page whole inside the refusal's, with a refusal line or an
        // error page's markup around it (an audit's Go `http.Error(w, "Forbidden", 403)` without
        // `return`, then the orders: A, exit 0).
        // Or its tokens in order with lines between them (an alert among the page's parts, an
        // error envelope around its data: a review's, each A, exit 0).
        let holds = |v: &[u32], p: &[u32], numbers: (&[u32], &[u32])| {
            (page::holds_page_hashed(v, p, &holder)
                || page::holds_page_in_order_hashed(v, p, &holder))
                && page::numbers_agree(numbers.0, numbers.1)
        };
        match (page(valid), page(o)) {
            (Some(v), Some(p)) => {
                page::same_excerpt(&v, &p)
                    || page::same_but_the_holder(&v, &p, &holder)
                    || matches!(
                        (page::token_hashes(v.as_bytes()), page::token_hashes(p.as_bytes())),
                        (Some(vt), Some(pt)) if holds(
                            &vt,
                            &pt,
                            (&page::number_hashes(v.as_bytes()), &page::number_hashes(p.as_bytes()))
                        )
                    )
            }
            // Longer than the excerpt: the whole bodies, each read whole, are one page (an
            // audit's 403 carrying a 270-character page was A, exit 0).
            _ => {
                let own_page = o
                    .body_excerpt
                    .as_deref()
                    .is_some_and(|b| page::distinct_tokens(b) >= page::MIN_PAGE_TOKENS);
                let pages = (valid.body_page.as_deref(), o.body_page.as_deref());
                // The valid page read whole (its masked hashes say so), the refusal's as read.
                let read = (
                    Some(valid).filter(|v| v.body_page.is_some()),
                    o.body_page_read.as_deref().or(o.body_page.as_deref()),
                );
                matches!(pages, (Some(v), Some(p)) if own_page
                    && page::same_page_hashed(v, p, &holder))
                    || matches!(read, (Some(v), Some(p)) if v.body_page.as_deref().is_some_and(
                        |vt| holds(vt, p, (&v.body_numbers, &o.body_numbers))
                    ))
            }
        }
    }

    /// `o` was refused over HTTP, or answered otherwise than with a 2xx, with a JSON document
    /// (read whole) that is the one the valid certificate is served but where that names its
    /// holder, a run of its own (at most [`page::same_page_but_a_name_refusing`]'s), words of
    /// refusal allowed: `"signed_in_as":"anonymous (certificate required)"` beside the orders a
    /// 403 carries (a review's, A, exit 0: a run speaking of refusal stands for no caller where a
    /// refusal page shares the page's layout, as HTML does; a JSON refusal carrying the very
    /// document, its data and all, is no such page). Only on a page of its own besides the name.
    pub fn refused_with_the_valid_document(&self, o: &ProbeObservation) -> bool {
        let Some(valid) = self.refusal_beside_the_valid(o) else {
            return false;
        };
        let json = |x: &ProbeObservation| {
            x.body_excerpt.as_deref().is_some_and(|b| {
                b.trim_start_matches('\u{feff}')
                    .trim_start()
                    .starts_with(['{', '['])
            })
        };
        if !(json(valid) && json(o)) {
            return false;
        }
        let holder = holder_names(valid);
        matches!(
            (valid.body_page.as_deref(), o.body_page.as_deref()),
            (Some(v), Some(p)) if page::same_page_but_a_name_refusing(v, p, &holder)
        )
    }

    /// `o` was refused over HTTP, or answered otherwise than with a 2xx, and its body was not
    /// read to its end: it stalled (nothing more for 2 s) or went on past the read's cap. A
    /// handler that refuses and writes on (no `return`) sends the protected page after the
    /// refusal, a slow query or a long error page later (a review's Python 403 whose page came 3
    /// s after "Forbidden", Go's `http.Error` and `http.Redirect` flushed before a slow query, a
    /// 403 page of 14 KB of inline CSS before the orders: each A, exit 0): what was not read
    /// cannot be told to hold no page, so the status proves no refusal.
    pub fn refused_with_its_body_unread(&self, o: &ProbeObservation) -> bool {
        use crate::facts::Outcome;
        let answered_otherwise =
            o.outcome == Outcome::Answered && o.http_status.is_some_and(|s| s >= 300);
        o.id != ProbeId::VALID_CLIENT_CERT
            && (o.outcome == Outcome::RefusedHttp || answered_otherwise)
            && o.http_status.is_some()
            && o.body_page.is_none()
            && o.body_cut
    }

    /// `o` was refused with 401 or 403 with a page of its own, read whole, that says
    /// nothing of refusing the caller nor of certificates, where no valid certificate's page was
    /// served to compare it with: a handler that sets the status and writes the protected page
    /// on (no `return`) serves it whatever the status (a review's Python 403 carrying the whole
    /// orders page, scanned without an identity: B, exit 0). At least [`page::MIN_HELD_TOKENS`]
    /// distinct tokens: a bare status page is no page.
    pub fn refused_with_a_page_uncompared(&self, o: &ProbeObservation) -> bool {
        o.outcome == crate::facts::Outcome::RefusedHttp
            && matches!(o.http_status, Some(401 | 403))
            && o.id != ProbeId::VALID_CLIENT_CERT
            && self.valid_served().is_none()
            && o.body_page.is_some()
            && !o.body_speaks_of_refusal
            && !o.body_names_certificates
            && o.body_excerpt.as_deref().is_some_and(|b| {
                page::distinct_tokens(b) >= page::MIN_HELD_TOKENS
                    && !crate::text::speaks_of_certificates(b.as_bytes())
            })
            && !crate::checks::refusal::tls_module_refusal(o)
    }

    /// The anonymous baseline `o` refused over HTTP (by the application, not the TLS module's
    /// page) with the very status a valid certificate got here, and no valid certificate was
    /// served on this version: the refusal may be for something else than the certificate (a
    /// bearer token: `401 WWW-Authenticate: Bearer`, the path), so it proves no enforcement.
    /// An audit's API checking a token alone behind `VerifyClientCertIfGiven` (anyone with the
    /// token gets in, certificate or not) was "enforced by the application", B, exit 0.
    pub fn refused_as_the_control(&self, o: &ProbeObservation) -> bool {
        use crate::facts::Outcome;
        let by_app = |x: &ProbeObservation| {
            x.outcome == Outcome::RefusedHttp && !crate::checks::refusal::tls_module_refusal(x)
        };
        if o.id != ProbeId::NO_CLIENT_CERT || o.late || !by_app(o) {
            return false;
        }
        let presented = || {
            self.all(ProbeId::VALID_CLIENT_CERT)
                .filter(|v| v.client_cert.is_some())
        };
        !presented().any(|v| v.outcome == Outcome::Served)
            && presented().any(|v| by_app(v) && v.http_status == o.http_status)
    }

    /// The anonymous baseline `o` refused with `401` challenging for credentials other than a
    /// certificate (`WWW-Authenticate: Bearer`, `Basic`, `Negotiate`), and no valid certificate
    /// was served on this version: the refusal is of the credentials the request lacked, and
    /// whether a certificate is required besides them cannot be told. An anonymous scan of a
    /// token API behind `VerifyClientCertIfGiven` (any token holder gets in, certificate or
    /// not) was "enforced by the application", B, exit 0.
    pub fn refused_for_other_credentials<'o>(&self, o: &'o ProbeObservation) -> Option<&'o str> {
        use crate::facts::Outcome;
        let scheme = o.auth_challenge.as_deref()?;
        let lower = scheme.to_ascii_lowercase();
        let of_certificates = ["cert", "tls", "x509", "x.509"]
            .iter()
            .any(|w| lower.contains(w));
        let valid_served = self
            .all(ProbeId::VALID_CLIENT_CERT)
            .any(|v| v.client_cert.is_some() && v.outcome == Outcome::Served);
        (o.id == ProbeId::NO_CLIENT_CERT
            && o.outcome == Outcome::RefusedHttp
            && o.http_status == Some(401)
            && !of_certificates
            && !valid_served
            && !crate::checks::refusal::tls_module_refusal(o))
        .then_some(scheme)
    }

    /// The staging CA's own control on this version: the observation of the valid certificate
    /// minted from the staging CA ([`STAGING_VALID_ORIGIN`]), presented. It is the positive
    /// control itself without `client-cert`; with it, a follow-up of `valid-client-cert` where a
    /// staging probe was refused ([`valid_client_cert::staging_control`]).
    pub fn staging_control(&self) -> Option<&'a ProbeObservation> {
        self.all(ProbeId::VALID_CLIENT_CERT)
            .find(|o| staging_valid(o))
    }

    /// Every observation of a probe (the forged probe has one per advertised name).
    pub fn all(&self, id: ProbeId) -> impl Iterator<Item = &'a ProbeObservation> + '_ {
        self.observations
            .iter()
            .copied()
            .filter(move |o| o.id == id)
    }
}

/// A finding and the observation that shows it (its evidence).
#[derive(Debug)]
pub struct Judged<'a> {
    /// The finding.
    pub finding: Finding,
    /// The observation it comes from.
    pub from: &'a ProbeObservation,
}

/// A probe that presents one certificate (or none) in one handshake plus one GET per TLS version.
pub trait Probe: Send + Sync {
    /// What it declares.
    fn spec(&self) -> &'static ProbeSpec;
    /// Its id.
    fn id(&self) -> ProbeId {
        self.spec().id
    }
    /// Whether it runs in this scan, and what it presents.
    fn plan(&self, ctx: &ProbeContext) -> Plan;
    /// Whether it waits for the first wave's facts of a version before it runs there at all
    /// ([`Probe::wanted_after`]): a probe that can only add evidence where the others found
    /// none, so that a server that never asks costs no connection for it. False by default.
    fn deferred(&self) -> bool {
        false
    }
    /// For a [`Probe::deferred`] probe: whether it runs on this version, given the first wave.
    fn wanted_after(&self, _first: &VersionView<'_>) -> bool {
        true
    }
    /// For a [`Probe::deferred`] probe not [`Probe::wanted_after`] on this version: why what it
    /// tests there is nevertheless not proven (the first wave lacks what it reads), if it is
    /// not. The target is then graded B at best, with that reason among the skipped lines.
    fn unjudged_after(&self, _first: &VersionView<'_>) -> Option<String> {
        None
    }
    /// The ALPN protocols its exchange offers: `h2` and `http/1.1` by default; `http/1.1` alone
    /// or none for the baseline asked again as another kind of client.
    fn alpn(&self) -> crate::transport::Alpn {
        crate::transport::Alpn::Both
    }
    /// More requests once the first wave's facts of one version are known (the forged probe
    /// forges each further advertised CA name). None by default.
    fn follow_up(
        &self,
        _ctx: &ProbeContext,
        _first: &VersionView<'_>,
    ) -> Vec<Arc<dyn CertChooser>> {
        Vec::new()
    }
    /// Why an observation that was asked for a certificate but presented none is dropped, and
    /// the probe reported skipped (the forged probe, with no name to copy). `None`: it is kept.
    fn unpresented(&self, _ctx: &ProbeContext) -> Option<&'static str> {
        None
    }
    /// Its findings on one version, from the observations that judge it.
    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>>;
}

/// How a finding names the certificate `o` presented: `what`, and what was special about it,
/// read from its origin (claiming the valid certificate's subject, no authority key identifier,
/// followed in the chain by the real client CA's certificate or by its own CA's). `what` may end
/// with a comma (the sentence goes on), which the qualifiers keep.
fn what_was_sent(what: &str, o: &ProbeObservation) -> String {
    use crate::identity::forge::{
        WITH_IMPOSTOR_CA_MARK, WITH_ITS_CA_MARK, WITH_TRUSTED_CA_MARK, WITH_VALID_CERT_MARK,
    };
    const QUALIFIERS: [(&str, &str); 9] = [
        (
            "the valid certificate's subject",
            " (claiming the valid certificate's subject and names)",
        ),
        (
            "no key identifier",
            ", without an authority key identifier (so checked against the real CA, whose \
             signature check failed and was forgiven: HAProxy `crt-ignore-err 7`, a verify \
             callback that ignores a bad signature)",
        ),
        (
            crate::identity::forge::ISSUED_BY_HOLDER_MARK,
            ", issued and signed by an end-entity certificate from the trusted CA (CA:FALSE; \
             with a staging CA one of its own without keyUsage, else the valid client \
             certificate), sent after it: where basicConstraints go unchecked, anyone holding \
             one certificate from that CA can be anybody",
        ),
        (
            "that CA's key identifier",
            ", its authority key identifier copied from that CA's own (a verifier that takes the \
             issuer's name and key identifier for proof, without checking the signature, lets \
             it in)",
        ),
        (
            WITH_TRUSTED_CA_MARK,
            ", sent with the certificate of the client CA the server trusts at the end of its \
             chain (the leaf is not that CA's: a verifier that trusts a chain for ending in its \
             CA's certificate, checking at most each certificate against the next, lets anyone in \
             who holds that public certificate)",
        ),
        (
            WITH_VALID_CERT_MARK,
            ", sent with a valid client certificate after it in the chain, its key not used (a \
             verifier that lets a chain in when any end-entity certificate in it verifies, and \
             reads the client's identity from the first, lets in anyone who has seen a valid \
             certificate: it is sent in the clear on TLS 1.2)",
        ),
        (
            WITH_ITS_CA_MARK,
            ", sent with that CA's own self-signed certificate after it in the chain (where a \
             certificate from an unknown CA alone was refused: what lies above the leaf is not \
             checked, as HAProxy `ca-ignore-err all`, a verify callback that forgives a \
             self-signed certificate in the chain, or a verifier that takes the client's \
             certificates as roots do)",
        ),
        (
            WITH_IMPOSTOR_CA_MARK,
            ", sent with a self-signed CA certificate of ours after it that carries the CA's name \
             as subject and issuer (where the forgery alone was refused: the server took a CA \
             certificate the client sent, by its name, for its own client CA, as a verifier that \
             picks its anchor among the client's certificates does)",
        ),
        (
            STAGING_WITH_CA_MARK,
            ", sent with the staging CA's own certificate after it in the chain (where the leaf \
             alone was refused: the server judges a whole chain otherwise than a lone leaf, as a \
             verifier that trusts a chain ending in its CA's certificate once the signatures hold \
             does, without the dates and purpose its library checks)",
        ),
    ];
    let comma = what.ends_with(',');
    // A certificate an end-entity "issued" copies no advertised name: its issuer is the holder's
    // subject, its signature the holder's key (the qualifier says so).
    let what = if o.origin_says(crate::identity::forge::ISSUED_BY_HOLDER_MARK) {
        "a certificate of ours"
    } else {
        what
    };
    let mut out = what.trim_end_matches(',').to_owned();
    // A qualifier that is a clause of its own (all but the claim) ends with a comma too.
    let mut clause = false;
    for (i, (mark, words)) in QUALIFIERS.iter().enumerate() {
        if o.origin_says(mark) {
            out.push_str(words);
            clause |= i > 0;
        }
    }
    if comma || clause {
        out.push(',');
    }
    out
}

/// Whether `o` was answered over HTTP as the anonymous baseline was on its version: the same
/// status (not 421, the server's routing), after the handshake both times, to the same
/// `Location` and with the same page.
fn answered_as_the_anonymous_client(
    o: &ProbeObservation,
    baseline: Option<&ProbeObservation>,
) -> bool {
    baseline.is_some_and(|b| {
        b.outcome == crate::facts::Outcome::Answered
            && b.handshake_completed
            && o.handshake_completed
            && b.http_status.is_some()
            && b.http_status == o.http_status
            && b.http_status != Some(421)
            && b.location == o.location
            && b.body_excerpt == o.body_excerpt
    })
}

/// The findings of a certificate probe whose certificate got in: served (2xx), or let through
/// the handshake and answered with another status (3xx, 404, 5xx: the TLS layer accepted it, and
/// the path scanned says nothing either way, so the finding is kept at medium with a hint to scan a
/// path that answers 2xx, as the baseline's is). A refusal in TLS raises nothing, nor does the
/// status the anonymous client got where the valid certificate was served a 2xx on this path
/// ([`VersionView::control_served`]: nginx `ssl_verify_client on` with `error_page 495 496 =302`
/// redirects every certificate it refuses). An HTTP refusal (400/401/403) raises nothing where
/// the TLS layer lets an anonymous client through too (the application enforces, and the
/// baseline says so; nginx, which refuses over HTTP, a bad certificate too), but is medium where
/// the TLS layer refuses the anonymous client in the handshake and still let this certificate
/// through (Go `RequireAnyClientCert`, a verifier that accepts any CA): only the application
/// stands in the way, and unless the valid certificate is answered otherwise (served, or a 404
/// where this one got 403) nothing shows that it checks certificates rather than, say, a token.
/// One such finding: where the certificate from an unknown CA got through, the others add none.
pub fn served_with<'a>(
    view: &VersionView<'a>,
    probe: ProbeId,
    finding: FindingId,
    what: &str,
) -> Vec<Judged<'a>> {
    use crate::checks::refusal::tls_module_refusal;
    use crate::facts::Outcome;
    let baseline = view.of(ProbeId::NO_CLIENT_CERT);
    let anonymous = baseline.and_then(|b| b.http_status);
    // The TLS layer asked the anonymous client for a certificate and refused it in the handshake
    // (not nginx's way, which completes every handshake and refuses over HTTP, a bad certificate
    // too, with a page its `error_page 495` may replace), and the valid certificate, if any,
    // was refused like the others (an application that answers it otherwise checks them).
    let tls_refuses_anonymous = baseline
        .is_some_and(|b| b.cert_requested && b.outcome == Outcome::RefusedTls)
        && !view.control_not_refused();
    // The certificate from an unknown CA got through the handshake too: any certificate does, and
    // the other bad certificates (forged, expired, …) add nothing to that one finding.
    let untrusted_let_through = probe != ProbeId::UNTRUSTED_CLIENT_CERT
        && probe != ProbeId::CERT_WITHOUT_KEY
        && view.all(ProbeId::UNTRUSTED_CLIENT_CERT).any(|u| {
            u.client_cert.is_some()
                && u.handshake_completed
                && matches!(
                    u.outcome,
                    Outcome::Served | Outcome::Answered | Outcome::RefusedHttp
                )
        });
    // The positive controls that presented a certificate, and the first of them that was
    // refused: where controls ran and none was read (each timed out), the finding is what it is
    // without a control (whether the application checks certificates cannot be told), never
    // "the valid certificate was not let in either" (an audit's slow runner: a correct HAProxy
    // allowlist told so, F, exit 1); where a control was served, there is none.
    let controls: Vec<&ProbeObservation> = view
        .all(ProbeId::VALID_CLIENT_CERT)
        .filter(|o| o.client_cert.is_some())
        .collect();
    let valid = controls
        .iter()
        .copied()
        .find(|o| matches!(o.outcome, Outcome::RefusedTls | Outcome::RefusedHttp));
    let controls_unread =
        !controls.is_empty() && controls.iter().all(|o| o.outcome.is_unreadable());
    view.all(probe)
        .filter(|o| o.client_cert.is_some())
        .filter_map(|o| {
            let status = o.http_status.unwrap_or_default();
            let what = what_was_sent(what, o);
            let finding = match o.outcome {
                // The page the anonymous client got, unlike the protected one: unread.
                Outcome::Served
                    if view.served_another_page(o) || view.served_a_refusal_uncompared(o) =>
                {
                    return None
                }
                Outcome::Served => Finding::new(
                    finding,
                    format!("{}: {what} was served HTTP {status}.", view.version),
                ),
                // Answered as the anonymous client was, where the valid certificate is served.
                Outcome::Answered
                    if view.control_served()
                        && o.http_status == anonymous
                        && !o.http_status.is_some_and(crate::transport::is_busy_status) =>
                {
                    return None
                }
                // Without a control served, answered as the anonymous client was, to the same
                // place (nginx `on` with `error_page 495 496 =302 /login`, `=404`; HAProxy
                // `crt-ignore-err all` redirecting every unverified client): the anonymous
                // client's medium finding and its unread line say all there is, and the same
                // laxness counted again graded a correct server D, exit 1 (review Y's three).
                Outcome::Answered
                    if answered_as_the_anonymous_client(o, baseline)
                        && !o.http_status.is_some_and(crate::transport::is_busy_status) =>
                {
                    return None
                }
                Outcome::Answered => Finding::new(
                    finding,
                    format!(
                        "{}: {what} got through the handshake and the server answered HTTP \
                         {status}: the TLS layer accepted it. Scan a path that answers 2xx to \
                         confirm.",
                        view.version
                    ),
                )
                .with_severity(crate::finding::Severity::Medium),
                Outcome::RefusedHttp
                    if tls_refuses_anonymous
                        && !untrusted_let_through
                        && !tls_module_refusal(o) =>
                {
                    let settle = match valid {
                        // Every control unread (timed out): as without one.
                        None if controls_unread => "the valid certificate's own answer could not \
                             be read (see its incomplete line), so whether the application checks \
                             certificates or refused for another reason (a missing token) cannot \
                             be told"
                            .to_owned(),
                        Some(v) => format!(
                            "the valid certificate was not let in either ({}), so nothing shows \
                             that the application checks certificates rather than, say, a token",
                            v.http_status.map_or_else(
                                || "no HTTP answer".to_owned(),
                                |st| format!("HTTP {st}")
                            )
                        ),
                        None => "whether the application checks certificates or refused for \
                                 another reason (a missing token) cannot be told without a valid \
                                 certificate: give `client-cert`"
                            .to_owned(),
                    };
                    Finding::new(
                        finding,
                        format!(
                            "{}: the TLS layer refuses a client without a certificate in the \
                             handshake, yet let {what} through it; the server then refused it \
                             with HTTP {status}. Only the application stands in its way: {settle}.",
                            view.version
                        ),
                    )
                    .with_severity(crate::finding::Severity::Medium)
                }
                _ => return None,
            };
            Some(Judged { finding, from: o })
        })
        .collect()
}

/// The certificate from an unknown CA that got through the handshake to the same kind of refusal
/// as a client without one, where the server asked for a certificate, completed the handshake
/// without one and the application refused it over HTTP (not the TLS module's own page), and no
/// valid certificate was answered otherwise: nginx `optional_no_ca`, Node
/// `rejectUnauthorized: false` or Tomcat `optionalNoCA` before an application check, which may
/// read the subject and never the chain, look from outside just like nginx `on` with an
/// `error_page 495 496` of its own. Without a valid certificate (whose subject the certificate
/// from an unknown CA then claims) that cannot be told: the probe is unread on this version,
/// never a pass.
pub fn unknown_ca_meets_only_the_application<'a>(
    view: &VersionView<'a>,
) -> Option<&'a ProbeObservation> {
    use crate::checks::refusal::tls_module_refusal;
    use crate::facts::Outcome;
    let baseline = view.of(ProbeId::NO_CLIENT_CERT)?;
    // A late baseline's HTTP refusal may be mod_ssl's own (its 403 when the late handshake
    // fails), but where the certificate from an unknown CA then got through the late handshake
    // to an HTTP refusal as well, the TLS module let it through: only the application refused.
    let app_refuses_anonymous = baseline.cert_requested
        && baseline.outcome == Outcome::RefusedHttp
        && (baseline.late || !tls_module_refusal(baseline))
        && !baseline
            .http_status
            .is_some_and(crate::transport::is_busy_status);
    if !app_refuses_anonymous || view.control_not_refused() {
        return None;
    }
    view.all(ProbeId::UNTRUSTED_CLIENT_CERT)
        .find(|u| u.outcome == Outcome::RefusedHttp && let_through_to_the_application(u))
}

/// A certificate that got through the handshake to an HTTP answer that is not the TLS module's own
/// refusal (nginx's pages, 495/496) nor a busy one: what stood in its way, if anything, was the
/// application.
pub fn let_through_to_the_application(o: &ProbeObservation) -> bool {
    use crate::facts::Outcome;
    o.client_cert.is_some()
        && o.handshake_completed
        && matches!(o.outcome, Outcome::RefusedHttp | Outcome::Answered)
        && !crate::checks::refusal::tls_module_refusal(o)
        && !o.http_status.is_some_and(crate::transport::is_busy_status)
}

/// When a [`TargetProbe`] starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// With the first wave: it needs nothing the handshake probes find.
    WithFirstWave,
    /// Once the handshake probes are done, with their observations.
    AfterFirstWave,
}

/// Everything a scan shares across targets.
#[derive(Clone)]
pub struct ScanContext {
    /// Identities and the provider.
    pub probes: Arc<ProbeContext>,
    /// Trust anchors for the server's certificate.
    pub trust: Arc<LazyTrust>,
    /// Rules of the server-certificate analysis.
    pub server_cert: ServerCertPolicy,
    /// Caps and deadline of each exchange.
    pub limits: Limits,
    /// Concurrency limits.
    pub permits: Arc<Permits>,
    /// TLS versions probed.
    pub versions: Vec<TlsVersion>,
}

/// What the handshake probes found on a target, for the probes that run after them. The engine
/// may hand these probes the baselines alone (the no-certificate observations and their chains),
/// before the rest of the wave ends, when nothing else of the wave can change what the side doors
/// and the server-certificate checks read: a new reader of other probes' observations must wait
/// for the whole wave (see the engine's `Baseline`).
#[derive(Debug, Default)]
pub struct FirstWave {
    /// The observations: every one (the late-auth ones included), or the baselines alone.
    pub observations: Vec<ProbeObservation>,
    /// The distinct chains the observations' connections were served, per version, leaf first.
    pub chains: Vec<(TlsVersion, Vec<CertificateDer<'static>>)>,
    /// The side doors' shared knocks on this target (see [`knock::SharedKnocks`]); the engine
    /// reads what they saw of the front door once they are done.
    pub knocks: Arc<knock::SharedKnocks>,
    /// When `observations` are the baselines alone: the whole wave's, once it has ended.
    pub whole: Option<WholeWave>,
}

/// The whole first wave's observations and the distinct chains its connections were served,
/// once it has ended (`None` until then).
pub type WholeWave = tokio::sync::watch::Receiver<Option<WholeFacts>>;

/// What [`WholeWave`] hands over: every observation, and every distinct chain per version.
pub type WholeFacts = (
    Arc<Vec<ProbeObservation>>,
    Arc<Vec<(TlsVersion, Vec<CertificateDer<'static>>)>>,
);

impl FirstWave {
    /// Every observation of the wave: `observations` when they are the whole wave, else the whole
    /// wave's once it has ended; `None` when it ended without handing them over.
    pub async fn whole_observations(&self) -> Option<Arc<Vec<ProbeObservation>>> {
        match &self.whole {
            None => Some(Arc::new(self.observations.clone())),
            Some(rx) => {
                let mut rx = rx.clone();
                let seen = rx.wait_for(Option::is_some).await.ok()?;
                seen.as_ref().map(|(o, _)| o.clone())
            }
        }
    }

    /// Every distinct chain the wave's connections were served: `chains` when the observations
    /// are the whole wave, else the whole wave's once it has ended (the baselines' where it
    /// ended without handing them over).
    pub async fn whole_chains(&self) -> Vec<(TlsVersion, Vec<CertificateDer<'static>>)> {
        match &self.whole {
            None => self.chains.clone(),
            Some(rx) => {
                let mut rx = rx.clone();
                let whole = match rx.wait_for(Option::is_some).await {
                    Ok(seen) => seen.as_ref().map(|(_, c)| c.clone()),
                    Err(_) => None,
                };
                whole.map_or_else(|| self.chains.clone(), |c| c.as_ref().clone())
            }
        }
    }
}

/// What a [`TargetProbe`] hands back.
#[derive(Debug, Default)]
pub struct TargetOutcome {
    /// Its findings.
    pub findings: Vec<Finding>,
    /// Requests of it that could not be read, when they could have raised a finding.
    pub incomplete: Vec<IncompleteProbe>,
    /// The server stack its answers point at, for the per-stack fixes.
    pub stack_hint: Option<Stack>,
    /// Its own section of the report.
    pub section: Section,
    /// Notes for the report (why it sent nothing, when that is worth saying).
    pub notes: Vec<String>,
    /// The other SNI names it tried the protected `Host` on, as the report names them.
    pub sni_names_tried: Vec<String>,
    /// What of it did not run (doors left untried for its caps): the target is graded B at best,
    /// as for a probe that did not run, with the note that says why.
    pub skipped: Vec<SkippedProbe>,
}

/// A target probe's own section of the report.
#[derive(Debug, Default)]
pub enum Section {
    /// None.
    #[default]
    None,
    /// The server certificate as served, with its analysis.
    ServerCertificate(Box<crate::checks::server_cert::ServerCertificate>),
    /// The configuration paths probed.
    ConfigProbes(Vec<crate::checks::config_body::ConfigObservation>),
}

/// A probe that makes requests of its own, once per target.
pub trait TargetProbe: Send + Sync {
    /// What it declares.
    fn spec(&self) -> &'static ProbeSpec;
    /// When it starts.
    fn starts(&self) -> Start;
    /// Runs on one target; `first` is set for [`Start::AfterFirstWave`].
    fn run<'a>(
        &'a self,
        target: &'a Target,
        scan: &'a ScanContext,
        first: Option<&'a FirstWave>,
    ) -> BoxFuture<'a, TargetOutcome>;
}

/// The origin of the valid identity minted from the staging CA ([`StagingIdentities::valid`]):
/// where it is presented, the staging CA's own control ([`VersionView::staging_control`]).
pub const STAGING_VALID_ORIGIN: &str = "minted: staging CA, valid";

/// Whether `o` presented the valid certificate minted from the staging CA: the staging CA's own
/// control beside `client-cert`, or the positive control when no `client-cert` was given.
/// Reports tell it apart from the positive control by this.
pub fn staging_valid(o: &ProbeObservation) -> bool {
    o.id == ProbeId::VALID_CLIENT_CERT
        && o.client_cert
            .as_ref()
            .is_some_and(|c| c.origin == STAGING_VALID_ORIGIN)
}

/// The probes that present a certificate from the staging CA with one flaw: their refusal proves
/// something only where the server lets the staging CA's valid certificate in.
pub const STAGING_PROBES: [ProbeId; 3] = [
    ProbeId::EXPIRED_CLIENT_CERT,
    ProbeId::NOT_YET_VALID_CLIENT_CERT,
    ProbeId::WRONG_EKU_CLIENT_CERT,
];

/// Identities minted from the user's staging CA (`--issuing-ca-cert/--issuing-ca-key`).
#[derive(Debug)]
pub struct StagingIdentities {
    /// Valid now: the positive control when no `--client-cert` is given; with one, the staging
    /// CA's own control (claiming its subject, as the other three do).
    pub valid: Arc<IdentityPair>,
    /// Expired yesterday.
    pub expired: Arc<IdentityPair>,
    /// Valid only from tomorrow.
    pub not_yet_valid: Arc<IdentityPair>,
    /// EKU serverAuth only.
    pub wrong_eku: Arc<IdentityPair>,
    /// An end-entity certificate with nothing but its basicConstraints (CA:FALSE) to forbid it
    /// signing: no keyUsage, no extendedKeyUsage, as many certificates a CA issues have. The
    /// holder whose key issues another subject in `forged-client-cert`: Erlang/OTP 25's
    /// `verify_peer` refuses such a chain under the control (its keyUsage lacks keyCertSign) and
    /// lets it in under this one (an audit's: A, exit 0, with a staging CA).
    pub holder: Arc<IdentityPair>,
    /// Pairs of valid certificates (none where the positive control has no common name): a
    /// stranger, and a look-alike of the very same shape whose name merely contains the control's
    /// common name where the stranger's has it scrambled ([`lookalike_client_cert`]). The
    /// look-alike served where its stranger is refused: the names are compared loosely.
    pub lookalikes: Vec<(Arc<IdentityPair>, Arc<IdentityPair>)>,
    /// The staging CA's own certificate, where its leaves are presented alone (a self-signed CA
    /// given without more): a staging probe refused alone is sent again with it after the leaf
    /// ([`staging_with_ca`]).
    pub ca_after: Option<CertificateDer<'static>>,
}

/// What the probes may draw on: the provider and the identities minted or loaded for this scan.
pub struct ProbeContext {
    /// The one crypto provider.
    pub provider: Arc<CryptoProvider>,
    /// An identity issued by a CA minted on the spot, which no server trusts.
    pub untrusted: Arc<IdentityPair>,
    /// A self-signed identity (its own issuer).
    pub self_signed: Arc<IdentityPair>,
    /// Forges certificates with a copied issuer name.
    pub forger: Arc<Forger>,
    /// The user's own identity (`--client-cert/--client-key`).
    pub client: Option<ClientIdentity>,
    /// Identities from the user's staging CA.
    pub staging: Option<StagingIdentities>,
    /// The issuer name (DER) to forge when the server advertises none: the issuer of
    /// `--client-cert`, else the staging CA's subject.
    pub forge_fallback_issuer: Option<Vec<u8>>,
    /// CA names (DER) whose key kind the scan knows, and the kind of signature it makes: the
    /// issuers of `client-cert` and its chain (by their signatures), the staging CA (by its key).
    pub issuer_key_kinds: Vec<(Vec<u8>, crate::identity::forge::SignatureKind)>,
    /// CA certificates the scan holds: `client-cert`'s chain past its leaf, the staging CA, the
    /// roots given for the server's certificate (at most 32).
    pub known_ca_certs: Vec<rustls_pki_types::CertificateDer<'static>>,
    /// Judges where the user's headers may go (a server whose certificate verifies).
    pub header_trust: Arc<dyn crate::transport::HeaderTrust>,
}

/// What a probe will do in this scan.
#[derive(Debug)]
pub enum Plan {
    /// Run, presenting what the chooser picks (`None`: no certificate).
    Run(Option<Arc<dyn CertChooser>>),
    /// Not run, with the reason shown in the report.
    Skip(String),
}

/// A probe that is not run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedProbe {
    /// Which probe.
    pub id: ProbeId,
    /// Why.
    pub reason: String,
}

impl SkippedProbe {
    /// The reason of a probe the user switched off (`--skip-probe`, `skip-probes`).
    pub const SWITCHED_OFF: &'static str = "switched off";

    /// How the reason of a probe that ran but left some of its doors untried begins.
    pub const PARTLY_RUN: &'static str = "not every door was tried";

    /// A probe the user switched off.
    pub fn switched_off(id: ProbeId) -> Self {
        SkippedProbe {
            id,
            reason: Self::SWITCHED_OFF.into(),
        }
    }

    /// The user switched this probe off, and it is one that tests whether a client gets in (every
    /// handshake probe and side door; not `server-certificate` or `tls-config-exposed`): what it
    /// would have tried is not proven, so the target cannot be graded A.
    pub fn leaves_admission_unproven(&self) -> bool {
        self.reason == Self::SWITCHED_OFF && tests_admission(self.id)
    }
}

/// A probe that tests whether a client gets in: every probe but the two that read the server's
/// own certificate and its exposed configuration (a probe added later counts, until it says
/// otherwise here).
pub fn tests_admission(id: ProbeId) -> bool {
    // `lookalike-client-cert` tells names of the CA apart, not outsiders from insiders: it needs
    // a staging CA and a common name, and a target without them is not held to it.
    ![
        ProbeId::SERVER_CERTIFICATE,
        ProbeId::TLS_CONFIG_EXPOSED,
        ProbeId::LOOKALIKE_CLIENT_CERT,
    ]
    .contains(&id)
}

/// Presents one fixed identity, whatever the server asks.
#[derive(Debug)]
pub struct Fixed(pub ClientIdentity);

impl CertChooser for Fixed {
    fn choose(
        &self,
        _hints: &[&[u8]],
        _schemes: &[SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String> {
        Ok(Some(self.0.clone()))
    }
}

/// Presents an identity pair in the key type the server accepts.
#[derive(Debug)]
pub struct Paired(pub Arc<IdentityPair>);

impl CertChooser for Paired {
    fn choose(
        &self,
        _hints: &[&[u8]],
        schemes: &[SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String> {
        self.0.for_schemes(schemes).map(Some)
    }
}

/// The plan of a probe that needs the staging CA.
pub(crate) fn staging_plan(
    ctx: &ProbeContext,
    pick: impl Fn(&StagingIdentities) -> &Arc<IdentityPair>,
) -> Plan {
    match &ctx.staging {
        Some(s) => Plan::Run(Some(Arc::new(Paired(pick(s).clone())))),
        None => Plan::Skip("needs a staging CA the server trusts (its certificate and key)".into()),
    }
}

/// What the origin of a staging certificate sent again with the staging CA's certificate after
/// it contains ([`staging_with_ca`]).
pub const STAGING_WITH_CA_MARK: &str = "sent with the staging CA's certificate";

/// Presents a staging identity with the staging CA's own certificate after the leaf.
#[derive(Debug)]
struct StagingWithCa {
    pair: Arc<IdentityPair>,
    ca: CertificateDer<'static>,
}

impl CertChooser for StagingWithCa {
    fn choose(
        &self,
        _hints: &[&[u8]],
        schemes: &[SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String> {
        let leaf = self.pair.for_schemes(schemes)?;
        let origin = format!(
            "{}, {STAGING_WITH_CA_MARK} in the chain",
            leaf.summary.origin
        );
        crate::identity::forge::followed_by(&leaf, &self.ca, &origin)
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

/// A staging probe's certificate sent again with the staging CA's own certificate after it,
/// where the leaf went alone (a self-signed staging CA given without more), the server asked for
/// a certificate, and the leaf alone was refused on this version (in the handshake, or by an
/// application; not by nginx's own certificate page, which judges as OpenSSL does, a chain the
/// same with or without the CA's certificate) and never served. Real clients send their chain,
/// often up to the root: a verifier that judges a whole chain otherwise than a lone leaf (one
/// that trusts a chain ending in its CA's certificate once each signature holds, and checks
/// validity dates and purpose only through the library's path for a lone leaf) lets the flaw in
/// only then.
pub(crate) fn staging_with_ca(
    ctx: &ProbeContext,
    first: &VersionView<'_>,
    probe: ProbeId,
    pick: impl Fn(&StagingIdentities) -> &Arc<IdentityPair>,
) -> Vec<Arc<dyn CertChooser>> {
    use crate::facts::Outcome;
    let Some(staging) = &ctx.staging else {
        return Vec::new();
    };
    let Some(ca) = &staging.ca_after else {
        return Vec::new();
    };
    let asked = first
        .of(ProbeId::NO_CLIENT_CERT)
        .is_some_and(|o| o.cert_requested);
    let presented: Vec<_> = first
        .all(probe)
        .filter(|o| o.client_cert.is_some())
        .collect();
    let refused = presented.iter().any(|o| match o.outcome {
        Outcome::RefusedTls => true,
        Outcome::RefusedHttp | Outcome::Answered => !crate::checks::refusal::tls_module_refusal(o),
        _ => false,
    });
    let served = presented.iter().any(|o| o.outcome == Outcome::Served);
    if !(asked && refused && !served) {
        return Vec::new();
    }
    vec![Arc::new(StagingWithCa {
        pair: pick(staging).clone(),
        ca: ca.clone(),
    })]
}

/// Recorded facts for the probes' judgement tests.
#[cfg(test)]
pub(crate) mod recorded {
    use crate::facts::{Outcome, ProbeId, ProbeObservation, TlsVersion};
    use crate::finding::{FindingId, Severity};
    use crate::identity::IdentitySummary;
    use crate::transport::classify_status;

    /// An observation of `id` on TLS 1.3 that ended `outcome` with `status`.
    pub fn obs(id: ProbeId, outcome: Outcome, status: Option<u16>) -> ProbeObservation {
        ProbeObservation {
            id,
            tls_version: TlsVersion::Tls13,
            client_cert: None,
            cert_requested: true,
            acceptable_cas: vec!["CN=Client CA".into()],
            acceptable_ca_names: Vec::new(),
            signature_schemes: Default::default(),
            alert: (outcome == Outcome::RefusedTls).then(|| "CertificateRequired".into()),
            http_status: status,
            alpn: None,
            server_header: None,
            via: None,
            powered_by: None,
            location: None,
            auth_challenge: None,
            body_excerpt: None,
            body_page: None,
            body_page_read: None,
            body_numbers: Vec::new(),
            body_json_pairs: Vec::new(),
            body_names_certificates: false,
            body_cut: false,
            body_speaks_of_refusal: false,
            outcome,
            detail: None,
            ms: 1.0,
            attempts: 1,
            late: false,
            asked_after_handshake: None,
            handshake_completed: status.is_some(),
        }
    }

    /// The same, with a certificate presented.
    pub fn with_cert(mut o: ProbeObservation) -> ProbeObservation {
        o.client_cert = Some(std::sync::Arc::new(IdentitySummary {
            origin: "minted".into(),
            subject: "CN=probe".into(),
            issuer: "CN=someone".into(),
            sha256: "00".repeat(32),
            key: "EC 256".into(),
            not_before: String::new(),
            not_after: String::new(),
            chain_len: 1,
            not_for_clients: false,
        }));
        o
    }

    /// The view of TLS 1.3 over these observations.
    pub fn view(obs: &[ProbeObservation]) -> super::VersionView<'_> {
        super::VersionView {
            version: TlsVersion::Tls13,
            observations: obs.iter().collect(),
        }
    }

    /// What `probe` judges over these observations on `version`: each finding's id, severity
    /// and detail, and the probe of the observation it comes from.
    pub fn judged(
        probe: &dyn super::Probe,
        version: TlsVersion,
        obs: &[ProbeObservation],
    ) -> Vec<(FindingId, Severity, String, ProbeId)> {
        let view = super::VersionView {
            version,
            observations: obs.iter().collect(),
        };
        probe
            .judge(&view)
            .into_iter()
            .map(|j| {
                (
                    j.finding.id,
                    j.finding.severity,
                    j.finding.detail,
                    j.from.id,
                )
            })
            .collect()
    }

    /// What every certificate probe judged by [`super::served_with`] must do, for `probe` raising
    /// `finding` (catalogue severity `severity`) about `what` it presents: served → exactly that
    /// finding on that version, from its own observation; let through the handshake and answered
    /// 3xx/404/5xx → the same at medium; refused or unreadable → nothing; served with no
    /// certificate presented, or only the other probes served → nothing.
    pub fn check_served_with(
        probe: &dyn super::Probe,
        finding: FindingId,
        severity: Severity,
        what: &str,
    ) {
        let id = probe.id();
        let mine = |outcome, status| with_cert(obs(id, outcome, status));
        assert_eq!(
            judged(
                probe,
                TlsVersion::Tls13,
                &[mine(Outcome::Served, Some(200))]
            ),
            [(
                finding,
                severity,
                format!("TLS 1.3: {what} was served HTTP 200."),
                id
            )]
        );
        let mut tls12 = mine(Outcome::Served, Some(204));
        tls12.tls_version = TlsVersion::Tls12;
        let found = judged(probe, TlsVersion::Tls12, &[tls12]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].2.starts_with("TLS 1.2:") && found[0].2.ends_with("HTTP 204."),
            "{found:?}"
        );
        // Go RequireAnyClientCert on a path that answers 404: the TLS layer let it in.
        for status in [404, 302, 500] {
            let found = judged(
                probe,
                TlsVersion::Tls13,
                &[mine(classify_status(status), Some(status))],
            );
            assert_eq!(found.len(), 1, "{status}: {found:?}");
            assert_eq!((found[0].0, found[0].1), (finding, Severity::Medium));
            assert!(
                found[0].2.contains(&format!(
                    "answered HTTP {status}: the TLS layer accepted it"
                )),
                "{found:?}"
            );
        }
        // nginx `ssl_verify_client on` with `error_page 495 496 =302`: the anonymous client and
        // this certificate redirected alike, the valid certificate served 200 on this path: the
        // same refusal. Another status than the anonymous client's is still the medium finding.
        let control = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
        for (anonymous, mine_status, found) in [(302, 302, 0), (404, 404, 0), (401, 302, 1)] {
            let seen = [
                obs(
                    ProbeId::NO_CLIENT_CERT,
                    classify_status(anonymous),
                    Some(anonymous),
                ),
                control.clone(),
                mine(classify_status(mine_status), Some(mine_status)),
            ];
            let all = judged(probe, TlsVersion::Tls13, &seen);
            let of_mine: Vec<_> = all.iter().filter(|j| j.3 == id).collect();
            assert_eq!(of_mine.len(), found, "{anonymous} {mine_status}: {all:?}");
        }
        // Without a served control, the redirect the anonymous client got, to the same place,
        // adds nothing to its medium finding (nginx `on` with `error_page 495 496 =302 /login`
        // was D, exit 1, for the same laxness counted thrice: review Y's); one elsewhere is the
        // medium finding.
        let mut anonymous = obs(ProbeId::NO_CLIENT_CERT, Outcome::Answered, Some(302));
        anonymous.location = Some("/login".into());
        for (to, found) in [("/login", 0), ("/orders", 1)] {
            let mut this = mine(Outcome::Answered, Some(302));
            this.location = Some(to.into());
            let unverified = [
                anonymous.clone(),
                with_cert(obs(
                    ProbeId::VALID_CLIENT_CERT,
                    Outcome::Answered,
                    Some(302),
                )),
                this,
            ];
            let all = judged(probe, TlsVersion::Tls13, &unverified);
            assert_eq!(
                all.iter().filter(|j| j.3 == id).count(),
                found,
                "{to}: {all:?}"
            );
        }
        for o in presented_not_served(id) {
            let (outcome, status) = (o.outcome, o.http_status);
            let found = judged(probe, TlsVersion::Tls13, &[o]);
            assert!(found.is_empty(), "{outcome:?} {status:?}: {found:?}");
        }
        // Asked, but nothing presented: served anonymously is the baseline's finding.
        let unpresented = [obs(id, Outcome::Served, Some(200))];
        assert!(judged(probe, TlsVersion::Tls13, &unpresented).is_empty());
        // Every other probe got in; this one was refused in the TLS layer.
        let others = [
            obs(ProbeId::NO_CLIENT_CERT, Outcome::Served, Some(200)),
            with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200))),
            with_cert(obs(
                ProbeId::UNTRUSTED_CLIENT_CERT,
                Outcome::Served,
                Some(200),
            )),
            mine(Outcome::RefusedTls, None),
        ];
        assert!(judged(probe, TlsVersion::Tls13, &others).is_empty());
        // Go `RequireAnyClientCert` before an application that answers 401 or 403: the
        // anonymous client refused in TLS, this certificate let through and refused by HTTP.
        let mut refused_in_tls = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        refused_in_tls.alert = Some("CertificateRequired".into());
        for status in [400, 401, 403] {
            let seen = [
                refused_in_tls.clone(),
                mine(classify_status(status), Some(status)),
            ];
            let found = judged(probe, TlsVersion::Tls13, &seen);
            let of_mine: Vec<_> = found.iter().filter(|j| j.3 == id).collect();
            assert_eq!(of_mine.len(), 1, "{status}: {found:?}");
            assert_eq!((of_mine[0].0, of_mine[0].1), (finding, Severity::Medium));
            assert!(
                of_mine[0]
                    .2
                    .contains(&format!("refused it with HTTP {status}")),
                "{found:?}"
            );
            // A valid certificate served on this path, or answered otherwise than the bad ones
            // (404): the application checks certificates.
            let mut answered = control.clone();
            (answered.outcome, answered.http_status) = (Outcome::Answered, Some(404));
            for valid in [control.clone(), answered] {
                let checked = [seen[0].clone(), valid, seen[1].clone()];
                let found = judged(probe, TlsVersion::Tls13, &checked);
                assert!(found.iter().all(|j| j.3 != id), "{status}: {found:?}");
            }
            // Refused like the bad ones: still unverified, and said so.
            let mut refused = control.clone();
            (refused.outcome, refused.http_status) = (Outcome::RefusedHttp, Some(status));
            let found = judged(
                probe,
                TlsVersion::Tls13,
                &[seen[0].clone(), refused, seen[1].clone()],
            );
            let of_mine: Vec<_> = found.iter().filter(|j| j.3 == id).collect();
            assert_eq!(of_mine.len(), 1, "{status}: {found:?}");
            assert!(
                of_mine[0]
                    .2
                    .contains("the valid certificate was not let in either"),
                "{found:?}"
            );
            // Another bad certificate, from an unknown CA, got through as well: that one finding
            // says it all (any certificate gets through), this one adds nothing.
            if id != ProbeId::UNTRUSTED_CLIENT_CERT && id != ProbeId::CERT_WITHOUT_KEY {
                let untrusted = with_cert(obs(
                    ProbeId::UNTRUSTED_CLIENT_CERT,
                    Outcome::RefusedHttp,
                    Some(403),
                ));
                let found = judged(
                    probe,
                    TlsVersion::Tls13,
                    &[seen[0].clone(), untrusted, seen[1].clone()],
                );
                assert!(found.iter().all(|j| j.3 != id), "{status}: {found:?}");
            }
        }
        // nginx's way: the anonymous client refused over HTTP by the TLS module's own page, a bad
        // certificate answered 400 by a custom `error_page 495` page: not let through.
        let mut nginx = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(400));
        nginx.body_excerpt =
            Some("<html><head><title>400 No required SSL certificate was sent</title>".into());
        nginx.server_header = Some("nginx".into());
        let found = judged(
            probe,
            TlsVersion::Tls13,
            &[nginx, mine(Outcome::RefusedHttp, Some(400))],
        );
        assert!(found.iter().all(|j| j.3 != id), "{found:?}");
        // The refusal is the TLS module's own (nginx's 495, 496): not let through.
        for status in [495, 496] {
            let mut own = mine(classify_status(status), Some(status));
            own.server_header = Some("nginx".into());
            let seen = [refused_in_tls.clone(), own];
            let found = judged(probe, TlsVersion::Tls13, &seen);
            assert!(found.iter().all(|j| j.3 != id), "{status}: {found:?}");
        }
    }

    /// A certificate of `id` presented and not served, each way the transport records it:
    /// refused in TLS with an alert, refused over HTTP (400, 401, 403, 495, 496, classed as the
    /// transport classes them), another answer (404), and an answer that could not be read.
    pub fn presented_not_served(id: ProbeId) -> Vec<ProbeObservation> {
        // (Another status than these, 404 say, means the certificate got through the handshake:
        // see `answered_after_the_handshake`.)
        let mut out = vec![with_cert(obs(id, Outcome::RefusedTls, None))];
        for status in [400, 401, 403, 495, 496] {
            out.push(with_cert(obs(id, classify_status(status), Some(status))));
        }
        let mut timed_out = with_cert(obs(id, Outcome::Inconclusive, None));
        timed_out.detail = Some("timed out after 10.0 s after the handshake began".into());
        out.push(timed_out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::recorded::{obs, view, with_cert};
    use super::ProbeId;
    use crate::facts::Outcome;

    /// A 2xx observation of `id` with `body`, presenting a certificate when `cert`.
    fn page(id: ProbeId, body: &str, cert: bool) -> crate::facts::ProbeObservation {
        let mut o = obs(id, Outcome::Served, Some(200));
        o.body_excerpt = Some(body.to_owned());
        if cert {
            o = with_cert(o);
        }
        o
    }

    /// Without a valid certificate to compare with, a short 200 that says it refuses the caller
    /// (read whole) is unread, not served; an open short page, and a long one that only has a
    /// sign-in link among its content, are served as before; with the valid certificate served,
    /// the comparison decides instead.
    #[test]
    fn a_short_refusal_without_a_valid_page_to_compare_is_unread() {
        let short = |id: ProbeId, body: &str| {
            let mut o = page(id, body, false);
            o.body_page = crate::probe::page::token_hashes(body.as_bytes());
            o
        };
        for refusal in [
            r#"{"error":"unauthorized"}"#,
            r#"{"data":null,"errors":[{"message":"Unauthenticated","extensions":{"code":"UNAUTHENTICATED"}}]}"#,
        ] {
            let seen = [short(ProbeId::NO_CLIENT_CERT, refusal)];
            assert!(
                view(&seen).served_a_refusal_uncompared(&seen[0]),
                "{refusal}"
            );
            // read only in part: not judged by its words
            let mut cut = seen[0].clone();
            cut.body_page_read = Some(Vec::new());
            let seen = [cut];
            assert!(
                !view(&seen).served_a_refusal_uncompared(&seen[0]),
                "{refusal}"
            );
        }
        let open = [short(
            ProbeId::NO_CLIENT_CERT,
            r#"{"orders":[{"id":1017,"total":42}]}"#,
        )];
        assert!(!view(&open).served_a_refusal_uncompared(&open[0]));
        let rows: String = (0..60)
            .map(|i| format!("<tr><td>order {i}</td></tr>"))
            .collect();
        let long = format!("<html><a href=/login>Sign in</a><table>{rows}</table></html>");
        let long = [short(ProbeId::NO_CLIENT_CERT, &long)];
        assert!(!view(&long).served_a_refusal_uncompared(&long[0]));
        let valid = page(ProbeId::VALID_CLIENT_CERT, r#"{"orders":[1]}"#, true);
        let seen = [
            short(ProbeId::NO_CLIENT_CERT, r#"{"error":"unauthorized"}"#),
            valid,
        ];
        assert!(!view(&seen).served_a_refusal_uncompared(&seen[0]));
    }

    /// A GraphQL-style refusal served 200 shares its envelope (`data`, `me`) with the protected
    /// answer, yet says it refuses the caller where the protected answer does not: another page
    /// (unread), not the protected one served. A page that says nothing of refusing stays served.
    #[test]
    fn a_refusal_sharing_the_protected_pages_envelope_is_another_page() {
        let valid = page(
            ProbeId::VALID_CLIENT_CERT,
            r#"{"data":{"me":{"name":"test-client","orders":[{"id":1}]}}}"#,
            true,
        );
        let refusal = r#"{"data":{"me":null},"errors":[{"message":"Unauthorized: a client certificate is needed"}]}"#;
        let seen = [page(ProbeId::NO_CLIENT_CERT, refusal, false), valid.clone()];
        let v = view(&seen);
        assert!(v.served_another_page(&seen[0]));
        // The same envelope with another user's data: no refusal said, served.
        let other = r#"{"data":{"me":{"name":"guest","orders":[]}}}"#;
        let seen = [page(ProbeId::NO_CLIENT_CERT, other, false), valid];
        let v = view(&seen);
        assert!(!v.served_another_page(&seen[0]));
    }

    /// An application's refusal served 200 that speaks of certificates beside a protected page
    /// that does not: another page (unread), however few words it shares with that page (an
    /// audit's JSON `ok`, an HTML template's `doctype html title`) or holds (`client
    /// certificate required` is three words). A page that speaks of certificates where the
    /// protected one does too is judged by its words as before.
    #[test]
    fn a_refusal_that_speaks_of_certificates_is_another_page() {
        for (refusal, protected) in [
            (
                r#"{"ok":false,"error":"client certificate required"}"#,
                r#"{"ok":true,"orders":[1,2,3]}"#,
            ),
            (
                "<!doctype html><title>Sign in</title><p>Please present your client certificate.</p>",
                "<!doctype html><title>Orders</title><table><tr><td>1017</td><td>42.00</td></tr></table>",
            ),
            ("client certificate required", "ok"),
        ] {
            let seen = [
                page(ProbeId::NO_CLIENT_CERT, refusal, false),
                page(ProbeId::VALID_CLIENT_CERT, protected, true),
            ];
            assert!(view(&seen).served_another_page(&seen[0]), "{refusal}");
        }
        // The protected page itself speaks of certificates (a PKI API): the anonymous page,
        // that same page, is served.
        let pki = r#"{"certificates":[{"serial":"0a1b","subject":"CN=svc"}]}"#;
        let seen = [
            page(ProbeId::NO_CLIENT_CERT, pki, false),
            page(ProbeId::VALID_CLIENT_CERT, pki, true),
        ];
        assert!(!view(&seen).served_another_page(&seen[0]));
    }

    /// An API's refusal served 200 in its own error codes (Apollo's `UNAUTHENTICATED`, Django
    /// REST's `Authentication credentials were not provided.`, OAuth's `access_denied`) beside
    /// the valid certificate's data: another page, unread (a review's Go service was F, exit 1,
    /// `client-cert-optional` critical, on each).
    #[test]
    fn an_apis_refusal_in_its_error_codes_is_another_page() {
        let protected = r#"{"data":{"orders":[{"id":"ord-2001","total":42}]}}"#;
        for refusal in [
            r#"{"data":null,"errors":[{"message":"Unauthenticated","extensions":{"code":"UNAUTHENTICATED"}}]}"#,
            r#"{"detail":"Authentication credentials were not provided."}"#,
            r#"{"error":"access_denied"}"#,
        ] {
            let seen = [
                page(ProbeId::NO_CLIENT_CERT, refusal, false),
                page(ProbeId::VALID_CLIENT_CERT, protected, true),
            ];
            assert!(view(&seen).served_another_page(&seen[0]), "{refusal}");
        }
    }

    /// The valid certificate is served an empty body (a 204 of a write API, an event stream that
    /// has sent nothing yet): the anonymous client's `200 {"error":"unauthorized"}` is another
    /// page (unread), not the protected one served (an audit's: critical, F). A page that says
    /// nothing of refusing stays served.
    #[test]
    fn a_refusal_beside_an_empty_protected_answer_is_another_page() {
        let mut valid = obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(204));
        valid = with_cert(valid);
        let seen = [
            page(
                ProbeId::NO_CLIENT_CERT,
                r#"{"error":"unauthorized"}"#,
                false,
            ),
            valid.clone(),
        ];
        assert!(view(&seen).served_another_page(&seen[0]));
        let seen = [
            page(
                ProbeId::NO_CLIENT_CERT,
                r#"{"orders":[{"id":1017}]}"#,
                false,
            ),
            valid,
        ];
        assert!(!view(&seen).served_another_page(&seen[0]));
    }

    /// A short protected page (too short to be held by its tokens) written on after a refusal
    /// line, inside a 403's markup or before an error line, each body read whole: no refusal (a
    /// review's Go and PHP handlers, A, exit 0). A refusal holding a shorter answer, a line of
    /// text, or one that is not the page as written, is still a refusal.
    #[test]
    fn a_refusal_carrying_a_short_protected_page_is_no_refusal() {
        let seen_with = |valid: &str, refusal: &str| {
            let mut v = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
            v.body_excerpt = Some(valid.to_owned());
            let mut r = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
            r.body_excerpt = Some(refusal.to_owned());
            [r, v]
        };
        for (valid, refusal) in [
            (
                r#"{"secret":"account-balance-42","path":"/api"}"#,
                r#"Forbidden {"secret":"account-balance-42","path":"/api"}"#,
            ),
            (r#"{"balance":42}"#, r#"Access denied {"balance":42}"#),
            (
                r#"{"balance":42,"owner":"jane"}"#,
                r#"<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1> {"balance":42,"owner":"jane"} </body></html>"#,
            ),
            (
                r#"{"balance":42,"owner":"jane"}"#,
                r#"{"balance":42,"owner":"jane"} {"error":"unauthorized"}"#,
            ),
            (r#"{"balance":42}"#, r#"{"balance":42}"#),
            // Text holding figures (a review's Go `http.Error` and PHP `echo` without a return).
            (
                "SECRET customer orders: order-1001 widgets 42, order-1002 gadgets 17, account balance 98765",
                "Forbidden\nSECRET customer orders: order-1001 widgets 42, order-1002 gadgets 17, account balance 98765",
            ),
            (
                "Welcome, test-client. Your balance is 98765 EUR.",
                "Access denied Welcome, test-client. Your balance is 98765 EUR.",
            ),
        ] {
            let seen = seen_with(valid, refusal);
            assert!(
                view(&seen).refused_with_the_valid_page(&seen[0]),
                "{valid} in {refusal}"
            );
        }
        for (valid, refusal) in [
            // Too short to tell: a word any page may hold.
            ("ok", "not ok: forbidden"),
            (r#"{"ok":1}"#, r#"Forbidden {"ok":1}"#),
            // Other numbers, another value: not the page.
            (r#"{"balance":42}"#, r#"Access denied {"balance":0}"#),
            (r#"{"balance":42}"#, r#"Access denied {"balance":"hidden"}"#),
            // An empty document holds nothing; a valid answer that is a refusal is no page.
            ("[]         ", "Forbidden []           "),
            (
                "access denied to this resource",
                "403 access denied to this resource",
            ),
            // A line of text may be a banner every page carries (a review's gateway).
            (
                "Acme Corp internal API gateway",
                "Forbidden. Acme Corp internal API gateway",
            ),
            // A banner's version or year is no figure; nor are two digits.
            (
                "Acme internal API gateway 1.22.1 (c) 2024",
                "Forbidden. Acme internal API gateway 1.22.1 (c) 2024",
            ),
            (
                "Acme gateway v2.4, 12 nodes",
                "Forbidden. Acme gateway v2.4, 12 nodes",
            ),
            // Another figure: not the page.
            (
                "Your balance is 98765 EUR.",
                "Access denied. Your balance is 0 EUR.",
            ),
        ] {
            let seen = seen_with(valid, refusal);
            assert!(
                !view(&seen).refused_with_the_valid_page(&seen[0]),
                "{valid} in {refusal}"
            );
        }
    }

    /// A 403 holding the protected JSON data re-serialised (indented, keys sorted, one key left
    /// out) is no refusal, told apart from the page as written (the verdict says which); a 403
    /// repeating a small page's values is a refusal.
    #[test]
    fn a_refusal_carrying_the_protected_data_in_another_form_is_no_refusal() {
        let seen_with = |valid: &str, refusal: &str| {
            let mut v = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
            v.body_excerpt = Some(valid.to_owned());
            v.body_json_pairs = super::page::json_pairs(valid.as_bytes(), true);
            let mut r = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
            r.body_excerpt = Some(refusal.to_owned());
            r.body_json_pairs = super::page::json_pairs(refusal.as_bytes(), false);
            [r, v]
        };
        let seen = seen_with(
            r#"{"orders":[{"id":558812,"total":4821.5,"sku":"WID-7"},{"id":558813,"total":12.25,"sku":"BLT-2"}]}"#,
            "{\"error\": \"forbidden\", \"orders\": [\n  {\"sku\": \"WID-7\", \"total\": 4821.5, \"id\": 558812},\n  {\"total\": 12.25, \"id\": 558813}\n]}",
        );
        let view = view(&seen);
        assert!(view.refused_with_the_valid_page(&seen[0]));
        assert!(view.refused_with_the_valid_data(&seen[0]));
        assert!(!view.refused_with_the_valid_page_as_written(&seen[0]));
        let seen = seen_with(
            r#"{"order_id":558812}"#,
            r#"{"error":"forbidden","order_id":558812}"#,
        );
        assert!(!self::view(&seen).refused_with_the_valid_page(&seen[0]));
    }

    /// A 403 whose body is the protected page the valid certificate is served with 200 (a filter
    /// that sets the status and lets the handler write on): no refusal can be read from it. A
    /// 403 with a page of its own is a refusal, as before.
    #[test]
    fn a_refusal_carrying_the_protected_page_is_no_refusal() {
        let page = |id, outcome, status, body: &str, cert: bool| {
            let mut o = obs(id, outcome, Some(status));
            o.body_excerpt = Some(body.to_owned());
            if cert {
                o = with_cert(o);
            }
            o
        };
        let protected =
            r#"{"data":"protected-resource-42","orders":[1001,1002],"hello":"test-client"}"#;
        let valid = page(
            ProbeId::VALID_CLIENT_CERT,
            Outcome::Served,
            200,
            protected,
            true,
        );
        let leaked = page(
            ProbeId::NO_CLIENT_CERT,
            Outcome::RefusedHttp,
            403,
            protected,
            false,
        );
        let seen = [leaked.clone(), valid.clone()];
        assert!(view(&seen).refused_with_the_valid_page(&seen[0]));
        // The same page naming its caller: the holder's name where the valid certificate was
        // served, another word without one.
        let mut named = valid.clone();
        named.body_excerpt = Some(protected.replace("test-client", "probe"));
        let anonymous = page(
            ProbeId::NO_CLIENT_CERT,
            Outcome::RefusedHttp,
            403,
            &protected.replace("test-client", "anonymous"),
            false,
        );
        let seen = [anonymous.clone(), named.clone()];
        assert!(view(&seen).refused_with_the_valid_page(&seen[0]));
        // The same page with an id of its own per answer (an audit's JDK server's `request_id`).
        let with_id = |id: &str, mut o: crate::facts::ProbeObservation| {
            o.body_excerpt = Some(format!(r#"{{"request_id":"{id}",{}"#, &protected[1..]));
            o
        };
        let seen = [
            with_id("328ecb40-ff6e-4336-8e9e-2acbc2e214f1", leaked.clone()),
            with_id("565ed766-253e-468e-8de2-372910968904", valid.clone()),
        ];
        assert!(view(&seen).refused_with_the_valid_page(&seen[0]));
        // Another word elsewhere than the holder's name: another page.
        let mut elsewhere = anonymous;
        elsewhere.body_excerpt = Some(
            protected
                .replace("test-client", "anonymous")
                .replace("orders", "errors"),
        );
        let seen = [elsewhere, named];
        assert!(!view(&seen).refused_with_the_valid_page(&seen[0]));
        let refused = page(
            ProbeId::NO_CLIENT_CERT,
            Outcome::RefusedHttp,
            403,
            r#"{"error":"forbidden","reason":"client certificate required"}"#,
            false,
        );
        let seen = [refused, valid];
        assert!(!view(&seen).refused_with_the_valid_page(&seen[0]));
        // Two pages longer than the excerpt sharing their first 256 characters (a 403 in the
        // site's own layout): not told apart, so not called the same.
        let layout = format!(
            "<html><head><title>Acme</title></head><body><nav>{}</nav>",
            "home docs orders account ".repeat(12)
        );
        let valid = page(
            ProbeId::VALID_CLIENT_CERT,
            Outcome::Served,
            200,
            &layout,
            true,
        );
        let denied = page(
            ProbeId::NO_CLIENT_CERT,
            Outcome::RefusedHttp,
            403,
            &layout,
            false,
        );
        let seen = [denied.clone(), valid.clone()];
        assert!(!view(&seen).refused_with_the_valid_page(&seen[0]));
        // Their whole bodies, read whole: the same page (a digest of each) or two pages.
        let whole = |mut o: crate::facts::ProbeObservation, body: &str| {
            o.body_page = crate::probe::page::token_hashes(body.as_bytes());
            o.body_numbers = crate::probe::page::number_hashes(body.as_bytes());
            o
        };
        let protected = format!("{layout}<main>orders 1017 1018</main></body></html>");
        let refusal = format!("{layout}<main>sign in with your certificate</main></body></html>");
        let seen = [
            whole(denied.clone(), &protected),
            whole(valid.clone(), &protected),
        ];
        assert!(view(&seen).refused_with_the_valid_page(&seen[0]));
        let seen = [
            whole(denied.clone(), &refusal),
            whole(valid.clone(), &protected),
        ];
        assert!(!view(&seen).refused_with_the_valid_page(&seen[0]));
        // Naming its caller: the holder's name where the valid certificate was served.
        let named = |who: &str| format!("{protected}<footer>caller {who}</footer>");
        let seen = [
            whole(denied, &named("anonymous")),
            whole(valid, &named("probe")),
        ];
        assert!(view(&seen).refused_with_the_valid_page(&seen[0]));
    }
}

#[cfg(test)]
mod what_was_sent_tests {
    use super::recorded::{obs, with_cert};
    use super::{what_was_sent, ProbeId};
    use crate::facts::Outcome;

    /// The qualifiers read from the origin, commas where the sentence goes on.
    #[test]
    fn a_certificate_is_named_with_what_was_special_about_it() {
        let sent = |origin: &str, what: &str| {
            let mut o = with_cert(obs(ProbeId::FORGED_CLIENT_CERT, Outcome::Served, Some(200)));
            if let Some(c) = o.client_cert.as_mut().map(std::sync::Arc::make_mut) {
                c.origin = origin.to_owned();
            }
            what_was_sent(what, &o)
        };
        assert_eq!(sent("minted", "a cert"), "a cert");
        assert_eq!(sent("minted", "a cert,"), "a cert,");
        assert_eq!(
            sent(
                "minted: unknown CA, the valid certificate's subject",
                "a cert"
            ),
            "a cert (claiming the valid certificate's subject and names)"
        );
        let unlinked = sent(
            "forged: advertised CA name, no key identifier, our EC signature",
            "a forgery, signed by our own key,",
        );
        assert!(
            unlinked.starts_with("a forgery, signed by our own key, without an authority key")
                && unlinked.ends_with("a bad signature),"),
            "{unlinked}"
        );
        let with_ca = sent(
            "minted: unknown CA, sent with that CA's certificate in the chain",
            "a cert",
        );
        assert!(
            with_ca.starts_with("a cert, sent with that CA's own self-signed")
                && with_ca.ends_with("as roots do),"),
            "{with_ca}"
        );
        let staging = sent(
            "minted: staging CA, expired, sent with the staging CA's certificate in the chain",
            "an expired certificate",
        );
        assert!(
            staging.starts_with("an expired certificate, sent with the staging CA's own")
                && staging.ends_with("its library checks),")
                && !staging.contains("self-signed")
                && !staging.contains("not that CA's"),
            "{staging}"
        );
        let forged = sent(
            "forged: advertised CA name, our signature, sent with the server's client CA \
             certificate in the chain",
            "a forgery, signed by our own key,",
        );
        assert!(
            forged.starts_with("a forgery, signed by our own key, sent with the certificate of")
                && forged.ends_with("public certificate),"),
            "{forged}"
        );
        let named = sent(
            "forged: advertised CA name, that CA's key identifier, our signature",
            "a forgery, signed by our own key,",
        );
        assert!(
            named.starts_with("a forgery, signed by our own key, its authority key identifier")
                && named.ends_with("lets it in),"),
            "{named}"
        );
    }
}
