//! Target parsing: an `https://` URL to host, port, TLS server name and request path.

use rustls_pki_types::ServerName;
use serde::{Deserialize, Serialize};

use crate::error::ScanError;

/// One endpoint to scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The URL as normalised (always `https://host:port/path`).
    pub url: String,
    /// Host name or IP address, without brackets.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Path and query sent in the HTTP request.
    pub path: String,
}

impl Target {
    /// Parses a target. A missing scheme means `https://`; any other scheme is refused, because
    /// client-certificate authentication only exists over TLS.
    pub fn parse(text: &str) -> Result<Self, ScanError> {
        let trimmed = text.trim();
        let invalid = |reason: &str| ScanError::InvalidTarget {
            url: text.to_owned(),
            reason: reason.to_owned(),
        };
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
        let port = url.port_or_known_default().unwrap_or(443);
        let mut path = url.path().to_owned();
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        let host_for_url = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        Ok(Self {
            url: format!("https://{host_for_url}:{port}{path}"),
            host,
            port,
            path,
        })
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
        ServerName::try_from(self.host.clone()).map_err(|e| ScanError::InvalidTarget {
            url: self.url.clone(),
            reason: e.to_string(),
        })
    }

    /// `host:port`, the key used for fingerprints and per-host limits.
    pub fn host_port(&self) -> String {
        format!("{}:{}", self.authority_host(), self.port)
    }

    fn authority_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            })
        );
        let v6 = Target::parse("https://[::1]:8443/").map_err(|e| e.to_string());
        assert_eq!(
            v6.as_ref().map(|t| t.authority()),
            Ok("[::1]:8443".to_owned())
        );
        assert_eq!(v6.map(|t| t.host_port()), Ok("[::1]:8443".to_owned()));
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
