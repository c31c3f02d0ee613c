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

use super::context::RunContext;
use super::env::Env;

/// Deadline of one API request (each try), unless `MTLS_SCAN_GITHUB_TIMEOUT` says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest wait before a retry, unless `MTLS_SCAN_GITHUB_MAX_WAIT` says otherwise (tests lower
/// it; GitHub asks for a minute after a secondary rate limit without `retry-after`).
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(60);
/// Tries per request, the first included.
pub const TRIES: u32 = 3;

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
        .and_then(|v| crate::parse::secs(v).ok())
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
            let _ = crate::stdout::line(format_args!(
                "GitHub API: {why}; try {} of {TRIES} in {:.1} s.",
                attempt + 1,
                wait.as_secs_f64()
            ));
            tokio::time::sleep(wait).await;
        }
    }
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

/// The first line of a message, at most 300 characters, control and invisible characters
/// escaped (GitHub's text, or a proxy's in front of it, goes into a warning and the terminal).
fn one_line(s: &str) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    probe_core::text::escape_controls(&line.chars().take(300).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_message_keeps_one_line_and_no_terminal_escape() {
        let said = one_line("\u{1b}[31m::error::injected%0A\nline two");
        assert!(
            !said.contains('\u{1b}') && !said.contains("line two"),
            "{said}"
        );
        assert!(said.contains("::error::injected"), "{said}");
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
