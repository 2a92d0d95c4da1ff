//! Values a template works on ([`Val`], [`Object`]) and what Go does with them: truth,
//! printing, type names, conversions and comparisons.

use super::*;

/// A value a template works on.
#[derive(Clone)]
pub enum Val {
    /// A missing map entry (Go's invalid value): prints `<no value>`.
    Missing,
    /// Decoded JSON.
    J(Value),
    /// JSON read as one of the CLI's Go types (see `typed.rs`): absent fields are zero values,
    /// structs print positionally, timestamps as `time.Time`.
    Typed(&'static Ty, Value),
    /// A value with methods (Go's struct with methods).
    Obj(Rc<dyn Object>),
}

impl Val {
    /// A string value.
    pub fn str(s: impl Into<String>) -> Val {
        Val::J(Value::String(s.into()))
    }
}

/// A value with methods, as the docker CLI's formatting contexts are.
pub trait Object {
    /// The Go type name used in error messages (`*network.networkContext`).
    fn type_name(&self) -> &str;
    /// Calls method/field `name`; `None` when there is no such field.
    fn call(&self, name: &str, args: &[Val]) -> Option<Result<Val, String>>;
    /// What the `json` template function prints.
    fn json(&self) -> String;
    /// What `{{.}}` prints.
    fn print(&self) -> String;
    /// The JSON behind the object, for `range`, `index` and `len` (none for method-only objects).
    fn value(&self) -> Option<&Value> {
        None
    }
}

/// An object backed by JSON becomes that JSON (for `range`, `index`, `len`).
pub(super) fn deobj(v: &Val) -> Val {
    match v {
        Val::Obj(o) => o.value().map(|j| Val::J(j.clone())).unwrap_or_else(|| v.clone()),
        _ => v.clone(),
    }
}

/// Checks a method's argument count the way text/template reports it.
pub fn want_args(name: &str, args: &[Val], want: usize) -> Result<(), String> {
    if args.len() != want {
        return Err(format!("wrong number of args for {name}: want {want} got {}", args.len()));
    }
    Ok(())
}

/// A method call on one of the docker CLI's row contexts (`network ls`, `container ls`): the
/// `Label "key"` method reads the row's `Labels`, any other name is one of `fields` (no
/// arguments); `None` for a name the row does not have.
pub fn row_call(
    doc: &Value,
    fields: impl IntoIterator<Item = (&'static str, String)>,
    name: &str,
    args: &[Val],
) -> Option<Result<Val, String>> {
    if name == "Label" {
        return Some(want_args(name, args, 1).and_then(|_| match &args[0] {
            Val::J(Value::String(k)) => {
                Ok(Val::str(doc.get("Labels").and_then(|l| l.get(k)).and_then(Value::as_str).unwrap_or_default()))
            }
            _ => Err("wrong type for value; expected string".to_string()),
        }));
    }
    let value = fields.into_iter().find(|(k, _)| *k == name)?.1;
    Some(want_args(name, args, 0).map(|_| Val::str(value)))
}

/// Go's notion of truth.
pub(super) fn truth(v: &Val) -> bool {
    match v {
        Val::Missing => false,
        Val::J(Value::Null) => false,
        Val::J(Value::Bool(b)) => *b,
        Val::J(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Val::J(Value::String(s)) => !s.is_empty(),
        Val::J(Value::Array(a)) => !a.is_empty(),
        Val::J(Value::Object(m)) => !m.is_empty(),
        Val::Typed(ty, v) => ty.truth(v),
        Val::Obj(_) => true,
    }
}

/// What `{{ pipeline }}` prints.
pub fn print_val(v: &Val) -> String {
    match v {
        Val::Missing => "<no value>".to_string(),
        Val::J(j) => gojson::print(j),
        Val::Typed(ty, v) => ty.print(v),
        Val::Obj(o) => o.print(),
    }
}

pub(super) fn go_type(v: &Val) -> String {
    match v {
        Val::Missing => "<no value>".into(),
        Val::J(Value::Null) => "<nil>".into(),
        Val::J(Value::Bool(_)) => "bool".into(),
        Val::J(Value::Number(_)) => "json.Number".into(),
        Val::J(Value::String(_)) => "string".into(),
        Val::J(Value::Array(_)) => "[]interface {}".into(),
        Val::J(Value::Object(_)) => "map[string]interface {}".into(),
        Val::Typed(ty, _) => ty.name(),
        Val::Obj(o) => o.type_name().to_string(),
    }
}

pub(super) fn as_str(v: &Val) -> Result<String, String> {
    if let Val::Typed(Ty::Str, j) = v {
        return Ok(j.as_str().unwrap_or_default().to_string());
    }
    match v {
        Val::J(Value::String(s)) => Ok(s.clone()),
        other => Err(format!("wrong type for value; expected string; got {}", go_type(other))),
    }
}

pub(super) fn as_int(v: &Val) -> Result<i64, String> {
    if let Val::Typed(Ty::Int, j) = v {
        return Ok(j.as_i64().unwrap_or_default());
    }
    match v {
        Val::J(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64().unwrap_or_default()),
        other => Err(format!("wrong type for value; expected int; got {}", go_type(other))),
    }
}

pub(super) fn scalar(v: &Val) -> Option<Value> {
    match v {
        Val::J(j) => Some(j.clone()),
        Val::Typed(ty, v) => ty.scalar(v),
        _ => None,
    }
}

pub(super) fn equal(a: &Val, b: &Val) -> bool {
    match (scalar(a), scalar(b)) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64() == y.as_f64(),
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

pub(super) fn compare(a: &Val, b: &Val) -> Result<std::cmp::Ordering, String> {
    match (scalar(a), scalar(b)) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or_default()
            .partial_cmp(&y.as_f64().unwrap_or_default())
            .ok_or_else(|| "incomparable numbers".to_string()),
        (Some(Value::String(x)), Some(Value::String(y))) => Ok(x.cmp(&y)),
        _ => Err("incompatible types for comparison".to_string()),
    }
}

/// The type of integer literals.
pub(super) static INT: Ty = Ty::Int;

/// The type of a time a time method returns (`.Created.UTC`).
pub(super) static TIME: Ty = Ty::Time;
