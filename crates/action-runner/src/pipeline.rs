//! The one pipeline of the command line (`scan`, `merge`) and the Action: from what a front end
//! was given and the config file to the scan options ([`settings`]), the targets ([`targets`]),
//! and, once the report is in, the config's policy and the baseline ([`apply_policy`]). Both
//! front ends call these same functions, so the config's defaults (timeout, deadline,
//! concurrency, per-host, fail-under, CA files, identities) mean the same in both.
//!
//! Precedence, for every setting: what the front end was given (a flag, an input), then the
//! config's `defaults`, then the built-in default.
//!
//! Nothing here names a flag or an input: errors say which setting and where its value came
//! from, and each front end words them ([`Unreadable`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use probe_core::engine::{IdentityInputs, ScanOptions};
use probe_core::report::{Report, REPORT_VERSION};
use probe_core::target::Target;

use crate::config::{Config, Defaults};
use crate::exit::Threshold;

/// PEM text, or a file that holds it.
#[derive(Clone, PartialEq, Eq)]
pub enum Pem {
    /// The text itself (the Action's inputs take PEM from a secret).
    Text(String),
    /// A file to read.
    File(PathBuf),
}

impl std::fmt::Debug for Pem {
    // Never the text: it may be a private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pem::Text(_) => f.write_str("Pem::Text(<given>)"),
            Pem::File(p) => f.debug_tuple("Pem::File").field(p).finish(),
        }
    }
}

/// What a front end was given; `None` (or empty) falls back to the config's defaults, then to the
/// built-in default.
#[derive(Debug, Clone, Default)]
pub struct Given {
    /// Deadline of each probe, in seconds.
    pub timeout: Option<f64>,
    /// Total deadline of the scan, in seconds.
    pub deadline: Option<f64>,
    /// Probes in flight at once, across all targets.
    pub concurrency: Option<u16>,
    /// Probes in flight at once per `host:port`.
    pub per_host: Option<u16>,
    /// The threshold: a grade, or `none`.
    pub fail_under: Option<Threshold>,
    /// Extra trust anchors for the server's certificate (PEM files), used beside the config's.
    pub ca_files: Vec<PathBuf>,
    /// A client certificate the server should accept.
    pub client_cert: Option<Pem>,
    /// Its private key.
    pub client_key: Option<Pem>,
    /// A staging CA the server trusts.
    pub issuing_ca_cert: Option<Pem>,
    /// Its private key.
    pub issuing_ca_key: Option<Pem>,
    /// `HOST:PORT:ADDR` entries (curl's `--resolve`), beside the config's.
    pub resolve: Vec<probe_core::target::Resolve>,
    /// Sibling names tried as SNI on every target given here.
    pub sni_names: Vec<String>,
    /// Other ports of each given target's host whose sessions are offered on it.
    pub sibling_ports: Vec<u16>,
    /// Headers sent on every probe request (secrets: never printed), beside the config's.
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// Probes switched off, beside the config's.
    pub skip_probes: Vec<probe_core::facts::ProbeId>,
    /// The TLS versions the servers speak, for every target without its own in the config;
    /// empty: the config's defaults, else not said.
    pub tls_versions: Vec<probe_core::facts::TlsVersion>,
}

/// What the scan and the policy need, the config's defaults applied.
#[derive(Debug)]
pub struct Settings {
    /// The scanner's options.
    pub options: ScanOptions,
    /// The threshold (a grade, or `none`), when the front end or the config gave one.
    pub fail_under: Option<Threshold>,
    /// Private keys read from files (a front end that logs may need to mask them).
    pub secrets: Vec<String>,
}

/// A file that a setting names could not be read.
#[derive(Debug)]
pub struct Unreadable {
    /// The setting, as the config spells it (`client-cert`, `client-key`, `issuing-ca-cert`,
    /// `issuing-ca-key`); the flags and the inputs use the same names.
    pub setting: &'static str,
    /// Whether the path came from the config's `defaults` (else the front end gave it).
    pub from_config: bool,
    /// The file.
    pub path: PathBuf,
    /// Why it could not be read, or (with `content`) what is wrong with what it holds.
    pub error: std::io::Error,
    /// The file was read, but does not hold what the setting needs (a CA file without a PEM
    /// certificate).
    pub content: bool,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.content {
            write!(f, "{}: {}", self.path.display(), self.error)
        } else {
            write!(f, "cannot read {}: {}", self.path.display(), self.error)
        }
    }
}

/// The scan options and the threshold, from what the front end was given and the config's
/// defaults: the one function both front ends build them with. Returns every unreadable file.
pub fn settings(given: &Given, config: Option<&Config>) -> Result<Settings, Vec<Unreadable>> {
    settings_masking(given, config, &mut Vec::new())
}

/// [`settings`], adding to `secrets` every text read that holds a private key, even when a file
/// is refused: a front end that logs masks them before it prints the errors (a `ca-files` entry
/// that is the key file by mistake).
pub fn settings_masking(
    given: &Given,
    config: Option<&Config>,
    secrets: &mut Vec<String>,
) -> Result<Settings, Vec<Unreadable>> {
    let defaults = config.map(|c| &c.file.defaults);
    let mut reader = PemReader {
        config,
        secrets: Vec::new(),
        errors: Vec::new(),
    };
    let identities = IdentityInputs {
        client_cert_pem: reader.read(IdentityPart::ClientCert, &given.client_cert),
        client_key_pem: reader.read(IdentityPart::ClientKey, &given.client_key),
        issuing_ca_cert_pem: reader.read(IdentityPart::IssuingCaCert, &given.issuing_ca_cert),
        issuing_ca_key_pem: reader.read(IdentityPart::IssuingCaKey, &given.issuing_ca_key),
    };
    // The CA files are read here, not by the scanner (a regular file, a few MiB at most, a
    // byte-order mark dropped), so that every error names its flag, input or config key.
    let mut extra_roots = Vec::new();
    for (i, path) in ca_files(given, config).iter().enumerate() {
        let from_config = i >= given.ca_files.len();
        let mut fail = |error: String, content: bool| {
            reader.errors.push(Unreadable {
                setting: if from_config { "ca-files" } else { "ca-file" },
                from_config,
                path: path.clone(),
                error: std::io::Error::other(error),
                content,
            });
        };
        let text = match crate::files::read_text(path, crate::files::PEM_LIMIT, "a PEM file") {
            Ok(t) => t,
            Err(e) => {
                fail(e.to_string(), false);
                continue;
            }
        };
        // A CA file that holds a private key by mistake: its key is a secret like the
        // identity's (the Action masks it before anything is printed).
        let key = crate::config::holds_private_key(&text);
        if key {
            reader
                .secrets
                .push(crate::config::private_key_blocks(&text));
        }
        match probe_core::identity::parse_certs(&text, &path.display().to_string()) {
            Ok(certs) => extra_roots.extend(certs),
            Err(_) => fail(
                format!(
                    "no PEM certificate found (expected a -----BEGIN CERTIFICATE----- line){}",
                    if key {
                        "; it holds a private key, which is not a CA: name the CA's certificate \
                         file"
                    } else {
                        ""
                    }
                ),
                true,
            ),
        }
    }
    secrets.extend(reader.secrets.iter().cloned());
    if !reader.errors.is_empty() {
        return Err(reader.errors);
    }
    let mut options = ScanOptions {
        identities,
        extra_roots,
        ..ScanOptions::default()
    };
    let or_default =
        |g: Option<f64>, pick: fn(&Defaults) -> Option<f64>| g.or_else(|| defaults.and_then(pick));
    if let Some(t) = or_default(given.timeout, |d| d.timeout.map(|s| s.0)) {
        options.timeout = Duration::from_secs_f64(t);
    }
    options.deadline =
        or_default(given.deadline, |d| d.deadline.map(|s| s.0)).map(Duration::from_secs_f64);
    if let Some(n) = given
        .concurrency
        .or(defaults.and_then(|d| d.concurrency.map(|c| c.0)))
    {
        options.concurrency = usize::from(n);
    }
    if let Some(n) = given
        .per_host
        .or(defaults.and_then(|d| d.per_host.map(|c| c.0)))
    {
        options.per_host = usize::from(n);
    }
    options.skip_probes = given.skip_probes.clone();
    options.skip_probes.extend(
        defaults
            .iter()
            .flat_map(|d| d.skip_probes.iter().map(|p| p.0)),
    );
    Ok(Settings {
        options,
        fail_under: fail_under(given.fail_under, config),
        secrets: reader.secrets,
    })
}

/// The threshold: the given one, else the config's `fail-under` (a grade, or `none`).
pub fn fail_under(given: Option<Threshold>, config: Option<&Config>) -> Option<Threshold> {
    given.or_else(|| config.and_then(|c| c.file.defaults.fail_under.map(|g| g.0)))
}

/// The given CA files, then the config's (relative to the config file).
fn ca_files(given: &Given, config: Option<&Config>) -> Vec<PathBuf> {
    let mut files = given.ca_files.clone();
    if let Some(c) = config {
        files.extend(c.file.defaults.ca_files.iter().map(|p| c.resolve(p)));
    }
    files
}

/// One PEM of the identities.
#[derive(Debug, Clone, Copy)]
enum IdentityPart {
    ClientCert,
    ClientKey,
    IssuingCaCert,
    IssuingCaKey,
}

impl IdentityPart {
    fn name(self) -> &'static str {
        match self {
            IdentityPart::ClientCert => "client-cert",
            IdentityPart::ClientKey => "client-key",
            IdentityPart::IssuingCaCert => "issuing-ca-cert",
            IdentityPart::IssuingCaKey => "issuing-ca-key",
        }
    }

    fn is_secret(self) -> bool {
        matches!(self, IdentityPart::ClientKey | IdentityPart::IssuingCaKey)
    }

    fn in_defaults(self, d: &Defaults) -> Option<&PathBuf> {
        match self {
            IdentityPart::ClientCert => d.client_cert.as_ref(),
            IdentityPart::ClientKey => d.client_key.as_ref(),
            IdentityPart::IssuingCaCert => d.issuing_ca_cert.as_ref(),
            IdentityPart::IssuingCaKey => d.issuing_ca_key.as_ref(),
        }
    }
}

/// Reads the identities' PEM, from what was given or else the config's paths, collecting the
/// secrets read from files and every error.
struct PemReader<'a> {
    config: Option<&'a Config>,
    secrets: Vec<String>,
    errors: Vec<Unreadable>,
}

impl PemReader<'_> {
    fn read(&mut self, part: IdentityPart, given: &Option<Pem>) -> Option<String> {
        let (path, from_config) = match given {
            Some(Pem::Text(text)) => return Some(text.clone()),
            Some(Pem::File(p)) => (p.clone(), false),
            None => {
                let c = self.config?;
                (c.resolve(part.in_defaults(&c.file.defaults)?), true)
            }
        };
        let read =
            crate::files::read_text(&path, crate::files::PEM_LIMIT, "a PEM file").map_err(|e| {
                match e {
                    crate::files::ReadError::NotFound => std::io::ErrorKind::NotFound.into(),
                    crate::files::ReadError::Io(e) => e,
                    other => std::io::Error::other(other.to_string()),
                }
            });
        match read {
            Ok(text) => {
                // A key, or a file that holds one by mistake (a certificate path naming the key).
                if part.is_secret() || crate::config::holds_private_key(&text) {
                    self.secrets.push(text.clone());
                }
                Some(text)
            }
            Err(error) => {
                self.errors.push(Unreadable {
                    setting: part.name(),
                    from_config,
                    path,
                    error,
                    content: false,
                });
                None
            }
        }
    }
}

/// The given targets, then the config's that are not among them.
pub fn targets(urls: &[Target], given: &Given, config: Option<&Config>) -> Vec<Target> {
    let mut targets: Vec<Target> = urls
        .iter()
        .map(|t| {
            let mut t = t.clone();
            t.names.extend(given.sni_names.iter().cloned());
            t.sibling_ports.extend(given.sibling_ports.iter().copied());
            t.sibling_ports.sort_unstable();
            t.sibling_ports.dedup();
            t
        })
        .collect();
    // Linear: a fleet config may list tens of thousands of targets. A URL given and listed in
    // the config too (the Action joins `api-url` and the config's) keeps what the config says of
    // it: its sibling names and ports, its `resolve`, its TLS versions (dropped, a ticket from a
    // sibling name the config named was never tried: B, exit 0, where the config alone gave F).
    let mut seen: std::collections::HashMap<String, usize> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.url.clone(), i))
        .collect();
    for t in config.iter().flat_map(|c| c.targets()) {
        match seen.get(&t.url).and_then(|&i| targets.get_mut(i)) {
            Some(given) => {
                for n in t.names {
                    if !given.names.contains(&n) {
                        given.names.push(n);
                    }
                }
                given.sibling_ports.extend(t.sibling_ports);
                given.sibling_ports.sort_unstable();
                given.sibling_ports.dedup();
                if given.connect_to.is_none() {
                    given.connect_to = t.connect_to;
                }
                if !t.tls_versions.is_empty() {
                    given.tls_versions = t.tls_versions;
                }
            }
            None => {
                seen.insert(t.url.clone(), targets.len());
                targets.push(t);
            }
        }
    }
    // `resolve` and `headers` of the front end, then of the config's defaults, for every target.
    let defaults = config.map(|c| &c.file.defaults);
    let resolve: Vec<probe_core::target::Resolve> = given
        .resolve
        .iter()
        .cloned()
        .chain(
            defaults
                .iter()
                .flat_map(|d| d.resolve.iter().map(|r| r.0.clone())),
        )
        .collect();
    let headers: Vec<(http::HeaderName, http::HeaderValue)> = given
        .headers
        .iter()
        .cloned()
        .chain(
            defaults
                .iter()
                .flat_map(|d| d.headers.iter().map(|h| (h.0.clone(), h.1.clone()))),
        )
        .collect();
    // `tls-versions`: the target's own in the config, else the front end's, else the defaults'.
    let mut tls_versions = if given.tls_versions.is_empty() {
        defaults
            .iter()
            .flat_map(|d| d.tls_versions.iter().map(|v| v.0))
            .collect()
    } else {
        given.tls_versions.clone()
    };
    tls_versions.sort();
    tls_versions.dedup();
    for t in &mut targets {
        if t.connect_to.is_none() {
            t.resolve_with(&resolve);
        }
        t.headers.0.extend(headers.iter().cloned());
        if t.tls_versions.is_empty() {
            t.tls_versions.clone_from(&tls_versions);
        }
    }
    targets
}

/// Why shard `i` of `n` over `total` targets scanned nothing (it exits 3: no pass).
pub fn empty_shard(i: usize, n: usize, total: usize) -> String {
    format!(
        "shard {i}/{n} holds no target ({total} target{} in {n} shards): nothing was scanned, so \
         there is no grade; use no more shards than targets",
        if total == 1 { "" } else { "s" }
    )
}

/// Shard `(i, n)` of the targets, each first given the names of the other targets on its
/// address and port as siblings ([`probe_core::fleet::name_siblings`]: before the split, so a
/// shard's target knows the names another shard scans).
pub async fn shard_named(mut targets: Vec<Target>, s: Option<(usize, usize)>) -> Vec<Target> {
    probe_core::fleet::name_siblings(&mut targets).await;
    shard(targets, s)
}

/// Shard `(i, n)` of the targets (all of them without a shard).
pub fn shard(targets: Vec<Target>, shard: Option<(usize, usize)>) -> Vec<Target> {
    match shard {
        Some((i, n)) => probe_core::policy::shard(&targets, i, n),
        None => targets,
    }
}

/// Applies the config's expected policies and suppressions (as of today) and marks findings
/// against the baseline; returns the policy's warnings (e.g. an expired suppression).
pub fn apply_policy(
    report: &mut Report,
    config: Option<&Config>,
    baseline: Option<&Report>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    if let Some(c) = config {
        let today = time::OffsetDateTime::now_utc().date();
        warnings = probe_core::policy::apply(report, &c.policies(), &c.suppressions(), today)
            .iter()
            .map(ToString::to_string)
            .collect();
    }
    if let Some(base) = baseline {
        probe_core::policy::compare_baseline(report, base);
        warnings.extend(unsuppressed_since(report, base));
    }
    warnings
}

/// After [`probe_core::policy::compare_baseline`]: a finding the baseline holds only as
/// suppressed, and that no suppression covers now (it expired, or was removed), is new. The
/// baseline never counted it, so calling it unchanged would let `fail-on: new` pass quietly on a
/// finding that nothing accepts any more. Each such finding is marked new, its target gets a note
/// that says why, and a warning per finding is returned.
pub fn unsuppressed_since(report: &mut Report, baseline: &Report) -> Vec<String> {
    use std::collections::HashMap;
    // Per (URL, finding id): whether every copy in the baseline was suppressed.
    let mut only_suppressed: HashMap<(&str, probe_core::finding::FindingId), bool> = HashMap::new();
    for (url, f) in baseline.findings_by_url() {
        let all = only_suppressed.entry((url, f.id)).or_insert(true);
        *all &= f.marks.suppressed.is_some();
    }
    let mut warnings = Vec::new();
    for t in &mut report.targets {
        let mut notes = Vec::new();
        for f in &mut t.findings {
            let was_suppressed = only_suppressed
                .get(&(t.url.as_str(), f.id))
                .copied()
                .unwrap_or(false);
            if was_suppressed
                && f.marks.suppressed.is_none()
                && f.marks.baseline == Some(probe_core::report::BaselineState::Unchanged)
            {
                f.marks.baseline = Some(probe_core::report::BaselineState::New);
                let why = "was suppressed in the baseline, no longer suppressed: it counts as new";
                warnings.push(format!("{} on {} {why}", f.id, t.url));
                notes.push(format!("{} {why}", f.id));
            }
        }
        t.notes.extend(notes);
    }
    warnings
}

/// Reads a baseline report (`--baseline`, `baseline`): `Ok(None)` when no file is at `path` yet
/// (the first run of a workflow that keeps its last report as the next one's baseline). The
/// caller then warns ([`no_baseline`]) and compares with an empty baseline: every finding is new,
/// which can fail a run but never pass one. A file that is there but cannot be read or is not a
/// report is an error.
pub fn read_baseline(path: &Path, shown: &str) -> Result<Option<Report>, String> {
    match crate::files::check_regular(path, crate::files::REPORT_LIMIT, "a JSON report") {
        Err(e) if e.is_not_found() => Ok(None),
        _ => read_report(path, shown).map(Some),
    }
}

/// The warning for a baseline that is not there ([`read_baseline`]).
pub fn no_baseline(shown: &str) -> String {
    format!("no baseline at {shown:?}: every finding counts as new")
}

/// Reads a JSON report (a baseline, a shard's); `shown` names it in errors.
pub fn read_report(path: &Path, shown: &str) -> Result<Report, String> {
    let text = crate::files::read_text(path, crate::files::REPORT_LIMIT, "a JSON report")
        .map_err(|e| format!("cannot read {shown:?}: {e}"))?;
    let report: Report = serde_json::from_str(&text)
        .map_err(|e| format!("{shown:?} is not an mtls-scan JSON report: {e}"))?;
    if report.version != REPORT_VERSION {
        return Err(format!(
            "{shown:?} is a version {} report; this is version {REPORT_VERSION}",
            report.version
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use probe_core::grade::Grade;

    fn config(text: &str) -> Config {
        match Config::parse(text, "t.yml") {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_config_fills_what_was_not_given() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let pem = |name: &str| -> Result<(PathBuf, Vec<u8>), Box<dyn std::error::Error>> {
            let key = rcgen::KeyPair::generate()?;
            let cert = rcgen::CertificateParams::new(vec![name.to_owned()])?.self_signed(&key)?;
            let path = dir.path().join(format!("{name}.pem"));
            // One saved with a byte-order mark: read all the same.
            std::fs::write(&path, format!("{}{}", crate::files::BOM, cert.pem()))?;
            Ok((path, cert.der().to_vec()))
        };
        let (_, roots_der) = pem("roots")?;
        let (mine, mine_der) = pem("mine")?;
        let mut c = config(
            "defaults:\n  timeout: 2.5\n  deadline: 60\n  concurrency: 3\n  per-host: 2\n  \
             fail-under: A\n  ca-files: [roots.pem]\ntargets:\n  - url: https://a.example/\n",
        );
        c.base = dir.path().to_path_buf();
        let der = |s: &Settings| -> Vec<Vec<u8>> {
            s.options.extra_roots.iter().map(|c| c.to_vec()).collect()
        };
        let s = settings(&Given::default(), Some(&c)).map_err(|e| format!("{e:?}"))?;
        assert_eq!(s.options.timeout, Duration::from_millis(2500));
        assert_eq!(s.options.deadline, Some(Duration::from_secs(60)));
        assert_eq!((s.options.concurrency, s.options.per_host), (3, 2));
        assert_eq!(s.fail_under, Some(Threshold::Grade(Grade::A)));
        assert_eq!(der(&s), std::slice::from_ref(&roots_der));
        assert!(
            s.options.ca_files.is_empty(),
            "read here, not by the scanner"
        );

        let given = Given {
            timeout: Some(4.0),
            fail_under: Some(Threshold::Grade(Grade::D)),
            concurrency: Some(8),
            ca_files: vec![mine],
            ..Given::default()
        };
        let s = settings(&given, Some(&c)).map_err(|e| format!("{e:?}"))?;
        assert_eq!(s.options.timeout, Duration::from_secs(4), "given wins");
        assert_eq!((s.options.concurrency, s.options.per_host), (8, 2));
        assert_eq!(s.fail_under, Some(Threshold::Grade(Grade::D)));
        assert_eq!(der(&s), [mine_der, roots_der]);

        let s = settings(&Given::default(), None).map_err(|e| format!("{e:?}"))?;
        let builtin = ScanOptions::default();
        assert_eq!(s.options.timeout, builtin.timeout);
        assert_eq!(s.options.deadline, None);
        assert_eq!(s.fail_under, None);

        // A CA file that is missing or holds no certificate: named as its setting, where it
        // came from, and what is wrong.
        std::fs::write(dir.path().join("empty.pem"), "nothing\n")?;
        let given = Given {
            ca_files: vec![dir.path().join("none.pem"), dir.path().join("empty.pem")],
            ..Given::default()
        };
        let errors = settings(&given, None).err().unwrap_or_default();
        let got: Vec<(&str, bool, bool)> = errors
            .iter()
            .map(|e| (e.setting, e.from_config, e.content))
            .collect();
        assert_eq!(got, [("ca-file", false, false), ("ca-file", false, true)]);
        assert!(errors.get(1).is_some_and(|e| e.to_string().ends_with(
            "empty.pem: no PEM certificate found \
                (expected a -----BEGIN CERTIFICATE----- line)"
        )));
        Ok(())
    }

    #[test]
    fn identities_come_from_text_files_or_the_config() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("key.pem"), "KEY")?;
        let mut c = config(
            "defaults:\n  client-cert: cert.pem\n  client-key: key.pem\n\
             targets:\n  - url: https://a.example/\n",
        );
        c.base = dir.path().to_path_buf();
        let given = Given {
            client_cert: Some(Pem::Text("CERT".into())),
            ..Given::default()
        };
        let s = settings(&given, Some(&c)).map_err(|e| format!("{e:?}"))?;
        assert_eq!(
            s.options.identities.client_cert_pem.as_deref(),
            Some("CERT")
        );
        assert_eq!(s.options.identities.client_key_pem.as_deref(), Some("KEY"));
        assert_eq!(s.secrets, ["KEY"], "keys read from files are secrets");

        let missing = Given {
            issuing_ca_cert: Some(Pem::File(dir.path().join("none.pem"))),
            ..Given::default()
        };
        std::fs::remove_file(dir.path().join("key.pem"))?;
        let errors = match settings(&missing, Some(&c)) {
            Ok(_) => Vec::new(),
            Err(e) => e,
        };
        let got: Vec<(&str, bool)> = errors.iter().map(|e| (e.setting, e.from_config)).collect();
        assert_eq!(
            got,
            [
                ("client-cert", true),
                ("client-key", true),
                ("issuing-ca-cert", false)
            ]
        );
        assert!(errors
            .iter()
            .all(|e| e.to_string().starts_with("cannot read ")));
        Ok(())
    }

    #[test]
    fn config_targets_join_the_given_ones() {
        let c = config("targets:\n  - url: https://a.example/\n  - url: https://b.example/\n");
        let given = match Target::parse("https://b.example") {
            Ok(t) => vec![t],
            Err(e) => panic!("{e}"),
        };
        let urls: Vec<String> = targets(&given, &Given::default(), Some(&c))
            .into_iter()
            .map(|t| t.url)
            .collect();
        assert_eq!(urls, ["https://b.example:443/", "https://a.example:443/"]);
    }

    /// A URL given and listed in the config keeps the config's entry: its sibling names and
    /// ports, `resolve` and TLS versions (an audit's `api-url` beside a config naming
    /// `open.test`: the names were dropped, B, exit 0, where the config alone gave F).
    #[test]
    fn a_given_url_keeps_what_the_config_says_of_it() {
        let c = config(
            "targets:\n  - url: https://strict.test:8443/\n    names: [open.test]\n    \
             sibling-ports: [443]\n    resolve: [\"strict.test:8443:127.0.0.1\"]\n    \
             tls-versions: [1.3]\n",
        );
        let urls = match Target::parse("https://strict.test:8443/") {
            Ok(t) => vec![t],
            Err(e) => panic!("{e}"),
        };
        let given = Given {
            sni_names: vec!["cli.test".into()],
            ..Given::default()
        };
        let all = targets(&urls, &given, Some(&c));
        assert_eq!(all.len(), 1);
        let t = &all[0];
        assert_eq!(t.names, ["cli.test", "open.test"]);
        assert_eq!(t.sibling_ports, [443]);
        assert_eq!(
            t.connect_to.map(|a| a.to_string()).as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(t.tls_versions, [probe_core::facts::TlsVersion::Tls13]);
    }

    #[test]
    fn resolve_names_and_headers_reach_every_target() {
        let c = config(
            "defaults:\n  resolve: [\"a.example:443:10.0.0.1\"]\n  headers: [\"X-Key: k1\"]\n\
             targets:\n  - url: https://a.example/\n  - url: https://b.example/\n    resolve: [\"b.example:443:10.0.0.2\"]\n    names: [\"public.example\"]\n    sibling-ports: [8443, \"443\", 443]\n",
        );
        let given = Given {
            resolve: vec![match "c.example:443:10.0.0.3".parse() {
                Ok(r) => r,
                Err(e) => panic!("{e}"),
            }],
            sni_names: vec!["sibling.example".into()],
            sibling_ports: vec![8443],
            ..Given::default()
        };
        let cli = match Target::parse("https://c.example/") {
            Ok(t) => vec![t],
            Err(e) => panic!("{e}"),
        };
        let all = targets(&cli, &given, Some(&c));
        let addr = |i: usize| all.get(i).and_then(|t| t.connect_to).map(|a| a.to_string());
        assert_eq!(addr(0).as_deref(), Some("10.0.0.3"));
        assert_eq!(addr(1).as_deref(), Some("10.0.0.1"));
        assert_eq!(addr(2).as_deref(), Some("10.0.0.2"));
        assert_eq!(
            all.first().map(|t| t.names.clone()),
            Some(vec!["sibling.example".to_owned()])
        );
        assert_eq!(
            all.get(2).map(|t| t.names.clone()),
            Some(vec!["public.example".to_owned()])
        );
        assert!(all.iter().all(|t| t.headers.0.len() == 1));
        // Sibling ports: the front end's on the targets it gave, each config target its own.
        assert_eq!(
            all.first().map(|t| t.sibling_ports.clone()),
            Some(vec![8443])
        );
        assert_eq!(all.get(1).map(|t| t.sibling_ports.clone()), Some(vec![]));
        assert_eq!(
            all.get(2).map(|t| t.sibling_ports.clone()),
            Some(vec![443, 8443])
        );
    }

    /// `tls-versions`: a target's own in the config, else the front end's, else the defaults'
    /// (unquoted YAML numbers are versions too; repeats said once).
    #[test]
    fn tls_versions_reach_each_target() {
        use probe_core::facts::TlsVersion::{Tls12, Tls13};
        let c = config(
            "defaults:\n  tls-versions: [1.3, \"1.2\", 1.3]\ntargets:\n  - url: https://a.example/\n\
             \x20 - url: https://b.example/\n    tls-versions: [\"TLSv1.3\"]\n",
        );
        let versions = |given: &Given| -> Vec<Vec<_>> {
            targets(&[], given, Some(&c))
                .into_iter()
                .map(|t| t.tls_versions)
                .collect()
        };
        assert_eq!(
            versions(&Given::default()),
            [vec![Tls13, Tls12], vec![Tls13]]
        );
        let given = Given {
            tls_versions: vec![Tls12],
            ..Given::default()
        };
        assert_eq!(versions(&given), [vec![Tls12], vec![Tls13]]);
        assert!(targets(
            &[],
            &Given::default(),
            Some(&config("targets:\n  - url: https://a.example/\n"))
        )
        .iter()
        .all(|t| t.tls_versions.is_empty()));
    }
}
