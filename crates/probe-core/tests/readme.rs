//! README.md must list every finding id with its catalogue severity, CWE and title, and every
//! configuration path probed, exactly as the catalogue says (the "Done when").

use probe_core::finding::FindingId;
use probe_core::probe::config_exposed::PATHS;

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
