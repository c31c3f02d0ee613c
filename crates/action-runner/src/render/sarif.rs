//! SARIF 2.1.0 as GitHub code scanning consumes it (`github/codeql-action/upload-sarif`),
//! through a small serde model that holds only what is used.
//!
//! - **Categories.** The run carries `automationDetails.id` = `mtls-scan/<category>/`, from
//!   `--sarif-category` / the `category` input, with `shard-I-of-N` added for a shard, so shards
//!   uploaded together (or one by one) never replace each other. Without a category:
//!   `mtls-scan/` (`mtls-scan/shard-2-of-4/` for a shard).
//! - **Rules.** One rule per catalogue id: `help` (text and Markdown) and `helpUri` come from the
//!   catalogue only, so they never change from scan to scan; the per-stack fixes of a finding are
//!   in its result (message and `properties.fixes`). `security-severity` is what GitHub reads to
//!   rank a security alert, so a finding whose severity was lowered (`expect: public`, the
//!   severity rules) points at a **variant rule** `<id>/<severity>` carrying the severity it is
//!   shown with. Info rules and variants have no `security-severity` and no `security` tag: they
//!   are notes, outside the security view.
//! - **Results.** One per root-cause finding (implied findings are named in its message and
//!   properties), located on its own target's `url:` line of the config file (path relative to
//!   the repository), else on the workflow line that names the URL, else line 1 of the workflow;
//!   the region is complete (start and end line and column). `partialFingerprints` carry
//!   `primaryLocationLineHash` (written here, stable across runs and line moves, distinct per
//!   target and rule) and `mtlsScan/v1` (`ruleId|host:port`).
//! - **Suppressions.** When any result is suppressed by the config, every result carries
//!   `suppressions` (empty when not suppressed), as the spec demands; GitHub does not read them
//!   (a suppressed finding shows as an open alert unless dismissed there).
//!
//! `--baseline` sets `baselineState`, and keeps the baseline's findings this run could not
//! re-check (their target not scanned or incomplete, or their probe not run) as `unchanged`
//! results saying so: GitHub closes an alert whose result is missing from the next upload, and an
//! outage is no fix. Targets that could not be scanned are tool execution notifications.

use std::collections::{BTreeMap, HashMap};

use probe_core::finding::{FindingId, Severity, StackFix};
use probe_core::policy::BaselineState;
use probe_core::report::{NotRechecked, Report, ReportedFinding, TargetReport};
use serde::Serialize;

use crate::config::UrlSpan;

/// Where results are: a repository file (relative to its root) and each target's line in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SarifLocation {
    /// The file, relative to the repository root, `/`-separated.
    pub uri: String,
    /// Each target's place in the file, by the target's URL.
    pub spans: HashMap<String, UrlSpan>,
    /// Where a target without a place of its own is put (line 1 when unknown).
    pub fallback: UrlSpan,
}

impl SarifLocation {
    /// Where the target `url` goes in the file: its own place, else the fallback. The SARIF
    /// results and the check run's annotations both use this.
    pub fn span_of(&self, url: &str) -> UrlSpan {
        self.spans
            .get(url)
            .copied()
            .filter(|s| s.line > 0)
            .unwrap_or(self.fallback)
    }
}

/// How the SARIF is rendered beyond the report.
#[derive(Debug, Clone, Default)]
pub struct SarifOptions {
    /// Where results are located; `None`: at the target's URL itself (no repository file).
    pub location: Option<SarifLocation>,
    /// `--sarif-category` / the `category` input.
    pub category: Option<String>,
    /// The shard this run scanned.
    pub shard: Option<(usize, usize)>,
}

/// `automationDetails.id`: `mtls-scan/`, the category, the shard, each followed by `/`.
pub fn automation_id(category: Option<&str>, shard: Option<(usize, usize)>) -> String {
    let mut id = String::from("mtls-scan/");
    if let Some(c) = category
        .map(|c| c.trim().trim_matches('/'))
        .filter(|c| !c.is_empty())
    {
        id.push_str(c);
        id.push('/');
    }
    if let Some((i, n)) = shard {
        id.push_str(&format!("shard-{i}-of-{n}/"));
    }
    id
}

/// A category as `--sarif-category` and the `category` input take it: letters, digits and
/// `-_./`, at most 100.
pub fn category(s: &str) -> Result<String, String> {
    let c = s.trim().trim_matches('/');
    if c.is_empty()
        || c.len() > 100
        || !c
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.' | '/'))
    {
        return Err(format!(
            "{s:?} is not a category: use letters, digits, -, _, . and / (at most 100)"
        ));
    }
    Ok(c.to_owned())
}

/// The tool's home page (the package's repository).
const INFORMATION_URI: &str = "https://github.com/org/mtls-action";

/// The partial fingerprint's key (versioned, so its recipe can change).
pub const FINGERPRINT_KEY: &str = "mtlsScan/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    automation_details: AutomationDetails,
    tool: Tool,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
    precision: &'static str,
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location<'a>>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<Vec<Suppression>>,
    properties: ResultProperties<'a>,
}

/// A finding accepted in the config: code scanning shows it as dismissed.
#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation<'a> {
    uri: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ResultProperties<'a> {
    url: &'a str,
    host_port: &'a str,
    severity: Severity,
    cwe: &'a str,
    tls_versions: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    implied: Vec<&'static str>,
    #[serde(skip_serializing_if = "<[StackFix]>::is_empty")]
    fixes: &'a [StackFix],
    #[serde(skip_serializing_if = "Option::is_none")]
    catalogue_severity: Option<Severity>,
}

/// The SARIF level of a severity (GitHub accepts `error`, `warning` and `note`).
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (a number, as a string): over 9.0 critical, 7.0–8.9 high,
/// 4.0–6.9 medium, 0.1–3.9 low; none for info (a note, outside the security view).
pub fn security_severity(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

/// `primaryLocationLineHash`: 16 hex digits of SHA-256 of the rule (its catalogue id) and the
/// target's URL, then `:1` as code scanning writes it. Stable across runs and edits of the
/// config, distinct per target and rule.
pub fn line_hash(rule_id: &str, url: &str) -> String {
    let hex = fingerprint(rule_id, &format!("url|{url}"));
    format!("{}:1", hex.get(..16).unwrap_or(&hex))
}

/// The docs anchor of a finding id.
pub fn help_uri(id: FindingId) -> String {
    format!(
        "{}/blob/main/docs/findings.md#{}",
        repository(),
        id.as_str()
    )
}

fn repository() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY") {
        "" => INFORMATION_URI,
        repo => repo,
    }
}

/// Lower-case hex SHA-256 of `ruleId|host:port`.
pub fn fingerprint(rule_id: &str, host_port: &str) -> String {
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("{rule_id}|{host_port}").as_bytes(),
    );
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// The rule of an id, shown with `severity` (a variant `<id>/<severity>` when it is not the
/// catalogue's). Only the catalogue goes into it: it is the same in every scan.
fn rule(id: FindingId, severity: Severity) -> Rule {
    let spec = id.spec();
    let variant = severity != spec.severity;
    let text = format!(
        "{}\n\nFix: {}\n\nPer-stack fixes for the stack seen are in each result.",
        spec.description, spec.remediation
    );
    let markdown = format!(
        "**{}**\n\n{}\n\n**Fix:** {}\n\nEach result names the fixes for the stack seen; every \
         stack's are in [the findings catalogue]({}).\n",
        spec.title,
        spec.description,
        spec.remediation,
        help_uri(id)
    );
    let cwe_number = spec.cwe.trim_start_matches("CWE-");
    let mut tags = Vec::new();
    if severity != Severity::Info {
        tags.push("security".to_owned());
    }
    tags.push(spec.cwe.to_owned());
    tags.push(format!("external/cwe/cwe-{cwe_number}"));
    Rule {
        id: if variant {
            format!("{}/{severity}", id.as_str())
        } else {
            id.as_str().to_owned()
        },
        name: if variant {
            format!("{}As{}", pascal(id.as_str()), pascal(severity.as_str()))
        } else {
            pascal(id.as_str())
        },
        short_description: Text {
            text: if variant {
                format!("{} (lowered to {severity} by policy)", spec.title)
            } else {
                spec.title.to_owned()
            },
        },
        full_description: Text {
            text: spec.description.to_owned(),
        },
        help_uri: help_uri(id),
        help: Help { text, markdown },
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: RuleProperties {
            security_severity: security_severity(severity),
            precision: "high",
            tags,
        },
    }
}

/// Where a result stands: its target, and the findings its root cause implies there.
struct On<'a> {
    url: &'a str,
    host_port: &'a str,
    implied: Vec<&'static str>,
    /// A baseline finding this run could not re-check: why (it is kept as the baseline had it,
    /// so an outage does not close its code-scanning alert).
    not_rechecked: Option<&'a str>,
}

impl<'a> On<'a> {
    fn target(t: &'a TargetReport, f: &ReportedFinding) -> Self {
        Self {
            url: &t.url,
            host_port: &t.host_port,
            implied: t
                .findings
                .iter()
                .filter(|i| i.implied_by == Some(f.id))
                .map(|i| i.id.as_str())
                .collect(),
            not_rechecked: None,
        }
    }

    fn not_rechecked(n: &'a NotRechecked) -> Self {
        Self {
            url: &n.url,
            host_port: &n.host_port,
            implied: Vec::new(),
            not_rechecked: Some(&n.why),
        }
    }
}

fn result<'a>(
    on: On<'a>,
    f: &'a ReportedFinding,
    rule: (String, usize),
    location: Option<&'a SarifLocation>,
    with_suppressions: bool,
) -> SarifResult<'a> {
    let On {
        url,
        host_port,
        implied,
        not_rechecked,
    } = on;
    let versions: Vec<String> = f.tls_versions.iter().map(ToString::to_string).collect();
    let mut message = match not_rechecked {
        Some(why) => format!(
            "Not re-checked in this run ({why}); as the baseline reported it: {} on {url}",
            f.title
        ),
        None => format!("{} on {url}", f.title),
    };
    if !versions.is_empty() {
        message.push_str(&format!(" ({})", versions.join(", ")));
    }
    message.push_str(&format!(". {} Fix: {}", f.detail, f.remediation));
    if let Some(fix) = f.fixes.iter().find(|x| x.guessed) {
        message.push_str(&format!(
            " Fix for {} (the stack seen): {}",
            fix.stack, fix.fix
        ));
    }
    let spec_severity = f.id.spec().severity;
    if f.severity != spec_severity {
        message.push_str(&format!(
            " Shown as {} (the catalogue says {spec_severity}): lowered by the config's policy.",
            f.severity
        ));
    }
    if !implied.is_empty() {
        message.push_str(&format!(
            " Also implied by this root cause: {}.",
            implied.join(", ")
        ));
    }
    let suppressions = with_suppressions.then(|| {
        f.marks
            .suppressed
            .iter()
            .map(|s| Suppression {
                kind: "external",
                status: "accepted",
                justification: format!("{} (until {})", s.reason, s.expires),
            })
            .collect()
    });
    let baseline_state = match not_rechecked {
        Some(_) => Some("unchanged"),
        None => f.marks.baseline.map(|b| match b {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
        }),
    };
    let (uri, uri_base_id, span) = match location {
        Some(l) => (l.uri.as_str(), Some("%SRCROOT%"), l.span_of(url)),
        None => (url, None, UrlSpan::default()),
    };
    let line = span.line.max(1);
    let start_column = span.start_column.max(1);
    let end_column = span.end_column.max(start_column + 1);
    SarifResult {
        rule_id: rule.0,
        rule_index: rule.1,
        baseline_state,
        suppressions,
        level: level(f.severity),
        message: Text {
            text: escape_brackets(&message),
        },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri, uri_base_id },
                region: Region {
                    start_line: line,
                    start_column,
                    end_line: line,
                    end_column,
                },
            },
        }],
        partial_fingerprints: BTreeMap::from([
            ("primaryLocationLineHash", line_hash(f.id.as_str(), url)),
            (FINGERPRINT_KEY, fingerprint(f.id.as_str(), host_port)),
        ]),
        properties: ResultProperties {
            url,
            host_port,
            severity: f.severity,
            cwe: &f.cwe,
            tls_versions: f.tls_versions.iter().map(|v| v.as_str()).collect(),
            implied,
            fixes: &f.fixes,
            catalogue_severity: (f.severity != spec_severity).then_some(spec_severity),
        },
    }
}

/// Renders the report as SARIF 2.1.0, with its default options (results at each target's URL,
/// category `mtls-scan/`).
pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    render_with(report, &SarifOptions::default())
}

/// Renders the report as SARIF 2.1.0.
pub fn render_with(report: &Report, options: &SarifOptions) -> Result<String, serde_json::Error> {
    let mut rules: Vec<Rule> = FindingId::ALL
        .iter()
        .map(|id| rule(*id, id.spec().severity))
        .collect();
    // Variants for findings shown with another severity, in catalogue then severity order.
    // This run's root findings where they stand, then the baseline's it could not re-check.
    let located: Vec<(On<'_>, &ReportedFinding)> = report
        .findings()
        .filter(|(_, f)| f.is_root())
        .map(|(t, f)| (On::target(t, f), f))
        .chain(
            report
                .not_rechecked
                .iter()
                .filter(|n| n.finding.is_root())
                .map(|n| (On::not_rechecked(n), &n.finding)),
        )
        .collect();
    let mut variants: Vec<(usize, Severity)> = located
        .iter()
        .map(|(_, f)| *f)
        .filter(|f| f.severity != f.id.spec().severity)
        .filter_map(|f| {
            let i = FindingId::ALL.iter().position(|id| *id == f.id)?;
            Some((i, f.severity))
        })
        .collect();
    variants.sort_by_key(|(i, s)| (*i, std::cmp::Reverse(*s)));
    variants.dedup();
    let mut variant_index: HashMap<(FindingId, Severity), usize> = HashMap::new();
    for (i, severity) in variants {
        if let Some(id) = FindingId::ALL.get(i) {
            variant_index.insert((*id, severity), rules.len());
            rules.push(rule(*id, severity));
        }
    }
    let with_suppressions = report
        .findings()
        .any(|(_, f)| f.is_root() && f.marks.suppressed.is_some());
    let location = options.location.as_ref();
    let results = located
        .into_iter()
        .filter_map(|(on, f)| {
            let index = if f.severity == f.id.spec().severity {
                FindingId::ALL.iter().position(|id| *id == f.id)?
            } else {
                *variant_index.get(&(f.id, f.severity))?
            };
            let id = rules.get(index)?.id.clone();
            Some(result(on, f, (id, index), location, with_suppressions))
        })
        .collect();
    let mut notifications: Vec<Notification> = report
        .errored()
        .map(|t| Notification {
            level: "error",
            message: Text {
                text: format!(
                    "{} could not be scanned: {}",
                    t.url,
                    t.error.as_deref().unwrap_or("unknown error")
                ),
            },
        })
        .collect();
    // No target at all (a shard of more shards than targets): nothing was scanned, which an
    // empty list of results must not read as "nothing found" (review T).
    if report.targets.is_empty() && report.impostor.is_empty() {
        notifications.push(Notification {
            level: "error",
            message: Text {
                text: "no target was scanned: there is no grade".to_owned(),
            },
        });
    }
    // Incomplete targets: the run did not establish what it set out to (never a quiet pass).
    notifications.extend(report.incomplete_line().map(|line| Notification {
        level: "error",
        message: Text { text: line },
    }));
    // An impostor run with scenarios left out (`--scenarios`): graded B at best, and which were
    // not played, said here too (a warning: the run itself succeeded).
    notifications.extend(report.targets.iter().filter_map(|t| {
        let run = report.impostor_run(t)?;
        let names: Vec<&str> = run.not_played.iter().map(|s| s.as_str()).collect();
        names.first()?;
        Some(Notification {
            level: "warning",
            message: Text {
                text: format!(
                    "{}: graded B at best: scenarios not played (--scenarios): {}",
                    t.url,
                    names.join(", ")
                ),
            },
        })
    }));
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            automation_details: AutomationDetails {
                id: automation_id(options.category.as_deref(), options.shard),
            },
            tool: Tool {
                driver: Driver {
                    name: "mtls-scan",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: repository(),
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: !notifications.iter().any(|n| n.level == "error"),
                tool_execution_notifications: notifications,
            }],
            results,
            column_kind: "utf16CodeUnits",
        }],
    };
    let mut s = serde_json::to_string_pretty(&log)?;
    s.push('\n');
    Ok(s)
}

/// A plain-text SARIF message with its square brackets escaped (`\[`, `\]`, and a backslash
/// before one as `\\`): SARIF 2.1.0 reads `[text](target)` in a message as an embedded link,
/// and a server's certificate name or page may carry one.
fn escape_brackets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\\' if matches!(chars.peek(), Some('[' | ']')) => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server's `[link](https://evil.example)` cannot become an embedded link: every bracket
    /// escaped, and a backslash before one too.
    #[test]
    fn square_brackets_in_messages_are_escaped() {
        assert_eq!(
            escape_brackets("CN=[x](https://evil.example/) ok"),
            "CN=\\[x\\](https://evil.example/) ok"
        );
        assert_eq!(escape_brackets("a\\[b"), "a\\\\\\[b");
        assert_eq!(
            escape_brackets("no brackets \\ here"),
            "no brackets \\ here"
        );
    }

    #[test]
    fn fingerprints_and_names() {
        // sha256 of "client-cert-optional|api.example:443"
        assert_eq!(
            fingerprint("client-cert-optional", "api.example:443"),
            "19708cd0f71bc00fb0cf8780d526f0052a11c663f781c391f97400b2cff016ae"
        );
        assert_eq!(fingerprint("a", "b").len(), 64);
        assert_ne!(fingerprint("a", "b:1"), fingerprint("a", "b:2"));
        assert_eq!(
            pascal("client-cert-not-requested"),
            "ClientCertNotRequested"
        );
    }

    #[test]
    fn every_catalogue_id_is_a_rule_with_github_properties() -> Result<(), serde_json::Error> {
        let sarif: serde_json::Value =
            serde_json::from_str(&render(&Report::new(Vec::new(), 0.0))?)?;
        let rules = sarif
            .pointer("/runs/0/tool/driver/rules")
            .and_then(|r| r.as_array())
            .cloned()
            .unwrap_or_default();
        assert_eq!(rules.len(), FindingId::ALL.len());
        for r in &rules {
            let note = r.pointer("/defaultConfiguration/level") == Some(&"note".into());
            let sev = r
                .pointer("/properties/security-severity")
                .and_then(|v| v.as_str());
            assert!(
                sev.is_some_and(|s| s.parse::<f64>().is_ok_and(|v| (0.1..=10.0).contains(&v)))
                    || note && sev.is_none(),
                "{r}"
            );
            let tags = r
                .pointer("/properties/tags")
                .and_then(|v| v.as_array())
                .cloned()
                .unwrap_or_default();
            assert!(
                (note || tags.iter().any(|t| t == "security"))
                    && tags
                        .iter()
                        .any(|t| t.as_str().is_some_and(|s| s.starts_with("CWE-")))
            );
            assert!(r.pointer("/help/markdown").is_some() && r.pointer("/help/text").is_some());
        }
        Ok(())
    }
}
