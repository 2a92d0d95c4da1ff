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
//! - [`lookup`]: the one exact-lookup rule (name, full id, id prefix of 12 or more), how messages
//!   name an object, the short id.
//! - [`network`]: create, connect, disconnect, inspect, ls, rm, prune, with exact name lookups and
//!   validation before any request.
//! - [`container`]: run (create + connect + start, undone on failure), stop, rm, ls, inspect,
//!   exec, and `interfaces` (each attachment as the container sees it).
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
//! ```no_run
//! use dockernet_core::{BlockingClient, network::CreateOptions};
//! let docker = BlockingClient::new(None)?;
//! let opts = CreateOptions { subnet: vec!["10.77.0.0/24".to_string()].into(), ..Default::default() };
//! let net = docker.network_create("demo", &opts)?;
//! docker.network_rm(&net.id)?;
//! # Ok::<(), dockernet_core::Error>(())
//! ```

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
