//! dockernet-python: the native part of the `dockernet` Python package, `dockernet._native`.
//!
//! The docker-py-shaped objects (`Client`, `Network`, `Container`, collections, `aio`) are Python
//! in `python/dockernet/`; this module is the thin, typed door to core they stand on:
//!
//! - `client.rs`: [`PyClient`] (exposed as `_native.Client`) and the one helper every daemon call
//!   goes through — it releases the GIL and stays interruptible by Ctrl-C.
//! - `network.rs`, `container.rs`: the operations, option dicts in, daemon documents out.
//! - `swarm.rs`: swarm init, join, leave, inspect, nodes, state.
//! - `topology.rs`: `_native.Topology`, a declared lab and its operations.
//! - `error.rs`: core kinds mapped to the classes of `dockernet.errors` in one place.
//! - `convert.rs`: Python values to core options (keys named in errors) and documents to Python.
//! - `document.rs`: `_native.Document`, a daemon document the models decode on first access.

use pyo3::prelude::*;

mod client;
mod container;
mod convert;
mod document;
mod error;
mod events;
mod impair;
mod network;
mod swarm;
mod topology;

pub use client::PyClient;

/// The docker CLI's contexts, as `docker context ls` lists them: `[{"name", "description",
/// "host", "current"}]`, `default` first.
#[pyfunction]
fn contexts(py: Python<'_>) -> PyResult<Py<PyAny>> {
    convert::to_py(py, &dockernet_core::host::contexts())
}

/// The native module `dockernet._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyClient>()?;
    m.add_class::<topology::PyTopology>()?;
    m.add_class::<topology::PyWatch>()?;
    m.add_class::<events::PyEvents>()?;
    m.add_class::<document::PyDocument>()?;
    m.add_class::<document::DecodedAttrs>()?;
    m.add_function(wrap_pyfunction!(contexts, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
