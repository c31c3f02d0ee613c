//! `check-run: true`: a check run named `mtls-scan` (`mtls-scan (prod)` with `category: prod`,
//! `mtls-scan (prod, shard 1/2)` or `mtls-scan (shard 1/2)` with a shard: see [`name`]) on the pull
//! request's head commit (else `GITHUB_SHA`), with a conclusion that follows the step's exit, the grade as its title, the
//! Markdown summary, and one annotation per root-cause finding and per target not scanned, all
//! of them (not capped per level like the workflow commands), sent 50 per request as the Checks
//! API requires: the create carries the first 50, each update appends 50 more, and the last one
//! completes the run.

use std::collections::HashMap;

use octocrab::models::CheckRunId;
use octocrab::params::checks::{
    CheckRunConclusion, CheckRunOutput, CheckRunOutputAnnotation, CheckRunOutputAnnotationLevel,
    CheckRunStatus,
};
use probe_core::report::{Report, ReportedFinding, TargetReport};

use super::annotations::{finding_message, level, one_line};
use super::client::{Api, ApiError, Repeat};
use super::summary::{counts, fit, RunInfo};
use crate::exit::Exit;

/// The check run's name without a category or a shard.
pub const NAME: &str = "mtls-scan";
/// Annotations per request: the Checks API's limit.
pub const BATCH: usize = 50;
/// GitHub's limit on `output.summary`, in characters.
pub const SUMMARY_LIMIT: usize = 65_535;
/// Longest annotation message kept, in characters (GitHub allows 64 KiB).
const MAX_MESSAGE: usize = 4_000;
/// Longest annotation title kept, in characters.
const MAX_TITLE: usize = 255;

/// One annotation, before it is placed on a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// `failure`, `warning` or `notice`, as the Checks API spells them.
    pub level: &'static str,
    /// One line.
    pub title: String,
    /// The finding and its fix.
    pub message: String,
    /// The target's URL: the annotation goes on its line of the file (see [`RunInfo`]).
    pub url: String,
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The Checks API's level for a workflow command's (`error` → `failure`).
fn api_level(command_level: &str) -> &'static str {
    match command_level {
        "error" => "failure",
        "warning" => "warning",
        _ => "notice",
    }
}

fn finding_note(t: &TargetReport, f: &ReportedFinding) -> Note {
    let message = finding_message(t, f);
    Note {
        level: api_level(level(f.severity)),
        title: clip(&format!("mtls-scan: {} ({})", f.id, t.host_port), MAX_TITLE),
        message: clip(&message, MAX_MESSAGE),
        url: t.url.clone(),
    }
}

/// Every annotation, worst first: targets not scanned, then root-cause findings that are not
/// suppressed (implied ones are folded into their root cause's message).
pub fn notes(report: &Report) -> Vec<Note> {
    let mut out: Vec<Note> = report
        .errored()
        .map(|t| Note {
            level: "failure",
            title: clip(
                &format!("mtls-scan: target not scanned ({})", t.host_port),
                MAX_TITLE,
            ),
            message: clip(
                &format!(
                    "{} could not be scanned: {}",
                    t.url,
                    one_line(t.error.as_deref().unwrap_or("unknown error"))
                ),
                MAX_MESSAGE,
            ),
            url: t.url.clone(),
        })
        .collect();
    let mut roots: Vec<(&TargetReport, &ReportedFinding)> =
        report.findings().filter(|(_, f)| f.counts()).collect();
    roots.sort_by_key(|(_, f)| std::cmp::Reverse(f.severity));
    out.extend(roots.into_iter().map(|(t, f)| finding_note(t, f)));
    out
}

/// The check run's name: [`NAME`], with the category and the shard when there are, so the legs
/// of a matrix and several scan steps of one job publish check runs that do not hide each other
/// (`mtls-scan (prod)`, `mtls-scan (prod, shard 1/2)`, `mtls-scan (shard 1/2)`).
pub fn name(category: Option<&str>, shard: Option<(usize, usize)>) -> String {
    let shard = shard.map(|(i, n)| format!("shard {i}/{n}"));
    match (category, shard) {
        (None, None) => NAME.to_owned(),
        (Some(c), None) => format!("{NAME} ({c})"),
        (None, Some(s)) => format!("{NAME} ({s})"),
        (Some(c), Some(s)) => format!("{NAME} ({c}, {s})"),
    }
}

/// The conclusion that follows the step's exit: a passing step succeeds; a failing grade (or new
/// findings with `fail-on: new`), a target that could not be scanned and an incomplete target
/// fail. Never `neutral` for those: branch protection counts a neutral check as passing, and a
/// security gate must not pass quietly.
pub fn conclusion(exit: Exit) -> CheckRunConclusion {
    match exit {
        Exit::Ok => CheckRunConclusion::Success,
        Exit::BelowThreshold | Exit::TargetError | Exit::Incomplete => CheckRunConclusion::Failure,
        Exit::Usage => CheckRunConclusion::Neutral,
    }
}

/// The check run's title: the grade and what it means for the step.
pub fn title(report: &Report, run: &RunInfo, exit: Exit) -> String {
    let counts = counts(report);
    let grade = format!("Grade {} (score {})", report.grade, report.score);
    match exit {
        Exit::TargetError if report.targets.is_empty() => {
            "No target was scanned: there is no grade".to_owned()
        }
        Exit::TargetError => {
            let n = report.errored().count();
            format!(
                "{n} of {} target{} could not be scanned; {grade}: {counts}",
                report.targets.len(),
                if report.targets.len() == 1 { "" } else { "s" }
            )
        }
        Exit::BelowThreshold if run.fail_on_new => {
            format!("New findings against the baseline; {grade}: {counts}")
        }
        Exit::BelowThreshold => format!(
            "{grade} is below the threshold {}{}: {counts}",
            run.fail_under,
            crate::render::capped::capped_line(report)
                .map(|why| format!(" ({why})"))
                .unwrap_or_default()
        ),
        Exit::Incomplete => {
            let n = report.incomplete().count();
            format!(
                "{n} of {} target{} incomplete (probes could not be read); {grade}: {counts}",
                report.targets.len(),
                if report.targets.len() == 1 { "" } else { "s" }
            )
        }
        Exit::Ok | Exit::Usage => match report.incomplete().count() {
            0 => format!("{grade}: {counts}"),
            // `fail-on-incomplete: false` passed it: the title still says it is incomplete.
            n => format!(
                "{grade}: {counts}; {n} of {} target{} incomplete (probes could not be read; \
                 fail-on-incomplete is false)",
                report.targets.len(),
                if report.targets.len() == 1 { "" } else { "s" }
            ),
        },
    }
}

fn output(
    title: &str,
    summary: &str,
    batch: &[Note],
    path: &str,
    lines: &HashMap<String, usize>,
) -> CheckRunOutput {
    let line = |n: &Note| {
        lines
            .get(&n.url)
            .and_then(|l| u32::try_from(*l).ok())
            .filter(|l| *l > 0)
            .unwrap_or(1)
    };
    CheckRunOutput {
        title: title.to_owned(),
        summary: summary.to_owned(),
        text: None,
        annotations: batch
            .iter()
            .map(|n| CheckRunOutputAnnotation {
                path: path.to_owned(),
                start_line: line(n),
                end_line: line(n),
                start_column: None,
                end_column: None,
                annotation_level: match n.level {
                    "failure" => CheckRunOutputAnnotationLevel::Failure,
                    "warning" => CheckRunOutputAnnotationLevel::Warning,
                    _ => CheckRunOutputAnnotationLevel::Notice,
                },
                message: n.message.clone(),
                title: Some(n.title.clone()),
                raw_details: None,
            })
            .collect(),
        images: Vec::new(),
    }
}

/// What was published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The check run's id.
    pub id: u64,
    /// Annotations sent.
    pub annotations: usize,
    /// Requests that carried them (the create included).
    pub requests: usize,
}

/// A failure after the check run was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// What went wrong.
    pub error: ApiError,
    /// What was done before, when something was.
    pub partly: Option<String>,
}

impl From<ApiError> for Failed {
    fn from(error: ApiError) -> Self {
        Self {
            error,
            partly: None,
        }
    }
}

/// The body of "Update a check run": only the documented fields. (octocrab's
/// `update_check_run` builder also serializes its `check_run_id` into the body.)
#[derive(serde::Serialize)]
struct Update {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<CheckRunStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conclusion: Option<CheckRunConclusion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<CheckRunOutput>,
}

/// `PATCH /repos/{owner}/{repo}/check-runs/{id}`: appends the output's annotations.
async fn update(
    api: &Api,
    id: CheckRunId,
    body: Update,
) -> octocrab::Result<octocrab::models::checks::CheckRun> {
    let route = format!("/repos/{}/{}/check-runs/{id}", api.owner, api.repo);
    api.crab().patch(route, Some(&body)).await
}

/// What every request of one check run carries: its title, summary, annotations' file and
/// conclusion.
struct Sender<'a> {
    api: &'a Api,
    name: String,
    title: String,
    summary: String,
    path: &'a str,
    lines: &'a HashMap<String, usize>,
    conclusion: CheckRunConclusion,
}

impl Sender<'_> {
    /// Creates the run with the first batch; completed at once when it is the only one.
    async fn create(
        &self,
        head_sha: &str,
        batch: &[Note],
        only: bool,
    ) -> Result<CheckRunId, ApiError> {
        let run = self
            .api
            .call(Repeat::RateLimitOnly, || async {
                let handler = self.api.crab().checks(&self.api.owner, &self.api.repo);
                let create = handler
                    .create_check_run(&self.name, head_sha)
                    .output(output(
                        &self.title,
                        &self.summary,
                        batch,
                        self.path,
                        self.lines,
                    ));
                let create = if only {
                    create
                        .status(CheckRunStatus::Completed)
                        .conclusion(self.conclusion)
                } else {
                    create.status(CheckRunStatus::InProgress)
                };
                create.send().await
            })
            .await?;
        Ok(run.id)
    }

    /// Appends a batch of annotations; the last one completes the run.
    async fn append(&self, id: CheckRunId, batch: &[Note], last: bool) -> Result<(), ApiError> {
        let body = || Update {
            status: last.then_some(CheckRunStatus::Completed),
            conclusion: last.then_some(self.conclusion),
            output: Some(output(
                &self.title,
                &self.summary,
                batch,
                self.path,
                self.lines,
            )),
        };
        self.api
            .call(Repeat::RateLimitOnly, || update(self.api, id, body()))
            .await
            .map(|_| ())
    }

    /// Completes the run with what it has (after a failed append: never left in progress).
    async fn complete(&self, id: CheckRunId) {
        let body = || Update {
            status: Some(CheckRunStatus::Completed),
            conclusion: Some(self.conclusion),
            output: None,
        };
        let _ = self
            .api
            .call(Repeat::Safe, || update(self.api, id, body()))
            .await;
    }
}

/// Creates the check run on `head_sha`, annotations on `path`.
pub async fn publish(
    api: &Api,
    head_sha: &str,
    run: &RunInfo,
    report: &Report,
    exit: Exit,
    path: &str,
) -> Result<Published, Failed> {
    let sender = Sender {
        api,
        name: name(run.category.as_deref(), run.shard),
        title: title(report, run, exit),
        summary: fit(
            report,
            run,
            SUMMARY_LIMIT,
            "a check run's summary is 65,535 characters",
        ),
        path,
        lines: &run.annotation_lines,
        conclusion: conclusion(exit),
    };
    let all = notes(report);
    let batches: Vec<&[Note]> = if all.is_empty() {
        vec![&[]]
    } else {
        all.chunks(BATCH).collect()
    };
    let (first, rest) = batches
        .split_first()
        .map_or((&[][..], &[][..]), |(f, r)| (*f, r));
    let id = sender.create(head_sha, first, rest.is_empty()).await?;
    let mut sent = first.len();
    for (i, batch) in rest.iter().enumerate() {
        if let Err(error) = sender.append(id, batch, i + 1 == rest.len()).await {
            sender.complete(id).await;
            return Err(Failed {
                error,
                partly: Some(format!(
                    "check run {id} was created with {sent} of {} annotations",
                    all.len()
                )),
            });
        }
        sent += batch.len();
    }
    Ok(Published {
        id: id.into_inner(),
        annotations: sent,
        requests: batches.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use probe_core::finding::{Finding, FindingId};

    #[test]
    fn notes_cover_every_root_finding_worst_first() {
        let mut implied = Finding::new(FindingId::ForgedClientCertAccepted, "implied");
        implied.implied_by = Some(FindingId::UntrustedClientCertAccepted);
        let targets = vec![
            crate::testing::target(
                "https://a.example/",
                vec![Finding::new(FindingId::ClientCertEnforcedByApp, "info")],
            ),
            crate::testing::target(
                "https://b.example/",
                vec![
                    Finding::new(FindingId::UntrustedClientCertAccepted, "root"),
                    implied,
                ],
            ),
            crate::testing::target(
                "https://c.example/",
                vec![Finding::new(
                    FindingId::NotYetValidClientCertAccepted,
                    "medium",
                )],
            ),
        ];
        let report = Report::new(targets, 1.0);
        let notes = notes(&report);
        let levels: Vec<&str> = notes.iter().map(|n| n.level).collect();
        assert_eq!(levels, ["failure", "warning", "notice"]);
        let first = notes.first().map(|n| n.message.as_str()).unwrap_or("");
        assert!(
            first.starts_with("[critical] ")
                && first.ends_with(
                    "Also implied by this root cause: forged-client-cert-accepted (critical)."
                ),
            "{first}"
        );
        assert_eq!(
            notes.first().map(|n| n.title.as_str()),
            Some("mtls-scan: untrusted-client-cert-accepted (b.example:443)")
        );
    }

    #[test]
    fn names_carry_the_category_and_the_shard() {
        assert_eq!(name(None, None), "mtls-scan");
        assert_eq!(name(Some("prod"), None), "mtls-scan (prod)");
        assert_eq!(name(None, Some((2, 3))), "mtls-scan (shard 2/3)");
        assert_eq!(
            name(Some("api/prod"), Some((2, 3))),
            "mtls-scan (api/prod, shard 2/3)"
        );
    }

    #[test]
    fn conclusions_follow_the_exit() {
        let json = |c| serde_json::to_value(c).unwrap_or_default();
        assert_eq!(json(conclusion(Exit::Ok)), "success");
        assert_eq!(json(conclusion(Exit::BelowThreshold)), "failure");
        assert_eq!(json(conclusion(Exit::TargetError)), "failure");
        assert_eq!(json(conclusion(Exit::Incomplete)), "failure");
        assert_eq!(json(conclusion(Exit::Usage)), "neutral");
    }

    #[test]
    fn annotations_are_placed_on_their_targets_line_else_line_one() -> serde_json::Result<()> {
        let note = |url: &str| Note {
            level: "warning",
            title: "t".into(),
            message: "m".into(),
            url: url.into(),
        };
        let lines = HashMap::from([("https://a.example:443/".to_owned(), 7)]);
        let out = serde_json::to_value(output(
            "T",
            "S",
            &[
                note("https://a.example:443/"),
                note("https://b.example:443/"),
            ],
            "mtls-scan.yml",
            &lines,
        ))?;
        assert_eq!(
            out,
            serde_json::json!({"title": "T", "summary": "S", "annotations": [{
                "path": "mtls-scan.yml", "start_line": 7, "end_line": 7,
                "annotation_level": "warning", "message": "m", "title": "t"}, {
                "path": "mtls-scan.yml", "start_line": 1, "end_line": 1,
                "annotation_level": "warning", "message": "m", "title": "t"}]})
        );
        assert_eq!(clip("abcdef", 4), "abc…");
        Ok(())
    }
}
