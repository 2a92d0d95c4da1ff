//! The docker-CLI-syntax commands: `dockernet network create|connect|disconnect|inspect|ls|rm|
//! prune …` and `dockernet container ls|run|exec|inspect|stop|rm` (`container.rs`; also the
//! CLI's `run`, `exec`, `ps`, `stop`, `rm` shortcuts), shared by the shell (`main.rs`) and the
//! REPL (`network ls` or `docker ps` typed at the prompt).
//!
//! Every subcommand takes the docker CLI 28 flags and prints what `docker network …` prints:
//! the same id on create, the same table, JSON and templates on ls and inspect, the same names
//! on rm and prune. One file per subcommand (`create.rs`, `connect.rs` for connect and
//! disconnect, `inspect.rs`, `ls.rs`, `rm.rs`, `prune.rs`), the flags in `args.rs`, and the Go
//! behaviours the output depends on beside them: `gojson.rs` (Go's JSON, `%v`, `time.Time`),
//! `template/` (Go templates with docker's functions), `gotime.rs` (Go's `time.Time` methods for
//! templates), `typed.rs` (the Go types the CLI reads
//! inspect documents into). Operations are core's ([`BlockingClient`]); nothing here talks to the
//! daemon directly or repeats a check core makes.
//!
//! **Output and exit status**, the docker CLI's (so a shell script's `$?` checks port unchanged):
//! - 0: success; also `--help` (printed to `out`), a bare `network` (its help) and a prune the
//!   user declined.
//! - 1: an operation failed (daemon refusal, bad value caught by core, unreachable daemon), and
//!   the usage errors cobra reports: a missing or extra argument, an unknown subcommand, an
//!   argument found bad after parsing (`--driver-opt nokey`), an ls template that does not parse,
//!   a template that fails while it runs. Commands over several names (`inspect`, `rm`) finish
//!   the others first.
//! - 125 ([`STATUS_FLAG`]): a flag that does not parse — unknown, missing its value, a value
//!   pflag refuses (`--ipv6=maybe`, `--filter nonsense`, `--label =x`, an unterminated CSV quote).
//! - 64 ([`STATUS_TEMPLATE`]): an inspect `--format` that does not parse (the CLI's
//!   `StatusError{StatusCode: 64}`).
//!
//! **Error format**, one line per error on `err`:
//! - `Error response from daemon: <message>` when the daemon answered (its status is set), as
//!   the docker CLI prints it: `Error response from daemon: network web not found`;
//! - `Error: <message>` when dockernet refused before asking (bad subnet, duplicate name,
//!   unreachable daemon…): `Error: a network named "web" already exists (id 0123456789ab)`.
//!
//! The message is core's, minus the `network rm "web": ` prefix core adds for the operation: the
//! command line already says it. Usage errors come from clap (`error: unexpected argument
//! '--bogus' found` plus usage) or read `Error: <what is wrong>` followed by `See 'dockernet
//! network SUB --help'.`; template errors read as the CLI's, `template parsing error: template: …`
//! (also for an error while the template runs, as the CLI words it).
//!
//! **Known differences from the docker CLI**: usage errors have clap's wording (same statuses);
//! `.Labels` in ls templates is sorted (the CLI's order is random); `rm`
//! does not add the CLI's trailing `exit status 1` line; inspect's JSON keys come in the order
//! the document holds them, which is the daemon's only when serde_json keeps insertion order
//! (its `preserve_order` feature), sorted otherwise — same JSON, same indentation.

use std::io::{BufRead, Write};

use dockernet_core::{BlockingClient, Error};

mod args;
mod connect;
pub mod container;
mod create;
mod events;
#[cfg(test)]
mod fuzz;
mod gojson;
mod impair;
mod gotime;
mod inspect;
mod ls;
mod prune;
mod rm;
mod template;
pub mod topology;
mod typed;

pub use ls::network_table;

/// Runs one docker-CLI-style command (`args` are the words after the program name: `network`
/// first, or `docker network`). Writes what the docker CLI would print to `out`/`err` and
/// returns the docker CLI's exit status (0 ok, 1 failed, 125 a bad flag, 64 an inspect template
/// that does not parse; see the module notes). `prune` without
/// `-f` reads its confirmation from standard input.
///
/// ```no_run
/// let docker = dockernet_core::BlockingClient::new(None)?;
/// let args: Vec<String> = ["network", "ls", "-q"].iter().map(|s| s.to_string()).collect();
/// let status = dockernet_lua::cli::run(&docker, &args, &mut std::io::stdout(), &mut std::io::stderr());
/// assert_eq!(status, 0);
/// # Ok::<(), dockernet_core::Error>(())
/// ```
pub fn run(client: &BlockingClient, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    run_with_input(client, args, &mut LazyStdin(None), out, err)
}

/// Standard input, locked only when a command reads it (only an unforced prune does).
struct LazyStdin(Option<std::io::StdinLock<'static>>);

impl LazyStdin {
    fn lock(&mut self) -> &mut std::io::StdinLock<'static> {
        self.0.get_or_insert_with(|| std::io::stdin().lock())
    }
}

impl std::io::Read for LazyStdin {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.lock().read(buf)
    }
}

impl BufRead for LazyStdin {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.lock().fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.lock().consume(amt)
    }
}

/// [`run`] with the prune confirmation read from `input` instead of standard input.
pub fn run_with_input(
    client: &BlockingClient,
    args: &[String],
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let args = match args {
        [docker, rest @ ..] if docker == "docker" => rest,
        _ => args,
    };
    match args.first().map(String::as_str) {
        Some("network") => {}
        Some("container") => return container::run(client, args, out, err),
        Some("impair") => return impair::run(client, args, out, err),
        Some("events") => return events::run(client, args, out, err),
        // The docker CLI's top-level shortcuts of container verbs (`docker run`, `docker ps`).
        Some(short @ ("run" | "exec" | "ps" | "stop" | "rm")) => {
            let mut long = vec!["container".to_string(), if short == "ps" { "ls".into() } else { short.to_string() }];
            long.extend(args[1..].iter().cloned());
            return container::run(client, &long, out, err);
        }
        Some(other) => {
            const KNOWN: [&str; 9] = ["network", "container", "impair", "events", "run", "exec", "ps", "stop", "rm"];
            let hint = nearest(other, &KNOWN).map(|c| format!("did you mean {c}? ")).unwrap_or_default();
            let _ = writeln!(
                err,
                "Error: unknown command {other:?}: {hint}only `network …` and `container …` commands (and `run`, \
                 `exec`, `ps`, `stop`, `rm`, `impair`, `events`) are supported (try `network --help`)"
            );
            return STATUS_USAGE;
        }
        None => {
            let _ = write!(err, "{}", command().render_help());
            return STATUS_USAGE;
        }
    }
    let parsed = match parse::<args::Network>(args, out, err) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let _ = out.flush();
    let status = match parsed.cmd {
        None => {
            let _ = write!(out, "{}", command().render_help());
            0
        }
        Some(args::Sub::Connect(a)) => connect::connect(client, a, err),
        Some(args::Sub::Create(a)) => create::run(client, a, out, err),
        Some(args::Sub::Disconnect(a)) => connect::disconnect(client, a, err),
        Some(args::Sub::Inspect(a)) => inspect::run(client, a, out, err),
        Some(args::Sub::Ls(a)) => ls::run(client, a, out, err),
        Some(args::Sub::Prune(a)) => prune::run(client, a, input, out, err),
        Some(args::Sub::Rm(a)) => rm::run(client, a, out, err),
    };
    let _ = out.flush();
    let _ = err.flush();
    status
}

/// The docker CLI's exit status for a flag that does not parse: unknown, missing its value, or
/// a value pflag refuses (cobra's flag error, which the CLI turns into 125).
pub const STATUS_FLAG: i32 = 125;
/// The docker CLI's exit status for the other usage errors (a wrong argument count, an unknown
/// subcommand, an argument found bad after parsing) and for failed operations.
pub const STATUS_USAGE: i32 = 1;
/// The docker CLI's exit status for an `inspect --format` template that does not parse.
pub const STATUS_TEMPLATE: i32 = 64;

/// The exit status the docker CLI gives the usage error clap found: a flag problem is 125, an
/// argument or subcommand problem 1 (an unexpected word is a flag when it starts with `-`).
pub(crate) fn clap_status(e: &clap::Error) -> i32 {
    use clap::error::{ContextKind, ContextValue, ErrorKind as K};
    match e.kind() {
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand => 0,
        // A word or a count of positional arguments: cobra's argument check, 1.
        K::UnknownArgument | K::TooManyValues | K::TooFewValues | K::WrongNumberOfValues => {
            match e.get(ContextKind::InvalidArg) {
                Some(ContextValue::String(word)) if word.starts_with('-') => STATUS_FLAG,
                _ => STATUS_USAGE,
            }
        }
        K::InvalidValue | K::ValueValidation | K::NoEquals | K::InvalidUtf8 | K::ArgumentConflict => STATUS_FLAG,
        _ => STATUS_USAGE,
    }
}

/// Parses `args` with clap: help and version go to `out` (status 0), a usage error to `err`
/// with the docker CLI's status ([`clap_status`]).
pub(crate) fn parse<P: clap::Parser>(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> Result<P, i32> {
    P::try_parse_from(args).map_err(|e| {
        let status = clap_status(&e);
        if status == 0 {
            let _ = out.write_all(e.render().to_string().as_bytes());
        } else {
            let text = docker_usage_error(&P::command(), args, &e).unwrap_or_else(|| e.render().to_string());
            let _ = err.write_all(text.as_bytes());
        }
        status
    })
}

/// A usage error in the docker CLI's words and layout (cobra's): the problem, a blank line,
/// `Usage:  dockernet network create [OPTIONS] NETWORK`, a blank line, `Run 'dockernet network
/// create --help' for more information`. `None` for an error without a subcommand to name, which
/// clap's own text then describes.
fn docker_usage_error(group: &clap::Command, args: &[String], e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind as K};
    let subs: Vec<&clap::Command> = group.get_subcommands().collect();
    let sub = args.iter().skip(1).filter(|w| !w.starts_with('-')).find_map(|w| {
        subs.iter().find(|c| c.get_name() == w || c.get_all_aliases().any(|a| a == w)).copied()
    })?;
    let path = format!("dockernet {} {}", group.get_name(), sub.get_name());
    let context = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(v)) => Some(v.clone()),
        Some(ContextValue::Strings(v)) => v.first().cloned(),
        _ => None,
    };
    // cobra's argument-count words, from the positionals' arity.
    let counts = || {
        let (mut min, mut unbounded, mut max) = (0usize, false, 0usize);
        for a in sub.get_positionals() {
            let many = a.get_num_args().is_some_and(|n| n.max_values() > 1);
            unbounded |= many || a.is_trailing_var_arg_set();
            max += 1;
            if a.is_required_set() {
                min += if many { a.get_num_args().map_or(1, |n| n.min_values().max(1)) } else { 1 };
            }
        }
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        match (min, unbounded, max) {
            (_, _, 0) => format!("dockernet: '{path}' accepts no arguments"),
            (n, true, _) => format!("dockernet: '{path}' requires at least {n} {}", plural(n)),
            (n, false, m) if n == m => format!("dockernet: '{path}' requires {n} {}", plural(n)),
            (n, false, m) => format!("dockernet: '{path}' requires at least {n} and at most {m} arguments"),
        }
    };
    let flag_of = |shown: &str| {
        // clap shows `--filter <KEY=VALUE>`; the CLI names the flag as pflag does: `-f, --filter`.
        let long = shown.split([' ', '[', '=']).next().unwrap_or(shown).trim_start_matches('-').to_string();
        let short = sub.get_arguments().find(|a| a.get_long() == Some(long.as_str())).and_then(|a| a.get_short());
        match short {
            Some(c) => format!("-{c}, --{long}"),
            None => format!("--{long}"),
        }
    };
    let problem = match e.kind() {
        K::UnknownArgument => match context(ContextKind::InvalidArg) {
            Some(w) if w.starts_with("--") => format!("unknown flag: {}", w.split('=').next().unwrap_or(&w)),
            Some(w) if w.starts_with('-') => {
                format!("unknown shorthand flag: '{}' in {w}", w.chars().nth(1).unwrap_or('-'))
            }
            _ => counts(),
        },
        K::MissingRequiredArgument | K::TooFewValues | K::TooManyValues | K::WrongNumberOfValues
            if !context(ContextKind::InvalidArg).is_some_and(|a| a.starts_with('-')) =>
        {
            counts()
        }
        K::InvalidValue | K::ValueValidation => {
            let arg = context(ContextKind::InvalidArg)?;
            let value = context(ContextKind::InvalidValue).unwrap_or_default();
            let flag = flag_of(&arg);
            if value.is_empty() && e.kind() == K::InvalidValue {
                // pflag names the flag as it was typed: `'f' in -f` for the shorthand.
                match flag.strip_prefix('-').and_then(|f| f.split(", ").next()) {
                    Some(c) if args.last().is_some_and(|a| a == &format!("-{c}")) => {
                        format!("flag needs an argument: '{c}' in -{c}")
                    }
                    _ => format!("flag needs an argument: {}", flag.rsplit(", ").next().unwrap_or(&flag)),
                }
            } else {
                let why = std::error::Error::source(e).map(|s| s.to_string()).unwrap_or_else(|| "invalid value".into());
                format!("invalid argument {value:?} for {flag:?} flag: {why}")
            }
        }
        _ => return None,
    };
    let usage = sub.clone().bin_name(&path).render_usage().to_string();
    let usage = usage.trim().trim_start_matches("Usage:").trim();
    // clap's `<NETWORK>...` is cobra's `NETWORK [NETWORK...]`, `<X>` is `X`.
    let mut words = Vec::new();
    for w in usage.split(' ') {
        words.push(match (w.strip_prefix('<'), w.strip_suffix(">...")) {
            (Some(_), Some(inner)) => {
                let name = &inner[1..];
                format!("{name} [{name}...]")
            }
            (Some(inner), None) => inner.trim_end_matches('>').to_string(),
            _ => w.trim_end_matches("...").replace("]...", "...]").to_string(),
        });
    }
    Some(format!("{problem}\n\nUsage:  {}\n\nRun '{path} --help' for more information\n", words.join(" ")))
}

/// The clap tree of `network` (subcommands, aliases and flags), for help and completion.
/// Its name is `network`; the REPL strips a leading `docker` before matching.
pub fn command() -> clap::Command {
    <args::Network as clap::CommandFactory>::command()
}

/// The words of a command line as text, for the `network` and topology commands: a word that
/// is not valid UTF-8 cannot be a network name, a flag, a template or a file name these commands
/// take, so it is refused up front with a message naming it (the program exits with status 1,
/// as the docker CLI does for a bad argument) instead of reaching a parser that assumes text.
///
/// ```
/// use std::ffi::OsString;
/// let ok = dockernet_lua::cli::text_args(&[OsString::from("network"), OsString::from("ls")]).unwrap();
/// assert_eq!(ok, ["network", "ls"]);
/// # #[cfg(unix)] {
/// use std::os::unix::ffi::OsStringExt;
/// let bad = [OsString::from("network"), OsString::from("inspect"), OsString::from_vec(b"ab\xff".to_vec())];
/// let e = dockernet_lua::cli::text_args(&bad).unwrap_err();
/// assert_eq!(e, r#"argument "ab\xFF" is not valid UTF-8 (names, flags, values and file names must be text)"#);
/// # }
/// ```
///
/// # Errors
/// The first word that is not UTF-8, shown by [`escape_bytes`].
pub fn text_args(words: &[std::ffi::OsString]) -> Result<Vec<String>, String> {
    words
        .iter()
        .map(|w| {
            w.to_str().map(str::to_string).ok_or_else(|| {
                let shown = escape_bytes(w.as_encoded_bytes());
                format!("argument \"{shown}\" is not valid UTF-8 (names, flags, values and file names must be text)")
            })
        })
        .collect()
}

/// Bytes for a message: the valid UTF-8 as it is, each other byte as `\xFF`, so a word that
/// is not text can still be told apart from another in an error.
///
/// ```
/// assert_eq!(dockernet_lua::cli::escape_bytes(b"\xc3\x9f.lua\xff"), "ß.lua\\xFF");
/// ```
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut s = String::new();
    for chunk in bytes.utf8_chunks() {
        s.push_str(chunk.valid());
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02X}"));
        }
    }
    s
}

/// True when a REPL line is CLI syntax rather than Lua: the first word is `network` or
/// `container`, or `docker` then any word (`docker ps`, `docker run …`; a typo such as `docker
/// netwrok ls` is never Lua either, and gets "did you mean network?"), and what follows (if
/// anything) is a word or a flag — so `network = 1`, `network "x"`, `network.ls()`,
/// `docker.network.ls()` and `docker or x` stay Lua.
///
/// ```
/// use dockernet_lua::cli::is_cli_line;
/// assert!(is_cli_line("network ls -q") && is_cli_line("docker network rm web"));
/// assert!(!is_cli_line("network = 1") && !is_cli_line("docker.network.ls()"));
/// ```
pub fn is_cli_line(line: &str) -> bool {
    let mut words = line.split_whitespace();
    match words.next() {
        Some("network" | "container") => {}
        // `docker WORD` is never Lua (but `docker and x`, `docker or x`): a typo of a command
        // reaches `run`, which suggests the nearest.
        Some("docker") => match words.next() {
            Some("and" | "or") | None => return false,
            Some(w) if !w.starts_with(|c: char| c.is_ascii_alphabetic()) => return false,
            Some(_) => {}
        },
        _ => return false,
    }
    match words.next() {
        None => true,
        Some("and" | "or") => false,
        Some(w) => w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '-'),
    }
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent swaps): `netwrok` is one edit
/// from `network`.
///
/// ```
/// assert_eq!(dockernet_lua::cli::edit_distance("netwrok", "network"), 1);
/// ```
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate nearest to `word` when it is a likely typo of it (at most two edits, and fewer
/// than the word's length), for "did you mean …?".
///
/// ```
/// assert_eq!(dockernet_lua::cli::nearest("contianer", &["network", "container"]), Some("container"));
/// assert_eq!(dockernet_lua::cli::nearest("zzzz", &["network"]), None);
/// ```
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let (d, c) = candidates.iter().map(|c| (edit_distance(word, c), *c)).min()?;
    (d <= 2 && d < word.chars().count()).then_some(c)
}

/// Splits a command line into words as a POSIX shell would (quotes, backslashes, `#` comments),
/// so `network ls --format '{{.Name}}'` works at the REPL.
///
/// # Errors
/// An unterminated quote or a trailing backslash.
pub fn split_line(line: &str) -> Result<Vec<String>, String> {
    shlex::split(line)
        .ok_or_else(|| format!("cannot split {line:?} into words: unterminated quote or trailing backslash"))
}

/// The error line for a failed operation (see the module notes): `ctx` is the prefix core put
/// on the message for this operation.
pub(crate) fn error_line(e: &Error, ctx: &str) -> String {
    let msg = e.message();
    let msg = msg.strip_prefix(ctx).and_then(|m| m.strip_prefix(": ")).unwrap_or(msg);
    match e.status() {
        Some(_) => format!("Error response from daemon: {msg}"),
        None => format!("Error: {msg}"),
    }
}

/// The docker CLI's config file (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`)
/// as JSON, when there is one that parses: `network ls` reads its `networksFormat`, `network
/// prune` its `pruneFilters`.
pub(crate) fn cli_config() -> Option<serde_json::Value> {
    let dir = match std::env::var_os("DOCKER_CONFIG") {
        Some(d) if !d.is_empty() => std::path::PathBuf::from(d),
        _ => std::path::PathBuf::from(std::env::var_os("HOME")?).join(".docker"),
    };
    let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// Prints [`error_line`] to `err`.
pub(crate) fn report(err: &mut dyn Write, e: &Error, ctx: &str) {
    let _ = writeln!(err, "{}", error_line(e, ctx));
}

/// Prints a usage error found after parsing (an argument the docker CLI also refuses once
/// parsed) and returns its status, 1.
pub(crate) fn usage(err: &mut dyn Write, sub: &str, msg: &str) -> i32 {
    let _ = writeln!(err, "Error: {msg}\nSee 'dockernet network {sub} --help'.");
    STATUS_USAGE
}

/// Prints a flag value refused after parsing (pflag would have refused it while parsing) and
/// returns the docker CLI's flag-error status, 125.
pub(crate) fn flag_error(err: &mut dyn Write, sub: &str, msg: &str) -> i32 {
    let _ = writeln!(err, "Error: {msg}\nSee 'dockernet network {sub} --help'.");
    STATUS_FLAG
}

#[cfg(test)]
mod tests {
    use super::*;
    use dockernet_core::ErrorKind;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    /// CLI lines are told apart from Lua.
    #[test]
    fn cli_lines() {
        for yes in [
            "network",
            "network ls",
            "  docker network ls -q",
            "network --help",
            "network create --subnet 10.0.0.0/24 x",
            "container ls -a",
            "docker ps",
            "docker run -d --name r1 --network n1 img sleep infinity",
            "docker exec -it r1 ifconfig",
            "docker pss",
            "docker netwrok ls",
        ] {
            assert!(is_cli_line(yes), "{yes}");
        }
        for no in [
            "network = 1",
            "network.ls()",
            "docker.network.ls()",
            "docker",
            "docker = require 'dockernet'",
            "docker or 1",
            "docker and f()",
            "container = 1",
            "network \"x\"",
            "network(1)",
            "network or 1",
            "local network = 1",
            "print(network)",
            "",
        ] {
            assert!(!is_cli_line(no), "{no}");
        }
    }

    /// Shell-like splitting keeps quoted templates whole.
    #[test]
    fn splitting() {
        assert_eq!(
            split_line("network ls --format '{{.Name}} {{.ID}}'").unwrap(),
            words(&["network", "ls", "--format", "{{.Name}} {{.ID}}"])
        );
        assert_eq!(split_line(r#"network create "my net""#).unwrap(), words(&["network", "create", "my net"]));
        assert!(split_line("network ls --format '{{.Name}").is_err());
    }

    /// Error lines: daemon answers in docker's words, dockernet's own refusals as `Error:`.
    #[test]
    fn error_lines() {
        let e = Error::from_daemon(404, "network web not found").context("network rm \"web\"");
        assert_eq!(error_line(&e, "network rm \"web\""), "Error response from daemon: network web not found");
        let e = Error::new(ErrorKind::Conflict, "a network named \"x\" already exists").context("network create \"x\"");
        assert_eq!(error_line(&e, "network create \"x\""), "Error: a network named \"x\" already exists");
        assert_eq!(error_line(&e, "other"), "Error: network create \"x\": a network named \"x\" already exists");
    }

    fn run_offline(args: &[&str], input: &str) -> (i32, String, String) {
        // No command below reaches the daemon: help, usage errors and a declined prune.
        let client = BlockingClient::new(Some("unix:///nonexistent/dockernet-test.sock")).unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = run_with_input(&client, &words(args), &mut input.as_bytes(), &mut out, &mut err);
        (status, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
    }

    /// Help goes to out with status 0; usage errors name the culprit with the docker CLI's
    /// status: 125 for a flag, 1 for an argument, 64 for an inspect template.
    #[test]
    fn help_and_usage() {
        let (s, out, _) = run_offline(&["network", "ls", "--help"], "");
        assert_eq!(s, 0);
        assert!(out.contains("--no-trunc") && out.contains("--filter"), "{out}");
        let (s, out, _) = run_offline(&["docker", "network"], "");
        assert_eq!(s, 0);
        assert!(out.contains("create") && out.contains("prune"), "{out}");
        let (s, out, _) = run_offline(&["docker", "container"], "");
        assert_eq!(s, 0);
        assert!(out.contains("exec") && out.contains("run"), "{out}");
        for (args, status, text) in [
            (&["network", "ls", "--bogus"][..], 125, "--bogus"),
            (&["network", "create"], 1, "NETWORK"),
            (&["network", "create", "a", "b"], 1, "requires 1 argument"),
            (&["network", "ls", "-f", "foo"], 125, "bad format of filter"),
            (&["network", "inspect", "-f"], 125, "flag needs an argument: 'f' in -f"),
            (&["network", "create", "--ipv6=maybe", "x"], 125, "maybe"),
            (&["network", "create", "--subnet", "\"a", "x"], 125, "unterminated quote"),
            (&["network", "bogus"], 1, "bogus"),
            (&["network", "inspect", "-f", "{{.Name", "x"], 64, "template parsing error: template: :1: unclosed action"),
            (&["network", "ls", "--format", "{{.Name"], 1, "template parsing error: template: :1: unclosed action"),
            (&["volume", "ls"], 1, "volume"),
            (&["docker", "netwrok", "ls"], 1, "did you mean network?"),
            (&["container", "ls", "--bogus"], 125, "--bogus"),
            (&["container", "exec", "c"], 1, "COMMAND"),
            (&["run", "--name", "x", "img"], 1, "add -d"),
        ] {
            let (s, _, err) = run_offline(args, "");
            assert_eq!(s, status, "{args:?}: {err}");
            assert!(err.contains(text), "{args:?}: {err}");
        }
    }

    /// prune asks first; anything but y, or end of input, cancels without a request.
    #[test]
    fn prune_prompt_declined() {
        for input in ["n\n", "", "\n", "yes\n"] {
            let (s, out, err) = run_offline(&["network", "prune"], input);
            assert_eq!((s, err.as_str()), (0, ""), "{input:?}");
            assert_eq!(out, format!("{} [y/N] ", prune::WARNING));
        }
    }

    /// An unreachable daemon is an operation failure (1) with an `Error:` line.
    #[test]
    fn unreachable_daemon() {
        let (s, out, err) = run_offline(&["network", "ls"], "");
        assert_eq!(s, 1);
        assert_eq!(out, "");
        assert!(err.starts_with("Error: "), "{err}");
    }
}
