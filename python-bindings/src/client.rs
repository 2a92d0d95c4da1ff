//! `_native.Client`: one daemon connection, shared safely between threads.
//!
//! Every daemon call goes through [`PyClient::wait`]: it releases the GIL (`py.detach`) so other
//! Python threads run while this one waits on the socket, and it races the call against a 50 ms
//! ticker that re-takes the GIL just long enough to run Python's signal handlers. A Ctrl-C
//! therefore raises `KeyboardInterrupt` within ~50 ms and drops the in-flight request, instead of
//! hanging a notebook kernel until the daemon answers.
//!
//! A topology apply is never dropped half-way: it runs through [`Interruptible`], where the
//! signal handler's exception triggers core's `Interrupt` instead. The apply then rolls back what
//! it did (a second Ctrl-C stops the rollback at once), and only then is the exception raised:
//! `KeyboardInterrupt` with the apply's account of it (`interrupted (Ctrl-C) after 3 of 8 steps;
//! rolled back 3 changes; nothing of this apply is left`).

use std::future::Future;
use std::sync::Mutex;
use std::path::PathBuf;
use std::time::Duration;

use dockernet_core::host::TlsFiles;
use dockernet_core::{BlockingClient, ErrorKind, Host, Interrupt};
use pyo3::exceptions::{PyException, PyKeyboardInterrupt};
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

/// A long operation that Python signals interrupt without dropping it (a topology apply, which
/// hears [`Interruptible::interrupt`] between its steps and rolls back).
pub(crate) struct Interruptible {
    /// What the operation listens to.
    pub(crate) interrupt: Interrupt,
    /// The first exception a signal handler (or a progress callback) raised meanwhile.
    raised: Mutex<Option<PyErr>>,
}

impl Interruptible {
    pub(crate) fn new() -> Interruptible {
        Interruptible { interrupt: Interrupt::new(), raised: Mutex::new(None) }
    }

    /// An exception from a signal handler or a callback (KeyboardInterrupt, SystemExit):
    /// interrupts the operation; the first one is raised once it has ended.
    pub(crate) fn heard(&self, py: Python<'_>, e: PyErr) {
        let cause = if e.is_instance_of::<PyKeyboardInterrupt>(py) {
            "Ctrl-C".to_string()
        } else {
            e.get_type(py).name().map(|n| n.to_string()).unwrap_or_else(|_| "a signal".into())
        };
        self.interrupt.trigger(&cause);
        if let Ok(mut raised) = self.raised.lock() {
            raised.get_or_insert(e);
        }
    }

    /// What a callback's exception means: an ordinary error is printed (the operation goes on),
    /// a `BaseException` that is not an `Exception` (KeyboardInterrupt, SystemExit) interrupts.
    pub(crate) fn callback_failed(&self, py: Python<'_>, e: PyErr) {
        if e.is_instance_of::<PyException>(py) {
            e.print(py);
        } else {
            self.heard(py, e);
        }
    }

    /// Runs `fut` with the GIL released until it ends, whatever the signals; then raises what
    /// was heard meanwhile: `KeyboardInterrupt` with the operation's message when it stopped for
    /// it, else the handler's own exception (noted with the operation's outcome).
    pub(crate) fn run<T, F>(&self, client: &PyClient, py: Python<'_>, fut: F) -> PyResult<T>
    where
        T: Send,
        F: Future<Output = dockernet_core::Result<T>> + Send,
    {
        let result = py.detach(|| {
            client.inner.block_on(async {
                tokio::pin!(fut);
                loop {
                    tokio::select! {
                        r = &mut fut => return r,
                        e = signals() => Python::attach(|py| self.heard(py, e)),
                    }
                }
            })
        });
        let raised = self.raised.lock().ok().and_then(|mut r| r.take());
        match (result, raised) {
            (Ok(v), None) => Ok(v),
            (Err(e), None) => Err(crate::error::to_py(e)),
            // Stopped for a Ctrl-C: KeyboardInterrupt, with what was rolled back.
            (Err(e), Some(k)) if e.kind() == ErrorKind::Interrupted && k.is_instance_of::<PyKeyboardInterrupt>(py) => {
                Err(crate::error::to_py(e))
            }
            (Err(e), Some(k)) => {
                note(py, &k, e.message());
                Err(k)
            }
            (Ok(_), Some(k)) => {
                note(py, &k, "the operation had already finished: nothing was undone");
                Err(k)
            }
        }
    }
}

/// Adds a note to an exception (`add_note`, Python 3.11+; older versions go without).
fn note(py: Python<'_>, e: &PyErr, text: &str) {
    let _ = e.value(py).call_method1("add_note", (text,));
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
    /// Connects lazily: no I/O until the first call. `timeout=None`: `DOCKERNET_TIMEOUT`, else
    /// 60 seconds. `tls=(ca, cert, key)`: client-certificate TLS to a `tcp://` `base_url` (the
    /// daemon's certificate is always verified against `ca`).
    #[new]
    #[pyo3(signature = (base_url=None, timeout=None, tls=None))]
    fn new(base_url: Option<&str>, timeout: Option<f64>, tls: Option<(PathBuf, PathBuf, PathBuf)>) -> PyResult<Self> {
        if timeout.is_none() && tls.is_none() {
            return Ok(PyClient { inner: BlockingClient::new(base_url).py()? });
        }
        let timeout = seconds(timeout)?;
        let host = match tls {
            None => Host::resolve(base_url).py()?,
            Some((ca, cert, key)) => {
                let url = base_url.filter(|u| u.starts_with("tcp://") || u.starts_with("https://")).ok_or_else(|| {
                    crate::error::to_py(dockernet_core::Error::invalid(format!(
                        "tls needs a tcp:// base_url, got {:?}",
                        base_url.unwrap_or("None")
                    )))
                })?;
                Host::parse(url, "base_url", Some(TlsFiles { ca, cert, key })).py()?
            }
        };
        Ok(PyClient { inner: BlockingClient::with_host(host, timeout).py()? })
    }

    /// A client for the docker context `name` (as `docker --context NAME`), TLS material
    /// included. `timeout=None`: `DOCKERNET_TIMEOUT`, else 60 seconds.
    #[staticmethod]
    #[pyo3(signature = (name, timeout=None))]
    fn from_context(name: &str, timeout: Option<f64>) -> PyResult<Self> {
        let host = Host::from_context(name).py()?;
        Ok(PyClient { inner: BlockingClient::with_host(host, seconds(timeout)?).py()? })
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

/// A `timeout=` in seconds: `None` is `DOCKERNET_TIMEOUT`, else 60 s; anything but a positive
/// number is `InvalidArgument`.
fn seconds(timeout: Option<f64>) -> PyResult<Duration> {
    match timeout {
        None => Ok(dockernet_core::client::timeout_from_env().py()?.unwrap_or(dockernet_core::client::DEFAULT_TIMEOUT)),
        Some(t) => match Duration::try_from_secs_f64(t) {
            Ok(d) if t > 0.0 => Ok(d),
            _ => Err(crate::error::to_py(dockernet_core::Error::invalid(format!(
                "timeout must be a positive number of seconds, got {t}"
            )))),
        },
    }
}
