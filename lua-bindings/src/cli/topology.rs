//! `dockernet up|down|plan|status|verify|graph FILE`: topologies from the command line.
//!
//! - `plan FILE [--json]`: what `up` would do (exit 0), as text or JSON;
//! - `up FILE [--concurrency N] [--json]`: apply, with a progress bar on a terminal; on failure
//!   everything this run made is undone and the failing step is named (exit 1);
//! - `down FILE|NAME`: remove what the topology owns (by label), never anything else;
//! - `up` and `down` take the topology's lock: with another of them running they wait
//!   (`--no-wait`: fail at once; `--lock-timeout S`; `--break-lock` for a holder gone elsewhere);
//! - `up` and `down` handle Ctrl-C, SIGTERM and SIGHUP: the first stops `up`'s steps and rolls
//!   back what this run did (and says so), a second stops at once and says what is left (all of
//!   it labelled: `down` removes it); the exit status is then 128 + the signal (130, 143, 129);
//! - `status FILE [--json]`: each element present / missing / drifted (exit 1 unless all present);
//! - `verify FILE [--json]`: the reachability matrix, expected vs observed (exit 1 on a mismatch);
//! - `graph FILE [--format dot|mermaid|svg]`: the topology as a picture;
//! - `watch FILE [--heal] [--until DURATION] [--reconnect N] [--json]`: drift reported as it
//!   happens, one line each with what to do (`--json`: one JSON record per line); `--heal`
//!   re-applies the difference. A lost event stream (a daemon restart) is one line, reopened (at
//!   most N attempts, default 10) and one line again; after the last attempt, exit 1. At
//!   `--until` the exit status is 0 when the lab was last seen up to date, else 1; Ctrl-C exits
//!   130 (a heal in flight is rolled back first).
//!
//! Errors print as `Error: <message>` with exit 1; usage errors exit 2.

use std::io::Write;
use std::path::Path;

use clap::{Parser, Subcommand};
use dockernet_core::topology::{
    ApplyOptions, GraphFormat, LockOptions, Progress, ProgressEvent, Topology, VerifyOptions, WatchOptions,
};
use dockernet_core::topology::ChangeKind;
use dockernet_core::{BlockingClient, ErrorKind};

/// The verbs this module answers (the program dispatches them here).
pub const VERBS: [&str; 7] = ["up", "down", "plan", "status", "verify", "graph", "watch"];

#[derive(Parser, Debug)]
#[command(name = "dockernet", no_binary_name = false, about = "Topologies: declare a lab in YAML, plan it, bring it up, verify it, draw it, tear it down.")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Show what `up` would do.
    Plan {
        /// The topology file (YAML).
        file: String,
        /// Print the plan as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create or converge the topology (undone on failure).
    Up {
        /// The topology file (YAML).
        file: String,
        /// Most steps in flight at once on each daemon.
        #[arg(long, default_value_t = ApplyOptions::default().concurrency)]
        concurrency: usize,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        lock: LockFlags,
    },
    /// Remove everything the topology owns (by label).
    Down {
        /// The topology file, or the topology's name.
        file_or_name: String,
        #[command(flatten)]
        lock: LockFlags,
    },
    /// Each declared element: present, missing or drifted.
    Status {
        /// The topology file (YAML).
        file: String,
        /// Print the status as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Measure reachability between the topology's nodes (exit 1 on a mismatch).
    Verify {
        /// The topology file (YAML).
        file: String,
        /// Print the matrix as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Draw the topology.
    Graph {
        /// The topology file (YAML).
        file: String,
        /// dot, mermaid or svg (svg needs Graphviz).
        #[arg(long, short = 'f', default_value = "dot")]
        format: String,
    },
    /// Report drift as it happens (a node removed or disconnected by hand, a network removed…).
    Watch {
        /// The topology file (YAML).
        file: String,
        /// Re-apply the declaration whenever the daemon differs (bounded retries, logged).
        #[arg(long)]
        heal: bool,
        /// Stop after this long (30s, 5m, 1h) or at this time (RFC 3339); default: until Ctrl-C.
        #[arg(long, value_name = "DURATION")]
        until: Option<String>,
        /// Attempts to reopen the daemon's event stream when it is lost (a daemon restart), with
        /// backoff (about 40 s for 10); then exit 1.
        #[arg(long, value_name = "N", default_value_t = 10)]
        reconnect: u32,
        /// One JSON record per line instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// What `up` and `down` do when another `up` or `down` of the topology is running (its lock is
/// on the daemon: see core's topology/lock.rs).
#[derive(clap::Args, Debug)]
struct LockFlags {
    /// Wait for another up/down of this topology to finish (the default).
    #[arg(long, overrides_with = "no_wait")]
    wait: bool,
    /// Fail at once (exit 1, conflict) when another up/down of this topology is running.
    #[arg(long, overrides_with = "wait")]
    no_wait: bool,
    /// The longest wait for it, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = LockOptions::default().lock_timeout)]
    lock_timeout: f64,
    /// Remove the topology's lock first: for an up/down that was killed on another machine (one
    /// killed on this machine is detected and its lock broken anyway).
    #[arg(long)]
    break_lock: bool,
}

impl LockFlags {
    fn options(&self) -> LockOptions {
        LockOptions { wait: !self.no_wait, lock_timeout: self.lock_timeout, break_lock: self.break_lock }
    }
}

/// Prints what a waiting or noteworthy step says (waiting for a lock, a stale lock broken, a
/// refused subnet replaced, an interrupt heard) on stderr, whether or not a progress bar is drawn.
fn tell(p: &Progress) {
    if matches!(p.event, ProgressEvent::Waiting | ProgressEvent::Note | ProgressEvent::Interrupted) {
        eprintln!("{}", p.description);
    }
}

/// Runs one topology command; `args[0]` is the verb. Returns the exit status.
pub fn run(client: &BlockingClient, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let argv = std::iter::once("dockernet".to_string()).chain(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind as K;
            let text = e.render().to_string();
            let help = matches!(e.kind(), K::DisplayHelp | K::DisplayVersion);
            let _ = if help { out.write_all(text.as_bytes()) } else { err.write_all(text.as_bytes()) };
            return if help { 0 } else { 2 };
        }
    };
    match execute(client, cli.cmd, out) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(err, "Error: {}", e.message());
            match e.kind() {
                ErrorKind::Interrupted => crate::runtime::interrupted_status().map_or(130, i32::from),
                _ => 1,
            }
        }
    }
}

fn load(file: &str) -> dockernet_core::Result<Topology> {
    Topology::from_file(file)
}

fn json<T: serde::Serialize>(out: &mut dyn Write, v: &T) -> dockernet_core::Result<()> {
    let text = serde_json::to_string_pretty(v)?;
    let _ = writeln!(out, "{text}");
    Ok(())
}

fn execute(client: &BlockingClient, cmd: Cmd, out: &mut dyn Write) -> dockernet_core::Result<i32> {
    match cmd {
        Cmd::Plan { file, json: as_json } => {
            let plan = client.topology_plan(&load(&file)?)?;
            if as_json { json(out, &plan)? } else { let _ = writeln!(out, "{plan}"); }
            Ok(0)
        }
        Cmd::Up { file, concurrency, json: as_json, lock } => {
            crate::runtime::handle_signals(client, None);
            let topology = load(&file)?;
            let bar = crate::progress::Bar::new(None);
            let l = lock.options();
            let opts = ApplyOptions {
                concurrency,
                wait: l.wait,
                lock_timeout: l.lock_timeout,
                break_lock: l.break_lock,
                ..Default::default()
            };
            let report = client.topology_apply(&topology, &opts, &|p| {
                tell(p);
                bar.update(p)
            });
            bar.finish();
            let report = report?;
            if as_json { json(out, &report)? } else { let _ = writeln!(out, "{report}"); }
            Ok(0)
        }
        Cmd::Down { file_or_name, lock } => {
            crate::runtime::handle_signals(client, None);
            let report = if Path::new(&file_or_name).is_file() {
                client.topology_destroy_with(&load(&file_or_name)?, &lock.options(), &tell)?
            } else {
                client.topology_destroy_by_name_with(&file_or_name, &lock.options(), &tell)?
            };
            let _ = writeln!(out, "{report}");
            Ok(0)
        }
        Cmd::Status { file, json: as_json } => {
            let status = client.topology_status(&load(&file)?)?;
            if as_json { json(out, &status)? } else { let _ = writeln!(out, "{status}"); }
            Ok(if status.is_up_to_date() { 0 } else { 1 })
        }
        Cmd::Verify { file, json: as_json } => {
            let v = client.topology_verify(&load(&file)?, &VerifyOptions::default())?;
            if as_json { json(out, &v)? } else { let _ = writeln!(out, "{v}"); }
            Ok(if v.ok() { 0 } else { 1 })
        }
        Cmd::Watch { file, heal, until, reconnect, json: as_json } => {
            crate::runtime::handle_signals(client, None);
            let topology = load(&file)?;
            let opts = WatchOptions {
                heal,
                until: until.map(dockernet_core::events::TimeArg::Text),
                reconnect,
                remedy: Some(format!("run 'dockernet up {file}' or watch --heal")),
                ..Default::default()
            };
            // The exit status at `--until` says how the watch left the lab: 0 up to date, 1 not.
            let mut up = false;
            for change in client.topology_watch(&topology, &opts)? {
                let change = change?;
                match change.change {
                    ChangeKind::UpToDate => up = true,
                    ChangeKind::Drift | ChangeKind::HealFailed => up = false,
                    _ => {}
                }
                let line = if as_json { serde_json::to_string(&change)? } else { change.to_string() };
                if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
                    // The reader went away (a closed pipe): stop quietly.
                    return Ok(0);
                }
            }
            Ok(if up { 0 } else { 1 })
        }
        Cmd::Graph { file, format } => {
            let format: GraphFormat = format.parse()?;
            let text = client.topology_graph(&load(&file)?, format)?;
            let _ = write!(out, "{text}");
            if !text.ends_with('\n') {
                let _ = writeln!(out);
            }
            Ok(0)
        }
    }
}
