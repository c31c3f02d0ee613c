//! The GitHub REST API through octocrab, for the PR comment and the check run: one client built
//! from the runner's environment, a deadline on every call, secondary rate limits retried with a
//! bounded backoff, and every failure sorted into what the log should say. Nothing here fails the
//! step: the callers turn an [`ApiError`] into one `::warning`.
//!
//! The token is handed to octocrab as a secret and never formatted: no message here quotes a
//! header, and octocrab's own tracing (debug spans with the method and URL) stays below the
//! default `warn` level.

use std::future::Future;
use std::time::Duration;

use octocrab::Octocrab;
use serde_json::Value;

use probe_core::report::Report;

use super::commands::Command;
use super::inputs::{Env, Inputs};
use super::{check_run, comment, say};
use crate::exit::Exit;

/// `GITHUB_API_URL` when the runner does not set it.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// Deadline of one API request (each try), unless `MTLS_SCAN_GITHUB_TIMEOUT` says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest wait before a retry, unless `MTLS_SCAN_GITHUB_MAX_WAIT` says otherwise (tests lower
/// it; GitHub asks for a minute after a secondary rate limit without `retry-after`).
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(60);
/// Tries per request, the first included.
pub const TRIES: u32 = 3;

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
            Some(path) => match std::fs::read_to_string(path) {
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

/// Why an API call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// HTTP 403 that is no rate limit: the token lacks a permission ("Resource not accessible
    /// by integration": a fork's pull request or a read-only token).
    Forbidden {
        /// GitHub's message.
        message: String,
    },
    /// Still rate-limited after [`TRIES`] tries.
    RateLimited {
        /// The last status (403 or 429).
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// No answer before the deadline, on every try allowed.
    Timeout(Duration),
    /// Any other failure: a status and GitHub's message, or a transport error.
    Other(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Forbidden { message } => write!(f, "HTTP 403: {message}"),
            ApiError::RateLimited { status, message } => write!(
                f,
                "rate-limited on each of {TRIES} tries (HTTP {status}: {message})"
            ),
            ApiError::Timeout(d) => write!(f, "no answer within {} s", d.as_secs_f64()),
            ApiError::Other(m) => f.write_str(m),
        }
    }
}

/// How a failed try is handled.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    /// Try again after this long (a rate limit: the request was not processed).
    RateLimit(Duration, ApiError),
    /// Try again when the request is safe to repeat (5xx, transport error, timeout).
    Transient(ApiError),
    /// Give up now.
    Fatal(ApiError),
}

/// Whether a request may be sent again after a failure that may have been processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Reading, or setting a value: repeating it changes nothing.
    Safe,
    /// Creating or appending: only a rate limit (nothing was done) is retried.
    RateLimitOnly,
}

/// The client, with its deadlines.
pub struct Api {
    crab: Octocrab,
    /// The repository's owner.
    pub owner: String,
    /// The repository's name.
    pub repo: String,
    timeout: Duration,
    max_wait: Duration,
}

fn secs_var(env: &Env, name: &str, default: Duration) -> Duration {
    env.var(name)
        .and_then(|v| crate::cli::parse_secs(v).ok())
        .map_or(default, Duration::from_secs_f64)
}

impl Api {
    /// A client for this run; `Err` says why none can be built.
    pub fn new(env: &Env, ctx: &RunContext, token: &str) -> Result<Self, String> {
        // octocrab parses the header with `unwrap`: a token that is no header value would panic.
        if http::HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
            return Err(
                "the `github-token` input holds characters no token has (a line break?)".to_owned(),
            );
        }
        let timeout = secs_var(env, "MTLS_SCAN_GITHUB_TIMEOUT", DEFAULT_TIMEOUT);
        let max_wait = secs_var(env, "MTLS_SCAN_GITHUB_MAX_WAIT", DEFAULT_MAX_WAIT);
        let version = http::HeaderName::from_static("x-github-api-version");
        let crab = Octocrab::builder()
            .base_uri(ctx.api_url.as_str())
            .map_err(|_| format!("GITHUB_API_URL {:?} is not a URL", ctx.api_url))?
            .personal_token(token.to_owned())
            .add_header(version, "2022-11-28".to_owned())
            // Retries are ours (bounded, with backoff, never repeating a create): octocrab's
            // default repeats 5xx and transport errors at once, POSTs included.
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            // The deadline of each try is `call`'s; this one only names a connect failure.
            .set_connect_timeout(Some(timeout))
            .build()
            .map_err(|e| format!("cannot set up the GitHub API client: {}", describe(&e)))?;
        Ok(Self {
            crab,
            owner: ctx.owner.clone(),
            repo: ctx.repo.clone(),
            timeout,
            max_wait,
        })
    }

    /// The octocrab client.
    pub fn crab(&self) -> &Octocrab {
        &self.crab
    }

    /// Runs one request, each try under the deadline, retrying rate limits (and, when `repeat`
    /// allows, server and transport errors) up to [`TRIES`] tries with a capped backoff.
    pub async fn call<T, F, Fut>(&self, repeat: Repeat, mut request: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = octocrab::Result<T>>,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match tokio::time::timeout(self.timeout, request()).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(e)) => classify(&e),
                Err(_) => Failure::Transient(ApiError::Timeout(self.timeout)),
            };
            let (wait, error) = match failure {
                Failure::RateLimit(wait, e) => (wait, e),
                Failure::Transient(e) if repeat == Repeat::Safe => (backoff(attempt), e),
                Failure::Transient(e) | Failure::Fatal(e) => return Err(e),
            };
            if attempt >= TRIES {
                return Err(error);
            }
            let wait = wait.min(self.max_wait);
            let why = match &error {
                ApiError::RateLimited { status, message } => {
                    format!("rate-limited (HTTP {status}: {message})")
                }
                other => other.to_string(),
            };
            // A plain log line (one line: GitHub's text was cut to its first).
            let _ = say(format_args!(
                "GitHub API: {why}; try {} of {TRIES} in {:.1} s.",
                attempt + 1,
                wait.as_secs_f64()
            ));
            tokio::time::sleep(wait).await;
        }
    }
}

/// The `::warning` for a feature that could not be published: once, naming the permission the
/// token lacks when GitHub refused it.
fn warning(what: &str, permission: &str, error: &ApiError, partly: Option<&str>) -> Command {
    let partly = partly.map_or_else(String::new, |p| format!(" ({p})"));
    let message = match error {
        ApiError::Forbidden { .. } => format!(
            "No {what}{partly}: GitHub refused it ({error}). The token needs the \
             `{permission}` permission: add it to the job's or the workflow's `permissions:`. \
             Pull requests from forks get a read-only token, so they get no {what}; the job \
             summary has the report."
        ),
        ApiError::RateLimited { .. } => {
            format!("No {what}{partly}: GitHub's rate limit held ({error}). The next run posts it.")
        }
        ApiError::Timeout(_) | ApiError::Other(_) => {
            format!("No {what}{partly}: the GitHub API failed ({error}).")
        }
    };
    Command::warning(message).property("title", "mtls-scan: GitHub API")
}

/// `comment: true` and `check-run: true`: publishes to the pull request and the commit. Every
/// failure is one `::warning`, and the step's exit code never changes.
pub async fn publish(
    env: &Env,
    inputs: &Inputs,
    report: &Report,
    exit: Exit,
) -> std::io::Result<()> {
    if !inputs.comment && !inputs.check_run {
        return Ok(());
    }
    let asked = match (inputs.comment, inputs.check_run) {
        (true, true) => "`comment` and `check-run` need",
        (true, false) => "`comment` needs",
        _ => "`check-run` needs",
    };
    let Some(token) = inputs.github_token.as_deref() else {
        return say(Command::warning(format!(
            "{asked} the `github-token` input (its default is the job's token, \
             `${{{{ github.token }}}}`): nothing was posted to GitHub."
        ))
        .property("title", "mtls-scan: GitHub API"));
    };
    let built =
        RunContext::from_env(env).and_then(|ctx| Api::new(env, &ctx, token).map(|api| (ctx, api)));
    let (ctx, api) = match built {
        Ok(pair) => pair,
        Err(why) => {
            return say(Command::warning(format!(
                "{asked} the GitHub API, but {why}: nothing was posted to GitHub."
            ))
            .property("title", "mtls-scan: GitHub API"))
        }
    };

    // After a rate limit that held, or an API that did not answer, the check run is not tried:
    // it would only wait as long again.
    let mut gave_up: Option<&str> = None;
    if inputs.comment {
        match ctx.pr_number {
            None => say(format_args!(
                "comment: this run is for a `{}` event, not a pull request: no PR comment.",
                ctx.event_name
            ))?,
            Some(number) => match comment::publish(&api, &ctx, inputs, report, number).await {
                Ok(comment::Posted::Created { id }) => say(format_args!(
                    "Posted the PR comment on #{number} (comment {id}): grade {}.",
                    report.grade
                ))?,
                Ok(comment::Posted::Updated { id, previous }) => say(format_args!(
                    "Updated the PR comment on #{number} (comment {id}): grade {}.",
                    match previous {
                        Some(p) if p != report.grade => format!("{p} → {}", report.grade),
                        _ => report.grade.to_string(),
                    }
                ))?,
                Err(e) => {
                    gave_up = match e {
                        ApiError::RateLimited { .. } => Some("GitHub's rate limit held"),
                        ApiError::Timeout(_) => Some("the GitHub API did not answer"),
                        ApiError::Forbidden { .. } | ApiError::Other(_) => None,
                    };
                    say(warning("PR comment", "pull-requests: write", &e, None))?;
                }
            },
        }
    }
    if inputs.check_run {
        match (ctx.head_sha.as_deref(), gave_up) {
            (_, Some(why)) => say(format_args!(
                "check-run: skipped, {why} for the PR comment just before."
            ))?,
            (None, None) => {
                say("check-run: neither the event nor GITHUB_SHA names a commit: no check run.")?
            }
            (Some(sha), None) => {
                let path = super::context::sarif_location(env, inputs);
                match check_run::publish(&api, sha, inputs, report, exit, &path).await {
                    Ok(p) => say(format_args!(
                        "Created the check run {} (id {}) on {}: {}, {} annotation{} in {} request{}.",
                        check_run::NAME,
                        p.id,
                        sha.get(..12).unwrap_or(sha),
                        serde_json::to_value(check_run::conclusion(exit))
                            .ok()
                            .as_ref()
                            .and_then(Value::as_str)
                            .unwrap_or("completed"),
                        p.annotations,
                        if p.annotations == 1 { "" } else { "s" },
                        p.requests,
                        if p.requests == 1 { "" } else { "s" }
                    ))?,
                    Err(f) => say(warning(
                        "check run",
                        "checks: write",
                        &f.error,
                        f.partly.as_deref(),
                    ))?,
                }
            }
        }
    }
    Ok(())
}

/// 5 s, 10 s, 20 s… before try `attempt + 1` (capped by the caller).
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(5u64.saturating_mul(1 << attempt.saturating_sub(1).min(6)))
}

fn header<'a>(headers: Option<&'a http::HeaderMap>, name: &str) -> Option<&'a str> {
    headers?.get(name)?.to_str().ok().map(str::trim)
}

/// Sorts an octocrab error: rate limit (with the wait GitHub asks for), transient or fatal.
fn classify(e: &octocrab::Error) -> Failure {
    match e {
        octocrab::Error::GitHub { source, .. } => classify_status(
            source.status_code.as_u16(),
            &source.message,
            source.headers.as_ref(),
        ),
        // Transport, TLS, decoding: the request may or may not have been processed.
        other => Failure::Transient(ApiError::Other(describe(other))),
    }
}

/// Sorts an answer with an error status.
fn classify_status(status: u16, message: &str, headers: Option<&http::HeaderMap>) -> Failure {
    let message = one_line(message);
    let retry_after = header(headers, "retry-after")
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs);
    let exhausted = header(headers, "x-ratelimit-remaining") == Some("0");
    let said_so = message.to_ascii_lowercase().contains("rate limit");
    if status == 429 || (status == 403 && (retry_after.is_some() || exhausted || said_so)) {
        let wait = retry_after
            .or_else(|| {
                let reset = header(headers, "x-ratelimit-reset")?.parse::<u64>().ok()?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()?
                    .as_secs();
                exhausted.then(|| Duration::from_secs(reset.saturating_sub(now).max(1)))
            })
            .unwrap_or(DEFAULT_MAX_WAIT);
        return Failure::RateLimit(wait, ApiError::RateLimited { status, message });
    }
    match status {
        403 => Failure::Fatal(ApiError::Forbidden { message }),
        500.. => Failure::Transient(ApiError::Other(format!("HTTP {status}: {message}"))),
        _ => Failure::Fatal(ApiError::Other(format!("HTTP {status}: {message}"))),
    }
}

/// An octocrab error in one line, without its backtrace.
fn describe(e: &octocrab::Error) -> String {
    let mut text = match e {
        octocrab::Error::GitHub { source, .. } => format!(
            "HTTP {}: {}",
            source.status_code.as_u16(),
            one_line(&source.message)
        ),
        other => one_line(&other.to_string()),
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = one_line(&s.to_string());
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// The first line of a message, at most 300 characters (GitHub's text goes into a warning).
fn one_line(s: &str) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    line.chars().take(300).collect()
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

    fn github_error(status: u16, message: &str, headers: &[(&'static str, &str)]) -> Failure {
        let mut map = http::HeaderMap::new();
        for (k, v) in headers {
            if let Ok(v) = v.parse() {
                map.insert(*k, v);
            }
        }
        classify_status(status, message, Some(&map))
    }

    #[test]
    fn permission_refusals_and_rate_limits_are_told_apart() {
        let forbidden = github_error(403, "Resource not accessible by integration", &[]);
        assert_eq!(
            forbidden,
            Failure::Fatal(ApiError::Forbidden {
                message: "Resource not accessible by integration".into()
            })
        );
        let secondary = github_error(
            403,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            &[],
        );
        assert!(
            matches!(secondary, Failure::RateLimit(w, ApiError::RateLimited { status: 403, .. }) if w == DEFAULT_MAX_WAIT)
        );
        let after = github_error(403, "Forbidden", &[("retry-after", "7")]);
        assert!(matches!(after, Failure::RateLimit(w, _) if w == Duration::from_secs(7)));
        let too_many = github_error(429, "Too Many Requests", &[]);
        assert!(matches!(
            too_many,
            Failure::RateLimit(_, ApiError::RateLimited { status: 429, .. })
        ));
        assert!(matches!(
            github_error(502, "Bad Gateway", &[]),
            Failure::Transient(ApiError::Other(m)) if m == "HTTP 502: Bad Gateway"
        ));
        assert!(matches!(
            github_error(422, "Validation Failed", &[]),
            Failure::Fatal(_)
        ));
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

    #[tokio::test]
    async fn a_token_octocrab_cannot_send_is_refused_not_a_panic() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let ctx = RunContext {
            api_url: "http://127.0.0.1:9/api/v3".into(),
            owner: "o".into(),
            repo: "r".into(),
            event_name: "push".into(),
            pr_number: None,
            head_sha: None,
            workflow: String::new(),
            job: String::new(),
            run_url: None,
        };
        let e = Env::default();
        assert!(Api::new(&e, &ctx, "ghs_a\u{7}b").is_err_and(|m| m.contains("github-token")));
        assert!(Api::new(&e, &ctx, "ghs_fine").is_ok());
    }

    #[test]
    fn backoff_grows_and_is_capped_by_the_caller() {
        assert_eq!(backoff(1), Duration::from_secs(5));
        assert_eq!(backoff(2), Duration::from_secs(10));
        assert_eq!(backoff(40), Duration::from_secs(320));
    }
}
