//! `private-sshd`: a private Docker daemon behind a private sshd on loopback (tests/src/sshd.rs,
//! tests/src/daemons.rs), for the Python tests of `ssh://` hosts; torn down when its standard
//! input closes.
//!
//! Prints one JSON line — `{"url": "ssh://root@127.0.0.1:PORT", "path": PATH, "host":
//! "unix:///…/docker.sock"}`: the ssh URL, the `PATH` whose `ssh` uses the test's key and
//! known_hosts, and the daemon's own socket (an oracle) — then `ready`, then waits. Closing stdin
//! (or the test process dying, which closes it) stops sshd and the daemon and removes their files.

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
    dockernet_tests::announce_and_wait_for_eof([line]);
    drop(sshd);
    drop(set);
}
