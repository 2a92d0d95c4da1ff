//! dockernet-lua: dockernet for Lua — the `docker` API table, the REPL and the `dockernet` program.
//!
//! - [`register`] builds the `docker` table on a Lua state (also `require "dockernet"`).
//! - `network.rs`, `container.rs`: the Lua faces of core's operations and handles.
//! - `connect.rs`: `docker.connect` — a client for another daemon, shaped like `docker`.
//! - `swarm.rs`: `docker.swarm` (init, join, leave, inspect, nodes, state) for overlay networks.
//! - `topology.rs`: `docker.topology{…}` / `.load(file)` and the `Topology` object (`progress.rs`: its bar).
//! - `class.rs`: the handle and list classes (registry metatables) the API files share.
//! - `error.rs`: core errors raised as Lua tables with `kind`, `status`, `message`.
//! - `convert.rs`: Lua values to core options and daemon documents to Lua tables (serde, once).
//! - `print.rs`: how values print — the REPL's results and errors, and `print`/`tostring` of the
//!   list classes (a `NetworkList` as the `docker network ls` table) in scripts too.
//! - [`docs`]: the help text of every public name (used by `help()` and the LuaLS annotations).
//! - [`cli`]: the docker-CLI-syntax commands (`dockernet network ls`), shared with the REPL.
//! - [`sandbox`]: `--sandbox`: the standard library without programs, file writes or bytecode,
//!   with memory and instruction limits, for scripts from others.
//! - [`repl`]: the interactive loop: editor, completion, multi-line input, history.

pub mod cli;
pub mod docs;
pub mod repl;
pub mod sandbox;

mod class;
mod connect;
mod container;
mod convert;
mod error;
mod events;
mod impair;
mod network;
mod print;
mod progress;
mod runtime;
mod swarm;
mod topology;

pub use error::last_error_kind;
pub use runtime::{handle_signals, interrupted_status, new_lua, open_module, register};
pub use sandbox::Sandbox;
