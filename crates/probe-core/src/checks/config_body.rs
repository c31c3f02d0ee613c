//! Reading a leaked configuration: what format a body is in (JSON, YAML, `.properties`/`.env`,
//! text, HTML), whether it looks like configuration at all, and which settings in it switch
//! authentication off. Secrets are never copied out: their keys are listed, their values
//! redacted, and PEM blocks are cut. Every input is a capped body from an untrusted server.
//!
//! The settings recognised (keys compared without case or punctuation, so `client-auth`,
//! `clientAuth` and `client_auth` are one):
//!
//! | stack | setting | values that switch authentication off |
//! |---|---|---|
//! | Java/Spring | `server.ssl.client-auth` | `none`, `want` |
//! | Go | `ClientAuth` | `NoClientCert`, `RequestClientCert`, `RequireAnyClientCert`, `VerifyClientCertIfGiven` (or 0–3) |
//! | Go | `InsecureSkipVerify` | `true` |
//! | Node.js | `rejectUnauthorized` | `false` |
//! | Node.js | `NODE_TLS_REJECT_UNAUTHORIZED` | `0` |
//! | Python | `verify` | `False` |
//! | Python | `cert_reqs` / `verify_mode` (or any value) | `CERT_NONE`, `CERT_OPTIONAL` |
//!
//! `InsecureSkipVerify`, `NODE_TLS_REJECT_UNAUTHORIZED`, `verify`, `ssl_verify`-like keys and a
//! `rejectUnauthorized` under a client's key switch off the check of the servers the service
//! calls, not of its own clients ([`AuthOffSetting::outbound`]).
//! | nginx | `ssl_verify_client` | `off`, `optional`, `optional_no_ca` |
//! | Envoy | `require_client_certificate` | `false` |
//! | Istio | `mtls.mode` / `mode` | `PERMISSIVE` (and `DISABLE` under `mtls`) |

use crate::facts::TlsVersion;
use serde::{Deserialize, Serialize};

use crate::finding::remediation::Stack;

/// Key/value pairs read from one body at most.
const MAX_PAIRS: usize = 5_000;
/// Bytes the pairs of one body may hold (keys and values, roughly).
const MAX_PAIR_BYTES: usize = 2 * 1024 * 1024;
/// Characters of one key segment or value kept for matching.
const MAX_FIELD: usize = 256;
/// Nesting read at most (deeper pairs are not kept).
const MAX_DEPTH: usize = 32;
/// YAML nodes handed over at most, each use of an alias counting its whole subtree again. An
/// alias-free body within the 64 KiB body cap holds fewer than 33,000 (two bytes a node at least).
pub const MAX_YAML_NODES: usize = 50_000;
/// Characters of a setting's value kept in evidence.
const MAX_VALUE: usize = 80;

/// The format a body was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    /// A JSON object or array.
    Json,
    /// A YAML mapping (one or more documents).
    Yaml,
    /// `key=value` / `key: value` lines (`.properties`, `.env`).
    Properties,
    /// An HTML page.
    Html,
    /// Anything else.
    Text,
}

/// A setting that switches authentication off, as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthOffSetting {
    /// The stack whose setting it is, when it is one stack's.
    pub stack: Option<Stack>,
    /// The setting as found: `key = value` (value capped).
    pub setting: String,
    /// What it does.
    pub meaning: String,
    /// It switches off the check of the certificates of the servers this service connects to
    /// (Go `InsecureSkipVerify`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `verify=False`, a client's
    /// `rejectUnauthorized: false`), not the check of its own clients' certificates.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outbound: bool,
}

/// What a body is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The format it was read as.
    pub format: BodyFormat,
    /// Key/value pairs read.
    pub entries: usize,
    /// A recognised kind of endpoint, e.g. `Spring Boot actuator env`.
    pub kind: Option<&'static str>,
    /// Whether it looks like configuration (or a status page) rather than an ordinary answer.
    pub config_like: bool,
    /// Settings that switch authentication off.
    pub auth_off: Vec<AuthOffSetting>,
    /// Keys whose values look secret (the values are never kept), and `PEM block` (a
    /// certificate) or [`PEM_PRIVATE_KEY`] markers.
    pub secrets: Vec<String>,
    /// The stack the body points at.
    pub stack_hint: Option<Stack>,
    /// Sorted key names (a shape to compare with a catch-all answer).
    pub shape: Vec<String>,
}

/// Reads a body.
pub fn classify(body: &[u8], content_type: Option<&str>) -> Classified {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start();
    let lower_start: String = trimmed
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    let markup = lower_start.starts_with("<!doctype html") || lower_start.starts_with("<html");
    let said_html = content_type.is_some_and(|c| c.to_ascii_lowercase().contains("text/html"));
    // A JSON document served as `text/html` (Flask's and PHP's default type) is read as JSON:
    // an audit's Spring `env` dump so served was "2xx, but not configuration".
    let json = if markup { None } else { json_pairs(body) };

    let (format, pairs) = if markup || (said_html && json.is_none()) {
        (BodyFormat::Html, Vec::new())
    } else if let Some(p) = json {
        (BodyFormat::Json, p)
    } else if let Some(p) = yaml_pairs(body) {
        (BodyFormat::Yaml, p)
    } else if let Some(p) = properties_pairs(&text) {
        (BodyFormat::Properties, p)
    } else {
        (BodyFormat::Text, Vec::new())
    };

    let mut auth_off: Vec<AuthOffSetting> = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut secrets = Vec::new();
    for (path, value) in &pairs {
        let segments: Vec<&str> = path.iter().map(String::as_str).collect();
        if let Some(s) = match_setting(&segments, value) {
            push_unique(&mut auth_off, &mut seen, &segments, value, s);
        }
        if is_secret_key(&segments) && !value.trim().is_empty() && !is_masked(value) {
            let name = crate::text::sanitize(path.join(".").as_bytes(), 120);
            if !secrets.contains(&name) && secrets.len() < 20 {
                secrets.push(name);
            }
        }
    }
    if format != BodyFormat::Html {
        for (key, value) in text_pairs(&text) {
            let segments = [key.as_str()];
            if let Some(s) = match_setting(&segments, &value) {
                push_unique(&mut auth_off, &mut seen, &segments, &value, s);
            }
        }
    }
    if text.contains("-----BEGIN") {
        // A private key is a secret; a certificate is public (its block is cut all the same).
        secrets.push(if text.contains("PRIVATE KEY-----") {
            PEM_PRIVATE_KEY.to_owned()
        } else {
            "PEM block".to_owned()
        });
    }

    let keys: Vec<String> = pairs.iter().map(|(p, _)| p.join(".")).collect();
    let kind = recognise(&keys, &text, format);
    let stack_hint = auth_off
        .iter()
        .find_map(|s| s.stack)
        .or_else(|| kind.and_then(kind_stack))
        .or_else(|| {
            keys.iter()
                .any(|k| k.starts_with("NODE_"))
                .then_some(Stack::NodeJs)
        });
    let config_like = !auth_off.is_empty()
        || kind.is_some()
        || match format {
            // Five values at least, three of them under names settings have: an ordinary answer
            // of five fields (`{"theme":…,"pageSize":…,"language":…}`, a list of seven items)
            // is no configuration (a review's, a low finding on a correct server).
            BodyFormat::Json | BodyFormat::Yaml => {
                (pairs.len() >= 5 && setting_names(&pairs) >= 3) || !secrets.is_empty()
            }
            BodyFormat::Properties => pairs.len() >= 3 || !secrets.is_empty(),
            BodyFormat::Html | BodyFormat::Text => false,
        };
    let mut shape: Vec<String> = keys.into_iter().take(500).collect();
    shape.sort();
    shape.dedup();
    Classified {
        format,
        entries: pairs.len(),
        kind,
        config_like,
        auth_off,
        secrets,
        stack_hint,
        shape,
    }
}

fn push_unique(
    out: &mut Vec<AuthOffSetting>,
    seen: &mut Vec<(String, String)>,
    segments: &[&str],
    value: &str,
    found: Matched,
) {
    let key = (
        normalize(segments.last().copied().unwrap_or_default()),
        clean_value(value),
    );
    if seen.contains(&key) || out.len() >= 20 {
        return;
    }
    seen.push(key);
    let shown_key = crate::text::sanitize(segments.join(".").as_bytes(), 120);
    let shown_value = crate::text::sanitize(value.trim().as_bytes(), MAX_VALUE);
    out.push(AuthOffSetting {
        stack: found.0,
        // Belt and braces: a value under a secret-looking key never leaves, even when matched.
        setting: redact(&format!("{shown_key} = {shown_value}")),
        meaning: found.1.to_owned(),
        outbound: found.2,
    });
}

/// Lower case, letters and digits only: `server.ssl.client-auth` → `serversslclientauth`.
fn normalize(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn clean_value(v: &str) -> String {
    v.trim()
        .trim_matches(|c| matches!(c, '"' | '\'' | ';' | ','))
        .to_ascii_lowercase()
}

/// A setting matched: its stack, what it does, and whether it concerns outbound connections only
/// ([`AuthOffSetting::outbound`]).
type Matched = (Option<Stack>, &'static str, bool);

/// The rules: (segments of the key path, value) → (stack, meaning, outbound).
fn match_setting(segments: &[&str], value: &str) -> Option<Matched> {
    // Spring's env endpoint wraps each property as `{"value": …, "origin": …}`.
    let segments = match segments.split_last() {
        Some((last, rest)) if normalize(last) == "value" && !rest.is_empty() => rest,
        _ => segments,
    };
    let leaf = normalize(segments.last().copied().unwrap_or_default());
    let full = normalize(&segments.join("."));
    let v = clean_value(value);
    let v = v.as_str();
    // A setting under a client's key (`billingClient.rejectUnauthorized`, `httpsAgent`, an
    // upstream's) configures outbound connections: whole segments that name a client, not
    // words inside the server's own (`clientAuth`, `clientCertificates`, `clientCA`).
    let client_side = segments.split_last().is_some_and(|(_, above)| {
        above.iter().any(|seg| {
            let seg = normalize(seg);
            seg.ends_with("client")
                || seg.ends_with("agent")
                || matches!(
                    seg.as_str(),
                    "upstream" | "upstreams" | "outbound" | "egress" | "backend" | "backends"
                )
        })
    });
    if full.ends_with("sslclientauth") || leaf == "clientauth" {
        match v {
            "none" | "want" => {
                return Some((Some(Stack::JavaSpring), "client certificates are not required (Spring `need` requires them)", false))
            }
            "noclientcert" | "requestclientcert" | "requireanyclientcert"
            | "verifyclientcertifgiven" => {
                return Some((Some(Stack::Go), "client certificates are optional or not verified (Go needs RequireAndVerifyClientCert)", false))
            }
            "0" | "1" | "2" | "3" if leaf == "clientauth" => {
                return Some((Some(Stack::Go), "tls.ClientAuthType below RequireAndVerifyClientCert (4): not required or not verified", false))
            }
            _ => {}
        }
    }
    match (leaf.as_str(), v) {
        ("insecureskipverify", "true") => Some((
            Some(Stack::Go),
            "the server certificates of its outbound connections are not verified (InsecureSkipVerify)",
            true,
        )),
        ("rejectunauthorized", "false" | "0") if client_side => Some((
            Some(Stack::NodeJs),
            "the server certificates of a client's connections are not verified (rejectUnauthorized: false)",
            true,
        )),
        ("rejectunauthorized", "false" | "0") => Some((
            Some(Stack::NodeJs),
            "unauthorised certificates accepted (rejectUnauthorized: false)",
            false,
        )),
        ("nodetlsrejectunauthorized", "0") => Some((
            Some(Stack::NodeJs),
            "the server certificates of every outbound TLS connection are not verified (process-wide; a Node server's own client-certificate check is not affected)",
            true,
        )),
        ("verify", "false" | "0" | "no" | "off") if client_side => Some((
            Some(Stack::Python),
            "the server certificates of its outbound requests are not verified (verify=False)",
            true,
        )),
        ("verify", "false" | "0" | "no" | "off") => Some((
            Some(Stack::Python),
            "certificate verification switched off (verify=False)",
            false,
        )),
        ("sslverify" | "verifyssl" | "tlsverify" | "verifytls", "false" | "0" | "no" | "off") => {
            Some((None, "certificate verification switched off", client_side))
        }
        ("sslverifyclient", "off" | "optional" | "optionalnoca" | "optional_no_ca") => Some((Some(Stack::Nginx), "nginx does not require (or does not verify) client certificates", false)),
        ("requireclientcertificate", "false") => Some((Some(Stack::EnvoyIstio), "Envoy does not require client certificates", false)),
        ("mode", "permissive") => Some((Some(Stack::EnvoyIstio), "Istio accepts plaintext as well as mutual TLS (PERMISSIVE)", false)),
        ("mode", "disable") if full.contains("mtls") => {
            Some((Some(Stack::EnvoyIstio), "Istio mutual TLS disabled", false))
        }
        _ => {
            let cert_none = matches!(
                v,
                "cert_none"
                    | "ssl.cert_none"
                    | "verifymode.cert_none"
                    | "cert_optional"
                    | "ssl.cert_optional"
                    | "verifymode.cert_optional"
            );
            let python_key = matches!(leaf.as_str(), "certreqs" | "verifymode" | "sslcertreqs");
            if cert_none || (python_key && matches!(v, "0" | "1")) {
                Some((Some(Stack::Python), "Python ssl does not require certificates (CERT_NONE/CERT_OPTIONAL)", false))
            } else {
                None
            }
        }
    }
}

fn is_secret_key(segments: &[&str]) -> bool {
    let segments = match segments.split_last() {
        Some((last, rest)) if normalize(last) == "value" && !rest.is_empty() => rest,
        _ => segments,
    };
    let leaf = normalize(segments.last().copied().unwrap_or_default());
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "privatekey",
        "credential",
        "accesskey",
        "dsn",
        "connectionstring",
    ];
    WORDS.iter().any(|w| leaf.contains(w))
        || (leaf.ends_with("key") && !leaf.ends_with("publickey"))
}

/// How [`Classified::secrets`] names a PEM private key found in a body.
pub const PEM_PRIVATE_KEY: &str = "PEM private key";

/// Whether a secret-looking key found ([`Classified::secrets`]) names a secret for certain (a
/// password, a secret, a private or access key, a token that is no endpoint or URL, credentials, a
/// PEM private key), not an ordinary key (`primaryKey`, `sortKey`) or a URL's: what makes an
/// exposed configuration high.
pub fn surely_secret(name: &str) -> bool {
    if name == PEM_PRIVATE_KEY {
        return true;
    }
    let leaf = normalize(name.rsplit('.').next().unwrap_or(name));
    const SURE: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "apikey",
        "privatekey",
        "credential",
        "accesskey",
        "connectionstring",
    ];
    const NOT: &[&str] = &[
        "endpoint", "url", "uri", "path", "file", "name", "ref", "type", "ttl", "expiry",
        "lifetime",
    ];
    let not = NOT.iter().any(|w| leaf.ends_with(w));
    !not && (SURE.iter().any(|w| leaf.contains(w)) || leaf.contains("token"))
}

/// Spring and others mask secrets with stars.
fn is_masked(v: &str) -> bool {
    let t = v.trim().trim_matches('"');
    !t.is_empty() && t.chars().all(|c| c == '*')
}

/// Redacts secrets in free text: PEM blocks, and the value of any `key=value` / `key: value`
/// whose key looks secret.
pub fn redact(text: &str) -> String {
    let mut out = String::new();
    let mut in_pem = false;
    for line in text.lines() {
        if line.contains("-----BEGIN") {
            in_pem = !line.contains("-----END");
            out.push_str("<redacted PEM block>\n");
            continue;
        }
        if in_pem {
            if line.contains("-----END") {
                in_pem = false;
            }
            continue;
        }
        out.push_str(&redact_line(line));
        out.push('\n');
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    out
}

fn redact_line(line: &str) -> String {
    let Some(pos) = line.find(['=', ':']) else {
        return line.to_owned();
    };
    let (key, rest) = line.split_at(pos);
    let key_name = key.trim().trim_matches(|c| matches!(c, '"' | '\''));
    if is_secret_key(&[key_name]) && rest.len() > 1 {
        let sep: String = rest.chars().take(1).collect();
        format!("{key}{sep} <redacted>")
    } else {
        line.to_owned()
    }
}

fn json_pairs(body: &[u8]) -> Option<Vec<(Vec<String>, String)>> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    if !(v.is_object() || v.is_array()) {
        return None;
    }
    let mut out = Pairs::default();
    flatten_json(&v, &mut Vec::new(), &mut out);
    Some(out.list)
}

/// Key/value pairs as read, within [`MAX_PAIRS`] and [`MAX_PAIR_BYTES`]; each key segment and
/// value is cut to [`MAX_FIELD`] characters (a long key above many leaves is not copied into each).
#[derive(Default)]
struct Pairs {
    list: Vec<(Vec<String>, String)>,
    bytes: usize,
}

impl Pairs {
    fn full(&self) -> bool {
        self.list.len() >= MAX_PAIRS || self.bytes >= MAX_PAIR_BYTES
    }

    fn push(&mut self, path: &[String], value: &str) {
        if self.full() {
            return;
        }
        let value = clip(value).to_owned();
        self.bytes = self
            .bytes
            .saturating_add(path.iter().map(|s| s.len() + 24).sum::<usize>())
            .saturating_add(value.len() + 48);
        self.list.push((path.to_vec(), value));
    }
}

/// At most [`MAX_FIELD`] characters of `s`.
fn clip(s: &str) -> &str {
    match s.char_indices().nth(MAX_FIELD) {
        Some((end, _)) => s.get(..end).unwrap_or(s),
        None => s,
    }
}

fn flatten_json(v: &serde_json::Value, path: &mut Vec<String>, out: &mut Pairs) {
    if out.full() || path.len() > MAX_DEPTH {
        return;
    }
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                path.push(clip(k).to_owned());
                flatten_json(child, path, out);
                path.pop();
            }
        }
        serde_json::Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                path.push(i.to_string());
                flatten_json(child, path, out);
                path.pop();
            }
        }
        serde_json::Value::String(s) => out.push(path, s),
        serde_json::Value::Null => out.push(path, ""),
        other => out.push(path, &other.to_string()),
    }
}

/// YAML, read without building a value tree: a walker visits each node as the parser hands it
/// over and keeps only the key/value pairs. An alias is expanded by the parser each time it is
/// used, so a 10 KB body of nested aliases (a "billion laughs") stands for billions of nodes; the
/// walker counts the nodes it is handed, aliases included, and stops at [`MAX_YAML_NODES`] (an
/// alias-free body within the body cap has far fewer), keeping the pairs read so far. Only
/// documents whose root is a mapping give pairs (as before: a plain word is a YAML scalar too).
fn yaml_pairs(body: &[u8]) -> Option<Vec<(Vec<String>, String)>> {
    // Belt and braces: the parser asserts its own invariants with panics; a body that trips one
    // is not YAML to us, and never takes the scan down.
    std::panic::catch_unwind(|| walk_yaml(body))
        .ok()
        .flatten()
        .map(|w| w.pairs.list)
}

/// Walks every document (at most 16); `None` when the body is not YAML or has no mapping.
fn walk_yaml(body: &[u8]) -> Option<YamlWalk> {
    use serde::de::DeserializeSeed as _;
    // Flow collections nested past what is read cost the scanner time growing with the square of
    // the depth (64 KB of `{a: ` from a server: 10 s of CPU): only the lines before the line
    // where they go too deep are read.
    let body = match crate::text::yaml_flow_too_deep_at(body, crate::text::YAML_FLOW_DEPTH_LIMIT) {
        Some(at) => {
            let line_start = body
                .get(..at)
                .and_then(|before| before.iter().rposition(|&b| b == b'\n'))
                .map_or(0, |newline| newline + 1);
            body.get(..line_start).unwrap_or_default()
        }
        None => body,
    };
    let mut walk = YamlWalk::default();
    let mut mappings = 0;
    for doc in serde_yaml::Deserializer::from_slice(body).take(16) {
        walk.path.clear();
        walk.depth = 0;
        walk.emit = false;
        let read = YamlNode {
            walk: &mut walk,
            key: false,
        }
        .deserialize(doc);
        mappings += usize::from(walk.emit);
        match read {
            Ok(_) => {}
            // Out of budget: what was read stands, the rest is not read.
            Err(_) if walk.stopped => break,
            Err(_) => return None,
        }
    }
    (mappings > 0).then_some(walk)
}

/// What the YAML walker has read so far.
#[derive(Default)]
struct YamlWalk {
    path: Vec<String>,
    pairs: Pairs,
    /// Nodes handed over so far, aliases expanded.
    nodes: usize,
    /// Collections open.
    depth: usize,
    /// This document's root is a mapping: its scalars are pairs.
    emit: bool,
    /// The walk stopped on a budget (not on a syntax error).
    stopped: bool,
}

impl YamlWalk {
    /// Counts one node; an error (which unwinds the parser) past the budget.
    fn count<E: serde::de::Error>(&mut self) -> Result<(), E> {
        self.nodes += 1;
        if self.nodes > MAX_YAML_NODES || self.pairs.full() {
            self.stopped = true;
            return Err(E::custom("YAML read budget reached"));
        }
        Ok(())
    }

    fn scalar<E: serde::de::Error>(&mut self, key: bool, text: &str) -> Result<Option<String>, E> {
        self.count()?;
        if key {
            return Ok(Some(clip(text).to_owned()));
        }
        if self.emit && self.path.len() <= MAX_DEPTH {
            self.pairs.push(&self.path, text);
        }
        Ok(None)
    }
}

/// One YAML node, as a value (its scalars become pairs) or as a key (its text, `None` when it is
/// not a scalar).
struct YamlNode<'w> {
    walk: &'w mut YamlWalk,
    key: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for YamlNode<'_> {
    type Value = Option<String>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for YamlNode<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.walk.scalar(self.key, if v { "true" } else { "false" })
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.walk.scalar(self.key, &v.to_string())
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Self::Value, E> {
        self.walk.scalar(self.key, &v.to_string())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.walk.scalar(self.key, &v.to_string())
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Self::Value, E> {
        self.walk.scalar(self.key, &v.to_string())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.walk.scalar(self.key, &v.to_string())
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.walk.scalar(self.key, v)
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        self.walk.scalar(self.key, &String::from_utf8_lossy(v))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.walk.scalar(self.key, "")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.walk.scalar(self.key, "")
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let (walk, key) = (self.walk, self.key);
        walk.count()?;
        walk.depth += 1;
        for i in 0usize.. {
            if !key {
                walk.path.push(i.to_string());
            }
            let next = seq.next_element_seed(YamlNode {
                walk: &mut *walk,
                key,
            })?;
            if !key {
                walk.path.pop();
            }
            if next.is_none() {
                break;
            }
        }
        walk.depth -= 1;
        Ok(None)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (walk, key) = (self.walk, self.key);
        walk.count()?;
        if walk.depth == 0 && !key {
            walk.emit = true;
        }
        walk.depth += 1;
        loop {
            let k = map.next_key_seed(YamlNode {
                walk: &mut *walk,
                key: true,
            })?;
            let Some(k) = k else { break };
            if !key {
                walk.path.push(k.unwrap_or_else(|| "?".to_owned()));
            }
            map.next_value_seed(YamlNode {
                walk: &mut *walk,
                key,
            })?;
            if !key {
                walk.path.pop();
            }
        }
        walk.depth -= 1;
        Ok(None)
    }

    /// A tagged node (`!Ref name`): read as the node it tags.
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        use serde::de::VariantAccess as _;
        let (walk, key) = (self.walk, self.key);
        walk.count()?;
        walk.depth += 1;
        let (_tag, variant) = data.variant::<String>()?;
        let read = variant.newtype_variant_seed(YamlNode {
            walk: &mut *walk,
            key,
        })?;
        walk.depth -= 1;
        Ok(read.filter(|_| key))
    }
}

/// `.properties` / `.env`: most content lines are `key=value` or `key: value`.
fn properties_pairs(text: &str) -> Option<Vec<(Vec<String>, String)>> {
    let mut content = 0usize;
    let mut out = Vec::new();
    let mut in_pem = false;
    for line in text.lines().take(MAX_PAIRS) {
        let line = line.trim();
        // A PEM block (a key pasted into a .env) is neither a setting nor noise.
        if line.starts_with("-----BEGIN") {
            in_pem = !line.contains("-----END");
            continue;
        }
        if in_pem {
            in_pem = !line.starts_with("-----END");
            continue;
        }
        if line.is_empty() || line.starts_with(['#', '!', ';']) {
            continue;
        }
        content += 1;
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some(pos) = line.find(['=', ':']) else {
            continue;
        };
        let (key, rest) = line.split_at(pos);
        let key = key.trim();
        let value: String = rest.chars().skip(1).collect();
        let key_ok = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']'));
        if key_ok {
            out.push((vec![key.to_owned()], value.trim().to_owned()));
        }
    }
    // At least two settings, and they make most of the content (a YAML mapping of scalars reads
    // the same way, which is fine: its pairs are the same).
    (out.len() >= 2 && out.len() * 10 >= content * 6).then_some(out)
}

/// Adjacent `key <sep> value` tokens in free text (`ClientAuth:RequestClientCert`,
/// `ssl_verify_client off;`, `verify=False`, `"rejectUnauthorized": false`).
fn text_pairs(text: &str) -> Vec<(String, String)> {
    let is_tok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    let mut tokens: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (is_tok(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                tokens.push((s, i));
                start = None;
            }
            _ => {}
        }
        if tokens.len() >= 50_000 {
            break;
        }
    }
    if let Some(s) = start {
        tokens.push((s, text.len()));
    }
    let mut out = Vec::new();
    let mut used = vec![false; tokens.len()];
    for (i, pair) in tokens.windows(2).enumerate() {
        let (Some(&(a0, a1)), Some(&(b0, b1))) = (pair.first(), pair.get(1)) else {
            continue;
        };
        let gap = text.get(a1..b0).unwrap_or("x");
        if gap.len() > 6
            || !gap.chars().all(|c| {
                matches!(
                    c,
                    ' ' | '\t' | ':' | '=' | '"' | '\'' | '{' | '&' | '(' | ','
                )
            })
        {
            continue;
        }
        if let (Some(k), Some(v)) = (text.get(a0..a1), text.get(b0..b1)) {
            out.push((k.to_owned(), v.to_owned()));
            if let Some(u) = used.get_mut(i + 1) {
                *u = true;
            }
        }
    }
    // Lone Python constants (not already read as a value).
    for (&(a, b), _) in tokens.iter().zip(&used).filter(|(_, u)| !**u) {
        if let Some(t) = text.get(a..b) {
            if matches!(
                t,
                "ssl.CERT_NONE" | "CERT_NONE" | "ssl.CERT_OPTIONAL" | "CERT_OPTIONAL"
            ) {
                out.push(("cert_reqs".to_owned(), t.to_owned()));
            }
        }
    }
    out
}

/// Words of the names settings have (a key's last segment, its camelCase, `_`, `-` and `.`
/// parts compared in lower case): where a server listens, what it connects to, how it
/// authenticates and logs.
const SETTING_WORDS: &[&str] = &[
    "tls",
    "ssl",
    "port",
    "host",
    "hostname",
    "url",
    "uri",
    "endpoint",
    "dsn",
    "database",
    "db",
    "datasource",
    "jdbc",
    "password",
    "passwd",
    "user",
    "username",
    "secret",
    "token",
    "key",
    "cert",
    "certificate",
    "ca",
    "auth",
    "client",
    "server",
    "env",
    "environment",
    "profile",
    "profiles",
    "timeout",
    "log",
    "logging",
    "debug",
    "listen",
    "bind",
    "addr",
    "address",
    "proxy",
    "redis",
    "kafka",
    "smtp",
    "cipher",
    "ciphers",
    "verify",
    "insecure",
    "config",
    "api",
    "secure",
    "credentials",
    "cors",
    "origin",
    "origins",
    "session",
    "cookie",
    "worker",
    "workers",
    "threads",
    "pool",
    "cache",
    "ttl",
    "cluster",
    "namespace",
    "queue",
    "bucket",
    "storage",
    "retries",
    "interval",
    "feature",
    "features",
    "flag",
    "flags",
];

/// How many distinct key names among `pairs` are the names settings have ([`SETTING_WORDS`]).
fn setting_names(pairs: &[(Vec<String>, String)]) -> usize {
    let mut names: Vec<&str> = pairs
        .iter()
        .filter_map(|(path, _)| {
            path.iter()
                .rev()
                .find(|seg| !seg.bytes().all(|b| b.is_ascii_digit()))
                .map(String::as_str)
        })
        .filter(|name| {
            let mut words: Vec<String> = Vec::new();
            let mut word = String::new();
            // Words split at `_`, `-`, `.` and where a lower-case letter meets a capital
            // (camelCase): an all-caps `DB_HOST` is `db`, `host` (a review's env dump read as
            // one letter a word: no configuration).
            let mut last_lower = false;
            for c in name.chars() {
                let camel = c.is_ascii_uppercase() && last_lower;
                if (c == '_' || c == '-' || c == '.' || camel) && !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                if c.is_ascii_alphanumeric() {
                    word.push(c.to_ascii_lowercase());
                }
                last_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            }
            if !word.is_empty() {
                words.push(word);
            }
            words.iter().any(|w| SETTING_WORDS.contains(&w.as_str()))
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}

/// Recognised endpoints.
fn recognise(keys: &[String], text: &str, format: BodyFormat) -> Option<&'static str> {
    let has = |prefix: &str| keys.iter().any(|k| k.starts_with(prefix));
    match format {
        BodyFormat::Json => {
            if has("propertySources") || has("activeProfiles") {
                Some("Spring Boot actuator env")
            } else if has("contexts") && keys.iter().any(|k| k.contains(".beans.")) {
                Some("Spring Boot actuator configprops")
            } else if has("cmdline") && has("memstats") {
                Some("Go expvar")
            } else if has("configs") && text.contains("type.googleapis.com/envoy") {
                Some("Envoy config dump")
            } else if text.contains("PeerAuthentication") {
                Some("Istio configuration")
            } else {
                None
            }
        }
        BodyFormat::Html => text
            .contains("Apache Server Status for")
            .then_some("Apache server-status"),
        // A JSON document cut at the body cap does not parse: its markers still tell it (a
        // Spring Boot `/actuator/env` passes 64 KiB on one line once a pod has its environment
        // variables; an Envoy `/config_dump` is often megabytes).
        BodyFormat::Text if json_like(text) => {
            if text.contains("\"propertySources\"") || text.contains("\"activeProfiles\"") {
                Some("Spring Boot actuator env")
            } else if text.contains("\"contexts\"") && text.contains("\"beans\"") {
                Some("Spring Boot actuator configprops")
            } else if text.contains("\"cmdline\"") && text.contains("\"memstats\"") {
                Some("Go expvar")
            } else if text.contains("\"configs\"") && text.contains("type.googleapis.com/envoy") {
                Some("Envoy config dump")
            } else if text.contains("PeerAuthentication") {
                Some("Istio configuration")
            } else {
                None
            }
        }
        BodyFormat::Text | BodyFormat::Properties | BodyFormat::Yaml => {
            if text.contains("Active connections:")
                && text.contains("server accepts handled requests")
            {
                Some("nginx stub_status")
            } else if text.contains("ServerVersion:") && text.contains("ServerMPM:") {
                Some("Apache server-status")
            } else if format == BodyFormat::Yaml && text.contains("PeerAuthentication") {
                Some("Istio configuration")
            } else {
                None
            }
        }
    }
}

/// Text that starts as a JSON object or array does (a document that did not parse: cut short).
pub fn json_like(text: &str) -> bool {
    let t = text.trim_start();
    if let Some(rest) = t.strip_prefix('{') {
        rest.trim_start().starts_with(['"', '}'])
    } else if let Some(rest) = t.strip_prefix('[') {
        rest.trim_start().starts_with(['{', '"', '[', ']'])
    } else {
        false
    }
}

fn kind_stack(kind: &'static str) -> Option<Stack> {
    match kind {
        "Spring Boot actuator env" | "Spring Boot actuator configprops" => Some(Stack::JavaSpring),
        "Go expvar" => Some(Stack::Go),
        "Envoy config dump" | "Istio configuration" => Some(Stack::EnvoyIstio),
        "nginx stub_status" => Some(Stack::Nginx),
        _ => None,
    }
}

/// One path as probed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigObservation {
    /// The path requested.
    pub path: String,
    /// Whether the user's certificate was presented (else none).
    pub client_cert: bool,
    /// The HTTP status, when HTTP answered.
    pub http_status: Option<u16>,
    /// The TLS version negotiated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<TlsVersion>,
    /// Body bytes read (never more than the cap).
    pub bytes_read: usize,
    /// The body went on past the cap.
    pub truncated: bool,
    /// The format a 2xx body was read as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<BodyFormat>,
    /// A recognised endpoint, e.g. `Spring Boot actuator env`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Judged as exposed configuration.
    pub exposed: bool,
    /// Settings found that switch authentication off.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auth_off: Vec<AuthOffSetting>,
    /// Keys whose values look secret (values never kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
    /// Why a 2xx answer was not judged exposed, or what went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Wall time in milliseconds.
    pub ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(c: &Classified) -> Vec<String> {
        c.auth_off.iter().map(|s| s.setting.clone()).collect()
    }

    /// Outbound only where a client's key holds the setting: the server's own `clientAuth`,
    /// `clientCertificates`, `proxy` listener or `mtls` block switch client auth off (high).
    #[test]
    fn outbound_settings_are_those_under_a_client() {
        let outbound = |body: &str| -> Vec<bool> {
            classify(body.as_bytes(), Some("application/json"))
                .auth_off
                .iter()
                .map(|s| s.outbound)
                .collect()
        };
        for inbound in [
            r#"{"tls":{"clientAuth":{"requestCert":true,"rejectUnauthorized":false}}}"#,
            r#"{"proxy":{"listen":8443,"tls":{"requestCert":true,"rejectUnauthorized":false}}}"#,
            r#"{"listener":{"clientCertificates":{"requestCert":true,"rejectUnauthorized":false}}}"#,
            r#"{"server":{"mtls":{"enabled":true,"verify":false}}}"#,
        ] {
            assert_eq!(outbound(inbound), vec![false], "{inbound}");
        }
        for out in [
            r#"{"billingClient":{"url":"https://b","rejectUnauthorized":false}}"#,
            r#"{"httpsAgent":{"rejectUnauthorized":false}}"#,
            r#"{"upstream":{"tls_verify":false}}"#,
            r#"{"tls":{"InsecureSkipVerify":true}}"#,
            r#"{"NODE_TLS_REJECT_UNAUTHORIZED":"0"}"#,
        ] {
            assert_eq!(outbound(out), vec![true], "{out}");
        }
    }

    /// What makes an exposed configuration high on its own: a secret for certain, not a key or a
    /// certificate that only looks like one.
    #[test]
    fn only_sure_secrets_count() {
        for sure in [
            "DB_PASSWORD",
            "JWT_SECRET",
            "stripe.apiKey",
            "aws.secretAccessKey",
            "github.token",
            PEM_PRIVATE_KEY,
        ] {
            assert!(surely_secret(sure), "{sure}");
        }
        for not in [
            "db.primaryKey",
            "oauth.tokenEndpoint",
            "vault.secretName",
            "tls.keyFile",
            "PEM block",
        ] {
            assert!(!surely_secret(not), "{not}");
        }
    }

    #[test]
    fn spring_env_json() {
        let body = br#"{"activeProfiles":["prod"],"propertySources":[{"name":"applicationConfig","properties":{
            "server.ssl.client-auth":{"value":"want","origin":"class path resource [application.yml]"},
            "spring.datasource.password":{"value":"hunter2"},
            "server.ssl.key-store-password":{"value":"******"}}}]}"#;
        let c = classify(body, Some("application/json"));
        assert_eq!(c.format, BodyFormat::Json);
        assert_eq!(c.kind, Some("Spring Boot actuator env"));
        assert_eq!(
            settings(&c),
            vec!["propertySources.0.properties.server.ssl.client-auth.value = want"]
        );
        assert_eq!(c.stack_hint, Some(Stack::JavaSpring));
        assert_eq!(
            c.secrets,
            vec!["propertySources.0.properties.spring.datasource.password.value"]
        );
        assert!(c.config_like);
    }

    #[test]
    fn go_text_and_expvar() {
        let text = b"tls: &{Certificates:[] ClientAuth:VerifyClientCertIfGiven InsecureSkipVerify:true MinVersion:771}";
        let c = classify(text, Some("text/plain"));
        assert_eq!(
            settings(&c),
            vec![
                "ClientAuth = VerifyClientCertIfGiven",
                "InsecureSkipVerify = true"
            ]
        );
        let expvar = br#"{"cmdline":["/srv/api"],"memstats":{"Alloc":1},"tls":{"ClientAuth":1}}"#;
        let c = classify(expvar, None);
        assert_eq!(c.kind, Some("Go expvar"));
        assert_eq!(settings(&c), vec!["tls.ClientAuth = 1"]);
        assert_eq!(c.stack_hint, Some(Stack::Go));
    }

    #[test]
    fn yaml_properties_and_env() {
        let yaml = b"apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nspec:\n  mtls:\n    mode: PERMISSIVE\n";
        let c = classify(yaml, None);
        assert_eq!(c.format, BodyFormat::Yaml);
        assert_eq!(settings(&c), vec!["spec.mtls.mode = PERMISSIVE"]);
        let props = b"# app\nserver.port=8443\nserver.ssl.client-auth=none\nserver.ssl.key-store=/etc/ks.p12\n";
        let c = classify(props, None);
        assert_eq!(c.format, BodyFormat::Properties);
        assert_eq!(settings(&c), vec!["server.ssl.client-auth = none"]);
        let env = b"NODE_ENV=production\nNODE_TLS_REJECT_UNAUTHORIZED=0\nDB_PASSWORD=s3cret\n";
        let c = classify(env, None);
        assert_eq!(settings(&c), vec!["NODE_TLS_REJECT_UNAUTHORIZED = 0"]);
        assert_eq!(c.secrets, vec!["DB_PASSWORD"]);
        assert_eq!(c.stack_hint, Some(Stack::NodeJs));
    }

    #[test]
    fn other_stacks_in_text() {
        let c = classify(b"server {\n  ssl_verify_client optional_no_ca;\n}\n", None);
        assert_eq!(settings(&c), vec!["ssl_verify_client = optional_no_ca"]);
        let c = classify(
            b"requests.get(url, verify=False)\nctx.verify_mode = ssl.CERT_NONE\n",
            None,
        );
        assert_eq!(c.auth_off.len(), 2, "{:?}", c.auth_off);
        let c = classify(br#"{"require_client_certificate": false, "a": 1}"#, None);
        assert_eq!(
            c.auth_off.first().and_then(|s| s.stack),
            Some(Stack::EnvoyIstio)
        );
        let c = classify(br#"{"tls":{"rejectUnauthorized":false}}"#, None);
        assert_eq!(settings(&c), vec!["tls.rejectUnauthorized = false"]);
    }

    #[test]
    fn settings_by_their_names_are_config() {
        for body in [
            &br#"{"server":{"port":8443,"ssl":{"enabled":true}},"db":{"url":"x","pool":5},"logLevel":"info"}"#[..],
            br#"{"service":"api","region":"eu-west-1","workers":8,"log_level":"info","cache_ttl":300}"#,
            br#"{"PORT":"8443","HOST":"0.0.0.0","LOG_LEVEL":"info","REDIS_URL":"redis://r:6379","NODE_ENV":"production"}"#,
            br#"{"apiBase":"/api","environment":"production","features":{"darkMode":true},"auth":{"mode":"mtls"},"sentryDsn":""}"#,
        ] {
            let c = classify(body, None);
            assert!(c.config_like, "{:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn ordinary_answers_are_not_config() {
        for body in [
            &b"<!doctype html><html><body>app</body></html>"[..],
            b"ok",
            br#"{"status":"UP"}"#,
            b"Not Found",
            // Five fields of an ordinary answer, and a list (a review's false findings).
            br#"{"theme":"dark","pageSize":20,"language":"en","region":"eu","currency":"EUR"}"#,
            br#"{"items":[1,2,3,4,5,6,7]}"#,
            br#"{"theme":"dark","darkMode":true,"startPath":"/","pageSize":20,"language":"en"}"#,
            br#"{"status":"UP","service":"orders","version":"1.4","region":"eu","host":"a1","uptime_s":3}"#,
            br#"{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}"#,
        ] {
            let c = classify(body, None);
            assert!(!c.config_like, "{:?}", String::from_utf8_lossy(body));
            assert!(c.auth_off.is_empty());
        }
        // Prose that mentions settings in HTML is not read.
        let c = classify(b"<html>set ssl_verify_client off to disable</html>", None);
        assert!(c.auth_off.is_empty());
    }

    #[test]
    fn redaction() {
        let text = "user=app\npassword=hunter2\napi_key: abc\n-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\nend";
        let r = redact(text);
        assert!(
            !r.contains("hunter2") && !r.contains("abc") && !r.contains("MIIB"),
            "{r}"
        );
        assert!(r.contains("user=app") && r.contains("<redacted PEM block>") && r.ends_with("end"));
    }

    /// The reviewer's bomb: a leaf sequence of 5,000 scalars aliased through nine levels of ten
    /// (5·10¹³ nodes once expanded) in 10 KB.
    fn alias_bomb(leaf: usize, levels: usize, fanout: usize) -> String {
        let mut y = format!("a0: &a0 [{}]\n", vec!["x"; leaf].join(","));
        for l in 1..=levels {
            let refs = vec![format!("*a{}", l - 1); fanout].join(",");
            y.push_str(&format!("a{l}: &a{l} [{refs}]\n"));
        }
        y
    }

    #[test]
    fn a_yaml_alias_bomb_is_read_within_the_node_budget() {
        let bomb = alias_bomb(5_000, 9, 10);
        assert!(bomb.len() < 11_000, "{}", bomb.len());
        let start = std::time::Instant::now();
        let walk = walk_yaml(bomb.as_bytes());
        let elapsed = start.elapsed();
        let walk = walk.as_ref();
        // Its scalars are pairs: the pair budget stops it.
        assert!(
            walk.is_some_and(|w| w.stopped),
            "the budget must stop the walk"
        );
        assert_eq!(walk.map(|w| w.pairs.list.len()), Some(MAX_PAIRS));
        // Where its nodes are no pairs (under a sequence root, inside a key), the node budget.
        let in_a_sequence = format!("- 1\n- {}", bomb.replace('\n', "\n  "));
        let in_a_key = format!("? {}\n: v\n", bomb.replace('\n', "\n  "));
        for body in [in_a_sequence, in_a_key] {
            let start = std::time::Instant::now();
            let mut walk = YamlWalk::default();
            let doc = serde_yaml::Deserializer::from_str(&body).next();
            let read = doc.map(|d| {
                serde::de::DeserializeSeed::deserialize(
                    YamlNode {
                        walk: &mut walk,
                        key: false,
                    },
                    d,
                )
            });
            assert!(matches!(read, Some(Err(_))), "{body}");
            assert!(walk.stopped);
            assert_eq!(walk.nodes, MAX_YAML_NODES + 1);
            assert!(yaml_pairs(body.as_bytes()).is_none_or(|p| p.len() <= 1));
            eprintln!("{} nodes walked in {:?}", walk.nodes, start.elapsed());
        }
        // A leak beside the bomb is still found: before it by the walk, after it by the text scan.
        for body in [
            format!("server:\n  ssl:\n    client-auth: want\n{bomb}"),
            format!("{bomb}server:\n  ssl:\n    client-auth: none\n"),
        ] {
            let c = classify(body.as_bytes(), Some("application/yaml"));
            assert_eq!(c.format, BodyFormat::Yaml);
            assert!(c.entries <= MAX_PAIRS);
            assert_eq!(c.auth_off.len(), 1, "{:?}", c.auth_off);
            assert_eq!(c.stack_hint, Some(Stack::JavaSpring));
        }
        eprintln!(
            "alias bomb of {} bytes: walked {} nodes in {elapsed:?}",
            bomb.len(),
            walk.map_or(0, |w| w.nodes)
        );
    }

    /// A body of deeply nested flow collections (quadratic for the YAML scanner) is read up to
    /// the line where it goes too deep: a leak before it is found, and fast.
    #[test]
    fn deep_flow_nesting_is_read_up_to_its_line() {
        let deep = "{a: ".repeat(16_000);
        let start = std::time::Instant::now();
        let c = classify(
            format!("server:\n  ssl:\n    client-auth: want\nx: {deep}").as_bytes(),
            Some("application/yaml"),
        );
        assert_eq!(c.format, BodyFormat::Yaml);
        assert_eq!(c.auth_off.len(), 1, "{:?}", c.auth_off);
        let alone = classify(deep.as_bytes(), Some("application/yaml"));
        assert_ne!(alone.format, BodyFormat::Yaml);
        eprintln!("deep bodies classified in {:?}", start.elapsed());
    }

    #[test]
    fn ordinary_yaml_aliases_are_still_read() {
        let body = b"defaults: &defaults\n  ssl:\n    client-auth: want\n  port: 8443\nprod:\n  <<: *defaults\n  replicas: 3\nstaging: *defaults\n";
        let walk = walk_yaml(body);
        let keys: Vec<String> = walk
            .map(|w| {
                w.pairs
                    .list
                    .iter()
                    .map(|(p, v)| format!("{}={v}", p.join(".")))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "defaults.ssl.client-auth=want",
                "defaults.port=8443",
                "prod.<<.ssl.client-auth=want",
                "prod.<<.port=8443",
                "prod.replicas=3",
                "staging.ssl.client-auth=want",
                "staging.port=8443",
            ]
        );
        let c = classify(body, None);
        assert_eq!(settings(&c), ["defaults.ssl.client-auth = want"]);
        // Tagged nodes read as what they tag; a scalar or sequence root gives no pairs.
        let tagged = b"Resources:\n  Listener: !Sub\n    ClientAuth: VerifyClientCertIfGiven\n";
        let c = classify(tagged, None);
        assert_eq!(c.format, BodyFormat::Yaml);
        assert_eq!(
            settings(&c),
            ["Resources.Listener.ClientAuth = VerifyClientCertIfGiven"]
        );
        assert!(walk_yaml(b"just words").is_none());
        assert!(walk_yaml(b"- a\n- b\n").is_none());
    }

    #[test]
    fn long_keys_and_values_are_not_copied_into_every_pair() {
        // A 30 KB key above thousands of leaves, in JSON and in YAML (where an alias also repeats
        // a 30 KB value).
        let long = "k".repeat(30_000);
        let json = format!("{{\"{long}\":[{}]}}", vec!["1"; 15_000].join(","));
        let yaml = format!(
            "v: &v \"{long}\"\n? {long}\n: [{}]\n",
            vec!["*v"; 10_000].join(",")
        );
        for (body, format) in [(json, BodyFormat::Json), (yaml, BodyFormat::Yaml)] {
            let pairs = match format {
                BodyFormat::Json => json_pairs(body.as_bytes()),
                _ => yaml_pairs(body.as_bytes()),
            }
            .unwrap_or_default();
            let bytes: usize = pairs
                .iter()
                .map(|(p, v)| p.iter().map(String::len).sum::<usize>() + v.len())
                .sum();
            assert!(!pairs.is_empty(), "{format:?}");
            assert!(bytes <= MAX_PAIR_BYTES, "{format:?}: {bytes} bytes kept");
            assert!(pairs
                .iter()
                .all(|(p, v)| v.len() <= MAX_FIELD && p.iter().all(|s| s.len() <= MAX_FIELD)));
        }
    }

    /// Random bodies from YAML's (and JSON's) syntax, anchors and aliases included, and random
    /// bombs: nothing panics, and every read stays within its budgets.
    #[test]
    fn fuzzed_bodies_never_panic_and_stay_bounded() {
        const TOKENS: &[&str] = &[
            "a",
            "b",
            "key",
            "client-auth",
            "want",
            "ClientAuth: 1",
            ": ",
            ":",
            "- ",
            "-",
            "\n",
            "  ",
            "    ",
            "\t",
            "[",
            "]",
            "{",
            "}",
            ", ",
            ",",
            "&x ",
            "&y ",
            "*x",
            "*y",
            "*z",
            "&x [*y, *y]",
            "!tag ",
            "!!str ",
            "!!map ",
            "!!binary ",
            "---\n",
            "...\n",
            "'",
            "\"",
            "? ",
            "|\n",
            ">-\n",
            "%YAML 1.2\n",
            "%TAG ! tag:x,2000:\n",
            "# c\n",
            "<<: ",
            "1",
            "0x1F",
            "1e400",
            "-.inf",
            ".nan",
            "true",
            "~",
            "null",
            "\\u00",
            "\u{feff}",
            "\u{0}",
            "\r",
            "=",
            "\"k\": ",
            "é",
            "\u{2028}",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let start = std::time::Instant::now();
        let mut most_nodes = 0usize;
        for round in 0..4_000u32 {
            let mut body: Vec<u8> = Vec::new();
            if round % 10 == 0 {
                // A bomb of random shape, sometimes after a mapping key.
                let leaf = 1 + (next() % 3_000) as usize;
                let levels = 1 + (next() % 12) as usize;
                let fanout = 1 + (next() % 16) as usize;
                if next() % 2 == 0 {
                    body.extend_from_slice(b"top:\n  ");
                }
                body.extend_from_slice(alias_bomb(leaf, levels, fanout).as_bytes());
            }
            let len = (next() % 200) as usize;
            for _ in 0..len {
                let r = next();
                if r % 17 == 0 {
                    body.push((r >> 8) as u8);
                } else {
                    let i = (r >> 8) as usize % TOKENS.len();
                    body.extend_from_slice(TOKENS.get(i).copied().unwrap_or("").as_bytes());
                }
            }
            let c = classify(&body, Some("application/yaml"));
            assert!(c.entries <= MAX_PAIRS, "{}", String::from_utf8_lossy(&body));
            assert!(c.auth_off.len() <= 20 && c.secrets.len() <= 21);
            if let Some(w) = walk_yaml(&body) {
                assert!(w.nodes <= MAX_YAML_NODES + 1);
                assert!(w.pairs.list.len() <= MAX_PAIRS);
                most_nodes = most_nodes.max(w.nodes);
            }
        }
        eprintln!(
            "4,000 fuzzed bodies in {:?}; most nodes walked in one body: {most_nodes}",
            start.elapsed()
        );
    }
}
