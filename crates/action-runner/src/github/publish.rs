//! `comment: true` and `check-run: true`: publishes the report to the pull request and the commit
//! through the GitHub API ([`super::comment`], [`super::check_run`]). Every failure is one
//! `::warning`, and the step's exit code never changes.

use probe_core::report::Report;
use serde_json::Value;

use super::check_run;
use super::client::{Api, ApiError};
use super::commands::Command;
use super::comment::{self, Posted};
use super::context::RunContext;
use super::env::Env;
use super::inputs::Inputs;
use super::summary::RunInfo;
use crate::exit::Exit;
use crate::stdout::line as say;

/// The title of every warning about the API.
const TITLE: &str = "mtls-scan: GitHub API";

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
    Command::warning(message).property("title", TITLE)
}

/// What the comment and the check run are about.
struct Publication<'a> {
    run: &'a RunInfo,
    report: &'a Report,
    exit: Exit,
}

/// Publishes the PR comment and the check run that the inputs ask for.
pub async fn publish(
    env: &Env,
    inputs: &Inputs,
    run: &RunInfo,
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
        .property("title", TITLE));
    };
    let built =
        RunContext::from_env(env).and_then(|ctx| Api::new(env, &ctx, token).map(|api| (ctx, api)));
    let (ctx, api) = match built {
        Ok(pair) => pair,
        Err(why) => {
            return say(Command::warning(format!(
                "{asked} the GitHub API, but {why}: nothing was posted to GitHub."
            ))
            .property("title", TITLE))
        }
    };
    let p = Publication { run, report, exit };
    // After a rate limit that held, or an API that did not answer, the check run is not tried:
    // it would only wait as long again.
    let gave_up = if inputs.comment {
        p.comment(&api, &ctx).await?
    } else {
        None
    };
    if inputs.check_run {
        match (ctx.head_sha.as_deref(), gave_up) {
            // A warning, as the comment's: the check run asked for is not there.
            (_, Some(why)) => say(Command::warning(format!(
                "No check run: not tried, {why} for the PR comment just before. The next \
                     run posts it."
            ))
            .property("title", TITLE))?,
            (None, None) => {
                say("check-run: neither the event nor GITHUB_SHA names a commit: no check run.")?
            }
            (Some(sha), None) => p.check_run(&api, sha).await?,
        }
    }
    Ok(())
}

impl Publication<'_> {
    /// The sticky PR comment; returns why the API should not be tried again, when it should not.
    async fn comment(&self, api: &Api, ctx: &RunContext) -> std::io::Result<Option<&'static str>> {
        let Some(number) = ctx.pr_number else {
            say(format_args!(
                "comment: this run is for a `{}` event, not a pull request: no PR comment.",
                ctx.event_name
            ))?;
            return Ok(None);
        };
        let grade = self.report.grade;
        let shown = |previous: Option<probe_core::grade::Grade>| {
            if self.report.targets.is_empty() {
                return "no target scanned".to_owned();
            }
            match previous {
                Some(p) if p != grade => format!("grade {p} → {grade}"),
                _ => format!("grade {grade}"),
            }
        };
        match comment::publish(api, ctx, self.run, self.report, number).await {
            Ok(Posted::Created { id }) => say(format_args!(
                "Posted the PR comment on #{number} (comment {id}): {}.",
                shown(None)
            ))?,
            Ok(Posted::Updated { id, previous }) => say(format_args!(
                "Updated the PR comment on #{number} (comment {id}): {}.",
                shown(previous)
            ))?,
            Err(e) => {
                say(warning("PR comment", "pull-requests: write", &e, None))?;
                return Ok(match e {
                    ApiError::RateLimited { .. } => Some("GitHub's rate limit held"),
                    ApiError::Timeout(_) => Some("the GitHub API did not answer"),
                    ApiError::Forbidden { .. } | ApiError::Other(_) => None,
                });
            }
        }
        Ok(None)
    }

    /// The check run on `sha`, its annotations on the SARIF results' file.
    async fn check_run(&self, api: &Api, sha: &str) -> std::io::Result<()> {
        let path = &self.run.annotations_path;
        let published = check_run::publish(api, sha, self.run, self.report, self.exit, path).await;
        match published {
            Ok(p) => say(format_args!(
                "Created the check run {} (id {}) on {}: {}, {} annotation{} in {} request{}.",
                check_run::name(self.run.category.as_deref(), self.run.shard),
                p.id,
                sha.get(..12).unwrap_or(sha),
                serde_json::to_value(check_run::conclusion(self.exit))
                    .ok()
                    .as_ref()
                    .and_then(Value::as_str)
                    .unwrap_or("completed"),
                p.annotations,
                if p.annotations == 1 { "" } else { "s" },
                p.requests,
                if p.requests == 1 { "" } else { "s" }
            )),
            Err(f) => say(warning(
                "check run",
                "checks: write",
                &f.error,
                f.partly.as_deref(),
            )),
        }
    }
}
