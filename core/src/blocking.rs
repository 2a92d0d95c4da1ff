//! The blocking facade both bindings use: the same operations as [`crate::Client`], synchronous.
//!
//! It owns a current-thread tokio runtime. Why current-thread: a script makes one call at a time,
//! and driving the socket on the calling thread avoids a cross-thread wake-up per request. Several
//! threads may call at once (Python releases the GIL around each call): tokio lets every
//! `block_on` caller take turns driving the same runtime, so the client is `Send + Sync` and safe
//! to share.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::client::{Client, DaemonInfo};
use crate::document::Document;
use crate::container::{
    Command, ContainerRef, ExecOptions, ExecOutput, Interface, ListOptions as ContainerListOptions, RemoveOptions,
    RunOptions, StopOptions,
};
use crate::error::{Error, ErrorKind, Result};
use crate::host::Host;
use crate::network::{
    ConnectOptions, CreateOptions, DisconnectOptions, InspectOptions, ListOptions, NetworkRef, PruneOptions,
};

/// A synchronous dockernet client. Clone it freely: clones share the runtime and the pool.
#[derive(Clone)]
pub struct BlockingClient {
    rt: Arc<tokio::runtime::Runtime>,
    inner: Arc<Client>,
}

impl std::fmt::Debug for BlockingClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlockingClient({})", self.inner.host().url)
    }
}

macro_rules! blocking {
    ($( $(#[$m:meta])* fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        $(
            $(#[$m])*
            pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                self.block_on(self.inner.$name($($arg),*))
            }
        )*
    };
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
        Ok(BlockingClient { rt: Arc::new(rt), inner: Arc::new(client) })
    }

    /// Runs any future of the async client to completion (for operations composed by a caller).
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
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
        self.block_on(async { self.inner.daemon().await.cloned() })
    }

    blocking! {
        /// See [`Client::version`].
        fn version(&self) -> Value;
        /// See [`Client::ping`].
        fn ping(&self) -> ();
        /// See [`Client::network_create`].
        fn network_create(&self, name: &str, opts: &CreateOptions) -> NetworkRef;
        /// See [`Client::network_inspect`].
        fn network_inspect(&self, name_or_id: &str, opts: &InspectOptions) -> Document;
        /// See [`Client::network_get`].
        fn network_get(&self, name_or_id: &str) -> NetworkRef;
        /// See [`Client::network_ls`].
        fn network_ls(&self, opts: &ListOptions) -> Vec<Document>;
        /// See [`Client::network_rm`].
        fn network_rm(&self, name_or_id: &str) -> ();
        /// See [`Client::network_connect`].
        fn network_connect(&self, network: &str, container: &str, opts: &ConnectOptions) -> ();
        /// See [`Client::network_disconnect`].
        fn network_disconnect(&self, network: &str, container: &str, opts: &DisconnectOptions) -> ();
        /// See [`Client::network_prune`].
        fn network_prune(&self, opts: &PruneOptions) -> Vec<String>;
        /// See [`Client::network_containers`].
        fn network_containers(&self, name_or_id: &str) -> Vec<Document>;
        /// See [`Client::container_run`].
        fn container_run(&self, opts: &RunOptions) -> ContainerRef;
        /// See [`Client::container_inspect`].
        fn container_inspect(&self, name_or_id: &str) -> Document;
        /// See [`Client::container_get`].
        fn container_get(&self, name_or_id: &str) -> ContainerRef;
        /// See [`Client::container_ls`].
        fn container_ls(&self, opts: &ContainerListOptions) -> Vec<Document>;
        /// See [`Client::container_stop`].
        fn container_stop(&self, name_or_id: &str, opts: &StopOptions) -> ();
        /// See [`Client::container_rm`].
        fn container_rm(&self, name_or_id: &str, opts: &RemoveOptions) -> ();
        /// See [`Client::container_exec`].
        fn container_exec(&self, name_or_id: &str, cmd: &Command, opts: &ExecOptions) -> ExecOutput;
        /// See [`Client::container_interfaces`].
        fn container_interfaces(&self, name_or_id: &str) -> Vec<Interface>;
    }
}

// ------------------------------------------------------------------------------------------------
// Topology: the engine of `crate::topology` for the bindings. A `Topology` is loaded without a
// client (`Topology::from_yaml`, `from_file`, `from_deserializer` for a Lua table or a Python
// dict); these run its daemon operations on this client's runtime. Each is the async method of
// the same name on `Topology`, made synchronous.
// ------------------------------------------------------------------------------------------------

impl BlockingClient {
    /// See [`crate::topology::Topology::plan`]: what apply would do; changes nothing.
    pub fn topology_plan(&self, topology: &crate::topology::Topology) -> Result<crate::topology::Plan> {
        self.block_on(topology.plan(&self.inner))
    }

    /// See [`crate::topology::Topology::apply`]: plans and applies as one transaction, calling
    /// `progress` for every step (on this thread; the callback need not be `Send`).
    pub fn topology_apply(
        &self,
        topology: &crate::topology::Topology,
        opts: &crate::topology::ApplyOptions,
        progress: &dyn Fn(&crate::topology::Progress),
    ) -> Result<crate::topology::ApplyReport> {
        self.block_on(topology.apply(&self.inner, opts, progress))
    }

    /// See [`crate::topology::Topology::apply_plan`]: carries out a plan shown earlier.
    pub fn topology_apply_plan(
        &self,
        topology: &crate::topology::Topology,
        plan: crate::topology::Plan,
        opts: &crate::topology::ApplyOptions,
        progress: &dyn Fn(&crate::topology::Progress),
    ) -> Result<crate::topology::ApplyReport> {
        self.block_on(topology.apply_plan(&self.inner, plan, opts, progress))
    }

    /// See [`crate::topology::Topology::destroy`]: removes what the topology owns, by label.
    pub fn topology_destroy(&self, topology: &crate::topology::Topology) -> Result<crate::topology::DestroyReport> {
        self.block_on(topology.destroy(&self.inner))
    }

    /// See [`crate::topology::Topology::destroy_by_name`]: destroy without the declaration.
    pub fn topology_destroy_by_name(&self, name: &str) -> Result<crate::topology::DestroyReport> {
        self.block_on(crate::topology::Topology::destroy_by_name(&self.inner, name))
    }

    /// See [`crate::topology::Topology::status`]: each element present, missing, drifted, extra.
    pub fn topology_status(&self, topology: &crate::topology::Topology) -> Result<crate::topology::Status> {
        self.block_on(topology.status(&self.inner))
    }

    /// See [`crate::topology::Topology::verify`]: the reachability matrix, measured.
    pub fn topology_verify(
        &self,
        topology: &crate::topology::Topology,
        opts: &crate::topology::VerifyOptions,
    ) -> Result<crate::topology::Verification> {
        self.block_on(topology.verify(&self.inner, opts))
    }

    /// See [`crate::topology::Topology::graph_live`]: DOT, Mermaid or SVG with the daemon's
    /// subnets and addresses. ([`crate::topology::Topology::graph`] draws without a daemon.)
    pub fn topology_graph(
        &self,
        topology: &crate::topology::Topology,
        format: crate::topology::GraphFormat,
    ) -> Result<String> {
        self.block_on(topology.graph_live(&self.inner, format))
    }
}
