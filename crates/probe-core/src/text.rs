//! Text from servers, made safe to keep: control characters removed or escaped, lengths capped.
//! Every string a server sends passes through here before it reaches a report.

/// Keeps printable text only, capped, so server text can never smuggle control characters.
pub fn sanitize(bytes: &[u8], max_chars: usize) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max_chars)
        .collect::<String>()
        .trim()
        .to_owned()
}

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

/// Escapes control characters as RFC 4514 hex pairs (`\0a`), one per UTF-8 byte. Names come from
/// servers, and x509-parser renders a PrintableString or IA5String byte for byte: unescaped, a
/// name could carry line breaks or terminal escapes into reports.
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\{b:02x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
