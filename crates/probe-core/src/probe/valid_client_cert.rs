//! `valid-client-cert`: the positive control. Presents the user's identity, else one minted from
//! the staging CA. If it is not served, enforcement could not be verified: every refusal elsewhere
//! may just mean the scanner could not get in at all.

use std::sync::Arc;

use super::{
    Fixed, Judged, Paired, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView,
    STAGING_PROBES,
};
use crate::facts::Outcome;
use crate::finding::{Finding, FindingId};
use crate::identity::ClientIdentity;
use crate::transport::tls::CertChooser;

impl ProbeId {
    /// `valid-client-cert`: The positive control: a certificate the server should accept.
    pub const VALID_CLIENT_CERT: ProbeId = ProbeId::new("valid-client-cert");
}

/// The probe.
pub struct ValidClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::VALID_CLIENT_CERT,
    presents: "the positive control: your certificate, or one minted from the staging CA; with both, where a staging probe or your certificate was refused, or yours could not be presented (its key makes none of the signature schemes asked for), the staging CA's own valid certificate too (claiming your subject), standing in for yours (served where yours was refused, it verifies enforcement in its place, and a note says yours was refused and why: revoked, without clientAuth, from a CA the server does not take); your certificate served out of its dates is the finding its dates call for",
    needs: "`client-cert`/`client-key` or `issuing-ca-*`",
    findings: &[
        FindingId::EnforcementUnverified,
        FindingId::ExpiredClientCertAccepted,
        FindingId::NotYetValidClientCertAccepted,
    ],
};

/// What the protected site's page may show of the valid certificate's holder: its subject's
/// common names and e-mail addresses and its alternative names (DNS, e-mail, URI), 3 characters
/// or more, at most 16, then its whole subject in the forms servers write it
/// ([`crate::identity::dn_spellings`]: RFC 2253's, as Go's `Subject.String()`, nginx's
/// `$ssl_client_s_dn` and Apache's `SSL_CLIENT_S_DN` do; OpenSSL's one-line and default forms;
/// the X.500 order; Java's): a page that shows
/// `Signed in as CN=test-client,O=acme` to the valid certificate and `-` to anyone else was
/// read as another page, its leak to anyone (a 403 carrying the page) passed (a review's: A,
/// exit 0). Empty without a valid certificate (or one that cannot be read).
pub fn holder_names(ctx: &ProbeContext) -> Vec<String> {
    use x509_parser::extensions::GeneralName;
    let leaf = match (&ctx.client, &ctx.staging) {
        (Some(id), _) => id.certified.cert.first().map(|c| c.as_ref().to_vec()),
        (None, Some(s)) => s
            .valid
            .for_schemes(&[rustls::SignatureScheme::ECDSA_NISTP256_SHA256])
            .ok()
            .and_then(|id| id.certified.cert.first().map(|c| c.as_ref().to_vec())),
        (None, None) => None,
    };
    let Some(leaf) = leaf else {
        return Vec::new();
    };
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(&leaf) else {
        return Vec::new();
    };
    let subject = cert.subject();
    let mut names: Vec<String> = subject
        .iter_common_name()
        .chain(subject.iter_email())
        .filter_map(|a| a.as_str().ok().map(str::to_owned))
        .collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        names.extend(san.value.general_names.iter().filter_map(|g| match g {
            GeneralName::DNSName(n) | GeneralName::RFC822Name(n) | GeneralName::URI(n) => {
                Some((*n).to_owned())
            }
            _ => None,
        }));
    }
    names.retain(|n| n.len() >= 3);
    names.sort();
    names.dedup();
    names.truncate(16);
    for dn in crate::identity::dn_spellings(&subject.to_string()) {
        if dn.len() >= 3 && !names.contains(&dn) {
            names.push(dn);
        }
    }
    names
}

/// How a certificate was refused, in a phrase: `HTTP 403`, `alert UnknownCA`, or the
/// transport's words.
pub fn how_refused(o: &crate::facts::ProbeObservation) -> String {
    match (o.http_status, &o.alert) {
        (Some(st), _) => format!("HTTP {st}"),
        (None, Some(a)) => format!("alert {a}"),
        (None, None) => o.detail.clone().unwrap_or_else(|| "a refusal".into()),
    }
}

/// `o` is `client-cert`'s positive control (not the staging CA's), presented and refused (in the
/// handshake, over HTTP, or answered without a 2xx), where the staging CA's own valid certificate,
/// standing in for it, was served on the same version: the server lets a valid client in, and
/// refuses `client-cert` itself (revoked, without the clientAuth purpose, from a CA it does not
/// take, outside an allowlist). Enforcement is verified with the stand-in.
pub fn refused_beside_a_served_stand_in(
    view: &VersionView<'_>,
    o: &crate::facts::ProbeObservation,
) -> bool {
    use crate::facts::Outcome;
    o.id == ProbeId::VALID_CLIENT_CERT
        && !crate::probe::staging_valid(o)
        && o.client_cert.is_some()
        && matches!(
            o.outcome,
            Outcome::RefusedTls | Outcome::RefusedHttp | Outcome::Answered
        )
        && view
            .staging_control()
            .is_some_and(|s| s.client_cert.is_some() && s.outcome == Outcome::Served)
}

/// For each version where `client-cert` was refused and the staging CA's certificate standing in
/// for it was served ([`refused_beside_a_served_stand_in`]), a note saying so, and why the server
/// may refuse `client-cert` itself where that shows.
pub fn stand_in_notes(probes: &[crate::facts::ProbeObservation]) -> Vec<String> {
    let mut notes = Vec::new();
    for version in [
        crate::facts::TlsVersion::Tls13,
        crate::facts::TlsVersion::Tls12,
    ] {
        for late in [false, true] {
            let here: Vec<&crate::facts::ProbeObservation> = probes
                .iter()
                .filter(|o| o.tls_version == version && o.late == late)
                .collect();
            let view = VersionView {
                version,
                observations: here,
            };
            let Some(valid) = view.of(ProbeId::VALID_CLIENT_CERT) else {
                continue;
            };
            if !refused_beside_a_served_stand_in(&view, valid) {
                continue;
            }
            let why = match (valid.alert.as_deref(), valid.client_cert.as_deref()) {
                (Some("CertificateRevoked"), _) => {
                    " (the server reports it revoked: its CRL or OCSP lists it)".to_owned()
                }
                (_, Some(c)) if c.not_for_clients => {
                    " (its extended key usage does not include clientAuth)".to_owned()
                }
                (_, Some(c)) => out_of_its_dates(c)
                    .map(|d| format!(" (it {d})"))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            notes.push(format!(
                "{version}{}: `client-cert` was refused ({}){why}, and the staging CA's \
                 certificate standing in for it was served: enforcement was verified with that \
                 one, and the server does not take `client-cert` itself",
                if late { " (after the handshake)" } else { "" },
                how_refused(valid)
            ));
        }
    }
    notes
}

/// The TLS layer refused a certificate from an unknown CA on this version (in the handshake): it
/// verifies chains, so a certificate it let through is from a CA it trusts.
pub fn tls_refuses_unknown_ca(view: &VersionView<'_>) -> bool {
    view.all(ProbeId::UNTRUSTED_CLIENT_CERT)
        .any(|o| o.client_cert.is_some() && o.outcome == crate::facts::Outcome::RefusedTls)
}

/// The positive control's certificate: the user's identity, else the staging CA's valid one.
pub fn chooser(ctx: &ProbeContext) -> Option<Arc<dyn CertChooser>> {
    if let Some(id) = &ctx.client {
        Some(Arc::new(Fixed(id.clone())))
    } else {
        ctx.staging
            .as_ref()
            .map(|s| Arc::new(Paired(s.valid.clone())) as Arc<dyn CertChooser>)
    }
}

/// The positive control's certificate for requests judged on their own (the configuration
/// paths): the user's identity where its key can make a signature scheme the server asks for,
/// else the staging CA's valid one (a P-256 `client-cert` before a server taking ECDSA with
/// SHA-384 alone left every configuration path unread, exit 3, the staging CA's certificate
/// served); [`chooser`]'s where only one is given.
pub fn presentable_chooser(ctx: &ProbeContext) -> Option<Arc<dyn CertChooser>> {
    match (&ctx.client, &ctx.staging) {
        (Some(client), Some(staging)) => Some(Arc::new(PresentableOr {
            client: client.clone(),
            staging: Paired(staging.valid.clone()),
        })),
        _ => chooser(ctx),
    }
}

/// `client`, or `staging` where `client`'s key makes none of the server's signature schemes.
#[derive(Debug)]
struct PresentableOr {
    client: ClientIdentity,
    staging: Paired,
}

impl CertChooser for PresentableOr {
    fn choose(
        &self,
        hints: &[&[u8]],
        schemes: &[rustls::SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String> {
        if schemes.is_empty() || self.client.certified.key.choose_scheme(schemes).is_some() {
            Ok(Some(self.client.clone()))
        } else {
            self.staging.choose(hints, schemes)
        }
    }
}

/// The first wave's positive control (`client-cert`'s certificate, presented) was refused on
/// this version: in the handshake or over HTTP.
pub fn positive_refused(view: &VersionView<'_>) -> bool {
    view.all(ProbeId::VALID_CLIENT_CERT).any(|o| {
        !super::staging_valid(o)
            && o.client_cert.is_some()
            && matches!(o.outcome, Outcome::RefusedTls | Outcome::RefusedHttp)
    })
}

/// The first wave's positive control could not be presented on this version: the server asked
/// only for signature schemes `client-cert`'s key cannot make (ECDSA with SHA-384 from a P-256
/// key, an Ed25519 CA under an ECDSA-only server). The staging CA's certificate then stands in,
/// as where it was refused (an audit's: B, exit 3 with the staging CA's control served, A with
/// the staging CA alone).
pub fn positive_unpresented(view: &VersionView<'_>) -> bool {
    view.all(ProbeId::VALID_CLIENT_CERT).any(|o| {
        !super::staging_valid(o)
            && o.cert_requested
            && o.client_cert.is_none()
            && o.outcome == Outcome::Inconclusive
            && o.detail
                .as_deref()
                .is_some_and(|d| d.starts_with(crate::transport::UNPRESENTED))
    })
}

/// The staging CA's own control, as a follow-up on one version: where `client-cert` is the
/// positive control and a staging probe (expired, not yet valid, wrong EKU) presented its
/// certificate and was not served, or `client-cert` itself was refused (the staging CA's
/// certificate then stands in for it, `cert-without-key`'s too), the valid certificate minted
/// from the staging CA, so that a refusal for want of trust in the staging CA (an `UnknownCA`
/// alert, a chain not sent) never reads as the flaw refused. `None` where it ran already, where it
/// is the positive control itself (no `client-cert`), or where neither was refused (no connection
/// more).
pub fn staging_control(ctx: &ProbeContext, view: &VersionView<'_>) -> Option<Arc<dyn CertChooser>> {
    let staging = ctx.staging.as_ref()?;
    ctx.client.as_ref()?;
    let refused = STAGING_PROBES.iter().flat_map(|id| view.all(*id)).any(|o| {
        o.client_cert.is_some()
            && matches!(
                o.outcome,
                Outcome::RefusedTls | Outcome::RefusedHttp | Outcome::Answered
            )
    });
    ((refused || positive_refused(view) || positive_unpresented(view))
        && view.staging_control().is_none())
    .then(|| Arc::new(Paired(staging.valid.clone())) as Arc<dyn CertChooser>)
}

impl Probe for ValidClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    /// Runs when an identity or a staging CA is given.
    fn plan(&self, ctx: &ProbeContext) -> Plan {
        match chooser(ctx) {
            Some(c) => Plan::Run(Some(c)),
            None => Plan::Skip(
                "needs a client identity (a certificate and its key) or a staging CA".into(),
            ),
        }
    }

    /// The staging CA's own control where `client-cert` is the positive control and a staging
    /// probe was refused ([`staging_control`]).
    fn follow_up(&self, ctx: &ProbeContext, first: &VersionView<'_>) -> Vec<Arc<dyn CertChooser>> {
        staging_control(ctx, first).into_iter().collect()
    }

    /// Refused while presented: refusals on this version prove nothing. Let through the
    /// handshake and answered otherwise than 2xx (a redirect, 404): the path does not answer
    /// 2xx, so refusals after the handshake prove nothing (a refusal in the handshake still does).
    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        let Some(valid) = view.of(self.id()).filter(|o| o.client_cert.is_some()) else {
            return Vec::new();
        };
        // Refused where the staging CA's certificate standing in for it was served: enforcement
        // is verified with that one (a note says `client-cert` was refused, and why).
        if refused_beside_a_served_stand_in(view, valid) {
            return Vec::new();
        }
        // Busy after its retries (a rate limit, a failed upstream): unread, not refused (the
        // verdict says so); nothing to fix in the trust store.
        let busy = valid
            .http_status
            .is_some_and(crate::transport::is_busy_status);
        if valid.outcome == Outcome::Served {
            return served_out_of_its_dates(view, valid).into_iter().collect();
        }
        if valid.outcome.is_unreadable() || busy {
            return Vec::new();
        }
        // Answered (a 404, a redirect) where every other client was refused in the handshake:
        // those refusals prove the TLS layer's checks; nothing after the handshake needs the
        // path's 2xx to be read.
        // (`lookalike-client-cert`'s stranger is a valid certificate too: answered alike.)
        let reached_http = |o: &&crate::facts::ProbeObservation| {
            o.id != self.id()
                && o.id != ProbeId::LOOKALIKE_CLIENT_CERT
                && o.handshake_completed
                && matches!(
                    o.outcome,
                    Outcome::Served | Outcome::Answered | Outcome::RefusedHttp
                )
        };
        if valid.outcome == Outcome::Answered && !view.observations.iter().any(reached_http) {
            return Vec::new();
        }
        let detail = match valid.outcome {
            Outcome::Answered => format!(
                "{}: the valid client certificate got through the handshake and was answered \
                 HTTP {}: the path scanned does not answer 2xx to it (a path with no 2xx page, \
                 or a redirect or error page refusing it), so refusals after the handshake on \
                 this version prove nothing. Scan a path that answers 2xx to the valid \
                 certificate.",
                view.version,
                valid.http_status.unwrap_or_default()
            ),
            // Through the handshake to an HTTP refusal that is no TLS module's own page, where
            // the TLS layer refuses a certificate from an unknown CA (so it verifies): the CA is
            // trusted, and the application refused this identity (an audit's allowlists of
            // subjects, scanned with a staging CA alone, were told to fix their CA file). Under
            // `optional_no_ca` any certificate completes the handshake: nothing said of the CA.
            Outcome::RefusedHttp
                if valid.handshake_completed
                    && !crate::checks::refusal::tls_module_refusal(valid)
                    && tls_refuses_unknown_ca(view) =>
            {
                format!(
                    "{}: the valid client certificate got through the handshake and was refused \
                     with {}, so refusals after the handshake on this version prove nothing. The \
                     TLS layer accepted it and refuses a certificate from an unknown CA, so its CA \
                     is trusted: a rule of the application refused this request (an allowlist of \
                     client subjects, a role, a token it needs too). Give `client-cert` of an \
                     identity the application allows (and `-H` with anything else it needs).",
                    view.version,
                    how_refused(valid)
                )
            }
            _ => format!(
                "{}: the valid client certificate got {}, so refusals on this version prove nothing.",
                view.version,
                how_refused(valid)
            ),
        };
        let detail = match valid.client_cert.as_deref().and_then(out_of_its_dates) {
            Some(why) => format!(
                "{detail} The certificate itself is the likely cause: it {why} (a server refuses \
                 such a certificate whatever it trusts). Give a certificate within its dates."
            ),
            // Refused as revoked: the server's CRL (or OCSP) lists it (review C: the fix then
            // spoke only of the server's CRLs, as if they were the fault).
            None if valid.alert.as_deref() == Some("CertificateRevoked")
                && valid.client_cert.is_some() =>
            {
                format!(
                    "{detail} The server reports the certificate itself revoked (its CRL or OCSP \
                     answer lists it): give one that is not revoked, or a staging CA (its \
                     certificate then stands in)."
                )
            }
            // Within its dates and refused as expired: not the certificate (an audit's HAProxy
            // with an expired CRL answered every client so, and the user was left to wonder).
            None if valid.alert.as_deref() == Some("CertificateExpired")
                && valid.client_cert.is_some() =>
            {
                format!(
                    "{detail} The certificate is within its dates, so the expiry is elsewhere: \
                     a CRL past its next update (nginx `ssl_crl`, HAProxy `crl-file`, Apache \
                     `SSLCARevocationFile` then refuse every client so), an expired CA in the \
                     server's chain for clients, or a server clock that is wrong."
                )
            }
            None => detail,
        };
        let detail = match valid.client_cert.as_ref() {
            Some(c) if c.not_for_clients => format!(
                "{detail} The certificate itself is the likely cause: its extended key usage \
                 does not include TLS client authentication (clientAuth), so servers refuse it \
                 as a client certificate. Give a certificate issued for client authentication."
            ),
            // The scan's own control from the staging CA: no file of the user's to mend; the
            // staging CA is not one the server names (an audit's server trusting an intermediate
            // alone, scanned with the root as the staging CA, was told to mend `client-cert`).
            Some(c) if crate::probe::staging_valid(valid) && leaf_alone(c, valid) => format!(
                "{detail} It was issued by the staging CA ({}), which is not among the CAs the \
                 server names ({}): give as the staging CA (`issuing-ca-cert`, \
                 `issuing-ca-key`) one the server trusts, such as one it names.",
                c.issuer,
                named_cas(valid)
            ),
            Some(c) if leaf_alone(c, valid) => format!(
                "{detail} The `client-cert` file holds the leaf alone, and the server does not \
                 name its issuer ({}) among the CAs it trusts: where that issuer is an \
                 intermediate, the server cannot build the path to its root. Put the \
                 intermediate after the leaf in the file (leaf, intermediate).",
                c.issuer
            ),
            _ => detail,
        };
        vec![Judged {
            finding: Finding::new(FindingId::EnforcementUnverified, detail),
            from: valid,
        }]
    }
}

/// The positive control served though it is out of its dates (an expired `client-cert`): the
/// server accepts such certificates, proven with the user's own certificate, without the staging
/// CA the dedicated probes need (an audit's HAProxy `crt-ignore-err 10` served an expired
/// `client-cert` and was graded B, exit 0, the expired probe skipped for want of a staging CA).
fn served_out_of_its_dates<'a>(
    view: &VersionView<'a>,
    valid: &'a crate::facts::ProbeObservation,
) -> Option<Judged<'a>> {
    let cert = valid.client_cert.as_ref()?;
    let why = out_of_its_dates(cert)?;
    let id = if why.starts_with("expired") {
        FindingId::ExpiredClientCertAccepted
    } else {
        FindingId::NotYetValidClientCertAccepted
    };
    Some(Judged {
        finding: Finding::new(
            id,
            format!(
                "{}: the certificate given as the positive control ({}, {}) {why}, and was \
                 served HTTP {}: the server accepts client certificates outside their validity \
                 period.",
                view.version,
                cert.origin,
                cert.subject,
                valid.http_status.unwrap_or_default()
            ),
        ),
        from: valid,
    })
}

/// The user's certificate was presented alone (no intermediate after it), is not self-signed, and
/// the server's CertificateRequest named CAs but not its issuer: a file without its intermediate
/// is the likely cause of the refusal (an audit's enterprise PKI, fifteenth session).
fn leaf_alone(c: &crate::identity::IdentitySummary, o: &crate::facts::ProbeObservation) -> bool {
    c.chain_len == 1
        && c.issuer != c.subject
        && !o.acceptable_cas.is_empty()
        && !o.acceptable_cas.contains(&c.issuer)
}

/// The first CA names the server's CertificateRequest carried on `o`, joined for a sentence
/// (at most three, then how many more).
fn named_cas(o: &crate::facts::ProbeObservation) -> String {
    let mut said = o
        .acceptable_cas
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if o.acceptable_cas.len() > 3 {
        said.push_str(&format!(" and {} more", o.acceptable_cas.len() - 3));
    }
    said
}

/// How a presented certificate stands outside its validity period now (`expired on …`, `is not
/// valid before …`), from its summary's dates; `None` within them or when they cannot be read.
fn out_of_its_dates(cert: &crate::identity::IdentitySummary) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let at = |s: &str| time::OffsetDateTime::parse(s, &Rfc3339).ok();
    let now = time::OffsetDateTime::now_utc();
    let day = |t: time::OffsetDateTime| t.date().to_string();
    match (at(&cert.not_before), at(&cert.not_after)) {
        (_, Some(after)) if after < now => Some(format!("expired on {}", day(after))),
        (Some(before), _) if before > now => Some(format!("is not valid before {}", day(before))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::recorded::{obs, view, with_cert};

    #[test]
    fn a_refused_positive_control_says_refusals_prove_nothing() {
        let refused = [with_cert(obs(
            ProbeId::VALID_CLIENT_CERT,
            Outcome::RefusedTls,
            None,
        ))];
        let found = ValidClientCert.judge(&view(&refused));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].finding.id, FindingId::EnforcementUnverified);
        // Busy (a rate limit, a failed upstream): unread, never "refused".
        for st in [429, 502, 503, 504] {
            let busy = [with_cert(obs(
                ProbeId::VALID_CLIENT_CERT,
                Outcome::Answered,
                Some(st),
            ))];
            assert!(ValidClientCert.judge(&view(&busy)).is_empty(), "{st}");
        }
        assert!(found[0]
            .finding
            .detail
            .contains("alert CertificateRequired"));
        // The user's own certificate out of its dates: said to be the likely cause.
        let mut expired = refused.clone();
        if let Some(c) = expired[0]
            .client_cert
            .as_mut()
            .map(std::sync::Arc::make_mut)
        {
            c.not_before = "2020-01-01T00:00:00Z".into();
            c.not_after = "2021-01-01T00:00:00Z".into();
        }
        let said = ValidClientCert.judge(&view(&expired));
        assert!(
            said.first()
                .is_some_and(|j| j.finding.detail.contains(
                    "The certificate itself is the likely cause: it expired on 2021-01-01"
                )),
            "{said:?}"
        );
        assert!(!found[0].finding.detail.contains("likely cause"));
        // Refused as expired within its dates: where else the expiry may be.
        let mut crl = refused.clone();
        crl[0].alert = Some("CertificateExpired".into());
        let said = ValidClientCert.judge(&view(&crl));
        assert!(
            said.first()
                .is_some_and(|j| j.finding.detail.contains("a CRL past its next update")),
            "{said:?}"
        );
        // The leaf alone, its issuer not among the CAs the server names: the missing
        // intermediate is named; with the issuer named, or the chain given, nothing is said.
        let mut alone = refused.clone();
        alone[0].acceptable_cas = vec!["CN=Root".into()];
        let hint = "holds the leaf alone";
        let said = ValidClientCert.judge(&view(&alone));
        assert!(
            said.first()
                .is_some_and(|j| j.finding.detail.contains(hint)
                    && j.finding.detail.contains("(CN=someone)")),
            "{said:?}"
        );
        // The staging CA's own control: no `client-cert` to mend; the CAs named are said.
        let mut staging = alone.clone();
        if let Some(c) = staging[0]
            .client_cert
            .as_mut()
            .map(std::sync::Arc::make_mut)
        {
            c.origin = crate::probe::STAGING_VALID_ORIGIN.into();
        }
        let said = ValidClientCert.judge(&view(&staging));
        assert!(
            said.first()
                .is_some_and(|j| !j.finding.detail.contains(hint)
                    && j.finding
                        .detail
                        .contains("issued by the staging CA (CN=someone)")
                    && j.finding.detail.contains("the server names (CN=Root)")),
            "{said:?}"
        );
        let mut named = alone.clone();
        named[0].acceptable_cas.push("CN=someone".into());
        let mut chained = alone.clone();
        if let Some(c) = chained[0]
            .client_cert
            .as_mut()
            .map(std::sync::Arc::make_mut)
        {
            c.chain_len = 2;
        }
        for quiet in [&named, &chained] {
            let said = ValidClientCert.judge(&view(quiet));
            assert!(
                said.first()
                    .is_some_and(|j| !j.finding.detail.contains(hint)),
                "{said:?}"
            );
        }
        for (outcome, status) in [(Outcome::Served, Some(200)), (Outcome::Inconclusive, None)] {
            let o = [with_cert(obs(ProbeId::VALID_CLIENT_CERT, outcome, status))];
            assert!(ValidClientCert.judge(&view(&o)).is_empty(), "{outcome:?}");
        }
    }

    /// The user's own certificate served out of its dates: the server accepts such certificates
    /// (expired, or not yet valid), without a staging CA; within its dates, nothing.
    #[test]
    fn a_positive_control_served_out_of_its_dates_is_the_finding() {
        let served = with_cert(obs(ProbeId::VALID_CLIENT_CERT, Outcome::Served, Some(200)));
        let dated = |before: &str, after: &str| {
            let mut o = served.clone();
            if let Some(c) = o.client_cert.as_mut().map(std::sync::Arc::make_mut) {
                c.not_before = before.into();
                c.not_after = after.into();
            }
            [o]
        };
        for (o, want) in [
            (
                dated("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"),
                FindingId::ExpiredClientCertAccepted,
            ),
            (
                dated("2999-01-01T00:00:00Z", "3000-01-01T00:00:00Z"),
                FindingId::NotYetValidClientCertAccepted,
            ),
        ] {
            let found = ValidClientCert.judge(&view(&o));
            assert_eq!(
                found.iter().map(|j| j.finding.id).collect::<Vec<_>>(),
                [want],
                "{found:?}"
            );
            assert!(found[0].finding.detail.contains("was served HTTP 200"));
        }
        let within = dated("2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z");
        assert!(ValidClientCert.judge(&view(&within)).is_empty());
    }
}
