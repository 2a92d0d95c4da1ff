//! dockernet's own HTTP/1.1 exchange for every request whose answer is read whole (all but an
//! exec's output stream): over a Unix socket or plain TCP, on keep-alive connections kept in a
//! small idle list. TLS, ssh and the streams stay on hyper (`transport.rs`); `DOCKERNET_HTTP=hyper`
//! sends everything there (`client.rs`), which is how the two are measured against each other.
//!
//! Why our own, when the rule is to use maintained libraries for solved problems: the pooled
//! hyper client was most of a call's fixed cost — a checkout, a dispatch channel to the task that
//! owns the connection, that task's wake-ups, an `http::Request` and a `HeaderMap` per call. Measured
//! in one release build and one run of `REPEAT=3 bench/callgrind/run.sh --replay` (2026-12-04,
//! client instructions per call, medians, this file against `DOCKERNET_HTTP=hyper`): `ping` 11.8 k
//! against 43.1 k from Lua (Python 14.6 k / 38.6 k), `inspect("bridge")` 73.2 k / 89.1 k (Python
//! 67.0 k / 89.7 k), `ls` of 3 networks 154.1 k / 178.9 k (Python 119.7 k / 143.8 k); at 303
//! networks the two are level (14.13 M / 14.20 M). Issue 14's fixed-cost target (`ping` ≤ 18 k)
//! is out of reach through the pool (bench/README.md, item 9). Here the future that asks drives
//! its own connection: one `write` of the whole request, reads until the answer is framed, no
//! task, no channel. A blocking call therefore runs on the calling thread from the request to the
//! last byte, as the raw-socket floor does.
//!
//! What stays a library's: the head and each chunk-size line are parsed by `httparse` (the parser
//! hyper uses), TLS, ssh and streams are hyper's. What is ours: the exchange on one connection,
//! body framing (Content-Length, chunked, to the close), the idle list — tested below (answers
//! split at every byte, caps) and by `tests/tests/wire.rs`, whose fake servers (Unix socket and
//! TCP) all go through this file: chunked and Content-Length bodies, connection reuse, a dead
//! pooled connection retried once, a POST never repeated, caps and timeouts.
//!
//! Concurrency is unchanged: each request in flight takes a connection of its own (an idle one
//! or a new one), as hyper's HTTP/1 pool did, so a topology apply's parallel steps still run in
//! parallel, and Python threads calling at once each use their own connection.
//!
//! What `client.rs` keeps: the timeout (it wraps the whole exchange), the response cap (passed
//! in), the retry rule (this file says what failed and when; the client decides). A future
//! dropped half-way (a timeout, an interrupt) drops its connection, whose state is then unknown.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, StatusCode};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::task::{Context, Poll, Waker};

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::net::{TcpStream, UnixStream};

/// Idle connections kept: enough for a topology apply's widest fan-out (its `--concurrency` is
/// at most 64) without holding daemon connections without bound.
const MAX_IDLE: usize = 64;

/// An idle connection older than this is closed rather than reused, as hyper's pool did (90 s).
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The most an answer's head (status line and headers) may take.
const MAX_HEAD: usize = 64 << 10;

/// The most headers an answer may have (a daemon sends about ten).
const MAX_HEADERS: usize = 64;

/// Where connections go.
#[derive(Debug)]
pub(crate) enum Target {
    /// A Unix socket path.
    Unix(Arc<std::path::Path>),
    /// A plain TCP `host:port`.
    Tcp(String),
}

/// The connections to one daemon, and what the requests' `Host` header says.
#[derive(Debug)]
pub(crate) struct Pool {
    target: Target,
    /// `Host: …` (`docker` for a socket, as hyper sent it; `host:port` over TCP).
    host: String,
    idle: Mutex<Vec<(Conn, Instant)>>,
}

/// What went wrong, and where: the client's retry rule needs to know whether the request can
/// have reached the daemon.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No connection could be made (the daemon is down, the socket is missing): never retried.
    Connect(io::Error),
    /// Writing the request failed (a broken pipe: the daemon never read it).
    Write(io::Error),
    /// Reading the answer failed or the connection closed before the answer was whole.
    Read(io::Error),
    /// The body is longer than the cap.
    TooBig,
}

impl Failure {
    /// Whether a request may go twice: a `GET` or `HEAD`, as Go's `net/http` judges it.
    fn idempotent(method: &Method) -> bool {
        method == Method::GET || method == Method::HEAD
    }

    /// Whether the request may go again on a fresh connection: one that never reached the
    /// daemon (a broken pipe), any request; one the daemon may have read, only a `GET` or `HEAD`.
    /// (The same rule as `client.rs`'s `worth_retrying` for hyper's errors.)
    pub(crate) fn worth_retrying(&self, method: &Method) -> bool {
        let idempotent = Failure::idempotent(method);
        use io::ErrorKind as K;
        match self {
            Failure::Connect(_) | Failure::TooBig => false,
            Failure::Write(e) | Failure::Read(e) => match e.kind() {
                K::BrokenPipe => true,
                K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof => idempotent,
                _ => false,
            },
        }
    }

    /// The cause in words, for `cannot reach the Docker daemon at …: <cause>`.
    pub(crate) fn cause(&self) -> String {
        match self {
            Failure::Connect(e) | Failure::Write(e) | Failure::Read(e) => e.to_string(),
            Failure::TooBig => "the answer is too big".to_string(),
        }
    }
}

/// What hyper said when a connection closed before the answer was whole; kept so that messages
/// read as before.
fn incomplete() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed before message completed")
}

fn malformed(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// One answer: status, the header lines as received, the body (whole, or the first `error_cap`
/// bytes of an error answer's).
pub(crate) struct Raw {
    pub(crate) status: StatusCode,
    /// The header section, `Name: value\r\n` lines.
    pub(crate) head: Bytes,
    pub(crate) body: Bytes,
}

/// A connection: one socket, one request at a time, and its buffers (kept with it, so that a
/// call allocates and zeroes nothing it does not hand out).
#[derive(Debug)]
struct Conn {
    io: Stream,
    /// The request being written.
    out: Vec<u8>,
    /// What was read: always initialised (`try_read` wants a `&mut [u8]`; zeroing a fresh 8 KiB
    /// per call was a third of a `ping`).
    buf: Vec<u8>,
}

/// The read buffer of a connection at its start size; it grows for a long head or chunk line
/// and is cut back to this before the connection goes idle.
const BUF: usize = 16 << 10;

/// A connection's socket, registered with the runtime for reading only.
///
/// Why not tokio's `UnixStream`/`TcpStream`: they register for reading and writing, and a Unix
/// socket signals "writable" again as soon as the daemon reads the request, so every call woke
/// the runtime once for nothing (a second `epoll_wait` per request: strace of a `ping` loop).
/// Requests are small and go out in one `write`; when the socket's buffer is full (a large
/// body), the write waits on a duplicate of the socket registered for writing alone.
#[derive(Debug)]
struct Stream(AsyncFd<Sock>);

/// The socket itself, non-blocking.
#[derive(Debug)]
enum Sock {
    Unix(std::os::unix::net::UnixStream),
    Tcp(std::net::TcpStream),
}

impl AsRawFd for Sock {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Sock::Unix(s) => s.as_raw_fd(),
            Sock::Tcp(s) => s.as_raw_fd(),
        }
    }
}

impl Sock {
    fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Sock::Unix(s) => (&*s).read(buf),
            Sock::Tcp(s) => (&*s).read(buf),
        }
    }

    fn write(&self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sock::Unix(s) => (&*s).write(buf),
            Sock::Tcp(s) => (&*s).write(buf),
        }
    }

    fn try_clone(&self) -> io::Result<Sock> {
        Ok(match self {
            Sock::Unix(s) => Sock::Unix(s.try_clone()?),
            Sock::Tcp(s) => Sock::Tcp(s.try_clone()?),
        })
    }
}

/// Registers `sock` with the runtime for `interest` alone.
///
/// tokio 1.54 deprecated this safe constructor (an `AsRawFd` type could close or swap its
/// descriptor while registered) in favour of an `unsafe` one, which the workspace forbids. The
/// hole cannot open here: `Sock` owns its socket, closes it only when dropped and always answers
/// the same descriptor.
#[allow(deprecated)]
fn register(sock: Sock, interest: Interest) -> io::Result<AsyncFd<Sock>> {
    AsyncFd::with_interest(sock, interest)
}

impl Stream {
    fn new(sock: Sock) -> io::Result<Stream> {
        Ok(Stream(register(sock, Interest::READABLE)?))
    }

    async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        let mut waiter: Option<AsyncFd<Sock>> = None;
        while !buf.is_empty() {
            match self.0.get_ref().write(buf) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => buf = &buf[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let w = match &mut waiter {
                        Some(w) => w,
                        None => waiter.insert(register(self.0.get_ref().try_clone()?, Interest::WRITABLE)?),
                    };
                    w.writable().await?.clear_ready();
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads what has arrived into `buf` (at least one byte, or 0 at the end of the stream),
    /// waiting for it.
    async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut ready = self.0.readable().await?;
            match ready.try_io(|s| s.get_ref().read(buf)) {
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(r) => return r,
                Err(_would_block) => {}
            }
        }
    }

    /// Forgets that the socket was readable (its answer has been read whole): the next request
    /// then waits for new bytes without first trying a read that would find none.
    fn settle(&self) {
        let mut cx = Context::from_waker(Waker::noop());
        if let Poll::Ready(Ok(mut ready)) = self.0.poll_read_ready(&mut cx) {
            ready.clear_ready();
        }
    }

    /// Whether the socket still looks fit for a request: nothing arrived since it went idle, or
    /// what did was only a stale signal; a close (end of stream) or unexpected bytes are not fit.
    /// `ask`: read the socket to be sure; otherwise trust what the runtime has seen (no system
    /// call unless something arrived; the client lets it look after an idle spell).
    fn fit(&self, scratch: &mut [u8], ask: bool) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        match self.0.poll_read_ready(&mut cx) {
            Poll::Pending if !ask => true,
            Poll::Pending => matches!(self.0.get_ref().read(scratch), Err(e) if e.kind() == io::ErrorKind::WouldBlock),
            Poll::Ready(Err(_)) => false,
            Poll::Ready(Ok(mut ready)) => {
                if ready.ready().is_read_closed() {
                    return false;
                }
                match ready.try_io(|s| s.get_ref().read(scratch)) {
                    Err(_would_block) => true,
                    Ok(_) => false,
                }
            }
        }
    }
}

/// The bytes read and not yet used: `buf[start..end]`.
struct Reader<'c> {
    io: &'c Stream,
    buf: &'c mut Vec<u8>,
    start: usize,
    end: usize,
}

impl Reader<'_> {
    fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
    }

    /// Reads more; `Failure::Read` at the end of the stream (the answer is not whole).
    async fn fill(&mut self) -> Result<(), Failure> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
            if self.end == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        match self.io.read(&mut self.buf[self.end..]).await {
            Ok(0) => Err(Failure::Read(incomplete())),
            Ok(n) => {
                self.end += n;
                Ok(())
            }
            Err(e) => Err(Failure::Read(e)),
        }
    }
}

impl Pool {
    /// A pool for a socket path or a TCP address. Does no I/O.
    pub(crate) fn new(target: Target) -> Pool {
        let host = match &target {
            Target::Unix(_) => "docker".to_string(),
            Target::Tcp(addr) => addr.clone(),
        };
        Pool { target, host, idle: Mutex::new(Vec::new()) }
    }

    /// An idle connection that still looks alive, if any ([`Stream::fit`]: no system call unless
    /// something arrived). A connection the daemon closed while it sat idle is dropped once the
    /// runtime has seen the close (the client lets it look after an idle spell); within such a
    /// spell a close shows when the request is written (a broken pipe, retried whatever the
    /// method) or read (retried for a GET; a POST never goes twice).
    fn take_idle(&self, method: &Method) -> Option<Conn> {
        // A request that must not go twice first asks the socket itself: over TCP a close the
        // runtime has not seen yet only shows after the request was written, and then such a
        // request is not sent again. A GET or HEAD would be, so it skips that system call.
        let ask = !Failure::idempotent(method);
        let mut idle = self.idle.lock().ok()?;
        while let Some((mut conn, since)) = idle.pop() {
            if since.elapsed() > IDLE_TIMEOUT {
                continue;
            }
            if conn.io.fit(&mut conn.buf[..1], ask) {
                return Some(conn);
            }
        }
        None
    }

    fn put_idle(&self, mut conn: Conn) {
        conn.buf.truncate(BUF);
        conn.io.settle();
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < MAX_IDLE {
                idle.push((conn, Instant::now()));
            }
        }
    }

    async fn connect(&self) -> io::Result<Conn> {
        let io = match &self.target {
            // Connected by tokio (a connect may wait), then handed to `Stream` (see there).
            Target::Unix(path) => Stream::new(Sock::Unix(UnixStream::connect(&**path).await?.into_std()?))?,
            Target::Tcp(addr) => {
                let s = TcpStream::connect(addr.as_str()).await?;
                // Requests are one write each; waiting for an ACK before the next one only adds
                // latency (hyper set it too).
                let _ = s.set_nodelay(true);
                Stream::new(Sock::Tcp(s.into_std()?))?
            }
        };
        Ok(Conn { io, out: Vec::with_capacity(256), buf: vec![0; BUF] })
    }

    /// One request and its answer. `fresh`: on a new connection (a retry), not an idle one.
    /// `cap`: the most a success's body may hold; `error_cap`: how much of an error answer's
    /// body is kept.
    pub(crate) async fn exchange(
        &self,
        method: &Method,
        path: &str,
        payload: Option<&[u8]>,
        fresh: bool,
        cap: usize,
        error_cap: usize,
    ) -> Result<Raw, Failure> {
        let mut conn = match if fresh { None } else { self.take_idle(method) } {
            Some(c) => c,
            None => self.connect().await.map_err(Failure::Connect)?,
        };
        self.request(&mut conn.out, method, path, payload);
        conn.io.write_all(&conn.out).await.map_err(Failure::Write)?;
        let mut reader = Reader { io: &conn.io, buf: &mut conn.buf, start: 0, end: 0 };
        let (raw, reusable) = read_answer(&mut reader, method, cap, error_cap).await?;
        if reusable && reader.start == reader.end {
            self.put_idle(conn);
        }
        Ok(raw)
    }

    /// Writes the request's bytes into `out`: the head and the JSON body, sent at once.
    fn request(&self, out: &mut Vec<u8>, method: &Method, path: &str, payload: Option<&[u8]>) {
        let body = payload.unwrap_or_default();
        out.clear();
        out.extend_from_slice(method.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        out.extend_from_slice(self.host.as_bytes());
        out.extend_from_slice(b"\r\n");
        if payload.is_some() {
            out.extend_from_slice(b"content-type: application/json\r\n");
        }
        // As hyper: a length whenever there is a body, and `0` for the methods that usually
        // carry one (a daemon's POST handlers read the body).
        if payload.is_some() || matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
            out.extend_from_slice(b"content-length: ");
            out.extend_from_slice(body.len().to_string().as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body);
    }
}

/// How an answer's body ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    Length(usize),
    Chunked,
    /// At the end of the stream (no length given): the connection is not reusable.
    Close,
}

/// Reads one answer. Returns it and whether the connection can carry another request.
async fn read_answer(r: &mut Reader<'_>, method: &Method, cap: usize, error_cap: usize) -> Result<(Raw, bool), Failure> {
    // The head (after any `100 Continue` and the like: another head follows those).
    let head = loop {
        match parse_head(r.data()).map_err(Failure::Read)? {
            Some(head) if head.status.is_informational() => r.consume(head.len),
            Some(head) => break head,
            None if r.data().len() > MAX_HEAD => {
                return Err(Failure::Read(malformed("message head is too large")));
            }
            None => r.fill().await?,
        }
    };
    let status = head.status;
    let lines = Bytes::copy_from_slice(&r.data()[head.lines]);
    r.consume(head.len);
    let mut keep_alive = head.keep_alive;
    let success = status.is_success() || status == StatusCode::NOT_MODIFIED;
    let limit = if success { cap } else { error_cap };
    let no_body = *method == Method::HEAD || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED;
    let framing = if no_body { Framing::Length(0) } else { head.framing };
    let body = match framing {
        Framing::Length(n) => {
            if n > limit {
                if success {
                    return Err(Failure::TooBig);
                }
                keep_alive = false; // the rest of an error answer is not read
            }
            let want = n.min(limit);
            let have = r.data().len().min(want);
            if have == want {
                let body = Bytes::copy_from_slice(&r.data()[..want]);
                r.consume(want);
                body
            } else {
                // A long body goes straight into its own buffer, read to its length.
                let mut body = Vec::with_capacity(want);
                body.extend_from_slice(&r.data()[..have]);
                r.consume(have);
                body.resize(want, 0);
                let mut at = have;
                while at < want {
                    match r.io.read(&mut body[at..]).await {
                        Ok(0) => return Err(Failure::Read(incomplete())),
                        Ok(k) => at += k,
                        Err(e) => return Err(Failure::Read(e)),
                    }
                }
                Bytes::from(body)
            }
        }
        Framing::Chunked => {
            let (body, complete) = read_chunked(r, limit, success).await?;
            keep_alive &= complete;
            Bytes::from(body)
        }
        Framing::Close => {
            keep_alive = false;
            let mut body = Vec::new();
            loop {
                body.extend_from_slice(r.data());
                r.consume(r.data().len());
                if body.len() > limit {
                    if success {
                        return Err(Failure::TooBig);
                    }
                    body.truncate(limit);
                    break;
                }
                match r.fill().await {
                    Ok(()) => {}
                    Err(Failure::Read(e)) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(e),
                }
            }
            Bytes::from(body)
        }
    };
    Ok((Raw { status, head: lines, body }, keep_alive))
}

/// An answer's head, parsed.
#[derive(Debug)]
struct Head {
    status: StatusCode,
    /// Its length, the blank line included.
    len: usize,
    /// Where its header lines are.
    lines: std::ops::Range<usize>,
    framing: Framing,
    keep_alive: bool,
}

/// Parses the head at the start of `buf` with `httparse` (the parser hyper uses); `None`: not
/// all of it has arrived. Errors use hyper's words for the same faults, so that messages read as
/// before.
fn parse_head(buf: &[u8]) -> io::Result<Option<Head>> {
    let bad_header = || malformed("invalid HTTP header parsed");
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::Version) => return Err(malformed("invalid HTTP version parsed")),
        Err(httparse::Error::Status) => return Err(malformed("invalid HTTP status-code parsed")),
        Err(httparse::Error::TooManyHeaders) => return Err(malformed("message head is too large")),
        Err(_) => return Err(bad_header()),
    };
    let status = resp
        .code
        .and_then(|c| StatusCode::from_u16(c).ok())
        .ok_or_else(|| malformed("invalid HTTP status-code parsed"))?;
    let mut keep_alive = resp.version == Some(1);
    let mut length = None;
    let mut chunked = false;
    for h in resp.headers.iter() {
        let (name, value) = (h.name.as_bytes(), h.value.trim_ascii());
        // Compared by length first: most headers are none of these three.
        match name.len() {
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                let n =
                    std::str::from_utf8(value).ok().and_then(|v| v.parse::<usize>().ok()).ok_or_else(bad_header)?;
                if length.is_some_and(|m| m != n) {
                    return Err(bad_header());
                }
                length = Some(n);
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                let last = value.rsplit(|b| *b == b',').next().unwrap_or_default().trim_ascii();
                chunked = last.eq_ignore_ascii_case(b"chunked");
                if !chunked {
                    return Err(bad_header());
                }
            }
            10 if name.eq_ignore_ascii_case(b"connection") => {
                if value.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if value.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                }
            }
            _ => {}
        }
    }
    let framing = match (chunked, length) {
        (true, _) => Framing::Chunked,
        (false, Some(n)) => Framing::Length(n),
        (false, None) => Framing::Close,
    };
    // The header lines: after the status line, without the line ending of the last one and the
    // blank line.
    let first = buf.iter().position(|b| *b == b'\n').map_or(len, |n| n + 1).min(len);
    let mut end = len;
    for _ in 0..2 {
        end -= usize::from(end > first && buf[end - 1] == b'\n');
        end -= usize::from(end > first && buf[end - 1] == b'\r');
    }
    Ok(Some(Head { status, len, lines: first..end, framing, keep_alive }))
}

/// The length of the line at the start of `data` (up to its CRLF), when all of it is there.
fn line_len(data: &[u8]) -> Option<usize> {
    let n = data.iter().position(|b| *b == b'\n')?;
    Some(n)
}

/// Decodes a chunked body, reading as needed. Returns the body and whether it ended cleanly
/// (the connection is reusable); an error answer's body is cut at `limit`, a success's longer
/// than `limit` is [`Failure::TooBig`].
async fn read_chunked(r: &mut Reader<'_>, limit: usize, success: bool) -> Result<(Vec<u8>, bool), Failure> {
    let bad_chunk = || Failure::Read(malformed("invalid chunk size line"));
    let mut body = Vec::new();
    loop {
        // A chunk-size line: hex digits, optional extensions, CRLF (httparse reads it).
        let (used, size) = loop {
            match httparse::parse_chunk_size(r.data()) {
                Ok(httparse::Status::Complete(found)) => break found,
                Ok(httparse::Status::Partial) if r.data().len() <= 1024 => r.fill().await?,
                _ => return Err(bad_chunk()),
            }
        };
        let size = usize::try_from(size).map_err(|_| bad_chunk())?;
        r.consume(used);
        if size == 0 {
            // Trailers (none from a daemon), then the blank line.
            loop {
                let n = loop {
                    if let Some(n) = line_len(r.data()) {
                        break n;
                    }
                    if r.data().len() > MAX_HEAD {
                        return Err(Failure::Read(malformed("message head is too large")));
                    }
                    r.fill().await?;
                };
                r.consume(n + 1);
                if n <= 1 {
                    return Ok((body, true));
                }
            }
        }
        if body.len() + size > limit {
            if success {
                return Err(Failure::TooBig);
            }
            // An error answer: keep its start, leave the rest (and the connection).
            let mut left = limit - body.len();
            while left > 0 {
                if r.data().is_empty() && r.fill().await.is_err() {
                    break;
                }
                let take = left.min(r.data().len());
                body.extend_from_slice(&r.data()[..take]);
                r.consume(take);
                left -= take;
            }
            return Ok((body, false));
        }
        // The chunk's data, copied out as it arrives, then its CRLF.
        body.reserve(size);
        let mut left = size;
        while left > 0 {
            if r.data().is_empty() {
                r.fill().await?;
            }
            let take = left.min(r.data().len());
            body.extend_from_slice(&r.data()[..take]);
            r.consume(take);
            left -= take;
        }
        while r.data().len() < 2 {
            r.fill().await?;
        }
        if &r.data()[..2] != b"\r\n" {
            return Err(bad_chunk());
        }
        r.consume(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Heads parse in one pass: status, framing, keep-alive, where the header lines are; a
    /// partial head is `None`; what is not HTTP is an error in hyper's words.
    #[test]
    fn heads_parse() {
        let text = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK";
        let h = parse_head(text).unwrap().unwrap();
        assert_eq!(h.status, StatusCode::OK);
        assert_eq!(h.len, text.len() - 2);
        assert!(h.keep_alive);
        assert_eq!(h.framing, Framing::Length(2));
        assert_eq!(&text[h.lines], b"Api-Version: 1.41\r\nContent-Length: 2");
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nApi-Ver").unwrap().is_none());
        assert!(parse_head(b"HTTP/1.1 2").unwrap().is_none());
        let h = parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").unwrap().unwrap();
        assert_eq!(h.framing, Framing::Chunked);
        assert!(!h.keep_alive);
        let h = parse_head(b"HTTP/1.0 204 No Content\r\n\r\n").unwrap().unwrap();
        assert_eq!((h.status, h.framing, h.keep_alive, h.lines.len()), (StatusCode::NO_CONTENT, Framing::Close, false, 0));
        assert_eq!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n").unwrap_err().to_string(), "invalid HTTP version parsed");
        assert_eq!(parse_head(b"HTTP/1.1 abc\r\n\r\n").unwrap_err().to_string(), "invalid HTTP status-code parsed");
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n").unwrap_err().to_string(), "invalid HTTP header parsed");
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").is_err());
    }

    /// The retry rule: a broken pipe never reached the daemon (any method goes again); a close
    /// after writing only lets a GET go again; a refused connection never does.
    #[test]
    fn retry_rule() {
        let broken = Failure::Write(io::ErrorKind::BrokenPipe.into());
        assert!(broken.worth_retrying(&Method::POST));
        assert!(Failure::Read(incomplete()).worth_retrying(&Method::GET));
        assert!(!Failure::Read(incomplete()).worth_retrying(&Method::POST));
        assert!(!Failure::Connect(io::ErrorKind::NotFound.into()).worth_retrying(&Method::GET));
        assert_eq!(Failure::Read(incomplete()).cause(), "connection closed before message completed");
    }

    /// Answers framed every way a server frames them, split at every byte (reads that return
    /// one byte at a time), over a real socket pair: the body comes out whole and the
    /// connection's reuse is judged right.
    #[test]
    fn answers_split_anywhere_decode_whole() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let cases: [(&[u8], &[u8], bool); 5] = [
            (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", b"hello", true),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n", b"hello", true),
            (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", b"hi", true),
            (b"HTTP/1.1 204 No Content\r\nApi-Version: 1.41\r\n\r\n", b"", true),
            (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end", b"to the end", false),
        ];
        rt.block_on(async {
            for (wire, want, reusable) in cases {
                let (a, b) = UnixStream::pair().unwrap();
                let writer = tokio::spawn(async move {
                    for byte in wire {
                        b.writable().await.unwrap();
                        b.try_write(std::slice::from_ref(byte)).unwrap();
                        tokio::task::yield_now().await;
                    }
                    // A connection that ends its answer by closing is closed; others stay open.
                    reusable.then_some(b)
                });
                let io = Stream::new(Sock::Unix(a.into_std().unwrap())).unwrap();
                let mut buf = vec![0; 4];
                let mut r = Reader { io: &io, buf: &mut buf, start: 0, end: 0 };
                let (raw, keep) = read_answer(&mut r, &Method::GET, 1 << 20, 64).await.unwrap();
                assert_eq!(&raw.body[..], want, "{}", String::from_utf8_lossy(wire));
                assert_eq!(keep, reusable, "{}", String::from_utf8_lossy(wire));
                drop(writer.await.unwrap());
            }
        });
    }

    /// An idle connection is handed out again only while it looks fit: after its answer was
    /// read (the stale "readable" forgotten), and not once the daemon closed it or sent bytes
    /// nobody asked for — as soon as the runtime has seen them (the client lets it look after an
    /// idle spell; here a short sleep does).
    #[test]
    fn idle_connections_are_judged_without_reading() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            for ending in ["close", "junk", "quiet"] {
                let (a, b) = UnixStream::pair().unwrap();
                let io = Stream::new(Sock::Unix(a.into_std().unwrap())).unwrap();
                b.writable().await.unwrap();
                b.try_write(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
                let mut buf = vec![0; 64];
                let mut r = Reader { io: &io, buf: &mut buf, start: 0, end: 0 };
                let (_, keep) = read_answer(&mut r, &Method::GET, 1 << 20, 64).await.unwrap();
                assert!(keep);
                io.settle();
                let mut scratch = [0u8; 1];
                assert!(io.fit(&mut scratch, false), "{ending}: fit right after its answer");
                assert!(io.fit(&mut scratch, true), "{ending}: fit when asked");
                match ending {
                    "close" => drop(b),
                    "junk" => {
                        b.try_write(b"xy").unwrap();
                    }
                    _ => {}
                }
                // Asked, the socket tells at once; otherwise once the runtime has looked.
                assert_eq!(io.fit(&mut scratch, true), ending == "quiet", "{ending}: asked");
                tokio::time::sleep(Duration::from_millis(20)).await;
                assert_eq!(io.fit(&mut scratch, false), ending == "quiet", "{ending}");
            }
        });
    }

    /// A request larger than the socket's buffer goes out whole: the write waits for room on the
    /// duplicate registered for writing (the connection itself listens for reading only).
    #[test]
    fn a_write_larger_than_the_socket_buffer_waits_for_room() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let io = Stream::new(Sock::Unix(a.into_std().unwrap())).unwrap();
            let body: Vec<u8> = (0..4u32 << 20).map(|i| i as u8).collect();
            let reader = tokio::spawn(async move {
                let mut got = Vec::new();
                let mut chunk = vec![0; 64 << 10];
                loop {
                    b.readable().await.unwrap();
                    match b.try_read(&mut chunk) {
                        Ok(0) => return got,
                        Ok(n) => got.extend_from_slice(&chunk[..n]),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                        Err(e) => panic!("{e}"),
                    }
                }
            });
            io.write_all(&body).await.unwrap();
            drop(io);
            assert!(reader.await.unwrap() == body, "the bytes arrive whole and in order");
        });
    }

    /// A success longer than the cap is `TooBig` (told by its length, or found while reading
    /// chunks); an error answer is cut at its cap and its connection not reused.
    #[test]
    fn caps_hold() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let run = |wire: &'static [u8], cap: usize| async move {
                let (a, b) = UnixStream::pair().unwrap();
                b.writable().await.unwrap();
                assert_eq!(b.try_write(wire).unwrap(), wire.len());
                let io = Stream::new(Sock::Unix(a.into_std().unwrap())).unwrap();
                let mut buf = vec![0; 64];
                let mut r = Reader { io: &io, buf: &mut buf, start: 0, end: 0 };
                let out = read_answer(&mut r, &Method::GET, cap, 4).await;
                drop(b);
                out
            };
            assert!(matches!(run(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n123456789", 8).await, Err(Failure::TooBig)));
            let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n";
            assert!(matches!(run(chunked, 8).await, Err(Failure::TooBig)));
            assert_eq!(&run(chunked, 10).await.map_err(|e| e.cause()).unwrap().0.body[..], b"1234567890");
            let (raw, keep) =
                run(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n123456789", 8).await.map_err(|e| e.cause()).unwrap();
            assert_eq!((&raw.body[..], keep), (&b"1234"[..], false));
        });
    }
}
