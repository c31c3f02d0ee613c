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

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::error::Error;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use mtls_lab::{Lab, LabCase};
use serde_json::{json, Value};

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

const BIN: &str = env!("CARGO_BIN_EXE_mtls-scan");
const WORKFLOW: &str = ".github/workflows/mtls.yml";
const TOKEN: &str = "ghs_0123456789abcdefTESTTOKENabcdef0123";
/// The pull request's head: where a check run must go.
const HEAD_SHA: &str = "1111111111111111111111111111111111111111";
/// `GITHUB_SHA` on a `pull_request` event: the merge commit, which the PR's checks never show.
const MERGE_SHA: &str = "2222222222222222222222222222222222222222";
const PR: u64 = 7;
const REPO: &str = "/repos/octo/api";

fn runtime() -> TestResult<tokio::runtime::Runtime> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

fn lab(rt: &tokio::runtime::Runtime, cases: &[LabCase]) -> TestResult<Lab> {
    Ok(rt.block_on(mtls_lab::start(cases))?)
}

fn urls(lab: &Lab) -> String {
    lab.servers
        .iter()
        .map(|s| s.url.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// The recorder: a small GitHub REST API
// ---------------------------------------------------------------------------------------------

/// One request as it arrived.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    /// Without the `/api/v3` base.
    path: String,
    query: BTreeMap<String, String>,
    headers: BTreeMap<String, String>,
    body: Value,
}

impl Req {
    fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.path == path
    }
}

/// The API's state and the faults to inject.
#[derive(Default)]
struct Gh {
    base: String,
    requests: Vec<Req>,
    /// Every comment on the pull request, oldest first.
    comments: Vec<Value>,
    next_id: u64,
    /// Check runs by id, with every annotation appended to them.
    check_runs: BTreeMap<u64, Value>,
    /// Answer writes with 403 "Resource not accessible by integration".
    forbid_writes: bool,
    /// Answer the next N requests with a secondary rate limit (`retry-after: 2`).
    rate_limited: u32,
    /// Status of those answers: 403 (GitHub's usual) or 429.
    rate_limit_status: u16,
    /// Answer nothing for this long.
    hang: Option<Duration>,
}

fn answer(status: u16, body: &Value, headers: &[(&str, String)]) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            hyper::header::HeaderValue::from_str(v),
        ) {
            h.insert(k, v);
        }
    }
    r
}

fn error(status: u16, message: &str, doc: &str) -> Response<Full<Bytes>> {
    answer(
        status,
        &json!({"message": message, "documentation_url": doc, "status": status.to_string()}),
        &[],
    )
}

/// A user as the REST API shows one.
fn user(base: &str, login: &str, kind: &str) -> Value {
    let url = format!("{base}/users/{login}");
    json!({
        "login": login, "id": 41898282, "node_id": "MDM6Qm90NDE4OTgyODI=",
        "avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4", "gravatar_id": "",
        "url": url, "html_url": format!("https://github.com/{login}"),
        "followers_url": format!("{url}/followers"),
        "following_url": format!("{url}/following{{/other_user}}"),
        "gists_url": format!("{url}/gists{{/gist_id}}"),
        "starred_url": format!("{url}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{url}/subscriptions"),
        "organizations_url": format!("{url}/orgs"), "repos_url": format!("{url}/repos"),
        "events_url": format!("{url}/events{{/privacy}}"),
        "received_events_url": format!("{url}/received_events"),
        "type": kind, "user_view_type": "public", "site_admin": false
    })
}

impl Gh {
    fn new_comment(&mut self, login: &str, kind: &str, body: &str) -> Value {
        self.next_id += 1;
        let id = 1_000_000 + self.next_id;
        let base = &self.base;
        json!({
            "id": id, "node_id": format!("IC_kwDO{id}"),
            "url": format!("{base}{REPO}/issues/comments/{id}"),
            "html_url": format!("https://github.com/octo/api/pull/{PR}#issuecomment-{id}"),
            "issue_url": format!("{base}{REPO}/issues/{PR}"),
            "body": body, "user": user(base, login, kind),
            "created_at": "2025-01-02T03:04:05Z", "updated_at": "2025-01-02T03:04:05Z",
            "author_association": "NONE",
            "reactions": {"url": format!("{base}{REPO}/issues/comments/{id}/reactions"),
                "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
                "confused": 0, "heart": 0, "rocket": 0, "eyes": 0}
        })
    }

    fn check_run_json(&self, id: u64) -> Value {
        let run = &self.check_runs[&id];
        let base = &self.base;
        json!({
            "id": id, "head_sha": run["head_sha"], "node_id": format!("CR_kwDO{id}"),
            "external_id": "", "url": format!("{base}{REPO}/check-runs/{id}"),
            "html_url": format!("https://github.com/octo/api/runs/{id}"),
            "details_url": "https://github.com/octo/api/actions", "status": run["status"],
            "conclusion": run["conclusion"], "started_at": "2025-01-02T03:04:05Z",
            "completed_at": if run["status"] == "completed" { json!("2025-01-02T03:04:09Z") } else { Value::Null },
            "output": {
                "title": run["output"]["title"], "summary": run["output"]["summary"],
                "text": null,
                "annotations_count": run["annotations"].as_array().map_or(0, Vec::len),
                "annotations_url": format!("{base}{REPO}/check-runs/{id}/annotations")
            },
            "name": run["name"], "check_suite": {"id": 5},
            "app": null,
            // What GitHub lists for a run on a PR's head: a minimal pull request.
            "pull_requests": if run["head_sha"] == HEAD_SHA {
                let repo = json!({"id": 526, "url": format!("{base}{REPO}"), "name": "api"});
                json!([{"url": format!("{base}{REPO}/pulls/{PR}"), "id": 1934, "number": PR,
                    "head": {"ref": "feature", "sha": HEAD_SHA, "repo": repo},
                    "base": {"ref": "main", "sha": "3333333333333333333333333333333333333333", "repo": repo}}])
            } else {
                json!([])
            }
        })
    }

    fn route(&mut self, req: &Req) -> Response<Full<Bytes>> {
        let comments = format!("{REPO}/issues/{PR}/comments");
        let doc = "https://docs.github.com/rest";
        if let Err(why) = check_rest(req) {
            return error(422, &format!("Invalid request: {why}"), doc);
        }
        if self.rate_limited > 0 {
            self.rate_limited -= 1;
            return answer(
                self.rate_limit_status,
                &json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:1111:2222.",
                    "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                    "status": self.rate_limit_status.to_string()}),
                &[("retry-after", "2".to_owned())],
            );
        }
        if self.forbid_writes && req.method != "GET" {
            return error(403, "Resource not accessible by integration", doc);
        }
        let tail = |prefix: &str| {
            req.path
                .strip_prefix(prefix)
                .and_then(|id| id.parse::<u64>().ok())
        };
        match req.method.as_str() {
            "GET" if req.path == comments => {
                let per_page: usize = req
                    .query
                    .get("per_page")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(30);
                let page: usize = req
                    .query
                    .get("page")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                let pages = self.comments.len().div_ceil(per_page).max(1);
                let items: Vec<Value> = self
                    .comments
                    .iter()
                    .skip((page - 1) * per_page)
                    .take(per_page)
                    .cloned()
                    .collect();
                let link = |p: usize, rel: &str| {
                    format!(
                        "<{}{comments}?per_page={per_page}&page={p}>; rel=\"{rel}\"",
                        self.base
                    )
                };
                let mut links = Vec::new();
                if page > 1 {
                    links.push(link(page - 1, "prev"));
                    links.push(link(1, "first"));
                }
                if page < pages {
                    links.push(link(page + 1, "next"));
                    links.push(link(pages, "last"));
                }
                answer(200, &Value::Array(items), &[("link", links.join(", "))])
            }
            "POST" if req.path == comments => {
                let c = self.new_comment(
                    "github-actions[bot]",
                    "Bot",
                    req.body["body"].as_str().unwrap_or(""),
                );
                self.comments.push(c.clone());
                answer(201, &c, &[])
            }
            // GitHub documents PATCH and accepts POST (what octocrab's `update_comment` sends).
            "POST" | "PATCH" if tail(&format!("{REPO}/issues/comments/")).is_some() => {
                let id = tail(&format!("{REPO}/issues/comments/")).unwrap_or(0);
                match self.comments.iter_mut().find(|c| c["id"] == id) {
                    Some(c) => {
                        c["body"] = req.body["body"].clone();
                        c["updated_at"] = json!("2025-02-03T04:05:06Z");
                        let c = c.clone();
                        answer(200, &c, &[])
                    }
                    None => error(404, "Not Found", doc),
                }
            }
            "POST" if req.path == format!("{REPO}/check-runs") => {
                self.next_id += 1;
                let id = 4_000_000 + self.next_id;
                let mut run = req.body.clone();
                run["annotations"] = req.body["output"]["annotations"].clone();
                if run["annotations"].is_null() {
                    run["annotations"] = json!([]);
                }
                if run["status"].is_null() {
                    run["status"] = json!(if run["conclusion"].is_null() {
                        "queued"
                    } else {
                        "completed"
                    });
                }
                self.check_runs.insert(id, run);
                answer(201, &self.check_run_json(id), &[])
            }
            "PATCH" if tail(&format!("{REPO}/check-runs/")).is_some() => {
                let id = tail(&format!("{REPO}/check-runs/")).unwrap_or(0);
                let Some(run) = self.check_runs.get_mut(&id) else {
                    return error(404, "Not Found", doc);
                };
                for key in ["status", "conclusion", "name"] {
                    if !req.body[key].is_null() {
                        run[key] = req.body[key].clone();
                    }
                }
                if !req.body["conclusion"].is_null() {
                    run["status"] = json!("completed");
                }
                if !req.body["output"].is_null() {
                    run["output"]["title"] = req.body["output"]["title"].clone();
                    run["output"]["summary"] = req.body["output"]["summary"].clone();
                    if let (Some(all), Some(new)) = (
                        run["annotations"].as_array_mut(),
                        req.body["output"]["annotations"].as_array(),
                    ) {
                        all.extend(new.iter().cloned());
                    }
                }
                answer(200, &self.check_run_json(id), &[])
            }
            _ => error(404, "Not Found", doc),
        }
    }
}

/// The request against the REST API reference (only the endpoints the Action may call).
fn check_rest(req: &Req) -> Result<(), String> {
    let is_str = |v: &Value| v.as_str().is_some_and(|s| !s.is_empty());
    let comments = format!("{REPO}/issues/{PR}/comments");
    let comment_id = req
        .path
        .strip_prefix(&format!("{REPO}/issues/comments/"))
        .is_some_and(|id| id.parse::<u64>().is_ok());
    let run_id = req
        .path
        .strip_prefix(&format!("{REPO}/check-runs/"))
        .is_some_and(|id| id.parse::<u64>().is_ok());
    let check_output = |o: &Value| -> Result<(), String> {
        if o.is_null() {
            return Ok(());
        }
        if !is_str(&o["title"]) || !o["summary"].is_string() {
            return Err("output needs a title and a summary".into());
        }
        if o["summary"].as_str().map_or(0, |s| s.chars().count()) > 65_535 {
            return Err("output.summary is over 65535 characters".into());
        }
        let annotations = match &o["annotations"] {
            Value::Null => return Ok(()),
            Value::Array(a) => a,
            _ => return Err("output.annotations is not an array".into()),
        };
        if annotations.len() > 50 {
            return Err(format!(
                "{} annotations in one request (at most 50)",
                annotations.len()
            ));
        }
        for a in annotations {
            let known = [
                "path",
                "start_line",
                "end_line",
                "start_column",
                "end_column",
                "annotation_level",
                "message",
                "title",
                "raw_details",
            ];
            if let Some(k) = a
                .as_object()
                .and_then(|m| m.keys().find(|k| !known.contains(&k.as_str())))
            {
                return Err(format!("unknown annotation field {k}"));
            }
            if !is_str(&a["path"])
                || !is_str(&a["message"])
                || !a["start_line"].is_u64()
                || !a["end_line"].is_u64()
            {
                return Err(format!("annotation without path, message or lines: {a}"));
            }
            if !matches!(
                a["annotation_level"].as_str(),
                Some("notice" | "warning" | "failure")
            ) {
                return Err(format!("bad annotation_level in {a}"));
            }
        }
        Ok(())
    };
    let check_run_fields = |b: &Value| -> Result<(), String> {
        let known = [
            "name",
            "head_sha",
            "details_url",
            "external_id",
            "status",
            "started_at",
            "conclusion",
            "completed_at",
            "output",
            "actions",
        ];
        if let Some(k) = b
            .as_object()
            .and_then(|m| m.keys().find(|k| !known.contains(&k.as_str())))
        {
            return Err(format!("unknown check run field {k}"));
        }
        if !b["status"].is_null()
            && !matches!(
                b["status"].as_str(),
                Some("queued" | "in_progress" | "completed")
            )
        {
            return Err("bad status".into());
        }
        if !b["conclusion"].is_null()
            && !matches!(
                b["conclusion"].as_str(),
                Some(
                    "action_required"
                        | "cancelled"
                        | "failure"
                        | "neutral"
                        | "success"
                        | "skipped"
                        | "stale"
                        | "timed_out"
                )
            )
        {
            return Err("bad conclusion".into());
        }
        check_output(&b["output"])
    };
    let comment_body = |b: &Value| -> Result<(), String> {
        match b["body"].as_str() {
            Some(s) if !s.is_empty() && s.chars().count() <= 65_536 => Ok(()),
            _ => Err("a comment needs a body of at most 65536 characters".into()),
        }
    };
    match req.method.as_str() {
        "GET" if req.path == comments => {
            for (k, v) in &req.query {
                if !matches!(k.as_str(), "per_page" | "page" | "since") || v.is_empty() {
                    return Err(format!("unexpected query {k}={v}"));
                }
            }
            Ok(())
        }
        "POST" if req.path == comments => comment_body(&req.body),
        "POST" | "PATCH" if comment_id => comment_body(&req.body),
        "POST" if req.path == format!("{REPO}/check-runs") => {
            if !is_str(&req.body["name"]) || !is_str(&req.body["head_sha"]) {
                return Err("a check run needs a name and a head_sha".into());
            }
            check_run_fields(&req.body)
        }
        "PATCH" if run_id => check_run_fields(&req.body),
        _ => Err(format!("no such endpoint: {} {}", req.method, req.path)),
    }
}

struct Recorder {
    state: Arc<Mutex<Gh>>,
    base: String,
}

impl Recorder {
    fn start(rt: &tokio::runtime::Runtime) -> TestResult<Self> {
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let base = format!("http://{}/api/v3", listener.local_addr()?);
        let state = Arc::new(Mutex::new(Gh {
            base: base.clone(),
            rate_limit_status: 403,
            ..Gh::default()
        }));
        let shared = state.clone();
        rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(req, state.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self { state, base })
    }

    fn with<R>(&self, f: impl FnOnce(&mut Gh) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The requests since the last call.
    fn take(&self) -> Vec<Req> {
        self.with(|g| std::mem::take(&mut g.requests))
    }

    fn seed_comment(&self, login: &str, kind: &str, body: &str) -> u64 {
        self.with(|g| {
            let c = g.new_comment(login, kind, body);
            let id = c["id"].as_u64().unwrap_or(0);
            g.comments.push(c);
            id
        })
    }

    fn comments(&self) -> Vec<Value> {
        self.with(|g| g.comments.clone())
    }
}

async fn handle(
    req: Request<Incoming>,
    state: Arc<Mutex<Gh>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let Some(path) = parts.uri.path().strip_prefix("/api/v3") else {
        return Ok(error(404, "Not Found (outside the API base /api/v3)", ""));
    };
    let query = parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("?").to_owned()))
        .collect();
    let req = Req {
        method: parts.method.as_str().to_owned(),
        path: path.to_owned(),
        query,
        headers,
        body: if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String("<not JSON>".into()))
        },
    };
    let hang = {
        let mut g = state.lock().unwrap_or_else(PoisonError::into_inner);
        g.requests.push(req.clone());
        g.hang
    };
    if let Some(d) = hang {
        tokio::time::sleep(d).await;
    }
    Ok(state
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .route(&req))
}

// ---------------------------------------------------------------------------------------------
// Running the binary as the runner does
// ---------------------------------------------------------------------------------------------

struct Step {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    outputs: String,
    summary: String,
    workspace: PathBuf,
    _dir: tempfile::TempDir,
}

/// What a `pull_request` event file holds (the fields the Action reads, and some it does not).
fn pull_request_event() -> Value {
    json!({
        "action": "synchronize", "number": PR,
        "pull_request": {
            "number": PR, "state": "open",
            "head": {"sha": HEAD_SHA, "ref": "feature"},
            "base": {"sha": "3333333333333333333333333333333333333333", "ref": "main"}
        },
        "repository": {"full_name": "octo/api"}
    })
}

impl Step {
    fn new(api: &Recorder) -> TestResult<Self> {
        let dir = tempfile::tempdir()?;
        let ws = dir.path().join("workspace");
        std::fs::create_dir_all(ws.join(".github/workflows"))?;
        std::fs::write(ws.join(WORKFLOW), "on: pull_request\n")?;
        std::fs::write(
            dir.path().join("event.json"),
            serde_json::to_vec(&pull_request_event())?,
        )?;
        for f in ["output", "summary", "env"] {
            std::fs::write(dir.path().join(f), "")?;
        }
        let d = dir.path();
        let path = |f: &str| d.join(f).display().to_string();
        let env = [
            // The runner's defaults for the inputs that action.yml gives one.
            ("INPUT_FAIL-UNDER", "C".to_owned()),
            ("INPUT_SARIF-FILE", "mtls-scan.sarif".to_owned()),
            ("INPUT_TIMEOUT", "10".to_owned()),
            ("INPUT_COMMENT", "false".to_owned()),
            ("INPUT_CHECK-RUN", "false".to_owned()),
            ("INPUT_FAIL-ON", "grade".to_owned()),
            ("INPUT_GITHUB-TOKEN", TOKEN.to_owned()),
            ("GITHUB_ACTIONS", "true".to_owned()),
            ("CI", "true".to_owned()),
            ("GITHUB_WORKSPACE", ws.display().to_string()),
            ("GITHUB_OUTPUT", path("output")),
            ("GITHUB_STEP_SUMMARY", path("summary")),
            ("GITHUB_ENV", path("env")),
            ("GITHUB_EVENT_PATH", path("event.json")),
            ("GITHUB_EVENT_NAME", "pull_request".to_owned()),
            ("GITHUB_REPOSITORY", "octo/api".to_owned()),
            ("GITHUB_API_URL", api.base.clone()),
            ("GITHUB_SERVER_URL", "https://github.com".to_owned()),
            ("GITHUB_RUN_ID", "4242".to_owned()),
            ("GITHUB_WORKFLOW", "mTLS review".to_owned()),
            ("GITHUB_JOB", "scan".to_owned()),
            (
                "GITHUB_WORKFLOW_REF",
                format!("octo/api/{WORKFLOW}@refs/pull/{PR}/merge"),
            ),
            ("GITHUB_SHA", MERGE_SHA.to_owned()),
            ("RUNNER_TEMP", d.display().to_string()),
            // Retry-After is honoured up to this (60 s outside tests).
            ("MTLS_SCAN_GITHUB_MAX_WAIT", "0.05".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Ok(Self { dir, env })
    }

    /// Sets a variable (an input as the runner names it: `INPUT_` + upper case, hyphens kept).
    fn set(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    fn input(self, name: &str, value: &str) -> Self {
        self.set(&format!("INPUT_{}", name.to_uppercase()), value)
    }

    /// A `push` event: no pull request.
    fn push_event(self) -> TestResult<Self> {
        std::fs::write(
            self.dir.path().join("event.json"),
            serde_json::to_vec(&json!({"ref": "refs/heads/main", "after": MERGE_SHA,
                "repository": {"full_name": "octo/api"}}))?,
        )?;
        Ok(self.set("GITHUB_EVENT_NAME", "push"))
    }

    fn run(self) -> TestResult<Ran> {
        let out = std::process::Command::new(BIN)
            .arg("action")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.env.iter().cloned())
            .current_dir(self.dir.path().join("workspace"))
            .output()?;
        let read = |f: &str| std::fs::read_to_string(self.dir.path().join(f));
        Ok(Ran {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout)?,
            stderr: String::from_utf8(out.stderr)?,
            outputs: read("output")?,
            summary: read("summary")?,
            workspace: self.dir.path().join("workspace"),
            _dir: self.dir,
        })
    }
}

/// A workflow command as the runner reads it.
#[derive(Debug, Clone)]
struct Cmd {
    name: String,
    title: Option<String>,
    message: String,
}

impl Ran {
    /// The workflow commands, honouring `::stop-commands::` as the runner does.
    fn commands(&self) -> Vec<Cmd> {
        let unescape = |s: &str| {
            s.replace("%0D", "\r")
                .replace("%0A", "\n")
                .replace("%3A", ":")
                .replace("%2C", ",")
                .replace("%25", "%")
        };
        let mut out = Vec::new();
        let mut stopped: Option<String> = None;
        for line in self.stdout.lines() {
            if let Some(token) = &stopped {
                if line.trim() == format!("::{token}::") {
                    stopped = None;
                }
                continue;
            }
            let Some(rest) = line.trim_start().strip_prefix("::") else {
                continue;
            };
            let Some((info, message)) = rest.split_once("::") else {
                continue;
            };
            let (name, props) = info.split_once(' ').unwrap_or((info, ""));
            if name == "stop-commands" {
                stopped = Some(message.to_owned());
            }
            let title = props
                .split(',')
                .find_map(|p| p.strip_prefix("title="))
                .map(unescape);
            out.push(Cmd {
                name: name.to_owned(),
                title,
                message: unescape(message),
            });
        }
        out
    }

    fn warnings(&self) -> Vec<Cmd> {
        self.commands()
            .into_iter()
            .filter(|c| c.name == "warning")
            .collect()
    }

    fn output(&self, name: &str) -> Option<String> {
        let mut lines = self.outputs.lines();
        while let Some(head) = lines.next() {
            let (key, delim) = head.split_once("<<")?;
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
            if key == name {
                return Some(value.join("\n"));
            }
        }
        None
    }

    fn report(&self) -> TestResult<Value> {
        Ok(serde_json::from_str(&std::fs::read_to_string(
            self.workspace.join("mtls-scan-report.json"),
        )?)?)
    }

    fn explain(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// What every run must show: the token masked first and nowhere else, no workflow command on
/// stderr, and every request to the API authenticated, versioned and valid.
fn check_run_and_requests(ran: &Ran, requests: &[Req]) -> TestResult {
    let masks = ran
        .stdout
        .lines()
        .take_while(|l| l.starts_with("::add-mask::"))
        .count();
    assert!(
        ran.stdout
            .lines()
            .take(masks)
            .any(|l| l == format!("::add-mask::{TOKEN}")),
        "the token is masked before anything else is printed: {}",
        ran.explain()
    );
    for (i, line) in ran.stdout.lines().enumerate().skip(masks) {
        assert!(!line.contains(TOKEN), "token on stdout line {i}: {line}");
    }
    for text in [&ran.stderr, &ran.summary, &ran.outputs] {
        assert!(!text.contains(TOKEN), "token visible: {text}");
        assert!(
            !text.contains("TESTTOKEN"),
            "part of the token visible: {text}"
        );
    }
    for line in ran.stderr.lines() {
        assert!(
            !line.trim_start().starts_with("::"),
            "command on stderr: {line}"
        );
    }
    for r in requests {
        check_rest(r).map_err(|e| format!("{} {}: {e}", r.method, r.path))?;
        assert_eq!(
            r.headers.get("authorization").map(String::as_str),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{} {}",
            r.method,
            r.path
        );
        assert_eq!(
            r.headers.get("x-github-api-version").map(String::as_str),
            Some("2022-11-28")
        );
        assert!(r.headers.contains_key("user-agent"));
    }
    Ok(())
}

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

    let ran = Step::new(&api)?
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
    assert!(ran.warnings().is_empty(), "{}", ran.explain());
    let ours = api.comments();
    let ours = marker_comment(&ours);
    assert_eq!(ours.len(), 1);
    let id = ours[0]["id"].as_u64().ok_or("no id")?;

    // Second run, worse grade: the same comment, updated.
    let ran = Step::new(&api)?
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
    let ran = Step::new(&api)?
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

/// 122 comments before ours: the first page (per_page=100) does not have it (a person's comment
/// that starts with the marker does not count while a bot's may follow), the Link header's `next`
/// is followed, and the bot's comment found on page 2 is updated, its old grade diffed.
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

    let ran = Step::new(&api)?
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
    let ran = Step::new(&api)?
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
    let warnings = ran.warnings();
    assert_eq!(warnings.len(), 2, "{}", ran.explain());
    for (w, permission, what) in [
        (&warnings[0], "pull-requests: write", "No PR comment"),
        (&warnings[1], "checks: write", "No check run"),
    ] {
        assert_eq!(w.title.as_deref(), Some("mtls-scan: GitHub API"));
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
    let ran = Step::new(&api)?
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
    assert!(ran.warnings().is_empty(), "{}", ran.explain());
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
    let ran = Step::new(&api)?
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
        .warnings()
        .iter()
        .all(|w| w.title.as_deref() != Some("mtls-scan: GitHub API")));
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
    let ran = Step::new(&api)?
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
    assert!(ran.warnings().is_empty(), "{}", ran.explain());
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
    let ran = Step::new(&api)?
        .input("api-url", &urls(&lab))
        .input("ca-file", &lab.pki.ca_cert_pem)
        .input("comment", "true")
        .input("check-run", "true")
        .run()?;
    let requests = api.take();
    check_run_and_requests(&ran, &requests)?;
    assert_eq!(ran.code, Some(0), "{}", ran.explain());
    assert_eq!(requests.len(), 3, "bounded: {requests:#?}");
    let warnings = ran.warnings();
    assert_eq!(warnings.len(), 1, "{}", ran.explain());
    assert!(
        warnings[0].message.starts_with("No PR comment: GitHub's rate limit held (rate-limited on each of 3 tries (HTTP 429: You have exceeded a secondary rate limit."),
        "{}",
        warnings[0].message
    );
    assert!(ran
        .stdout
        .contains("check-run: skipped, GitHub's rate limit held for the PR comment just before."));
    Ok(())
}

/// An API that never answers: each try ends at the deadline, three tries (with the waits in the
/// log), one warning, the check run not tried, and the step ends in time with the scan's exit
/// code.
#[test]
fn every_api_call_has_a_deadline() -> TestResult {
    let rt = runtime()?;
    let api = Recorder::start(&rt)?;
    let lab = lab(&rt, &[LabCase::RequiredVerified])?;
    api.with(|g| g.hang = Some(Duration::from_secs(30)));
    let started = std::time::Instant::now();
    let ran = Step::new(&api)?
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
    assert!(ran.stdout.contains(
        "check-run: skipped, the GitHub API did not answer for the PR comment just before."
    ));
    assert!(ran
        .stdout
        .contains("GitHub API: no answer within 0.5 s; try 2 of 3 in 0.1 s."));
    assert!(took < Duration::from_secs(15), "{took:?}");
    let warnings = ran.warnings();
    assert_eq!(warnings.len(), 1, "{}", ran.explain());
    assert_eq!(
        warnings[0].message,
        "No PR comment: the GitHub API failed (no answer within 0.5 s)."
    );
    Ok(())
}
