//! `host-form-bypass`: a rule that refuses the anonymous client by the `Host` header as written
//! (HAProxy `http-request deny if { req.hdr(host) -i api.example } !{ ssl_c_used }`, nginx `if
//! ($http_host = …)`, Apache `<If "%{HTTP_HOST} == …">`, an application's `if request.host ==
//! …`) lets the same request in under another spelling of the same name, which every client may
//! send and every router takes for the same site: the port written out (`api.example:443`) or
//! left off, a trailing dot (`api.example.`), capitals (`API.EXAMPLE`), a leading zero in the port
//! (`api.example:0443`, which a rule that takes the port as optional lets by).
//!
//! Where the protected name answered an anonymous client over HTTP without serving it (401, 403,
//! a redirect to sign in, 404; not nginx's own certificate page, which its TLS module answers
//! before any header is read), the same request goes again on the same name, once per spelling,
//! on the newest version it was refused on. A 2xx is a door where the page is the protected
//! site's: the very page the valid certificate is served (a page merely unlike the one a `Host`
//! nobody serves gets may be a canonical-host notice or an error of its own: unsure without a
//! valid certificate, never a finding), while the protected `Host` asked again stays refused
//! ([`super::landing::judge_served_spelled`]); the spelling is then asked twice more beside
//! the protected `Host` twice, and must be served each time while that stays refused. A door is
//! tried on every other version the protected name refused on, so that the finding names each.
//! An answer that could not be read, or a page that cannot be told apart, leaves the target
//! incomplete, never passed.

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;

use super::side_door::authority_of;
use super::spelled::{self, Kind, Part, Spelling};
use super::{FirstWave, ProbeSpec, ScanContext, Start, TargetOutcome, TargetProbe};
use crate::facts::ProbeId;
use crate::finding::FindingId;
use crate::target::Target;

impl ProbeId {
    /// `host-form-bypass`: the protected `Host` spelled otherwise.
    pub const HOST_FORM_BYPASS: ProbeId = ProbeId::new("host-form-bypass");
}

/// The probe.
pub struct HostFormBypass;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::HOST_FORM_BYPASS,
    presents: "no certificate, the protected SNI, and the protected `Host` spelled otherwise: its port written out (`:443`) or left off, a trailing dot, capitals, a leading zero in its port; one request each, on the newest version the protected name answered an anonymous client over HTTP without serving it (not nginx's own certificate page); on a 2xx, a door only where the page is the very one the valid certificate is served (a `Host` nobody serves and the protected `Host` again as controls; without `client-cert` or a staging CA, incomplete), then the spelling twice more beside the protected `Host` twice; a spelling closed without an answer, twice more beside the request as written twice (an answer read then stands for it; closed each time, unread); a door, on every other version refused over HTTP too; each spelling refused over HTTP again with the verify headers forged (`X-SSL-Client-Verify`, `ssl-client-verify`, `X-Client-Verify`: `0`, then `SUCCESS`; an `X-Forwarded-Client-Cert` beside them), judged the same way (a proxy that sets them only under a rule on the request as written passes the client's own copy; without a valid certificate, one served is unsure, exit 3)",
    needs: "a target that answers an anonymous client over HTTP without serving it (401, 403, a redirect, 404 …)",
    findings: &[FindingId::HostFormBypass],
};

/// What it spells otherwise, and what it raises.
pub const KIND: Kind = Kind {
    part: Part::Host,
    probe: ProbeId::HOST_FORM_BYPASS,
    finding: FindingId::HostFormBypass,
};

/// The other spellings of `target`'s `Host` ([`Target::authority`]) that name the same site: the
/// port written out where it is the default and left off where it is not, a trailing dot (a DNS
/// name only), capitals (where the name has letters). Each differs from the authority.
pub fn spellings(target: &Target) -> Vec<Spelling> {
    let is_ip = target.host.parse::<std::net::IpAddr>().is_ok();
    let bare = if target.host.contains(':') {
        format!("[{}]", target.host)
    } else {
        target.host.clone()
    };
    let mut out = vec![if target.port == 443 {
        Spelling {
            host: Some(format!("{bare}:443")),
            path: None,
            how: "with its default port written out",
            forged: None,
        }
    } else {
        Spelling {
            host: Some(bare.clone()),
            path: None,
            how: "without its port",
            forged: None,
        }
    }];
    if !is_ip && !target.host.ends_with('.') {
        out.push(Spelling {
            host: Some(authority_of(&format!("{}.", target.host), target.port)),
            path: None,
            how: "with a trailing dot",
            forged: None,
        });
    }
    let upper = target.host.to_ascii_uppercase();
    if !is_ip && upper != target.host {
        out.push(Spelling {
            host: Some(authority_of(&upper, target.port)),
            path: None,
            how: "in capitals",
            forged: None,
        });
    }
    // The same port with a leading zero: a rule that takes the port as optional
    // (`^api\.example(:8443)?$`) lets it by, and routers that ignore the port, or read it as a
    // number, serve the same site.
    out.push(Spelling {
        host: Some(format!("{bare}:0{}", target.port)),
        path: None,
        how: "with a leading zero in its port",
        forged: None,
    });
    let own = target.authority();
    out.retain(|s| s.host.as_deref() != Some(own.as_str()));
    out
}

impl TargetProbe for HostFormBypass {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    fn starts(&self) -> Start {
        Start::AfterFirstWave
    }

    fn run<'a>(
        &'a self,
        target: &'a Target,
        scan: &'a ScanContext,
        first: Option<&'a FirstWave>,
    ) -> BoxFuture<'a, TargetOutcome> {
        async move {
            match first {
                Some(first) => spelled::run(target, scan, first, KIND, spellings(target)).await,
                None => TargetOutcome::default(),
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(url: &str) -> Vec<String> {
        let t = Target::parse(url).unwrap_or_else(|e| panic!("{e}"));
        spellings(&t).into_iter().filter_map(|s| s.host).collect()
    }

    /// The spellings name the same site as the target's own `Host`, and never repeat it.
    #[test]
    fn spellings_of_a_name_and_of_addresses() {
        assert_eq!(
            hosts("https://api.example/x"),
            [
                "api.example:443",
                "api.example.",
                "API.EXAMPLE",
                "api.example:0443"
            ]
        );
        assert_eq!(
            hosts("https://secure.test:8443/"),
            [
                "secure.test",
                "secure.test.:8443",
                "SECURE.TEST:8443",
                "secure.test:08443"
            ]
        );
        assert_eq!(
            hosts("https://127.0.0.1:8443/"),
            ["127.0.0.1", "127.0.0.1:08443"]
        );
        assert_eq!(hosts("https://[::1]/"), ["[::1]:443", "[::1]:0443"]);
    }
}
