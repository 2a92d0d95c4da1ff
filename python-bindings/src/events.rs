//! `_native.Events`: the daemon's event stream as a Python iterator (`client.events()` in
//! client.py, docker-py's shape; `dockernet.aio` iterates it from a worker thread).
//!
//! Each `__next__` waits with the GIL released and hears Ctrl-C as every call does
//! ([`PyClient::wait`]): a `KeyboardInterrupt` ends the stream. The stream ends by itself at
//! `until`; `close()` ends it at once.

use std::sync::Mutex;

use dockernet_core::events::{EventOptions, EventStream};
use pyo3::exceptions::PyStopIteration;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::client::PyClient;
use crate::convert::{doc_to_py, opts};

/// An open event stream: iterate it for the events (dicts, or JSON bytes without `decode`).
#[pyclass(name = "Events", module = "dockernet._native", frozen)]
pub struct PyEvents {
    client: Py<PyClient>,
    stream: Mutex<Option<EventStream>>,
    /// Set by `close()`: a wait in progress in another thread drops the stream when it ends.
    closed: std::sync::atomic::AtomicBool,
    decode: bool,
}

#[pymethods]
impl PyClient {
    /// Opens the event stream: options `{"filters": {…}, "since": …, "until": …}` (core's
    /// `EventOptions`); `decode=False` yields each event's JSON as bytes, as docker-py does.
    #[pyo3(signature = (options=None, decode=true))]
    fn events(slf: &Bound<'_, Self>, options: Option<&Bound<'_, PyAny>>, decode: bool) -> PyResult<PyEvents> {
        let py = slf.py();
        let o: EventOptions = opts(options, "events")?;
        let me = slf.get();
        let c = me.inner.client();
        let stream = me.wait(py, c.events(&o))?;
        Ok(PyEvents {
            client: slf.clone().unbind(),
            stream: Mutex::new(Some(stream)),
            closed: std::sync::atomic::AtomicBool::new(false),
            decode,
        })
    }
}

/// What one wait gave.
enum Step {
    Event(dockernet_core::Document),
    End,
    Waiting,
}

impl PyEvents {
    /// The next event (`None`: the stream ended, or — with a limit — nothing came in time, and
    /// then the stream is back in its slot).
    fn next_within(&self, py: Python<'_>, limit: Option<std::time::Duration>) -> PyResult<Option<Py<PyAny>>> {
        // Taken out while waiting: a Ctrl-C drops the stream with the wait.
        let Some(mut stream) = self.stream.lock().ok().and_then(|mut s| s.take()) else {
            return Ok(None);
        };
        let client = self.client.get();
        let (stream, step) = client.wait(py, async move {
            let step = match limit {
                None => stream.next().await.map(|e| e.map_or(Step::End, Step::Event)),
                // Cancel-safe: nothing read is lost when the wait times out.
                Some(l) => match tokio::time::timeout(l, stream.next()).await {
                    Ok(r) => r.map(|e| e.map_or(Step::End, Step::Event)),
                    Err(_) => Ok(Step::Waiting),
                },
            };
            Ok((stream, step))
        })?;
        let ev = match step.map_err(crate::error::to_py)? {
            Step::End => return Ok(None),
            Step::Waiting => None,
            Step::Event(ev) => Some(ev),
        };
        if !self.closed.load(std::sync::atomic::Ordering::SeqCst) {
            if let Ok(mut slot) = self.stream.lock() {
                *slot = Some(stream);
            }
        }
        let Some(ev) = ev else { return Ok(None) };
        if self.decode {
            doc_to_py(py, &ev).map(Some)
        } else {
            Ok(Some(PyBytes::new(py, ev.json().as_bytes()).into_any().unbind()))
        }
    }
}

#[pymethods]
impl PyEvents {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.next_within(py, None)? {
            Some(ev) => Ok(ev),
            None => Err(PyStopIteration::new_err(())),
        }
    }

    /// The next event, waiting at most `timeout` seconds: `None` when none came in time (the
    /// stream stays open); `StopIteration` once it ended. What `dockernet.aio` polls, so a
    /// cancelled task lets go of its worker thread within one `timeout`.
    fn poll(&self, py: Python<'_>, timeout: f64) -> PyResult<Option<Py<PyAny>>> {
        let limit = std::time::Duration::try_from_secs_f64(timeout.max(0.0))
            .map_err(|_| pyo3::exceptions::PyValueError::new_err(format!("poll: bad timeout {timeout}")))?;
        match self.next_within(py, Some(limit))? {
            Some(ev) => Ok(Some(ev)),
            None if self.stream.lock().is_ok_and(|s| s.is_some()) => Ok(None),
            None => Err(PyStopIteration::new_err(())),
        }
    }

    /// Ends the stream now (closes the connection); iteration then stops. A wait in progress
    /// in another thread ends at its next event.
    fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut s) = self.stream.lock() {
            s.take();
        }
    }
}
