//! docs/findings.md must list every finding id with its catalogue severity, CWE and title, and
//! every configuration path `tls-config-exposed` probes. Run with `MTLS_WRITE_DOCS=1` to print the
//! tables as they should read.

use probe_core::finding::FindingId;
use probe_core::probe::tls_config_exposed::PATHS;

fn finding_rows() -> Vec<String> {
    FindingId::ALL
        .iter()
        .map(|id| {
            let s = id.spec();
            format!(
                "| `{}` | {} | {} | {} |",
                id.as_str(),
                s.severity,
                s.cwe,
                s.title
            )
        })
        .collect()
}

fn path_rows() -> Vec<String> {
    PATHS
        .iter()
        .map(|(p, why)| format!("| `{p}` | {why} |"))
        .collect()
}

#[test]
fn findings_doc_lists_every_id_and_path() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("MTLS_WRITE_DOCS").is_some() {
        println!(
            "{}\n\n{}",
            finding_rows().join("\n"),
            path_rows().join("\n")
        );
    }
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/findings.md"
    ))?;
    let lines: Vec<&str> = doc.lines().map(str::trim).collect();
    for row in finding_rows().iter().chain(&path_rows()) {
        assert!(
            lines.contains(&row.as_str()),
            "docs/findings.md lacks the row:\n{row}"
        );
    }
    Ok(())
}
