//! The REPL's view of the docker-CLI-syntax commands in [`crate::cli`]: every use the REPL makes
//! of them goes through this file, so the rest of the REPL depends on one small surface (and the
//! REPL's tests show which parts of the CLI it relies on).

use dockernet_core::BlockingClient;

/// Runs one CLI-syntax line, already split into words (`network ls`, `docker network …`).
pub(crate) fn run(
    client: &BlockingClient,
    words: &[String],
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> i32 {
    crate::cli::run(client, words, out, err)
}

/// [`run`] with the confirmation `network prune` asks for read from `input` (piped input: the
/// script's next line, as the docker CLI would read it from the same stdin).
pub(crate) fn run_with_input(
    client: &BlockingClient,
    words: &[String],
    input: &mut dyn std::io::BufRead,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> i32 {
    crate::cli::run_with_input(client, words, input, out, err)
}

/// Whether `line` is written in docker CLI syntax rather than Lua.
pub(crate) fn is_cli_line(line: &str) -> bool {
    crate::cli::is_cli_line(line)
}

/// Splits a CLI-syntax line into words as a shell would (quotes, backslashes).
pub(crate) fn split_line(line: &str) -> Result<Vec<String>, String> {
    crate::cli::split_line(line)
}

/// The clap command tree of the CLI syntax (for completing subcommands and flags).
pub(crate) fn command() -> clap::Command {
    crate::cli::command()
}
