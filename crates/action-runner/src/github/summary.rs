//! The job summary: the Markdown report appended to `$GITHUB_STEP_SUMMARY`, kept under GitHub's
//! 1 MiB limit for the step (counting what an earlier write in this step left there), and the
//! same summary cut to other budgets (the PR comment's, the check run's).

use std::io::Write as _;
use std::path::Path;

use probe_core::grade::Grade;
use probe_core::report::Report;

use crate::render::markdown::{self, Options, SUMMARY_LIMIT};

/// What the summary says about the run beside the report: its policy and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    /// The threshold grade (`fail-under`, else the config's, else C).
    pub fail_under: Grade,
    /// `fail-under: none`: the grade fails nothing.
    pub no_fail_under: bool,
    /// `fail-on: new`: the step fails on new findings, not on the grade.
    pub fail_on_new: bool,
    /// `fail-on-incomplete: false`: an incomplete target does not fail the step.
    pub incomplete_passes: bool,
    /// The JSON report, as shown to the user (relative to the workspace).
    pub report_file: String,
    /// The SARIF file, as shown.
    pub sarif_file: String,
    /// `shard: I/N`.
    pub shard: Option<(usize, usize)>,
    /// `category` (the SARIF category): also in the PR comment's marker and the check run's
    /// name, so the legs of a matrix or several scan steps of one job keep one each.
    pub category: Option<String>,
    /// The repository file the check run's annotations are on (the SARIF results' file).
    pub annotations_path: String,
    /// Each target's line in that file (its `url:` line in the config, or the workflow line
    /// naming it), by URL; a target without one is annotated on line 1.
    pub annotation_lines: std::collections::HashMap<String, usize>,
}

impl RunInfo {
    /// The threshold the summary shows: none with `fail-on: new` (the summary counts the new
    /// findings instead, [`Options::fail_on_new`]).
    pub fn threshold(&self) -> Option<Grade> {
        (!self.fail_on_new).then_some(())?;
        self.threshold_grade()
    }

    /// The grade the step fails under: none with `fail-under: none`.
    pub fn threshold_grade(&self) -> Option<Grade> {
        (!self.no_fail_under).then_some(self.fail_under)
    }
}

/// The summary in at most `limit` bytes (0: [`SUMMARY_LIMIT`]).
pub fn render(report: &Report, run: &RunInfo, limit: usize) -> String {
    markdown::render_with(
        report,
        &Options {
            threshold: run.threshold(),
            fail_on_new: run.fail_on_new,
            incomplete_passes: run.incomplete_passes,
            limit,
            full_reports: Some((&run.report_file, &run.sarif_file)),
            json_hint: None,
            flags: false,
        },
    )
}

/// Appends the report's summary to the file (`$GITHUB_STEP_SUMMARY`).
pub fn append(path: &Path, report: &Report, run: &RunInfo) -> std::io::Result<()> {
    let already = std::fs::metadata(path)
        .map(|m| usize::try_from(m.len()).unwrap_or(usize::MAX))
        .unwrap_or(0);
    let limit = SUMMARY_LIMIT.saturating_sub(already).max(4 * 1024);
    append_text(path, &render(report, run, limit))
}

/// Appends Markdown as is (the caller escaped it).
pub fn append_text(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        f.write_all(b"\n")?;
    }
    f.flush()
}

/// The Markdown summary in at most `budget` bytes, with the truncation note naming `limit_is`
/// instead of the job summary's limit (a PR comment, a check run's summary).
pub fn fit(report: &Report, run: &RunInfo, budget: usize, limit_is: &str) -> String {
    // Room for the longer wording of the note.
    let limit = budget.saturating_sub(128).max(1);
    let text = markdown::render_with(
        report,
        &Options {
            threshold: run.threshold(),
            fail_on_new: run.fail_on_new,
            incomplete_passes: run.incomplete_passes,
            limit,
            full_reports: Some((&run.report_file, &run.sarif_file)),
            json_hint: None,
            flags: false,
        },
    );
    text.replace(
        "(GitHub's limit for a job summary is 1 MiB)",
        &format!("(GitHub's limit for {limit_is})"),
    )
}

/// `N findings, M critical`, for one-line messages.
pub fn counts(report: &Report) -> String {
    let tally = report.tally();
    format!(
        "{} finding{}, {} critical",
        tally.findings,
        if tally.findings == 1 { "" } else { "s" },
        tally.critical
    )
}
