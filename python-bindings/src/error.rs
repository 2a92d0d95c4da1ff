//! `DockerError` and its subclasses: core's error kinds, mapped to Python classes once, here.
//!
//! Every exception carries `.kind` (`"not_found"`, …), `.status_code` (the daemon's HTTP status
//! or `None`) and `.explanation` (the full message), as docker-py's `APIError` does.

use dockernet_core::{Error, ErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(dockernet, DockerError, PyException, "Base of every dockernet error: .kind, .status_code, .explanation.");
create_exception!(dockernet, NotFound, DockerError, "The network, container, image or exec does not exist.");
create_exception!(dockernet, Conflict, DockerError, "Already exists, already connected, not connected, address or subnet taken, ambiguous.");
create_exception!(dockernet, Forbidden, DockerError, "The daemon refuses: a predefined network, a network still in use.");
create_exception!(dockernet, InvalidArgument, DockerError, "Bad input, caught before any request or refused by the daemon.");
create_exception!(dockernet, DaemonUnavailable, DockerError, "No daemon answers at the configured host, or it is too old.");
create_exception!(dockernet, Timeout, DockerError, "The daemon did not answer in time.");
create_exception!(dockernet, APIError, DockerError, "Any other daemon answer.");

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("DockerError", py.get_type::<DockerError>())?;
    m.add("NotFound", py.get_type::<NotFound>())?;
    m.add("Conflict", py.get_type::<Conflict>())?;
    m.add("Forbidden", py.get_type::<Forbidden>())?;
    m.add("InvalidArgument", py.get_type::<InvalidArgument>())?;
    m.add("DaemonUnavailable", py.get_type::<DaemonUnavailable>())?;
    m.add("Timeout", py.get_type::<Timeout>())?;
    m.add("APIError", py.get_type::<APIError>())?;
    Ok(())
}

/// The Python exception for a core error, with `.kind`, `.status_code`, `.explanation` set.
pub(crate) fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    let err = match e.kind() {
        ErrorKind::NotFound => NotFound::new_err(msg),
        ErrorKind::Conflict => Conflict::new_err(msg),
        ErrorKind::Forbidden => Forbidden::new_err(msg),
        ErrorKind::Invalid => InvalidArgument::new_err(msg),
        ErrorKind::Unavailable => DaemonUnavailable::new_err(msg),
        ErrorKind::Timeout => Timeout::new_err(msg),
        // An interrupt is Python's own: code that catches KeyboardInterrupt keeps working.
        ErrorKind::Interrupted => pyo3::exceptions::PyKeyboardInterrupt::new_err(msg),
        _ => APIError::new_err(msg),
    };
    Python::attach(|py| {
        let v = err.value(py);
        let _ = v.setattr("kind", e.kind().as_str());
        let _ = v.setattr("status_code", e.status());
        let _ = v.setattr("explanation", e.message());
    });
    err
}

/// `Result` of core → `PyResult`.
pub(crate) trait PyResultExt<T> {
    /// Maps the core error to its Python class.
    fn py(self) -> PyResult<T>;
}

impl<T> PyResultExt<T> for dockernet_core::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}
