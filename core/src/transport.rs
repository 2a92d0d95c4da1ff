//! The one HTTP connection pool to the daemon: hyper's pooled client over a Unix socket, plain
//! TCP or TLS, with request URIs that start with [`Transport::base`].
//!
//! Every request dockernet makes goes through here and through `Client::send` above it, so the
//! limits of `client.rs` (the response cap, the timeout, the retry of a request that never
//! reached the daemon) hold for all of them. (bollard used to serve a few calls over this pool;
//! its body reads had neither a size cap nor a timeout, so those calls are dockernet's own now.)

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::error::{Error, Result};
use crate::host::{Endpoint, Host, TlsFiles};

/// Every request body is whole before it is sent (JSON documents), so a request can be sent again.
pub(crate) type Body = Full<Bytes>;

/// Why a send failed before any answer: hyper's error (its sources hold the I/O cause).
pub(crate) type SendError = hyper_util::client::legacy::Error;

type SendFuture = Pin<Box<dyn Future<Output = std::result::Result<Response<Incoming>, SendError>> + Send>>;

/// Sends one request over the pooled connection.
#[derive(Clone)]
pub(crate) struct Transport {
    send: Arc<dyn Fn(Request<Body>) -> SendFuture + Send + Sync>,
    /// `scheme://authority` that request URIs start with (`http://docker` for a Unix socket,
    /// `http://h:p`, `https://h:p`).
    pub(crate) base: String,
}

impl Transport {
    /// Builds the pool for `host`. Does no I/O.
    pub(crate) fn new(host: &Host) -> Result<Transport> {
        match &host.endpoint {
            Endpoint::Unix(path) => {
                let client: HyperClient<_, _> =
                    HyperClient::builder(TokioExecutor::new()).build(UnixSocket(Arc::from(path.as_path())));
                Ok(Transport::wrap(client, "http://docker".to_string()))
            }
            Endpoint::Tcp { addr, tls: None } => {
                let client: HyperClient<_, _> = HyperClient::builder(TokioExecutor::new()).build(HttpConnector::new());
                Ok(Transport::wrap(client, format!("http://{addr}")))
            }
            Endpoint::Tcp { addr, tls: Some(files) } => {
                let config = tls_config(files).map_err(|e| e.context(format!("TLS for {}", host.url)))?;
                let mut http = HttpConnector::new();
                http.enforce_http(false);
                let https = hyper_rustls::HttpsConnector::from((http, config));
                let client: HyperClient<_, _> = HyperClient::builder(TokioExecutor::new()).build(https);
                Ok(Transport::wrap(client, format!("https://{addr}")))
            }
        }
    }

    fn wrap<C>(client: HyperClient<C, Body>, base: String) -> Transport
    where
        C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
    {
        let send = move |req: Request<Body>| -> SendFuture { Box::pin(client.request(req)) };
        Transport { send: Arc::new(send), base }
    }

    /// Sends a request (its URI must start with [`Transport::base`]).
    pub(crate) fn send(&self, req: Request<Body>) -> SendFuture {
        (self.send)(req)
    }
}

/// Connects every request to one Unix socket, whatever its URI says.
///
/// Why not hyperlocal's connector: it carries the socket path hex-encoded in each URI's authority,
/// and the connection pool hashes the authority byte by byte on every request — ~8,000
/// instructions, a sixth of a whole `ping`'s client cost (bench/callgrind/run.sh). Here the URIs
/// say `http://docker` and the path lives in the connector.
#[derive(Clone)]
struct UnixSocket(Arc<std::path::Path>);

impl tower_service::Service<http::Uri> for UnixSocket {
    type Response = TokioIo<tokio::net::UnixStream>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let path = self.0.clone();
        Box::pin(async move { Ok(TokioIo::new(tokio::net::UnixStream::connect(&*path).await?)) })
    }
}

/// A rustls client config from the CA, client certificate and key (the docker CLI's `ca.pem`,
/// `cert.pem`, `key.pem`).
fn tls_config(files: &TlsFiles) -> Result<rustls::ClientConfig> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|e| Error::invalid(format!("cannot read {}: {e}", path.display())))
    };
    let bad = |path: &std::path::Path, e: &dyn std::fmt::Display| Error::invalid(format!("{}: {e}", path.display()));
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&read(&files.ca)?) {
        roots.add(cert.map_err(|e| bad(&files.ca, &e))?).map_err(|e| bad(&files.ca, &e))?;
    }
    let certs = CertificateDer::pem_slice_iter(&read(&files.cert)?)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| bad(&files.cert, &e))?;
    let key = PrivateKeyDer::from_pem_slice(&read(&files.key)?).map_err(|e| bad(&files.key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::invalid(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_client_auth_cert(certs, key)
        .map_err(|e| bad(&files.cert, &e))
}
