//! Container operations of `_native.Client`.

use dockernet_core::container::{Command, ExecOptions, ListOptions, RemoveOptions, RunOptions, StopOptions};
use pyo3::prelude::*;

use crate::client::PyClient;
use crate::convert::{opts, to_py, value};
use crate::document::{doc_to_py_lazy, docs_to_py_lazy};

#[pymethods]
impl PyClient {
    /// Creates and starts a container (never pulls); returns `{"id", "name", "image"}`.
    fn container_run(&self, py: Python<'_>, options: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let o: RunOptions = opts(Some(options), "containers.run")?;
        let c = self.inner.client();
        let r = self.wait(py, c.container_run(&o))?;
        to_py(py, &r)
    }

    /// Creates a container and attaches its networks without starting it (never pulls);
    /// returns `{"id", "name", "image"}`. Same options as `container_run`.
    fn container_create(&self, py: Python<'_>, options: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let o: RunOptions = opts(Some(options), "containers.create")?;
        let c = self.inner.client();
        let r = self.wait(py, c.container_create(&o))?;
        to_py(py, &r)
    }

    /// Starts a created or stopped container (a running one is left as it is).
    fn container_start(&self, py: Python<'_>, container: &str) -> PyResult<()> {
        let c = self.inner.client();
        self.wait(py, c.container_start(container))
    }

    /// The daemon's container inspect document (exact lookup), as a `_native.Document`.
    fn container_inspect(&self, py: Python<'_>, container: &str) -> PyResult<Py<PyAny>> {
        let c = self.inner.client();
        let doc = self.wait(py, c.container_inspect(container))?;
        doc_to_py_lazy(py, doc)
    }

    /// Container list documents (`_native.Document`, undecoded), sorted by name.
    #[pyo3(signature = (options=None))]
    fn container_ls(&self, py: Python<'_>, options: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let o: ListOptions = opts(options, "containers.list")?;
        let c = self.inner.client();
        let docs = self.wait(py, c.container_ls(&o))?;
        docs_to_py_lazy(py, docs)
    }

    /// Stops a container.
    #[pyo3(signature = (container, options=None))]
    fn container_stop(&self, py: Python<'_>, container: &str, options: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let o: StopOptions = opts(options, &format!("Container({container:?}).stop"))?;
        let c = self.inner.client();
        self.wait(py, c.container_stop(container, &o))
    }

    /// Removes a container.
    #[pyo3(signature = (container, options=None))]
    fn container_rm(&self, py: Python<'_>, container: &str, options: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let o: RemoveOptions = opts(options, &format!("Container({container:?}).remove"))?;
        let c = self.inner.client();
        self.wait(py, c.container_rm(container, &o))
    }

    /// Runs a command in a running container; returns `{"exit_code", "stdout", "stderr"}`.
    #[pyo3(signature = (container, cmd, options=None))]
    fn container_exec(
        &self,
        py: Python<'_>,
        container: &str,
        cmd: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let what = format!("Container({container:?}).exec_run");
        let cmd: Command = value(cmd, &format!("{what}: cmd"))?;
        let o: ExecOptions = opts(options, &what)?;
        let c = self.inner.client();
        let out = self.wait(py, c.container_exec(container, &cmd, &o))?;
        to_py(py, &out)
    }

    /// Each network attachment as the container sees it.
    fn container_interfaces(&self, py: Python<'_>, container: &str) -> PyResult<Py<PyAny>> {
        let c = self.inner.client();
        let ifaces = self.wait(py, c.container_interfaces(container))?;
        to_py(py, &ifaces)
    }
}
