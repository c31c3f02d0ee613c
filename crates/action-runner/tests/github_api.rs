//! The Action's GitHub API side (`comment: true`, `check-run: true`), end to end: the built binary
//! runs as the runner runs it (`mtls-scan action`, inputs in `INPUT_*` with hyphens kept, a clean
//! environment, a workspace, an event file, temporary `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`)
//! against lab servers started in this process, with `GITHUB_API_URL` pointing at a recorder on
//! 127.0.0.1 that answers like the GitHub REST API under a GHES-style base (`/api/v3`) and keeps
//! every request (method, path, query, headers, JSON body).
//!
//! Every request is checked against the REST API as documented (paths, methods, JSON fields, the
//! Checks API's 50 annotations per request, GitHub's size limits), the token must never show in
//! the log, and the exit code must be the one the scan alone decides.

// `serde_json::Value` indexing never panics (a missing key is `Null`).
#![allow(clippy::indexing_slicing)]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use support::github_api::{check_run_and_requests, Recorder, Req, REPO};
use support::step::{Step, HEAD_SHA, MERGE_SHA, PR, WORKFLOW};
use support::{lab, runtime, urls, TestResult};

use mtls_lab::LabCase;

fn marker_comment(comments: &[Value]) -> Vec<&Value> {
    comments
        .iter()
        .filter(|c| {
            c["body"]
                .as_str()
                .is_some_and(|b| b.starts_with("<!-- mtls-scan:mTLS review:scan -->\n"))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/// The first run lists the PR's comments (none of them ours; a quote of the marker does not
/// count) and creates the sticky comment; the second run finds it and updates it with a POST to
/// `/repos/{owner}/{repo}/issues/comments/{id}` (what octocrab's `update_comment` sends), showing
/// the change of grade read from the hidden grade marker; another job gets a comment of its own.
#[test]
fn first_run_creates_the_comment_and_the_next_updates_it_with_the_grade_change() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let good = lab(&rt, &[LabCase::RequiredVerified])?;
    let bad = lab(&rt, &[LabCase::NoClientAuth])?;
    api.seed_comment("octocat", "User", "Looks good to me.");
    api.seed_comment(
        "octocat",
        "User",
        "> <!-- mtls-scan:mTLS review:scan -->\n> quoting the bot",
    );

    let ran = Step::with_api(&api.base)?
        .input("api-url", &urls(&good))
        .input("ca-file", &good.pki.ca_cert_pem)
        .input("comment", "true")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    let first_grade = ran.output("grade").ok_or("no grade output")?;
    let calls: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    let list = format!("{REPO}/issues/{PR}/comments");
    assert_eq!(calls, [("GET", list.as_str()), ("POST", list.as_str())]);
    assert_eq!(
        requests[0].query.get("per_page").map(String::as_str),
        Some("100")
    );
    let body = requests[1].body["body"].as_str().ok_or("no body")?;
    assert!(
        body.starts_with(&format!(
            "<!-- mtls-scan:mTLS review:scan -->\n<!-- mtls-scan-grade:{first_grade} -->\n"
        )),
        "{body}"
    );
    assert!(body.contains(&format!("## ✅ mtls-scan: grade {first_grade}")));
    assert!(body.contains("on the first scan of this pull request"));
    assert!(body.contains("(https://github.com/octo/api/actions/runs/4242)"));
    assert_eq!(
        requests[1].body.as_object().map(|o| o.len()),
        Some(1),
        "only `body`"
    );
    assert!(
        ran.stdout
            .lines()
            .any(|l| l.starts_with(&format!("Posted the PR comment on #{PR} (comment "))),
        "{}",
        ran.explain()
    );
    assert!(ran.warnings()?.is_empty(), "{}", ran.explain());
    let ours = api.comments();
    let ours = marker_comment(&ours);
    assert_eq!(ours.len(), 1);
    let id = ours[0]["id"].as_u64().ok_or("no id")?;

    // Second run, worse grade: the same comment, updated.
    let ran = Step::with_api(&api.base)?
        .input("api-url", &urls(&bad))
        .input("ca-file", &bad.pki.ca_cert_pem)
        .input("comment", "true")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(ran.code, Some(1), "the grade decides: {}", ran.explain());
    let second_grade = ran.output("grade").ok_or("no grade output")?;
    assert_ne!(first_grade, second_grade);
    let update = format!("{REPO}/issues/comments/{id}");
    let calls: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        calls,
        [("GET", list.as_str()), ("POST", update.as_str())],
        "octocrab's update_comment is a POST to the comment"
    );
    let body = requests[1].body["body"].as_str().ok_or("no body")?;
    assert!(body.contains(&format!("<!-- mtls-scan-grade:{second_grade} -->")));
    assert!(
        body.contains(&format!(
            "**Grade {first_grade} → {second_grade}** since the last run: worse."
        )),
        "{body}"
    );
    assert!(ran.stdout.contains(&format!(
        "Updated the PR comment on #{PR} (comment {id}): grade {first_grade} → {second_grade}."
    )));
    let comments = api.comments();
    assert_eq!(comments.len(), 3, "no new comment");
    assert_eq!(marker_comment(&comments).len(), 1);

    // Another job of the workflow keeps a comment of its own.
    let ran = Step::with_api(&api.base)?
        .input("api-url", &urls(&bad))
        .input("ca-file", &bad.pki.ca_cert_pem)
        .input("comment", "true")
        .set("GITHUB_JOB", "scan-staging")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(
        requests
            .iter()
            .map(|r| r.method.as_str())
            .collect::<Vec<_>>(),
        ["GET", "POST"]
    );
    assert_eq!(requests[1].path, list);
    assert!(requests[1].body["body"]
        .as_str()
        .is_some_and(|b| b.starts_with("<!-- mtls-scan:mTLS review:scan-staging -->\n")));
    assert_eq!(api.comments().len(), 4);
    Ok(())
}

/// The legs of a matrix (or two scan steps of one job) with distinct `category` inputs keep a
/// comment each and publish check runs of distinct names: the failing leg's comment is never
/// overwritten by the passing one's, and the next run of a leg updates its own comment. A shard
/// without a category gets a check run name of its own too.
#[test]
fn matrix_legs_with_categories_keep_a_comment_and_a_check_run_each() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let good = lab(&rt, &[LabCase::RequiredVerified])?;
    let bad = lab(&rt, &[LabCase::NoClientAuth])?;
    let leg = |category: &str, lab: &mtls_lab::Lab| -> TestResult<_> {
        let ran = Step::with_api(&api.base)?
            .input("api-url", &urls(lab))
            .input("ca-file", &lab.pki.ca_cert_pem)
            .input("comment", "true")
            .input("check-run", "true")
            .input("category", category)
            .run()?;
        let requests = api.take();
        check_run_and_requests(&ran, &requests)?;
        Ok((ran, requests))
    };
    let (prod, prod_requests) = leg("prod", &bad)?;
    assert_eq!(prod.code, Some(1), "{}", prod.explain());
    let (staging, staging_requests) = leg("staging", &good)?;
    assert_eq!(staging.code, Some(0), "{}", staging.explain());

    let comments = api.comments();
    assert_eq!(comments.len(), 2, "a comment per leg: {comments:#?}");
    let body_of = |marker: &str| {
        comments
            .iter()
            .filter_map(|c| c["body"].as_str())
            .find(|b| b.starts_with(&format!("{marker}\n")))
            .map(str::to_owned)
    };
    let prod_body = body_of("<!-- mtls-scan:mTLS review:scan:prod -->").ok_or("no prod comment")?;
    let staging_body =
        body_of("<!-- mtls-scan:mTLS review:scan:staging -->").ok_or("no staging comment")?;
    assert!(
        prod_body.contains("## ❌ mtls-scan: grade F"),
        "{prod_body}"
    );
    assert!(prod_body.contains("on the first scan"), "{prod_body}");
    assert!(staging_body.contains("on the first scan"), "{staging_body}");
    assert!(!staging_body.contains(" → "), "{staging_body}");

    let name = |requests: &[Req]| {
        requests
            .iter()
            .find(|r| r.is("POST", &format!("{REPO}/check-runs")))
            .map(|r| r.body["name"].clone())
    };
    assert_eq!(name(&prod_requests), Some(Value::from("mtls-scan (prod)")));
    assert_eq!(
        name(&staging_requests),
        Some(Value::from("mtls-scan (staging)"))
    );
    assert!(prod
        .stdout
        .contains("Created the check run mtls-scan (prod) (id "));

    // The next run of the prod leg updates the prod comment, and only it.
    let prod_id = comments
        .iter()
        .find(|c| {
            c["body"]
                .as_str()
                .is_some_and(|b| b.starts_with("<!-- mtls-scan:mTLS review:scan:prod -->"))
        })
        .and_then(|c| c["id"].as_u64())
        .ok_or("no prod id")?;
    let (again, requests) = leg("prod", &bad)?;
    assert_eq!(again.code, Some(1), "{}", again.explain());
    assert!(
        requests
            .iter()
            .any(|r| r.is("POST", &format!("{REPO}/issues/comments/{prod_id}"))),
        "{requests:#?}"
    );
    assert!(again.stdout.contains("grade F."), "{}", again.explain());
    assert_eq!(api.comments().len(), 2);

    // A shard without a category.
    let ran = Step::with_api(&api.base)?
        .input("api-url", &urls(&good))
        .input("ca-file", &good.pki.ca_cert_pem)
        .input("check-run", "true")
        .input("shard", "1/1")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(name(&requests), Some(Value::from("mtls-scan (shard 1/1)")));
    Ok(())
}

/// A person's comment that starts with the marker, and no bot's: taken only when that person is
/// the token's own (`GET /user`, a personal access token). With the job's token (`/user`
/// refused) a planted comment is neither updated nor read for the grade it changed from: a new
/// comment is made, "on the first scan".
#[test]
fn a_planted_marker_comment_is_not_taken_over() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let lab = lab(&rt, &[LabCase::NoClientAuth])?;
    let planted = api.seed_comment(
        "mallory",
        "User",
        "<!-- mtls-scan:mTLS review:scan -->\n<!-- mtls-scan-grade:A -->\nall good",
    );
    let run = || {
        Step::with_api(&api.base)?
            .input("api-url", &urls(&lab))
            .input("ca-file", &lab.pki.ca_cert_pem)
            .input("comment", "true")
            .run()
    };
    let ran = run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    let list = format!("{REPO}/issues/{PR}/comments");
    let calls: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            ("GET", list.as_str()),
            ("GET", "/user"),
            ("POST", list.as_str())
        ]
    );
    let body = requests[2].body["body"].as_str().ok_or("no body")?;
    assert!(
        body.contains("on the first scan of this pull request"),
        "{body}"
    );
    assert!(
        !body.contains("→"),
        "no grade change read from the planted comment: {body}"
    );
    let comments = api.comments();
    assert_eq!(comments.len(), 2);
    assert_eq!(
        comments[0]["body"]
            .as_str()
            .map(|b| b.ends_with("all good")),
        Some(true),
        "the planted comment is left as it was"
    );

    // A personal access token whose person wrote it: it is ours, updated in place.
    api.with(|g| {
        g.comments.retain(|c| c["id"] == planted);
        g.token_login = Some("mallory".into());
    });
    let ran = run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    let update = format!("{REPO}/issues/comments/{planted}");
    assert_eq!(
        requests.last().map(|r| (r.method.as_str(), r.path.clone())),
        Some(("POST", update))
    );
    assert_eq!(api.comments().len(), 1);

    // A personal access token's own comment after 150 planted ones (a person's, marker copied,
    // over two pages): its own is found and updated, the planted ones left alone, no new one.
    api.with(|g| {
        g.comments.clear();
        g.token_login = Some("release-bot-person".into());
    });
    let mut planted = 0;
    for _ in 0..150 {
        planted = api.seed_comment(
            "mallory",
            "User",
            "<!-- mtls-scan:mTLS review:scan -->\n<!-- mtls-scan-grade:A -->\nall good",
        );
    }
    let own = api.seed_comment(
        "release-bot-person",
        "User",
        "<!-- mtls-scan:mTLS review:scan -->\n<!-- mtls-scan-grade:B -->\nold summary",
    );
    let ran = run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    let update = format!("{REPO}/issues/comments/{own}");
    assert_eq!(
        requests.last().map(|r| (r.method.as_str(), r.path.clone())),
        Some(("POST", update))
    );
    let comments = api.comments();
    assert_eq!(comments.len(), 151, "no new comment");
    assert!(
        comments
            .iter()
            .any(|c| c["id"] == planted
                && c["body"].as_str().is_some_and(|b| b.ends_with("all good")))
    );
    Ok(())
}

/// 122 comments before ours: the first page (per_page=100) does not have it (a person's comment
/// that starts with the marker does not count while a bot's may follow), the Link header's `next`
/// is followed, and the bot's comment found on page 2 is updated, its old grade diffed.
/// Another app's comment that starts with the marker (an app that quotes what it is given): the
/// job token's own comment wins when there is one; else it is tried, and where it may not be
/// edited a comment of our own is made, its grade change not read from the other one (before: no
/// comment at all, and a warning blaming the token's permissions).
#[test]
fn another_apps_marker_comment_is_not_taken_over() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let lab = lab(&rt, &[LabCase::NoClientAuth])?;
    let marker = "<!-- mtls-scan:mTLS review:scan -->\n<!-- mtls-scan-grade:A -->\nquoted";
    let other = api.seed_comment("some-other-app[bot]", "Bot", marker);
    let run = || {
        Step::with_api(&api.base)?
            .input("api-url", &urls(&lab))
            .input("ca-file", &lab.pki.ca_cert_pem)
            .input("comment", "true")
            .run()
    };
    let ran = run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    let list = format!("{REPO}/issues/{PR}/comments");
    let created = requests
        .iter()
        .rfind(|r| r.method == "POST" && r.path == list)
        .ok_or("no comment created")?;
    let body = created.body["body"].as_str().ok_or("no body")?;
    assert!(
        body.contains("on the first scan of this pull request"),
        "{body}"
    );
    assert!(!body.contains("→"), "{body}");
    let comments = api.comments();
    assert_eq!(comments.len(), 2);
    assert!(comments
        .iter()
        .any(|c| c["id"] == other && c["body"].as_str().is_some_and(|b| b.ends_with("quoted"))));
    // Run again: our own comment is found (before the other app's) and edited in place.
    let ran = run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert!(requests.iter().all(|r| r.path != list || r.method == "GET"));
    assert_eq!(api.comments().len(), 2);
    Ok(())
}

#[test]
fn the_sticky_comment_is_found_on_the_second_page() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let lab = lab(&rt, &[LabCase::NoClientAuth])?;
    for n in 0..60 {
        api.seed_comment("octocat", "User", &format!("review comment {n}"));
    }
    // A person's comment that starts with the marker (pasted, or planted): a bot's wins.
    api.seed_comment(
        "mallory",
        "User",
        "<!-- mtls-scan:mTLS review:scan -->\n<!-- mtls-scan-grade:A -->\nall good",
    );
    for n in 60..119 {
        api.seed_comment("octocat", "User", &format!("review comment {n}"));
    }
    // Another tool's sticky comment, and ours from another workflow: not ours.
    api.seed_comment(
        "github-actions[bot]",
        "Bot",
        "<!-- other-tool:mTLS review:scan -->\nx",
    );
    api.seed_comment(
        "github-actions[bot]",
        "Bot",
        "<!-- mtls-scan:nightly:scan -->\n<!-- mtls-scan-grade:A -->\nother workflow",
    );
    let ours = api.seed_comment(
        "github-actions[bot]",
        "Bot",
        "<!-- mtls-scan:mTLS review:scan -->\n<!-- mtls-scan-grade:B -->\n\nold summary",
    );
    for n in 0..27 {
        api.seed_comment("octocat", "User", &format!("later comment {n}"));
    }

    let ran = Step::with_api(&api.base)?
        .input("api-url", &urls(&lab))
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("comment", "true")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(ran.code, Some(1), "{}", ran.explain());
    let list = format!("{REPO}/issues/{PR}/comments");
    let summary: Vec<(&str, &str, Option<&str>, Option<&str>)> = requests
        .iter()
        .map(|r| {
            (
                r.method.as_str(),
                r.path.as_str(),
                r.query.get("page").map(String::as_str),
                r.query.get("per_page").map(String::as_str),
            )
        })
        .collect();
    let update = format!("{REPO}/issues/comments/{ours}");
    assert_eq!(
        summary,
        [
            ("GET", list.as_str(), Some("1"), Some("100")),
            ("GET", list.as_str(), Some("2"), Some("100")),
            ("POST", update.as_str(), None, None),
        ],
        "{}",
        ran.explain()
    );
    let body = requests[2].body["body"].as_str().ok_or("no body")?;
    assert!(
        body.contains("**Grade B → F** since the last run: worse."),
        "{body}"
    );
    assert!(!body.contains("old summary"));
    assert_eq!(api.comments().len(), 150, "updated, not added");
    Ok(())
}

/// A read-only token (a fork's pull request): GitHub answers 403 "Resource not accessible by
/// integration" to the comment and to the check run. One warning each, naming the permission,
/// no retry, and the step still exits 0 as the scan decided.
#[test]
fn forbidden_writes_warn_once_per_permission_and_keep_the_exit_code() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let lab = lab(&rt, &[LabCase::RequiredVerified])?;
    api.with(|g| g.forbid_writes = true);
    let ran = Step::with_api(&api.base)?
        .input("api-url", &urls(&lab))
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("comment", "true")
        .input("check-run", "true")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    let methods: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    let list = format!("{REPO}/issues/{PR}/comments");
    let runs = format!("{REPO}/check-runs");
    assert_eq!(
        methods,
        [
            ("GET", list.as_str()),
            ("POST", list.as_str()),
            ("POST", runs.as_str())
        ],
        "a 403 is not retried"
    );
    let warnings = ran.warnings()?;
    assert_eq!(warnings.len(), 2, "{}", ran.explain());
    for (w, permission, what) in [
        (&warnings[0], "pull-requests: write", "No PR comment"),
        (&warnings[1], "checks: write", "No check run"),
    ] {
        assert_eq!(w.title(), Some("mtls-scan: GitHub API"));
        assert!(w.message.starts_with(what), "{}", w.message);
        assert!(
            w.message.contains(&format!("`{permission}`"))
                && w.message.contains("Resource not accessible by integration")
                && w.message.contains("forks"),
            "{}",
            w.message
        );
    }
    Ok(())
}

/// A `push` event has no pull request: no comment and no request for one, a log line that says
/// why, no warning; the check run goes on `GITHUB_SHA`. Logged at `RUST_LOG=trace`, the token
/// still shows nowhere (octocrab's spans name the method and URL, never a header).
#[test]
fn push_events_skip_the_comment_and_put_the_check_run_on_github_sha() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let lab = lab(&rt, &[LabCase::RequiredVerified])?;
    let ran = Step::with_api(&api.base)?
        .push_event()?
        .set("RUST_LOG", "trace")
        .input("api-url", &urls(&lab))
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("comment", "true")
        .input("check-run", "true")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    assert!(ran.warnings()?.is_empty(), "{}", ran.explain());
    assert!(
        ran.stdout
            .lines()
            .any(|l| l
                == "comment: this run is for a `push` event, not a pull request: no PR comment."),
        "{}",
        ran.explain()
    );
    assert_eq!(requests.len(), 1, "only the check run: {requests:#?}");
    let create = &requests[0];
    assert!(create.is("POST", &format!("{REPO}/check-runs")));
    assert_eq!(create.body["head_sha"], MERGE_SHA);
    assert_eq!(create.body["name"], "mtls-scan");
    assert_eq!(create.body["status"], "completed");
    assert_eq!(create.body["conclusion"], "success");
    assert!(
        create.body["output"]["annotations"].is_null(),
        "no finding, no annotation"
    );
    assert!(create.body["output"]["title"]
        .as_str()
        .is_some_and(|t| t.starts_with("Grade ")));
    Ok(())
}

/// With a config, each annotation of the check run goes on its target's `url:` line (as the
/// SARIF results do), not on line 1.
#[test]
fn check_run_annotations_sit_on_each_targets_config_line() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let lab = lab(&rt, &[LabCase::NoClientAuth, LabCase::NoClientAuth])?;
    let (a, b) = (&lab.servers[0].url, &lab.servers[1].url);
    let config =
        format!("# mtls-scan targets\ntargets:\n  - url: {a}\n    tags: [one]\n\n  - url: {b}\n");
    let ran = Step::with_api(&api.base)?
        .file("mtls-scan.yml", &config)?
        .input("config", "mtls-scan.yml")
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("check-run", "true")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    let id = api
        .with(|g| g.check_runs.keys().next().copied())
        .ok_or("no run")?;
    let stored = api.with(|g| g.check_runs[&id].clone());
    let all = stored["annotations"].as_array().ok_or("no annotations")?;
    assert!(!all.is_empty(), "{}", ran.explain());
    for ann in all {
        assert_eq!(ann["path"], "mtls-scan.yml", "{ann}");
        let title = ann["title"].as_str().unwrap_or_default();
        let port_a = a
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        let want = if title.contains(&format!(":{port_a})")) {
            3
        } else {
            6
        };
        assert_eq!(ann["start_line"], want, "{ann}");
        assert_eq!(ann["end_line"], want, "{ann}");
    }
    Ok(())
}

/// 60 lab servers with two root-cause findings each: 120 annotations, sent as the Checks API
/// requires: the create with 50 (in progress), an update with 50, and a last update with 20 that
/// completes the run with the conclusion. On the PR's head commit, on line 1 of the workflow file.
#[test]
fn a_check_run_with_120_annotations_is_sent_in_three_batches() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let mut cases = vec![LabCase::LeakyActuator; 30];
    cases.extend([LabCase::IgnoreValidity; 30]);
    let lab = lab(&rt, &cases)?;
    let ran = Step::with_api(&api.base)?
        .input("api-url", &urls(&lab))
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("client-cert", &lab.pki.client_cert_pem)
        .input("client-key", &lab.pki.client_key_pem)
        .input("issuing-ca-cert", &lab.pki.ca_cert_pem)
        .input("issuing-ca-key", &lab.pki.ca_key_pem)
        .input("check-run", "true")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(ran.code, Some(1), "{}", ran.explain());

    // The scan itself says 120: every root-cause finding of the report.
    let report = ran.report()?;
    let roots = report["targets"]
        .as_array()
        .ok_or("no targets")?
        .iter()
        .flat_map(|t| t["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["implied_by"].is_null())
        .count();
    assert_eq!(roots, 120, "{}", ran.explain());

    let runs = format!("{REPO}/check-runs");
    assert_eq!(requests.len(), 3, "{requests:#?}");
    assert!(requests[0].is("POST", &runs));
    let id = api
        .with(|g| g.check_runs.keys().next().copied())
        .ok_or("no run")?;
    let update = format!("{runs}/{id}");
    assert!(requests[1].is("PATCH", &update) && requests[2].is("PATCH", &update));
    let batch = |r: &Req| {
        r.body["output"]["annotations"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(requests.iter().map(batch).collect::<Vec<_>>(), [50, 50, 20]);
    let create = &requests[0].body;
    assert_eq!(create["name"], "mtls-scan");
    assert_eq!(
        create["head_sha"], HEAD_SHA,
        "the PR's head, not the merge commit"
    );
    assert_eq!(create["status"], "in_progress");
    assert!(create["conclusion"].is_null());
    assert!(requests[1].body["status"].is_null() && requests[1].body["conclusion"].is_null());
    assert_eq!(requests[2].body["status"], "completed");
    assert_eq!(requests[2].body["conclusion"], "failure");
    for r in &requests {
        let title = r.body["output"]["title"].as_str().ok_or("no title")?;
        assert!(title.contains("is below the threshold C"), "{title}");
        assert!(r.body["output"]["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("## ❌ mtls-scan: grade F")));
    }

    let stored = api.with(|g| g.check_runs[&id].clone());
    let all = stored["annotations"].as_array().ok_or("no annotations")?;
    assert_eq!(all.len(), 120);
    let mut levels = BTreeMap::new();
    let mut messages = std::collections::BTreeSet::new();
    for a in all {
        assert_eq!(a["path"], WORKFLOW);
        assert_eq!(
            (a["start_line"].as_u64(), a["end_line"].as_u64()),
            (Some(1), Some(1))
        );
        *levels
            .entry(a["annotation_level"].as_str().unwrap_or(""))
            .or_insert(0) += 1;
        messages.insert(a["message"].as_str().unwrap_or("").to_owned());
        assert!(a["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("mtls-scan: ")));
    }
    assert_eq!(messages.len(), 120, "each finding once");
    // Leaky actuator: client-cert-optional (critical) and tls-config-exposed (high); ignore
    // validity: expired (high) and not yet valid (medium).
    assert_eq!(levels, BTreeMap::from([("failure", 90), ("warning", 30)]));
    assert_eq!(stored["status"], "completed");
    assert!(
        ran.stdout.contains(&format!(
            "Created the check run mtls-scan (id {id}) on {}: failure, 120 annotations in 3 requests.",
            &HEAD_SHA[..12]
        )),
        "{}",
        ran.explain()
    );
    assert!(ran
        .warnings()?
        .iter()
        .all(|w| w.title() != Some("mtls-scan: GitHub API")));
    Ok(())
}

/// Secondary rate limits: two 403 "secondary rate limit" answers with `retry-after`, then the
/// comment goes through (three tries, no warning). When the limit holds (429 here), three tries,
/// one warning, the check run is not attempted, and the exit code is the scan's.
#[test]
fn secondary_rate_limits_are_retried_then_warned_about() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let lab = lab(&rt, &[LabCase::RequiredVerified])?;
    api.with(|g| g.rate_limited = 2);
    let ran = Step::with_api(&api.base)?
        .input("api-url", &urls(&lab))
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("comment", "true")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    assert_eq!(
        requests
            .iter()
            .map(|r| r.method.as_str())
            .collect::<Vec<_>>(),
        ["GET", "GET", "GET", "POST"],
        "two rate-limited tries, then the list and the create"
    );
    assert!(ran.warnings()?.is_empty(), "{}", ran.explain());
    assert!(ran.stdout.contains(
        "GitHub API: rate-limited (HTTP 403: You have exceeded a secondary rate limit. Please wait \
         a few minutes before you try again. If you reach out to GitHub Support for help, please \
         include the request ID 0000:1111:2222.); try 2 of 3 in 0.1 s."
    ), "{}", ran.explain());
    assert_eq!(marker_comment(&api.comments()).len(), 1);

    api.with(|g| {
        g.rate_limited = 1_000;
        g.rate_limit_status = 429;
    });
    let ran = Step::with_api(&api.base)?
        .input("api-url", &urls(&lab))
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("comment", "true")
        .input("check-run", "true")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    assert_eq!(requests.len(), 3, "bounded: {requests:#?}");
    let warnings = ran.warnings()?;
    assert_eq!(warnings.len(), 2, "{}", ran.explain());
    assert!(
        warnings[0].message.starts_with("No PR comment: GitHub's rate limit held (rate-limited on each of 3 tries (HTTP 429: You have exceeded a secondary rate limit."),
        "{}",
        warnings[0].message
    );
    assert_eq!(
        warnings[1].message,
        "No check run: not tried, GitHub's rate limit held for the PR comment just before. The \
         next run posts it."
    );
    Ok(())
}

/// An API that never answers: each try ends at the deadline, three tries (with the waits in the
/// log), a warning for the comment and one for the check run not tried, and the step ends in time
/// with the scan's exit code.
#[test]
fn every_api_call_has_a_deadline() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let lab = lab(&rt, &[LabCase::RequiredVerified])?;
    api.with(|g| g.hang = Some(Duration::from_secs(30)));
    let started = std::time::Instant::now();
    let ran = Step::with_api(&api.base)?
        .input("api-url", &urls(&lab))
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("comment", "true")
        .input("check-run", "true")
        .set("MTLS_SCAN_GITHUB_TIMEOUT", "0.5")
        .run()?;
    let took = started.elapsed();
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    assert_eq!(
        requests.len(),
        3,
        "a read is retried, the check run not tried: {requests:#?}"
    );
    assert!(ran.warnings()?.iter().any(|w| w.message
        == "No check run: not tried, the GitHub API did not answer for the PR comment just \
            before. The next run posts it."));
    assert!(ran
        .stdout
        .contains("GitHub API: no answer within 0.5 s; try 2 of 3 in 0.1 s."));
    assert!(took < Duration::from_secs(15), "{took:?}");
    let warnings = ran.warnings()?;
    assert_eq!(warnings.len(), 2, "{}", ran.explain());
    assert_eq!(
        warnings[0].message,
        "No PR comment: the GitHub API failed (no answer within 0.5 s)."
    );
    Ok(())
}
