//! The blocking facade both bindings use: the same operations as [`crate::Client`], synchronous.
//!
//! It owns a current-thread tokio runtime. Why current-thread: a script makes one call at a time,
//! and driving the socket on the calling thread avoids a cross-thread wake-up per request. Several
//! threads may call at once (Python releases the GIL around each call): tokio lets every
//! `block_on` caller take turns driving the same runtime, so the client is `Send + Sync` and safe
//! to share.
//!
//! Interrupts: a client may carry an [`Interrupt`] ([`BlockingClient::set_interrupt`]). Every call
//! then races the daemon against it: an interrupt abandons the call at once with an
//! [`ErrorKind::Interrupted`] error that says what the daemon may still be doing (an exec's
//! process keeps running in its container, a stop goes on). A topology apply is the exception:
//! it is never abandoned half-way; it hears the interrupt itself, stops scheduling steps and
//! rolls back (see `topology/apply.rs`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde_json::Value;

use crate::client::{Client, DaemonInfo};
use crate::container::{
    Command, ContainerRef, ExecOptions, ExecResult, Interface, ListOptions as ContainerListOptions, RemoveOptions,
    RunOptions, StopOptions,
};
use crate::document::Document;
use crate::error::{Error, ErrorKind, Result};
use crate::events::{EventOptions, EventStream};
use crate::host::Host;
use crate::impair::Impairment;
use crate::interrupt::Interrupt;
use crate::network::{
    ConnectOptions, CreateOptions, DisconnectOptions, InspectOptions, ListOptions, NetworkRef, PruneOptions,
};
use crate::topology::watch::{Change, WatchOptions, Watcher};
use crate::topology::Topology;

/// A synchronous dockernet client. Clone it freely: clones share the runtime, the pool and the
/// interrupt source.
#[derive(Clone)]
pub struct BlockingClient {
    rt: Arc<tokio::runtime::Runtime>,
    inner: Arc<Client>,
    /// Shared by every clone, and settable after cloning: the Lua API's functions hold clones made
    /// before the program decides whether it handles signals.
    interrupt: Arc<OnceLock<Interrupt>>,
}

impl std::fmt::Debug for BlockingClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlockingClient({})", self.inner.host().url)
    }
}

/// Each method: the async call made synchronous, and (after `=>`) what an interrupt abandons,
/// in words, with what the daemon may still be doing then (`None`: nothing, a read).
macro_rules! blocking {
    ($( $(#[$m:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty => $what:expr; )*) => {
        $(
            $(#[$m])*
            pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                self.call(self.inner.$name($($arg),*), || $what)
            }
        )*
    };
}

/// A container named by a full id is shown by its short id in messages.
fn ctr(name_or_id: &str) -> String {
    if name_or_id.len() == 64 && name_or_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        crate::lookup::short_id(name_or_id).to_string()
    } else {
        format!("{name_or_id:?}")
    }
}

impl BlockingClient {
    /// A client for `host` (`None`: `DOCKER_HOST`, the current context, or the local socket).
    /// Does no I/O.
    pub fn new(host: Option<&str>) -> Result<BlockingClient> {
        BlockingClient::from_client(Client::new(host)?)
    }

    /// A client for a resolved host with a per-request timeout.
    pub fn with_host(host: Host, timeout: Duration) -> Result<BlockingClient> {
        BlockingClient::from_client(Client::with_host(host, timeout)?)
    }

    fn from_client(client: Client) -> Result<BlockingClient> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::new(ErrorKind::Api, format!("cannot start the I/O runtime: {e}")))?;
        Ok(BlockingClient { rt: Arc::new(rt), inner: Arc::new(client), interrupt: Arc::new(OnceLock::new()) })
    }

    /// See [`Client::network_ls_with`].
    pub fn network_ls_with<S, T>(&self, opts: &ListOptions, item: impl FnMut() -> S) -> Result<Vec<T>>
    where
        S: for<'de> serde::de::DeserializeSeed<'de, Value = (T, String)>,
    {
        self.call(self.inner.network_ls_with(opts, item), || ("network ls".into(), None))
    }

    /// Runs any future of the async client to completion (for operations composed by a caller).
    /// Not raced against the interrupt: the caller decides what an interrupt does to it.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Lets `interrupt` abandon this client's calls (and every clone's) from now on; see the
    /// file notes. The first source set stays: returns the one in place.
    pub fn set_interrupt(&self, interrupt: Interrupt) -> &Interrupt {
        self.interrupt.get_or_init(|| interrupt)
    }

    /// The interrupt source of this client, when one was set.
    pub fn interrupt(&self) -> Option<&Interrupt> {
        self.interrupt.get()
    }

    /// Runs one call, abandoned when an interrupt is (or becomes) pending: then the error says
    /// `what` was abandoned and what may still be going on.
    pub(crate) fn call<T>(
        &self,
        fut: impl Future<Output = Result<T>>,
        what: impl FnOnce() -> (String, Option<&'static str>),
    ) -> Result<T> {
        let Some(interrupt) = self.interrupt.get() else {
            return self.rt.block_on(fut);
        };
        // Polled by hand rather than with `select!`: the interrupt first (one already pending stops
        // the call before any request), then the call; nothing else on the hot path.
        let mut taken = interrupt.taken();
        let mut fut = std::pin::pin!(fut);
        let mut what = Some(what);
        self.rt.block_on(std::future::poll_fn(|cx| {
            if std::pin::Pin::new(&mut taken).poll(cx).is_ready() {
                let (what, still) = what.take().map(|w| w()).unwrap_or_default();
                return std::task::Poll::Ready(Err(interrupt.error(&what, still)));
            }
            fut.as_mut().poll(cx)
        }))
    }

    /// The async client inside.
    pub fn client(&self) -> &Arc<Client> {
        &self.inner
    }

    /// Where this client connects.
    pub fn host(&self) -> &Host {
        self.inner.host()
    }

    /// What the daemon said about itself (connects on first use).
    pub fn daemon(&self) -> Result<DaemonInfo> {
        self.call(async { self.inner.daemon().await.cloned() }, || ("the daemon".into(), None))
    }

    blocking! {
        /// See [`Client::version`].
        fn version(&self) -> Value => ("the daemon's version".into(), None);
        /// See [`Client::ping`].
        fn ping(&self) -> () => ("ping".into(), None);
        /// See [`Client::network_create`].
        fn network_create(&self, name: &str, opts: &CreateOptions) -> NetworkRef =>
            (format!("network create {name:?}"), Some("the daemon may still create the network"));
        /// See [`Client::network_inspect`].
        fn network_inspect(&self, name_or_id: &str, opts: &InspectOptions) -> Document =>
            (format!("network inspect {name_or_id:?}"), None);
        /// See [`Client::network_get`].
        fn network_get(&self, name_or_id: &str) -> NetworkRef => (format!("network {name_or_id:?}"), None);
        /// See [`Client::network_ls`].
        fn network_ls(&self, opts: &ListOptions) -> Vec<Document> => ("network ls".into(), None);
        /// See [`Client::network_rm`].
        fn network_rm(&self, name_or_id: &str) -> () =>
            (format!("network rm {name_or_id:?}"), Some("the daemon may still remove the network"));
        /// See [`Client::network_connect`].
        fn network_connect(&self, network: &str, container: &str, opts: &ConnectOptions) -> () =>
            (format!("network connect {network:?} {}", ctr(container)), Some("the daemon may still connect the container"));
        /// See [`Client::network_disconnect`].
        fn network_disconnect(&self, network: &str, container: &str, opts: &DisconnectOptions) -> () => (
            format!("network disconnect {network:?} {}", ctr(container)),
            Some("the daemon may still disconnect the container"),
        );
        /// See [`Client::network_prune`].
        fn network_prune(&self, opts: &PruneOptions) -> Vec<String> =>
            ("network prune".into(), Some("the daemon may still remove unused networks"));
        /// See [`Client::network_containers`].
        fn network_containers(&self, name_or_id: &str) -> Vec<Document> =>
            (format!("the containers of network {name_or_id:?}"), None);
        /// See [`Client::container_run`].
        fn container_run(&self, opts: &RunOptions) -> ContainerRef => (
            match &opts.name {
                Some(name) => format!("container run {name:?}"),
                None => format!("container run of {}", opts.image),
            },
            Some("the container may have been created and may be running: check with container ls"),
        );
        /// See [`Client::container_inspect`].
        fn container_inspect(&self, name_or_id: &str) -> Document => (format!("container inspect {}", ctr(name_or_id)), None);
        /// See [`Client::container_get`].
        fn container_get(&self, name_or_id: &str) -> ContainerRef => (format!("container {}", ctr(name_or_id)), None);
        /// See [`Client::container_ls`].
        fn container_ls(&self, opts: &ContainerListOptions) -> Vec<Document> => ("container ls".into(), None);
        /// See [`Client::container_stop`].
        fn container_stop(&self, name_or_id: &str, opts: &StopOptions) -> () =>
            (format!("container stop {}", ctr(name_or_id)), Some("the container may still be stopping"));
        /// See [`Client::container_rm`].
        fn container_rm(&self, name_or_id: &str, opts: &RemoveOptions) -> () =>
            (format!("container rm {}", ctr(name_or_id)), Some("the daemon may still remove the container"));
        /// See [`Client::container_exec`].
        fn container_exec(&self, name_or_id: &str, cmd: &Command, opts: &ExecOptions) -> ExecResult => (
            format!("exec of `{}` in {}", cmd.0.join(" "), ctr(name_or_id)),
            Some("the process may still be running in the container"),
        );
        /// See [`Client::container_interfaces`].
        fn container_interfaces(&self, name_or_id: &str) -> Vec<Interface> =>
            (format!("the interfaces of container {}", ctr(name_or_id)), None);
        /// See [`Client::swarm_init`].
        fn swarm_init(&self, opts: &crate::swarm::InitOptions) -> String =>
            ("swarm init".into(), Some("the daemon may still become a swarm manager: check with swarm state"));
        /// See [`Client::swarm_join`].
        fn swarm_join(&self, opts: &crate::swarm::JoinOptions) -> () =>
            ("swarm join".into(), Some("the daemon may still join the swarm: check with swarm state"));
        /// See [`Client::swarm_leave`].
        fn swarm_leave(&self, opts: &crate::swarm::LeaveOptions) -> () =>
            ("swarm leave".into(), Some("the daemon may still leave the swarm"));
        /// See [`Client::swarm_inspect`].
        fn swarm_inspect(&self) -> Document => ("swarm inspect".into(), None);
        /// See [`Client::swarm_nodes`].
        fn swarm_nodes(&self) -> Vec<Document> => ("swarm nodes".into(), None);
        /// See [`Client::swarm_state`].
        fn swarm_state(&self) -> crate::swarm::SwarmState => ("swarm state".into(), None);
    }
}

// ------------------------------------------------------------------------------------------------
// Topology: the engine of `crate::topology` for the bindings. A `Topology` is loaded without a
// client (`Topology::from_yaml`, `from_file`, `from_deserializer` for a Lua table or a Python
// dict); these run its daemon operations on this client's runtime. Each is the async method of
// the same name on `Topology`, made synchronous. An interrupt abandons them, except apply, which
// is handed the interrupt and rolls back (see the file notes).
// ------------------------------------------------------------------------------------------------

impl BlockingClient {
    /// See [`crate::topology::Topology::plan`]: what apply would do; changes nothing.
    pub fn topology_plan(&self, topology: &crate::topology::Topology) -> Result<crate::topology::Plan> {
        self.call(topology.plan(&self.inner), || (format!("the plan of topology {:?}", topology.name()), None))
    }

    /// The options with this client's interrupt, unless they bring their own.
    fn apply_options<'o>(&self, opts: &'o crate::topology::ApplyOptions) -> Cow<'o, crate::topology::ApplyOptions> {
        match (&opts.interrupt, self.interrupt.get()) {
            (None, Some(i)) => Cow::Owned(crate::topology::ApplyOptions { interrupt: Some(i.clone()), ..opts.clone() }),
            _ => Cow::Borrowed(opts),
        }
    }

    /// See [`crate::topology::Topology::apply`]: plans and applies as one transaction, calling
    /// `progress` for every step (on this thread; the callback need not be `Send`). Never
    /// abandoned half-way: this client's interrupt (unless `opts` brings its own) stops the
    /// steps and rolls back what this apply did; a second one stops the rollback.
    pub fn topology_apply(
        &self,
        topology: &crate::topology::Topology,
        opts: &crate::topology::ApplyOptions,
        progress: &dyn Fn(&crate::topology::Progress),
    ) -> Result<crate::topology::ApplyReport> {
        self.block_on(topology.apply(&self.inner, &self.apply_options(opts), progress))
    }

    /// See [`crate::topology::Topology::apply_plan`]: carries out a plan shown earlier
    /// (interrupts as [`BlockingClient::topology_apply`]).
    pub fn topology_apply_plan(
        &self,
        topology: &crate::topology::Topology,
        plan: crate::topology::Plan,
        opts: &crate::topology::ApplyOptions,
        progress: &dyn Fn(&crate::topology::Progress),
    ) -> Result<crate::topology::ApplyReport> {
        self.block_on(topology.apply_plan(&self.inner, plan, &self.apply_options(opts), progress))
    }

    /// See [`crate::topology::Topology::destroy`]: removes what the topology owns, by label.
    pub fn topology_destroy(&self, topology: &crate::topology::Topology) -> Result<crate::topology::DestroyReport> {
        self.call(topology.destroy(&self.inner), || destroy_abandoned(topology.name()))
    }

    /// See [`crate::topology::Topology::destroy_with`]: destroy with lock options, telling
    /// `progress` about a wait for the topology's lock.
    pub fn topology_destroy_with(
        &self,
        topology: &crate::topology::Topology,
        opts: &crate::topology::LockOptions,
        progress: &dyn Fn(&crate::topology::Progress),
    ) -> Result<crate::topology::DestroyReport> {
        self.call(topology.destroy_with(&self.inner, opts, progress), || destroy_abandoned(topology.name()))
    }

    /// See [`crate::topology::Topology::destroy_by_name_with`].
    pub fn topology_destroy_by_name_with(
        &self,
        name: &str,
        opts: &crate::topology::LockOptions,
        progress: &dyn Fn(&crate::topology::Progress),
    ) -> Result<crate::topology::DestroyReport> {
        self.call(crate::topology::Topology::destroy_by_name_with(&self.inner, name, opts, progress), || {
            destroy_abandoned(name)
        })
    }

    /// See [`crate::topology::Topology::destroy_by_name`]: destroy without the declaration.
    pub fn topology_destroy_by_name(&self, name: &str) -> Result<crate::topology::DestroyReport> {
        self.call(crate::topology::Topology::destroy_by_name(&self.inner, name), || destroy_abandoned(name))
    }

    /// See [`crate::topology::Topology::status`]: each element present, missing, drifted, extra.
    pub fn topology_status(&self, topology: &crate::topology::Topology) -> Result<crate::topology::Status> {
        self.call(topology.status(&self.inner), || (format!("the status of topology {:?}", topology.name()), None))
    }

    /// See [`crate::topology::Topology::verify`]: the reachability matrix, measured.
    pub fn topology_verify(
        &self,
        topology: &crate::topology::Topology,
        opts: &crate::topology::VerifyOptions,
    ) -> Result<crate::topology::Verification> {
        self.call(topology.verify(&self.inner, opts), || {
            (format!("verify of topology {:?}", topology.name()), Some("pings already started end by themselves"))
        })
    }

    /// See [`crate::topology::Topology::graph_live`]: DOT, Mermaid or SVG with the daemon's
    /// subnets and addresses. ([`crate::topology::Topology::graph`] draws without a daemon.)
    pub fn topology_graph(
        &self,
        topology: &crate::topology::Topology,
        format: crate::topology::GraphFormat,
    ) -> Result<String> {
        self.call(topology.graph_live(&self.inner, format), || {
            (format!("the graph of topology {:?}", topology.name()), None)
        })
    }
}

/// What an interrupted destroy leaves: part of the topology, still labelled.
fn destroy_abandoned(name: &str) -> (String, Option<&'static str>) {
    (format!("destroy of topology {name:?}"), Some("part of it may be left (still labelled): destroy again to finish"))
}

// Events: the daemon's event stream as an iterator (`crate::events`).

/// The blocking event stream: an iterator of events (see [`BlockingClient::events`]).
#[derive(Debug)]
pub struct BlockingEvents {
    client: BlockingClient,
    stream: Option<EventStream>,
}

impl BlockingClient {
    /// Opens the event stream (see [`Client::events`]); iterate it for the events. Each wait is
    /// abandoned by the client's interrupt, which ends the iteration with an `interrupted` error.
    pub fn events(&self, opts: &EventOptions) -> Result<BlockingEvents> {
        let stream = self.call(self.client().events(opts), || ("the event stream".into(), None))?;
        Ok(BlockingEvents { client: self.clone(), stream: Some(stream) })
    }
}

impl BlockingEvents {
    /// The next event, waiting at most `limit` (`None`: as long as it takes). `Ok(None)` when the
    /// stream ended or — with a limit — when no event came in time (see [`BlockingEvents::is_open`]).
    pub fn next_within(&mut self, limit: Option<Duration>) -> Result<Option<Document>> {
        enum Step {
            Event(Document),
            End,
            Waiting,
        }
        let Some(stream) = self.stream.as_mut() else { return Ok(None) };
        let got = self.client.call(
            async {
                let step = |r: Option<Document>| r.map_or(Step::End, Step::Event);
                match limit {
                    None => stream.next().await.map(step),
                    Some(l) => match tokio::time::timeout(l, stream.next()).await {
                        Ok(r) => r.map(step),
                        Err(_) => Ok(Step::Waiting),
                    },
                }
            },
            || ("the event stream".into(), None),
        );
        match got {
            Ok(Step::Event(ev)) => Ok(Some(ev)),
            Ok(Step::Waiting) => Ok(None),
            Ok(Step::End) => {
                self.stream = None;
                Ok(None)
            }
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }

    /// False once the stream ended (by `until`, an error or an interrupt).
    pub fn is_open(&self) -> bool {
        self.stream.is_some()
    }

    /// Ends the stream now (closes the connection).
    pub fn close(&mut self) {
        self.stream = None;
    }
}

impl Iterator for BlockingEvents {
    type Item = Result<Document>;

    fn next(&mut self) -> Option<Result<Document>> {
        self.next_within(None).transpose()
    }
}

// Link impairment (`crate::impair`).

/// What an interrupt leaves behind during an impair call.
const STILL: Option<&str> = Some("tc may have changed the interface already; read it back with impair_read");

impl BlockingClient {
    /// See [`Client::impair_apply`].
    pub fn impair_apply(&self, container: &str, network: &str, imp: &Impairment) -> Result<()> {
        self.call(self.client().impair_apply(container, network, imp), || (format!("impair {container:?}"), STILL))
    }

    /// See [`Client::impair_clear`].
    pub fn impair_clear(&self, container: &str, network: &str) -> Result<()> {
        self.call(self.client().impair_clear(container, network), || (format!("impair {container:?}"), STILL))
    }

    /// See [`Client::impair_read`].
    pub fn impair_read(&self, container: &str, network: &str) -> Result<Option<Impairment>> {
        self.call(self.client().impair_read(container, network), || (format!("impair read {container:?}"), None))
    }

    /// See [`Client::impair_wanted`].
    pub fn impair_wanted(&self, container: &str) -> Result<BTreeMap<String, Impairment>> {
        self.call(self.client().impair_wanted(container), || (format!("impair wanted {container:?}"), None))
    }

    /// See [`Client::impair_reapply`].
    pub fn impair_reapply(&self, container: &str) -> Result<Vec<(String, Impairment)>> {
        self.call(self.client().impair_reapply(container), || (format!("impair reapply {container:?}"), STILL))
    }

    /// See [`Client::impair_list`].
    pub fn impair_list(&self, container: &str) -> Result<BTreeMap<String, Option<Impairment>>> {
        self.call(self.client().impair_list(container), || (format!("impair list {container:?}"), None))
    }

    /// Re-applies the impairment of every container that (re)starts, until `until` (see
    /// [`crate::events::EventOptions::until`]) or an interrupt: what `dockernet impair --follow`
    /// runs. `report` hears each container name and what was set (or why not); containers with
    /// nothing asked are passed over silently.
    ///
    /// # Errors
    /// The event stream's errors (an interrupt ends it with `interrupted`).
    pub fn impair_follow(
        &self,
        until: Option<crate::events::TimeArg>,
        mut report: impl FnMut(&str, Result<Vec<(String, Impairment)>>),
    ) -> Result<()> {
        let mut opts = crate::events::EventOptions { until, ..Default::default() };
        opts.filters.insert("type".into(), vec!["container".to_string()].into());
        opts.filters.insert("event".into(), vec!["start".to_string()].into());
        for ev in self.events(&opts)? {
            let ev: crate::daemon::EventFacts = ev?.fields()?;
            let id = ev.object_id();
            let name = ev.attribute("name").unwrap_or(id).to_string();
            match self.impair_wanted(id) {
                Ok(w) if w.is_empty() => {}
                Ok(_) => report(&name, self.impair_reapply(id)),
                // Gone again already (a short-lived container): nothing to put back.
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => report(&name, Err(e)),
            }
        }
        Ok(())
    }
}

// Drift watch (`crate::topology::watch`).

/// The blocking watch the bindings iterate (see [`crate::BlockingClient::topology_watch`]).
#[derive(Debug)]
pub struct BlockingWatch {
    client: crate::BlockingClient,
    watcher: Option<Watcher>,
}

impl crate::BlockingClient {
    /// Starts watching `topology` (see [`Watcher`]); iterate the result for the changes. The
    /// client's interrupt (unless `opts` brings its own) ends the watch with `interrupted`; a
    /// heal in flight then rolls back first.
    pub fn topology_watch(&self, topology: &Topology, opts: &WatchOptions) -> Result<BlockingWatch> {
        let mut opts = opts.clone();
        if opts.interrupt.is_none() {
            opts.interrupt = self.interrupt().cloned();
        }
        // Not `call`: the watcher races the interrupt itself, so that a heal's apply is never
        // dropped half-way.
        let watcher = self.block_on(Watcher::start(topology.clone(), self.client().clone(), opts))?;
        Ok(BlockingWatch { client: self.clone(), watcher: Some(watcher) })
    }
}

impl BlockingWatch {
    /// Ends the watch now (closes the event streams).
    pub fn close(&mut self) {
        self.watcher = None;
    }

    /// False once the watch ended (by `until`, an error, an interrupt or [`BlockingWatch::close`]).
    pub fn is_open(&self) -> bool {
        self.watcher.is_some()
    }
}

impl Iterator for BlockingWatch {
    type Item = Result<Change>;

    fn next(&mut self) -> Option<Result<Change>> {
        let watcher = self.watcher.as_mut()?;
        match self.client.block_on(watcher.next()) {
            Ok(Some(c)) => Some(Ok(c)),
            Ok(None) => {
                self.watcher = None;
                None
            }
            Err(e) => {
                self.watcher = None;
                Some(Err(e))
            }
        }
    }
}

