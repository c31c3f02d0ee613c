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

use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use tokio::task::JoinSet;

use crate::checks::config_body::{self as config_leak, BodyFormat, Classified};
use crate::facts::TlsVersion;
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

/// Deadline of each request (capped by the scan's own timeout).
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// Bytes of body read at most per path.
pub const BODY_CAP: usize = 64 * 1024;

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
}

/// What the probe needs.
pub struct ConfigProbe<'a> {
    /// The crypto provider.
    pub provider: &'a Arc<CryptoProvider>,
    /// The versions the server may pick from.
    pub versions: &'a [TlsVersion],
    /// The user's certificate, when given.
    pub identity: Option<Arc<dyn CertChooser>>,
    /// The scan's timeout (each request gets the smaller of it and [`TIMEOUT`]).
    pub timeout: Duration,
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
        permits: probe.permits.clone(),
        versions: probe.versions.to_vec(),
        limits: Limits {
            timeout: probe.timeout.min(TIMEOUT),
            body_cap: BODY_CAP,
            header_cap: 16 * 1024,
            excerpt_chars: 0,
        },
    };
    let identities: Vec<Option<Arc<dyn CertChooser>>> = std::iter::once(None)
        .chain(probe.identity.clone().map(Some))
        .collect();
    let mut set = JoinSet::new();
    for (who, chooser) in identities.into_iter().enumerate() {
        let (fetcher, control) = (fetcher.clone(), control.clone());
        set.spawn(async move { fetcher.round(who, chooser, control).await });
    }
    let mut results: Vec<Fetched> = Vec::new();
    while let Some(joined) = set.join_next().await {
        if let Ok(r) = joined {
            results.extend(r);
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
/// location or rewrite is looked at (see `no_client_cert::tls_module_refusal`).
fn nginx_certificate_page(r: &ExchangeResult) -> bool {
    r.http_status == Some(400) && {
        let body = String::from_utf8_lossy(&r.body);
        body.contains("No required SSL certificate was sent")
            || body.contains("The SSL certificate error")
    }
}

/// One request's result: (identity index, path, certificate presented, exchange).
type Fetched = (usize, String, bool, ExchangeResult);

/// What every request of the probe shares.
#[derive(Clone)]
struct Fetcher {
    target: Target,
    provider: Arc<CryptoProvider>,
    permits: Arc<crate::permits::Permits>,
    versions: Vec<TlsVersion>,
    limits: Limits,
}

impl Fetcher {
    /// One identity's round, on one keep-alive connection: the random control path first, then,
    /// when it got an HTTP answer (whatever the status), every path on the same connection
    /// (HTTP/1.1 one after another, HTTP/2 as streams). Paths the connection could not carry (the
    /// server closed it, a body went over the cap) go on new connections, concurrently. A server
    /// that refuses this identity in the handshake, stalls or is not HTTP costs one connection.
    async fn round(
        self,
        who: usize,
        chooser: Option<Arc<dyn CertChooser>>,
        control: String,
    ) -> Vec<Fetched> {
        let paths: Vec<String> = std::iter::once(control)
            .chain(PATHS.iter().map(|(p, _)| (*p).to_owned()))
            .collect();
        let record = SharedRecord::default();
        let results = {
            let _permit = self.permits.acquire(&self.target.host_port()).await;
            let setup = ExchangeSetup {
                await_alert: false,
                pacer: Some(self.permits.pacer(&self.target.host_port())),
                ..ExchangeSetup::new(&self.provider, &self.versions, chooser.clone(), self.limits)
            };
            exchange::run_paths(&self.target, setup, &record, &paths).await
        };
        let sent = record.lock().sent.is_some();
        let answered = results.first().is_some_and(|r| r.http_status.is_some());
        let carried = results.len();
        let mut out: Vec<Fetched> = paths
            .iter()
            .zip(results)
            .map(|(path, r)| (who, path.clone(), sent, r))
            .collect();
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
        let mut set = JoinSet::new();
        for path in paths.into_iter().skip(carried) {
            let (me, chooser) = (self.clone(), chooser.clone());
            set.spawn(async move { me.fetch(who, chooser, path).await });
        }
        while let Some(joined) = set.join_next().await {
            if let Ok(r) = joined {
                out.push(r);
            }
        }
        out
    }

    async fn fetch(
        &self,
        who: usize,
        chooser: Option<Arc<dyn CertChooser>>,
        path: String,
    ) -> Fetched {
        let _permit = self.permits.acquire(&self.target.host_port()).await;
        let record = SharedRecord::default();
        let setup = ExchangeSetup {
            path: Some(&path),
            await_alert: false,
            pacer: Some(self.permits.pacer(&self.target.host_port())),
            ..ExchangeSetup::new(&self.provider, &self.versions, chooser, self.limits)
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
            .map(|r| {
                (
                    r.3.body.clone(),
                    config_leak::classify(&r.3.body, r.3.content_type.as_deref()),
                )
            });
        for (_, path, sent, r) in mine {
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
                } else if c.config_like {
                    obs.exposed = true;
                    obs.auth_off = c.auth_off.clone();
                    obs.redacted = c.secrets.clone();
                    exposed.push((obs.clone(), c));
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
            c.kind.is_none() && c.auth_off.len() <= control.auth_off.len()
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
    let auth_off = paths.iter().any(|(o, _)| !o.auth_off.is_empty());
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
    let detail = if auth_off {
        let settings: Vec<String> = paths
            .iter()
            .flat_map(|(o, _)| {
                o.auth_off
                    .iter()
                    .map(|s| format!("{}: {}", s.setting, s.meaning))
            })
            .take(4)
            .collect();
        format!(
            "{} exposes configuration that switches authentication off: {}.",
            describe(first),
            settings.join("; ")
        )
    } else {
        let listed: Vec<String> = paths.iter().take(4).map(|(o, _)| describe(o)).collect();
        format!("Configuration is exposed at {}.", listed.join(", "))
    };
    let mut f = Finding::new(FindingId::TlsConfigExposed, detail);
    if !auth_off {
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
                identity: super::valid_client_cert::chooser(&scan.probes),
                timeout: scan.limits.timeout,
                permits: &scan.permits,
            };
            let found = run(target, probe).await;
            super::TargetOutcome {
                findings: found.finding.into_iter().collect(),
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
        let f = scan.finding.as_ref().map(|f| f.detail.as_str()).unwrap_or_default();
        assert!(
            f.starts_with("/actuator/env (Spring Boot actuator env, read without a client certificate) exposes configuration that switches authentication off"),
            "{f}"
        );
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
        assert_eq!(
            notes,
            [Some("same answer as a random path (catch-all)"); 2]
        );
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
        assert_eq!(exposed(&scan), [("/actuator/env", false), ("/actuator/env", true)]);
        let f = scan.finding.as_ref();
        assert_eq!(f.map(|f| f.evidence.len()), Some(1));
        assert!(f.is_some_and(|f| f.detail.contains("read without a client certificate")));
    }
}
