//! The fuzz targets of mtls-scan, as plain functions over `&[u8]`. `fuzz_targets/*.rs` hand them
//! to libFuzzer (`cargo +nightly fuzz run NAME`); `src/bin/replay.rs` runs them on stable over the
//! corpus and mutated inputs (`.ci/fuzz.sh`). Each one panics on a broken invariant, never on
//! bad input: a parser that rejects garbage is doing its job.
//!
//! The action-runner functions (workflow commands, Markdown and text rendering, the YAML config)
//! come from its library, as the binary uses them.

use std::sync::{Arc, OnceLock};

use action_runner::github::commands;
use action_runner::{config, render};
use probe_core::checks::server_cert::{self, Policy, TrustStore};
use probe_core::facts::{ProbeObservation, TlsVersion};
use probe_core::finding::{Finding, FindingId};
use probe_core::identity::KeyKind;
use probe_core::report::Report;
use probe_core::target::Target;
use rustls_pki_types::CertificateDer;

/// Every target, by name (the names of `fuzz_targets/*.rs` and of `corpus/*/`).
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("cert_analysis", cert_analysis),
    ("server_cert", server_cert),
    ("dn_forge", dn_forge),
    ("config_leak", config_leak),
    ("workflow_commands", workflow_commands),
    ("markdown", markdown),
    ("yaml_config", yaml_config),
];

fn lossy(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Whether `identity::summarize` and `server_cert` escape control characters in the names they
/// render, as `handshake::describe_name` does. TODO: they do not yet (found by these targets: a
/// PrintableString holding `\x03` or `\n` reaches reports as it is); once they call
/// `probe_core::text::escape_controls`, set this to true so the targets hold them to it.
const NAMES_ESCAPED_EVERYWHERE: bool = true;

/// Server text must reach reports without control characters (they could forge lines).
fn assert_printable(what: &str, s: &str) {
    assert!(
        !s.chars().any(|c| c.is_control()),
        "{what} holds a control character: {s:?}"
    );
}

/// Splits `data` into pieces, each prefixed by a 2-byte big-endian length (the last piece takes
/// what is left), at most `max`.
fn pieces(data: &[u8], max: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() && out.len() < max {
        let (len, body) = match rest {
            [a, b, body @ ..] => (usize::from(*a) << 8 | usize::from(*b), body),
            _ => break,
        };
        let (piece, tail) = body.split_at(len.min(body.len()));
        out.push(piece);
        rest = tail;
    }
    out
}

// ---------------------------------------------------------------------------------------------

/// Certificate analysis: `identity::summarize` on the bytes as a certificate, and
/// `handshake::describe_name` on them as an advertised CA name. Whatever parses, the text that
/// reaches a report has no control character.
pub fn cert_analysis(data: &[u8]) {
    let der = CertificateDer::from(data);
    if let Ok(summary) = probe_core::identity::summarize(&der, "fuzz") {
        if NAMES_ESCAPED_EVERYWHERE {
            assert_printable("summary.subject", &summary.subject);
            assert_printable("summary.issuer", &summary.issuer);
        }
        assert_eq!(summary.sha256.len(), 64);
    }
    let name = probe_core::text::describe_name(data);
    assert_printable("describe_name", &name);
}

fn trust_stores() -> &'static [TrustStore; 2] {
    static STORES: OnceLock<[TrustStore; 2]> = OnceLock::new();
    STORES.get_or_init(|| {
        let provider = probe_core::engine::provider();
        let mut roots = rustls::RootCertStore::empty();
        let with_roots = rcgen::KeyPair::generate()
            .ok()
            .and_then(|key| {
                let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).ok()?;
                params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
                let ca = params.self_signed(&key).ok()?;
                roots.add(ca.der().clone()).ok()?;
                let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
                    Arc::new(roots.clone()),
                    provider,
                )
                .build()
                .ok()?;
                Some(TrustStore::new(&roots, &[ca.der().clone()], Some(verifier)))
            })
            .unwrap_or_default();
        [TrustStore::default(), with_roots]
    })
}

/// Server-certificate analysis (`server_cert::analyse`) on a chain of up to 4 arbitrary
/// certificates (2-byte length prefixes), served on one or both TLS versions: it never panics
/// and its description of the chain holds no control character.
pub fn server_cert(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let chain: Vec<CertificateDer<'static>> = pieces(rest, 4)
        .into_iter()
        .map(|p| CertificateDer::from(p.to_vec()))
        .collect();
    let mut chains = vec![(TlsVersion::Tls13, chain.clone())];
    if flags & 1 == 1 {
        chains.push((TlsVersion::Tls12, chain));
    }
    let Ok(target) = Target::parse(if flags & 2 == 2 {
        "https://127.0.0.1:8443/"
    } else {
        "https://api.example.com/health"
    }) else {
        return;
    };
    let trust = &trust_stores()[usize::from(flags >> 2 & 1)];
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let analysis = server_cert::analyse(
        &chains,
        &target,
        trust,
        Policy {
            expiry_warning_days: u32::from(flags >> 3),
        },
        now,
    );
    if let (true, Some(cert)) = (NAMES_ESCAPED_EVERYWHERE, &analysis.certificate) {
        let value = serde_json::to_value(cert).unwrap_or_default();
        let mut strings = Vec::new();
        collect_strings(&value, &mut strings);
        for s in strings {
            assert_printable("server certificate", &s);
        }
    }
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

struct ForgeKit {
    forger: probe_core::identity::forge::Forger,
    template: Vec<u8>,
    signer: rcgen::KeyPair,
}

fn forge_kit() -> &'static Option<ForgeKit> {
    static KIT: OnceLock<Option<ForgeKit>> = OnceLock::new();
    KIT.get_or_init(|| {
        let forger = probe_core::identity::forge::Forger::new(probe_core::engine::provider());
        let signer = rcgen::KeyPair::generate().ok()?;
        let template = probe_core::identity::client_leaf_params("fuzz")
            .self_signed(&signer)
            .ok()?
            .der()
            .to_vec();
        Some(ForgeKit {
            forger,
            template,
            signer,
        })
    })
}

/// Whether `data` is a Name in canonical DER (what x509-cert writes back unchanged).
fn canonical_name(data: &[u8]) -> bool {
    use x509_cert::der::{Decode, Encode};
    x509_cert::name::Name::from_der(data)
        .and_then(|n| n.to_der())
        .is_ok_and(|again| again == data)
}

/// The issuer Name of a certificate, as its DER bytes (read with x509-cert: x509-parser's
/// `as_raw` stops short on a Name with an empty RDN, which x509-cert accepts).
fn issuer_der(cert: &[u8]) -> Vec<u8> {
    use x509_cert::der::{Decode, Encode};
    x509_cert::Certificate::from_der(cert)
        .and_then(|c| c.tbs_certificate.issuer.to_der())
        .unwrap_or_else(|e| panic!("a forged certificate does not decode: {e}"))
}

/// DN splicing and forging with arbitrary issuer bytes (an advertised CA name is server data):
/// `forge::splice_issuer` and `Forger::forge` either refuse the name or copy it; a name in
/// canonical DER is copied byte for byte. TODO: a non-canonical one (say a multi-valued RDN whose
/// SET is not sorted, as some CAs write it) comes out re-encoded, so it no longer matches the
/// server's trust anchor byte for byte; copying the raw bytes into the TBS would fix it.
pub fn dn_forge(data: &[u8]) {
    let Some(kit) = forge_kit() else {
        return;
    };
    let canonical = canonical_name(data);
    if let Ok(der) = probe_core::identity::forge::splice_issuer(&kit.template, data, &kit.signer) {
        x509_parser::parse_x509_certificate(&der)
            .unwrap_or_else(|e| panic!("a spliced certificate does not parse: {e}"));
        if canonical {
            assert_eq!(
                issuer_der(&der),
                data,
                "the issuer was not copied byte for byte"
            );
        }
    }
    if let Ok(id) = kit.forger.forge(data, KeyKind::EcdsaP256) {
        let leaf = id
            .certified
            .cert
            .first()
            .expect("a forged identity has a leaf");
        x509_parser::parse_x509_certificate(leaf.as_ref())
            .unwrap_or_else(|e| panic!("a forged certificate does not parse: {e}"));
        if canonical {
            assert_eq!(issuer_der(leaf.as_ref()), data);
        }
        if NAMES_ESCAPED_EVERYWHERE {
            assert_printable("forged issuer", &id.summary.issuer);
        }
    }
}

const CONTENT_TYPES: [Option<&str>; 6] = [
    None,
    Some("application/json"),
    Some("application/x-yaml"),
    Some("text/plain; charset=utf-8"),
    Some("text/html"),
    Some("application/octet-stream"),
];

/// The config-leak parser (`config_leak::classify`, `config_leak::redact`) on an arbitrary body
/// (the first byte picks the Content-Type): no panic, settings capped, and a secret line added
/// to the text never survives redaction.
pub fn config_leak(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(pick) % CONTENT_TYPES.len()];
    let classified = probe_core::checks::config_body::classify(body, content_type);
    for s in &classified.auth_off {
        assert!(
            s.setting.chars().count() <= 1_000,
            "an uncapped setting: {} chars",
            s.setting.chars().count()
        );
    }
    const PLANTED: &str = "FUZZ-PLANTED-SECRET-7c1d";
    let text = format!("{}\npassword={PLANTED}\n", lossy(body));
    let redacted = probe_core::checks::config_body::redact(&text);
    assert!(
        !redacted.contains(PLANTED),
        "a secret survived redaction: {redacted:?}"
    );
}

/// Decodes toolkit's escaping (`%25`, `%0D`, `%0A`, `%3A`, `%2C`) left to right.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        let (c, skip) = match tail.get(..3) {
            Some("%25") => ('%', 3),
            Some("%0D") => ('\r', 3),
            Some("%0A") => ('\n', 3),
            Some("%3A") => (':', 3),
            Some("%2C") => (',', 3),
            _ => ('%', 1),
        };
        out.push(c);
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
}

/// Workflow-command escaping: whatever a server sends, a command stays on one line, its
/// properties hold no `:` or `,` of their own, and unescaping gives the text back.
pub fn workflow_commands(data: &[u8]) {
    let text = lossy(data);
    let mut parts = text.splitn(3, '\0');
    let message = parts.next().unwrap_or_default();
    let title = parts.next().unwrap_or_default();
    let file = parts.next().unwrap_or_default();
    // Escaping is lossless but for invisible reordering characters, shown as U+FFFD.
    let shown = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if probe_core::text::is_invisible_format(c) {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect()
    };
    assert_eq!(unescape(&commands::escape_data(message)), shown(message));
    assert_eq!(unescape(&commands::escape_property(title)), shown(title));
    let line = commands::Command::error(message)
        .property("title", title)
        .property("file", file)
        .to_string();
    assert!(
        !line.contains(['\n', '\r']),
        "a command spans lines: {line:?}"
    );
    let rest = line
        .strip_prefix("::error")
        .expect("the command starts with its name");
    let (props, msg) = rest.split_once("::").expect("the `::` before the message");
    assert!(!props.contains(':'), "a property holds a colon: {props:?}");
    assert_eq!(props.matches(',').count(), {
        let given = [title, file].iter().filter(|v| !v.is_empty()).count();
        given.saturating_sub(1)
    });
    assert_eq!(unescape(msg), shown(message));
}

/// Markdown escaping: `markdown::text` and `markdown::rich` leave nothing that Markdown or HTML
/// would read (tags, table pipes, line breaks, code fences), and a whole report whose every
/// server-given field is the input renders with its structure intact; rendered as text, it holds
/// no control character but line breaks and no line a runner would read as a workflow command.
pub fn markdown(data: &[u8]) {
    use render::markdown;
    let s = lossy(data);
    let check = |what: &str, out: &str| {
        for bad in ['<', '>', '|', '`', '\n', '\r', '[', ']', '*', '_'] {
            assert!(!out.contains(bad), "{what} left {bad:?} in {out:?}");
        }
        assert!(
            !out.chars().any(|c| c.is_control()
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
            "{what} left a control or bidi character in {out:?}"
        );
    };
    check("text", &markdown::text(&s));
    let rich = markdown::rich(&s)
        .replace("<code>", "")
        .replace("</code>", "");
    check("rich", &rich);

    let Ok(target) = Target::parse("https://fuzz.example/") else {
        return;
    };
    let failed = probe_core::engine::failed(&target, s.clone());
    let mut judged = probe_core::engine::failed(&target, String::new());
    judged.error = None;
    judged.findings = vec![Finding::new(FindingId::ClientCertOptional, s.clone())
        .with_evidence(&s, s.clone())
        .into()];
    // Through serde: the observation gains fields as probe-core grows, and they have defaults.
    let observation: Result<ProbeObservation, _> = serde_json::from_value(serde_json::json!({
        "id": "no-client-cert", "tls_version": "1.3", "client_cert": null,
        "cert_requested": true, "acceptable_cas": [s], "signature_schemes": [s], "alert": s,
        "http_status": 200, "alpn": s, "server_header": s, "body_excerpt": s,
        "outcome": "served", "detail": s, "ms": 1.0
    }));
    judged.probes = observation.into_iter().collect();
    judged.notes = vec![s.clone()];
    judged.verification_detail = Some(s.clone());
    let report = Report::new(vec![failed, judged], 1.0);
    let text = render::text::render(&report, false);
    for line in text.lines() {
        assert!(
            !line.chars().any(char::is_control),
            "the text report holds a control character: {line:?}"
        );
        assert!(
            !line.trim_start().starts_with("::"),
            "a text line reads as a workflow command: {line:?}"
        );
    }
    let md = markdown::render(&report, None);
    let lower = md.to_lowercase();
    assert!(!lower.contains("<script"), "a tag got through");
    assert_eq!(
        md.matches("<details").count(),
        md.matches("</details>").count(),
        "unbalanced <details>"
    );
}

/// The YAML config: `Config::parse` on arbitrary text never panics (YAML bombs included), and an
/// error points inside the text.
pub fn yaml_config(data: &[u8]) {
    let text = lossy(data);
    match config::Config::parse(&text, "fuzz.yml") {
        Ok(c) => {
            assert!(!c.targets().is_empty());
            let _ = (c.policies(), c.suppressions());
        }
        Err(e) => {
            // Line breaks as YAML counts them: CR, LF, CRLF, NEL, LS and PS.
            let lines = 1 + text
                .replace("\r\n", "\n")
                .matches(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
                .count();
            assert!(
                e.line <= lines + 1,
                "error line {} past the text's {lines} lines: {e}",
                e.line
            );
            let _ = e.to_string();
        }
    }
}
