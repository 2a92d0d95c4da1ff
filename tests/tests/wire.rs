//! The client's wire under misbehaving servers and slow containers (issue 10, items 2, 8, 9, 14,
//! 15, 16): the response cap, timeouts (per request, a stop's grace period, an exec's own), the
//! retry of a request that never reached the daemon, redacted credentials, messages about a
//! server that is not a Docker daemon, and true clean-up notes from `container run`.
//!
//! Misbehaviour is played by fake HTTP servers on 127.0.0.1 or on a Unix socket in a temporary
//! folder ([`fake::Server`]); timing and exec behaviour by the real daemon with the test image.
//! Each fake server lives as long as its test, accepts for at most two minutes, and streams at
//! most a fixed budget, so no loop here is unbounded.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dockernet_core::container::{ExecOptions, RunOptions, StopOptions};
use dockernet_core::options::from_value;
use dockernet_core::{BlockingClient, ErrorKind, Host};
use dockernet_tests::{dockernet_bin, Guard};
use serde_json::json;

/// Fake HTTP/1.1 servers: just enough of the protocol to play a daemon, a web server, or a
/// daemon that restarts, hangs or never stops talking.
mod fake {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    /// One request as the server read it.
    #[derive(Debug, Clone)]
    pub struct Req {
        pub method: String,
        pub path: String,
    }

    /// What the server does with a request.
    pub enum Reply {
        /// Writes these bytes (a whole response) and waits for the next request.
        Send(Vec<u8>),
        /// Closes the connection without answering (after reading the whole request).
        Hangup,
        /// Writes this head, then a chunked body that never ends — until the client stops
        /// reading or `budget` bytes were sent.
        Endless { head: Vec<u8>, budget: u64 },
        /// Never answers; the connection stays open until the server is dropped.
        Silence,
    }

    /// A response with a body and `Content-Length` (the connection stays open).
    pub fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let mut out = out.into_bytes();
        out.extend_from_slice(body);
        out
    }

    /// A daemon's `/_ping` answer (API 1.41, Docker 20.10).
    pub fn ping_ok() -> Vec<u8> {
        response(
            "200 OK",
            &[("Api-Version", "1.41"), ("Server", "Docker/20.10.24 (linux)"), ("Content-Type", "text/plain")],
            b"OK",
        )
    }

    /// A daemon's JSON answer.
    pub fn json(status: &str, body: &serde_json::Value) -> Vec<u8> {
        response(status, &[("Api-Version", "1.41"), ("Content-Type", "application/json")], body.to_string().as_bytes())
    }

    type Handler = dyn Fn(&Req) -> Reply + Send + Sync;

    trait Conn: Read + Write + Send {
        fn try_clone_box(&self) -> std::io::Result<Box<dyn Conn>>;
        fn shutdown_both(&self);
        fn set_timeouts(&self);
    }

    impl Conn for TcpStream {
        fn try_clone_box(&self) -> std::io::Result<Box<dyn Conn>> {
            Ok(Box::new(self.try_clone()?))
        }
        fn shutdown_both(&self) {
            let _ = self.shutdown(std::net::Shutdown::Both);
        }
        fn set_timeouts(&self) {
            let _ = self.set_nonblocking(false);
            let _ = self.set_read_timeout(Some(Duration::from_secs(120)));
            let _ = self.set_write_timeout(Some(Duration::from_secs(30)));
        }
    }

    impl Conn for UnixStream {
        fn try_clone_box(&self) -> std::io::Result<Box<dyn Conn>> {
            Ok(Box::new(self.try_clone()?))
        }
        fn shutdown_both(&self) {
            let _ = self.shutdown(std::net::Shutdown::Both);
        }
        fn set_timeouts(&self) {
            let _ = self.set_nonblocking(false);
            let _ = self.set_read_timeout(Some(Duration::from_secs(120)));
            let _ = self.set_write_timeout(Some(Duration::from_secs(30)));
        }
    }

    enum Listener {
        Tcp(TcpListener),
        Unix(UnixListener),
    }

    impl Listener {
        fn accept(&self) -> std::io::Result<Box<dyn Conn>> {
            match self {
                Listener::Tcp(l) => l.accept().map(|(s, _)| Box::new(s) as Box<dyn Conn>),
                Listener::Unix(l) => l.accept().map(|(s, _)| Box::new(s) as Box<dyn Conn>),
            }
        }
    }

    /// What the server saw.
    #[derive(Default)]
    pub struct Stats {
        /// `METHOD PATH` of every request, in order.
        pub requests: Mutex<Vec<String>>,
        /// Connections accepted.
        pub connections: AtomicUsize,
        /// Body bytes written by `Reply::Endless`.
        pub streamed: AtomicU64,
        /// Set when an endless body stopped because the client stopped reading.
        pub client_hung_up: AtomicBool,
    }

    /// A fake server running on threads until dropped.
    pub struct Server {
        /// The address to give dockernet (`tcp://127.0.0.1:PORT`, `unix:///tmp/…/d.sock`).
        pub url: String,
        pub stats: Arc<Stats>,
        stop: Arc<AtomicBool>,
        conns: Arc<Mutex<Vec<Box<dyn Conn>>>>,
        dir: Option<PathBuf>,
    }

    impl Server {
        /// A server on 127.0.0.1 (a free port).
        pub fn tcp(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Server {
            let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
            let url = format!("tcp://{}", l.local_addr().unwrap());
            l.set_nonblocking(true).unwrap();
            Server::start(Listener::Tcp(l), url, None, Arc::new(handler))
        }

        /// A server on a Unix socket in a fresh temporary folder.
        pub fn unix(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Server {
            let dir = std::env::temp_dir().join(dockernet_tests::unique("wire-sock"));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("d.sock");
            let l = UnixListener::bind(&path).expect("bind unix socket");
            l.set_nonblocking(true).unwrap();
            Server::start(Listener::Unix(l), format!("unix://{}", path.display()), Some(dir), Arc::new(handler))
        }

        fn start(listener: Listener, url: String, dir: Option<PathBuf>, handler: Arc<Handler>) -> Server {
            let stats = Arc::new(Stats::default());
            let stop = Arc::new(AtomicBool::new(false));
            let conns: Arc<Mutex<Vec<Box<dyn Conn>>>> = Arc::default();
            let (st, sp, cs) = (stats.clone(), stop.clone(), conns.clone());
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(120);
                while !sp.load(Ordering::SeqCst) && Instant::now() < deadline {
                    match listener.accept() {
                        Ok(conn) => {
                            conn.set_timeouts();
                            st.connections.fetch_add(1, Ordering::SeqCst);
                            if let Ok(c) = conn.try_clone_box() {
                                cs.lock().unwrap().push(c);
                            }
                            let (st, h, sp) = (st.clone(), handler.clone(), sp.clone());
                            std::thread::spawn(move || serve(conn, &*h, &st, &sp));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            });
            Server { url, stats, stop, conns, dir }
        }

        /// Closes every connection the server has open, as a daemon restart does; the listener
        /// stays (the restarted daemon's socket).
        pub fn close_connections(&self) {
            for c in self.conns.lock().unwrap().drain(..) {
                c.shutdown_both();
            }
        }

        /// `METHOD PATH` of every request so far.
        pub fn requests(&self) -> Vec<String> {
            self.stats.requests.lock().unwrap().clone()
        }

        pub fn connections(&self) -> usize {
            self.stats.connections.load(Ordering::SeqCst)
        }

        pub fn streamed(&self) -> u64 {
            self.stats.streamed.load(Ordering::SeqCst)
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            self.close_connections();
            if let Some(d) = &self.dir {
                let _ = std::fs::remove_dir_all(d);
            }
        }
    }

    /// Serves requests on one connection until it closes, a reply ends it, or the server stops.
    fn serve(conn: Box<dyn Conn>, handler: &Handler, stats: &Stats, stop: &AtomicBool) {
        let mut reader = BufReader::new(conn);
        for _ in 0..1000 {
            let mut head = String::new();
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) if line == "\r\n" && !head.is_empty() => break,
                    Ok(_) => head.push_str(&line),
                }
            }
            let mut words = head.split_whitespace();
            let req =
                Req { method: words.next().unwrap_or_default().into(), path: words.next().unwrap_or_default().into() };
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            stats.requests.lock().unwrap().push(format!("{} {}", req.method, req.path));
            let conn = reader.get_mut();
            match handler(&req) {
                Reply::Send(bytes) => {
                    if conn.write_all(&bytes).and_then(|_| conn.flush()).is_err() {
                        return;
                    }
                }
                Reply::Hangup => {
                    conn.shutdown_both();
                    return;
                }
                Reply::Endless { head, budget } => {
                    if conn.write_all(&head).is_err() {
                        return;
                    }
                    let chunk = vec![b'x'; 64 << 10];
                    let frame = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk, b"\r\n".to_vec()].concat();
                    while stats.streamed.load(Ordering::SeqCst) < budget && !stop.load(Ordering::SeqCst) {
                        if conn.write_all(&frame).is_err() {
                            stats.client_hung_up.store(true, Ordering::SeqCst);
                            return;
                        }
                        stats.streamed.fetch_add(64 << 10, Ordering::SeqCst);
                    }
                    conn.shutdown_both();
                    return;
                }
                Reply::Silence => {
                    let until = Instant::now() + Duration::from_secs(120);
                    while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    return;
                }
            }
        }
    }
}

use fake::{json as json_reply, ping_ok, response, Reply, Server};

/// A client for a fake server.
fn client_for(url: &str, timeout: Duration) -> BlockingClient {
    BlockingClient::with_host(Host::parse(url, "the test", None).unwrap(), timeout).unwrap()
}

/// The head of an endless chunked 200 answer from a "daemon".
fn endless_head() -> Vec<u8> {
    b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        .to_vec()
}

/// What a finished `dockernet` process printed, how it exited, how long it took, and the peak
/// resident memory seen while it ran (`VmHWM`, sampled every 5 ms from /proc).
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    peak_rss_kib: u64,
}

/// Runs the dockernet binary with `args` and `env`, killing it after 120 s.
fn dockernet(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(dockernet_bin());
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for var in ["DOCKERNET_TIMEOUT", "DOCKERNET_MAX_RESPONSE_BYTES", "DOCKERNET_HTTP"] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("run dockernet");
    let status_path = format!("/proc/{}/status", child.id());
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let mut peak = 0;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(kib) = text.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
                peak = peak.max(kib.trim().trim_end_matches("kB").trim().parse().unwrap_or(0));
            }
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        status: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
        elapsed: start.elapsed(),
        peak_rss_kib: peak,
    }
}

// ------------------------------------------------------------------------------------------------
// Item 2: the response cap.
// ------------------------------------------------------------------------------------------------

/// A server that answers a list with an endless body meets the default 256 MiB cap: a clear
/// error naming the route and the variable, and the client stops reading there.
#[test]
fn endless_body_stops_at_the_default_cap() {
    let server = Server::tcp(|r| match r.path.as_str() {
        "/_ping" => Reply::Send(ping_ok()),
        _ => Reply::Endless { head: endless_head(), budget: 1 << 30 },
    });
    let c = client_for(&server.url, Duration::from_secs(60));
    let start = Instant::now();
    let e = c.network_ls(&Default::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api, "{e}");
    let m = e.message();
    assert!(m.contains("sent more than 256 MiB for GET /v1.41/networks"), "{m}");
    assert!(m.contains("DOCKERNET_MAX_RESPONSE_BYTES"), "{m}");
    assert!(m.contains(&server.url), "{m}");
    assert!(start.elapsed() < Duration::from_secs(40), "took {:?}", start.elapsed());
    // The client hung up at the cap: what the server got out is the cap plus socket buffers.
    std::thread::sleep(Duration::from_millis(200));
    let sent = server.streamed();
    assert!(sent < (256 + 32) << 20, "the server streamed {sent} bytes");
}

/// `DOCKERNET_MAX_RESPONSE_BYTES` sets the cap for the CLI, and the process's memory stays
/// near it while an endless body arrives.
#[test]
fn response_cap_is_configurable_and_bounds_memory() {
    let server = Server::tcp(|r| match r.path.as_str() {
        "/_ping" => Reply::Send(ping_ok()),
        _ => Reply::Endless { head: endless_head(), budget: 2 << 30 },
    });
    let run = dockernet(
        &["network", "ls"],
        &[("DOCKER_HOST", &server.url), ("DOCKERNET_MAX_RESPONSE_BYTES", "4194304"), ("DOCKERNET_TIMEOUT", "30")],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(run.stderr.contains("sent more than 4 MiB for GET /v1.41/networks"), "{}", run.stderr);
    assert!(run.stderr.contains("DOCKERNET_MAX_RESPONSE_BYTES (now 4194304 bytes)"), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(20), "took {:?}", run.elapsed);
    assert!(run.peak_rss_kib > 0, "no memory sample");
    assert!(run.peak_rss_kib < 100 << 10, "peak RSS {} KiB", run.peak_rss_kib);
    std::thread::sleep(Duration::from_millis(200));
    assert!(server.streamed() < 64 << 20, "the server streamed {} bytes", server.streamed());

    let bad = dockernet(&["network", "ls"], &[("DOCKER_HOST", &server.url), ("DOCKERNET_MAX_RESPONSE_BYTES", "lots")]);
    assert_eq!(bad.status, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("DOCKERNET_MAX_RESPONSE_BYTES") && bad.stderr.contains("\"lots\""), "{}", bad.stderr);
}

/// An exec's collected output obeys the same cap: a command that prints more fails, naming the
/// cap, instead of growing the client.
#[test]
fn exec_output_is_capped() {
    let g = Guard::new("wire-execcap");
    let ctr = g.container("box", json!({}));
    let script = format!(
        "local ok, e = pcall(docker.container.exec, {:?}, {{'head', '-c', '3000000', '/dev/zero'}}) \
         print(ok, e.kind, e.message)",
        ctr.name
    );
    let run = dockernet(&["-e", &script], &[("DOCKERNET_MAX_RESPONSE_BYTES", "1048576")]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("false\tapi\t"), "{}", run.stdout);
    assert!(run.stdout.contains("wrote more than 1 MiB"), "{}", run.stdout);
    // Under the cap, the same output arrives whole.
    let out = g
        .client()
        .container_exec(
            &ctr.name,
            &from_value(json!(["head", "-c", "3000000", "/dev/zero"]), "t").unwrap(),
            &ExecOptions::default(),
        )
        .unwrap();
    assert_eq!(out.stdout.len(), 3_000_000);
}

// ------------------------------------------------------------------------------------------------
// Item 8: timeouts.
// ------------------------------------------------------------------------------------------------

/// A stop whose grace period is longer than the client's timeout succeeds: the request waits
/// the grace period on top (the container ignores SIGTERM, so the daemon kills it after 5 s).
#[test]
fn stop_waits_for_its_grace_period() {
    let g = Guard::new("wire-stop");
    let ctr = g.container("stubborn", json!({"command": ["sh", "-c", "trap '' TERM; sleep 600 & wait"]}));
    let c = client_for("unix:///var/run/docker.sock", Duration::from_secs(3));
    let c = match std::env::var("DOCKER_HOST") {
        Ok(h) if !h.is_empty() => client_for(&h, Duration::from_secs(3)),
        _ => c,
    };
    let start = Instant::now();
    c.container_stop(&ctr.name, &StopOptions { timeout: Some(5) }).unwrap_or_else(|e| panic!("{e}"));
    assert!(start.elapsed() >= Duration::from_millis(4500), "stopped after {:?}", start.elapsed());
    let doc = c.container_inspect(&ctr.name).unwrap().to_value();
    assert_eq!(doc["State"]["Running"], json!(false));
}

/// The same from Lua with `--timeout 3`: a stop with the daemon's default grace period (10 s)
/// still succeeds.
#[test]
fn stop_with_default_grace_outlasts_the_timeout_flag() {
    let g = Guard::new("wire-stopflag");
    let ctr = g.container("stubborn", json!({"command": ["sh", "-c", "trap '' TERM; sleep 600 & wait"]}));
    let script = format!("local t = docker.clock() docker.container.stop({:?}) print(docker.clock() - t)", ctr.name);
    let run = dockernet(&["--timeout", "3", "-e", &script], &[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let took: f64 = run.stdout.trim().parse().unwrap_or_else(|_| panic!("{}", run.stdout));
    assert!(took >= 9.0, "stopped after {took} s");
}

/// An exec with `timeout` fails with `timeout` when the command runs longer, and says the
/// process may still be running.
#[test]
fn exec_timeout_fires() {
    let g = Guard::new("wire-exectimeout");
    let ctr = g.container("box", json!({}));
    let opts: ExecOptions = from_value(json!({"timeout": 1}), "t").unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let e = g.client().container_exec(&ctr.name, &from_value(json!("sleep 30"), "t").unwrap(), &opts).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.message().contains("may still be running in the container"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(6), "took {:?}", start.elapsed());
    // The Lua spelling, `c:exec(cmd, {timeout = 1})`.
    let script = format!(
        "local c = docker.container.get({:?}) local ok, e = pcall(c.exec, c, 'sleep 30', {{timeout = 1}}) print(e.kind)",
        ctr.name
    );
    let run = dockernet(&["-e", &script], &[]);
    assert_eq!((run.status, run.stdout.trim()), (0, "timeout"), "{}", run.stderr);
    let bad: ExecOptions = from_value(json!({"timeout": -1}), "t").unwrap();
    let e = g.client().container_exec(&ctr.name, &from_value(json!("true"), "t").unwrap(), &bad).unwrap_err();
    assert!(e.kind() == ErrorKind::Invalid && e.message().contains("timeout") && e.message().contains("-1"), "{e}");
}

/// An exec's output is a stream, not a request: a command that runs longer than the client's
/// request timeout is not cut.
#[test]
fn exec_output_outlasts_the_request_timeout() {
    let g = Guard::new("wire-execlong");
    let ctr = g.container("box", json!({}));
    let c = match std::env::var("DOCKER_HOST") {
        Ok(h) if !h.is_empty() => client_for(&h, Duration::from_secs(2)),
        _ => client_for("unix:///var/run/docker.sock", Duration::from_secs(2)),
    };
    let cmd = from_value(json!(["sh", "-c", "sleep 4; echo done; echo oops >&2; exit 3"]), "t").unwrap();
    let out = c.container_exec(&ctr.name, &cmd, &ExecOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((out.exit_code, out.stdout_text().as_str(), out.stderr_text().as_str()), (3, "done\n", "oops\n"));
}

/// `--timeout` (before `network …`, before `-e`) and `DOCKERNET_TIMEOUT` bound a request to a
/// daemon that never answers; bad values are refused naming the flag or variable.
#[test]
fn timeout_flag_and_variable() {
    let server = Server::tcp(|_| Reply::Silence);
    let env = [("DOCKER_HOST", server.url.as_str())];
    for args in [&["--timeout", "1", "network", "ls"][..], &["--timeout=1", "-e", "docker.ping()"][..]] {
        let run = dockernet(args, &env);
        assert_eq!(run.status, 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("did not answer GET /_ping within 1s"), "{args:?}: {}", run.stderr);
        assert!(run.elapsed < Duration::from_secs(10), "{args:?} took {:?}", run.elapsed);
    }
    let run = dockernet(&["network", "ls"], &[("DOCKER_HOST", &server.url), ("DOCKERNET_TIMEOUT", "1.5")]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(run.stderr.contains("within 1.5s"), "{}", run.stderr);
    assert!(run.elapsed < Duration::from_secs(10), "took {:?}", run.elapsed);
    let run = dockernet(&["--timeout", "soon", "network", "ls"], &env);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(run.stderr.contains("--timeout: expected a positive number of seconds, got \"soon\""), "{}", run.stderr);
    let run = dockernet(&["-e", "print(1)"], &[("DOCKERNET_TIMEOUT", "0")]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("DOCKERNET_TIMEOUT: expected a positive number of seconds, got \"0\""),
        "{}",
        run.stderr
    );
}

// ------------------------------------------------------------------------------------------------
// Item 9: a dead pooled connection.
// ------------------------------------------------------------------------------------------------

/// A fake daemon for the dead-connection tests: ping, an empty network list, and a container
/// run (create, then start).
fn restartable_daemon(r: &fake::Req) -> Reply {
    match (r.method.as_str(), r.path.split('?').next().unwrap_or_default()) {
        (_, "/_ping") => Reply::Send(ping_ok()),
        ("GET", "/v1.41/networks") => Reply::Send(json_reply("200 OK", &json!([]))),
        ("POST", "/v1.41/containers/create") => {
            Reply::Send(json_reply("201 Created", &json!({"Id": "0123456789abcdef0123456789abcdef", "Warnings": []})))
        }
        ("POST", p) if p.ends_with("/start") => {
            Reply::Send(response("204 No Content", &[("Api-Version", "1.41")], b""))
        }
        _ => Reply::Send(json_reply("404 Not Found", &json!({"message": "page not found"}))),
    }
}

/// After the daemon closed the client's idle keep-alive connection (a restart), the next call
/// succeeds on a fresh connection instead of failing with "Broken pipe" — a GET, and a POST too:
/// a write that failed never reached the daemon.
#[test]
fn dead_pooled_connection_is_replaced() {
    let server = Server::unix(restartable_daemon);
    let c = client_for(&server.url, Duration::from_secs(10));
    let opts: RunOptions = from_value(json!({"image": "img", "name": "box"}), "t").unwrap();
    for round in 0..3 {
        c.ping().unwrap();
        // The connection goes idle in the pool; then the daemon "restarts".
        server.close_connections();
        std::thread::sleep(Duration::from_millis(100));
        let r = match round {
            0 => c.network_ls(&Default::default()).map(|_| ()),
            1 => c.container_run(&opts).map(|_| ()),
            _ => c.ping(),
        };
        r.unwrap_or_else(|e| panic!("round {round}: {e}"));
    }
    assert_eq!(server.connections(), 4, "{:?}", server.requests());
    let creates = server.requests().iter().filter(|r| r.starts_with("POST /v1.41/containers/create")).count();
    assert_eq!(creates, 1, "{:?}", server.requests());
}

/// Over TCP a write to a closed connection does not fail, so the client must notice the
/// daemon's close of an idle connection before reusing it: a POST after the close still
/// reaches the daemon exactly once.
#[test]
fn idle_connection_closed_by_the_daemon_is_not_reused() {
    let server = Server::tcp(restartable_daemon);
    let c = client_for(&server.url, Duration::from_secs(10));
    let opts: RunOptions = from_value(json!({"image": "img", "name": "box"}), "t").unwrap();
    c.ping().unwrap();
    server.close_connections();
    std::thread::sleep(Duration::from_millis(1200));
    c.container_run(&opts).unwrap_or_else(|e| panic!("{e}"));
    let creates = server.requests().iter().filter(|r| r.starts_with("POST /v1.41/containers/create")).count();
    assert_eq!(creates, 1, "{:?}", server.requests());
    assert_eq!(server.connections(), 2, "{:?}", server.requests());
}

/// A GET whose connection closed after it was written is sent once more (it is idempotent)
/// — exactly once.
#[test]
fn get_is_retried_once_after_a_hangup() {
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = n.clone();
    let server = Server::tcp(move |r| match r.path.as_str() {
        "/_ping" => Reply::Send(ping_ok()),
        "/v1.41/networks" if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 => Reply::Hangup,
        "/v1.41/networks" => Reply::Send(json_reply("200 OK", &json!([]))),
        _ => Reply::Hangup,
    });
    let c = client_for(&server.url, Duration::from_secs(10));
    assert!(c.network_ls(&Default::default()).unwrap_or_else(|e| panic!("{e}")).is_empty());
    let gets = server.requests().iter().filter(|r| r.starts_with("GET /v1.41/networks")).count();
    assert_eq!(gets, 2, "{:?}", server.requests());

    // A server that always hangs up gets the GET twice, then the client gives up.
    let always = Server::tcp(|r| if r.path == "/_ping" { Reply::Send(ping_ok()) } else { Reply::Hangup });
    let c = client_for(&always.url, Duration::from_secs(10));
    let e = c.network_ls(&Default::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    let gets = always.requests().iter().filter(|r| r.starts_with("GET /v1.41/networks")).count();
    assert_eq!(gets, 2, "{:?}", always.requests());
}

/// A POST the daemon may have read (the connection closed after it was written) is never sent
/// again: a stop, a create, must not happen twice.
#[test]
fn post_that_may_have_arrived_is_not_repeated() {
    let id = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    let server = Server::tcp(move |r| match (r.method.as_str(), r.path.as_str()) {
        (_, "/_ping") => Reply::Send(ping_ok()),
        ("GET", "/v1.41/containers/box/json") => {
            Reply::Send(json_reply("200 OK", &json!({"Id": id, "Name": "/box", "Config": {"StopTimeout": 1}})))
        }
        _ => Reply::Hangup,
    });
    let c = client_for(&server.url, Duration::from_secs(10));
    let e = c.container_stop("box", &StopOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    let posts: Vec<String> = server.requests().into_iter().filter(|r| r.starts_with("POST")).collect();
    assert_eq!(posts, [format!("POST /v1.41/containers/{id}/stop")]);
}

/// A daemon whose list answer is chunked (in 7-byte chunks, one with an extension) and whose
/// inspect answer has a `Content-Length`: both framings a daemon uses.
fn framing_daemon(r: &fake::Req) -> Reply {
    match r.path.split('?').next().unwrap_or_default() {
        "/_ping" => Reply::Send(ping_ok()),
        "/v1.41/networks" => {
            let body = json!([{"Name": "b", "Id": "2", "Driver": "bridge"}, {"Name": "a", "Id": "1", "Driver": "bridge"}]);
            let mut out = endless_head();
            for (i, piece) in body.to_string().as_bytes().chunks(7).enumerate() {
                let ext = if i == 1 { ";name=value" } else { "" };
                out.extend(format!("{:x}{ext}\r\n", piece.len()).bytes());
                out.extend_from_slice(piece);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
            Reply::Send(out)
        }
        p if p.starts_with("/v1.41/networks/") => {
            Reply::Send(json_reply("200 OK", &json!({"Name": "a", "Id": "1", "Driver": "bridge", "Labels": null})))
        }
        _ => Reply::Send(json_reply("404 Not Found", &json!({"message": "page not found"}))),
    }
}

/// Chunked and `Content-Length` answers decode whole and one keep-alive connection carries
/// every call, over a Unix socket and over TCP, through dockernet's own HTTP/1.1 (`h1.rs`, the
/// default for both) — and a script prints the same through hyper (`DOCKERNET_HTTP=hyper`).
#[test]
fn framing_and_reuse_through_both_http_clients() {
    for server in [Server::unix(framing_daemon), Server::tcp(framing_daemon)] {
        let c = client_for(&server.url, Duration::from_secs(10));
        for _ in 0..3 {
            let names: Vec<String> =
                c.network_ls(&Default::default()).unwrap().iter().map(|d| d.str_field("Name")).collect();
            assert_eq!(names, ["a", "b"]);
            assert_eq!(c.network_inspect("a", &Default::default()).unwrap().str_field("Id"), "1");
        }
        assert_eq!(server.connections(), 1, "{}: {:?}", server.url, server.requests());
        let script = "local l = docker.network.ls() print(#l, l[1].Name, l[2].Id, docker.network.inspect('a').Name)";
        for http in ["own", "hyper"] {
            let before = server.connections();
            let run = dockernet(&["-e", script], &[("DOCKER_HOST", &server.url), ("DOCKERNET_HTTP", http)]);
            assert_eq!((run.status, run.stdout.as_str()), (0, "2\ta\t2\ta\n"), "{http}: {}", run.stderr);
            assert_eq!(server.connections() - before, 1, "{http} over {}: one connection per process", server.url);
        }
    }
}

/// Requests in flight at once each get a connection of their own (dockernet's own HTTP/1.1 keeps
/// no single shared connection): eight threads sharing one client, against a daemon that takes
/// 400 ms to answer a list, finish together instead of one after another.
#[test]
fn concurrent_requests_use_connections_of_their_own() {
    let server = Server::unix(|r| match r.path.split('?').next().unwrap_or_default() {
        "/_ping" => Reply::Send(ping_ok()),
        _ => {
            std::thread::sleep(Duration::from_millis(400));
            Reply::Send(json_reply("200 OK", &json!([])))
        }
    });
    let c = client_for(&server.url, Duration::from_secs(30));
    c.ping().unwrap();
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..8 {
            let c = c.clone();
            s.spawn(move || c.network_ls(&Default::default()).unwrap());
        }
    });
    let took = start.elapsed();
    assert!(took < Duration::from_millis(8 * 400 / 2), "8 requests took {took:?}: not concurrent");
    assert!(server.connections() >= 8, "{} connections for 8 requests at once", server.connections());
}

// ------------------------------------------------------------------------------------------------
// Item 14: credentials in a host URL.
// ------------------------------------------------------------------------------------------------

/// A password in `DOCKER_HOST` is never printed: not in the CLI's error, not in `docker.host`,
/// not in a client's `Debug` form.
#[test]
fn credentials_in_the_host_are_redacted() {
    let env = [("DOCKER_HOST", "tcp://admin:s3cret@127.0.0.1:1")];
    let run = dockernet(&["network", "ls"], &env);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(run.stderr.contains("tcp://admin:***@127.0.0.1:1"), "{}", run.stderr);
    let run2 = dockernet(&["-e", "print(docker.host) docker.ping()"], &env);
    assert_eq!(run2.stdout.trim(), "tcp://admin:***@127.0.0.1:1", "{}", run2.stderr);
    assert!(run2.stderr.contains("tcp://admin:***@127.0.0.1:1"), "{}", run2.stderr);
    let run3 = dockernet(&["network", "ls"], &[("DOCKER_HOST", "tcp://admin:s3cret@127.0.0.1:1/bad/path")]);
    let c = client_for("tcp://admin:s3cret@127.0.0.1:1", Duration::from_secs(5));
    let e = c.ping().unwrap_err();
    for text in [&run.stderr, &run.stdout, &run2.stdout, &run2.stderr, &run3.stderr, &format!("{c:?}"), &e.to_string()]
    {
        assert!(!text.contains("s3cret"), "{text}");
    }
}

// ------------------------------------------------------------------------------------------------
// Item 15: a server that is not a Docker daemon.
// ------------------------------------------------------------------------------------------------

/// A web server answering 404 with an HTML page is named for what it is: the status, the
/// route, its Server header and the start of the page.
#[test]
fn web_server_is_not_taken_for_a_daemon() {
    let page = b"<html>\n<head><title>404 Not Found</title></head>\n<body><center><h1>404 Not Found</h1></center></body></html>";
    let server = Server::tcp(move |_| {
        Reply::Send(response("404 Not Found", &[("Server", "nginx/1.22.1"), ("Content-Type", "text/html")], page))
    });
    let e = client_for(&server.url, Duration::from_secs(5)).ping().unwrap_err();
    let m = e.message();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert_eq!(e.status(), None, "{e}");
    for want in [
        "answered GET /_ping with 404 Not Found",
        "Server: nginx/1.22.1",
        "<title>404 Not Found</title>",
        "does not look like a Docker daemon",
        &server.url,
    ] {
        assert!(m.contains(want), "{want:?} missing: {m}");
    }
    // The CLI's line is not an empty "Error response from daemon: ".
    let run = dockernet(&["network", "ls"], &[("DOCKER_HOST", &server.url)]);
    assert!(run.stderr.contains("does not look like a Docker daemon"), "{}", run.stderr);
    assert!(!run.stderr.contains("Error response from daemon"), "{}", run.stderr);
}

/// A server answering `/_ping` with 200 but no `Api-Version` header is not a daemon either.
#[test]
fn ok_without_api_version_is_not_a_daemon() {
    let server = Server::tcp(|_| Reply::Send(response("200 OK", &[("Content-Type", "text/plain")], b"pong")));
    let e = client_for(&server.url, Duration::from_secs(5)).ping().unwrap_err();
    let m = e.message();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    for want in [
        "answered GET /_ping with 200 OK but no Api-Version header",
        "no Server header",
        "\"pong\"",
        "does not look like a Docker daemon",
    ] {
        assert!(m.contains(want), "{want:?} missing: {m}");
    }
}

/// After a good ping, an answer without the daemon's JSON error (a proxy's 502 page, an empty
/// 404) says what answered, and is not mistaken for `not_found`.
#[test]
fn non_daemon_error_answers_are_named() {
    let server = Server::tcp(|r| match r.path.as_str() {
        "/_ping" => Reply::Send(ping_ok()),
        "/v1.41/networks" => {
            Reply::Send(response("502 Bad Gateway", &[("Server", "proxy")], b"<h1>upstream gone</h1>"))
        }
        _ => Reply::Send(response("404 Not Found", &[], b"")),
    });
    let c = client_for(&server.url, Duration::from_secs(5));
    let e = c.network_ls(&Default::default()).unwrap_err();
    assert!(e.message().contains("answered GET /v1.41/networks with 502 Bad Gateway"), "{e}");
    assert!(e.message().contains("upstream gone"), "{e}");
    let e = c.network_inspect("web", &Default::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(
        e.message().contains("404 Not Found and no Docker error message") && e.message().contains("an empty body"),
        "{e}"
    );
}

// ------------------------------------------------------------------------------------------------
// Item 16: true clean-up notes.
// ------------------------------------------------------------------------------------------------

/// A fake daemon where create works, start fails, and the clean-up `rm` answers `rm_status`.
fn run_against(rm_status: &'static str) -> dockernet_core::Error {
    let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let server = Server::tcp(move |r| match (r.method.as_str(), r.path.split('?').next().unwrap_or_default()) {
        (_, "/_ping") => Reply::Send(ping_ok()),
        ("POST", "/v1.41/containers/create") => {
            Reply::Send(json_reply("201 Created", &json!({"Id": id, "Warnings": []})))
        }
        ("POST", p) if p.ends_with("/start") => {
            Reply::Send(json_reply("500 Internal Server Error", &json!({"message": "cannot start: boom"})))
        }
        ("DELETE", _) if rm_status.starts_with("204") => {
            Reply::Send(response(rm_status, &[("Api-Version", "1.41")], b""))
        }
        ("DELETE", _) => {
            Reply::Send(json_reply(rm_status, &json!({"message": "driver failed to remove root filesystem"})))
        }
        _ => Reply::Send(json_reply("404 Not Found", &json!({"message": "page not found"}))),
    });
    let c = client_for(&server.url, Duration::from_secs(5));
    let opts: RunOptions = from_value(json!({"image": "img", "name": "box"}), "t").unwrap();
    let e = c.container_run(&opts).unwrap_err();
    assert!(server.requests().iter().any(|r| r.starts_with("DELETE")), "{:?}", server.requests());
    e
}

/// When start fails and the clean-up removal fails too, the error says the container was left
/// behind and how to remove it — not that it was removed.
#[test]
fn run_cleanup_failure_is_reported() {
    let e = run_against("500 Internal Server Error");
    let m = e.message();
    assert!(m.contains("cannot start: boom"), "{m}");
    assert!(m.contains("0123456789ab was left behind") && m.contains("removing it failed too"), "{m}");
    assert!(m.contains("driver failed to remove root filesystem") && m.contains("docker rm -f 0123456789ab"), "{m}");
    assert!(!m.contains("removed again"), "{m}");
    let e = run_against("204 No Content");
    assert!(e.message().ends_with("; the container was removed again"), "{e}");
    assert!(e.message().contains("cannot start: boom"), "{e}");
}
