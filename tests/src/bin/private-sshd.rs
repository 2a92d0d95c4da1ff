//! `private-sshd`: a private Docker daemon behind a private sshd on loopback (tests/src/sshd.rs,
//! tests/src/daemons.rs), for the Python tests of `ssh://` hosts; torn down when its standard
//! input closes.
//!
//! Prints one JSON line — `{"url": "ssh://root@127.0.0.1:PORT", "path": PATH, "host":
//! "unix:///…/docker.sock"}`: the ssh URL, the `PATH` whose `ssh` uses the test's key and
//! known_hosts, and the daemon's own socket (an oracle) — then `ready`, then waits. Closing stdin
//! (or the test process dying, which closes it) stops sshd and the daemon and removes their files.

use std::io::{BufRead, Write};

use dockernet_tests::daemons::PrivateDaemons;
use dockernet_tests::sshd::Sshd;

fn main() {
    if std::env::args().len() > 1 {
        eprintln!("usage: private-sshd (no arguments; stdin closing tears everything down)");
        std::process::exit(2);
    }
    let set = PrivateDaemons::start(&["remote"]);
    let d = set.get("remote");
    let sshd = Sshd::start(&d.host());
    let line = serde_json::json!({
        "url": sshd.url(),
        "path": sshd.path_env().to_string_lossy(),
        "host": d.host(),
    });
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    drop(out);
    let mut sink = String::new();
    let stdin = std::io::stdin();
    while stdin.lock().read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
        sink.clear();
    }
    drop(sshd);
    drop(set);
}
