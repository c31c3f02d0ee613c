//! Markdown (placeholder until the job summary lands).

use probe_core::report::Report;

/// Renders the report as Markdown.
pub fn render(report: &Report, _threshold: Option<probe_core::grade::Grade>) -> String {
    format!("# mtls-scan\n\nGrade **{}**\n", report.grade)
}
