//! `untrusted-client-cert`: presents a certificate from a CA minted on the spot, whose key type the
//! server's CertificateRequest accepts. A server that serves it does not verify the chain.

use std::sync::Arc;

use super::{
    served_with, Judged, Paired, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView,
};
use crate::finding::FindingId;
use crate::identity::forge::Forger;
use crate::identity::ClientIdentity;
use crate::transport::tls::CertChooser;
use rustls::SignatureScheme;

impl ProbeId {
    /// `untrusted-client-cert`: A certificate from a CA minted on the spot.
    pub const UNTRUSTED_CLIENT_CERT: ProbeId = ProbeId::new("untrusted-client-cert");
}

/// The probe.
pub struct UntrustedClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::UNTRUSTED_CLIENT_CERT,
    presents: "a certificate from a CA minted on the spot; with `client-cert` (when its DER reads strictly), claiming that certificate's subject and subjectAltName; where that is refused (but not by nginx's own certificate page), again with that CA's self-signed certificate after it in the chain (OpenSSL: self-signed certificate in chain, which HAProxy `ca-ignore-err all` and verify callbacks that tolerate a partner's root forgive), and with that CA's certificate then the certificate of the client CA the server names after it when the scan holds that certificate (`client-cert`'s chain, the staging CA, `--ca-file`: a verifier that trusts a chain for ending in its CA's certificate lets it in), and with a valid certificate after it, its key unused (`client-cert`'s chain, else the staging CA's control: a verifier that lets a chain in when any end-entity certificate in it verifies, and reads the identity from the first, lets in anyone who has seen a valid certificate); where it took the positive control's key kind and was refused in the handshake with the alert that refused the positive control, again in the usual kind (P-256 first: a server refusing a P-384 curve on TLS 1.2 refused the kind, not the certificate)",
    needs: "—",
    findings: &[FindingId::UntrustedClientCertAccepted],
};

/// What the probe presents: with `client-cert` (whose subject the forger could read), a leaf from
/// the forger's own CA claiming that subject and names; else the plain certificate from a CA
/// minted on the spot. The header probe presents the same where it sends its headers with this
/// probe's certificate.
pub(crate) fn chooser(ctx: &ProbeContext) -> Arc<dyn CertChooser> {
    if ctx.forger.claims() {
        return Arc::new(UnknownCa {
            forger: ctx.forger.clone(),
            after: After::Nothing,
            usual_kind: false,
        });
    }
    Arc::new(Paired(ctx.untrusted.clone()))
}

/// The certificate from an unknown CA as [`chooser`] presents it to a server accepting `schemes`
/// (the header probe's forged headers carry its subject and DER).
pub(crate) fn identity(
    ctx: &ProbeContext,
    schemes: &[SignatureScheme],
) -> Result<ClientIdentity, String> {
    if ctx.forger.claims() {
        return ctx
            .forger
            .unknown_ca_claiming(ctx.forger.kind_for(schemes))
            .map_err(|e| e.to_string());
    }
    ctx.untrusted.for_schemes(schemes)
}

/// What follows the leaf from the forger's own CA in the chain presented.
#[derive(Debug)]
enum After {
    /// Nothing: the leaf alone.
    Nothing,
    /// That CA's own (self-signed) certificate ([`Forger::unknown_ca_with_its_ca`]).
    ItsCa,
    /// A certificate of the client CA the server trusts ([`Forger::unknown_ca_with_trusted_ca`]).
    TrustedCa(rustls_pki_types::CertificateDer<'static>),
    /// A valid client certificate's chain, its key unused ([`Forger::unknown_ca_with_valid`]).
    Valid(ValidCert),
}

/// The valid certificate sent after the leaf from an unknown CA: `client-cert`'s chain, else the
/// staging CA's control in the kind the server accepts.
#[derive(Debug)]
enum ValidCert {
    /// `client-cert`'s chain as given.
    Given(Vec<rustls_pki_types::CertificateDer<'static>>),
    /// The staging CA's valid certificate.
    Staging(Arc<crate::identity::IdentityPair>),
}

/// Presents a leaf from the forger's own CA (claiming the valid certificate's subject where the
/// forger claims one), in the key type the server accepts, followed by what [`After`] says.
#[derive(Debug)]
struct UnknownCa {
    forger: Arc<Forger>,
    after: After,
    /// The key kind the scan takes without a preference ([`KeyKind::choose`]), not the positive
    /// control's (see [`in_the_usual_kind`]).
    usual_kind: bool,
}

impl CertChooser for UnknownCa {
    fn choose(
        &self,
        _hints: &[&[u8]],
        schemes: &[SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String> {
        let kind = if self.usual_kind {
            crate::identity::KeyKind::choose(schemes)
        } else {
            self.forger.kind_for(schemes)
        };
        match &self.after {
            After::Nothing => self.forger.unknown_ca_claiming(kind),
            After::ItsCa => self.forger.unknown_ca_with_its_ca(kind),
            After::TrustedCa(ca) => self.forger.unknown_ca_with_trusted_ca(kind, ca),
            After::Valid(ValidCert::Given(chain)) => self.forger.unknown_ca_with_valid(kind, chain),
            After::Valid(ValidCert::Staging(pair)) => {
                let valid = pair.for_schemes(schemes)?;
                self.forger
                    .unknown_ca_with_valid(kind, &valid.certified.cert)
            }
        }
        .map(Some)
        .map_err(|e| e.to_string())
    }
}

/// Where the certificate from an unknown CA was refused on this version and never served (in the
/// handshake, or by an application), it again with its CA's certificate in the chain (a layer
/// that forgives what it finds above the leaf lets that one in), and, where the scan holds a
/// certificate of a CA the server names in its CertificateRequest (`client-cert`'s chain, the
/// staging CA, `--ca-file`), with that one after it (a verifier that trusts a chain for ending in
/// its CA's certificate lets that one in), and with a valid client certificate after it (a
/// verifier that lets a chain in when any end-entity certificate in it verifies lets that one
/// in). Not after nginx's own certificate page (nginx forgives nothing of the kind), nor where
/// nothing was asked or read.
fn with_a_ca(ctx: &ProbeContext, first: &VersionView<'_>) -> Vec<Arc<UnknownCa>> {
    use crate::facts::Outcome;
    let baseline = first.of(ProbeId::NO_CLIENT_CERT);
    let asked = baseline.is_some_and(|o| o.cert_requested);
    let presented: Vec<_> = first
        .all(ProbeId::UNTRUSTED_CLIENT_CERT)
        .filter(|o| o.client_cert.is_some())
        .collect();
    let refused = presented.iter().any(|o| match o.outcome {
        Outcome::RefusedTls => true,
        Outcome::RefusedHttp | Outcome::Answered => !crate::checks::refusal::tls_module_refusal(o),
        _ => false,
    });
    let served = presented.iter().any(|o| o.outcome == Outcome::Served);
    if !(asked && refused && !served) {
        return Vec::new();
    }
    let mut out = vec![Arc::new(UnknownCa {
        forger: ctx.forger.clone(),
        after: After::ItsCa,
        usual_kind: false,
    })];
    // A valid certificate after it (public: a verifier that lets a chain in when any end-entity
    // certificate in it verifies, and reads the identity from the first, lets it in).
    let valid = ctx
        .client
        .as_ref()
        .map(|c| c.certified.cert.clone())
        .filter(|chain| !chain.is_empty())
        .map(ValidCert::Given)
        .or_else(|| {
            ctx.staging
                .as_ref()
                .map(|s| ValidCert::Staging(s.valid.clone()))
        });
    if let Some(valid) = valid {
        out.push(Arc::new(UnknownCa {
            forger: ctx.forger.clone(),
            after: After::Valid(valid),
            usual_kind: false,
        }));
    }
    out.extend(in_the_usual_kind(ctx, first, &presented));
    // The names the server trusts: those it advertised, else the issuer of `client-cert` (or
    // the staging CA's name).
    let named = baseline.map_or(&[][..], |o| o.acceptable_ca_names.as_slice());
    let fallback: Vec<Vec<u8>> = ctx.forge_fallback_issuer.iter().cloned().collect();
    let names = if named.is_empty() {
        &fallback[..]
    } else {
        named
    };
    let trusted = ctx.known_ca_certs.iter().find(|der| {
        x509_parser::parse_x509_certificate(der.as_ref())
            .is_ok_and(|(_, c)| names.iter().any(|n| n.as_slice() == c.subject().as_raw()))
    });
    if let Some(ca) = trusted {
        out.push(Arc::new(UnknownCa {
            forger: ctx.forger.clone(),
            after: After::TrustedCa(ca.clone()),
            usual_kind: false,
        }));
    }
    out
}

/// The certificate from an unknown CA again in the kind the scan takes without a preference
/// (P-256 first), where it was presented in the positive control's kind and refused in the
/// handshake with the very alert that refused the positive control: the server refused that key
/// kind, not the certificate (OpenSSL's "wrong curve" for a P-384 certificate on TLS 1.2 where
/// its groups are P-256 alone, `illegal_parameter`). An audit's server let any P-256 certificate
/// in: anonymous scans found it, critical, and with a P-384 `client-cert` the probe took P-384,
/// was refused for its curve, and the finding was gone (B, exit 3).
fn in_the_usual_kind(
    ctx: &ProbeContext,
    first: &VersionView<'_>,
    presented: &[&crate::facts::ProbeObservation],
) -> Option<Arc<UnknownCa>> {
    use crate::facts::Outcome;
    let control = first.all(ProbeId::VALID_CLIENT_CERT).find(|o| {
        o.client_cert.is_some() && o.outcome == Outcome::RefusedTls && o.alert.is_some()
    })?;
    let kind = control.client_cert.as_ref().map(|c| c.key.as_str())?;
    // P-256 is the usual kind: asking again in it would repeat the refusal.
    if kind == "EC 256" {
        return None;
    }
    let alike = presented.iter().any(|o| {
        o.outcome == Outcome::RefusedTls
            && o.alert == control.alert
            && o.client_cert.as_ref().is_some_and(|c| c.key == kind)
    });
    alike.then(|| {
        Arc::new(UnknownCa {
            forger: ctx.forger.clone(),
            after: After::Nothing,
            usual_kind: true,
        })
    })
}

impl Probe for UntrustedClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    /// With `client-cert`, the certificate from the unknown CA claims its subject and names
    /// (a TLS layer that lets any CA through before a check of the subject lets it in).
    fn plan(&self, ctx: &ProbeContext) -> Plan {
        Plan::Run(Some(chooser(ctx)))
    }

    /// The certificate again with its CA's certificate in the chain, where it was refused.
    fn follow_up(&self, ctx: &ProbeContext, first: &VersionView<'_>) -> Vec<Arc<dyn CertChooser>> {
        with_a_ca(ctx, first)
            .into_iter()
            .map(|c| c as Arc<dyn CertChooser>)
            .collect()
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        served_with(
            view,
            self.id(),
            FindingId::UntrustedClientCertAccepted,
            "a certificate issued by a CA minted for this scan",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Outcome;
    use crate::probe::recorded::{obs, view, with_cert};

    #[test]
    fn only_a_presented_certificate_that_is_served_counts() {
        let served = [with_cert(obs(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::Served,
            Some(200),
        ))];
        let found = UntrustedClientCert.judge(&view(&served));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].finding.id, FindingId::UntrustedClientCertAccepted);
        assert!(found[0].finding.detail.contains("HTTP 200"));
        // Served but nothing presented (the server never asked): not this finding.
        let unasked = [obs(
            ProbeId::UNTRUSTED_CLIENT_CERT,
            Outcome::Served,
            Some(200),
        )];
        assert!(UntrustedClientCert.judge(&view(&unasked)).is_empty());
        for (outcome, status) in [
            (Outcome::RefusedTls, None),
            (Outcome::RefusedHttp, Some(400)),
            (Outcome::Inconclusive, None),
        ] {
            let refused = [with_cert(obs(
                ProbeId::UNTRUSTED_CLIENT_CERT,
                outcome,
                status,
            ))];
            assert!(
                UntrustedClientCert.judge(&view(&refused)).is_empty(),
                "{outcome:?}"
            );
        }
    }
}
