//! Typed errors of the scanning library.

use std::path::PathBuf;

/// Everything that can stop a scan from being set up. A target that cannot be reached is not an
/// error of this kind: it is recorded on that target's report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A target URL could not be parsed or is not an `https://` URL. The URL is shown without
    /// its userinfo (`https://***@host/`): a password in it never reaches a message.
    #[error("invalid target {:?}: {reason}", shown_target(.url))]
    InvalidTarget {
        /// The text as given, with any userinfo replaced by `***` ([`ScanError::invalid_target`]).
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A file named on the command line could not be read.
    #[error("cannot read {path}: {source}")]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A PEM input held no usable certificate.
    #[error("{what}: no PEM certificate found (expected -----BEGIN CERTIFICATE-----)")]
    NoCertificate {
        /// Which input (a flag name or path).
        what: String,
    },
    /// A PEM input held no usable private key.
    #[error("{what}: no PEM private key found (expected PKCS#8, PKCS#1 or SEC1)")]
    NoPrivateKey {
        /// Which input (a flag name or path).
        what: String,
    },
    /// A PEM input held an encrypted private key (a passphrase is never asked for).
    #[error("{what}: the private key is encrypted: give it decrypted (`openssl pkey -in KEY -out PLAIN`), from a secret")]
    EncryptedKey {
        /// Which input.
        what: String,
    },
    /// A private key was found but the crypto provider cannot use it.
    #[error("{what}: unsupported private key: {reason}")]
    UnsupportedKey {
        /// Which input.
        what: String,
        /// The provider's reason.
        reason: String,
    },
    /// A certificate could not be parsed.
    #[error("{what}: malformed certificate: {reason}")]
    MalformedCertificate {
        /// Which input.
        what: String,
        /// The parser's reason.
        reason: String,
    },
    /// The certificate and the private key given together do not belong together.
    #[error("{what}: the private key does not match the certificate")]
    KeyMismatch {
        /// Which pair of inputs.
        what: String,
    },
    /// The private key belongs to a later certificate of the file, not the first.
    #[error(
        "{what}: the private key belongs to certificate {position} of the {count} in the file, \
         not the first: put the certificate the key belongs to first, then its issuers (leaf, \
         intermediate, root)"
    )]
    KeyBelongsToLater {
        /// Which pair of inputs.
        what: String,
        /// The certificate the key belongs to, counted from 1.
        position: usize,
        /// How many certificates the file holds.
        count: usize,
    },
    /// Minting a test certificate failed.
    #[error("failed to mint a test certificate: {0}")]
    Mint(#[from] rcgen::Error),
    /// Minting failed earlier in the scan; that failure's message, given again to each later use.
    #[error("{0}")]
    MintFailed(String),
    /// rustls refused a configuration.
    #[error("TLS configuration error: {0}")]
    Tls(#[from] rustls::Error),
    /// Forging a certificate failed (for example, an advertised CA name that is not a DER Name).
    #[error("cannot forge a certificate: {0}")]
    Forge(String),
    /// One half of a pair of inputs was given without the other.
    #[error("{0}")]
    Incomplete(String),
    /// No trust anchors at all could be loaded for server-certificate validation.
    #[error("no trust anchors: the system store is empty and no ca-file was given")]
    NoTrustAnchors,
}

/// The settings a setup error may name, spelled as the config spells them; the command line's
/// flags (`--client-cert`) and the Action's inputs (`client-cert`) word them their own way.
pub const SETTINGS: &[&str] = &[
    "client-cert",
    "client-key",
    "issuing-ca-cert",
    "issuing-ca-key",
    "ca-file",
];

impl ScanError {
    /// [`ScanError::InvalidTarget`] for `url`, kept without its userinfo and its secret query values
    /// ([`shown_target`]).
    pub fn invalid_target(url: &str, reason: impl Into<String>) -> Self {
        Self::InvalidTarget {
            url: shown_target(url),
            reason: reason.into(),
        }
    }

    /// The message, with each setting it names (a whole word of [`SETTINGS`]) worded by the front
    /// end: `--client-cert` on the command line, ``input `client-cert` `` in the Action.
    pub fn worded(&self, name: impl Fn(&str) -> String) -> String {
        word_settings(&self.to_string(), name)
    }
}

/// A target as given, for an error: [`without_userinfo`], and the query's secret-looking values
/// redacted ([`crate::text::redact_query`]).
pub fn shown_target(text: &str) -> String {
    let text = without_userinfo(text);
    let Some((head, rest)) = text.split_once('?') else {
        return text;
    };
    let (query, fragment) = rest
        .split_once('#')
        .map_or((rest, None), |(q, f)| (q, Some(f)));
    let mut out = format!("{head}?{}", crate::text::redact_query(query).0);
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// `text` (a target URL as given, or not quite a URL) with its userinfo replaced by `***`:
/// `https://user:pass@host/x` → `https://***@host/x`, `user:pass@host` → `***@host`. The userinfo
/// is what precedes the last `@` of the authority (up to the first `/`, `\\`, `?` or `#` after
/// the scheme's `://`); when the text does not parse as a URL at all (a password with a `/` in
/// it: `https://u:pa/ss@host`), everything before the last `@` ahead of the query is. Any other
/// text is returned as is.
pub fn without_userinfo(text: &str) -> String {
    let is_scheme = |s: &str| {
        let s = s.trim_start();
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    };
    let (prefix, rest) = match text.find("://") {
        Some(i) if text.get(..i).is_some_and(is_scheme) => text.split_at(i + 3),
        _ => ("", text),
    };
    let authority_end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end).unwrap_or(rest);
    let at = match authority.rfind('@') {
        Some(at) => Some(at),
        None => {
            // Text that is no URL and holds an `@` anywhere: a password with `/`, `@`, `?` or `#`
            // not percent-encoded cuts the authority short. Redact up to the last `@`; more than
            // needed at worst, in an error about text that was refused anyway.
            let parses = if prefix.is_empty() {
                url::Url::parse(&format!("https://{}", text.trim())).is_ok()
            } else {
                url::Url::parse(text.trim()).is_ok()
            };
            rest.rfind('@').filter(|_| !parses)
        }
    };
    match at.and_then(|at| rest.get(at..)) {
        Some(host_on) => format!("{prefix}***{host_on}"),
        None => text.to_owned(),
    }
}

fn word_settings(message: &str, name: impl Fn(&str) -> String) -> String {
    // A setting is named as a word of its own: between spaces or punctuation, never inside a path.
    let is_word = |c: char| !(c.is_whitespace() || ":,;()`'\"".contains(c));
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(c) = rest.chars().next() {
        let before_ok = !out.chars().next_back().is_some_and(is_word);
        let hit = SETTINGS.iter().find(|s| {
            before_ok
                && rest.starts_with(**s)
                && !rest
                    .get(s.len()..)
                    .and_then(|r| r.chars().next())
                    .is_some_and(is_word)
        });
        match hit {
            Some(s) => {
                out.push_str(&name(s));
                rest = rest.get(s.len()..).unwrap_or_default();
            }
            None => {
                out.push(c);
                rest = rest.get(c.len_utf8()..).unwrap_or_default();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_worded_by_the_front_end() {
        let e = ScanError::Incomplete("client-cert needs client-key".into());
        assert_eq!(
            e.worded(|n| format!("--{n}")),
            "--client-cert needs --client-key"
        );
        let e = ScanError::KeyMismatch {
            what: "issuing-ca-cert".into(),
        };
        assert_eq!(
            e.worded(|n| format!("input `{n}`")),
            "input `issuing-ca-cert`: the private key does not match the certificate"
        );
        // Whole words only: a path or another word that contains a setting's name stays.
        assert_eq!(
            word_settings(
                "/etc/client-cert: my-client-cert.pem ca-files é (ca-file)",
                |n| n.to_uppercase()
            ),
            "/etc/client-cert: my-client-cert.pem ca-files é (CA-FILE)"
        );
    }
}
