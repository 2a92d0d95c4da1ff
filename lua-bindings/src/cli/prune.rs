//! `network prune`: asks the docker CLI's question unless `-f`, then prints `Deleted Networks:`
//! and the names the daemon removed (nothing at all when none was).
//!
//! Like the CLI, only an answer of `y`/`Y` goes ahead; anything else, an empty line or end of
//! input cancels quietly with status 0 (the prompt stays without a newline, as the CLI's).

use std::io::{BufRead, Write};

use dockernet_core::network::PruneOptions;
use dockernet_core::BlockingClient;

use super::args::{self, PruneArgs};

/// The CLI's warning, followed by ` [y/N] `.
pub const WARNING: &str =
    "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?";

/// Runs `network prune`, reading the confirmation from `input`.
pub fn run(
    client: &BlockingClient,
    a: PruneArgs,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    if !a.force.unwrap_or(false) {
        let _ = write!(out, "{WARNING} [y/N] ");
        let _ = out.flush();
        let mut line = String::new();
        let yes = input.read_line(&mut line).is_ok() && line.trim().eq_ignore_ascii_case("y");
        if !yes {
            return 0;
        }
    }
    let opts = PruneOptions { filters: args::to_filters(a.filter) };
    match client.network_prune(&opts) {
        Ok(names) => {
            if !names.is_empty() {
                let mut text = String::from("Deleted Networks:\n");
                for n in names {
                    text.push_str(&n);
                    text.push('\n');
                }
                let _ = writeln!(out, "{text}");
            }
            0
        }
        Err(e) => {
            super::report(err, &e, "network prune");
            1
        }
    }
}
