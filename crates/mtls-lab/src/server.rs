//! Starting the lab's servers: one TLS listener per case on 127.0.0.1, each serving HTTP/1.1
//! (and h2 for the correct case) with a tiny app.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::{LazyConfigAcceptor, TlsAcceptor};

use crate::case::LabCase;
use crate::pki::LabPki;
use crate::verifier::{Flaw, FlawedVerifier};

/// Why the lab could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    /// Minting the PKI failed.
    #[error("minting the lab PKI: {0}")]
    Pki(#[from] rcgen::Error),
    /// rustls refused a server configuration.
    #[error("lab TLS configuration: {0}")]
    Tls(String),
    /// Binding a port on 127.0.0.1 failed.
    #[error("binding 127.0.0.1: {0}")]
    Bind(#[from] std::io::Error),
}

/// One running lab server. Dropping it stops it.
#[derive(Debug)]
pub struct LabServer {
    /// Its configuration.
    pub case: LabCase,
    /// `https://127.0.0.1:PORT/`.
    pub url: String,
    task: JoinHandle<()>,
}

impl Drop for LabServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The running lab.
#[derive(Debug)]
pub struct Lab {
    /// Its PKI (the CA is the issuing CA the lab trusts).
    pub pki: LabPki,
    /// Its servers, in the order asked for.
    pub servers: Vec<LabServer>,
}

impl Lab {
    /// The server of one case.
    pub fn server(&self, case: LabCase) -> Option<&LabServer> {
        self.servers.iter().find(|s| s.case == case)
    }
}

/// Starts one server per case, on 127.0.0.1 ephemeral ports.
pub async fn start(cases: &[LabCase]) -> Result<Lab, LabError> {
    let pki = LabPki::mint()?;
    // The subject the subject-authorized app lets in: the lab client's.
    let client_subject = {
        use rustls::pki_types::pem::PemObject as _;
        let der = rustls::pki_types::CertificateDer::from_pem_slice(pki.client_cert_pem.as_bytes())
            .map_err(|e| LabError::Tls(e.to_string()))?;
        Arc::new(subject_of(&der).unwrap_or_default())
    };
    let mut servers = Vec::new();
    for &case in cases {
        let config = Arc::new(server_config(&pki, case)?);
        let accept = if case == LabCase::SniHostRouting {
            // Any server name gets the configuration without client auth; none (as for an IP
            // address) gets the one that requires a certificate.
            Accept::BySni {
                named: Arc::new(server_config(&pki, LabCase::NoClientAuth)?),
                unnamed: config,
            }
        } else {
            Accept::One(TlsAcceptor::from(config))
        };
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let url = format!(
            "https://127.0.0.1:{}{}",
            listener.local_addr()?.port(),
            case.path()
        );
        let task = tokio::spawn(serve(listener, accept, case, client_subject.clone()));
        servers.push(LabServer { case, url, task });
    }
    Ok(Lab { pki, servers })
}

fn server_config(pki: &LabPki, case: LabCase) -> Result<ServerConfig, LabError> {
    let tls = |e: rustls::Error| LabError::Tls(e.to_string());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(pki.ca_der.clone()).map_err(tls)?;
    let roots = Arc::new(roots);
    let webpki = |optional: bool| {
        let b = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone());
        let b = if optional {
            b.allow_unauthenticated()
        } else {
            b
        };
        b.build().map_err(|e| LabError::Tls(e.to_string()))
    };
    let flawed =
        |flaw: Flaw| -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, LabError> {
            let ca_subject_der = x509_parser::parse_x509_certificate(pki.ca_der.as_ref())
                .map(|(_, c)| c.tbs_certificate.subject.as_raw().to_vec())
                .map_err(|e| LabError::Tls(e.to_string()))?;
            Ok(Arc::new(FlawedVerifier {
                inner: webpki(false)?,
                flaw,
                ca_subject_der,
            }))
        };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls)?;
    let builder = match case {
        LabCase::NoClientAuth | LabCase::TrustsProxyHeader => builder.with_no_client_auth(),
        LabCase::Optional
        | LabCase::OptionalApp403
        | LabCase::CheckedOncePerConnection
        | LabCase::ResumedSessionTrusted
        | LabCase::HostGuardAsWritten
        | LabCase::PathGuardAsWritten => builder.with_client_cert_verifier(webpki(true)?),
        LabCase::RequiredVerified
        | LabCase::ExpiredServerCert
        | LabCase::SelfSignedServerCert
        | LabCase::WrongHostServerCert
        | LabCase::MissingIntermediate
        | LabCase::SniHostRouting => builder.with_client_cert_verifier(webpki(false)?),
        LabCase::LeakyActuator => builder.with_client_cert_verifier(webpki(true)?),
        LabCase::AcceptAnyCert | LabCase::SubjectAuthorized => {
            builder.with_client_cert_verifier(flawed(Flaw::AcceptAny)?)
        }
        LabCase::IssuerNameOnly => builder.with_client_cert_verifier(flawed(Flaw::IssuerNameOnly)?),
        LabCase::SkipSignature => builder.with_client_cert_verifier(flawed(Flaw::SkipSignature)?),
        LabCase::IgnoreValidity => builder.with_client_cert_verifier(flawed(Flaw::IgnoreValidity)?),
    };
    let (chain, key) = match case {
        LabCase::ExpiredServerCert => (&pki.expired_server.chain, &pki.expired_server.key),
        LabCase::SelfSignedServerCert => {
            (&pki.self_signed_server.chain, &pki.self_signed_server.key)
        }
        LabCase::WrongHostServerCert => (&pki.wrong_host_server.chain, &pki.wrong_host_server.key),
        LabCase::MissingIntermediate => (
            &pki.no_intermediate_server.chain,
            &pki.no_intermediate_server.key,
        ),
        _ => (&pki.server_chain, &pki.server_key),
    };
    let mut config = builder
        .with_single_cert(chain.clone(), key.clone_key())
        .map_err(tls)?;
    config.alpn_protocols = if case == LabCase::RequiredVerified {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(config)
}

/// How a case's connections are accepted: one configuration, or one chosen by the SNI.
#[derive(Clone)]
enum Accept {
    One(TlsAcceptor),
    BySni {
        named: Arc<ServerConfig>,
        unnamed: Arc<ServerConfig>,
    },
}

impl Accept {
    async fn accept(
        &self,
        tcp: tokio::net::TcpStream,
    ) -> std::io::Result<tokio_rustls::server::TlsStream<tokio::net::TcpStream>> {
        match self {
            Accept::One(acceptor) => acceptor.accept(tcp).await,
            Accept::BySni { named, unnamed } => {
                let start =
                    LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp).await?;
                let config = if start.client_hello().server_name().is_some() {
                    named.clone()
                } else {
                    unnamed.clone()
                };
                start.into_stream(config).await
            }
        }
    }
}

/// The subject Name (DER) of a certificate.
fn subject_of(cert: &[u8]) -> Option<Vec<u8>> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
    Some(parsed.tbs_certificate.subject.as_raw().to_vec())
}

async fn serve(listener: TcpListener, accept: Accept, case: LabCase, client_subject: Arc<Vec<u8>>) {
    let port = listener.local_addr().map_or(0, |a| a.port());
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let accept = accept.clone();
        let client_subject = client_subject.clone();
        tokio::spawn(async move {
            let Ok(Ok(tls)) =
                tokio::time::timeout(Duration::from_secs(10), accept.accept(tcp)).await
            else {
                return;
            };
            let conn = tls.get_ref().1;
            let peer = conn.peer_certificates().and_then(|c| c.first());
            let has_cert = match case {
                // The flawed app: a name, whoever signed it.
                LabCase::SubjectAuthorized => {
                    peer.and_then(|c| subject_of(c)).as_deref() == Some(client_subject.as_slice())
                }
                _ => peer.is_some(),
            }
                // The flawed app: a resumed session counts as a verified client.
                || (case == LabCase::ResumedSessionTrusted
                    && conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed));
            // The flawed app: the connection marked checked at its first request, whatever the
            // check found.
            let checked = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let checked = checked.clone();
                async move {
                    let has_cert = has_cert
                        || (case == LabCase::CheckedOncePerConnection
                            && checked.swap(true, std::sync::atomic::Ordering::SeqCst));
                    Ok::<_, Infallible>(respond(case, has_cert, port, &req))
                }
            });
            let _ = tokio::time::timeout(
                Duration::from_secs(30),
                hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service),
            )
            .await;
        });
    }
}

/// A path as many routers resolve it: percent-decoded, slashes merged, `.` segments dropped, in
/// lower case (bytes that do not decode are kept as they are).
fn resolved(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                decoded.push(v);
                i += 3;
            }
            _ => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    let text = String::from_utf8_lossy(&decoded).to_ascii_lowercase();
    let segments: Vec<&str> = text
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    format!("/{}", segments.join("/"))
}

/// What the leaky case's Spring Boot actuator shows (a password among it, which must never
/// reach a report).
const ACTUATOR_ENV: &str = r#"{"activeProfiles":["prod"],"propertySources":[{"name":"Config resource 'class path resource [application.yml]' via location 'optional:classpath:/'","properties":{"server.port":{"value":"8443"},"server.ssl.client-auth":{"value":"want","origin":"class path resource [application.yml] - 5:18"},"server.ssl.key-store":{"value":"classpath:server.p12"},"spring.datasource.password":{"value":"lab-secret-do-not-report"}}}]}"#;

fn respond<B>(
    case: LabCase,
    has_cert: bool,
    port: u16,
    req: &hyper::Request<B>,
) -> hyper::Response<Full<Bytes>> {
    let path = req.uri().path();
    // The Host as the client wrote it (HTTP/1.1's header, or h2's :authority).
    let written = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or_default();
    // The Host without its port.
    let host = written.rsplit_once(':').map_or(written, |(name, _)| name);
    // The first copy, as a trusting app reads it.
    let verified = req
        .headers()
        .get("x-ssl-client-verify")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"SUCCESS"));
    let (status, body) = if case == LabCase::PathGuardAsWritten {
        // The guard by the path as written; the route by the path resolved.
        if path.starts_with("/admin/") && !has_cert {
            (403, "forbidden: client certificate required\n".to_owned())
        } else if resolved(path) == "/admin/orders" {
            // Its own path in a link, the slashes escaped as PHP's json_encode writes them.
            let link = path.replace('/', "\\/");
            (
                200,
                format!(
                    "{{\"orders\":[1001,1002],\"case\":\"{}\",\"self\":\"{link}\"}}\n",
                    case.name()
                ),
            )
        } else {
            (404, "not found\n".to_owned())
        }
    } else if case == LabCase::HostGuardAsWritten {
        // The site by the Host normalised; the guard by the Host as written.
        if !host.trim_end_matches('.').eq_ignore_ascii_case("127.0.0.1") {
            (404, "no such site\n".to_owned())
        } else if written == format!("127.0.0.1:{port}") && !has_cert {
            (403, "forbidden: client certificate required\n".to_owned())
        } else {
            (200, format!("ok: {}\n", case.name()))
        }
    } else if case == LabCase::SniHostRouting {
        if host == "127.0.0.1" {
            (200, "secret area\n".to_owned())
        } else {
            (200, "public area\n".to_owned())
        }
    } else if (case == LabCase::TrustsProxyHeader && !verified)
        || (matches!(
            case,
            LabCase::OptionalApp403
                | LabCase::ResumedSessionTrusted
                | LabCase::SubjectAuthorized
                | LabCase::CheckedOncePerConnection
        ) && !has_cert)
    {
        (403, "forbidden: client certificate required\n".to_owned())
    } else if case == LabCase::LeakyActuator && path == "/actuator/env" {
        (200, ACTUATOR_ENV.to_owned())
    } else {
        (200, format!("ok: {}\n", case.name()))
    };
    let mut resp = hyper::Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    resp
}
