//! `forged-client-cert`: a certificate whose issuer Name is copied byte for byte from a CA name the
//! server advertised, signed by our own key. A server that serves it matches issuers by name, or
//! never checks the signature. Each advertised name gets its own probe (the first runs with the
//! others' baseline; the rest, up to [`MAX_NAMES`], once the names are known), and so does the
//! issuer of `client-cert` (or the staging CA) when the server does not advertise it (a bundle
//! that names the root, a client certificate from its intermediate).

use std::sync::Arc;

use rustls::SignatureScheme;

use super::{served_with, Judged, Plan, Probe, ProbeContext, ProbeId, ProbeSpec, VersionView};
use crate::facts::Outcome;
use crate::finding::FindingId;
use crate::identity::forge::{Forger, SignatureKind};
use crate::identity::ClientIdentity;
use crate::transport::tls::CertChooser;

impl ProbeId {
    /// `forged-client-cert`: A certificate whose issuer name is copied from an advertised CA name, signed by our key.
    pub const FORGED_CLIENT_CERT: ProbeId = ProbeId::new("forged-client-cert");
}

/// At most this many advertised CA names are forged per target and TLS version.
pub const MAX_NAMES: usize = 8;

/// Forges from the advertised name at `index`, or from the fallback issuer when the server
/// advertised none (or, `index` `None`, always from the fallback issuer).
#[derive(Debug)]
pub struct Forged {
    forger: Arc<Forger>,
    index: Option<usize>,
    fallback: Option<Vec<u8>>,
    /// Without an authority key identifier ([`Forger::forge_unlinked`]), carrying a signature of
    /// this kind.
    unlinked: Option<SignatureKind>,
    /// Sent with this certificate after it in the chain: the real client CA's, whose name the
    /// forgery copies ([`Forger::forge_followed_by`]).
    then: Option<rustls_pki_types::CertificateDer<'static>>,
    /// Sent with a self-signed CA certificate of ours that carries the copied name after it
    /// ([`Forger::forge_with_impostor`]).
    impostor: bool,
    /// Naming the CA by this key identifier, sent alone
    /// ([`Forger::forge_naming_key_id`]).
    naming: Option<Vec<u8>>,
    /// Another subject issued and signed by this valid certificate, sent with it after it
    /// ([`Forger::issued_by_holder`]).
    holder: Option<Holder>,
}

/// The valid certificate that "issues" another subject: the user's, or the staging CA's control.
#[derive(Debug)]
enum Holder {
    /// `client-cert` and its key.
    Given(ClientIdentity),
    /// The staging CA's valid certificate, in the kind the server accepts.
    Staging(Arc<crate::identity::IdentityPair>),
}

impl CertChooser for Forged {
    /// Nothing to forge from (no advertised name at this index, no fallback): nothing is
    /// presented, on purpose. A name that cannot be forged from: the probe is inconclusive.
    fn choose(
        &self,
        hints: &[&[u8]],
        schemes: &[SignatureScheme],
    ) -> Result<Option<ClientIdentity>, String> {
        let name: Option<&[u8]> = match self.index {
            Some(_) if hints.is_empty() => self.fallback.as_deref(),
            Some(i) => hints.get(i).copied(),
            None => self.fallback.as_deref(),
        };
        let kind = self.forger.kind_for(schemes);
        if let Some(holder) = &self.holder {
            let (holder, by_staging) = match holder {
                Holder::Given(c) => (c.clone(), false),
                Holder::Staging(pair) => (pair.for_schemes(schemes)?, true),
            };
            return self
                .forger
                .issued_by_holder(&holder, kind, by_staging)
                .map(Some)
                .map_err(|e| e.to_string());
        }
        let Some(name) = name else {
            return Ok(None);
        };
        if let Some(key_id) = &self.naming {
            return self
                .forger
                .forge_naming_key_id(name, kind, key_id)
                .map_err(|e| e.to_string());
        }
        match (self.unlinked, &self.then) {
            (None, None) if self.impostor => self.forger.forge_with_impostor(name, kind),
            (Some(claim), _) => self.forger.forge_unlinked(name, kind, claim),
            (None, Some(ca)) => self.forger.forge_followed_by(name, kind, ca),
            (None, None) => self.forger.forge(name, kind),
        }
        .map(Some)
        .map_err(|e| e.to_string())
    }
}

fn forged(ctx: &ProbeContext, index: usize) -> Arc<Forged> {
    Arc::new(Forged {
        forger: ctx.forger.clone(),
        index: Some(index),
        fallback: if index == 0 {
            ctx.forge_fallback_issuer.clone()
        } else {
            None
        },
        unlinked: None,
        then: None,
        impostor: false,
        naming: None,
        holder: None,
    })
}

/// The first name forged again without an authority key identifier, where the linked forgery was
/// refused as an unknown issuer (in the handshake, or by an application reading the verify
/// result) and never served: an OpenSSL layer that forgives a failed signature but not an
/// unknown issuer (HAProxy `crt-ignore-err 7`, or `ssl_c_verify 7` allowed) lets this one in.
fn unlinked(ctx: &ProbeContext, first: &VersionView<'_>) -> Vec<Arc<Forged>> {
    let asked = first
        .of(ProbeId::NO_CLIENT_CERT)
        .is_some_and(|o| o.cert_requested);
    let presented = || {
        first
            .all(ProbeId::FORGED_CLIENT_CERT)
            .filter(|o| o.client_cert.is_some())
    };
    // Refused where a layer that tells a failed signature from an unknown issuer may have
    // refused it: OpenSSL's handshake refusal of an issuer it cannot find (unknown_ca) or a bare
    // close (Node), or an application's answer after the handshake (HAProxy `ssl_c_verify`
    // rules see 20, not 7). Not a verifier that ignores key identifiers (webpki and Go refuse
    // with another alert: they checked the signature already), nor nginx's own certificate page.
    let worth = presented().any(|o| match o.outcome {
        Outcome::RefusedTls => matches!(o.alert.as_deref(), None | Some("UnknownCA")),
        Outcome::RefusedHttp | Outcome::Answered => !crate::checks::refusal::tls_module_refusal(o),
        _ => false,
    });
    let served = presented().any(|o| o.outcome == Outcome::Served);
    if !(asked && worth && !served) {
        return Vec::new();
    }
    // Signed by a key of each kind: OpenSSL 3 takes the real CA for the issuer only where its key
    // is of our signature's kind (an RSA client CA, the corporate rule, or a P-256 one). Where a
    // certificate that CA issued is in hand (`client-cert`, its chain, the staging CA's), its
    // signature tells the kind, and only that one is sent.
    let name = first
        .of(ProbeId::NO_CLIENT_CERT)
        .and_then(|o| o.acceptable_ca_names.first())
        .or(ctx.forge_fallback_issuer.as_ref());
    let known = name.and_then(|n| {
        ctx.issuer_key_kinds
            .iter()
            .find(|(issuer, _)| issuer == n)
            .map(|(_, claim)| *claim)
    });
    // Unknown: EC and RSA, the kinds client CAs have (an Ed25519 CA is known only from a
    // certificate it signed).
    let kinds: Vec<SignatureKind> = match known {
        Some(claim) => vec![claim],
        None => vec![SignatureKind::Ec, SignatureKind::Rsa],
    };
    kinds
        .into_iter()
        .map(|claim| {
            Arc::new(Forged {
                forger: ctx.forger.clone(),
                index: Some(0),
                fallback: ctx.forge_fallback_issuer.clone(),
                unlinked: Some(claim),
                then: None,
                impostor: false,
                naming: None,
                holder: None,
            })
        })
        .collect()
}

/// The anonymous baseline, where the server asked for a certificate and refused the forgery (in
/// the handshake, or by an application; not by nginx's own certificate page, which forgives
/// nothing of the kind) and never served one: where the forgery goes again with a CA certificate
/// after it.
fn refused_forgery<'a>(first: &VersionView<'a>) -> Option<&'a crate::facts::ProbeObservation> {
    let baseline = first.of(ProbeId::NO_CLIENT_CERT)?;
    let presented = || {
        first
            .all(ProbeId::FORGED_CLIENT_CERT)
            .filter(|o| o.client_cert.is_some())
    };
    let refused = presented().any(|o| match o.outcome {
        Outcome::RefusedTls => true,
        Outcome::RefusedHttp | Outcome::Answered => !crate::checks::refusal::tls_module_refusal(o),
        _ => false,
    });
    let served = presented().any(|o| o.outcome == Outcome::Served);
    (baseline.cert_requested && refused && !served).then_some(baseline)
}

/// The forgery sent again with the real client CA's certificate after it, where the scan holds
/// the certificate of a CA whose name the server advertised (or of the fallback issuer, where it
/// advertised none), and the forgery alone was refused (in the handshake, or by an application)
/// and never served: a verifier that takes the CA certificate the client sends for the trust
/// anchor without checking the leaf's signature against it (Erlang `partial_chain` claiming the
/// last certificate of the chain) lets it in. Not after nginx's own certificate page (nginx
/// forgives nothing of the kind), nor where nothing was asked.
fn with_real_ca(ctx: &ProbeContext, first: &VersionView<'_>) -> Option<Arc<Forged>> {
    let baseline = refused_forgery(first)?;
    let advertised = &baseline.acceptable_ca_names;
    let names: Vec<&Vec<u8>> = if advertised.is_empty() {
        ctx.forge_fallback_issuer.iter().collect()
    } else {
        advertised.iter().take(MAX_NAMES).collect()
    };
    names.into_iter().find_map(|name| {
        let ca = ctx.known_ca_certs.iter().find(|der| {
            x509_parser::parse_x509_certificate(der.as_ref())
                .is_ok_and(|(_, c)| c.subject().as_raw() == name.as_slice())
        })?;
        Some(Arc::new(Forged {
            forger: ctx.forger.clone(),
            index: None,
            fallback: Some(name.clone()),
            unlinked: None,
            then: Some(ca.clone()),
            impostor: false,
            naming: None,
            holder: None,
        }))
    })
}

/// The forgery of a name whose CA certificate the scan holds (as [`with_real_ca`]), again naming
/// that CA by its key identifier (its SKI as the forgery's AKI), alone, where the forgery was
/// refused and never served: a verifier that takes the issuer's name and key identifier for
/// proof without checking the signature lets it in (an audit's Go verifier: B, exit 0). Where
/// the scan holds no such CA certificate, `client-cert` names its issuer's key identifier itself
/// (its AKI), under its issuer's name: the forgery copies both when the server asks for that
/// name, or advertises none (a review's Go verifier behind a CA the scan was not given: B, exit
/// 0). One connection per version, where a key identifier is known.
fn naming_key_id(ctx: &ProbeContext, first: &VersionView<'_>) -> Option<Arc<Forged>> {
    let held = with_real_ca(ctx, first).and_then(Arc::into_inner).and_then(
        |Forged { fallback, then, .. }| {
            let key_id = then.and_then(|ca| crate::identity::forge::subject_key_id(&ca))?;
            Some((fallback, key_id))
        },
    );
    let (fallback, key_id) = match held {
        Some(named) => named,
        None => by_client_cert_issuer(ctx, first)?,
    };
    Some(Arc::new(Forged {
        forger: ctx.forger.clone(),
        index: None,
        fallback,
        unlinked: None,
        then: None,
        impostor: false,
        naming: Some(key_id),
        holder: None,
    }))
}

/// `client-cert`'s issuer name and the key identifier it names that issuer by (its AKI), where
/// the forgery was refused and never served and the server advertised that name (or no names).
fn by_client_cert_issuer(
    ctx: &ProbeContext,
    first: &VersionView<'_>,
) -> Option<(Option<Vec<u8>>, Vec<u8>)> {
    let baseline = refused_forgery(first)?;
    let leaf = ctx.client.as_ref()?.certified.cert.first()?;
    let key_id = crate::identity::forge::authority_key_id(leaf)?;
    let (_, parsed) = x509_parser::parse_x509_certificate(leaf.as_ref()).ok()?;
    let issuer = parsed.issuer().as_raw();
    let advertised = &baseline.acceptable_ca_names;
    let asked = advertised.is_empty()
        || advertised
            .iter()
            .take(MAX_NAMES)
            .any(|n| n.as_slice() == issuer);
    asked.then(|| (Some(issuer.to_vec()), key_id))
}

/// The first name forged again with a self-signed CA certificate of ours named so after it, where
/// the forgery alone was refused (in the handshake, or by an application; not by nginx's own
/// certificate page) and never served: a verifier that takes its trust anchor from the chain
/// the client sends where the name is its client CA's (a Go `VerifyPeerCertificate` that trusts
/// the intermediate sent under that name and checks the leaf, dates and key purpose against it)
/// lets it in (an audit's false pass, fifteenth session: A with every credential). One
/// connection per version, on servers that ask for a certificate and refuse the forgery.
fn with_impostor_ca(ctx: &ProbeContext, first: &VersionView<'_>) -> Option<Arc<Forged>> {
    let baseline = refused_forgery(first)?;
    let name = baseline
        .acceptable_ca_names
        .first()
        .or(ctx.forge_fallback_issuer.as_ref())?;
    Some(Arc::new(Forged {
        forger: ctx.forger.clone(),
        index: None,
        fallback: Some(name.clone()),
        unlinked: None,
        then: None,
        impostor: true,
        naming: None,
        holder: None,
    }))
}

/// Another subject issued and signed by the user's valid certificate (`client-cert` and its key,
/// where it is an end-entity certificate ([`crate::identity::may_issue`] says no: a CA:TRUE one
/// may rightly sign, and a server pinning it takes what it signs: an audit's F); else the
/// staging CA's control: an end-entity certificate, CA:FALSE), sent with that
/// certificate's chain after it, where the
/// forgery was refused (not by nginx's own certificate page) and never served: a verifier that
/// walks the chain's signatures up to its CA without checking basicConstraints lets any holder of
/// one valid certificate in as anybody (an audit's Go `VerifyPeerCertificate`: A, exit 0). One
/// connection per version, with a valid certificate only.
fn issued_by_holder(ctx: &ProbeContext, first: &VersionView<'_>) -> Option<Arc<Forged>> {
    refused_forgery(first)?;
    // The staging CA's bare end-entity certificate first (nothing but basicConstraints forbids
    // it signing: [`crate::probe::StagingIdentities::holder`]), else `client-cert`.
    let staging = ctx
        .staging
        .as_ref()
        .map(|s| Holder::Staging(s.holder.clone()));
    let holder = staging.or_else(|| {
        ctx.client
            .as_ref()
            .filter(|c| c.private_key_der().is_some())
            .filter(|c| {
                c.certified
                    .cert
                    .first()
                    .is_some_and(|leaf| !crate::identity::may_issue(leaf))
            })
            .map(|c| Holder::Given(c.clone()))
    })?;
    Some(Arc::new(Forged {
        forger: ctx.forger.clone(),
        index: None,
        fallback: None,
        unlinked: None,
        then: None,
        impostor: false,
        naming: None,
        holder: Some(holder),
    }))
}

/// The fallback issuer forged on its own, where the server advertised names but not it.
fn forged_fallback(ctx: &ProbeContext, advertised: &[String]) -> Option<Arc<Forged>> {
    let fallback = ctx.forge_fallback_issuer.as_ref()?;
    let named = crate::text::describe_name(fallback);
    (!advertised.is_empty() && !advertised.contains(&named)).then(|| {
        Arc::new(Forged {
            forger: ctx.forger.clone(),
            index: None,
            fallback: Some(fallback.clone()),
            unlinked: None,
            then: None,
            impostor: false,
            naming: None,
            holder: None,
        })
    })
}

/// The probe.
pub struct ForgedClientCert;

static SPEC: ProbeSpec = ProbeSpec {
    id: ProbeId::FORGED_CLIENT_CERT,
    presents: "issuer Name copied byte for byte from each advertised CA name (DER-spliced, so repeated and multi-valued attributes survive), signed by our own key, its authority key identifier naming our key (OpenSSL: unknown issuer); with `client-cert`, its subject and subjectAltName are that certificate's too (a server that lets any CA through and authorises by subject lets it in); where that is refused as an unknown issuer (in the handshake, or by the application reading the verify result), the first name again without a key identifier, claiming a P-256 and an RSA signature, or only the CA's own kind where a certificate it signed is in hand (`client-cert`, the staging CA; an Ed25519 CA's, an Ed25519 signature) (OpenSSL takes the real CA of that key kind for the issuer and its signature fails, which HAProxy `crt-ignore-err 7` forgives); where the forgery was refused (not by nginx's own certificate page) and the scan holds the certificate of a CA whose name it copies (`client-cert`'s chain, the staging CA, `--ca-file`), again with that certificate after it (a verifier that takes the CA certificate the client sends for the trust anchor, as Erlang `partial_chain` claiming the last certificate of the chain, lets it in), and alone naming that CA by its key identifier as well (a verifier that takes the issuer's name and key identifier for proof, without the signature, lets it in), or, where the scan holds no such certificate, alone naming `client-cert`'s issuer by the key identifier `client-cert` names it by (its authority key identifier), where the server asks for that name or names none; and where it was refused so, the first name again with a self-signed CA certificate of ours after it that carries that name as subject and issuer (a verifier that trusts the intermediate the client sends under its client CA's name and checks the leaf against it lets it in); and, with a staging CA, a certificate issued and signed by an end-entity certificate of that CA's with nothing but basicConstraints `CA:FALSE` to forbid it signing (no keyUsage, no extendedKeyUsage), else by `client-cert` itself where it is one too (not `CA:TRUE`, nor a v1 self-signed one, nor one whose keyUsage allows keyCertSign: such a certificate may rightly sign), sent with it, claiming `client-cert`'s subject and subjectAltName (another subject without it) (a verifier that walks signatures up to its CA without checking basicConstraints lets any holder of one certificate from that CA in as anybody: Erlang/OTP 25 `verify_peer` does, where the holder carries no keyUsage; behind an allowlist of subjects, as the valid client)",
    needs: "advertised CA names, else the issuer of `client-cert` or the staging CA; skipped with a reason otherwise",
    findings: &[FindingId::ForgedClientCertAccepted],
};

impl Probe for ForgedClientCert {
    fn spec(&self) -> &'static ProbeSpec {
        &SPEC
    }

    /// The first advertised name (or the fallback issuer) in the first wave.
    fn plan(&self, ctx: &ProbeContext) -> Plan {
        Plan::Run(Some(forged(ctx, 0)))
    }

    /// Each further advertised name, up to [`MAX_NAMES`], once the names are known; and the
    /// fallback issuer where the names leave it out.
    fn follow_up(&self, ctx: &ProbeContext, first: &VersionView<'_>) -> Vec<Arc<dyn CertChooser>> {
        let advertised = first
            .of(ProbeId::NO_CLIENT_CERT)
            .map_or(&[][..], |o| o.acceptable_cas.as_slice());
        (1..advertised.len().min(MAX_NAMES))
            .map(|i| forged(ctx, i) as Arc<dyn CertChooser>)
            .chain(forged_fallback(ctx, advertised).map(|f| f as Arc<dyn CertChooser>))
            .chain(
                unlinked(ctx, first)
                    .into_iter()
                    .map(|f| f as Arc<dyn CertChooser>),
            )
            .chain(with_real_ca(ctx, first).map(|f| f as Arc<dyn CertChooser>))
            .chain(naming_key_id(ctx, first).map(|f| f as Arc<dyn CertChooser>))
            .chain(with_impostor_ca(ctx, first).map(|f| f as Arc<dyn CertChooser>))
            .chain(issued_by_holder(ctx, first).map(|f| f as Arc<dyn CertChooser>))
            .collect()
    }

    /// A name that could not be forged from is reported with the transport's own reason; this
    /// one is for a server that advertised no name, with no fallback issuer.
    fn unpresented(&self, _ctx: &ProbeContext) -> Option<&'static str> {
        Some("no CA name to copy: the server advertised none (as Python's ssl does) and no client identity or staging CA gave an issuer, or this connection advertised fewer names than the first")
    }

    fn judge<'a>(&self, view: &VersionView<'a>) -> Vec<Judged<'a>> {
        served_with(
            view,
            self.id(),
            FindingId::ForgedClientCertAccepted,
            "a certificate whose issuer name was copied from an advertised CA, signed by our own \
             key,",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::recorded::{obs, view, with_cert};

    #[test]
    fn a_served_forgery_is_found_on_any_of_its_names() {
        let o = [
            with_cert(obs(ProbeId::FORGED_CLIENT_CERT, Outcome::RefusedTls, None)),
            with_cert(obs(ProbeId::FORGED_CLIENT_CERT, Outcome::Served, Some(200))),
        ];
        let found = ForgedClientCert.judge(&view(&o));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].finding.id, FindingId::ForgedClientCertAccepted);
    }
}
