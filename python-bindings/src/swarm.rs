//! Swarm operations of `_native.Client`: option dicts in (core's keys), daemon documents out.
//! The docker-py-shaped `client.swarm` and `client.nodes` are Python (`python/dockernet/swarm.py`).

use dockernet_core::swarm::{InitOptions, JoinOptions, LeaveOptions};
use pyo3::prelude::*;

use crate::client::PyClient;
use crate::convert::{doc_to_py, docs_to_py, opts, to_py};

#[pymethods]
impl PyClient {
    /// `docker swarm init`; returns the new node id.
    #[pyo3(signature = (options=None))]
    fn swarm_init(&self, py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let o: InitOptions = opts(options, "swarm.init")?;
        let c = self.inner.client();
        self.wait(py, c.swarm_init(&o))
    }

    /// `docker swarm join`.
    #[pyo3(signature = (options=None))]
    fn swarm_join(&self, py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let o: JoinOptions = opts(options, "swarm.join")?;
        let c = self.inner.client();
        self.wait(py, c.swarm_join(&o))
    }

    /// `docker swarm leave`.
    #[pyo3(signature = (options=None))]
    fn swarm_leave(&self, py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let o: LeaveOptions = opts(options, "swarm.leave")?;
        let c = self.inner.client();
        self.wait(py, c.swarm_leave(&o))
    }

    /// The swarm's document (a manager answers).
    fn swarm_inspect(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = self.inner.client();
        let doc = self.wait(py, c.swarm_inspect())?;
        doc_to_py(py, &doc)
    }

    /// The swarm's node documents (a manager answers).
    fn swarm_nodes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = self.inner.client();
        let docs = self.wait(py, c.swarm_nodes())?;
        docs_to_py(py, &docs)
    }

    /// Where this daemon stands: `{"local_node_state", "node_id", "control_available",
    /// "cluster_id", "node_addr"}`.
    fn swarm_state(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = self.inner.client();
        let s = self.wait(py, c.swarm_state())?;
        to_py(py, &s)
    }
}
