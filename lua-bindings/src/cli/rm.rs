//! `network rm`: removes each name in turn, printing the name given on success and an error line
//! on failure, carrying on after failures; exit status 1 if any failed. `-f` skips networks that
//! do not exist (the CLI's client-side force; the daemon has none).

use std::io::Write;

use dockernet_core::{BlockingClient, ErrorKind};

use super::args::RmArgs;

/// Runs `network rm`.
pub fn run(client: &BlockingClient, a: RmArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let force = a.force.unwrap_or(false);
    let mut failed = false;
    for name in &a.networks {
        match client.network_rm(name) {
            Ok(()) => {
                let _ = writeln!(out, "{name}");
            }
            Err(e) if force && e.kind() == ErrorKind::NotFound => {}
            Err(e) => {
                failed = true;
                super::report(err, &e, &format!("network rm {name:?}"));
            }
        }
    }
    i32::from(failed)
}
