//! `_native.Document`: one daemon document, kept as the daemon's JSON text until Python reads it.
//!
//! Why: a `Network` or `Container` model is often made and never opened. `networks.list()` of
//! 300 networks decoded 300 inspect documents into dicts, which cost as much as CPython's own
//! `json.loads` of the body (bench/README.md, item 9), while the usual loop reads only `name`
//! and `id`. The models now hold a `Document`, answer `id`/`name` from it (read from the text,
//! no dict) and decode `attrs` on first access ([`DecodedAttrs`]), into the same dict `doc_to_py`
//! always made. What a user sees is unchanged: `attrs` is a plain dict, made once per model.

use dockernet_core::Document;
use pyo3::prelude::*;
use pyo3::exceptions::PyAttributeError;
use pyo3::intern;
use pyo3::types::{PyDict, PyList};

use crate::convert::doc_to_py;

/// A daemon document (an inspect document or a list entry) as the daemon's JSON text.
#[pyclass(module = "dockernet._native", name = "Document", frozen)]
pub(crate) struct PyDocument(pub(crate) Document);

#[pymethods]
impl PyDocument {
    /// The top-level string field `key` (`""` when it is absent or not a string), read from the
    /// text without decoding the rest.
    fn str_field(&self, key: &str) -> String {
        self.0.str_field(key)
    }

    /// The whole document as a new dict (Docker's keys, in the daemon's order).
    fn decode(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        doc_to_py(py, &self.0)
    }

    /// The JSON text, exactly as the daemon sent it.
    #[getter]
    fn json(&self) -> &str {
        self.0.json()
    }

    fn __repr__(&self) -> String {
        let [name, id] = self.0.str_fields(["Name", "Id"]);
        format!("<Document Name={name:?} Id={:?}>", dockernet_core::lookup::short_id(&id))
    }
}

/// `attrs` of the models (`models.py`, `_Model`): a non-data descriptor that decodes the
/// instance's `_doc` on the first read and leaves the dict in the instance as `attrs`, which later
/// reads find first (as `functools.cached_property` does). Native rather than a Python
/// `__get__`: the Python frame per read was 2.3 k instructions, a tenth of what reading every
/// `attrs` of a list added over decoding it eagerly (bench/README.md, item 9).
#[pyclass(module = "dockernet._native", name = "DecodedAttrs", frozen)]
pub(crate) struct DecodedAttrs;

#[pymethods]
impl DecodedAttrs {
    #[new]
    fn new() -> DecodedAttrs {
        DecodedAttrs
    }

    fn __get__<'py>(
        slf: Bound<'py, Self>,
        obj: Option<Bound<'py, PyAny>>,
        _owner: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let Some(obj) = obj.filter(|o| !o.is_none()) else {
            return Ok(slf.into_any());
        };
        let dict = obj.getattr(intern!(py, "__dict__"))?.cast_into::<PyDict>()?;
        let key = intern!(py, "_doc");
        let Some(doc) = dict.get_item(key)? else {
            let kind = obj.get_type().name()?;
            return Err(PyAttributeError::new_err(format!("'{kind}' object has no attribute 'attrs'")));
        };
        let attrs = doc_to_py(py, &doc.cast::<PyDocument>()?.get().0)?.into_bound(py);
        dict.set_item(intern!(py, "attrs"), &attrs)?;
        dict.del_item(key)?;
        Ok(attrs)
    }
}

/// A daemon document for Python, undecoded.
pub(crate) fn doc_to_py_lazy(py: Python<'_>, doc: Document) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, PyDocument(doc))?.into_any())
}

/// A list of daemon documents for Python, undecoded, in the given order.
pub(crate) fn docs_to_py_lazy(py: Python<'_>, docs: Vec<Document>) -> PyResult<Py<PyAny>> {
    let items = docs.into_iter().map(|d| Py::new(py, PyDocument(d))).collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, items)?.into_any().unbind())
}
