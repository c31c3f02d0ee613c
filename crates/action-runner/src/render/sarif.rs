//! SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`), through a small
//! serde model that holds only what is used.
//!
//! - One rule per catalogue id, with `help` (text and Markdown, with the per-stack fixes the scan
//!   found), `security-severity` as a string number and the `security` and CWE tags.
//! - One result per root-cause finding (implied findings are named in its message and
//!   properties: they are fixed with it), level `error`/`warning`/`note`.
//! - Each result is located at line 1 of a repository file (the config or the workflow): an
//!   endpoint is not a file, and code scanning needs one.
//! - `partialFingerprints` hash the rule id and `host:port`, so an alert survives rescans and
//!   line changes.
//!
//! Suppressed findings carry a SARIF `suppressions` entry; `--baseline` sets `baselineState`.
//! Targets that could not be scanned are tool execution notifications, not results.

use std::collections::BTreeMap;

use probe_core::finding::{Finding, FindingId, Severity, StackFix};
use probe_core::policy::BaselineState;
use probe_core::report::{Report, TargetReport};
use serde::Serialize;

/// Where results are located when the caller knows no better file.
pub const DEFAULT_LOCATION: &str = "action.yml";

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
    tool: Tool,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
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
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
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
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
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
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location<'a>>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
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
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
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
/// 4.0–6.9 medium, below that low.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
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

/// The widest set of per-stack fixes the scan produced for an id (the rule's help shows them).
fn fixes_for(report: &Report, id: FindingId) -> &[StackFix] {
    report
        .findings()
        .filter(|(_, f)| f.id == id)
        .map(|(_, f)| f.fixes.as_slice())
        .max_by_key(|f| f.len())
        .unwrap_or(&[])
}

/// Markdown fence longer than any backtick run in the code.
fn fence(code: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn rule(report: &Report, id: FindingId) -> Rule {
    let spec = id.spec();
    let fixes = fixes_for(report, id);
    let mut text = format!("{}\n\nFix: {}", spec.description, spec.remediation);
    let mut markdown = format!(
        "**{}**\n\n{}\n\n**Fix:** {}\n",
        spec.title, spec.description, spec.remediation
    );
    if !fixes.is_empty() {
        markdown.push_str("\n**Fixes per stack**\n");
        for f in fixes {
            text.push_str(&format!("\n\n{}:\n{}", f.stack, f.fix));
            let fence = fence(&f.fix);
            markdown.push_str(&format!("\n{}\n\n{fence}\n{}\n{fence}\n", f.stack, f.fix));
        }
    }
    let cwe_number = spec.cwe.trim_start_matches("CWE-");
    Rule {
        id: id.as_str(),
        name: pascal(id.as_str()),
        short_description: Text {
            text: spec.title.to_owned(),
        },
        full_description: Text {
            text: spec.description.to_owned(),
        },
        help: Help { text, markdown },
        default_configuration: Configuration {
            level: level(spec.severity),
        },
        properties: RuleProperties {
            security_severity: security_severity(spec.severity),
            precision: "high",
            tags: vec![
                "security".to_owned(),
                spec.cwe.to_owned(),
                format!("external/cwe/cwe-{cwe_number}"),
            ],
        },
    }
}

fn result<'a>(
    t: &'a TargetReport,
    f: &'a Finding,
    rule_index: usize,
    location: &'a str,
) -> SarifResult<'a> {
    let implied: Vec<&'static str> = t
        .findings
        .iter()
        .filter(|i| i.implied_by == Some(f.id))
        .map(|i| i.id.as_str())
        .collect();
    let versions: Vec<String> = f.tls_versions.iter().map(ToString::to_string).collect();
    let mut message = format!("{} on {}", f.title, t.url);
    if !versions.is_empty() {
        message.push_str(&format!(" ({})", versions.join(", ")));
    }
    message.push_str(&format!(". {} Fix: {}", f.detail, f.remediation));
    if !implied.is_empty() {
        message.push_str(&format!(
            " Also implied by this root cause: {}.",
            implied.join(", ")
        ));
    }
    let suppressions = f
        .suppressed
        .iter()
        .map(|s| Suppression {
            kind: "external",
            status: "accepted",
            justification: format!("{} (until {})", s.reason, s.expires),
        })
        .collect();
    let baseline_state = f.baseline.map(|b| match b {
        BaselineState::New => "new",
        BaselineState::Unchanged => "unchanged",
    });
    SarifResult {
        rule_id: f.id.as_str(),
        rule_index,
        baseline_state,
        suppressions,
        level: level(f.severity),
        message: Text { text: message },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: location,
                    uri_base_id: "%SRCROOT%",
                },
                region: Region { start_line: 1 },
            },
        }],
        partial_fingerprints: BTreeMap::from([(
            FINGERPRINT_KEY,
            fingerprint(f.id.as_str(), &t.host_port),
        )]),
        properties: ResultProperties {
            url: &t.url,
            host_port: &t.host_port,
            severity: f.severity,
            cwe: &f.cwe,
            tls_versions: f.tls_versions.iter().map(|v| v.as_str()).collect(),
            implied,
        },
    }
}

/// Renders the report as SARIF 2.1.0; results are located at `location` (a path relative to the
/// repository root), [`DEFAULT_LOCATION`] when `None`.
pub fn render(report: &Report, location: Option<&str>) -> Result<String, serde_json::Error> {
    let location = location.unwrap_or(DEFAULT_LOCATION);
    let rules: Vec<Rule> = FindingId::ALL.iter().map(|id| rule(report, *id)).collect();
    let results = report
        .findings()
        .filter(|(_, f)| f.is_root())
        .filter_map(|(t, f)| {
            let index = FindingId::ALL.iter().position(|id| *id == f.id)?;
            Some(result(t, f, index, location))
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
    // Incomplete targets: the run did not establish what it set out to (never a quiet pass).
    notifications.extend(report.incomplete_line().map(|line| Notification {
        level: "error",
        message: Text { text: line },
    }));
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "mtls-scan",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: match env!("CARGO_PKG_REPOSITORY") {
                        "" => INFORMATION_URI,
                        repo => repo,
                    },
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: notifications.is_empty(),
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(fence("a ```` b"), "`````");
    }

    #[test]
    fn every_catalogue_id_is_a_rule_with_github_properties() -> Result<(), serde_json::Error> {
        let sarif: serde_json::Value =
            serde_json::from_str(&render(&Report::new(Vec::new(), 0.0), None)?)?;
        let rules = sarif
            .pointer("/runs/0/tool/driver/rules")
            .and_then(|r| r.as_array())
            .cloned()
            .unwrap_or_default();
        assert_eq!(rules.len(), FindingId::ALL.len());
        for r in &rules {
            let sev = r
                .pointer("/properties/security-severity")
                .and_then(|v| v.as_str())
                .unwrap_or("");
            assert!(
                sev.parse::<f64>().is_ok_and(|v| (0.0..=10.0).contains(&v)),
                "{r}"
            );
            let tags = r
                .pointer("/properties/tags")
                .and_then(|v| v.as_array())
                .cloned()
                .unwrap_or_default();
            assert!(
                tags.iter().any(|t| t == "security")
                    && tags
                        .iter()
                        .any(|t| t.as_str().is_some_and(|s| s.starts_with("CWE-")))
            );
            assert!(r.pointer("/help/markdown").is_some() && r.pointer("/help/text").is_some());
        }
        Ok(())
    }
}
