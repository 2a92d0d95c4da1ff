//! Crossing the boundary: Lua values into core option structs and arguments, daemon documents
//! into Lua tables. Documents cross through serde once (Docker's own keys, JSON `null` as
//! `docker.null`); options are read by core's deserializer so unknown keys and wrong types are
//! errors that name the key.

use std::fmt;

use dockernet_core::document::Key;
use dockernet_core::{options, Document, Error};
use mlua::{Lua, LuaSerdeExt, Value};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

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
/// document's shape is the daemon's. Built straight from the daemon's JSON text by [`LuaSeed`]:
/// no tree in between, and no serializer layer either (measured in `bench/decode/` on a 300-network
/// body: 2.4 ms against 3.1 ms through `serde_transcode` + `to_value` and 4.2 ms through a `Value`).
pub(crate) fn doc_to_lua(lua: &Lua, doc: &Document) -> mlua::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(doc.json());
    LuaSeed(lua).deserialize(&mut de).map_err(mlua::Error::external)
}

/// Any serde value (a `serde_json::Value` such as `/version`) as a Lua value, JSON `null` as
/// `docker.null`.
pub(crate) fn json_to_lua<T: serde::Serialize + ?Sized>(lua: &Lua, v: &T) -> mlua::Result<Value> {
    lua.to_value(v)
}

/// Builds Lua values straight from a serde deserializer: the same shapes `lua.to_value` makes
/// (arrays marked with mlua's array metatable, `null` as `Value::NULL`, integers as integers).
struct LuaSeed<'a>(&'a Lua);

impl<'de> DeserializeSeed<'de> for LuaSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LuaSeed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Boolean(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Integer(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Number(v as f64), Value::Integer))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.0.create_string(v).map(Value::String).map_err(E::custom)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::NULL)
    }
    // serde_json cannot say how long an array or object is before reading it, so the entries are
    // gathered first and the table is made at its final size in one mlua call
    // (`create_table_from`): setting keys one `raw_set` at a time locked the state and checked the
    // stack per key, and growing the table rehashed it log2(n) times.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(8);
        while let Some(v) = seq.next_element_seed(LuaSeed(self.0))? {
            items.push(v);
        }
        let t = self.0.create_sequence_from(items).map_err(de::Error::custom)?;
        t.set_metatable(Some(self.0.array_metatable())).map_err(de::Error::custom)?;
        Ok(Value::Table(t))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::with_capacity(16);
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let v = map.next_value_seed(LuaSeed(self.0))?;
            entries.push((k, v));
        }
        Ok(Value::Table(self.0.create_table_from(entries).map_err(de::Error::custom)?))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Deep equality of two Lua values, metatables of arrays included.
    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Table(x), Value::Table(y)) => {
                let marked = |t: &mlua::Table| t.metatable().is_some();
                marked(x) == marked(y)
                    && x.pairs::<Value, Value>().count() == y.pairs::<Value, Value>().count()
                    && x.pairs::<Value, Value>().all(|p| {
                        let (k, v) = p.unwrap();
                        same(&v, &y.raw_get::<Value>(k).unwrap())
                    })
            }
            (Value::String(x), Value::String(y)) => x.as_bytes() == y.as_bytes(),
            (x, y) => x == y,
        }
    }

    /// The one-pass decoder builds exactly what `lua.to_value` of the parsed tree builds: nulls,
    /// empty and nested arrays (with mlua's array metatable), big and negative numbers, escapes.
    #[test]
    fn documents_decode_as_to_value_would() {
        let lua = Lua::new();
        let text = r#"{"Name":"a\"b\u00e9","Id":"x","Labels":null,"Options":{},"Config":[],
            "IPAM":{"Config":[{"Subnet":"10.1.0.0/24","AuxiliaryAddresses":null}],"Driver":"default"},
            "N":[1,-2,3.5,18446744073709551615,true,false,null,[[]]]}"#;
        let doc = Document::from_slice(text.as_bytes()).unwrap();
        let tree: serde_json::Value = serde_json::from_str(text).unwrap();
        let ours = doc_to_lua(&lua, &doc).unwrap();
        let theirs = lua.to_value(&tree).unwrap();
        assert!(same(&ours, &theirs));
        let Value::Table(t) = ours else { panic!("not a table") };
        assert_eq!(t.get::<String>("Name").unwrap(), "a\"bé");
        assert_eq!(t.get::<Value>("Labels").unwrap(), Value::NULL);
    }
}
