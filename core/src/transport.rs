//! The one HTTP connection pool to the daemon: hyper's pooled client over a Unix socket, plain
//! TCP, TLS or an `ssh` process, with request URIs that start with [`Transport::base`].
//!
//! An `ssh://` host is reached the docker CLI's way (`cli/connhelper`): each new connection runs
//! the system `ssh` client with `docker system dial-stdio` as the remote command, and the HTTP
//! bytes go through its stdin and stdout; the pool keeps those processes as it keeps sockets. When
//! `ssh` fails (authentication, host key, no `docker` on the remote side, its daemon down), the
//! request fails with what `ssh` printed on stderr, never with a bare "connection closed".
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
use crate::host::{Endpoint, Host, SshTarget, TlsFiles};

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
            Endpoint::Ssh(target) => {
                let connector = SshCommand { args: Arc::from(ssh_args(target)?) };
                let client: HyperClient<_, _> = HyperClient::builder(TokioExecutor::new()).build(connector);
                Ok(Transport::wrap(client, "http://docker".to_string()))
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

/// The arguments of `ssh` for a target, as the docker CLI builds them (`cli/connhelper`):
/// `[-l USER] [-p PORT] -o ConnectTimeout=30 -T -- HOST docker [--host=unix://SOCKET] system
/// dial-stdio`, plus `-o BatchMode=yes`.
///
/// Why `BatchMode=yes`, which the docker CLI does not pass: the docker CLI starts `ssh` in a new
/// session, without a terminal, so `ssh` cannot ask for a password or a host-key confirmation and
/// fails instead. Starting a session needs `unsafe` here (a `pre_exec` hook); batch mode gives the
/// same outcome — a clear failure instead of a prompt that would fight the REPL for the terminal
/// or wait forever in a notebook. Options in `~/.ssh/config` apply as for any `ssh` command (the
/// docker CLI reads no other ssh settings, and neither does dockernet).
fn ssh_args(t: &SshTarget) -> Result<Vec<String>> {
    let mut args = Vec::new();
    if let Some(user) = &t.user {
        args.extend(["-l".to_string(), user.clone()]);
    }
    if let Some(port) = t.port {
        args.extend(["-p".to_string(), port.to_string()]);
    }
    args.extend(["-o", "ConnectTimeout=30", "-T", "-o", "BatchMode=yes", "--"].map(String::from));
    args.push(t.host.clone());
    // The remote command is one string that the remote shell splits: quote the socket path.
    let remote = match &t.socket {
        None => "docker system dial-stdio".to_string(),
        Some(path) => {
            let host = shlex::try_quote(&format!("--host=unix://{path}"))
                .map_err(|_| Error::invalid(format!("ssh socket path {path:?} cannot be quoted for the remote shell")))?
                .into_owned();
            format!("docker {host} system dial-stdio")
        }
    };
    args.push(remote);
    Ok(args)
}

/// Starts one `ssh … docker system dial-stdio` per connection (see the file notes).
#[derive(Clone)]
struct SshCommand {
    /// The arguments after `ssh` ([`ssh_args`]).
    args: Arc<[String]>,
}

impl tower_service::Service<http::Uri> for SshCommand {
    type Response = TokioIo<SshStream>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let args = self.args.clone();
        Box::pin(async move { SshStream::spawn(args).map(TokioIo::new) })
    }
}

/// How much of `ssh`'s stderr is kept for the error message (its first lines say why).
const SSH_STDERR_BYTES: usize = 4096;

/// How long, after `ssh` exited, the rest of its stderr is waited for.
const STDERR_AFTER_EXIT: std::time::Duration = std::time::Duration::from_secs(1);

/// How long a connection whose `ssh` closed its output waits for the process to exit, to learn
/// whether it failed (the docker CLI waits 10 s too).
const SSH_EXIT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// One `ssh` process as a byte stream: writes go to its stdin, reads come from its stdout.
///
/// A task owns the process: it keeps `ssh`'s stderr, reaps the process and publishes how it ended;
/// dropping the stream (the pool closing the connection) tells it to kill `ssh`. When the output
/// ends, the stream waits for that outcome: a failed `ssh` turns the end of the stream into an
/// error holding its stderr.
struct SshStream {
    stdin: tokio::process::ChildStdin,
    stdout: tokio::process::ChildStdout,
    /// `None` until `ssh` exits; then `Some(None)` for a clean exit, `Some(Some(why))` otherwise.
    exit: tokio::sync::watch::Receiver<Option<Option<String>>>,
    /// Waiting for `exit` after the output ended.
    ending: Option<Pin<Box<dyn Future<Output = Option<String>> + Send>>>,
    /// Dropped with the stream: the owner task then kills `ssh`.
    _close: tokio::sync::oneshot::Sender<()>,
}

impl SshStream {
    fn spawn(args: Arc<[String]>) -> std::io::Result<SshStream> {
        use std::process::Stdio;
        let mut child = tokio::process::Command::new("ssh")
            .args(args.iter())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot run the ssh client ({e}); ssh:// hosts need `ssh` on PATH (Debian: openssh-client)"),
                )
            })?;
        let (Some(stdin), Some(stdout), Some(mut stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(std::io::Error::other("ssh started without its pipes"));
        };
        let (exit_tx, exit) = tokio::sync::watch::channel(None);
        let (close, mut closed) = tokio::sync::oneshot::channel::<()>();
        // stderr is read by a task of its own: a process ssh leaves behind (a control master)
        // could hold the pipe open long after ssh itself exited.
        let mut stderr_task = tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut kept = Vec::new();
            let mut chunk = [0u8; 1024];
            while let Ok(n @ 1..) = stderr.read(&mut chunk).await {
                let room = SSH_STDERR_BYTES.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..n.min(room)]);
            }
            kept
        });
        tokio::spawn(async move {
            let ended = tokio::select! {
                status = child.wait() => Some(status),
                _ = &mut closed => None,
            };
            let kept = match ended {
                Some(_) => tokio::time::timeout(STDERR_AFTER_EXIT, &mut stderr_task)
                    .await
                    .ok()
                    .and_then(|joined| joined.ok())
                    .unwrap_or_default(),
                None => Vec::new(),
            };
            stderr_task.abort();
            let outcome = match ended {
                Some(Ok(status)) if status.success() => None,
                Some(Ok(status)) => Some(ssh_failure(&args, Some(status), &kept)),
                Some(Err(_)) => Some(ssh_failure(&args, None, &kept)),
                None => {
                    // The connection was dropped: ssh goes with it.
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                    None
                }
            };
            let _ = exit_tx.send(Some(outcome));
        });
        Ok(SshStream { stdin, stdout, exit, ending: None, _close: close })
    }

    /// After the output ended: waits (bounded) for `ssh` to exit. `Ready(Some(why))` when it
    /// failed or did not exit.
    fn poll_ending(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<String>> {
        let mut exit = self.exit.clone();
        let ending = self.ending.get_or_insert_with(|| {
            Box::pin(async move {
                match tokio::time::timeout(SSH_EXIT_WAIT, exit.wait_for(Option::is_some)).await {
                    Ok(Ok(outcome)) => outcome.clone().flatten(),
                    Ok(Err(_)) => None,
                    Err(_) => Some(format!("ssh closed its output and did not exit within {SSH_EXIT_WAIT:?}")),
                }
            })
        });
        ending.as_mut().poll(cx)
    }
}

/// The message for a failed `ssh`: the command, how it ended, its stderr, and a hint when the
/// cause is a known one.
fn ssh_failure(args: &[String], status: Option<std::process::ExitStatus>, stderr: &[u8]) -> String {
    let stderr = String::from_utf8_lossy(stderr);
    let stderr = stderr.trim();
    let said = if stderr.is_empty() { "nothing on stderr" } else { stderr };
    let how = match status {
        Some(s) => s.to_string(),
        None => "could not be waited for".to_string(),
    };
    // dockernet's ssh never prompts (batch mode): say what it needs instead.
    let hint = if status.and_then(|s| s.code()) == Some(127) {
        " (the remote side needs docker 18.09 or later on its PATH)"
    } else if stderr.contains("Permission denied") {
        " (ssh runs without prompts here: it needs a key, from ssh-agent or IdentityFile in ~/.ssh/config)"
    } else if stderr.contains("Host key verification failed") {
        " (ssh runs without prompts here: the host's key must be in known_hosts; ssh to it once by hand)"
    } else {
        ""
    };
    format!("`ssh {}` failed ({how}): {said}{hint}", args.join(" "))
}

impl tokio::io::AsyncRead for SshStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.stdout).poll_read(cx, buf) {
            // The end of the output: a clean end only if ssh exited cleanly.
            Poll::Ready(Ok(())) if buf.filled().len() == before && buf.remaining() > 0 => match this.poll_ending(cx) {
                Poll::Ready(Some(why)) => Poll::Ready(Err(std::io::Error::other(why))),
                Poll::Ready(None) => Poll::Ready(Ok(())),
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }
}

impl tokio::io::AsyncWrite for SshStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        use std::task::Poll;
        let this = self.get_mut();
        match Pin::new(&mut this.stdin).poll_write(cx, buf) {
            // ssh is gone: say why it went rather than "broken pipe".
            Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => match this.poll_ending(cx) {
                Poll::Ready(Some(why)) => Poll::Ready(Err(std::io::Error::other(why))),
                Poll::Ready(None) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stdin).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stdin).poll_shutdown(cx)
    }
}

impl hyper_util::client::legacy::connect::Connection for SshStream {
    fn connected(&self) -> hyper_util::client::legacy::connect::Connected {
        hyper_util::client::legacy::connect::Connected::new()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The ssh command line is the docker CLI's (plus batch mode), and a socket path reaches the
    /// remote shell quoted.
    #[test]
    fn ssh_command_lines() {
        let t = |url: &str| match Host::parse(url, "t", None).unwrap().endpoint {
            Endpoint::Ssh(t) => ssh_args(&t).unwrap().join(" "),
            other => panic!("{other:?}"),
        };
        assert_eq!(t("ssh://box"), "-o ConnectTimeout=30 -T -o BatchMode=yes -- box docker system dial-stdio");
        assert_eq!(
            t("ssh://me@10.0.0.5:2222"),
            "-l me -p 2222 -o ConnectTimeout=30 -T -o BatchMode=yes -- 10.0.0.5 docker system dial-stdio"
        );
        assert_eq!(
            t("ssh://box/run/my docker.sock"),
            "-o ConnectTimeout=30 -T -o BatchMode=yes -- box docker '--host=unix:///run/my docker.sock' system dial-stdio"
        );
    }
}
