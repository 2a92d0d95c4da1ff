//! dockernet-core: the engine behind dockernet — Docker networks and the containers on them.
//!
//! This crate knows nothing of Lua or Python; the bindings wrap it. A tour:
//!
//! - [`host`]: where the daemon is (`--host`, `DOCKER_HOST`, contexts, TLS), as the docker CLI.
//! - [`client`]: the async [`Client`]: one pool, API version agreed once (from `/_ping`), and the
//!   wire's limits: a timeout per request, a cap on each answer, one retry of a request that
//!   never reached the daemon.
//! - [`document`]: daemon documents as the daemon's JSON text, crossing into Lua or Python in one
//!   serde pass.
//! - [`daemon`]: the daemon as typed data — facts read from its JSON in one serde pass
//!   (`NetworkFacts`, `ContainerFacts`, `EndpointFacts`, …), typed request bodies
//!   (`NetworkCreateBody`, `EndpointSettings`, `ContainerCreateBody`, …) and calls by id: no
//!   lookups, no policy. Everything below decides; this says it in the Engine API's words.
//! - [`lookup`]: the one exact-lookup rule (name, full id, id prefix of 12 or more) returning
//!   facts (`find_network`, `find_container`), how messages name an object, the short id.
//! - [`network`]: create, connect, disconnect, inspect, ls, rm, prune — options, validation before
//!   any request, refusals and messages — over [`daemon`].
//! - [`container`]: run (create + connect + start, undone on failure), stop, rm, ls, inspect,
//!   exec, and `interfaces`; the container field list shared with a topology's nodes.
//! - [`blocking`]: [`BlockingClient`], the synchronous facade the bindings use.
//! - [`interrupt`]: [`Interrupt`], how a caller (Ctrl-C, SIGTERM) stops dockernet waiting.
//! - [`impair`]: link impairment (delay, loss, rate, …) on a container's interface for one network,
//!   read back, cleared, re-applied after a restart; only qdiscs with dockernet's own handle.
//! - [`events`]: the daemon's event stream, filtered and bounded by `until`, interruptible.
//! - [`options`]: option tables read from Lua or Python with errors that name the key.
//! - [`swarm`]: swarm init, join, leave, inspect, nodes — what overlay networks need.
//! - [`image`]: whether a daemon has an image, and copying one between daemons (save → load),
//!   for labs across hosts; never a pull.
//! - [`topology`]: declared labs — plan, apply (transactional), destroy by label, status, verify
//!   reachability, graph.
//! - [`error`]: the one [`Error`] with an [`ErrorKind`].
//!
//! Three words for one container on one network, each used so across the crates:
//! - an **endpoint** is the daemon's record of it (its id, addresses, aliases): what
//!   [`daemon::EndpointFacts`] reads and [`daemon::EndpointSettings`] sends;
//! - an **attachment** is it as a declaration or a plan speaks of it (a node on a network, with
//!   its options): [`container::Attachment`], [`topology::state::ObservedAttachment`];
//! - an **interface** is it as the container sees it (`eth1`, its MAC, the default route):
//!   [`container::Interface`].
//!
//! ```no_run
//! use dockernet_core::{BlockingClient, network::CreateOptions};
//! let docker = BlockingClient::new(None)?;
//! let opts = CreateOptions { subnet: vec!["10.77.0.0/24".to_string()].into(), ..Default::default() };
//! let net = docker.network_create("demo", &opts)?;
//! docker.network_rm(&net.id)?;
//! # Ok::<(), dockernet_core::Error>(())
//! ```

pub mod address;
pub mod blocking;
pub mod client;
pub mod container;
pub mod daemon;
pub mod document;
pub mod error;
pub mod events;
pub mod host;
pub mod impair;
pub mod image;
pub mod interrupt;
mod local_lock;
pub mod lookup;
pub mod network;
pub mod options;
pub mod swarm;
pub mod topology;
mod transport;

pub use blocking::BlockingClient;
pub use client::{ApiVersion, Client, DaemonInfo};
pub use document::Document;
pub use error::{Error, ErrorKind, Result};
pub use host::Host;
pub use interrupt::Interrupt;
