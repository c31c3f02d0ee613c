//! Orchestration: every probe on every TLS version of every target, concurrently, bounded by a
//! global limit; then judgement and grading per target.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::RootCertStore;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::error::ScanError;
use crate::exchange::{self, ExchangeSetup, Limits};
use crate::grade::{grade, Grade};
use crate::handshake::{describe_name, SharedRecord};
use crate::identity::{client_leaf_params, IdentityPair, SigningCa};
use crate::observation::{Outcome, ProbeObservation, TlsVersion};
use crate::probe::{self, Plan, ProbeContext, ProbeId, SkippedProbe};
use crate::report::{Report, TargetReport};
use crate::target::Target;
use crate::verdict;

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Deadline of each probe.
    pub timeout: Duration,
    /// Probes in flight at once, across all targets.
    pub concurrency: usize,
    /// Extra trust anchors for the server's certificate (PEM files), beside the system roots.
    pub ca_files: Vec<PathBuf>,
    /// Whether to load the system's trust anchors.
    pub system_roots: bool,
    /// The TLS versions to probe.
    pub versions: Vec<TlsVersion>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            concurrency: 64,
            ca_files: Vec::new(),
            system_roots: true,
            versions: TlsVersion::ALL.to_vec(),
        }
    }
}

/// The process's crypto provider: aws-lc-rs, the one provider in the build.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A prepared scanner: identities minted, trust anchors loaded.
pub struct Scanner {
    ctx: Arc<ProbeContext>,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    limits: Limits,
    permits: Arc<Semaphore>,
    versions: Vec<TlsVersion>,
}

impl Scanner {
    /// Mints the scan's throwaway CA and identities and loads the trust anchors.
    pub fn new(options: &ScanOptions) -> Result<Self, ScanError> {
        let provider = provider();
        let unknown_ca = Arc::new(SigningCa::mint("mtls-scan Unknown CA")?);
        let untrusted = Arc::new(IdentityPair::issue(
            unknown_ca,
            client_leaf_params("mtls-scan untrusted client"),
            "minted: unknown CA",
            provider.clone(),
        )?);
        let webpki = trust_anchors(options, &provider)?;
        Ok(Self {
            ctx: Arc::new(ProbeContext { provider, untrusted }),
            webpki,
            limits: Limits { timeout: options.timeout, ..Limits::default() },
            permits: Arc::new(Semaphore::new(options.concurrency.max(1))),
            versions: if options.versions.is_empty() { TlsVersion::ALL.to_vec() } else { options.versions.clone() },
        })
    }

    /// Scans every target concurrently; the report keeps the order given.
    pub async fn scan(&self, targets: &[Target]) -> Report {
        let start = Instant::now();
        let mut set = JoinSet::new();
        for (i, t) in targets.iter().enumerate() {
            let work = self.target_work(t.clone());
            set.spawn(async move { (i, work.await) });
        }
        let mut reports: Vec<Option<TargetReport>> = vec![None; targets.len()];
        while let Some(joined) = set.join_next().await {
            if let Ok((i, r)) = joined {
                if let Some(slot) = reports.get_mut(i) {
                    *slot = Some(r);
                }
            }
        }
        let reports = reports
            .into_iter()
            .zip(targets)
            .map(|(r, t)| r.unwrap_or_else(|| failed(t, "internal error: the scan task ended early".into())))
            .collect();
        Report::new(reports, start.elapsed().as_secs_f64() * 1000.0)
    }

    fn target_work(&self, target: Target) -> impl std::future::Future<Output = TargetReport> + Send + 'static {
        let ctx = self.ctx.clone();
        let webpki = self.webpki.clone();
        let limits = self.limits;
        let permits = self.permits.clone();
        let versions = self.versions.clone();
        async move { scan_target(target, ctx, webpki, limits, permits, versions).await }
    }
}

async fn scan_target(
    target: Target,
    ctx: Arc<ProbeContext>,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    limits: Limits,
    permits: Arc<Semaphore>,
    versions: Vec<TlsVersion>,
) -> TargetReport {
    let mut skipped = Vec::new();
    let mut set = JoinSet::new();
    let mut order = Vec::new();
    for (id, plan) in probe::plans(&ctx) {
        let chooser = match plan {
            Plan::Run(c) => c,
            Plan::Skip(reason) => {
                skipped.push(SkippedProbe { id, reason });
                continue;
            }
        };
        for &version in &versions {
            order.push((id, version));
            let (target, ctx, webpki, permits, chooser) =
                (target.clone(), ctx.clone(), webpki.clone(), permits.clone(), chooser.clone());
            set.spawn(async move {
                let _permit = permits.acquire_owned().await.ok();
                let record = SharedRecord::default();
                let setup = ExchangeSetup { provider: &ctx.provider, webpki, version, chooser, limits, path: None };
                let result = exchange::run(&target, setup, &record).await;
                observation(id, version, result, &record)
            });
        }
    }
    let mut probes = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(o) => probes.push(o),
            Err(e) => tracing::warn!("a probe task failed: {e}"),
        }
    }
    probes.sort_by_key(|o| order.iter().position(|k| *k == (o.id, o.tls_version)));
    let v = verdict::judge(&probes);
    let (score, grade) = if v.error.is_some() { (0, Grade::F) } else { grade(v.findings.iter()) };
    TargetReport {
        url: target.url.clone(),
        host_port: target.host_port(),
        grade,
        score,
        client_auth: v.client_auth,
        enforced_at: v.enforced_at,
        tls_versions: v.tls_versions,
        findings: v.findings,
        probes,
        skipped_probes: skipped,
        error: v.error,
    }
}

fn observation(id: ProbeId, version: TlsVersion, r: exchange::ExchangeResult, record: &SharedRecord) -> ProbeObservation {
    let rec = record.lock();
    let outcome = r.outcome.unwrap_or(Outcome::Error);
    ProbeObservation {
        id,
        tls_version: version,
        client_cert: rec.sent.as_ref().map(|i| i.summary.clone()),
        cert_requested: rec.cert_requested,
        acceptable_cas: rec.acceptable_cas.iter().map(|d| describe_name(d)).collect(),
        signature_schemes: rec.schemes.iter().map(|s| format!("{s:?}")).collect(),
        alert: r.alert,
        http_status: r.http_status,
        alpn: r.alpn,
        server_header: r.server_header,
        body_excerpt: r.body_excerpt,
        outcome,
        detail: r.detail,
        ms: (r.elapsed.as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
    }
}

/// A report for a target that could not be scanned at all.
pub fn failed(target: &Target, error: String) -> TargetReport {
    TargetReport {
        url: target.url.clone(),
        host_port: target.host_port(),
        grade: Grade::F,
        score: 0,
        client_auth: verdict::ClientAuth::Unknown,
        enforced_at: None,
        tls_versions: Vec::new(),
        findings: Vec::new(),
        probes: Vec::new(),
        skipped_probes: Vec::new(),
        error: Some(error),
    }
}

fn trust_anchors(
    options: &ScanOptions,
    provider: &Arc<CryptoProvider>,
) -> Result<Option<Arc<WebPkiServerVerifier>>, ScanError> {
    let mut roots = RootCertStore::empty();
    if options.system_roots {
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            let _ = roots.add(cert); // a malformed system root is skipped, as rustls does
        }
    }
    for path in &options.ca_files {
        let pem = std::fs::read_to_string(path).map_err(|source| ScanError::ReadFile { path: path.clone(), source })?;
        let what = path.display().to_string();
        for cert in crate::identity::parse_certs(&pem, &what)? {
            roots.add(cert).map_err(|e| ScanError::MalformedCertificate { what: what.clone(), reason: e.to_string() })?;
        }
    }
    if roots.is_empty() {
        return Ok(None); // server trust is then reported as unknown, never as trusted
    }
    Ok(Some(WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build().map_err(
        |e| ScanError::Tls(rustls::Error::General(e.to_string())),
    )?))
}
