//! The `dockernet` program: a Lua REPL and script runner that talks to a Docker daemon, plus the
//! docker-CLI-syntax `dockernet network …` commands.
//!
//! ```text
//! dockernet                      REPL (on a terminal; piped stdin is read chunk by chunk)
//! dockernet script.lua [args…]   run a script (`arg` as in stock lua), then exit
//! dockernet -e CODE [-i]         run CODE (then the REPL with -i)
//! dockernet network ls …         the docker CLI's `network` commands and output
//! ```

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
    after_help = "Examples:\n  dockernet                          start the REPL\n  dockernet scripts/seed-walkthrough.lua\n  dockernet -e 'print(#docker.network.ls())'\n  dockernet network ls --filter driver=bridge\n\nThe daemon: --host, else DOCKER_HOST, else the docker context (DOCKER_CONTEXT or ~/.docker/config.json), else unix:///var/run/docker.sock.\nNO_COLOR disables colours in the REPL.",
    trailing_var_arg = true
)]
struct Args {
    /// Daemon socket or address (unix:///path, tcp://host:port); overrides DOCKER_HOST.
    #[arg(short = 'H', long, value_name = "HOST")]
    host: Option<String>,
    /// Run this Lua code (repeatable; runs before SCRIPT).
    #[arg(short = 'e', value_name = "CODE")]
    exec: Vec<String>,
    /// Enter the REPL after running SCRIPT or -e code.
    #[arg(short = 'i')]
    interactive: bool,
    /// A Lua script to run, or `network` for the docker-CLI-syntax commands.
    #[arg(value_name = "SCRIPT")]
    script: Option<String>,
    /// Arguments for the script (`arg[1]`, …) or the network command.
    #[arg(value_name = "ARGS", allow_hyphen_values = true)]
    args: Vec<String>,
}

/// `dockernet [-H HOST] network …`: the words after `network`, and the host, when the command
/// line is a network command. Scanned before clap so `dockernet network --help` reaches the
/// network command's own help rather than the program's.
fn network_command(argv: &[String]) -> Option<(Option<String>, Vec<String>)> {
    let mut host = None;
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a == "-H" || a == "--host" {
            host = Some(argv.get(i + 1)?.clone());
            i += 2;
        } else if let Some(h) = a.strip_prefix("--host=") {
            host = Some(h.to_string());
            i += 1;
        } else if a == "network" || dockernet_lua::cli::topology::VERBS.contains(&a.as_str()) {
            return Some((host, argv[i..].to_vec()));
        } else {
            return None;
        }
    }
    None
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    if let Some((host, words)) = network_command(&argv) {
        let client = match BlockingClient::new(host.as_deref()) {
            Ok(c) => c,
            Err(e) => return fail(&e.to_string()),
        };
        let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
        let code = if words[0] == "network" {
            dockernet_lua::cli::run(&client, &words, &mut out, &mut err)
        } else {
            dockernet_lua::cli::topology::run(&client, &words, &mut out, &mut err)
        };
        return ExitCode::from(code.clamp(0, 255) as u8);
    }
    let args = Args::parse();
    let client = match BlockingClient::new(args.host.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string()),
    };
    let lua = match setup(&client) {
        Ok(l) => l,
        Err(e) => return fail(&format!("cannot start the Lua runtime: {e}")),
    };
    for code in &args.exec {
        if let Err(e) = lua.load(code.as_str()).set_name("=(command line)").exec() {
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

fn setup(client: &BlockingClient) -> mlua::Result<Lua> {
    let lua = dockernet_lua::new_lua()?;
    dockernet_lua::register(&lua, client.clone())?;
    dockernet_lua::repl::install_help(&lua)?;
    Ok(lua)
}

/// Runs a script file with `arg` set as stock `lua` does (`arg[0]` the script, `arg[1..]` its
/// arguments, `arg[-1]` the program) and the arguments also passed as `...`.
fn run_script(lua: &Lua, path: &str, args: &[String]) -> mlua::Result<()> {
    let source = std::fs::read(path).map_err(|e| mlua::Error::runtime(format!("cannot open {path}: {e}")))?;
    // Stock lua skips a first line starting with '#' (a shebang); keep the newline so line
    // numbers in messages stay right.
    let source = if source.first() == Some(&b'#') {
        let end = source.iter().position(|&b| b == b'\n').unwrap_or(source.len());
        source[end..].to_vec()
    } else {
        source
    };
    let arg: Table = lua.create_table()?;
    arg.raw_set(-1, std::env::args().next().unwrap_or_else(|| "dockernet".into()))?;
    arg.raw_set(0, path)?;
    for (i, a) in args.iter().enumerate() {
        arg.raw_set(i + 1, a.as_str())?;
    }
    lua.globals().set("arg", arg)?;
    let chunk = lua.load(source).set_name(format!("@{path}"));
    let values: Vec<Value> = args.iter().map(|a| lua.create_string(a).map(Value::String)).collect::<mlua::Result<_>>()?;
    chunk.call::<()>(mlua::MultiValue::from_iter(values))
}

/// Prints an uncaught error (message, then Lua's traceback) and returns exit status 1. An
/// unreachable daemon gets its one clear line and no traceback: the trace would not help.
fn report(lua: &Lua, e: &mlua::Error) -> ExitCode {
    let text = e.to_string();
    let text = text.strip_prefix("runtime error: ").unwrap_or(&text);
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
