//! The JSON report (version 1), as serde writes the report model.

use probe_core::report::Report;

/// Pretty-printed JSON, with a trailing newline.
pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(report)?;
    s.push('\n');
    Ok(s)
}
