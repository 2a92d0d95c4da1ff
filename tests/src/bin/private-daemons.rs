//! `private-daemons NAME…`: starts private Docker daemons (tests/src/daemons.rs) for test suites
//! in other languages (the Python tests), and tears them down when its standard input closes.
//!
//! Prints one JSON line per daemon — `{"name": "a", "host": "unix:///…/docker.sock", "ip":
//! "10.99.7.1", "netns": "…"}` — then `ready`, then waits. With `--tls` first, the daemons also
//! listen on `tcp://0.0.0.0:2376` inside their namespaces with TLS, and a line
//! `{"tls": {"client": DIR, "wrong_ca": DIR}}` comes before `ready`. Closing stdin (or the test process dying, which
//! closes it) removes everything: daemons, shims, mounts, namespaces, folders.

use std::io::{BufRead, Write};

use dockernet_tests::daemons::PrivateDaemons;

fn main() {
    let mut names: Vec<String> = std::env::args().skip(1).collect();
    let with_tls = names.first().is_some_and(|n| n == "--tls");
    if with_tls {
        names.remove(0);
    }
    if names.is_empty() || names.iter().any(|n| n.starts_with('-')) {
        eprintln!("usage: private-daemons [--tls] NAME... (e.g. private-daemons a b); stdin closing tears them down");
        std::process::exit(2);
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (set, tls) = if with_tls {
        let (set, tls) = PrivateDaemons::start_tls(&refs);
        (set, Some(tls))
    } else {
        (PrivateDaemons::start(&refs), None)
    };
    let mut out = std::io::stdout().lock();
    for d in &set.daemons {
        let line = serde_json::json!({"name": d.name, "host": d.host(), "ip": d.ip.to_string(), "netns": d.netns});
        let _ = writeln!(out, "{line}");
    }
    if let Some(tls) = &tls {
        let line = serde_json::json!({"tls": {"client": tls.client, "wrong_ca": tls.wrong_ca}});
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
    drop(tls);
}
