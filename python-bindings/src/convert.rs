//! Crossing the boundary: Python values into core option structs and daemon documents into Python
//! objects.
//!
//! Options are first turned into JSON values *strictly* — a `bool` only from `True`/`False`, a
//! string only from `str` — and then read by core's deserializer, so unknown keys and wrong types
//! are errors that name the key. (pythonize's deserializer would accept any truthy object as a
//! boolean: `internal="false"` would create an internal network.) Documents go the other way
//! through serde once, Docker's keys kept.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use dockernet_core::document::Key;
use dockernet_core::{options, Document, Error};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
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
    let json = to_json(v, "", &mut Vec::new()).map_err(|e| e.context(what)).py()?;
    options::from_value(json, what).py()
}

/// A Python value as JSON, refusing anything that is not plainly JSON-shaped. `path` names the
/// position for messages; `open` holds the dicts and lists being read around this value.
///
/// This walk recurses once per level, so it is where a hostile value would overflow the stack
/// (and kill the interpreter: a stack overflow is not an exception). Two checks stop it: a
/// container that is already `open` contains itself (`d["a"] = d`), and more than
/// [`options::MAX_DEPTH`] open containers is refused as core refuses it for every binding. Only
/// the concrete types' C-level accessors are used (no `__iter__`, `__str__` or `keys()` of a
/// subclass runs), so no Python code can change a value while it is read or make it endless.
fn to_json(
    v: &Bound<'_, PyAny>,
    path: &str,
    open: &mut Vec<*mut pyo3::ffi::PyObject>,
) -> dockernet_core::Result<Value> {
    let at =
        |p: &str| if p.is_empty() { "the value".to_string() } else { format!("option {}", options::short_path(p)) };
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
        return text(s).map(Value::String).map_err(|e| Error::invalid(format!("{}: {e}", at(path))));
    }
    let dict = v.cast::<PyDict>().ok();
    let list = v.cast::<PyList>().ok();
    let tuple = v.cast::<PyTuple>().ok();
    if dict.is_none() && list.is_none() && tuple.is_none() {
        return Err(Error::invalid(format!(
            "{}: expected a string, number, boolean, list or dict, got {}",
            at(path),
            type_name(v)
        )));
    }
    // A dict or a list: one level deeper.
    if open.contains(&v.as_ptr()) {
        let what = if dict.is_some() { "dict" } else { "list" };
        return Err(Error::invalid(format!("{}: recursive value (this {what} contains itself)", at(path))));
    }
    if open.len() >= options::MAX_DEPTH {
        return Err(Error::invalid(format!("{}: {}", at(path), options::too_deep())));
    }
    open.push(v.as_ptr());
    let out = if let Some(d) = dict {
        let mut map = Map::new();
        for (k, item) in d.iter() {
            let key = match k.cast::<PyString>() {
                Ok(s) => text(s).map_err(|e| Error::invalid(format!("{}: key {e}", at(path))))?,
                Err(_) => {
                    return Err(Error::invalid(format!("{}: keys must be strings, got {}", at(path), type_name(&k))))
                }
            };
            let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            map.insert(key, to_json(&item, &child, open)?);
        }
        Value::Object(map)
    } else {
        let items = match (list, tuple) {
            (Some(l), _) => l.iter().collect::<Vec<_>>(),
            (_, Some(t)) => t.iter().collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(to_json(item, &format!("{path}[{i}]"), open)?);
        }
        Value::Array(out)
    };
    open.pop();
    Ok(out)
}

/// A `str`'s text, read from the object itself (a subclass's `__str__` is not called). A string
/// that is not valid Unicode text (a lone surrogate such as `"\udcff"`) is refused: the daemon
/// only takes UTF-8.
fn text(s: &Bound<'_, PyString>) -> Result<String, String> {
    match s.to_cow() {
        Ok(t) => Ok(t.into_owned()),
        Err(_) => Err(format!("{:?} is not valid Unicode text (it holds a lone surrogate)", s.to_string_lossy())),
    }
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

/// A daemon document as a `dict`, built straight from the daemon's JSON text by [`PySeed`] (no
/// tree, no serializer layer). Keys are shared, as `json.loads` shares them: 300 documents hold
/// one `"Name"` string object, not 300 — and so are calls (see [`KEYS`]).
pub(crate) fn doc_to_py(py: Python<'_>, doc: &Document) -> PyResult<Py<PyAny>> {
    with_keys(|keys| doc_to_py_with(py, doc, keys))
}

/// A list of daemon documents as a `list` of `dict`s, in the given order, sharing the key cache.
pub(crate) fn docs_to_py(py: Python<'_>, docs: &[Document]) -> PyResult<Py<PyAny>> {
    let items = with_keys(|keys| docs.iter().map(|d| doc_to_py_with(py, d, keys)).collect::<PyResult<Vec<_>>>())?;
    Ok(PyList::new(py, items)?.into_any().unbind())
}

fn doc_to_py_with(py: Python<'_>, doc: &Document, keys: &mut Keys) -> PyResult<Py<PyAny>> {
    let mut de = serde_json::Deserializer::from_str(doc.json());
    match (PySeed { py, keys }).deserialize(&mut de) {
        Ok(v) => Ok(v.unbind()),
        Err(e) => Err(pyo3::exceptions::PyValueError::new_err(format!("daemon document: {e}"))),
    }
}

/// Key strings made so far, in every call of the process. Documents repeat a few dozen keys
/// thousands of times; a lookup here is cheaper than making (or interning) a new `str` for each,
/// and a kept `str` also keeps its hash, which every dict insert would compute again. Why across
/// calls, not per call: an `inspect` made every key anew and threw the map away, which cost a
/// sixth of the call (bench/callgrind). Bounded: label keys are the user's own, so past
/// [`MAX_KEYS`] new keys are made as before and not kept. Only touched with the GIL held.
static KEYS: Mutex<Option<Keys>> = Mutex::new(None);

/// The most keys [`KEYS`] keeps.
const MAX_KEYS: usize = 4096;

/// Runs `f` with the process's key cache, or with a fresh one when the cache is in use. Never
/// waits for it: making Python objects can run Python code (a collection runs finalizers, and
/// the interpreter may then switch threads), which may decode another document — waiting there,
/// with the GIL held, for the thread that holds the cache would deadlock.
fn with_keys<T>(f: impl FnOnce(&mut Keys) -> T) -> T {
    match KEYS.try_lock() {
        Ok(mut guard) => f(guard.get_or_insert_with(Keys::default)),
        Err(_) => f(&mut Keys::default()),
    }
}

/// The key strings kept by [`KEYS`].
type Keys = HashMap<Box<str>, Py<PyString>, foldhash::fast::RandomState>;

/// Builds Python objects straight from a serde deserializer (JSON `null` → `None`).
struct PySeed<'py, 'k> {
    py: Python<'py>,
    keys: &'k mut Keys,
}

impl<'de, 'py> DeserializeSeed<'de> for PySeed<'py, '_> {
    type Value = Bound<'py, PyAny>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for PySeed<'py, '_> {
    type Value = Bound<'py, PyAny>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into_pyobject(self.py).map_err(E::custom)?.into_any())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into_pyobject(self.py).map_err(E::custom)?.into_any())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(PyFloat::new(self.py, v).into_any())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.py, v).into_any())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let PySeed { py, keys } = self;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(PySeed { py, keys: &mut *keys })? {
            items.push(v);
        }
        Ok(PyList::new(py, items).map_err(de::Error::custom)?.into_any())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let PySeed { py, keys } = self;
        let dict = PyDict::new(py);
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let key = match keys.get(k.as_ref()) {
                Some(s) => s.clone_ref(py),
                None => {
                    let s = PyString::new(py, &k).unbind();
                    if keys.len() < MAX_KEYS {
                        keys.insert(k.as_ref().into(), s.clone_ref(py));
                    }
                    s
                }
            };
            let v = map.next_value_seed(PySeed { py, keys: &mut *keys })?;
            dict.set_item(key, v).map_err(de::Error::custom)?;
        }
        Ok(dict.into_any())
    }
}

/// Any serializable value (a record, the `/version` tree) as a Python object.
pub(crate) fn to_py<T: serde::Serialize + ?Sized>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    Ok(pythonize::pythonize(py, v).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?.unbind())
}
