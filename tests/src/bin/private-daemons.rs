//! `private-daemons NAME…`: starts private Docker daemons (tests/src/daemons.rs) for test suites
//! in other languages (the Python tests), and tears them down when its standard input closes.
//!
//! Prints one JSON line per daemon — `{"name": "a", "host": "unix:///…/docker.sock", "ip":
//! "10.99.7.1"}` — then `ready`, then waits. Closing stdin (or the test process dying, which
//! closes it) removes everything: daemons, shims, mounts, namespaces, folders.

use std::io::{BufRead, Write};

use dockernet_tests::daemons::PrivateDaemons;

fn main() {
    let names: Vec<String> = std::env::args().skip(1).collect();
    if names.is_empty() || names.iter().any(|n| n.starts_with('-')) {
        eprintln!("usage: private-daemons NAME... (e.g. private-daemons a b); stdin closing tears them down");
        std::process::exit(2);
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let set = PrivateDaemons::start(&refs);
    let mut out = std::io::stdout().lock();
    for d in &set.daemons {
        let line = serde_json::json!({"name": d.name, "host": d.host(), "ip": d.ip.to_string()});
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    drop(out);
    // Wait for EOF on stdin, bounded by nothing but the caller: the caller owns the lifetime.
    let mut sink = String::new();
    let stdin = std::io::stdin();
    while stdin.lock().read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
        sink.clear();
    }
    drop(set);
}
