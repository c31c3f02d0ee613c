//! What the runner tells about the run: the repository, the event and the pull request
//! ([`RunContext`], for the PR comment and the check run), and where the workflow file is (the
//! SARIF results point at it when no config file is given), and where each target is named in
//! the config or the workflow (the SARIF results' lines).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::env::Env;
use super::inputs::Inputs;
use crate::config::{Config, UrlSpan};
use crate::render::sarif::SarifLocation;

/// `GITHUB_API_URL` when the runner does not set it.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// Where the run is, from the runner's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunContext {
    /// `GITHUB_API_URL` without a trailing `/` (`https://ghe.example/api/v3` on GHES).
    pub api_url: String,
    /// `GITHUB_REPOSITORY`'s owner.
    pub owner: String,
    /// `GITHUB_REPOSITORY`'s name.
    pub repo: String,
    /// `GITHUB_EVENT_NAME` (`pull_request`, `push`, `schedule`…), for the log.
    pub event_name: String,
    /// The pull request's number, when the event is about one.
    pub pr_number: Option<u64>,
    /// The commit to attach the check run to: the PR's head (not the merge commit that
    /// `GITHUB_SHA` names on `pull_request` events, which the PR's checks never show), else
    /// `GITHUB_SHA`.
    pub head_sha: Option<String>,
    /// `GITHUB_WORKFLOW` (the workflow's name).
    pub workflow: String,
    /// `GITHUB_JOB` (the job's id).
    pub job: String,
    /// The run's page, when the runner names it.
    pub run_url: Option<String>,
}

impl RunContext {
    /// Reads the runner's variables and the event file; `Err` says what is missing.
    pub fn from_env(env: &Env) -> Result<Self, String> {
        let repository = env
            .var("GITHUB_REPOSITORY")
            .ok_or("GITHUB_REPOSITORY is not set (this is not a GitHub Actions run)")?;
        let (owner, repo) = repository
            .split_once('/')
            .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
            .ok_or_else(|| format!("GITHUB_REPOSITORY {repository:?} is not owner/name"))?;
        let event = match env.var("GITHUB_EVENT_PATH") {
            Some(path) => match crate::files::read_text(
                std::path::Path::new(&path),
                crate::files::EVENT_LIMIT,
                "the event file",
            ) {
                Ok(text) => serde_json::from_str::<Value>(&text)
                    .map_err(|e| format!("the event file GITHUB_EVENT_PATH is not JSON: {e}"))?,
                Err(e) => return Err(format!("cannot read the event file GITHUB_EVENT_PATH: {e}")),
            },
            None => Value::Null,
        };
        let pr = event.get("pull_request");
        let pr_number = pr.and_then(|p| p.get("number")).and_then(Value::as_u64);
        let pr_head = pr
            .and_then(|p| p.get("head"))
            .and_then(|h| h.get("sha"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let run_url = match (env.var("GITHUB_SERVER_URL"), env.var("GITHUB_RUN_ID")) {
            (Some(server), Some(id)) => Some(format!(
                "{}/{repository}/actions/runs/{id}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        Ok(Self {
            api_url: env
                .var("GITHUB_API_URL")
                .unwrap_or(DEFAULT_API_URL)
                .trim_end_matches('/')
                .to_owned(),
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            event_name: env.var("GITHUB_EVENT_NAME").unwrap_or("unknown").to_owned(),
            pr_number,
            head_sha: pr_head.or(env.var("GITHUB_SHA")).map(str::to_owned),
            workflow: env.var("GITHUB_WORKFLOW").unwrap_or("").to_owned(),
            job: env.var("GITHUB_JOB").unwrap_or("").to_owned(),
            run_url,
        })
    }
}

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

/// The repository's root for a command-line run: `GITHUB_WORKSPACE` when set, else the nearest
/// directory above `start` with a `.git`, else the current directory.
pub fn repository_root(env: &Env, start: &Path) -> PathBuf {
    if let Some(w) = env.var("GITHUB_WORKSPACE") {
        return PathBuf::from(w);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let abs = if start.is_absolute() {
        start.to_path_buf()
    } else {
        cwd.join(start)
    };
    abs.ancestors()
        .skip(1)
        .find(|d| d.join(".git").exists())
        .map_or(cwd, Path::to_path_buf)
}

/// The place of the first line of a file (the fallback of a target not found in it).
fn first_line(path: &Path) -> UrlSpan {
    let text = crate::files::read_text(path, crate::files::CONFIG_LIMIT, "a workflow file")
        .unwrap_or_default();
    let first = text.lines().next().unwrap_or("");
    UrlSpan {
        line: 1,
        start_column: 1,
        end_column: first.encode_utf16().count() + 1,
    }
}

/// The config file as a SARIF location: its path relative to `root` (the repository), each
/// target on its own `url:` line.
pub fn config_location(root: &Path, real: &Path, config: &Config) -> Option<SarifLocation> {
    let abs = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        }
    };
    let (root, real) = (abs(root), abs(real));
    let root = root.canonicalize().unwrap_or(root);
    let real = real.canonicalize().unwrap_or(real);
    let uri = relative(&root, &real.display().to_string(), &real)?;
    Some(SarifLocation {
        uri,
        spans: config.url_lines.clone(),
        fallback: first_line(&real),
    })
}

/// Where each URL is named in a file's text: the first line that holds it (as normalised, without
/// its trailing `/`, or its `host:port`), whole: not the start of a longer URL (an audit's
/// `https://H:P/` landed on the line of `https://H:P/v2/` written above it).
fn url_lines(text: &str, urls: &[(&str, &str)]) -> HashMap<String, UrlSpan> {
    let lines: Vec<&str> = text.lines().collect();
    let mut spans = HashMap::new();
    // A character that would go on the URL: the match is then part of a longer one.
    let goes_on = |c: char| c.is_ascii_alphanumeric() || "/._~%:?#@!$&*+,;=-".contains(c);
    for (url, host_port) in urls {
        let bare = url.trim_end_matches('/');
        let found = [*url, bare, host_port].into_iter().find_map(|needle| {
            lines.iter().enumerate().find_map(|(i, l)| {
                let at = l.match_indices(needle).map(|(at, _)| at).find(|&at| {
                    !l.get(at + needle.len()..)
                        .and_then(|rest| rest.chars().next())
                        .is_some_and(goes_on)
                })?;
                let col = |b: usize| l.get(..b).map_or(0, |p| p.encode_utf16().count()) + 1;
                Some(UrlSpan {
                    line: i + 1,
                    start_column: col(at),
                    end_column: col(at + needle.len()),
                })
            })
        });
        if let Some(span) = found {
            spans.insert((*url).to_owned(), span);
        }
    }
    spans
}

/// Where SARIF results are located in the Action: the config file (each target on its `url:`
/// line), else the workflow file (on the line that names the URL, else line 1), else at the
/// URLs themselves.
pub fn sarif_location(
    env: &Env,
    inputs: &Inputs,
    config: Option<&Config>,
    targets: &[(&str, &str)],
) -> Option<SarifLocation> {
    if let (Some(c), Some(path)) = (config, inputs.config.as_ref()) {
        if let Some(mut l) = config_location(&inputs.workspace, &path.real, c) {
            // Targets of `api-url` are not in the config: on its first line.
            for (url, _) in targets {
                l.spans.entry((*url).to_owned()).or_default();
            }
            return Some(l);
        }
    }
    let uri = workflow_file(env).or_else(|| only_workflow(&inputs.workspace))?;
    let real = inputs.workspace.join(&uri);
    let text = crate::files::read_text(&real, crate::files::CONFIG_LIMIT, "a workflow file")
        .unwrap_or_default();
    Some(SarifLocation {
        uri,
        spans: url_lines(&text, targets),
        fallback: first_line(&real),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// A URL is found whole, not as the start of a longer one written above it.
    #[test]
    fn a_url_is_found_whole() {
        let text = "api-url: |\n  https://h.example:8443/v2/\n  https://h.example:8443/\n";
        let spans = url_lines(
            text,
            &[
                ("https://h.example:8443/", "h.example:8443"),
                ("https://h.example:8443/v2/", "h.example:8443"),
            ],
        );
        let line = |u: &str| spans.get(u).map(|s| s.line);
        assert_eq!(line("https://h.example:8443/"), Some(3));
        assert_eq!(line("https://h.example:8443/v2/"), Some(2));
    }

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

    #[test]
    fn context_from_a_pull_request_event() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let event = dir.path().join("event.json");
        std::fs::write(
            &event,
            r#"{"pull_request": {"number": 42, "head": {"sha": "abc123"}}}"#,
        )?;
        let path = event.display().to_string();
        let e = env(&[
            ("GITHUB_REPOSITORY", "octo/api"),
            ("GITHUB_EVENT_PATH", &path),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_SHA", "merge000"),
            ("GITHUB_API_URL", "https://ghe.example/api/v3/"),
            ("GITHUB_SERVER_URL", "https://ghe.example"),
            ("GITHUB_RUN_ID", "99"),
            ("GITHUB_WORKFLOW", "mTLS review"),
            ("GITHUB_JOB", "scan"),
        ]);
        let ctx = RunContext::from_env(&e)?;
        assert_eq!(ctx.api_url, "https://ghe.example/api/v3");
        assert_eq!((ctx.owner.as_str(), ctx.repo.as_str()), ("octo", "api"));
        assert_eq!(ctx.pr_number, Some(42));
        assert_eq!(
            ctx.head_sha.as_deref(),
            Some("abc123"),
            "the PR head, not the merge commit"
        );
        assert_eq!(
            ctx.run_url.as_deref(),
            Some("https://ghe.example/octo/api/actions/runs/99")
        );

        std::fs::write(&event, r#"{"ref": "refs/heads/main"}"#)?;
        let ctx = RunContext::from_env(&e)?;
        assert_eq!(ctx.pr_number, None);
        assert_eq!(ctx.head_sha.as_deref(), Some("merge000"));
        assert_eq!(
            RunContext::from_env(&env(&[("GITHUB_REPOSITORY", "octo")])).err(),
            Some("GITHUB_REPOSITORY \"octo\" is not owner/name".to_owned())
        );
        Ok(())
    }
}
