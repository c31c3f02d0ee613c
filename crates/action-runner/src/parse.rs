//! Values both front ends read from text (a flag, an input): seconds, grades, shards and target
//! lists. Each error says what is wrong with the value, never where it came from: the front end
//! names the flag or the input.

use probe_core::grade::Grade;
use probe_core::target::Target;

/// Longest per-probe deadline, in seconds.
pub const MAX_TIMEOUT_SECS: f64 = 3600.0;
/// Longest total deadline of a scan, in seconds.
pub const MAX_DEADLINE_SECS: f64 = 86_400.0;

/// A probe id of the registry that may be switched off (`--skip-probe`, `skip-probes`): any but
/// `no-client-cert`, the anonymous baseline every verdict is read against.
pub fn probe_id(s: &str) -> Result<probe_core::facts::ProbeId, String> {
    use probe_core::facts::ProbeId;
    let id = probe_core::probe::registry::find(s.trim())
        .map(|spec| spec.id)
        .ok_or_else(|| {
            let known: Vec<&str> = probe_core::probe::registry::specs()
                .map(|p| p.id)
                .filter(|id| *id != ProbeId::NO_CLIENT_CERT)
                .map(|id| id.as_str())
                .collect();
            format!("{s:?} is not a probe: use one of {}", known.join(", "))
        })?;
    if id == ProbeId::NO_CLIENT_CERT {
        return Err(format!(
            "{} cannot be switched off: it is the anonymous baseline every verdict is read against",
            id.as_str()
        ));
    }
    Ok(id)
}

/// A TLS version (`--tls-versions`, `tls-versions`): `1.3`, `1.2`, `TLSv1.3`, `TLS 1.2`.
pub fn tls_version(s: &str) -> Result<probe_core::facts::TlsVersion, String> {
    use probe_core::facts::TlsVersion;
    let t = s.trim().to_ascii_lowercase();
    let bare = t
        .strip_prefix("tlsv")
        .or_else(|| t.strip_prefix("tls"))
        .unwrap_or(&t)
        .trim();
    TlsVersion::ALL
        .into_iter()
        .find(|v| v.as_str() == bare)
        .ok_or_else(|| format!("{s:?} is not a TLS version: use 1.3 or 1.2"))
}

/// A curl-style `HOST:PORT:ADDR` (`--resolve`, `resolve`).
pub fn resolve(s: &str) -> Result<probe_core::target::Resolve, String> {
    s.trim().parse()
}

/// A `Name: value` header (`--header`, `headers`); the error never quotes the value.
pub fn header(s: &str) -> Result<(http::HeaderName, http::HeaderValue), String> {
    probe_core::target::ExtraHeaders::parse_one(s)
}

/// A DNS name (`--sni-name`, `names`).
pub fn dns_name(s: &str) -> Result<String, String> {
    let name = s.trim().trim_end_matches('.').to_ascii_lowercase();
    match rustls::pki_types::ServerName::try_from(name.clone()) {
        Ok(rustls::pki_types::ServerName::DnsName(_)) => Ok(name),
        _ => Err(format!("{s:?} is not a DNS name")),
    }
}

/// A TCP port (`--sibling-port`, `sibling-ports`): 1–65535.
pub fn port(s: &str) -> Result<u16, String> {
    match s.trim().parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!("{s:?} is not a TCP port (1-65535)")),
    }
}

/// A grade letter (`A`–`F`, either case).
pub fn grade(s: &str) -> Result<Grade, String> {
    Grade::parse(s).ok_or_else(|| format!("{s:?} is not a grade: use A, B, C, D or F"))
}

/// `--fail-under`: a grade, or `none`.
pub fn threshold(s: &str) -> Result<crate::exit::Threshold, String> {
    if s.trim().eq_ignore_ascii_case("none") {
        return Ok(crate::exit::Threshold::None);
    }
    Grade::parse(s)
        .map(crate::exit::Threshold::Grade)
        .ok_or_else(|| format!("{s:?} is not a grade: use A, B, C, D, F or none"))
}

/// Most probes in flight at once (`--concurrency`, `--per-host`, their input and config keys).
pub const MAX_CONCURRENCY: u16 = 4096;

/// A number of probes in flight at once, 1 to [`MAX_CONCURRENCY`] (`--concurrency`,
/// `--per-host`, the `concurrency` input, the config's `concurrency` and `per-host`).
pub fn concurrency(s: &str) -> Result<u16, String> {
    match s.trim().parse::<u16>() {
        Ok(n) => concurrency_value(u64::from(n)),
        Err(_) => Err(format!("{s:?} is not a number from 1 to {MAX_CONCURRENCY}")),
    }
}

/// [`concurrency`] for a number already read (a YAML integer).
pub fn concurrency_value(n: u64) -> Result<u16, String> {
    match u16::try_from(n) {
        Ok(v) if (1..=MAX_CONCURRENCY).contains(&v) => Ok(v),
        _ => Err(format!("{n} is not a number from 1 to {MAX_CONCURRENCY}")),
    }
}

/// A boolean (`--fail-on-incomplete`, the Action's `comment`, `check-run` and
/// `fail-on-incomplete`) as toolkit's `getBooleanInput` reads one (the YAML 1.2 core schema):
/// `true`, `True`, `TRUE`, `false`, `False`, `FALSE`. The flag and the inputs read it here, so a
/// spelling one front end takes the other takes too.
pub fn boolean(s: &str) -> Result<bool, String> {
    match s.trim() {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        _ => Err(format!("{s:?} is not a boolean: use true or false")),
    }
}

/// `--fail-on`, `fail-on`: `grade` or `new`, in any case.
pub fn fail_on(s: &str) -> Result<crate::exit::FailOn, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "grade" => Ok(crate::exit::FailOn::Grade),
        "new" => Ok(crate::exit::FailOn::New),
        _ => Err(format!("{s:?} is not one of: grade, new")),
    }
}

/// `I/N` (1 <= I <= N <= 1000).
pub fn shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("{s:?} is not a shard: use I/N with 1 <= I <= N, e.g. 2/4");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n) = (
        i.trim().parse::<usize>().map_err(|_| bad())?,
        n.trim().parse::<usize>().map_err(|_| bad())?,
    );
    if i == 0 || n == 0 || i > n || n > 1000 {
        return Err(bad());
    }
    Ok((i, n))
}

/// A positive number of seconds, at most [`MAX_TIMEOUT_SECS`] (a probe's deadline).
pub fn secs(s: &str) -> Result<f64, String> {
    secs_up_to(s, MAX_TIMEOUT_SECS)
}

/// A positive number of seconds, at most [`MAX_DEADLINE_SECS`] (a scan's deadline).
pub fn secs_long(s: &str) -> Result<f64, String> {
    secs_up_to(s, MAX_DEADLINE_SECS)
}

/// [`secs`] for a number already read (a YAML number: the config's `timeout`).
pub fn secs_value(v: f64) -> Result<f64, String> {
    secs_in(v, MAX_TIMEOUT_SECS).ok_or_else(|| not_secs(&v.to_string(), MAX_TIMEOUT_SECS))
}

/// [`secs_long`] for a number already read (a YAML number: the config's `deadline`).
pub fn secs_long_value(v: f64) -> Result<f64, String> {
    secs_in(v, MAX_DEADLINE_SECS).ok_or_else(|| not_secs(&v.to_string(), MAX_DEADLINE_SECS))
}

fn secs_in(v: f64, max: f64) -> Option<f64> {
    (v.is_finite() && v > 0.0 && v <= max).then_some(v)
}

fn not_secs(shown: &str, max: f64) -> String {
    format!("{shown} is not a number of seconds more than 0 and at most {max}")
}

fn secs_up_to(s: &str, max: f64) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .and_then(|v| secs_in(v, max))
        .ok_or_else(|| not_secs(&format!("{s:?}"), max))
}

/// The URLs given, one per non-empty line of each argument or input (a list pasted as one
/// argument, an Action input of several lines), trimmed.
pub fn url_lines(urls: &[String]) -> impl Iterator<Item = &str> {
    urls.iter()
        .flat_map(|u| u.lines())
        .map(str::trim)
        .filter(|u| !u.is_empty())
}

/// Every target of a list of URLs (each item may hold several, one per line), in order. Every
/// bad or duplicate URL is reported at once, one per line.
pub fn targets(urls: &[String]) -> Result<Vec<Target>, String> {
    let mut good = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut bad = Vec::new();
    for u in url_lines(urls) {
        match Target::parse(u) {
            Ok(t) if seen.insert(t.url.clone()) => good.push(t),
            Ok(t) => bad.push(format!("duplicate target {}", t.url)),
            Err(e) => bad.push(e.to_string()),
        }
    }
    if !bad.is_empty() {
        return Err(bad.join("\n"));
    }
    if good.is_empty() {
        return Err("no target URL given".to_owned());
    }
    Ok(good)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One reading of each setting, for the flags, the inputs and the config alike.
    #[test]
    fn concurrency_and_fail_on() {
        assert_eq!(concurrency(" 64 "), Ok(64));
        assert_eq!(concurrency("4096"), Ok(4096));
        for bad in ["0", "4097", "-1", "many", "70000"] {
            assert!(
                concurrency(bad).is_err_and(|e| e.ends_with("is not a number from 1 to 4096")),
                "{bad}"
            );
        }
        assert_eq!(
            concurrency_value(0),
            Err("0 is not a number from 1 to 4096".into())
        );
        assert_eq!(port(" 8443 "), Ok(8443));
        for bad in ["0", "65536", "-1", "https"] {
            assert!(
                port(bad).is_err_and(|e| e.ends_with("is not a TCP port (1-65535)")),
                "{bad}"
            );
        }
        assert_eq!(fail_on(" NEW "), Ok(crate::exit::FailOn::New));
        assert_eq!(fail_on("Grade"), Ok(crate::exit::FailOn::Grade));
        assert_eq!(
            fail_on("sometimes"),
            Err("\"sometimes\" is not one of: grade, new".into())
        );
        assert!(secs_value(3600.0).is_ok() && secs_value(3600.5).is_err());
        assert!(secs_long_value(7200.0).is_ok() && secs_long_value(0.0).is_err());
        assert_eq!(
            secs_value(7200.0),
            Err("7200 is not a number of seconds more than 0 and at most 3600".into())
        );
    }

    /// The spellings toolkit's `getBooleanInput` takes, and no others.
    #[test]
    fn booleans() {
        for (given, want) in [
            ("true", true),
            (" True ", true),
            ("TRUE", true),
            ("false", false),
            ("False", false),
            ("FALSE", false),
        ] {
            assert_eq!(boolean(given), Ok(want), "{given:?}");
        }
        for bad in ["yes", "1", "fAlSe", ""] {
            assert_eq!(
                boolean(bad),
                Err(format!("{bad:?} is not a boolean: use true or false"))
            );
        }
    }

    #[test]
    fn values_and_their_errors() {
        assert_eq!(shard("2/4"), Ok((2, 4)));
        assert!(shard("0/4").is_err() && shard("5/4").is_err() && shard("x").is_err());
        assert_eq!(secs(" 2.5 "), Ok(2.5));
        assert_eq!(
            secs("ten"),
            Err("\"ten\" is not a number of seconds more than 0 and at most 3600".to_owned())
        );
        assert_eq!(
            secs("0"),
            Err("\"0\" is not a number of seconds more than 0 and at most 3600".to_owned()),
            "the message states the range accepted: 0 is not in it"
        );
        assert!(secs("3600").is_ok() && secs("0.001").is_ok());
        assert!(secs("7200").is_err() && secs_long("7200").is_ok());
        assert_eq!(grade("b"), Ok(Grade::B));
        assert!(grade("E").is_err_and(|e| e.contains("not a grade")));
        let both = targets(&["https://a.example\nhttps://a.example:443/".to_owned()]);
        assert!(both.is_err_and(|e| e.contains("duplicate target")));
        assert_eq!(targets(&[]), Err("no target URL given".to_owned()));
        use probe_core::facts::TlsVersion;
        for (given, version) in [
            ("1.3", TlsVersion::Tls13),
            (" TLSv1.2 ", TlsVersion::Tls12),
            ("tls 1.3", TlsVersion::Tls13),
            ("TLS1.2", TlsVersion::Tls12),
        ] {
            assert_eq!(tls_version(given), Ok(version), "{given:?}");
        }
        assert!(probe_id("no-client-cert").is_err_and(|e| e.contains("cannot be switched off")));
        assert!(probe_id("nope").is_err_and(|e| {
            let listed: Vec<&str> = e.split([' ', ',']).collect();
            !listed.contains(&"no-client-cert") && listed.contains(&"no-client-cert-http1")
        }));
        assert_eq!(
            probe_id(" tls-config-exposed "),
            Ok(probe_core::facts::ProbeId::TLS_CONFIG_EXPOSED)
        );
        for bad in ["1.1", "1", "", "ssl3", "1.3.0"] {
            assert!(
                tls_version(bad).is_err_and(|e| e.contains("use 1.3 or 1.2")),
                "{bad:?}"
            );
        }
    }
}
