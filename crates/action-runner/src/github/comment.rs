//! `comment: true`: one sticky comment per workflow, job, category and shard on the pull request.
//! It starts with a hidden marker that names them (`<!-- mtls-scan:{workflow}:{job} -->`, with
//! `:{category}` when the `category` input is given and `:shard-I-of-N` for a shard), so the next
//! run finds it among the PR's comments (every page) and updates it, and a second hidden marker
//! that keeps the grade (`<!-- mtls-scan-grade:C -->`), so the next run shows the change
//! (`B → C`). The body is the job summary's Markdown, cut to fit GitHub's 65,536-character limit
//! for a comment.

use probe_core::grade::Grade;
use probe_core::report::Report;

use super::client::{Api, ApiError, Repeat};
use super::context::RunContext;
use super::summary::{fit, RunInfo};
use crate::render::markdown;

/// GitHub's limit on a comment's body, in characters.
pub const COMMENT_LIMIT: usize = 65_536;
/// Most pages of 100 comments read while looking for the marker.
const MAX_PAGES: u32 = 100;
/// The grade marker's opening.
const GRADE_MARKER: &str = "<!-- mtls-scan-grade:";

/// What happened, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// A new comment.
    Created {
        /// The comment's id.
        id: u64,
    },
    /// The sticky comment, updated.
    Updated {
        /// The comment's id.
        id: u64,
        /// The grade its last version showed.
        previous: Option<Grade>,
    },
}

/// Percent-encodes everything but letters, digits and ` _.-/()`: a name cannot close the
/// comment (`-->`), start another, or hide the separator `:`.
fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || " _.-/()".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// The hidden marker of this workflow and job, and of the category and the shard when there
/// are (the legs of a matrix are one job: their categories, or shards, tell them apart). Without
/// a category it is the marker of earlier versions, so their comments are still found.
pub fn marker(ctx: &RunContext, category: Option<&str>, shard: Option<(usize, usize)>) -> String {
    let category = category.map_or_else(String::new, |c| format!(":{}", escape(c)));
    let shard = shard.map_or_else(String::new, |(i, n)| format!(":shard-{i}-of-{n}"));
    format!(
        "<!-- mtls-scan:{}:{}{category}{shard} -->",
        escape(&ctx.workflow),
        escape(&ctx.job)
    )
}

/// The grade an earlier body recorded.
pub fn previous_grade(body: &str) -> Option<Grade> {
    let start = body.find(GRADE_MARKER)? + GRADE_MARKER.len();
    let rest = body.get(start..)?;
    Grade::parse(rest.get(..rest.find("-->")?)?)
}

/// The grade the last run's comment showed, if there was one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Previous {
    /// No comment yet: the first scan of this pull request (in this workflow and job).
    First,
    /// A comment without a readable grade marker.
    Unknown,
    /// The grade it recorded.
    Grade(Grade),
}

/// The line that compares the grade with the last run's.
fn diff_line(now: Grade, previous: Previous) -> String {
    match previous {
        Previous::First => format!("**Grade {now}** on the first scan of this pull request."),
        Previous::Unknown => format!("**Grade {now}**."),
        Previous::Grade(p) if p == now => format!("**Grade {now}**, unchanged since the last run."),
        Previous::Grade(p) => format!(
            "**Grade {p} → {now}** since the last run: {}.",
            if now > p { "better" } else { "worse" }
        ),
    }
}

/// The comment's body: the markers, the change of grade, the summary, and a link to the run;
/// at most [`COMMENT_LIMIT`] characters.
pub fn body(
    report: &Report,
    run: &RunInfo,
    ctx: &RunContext,
    marker: &str,
    previous: Previous,
) -> String {
    // No target, no grade (a shard that holds none): no grade marker either, so the next run
    // compares with nothing rather than with an `A` nothing earned.
    let head = if report.targets.is_empty() {
        format!("{marker}\n\n**No target was scanned** in this run: no grade.\n\n")
    } else {
        format!(
            "{marker}\n{GRADE_MARKER}{} -->\n\n{}\n\n",
            report.grade,
            diff_line(report.grade, previous)
        )
    };
    let mut foot = String::from("\n---\n\n<sub>");
    match &ctx.run_url {
        Some(url) => foot.push_str(&format!(
            "Updated by [this run]({url}): its job summary and artifacts have the full report."
        )),
        None => foot.push_str("The job summary has the full report."),
    }
    foot.push_str(&format!(
        " Workflow <code>{}</code>, job <code>{}</code>{}.</sub>\n",
        markdown::text(&ctx.workflow),
        markdown::text(&ctx.job),
        run.category
            .as_deref()
            .map_or_else(String::new, |c| format!(
                ", category <code>{}</code>",
                markdown::text(c)
            ))
    ));
    let summary = fit(
        report,
        run,
        COMMENT_LIMIT.saturating_sub(head.len() + foot.len()),
        "a comment is 65,536 characters",
    );
    let mut out = head + &summary + &foot;
    if out.chars().count() > COMMENT_LIMIT {
        // Cannot happen (the budget is in bytes), but GitHub would refuse the whole comment.
        out = out.chars().take(COMMENT_LIMIT).collect();
    }
    out
}

/// Finds this job's comment among the pull request's, reading pages of 100 until it shows. A
/// bot's comment (the job token's `github-actions[bot]`, an app's) wins. A person's comment that
/// starts with the marker is taken only when no bot's does and that person is the token's own
/// (a personal access token comments as its person; `GET /user` says whose it is): anyone may
/// comment on a public pull request, and a planted marker must neither take the report over
/// (the comment stays its author's to edit) nor fake the grade it changed from.
async fn find(api: &Api, number: u64, marker: &str) -> Result<Option<(u64, String)>, ApiError> {
    // People's comments that start with the marker: the first of each author (a planted
    // comment repeated a hundred times takes one place), a bounded number of authors.
    let mut people: Vec<(String, (u64, String))> = Vec::new();
    // Another app's comment that starts with the marker: taken only when the job token's own
    // account (`github-actions[bot]`) has none.
    let mut other_bot: Option<(u64, String)> = None;
    let mut page = api
        .call(Repeat::Safe, || async {
            api.crab()
                .issues(&api.owner, &api.repo)
                .list_comments(number)
                .per_page(100u8)
                .page(1u32)
                .send()
                .await
        })
        .await?;
    for n in 1..=MAX_PAGES {
        for c in &page.items {
            let Some(body) = c.body.as_deref() else {
                continue;
            };
            if !body.trim_start().starts_with(marker) {
                continue;
            }
            let hit = (c.id.into_inner(), body.to_owned());
            if c.user.r#type == "Bot" {
                if c.user.login == JOB_TOKEN_LOGIN {
                    return Ok(Some(hit));
                }
                other_bot.get_or_insert(hit);
                continue;
            }
            if people.len() < MAX_AUTHORS && !people.iter().any(|(a, _)| *a == c.user.login) {
                people.push((c.user.login.clone(), hit));
            }
        }
        let next = page.next.take();
        if next.is_none() || n == MAX_PAGES {
            break;
        }
        match api
            .call(Repeat::Safe, || api.crab().get_page(&next))
            .await?
        {
            Some(p) => page = p,
            None => break,
        }
    }
    if other_bot.is_some() {
        return Ok(other_bot);
    }
    if people.is_empty() {
        return Ok(None);
    }
    // Asked once, and only when no bot's comment is there: the job's own token (an
    // installation's) cannot read `/user`, and then no person's comment is ours.
    let me = api
        .call(Repeat::Safe, || async { api.crab().current().user().await })
        .await
        .map(|me| me.login)
        .ok();
    let ours = people
        .into_iter()
        .find(|(author, _)| me.as_deref() == Some(author.as_str()))
        .map(|(_, hit)| hit);
    if ours.is_none() {
        tracing::info!(
            "a comment by another account starts with this job's marker: not taken as ours (a new comment is made)"
        );
    }
    Ok(ours)
}

/// The account the job's own token (`GITHUB_TOKEN`) comments as.
const JOB_TOKEN_LOGIN: &str = "github-actions[bot]";

/// The authors whose comments with the marker are kept while looking for the token's own.
const MAX_AUTHORS: usize = 1000;

/// Creates or updates the sticky comment on pull request `number`.
pub async fn publish(
    api: &Api,
    ctx: &RunContext,
    run: &RunInfo,
    report: &Report,
    number: u64,
) -> Result<Posted, ApiError> {
    let marker = marker(ctx, run.category.as_deref(), run.shard);
    let existing = find(api, number, &marker).await?;
    let previous = match &existing {
        None => Previous::First,
        Some((_, b)) => previous_grade(b).map_or(Previous::Unknown, Previous::Grade),
    };
    let text = body(report, run, ctx, &marker, previous);
    if let Some((id, _)) = existing {
        // octocrab sends this as a POST; GitHub documents PATCH and accepts both.
        let edited = api
            .call(Repeat::Safe, || async {
                api.crab()
                    .issues(&api.owner, &api.repo)
                    .update_comment(id.into(), &text)
                    .await
            })
            .await;
        match edited {
            Ok(_) => {
                let previous = match previous {
                    Previous::Grade(g) => Some(g),
                    Previous::First | Previous::Unknown => None,
                };
                return Ok(Posted::Updated { id, previous });
            }
            // Not ours to edit (another app's comment carrying the marker): a comment of our
            // own, its grade change not read from that one. A token that may not comment at
            // all is refused again below, and said so.
            Err(ApiError::Forbidden { .. }) => {
                tracing::info!(
                    "the comment carrying this job's marker could not be edited (another \
                     account's): a new comment is made"
                );
            }
            Err(e) => return Err(e),
        }
    }
    let text = match existing {
        Some(_) => body(report, run, ctx, &marker, Previous::First),
        None => text,
    };
    let c = api
        .call(Repeat::RateLimitOnly, || async {
            api.crab()
                .issues(&api.owner, &api.repo)
                .create_comment(number, &text)
                .await
        })
        .await?;
    Ok(Posted::Created {
        id: c.id.into_inner(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use probe_core::finding::{Finding, FindingId};

    fn ctx(workflow: &str, job: &str) -> RunContext {
        RunContext {
            api_url: "https://api.github.com".into(),
            owner: "octo".into(),
            repo: "api".into(),
            event_name: "pull_request".into(),
            pr_number: Some(7),
            head_sha: Some("abc".into()),
            workflow: workflow.into(),
            job: job.into(),
            run_url: Some("https://github.com/octo/api/actions/runs/1".into()),
        }
    }

    fn inputs() -> RunInfo {
        RunInfo {
            fail_under: Grade::C,
            no_fail_under: false,
            fail_on_new: false,
            incomplete_passes: false,
            report_file: "mtls-scan-report.json".into(),
            sarif_file: "mtls-scan.sarif".into(),
            shard: None,
            category: None,
            annotations_path: ".github/workflows/mtls.yml".into(),
            annotation_lines: Default::default(),
        }
    }

    #[test]
    fn markers_cannot_be_broken_by_names() {
        assert_eq!(
            marker(&ctx("mTLS review", "scan"), None, None),
            "<!-- mtls-scan:mTLS review:scan -->"
        );
        let hostile = marker(&ctx("a --> <b>:c", "j\n-->"), None, Some((2, 4)));
        assert_eq!(
            hostile,
            "<!-- mtls-scan:a --%3E %3Cb%3E%3Ac:j%0A--%3E:shard-2-of-4 -->"
        );
        assert_eq!(hostile.matches("-->").count(), 1);
        assert_eq!(escape("é"), "%C3%A9");
    }

    /// The legs of a matrix (one workflow, one job) keep a comment each through their
    /// categories; without a category the marker is the one earlier versions wrote.
    #[test]
    fn categories_keep_a_comment_each() {
        let c = ctx("mtls", "scan");
        let prod = marker(&c, Some("prod"), None);
        let staging = marker(&c, Some("staging"), None);
        assert_eq!(prod, "<!-- mtls-scan:mtls:scan:prod -->");
        assert_eq!(
            marker(&c, Some("api/prod"), Some((1, 2))),
            "<!-- mtls-scan:mtls:scan:api/prod:shard-1-of-2 -->"
        );
        assert_eq!(marker(&c, None, None), "<!-- mtls-scan:mtls:scan -->");
        for (a, b) in [(&prod, &staging), (&prod, &marker(&c, None, None))] {
            assert!(!a.starts_with(b.as_str()) && !b.starts_with(a.as_str()));
        }
        let mut run = inputs();
        run.category = Some("prod".into());
        let report = Report::new(Vec::new(), 1.0);
        let text = body(&report, &run, &c, &prod, Previous::First);
        assert!(text.starts_with(&format!("{prod}\n")), "{text}");
        assert!(
            text.contains("job <code>scan</code>, category <code>prod</code>."),
            "{text}"
        );
    }

    #[test]
    fn grade_round_trips_and_diffs() {
        let report = Report::new(
            vec![crate::testing::target(
                "https://h.example/",
                vec![Finding::new(FindingId::ClientCertOptional, "critical")],
            )],
            1.0,
        );
        let c = ctx("w", "j");
        let m = marker(&c, None, None);
        let first = body(&report, &inputs(), &c, &m, Previous::First);
        assert!(first.starts_with(&format!("{m}\n<!-- mtls-scan-grade:F -->\n")));
        assert!(first.contains("**Grade F** on the first scan of this pull request."));
        assert_eq!(previous_grade(&first), Some(Grade::F));
        let again = body(&report, &inputs(), &c, &m, Previous::Grade(Grade::B));
        assert!(again.contains("**Grade B → F** since the last run: worse."));
        assert_eq!(
            diff_line(Grade::A, Previous::Grade(Grade::C)),
            "**Grade C → A** since the last run: better."
        );
        assert_eq!(
            diff_line(Grade::C, Previous::Grade(Grade::C)),
            "**Grade C**, unchanged since the last run."
        );
        assert_eq!(diff_line(Grade::C, Previous::Unknown), "**Grade C**.");
        assert_eq!(previous_grade("<!-- mtls-scan-grade:x -->"), None);
        assert_eq!(previous_grade("no marker"), None);
        // A shard holding no target: no grade, no grade marker (an audit's empty shard said
        // "Grade A", and the next run "Grade A → F").
        let empty = body(
            &Report::new(Vec::new(), 1.0),
            &inputs(),
            &c,
            &m,
            Previous::First,
        );
        assert!(empty.contains("**No target was scanned**"), "{empty}");
        assert!(!empty.contains("Grade"), "{empty}");
        assert_eq!(previous_grade(&empty), None);
    }

    #[test]
    fn long_reports_fit_in_a_comment_with_a_note() {
        let targets = (0..3000)
            .map(|n| {
                crate::testing::target(
                    &format!("https://h{n}.example/"),
                    vec![Finding::new(FindingId::ClientCertOptional, "x".repeat(200))],
                )
            })
            .collect();
        let report = Report::new(targets, 1.0);
        let c = ctx("w", "j");
        let text = body(
            &report,
            &inputs(),
            &c,
            &marker(&c, None, None),
            Previous::Grade(Grade::F),
        );
        assert!(text.chars().count() <= COMMENT_LIMIT, "{}", text.len());
        assert!(text.len() > COMMENT_LIMIT / 2, "{}", text.len());
        assert!(
            text.contains("(GitHub's limit for a comment is 65,536 characters)"),
            "the truncation note names the comment's limit"
        );
        assert!(!text.contains("1 MiB"));
        assert!(text.ends_with(".</sub>\n"), "the link to the run is kept");
    }
}
