//! Target parsing: an `https://` URL to host, port, TLS server name and request path.

use std::net::IpAddr;

use rustls_pki_types::ServerName;
use serde::{Deserialize, Serialize};

use crate::error::ScanError;

/// One endpoint to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The URL as normalised (always `https://host:port/path`), as every report shows it: the
    /// value of a query parameter that names or looks like a secret (`?api_key=…`) reads
    /// `<redacted>` ([`crate::text::redact_query`]); [`Target::path`] keeps it for the request.
    pub url: String,
    /// Host name or IP address, without brackets.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Path and query sent in the HTTP request.
    pub path: String,
    /// Where to connect instead of resolving `host` (curl's `--resolve`): the host name is kept
    /// for SNI, `Host` and certificate checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_to: Option<IpAddr>,
    /// Sibling names served on the same address (tried as SNI by the bypass probes), beside those
    /// the scanner finds itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Other ports of the same host whose server may share this one's TLS sessions (one process
    /// serving a public and a protected port with one session-ticket key, as Node's `ticketKeys`
    /// or a shared cache): the session-resumption probe takes a session there without a
    /// certificate and offers it here. Only those the user names: a scan connects to no port it
    /// was not given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sibling_ports: Vec<u16>,
    /// Headers sent on every probe request (an API token): never serialised or printed.
    #[serde(skip)]
    pub headers: ExtraHeaders,
    /// The TLS versions the user says the server speaks (`tls-versions`); empty when not said.
    /// Every version is still probed: one left out whose handshakes all closed before the
    /// server's certificate is read as not spoken (Python asyncio closes so, without the
    /// protocol_version alert); one the server does answer on is judged as any other.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls_versions: Vec<crate::facts::TlsVersion>,
    /// The query values [`Target::url`] shows redacted: never serialised or printed, and
    /// redacted wherever a server echoes them ([`Target::secret_values`]).
    #[serde(skip)]
    pub query_secrets: Vec<String>,
}

/// Headers sent on every request of a target. Their values may be secrets: `Debug` shows names.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExtraHeaders(pub Vec<(http::HeaderName, http::HeaderValue)>);

impl std::fmt::Debug for ExtraHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(n, _)| format!("{n}: <redacted>")))
            .finish()
    }
}

/// `plain` as servers echo it back: as is; as a JSON string (serde's escapes, `/` also as `\/`
/// as PHP writes it, past-ASCII characters also as `\u00e4` as Python's `json.dumps` writes
/// them); percent-encoded as URL encoders do (every byte but letters and digits; or RFC 3986's
/// unreserved `-._~` kept, as `encodeURIComponent` and Go keep them; or those and `/`, as
/// Python's `urllib.parse.quote` keeps them; or `*-._` with `~` encoded, as `URLSearchParams` and
/// Java's `URLEncoder` write a form, `-._` as PHP's `urlencode`, `@*_+-./` as JavaScript's
/// `escape()`; and with a space as `+`, as form encoding writes it), each with upper- and
/// lower-case hex digits; as HTML ([`html_forms`]); in hex, every byte
/// as two digits (HAProxy's `%[req.hdr(authorization),hex]`), upper and lower case; in base64
/// ([`base64_forms`]). (Upper- or lower-cased echoes are caught where they are replaced.)
pub fn echoed_forms(plain: &str) -> Vec<String> {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const UNRESERVED_KEPT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    const PATH_KEPT: &AsciiSet = &UNRESERVED_KEPT.remove(b'/');
    // application/x-www-form-urlencoded as WHATWG `URLSearchParams` and Java's `URLEncoder`
    // write it (`*-._` kept, `~` encoded), as PHP's `urlencode` does (`-._` kept), and
    // JavaScript's `escape()` (`@*_+-./` kept).
    const FORM_KEPT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'*')
        .remove(b'-')
        .remove(b'.')
        .remove(b'_');
    const PHP_KEPT: &AsciiSet = &FORM_KEPT.add(b'*');
    const ESCAPE_KEPT: &AsciiSet = &FORM_KEPT.remove(b'@').remove(b'+').remove(b'/');
    let json = serde_json::to_string(plain).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned();
    let ascii_json: String = json
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    let mut forms = vec![plain.to_owned()];
    for j in [json, ascii_json] {
        forms.push(j.replace('/', "\\/"));
        // Go's encoding/json escapes `&`, `<` and `>` for HTML.
        forms.push(
            j.replace('&', "\\u0026")
                .replace('<', "\\u003c")
                .replace('>', "\\u003e"),
        );
        forms.push(j);
    }
    forms.extend(html_forms(plain));
    for set in [
        NON_ALPHANUMERIC,
        UNRESERVED_KEPT,
        PATH_KEPT,
        FORM_KEPT,
        PHP_KEPT,
        ESCAPE_KEPT,
    ] {
        let encoded = utf8_percent_encode(plain, set).to_string();
        forms.push(encoded.replace("%20", "+"));
        forms.push(lower_hex_escapes(&encoded));
        forms.push(encoded);
    }
    let hex: String = plain.bytes().map(|b| format!("{b:02X}")).collect();
    forms.push(hex.to_ascii_lowercase());
    forms.push(hex);
    forms.extend(base64_forms(plain.as_bytes()));
    // As the scanner's own cleaning leaves server text (a backtick as U+02CB, a TAB as a space):
    // a value echoed so is redacted after it (review Z: `Bearer SECRET`xyz` quoted whole).
    let cleaned = crate::text::sanitize(plain.as_bytes(), usize::MAX);
    if cleaned != plain {
        forms.push(cleaned);
    }
    forms
}

/// `plain` as an HTML page echoes it: Go's `html/template` (`&#43;`, `&#34;`, `&#39;`, `&amp;`,
/// `&lt;`, `&gt;`), the named or hex references other escapers write (`&quot;`, `&#x27;`,
/// `&#x2B;`), PHP's, escape-html's and MarkupSafe's; and every character but letters and digits
/// as a hex reference (`&#x2b;`, `&#x2f;`, `&#x3d;`), as OWASP ESAPI's encoder writes it (which
/// keeps `,.-_` and names `&quot;` `&amp;` `&lt;` `&gt;`), or as a decimal one (`&#43;`).
fn html_forms(plain: &str) -> Vec<String> {
    let escape = |table: &[(char, &str)]| -> String {
        let mut out = String::with_capacity(plain.len());
        for c in plain.chars() {
            match table.iter().find(|(k, _)| *k == c) {
                Some((_, to)) => out.push_str(to),
                None => out.push(c),
            }
        }
        out
    };
    let go = [
        ('&', "&amp;"),
        ('<', "&lt;"),
        ('>', "&gt;"),
        ('"', "&#34;"),
        ('\'', "&#39;"),
        ('+', "&#43;"),
    ];
    let named = [
        ('&', "&amp;"),
        ('<', "&lt;"),
        ('>', "&gt;"),
        ('"', "&quot;"),
        ('\'', "&#x27;"),
    ];
    let hex = [
        ('&', "&amp;"),
        ('<', "&lt;"),
        ('>', "&gt;"),
        ('"', "&quot;"),
        ('\'', "&#x27;"),
        ('+', "&#x2B;"),
    ];
    // PHP's htmlspecialchars (`&#039;`), escape-html/Spring (`&#39;` with `&quot;`), MarkupSafe
    // (`&#34;`, `&#39;`).
    let php = [
        ('&', "&amp;"),
        ('<', "&lt;"),
        ('>', "&gt;"),
        ('"', "&quot;"),
        ('\'', "&#039;"),
    ];
    let escape_html = [
        ('&', "&amp;"),
        ('<', "&lt;"),
        ('>', "&gt;"),
        ('"', "&quot;"),
        ('\'', "&#39;"),
    ];
    let markupsafe = [
        ('&', "&amp;"),
        ('<', "&lt;"),
        ('>', "&gt;"),
        ('"', "&#34;"),
        ('\'', "&#39;"),
    ];
    let mut forms: Vec<String> = Vec::new();
    for table in [&go[..], &named, &hex, &php, &escape_html, &markupsafe] {
        let f = escape(table);
        if f != plain && !forms.contains(&f) {
            forms.push(f);
        }
    }
    // Every character but ASCII letters and digits as a numeric reference (its code point).
    let numeric = |keep: &str, named: bool, decimal: bool| -> String {
        let mut out = String::with_capacity(plain.len() * 3);
        for c in plain.chars() {
            let by_name = match c {
                '"' => "&quot;",
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                _ => "",
            };
            if c.is_ascii_alphanumeric() || keep.contains(c) {
                out.push(c);
            } else if named && !by_name.is_empty() {
                out.push_str(by_name);
            } else if decimal {
                out.push_str(&format!("&#{};", u32::from(c)));
            } else {
                out.push_str(&format!("&#x{:x};", u32::from(c)));
            }
        }
        out
    };
    for f in [
        numeric("", false, false),
        numeric(",.-_ ", true, false),
        numeric("", false, true),
    ] {
        if f != plain && !forms.contains(&f) {
            forms.push(f);
        }
    }
    forms
}

/// `plain` as a base64 echo holds it (standard and URL-safe alphabets): whole, with and without
/// padding; and, wherever it starts in what was encoded (after 0, 1 or 2 bytes of something
/// else, as in a base64 dump of the whole request), the characters that it alone decides.
fn base64_forms(plain: &[u8]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    use base64::Engine as _;
    let mut forms = Vec::new();
    for alphabet in [STANDARD, URL_SAFE] {
        let whole = alphabet.encode(plain);
        forms.push(whole.trim_end_matches('=').to_owned());
        forms.push(whole);
        for offset in 0..3usize {
            let mut shifted = vec![0u8; offset];
            shifted.extend_from_slice(plain);
            let encoded = alphabet.encode(&shifted);
            // The groups of 3 bytes wholly of `plain`: after the first group when shifted, and
            // none past the last whole one.
            let from = if offset == 0 { 0 } else { 4 };
            let to = shifted.len() / 3 * 4;
            if let Some(middle) = encoded.get(from..to) {
                forms.push(middle.to_owned());
            }
        }
    }
    forms
}

/// `%2F` as `%2f` (the hex digits after each `%` in lower case).
fn lower_hex_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut after_percent = 0;
    for c in encoded.chars() {
        if c == '%' {
            after_percent = 2;
            out.push(c);
        } else if after_percent > 0 {
            after_percent -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// What a `Basic` credential (`user:password` in base64) holds: the decoded `user:password`
/// and the password alone, or nothing for another scheme or what does not decode.
fn basic_parts(scheme: &str, credential: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    use base64::Engine as _;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Vec::new();
    }
    let Some(decoded) = STANDARD
        .decode(credential)
        .or_else(|_| STANDARD_NO_PAD.decode(credential))
        .ok()
        .and_then(|d| String::from_utf8(d).ok())
    else {
        return Vec::new();
    };
    let password = decoded.split_once(':').map(|(_, p)| p.to_owned());
    std::iter::once(decoded).chain(password).collect()
}

impl ExtraHeaders {
    /// The values never to show: each header's value (its bytes read as UTF-8, so a value with
    /// bytes past ASCII is caught as a body echoes it), the credential after an auth scheme
    /// (`Bearer xyz` → `xyz`), and what a `Basic` credential decodes to (`user:password`, and the
    /// password alone), 4 characters or more; each also as an echo would encode it
    /// ([`echoed_forms`]); the longest first (so a value is replaced before a part of it).
    pub fn secret_values(&self) -> Vec<String> {
        let mut secrets: Vec<String> = Vec::new();
        for (_, v) in &self.0 {
            let value = String::from_utf8_lossy(v.as_bytes());
            let value = value.trim();
            let (scheme, credential) = value
                .split_once(' ')
                .map_or(("", ""), |(s, c)| (s, c.trim()));
            let basic = basic_parts(scheme, credential);
            for plain in [value, credential]
                .into_iter()
                .chain(basic.iter().map(String::as_str))
            {
                secrets.extend(forms_of(plain));
            }
        }
        longest_first(secrets)
    }

    /// Parses `Name: value` (as curl's `-H`); the error never quotes the value.
    pub fn parse_one(text: &str) -> Result<(http::HeaderName, http::HeaderValue), String> {
        let (name, value) = text
            .split_once(':')
            .ok_or_else(|| "a header must read `Name: value`".to_owned())?;
        let name = http::HeaderName::from_bytes(name.trim().as_bytes())
            // Never quoted: a line that is not `Name: value` may hold the secret itself.
            .map_err(|_| {
                "the header name is not valid (a token: letters, digits, `-`, `_`…)".to_owned()
            })?;
        if matches!(
            name.as_str(),
            "host" | "content-length" | "transfer-encoding" | "connection"
        ) {
            return Err(format!("the {name} header is set by the scanner itself"));
        }
        let mut value = http::HeaderValue::from_str(value.trim())
            .map_err(|_| format!("the value of {name} is not a valid header value"))?;
        value.set_sensitive(true);
        Ok((name, value))
    }
}

/// The forms an echo of `plain` may take ([`echoed_forms`]), for a value of 4 characters or more.
fn forms_of(plain: &str) -> Vec<String> {
    if plain.chars().count() >= 4 {
        echoed_forms(plain)
    } else {
        Vec::new()
    }
}

/// Secrets to redact, 4 bytes or more, the longest first (so a value is replaced before a part
/// of it), each once.
fn longest_first(mut secrets: Vec<String>) -> Vec<String> {
    secrets.retain(|s| s.len() >= 4);
    secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    secrets.dedup();
    secrets
}

/// `https://AUTHORITY/PATH` as reports show it: secret-looking query values redacted.
fn shown_url(authority: &str, path: &str) -> String {
    match path.split_once('?') {
        Some((bare, query)) => format!(
            "https://{authority}{bare}?{}",
            crate::text::redact_query(query).0
        ),
        None => format!("https://{authority}{path}"),
    }
}

/// Where `path` holds a `%` not followed by two hex digits, if it does.
fn bad_percent(path: &str) -> Option<usize> {
    let bytes = path.as_bytes();
    bytes.iter().enumerate().find_map(|(i, b)| {
        let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
        (*b == b'%' && !(hex(i + 1) && hex(i + 2))).then_some(i)
    })
}

impl Target {
    /// Parses a target. A missing scheme means `https://`; any other scheme is refused, because
    /// client-certificate authentication only exists over TLS.
    pub fn parse(text: &str) -> Result<Self, ScanError> {
        let trimmed = text.trim();
        let invalid = |reason: &str| ScanError::invalid_target(text, reason);
        if trimmed.is_empty() {
            return Err(invalid("empty URL"));
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_owned()
        } else {
            format!("https://{trimmed}")
        };
        let url = url::Url::parse(&with_scheme).map_err(|e| invalid(&e.to_string()))?;
        if url.scheme() != "https" {
            return Err(invalid(
                "only https:// URLs can be scanned for client-certificate authentication",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("credentials in the URL are not supported"));
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(invalid("no host")),
        };
        // A name TLS cannot carry (`h+1`, `a_b..c`) is a usage error now, not a target that
        // could not be scanned later (exit 3).
        ServerName::try_from(host.clone())
            .map_err(|e| invalid(&format!("{host} is not a host name TLS can use: {e}")))?;
        let port = url.port_or_known_default().unwrap_or(443);
        // Nothing listens on port 0: a usage error (as `--sibling-port 0` is), not a target
        // that could not be scanned (exit 3).
        if port == 0 {
            return Err(invalid("port 0 is not a TCP port"));
        }
        let mut path = url.path().to_owned();
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        // `%` not followed by two hex digits is no percent-encoding: servers answer such a
        // request 400 before any check of the certificate (nginx `ssl_verify_client on` did, and
        // its generic 400 read as a client-certificate-optional finding, C).
        if let Some(at) = bad_percent(&path) {
            let shown: String = path.get(at..).unwrap_or_default().chars().take(3).collect();
            return Err(invalid(&format!(
                "`{shown}` in the path is no percent-encoding (`%` takes two hex digits): \
                 servers refuse such a request before any certificate check; write `%25` for a \
                 `%` itself"
            )));
        }
        let query_secrets = url
            .query()
            .map(|q| crate::text::redact_query(q).1)
            .unwrap_or_default();
        let host_for_url = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        Ok(Self {
            url: shown_url(&format!("{host_for_url}:{port}"), &path),
            host,
            port,
            path,
            connect_to: None,
            names: Vec::new(),
            sibling_ports: Vec::new(),
            headers: ExtraHeaders::default(),
            tls_versions: Vec::new(),
            query_secrets,
        })
    }

    /// The server its connections reach, as the per-server limits count it (`per-host`, the
    /// pacing of connects): the `--resolve` address and port where one is given, so that sites of
    /// one server named apart share its limits (an audit's server taking two connections at once
    /// was complete target by target and unreadable with its six names scanned together), else
    /// `host:port`.
    pub fn server_key(&self) -> String {
        match self.connect_to {
            Some(ip) => std::net::SocketAddr::new(ip, self.port).to_string(),
            None => self.host_port(),
        }
    }

    /// The same host on `port`: another server of this host (its URL's path is the target's),
    /// reached as the target is (`--resolve` address kept).
    pub fn on_port(&self, port: u16) -> Target {
        let mut other = self.clone();
        other.port = port;
        other.url = shown_url(&other.host_port(), &other.path);
        other.sibling_ports.clear();
        other
    }

    /// The `Host` header value / HTTP/2 authority.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 443 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The TLS server name (SNI is sent for DNS names only, as rustls does).
    pub fn server_name(&self) -> Result<ServerName<'static>, ScanError> {
        ServerName::try_from(self.host.clone())
            .map_err(|e| ScanError::invalid_target(&self.url, e.to_string()))
    }

    /// Where the TCP connection goes: the `--resolve` address when given, else the host.
    pub fn connect_addr(&self) -> (String, u16) {
        match self.connect_to {
            Some(ip) => (ip.to_string(), self.port),
            None => (self.host.clone(), self.port),
        }
    }

    /// Applies curl-style `HOST:PORT:ADDR` entries that name this target's host and port.
    pub fn resolve_with(&mut self, entries: &[Resolve]) {
        if let Some(r) = entries
            .iter()
            .find(|r| r.host.eq_ignore_ascii_case(&self.host) && r.port == self.port)
        {
            self.connect_to = Some(r.addr);
        }
    }

    /// `host:port`, the key used for fingerprints and per-host limits.
    pub fn host_port(&self) -> String {
        format!("{}:{}", self.authority_host(), self.port)
    }

    /// The values never to show: the extra headers' ([`ExtraHeaders::secret_values`]) and the
    /// query's secrets ([`Target::query_secrets`]), as written and as an echo would encode them,
    /// 4 characters or more, the longest first.
    pub fn secret_values(&self) -> Vec<String> {
        let mut secrets = self.headers.secret_values();
        for value in &self.query_secrets {
            let decoded = percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned();
            for plain in [value.as_str(), decoded.as_str()] {
                secrets.extend(forms_of(plain));
            }
        }
        longest_first(secrets)
    }

    fn authority_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }
}

/// One curl-style `--resolve HOST:PORT:ADDR` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolve {
    /// The host name as in the URL.
    pub host: String,
    /// The port.
    pub port: u16,
    /// The address to connect to.
    pub addr: IpAddr,
}

impl std::str::FromStr for Resolve {
    type Err = String;

    /// `HOST:PORT:ADDR`; an IPv6 address may be bracketed.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut parts = text.splitn(3, ':');
        let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("{text:?} is not HOST:PORT:ADDR"));
        };
        let port = port
            .parse()
            .map_err(|_| format!("{port:?} is not a port (in {text:?})"))?;
        let addr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("{addr:?} is not an IP address (in {text:?})"))?;
        if host.is_empty() {
            return Err(format!("{text:?} names no host"));
        }
        Ok(Resolve {
            host: host.to_owned(),
            port,
            addr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_entries_parse_like_curl() {
        let r: Resolve = "secure.test:8443:127.0.0.1"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r.host.as_str(), r.port), ("secure.test", 8443));
        let v6: Result<Resolve, _> = "a.test:443:[::1]".parse();
        assert!(v6.is_ok_and(|r| r.addr.is_ipv6()));
        assert!("a.test:x:127.0.0.1".parse::<Resolve>().is_err());
        assert!("a.test:443".parse::<Resolve>().is_err());
        let mut t = Target::parse("https://secure.test:8443/x").unwrap_or_else(|e| panic!("{e}"));
        t.resolve_with(&[r]);
        assert_eq!(t.connect_addr(), ("127.0.0.1".to_owned(), 8443));
        assert_eq!(t.authority(), "secure.test:8443");
    }

    /// A host TLS cannot name is refused when the target is read (a usage error), not when it
    /// is scanned (an audit's `https://h+1/`: exit 3 before).
    #[test]
    fn a_host_tls_cannot_name_is_refused_at_once() {
        let e = Target::parse("https://h+1/").err().map(|e| e.to_string());
        assert!(
            e.as_deref().is_some_and(|e| e.contains("not a host name")),
            "{e:?}"
        );
        // Port 0 likewise (an audit's: exit 3, "connection refused").
        let e = Target::parse("https://api.example:0/")
            .err()
            .map(|e| e.to_string());
        assert!(
            e.as_deref()
                .is_some_and(|e| e.contains("port 0 is not a TCP port")),
            "{e:?}"
        );
        // A `%` that encodes nothing: nginx `on` answered its generic 400 before the
        // certificate check (a medium finding, C, where the path was the user's typo).
        for bad in [
            "https://api.example/%zz",
            "https://api.example/a%2",
            "https://api.example/orders?q=50%",
        ] {
            let e = Target::parse(bad).err().map(|e| e.to_string());
            assert!(
                e.as_deref()
                    .is_some_and(|e| e.contains("is no percent-encoding")),
                "{bad}: {e:?}"
            );
        }
        for ok in [
            "https://api.example/",
            "https://127.0.0.1:8443/",
            "https://[::1]/",
            "https://api.example/a%2Fb?q=50%25",
        ] {
            assert!(Target::parse(ok).is_ok(), "{ok}");
        }
    }

    /// A key in the query is shown redacted wherever the URL is, sent as given, and redacted in
    /// a server's echo of it (an audit's: `?api_key=…` shown as given in every report).
    #[test]
    fn a_secret_in_the_query_is_shown_redacted_and_sent_as_given() {
        let t = Target::parse("https://api.example/v1/orders?api_key=K3y-Secret-42&page=2");
        let t = t.map_err(|e| e.to_string());
        assert_eq!(
            t.as_ref().map(|t| (t.url.as_str(), t.path.as_str())),
            Ok((
                "https://api.example:443/v1/orders?api_key=<redacted>&page=2",
                "/v1/orders?api_key=K3y-Secret-42&page=2"
            ))
        );
        let secrets = t.as_ref().map(Target::secret_values).unwrap_or_default();
        assert!(secrets.iter().any(|s| s == "K3y-Secret-42"), "{secrets:?}");
        let other = t.map(|t| t.on_port(8443).url);
        assert_eq!(
            other.as_deref(),
            Ok("https://api.example:8443/v1/orders?api_key=<redacted>&page=2")
        );
        // Nothing that looks secret: shown as given.
        let plain = Target::parse("https://api.example/search?q=widgets&page=2").map(|t| t.url);
        assert_eq!(
            plain.ok().as_deref(),
            Some("https://api.example:443/search?q=widgets&page=2")
        );
        // An error about the URL does not quote it either.
        let e = Target::parse("https://api.example/%zz?token=K3y-Secret-42")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            !e.contains("K3y-Secret-42") && e.contains("token=<redacted>"),
            "{e}"
        );
    }

    #[test]
    fn extra_headers_never_show_their_values() {
        let h = ExtraHeaders::parse_one("Authorization: Bearer s3cret")
            .unwrap_or_else(|e| panic!("{e}"));
        let shown = format!("{:?}", ExtraHeaders(vec![h]));
        assert!(
            shown.contains("authorization") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert!(ExtraHeaders::parse_one("no colon").is_err());
        assert!(ExtraHeaders::parse_one("Host: x").is_err());
        let bad = ExtraHeaders::parse_one("X-A: v\u{7f}secret")
            .err()
            .unwrap_or_default();
        assert!(!bad.contains("secret"), "{bad}");
    }

    /// `echo` with the secrets of `headers` redacted, as every report shows it.
    fn redacted(echo: &str, headers: &[&str]) -> String {
        let headers = ExtraHeaders(
            headers
                .iter()
                .map(|l| ExtraHeaders::parse_one(l).unwrap_or_else(|e| panic!("{e}")))
                .collect(),
        );
        let mut text = echo.to_owned();
        crate::transport::redact_secrets(&mut text, &headers);
        text
    }

    /// `text` with every run of hex digit pairs (4 bytes or more) decoded, byte by byte.
    fn hex_decoded(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let run = bytes
                .get(i..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if run >= 8 {
                let digits = std::str::from_utf8(bytes.get(i..i + run).unwrap_or_default())
                    .unwrap_or_default();
                // Both alignments: a run may start with one digit of something else.
                for from in [0, 1] {
                    let mut k = from;
                    while k + 2 <= digits.len() {
                        out.push(u8::from_str_radix(&digits[k..k + 2], 16).unwrap_or(b'?'));
                        k += 2;
                    }
                    out.push(b' ');
                }
                i += run;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// `text` with numeric and named HTML references decoded.
    fn html_decoded(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            let Some(end) = rest.find(';').filter(|e| *e < 10) else {
                out.push('&');
                rest = &rest[1..];
                continue;
            };
            let entity = &rest[1..end];
            let c = match entity {
                "quot" => Some('"'),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            match c {
                Some(c) => {
                    out.push(c);
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push('&');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Nothing of `secret` 6 characters long or more is left in `text`, nor in what it decodes
    /// to (hex, percent-encoding, HTML references, base64 of a `Basic` value).
    fn assert_nothing_decodable(echo: &str, text: &str, secret: &str) {
        let percent = percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned();
        let chars: Vec<char> = secret.chars().collect();
        for decoded in [
            text.to_owned(),
            hex_decoded(text),
            percent.clone(),
            percent.replace('+', " "),
            html_decoded(text),
        ] {
            for part in chars.windows(6) {
                let part: String = part.iter().collect();
                assert!(
                    !decoded
                        .to_ascii_lowercase()
                        .contains(&part.to_ascii_lowercase()),
                    "{echo} → {text}: {part:?} left in {decoded:?}"
                );
            }
        }
        assert!(text.contains("<redacted>"), "{echo} → {text}");
    }

    /// Echoes the redaction missed (audit): HAProxy's `%[req.hdr(authorization),hex]`, Python's
    /// `urllib.parse.quote` (which keeps `/`), a `Basic` value decoded (`user:password` and the
    /// password), ESAPI's hex references for every character but letters and digits. Before,
    /// each was shown as the server sent it.
    #[test]
    fn encoded_echoes_of_a_secret_leave_nothing_decodable() {
        use base64::Engine as _;
        let token = "sk+live/Ab12=Cd34";
        let bearer = format!("Authorization: Bearer {token}");
        let hex = |s: &str| -> String { s.bytes().map(|b| format!("{b:02X}")).collect() };
        let value = format!("Bearer {token}");
        for echo in [
            format!("auth-hex={}", hex(&value)),
            format!("auth-hex={}", hex(&value).to_ascii_lowercase()),
            format!("token-hex={};", hex(token)),
            format!("token-hex={};", hex(token).to_ascii_lowercase()),
            // Cut by the excerpt's cap inside the hex.
            format!("dump {}", &hex(&value)[..30]),
            "quoted: Bearer%20sk%2Blive/Ab12%3DCd34".to_owned(),
            "quoted: sk%2blive/Ab12%3dCd34 end".to_owned(),
            "esapi: Bearer sk&#x2b;live&#x2f;Ab12&#x3d;Cd34".to_owned(),
            "esapi: sk&#x2B;live&#x2F;Ab12&#x3D;Cd34".to_owned(),
            "all: Bearer&#x20;sk&#x2b;live&#x2f;Ab12&#x3d;Cd34".to_owned(),
            "decimal: sk&#43;live&#47;Ab12&#61;Cd34".to_owned(),
        ] {
            let text = redacted(&echo, &[&bearer]);
            assert_nothing_decodable(&echo, &text, token);
        }
        // A token with `~` and `*`, echoed as `URLSearchParams`/Java's `URLEncoder` (`~`
        // encoded, `*` kept, a space as `+`), PHP's `urlencode` (`*` encoded) and `escape()`
        // (`@*_+-./` kept, a space as `%20`): an audit's Node servers printed the first two.
        let tilde = "sk_live_9f~Qx4*Zq8W2@v/m+N0";
        let header = format!("Authorization: Bearer {tilde}");
        for echo in [
            "auth=Bearer+sk_live_9f%7EQx4*Zq8W2%40v%2Fm%2BN0".to_owned(),
            "auth=Bearer+sk_live_9f%7eQx4*Zq8W2%40v%2fm%2bN0".to_owned(),
            "auth=Bearer+sk_live_9f%7EQx4%2AZq8W2%40v%2Fm%2BN0".to_owned(),
            "auth=Bearer%20sk_live_9f%7EQx4*Zq8W2@v/m+N0".to_owned(),
        ] {
            let text = redacted(&echo, &[&header]);
            assert_nothing_decodable(&echo, &text, tilde);
        }
        // Basic: the decoded `user:password` and the password alone, in any of the forms above.
        let password = "pa55/w0rd+Xy=";
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("alice:{password}"));
        let header = format!("Authorization: Basic {basic}");
        for echo in [
            format!("user alice:{password} logged"),
            format!("password={password};"),
            "password=pa55%2Fw0rd%2BXy%3D".to_owned(),
            "password=pa55/w0rd%2BXy%3D".to_owned(),
            format!("pw-hex={}", hex(password)),
            format!(
                "creds-hex={}",
                hex(&format!("alice:{password}")).to_ascii_lowercase()
            ),
            "html: pa55&#x2f;w0rd&#x2b;Xy&#x3d;".to_owned(),
            format!("raw {basic}"),
        ] {
            let text = redacted(&echo, &[&header]);
            assert_nothing_decodable(&echo, &text, password);
            assert!(!text.contains(&basic[4..]), "{echo} → {text}");
        }
        // What does not decode, or another scheme, adds nothing (and breaks nothing).
        assert_eq!(
            redacted("hello alice", &["Authorization: Basic !!!notb64"]),
            "hello alice"
        );
        assert_eq!(
            redacted("x password y", &["X-Api-Key: Token cGFzc3dvcmQ="]),
            "x password y"
        );
    }

    #[test]
    fn parses_and_normalises() {
        let t = Target::parse("api.example.com/v1/x?y=1").map_err(|e| e.to_string());
        assert_eq!(
            t,
            Ok(Target {
                url: "https://api.example.com:443/v1/x?y=1".into(),
                host: "api.example.com".into(),
                port: 443,
                path: "/v1/x?y=1".into(),
                connect_to: None,
                names: Vec::new(),
                sibling_ports: Vec::new(),
                headers: ExtraHeaders::default(),
                tls_versions: Vec::new(),
                query_secrets: Vec::new(),
            })
        );
        let t = Target::parse("https://api.example.com:8443/v1").map_err(|e| e.to_string());
        let other = t.map(|t| t.on_port(443));
        assert_eq!(
            other.as_ref().map(|o| (o.url.as_str(), o.authority())),
            Ok((
                "https://api.example.com:443/v1",
                "api.example.com".to_owned()
            ))
        );
        let v6 = Target::parse("https://[::1]:8443/").map_err(|e| e.to_string());
        assert_eq!(
            v6.as_ref().map(|t| t.authority()),
            Ok("[::1]:8443".to_owned())
        );
        assert_eq!(v6.map(|t| t.host_port()), Ok("[::1]:8443".to_owned()));
    }

    #[test]
    fn userinfo_never_reaches_an_error() {
        for (given, shown) in [
            (
                "https://user:s3cret@host.example/x",
                "\"https://***@host.example/x\"",
            ),
            ("user:s3cret@host.example", "\"***@host.example\""),
            (
                "http://user:s3cret@host.example:8443/x?y=1",
                "\"http://***@host.example:8443/x?y=1\"",
            ),
            // A password with an `/` or an `@` in it.
            (
                "https://user:pa/s3cret@host.example/x",
                "\"https://***@host.example/x\"",
            ),
            (
                "https://us@er:s3cret@host.example",
                "\"https://***@host.example\"",
            ),
            // A password with a `#` or a `?` in it, not percent-encoded.
            (
                "https://user:pa#s3cret@host.example/x",
                "\"https://***@host.example/x\"",
            ),
            ("user:pa?s3cret@host.example", "\"***@host.example\""),
            // A URL in the query does not hide the userinfo before it.
            (
                "user:s3cret@host.example/?r=https://a.example",
                "\"***@host.example/?r=https://a.example\"",
            ),
        ] {
            let e = Target::parse(given)
                .err()
                .unwrap_or_else(|| panic!("{given} accepted"));
            for shown_as in [e.to_string(), format!("{e:?}")] {
                assert!(
                    !shown_as.contains("s3cret") && !shown_as.contains("user"),
                    "{shown_as}"
                );
            }
            assert!(e.to_string().contains(shown), "{e} lacks {shown}");
        }
        // Without userinfo, the text is shown as given (an `@` in the path is not userinfo).
        let e = Target::parse("http://host.example/@me")
            .err()
            .map(|e| e.to_string());
        assert!(
            e.as_deref()
                .is_some_and(|e| e.starts_with("invalid target \"http://host.example/@me\"")),
            "{e:?}"
        );
        assert_eq!(crate::error::without_userinfo("not a url"), "not a url");
        // Built directly, the error still does not show it.
        let direct = ScanError::InvalidTarget {
            url: "https://u:s3cret@h.example/".into(),
            reason: "r".into(),
        };
        assert_eq!(
            direct.to_string(),
            "invalid target \"https://***@h.example/\": r"
        );
    }

    #[test]
    fn refuses_non_https() {
        assert!(matches!(
            Target::parse("http://x/"),
            Err(ScanError::InvalidTarget { .. })
        ));
        assert!(matches!(
            Target::parse("  "),
            Err(ScanError::InvalidTarget { .. })
        ));
        assert!(matches!(
            Target::parse("https://u:p@x/"),
            Err(ScanError::InvalidTarget { .. })
        ));
    }
}
