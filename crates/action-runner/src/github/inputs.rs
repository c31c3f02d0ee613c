//! The Action's inputs, read from `INPUT_<NAME>` as the runner sets them (name upper-cased, hyphens
//! kept: `INPUT_API-URL`; `INPUT_API_URL` works too, see [`super::env`]). The runner checks none
//! of them, so every one is validated here, and every problem is reported at once. An input that
//! is not given is `None`: the config's defaults and the built-in ones apply later, in
//! [`crate::pipeline::settings`].

use std::path::{Path, PathBuf};

use probe_core::grade::Grade;
use probe_core::target::Target;

use super::env::Env;

/// Inputs whose values are secrets: every line of them is masked before anything else is printed.
pub const SECRET_INPUTS: &[&str] = &["client-key", "issuing-ca-key", "github-token", "headers"];

/// Inputs that take one value on one line (a path, a grade, a number, a word).
pub const ONE_LINE_INPUTS: &[&str] = &[
    "fail-under",
    "config",
    "sarif-file",
    "category",
    "format",
    "report-file",
    "timeout",
    "deadline",
    "concurrency",
    "comment",
    "check-run",
    "fail-on",
    "fail-on-incomplete",
    "baseline",
    "shard",
];

/// Inputs that take a list, one item per line (some also separated by commas or spaces).
pub const LIST_INPUTS: &[&str] = &["api-url", "resolve", "skip-probes", "tls-versions"];

/// Inputs that take PEM text or a path to it, and check it themselves without quoting the text
/// (the keys among them are in [`SECRET_INPUTS`]).
pub const PEM_INPUTS: &[&str] = &["ca-file", "client-cert", "issuing-ca-cert"];

/// Why a plain-value input's value ([`ONE_LINE_INPUTS`], [`LIST_INPUTS`]) is never quoted, when it
/// is not: it looks like PEM or key material, or it spans lines where one line is expected (a
/// secret pasted into the wrong input). Such a value is masked before anything is printed and
/// refused, and this is all any message says of it (`a value of 5 lines that looks like a PEM
/// block (not shown)`).
pub fn withheld(input: &str, value: &str) -> Option<String> {
    let value = value.trim();
    let one_line = ONE_LINE_INPUTS.contains(&input);
    if !one_line && !LIST_INPUTS.contains(&input) {
        return None;
    }
    let lines = value.split(['\n', '\r']).filter(|l| !l.is_empty()).count();
    let size = if lines == 1 {
        "a value".to_owned()
    } else {
        format!("a value of {lines} lines")
    };
    if value.contains("-----BEGIN") || value.contains("PRIVATE KEY") {
        Some(format!(
            "{size} that looks like a PEM block or a key (not shown): this input takes no key \
             nor certificate (they go in `client-key`, `client-cert`, `ca-file` or the \
             `issuing-ca-` inputs, from a secret)"
        ))
    } else if one_line && value.contains(['\n', '\r']) {
        Some(format!(
            "{size} (not shown): this input takes one value on one line"
        ))
    } else if !matches!(input, "api-url" | "resolve") && holds_base64_run(value) {
        // A line of a key's body alone (`MIGHAgEAMBMG…`, a review's pasted into `timeout`) has
        // no PEM marker: a long base64 run of mixed case and digits is withheld too.
        Some(format!(
            "{size} that looks like a key's or a certificate's base64 (not shown): this input \
             takes no key nor certificate (they go in `client-key`, `client-cert`, `ca-file` or \
             the `issuing-ca-` inputs, from a secret)"
        ))
    } else {
        None
    }
}

/// The fewest characters of a base64 run [`withheld`] takes for key material.
const MIN_BASE64_RUN: usize = 40;

/// Whether `value` holds a run of [`MIN_BASE64_RUN`] standard base64 characters or more with
/// upper and lower case letters and a digit among them: a line of PEM's body. No URL, path,
/// number, probe id or category is one (they hold `:`, `.`, `-` or spaces, or one case alone);
/// URLs (`api-url`, `resolve`), whose paths may hold long ids, are not asked.
fn holds_base64_run(value: &str) -> bool {
    value
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
        .any(|run| {
            run.len() >= MIN_BASE64_RUN
                && run.bytes().any(|b| b.is_ascii_uppercase())
                && run.bytes().any(|b| b.is_ascii_lowercase())
                && run.bytes().any(|b| b.is_ascii_digit())
        })
}

/// What to mask of a [`withheld`] value: each line, trimmed, of 4 characters or more. A shorter
/// line is no secret worth hiding, and the runner masks every occurrence of a mask in the rest of
/// the log (`B` would blank every B).
pub fn withheld_mask_lines(value: &str) -> impl Iterator<Item = &str> {
    mask_lines(value).filter(|l| l.chars().count() >= 4)
}

/// The lines to pass to `::add-mask::` for a secret: each non-empty line, trimmed, since the runner
/// masks one line per command.
pub fn mask_lines(secret: &str) -> impl Iterator<Item = &str> {
    secret.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// Besides whole lines, what else of a `headers` input is masked: each header's value, and the
/// credential after an auth scheme (`Bearer xyz` → `xyz`), so a server that echoes the value alone
/// does not show it in the log.
pub fn header_value_masks(headers: &str) -> impl Iterator<Item = &str> {
    mask_lines(headers)
        .flat_map(|line| header_value_parts(line.split_once(':').map_or("", |(_, v)| v)))
}

/// What to mask of one header's value: the value, and the credential after an auth scheme
/// (`Bearer xyz` → `xyz`), each of 4 characters or more (the `headers` input's, and the
/// config's `headers`, alike).
pub fn header_value_parts(value: &str) -> impl Iterator<Item = &str> {
    let value = value.trim();
    let credential = value
        .split_once(' ')
        .map_or("", |(_, c)| c.trim())
        .trim_start();
    [value, credential].into_iter().filter(|v| v.len() >= 4)
}

/// A path as the user gave it (relative to the workspace) and where it really is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspacePath {
    /// As given, for outputs and messages: later steps run in the workspace on the host, where
    /// the container's `/github/workspace` does not exist.
    pub shown: String,
    /// Resolved against `GITHUB_WORKSPACE`.
    pub real: PathBuf,
}

impl WorkspacePath {
    fn new(workspace: &Path, given: &str) -> Self {
        let p = Path::new(given);
        Self {
            shown: given.to_owned(),
            real: if p.is_absolute() {
                p.to_path_buf()
            } else {
                workspace.join(p)
            },
        }
    }
}

/// `ca-file`: PEM text (e.g. from a secret) or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaSource {
    /// PEM text given inline.
    Text(String),
    /// A file.
    File(WorkspacePath),
}

/// Every input, validated.
#[derive(Clone)]
pub struct Inputs {
    /// The targets, parsed, in the order given.
    pub targets: Vec<Target>,
    /// `fail-under`: fail when the grade is below this (else the config's, else C).
    pub fail_under: Option<Grade>,
    /// `fail-under: none`: report, never fail on the grade.
    pub no_fail_under: bool,
    /// `concurrency`: probes in flight at once (else the config's, else 64).
    pub concurrency: Option<u16>,
    /// `deadline`: total deadline of the scan, seconds (else the config's, else none).
    pub deadline: Option<f64>,
    /// `format` of `report-file` (default JSON).
    pub format: crate::render::Format,
    /// `category`: the SARIF category (`mtls-scan/<category>/`).
    pub category: Option<String>,
    /// Texts read from files given as paths that hold a private key (masked before anything is
    /// printed, whatever the input).
    pub read_secrets: Vec<String>,
    /// `timeout`: per-probe deadline, seconds (else the config's, else the built-in 10 s).
    pub timeout: Option<f64>,
    /// Extra trust anchors for the server certificate.
    pub ca_file: Option<CaSource>,
    /// `client-cert`, as PEM text.
    pub client_cert: Option<String>,
    /// `client-key`, as PEM text (secret).
    pub client_key: Option<String>,
    /// `issuing-ca-cert`, as PEM text.
    pub issuing_ca_cert: Option<String>,
    /// `issuing-ca-key`, as PEM text (secret).
    pub issuing_ca_key: Option<String>,
    /// `config`, an existing file.
    pub config: Option<WorkspacePath>,
    /// `baseline`, a JSON report of an earlier scan: a regular file, or no file at all yet (the
    /// first run: [`crate::github::setup::Setup`] warns, and every finding counts as new).
    pub baseline: Option<WorkspacePath>,
    /// `fail-on: new`: fail only on findings that are not in the baseline.
    pub fail_on_new: bool,
    /// `fail-on-incomplete` (default true): exit 3 when a target is incomplete and nothing else
    /// fails; `false` turns it into a warning.
    pub fail_on_incomplete: bool,
    /// `shard: I/N`: scan only this deterministic slice of the targets (a CI matrix).
    pub shard: Option<(usize, usize)>,
    /// Where to write the SARIF.
    pub sarif_file: WorkspacePath,
    /// Where to write the JSON report.
    pub report_file: WorkspacePath,
    /// The workspace (`GITHUB_WORKSPACE`, else the current directory).
    pub workspace: PathBuf,
    /// `comment: true`: keep one sticky comment on the pull request.
    pub comment: bool,
    /// `check-run: true`: publish a check run with the annotations.
    pub check_run: bool,
    /// `github-token` (secret, masked first): for the comment and the check run.
    pub github_token: Option<String>,
    /// `resolve`: `HOST:PORT:ADDR` entries, one per line.
    pub resolve: Vec<probe_core::target::Resolve>,
    /// `headers` (secret, masked first): `Name: value` lines sent on every probe request.
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
    /// `skip-probes`: probe ids switched off, one per line or separated by commas.
    pub skip_probes: Vec<probe_core::facts::ProbeId>,
    /// `tls-versions`: the TLS versions the servers speak, one per line or separated by commas.
    pub tls_versions: Vec<probe_core::facts::TlsVersion>,
}

/// Where the JSON report goes, relative to the workspace.
pub const REPORT_FILE: &str = "mtls-scan-report.json";

/// The default `report-file` of a `format`.
pub fn report_file_for(format: crate::render::Format) -> &'static str {
    use crate::render::Format;
    match format {
        Format::Json => REPORT_FILE,
        Format::Sarif => "mtls-scan-report.sarif",
        Format::Markdown => "mtls-scan-report.md",
        Format::Text => "mtls-scan-report.txt",
        Format::Jsonl => "mtls-scan-report.jsonl",
    }
}

/// One invalid input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The input's name, e.g. `fail-under`.
    pub input: &'static str,
    /// What is wrong and what to do. Never quotes a secret.
    pub message: String,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "input `{}`: {}", self.input, self.message)
    }
}

struct Checker<'a> {
    env: &'a Env,
    workspace: PathBuf,
    /// Where outputs may be written: the workspace and `RUNNER_TEMP`.
    roots: Vec<PathBuf>,
    errors: Vec<InputError>,
    /// Texts read from files that hold a private key.
    secrets: Vec<String>,
}

impl Checker<'_> {
    /// Records an error about an input. Every error goes through here, so this is where a value
    /// that may be a secret ([`withheld`]) is kept out of them all: its one error says what it
    /// looks like, and each other error about the input (which may quote it, or a line of it) is
    /// left out.
    fn fail(&mut self, input: &'static str, message: impl Into<String>) {
        let message = match self.env.input(input).and_then(|v| withheld(input, v)) {
            Some(why)
                if self
                    .errors
                    .iter()
                    .any(|e| e.input == input && e.message == why) =>
            {
                return
            }
            Some(why) => why,
            None => message.into(),
        };
        self.errors.push(InputError { input, message });
    }

    /// Refuses every plain-value input whose value is [`withheld`], first, even where the value
    /// would pass its own checks (a key's lines read as a list of host names).
    fn refuse_withheld(&mut self) {
        for input in ONE_LINE_INPUTS.iter().chain(LIST_INPUTS) {
            if self
                .env
                .input(input)
                .and_then(|v| withheld(input, v))
                .is_some()
            {
                self.fail(input, String::new());
            }
        }
    }

    /// PEM text, or a path to read. `secret` inputs never have their value quoted.
    fn pem(
        &mut self,
        input: &'static str,
        marker: &str,
        what: &str,
        secret: bool,
    ) -> Option<String> {
        let value = self.env.input(input)?;
        let text = if value.contains("-----BEGIN") {
            // A certificate input pasted with its key: the key is masked too.
            if !secret && crate::config::holds_private_key(value) {
                self.secrets.push(crate::config::private_key_blocks(value));
            }
            crate::files::strip_bom(value).to_owned()
        } else {
            if value.contains('\n') {
                self.fail(
                    input,
                    format!(
                        "neither PEM text (no -----BEGIN line) nor a path: give the {what} in PEM"
                    ),
                );
                return None;
            }
            let path = WorkspacePath::new(&self.workspace, value);
            let shown = if secret {
                "the path given".to_owned()
            } else {
                format!("{:?}", path.shown)
            };
            match crate::files::read_text(&path.real, crate::files::PEM_LIMIT, "a PEM file") {
                Ok(t) => {
                    if crate::config::holds_private_key(&t) {
                        self.secrets.push(t.clone());
                    }
                    t
                }
                Err(e) if e.is_not_found() => {
                    self.fail(input, format!("not PEM text (no -----BEGIN line), and no file at {shown} in the workspace"));
                    return None;
                }
                Err(e) => {
                    self.fail(input, format!("cannot read {shown}: {e}"));
                    return None;
                }
            }
        };
        if !text.contains(marker) {
            self.fail(
                input,
                format!("no PEM {what} found (expected a {marker} line)"),
            );
            return None;
        }
        Some(text)
    }

    fn pair(&mut self, cert: &'static str, key: &'static str) -> (Option<String>, Option<String>) {
        let c = self.pem(cert, "-----BEGIN CERTIFICATE-----", "certificate", false);
        let k = self.pem(key, "PRIVATE KEY-----", "private key", true);
        match (
            self.env.input(cert).is_some(),
            self.env.input(key).is_some(),
        ) {
            (true, false) => self.fail(
                key,
                format!("`{cert}` is set but `{key}` is not: give both, or neither"),
            ),
            (false, true) => self.fail(
                cert,
                format!("`{key}` is set but `{cert}` is not: give both, or neither"),
            ),
            _ => {}
        }
        (c, k)
    }

    /// A file to read: a regular file (symlinks followed) of at most `limit` bytes.
    fn file(&mut self, input: &'static str, limit: u64) -> Option<WorkspacePath> {
        let value = self.env.input(input)?;
        let path = WorkspacePath::new(&self.workspace, value);
        match crate::files::check_regular(&path.real, limit, "this input") {
            Ok(()) => Some(path),
            Err(e) if e.is_not_found() => {
                self.fail(
                    input,
                    format!("no file at {:?} in the workspace", path.shown),
                );
                None
            }
            Err(e) => {
                self.fail(input, format!("{:?} is {e}", path.shown));
                None
            }
        }
    }

    /// `baseline`: as [`Checker::file`], but a path with no file yet is kept (the first run of a
    /// workflow that keeps its last report: every finding counts as new, with a warning).
    fn baseline(&mut self) -> Option<WorkspacePath> {
        let value = self.env.input("baseline")?;
        let path = WorkspacePath::new(&self.workspace, value);
        match crate::files::check_regular(&path.real, crate::files::REPORT_LIMIT, "this input") {
            Ok(()) => Some(path),
            Err(e) if e.is_not_found() => Some(path),
            Err(e) => {
                self.fail("baseline", format!("{:?} is {e}", path.shown));
                None
            }
        }
    }

    /// An output file (`sarif-file`, `report-file`): inside the workspace or `RUNNER_TEMP`.
    fn output_file(&mut self, input: &'static str, default: &str) -> WorkspacePath {
        let given = self.env.input(input).unwrap_or(default);
        // A line break in the name would put what follows it on a line of its own wherever the
        // path is printed (a workflow command in the log); no report needs such a name. The value
        // is not quoted: it may be anything pasted by mistake.
        if given.chars().any(char::is_control) {
            self.fail(
                input,
                "the path holds a control character (a line break, a tab…; not shown): name a \
                 file without one",
            );
            return WorkspacePath::new(&self.workspace, default);
        }
        match crate::files::contained(&self.workspace, &self.roots, given) {
            Ok(real) => WorkspacePath {
                shown: given.to_owned(),
                real,
            },
            Err(e) => {
                self.fail(input, format!("{given:?} is {e}"));
                WorkspacePath::new(&self.workspace, default)
            }
        }
    }

    /// `report-file` and `sarif-file` on one file (the same path, or one that resolves to it):
    /// refused, since the SARIF file would overwrite the report. Not checked when either was
    /// refused already.
    fn distinct_outputs(&mut self, before: usize, sarif: &WorkspacePath, report: &WorkspacePath) {
        if self.errors.len() > before {
            return;
        }
        let pair = [
            ("sarif-file", sarif.real.as_path()),
            ("report-file", report.real.as_path()),
        ];
        if !crate::files::same_destinations(&pair, false).is_empty() {
            self.fail(
                "report-file",
                format!(
                    "{:?} is the same file as `sarif-file` ({:?}): one would overwrite the \
                     other; give each its own path",
                    report.shown, sarif.shown
                ),
            );
        }
    }

    /// `baseline` on the file `report-file` or `sarif-file` writes (however spelt: a symlink at
    /// the baseline's path followed, as reading it follows it): refused, since a failing run
    /// would write its own findings over its baseline, and the next run would pass with the
    /// regression "accepted".
    fn baseline_not_an_output(
        &mut self,
        baseline: Option<&WorkspacePath>,
        outputs: [(&str, &WorkspacePath); 2],
    ) {
        let Some(b) = baseline else { return };
        let read = crate::files::destination(&b.real, true);
        for (input, out) in outputs {
            // The report replaces a symlink at its path, never writes through it.
            if crate::files::destination(&out.real, false) == read {
                self.fail(
                    "baseline",
                    format!(
                        "{:?} is the file `{input}` writes ({:?}): this run would overwrite its \
                         own baseline, and a failing run's findings would become the next run's \
                         baseline (its regressions no longer new); keep the baseline at another \
                         path (e.g. baseline/mtls-scan-report.json) and copy the report there \
                         after a run that passes, or one whose findings you accept",
                        b.shown, out.shown
                    ),
                );
                return;
            }
        }
    }

    /// `api-url`: one URL or several, one per line; optional when a config lists targets.
    fn targets(&mut self) -> Vec<Target> {
        match self.env.input("api-url") {
            // A config file lists targets of its own.
            None if self.env.input("config").is_some() => Vec::new(),
            None => {
                self.fail(
                    "api-url",
                    "required: one https:// URL, or several separated by newlines, spaces, commas or \
                     semicolons",
                );
                Vec::new()
            }
            Some(v) => {
                let urls = split_urls(v);
                // A URL whose userinfo a space cut: refused whole, never parsed (a space in a
                // path is a valid URL, and the password would be its path), shown without it.
                let spaced: Vec<&String> = urls
                    .iter()
                    .filter(|u| u.chars().any(char::is_whitespace))
                    .collect();
                for u in &spaced {
                    self.fail(
                        "api-url",
                        format!(
                            "{:?} is not a URL: a space in its userinfo (credentials in the URL \
                             are not supported: give them with `header`)",
                            probe_core::error::shown_target(u)
                        ),
                    );
                }
                if !spaced.is_empty() {
                    return Vec::new();
                }
                crate::parse::targets(&urls).unwrap_or_else(|e| {
                    for line in e.lines() {
                        self.fail("api-url", line.to_owned());
                    }
                    Vec::new()
                })
            }
        }
    }

    /// A value read by `parse` (a grade, seconds, a shard), when the input is given.
    fn value<T>(&mut self, input: &'static str, parse: fn(&str) -> Result<T, String>) -> Option<T> {
        let v = self.env.input(input)?;
        parse(v).map_err(|e| self.fail(input, e)).ok()
    }

    /// A list input: one value per line (and, unless `lines_only`, also separated by commas).
    fn list<T>(
        &mut self,
        input: &'static str,
        lines_only: bool,
        parse: fn(&str) -> Result<T, String>,
    ) -> Vec<T> {
        let Some(v) = self.env.input(input) else {
            return Vec::new();
        };
        let items: Vec<&str> = if lines_only {
            v.lines().collect()
        } else {
            v.split(['\n', ',']).collect()
        };
        items
            .into_iter()
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .filter_map(|i| parse(i).map_err(|e| self.fail(input, e)).ok())
            .collect()
    }

    /// `fail-under`: a grade, or `none` (never fail on the grade), read by
    /// [`crate::parse::threshold`] as `--fail-under` and the config's are.
    fn fail_under(&mut self) -> (Option<Grade>, bool) {
        match self.value("fail-under", crate::parse::threshold) {
            Some(crate::exit::Threshold::None) => (None, true),
            Some(crate::exit::Threshold::Grade(g)) => (Some(g), false),
            None => (None, false),
        }
    }

    /// `ca-file`: PEM text, or a file in the workspace.
    fn ca_file(&mut self) -> Option<CaSource> {
        match self.env.input("ca-file")? {
            v if v.contains("-----BEGIN") => {
                // A key pasted with the CA (a whole bundle from a secret) is masked too.
                if crate::config::holds_private_key(v) {
                    self.secrets.push(crate::config::private_key_blocks(v));
                }
                if !v.contains("-----BEGIN CERTIFICATE-----") {
                    self.fail(
                        "ca-file",
                        "no PEM certificate found (expected a -----BEGIN CERTIFICATE----- line)",
                    );
                }
                Some(CaSource::Text(crate::files::strip_bom(v).to_owned()))
            }
            _ => {
                let path = self.file("ca-file", crate::files::PEM_LIMIT)?;
                // Read here, not only by the scanner: a key in it is masked before anything is
                // printed, and a file without a certificate is refused naming the input.
                let text = match crate::files::read_text(
                    &path.real,
                    crate::files::PEM_LIMIT,
                    "a PEM file",
                ) {
                    Ok(t) => t,
                    Err(e) => {
                        self.fail("ca-file", format!("cannot read {:?}: {e}", path.shown));
                        return None;
                    }
                };
                let key = crate::config::holds_private_key(&text);
                if key {
                    self.secrets.push(crate::config::private_key_blocks(&text));
                }
                if !text.contains("-----BEGIN CERTIFICATE-----") {
                    self.fail(
                        "ca-file",
                        format!(
                            "no PEM certificate found in {:?} (expected a -----BEGIN \
                             CERTIFICATE----- line){}",
                            path.shown,
                            if key {
                                "; it holds a private key, which is not a CA: name the CA's \
                                 certificate file"
                            } else {
                                ""
                            }
                        ),
                    );
                    return None;
                }
                Some(CaSource::File(path))
            }
        }
    }

    /// `fail-on`: `grade` (default) or `new`, which needs `baseline` (read by
    /// [`crate::parse::fail_on`], as `--fail-on`: any case).
    fn fail_on_new(&mut self) -> bool {
        match self.value("fail-on", crate::parse::fail_on) {
            None | Some(crate::exit::FailOn::Grade) => false,
            Some(crate::exit::FailOn::New) => {
                if self.env.input("baseline").is_none() {
                    self.fail(
                        "fail-on",
                        "`new` needs the `baseline` input (a JSON report of an earlier scan)",
                    );
                }
                true
            }
        }
    }

    /// A boolean as toolkit's `getBooleanInput` reads it, by [`crate::parse::boolean`] as the
    /// command line's `--fail-on-incomplete` is; `default` when not given.
    fn flag(&mut self, input: &'static str, default: bool) -> bool {
        match self.env.input(input) {
            None => default,
            Some(v) => crate::parse::boolean(v)
                .map_err(|e| self.fail(input, e))
                .unwrap_or(false),
        }
    }
}

/// `api-url`'s URLs: one per line, or separated by spaces, commas or semicolons (`https://a/,
/// https://b/`, `https://a/;https://b/`). A comma or semicolon inside a URL (`https://a/x,y`,
/// `https://a/p;v=1`) stays: pieces are split only when each is a URL.
///
/// A password with a space (`https://user:pa ss@host/`, not percent-encoded) is never split: the
/// pieces up to the one with the `@` stay one (refused) URL, so its error shows `https://***@host/`
/// and not `https://user:pa`, a fragment of the password.
pub fn split_urls(v: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for token in tokens_keeping_userinfo(v) {
        let token = token.as_str();
        let pieces: Vec<&str> = token.split([',', ';']).filter(|p| !p.is_empty()).collect();
        // Each piece starts a URL (`https://…`), not one holding a URL in its query or a matrix
        // parameter (`?page=1;next=https://…`, `/login;return=https://…`: an audit's valid URL
        // was cut in two and refused).
        let all_urls = pieces.iter().skip(1).all(|p| starts_a_url(p));
        if pieces.len() > 1 && all_urls {
            urls.extend(pieces.into_iter().map(str::to_owned));
        } else {
            let t = token.trim_matches([',', ';']);
            if !t.is_empty() {
                urls.push(t.to_owned());
            }
        }
    }
    urls
}

/// Whether `piece` begins with a URL scheme and `://` (`https://h/`, `h2c://…`).
fn starts_a_url(piece: &str) -> bool {
    piece.split_once("://").is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `v` split at whitespace, line by line, except that a URL cut inside its userinfo by a space
/// (`https://user:pa ss@host/`: a piece whose authority, up to any `/`, `?` or `#`, holds a `:`
/// and no `@`, then the pieces of the same line up to one holding an `@`, before any piece that
/// starts a URL) is kept whole. Such a token is never a target: `Checker::targets` refuses every
/// token with whitespace, showing it without its userinfo.
fn tokens_keeping_userinfo(v: &str) -> Vec<String> {
    let cut_in_userinfo = |t: &str| {
        let rest = t.split_once("://").map_or(t, |(_, r)| r);
        rest.split(['/', '?', '#'])
            .next()
            .is_some_and(|a| a.contains(':') && !a.contains('@'))
    };
    let mut tokens = Vec::new();
    for line in v.lines() {
        let pieces: Vec<&str> = line.split_whitespace().collect();
        let mut i = 0;
        while let Some(first) = pieces.get(i) {
            let mut end = i;
            if cut_in_userinfo(first) {
                let later = pieces.iter().enumerate().skip(i + 1);
                end = later
                    .take_while(|(_, p)| !p.contains("://"))
                    .find(|(_, p)| p.contains('@'))
                    .map_or(i, |(j, _)| j);
            }
            tokens.push(
                pieces
                    .get(i..=end)
                    .map_or_else(|| (*first).to_owned(), |run| run.join(" ")),
            );
            i = end + 1;
        }
    }
    tokens
}

/// The workspace: `GITHUB_WORKSPACE`, else the current directory.
fn workspace(env: &Env) -> PathBuf {
    env.var("GITHUB_WORKSPACE")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

impl Inputs {
    /// Reads and validates every input; returns every problem found.
    pub fn parse(env: &Env) -> Result<Inputs, Vec<InputError>> {
        Self::parse_masking(env, &mut Vec::new())
    }

    /// [`Inputs::parse`], adding to `secrets` every text read from a file that holds a private key
    /// (to be masked before any error is printed).
    pub fn parse_masking(env: &Env, secrets: &mut Vec<String>) -> Result<Inputs, Vec<InputError>> {
        let workspace = workspace(env);
        let mut roots = vec![workspace.clone()];
        roots.extend(env.var("RUNNER_TEMP").map(PathBuf::from));
        let mut c = Checker {
            env,
            workspace: workspace.clone(),
            roots,
            errors: Vec::new(),
            secrets: Vec::new(),
        };
        c.refuse_withheld();
        let targets = c.targets();
        let (fail_under, no_fail_under) = c.fail_under();
        let concurrency = c.value("concurrency", crate::parse::concurrency);
        let deadline = c.value("deadline", crate::parse::secs_long);
        let format = c
            .value("format", |v| {
                <crate::render::Format as clap::ValueEnum>::from_str(v.trim(), true)
                    .map_err(|_| format!("{v:?} is not one of: json, sarif, markdown, text, jsonl"))
            })
            .unwrap_or(crate::render::Format::Json);
        let category = c.value("category", crate::render::sarif::category);
        let timeout = c.value("timeout", crate::parse::secs);
        let ca_file = c.ca_file();
        let (client_cert, client_key) = c.pair("client-cert", "client-key");
        let (issuing_ca_cert, issuing_ca_key) = c.pair("issuing-ca-cert", "issuing-ca-key");
        let config = c.file("config", crate::files::CONFIG_LIMIT);
        let before = c.errors.len();
        let sarif_file = c.output_file("sarif-file", "mtls-scan.sarif");
        let report_file = c.output_file("report-file", report_file_for(format));
        c.distinct_outputs(before, &sarif_file, &report_file);
        // Output paths refused already stand at their defaults: not compared.
        let outputs_ok = c.errors.len() == before;
        let shard = c.value("shard", crate::parse::shard);
        let baseline = c.baseline();
        if outputs_ok {
            c.baseline_not_an_output(
                baseline.as_ref(),
                [("report-file", &report_file), ("sarif-file", &sarif_file)],
            );
        }
        let fail_on_new = c.fail_on_new();
        let comment = c.flag("comment", false);
        let check_run = c.flag("check-run", false);
        let fail_on_incomplete = c.flag("fail-on-incomplete", true);
        let resolve = c.list("resolve", false, crate::parse::resolve);
        // A header value may hold a comma: one header per line.
        let headers = c.list("headers", true, crate::parse::header);
        let skip_probes = c.list("skip-probes", false, crate::parse::probe_id);
        let tls_versions = c.list("tls-versions", false, crate::parse::tls_version);
        secrets.extend(c.secrets.iter().cloned());
        if !c.errors.is_empty() {
            return Err(c.errors);
        }
        Ok(Inputs {
            targets,
            fail_under,
            no_fail_under,
            concurrency,
            deadline,
            format,
            category,
            read_secrets: c.secrets,
            timeout,
            ca_file,
            client_cert,
            client_key,
            issuing_ca_cert,
            issuing_ca_key,
            config,
            baseline,
            fail_on_new,
            fail_on_incomplete,
            shard,
            sarif_file,
            report_file,
            workspace,
            comment,
            check_run,
            github_token: env.input("github-token").map(str::to_owned),
            resolve,
            headers,
            skip_probes,
            tls_versions,
        })
    }

    /// Secret texts read from files (their lines are masked too).
    pub fn secret_texts(&self) -> impl Iterator<Item = &str> {
        [&self.client_key, &self.issuing_ca_key]
            .into_iter()
            .flatten()
            .chain(&self.read_secrets)
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::env::input_var;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| (input_var(k), (*v).to_owned()))
            .collect()
    }

    fn errors(e: &Env) -> Vec<String> {
        match Inputs::parse(e) {
            Ok(_) => Vec::new(),
            Err(errs) => errs.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn defaults_and_several_urls() {
        let e = env(&[("api-url", "https://a.example:8443/x\n\n  b.example  \n")]);
        let Ok(i) = Inputs::parse(&e) else {
            panic!("valid inputs refused: {:?}", errors(&e))
        };
        assert_eq!(i.targets.len(), 2);
        assert_eq!(i.fail_under, None, "C unless the config says otherwise");
        assert_eq!(i.timeout, None, "10 s unless the config says otherwise");
        assert_eq!(i.sarif_file.shown, "mtls-scan.sarif");
        assert!(i.client_key.is_none() && i.ca_file.is_none());
        assert!(!i.comment && !i.check_run && i.github_token.is_none());
    }

    #[test]
    fn a_password_cut_by_a_space_is_never_quoted() {
        for v in [
            "https://user:pa ss@api.example/",
            "https://ok.example/ https://user:a b c@api.example/x",
            "user:pa ss@api.example",
            "https://user:pa\tss@api.example/",
            "https://ok.example/\nhttps://user:pa ss@api.example/",
        ] {
            let shown = errors(&env(&[("api-url", v)])).join("\n");
            assert!(shown.contains("***@api.example"), "{v:?}: {shown}");
            for secret in ["user:", ":pa", "ss@", ":a", "b c"] {
                assert!(!shown.contains(secret), "{v:?} showed {secret:?}: {shown}");
            }
        }
        // A URL on a line of its own is never glued to the next line's piece with an `@`, nor a
        // whole URL to a later piece: that piece is refused on its own, its userinfo hidden, and
        // nothing with the password in it is ever a target (a space in a path is a valid URL).
        for v in [
            "https://a.example/\nuser:hunter2@b.example",
            "https://a.example/ user:hunter2@b.example",
            "https://x.example/\nhttps://y.example/\nops:hunter2@z.example/api",
        ] {
            let e = env(&[("api-url", v)]);
            assert!(Inputs::parse(&e).is_err(), "{v:?} accepted");
            let shown = errors(&e).join("\n");
            assert!(
                shown.contains("***@") && !shown.contains("hunter2") && !shown.contains("user:"),
                "{v:?}: {shown}"
            );
        }
        // Spaces and commas between URLs still separate them; an `@` in a path is no userinfo.
        assert_eq!(
            split_urls("https://a/x, https://b/@me  c.example"),
            ["https://a/x", "https://b/@me", "c.example"]
        );
        // Semicolons too (an audit's `https://a/;https://b/` was one URL whose path held the
        // second); a matrix parameter stays in its URL.
        assert_eq!(
            split_urls("https://a/;https://b/ https://c/p;v=1;"),
            ["https://a/", "https://b/", "https://c/p;v=1"]
        );
        // A URL in a query or a matrix parameter stays in its URL.
        assert_eq!(
            split_urls("https://a/?page=1;next=https://a/o https://b/login;return=https://b/,x"),
            [
                "https://a/?page=1;next=https://a/o",
                "https://b/login;return=https://b/,x"
            ]
        );
    }

    #[test]
    fn tls_versions_input() {
        use probe_core::facts::TlsVersion;
        let e = env(&[
            ("api-url", "https://a.example"),
            ("tls-versions", "1.3, TLSv1.2\n"),
        ]);
        let Ok(i) = Inputs::parse(&e) else {
            panic!("valid inputs refused: {:?}", errors(&e))
        };
        assert_eq!(i.tls_versions, [TlsVersion::Tls13, TlsVersion::Tls12]);
        let shown = errors(&env(&[
            ("api-url", "https://a.example"),
            ("tls-versions", "1.1"),
        ]));
        assert!(
            shown
                .iter()
                .any(|e| e.contains("tls-versions") && e.contains("use 1.3 or 1.2")),
            "{shown:?}"
        );
    }

    #[test]
    fn github_api_inputs() {
        let e = env(&[
            ("api-url", "https://a.example"),
            ("comment", "true"),
            ("check-run", " False "),
            ("github-token", " ghs_abc\n"),
        ]);
        let Ok(i) = Inputs::parse(&e) else {
            panic!("valid inputs refused: {:?}", errors(&e))
        };
        assert!(i.comment && !i.check_run);
        assert_eq!(i.github_token.as_deref(), Some("ghs_abc"));
        let e = env(&[
            ("api-url", "https://a.example"),
            ("comment", "yes"),
            ("check-run", "1"),
        ]);
        assert_eq!(
            errors(&e),
            [
                "input `comment`: \"yes\" is not a boolean: use true or false",
                "input `check-run`: \"1\" is not a boolean: use true or false"
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let e = env(&[
            ("api-url", "http://plain.example\nhttps://ok.example"),
            ("fail-under", "E"),
            ("timeout", "soon"),
            ("ca-file", "missing.pem"),
            (
                "client-cert",
                "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----",
            ),
            ("config", "nope.yml"),
            ("fail-on", "sometimes"),
        ]);
        let errs = errors(&e);
        for want in [
            "`api-url`",
            "`fail-under`: \"E\"",
            "`timeout`",
            "`ca-file`",
            "`client-key`: `client-cert` is set",
            "`config`",
            "`fail-on`",
        ] {
            assert!(
                errs.iter().any(|m| m.contains(want)),
                "{want} missing from {errs:#?}"
            );
        }
        assert_eq!(
            errors(&Env::default()),
            vec![
                "input `api-url`: required: one https:// URL, or several separated by newlines, \
                 spaces, commas or semicolons"
            ]
        );
    }

    #[test]
    fn secret_values_are_never_quoted() {
        let e = env(&[
            ("api-url", "https://a.example"),
            ("client-cert", "c.pem"),
            ("client-key", "MHcCAQEEIsecretsecret"),
        ]);
        let errs = errors(&e).join("\n");
        assert!(!errs.contains("MHcCAQEEIsecretsecret"), "{errs}");
        assert!(errs.contains("\"c.pem\""), "{errs}");
        assert_eq!(mask_lines(" a\r\n\n b \n").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(
            header_value_masks("Authorization: Bearer abc.def\nX-Api-Key:  k3y-value \nX-A: ab")
                .collect::<Vec<_>>(),
            ["Bearer abc.def", "abc.def", "k3y-value"]
        );
    }

    /// Every input of action.yml is in one class: a secret, PEM, one line, or a list; a new
    /// input cannot be left out of [`withheld`]'s checks by mistake.
    #[test]
    fn every_input_is_classified_once() -> Result<(), Box<dyn std::error::Error>> {
        let action: serde_yaml::Value =
            serde_yaml::from_str(include_str!("../../../../action.yml"))?;
        let declared: Vec<&str> = action
            .get("inputs")
            .and_then(serde_yaml::Value::as_mapping)
            .ok_or("no inputs in action.yml")?
            .keys()
            .filter_map(serde_yaml::Value::as_str)
            .collect();
        let mut classified: Vec<&str> =
            [SECRET_INPUTS, PEM_INPUTS, ONE_LINE_INPUTS, LIST_INPUTS].concat();
        let mut declared_sorted = declared.clone();
        classified.sort_unstable();
        declared_sorted.sort_unstable();
        assert_eq!(classified, declared_sorted);
        Ok(())
    }

    /// A key pasted into a plain-value input, or several lines in a one-line input, is refused
    /// with one error per input that says what it looks like and quotes none of it, even where
    /// the value would pass its own checks; a list input keeps its lines.
    #[test]
    fn values_that_may_be_secrets_are_never_quoted() {
        let key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIG00hm2secretsecret\nAwEHoUQDQgAEVq\n\
                   -----END EC PRIVATE KEY-----\n";
        let plain: Vec<&str> = ONE_LINE_INPUTS.iter().chain(LIST_INPUTS).copied().collect();
        for input in plain {
            let mut given = vec![("api-url", "https://a.example")];
            given.retain(|(k, _)| *k != input);
            given.push((input, key));
            let errs = errors(&env(&given));
            assert_eq!(
                errs,
                [format!(
                    "input `{input}`: a value of 4 lines that looks like a PEM block or a key \
                     (not shown): this input takes no key nor certificate (they go in \
                     `client-key`, `client-cert`, `ca-file` or the `issuing-ca-` inputs, from a \
                     secret)"
                )],
                "{input}"
            );
        }
        let errs = errors(&env(&[
            ("api-url", "https://a.example"),
            ("timeout", "10\nghp_s3cretvalue"),
            (
                "skip-probes",
                "client-cert-header-spoofing\nhost-form-bypass",
            ),
        ]));
        assert_eq!(
            errs,
            ["input `timeout`: a value of 2 lines (not shown): this input takes one value on one \
              line"]
        );
        assert_eq!(
            withheld("api-url", "https://a.example\nhttps://b.example"),
            None
        );
        // One line of a key's body, no PEM marker: withheld too (a review's, quoted in the
        // `timeout` error and the step summary); values of those inputs are never such a run.
        let key_line = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgT1r2s3cr3tkey";
        for input in ["timeout", "skip-probes", "category", "config"] {
            assert!(
                withheld(input, key_line).is_some_and(|w| w.contains("base64 (not shown)")),
                "{input}"
            );
        }
        for (input, value) in [
            ("timeout", "12.5"),
            (
                "skip-probes",
                "client-cert-header-spoofing,host-form-bypass",
            ),
            ("category", "staging/eu-west-1/orders-api"),
            (
                "config",
                "/home/runner/work/orders-api/orders-api/.github/mtls-scan.yml",
            ),
            (
                "sarif-file",
                "results/ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOP.sarif",
            ),
            (
                "api-url",
                &format!("https://a.example/v1/objects/{key_line}"),
            ),
        ] {
            assert_eq!(withheld(input, value), None, "{input}: {value}");
        }
        assert_eq!(
            withheld("client-key", key),
            None,
            "a secret input is masked whole"
        );
        assert_eq!(
            withheld_mask_lines("B\n  MHcCAQ \nAw==").collect::<Vec<_>>(),
            ["MHcCAQ", "Aw=="]
        );
    }

    #[test]
    fn refused_headers_are_never_quoted() {
        let e = env(&[
            ("api-url", "https://a.example"),
            (
                "headers",
                "X-Ok: fine\ns3cret-tok3n\nBearer s3cret-tok3n: x\nX-Key: s3cret-tok3n\u{7f}\nHost: s3cret-tok3n",
            ),
        ]);
        let errs = errors(&e);
        assert_eq!(errs.len(), 4, "{errs:#?}");
        assert!(
            errs.iter()
                .all(|m| m.starts_with("input `headers`: ") && !m.contains("s3cret")),
            "{errs:#?}"
        );
    }

    /// `report-file` on the SARIF file's path, however spelt, is refused naming both inputs;
    /// distinct paths, or a path refused already, add no such error.
    #[test]
    fn report_and_sarif_files_must_differ() {
        let same = [
            vec![("report-file", "mtls-scan.sarif")],
            vec![("report-file", "./mtls-scan.sarif")],
            vec![("report-file", "out/x"), ("sarif-file", "out/./x")],
            vec![("report-file", "/w/mtls-scan.sarif")],
            vec![
                ("format", "sarif"),
                ("sarif-file", "mtls-scan-report.sarif"),
            ],
        ];
        for inputs in same {
            let e: Env = [("api-url", "https://a.example")]
                .iter()
                .chain(&inputs)
                .map(|(k, v)| (input_var(k), (*v).to_owned()))
                .chain([("GITHUB_WORKSPACE".to_owned(), "/w".to_owned())])
                .collect();
            let errs = errors(&e);
            assert_eq!(errs.len(), 1, "{inputs:?}: {errs:#?}");
            assert!(
                errs.iter().all(|m| m.starts_with("input `report-file`: ")
                    && m.contains("is the same file as `sarif-file`")),
                "{inputs:?}: {errs:#?}"
            );
        }
        for inputs in [
            vec![("report-file", "a.json"), ("sarif-file", "a.sarif")],
            vec![("format", "sarif")],
        ] {
            let mut given = vec![("api-url", "https://a.example")];
            given.extend(inputs.iter().copied());
            assert!(errors(&env(&given)).is_empty(), "{inputs:?}");
        }
        let e = env(&[
            ("api-url", "https://a.example"),
            ("sarif-file", "../mtls-scan-report.json"),
        ]);
        assert_eq!(errors(&e).len(), 1, "only the `..`: {:?}", errors(&e));
    }

    /// Every input of action.yml, given as a composite action sets them (`INPUT_FAIL_UNDER`), is
    /// read as the runner's spelling (`INPUT_FAIL-UNDER`) is.
    #[test]
    fn every_input_is_read_with_underscores_too() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let cert = "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n";
        let key = "-----BEGIN PRIVATE KEY-----\nMIG\n-----END PRIVATE KEY-----\n";
        std::fs::write(dir.path().join("mtls-scan.yml"), "targets: []\n")?;
        std::fs::write(dir.path().join("last.json"), "{}")?;
        std::fs::write(dir.path().join("ca.pem"), cert)?;
        let given = [
            ("api-url", "https://a.example"),
            ("fail-under", "B"),
            ("timeout", "2.5"),
            ("ca-file", "ca.pem"),
            ("client-cert", cert),
            ("client-key", key),
            ("issuing-ca-cert", cert),
            ("issuing-ca-key", key),
            ("config", "mtls-scan.yml"),
            ("sarif-file", "out/scan.sarif"),
            ("shard", "2/3"),
            ("baseline", "last.json"),
            ("fail-on", "new"),
            ("comment", "true"),
            ("check-run", "true"),
            ("fail-on-incomplete", "false"),
            ("github-token", "ghs_x"),
        ];
        let workspace = dir.path().display().to_string();
        let env: Env = given
            .iter()
            .map(|(k, v)| (input_var(k).replace('-', "_"), (*v).to_owned()))
            .chain([("GITHUB_WORKSPACE".to_owned(), workspace)])
            .collect();
        assert!(
            given.iter().all(|(k, _)| env.input(k).is_some()),
            "every input is found"
        );
        let i = Inputs::parse(&env).map_err(|e| format!("{e:?}"))?;
        assert_eq!(i.targets.len(), 1);
        assert_eq!((i.fail_under, i.timeout), (Some(Grade::B), Some(2.5)));
        assert!(matches!(&i.ca_file, Some(CaSource::File(p)) if p.shown == "ca.pem"));
        assert_eq!(i.client_cert.as_deref(), Some(cert.trim()));
        assert_eq!(i.client_key.as_deref(), Some(key.trim()));
        assert_eq!(i.issuing_ca_cert.as_deref(), Some(cert.trim()));
        assert_eq!(i.issuing_ca_key.as_deref(), Some(key.trim()));
        assert_eq!(i.config.map(|c| c.shown).as_deref(), Some("mtls-scan.yml"));
        assert_eq!(i.sarif_file.shown, "out/scan.sarif");
        assert_eq!(i.shard, Some((2, 3)));
        assert_eq!(i.baseline.map(|b| b.shown).as_deref(), Some("last.json"));
        assert!(i.fail_on_new && i.comment && i.check_run && !i.fail_on_incomplete);
        assert_eq!(i.github_token.as_deref(), Some("ghs_x"));
        Ok(())
    }
}
