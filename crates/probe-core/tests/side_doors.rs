//! The side-door probes against in-process rustls servers with known doors: client auth chosen
//! by SNI with the site chosen by `Host` (the SNI/Host mismatch), and an application that trusts
//! a forwarded `X-SSL-Client-Verify` header. Each positive must be found with its exact trigger in
//! the evidence, each control must stay clean, over several runs. Real stacks (HAProxy, Go, nginx)
//! are in crates/action-runner/tests.

#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)]
mod hostile {
    pub mod pki;
    pub mod servers;
}

use std::sync::Arc;
use std::time::Duration;

use hostile::pki::{self, BoxError, ClientAuth as ServerAuth};
use probe_core::engine::{ScanOptions, Scanner};
use probe_core::finding::FindingId;
use probe_core::report::TargetReport;
use probe_core::target::{Resolve, Target};
use rustls::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the test server decides.
#[derive(Clone, Copy, PartialEq)]
enum Door {
    /// Client auth by SNI (`secure.test` requires one), site by `Host`.
    SniPolicyHostRouting,
    /// The same, but a `Host` that differs from the SNI name gets 421.
    SniPolicyStrict,
    /// As `SniPolicyHostRouting`, the other names (and none) speaking TLS 1.2 only (HAProxy's
    /// crt-list `ssl-max-ver TLSv1.2`, Go's `MaxVersion`): the door is open on TLS 1.2 only.
    SniPolicyHostRoutingTls12,
    /// No client auth in TLS; the app serves only requests with `X-SSL-Client-Verify: SUCCESS`.
    TrustsVerifyHeader,
    /// No client auth in TLS; the app refuses everything with 403, headers or not.
    IgnoresHeaders,
    /// No client auth in TLS; the app trusts `X-SSL-Client-Verify: SUCCESS` and redirects
    /// everyone else to its login page (302).
    TrustsVerifyHeaderRedirects,
    /// As `SniPolicyStrict`, with a certificate of twelve other names: each hands out a session
    /// without a certificate, none of which `secure.test` resumes (its own session cache).
    SniPolicyStrictManyNames,
    /// No client auth in TLS; GET and HEAD refused with 403 whatever they carry, every other
    /// method routed to a legacy backend that answers after 3 s and trusts
    /// `X-SSL-Client-Verify: SUCCESS` (`slow: false`: at once).
    TrustsVerifyHeaderOnPost { slow: bool },
}

/// The other names of `Door::SniPolicyStrictManyNames`'s certificate.
const MANY_NAMES: [&str; 12] = [
    "n01.test", "n02.test", "n03.test", "n04.test", "n05.test", "n06.test", "n07.test", "n08.test",
    "n09.test", "n10.test", "n11.test", "n12.test",
];

/// What the server saw of each request: its `Host` and its `Authorization` header.
type Seen = Arc<std::sync::Mutex<Vec<(String, Option<String>)>>>;

struct Lab {
    url: String,
    port: u16,
    task: tokio::task::JoinHandle<()>,
    /// Every request's `Host` (without the port) and its `Authorization` header, if any.
    seen: Seen,
    /// The CA of its certificate: trusted by scans that send the user's headers (they go only
    /// to a server whose certificate verifies).
    ca: rustls::pki_types::CertificateDer<'static>,
    /// ClientHellos with the SNI `secure.test`.
    secure_hellos: Arc<std::sync::atomic::AtomicUsize>,
    /// For each connection that carried any, its TLS version and how many requests on it carried
    /// a forged `X-SSL-Client-Verify`.
    forged_by_connection: ForgedByConnection,
    /// Requests held unanswered ([`Kept::HoldsLater`]).
    held: Arc<std::sync::atomic::AtomicUsize>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start(door: Door) -> Result<Lab, BoxError> {
    start_kept(door, Kept::Closes).await
}

/// What a lab server does with a connection after its first answer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kept {
    /// Answers `Connection: close` and closes.
    Closes,
    /// Answers `Connection: keep-alive` and reads the next request (up to 200).
    KeepsAlive,
    /// Answers `Connection: keep-alive`, reads the next request and never answers it, the
    /// connection held open.
    HoldsLater,
}

/// [`start`], the server treating each connection after its first answer as `kept` says.
async fn start_kept(door: Door, kept: Kept) -> Result<Lab, BoxError> {
    let ca = pki::ca("side-door CA")?;
    let (leaf, key) = pki::leaf(&ca, |p| {
        let many = if door == Door::SniPolicyStrictManyNames {
            &MANY_NAMES[..]
        } else {
            &[]
        };
        p.subject_alt_names = ["secure.test", "public.test"]
            .iter()
            .chain(many)
            .filter_map(|n| rcgen::string::Ia5String::try_from(*n).ok())
            .map(rcgen::SanType::DnsName)
            .collect();
    })?;
    let certified = pki::certified(vec![leaf, ca.cert.clone()], &key)?;
    let ca_der = ca.cert.clone();
    let secure: Arc<ServerConfig> = pki::server_config(
        certified.clone(),
        ServerAuth::Required {
            root: ca.cert.clone(),
            hints: None,
        },
        &[b"http/1.1"],
    )?;
    let open: Arc<ServerConfig> = if door == Door::SniPolicyHostRoutingTls12 {
        pki::server_config_of(
            certified,
            ServerAuth::None,
            &[b"http/1.1"],
            &[&rustls::version::TLS12],
        )?
    } else {
        pki::server_config(certified, ServerAuth::None, &[b"http/1.1"])?
    };
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let seen: Seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let secure_hellos = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let hellos = secure_hellos.clone();
    let forged_by_connection: ForgedByConnection = Arc::default();
    let forged_record = forged_by_connection.clone();
    let held_requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let held_record = held_requests.clone();
    let task = tokio::spawn(async move {
        // Bounded: a scan of a name that refuses everyone makes about 200 connections (the
        // side doors' follow-ups on up to 8 names), and a test scans up to four times.
        for _ in 0..2000 {
            let Ok((tcp, _)) = listener.accept().await else {
                break;
            };
            let (secure, open, record) = (secure.clone(), open.clone(), record.clone());
            let (hellos, forged, held) =
                (hellos.clone(), forged_record.clone(), held_record.clone());
            tokio::spawn(async move {
                let work = async {
                    let acceptor = tokio_rustls::LazyConfigAcceptor::new(
                        rustls::server::Acceptor::default(),
                        tcp,
                    );
                    let Ok(start) = acceptor.await else { return };
                    let sni = start
                        .client_hello()
                        .server_name()
                        .map(str::to_ascii_lowercase);
                    let by_sni = matches!(
                        door,
                        Door::SniPolicyHostRouting
                            | Door::SniPolicyStrict
                            | Door::SniPolicyHostRoutingTls12
                            | Door::SniPolicyStrictManyNames
                    );
                    if sni.as_deref() == Some("secure.test") {
                        hellos.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    let config = if by_sni && sni.as_deref() == Some("secure.test") {
                        secure
                    } else {
                        open
                    };
                    let Ok(mut tls) = start.into_stream(config).await else {
                        return;
                    };
                    let mut buf = vec![0u8; 16 * 1024];
                    // What the connection holds past the request read (a kept-alive client's
                    // next one), and how many requests on it carried a forged verify header.
                    let mut pending: Vec<u8> = Vec::new();
                    let mut forged_here = 0usize;
                    for asked in 0..if kept == Kept::Closes { 1 } else { 200 } {
                        let end = loop {
                            if let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                                break Some(at + 4);
                            }
                            if pending.len() >= 64 * 1024 {
                                break None;
                            }
                            match tls.read(&mut buf).await {
                                Ok(0) | Err(_) => break None,
                                Ok(n) => pending.extend_from_slice(&buf[..n]),
                            }
                        };
                        let Some(end) = end else { break };
                        let head: Vec<u8> = pending.drain(..end).collect();
                        let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
                        let body_len: usize = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0)
                            .min(64 * 1024);
                        while pending.len() < body_len {
                            match tls.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => pending.extend_from_slice(&buf[..n]),
                            }
                        }
                        pending.drain(..body_len);
                        forged_here += usize::from(text.contains("\r\nx-ssl-client-verify:"));
                        if kept == Kept::HoldsLater && asked > 0 {
                            held.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            std::future::pending::<()>().await;
                        }
                        let host = text
                            .lines()
                            .find_map(|l| l.strip_prefix("host:"))
                            .map(|h| h.trim().split(':').next().unwrap_or("").to_owned())
                            .unwrap_or_default();
                        let authorization = String::from_utf8_lossy(&head).lines().find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("authorization")
                                .then(|| value.trim().to_owned())
                        });
                        record.lock().unwrap().push((host.clone(), authorization));
                        let (status, body) = match door {
                            Door::SniPolicyStrict | Door::SniPolicyStrictManyNames
                                if sni.as_deref() != Some(host.as_str()) =>
                            {
                                ("421 Misdirected Request", "misdirected")
                            }
                            Door::SniPolicyHostRouting
                            | Door::SniPolicyStrict
                            | Door::SniPolicyStrictManyNames
                            | Door::SniPolicyHostRoutingTls12 => {
                                if host == "secure.test" {
                                    ("200 OK", "the secret area")
                                } else {
                                    ("200 OK", "the public site")
                                }
                            }
                            Door::TrustsVerifyHeader => {
                                if text.contains("\r\nx-ssl-client-verify: success\r\n") {
                                    ("200 OK", "the secret area")
                                } else {
                                    ("403 Forbidden", "client certificate required")
                                }
                            }
                            Door::IgnoresHeaders => {
                                ("403 Forbidden", "client certificate required")
                            }
                            Door::TrustsVerifyHeaderOnPost { slow } => {
                                let read_only =
                                    text.starts_with("get ") || text.starts_with("head ");
                                if !read_only && slow {
                                    tokio::time::sleep(Duration::from_secs(3)).await;
                                }
                                if !read_only
                                    && text.contains("\r\nx-ssl-client-verify: success\r\n")
                                {
                                    ("200 OK", "the secret area")
                                } else {
                                    ("403 Forbidden", "client certificate required")
                                }
                            }
                            Door::TrustsVerifyHeaderRedirects => {
                                if text.contains("\r\nx-ssl-client-verify: success\r\n") {
                                    ("200 OK", "the secret area")
                                } else {
                                    ("302 Found\r\nLocation: /login", "")
                                }
                            }
                        };
                        let connection = if kept == Kept::Closes {
                            "close"
                        } else {
                            "keep-alive"
                        };
                        let answer = format!(
                            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n{body}",
                            body.len()
                        );
                        if tls.write_all(answer.as_bytes()).await.is_err() {
                            break;
                        }
                    }
                    if forged_here > 0 {
                        let version = tls.get_ref().1.protocol_version();
                        forged.lock().unwrap().push((version, forged_here));
                    }
                    let _ = tls.shutdown().await;
                };
                // (A held request is held longer than the scan's attempts wait.)
                let most = if kept == Kept::HoldsLater { 90 } else { 5 };
                let _ = tokio::time::timeout(Duration::from_secs(most), work).await;
            });
        }
    });
    Ok(Lab {
        url: format!("https://secure.test:{port}/"),
        port,
        task,
        seen,
        ca: ca_der,
        secure_hellos,
        forged_by_connection,
        held: held_requests,
    })
}

async fn scan(lab: &Lab) -> Result<TargetReport, BoxError> {
    scan_with(lab, &[]).await
}

async fn scan_with(lab: &Lab, headers: &[&str]) -> Result<TargetReport, BoxError> {
    scan_waiting(lab, headers, Duration::from_secs(3)).await
}

/// [`scan_with`], each attempt waiting up to `timeout`.
async fn scan_waiting(
    lab: &Lab,
    headers: &[&str],
    timeout: Duration,
) -> Result<TargetReport, BoxError> {
    let scanner = Scanner::new(&ScanOptions {
        timeout,
        system_roots: false,
        config_probe: false,
        extra_roots: if headers.is_empty() {
            Vec::new()
        } else {
            vec![lab.ca.clone()]
        },
        ..ScanOptions::default()
    })?;
    let mut target = Target::parse(&lab.url)?;
    let resolve: Resolve = format!("secure.test:{}:127.0.0.1", lab.port).parse()?;
    target.resolve_with(&[resolve]);
    for h in headers {
        target
            .headers
            .0
            .push(probe_core::target::ExtraHeaders::parse_one(h)?);
    }
    let report = scanner.scan(&[target]).await;
    Ok(report.targets.into_iter().next().ok_or("no target")?)
}

/// What a scan of a server trusting a forged `X-SSL-Client-Verify` (`open`) and one of a server
/// refusing every request (`closed`) must say: the header named on the first; no such finding
/// and nothing incomplete on the second. `run` names the scans in a failure.
fn assert_header_door_named_only_where_open(open: &TargetReport, closed: &TargetReport, run: &str) {
    let f = finding(open, FindingId::ClientCertHeaderSpoofing).unwrap_or_else(|| {
        panic!(
            "{run}: not found: {:#?} {:#?}",
            open.findings, open.incomplete
        )
    });
    assert!(
        f.detail.contains("Let in by: X-SSL-Client-Verify"),
        "{run}: {}",
        f.detail
    );
    assert!(
        finding(closed, FindingId::ClientCertHeaderSpoofing).is_none(),
        "{run}: {:#?}",
        closed.findings
    );
    assert!(
        closed.incomplete.is_empty(),
        "{run}: {:#?}",
        closed.incomplete
    );
}

fn finding(t: &TargetReport, id: FindingId) -> Option<&probe_core::finding::Finding> {
    t.findings.iter().find(|f| f.id == id).map(|f| &f.finding)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sni_chosen_policy_with_host_routing_is_found_and_the_strict_control_is_clean(
) -> Result<(), BoxError> {
    let open_door = start(Door::SniPolicyHostRouting).await?;
    let strict = start(Door::SniPolicyStrict).await?;
    for run in 1..=3 {
        let t = scan(&open_door).await?;
        assert_eq!(
            t.client_auth,
            probe_core::verdict::ClientAuth::Required,
            "run {run}: {:?}",
            t.error
        );
        let f = finding(&t, FindingId::SniHostMismatchBypass)
            .unwrap_or_else(|| panic!("run {run}: not found: {:#?}", t.findings));
        // The trigger is in the evidence: the sibling name from the certificate, and no SNI.
        let key = format!("SNI public.test + Host secure.test:{}", open_door.port);
        assert!(
            f.evidence
                .get(&key)
                .is_some_and(|e| e.contains("HTTP 200") && e.contains("the secret area")),
            "run {run}: {:#?}",
            f.evidence
        );
        assert!(f.detail.contains("public.test"), "{}", f.detail);
        assert!(t.grade <= probe_core::grade::Grade::F);

        let c = scan(&strict).await?;
        assert!(
            finding(&c, FindingId::SniHostMismatchBypass).is_none(),
            "run {run}: false finding on the strict control: {:#?}",
            c.findings
        );
        // Clean: no finding, complete; B at best only for the probes that need an identity.
        assert!(
            c.findings.is_empty() && c.incomplete.is_empty(),
            "{:#?}",
            c.findings
        );
        assert_eq!(c.grade, probe_core::grade::Grade::B, "{:#?}", c.findings);
        assert!(
            c.notes.iter().any(|n| n.starts_with("graded B at best")),
            "{:?}",
            c.notes
        );
        assert!(
            c.sni_names_tried.iter().any(|n| n == "SNI public.test"),
            "{:?}",
            c.sni_names_tried
        );
    }
    Ok(())
}

/// Sessions from twelve other names, none of which the protected name resumes (its own session
/// cache): every name's session is offered, none left in silence, and the strict server has no
/// finding. Before, sessions from three names were offered and the rest never tried (a server
/// whose names keep session keys of their own, but for one that shares the protected name's,
/// would have passed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_names_session_is_offered_past_the_old_cap_of_three() -> Result<(), BoxError> {
    let lab = start(Door::SniPolicyStrictManyNames).await?;
    let t = scan(&lab).await?;
    assert!(
        finding(&t, FindingId::SessionResumptionBypass).is_none(),
        "{:#?}",
        t.findings
    );
    assert!(
        !t.skipped_probes
            .iter()
            .any(|s| s.id.as_str() == "session-resumption-bypass"),
        "{:#?}",
        t.skipped_probes
    );
    let hellos = lab.secure_hellos.load(std::sync::atomic::Ordering::Relaxed);
    // Every name's session offered on both versions: 55 ClientHellos for `secure.test` when
    // this was written, against 31 with three names' sessions per version.
    assert!(
        hellos >= 45,
        "{hellos} ClientHellos with the SNI secure.test"
    );
    Ok(())
}

/// The other names speak TLS 1.2 only: on TLS 1.3 they refuse the version, which is no shut
/// door; on TLS 1.2 they serve the protected `Host` (before, the names were tried on TLS 1.3
/// alone and the scan graded A).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_door_open_on_an_older_version_only_is_found() -> Result<(), BoxError> {
    use probe_core::facts::TlsVersion;
    let lab = start(Door::SniPolicyHostRoutingTls12).await?;
    for run in 1..=3 {
        let t = scan(&lab).await?;
        let f = finding(&t, FindingId::SniHostMismatchBypass)
            .unwrap_or_else(|| panic!("run {run}: not found: {:#?}", t.findings));
        assert_eq!(f.tls_versions, [TlsVersion::Tls12], "run {run}");
        let key = format!("SNI public.test + Host secure.test:{}", lab.port);
        assert!(
            f.evidence
                .get(&key)
                .is_some_and(|e| e.contains("HTTP 200") && e.contains("the secret area")),
            "run {run}: {:#?}",
            f.evidence
        );
        let refused = format!("TLS 1.3: SNI public.test + Host secure.test:{}", lab.port);
        assert!(
            f.evidence
                .get(&refused)
                .is_some_and(|e| e.contains("alert")),
            "run {run}: {:#?}",
            f.evidence
        );
        assert!(t.grade <= probe_core::grade::Grade::F);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_forwarded_verify_header_is_found_and_named() -> Result<(), BoxError> {
    let trusting = start(Door::TrustsVerifyHeader).await?;
    let careful = start(Door::IgnoresHeaders).await?;
    for run in 1..=3 {
        let t = scan(&trusting).await?;
        let f = finding(&t, FindingId::ClientCertHeaderSpoofing)
            .unwrap_or_else(|| panic!("run {run}: not found: {:#?}", t.findings));
        assert!(
            f.detail.contains("Let in by: X-SSL-Client-Verify"),
            "run {run}: {}",
            f.detail
        );
        assert!(f
            .evidence
            .get("only X-Client-Verify")
            .is_some_and(|e| e.contains("HTTP 403")));
        let c = scan(&careful).await?;
        assert!(
            finding(&c, FindingId::ClientCertHeaderSpoofing).is_none(),
            "run {run}: {:#?}",
            c.findings
        );
        // The careful server is reached: its anonymous refusal is what the probe tried to get around.
        assert!(c
            .findings
            .iter()
            .any(|f| f.id == FindingId::ClientCertNotRequested));
    }
    Ok(())
}

/// A server that keeps its connections open: the forged headers' requests share connections (a
/// batch of each verify value on each, not one connection per request, nor one for all), and
/// what they find is the same: the trusted header named on the trusting server, nothing on the
/// careful one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_headers_share_a_kept_alive_connection_and_find_the_same() -> Result<(), BoxError> {
    let trusting = start_kept(Door::TrustsVerifyHeader, Kept::KeepsAlive).await?;
    let careful = start_kept(Door::IgnoresHeaders, Kept::KeepsAlive).await?;
    for run in 1..=2 {
        let t = scan(&trusting).await?;
        let c = scan(&careful).await?;
        assert_header_door_named_only_where_open(&t, &c, &format!("run {run}"));
    }
    // The careful server refused every forged request. Every batch carries the verify header
    // (one of two values), so each batch of a value went on a connection of its own, the other
    // value's batch of the same rank after it: no connection carried more than two (a balancer
    // that picks a backend per connection is sampled by each batch; one connection carrying
    // them all passed a 50/50 fleet in 6 scans of 10), and some carried two (a debug build under
    // load may spill the second onto a connection of its own, by design).
    // TLS 1.2, answered alike, gets them after on at most two connections a scan (a second
    // look: a proxy may route a version to a backend of its own).
    let on = |v: rustls::ProtocolVersion| -> Vec<usize> {
        let forged = careful.forged_by_connection.lock().unwrap();
        forged
            .iter()
            .filter(|(p, _)| *p == Some(v))
            .map(|(_, n)| *n)
            .collect()
    };
    let (newest, older) = (
        on(rustls::ProtocolVersion::TLSv1_3),
        on(rustls::ProtocolVersion::TLSv1_2),
    );
    assert!(newest.iter().sum::<usize>() >= 2 * 14, "{newest:?}");
    assert!(newest.iter().all(|&n| n <= 2), "{newest:?}");
    assert!(newest.contains(&2), "{newest:?}");
    assert!(older.iter().sum::<usize>() >= 2 * 14, "{older:?}");
    assert!(older.len() <= 2 * 2, "{older:?}");
    Ok(())
}

/// A proxy that checks GET and HEAD and routes the other methods to a legacy backend trusting the
/// client's own verify header: the forged headers' second look as a POST finds it; where that
/// backend answers slower than the scan's time-out, the look goes unanswered and the target is
/// incomplete, never passed (review A: A, exit 0, the unanswered look said in a note).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_second_look_as_a_post_leaves_the_target_incomplete() -> Result<(), BoxError>
{
    let quick = start(Door::TrustsVerifyHeaderOnPost { slow: false }).await?;
    let slow = start(Door::TrustsVerifyHeaderOnPost { slow: true }).await?;
    let (q, s) = tokio::join!(
        scan_waiting(&quick, &[], Duration::from_secs(1)),
        scan_waiting(&slow, &[], Duration::from_secs(1))
    );
    let (q, s) = (q?, s?);
    let f = finding(&q, FindingId::ClientCertHeaderSpoofing)
        .unwrap_or_else(|| panic!("not found: {:#?} {:#?}", q.findings, q.incomplete));
    assert!(f.detail.contains("POST"), "{}", f.detail);
    assert!(
        finding(&s, FindingId::ClientCertHeaderSpoofing).is_none(),
        "{:#?}",
        s.findings
    );
    assert!(
        s.incomplete
            .iter()
            .any(|i| i.probe == "client-cert-header-spoofing"
                && i.reason.contains("a second look as a POST")),
        "{:#?} {:?}",
        s.incomplete,
        s.notes
    );
    Ok(())
}

/// A server that answers a connection's first request and holds the next one unanswered, the
/// connection open: the held requests are asked again on connections of their own at once, not
/// after the attempt's time-out (which left the forged-header doors ~10 s each with the default
/// `--timeout`), and the verdicts are those of a server that answers every request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_held_on_a_kept_alive_connection_is_asked_again_alone() -> Result<(), BoxError> {
    let trusting = start_kept(Door::TrustsVerifyHeader, Kept::HoldsLater).await?;
    let careful = start_kept(Door::IgnoresHeaders, Kept::HoldsLater).await?;
    // Each attempt may wait 60 s: a scan that waited for a held answer until its time-out
    // (7/8 of it) would take over 52 s.
    let timeout = Duration::from_secs(60);
    let started = std::time::Instant::now();
    let t = scan_waiting(&trusting, &[], timeout).await?;
    let c = scan_waiting(&careful, &[], timeout).await?;
    let took = started.elapsed();
    assert_header_door_named_only_where_open(&t, &c, "HTTP/1.1, later requests held");
    // The scans did meet held requests, and waited for none until the time-out.
    let held = careful.held.load(std::sync::atomic::Ordering::Relaxed);
    assert!(held > 0, "no request was held");
    assert!(took < Duration::from_secs(40), "two scans took {took:?}");
    Ok(())
}

/// An HTTP/2 server (hyper, `h2` and `http/1.1` offered) that asks for no certificate and refuses
/// every request with 403, unless `trusting` and it carries `X-SSL-Client-Verify: SUCCESS`; with
/// the requests carrying a forged `X-SSL-Client-Verify` counted per connection, and each
/// connection's ALPN.
struct H2Lab {
    url: String,
    port: u16,
    task: tokio::task::JoinHandle<()>,
    /// Per connection that carried any forged request: its ALPN, how many forged requests it
    /// carried and how many requests without forged headers.
    forged_by_connection: H2Connections,
    /// Requests held unanswered ([`Holds`]).
    held: Arc<std::sync::atomic::AtomicUsize>,
    /// Connections that negotiated h2.
    accepted_h2: Arc<std::sync::atomic::AtomicUsize>,
}

/// Per connection that carried forged headers: its TLS version, and how many it carried.
type ForgedByConnection = Arc<std::sync::Mutex<Vec<(Option<rustls::ProtocolVersion>, usize)>>>;

/// Per connection of an [`H2Lab`] that carried any forged request: its ALPN, how many forged
/// requests it carried and how many requests without forged headers.
type H2Connections = Arc<std::sync::Mutex<Vec<(Option<Vec<u8>>, usize, usize)>>>;

impl Drop for H2Lab {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Which requests an [`H2Lab`] holds unanswered, the connection open.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Holds {
    /// None.
    Nothing,
    /// Each request after a connection's first (an h2 stream, or an HTTP/1.1 request).
    Later,
    /// An h2 connection's first stream, where another comes within 100 ms (the others
    /// answered): a server serving each stream on a task of its own may answer any first.
    FirstOfMany,
    /// The body of each request after a connection's first: its head is sent at once, then
    /// a first piece of the page, then nothing.
    LaterBodies,
    /// The end of each h2 stream after a connection's first: its head (with its length) and its
    /// whole page at once, the stream's end 800 ms later (as a Node server was seen to).
    LaterEnds,
}

async fn start_h2(trusting: bool, holds: Holds) -> Result<H2Lab, BoxError> {
    use hyper::service::service_fn;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let ca = pki::ca("h2 side-door CA")?;
    let (leaf, key) = pki::leaf(&ca, |p| {
        p.subject_alt_names = rcgen::string::Ia5String::try_from("secure.test")
            .map(rcgen::SanType::DnsName)
            .into_iter()
            .collect();
    })?;
    let certified = pki::certified(vec![leaf, ca.cert.clone()], &key)?;
    let config = pki::server_config(certified, ServerAuth::None, &[b"h2", b"http/1.1"])?;
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let forged_by_connection: H2Connections = Arc::default();
    let record = forged_by_connection.clone();
    let held = Arc::new(AtomicUsize::new(0));
    let held_record = held.clone();
    let accepted_h2 = Arc::new(AtomicUsize::new(0));
    let h2_here = accepted_h2.clone();
    let task = tokio::spawn(async move {
        // Bounded, as `start`'s.
        for _ in 0..2000 {
            let Ok((tcp, _)) = listener.accept().await else {
                break;
            };
            let (acceptor, record) = (acceptor.clone(), record.clone());
            let held_here = held_record.clone();
            let h2_here = h2_here.clone();
            tokio::spawn(async move {
                let work = async {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                    if alpn.as_deref() == Some(&b"h2"[..]) {
                        h2_here.fetch_add(1, Ordering::Relaxed);
                    }
                    let (forged, plain) =
                        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
                    let (counted, counted_plain) = (forged.clone(), plain.clone());
                    let (asked, _) = tokio::sync::watch::channel(0usize);
                    let asked = Arc::new(asked);
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let verify = req
                            .headers()
                            .get("x-ssl-client-verify")
                            .map(|v| v.as_bytes().to_vec());
                        // Every forged family's names hold `client` or `ssl` (the verify
                        // headers, the `_` names, mod_ssl's, the address families' batches
                        // beside the verify headers); a request without them is a plain one.
                        let any_forged = req
                            .headers()
                            .keys()
                            .any(|n| n.as_str().contains("client") || n.as_str().contains("ssl"));
                        if any_forged {
                            counted.fetch_add(1, Ordering::Relaxed);
                        } else {
                            counted_plain.fetch_add(1, Ordering::Relaxed);
                        }
                        let (status, body) = if trusting && verify.as_deref() == Some(b"SUCCESS") {
                            (200, "the secret area")
                        } else {
                            (403, "client certificate required")
                        };
                        let mut index = 0;
                        asked.send_modify(|n| {
                            index = *n;
                            *n += 1;
                        });
                        let h2 = req.version() == hyper::Version::HTTP_2;
                        let mut others = asked.subscribe();
                        let held_here = held_here.clone();
                        async move {
                            if holds == Holds::LaterBodies && index > 0 {
                                held_here.fetch_add(1, Ordering::Relaxed);
                                let first = futures_util::stream::once(async move {
                                    Ok::<_, std::convert::Infallible>(hyper::body::Frame::data(
                                        bytes::Bytes::from(&body[..6]),
                                    ))
                                });
                                let held = futures_util::StreamExt::chain(
                                    first,
                                    futures_util::stream::pending(),
                                );
                                return hyper::Response::builder().status(status).body(
                                    http_body_util::BodyExt::boxed(
                                        http_body_util::StreamBody::new(held),
                                    ),
                                );
                            }
                            if holds == Holds::LaterEnds && h2 && index > 0 {
                                held_here.fetch_add(1, Ordering::Relaxed);
                                let page = futures_util::stream::once(async move {
                                    Ok::<_, std::convert::Infallible>(hyper::body::Frame::data(
                                        bytes::Bytes::from(body),
                                    ))
                                });
                                let late_end = futures_util::StreamExt::filter_map(
                                    futures_util::stream::once(tokio::time::sleep(
                                        Duration::from_millis(800),
                                    )),
                                    |()| async {
                                        None::<
                                            Result<
                                                hyper::body::Frame<bytes::Bytes>,
                                                std::convert::Infallible,
                                            >,
                                        >
                                    },
                                );
                                return hyper::Response::builder()
                                    .status(status)
                                    .header(hyper::header::CONTENT_LENGTH, body.len())
                                    .body(http_body_util::BodyExt::boxed(
                                        http_body_util::StreamBody::new(
                                            futures_util::StreamExt::chain(page, late_end),
                                        ),
                                    ));
                            }
                            let hold = match holds {
                                Holds::Nothing | Holds::LaterBodies | Holds::LaterEnds => false,
                                Holds::Later => index > 0,
                                Holds::FirstOfMany => {
                                    h2 && index == 0
                                        && tokio::time::timeout(
                                            Duration::from_millis(100),
                                            others.wait_for(|n| *n > 1),
                                        )
                                        .await
                                        .is_ok_and(|seen| seen.is_ok())
                                }
                            };
                            if hold {
                                held_here.fetch_add(1, Ordering::Relaxed);
                                std::future::pending::<()>().await;
                            }
                            hyper::Response::builder().status(status).body(
                                http_body_util::BodyExt::boxed(http_body_util::Full::new(
                                    bytes::Bytes::from(body),
                                )),
                            )
                        }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    )
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
                    let n = forged.load(Ordering::Relaxed);
                    if n > 0 {
                        record
                            .lock()
                            .unwrap()
                            .push((alpn, n, plain.load(Ordering::Relaxed)));
                    }
                };
                // (A held request is held longer than the scan's attempts wait.)
                let most = if holds == Holds::Nothing { 10 } else { 90 };
                let _ = tokio::time::timeout(Duration::from_secs(most), work).await;
            });
        }
    });
    Ok(H2Lab {
        url: format!("https://secure.test:{port}/"),
        port,
        task,
        forged_by_connection,
        held,
        accepted_h2,
    })
}

async fn scan_h2(lab: &H2Lab) -> Result<TargetReport, BoxError> {
    scan_h2_waiting(lab, Duration::from_secs(3)).await
}

/// [`scan_h2`], each attempt waiting up to `timeout`.
async fn scan_h2_waiting(lab: &H2Lab, timeout: Duration) -> Result<TargetReport, BoxError> {
    let scanner = Scanner::new(&ScanOptions {
        timeout,
        system_roots: false,
        config_probe: false,
        ..ScanOptions::default()
    })?;
    let mut target = Target::parse(&lab.url)?;
    let resolve: Resolve = format!("secure.test:{}:127.0.0.1", lab.port).parse()?;
    target.resolve_with(&[resolve]);
    let report = scanner.scan(&[target]).await;
    Ok(report.targets.into_iter().next().ok_or("no target")?)
}

/// An h2 stream whose whole page came, its length as announced, is read whole however late the
/// stream's end follows: not cut as held and asked again on a connection of its own (a Node
/// server ending its streams 800 ms after their last byte cost a connection per stream).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_pages_whole_by_their_length_are_not_asked_again() -> Result<(), BoxError> {
    let prompt = start_h2(false, Holds::Nothing).await?;
    let late = start_h2(false, Holds::LaterEnds).await?;
    let p = scan_h2(&prompt).await?;
    let l = scan_h2(&late).await?;
    let ids = |t: &TargetReport| {
        let mut ids: Vec<String> = t.findings.iter().map(|f| f.id.to_string()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&p), ids(&l), "the same findings");
    assert_eq!((p.grade, p.incomplete.len()), (l.grade, l.incomplete.len()));
    let ended_late = late.held.load(std::sync::atomic::Ordering::Relaxed);
    assert!(ended_late > 0, "no stream ended late");
    // Over h2 alone: the forged headers' second look over HTTP/1.1 carries its requests on one
    // connection while the answers come quickly, so its connections vary with the machine's load.
    let count = |lab: &H2Lab| lab.accepted_h2.load(std::sync::atomic::Ordering::Relaxed);
    let (prompt_conns, late_conns) = (count(&prompt), count(&late));
    eprintln!(
        "connections: {prompt_conns} to the prompt server, {late_conns} to the late one \
         ({ended_late} streams ended late)"
    );
    // Each stream asked again would be a connection more.
    assert!(
        late_conns <= prompt_conns + 2,
        "{late_conns} connections against {prompt_conns}: streams ended late were asked again"
    );
    Ok(())
}

/// Over HTTP/2 the forged headers' requests go as streams of one connection, each with its own
/// headers: the trusting server's door is found and named as over HTTP/1.1, the careful server
/// stays clean, and its forged requests shared an h2 connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_headers_as_h2_streams_find_the_same() -> Result<(), BoxError> {
    let trusting = start_h2(true, Holds::Nothing).await?;
    let careful = start_h2(false, Holds::Nothing).await?;
    let t = scan_h2(&trusting).await?;
    let c = scan_h2(&careful).await?;
    assert_header_door_named_only_where_open(&t, &c, "h2");
    // Each stream carried its own request's headers: a connection of several forged requests
    // carried no request without them (headers handed to the wrong stream, or to none, would
    // leave one bare).
    let forged = careful.forged_by_connection.lock().unwrap().clone();
    assert!(
        forged
            .iter()
            .any(|(alpn, n, _)| alpn.as_deref() == Some(&b"h2"[..]) && *n >= 2),
        "{forged:?}"
    );
    assert!(
        forged
            .iter()
            .filter(|(_, n, _)| *n >= 2)
            .all(|(_, _, plain)| *plain == 0),
        "{forged:?}"
    );
    assert!(
        forged.iter().map(|(_, n, _)| n).sum::<usize>() >= 20,
        "{forged:?}"
    );
    Ok(())
}

/// The user's headers (`--header`, a token) go to the target's own `Host` only: never to the other
/// names the SNI/Host probe asks with their own `Host` (another site behind the certificate).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_headers_never_go_to_another_host() -> Result<(), BoxError> {
    let lab = start(Door::SniPolicyHostRouting).await?;
    let t = scan_with(&lab, &["Authorization: Bearer side-door-secret"]).await?;
    assert!(
        finding(&t, FindingId::SniHostMismatchBypass).is_some(),
        "the door itself is still found: {:?}",
        t.findings.iter().map(|f| f.id).collect::<Vec<_>>()
    );
    let seen = lab.seen.lock().unwrap().clone();
    let token = Some("Bearer side-door-secret".to_owned());
    let own = seen.iter().filter(|(h, _)| h == "secure.test");
    assert!(
        own.clone().count() > 0 && own.clone().all(|(_, a)| *a == token),
        "{seen:?}"
    );
    let other: Vec<_> = seen.iter().filter(|(h, _)| h != "secure.test").collect();
    assert!(
        !other.is_empty(),
        "no request with another Host was made: {seen:?}"
    );
    assert!(other.iter().all(|(_, a)| a.is_none()), "{other:?}");
    Ok(())
}

/// An application that redirects anonymous clients to its login page (302) and trusts a forwarded
/// verify header: the side doors run on any answer that did not serve, not only on 401/403.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_header_behind_a_login_redirect_is_found() -> Result<(), BoxError> {
    let lab = start(Door::TrustsVerifyHeaderRedirects).await?;
    let t = scan(&lab).await?;
    let f = finding(&t, FindingId::ClientCertHeaderSpoofing)
        .unwrap_or_else(|| panic!("not found: {:#?}", t.findings));
    assert!(
        f.detail.contains("did not serve the request (HTTP 302)")
            && f.detail.contains("Let in by: X-SSL-Client-Verify"),
        "{}",
        f.detail
    );
    assert_eq!(t.grade, probe_core::grade::Grade::F);
    Ok(())
}

/// The same server holding requests: every request after a connection's first, or an h2
/// connection's first stream where others came (they answered first, as a server serving each
/// stream on a task of its own may), or the bodies of the requests after a connection's first
/// (their heads sent). The held streams are asked again on connections of their own soon after
/// the connection's latest answer, not after the attempt's time-out (nor, for held bodies, after
/// 2 s a stream), and the verdicts are the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_streams_held_are_asked_again_alone() -> Result<(), BoxError> {
    for holds in [Holds::Later, Holds::FirstOfMany, Holds::LaterBodies] {
        let trusting = start_h2(true, holds).await?;
        let careful = start_h2(false, holds).await?;
        // A scan that waited for a held stream until its time-out (7/8 of 60 s) would take over
        // 52 s.
        let timeout = Duration::from_secs(60);
        let started = std::time::Instant::now();
        let t = scan_h2_waiting(&trusting, timeout).await?;
        let c = scan_h2_waiting(&careful, timeout).await?;
        let took = started.elapsed();
        eprintln!("{holds:?} held: two scans took {took:?}");
        assert_header_door_named_only_where_open(&t, &c, &format!("h2, {holds:?} held"));
        let held = careful.held.load(std::sync::atomic::Ordering::Relaxed);
        assert!(held > 0, "{holds:?}: no request was held");
        // The held streams went on h2 connections: the h2 path was the one tried.
        let h2_forged = careful
            .forged_by_connection
            .lock()
            .unwrap()
            .iter()
            .any(|(alpn, _, _)| alpn.as_deref() == Some(&b"h2"[..]));
        assert!(h2_forged, "{holds:?}: no forged request over h2");
        // Held bodies read one after another waited 2 s a stream: 33.6 s for the two scans,
        // against 6.2 s read side by side at one pace (20 s leaves room for a loaded runner).
        let most = if holds == Holds::LaterBodies { 20 } else { 40 };
        assert!(
            took < Duration::from_secs(most),
            "{holds:?}: two scans took {took:?}"
        );
    }
    Ok(())
}
