//! `_native.Topology`: a declared lab (from a dict, YAML text or a file) and its operations, each
//! run against a `_native.Client` with the GIL released; `_native.Watch`, a running drift watch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use dockernet_core::topology::{ApplyOptions, GraphFormat, Progress, Topology, VerifyOptions, WatchOptions, Watcher};
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;

use crate::client::{Interruptible, PyClient};
use crate::convert::{opts, to_py, value};
use crate::error::PyResultExt;

/// A topology declaration (validated on load; nothing is touched until `apply`).
#[pyclass(name = "Topology", module = "dockernet._native", frozen)]
pub struct PyTopology {
    inner: Arc<Topology>,
}

/// A record as a dict with its printable text under `"summary"`.
fn record<T: serde::Serialize + std::fmt::Display>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    let obj = to_py(py, v)?;
    obj.bind(py).set_item("summary", v.to_string())?;
    Ok(obj)
}

#[pymethods]
impl PyTopology {
    /// From a dict with the YAML file's keys (`name`, `pool`, `networks`, `nodes`, `expect`).
    #[staticmethod]
    fn from_dict(spec: &Bound<'_, PyAny>) -> PyResult<Self> {
        let spec: serde_json::Value = value(spec, "topology")?;
        Ok(PyTopology { inner: Arc::new(Topology::from_value(spec).py()?) })
    }

    /// From YAML (or JSON) text.
    #[staticmethod]
    fn from_yaml(text: &str) -> PyResult<Self> {
        Ok(PyTopology { inner: Arc::new(Topology::from_yaml(text).py()?) })
    }

    /// From a YAML file.
    #[staticmethod]
    fn from_file(path: &str) -> PyResult<Self> {
        Ok(PyTopology { inner: Arc::new(Topology::from_file(path).py()?) })
    }

    /// The topology's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name().to_string()
    }

    /// What apply would do: `{"topology", "subnets", "actions", "summary"}`.
    fn plan(&self, py: Python<'_>, client: &PyClient) -> PyResult<Py<PyAny>> {
        let c = client.inner.client();
        let plan = client.wait(py, self.inner.plan(c))?;
        record(py, &plan)
    }

    /// Plans and applies as one transaction; `progress(event_dict)` is called for every step.
    /// Ctrl-C rolls back what this apply did, then raises KeyboardInterrupt saying so; a second
    /// Ctrl-C stops the rollback at once (the message lists what is left).
    #[pyo3(signature = (client, concurrency=None, progress=None, wait=None, lock_timeout=None, break_lock=None))]
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        py: Python<'_>,
        client: &PyClient,
        concurrency: Option<usize>,
        progress: Option<Py<PyAny>>,
        wait: Option<bool>,
        lock_timeout: Option<f64>,
        break_lock: Option<bool>,
    ) -> PyResult<Py<PyAny>> {
        let mut o = ApplyOptions::default();
        if let Some(n) = concurrency {
            o.concurrency = n;
        }
        o.wait = wait.unwrap_or(o.wait);
        o.lock_timeout = lock_timeout.unwrap_or(o.lock_timeout);
        o.break_lock = break_lock.unwrap_or(o.break_lock);
        let c = client.inner.client();
        // Not `client.wait`: a Ctrl-C must not drop the apply half-way. It interrupts it instead
        // (rolled back, then KeyboardInterrupt is raised: see client.rs).
        let run = Interruptible::new();
        o.interrupt = Some(run.interrupt.clone());
        // The callback runs on this thread inside the detached call: it takes the GIL briefly.
        // A KeyboardInterrupt raised inside it interrupts the apply like one from outside.
        let on_progress = |p: &Progress| {
            if let Some(cb) = &progress {
                Python::attach(|py| {
                    if let Ok(event) = to_py(py, p) {
                        if let Err(e) = cb.call1(py, (event,)) {
                            run.callback_failed(py, e);
                        }
                    }
                });
            }
        };
        let report = run.run(client, py, self.inner.apply(c, &o, on_progress))?;
        record(py, &report)
    }

    /// Removes what the topology owns (by label).
    fn destroy(&self, py: Python<'_>, client: &PyClient) -> PyResult<Py<PyAny>> {
        let c = client.inner.client();
        let report = client.wait(py, self.inner.destroy(c))?;
        record(py, &report)
    }

    /// Removes what a topology of this name owns, without its declaration.
    #[staticmethod]
    fn destroy_by_name(py: Python<'_>, client: &PyClient, name: &str) -> PyResult<Py<PyAny>> {
        let c = client.inner.client();
        let report = client.wait(py, Topology::destroy_by_name(c, name))?;
        record(py, &report)
    }

    /// Each declared element: present, missing, drifted, extra.
    fn status(&self, py: Python<'_>, client: &PyClient) -> PyResult<Py<PyAny>> {
        let c = client.inner.client();
        let status = client.wait(py, self.inner.status(c))?;
        let obj = record(py, &status)?;
        obj.bind(py).set_item("up_to_date", status.is_up_to_date())?;
        Ok(obj)
    }

    /// The reachability matrix, measured: `{"nodes", "cells", "ok", "summary"}`.
    #[pyo3(signature = (client, options=None))]
    fn verify(&self, py: Python<'_>, client: &PyClient, options: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let o: VerifyOptions = opts(options, "Topology.verify")?;
        let c = client.inner.client();
        let v = client.wait(py, self.inner.verify(c, &o))?;
        let obj = record(py, &v)?;
        obj.bind(py).set_item("ok", v.ok())?;
        Ok(obj)
    }

    /// DOT, Mermaid or SVG; with a client, the daemon's subnets and addresses are drawn in.
    #[pyo3(signature = (format="dot", client=None))]
    fn graph(&self, py: Python<'_>, format: &str, client: Option<&PyClient>) -> PyResult<String> {
        let format: GraphFormat = format.parse().py()?;
        match client {
            Some(client) => {
                let c = client.inner.client();
                client.wait(py, self.inner.graph_live(c, format))
            }
            None => py.detach(|| self.inner.graph(format)).py(),
        }
    }

    /// Starts a drift watch: options `{"heal", "until", "retries"}` (core's `WatchOptions`;
    /// unknown keys are errors). Iterate the result for the changes.
    #[pyo3(signature = (client, options=None))]
    fn watch(&self, py: Python<'_>, client: Py<PyClient>, options: Option<&Bound<'_, PyAny>>) -> PyResult<PyWatch> {
        let mut o: WatchOptions = opts(options, "Topology.watch")?;
        o.remedy = Some("run topology.apply() or watch(heal=True)".into());
        let c = client.get();
        let inner = c.inner.client().clone();
        let topology = (*self.inner).clone();
        let watcher = c.wait(py, Watcher::start(topology, inner, o))?;
        Ok(PyWatch { client, watcher: Mutex::new(Some(watcher)), closed: AtomicBool::new(false), waiting: Mutex::new(None) })
    }

    fn __repr__(&self) -> String {
        format!("<dockernet._native.Topology {:?}>", self.inner.name())
    }
}

/// A running drift watch: iterate it for the changes (dicts with their line under `"summary"`).
#[pyclass(name = "Watch", module = "dockernet._native", frozen)]
pub struct PyWatch {
    client: Py<PyClient>,
    watcher: Mutex<Option<Watcher>>,
    /// Set by `close()`: a wait in progress in another thread drops the watcher when it ends.
    closed: AtomicBool,
    /// The interrupt of the wait in progress, if any: `close()` from another thread (an asyncio
    /// task cancelled while its worker thread waits) triggers it, so that the wait ends now
    /// rather than at the next change, which may never come.
    waiting: Mutex<Option<dockernet_core::Interrupt>>,
}

#[pymethods]
impl PyWatch {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The next change. Ctrl-C raises `KeyboardInterrupt` and ends the watch (a heal in flight
    /// is rolled back first); `StopIteration` at `until`.
    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        // Taken out while waiting: another thread's `close()` meanwhile ends the watch after it.
        let Some(mut watcher) = self.watcher.lock().ok().and_then(|mut w| w.take()) else {
            return Err(PyStopIteration::new_err(()));
        };
        // Not `client.wait`: a Ctrl-C must not drop a heal's apply half-way. The watcher hears
        // the interrupt itself (its waits end at once; an apply rolls back).
        let run = Interruptible::new();
        watcher.set_interrupt(Some(run.interrupt.clone()));
        if let Ok(mut w) = self.waiting.lock() {
            *w = Some(run.interrupt.clone());
        }
        // A `close()` that came before the interrupt was in place.
        if self.closed.load(Ordering::SeqCst) {
            return Err(PyStopIteration::new_err(()));
        }
        // An error ends the watch (the watcher is dropped with it): KeyboardInterrupt for a
        // Ctrl-C, with what the watch was doing.
        let outcome = run.run(self.client.get(), py, async move {
            let next = watcher.next().await?;
            Ok((watcher, next))
        });
        if let Ok(mut w) = self.waiting.lock() {
            w.take();
        }
        let (watcher, next) = match outcome {
            // Ended by `close()` (its interrupt): the end of the iteration, not an error.
            Err(_) if self.closed.load(Ordering::SeqCst) => return Err(PyStopIteration::new_err(())),
            r => r?,
        };
        match next {
            Some(change) => {
                if !self.closed.load(Ordering::SeqCst) {
                    if let Ok(mut slot) = self.watcher.lock() {
                        slot.get_or_insert(watcher);
                    }
                }
                record(py, &change)
            }
            None => Err(PyStopIteration::new_err(())),
        }
    }

    /// Ends the watch now (closes its event streams). A wait in progress in another thread
    /// ends at once with `StopIteration` (a heal in flight is rolled back first, as on Ctrl-C).
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Ok(mut w) = self.watcher.lock() {
            w.take();
        }
        if let Some(i) = self.waiting.lock().ok().and_then(|w| w.clone()) {
            i.trigger("close()");
        }
    }
}
