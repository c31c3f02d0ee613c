//! README.md must list every finding id with its catalogue severity, CWE and title, every probe of
//! the registry with what it presents and needs, and every configuration path probed, exactly as
//! the catalogue and the registry say.

use probe_core::finding::FindingId;
use probe_core::probe::tls_config_exposed::PATHS;

#[test]
fn readme_lists_every_finding_and_config_path() -> Result<(), Box<dyn std::error::Error>> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))?;
    for id in FindingId::ALL {
        let s = id.spec();
        let row = format!(
            "| `{}` | {} | {} | {} |",
            id.as_str(),
            s.severity,
            s.cwe,
            s.title
        );
        assert!(readme.contains(&row), "README.md lacks the row {row}");
    }
    for (path, why) in PATHS {
        let row = format!("| `{path}` | {why} |");
        assert!(readme.contains(&row), "README.md lacks the row {row}");
    }
    Ok(())
}

#[test]
fn readme_lists_every_probe_of_the_registry() -> Result<(), Box<dyn std::error::Error>> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))?;
    let rows: Vec<String> = probe_core::probe::registry::specs()
        .map(|s| {
            let findings: Vec<String> = s.findings.iter().map(|f| format!("`{f}`")).collect();
            format!(
                "| `{}` | {} | {} | {} |",
                s.id,
                s.presents,
                s.needs,
                findings.join(", ")
            )
        })
        .collect();
    let missing: Vec<&String> = rows
        .iter()
        .filter(|r| !readme.contains(r.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md's probes table must follow the registry; expected rows:\n{}",
        rows.join("\n")
    );
    Ok(())
}
