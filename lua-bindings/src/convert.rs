//! Crossing the boundary: Lua values into core option structs and arguments, daemon documents
//! into Lua tables. Documents cross through serde once (Docker's own keys, JSON `null` as
//! `docker.null`); options are read by core's deserializer so unknown keys and wrong types are
//! errors that name the key.

use dockernet_core::{options, Error};
use mlua::{Lua, LuaSerdeExt, Value};
use serde::de::DeserializeOwned;

use crate::error::{lua_err, LuaResultExt};

/// Reads an option table (`nil` means all defaults). `what` names the call for messages.
pub(crate) fn opts<T: DeserializeOwned + Default>(v: Option<Value>, what: &str) -> mlua::Result<T> {
    match v {
        None | Some(Value::Nil) => Ok(T::default()),
        Some(v @ Value::Table(_)) => {
            let d = mlua::serde::Deserializer::new_with_options(v, mlua::serde::de::Options::new().deny_unsupported_types(false));
            options::from_deserializer(d, what).lua()
        }
        Some(other) => Err(lua_err(Error::invalid(format!(
            "{what}: options must be a table, got {}",
            other.type_name()
        )))),
    }
}

/// Reads any serde value from Lua (used for nested specs).
pub(crate) fn value<T: DeserializeOwned>(v: Value, what: &str) -> mlua::Result<T> {
    let d = mlua::serde::Deserializer::new_with_options(v, mlua::serde::de::Options::new().deny_unsupported_types(false));
    options::from_deserializer(d, what).lua()
}

/// A daemon document as a Lua value: Docker's keys, JSON `null` kept as `docker.null` so the
/// document's shape is the daemon's.
/// Takes a core [`dockernet_core::Document`] (the daemon's JSON text, transcoded into Lua tables
/// in one pass) or a `serde_json::Value`.
pub(crate) fn doc_to_lua<T: serde::Serialize + ?Sized>(lua: &Lua, v: &T) -> mlua::Result<Value> {
    lua.to_value(v)
}

/// One of dockernet's own records (exec results, interfaces) as a Lua value: a missing field is
/// `nil`, as a Lua script expects.
pub(crate) fn to_lua<T: serde::Serialize + ?Sized>(lua: &Lua, v: &T) -> mlua::Result<Value> {
    lua.to_value_with(v, mlua::serde::ser::Options::new().serialize_none_to_null(false).serialize_unit_to_null(false))
}

/// A name argument: a string, or a handle table with an `id` field (a Network or Container).
pub(crate) fn name_arg(v: &Value, what: &str, arg: &str) -> mlua::Result<String> {
    match v {
        Value::String(s) => Ok(s.to_str()?.to_string()),
        Value::Integer(i) => Ok(i.to_string()),
        Value::Table(t) => match t.raw_get::<Value>("id")? {
            Value::String(s) => Ok(s.to_str()?.to_string()),
            _ => Err(lua_err(Error::invalid(format!("{what}: {arg} must be a name or a handle, got a table without id")))),
        },
        Value::Nil => Err(lua_err(Error::invalid(format!("{what}: {arg} is required")))),
        other => Err(lua_err(Error::invalid(format!("{what}: {arg} must be a name, got {}", other.type_name())))),
    }
}
