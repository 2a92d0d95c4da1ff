//! Crossing the boundary: Python dicts into core option structs (through core's deserializer, so
//! unknown keys and wrong types are errors naming the key) and daemon documents into Python
//! objects (through serde once, Docker's keys kept).

use dockernet_core::options;
use pyo3::prelude::*;
use serde::de::DeserializeOwned;

use crate::error::PyResultExt;

/// Reads an options dict (`None` means defaults). `what` names the call for messages.
pub(crate) fn opts<T: DeserializeOwned + Default>(v: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<T> {
    match v {
        None => Ok(T::default()),
        Some(v) if v.is_none() => Ok(T::default()),
        Some(v) => {
            let mut d = pythonize::Depythonizer::from_object(v);
            options::from_deserializer(&mut d, what).py()
        }
    }
}

/// Any serializable value (a daemon document, a record) as a Python object.
pub(crate) fn to_py<T: serde::Serialize + ?Sized>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    Ok(pythonize::pythonize(py, v).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?.unbind())
}
