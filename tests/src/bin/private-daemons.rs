//! `private-daemons NAME…`: starts private Docker daemons (tests/src/daemons.rs) for test suites
//! in other languages (the Python tests), and tears them down when its standard input closes.
//!
//! Prints one JSON line per daemon — `{"name": "a", "host": "unix:///…/docker.sock", "ip":
//! "10.99.7.1", "netns": "…"}` — then `ready`, then waits. With `--tls` first, the daemons also
//! listen on `tcp://0.0.0.0:2376` inside their namespaces with TLS, and a line
//! `{"tls": {"client": DIR, "wrong_ca": DIR}}` comes before `ready`. Closing stdin (or the test process dying, which
//! closes it) removes everything: daemons, shims, mounts, namespaces, folders.

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
    let mut lines: Vec<serde_json::Value> = set
        .daemons
        .iter()
        .map(|d| serde_json::json!({"name": d.name, "host": d.host(), "ip": d.ip.to_string(), "netns": d.netns}))
        .collect();
    if let Some(tls) = &tls {
        lines.push(serde_json::json!({"tls": {"client": tls.client, "wrong_ca": tls.wrong_ca}}));
    }
    dockernet_tests::announce_and_wait_for_eof(lines);
    drop(set);
    drop(tls);
}
