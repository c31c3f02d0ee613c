//! `tls-config-exposed` against real servers: an in-process "leaky" rustls/hyper server (mtls-lab's
//! custom server) answering each leak format on its path, a single-page app that answers every
//! path alike, a multi-megabyte body, a leak only a client certificate can read, and nginx serving
//! a `.env` next to its SPA; a YAML alias bomb (bounded memory); and paths whose answer cannot be
//! read (a stall, a close without an answer), which leave the target incomplete.

mod support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use mtls_lab::custom::{self, ClientAuthMode, CustomSpec, Fallback, Route, RouteBody};
use probe_core::checks::config_body::BodyFormat;
use probe_core::engine::{IdentityInputs, ScanOptions, Scanner};
use probe_core::finding::{FindingId, Severity};
use probe_core::probe::tls_config_exposed::{ConfigObservation, BODY_CAP};
use probe_core::report::TargetReport;
use probe_core::target::Target;
use support::*;

const SPRING_ENV: &str = r#"{"activeProfiles":["prod"],"propertySources":[
  {"name":"server.ports","properties":{"local.server.port":{"value":8443}}},
  {"name":"Config resource 'class path resource [application.yml]'","properties":{
    "server.ssl.client-auth":{"value":"want","origin":"class path resource [application.yml] - 7:20"},
    "server.ssl.key-store-password":{"value":"******"},
    "spring.datasource.password":{"value":"hunter2-spring"}}}]}"#;
const GO_TEXT: &str = "listen :8443\ntls: &{Certificates:[{...}] ClientAuth:VerifyClientCertIfGiven ClientCAs:0xc000123 InsecureSkipVerify:true MinVersion:771}\n";
const YAML: &str = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: istio-system\nspec:\n  mtls:\n    mode: PERMISSIVE\n---\nlistener:\n  transport_socket:\n    typed_config:\n      require_client_certificate: false\n";
const PROPERTIES: &str = "# application.properties\nserver.port=8443\nserver.ssl.enabled=true\nserver.ssl.client-auth=none\nserver.ssl.key-store=classpath:server.p12\nserver.ssl.key-store-password=hunter2-props\n";
const DOTENV: &str = "NODE_ENV=production\nNODE_TLS_REJECT_UNAUTHORIZED=0\nDB_PASSWORD=hunter2-env\nJWT_SECRET=hunter2-jwt\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANhunter2pem\n-----END PRIVATE KEY-----\n";
const EXPVAR: &str = r#"{"cmdline":["/srv/api","-listen",":8443"],"memstats":{"Alloc":123,"TotalAlloc":456,"Sys":789,"NumGC":2},"requests":42}"#;

fn leaky_routes() -> Vec<Route> {
    vec![
        Route::new(
            "/actuator/env",
            "application/vnd.spring-boot.actuator.v3+json",
            SPRING_ENV,
        ),
        Route::new("/debug/config", "text/plain", GO_TEXT),
        Route::new("/config", "application/yaml", YAML),
        Route::new("/env", "text/plain", PROPERTIES),
        Route::new("/.env", "application/octet-stream", DOTENV),
    ]
}

async fn leaky(
    routes: Vec<Route>,
    fallback: Fallback,
    client_auth: ClientAuthMode,
) -> Res<(custom::CustomServer, Ca)> {
    let root = Ca::root("Root")?;
    let leaf = root.leaf(&["localhost", "127.0.0.1"], |_| {})?;
    let server = custom::serve(CustomSpec {
        chain: vec![leaf.der.clone()],
        key: leaf.key_der(),
        client_auth,
        routes,
        fallback,
        server_header: None,
        alternate: None,
    })
    .await?;
    Ok((server, root))
}

async fn scan(url: &str, options: &ScanOptions) -> Res<TargetReport> {
    let mut report = Scanner::new(options)?.scan(&[Target::parse(url)?]).await;
    let t = report.targets.pop().ok_or("no target")?;
    assert_eq!(t.error, None);
    Ok(t)
}

/// `leak` and `/` behind a required client certificate, scanned with a valid one.
async fn scan_behind_mtls(leak: Route) -> Res<TargetReport> {
    let client_ca = Ca::root("Client CA")?;
    let client = client_ca.leaf(&[], |p| {
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    })?;
    let routes = vec![Route::new("/", "text/plain", "ok\n"), leak];
    let (server, root) = leaky(
        routes,
        Fallback::NotFound,
        ClientAuthMode::Required(client_ca.der.clone()),
    )
    .await?;
    let options = ScanOptions {
        identities: IdentityInputs {
            client_cert_pem: Some(client.pem.clone()),
            client_key_pem: Some(client.key.serialize_pem()),
            ..IdentityInputs::default()
        },
        ..options(&[&root.der])
    };
    scan(&server.url, &options).await
}

fn obs<'a>(t: &'a TargetReport, path: &str, with_cert: bool) -> Res<&'a ConfigObservation> {
    t.config_probes
        .iter()
        .find(|o| o.path == path && o.client_cert == with_cert)
        .ok_or_else(|| {
            format!(
                "no observation of {path} (cert {with_cert}): {:#?}",
                t.config_probes
            )
            .into()
        })
}

fn settings(o: &ConfigObservation) -> Vec<&str> {
    o.auth_off.iter().map(|s| s.setting.as_str()).collect()
}

#[tokio::test]
async fn each_leak_format_is_read_and_secrets_are_redacted() -> Res {
    let (server, root) = leaky(leaky_routes(), Fallback::NotFound, ClientAuthMode::None).await?;
    let t = scan(&server.url, &options(&[&root.der])).await?;

    let spring = obs(&t, "/actuator/env", false)?;
    assert!(spring.exposed);
    assert_eq!(spring.format, Some(BodyFormat::Json));
    assert_eq!(spring.kind.as_deref(), Some("Spring Boot actuator env"));
    assert_eq!(
        settings(spring),
        vec!["propertySources.1.properties.server.ssl.client-auth.value = want"]
    );
    assert_eq!(
        spring.redacted,
        vec!["propertySources.1.properties.spring.datasource.password.value"]
    );

    let go = obs(&t, "/debug/config", false)?;
    assert!(go.exposed);
    assert_eq!(
        settings(go),
        vec![
            "ClientAuth = VerifyClientCertIfGiven",
            "InsecureSkipVerify = true"
        ]
    );

    let yaml = obs(&t, "/config", false)?;
    assert_eq!(yaml.format, Some(BodyFormat::Yaml));
    assert_eq!(
        settings(yaml),
        vec![
            "spec.mtls.mode = PERMISSIVE",
            "listener.transport_socket.typed_config.require_client_certificate = false"
        ]
    );

    let props = obs(&t, "/env", false)?;
    assert_eq!(props.format, Some(BodyFormat::Properties));
    assert_eq!(settings(props), vec!["server.ssl.client-auth = none"]);
    assert_eq!(props.redacted, vec!["server.ssl.key-store-password"]);

    let dotenv = obs(&t, "/.env", false)?;
    assert_eq!(settings(dotenv), vec!["NODE_TLS_REJECT_UNAUTHORIZED = 0"]);
    assert_eq!(
        dotenv.redacted,
        vec!["DB_PASSWORD", "JWT_SECRET", "PEM private key"]
    );

    // 404s are not exposures.
    let vars = obs(&t, "/debug/vars", false)?;
    assert_eq!((vars.http_status, vars.exposed), (Some(404), false));

    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::TlsConfigExposed)
        .ok_or("no finding")?;
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.cwe, "CWE-200");
    assert!(
        f.detail.contains("/actuator/env") && f.detail.contains("server.ssl.client-auth"),
        "{}",
        f.detail
    );
    for path in ["/actuator/env", "/debug/config", "/config", "/env", "/.env"] {
        assert!(
            f.evidence.contains_key(&format!("GET {path}")),
            "{path}: {:?}",
            f.evidence.keys()
        );
    }
    // The first leak is Spring's: its fix comes first.
    assert_eq!(
        f.fixes.first().map(|x| (x.stack.as_ref(), x.guessed)),
        Some(("Java/Spring", true))
    );
    // Not one secret value anywhere in the report.
    let json = serde_json::to_string(&t)?;
    assert!(!json.contains("hunter2"), "a secret leaked into the report");
    Ok(())
}

#[tokio::test]
async fn other_exposed_config_is_medium() -> Res {
    let routes = vec![Route::new("/debug/vars", "application/json", EXPVAR)];
    let (server, root) = leaky(routes, Fallback::NotFound, ClientAuthMode::None).await?;
    let t = scan(&server.url, &options(&[&root.der])).await?;
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::TlsConfigExposed)
        .ok_or("no finding")?;
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.detail.contains("/debug/vars (Go expvar"), "{}", f.detail);
    assert_eq!(
        f.fixes.first().map(|x| (x.stack.as_ref(), x.guessed)),
        Some(("Go", true))
    );
    Ok(())
}

#[tokio::test]
async fn a_catch_all_app_is_not_flagged() -> Res {
    // An SPA answering every path with its index page, and an API answering every path with
    // the same JSON document: both look like content, neither is a leak.
    let html = Fallback::Page {
        content_type: "text/html".into(),
        body: "<!doctype html><html><head><title>App</title></head><body><div id=root></div></body></html>".into(),
    };
    let json = Fallback::Page {
        content_type: "application/json".into(),
        body: r#"{"name":"api","version":"1.2.3","status":"ok","links":{"self":"/","docs":"/docs"},"features":["a","b"]}"#.into(),
    };
    for fallback in [html, json] {
        let (server, root) = leaky(Vec::new(), fallback, ClientAuthMode::None).await?;
        let t = scan(&server.url, &options(&[&root.der])).await?;
        assert!(
            !t.findings
                .iter()
                .any(|f| f.id == FindingId::TlsConfigExposed),
            "{:#?}",
            t.config_probes
        );
        let env = obs(&t, "/actuator/env", false)?;
        assert_eq!(env.http_status, Some(200));
        assert_eq!(
            env.note.as_deref(),
            Some("same answer as a random path (catch-all)")
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_multi_megabyte_body_is_capped_not_read() -> Res {
    let total = 64 * 1024 * 1024;
    let chunk = format!("{{\"k\":\"{}\"}}\n", "x".repeat(16 * 1024 - 10));
    let routes = vec![Route {
        path: "/actuator/env".into(),
        content_type: "application/json".into(),
        body: RouteBody::Stream {
            chunk: chunk.into(),
            total,
        },
    }];
    let (server, root) = leaky(routes, Fallback::NotFound, ClientAuthMode::None).await?;
    let start = Instant::now();
    let t = scan(&server.url, &options(&[&root.der])).await?;
    let elapsed = start.elapsed();
    let env = obs(&t, "/actuator/env", false)?;
    assert_eq!(env.http_status, Some(200));
    assert_eq!(env.bytes_read, BODY_CAP, "read exactly the cap");
    assert!(env.truncated);
    // The server produced only what the connection took before the scanner hung up: a few
    // socket buffers, not the 64 MiB.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let streamed = server.streamed.load(Ordering::Relaxed);
    assert!(
        streamed < total / 4,
        "server produced {streamed} of {total} bytes"
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    eprintln!(
        "64 MiB body: read {} bytes, server produced {streamed}, scan took {elapsed:?}",
        env.bytes_read
    );
    Ok(())
}

#[tokio::test]
async fn a_leak_behind_mtls_is_found_with_the_users_certificate() -> Res {
    let t = scan_behind_mtls(Route::new("/env", "text/plain", PROPERTIES)).await?;
    // Without a certificate the random control path is refused in the handshake, so none of the
    // paths is requested anonymously: one connection, not eleven.
    let anonymous: Vec<&ConfigObservation> =
        t.config_probes.iter().filter(|o| !o.client_cert).collect();
    assert_eq!(anonymous.len(), 1, "{anonymous:#?}");
    assert!(anonymous
        .iter()
        .all(|o| o.http_status.is_none() && o.path.starts_with("/mtls-scan-")));
    let with_cert = obs(&t, "/env", true)?;
    assert!(with_cert.exposed);
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::TlsConfigExposed)
        .ok_or("no finding")?;
    assert!(
        f.detail.contains("with the scan's client certificate"),
        "{}",
        f.detail
    );
    // Without the certificate the server is otherwise correct.
    let ids: Vec<FindingId> = t.findings.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![FindingId::TlsConfigExposed]);
    Ok(())
}

/// Go's expvar behind a required client certificate (etcd's and the Prometheus exporters' own
/// listeners): read only with the user's certificate, nothing switched off, no secret: low, and
/// said to be open to every client the server trusts; the same page served to anyone: medium
/// (`other_exposed_config_is_medium`).
#[tokio::test]
async fn plain_configuration_behind_mtls_is_low() -> Res {
    let t = scan_behind_mtls(Route::new("/debug/vars", "application/json", EXPVAR)).await?;
    assert!(obs(&t, "/debug/vars", true)?.exposed);
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::TlsConfigExposed)
        .ok_or("no finding")?;
    assert_eq!(f.severity, Severity::Low, "{}", f.detail);
    assert!(
        f.detail
            .contains("Only clients holding a certificate the server trusts read it"),
        "{}",
        f.detail
    );
    assert_eq!(t.grade.to_string(), "B", "a low finding caps at B");
    Ok(())
}

#[tokio::test]
async fn nginx_serving_a_dotenv_beside_its_spa() -> Res {
    if !need("nginx")? {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let root = Ca::root("Root")?;
    let leaf = root.leaf(&["localhost", "127.0.0.1"], |_| {})?;
    let p = dir.path();
    let www = p.join("www");
    std::fs::create_dir_all(&www)?;
    std::fs::write(
        www.join("index.html"),
        "<!doctype html><html><body><div id=app></div></body></html>\n",
    )?;
    std::fs::write(www.join(".env"), DOTENV)?;
    std::fs::write(p.join("leaf.crt"), &leaf.pem)?;
    std::fs::write(p.join("leaf.key"), leaf.key.serialize_pem())?;
    let d = p.display();
    let body = format!(
        "  ssl_certificate {d}/leaf.crt;\n  ssl_certificate_key {d}/leaf.key;\n  root {d}/www;\n  \
         location / {{ try_files $uri /index.html; }}"
    );
    let server = nginx(&p.join("nginx"), &body, false)?;
    let t = scan(&server.url, &options(&[&root.der])).await?;
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::TlsConfigExposed)
        .ok_or("no finding")?;
    // High for the secrets it shows; NODE_TLS_REJECT_UNAUTHORIZED=0 concerns outbound calls.
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.detail.contains("servers it connects to") && f.detail.contains("secret values"),
        "{}",
        f.detail
    );
    let exposed: Vec<&str> = t
        .config_probes
        .iter()
        .filter(|o| o.exposed)
        .map(|o| o.path.as_str())
        .collect();
    assert_eq!(
        exposed,
        vec!["/.env"],
        "only the dotenv; the SPA's index answers the rest"
    );
    assert_eq!(
        f.fixes.first().map(|x| (x.stack.as_ref(), x.guessed)),
        Some(("Node.js", true))
    );
    assert!(!serde_json::to_string(&t)?.contains("hunter2"));
    Ok(())
}

/// The reviewer's bomb: `a` is a sequence of 5,000 scalars, each of `b`..`j` ten aliases of the
/// one before (5·10¹³ nodes once expanded) in about 10 KB.
fn alias_bomb() -> String {
    let mut y = format!("a: &a [{}]\n", vec!["x"; 5_000].join(","));
    for (prev, name) in ('a'..='i').zip('b'..='j') {
        let refs = vec![format!("*{prev}"); 10].join(",");
        y.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    y
}

/// `VmHWM` (peak resident set) and `VmRSS` of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

#[tokio::test]
async fn a_yaml_alias_bomb_is_read_in_bounded_memory() -> Res {
    let bomb = alias_bomb();
    assert!(bomb.len() < 11_000, "{} bytes", bomb.len());
    // The bomb alone, and a leak ahead of a bomb: the leak is still found.
    let leak = format!("server:\n  ssl:\n    client-auth: want\n{bomb}");
    let routes = vec![
        Route::new("/config", "application/yaml", bomb.clone()),
        Route::new("/debug/config", "application/yaml", leak),
    ];
    let (server, root) = leaky(routes, Fallback::NotFound, ClientAuthMode::None).await?;
    let (peak_before, _) = memory_kib();
    let start = Instant::now();
    let t = scan(&server.url, &options(&[&root.der])).await?;
    let elapsed = start.elapsed();
    let (peak_after, rss_after) = memory_kib();
    eprintln!(
        "alias bomb ({} bytes): scan done in {elapsed:?}; peak RSS (VmHWM) {} KiB before the scan, \
         {peak_after} KiB after (VmRSS {rss_after} KiB)",
        bomb.len(),
        peak_before
    );
    // Before, the parser built billions of values: gigabytes, then an allocation failure abort.
    assert!(
        peak_after < 512 * 1024,
        "peak RSS {peak_after} KiB: the bomb was expanded"
    );
    let config = obs(&t, "/config", false)?;
    assert_eq!(config.http_status, Some(200));
    assert_eq!(config.format, Some(BodyFormat::Yaml));
    let leak = obs(&t, "/debug/config", false)?;
    assert!(leak.exposed);
    assert_eq!(settings(leak), vec!["server.ssl.client-auth = want"]);
    let f = t
        .findings
        .iter()
        .find(|f| f.id == FindingId::TlsConfigExposed)
        .ok_or("no finding")?;
    assert_eq!(f.severity, Severity::High);
    assert!(
        !t.incomplete.iter().any(|i| i.probe == "tls-config-exposed"),
        "{:?}",
        t.incomplete
    );
    Ok(())
}

/// What the test server does with a path.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Act {
    /// 404, `Connection: close`.
    NotFound,
    /// Reads the request and never answers (until the client leaves).
    Stall,
    /// Reads the request and closes without an answer.
    Close,
}

/// A plain rustls server (no client authentication, HTTP/1.1, one request per connection) that
/// does `act(path)`, and the paths it was asked for.
async fn unreadable_server(
    act: fn(&str) -> Act,
) -> Res<(String, Ca, std::sync::Arc<std::sync::Mutex<Vec<String>>>)> {
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let root = Ca::root("Root")?;
    let leaf = root.leaf(&["localhost", "127.0.0.1"], |_| {})?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der.clone()], leaf.key_der())?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("https://127.0.0.1:{}/", listener.local_addr()?.port());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, seen) = (acceptor.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(buf.get(..n).unwrap_or_default()),
                    }
                }
                let text = String::from_utf8_lossy(&head);
                let path = text.split(' ').nth(1).unwrap_or("/").to_owned();
                if let Ok(mut s) = seen.lock() {
                    s.push(path.clone());
                }
                match act(&path) {
                    Act::NotFound => {
                        let _ = tls
                            .write_all(
                                b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\
                                  Content-Length: 9\r\nConnection: close\r\n\r\nNot Found",
                            )
                            .await;
                        let _ = tls.shutdown().await;
                    }
                    Act::Stall => {
                        // Until the client gives up.
                        while matches!(tls.read(&mut buf).await, Ok(n) if n > 0) {}
                    }
                    Act::Close => {
                        let (tcp, _) = tls.into_inner();
                        drop(tcp);
                    }
                }
            });
        }
    });
    Ok((url, root, asked))
}

fn config_incomplete(t: &TargetReport) -> Vec<&str> {
    t.incomplete
        .iter()
        .filter(|i| i.probe == "tls-config-exposed")
        .map(|i| i.reason.as_str())
        .collect()
}

#[tokio::test]
async fn configuration_paths_that_cannot_be_read_leave_the_target_incomplete() -> Res {
    fn act(path: &str) -> Act {
        match path {
            "/actuator/env" => Act::Stall,
            "/config_dump" => Act::Close,
            _ => Act::NotFound,
        }
    }
    let (url, root, asked) = unreadable_server(act).await?;
    let options = ScanOptions {
        timeout: Duration::from_secs(2),
        ..options(&[&root.der])
    };
    let start = Instant::now();
    let t = scan(&url, &options).await?;
    eprintln!(
        "scan took {:?}; incomplete: {:#?}",
        start.elapsed(),
        t.incomplete
    );
    let reasons = config_incomplete(&t);
    assert_eq!(reasons.len(), 2, "{reasons:#?}");
    assert!(
        reasons.first().is_some_and(|r| r
            .starts_with("GET /actuator/env without a client certificate: ")
            && r.contains("timed out")),
        "{reasons:#?}"
    );
    assert!(
        reasons
            .get(1)
            .is_some_and(|r| r.starts_with("GET /config_dump without a client certificate: ")),
        "{reasons:#?}"
    );
    assert_ne!(t.grade, probe_core::grade::Grade::A);
    // Each unreadable path was asked three times (once, then twice again); the others once.
    let asked = asked.lock().map(|a| a.clone()).unwrap_or_default();
    let count = |p: &str| asked.iter().filter(|a| *a == p).count();
    assert_eq!(
        (
            count("/actuator/env"),
            count("/config_dump"),
            count("/debug/vars")
        ),
        (3, 3, 1),
        "{asked:?}"
    );
    // Every other path's answer (a 404) was read.
    for (path, _) in probe_core::probe::tls_config_exposed::PATHS {
        let o = obs(&t, path, false)?;
        let unread = *path == "/actuator/env" || *path == "/config_dump";
        assert_eq!(o.http_status.is_none(), unread, "{o:?}");
    }
    Ok(())
}

#[tokio::test]
async fn an_unread_control_path_is_incomplete_and_nothing_else_is_asked() -> Res {
    fn act(path: &str) -> Act {
        if path.starts_with("/mtls-scan-") {
            Act::Stall
        } else {
            Act::NotFound
        }
    }
    let (url, root, asked) = unreadable_server(act).await?;
    let options = ScanOptions {
        timeout: Duration::from_secs(2),
        ..options(&[&root.der])
    };
    let t = scan(&url, &options).await?;
    let reasons = config_incomplete(&t);
    assert_eq!(reasons.len(), 1, "{reasons:#?}");
    assert!(
        reasons
            .first()
            .is_some_and(|r| r.starts_with("GET /mtls-scan-")
                && r.contains(
                    "(a random control path, without a client certificate) could not be read"
                )
                && r.ends_with("so no configuration path was requested")),
        "{reasons:#?}"
    );
    assert_eq!(t.config_probes.len(), 1, "{:#?}", t.config_probes);
    let asked = asked.lock().map(|a| a.clone()).unwrap_or_default();
    assert!(
        !asked
            .iter()
            .any(|a| probe_core::probe::tls_config_exposed::PATHS
                .iter()
                .any(|(p, _)| p == a)),
        "{asked:?}"
    );
    assert_ne!(t.grade, probe_core::grade::Grade::A);
    Ok(())
}

/// A Spring Boot `/actuator/env` of a pod with many environment variables is one line of JSON
/// past the 64 KiB cap: cut there it does not parse, yet it is found by what it starts with;
/// a cut JSON document nothing in it tells stays unread (the target incomplete), never "not
/// configuration".
#[tokio::test]
async fn a_json_document_cut_at_the_cap_is_told_or_left_unread() -> Res {
    let vars: String = (0..3000)
        .map(|i| format!(r#""VAR_{i}":{{"value":"{}"}},"#, "v".repeat(40)))
        .collect();
    let spring = format!(
        r#"{{"activeProfiles":["prod"],"propertySources":[{{"name":"systemEnvironment","properties":{{{vars}"LAST":{{"value":"x"}}}}}},{{"name":"applicationConfig","properties":{{"server.ssl.client-auth":{{"value":"want"}}}}}}]}}"#
    );
    assert!(spring.len() > 2 * BODY_CAP);
    // Few entries, long values: no parser reaches a budget before the cut, so none reads it.
    let other = format!(
        r#"{{"blobs":[{}{{"id":0}}]}}"#,
        format!(r#"{{"id":1,"blob":"{}"}},"#, "x".repeat(9000)).repeat(10)
    );
    assert!(other.len() > BODY_CAP);
    // Behind a handler that answers "ok" as text to every other path (Go's `/` handler beside
    // expvar): a cut document is still not that catch-all's answer.
    let text_catch_all = || Fallback::Page {
        content_type: "text/plain".into(),
        body: "ok\n".into(),
    };
    for (path, body, fallback) in [
        ("/actuator/env", spring.clone(), Fallback::NotFound),
        ("/config_dump", other.clone(), Fallback::NotFound),
        ("/config_dump", other, text_catch_all()),
        ("/actuator/env", spring, text_catch_all()),
    ] {
        let routes = vec![Route {
            path: path.into(),
            content_type: "application/json".into(),
            body: RouteBody::Static(body.into()),
        }];
        let (server, root) = leaky(routes, fallback, ClientAuthMode::None).await?;
        let t = scan(&server.url, &options(&[&root.der])).await?;
        let o = obs(&t, path, false)?;
        assert!(o.truncated && o.bytes_read == BODY_CAP, "{o:?}");
        let found = t
            .findings
            .iter()
            .any(|f| f.id == FindingId::TlsConfigExposed);
        let unread = t
            .incomplete
            .iter()
            .any(|i| i.probe == "tls-config-exposed" && i.reason.contains("cut at the 64 KiB cap"));
        if path == "/actuator/env" {
            assert!(o.exposed && found && !unread, "{o:?} {:?}", t.incomplete);
            assert_eq!(o.kind.as_deref(), Some("Spring Boot actuator env"));
        } else {
            assert!(!o.exposed && !found && unread, "{o:?} {:?}", t.incomplete);
        }
    }
    Ok(())
}
