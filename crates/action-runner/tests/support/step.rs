//! The built `mtls-scan action`, run as the runner runs a Docker action's step (inputs in
//! `INPUT_*` with hyphens kept, a clean environment, a workspace, a `pull_request` event, the
//! runner's files), its stdout parsed line by line as the runner parses it (honouring
//! `::stop-commands::`), and the checks every run must pass (commands, Markdown, SARIF against
//! the official 2.1.0 schema, secrets never visible).

// `serde_json::Value` indexing never panics (a missing key or index is `Null`), and it keeps the
// checks readable.
#![allow(clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Value};

use super::TestResult;

/// The binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_mtls-scan");
/// The workflow file in the workspace (where SARIF results point without a config).
pub const WORKFLOW: &str = ".github/workflows/mtls.yml";
/// The official SARIF 2.1.0 schema.
pub const SARIF_SCHEMA: &str = include_str!("../data/sarif-schema-2.1.0.json");
/// The `github-token` input (the job's token), which must never be visible.
pub const TOKEN: &str = "ghs_0123456789abcdefTESTTOKENabcdef0123";
/// The pull request's head commit.
pub const HEAD_SHA: &str = "1111111111111111111111111111111111111111";
/// `GITHUB_SHA` on `pull_request` events: the merge commit.
pub const MERGE_SHA: &str = "2222222222222222222222222222222222222222";
/// The pull request's number.
pub const PR: u64 = 7;

// ---------------------------------------------------------------------------------------------
// Running the binary as the runner does
// ---------------------------------------------------------------------------------------------

/// One `mtls-scan action` run, set up like a Docker action step: a clean environment with the
/// runner's variables and action.yml's input defaults, a workspace with a workflow file, a
/// `pull_request` event, and empty `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY` and `GITHUB_ENV`.
pub struct Step {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

/// What a run left behind.
pub struct Ran {
    /// The exit code.
    pub code: Option<i32>,
    /// Everything printed on stdout (the runner reads workflow commands there).
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
    /// `$GITHUB_OUTPUT` as written.
    pub output_file: String,
    /// `$GITHUB_STEP_SUMMARY` as written.
    pub summary: String,
    /// `$GITHUB_ENV` as written.
    pub env_file: String,
    /// The workspace (the JSON report and the SARIF file are there).
    pub workspace: PathBuf,
    _dir: tempfile::TempDir,
}

/// What a `pull_request` event file holds (the fields the Action reads, and some it does not).
pub fn pull_request_event() -> Value {
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
    /// A step with no GitHub API (`GITHUB_API_URL` unset).
    pub fn new() -> TestResult<Self> {
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
            ("INPUT_SARIF-FILE", "mtls-scan.sarif".to_owned()),
            ("INPUT_COMMENT", "false".to_owned()),
            ("INPUT_CHECK-RUN", "false".to_owned()),
            ("INPUT_FAIL-ON", "grade".to_owned()),
            ("INPUT_FAIL-ON-INCOMPLETE", "true".to_owned()),
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

    /// A step whose GitHub API is the recorder at `api_url` (`GITHUB_API_URL`).
    pub fn with_api(api_url: &str) -> TestResult<Self> {
        Ok(Self::new()?.set("GITHUB_API_URL", api_url))
    }

    /// The workspace (`GITHUB_WORKSPACE`).
    pub fn workspace(&self) -> PathBuf {
        self.dir.path().join("workspace")
    }

    /// Sets a variable, replacing any earlier value.
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Leaves a variable out (e.g. an input that action.yml would no longer default).
    pub fn unset(mut self, name: &str) -> Self {
        self.env.retain(|(k, _)| k != name);
        self
    }

    /// Sets an input as the runner does: `INPUT_` + the name upper-cased, hyphens kept.
    pub fn input(self, name: &str, value: &str) -> Self {
        self.set(&format!("INPUT_{}", name.to_uppercase()), value)
    }

    /// Writes a file in the workspace (for inputs given as paths).
    pub fn file(self, rel: &str, text: &str) -> TestResult<Self> {
        let p = self.workspace().join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(p, text)?;
        Ok(self)
    }

    /// A `push` event: no pull request.
    pub fn push_event(self) -> TestResult<Self> {
        std::fs::write(
            self.dir.path().join("event.json"),
            serde_json::to_vec(&json!({"ref": "refs/heads/main", "after": MERGE_SHA,
                "repository": {"full_name": "octo/api"}}))?,
        )?;
        Ok(self.set("GITHUB_EVENT_NAME", "push"))
    }

    /// Runs `mtls-scan action` in the workspace with exactly this environment (and `PATH`).
    pub fn run(self) -> TestResult<Ran> {
        self.run_wrapped(&[])
    }

    /// [`Step::run`] under a wrapper (`/usr/bin/time -f …`): `wrapper` then the binary.
    pub fn run_wrapped(self, wrapper: &[&str]) -> TestResult<Ran> {
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut c = std::process::Command::new(program);
                c.args(args).arg(BIN);
                c
            }
            None => std::process::Command::new(BIN),
        };
        let out = command
            .arg("action")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.env.iter().cloned())
            .current_dir(self.workspace())
            .output()?;
        let read = |f: &str| std::fs::read_to_string(self.dir.path().join(f));
        Ok(Ran {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout)?,
            stderr: String::from_utf8(out.stderr)?,
            output_file: read("output")?,
            summary: read("summary")?,
            env_file: read("env")?,
            workspace: self.workspace(),
            _dir: self.dir,
        })
    }
}

impl Ran {
    pub fn commands(&self) -> TestResult<Vec<Cmd>> {
        Ok(parse_stdout(&self.stdout)?
            .into_iter()
            .filter_map(Line::command)
            .collect())
    }

    pub fn named(&self, name: &str) -> TestResult<Vec<Cmd>> {
        Ok(self
            .commands()?
            .into_iter()
            .filter(|c| c.name == name)
            .collect())
    }

    /// The warnings.
    pub fn warnings(&self) -> TestResult<Vec<Cmd>> {
        self.named("warning")
    }

    /// `$GITHUB_OUTPUT`, checked: heredoc form, every delimiter random and distinct.
    pub fn outputs(&self) -> TestResult<BTreeMap<String, String>> {
        parse_outputs(&self.output_file)
    }

    /// One output's value (read leniently, for tests about other things).
    pub fn output(&self, name: &str) -> Option<String> {
        let mut lines = self.output_file.lines();
        while let Some(head) = lines.next() {
            let (key, delim) = head.split_once("<<")?;
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
            if key == name {
                return Some(value.join("\n"));
            }
        }
        None
    }

    /// The JSON report.
    pub fn report(&self) -> TestResult<Value> {
        self.json("mtls-scan-report.json")
    }

    pub fn json(&self, rel: &str) -> TestResult<Value> {
        Ok(serde_json::from_str(&std::fs::read_to_string(
            self.workspace.join(rel),
        )?)?)
    }

    /// Everything a person or a later step can see (add-mask commands are consumed by the runner).
    pub fn visible(&self) -> TestResult<Vec<String>> {
        let stdout: Vec<String> = parse_stdout(&self.stdout)?
            .into_iter()
            .filter(|l| !matches!(l, Line::Command(c) if c.name == "add-mask"))
            .map(|l| l.raw().to_owned())
            .collect();
        let mut all = vec![
            stdout.join("\n"),
            self.stderr.clone(),
            self.summary.clone(),
            self.output_file.clone(),
            self.env_file.clone(),
        ];
        for f in ["mtls-scan.sarif", "mtls-scan-report.json"] {
            if let Ok(t) = std::fs::read_to_string(self.workspace.join(f)) {
                all.push(t);
            }
        }
        Ok(all)
    }

    pub fn explain(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing stdout as the runner does
// ---------------------------------------------------------------------------------------------

/// A workflow command as the runner reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cmd {
    /// `error`, `add-mask`, …
    pub name: String,
    /// Its properties, unescaped.
    pub props: BTreeMap<String, String>,
    /// Its message, unescaped.
    pub message: String,
    /// The line as printed.
    pub raw: String,
}

impl Cmd {
    /// The `title` property.
    pub fn title(&self) -> Option<&str> {
        self.props.get("title").map(String::as_str)
    }
}

/// A stdout line, as the runner takes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// A workflow command.
    Command(Cmd),
    /// Text (also any line while commands are stopped).
    Text(String),
}

impl Line {
    pub fn command(self) -> Option<Cmd> {
        match self {
            Line::Command(c) => Some(c),
            Line::Text(_) => None,
        }
    }

    pub fn raw(&self) -> &str {
        match self {
            Line::Command(c) => &c.raw,
            Line::Text(t) => t,
        }
    }
}

pub fn unescape_data(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

pub fn unescape_property(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// The runner's `ActionCommand.TryParseV2`: a line (leading spaces trimmed) `::name k=v,…::msg`.
pub fn parse_command(line: &str) -> Option<Cmd> {
    let t = line.trim_start();
    let rest = t.strip_prefix("::")?;
    let end = rest.find("::")?;
    let (info, message) = (rest.get(..end)?, rest.get(end + 2..)?);
    let (name, props) = info.split_once(' ').unwrap_or((info, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_owned(), unescape_property(v)))
        })
        .collect();
    Some(Cmd {
        name: name.to_owned(),
        props,
        message: unescape_data(message),
        raw: line.to_owned(),
    })
}

/// Every stdout line, with what the runner makes of it; `::stop-commands::T` turns commands off
/// until a line `::T::`.
pub fn parse_stdout(stdout: &str) -> TestResult<Vec<Line>> {
    let mut lines = Vec::new();
    let mut stopped: Option<String> = None;
    for line in stdout.lines() {
        if let Some(token) = &stopped {
            if line.trim() == format!("::{token}::") {
                stopped = None;
                lines.push(Line::Command(Cmd {
                    name: "resume-commands".into(),
                    props: BTreeMap::new(),
                    message: String::new(),
                    raw: line.to_owned(),
                }));
            } else {
                lines.push(Line::Text(line.to_owned()));
            }
            continue;
        }
        match parse_command(line) {
            Some(c) => {
                if c.name == "stop-commands" {
                    stopped = Some(c.message.clone());
                }
                lines.push(Line::Command(c));
            }
            None => lines.push(Line::Text(line.to_owned())),
        }
    }
    if stopped.is_some() {
        return Err("commands were stopped and never resumed".into());
    }
    Ok(lines)
}

/// `$GITHUB_OUTPUT` in heredoc form; every delimiter must be random and distinct.
pub fn parse_outputs(text: &str) -> TestResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut delimiters = std::collections::BTreeSet::new();
    let mut lines = text.lines();
    while let Some(head) = lines.next() {
        let (name, delim) = head
            .split_once("<<")
            .ok_or_else(|| format!("not heredoc form: {head:?}"))?;
        let hex = delim
            .strip_prefix("ghadelimiter_")
            .ok_or("delimiter without the ghadelimiter_ prefix")?;
        if hex.len() < 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("delimiter is not random hex: {delim}").into());
        }
        if !delimiters.insert(delim.to_owned()) {
            return Err("a delimiter was reused".into());
        }
        let mut value = Vec::new();
        loop {
            let l = lines.next().ok_or("unterminated heredoc")?;
            if l == delim {
                break;
            }
            value.push(l);
        }
        out.insert(name.to_owned(), value.join("\n"));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the tests
// ---------------------------------------------------------------------------------------------

pub const KNOWN_COMMANDS: &[&str] = &[
    "add-mask",
    "group",
    "endgroup",
    "stop-commands",
    "resume-commands",
    "error",
    "warning",
    "notice",
];

/// Every stdout command is one we write; masks come first; groups balance.
pub fn check_stdout(ran: &Ran) -> TestResult {
    let lines = parse_stdout(&ran.stdout)?;
    let mut seen_other = false;
    for l in &lines {
        match l {
            Line::Command(c) => {
                if !KNOWN_COMMANDS.contains(&c.name.as_str()) {
                    return Err(format!(
                        "unexpected workflow command {:?}\n{}",
                        c.raw,
                        ran.explain()
                    )
                    .into());
                }
                if c.name == "add-mask" && seen_other {
                    return Err(format!("a mask after other output: {:?}", c.raw).into());
                }
                seen_other |= c.name != "add-mask";
                if matches!(c.name.as_str(), "error" | "warning" | "notice")
                    && c.props.keys().any(|k| k != "title")
                {
                    return Err(format!("unexpected property in {:?}", c.raw).into());
                }
            }
            Line::Text(_) => seen_other = true,
        }
    }
    let count = |n: &str| {
        lines
            .iter()
            .filter(|l| matches!(l, Line::Command(c) if c.name == n))
            .count()
    };
    assert_eq!(count("group"), count("endgroup"), "{}", ran.explain());
    assert_eq!(count("stop-commands"), count("resume-commands"));
    for line in ran.stderr.lines() {
        assert!(
            !line.trim_start().starts_with("::"),
            "workflow command on stderr: {line}"
        );
    }
    assert_eq!(ran.env_file, "", "GITHUB_ENV is not written");
    Ok(())
}

/// Every table row has its header's cell count; the only HTML tags are the summary's own.
pub fn check_markdown(md: &str) {
    let mut cols: Option<usize> = None;
    for line in md.lines() {
        if line.starts_with('|') {
            let n = line.matches('|').count();
            assert_eq!(*cols.get_or_insert(n), n, "broken table row: {line}");
        } else {
            cols = None;
        }
        assert!(!line.trim_start().starts_with("::"), "{line}");
    }
    let allowed = [
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
        "<code>",
        "</code>",
        "<sub>",
        "</sub>",
        "<pre>",
        "</pre>",
    ];
    for (i, _) in md.match_indices('<') {
        let rest = md.get(i..).unwrap_or("");
        assert!(
            allowed.iter().any(|t| rest.starts_with(t)),
            "stray HTML: {}",
            rest.chars().take(40).collect::<String>()
        );
    }
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
    assert!(md.len() < 1024 * 1024);
}

/// The SARIF validates against the official 2.1.0 schema and meets code scanning's rules: a
/// category, one location per result in `location` (a repository path; `None`: at the target's
/// URL) with a complete region, `primaryLocationLineHash` distinct per rule and target, the
/// severity each result is shown with on its rule, suppressions on all results or none. With
/// `MTLS_SCAN_SARIF_DIR` set, the file is also copied there for `.ci/check_sarif.py`.
pub fn check_sarif(sarif: &Value, location: &str) -> TestResult {
    keep_for_ci(sarif)?;
    let schema: Value = serde_json::from_str(SARIF_SCHEMA)?;
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)?;
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");

    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let category = run["automationDetails"]["id"].as_str().unwrap_or("");
    assert!(
        category.starts_with("mtls-scan/") && category.ends_with('/'),
        "automationDetails.id {category:?}"
    );
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "mtls-scan");
    assert!(
        driver["version"].is_string()
            && driver["informationUri"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://"))
    );
    let rules = driver["rules"].as_array().ok_or("no rules")?;
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let catalogue: Vec<&str> = probe_core::finding::FindingId::ALL
        .iter()
        .map(|i| i.as_str())
        .collect();
    assert_eq!(
        ids.get(..catalogue.len()),
        Some(&catalogue[..]),
        "one rule per catalogue id, first"
    );
    for variant in ids.get(catalogue.len()..).unwrap_or(&[]) {
        let (base, sev) = variant
            .split_once('/')
            .ok_or("a variant is <id>/<severity>")?;
        assert!(catalogue.contains(&base), "{variant}");
        assert!(matches!(
            sev,
            "critical" | "high" | "medium" | "low" | "info"
        ));
    }
    for r in rules {
        let level = r["defaultConfiguration"]["level"].as_str();
        assert!(matches!(level, Some("error" | "warning" | "note")));
        let sev = r["properties"]["security-severity"].as_str();
        let tags: Vec<&str> = r["properties"]["tags"]
            .as_array()
            .ok_or("no tags")?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        match sev {
            Some(sev) => {
                assert!(sev.parse::<f64>().is_ok_and(|v| (0.1..=10.0).contains(&v)));
                assert!(tags.contains(&"security"), "{tags:?}");
            }
            None => assert_eq!(level, Some("note"), "only notes leave the security view"),
        }
        assert!(tags.iter().any(|t| t.starts_with("CWE-")), "{tags:?}");
        assert!(r["help"]["text"].is_string() && r["help"]["markdown"].is_string());
        let id = r["id"].as_str().unwrap_or("");
        let base = id.split('/').next().unwrap_or(id);
        assert_eq!(
            r["helpUri"].as_str().unwrap_or(""),
            format!("https://github.com/org/mtls-action/blob/main/docs/findings.md#{base}")
        );
        assert!(
            r["shortDescription"]["text"].is_string() && r["fullDescription"]["text"].is_string()
        );
        assert!(!r["help"]["markdown"]
            .as_str()
            .unwrap_or("")
            .contains("<script"));
    }
    let results = run["results"].as_array().ok_or("no results")?;
    let suppressed = results.iter().filter(|r| r.get("suppressions").is_some());
    assert!(
        suppressed.count() % results.len().max(1) == 0,
        "suppressions on every result or none"
    );
    let mut hashes = BTreeMap::new();
    for res in results {
        let level = res["level"].as_str();
        assert!(matches!(level, Some("error" | "warning" | "note")), "{res}");
        let idx = res["ruleIndex"].as_u64().ok_or("no ruleIndex")?;
        let rule = rules.get(usize::try_from(idx)?).ok_or("no such rule")?;
        assert_eq!(rule["id"], res["ruleId"]);
        assert_eq!(
            rule["defaultConfiguration"]["level"], res["level"],
            "the rule carries the severity the result is shown with"
        );
        let shown = res["properties"]["severity"].as_str().unwrap_or("");
        let want = match shown {
            "critical" => Some("9.5"),
            "high" => Some("8.0"),
            "medium" => Some("5.5"),
            "low" => Some("3.0"),
            _ => None,
        };
        assert_eq!(
            rule["properties"]["security-severity"].as_str(),
            want,
            "{res}"
        );
        let locs = res["locations"].as_array().ok_or("no locations")?;
        assert_eq!(locs.len(), 1);
        let phys = &locs[0]["physicalLocation"];
        let url = res["properties"]["url"].as_str().ok_or("no url")?;
        if location.is_empty() {
            assert_eq!(phys["artifactLocation"]["uri"], url);
        } else {
            assert_eq!(phys["artifactLocation"]["uri"], location);
        }
        let region = &phys["region"];
        for k in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(
                region[k].as_u64().is_some_and(|v| v >= 1),
                "{k} in {region}"
            );
        }
        assert!(region["endColumn"].as_u64() > region["startColumn"].as_u64());
        let host_port = res["properties"]["host-port"]
            .as_str()
            .ok_or("no host-port")?;
        let rule_id = res["ruleId"].as_str().unwrap_or("");
        let base = rule_id.split('/').next().unwrap_or(rule_id);
        let fp = res["partialFingerprints"]["mtlsScan/v1"]
            .as_str()
            .ok_or("no fingerprint")?;
        assert_eq!(fp, sha256_hex(&format!("{base}|{host_port}")));
        let line_hash = res["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .ok_or("no primaryLocationLineHash")?;
        let expected = sha256_hex(&format!("{base}|url|{url}"));
        assert_eq!(
            line_hash,
            format!("{}:1", expected.get(..16).unwrap_or("")),
            "stable: from the rule and the target only"
        );
        if let Some(other) = hashes.insert(line_hash.to_owned(), (base.to_owned(), url.to_owned()))
        {
            assert_eq!(
                other,
                (base.to_owned(), url.to_owned()),
                "one hash per rule and target"
            );
        }
        assert!(res["message"]["text"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    Ok(())
}

/// Each result's region, in `file` of `workspace`, is its own target's URL (or its host:port).
pub fn check_sarif_lines(sarif: &Value, workspace: &std::path::Path) -> TestResult {
    for res in sarif["runs"][0]["results"].as_array().ok_or("no results")? {
        let phys = &res["locations"][0]["physicalLocation"];
        let file = phys["artifactLocation"]["uri"].as_str().ok_or("no uri")?;
        let text = std::fs::read_to_string(workspace.join(file))?;
        let line = usize::try_from(phys["region"]["startLine"].as_u64().ok_or("no line")?)?;
        let start = usize::try_from(phys["region"]["startColumn"].as_u64().ok_or("no col")?)?;
        let end = usize::try_from(phys["region"]["endColumn"].as_u64().ok_or("no col")?)?;
        let l = text.lines().nth(line - 1).ok_or("no such line")?;
        let named = l.get(start - 1..end - 1).ok_or("no such columns")?;
        let url = res["properties"]["url"].as_str().unwrap_or("");
        let host_port = res["properties"]["host-port"].as_str().unwrap_or("");
        assert!(
            url.trim_end_matches('/') == named.trim_end_matches('/') || named == host_port,
            "line {line} of {file} names {named:?}, not {url}"
        );
    }
    Ok(())
}

/// With `MTLS_SCAN_SARIF_DIR` set: the SARIF is copied to `<dir>/<test name>/<n>.sarif`, for
/// `.ci/check_sarif.py`.
pub fn keep_for_ci(sarif: &Value) -> TestResult {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let Some(dir) = std::env::var_os("MTLS_SCAN_SARIF_DIR") else {
        return Ok(());
    };
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .replace("::", "-");
    let dir = std::path::Path::new(&dir).join(format!("{}-{test}", env!("CARGO_CRATE_NAME")));
    std::fs::create_dir_all(&dir)?;
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::fs::write(
        dir.join(format!("{}-{n}.sarif", std::process::id())),
        serde_json::to_vec_pretty(sarif)?,
    )?;
    Ok(())
}

pub fn sha256_hex(s: &str) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, s.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// No line of a secret is visible anywhere, and each one was masked first.
pub fn check_secret(ran: &Ran, secret: &str) -> TestResult {
    let masks: Vec<String> = ran
        .named("add-mask")?
        .into_iter()
        .map(|c| c.message)
        .collect();
    for line in secret.lines().map(str::trim).filter(|l| !l.is_empty()) {
        assert!(
            masks.iter().any(|m| m == line),
            "secret line not masked: {line}"
        );
        if line.starts_with("-----") {
            continue; // the PEM armour is no secret
        }
        for (i, text) in ran.visible()?.iter().enumerate() {
            assert!(
                !text.contains(line),
                "secret line {line:?} visible in output #{i}"
            );
        }
    }
    Ok(())
}
