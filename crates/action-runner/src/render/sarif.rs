//! SARIF (placeholder until the SARIF renderer lands).

use probe_core::report::Report;

/// Renders the report as SARIF 2.1.0.
pub fn render(_report: &Report, _location: Option<&str>) -> Result<String, serde_json::Error> {
    Ok(String::new())
}
