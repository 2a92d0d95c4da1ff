//! The async client: one daemon, one connection pool, the API version agreed once.
//!
//! Creating a [`Client`] does no I/O. The first request is `GET /_ping` (unversioned, so any
//! daemon answers): its `Api-Version` and `Server` headers say which API and engine the daemon
//! has. The client refuses daemons older than API 1.41 (Docker 20.10), and from then on speaks
//! `min(daemon, ApiVersion::MAX)` on versioned paths — never an unversioned path whose meaning
//! would change with the daemon. Something that answers `/_ping` without an `Api-Version` header
//! (a web server, a proxy's error page) is not taken for a daemon: the error says what answered.
//!
//! Why `/_ping` and not `/version`: on Docker 20.10 `/version` costs the daemon 5–7.5 ms (it runs
//! `runc --version` and `docker-init --version` and asks containerd, on every call), `/_ping`
//! 0.05 ms — and the first request of every `dockernet` process pays it (bench/README.md, item 1).
//! The docker CLI negotiates the same way.
//!
//! Every request goes through `Client::send` and one of the readers below it, which hold the
//! wire's limits for all of dockernet:
//! - **A timeout per request** (default 60 s; `DOCKERNET_TIMEOUT`, `--timeout`, Python's
//!   `timeout=`). A stop adds its grace period to it (the daemon waits that long before it
//!   kills); the output of an exec is a stream, not a request, and is bounded only by the exec's
//!   own `timeout` option.
//! - **A cap on what one answer may hold** (default 256 MiB, `DOCKERNET_MAX_RESPONSE_BYTES`), so a
//!   daemon — or anything at a `tcp://` address — that sends an endless body is an error, not a
//!   client that grows until the machine runs out of memory. 5,000 networks list in a few MB.
//! - **One retry of a request that never reached the daemon.** A pooled keep-alive connection
//!   can be dead by the time it is used (the daemon restarted while a REPL, a notebook or a
//!   service sat idle); a write that fails with a broken pipe never reached it, so the request
//!   goes again on a fresh connection. A request the daemon may have read (the connection closed
//!   after the request was written) is sent again only if it is a `GET` or `HEAD`, as Go's
//!   `net/http` does: a `POST` twice could create twice. Over TCP a write to a closed connection
//!   does not fail, so after an idle spell the client first lets the runtime read what arrived
//!   meanwhile — a daemon's close included — and the pool drops the dead connection before use.
//!
//! Network, container and exec operations live in their own files as `impl Client` blocks.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::document::Document;
use crate::error::{Error, ErrorKind, Result};
use crate::host::{Endpoint, Host};
use crate::transport::{SendError, Transport};

// dockernet's own HTTP/1.1 for whole-body requests; only this file uses it.
#[path = "h1.rs"]
mod h1;

/// A Docker Engine API version such as 1.41.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion(pub u32, pub u32);

impl ApiVersion {
    /// The oldest API dockernet speaks: Docker 20.10.
    pub const MIN: ApiVersion = ApiVersion(1, 41);
    /// The newest API dockernet asks for: a newer daemon is spoken to at this version (it
    /// keeps answering older versions the same way).
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

/// The async dockernet client. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct Client {
    host: Host,
    transport: Transport,
    /// dockernet's own HTTP/1.1 for whole-body requests over a Unix socket or plain TCP (see
    /// `h1.rs`); `None` (TLS, ssh): those go through `transport` too.
    direct: Option<h1::Pool>,
    timeout: Duration,
    max_response_bytes: u64,
    connected: OnceCell<DaemonInfo>,
    /// When this client was made: `last_send` counts from it.
    born: Instant,
    /// When the last request was sent (nanoseconds after `born`), to spot an idle pool.
    last_send: AtomicU64,
}

/// After this long without a request, the pool's connections may have been closed by the daemon
/// without this client noticing (a blocking client's runtime only runs during calls).
const IDLE: Duration = Duration::from_millis(500);

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `host.url` is already redacted (see `crate::host`).
        f.debug_struct("Client")
            .field("host", &self.host.url)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

/// The default time allowed for one daemon request. Generous, because creating a network with an
/// unknown driver takes ~15 s to fail (plugin discovery retries). `DOCKERNET_TIMEOUT` (seconds)
/// changes it for every client made without an explicit timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The environment variable holding the per-request timeout in seconds (`90`, `2.5`).
pub const TIMEOUT_ENV: &str = "DOCKERNET_TIMEOUT";

/// The default cap on one answer's body, and on the output an exec collects: 256 MiB. A list of
/// 5,000 networks is a few MB, so only a broken or hostile server reaches it.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 << 20;

/// The environment variable holding the response cap in bytes.
pub const MAX_RESPONSE_ENV: &str = "DOCKERNET_MAX_RESPONSE_BYTES";

/// The environment variable that picks the HTTP/1.1 client of plain (Unix socket, TCP without
/// TLS) daemons: unset or `own`, dockernet's own (`h1.rs`); `hyper`, hyper's pooled client, the
/// one TLS and ssh always use. For measuring one against the other in the same build
/// (bench/README.md) and as a way around `h1.rs` should some proxy need it.
pub const HTTP_ENV: &str = "DOCKERNET_HTTP";

/// How much of an error answer is read: enough for any daemon message, and an excerpt of
/// anything else.
const ERROR_BODY_BYTES: usize = 64 << 10;

/// Parses a timeout in seconds (`60`, `2.5`) from `what` (a flag or variable, named in the
/// error): a positive, finite number.
///
/// ```
/// # use dockernet_core::client::parse_timeout;
/// assert_eq!(parse_timeout("2.5", "--timeout").unwrap().as_millis(), 2500);
/// assert!(parse_timeout("0", "--timeout").unwrap_err().message().contains("--timeout"));
/// ```
pub fn parse_timeout(text: &str, what: &str) -> Result<Duration> {
    let bad = || Error::invalid(format!("{what}: expected a positive number of seconds, got {text:?}"));
    let secs: f64 = text.trim().parse().map_err(|_| bad())?;
    if !(secs.is_finite() && secs > 0.0) {
        return Err(bad());
    }
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

/// `DOCKERNET_TIMEOUT` when it is set and not empty.
///
/// # Errors
/// `invalid`, naming the variable and its value, when it is not a positive number of seconds.
pub fn timeout_from_env() -> Result<Option<Duration>> {
    match std::env::var(TIMEOUT_ENV) {
        Ok(v) if !v.trim().is_empty() => parse_timeout(&v, TIMEOUT_ENV).map(Some),
        _ => Ok(None),
    }
}

/// `DOCKERNET_MAX_RESPONSE_BYTES`, or [`DEFAULT_MAX_RESPONSE_BYTES`] when it is unset or empty.
///
/// # Errors
/// `invalid`, naming the variable and its value, when it is not a positive whole number of bytes.
pub fn max_response_from_env() -> Result<u64> {
    match std::env::var(MAX_RESPONSE_ENV) {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(Error::invalid(format!(
                "{MAX_RESPONSE_ENV}: expected a positive whole number of bytes (such as 268435456), got {v:?}"
            ))),
        },
        _ => Ok(DEFAULT_MAX_RESPONSE_BYTES),
    }
}

/// `256 MiB`, `64 KiB`, `1000 bytes`.
pub(crate) fn byte_size(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// One answer from the daemon, its body read whole (within the cap).
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: Headers,
    pub(crate) body: Bytes,
}

/// An answer's headers: hyper's map, or the header lines as `h1` received them (looked up only
/// when asked: a call reads at most two of them).
pub(crate) enum Headers {
    Map(HeaderMap),
    Lines(Bytes),
}

impl Client {
    /// A client for `host` (`None`: `DOCKER_HOST`, the current context, or the local socket),
    /// with the timeout from `DOCKERNET_TIMEOUT` (default 60 s) and the response cap from
    /// `DOCKERNET_MAX_RESPONSE_BYTES` (default 256 MiB). Does no I/O; an unreachable daemon shows
    /// up on the first call as [`ErrorKind::Unavailable`].
    ///
    /// # Errors
    /// `invalid` for a malformed host or environment variable, naming it.
    pub fn new(host: Option<&str>) -> Result<Client> {
        let host = Host::resolve(host)?;
        Client::with_host(host, timeout_from_env()?.unwrap_or(DEFAULT_TIMEOUT))
    }

    /// A client for an already resolved host, with a per-request timeout (which wins over
    /// `DOCKERNET_TIMEOUT`) and the response cap from `DOCKERNET_MAX_RESPONSE_BYTES`.
    pub fn with_host(host: Host, timeout: Duration) -> Result<Client> {
        let max_response_bytes = max_response_from_env()?;
        let transport = Transport::new(&host)?;
        let direct = match &host.endpoint {
            _ if std::env::var_os(HTTP_ENV).is_some_and(|v| v == "hyper") => None,
            Endpoint::Unix(path) => Some(h1::Pool::new(h1::Target::Unix(std::sync::Arc::from(path.as_path())))),
            Endpoint::Tcp { addr, tls: None } => Some(h1::Pool::new(h1::Target::Tcp(addr.clone()))),
            _ => None,
        };
        Ok(Client {
            host,
            transport,
            direct,
            timeout,
            max_response_bytes,
            connected: OnceCell::new(),
            born: Instant::now(),
            last_send: AtomicU64::new(0),
        })
    }

    /// The same client with another cap on one answer's body (and on an exec's output).
    pub fn with_max_response_bytes(mut self, max: u64) -> Client {
        self.max_response_bytes = max.max(1);
        self
    }

    /// Where this client connects.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The cap on one answer's body, in bytes.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    async fn connected(&self) -> Result<&DaemonInfo> {
        self.connected.get_or_try_init(|| self.connect()).await
    }

    async fn connect(&self) -> Result<DaemonInfo> {
        let answer = self.exchange(Method::GET, "/_ping", None, Some(self.timeout)).await?;
        let header = |k: &str| header(&answer.headers, k);
        let Some(daemon_api) = ApiVersion::parse(&header("api-version")) else {
            // Every answer of a Docker daemon carries Api-Version (its version middleware sets
            // it, errors included): without it, this is something else.
            let why = if answer.status.is_success() { "but no Api-Version header" } else { "" };
            return Err(self.not_a_daemon(&Method::GET, "/_ping", &answer, why));
        };
        if !answer.status.is_success() {
            return Err(self.answer_error(&Method::GET, "/_ping", &answer));
        }
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
        Ok(DaemonInfo { api: daemon_api.min(ApiVersion::MAX), daemon_api, engine })
    }

    /// What the daemon said about itself (connects on first use).
    pub async fn daemon(&self) -> Result<&DaemonInfo> {
        self.connected().await
    }

    /// The daemon's `/version` document (`Version`, `ApiVersion`, `Os`, `Arch`, …), asked for
    /// on each call (it is the daemon's live answer, and costly on 20.10: see the file notes).
    pub async fn version(&self) -> Result<Value> {
        let api = self.daemon().await?.api;
        self.request_json(Method::GET, &format!("/v{api}/version"), None, Some(self.timeout)).await
    }

    /// Checks that the daemon answers (`GET /_ping`). The first call of a client is its
    /// connecting ping, so it costs one round trip too.
    pub async fn ping(&self) -> Result<()> {
        if self.connected.initialized() {
            self.request(Method::GET, "/_ping", None, Some(self.timeout)).await.map(|_| ())
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

    /// `/v<api><path_and_query>`: the path on the agreed API version (connects on first use).
    pub(crate) async fn versioned(&self, path_and_query: &str) -> Result<String> {
        let api = self.daemon().await?.api;
        Ok(format!("/v{api}{path_and_query}"))
    }

    /// GETs one daemon document, kept as the daemon's JSON text (see [`crate::document`]).
    pub(crate) async fn get_doc(&self, path_and_query: &str) -> Result<Document> {
        let path = self.versioned(path_and_query).await?;
        let body = self.request(Method::GET, &path, None, Some(self.timeout)).await?;
        Document::from_slice(&body).map_err(|e| self.not_json(&Method::GET, &path, &body, &e))
    }

    /// GETs a list answer as its documents, in the daemon's order.
    pub(crate) async fn get_docs(&self, path_and_query: &str) -> Result<Vec<Document>> {
        let path = self.versioned(path_and_query).await?;
        let body = self.request(Method::GET, &path, None, Some(self.timeout)).await?;
        Document::list_from_slice(&body).map_err(|e| self.not_json(&Method::GET, &path, &body, &e))
    }

    /// GETs a list answer and decodes it in one pass with a binding's seeds
    /// ([`crate::document::decode_list`]): the items and their sort keys, in the daemon's order.
    pub(crate) async fn get_list_with<S, T>(&self, path_and_query: &str, item: impl FnMut() -> S) -> Result<Vec<(T, String)>>
    where
        S: for<'de> serde::de::DeserializeSeed<'de, Value = (T, String)>,
    {
        let path = self.versioned(path_and_query).await?;
        let body = self.request(Method::GET, &path, None, Some(self.timeout)).await?;
        let text = std::str::from_utf8(&body).map_err(|e| self.not_json(&Method::GET, &path, &body, &e))?;
        crate::document::decode_list(text, item).map_err(|e| self.not_json(&Method::GET, &path, &body, &e))
    }

    /// POSTs a JSON body on the agreed API version and returns the JSON answer (or `Null`).
    pub(crate) async fn post_json<B: serde::Serialize + ?Sized>(&self, path_and_query: &str, body: &B) -> Result<Value> {
        self.post_json_within(path_and_query, body, Some(self.timeout)).await
    }

    /// [`Client::post_json`] with its own time limit (`None`: no limit), for a request the daemon
    /// is known to hold longer than usual (a stop waits for its grace period).
    pub(crate) async fn post_json_within<B: serde::Serialize + ?Sized>(
        &self,
        path_and_query: &str,
        body: &B,
        limit: Option<Duration>,
    ) -> Result<Value> {
        // Serialised here, once, from whatever typed body the caller holds (`crate::daemon`).
        let payload = Bytes::from(serde_json::to_vec(body)?);
        let path = self.versioned(path_and_query).await?;
        self.request_json(Method::POST, &path, Some(payload), limit).await
    }

    /// One request with a raw body and extra headers (an image archive), within the client's
    /// timeout and response cap; a non-2xx answer becomes a classified error. `path` is
    /// already versioned.
    pub(crate) async fn raw(
        &self,
        method: Method,
        path: &str,
        payload: Option<Bytes>,
        headers: &[(&str, &str)],
    ) -> Result<Bytes> {
        let fut = async {
            let resp = self.send(&method, path, payload, headers).await?;
            self.read_answer(&method, path, resp).await
        };
        let answer = match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r?,
            Err(_) => return Err(self.timed_out(&method, path, self.timeout)),
        };
        if answer.status.is_success() {
            Ok(answer.body)
        } else {
            Err(self.answer_error(&method, path, &answer))
        }
    }

    /// DELETEs on the agreed API version (a container, a network); the answer has no body.
    pub(crate) async fn delete(&self, path_and_query: &str) -> Result<()> {
        let path = self.versioned(path_and_query).await?;
        self.request(Method::DELETE, &path, None, Some(self.timeout)).await.map(|_| ())
    }

    async fn request_json(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        limit: Option<Duration>,
    ) -> Result<Value> {
        let bytes = self.request(method.clone(), path, body, limit).await?;
        // Podman's Docker-compatible API answers a network connect or disconnect with the text
        // `OK` where Docker sends nothing: no document either way.
        if bytes.is_empty() || bytes.trim_ascii() == b"OK" {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| self.not_json(&method, path, &bytes, &e))
    }

    /// One request; a non-2xx answer becomes a classified error.
    async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        limit: Option<Duration>,
    ) -> Result<Bytes> {
        let answer = self.exchange(method.clone(), path, body, limit).await?;
        if answer.status.is_success() || answer.status == StatusCode::NOT_MODIFIED {
            Ok(answer.body)
        } else {
            Err(self.answer_error(&method, path, &answer))
        }
    }

    /// Sends one request and reads its answer whole, within `limit` (`None`: no time limit) and
    /// the response cap. Does not judge the status.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        payload: Option<Bytes>,
        limit: Option<Duration>,
    ) -> Result<Answer> {
        let fut = async {
            if let Some(pool) = &self.direct {
                return self.exchange_direct(pool, &method, path, payload.as_deref()).await;
            }
            let resp = self.send(&method, path, payload, &[]).await?;
            self.read_answer(&method, path, resp).await
        };
        match limit {
            None => fut.await,
            Some(limit) => match tokio::time::timeout(limit, fut).await {
                Ok(r) => r,
                Err(_) => Err(self.timed_out(&method, path, limit)),
            },
        }
    }

    /// Reads an answer's body: a success whole up to the cap (more is an error), an error answer
    /// up to [`ERROR_BODY_BYTES`] (the rest is not needed for its message).
    pub(crate) async fn read_answer(&self, method: &Method, path: &str, resp: Response<Incoming>) -> Result<Answer> {
        let (parts, body) = resp.into_parts();
        let status = parts.status;
        let body = if status.is_success() || status == StatusCode::NOT_MODIFIED {
            let cap = usize::try_from(self.max_response_bytes).unwrap_or(usize::MAX);
            match Limited::new(body, cap).collect().await {
                Ok(c) => c.to_bytes(),
                Err(e) if e.is::<LengthLimitError>() => return Err(self.too_big(method, path)),
                Err(e) => return Err(self.unavailable(&root_cause(&*e))),
            }
        } else {
            read_prefix(body, ERROR_BODY_BYTES).await
        };
        Ok(Answer { status, headers: Headers::Map(parts.headers), body })
    }

    /// [`Client::exchange`] on dockernet's own HTTP/1.1 (`h1.rs`), with the same retry rule
    /// and messages as the hyper path below.
    async fn exchange_direct(
        &self,
        pool: &h1::Pool,
        method: &Method,
        path: &str,
        payload: Option<&[u8]>,
    ) -> Result<Answer> {
        self.settle_after_idle().await;
        let cap = usize::try_from(self.max_response_bytes).unwrap_or(usize::MAX);
        let first = match pool.exchange(method, path, payload, false, cap, ERROR_BODY_BYTES).await {
            Ok(raw) => return Ok(Answer { status: raw.status, headers: Headers::Lines(raw.head), body: raw.body }),
            Err(h1::Failure::TooBig) => return Err(self.too_big(method, path)),
            Err(e) => e,
        };
        if first.worth_retrying(method) {
            // As in `send`: let the runtime see the other idle connections the daemon closed.
            tokio::task::yield_now().await;
            match pool.exchange(method, path, payload, true, cap, ERROR_BODY_BYTES).await {
                Ok(raw) => return Ok(Answer { status: raw.status, headers: Headers::Lines(raw.head), body: raw.body }),
                Err(h1::Failure::TooBig) => return Err(self.too_big(method, path)),
                Err(_) => {}
            }
        }
        Err(self.unavailable(&first.cause()))
    }

    /// After an idle spell, lets the runtime read what arrived meanwhile (a daemon's close), so
    /// that a dead idle connection is dropped instead of handed out: the first yield lets the
    /// reactor see the events, the second lets the woken tasks run before this request picks a
    /// connection. A few microseconds, only after an idle spell.
    async fn settle_after_idle(&self) {
        let now = u64::try_from(self.born.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let last = self.last_send.swap(now, Ordering::Relaxed);
        if now.saturating_sub(last) > IDLE.as_nanos() as u64 {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
        }
    }

    /// Sends one request on the pool and returns the answer's head (the body still to read).
    /// `payload` is JSON; `headers` are extra request headers. A request that failed on a dead
    /// pooled connection is sent once more (see the file notes).
    pub(crate) async fn send(
        &self,
        method: &Method,
        path: &str,
        payload: Option<Bytes>,
        headers: &[(&str, &str)],
    ) -> Result<Response<Incoming>> {
        let build = || {
            let mut b = Request::builder().method(method.clone()).uri(format!("{}{path}", self.transport.base));
            if payload.is_some() && !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                b = b.header("Content-Type", "application/json");
            }
            for (k, v) in headers {
                b = b.header(*k, *v);
            }
            b.body(Full::new(payload.clone().unwrap_or_default()))
                .map_err(|e| Error::invalid(format!("bad request path {path:?}: {e}")))
        };
        self.settle_after_idle().await;
        match self.transport.send(build()?).await {
            Ok(resp) => Ok(resp),
            Err(e) => {
                if worth_retrying(method, &e) {
                    // Let the runtime notice the other pooled connections the daemon closed (their
                    // EOFs are waiting in the reactor), so the retry takes a fresh one.
                    tokio::task::yield_now().await;
                    if let Ok(resp) = self.transport.send(build()?).await {
                        return Ok(resp);
                    }
                }
                Err(self.unavailable(&root_cause(&e)))
            }
        }
    }

    fn timed_out(&self, method: &Method, path: &str, limit: Duration) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "the Docker daemon at {} did not answer {method} {} within {limit:?} (raise the timeout: \
                 --timeout, {TIMEOUT_ENV}, or the client's timeout option)",
                self.host.url,
                route(path)
            ),
        )
    }

    fn too_big(&self, method: &Method, path: &str) -> Error {
        Error::new(
            ErrorKind::Api,
            format!(
                "the daemon at {} sent more than {} for {method} {}; dockernet stopped reading. If that answer \
                 is genuine, raise {MAX_RESPONSE_ENV} (now {} bytes)",
                self.host.url,
                byte_size(self.max_response_bytes),
                route(path),
                self.max_response_bytes
            ),
        )
    }

    pub(crate) fn unavailable(&self, cause: &str) -> Error {
        let hint = match self.host.source.as_str() {
            "default" => "is dockerd running? (set DOCKER_HOST or --host to use another daemon)".to_string(),
            src => format!("is dockerd running there? (the address comes from {src})"),
        };
        Error::new(
            ErrorKind::Unavailable,
            format!("cannot reach the Docker daemon at {}: {cause}; {hint}", self.host.url),
        )
    }

    /// A non-2xx answer: the daemon's `{"message": …}` classified, or — when the body is not
    /// that — a message saying what answered instead.
    pub(crate) fn answer_error(&self, method: &Method, path: &str, answer: &Answer) -> Error {
        match daemon_message(&answer.body) {
            Some(message) => Error::from_daemon(answer.status.as_u16(), &message),
            None => self.not_a_daemon(method, path, answer, "and no Docker error message"),
        }
    }

    /// What answered, for an answer no Docker daemon would give: status, route, `Server` header
    /// and the start of the body. No daemon status is kept on the error (it is `unavailable`):
    /// a proxy's 404 must not read as "no such network" to a script.
    fn not_a_daemon(&self, method: &Method, path: &str, answer: &Answer, why: &str) -> Error {
        // A daemon listening with TLS answers plain HTTP with Go's 400: it is a daemon, and the
        // client is missing TLS.
        if answer.status.as_u16() == 400
            && String::from_utf8_lossy(&answer.body).contains("Client sent an HTTP request to an HTTPS server")
        {
            return Error::new(
                ErrorKind::Unavailable,
                format!(
                    "the daemon at {} speaks TLS, and this client connected without it (it answered {method} {} \
                     with \"Client sent an HTTP request to an HTTPS server\"); set DOCKER_TLS_VERIFY=1 and \
                     DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem, or use a docker context, \
                     docker.connect{{tls = {{…}}}} in Lua or Client(tls=…) in Python",
                    self.host.url,
                    route(path),
                ),
            );
        }
        let why = if why.is_empty() { String::new() } else { format!(" {why}") };
        Error::new(
            ErrorKind::Unavailable,
            format!(
                "the server at {} answered {method} {} with {}{why} ({}; {}): that does not look like a Docker \
                 daemon; {}",
                self.host.url,
                route(path),
                status_text(answer.status),
                match header(&answer.headers, "server") {
                    s if s.is_empty() => "no Server header".to_string(),
                    s => format!("Server: {}", fold(s.as_bytes(), 60)),
                },
                body_excerpt(&answer.body),
                self.address_hint()
            ),
        )
    }

    /// A 2xx body that is not the JSON a daemon sends.
    fn not_json(&self, method: &Method, path: &str, body: &[u8], e: &dyn fmt::Display) -> Error {
        Error::new(
            ErrorKind::Api,
            format!(
                "the server at {} answered {method} {} with a body that is not the JSON a Docker daemon sends \
                 ({e}; {})",
                self.host.url,
                route(path),
                body_excerpt(body)
            ),
        )
    }

    fn address_hint(&self) -> String {
        match self.host.source.as_str() {
            "default" => "is this the Docker socket? (set DOCKER_HOST or --host to use another daemon)".to_string(),
            src => format!("check the address (it comes from {src})"),
        }
    }
}

/// Whether a failed send may go again: on a connection that died before the request was written
/// (a broken pipe), any request; on one that closed after it was written, only `GET`/`HEAD` (the
/// daemon may have acted on it). A refused connection is not retried: the daemon is down.
fn worth_retrying(method: &Method, e: &SendError) -> bool {
    if e.is_connect() {
        return false;
    }
    let idempotent = method == Method::GET || method == Method::HEAD;
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            return match io.kind() {
                K::BrokenPipe => true,
                K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof => idempotent,
                _ => false,
            };
        }
        if let Some(h) = c.downcast_ref::<hyper::Error>() {
            if h.is_canceled() {
                return true;
            }
            if h.is_incomplete_message() {
                return idempotent;
            }
        }
        cause = c.source();
    }
    false
}

/// The innermost cause (ENOENT, ECONNREFUSED, EPIPE), not the HTTP library's wrapper text.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Reads at most `max` bytes of a body, and stops there (errors end it too: this is for messages).
async fn read_prefix(mut body: Incoming, max: usize) -> Bytes {
    let mut out = Vec::new();
    while out.len() < max {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    out.extend_from_slice(&data[..data.len().min(max - out.len())]);
                }
            }
            _ => break,
        }
    }
    Bytes::from(out)
}

/// A header as text (`""` when absent or not text).
fn header(headers: &Headers, name: &str) -> String {
    match headers {
        Headers::Map(map) => map.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().trim().to_string(),
        Headers::Lines(lines) => lines
            .split(|b| *b == b'\n')
            .filter_map(|line| {
                let colon = line.iter().position(|b| *b == b':')?;
                line[..colon].eq_ignore_ascii_case(name.as_bytes()).then(|| &line[colon + 1..])
            })
            .next()
            // As `HeaderValue::to_str`: visible ASCII (and tabs and spaces) only, else "".
            .and_then(|v| std::str::from_utf8(v.trim_ascii()).ok())
            .filter(|v| v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)))
            .unwrap_or_default()
            .to_string(),
    }
}

/// The path without its query: what messages name (`/v1.41/networks`).
fn route(path: &str) -> &str {
    path.split_once('?').map_or(path, |(p, _)| p)
}

/// `404 Not Found`.
fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(r) => format!("{} {r}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// The daemon's error message from a `{"message": "…"}` body.
fn daemon_message(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<Value>(body).ok()?.get("message")?.as_str().map(str::to_string)
}

/// `an empty body` or `body: "<html><head><title>404 Not Found</title>…"`.
fn body_excerpt(body: &[u8]) -> String {
    if body.iter().all(u8::is_ascii_whitespace) {
        "an empty body".to_string()
    } else {
        format!("body: {}", excerpt(body, 120))
    }
}

/// The first `max` characters of some text, whitespace runs folded, quoted and escaped.
fn excerpt(bytes: &[u8], max: usize) -> String {
    format!("{:?}", fold(bytes, max))
}

/// The first `max` characters of some text with whitespace runs folded to one space and other
/// control characters dropped (`…` when cut).
fn fold(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4 * max)]);
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ").replace(char::is_control, "");
    let mut short: String = folded.chars().take(max).collect();
    if short.len() < folded.len() || bytes.len() > 4 * max {
        short.push('…');
    }
    short
}

/// The engine version from a `Server: Docker/20.10.24+dfsg1 (linux)` header (empty if absent;
/// other engines' headers are kept whole).
fn engine_from_server(server: &str) -> String {
    let v = server.strip_prefix("Docker/").unwrap_or(server);
    v.split_once(' ').map_or(v, |(v, _)| v).to_string()
}

/// Percent-encodes one path segment (names may hold any character).
pub(crate) fn seg(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Encodes a filter map as the API's `filters` query parameter.
pub(crate) fn filters_query(filters: &std::collections::BTreeMap<String, crate::options::StringList>) -> String {
    if filters.is_empty() {
        return String::new();
    }
    let map: std::collections::BTreeMap<&str, &Vec<String>> = filters.iter().map(|(k, v)| (k.as_str(), &v.0)).collect();
    let encoded = serde_json::to_string(&map).unwrap_or_default();
    format!("filters={}", seg(&encoded))
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

    /// Timeouts parse as positive seconds; anything else is refused naming where it came from.
    #[test]
    fn timeouts_parse() {
        assert_eq!(parse_timeout("90", "--timeout").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_timeout(" 0.25 ", "x").unwrap(), Duration::from_millis(250));
        for bad in ["0", "-1", "nan", "inf", "1e300", "soon", ""] {
            let e = parse_timeout(bad, "DOCKERNET_TIMEOUT").unwrap_err();
            assert!(e.message().starts_with("DOCKERNET_TIMEOUT: ") && e.message().contains(&format!("{bad:?}")), "{e}");
        }
    }

    /// Sizes read as people write them; excerpts are short, single-line and marked when cut.
    #[test]
    fn sizes_and_excerpts() {
        assert_eq!(byte_size(DEFAULT_MAX_RESPONSE_BYTES), "256 MiB");
        assert_eq!(byte_size(4 << 30), "4 GiB");
        assert_eq!(byte_size(1536), "1536 bytes");
        assert_eq!(byte_size(64 << 10), "64 KiB");
        assert_eq!(excerpt(b"<html>\n  <b>x</b>\r\n", 120), "\"<html> <b>x</b>\"");
        let long = "a".repeat(1000);
        assert_eq!(excerpt(long.as_bytes(), 5), "\"aaaaa…\"");
        assert_eq!(fold(b"nginx\x07/1.2", 60), "nginx/1.2");
        assert_eq!(body_excerpt(b" \n"), "an empty body");
        assert_eq!(route("/v1.41/networks?filters=x"), "/v1.41/networks");
        assert_eq!(daemon_message(br#"{"message":"no such network"}"#).as_deref(), Some("no such network"));
        assert_eq!(daemon_message(b"<html>"), None);
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
