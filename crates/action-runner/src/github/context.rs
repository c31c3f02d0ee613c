//! What the runner tells about the run: where the workflow file is (the SARIF results point at
//! it when no config file is given).

use std::path::Path;

use super::inputs::{Env, Inputs};
use crate::render::sarif::DEFAULT_LOCATION;

/// The workflow file, relative to the repository root, from `GITHUB_WORKFLOW_REF`
/// (`owner/repo/.github/workflows/ci.yml@refs/heads/main`).
pub fn workflow_file(env: &Env) -> Option<String> {
    let reference = env.var("GITHUB_WORKFLOW_REF")?;
    let path = reference.split_once('@').map_or(reference, |(p, _)| p);
    let in_repo = match env.var("GITHUB_REPOSITORY") {
        Some(repo) => path.strip_prefix(repo)?.strip_prefix('/')?,
        None => path.get(path.find(".github/workflows/")?..)?,
    };
    Some(in_repo.to_owned()).filter(|p| p.starts_with(".github/workflows/"))
}

/// The only workflow file in the workspace, when there is exactly one.
fn only_workflow(workspace: &Path) -> Option<String> {
    let dir = std::fs::read_dir(workspace.join(".github/workflows")).ok()?;
    let files: Vec<String> = dir
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .collect();
    match files.as_slice() {
        [one] => Some(format!(".github/workflows/{one}")),
        _ => None,
    }
}

/// A path relative to the workspace, as a SARIF URI (`/`-separated, no `./`).
fn relative(workspace: &Path, shown: &str, real: &Path) -> Option<String> {
    let rel = if Path::new(shown).is_absolute() {
        real.strip_prefix(workspace).ok()?.to_str()?.to_owned()
    } else {
        shown.to_owned()
    };
    let rel = rel.trim_start_matches("./").replace('\\', "/");
    Some(rel).filter(|r| !r.is_empty() && !r.starts_with("../"))
}

/// Where SARIF results are located: the config file, else the workflow file, else
/// [`DEFAULT_LOCATION`].
pub fn sarif_location(env: &Env, inputs: &Inputs) -> String {
    inputs
        .config
        .as_ref()
        .and_then(|c| relative(&inputs.workspace, &c.shown, &c.real))
        .or_else(|| workflow_file(env))
        .or_else(|| only_workflow(&inputs.workspace))
        .unwrap_or_else(|| DEFAULT_LOCATION.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_ref_to_path() {
        let env: Env = [
            (
                "GITHUB_WORKFLOW_REF".to_owned(),
                "octo/api/.github/workflows/mtls.yml@refs/pull/7/merge".to_owned(),
            ),
            ("GITHUB_REPOSITORY".to_owned(), "octo/api".to_owned()),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            workflow_file(&env).as_deref(),
            Some(".github/workflows/mtls.yml")
        );
        let other: Env = [
            (
                "GITHUB_WORKFLOW_REF".to_owned(),
                "octo/shared/.github/workflows/x.yml@v1".to_owned(),
            ),
            ("GITHUB_REPOSITORY".to_owned(), "octo/api".to_owned()),
        ]
        .into_iter()
        .collect();
        assert_eq!(workflow_file(&other), None);
        assert_eq!(
            relative(Path::new("/w"), "./cfg/m.yml", Path::new("/w/cfg/m.yml")).as_deref(),
            Some("cfg/m.yml")
        );
        assert_eq!(
            relative(Path::new("/w"), "/w/m.yml", Path::new("/w/m.yml")).as_deref(),
            Some("m.yml")
        );
        assert_eq!(
            relative(Path::new("/w"), "/etc/m.yml", Path::new("/etc/m.yml")),
            None
        );
    }
}
