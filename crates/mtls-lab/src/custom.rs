//! Custom lab servers for tests: any served chain and key (expired, self-signed, wrong host, a
//! chain without its intermediate …), a client-auth mode, and fixed routes, e.g. a "leaky" server
//! that answers configuration paths. Streamed bodies count the bytes handed to the connection, so
//! a test can show that a client stopped reading.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::LabError;

/// What the server does about client certificates.
#[derive(Debug, Clone)]
pub enum ClientAuthMode {
    /// Never asks.
    None,
    /// Asks, verifies against this CA when one is sent, serves without one.
    Optional(CertificateDer<'static>),
    /// Requires a certificate from this CA.
    Required(CertificateDer<'static>),
}

/// A body a route answers with.
#[derive(Debug, Clone)]
pub enum RouteBody {
    /// These bytes.
    Static(Bytes),
    /// `chunk` repeated until `total` bytes, produced only as the connection takes them.
    Stream {
        /// One frame.
        chunk: Bytes,
        /// Bytes in all.
        total: usize,
    },
}

/// One fixed route.
#[derive(Debug, Clone)]
pub struct Route {
    /// The exact path.
    pub path: String,
    /// The `Content-Type`.
    pub content_type: String,
    /// The body.
    pub body: RouteBody,
}

impl Route {
    /// A route with a static body.
    pub fn new(path: &str, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            path: path.to_owned(),
            content_type: content_type.to_owned(),
            body: RouteBody::Static(body.into()),
        }
    }
}

/// What every other path gets.
#[derive(Debug, Clone)]
pub enum Fallback {
    /// 404.
    NotFound,
    /// 200 with this page, whatever the path (a single-page app's catch-all).
    Page {
        /// The `Content-Type`.
        content_type: String,
        /// The page.
        body: Bytes,
    },
}

/// A custom server's configuration.
#[derive(Debug)]
pub struct CustomSpec {
    /// The chain served, leaf first, exactly as given.
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's key.
    pub key: PrivateKeyDer<'static>,
    /// Client authentication.
    pub client_auth: ClientAuthMode,
    /// Fixed routes.
    pub routes: Vec<Route>,
    /// Everything else.
    pub fallback: Fallback,
    /// A `Server` header, when set.
    pub server_header: Option<String>,
    /// Another chain and its key, served to every handshake after the first two (a pool whose
    /// other backends serve another certificate, met once the first connections are made), when
    /// set.
    pub alternate: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
}

/// A running custom server. Dropping it stops it.
#[derive(Debug)]
pub struct CustomServer {
    /// `https://127.0.0.1:PORT/`.
    pub url: String,
    /// Bytes of streamed bodies handed to connections so far.
    pub streamed: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for CustomServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a custom server on a 127.0.0.1 ephemeral port.
pub async fn serve(spec: CustomSpec) -> Result<CustomServer, LabError> {
    let tls = |e: rustls::Error| LabError::Tls(e.to_string());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls)?;
    let verifier = |ca: &CertificateDer<'static>, optional: bool| {
        let mut roots = RootCertStore::empty();
        roots.add(ca.clone()).map_err(tls)?;
        let b = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
        let b = if optional {
            b.allow_unauthenticated()
        } else {
            b
        };
        b.build().map_err(|e| LabError::Tls(e.to_string()))
    };
    let builder = match &spec.client_auth {
        ClientAuthMode::None => builder.with_no_client_auth(),
        ClientAuthMode::Optional(ca) => builder.with_client_cert_verifier(verifier(ca, true)?),
        ClientAuthMode::Required(ca) => builder.with_client_cert_verifier(verifier(ca, false)?),
    };
    // The chain is served as given: no check that it is complete, valid or matches a name.
    let key = provider
        .key_provider
        .load_private_key(spec.key.clone_key())
        .map_err(tls)?;
    let mut certified = vec![Arc::new(rustls::sign::CertifiedKey::new(
        spec.chain.clone(),
        key,
    ))];
    if let Some((chain, key)) = &spec.alternate {
        let key = provider
            .key_provider
            .load_private_key(key.clone_key())
            .map_err(tls)?;
        certified.push(Arc::new(rustls::sign::CertifiedKey::new(
            chain.clone(),
            key,
        )));
    }
    let mut config = builder.with_cert_resolver(Arc::new(InTurn {
        certified,
        next: AtomicUsize::new(0),
    }));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("https://127.0.0.1:{}/", listener.local_addr()?.port());
    let streamed = Arc::new(AtomicUsize::new(0));
    let app = Arc::new(App {
        routes: spec.routes,
        fallback: spec.fallback,
        server_header: spec.server_header,
        streamed: streamed.clone(),
    });
    let task = tokio::spawn(accept(listener, TlsAcceptor::from(Arc::new(config)), app));
    Ok(CustomServer {
        url,
        streamed,
        task,
    })
}

/// The chain served, and from the third handshake on the alternate (when given).
#[derive(Debug)]
struct InTurn {
    certified: Vec<Arc<rustls::sign::CertifiedKey>>,
    next: AtomicUsize,
}

impl rustls::server::ResolvesServerCert for InTurn {
    fn resolve(
        &self,
        _hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        let turn = self.next.fetch_add(1, Ordering::Relaxed);
        let alternate = turn >= 2;
        self.certified
            .get(usize::from(alternate))
            .or(self.certified.first())
            .cloned()
    }
}

struct App {
    routes: Vec<Route>,
    fallback: Fallback,
    server_header: Option<String>,
    streamed: Arc<AtomicUsize>,
}

async fn accept(listener: TcpListener, acceptor: TlsAcceptor, app: Arc<App>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let Ok(Ok(tls)) =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
            else {
                return;
            };
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let app = app.clone();
                async move { Ok::<_, Infallible>(app.respond(req.uri().path())) }
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

impl App {
    fn respond(&self, path: &str) -> hyper::Response<LabBody> {
        let (status, content_type, body) = match self.routes.iter().find(|r| r.path == path) {
            Some(r) => (200, r.content_type.clone(), r.body.clone()),
            None => match &self.fallback {
                Fallback::NotFound => (
                    404,
                    "text/plain".to_owned(),
                    RouteBody::Static(Bytes::from_static(b"not found\n")),
                ),
                Fallback::Page { content_type, body } => {
                    (200, content_type.clone(), RouteBody::Static(body.clone()))
                }
            },
        };
        let body = match body {
            RouteBody::Static(b) => LabBody::Static(Some(b)),
            RouteBody::Stream { chunk, total } => LabBody::Stream {
                chunk,
                remaining: total,
                counter: self.streamed.clone(),
            },
        };
        let mut resp = hyper::Response::new(body);
        *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
        if let Ok(v) = hyper::header::HeaderValue::from_str(&content_type) {
            resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
        }
        if let Some(s) = self
            .server_header
            .as_deref()
            .and_then(|s| hyper::header::HeaderValue::from_str(s).ok())
        {
            resp.headers_mut().insert(hyper::header::SERVER, s);
        }
        resp
    }
}

/// A static body, or a chunk repeated on demand.
enum LabBody {
    Static(Option<Bytes>),
    Stream {
        chunk: Bytes,
        remaining: usize,
        counter: Arc<AtomicUsize>,
    },
}

impl Body for LabBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            LabBody::Static(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            LabBody::Stream {
                chunk,
                remaining,
                counter,
            } => {
                if *remaining == 0 || chunk.is_empty() {
                    return Poll::Ready(None);
                }
                let n = chunk.len().min(*remaining);
                *remaining -= n;
                counter.fetch_add(n, Ordering::Relaxed);
                Poll::Ready(Some(Ok(Frame::data(chunk.slice(..n)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            LabBody::Static(b) => b.is_none(),
            LabBody::Stream { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            LabBody::Static(Some(b)) => SizeHint::with_exact(b.len() as u64),
            LabBody::Static(None) => SizeHint::with_exact(0),
            LabBody::Stream { remaining, .. } => SizeHint::with_exact(*remaining as u64),
        }
    }
}
