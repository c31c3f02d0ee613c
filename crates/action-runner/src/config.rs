//! The YAML config (`mtls-scan scan --config mtls-scan.yml`, the Action's `config` input): defaults,
//! targets with an expected policy, and suppressions. Parsed through the serde_yaml API
//! (serde_norway) with unknown keys refused; every value is validated while it is deserialised,
//! so each error carries its line and column.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use probe_core::facts::ProbeId;
use probe_core::finding::FindingId;
use probe_core::policy::{Expectation, Suppression, TargetPolicy};
use probe_core::target::{ExtraHeaders, Resolve, Target};
use serde::de::{self, Deserializer};
use serde::Deserialize;

/// A config error, with where it is (`path:line:column: message`; `path: message` for an error
/// of the whole file).
#[derive(Debug, thiserror::Error)]
#[error("{path}{}: {message}", at(*.line, *.column))]
pub struct ConfigError {
    /// The config file.
    pub path: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// `:line:column`, or nothing when the place is unknown (0).
fn at(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}:{column}")
    }
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Defaults for every target.
    #[serde(default)]
    pub defaults: Defaults,
    /// The targets.
    pub targets: Vec<TargetEntry>,
    /// Accepted findings.
    #[serde(default)]
    pub suppressions: Vec<SuppressionEntry>,
}

/// `defaults:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Defaults {
    /// Probe deadline, seconds (at most an hour, as `--timeout`).
    pub timeout: Option<Seconds>,
    /// Total scan deadline, seconds (at most a day, as `--deadline`).
    pub deadline: Option<LongSeconds>,
    /// Probes in flight at once (1 to 4096, as `--concurrency`).
    pub concurrency: Option<Concurrency>,
    /// Probes in flight at once per host:port (1 to 4096, as `--per-host`).
    pub per_host: Option<Concurrency>,
    /// Threshold grade, or `none` (as `--fail-under`).
    pub fail_under: Option<ThresholdValue>,
    /// Extra trust anchors for server certificates (relative to the config file).
    #[serde(default)]
    pub ca_files: Vec<PathBuf>,
    /// Client identity.
    pub client_cert: Option<PathBuf>,
    /// Its key.
    pub client_key: Option<PathBuf>,
    /// Staging CA.
    pub issuing_ca_cert: Option<PathBuf>,
    /// Its key.
    pub issuing_ca_key: Option<PathBuf>,
    /// `HOST:PORT:ADDR` entries, as curl's `--resolve`, for every target.
    #[serde(default)]
    pub resolve: Vec<ResolveValue>,
    /// `Name: value` headers sent on every probe request (values are secrets: never printed).
    #[serde(default)]
    pub headers: Vec<HeaderEntry>,
    /// Probes switched off, by id.
    #[serde(default)]
    pub skip_probes: Vec<ProbeIdValue>,
    /// The TLS versions the servers speak (`1.3`, `1.2`).
    #[serde(default)]
    pub tls_versions: Vec<TlsVersionValue>,
}

/// A curl-style `HOST:PORT:ADDR`, validated as it is read.
#[derive(Debug, Clone)]
pub struct ResolveValue(pub Resolve);

impl<'de> Deserialize<'de> for ResolveValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map(Self).map_err(de::Error::custom)
    }
}

/// A `Name: value` header, validated as it is read; errors never quote the value.
#[derive(Clone)]
pub struct HeaderEntry(pub http::HeaderName, pub http::HeaderValue);

impl std::fmt::Debug for HeaderEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: <redacted>", self.0)
    }
}

impl<'de> Deserialize<'de> for HeaderEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ExtraHeaders::parse_one(&s)
            .map(|(n, v)| Self(n, v))
            .map_err(de::Error::custom)
    }
}

/// A probe id of the registry.
#[derive(Debug, Clone, Copy)]
pub struct ProbeIdValue(pub ProbeId);

impl<'de> Deserialize<'de> for ProbeIdValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        crate::parse::probe_id(&s)
            .map(Self)
            .map_err(de::Error::custom)
    }
}

/// A TLS version (`1.3`, `1.2`), read as a string or a number.
#[derive(Debug, Clone, Copy)]
pub struct TlsVersionValue(pub probe_core::facts::TlsVersion);

impl<'de> Deserialize<'de> for TlsVersionValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // YAML reads an unquoted 1.3 as a number: it means the version all the same.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Text(String),
            Number(f64),
        }
        let s = match Written::deserialize(d)? {
            Written::Text(s) => s,
            Written::Number(n) => n.to_string(),
        };
        crate::parse::tls_version(&s)
            .map(Self)
            .map_err(de::Error::custom)
    }
}

/// A TCP port (`sibling-ports`), read as a number or a string.
#[derive(Debug, Clone, Copy)]
pub struct PortValue(pub u16);

impl<'de> Deserialize<'de> for PortValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(i64),
            Text(String),
        }
        let s = match Written::deserialize(d)? {
            Written::Number(n) => n.to_string(),
            Written::Text(s) => s,
        };
        crate::parse::port(&s).map(Self).map_err(de::Error::custom)
    }
}

/// A DNS name (`names`), checked as `--sni-name` is: a typo is a config error (exit 2, with
/// its line), not a side door left unread on every run.
#[derive(Debug, Clone)]
pub struct NameValue(pub String);

impl<'de> Deserialize<'de> for NameValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        crate::parse::dns_name(&s)
            .map(Self)
            .map_err(de::Error::custom)
    }
}

/// One `targets:` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetEntry {
    /// The URL.
    pub url: UrlValue,
    /// Free-form tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `mtls` (default) or `public`.
    #[serde(default)]
    pub expect: Expectation,
    /// `HOST:PORT:ADDR` entries for this target.
    #[serde(default)]
    pub resolve: Vec<ResolveValue>,
    /// Sibling names served on the same address, tried as SNI by the bypass probes.
    #[serde(default)]
    pub names: Vec<NameValue>,
    /// Other ports of the same host whose server may share this one's TLS sessions: a session
    /// taken there without a certificate is offered here (`session-resumption-bypass`).
    #[serde(default, rename = "sibling-ports")]
    pub sibling_ports: Vec<PortValue>,
    /// The TLS versions this server speaks (`1.3`, `1.2`), instead of the defaults'.
    #[serde(default, rename = "tls-versions")]
    pub tls_versions: Vec<TlsVersionValue>,
}

/// One `suppressions:` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressionEntry {
    /// The finding id.
    pub id: FindingId,
    /// A target URL or glob.
    pub target: NonEmpty,
    /// Why.
    pub reason: NonEmpty,
    /// The last day it applies (YYYY-MM-DD).
    pub expires: DateValue,
}

/// A target URL, validated as it is read.
#[derive(Debug)]
pub struct UrlValue {
    /// As written.
    pub raw: String,
    /// Parsed.
    pub target: Target,
}

impl<'de> Deserialize<'de> for UrlValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        let target = Target::parse(&raw).map_err(de::Error::custom)?;
        Ok(Self { raw, target })
    }
}

/// A probe's deadline in seconds: more than 0, at most [`crate::parse::MAX_TIMEOUT_SECS`] (read
/// by [`crate::parse::secs_value`], as `--timeout` is).
#[derive(Debug, Clone, Copy)]
pub struct Seconds(pub f64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::parse::secs_value(f64::deserialize(d)?)
            .map(Self)
            .map_err(de::Error::custom)
    }
}

/// A scan's deadline in seconds: more than 0, at most [`crate::parse::MAX_DEADLINE_SECS`] (read
/// by [`crate::parse::secs_long_value`], as `--deadline` is).
#[derive(Debug, Clone, Copy)]
pub struct LongSeconds(pub f64);

impl<'de> Deserialize<'de> for LongSeconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::parse::secs_long_value(f64::deserialize(d)?)
            .map(Self)
            .map_err(de::Error::custom)
    }
}

/// Probes in flight at once, 1 to 4096 (read by [`crate::parse::concurrency_value`], as
/// `--concurrency` and `--per-host` are).
#[derive(Debug, Clone, Copy)]
pub struct Concurrency(pub u16);

impl<'de> Deserialize<'de> for Concurrency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A negative number is out of range, not of the wrong type.
        let n = i64::deserialize(d)?;
        crate::parse::concurrency_value(u64::try_from(n).unwrap_or(0))
            .map(Self)
            .map_err(|_| {
                de::Error::custom(format!(
                    "{n} is not a number from 1 to {}",
                    crate::parse::MAX_CONCURRENCY
                ))
            })
    }
}

/// A threshold grade letter, or `none` (read by [`crate::parse::threshold`], as `--fail-under`
/// and the `fail-under` input are).
#[derive(Debug, Clone, Copy)]
pub struct ThresholdValue(pub crate::exit::Threshold);

impl<'de> Deserialize<'de> for ThresholdValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        crate::parse::threshold(&s)
            .map(Self)
            .map_err(de::Error::custom)
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy)]
pub struct DateValue(pub time::Date);

impl<'de> Deserialize<'de> for DateValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(s.trim(), &format)
            .map(Self)
            .map_err(|e| de::Error::custom(format!("{s:?} is not a date (YYYY-MM-DD): {e}")))
    }
}

/// A string that must not be empty.
#[derive(Debug, Clone)]
pub struct NonEmpty(pub String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            Err(de::Error::custom("must not be empty"))
        } else {
            Ok(Self(s))
        }
    }
}

/// A loaded, validated config.
#[derive(Debug)]
pub struct Config {
    /// The file as parsed.
    pub file: ConfigFile,
    /// The directory relative paths start from.
    pub base: PathBuf,
    /// Where each target's `url:` value is in the file, by its normalised URL (line 0 when it
    /// could not be found, e.g. a URL written across lines).
    pub url_lines: HashMap<String, UrlSpan>,
}

/// Where a value is in a file: 1-based line, and 1-based columns in UTF-16 code units (as SARIF's
/// `utf16CodeUnits` counts them), the end exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UrlSpan {
    /// The line (0: unknown).
    pub line: usize,
    /// The first column of the value.
    pub start_column: usize,
    /// The column just after it.
    pub end_column: usize,
}

/// Most bytes of a config file.
pub const CONFIG_LIMIT: u64 = crate::files::CONFIG_LIMIT;

/// Longest a config may take to parse ([`Config::parse`]). Parsing is linear (a config of
/// [`CONFIG_LIMIT`] bytes of ordinary YAML, 600,000 targets, takes about 10 s unoptimised and far
/// less in a release build), so this only stops a config that meets some superlinear path of the
/// YAML parser not known yet: one such path (a long multi-line value quoted in an error, found
/// again line by line) once took minutes. A minute is several times what the largest ordinary
/// config takes, and far short of a job's hours.
pub const PARSE_TIME_LIMIT: Duration = Duration::from_secs(60);

/// Whether a text holds a PEM private key.
pub fn holds_private_key(text: &str) -> bool {
    text.contains("PRIVATE KEY-----")
}

/// What to mask of a text that [`holds_private_key`]: its private-key PEM blocks (a CA bundle's
/// certificates stay readable, their `-----BEGIN CERTIFICATE-----` lines too), or the whole text
/// when no complete block is found.
pub fn private_key_blocks(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with("-----BEGIN") && l.ends_with("PRIVATE KEY-----") {
            inside = true;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
        if l.starts_with("-----END") && l.ends_with("PRIVATE KEY-----") {
            inside = false;
        }
    }
    if out.is_empty() || inside {
        text.to_owned()
    } else {
        out
    }
}

/// Every `url:` value of the text (block or flow style), in order, by the value as written: one
/// pass over the lines.
pub fn url_spans(text: &str) -> HashMap<&str, Vec<UrlSpan>> {
    let mut spans: HashMap<&str, Vec<UrlSpan>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut from = 0;
        while let Some(at) = line.get(from..).and_then(|l| l.find("url:")) {
            let key = from + at;
            from = key + 4;
            let before = line.get(..key).and_then(|b| b.chars().next_back());
            if !matches!(before, None | Some(' ' | '-' | '{' | ',' | '\t')) {
                continue;
            }
            let rest = line.get(from..).unwrap_or("");
            let lead = rest.len() - rest.trim_start().len();
            let value = rest.trim_start();
            let (start, len) = match value.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = value.get(1..).unwrap_or("");
                    (from + lead + 1, inner.find(q).unwrap_or(inner.len()))
                }
                _ => {
                    let end = value.find([',', '}', '#']).unwrap_or(value.len());
                    (from + lead, value.get(..end).unwrap_or("").trim_end().len())
                }
            };
            let Some(v) = line.get(start..start + len).filter(|v| !v.is_empty()) else {
                continue;
            };
            let col = |byte: usize| line.get(..byte).map_or(0, |p| p.encode_utf16().count()) + 1;
            spans.entry(v).or_default().push(UrlSpan {
                line: i + 1,
                start_column: col(start),
                end_column: col(start + len),
            });
        }
    }
    spans
}

/// A message with every double-quoted value replaced (the parser's own words kept).
fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut parts = message.split('"');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        if i % 2 == 0 {
            out.push_str("<value not shown>");
        } else {
            out.push_str(part);
        }
    }
    out.replace("<value not shown><value not shown>", "<value not shown>")
}

impl Config {
    /// Reads and validates a config file (a regular file of at most [`CONFIG_LIMIT`] bytes).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = Self::read(path)?;
        let mut config = Self::parse(&text, &path.display().to_string())?;
        config.base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(config)
    }

    /// Reads a config file's text, bounded; a file that holds a private key is refused without a
    /// word of what it holds (a `config` input that names the key file by mistake, or a symlink
    /// to it).
    pub fn read(path: &Path) -> Result<String, ConfigError> {
        let at = |message: String| ConfigError {
            path: path.display().to_string(),
            line: 0,
            column: 0,
            message,
        };
        let text = crate::files::read_text(path, CONFIG_LIMIT, "a config file")
            .map_err(|e| at(format!("cannot read: {e}")))?;
        if holds_private_key(&text) {
            return Err(at(
                "holds a private key, not a config: name the YAML config file".to_owned(),
            ));
        }
        Ok(text)
    }

    /// Parses and validates config text; `name` is used in error messages, which never quote a
    /// value the parser could not place (a file that is no config at all). A parse that takes
    /// longer than [`PARSE_TIME_LIMIT`] is refused ([`Config::parse_within`]).
    pub fn parse(text: &str, name: &str) -> Result<Self, ConfigError> {
        Self::parse_within(text, name, PARSE_TIME_LIMIT)
    }

    /// [`Config::parse`] on its own thread, refused when it takes longer than `limit`: the config
    /// comes from the repository (a pull request may change it), and the YAML parser is not ours.
    /// Past the limit the thread is left to finish on its own; the front ends exit 2 at once. A
    /// panic of the parser is passed on as it would be without the thread.
    pub fn parse_within(text: &str, name: &str, limit: Duration) -> Result<Self, ConfigError> {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        let (owned_text, owned_name) = (text.to_owned(), name.to_owned());
        let spawned = std::thread::Builder::new()
            .name("config-parse".to_owned())
            .spawn(move || {
                // Past the limit no one receives: the result is dropped with the thread.
                let _ = sender.send(Self::parse_now(&owned_text, &owned_name));
            });
        let Ok(parser) = spawned else {
            // No thread to spare: parse here, unbounded, rather than refuse a good config.
            return Self::parse_now(text, name);
        };
        match receiver.recv_timeout(limit) {
            Ok(parsed) => parsed,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(ConfigError {
                path: name.to_owned(),
                line: 0,
                column: 0,
                message: format!(
                    "parsing it took more than {} s, so it is refused rather than left to hold \
                     up the run: write it as ordinary YAML (a very long multi-line value?)",
                    limit.as_secs_f64()
                ),
            }),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match parser.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => Err(ConfigError {
                    path: name.to_owned(),
                    line: 0,
                    column: 0,
                    message: "the YAML parser stopped without a result".to_owned(),
                }),
            },
        }
    }

    /// [`Config::parse`], on this thread and unbounded.
    fn parse_now(text: &str, name: &str) -> Result<Self, ConfigError> {
        // The parser expands an alias each time it is used: a small file of aliases of aliases
        // stands for billions of nodes. Counted first, without keeping them.
        // Flow collections nested deeper than deserialising reads cost the YAML scanner time
        // growing with the square of the depth (200 KB of `{a: ` took a minute): refused first.
        let limit = probe_core::text::YAML_FLOW_DEPTH_LIMIT;
        if !probe_core::text::yaml_flow_depth_within(text.as_bytes(), limit) {
            return Err(ConfigError {
                path: name.into(),
                line: 0,
                column: 0,
                message: format!(
                    "it nests flow collections (`[`, `{{`) more than {limit} deep: write them out \
                     as ordinary YAML"
                ),
            });
        }
        let budget = text.len().saturating_add(1024);
        if !yaml_nodes_within(text, budget) {
            return Err(ConfigError {
                path: name.into(),
                line: 0,
                column: 0,
                message: format!(
                    "its YAML aliases expand to more than {budget} nodes: write the entries out"
                ),
            });
        }
        let file: ConfigFile = serde_yaml::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            let mut message = e.to_string();
            if let Some(cut) = message.rfind(" at line ") {
                message.truncate(cut); // the location is already in front
            }
            // Validation errors are placed at the enclosing entry; point at the quoted value itself.
            let placed = quoted_value(&message).and_then(|v| find_from(text, v, line));
            let (line, column) = placed.unwrap_or((line, column));
            // A value of the wrong type ("defaults.headers: invalid type: string …", a header
            // given as a string, not a list) or a file that is no config at all is never quoted:
            // it may be a secret.
            if placed.is_none()
                || message.contains("invalid type: ")
                || message.contains("invalid value: ")
            {
                message = redact_quoted(&message);
            }
            ConfigError {
                path: name.to_owned(),
                line,
                column,
                message,
            }
        })?;
        if file.targets.is_empty() {
            return Err(ConfigError {
                path: name.into(),
                line: 0,
                column: 0,
                message: "no targets".into(),
            });
        }
        let spans = url_spans(text);
        let mut nth: HashMap<&str, usize> = HashMap::with_capacity(file.targets.len());
        let mut url_lines: HashMap<String, UrlSpan> = HashMap::with_capacity(file.targets.len());
        for entry in &file.targets {
            let raw = entry.url.raw.trim();
            let k = nth.entry(raw).or_insert(0);
            let span = spans.get(raw).and_then(|v| v.get(*k)).copied();
            *k += 1;
            let url = entry.url.target.url.as_str();
            if url_lines.contains_key(url) {
                let (line, column) = span.map_or((0, 0), |s| (s.line, s.start_column));
                return Err(ConfigError {
                    path: name.into(),
                    line,
                    column,
                    message: format!("duplicate target {url}"),
                });
            }
            url_lines.insert(url.to_owned(), span.unwrap_or_default());
        }
        Ok(Self {
            file,
            base: PathBuf::new(),
            url_lines,
        })
    }

    /// A path from the config, relative to the config file.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }

    /// The targets, in file order, with their own `resolve` and `names`.
    pub fn targets(&self) -> Vec<Target> {
        self.file
            .targets
            .iter()
            .map(|t| {
                let mut target = t.url.target.clone();
                let entries: Vec<Resolve> = t.resolve.iter().map(|r| r.0.clone()).collect();
                target.resolve_with(&entries);
                target.names.extend(t.names.iter().map(|n| n.0.clone()));
                target.sibling_ports = t.sibling_ports.iter().map(|p| p.0).collect();
                target.sibling_ports.sort_unstable();
                target.sibling_ports.dedup();
                target.tls_versions = t.tls_versions.iter().map(|v| v.0).collect();
                target.tls_versions.sort();
                target.tls_versions.dedup();
                target
            })
            .collect()
    }

    /// The expected policy of every target.
    pub fn policies(&self) -> Vec<TargetPolicy> {
        self.file
            .targets
            .iter()
            .map(|t| TargetPolicy {
                url: t.url.target.url.clone(),
                expect: t.expect,
                tags: t.tags.clone(),
            })
            .collect()
    }

    /// The suppressions, each `target` written as reports write target URLs
    /// ([`suppression_target`]).
    pub fn suppressions(&self) -> Vec<Suppression> {
        self.file
            .suppressions
            .iter()
            .map(|s| Suppression {
                id: s.id,
                target: suppression_target(&s.target.0),
                reason: s.reason.0.clone(),
                expires: s.expires.0,
            })
            .collect()
    }
}

/// A suppression's `target` as reports write target URLs (`https://HOST:PORT/PATH`, the host in
/// lower case, the port always), so that it matches however it is spelt: a URL
/// (`https://API.example.com` is `https://api.example.com:443/`) whole; a glob, its scheme and
/// authority (`https://legacy.example.com/*` is `https://legacy.example.com:443/*`; a host
/// glob without a port, `https://legacy-*.example.com/*`, gets `:443` too, unless it ends in a
/// glob character that may match the port). Anything else is kept as written (and matches
/// nothing: a warning says so).
pub fn suppression_target(raw: &str) -> String {
    let raw = raw.trim();
    let is_glob = |s: &str| s.contains(['*', '?', '[', ']', '{', '}']);
    if !is_glob(raw) {
        return Target::parse(raw).map_or_else(|_| raw.to_owned(), |t| t.url);
    }
    let Some(rest) = raw
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .and_then(|_| raw.get(8..))
    else {
        return raw.to_owned();
    };
    let cut = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(cut);
    if authority.is_empty() || authority.contains('@') {
        return raw.to_owned();
    }
    if is_glob(authority) {
        let ends_in_glob = authority.ends_with(['*', '?', ']', '}']);
        if authority.contains(':') || ends_in_glob {
            return format!("https://{}{path}", authority.to_ascii_lowercase());
        }
        return format!("https://{}:443{path}", authority.to_ascii_lowercase());
    }
    match Target::parse(&format!("https://{authority}/")) {
        Ok(t) => format!("{}{path}", t.url.trim_end_matches('/')),
        Err(_) => raw.to_owned(),
    }
}

/// The first double-quoted value in a message (`"2027-13-40" is not a date`).
fn quoted_value(message: &str) -> Option<&str> {
    let start = message.find('"')? + 1;
    let len = message.get(start..)?.find('"')?;
    message.get(start..start + len).filter(|v| !v.is_empty())
}

/// Line and column (1-based) of the first occurrence of `needle` on or after line `from`.
///
/// Linear in the text: each search sets up at the needle's length, so only lines as long as the
/// needle are searched, and a needle with a line break (on no one line) not at all. Searching
/// every line cost the needle's length per line, and a long plain scalar quoted in an error (its
/// lines folded into one value) made that quadratic: 1.6 MB of base64 lines took 82 s.
fn find_from(text: &str, needle: &str, from: usize) -> Option<(usize, usize)> {
    if needle.contains(['\n', '\r']) {
        return None;
    }
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .filter(|(_, line)| line.len() >= needle.len())
        .find_map(|(i, line)| line.find(needle).map(|col| (i + 1, col + 1)))
}

/// Whether the YAML documents of `text` hand over at most `budget` nodes, each use of an alias
/// counting its whole subtree again (a syntax error is left to the real parse to report).
fn yaml_nodes_within(text: &str, budget: usize) -> bool {
    use serde::de::DeserializeSeed as _;
    // The parser asserts its own invariants with panics (an alias to no anchor, under a visitor
    // that reads any node): such a file is left to the real parse, which names the error. The
    // panic's own message is kept off stderr (the config is read before the scan starts).
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let within = std::panic::catch_unwind(|| {
        let mut left = budget;
        for doc in serde_yaml::Deserializer::from_str(text).take(16) {
            if (NodeCount { left: &mut left }).deserialize(doc).is_err() && left == 0 {
                return false;
            }
        }
        true
    })
    .unwrap_or(true);
    std::panic::set_hook(hook);
    within
}

/// Counts the nodes of a YAML document as the parser hands them over, keeping none; an error
/// (which unwinds the parser) once `left` reaches 0.
struct NodeCount<'a> {
    left: &'a mut usize,
}

impl NodeCount<'_> {
    fn count<E: serde::de::Error>(&mut self) -> Result<(), E> {
        match self.left.checked_sub(1) {
            Some(left) if left > 0 => {
                *self.left = left;
                Ok(())
            }
            _ => {
                *self.left = 0;
                Err(E::custom("node budget reached"))
            }
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for NodeCount<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for NodeCount<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_bool<E: serde::de::Error>(mut self, _: bool) -> Result<(), E> {
        self.count()
    }

    fn visit_i64<E: serde::de::Error>(mut self, _: i64) -> Result<(), E> {
        self.count()
    }

    fn visit_u64<E: serde::de::Error>(mut self, _: u64) -> Result<(), E> {
        self.count()
    }

    fn visit_f64<E: serde::de::Error>(mut self, _: f64) -> Result<(), E> {
        self.count()
    }

    fn visit_str<E: serde::de::Error>(mut self, _: &str) -> Result<(), E> {
        self.count()
    }

    fn visit_unit<E: serde::de::Error>(mut self) -> Result<(), E> {
        self.count()
    }

    fn visit_none<E: serde::de::Error>(mut self) -> Result<(), E> {
        self.count()
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        self.count()?;
        while seq
            .next_element_seed(NodeCount {
                left: &mut *self.left,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.count()?;
        while map
            .next_key_seed(NodeCount {
                left: &mut *self.left,
            })?
            .is_some()
        {
            map.next_value_seed(NodeCount {
                left: &mut *self.left,
            })?;
        }
        Ok(())
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(mut self, data: A) -> Result<(), A::Error> {
        use serde::de::VariantAccess as _;
        self.count()?;
        let ((), variant) = data.variant_seed(NodeCount {
            left: &mut *self.left,
        })?;
        variant.newtype_variant_seed(NodeCount {
            left: &mut *self.left,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
defaults:
  timeout: 5
  fail-under: B
targets:
  - url: https://api.example.com/v1
    tags: [payments]
  - url: https://api.example.com/healthz
    expect: public
suppressions:
  - id: client-cert-optional
    target: https://legacy.example.com/*
    reason: migrating in Q1
    expires: 2027-01-31
";

    /// A small file of aliases of aliases (a "billion laughs") is refused before it is expanded
    /// (before: 3.7 GB and an abort on a 531 KB config); aliases used a few times still parse.
    /// A config of deeply nested flow collections is refused at once (it took the YAML scanner
    /// a minute at 200 KB), naming why; one nested within the limit meets the usual errors.
    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let deep = format!("targets: {}", "{a: ".repeat(50_000));
        let start = std::time::Instant::now();
        let e = Config::parse(&deep, "deep.yml").unwrap_err();
        assert!(e.message.contains("more than 128 deep"), "{}", e.message);
        eprintln!("refused in {:?}", start.elapsed());
        let shallow = format!("targets: {}{}", "[".repeat(20), "]".repeat(20));
        let e = Config::parse(&shallow, "shallow.yml").unwrap_err();
        assert!(!e.message.contains("deep"), "{}", e.message);
    }

    #[test]
    fn aliases_that_multiply_are_refused() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        bomb.push_str("targets:\n  - url: https://a.example/\n    tags: *a11\n");
        let e = Config::parse(&bomb, "bomb.yml").expect_err("refused");
        assert!(e.message.contains("aliases expand"), "{}", e.message);
        let shared = "\
defaults:
  timeout: 5
targets:
  - url: https://a.example/
    tags: &t [payments, eu]
  - url: https://b.example/
    tags: *t
";
        let c = Config::parse(shared, "shared.yml").expect("aliases used twice parse");
        assert_eq!(c.targets().len(), 2);
        // An alias to no anchor: the parse's own error, never a panic (the counting pass once
        // panicked inside the parser: exit 101).
        for typo in [
            "a: *x\n",
            "targets:\n  - url: https://a.example/\n    tags: [*nope]\n",
        ] {
            let e = Config::parse(typo, "typo.yml").expect_err("refused");
            assert!(!e.message.contains("aliases expand"), "{}", e.message);
        }
    }

    /// `headers` given as a string, not a list: the error names the key and the type, never
    /// the value (a token).
    #[test]
    fn a_value_of_the_wrong_type_is_never_quoted() {
        let text = "defaults:\n  headers: \"Authorization: Bearer s3cr3t-token\"\ntargets:\n  - url: https://a.example/\n";
        let e = Config::parse(text, "c.yml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("defaults.headers") && e.contains("invalid type"),
            "{e}"
        );
        assert!(!e.contains("s3cr3t") && !e.contains("Bearer"), "{e}");
    }

    /// An error placed in the file says where; one of the whole file (no targets) says no
    /// `:0:0`.
    #[test]
    fn errors_say_where_only_when_known() {
        let shown = |text: &str| {
            Config::parse(text, "c.yml")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert_eq!(shown("targets: []\n"), "c.yml: no targets");
        let placed = shown("targets:\n  - url: https://a.example/\n    color: red\n");
        assert!(placed.starts_with("c.yml:3:"), "{placed}");
    }

    #[test]
    fn only_the_key_blocks_of_a_bundle_are_secret() {
        let cert = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";
        let key = "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n";
        assert_eq!(private_key_blocks(&format!("{cert}{key}{cert}")), key);
        assert_eq!(private_key_blocks(key), key);
        let cut = format!("{cert}-----BEGIN PRIVATE KEY-----\nMIG\n");
        assert_eq!(
            private_key_blocks(&cut),
            cut,
            "no complete block: all of it"
        );
    }

    /// A suppression's target is written as reports write target URLs: a URL whole, a glob's
    /// scheme and authority.
    #[test]
    fn suppression_targets_are_normalised() {
        for (given, want) in [
            ("https://API.Example.com", "https://api.example.com:443/"),
            ("https://a.example:8443", "https://a.example:8443/"),
            ("a.example/v1", "https://a.example:443/v1"),
            ("https://a.example/v1/", "https://a.example:443/v1/"),
            (
                "https://Legacy.example.com/*",
                "https://legacy.example.com:443/*",
            ),
            ("https://a.example:8443/x?y", "https://a.example:8443/x?y"),
            (
                "https://legacy-*.Example.com/*",
                "https://legacy-*.example.com:443/*",
            ),
            ("https://legacy-1.*", "https://legacy-1.*"),
            ("https://*:8443/*", "https://*:8443/*"),
            ("*.example.com*", "*.example.com*"),
            ("x", "https://x:443/"),
            ("not a URL", "not a URL"),
        ] {
            assert_eq!(suppression_target(given), want, "{given}");
        }
    }

    /// The settings the flags and inputs also take are read by their one validator:
    /// `fail-under: none` is a threshold; concurrency 1..=4096; a probe's timeout an hour at
    /// most, the scan's deadline a day.
    #[test]
    fn settings_validate_as_the_flags_do() {
        let with = |defaults: &str| {
            Config::parse(
                &format!("defaults:\n{defaults}targets:\n  - url: https://a.example/\n"),
                "c.yml",
            )
        };
        let c = with("  fail-under: None\n  deadline: 7200\n  concurrency: 4096\n").unwrap();
        assert_eq!(
            c.file.defaults.fail_under.map(|t| t.0),
            Some(crate::exit::Threshold::None)
        );
        for (bad, want) in [
            ("  concurrency: 0\n", "0 is not a number from 1 to 4096"),
            ("  per-host: 4097\n", "4097 is not a number from 1 to 4096"),
            ("  per-host: -3\n", "-3 is not a number from 1 to 4096"),
            ("  timeout: 3601\n", "at most 3600"),
            ("  deadline: 86401\n", "at most 86400"),
            ("  fail-under: G\n", "use A, B, C, D, F or none"),
        ] {
            let e = with(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    /// A parse past the limit is refused, naming the file and the limit; the same config within
    /// it is parsed.
    #[test]
    fn refuses_a_config_that_parses_past_the_limit() {
        let targets: String = (0..40_000)
            .map(|i| format!("  - url: https://h{i}.example/\n"))
            .collect();
        let text = format!("targets:\n{targets}");
        let slow = Config::parse_within(&text, "big.yml", Duration::from_millis(1));
        assert!(
            slow.as_ref().is_err_and(|e| {
                e.to_string()
                == "big.yml: parsing it took more than 0.001 s, so it is refused rather than left \
                    to hold up the run: write it as ordinary YAML (a very long multi-line value?)"
            }),
            "{:?}",
            slow.map(|c| c.file.targets.len())
        );
        let parsed = Config::parse_within(&text, "big.yml", PARSE_TIME_LIMIT);
        assert_eq!(parsed.map(|c| c.file.targets.len()).ok(), Some(40_000));
    }

    /// A value quoted in an error is found again only on a line as long as it: linear, whatever
    /// the number of lines.
    #[test]
    fn quoted_values_are_found_on_lines_as_long() {
        let text = "a: 1\nb: xyz\nc: xyz and more\n";
        assert_eq!(find_from(text, "xyz", 1), Some((2, 4)));
        assert_eq!(find_from(text, "xyz and", 1), Some((3, 4)));
        assert_eq!(find_from(text, "xyz", 3), Some((3, 4)));
        assert_eq!(find_from(text, "b: xyz\nc", 1), None, "on no one line");
        assert_eq!(find_from(text, &"x".repeat(100), 1), None);
    }

    #[test]
    fn parses_a_good_config() {
        let c = Config::parse(GOOD, "x.yml").unwrap();
        assert_eq!(c.targets().len(), 2);
        assert_eq!(c.policies()[1].expect, Expectation::Public);
        assert_eq!(c.suppressions()[0].expires.to_string(), "2027-01-31");
        assert_eq!(
            c.file.defaults.fail_under.map(|g| g.0),
            Some(crate::exit::Threshold::Grade(probe_core::grade::Grade::B))
        );
    }

    fn err(text: &str) -> ConfigError {
        match Config::parse(text, "bad.yml") {
            Err(e) => e,
            Ok(_) => panic!("expected an error for:\n{text}"),
        }
    }

    #[test]
    fn errors_point_at_line_and_column() {
        let e = err("targets:\n  - url: https://a.example/\n    expct: public\n");
        assert_eq!((e.line, e.column), (3, 5), "{e}");
        assert!(e.message.contains("unknown field `expct`"), "{e}");

        let e = err("targets:\n  - url: http://plain.example/\n");
        assert_eq!((e.line, e.column), (2, 10), "{e}");
        assert!(e.message.contains("only https://"), "{e}");

        let e = err("targets:\n  - url: https://a.example/\nsuppressions:\n  - id: client-cert-optional\n    target: x\n    reason: y\n    expires: 2027-13-40\n");
        assert_eq!((e.line, e.column), (7, 14), "{e}");
        assert!(e.message.contains("not a date"), "{e}");
        assert!(
            !e.message.contains(" at line "),
            "the location is not repeated: {e}"
        );

        let e = err("targets:\n  - url: https://a.example/\n  - url: https://a.example:443/\n");
        assert_eq!(
            (e.line, e.column),
            (3, 10),
            "a duplicate written differently: {e}"
        );
        let e = err("targets:\n  - url: https://a.example/\n  - url: https://a.example/\n");
        assert_eq!((e.line, e.column), (3, 10), "{e}");
        assert!(e.message.contains("duplicate target"), "{e}");

        let e = err("targets:\n  - url: https://a.example/\nsuppressions:\n  - id: no-such-finding\n    target: x\n    reason: y\n    expires: 2027-01-01\n");
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("unknown variant"), "{e}");

        let e = err("defaults:\n  fail-under: E\ntargets:\n  - url: https://a.example/\n");
        assert_eq!((e.line, e.column), (2, 15), "{e}");
    }
}
