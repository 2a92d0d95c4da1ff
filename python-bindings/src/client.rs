//! `_native.Client`: one daemon connection, shared safely between threads.
//!
//! Every daemon call goes through [`PyClient::wait`]: it releases the GIL (`py.detach`) so other
//! Python threads run while this one waits on the socket, and it races the call against a 50 ms
//! ticker that re-takes the GIL just long enough to run Python's signal handlers. A Ctrl-C
//! therefore raises `KeyboardInterrupt` within ~50 ms and drops the in-flight request, instead of
//! hanging a notebook kernel until the daemon answers.

use std::future::Future;
use std::time::Duration;

use dockernet_core::{BlockingClient, Host};
use pyo3::prelude::*;

use crate::convert::to_py;
use crate::error::PyResultExt;

/// A connection to one Docker daemon (`base_url` like `DOCKER_HOST`; `None`: the environment).
#[pyclass(name = "Client", module = "dockernet._native", frozen)]
pub struct PyClient {
    pub(crate) inner: BlockingClient,
}

impl PyClient {
    /// Runs one core future with the GIL released, interruptible by Python signals.
    pub(crate) fn wait<T, F>(&self, py: Python<'_>, fut: F) -> PyResult<T>
    where
        T: Send,
        F: Future<Output = dockernet_core::Result<T>> + Send,
    {
        let outcome: Result<dockernet_core::Result<T>, PyErr> = py.detach(|| {
            self.inner.block_on(async {
                tokio::select! {
                    r = fut => Ok(r),
                    e = signals() => Err(e),
                }
            })
        });
        outcome?.py()
    }
}

/// Resolves with the error a Python signal handler raised (KeyboardInterrupt for Ctrl-C).
async fn signals() -> PyErr {
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if let Err(e) = Python::attach(|py| py.check_signals()) {
            return e;
        }
    }
}

#[pymethods]
impl PyClient {
    /// Connects lazily: no I/O until the first call.
    #[new]
    #[pyo3(signature = (base_url=None, timeout=60.0))]
    fn new(base_url: Option<&str>, timeout: f64) -> PyResult<Self> {
        if !(timeout.is_finite() && timeout > 0.0) {
            return Err(crate::error::to_py(dockernet_core::Error::invalid(format!(
                "timeout must be a positive number of seconds, got {timeout}"
            ))));
        }
        let host = Host::resolve(base_url).py()?;
        let inner = BlockingClient::with_host(host, Duration::from_secs_f64(timeout)).py()?;
        Ok(PyClient { inner })
    }

    /// The daemon address in use (`unix:///var/run/docker.sock`).
    #[getter]
    fn base_url(&self) -> String {
        self.inner.host().url.clone()
    }

    /// The daemon's `/version` document.
    fn version(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = self.inner.client();
        let v = self.wait(py, c.version())?;
        to_py(py, &v)
    }

    /// True when the daemon answers.
    fn ping(&self, py: Python<'_>) -> PyResult<bool> {
        let c = self.inner.client();
        self.wait(py, c.ping()).map(|_| true)
    }

    /// The API version agreed with the daemon (`"1.41"`).
    fn api_version(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.inner.client();
        self.wait(py, async { c.daemon().await.map(|d| d.api.to_string()) })
    }

    fn __repr__(&self) -> String {
        format!("<dockernet._native.Client {}>", self.inner.host().url)
    }
}
