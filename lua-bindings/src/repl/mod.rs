//! The interactive REPL of `dockernet`, one file per concern (after reedline's layout):
//!
//! - `run_loop.rs`: the loop — on a terminal through rustyline, from piped stdin without it — and
//!   the evaluator that runs each chunk or CLI-syntax line and prints what it gives back;
//! - `helper.rs`: the rustyline helper (completion and validation glue), the prompt, live names;
//! - `validate.rs`: multi-line input — is the chunk complete? (compiled by Lua, `return <line>` first);
//! - `complete.rs`: completion candidates: the API tree, live names in strings, CLI words;
//! - `history.rs`: the persistent history file;
//! - `print.rs`: how results and errors look;
//! - `help.rs`: the global `help` function (also installed for scripts);
//! - `cli_api.rs`: the REPL's one door to the CLI-syntax commands of [`crate::cli`].
//!
//! The `docker` table itself is not built here (`runtime.rs` does that); the REPL only reads it.

mod cli_api;
mod complete;
mod help;
mod helper;
mod history;
mod run_loop;
mod validate;

use std::io::IsTerminal;

use dockernet_core::BlockingClient;

pub use help::install_help;

/// Runs the REPL on `lua` (which has the `docker` table registered) and returns the exit status.
///
/// On a terminal: a line editor with history, completion and multi-line input; Ctrl-C cancels
/// the line, or stops the chunk that runs; Ctrl-D leaves (status 0). With stdin piped: each
/// complete chunk runs as if typed, results are printed without prompts or colour, and the status
/// is 1 when any chunk failed (128 + the signal after Ctrl-C, SIGTERM, SIGHUP). Installs the
/// global `help` function and the signal handling (see `runtime.rs`) either way.
pub fn run(lua: &mlua::Lua, client: &BlockingClient) -> i32 {
    if let Err(e) = install_help(lua) {
        eprintln!("dockernet: help() is unavailable: {e}");
    }
    if std::io::stdin().is_terminal() {
        run_loop::interactive(lua, client)
    } else {
        crate::runtime::handle_signals(client, Some(lua));
        run_loop::piped(
            lua,
            client,
            &mut std::io::stdin().lock(),
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        )
    }
}
