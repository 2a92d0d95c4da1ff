//! `private-podman`: a private Podman service (tests/src/podman.rs) for the Python tests against
//! Podman's Docker-compatible API; torn down when its standard input closes.
//!
//! Prints `{"host": "unix:///…/podman.sock"}` then `ready`, then waits. When Podman cannot be
//! installed on the machine, prints `{"skip": REASON}` then `ready` instead (the caller skips
//! loudly). Closing stdin (or the test process dying, which closes it) removes its containers,
//! the service, its namespace and its folder.

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
    dockernet_tests::announce_and_wait_for_eof(podman.iter().map(|p| serde_json::json!({ "host": p.host() })));
    drop(podman);
}
