//! Network operations of `_native.Client`: option dicts in (core's keys), daemon documents out.

use dockernet_core::network::{
    ConnectOptions, CreateOptions, DisconnectOptions, InspectOptions, ListOptions, PruneOptions,
};
use pyo3::prelude::*;

use crate::client::PyClient;
use crate::convert::{docs_to_py, opts, to_py};
use crate::document::{doc_to_py_lazy, docs_to_py_lazy};

#[pymethods]
impl PyClient {
    /// `docker network ls`: documents (`_native.Document`, undecoded) sorted by name. `opts`:
    /// `{"filters": {...}}`.
    #[pyo3(signature = (options=None))]
    fn network_ls(&self, py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let o: ListOptions = opts(options, "networks.list")?;
        let c = self.inner.client();
        let docs = self.wait(py, c.network_ls(&o))?;
        docs_to_py_lazy(py, docs)
    }

    /// Creates a network; returns `{"id", "name", "driver", "warning"?}`.
    #[pyo3(signature = (name, options=None))]
    fn network_create(&self, py: Python<'_>, name: &str, options: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let o: CreateOptions = opts(options, &format!("networks.create({name:?})"))?;
        let c = self.inner.client();
        let r = self.wait(py, c.network_create(name, &o))?;
        to_py(py, &r)
    }

    /// The daemon's inspect document (exact lookup), as a `_native.Document`.
    #[pyo3(signature = (network, options=None))]
    fn network_inspect(&self, py: Python<'_>, network: &str, options: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let o: InspectOptions = opts(options, &format!("networks.get({network:?})"))?;
        let c = self.inner.client();
        let doc = self.wait(py, c.network_inspect(network, &o))?;
        doc_to_py_lazy(py, doc)
    }

    /// Connects a container to a network.
    #[pyo3(signature = (network, container, options=None))]
    fn network_connect(
        &self,
        py: Python<'_>,
        network: &str,
        container: &str,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let o: ConnectOptions = opts(options, &format!("Network({network:?}).connect({container:?})"))?;
        let c = self.inner.client();
        self.wait(py, c.network_connect(network, container, &o))
    }

    /// Disconnects a container from a network.
    #[pyo3(signature = (network, container, options=None))]
    fn network_disconnect(
        &self,
        py: Python<'_>,
        network: &str,
        container: &str,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let o: DisconnectOptions = opts(options, &format!("Network({network:?}).disconnect({container:?})"))?;
        let c = self.inner.client();
        self.wait(py, c.network_disconnect(network, container, &o))
    }

    /// Removes a network (exact lookup).
    fn network_rm(&self, py: Python<'_>, network: &str) -> PyResult<()> {
        let c = self.inner.client();
        self.wait(py, c.network_rm(network))
    }

    /// Removes unused networks; returns their names.
    #[pyo3(signature = (options=None))]
    fn network_prune(&self, py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
        let o: PruneOptions = opts(options, "networks.prune")?;
        let c = self.inner.client();
        self.wait(py, c.network_prune(&o))
    }

    /// Container list documents of the containers attached (stopped ones included).
    fn network_containers(&self, py: Python<'_>, network: &str) -> PyResult<Py<PyAny>> {
        let c = self.inner.client();
        let docs = self.wait(py, c.network_containers(network))?;
        docs_to_py(py, &docs)
    }
}
