//! The engine: plans waves from the probe registry and runs them on every TLS version of every
//! target, concurrently, under the global and per-host limits (retrying what could not be read);
//! hands each probe its facts; then applies the implications and grades, once per target.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use rustls::crypto::CryptoProvider;
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::checks::server_cert::{self, LazyTrust, TrustStore};
use crate::error::ScanError;
use crate::facts::{Outcome, ProbeObservation, TlsVersion};
use crate::finding::{mark_implied, remediation, FindingId};
use crate::grade::{grade_target, Grade};
use crate::identity::forge::{Forger, Impersonated, SignatureKind};
use crate::identity::{client_leaf_params, ClientIdentity, IdentityPair, KeyKind, SigningCa};
use crate::permits::Permits;
use crate::probe::{
    late_client_auth, registry, valid_client_cert, FirstWave, Plan, ProbeContext, ProbeId,
    ScanContext, Section, SkippedProbe, StagingIdentities, Start, VersionView,
    STAGING_VALID_ORIGIN,
};
use crate::report::{Report, TargetReport};
use crate::target::Target;
use crate::text::describe_name;
use crate::transport::tls::{CertChooser, SharedRecord};
use crate::transport::{self as exchange, ExchangeSetup, Limits, UNPRESENTED};
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
    /// Probes in flight at once per `host:port`, so a scan does not hammer one server.
    pub per_host: usize,
    /// Total deadline of a scan: every exchange stops at it (a target cut short keeps what its
    /// finished probes proved, and is incomplete); targets not begun by then are not scanned.
    pub deadline: Option<Duration>,
    /// Extra trust anchors for the server's certificate (DER), beside the system roots and
    /// `ca_files`: the demo passes its lab CA here.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// `server-cert-expiring` when a certificate of the served chain expires within this many days.
    pub expiry_warning_days: u32,
    /// Whether to run `tls-config-exposed` (GETs of well-known configuration paths).
    pub config_probe: bool,
    /// Probes switched off by the user.
    pub skip_probes: Vec<ProbeId>,
}

/// One probe to run: which, on which version, presenting what.
type ProbeJob = (ProbeId, TlsVersion, Option<Arc<dyn CertChooser>>);

/// The identities loaded from the inputs: the user's, the staging ones, the fallback issuer to
/// forge, and the user's subject and names that the forged and staging certificates claim.
type LoadedIdentities = (
    Option<ClientIdentity>,
    Option<StagingIdentities>,
    Option<Vec<u8>>,
    Option<Impersonated>,
    Vec<(Vec<u8>, SignatureKind)>,
    Option<CertificateDer<'static>>,
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
            ("client-cert", "client-key"),
        )?
        .map(|(c, k)| ClientIdentity::from_pem(c, k, "client-cert", provider))
        .transpose()?;
        let staging_ca = Self::pair(
            &self.issuing_ca_cert_pem,
            &self.issuing_ca_key_pem,
            ("issuing-ca-cert", "issuing-ca-key"),
        )?
        .map(|(c, k)| SigningCa::from_pem(c, k, "issuing-ca-cert"))
        .transpose()?
        .map(Arc::new);
        // Forged and staging certificates claim the valid identity's subject and names, when
        // there is one.
        let claimed = client
            .as_ref()
            .and_then(|c| c.certified.cert.first())
            .and_then(|leaf| {
                let claimed = Impersonated::of(leaf.as_ref());
                if claimed.is_none() {
                    // A certificate the strict DER decoder refuses (a serial over 20 bytes, a
                    // non-DER BOOLEAN): the forged and staging certificates keep their own.
                    tracing::warn!(
                        "client-cert could not be read strictly enough to copy its subject: the \
                         forged and staging certificates carry their own subject, so a server \
                         that lets them through and authorises by subject is not tested"
                    );
                }
                claimed
            });
        let mut fallback = None;
        if let Some(leaf) = client.as_ref().and_then(|c| c.certified.cert.first()) {
            fallback = x509_parser::parse_x509_certificate(leaf.as_ref())
                .ok()
                .map(|(_, c)| c.tbs_certificate.issuer.as_raw().to_vec());
        }
        // The key kind of each CA whose signature the scan holds (see
        // `ProbeContext::issuer_key_kinds`).
        let mut kinds: Vec<(Vec<u8>, SignatureKind)> = Vec::new();
        for der in client.iter().flat_map(|c| c.certified.cert.iter()) {
            kinds.extend(signed_with(der.as_ref()));
        }
        if let Some(ca) = &staging_ca {
            kinds.extend(ca_key_signs(ca.cert.as_ref()));
        }
        let staging_cert = staging_ca.as_ref().map(|ca| ca.cert.clone());
        let preferred = preferred_kind(client.as_ref(), staging_cert.as_ref());
        let staging = match staging_ca {
            Some(ca) => {
                if fallback.is_none() {
                    fallback = x509_parser::parse_x509_certificate(ca.cert.as_ref())
                        .ok()
                        .map(|(_, c)| c.tbs_certificate.subject.as_raw().to_vec());
                }
                // The name look-alikes contain: `client-cert`'s common name (read leniently),
                // else the staging CA's own control's.
                let control_cn = match &client {
                    Some(c) => c.certified.cert.first().and_then(|l| common_name_of(l)),
                    None => Some(STAGING_CONTROL_CN.to_owned()),
                };
                Some(staging_identities(
                    &ca,
                    claimed.as_ref(),
                    control_cn.as_deref(),
                    preferred,
                    provider,
                )?)
            }
            None => None,
        };
        Ok((client, staging, fallback, claimed, kinds, staging_cert))
    }
}

/// The key kind the scan's own certificates take wherever the server accepts it: that of the
/// user's `client-cert`, else that of the staging CA's certificate (an organisation's PKI tends
/// to one kind), else none (the usual choice, P-256 first). A certificate the server must refuse
/// is then refused for its flaw, not for its key kind: a verifier that lets any P-384 certificate
/// in refused a P-256 one, and the scan passed it (B, exit 0).
fn preferred_kind(
    client: Option<&ClientIdentity>,
    staging_ca: Option<&CertificateDer<'static>>,
) -> Option<KeyKind> {
    client
        .and_then(|c| c.certified.cert.first())
        .and_then(|leaf| KeyKind::of_certificate(leaf.as_ref()))
        .or_else(|| staging_ca.and_then(|ca| KeyKind::of_certificate(ca.as_ref())))
}

/// A certificate's issuer (DER) and the kind of signature it carries; nothing for another
/// algorithm or an unparsable certificate.
fn signed_with(der: &[u8]) -> Option<(Vec<u8>, SignatureKind)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let kind = SignatureKind::of_signature_oid(&cert.signature_algorithm.algorithm.to_id_string())?;
    Some((cert.tbs_certificate.issuer.as_raw().to_vec(), kind))
}

/// A CA certificate's subject (DER) and the kind of signature its key makes.
fn ca_key_signs(der: &[u8]) -> Option<(Vec<u8>, SignatureKind)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let oid = cert
        .tbs_certificate
        .subject_pki
        .algorithm
        .algorithm
        .to_id_string();
    let kind = SignatureKind::of_key_oid(&oid)?;
    Some((cert.tbs_certificate.subject.as_raw().to_vec(), kind))
}

/// The staging CA's identities. Every one carries the positive control's subject and
/// subjectAltName: `client-cert`'s when given (`claimed`; the valid one is then the staging CA's
/// own control, the probes without their flaw), else the valid staging certificate's (the same
/// subject, minted so). A server that lets a flaw (expired, not yet valid, wrong EKU) through
/// its TLS layer and then allows a list of subjects lets that certificate in as it lets the
/// control in; with a subject of its own it met the list, and the list's 403 read as a refusal
/// of the flaw.
fn staging_identities(
    ca: &Arc<SigningCa>,
    claimed: Option<&Impersonated>,
    control_cn: Option<&str>,
    preferred: Option<KeyKind>,
    provider: &Arc<CryptoProvider>,
) -> Result<StagingIdentities, ScanError> {
    let now = time::OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    let issue = |claimed: Option<&Impersonated>,
                 origin: &str,
                 tweak: &dyn Fn(&mut rcgen::CertificateParams)| {
        let mut params = client_leaf_params(STAGING_CONTROL_CN);
        tweak(&mut params);
        IdentityPair::issue_claiming(
            ca.clone(),
            params,
            claimed.cloned(),
            origin,
            provider.clone(),
        )
        .map(|pair| Arc::new(pair.preferring(preferred)))
    };
    let valid = issue(claimed, STAGING_VALID_ORIGIN, &|_| {})?;
    Ok(StagingIdentities {
        expired: issue(claimed, "minted: staging CA, expired", &|p| {
            p.not_before = now - day * 10;
            p.not_after = now - day;
        })?,
        not_yet_valid: issue(claimed, "minted: staging CA, not yet valid", &|p| {
            p.not_before = now + day;
            p.not_after = now + day * 10;
        })?,
        wrong_eku: issue(claimed, "minted: staging CA, EKU serverAuth only", &|p| {
            p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        })?,
        holder: issue(
            None,
            "minted: staging CA, an end-entity certificate without keyUsage",
            &|p| {
                p.key_usages = Vec::new();
                p.extended_key_usages = Vec::new();
            },
        )?,
        lookalikes: {
            use crate::probe::lookalike_client_cert::{pair_names, LOOKALIKE_MARK, STRANGER_MARK};
            // The valid certificate the look-alikes imitate: the staging CA's own control (it
            // carries `client-cert`'s subject and names where given).
            let control = valid
                .for_schemes(&[rustls::SignatureScheme::ECDSA_NISTP256_SHA256])
                .ok()
                .and_then(|i| i.certified.cert.first().cloned());
            let mut pairs = Vec::new();
            for names in pair_names(control_cn, control.as_ref().map(|c| c.as_ref())) {
                let mark = names.shape.mark();
                let mint = |what: &str, n: &crate::probe::lookalike_client_cert::Names| {
                    issue(None, &format!("minted: staging CA, {what} {mark}"), &|p| {
                        p.distinguished_name = n.subject.clone();
                        p.subject_alt_names = n.sans.clone();
                    })
                };
                pairs.push((
                    mint(STRANGER_MARK, &names.stranger)?,
                    mint(LOOKALIKE_MARK, &names.lookalike)?,
                ));
            }
            pairs
        },
        valid,
        ca_after: (!ca.presents_chain()).then(|| ca.cert.clone()),
    })
}

/// The common name of the staging CA's own control (where no `client-cert` is given).
const STAGING_CONTROL_CN: &str = "mtls-scan staging client";

/// The first common name of the certificate `der`, read leniently (`None` without one).
fn common_name_of(der: &CertificateDer<'_>) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let cn = cert.subject().iter_common_name().next()?.as_str().ok()?;
    (!cn.trim().is_empty()).then(|| cn.to_owned())
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
            per_host: 16,
            deadline: None,
            extra_roots: Vec::new(),
            expiry_warning_days: crate::checks::server_cert::DEFAULT_EXPIRY_WARNING_DAYS,
            config_probe: true,
            skip_probes: Vec::new(),
        }
    }
}

/// The process's crypto provider: aws-lc-rs, the one provider in the build, with the AES-128-GCM
/// SHA-256 suites offered first (aws-lc-rs puts AES-256-GCM SHA-384 first). Servers that follow
/// the client's order (OpenSSL's default, so nginx, Apache, HAProxy) then run a SHA-256 key
/// schedule: SHA-384's HMACs were 11% of a scan's instructions, on both ends. What a probe
/// tests does not depend on the suite; every suite stays offered. secp521r1 is named last among
/// the groups ([`crate::transport::p521`]): a P-521 `client-cert` is presented on TLS 1.2 only
/// to a server that saw the client name that curve.
pub fn provider() -> Arc<CryptoProvider> {
    use rustls::CipherSuite as Suite;
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    let sha256_first = |s: &rustls::SupportedCipherSuite| {
        !matches!(
            s.suite(),
            Suite::TLS13_AES_128_GCM_SHA256
                | Suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
                | Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        )
    };
    provider.cipher_suites.sort_by_key(sha256_first);
    provider.kx_groups.push(crate::transport::p521::SECP521R1);
    Arc::new(provider)
}

/// A prepared scanner: identities minted, trust anchors loaded.
pub struct Scanner {
    scan: Arc<ScanContext>,
    deadline: Option<Duration>,
    skip: Vec<ProbeId>,
    targets_in_flight: usize,
}

impl Scanner {
    /// The scan's shared context, for tests of the probes' own parts.
    #[cfg(test)]
    pub(crate) fn context(&self) -> &ScanContext {
        &self.scan
    }

    /// Mints the scan's throwaway CA and identities and loads the trust anchors.
    pub fn new(options: &ScanOptions) -> Result<Self, ScanError> {
        let provider = provider();
        let user_given = user_roots(options)?;
        let trust = Arc::new(trust_anchors(options, &user_given, &provider)?);
        let (client, staging, forge_fallback_issuer, claimed, issuer_key_kinds, staging_ca) =
            options.identities.load(&provider)?;
        let preferred = preferred_kind(client.as_ref(), staging_ca.as_ref());
        // Minted on first need: the scan connects at once, and minting waits for a server that
        // asks for a certificate.
        let untrusted = Arc::new(
            IdentityPair::minted_on_first_use(
                "mtls-scan Unknown CA",
                client_leaf_params("mtls-scan untrusted client"),
                "minted: unknown CA",
                provider.clone(),
            )
            .preferring(preferred),
        );
        // The CA certificates the scan holds (client-cert's chain past its leaf, the staging CA,
        // the roots given for the server): the real client CA's may be among them.
        let mut known_ca_certs: Vec<CertificateDer<'static>> = Vec::new();
        for der in client
            .iter()
            .flat_map(|c| c.certified.cert.iter().skip(1))
            .chain(staging_ca.iter())
            .chain(user_given.iter())
        {
            if known_ca_certs.len() < 32 && !known_ca_certs.contains(der) {
                known_ca_certs.push(der.clone());
            }
        }
        // With `client-cert`, it claims that certificate's subject and names, as the certificate
        // from an unknown CA does (a TLS layer that admits it before an application's check of
        // the name lets it in).
        let self_signed = Arc::new(
            IdentityPair::self_signed_on_first_use(
                client_leaf_params("mtls-scan self-signed client"),
                claimed.clone(),
                if claimed.is_some() {
                    "minted: self-signed, the valid certificate's subject"
                } else {
                    "minted: self-signed"
                },
                provider.clone(),
            )
            .preferring(preferred),
        );
        let forger = Arc::new(
            Forger::new(provider.clone())
                .claiming(claimed)
                .preferring(preferred),
        );
        let mut skip = options.skip_probes.clone();
        if !options.config_probe {
            skip.push(ProbeId::TLS_CONFIG_EXPOSED);
        }
        Ok(Self {
            scan: Arc::new(ScanContext {
                probes: Arc::new(ProbeContext {
                    provider,
                    untrusted,
                    self_signed,
                    forger,
                    client,
                    staging,
                    forge_fallback_issuer,
                    issuer_key_kinds,
                    known_ca_certs,
                    header_trust: Arc::new(server_cert::HeaderTrustStore::new(trust.clone())),
                }),
                trust,
                server_cert: server_cert::Policy {
                    expiry_warning_days: options.expiry_warning_days,
                },
                limits: Limits {
                    timeout: options.timeout,
                    ..Limits::default()
                },
                permits: Arc::new(Permits::new(options.concurrency, options.per_host)),
                versions: if options.versions.is_empty() {
                    TlsVersion::ALL.to_vec()
                } else {
                    options.versions.clone()
                },
            }),
            deadline: options.deadline,
            skip,
            // Enough targets to keep every global slot busy (a target runs about six probes at
            // once), few enough that waiting targets cost nothing.
            targets_in_flight: (options.concurrency / 4).max(2),
        })
    }

    /// Scans every target concurrently; the report keeps the order given.
    pub async fn scan(&self, targets: &[Target]) -> Report {
        self.scan_with_progress(targets, |_| {}).await
    }

    /// Scans like [`Scanner::scan`], calling `on_target` as each target finishes. With a total
    /// deadline, targets not finished in time are reported as not scanned.
    pub async fn scan_with_progress(
        &self,
        targets: &[Target],
        mut on_target: impl FnMut(&TargetReport),
    ) -> Report {
        let start = Instant::now();
        let mut reports: Vec<Option<TargetReport>> = vec![None; targets.len()];
        self.scan_each(targets, |i, r| {
            on_target(&r);
            if let Some(slot) = reports.get_mut(i) {
                *slot = Some(r);
            }
        })
        .await;
        let reports = reports
            .into_iter()
            .zip(targets)
            .map(|(r, t)| {
                r.unwrap_or_else(|| failed(t, "internal error: the scan task ended early".into()))
            })
            .collect();
        Report::new(reports, start.elapsed().as_secs_f64() * 1000.0)
    }

    /// Scans every target concurrently and hands each report, with the target's index, to
    /// `on_target` as it finishes (in the order they finish), keeping none: memory follows the
    /// concurrency, not the number of targets (a fleet scan that streams its results). A target
    /// whose task failed is handed over as failed; each index is handed over once.
    pub async fn scan_each(
        &self,
        targets: &[Target],
        mut on_target: impl FnMut(usize, TargetReport),
    ) {
        let until = self.deadline.map(|d| tokio::time::Instant::now() + d);
        // Every exchange stops at the deadline, so a target cut short keeps what its finished
        // probes proved; the whole target's time-out below is only a backstop.
        let scan = match until {
            Some(until) => Arc::new(ScanContext {
                limits: Limits {
                    scan_until: Some(until),
                    ..self.scan.limits
                },
                ..ScanContext::clone(&self.scan)
            }),
            None => self.scan.clone(),
        };
        let mut set = JoinSet::new();
        let mut waiting = targets.iter().enumerate();
        let mut running = std::collections::HashMap::new();
        loop {
            // A target's task exists only once it may run: memory follows the concurrency, not
            // the number of targets.
            while set.len() < self.targets_in_flight {
                let Some((i, t)) = waiting.next() else { break };
                let (scan, skip) = (scan.clone(), self.skip.clone());
                let (target, deadline) = (t.clone(), self.deadline);
                let id = set
                    .spawn(async move {
                        let work = scan_target(&target, &scan, &skip);
                        let not_scanned = |when: &str| {
                            let shown = deadline.map_or_else(String::new, crate::text::duration);
                            failed(
                                &target,
                                format!(
                                    "not scanned: the total deadline of {shown} expired {when} \
                                     (give a longer `deadline`, fewer targets per run, or a \
                                     shorter `timeout` for a server that stalls)"
                                ),
                            )
                        };
                        let report = match until {
                            Some(until) if tokio::time::Instant::now() >= until => {
                                not_scanned("before its turn came")
                            }
                            Some(until) => tokio::time::timeout_at(until + DEADLINE_GRACE, work)
                                .await
                                .unwrap_or_else(|_| not_scanned("before its verdict")),
                            None => work.await,
                        };
                        (i, report)
                    })
                    .id();
                running.insert(id, i);
            }
            match set.join_next_with_id().await {
                Some(Ok((id, (i, r)))) => {
                    running.remove(&id);
                    on_target(i, r);
                }
                Some(Err(e)) => {
                    tracing::warn!("a target task failed: {e}");
                    if let Some((i, t)) = running
                        .remove(&e.id())
                        .and_then(|i| Some((i, targets.get(i)?)))
                    {
                        on_target(
                            i,
                            failed(t, "internal error: the scan task ended early".into()),
                        );
                    }
                }
                None => break,
            }
        }
    }
}

/// One target: the handshake probes (with the target probes that need nothing from them), then
/// the target probes that read their facts; then the verdict, the implications and the grade,
/// each once.
async fn scan_target(target: &Target, scan: &ScanContext, skip: &[ProbeId]) -> TargetReport {
    let runs = |start: Start| {
        registry::TARGET_PROBES
            .iter()
            .filter(move |p| p.starts() == start && !skip.contains(&p.spec().id))
    };
    let t0 = Instant::now();
    let early = join_all(runs(Start::WithFirstWave).map(|p| timed(*p, target, scan, None, t0)));
    // The probes that read the first wave start as soon as its baselines are final when nothing
    // else of the wave can change what they read (see [`Baseline`]); else after the whole wave.
    let (baseline_tx, baseline_rx) = tokio::sync::oneshot::channel::<FirstWave>();
    // One set of side-door knocks for the target, whichever wave the side doors read.
    let knocks: Arc<crate::probe::knock::SharedKnocks> = Arc::default();
    let after_baseline = async {
        let mut baseline = baseline_rx.await.ok()?;
        baseline.knocks = knocks.clone();
        tracing::debug!(target: "probe_core::timing", url = %target.url, at_ms = exchange::ms(t0.elapsed()), "baselines final: the side doors start");
        Some(
            join_all(
                runs(Start::AfterFirstWave).map(|p| timed(*p, target, scan, Some(&baseline), t0)),
            )
            .await,
        )
    };
    // The whole wave, for a probe handed the baselines alone that needs the rest (its observations
    // are sent as soon as the wave ends, inside the join, when a probe holds the receiver).
    let (whole_tx, whole_rx) = tokio::sync::watch::channel(None);
    // The side doors' first knocks, made while the wave still runs (see [`early_knocks`]).
    let (early_tx, early_rx) = tokio::sync::mpsc::unbounded_channel();
    let knocks_early = early_knocks(target, scan, knocks.clone(), early_rx);
    let cert_asked = SIDE_DOORS_KNOCKING
        .iter()
        .any(|id| !skip.contains(id))
        .then_some(early_tx);
    let wave = async {
        let wave = handshake_probes(
            target,
            scan,
            skip,
            Baseline(Some(baseline_tx), Some(whole_rx)),
            cert_asked,
        )
        .await;
        if whole_tx.receiver_count() > 0 {
            whole_tx.send_replace(Some((
                Arc::new(wave.0.observations.clone()),
                Arc::new(wave.0.chains.clone()),
            )));
        }
        wave
    };
    let ((mut first, skipped), early, late, ()) =
        tokio::join!(wave, early, after_baseline, knocks_early);
    first.knocks = knocks.clone();
    tracing::debug!(target: "probe_core::timing", url = %target.url, at_ms = exchange::ms(t0.elapsed()), "handshake probes done");
    let late = match late {
        Some(late) => late,
        None => {
            join_all(runs(Start::AfterFirstWave).map(|p| timed(*p, target, scan, Some(&first), t0)))
                .await
        }
    };

    let mut v = verdict::judge_skipping(&first.observations, skip);
    let mut findings = std::mem::take(&mut v.findings);
    let mut notes = forged_names_note(&first.observations);
    notes.extend(declared_versions_note(
        &first.observations,
        &target.tls_versions,
    ));
    notes.extend(crate::probe::no_client_cert_http1::unanswered_note(
        &first.observations,
    ));
    let chose_tls12 = first.observations.iter().any(|o| {
        o.id == ProbeId::NO_CLIENT_CERT
            && o.detail.as_deref().is_some_and(|d| d.contains(CHOSE_TLS12))
    });
    if target.connect_to.is_none() && target.host.parse::<std::net::IpAddr>().is_err() {
        let addr = (target.host.clone(), target.port);
        // Bounded: the probes are done, and a resolver that hangs now must not hold the report
        // (review A: this lookup had no time-out of its own).
        let lookup = tokio::time::timeout(ADDRESS_LOOKUP_WAIT, crate::transport::addresses(&addr));
        if let Ok(Ok(found)) = lookup.await {
            notes.extend(several_addresses_note(&target.host, target.port, &found));
        }
    }
    if chose_tls12 {
        notes.push(
            "TLS 1.3 read as not spoken: its handshakes closed before the server's certificate \
             without an alert, and one offering TLS 1.3 and TLS 1.2 together got TLS 1.2"
                .to_owned(),
        );
    }
    let mut report = TargetReport {
        url: target.url.clone(),
        host_port: target.host_port(),
        grade: Grade::F,
        score: 0,
        judged: None,
        client_auth: v.client_auth,
        enforced_at: v.enforced_at,
        tls_versions: v.tls_versions,
        findings: Vec::new(),
        probes: first.observations,
        skipped_probes: skipped,
        error: v.error,
        verification: v.verification,
        expect: Default::default(),
        tags: Vec::new(),
        notes,
        server_certificate: None,
        config_probes: Vec::new(),
        verification_detail: v.verification_detail,
        incomplete: v.incomplete,
        sni_names_tried: Vec::new(),
        scenarios_not_played: Vec::new(),
    };
    report.skipped_probes.extend(
        registry::TARGET_PROBES
            .iter()
            .filter(|p| skip.contains(&p.spec().id))
            .map(|p| SkippedProbe::switched_off(p.spec().id)),
    );
    let mut stack_hint = None;
    for outcome in early.into_iter().chain(late) {
        findings.extend(outcome.findings);
        report.notes.extend(outcome.notes);
        report.incomplete.extend(outcome.incomplete);
        report.skipped_probes.extend(outcome.skipped);
        for name in outcome.sni_names_tried {
            if !report.sni_names_tried.contains(&name) {
                report.sni_names_tried.push(name);
            }
        }
        stack_hint = stack_hint.or(outcome.stack_hint);
        match outcome.section {
            Section::None => {}
            Section::ServerCertificate(c) => report.server_certificate = Some(*c),
            Section::ConfigProbes(c) => report.config_probes = c,
        }
    }
    // The protected name and Host asked again without a certificate (beside a served side door)
    // and served: an anonymous client gets in on some connections, whatever the baseline read.
    if !findings
        .iter()
        .any(|f| f.id == crate::finding::FindingId::ClientCertOptional)
    {
        findings.extend(
            knocks
                .front_served()
                .or_else(|| anonymous_served_elsewhere(&report.probes, &report.config_probes)),
        );
    }
    lower_exposure_behind_the_check(&mut findings, &report);
    mark_implied(&mut findings);
    // A critical door proven where the first wave could judge nothing (every anonymous baseline
    // closed unread: Node hanging up on an unauthorised socket, whose TLS 1.3 session resumed is
    // served): the target was scanned far enough to fail, and says so with its finding, not as
    // one that could not be scanned; why its baselines say nothing stays, as a note and unread.
    if let Some(why) = report.error.take_if(|_| {
        findings
            .iter()
            .any(|f| f.severity == crate::finding::Severity::Critical && f.implied_by.is_none())
    }) {
        report
            .notes
            .push(format!("the first wave alone judged nothing: {why}"));
        if report.incomplete.is_empty() {
            report.incomplete.push(crate::facts::IncompleteProbe {
                probe: ProbeId::NO_CLIENT_CERT.as_str().to_owned(),
                tls_version: None,
                reason: why,
            });
        }
    }
    attach_fixes(&mut findings, stack_hint, &report.probes);
    lead_unverified_by_http(&mut findings, &report.probes);
    verdict::sort_findings(&mut findings);
    (report.score, report.grade) = if report.error.is_some() {
        (0, Grade::F)
    } else {
        grade_target(findings.iter(), report.is_unproven())
    };
    report
        .notes
        .extend(crate::probe::valid_client_cert::stand_in_notes(
            &report.probes,
        ));
    let off: Vec<&str> = report
        .admission_switched_off()
        .map(|s| s.id.as_str())
        .collect();
    if !off.is_empty() && report.error.is_none() {
        report.notes.push(format!(
            "graded B at best: {} switched off (`--skip-probe`), so what {} is not proven",
            off.join(", "),
            if off.len() == 1 {
                "it tries"
            } else {
                "they try"
            }
        ));
    }
    report.findings = findings.into_iter().map(Into::into).collect();
    report.refresh_not_run_note();
    report
        .probes
        .iter_mut()
        .for_each(ProbeObservation::shed_judging_state);
    redact_everywhere(report, &target.secret_values())
}

/// Longest the lookup of a name's addresses for its note ([`several_addresses_note`]) may take:
/// without an answer by then, no note.
const ADDRESS_LOOKUP_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// At most this many of a name's addresses are listed in its note.
const ADDRESSES_SHOWN: usize = 4;

/// Says so where `host` resolves to more than one address (loopback aside): each connection
/// goes to the first that accepts it, so the nodes behind the others (a load balancer's, a DNS
/// round robin's) were not scanned, and may not be set alike.
fn several_addresses_note(host: &str, port: u16, found: &[std::net::SocketAddr]) -> Option<String> {
    let mut ips: Vec<std::net::IpAddr> = Vec::new();
    for a in found {
        if !ips.contains(&a.ip()) {
            ips.push(a.ip());
        }
    }
    if ips.len() < 2 || ips.iter().all(std::net::IpAddr::is_loopback) {
        return None;
    }
    let shown: Vec<String> = ips
        .iter()
        .take(ADDRESSES_SHOWN)
        .map(ToString::to_string)
        .collect();
    let more = ips.len().saturating_sub(ADDRESSES_SHOWN);
    Some(format!(
        "{host} resolves to {} addresses ({}{}): every connection went to the first of them \
         that accepted it, so the others were not scanned (the nodes of a load balancer or a \
         DNS round robin may not all be set alike): scan each with `--resolve \
         {host}:{port}:ADDRESS`",
        ips.len(),
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    ))
}

/// The report with every value of the user's headers and secret query values (in each form a server may echo it)
/// replaced wherever it stands: a server can put what it was sent anywhere, a CA name of its
/// CertificateRequest included (which the forged certificates then copy), not only the bodies
/// and headers the transport already redacts.
fn redact_everywhere(report: TargetReport, secrets: &[String]) -> TargetReport {
    if secrets.is_empty() {
        return report;
    }
    let Ok(mut value) = serde_json::to_value(&report) else {
        return report;
    };
    if !redact_strings(&mut value, secrets) {
        return report;
    }
    serde_json::from_value(value).unwrap_or_else(|e| {
        failed_named(
            report.url.clone(),
            report.host_port.clone(),
            format!("internal error: the report could not be redacted ({e})"),
        )
    })
}

/// Fields of a report that hold the scan's own words (ids, enums, the target's URL and name,
/// fingerprints), never what a server sent: left as they are, whatever the user's header values
/// (`-H 'X-Priority: critical'`, `-H 'X-Forwarded-Proto: https'` once garbled a URL and lost a
/// whole target to a severity no longer read back).
const SCAN_OWN_FIELDS: &[&str] = &[
    "url",
    "host_port",
    "id",
    "probe",
    "grade",
    "score",
    "severity",
    "outcome",
    "tls_version",
    "tls_versions",
    "client_auth",
    "enforced_at",
    "verification",
    "expect",
    "cwe",
    "implied_by",
    "tags",
    "marks",
    "stack",
    "guessed",
    "sha256",
    "sha256_b64",
    "origin",
    "asked_after_handshake",
    "alpn",
    "signature_schemes",
    "ms",
    "attempts",
    "late",
    "judged",
    "sni_names_tried",
    "trust",
    "format",
    "host",
    "kind",
    "mode",
];

/// What stands for a text that held a secret in an encoded form ([`holds_a_secret_decoded`]).
const ECHOED_ENCODED: &str =
    "<redacted: the server's text held a secret value in an encoded form; none of it is shown>";

/// Whether `text`, decoded as a server may have encoded what it echoes (JSON's `\uXXXX` and
/// other escapes, HTML's numeric entities, percent-encoding up to three times over, and these
/// one after another), holds one of `secrets` (ASCII case aside) that `text` itself does not.
fn holds_a_secret_decoded(text: &str, secrets: &[String]) -> bool {
    if !text.contains(['\\', '%', '&']) {
        return false;
    }
    let percent = |t: &str| {
        percent_encoding::percent_decode_str(t)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut variants: Vec<String> = Vec::new();
    for first in [
        text.to_owned(),
        crate::text::unescape_json_and_entities(text),
    ] {
        let mut t = first;
        for _ in 0..3 {
            let next = percent(&t);
            variants.push(crate::text::unescape_json_and_entities(&next));
            if next == t {
                break;
            }
            variants.push(next.clone());
            t = next;
        }
        variants.push(t);
    }
    let lower = |t: &str| t.to_ascii_lowercase();
    let raw = lower(text);
    // The whole secret, and its first and last 8 characters: an excerpt cut inside an encoded
    // echo keeps only a piece of it (review U: 256 characters of HTML entities ended 40
    // characters into the token).
    let pieces: Vec<String> = secrets
        .iter()
        .flat_map(|s| {
            let s = lower(s);
            let ends = s
                .len()
                .checked_sub(SECRET_PIECE_CHARS)
                .filter(|&at| at > 0)
                .map(|at| {
                    [s.get(..SECRET_PIECE_CHARS), s.get(at..)]
                        .into_iter()
                        .flatten()
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                });
            std::iter::once(s.clone()).chain(ends.into_iter().flatten())
        })
        .filter(|piece| !raw.contains(piece.as_str()))
        .collect();
    variants
        .iter()
        .map(|v| lower(v))
        .any(|v| pieces.iter().any(|piece| v.contains(piece.as_str())))
}

/// The shortest piece of a secret an encoded echo is caught by ([`holds_a_secret_decoded`]).
const SECRET_PIECE_CHARS: usize = 8;

/// Redacts every string of `value` in place, but in the scan's own fields; whether any changed.
fn redact_strings(value: &mut serde_json::Value, secrets: &[String]) -> bool {
    match value {
        serde_json::Value::String(s) => {
            let mut redacted = s.clone();
            for secret in secrets {
                redacted = exchange::replace_ignoring_ascii_case(&redacted, secret, "<redacted>");
            }
            // A form no list foresees (Gson's `\u003d` for `=`, a value URL-encoded twice): where
            // the text decoded holds a secret, none of it is kept.
            if holds_a_secret_decoded(&redacted, secrets) {
                redacted = ECHOED_ENCODED.to_owned();
            }
            let changed = redacted != *s;
            *s = redacted;
            changed
        }
        serde_json::Value::Array(items) => {
            let mut changed = false;
            for v in items {
                changed |= redact_strings(v, secrets);
            }
            changed
        }
        serde_json::Value::Object(map) => {
            let mut changed = false;
            for (k, v) in map.iter_mut() {
                if !SCAN_OWN_FIELDS.contains(&k.as_str()) {
                    changed |= redact_strings(v, secrets);
                }
            }
            changed
        }
        _ => false,
    }
}

/// Says so when the server advertised more CA names than the forged-certificate probe forges
/// from ([`forged_client_cert::MAX_NAMES`] per version): the others were not tried.
fn forged_names_note(observations: &[ProbeObservation]) -> Vec<String> {
    use crate::probe::forged_client_cert::MAX_NAMES;
    let forged = observations
        .iter()
        .any(|o| o.id == ProbeId::FORGED_CLIENT_CERT && o.client_cert.is_some());
    let advertised = observations
        .iter()
        .filter(|o| o.id == ProbeId::NO_CLIENT_CERT)
        .map(|o| o.acceptable_cas.len())
        .max()
        .unwrap_or(0);
    if !forged || advertised <= MAX_NAMES {
        return Vec::new();
    }
    vec![format!(
        "the server advertised {advertised} CA names; forged-client-cert forged certificates from \
         the first {MAX_NAMES} only (per TLS version): a server that matches issuers by name for \
         one CA usually does for all, but the other {} were not tried",
        advertised - MAX_NAMES
    )]
}

/// `client-cert-optional` where the anonymous baseline was refused in the handshake after a
/// CertificateRequest on a version, yet a configuration probe's connection without a certificate
/// on that version completed the handshake and was served a 2xx: a handshake's refusal cannot
/// depend on the path, so some connections to this address let an anonymous client in (a TCP
/// balancer over servers set up differently).
fn anonymous_served_elsewhere(
    probes: &[ProbeObservation],
    config: &[crate::checks::config_body::ConfigObservation],
) -> Option<crate::finding::Finding> {
    let refused_in_handshake = |v: TlsVersion| {
        probes.iter().any(|o| {
            o.id == ProbeId::NO_CLIENT_CERT
                && o.tls_version == v
                && !o.late
                && o.cert_requested
                && o.asked_after_handshake.is_none()
                && o.outcome == Outcome::RefusedTls
        })
    };
    let served = config.iter().find(|c| {
        !c.client_cert
            && c.http_status.is_some_and(|st| (200..300).contains(&st))
            && c.tls_version.is_some_and(refused_in_handshake)
    })?;
    let v = served.tls_version?;
    let mut f = crate::finding::Finding::new(
        crate::finding::FindingId::ClientCertOptional,
        format!(
            "{v}: the server asked for a client certificate and refused a client without one in \
             the handshake, yet another connection without one (the configuration probe's GET \
             {}) completed the handshake and was served HTTP {}: a refusal in the handshake does \
             not depend on the path, so some connections to this address let an anonymous client \
             in (a load balancer over servers set up differently). Every server behind this \
             address must require a verified certificate.",
            crate::text::escape_controls(&served.path),
            served.http_status.unwrap_or_default()
        ),
    );
    f.tls_versions = vec![v];
    Some(f)
}

/// Reads a version outside `spoken` (the versions the user says the server speaks) as one the
/// server does not speak where every probe's handshake on it closed before the server's
/// certificate on every attempt (or refused the version): what a server that does not speak it
/// and sends no protocol_version alert does (Python asyncio). A version on which any probe got
/// the server's certificate is spoken (a fleet, a flaky front): left as it is, and judged.
fn read_as_declared(probes: &mut [ProbeObservation], spoken: &[TlsVersion], because: &str) {
    if spoken.is_empty() {
        return;
    }
    let unspoken: Vec<TlsVersion> = TlsVersion::ALL
        .into_iter()
        .filter(|v| !spoken.contains(v))
        .filter(|v| {
            let on_v = || probes.iter().filter(|o| o.tls_version == *v);
            on_v().any(ProbeObservation::closed_before_server_certificate)
                && on_v().all(|o| {
                    o.closed_before_server_certificate() || o.outcome == Outcome::UnsupportedVersion
                })
        })
        .collect();
    for o in probes
        .iter_mut()
        .filter(|o| unspoken.contains(&o.tls_version) && o.closed_before_server_certificate())
    {
        o.outcome = Outcome::UnsupportedVersion;
        o.detail = Some(format!(
            "{} (no protocol_version alert): read as a version the server does not speak, {} \
             ({})",
            o.detail.as_deref().unwrap_or_default(),
            because,
            crate::facts::TlsVersion::list(spoken)
        ));
    }
}

/// Why [`read_as_declared`] reads a version as unspoken: the user said so.
const DECLARED: &str = "as `tls-versions` says";

/// Why [`read_as_declared`] reads TLS 1.3 as unspoken: offered with TLS 1.2, the server chose
/// TLS 1.2 ([`tls13_unspoken`]).
const CHOSE_TLS12: &str = "as one handshake offering TLS 1.3 and TLS 1.2 together showed: the \
     server chose TLS 1.2, which a server that speaks TLS 1.3 may not do";

/// Whether TLS 1.3 is a version the server does not speak, where every TLS 1.3 handshake closed
/// before the server's certificate without an alert while TLS 1.2 was answered (Python asyncio
/// limited to TLS 1.2: an audit's aiohttp was B, exit 3 in every mode): one anonymous handshake
/// offering both, in which the server signs as TLS 1.2 (RFC 8446 §4.2.1: a server speaking TLS
/// 1.3 must choose it). One connection more, only there.
async fn tls13_unspoken(
    target: &Target,
    ctx: &ProbeContext,
    scan: &ScanContext,
    probes: &[ProbeObservation],
) -> bool {
    let baseline = |v: TlsVersion| {
        probes
            .iter()
            .find(|o| o.id == ProbeId::NO_CLIENT_CERT && !o.late && o.tls_version == v)
    };
    let on_13 = || probes.iter().filter(|o| o.tls_version == TlsVersion::Tls13);
    let closed_13 = baseline(TlsVersion::Tls13)
        .is_some_and(ProbeObservation::closed_before_server_certificate)
        && on_13().all(|o| {
            o.closed_before_server_certificate() || o.outcome == Outcome::UnsupportedVersion
        });
    let answered_12 = baseline(TlsVersion::Tls12).is_some_and(|o| o.outcome.is_conclusive());
    if !closed_13 || !answered_12 || scan.limits.expired() {
        return false;
    }
    let record = SharedRecord::default();
    let versions = [TlsVersion::Tls13, TlsVersion::Tls12];
    let _permit = scan.permits.acquire(&target.server_key()).await;
    let setup = ExchangeSetup {
        pacer: Some(scan.permits.pacer(&target.server_key())),
        ..ExchangeSetup::new(&ctx.provider, &versions, None, scan.limits)
    };
    let _ = exchange::run(target, setup, &record).await;
    let chose = record.lock().server_signed;
    chose == Some(TlsVersion::Tls12)
}

/// Says where `tls-versions` and the server disagree: a version left out that the server
/// answered on (judged all the same), or a version named that it does not speak.
fn declared_versions_note(observations: &[ProbeObservation], spoken: &[TlsVersion]) -> Vec<String> {
    if spoken.is_empty() {
        return Vec::new();
    }
    let baselines = || {
        observations
            .iter()
            .filter(|o| o.id == ProbeId::NO_CLIENT_CERT && !o.late)
    };
    let mut notes = Vec::new();
    let read_as_unspoken: Vec<TlsVersion> = baselines()
        .filter(|o| {
            o.outcome == Outcome::UnsupportedVersion
                && o.detail
                    .as_deref()
                    .is_some_and(|d| d.starts_with(crate::facts::CLOSED_BEFORE_SERVER_CERTIFICATE))
        })
        .map(|o| o.tls_version)
        .collect();
    if !read_as_unspoken.is_empty() {
        notes.push(format!(
            "{} read as not spoken, as `tls-versions` says: its handshakes closed before the \
             server's certificate, without the protocol_version alert",
            crate::facts::TlsVersion::list(&read_as_unspoken)
        ));
    }
    let answered_outside: Vec<TlsVersion> = baselines()
        .filter(|o| !spoken.contains(&o.tls_version) && o.outcome.is_conclusive())
        .map(|o| o.tls_version)
        .collect();
    if !answered_outside.is_empty() {
        notes.push(format!(
            "`tls-versions` names {}, but the server speaks {} too: probed and judged on it all \
             the same",
            crate::facts::TlsVersion::list(spoken),
            crate::facts::TlsVersion::list(&answered_outside)
        ));
    }
    let unspoken_inside: Vec<TlsVersion> = baselines()
        .filter(|o| spoken.contains(&o.tls_version) && o.outcome == Outcome::UnsupportedVersion)
        .map(|o| o.tls_version)
        .collect();
    if !unspoken_inside.is_empty() {
        notes.push(format!(
            "`tls-versions` names {}, which the server does not speak",
            crate::facts::TlsVersion::list(&unspoken_inside)
        ));
    }
    notes
}

/// Runs a target probe, with a timing event when it ends (`RUST_LOG=probe_core::timing=debug`).
async fn timed(
    probe: &'static dyn crate::probe::TargetProbe,
    target: &Target,
    scan: &ScanContext,
    first: Option<&FirstWave>,
    t0: Instant,
) -> crate::probe::TargetOutcome {
    let outcome = probe.run(target, scan, first).await;
    tracing::debug!(target: "probe_core::timing", url = %target.url, probe = probe.spec().id.as_str(), at_ms = exchange::ms(t0.elapsed()), "target probe done");
    outcome
}

/// The side doors that read the shared first knock ([`crate::probe::knock::SharedKnocks`]).
const SIDE_DOORS_KNOCKING: [ProbeId; 2] = [
    ProbeId::SNI_HOST_MISMATCH_BYPASS,
    ProbeId::SESSION_RESUMPTION_BYPASS,
];

/// The side doors' first knock (the anonymous request with the protected `Host` and the first
/// other name, which the SNI probe reads and whose session the session-resumption probe offers),
/// on each version where a handshake of the first wave saw the server ask for a client
/// certificate (`versions`, told by the transport before any request): made then, while the
/// wave's requests run, so the side doors, which start once the baselines are final, find it
/// made. The knock is the one they would make (same name, same request, one per version and
/// name: `shared_knock`); a server that then serves the anonymous client, where no side door
/// runs, spent one connection per version for nothing. Ends when the first wave has.
async fn early_knocks(
    target: &Target,
    scan: &ScanContext,
    knocks: Arc<crate::probe::knock::SharedKnocks>,
    versions: tokio::sync::mpsc::UnboundedReceiver<(TlsVersion, Vec<CertificateDer<'static>>)>,
) {
    use futures_util::StreamExt as _;
    let told: std::sync::Mutex<Vec<TlsVersion>> = std::sync::Mutex::default();
    let reported = futures_util::stream::unfold(versions, |mut rx| async move {
        rx.recv().await.map(|got| (got, rx))
    });
    reported
        .for_each_concurrent(None, |(version, chain)| {
            let knocks = knocks.clone();
            let first_time = {
                let mut told = told.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let first_time = !told.contains(&version);
                if first_time {
                    told.push(version);
                }
                first_time
            };
            async move {
                if !first_time {
                    return;
                }
                let first = FirstWave {
                    observations: Vec::new(),
                    chains: vec![(version, chain)],
                    knocks,
                    whole: None,
                };
                let names = crate::probe::side_door::candidate_names(target, &first);
                let Some((sni, _)) = names.into_iter().next() else {
                    return;
                };
                tracing::debug!(target: "probe_core::timing", url = %target.url, ?version, ?sni, "early side-door knock");
                crate::probe::side_door::shared_knock(target, scan, &first, version, &sni).await;
                tracing::debug!(target: "probe_core::timing", url = %target.url, ?version, ?sni, "early side-door knock done");
            }
        })
        .await;
}

/// The records of deferred probes left unjudged on some version ([`Probe::unjudged_after`]): one
/// per probe, naming the versions, each reason once; "not every door was tried" where the probe
/// ran on another version.
fn unjudged_records(
    unjudged: &[(ProbeId, TlsVersion, String)],
    probes: &[ProbeObservation],
) -> Vec<SkippedProbe> {
    let mut out: Vec<SkippedProbe> = Vec::new();
    let mut ids: Vec<ProbeId> = Vec::new();
    for (id, _, _) in unjudged {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    for id in ids {
        let versions: Vec<TlsVersion> = unjudged
            .iter()
            .filter(|(i, _, _)| *i == id)
            .map(|(_, v, _)| *v)
            .collect();
        let mut reasons: Vec<&str> = Vec::new();
        for (_, _, why) in unjudged.iter().filter(|(i, _, _)| *i == id) {
            if !reasons.contains(&why.as_str()) {
                reasons.push(why);
            }
        }
        let on = TlsVersion::list(&versions);
        let ran_elsewhere = probes.iter().any(|o| o.id == id);
        let reason = if ran_elsewhere {
            format!(
                "{}: on {on}, {}",
                SkippedProbe::PARTLY_RUN,
                reasons.join("; ")
            )
        } else {
            format!("on {on}, {}", reasons.join("; "))
        };
        out.push(SkippedProbe { id, reason });
    }
    out
}

/// The handshake probes of the registry on every version: the first wave, the follow-ups that
/// need its facts, the probes that presented nothing they should have, and the late-auth wave.
async fn handshake_probes(
    target: &Target,
    scan: &ScanContext,
    skip: &[ProbeId],
    baseline: Baseline,
    cert_asked: Option<exchange::CertAsked>,
) -> (FirstWave, Vec<SkippedProbe>) {
    let ctx = &scan.probes;
    let mut skipped = Vec::new();
    let mut wave = Vec::new();
    // Planned, but run only where the first wave shows them wanted (`Probe::deferred`).
    let mut deferred: Vec<ProbeJob> = Vec::new();
    for probe in registry::PROBES {
        let id = probe.id();
        if skip.contains(&id) {
            skipped.push(SkippedProbe {
                id,
                reason: "switched off".into(),
            });
            continue;
        }
        match probe.plan(ctx) {
            Plan::Run(chooser) => {
                let jobs = scan.versions.iter().map(|&v| (id, v, chooser.clone()));
                if probe.deferred() {
                    deferred.extend(jobs);
                } else {
                    wave.extend(jobs);
                }
            }
            Plan::Skip(reason) => skipped.push(SkippedProbe { id, reason }),
        }
    }
    // Registry order, deferred probes in their place.
    let order: Vec<(ProbeId, TlsVersion)> = registry::PROBES
        .iter()
        .flat_map(|p| {
            wave.iter()
                .chain(&deferred)
                .filter(move |(id, _, _)| *id == p.id())
                .map(|(id, v, _)| (*id, *v))
        })
        .collect();
    // The late wave runs every planned probe where the server asks after the request.
    let jobs: Vec<ProbeJob> = wave.iter().chain(&deferred).cloned().collect();
    let run = |wave: Vec<ProbeJob>,
               baseline: Baseline,
               answered: Vec<TlsVersion>,
               cert_asked: Option<exchange::CertAsked>| {
        run_wave(
            target,
            ctx,
            (scan.limits, &scan.permits),
            wave,
            baseline,
            answered,
            cert_asked,
        )
    };
    // The sender goes with the first wave: the early knocks end with it.
    let (mut probes, chains) = run(wave, baseline, Vec::new(), cert_asked).await;

    let mut follow_ups = Vec::new();
    // Deferred probes not wanted on a version whose first wave left what they test unproven:
    // (probe, version, why).
    let mut unjudged: Vec<(ProbeId, TlsVersion, String)> = Vec::new();
    for &v in &scan.versions {
        let view = VersionView {
            version: v,
            observations: probes.iter().filter(|o| o.tls_version == v).collect(),
        };
        for (id, dv, chooser) in &deferred {
            let Some(probe) = registry::PROBES.iter().find(|p| p.id() == *id) else {
                continue;
            };
            if *dv != v {
                continue;
            }
            if probe.wanted_after(&view) {
                follow_ups.push((*id, v, chooser.clone()));
            } else if let Some(why) = probe.unjudged_after(&view) {
                unjudged.push((*id, v, why));
            }
        }
        for probe in registry::PROBES
            .iter()
            .filter(|p| order.iter().any(|(id, _)| *id == p.id()))
        {
            follow_ups.extend(
                probe
                    .follow_up(ctx, &view)
                    .into_iter()
                    .map(|c| (probe.id(), v, Some(c))),
            );
        }
    }
    if !follow_ups.is_empty() {
        let answered = answered_versions(probes.iter());
        probes.extend(
            run(follow_ups, Baseline(None, None), answered, None)
                .await
                .0,
        );
    }
    probes.sort_by_key(|o| order.iter().position(|k| *k == (o.id, o.tls_version)));
    skipped.extend(unjudged_records(&unjudged, &probes));

    for probe in registry::PROBES {
        let Some(reason) = probe.unpresented(ctx) else {
            continue;
        };
        let id = probe.id();
        let asked_for_nothing =
            |o: &ProbeObservation| o.id == id && o.cert_requested && o.client_cert.is_none();
        // The transport's own reason where the certificate could not be made (a name that
        // cannot be forged from), the probe's general one elsewhere; each said once.
        let mut reasons: Vec<String> = Vec::new();
        for unsent in probes.iter().filter(|o| asked_for_nothing(o)) {
            let why = match (&unsent.outcome, &unsent.detail) {
                (Outcome::Inconclusive, Some(detail)) if detail.starts_with(UNPRESENTED) => {
                    detail.clone()
                }
                _ => reason.to_owned(),
            };
            if !reasons.contains(&why) {
                reasons.push(why);
            }
        }
        if !reasons.is_empty() {
            probes.retain(|o| !(o.id == id && o.client_cert.is_none()));
            skipped.push(SkippedProbe {
                id,
                reason: reasons.join("; "),
            });
        }
    }
    late_wave(
        target,
        ctx,
        &scan.permits,
        scan.limits,
        &jobs,
        &mut probes,
        &mut skipped,
    )
    .await;
    // Once every attempt is in (a baseline that closed before the server's certificate is never
    // handed over early: it is retried), so the side doors read the versions as judged.
    read_as_declared(&mut probes, &target.tls_versions, DECLARED);
    if target.tls_versions.is_empty() && tls13_unspoken(target, ctx, scan, &probes).await {
        read_as_declared(&mut probes, &[TlsVersion::Tls12], CHOSE_TLS12);
    }
    (
        FirstWave {
            observations: probes,
            chains,
            knocks: Default::default(),
            whole: None,
        },
        skipped,
    )
}

/// Client auth asked for after the handshake: on each version whose baseline saw no
/// CertificateRequest, the late baseline; where the server then asks (after the handshake, or
/// inside it to OpenSSL though not to rustls), every certificate probe of the wave again through
/// the late-auth transport (see [`late_client_auth`]). Unreadable late answers are retried like
/// the first wave's ([`RETRIES`], back-off, [`RETRY_BURST`] at a time).
async fn late_wave(
    target: &Target,
    ctx: &ProbeContext,
    permits: &Arc<Permits>,
    limits: Limits,
    jobs: &[ProbeJob],
    probes: &mut Vec<ProbeObservation>,
    skipped: &mut Vec<SkippedProbe>,
) {
    let versions: Vec<TlsVersion> = probes
        .iter()
        .filter(|o| o.id == ProbeId::NO_CLIENT_CERT && late_client_auth::wanted(o))
        .map(|o| o.tls_version)
        .collect();
    let burst = Semaphore::new(RETRY_BURST);
    let one = |job: ProbeJob, ca_names: Vec<Vec<u8>>| {
        let burst = &burst;
        let header_trust = &ctx.header_trust;
        async move { late_attempts(target, permits, limits, burst, job, &ca_names, header_trust).await }
    };
    let baselines = join_all(
        versions
            .iter()
            .map(|&v| one((ProbeId::NO_CLIENT_CERT, v, None), Vec::new())),
    )
    .await;
    // The versions the server asked on, each with the CA names its late request named, and the
    // probes' follow-ups there (the forged probe's further names).
    let mut asked = Vec::new();
    let mut follow_ups: Vec<ProbeJob> = Vec::new();
    for b in baselines.into_iter().flatten() {
        if late_client_auth::certificates_wanted(&b) {
            asked.push((b.tls_version, b.acceptable_ca_names.clone()));
            let view = VersionView {
                version: b.tls_version,
                observations: vec![&b],
            };
            for probe in registry::PROBES
                .iter()
                .filter(|p| jobs.iter().any(|(id, _, _)| *id == p.id()))
            {
                follow_ups.extend(
                    probe
                        .follow_up(ctx, &view)
                        .into_iter()
                        .map(|c| (probe.id(), b.tls_version, Some(c))),
                );
            }
        }
        probes.push(b);
    }
    let proven = |version: TlsVersion| key_possession_checked_in_handshake(probes, version);
    let rest = jobs.iter().chain(&follow_ups).filter_map(|job| {
        let (_, names) = asked.iter().find(|(v, _)| *v == job.1)?;
        // The late transport cannot send a certificate without its key; where the handshake
        // already refused that one (a server asking both in the handshake and after it, Tomcat's
        // `certificateVerification="optional"` with a CLIENT-CERT constraint), it is no probe
        // left unrun.
        if job.0 == ProbeId::CERT_WITHOUT_KEY && proven(job.1) {
            return None;
        }
        // The late transport speaks HTTP/1.1 only: the HTTP/1.1 baseline is the late baseline.
        (job.0 != ProbeId::NO_CLIENT_CERT
            && job.0 != ProbeId::NO_CLIENT_CERT_HTTP1
            && job.0 != ProbeId::NO_CLIENT_CERT_NO_ALPN)
            .then(|| one(job.clone(), names.clone()))
    });
    for r in join_all(rest).await {
        keep_late(probes, skipped, r);
    }
    // The staging CA's own control, late too, where a late staging probe was refused.
    let controls: Vec<_> = asked
        .iter()
        .filter_map(|(v, names)| {
            let view = VersionView {
                version: *v,
                observations: probes
                    .iter()
                    .filter(|o| o.late && o.tls_version == *v)
                    .collect(),
            };
            let chooser = valid_client_cert::staging_control(ctx, &view)?;
            Some(one(
                (ProbeId::VALID_CLIENT_CERT, *v, Some(chooser)),
                names.clone(),
            ))
        })
        .collect();
    for r in join_all(controls).await {
        keep_late(probes, skipped, r);
    }
}

/// On `version`, the first wave's `cert-without-key` presented the positive control's
/// certificate with another key and was refused in the handshake with an alert, where the
/// positive control was served: the server checks the key it is shown, whatever it asks later.
fn key_possession_checked_in_handshake(probes: &[ProbeObservation], version: TlsVersion) -> bool {
    let first = |id: ProbeId| {
        probes
            .iter()
            .filter(move |o| o.id == id && o.tls_version == version && !o.late)
            .filter(|o| o.client_cert.is_some() && o.cert_requested)
    };
    first(ProbeId::VALID_CLIENT_CERT).any(|o| o.outcome == Outcome::Served)
        && first(ProbeId::CERT_WITHOUT_KEY)
            .any(|o| o.outcome == Outcome::RefusedTls && o.alert.is_some())
}

/// Keeps a late probe's observation, or the reason it was skipped (once per probe).
fn keep_late(
    probes: &mut Vec<ProbeObservation>,
    skipped: &mut Vec<SkippedProbe>,
    r: Result<ProbeObservation, SkippedProbe>,
) {
    match r {
        Ok(o) => probes.push(o),
        Err(s) if !skipped.iter().any(|k| k.id == s.id) => skipped.push(s),
        Err(_) => {}
    }
}

/// One late probe, tried again (at most [`RETRIES`] more times, after the first wave's back-off,
/// [`RETRY_BURST`] of the target's retries at a time) while its answer cannot be read: the target
/// answered the first wave, so a time-out or a reset is more likely a dropped connection than
/// the server's word.
async fn late_attempts(
    target: &Target,
    permits: &Permits,
    limits: Limits,
    burst: &Semaphore,
    (id, version, chooser): ProbeJob,
    ca_names: &[Vec<u8>],
    header_trust: &Arc<dyn exchange::HeaderTrust>,
) -> Result<ProbeObservation, SkippedProbe> {
    let once = || async {
        let _permit = permits.acquire(&target.server_key()).await;
        late_client_auth::run_one(
            target,
            id,
            version,
            chooser.as_ref(),
            ca_names,
            limits,
            header_trust,
        )
        .await
        .map(|observation| Attempt {
            unpresentable: observation.detail.as_deref().is_some_and(|d| {
                d == late_client_auth::UNPRESENTABLE
                    || d.starts_with(UNPRESENTED)
                    || d.starts_with(exchange::HEADERS_WITHHELD)
            }),
            // A close without an alert after our certificate: a refusal once it repeats.
            unconfirmed: observation.outcome == Outcome::RefusedTls
                && observation.alert.is_none()
                && observation.http_status.is_none(),
            closed_bare_before: false,
            observation,
            chain: Vec::new(),
            unread_for_good: false,
        })
    };
    let mut current = once().await?;
    for round in 1..=RETRIES {
        if !current.needs_retry() || limits.expired() {
            break;
        }
        tokio::time::sleep(back_off(round)).await;
        let _calm = burst.acquire().await.ok();
        current = settle(Some(current), once().await?);
    }
    Ok(unconfirmed_is_unread(current))
}

/// The observation of an attempt that stands: a close without an alert that no retry confirmed
/// is unread, not a refusal.
fn unconfirmed_is_unread(a: Attempt) -> ProbeObservation {
    let mut o = a.observation;
    if a.unconfirmed {
        o.outcome = Outcome::Inconclusive;
        o.detail = Some(format!(
            "{}; a refusal by a close without an alert counts only when it repeats, and no \
             retry could confirm it",
            o.detail.unwrap_or_default()
        ));
    }
    o
}

/// The chains the server's connections were served, per TLS version, each distinct one once.
type ServedChains = Vec<(TlsVersion, Vec<CertificateDer<'static>>)>;

/// Adds `chain`, served on `version`, to `chains` unless it is empty or already there.
fn push_distinct(
    chains: &mut ServedChains,
    version: TlsVersion,
    chain: Vec<CertificateDer<'static>>,
) {
    if !chain.is_empty() && !chains.iter().any(|(v, c)| *v == version && *c == chain) {
        chains.push((version, chain));
    }
}

/// Extra attempts of a probe whose answer could not be read, after the first.
const RETRIES: u8 = 2;

/// The wait before retry round `round` (from 1): short first, longer next, for a server whose
/// connection limit or listen backlog dropped the burst.
/// How long past the scan's total deadline a target may take to be judged before it is reported
/// as not scanned: every exchange stops at the deadline itself, so this only bounds the rest.
const DEADLINE_GRACE: Duration = Duration::from_secs(2);

fn back_off(round: u8) -> Duration {
    Duration::from_millis(if round <= 1 { 25 } else { 250 })
}

/// Attempts of one target's retried probes in flight at once: fewer than the first wave, so a
/// server that drops a burst (a small listen backlog, a connection limit) gets a calmer second try.
const RETRY_BURST: usize = 2;

/// One attempt of one probe: its observation, the chain the baseline was served, and whether its
/// refusal (a close without an alert) still needs confirming.
struct Attempt {
    observation: ProbeObservation,
    chain: Vec<CertificateDer<'static>>,
    unconfirmed: bool,
    /// An earlier attempt of this probe closed without an alert too (another shape, a time-out
    /// of our own wait, came between): the next bare close confirms it.
    closed_bare_before: bool,
    /// Its certificate could not be presented: another try would end the same.
    unpresentable: bool,
    /// Unread for good: a close without an alert left unconfirmed where nothing on its version
    /// could make a confirmed one count (see [`without_a_control`]); no retry.
    unread_for_good: bool,
}

impl Attempt {
    /// Worth another try: unreadable (never an error of our own, a refused connection or a
    /// server that is no TLS server: those repeat), a refusal by a bare close to confirm, or a
    /// busy answer (429, 502–504: a rate limit the scan's burst tripped says nothing of what the
    /// request would get).
    fn needs_retry(&self) -> bool {
        !self.unpresentable
            && !self.unread_for_good
            && (self.unconfirmed
                || self.observation.outcome == Outcome::Inconclusive
                || self
                    .observation
                    .http_status
                    .is_some_and(exchange::is_busy_status))
    }
}

async fn attempt(
    target: &Target,
    ctx: &ProbeContext,
    (limits, permits): (Limits, &Permits),
    (id, version, chooser): ProbeJob,
    cert_asked: Option<exchange::CertAsked>,
) -> Attempt {
    let _permit = permits.acquire(&target.server_key()).await;
    let record = SharedRecord::default();
    let versions = [version];
    // The valid certificate's page is read as far as a refusal's is: a refusal carrying a page
    // of 17–128 KB (a handler that writes on after its 403) was compared with nothing, the
    // control cut at the page cap, and passed (a review's: A, exit 0).
    let limits = if id == ProbeId::VALID_CLIENT_CERT {
        Limits {
            body_cap: limits.body_cap.max(crate::transport::REFUSAL_BODY_CAP),
            ..limits
        }
    } else {
        limits
    };
    let setup = ExchangeSetup {
        pacer: Some(permits.pacer(&target.server_key())),
        header_trust: Some(ctx.header_trust.clone()),
        alpn: registry::PROBES
            .iter()
            .find(|p| p.id() == id)
            .map_or(crate::transport::Alpn::Both, |p| p.alpn()),
        cert_asked,
        ..ExchangeSetup::new(&ctx.provider, &versions, chooser, limits)
    };
    let result = exchange::run(target, setup, &record).await;
    // Every probe's chain, not only the baseline's: a server whose connections get different
    // certificates (one backend of a pool with a self-signed one) was judged by one connection
    // per version and passed one scan in four (review Z's). Those alike are kept once
    // ([`push_distinct`]).
    let chain = std::mem::take(&mut record.lock().server_chain);
    let (unconfirmed, unpresentable) = (result.unconfirmed, result.unpresentable);
    Attempt {
        observation: observation(id, version, result, &record),
        chain,
        unconfirmed,
        closed_bare_before: false,
        unpresentable,
        unread_for_good: false,
    }
}

/// Runs a wave of probes; returns their observations and the chains the baseline was served.
/// A probe whose answer could not be read is tried again (at most [`RETRIES`] more times, after a
/// short back-off, [`RETRY_BURST`] at a time) when the target answered some other probe: a
/// time-out or a reset is then more likely a dropped connection than the server's word. A close
/// without an alert counts as a refusal only when a second attempt ends the same way; that second
/// attempt starts as soon as the first ends where the scan has a certificate the server may
/// accept (a positive control), else only on a version where some client got an HTTP answer
/// (this wave's, or `answered` before it): without either, a confirmed close would still be
/// unread ([`without_a_control`]), so it is not tried again.
/// Each handshake of the wave's first tries tells `cert_asked` (when set) where the server
/// asked for a client certificate ([`early_knocks`]).
async fn run_wave(
    target: &Target,
    ctx: &Arc<ProbeContext>,
    (limits, permits): (Limits, &Arc<Permits>),
    wave: Vec<ProbeJob>,
    mut baseline: Baseline,
    answered: Vec<TlsVersion>,
    cert_asked: Option<exchange::CertAsked>,
) -> (Vec<ProbeObservation>, ServedChains) {
    let control_possible = ctx.client.is_some() || ctx.staging.is_some();
    // `burst`: retries, a few at a time. Without it (the first try), a close without an alert is
    // confirmed at once by a second attempt of its own, while the rest of the wave still runs:
    // the server read our certificate and hung up, so it is up and answering, and a second try
    // needs neither a wait nor the others.
    let run_all = |jobs: Vec<(usize, ProbeJob)>, burst: Option<Arc<Semaphore>>| {
        let mut set = Tasks::default();
        for (slot, job) in jobs {
            let (target, ctx, permits, burst) =
                (target.clone(), ctx.clone(), permits.clone(), burst.clone());
            let told = cert_asked.clone().filter(|_| burst.is_none());
            set.spawn(slot, async move {
                let _calm = match &burst {
                    Some(b) => b.clone().acquire_owned().await.ok(),
                    None => None,
                };
                let first = attempt(&target, &ctx, (limits, &permits), job.clone(), told).await;
                let confirm_now = control_possible || job.0 == ProbeId::NO_CLIENT_CERT;
                if burst.is_some() || !first.unconfirmed || first.unpresentable || !confirm_now {
                    return (slot, first);
                }
                let again = attempt(&target, &ctx, (limits, &permits), job, None).await;
                (slot, settle(Some(first), again))
            });
        }
        set
    };
    let jobs: Vec<ProbeJob> = wave;
    let mut done: Vec<Option<Attempt>> = Vec::new();
    done.resize_with(jobs.len(), || None);
    let t0 = Instant::now();
    let mut set = run_all(jobs.iter().cloned().enumerate().collect(), None);
    collect(&mut set, &jobs, &mut done, &mut |done| {
        baseline.offer(&jobs, done)
    })
    .await;
    tracing::debug!(target: "probe_core::timing", url = %target.url, jobs = jobs.len(), at_ms = exchange::ms(t0.elapsed()), "wave done");
    if !control_possible {
        let answered = answered_versions(done.iter().flatten().map(|a| &a.observation))
            .into_iter()
            .chain(answered)
            .collect::<Vec<_>>();
        for a in done.iter_mut().flatten() {
            without_a_control(a, &answered);
        }
    }

    for round in 1..=RETRIES {
        let alive = done
            .iter()
            .flatten()
            .any(|a| a.observation.outcome.is_conclusive() || a.unconfirmed);
        let again: Vec<(usize, ProbeJob)> = done
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                alive
                    && a.as_ref()
                        .is_some_and(|a| a.needs_retry() && a.observation.attempts <= RETRIES)
            })
            .filter_map(|(slot, _)| jobs.get(slot).map(|j| (slot, j.clone())))
            .collect();
        if again.is_empty() || limits.expired() {
            break;
        }
        // Short first, longer next, a few at a time, for a server whose connection limit or
        // listen backlog dropped the burst. Confirmations of closes without an alert alone
        // need no wait: the server read the certificate and hung up, so it is answering.
        let only_confirmations = again.iter().all(|(slot, _)| {
            done.get(*slot)
                .and_then(Option::as_ref)
                .is_some_and(|a| a.unconfirmed && a.observation.attempts == 1)
        });
        if !only_confirmations {
            tokio::time::sleep(back_off(round)).await;
        }
        let mut set = run_all(again, Some(Arc::new(Semaphore::new(RETRY_BURST))));
        let mut retried: Vec<Option<Attempt>> = Vec::new();
        retried.resize_with(done.len(), || None);
        collect(&mut set, &jobs, &mut retried, &mut |_| {}).await;
        tracing::debug!(target: "probe_core::timing", url = %target.url, round, retried = retried.iter().flatten().count(), at_ms = exchange::ms(t0.elapsed()), "retry round done");
        for (slot, new) in retried.into_iter().enumerate() {
            let (Some(new), Some(old)) = (new, done.get_mut(slot)) else {
                continue;
            };
            *old = Some(settle(old.take(), new));
        }
    }

    let mut probes = Vec::new();
    let mut chains = Vec::new();
    for mut a in done.into_iter().flatten() {
        let chain = std::mem::take(&mut a.chain);
        let o = unconfirmed_is_unread(a);
        push_distinct(&mut chains, o.tls_version, chain);
        probes.push(o);
    }
    chains.sort_by_key(|(v, _)| *v);
    (probes, chains)
}

/// A wave's probe tasks, each known by its slot in the wave, so a task that fails (a panic in
/// a chooser, a key generation or a parser) still leaves an observation in its slot.
#[derive(Default)]
struct Tasks {
    set: JoinSet<(usize, Attempt)>,
    slots: std::collections::HashMap<tokio::task::Id, usize>,
}

impl Tasks {
    fn spawn<F>(&mut self, slot: usize, task: F)
    where
        F: std::future::Future<Output = (usize, Attempt)> + Send + 'static,
    {
        // Boxed first: an attempt's future is some 14 KB, and spawning it unboxed copied it
        // through tokio's task cells several times (~100K instructions per probe, 1.8M in an
        // anonymous scan of Go's server); boxed, tokio moves a pointer.
        let handle = self.set.spawn(Box::pin(task));
        self.slots.insert(handle.id(), slot);
    }
}

/// Waits for every task of `tasks`, putting each attempt in its slot. A task that failed becomes
/// an [`Outcome::Error`] observation of its probe ("internal error"), which the verdict lists as
/// incomplete: a probe never vanishes from a report.
async fn collect(
    tasks: &mut Tasks,
    jobs: &[ProbeJob],
    into: &mut [Option<Attempt>],
    each: &mut (dyn FnMut(&[Option<Attempt>]) + Send),
) {
    while let Some(joined) = tasks.set.join_next_with_id().await {
        let (slot, attempt) = match joined {
            Ok((_, (slot, a))) => (Some(slot), a),
            Err(e) => {
                tracing::warn!("a probe task failed: {e}");
                let slot = tasks.slots.get(&e.id()).copied();
                let Some((id, version, _)) = slot.and_then(|s| jobs.get(s)) else {
                    continue;
                };
                (slot, failed_task(*id, *version, &e))
            }
        };
        if let Some(place) = slot.and_then(|s| into.get_mut(s)) {
            *place = Some(attempt);
        }
        each(into);
    }
}

/// Where the first wave hands its baselines over early (the no-certificate probe on each version,
/// and the chains it was served) to the probes that read them: the side doors and the server
/// certificate's checks. Handed over once every baseline of the wave is final (read on its first
/// try, not a close without an alert still to confirm, so no retry can replace it) and none of
/// them calls for the late-auth wave (the server asked for a certificate in the handshake, or
/// served the anonymous client): then nothing the rest of the wave does changes what those
/// probes read. Otherwise nothing is sent, and they start after the whole wave, as they would.
struct Baseline(
    Option<tokio::sync::oneshot::Sender<FirstWave>>,
    Option<crate::probe::WholeWave>,
);

impl Baseline {
    /// Sends the baselines when `done` holds them all, final, and none wants the late wave.
    fn offer(&mut self, jobs: &[ProbeJob], done: &[Option<Attempt>]) {
        if self.0.is_none() {
            return;
        }
        let mut observations = Vec::new();
        let mut chains = Vec::new();
        for (job, slot) in jobs.iter().zip(done) {
            if job.0 != ProbeId::NO_CLIENT_CERT {
                continue;
            }
            let Some(a) = slot else { return };
            let final_and_in_hand = !a.needs_retry()
                && a.observation.outcome != Outcome::Error
                && !late_client_auth::wanted(&a.observation);
            if !final_and_in_hand {
                // It may still change, or the late wave may add to what the side doors read.
                self.0 = None;
                self.1 = None;
                return;
            }
            observations.push(a.observation.clone());
            push_distinct(&mut chains, a.observation.tls_version, a.chain.clone());
        }
        if observations.is_empty() {
            return;
        }
        chains.sort_by_key(|(v, _)| *v);
        if let Some(tx) = self.0.take() {
            let _ = tx.send(FirstWave {
                observations,
                chains,
                knocks: Default::default(),
                whole: self.1.take(),
            });
        }
    }
}

/// The attempt standing for a probe task that panicked or was cancelled: an error, never retried
/// (a panic on what the server sent would repeat), and never a refusal.
fn failed_task(id: ProbeId, version: TlsVersion, e: &tokio::task::JoinError) -> Attempt {
    let what = if e.is_panic() {
        "panicked"
    } else {
        "was cancelled"
    };
    Attempt {
        observation: ProbeObservation {
            id,
            tls_version: version,
            client_cert: None,
            cert_requested: false,
            acceptable_cas: Vec::new(),
            acceptable_ca_names: Vec::new(),
            signature_schemes: Default::default(),
            alert: None,
            http_status: None,
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
            outcome: Outcome::Error,
            detail: Some(format!(
                "internal error: the probe task {what}; nothing could be judged from it"
            )),
            ms: 0.0,
            attempts: 1,
            late: false,
            asked_after_handshake: None,
            handshake_completed: false,
        },
        chain: Vec::new(),
        unconfirmed: false,
        closed_bare_before: false,
        unpresentable: false,
        unread_for_good: false,
    }
}

/// The versions on which some client got an HTTP answer that is not a busy one: there the path
/// behind the TLS layer works, and a close without an alert that only some clients get, once
/// confirmed, is the TLS layer's refusal.
fn answered_versions<'a>(
    observations: impl Iterator<Item = &'a ProbeObservation>,
) -> Vec<TlsVersion> {
    let mut versions = Vec::new();
    for o in observations {
        if o.http_status
            .is_some_and(|st| !exchange::is_busy_status(st))
            && !versions.contains(&o.tls_version)
        {
            versions.push(o.tls_version);
        }
    }
    versions
}

/// A close without an alert after a certificate the server should refuse, in a scan with no
/// certificate the server may accept (no positive control) and on a version where no client got
/// an HTTP answer: a second close would not make it a refusal (the verdict reads confirmed closes
/// as refusals only beside an answered client: a terminator whose backend is down closes the same
/// way for everyone), so it is not tried again, and it is unread, saying why. The anonymous
/// baseline is always confirmed: its refusal sets the server's level.
fn without_a_control(a: &mut Attempt, answered: &[TlsVersion]) {
    let o = &mut a.observation;
    if !a.unconfirmed
        || a.unpresentable
        || o.id == ProbeId::NO_CLIENT_CERT
        || answered.contains(&o.tls_version)
    {
        return;
    }
    a.unconfirmed = false;
    a.unread_for_good = true;
    o.outcome = Outcome::Inconclusive;
    o.detail = Some(format!(
        "closed without an alert or an HTTP answer ({}), and no positive control could be \
         answered on this version (no client got an HTTP answer, and no `client-cert` or staging \
         CA was given): a server that refuses this way (Node, the JDK, Puma) and a terminator \
         whose backend is down look the same from outside, so the close was not tried again. \
         Give `client-cert`/`client-key` (or a staging CA) so that a served control shows the \
         close is a refusal",
        o.detail.as_deref().unwrap_or("a bare close")
    ));
}

/// The attempt that stands after a retry: a close without an alert confirmed by a second one
/// (the one before it, or any earlier: an audit's starved runner had one of three attempts end on
/// our own wait's time window between two bare closes of a correct JDK server, and the target was
/// incomplete in 8 of 10 runs) becomes a refusal; otherwise the newer attempt, keeping the
/// baseline's chain.
fn settle(old: Option<Attempt>, mut new: Attempt) -> Attempt {
    let Some(old) = old else { return new };
    new.observation.attempts = old.observation.attempts.saturating_add(1);
    if new.chain.is_empty() {
        new.chain = old.chain;
    }
    let closed_bare_before = old.unconfirmed || old.closed_bare_before;
    new.closed_bare_before = closed_bare_before;
    if closed_bare_before && new.unconfirmed {
        new.unconfirmed = false;
        new.observation.detail = Some(format!(
            "{} (the same on {} attempts: a refusal)",
            new.observation.detail.unwrap_or_default(),
            new.observation.attempts
        ));
    } else if new.observation.outcome == Outcome::Inconclusive {
        new.observation.detail = Some(crate::text::retried_reason(
            old.observation.detail.as_deref().unwrap_or_default(),
            new.observation.detail.as_deref().unwrap_or_default(),
            usize::from(new.observation.attempts),
        ));
    }
    new
}

/// What leads `enforcement-unverified`'s fixes where the TLS layer took the positive control's
/// certificate and the application refused it over HTTP: the CA is trusted, and the fixes that
/// blame the CA file, the verify depth or CRLs would send the user the wrong way.
const UNVERIFIED_BY_HTTP: &str = "# The handshake accepted the certificate given to the scan and \
     the application refused it over HTTP: the CA is trusted, and a rule of the application \
     refused this request (an allowlist of client subjects, a role, a token it needs too). Give \
     the scan an identity that rule allows (--client-cert/--client-key; with a staging CA too, \
     its certificates then claim that identity's subject) and -H with anything else it needs. \
     If the rule is wrong, fix the server:\n";

/// `tls-config-exposed` at medium (plain configuration: nothing switched off, no secret, read
/// only with the user's certificate) on a target whose verdict shows that nothing but the
/// certificates it trusts gets through: low. The page then stands behind the very check the scan
/// tested (Go's expvar on a correct etcd's or exporter's own listener): open to every client the
/// server trusts, to no one else. Whatever leaves room for another reader keeps it medium: an
/// anonymous client refused anywhere but in the handshake (after a CertificateRequest), on any
/// version; the valid certificate not served on every version it was presented on; any finding
/// but the server's own certificate's (a certificate it should refuse let in, public roots
/// trusted, a side door); a certificate from elsewhere not tried (untrusted, self-signed, forged,
/// a public root's); a probe switched off, or one that tries a way in not run or partly run for
/// any reason but the want of a staging CA; anything unread.
fn lower_exposure_behind_the_check(
    findings: &mut [crate::finding::Finding],
    report: &TargetReport,
) {
    let exposed: Vec<_> = report.config_probes.iter().filter(|o| o.exposed).collect();
    let only_with_the_certificate = !exposed.is_empty()
        && exposed
            .iter()
            .all(|o| o.client_cert && o.auth_off.is_empty() && o.redacted.is_empty());
    let locked = report.client_auth == verdict::ClientAuth::Required
        && report.enforced_at == Some(verdict::Layer::Tls)
        && report.verification == verdict::Verification::Verified;
    let nothing_else = findings.iter().all(|f| f.id.is_server_side());
    // The certificates from elsewhere were each tried (a finding's absence says nothing of a
    // probe that did not run), and the user switched no probe off (a side door among them).
    let tried = |id: ProbeId| {
        report.probes.iter().any(|o| o.id == id)
            && !report.skipped_probes.iter().any(|s| s.id == id)
    };
    let others_tried = [
        ProbeId::UNTRUSTED_CLIENT_CERT,
        ProbeId::SELF_SIGNED_CLIENT_CERT,
        ProbeId::FORGED_CLIENT_CERT,
        ProbeId::PUBLIC_ROOT_CLIENT_CERT,
    ]
    .into_iter()
    .all(tried);
    let none_switched_off = !report
        .skipped_probes
        .iter()
        .any(|s| s.reason == SkippedProbe::SWITCHED_OFF);
    // Every probe that tries another way in ran in full: one not run or partly run (a side door
    // past its caps) for any reason but the want of a staging CA leaves "nothing else" unshown.
    let every_door_tried = report.skipped_probes.iter().all(|s| {
        !crate::probe::tests_admission(s.id) || crate::probe::STAGING_PROBES.contains(&s.id)
    });
    // `enforced_at` is the first spoken version's layer (TLS 1.3's) where every version
    // requires a certificate, and a version that asked nobody and refused everyone sets none:
    // each version's own baseline, refused in its handshake after asking (the review's Go
    // servers refusing TLS 1.2 clients over HTTP, or asking them nothing, read as "tls").
    let refused_in_every_handshake = !report.tls_versions.is_empty()
        && report.tls_versions.iter().all(|&v| {
            let mut baselines = report
                .probes
                .iter()
                .filter(|o| o.id == ProbeId::NO_CLIENT_CERT && o.tls_version == v)
                .peekable();
            baselines.peek().is_some()
                && baselines.all(|o| {
                    o.outcome == Outcome::RefusedTls
                        && o.cert_requested
                        && o.asked_after_handshake.is_none()
                })
        });
    if !(only_with_the_certificate
        && locked
        && refused_in_every_handshake
        && nothing_else
        && others_tried
        && none_switched_off
        && every_door_tried
        && report.incomplete.is_empty()
        && report.error.is_none())
    {
        return;
    }
    for f in findings.iter_mut().filter(|f| {
        f.id == FindingId::TlsConfigExposed && f.severity == crate::finding::Severity::Medium
    }) {
        f.severity = crate::finding::Severity::Low;
        f.detail.push_str(BEHIND_THE_CHECK);
        f.evidence.insert(
            LOWERED_BEHIND_THE_CHECK.to_owned(),
            "medium by default; low here".to_owned(),
        );
    }
}

/// The evidence key that marks a `tls-config-exposed` lowered by
/// [`lower_exposure_behind_the_check`] (a key, which redaction leaves as it is, where the detail's
/// words may be rewritten: a user's header value of four characters or more that occurs in them).
pub(crate) const LOWERED_BEHIND_THE_CHECK: &str = "lowered: read only behind the check";

/// What [`lower_exposure_behind_the_check`] adds to the finding's detail.
pub(crate) const BEHIND_THE_CHECK: &str =
    " Only clients holding a certificate the server trusts read it: a \
     client without one was refused in the handshake on every version, and certificates from an \
     unknown CA, self-signed, forged and a public root's were refused (internals for every API \
     client, not for anyone).";

/// Undoes [`lower_exposure_behind_the_check`] on a target merged from several runs' copies
/// (`policy::merge`) when the merged copy holds what would have kept the exposure medium in one
/// run: a finding another copy raised that is not about the server's own certificate (a side door
/// one run found), or a probe some copy could not read. A copy's lowering read only its own
/// probes; the merge must not pair it with another copy's hole.
pub fn restore_exposure_unless_still_behind_the_check(target: &mut TargetReport) {
    let still_locked = target.incomplete.is_empty()
        && target.error.is_none()
        && target
            .findings
            .iter()
            .all(|f| f.finding.id.is_server_side());
    if still_locked {
        return;
    }
    for f in target.findings.iter_mut().filter(|f| {
        f.finding.id == FindingId::TlsConfigExposed
            && f.finding.severity == crate::finding::Severity::Low
            && (f.finding.evidence.contains_key(LOWERED_BEHIND_THE_CHECK)
                || f.finding.detail.ends_with(BEHIND_THE_CHECK))
    }) {
        f.finding.severity = crate::finding::Severity::Medium;
        f.finding.evidence.remove(LOWERED_BEHIND_THE_CHECK);
        match f.finding.detail.strip_suffix(BEHIND_THE_CHECK) {
            Some(kept) => f.finding.detail = kept.to_owned(),
            None => f.finding.detail.push_str(
                " Medium in this merged report: another copy of this target found a side door \
                 or left a probe unread.",
            ),
        }
    }
}

/// Leads `enforcement-unverified`'s fixes with [`UNVERIFIED_BY_HTTP`] where every positive control
/// that presented a certificate completed its handshake and was refused over HTTP (not by nginx's
/// own certificate page, which is its TLS module's), on a version whose TLS layer refused a
/// certificate from an unknown CA in the handshake: an audit's HAProxy, nginx and Apache
/// allowlists of subjects, scanned with a staging CA alone, were told to fix their CA file.
fn lead_unverified_by_http(findings: &mut [crate::finding::Finding], probes: &[ProbeObservation]) {
    let mut controls = probes
        .iter()
        .filter(|o| o.id == ProbeId::VALID_CLIENT_CERT && o.client_cert.is_some())
        .peekable();
    if controls.peek().is_none() {
        return;
    }
    // On a version whose TLS layer refuses a certificate from an unknown CA: it verifies, so the
    // control's CA is trusted (under `optional_no_ca` every certificate completes the handshake).
    let verifies = |v: TlsVersion| {
        probes.iter().any(|u| {
            u.id == ProbeId::UNTRUSTED_CLIENT_CERT
                && u.tls_version == v
                && u.client_cert.is_some()
                && u.outcome == Outcome::RefusedTls
        })
    };
    let by_http = controls.all(|o| {
        o.outcome == Outcome::RefusedHttp
            && !crate::checks::refusal::tls_module_refusal(o)
            && verifies(o.tls_version)
    });
    if !by_http {
        return;
    }
    for f in findings
        .iter_mut()
        .filter(|f| f.id == FindingId::EnforcementUnverified)
    {
        for fix in &mut f.fixes {
            fix.fix = format!("{UNVERIFIED_BY_HTTP}{}", fix.fix).into();
        }
    }
}

/// Attaches the fixes, the guessed stack's first: a leaked configuration's stack; else, when a
/// `Via` header shows a proxy in front, the stack that proxy names (or none: never the backend's
/// `Server`); else the stack a `Server` header names, whose fix says the header may be a
/// backend's; else the framework an `X-Powered-By` header names (Express: Node.js), whose fix
/// says so too; else the stack a body names (gnutls-serv's page).
fn attach_fixes(
    findings: &mut [crate::finding::Finding],
    hint: Option<remediation::Stack>,
    probes: &[ProbeObservation],
) {
    if hint.is_some() {
        return remediation::attach(findings, hint);
    }
    // A refusal whose page names the server that wrote it (HAProxy's stock 403, which carries
    // no `Server` header) is that server's: the fix is its own, not the stack of the backend
    // whose `Server` header the valid certificate's answer carried (an audit's HAProxy `deny
    // unless { ssl_c_used }` before a Python backend was told to set `ssl.CERT_REQUIRED`).
    let refused_by = probes
        .iter()
        .filter(|o| o.outcome != Outcome::Served && o.server_header.is_none())
        .filter_map(|o| o.body_excerpt.as_deref())
        .find_map(remediation::guess_from_body);
    if refused_by.is_some() {
        return remediation::attach(findings, refused_by);
    }
    match probes.iter().find_map(|o| o.via.as_deref()) {
        Some(via) => {
            remediation::attach(findings, remediation::guess_from_headers(None, Some(via)))
        }
        None => match probes
            .iter()
            .filter_map(|o| o.server_header.as_deref())
            .find_map(remediation::guess_from_server_header)
        {
            Some(stack) => remediation::attach_from_server_header(findings, Some(stack)),
            // The framework that answered (Express names itself there, and sends no `Server`;
            // a front passes it on: said in its fix), else a body that names its server
            // (gnutls-serv's own page): that server's answer.
            None => match probes
                .iter()
                .filter_map(|o| o.powered_by.as_deref())
                .find_map(remediation::guess_from_powered_by)
            {
                Some(stack) => remediation::attach_from_powered_by(findings, Some(stack)),
                None => remediation::attach(
                    findings,
                    probes
                        .iter()
                        .filter_map(|o| o.body_excerpt.as_deref())
                        .find_map(remediation::guess_from_body),
                ),
            },
        },
    }
}

fn observation(
    id: ProbeId,
    version: TlsVersion,
    r: exchange::ExchangeResult,
    record: &SharedRecord,
) -> ProbeObservation {
    let rec = record.lock();
    let outcome = r.outcome.unwrap_or(Outcome::Inconclusive);
    // A body read whole is a page ([`ProbeObservation::body_page`]); one that went on past the
    // cap is kept as read apart, for a refusal holding the whole protected page in its first
    // 16 KB and more after it (a regression sweep's 17.7 KB 403: A, exit 0). Tokenised once.
    let answered = r.http_status.is_some() && !r.body.is_empty();
    let (page, body_numbers) = if r.complete || answered {
        crate::probe::page::page_hashes(&r.body)
    } else {
        (None, Vec::new())
    };
    let (body_page, body_page_read) = if r.complete {
        (page, None)
    } else {
        (None, page)
    };
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
        // rustls hands the names to the probe's own chooser; nothing after it forges from them.
        // The baseline keeps them for `client-ca-public-roots` (compared byte for byte).
        acceptable_ca_names: if id == ProbeId::NO_CLIENT_CERT {
            rec.acceptable_cas.clone()
        } else {
            Vec::new()
        },
        signature_schemes: crate::facts::shared_schemes(&rec.schemes),
        alert: r.alert,
        http_status: r.http_status,
        alpn: r.alpn,
        server_header: r.server_header,
        via: r.via,
        powered_by: r.powered_by,
        location: r.location,
        auth_challenge: r.auth_challenge,
        body_excerpt: r.body_excerpt,
        body_page,
        body_page_read,
        body_numbers,
        // Only where a refusal is compared with the valid certificate's page (the anonymous
        // baseline's and the valid certificate's answers): parsed for no other probe.
        body_json_pairs: if answered && crate::probe::page::compares_json_pairs(id) {
            crate::probe::page::json_pairs(&r.body, id == ProbeId::VALID_CLIENT_CERT)
        } else {
            Vec::new()
        },
        body_names_certificates: crate::text::speaks_of_certificates(&r.body),
        body_cut: r.http_status.is_some() && !r.complete,
        body_speaks_of_refusal: crate::text::speaks_of_refusal_in_any_language(&r.body),
        outcome,
        detail: r.detail,
        ms: (r.elapsed.as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
        attempts: 1,
        late: false,
        asked_after_handshake: None,
        handshake_completed: r.tls_version.is_some(),
    }
}

/// A report for a target that could not be scanned at all.
pub fn failed(target: &Target, error: String) -> TargetReport {
    failed_named(target.url.clone(), target.host_port(), error)
}

/// A report for something that could not be scanned, named by `url` (a target, or a shard that
/// never reported: see [`crate::policy::unreported_shard`]).
pub fn failed_named(url: String, host_port: String, error: String) -> TargetReport {
    TargetReport {
        url,
        host_port,
        grade: Grade::F,
        score: 0,
        judged: None,
        client_auth: verdict::ClientAuth::Unknown,
        enforced_at: None,
        tls_versions: Vec::new(),
        findings: Vec::new(),
        probes: Vec::new(),
        skipped_probes: Vec::new(),
        error: Some(error),
        verification: verdict::Verification::NotAttempted,
        expect: Default::default(),
        tags: Vec::new(),
        notes: Vec::new(),
        server_certificate: None,
        config_probes: Vec::new(),
        verification_detail: None,
        incomplete: Vec::new(),
        sni_names_tried: Vec::new(),
        scenarios_not_played: Vec::new(),
    }
}

/// The trust anchors for the server's certificate: the user's (read and checked now, so a bad
/// file is a usage error) and the system's, loaded on a thread of their own (about 12 ms and 18M
/// instructions) while the first wave runs; the server-certificate probe waits for them.
/// Most bytes of a `--ca-file` (a CA bundle: the system's is about 200 KiB).
const CA_FILE_LIMIT: u64 = 16 * 1024 * 1024;

/// A text file, never more than `limit` bytes of it (a device or a file that grows is refused
/// once past it).
fn read_capped(path: &std::path::Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "more than the {limit} bytes allowed for a CA file"
        )));
    }
    Ok(text)
}

/// The roots the user gave for the server's certificate (`--ca-file`, extra roots).
fn user_roots(options: &ScanOptions) -> Result<Vec<CertificateDer<'static>>, ScanError> {
    let mut user_given: Vec<CertificateDer<'static>> = options.extra_roots.clone();
    for path in &options.ca_files {
        let pem = read_capped(path, CA_FILE_LIMIT).map_err(|source| ScanError::ReadFile {
            path: path.clone(),
            source,
        })?;
        let what = path.display().to_string();
        user_given.extend(crate::identity::parse_certs(&pem, &what)?);
    }
    Ok(user_given)
}

fn trust_anchors(
    options: &ScanOptions,
    user_given: &[CertificateDer<'static>],
    provider: &Arc<CryptoProvider>,
) -> Result<LazyTrust, ScanError> {
    let user_given = user_given.to_vec();
    let mut roots = RootCertStore::empty();
    for cert in &user_given {
        roots
            .add(cert.clone())
            .map_err(|e| ScanError::MalformedCertificate {
                what: "a ca-file certificate or extra root".to_owned(),
                reason: e.to_string(),
            })?;
    }
    let provider = provider.clone();
    let system_roots = options.system_roots;
    let build = move || {
        let t0 = Instant::now();
        // Found on this thread: telling a hashed certificate directory reads it.
        let locations = system_roots.then(server_cert::SystemRootLocations::find);
        let dirs = locations
            .as_ref()
            .map(|l| l.dirs.clone())
            .unwrap_or_default();
        if let Some(locations) = locations {
            let native = server_cert::read_system_roots_shared(&locations);
            let loaded = t0.elapsed();
            let count = native.len();
            for cert in native.iter() {
                // a malformed system root is skipped, as rustls does
                let _ = roots.add(CertificateDer::from(cert.as_ref()));
            }
            tracing::debug!(target: "probe_core::timing", count, load_ms = exchange::ms(loaded), add_ms = exchange::ms(t0.elapsed().saturating_sub(loaded)), "system roots");
        }
        let store = TrustStore::build(roots, user_given, provider);
        tracing::debug!(target: "probe_core::timing", total_ms = exchange::ms(t0.elapsed()), "trust store built");
        (store, dirs)
    };
    Ok(LazyTrust::spawn(build))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go's expvar page read and found exposed, with the user's certificate or without one.
    fn expvar_read(client_cert: bool) -> crate::checks::config_body::ConfigObservation {
        crate::checks::config_body::ConfigObservation {
            path: "/debug/vars".into(),
            client_cert,
            http_status: Some(200),
            tls_version: Some(TlsVersion::Tls13),
            bytes_read: 120,
            truncated: false,
            format: None,
            kind: Some("Go expvar".into()),
            exposed: true,
            auth_off: Vec::new(),
            redacted: Vec::new(),
            note: None,
            ms: 1.0,
        }
    }

    /// On a verdict judged from observations (`verdict::judge`), the lowering keeps the exposure
    /// medium where TLS 1.3 refuses the anonymous client in the handshake and TLS 1.2 only over
    /// HTTP (495 on the scanned path: `enforced_at` is TLS 1.3's layer alone), and where a side
    /// door was switched off; low where both versions refuse in the handshake (the review's).
    #[test]
    fn an_exposure_stays_medium_unless_every_version_and_door_shows_it() {
        use crate::finding::{Finding, Severity};
        use crate::probe::recorded::{obs, with_cert};
        let exposed = expvar_read(true);
        let report = |tls12_anonymous: ProbeObservation| {
            let mut probes = Vec::new();
            for v in TlsVersion::ALL {
                let mut nc = if v == TlsVersion::Tls13 {
                    obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None)
                } else {
                    tls12_anonymous.clone()
                };
                nc.tls_version = v;
                let mut valid =
                    with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
                valid.tls_version = v;
                probes.push(nc);
                probes.push(valid);
                for (id, alert) in [
                    (ProbeId::UNTRUSTED_CLIENT_CERT, "UnknownCA"),
                    (ProbeId::SELF_SIGNED_CLIENT_CERT, "UnknownCA"),
                    (ProbeId::FORGED_CLIENT_CERT, "UnknownCA"),
                    (ProbeId::PUBLIC_ROOT_CLIENT_CERT, "BadCertificate"),
                ] {
                    let mut o = with_cert(obs(id, Outcome::RefusedTls, None));
                    o.alert = Some(alert.into());
                    o.tls_version = v;
                    probes.push(o);
                }
            }
            let v = verdict::judge(&probes);
            let mut r = failed_named("https://a.test/".into(), "a.test:443".into(), String::new());
            r.error = v.error;
            r.client_auth = v.client_auth;
            r.enforced_at = v.enforced_at;
            r.verification = v.verification;
            r.incomplete = v.incomplete;
            r.tls_versions = v.tls_versions;
            r.probes = probes;
            r.config_probes = vec![exposed.clone()];
            (r, v.findings)
        };
        let lowered = |r: &TargetReport, mut found: Vec<Finding>| {
            found.insert(
                0,
                Finding::new(FindingId::TlsConfigExposed, "d").with_severity(Severity::Medium),
            );
            lower_exposure_behind_the_check(&mut found, r);
            found.first().map(|f| f.severity)
        };
        let (r, found) = report({
            let mut o = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
            o.tls_version = TlsVersion::Tls12;
            o
        });
        assert_eq!(
            lowered(&r, found.clone()),
            Some(Severity::Low),
            "{found:?} {:?}",
            r.incomplete
        );
        let mut off = r.clone();
        off.skipped_probes.push(SkippedProbe::switched_off(
            ProbeId::SNI_HOST_MISMATCH_BYPASS,
        ));
        assert_eq!(
            lowered(&off, found),
            Some(Severity::Medium),
            "a side door off"
        );
        let mut http = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(495));
        http.tls_version = TlsVersion::Tls12;
        http.server_header = Some("nginx".into());
        let (r, found) = report(http);
        assert_eq!(
            r.enforced_at,
            Some(verdict::Layer::Tls),
            "the summary alone reads TLS 1.3's layer"
        );
        assert_eq!(
            lowered(&r, found),
            Some(Severity::Medium),
            "TLS 1.2 refusing over HTTP"
        );
    }

    /// `tls-config-exposed` turns low only behind a check the whole verdict shows verified:
    /// each condition alone, missing, keeps it medium; a high one stays high.
    #[test]
    fn an_exposure_is_low_only_behind_a_verified_check() {
        use crate::finding::{Finding, Severity};
        let exposed = expvar_read;
        let locked = || {
            let mut r = failed_named("https://a.test/".into(), "a.test:443".into(), String::new());
            r.error = None;
            r.client_auth = verdict::ClientAuth::Required;
            r.enforced_at = Some(verdict::Layer::Tls);
            r.verification = verdict::Verification::Verified;
            r.probes = [
                ProbeId::UNTRUSTED_CLIENT_CERT,
                ProbeId::SELF_SIGNED_CLIENT_CERT,
                ProbeId::FORGED_CLIENT_CERT,
                ProbeId::PUBLIC_ROOT_CLIENT_CERT,
            ]
            .into_iter()
            .map(|id| {
                observation(
                    id,
                    TlsVersion::Tls13,
                    exchange::ExchangeResult::default(),
                    &SharedRecord::default(),
                )
            })
            .collect();
            r.tls_versions = vec![TlsVersion::Tls13];
            r.probes.push(crate::probe::recorded::obs(
                ProbeId::NO_CLIENT_CERT,
                Outcome::RefusedTls,
                None,
            ));
            r.config_probes = vec![exposed(true)];
            r
        };
        let severity = |r: &TargetReport, severity: Severity, other: Option<FindingId>| {
            let mut f =
                vec![Finding::new(FindingId::TlsConfigExposed, "d").with_severity(severity)];
            f.extend(other.map(|id| Finding::new(id, "x")));
            lower_exposure_behind_the_check(&mut f, r);
            f.first().map(|f| f.severity)
        };
        let medium = Some(Severity::Medium);
        assert_eq!(
            severity(&locked(), Severity::Medium, None),
            Some(Severity::Low)
        );
        assert_eq!(
            severity(
                &locked(),
                Severity::Medium,
                Some(FindingId::ServerCertExpiring)
            ),
            Some(Severity::Low),
            "the server's own certificate says nothing of who reads"
        );
        assert_eq!(
            severity(&locked(), Severity::High, None),
            Some(Severity::High)
        );
        for door in [
            FindingId::SniHostMismatchBypass,
            FindingId::UntrustedClientCertAccepted,
            FindingId::ClientCaPublicRoots,
            FindingId::ClientCertHeaderSpoofing,
        ] {
            assert_eq!(
                severity(&locked(), Severity::Medium, Some(door)),
                medium,
                "{door:?}"
            );
        }
        type Change<'a> = Box<dyn Fn(&mut TargetReport) + 'a>;
        let kept: [(&str, Change); 13] = [
            (
                "read anonymously",
                Box::new(|r| r.config_probes = vec![exposed(false)]),
            ),
            (
                "read by both",
                Box::new(|r| r.config_probes.push(exposed(false))),
            ),
            (
                "optional",
                Box::new(|r| r.client_auth = verdict::ClientAuth::Optional),
            ),
            (
                "refused over HTTP",
                Box::new(|r| r.enforced_at = Some(verdict::Layer::Http)),
            ),
            (
                "valid refused somewhere",
                Box::new(|r| r.verification = verdict::Verification::Unverified),
            ),
            (
                "public roots not read",
                Box::new(|r| {
                    r.probes
                        .retain(|o| o.id != ProbeId::PUBLIC_ROOT_CLIENT_CERT)
                }),
            ),
            (
                "the forged certificate skipped",
                Box::new(|r| {
                    r.skipped_probes.push(SkippedProbe {
                        id: ProbeId::FORGED_CLIENT_CERT,
                        reason: "x".into(),
                    })
                }),
            ),
            (
                "untrusted not tried",
                Box::new(|r| r.probes.retain(|o| o.id != ProbeId::UNTRUSTED_CLIENT_CERT)),
            ),
            (
                "a side door partly run",
                Box::new(|r| {
                    r.skipped_probes.push(SkippedProbe {
                        id: ProbeId::SNI_HOST_MISMATCH_BYPASS,
                        reason: SkippedProbe::PARTLY_RUN.into(),
                    })
                }),
            ),
            (
                "a version's baseline not read",
                Box::new(|r| r.tls_versions.push(TlsVersion::Tls12)),
            ),
            (
                "a side door switched off",
                Box::new(|r| {
                    r.skipped_probes.push(SkippedProbe::switched_off(
                        ProbeId::SNI_HOST_MISMATCH_BYPASS,
                    ))
                }),
            ),
            (
                "something unread",
                Box::new(|r| {
                    r.incomplete.push(crate::facts::IncompleteProbe {
                        probe: "no-client-cert".into(),
                        tls_version: Some(TlsVersion::Tls12),
                        reason: "reset".into(),
                    })
                }),
            ),
            (
                "a secret's name",
                Box::new(|r| {
                    if let Some(o) = r.config_probes.first_mut() {
                        o.redacted = vec!["password".into()];
                    }
                }),
            ),
        ];
        for (what, change) in kept {
            let mut r = locked();
            change(&mut r);
            assert_eq!(severity(&r, Severity::Medium, None), medium, "{what}");
        }
    }

    /// A server that puts the user's header back in a CA name of its CertificateRequest (which
    /// the report lists, and the forged certificates copy as their issuer): redacted there too,
    /// as in bodies, every other string kept.
    #[test]
    fn the_users_header_is_redacted_wherever_a_server_put_it(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let headers = crate::target::ExtraHeaders(vec![crate::target::ExtraHeaders::parse_one(
            "Authorization: Bearer S3CR3TT0KENxyz789",
        )?]);
        let mut report = failed_named("https://a.test/".into(), "a.test:443".into(), "x".into());
        report.notes = vec![
            "acceptable CAs: O=Bearer S3CR3TT0KENxyz789, CN=s3cr3tt0kenXYZ789".into(),
            "kept as it is".into(),
        ];
        let redacted = redact_everywhere(report, &headers.secret_values());
        let json = serde_json::to_string(&redacted)?;
        assert!(!json.to_ascii_lowercase().contains("s3cr3tt0ken"), "{json}");
        assert!(redacted.notes.iter().any(|n| n == "kept as it is"));
        assert!(redacted.notes.iter().any(|n| n.contains("<redacted>")));
        // A header value that is also a word of the scan's own fields (a severity, a scheme)
        // leaves them whole: the report is read back, its target kept.
        for value in ["critical", "https", "client"] {
            let headers =
                crate::target::ExtraHeaders(vec![crate::target::ExtraHeaders::parse_one(
                    &format!("X-Mode: {value}"),
                )?]);
            let mut report =
                failed_named("https://a.test/".into(), "a.test:443".into(), "x".into());
            report.error = None;
            report.findings = vec![crate::finding::Finding::new(
                crate::finding::FindingId::ClientCertHeaderSpoofing,
                format!("a server said {value}"),
            )
            .into()];
            let redacted = redact_everywhere(report, &headers.secret_values());
            assert_eq!(redacted.error, None, "{value}");
            assert_eq!(redacted.url, "https://a.test/");
            assert_eq!(redacted.findings.len(), 1);
            assert!(redacted.findings[0].finding.detail.contains("<redacted>"));
        }
        Ok(())
    }

    /// A name of several addresses (not all loopback) is noted, with the flag that scans each;
    /// one address, or loopback alone (`localhost` as ::1 and 127.0.0.1), is not.
    #[test]
    fn a_name_of_several_addresses_is_noted() {
        let at = |ip: [u8; 4]| std::net::SocketAddr::from((ip, 443));
        let note = several_addresses_note(
            "api.example",
            443,
            &[at([10, 0, 0, 1]), at([10, 0, 0, 2]), at([10, 0, 0, 1])],
        );
        assert!(
            note.as_deref().is_some_and(|n| n
                .starts_with("api.example resolves to 2 addresses (10.0.0.1, 10.0.0.2)")
                && n.ends_with("`--resolve api.example:443:ADDRESS`")),
            "{note:?}"
        );
        let six: Vec<_> = (1..=6).map(|i| at([10, 0, 0, i])).collect();
        assert!(several_addresses_note("a", 443, &six)
            .is_some_and(|n| n.contains("10.0.0.4 and 2 more")));
        assert_eq!(several_addresses_note("a", 443, &[at([10, 0, 0, 1])]), None);
        let v6 = std::net::SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 443));
        assert_eq!(
            several_addresses_note("localhost", 443, &[v6, at([127, 0, 0, 1])]),
            None
        );
    }

    /// A header value echoed in a form no list foresees (an audit's Gson writing `=` as
    /// `\u003d`, a value URL-encoded twice): the text that held it is not kept, other texts are.
    #[test]
    fn a_secret_echoed_in_an_unforeseen_encoding_is_never_shown(
    ) -> Result<(), Box<dyn std::error::Error>> {
        for (header, echoed) in [
            (
                "Authorization: Bearer c2VjcmV0LXRva2VuLTEyMzQ1Ng==",
                r#"{"debug":{"authorization":"Bearer c2VjcmV0LXRva2VuLTEyMzQ1Ng\u003d\u003d"}}"#,
            ),
            (
                "X-Api-Key: sk_live_Zq9/Xp+Wm7Tr==Kd3",
                "key=sk_live_Zq9%252FXp%252BWm7Tr%253D%253DKd3",
            ),
            (
                "X-Api-Key: sk_live_Zq9/Xp+Wm7Tr==Kd3",
                "sk_live_Zq9&#47;Xp&#43;Wm7Tr&#61;&#61;Kd3",
            ),
            // Cut by an excerpt's end inside the echo (review U): its first characters alone,
            // and its last alone.
            (
                "Authorization: Bearer SEKRITabcdefghij0123",
                "filler &#x42;&#x65;&#x61;&#x72;&#x65;&#x72;&#x20;&#x53;&#x45;&#x4b;&#x52;&#x",
            ),
            (
                "Authorization: Bearer SEKRITabcdefghij0123",
                "tail %67%68%69%6a%30%31%32%33 end",
            ),
        ] {
            let headers =
                crate::target::ExtraHeaders(vec![crate::target::ExtraHeaders::parse_one(header)?]);
            let mut report =
                failed_named("https://a.test/".into(), "a.test:443".into(), "x".into());
            report.notes = vec![echoed.to_owned(), r"kept \u0041 100% & more".to_owned()];
            let redacted = redact_everywhere(report, &headers.secret_values());
            assert_eq!(redacted.notes[0], ECHOED_ENCODED, "{header}");
            assert_eq!(redacted.notes[1], r"kept \u0041 100% & more");
        }
        Ok(())
    }
    use crate::probe::recorded::obs;

    /// stunnel or Hitch in front of Python's http.server: the Server header is the backend's, and
    /// the guessed Python fix says so (stunnel's and Hitch's fixes follow it); Squid names itself
    /// in Via, and is guessed, never the backend; a leaked configuration is sure.
    #[test]
    fn fixes_follow_via_and_server_headers() {
        use crate::finding::{Finding, FindingId};
        let guessed = |hint, server: Option<&str>, via: Option<&str>| {
            let mut o = obs(ProbeId::NO_CLIENT_CERT, Outcome::Served, Some(200));
            o.server_header = server.map(str::to_owned);
            o.via = via.map(str::to_owned);
            let mut findings = vec![Finding::new(FindingId::ClientCertOptional, "x")];
            attach_fixes(&mut findings, hint, &[o]);
            findings[0].fixes.iter().find(|f| f.guessed).map(|f| {
                (
                    f.stack.to_string(),
                    f.fix.starts_with(remediation::FROM_SERVER_HEADER),
                )
            })
        };
        let python = Some("BaseHTTP/0.6 Python/3.11.7");
        assert_eq!(guessed(None, python, None), Some(("Python".into(), true)));
        // Measured on the real servers (squid-clientca-*, nghttpx-*, ats-*, gnutls-*).
        assert_eq!(
            guessed(None, python, Some("1.1 localhost (squid/5.7)")),
            Some(("Squid".into(), false))
        );
        assert_eq!(guessed(None, python, Some("1.1 varnish")), None);
        assert_eq!(
            guessed(None, Some("nghttpx"), Some("1.1 nghttpx")),
            Some(("nghttpx".into(), false))
        );
        assert_eq!(
            guessed(None, Some("ATS/9.2.9"), None),
            Some(("Apache Traffic Server".into(), false))
        );
        assert_eq!(
            guessed(None, Some("lighttpd/1.4.69"), None),
            Some(("lighttpd".into(), true))
        );
        assert_eq!(
            guessed(None, Some("Caddy"), None),
            Some(("Caddy".into(), false))
        );
        assert_eq!(
            guessed(None, Some("Apache/2.4.71 (Debian) OpenSSL/3.0.19"), None),
            Some(("Apache httpd".into(), true))
        );
        assert_eq!(
            guessed(Some(remediation::Stack::JavaSpring), python, None),
            Some(("Java/Spring".into(), false))
        );
    }

    /// gnutls-serv sends no Server header; its own page names GnuTLS (measured: gnutls-request).
    #[test]
    fn a_page_that_names_its_server_is_a_guess() {
        use crate::finding::{Finding, FindingId};
        let mut o = obs(ProbeId::NO_CLIENT_CERT, Outcome::Served, Some(200));
        o.body_excerpt = Some(
            "<HTML><BODY> <CENTER><H1>This is <a href=\"http://www.gnu.org/software/gnutls\">GnuTLS</a></H1></CENTER> This is the default message reported by the GnuTLS implementation.".into(),
        );
        let mut findings = vec![Finding::new(FindingId::ClientCertOptional, "x")];
        attach_fixes(&mut findings, None, &[o.clone()]);
        let first = &findings[0].fixes[0];
        assert!(first.guessed && first.stack == "GnuTLS", "{first:?}");
        assert!(first.fix.contains("gnutls_session_set_verify_cert"));
        // A page that names nothing guesses nothing.
        o.body_excerpt = Some("404 page not found".into());
        attach_fixes(&mut findings, None, &[o]);
        assert!(findings[0].fixes.iter().all(|f| !f.guessed));
    }

    /// HAProxy's stock 403 (no `Server` header) refused the anonymous client; the valid
    /// certificate's answer carries the Python backend's `Server`: the fix is HAProxy's (an
    /// audit's `deny unless { ssl_c_used }` was told to set `ssl.CERT_REQUIRED`).
    #[test]
    fn the_refusing_servers_own_page_wins_over_a_backends_server_header() {
        use crate::finding::{Finding, FindingId};
        let mut refused = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedHttp, Some(403));
        refused.body_excerpt = Some(
            "<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>".into(),
        );
        let mut served = obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200));
        served.server_header = Some("BaseHTTP/0.6 Python/3.11.7".into());
        let mut findings = vec![Finding::new(FindingId::ClientCertOptional, "x")];
        attach_fixes(&mut findings, None, &[served, refused]);
        let guessed: Vec<String> = findings[0]
            .fixes
            .iter()
            .filter(|f| f.guessed)
            .map(|f| f.stack.to_string())
            .collect();
        assert_eq!(guessed, ["HAProxy"]);
    }

    #[test]
    fn a_certificate_that_cannot_be_presented_is_not_tried_again() {
        let mut a = served(TlsVersion::Tls13);
        a.observation.outcome = Outcome::Inconclusive;
        assert!(a.needs_retry(), "an unreadable answer is tried again");
        a.unpresentable = true;
        assert!(!a.needs_retry(), "the same schemes, the same answer");
    }

    #[test]
    fn a_bare_close_with_no_control_possible_is_unread_and_not_confirmed() {
        let closed = |id: ProbeId, version| {
            let mut a = served(version);
            a.observation.id = id;
            a.observation.outcome = Outcome::RefusedTls;
            a.observation.http_status = None;
            a.unconfirmed = true;
            a
        };
        // No client answered on TLS 1.3: a confirmed close would still be unread.
        let mut a = closed(ProbeId::UNTRUSTED_CLIENT_CERT, TlsVersion::Tls13);
        without_a_control(&mut a, &[TlsVersion::Tls12]);
        assert_eq!(a.observation.outcome, Outcome::Inconclusive);
        assert!(!a.needs_retry(), "no retry could make it count");
        assert!(a
            .observation
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("Give `client-cert`")));
        // Where a client got an HTTP answer, the close is confirmed as before.
        let mut b = closed(ProbeId::UNTRUSTED_CLIENT_CERT, TlsVersion::Tls13);
        without_a_control(&mut b, &[TlsVersion::Tls13]);
        assert_eq!(b.observation.outcome, Outcome::RefusedTls);
        assert!(b.needs_retry(), "confirmed by a second attempt");
        // The anonymous baseline is always confirmed: it sets the level.
        let mut c = closed(ProbeId::NO_CLIENT_CERT, TlsVersion::Tls13);
        without_a_control(&mut c, &[]);
        assert!(c.unconfirmed && c.needs_retry());
        // Busy answers do not make a version answered.
        let mut busy = served(TlsVersion::Tls13).observation;
        busy.http_status = Some(503);
        assert!(answered_versions([busy].iter()).is_empty());
        let ok = served(TlsVersion::Tls12).observation;
        assert_eq!(answered_versions([ok].iter()), vec![TlsVersion::Tls12]);
    }

    #[test]
    fn a_reason_retried_is_never_empty_nor_nested() {
        let unread = |detail: Option<&str>| {
            let mut a = served(TlsVersion::Tls12);
            a.observation.outcome = Outcome::Inconclusive;
            a.observation.detail = detail.map(str::to_owned);
            a
        };
        let broken = "no HTTP response: Broken pipe";
        let two = settle(Some(unread(Some(broken))), unread(None));
        assert_eq!(
            two.observation.detail.as_deref(),
            Some("no HTTP response: Broken pipe (2 attempts)")
        );
        let three = settle(Some(two), unread(Some("reset")));
        assert_eq!(
            three.observation.detail.as_deref(),
            Some("reset (earlier attempt: no HTTP response: Broken pipe)")
        );
        let four = settle(Some(three), unread(Some("time-out")));
        assert_eq!(
            four.observation.detail.as_deref(),
            Some("time-out (earlier attempt: reset)")
        );
        let none = settle(Some(unread(None)), unread(Some(" ")));
        assert_eq!(
            none.observation.detail.as_deref(),
            Some("no answer could be read (2 attempts)")
        );
    }

    #[test]
    fn busy_answers_are_tried_again_other_answers_are_not() {
        for (status, retried) in [
            (429, true),
            (502, true),
            (503, true),
            (504, true),
            (200, false),
            (403, false),
            (500, false),
        ] {
            let mut a = served(TlsVersion::Tls13);
            a.observation.http_status = Some(status);
            a.observation.outcome = exchange::classify_status(status);
            assert_eq!(a.needs_retry(), retried, "HTTP {status}");
        }
    }

    fn served(version: TlsVersion) -> Attempt {
        let mut o = obs(ProbeId::NO_CLIENT_CERT, Outcome::Served, Some(200));
        o.tls_version = version;
        Attempt {
            observation: o,
            chain: Vec::new(),
            unconfirmed: false,
            closed_bare_before: false,
            unpresentable: false,
            unread_for_good: false,
        }
    }

    /// A baseline attempt on `version`: `outcome`, and whether the handshake asked for a certificate.
    fn baseline(version: TlsVersion, outcome: Outcome, asked: bool) -> Attempt {
        let mut a = served(version);
        a.observation.outcome = outcome;
        a.observation.cert_requested = asked;
        a.observation.handshake_completed = true;
        a.observation.http_status = None;
        a.chain = vec![CertificateDer::from(vec![version as u8])];
        a
    }

    /// What [`Baseline::offer`] hands over once `done` is filled in this order.
    fn offered(done: Vec<Attempt>, jobs: &[ProbeJob]) -> Option<FirstWave> {
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        let mut b = Baseline(Some(tx), None);
        let mut slots: Vec<Option<Attempt>> = Vec::new();
        slots.resize_with(jobs.len(), || None);
        for (i, a) in done.into_iter().enumerate() {
            if let Some(s) = slots.get_mut(i) {
                *s = Some(a);
            }
            b.offer(jobs, &slots);
            let baselines_left = jobs
                .iter()
                .skip(i + 1)
                .any(|j| j.0 == ProbeId::NO_CLIENT_CERT);
            if baselines_left {
                assert!(rx.try_recv().is_err(), "not before every baseline is in");
            }
        }
        drop(b);
        rx.try_recv().ok()
    }

    /// `tls-versions 1.3`: a TLS 1.2 handshake closed before the server's certificate is read as
    /// a version not spoken (and said), a time-out or a TLS 1.3 close is not, and a TLS 1.2 the
    /// server answers on stays as it is and is said to be spoken.
    #[test]
    fn a_version_left_out_of_tls_versions_reads_as_unspoken_only_when_it_closed_before_the_certificate(
    ) {
        let at = |version, outcome, detail: &str| {
            let mut o = obs(ProbeId::NO_CLIENT_CERT, outcome, None);
            o.tls_version = version;
            o.detail = Some(detail.to_owned());
            o
        };
        let closed = format!(
            "{}: tls handshake eof (3 attempts)",
            crate::facts::CLOSED_BEFORE_SERVER_CERTIFICATE
        );
        let timed_out = "timed out after 10 s before the server's certificate";
        let spoken = [TlsVersion::Tls13];
        let mut probes = vec![
            at(TlsVersion::Tls12, Outcome::Inconclusive, &closed),
            at(TlsVersion::Tls13, Outcome::Inconclusive, &closed),
        ];
        let untouched = probes.clone();
        read_as_declared(&mut probes, &[], DECLARED);
        assert_eq!(probes, untouched, "nothing said, nothing read");
        read_as_declared(&mut probes, &spoken, DECLARED);
        let outcomes: Vec<Outcome> = probes.iter().map(|o| o.outcome).collect();
        assert_eq!(
            outcomes,
            [Outcome::UnsupportedVersion, Outcome::Inconclusive]
        );
        let notes = declared_versions_note(&probes, &spoken);
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("TLS 1.2 read as not spoken")),
            "{notes:?}"
        );

        let mut slow = vec![at(TlsVersion::Tls12, Outcome::Inconclusive, timed_out)];
        read_as_declared(&mut slow, &spoken, DECLARED);
        assert_eq!(
            slow[0].outcome,
            Outcome::Inconclusive,
            "a time-out stays unread"
        );

        // Another probe on TLS 1.2 got the server's certificate (and was served): TLS 1.2 is
        // spoken, and nothing on it is read as unspoken (a fleet, a flaky front).
        let mut mixed = vec![
            at(TlsVersion::Tls12, Outcome::Inconclusive, &closed),
            at(TlsVersion::Tls12, Outcome::Served, "HTTP 200"),
        ];
        mixed[1].id = ProbeId::UNTRUSTED_CLIENT_CERT;
        read_as_declared(&mut mixed, &spoken, DECLARED);
        assert_eq!(mixed[0].outcome, Outcome::Inconclusive);

        let answered = [
            at(TlsVersion::Tls13, Outcome::RefusedTls, "alert"),
            at(TlsVersion::Tls12, Outcome::Served, "HTTP 200"),
        ];
        let notes = declared_versions_note(&answered, &spoken);
        assert_eq!(
            notes,
            [
                "`tls-versions` names TLS 1.3, but the server speaks TLS 1.2 too: probed and \
              judged on it all the same"
            ]
        );
        let notes = declared_versions_note(
            &[at(
                TlsVersion::Tls13,
                Outcome::UnsupportedVersion,
                "protocol_version",
            )],
            &spoken,
        );
        assert_eq!(
            notes,
            ["`tls-versions` names TLS 1.3, which the server does not speak"]
        );
    }

    /// A TCP balancer over a strict and an open backend, both baselines on the strict one: a
    /// configuration probe's connection without a certificate served 2xx on a version the
    /// baseline was refused in the handshake is client-cert-optional; a 404 there, a baseline
    /// refused over HTTP (nginx `on`: the handshake completes for everyone), or a certificate
    /// presented: nothing.
    #[test]
    fn an_anonymous_connection_served_beside_a_handshake_refusal_is_client_cert_optional() {
        use crate::checks::config_body::ConfigObservation;
        let config = |client_cert: bool, status: u16| ConfigObservation {
            path: "/mtls-scan-0011223344556677".into(),
            client_cert,
            http_status: Some(status),
            tls_version: Some(TlsVersion::Tls13),
            bytes_read: 3,
            truncated: false,
            format: None,
            kind: None,
            exposed: false,
            auth_off: Vec::new(),
            redacted: Vec::new(),
            note: None,
            ms: 1.0,
        };
        let refused = [obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None)];
        let f = anonymous_served_elsewhere(&refused, &[config(true, 200), config(false, 200)]);
        assert_eq!(
            f.as_ref().map(|f| (f.id, f.tls_versions.clone())),
            Some((
                crate::finding::FindingId::ClientCertOptional,
                vec![TlsVersion::Tls13]
            ))
        );
        assert!(anonymous_served_elsewhere(&refused, &[config(false, 404)]).is_none());
        assert!(anonymous_served_elsewhere(&refused, &[config(true, 200)]).is_none());
        let over_http = [obs(
            ProbeId::NO_CLIENT_CERT,
            Outcome::RefusedHttp,
            Some(400),
        )];
        assert!(anonymous_served_elsewhere(&over_http, &[config(false, 200)]).is_none());
        let mut late = refused[0].clone();
        late.asked_after_handshake = Some(crate::facts::LateAsk::Renegotiation);
        assert!(anonymous_served_elsewhere(&[late], &[config(false, 200)]).is_none());
    }

    #[test]
    fn more_advertised_names_than_forged_are_noted() {
        use crate::probe::recorded::{obs, with_cert};
        let with_names = |n: usize| {
            let mut o = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
            o.acceptable_cas = (0..n).map(|i| format!("CN=CA {i}")).collect();
            o
        };
        let forged = with_cert(obs(ProbeId::FORGED_CLIENT_CERT, Outcome::RefusedTls, None));
        let note = forged_names_note(&[with_names(11), forged.clone()]);
        assert!(
            note.first()
                .is_some_and(|n| n.contains("11 CA names") && n.contains("other 3")),
            "{note:?}"
        );
        assert!(forged_names_note(&[with_names(8), forged]).is_empty());
        // Nothing forged (the probe skipped): nothing to note.
        assert!(forged_names_note(&[with_names(11)]).is_empty());
    }

    #[test]
    fn the_provider_offers_sha256_suites_first_and_every_suite() {
        let ours = provider();
        let all = rustls::crypto::aws_lc_rs::default_provider();
        assert_eq!(ours.cipher_suites.len(), all.cipher_suites.len());
        assert_eq!(
            ours.cipher_suites.first().map(|s| s.suite()),
            Some(rustls::CipherSuite::TLS13_AES_128_GCM_SHA256)
        );
        for s in &all.cipher_suites {
            assert!(ours.cipher_suites.iter().any(|o| o.suite() == s.suite()));
        }
    }

    #[test]
    fn baselines_are_handed_over_early_only_when_nothing_can_change_them() {
        let jobs: Vec<ProbeJob> = TlsVersion::ALL
            .into_iter()
            .map(|v| (ProbeId::NO_CLIENT_CERT, v, None))
            .collect();
        let [v13, v12] = TlsVersion::ALL;
        // The baselines of both versions, (outcome, asked in the handshake) each.
        let both = |b13: (Outcome, bool), b12: (Outcome, bool)| {
            offered(
                vec![baseline(v13, b13.0, b13.1), baseline(v12, b12.0, b12.1)],
                &jobs,
            )
        };
        // Asked in the handshake and refused on both versions: handed over, chains included.
        let got = both((Outcome::RefusedTls, true), (Outcome::RefusedTls, true));
        let got = got.unwrap_or_else(|| panic!("final baselines are handed over"));
        assert_eq!(got.observations.len(), 2);
        assert_eq!(got.chains.len(), 2);
        // Served anonymously: nothing late to wait for either.
        assert!(both((Outcome::Served, false), (Outcome::Served, false)).is_some());
        // Never asked, refused by HTTP: the late-auth wave may add what the side doors read.
        assert!(both((Outcome::RefusedTls, true), (Outcome::RefusedHttp, false)).is_none());
        // Unreadable, or a bare close still to confirm: a retry may replace it.
        assert!(both((Outcome::Inconclusive, true), (Outcome::RefusedTls, true)).is_none());
        let mut bare = baseline(v13, Outcome::RefusedTls, true);
        bare.unconfirmed = true;
        assert!(offered(vec![bare, baseline(v12, Outcome::RefusedTls, true)], &jobs).is_none());
        // Other probes of the wave do not hold it back.
        let mixed: Vec<ProbeJob> = vec![
            (ProbeId::NO_CLIENT_CERT, v13, None),
            (ProbeId::UNTRUSTED_CLIENT_CERT, v13, None),
        ];
        assert!(offered(vec![baseline(v13, Outcome::RefusedTls, true)], &mixed).is_some());
    }

    /// The baselines handed over early carry the whole wave's receiver: a side door that needs
    /// the rest (the certificate probes' answers) gets them once the wave ends, and the sender
    /// knows nobody waits when the baselines were not handed over.
    #[tokio::test]
    async fn the_early_baselines_lead_to_the_whole_wave() {
        let [v13, v12] = TlsVersion::ALL;
        let jobs: Vec<ProbeJob> = vec![
            (ProbeId::NO_CLIENT_CERT, v13, None),
            (ProbeId::NO_CLIENT_CERT, v12, None),
        ];
        let hand_over = |b12: Outcome| {
            let (tx, mut rx) = tokio::sync::oneshot::channel();
            let (whole_tx, whole_rx) = tokio::sync::watch::channel(None);
            let mut b = Baseline(Some(tx), Some(whole_rx));
            let slots = vec![
                Some(baseline(v13, Outcome::RefusedTls, true)),
                Some(baseline(v12, b12, true)),
            ];
            b.offer(&jobs, &slots);
            drop(b);
            (rx.try_recv().ok(), whole_tx)
        };
        let (first, whole_tx) = hand_over(Outcome::RefusedTls);
        let first = first.unwrap_or_else(|| panic!("final baselines are handed over"));
        assert_eq!(
            whole_tx.receiver_count(),
            1,
            "the early wave holds the receiver"
        );
        let mut wave = first.observations.clone();
        wave.push(crate::probe::recorded::obs(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::RefusedHttp,
            Some(403),
        ));
        whole_tx.send_replace(Some((Arc::new(wave), Arc::new(Vec::new()))));
        let whole = first.whole_observations().await;
        assert_eq!(whole.map(|w| w.len()), Some(3));
        // Not handed over (a baseline still to retry): the receiver is dropped with it.
        let (none, whole_tx) = hand_over(Outcome::Inconclusive);
        assert!(none.is_none());
        assert_eq!(whole_tx.receiver_count(), 0);
        // The whole wave itself (no receiver): its own observations.
        let own = FirstWave {
            observations: vec![baseline(v13, Outcome::RefusedTls, true).observation],
            ..FirstWave::default()
        };
        assert_eq!(own.whole_observations().await.map(|w| w.len()), Some(1));
    }

    #[tokio::test]
    async fn a_failed_probe_task_leaves_an_error_in_its_slot_and_the_target_incomplete() {
        let jobs: Vec<ProbeJob> = TlsVersion::ALL
            .into_iter()
            .map(|v| (ProbeId::NO_CLIENT_CERT, v, None))
            .collect();
        let mut tasks = Tasks::default();
        tasks.spawn(0, async {
            if std::hint::black_box(true) {
                panic!("a probe bug");
            }
            (0, served(TlsVersion::Tls13))
        });
        tasks.spawn(1, async { (1, served(TlsVersion::Tls12)) });
        let mut done: Vec<Option<Attempt>> = vec![None, None];
        collect(&mut tasks, &jobs, &mut done, &mut |_| {}).await;
        let got: Vec<ProbeObservation> =
            done.into_iter().flatten().map(|a| a.observation).collect();
        assert_eq!(got.len(), 2, "no probe vanishes");
        let failed = &got[0];
        assert_eq!(
            (failed.id, failed.tls_version, failed.outcome),
            (ProbeId::NO_CLIENT_CERT, TlsVersion::Tls13, Outcome::Error)
        );
        assert!(failed
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("internal error") && d.contains("panicked")));
        assert_eq!(got[1].outcome, Outcome::Served);

        let v = verdict::judge(&got);
        assert_eq!(v.tls_versions, [TlsVersion::Tls12]);
        assert!(
            v.incomplete
                .iter()
                .any(|i| i.tls_version == Some(TlsVersion::Tls13)
                    && i.reason.contains("internal error")),
            "{:?}",
            v.incomplete
        );
    }

    /// An attempt on `version` that got no HTTP answer: `outcome`, said as `detail`.
    fn unanswered(version: TlsVersion, outcome: Outcome, detail: &str) -> Attempt {
        let mut a = served(version);
        a.observation.outcome = outcome;
        a.observation.http_status = None;
        a.observation.detail = Some(detail.into());
        a
    }

    #[test]
    fn the_same_unreadable_answer_three_times_reads_as_one_reason() {
        let stalled = || {
            unanswered(
                TlsVersion::Tls12,
                Outcome::Inconclusive,
                "no complete answer within 2000 ms",
            )
        };
        let two = settle(Some(stalled()), stalled());
        let three = settle(Some(two), stalled());
        assert_eq!(three.observation.attempts, 3);
        assert_eq!(
            three.observation.detail.as_deref(),
            Some("no complete answer within 2000 ms (3 attempts)")
        );
    }

    /// Two closes without an alert confirm each other with another attempt between them (our own
    /// wait's time window on a starved runner); one alone, with two unread attempts, does not.
    #[test]
    fn two_bare_closes_confirm_each_other_across_an_unread_attempt() {
        let bare = || {
            let mut a = unanswered(
                TlsVersion::Tls13,
                Outcome::RefusedTls,
                "closed without an alert",
            );
            a.unconfirmed = true;
            a
        };
        let unread = || {
            unanswered(
                TlsVersion::Tls13,
                Outcome::Inconclusive,
                "no alert within 167 ms",
            )
        };
        let two = settle(Some(bare()), unread());
        assert!(!two.unconfirmed && two.needs_retry());
        let three = settle(Some(two), bare());
        assert!(!three.unconfirmed, "confirmed by the first close");
        assert_eq!(three.observation.outcome, Outcome::RefusedTls);
        assert_eq!(three.observation.attempts, 3);
        let lone = settle(Some(settle(Some(unread()), unread())), bare());
        assert!(lone.unconfirmed, "one close alone stays unconfirmed");
    }

    #[test]
    fn back_off_grows() {
        assert!(back_off(1) < back_off(2));
        assert_eq!(back_off(2), back_off(RETRIES));
    }
}
