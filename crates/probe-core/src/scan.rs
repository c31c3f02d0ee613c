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
use crate::forge::Forger;
use crate::grade::{grade, Grade};
use crate::handshake::{describe_name, CertChooser, SharedRecord};
use crate::identity::{client_leaf_params, ClientIdentity, IdentityPair, SigningCa};
use crate::observation::{Outcome, ProbeObservation, TlsVersion};
use crate::probe::{
    self, forged_client_cert, Plan, ProbeContext, ProbeId, SkippedProbe, StagingIdentities,
};
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
    /// The user's identity and staging CA, as PEM text.
    pub identities: IdentityInputs,
}

/// One probe to run: which, on which version, presenting what.
type ProbeJob = (ProbeId, TlsVersion, Option<Arc<dyn CertChooser>>);

/// The identities loaded from the inputs: the user's, the staging ones, and the fallback issuer to forge.
type LoadedIdentities = (
    Option<ClientIdentity>,
    Option<StagingIdentities>,
    Option<Vec<u8>>,
);

/// PEM inputs for the deep probes. Debug output never shows their content.
#[derive(Clone, Default)]
pub struct IdentityInputs {
    /// `--client-cert`: a certificate (chain) the server should accept.
    pub client_cert_pem: Option<String>,
    /// `--client-key`: its private key.
    pub client_key_pem: Option<String>,
    /// `--issuing-ca-cert`: a staging CA the server trusts.
    pub issuing_ca_cert_pem: Option<String>,
    /// `--issuing-ca-key`: its private key.
    pub issuing_ca_key_pem: Option<String>,
}

impl std::fmt::Debug for IdentityInputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given = |o: &Option<String>| if o.is_some() { "<given>" } else { "<none>" };
        f.debug_struct("IdentityInputs")
            .field("client_cert_pem", &given(&self.client_cert_pem))
            .field("client_key_pem", &given(&self.client_key_pem))
            .field("issuing_ca_cert_pem", &given(&self.issuing_ca_cert_pem))
            .field("issuing_ca_key_pem", &given(&self.issuing_ca_key_pem))
            .finish()
    }
}

impl IdentityInputs {
    fn pair<'a>(
        cert: &'a Option<String>,
        key: &'a Option<String>,
        names: (&str, &str),
    ) -> Result<Option<(&'a str, &'a str)>, ScanError> {
        match (cert, key) {
            (Some(c), Some(k)) => Ok(Some((c.as_str(), k.as_str()))),
            (None, None) => Ok(None),
            (Some(_), None) => Err(ScanError::Incomplete(format!(
                "{} needs {}",
                names.0, names.1
            ))),
            (None, Some(_)) => Err(ScanError::Incomplete(format!(
                "{} needs {}",
                names.1, names.0
            ))),
        }
    }

    fn load(&self, provider: &Arc<CryptoProvider>) -> Result<LoadedIdentities, ScanError> {
        let client = Self::pair(
            &self.client_cert_pem,
            &self.client_key_pem,
            ("--client-cert", "--client-key"),
        )?
        .map(|(c, k)| ClientIdentity::from_pem(c, k, "--client-cert", provider))
        .transpose()?;
        let staging_ca = Self::pair(
            &self.issuing_ca_cert_pem,
            &self.issuing_ca_key_pem,
            ("--issuing-ca-cert", "--issuing-ca-key"),
        )?
        .map(|(c, k)| SigningCa::from_pem(c, k, "--issuing-ca-cert"))
        .transpose()?
        .map(Arc::new);
        let mut fallback = None;
        if let Some(leaf) = client.as_ref().and_then(|c| c.certified.cert.first()) {
            fallback = x509_parser::parse_x509_certificate(leaf.as_ref())
                .ok()
                .map(|(_, c)| c.tbs_certificate.issuer.as_raw().to_vec());
        }
        let staging = match staging_ca {
            Some(ca) => {
                if fallback.is_none() {
                    fallback = x509_parser::parse_x509_certificate(ca.cert.as_ref())
                        .ok()
                        .map(|(_, c)| c.tbs_certificate.subject.as_raw().to_vec());
                }
                Some(staging_identities(&ca, provider)?)
            }
            None => None,
        };
        Ok((client, staging, fallback))
    }
}

fn staging_identities(
    ca: &Arc<SigningCa>,
    provider: &Arc<CryptoProvider>,
) -> Result<StagingIdentities, ScanError> {
    let now = time::OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    let issue = |cn: &str, origin: &str, tweak: &dyn Fn(&mut rcgen::CertificateParams)| {
        let mut params = client_leaf_params(cn);
        tweak(&mut params);
        IdentityPair::issue(ca.clone(), params, origin, provider.clone()).map(Arc::new)
    };
    Ok(StagingIdentities {
        valid: issue(
            "mtls-scan staging client",
            "minted: staging CA, valid",
            &|_| {},
        )?,
        expired: issue(
            "mtls-scan expired client",
            "minted: staging CA, expired",
            &|p| {
                p.not_before = now - day * 10;
                p.not_after = now - day;
            },
        )?,
        not_yet_valid: issue(
            "mtls-scan not-yet-valid client",
            "minted: staging CA, not yet valid",
            &|p| {
                p.not_before = now + day;
                p.not_after = now + day * 10;
            },
        )?,
        wrong_eku: issue(
            "mtls-scan serverAuth-only",
            "minted: staging CA, EKU serverAuth only",
            &|p| {
                p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
            },
        )?,
    })
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            concurrency: 64,
            ca_files: Vec::new(),
            system_roots: true,
            versions: TlsVersion::ALL.to_vec(),
            identities: IdentityInputs::default(),
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
        let (client, staging, forge_fallback_issuer) = options.identities.load(&provider)?;
        let forger = Arc::new(Forger::new(provider.clone())?);
        Ok(Self {
            ctx: Arc::new(ProbeContext {
                provider,
                untrusted,
                forger,
                client,
                staging,
                forge_fallback_issuer,
            }),
            webpki,
            limits: Limits {
                timeout: options.timeout,
                ..Limits::default()
            },
            permits: Arc::new(Semaphore::new(options.concurrency.max(1))),
            versions: if options.versions.is_empty() {
                TlsVersion::ALL.to_vec()
            } else {
                options.versions.clone()
            },
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
            .map(|(r, t)| {
                r.unwrap_or_else(|| failed(t, "internal error: the scan task ended early".into()))
            })
            .collect();
        Report::new(reports, start.elapsed().as_secs_f64() * 1000.0)
    }

    fn target_work(
        &self,
        target: Target,
    ) -> impl std::future::Future<Output = TargetReport> + Send + 'static {
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
    let mut wave = Vec::new();
    for (id, plan) in probe::plans(&ctx) {
        match plan {
            Plan::Run(chooser) => wave.extend(versions.iter().map(|&v| (id, v, chooser.clone()))),
            Plan::Skip(reason) => skipped.push(SkippedProbe { id, reason }),
        }
    }
    let order: Vec<(ProbeId, TlsVersion)> = wave.iter().map(|(id, v, _)| (*id, *v)).collect();
    let forging = order.iter().any(|(id, _)| *id == ProbeId::ForgedClientCert);
    let run = |wave: Vec<ProbeJob>| run_wave(&target, &ctx, &webpki, limits, &permits, wave);
    let mut probes = run(wave).await;

    // Servers that advertise several CA names: forge each of the others too (a second, short wave).
    let names = probes
        .iter()
        .filter(|o| o.id == ProbeId::NoClientCert)
        .map(|o| o.acceptable_cas.len())
        .max()
        .unwrap_or(0);
    if forging && names > 1 {
        let extra = (1..names.min(forged_client_cert::MAX_NAMES))
            .flat_map(|i| {
                let chooser = match forged_client_cert::plan(&ctx, i) {
                    Plan::Run(c) => c,
                    Plan::Skip(_) => None,
                };
                versions
                    .iter()
                    .map(move |&v| (ProbeId::ForgedClientCert, v, chooser.clone()))
            })
            .collect();
        probes.extend(run(extra).await);
    }
    probes.sort_by_key(|o| order.iter().position(|k| *k == (o.id, o.tls_version)));

    // A forged probe that was asked for a certificate but had no name to copy presented nothing.
    let unforgeable = probes
        .iter()
        .any(|o| o.id == ProbeId::ForgedClientCert && o.cert_requested && o.client_cert.is_none());
    if unforgeable {
        probes.retain(|o| !(o.id == ProbeId::ForgedClientCert && o.client_cert.is_none()));
        let reason = forged_client_cert::skip_reason(ctx.forge_fallback_issuer.is_some());
        skipped.push(SkippedProbe {
            id: ProbeId::ForgedClientCert,
            reason: reason.to_owned(),
        });
    }
    let v = verdict::judge(&probes);
    let (score, grade) = if v.error.is_some() {
        (0, Grade::F)
    } else {
        grade(v.findings.iter())
    };
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
        verification: v.verification,
    }
}

async fn run_wave(
    target: &Target,
    ctx: &Arc<ProbeContext>,
    webpki: &Option<Arc<WebPkiServerVerifier>>,
    limits: Limits,
    permits: &Arc<Semaphore>,
    wave: Vec<ProbeJob>,
) -> Vec<ProbeObservation> {
    let mut set = JoinSet::new();
    for (id, version, chooser) in wave {
        let (target, ctx, webpki, permits) =
            (target.clone(), ctx.clone(), webpki.clone(), permits.clone());
        set.spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            let record = SharedRecord::default();
            let setup = ExchangeSetup {
                provider: &ctx.provider,
                webpki,
                version,
                chooser,
                limits,
                path: None,
            };
            let result = exchange::run(&target, setup, &record).await;
            observation(id, version, result, &record)
        });
    }
    let mut probes = Vec::new();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(o) => probes.push(o),
            Err(e) => tracing::warn!("a probe task failed: {e}"),
        }
    }
    probes
}

fn observation(
    id: ProbeId,
    version: TlsVersion,
    r: exchange::ExchangeResult,
    record: &SharedRecord,
) -> ProbeObservation {
    let rec = record.lock();
    let outcome = r.outcome.unwrap_or(Outcome::Error);
    ProbeObservation {
        id,
        tls_version: version,
        client_cert: rec.sent.as_ref().map(|i| i.summary.clone()),
        cert_requested: rec.cert_requested,
        acceptable_cas: rec
            .acceptable_cas
            .iter()
            .map(|d| describe_name(d))
            .collect(),
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
        verification: verdict::Verification::NotAttempted,
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
        let pem = std::fs::read_to_string(path).map_err(|source| ScanError::ReadFile {
            path: path.clone(),
            source,
        })?;
        let what = path.display().to_string();
        for cert in crate::identity::parse_certs(&pem, &what)? {
            roots
                .add(cert)
                .map_err(|e| ScanError::MalformedCertificate {
                    what: what.clone(),
                    reason: e.to_string(),
                })?;
        }
    }
    if roots.is_empty() {
        return Ok(None); // server trust is then reported as unknown, never as trusted
    }
    Ok(Some(
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| ScanError::Tls(rustls::Error::General(e.to_string())))?,
    ))
}
