//! Built-in clients for `mtls-scan impostor --demo`: in-process rustls clients that read the
//! impostor's environment as any client would, one careful, one careless (a verifier that accepts
//! every certificate, as `InsecureSkipVerify` does), and one that checks the chain but not the
//! host name. Each holds a client certificate, so `--request-client-cert` shows which of them
//! hands it to an untrusted server. The careless verifiers exist only to be caught.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::client::{Client, ClientEnv, ClientFn};
use crate::finding::FindingId;
use crate::identity::{client_leaf_params, ClientIdentity, KeyKind, SigningCa};

/// One demo client and the findings it must get (root causes and implied ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoClient {
    /// Verifies the chain against the CA file, the name and the dates.
    Careful,
    /// Accepts any certificate (like Go `InsecureSkipVerify`, curl `-k`).
    Careless,
    /// Verifies the chain and dates, but forgives a certificate for another name.
    NameBlind,
}

impl DemoClient {
    /// Every demo client.
    pub const ALL: [DemoClient; 3] = [
        DemoClient::Careful,
        DemoClient::Careless,
        DemoClient::NameBlind,
    ];

    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            DemoClient::Careful => "careful-client",
            DemoClient::Careless => "careless-client",
            DemoClient::NameBlind => "name-blind-client",
        }
    }

    /// What it does.
    pub fn description(self) -> &'static str {
        match self {
            DemoClient::Careful => "rustls, roots from MTLS_IMPOSTOR_CA_FILE (the defaults)",
            DemoClient::Careless => "rustls with a verifier that accepts any certificate",
            DemoClient::NameBlind => "rustls, chain checked, a wrong host name forgiven",
        }
    }

    /// The findings it must get with `--request-client-cert`, in report order.
    pub fn expected(self) -> &'static [FindingId] {
        match self {
            DemoClient::Careful => &[],
            DemoClient::Careless => &[
                FindingId::ClientSkipsServerVerification,
                FindingId::ClientSendsIdentityToUntrustedServer,
                FindingId::ClientSkipsHostnameCheck,
                FindingId::ClientAcceptsExpiredServerCert,
            ],
            DemoClient::NameBlind => &[
                FindingId::ClientSkipsHostnameCheck,
                FindingId::ClientSendsIdentityToUntrustedServer,
            ],
        }
    }

    /// The client, with a freshly minted client certificate.
    pub fn client(self) -> Result<Client, crate::error::ScanError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let ca = SigningCa::mint("mtls-scan demo client CA")?;
        let identity = ca.issue(
            &client_leaf_params(self.name()),
            KeyKind::EcdsaP256,
            "demo client",
            &provider,
        )?;
        let run: ClientFn = Arc::new(move |env: ClientEnv| {
            let provider = provider.clone();
            let identity = identity.clone();
            Box::pin(async move { fetch(self, &env, provider, &identity).await })
        });
        Ok(Client::InProcess {
            name: self.name().to_owned(),
            run,
        })
    }
}

fn var<'a>(env: &'a ClientEnv, key: &str) -> Result<&'a str, String> {
    env.get(key)
        .map(String::as_str)
        .ok_or_else(|| format!("{key} is not set"))
}

/// Connects to the impostor as the environment says, sends `GET /`, reads the answer.
async fn fetch(
    kind: DemoClient,
    env: &ClientEnv,
    provider: Arc<CryptoProvider>,
    identity: &ClientIdentity,
) -> Result<(), String> {
    let host = var(env, "MTLS_IMPOSTOR_HOST")?.to_owned();
    let addr = var(env, "MTLS_IMPOSTOR_ADDR")?;
    let ca_pem = std::fs::read_to_string(var(env, "MTLS_IMPOSTOR_CA_FILE")?)
        .map_err(|e| format!("cannot read the CA file: {e}"))?;
    let mut roots = RootCertStore::empty();
    for cert in crate::identity::parse_certs(&ca_pem, "CA file").map_err(|e| e.to_string())? {
        roots.add(cert).map_err(|e| e.to_string())?;
    }
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let verifier: Arc<dyn ServerCertVerifier> = match kind {
        DemoClient::Careful => webpki,
        DemoClient::Careless => Arc::new(Forgiving {
            inner: webpki,
            forgive: Forgive::Everything,
        }),
        DemoClient::NameBlind => Arc::new(Forgiving {
            inner: webpki,
            forgive: Forgive::Name,
        }),
    };
    let key = identity
        .private_key_der()
        .ok_or("the demo identity has no key")?
        .clone_key();
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(identity.certified.cert.clone(), key)
        .map_err(|e| e.to_string())?;
    let name = ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let exchange = async {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let mut tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS: {e}"))?;
        let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        tls.write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        while buf.len() < 4096 {
            match tls.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend(chunk.iter().take(n)),
            }
        }
        if buf.starts_with(b"HTTP/1.1 200") {
            Ok(())
        } else {
            Err("no HTTP 200 answer".to_owned())
        }
    };
    tokio::time::timeout(Duration::from_secs(5), exchange)
        .await
        .map_err(|_| "timed out".to_owned())?
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Forgive {
    Everything,
    Name,
}

/// The careless verifiers: the webpki verifier, with errors forgiven. Signatures are still
/// checked (the handshake itself is sound).
#[derive(Debug)]
struct Forgiving {
    inner: Arc<WebPkiServerVerifier>,
    forgive: Forgive,
}

impl ServerCertVerifier for Forgiving {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict =
            self.inner
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        match (self.forgive, verdict) {
            (Forgive::Everything, _) => Ok(ServerCertVerified::assertion()),
            (
                Forgive::Name,
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                )),
            ) => Ok(ServerCertVerified::assertion()),
            (_, other) => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impostor::{target_report, Impostor, ImpostorOptions, Scenario};

    #[tokio::test]
    async fn each_demo_client_gets_exactly_its_findings() -> Result<(), Box<dyn std::error::Error>>
    {
        for kind in DemoClient::ALL {
            let mut options = ImpostorOptions::new("localhost");
            options.request_client_cert = true;
            options.scenario_timeout = Duration::from_secs(5);
            let impostor = Impostor::start(options).await?;
            let run = impostor.run_wrapped(&kind.client()?).await;
            let t = target_report(&run)?;
            let got: Vec<FindingId> = t.findings.iter().map(|f| f.id).collect();
            assert_eq!(got, kind.expected(), "{kind:?}: {:#?}", run.scenarios);
            assert!(t.error.is_none(), "{kind:?}: {:?}", t.error);
            assert!(t.incomplete.is_empty(), "{kind:?}: {:?}", t.incomplete);
            let control = run.scenario(Scenario::Control);
            assert!(control.is_some_and(|c| c
                .connections
                .iter()
                .all(|r| r.sni.as_deref() == Some("localhost"))));
        }
        Ok(())
    }
}
