//! Text from servers, made safe to keep: control characters removed or escaped, lengths capped.
//! Every string a server sends passes through here before it reaches a report.

/// Characters that invisibly reorder or hide text (Trojan Source: bidirectional overrides and
/// isolates, zero-width characters, the byte-order mark). Server text never keeps them raw.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Keeps printable text only, capped, so server text can never smuggle control characters;
/// invisible formatting characters ([`is_invisible_format`]) become U+FFFD, visibly.
pub fn sanitize(bytes: &[u8], max_chars: usize) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| match c {
            c if c.is_control() => ' ',
            c if is_invisible_format(c) => '\u{FFFD}',
            c => c,
        })
        .take(max_chars)
        .collect::<String>()
        .trim()
        .replace(LEGACY_COMMAND, LEGACY_COMMAND_BROKEN)
}

/// The runner's legacy workflow command (`##[set-output name=x;]v`), read anywhere in a line of
/// a step's output, even where no `::` command can start: a `run:` step that prints a report
/// (the text or JSON of `mtls-scan scan`) would let a certificate name issue it.
const LEGACY_COMMAND: &str = "##[";
/// [`LEGACY_COMMAND`] as server text keeps it: still legible, never a command.
const LEGACY_COMMAND_BROKEN: &str = "## [";

/// Whether a body speaks of certificates or TLS (`certificate`, `certificat`, `certificado`,
/// `zertifikat`, `ssl`, `tls`, `x.509`/`x509`), ASCII case-insensitive: the words of a page that
/// refuses a certificate, in a few languages; not those of a request error.
pub fn speaks_of_certificates(body: &[u8]) -> bool {
    const WORDS: [&[u8]; 6] = [
        b"certifica",
        b"zertifikat",
        b"ssl",
        b"tls",
        b"x.509",
        b"x509",
    ];
    let lower = body.to_ascii_lowercase();
    WORDS
        .iter()
        .any(|w| lower.windows(w.len()).any(|win| win == *w))
}

/// Whether a body says it refuses the caller (`unauthorized`, `forbidden`, `access denied`,
/// `authentication required`, …), ASCII case-insensitive: an application's refusal answered with
/// a success status (a JSON API's `200 {"ok": false, "error": "unauthorized"}`).
pub fn speaks_of_refusal(body: &[u8]) -> bool {
    const WORDS: [&[u8]; 10] = [
        b"unauthorized",
        b"unauthorised",
        b"not authorized",
        b"not authorised",
        b"forbidden",
        b"access denied",
        b"permission denied",
        b"authentication required",
        b"authentication failed",
        b"login required",
    ];
    let lower = body.to_ascii_lowercase();
    WORDS
        .iter()
        .any(|w| lower.windows(w.len()).any(|win| win == *w))
}

/// Renders a DER X.500 Name (as advertised in a CertificateRequest) as RFC 4514 text, control
/// characters escaped (see [`escape_controls`]); an unparsable one becomes
/// `<unparsable name: HEX>` (capped).
pub fn describe_name(der: &[u8]) -> String {
    use x509_parser::prelude::FromDer;
    match x509_parser::x509::X509Name::from_der(der) {
        Ok((_, name)) => escape_controls(&name.to_string()),
        Err(_) => {
            let hex: String = der.iter().take(32).map(|b| format!("{b:02x}")).collect();
            format!("<unparsable name: {hex}>")
        }
    }
}

/// Escapes control characters and invisible formatting ones as RFC 4514 hex pairs (`\0a`,
/// `\e2\80\ae`), one per UTF-8 byte. Names come from
/// servers, and x509-parser renders a PrintableString or IA5String byte for byte: unescaped, a
/// name could carry line breaks or terminal escapes into reports.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_invisible_format(c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\{b:02x}"));
            }
        } else {
            out.push(c);
        }
    }
    out.replace(LEGACY_COMMAND, LEGACY_COMMAND_BROKEN)
}

/// A duration as the user would give it: seconds as written (`0.2 s`, `10 s`, `2.5 s`), under a
/// tenth of a second in milliseconds (`5 ms`, `0.5 ms`). A `--timeout 0.005` or `--deadline 0.2`
/// is never shown as `0.0 s` or `0 s`.
pub fn duration(d: std::time::Duration) -> String {
    let ms = d.as_nanos() as f64 / 1e6;
    if d.as_millis() < 100 {
        format!("{} ms", (ms * 1000.0).round() / 1000.0)
    } else {
        format!("{} s", (ms).round() / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file name reversed by U+202E, zero-width spaces: visible, never raw.
    #[test]
    fn invisible_formatting_is_never_kept_raw() {
        let server = "OK \u{202E}gnp.exe\u{202C} \u{200B}\u{2066}x".as_bytes();
        let kept = sanitize(server, 100);
        assert!(!kept.chars().any(is_invisible_format), "{kept:?}");
        assert_eq!(kept, "OK \u{FFFD}gnp.exe\u{FFFD} \u{FFFD}\u{FFFD}x");
        assert_eq!(escape_controls("a\u{202E}b"), "a\\e2\\80\\aeb");
    }

    /// The runner's legacy command form, read anywhere in a line: broken in server text.
    #[test]
    fn legacy_workflow_commands_are_broken() {
        let cn = "CN=##[set-output name=grade;]A ##[stop-commands]x";
        for kept in [escape_controls(cn), sanitize(cn.as_bytes(), 200)] {
            assert!(!kept.contains("##["), "{kept}");
            assert!(kept.contains("## [set-output"), "{kept}");
        }
    }

    #[test]
    fn words_of_a_certificate_refusal_are_recognised() {
        for body in [
            "No required SSL certificate was sent",
            "Zertifikat ungültig",
            "le certificat client est requis",
            r#"{"error":"mTLS required"}"#,
            "X.509 chain rejected",
        ] {
            assert!(speaks_of_certificates(body.as_bytes()), "{body}");
        }
        for body in [
            r#"{"errors":[{"message":"GET query missing."}]}"#,
            "Bad Request",
            "",
        ] {
            assert!(!speaks_of_certificates(body.as_bytes()), "{body}");
        }
    }

    #[test]
    fn durations_read_as_given() {
        use std::time::Duration;
        assert_eq!(duration(Duration::from_secs_f64(0.2)), "0.2 s");
        assert_eq!(duration(Duration::from_secs_f64(0.005)), "5 ms");
        assert_eq!(duration(Duration::from_secs_f64(0.0005)), "0.5 ms");
        assert_eq!(duration(Duration::from_secs(10)), "10 s");
        assert_eq!(duration(Duration::from_millis(2500)), "2.5 s");
        assert_eq!(duration(Duration::from_millis(1234)), "1.234 s");
    }
}
