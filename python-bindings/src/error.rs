//! Core's error kinds, mapped to the classes of `dockernet.errors` once, here.
//!
//! Every exception carries `.kind` (`"not_found"`, …), `.status_code` (the daemon's HTTP status
//! or `None`) and `.explanation` (the full message), as docker-py's `APIError` does. The class
//! layout (why `InvalidRequest` is both an `InvalidArgument` and an `APIError`) is documented in
//! `errors.py`.

use dockernet_core::{Error, ErrorKind};
use pyo3::import_exception;
use pyo3::prelude::*;

// The classes live in `dockernet/errors.py` (plain Python, so they can have docker-py's
// constructor and methods and its multiple inheritance: `InvalidRequest` is both an
// `InvalidArgument` and an `APIError`); they are imported on the first error.
import_exception!(dockernet.errors, NotFound);
import_exception!(dockernet.errors, Conflict);
import_exception!(dockernet.errors, Forbidden);
import_exception!(dockernet.errors, InvalidArgument);
import_exception!(dockernet.errors, InvalidRequest);
import_exception!(dockernet.errors, DaemonUnavailable);
import_exception!(dockernet.errors, ServiceUnavailable);
import_exception!(dockernet.errors, Timeout);
import_exception!(dockernet.errors, RequestTimeout);
import_exception!(dockernet.errors, APIError);

/// The Python exception for a core error, with `.kind`, `.status_code`, `.explanation` set.
///
/// The one mapping: a kind picks the class; for the kinds dockernet also raises itself before
/// any request (invalid, unavailable, timeout), a daemon status picks the subclass that is also
/// an `APIError`, so `except APIError` catches every answer of the daemon.
pub(crate) fn to_py(e: Error) -> PyErr {
    let msg = e.to_string();
    let answered = e.status().is_some();
    let err = match e.kind() {
        ErrorKind::NotFound => NotFound::new_err(msg),
        ErrorKind::Conflict => Conflict::new_err(msg),
        ErrorKind::Forbidden => Forbidden::new_err(msg),
        ErrorKind::Invalid if answered => InvalidRequest::new_err(msg),
        ErrorKind::Invalid => InvalidArgument::new_err(msg),
        ErrorKind::Unavailable if answered => ServiceUnavailable::new_err(msg),
        ErrorKind::Unavailable => DaemonUnavailable::new_err(msg),
        ErrorKind::Timeout if answered => RequestTimeout::new_err(msg),
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
