//! `dockernet container ls|ps|run|exec|inspect|stop|rm` (and the docker CLI's shortcuts `run`,
//! `exec`, `ps`): the container verbs network labs use, with the docker CLI's flags and output,
//! so a lab walkthrough types the same in a shell, in the REPL and with `docker`.
//!
//! - `run -d [--name N] [--network NET]… [--ip IP] [--ip6 IP] [--network-alias A]… [-e K=V]…
//!   [--cap-add CAP]… [--sysctl K=V]… [--rm] … IMAGE [COMMAND] [ARG…]` prints the new container's
//!   full id, as `docker run -d`. `--ip`, `--ip6` and `--network-alias` apply to the first
//!   `--network`, as the docker CLI applies them. The image must be local (dockernet never pulls).
//! - `exec [-i] [-t] [-e K=V] [-u USER] [-w DIR] [--privileged] CONTAINER COMMAND [ARG…]` prints
//!   the command's output (stdout to stdout, stderr to stderr) and exits with its exit code.
//! - `ls` (also `ps`, `list`) `[-a] [-q] [--no-trunc] [--format F] [-f K=V]…`: the docker CLI's
//!   table (`CONTAINER ID  IMAGE  COMMAND  CREATED  STATUS  PORTS  NAMES`), `table TEMPLATE`,
//!   `json`, `raw` or a Go template over the CLI's row fields (`.ID .Names .Image .Command
//!   .CreatedAt .RunningFor .Ports .State .Status .Labels .Label "k" .Mounts .LocalVolumes
//!   .Networks .Size`), newest first as the daemon lists them; `psFormat` from the CLI config
//!   file is the default format, as in the CLI.
//! - `inspect [-f F] NAME…`: the daemon's documents as a JSON array indented like the CLI's, or a
//!   template per container.
//! - `stop [-t SECONDS] NAME…` and `rm [-f] NAME…` print each name as given; a name that fails does
//!   not stop the others (exit 1 at the end).
//!
//! Operations are core's (`container_run`, `container_exec`, …): names are matched exactly, as
//! everywhere in dockernet. Exit statuses are the docker CLI's (see `mod.rs`).
//!
//! **Differences from the docker CLI**: `run` runs detached only (without `-d` it refuses, saying
//! so: there is no attach to a container's output); `exec -i`/`-t` are accepted and ignored (the
//! output is collected, not a terminal session) and `exec -d` is refused; `.Size` in ls is `0B`
//! (the CLI asks the daemon for sizes when a template uses them); `.CreatedAt` is in UTC (the CLI
//! uses the local zone); `.Networks` and `.Labels` are sorted; inspect templates run on the JSON
//! document (`{{.State}}` prints as a map, `.Created` as its text), as the CLI's fallback does.

use std::io::Write;
use std::rc::Rc;

use clap::{Args, Parser, Subcommand};
use dockernet_core::container::{Command as Cmd, ExecOptions, ListOptions, RemoveOptions, RunOptions, StopOptions};
use dockernet_core::options::{StringList, StringMap};
use dockernet_core::BlockingClient;
use serde_json::{json, Map, Value};

use super::args::{filter, go_bool, to_filters};
use super::gojson;
use super::template::{self, Object, Options, Template, Val};

/// `container`: manage containers (the docker CLI's `docker container`).
#[derive(Debug, Parser)]
#[command(
    name = "container",
    bin_name = "dockernet container",
    about = "Manage containers",
    disable_help_subcommand = true,
    disable_version_flag = true,
    arg_required_else_help = true,
    color = clap::ColorChoice::Never,
    after_help = "Run 'dockernet container COMMAND --help' for more information on a command."
)]
struct Container {
    #[command(subcommand)]
    cmd: Option<Sub>,
}

/// The subcommands, in the docker CLI's (alphabetical) order.
// `run`'s flags make its variant large; one value is parsed per command line, so boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Sub {
    /// Execute a command in a running container
    Exec(ExecArgs),
    /// Display detailed information on one or more containers
    Inspect(InspectArgs),
    /// List containers
    #[command(visible_aliases = ["ps", "list"])]
    Ls(LsArgs),
    /// Remove one or more containers
    #[command(visible_alias = "remove")]
    Rm(RmArgs),
    /// Create and run a new container from an image (detached: give -d)
    Run(RunArgs),
    /// Stop one or more running containers
    Stop(StopArgs),
}

/// `container run [OPTIONS] IMAGE [COMMAND] [ARG...]`
#[derive(Debug, Args)]
struct RunArgs {
    /// Add Linux capabilities (repeatable)
    #[arg(long = "cap-add", value_name = "CAP")]
    cap_add: Vec<String>,
    /// Drop Linux capabilities (repeatable)
    #[arg(long = "cap-drop", value_name = "CAP")]
    cap_drop: Vec<String>,
    /// Run container in background and print container ID
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    detach: Option<bool>,
    /// Overwrite the default ENTRYPOINT of the image
    #[arg(long, value_name = "CMD")]
    entrypoint: Option<String>,
    /// Set environment variables (repeatable; KEY alone takes the value from this environment)
    #[arg(short, long, value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Container host name
    #[arg(long, value_name = "NAME")]
    hostname: Option<String>,
    /// Keep STDIN open (accepted; dockernet runs detached)
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    interactive: Option<bool>,
    /// IPv4 address (e.g., 172.30.100.104), on the first --network
    #[arg(long, value_name = "IP")]
    ip: Option<String>,
    /// IPv6 address (e.g., 2001:db8::33), on the first --network
    #[arg(long, value_name = "IP")]
    ip6: Option<String>,
    /// Set meta data on a container (repeatable)
    #[arg(short, long, value_name = "KEY=VALUE")]
    label: Vec<String>,
    /// Assign a name to the container
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Connect a container to a network (repeatable)
    #[arg(long, visible_alias = "net", value_name = "NETWORK")]
    network: Vec<String>,
    /// Add network-scoped alias for the container (repeatable), on the first --network
    #[arg(long = "network-alias", visible_alias = "net-alias", value_name = "ALIAS")]
    network_alias: Vec<String>,
    /// Give extended privileges to this container
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    privileged: Option<bool>,
    /// Publish a container's port(s) to the host (repeatable)
    #[arg(short, long, value_name = "[IP:]HOST:CONTAINER[/PROTO]")]
    publish: Vec<String>,
    /// Automatically remove the container when it exits
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    rm: Option<bool>,
    /// Sysctl options (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    sysctl: Vec<String>,
    /// Allocate a pseudo-TTY (accepted; dockernet runs detached)
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    tty: Option<bool>,
    /// Username or UID
    #[arg(short, long, value_name = "USER")]
    user: Option<String>,
    /// Working directory inside the container
    #[arg(short, long, value_name = "DIR")]
    workdir: Option<String>,
    /// A local image (never pulled)
    #[arg(value_name = "IMAGE")]
    image: String,
    /// The command and its arguments (flags after the command's first word are its own)
    #[arg(value_name = "COMMAND", trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

/// `container exec [OPTIONS] CONTAINER COMMAND [ARG...]`
#[derive(Debug, Args)]
struct ExecArgs {
    /// Detached mode (not supported: dockernet collects the output)
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    detach: Option<bool>,
    /// Set environment variables (repeatable)
    #[arg(short, long, value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Keep STDIN open (accepted and ignored)
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    interactive: Option<bool>,
    /// Give extended privileges to the command
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    privileged: Option<bool>,
    /// Allocate a pseudo-TTY (accepted and ignored)
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    tty: Option<bool>,
    /// Username or UID
    #[arg(short, long, value_name = "USER")]
    user: Option<String>,
    /// Working directory inside the container
    #[arg(short, long, value_name = "DIR")]
    workdir: Option<String>,
    /// The container (name or id)
    #[arg(value_name = "CONTAINER")]
    container: String,
    /// The command and its arguments (flags after the command's first word are its own)
    #[arg(value_name = "COMMAND", required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

/// `container inspect [OPTIONS] CONTAINER [CONTAINER...]`
#[derive(Debug, Args)]
struct InspectArgs {
    /// Format output using a custom template: 'json' (JSON on one line) or a Go template
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
    /// Containers to inspect (names or ids)
    #[arg(value_name = "CONTAINER", required = true, num_args = 1..)]
    containers: Vec<String>,
}

/// `container ls [OPTIONS]`
#[derive(Debug, Args)]
struct LsArgs {
    /// Show all containers (default shows just running)
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    all: Option<bool>,
    /// Filter output based on conditions provided (repeatable)
    #[arg(short, long, value_name = "KEY=VALUE", value_parser = filter)]
    filter: Vec<(String, String)>,
    /// Format output: 'table' (default), 'table TEMPLATE', 'json' or a Go template
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Don't truncate output
    #[arg(long = "no-trunc", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    no_trunc: Option<bool>,
    /// Only display container IDs
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    quiet: Option<bool>,
}

/// `container stop [OPTIONS] CONTAINER [CONTAINER...]`
#[derive(Debug, Args)]
struct StopArgs {
    /// Seconds to wait before killing the container
    #[arg(short = 't', long = "timeout", visible_alias = "time", value_name = "SECONDS", allow_negative_numbers = true)]
    timeout: Option<i64>,
    /// Containers to stop (names or ids)
    #[arg(value_name = "CONTAINER", required = true, num_args = 1..)]
    containers: Vec<String>,
}

/// `container rm [OPTIONS] CONTAINER [CONTAINER...]`
#[derive(Debug, Args)]
struct RmArgs {
    /// Force the removal of a running container (uses SIGKILL)
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    force: Option<bool>,
    /// Remove anonymous volumes associated with the container (always done)
    #[arg(short, long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "BOOL")]
    volumes: Option<bool>,
    /// Containers to remove (names or ids)
    #[arg(value_name = "CONTAINER", required = true, num_args = 1..)]
    containers: Vec<String>,
}

/// The clap tree of `container`, for help and completion.
pub fn command() -> clap::Command {
    <Container as clap::CommandFactory>::command()
}

/// Runs one `container …` command line (`args[0]` is `container`); see [`super::run`].
pub fn run(client: &BlockingClient, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let parsed = match super::parse::<Container>(args, out, err) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let status = match parsed.cmd {
        None => {
            let _ = write!(out, "{}", command().render_help());
            0
        }
        Some(Sub::Run(a)) => run_cmd(client, a, out, err),
        Some(Sub::Exec(a)) => exec(client, a, out, err),
        Some(Sub::Ls(a)) => ls(client, a, out, err),
        Some(Sub::Inspect(a)) => inspect(client, a, out, err),
        Some(Sub::Stop(a)) => each(client, &a.containers, out, err, |c, n| {
            c.container_stop(n, &StopOptions { timeout: a.timeout }).map_err(|e| (e, format!("container stop {n:?}")))
        }),
        Some(Sub::Rm(a)) => each(client, &a.containers, out, err, |c, n| {
            c.container_rm(n, &RemoveOptions { force: a.force.unwrap_or(false) })
                .map_err(|e| (e, format!("container rm {n:?}")))
        }),
    };
    let _ = out.flush();
    let _ = err.flush();
    status
}

/// Prints a usage error of `container SUB` and returns status 1.
fn usage(err: &mut dyn Write, sub: &str, msg: &str) -> i32 {
    let _ = writeln!(err, "Error: {msg}\nSee 'dockernet container {sub} --help'.");
    super::STATUS_USAGE
}

/// `KEY=VALUE` words into a map; `KEY` alone takes this process's value of KEY and is left out
/// when it has none (the docker CLI's `-e KEY`).
fn env_map(words: &[String]) -> Result<StringMap, String> {
    let mut map = std::collections::BTreeMap::new();
    for w in words {
        match w.split_once('=') {
            Some(("", _)) => return Err(format!("invalid environment variable: {w}")),
            Some((k, v)) => {
                map.insert(k.to_string(), v.to_string());
            }
            None if w.is_empty() => return Err("invalid environment variable: ".to_string()),
            None => {
                if let Ok(v) = std::env::var(w) {
                    map.insert(w.clone(), v);
                }
            }
        }
    }
    Ok(StringMap(map))
}

/// `KEY=VALUE` words (labels: a value may be empty; sysctls: it may not be missing).
fn pairs(flag: &str, words: &[String], need_value: bool) -> Result<StringMap, String> {
    let mut map = std::collections::BTreeMap::new();
    for w in words {
        match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                map.insert(k.to_string(), v.to_string());
            }
            None if !need_value && !w.is_empty() => {
                map.insert(w.clone(), String::new());
            }
            _ => return Err(format!("invalid argument {w:?} for \"--{flag}\" flag: expected KEY=VALUE")),
        }
    }
    Ok(StringMap(map))
}

fn run_cmd(client: &BlockingClient, a: RunArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    if !a.detach.unwrap_or(false) {
        return usage(
            err,
            "run",
            "dockernet runs containers detached only: add -d (then `dockernet container exec NAME COMMAND` runs \
             commands in it and prints their output)",
        );
    }
    let (env, labels, sysctls) = match (env_map(&a.env), pairs("label", &a.label, false), pairs("sysctl", &a.sysctl, true)) {
        (Ok(e), Ok(l), Ok(s)) => (e, l, s),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return usage(err, "run", &e),
    };
    let (image, command) = (a.image, a.command);
    let networks = match a.network.split_first() {
        None if a.ip.is_some() || a.ip6.is_some() || !a.network_alias.is_empty() => {
            return usage(err, "run", "--ip, --ip6 and --network-alias need a --network (a user-defined network)");
        }
        None => None,
        Some((first, rest)) => {
            // A list keeps the order given: the first network is the one the container is
            // created on (its first interface), as with the docker CLI.
            let mut first_opts = Map::new();
            first_opts.insert("name".into(), json!(first));
            if let Some(ip) = &a.ip {
                first_opts.insert("ipv4".into(), json!(ip));
            }
            if let Some(ip) = &a.ip6 {
                first_opts.insert("ipv6".into(), json!(ip));
            }
            if !a.network_alias.is_empty() {
                first_opts.insert("aliases".into(), json!(a.network_alias));
            }
            let mut list = vec![Value::Object(first_opts)];
            list.extend(rest.iter().map(|n| json!(n)));
            Some(Value::Array(list))
        }
    };
    let opts = RunOptions {
        image,
        name: a.name,
        command: (!command.is_empty()).then_some(Cmd(command)),
        entrypoint: a.entrypoint.map(|e| Cmd(vec![e])),
        env,
        labels,
        hostname: a.hostname,
        cap_add: StringList(a.cap_add),
        cap_drop: StringList(a.cap_drop),
        sysctls,
        ports: (!a.publish.is_empty()).then(|| json!(a.publish)),
        network: None,
        networks,
        privileged: a.privileged.unwrap_or(false),
        user: a.user,
        workdir: a.workdir,
        auto_remove: a.rm.unwrap_or(false),
    };
    match client.container_run(&opts) {
        Ok(r) => {
            let _ = writeln!(out, "{}", r.id);
            0
        }
        Err(e) => {
            let ctx = match &opts.name {
                Some(n) => format!("container run {n:?}"),
                None => format!("container run (image {:?})", opts.image),
            };
            super::report(err, &e, &ctx);
            // The docker CLI's status when `run` itself fails (the container never ran).
            125
        }
    }
}

fn exec(client: &BlockingClient, a: ExecArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    if a.detach.unwrap_or(false) {
        return usage(err, "exec", "exec -d is not supported: dockernet waits for the command and prints its output");
    }
    let env = match env_map(&a.env) {
        Ok(e) => e,
        Err(e) => return usage(err, "exec", &e),
    };
    let (name, cmd) = (a.container, Cmd(a.command));
    let opts =
        ExecOptions { user: a.user, env, workdir: a.workdir, privileged: a.privileged.unwrap_or(false), timeout: None };
    match client.container_exec(&name, &cmd, &opts) {
        Ok(o) => {
            let _ = out.write_all(&o.stdout);
            let _ = err.write_all(&o.stderr);
            // The command's own status, as the docker CLI exits with it (a shell sees it mod 256).
            i32::try_from(o.exit_code.rem_euclid(256)).unwrap_or(1)
        }
        Err(e) => {
            super::report(err, &e, &format!("container exec {name:?}"));
            1
        }
    }
}

/// Runs `op` on each name: prints the name when it succeeds, the error line when it fails, and
/// returns 1 when any failed (the docker CLI's `stop` and `rm`).
fn each(
    client: &BlockingClient,
    names: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
    op: impl Fn(&BlockingClient, &str) -> Result<(), (dockernet_core::Error, String)>,
) -> i32 {
    let mut failed = false;
    for n in names {
        match op(client, n) {
            Ok(()) => {
                let _ = writeln!(out, "{n}");
            }
            Err((e, ctx)) => {
                failed = true;
                super::report(err, &e, &ctx);
            }
        }
    }
    i32::from(failed)
}

fn inspect(client: &BlockingClient, a: InspectArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let tmpl = match a.format.as_deref() {
        None | Some("") | Some("json") => None,
        Some(t) => match Template::parse(t) {
            Ok(t) => Some(t),
            Err(e) => {
                let _ = writeln!(err, "template parsing error: {e}");
                return super::STATUS_TEMPLATE;
            }
        },
    };
    let mut docs = Vec::new();
    let mut text = String::new();
    let mut errors = Vec::new();
    for name in &a.containers {
        match client.container_inspect(name) {
            Ok(doc) => match &tmpl {
                Some(t) => {
                    let opts = Options { missing_key_error: true, ..Options::default() };
                    match t.render(&Val::J(doc.to_value()), opts) {
                        Ok(s) => {
                            text.push_str(&s);
                            text.push('\n');
                        }
                        Err(e) => errors.push(format!("template parsing error: {e}")),
                    }
                }
                None => docs.push(doc.to_value()),
            },
            Err(e) => errors.push(super::error_line(&e, &format!("container inspect {name:?}"))),
        }
    }
    let printed = match (&tmpl, a.format.as_deref()) {
        (Some(_), _) if text.is_empty() => "\n".to_string(),
        (Some(_), _) => text,
        _ if docs.is_empty() => "[]\n".to_string(),
        (None, Some("json")) => gojson::compact(&Value::Array(docs), true) + "\n",
        (None, _) => gojson::indent(&Value::Array(docs), true) + "\n",
    };
    let _ = out.write_all(printed.as_bytes());
    for e in &errors {
        let _ = writeln!(err, "{e}");
    }
    i32::from(!errors.is_empty())
}

/// The CLI's default `ps` table.
const DEFAULT_TABLE: &str = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
const RAW: &str = "container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n";

fn ls(client: &BlockingClient, a: LsArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let quiet = a.quiet.unwrap_or(false);
    let format = match a.format.filter(|f| !f.is_empty()) {
        Some(f) => f,
        None if !quiet => super::cli_config()
            .and_then(|c| c.get("psFormat").and_then(Value::as_str).map(str::to_string))
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| "table".to_string()),
        None => "table".to_string(),
    };
    // The CLI's `NewContainerFormat`: -q wins over any custom format.
    let source = match format.as_str() {
        _ if quiet && format != "raw" => "{{.ID}}",
        "raw" if quiet => "container_id: {{.ID}}",
        "raw" => RAW,
        "table" => DEFAULT_TABLE,
        other => other,
    };
    let table = source.starts_with("table");
    let body = if table {
        &source["table".len()..]
    } else if source == "json" {
        "{{json .}}"
    } else {
        source
    };
    let body = body.trim_matches(' ').replace("\\t", "\t").replace("\\n", "\n");
    let tmpl = match Template::parse(&body) {
        Ok(t) => t,
        Err(e) => {
            // The CLI's container formatter words it so (its network ls says "template parsing error").
            let _ = writeln!(err, "failed to parse template: {e}");
            return super::STATUS_USAGE;
        }
    };
    let opts = ListOptions { all: a.all.unwrap_or(false), filters: to_filters(a.filter) };
    let mut docs: Vec<Value> = match client.container_ls(&opts) {
        Ok(d) => d.iter().map(dockernet_core::Document::to_value).collect(),
        Err(e) => {
            super::report(err, &e, "container ls");
            return 1;
        }
    };
    // The daemon lists newest first; core sorts by name, so put the daemon's order back (a
    // stable sort: containers created in the same second keep name order).
    docs.sort_by_key(|d| std::cmp::Reverse(d.get("Created").and_then(Value::as_i64).unwrap_or(0)));
    let trunc = !a.no_trunc.unwrap_or(false);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let mut text = String::new();
    if table {
        // The header runs the template on the header map; a failure there is ignored, as in the CLI.
        let _ = tmpl.execute(&Val::Obj(Rc::new(Header)), Options { header: true, ..Options::default() }, &mut text);
        text.push('\n');
    }
    for doc in docs {
        let row = Val::Obj(Rc::new(Row { doc, trunc, now }));
        if let Err(e) = tmpl.execute(&row, Options::default(), &mut text) {
            let _ = writeln!(err, "template parsing error: {e}");
            return 1;
        }
        text.push('\n');
    }
    let text = if table { super::ls::align(&text) } else { text };
    let _ = out.write_all(text.as_bytes());
    0
}

/// go-units' `HumanDuration`, which the CLI's `RunningFor` uses.
pub(crate) fn human_duration(secs: i64) -> String {
    let hours = (secs as f64 / 3600.0 + 0.5) as i64;
    match secs {
        s if s < 1 => "Less than a second".into(),
        1 => "1 second".into(),
        s if s < 60 => format!("{s} seconds"),
        s if s / 60 == 1 => "About a minute".into(),
        s if s / 60 < 60 => format!("{} minutes", s / 60),
        _ if hours == 1 => "About an hour".into(),
        _ if hours < 48 => format!("{hours} hours"),
        _ if hours < 24 * 7 * 2 => format!("{} days", hours / 24),
        _ if hours < 24 * 30 * 2 => format!("{} weeks", hours / 24 / 7),
        _ if hours < 24 * 365 * 2 => format!("{} months", hours / 24 / 30),
        s => format!("{} years", s / 3600 / 24 / 365),
    }
}

/// The CLI's `Ellipsis` for text of single-width characters: cut to `max` with `…` last.
fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Go's `time.Unix(secs, 0).String()` in UTC.
fn unix_time_string(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} +0000 UTC", rem / 3600, rem / 60 % 60, rem % 60)
}

/// One container as the CLI's `ContainerContext` shows it (from a daemon list document).
struct Row {
    doc: Value,
    trunc: bool,
    now: i64,
}

impl Row {
    fn s(&self, key: &str) -> &str {
        self.doc.get(key).and_then(Value::as_str).unwrap_or_default()
    }

    fn created(&self) -> i64 {
        self.doc.get("Created").and_then(Value::as_i64).unwrap_or(0)
    }

    fn id(&self) -> String {
        let id = self.s("Id");
        if self.trunc {
            dockernet_core::lookup::short_id(id).to_string()
        } else {
            id.to_string()
        }
    }

    fn names(&self) -> String {
        let names: Vec<String> = match self.doc.get("Names") {
            Some(Value::Array(a)) => {
                a.iter().filter_map(Value::as_str).map(|n| n.strip_prefix('/').unwrap_or(n).to_string()).collect()
            }
            _ => Vec::new(),
        };
        if self.trunc {
            // Only the container's own name, not the link names (`other/alias`).
            if let Some(n) = names.iter().find(|n| !n.contains('/')) {
                return n.clone();
            }
        }
        names.join(",")
    }

    fn image(&self) -> String {
        let image = self.s("Image");
        if image.is_empty() {
            return "<no image>".into();
        }
        if !self.trunc {
            return image.to_string();
        }
        let short = |s: &str| dockernet_core::lookup::short_id(s).to_string();
        if short(self.s("ImageID")) == short(image) {
            return short(image);
        }
        // reference.FamiliarString of the name (and tag) without a digest.
        let named = image.split('@').next().unwrap_or(image);
        let named = named.strip_prefix("docker.io/").unwrap_or(named);
        let named = named.strip_prefix("library/").filter(|n| !n.contains('/')).unwrap_or(named);
        named.to_string()
    }

    fn command(&self) -> String {
        let c = self.s("Command");
        gojson::go_quote(&if self.trunc { ellipsis(c, 20) } else { c.to_string() })
    }

    fn labels(&self) -> String {
        let Some(Value::Object(m)) = self.doc.get("Labels") else { return String::new() };
        let mut all: Vec<String> = m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect();
        all.sort();
        all.join(",")
    }

    fn mounts(&self) -> String {
        let Some(Value::Array(ms)) = self.doc.get("Mounts") else { return String::new() };
        let names: Vec<String> = ms
            .iter()
            .map(|m| {
                let name = m.get("Name").and_then(Value::as_str).filter(|n| !n.is_empty());
                let name = name.or_else(|| m.get("Source").and_then(Value::as_str)).unwrap_or_default();
                if self.trunc {
                    ellipsis(name, 15)
                } else {
                    name.to_string()
                }
            })
            .collect();
        names.join(",")
    }

    fn local_volumes(&self) -> String {
        let Some(Value::Array(ms)) = self.doc.get("Mounts") else { return "0".into() };
        ms.iter().filter(|m| m.get("Driver").and_then(Value::as_str) == Some("local")).count().to_string()
    }

    fn networks(&self) -> String {
        let Some(Value::Object(m)) = self.doc.pointer("/NetworkSettings/Networks") else { return String::new() };
        let mut names: Vec<&str> = m.keys().map(String::as_str).collect();
        names.sort_unstable();
        names.join(",")
    }

    fn ports(&self) -> String {
        let Some(Value::Array(ps)) = self.doc.get("Ports") else { return String::new() };
        let mut ports: Vec<(u64, String, u64, String)> = ps
            .iter()
            .map(|p| {
                let n = |k: &str| p.get(k).and_then(Value::as_u64).unwrap_or(0);
                let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                (n("PrivatePort"), s("IP"), n("PublicPort"), s("Type"))
            })
            .collect();
        ports.sort();
        display_ports(&ports)
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        // In Go's JSON order (sorted keys), as `--format json` prints them (Platform aside).
        vec![
            ("Command", self.command()),
            ("CreatedAt", unix_time_string(self.created())),
            ("ID", self.id()),
            ("Image", self.image()),
            ("Labels", self.labels()),
            ("LocalVolumes", self.local_volumes()),
            ("Mounts", self.mounts()),
            ("Names", self.names()),
            ("Networks", self.networks()),
            ("Ports", self.ports()),
            ("RunningFor", human_duration(self.now - self.created()) + " ago"),
            ("Size", "0B".to_string()),
            ("State", self.s("State").to_string()),
            ("Status", self.s("Status").to_string()),
        ]
    }
}

/// The CLI's `DisplayablePorts` over (private port, IP, public port, type), sorted as its
/// `comparePorts` sorts them: runs of ports group into ranges, mappings to another host port
/// come last.
fn display_ports(ports: &[(u64, String, u64, String)]) -> String {
    let join_host = |ip: &str, port: &str| if ip.contains(':') { format!("[{ip}]:{port}") } else { format!("{ip}:{port}") };
    let form = |key: &str, first: u64, last: u64| {
        let (ip, ty) = match key.rsplit_once('/') {
            Some((ip, ty)) => (ip, ty),
            None => ("", key),
        };
        let mut group = first.to_string();
        if first != last {
            group = format!("{group}-{last}");
        }
        if !ip.is_empty() {
            group = format!("{}->{group}", join_host(ip, &group));
        }
        format!("{group}/{ty}")
    };
    let mut groups: Vec<(String, u64, u64)> = Vec::new();
    let mut result = Vec::new();
    let mut mappings = Vec::new();
    for (private, ip, public, ty) in ports {
        let mut key = ty.clone();
        if !ip.is_empty() {
            if public != private {
                mappings.push(format!("{}->{private}/{ty}", join_host(ip, &public.to_string())));
                continue;
            }
            key = format!("{ip}/{ty}");
        }
        match groups.iter_mut().find(|g| g.0 == key) {
            None => groups.push((key, *private, *private)),
            Some(g) if *private == g.2 + 1 => g.2 = *private,
            Some(g) => {
                result.push(form(&g.0, g.1, g.2));
                g.1 = *private;
                g.2 = *private;
            }
        }
    }
    result.extend(groups.iter().map(|g| form(&g.0, g.1, g.2)));
    result.extend(mappings);
    result.join(", ")
}

impl Object for Row {
    fn type_name(&self) -> &str {
        "*formatter.ContainerContext"
    }

    fn call(&self, name: &str, args: &[Val]) -> Option<Result<Val, String>> {
        template::row_call(&self.doc, self.fields(), name, args)
    }

    fn json(&self) -> String {
        let mut map: Map<String, Value> =
            self.fields().into_iter().map(|(k, v)| (k.to_string(), Value::String(v))).collect();
        map.insert("Platform".into(), Value::Null);
        gojson::compact(&gojson::sorted(&Value::Object(map)), true)
    }

    fn print(&self) -> String {
        self.json()
    }
}

/// The table header: the CLI's `SubHeaderContext` for containers.
struct Header;

const HEADERS: [(&str, &str); 15] = [
    ("Command", "COMMAND"),
    ("CreatedAt", "CREATED AT"),
    ("ID", "CONTAINER ID"),
    ("Image", "IMAGE"),
    ("Labels", "LABELS"),
    ("LocalVolumes", "LOCAL VOLUMES"),
    ("Mounts", "MOUNTS"),
    ("Names", "NAMES"),
    ("Networks", "NETWORKS"),
    ("Platform", "PLATFORM"),
    ("Ports", "PORTS"),
    ("RunningFor", "CREATED"),
    ("Size", "SIZE"),
    ("State", "STATE"),
    ("Status", "STATUS"),
];

impl Object for Header {
    fn type_name(&self) -> &str {
        "formatter.SubHeaderContext"
    }

    fn call(&self, name: &str, args: &[Val]) -> Option<Result<Val, String>> {
        if name == "Label" {
            return Some(template::want_args(name, args, 1).and_then(|_| match &args[0] {
                Val::J(Value::String(k)) => {
                    let last = k.rsplit('.').next().unwrap_or_default();
                    Ok(Val::str(last.replace(['-', '_'], " ")))
                }
                _ => Err("wrong type for value; expected string".to_string()),
            }));
        }
        let Some((_, header)) = HEADERS.iter().find(|(k, _)| *k == name) else { return Some(Ok(Val::Missing)) };
        Some(if args.is_empty() {
            Ok(Val::str(*header))
        } else {
            Err(format!("{name} is not a method but has arguments"))
        })
    }

    fn json(&self) -> String {
        String::new()
    }

    fn print(&self) -> String {
        let pairs: Vec<String> = HEADERS.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        format!("map[{}]", pairs.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// go-units' durations at their edges.
    #[test]
    fn human_durations() {
        for (s, want) in [
            (0, "Less than a second"),
            (1, "1 second"),
            (59, "59 seconds"),
            (60, "About a minute"),
            (119, "About a minute"),
            (120, "2 minutes"),
            (3599, "59 minutes"),
            (3600, "About an hour"),
            (5399, "About an hour"),
            (5400, "2 hours"),
            (47 * 3600, "47 hours"),
            (48 * 3600, "2 days"),
            (14 * 86400, "2 weeks"),
            (60 * 86400, "2 months"),
            (800 * 86400, "2 years"),
        ] {
            assert_eq!(human_duration(s), want, "{s}");
        }
    }

    /// Ports group as the CLI's `DisplayablePorts` groups them: every case of the docker CLI's
    /// own `TestDisplayablePorts` (cli/command/formatter/container_test.go, v28.2.2).
    #[test]
    fn ports_like_docker() {
        let p = |private: u64, ip: &str, public: u64, ty: &str| (private, ip.to_string(), public, ty.to_string());
        let cases: Vec<(Vec<(u64, String, u64, String)>, &str)> = vec![
            (vec![p(9988, "", 0, "tcp")], "9988/tcp"),
            (vec![p(9988, "", 0, "udp")], "9988/udp"),
            (vec![p(9988, "0.0.0.0", 0, "tcp")], "0.0.0.0:0->9988/tcp"),
            (vec![p(9988, "::", 0, "tcp")], "[::]:0->9988/tcp"),
            (vec![p(9988, "", 8899, "tcp")], "9988/tcp"),
            (vec![p(9988, "4.3.2.1", 8899, "tcp")], "4.3.2.1:8899->9988/tcp"),
            (vec![p(9988, "::1", 8899, "tcp")], "[::1]:8899->9988/tcp"),
            (vec![p(9988, "4.3.2.1", 9988, "tcp")], "4.3.2.1:9988->9988/tcp"),
            (vec![p(9988, "::1", 9988, "tcp")], "[::1]:9988->9988/tcp"),
            (vec![p(9988, "", 0, "udp"), p(9988, "", 0, "udp")], "9988/udp, 9988/udp"),
            (vec![p(9998, "1.2.3.4", 9998, "udp"), p(9999, "1.2.3.4", 9999, "udp")], "1.2.3.4:9998-9999->9998-9999/udp"),
            (vec![p(9998, "::1", 9998, "udp"), p(9999, "::1", 9999, "udp")], "[::1]:9998-9999->9998-9999/udp"),
            (vec![p(9998, "1.2.3.4", 8887, "udp"), p(9999, "1.2.3.4", 8888, "udp")], "1.2.3.4:8887->9998/udp, 1.2.3.4:8888->9999/udp"),
            (vec![p(9998, "::1", 8887, "udp"), p(9999, "::1", 8888, "udp")], "[::1]:8887->9998/udp, [::1]:8888->9999/udp"),
            (vec![p(9998, "", 0, "udp"), p(9999, "", 0, "udp")], "9998-9999/udp"),
            (vec![p(6677, "1.2.3.4", 7766, "tcp"), p(9988, "", 8899, "udp")], "9988/udp, 1.2.3.4:7766->6677/tcp"),
            (vec![p(9988, "1.2.3.4", 8899, "udp"), p(9988, "1.2.3.4", 8899, "tcp"), p(2233, "4.3.2.1", 3322, "tcp"), p(2233, "::1", 3322, "tcp")], "4.3.2.1:3322->2233/tcp, [::1]:3322->2233/tcp, 1.2.3.4:8899->9988/tcp, 1.2.3.4:8899->9988/udp"),
            (vec![p(9988, "", 8899, "udp"), p(6677, "1.2.3.4", 7766, "tcp"), p(2233, "4.3.2.1", 3322, "tcp")], "9988/udp, 4.3.2.1:3322->2233/tcp, 1.2.3.4:7766->6677/tcp"),
            (vec![p(80, "", 0, "tcp"), p(1024, "", 0, "tcp"), p(80, "", 0, "udp"), p(1024, "", 0, "udp"), p(1024, "1.1.1.1", 80, "tcp"), p(1024, "1.1.1.1", 80, "udp"), p(80, "1.1.1.1", 1024, "tcp"), p(80, "1.1.1.1", 1024, "udp"), p(1024, "2.1.1.1", 80, "tcp"), p(1024, "2.1.1.1", 80, "udp"), p(80, "2.1.1.1", 1024, "tcp"), p(80, "2.1.1.1", 1024, "udp"), p(12345, "", 0, "sctp")], "80/tcp, 80/udp, 1024/tcp, 1024/udp, 12345/sctp, 1.1.1.1:1024->80/tcp, 1.1.1.1:1024->80/udp, 2.1.1.1:1024->80/tcp, 2.1.1.1:1024->80/udp, 1.1.1.1:80->1024/tcp, 1.1.1.1:80->1024/udp, 2.1.1.1:80->1024/tcp, 2.1.1.1:80->1024/udp"),
        ];
        assert_eq!(display_ports(&[]), "");
        for (mut ports, want) in cases {
            // Row::ports sorts as the CLI's comparePorts before grouping.
            ports.sort();
            assert_eq!(display_ports(&ports), want, "{ports:?}");
        }
    }

    /// The row fields of the docker CLI's own `TestContainerPsContext` cases (v28.2.2).
    #[test]
    fn row_like_docker() {
        let id = "a5a665ff33eced1e0803148700880edab4269067ed77e27737a708d0d293fbf5";
        let row = |doc: Value, trunc: bool| Row { doc, trunc, now: 1_000_065 };
        let get = |r: &Row, f: &str| r.fields().into_iter().find(|(k, _)| *k == f).map(|(_, v)| v).unwrap();
        let cases: Vec<(Value, bool, &str, &str)> = vec![
            (json!({"Id": id}), true, "ID", "a5a665ff33ec"),
            (json!({"Id": id}), false, "ID", id),
            (json!({"Names": ["/foobar_baz"]}), true, "Names", "foobar_baz"),
            (json!({"Names": ["/a", "/b/link"]}), true, "Names", "a"),
            (json!({"Names": ["/b/link", "/a"]}), false, "Names", "b/link,a"),
            (json!({"Image": "ubuntu"}), true, "Image", "ubuntu"),
            (json!({"Image": "verylongimagename"}), true, "Image", "verylongimagename"),
            (json!({"Image": "a5a665ff33eced1e0803148700880edab4", "ImageID": id}), true, "Image", "a5a665ff33ec"),
            (json!({"Image": "a5a665ff33eced1e0803148700880edab4", "ImageID": id}), false, "Image", "a5a665ff33eced1e0803148700880edab4"),
            (json!({"Image": ""}), true, "Image", "<no image>"),
            (json!({"Image": "docker.io/library/busybox:1.36@sha256:abc"}), true, "Image", "busybox:1.36"),
            (json!({"Command": "sh -c 'ls -la'"}), true, "Command", "\"sh -c 'ls -la'\""),
            (json!({"Ports": [{"PrivatePort": 8080, "PublicPort": 8080, "Type": "tcp"}]}), true, "Ports", "8080/tcp"),
            (json!({"Status": "Up 123 seconds"}), true, "Status", "Up 123 seconds"),
            (json!({"State": "running"}), true, "State", "running"),
            (json!({}), true, "Labels", ""),
            (json!({"Labels": {"storage": "ssd", "cpu": "6"}}), true, "Labels", "cpu=6,storage=ssd"),
            (json!({"Created": 1_000_000}), true, "RunningFor", "About a minute ago"),
            (json!({"Created": 1_000_000}), true, "CreatedAt", "1970-01-12 13:46:40 +0000 UTC"),
            (
                json!({"Mounts": [{"Name": "this-is-a-long-volume-name-and-will-be-truncated-if-trunc-is-set", "Driver": "local", "Source": "/a/path"}]}),
                true,
                "Mounts",
                "this-is-a-long…",
            ),
            (json!({"Mounts": [{"Driver": "local", "Source": "/a/path"}]}), false, "Mounts", "/a/path"),
            (json!({"Mounts": [{"Driver": "local", "Source": "/a/path"}, {"Driver": "nfs", "Name": "x"}]}), true, "LocalVolumes", "1"),
        ];
        for (doc, trunc, field, want) in cases {
            assert_eq!(get(&row(doc.clone(), trunc), field), want, "{field} of {doc}");
        }
    }

    /// Commands are cut at 20 characters, then quoted as Go quotes; times print as Go's.
    #[test]
    fn row_texts() {
        assert_eq!(gojson::go_quote(&ellipsis("sleep infinity", 20)), "\"sleep infinity\"");
        assert_eq!(gojson::go_quote(&ellipsis("sh -c 'while true; do sleep 1; done'", 20)), "\"sh -c 'while true; …\"");
        assert_eq!(gojson::go_quote("a\"b\\\n"), r#""a\"b\\\n""#);
        assert_eq!(unix_time_string(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(unix_time_string(1_796_320_638), "2026-12-03 17:57:18 +0000 UTC");
    }
}
