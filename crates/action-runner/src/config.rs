//! The YAML config (`mtls-scan scan --config mtls-scan.yml`, the Action's `config` input): defaults,
//! targets with an expected policy, and suppressions. Parsed through the serde_yaml API
//! (serde_norway) with unknown keys refused; every value is validated while it is deserialised,
//! so each error carries its line and column.

use std::path::{Path, PathBuf};

use probe_core::facts::ProbeId;
use probe_core::finding::FindingId;
use probe_core::grade::Grade;
use probe_core::policy::{Expectation, Suppression, TargetPolicy};
use probe_core::target::{ExtraHeaders, Resolve, Target};
use serde::de::{self, Deserializer};
use serde::Deserialize;

/// A config error, with where it is.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
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
    /// Probe deadline, seconds.
    pub timeout: Option<Seconds>,
    /// Total scan deadline, seconds.
    pub deadline: Option<Seconds>,
    /// Probes in flight at once.
    pub concurrency: Option<u16>,
    /// Probes in flight at once per host:port.
    pub per_host: Option<u16>,
    /// Threshold grade.
    pub fail_under: Option<GradeValue>,
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
    pub names: Vec<String>,
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

/// A positive number of seconds (≤ 1 day).
#[derive(Debug, Clone, Copy)]
pub struct Seconds(pub f64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v.is_finite() && v > 0.0 && v <= 86_400.0 {
            Ok(Self(v))
        } else {
            Err(de::Error::custom(format!(
                "{v} is not a number of seconds between 0 and 86400"
            )))
        }
    }
}

/// A grade letter.
#[derive(Debug, Clone, Copy)]
pub struct GradeValue(pub Grade);

impl<'de> Deserialize<'de> for GradeValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Grade::parse(&s)
            .map(Self)
            .ok_or_else(|| de::Error::custom(format!("{s:?} is not a grade: use A, B, C, D or F")))
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
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.display().to_string(),
            line: 0,
            column: 0,
            message: format!("cannot read: {e}"),
        })?;
        let mut config = Self::parse(&text, &path.display().to_string())?;
        config.base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(config)
    }

    /// Parses and validates config text; `name` is used in error messages.
    pub fn parse(text: &str, name: &str) -> Result<Self, ConfigError> {
        let file: ConfigFile = serde_yaml::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            let mut message = e.to_string();
            if let Some(cut) = message.rfind(" at line ") {
                message.truncate(cut); // the location is already in front
            }
            // Validation errors are placed at the enclosing entry; point at the quoted value itself.
            let (line, column) = quoted_value(&message)
                .and_then(|v| find_from(text, v, line))
                .unwrap_or((line, column));
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
        let mut seen: Vec<&str> = Vec::new();
        for (i, entry) in file.targets.iter().enumerate() {
            if seen.contains(&entry.url.target.url.as_str()) {
                // The entry is the n-th one written exactly like this.
                let nth = file
                    .targets
                    .iter()
                    .take(i + 1)
                    .filter(|t| t.url.raw == entry.url.raw)
                    .count();
                let (line, column) = nth_occurrence(text, &entry.url.raw, nth);
                return Err(ConfigError {
                    path: name.into(),
                    line,
                    column,
                    message: format!("duplicate target {}", entry.url.target.url),
                });
            }
            seen.push(&entry.url.target.url);
        }
        Ok(Self {
            file,
            base: PathBuf::new(),
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
                target.names.extend(t.names.iter().cloned());
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

    /// The suppressions.
    pub fn suppressions(&self) -> Vec<Suppression> {
        self.file
            .suppressions
            .iter()
            .map(|s| Suppression {
                id: s.id,
                target: s.target.0.clone(),
                reason: s.reason.0.clone(),
                expires: s.expires.0,
            })
            .collect()
    }
}

/// The first double-quoted value in a message (`"2027-13-40" is not a date`).
fn quoted_value(message: &str) -> Option<&str> {
    let start = message.find('"')? + 1;
    let len = message.get(start..)?.find('"')?;
    message.get(start..start + len).filter(|v| !v.is_empty())
}

/// Line and column (1-based) of the first occurrence of `needle` on or after line `from`.
fn find_from(text: &str, needle: &str, from: usize) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find_map(|(i, line)| line.find(needle).map(|col| (i + 1, col + 1)))
}

/// Line and column (1-based) of the `nth` line where `needle` appears in `text`.
fn nth_occurrence(text: &str, needle: &str, nth: usize) -> (usize, usize) {
    let mut count = 0;
    for (i, line) in text.lines().enumerate() {
        if let Some(col) = line.find(needle) {
            count += 1;
            if count == nth {
                return (i + 1, col + 1);
            }
        }
    }
    (0, 0)
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

    #[test]
    fn parses_a_good_config() {
        let c = Config::parse(GOOD, "x.yml").unwrap();
        assert_eq!(c.targets().len(), 2);
        assert_eq!(c.policies()[1].expect, Expectation::Public);
        assert_eq!(c.suppressions()[0].expires.to_string(), "2027-01-31");
        assert_eq!(c.file.defaults.fail_under.map(|g| g.0), Some(Grade::B));
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
