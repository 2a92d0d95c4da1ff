//! Apply: carry out a plan as one transaction.
//!
//! - **Concurrent, bounded.** Actions whose `after` list is done run together, at most
//!   [`ApplyOptions::concurrency`] at a time on each daemon (default 8), on the caller's runtime: a 50-node lab
//!   does not wait for 50 daemon round trips in a row.
//! - **Journaled.** Every step records how to undo what it did (a network created → remove it, a
//!   container disconnected → connect it again with the same address and aliases, a container
//!   replaced → put the original back under its name and start it). When a step fails, the steps
//!   in flight finish, then the journal is undone in reverse order and the error names the step
//!   that failed, with the underlying error's kind and status kept. Last, anything carrying the
//!   topology's label that was not there before the apply is removed: a request that timed out
//!   on our side may still have been carried out by the daemon, unknown to the journal.
//! - **Interruptible, never half-done.** [`ApplyOptions::interrupt`] (the `dockernet` program's
//!   Ctrl-C, SIGTERM and SIGHUP; Python's KeyboardInterrupt) is checked between steps. The first
//!   interrupt stops scheduling: the steps in flight finish (each is one bounded daemon call),
//!   then the journal is undone as after a failure and the error (kind `interrupted`) says so.
//!   A second interrupt stops at once, even in the middle of the rollback: requests in flight
//!   are dropped and the error lists what is left, all of it labelled, so destroy removes it.
//! - **Removals last.** Removing a container or a network cannot be undone exactly, so those
//!   steps (and the removal of replaced containers) run only after every other step succeeded.
//!   If one of them fails, nothing is undone (the declaration is already in place) and running
//!   apply again finishes the job.
//! - **Owned.** Everything created carries `dockernet.topology=<name>` and a label naming the
//!   declared element, plus the configuration it was made from (see plan.rs).
//!
//! What does not live here: deciding what to do (plan.rs), and destroy (destroy.rs).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Instant;

use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::plan::{Action, Op, Plan};
use super::hosts::Hosts;
use super::routes;
use super::spec::{Spec, LABEL_CONFIG, LABEL_NETWORK, LABEL_NODE};
use super::state::{create_options_from_facts, reconnect_options};
use crate::client::Client;
use crate::document::Document;
use crate::container::{Command, ExecOptions, RemoveOptions, RunOptions, StopOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::interrupt::Interrupt;
use crate::network::{ConnectOptions, CreateOptions, DisconnectOptions};
use crate::swarm::{InitOptions, JoinOptions, LeaveOptions};
use crate::options::{StringList, StringMap};

/// How many steps apply runs at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Options of `apply` (and `destroy`), as the bindings read them (`{concurrency = 4}`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApplyOptions {
    /// Most steps in flight at once on each daemon (at least 1; default 8).
    pub concurrency: usize,
    /// Where interrupts come from (not read from a table: set by the program or binding). The
    /// first interrupt rolls this apply back, a second stops at once; see the file notes.
    /// [`crate::BlockingClient::topology_apply`] fills in the client's own when this is `None`.
    #[serde(skip)]
    pub interrupt: Option<Interrupt>,
    /// When another apply or destroy of the topology runs: wait for it (default), or fail at
    /// once with `conflict` (see lock.rs).
    pub wait: bool,
    /// The longest wait for it, in seconds (default 600); then `timeout`.
    pub lock_timeout: f64,
    /// Break the topology's lock first: for a holder that is gone on another machine (one gone
    /// on this machine is detected and broken anyway).
    pub break_lock: bool,
}

impl ApplyOptions {
    /// The lock part of these options.
    pub fn lock_options(&self) -> super::lock::LockOptions {
        super::lock::LockOptions { wait: self.wait, lock_timeout: self.lock_timeout, break_lock: self.break_lock }
    }
}

impl Default for ApplyOptions {
    fn default() -> Self {
        let lock = super::lock::LockOptions::default();
        ApplyOptions {
            concurrency: DEFAULT_CONCURRENCY,
            interrupt: None,
            wait: lock.wait,
            lock_timeout: lock.lock_timeout,
            break_lock: lock.break_lock,
        }
    }
}

/// What happened to a step, as the progress callback hears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressEvent {
    /// A step started.
    Started,
    /// A step finished.
    Finished,
    /// A step failed (a rollback follows).
    Failed,
    /// An undo step (of a rollback) started.
    Undoing,
    /// An undo step finished.
    Undone,
    /// An undo step failed (the rollback goes on with the rest).
    UndoFailed,
    /// An interrupt was heard: the first stops scheduling (a rollback follows), the second stops
    /// at once. The description says which.
    Interrupted,
    /// Another apply or destroy of the topology holds its lock: this one waits (the description
    /// names the holder: pid, host, since when).
    Waiting,
    /// A remark that changes nothing in the plan's outcome: a stale lock broken, a subnet the
    /// daemon refused replaced by the next free one.
    Note,
}

/// One progress report: enough to draw a bar (`done` of `total`) and a line of text.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    /// The topology.
    pub topology: String,
    /// What happened.
    pub event: ProgressEvent,
    /// The plan action's id (for undo steps: the number of the undo step, counting from 1).
    pub action: usize,
    /// How many actions the plan has (for undo steps: how many undo steps there are).
    pub total: usize,
    /// How many have finished so far.
    pub done: usize,
    /// The step in words (`run node web (lab-web) from …`).
    pub description: String,
}

/// What a successful apply did.
#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    /// The topology.
    pub topology: String,
    /// The plan that was carried out (empty when the daemon already matched).
    pub plan: Plan,
    /// Wall time, in milliseconds.
    pub elapsed_ms: u64,
    /// What went otherwise than planned without failing: a subnet the daemon refused, replaced
    /// by the next free one (the plan's `subnets` show what the networks got).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.plan.is_empty() {
            return write!(f, "topology {:?} is up to date: nothing to do", self.topology);
        }
        let n = self.plan.len();
        write!(
            f,
            "applied topology {:?}: {n} action{} in {:.1} s",
            self.topology,
            if n == 1 { "" } else { "s" },
            self.elapsed_ms as f64 / 1000.0
        )?;
        for note in &self.notes {
            write!(f, "\n  note: {note}")?;
        }
        Ok(())
    }
}

/// How to undo one change.
#[derive(Debug, Clone)]
enum Undo {
    RemoveNetwork { id: String, name: String },
    CreateNetwork { name: String, opts: Box<CreateOptions> },
    RemoveContainer { id: String, name: String },
    Disconnect { network: String, container: String },
    Connect { network: String, container: String, opts: Box<ConnectOptions> },
    Start { id: String, name: String },
    Rename { id: String, to: String },
    Route { container: String, destination: String, prior: Option<String> },
    /// Put back the impairment a link had (`None`: clear what dockernet set).
    Impair { container: String, network: String, prior: Option<crate::impair::Impairment> },
    /// Leave the swarm the step formed or joined (a lab across hosts).
    LeaveSwarm,
}

/// An undo record and the host it is carried out on (`None`: the single daemon).
type Entry = (Option<String>, Undo);

impl Undo {
    fn describe(&self) -> String {
        match self {
            Undo::RemoveNetwork { name, .. } => format!("remove network {name}"),
            Undo::CreateNetwork { name, .. } => format!("create network {name} again"),
            Undo::RemoveContainer { name, .. } => format!("remove container {name}"),
            Undo::Disconnect { network, container } => format!("disconnect {} from {network}", short_name(container)),
            Undo::Connect { network, container, .. } => format!("connect {} to {network} again", short_name(container)),
            Undo::Start { name, .. } => format!("start container {name} again"),
            Undo::Rename { to, .. } => format!("rename the replaced container back to {to}"),
            Undo::Route { container, destination, prior: Some(gw) } => {
                format!("restore route {destination} via {gw} in {container}")
            }
            Undo::Route { container, destination, prior: None } => format!("delete route {destination} in {container}"),
            Undo::Impair { container, network, prior: Some(p) } => {
                format!("set the impairment of {} on {network} back to {p}", short_name(container))
            }
            Undo::Impair { container, network, prior: None } => {
                format!("clear the impairment of {} on {network}", short_name(container))
            }
            Undo::LeaveSwarm => "leave the swarm".to_string(),
        }
    }

    /// What stays on the daemon when this undo step is not carried out.
    fn left(&self) -> String {
        match self {
            Undo::RemoveNetwork { name, .. } => format!("network {name}"),
            Undo::CreateNetwork { name, .. } => format!("network {name} removed (its replacement not made)"),
            Undo::RemoveContainer { name, .. } => format!("container {name}"),
            Undo::Disconnect { network, container } => format!("{} connected to {network}", short_name(container)),
            Undo::Connect { network, container, .. } => {
                format!("{} disconnected from {network}", short_name(container))
            }
            Undo::Start { name, .. } => format!("container {name} stopped"),
            Undo::Rename { to, .. } => format!("the replaced container {to} under its set-aside name"),
            Undo::Route { container, destination, .. } => format!("route {destination} in {container} changed"),
            Undo::Impair { container, network, .. } => {
                format!("the impairment of {} on {network} changed", short_name(container))
            }
            Undo::LeaveSwarm => "the host in the swarm".to_string(),
        }
    }
}

/// An action in words, with its host for a lab across hosts (`[a] run node web …`).
fn describe(a: &Action) -> String {
    on(&a.host, a.op.describe())
}

/// `text`, prefixed with `[host]` when there is one.
fn on(host: &Option<String>, text: String) -> String {
    match host {
        Some(h) => format!("[{h}] {text}"),
        None => text,
    }
}

fn short_name(s: &str) -> &str {
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        crate::lookup::short_id(s)
    } else {
        s
    }
}

/// What one step did: its result, the undo records of what it changed (even when it failed
/// half-way), and the containers it set aside (removed once the apply succeeded).
struct Outcome {
    result: Result<()>,
    undo: Vec<Entry>,
    retired: Vec<Retired>,
}

/// A container set aside by a recreation, removed once the apply succeeded: host, id, name.
type Retired = (Option<String>, String, String);

struct Cx<'a> {
    hosts: &'a Hosts<'a>,
    spec: &'a Spec,
    plan: &'a Plan,
    /// Subnets the daemon refused and their replacements (see [`create_network`]).
    subnets: std::sync::Mutex<Refused>,
    /// The networks this apply made, by key, for the runs that follow them ([`run_node`]).
    made: std::sync::Mutex<HashMap<String, crate::network::NetworkRef>>,
}

impl Cx<'_> {
    /// The daemon of `host` (`None`: the single daemon).
    fn client(&self, host: Option<&str>) -> &Client {
        self.hosts.of(host)
    }

    /// The declaration a step on `host` works from: its host's share for a lab across hosts.
    fn spec(&self, host: Option<&str>) -> &Spec {
        match &self.plan.layout {
            Some(l) => l.spec_of(host, self.spec),
            None => self.spec,
        }
    }
}

/// What the daemon refused during one apply: every subnet tried (refused or taken by a
/// replacement, so concurrent retries do not pick the same one), the replacements by network,
/// and the notes not yet reported.
#[derive(Default)]
struct Refused {
    tried: Vec<ipnet::IpNet>,
    replaced: Vec<(String, ipnet::IpNet)>,
    unreported: Vec<String>,
    notes: Vec<String>,
}

/// How many subnets one network tries when the daemon refuses the planned one.
const SUBNET_TRIES: usize = 8;

/// Creates declared network `key` as `name` on its planned subnets. When the daemon (or
/// dockernet's own check) refuses an auto-planned subnet as overlapping — a pool the daemon
/// holds but does not list (a bridge left by a crash), or a network made since the plan — the
/// next free subnet of the pool is tried, at most [`SUBNET_TRIES`] in all, and a note says so.
/// A subnet the user declared is never replaced: its refusal is the error.
async fn create_network(cx: &Cx<'_>, host: Option<&str>, key: &str, name: &str) -> Result<crate::network::NetworkRef> {
    let (client, spec) = (cx.client(host), cx.spec(host));
    let mut subnets = cx.plan.nets.get(key).cloned().unwrap_or_default();
    let auto = spec.declared_subnets(key).is_empty() && subnets.len() == 1 && subnets[0].addr().is_ipv4();
    for attempt in 1.. {
        let e = match client.network_create_planned(name, &network_options(spec, key, &subnets)).await {
            Ok(r) => return Ok(r),
            Err(e) => e,
        };
        let overlap = e.kind() == ErrorKind::Conflict && e.message().to_ascii_lowercase().contains("overlap");
        if !overlap {
            return Err(e);
        }
        // The daemon's refusal names neither the subnet's holder nor whether it is listed. Only
        // now (a refusal is rare) read the networks: a listed holder is a network made since
        // the plan, and the message names it as `network_create` would; none listed means a pool
        // the daemon holds but does not list (a bridge left by a crash).
        let e = match client.networks_facts().await {
            Ok(nets) => crate::network::overlap_conflict(&subnets, &nets)
                .map_or(e, |own| own.context(format!("network create {name:?}"))),
            Err(_) => e,
        };
        if !auto {
            return Err(if spec.declared_subnets(key).is_empty() {
                e
            } else {
                e.note(format!(
                    "the subnet is declared (networks.{key}.subnet), so dockernet does not pick another: declare a \
                     free one, or leave it out to have one planned"
                ))
            });
        }
        if attempt >= SUBNET_TRIES {
            return Err(e.note(format!("{attempt} subnets tried for network {name}; giving up")));
        }
        let refused = subnets[0];
        let next = {
            let mut r = cx.subnets.lock().expect("subnet journal");
            r.tried.push(refused);
            let mut taken = cx.plan.observed.taken.clone();
            let holder = |n: &ipnet::IpNet| super::subnets::Taken { net: *n, holder: "this apply".to_string() };
            taken.extend(cx.plan.nets.values().flatten().map(holder));
            taken.extend(r.tried.iter().map(holder));
            let request = super::subnets::Request { network: key.to_string(), existing: None };
            let alloc = super::subnets::allocate(spec.pool()?, spec.subnet_size(), &[request], &taken)
                .map_err(|p| e.clone().note(format!("no other subnet to try: {}", p.message())))?;
            let next = ipnet::IpNet::V4(alloc[key]);
            r.tried.push(next);
            r.replaced.retain(|(k, _)| k != key);
            r.replaced.push((key.to_string(), next));
            // The daemon's refusal carries its status; dockernet's own check (a network made
            // since the plan, which it can see) does not.
            let by = if e.status().is_some() { "refused by the daemon" } else { "taken since the plan" };
            let note = format!("network {name}: subnet {refused} {by} ({}); using {next}", refusal_reason(&e));
            r.unreported.push(note.clone());
            r.notes.push(note);
            next
        };
        subnets = vec![next];
    }
    unreachable!("the loop returns")
}

/// The daemon's words for a refusal, without the operation prefix dockernet adds.
fn refusal_reason(e: &Error) -> String {
    let m = e.message();
    m.rsplit_once(": ").map(|(_, r)| r).unwrap_or(m).trim().to_string()
}

/// The interrupts one apply hears: the first stops scheduling and rolls back, the second stops
/// at once.
struct Interrupts<'a> {
    source: Option<&'a Interrupt>,
    heard: usize,
}

impl Interrupts<'_> {
    /// Resolves when an interrupt is taken (and counts it); never, without a source.
    async fn next(&mut self) {
        match self.source {
            Some(i) => {
                i.taken().await;
                self.heard += 1;
            }
            None => std::future::pending().await,
        }
    }

    /// Takes a pending interrupt now, if any (and counts it).
    fn take(&mut self) -> bool {
        let taken = self.source.is_some_and(Interrupt::take);
        self.heard += usize::from(taken);
        taken
    }

    /// How the last interrupt was named (`Ctrl-C`).
    fn cause(&self) -> String {
        self.source.map(Interrupt::cause).unwrap_or_else(|| "interrupt".into())
    }

    /// Runs `fut` to its end, unless a second interrupt comes first (`None`: `fut` was dropped).
    /// A first interrupt heard meanwhile is reported with `first` and does not stop it.
    async fn unless_stopped<T>(
        &mut self,
        fut: impl std::future::Future<Output = T>,
        first: impl Fn(&str),
    ) -> Option<T> {
        tokio::pin!(fut);
        loop {
            tokio::select! {
                biased;
                r = &mut fut => return Some(r),
                () = self.next() => {
                    if self.heard >= 2 {
                        return None;
                    }
                    first(&self.cause());
                }
            }
        }
    }
}

/// The options `network create` gets for declared network `key` with its resolved subnets.
pub(crate) fn network_options(spec: &Spec, key: &str, subnets: &[ipnet::IpNet]) -> CreateOptions {
    let mut o = spec.networks.get(key).cloned().unwrap_or_default();
    o.subnet = StringList(subnets.iter().map(|s| s.to_string()).collect());
    let mut labels = spec.owner_labels();
    labels.extend(o.labels.0.clone());
    labels.insert(LABEL_NETWORK.to_string(), key.to_string());
    labels.insert(LABEL_CONFIG.to_string(), spec.network_config(key, subnets).to_string());
    o.labels = StringMap(labels);
    o
}

/// The options `container run` gets for declared node `key`.
pub(crate) fn run_options(spec: &Spec, key: &str) -> RunOptions {
    let n = spec.nodes.get(key).cloned().unwrap_or_default();
    let mut labels = spec.owner_labels();
    labels.extend(n.labels.0.clone());
    labels.insert(LABEL_NODE.to_string(), key.to_string());
    labels.insert(LABEL_CONFIG.to_string(), spec.node_config(key).to_string());
    // The declared impairments, so `impair_reapply` puts them back after a restart without the
    // declaration at hand. Not part of the configuration: a changed `link` is set in place.
    let links = spec.links(key);
    if !links.is_empty() {
        let v: Map<String, Value> = links.iter().map(|(net, i)| (net.clone(), i.to_value())).collect();
        labels.insert(crate::impair::LABEL.to_string(), Value::Object(v).to_string());
    }
    // The attachments are not in the options (`networks`): they go to the run typed
    // (`node_attachments`), never through the JSON form a script writes.
    let mut opts = RunOptions { image: spec.node_image(&n), name: Some(spec.node_name(key)), ..Default::default() };
    // The node's container fields as declared, and what the topology adds to them.
    opts.set_container_fields(n.container_fields());
    opts.labels = StringMap(labels);
    opts.hostname = Some(n.hostname.clone().unwrap_or_else(|| key.to_string()));
    opts.cap_add = StringList(spec.effective_cap_add(&n));
    opts.sysctls = StringMap(spec.effective_sysctls(key, &n));
    opts
}

/// Runs node `key`'s container on `host` with the networks the plan observed or this apply made,
/// as [`known_network`] addresses them: no network is looked up again (see
/// [`Client::container_run_on`]).
async fn run_node(
    cx: &Cx<'_>,
    host: Option<&str>,
    client: &Client,
    spec: &Spec,
    key: &str,
) -> Result<crate::container::ContainerRef> {
    let opts = run_options(spec, key);
    let mut nets = Vec::new();
    let mut facts = Vec::new();
    for k in spec.nodes.get(key).map(|n| n.networks.names().collect::<Vec<_>>()).unwrap_or_default() {
        // Not known (cannot happen for a planned run; kept safe): look everything up.
        let Some((net, f)) = known_network(cx, host, k, &spec.network_name(k)) else {
            return client.container_run_attached(&opts, node_attachments(spec, key)).await;
        };
        nets.push((net, spec.attachment(key, k).unwrap_or_default()));
        facts.push(f);
    }
    client.container_run_on(&opts, &nets, &facts).await
}

/// Node `key`'s attachments as `container run` attaches them (by network name, in declared
/// order, each with its connect options).
pub(crate) fn node_attachments(spec: &Spec, key: &str) -> Vec<crate::container::Attachment> {
    let Some(node) = spec.nodes.get(key) else { return Vec::new() };
    node.networks
        .names()
        .map(|net| crate::container::Attachment {
            network: spec.network_name(net),
            opts: spec.attachment(key, net).unwrap_or_default(),
        })
        .collect()
}

/// Runs a command inside a container; a non-zero exit is an error with its stderr.
pub(crate) async fn run_in(client: &Client, container: &str, cmd: &Command) -> Result<String> {
    let out = client.container_exec(container, cmd, &ExecOptions::default()).await?;
    if out.exit_code != 0 {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let err = stderr.trim();
        let kind = if err.contains("not permitted") { ErrorKind::Forbidden } else { ErrorKind::Api };
        return Err(Error::new(
            kind,
            format!("`{}` in container {container:?} exited with {}: {err}", cmd.0.join(" "), out.exit_code),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The address a container has on a network, read from the daemon now.
async fn address_on(client: &Client, container: &str, network: &str) -> Result<String> {
    let (_, c) = client.find_container(container).await.map_err(|e| e.context(format!("container inspect {container:?}")))?;
    c.endpoints()
        .get(network)
        .and_then(|ep| ep.ip_address.clone())
        .ok_or_else(|| Error::not_found(format!("container {container:?} has no IPv4 address on network {network:?}")))
}

/// Declared network `key` (Docker name `name`) as a step on `host` addresses it: made by this
/// apply (no facts: it holds nothing yet) or observed by the plan, by id — so no step looks a
/// network up again. On a lab across hosts, a network spanning hosts is an overlay the manager
/// made; a worker may not know it until a container of its own attaches, so there it goes by
/// name and the daemon resolves it with the manager (no facts either). `None` when neither the
/// apply nor the plan holds it.
fn known_network<'c>(
    cx: &'c Cx<'_>,
    host: Option<&str>,
    key: &str,
    name: &str,
) -> Option<(crate::network::NetworkRef, Option<&'c crate::daemon::NetworkFacts>)> {
    if let Some(layout) = &cx.plan.layout {
        if layout.spanning.contains(key) && host != layout.manager.as_deref() {
            return Some((crate::network::NetworkRef::by_name(name), None));
        }
    }
    if let Some(r) = cx.made.lock().expect("made networks").get(key).filter(|r| r.name == name) {
        return Some((r.clone(), None));
    }
    let o = cx.plan.observed.network(key).filter(|o| o.name == name)?;
    Some((crate::network::NetworkRef::from_facts(&o.facts), Some(&o.facts)))
}

async fn step(cx: &Cx<'_>, a: &Action) -> Outcome {
    let mut undo = Vec::new();
    let mut retired = Vec::new();
    let result = step_inner(cx, a, &mut undo, &mut retired).await;
    let host = || a.host.clone();
    Outcome {
        result,
        undo: undo.into_iter().map(|u| (host(), u)).collect(),
        retired: retired.into_iter().map(|(id, name)| (host(), id, name)).collect(),
    }
}

async fn step_inner(cx: &Cx<'_>, a: &Action, undo: &mut Vec<Undo>, retired: &mut Vec<(String, String)>) -> Result<()> {
    let host = a.host.as_deref();
    let (client, spec, obs) = (cx.client(host), cx.spec(host), &cx.plan.observed);
    let by_name = |name: &str| obs.containers.iter().find(|c| c.name == name);
    match &a.op {
        Op::CreateNetwork { network, name, .. } => {
            let r = create_network(cx, host, network, name).await?;
            cx.made.lock().expect("made networks").insert(network.clone(), r.clone());
            undo.push(Undo::RemoveNetwork { id: r.id, name: name.clone() });
        }
        Op::RecreateNetwork { network, name, .. } => {
            let old = obs
                .network(network)
                .ok_or_else(|| Error::not_found(format!("network {network} is no longer on the daemon")))?;
            client.remove_network(&old.id).await.map_err(|e| e.context(format!("network rm {:?}", old.name)))?;
            undo.push(Undo::CreateNetwork { name: old.name.clone(), opts: Box::new(create_options_from_facts(&old.facts)) });
            let r = create_network(cx, host, network, name).await?;
            cx.made.lock().expect("made networks").insert(network.clone(), r.clone());
            undo.push(Undo::RemoveNetwork { id: r.id, name: name.clone() });
        }
        Op::RunNode { node, name, .. } => {
            let r = run_node(cx, host, client, spec, node).await?;
            undo.push(Undo::RemoveContainer { id: r.id, name: name.clone() });
        }
        Op::RecreateNode { node, name, .. } => {
            let old = obs
                .container(spec, node)
                .ok_or_else(|| Error::not_found(format!("the container of node {node} is no longer on the daemon")))?;
            if old.running {
                // Stopped at once: it is being replaced, and it frees its addresses and ports.
                client.container_stop(&old.id, &StopOptions { timeout: Some(0) }).await?;
                undo.push(Undo::Start { id: old.id.clone(), name: old.name.clone() });
            }
            let aside = format!("{}-replaced-{}", old.name, crate::lookup::short_id(&old.id));
            client.container_rename(&old.id, &aside).await?;
            undo.push(Undo::Rename { id: old.id.clone(), to: old.name.clone() });
            retired.push((old.id.clone(), aside));
            let r = run_node(cx, host, client, spec, node).await?;
            undo.push(Undo::RemoveContainer { id: r.id, name: name.clone() });
        }
        Op::Connect { node, network, container, network_name, .. } => {
            let opts = spec.attachment(node, network).unwrap_or_default();
            let ctx = format!("network connect {network_name:?} {container:?}");
            let id = match (by_name(container), known_network(cx, host, network, network_name)) {
                (Some(c), Some((net, facts))) => {
                    // Read now: whether it is connected already is the one thing the daemon
                    // does not check for a stopped container.
                    let (_, now) = client.container_facts(&c.id).await.map_err(|e| e.context(&ctx))?;
                    client.connect_checked(&net, facts, &now, &opts).await.map_err(|e| e.context(&ctx))?;
                    c.id.clone()
                }
                // Not known to the apply (cannot happen for a planned connect; kept safe): the
                // guarded connect looks both up.
                (c, _) => {
                    let id = c.map_or_else(|| container.clone(), |c| c.id.clone());
                    client.network_connect(network_name, &id, &opts).await?;
                    id
                }
            };
            undo.push(Undo::Disconnect { network: network_name.clone(), container: id });
        }
        Op::Disconnect { network, container, network_name, .. } => {
            let c = by_name(container).ok_or_else(|| Error::not_found(format!("container {container:?} is gone")))?;
            let prior = c.attachments.get(network_name).map(reconnect_options).unwrap_or_default();
            match known_network(cx, host, network, network_name) {
                Some((net, _)) => {
                    let ctx = format!("network disconnect {network_name:?} {container:?}");
                    let (_, now) = client.container_facts(&c.id).await.map_err(|e| e.context(&ctx))?;
                    client.disconnect_checked(&net, &now, false).await.map_err(|e| e.context(&ctx))?;
                }
                None => client.network_disconnect(network_name, &c.id, &DisconnectOptions::default()).await?,
            }
            undo.push(Undo::Connect { network: network_name.clone(), container: c.id.clone(), opts: Box::new(prior) });
        }
        Op::SetRoute { node, via, destination, link, .. } => {
            let target = spec.node_name(node);
            let gw = address_on(client, &spec.node_name(via), &spec.network_name(link)).await?;
            let table = run_in(client, &target, &routes::show_command()).await?;
            let prior =
                routes::parse_routes(&table).into_iter().find(|r| &r.destination == destination).map(|r| r.gateway);
            run_in(client, &target, &routes::replace_command(destination, &gw)).await?;
            undo.push(Undo::Route { container: target, destination: destination.clone(), prior });
        }
        Op::Impair { node, network, container, network_name, current, .. } => {
            // By name: a recreated node's new container has it (the old one was renamed aside).
            let want = spec.link(node, network).unwrap_or_default();
            let prior = current.as_ref().map(|m| {
                let v = Value::Object(m.iter().map(|(k, v)| (k.clone(), json!(v))).collect());
                crate::impair::Impairment::from_value(v, "current").unwrap_or_default()
            });
            client.impair_apply(container, network_name, &want).await?;
            undo.push(Undo::Impair { container: container.clone(), network: network_name.clone(), prior });
        }
        Op::RemoveRoute { node, destination, gateway } => {
            let target = spec.node_name(node);
            run_in(client, &target, &routes::delete_command(destination)).await?;
            undo.push(Undo::Route {
                container: target,
                destination: destination.clone(),
                prior: Some(gateway.clone()),
            });
        }
        Op::RemoveNode { name, .. } => {
            // By the id observed (gone already is fine); by name only if it was not observed.
            let removed = match by_name(name) {
                Some(c) => client.remove_container(&c.id, true).await.map_err(|e| e.context(format!("container rm {name:?}"))),
                None => client.container_rm(name, &RemoveOptions { force: true }).await,
            };
            match removed {
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                r => r?,
            }
        }
        Op::RemoveNetwork { network, name } => {
            let removed = match obs.networks.iter().find(|n| &n.name == name && &n.key == network) {
                Some(n) => client.remove_network(&n.id).await.map_err(|e| e.context(format!("network rm {name:?}"))),
                None => client.network_rm(name).await,
            };
            match removed {
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                r => r?,
            }
        }
        Op::InitSwarm { manager } => {
            let advertise_addr = cx.spec.hosts.get(manager).and_then(|h| h.advertise_addr.clone());
            let labels = StringMap([(super::hosts::SWARM_LABEL.to_string(), cx.spec.name.clone())].into());
            client.swarm_init(&InitOptions { advertise_addr, labels, ..Default::default() }).await?;
            undo.push(Undo::LeaveSwarm);
        }
        Op::JoinSwarm { manager } => {
            let m = cx.client(Some(manager));
            let swarm: crate::daemon::SwarmFacts =
                m.swarm_inspect().await.and_then(|d| d.fields()).map_err(|e| e.context(format!("host {manager}")))?;
            let token = swarm.join_tokens.worker;
            let addr = m.swarm_state().await.map_err(|e| e.context(format!("host {manager}")))?.node_addr;
            let advertise_addr = host.and_then(|h| cx.spec.hosts.get(h)).and_then(|h| h.advertise_addr.clone());
            let remote = if addr.contains(':') && !addr.starts_with('[') { addr } else { format!("{addr}:2377") };
            client
                .swarm_join(&JoinOptions {
                    remote_addrs: StringList(vec![remote]),
                    join_token: token,
                    advertise_addr,
                    ..Default::default()
                })
                .await?;
            undo.push(Undo::LeaveSwarm);
        }
        Op::CopyImage { image, from } => {
            client.image_copy_from(cx.client(Some(from)), image).await?;
        }
        Op::PullImage { image } => client.image_pull(image).await?,
    }
    Ok(())
}

async fn undo_one(client: &Client, u: &Undo) -> Result<()> {
    match u {
        Undo::RemoveNetwork { id, .. } => client.network_rm(id).await,
        Undo::CreateNetwork { name, opts } => client.network_create(name, opts).await.map(|_| ()),
        Undo::RemoveContainer { id, .. } => client.container_rm(id, &RemoveOptions { force: true }).await,
        Undo::Disconnect { network, container } => {
            client.network_disconnect(network, container, &DisconnectOptions::default()).await
        }
        Undo::Connect { network, container, opts } => client.network_connect(network, container, opts).await,
        Undo::Start { id, .. } => client.container_start(id).await,
        Undo::Rename { id, to } => client.container_rename(id, to).await,
        Undo::Impair { container, network, prior } => {
            client.impair_apply(container, network, &prior.clone().unwrap_or_default()).await
        }
        Undo::Route { container, destination, prior } => {
            let cmd = match prior {
                Some(gw) => routes::replace_command(destination, gw),
                None => routes::delete_command(destination),
            };
            run_in(client, container, &cmd).await.map(|_| ())
        }
        Undo::LeaveSwarm => client.swarm_leave(&LeaveOptions { force: true }).await,
    }
}

fn report<P: Fn(&Progress)>(
    progress: &P,
    topology: &str,
    event: ProgressEvent,
    action: usize,
    total: usize,
    done: usize,
    description: String,
) {
    progress(&Progress { topology: topology.to_string(), event, action, total, done, description });
}

/// Why a phase stopped scheduling steps early.
enum Stop {
    /// A step failed: its id and error.
    Failed(usize, Error),
    /// An interrupt: its cause (`Ctrl-C`).
    Interrupted(String),
}

/// What a phase did: why it stopped early (if it did), the undo records and the containers set
/// aside by its steps, and, when a second interrupt dropped the steps in flight, what they were.
struct Phase {
    stop: Option<Stop>,
    undo: Vec<Entry>,
    retired: Vec<Retired>,
    abandoned: Option<Vec<String>>,
}

/// Runs the actions at `indices` (of the plan) as their dependencies allow, `concurrency` at a
/// time on each daemon (a lab across 20 hosts gets 20 times the parallelism of one: each daemon
/// is its own bottleneck; bench/README, scenario 6). On the first failure or interrupt no new step starts; the ones in flight finish,
/// unless a second interrupt comes: then they are dropped and the phase ends at once.
async fn run_phase<P: Fn(&Progress)>(
    cx: &Cx<'_>,
    indices: &[usize],
    concurrency: usize,
    done: &mut usize,
    progress: &P,
    ints: &mut Interrupts<'_>,
) -> Phase {
    let actions = &cx.plan.actions;
    let total = actions.len();
    let topo = &cx.plan.topology;
    let in_phase: HashSet<usize> = indices.iter().map(|&i| actions[i].id).collect();
    let mut pending: Vec<usize> = indices.to_vec();
    let mut finished: HashSet<usize> = HashSet::new();
    let mut in_flight: Vec<usize> = Vec::new();
    // Steps in flight per host (`None`: a topology on one daemon).
    let mut busy: HashMap<Option<&str>, usize> = HashMap::new();
    let mut running = FuturesUnordered::new();
    let mut phase = Phase { stop: None, undo: Vec::new(), retired: Vec::new(), abandoned: None };
    let interrupted = |cause: &str, done: usize, in_flight: usize, phase: &Phase| {
        let then = match &phase.stop {
            Some(Stop::Failed(..)) => "a step failed: rolling back".to_string(),
            _ if is_removal_phase(cx, indices) => "no new removals; nothing will be undone".to_string(),
            _ => format!("no new steps; {in_flight} in flight will finish, then what this apply did is rolled back"),
        };
        let text = format!("interrupted ({cause}): {then} (interrupt again to stop at once)");
        report(progress, topo, ProgressEvent::Interrupted, 0, total, done, text);
    };
    loop {
        if phase.stop.is_none() && !pending.is_empty() && ints.take() {
            interrupted(&ints.cause(), *done, in_flight.len(), &phase);
            phase.stop = Some(Stop::Interrupted(ints.cause()));
        }
        if phase.stop.is_none() {
            let mut i = 0;
            while i < pending.len() {
                let a = &actions[pending[i]];
                let load = busy.entry(a.host.as_deref()).or_default();
                if *load < concurrency && a.after.iter().all(|d| finished.contains(d) || !in_phase.contains(d)) {
                    *load += 1;
                    pending.remove(i);
                    report(progress, topo, ProgressEvent::Started, a.id, total, *done, describe(a));
                    in_flight.push(a.id);
                    running.push(async move { (a, step(cx, a).await) });
                } else {
                    i += 1;
                }
            }
        }
        if running.is_empty() {
            break;
        }
        let next = tokio::select! {
            biased;
            r = running.next() => r,
            () = ints.next() => None,
        };
        let Some((a, out)) = next else {
            // An interrupt: the first stops scheduling, the second drops the steps in flight.
            if ints.heard >= 2 {
                report(
                    progress,
                    topo,
                    ProgressEvent::Interrupted,
                    0,
                    total,
                    *done,
                    format!("interrupted again ({}): stopping at once", ints.cause()),
                );
                phase.abandoned = Some(
                    in_flight
                        .iter()
                        .filter_map(|id| actions.iter().find(|a| a.id == *id))
                        .map(describe)
                        .collect(),
                );
                return phase;
            }
            interrupted(&ints.cause(), *done, in_flight.len(), &phase);
            if phase.stop.is_none() {
                phase.stop = Some(Stop::Interrupted(ints.cause()));
            }
            continue;
        };
        in_flight.retain(|id| *id != a.id);
        if let Some(load) = busy.get_mut(&a.host.as_deref()) {
            *load = load.saturating_sub(1);
        }
        phase.undo.extend(out.undo);
        phase.retired.extend(out.retired);
        match out.result {
            Ok(()) => {
                finished.insert(a.id);
                *done += 1;
                report(progress, topo, ProgressEvent::Finished, a.id, total, *done, describe(a));
                let notes = std::mem::take(&mut cx.subnets.lock().expect("subnet journal").unreported);
                for n in notes {
                    report(progress, topo, ProgressEvent::Note, a.id, total, *done, n);
                }
            }
            Err(e) => {
                report(
                    progress,
                    topo,
                    ProgressEvent::Failed,
                    a.id,
                    total,
                    *done,
                    format!("{}: {}", describe(a), e.message()),
                );
                if phase.stop.is_none() {
                    phase.stop = Some(Stop::Failed(a.id, e));
                }
            }
        }
    }
    if phase.stop.is_none() {
        if let Some(&i) = pending.first() {
            let a = &actions[i];
            phase.stop = Some(Stop::Failed(
                a.id,
                Error::new(ErrorKind::Api, format!("waits for actions {:?}, which never ran (a plan bug)", a.after)),
            ));
        }
    }
    phase
}

/// True when `indices` are the removals (the phase whose steps are never undone).
fn is_removal_phase(cx: &Cx<'_>, indices: &[usize]) -> bool {
    indices.first().is_some_and(|&i| cx.plan.actions[i].op.is_removal())
}

/// What a rollback did: what could not be undone and, when a second interrupt stopped it, the
/// undo records never carried out (in the order they were made).
struct Rollback<'u> {
    failures: Vec<String>,
    stopped: Option<&'u [Entry]>,
}

/// Undoes the journal in reverse order; returns what could not be undone. A first interrupt
/// heard meanwhile changes nothing (this is what it asks for); a second stops the rollback.
async fn roll_back<'u, P: Fn(&Progress)>(
    hosts: &Hosts<'_>,
    topo: &str,
    undo: &'u [Entry],
    progress: &P,
    ints: &mut Interrupts<'_>,
) -> Rollback<'u> {
    let mut failures = Vec::new();
    let total = undo.len();
    let first = |cause: &str| {
        let text = format!("interrupted ({cause}): rolling back already (interrupt again to stop at once)");
        report(progress, topo, ProgressEvent::Interrupted, 0, total, 0, text);
    };
    for (i, (host, u)) in undo.iter().rev().enumerate() {
        let client = hosts.of(host.as_deref());
        report(progress, topo, ProgressEvent::Undoing, i + 1, total, i, on(host, u.describe()));
        let Some(r) = ints.unless_stopped(undo_one(client, u), first).await else {
            let text = format!("interrupted again ({}): stopping the rollback at once", ints.cause());
            report(progress, topo, ProgressEvent::Interrupted, i + 1, total, i, text);
            return Rollback { failures, stopped: Some(&undo[..total - i]) };
        };
        match r {
            Ok(()) => report(progress, topo, ProgressEvent::Undone, i + 1, total, i + 1, on(host, u.describe())),
            Err(e) => {
                report(
                    progress,
                    topo,
                    ProgressEvent::UndoFailed,
                    i + 1,
                    total,
                    i + 1,
                    format!("{}: {}", on(host, u.describe()), e.message()),
                );
                failures.push(format!("{}: {}", on(host, u.describe()), e.message()));
            }
        }
    }
    Rollback { failures, stopped: None }
}

/// Removes what carries the topology's label but was not there when the plan was made: what a
/// step created although it reported a failure (a request that timed out on the client while
/// the daemon went on with it), which the journal could not know of. Containers first.
async fn sweep_new(hosts: &Hosts<'_>, plan: &Plan) -> Vec<String> {
    if plan.layout.is_none() {
        return sweep_new_on(hosts.of(None), plan).await;
    }
    let mut failures = Vec::new();
    for (h, client) in hosts.iter() {
        failures.extend(sweep_new_on(client, plan).await.into_iter().map(|f| format!("[{h}] {f}")));
    }
    failures
}

/// [`sweep_new`] on one daemon.
async fn sweep_new_on(client: &Client, plan: &Plan) -> Vec<String> {
    let mut failures = Vec::new();
    let filters = std::collections::BTreeMap::from([(
        "label".to_string(),
        StringList(vec![format!("{}={}", super::spec::LABEL, plan.topology)]),
    )]);
    let known_ctrs: HashSet<&str> = plan.observed.containers.iter().map(|c| c.id.as_str()).collect();
    let known_nets: HashSet<&str> = plan.observed.networks.iter().map(|n| n.id.as_str()).collect();
    let id = |d: &Document| d.str_field("Id");
    match client.container_ls(&crate::container::ListOptions { all: true, filters: filters.clone() }).await {
        Ok(docs) => {
            for d in docs.iter().filter(|d| !known_ctrs.contains(id(d).as_str())) {
                if let Err(e) = client.container_rm(&id(d), &RemoveOptions { force: true }).await {
                    failures.push(format!("remove container {}: {}", short_name(&id(d)), e.message()));
                }
            }
        }
        Err(e) => failures.push(format!("list the topology's containers: {}", e.message())),
    }
    match client.network_ls(&crate::network::ListOptions { filters }).await {
        Ok(docs) => {
            for d in docs.iter().filter(|d| !known_nets.contains(id(d).as_str())) {
                if let Err(e) = client.network_rm(&id(d)).await {
                    failures.push(format!("remove network {}: {}", short_name(&id(d)), e.message()));
                }
            }
        }
        Err(e) => failures.push(format!("list the topology's networks: {}", e.message())),
    }
    failures
}

/// How long after the last start apply looks at the containers it started: long enough for a
/// command that ends at once to have ended, short beside a lab's build.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(300);

/// The first node this apply started whose container is no longer running (its action id and
/// an error with the hint), from one list per host.
async fn exited_at_once(cx: &Cx<'_>, undo: &[Entry]) -> Option<(usize, Error)> {
    let started: Vec<(&Option<String>, &str, &str)> = undo
        .iter()
        .filter_map(|(h, u)| match u {
            Undo::RemoveContainer { id, name } => Some((h, id.as_str(), name.as_str())),
            _ => None,
        })
        .collect();
    if started.is_empty() {
        return None;
    }
    tokio::time::sleep(SETTLE).await;
    let filters = std::collections::BTreeMap::from([(
        "label".to_string(),
        StringList(vec![format!("{}={}", super::spec::LABEL, cx.plan.topology)]),
    )]);
    let mut hosts: Vec<&Option<String>> = started.iter().map(|(h, _, _)| *h).collect();
    hosts.dedup();
    let mut exited = Vec::new();
    for h in hosts {
        let Ok(docs) = cx
            .client(h.as_deref())
            .container_ls(&crate::container::ListOptions { all: true, filters: filters.clone() })
            .await
        else {
            continue;
        };
        for d in &docs {
            let id = d.str_field("Id");
            if let Some((_, _, name)) = started.iter().find(|(sh, sid, _)| *sh == h && *sid == id) {
                if d.str_field("State") != "running" {
                    exited.push((h.clone(), name.to_string(), d.str_field("Status")));
                }
            }
        }
    }
    let (host, name, status) = exited.first()?;
    let action = cx.plan.actions.iter().find(|a| {
        &a.host == host
            && matches!(&a.op, Op::RunNode { name: n, .. } | Op::RecreateNode { name: n, .. } if n == name)
    })?;
    let node = match &action.op {
        Op::RunNode { node, .. } | Op::RecreateNode { node, .. } => node.clone(),
        _ => return None,
    };
    let others = if exited.len() > 1 { format!(" (and {} more)", exited.len() - 1) } else { String::new() };
    let e = Error::invalid(format!(
        "node {node} ({name}) stopped right after start ({status}){others}: give it a long-running command, e.g. \
         command: [sleep, infinity] (a shell with no terminal, busybox's default, ends at once)"
    ));
    Some((action.id, e))
}

/// At most three failures in full, then how many more.
fn summarize(failures: &[String]) -> String {
    list(failures, 3, "; ")
}

/// At most `max` items joined by `sep`, then how many more.
fn list(items: &[String], max: usize, sep: &str) -> String {
    let mut s = items.iter().take(max).cloned().collect::<Vec<_>>().join(sep);
    if items.len() > max {
        s.push_str(&format!("{sep}and {} more", items.len() - max));
    }
    s
}

/// `n thing` or `n things`.
fn count(n: usize, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}

/// The error of an apply a second interrupt stopped at once: what is left on the daemon (the
/// undo records never carried out, in the order they were made; listed newest first, as the
/// rollback would have gone) and the steps whose requests were dropped in flight (they may or may
/// not have been carried out).
/// `stopped` says what stopped (`stopped the rollback at once`).
fn stopped_at_once(topo: &str, cause: &str, stopped: &str, left: &[Entry], in_flight: &[String]) -> Error {
    let mut m = format!("apply {topo:?}: interrupted again ({cause}): {stopped}");
    if left.is_empty() && in_flight.is_empty() {
        m.push_str("; nothing of this apply is left");
        return Error::new(ErrorKind::Interrupted, m);
    }
    let left: Vec<String> = left.iter().rev().map(|(h, u)| on(h, u.left())).collect();
    if !left.is_empty() {
        m.push_str(&format!("; left on the daemon: {}", list(&left, 10, ", ")));
    }
    if !in_flight.is_empty() {
        m.push_str(&format!("; dropped in flight (may or may not have been done): {}", list(in_flight, 10, ", ")));
    }
    m.push_str(&format!(
        "; everything this apply made carries the label {}={topo}: destroy the topology (dockernet down) to \
         remove it, or apply again",
        super::spec::LABEL
    ));
    Error::new(ErrorKind::Interrupted, m)
}

/// Carries out `plan` (made for `spec`): see the file notes.
pub(crate) async fn execute<P: Fn(&Progress)>(
    hosts: &Hosts<'_>,
    spec: &Spec,
    plan: Plan,
    opts: &ApplyOptions,
    progress: &P,
) -> Result<ApplyReport> {
    let start = Instant::now();
    let topo = spec.name.clone();
    if plan.topology != topo {
        return Err(Error::invalid(format!("apply {topo:?}: the plan was made for topology {:?}", plan.topology)));
    }
    let concurrency = opts.concurrency.max(1);
    let cx = Cx { hosts, spec, plan: &plan, subnets: Default::default(), made: Default::default() };
    let total = plan.actions.len();
    let (build, removals): (Vec<usize>, Vec<usize>) = (0..total).partition(|&i| !plan.actions[i].op.is_removal());
    let mut done = 0;
    let mut ints = Interrupts { source: opts.interrupt.as_ref(), heard: 0 };

    let mut phase = run_phase(&cx, &build, concurrency, &mut done, progress, &mut ints).await;
    if let Some(in_flight) = &phase.abandoned {
        let stopped = "stopped at once, before the rollback";
        return Err(stopped_at_once(&topo, &ints.cause(), stopped, &phase.undo, in_flight));
    }
    if phase.stop.is_none() {
        // A node whose command ends at once (busybox's default `sh` without a terminal) would
        // leave an applied lab that never re-plans empty: it fails the apply instead.
        if let Some((id, e)) = exited_at_once(&cx, &phase.undo).await {
            phase.stop = Some(Stop::Failed(id, e));
        }
    }
    if let Some(stop) = phase.stop {
        let changes = phase.undo.len();
        let rollback = roll_back(hosts, &topo, &phase.undo, progress, &mut ints).await;
        if let Some(left) = rollback.stopped {
            // The last record left was being undone: its request was dropped in flight.
            let (in_flight, left) =
                left.split_last().map_or((vec![], left), |((h, u), rest)| (vec![on(h, u.describe())], rest));
            return Err(stopped_at_once(&topo, &ints.cause(), "stopped the rollback at once", left, &in_flight));
        }
        let mut failures = rollback.failures;
        // A request that timed out may still have been carried out: sweep what the journal missed.
        match ints.unless_stopped(sweep_new(hosts, &plan), |_| {}).await {
            Some(f) => failures.extend(f),
            None => {
                let e = stopped_at_once(&topo, &ints.cause(), "stopped the final sweep at once", &[], &[]);
                return Err(e.note(format!(
                    "the rollback was done, but objects a timed-out request made may be left (labelled {}={topo})",
                    super::spec::LABEL
                )));
            }
        }
        let (e, done_note) = match stop {
            Stop::Failed(id, e) => {
                let what = plan.actions.iter().find(|a| a.id == id).map(describe).unwrap_or_default();
                let e = e.context(format!("apply {topo:?}: step {id}/{total} ({what}) failed"));
                let note = format!(
                    "rolled back: {} undone, the topology is as it was before this apply",
                    count(changes, "change")
                );
                (e, note)
            }
            Stop::Interrupted(cause) => {
                let e = Error::new(
                    ErrorKind::Interrupted,
                    format!("apply {topo:?}: interrupted ({cause}) after {done} of {}", count(total, "step")),
                );
                let note = if changes == 0 {
                    "nothing was changed".to_string()
                } else {
                    format!("rolled back {}; nothing of this apply is left", count(changes, "change"))
                };
                (e, note)
            }
        };
        return Err(if failures.is_empty() {
            e.note(done_note)
        } else {
            e.note(format!(
                "the rollback could not undo everything ({}: {}); what is left carries the topology's label: fix the \
                 cause and apply again, or destroy",
                count(failures.len(), "problem"),
                summarize(&failures)
            ))
        });
    }
    let retired = phase.retired;

    // Everything is in place: now the removals, which cannot be undone exactly.
    let phase = run_phase(&cx, &removals, concurrency, &mut done, progress, &mut ints).await;
    if let Some(in_flight) = &phase.abandoned {
        return Err(Error::new(
            ErrorKind::Interrupted,
            format!(
                "apply {topo:?}: interrupted again ({}): every change was made, but the removals stopped at once \
                 (dropped in flight, may or may not have been done: {}); apply again to finish",
                ints.cause(),
                list(in_flight, 10, ", ")
            ),
        ));
    }
    let mut leftovers = Vec::new();
    if ints.heard == 0 {
        for (host, id, name) in &retired {
            if let Err(e) = hosts.of(host.as_deref()).container_rm(id, &RemoveOptions { force: true }).await {
                if e.kind() != ErrorKind::NotFound {
                    leftovers.push(format!("replaced container {name}: {}", e.message()));
                }
            }
        }
    }
    match phase.stop {
        Some(Stop::Failed(id, e)) => {
            let what = plan.actions.iter().find(|a| a.id == id).map(describe).unwrap_or_default();
            return Err(e
                .context(format!("apply {topo:?}: every change was made, but step {id}/{total} ({what}) failed"))
                .note("nothing was undone; apply again to finish the removals"));
        }
        Some(Stop::Interrupted(cause)) => {
            return Err(Error::new(
                ErrorKind::Interrupted,
                format!(
                    "apply {topo:?}: interrupted ({cause}) during the removals: every change was made and nothing \
                     was undone, but {} not done; apply again to finish",
                    count(total - done, "removal")
                ),
            ));
        }
        None => {}
    }
    if !leftovers.is_empty() {
        return Err(Error::new(
            ErrorKind::Api,
            format!(
                "apply {topo:?}: every change was made, but removing what was replaced failed: {}; apply again to \
                 finish",
                summarize(&leftovers)
            ),
        ));
    }
    let elapsed_ms = start.elapsed().as_millis() as u64;
    let refused = cx.subnets.into_inner().unwrap_or_default();
    let mut plan = plan;
    for (key, net) in refused.replaced {
        plan.subnets.insert(key.clone(), vec![net.to_string()]);
        plan.nets.insert(key, vec![net]);
    }
    Ok(ApplyReport { topology: topo, plan, elapsed_ms, notes: refused.notes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::diff::tests::spec;

    /// What a second interrupt leaves is listed as objects, newest first, with the steps dropped
    /// in flight and where the labels point; an apply stopped before it changed anything says so.
    #[test]
    fn what_an_apply_stopped_at_once_leaves() {
        let made = vec![
            Undo::RemoveNetwork { id: "n1".into(), name: "lab-a".into() },
            Undo::RemoveContainer { id: "c1".into(), name: "lab-web".into() },
            Undo::Disconnect { network: "lab-b".into(), container: "f".repeat(64) },
            Undo::Start { id: "c2".into(), name: "lab-db".into() },
        ];
        let made: Vec<Entry> = made.into_iter().map(|u| (None, u)).collect();
        let in_flight = ["remove container lab-x".to_string()];
        let e = stopped_at_once("lab", "Ctrl-C", "stopped the rollback at once", &made, &in_flight);
        assert_eq!(e.kind(), ErrorKind::Interrupted);
        assert_eq!(
            e.message(),
            "apply \"lab\": interrupted again (Ctrl-C): stopped the rollback at once; left on the daemon: container \
             lab-db stopped, ffffffffffff connected to lab-b, container lab-web, network lab-a; dropped in flight (may \
             or may not have been done): remove container lab-x; everything this apply made carries the label \
             dockernet.topology=lab: destroy the topology (dockernet down) to remove it, or apply again"
        );
        let e = stopped_at_once("lab", "SIGTERM", "stopped at once, before the rollback", &[], &[]);
        assert_eq!(
            e.message(),
            "apply \"lab\": interrupted again (SIGTERM): stopped at once, before the rollback; nothing of this apply is left"
        );
        let many: Vec<String> = (0..12).map(|i| format!("s{i}")).collect();
        assert_eq!(list(&many, 10, ", "), "s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, and 2 more");
        assert_eq!((count(1, "change"), count(3, "change")), ("1 change".to_string(), "3 changes".to_string()));
    }

    /// A node becomes `container run` options: owned labels with its configuration, its
    /// attachments (with its own name as an alias), NET_ADMIN for routes, ip_forward for routers.
    #[test]
    fn run_options_carry_ownership() {
        let s = spec(
            "name: lab\nlabels: {team: x}\nnetworks: {a: {}, b: {}}\nnodes:\n  \
             c: {image: img, networks: {a: {aliases: [cc]}}, routes: [{to: b, via: r}]}\n  \
             r: {image: img, networks: [a, b]}\n",
        );
        let c = run_options(&s, "c");
        assert_eq!(c.name.as_deref(), Some("lab-c"));
        assert_eq!(c.labels.0["dockernet.topology"], "lab");
        assert_eq!(c.labels.0["dockernet.topology.node"], "c");
        assert_eq!(c.labels.0["team"], "x");
        let config: Value = serde_json::from_str(&c.labels.0["dockernet.topology.config"]).unwrap();
        assert_eq!(config, s.node_config("c"));
        assert_eq!(c.cap_add.0, ["NET_ADMIN"]);
        assert_eq!(c.hostname.as_deref(), Some("c"));
        assert_eq!(c.networks, None, "attachments go typed, not as options");
        let att = node_attachments(&s, "c");
        assert_eq!(att[0].network, "lab-a");
        assert_eq!(att[0].opts.aliases.0, ["cc", "c"]);
        let r = run_options(&s, "r");
        assert_eq!(r.sysctls.0["net.ipv4.ip_forward"], "1");
        assert!(r.cap_add.is_empty());
        let n = network_options(&s, "a", &["10.210.0.0/24".parse().unwrap()]);
        assert_eq!(n.subnet.0, ["10.210.0.0/24"]);
        assert_eq!(n.labels.0["dockernet.topology.network"], "a");
    }
}
