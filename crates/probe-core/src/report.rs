//! The report model, serialised as the JSON report (version 1). Renderers read only this.

use serde::{Deserialize, Serialize};

use crate::facts::{ProbeObservation, TlsVersion};
use crate::finding::{Finding, FindingId, Severity};
use crate::grade::Grade;
use crate::probe::SkippedProbe;
use crate::verdict::{ClientAuth, Layer, Verification};

/// The JSON report's format version.
pub const REPORT_VERSION: u32 = 1;

/// A whole scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Format version, `1`.
    pub version: u32,
    /// `mtls-scan` and its version.
    pub tool: String,
    /// The worst target's grade (F where no target was scanned: there is no grade to pass).
    pub grade: Grade,
    /// The worst target's score (0 where no target was scanned).
    pub score: u8,
    /// Wall time of the scan in milliseconds (to 0.01 ms).
    #[serde(serialize_with = "crate::facts::round_ms")]
    pub duration_ms: f64,
    /// One entry per target, in the order given.
    pub targets: Vec<TargetReport>,
    /// Findings of the baseline report that are gone (set by `--baseline`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<FixedFinding>,
    /// Findings of the baseline report this run did not see on a target it could not fully
    /// check (not scanned, incomplete, or the probe that raises it not run): not fixed, only not
    /// re-checked (set by `--baseline`). Renderers keep them (SARIF: as the baseline's results,
    /// so an outage does not close code-scanning alerts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_rechecked: Vec<NotRechecked>,
    /// `mtls-scan impostor`: what each scenario saw of the client, one run per target (matched by
    /// `url`). Empty for a scan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub impostor: Vec<crate::impostor::model::ImpostorRun>,
    /// The shard this report is (`--shard I/N`), so `merge` can tell a missing one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardOf>,
    /// A merged report: the shards it holds (those that reported), so a later merge of it with a
    /// shard run again tells which are still missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<ShardOf>,
}

/// The worst grade and score of `targets`; F and 0 where there is none (a shard left empty, every
/// target skipped): no target scanned has no grade, and a report read by its `grade` alone
/// (`jq .grade`) must not pass for it.
fn worst_of(targets: &[TargetReport]) -> (Grade, u8) {
    (
        targets.iter().map(|t| t.grade).min().unwrap_or(Grade::F),
        targets.iter().map(|t| t.score).min().unwrap_or(0),
    )
}

/// Which shard of how many a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ShardOf {
    /// 1-based.
    pub index: usize,
    /// Shards in all.
    pub count: usize,
    /// What the whole target list the shard was cut from hashes to ([`ShardOf::list_of`]):
    /// shards of another list (another config, another day's) are no shards of this run, and
    /// `merge` refuses them. Absent in reports written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<u32>,
}

impl ShardOf {
    /// Shards in all, at most (`--shard I/N` takes no more).
    pub const MAX_COUNT: usize = 1000;

    /// From `--shard I/N`, cut from the target list that hashes to `list` ([`Self::list_of`]).
    pub fn of(shard: Option<(usize, usize)>, list: Option<u32>) -> Option<Self> {
        shard.map(|(index, count)| Self { index, count, list })
    }

    /// The hash [`Self::list`] holds of a whole target list: the first 4 bytes of the SHA-256 of
    /// its URLs in order, each followed by a newline.
    pub fn list_of<'a>(urls: impl IntoIterator<Item = &'a str>) -> u32 {
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        for url in urls {
            ctx.update(url.as_bytes());
            ctx.update(b"\n");
        }
        let digest = ctx.finish();
        let mut first = [0u8; 4];
        for (to, from) in first.iter_mut().zip(digest.as_ref()) {
            *to = *from;
        }
        u32::from_be_bytes(first)
    }

    /// How a merged report names it where it did not report: `shard I/N`, in place of a URL.
    pub fn label(self) -> String {
        format!("shard {}/{}", self.index, self.count)
    }

    /// 1 ≤ index ≤ count ≤ [`Self::MAX_COUNT`]: what `--shard` writes (a report read back may
    /// say anything).
    pub fn is_valid(self) -> bool {
        (1..=self.count).contains(&self.index) && self.count <= Self::MAX_COUNT
    }
}

/// One target's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetReport {
    /// The URL scanned.
    pub url: String,
    /// `host:port`.
    pub host_port: String,
    /// Grade of this target.
    pub grade: Grade,
    /// Score of this target, 0–100.
    pub score: u8,
    /// `false` when no request from `mtls-scan impostor`'s client reached the impostor (the control
    /// got no request): the client was not judged, and its F and 0 grade nothing (they fail the
    /// gate, as for a target that could not be scanned; `error` says why). Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judged: Option<bool>,
    /// What the server does about client certificates.
    pub client_auth: ClientAuth,
    /// Where a missing certificate is refused, when required.
    pub enforced_at: Option<Layer>,
    /// The TLS versions the server spoke.
    pub tls_versions: Vec<TlsVersion>,
    /// Findings: root causes first, then those implied by them, each with what policy said of it.
    pub findings: Vec<ReportedFinding>,
    /// Every probe run, per TLS version.
    pub probes: Vec<ProbeObservation>,
    /// Probes not run, and why.
    #[serde(default)]
    pub skipped_probes: Vec<SkippedProbe>,
    /// Why the target could not be judged; `null` when it was.
    pub error: Option<String>,
    /// Whether the positive control got in (`verified`), was refused (`unverified`: refusals
    /// then prove nothing), or was not given (`not-attempted`).
    pub verification: Verification,
    /// The expected policy from the config: `mtls` (default) or `public`.
    #[serde(default)]
    pub expect: Expectation,
    /// Tags from the config.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Policy notes (e.g. a public endpoint that unexpectedly requires a certificate).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The server's certificate as served to the baseline probe, with its analysis; `null` when
    /// no handshake got that far.
    #[serde(default)]
    pub server_certificate: Option<crate::checks::server_cert::ServerCertificate>,
    /// The configuration paths probed by `tls-config-exposed`, per identity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_probes: Vec<crate::probe::tls_config_exposed::ConfigObservation>,
    /// Why the positive control was not attempted or not verified, when it was not verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_detail: Option<String>,
    /// Probes that could have raised a finding but whose answer could not be read, even after
    /// retries. A target with any is incomplete: never graded A, and the scan exits 3 unless a
    /// finding already fails it. Empty when the target is complete.
    #[serde(default)]
    pub incomplete: Vec<crate::verdict::IncompleteProbe>,
    /// The other SNI names `sni-host-mismatch-bypass` tried the protected `Host` on (`no SNI`,
    /// `SNI public.test`, …): what a clean side-door probe covered, and what a baseline's
    /// side-door finding needs re-tried before it counts as fixed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sni_names_tried: Vec<String>,
    /// `mtls-scan impostor` only: the scenarios testing the client's verification that were left
    /// out (`--scenarios`). What they test is not proven, so the target is graded B at best,
    /// whenever it is graded again (a merge, a suppression).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios_not_played: Vec<String>,
}

impl TargetReport {
    /// True when a probe that could have raised a finding could not be read.
    pub fn is_incomplete(&self) -> bool {
        !self.incomplete.is_empty()
    }

    /// The probes testing whether a client gets in that the user switched off (`--skip-probe`).
    pub fn admission_switched_off(&self) -> impl Iterator<Item = &SkippedProbe> {
        self.skipped_probes
            .iter()
            .filter(|s| s.leaves_admission_unproven())
    }

    /// The probes testing whether a client gets in that did not run for want of what they need
    /// (a client identity, a staging CA the server trusts), as opposed to switched off. An
    /// `expect: public` target is not held to them: nobody is meant to be kept out.
    pub fn admission_not_run(&self) -> impl Iterator<Item = &SkippedProbe> {
        self.skipped_probes.iter().filter(move |s| {
            self.expect != Expectation::Public
                && !s.leaves_admission_unproven()
                && crate::probe::tests_admission(s.id)
        })
    }

    /// Puts the note that says why the grade is B at best (probes that did not run for want of an
    /// input) where it bites: the counted findings alone would make an A, and the target is held
    /// to those probes (not `expect: public`). Drops it elsewhere; called after every grading.
    pub fn refresh_not_run_note(&mut self) {
        let Some(note) = self.not_run_note() else {
            return;
        };
        self.notes.retain(|n| *n != note);
        let counted = self
            .findings
            .iter()
            .filter(|f| f.counts())
            .map(|f| &f.finding);
        let bites = self.error.is_none()
            && self.expect != Expectation::Public
            && crate::grade::grade(counted).1 == Grade::A;
        if bites {
            self.notes.push(note);
        }
    }

    /// The note that says why the grade is B at best when a probe testing whether a client gets
    /// in did not run for want of what it needs (`None` when none did).
    fn not_run_note(&self) -> Option<String> {
        let unproven = self
            .skipped_probes
            .iter()
            .filter(|s| !s.leaves_admission_unproven() && crate::probe::tests_admission(s.id));
        let (partly, not_run): (Vec<&SkippedProbe>, Vec<&SkippedProbe>) =
            unproven.partition(|s| s.reason.starts_with(SkippedProbe::PARTLY_RUN));
        let list = |v: &[&SkippedProbe]| {
            v.iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let they = |n: usize| if n == 1 { "it tries" } else { "they try" };
        let mut said = Vec::new();
        if !not_run.is_empty() {
            said.push(format!(
                "{} did not run, so what {} is not proven (the skipped lines say why: most need \
                 a staging CA the server trusts)",
                list(&not_run),
                they(not_run.len())
            ));
        }
        if !partly.is_empty() {
            said.push(format!(
                "{} did not try every door, so what {} there is not proven (the skipped lines say \
                 which)",
                list(&partly),
                they(partly.len())
            ));
        }
        (!said.is_empty()).then(|| format!("graded B at best: {}", said.join("; ")))
    }

    /// Graded B at best: incomplete, or a probe testing whether a client gets in did not run
    /// (switched off, or for want of an identity or a staging CA): what it tries is not proven,
    /// and an A says everything was. Only incompleteness changes the exit code.
    pub fn is_unproven(&self) -> bool {
        self.is_incomplete()
            || !self.scenarios_not_played.is_empty()
            || self.admission_switched_off().next().is_some()
            || self.admission_not_run().next().is_some()
    }
}

/// How many findings a report holds, as shown everywhere: findings not suppressed, implied ones
/// included (each is a true finding, shown under its root cause), by severity; suppressed ones
/// apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Findings not suppressed.
    pub findings: usize,
    /// Of those, critical.
    pub critical: usize,
    /// Of those, high.
    pub high: usize,
    /// Findings a suppression covers (shown, marked, never counted).
    pub suppressed: usize,
}

impl Report {
    /// Every finding this report holds with its target's URL: the targets' own, then those it
    /// could not re-check (carried from its baseline, still unresolved).
    pub fn findings_by_url(&self) -> impl Iterator<Item = (&str, &ReportedFinding)> {
        self.targets
            .iter()
            .flat_map(|t| t.findings.iter().map(move |f| (t.url.as_str(), f)))
            .chain(
                self.not_rechecked
                    .iter()
                    .map(|n| (n.url.as_str(), &n.finding)),
            )
    }

    /// Builds the overall grade from the targets (the worst target's).
    pub fn new(targets: Vec<TargetReport>, duration_ms: f64) -> Self {
        let (grade, score) = worst_of(&targets);
        Self {
            version: REPORT_VERSION,
            tool: format!("mtls-scan {}", env!("CARGO_PKG_VERSION")),
            grade,
            score,
            duration_ms,
            targets,
            fixed: Vec::new(),
            not_rechecked: Vec::new(),
            impostor: Vec::new(),
            shard: None,
            shards: Vec::new(),
        }
    }

    /// All findings across targets, with their target.
    pub fn findings(&self) -> impl Iterator<Item = (&TargetReport, &ReportedFinding)> {
        self.targets
            .iter()
            .flat_map(|t| t.findings.iter().map(move |f| (t, f)))
    }

    /// The findings' counts every renderer and step output shows, one definition for all.
    pub fn tally(&self) -> Tally {
        let mut tally = Tally::default();
        for (_, f) in self.findings() {
            if f.marks.suppressed.is_some() {
                tally.suppressed += 1;
                continue;
            }
            tally.findings += 1;
            tally.critical += usize::from(f.severity == Severity::Critical);
            tally.high += usize::from(f.severity == Severity::High);
        }
        tally
    }

    /// Recomputes the overall grade and score from the targets'.
    pub fn regrade(&mut self) {
        (self.grade, self.score) = worst_of(&self.targets);
    }

    /// The impostor run of a target, when the target is one (`mtls-scan impostor`).
    pub fn impostor_run(
        &self,
        target: &TargetReport,
    ) -> Option<&crate::impostor::model::ImpostorRun> {
        self.impostor.iter().find(|r| r.url == target.url)
    }

    /// Targets that could not be judged.
    pub fn errored(&self) -> impl Iterator<Item = &TargetReport> {
        self.targets.iter().filter(|t| t.error.is_some())
    }

    /// One line naming the incomplete targets (the first [`Self::INCOMPLETE_LINE_TARGETS`], then
    /// how many more) and, for each, the first probe that could not be read and why; `None` when
    /// every judged target is complete. The reasons may quote server text (sanitised): renderers
    /// escape it for their format.
    pub fn incomplete_line(&self) -> Option<String> {
        let incomplete: Vec<&TargetReport> = self.incomplete().collect();
        incomplete.first()?;
        let mut each: Vec<String> = incomplete
            .iter()
            .take(Self::INCOMPLETE_LINE_TARGETS)
            .map(|t| {
                let more = t.incomplete.len().saturating_sub(1);
                let probe = t.incomplete.first().map_or_else(String::new, |p| {
                    let on = p
                        .tls_version
                        .map_or_else(String::new, |v| format!(" on {v}"));
                    format!("{}{on}: {}", p.probe, p.reason)
                });
                let more = if more > 0 {
                    format!("; {more} more")
                } else {
                    String::new()
                };
                format!("{} ({probe}{more})", t.url)
            })
            .collect();
        let left = incomplete
            .len()
            .saturating_sub(Self::INCOMPLETE_LINE_TARGETS);
        if left > 0 {
            each.push(format!(
                "and {left} more target{} (each incomplete target's probes not read are listed \
                 with it in the report)",
                if left == 1 { "" } else { "s" }
            ));
        }
        Some(format!(
            "{} of {} target{} incomplete: a probe that could have raised a finding could not be \
             read, so {} cannot be graded A: {}",
            incomplete.len(),
            self.targets.len(),
            if self.targets.len() == 1 {
                " is"
            } else {
                "s are"
            },
            if incomplete.len() == 1 { "it" } else { "they" },
            each.join(", ")
        ))
    }

    /// How many targets [`Self::incomplete_line`] (and the front ends' line of targets not
    /// scanned) name before counting the rest: a fleet's 150 made a line of 70 KB in a log, an
    /// annotation and a summary.
    pub const INCOMPLETE_LINE_TARGETS: usize = 5;

    /// Targets judged, but with probes that could not be read.
    pub fn incomplete(&self) -> impl Iterator<Item = &TargetReport> {
        self.targets
            .iter()
            .filter(|t| t.error.is_none() && t.is_incomplete())
    }
}

/// What a target is meant to do about client certificates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expectation {
    /// Must require a verified client certificate (the default).
    #[default]
    Mtls,
    /// Meant to be public (a health check): its findings are info.
    Public,
}

/// A finding as the report lists it: what the probes found ([`Finding`], which knows nothing of
/// policy) and what policy laid over it afterwards ([`PolicyMarks`]). Serialised flat, so the
/// JSON report's finding objects keep their v1 fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportedFinding {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// What policy said of it; empty until policy runs.
    #[serde(flatten)]
    pub marks: PolicyMarks,
}

impl std::ops::Deref for ReportedFinding {
    type Target = Finding;
    fn deref(&self) -> &Finding {
        &self.finding
    }
}

impl std::ops::DerefMut for ReportedFinding {
    fn deref_mut(&mut self) -> &mut Finding {
        &mut self.finding
    }
}

impl From<Finding> for ReportedFinding {
    fn from(finding: Finding) -> Self {
        Self {
            finding,
            marks: PolicyMarks::default(),
        }
    }
}

impl ReportedFinding {
    /// True when it counts toward the grade: a root cause that no suppression covers.
    pub fn counts(&self) -> bool {
        self.is_root() && self.marks.suppressed.is_none()
    }
}

/// What policy laid over one finding of a finished report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyMarks {
    /// Set when a suppression covers this finding: still shown, never counted in the grade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
    /// Against a baseline report: `new` or `unchanged`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
    /// The severity the finding had before its target's `expect: public` made it info, so a
    /// merge under another config can judge it again ([`crate::policy::clear`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lowered_from: Option<Severity>,
}

/// How a finding was suppressed (shown in reports; it never counts toward the grade).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    /// The suppression's reason.
    pub reason: String,
    /// Its expiry date (ISO 8601).
    pub expires: String,
}

/// A finding's state against a baseline report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineState {
    /// Not in the baseline.
    New,
    /// In the baseline too.
    Unchanged,
}

/// A baseline finding that is gone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FixedFinding {
    /// The target URL.
    pub url: String,
    /// The finding id.
    pub id: FindingId,
}

/// A baseline finding this run did not see, where it could not have seen it: kept as the
/// baseline reported it, with the reason it was not re-checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotRechecked {
    /// The target URL.
    pub url: String,
    /// `host:port`.
    pub host_port: String,
    /// Why this run could not tell whether it is fixed.
    pub why: String,
    /// The finding as the baseline reported it.
    pub finding: ReportedFinding,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::ProbeId;

    /// A fleet's incomplete targets: the line names the first five and counts the rest; one fewer
    /// than the cap past it is named whole.
    #[test]
    fn the_incomplete_line_names_five_targets_and_counts_the_rest() {
        let target = |i: usize| {
            let mut t = crate::engine::failed_named(
                format!("https://t{i}.test/"),
                format!("t{i}.test:443"),
                String::new(),
            );
            t.error = None;
            t.incomplete = vec![crate::verdict::IncompleteProbe {
                probe: "untrusted-client-cert".into(),
                tls_version: None,
                reason: "no answer within 10 s".into(),
            }];
            t
        };
        let report = Report::new((0..7).map(target).collect(), 1.0);
        let line = report.incomplete_line().unwrap_or_default();
        assert!(line.starts_with("7 of 7 targets are incomplete"), "{line}");
        assert!(line.contains("https://t4.test/ (untrusted-client-cert: no answer within 10 s)"));
        assert!(
            !line.contains("t5.test") && !line.contains("t6.test"),
            "{line}"
        );
        assert!(
            line.contains("and 2 more targets (each incomplete"),
            "{line}"
        );
        let report = Report::new((0..5).map(target).collect(), 1.0);
        let line = report.incomplete_line().unwrap_or_default();
        assert!(
            line.contains("t4.test") && !line.contains("more target"),
            "{line}"
        );
    }

    /// A probe that ran but left some doors untried is said so, never "did not run"; beside one
    /// that did not run, both are said.
    #[test]
    fn the_b_note_tells_a_probe_not_run_from_one_that_left_doors_untried() {
        let mut t = crate::engine::failed_named(
            "https://a.test/".into(),
            "a.test:443".into(),
            String::new(),
        );
        t.error = None;
        t.skipped_probes = vec![SkippedProbe {
            id: ProbeId::SNI_HOST_MISMATCH_BYPASS,
            reason: format!("{}: SNI c.test", SkippedProbe::PARTLY_RUN),
        }];
        let note = t.not_run_note();
        assert!(
            note.as_deref().is_some_and(|n| n
                .contains("sni-host-mismatch-bypass did not try every door")
                && !n.contains("did not run")),
            "{note:?}"
        );
        t.skipped_probes.push(SkippedProbe {
            id: ProbeId::EXPIRED_CLIENT_CERT,
            reason: "needs a staging CA".into(),
        });
        let note = t.not_run_note();
        assert!(
            note.as_deref()
                .is_some_and(|n| n.contains("expired-client-cert did not run")
                    && n.contains("did not try every door")),
            "{note:?}"
        );
    }
}
