//! A recording (and optionally network-hiding) HTTP proxy between a client and the daemon's Unix
//! socket, on 127.0.0.1: tests count the requests an operation makes, or show dockernet a daemon
//! that holds a network its lists leave out.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// The label that makes a hiding proxy hide a network.
pub const HIDDEN: &str = "dockernet.test.hidden";

/// A loopback HTTP proxy to the daemon's socket that records every request (method and path,
/// in [`Proxy::requests`]) and, when started with a label, drops networks carrying it from
/// network lists: the daemon still holds their pools and refuses an overlapping subnet, but a
/// client talking through the proxy cannot see why — the situation a daemon crash leaves (a pool
/// still allocated for a bridge no list shows). The daemon is asked in HTTP/1.0, one connection
/// per request, so its answer is not chunked and ends where the connection does.
pub struct Proxy {
    /// `tcp://127.0.0.1:PORT`, for a client's host.
    pub url: String,
    stop: Arc<AtomicBool>,
    port: u16,
    log: Arc<Mutex<Vec<(String, String)>>>,
}

impl Proxy {
    /// Starts one; `hide`: the label whose networks lists leave out.
    pub fn start(hide: Option<&'static str>) -> Proxy {
        let socket = match std::env::var("DOCKER_HOST") {
            Ok(h) if h.starts_with("unix://") => PathBuf::from(&h["unix://".len()..]),
            Ok(h) if !h.is_empty() => panic!("the hiding proxy needs a unix:// daemon, not {h}"),
            _ => PathBuf::from("/var/run/docker.sock"),
        };
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let log: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let logged = log.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (socket, log) = (socket.clone(), logged.clone());
                std::thread::spawn(move || {
                    if let Err(e) = proxy_one(conn, &socket, hide, &log) {
                        eprintln!("proxy: {e}");
                    }
                });
            }
        });
        Proxy { url: format!("tcp://127.0.0.1:{port}"), stop, port, log }
    }

    /// The requests so far, `(method, path without the API version and query)`, and forgets them.
    pub fn take_requests(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.log.lock().expect("proxy log"))
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Serves one client connection: each request (kept alive, as the client's pool expects) is
/// forwarded on a fresh daemon connection and answered with a `Content-Length`.
fn proxy_one(
    conn: std::net::TcpStream,
    socket: &std::path::Path,
    hide: Option<&str>,
    log: &Mutex<Vec<(String, String)>>,
) -> std::io::Result<()> {
    conn.set_read_timeout(Some(std::time::Duration::from_secs(120)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    for _ in 0..10_000 {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut headers = Vec::new();
        let mut length = 0usize;
        for _ in 0..200 {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            if line.trim().is_empty() {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if !lower.starts_with("connection:") {
                headers.push(line);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or("GET").to_string(), parts.next().unwrap_or("/").to_string());
        {
            // `/v1.41/networks/x?y` is logged as `/networks/x`.
            let route = path.split('?').next().unwrap_or_default();
            let unversioned = match route.strip_prefix("/v1.") {
                Some(rest) => rest.find('/').map_or(route, |i| &rest[i..]),
                None => route,
            };
            log.lock().expect("proxy log").push((method.clone(), unversioned.to_string()));
        }
        let mut daemon = UnixStream::connect(socket)?;
        // One write: the daemon may answer (and close) as soon as it has the head.
        let mut request = format!("{method} {path} HTTP/1.0\r\n{}Connection: close\r\n\r\n", headers.concat()).into_bytes();
        request.extend_from_slice(&body);
        daemon.write_all(&request)?;
        let mut answer = Vec::new();
        // A server that closes with unread request bytes resets the connection: what it had sent
        // by then is its whole answer.
        if let Err(e) = daemon.read_to_end(&mut answer) {
            if answer.is_empty() {
                return Err(e);
            }
        }
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n").map_or(answer.len(), |p| p + 4);
        let (head, mut payload) = (String::from_utf8_lossy(&answer[..split]).into_owned(), answer[split..].to_vec());
        let route = path.split('?').next().unwrap_or_default();
        let is_list =
            method == "GET" && (route == "/networks" || (route.starts_with("/v1.") && route.ends_with("/networks")));
        if let (true, Some(hide)) = (is_list && head.contains(" 200 "), hide) {
            if let Ok(Value::Array(nets)) = serde_json::from_slice::<Value>(&payload) {
                let kept: Vec<Value> = nets.into_iter().filter(|n| n["Labels"].get(hide).is_none()).collect();
                payload = serde_json::to_vec(&kept).expect("json");
            }
        }
        let mut lines = head.lines();
        let status = lines.next().unwrap_or("HTTP/1.0 502 Bad Gateway").replacen("HTTP/1.0", "HTTP/1.1", 1);
        let mut response = format!("{status}\r\n");
        for l in lines.filter(|l| !l.is_empty()) {
            let lower = l.to_ascii_lowercase();
            let hop = ["content-length:", "connection:", "transfer-encoding:", "keep-alive:"];
            if !hop.iter().any(|h| lower.starts_with(h)) {
                response.push_str(&format!("{l}\r\n"));
            }
        }
        response.push_str(&format!("Content-Length: {}\r\n\r\n", payload.len()));
        out.write_all(response.as_bytes())?;
        out.write_all(&payload)?;
        out.flush()?;
    }
    Ok(())
}
