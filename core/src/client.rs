//! The async client: one daemon, one connection pool, the API version agreed once.
//!
//! Creating a [`Client`] does no I/O. The first request is `GET /_ping` (unversioned, so any
//! daemon answers): its `Api-Version` and `Server` headers say which API and engine the daemon
//! has. The client refuses daemons older than API 1.41 (Docker 20.10), and from then on speaks
//! `min(daemon, bollard's models)` on versioned paths — never an unversioned path whose meaning
//! would change with the daemon.
//!
//! Why `/_ping` and not `/version`: on Docker 20.10 `/version` costs the daemon 5–7.5 ms (it runs
//! `runc --version` and `docker-init --version` and asks containerd, on every call), `/_ping`
//! 0.05 ms — and the first request of every `dockernet` process pays it (bench/README.md, item 1).
//! The docker CLI negotiates the same way.
//!
//! Network, container and exec operations live in their own files as `impl Client` blocks.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::document::Document;
use crate::error::{Error, ErrorKind, Result};
use crate::host::Host;
use crate::transport::Transport;

/// A Docker Engine API version such as 1.41.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion(pub u32, pub u32);

impl ApiVersion {
    /// The oldest API dockernet speaks: Docker 20.10.
    pub const MIN: ApiVersion = ApiVersion(1, 41);
    /// The newest API whose models dockernet (through bollard) knows.
    pub const MAX: ApiVersion = ApiVersion(1, 53);

    /// Parses `"1.41"`.
    pub fn parse(s: &str) -> Option<ApiVersion> {
        let (a, b) = s.split_once('.')?;
        Some(ApiVersion(a.parse().ok()?, b.parse().ok()?))
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// What the daemon said about itself when the client connected.
#[derive(Debug, Clone)]
pub struct DaemonInfo {
    /// The API version used on every request: `min(daemon, ApiVersion::MAX)`.
    pub api: ApiVersion,
    /// The daemon's own newest API version.
    pub daemon_api: ApiVersion,
    /// The engine version (`20.10.24+dfsg1`, `28.2.2`), from the `Server: Docker/<version>
    /// (<os>)` header; empty when the daemon does not say.
    pub engine: String,
}

struct Connected {
    docker: bollard::Docker,
    info: DaemonInfo,
}

/// The async dockernet client. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct Client {
    host: Host,
    transport: Transport,
    timeout: Duration,
    connected: OnceCell<Connected>,
}

/// The default time allowed for one daemon request. Generous, because creating a network with an
/// unknown driver takes ~15 s to fail (plugin discovery retries) and container stops wait for
/// the process.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

impl Client {
    /// A client for `host` (`None`: `DOCKER_HOST`, the current context, or the local socket).
    /// Does no I/O; an unreachable daemon shows up on the first call as
    /// [`ErrorKind::Unavailable`].
    pub fn new(host: Option<&str>) -> Result<Client> {
        let host = Host::resolve(host)?;
        Client::with_host(host, DEFAULT_TIMEOUT)
    }

    /// A client for an already resolved host, with a per-request timeout.
    pub fn with_host(host: Host, timeout: Duration) -> Result<Client> {
        let transport = Transport::new(&host)?;
        Ok(Client { host, transport, timeout, connected: OnceCell::new() })
    }

    /// Where this client connects.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn connected(&self) -> Result<&Connected> {
        self.connected.get_or_try_init(|| self.connect()).await
    }

    async fn connect(&self) -> Result<Connected> {
        let (_, headers) = self.request_full(Method::GET, "/_ping", None).await?;
        let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default().trim().to_string();
        let daemon_api = ApiVersion::parse(&header("api-version")).ok_or_else(|| {
            Error::new(ErrorKind::Api, format!("the daemon at {} did not report an API version", self.host.url))
        })?;
        let engine = engine_from_server(&header("server"));
        if daemon_api < ApiVersion::MIN {
            return Err(Error::new(
                ErrorKind::Unavailable,
                format!(
                    "the Docker daemon at {} is Docker {engine} (API {daemon_api}); dockernet needs Docker 20.10 \
                     (API {}) or newer",
                    self.host.url,
                    ApiVersion::MIN
                ),
            ));
        }
        let api = daemon_api.min(ApiVersion::MAX);
        let docker = self.transport.bollard((api.0 as usize, api.1 as usize), self.timeout.as_secs().max(1))?;
        Ok(Connected { docker, info: DaemonInfo { api, daemon_api, engine } })
    }

    /// What the daemon said about itself (connects on first use).
    pub async fn daemon(&self) -> Result<&DaemonInfo> {
        Ok(&self.connected().await?.info)
    }

    /// The daemon's `/version` document (`Version`, `ApiVersion`, `Os`, `Arch`, …), asked for
    /// on each call (it is the daemon's live answer, and costly on 20.10: see the file notes).
    pub async fn version(&self) -> Result<Value> {
        let api = self.daemon().await?.api;
        self.request_json(Method::GET, &format!("/v{api}/version"), None).await
    }

    /// Checks that the daemon answers (`GET /_ping`). The first call of a client is its
    /// connecting ping, so it costs one round trip too.
    pub async fn ping(&self) -> Result<()> {
        if self.connected.initialized() {
            self.request(Method::GET, "/_ping", None).await.map(|_| ())
        } else {
            self.connected().await.map(|_| ())
        }
    }

    /// Refuses an option the connected daemon would silently ignore.
    pub(crate) async fn require_api(&self, min: ApiVersion, option: &str) -> Result<()> {
        let info = self.daemon().await?;
        if info.daemon_api < min {
            return Err(Error::invalid(format!(
                "option {option} needs Docker Engine API {min} or newer; the daemon at {} is Docker {} (API {}), \
                 which would silently ignore it",
                self.host.url, info.engine, info.daemon_api
            )));
        }
        Ok(())
    }

    /// The bollard client on the shared pool, at the agreed version.
    pub(crate) async fn docker(&self) -> Result<&bollard::Docker> {
        Ok(&self.connected().await?.docker)
    }

    /// GETs one daemon document, kept as the daemon's JSON text (see [`crate::document`]).
    pub(crate) async fn get_doc(&self, path_and_query: &str) -> Result<Document> {
        Document::from_slice(&self.get_versioned(path_and_query).await?)
    }

    /// GETs a list answer as its documents, in the daemon's order.
    pub(crate) async fn get_docs(&self, path_and_query: &str) -> Result<Vec<Document>> {
        Document::list_from_slice(&self.get_versioned(path_and_query).await?)
    }

    /// GETs a body on the agreed API version.
    async fn get_versioned(&self, path_and_query: &str) -> Result<Bytes> {
        let api = self.daemon().await?.api;
        self.request(Method::GET, &format!("/v{api}{path_and_query}"), None).await
    }

    /// POSTs a JSON body on the agreed API version and returns the JSON answer (or `Null`).
    pub(crate) async fn post_json(&self, path_and_query: &str, body: &Value) -> Result<Value> {
        let api = self.daemon().await?.api;
        self.request_json(Method::POST, &format!("/v{api}{path_and_query}"), Some(body)).await
    }

    async fn request_json(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let bytes = self.request(method, path, body).await?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// One request on the shared pool; non-2xx answers become classified errors.
    async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Bytes> {
        self.request_full(method, path, body).await.map(|(bytes, _)| bytes)
    }

    /// [`Client::request`] that also returns the answer's headers.
    async fn request_full(&self, method: Method, path: &str, body: Option<&Value>) -> Result<(Bytes, HeaderMap)> {
        let mut builder = Request::builder().method(method).uri(format!("{}{path}", self.transport.base));
        let payload = match body {
            Some(v) => {
                builder = builder.header("Content-Type", "application/json");
                Bytes::from(serde_json::to_vec(v)?)
            }
            None => Bytes::new(),
        };
        let req = builder
            .body(bollard::body_full(payload))
            .map_err(|e| Error::invalid(format!("bad request path {path:?}: {e}")))?;
        let fut = async {
            let resp = self.transport.send(req).await.map_err(|e| self.map_bollard(e))?;
            let status = resp.status();
            let (parts, body) = resp.into_parts();
            let bytes = body
                .collect()
                .await
                .map_err(|e| self.unavailable(&e.to_string()))?
                .to_bytes();
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                Ok((bytes, parts.headers))
            } else {
                Err(daemon_error(status.as_u16(), &bytes))
            }
        };
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(self.timed_out()),
        }
    }

    fn timed_out(&self) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!("the Docker daemon at {} did not answer within {:?}", self.host.url, self.timeout),
        )
    }

    fn unavailable(&self, cause: &str) -> Error {
        let hint = match self.host.source.as_str() {
            "default" => "is dockerd running? (set DOCKER_HOST or --host to use another daemon)".to_string(),
            src => format!("is dockerd running there? (the address comes from {src})"),
        };
        Error::new(ErrorKind::Unavailable, format!("cannot reach the Docker daemon at {}: {cause}; {hint}", self.host.url))
    }

    /// Turns a bollard error into dockernet's, classifying daemon answers by status and message.
    pub(crate) fn map_bollard(&self, e: bollard::errors::Error) -> Error {
        use bollard::errors::Error as B;
        match e {
            B::DockerResponseServerError { status_code, message } => Error::from_daemon(status_code, &message),
            B::RequestTimeoutError => self.timed_out(),
            B::HyperLegacyError { err } => {
                // Show the root cause (ENOENT, ECONNREFUSED), not hyper's wrapper text.
                let mut cause: &dyn std::error::Error = &err;
                while let Some(next) = cause.source() {
                    cause = next;
                }
                self.unavailable(&cause.to_string())
            }
            B::IOError { err } => self.unavailable(&err.to_string()),
            B::SocketNotFoundError(path) => self.unavailable(&format!("no socket at {path}")),
            other => Error::new(ErrorKind::Api, other.to_string()),
        }
    }
}

/// The engine version from a `Server: Docker/20.10.24+dfsg1 (linux)` header (empty if absent;
/// other engines' headers are kept whole).
fn engine_from_server(server: &str) -> String {
    let v = server.strip_prefix("Docker/").unwrap_or(server);
    v.split_once(' ').map_or(v, |(v, _)| v).to_string()
}

/// Builds the classified error from a non-2xx body (`{"message": "…"}`).
fn daemon_error(status: u16, body: &[u8]) -> Error {
    let message = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
    Error::from_daemon(status, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// API versions order numerically, not as strings (1.9 < 1.41).
    #[test]
    fn api_versions_order() {
        assert!(ApiVersion::parse("1.9").unwrap() < ApiVersion::parse("1.41").unwrap());
        assert_eq!(ApiVersion::parse("1.48").unwrap().to_string(), "1.48");
        assert_eq!(ApiVersion::parse("x"), None);
    }

    /// The engine version is read from `/_ping`'s `Server` header.
    #[test]
    fn engine_version_from_server_header() {
        assert_eq!(engine_from_server("Docker/20.10.24+dfsg1 (linux)"), "20.10.24+dfsg1");
        assert_eq!(engine_from_server("Docker/28.2.2 (linux)"), "28.2.2");
        assert_eq!(engine_from_server("libpod/5.0"), "libpod/5.0");
        assert_eq!(engine_from_server(""), "");
    }

    /// A daemon-unreachable error names the socket and what to check.
    #[test]
    fn unreachable_daemon_is_named() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let c = Client::new(Some("unix:///nonexistent/docker.sock")).unwrap();
        let e = rt.block_on(c.ping()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert!(e.message().contains("unix:///nonexistent/docker.sock"), "{e}");
        assert!(e.message().contains("dockerd"), "{e}");
    }
}
