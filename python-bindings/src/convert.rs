//! Crossing the boundary: Python values into core option structs and daemon documents into Python
//! objects.
//!
//! Options are first turned into JSON values *strictly* — a `bool` only from `True`/`False`, a
//! string only from `str` — and then read by core's deserializer, so unknown keys and wrong types
//! are errors that name the key. (pythonize's deserializer would accept any truthy object as a
//! boolean: `internal="false"` would create an internal network.) Documents go the other way
//! through serde once, Docker's keys kept.

use dockernet_core::{options, Error};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::error::PyResultExt;

/// Reads an options dict (`None` means defaults). `what` names the call for messages.
pub(crate) fn opts<T: DeserializeOwned + Default>(v: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<T> {
    match v {
        None => Ok(T::default()),
        Some(v) if v.is_none() => Ok(T::default()),
        Some(v) => value(v, what),
    }
}

/// Reads any option value (a dict, a command list…) through core's key-naming deserializer.
pub(crate) fn value<T: DeserializeOwned>(v: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    let json = to_json(v, "").map_err(|e| e.context(what)).py()?;
    options::from_value(json, what).py()
}

/// A Python value as JSON, refusing anything that is not plainly JSON-shaped. `path` names the
/// position for messages.
fn to_json(v: &Bound<'_, PyAny>, path: &str) -> dockernet_core::Result<Value> {
    let at = |p: &str| if p.is_empty() { "the value".to_string() } else { format!("option {p}") };
    if v.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if v.is_instance_of::<PyInt>() {
        if let Ok(i) = v.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = v.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        return Err(Error::invalid(format!("{}: integer {v} is out of range", at(path))));
    }
    if v.is_instance_of::<PyFloat>() {
        let f: f64 = v.extract().unwrap_or(f64::NAN);
        return Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| Error::invalid(format!("{}: {f} is not a finite number", at(path))));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Value::String(s.to_string()));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, item) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map(|s| s.to_string())
                .map_err(|_| Error::invalid(format!("{}: keys must be strings, got {}", at(path), type_name(&k))))?;
            let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            map.insert(key, to_json(&item, &child)?);
        }
        return Ok(Value::Object(map));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, item) in v.try_iter().map_err(|e| Error::invalid(e.to_string()))?.enumerate() {
            let item = item.map_err(|e| Error::invalid(e.to_string()))?;
            out.push(to_json(&item, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(out));
    }
    Err(Error::invalid(format!(
        "{}: expected a string, number, boolean, list or dict, got {}",
        at(path),
        type_name(v)
    )))
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

/// Any serializable value (a daemon document, a record) as a Python object.
pub(crate) fn to_py<T: serde::Serialize + ?Sized>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    Ok(pythonize::pythonize(py, v).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?.unbind())
}
