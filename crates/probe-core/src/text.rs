//! Text from servers, made safe to keep: control characters removed or escaped, lengths capped.
//! Every string a server sends passes through here before it reaches a report.

/// Characters that invisibly reorder or hide text (Trojan Source: bidirectional overrides,
/// isolates and the Arabic letter mark, zero-width characters, the soft hyphen, the byte-order
/// mark, Unicode tag characters). Server text never keeps them raw.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{E0000}'..='\u{E007F}'
    )
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
        .replace('`', BACKTICK_KEPT)
}

/// A backtick as server text keeps it (U+02CB, the modifier letter grave accent): a finding's
/// detail quotes server text beside the scan's own `` `code` `` spans, which the Markdown
/// renderer turns into `<code>`; a server's pair of backticks must not (a review's certificate
/// subject with two came out as code in the job summary).
pub const BACKTICK_KEPT: &str = "\u{2CB}";

/// The runner's legacy workflow command (`##[set-output name=x;]v`), read anywhere in a line of
/// a step's output, even where no `::` command can start: a `run:` step that prints a report
/// (the text or JSON of `mtls-scan scan`) would let a certificate name issue it.
const LEGACY_COMMAND: &str = "##[";
/// [`LEGACY_COMMAND`] as server text keeps it: still legible, never a command.
const LEGACY_COMMAND_BROKEN: &str = "## [";

/// `text` with every [`LEGACY_COMMAND`] broken (`##[` as `## [`): what a renderer prints of a
/// report read back (`merge`) never issues a command either.
pub fn break_legacy_commands(text: &str) -> String {
    text.replace(LEGACY_COMMAND, LEGACY_COMMAND_BROKEN)
}

/// Whether `body` holds any of `words` (lower case), ASCII case-insensitive.
fn holds_any(body: &[u8], words: &[&[u8]]) -> bool {
    let lower = body.to_ascii_lowercase();
    words
        .iter()
        .any(|w| lower.windows(w.len()).any(|win| win == *w))
}

/// Words of a redirect's target that send the caller to sign in.
const SIGN_IN_WORDS: [&str; 8] = [
    "login", "log-in", "signin", "sign-in", "sso", "auth", "saml", "session",
];

/// Whether a redirect's `Location` sends the caller to sign in (it speaks of it, any case).
pub fn sends_to_sign_in(location: &str) -> bool {
    let l = location.to_ascii_lowercase();
    SIGN_IN_WORDS.iter().any(|w| l.contains(w))
}

/// Where a `Refresh` header (`0; url=/next`) or an HTML `<meta http-equiv="refresh"
/// content="0; url=/next">` in `body` sends a browser, sanitised and capped: a redirect made by
/// a page rather than a status (a review's Apache 403 page refreshing to an open copy of the
/// orders: A, exit 0). The header first; in the body, the first of at most 8 `http-equiv`
/// attributes that names `refresh` and carries a `url=`.
pub fn refresh_target(header: Option<&[u8]>, body: &[u8]) -> Option<String> {
    if let Some(url) = header.and_then(refresh_url) {
        return Some(url);
    }
    let lower = body.to_ascii_lowercase();
    let mut from = 0;
    for _ in 0..8 {
        let at = from + memchr::memmem::find(lower.get(from..)?, b"http-equiv")?;
        let end = lower
            .get(at..)
            .and_then(|rest| rest.iter().position(|&b| b == b'>'))
            .map_or(lower.len(), |p| at + p);
        let tag = lower.get(at..end)?;
        if memchr::memmem::find(tag, b"refresh").is_some() {
            if let Some(url) = body.get(at..end).and_then(refresh_url) {
                return Some(url);
            }
        }
        from = end;
    }
    None
}

/// The URL after `url=` in a refresh's value, up to a quote, trimmed; none when empty.
fn refresh_url(value: &[u8]) -> Option<String> {
    let at = memchr::memmem::find(&value.to_ascii_lowercase(), b"url=")?;
    let rest = value.get(at + 4..)?;
    let rest = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != b'"' && *b != b'\'')
        .and_then(|start| rest.get(start..))?;
    let end = rest
        .iter()
        .position(|b| matches!(b, b'"' | b'\'' | b'>') || b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let url = rest.get(..end)?;
    (!url.is_empty()).then(|| sanitize(url, 300))
}

/// Whether a short body (at most [`METHOD_REFUSAL_MAX`] bytes) says its request's method is not
/// served, in a phrase about the method (`method not allowed`, `unsupported method`, `method is
/// not supported`, `invalid method`, `unknown method`, `bad method`, or naming the method sent,
/// `MTLSSCAN`), ASCII case-insensitive, `_` and `-` read as spaces: an answer to a method of no
/// meaning that refuses it, whatever its status. Not a word alone: a page of data holding
/// `"export":"not_allowed"` or `"unsupported_region"` refuses nothing (a review's such pages
/// were passed in a first version).
pub fn speaks_of_method_refusal(body: &[u8]) -> bool {
    const PHRASES: [&[u8]; 11] = [
        b"method not allowed",
        b"method is not allowed",
        b"method not supported",
        b"method is not supported",
        b"unsupported method",
        b"method not implemented",
        b"invalid method",
        b"unknown method",
        b"bad method",
        b"method mtlsscan",
        b"mtlsscan not",
    ];
    if body.len() > METHOD_REFUSAL_MAX {
        return false;
    }
    let spaced: Vec<u8> = body
        .iter()
        .map(|b| if matches!(b, b'_' | b'-') { b' ' } else { *b })
        .collect();
    holds_any(&spaced, &PHRASES)
}

/// The longest body [`speaks_of_method_refusal`] reads: a framework's refusal page, a JSON
/// error envelope.
pub const METHOD_REFUSAL_MAX: usize = 2048;

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
    holds_any(body, &WORDS)
}

/// Whether a body says it refuses the caller (`unauthorized`, `forbidden`, `access denied`,
/// `authentication required`, …) or asks it to sign in (`sign in`, `log in`, a password field),
/// ASCII case-insensitive: an application's refusal answered with a success status (a JSON API's
/// `200 {"ok": false, "error": "unauthorized"}`, a sign-in form rendered in place: an audit's was
/// called the protected page, critical).
pub fn speaks_of_refusal(body: &[u8]) -> bool {
    const WORDS: [&[u8]; 14] = [
        b"sign in",
        b"log in",
        b"type=\"password\"",
        b"type='password'",
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
    holds_any(body, &WORDS)
}

/// [`speaks_of_refusal`], or an API's refusal in the error codes it answers in place of those
/// words (a review's `200` bodies, each called served, critical, beside the valid certificate's
/// data: Apollo's and Laravel's `Unauthenticated`, Django REST's `Authentication credentials were
/// not provided.`, OAuth's `access_denied`, `not_authenticated`, a SAML sign-in form posted on
/// load). Only where a page is compared with the valid certificate's, or is short
/// ([`crate::probe::VersionView::served_a_refusal_uncompared`]): such codes also stand in
/// protected data (an audit log's `PERMISSION_DENIED` events), where words alone must not hide a
/// door.
pub fn speaks_of_refusal_or_its_code(body: &[u8]) -> bool {
    const CODES: [&[u8]; 12] = [
        b"not_authorized",
        b"unauthenticated",
        b"not authenticated",
        b"not_authenticated",
        b"access_denied",
        b"accessdenied",
        b"permission_denied",
        b"authentication_required",
        b"credentials were not provided",
        b"login_required",
        b"samlrequest",
        b"please authenticate",
    ];
    speaks_of_refusal(body) || holds_any(body, &CODES)
}

/// [`speaks_of_refusal_or_its_code`], or a refusal in another language (German, French, Spanish,
/// Italian, Portuguese, Dutch, Polish, Czech, Swedish, Turkish, Russian, Ukrainian, Japanese,
/// Chinese, Korean: `Zugriff verweigert`, `Accès refusé`, `Доступ запрещён`, `アクセスが拒否`,
/// `禁止访问` …), letter case aside. Only for a refusal's page read without a valid certificate's
/// page to compare ([`crate::probe::VersionView::refused_with_a_page_uncompared`]): a review's
/// six refusal pages in six languages were each unread where English ones were not.
pub fn speaks_of_refusal_in_any_language(body: &[u8]) -> bool {
    const WORDS: [&str; 44] = [
        "verweigert",
        "verboten",
        "nicht berechtigt",
        "nicht autorisiert",
        "keine berechtigung",
        "refusé",
        "interdit",
        "non autorisé",
        "denegado",
        "prohibido",
        "no autorizado",
        "negato",
        "vietato",
        "non autorizzato",
        "negado",
        "proibido",
        "não autorizado",
        "geweigerd",
        "verboden",
        "niet geautoriseerd",
        "odmowa",
        "zabronion",
        "brak dostępu",
        "brak uprawnień",
        "odepřen",
        "zakázán",
        "nekad",
        "förbjud",
        "engellendi",
        "yetkisiz",
        "запрещ",
        "отказано",
        "нет доступа",
        "не авторизован",
        "заборонено",
        "відмовлено",
        "拒否",
        "禁止",
        "権限がありません",
        "拒绝",
        "拒絕",
        "未授权",
        "无权",
        "거부",
    ];
    speaks_of_refusal_or_its_code(body) || {
        let text = String::from_utf8_lossy(body).to_lowercase();
        WORDS.iter().any(|w| text.contains(w))
    }
}

/// Whether a body speaks of rate limiting (`rate limited`, `rate_limit_exceeded`, `too many
/// requests`, `slow down`, `throttled`, `try again later` …), ASCII case-insensitive: a limiter's
/// page, whatever its status.
pub fn speaks_of_rate_limiting(body: &[u8]) -> bool {
    const WORDS: [&[u8]; 9] = [
        b"rate limit",
        b"rate-limit",
        b"rate_limit",
        b"ratelimit",
        b"too many requests",
        b"slow down",
        b"throttl",
        b"try again later",
        b"retry later",
    ];
    holds_any(body, &WORDS)
}

/// Whether a body says it holds the caller back (`rate limited`, `too many requests`, `slow down`, `throttled`,
/// `try again later`, a rate limit `exceeded` …), ASCII case-insensitive: a limiter's page served
/// with 2xx, not an API's data that names its rate limit.
pub fn speaks_of_being_held_back(body: &[u8]) -> bool {
    const WORDS: [&[u8]; 10] = [
        b"rate limited",
        b"rate-limited",
        b"rate_limited",
        b"ratelimited",
        b"too many requests",
        b"slow down",
        b"throttl",
        b"try again later",
        b"retry later",
        b"exceeded",
    ];
    holds_any(body, &WORDS)
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
        .replace('`', BACKTICK_KEPT)
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

/// The reason an answer that stayed unread after `attempts` tries gives: the newest attempt's,
/// with a count when the earlier one failed the same way, or the earlier one's in brackets;
/// never empty, never nested (what an earlier retry appended is not part of a reason).
pub fn retried_reason(before: &str, now: &str, attempts: usize) -> String {
    let (before, now) = (first_reason(before), first_reason(now));
    match (now.trim().is_empty(), before.trim().is_empty()) {
        (true, true) => format!("no answer could be read ({attempts} attempts)"),
        (true, false) => format!("{before} ({attempts} attempts)"),
        (false, true) => format!("{now} ({attempts} attempts)"),
        (false, false) if before == now => format!("{now} ({attempts} attempts)"),
        (false, false) => format!("{now} (earlier attempt: {before})"),
    }
}

/// A retried reason without what [`retried_reason`] appended to it: ` (N attempts)`, or
/// ` (earlier attempt: …)`.
fn first_reason(detail: &str) -> &str {
    let mut reason = detail;
    if let Some((head, _)) = reason
        .rsplit_once(" (")
        .filter(|(_, tail)| tail.ends_with(" attempts)"))
    {
        reason = head;
    }
    match reason.find(" (earlier attempt: ") {
        Some(at) if reason.ends_with(')') => reason.get(..at).unwrap_or(reason),
        _ => reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages refusing a method, in a framework's words or a JSON envelope's; a page of data
    /// does not.
    #[test]
    fn a_method_refused_in_words_is_told() {
        for page in [
            "<title>405 Method Not Allowed</title>",
            r#"{"ok":false,"error":"unsupported_method"}"#,
            "Method MTLSSCAN not supported",
            r#"{"error":"invalid-method"}"#,
        ] {
            assert!(speaks_of_method_refusal(page.as_bytes()), "{page}");
        }
        // Data that holds such words refuses nothing; nor does a long page.
        for page in [
            r#"{"orders":[{"id":1017,"total":"42.00"}]}"#,
            r#"{"customers":[{"iban":"DE89","export":"not_allowed"}]}"#,
            r#"{"status":"unsupported_region","orders":[]}"#,
        ] {
            assert!(!speaks_of_method_refusal(page.as_bytes()), "{page}");
        }
        let long = format!("method not allowed {}", "x".repeat(METHOD_REFUSAL_MAX));
        assert!(!speaks_of_method_refusal(long.as_bytes()));
    }

    /// A `Refresh` header, then a meta refresh in any case and quoting, sends a browser on; a
    /// meta tag of another kind, or a refresh without a URL, does not.
    #[test]
    fn a_refresh_in_the_header_or_the_page_names_where_it_sends() {
        assert_eq!(
            refresh_target(Some(b"0; url=/legacy/orders"), b"").as_deref(),
            Some("/legacy/orders")
        );
        assert_eq!(
            refresh_target(Some(b"5;URL='/v1/orders?x=1'"), b"").as_deref(),
            Some("/v1/orders?x=1")
        );
        let page = br#"<html><head><meta charset="utf-8"><meta http-equiv="Content-Type" content="text/html"><META HTTP-EQUIV="Refresh" CONTENT="0; URL=/Legacy/orders"></head>"#;
        assert_eq!(
            refresh_target(None, page).as_deref(),
            Some("/Legacy/orders")
        );
        assert_eq!(
            refresh_target(
                None,
                b"<meta http-equiv=refresh content='0;url=https://127.0.0.1:8443/open'>"
            )
            .as_deref(),
            Some("https://127.0.0.1:8443/open")
        );
        assert_eq!(refresh_target(Some(b"30"), b""), None);
        assert_eq!(
            refresh_target(None, br#"<meta http-equiv="refresh" content="60">"#),
            None
        );
        assert_eq!(
            refresh_target(
                None,
                br#"<meta http-equiv="x-ua-compatible" content="url=/x">"#
            ),
            None
        );
        assert_eq!(refresh_target(None, b"<p>url=/x refresh</p>"), None);
    }

    /// Refusal pages in six languages speak of refusing; a page of data in German or Japanese that
    /// names access (`Zugriff`, `アクセス`) without refusing does not.
    #[test]
    fn refusals_in_other_languages_are_refusals() {
        for page in [
            "<h1>Zugriff verweigert</h1><p>Ein Client-Zertifikat ist erforderlich.</p>",
            "<h1>Accès refusé</h1>",
            "<h1>Acceso denegado</h1>",
            "<h1>アクセスが拒否されました</h1>",
            "<h1>禁止访问</h1>",
            "<h1>Доступ запрещён</h1>",
        ] {
            assert!(speaks_of_refusal_in_any_language(page.as_bytes()), "{page}");
            assert!(!speaks_of_refusal_or_its_code(page.as_bytes()), "{page}");
        }
        for page in [
            r#"{"bestellungen":[{"id":1017,"artikel":"Zugriffsschutz-Modul","summe":"42.00"}]}"#,
            "<h1>注文</h1><p>アクセス数: 17</p>",
        ] {
            assert!(
                !speaks_of_refusal_in_any_language(page.as_bytes()),
                "{page}"
            );
        }
    }

    /// A sign-in form rendered in place refuses the caller; an API's data naming its rate limit
    /// holds nobody back, a limiter's page does.
    #[test]
    fn refusals_and_limits_are_read_from_their_words() {
        let form = br#"<title>Sign in - Orders</title><form action="/login"><input type="password" name="p"></form>"#;
        assert!(speaks_of_refusal(form));
        for body in [
            r#"{"data":null,"errors":[{"message":"Unauthenticated","extensions":{"code":"UNAUTHENTICATED"}}]}"#,
            r#"{"detail":"Authentication credentials were not provided."}"#,
            r#"{"error":"access_denied"}"#,
            r#"{"ok":false,"error":"not_authenticated"}"#,
            r#"<form method="post" action="https://idp.example/sso"><input type="hidden" name="SAMLRequest" value="PHNhbWw="></form>"#,
        ] {
            assert!(speaks_of_refusal_or_its_code(body.as_bytes()), "{body}");
        }
        // Codes alone stand in protected data too: the words of a refusal do not hold them.
        assert!(!speaks_of_refusal(
            br#"{"orders":[1017],"audit":[{"event":"PERMISSION_DENIED"}]}"#
        ));
        assert!(!speaks_of_refusal(
            br#"{"orders":[{"id":1017}],"user":"alice"}"#
        ));
        assert!(!speaks_of_being_held_back(
            br#"{"rate_limit":{"remaining":99}}"#
        ));
        assert!(speaks_of_being_held_back(br#"{"error":"rate_limited"}"#));
    }

    /// A file name reversed by U+202E, zero-width spaces: visible, never raw.
    #[test]
    fn invisible_formatting_is_never_kept_raw() {
        let server = "OK \u{202E}gnp.exe\u{202C} \u{200B}\u{2066}x".as_bytes();
        let kept = sanitize(server, 100);
        assert!(!kept.chars().any(is_invisible_format), "{kept:?}");
        assert_eq!(kept, "OK \u{FFFD}gnp.exe\u{FFFD} \u{FFFD}\u{FFFD}x");
        assert_eq!(escape_controls("a\u{202E}b"), "a\\e2\\80\\aeb");
        // The Arabic letter mark (a bidi mark), the soft hyphen, tag characters (invisible
        // letters that can spell a hidden text).
        let hidden = "a\u{061C}b\u{00AD}c\u{E0041}\u{E007F}d".as_bytes();
        assert_eq!(
            sanitize(hidden, 100),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}\u{FFFD}d"
        );
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

    /// A server's backticks are kept as a lookalike: a renderer's `` `code` `` spans are the
    /// scan's own.
    #[test]
    fn backticks_of_server_text_are_no_code_spans() {
        let cn = "CN=e `t` x, O=Org|`x`";
        for kept in [escape_controls(cn), sanitize(cn.as_bytes(), 200)] {
            assert!(!kept.contains('`'), "{kept}");
            assert_eq!(kept, "CN=e \u{2CB}t\u{2CB} x, O=Org|\u{2CB}x\u{2CB}");
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

/// What a redacted value becomes.
const REDACTED: &str = "<redacted>";

/// Whether a key names a secret (`password`, `token`, `api_key`, `Authorization`, `client-secret`,
/// `private_key`, `cookie`…), ASCII case-insensitive, `-`/`_` ignored.
fn is_secret_name(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    const WORDS: [&str; 15] = [
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "token",
        "apikey",
        "accesskey",
        "privatekey",
        "authorization",
        "credential",
        "cookie",
        "session",
        // `PHPSESSID`, `ASPSESSIONID…`: a session id by another spelling (a review's
        // `?PHPSESSID=…` kept whole in the impostor's reports).
        "sessid",
        "signature",
    ];
    !k.is_empty()
        && (WORDS.iter().any(|w| k.contains(w))
            || k == "auth"
            || k == "pass"
            // `DB_PASS`, `-srcstorepass`, `keypass`: a password by another spelling (a review's
            // `DB_PASS=…` and `keytool -srcstorepass …` kept whole in the impostor's reports);
            // not a bypass.
            || (k.ends_with("pass") && !k.ends_with("bypass"))
            || k == "sig"
            || k == "key"
            || (k.ends_with("key") && !k.ends_with("publickey")))
}

/// Whether a word looks like key material or a token: 32 characters or more of the base64 (or
/// base64url, or hex) alphabet, with letters and digits.
fn is_blob(word: &str) -> bool {
    let w = word.trim_matches(|c: char| matches!(c, '"' | '\'' | ',' | ';' | '(' | ')' | '.'));
    // A path (`/api/v1/users/12345/orders`) or a URL is no blob: its `key=value` pairs are read
    // on their own.
    !w.starts_with('/')
        && !w.contains("://")
        && w.len() >= 32
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_'))
        && w.chars().any(|c| c.is_ascii_digit())
        && w.chars().any(|c| c.is_ascii_alphabetic())
}

/// A URL's query (without its `?`) with the value of every parameter that names a secret
/// (`token`, `api_key`, `key`, `sig`, `X-Amz-Signature`, `code`…) or that looks like one (a JSON
/// Web Token, a long base64 or hex run) replaced by `<redacted>`, and the values so replaced, as
/// written: a target URL is shown in every report, and a key in it is the user's secret.
pub fn redact_query(query: &str) -> (String, Vec<String>) {
    let mut secrets = Vec::new();
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| {
            let Some((name, value)) = pair.split_once('=') else {
                return pair.to_owned();
            };
            // The name as the server reads it: `%74oken` is `token`, `api+key` is `api key`.
            let plain = name.replace('+', " ");
            let read = percent_encoding::percent_decode_str(&plain).decode_utf8_lossy();
            let named = is_secret_name(&read)
                || is_secret_param(&read)
                || ["key", "sig", "jwt", "sas", "pin", "sid", "tok", "bearer"]
                    .iter()
                    .any(|w| read.eq_ignore_ascii_case(w))
                || read.to_ascii_lowercase().ends_with("key");
            let looks =
                is_blob(value) || redact_jwts(value) != value || redact_prefixed(value) != value;
            if value.is_empty() || !(named || looks) {
                return pair.to_owned();
            }
            secrets.push(value.to_owned());
            format!("{name}={REDACTED}")
        })
        .collect();
    (pairs.join("&"), secrets)
}

/// Whether a query parameter's name (`?code=…`, `&otp=…`) names a one-time secret: names too
/// common in prose (`code`) to be redacted anywhere else.
fn is_secret_param(key: &str) -> bool {
    // `sid` (a session id) and `refresh` (a refresh token) too: a review's were kept whole.
    [
        "code",
        "otp",
        "ticket",
        "assertion",
        "hmac",
        "policy",
        "sid",
        "refresh",
    ]
    .iter()
    .any(|w| key.eq_ignore_ascii_case(w))
}

/// Whether `key` is a Telegram bot path segment (`bot123456789` in `/bot123456789:TOKEN/`).
fn is_bot_id(key: &str) -> bool {
    key.len() > 3
        && key.get(..3).is_some_and(|b| b.eq_ignore_ascii_case("bot"))
        && key
            .get(3..)
            .is_some_and(|d| d.bytes().all(|c| c.is_ascii_digit()))
}

/// Redacts JSON Web Tokens (`eyJ…` with two or more dots) anywhere in a word: a JWT carries its
/// claims and signature, whatever parameter or header holds it.
fn redact_jwts(word: &str) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(at) = rest.find("eyJ") {
        let (head, tail) = rest.split_at(at);
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=')))
            .unwrap_or(tail.len());
        let (run, after) = tail.split_at(len);
        out.push_str(head);
        if run.trim_end_matches('.').matches('.').count() >= 1 && run.len() >= 16 {
            out.push_str(REDACTED);
        } else {
            out.push_str(run);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The prefixes of tokens issued in a well-known form (Stripe, GitHub, GitLab, Slack, npm, PyPI,
/// OpenAI, Anthropic, Google, SendGrid, Hugging Face, AWS access key ids), which mark a token
/// wherever it stands: a path segment (`/keys/sk_live_…`), a query value, a word.
const TOKEN_PREFIXES: [&str; 27] = [
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "whsec_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "gldt-",
    "glrt-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxs-",
    "xapp-",
    "npm_",
    "pypi-",
    "sk-",
    "AIza",
    "SG.",
    "hf_",
    "AKIA",
];

/// Redacts tokens of a well-known form ([`TOKEN_PREFIXES`]) anywhere in a word: from the prefix,
/// at the word's start or after a character that cannot be part of one (`/`, `=`, `:`, a quote),
/// to the end of the run of token characters, where that run holds 12 characters or more after
/// the prefix (a prose word such as `sk-learn` is kept).
fn redact_prefixed(word: &str) -> String {
    let token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut out = String::new();
    let mut i = 0;
    while i < word.len() {
        let boundary = i == 0
            || word
                .get(..i)
                .and_then(|head| head.chars().next_back())
                .is_some_and(|c| !c.is_ascii_alphanumeric() && c != '_' && c != '-');
        let hit = boundary
            .then(|| {
                TOKEN_PREFIXES
                    .iter()
                    .find(|p| word.get(i..).is_some_and(|rest| rest.starts_with(**p)))
            })
            .flatten();
        if let Some(prefix) = hit {
            let rest = word.get(i + prefix.len()..).unwrap_or("");
            let run = rest.find(|c: char| !token_char(c)).unwrap_or(rest.len());
            if run >= 12 {
                out.push_str(REDACTED);
                i += prefix.len() + run;
                continue;
            }
        }
        let Some(c) = word.get(i..).and_then(|r| r.chars().next()) else {
            break;
        };
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Redacts the secret path segments of webhook URLs: Slack's `/services/T…/B…/SECRET` and
/// Discord's `/api/webhooks/ID/SECRET` (a query or fragment after it is kept).
fn redact_webhooks(word: &str) -> String {
    if !word.contains("/services/")
        && !word.contains("/webhooks/")
        && !word.contains("/IncomingWebhook/")
    {
        return word.to_owned();
    }
    let alnum = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric());
    let mut segs: Vec<String> = word.split('/').map(str::to_owned).collect();
    for i in 0..segs.len() {
        let seg = |k: usize| segs.get(i + k).map_or("", String::as_str);
        let secret_at = match seg(0) {
            "services"
                if seg(1).starts_with('T')
                    && alnum(seg(1))
                    && seg(2).starts_with('B')
                    && alnum(seg(2)) =>
            {
                i + 3
            }
            "webhooks" if alnum(seg(1)) && seg(1).bytes().all(|c| c.is_ascii_digit()) => i + 2,
            // Microsoft Teams: `/IncomingWebhook/<secret>/<id>`.
            "IncomingWebhook" => i + 1,
            _ => continue,
        };
        if let Some(secret) = segs.get_mut(secret_at) {
            let end = secret.find(['?', '#']).unwrap_or(secret.len());
            let kept = secret.split_off(end);
            if secret.len() >= 8 {
                *secret = format!("{REDACTED}{kept}");
            } else {
                secret.push_str(&kept);
            }
        }
    }
    segs.join("/")
}

/// Redacts, inside one word, the value of every `key=value` / `key:value` whose key names a
/// secret (up to the next `&`, `;`, `,` or quote; a quoted key or value, as JSON has them,
/// included), a query parameter naming a one-time secret (`?code=`), a Telegram bot token
/// (`/bot<id>:<token>/`), and a URL's password (`://user:pass@`).
fn redact_word(word: &str) -> String {
    let mut out = String::new();
    let mut rest = word;
    // A URL's user information.
    if let Some(scheme) = rest.find("://") {
        let (head, tail) = rest.split_at(scheme + 3);
        let host_end = tail.find(['/', '?', '#']).unwrap_or(tail.len());
        if let Some(at) = tail.get(..host_end).and_then(|a| a.rfind('@')) {
            let user = tail.get(..at).unwrap_or("");
            let user = user.split(':').next().unwrap_or("");
            out.push_str(head);
            out.push_str(user);
            out.push(':');
            out.push_str(REDACTED);
            rest = tail.get(at..).unwrap_or("");
        }
    }
    loop {
        let Some(pos) = rest.find(['=', ':']) else {
            out.push_str(rest);
            break;
        };
        let (before, after) = rest.split_at(pos);
        // A quoted key (`"access_token":`) is read without its quotes.
        let unquoted = before.trim_end_matches(['"', '\'']);
        let key_start = unquoted
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(0, |i| i + 1);
        let key = unquoted.get(key_start..).unwrap_or("");
        let in_query = key_start > 0
            && matches!(
                unquoted.as_bytes().get(key_start - 1),
                Some(b'?' | b'&' | b';')
            );
        let bot = after.starts_with(':') && is_bot_id(key);
        let secret_key = is_secret_name(key) || (in_query && is_secret_param(key)) || bot;
        let mut value = after.get(1..).unwrap_or("");
        out.push_str(before);
        out.push_str(after.get(..1).unwrap_or(""));
        // A quoted value (`"ya29.x"`, `'abc'`): up to its closing quote.
        let quote = value.chars().next().filter(|c| matches!(c, '"' | '\''));
        if let (Some(q), true) = (quote, secret_key) {
            out.push(q);
            value = value.get(1..).unwrap_or("");
        }
        // A quoted value under another name that looks like key material (a JSON Web Key's
        // `"d":"…"`: a review's, kept whole): up to its closing quote too.
        let quoted_blob = quote.filter(|&q| {
            !secret_key
                && value
                    .get(1..)
                    .and_then(|v| v.split(q).next())
                    .is_some_and(|inner| is_blob(inner) || is_jwk_secret(key, inner))
        });
        if let Some(q) = quoted_blob {
            out.push(q);
            value = value.get(1..).unwrap_or("");
        }
        let end = match quote {
            Some(q) if secret_key || quoted_blob.is_some() => value.find(q),
            _ if bot => value.find(['/', '?', '&', '"', '\'']),
            _ => value.find(['&', ';', ',', '"', '\'', ')']),
        }
        .unwrap_or(value.len());
        let (secret, tail) = value.split_at(end);
        // A value that looks like a token is one, whatever its name (`?k=<40 base64 chars>`).
        let secret_key = secret_key || quoted_blob.is_some() || is_blob(secret);
        if secret_key && !secret.is_empty() && !secret.starts_with("//") {
            out.push_str(REDACTED);
            rest = tail;
        } else {
            rest = value;
        }
    }
    out
}

/// Whether `value` under the JSON key `key` is a JSON Web Key's private member (`d`, `p`, `q`,
/// `dp`, `dq`, `qi`, a symmetric key's `k`): base64url of 16 characters or more.
fn is_jwk_secret(key: &str, value: &str) -> bool {
    matches!(key, "d" | "p" | "q" | "dp" | "dq" | "qi" | "k")
        && value.len() >= 16
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// Whether `word` is a run of eight or more hex bytes joined by colons (`7e:1d:a0:…`, a key's
/// scalar as `openssl pkey -text` prints it).
fn is_colon_hex(word: &str) -> bool {
    let w = word.trim_matches(|c: char| matches!(c, ':' | ',' | ';' | '"' | '\''));
    let parts: Vec<&str> = w.split(':').collect();
    parts.len() >= 8
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Short flags that take a password as their next word in common tools (`mysql -p`, `docker login
/// -p`, `sshpass -p`, `redis-cli -a`), and `-u`/`--user` whose next word is `user:password`
/// (curl): a `set -x` trace of such a command is a client's last stderr line (a review's, kept
/// whole).
const PASSWORD_FLAGS: [&str; 3] = ["-p", "-a", "--pass"];

/// Redacts what looks secret in a line a client wrote (its last stderr line, a request line):
/// PEM armour and key material, `Authorization`/`Bearer`/`Basic` credentials (`Authorization:
/// Bearer x`, `Authorization:Bearer x`), the value of any `password=`, `token=`, `secret:`,
/// `api_key=`, `"access_token":"…"`, `token='…'`…, a secret flag's or a compound secret name's
/// next word (`--password x`, `api-token x`), one-time query parameters (`?code=`), JSON Web
/// Tokens anywhere, webhook secrets (Slack, Discord) and Telegram bot tokens in paths, a URL's
/// password, and long base64 or hex runs. Untrusted text, kept in reports: a secret in it must
/// not be.
pub fn redact_secrets(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    // PEM armour: the line is key material (a key's own words, `private key: …`, are redacted
    // word by word: curl's "unable to set private key file" and Go's "private key does not
    // match public key" stay readable).
    if lower.contains("-----begin") || lower.contains("-----end") {
        return "<redacted: key material>".to_owned();
    }
    const SCHEMES: [&str; 5] = ["bearer", "basic", "digest", "token", "negotiate"];
    let words: Vec<&str> = line.split(' ').collect();
    // A key as `openssl … -text` prints it (`00 c3 9f …`, or `7e:1d:a0:…`), not a serial or a
    // fingerprint a line names as such (certificates are public).
    // Hex the word before names as public (`certificate serial 3A:F2:…`, `SHA256
    // Fingerprint=AB:…`): a serial or a fingerprint, never a key.
    let names_public_hex = |before: Option<&&str>| {
        before.is_some_and(|w| {
            let w = w.trim_end_matches([':', '=']).to_ascii_lowercase();
            matches!(
                w.as_str(),
                "serial" | "fingerprint" | "sha1" | "sha-1" | "sha256" | "sha-256" | "number"
            )
        })
    };
    let hex_byte = |w: &str| {
        let w = w.trim_end_matches(':');
        w.len() == 2 && w.chars().all(|c| c.is_ascii_hexdigit())
    };
    let mut in_hex_run = vec![false; words.len()];
    let mut i = 0;
    while i < words.len() {
        let run = words.iter().skip(i).take_while(|w| hex_byte(w)).count();
        if run >= 8 && !names_public_hex(i.checked_sub(1).and_then(|b| words.get(b))) {
            for flag in in_hex_run.iter_mut().skip(i).take(run) {
                *flag = true;
            }
        }
        i += run.max(1);
    }
    let mut out = Vec::new();
    let mut redact_next = 0usize;
    let mut user_next = false;
    let mut maybe_next: Option<String> = None;
    for (at, word) in words.iter().copied().enumerate() {
        if word.is_empty() {
            out.push(String::new());
            continue;
        }
        if in_hex_run.get(at) == Some(&true) {
            if at == 0 || in_hex_run.get(at - 1) != Some(&true) {
                out.push(REDACTED.to_owned());
            }
            continue;
        }
        // `-u alice:password`: the user kept, the password not.
        if std::mem::take(&mut user_next) {
            if let Some((user, _)) = word.split_once(':') {
                out.push(format!("{user}:{REDACTED}"));
                continue;
            }
        }
        let bare = word
            .trim_matches(|c: char| matches!(c, '"' | '\'' | '(' | ')' | ','))
            .to_ascii_lowercase();
        // After a password word or flag: the next word unless it is prose or a port
        // (`keystore password was incorrect`, `ssh -p 2222`, `(use -a to list all)`), its
        // closing punctuation kept.
        if let Some(after) = maybe_next.take() {
            // Prose (a word of lower-case letters: `password was incorrect`, `no password
            // supplied`) or, after `-p`, a port (five digits at most: `ssh -p 2222`); any other
            // word is the value (`-a 12345678`, `-p S3cret`, `password hunter2`).
            let port = after == "-p" && (1..=5).contains(&bare.len());
            let prose = bare.chars().all(|c| c.is_ascii_lowercase())
                || (port && bare.chars().all(|c| c.is_ascii_digit()));
            if !prose {
                let kept = word.len() - word.trim_end_matches([')', ',', '.', ';', ']']).len();
                let tail = word.get(word.len() - kept..).unwrap_or_default();
                out.push(format!("{REDACTED}{tail}"));
                continue;
            }
        }
        // `--user=alice:password`.
        if let Some(user) = word.strip_prefix("--user=") {
            if let Some((user, _)) = user.split_once(':') {
                out.push(format!("--user={user}:{REDACTED}"));
                continue;
            }
        }
        if redact_next > 0 {
            redact_next -= 1;
            let kept = word.len() - word.trim_end_matches([')', ',', ';', ']']).len();
            let tail = word.get(word.len() - kept..).unwrap_or_default();
            out.push(format!("{REDACTED}{tail}"));
            // `Authorization: Bearer x`: the scheme, then its credentials.
            if SCHEMES.contains(&bare.as_str()) {
                redact_next = 1;
            }
            continue;
        }
        if matches!(bare.as_str(), "bearer" | "basic" | "negotiate") {
            out.push(word.to_owned());
            redact_next = 1;
            continue;
        }
        // A password flag, a password word in prose (`connecting with passwd x`), or `-u`.
        if PASSWORD_FLAGS.contains(&bare.as_str())
            || matches!(bare.as_str(), "password" | "passwd" | "passphrase" | "pwd")
        {
            out.push(word.to_owned());
            maybe_next = Some(bare.clone());
            continue;
        }
        if matches!(bare.as_str(), "-u" | "--user") {
            out.push(word.to_owned());
            user_next = true;
            continue;
        }
        // `mysql -pPASSWORD`: the flag joined to its value.
        let joined_password = word.strip_prefix("-p").is_some_and(|v| {
            !v.starts_with('-') && v.len() >= 4 && v.chars().any(|c| !c.is_ascii_alphabetic())
        });
        if joined_password {
            out.push(format!("-p{REDACTED}"));
            continue;
        }
        let public = names_public_hex(at.checked_sub(1).and_then(|b| words.get(b)))
            || word.to_ascii_lowercase().starts_with("fingerprint=");
        if is_colon_hex(word) && !public {
            out.push(REDACTED.to_owned());
            continue;
        }
        // A key before its `:` or `=` (`password:`, `"token":`, `[password]:`), not a URL that
        // ends so (Go's `Get "https://…?access_token=x":`, whose value is the query's, redacted
        // below: taking the URL for the key left the token and redacted the next word).
        let name_like = |k: &str| !k.contains("://") && !k.contains(['?', '&', '=']);
        if let Some(key) = bare.strip_suffix(':').or_else(|| bare.strip_suffix('=')) {
            if name_like(key) && is_secret_name(key) {
                out.push(word.to_owned());
                redact_next = 1;
                continue;
            }
        }
        // `Authorization:Bearer x`: the scheme joined to its header, the credentials next.
        if let Some((key, scheme)) = bare.rsplit_once([':', '=']) {
            if SCHEMES.contains(&scheme) && name_like(key) && is_secret_name(key) {
                out.push(redact_word(word));
                redact_next = 1;
                continue;
            }
        }
        // `--password x`, `-p`-style flags aside: a flag naming a secret, or a compound secret
        // name (`api-token x`, `client_secret x`: not prose), takes the next word as its value.
        let flag = bare.strip_prefix("--").or_else(|| bare.strip_prefix('-'));
        let compound = bare.contains(['-', '_']) && !bare.starts_with('-');
        if let Some(name) = flag.or(compound.then_some(bare.as_str())) {
            if !name.contains(['=', ':', '/', '.']) && is_secret_name(name) {
                out.push(word.to_owned());
                redact_next = 1;
                continue;
            }
        }
        if is_blob(word) {
            out.push(REDACTED.to_owned());
            continue;
        }
        out.push(redact_word(&redact_webhooks(&redact_prefixed(
            &redact_jwts(word),
        ))));
    }
    out.join(" ")
}

/// `text` with JSON's string escapes (`\uXXXX`, surrogate pairs joined, `\/`, `\"`, `\\`,
/// `\n` …) and HTML's numeric entities (`&#61;`, `&#x3d;`) decoded; what does not decode is
/// kept as it stands. For finding a secret a server echoed in a form no list foresees.
pub fn unescape_json_and_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_high: Option<u32> = None;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(tail) = rest.strip_prefix("\\u") {
            let hex: String = tail.chars().take(4).collect();
            if let (4, Ok(unit)) = (hex.len(), u32::from_str_radix(&hex, 16)) {
                rest = tail.get(4..).unwrap_or_default();
                match (pending_high.take(), unit) {
                    (Some(high), 0xDC00..=0xDFFF) => {
                        let joined = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00);
                        out.extend(char::from_u32(joined));
                    }
                    (_, 0xD800..=0xDBFF) => pending_high = Some(unit),
                    (_, unit) => out.extend(char::from_u32(unit)),
                }
                continue;
            }
        }
        pending_high = None;
        if let Some(tail) = rest.strip_prefix('\\') {
            if let Some(e) = tail.chars().next() {
                let decoded = match e {
                    'n' => Some('\n'),
                    't' => Some('\t'),
                    'r' => Some('\r'),
                    'b' => Some('\u{8}'),
                    'f' => Some('\u{c}'),
                    '/' | '"' | '\\' | '\'' => Some(e),
                    _ => None,
                };
                if let Some(d) = decoded {
                    out.push(d);
                    rest = tail.get(e.len_utf8()..).unwrap_or_default();
                    continue;
                }
            }
        }
        if let Some(tail) = rest.strip_prefix("&#") {
            let (hex, digits) = match tail.strip_prefix(['x', 'X']) {
                Some(h) => (true, h),
                None => (false, tail),
            };
            let end = digits.find(';').filter(|&e| e > 0 && e <= 8);
            if let Some(end) = end {
                let number = digits.get(..end).unwrap_or_default();
                let value = u32::from_str_radix(number, if hex { 16 } else { 10 }).ok();
                if let Some(ch) = value.and_then(char::from_u32) {
                    out.push(ch);
                    rest = digits.get(end + 1..).unwrap_or_default();
                    continue;
                }
            }
        }
        out.push(c);
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    out
}

/// Deepest nesting of YAML flow collections (`[` … `]`, `{` … `}`) accepted before a text is
/// parsed as YAML. The YAML scanner (libyaml's, which serde_yaml's parser translates) walks every
/// open flow level on each token, so its time grows with the square of the nesting: 64 KB of `{a: `
/// from a server took 10 s of CPU, a 200 KB config a minute. Deserialising stops at 128 levels in
/// any case, so nothing readable is lost.
pub const YAML_FLOW_DEPTH_LIMIT: usize = 128;

/// Whether `text` nests YAML flow collections at most `limit` deep. Comments and quoted scalars
/// (a quote that opens a token) are skipped; a bracket inside a plain scalar counts, which can
/// only make the estimate deeper, never hide a deep nesting written with real flow indicators.
pub fn yaml_flow_depth_within(text: &[u8], limit: usize) -> bool {
    yaml_flow_too_deep_at(text, limit).is_none()
}

/// Where YAML flow collections first nest deeper than `limit` in `text` (the offset of the
/// bracket that opens one level too many), as [`yaml_flow_depth_within`] reads them.
pub fn yaml_flow_too_deep_at(text: &[u8], limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    // What the previous byte was: a token may open after it (line start, blank, `[`, `{`, `,`, `:`).
    let mut token_start = true;
    let mut bytes = text.iter().copied().enumerate();
    while let Some((at, b)) = bytes.next() {
        match b {
            b'#' if token_start => {
                // A comment runs to the end of the line.
                for (_, c) in bytes.by_ref() {
                    if c == b'\n' {
                        break;
                    }
                }
                token_start = true;
                continue;
            }
            b'"' if token_start => {
                let mut escaped = false;
                for (_, c) in bytes.by_ref() {
                    match c {
                        _ if escaped => escaped = false,
                        b'\\' => escaped = true,
                        b'"' => break,
                        _ => {}
                    }
                }
                token_start = false;
                continue;
            }
            b'\'' if token_start => {
                // `''` inside is a quote; it closes and reopens here, which reads the same.
                for (_, c) in bytes.by_ref() {
                    if c == b'\'' {
                        break;
                    }
                }
                token_start = false;
                continue;
            }
            b'[' | b'{' => {
                depth = depth.saturating_add(1);
                if depth > limit {
                    return Some(at);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        token_start = matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'[' | b'{' | b',' | b':');
    }
    None
}

#[cfg(test)]
mod redaction_tests {
    /// Go's error line quotes the URL and ends it with `":`: the query's secret is redacted, the
    /// word after it kept (it was the other way round: the token leaked).
    #[test]
    fn a_query_secret_in_a_quoted_url_before_a_colon_is_redacted() {
        for key in [
            "access_token",
            "token",
            "api_key",
            "password",
            "client_secret",
            "Signature",
        ] {
            let line = format!(
                "Get \"https://localhost:8443/v1/orders?{key}=S3cr3tValue99\": x509: certificate \
                 signed by unknown authority"
            );
            let out = super::redact_secrets(&line);
            assert!(!out.contains("S3cr3tValue99"), "{out}");
            assert!(out.contains("x509: certificate signed"), "{out}");
        }
        // A key before its colon, however it is wrapped, still takes its value (a regression
        // sweep's seven forms, redacted before the fix above and printed after its first version).
        for line in [
            r#"{"token": "abcdef123456", "ok": true}"#,
            r#"body: {\"token\": \"abcdef123456\"}"#,
            "`token`: abcdef123456",
            "[password]: abcdef123456",
            "params[password]: abcdef123456",
            "(password): abcdef123456",
            r#"ENV["API_TOKEN"]: abcdef123456"#,
            "$password: abcdef123456",
        ] {
            let out = super::redact_secrets(line);
            assert!(!out.contains("abcdef123456"), "{line} -> {out}");
        }
    }

    /// JSON escapes (surrogate pairs too) and HTML numeric entities decode; what does not is kept.
    #[test]
    fn json_escapes_and_numeric_entities_decode() {
        use super::unescape_json_and_entities as un;
        assert_eq!(un(r"Ng\u003d\u003d"), "Ng==");
        assert_eq!(
            un(r#"a\/b \"q\" \\ \ud83d\ude00"#),
            "a/b \"q\" \\ \u{1F600}"
        );
        assert_eq!(un("x&#61;&#x3D;&#;&#xZZ;"), "x==&#;&#xZZ;");
        assert_eq!(un(r"\u12 \q"), r"\u12 \q");
    }

    #[test]
    fn query_values_that_name_or_look_like_secrets_are_redacted() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlLXNlY3JldA";
        for (query, shown, secrets) in [
            (
                "api_key=abc123&page=2",
                "api_key=<redacted>&page=2",
                vec!["abc123"],
            ),
            ("key=AIzaSyD&q=x", "key=<redacted>&q=x", vec!["AIzaSyD"]),
            (
                "X-Amz-Credential=AKIA%2F20261204&X-Amz-Signature=ab12&X-Amz-Date=20261204",
                "X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>&X-Amz-Date=20261204",
                vec!["AKIA%2F20261204", "ab12"],
            ),
            (
                "sv=2022&sig=Zx9%3D",
                "sv=2022&sig=<redacted>",
                vec!["Zx9%3D"],
            ),
            (
                "access_token=t0k&code=c0de",
                "access_token=<redacted>&code=<redacted>",
                vec!["t0k", "c0de"],
            ),
            (
                &format!("q=x&t={jwt}") as &str,
                "q=x&t=<redacted>",
                vec![jwt],
            ),
            (
                "q=widgets&page=2&sort=asc",
                "q=widgets&page=2&sort=asc",
                vec![],
            ),
            ("flag&token=", "flag&token=", vec![]),
            // Names as the server reads them, percent-encoded, and the short ones an audit's
            // targets used.
            (
                "%74oken=t1&api%5Fkey=k2&sid=s3&bearer=b4&tok=t5&page=2",
                "%74oken=<redacted>&api%5Fkey=<redacted>&sid=<redacted>&bearer=<redacted>&tok=<redacted>&page=2",
                vec!["t1", "k2", "s3", "b4", "t5"],
            ),
        ] {
            let (got, values) = redact_query(query);
            assert_eq!(got, shown, "{query}");
            assert_eq!(values, secrets, "{query}");
        }
    }

    use super::{redact_query, redact_secrets};

    /// What a review's client printed last on stderr (the impostor keeps it in the JSON report):
    /// a JSON Web Key, a key's scalar as `openssl pkey -text` prints it, passwords by other
    /// spellings, and `set -x` traces of commands taking one; each gone, the words around kept.
    #[test]
    fn passwords_keys_and_traces_a_client_printed_are_redacted() {
        for (line, secret, kept) in [
            ("DB_PASS=hunter2hunter2", "hunter2", "DB_PASS="),
            ("connecting with passwd hunter2hunter2", "hunter2", "connecting with passwd"),
            (
                r#"{"kty":"EC","crv":"P-256","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"}"#,
                "jpsQnnGQmL",
                r#""kty":"EC""#,
            ),
            (
                "    7e:1d:a0:5b:33:9c:81:2e:77:0f:aa:61:c4:d2:90:18:3b:5c:6e:de:01:99:a2:4f:8c:17",
                "7e:1d:a0",
                "",
            ),
            ("mysql -u root -phunter2hunter2 db", "hunter2", "mysql -u root"),
            ("+ curl -sf -u alice:S3cretPassw0rdA https://a.test/", "S3cret", "-u alice:"),
            ("+ docker login -u bot -p S3cretPassw0rdB registry.example", "S3cret", "registry.example"),
            ("+ redis-cli -h cache -a S3cretPassw0rdD ping", "S3cret", "ping"),
            ("+ sshpass -p S3cretPassw0rdE ssh deploy@host", "S3cret", "ssh deploy@host"),
            ("+ export DB_PASS=S3cretPassw0rdF", "S3cret", "export DB_PASS="),
            (
                "+ keytool -importkeystore -srcstorepass S3cretPassw0rdG -deststorepass S3cretPassw0rdG",
                "S3cret",
                "-srcstorepass",
            ),
        ] {
            let r = redact_secrets(line);
            assert!(!r.contains(secret), "{line} -> {r}");
            assert!(r.contains(kept), "{line} -> {r}");
        }
        // A TLS error stays readable, and a bypass is no password.
        let error = "curl: (60) SSL certificate problem: unable to get local issuer certificate";
        assert_eq!(redact_secrets(error), error);
        assert_eq!(redact_secrets("sni-bypass=1 seen"), "sni-bypass=1 seen");
        // A second review's: `--user=`, a key as space-separated hex; and lines of prose, ports
        // and serials kept whole (each was damaged by the first rules).
        for (line, secret) in [
            ("curl --user=admin:hunter2xyz https://x", "hunter2"),
            (
                "priv: 00 c3 9f 11 22 33 44 55 66 77 88 99 aa bb cc dd",
                "c3 9f",
            ),
            ("failed (password hunter2xyz)", "hunter2"),
        ] {
            let r = redact_secrets(line);
            assert!(!r.contains(secret), "{line} -> {r}");
        }
        assert_eq!(
            redact_secrets("failed (password hunter2xyz)"),
            "failed (password <redacted>)"
        );
        // A third review's: numeric passwords after `-a`, `-p` (six digits or more) and in
        // prose; hex keys beside a word that only holds `serial` or `sha256`.
        for (line, secret) in [
            (
                "redis-cli -h cache -p 6379 -a 12345678 --tls ping",
                "12345678",
            ),
            (
                "docker login -u ci -p 20241231 registry.internal",
                "20241231",
            ),
            ("connecting with password 987654 to db", "987654"),
            (
                "deserialize key 00 c3 9f 11 22 33 44 55 66 77 88 99 aa bb cc dd",
                "c3 9f",
            ),
            (
                "shared secret (for sha256 kdf) 7e:1d:a0:5b:33:9c:81:2e:77:0f:aa:61",
                "7e:1d",
            ),
            (
                "HMAC-SHA256 key: 3b 5a 1c 2d 3e 4f 50 61 72 83 94 a5",
                "5a 1c",
            ),
        ] {
            let r = redact_secrets(line);
            assert!(!r.contains(secret), "{line} -> {r}");
        }
        assert_eq!(
            redact_secrets("ERROR 1045: Access denied (using password: NO)"),
            "ERROR 1045: Access denied (using password: <redacted>)"
        );
        for line in [
            "Using a password with '-a' or '-u' option on the command line interface may not be safe.",
            "psql: error: fe_sendauth: no password supplied",
            "java.security.UnrecoverableKeyException: Password verification failed",
            "curl: (58) unable to set private key file: 'client.key' type PEM",
            "tls: private key does not match public key",
            "java.io.IOException: keystore password was incorrect",
            "ssh: connect to host db port 22: Connection refused (ssh -p 2222 db)",
            "redis-cli -h db -p 6379 ping: Could not connect to Redis at db:6379: Connection refused",
            "Error: connect ECONNREFUSED 127.0.0.1:8443 (use -a to list all)",
            "certificate serial 3A:F2:91:0C:7B:44:E1:9D:02:11:5C:8E:AA:31:77:60 not trusted",
        ] {
            assert_eq!(redact_secrets(line), line);
        }
    }

    /// Tokens of a well-known form in a request's path or query, as an audit's client sent them:
    /// gone from the line, the path around them kept; a prose word with such a prefix stays.
    #[test]
    fn tokens_of_a_well_known_form_are_redacted_wherever_they_stand() {
        let line = "request GET /v1/keys/sk_live_STRIPESECRET4242424242/ghp_GITHUBPATSECRET0123456789abcdefABCDEF/xoxb-123-456-SLACKTOKENSECRET?u=glpat-abcdefghijklmnop1234&npm=npm_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 HTTP/1.1";
        let r = redact_secrets(line);
        for secret in [
            "STRIPESECRET",
            "GITHUBPAT",
            "SLACKTOKEN",
            "glpat-abc",
            "npm_ABC",
        ] {
            assert!(!r.contains(secret), "{r}");
        }
        assert!(
            r.starts_with("request GET /v1/keys/<redacted>/<redacted>/<redacted>?u="),
            "{r}"
        );
        let teams = redact_secrets(
            "POST /webhookb2/x@y/IncomingWebhook/0123456789abcdef0123456789abcdef/some-id HTTP/1.1",
        );
        assert!(!teams.contains("0123456789abcdef0123"), "{teams}");
        let query = redact_secrets("GET /x?hmac=deadbeefcafe&Policy=eyJzdGF0ZW1lbnQ HTTP/1.1");
        assert!(
            !query.contains("deadbeef") && !query.contains("eyJzdGF0"),
            "{query}"
        );
        // Session ids and refresh tokens in a query (a review's, kept whole before).
        let session =
            redact_secrets("GET /app?sid=s3ssi0n&PHPSESSID=9f8e7d&refresh=r3fr35h&page=2 HTTP/1.1");
        assert!(
            !session.contains("s3ssi0n")
                && !session.contains("9f8e7d")
                && !session.contains("r3fr35h")
                && session.contains("page=2"),
            "{session}"
        );
        assert_eq!(
            redact_secrets("install sk-learn and scikit-learn"),
            "install sk-learn and scikit-learn"
        );
    }

    #[test]
    fn secrets_in_a_line_are_redacted() {
        let cases = [
            "curl: (22) The requested URL returned error: 401 Authorization: Bearer eyJhbGciOi.abc",
            "POST /login?user=bob&password=hunter2&x=1 HTTP/1.1",
            "GET /secret?token=abc HTTP/1.1",
            "error: api_key=AKIAabc; client_secret: s3cr3tvalue",
            "fetch https://bob:hunter2@api.example/x failed",
            "-----BEGIN PRIVATE KEY-----",
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
            "X-Api-Key: abcdef",
            "Authorization: Basic Ym9iOmh1bnRlcjI=",
            "secret=hunter2",
        ];
        for c in cases {
            let r = redact_secrets(c);
            for s in [
                "eyJhbGciOi",
                "hunter2",
                "abc ",
                "token=abc",
                "AKIAabc",
                "s3cr3tvalue",
                "MIIEvQ",
                "abcdef",
                "Ym9iOmh1bnRlcjI",
            ] {
                assert!(!r.contains(s), "{c:?} -> {r:?}");
            }
            assert!(r.contains("redacted"), "{c:?} -> {r:?}");
        }
        // What is not secret stays legible.
        let plain = "curl: (60) SSL certificate problem: self-signed certificate";
        assert_eq!(redact_secrets(plain), plain);
        let plain = "GET /health?x=1 HTTP/1.1";
        assert_eq!(redact_secrets(plain), plain);
        let plain = "GET /api/v1/users/12345/orders/67890/items/abcdef HTTP/1.1";
        assert_eq!(redact_secrets(plain), plain);
        assert_eq!(
            redact_secrets("https://localhost:4433/"),
            "https://localhost:4433/"
        );
    }

    #[test]
    fn tokens_in_urls_json_flags_and_joined_headers_are_redacted() {
        // Each was kept verbatim in a report (the request line, the last stderr line).
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlLXNlY3JldA";
        let cases = [
            (
                format!("GET /api?jwt={jwt}&x=1 HTTP/1.1"),
                "eyJ",
                "GET /api?jwt=<redacted>&x=1 HTTP/1.1",
            ),
            (
                format!("error: token {jwt} rejected"),
                "eyJ",
                "error: token <redacted> rejected",
            ),
            (
                "GET /callback?state=abc&code=SECRETcode42 HTTP/1.1".to_owned(),
                "SECRETcode42",
                "GET /callback?state=abc&code=<redacted> HTTP/1.1",
            ),
            (
                "POST /services/T0123ABCD/B0456EFGH/SECRETslackWebhook1 HTTP/1.1".to_owned(),
                "SECRETslack",
                "POST /services/T0123ABCD/B0456EFGH/<redacted> HTTP/1.1",
            ),
            (
                "POST https://discord.com/api/webhooks/123456789/SECRETdiscordTok?wait=true"
                    .to_owned(),
                "SECRETdiscord",
                "POST https://discord.com/api/webhooks/123456789/<redacted>?wait=true",
            ),
            (
                "GET /bot123456789:SECRETtelegramAA/sendMessage?chat_id=5 HTTP/1.1".to_owned(),
                "SECRETtelegram",
                "GET /bot123456789:<redacted>/sendMessage?chat_id=5 HTTP/1.1",
            ),
            (
                r#"got {"access_token":"ya29.SECRETtok","expires_in":3599}"#.to_owned(),
                "SECRETtok",
                r#"got {"access_token":"<redacted>","expires_in":3599}"#,
            ),
            (
                "config: token='SECRETabc' user=bob".to_owned(),
                "SECRETabc",
                "config: token='<redacted>' user=bob",
            ),
            (
                "sent Authorization:Bearer SECRETxyz".to_owned(),
                "SECRETxyz",
                "sent Authorization:<redacted> <redacted>",
            ),
            (
                "usage: client --user bob --password SECRETpw2 --verbose".to_owned(),
                "SECRETpw2",
                "usage: client --user bob --password <redacted> --verbose",
            ),
            (
                "GET /x?k=MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcw&n=2 HTTP/1.1".to_owned(),
                "MIIEvQ",
                "GET /x?k=<redacted>&n=2 HTTP/1.1",
            ),
            (
                "loaded api-token SECRETspace from env".to_owned(),
                "SECRETspace",
                "loaded api-token <redacted> from env",
            ),
        ];
        for (line, secret, want) in &cases {
            let got = redact_secrets(line);
            assert!(!got.contains(secret), "{line:?} -> {got:?}");
            assert_eq!(&got, want, "{line:?}");
        }
        // Not secrets: left legible.
        for plain in [
            "curl: (22) The requested URL returned error: 404",
            "exit code 7: connection refused",
            "GET /docs/error-code=500 HTTP/1.1",
            "GET /services/status/health HTTP/1.1",
            "the token was refused by the server",
            "x509: certificate is valid for wrong-host.mtls-impostor.invalid, not localhost",
            r#"Get "https://localhost:4433/": tls: failed to verify certificate: x509: certificate signed by unknown authority"#,
            "requests.exceptions.SSLError: HTTPSConnectionPool(host='localhost', port=44109): Max retries exceeded with url: /v1/orders",
            "Error: self-signed certificate; code: 'DEPTH_ZERO_SELF_SIGNED_CERT'",
            "openssl: verify error:num=18:self-signed certificate",
            "go: downloading example.com/orders-client v1.2.3",
        ] {
            assert_eq!(redact_secrets(plain), plain);
        }
    }
}

#[cfg(test)]
mod yaml_depth_tests {
    use super::*;

    /// Deep flow nesting is caught however it is written; ordinary YAML, brackets in quotes and
    /// comments, and nesting at the limit pass.
    #[test]
    fn flow_depth_is_measured_outside_quotes_and_comments() {
        let deep = |open: &str, n: usize| open.repeat(n);
        assert!(!yaml_flow_depth_within(deep("[", 129).as_bytes(), 128));
        assert!(!yaml_flow_depth_within(deep("{a: ", 129).as_bytes(), 128));
        assert!(!yaml_flow_depth_within(
            format!("targets:\n  - url: x\n    tags: {}", deep("[", 200)).as_bytes(),
            128
        ));
        assert!(yaml_flow_depth_within(deep("[", 128).as_bytes(), 128));
        let quoted = format!(
            "a: \"{}\"\nb: '{}'\n# {}\nc: [1, {{d: 2}}]\n",
            deep("[", 300),
            deep("{", 300),
            deep("[", 300)
        );
        assert!(yaml_flow_depth_within(quoted.as_bytes(), 128));
        // A closed bracket closes: a long flat list is not deep.
        assert!(yaml_flow_depth_within(
            deep("[1], ", 10_000).as_bytes(),
            128
        ));
        // An escaped quote does not end a double-quoted scalar early.
        let escaped = format!("a: \"\\\" {}\"", deep("[", 300));
        assert!(yaml_flow_depth_within(escaped.as_bytes(), 128));
        // A quote inside a plain word opens nothing: the brackets after it count.
        let apostrophe = format!("a: don't {}", deep("[", 200));
        assert!(!yaml_flow_depth_within(apostrophe.as_bytes(), 128));
    }
}
