//! `private-podman`: a private Podman service (tests/src/podman.rs) for the Python tests against
//! Podman's Docker-compatible API; torn down when its standard input closes.
//!
//! Prints `{"host": "unix:///…/podman.sock"}` then `ready`, then waits. When Podman cannot be
//! installed on the machine, prints `{"skip": REASON}` then `ready` instead (the caller skips
//! loudly). Closing stdin (or the test process dying, which closes it) removes its containers,
//! the service, its namespace and its folder.

use std::io::{BufRead, Write};

use dockernet_tests::podman::{ensure_installed, PrivatePodman};

fn main() {
    if std::env::args().len() > 1 {
        eprintln!("usage: private-podman (no arguments; stdin closing tears it down)");
        std::process::exit(2);
    }
    let podman = match ensure_installed() {
        Ok(()) => Some(PrivatePodman::start()),
        Err(why) => {
            println!("{}", serde_json::json!({ "skip": why }));
            None
        }
    };
    let mut out = std::io::stdout().lock();
    if let Some(p) = &podman {
        let _ = writeln!(out, "{}", serde_json::json!({ "host": p.host() }));
    }
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    drop(out);
    let mut sink = String::new();
    let stdin = std::io::stdin();
    while stdin.lock().read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
        sink.clear();
    }
    drop(podman);
}
