//! Topologies: declare a multi-network lab, plan it, apply it safely, verify reachability, draw
//! it, destroy it — the one engine behind Lua's `docker.topology`, Python's `Topology` and the
//! CLI's `dockernet up/down/plan/status/verify/graph`.
//!
//! A tour, one file per concern:
//! - [`spec`]: the model ([`Spec`]) that YAML, JSON, Lua tables and Python dicts deserialize
//!   into; `validate.rs`: its validation (errors name their path, `nodes.web.networks.front.ipv4`).
//! - [`load`]: the limits on topology text — a size cap, a nesting limit checked before the
//!   YAML parser runs, a bound on alias expansion.
//! - [`subnets`]: the planner that gives networks without a subnet one from the pool
//!   (default `10.210.0.0/16` in /24s), away from every daemon network and host route, stably.
//! - [`state`]: what the daemon holds, read once and filtered of the daemon's own additions.
//! - [`plan`]: the diff, as ordered [`Action`]s with reasons and dependencies (Display and JSON).
//! - [`apply`]: the transaction — bounded concurrency, progress callback, undo in reverse order.
//! - [`destroy`]: removal by ownership label only, containers before networks.
//! - [`status`]: each element present, missing, drifted or extra.
//! - [`verify`]: the reachability matrix, expected against pings measured between the
//!   topology's own containers.
//! - [`routes`]: installing routes inside nodes, and the forwarding model verify expects from.
//! - [`graph`]: DOT, Mermaid and SVG.
//! - [`watch`]: drift reported as it happens (status re-read on the daemon's events), and
//!   healed by re-applying.
//! - [`hosts`]: labs across hosts — each node on a declared daemon, networks that span hosts as
//!   Swarm overlays, one plan whose actions name their host, images copied between hosts.
//!
//! ```no_run
//! use dockernet_core::topology::{ApplyOptions, Topology, VerifyOptions};
//! # async fn demo(client: &dockernet_core::Client) -> dockernet_core::Result<()> {
//! let topo = Topology::from_yaml("name: lab\nnetworks: {front: {}}\nnodes:\n  \
//!     web: {image: dockernet-testbox:latest, networks: [front]}\n")?;
//! println!("{}", topo.plan(client).await?);          // what apply would do
//! topo.apply(client, &ApplyOptions::default(), |p| eprintln!("{}/{} {}", p.done, p.total, p.description)).await?;
//! assert!(topo.plan(client).await?.is_empty());        // applied: nothing left to do
//! println!("{}", topo.verify(client, &VerifyOptions::default()).await?);
//! topo.destroy(client).await?;
//! # Ok(()) }
//! ```

pub mod apply;
pub mod destroy;
pub mod diff;
#[cfg(test)]
mod fuzz;
pub mod graph;
pub mod hosts;
pub mod layout;
pub mod load;
pub mod lock;
pub mod plan;
pub mod routes;
pub mod spec;
pub mod state;
pub mod status;
pub mod subnets;
mod validate;
mod svg;
pub mod verify;
pub mod watch;

use std::path::Path;

use serde::Deserializer;
use serde_json::Value;

pub use apply::{ApplyOptions, ApplyReport, Progress, ProgressEvent, DEFAULT_CONCURRENCY};
pub use destroy::DestroyReport;
pub use graph::GraphFormat;
pub use lock::LockOptions;
pub use plan::{Action, Op, Plan};
pub use layout::Layout;
pub use spec::{
    Expect, HostSpec, HostTls, Named, NodeSpec, RouteSpec, Spec, SwarmSpec, DEFAULT_POOL, DEFAULT_SUBNET_SIZE, LABEL,
};
pub use status::{Element, ElementKind, State, Status};
pub use verify::{Cell, Verification, VerifyOptions};
pub use watch::{Change, ChangeKind, WatchOptions, Watcher};

use crate::client::Client;
use crate::error::{Error, Result};

/// A validated topology declaration. Cheap to clone; every operation takes the [`Client`] to
/// act on, so one declaration can be applied to several daemons.
#[derive(Debug, Clone)]
pub struct Topology {
    spec: Spec,
}

impl Topology {
    /// Validates a model built in Rust (or changed after loading: a test renames a lab and gives
    /// it its own pool this way).
    ///
    /// Errors: `invalid`, listing every problem with its path.
    pub fn from_spec(spec: Spec) -> Result<Topology> {
        spec.validate()?;
        Ok(Topology { spec })
    }

    /// Reads a declaration from any serde deserializer: a Lua table (mlua), a Python dict
    /// (pythonize), YAML, JSON. Unknown keys and wrong types are `invalid` errors naming the key
    /// (`topology: option nodes.web.networks.front.ipv5: unknown field …`).
    pub fn from_deserializer<'de, D: Deserializer<'de>>(d: D) -> Result<Topology> {
        let spec: spec::MapOnly<Spec> = crate::options::from_deserializer(d, "topology").map_err(tidy)?;
        let spec = spec.0;
        Topology::from_spec(spec)
    }

    /// Reads YAML text (JSON is YAML too).
    ///
    /// Errors: `invalid` for text over the size cap ([`load::max_topology_bytes`], 16 MiB unless
    /// `DOCKERNET_MAX_TOPOLOGY_BYTES` says otherwise), nested more than 64 levels deep (refused
    /// before parsing: see [`load`]), with aliases that expand to more values than the text has
    /// bytes, or not a valid topology.
    pub fn from_yaml(text: &str) -> Result<Topology> {
        load::check_size("topology text", text, load::max_topology_bytes()?)?;
        let shape = load::check_nesting(text).map_err(|e| e.context("topology"))?;
        if shape.aliases > 0 {
            load::check_expansion(text, text.len() as u64).map_err(|e| e.context("topology"))?;
        }
        Topology::from_deserializer(serde_yaml_ng::Deserializer::from_str(text))
    }

    /// Reads JSON text. Errors: as [`Topology::from_yaml`] (serde_json parses in linear time and
    /// JSON has no aliases, so only the size cap and the depth limit apply).
    pub fn from_json(text: &str) -> Result<Topology> {
        load::check_size("topology text", text, load::max_topology_bytes()?)?;
        let mut d = serde_json::Deserializer::from_str(text);
        Topology::from_deserializer(&mut d)
    }

    /// Reads a JSON value.
    pub fn from_value(value: Value) -> Result<Topology> {
        Topology::from_deserializer(value)
    }

    /// Reads a YAML (or JSON) file, at most the size cap of it ([`load::max_topology_bytes`]):
    /// `/dev/zero` or a FIFO that never ends stops there with an `invalid` error. A missing file
    /// is `not_found`; every other error is prefixed with the file's path.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Topology> {
        let path = path.as_ref();
        let text = load::read_file(path, load::max_topology_bytes()?)?;
        Topology::from_yaml(&text).map_err(|e| e.context(format!("topology file {}", path.display())))
    }

    /// The declaration.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The declaration, to change and validate again with [`Topology::from_spec`].
    pub fn into_spec(self) -> Spec {
        self.spec
    }

    /// The topology's name (the value of its ownership label).
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// What apply would do, as ordered actions (print it, or `to_json()` it). Reads the daemon,
    /// changes nothing.
    ///
    /// Errors: `conflict` when a declared name is held by an object the topology does not own,
    /// when an explicit subnet overlaps another network or a host route, or when the pool has no
    /// room left; daemon errors as they come.
    pub async fn plan(&self, client: &Client) -> Result<Plan> {
        let ctx = || format!("plan {:?}", self.name());
        if self.spans_hosts() {
            let hosts = hosts::Hosts::connect(&self.spec, client).map_err(|e| e.context(ctx()))?;
            return hosts::plan(&self.spec, &hosts, true).await.map(|(p, _)| p).map_err(|e| e.context(ctx()));
        }
        let obs = state::observe(client, &self.spec, true).await.map_err(|e| e.context(ctx()))?;
        let plan = diff::make_plan(&self.spec, obs)?;
        if !self.spec.pull {
            return Ok(plan);
        }
        // `pull: true` on one daemon: pull what it lacks of the images its runs need (asked only
        // then: without `pull`, a missing image is the daemon's own error at run).
        let mut missing = std::collections::BTreeSet::new();
        for a in &plan.actions {
            if let plan::Op::RunNode { node, .. } | plan::Op::RecreateNode { node, .. } = &a.op {
                let img = self.spec.nodes.get(node).map(|n| self.spec.node_image(n)).unwrap_or_default();
                if !missing.contains(&img) && !client.image_exists(&img).await.map_err(|e| e.context(ctx()))? {
                    missing.insert(img);
                }
            }
        }
        Ok(diff::with_pulls(&self.spec, plan, &missing))
    }

    /// True when the declaration names its daemons (`hosts`): a lab across hosts (see
    /// [`hosts`]). `client` is then the daemon of hosts that name no address.
    pub fn spans_hosts(&self) -> bool {
        !self.spec.hosts.is_empty()
    }

    /// The daemons this topology's operations talk to (one, or one per declared host).
    fn hosts<'a>(&self, client: &'a Client) -> Result<hosts::Hosts<'a>> {
        if self.spans_hosts() {
            hosts::Hosts::connect(&self.spec, client)
        } else {
            Ok(hosts::Hosts::single(client))
        }
    }

    /// The daemon that holds the topology's lock: the only one, or the swarm manager (else the
    /// first host) of a lab across hosts.
    fn lock_client<'h>(&self, hosts: &'h hosts::Hosts<'_>) -> &'h Client {
        let first = self.spec.swarm.as_ref().map(|s| s.manager.as_str()).or_else(|| self.spec.hosts.names().next());
        hosts.of(first)
    }

    /// Plans and carries the plan out (see [`apply`]). `progress` hears every step start, finish
    /// or fail, and every undo step of a rollback; pass `|_| {}` to ignore it.
    ///
    /// Errors: the failing step's error (its kind and status kept), its message naming the step
    /// and saying what the rollback did.
    pub async fn apply<P: Fn(&Progress)>(
        &self,
        client: &Client,
        opts: &ApplyOptions,
        progress: P,
    ) -> Result<ApplyReport> {
        // The topology's lock is held from planning to the end (see lock.rs): a plan made while
        // another apply runs would be stale before it starts.
        let hosts = self.hosts(client).map_err(|e| e.context(format!("apply {:?}", self.name())))?;
        let locker = self.lock_client(&hosts);
        let lock = self.lock(locker, "apply", &opts.lock_options(), opts.interrupt.as_ref(), &progress).await?;
        let result = async {
            // Planning only reads, so an interrupt stops it at once (the lock is then given back
            // below). Heard here rather than left pending for the apply's first step: the
            // `dockernet` program ends the process when nobody takes an interrupt within 250 ms,
            // and a plan across hosts takes longer than that, which would leave the lock behind.
            let plan = match opts.interrupt.as_ref() {
                Some(i) => tokio::select! {
                    biased;
                    () = i.taken() => {
                        let what = format!("the plan of topology {:?} (nothing was changed)", self.name());
                        return Err(i.error(&what, None).context(format!("apply {:?}", self.name())));
                    }
                    plan = self.plan(client) => plan?,
                },
                None => self.plan(client).await?,
            };
            apply::execute(&hosts, &self.spec, plan, opts, &progress).await
        }
        .await;
        release(locker, self.name(), lock, &progress).await;
        result
    }

    /// Carries out a plan made earlier by [`Topology::plan`] (for "show, confirm, apply").
    /// A plan made against a daemon that changed since may fail; it is then rolled back.
    pub async fn apply_plan<P: Fn(&Progress)>(
        &self,
        client: &Client,
        plan: Plan,
        opts: &ApplyOptions,
        progress: P,
    ) -> Result<ApplyReport> {
        let hosts = self.hosts(client).map_err(|e| e.context(format!("apply {:?}", self.name())))?;
        let locker = self.lock_client(&hosts);
        let lock = self.lock(locker, "apply", &opts.lock_options(), opts.interrupt.as_ref(), &progress).await?;
        let result = apply::execute(&hosts, &self.spec, plan, opts, &progress).await;
        release(locker, self.name(), lock, &progress).await;
        result
    }

    /// Takes the topology's lock for `operation` (see [`lock`]), reporting a wait or a broken
    /// stale lock through `progress`; an interrupt stops the wait.
    async fn lock<P: Fn(&Progress)>(
        &self,
        client: &Client,
        operation: &str,
        opts: &LockOptions,
        interrupt: Option<&crate::interrupt::Interrupt>,
        progress: &P,
    ) -> Result<Option<lock::TopologyLock>> {
        let images: Vec<String> = self.spec.nodes.iter().map(|(_, n)| self.spec.node_image(n)).collect();
        take_lock(client, self.name(), operation, &self.spec.labels.0, &images, opts, interrupt, progress).await
    }

    /// Removes everything this topology owns (by label): see [`destroy`]. Waits for an apply of
    /// the topology that is running (see [`lock`]).
    pub async fn destroy(&self, client: &Client) -> Result<DestroyReport> {
        self.destroy_with(client, &LockOptions::default(), |_| {}).await
    }

    /// [`Topology::destroy`] with lock options, reporting a wait through `progress`.
    pub async fn destroy_with<P: Fn(&Progress)>(
        &self,
        client: &Client,
        opts: &LockOptions,
        progress: P,
    ) -> Result<DestroyReport> {
        let hosts = self.hosts(client).map_err(|e| e.context(format!("destroy {:?}", self.name())))?;
        let locker = self.lock_client(&hosts);
        let lock = self.lock(locker, "destroy", opts, None, &progress).await?;
        let result = if self.spans_hosts() {
            hosts::destroy(&self.spec, &hosts, DEFAULT_CONCURRENCY).await
        } else {
            destroy::destroy(client, self.name(), DEFAULT_CONCURRENCY).await
        };
        release(locker, self.name(), lock, &progress).await;
        result
    }

    /// Removes everything labelled `dockernet.topology=<name>`, without the declaration.
    pub async fn destroy_by_name(client: &Client, name: &str) -> Result<DestroyReport> {
        Topology::destroy_by_name_with(client, name, &LockOptions::default(), |_| {}).await
    }

    /// [`Topology::destroy_by_name`] with lock options, reporting a wait through `progress`.
    pub async fn destroy_by_name_with<P: Fn(&Progress)>(
        client: &Client,
        name: &str,
        opts: &LockOptions,
        progress: P,
    ) -> Result<DestroyReport> {
        let lock = take_lock(client, name, "destroy", &Default::default(), &[], opts, None, &progress).await?;
        let result = destroy::destroy(client, name, DEFAULT_CONCURRENCY).await;
        release(client, name, lock, &progress).await;
        result
    }

    /// Each declared element present, missing or drifted, and what is owned but no longer
    /// declared.
    pub async fn status(&self, client: &Client) -> Result<Status> {
        let ctx = || format!("status {:?}", self.name());
        if self.spans_hosts() {
            let hosts = self.hosts(client).map_err(|e| e.context(ctx()))?;
            let (_, elements) = hosts::plan(&self.spec, &hosts, true).await.map_err(|e| e.context(ctx()))?;
            return Ok(Status { topology: self.spec.name.clone(), elements });
        }
        let obs = state::observe(client, &self.spec, true).await.map_err(|e| e.context(ctx()))?;
        let nets = diff::resolve_subnets(&self.spec, &obs)?;
        let diff = diff::diff(&self.spec, &nets, &obs)?;
        Ok(Status { topology: self.spec.name.clone(), elements: diff.elements })
    }

    /// The reachability matrix, measured (see [`verify`]).
    pub async fn verify(&self, client: &Client, opts: &VerifyOptions) -> Result<Verification> {
        let ctx = || format!("verify {:?}", self.name());
        let hosts = self.hosts(client).map_err(|e| e.context(ctx()))?;
        verify::verify(&hosts, &self.spec, opts).await.map_err(|e| e.context(ctx()))
    }

    /// The expected reachability matrix, from the declaration alone (nothing measured).
    pub fn expected(&self) -> Vec<Cell> {
        verify::expected(&self.spec)
    }

    /// The declaration drawn, with given subnets and static addresses only (no daemon needed).
    pub fn graph(&self, format: GraphFormat) -> Result<String> {
        graph::Drawing::new(&self.spec, None, None).render(format)
    }

    /// The topology drawn with the subnets and addresses the daemon has (or would allocate).
    pub async fn graph_live(&self, client: &Client, format: GraphFormat) -> Result<String> {
        let obs = if self.spans_hosts() {
            let hosts = self.hosts(client)?;
            hosts::survey(&self.spec, &hosts, false).await?.merged()
        } else {
            state::observe(client, &self.spec, false).await?
        };
        let nets = diff::resolve_subnets(&self.spec, &obs)?;
        let subnets = nets.iter().map(|(k, v)| (k.clone(), v.iter().map(|n| n.to_string()).collect())).collect();
        graph::Drawing::new(&self.spec, Some(&subnets), Some(&obs)).render(format)
    }
}

/// Takes topology `name`'s lock (see [`lock`]): lock events become `Waiting` / `Note` progress.
#[allow(clippy::too_many_arguments)]
async fn take_lock<P: Fn(&Progress)>(
    client: &Client,
    name: &str,
    operation: &str,
    labels: &std::collections::BTreeMap<String, String>,
    images: &[String],
    opts: &LockOptions,
    interrupt: Option<&crate::interrupt::Interrupt>,
    progress: &P,
) -> Result<Option<lock::TopologyLock>> {
    let events = |e: &lock::LockEvent| {
        let event = match e {
            lock::LockEvent::Waiting(_) => ProgressEvent::Waiting,
            lock::LockEvent::Broken(..) => ProgressEvent::Note,
        };
        progress(&Progress {
            topology: name.to_string(),
            event,
            action: 0,
            total: 0,
            done: 0,
            description: e.describe(name),
        });
    };
    // Not raced here: acquire hears the interrupt itself, and never abandons a request that
    // may be creating the lock (see `lock::acquire`).
    let r = lock::acquire(client, name, operation, labels, images, opts, interrupt, &events).await;
    r.map_err(|e| e.context(format!("{operation} {name:?}")))
}

/// Gives a lock back. A failure changes nothing in the outcome (the work is done or undone); it
/// is reported as a note, and the lock is broken by the next apply from this host once this
/// process is gone (or by `--break-lock`).
async fn release<P: Fn(&Progress)>(client: &Client, name: &str, lock: Option<lock::TopologyLock>, progress: &P) {
    let Some(lock) = lock else { return };
    if let Err(e) = lock.release(client).await {
        progress(&Progress {
            topology: name.to_string(),
            event: ProgressEvent::Note,
            action: 0,
            total: 0,
            done: 0,
            description: format!("{}; it will be broken once this process is gone (or with --break-lock)", e.message()),
        });
    }
}

/// YAML's errors repeat the path serde_path_to_error already gives
/// (`option nodes.a.networks.b.x: nodes.a.networks.b: unknown field`): say it once.
fn tidy(e: Error) -> Error {
    let m = e.message();
    if let Some((path, inner)) = m.strip_prefix("topology: option ").and_then(|r| r.split_once(": ")) {
        if let Some((again, rest)) = inner.split_once(": ") {
            if !again.is_empty() && !again.contains(' ') && path.starts_with(again) {
                return Error::invalid(format!("topology: option {path}: {rest}"));
            }
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    /// Every operation's future is `Send` (Python runs them with the GIL released, which needs
    /// it), given a `Sync` progress callback.
    #[test]
    fn futures_are_send() {
        fn send<T: Send>(_: T) {}
        let client = Client::new(Some("unix:///nonexistent/docker.sock")).unwrap();
        let t = Topology::from_yaml("name: lab\nnetworks: [a]\nnodes: {x: {image: i, networks: [a]}}").unwrap();
        let opts = ApplyOptions::default();
        send(t.plan(&client));
        send(t.apply(&client, &opts, |_: &Progress| {}));
        send(t.status(&client));
        send(t.verify(&client, &VerifyOptions::default()));
        send(t.destroy(&client));
        send(Topology::destroy_by_name(&client, "lab"));
        send(t.graph_live(&client, GraphFormat::Dot));
    }

    /// Loading from YAML, JSON and a file gives the same validated topology; errors name the file.
    #[test]
    fn loading() {
        let y = Topology::from_yaml("name: lab\nnetworks: [a]\nnodes: {x: {image: i, networks: [a]}}").unwrap();
        let j = Topology::from_json(
            r#"{"name": "lab", "networks": ["a"], "nodes": {"x": {"image": "i", "networks": ["a"]}}}"#,
        )
        .unwrap();
        assert_eq!(y.spec().node_config("x"), j.spec().node_config("x"));
        let e = Topology::from_file("/nonexistent/lab.yaml").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let dir = std::env::temp_dir().join(format!("dnt-topo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("bad.yaml");
        std::fs::write(&f, "name: lab\nnodes: {x: {image: i, networks: {a: {ipv5: x}}}}\n").unwrap();
        let e = Topology::from_file(&f).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid);
        assert!(e.message().contains("bad.yaml") && e.message().contains("nodes.x.networks.a"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
        let e = Topology::from_yaml("name: lab\nnodes: {x: {image: i, networks: {a: {ipv5: 1}}}}").unwrap_err();
        assert!(e.message().starts_with("topology: option nodes.x.networks.a.ipv5: unknown field `ipv5`"), "{e}");
        let e = Topology::from_yaml("name: lab\nnodes: {x: {image: i, networks: [nope]}}").unwrap_err();
        assert!(e.message().contains("nodes.x.networks.nope"), "{e}");
    }

    /// The limits of issue 10 item 5 hold at the public entry points: `/dev/zero` stops at the
    /// size cap, 100,000 nested lists are refused before libyaml's quadratic walk (38 s before),
    /// and a billion-laughs document is refused by its expansion. No time is asserted: a
    /// regression shows as a test that takes minutes.
    #[test]
    fn loading_limits() {
        let e = Topology::from_file("/dev/zero").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid);
        assert!(e.message().starts_with("topology file /dev/zero is larger than the limit of 16 MiB"), "{e}");
        for deep in [
            format!("name: x\nlabels: {}{}", "[".repeat(100_000), "]".repeat(100_000)),
            format!("name: x\nlabels: {}1{}", "{a: ".repeat(100_000), "}".repeat(100_000)),
            format!("name: x\nlabels:\n{}x\n", "- ".repeat(100_000)),
        ] {
            let e = Topology::from_yaml(&deep).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Invalid);
            assert!(e.message().starts_with("topology: nested more than 64 levels deep at line "), "{e}");
        }
        let mut bomb = String::from("name: x\nx-a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for c in 'b'..='j' {
            let prev = (c as u8 - 1) as char;
            bomb.push_str(&format!("x-{c}: &{c} [{}]\n", vec![format!("*{prev}"); 10].join(", ")));
        }
        let e = Topology::from_yaml(&bomb).unwrap_err();
        assert!(e.message().starts_with("topology: its aliases (*name) expand to more than"), "{e}");
        // Aliases that stay small are fine.
        let t =
            Topology::from_yaml("name: x\nimage: &img i\nnetworks: [a]\nnodes: {n: {image: *img, networks: [a]}}\n");
        assert_eq!(t.unwrap().spec().nodes.get("n").unwrap().image.as_deref(), Some("i"));
    }
}
