//! Apply: carry out a plan as one transaction.
//!
//! - **Concurrent, bounded.** Actions whose `after` list is done run together, at most
//!   [`ApplyOptions::concurrency`] at a time (default 8), on the caller's runtime: a 50-node lab
//!   does not wait for 50 daemon round trips in a row.
//! - **Journaled.** Every step records how to undo what it did (a network created → remove it, a
//!   container disconnected → connect it again with the same address and aliases, a container
//!   replaced → put the original back under its name and start it). When a step fails, the steps
//!   in flight finish, then the journal is undone in reverse order and the error names the step
//!   that failed, with the underlying error's kind and status kept. Last, anything carrying the
//!   topology's label that was not there before the apply is removed: a request that timed out
//!   on our side may still have been carried out by the daemon, unknown to the journal.
//! - **Removals last.** Removing a container or a network cannot be undone exactly, so those
//!   steps (and the removal of replaced containers) run only after every other step succeeded.
//!   If one of them fails, nothing is undone (the declaration is already in place) and running
//!   apply again finishes the job.
//! - **Owned.** Everything created carries `dockernet.topology=<name>` and a label naming the
//!   declared element, plus the configuration it was made from (see plan.rs).
//!
//! What does not live here: deciding what to do (plan.rs), and destroy (destroy.rs).

use std::collections::HashSet;
use std::fmt;
use std::time::Instant;

use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::plan::{Action, Op, Plan};
use super::routes;
use super::spec::{Spec, LABEL_CONFIG, LABEL_NETWORK, LABEL_NODE};
use super::state::{create_options_from_doc, reconnect_options};
use crate::client::Client;
use crate::document::Document;
use crate::container::{Command, ExecOptions, RemoveOptions, RunOptions, StopOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::network::{ConnectOptions, CreateOptions, DisconnectOptions};
use crate::options::{StringList, StringMap};

/// How many steps apply runs at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Options of `apply` (and `destroy`), as the bindings read them (`{concurrency = 4}`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApplyOptions {
    /// Most steps in flight at once (at least 1; default 8).
    pub concurrency: usize,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions { concurrency: DEFAULT_CONCURRENCY }
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
        )
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
}

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
        }
    }
}

fn short_name(s: &str) -> &str {
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        crate::network::short(s)
    } else {
        s
    }
}

/// What one step did: its result, the undo records of what it changed (even when it failed
/// half-way), and the containers it set aside (removed once the apply succeeded).
struct Outcome {
    result: Result<()>,
    undo: Vec<Undo>,
    retired: Vec<(String, String)>,
}

struct Cx<'a> {
    client: &'a Client,
    spec: &'a Spec,
    plan: &'a Plan,
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

/// The connect options of an attachment as a JSON table (the form `container run` takes).
fn attachment_value(network: &str, o: &ConnectOptions) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(network));
    if !o.aliases.is_empty() {
        m.insert("aliases".into(), json!(o.aliases.0));
    }
    if let Some(v) = &o.ipv4 {
        m.insert("ipv4".into(), json!(v));
    }
    if let Some(v) = &o.ipv6 {
        m.insert("ipv6".into(), json!(v));
    }
    if !o.links.is_empty() {
        m.insert("links".into(), json!(o.links.0));
    }
    if !o.link_local_ips.is_empty() {
        m.insert("link_local_ips".into(), json!(o.link_local_ips.0));
    }
    if !o.driver_opts.is_empty() {
        m.insert("driver_opts".into(), json!(o.driver_opts.0));
    }
    if let Some(p) = o.gw_priority {
        m.insert("gw_priority".into(), json!(p));
    }
    if let Some(mac) = &o.mac_address {
        m.insert("mac_address".into(), json!(mac));
    }
    Value::Object(m)
}

/// The options `container run` gets for declared node `key`.
pub(crate) fn run_options(spec: &Spec, key: &str) -> RunOptions {
    let n = spec.nodes.get(key).cloned().unwrap_or_default();
    let mut labels = spec.owner_labels();
    labels.extend(n.labels.0.clone());
    labels.insert(LABEL_NODE.to_string(), key.to_string());
    labels.insert(LABEL_CONFIG.to_string(), spec.node_config(key).to_string());
    let networks: Vec<Value> = n
        .networks
        .names()
        .map(|net| attachment_value(&spec.network_name(net), &spec.attachment(key, net).unwrap_or_default()))
        .collect();
    RunOptions {
        image: spec.node_image(&n),
        name: Some(spec.node_name(key)),
        command: n.command.clone(),
        entrypoint: n.entrypoint.clone(),
        env: n.env.clone(),
        labels: StringMap(labels),
        hostname: Some(n.hostname.clone().unwrap_or_else(|| key.to_string())),
        cap_add: StringList(spec.effective_cap_add(&n)),
        cap_drop: n.cap_drop.clone(),
        sysctls: StringMap(spec.effective_sysctls(key, &n)),
        ports: n.ports.clone(),
        network: None,
        networks: Some(Value::Array(networks)),
        privileged: n.privileged,
        user: n.user.clone(),
        workdir: n.workdir.clone(),
        auto_remove: false,
    }
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
    let doc = client.container_inspect(container).await?.to_value();
    doc.pointer("/NetworkSettings/Networks")
        .and_then(|m| m.get(network))
        .and_then(|ep| ep.get("IPAddress"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| Error::not_found(format!("container {container:?} has no IPv4 address on network {network:?}")))
}

async fn step(cx: &Cx<'_>, a: &Action) -> Outcome {
    let mut undo = Vec::new();
    let mut retired = Vec::new();
    let result = step_inner(cx, a, &mut undo, &mut retired).await;
    Outcome { result, undo, retired }
}

async fn step_inner(cx: &Cx<'_>, a: &Action, undo: &mut Vec<Undo>, retired: &mut Vec<(String, String)>) -> Result<()> {
    let (client, spec, obs) = (cx.client, cx.spec, &cx.plan.observed);
    let nets = |k: &str| cx.plan.nets.get(k).cloned().unwrap_or_default();
    let by_name = |name: &str| obs.containers.iter().find(|c| c.name == name);
    match &a.op {
        Op::CreateNetwork { network, name, .. } => {
            let r = client.network_create(name, &network_options(spec, network, &nets(network))).await?;
            undo.push(Undo::RemoveNetwork { id: r.id, name: name.clone() });
        }
        Op::RecreateNetwork { network, name, .. } => {
            let old = obs
                .network(network)
                .ok_or_else(|| Error::not_found(format!("network {network} is no longer on the daemon")))?;
            client.network_rm(&old.id).await?;
            undo.push(Undo::CreateNetwork {
                name: old.name.clone(),
                opts: Box::new(create_options_from_doc(&old.doc)),
            });
            let r = client.network_create(name, &network_options(spec, network, &nets(network))).await?;
            undo.push(Undo::RemoveNetwork { id: r.id, name: name.clone() });
        }
        Op::RunNode { node, name, .. } => {
            let r = client.container_run(&run_options(spec, node)).await?;
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
            let aside = format!("{}-replaced-{}", old.name, crate::network::short(&old.id));
            client.container_rename(&old.id, &aside).await?;
            undo.push(Undo::Rename { id: old.id.clone(), to: old.name.clone() });
            retired.push((old.id.clone(), aside));
            let r = client.container_run(&run_options(spec, node)).await?;
            undo.push(Undo::RemoveContainer { id: r.id, name: name.clone() });
        }
        Op::Connect { node, network, container, network_name, .. } => {
            let id = by_name(container).map(|c| c.id.clone()).unwrap_or_else(|| container.clone());
            let opts = spec.attachment(node, network).unwrap_or_default();
            client.network_connect(network_name, &id, &opts).await?;
            undo.push(Undo::Disconnect { network: network_name.clone(), container: id });
        }
        Op::Disconnect { container, network_name, .. } => {
            let c = by_name(container).ok_or_else(|| Error::not_found(format!("container {container:?} is gone")))?;
            let prior = c.attachments.get(network_name).map(reconnect_options).unwrap_or_default();
            client.network_disconnect(network_name, &c.id, &DisconnectOptions::default()).await?;
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
            let id = by_name(name).map(|c| c.id.clone()).unwrap_or_else(|| name.clone());
            match client.container_rm(&id, &RemoveOptions { force: true }).await {
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                r => r?,
            }
        }
        Op::RemoveNetwork { network, name } => {
            let id = obs.networks.iter().find(|n| &n.name == name && &n.key == network).map(|n| n.id.clone());
            match client.network_rm(id.as_deref().unwrap_or(name)).await {
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                r => r?,
            }
        }
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
        Undo::Route { container, destination, prior } => {
            let cmd = match prior {
                Some(gw) => routes::replace_command(destination, gw),
                None => routes::delete_command(destination),
            };
            run_in(client, container, &cmd).await.map(|_| ())
        }
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

type PhaseResult = (std::result::Result<(), (usize, Error)>, Vec<Undo>, Vec<(String, String)>);

/// Runs the actions at `indices` (of the plan) as their dependencies allow, `concurrency` at a
/// time. On the first failure no new step starts; the ones in flight finish.
async fn run_phase<P: Fn(&Progress)>(
    cx: &Cx<'_>,
    indices: &[usize],
    concurrency: usize,
    done: &mut usize,
    progress: &P,
) -> PhaseResult {
    let actions = &cx.plan.actions;
    let total = actions.len();
    let topo = &cx.plan.topology;
    let in_phase: HashSet<usize> = indices.iter().map(|&i| actions[i].id).collect();
    let mut pending: Vec<usize> = indices.to_vec();
    let mut finished: HashSet<usize> = HashSet::new();
    let mut running = FuturesUnordered::new();
    let mut undo = Vec::new();
    let mut retired = Vec::new();
    let mut failure: Option<(usize, Error)> = None;
    loop {
        if failure.is_none() {
            let mut i = 0;
            while running.len() < concurrency && i < pending.len() {
                let a = &actions[pending[i]];
                if a.after.iter().all(|d| finished.contains(d) || !in_phase.contains(d)) {
                    pending.remove(i);
                    report(progress, topo, ProgressEvent::Started, a.id, total, *done, a.op.describe());
                    running.push(async move { (a, step(cx, a).await) });
                } else {
                    i += 1;
                }
            }
        }
        let Some((a, out)) = running.next().await else { break };
        undo.extend(out.undo);
        retired.extend(out.retired);
        match out.result {
            Ok(()) => {
                finished.insert(a.id);
                *done += 1;
                report(progress, topo, ProgressEvent::Finished, a.id, total, *done, a.op.describe());
            }
            Err(e) => {
                report(
                    progress,
                    topo,
                    ProgressEvent::Failed,
                    a.id,
                    total,
                    *done,
                    format!("{}: {}", a.op.describe(), e.message()),
                );
                if failure.is_none() {
                    failure = Some((a.id, e));
                }
            }
        }
    }
    if failure.is_none() {
        if let Some(&i) = pending.first() {
            let a = &actions[i];
            failure = Some((
                a.id,
                Error::new(ErrorKind::Api, format!("waits for actions {:?}, which never ran (a plan bug)", a.after)),
            ));
        }
    }
    (failure.map_or(Ok(()), Err), undo, retired)
}

/// Undoes the journal in reverse order; returns what could not be undone.
async fn roll_back<P: Fn(&Progress)>(client: &Client, topo: &str, undo: &[Undo], progress: &P) -> Vec<String> {
    let mut failures = Vec::new();
    let total = undo.len();
    for (i, u) in undo.iter().rev().enumerate() {
        report(progress, topo, ProgressEvent::Undoing, i + 1, total, i, u.describe());
        match undo_one(client, u).await {
            Ok(()) => report(progress, topo, ProgressEvent::Undone, i + 1, total, i + 1, u.describe()),
            Err(e) => {
                report(
                    progress,
                    topo,
                    ProgressEvent::UndoFailed,
                    i + 1,
                    total,
                    i + 1,
                    format!("{}: {}", u.describe(), e.message()),
                );
                failures.push(format!("{}: {}", u.describe(), e.message()));
            }
        }
    }
    failures
}

/// Removes what carries the topology's label but was not there when the plan was made: what a
/// step created although it reported a failure (a request that timed out on the client while
/// the daemon went on with it), which the journal could not know of. Containers first.
async fn sweep_new(client: &Client, plan: &Plan) -> Vec<String> {
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

/// At most three failures in full, then how many more.
fn summarize(failures: &[String]) -> String {
    let mut s = failures.iter().take(3).cloned().collect::<Vec<_>>().join("; ");
    if failures.len() > 3 {
        s.push_str(&format!("; and {} more", failures.len() - 3));
    }
    s
}

/// Carries out `plan` (made for `spec`): see the file notes.
pub(crate) async fn execute<P: Fn(&Progress)>(
    client: &Client,
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
    let cx = Cx { client, spec, plan: &plan };
    let total = plan.actions.len();
    let (build, removals): (Vec<usize>, Vec<usize>) = (0..total).partition(|&i| !plan.actions[i].op.is_removal());
    let mut done = 0;

    let (result, undo, retired) = run_phase(&cx, &build, concurrency, &mut done, progress).await;
    if let Err((id, e)) = result {
        let what = plan.actions.iter().find(|a| a.id == id).map(|a| a.op.describe()).unwrap_or_default();
        let changes = undo.len();
        let mut failures = roll_back(client, &topo, &undo, progress).await;
        failures.extend(sweep_new(client, &plan).await);
        let e = e.context(format!("apply {topo:?}: step {id}/{total} ({what}) failed"));
        return Err(if failures.is_empty() {
            e.note(format!(
                "rolled back: {changes} change{} undone, the topology is as it was before this apply",
                if changes == 1 { "" } else { "s" }
            ))
        } else {
            e.note(format!(
                "the rollback could not undo everything ({} problem{}: {}); what is left carries the topology's \
                 label: fix the cause and apply again, or destroy",
                failures.len(),
                if failures.len() == 1 { "" } else { "s" },
                summarize(&failures)
            ))
        });
    }

    // Everything is in place: now the removals, which cannot be undone exactly.
    let (result, _, _) = run_phase(&cx, &removals, concurrency, &mut done, progress).await;
    let mut leftovers = Vec::new();
    for (id, name) in &retired {
        if let Err(e) = client.container_rm(id, &RemoveOptions { force: true }).await {
            if e.kind() != ErrorKind::NotFound {
                leftovers.push(format!("replaced container {name}: {}", e.message()));
            }
        }
    }
    if let Err((id, e)) = result {
        let what = plan.actions.iter().find(|a| a.id == id).map(|a| a.op.describe()).unwrap_or_default();
        return Err(e
            .context(format!("apply {topo:?}: every change was made, but step {id}/{total} ({what}) failed"))
            .note("nothing was undone; apply again to finish the removals"));
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
    Ok(ApplyReport { topology: topo, plan, elapsed_ms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::plan::tests::spec;

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
        let att = c.attachments().unwrap();
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
