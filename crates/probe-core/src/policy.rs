//! Policy over a finished report: expected policies per target (`mtls` or `public`),
//! suppressions with an expiry date, baselines (new / unchanged / fixed), and merging shard
//! reports. Pure functions: nothing here touches the network.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::{FindingId, Severity};
use crate::grade::grade_target;
pub use crate::report::{
    BaselineState, Expectation, FixedFinding, NotRechecked, PolicyMarks, Suppressed,
};
use crate::report::{Report, ShardOf, TargetReport};

/// The expected policy of one target, from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetPolicy {
    /// The normalised URL (as [`crate::target::Target::url`]).
    pub url: String,
    /// What it should do.
    pub expect: Expectation,
    /// Free-form tags.
    pub tags: Vec<String>,
}

/// A suppression: a finding id on matching targets, with a reason, until a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The finding id.
    pub id: FindingId,
    /// A target URL or glob (`https://legacy-*.example.com/*`).
    pub target: String,
    /// Why it is accepted.
    pub reason: String,
    /// The last day it applies.
    pub expires: time::Date,
}

/// Something the user should know about the policy itself (printed as a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyWarning(pub String);

impl std::fmt::Display for PolicyWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Recomputes a target's score and grade from its root, unsuppressed findings.
pub fn regrade(t: &mut TargetReport) {
    if t.error.is_none() {
        (t.score, t.grade) = grade_target(
            t.findings
                .iter()
                .filter(|f| f.marks.suppressed.is_none())
                .map(|f| &f.finding),
            t.is_unproven(),
        );
        t.refresh_not_run_note();
    }
}

/// Applies expected policies and suppressions, then regrades. An expired suppression stops
/// suppressing and warns; a suppression with a malformed glob warns and is ignored; one that
/// matched no finding warns too (see [`SuppressionUse::warnings`]; in a shard, only when a
/// target of the shard matched it).
pub fn apply(
    report: &mut Report,
    policies: &[TargetPolicy],
    suppressions: &[Suppression],
    today: time::Date,
) -> Vec<PolicyWarning> {
    let mut used = SuppressionUse::new(suppressions.len());
    let mut warnings = apply_tracking(report, policies, suppressions, today, &mut used);
    warnings.extend(used.warnings(suppressions, report.shard.is_none()));
    warnings
}

/// What the suppressions matched, over one report or over each target of a streamed scan in
/// turn ([`apply_tracking`]), for the warnings about suppressions that suppress nothing.
#[derive(Debug, Clone, Default)]
pub struct SuppressionUse {
    /// Per suppression: a scanned target's URL it matched (the first).
    target: Vec<Option<String>>,
    /// Per suppression: it matched a finding (suppressed it, or would have before it expired).
    finding: Vec<bool>,
    /// Per suppression: a target it matched was not scanned or is incomplete (its finding may
    /// be there, unseen).
    unsure: Vec<bool>,
    /// Per suppression: warned about already (a malformed glob).
    warned: Vec<bool>,
    /// Targets seen.
    targets: usize,
}

impl SuppressionUse {
    /// Nothing matched yet, for `n` suppressions.
    pub fn new(n: usize) -> Self {
        Self {
            target: vec![None; n],
            finding: vec![false; n],
            unsure: vec![false; n],
            warned: vec![false; n],
            targets: 0,
        }
    }

    /// A warning for each suppression that suppressed nothing: none of the targets matched it
    /// (only with `every_target`: a shard's run sees only its own), or those that did hold no
    /// finding of its id (and were all scanned and complete).
    pub fn warnings(&self, suppressions: &[Suppression], every_target: bool) -> Vec<PolicyWarning> {
        let mut warnings = Vec::new();
        for (i, s) in suppressions.iter().enumerate() {
            let at = |v: &Vec<bool>| v.get(i).copied().unwrap_or(false);
            if at(&self.warned) || at(&self.finding) || at(&self.unsure) {
                continue;
            }
            match self.target.get(i).and_then(Option::as_ref) {
                None if every_target => warnings.push(PolicyWarning(format!(
                    "suppression of {} for {} matches none of the {} scanned target{}, so it \
                     suppresses nothing: a target is matched by its URL as reports write it \
                     (https://HOST:PORT/PATH) or by a glob of that",
                    s.id,
                    crate::error::shown_target(&s.target),
                    self.targets,
                    if self.targets == 1 { "" } else { "s" }
                ))),
                None => {}
                Some(url) => {
                    warnings.push(PolicyWarning(format!(
                    "suppression of {} for {} suppresses nothing: {url} has no {} finding (fixed? \
                     then remove the suppression)",
                    s.id, crate::error::shown_target(&s.target), s.id
                )))
                }
            }
        }
        warnings
    }
}

/// [`apply`], recording in `used` what each suppression matched instead of warning about those
/// that matched nothing (a streamed scan applies it to each target in turn, and warns once at
/// the end with [`SuppressionUse::warnings`]).
pub fn apply_tracking(
    report: &mut Report,
    policies: &[TargetPolicy],
    suppressions: &[Suppression],
    today: time::Date,
    used: &mut SuppressionUse,
) -> Vec<PolicyWarning> {
    let mut warnings = Vec::new();
    let mut matchers = Vec::new();
    for (i, s) in suppressions.iter().enumerate() {
        match globset::Glob::new(&s.target) {
            Ok(g) => matchers.push((i, s, g.compile_matcher())),
            Err(e) => {
                if let Some(w) = used.warned.get_mut(i) {
                    if !*w {
                        warnings.push(PolicyWarning(format!(
                            // The error's kind alone: its text quotes the glob as written.
                            "suppression of {} for {:?} ignored: {}",
                            s.id,
                            crate::error::shown_target(&s.target),
                            e.kind()
                        )));
                    }
                    *w = true;
                }
            }
        }
    }
    let mut expired_warned = BTreeSet::new();
    for t in &mut report.targets {
        used.targets += 1;
        if let Some(p) = policies.iter().find(|p| p.url == t.url) {
            t.expect = p.expect;
            t.tags = p.tags.clone();
        }
        if t.expect == Expectation::Public {
            // Client authentication is not expected of it; its own certificate and an exposed
            // configuration are every endpoint's business, and keep their severity.
            for f in t.findings.iter_mut().filter(|f| !f.id.is_server_side()) {
                if f.severity > Severity::Info {
                    let said = public_said(f.severity);
                    f.finding.detail.push_str(&said);
                    f.marks.lowered_from = Some(f.severity);
                    f.finding.severity = Severity::Info;
                }
            }
            if t.client_auth == crate::verdict::ClientAuth::Required {
                t.notes.push(PUBLIC_BUT_REQUIRED.to_owned());
            }
        }
        let unsure = t.error.is_some() || t.is_incomplete();
        for (i, s, m) in &matchers {
            if m.is_match(&t.url) || s.target == t.url {
                if let Some(slot) = used.target.get_mut(*i) {
                    slot.get_or_insert_with(|| t.url.clone());
                }
                if unsure {
                    if let Some(u) = used.unsure.get_mut(*i) {
                        *u = true;
                    }
                }
            }
        }
        for f in &mut t.findings {
            for (i, s, m) in &matchers {
                if s.id != f.id || !(m.is_match(&t.url) || s.target == t.url) {
                    continue;
                }
                if let Some(found) = used.finding.get_mut(*i) {
                    *found = true;
                }
                if s.expires < today {
                    if expired_warned.insert(*i) {
                        warnings.push(PolicyWarning(format!(
                            "suppression of {} for {} expired on {}; it no longer applies",
                            s.id,
                            crate::error::shown_target(&s.target),
                            s.expires
                        )));
                    }
                } else {
                    f.marks.suppressed = Some(Suppressed {
                        reason: s.reason.clone(),
                        expires: s.expires.to_string(),
                    });
                }
            }
        }
        stand_alone_where_cause_suppressed(t);
        regrade(t);
    }
    report.regrade();
    warnings
}

/// The note on a target expected public that requires a client certificate.
const PUBLIC_BUT_REQUIRED: &str = "expected public, but it requires a client certificate";

/// What a finding's detail is given when `expect: public` makes it info.
fn public_said(was: Severity) -> String {
    format!(" Expected public: reported as info (would be {was}).")
}

/// Undoes what [`apply`] laid over a report (expectations, tags, suppressions, severities made
/// info for `expect: public`), so a merge judges its shards under the config it is given, not
/// under the one each shard ran with (review T: a suppression that had expired, or was removed,
/// and a target no longer public, still passed a merge). Reports written before
/// [`PolicyMarks::lowered_from`] was kept have their severity read back from the detail.
pub fn clear(report: &mut Report) {
    for t in &mut report.targets {
        t.expect = Expectation::default();
        t.tags.clear();
        t.notes.retain(|n| n != PUBLIC_BUT_REQUIRED);
        for f in &mut t.findings {
            f.marks.suppressed = None;
            let was = f.marks.lowered_from.take().or_else(|| {
                Severity::ALL
                    .into_iter()
                    .find(|s| f.finding.detail.ends_with(&public_said(*s)))
            });
            if let Some(was) = was {
                let said = public_said(was);
                if let Some(kept) = f.finding.detail.strip_suffix(&said) {
                    f.finding.detail = kept.to_owned();
                }
                f.finding.severity = was;
            }
        }
        let mut findings: Vec<crate::finding::Finding> =
            t.findings.iter().map(|f| f.finding.clone()).collect();
        crate::finding::mark_implied(&mut findings);
        for (f, g) in t.findings.iter_mut().zip(findings) {
            f.finding.implied_by = g.implied_by;
        }
        regrade(t);
    }
    report.regrade();
}

/// A finding implied by one a suppression covers counts on its own: the suppression's reason
/// speaks for the finding it names, not for what that finding implied (an expired certificate
/// from the server's own CA is not covered by a reason about unknown CAs). Its cause is cleared,
/// then the implications are drawn again over the unsuppressed findings alone, so it is still
/// implied by another cause that is not suppressed.
fn stand_alone_where_cause_suppressed(t: &mut TargetReport) {
    let live: BTreeSet<FindingId> = t
        .findings
        .iter()
        .filter(|f| f.marks.suppressed.is_none())
        .map(|f| f.id)
        .collect();
    if live.len() == t.findings.len() {
        return;
    }
    let mut unsuppressed: Vec<crate::finding::Finding> = t
        .findings
        .iter()
        .filter(|f| f.marks.suppressed.is_none())
        .map(|f| {
            let mut f = f.finding.clone();
            if f.implied_by.is_some_and(|by| !live.contains(&by)) {
                f.implied_by = None;
            }
            f
        })
        .collect();
    crate::finding::mark_implied(&mut unsuppressed);
    let mut redrawn = unsuppressed.into_iter();
    for f in t
        .findings
        .iter_mut()
        .filter(|f| f.marks.suppressed.is_none())
    {
        if let Some(g) = redrawn.next() {
            f.finding.implied_by = g.implied_by;
        }
    }
}

/// Marks each finding `new` or `unchanged` against a baseline report, and sorts the baseline's
/// findings this run did not see: `report.fixed` where the run could have seen them, and
/// `report.not_rechecked` where it could not (the target not scanned or incomplete, or the
/// probe that raises the finding not run: switched off, or without the identity it needs).
/// Targets absent from this run (another shard, removed from the config) count as neither. A
/// finding whose severity rose since the baseline (medium then, critical now) is `new`: a
/// regression must not pass `--fail-on new` as "unchanged".
pub fn compare_baseline(report: &mut Report, baseline: &Report) {
    let key = |url: &str, id: FindingId| (url.to_owned(), id);
    // The baseline's findings, and those it could not re-check itself (still unresolved).
    let baseline_findings: Vec<(&str, &crate::report::ReportedFinding)> =
        baseline.findings_by_url().collect();
    let mut before: BTreeMap<(String, FindingId), Severity> = BTreeMap::new();
    for (url, f) in &baseline_findings {
        let worst = before.entry(key(url, f.id)).or_insert(f.severity);
        *worst = (*worst).max(f.severity);
    }
    let mut now = BTreeSet::new();
    for t in &mut report.targets {
        for f in &mut t.findings {
            let k = key(&t.url, f.id);
            f.marks.baseline = Some(match before.get(&k) {
                Some(was) if f.severity <= *was => BaselineState::Unchanged,
                _ => BaselineState::New,
            });
            now.insert(k);
        }
    }
    let (mut fixed, mut not_rechecked) = (Vec::new(), Vec::new());
    let mut seen = BTreeSet::new();
    // A merge missing a shard: a baseline's target absent from it may be one of that shard's,
    // not scanned (review T: without a config to name them, their findings were dropped, and
    // the merged SARIF would have closed their alerts).
    let unreported = report
        .targets
        .iter()
        .find(|t| is_unreported_shard(t))
        .map(|t| t.url.clone());
    for (url, f) in baseline_findings {
        let k = key(url, f.id);
        let Some(t) = report.targets.iter().find(|t| t.url == url) else {
            if let Some(shard) = &unreported {
                if !now.contains(&k) && seen.insert(k.clone()) {
                    let host_port = baseline
                        .targets
                        .iter()
                        .find(|b| b.url == url)
                        .map(|b| b.host_port.clone())
                        .unwrap_or_default();
                    not_rechecked.push(NotRechecked {
                        url: k.0,
                        host_port,
                        why: format!(
                            "not in the merged reports, and {shard} did not report: it may have \
                             been that shard's"
                        ),
                        finding: f.clone(),
                    });
                }
            }
            continue;
        };
        if now.contains(&k) || !seen.insert(k.clone()) {
            continue;
        }
        match unchecked(t, f) {
            None => fixed.push(FixedFinding { url: k.0, id: k.1 }),
            Some(why) => not_rechecked.push(NotRechecked {
                url: k.0,
                host_port: t.host_port.clone(),
                why,
                finding: f.clone(),
            }),
        }
    }
    fixed.sort();
    report.fixed = fixed;
    report.not_rechecked = not_rechecked;
}

/// Why this run could not have seen finding `id` on target `t`, if it could not.
fn unchecked(t: &TargetReport, f: &crate::report::ReportedFinding) -> Option<String> {
    let id = f.id;
    if let Some(error) = &t.error {
        // The error may say so itself (`not scanned: the total deadline … expired`).
        let error = error.strip_prefix("not scanned: ").unwrap_or(error);
        return Some(format!("the target was not scanned: {error}"));
    }
    if let Some(p) = t.incomplete.first() {
        let on = p
            .tls_version
            .map_or_else(String::new, |v| format!(" on {v}"));
        return Some(format!(
            "the target is incomplete: {}{on} could not be read",
            p.probe
        ));
    }
    let raises = |probe: crate::facts::ProbeId| {
        crate::probe::registry::specs().any(|spec| spec.id == probe && spec.findings.contains(&id))
    };
    // A probe that could raise it and was not read (where the anonymous client was served, the
    // verdict lists no such probe as incomplete: it could only add what that root cause implies,
    // but a baseline's finding from it is not fixed for that: an audit's wrong-EKU finding timed
    // out and was called fixed).
    let unread = t
        .probes
        .iter()
        .find(|o| o.outcome.is_unreadable() && raises(o.id))
        .map(|o| {
            format!(
                "{} on {} could not be read: {}",
                o.id.as_str(),
                o.tls_version,
                o.detail.as_deref().unwrap_or("no answer")
            )
        });
    t.skipped_probes
        .iter()
        .find(|s| raises(s.id))
        .map(|s| format!("{} was not run: {}", s.id, s.reason))
        .or(unread)
        .or_else(|| untried_door(t, f))
}

/// Why a side door found through names this run did not try (again) is not re-checked.
fn untried_door(t: &TargetReport, f: &crate::report::ReportedFinding) -> Option<String> {
    let untried: Vec<&str> = f
        .sni_names
        .iter()
        .filter(|n| !t.sni_names_tried.contains(n))
        .map(String::as_str)
        .collect();
    (!untried.is_empty()).then(|| {
        format!(
            "it was found through {}, which this run did not try (a `sni-name` left out, the \
             served certificate's names changed, more names than the probe tries, or a \
             follow-up past its cap)",
            untried.join(", ")
        )
    })
}

/// True when some counted finding is new against the baseline (for `fail-on: new`).
pub fn has_new_findings(report: &Report) -> bool {
    !new_findings(report).is_empty()
}

/// The new, unsuppressed root findings against the baseline, as `id on URL` (the path says which of a port's targets regressed); an info
/// finding is a fact, no weakness, and fails nothing (an audit's `fail-on: new` failed on a new
/// `client-cert-not-requested` info on a target expected public).
pub fn new_findings(report: &Report) -> Vec<String> {
    report
        .findings()
        .filter(|(_, f)| {
            f.marks.baseline == Some(BaselineState::New)
                && f.counts()
                && f.severity > crate::finding::Severity::Info
        })
        .map(|(t, f)| format!("{} on {}", f.id, t.url))
        .collect()
}

/// Merges shard reports into one: targets sorted by URL (of a URL given twice, the worse copy
/// kept: an unscanned one first, then the lower score, then an incomplete one, with the probes
/// any copy could not read and the findings any copy raised, so the order of the files never
/// turns a failure into a pass, nor drops a finding), each `impostor` run kept beside its
/// target, the overall grade recomputed.
pub fn merge(reports: Vec<Report>) -> Report {
    let duration = reports.iter().map(|r| r.duration_ms).fold(0.0, f64::max);
    let mut shards = shards_held(&reports);
    shards.sort_unstable();
    shards.dedup();
    let mut targets = Vec::new();
    let mut impostor = Vec::new();
    let (mut fixed, mut not_rechecked) = (Vec::new(), Vec::new());
    for r in reports {
        targets.extend(r.targets);
        impostor.extend(r.impostor);
        fixed.extend(r.fixed);
        not_rechecked.extend(r.not_rechecked);
    }
    // An earlier merge's stand-in for a shard that had not reported goes once the shard has;
    // and its stand-in for a config's target no report held, once a report holds it (review T:
    // the stand-in, an unscanned copy, was kept as the worse one, and the late shard's findings
    // were lost behind "did not report").
    targets.retain(|t| !is_unreported_shard(t) || !shards.iter().any(|s| t.url == s.label()));
    let reported: BTreeSet<String> = targets
        .iter()
        .filter(|t| !is_unreported_target(t))
        .map(|t| t.url.clone())
        .collect();
    targets.retain(|t| !is_unreported_target(t) || !reported.contains(&t.url));
    targets.sort_by(|a: &TargetReport, b| {
        a.url
            .cmp(&b.url)
            .then(b.error.is_some().cmp(&a.error.is_some()))
            .then(a.score.cmp(&b.score))
            .then(b.is_incomplete().cmp(&a.is_incomplete()))
    });
    // The kept copy also carries every probe another copy could not read: a probe that one run
    // read and another could not is still unsure, so the target stays incomplete (never graded
    // A, exit 3) whichever copy came first. And every finding another copy raised that it has
    // not (one run saw the hole, the other's connections landed elsewhere): seen once is seen.
    let mut kept: Vec<TargetReport> = Vec::with_capacity(targets.len());
    for t in targets {
        match kept.last_mut() {
            Some(worse) if worse.url == t.url => {
                for probe in t.incomplete {
                    if !worse.incomplete.contains(&probe) {
                        worse.incomplete.push(probe);
                    }
                }
                for f in t.findings {
                    match worse
                        .findings
                        .iter_mut()
                        .find(|w| w.finding.id == f.finding.id)
                    {
                        // The same finding, more severe in the other copy: that copy's stands.
                        Some(w) if f.finding.severity > w.finding.severity => *w = f,
                        Some(_) => {}
                        None => worse.findings.push(f),
                    }
                }
                // A copy's exposure lowered behind a verified check goes back to medium beside
                // another copy's side door or unread probe (each copy judged only its own).
                crate::engine::restore_exposure_unless_still_behind_the_check(worse);
                regrade(worse);
            }
            _ => kept.push(t),
        }
    }
    let targets = kept;
    impostor.sort_by(|a, b| a.url.cmp(&b.url));
    impostor.dedup_by(|a, b| a.url == b.url);
    // Each shard's comparison with its baseline (`scan --shard --baseline`) is kept: what a
    // shard found fixed, and what it could not re-check (an outage's finding, which the SARIF
    // keeps so that uploading the merge does not close its alert: an audit's merge dropped both).
    // A finding the merged targets still hold is neither.
    let held = |url: &str, id: FindingId| {
        targets
            .iter()
            .any(|t| t.url == url && t.findings.iter().any(|f| f.finding.id == id))
    };
    fixed.retain(|f: &crate::report::FixedFinding| !held(&f.url, f.id));
    fixed.sort();
    fixed.dedup();
    not_rechecked.retain(|n: &crate::report::NotRechecked| !held(&n.url, n.finding.id));
    not_rechecked
        .sort_by(|a, b| (&a.url, a.finding.id.as_str()).cmp(&(&b.url, b.finding.id.as_str())));
    not_rechecked.dedup_by(|a, b| a.url == b.url && a.finding.id == b.finding.id);
    let mut merged = Report::new(targets, duration);
    merged.impostor = impostor;
    merged.shards = shards;
    merged.fixed = fixed;
    merged.not_rechecked = not_rechecked;
    merged
}

/// The valid shards the reports are or hold (a shard's own, and those of an earlier merge).
fn shards_held(reports: &[Report]) -> Vec<ShardOf> {
    reports
        .iter()
        .flat_map(|r| r.shard.iter().chain(&r.shards))
        .copied()
        .filter(|s| s.is_valid())
        .collect()
}

/// Why a target of the config is not scanned in a merge where no report holds it.
pub const UNREPORTED_TARGET: &str =
    "not in any of the merged reports: the shard that should have scanned it did not report";

/// Whether a target of a merged report stands for a config's target that none of the merged
/// reports held ([`UNREPORTED_TARGET`]).
pub fn is_unreported_target(t: &TargetReport) -> bool {
    t.error.as_deref() == Some(UNREPORTED_TARGET)
}

/// Whether a target of a merged report is [`unreported_shard`]'s stand-in for a shard.
pub fn is_unreported_shard(t: &TargetReport) -> bool {
    t.host_port.is_empty() && t.url.starts_with("shard ")
}

/// The shards that should have reported and did not: for every shard count the merged reports
/// name, each index from 1 to it that none of them is. (Reports without a shard, such as an
/// earlier merge, and runs of other counts are each checked on their own, never failed for it.)
/// Only valid shards ([`ShardOf::is_valid`]) are read: check them first.
pub fn missing_shards(reports: &[Report]) -> Vec<ShardOf> {
    let shards = shards_held(reports);
    let mut counts: Vec<usize> = shards.iter().map(|s| s.count).collect();
    counts.sort_unstable();
    counts.dedup();
    let mut out = Vec::new();
    for &count in &counts {
        for index in 1..=count {
            if !shards.iter().any(|s| s.count == count && s.index == index) {
                // Of the list its shards that did report were cut from.
                let list = shards
                    .iter()
                    .find(|s| s.count == count)
                    .and_then(|s| s.list);
                out.push(ShardOf { index, count, list });
            }
        }
    }
    out
}

/// The merged report's entry for a shard that never reported: not scanned (grade F, exit 3), so
/// every output of the merge (summary, Markdown, JSON, SARIF notifications) says so, and a later
/// merge of this report still does.
pub fn unreported_shard(s: ShardOf) -> TargetReport {
    crate::engine::failed_named(
        s.label(),
        String::new(),
        format!(
            "shard {}/{} did not report: its targets were not scanned",
            s.index, s.count
        ),
    )
}

/// The deterministic slice of `items` for shard `index` (1-based) of `count`: every
/// `count`-th item, starting at `index - 1`, in the order given.
pub fn shard<T: Clone>(items: &[T], index: usize, count: usize) -> Vec<T> {
    if count == 0 || index == 0 || index > count {
        return Vec::new();
    }
    items
        .iter()
        .skip(index - 1)
        .step_by(count)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;
    use crate::grade::Grade;

    fn target(url: &str, ids: &[FindingId]) -> TargetReport {
        let mut t =
            crate::engine::failed(&crate::target::Target::parse(url).unwrap(), String::new());
        t.error = None;
        t.client_auth = crate::verdict::ClientAuth::Optional;
        t.findings = ids.iter().map(|id| Finding::new(*id, "x").into()).collect();
        regrade(&mut t);
        t
    }

    #[test]
    fn shards_partition_deterministically() {
        let items: Vec<u32> = (0..10).collect();
        let mut all: Vec<u32> = (1..=3).flat_map(|i| shard(&items, i, 3)).collect();
        all.sort_unstable();
        assert_eq!(all, items);
        assert_eq!(shard(&items, 2, 3), vec![1, 4, 7]);
        assert!(shard(&items, 4, 3).is_empty() && shard(&items, 0, 3).is_empty());
    }

    #[test]
    fn public_targets_get_info_and_suppressions_expire() {
        let mut report = Report::new(
            vec![
                target(
                    "https://a.example/healthz",
                    &[FindingId::ClientCertNotRequested],
                ),
                target(
                    "https://legacy-1.example/",
                    &[FindingId::ClientCertOptional],
                ),
                target(
                    "https://legacy-2.example/",
                    &[FindingId::ClientCertOptional],
                ),
            ],
            1.0,
        );
        assert_eq!(report.grade, Grade::F);
        let today = time::macros::date!(2026 - 11 - 22);
        let policies = vec![TargetPolicy {
            url: "https://a.example:443/healthz".into(),
            expect: Expectation::Public,
            tags: vec!["health".into()],
        }];
        let suppressions = vec![
            Suppression {
                id: FindingId::ClientCertOptional,
                target: "https://legacy-1.*".into(),
                reason: "migration".into(),
                expires: time::macros::date!(2027 - 01 - 31),
            },
            Suppression {
                id: FindingId::ClientCertOptional,
                target: "https://legacy-2.*".into(),
                reason: "old".into(),
                expires: time::macros::date!(2026 - 11 - 01),
            },
        ];
        let warnings = apply(&mut report, &policies, &suppressions, today);
        let [a, l1, l2] = &report.targets[..] else {
            panic!("three targets")
        };
        assert_eq!(a.findings[0].severity, Severity::Info);
        assert_eq!(a.grade, Grade::A);
        assert_eq!(a.tags, vec!["health".to_owned()]);
        assert!(
            l1.findings[0].marks.suppressed.is_some(),
            "suppressed, still shown"
        );
        assert_eq!(l1.grade, Grade::A);
        assert!(
            l2.findings[0].marks.suppressed.is_none(),
            "an expired suppression stops suppressing"
        );
        assert_eq!(l2.grade, Grade::F);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].0.contains("expired on 2026-11-01"));
        assert_eq!(report.grade, Grade::F);

        // A public endpoint's own certificate and exposed configuration keep their severity:
        // only what concerns client authentication becomes info.
        let mut report = Report::new(
            vec![target(
                "https://a.example/healthz",
                &[
                    FindingId::ClientCertNotRequested,
                    FindingId::ServerCertUntrusted,
                    FindingId::TlsConfigExposed,
                ],
            )],
            1.0,
        );
        apply(&mut report, &policies, &[], today);
        let kept: Vec<(FindingId, bool)> = report.targets[0]
            .findings
            .iter()
            .map(|f| (f.id, f.severity == Severity::Info))
            .collect();
        assert_eq!(
            kept,
            [
                (FindingId::ClientCertNotRequested, true),
                (FindingId::ServerCertUntrusted, false),
                (FindingId::TlsConfigExposed, false),
            ]
        );
        assert_ne!(report.targets[0].grade, Grade::A);
    }

    /// Suppressing a root cause leaves what it implied counted (before: a suppressed
    /// `untrusted-client-cert-accepted` took the expired and forged certificates it implied out of
    /// the grade: A, exit 0, on a server that admits them).
    /// A suppression that suppresses nothing warns, saying which and why: no target matched
    /// it (not in a shard, which sees only its own), or the targets it matched hold no finding
    /// of its id (unless one was not fully read); one that suppressed something, or expired on a
    /// finding, says nothing more.
    #[test]
    fn a_suppression_that_suppresses_nothing_warns() {
        let today = time::macros::date!(2026 - 06 - 01);
        let s = |id, target: &str| Suppression {
            id,
            target: target.into(),
            reason: "r".into(),
            expires: time::macros::date!(2027 - 01 - 01),
        };
        let suppressions = [
            s(FindingId::ClientCertOptional, "https://a.example:443/"),
            s(
                FindingId::ClientCertOptional,
                "https://nowhere.example:443/",
            ),
            s(FindingId::ClientCertNotRequested, "https://a.example:443/*"),
            s(FindingId::ClientCertNotRequested, "https://b.example:443/"),
        ];
        let mut b = target("https://b.example/", &[]);
        b.error = Some("down".into());
        let mut report = Report::new(
            vec![
                target("https://a.example/", &[FindingId::ClientCertOptional]),
                b,
            ],
            1.0,
        );
        let warnings: Vec<String> = apply(&mut report, &[], &suppressions, today)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            warnings,
            [
                "suppression of client-cert-optional for https://nowhere.example:443/ matches \
                 none of the 2 scanned targets, so it suppresses nothing: a target is matched by \
                 its URL as reports write it (https://HOST:PORT/PATH) or by a glob of that",
                "suppression of client-cert-not-requested for https://a.example:443/* suppresses \
                 nothing: https://a.example:443/ has no client-cert-not-requested finding \
                 (fixed? then remove the suppression)"
            ]
        );
        // A shard sees only its targets: no word of one that matched none of them.
        report.shard = Some(ShardOf {
            index: 1,
            count: 2,
            list: None,
        });
        let warnings = apply(&mut report, &[], &suppressions, today);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        // Streamed, a target at a time: the same, once.
        let mut used = SuppressionUse::new(suppressions.len());
        for url in ["https://a.example/", "https://c.example/"] {
            let mut one = Report::new(vec![target(url, &[FindingId::ClientCertOptional])], 1.0);
            assert!(apply_tracking(&mut one, &[], &suppressions, today, &mut used).is_empty());
        }
        assert_eq!(used.warnings(&suppressions, true).len(), 3);
    }

    #[test]
    fn what_a_suppressed_finding_implied_counts_on_its_own() {
        let mut t = target(
            "https://legacy.example/",
            &[
                FindingId::UntrustedClientCertAccepted,
                FindingId::ExpiredClientCertAccepted,
                FindingId::ClientKeyPossessionNotVerified,
            ],
        );
        for f in &mut t.findings {
            f.finding.severity = f.id.spec().severity;
        }
        let mut raw: Vec<Finding> = t.findings.iter().map(|f| f.finding.clone()).collect();
        crate::finding::mark_implied(&mut raw);
        for (f, g) in t.findings.iter_mut().zip(raw) {
            f.finding.implied_by = g.implied_by;
        }
        assert_eq!(
            t.findings[1].implied_by,
            Some(FindingId::UntrustedClientCertAccepted),
            "the premise: expired is implied by untrusted"
        );
        regrade(&mut t);
        assert_eq!(t.grade, Grade::F);
        let mut report = Report::new(vec![t], 1.0);
        let suppressions = vec![Suppression {
            id: FindingId::UntrustedClientCertAccepted,
            target: "https://legacy.example:443/".into(),
            reason: "the app pins by fingerprint".into(),
            expires: time::macros::date!(2099 - 01 - 31),
        }];
        apply(
            &mut report,
            &[],
            &suppressions,
            time::macros::date!(2026 - 12 - 02),
        );
        let t = &report.targets[0];
        assert!(t.findings[0].marks.suppressed.is_some());
        assert_eq!(t.findings[1].implied_by, None, "expired stands alone");
        assert!(t.findings[1].counts() && t.findings[2].counts());
        assert_eq!(t.grade, Grade::F, "a critical counts");
        assert_eq!(report.grade, Grade::F);
    }

    /// A finding the run could not have seen is never "fixed": on a target not scanned, on an
    /// incomplete one, or where the probe that raises it was not run. It is kept, with why.
    #[test]
    fn a_baseline_finding_the_run_could_not_see_is_not_fixed() {
        let ids = [
            FindingId::TlsConfigExposed,
            FindingId::ForgedClientCertAccepted,
        ];
        let url = "https://a.example/";
        let base = Report::new(vec![target(url, &ids)], 1.0);
        let gone = |edit: &dyn Fn(&mut TargetReport)| {
            let mut t = target(url, &[]);
            edit(&mut t);
            let mut now = Report::new(vec![t], 1.0);
            compare_baseline(&mut now, &base);
            let kept: Vec<(FindingId, String)> = now
                .not_rechecked
                .iter()
                .map(|n| (n.finding.id, n.why.clone()))
                .collect();
            (now.fixed.iter().map(|f| f.id).collect::<Vec<_>>(), kept)
        };
        // Complete: both fixed.
        let (fixed, kept) = gone(&|_| {});
        assert_eq!(fixed.len(), 2, "{fixed:?}");
        assert!(kept.is_empty());
        // Incomplete (a configuration path that stopped answering): neither is fixed.
        let (fixed, kept) = gone(&|t| {
            t.incomplete.push(crate::verdict::IncompleteProbe {
                probe: "tls-config-exposed".into(),
                tls_version: None,
                reason: "timed out".into(),
            });
        });
        assert!(fixed.is_empty(), "{fixed:?}");
        assert_eq!(kept.len(), 2);
        assert!(
            kept[0].1.contains("incomplete: tls-config-exposed"),
            "{kept:?}"
        );
        // Not scanned.
        let (fixed, kept) = gone(&|t| t.error = Some("connection refused".into()));
        assert!(fixed.is_empty() && kept.len() == 2, "{fixed:?} {kept:?}");
        assert!(kept[0].1.contains("not scanned: connection refused"));
        // The forged probe switched off: its finding is not re-checked, the other one is fixed.
        let (fixed, kept) = gone(&|t| {
            t.skipped_probes.push(crate::probe::SkippedProbe {
                id: crate::facts::ProbeId::FORGED_CLIENT_CERT,
                reason: "switched off".into(),
            });
        });
        assert_eq!(fixed, vec![FindingId::TlsConfigExposed]);
        // The forged probe ran and could not be read (a time-out where the anonymous client
        // was served, which lists nothing incomplete): its finding is not re-checked either.
        let (fixed, unread) = gone(&|t| {
            t.probes.push(crate::probe::recorded::obs(
                crate::facts::ProbeId::FORGED_CLIENT_CERT,
                crate::facts::Outcome::Inconclusive,
                None,
            ));
        });
        assert_eq!(fixed, vec![FindingId::TlsConfigExposed]);
        assert!(
            unread.len() == 1 && unread[0].1.contains("forged-client-cert on"),
            "{unread:?}"
        );
        // A report that kept them (not re-checked) as the next baseline: a complete run then
        // says they are fixed; they never drop out of the chain unseen.
        let mut incomplete = target(url, &[]);
        incomplete.error = Some("down".into());
        let mut kept_base = Report::new(vec![incomplete], 1.0);
        compare_baseline(&mut kept_base, &base);
        assert_eq!(kept_base.not_rechecked.len(), 2);
        let mut next = Report::new(vec![target(url, &[])], 1.0);
        compare_baseline(&mut next, &kept_base);
        assert_eq!(next.fixed.len(), 2, "{:?}", next.fixed);
        assert_eq!(
            kept,
            vec![(
                FindingId::ForgedClientCertAccepted,
                "forged-client-cert was not run: switched off".to_owned()
            )]
        );
    }

    /// A side door found through a name is fixed only by a run that tried that name again
    /// (before: a run without the `sni-name` that found it called the bypass fixed, and the
    /// code-scanning alert closed).
    #[test]
    fn a_side_door_is_fixed_only_where_its_name_was_tried_again() {
        let url = "https://a.example/";
        let mut door = target(url, &[FindingId::SniHostMismatchBypass]);
        door.findings[0].finding.sni_names = vec!["SNI hidden.test".into()];
        let base = Report::new(vec![door], 1.0);
        let after = |tried: &[&str]| {
            let mut t = target(url, &[]);
            t.sni_names_tried = tried.iter().map(|n| (*n).to_owned()).collect();
            let mut now = Report::new(vec![t], 1.0);
            compare_baseline(&mut now, &base);
            now
        };
        let without = after(&["no SNI", "SNI public.test"]);
        assert!(without.fixed.is_empty(), "{:?}", without.fixed);
        assert_eq!(without.not_rechecked.len(), 1);
        assert!(
            without.not_rechecked[0].why.contains("SNI hidden.test"),
            "{}",
            without.not_rechecked[0].why
        );
        let with = after(&["no SNI", "SNI hidden.test"]);
        assert_eq!(with.fixed.len(), 1);
        assert!(with.not_rechecked.is_empty());
    }

    #[test]
    fn baseline_marks_new_unchanged_and_fixed() {
        let base = Report::new(
            vec![target(
                "https://a.example/",
                &[
                    FindingId::ClientCertOptional,
                    FindingId::UntrustedClientCertAccepted,
                ],
            )],
            1.0,
        );
        let mut now = Report::new(
            vec![target(
                "https://a.example/",
                &[
                    FindingId::ClientCertOptional,
                    FindingId::ForgedClientCertAccepted,
                ],
            )],
            1.0,
        );
        compare_baseline(&mut now, &base);
        let states: Vec<_> = now.targets[0]
            .findings
            .iter()
            .map(|f| (f.id, f.marks.baseline))
            .collect();
        assert!(states.contains(&(
            FindingId::ClientCertOptional,
            Some(BaselineState::Unchanged)
        )));
        assert!(states.contains(&(
            FindingId::ForgedClientCertAccepted,
            Some(BaselineState::New)
        )));
        assert_eq!(
            now.fixed,
            vec![FixedFinding {
                url: "https://a.example:443/".into(),
                id: FindingId::UntrustedClientCertAccepted
            }]
        );
        assert!(has_new_findings(&now));
        // A new info finding alone (a fact, no weakness) fails nothing.
        let mut info = Report::new(
            vec![target(
                "https://a.example/",
                &[
                    FindingId::ClientCertOptional,
                    FindingId::ClientCertEnforcedByApp,
                ],
            )],
            1.0,
        );
        compare_baseline(&mut info, &base);
        assert!(info.targets[0]
            .findings
            .iter()
            .any(|f| f.id == FindingId::ClientCertEnforcedByApp
                && f.marks.baseline == Some(BaselineState::New)));
        assert!(!has_new_findings(&info));
    }

    /// A merge under another config judges again (review T): [`clear`] undoes what a shard's
    /// config laid over its report, an expired or removed suppression and an `expect: public`
    /// no longer given then count again, and the same config laid again gives the same report.
    #[test]
    fn a_report_cleared_of_its_policy_is_judged_again() {
        let (a, b) = ("https://a.example/", "https://b.example/");
        let id = FindingId::ClientCertOptional;
        let fresh = Report::new(vec![target(a, &[id]), target(b, &[id])], 1.0);
        let policies = vec![TargetPolicy {
            url: "https://a.example:443/".into(),
            expect: Expectation::Public,
            tags: Vec::new(),
        }];
        let suppressions = vec![Suppression {
            id,
            target: "https://b.example:443/".into(),
            reason: "legacy".into(),
            expires: time::macros::date!(2027 - 03 - 31),
        }];
        let day = time::macros::date!(2026 - 12 - 01);
        let mut shard = fresh.clone();
        apply(&mut shard, &policies, &suppressions, day);
        assert_eq!(shard.grade, Grade::A);
        let mut again = shard.clone();
        clear(&mut again);
        assert_eq!(again, fresh);
        // Under a config without them: F, both findings critical and counted.
        assert_eq!(again.grade, Grade::F);
        // Past the suppression's expiry, the public target still public: F for b.
        let mut later = shard.clone();
        clear(&mut later);
        apply(
            &mut later,
            &policies,
            &suppressions,
            time::macros::date!(2027 - 04 - 01),
        );
        assert_eq!(
            (later.targets[0].grade, later.targets[1].grade),
            (Grade::A, Grade::F)
        );
        // The same config again: the shard's report, to the letter.
        let mut same = shard.clone();
        clear(&mut same);
        apply(&mut same, &policies, &suppressions, day);
        assert_eq!(same, shard);
        // A report written before `lowered_from` was kept: the severity read from the detail.
        let mut old = shard.clone();
        old.targets[0].findings[0].marks.lowered_from = None;
        clear(&mut old);
        assert_eq!(old.targets[0].findings[0].severity, Severity::Critical);
    }

    /// A merge missing a shard (no config names its targets): a baseline's finding on a target
    /// absent from every report is not re-checked, never dropped (review T: the merged SARIF
    /// would have closed its alert); a config's target no report held stands in a partial merge
    /// until a report holds it (review T: the stand-in was kept as the worse copy).
    #[test]
    fn a_missing_shard_keeps_baseline_findings_and_a_late_shard_completes_a_merge() {
        let (a, b) = ("https://a.example:443/", "https://b.example:443/");
        let id = FindingId::ClientCertOptional;
        let base = Report::new(vec![target(a, &[id]), target(b, &[id])], 1.0);
        let shard = |index, t: TargetReport| {
            let mut r = Report::new(vec![t], 1.0);
            r.shard = ShardOf::of(Some((index, 2)), Some(9));
            r
        };
        let mut merged = merge(vec![shard(1, target(a, &[id]))]);
        let missing = missing_shards(&[shard(1, target(a, &[id]))]);
        merged
            .targets
            .extend(missing.into_iter().map(unreported_shard));
        compare_baseline(&mut merged, &base);
        let kept: Vec<&str> = merged
            .not_rechecked
            .iter()
            .map(|n| n.url.as_str())
            .collect();
        assert_eq!(kept, [b]);
        assert!(merged.fixed.is_empty(), "{:?}", merged.fixed);

        let mut stand_in = target(b, &[]);
        stand_in.error = Some(UNREPORTED_TARGET.to_owned());
        let partial = Report::new(vec![target(a, &[id]), stand_in], 1.0);
        for reports in [
            vec![partial.clone(), shard(2, target(b, &[id]))],
            vec![shard(2, target(b, &[id])), partial],
        ] {
            let done = merge(reports);
            let b_copy = done.targets.iter().find(|t| t.url == b);
            assert!(
                b_copy.is_some_and(|t| t.error.is_none() && t.findings.len() == 1),
                "{b_copy:?}"
            );
        }
    }

    /// A suppression's target is shown with its secret-looking query values redacted, in every
    /// warning (review T: `?api_key=…` printed as written), a malformed glob's too.
    #[test]
    fn suppression_warnings_redact_the_targets_secrets() {
        let s = |target: &str, expires| Suppression {
            id: FindingId::ClientCertOptional,
            target: target.into(),
            reason: "r".into(),
            expires,
        };
        let later = time::macros::date!(2027 - 01 - 01);
        let past = time::macros::date!(2026 - 01 - 01);
        let mut report = Report::new(
            vec![target(
                "https://a.example/?api_key=Sup3rS3cretApiKey",
                &[FindingId::ClientCertOptional],
            )],
            1.0,
        );
        let warnings = apply(
            &mut report,
            &[],
            &[
                s("https://b.example/?api_key=Sup3rS3cretApiKey", later),
                s("https://a.example:443/?api_key=Sup3rS3cretApiKey", past),
                s("https://c.example/?api_key=Sup3rS3cretApiKey[", later),
            ],
            time::macros::date!(2026 - 12 - 01),
        );
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        for w in &warnings {
            assert!(!w.0.contains("Sup3r"), "{w}");
            assert!(w.0.contains("api_key=<redacted>"), "{w}");
        }
    }

    /// Shards scanned against a baseline: what each found fixed and could not re-check stays
    /// in the merge (an audit's merged SARIF lost an outage's result, which closes its alert),
    /// unless another copy of the target still holds the finding.
    #[test]
    fn merge_keeps_the_shards_baseline_comparison() {
        let (a, b) = ("https://a.example:443/", "https://b.example:443/");
        let id = FindingId::ClientCertOptional;
        let base = Report::new(vec![target(a, &[id]), target(b, &[id])], 1.0);
        let mut fixed_shard = Report::new(vec![target(a, &[])], 1.0);
        compare_baseline(&mut fixed_shard, &base);
        let mut down = target(b, &[]);
        down.error = Some("connection refused".into());
        let mut down_shard = Report::new(vec![down], 1.0);
        compare_baseline(&mut down_shard, &base);
        let merged = merge(vec![fixed_shard.clone(), down_shard]);
        assert_eq!(
            merged
                .fixed
                .iter()
                .map(|f| f.url.as_str())
                .collect::<Vec<_>>(),
            [a]
        );
        assert_eq!(
            merged
                .not_rechecked
                .iter()
                .map(|n| n.url.as_str())
                .collect::<Vec<_>>(),
            [b]
        );
        // The same target in another report, the finding still there: not fixed.
        let merged = merge(vec![fixed_shard, Report::new(vec![target(a, &[id])], 1.0)]);
        assert!(merged.fixed.is_empty(), "{:?}", merged.fixed);
    }

    #[test]
    fn merge_keeps_the_worse_copy_of_a_url_whatever_the_order() {
        let mut good = target("https://a.example/", &[]);
        (good.score, good.grade) = (100, crate::grade::Grade::A);
        let mut bad = target("https://a.example/", &[FindingId::ClientCertOptional]);
        (bad.score, bad.grade) = (0, crate::grade::Grade::F);
        for pair in [[&good, &bad], [&bad, &good]] {
            let merged = merge(
                pair.iter()
                    .map(|t| Report::new(vec![(*t).clone()], 1.0))
                    .collect(),
            );
            assert_eq!(merged.targets.len(), 1);
            assert_eq!(merged.grade, crate::grade::Grade::F);
        }
    }

    #[test]
    fn missing_shards_are_named() {
        let of = |shard: Option<(usize, usize)>| {
            let mut r = Report::new(Vec::new(), 1.0);
            r.shard = crate::report::ShardOf::of(shard, None);
            r
        };
        let all = [of(Some((1, 3))), of(Some((3, 3))), of(Some((2, 3)))];
        assert!(missing_shards(&all).is_empty());
        assert_eq!(
            missing_shards(&[of(Some((1, 3))), of(Some((3, 3)))]),
            [ShardOf {
                index: 2,
                count: 3,
                list: None
            }]
        );
        // Unsharded reports merged alone: nothing to miss.
        assert!(missing_shards(&[of(None), of(None)]).is_empty());
        // An earlier merge (no shard) beside complete shards: nothing missing; runs of two
        // counts are each checked.
        assert!(missing_shards(&[of(Some((1, 2))), of(Some((2, 2))), of(None)]).is_empty());
        assert_eq!(
            missing_shards(&[
                of(Some((1, 2))),
                of(Some((2, 2))),
                of(Some((1, 3))),
                of(Some((3, 3)))
            ]),
            [ShardOf {
                index: 2,
                count: 3,
                list: None
            }]
        );
    }

    /// Two copies of a URL with different findings (one run's connections met a hole the
    /// other's did not): the merge keeps both findings and grades them together, whichever file
    /// comes first, so a baseline comparison still sees the one the kept copy lacked.
    #[test]
    fn merge_keeps_every_copys_findings_whatever_the_order() {
        let critical = target(
            "https://a.example/",
            &[FindingId::UntrustedClientCertAccepted],
        );
        let lower = target(
            "https://a.example/",
            &[FindingId::ClientCertOptional, FindingId::ServerCertExpiring],
        );
        for pair in [[&critical, &lower], [&lower, &critical]] {
            let merged = merge(
                pair.iter()
                    .map(|t| Report::new(vec![(*t).clone()], 1.0))
                    .collect(),
            );
            assert_eq!(merged.targets.len(), 1);
            let mut ids: Vec<FindingId> = merged.targets[0]
                .findings
                .iter()
                .map(|f| f.finding.id)
                .collect();
            ids.sort();
            let mut want = vec![
                FindingId::UntrustedClientCertAccepted,
                FindingId::ClientCertOptional,
                FindingId::ServerCertExpiring,
            ];
            want.sort();
            assert_eq!(ids, want);
            assert!(merged.targets[0].score <= critical.score.min(lower.score));
        }
    }

    /// A `tls-config-exposed` one copy lowered behind a verified check (each copy judges only its
    /// own probes) goes back to medium beside another copy's side door or unread probe, whichever
    /// file comes first; beside a copy that found the same or only the server's own certificate's
    /// faults it stays low.
    #[test]
    fn merge_restores_an_exposure_lowered_beside_another_copys_hole() {
        let lowered = || {
            let mut t = target("https://a.example/", &[]);
            let mut f = Finding::new(
                FindingId::TlsConfigExposed,
                format!("/debug/vars read.{}", crate::engine::BEHIND_THE_CHECK),
            )
            .with_severity(crate::finding::Severity::Low);
            f.evidence.insert(
                crate::engine::LOWERED_BEHIND_THE_CHECK.to_owned(),
                "medium by default; low here".to_owned(),
            );
            t.findings = vec![f.into()];
            regrade(&mut t);
            t
        };
        let exposure = |t: &TargetReport| {
            t.findings
                .iter()
                .find(|f| f.finding.id == FindingId::TlsConfigExposed)
                .map(|f| (f.finding.severity, f.finding.detail.clone()))
        };
        let side_door = target("https://a.example/", &[FindingId::SniHostMismatchBypass]);
        let mut unread = lowered();
        unread.findings.clear();
        unread.incomplete.push(crate::facts::IncompleteProbe {
            probe: "forged-client-cert".into(),
            tls_version: None,
            reason: "timed out".into(),
        });
        regrade(&mut unread);
        for other in [&side_door, &unread] {
            for first in [true, false] {
                let (a, b) = (lowered(), other.clone());
                let pair = if first { vec![a, b] } else { vec![b, a] };
                let merged = merge(
                    pair.into_iter()
                        .map(|t| Report::new(vec![t], 1.0))
                        .collect(),
                );
                assert_eq!(
                    exposure(&merged.targets[0]),
                    Some((
                        crate::finding::Severity::Medium,
                        "/debug/vars read.".to_string()
                    )),
                    "beside {:?}",
                    other.findings
                );
            }
        }
        let server_side = target("https://a.example/", &[FindingId::ServerCertExpiring]);
        // The lowering is read from its evidence key, whatever redaction made of the detail
        // (a user's `-H` value found in the scan's own words).
        let mut redacted = lowered();
        for f in &mut redacted.findings {
            f.finding.detail = "/debug/vars read. Only clients holding <redacted>".to_owned();
        }
        let merged = merge(vec![
            Report::new(vec![redacted], 1.0),
            Report::new(vec![side_door.clone()], 1.0),
        ]);
        assert_eq!(
            exposure(&merged.targets[0]).map(|e| e.0),
            Some(crate::finding::Severity::Medium)
        );
        for other in [lowered(), server_side] {
            let merged = merge(vec![
                Report::new(vec![lowered()], 1.0),
                Report::new(vec![other], 1.0),
            ]);
            assert_eq!(
                exposure(&merged.targets[0]).map(|e| e.0),
                Some(crate::finding::Severity::Low)
            );
        }
    }

    /// The same finding in two copies at different severities: the more severe stands.
    #[test]
    fn merge_keeps_the_more_severe_copy_of_a_finding() {
        let critical = target("https://a.example/", &[FindingId::ClientCertOptional]);
        let mut medium = critical.clone();
        medium.findings = vec![Finding::new(FindingId::ClientCertOptional, "404")
            .with_severity(crate::finding::Severity::Medium)
            .into()];
        medium
            .findings
            .push(Finding::new(FindingId::ServerCertExpiring, "x").into());
        regrade(&mut medium);
        for pair in [[&critical, &medium], [&medium, &critical]] {
            let merged = merge(
                pair.iter()
                    .map(|t| Report::new(vec![(*t).clone()], 1.0))
                    .collect(),
            );
            let t = &merged.targets[0];
            let optional = t
                .findings
                .iter()
                .find(|f| f.finding.id == FindingId::ClientCertOptional);
            assert_eq!(
                optional.map(|f| f.finding.severity),
                Some(crate::finding::Severity::Critical)
            );
            assert_eq!(t.findings.len(), 2);
        }
    }

    /// Two copies of a URL, one complete and one not (a re-run shard job uploading both): the
    /// merge stays incomplete and capped below A, whichever file comes first, even when the
    /// incomplete copy had the better score.
    #[test]
    fn merge_keeps_a_copys_unread_probes_whatever_the_order() {
        let unread = crate::facts::IncompleteProbe {
            probe: "no-client-cert".into(),
            tls_version: None,
            reason: "timed out".into(),
        };
        // Equal scores: complete C and incomplete C.
        let complete = target("https://a.example/", &[FindingId::ClientCertOptional]);
        let mut incomplete = complete.clone();
        incomplete.incomplete.push(unread.clone());
        regrade(&mut incomplete);
        assert_eq!(complete.score, incomplete.score);
        // An incomplete copy with no finding (capped at 89) and a complete one with a finding.
        let mut clean_but_unread = target("https://a.example/", &[]);
        clean_but_unread.incomplete.push(unread.clone());
        regrade(&mut clean_but_unread);
        assert!(clean_but_unread.score > complete.score);
        for (a, b) in [(&complete, &incomplete), (&complete, &clean_but_unread)] {
            for pair in [[a, b], [b, a]] {
                let merged = merge(
                    pair.iter()
                        .map(|t| Report::new(vec![(*t).clone()], 1.0))
                        .collect(),
                );
                assert_eq!(merged.targets.len(), 1);
                let t = &merged.targets[0];
                assert_eq!(t.incomplete, vec![unread.clone()]);
                assert!(t.is_incomplete());
                assert_eq!(t.score, complete.score.min(89));
                assert_eq!(t.findings.len(), 1);
            }
        }
    }

    #[test]
    fn a_finding_whose_severity_rose_is_new() {
        let mut base = Report::new(
            vec![target(
                "https://a.example/",
                &[FindingId::ClientCertNotRequested],
            )],
            1.0,
        );
        base.targets[0].findings[0].severity = Severity::High;
        let mut now = Report::new(
            vec![target(
                "https://a.example/",
                &[FindingId::ClientCertNotRequested],
            )],
            1.0,
        );
        assert_eq!(now.targets[0].findings[0].severity, Severity::Critical);
        compare_baseline(&mut now, &base);
        assert_eq!(
            now.targets[0].findings[0].marks.baseline,
            Some(BaselineState::New)
        );
        assert!(has_new_findings(&now));
        // The same severity, or a lower one, is unchanged.
        let mut again = now.clone();
        again.targets[0].findings[0].severity = Severity::High;
        compare_baseline(&mut again, &base);
        assert_eq!(
            again.targets[0].findings[0].marks.baseline,
            Some(BaselineState::Unchanged)
        );
    }
}
