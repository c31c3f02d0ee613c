//! `tls-config-exposed`: GETs a short list of well-known configuration and debug paths, once
//! without a certificate and once with the user's (when one is given), over whichever TLS version
//! the server picks among those scanned. A 2xx body that reads as configuration is exposed
//! (medium); one that shows client or server authentication switched off is high (see
//! [`crate::checks::config_body`] for the settings recognised).
//!
//! Bounded: a random control path first, per identity, and [`PATHS`] only when it got an HTTP
//! answer (so a server that refuses the identity in the handshake, or nginx's TLS module with its
//! own certificate page, costs one connection);
//! [`TIMEOUT`] each, bodies capped at [`BODY_CAP`] (the rest is never read), no redirect followed.
//! A server that answers every path alike (an SPA catch-all, a lab that says `ok`) is recognised
//! by the random path's answer and not flagged.
//!
//! Never a false pass: an answer that could not be read (a time-out, a reset or close without an
//! alert, an answer that is no HTTP, a 2xx body that broke off) is asked for again, alone, up to
//! twice ([`RETRY_AFTER`]); one that still cannot be read makes the target incomplete (one entry
//! per path and identity, or one for the identity when its control path could not be read, since
//! then no path was asked). An HTTP answer of any status, and a refusal of the identity in TLS (an
//! alert, or a close without one that repeats), are answers.

use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use tokio::task::JoinSet;

use crate::checks::config_body::{self as config_leak, BodyFormat, Classified};
use crate::facts::{IncompleteProbe, Outcome, TlsVersion};
use crate::finding::remediation::Stack;
use crate::finding::{Finding, FindingId, Severity};
use crate::target::Target;
use crate::transport::tls::{CertChooser, SharedRecord};
use crate::transport::{self as exchange, ExchangeResult, ExchangeSetup, Limits};

/// The paths probed, and why each earns its place.
pub const PATHS: &[(&str, &str)] = &[
    ("/actuator/env", "Spring Boot actuator: every property, `server.ssl.client-auth` included"),
    ("/actuator/configprops", "Spring Boot actuator: bound @ConfigurationProperties (`server.ssl.clientAuth`)"),
    ("/env", "Spring Boot 1.x actuator env, and ad hoc environment dumps"),
    ("/debug/vars", "Go expvar: published variables, often the TLS config"),
    ("/debug/config", "ad hoc debug config dumps (Go `%+v` of a tls.Config, JSON)"),
    ("/config", "ad hoc config endpoints (JSON, YAML)"),
    ("/config_dump", "Envoy admin config dump (`require_client_certificate`) when the admin is on the public listener"),
    ("/debug/configz", "istiod debug endpoint (PeerAuthentication `PERMISSIVE`)"),
    ("/.env", "dotenv file served by a static handler (`NODE_TLS_REJECT_UNAUTHORIZED=0`, secrets)"),
    ("/server-status", "Apache mod_status / nginx stub_status"),
];

/// Deadline of each request, at least (capped by the scan's own timeout; a third of it where
/// that is longer: a `--timeout 30` given for a far or one-connection-at-a-time server gives each
/// path 10 s, where 3 s left an audit's `openssl s_server` 300 ms away unread).
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// Bytes of body read at most per path.
pub const BODY_CAP: usize = 64 * 1024;
/// Waits before the attempts after the first of a request whose answer could not be read.
pub const RETRY_AFTER: [Duration; 2] = [Duration::from_millis(25), Duration::from_millis(250)];
/// The same waits after a busy answer (429, 502–504).
pub const BUSY_RETRY_AFTER: [Duration; 2] =
    [Duration::from_millis(1000), Duration::from_millis(2000)];

pub use crate::checks::config_body::ConfigObservation;

use crate::facts::ProbeId;

impl ProbeId {
    /// `tls-config-exposed`: Well-known configuration paths.
    pub const TLS_CONFIG_EXPOSED: ProbeId = ProbeId::new("tls-config-exposed");
}

/// The probe's result on one target.
#[derive(Debug, Default)]
pub struct ConfigScan {
    /// Every path, per identity (the control path last).
    pub observations: Vec<ConfigObservation>,
    /// `tls-config-exposed`, when anything is.
    pub finding: Option<Finding>,
    /// The stack the leaks point at.
    pub stack_hint: Option<Stack>,
    /// Requests whose answer could not be read (the target is incomplete).
    pub incomplete: Vec<IncompleteProbe>,
}

/// What the probe needs.
pub struct ConfigProbe<'a> {
    /// The crypto provider.
    pub provider: &'a Arc<CryptoProvider>,
    /// The versions the server may pick from.
    pub versions: &'a [TlsVersion],
    /// The user's certificate, when given.
    pub identity: Option<Arc<dyn CertChooser>>,
    /// The scan's timeout (each request gets the smaller of it and [`TIMEOUT`], or a third of
    /// it where that is longer).
    pub timeout: Duration,
    /// When the scan's total deadline expires (no request runs past it).
    pub scan_until: Option<tokio::time::Instant>,
    /// Judges where the user's headers may go.
    pub header_trust: Option<Arc<dyn exchange::HeaderTrust>>,
    /// The scan's concurrency limits.
    pub permits: &'a Arc<crate::permits::Permits>,
}

fn control_path() -> String {
    let mut r = [0u8; 8];
    let _ = aws_lc_rs::rand::fill(&mut r);
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    format!("/mtls-scan-{hex}")
}

/// Runs the probe on one target.
pub async fn run(target: &Target, probe: ConfigProbe<'_>) -> ConfigScan {
    let control = control_path();
    let fetcher = Fetcher {
        target: target.clone(),
        provider: probe.provider.clone(),
        header_trust: probe.header_trust.clone(),
        permits: probe.permits.clone(),
        versions: probe.versions.to_vec(),
        limits: Limits {
            timeout: probe.timeout.min(TIMEOUT.max(probe.timeout / 3)),
            body_cap: BODY_CAP,
            header_cap: Limits::default().header_cap,
            excerpt_chars: 0,
            scan_until: probe.scan_until,
        },
        last_timeout: probe.timeout,
    };
    let identities: Vec<Option<Arc<dyn CertChooser>>> = std::iter::once(None)
        .chain(probe.identity.clone().map(Some))
        .collect();
    let mut set = JoinSet::new();
    let mut tasks = Vec::new();
    for (who, chooser) in identities.into_iter().enumerate() {
        let (fetcher, mine) = (fetcher.clone(), control.clone());
        let task = set.spawn(async move { fetcher.round(who, chooser, mine).await });
        tasks.push((task.id(), (who, control.clone())));
    }
    let mut results: Vec<Fetched> = Vec::new();
    while let Some(joined) = set.join_next_with_id().await {
        match joined {
            Ok((_, r)) => results.extend(r),
            // A round that failed asked nothing that can be judged: its control path stands
            // unread, so the identity is incomplete.
            Err(e) => {
                if let Some((_, (who, path))) = tasks.iter().find(|(id, _)| *id == e.id()) {
                    results.push(task_failed(*who, path.clone(), &e));
                }
            }
        }
    }
    let order = |p: &str| {
        PATHS
            .iter()
            .position(|(q, _)| *q == p)
            .unwrap_or(PATHS.len())
    };
    results.sort_by_key(|(who, path, _, _)| (*who, order(path)));
    judge(&results, &control)
}

/// nginx's own certificate pages (400 "No required SSL certificate was sent", "The SSL
/// certificate error"): its TLS module answers them for every request of a server before any
/// location or rewrite is looked at (see `checks::refusal::tls_module_refusal`).
fn nginx_certificate_page(r: &ExchangeResult) -> bool {
    crate::checks::refusal::nginx_own_certificate_page(
        r.http_status,
        Some(&String::from_utf8_lossy(&r.body)),
        r.server_header.as_deref(),
    )
}

/// One request's result: (identity index, path, certificate presented, exchange).
type Fetched = (usize, String, bool, ExchangeResult);

/// A request whose task failed (a panic): nothing was read.
fn task_failed(who: usize, path: String, e: &tokio::task::JoinError) -> Fetched {
    let r = ExchangeResult {
        outcome: Some(Outcome::Error),
        detail: Some(format!("internal error: the request's task failed ({e})")),
        ..ExchangeResult::default()
    };
    (who, path, false, r)
}

/// Why an exchange tells nothing about its path, when it does not: neither an HTTP answer nor the
/// server's refusal of the identity in TLS (an alert, a version it does not speak, or a close
/// without an alert once it has repeated). `None` when the server answered or refused.
fn unreadable(r: &ExchangeResult) -> Option<String> {
    let why = || {
        r.detail
            .clone()
            .unwrap_or_else(|| "no answer could be read".to_owned())
    };
    match r.http_status {
        // A rate limit or an overloaded proxy (the burst of paths is what trips them) says
        // nothing of the path.
        Some(status) if exchange::is_busy_status(status) => {
            return Some(format!(
                "{}: says nothing of this path",
                exchange::busy_status_words(status)
            ));
        }
        // A rate limiter's page whatever its status (a 200 "Slow down"): no answer of the path.
        // Taken for the control path's answer, it made a catch-all's every other page (the
        // orders) look like configuration (a sweep's Go limiter, 2 runs in 35: medium).
        Some(_) if r.outcome == Some(Outcome::Inconclusive) => return Some(why()),
        Some(_) => return None,
        None => {}
    }
    match r.outcome {
        Some(Outcome::RefusedTls) if r.unconfirmed => Some(format!(
            "{}; a refusal by a close without an alert counts only when it repeats",
            why()
        )),
        Some(
            Outcome::RefusedTls
            | Outcome::UnsupportedVersion
            | Outcome::Served
            | Outcome::RefusedHttp
            | Outcome::Answered,
        ) => None,
        // An alert is the server's own word.
        Some(Outcome::Error) if r.alert.is_some() => None,
        Some(Outcome::Error | Outcome::Inconclusive) | None => Some(why()),
    }
}

/// A 2xx whose body broke off (a stall or a reset mid-body, before the cap): what was not read
/// could hold the setting. `None` for a whole body, a body cut at the cap, and other statuses.
fn broken_body(r: &ExchangeResult) -> Option<String> {
    let ok = r.http_status.is_some_and(|s| (200..300).contains(&s));
    (ok && !r.complete && !r.truncated).then(|| {
        let status = r.http_status.unwrap_or_default();
        match r.detail.as_deref() {
            // Its head was not taken (a control byte in a header): nothing broke off, the body
            // was never read (an audit's ESC in a header value was "broke off after 0 bytes").
            Some(d) if d.starts_with(crate::transport::HEAD_REJECTED) => {
                format!("HTTP {status}, but its body was not read: {d}")
            }
            _ => format!(
                "HTTP {status}, but the body broke off after {} bytes",
                r.body.len()
            ),
        }
    })
}

/// Worth asking again: unreadable, or a 2xx whose body broke off.
fn needs_retry(r: &ExchangeResult) -> bool {
    // A certificate that could not be presented stays so: another try would be the same.
    !r.unpresentable && (unreadable(r).is_some() || broken_body(r).is_some())
}

/// The answer that stands after another attempt: a close without an alert that repeats is a
/// refusal; otherwise the newer answer, saying what the earlier one was when it too failed.
fn settle(old: Fetched, mut new: Fetched, attempts: usize) -> Fetched {
    let (o, n) = (&old.3, &mut new.3);
    if o.unconfirmed && n.unconfirmed {
        n.unconfirmed = false;
        n.detail = Some(format!(
            "{} (the same on {attempts} attempts: a refusal)",
            n.detail.clone().unwrap_or_default()
        ));
    } else if needs_retry(n) {
        n.detail = Some(crate::text::retried_reason(
            o.detail.as_deref().unwrap_or_default(),
            n.detail.as_deref().unwrap_or_default(),
            attempts,
        ));
    }
    new
}

/// What every request of the probe shares.
#[derive(Clone)]
struct Fetcher {
    target: Target,
    provider: Arc<CryptoProvider>,
    header_trust: Option<Arc<dyn exchange::HeaderTrust>>,
    permits: Arc<crate::permits::Permits>,
    versions: Vec<TlsVersion>,
    limits: Limits,
    /// The last attempt's deadline: the scan's own timeout, not the shorter one of the others
    /// (review V: an `openssl s_server` 100 ms away, one connection at a time, kept each request
    /// waiting behind the scan's other connections past 3.3 s three times: a correct server,
    /// exit 3).
    last_timeout: Duration,
}

impl Fetcher {
    /// One identity's round, on one keep-alive connection: the random control path first, then,
    /// when it got an HTTP answer (whatever the status), every path on the same connection
    /// (HTTP/1.1 one after another, HTTP/2 as streams). Paths the connection could not carry (the
    /// server closed it, a body went over the cap) go on new connections, concurrently, and so do
    /// paths whose answer on it could not be read. A server that refuses this identity in the
    /// handshake, or is not HTTP, costs one connection (two when it refuses by a bare close, which
    /// counts only when it repeats); one whose control path stays unreadable after
    /// [`RETRY_AFTER`] gets no other path asked.
    async fn round(
        self,
        who: usize,
        chooser: Option<Arc<dyn CertChooser>>,
        control: String,
    ) -> Vec<Fetched> {
        let paths: Vec<String> = std::iter::once(control.clone())
            .chain(PATHS.iter().map(|(p, _)| (*p).to_owned()))
            .collect();
        let record = SharedRecord::default();
        let results = {
            let _permit = self.permits.acquire(&self.target.server_key()).await;
            let setup = ExchangeSetup {
                // A refusal right after the handshake (TLS 1.3) is read before the request, so a
                // server that refuses the identity is told apart from one that is unreadable.
                await_alert: true,
                pacer: Some(self.permits.pacer(&self.target.server_key())),
                header_trust: self.header_trust.clone(),
                // A 426 on a configuration path serves nothing: no socket opened.
                open_websockets: false,
                ..ExchangeSetup::new(&self.provider, &self.versions, chooser.clone(), self.limits)
            };
            exchange::run_paths(&self.target, setup, &record, &paths).await
        };
        let sent = record.lock().sent.is_some();
        let carried = results.len().max(1);
        let mut out: Vec<Fetched> = paths
            .iter()
            .zip(results)
            .map(|(path, r)| (who, path.clone(), sent, r))
            .collect();
        if out.is_empty() {
            let r = ExchangeResult {
                outcome: Some(Outcome::Error),
                detail: Some("no result".to_owned()),
                ..ExchangeResult::default()
            };
            out.push((who, control.clone(), sent, r));
        }
        // The control path's answer could not be read (a stall, a reset, a close to confirm;
        // a path later on the connection stalling ends the whole connection the same way), or
        // its 2xx head came with no byte of its body (a review's Go server answering after 3 s,
        // its streams' bodies cut at 0 bytes one run in three): ask for it again, alone. A body
        // that trickles and stalls is not asked again (it would stall again, a probe's timeout
        // more), and stands unread as a control (`judge`).
        let no_body = |r: &ExchangeResult| broken_body(r).is_some() && r.body.is_empty();
        if out
            .first()
            .is_some_and(|f| unreadable(&f.3).is_some() || no_body(&f.3))
        {
            let first = out.remove(0);
            let again = self.again(who, chooser.clone(), first, true).await;
            out.insert(0, again);
        }
        let answered = out.first().is_some_and(|f| f.3.http_status.is_some());
        if !answered {
            out.truncate(1);
            return out;
        }
        if out
            .first()
            .is_some_and(|(_, _, _, r)| nginx_certificate_page(r))
        {
            // nginx's TLS module refused the request before any routing: every path of this
            // server gets the same page, as a refusal in the handshake would.
            return out;
        }
        // Each path the connection did not carry, or carried without a readable answer, on a
        // connection of its own (again, up to twice, while unreadable).
        let mut redo: Vec<Option<Fetched>> = paths.iter().skip(carried).map(|_| None).collect();
        let mut todo: Vec<String> = paths.iter().skip(carried).cloned().collect();
        let mut kept = Vec::with_capacity(out.len());
        for (i, f) in out.into_iter().enumerate() {
            if i > 0 && needs_retry(&f.3) {
                todo.push(f.1.clone());
                redo.push(Some(f));
            } else {
                kept.push(f);
            }
        }
        let mut set = JoinSet::new();
        let mut tasks = Vec::new();
        for (path, before) in todo.into_iter().zip(redo) {
            let (me, chooser) = (self.clone(), chooser.clone());
            let task_path = path.clone();
            let task = set.spawn(async move {
                match before {
                    Some(before) => me.again(who, chooser, before, false).await,
                    None => {
                        let first = me.fetch(who, chooser.clone(), path, false, me.limits).await;
                        if needs_retry(&first.3) {
                            me.again(who, chooser, first, false).await
                        } else {
                            first
                        }
                    }
                }
            });
            tasks.push((task.id(), task_path));
        }
        while let Some(joined) = set.join_next_with_id().await {
            match joined {
                Ok((_, r)) => kept.push(r),
                Err(e) => {
                    if let Some((_, path)) = tasks.iter().find(|(id, _)| *id == e.id()) {
                        kept.push(task_failed(who, path.clone(), &e));
                    }
                }
            }
        }
        kept
    }

    /// Asks for `before`'s path again, after [`RETRY_AFTER`], while its answer cannot be read.
    async fn again(
        &self,
        who: usize,
        chooser: Option<Arc<dyn CertChooser>>,
        mut before: Fetched,
        await_alert: bool,
    ) -> Fetched {
        for (n, wait) in RETRY_AFTER.iter().enumerate() {
            if !needs_retry(&before.3) || self.limits.expired() {
                break;
            }
            // A busy answer (429, 503: a rate limit the scan's own burst tripped) is asked again
            // once the limiter has had time to refill (a review's nginx `limit_req` 5 r/s: a
            // correct server left unread, exit 3, where 250 ms were waited).
            let busy = before.3.http_status.is_some_and(exchange::is_busy_status);
            let wait = if busy {
                BUSY_RETRY_AFTER.get(n).copied().unwrap_or(*wait).max(*wait)
            } else {
                *wait
            };
            tokio::time::sleep(wait).await;
            let path = before.1.clone();
            let limits = if n + 1 == RETRY_AFTER.len() {
                Limits {
                    timeout: self.last_timeout.max(self.limits.timeout),
                    ..self.limits
                }
            } else {
                self.limits
            };
            let now = self
                .fetch(who, chooser.clone(), path, await_alert, limits)
                .await;
            before = settle(before, now, n + 2);
        }
        before
    }

    async fn fetch(
        &self,
        who: usize,
        chooser: Option<Arc<dyn CertChooser>>,
        path: String,
        await_alert: bool,
        limits: Limits,
    ) -> Fetched {
        let _permit = self.permits.acquire(&self.target.server_key()).await;
        let record = SharedRecord::default();
        let setup = ExchangeSetup {
            path: Some(&path),
            await_alert,
            pacer: Some(self.permits.pacer(&self.target.server_key())),
            header_trust: self.header_trust.clone(),
            open_websockets: false,
            ..ExchangeSetup::new(&self.provider, &self.versions, chooser, limits)
        };
        let result = exchange::run(&self.target, setup, &record).await;
        let sent = record.lock().sent.is_some();
        (who, path, sent, result)
    }
}

fn judge(results: &[Fetched], control: &str) -> ConfigScan {
    let mut out = ConfigScan::default();
    let mut exposed: Vec<(ConfigObservation, Classified)> = Vec::new();
    let whos: Vec<usize> = {
        let mut w: Vec<usize> = results.iter().map(|r| r.0).collect();
        w.dedup();
        w
    };
    for who in whos {
        let mine: Vec<&Fetched> = results.iter().filter(|r| r.0 == who).collect();
        let control_answer = mine
            .iter()
            .find(|r| r.1 == control)
            .filter(|r| r.3.http_status.is_some_and(|s| (200..300).contains(&s)))
            .filter(|r| unreadable(&r.3).is_none() && broken_body(&r.3).is_none())
            .map(|r| {
                (
                    r.3.body.clone(),
                    config_leak::classify(&r.3.body, r.3.content_type.as_deref()),
                )
            });
        let whose = if who == 0 {
            "without a client certificate"
        } else {
            "with the scan's client certificate"
        };
        let incomplete = |reason: String, r: &ExchangeResult| IncompleteProbe {
            probe: ProbeId::TLS_CONFIG_EXPOSED.as_str().to_owned(),
            tls_version: r.tls_version,
            reason,
        };
        // A 2xx body that broke off is no answer to compare with: taken as one (empty), every
        // configuration-like page of a catch-all read as exposed (a review's slow Go server:
        // high, one run in three).
        let control_unread = mine.iter().find(|r| r.1 == control).and_then(|r| {
            unreadable(&r.3)
                .or_else(|| broken_body(&r.3))
                .map(|why| (why, r))
        });
        let control_read = control_unread.is_none();
        if let Some((why, r)) = control_unread {
            // A busy answer is an HTTP answer: the paths were requested, and judged on their own.
            let then = if r.3.http_status.is_some() {
                "so nothing is judged against it"
            } else {
                "so no configuration path was requested"
            };
            out.incomplete.push(incomplete(
                format!(
                    "GET {control} (a random control path, {whose}) could not be read: {why}; \
                     {then}"
                ),
                &r.3,
            ));
        }
        for (_, path, sent, r) in mine {
            let mut unread = if path == control {
                None
            } else {
                unreadable(r).or_else(|| broken_body(r))
            };
            let mut obs = ConfigObservation {
                path: path.clone(),
                client_cert: *sent,
                http_status: r.http_status,
                tls_version: r.tls_version,
                bytes_read: r.body.len(),
                truncated: r.truncated,
                format: None,
                kind: None,
                exposed: false,
                auth_off: Vec::new(),
                redacted: Vec::new(),
                note: r.http_status.is_none().then(|| r.detail.clone()).flatten(),
                ms: (r.elapsed.as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
            };
            let ok = r.http_status.is_some_and(|s| (200..300).contains(&s));
            if ok && path != control {
                let c = config_leak::classify(&r.body, r.content_type.as_deref());
                obs.format = Some(c.format);
                obs.kind = c.kind.map(str::to_owned);
                let catch_all = control_answer
                    .as_ref()
                    .is_some_and(|(body, cc)| same_answer(body, cc, &r.body, &c));
                if catch_all {
                    obs.note = Some("same answer as a random path (catch-all)".to_owned());
                } else if c.config_like && !control_read {
                    // Without the control path's answer, a server that answers every path
                    // alike cannot be told from an exposure (an audit's catch-all app behind a
                    // 429 limiter: high, though nothing was exposed): unread, not a finding.
                    unread = Some(format!(
                        "HTTP {}, what reads as configuration, but the random control path could \
                         not be read: a server that answers every path alike cannot be ruled out",
                        r.http_status.unwrap_or_default()
                    ));
                } else if c.config_like {
                    obs.exposed = true;
                    obs.auth_off = c.auth_off.clone();
                    obs.redacted = c.secrets.clone();
                    exposed.push((obs.clone(), c));
                } else if r.truncated
                    && c.format == config_leak::BodyFormat::Text
                    && config_leak::json_like(&String::from_utf8_lossy(&r.body))
                {
                    // A JSON document cut at the cap, that nothing in what was read tells: the
                    // rest may hold the setting.
                    unread = Some(format!(
                        "HTTP {}, a JSON document cut at the {} KiB cap that does not parse: what \
                         was not read may be configuration",
                        r.http_status.unwrap_or_default(),
                        BODY_CAP / 1024
                    ));
                } else {
                    obs.note = Some("2xx, but not configuration".to_owned());
                }
            } else if path == control {
                obs.note = Some(if r.http_status.is_some() {
                    "random control path".to_owned()
                } else {
                    format!(
                        "random control path: no HTTP answer ({}), so no path was requested",
                        r.detail
                            .as_deref()
                            .or(r.alert.as_deref())
                            .unwrap_or("refused")
                    )
                });
            }
            if let Some(why) = unread.filter(|_| !obs.exposed) {
                out.incomplete
                    .push(incomplete(format!("GET {path} {whose}: {why}"), r));
                if obs.note.is_none() || r.http_status.is_some() {
                    obs.note = Some(why);
                }
            }
            out.observations.push(obs);
        }
    }
    out.stack_hint = exposed
        .iter()
        .find_map(|(_, c)| c.auth_off.iter().find_map(|s| s.stack))
        .or_else(|| exposed.iter().find_map(|(_, c)| c.stack_hint));
    out.finding = finding(&exposed);
    out
}

/// The answer to a path is the server's answer to anything: identical, or the same shape.
fn same_answer(control_body: &[u8], control: &Classified, body: &[u8], c: &Classified) -> bool {
    if control_body == body {
        return true;
    }
    if control.format != c.format {
        return false;
    }
    match c.format {
        BodyFormat::Json | BodyFormat::Yaml | BodyFormat::Properties => {
            !c.shape.is_empty() && c.shape == control.shape
        }
        BodyFormat::Html | BodyFormat::Text => {
            // A JSON document that did not parse (cut at the cap) is not a plain-text catch-all.
            let json_like = |b: &[u8]| config_leak::json_like(&String::from_utf8_lossy(b));
            c.kind.is_none()
                && c.auth_off.len() <= control.auth_off.len()
                && json_like(body) == json_like(control_body)
        }
    }
}

fn finding(exposed: &[(ConfigObservation, Classified)]) -> Option<Finding> {
    // One entry per path: the anonymous answer when there is one.
    let mut paths: Vec<&(ConfigObservation, Classified)> = Vec::new();
    for e in exposed {
        if !paths.iter().any(|p| p.0.path == e.0.path) {
            paths.push(e);
        }
    }
    let (first, _) = paths.first()?;
    // Settings that switch off the check of its own clients' certificates; those that switch off
    // only the check of the servers it calls (outbound) are the other half of mTLS: medium.
    let auth_off = paths
        .iter()
        .any(|(o, _)| o.auth_off.iter().any(|s| !s.outbound));
    let outbound_off = paths
        .iter()
        .any(|(o, _)| o.auth_off.iter().any(|s| s.outbound));
    let describe = |o: &ConfigObservation| {
        let what = o.kind.clone().unwrap_or_else(|| {
            o.format
                .and_then(|f| serde_json::to_value(f).ok())
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "text".to_owned())
        });
        let who = if o.client_cert {
            "with the scan's client certificate"
        } else {
            "without a client certificate"
        };
        format!("{} ({what}, read {who})", o.path)
    };
    let settings = || -> String {
        let found: Vec<String> = paths
            .iter()
            .flat_map(|(o, _)| {
                o.auth_off
                    .iter()
                    .map(|s| format!("{}: {}", s.setting, s.meaning))
            })
            .take(4)
            .collect();
        found.join("; ")
    };
    let detail = if auth_off {
        format!(
            "{} exposes configuration that switches authentication off: {}.",
            describe(first),
            settings()
        )
    } else if outbound_off {
        format!(
            "{} exposes configuration that switches off the verification of the servers it \
             connects to (not of its own clients' certificates): {}.",
            describe(first),
            settings()
        )
    } else {
        let listed: Vec<String> = paths.iter().take(4).map(|(o, _)| describe(o)).collect();
        format!("Configuration is exposed at {}.", listed.join(", "))
    };
    // Secret values (a password, a token, a private key) exposed are high on their own; a key
    // that only looks like one (`primaryKey`, `tokenEndpoint`) or a certificate is not.
    let mut secrets: Vec<&str> = Vec::new();
    for (o, _) in &paths {
        for k in &o.redacted {
            if crate::checks::config_body::surely_secret(k) && !secrets.contains(&k.as_str()) {
                secrets.push(k);
            }
        }
    }
    let detail = if secrets.is_empty() {
        detail
    } else {
        format!(
            "{detail} It exposes secret values too ({}{}; redacted here).",
            secrets
                .iter()
                .take(4)
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            if secrets.len() > 4 { ", …" } else { "" }
        )
    };
    let mut f = Finding::new(FindingId::TlsConfigExposed, detail);
    if !auth_off && secrets.is_empty() {
        f = f.with_severity(Severity::Medium);
    }
    for (o, c) in paths.iter().take(10) {
        let mut e = format!(
            "HTTP {} {}, {} ({} entries), {} bytes read{}",
            o.http_status.unwrap_or_default(),
            if o.client_cert {
                "with a client certificate"
            } else {
                "without a client certificate"
            },
            o.kind.as_deref().unwrap_or(match c.format {
                BodyFormat::Json => "JSON",
                BodyFormat::Yaml => "YAML",
                BodyFormat::Properties => "properties",
                BodyFormat::Html => "HTML",
                BodyFormat::Text => "text",
            }),
            c.entries,
            o.bytes_read,
            if o.truncated { " (capped)" } else { "" }
        );
        if !o.auth_off.is_empty() {
            let s: Vec<&str> = o.auth_off.iter().map(|s| s.setting.as_str()).collect();
            e.push_str(&format!("; authentication off: {}", s.join(", ")));
        }
        if !o.redacted.is_empty() {
            e.push_str(&format!(
                "; secret values redacted: {}",
                o.redacted.join(", ")
            ));
        }
        f.evidence.insert(format!("GET {}", o.path), e);
    }
    let mut versions: Vec<TlsVersion> = paths.iter().filter_map(|(o, _)| o.tls_version).collect();
    versions.sort();
    versions.dedup();
    f.tls_versions = versions;
    Some(f)
}

/// The probe, as the registry lists it.
pub struct TlsConfigExposed;

static SPEC: super::ProbeSpec = super::ProbeSpec {
    id: super::ProbeId::TLS_CONFIG_EXPOSED,
    presents: "GETs of well-known configuration paths (after a random control path), without a certificate and with the positive control's",
    needs: "—",
    findings: &[FindingId::TlsConfigExposed],
};

impl super::TargetProbe for TlsConfigExposed {
    fn spec(&self) -> &'static super::ProbeSpec {
        &SPEC
    }

    fn starts(&self) -> super::Start {
        super::Start::WithFirstWave
    }

    fn run<'a>(
        &'a self,
        target: &'a Target,
        scan: &'a super::ScanContext,
        _first: Option<&'a super::FirstWave>,
    ) -> futures_util::future::BoxFuture<'a, super::TargetOutcome> {
        use futures_util::FutureExt as _;
        async move {
            let probe = ConfigProbe {
                provider: &scan.probes.provider,
                versions: &scan.versions,
                identity: super::valid_client_cert::presentable_chooser(&scan.probes),
                timeout: scan.limits.timeout,
                scan_until: scan.limits.scan_until,
                header_trust: Some(scan.probes.header_trust.clone()),
                permits: &scan.permits,
            };
            let found = run(target, probe).await;
            super::TargetOutcome {
                findings: found.finding.into_iter().collect(),
                incomplete: found.incomplete,
                stack_hint: found.stack_hint,
                section: super::Section::ConfigProbes(found.observations),
                ..super::TargetOutcome::default()
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Outcome;

    const CONTROL: &str = "/mtls-scan-00112233aabbccdd";

    /// Spring Boot's actuator env with client authentication optional.
    const SPRING_ENV: &str = r#"{"activeProfiles":["prod"],"propertySources":[{"name":"applicationConfig","properties":{"server.ssl.client-auth":{"value":"want"},"server.port":{"value":"8443"}}}]}"#;

    /// Configuration without any authentication setting.
    const PLAIN_CONFIG: &str =
        r#"{"service":"api","region":"eu-west-1","workers":8,"log_level":"info","cache_ttl":300}"#;

    /// An HTTP answer to `path` on TLS 1.3, as the transport records it.
    fn answer(who: usize, path: &str, status: u16, body: &str, ct: &str) -> Fetched {
        let r = ExchangeResult {
            outcome: Some(exchange::classify_status(status)),
            http_status: Some(status),
            body: body.as_bytes().to_vec(),
            content_type: Some(ct.to_owned()),
            tls_version: Some(TlsVersion::Tls13),
            complete: true,
            elapsed: Duration::from_millis(3),
            ..ExchangeResult::default()
        };
        (who, path.to_owned(), who > 0, r)
    }

    /// Every path answered 404 except those given.
    fn round(who: usize, control: (u16, &str), given: &[(&str, u16, &str)]) -> Vec<Fetched> {
        let mut out = vec![answer(who, CONTROL, control.0, control.1, "text/plain")];
        for (path, _) in PATHS {
            out.push(match given.iter().find(|(p, _, _)| p == path) {
                Some((_, status, body)) => answer(who, path, *status, body, "application/json"),
                None => answer(who, path, 404, "Not Found", "text/plain"),
            });
        }
        out
    }

    fn ids(scan: &ConfigScan) -> Option<(FindingId, Severity, Vec<TlsVersion>)> {
        scan.finding
            .as_ref()
            .map(|f| (f.id, f.severity, f.tls_versions.clone()))
    }

    /// The finding's detail, empty without one.
    fn detail(scan: &ConfigScan) -> &str {
        scan.finding
            .as_ref()
            .map(|f| f.detail.as_str())
            .unwrap_or_default()
    }

    fn exposed(scan: &ConfigScan) -> Vec<(&str, bool)> {
        scan.observations
            .iter()
            .filter(|o| o.exposed)
            .map(|o| (o.path.as_str(), o.client_cert))
            .collect()
    }

    #[test]
    fn configuration_that_switches_client_auth_off_is_high() {
        let scan = judge(
            &round(0, (404, "Not Found"), &[("/actuator/env", 200, SPRING_ENV)]),
            CONTROL,
        );
        assert_eq!(
            ids(&scan),
            Some((
                FindingId::TlsConfigExposed,
                Severity::High,
                vec![TlsVersion::Tls13]
            ))
        );
        assert_eq!(exposed(&scan), [("/actuator/env", false)]);
        assert_eq!(scan.observations.len(), PATHS.len() + 1);
        assert_eq!(scan.stack_hint, Some(Stack::JavaSpring));
        let f = detail(&scan);
        assert!(
            f.starts_with("/actuator/env (Spring Boot actuator env, read without a client certificate) exposes configuration that switches authentication off"),
            "{f}"
        );
    }

    /// The same exposure served as `text/html` (Flask's and PHP's default type) is read as the
    /// JSON it is; and where the control path could not be read (a 429 limiter), a path that
    /// reads as configuration is unread, not a finding: a catch-all answering every path with the
    /// same JSON cannot be ruled out (an audit's: high on business JSON with a `secret` key).
    #[test]
    fn json_served_as_html_is_read_and_an_unread_control_leaves_exposure_unread() {
        let mut results = round(0, (404, "Not Found"), &[]);
        if let Some(env) = results.iter_mut().find(|r| r.1 == "/actuator/env") {
            *env = answer(
                0,
                "/actuator/env",
                200,
                SPRING_ENV,
                "text/html; charset=utf-8",
            );
        }
        let scan = judge(&results, CONTROL);
        assert_eq!(exposed(&scan), [("/actuator/env", false)]);

        let busy = judge(
            &round(
                0,
                (429, "Too Many Requests"),
                &[("/actuator/env", 200, SPRING_ENV)],
            ),
            CONTROL,
        );
        assert_eq!(ids(&busy), None);
        assert!(exposed(&busy).is_empty());
        let reasons: Vec<&str> = busy.incomplete.iter().map(|i| i.reason.as_str()).collect();
        assert!(
            reasons.iter().any(|r| r.starts_with("GET /actuator/env without a client certificate: HTTP 200, what reads as configuration, but the random control path could not be read")),
            "{reasons:?}"
        );

        // A limiter's 200 "Slow down" page on the control path (the transport reads it as
        // inconclusive) is no answer of a random path either: the catch-all's JSON on a
        // configuration path stays unread (a sweep's Go limiter: medium, 2 runs in 35).
        let mut slow = round(0, (200, "Slow down"), &[("/actuator/env", 200, SPRING_ENV)]);
        if let Some(c) = slow.iter_mut().find(|r| r.1 == CONTROL) {
            c.3.outcome = Some(Outcome::Inconclusive);
            c.3.detail = Some("a rate limiter's page".to_owned());
        }
        let slow = judge(&slow, CONTROL);
        assert_eq!(ids(&slow), None);
        assert!(exposed(&slow).is_empty());
    }

    /// A correct mTLS server leaking what its own outbound calls do (the app-layer audit's Node
    /// server: `NODE_TLS_REJECT_UNAUTHORIZED=0`, a billing client's `rejectUnauthorized: false`):
    /// medium, said to concern the servers it calls, not high "switches authentication off".
    #[test]
    fn outbound_verification_switched_off_is_medium_and_said_so() {
        let env = "NODE_ENV=production\nNODE_TLS_REJECT_UNAUTHORIZED=0\nPORT=8443\n";
        let config = r#"{"server":{"requestCert":true,"rejectUnauthorized":true},
            "billingClient":{"url":"https://billing.internal","rejectUnauthorized":false},
            "db":{"host":"db","pool":5}}"#;
        for (path, body) in [("/.env", env), ("/config", config)] {
            let scan = judge(&round(0, (404, "Not Found"), &[(path, 200, body)]), CONTROL);
            assert_eq!(
                ids(&scan),
                Some((
                    FindingId::TlsConfigExposed,
                    Severity::Medium,
                    vec![TlsVersion::Tls13]
                )),
                "{path}"
            );
            let f = detail(&scan);
            assert!(
                f.contains("the verification of the servers it connects to"),
                "{f}"
            );
        }
        // The same key on the server's own options still switches client auth off: high.
        let own = r#"{"server":{"requestCert":true,"rejectUnauthorized":false},"port":8443,
            "db":{"host":"db","pool":5}}"#;
        let scan = judge(
            &round(0, (404, "Not Found"), &[("/config", 200, own)]),
            CONTROL,
        );
        assert_eq!(ids(&scan).map(|(_, s, _)| s), Some(Severity::High));
    }

    #[test]
    fn configuration_without_an_auth_setting_is_medium() {
        let scan = judge(
            &round(0, (404, "Not Found"), &[("/config", 200, PLAIN_CONFIG)]),
            CONTROL,
        );
        assert_eq!(
            ids(&scan),
            Some((
                FindingId::TlsConfigExposed,
                Severity::Medium,
                vec![TlsVersion::Tls13]
            ))
        );
        assert_eq!(exposed(&scan), [("/config", false)]);
    }

    #[test]
    fn a_catch_all_that_answers_every_path_alike_is_not_exposed() {
        // The random path gets the same JSON as the configuration paths.
        let scan = judge(
            &round(
                0,
                (200, PLAIN_CONFIG),
                &[("/config", 200, PLAIN_CONFIG), ("/env", 200, PLAIN_CONFIG)],
            ),
            CONTROL,
        );
        assert_eq!(ids(&scan), None);
        assert!(exposed(&scan).is_empty());
        let notes: Vec<Option<&str>> = scan
            .observations
            .iter()
            .filter(|o| o.path == "/config" || o.path == "/env")
            .map(|o| o.note.as_deref())
            .collect();
        assert_eq!(notes, [Some("same answer as a random path (catch-all)"); 2]);
        // A 2xx that is not configuration (an SPA's page) is not exposed either.
        let spa = "<!doctype html><html><body>app</body></html>";
        let scan = judge(
            &round(0, (404, "Not Found"), &[("/config", 200, spa)]),
            CONTROL,
        );
        assert_eq!(ids(&scan), None);
    }

    #[test]
    fn refusals_raise_nothing() {
        // Refused over HTTP on every path.
        let refused: Vec<(&str, u16, &str)> =
            PATHS.iter().map(|(p, _)| (*p, 403, SPRING_ENV)).collect();
        let scan = judge(&round(0, (403, "Forbidden"), &refused), CONTROL);
        assert_eq!(ids(&scan), None);
        assert!(exposed(&scan).is_empty());
        // Refused in the TLS layer: only the control path was tried.
        let r = ExchangeResult {
            outcome: Some(Outcome::RefusedTls),
            alert: Some("CertificateRequired".to_owned()),
            ..ExchangeResult::default()
        };
        let scan = judge(&[(0, CONTROL.to_owned(), false, r)], CONTROL);
        assert_eq!(ids(&scan), None);
        assert!(scan.incomplete.is_empty(), "{:?}", scan.incomplete);
        assert_eq!(scan.observations.len(), 1);
        assert_eq!(
            scan.observations[0].note.as_deref(),
            Some("random control path: no HTTP answer (CertificateRequired), so no path was requested")
        );
    }

    #[test]
    fn an_unreadable_path_is_noted_not_exposed() {
        let mut results = round(0, (404, "Not Found"), &[]);
        let timed_out = ExchangeResult {
            outcome: Some(Outcome::Inconclusive),
            detail: Some("timed out after 3.0 s after the handshake began".to_owned()),
            ..ExchangeResult::default()
        };
        results.push((0, "/debug/vars".to_owned(), false, timed_out));
        results.retain(|r| !(r.1 == "/debug/vars" && r.3.http_status.is_some()));
        let scan = judge(&results, CONTROL);
        assert_eq!(ids(&scan), None);
        let vars = scan.observations.iter().find(|o| o.path == "/debug/vars");
        assert_eq!(
            vars.and_then(|o| o.note.as_deref()),
            Some("timed out after 3.0 s after the handshake began")
        );
        // ... and the target is incomplete: that path could have held the setting.
        assert_eq!(
            reasons(&scan),
            ["GET /debug/vars without a client certificate: timed out after 3.0 s after the handshake began"]
        );
        assert!(scan
            .incomplete
            .iter()
            .all(|i| i.probe == "tls-config-exposed" && i.tls_version.is_none()));
    }

    fn reasons(scan: &ConfigScan) -> Vec<&str> {
        scan.incomplete.iter().map(|i| i.reason.as_str()).collect()
    }

    /// No HTTP answer: `outcome`, with `detail` (and `alert`).
    fn failed(outcome: Outcome, detail: &str, alert: Option<&str>) -> ExchangeResult {
        ExchangeResult {
            outcome: Some(outcome),
            detail: Some(detail.to_owned()),
            alert: alert.map(str::to_owned),
            ..ExchangeResult::default()
        }
    }

    #[test]
    fn every_clean_http_answer_and_every_tls_refusal_is_complete() {
        // Every path, the control and both identities answered `status`: the incomplete reasons.
        let all_answer = |status: u16| {
            let given: Vec<(&str, u16, &str)> =
                PATHS.iter().map(|(p, _)| (*p, status, "nope")).collect();
            let results = [
                round(0, (status, "nope"), &given),
                round(1, (status, "nope"), &given),
            ]
            .concat();
            reasons(&judge(&results, CONTROL))
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<String>>()
        };
        // Any status, any body, on every path and the control.
        for status in [200, 204, 301, 400, 401, 403, 404, 421, 500] {
            assert_eq!(all_answer(status), Vec::<String>::new(), "HTTP {status}");
        }
        // A rate limit or a busy proxy says nothing of the paths: incomplete, never "not exposed".
        for status in [429, 502, 503, 504] {
            assert!(!all_answer(status).is_empty(), "HTTP {status}");
        }
        // The identity refused in TLS: an alert, a version the server does not speak, an alert
        // with an error, a close without an alert that repeated.
        let mut confirmed = failed(
            Outcome::RefusedTls,
            "the server closed the connection right after the handshake",
            None,
        );
        confirmed.unconfirmed = true;
        let again = confirmed.clone();
        let confirmed = settle(
            (0, CONTROL.to_owned(), false, confirmed),
            (0, CONTROL.to_owned(), false, again),
            2,
        );
        assert!(!confirmed.3.unconfirmed);
        assert!(confirmed
            .3
            .detail
            .as_deref()
            .is_some_and(|d| d.ends_with("(the same on 2 attempts: a refusal)")));
        for r in [
            failed(Outcome::RefusedTls, "refused", Some("CertificateRequired")),
            failed(Outcome::UnsupportedVersion, "no common version", None),
            failed(Outcome::Error, "handshake failed", Some("HandshakeFailure")),
            confirmed.3,
        ] {
            let scan = judge(&[(1, CONTROL.to_owned(), true, r.clone())], CONTROL);
            assert_eq!(reasons(&scan), Vec::<&str>::new(), "{r:?}");
            assert_eq!(scan.observations.len(), 1);
        }
    }

    #[test]
    fn an_unread_control_path_is_incomplete_once() {
        for (r, why) in [
            (
                failed(Outcome::Inconclusive, "timed out after 3.0 s (3 attempts)", None),
                "timed out after 3.0 s (3 attempts)",
            ),
            (
                failed(Outcome::Error, "connection reset by peer", None),
                "connection reset by peer",
            ),
            (
                ExchangeResult {
                    unconfirmed: true,
                    ..failed(Outcome::RefusedTls, "closed without an alert", None)
                },
                "closed without an alert; a refusal by a close without an alert counts only when it repeats",
            ),
        ] {
            let scan = judge(&[(1, CONTROL.to_owned(), true, r)], CONTROL);
            assert_eq!(ids(&scan), None);
            assert_eq!(
                reasons(&scan),
                [format!(
                    "GET {CONTROL} (a random control path, with the scan's client certificate) \
                     could not be read: {why}; so no configuration path was requested"
                )]
            );
        }
        // A round whose task failed stands as an unread control path.
        let rt = tokio::runtime::Builder::new_current_thread().build();
        let failed_task = rt.ok().and_then(|rt| {
            rt.block_on(async {
                let mut set = JoinSet::new();
                set.spawn(async { panic!("boom") });
                set.join_next().await.and_then(Result::err)
            })
        });
        let Some(e) = failed_task else {
            panic!("the task did not fail")
        };
        let scan = judge(&[task_failed(0, CONTROL.to_owned(), &e)], CONTROL);
        assert_eq!(scan.incomplete.len(), 1);
        assert!(
            reasons(&scan)[0].contains("internal error: the request's task failed"),
            "{:?}",
            reasons(&scan)
        );
    }

    /// A catch-all whose control path's 2xx body broke off (empty): nothing to compare with, so
    /// its configuration-like pages are unread, never exposed (a review's slow Go server
    /// answering `{"secret":…,"path":…}` on every path: high, one run in three).
    #[test]
    fn a_control_whose_body_broke_off_is_no_control() {
        let page = r#"{"secret":"account-balance-42","path":"/x"}"#;
        let given: Vec<(&str, u16, &str)> = PATHS.iter().map(|(p, _)| (*p, 200, page)).collect();
        let mut results = round(1, (200, page), &given);
        assert_eq!(
            ids(&judge(&results, CONTROL)),
            None,
            "a catch-all read whole"
        );
        for r in &mut results {
            if r.1 == CONTROL {
                (r.3.body, r.3.complete) = (Vec::new(), false);
            }
        }
        let scan = judge(&results, CONTROL);
        assert_eq!(ids(&scan), None);
        assert!(exposed(&scan).is_empty());
        assert!(
            reasons(&scan)
                .first()
                .is_some_and(|r| r.contains("random control path") && r.contains("broke off")),
            "{:?}",
            reasons(&scan)
        );
        assert_eq!(reasons(&scan).len(), 1 + PATHS.len());
    }

    #[test]
    fn unread_paths_are_incomplete_one_entry_each() {
        // Identity 0 answered everywhere; identity 1 lost two paths (a reset, a stall) and read
        // a 2xx body that broke off, while a TLS alert on another path is an answer.
        let mut results = round(0, (404, "Not Found"), &[]);
        let mut mine = round(1, (404, "Not Found"), &[("/config", 200, "{\"a\":")]);
        for r in &mut mine {
            r.3.tls_version = Some(TlsVersion::Tls12);
            match r.1.as_str() {
                "/actuator/env" => {
                    r.3 = ExchangeResult {
                        tls_version: Some(TlsVersion::Tls12),
                        ..failed(
                            Outcome::Inconclusive,
                            "no HTTP response: connection reset by peer (3 attempts)",
                            None,
                        )
                    }
                }
                "/config_dump" => {
                    r.3 = failed(
                        Outcome::Inconclusive,
                        "timed out after 3.0 s (3 attempts)",
                        None,
                    )
                }
                "/server-status" => {
                    r.3 = failed(Outcome::RefusedTls, "alert", Some("CertificateUnknown"))
                }
                "/config" => r.3.complete = false,
                _ => {}
            }
        }
        results.extend(mine);
        let scan = judge(&results, CONTROL);
        assert_eq!(ids(&scan), None);
        assert_eq!(
            reasons(&scan),
            [
                "GET /actuator/env with the scan's client certificate: no HTTP response: connection reset by peer (3 attempts)",
                "GET /config with the scan's client certificate: HTTP 200, but the body broke off after 5 bytes",
                "GET /config_dump with the scan's client certificate: timed out after 3.0 s (3 attempts)",
            ]
        );
        let versions: Vec<Option<TlsVersion>> =
            scan.incomplete.iter().map(|i| i.tls_version).collect();
        assert_eq!(
            versions,
            [Some(TlsVersion::Tls12), Some(TlsVersion::Tls12), None]
        );
        // A body cut at the cap is read as far as it goes: complete.
        let mut capped = round(0, (404, "Not Found"), &[("/config", 200, PLAIN_CONFIG)]);
        for r in &mut capped {
            if r.1 == "/config" {
                (r.3.complete, r.3.truncated) = (false, true);
            }
        }
        let scan = judge(&capped, CONTROL);
        assert_eq!(reasons(&scan), Vec::<&str>::new());
        // A head the HTTP client rejected (an ESC in a header value), its status read directly:
        // the body was not read, and nothing broke off.
        let mut rejected = round(0, (404, "Not Found"), &[("/config", 200, "")]);
        for r in &mut rejected {
            if r.1 == "/config" {
                r.3.complete = false;
                r.3.detail = Some(format!(
                    "{} (invalid header value parsed); its status line was read directly",
                    crate::transport::HEAD_REJECTED
                ));
            }
        }
        let scan = judge(&rejected, CONTROL);
        assert_eq!(
            reasons(&scan),
            [
                "GET /config without a client certificate: HTTP 200, but its body was not read: the HTTP client rejected the response (invalid header value parsed); its status line was read directly"
            ]
        );
        // A JSON document cut at the cap does not parse: Spring's env is still told by its
        // markers (a finding), and a document nothing tells is unread, never "not configuration".
        let spring_cut = format!(
            r#"{{"activeProfiles":["prod"],"propertySources":[{{"name":"systemEnvironment","properties":{{"PATH":{{"value":"{}"#,
            "/usr/bin:".repeat(100)
        );
        let other_cut = format!(r#"{{"items":[{{"id":1,"name":"{}"#, "x".repeat(300));
        for (body, leak) in [(spring_cut.as_str(), true), (other_cut.as_str(), false)] {
            let mut cut = round(0, (404, "Not Found"), &[("/actuator/env", 200, body)]);
            for r in &mut cut {
                if r.1 == "/actuator/env" {
                    (r.3.complete, r.3.truncated) = (false, true);
                }
            }
            let scan = judge(&cut, CONTROL);
            let env = scan
                .observations
                .iter()
                .find(|o| o.path == "/actuator/env")
                .expect("observed");
            if leak {
                assert!(env.exposed, "{env:?}");
                assert_eq!(env.kind.as_deref(), Some("Spring Boot actuator env"));
                assert!(scan.finding.is_some());
                assert_eq!(reasons(&scan), Vec::<&str>::new());
            } else {
                assert!(!env.exposed && scan.finding.is_none(), "{env:?}");
                assert_eq!(
                    reasons(&scan),
                    ["GET /actuator/env without a client certificate: HTTP 200, a JSON document cut at the 64 KiB cap that does not parse: what was not read may be configuration"]
                );
            }
        }
        // A leak found in a body that broke off is a finding, not a gap.
        let mut broken = round(0, (404, "Not Found"), &[("/actuator/env", 200, SPRING_ENV)]);
        for r in &mut broken {
            r.3.complete = r.1 != "/actuator/env";
        }
        let scan = judge(&broken, CONTROL);
        assert_eq!(exposed(&scan), [("/actuator/env", false)]);
        assert_eq!(reasons(&scan), Vec::<&str>::new());
    }

    #[test]
    fn what_stands_after_a_retry() {
        let at = |r: ExchangeResult| (0, "/env".to_owned(), false, r);
        let reset = failed(Outcome::Inconclusive, "reset", None);
        let stall = failed(Outcome::Inconclusive, "timed out", None);
        let s = settle(at(reset.clone()), at(stall), 2);
        assert_eq!(
            s.3.detail.as_deref(),
            Some("timed out (earlier attempt: reset)")
        );
        let s = settle(s, at(reset.clone()), 3);
        assert_eq!(
            s.3.detail.as_deref(),
            Some("reset (earlier attempt: timed out)"),
            "never nested"
        );
        let empty = failed(Outcome::Inconclusive, "", None);
        let s = settle(at(empty), at(reset.clone()), 2);
        assert_eq!(
            s.3.detail.as_deref(),
            Some("reset (2 attempts)"),
            "never empty"
        );
        let s = settle(at(reset.clone()), at(reset.clone()), 2);
        assert_eq!(s.3.detail.as_deref(), Some("reset (2 attempts)"));
        let s = settle(s, at(reset), 3);
        assert_eq!(s.3.detail.as_deref(), Some("reset (3 attempts)"));
        let ok = answer(0, "/env", 404, "", "text/plain");
        let s = settle(at(failed(Outcome::Inconclusive, "reset", None)), ok, 2);
        assert_eq!((s.3.http_status, s.3.detail.as_deref()), (Some(404), None));
        assert!(!needs_retry(&s.3));
    }

    #[test]
    fn with_the_scans_certificate_only_is_found_and_said_so() {
        let mut results = round(0, (404, "Not Found"), &[]);
        let mut mine = round(1, (404, "Not Found"), &[("/actuator/env", 200, SPRING_ENV)]);
        for r in &mut mine {
            r.3.tls_version = Some(TlsVersion::Tls12);
        }
        results.extend(mine);
        let scan = judge(&results, CONTROL);
        assert_eq!(
            ids(&scan),
            Some((
                FindingId::TlsConfigExposed,
                Severity::High,
                vec![TlsVersion::Tls12]
            ))
        );
        assert_eq!(exposed(&scan), [("/actuator/env", true)]);
        let evidence = scan
            .finding
            .as_ref()
            .and_then(|f| f.evidence.get("GET /actuator/env").cloned())
            .unwrap_or_default();
        assert!(
            evidence.starts_with("HTTP 200 with a client certificate"),
            "{evidence}"
        );
        // Exposed to both: one entry per path, the anonymous answer first.
        let both = [
            round(0, (404, "Not Found"), &[("/actuator/env", 200, SPRING_ENV)]),
            round(1, (404, "Not Found"), &[("/actuator/env", 200, SPRING_ENV)]),
        ]
        .concat();
        let scan = judge(&both, CONTROL);
        assert_eq!(
            exposed(&scan),
            [("/actuator/env", false), ("/actuator/env", true)]
        );
        let f = scan.finding.as_ref();
        assert_eq!(f.map(|f| f.evidence.len()), Some(1));
        assert!(f.is_some_and(|f| f.detail.contains("read without a client certificate")));
    }
}
