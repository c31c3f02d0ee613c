//! A recording GitHub REST API on 127.0.0.1 for the Action's `comment` and `check-run`: it
//! answers like GitHub under a GHES-style base (`/api/v3`), keeps every request (method, path,
//! query, headers, JSON body), checks each against the REST API as documented (paths, methods,
//! JSON fields, the Checks API's 50 annotations per request, GitHub's size limits), and injects
//! faults on demand (forbidden writes, secondary rate limits, a hanging API).

// `serde_json::Value` indexing never panics (a missing key or index is `Null`), and it keeps the
// checks readable.
#![allow(clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

use super::step::{Ran, HEAD_SHA, PR, TOKEN};
use super::TestResult;

/// The repository's API path.
pub const REPO: &str = "/repos/octo/api";

// ---------------------------------------------------------------------------------------------
// The recorder: a small GitHub REST API
// ---------------------------------------------------------------------------------------------

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// Without the `/api/v3` base.
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

impl Req {
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.path == path
    }
}

/// The API's state and the faults to inject.
#[derive(Default)]
pub struct Gh {
    pub base: String,
    pub requests: Vec<Req>,
    /// Every comment on the pull request, oldest first.
    pub comments: Vec<Value>,
    pub next_id: u64,
    /// Check runs by id, with every annotation appended to them.
    pub check_runs: BTreeMap<u64, Value>,
    /// Answer writes with 403 "Resource not accessible by integration".
    pub forbid_writes: bool,
    /// Answer the next N requests with a secondary rate limit (`retry-after: 2`).
    pub rate_limited: u32,
    /// Status of those answers: 403 (GitHub's usual) or 429.
    pub rate_limit_status: u16,
    /// Answer nothing for this long.
    pub hang: Option<Duration>,
    /// The token's own login, as `GET /user` answers for a personal access token; `None`: a
    /// job's installation token, which `GET /user` refuses with 403.
    pub token_login: Option<String>,
}

pub fn answer(status: u16, body: &Value, headers: &[(&str, String)]) -> Response<Full<Bytes>> {
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

pub fn error(status: u16, message: &str, doc: &str) -> Response<Full<Bytes>> {
    answer(
        status,
        &json!({"message": message, "documentation_url": doc, "status": status.to_string()}),
        &[],
    )
}

/// A user as the REST API shows one.
pub fn user(base: &str, login: &str, kind: &str) -> Value {
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
    pub fn new_comment(&mut self, login: &str, kind: &str, body: &str) -> Value {
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

    pub fn check_run_json(&self, id: u64) -> Value {
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

    pub fn route(&mut self, req: &Req) -> Response<Full<Bytes>> {
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
                let own = |c: &Value| {
                    c["user"]["login"] == "github-actions[bot]"
                        || self
                            .token_login
                            .as_deref()
                            .is_some_and(|me| c["user"]["login"] == me)
                };
                let foreign = self.comments.iter().any(|c| c["id"] == id && !own(c));
                match self.comments.iter_mut().find(|c| c["id"] == id) {
                    // Another account's comment: not the token's to edit.
                    Some(_) if foreign => error(403, "Resource not accessible by integration", doc),
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
            "GET" if req.path == "/user" => match &self.token_login {
                Some(login) => answer(200, &user(&self.base, login, "User"), &[]),
                None => error(403, "Resource not accessible by integration", doc),
            },
            _ => error(404, "Not Found", doc),
        }
    }
}

/// The request against the REST API reference (only the endpoints the Action may call).
pub fn check_rest(req: &Req) -> Result<(), String> {
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
        // The authenticated user (a personal access token's; refused to an installation token).
        "GET" if req.path == "/user" => Ok(()),
        _ => Err(format!("no such endpoint: {} {}", req.method, req.path)),
    }
}

pub struct Recorder {
    pub state: Arc<Mutex<Gh>>,
    pub base: String,
}

impl Recorder {
    pub fn start(rt: &tokio::runtime::Runtime) -> TestResult<Self> {
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

    pub fn with<R>(&self, f: impl FnOnce(&mut Gh) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The requests since the last call.
    pub fn take(&self) -> Vec<Req> {
        self.with(|g| std::mem::take(&mut g.requests))
    }

    pub fn seed_comment(&self, login: &str, kind: &str, body: &str) -> u64 {
        self.with(|g| {
            let c = g.new_comment(login, kind, body);
            let id = c["id"].as_u64().unwrap_or(0);
            g.comments.push(c);
            id
        })
    }

    pub fn comments(&self) -> Vec<Value> {
        self.with(|g| g.comments.clone())
    }
}

pub async fn handle(
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

/// What every run must show: the token masked first and nowhere else, no workflow command on
/// stderr, and every request to the API authenticated, versioned and valid.
pub fn check_run_and_requests(ran: &Ran, requests: &[Req]) -> TestResult {
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
    for text in [&ran.stderr, &ran.summary, &ran.output_file] {
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
