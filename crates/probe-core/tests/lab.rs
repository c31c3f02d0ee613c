//! Every probe and verdict against the in-process lab (real rustls servers on 127.0.0.1).

use std::time::Duration;

#[path = "support/ports.rs"]
mod ports;

use mtls_lab::LabCase;
use probe_core::engine::{ScanOptions, Scanner};
use probe_core::facts::{Outcome, TlsVersion};
use probe_core::finding::FindingId;
use probe_core::probe::ProbeId;
use probe_core::target::Target;
use probe_core::verdict::{ClientAuth, Layer};

/// Every lab server as a scan target.
fn targets(lab: &mtls_lab::Lab) -> Result<Vec<Target>, probe_core::error::ScanError> {
    lab.servers.iter().map(|s| Target::parse(&s.url)).collect()
}

fn options() -> ScanOptions {
    ScanOptions {
        timeout: Duration::from_secs(5),
        system_roots: false,
        ..ScanOptions::default()
    }
}

#[tokio::test]
async fn every_lab_case_gets_its_basic_verdict() -> Result<(), Box<dyn std::error::Error>> {
    let lab = mtls_lab::start(&LabCase::ALL).await?;
    let targets = targets(&lab)?;
    let report = Scanner::new(&options())?.scan(&targets).await;
    for (server, t) in lab.servers.iter().zip(&report.targets) {
        let want = server.case.expected();
        assert_eq!(t.error, None, "{}", server.case.name());
        // Any CA in TLS, the application allows a subject: without client-cert, whose subject
        // the bad certificates would claim, whether it checks the name cannot be told.
        let unsettled = server.case == LabCase::SubjectAuthorized;
        assert_eq!(
            t.incomplete
                .iter()
                .map(|i| i.probe.as_str())
                .collect::<Vec<_>>(),
            if unsettled {
                vec!["untrusted-client-cert"; 2]
            } else if server.case == LabCase::HostGuardAsWritten {
                // Another spelling of the Host served: without the page the valid certificate
                // gets, whether it is the protected one cannot be told (never passed).
                vec!["host-form-bypass"; 2]
            } else if server.case == LabCase::PathGuardAsWritten {
                // The same for `/%61dmin/orders`, `//admin/orders`, `/./admin/orders`,
                // `/ADMIN/orders`, `/ADMIN/ORDERS` and `/admin%2Forders`.
                vec!["path-form-bypass"; 6]
            } else if server.case == LabCase::CheckedOncePerConnection {
                // The second request on a connection served (on each version): without the page
                // the valid certificate gets, whether it is the protected one cannot be told.
                vec!["second-request-bypass"; 2]
            } else {
                Vec::new()
            },
            "{}: {:?}",
            server.case.name(),
            t.incomplete
        );
        let got_auth = serde_json::to_value(t.client_auth)?;
        assert_eq!(
            got_auth,
            want.client_auth,
            "client_auth of {}",
            server.case.name()
        );
        let mut roots: Vec<String> = t
            .findings
            .iter()
            .filter(|f| f.implied_by.is_none())
            .map(|f| f.id.to_string())
            .collect();
        roots.sort();
        let mut expected: Vec<String> = want.basic.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(roots, expected, "root findings of {}", server.case.name());
        assert_eq!(
            t.tls_versions,
            vec![TlsVersion::Tls13, TlsVersion::Tls12],
            "{}",
            server.case.name()
        );
    }
    Ok(())
}

fn deep_options(lab: &mtls_lab::Lab) -> ScanOptions {
    ScanOptions {
        identities: probe_core::engine::IdentityInputs {
            client_cert_pem: Some(lab.pki.client_cert_pem.clone()),
            client_key_pem: Some(lab.pki.client_key_pem.clone()),
            issuing_ca_cert_pem: Some(lab.pki.ca_cert_pem.clone()),
            issuing_ca_key_pem: Some(lab.pki.ca_key_pem.clone()),
        },
        ..options()
    }
}

#[tokio::test]
async fn every_lab_case_gets_its_deep_verdict_on_both_versions(
) -> Result<(), Box<dyn std::error::Error>> {
    use probe_core::verdict::Verification;
    let lab = mtls_lab::start(&LabCase::ALL).await?;
    let targets = targets(&lab)?;
    // The lab CA as the server certificates' anchor, as `--ca-file` and the demo give it.
    let options = ScanOptions {
        extra_roots: probe_core::identity::parse_certs(&lab.pki.ca_cert_pem, "lab CA")?,
        ..deep_options(&lab)
    };
    let report = Scanner::new(&options)?.scan(&targets).await;
    assert_eq!(report.targets.len(), lab.servers.len());
    for (server, t) in lab.servers.iter().zip(&report.targets) {
        let want = server.case.expected();
        let name = server.case.name();
        assert!(t.incomplete.is_empty(), "{name}: {:?}", t.incomplete);
        let mut roots: Vec<String> = t
            .findings
            .iter()
            .filter(|f| f.implied_by.is_none())
            .map(|f| f.id.to_string())
            .collect();
        roots.sort();
        let expected: Vec<String> = want.deep_roots().iter().map(|s| s.to_string()).collect();
        assert_eq!(roots, expected, "root findings of {name}");
        // The whole verdict: the grade and every finding, implied ones included.
        let whole = server.case.deep_verdict();
        let mut every: Vec<String> = t.findings.iter().map(|f| f.id.to_string()).collect();
        every.sort();
        assert_eq!(every, whole.findings, "every finding of {name}");
        assert_eq!(t.grade.to_string(), whole.grade, "grade of {name}");
        // Every finding holds on both versions: the lab's servers behave the same on each. The
        // configuration leak is read once, over the version the server picks, and the SNI and
        // header side doors are tried on one version (the newest the protected name refuses on).
        for f in t.findings.iter().filter(|f| {
            !matches!(
                f.id,
                FindingId::TlsConfigExposed
                    | FindingId::SniHostMismatchBypass
                    | FindingId::ClientCertHeaderSpoofing
            )
        }) {
            assert_eq!(
                f.tls_versions.len(),
                2,
                "{name}: {} on {:?}",
                f.id,
                f.tls_versions
            );
        }
        if want.client_auth != "none" {
            assert_eq!(
                t.verification,
                Verification::Verified,
                "positive control of {name}"
            );
        }
        assert!(
            t.skipped_probes.is_empty(),
            "{name}: {:?}",
            t.skipped_probes
        );
    }
    // Implied findings are kept, each with its own id, and point at the root cause.
    let issuer_only = &report.targets[5];
    let implied: Vec<_> = issuer_only
        .findings
        .iter()
        .filter_map(|f| f.implied_by.map(|b| (f.id, b)))
        .collect();
    assert!(
        implied.contains(&(
            FindingId::ExpiredClientCertAccepted,
            FindingId::ForgedClientCertAccepted
        )),
        "{implied:?}"
    );
    let accept_any = &report.targets[3];
    let forged = accept_any
        .findings
        .iter()
        .find(|f| f.id == FindingId::ForgedClientCertAccepted);
    assert_eq!(
        forged.and_then(|f| f.implied_by),
        Some(FindingId::UntrustedClientCertAccepted)
    );
    assert_eq!(accept_any.score, 40, "the root cause is counted once");
    // No key material anywhere in the report.
    let json = serde_json::to_string(&report)?;
    assert!(
        !json.contains("PRIVATE KEY")
            && !json.contains(lab.pki.client_key_pem.lines().nth(1).unwrap_or("x"))
    );
    Ok(())
}

#[tokio::test]
async fn positive_control_refused_is_reported_not_passed() -> Result<(), Box<dyn std::error::Error>>
{
    use probe_core::verdict::Verification;
    // Two labs: the scanner presents lab A's identity to lab B's correct server, which refuses it.
    let lab_a = mtls_lab::start(&[LabCase::RequiredVerified]).await?;
    let lab_b = mtls_lab::start(&[LabCase::RequiredVerified]).await?;
    let report = Scanner::new(&deep_options(&lab_a))?
        .scan(&[Target::parse(&lab_b.servers[0].url)?])
        .await;
    let t = &report.targets[0];
    assert_eq!(t.verification, Verification::Unverified);
    let ids: Vec<FindingId> = t.findings.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![FindingId::EnforcementUnverified]);
    assert_ne!(
        t.grade,
        probe_core::grade::Grade::A,
        "an unverified scan never reads as secure"
    );
    Ok(())
}

/// `client-cert` from a CA the server does not take, beside a staging CA it does: the staging CA's
/// certificate standing in for the refused one is served, so enforcement is verified with it (A,
/// no `enforcement-unverified`), and a note says `client-cert` itself was refused (review C:
/// revoked, non-clientAuth and other-department identities on correct servers were B).
#[tokio::test]
async fn a_refused_client_cert_beside_a_served_stand_in_is_verified(
) -> Result<(), Box<dyn std::error::Error>> {
    use probe_core::verdict::Verification;
    let lab_a = mtls_lab::start(&[LabCase::RequiredVerified]).await?;
    let lab_b = mtls_lab::start(&[LabCase::RequiredVerified]).await?;
    let options = ScanOptions {
        identities: probe_core::engine::IdentityInputs {
            client_cert_pem: Some(lab_a.pki.client_cert_pem.clone()),
            client_key_pem: Some(lab_a.pki.client_key_pem.clone()),
            issuing_ca_cert_pem: Some(lab_b.pki.ca_cert_pem.clone()),
            issuing_ca_key_pem: Some(lab_b.pki.ca_key_pem.clone()),
        },
        ..options()
    };
    let report = Scanner::new(&options)?
        .scan(&[Target::parse(&lab_b.servers[0].url)?])
        .await;
    let t = &report.targets[0];
    let ids: Vec<FindingId> = t.findings.iter().map(|f| f.id).collect();
    assert_eq!(
        t.verification,
        Verification::Verified,
        "{ids:?} {:?}",
        t.notes
    );
    assert!(ids.is_empty(), "{ids:?}");
    assert_eq!(t.grade, probe_core::grade::Grade::A, "{:?}", t.incomplete);
    assert!(
        t.notes
            .iter()
            .any(|n| n.contains("`client-cert` was refused")
                && n.contains("standing in for it was served")),
        "{:?}",
        t.notes
    );
    Ok(())
}

#[tokio::test]
async fn forged_probe_without_any_name_is_skipped_with_a_reason(
) -> Result<(), Box<dyn std::error::Error>> {
    // The accept-any lab advertises its CA name; without identity flags the forged probe uses it.
    // (A server that advertises none gets the probe skipped with a reason: tests/unreadable.rs.)
    let lab = mtls_lab::start(&[LabCase::IssuerNameOnly]).await?;
    let report = Scanner::new(&options())?
        .scan(&[Target::parse(&lab.servers[0].url)?])
        .await;
    let t = &report.targets[0];
    // Even without any identity flags, the forged probe copies the advertised name and gets in.
    assert!(t
        .findings
        .iter()
        .any(|f| f.id == FindingId::ForgedClientCertAccepted && f.implied_by.is_none()));
    let skipped: Vec<ProbeId> = t.skipped_probes.iter().map(|s| s.id).collect();
    assert!(
        skipped.contains(&ProbeId::VALID_CLIENT_CERT)
            && skipped.contains(&ProbeId::EXPIRED_CLIENT_CERT)
    );
    Ok(())
}

#[tokio::test]
async fn refusals_are_observed_per_version() -> Result<(), Box<dyn std::error::Error>> {
    let lab = mtls_lab::start(&[
        LabCase::RequiredVerified,
        LabCase::NoClientAuth,
        LabCase::OptionalApp403,
    ])
    .await?;
    let targets = targets(&lab)?;
    let report = Scanner::new(&options())?.scan(&targets).await;

    let required = &report.targets[0];
    assert_eq!(required.client_auth, ClientAuth::Required);
    assert_eq!(required.enforced_at, Some(Layer::Tls));
    let nc13 = required
        .probes
        .iter()
        .find(|p| p.id == ProbeId::NO_CLIENT_CERT && p.tls_version == TlsVersion::Tls13);
    let nc13 = nc13.ok_or("no TLS 1.3 baseline probe")?;
    // TLS 1.3: the handshake completes and the alert comes on the first read.
    assert_eq!(nc13.outcome, Outcome::RefusedTls);
    assert_eq!(
        nc13.alert.as_deref(),
        Some("CertificateRequired"),
        "{:?}",
        nc13
    );
    assert!(nc13.cert_requested);
    assert_eq!(
        nc13.acceptable_cas,
        vec!["O=mtls-lab, CN=mtls-lab Client CA".to_owned()]
    );
    let u12 = required
        .probes
        .iter()
        .find(|p| p.id == ProbeId::UNTRUSTED_CLIENT_CERT && p.tls_version == TlsVersion::Tls12);
    let u12 = u12.ok_or("no TLS 1.2 untrusted probe")?;
    assert_eq!(u12.outcome, Outcome::RefusedTls);
    assert!(u12
        .client_cert
        .as_ref()
        .is_some_and(|c| c.issuer.contains("mtls-scan Unknown CA")));
    // No identity or staging CA: the probes that need one did not run, so B at best (89).
    assert_eq!(
        (required.score, required.grade),
        (89, probe_core::grade::Grade::B)
    );
    assert!(required
        .notes
        .iter()
        .any(|n| n.starts_with("graded B at best") && n.contains("cert-without-key")));

    let none = &report.targets[1];
    assert_eq!(none.client_auth, ClientAuth::None);
    assert!(none
        .probes
        .iter()
        .all(|p| !p.cert_requested && p.client_cert.is_none() && p.http_status == Some(200)));
    assert_eq!(none.findings.len(), 1);
    assert_eq!(none.findings[0].id, FindingId::ClientCertNotRequested);

    // The TLS layer lets the handshake complete without a certificate; the app answers 403:
    // optional at the TLS layer, enforced by the application (an info finding): A but for the
    // probes that need an identity (B at best).
    let app = &report.targets[2];
    assert_eq!(app.client_auth, ClientAuth::Optional);
    assert_eq!(app.enforced_at, None);
    let ids: Vec<FindingId> = app.findings.iter().map(|f| f.id).collect();
    assert_eq!(ids, [FindingId::ClientCertEnforcedByApp]);
    assert!(app
        .probes
        .iter()
        .any(|p| p.http_status == Some(403) && p.outcome == Outcome::RefusedHttp));
    assert_eq!(app.grade, probe_core::grade::Grade::B);
    assert!(app
        .findings
        .iter()
        .all(|f| f.severity == probe_core::finding::Severity::Info));
    Ok(())
}

#[tokio::test]
async fn unreachable_targets_get_a_clear_error_and_do_not_disturb_others(
) -> Result<(), Box<dyn std::error::Error>> {
    let lab = mtls_lab::start(&[LabCase::RequiredVerified]).await?;
    // A closed port, and a plain TCP server that is not TLS.
    let closed = ports::free_port()?;
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let plain_port = plain.local_addr()?.port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut s, _)) = plain.accept().await {
            let _ = s
                .write_all(b"HTTP/1.1 400 Bad Request\r\n\r\nnot tls")
                .await;
        }
    });
    let targets = vec![
        Target::parse(&format!("https://127.0.0.1:{closed}/"))?,
        Target::parse(&format!("https://127.0.0.1:{plain_port}/"))?,
        Target::parse(&lab.servers[0].url)?,
    ];
    let report = Scanner::new(&options())?.scan(&targets).await;
    let e0 = report.targets[0].error.as_deref().unwrap_or_default();
    assert!(e0.contains("cannot connect"), "{e0}");
    let e1 = report.targets[1].error.as_deref().unwrap_or_default();
    assert!(
        e1.contains("not a TLS server") || e1.contains("handshake failed"),
        "{e1}"
    );
    assert_eq!(report.targets[0].client_auth, ClientAuth::Unknown);
    assert_eq!(report.targets[0].grade, probe_core::grade::Grade::F);
    assert_eq!(report.targets[2].error, None);
    assert_eq!(report.targets[2].client_auth, ClientAuth::Required);
    Ok(())
}

#[tokio::test]
async fn with_the_lab_ca_as_anchor_server_certificates_are_trusted(
) -> Result<(), Box<dyn std::error::Error>> {
    // What `mtls-scan demo` does: the lab CA is the trust anchor, so the lab's own server
    // certificate raises nothing and every case keeps its verdict.
    use rustls_pki_types::pem::PemObject;
    let lab = mtls_lab::start(&LabCase::ALL).await?;
    let ca = rustls_pki_types::CertificateDer::from_pem_slice(lab.pki.ca_cert_pem.as_bytes())?;
    let targets = targets(&lab)?;
    let options = ScanOptions {
        extra_roots: vec![ca],
        ..deep_options(&lab)
    };
    let report = Scanner::new(&options)?.scan(&targets).await;
    for (server, t) in lab.servers.iter().zip(&report.targets) {
        let want = server.case.expected();
        let mut roots: Vec<String> = t
            .findings
            .iter()
            .filter(|f| f.implied_by.is_none())
            .map(|f| f.id.to_string())
            .collect();
        roots.sort();
        let expected: Vec<String> = want.deep_roots().iter().map(|s| s.to_string()).collect();
        assert_eq!(roots, expected, "root findings of {}", server.case.name());
        let cert = t
            .server_certificate
            .as_ref()
            .ok_or("no server certificate")?;
        if !expected.iter().any(|id| id.starts_with("server-")) {
            assert_eq!(
                cert.trust,
                probe_core::checks::server_cert::ServerTrust::Trusted,
                "{}",
                server.case.name()
            );
            assert_eq!(cert.host_matches, Some(true), "{}", server.case.name());
        }
        // Every finding carries a fix for each stack.
        assert!(t
            .findings
            .iter()
            .all(|f| f.fixes.len() == probe_core::finding::remediation::Stack::ALL.len()));
    }
    // The leaky actuator's finding names the setting, guesses Spring, and keeps no secret.
    let leaky = lab
        .servers
        .iter()
        .position(|s| s.case == LabCase::LeakyActuator)
        .and_then(|i| report.targets.get(i))
        .ok_or("no leaky target")?;
    let f = leaky
        .findings
        .iter()
        .find(|f| f.id == FindingId::TlsConfigExposed)
        .ok_or("no leak finding")?;
    assert_eq!(f.severity, probe_core::finding::Severity::High);
    assert!(f.detail.contains("server.ssl.client-auth"), "{}", f.detail);
    assert_eq!(
        f.fixes.first().map(|x| x.stack.as_ref()),
        Some("Java/Spring")
    );
    assert!(!serde_json::to_string(&report)?.contains("lab-secret-do-not-report"));
    Ok(())
}

/// The self-signed probe waits for the first wave: it runs where the server asked for a
/// certificate and the one from an unknown CA did not get through (required-verified: refused),
/// and costs no connection where the server never asks (no-client-auth) or lets any
/// certificate in (accept-any-cert).
#[tokio::test]
async fn the_self_signed_probe_runs_only_where_it_can_add_evidence(
) -> Result<(), Box<dyn std::error::Error>> {
    let cases = [
        LabCase::RequiredVerified,
        LabCase::NoClientAuth,
        LabCase::AcceptAnyCert,
    ];
    let lab = mtls_lab::start(&cases).await?;
    let targets = targets(&lab)?;
    let report = Scanner::new(&options())?.scan(&targets).await;
    for (server, t) in lab.servers.iter().zip(&report.targets) {
        let ran: Vec<(TlsVersion, Outcome)> = t
            .probes
            .iter()
            .filter(|p| p.id == ProbeId::SELF_SIGNED_CLIENT_CERT)
            .map(|p| (p.tls_version, p.outcome))
            .collect();
        match server.case {
            LabCase::RequiredVerified => assert_eq!(
                ran,
                vec![
                    (TlsVersion::Tls13, Outcome::RefusedTls),
                    (TlsVersion::Tls12, Outcome::RefusedTls)
                ],
                "{}",
                server.case.name()
            ),
            _ => assert!(ran.is_empty(), "{}: {ran:?}", server.case.name()),
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_probe_switched_off_leaves_no_a_it_would_have_disproved(
) -> Result<(), Box<dyn std::error::Error>> {
    use probe_core::grade::Grade;
    // A server that lets any certificate in, scanned with every probe that presents one
    // switched off: nothing is found, and nothing is proven either.
    let lab = mtls_lab::start(&[LabCase::AcceptAnyCert, LabCase::RequiredVerified]).await?;
    let targets = targets(&lab)?;
    let blind = ScanOptions {
        skip_probes: vec![
            ProbeId::UNTRUSTED_CLIENT_CERT,
            ProbeId::SELF_SIGNED_CLIENT_CERT,
            ProbeId::FORGED_CLIENT_CERT,
        ],
        ..options()
    };
    let report = Scanner::new(&blind)?.scan(&targets[..1]).await;
    let t = &report.targets[0];
    assert!(t.findings.is_empty(), "{:?}", t.findings);
    assert_eq!(t.grade, Grade::B);
    assert!(t.score < 90);
    assert!(
        !t.is_incomplete(),
        "the user's choice is no inconclusive probe"
    );
    assert!(
        t.notes.iter().any(|n| n.contains("graded B at best")
            && n.contains("untrusted-client-cert, self-signed-client-cert, forged-client-cert")),
        "{:?}",
        t.notes
    );
    // Switching off the probes that read the server's own certificate and configuration proves
    // nothing less about who gets in: a correct server keeps its A.
    let hygiene = ScanOptions {
        skip_probes: vec![ProbeId::SERVER_CERTIFICATE, ProbeId::TLS_CONFIG_EXPOSED],
        ..options()
    };
    let report = Scanner::new(&hygiene)?.scan(&targets[1..]).await;
    let t = &report.targets[0];
    let whole = Scanner::new(&options())?.scan(&targets[1..]).await;
    let w = &whole.targets[0];
    assert_eq!((t.grade, &t.notes), (w.grade, &w.notes));
    // Without an identity or a staging CA, B at best for the probes that need them, said once.
    assert_eq!(t.grade, Grade::B);
    assert!(
        t.notes.len() == 1
            && t.notes[0].contains("valid-client-cert")
            && !t.notes[0].contains("switched off"),
        "{:?}",
        t.notes
    );
    Ok(())
}
