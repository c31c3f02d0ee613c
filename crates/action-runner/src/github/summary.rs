//! The job summary: the Markdown report appended to `$GITHUB_STEP_SUMMARY`, kept under GitHub's
//! 1 MiB limit for the step (counting what an earlier write in this step left there).

use std::io::Write as _;
use std::path::Path;

use probe_core::grade::Grade;
use probe_core::report::Report;

use crate::render::markdown::{self, Options, SUMMARY_LIMIT};

/// Appends the report's summary; `full_reports` names the JSON report and SARIF files.
pub fn append(
    path: &Path,
    report: &Report,
    threshold: Grade,
    full_reports: (&str, &str),
) -> std::io::Result<()> {
    let already = std::fs::metadata(path)
        .map(|m| usize::try_from(m.len()).unwrap_or(usize::MAX))
        .unwrap_or(0);
    let limit = SUMMARY_LIMIT.saturating_sub(already).max(4 * 1024);
    let text = markdown::render_with(
        report,
        &Options {
            threshold: Some(threshold),
            limit,
            full_reports: Some(full_reports),
        },
    );
    append_text(path, &text)
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
