//! The `dockernet` program: a Lua REPL and script runner that talks to a Docker daemon, plus the
//! docker-CLI-syntax `dockernet network …` commands.
//!
//! ```text
//! dockernet                      REPL (on a terminal; piped stdin is read chunk by chunk)
//! dockernet script.lua [args…]   run a script (`arg` as in stock lua), then exit
//! dockernet -e CODE [-i]         run CODE (then the REPL with -i)
//! dockernet network ls …         the docker CLI's `network` commands and output
//! dockernet container ls …       the docker CLI's `container` verbs labs use (also run, exec, ps)
//! dockernet up|plan|… FILE       topologies (see `cli/topology.rs`)
//! dockernet help [COMMAND]       the program's help, or a command's
//! ```

use std::ffi::{OsStr, OsString};
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use dockernet_core::BlockingClient;
use mlua::{Lua, Table, Value};

/// Script Docker networks from Lua: a REPL, script runner and `docker network` work-alike.
#[derive(Parser, Debug)]
#[command(
    name = "dockernet",
    version,
    about = "Script Docker networks from Lua: a REPL, a script runner, and `docker network` commands.",
    after_help = "Commands:\n  network COMMAND     docker's network commands: ls, create, inspect, connect, disconnect, rm, prune\n  container COMMAND   docker's container commands: ls (ps), run, exec, inspect, stop, rm\n  run, exec, ps, stop, rm   shortcuts for container run, exec, ls, stop, rm, as docker's (when no file has that name)\n  impair CTR NET …    link impairment: --delay, --loss, --rate…, --clear, --reapply, --follow\n  events              the daemon's events as `docker events` prints them\n  plan FILE           what `up` would do to the daemon\n  up FILE             create or converge a topology (undone on failure)\n  status FILE         each declared element: present, missing or drifted\n  verify FILE         measure reachability between the topology's nodes\n  graph FILE          draw the topology (dot, mermaid, svg)\n  watch FILE          report drift as it happens (--heal: re-apply it; --until 30s)\n  down FILE|NAME      remove everything the topology owns\n  help [COMMAND]      this help, or a command's\n\nExamples:\n  dockernet                          start the REPL\n  dockernet scripts/seed-walkthrough.lua\n  dockernet -e 'print(#docker.network.ls())'\n  dockernet network ls --filter driver=bridge\n\nThe daemon: --host, else DOCKER_HOST, else the docker context (DOCKER_CONTEXT or ~/.docker/config.json), else unix:///var/run/docker.sock.\n  -c, --context NAME   use docker context NAME (as `docker --context`; before the script or command; not with --host)\nNO_COLOR disables colours in the REPL.",
    trailing_var_arg = true
)]
struct Args {
    /// Daemon socket or address (unix:///path, tcp://host:port, ssh://[user@]host[:port]); overrides DOCKER_HOST.
    #[arg(short = 'H', long, value_name = "HOST")]
    host: Option<OsString>,
    /// Seconds to wait for each daemon request (default: DOCKERNET_TIMEOUT, else 60). A stop
    /// also waits for its grace period; an exec's output is bounded by its own timeout option.
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<String>,
    /// Run this Lua code (repeatable; runs before SCRIPT).
    #[arg(short = 'e', value_name = "CODE")]
    exec: Vec<OsString>,
    /// Enter the REPL after running SCRIPT or -e code.
    #[arg(short = 'i')]
    interactive: bool,
    /// Run untrusted code: no programs, file writes or bytecode; memory and instruction limits.
    /// The docker API stays (the daemon is not sandboxed: see README, "Sandbox").
    #[arg(long)]
    sandbox: bool,
    /// With --sandbox: the Lua heap limit (e.g. 64M, 1G; default 256M).
    #[arg(long, value_name = "SIZE", requires = "sandbox", value_parser = dockernet_lua::sandbox::parse_size)]
    max_memory: Option<usize>,
    /// With --sandbox: the VM instruction budget (default 2000000000; 0 = unlimited).
    #[arg(long, value_name = "N", requires = "sandbox")]
    max_instructions: Option<u64>,
    /// A Lua script to run, or a command (see Commands below).
    #[arg(value_name = "SCRIPT")]
    script: Option<OsString>,
    /// Arguments for the script (`arg[1]`, …) or the command.
    #[arg(value_name = "ARGS", allow_hyphen_values = true)]
    args: Vec<OsString>,
}

/// What the scan of a network command finds: the `-H`/`--host` value, the `--timeout` value
/// (both as given) and the words from the command on.
type NetworkCommand<'a> = (Option<&'a [u8]>, Option<&'a [u8]>, &'a [OsString]);

/// `dockernet [-H HOST] network …`: the words after `network`, and the host, when the command
/// line is a network command. Scanned before clap so `dockernet network --help` reaches the
/// network command's own help rather than the program's. Words are compared as bytes (any of
/// them may not be UTF-8); the values are checked by [`text_value`] and `cli::text_args`.
fn network_command(argv: &[OsString]) -> Option<NetworkCommand<'_>> {
    let mut host = None;
    let mut timeout = None;
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_encoded_bytes();
        if a == b"-H" || a == b"--host" {
            host = Some(argv.get(i + 1)?.as_encoded_bytes());
            i += 2;
        } else if let Some(h) = a.strip_prefix(b"--host=") {
            host = Some(h);
            i += 1;
        } else if a == b"--timeout" {
            timeout = Some(argv.get(i + 1)?.as_encoded_bytes());
            i += 2;
        } else if let Some(t) = a.strip_prefix(b"--timeout=") {
            timeout = Some(t);
            i += 1;
        } else if is_command_word(a) {
            return Some((host, timeout, &argv[i..]));
        } else {
            return None;
        }
    }
    None
}

/// The docker-CLI command groups (`network …`, `container …`), always commands.
const CLI_GROUPS: [&str; 4] = ["network", "container", "impair", "events"];

/// Words that are commands only when no file of that name exists, so a script called `run` or
/// `help` still runs: docker's shortcuts (`docker run`, `exec`, `ps`, `stop`, `rm`) and `help`.
const SHORTCUTS: [&str; 6] = ["run", "exec", "ps", "stop", "rm", "help"];

/// Whether the first word after the program's own flags is a command rather than a script.
fn is_command_word(a: &[u8]) -> bool {
    let named = |list: &[&str]| list.iter().any(|v| v.as_bytes() == a);
    named(&CLI_GROUPS)
        || named(&dockernet_lua::cli::topology::VERBS)
        || (named(&SHORTCUTS) && std::str::from_utf8(a).is_ok_and(|w| !std::path::Path::new(w).exists()))
}

/// Every command word, for suggestions (`netwrok` → `network`).
fn command_words() -> Vec<&'static str> {
    CLI_GROUPS.iter().chain(SHORTCUTS.iter()).chain(dockernet_lua::cli::topology::VERBS.iter()).copied().collect()
}


/// The message for a first word that is neither a command nor an existing file, when it looks
/// like a command (a plain word, not a path and not `*.lua`); `None` leaves it to the script
/// runner, whose "cannot open" names the missing file.
fn unknown_command(word: &OsStr) -> Option<String> {
    let w = word.to_str()?;
    let plain = !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain || std::path::Path::new(w).exists() {
        return None;
    }
    let hint = match dockernet_lua::cli::nearest(w, &command_words()) {
        Some(c) => format!("did you mean {c}?"),
        None => format!("the commands are {}", command_words().join(", ")),
    };
    Some(format!(
        "unknown command \"{w}\": {hint} (no file of that name to run as a script either; see 'dockernet --help')"
    ))
}

/// `dockernet help [COMMAND [SUB]]` as the words of `COMMAND [SUB] --help`; `None` for the
/// program's own help.
fn help_words(words: &[String]) -> Option<Vec<String>> {
    let mut rest: Vec<String> = words.get(1..).unwrap_or_default().to_vec();
    if rest.is_empty() {
        return None;
    }
    rest.push("--help".into());
    Some(rest)
}

/// Runs a docker-CLI or topology command line (`words[0]` is the command).
fn dispatch(client: &BlockingClient, words: &[String]) -> i32 {
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    if dockernet_lua::cli::topology::VERBS.contains(&words[0].as_str()) {
        dockernet_lua::cli::topology::run(client, words, &mut out, &mut err)
    } else {
        dockernet_lua::cli::run(client, words, &mut out, &mut err)
    }
}

/// A flag's value as text: a daemon address or a timeout that is not UTF-8 names nothing, so
/// it is refused (exit status 1) with the flag named and the bytes escaped.
fn text_value(flag: &str, value: Option<&[u8]>) -> Result<Option<String>, String> {
    value
        .map(|v| {
            String::from_utf8(v.to_vec()).map_err(|_| {
                format!("invalid value \"{}\" for {flag}: not valid UTF-8", dockernet_lua::cli::escape_bytes(v))
            })
        })
        .transpose()
}

fn main() -> ExitCode {
    // args_os: std::env::args() panics on a word that is not UTF-8.
    let argv: Vec<OsString> = std::env::args_os().collect();
    // `--context NAME` is taken out before either parser sees the line: it may stand before a
    // network command as before a script.
    let (argv, context) = match take_context(argv) {
        Ok(x) => x,
        Err(e) => return fail(&e),
    };
    if let Some((host, timeout, words)) = network_command(&argv) {
        let text =
            (text_value("-H/--host", host), text_value("--timeout", timeout), dockernet_lua::cli::text_args(words));
        let (host, timeout, words) = match text {
            (Ok(h), Ok(t), Ok(w)) => (h, t, w),
            (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return fail(&e),
        };
        let words = if words[0] == "help" {
            match help_words(&words) {
                Some(w) => w,
                None => {
                    let _ = <Args as clap::CommandFactory>::command().print_help();
                    return ExitCode::SUCCESS;
                }
            }
        } else {
            words
        };
        if words[0] == "help" {
            let _ = <Args as clap::CommandFactory>::command().print_help();
            return ExitCode::SUCCESS;
        }
        if !is_command_word(words[0].as_bytes()) {
            let msg = unknown_command(OsStr::new(&words[0]))
                .unwrap_or_else(|| format!("unknown command {:?}; see 'dockernet --help'", words[0]));
            return fail(&msg);
        }
        let client = match connect(host.as_deref(), context.as_deref(), timeout.as_deref()) {
            Ok(c) => c,
            Err(e) => return fail(&e.to_string()),
        };
        let code = dispatch(&client, &words);
        return ExitCode::from(code.clamp(0, 255) as u8);
    }
    let args = Args::parse_from(&argv);
    if let Some(msg) = args.script.as_deref().and_then(unknown_command) {
        return fail(&msg);
    }
    let host = match text_value("-H/--host", args.host.as_deref().map(OsStr::as_encoded_bytes)) {
        Ok(h) => h,
        Err(e) => return fail(&e),
    };
    let client = match connect(host.as_deref(), context.as_deref(), args.timeout.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    let sandbox = args.sandbox.then(|| {
        let d = dockernet_lua::Sandbox::default();
        dockernet_lua::Sandbox {
            max_memory: args.max_memory.or(d.max_memory),
            max_instructions: match args.max_instructions {
                Some(0) => None,
                Some(n) => Some(n),
                None => d.max_instructions,
            },
        }
    });
    let lua = match setup(&client, sandbox.as_ref()) {
        Ok(l) => l,
        Err(e) => return fail(&format!("cannot start the Lua runtime: {e}")),
    };
    // Ctrl-C, SIGTERM and SIGHUP stop the script and its daemon calls (status 130, 143, 129).
    dockernet_lua::handle_signals(&client, None);
    for code in &args.exec {
        // Lua source is bytes: a string literal in CODE need not be UTF-8 (as with stock lua -e).
        if let Err(e) = lua.load(code.as_encoded_bytes()).set_name("=(command line)").exec() {
            return report(&lua, &e);
        }
    }
    if let Some(script) = &args.script {
        if let Err(e) = run_script(&lua, script, &args.args) {
            return report(&lua, &e);
        }
    }
    let ran_something = args.script.is_some() || !args.exec.is_empty();
    if args.interactive || !ran_something {
        if std::io::stdin().is_terminal() {
            // A REPL that cannot reach its daemon says so once, instead of at every line.
            if let Err(e) = client.ping() {
                return fail(e.message());
            }
        }
        let code = dockernet_lua::repl::run(&lua, &client);
        return ExitCode::from(code.clamp(0, 255) as u8);
    }
    ExitCode::SUCCESS
}

/// The client for `--host` or `--context`, and `--timeout` (else `DOCKERNET_TIMEOUT`, else
/// 60 s).
fn connect(host: Option<&str>, context: Option<&str>, timeout: Option<&str>) -> dockernet_core::Result<BlockingClient> {
    if host.is_some() && context.is_some() {
        return Err(dockernet_core::Error::invalid(
            "conflicting options: either specify --host or --context, not both",
        ));
    }
    let timeout = match timeout {
        Some(t) => Some(dockernet_core::client::parse_timeout(t, "--timeout")?),
        None => dockernet_core::client::timeout_from_env()?,
    };
    let resolved = match context {
        Some(name) => dockernet_core::Host::from_context(name)?,
        None if timeout.is_none() => return BlockingClient::new(host),
        None => dockernet_core::Host::resolve(host)?,
    };
    BlockingClient::with_host(resolved, timeout.unwrap_or(dockernet_core::client::DEFAULT_TIMEOUT))
}

/// Takes `-c NAME`, `--context NAME` or `--context=NAME` out of the program's own flags (those
/// before the script or command word), so both the network-command scan and clap see the rest.
fn take_context(argv: Vec<OsString>) -> Result<(Vec<OsString>, Option<String>), String> {
    const WITH_VALUE: [&[u8]; 6] = [b"-H", b"--host", b"--timeout", b"-e", b"--max-memory", b"--max-instructions"];
    let mut out = Vec::with_capacity(argv.len());
    let mut context = None;
    let mut words = argv.into_iter();
    if let Some(program) = words.next() {
        out.push(program);
    }
    while let Some(word) = words.next() {
        let a = word.as_encoded_bytes();
        let value = if a == b"-c" || a == b"--context" {
            Some(words.next().ok_or_else(|| "flag needs an argument: --context".to_string())?)
        } else if let Some(v) = a.strip_prefix(b"--context=") {
            Some(OsString::from(String::from_utf8_lossy(v).into_owned()))
        } else {
            None
        };
        if let Some(v) = value {
            let v = text_value("-c/--context", Some(v.as_encoded_bytes()))?.unwrap_or_default();
            context = Some(v);
            continue;
        }
        let takes_value = WITH_VALUE.contains(&a);
        let positional = !a.starts_with(b"-");
        out.push(word);
        if takes_value {
            if let Some(v) = words.next() {
                out.push(v);
            }
        } else if positional {
            out.extend(words);
            break;
        }
    }
    Ok((out, context))
}

fn setup(client: &BlockingClient, sandbox: Option<&dockernet_lua::Sandbox>) -> mlua::Result<Lua> {
    let lua = dockernet_lua::new_lua()?;
    dockernet_lua::register(&lua, client.clone())?;
    dockernet_lua::repl::install_help(&lua)?;
    if let Some(limits) = sandbox {
        limits.apply(&lua)?;
    }
    Ok(lua)
}

/// Runs a script file with `arg` set as stock `lua` does (`arg[0]` the script, `arg[1..]` its
/// arguments, `arg[-1]` the program) and the arguments also passed as `...`. The path and the
/// arguments are data: on Unix their bytes reach Lua unchanged, UTF-8 or not.
fn run_script(lua: &Lua, path: &OsStr, args: &[OsString]) -> mlua::Result<()> {
    let shown = dockernet_lua::cli::escape_bytes(path.as_encoded_bytes());
    let source = std::fs::read(path).map_err(|e| mlua::Error::runtime(format!("cannot open {shown}: {e}")))?;
    // Stock lua skips a first line starting with '#' (a shebang); keep the newline so line
    // numbers in messages stay right.
    let source = if source.first() == Some(&b'#') {
        let end = source.iter().position(|&b| b == b'\n').unwrap_or(source.len());
        source[end..].to_vec()
    } else {
        source
    };
    let arg: Table = lua.create_table()?;
    let bytes = |s: &OsStr| lua.create_string(s.as_encoded_bytes());
    arg.raw_set(-1, bytes(&std::env::args_os().next().unwrap_or_else(|| "dockernet".into()))?)?;
    arg.raw_set(0, bytes(path)?)?;
    for (i, a) in args.iter().enumerate() {
        arg.raw_set(i + 1, bytes(a)?)?;
    }
    lua.globals().set("arg", arg)?;
    let chunk = lua.load(source).set_name(format!("@{shown}"));
    let values: Vec<Value> = args.iter().map(|a| bytes(a).map(Value::String)).collect::<mlua::Result<_>>()?;
    chunk.call::<()>(mlua::MultiValue::from_iter(values))
}

/// Prints an uncaught error (message, then Lua's traceback) and returns exit status 1. An
/// unreachable daemon gets its one clear line and no traceback: the trace would not help.
fn report(lua: &Lua, e: &mlua::Error) -> ExitCode {
    let text = e.to_string();
    let text = text.strip_prefix("runtime error: ").unwrap_or(&text);
    if let Some(code) = dockernet_lua::interrupted_status() {
        // Stopped by a signal: what was abandoned, in one line, and 128 + the signal (130 for Ctrl-C).
        eprintln!("dockernet: {}", text.lines().next().unwrap_or_default());
        return ExitCode::from(code);
    }
    if let Some(kind) = dockernet_lua::last_error_kind(lua) {
        if kind == dockernet_core::ErrorKind::Unavailable {
            return fail(text.lines().next().unwrap_or_default());
        }
    }
    fail(text)
}

fn fail(message: &str) -> ExitCode {
    eprintln!("dockernet: {message}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    #[cfg(unix)]
    fn os(b: &[u8]) -> OsString {
        <OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b).to_os_string()
    }

    #[cfg(not(unix))]
    fn os(b: &[u8]) -> OsString {
        String::from_utf8_lossy(b).into_owned().into()
    }

    /// A network command is found by bytes, whatever its other words hold; a host that is not
    /// UTF-8 is refused with the flag named.
    #[test]
    fn network_command_takes_bytes() {
        let argv = [os(b"dockernet"), os(b"--host=\xff"), os(b"network"), os(b"inspect"), os(b"\xfe")];
        let (host, _, words) = network_command(&argv).expect("a network command");
        assert_eq!(host, Some(&b"\xff"[..]));
        assert_eq!(words, &argv[2..]);
        let e = text_value("-H/--host", host).unwrap_err();
        assert_eq!(e, r#"invalid value "\xFF" for -H/--host: not valid UTF-8"#);
        assert_eq!(text_value("-H/--host", Some(b"unix:///x")).unwrap().as_deref(), Some("unix:///x"));
        let argv = [os(b"dockernet"), os(b"-H"), os(b"x"), os(b"plan"), os(b"lab.yaml")];
        assert_eq!(network_command(&argv).map(|c| c.0), Some(Some(&b"x"[..])));
        for script in [&[os(b"dockernet"), os(b"\xff.lua"), os(b"network")][..], &[os(b"dockernet"), os(b"-H")]] {
            assert!(network_command(script).is_none());
        }
    }

    /// `dockernet --help` lists every command word; a typo is answered with the nearest.
    #[test]
    fn help_lists_commands_and_typos_get_suggestions() {
        let help = <Args as clap::CommandFactory>::command().render_help().to_string();
        for word in command_words() {
            assert!(help.contains(&format!(" {word} ")) || help.contains(&format!(" {word},")), "{word} missing:\n{help}");
        }
        let msg = unknown_command(OsStr::new("netwrok")).expect("a suggestion");
        assert!(msg.contains("did you mean network?"), "{msg}");
        let msg = unknown_command(OsStr::new("contianer")).expect("a suggestion");
        assert!(msg.contains("did you mean container?"), "{msg}");
        assert!(unknown_command(OsStr::new("zzzzzzzz")).expect("a list").contains("the commands are network"));
        for script in ["lab.lua", "scripts/x", "./run", ""] {
            assert!(unknown_command(OsStr::new(script)).is_none(), "{script}");
        }
        assert_eq!(help_words(&["help".into(), "network".into(), "ls".into()]).unwrap(), ["network", "ls", "--help"]);
        assert!(help_words(&["help".into()]).is_none());
    }

    /// Random command lines, with flags, `=`, and bytes that are not UTF-8, through both
    /// parsers of the program (the network-command scan and clap): never a panic. Seeded, so
    /// every run tries the same lines.
    #[test]
    fn random_command_lines() {
        const WORDS: &[&str] = &[
            "-H",
            "--host",
            "--host=",
            "--host=unix:///x",
            "--timeout",
            "--timeout=5",
            "-e",
            "print(1)",
            "-i",
            "-ie",
            "network",
            "ls",
            "inspect",
            "plan",
            "up",
            "down",
            "x.lua",
            "--",
            "-",
            "--sandbox",
            "--bogus",
            "",
            "=",
            "--help",
            "-V",
        ];
        let word = prop_oneof![
            5 => select(WORDS).prop_map(OsString::from),
            2 => "\\PC{0,6}".prop_map(OsString::from),
            3 => prop::collection::vec(any::<u8>(), 0..5).prop_map(|b| os(&b)),
        ];
        let config = Config { cases: 1000, failure_persistence: None, ..Config::default() };
        let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
        let result = runner.run(&prop::collection::vec(word, 0..6), |rest| {
            let mut argv = vec![OsString::from("dockernet")];
            argv.extend(rest);
            if let Some((host, _, words)) = network_command(&argv) {
                let first = words[0].as_encoded_bytes();
                prop_assert!(is_command_word(first));
                prop_assert_eq!(
                    text_value("-H/--host", host).is_ok(),
                    host.is_none_or(|h| std::str::from_utf8(h).is_ok())
                );
                let _ = dockernet_lua::cli::text_args(words);
            }
            let _ = Args::try_parse_from(&argv);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}
