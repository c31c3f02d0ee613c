//! `path-form-bypass`: a rule that refuses the anonymous client by the path as written (HAProxy
//! `http-request deny if { path_beg /admin } !{ ssl_c_used }` before its `normalize-uri`, nginx
//! `if ($request_uri ~ ^/admin)`, an Envoy RBAC rule without `normalize_path`, an application's
//! filter on the raw path) lets the same resource in under another spelling of its path that the
//! router behind it resolves to the same place: a letter percent-encoded (`/%61dmin`, RFC 3986
//! §6.2.2.2: the same path), a doubled slash (`//admin`), a dot segment (`/./admin`), an empty
//! path parameter (`/admin;`, which Tomcat, Jetty and Spring strip), a trailing slash added or
//! taken away (Express and many routers take `/admin/` for `/admin`), the first segment in
//! capitals (Express and ASP.NET route without case), the slash after it percent-encoded (Envoy
//! and Istio keep `%2F` as it is by default, Go's router decoded it), a format's or a stylesheet's
//! suffix on the last segment (`/admin/orders.json`: nginx's regex location on a static suffix
//! wins over the `location /admin/` that checks the certificate, and Rails, Spring and Django
//! REST take the suffix for a format). Istio CVE-2021-31920 and CVE-2021-39156 were such doors.
//!
//! Only where the scanned path is not `/` and the protected name answered an anonymous client
//! over HTTP without serving it (not nginx's own certificate page); each spelling once on the
//! newest version refused so. A 2xx is a door only where its page is the very page the valid
//! certificate is served on the path as written (the paths masked where a page shows them: a
//! `self` link, a breadcrumb, absolute or escaped), while a path nobody serves is not served that
//! page without a certificate too (at the root, that is a shell every path gets, a single-page
//! app: no door; beside the path only, the shell under the directory or the protected page left
//! open under it, which cannot be told: incomplete), and the path as written, asked again
//! twice beside the spelling asked twice, stays refused; without a valid certificate a served
//! spelling is incomplete, never passed nor a finding ([`super::spelled`]).

use futures_util::future::BoxFuture;
use futures_util::FutureExt as _;

use super::spelled::{self, Kind, Part, Spelling};
use super::{FirstWave, ProbeSpec, ScanContext, Start, TargetOutcome, TargetProbe};
use crate::facts::ProbeId;
use crate::finding::FindingId;
use crate::target::Target;

impl ProbeId {
    /// `path-form-bypass`: the protected path spelled otherwise.
    pub const PATH_FORM_BYPASS: ProbeId = ProbeId::new("path-form-bypass");
}

/// The probe.
pub struct PathFormBypass;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::PATH_FORM_BYPASS,
    presents: "no certificate, the protected SNI and `Host`, and the protected path spelled otherwise: its first letter percent-encoded (and twice: `%2561`), a doubled slash, a dot segment, an empty path parameter (`;`), a segment of an empty path parameter before it (`/;/…`) and one that `..;` takes back (`/mtls-scan/..;/…`: a Servlet container drops `;` parameters before it resolves dot segments), one that a dot-dot segment takes back, as written and percent-encoded (`/mtls-scan/../…`, `/mtls-scan/%2e%2e/…`: a rule on the path before its dot segments are resolved), a trailing slash added or taken away, the first segment in capitals, the slash after it percent-encoded (`%2F`) and written as a backslash (`\\`: nginx and HAProxy take it for a name, the WHATWG URL parser of Node, Deno and Bun for a slash), the request target in absolute form (`GET https://host/path`, HTTP/1.1: a rule on the target as written, HAProxy `url_beg` or an application's `req.url`, misses it), and where the path has more than one segment its last one with an empty path parameter (`;`) and in capitals, every segment in capitals, the last segment with a format's or a stylesheet's suffix (`.json`, `.css`: a regex location on the suffix, a static-asset cache, wins over the rule on the prefix, in front of an application that takes `/orders.json` for `/orders`) where it has none, PHP's names for it where the last segment has no suffix (its directory's `index.php`, the `.php` suffix, after `/index.php` and after the `index.php` of each of its first six directories as a front controller's path info: nginx takes `location ~ \\.php$` before the prefix location that checks the certificate), the query ending in `.css` (`?mtls-scan=.css`: static assets let through by the request URI), and five health checks' queries, one each (`?healthcheck=1&mtls-scan=/healthz`, `?health=1&mtls-scan=/health`, `?health=1`, `?healthcheck=true`, `?probe=1`: health checks let through by the query, by its exact value or by the request URI); with a valid certificate (`client-cert` or a staging CA), also the path the request as written was redirected to on this server (a 3xx's `Location`, or where a `Refresh` header or a meta refresh in the refusal's page sends a browser, resolved against the path asked: another path there, by the target's name or a name or an address its certificate names, on its port, followed on without a certificate through up to 4 redirects; the scanned path `/` too; not a redirect to sign in, whose path speaks of it: a single-page app serves its sign-in route the protected route's shell: a rule that sends a client without a certificate to a legacy path serving the same page to anyone); one request each, on the newest version the protected name answered an anonymous client over HTTP without serving it (not nginx's own certificate page); on a 2xx, a door only where the page is the very one the valid certificate is served on the path as written (the paths masked where the page shows them; a path nobody serves at the root served it without one too: a shell, no door; one beside the path: incomplete; without `client-cert` or a staging CA, incomplete, but for the HTML shell a path nobody serves at the root gets too, byte for byte (no door); another page of its own, not a refusal, that holds at least half of the values of the valid certificate's JSON page (two or more: its records' ids, names, amounts) or, in any format, half of its figures (those a path nobody serves, asked plainly, holds too aside: a footer, a soft 404) (three or more: the runs holding three digits, `ORD-558812`, `4821.50`): incomplete, the protected data telling its caller apart; a front controller's page compared with the links through its script written as the application's own, `/shop/index.php/account` as `/shop/account`), then the spelling twice more beside the path as written twice; a spelling closed without an answer, twice more beside the request as written twice (an answer read then stands for it; closed each time, unread); a door, on every other version refused over HTTP too; each spelling refused over HTTP again with the verify headers forged (`X-SSL-Client-Verify`, `ssl-client-verify`, `X-Client-Verify`: `0`, then `SUCCESS`; an `X-Forwarded-Client-Cert` beside them), judged the same way (a proxy that sets them only under a rule on the request as written passes the client's own copy; without a valid certificate, one served is unsure, exit 3)",
    needs: "a scanned path other than `/` (or, with a valid certificate, a redirect to another path of the same origin), answered to an anonymous client over HTTP without serving it (401, 403, a redirect, 404 …)",
    findings: &[FindingId::PathFormBypass],
};

/// What it spells otherwise, and what it raises.
pub const KIND: Kind = Kind {
    part: Part::Path,
    probe: ProbeId::PATH_FORM_BYPASS,
    finding: FindingId::PathFormBypass,
};

/// The other spellings of `target`'s path that routers resolve to the same resource (the query
/// kept): none for `/`.
pub fn spellings(target: &Target) -> Vec<Spelling> {
    let (path, query) = match target.path.split_once('?') {
        Some((p, q)) => (p, format!("?{q}")),
        None => (target.path.as_str(), String::new()),
    };
    let Some(rest) = path.strip_prefix('/').filter(|r| !r.is_empty()) else {
        return Vec::new();
    };
    let (first, after) = match rest.split_once('/') {
        Some((f, a)) => (f, format!("/{a}")),
        None => (rest, String::new()),
    };
    let mut out: Vec<(String, &'static str)> = Vec::new();
    if let Some(c) = first.chars().next().filter(char::is_ascii_alphanumeric) {
        let tail = first.get(c.len_utf8()..).unwrap_or_default();
        out.push((
            format!("/%{:02X}{tail}{after}", u32::from(c)),
            "its first letter percent-encoded",
        ));
        // Percent-encoded twice (`%2561`): a rule that decodes the path once before a router
        // that decodes it again (a review's: A, exit 0, while `/%2561dmin` got the page).
        out.push((
            format!("/%25{:02X}{tail}{after}", u32::from(c)),
            "its first letter percent-encoded twice (`%25`)",
        ));
    }
    out.push((format!("/{path}"), "with a doubled slash"));
    out.push((format!("/.{path}"), "with a dot segment"));
    if !first.is_empty() {
        out.push((format!("/{first};{after}"), "with an empty path parameter"));
    }
    // A segment of a path parameter alone before it, and one `..;` takes back: a rule on the
    // path as written (nginx `location ~ ^/admin`, which takes `..;` for a name) before a
    // Servlet container that drops `;` parameters before it resolves dot segments (Tomcat,
    // Jetty; Shiro's CVE-2020-1957): an audit's nginx in front of Tomcat was A, exit 0, while
    // `/;/admin/orders` and `/x/..;/admin/orders` got the orders without a certificate.
    out.push((
        format!("/;{path}"),
        "after a segment of an empty path parameter (`/;`)",
    ));
    out.push((
        format!("/mtls-scan/..;{path}"),
        "after a segment that `..;` takes back (`/mtls-scan/..;`)",
    ));
    // A segment a dot-dot segment takes back, as written and percent-encoded: a rule on the
    // path before the dot segments are resolved (HAProxy `deny if { path_beg /api }` without
    // `normalize-uri path-strip-dotdot`, or with it before `percent-decode-unreserved`, as its
    // manual lists them) in front of a server that resolves them (nginx): a review's two were
    // A, exit 0, while `/x/../api/orders` and `/x/%2e%2e/api/orders` got the orders.
    out.push((
        format!("/mtls-scan/..{path}"),
        "after a segment that a dot-dot segment takes back (`/mtls-scan/../`)",
    ));
    out.push((
        format!("/mtls-scan/%2e%2e{path}"),
        "after a segment that a percent-encoded dot-dot segment takes back (`/mtls-scan/%2e%2e/`)",
    ));
    match path.strip_suffix('/') {
        Some(bare) if !bare.is_empty() => out.push((bare.to_owned(), "without its trailing slash")),
        _ => out.push((format!("{path}/"), "with a trailing slash")),
    }
    // Routers that ignore case (Express by default, ASP.NET) behind a rule that does not.
    let upper = first.to_ascii_uppercase();
    if upper != first {
        out.push((
            format!("/{upper}{after}"),
            "with its first segment in capitals",
        ));
    }
    // A slash percent-encoded: kept as is by the rule (Envoy, Istio by default), decoded by the
    // router (Go before 1.22, many frameworks).
    if let Some(rest) = after.strip_prefix('/').filter(|r| !r.is_empty()) {
        out.push((format!("/{first}%2F{rest}"), "with a slash percent-encoded"));
        // A backslash for that slash: nginx's locations and HAProxy's `path_beg` take it for a
        // name, the WHATWG URL parser (Node's `new URL()`, Deno, Bun) for a slash (a review's
        // nginx `location /admin/` checking the certificate before such a router: A, exit 0,
        // while `/admin\orders` got the orders).
        out.push((format!("/{first}\\{rest}"), "with a backslash for a slash"));
    }
    // The last segment spelled otherwise, where it is not the first: a rule on the whole path
    // (Apache `<Location /api/orders>`, which ends at a segment boundary) before a proxy that
    // routes on the first segment as written (`ProxyPass /api`) to an application that ignores
    // `;` parameters or case (an audit's: A, exit 0, while `/api/orders;` got the orders).
    let (head, last) = match path.trim_end_matches('/').rsplit_once('/') {
        Some((head, last)) if !head.is_empty() && !last.is_empty() => (head, last),
        _ => ("", ""),
    };
    if !head.is_empty() {
        let slash = if path.ends_with('/') { "/" } else { "" };
        out.push((
            format!("{head}/{last};{slash}"),
            "with an empty path parameter on its last segment",
        ));
        let upper = last.to_ascii_uppercase();
        if upper != last {
            out.push((
                format!("{head}/{upper}{slash}"),
                "with its last segment in capitals",
            ));
        }
        // Every segment in capitals: a rule on a segment wherever it stands (nginx `location ~
        // /admin/`, HAProxy `path_sub`) before a router without case sees neither the first nor
        // the last in capitals alone (a review's `/api/V1/admin`: A, exit 0).
        let whole = path.to_ascii_uppercase();
        let first_only = format!("/{}{after}", first.to_ascii_uppercase());
        let last_only = format!("{head}/{}{slash}", last.to_ascii_uppercase());
        if whole != path && whole != first_only && whole != last_only {
            out.push((whole, "with every segment in capitals"));
        }
    }
    // A format's or a static file's suffix on the last segment: a rule on a prefix (nginx
    // `location /api/` checking `$ssl_client_verify`) loses to a regex location on the suffix
    // (`location ~* \.(css|js|json)$`, a static-asset cache) in front of an application that
    // takes `/orders.json` for `/orders` (Rails formats, Spring's suffix matching before 5.3,
    // Django REST format suffixes, Express `/orders.:format?`): an audit's nginx was A, exit 0,
    // while `/api/orders.json` and `/api/orders.css` got the orders without a certificate.
    let last_segment = path.rsplit('/').next().unwrap_or_default();
    if !last_segment.is_empty() && !last_segment.contains('.') {
        out.push((
            format!("{path}.json"),
            "with a format's suffix on its last segment (`.json`)",
        ));
        out.push((
            format!("{path}.css"),
            "with a stylesheet's suffix on its last segment (`.css`)",
        ));
    }
    // PHP's names for the same page: nginx takes a regex location (`location ~ \.php$`, in
    // every PHP site's configuration) before a prefix one, so a check in `location /orders/`
    // never sees `/orders/index.php`, which PHP serves as it serves `/orders/`, nor
    // `/admin/orders.php` behind extension-less URLs, nor `/index.php/orders` where the front
    // controller takes its route from the path info (`location ~ \.php(/|$)`, Laravel,
    // Symfony) (a review's nginx before PHP: A, exit 0, each).
    if !last_segment.contains('.') {
        let bare = path.trim_end_matches('/');
        out.push((
            format!("{bare}/index.php"),
            "with the directory's PHP index named (`index.php`)",
        ));
        if !bare.is_empty() {
            out.push((format!("{bare}.php"), "with PHP's suffix (`.php`)"));
        }
        out.push((
            format!("/index.php{path}"),
            "after PHP's front controller (`/index.php`), as its path info",
        ));
        // A front controller in a directory of the path (`/shop/index.php/orders` for
        // `/shop/orders`, `/apps/shop/index.php/orders` for `/apps/shop/orders`: reviews'
        // Laravel in a subdirectory, A, exit 0), in each of the first six.
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        for (depth, how) in (1..segments.len()).zip(FRONT_CONTROLLER_IN) {
            let (dir, rest) = segments.split_at(depth);
            if rest.iter().all(|s| s.is_empty()) {
                break;
            }
            out.push((
                format!("/{}/index.php/{}", dir.join("/"), rest.join("/")),
                how,
            ));
        }
    }
    let mut spelled: Vec<Spelling> = out
        .into_iter()
        .filter(|(p, _)| p != path)
        .map(|(p, how)| Spelling {
            host: None,
            path: Some(format!("{p}{query}")),
            how,
            forged: None,
        })
        .collect();
    // The request's target ending in a static file's suffix: a front that lets static assets
    // through by the request URI as written (nginx `$request_uri ~ \.(css|js)$`, Lua on
    // `ngx.var.request_uri`) before an application that routes on the path alone (an audit's:
    // A, exit 0, while `/orders?x=.css` got the orders).
    // The request target in absolute form (RFC 9112 §3.2.2: `GET https://host/admin HTTP/1.1`,
    // which every server must accept): a rule on the target as written (HAProxy `url_beg`,
    // an application's `req.url` or `r.RequestURI`) does not see the path where the router
    // parses the URI (a review's HAProxy `deny if { url_beg /admin } !{ ssl_c_used }`, even
    // after `normalize-uri`, before Node's `new URL()`: A, exit 0). HTTP/1.1 only: an h2
    // request carries its path alone.
    spelled.push(Spelling {
        host: None,
        path: Some(format!("https://{}{path}{query}", target.authority())),
        how: "in absolute form (`https://host/path` as the request target)",
        forged: None,
    });
    let sep = if query.is_empty() { '?' } else { '&' };
    spelled.push(Spelling {
        host: None,
        path: Some(format!("{path}{query}{sep}mtls-scan=.css")),
        how: "with a query ending in a stylesheet's suffix (`.css`)",
        forged: None,
    });
    // A health check's query: a front that lets health checks through by the query (nginx `if
    // ($arg_healthcheck)`, a rule on `$request_uri ~ /healthz$`) before an application that
    // routes on the path alone (a review's nginx: A, exit 0, while `/orders?healthcheck=1`,
    // `/orders?health=1`, `/orders?probe=1` and `/orders?x=/healthz` got the orders). One name
    // each: an application that answers one of them a health answer of its own hid the other
    // (reviews': A, exit 0).
    for (words, how) in [
        (
            "healthcheck=1&mtls-scan=/healthz",
            "with a health check's query (`healthcheck=1`, ending in `/healthz`)",
        ),
        (
            "health=1&mtls-scan=/health",
            "with a health check's query (`health=1`, ending in `/health`)",
        ),
        // The whole query a health check's, exactly (nginx `if ($args = "health=1")`, `if
        // ($arg_healthcheck = "true")`: a review's two, A, exit 0).
        ("health=1", "with a health check's query (`health=1`)"),
        (
            "healthcheck=true",
            "with a health check's query (`healthcheck=true`)",
        ),
        ("probe=1", "with a health probe's query (`probe=1`)"),
    ] {
        spelled.push(Spelling {
            host: None,
            path: Some(format!("{path}{query}{sep}{words}")),
            how,
            forged: None,
        });
    }
    spelled
}

/// How a front controller in each of the path's first six directories is said.
const FRONT_CONTROLLER_IN: [&str; 6] = [
    "after the first directory's PHP front controller (`index.php`), as its path info",
    "after the second directory's PHP front controller (`index.php`), as its path info",
    "after the third directory's PHP front controller (`index.php`), as its path info",
    "after the fourth directory's PHP front controller (`index.php`), as its path info",
    "after the fifth directory's PHP front controller (`index.php`), as its path info",
    "after the sixth directory's PHP front controller (`index.php`), as its path info",
];

/// Redirects followed at most, the first wave's included: `curl -L` and browsers follow a
/// chain (a review's Apache sent clients without a certificate from `/api/orders` to
/// `/v1/orders` and on to an open `/legacy/orders`: A, exit 0, with the first hop alone asked).
pub const MAX_REDIRECTS: usize = 4;

/// Where a redirect (or a page's refresh) from `asked` to `location` goes on this server: the
/// path and query, resolved as a client resolves it (RFC 3986 §5: `../legacy/orders` against
/// the path asked; a review's relative `Location` was A, exit 0), where the URL is `https://`
/// on the target's port and names the target's host, or a name or an address the served
/// certificate names (a review's `https://localhost:PORT/…` beside a scan of `127.0.0.1`: A,
/// exit 0). None for another origin, a redirect to sign in (its path speaks of it:
/// [`crate::text::sends_to_sign_in`]; a single-page app serves its sign-in route the very shell
/// the protected route gets; a word in the query, `?notice=unauthenticated`, is no sign-in
/// page: a review's was A, exit 0), a path over 256 bytes or one `http` does not take.
pub fn next_hop(target: &Target, first: &FirstWave, asked: &str, location: &str) -> Option<String> {
    let asked = if asked.starts_with('/') { asked } else { "/" };
    let base = url::Url::parse(&format!("https://{}{asked}", target.authority())).ok()?;
    let to = base.join(location.trim()).ok()?;
    if to.scheme() != "https" || to.port_or_known_default() != Some(target.port) {
        return None;
    }
    let host = to.host_str()?.trim_start_matches('[').trim_end_matches(']');
    let this_server = host
        .eq_ignore_ascii_case(target.host.trim_start_matches('[').trim_end_matches(']'))
        || crate::probe::side_door::certifies(first, host);
    if !this_server || crate::text::sends_to_sign_in(to.path()) {
        return None;
    }
    let path = match to.query() {
        Some(q) => format!("{}?{q}", to.path()),
        None => to.path().to_owned(),
    };
    (path.len() <= 256 && path.parse::<http::uri::PathAndQuery>().is_ok()).then_some(path)
}

/// The path without its query.
fn bare(path: &str) -> &str {
    path.split('?').next().unwrap_or_default()
}

/// The path the anonymous request was redirected to on the same origin ([`next_hop`]: a 3xx's
/// `Location`, or where a `Refresh` header or a meta refresh sends a browser), followed on
/// anonymously up to [`MAX_REDIRECTS`] hops, where it ends on another path than the one asked:
/// asked without a certificate like a spelling. A rule that sends a client without a
/// certificate to another path of the same server leaks where that path serves the protected
/// page to anyone (a review's nginx redirecting such clients from `/v2/orders` to a legacy
/// `/v1/orders` that served the same orders: A, exit 0). Also where the scanned path is `/`.
pub async fn redirected(
    target: &Target,
    scan: &ScanContext,
    first: &FirstWave,
) -> Option<Spelling> {
    let newest = spelled::refused_over_http(first).into_iter().next()?;
    let location = newest.location.as_deref()?;
    let mut path = next_hop(target, first, &target.path, location)?;
    let mut been: Vec<String> = vec![bare(&target.path).to_owned()];
    let spelling = |path: &str| Spelling {
        host: None,
        path: Some(path.to_owned()),
        how: "where the request as written was redirected without a certificate",
        forged: None,
    };
    for _ in 1..MAX_REDIRECTS {
        if been.iter().any(|b| b == bare(&path)) {
            return None;
        }
        been.push(bare(&path).to_owned());
        let seen = spelled::ask(target, scan, newest.tls_version, &spelling(&path)).await;
        // A page served ends the chain and is judged, whatever refresh it carries (a dashboard
        // refreshing itself, a legacy page refreshing to its canonical path: a review's such
        // open copy was B, exit 0, the refresh followed past it).
        if seen.served() {
            return Some(spelling(&path));
        }
        let redirect = seen.status().is_some_and(|s| (300..400).contains(&s));
        match seen
            .result
            .location
            .as_deref()
            .and_then(|l| next_hop(target, first, &path, l))
        {
            Some(next) => path = next,
            // A redirect elsewhere (another origin, a sign-in page) is no page of this path.
            None if redirect => return None,
            None => return Some(spelling(&path)),
        }
    }
    (!been.iter().any(|b| b == bare(&path))).then(|| spelling(&path))
}

impl TargetProbe for PathFormBypass {
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
            let mut spellings = spellings(target);
            // Only with a valid certificate, whose page alone tells the protected one from a
            // sign-in page there (most redirects of a client without a certificate go to one).
            if crate::probe::valid_client_cert::chooser(&scan.probes).is_some() {
                if let Some(first) = first {
                    spellings.extend(redirected(target, scan, first).await);
                }
            }
            match first {
                Some(first) if !spellings.is_empty() => {
                    spelled::run(target, scan, first, KIND, spellings).await
                }
                _ => TargetOutcome::default(),
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(url: &str) -> Vec<String> {
        let t = Target::parse(url).unwrap_or_else(|e| panic!("{e}"));
        spellings(&t).into_iter().filter_map(|s| s.path).collect()
    }

    /// Each spelling resolves to the same path; none for `/`; the query is kept; and every
    /// spelling is a request target `http` takes as it is.
    #[test]
    fn spellings_of_a_path() {
        assert!(paths("https://api.example/").is_empty());
        assert_eq!(
            paths("https://api.example/admin/orders?x=1"),
            [
                "/%61dmin/orders?x=1",
                "/%2561dmin/orders?x=1",
                "//admin/orders?x=1",
                "/./admin/orders?x=1",
                "/admin;/orders?x=1",
                "/;/admin/orders?x=1",
                "/mtls-scan/..;/admin/orders?x=1",
                "/mtls-scan/../admin/orders?x=1",
                "/mtls-scan/%2e%2e/admin/orders?x=1",
                "/admin/orders/?x=1",
                "/ADMIN/orders?x=1",
                "/admin%2Forders?x=1",
                "/admin\\orders?x=1",
                "/admin/orders;?x=1",
                "/admin/ORDERS?x=1",
                "/ADMIN/ORDERS?x=1",
                "/admin/orders.json?x=1",
                "/admin/orders.css?x=1",
                "/admin/orders/index.php?x=1",
                "/admin/orders.php?x=1",
                "/index.php/admin/orders?x=1",
                "/admin/index.php/orders?x=1",
                "https://api.example/admin/orders?x=1",
                "/admin/orders?x=1&mtls-scan=.css",
                "/admin/orders?x=1&healthcheck=1&mtls-scan=/healthz",
                "/admin/orders?x=1&health=1&mtls-scan=/health",
                "/admin/orders?x=1&health=1",
                "/admin/orders?x=1&healthcheck=true",
                "/admin/orders?x=1&probe=1"
            ]
        );
        assert_eq!(
            paths("https://api.example:8443/v1/"),
            [
                "/%761/",
                "/%25761/",
                "//v1/",
                "/./v1/",
                "/v1;/",
                "/;/v1/",
                "/mtls-scan/..;/v1/",
                "/mtls-scan/../v1/",
                "/mtls-scan/%2e%2e/v1/",
                "/v1",
                "/V1/",
                "/v1/index.php",
                "/v1.php",
                "/index.php/v1/",
                "https://api.example:8443/v1/",
                "/v1/?mtls-scan=.css",
                "/v1/?healthcheck=1&mtls-scan=/healthz",
                "/v1/?health=1&mtls-scan=/health",
                "/v1/?health=1",
                "/v1/?healthcheck=true",
                "/v1/?probe=1"
            ]
        );
        for p in paths("https://api.example/admin/orders?x=1") {
            let uri: http::Uri = p.parse().unwrap_or_else(|e| panic!("{p}: {e}"));
            let origin_form = p.strip_prefix("https://api.example").unwrap_or(&p);
            assert_eq!(
                uri.path_and_query().map(|pq| pq.as_str()),
                Some(origin_form)
            );
        }
    }
}
