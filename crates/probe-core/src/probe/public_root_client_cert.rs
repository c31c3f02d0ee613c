//! `public-root-client-cert`: a public root's own certificate (a root of Mozilla's program found
//! in this machine's trust store, taken as a client's leaf) presented as the client certificate,
//! CertificateVerify signed by another key. A server that trusts the system's public roots for
//! client certificates (Python `load_default_certs(Purpose.CLIENT_AUTH)`, a Java trust store left
//! at the JDK's `cacerts`) takes that chain and refuses only the signature (`decrypt_error`),
//! where the certificate from an unknown CA was refused for its issuer (`unknown_ca`,
//! `bad_certificate`): anyone with a clientAuth certificate from any public CA passes its TLS
//! layer. `client-ca-public-roots` reads the same from the CA names a CertificateRequest
//! advertises; Python and Java on TLS 1.3 advertise none (an audit's Tornado: A, exit 0), and a
//! server may name its own CA alone while it verifies against the system's store beside it
//! (nghttpx `verify-client-cacert`: A, exit 0). So it runs after the first wave, only where the
//! server asked for a certificate naming no public root and refused the certificate from an
//! unknown CA in the handshake with an alert: two connections more there (with its control).

use std::sync::{Arc, OnceLock};

use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;
use rustls_pki_types::CertificateDer;

use super::cert_without_key::ForeignKeys;
use super::{Judged, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView};
use crate::facts::Outcome;
use crate::finding::{Finding, FindingId};
use crate::identity::ClientIdentity;
use crate::transport::tls::CertChooser;

impl ProbeId {
    /// `public-root-client-cert`: A public root's certificate, CertificateVerify by another key.
    pub const PUBLIC_ROOT_CLIENT_CERT: ProbeId = ProbeId::new("public-root-client-cert");
}

/// How the probe's certificate is named in its origin.
const ORIGIN: &str = "a public root's own certificate, CertificateVerify by another key";

/// How its control is named: the scan's own self-signed CA certificate, sent the same way. A
/// stack that checks CertificateVerify before the chain (GnuTLS on TLS 1.3) refuses both for
/// the signature, and the public root's refusal then says nothing of trust (an audit's GnuTLS
/// server trusting its own CA alone was high `client-ca-public-roots`, D).
const CONTROL_ORIGIN: &str =
    "the scan's own self-signed CA certificate, CertificateVerify by another key";

/// The alerts a TLS stack sends for a chain it will not take: the certificate from an unknown
/// CA refused so, and the public root refused otherwise, tells the root's chain was taken.
const CHAIN_REFUSALS: [&str; 6] = [
    "UnknownCA",
    "BadCertificate",
    "CertificateUnknown",
    "UnsupportedCertificate",
    "AccessDenied",
    "CertificateRequired",
];

/// The alerts of a CertificateVerify that does not verify: the chain was taken.
const SIGNATURE_REFUSALS: [&str; 2] = ["DecryptError", "IllegalParameter"];

/// The public roots that may be presented: roots of Mozilla's program in this machine's store
/// that a TLS stack takes as a client's leaf (no key usage, or digital signatures among its
/// usages: OpenSSL refuses a leaf for certificate signing alone as `unsupported_certificate`,
/// before anything tells whether it trusts it; no extended key usage, or clientAuth or any among
/// them), with their key kind (`EC 256`, `RSA 2048` …); Amazon's and DigiCert's roots are such.
/// Read once.
fn public_roots() -> &'static [(String, CertificateDer<'static>)] {
    static ROOTS: OnceLock<Vec<(String, CertificateDer<'static>)>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let locations = crate::checks::server_cert::SystemRootLocations::find();
        // The trust store's read, shared (read once per process).
        let roots = crate::checks::server_cert::read_system_roots_shared(&locations);
        // Only the roots `public_root` can pick are kept: the first of all, and the first
        // `EC 256`, `EC 384` and RSA one; the reading stops once those three are found (parsing
        // each of the ~145 roots of a Debian store cost ~3M instructions in a TLS callback).
        let mut kept: Vec<(String, CertificateDer<'static>)> = Vec::new();
        let wanted = |kept: &[(String, CertificateDer<'static>)], label: &str| {
            !kept.is_empty()
                && !kept.iter().any(|(k, _)| {
                    if label.starts_with("RSA") {
                        k.starts_with("RSA")
                    } else {
                        k == label
                    }
                })
        };
        let all_found = |kept: &[(String, CertificateDer<'static>)]| {
            ["EC 256", "EC 384", "RSA"]
                .iter()
                .all(|l| kept.iter().any(|(k, _)| k.starts_with(l)))
        };
        for root in roots.iter().filter_map(|der| {
            let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
            let signs = match cert.key_usage() {
                Ok(None) => true,
                Ok(Some(ku)) => ku.value.digital_signature(),
                Err(_) => false,
            };
            let for_clients = match cert.extended_key_usage() {
                Ok(None) => true,
                Ok(Some(eku)) => eku.value.any || eku.value.client_auth,
                Err(_) => false,
            };
            // Whether it is public, without describing its name (1.8M instructions for
            // the ~145 roots of a Debian store).
            let public = crate::checks::public_roots::is_public_subject(cert.subject().as_raw());
            (signs && for_clients && public)
                .then(|| (crate::identity::describe_key(&cert), der.clone()))
        }) {
            if kept.is_empty() || wanted(&kept, &root.0) {
                kept.push(root);
            }
            if all_found(&kept) {
                break;
            }
        }
        kept
    })
}

/// The public root presented to a server accepting `schemes`: an ECDSA P-256 one first (its
/// foreign key is cheap to make), then P-384, then RSA, then any.
fn public_root(schemes: &[SignatureScheme]) -> Option<&'static CertificateDer<'static>> {
    use SignatureScheme as S;
    let roots = public_roots();
    let kind = |label: &str| roots.iter().find(|(k, _)| k == label);
    let rsa = || roots.iter().find(|(k, _)| k.starts_with("RSA"));
    let takes = |scheme: S| schemes.is_empty() || schemes.contains(&scheme);
    let ec256 = takes(S::ECDSA_NISTP256_SHA256)
        .then(|| kind("EC 256"))
        .flatten();
    let ec384 = || {
        takes(S::ECDSA_NISTP384_SHA384)
            .then(|| kind("EC 384"))
            .flatten()
    };
    let by_rsa = || {
        (takes(S::RSA_PSS_SHA256) || takes(S::RSA_PKCS1_SHA256))
            .then(rsa)
            .flatten()
    };
    ec256
        .or_else(ec384)
        .or_else(by_rsa)
        .or_else(|| roots.first())
        .map(|(_, der)| der)
}

/// The public root's certificate with a foreign key of its key type; none where this machine's
/// store holds no public root (nothing is presented, and nothing judged).
#[derive(Debug)]
struct PublicRoot {
    keys: ForeignKeys,
}

impl CertChooser for PublicRoot {
    fn choose(
        &self,
        _hints: &[&[u8]],
        schemes: &[SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String> {
        let Some(root) = public_root(schemes) else {
            return Ok(None);
        };
        let summary = crate::identity::summarize(root, ORIGIN).map_err(|e| e.to_string())?;
        let key = self
            .keys
            .like(&summary.key)
            .ok_or_else(|| format!("no foreign key like the root's ({})", summary.key))?;
        let id = ClientIdentity::from_certified(
            Arc::new(CertifiedKey::new(vec![root.clone()], key.clone())),
            ORIGIN,
        )
        .map_err(|e| e.to_string())?;
        Ok(Some(id.with_foreign_key(key, ORIGIN)))
    }
}

/// The scan's own self-signed CA certificate (P-256, or P-384 or RSA where the server takes no
/// P-256 signature; minted once each) with a foreign key: the public root's control.
#[derive(Debug)]
struct OwnRoot {
    keys: ForeignKeys,
}

impl CertChooser for OwnRoot {
    fn choose(
        &self,
        _hints: &[&[u8]],
        schemes: &[SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String> {
        use crate::identity::KeyKind;
        type Root = OnceLock<Result<CertificateDer<'static>, String>>;
        static ROOTS: [Root; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        // A key type the server's signature schemes take, as the public root's is (a server
        // taking ECDSA with SHA-384 alone refused a P-256 control unsent: incomplete).
        let (kind, label, cell) = match KeyKind::choose_preferring(schemes, None) {
            KeyKind::EcdsaP384 => (KeyKind::EcdsaP384, "EC 384", &ROOTS[1]),
            k if k.is_rsa() => (KeyKind::Rsa2048, "RSA 2048", &ROOTS[2]),
            _ => (KeyKind::EcdsaP256, "EC 256", &ROOTS[0]),
        };
        let mint = || {
            crate::identity::SigningCa::mint_with(kind, "mtls-scan control root")
                .map(|ca| ca.cert)
                .map_err(|e| e.to_string())
        };
        let root = cell
            .get_or_init(|| match kind {
                KeyKind::Rsa2048 => crate::identity::off_the_worker(mint),
                _ => mint(),
            })
            .as_ref()
            .map_err(Clone::clone)?;
        let key = self
            .keys
            .like(label)
            .ok_or_else(|| format!("no foreign {label} key could be made"))?;
        let id = ClientIdentity::from_certified(
            Arc::new(CertifiedKey::new(vec![root.clone()], key.clone())),
            CONTROL_ORIGIN,
        )
        .map_err(|e| e.to_string())?;
        Ok(Some(id.with_foreign_key(key, CONTROL_ORIGIN)))
    }
}

/// The observation of this probe whose certificate came from `origin`, refused or served.
fn presented<'a>(
    view: &VersionView<'a>,
    origin: &str,
) -> Option<&'a crate::facts::ProbeObservation> {
    view.all(ProbeId::PUBLIC_ROOT_CLIENT_CERT).find(|o| {
        o.client_cert.as_ref().is_some_and(|c| c.origin == origin)
            && matches!(o.outcome, Outcome::RefusedTls | Outcome::Served)
    })
}

/// The probe.
pub struct PublicRootClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::PUBLIC_ROOT_CLIENT_CERT,
    presents: "a public root's own certificate (a root of Mozilla's program in this machine's trust store whose usages allow it as a client's leaf, ECDSA first), CertificateVerify signed by another key, beside the scan's own self-signed CA certificate sent the same way (refused for its signature where that one is refused for its chain, the root's chain was taken; GnuTLS checks the signature first on TLS 1.3, and answers both alike); after the first wave, only where the server asked for a certificate naming no public root (no CA, or its own alone), taking an ECDSA or RSA signature (a public root's key: Ed25519 alone, no public CA's client certificate could get in), and refused the certificate from an unknown CA in the handshake with an alert (where it refused it with a close and no alert, or an alert any failure gets such as `handshake_failure`, the contrast cannot be read: not run, the target B at best, the skipped line says why)",
    needs: "a public root in this machine's trust store",
    findings: &[FindingId::ClientCaPublicRoots],
};

/// The server asked for a certificate naming no public root (none at all, or its own CAs alone)
/// and did not serve the anonymous client.
fn asked_naming_no_public_root(first: &VersionView<'_>) -> bool {
    first.of(ProbeId::NO_CLIENT_CERT).is_some_and(|nc| {
        !nc.late
            && nc.cert_requested
            && crate::checks::public_roots::public_roots_among(&nc.acceptable_ca_names).is_empty()
            && nc.outcome != Outcome::Served
            && public_root_presentable(&nc.signature_schemes)
    })
}

/// Whether a certificate with a public root's key could be presented under `schemes` (the
/// CertificateRequest's; none recorded: taken as any): an ECDSA or an RSA signature (PKCS#1 or
/// PSS with an `rsaEncryption` key). Public roots hold no other keys, and public CAs issue client
/// certificates of no other kind: a server taking Ed25519 alone (OpenSSL `-client_sigalgs
/// ed25519`) cannot be let in by one, and the probe has nothing to read there (review C: it was
/// left unread, B, exit 3).
fn public_root_presentable(schemes: &[String]) -> bool {
    schemes.is_empty()
        || schemes.iter().any(|s| {
            s.starts_with("ECDSA_") || s.starts_with("RSA_PKCS1_") || s.starts_with("RSA_PSS_SHA")
        })
}

/// The certificate from an unknown CA as first presented, refused in the handshake with an
/// alert that refuses a chain: the contrast the public root's refusal is read against.
fn untrusted_refused(view: &VersionView<'_>) -> Option<String> {
    view.all(ProbeId::UNTRUSTED_CLIENT_CERT)
        .filter(|o| o.client_cert.is_some() && o.outcome == Outcome::RefusedTls)
        .filter_map(|o| o.alert.clone())
        .find(|a| CHAIN_REFUSALS.contains(&a.as_str()))
}

impl Probe for PublicRootClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    fn plan(&self, ctx: &ProbeContext) -> Plan {
        Plan::Run(Some(Arc::new(PublicRoot {
            keys: ForeignKeys::new(ctx.provider.clone()),
        })))
    }

    fn deferred(&self) -> bool {
        true
    }

    /// Its control, where it runs: the scan's own self-signed CA certificate sent the same way.
    fn follow_up(&self, ctx: &ProbeContext, first: &VersionView<'_>) -> Vec<Arc<dyn CertChooser>> {
        if !self.wanted_after(first) {
            return Vec::new();
        }
        vec![Arc::new(OwnRoot {
            keys: ForeignKeys::new(ctx.provider.clone()),
        })]
    }

    /// Where the server asked for a certificate naming no public root (none at all, or its own
    /// CAs alone: nghttpx `verify-client-cacert` names that file's CAs and verifies against
    /// OpenSSL's default store beside it, as nginx `ssl_trusted_certificate` and OpenSSL
    /// `-verifyCAfile` may), did not serve the anonymous client, and refused the certificate
    /// from an unknown CA in the handshake with an alert.
    fn wanted_after(&self, first: &VersionView<'_>) -> bool {
        asked_naming_no_public_root(first) && untrusted_refused(first).is_some()
    }

    /// Where it would be wanted but the certificate from an unknown CA was refused in the
    /// handshake without an alert that refuses a chain (Python's asyncio servers close:
    /// aiohttp, uvicorn, hypercorn, Tornado): the contrast it reads is not there, and a server trusting the public roots
    /// (`load_default_certs(Purpose.CLIENT_AUTH)`, the system bundle appended to its CA file) was
    /// A, exit 0 (an audit's, twenty-eighth session). Not proven either way: B at best.
    fn unjudged_after(&self, first: &VersionView<'_>) -> Option<String> {
        if !asked_naming_no_public_root(first) || untrusted_refused(first).is_some() {
            return None;
        }
        // Refused in the handshake, but not with an alert that refuses a chain: a close, or an
        // alert any failure gets (`handshake_failure`, `internal_error`).
        let how = first
            .all(ProbeId::UNTRUSTED_CLIENT_CERT)
            .filter(|o| o.client_cert.is_some() && o.outcome == Outcome::RefusedTls)
            .map(|o| match &o.alert {
                None => "without an alert (it closed the connection)".to_owned(),
                Some(a) => format!("with alert {a}, which does not say the chain was refused"),
            })
            .next()?;
        Some(format!(
            "the server refused the certificate from an unknown CA in its handshake {how}, so \
             the contrast this probe reads (a chain refused for its issuer, a public root's \
             refused for its signature) cannot be seen: whether its TLS layer trusts the \
             system's public roots for client certificates (Python \
             `load_default_certs(Purpose.CLIENT_AUTH)`, Node.js `requestCert` without `ca`, \
             which verifies clients against its bundled Mozilla roots, a CA file with the \
             system bundle appended) is not proven; check that the server's client CA file \
             holds your CA alone"
        ))
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        let (Some(root), Some(control)) =
            (presented(view, ORIGIN), presented(view, CONTROL_ORIGIN))
        else {
            return Vec::new();
        };
        // The control refused in the handshake for its chain (GnuTLS answers it `internal_error`
        // on TLS 1.3, where it checks the signature first: no contrast to read).
        let Some(untrusted) = control
            .alert
            .as_deref()
            .filter(|a| control.outcome == Outcome::RefusedTls && CHAIN_REFUSALS.contains(a))
        else {
            return Vec::new();
        };
        let alert = match (root.outcome, root.alert.as_deref()) {
            (Outcome::Served, _) => "none: it was served",
            (_, Some(a)) if SIGNATURE_REFUSALS.contains(&a) && a != untrusted => a,
            _ => return Vec::new(),
        };
        let v = view.version;
        let subject = root
            .client_cert
            .as_ref()
            .map(|c| c.subject.clone())
            .unwrap_or_default();
        let finding = Finding::new(
            FindingId::ClientCaPublicRoots,
            format!(
                "{v}: the CertificateRequest names no public root, but a public root's own certificate \
                 ({subject}), sent as the client certificate with a key that is not its own, was \
                 refused for its signature (alert {alert}), where the scan's own self-signed CA \
                 certificate, sent the same way, was refused for its issuer (alert {untrusted}): \
                 the TLS layer takes \
                 that public root's chain, so it trusts the system's public roots for client \
                 certificates (Python `load_default_certs(Purpose.CLIENT_AUTH)`, a Java trust \
                 store left at `cacerts`), and a certificate with the clientAuth purpose from \
                 any public CA it trusts passes."
            ),
        )
        .with_evidence("public root presented", subject);
        vec![Judged {
            finding,
            from: root,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::ProbeObservation;
    use crate::probe::recorded::{obs, view, with_cert};

    fn refused(id: ProbeId, origin: &str, alert: &str) -> ProbeObservation {
        let mut o = with_cert(obs(id, Outcome::RefusedTls, None));
        o.alert = Some(alert.to_owned());
        if let Some(c) = o.client_cert.as_mut().map(std::sync::Arc::make_mut) {
            c.origin = origin.to_owned();
        }
        o
    }

    /// Only schemes a public root's key can make let the probe run: Ed25519 or RSA-PSS-PSS
    /// alone, it has nothing to present.
    #[test]
    fn a_request_for_schemes_no_public_root_makes_is_not_probed() {
        let names = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(public_root_presentable(&[]));
        assert!(public_root_presentable(&names(&[
            "ED25519",
            "ECDSA_NISTP384_SHA384"
        ])));
        assert!(public_root_presentable(&names(&["RSA_PSS_SHA256"])));
        assert!(public_root_presentable(&names(&["RSA_PKCS1_SHA256"])));
        assert!(!public_root_presentable(&names(&["ED25519"])));
        assert!(!public_root_presentable(&names(&[
            "ED25519",
            "ED448",
            "RSA_PSS_PSS_SHA256"
        ])));
        let mut nc = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        nc.cert_requested = true;
        nc.signature_schemes = names(&["ED25519"]).into();
        let untrusted = refused(ProbeId::UNTRUSTED_CLIENT_CERT, "minted", "UnknownCA");
        let seen = [nc, untrusted];
        let v = view(&seen);
        assert!(!PublicRootClientCert.wanted_after(&v));
        assert_eq!(PublicRootClientCert.unjudged_after(&v), None);
    }

    #[test]
    fn a_root_refused_for_its_signature_where_its_control_was_refused_for_its_issuer() {
        let mut nc = obs(ProbeId::NO_CLIENT_CERT, Outcome::RefusedTls, None);
        nc.cert_requested = true;
        nc.acceptable_cas.clear();
        let untrusted = refused(ProbeId::UNTRUSTED_CLIENT_CERT, "minted", "UnknownCA");
        let id = ProbeId::PUBLIC_ROOT_CLIENT_CERT;
        let lax = [
            nc.clone(),
            untrusted.clone(),
            refused(id, ORIGIN, "DecryptError"),
            refused(id, CONTROL_ORIGIN, "UnknownCA"),
        ];
        assert!(PublicRootClientCert.wanted_after(&view(&lax)));
        // A server naming its own CA alone is asked too (nghttpx `verify-client-cacert`).
        let mut named = nc.clone();
        named.acceptable_ca_names = vec![b"a private CA's name".to_vec()];
        let all = [named, untrusted.clone()];
        assert!(PublicRootClientCert.wanted_after(&view(&all)));
        let ids: Vec<FindingId> = PublicRootClientCert
            .judge(&view(&lax))
            .iter()
            .map(|j| j.finding.id)
            .collect();
        assert_eq!(ids, [FindingId::ClientCaPublicRoots]);
        // Refused as its control was (GnuTLS on TLS 1.3 checks the signature first), for its
        // issuer, alike for everything, or without a control: nothing.
        for (root, control) in [
            ("DecryptError", Some("DecryptError")),
            ("UnknownCA", Some("UnknownCA")),
            ("HandshakeFailure", Some("UnknownCA")),
            ("DecryptError", Some("InternalError")),
            ("DecryptError", None),
        ] {
            let mut all = vec![nc.clone(), untrusted.clone(), refused(id, ORIGIN, root)];
            all.extend(control.map(|c| refused(id, CONTROL_ORIGIN, c)));
            assert!(
                PublicRootClientCert.judge(&view(&all)).is_empty(),
                "{root} {control:?}"
            );
        }
    }
}
