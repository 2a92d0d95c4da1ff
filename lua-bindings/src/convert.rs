//! Crossing the boundary: Lua values into core option structs and arguments, daemon documents
//! into Lua tables. Documents cross through serde once (Docker's own keys, JSON `null` as
//! `docker.null`); options are read by core's deserializer so unknown keys and wrong types are
//! errors that name the key, and tables nested deeper than core's `options::MAX_DEPTH` (or
//! containing themselves) are refused there. Name and string arguments are checked here: Lua
//! would turn `42` into `"42"` silently, and a network named "42" is never what was meant.

use std::fmt;

use dockernet_core::document::Key;
use dockernet_core::{options, Document, Error};
use mlua::{Either, IntoLua, LightUserData, Lua, LuaSerdeExt, Table, Value};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{lua_err, LuaResultExt};

/// Reads an option table (`nil` means all defaults). `what` names the call for messages.
pub(crate) fn opts<T: DeserializeOwned + Default>(v: Option<Value>, what: &str) -> mlua::Result<T> {
    match v {
        None | Some(Value::Nil) => Ok(T::default()),
        Some(v @ Value::Table(_)) => options::from_deserializer(deserializer(v), what).lua(),
        Some(other) => {
            Err(lua_err(Error::invalid(format!("{what}: options must be a table, got {}", describe(&other)))))
        }
    }
}

/// Reads any serde value from Lua (used for nested specs).
pub(crate) fn value<T: DeserializeOwned>(v: Value, what: &str) -> mlua::Result<T> {
    options::from_deserializer(deserializer(v), what).lua()
}

/// mlua's serde view of a Lua value, as every option read uses it: functions and other
/// non-data values are skipped (a handle's methods live in its metatable anyway), a table that
/// contains itself is an error ("recursive table detected"). Depth is counted by core
/// ([`options::from_deserializer`]); mlua's own limit sits one level above core's so that
/// core's message, which names the option, is the one users see.
pub(crate) fn deserializer(v: Value) -> mlua::serde::Deserializer {
    let o = mlua::serde::de::Options::new().deny_unsupported_types(false).recursion_limit(options::MAX_DEPTH + 1);
    mlua::serde::Deserializer::new_with_options(v, o)
}

/// A daemon document as a Lua value: Docker's keys, JSON `null` kept as `docker.null` so the
/// document's shape is the daemon's. Built straight from the daemon's JSON text by [`LuaSeed`]:
/// no tree in between, and no serializer layer either (measured in `bench/decode/` on a 300-network
/// body: 2.4 ms against 3.1 ms through `serde_transcode` + `to_value` and 4.2 ms through a `Value`).
pub(crate) fn doc_to_lua(lua: &Lua, doc: &Document) -> mlua::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(doc.json());
    LuaSeed::new(lua).deserialize(&mut de).map_err(mlua::Error::external)?.into_lua(lua)
}

/// One item of a list the binding decodes whole (`Client::network_ls_with`): its Lua value, built
/// as [`doc_to_lua`] builds it, and its top-level `Name` (`""` when absent or not a string; the
/// first one counts), by which core sorts the list.
pub(crate) struct NamedDoc<'a>(pub &'a Lua);

impl<'de> DeserializeSeed<'de> for NamedDoc<'_> {
    type Value = (Value, String);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(Value, String), D::Error> {
        let name = std::cell::RefCell::new(None);
        let v = LuaSeed { lua: self.0, name: Some(&name) }.deserialize(d)?;
        let v = v.into_lua(self.0).map_err(de::Error::custom)?;
        Ok((v, name.into_inner().unwrap_or_default()))
    }
}

/// Any serde value (a `serde_json::Value` such as `/version`) as a Lua value, JSON `null` as
/// `docker.null`.
pub(crate) fn json_to_lua<T: serde::Serialize + ?Sized>(lua: &Lua, v: &T) -> mlua::Result<Value> {
    lua.to_value(v)
}

/// Text from the JSON: borrowed from the document when it has no escapes (always, for Docker's
/// keys and nearly always for its values), owned otherwise.
type Text<'de> = Either<&'de str, String>;

/// One decoded JSON value on its way into a Lua table: text, a table, a number, a boolean or
/// `docker.null`.
///
/// Why not `mlua::Value`: every `Value::String` is a handle — the string is made, parked in a
/// slot of mlua's reference thread, moved back onto the stack when its table is filled, and the
/// slot freed — and for a document of short strings that bookkeeping cost more than the strings
/// (bench/README.md, item 3). mlua's own `IntoLua` for `&str`, `String`, `i64`, `f64`, `bool` and
/// `LightUserData` pushes the value straight onto the Lua stack while the table is made (and
/// `Either` passes that through), so only tables stay handles.
type Lv<'de> = Either<Either<Text<'de>, Table>, Either<Either<i64, f64>, Either<bool, LightUserData>>>;

fn text(t: Text<'_>) -> Lv<'_> {
    Either::Left(Either::Left(t))
}

fn table<'de>(t: Table) -> Lv<'de> {
    Either::Left(Either::Right(t))
}

fn integer<'de>(i: i64) -> Lv<'de> {
    Either::Right(Either::Left(Either::Left(i)))
}

fn number<'de>(n: f64) -> Lv<'de> {
    Either::Right(Either::Left(Either::Right(n)))
}

fn boolean<'de>(b: bool) -> Lv<'de> {
    Either::Right(Either::Right(Either::Left(b)))
}

/// `docker.null` (mlua's `Value::NULL`: a null light userdata).
fn null<'de>() -> Lv<'de> {
    Either::Right(Either::Right(Either::Right(LightUserData(std::ptr::null_mut()))))
}

/// Builds Lua values straight from a serde deserializer: the same shapes `lua.to_value` makes
/// (arrays marked with mlua's array metatable, `null` as `Value::NULL`, integers as integers).
struct LuaSeed<'a> {
    lua: &'a Lua,
    /// Where the top-level object's `Name` goes, for [`NamedDoc`] (nested values have none).
    name: Option<&'a std::cell::RefCell<Option<String>>>,
}

impl<'a> LuaSeed<'a> {
    fn new(lua: &'a Lua) -> LuaSeed<'a> {
        LuaSeed { lua, name: None }
    }
}

impl<'de> DeserializeSeed<'de> for LuaSeed<'_> {
    type Value = Lv<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Lv<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LuaSeed<'_> {
    type Value = Lv<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Lv<'de>, E> {
        Ok(boolean(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lv<'de>, E> {
        Ok(integer(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lv<'de>, E> {
        Ok(i64::try_from(v).map_or(number(v as f64), integer))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lv<'de>, E> {
        Ok(number(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Lv<'de>, E> {
        Ok(text(Either::Left(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Lv<'de>, E> {
        Ok(text(Either::Right(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Lv<'de>, E> {
        Ok(text(Either::Right(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Lv<'de>, E> {
        Ok(null())
    }
    // serde_json cannot say how long an array or object is before reading it, so the entries are
    // gathered first and the table is made at its final size in one mlua call
    // (`create_table_from`): setting keys one `raw_set` at a time locked the state and checked the
    // stack per key, and growing the table rehashed it log2(n) times.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lv<'de>, A::Error> {
        let mut items = Vec::with_capacity(8);
        while let Some(v) = seq.next_element_seed(LuaSeed::new(self.lua))? {
            items.push(v);
        }
        let t = self.lua.create_sequence_from(items).map_err(de::Error::custom)?;
        t.set_metatable(Some(self.lua.array_metatable())).map_err(de::Error::custom)?;
        Ok(table(t))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Lv<'de>, A::Error> {
        let mut entries: Vec<(Text<'de>, Lv<'de>)> = Vec::with_capacity(16);
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let v = map.next_value_seed(LuaSeed::new(self.lua))?;
            if let Some(name) = self.name.filter(|n| k == "Name" && n.borrow().is_none()) {
                *name.borrow_mut() = Some(match &v {
                    Either::Left(Either::Left(Either::Left(t))) => t.to_string(),
                    Either::Left(Either::Left(Either::Right(t))) => t.clone(),
                    _ => String::new(),
                });
            }
            let k = match k {
                std::borrow::Cow::Borrowed(k) => Either::Left(k),
                std::borrow::Cow::Owned(k) => Either::Right(k),
            };
            entries.push((k, v));
        }
        Ok(table(self.lua.create_table_from(entries).map_err(de::Error::custom)?))
    }
}

/// One of dockernet's own records (exec results, interfaces) as a Lua value: a missing field is
/// `nil`, as a Lua script expects.
pub(crate) fn to_lua<T: serde::Serialize + ?Sized>(lua: &Lua, v: &T) -> mlua::Result<Value> {
    lua.to_value_with(v, mlua::serde::ser::Options::new().serialize_none_to_null(false).serialize_unit_to_null(false))
}

/// A name argument: a string, or a handle table with a string `id` field (a Network or
/// Container). Anything else, numbers included, is an `invalid` error naming `arg` and the value:
/// `network create: name must be a string, got number 42`.
pub(crate) fn name_arg(v: &Value, what: &str, arg: &str) -> mlua::Result<String> {
    match v {
        Value::String(_) => string_arg(v, what, arg),
        Value::Table(t) => match t.raw_get::<Value>("id")? {
            id @ Value::String(_) => string_arg(&id, what, &format!("{arg}'s id")),
            _ => Err(lua_err(Error::invalid(format!(
                "{what}: {arg} must be a name or a handle, got a table without a string id"
            )))),
        },
        Value::Nil => Err(lua_err(Error::invalid(format!("{what}: {arg} is required")))),
        other => Err(lua_err(Error::invalid(format!("{what}: {arg} must be a string, got {}", describe(other))))),
    }
}

/// [`name_arg`] for a call to the daemon at `daemon`: a handle must come from that daemon.
/// Why: with `docker.connect`, one script holds handles of several daemons; an id is meaningless
/// on another daemon, and acting on whatever happens to answer there would be worse than an error.
pub(crate) fn handle_arg(v: &Value, what: &str, arg: &str, daemon: &str) -> mlua::Result<String> {
    let name = name_arg(v, what, arg)?;
    if let Value::Table(t) = v {
        if let Value::String(from) = t.raw_get::<Value>("daemon")? {
            let from = from.to_string_lossy();
            if from != daemon {
                return Err(lua_err(Error::invalid(format!(
                    "{what}: {arg} {name:?} is a handle from the daemon at {from}, but this call goes to {daemon} \
                     (use the client it came from, or pass a name)"
                ))));
            }
        }
    }
    Ok(name)
}

/// A string argument (a file path, a format name): only a Lua string that is UTF-8 text. A
/// number is refused rather than turned into text, as everywhere in the API.
pub(crate) fn string_arg(v: &Value, what: &str, arg: &str) -> mlua::Result<String> {
    match v {
        Value::String(s) => match s.to_str() {
            Ok(t) => Ok(t.to_string()),
            Err(_) => Err(lua_err(Error::invalid(format!(
                "{what}: {arg} is not UTF-8 text: \"{}\"",
                s.as_bytes().escape_ascii()
            )))),
        },
        Value::Nil => Err(lua_err(Error::invalid(format!("{what}: {arg} is required")))),
        other => Err(lua_err(Error::invalid(format!("{what}: {arg} must be a string, got {}", describe(other))))),
    }
}

/// An optional string argument: `nil` is `None`, anything else as [`string_arg`].
pub(crate) fn opt_string_arg(v: &Value, what: &str, arg: &str) -> mlua::Result<Option<String>> {
    match v {
        Value::Nil => Ok(None),
        v => string_arg(v, what, arg).map(Some),
    }
}

/// A value as messages name it: its Lua type, and the value itself when it is short and
/// printable (`number 42`, `boolean true`, `table`).
/// A value as a message names it (`number 2.0`, `string "x"`, `table`). A float keeps its
/// fraction (`2.0`, not `2`, so it reads as the float it is) and shows in the shortest form that
/// reads back the same; the REPL prints numbers through the runtime itself (`print.rs`).
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Integer(i) => format!("number {i}"),
        Value::Number(n) if n.is_nan() => "number nan".to_string(),
        Value::Number(n) if n.is_infinite() => format!("number {}inf", if *n < 0.0 { "-" } else { "" }),
        Value::Number(n) => format!("number {n:?}"),
        Value::Boolean(b) => format!("boolean {b}"),
        Value::String(s) => format!("string \"{}\"", s.as_bytes().escape_ascii()),
        other => other.type_name().to_string(),
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

    /// A list decoded whole gives each item as `doc_to_lua` gives it, with its first `Name`
    /// (`""` when it is not a string or absent), which the nested `Name`s do not change.
    #[test]
    fn list_items_decode_as_documents_do() {
        let lua = Lua::new();
        let items = [
            r#"{"Name":"b","Id":"1","IPAM":{"Config":[{"Name":"nested"}]},"Labels":null}"#,
            r#"{"Id":"2","Nested":{"Name":"no"},"Name":"a","Name":"second"}"#,
            r#"{"Name":7}"#,
            r#"{"Id":"4"}"#,
        ];
        let text = format!("[{}]", items.join(","));
        let got = dockernet_core::document::decode_list(&text, || NamedDoc(&lua)).unwrap();
        let names: Vec<&str> = got.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["b", "a", "", ""]);
        for ((v, _), item) in got.iter().zip(items) {
            let want = doc_to_lua(&lua, &Document::from_slice(item.as_bytes()).unwrap()).unwrap();
            assert!(same(v, &want), "{item}");
        }
    }

    /// The core error inside a failed conversion (every refusal is one).
    fn core_error(e: &mlua::Error) -> &Error {
        &e.downcast_ref::<crate::error::LuaDockerError>().unwrap_or_else(|| panic!("not a dockernet error: {e}")).0
    }

    /// The message of a conversion that must fail as `invalid`.
    fn invalid<T: std::fmt::Debug>(r: mlua::Result<T>) -> String {
        let e = r.expect_err("must be refused");
        let e = core_error(&e);
        assert_eq!(e.kind(), dockernet_core::ErrorKind::Invalid, "{e}");
        e.message().to_string()
    }

    /// Numbers, booleans, functions and tables without a string id are refused as names with the
    /// argument and the value named; strings and handles pass.
    #[test]
    fn names_must_be_strings_or_handles() {
        let lua = Lua::new();
        let v = |code: &str| lua.load(code).eval::<Value>().unwrap();
        let m = invalid(name_arg(&Value::Integer(42), "network create", "name"));
        assert_eq!(m, "network create: name must be a string, got number 42");
        assert!(invalid(name_arg(&v("4.5"), "x", "name")).ends_with("got number 4.5"));
        assert!(invalid(name_arg(&v("true"), "x", "name")).ends_with("got boolean true"));
        assert!(invalid(name_arg(&v("print"), "x", "name")).ends_with("got function"));
        assert!(invalid(name_arg(&v("{id = 42}"), "x", "name")).contains("without a string id"));
        assert!(invalid(name_arg(&Value::Nil, "x", "name")).ends_with("name is required"));
        assert!(invalid(name_arg(&v("'\\xff'"), "x", "name")).contains("not UTF-8 text: \"\\xff\""));
        assert_eq!(name_arg(&v("'front'"), "x", "name").unwrap(), "front");
        assert_eq!(name_arg(&v("{id = 'abc', name = 'n'}"), "x", "name").unwrap(), "abc");
        assert!(invalid(string_arg(&Value::Integer(7), "docker.topology.load", "path"))
            .ends_with("path must be a string, got number 7"));
        assert!(invalid(string_arg(&v("{id = 'abc'}"), "x", "format")).ends_with("format must be a string, got table"));
        assert_eq!(opt_string_arg(&Value::Nil, "x", "format").unwrap(), None);
    }

    /// A table that contains itself, a table nested deeper than `MAX_DEPTH` and a table whose
    /// length claims 2^40 entries are `invalid` errors naming the option, from every reader.
    #[test]
    fn hostile_tables_are_refused_by_name() {
        use dockernet_core::container::{Command, RunOptions};
        use dockernet_core::network::CreateOptions;
        let lua = Lua::new();
        let v = |code: &str| lua.load(code).eval::<Value>().unwrap();
        let cyclic = v("local d = {} d.a = d return {labels = d}");
        let m = invalid(opts::<CreateOptions>(Some(cyclic), "network create \"x\""));
        assert_eq!(m, "network create \"x\": option labels: recursive table detected");
        let deep = v("local t = {} for i = 1, 100000 do t = {t} end return {image = 'x', ports = t}");
        let m = invalid(opts::<RunOptions>(Some(deep), "container run"));
        assert!(m.starts_with("container run: option ports[0][0]") && m.contains("nested more than 64 levels"), "{m}");
        let deep =
            v("local t = {} for i = 1, 100000 do t = {t} end return {name = 'x', nodes = {{name = 'a', ports = t}}}");
        let m = invalid(dockernet_core::topology::Topology::from_deserializer(deserializer(deep)).lua());
        assert!(m.contains("nested more than 64 levels"), "{m}");
        let deep = v("local t = 'sh' for i = 1, 1000 do t = {t} end return t");
        assert!(invalid(value::<Command>(deep, "container exec")).starts_with("container exec: "));
        // `#t` of this table is 2^40 + 1: read as a list, it was a trillion nils.
        let sparse = v("local t = {1, 2} local c = 1 while c < (1 << 40) do c = c * 2 t[c] = 1 t[c + 1] = 1 end \
                        return {image = 'x', ports = t}");
        let m = invalid(opts::<RunOptions>(Some(sparse), "container run"));
        assert!(m.contains("option ports") && m.contains("more than 1000000 entries"), "{m}");
        // A value within the limits is read as before (the top-level table is a level too).
        let ok = v("local t = 'v' for i = 1, 63 do t = {t} end return {image = 'x', ports = t}");
        assert!(opts::<RunOptions>(Some(ok), "container run").unwrap().ports.is_some());
    }

    mod fuzz {
        //! Random Lua values (built in a real Lua state: nested tables, cycles, holes, huge
        //! lengths, functions, `docker.null`, bytes that are not UTF-8, NaN) through every option
        //! reader and argument check: each converts or is a typed `invalid` error. Seeded
        //! (ChaCha, deterministic) and bounded.
        use super::*;
        use dockernet_core::container::{Command, ExecOptions, RunOptions, StopOptions};
        use dockernet_core::network::{ConnectOptions, CreateOptions, ListOptions};
        use dockernet_core::topology::{Topology, VerifyOptions};
        use mlua::Table;
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

        /// A Lua value to build.
        #[derive(Debug, Clone)]
        enum Tree {
            Nil,
            Bool(bool),
            Int(i64),
            Num(f64),
            Bytes(Vec<u8>),
            Word(&'static str),
            Function,
            Null,
            /// The `k`-th enclosing table (modulo how many there are): a cycle.
            Up(usize),
            Array(Vec<Tree>),
            Map(Vec<(Tree, Tree)>),
            /// Wrapped in `n` one-element tables.
            Deep(usize, Box<Tree>),
            /// A table whose length (a border) is about 2^k with 2k entries. (k stays small here:
            /// each read of a huge one visits `MAX_ITEMS` nils before it is refused, which the
            /// explicit case in `hostile_tables_are_refused_by_name` does once.)
            Sparse(u32),
        }

        const WORDS: &[&str] = &[
            "name",
            "driver",
            "subnet",
            "gateway",
            "labels",
            "options",
            "internal",
            "image",
            "command",
            "env",
            "networks",
            "nodes",
            "aliases",
            "ports",
            "sysctls",
            "filters",
            "timeout",
            "expect",
            "routes",
            "to",
            "via",
            "from",
            "reach",
            "ipv4",
            "cap_add",
            "force",
            "all",
            "10.0.0.0/24",
            "80:80",
            "a=b",
            "id",
            "",
        ];

        fn tree() -> impl Strategy<Value = Tree> {
            let leaf = prop_oneof![
                Just(Tree::Nil),
                any::<bool>().prop_map(Tree::Bool),
                any::<i64>().prop_map(Tree::Int),
                any::<f64>().prop_map(Tree::Num),
                prop::collection::vec(any::<u8>(), 0..8).prop_map(Tree::Bytes),
                prop::sample::select(WORDS).prop_map(Tree::Word),
                Just(Tree::Function),
                Just(Tree::Null),
                (0..4usize).prop_map(Tree::Up),
                (1..14u32).prop_map(Tree::Sparse),
            ];
            leaf.prop_recursive(5, 40, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(Tree::Array),
                    prop::collection::vec(
                        (
                            prop_oneof![3 => prop::sample::select(WORDS).prop_map(Tree::Word), 1 => inner.clone()],
                            inner.clone()
                        ),
                        0..5
                    )
                    .prop_map(Tree::Map),
                    (0..100usize, inner).prop_map(|(n, t)| Tree::Deep(n, Box::new(t))),
                ]
            })
        }

        /// Builds `t` in `lua`; `open` holds the enclosing tables (for [`Tree::Up`]).
        fn build(lua: &Lua, t: &Tree, open: &mut Vec<Table>) -> mlua::Result<Value> {
            Ok(match t {
                Tree::Nil => Value::Nil,
                Tree::Bool(b) => Value::Boolean(*b),
                Tree::Int(i) => Value::Integer(*i),
                Tree::Num(n) => Value::Number(*n),
                Tree::Bytes(b) => Value::String(lua.create_string(b)?),
                Tree::Word(w) => Value::String(lua.create_string(w)?),
                Tree::Function => Value::Function(lua.create_function(|_, ()| Ok(()))?),
                Tree::Null => Value::NULL,
                Tree::Up(k) => match open.len() {
                    0 => Value::Nil,
                    n => Value::Table(open[n - 1 - k % n].clone()),
                },
                Tree::Array(items) => {
                    let table = lua.create_table()?;
                    open.push(table.clone());
                    for (i, item) in items.iter().enumerate() {
                        table.raw_set(i + 1, build(lua, item, open)?)?;
                    }
                    open.pop();
                    Value::Table(table)
                }
                Tree::Map(entries) => {
                    let table = lua.create_table()?;
                    open.push(table.clone());
                    for (k, v) in entries {
                        let k = build(lua, k, open)?;
                        let v = build(lua, v, open)?;
                        // nil and NaN cannot be keys.
                        if !matches!(k, Value::Nil) && !matches!(k, Value::Number(n) if n.is_nan()) {
                            table.raw_set(k, v)?;
                        }
                    }
                    open.pop();
                    Value::Table(table)
                }
                Tree::Deep(n, inner) => {
                    let mut v = build(lua, inner, open)?;
                    for _ in 0..*n {
                        v = Value::Table(lua.create_sequence_from([v])?);
                    }
                    v
                }
                Tree::Sparse(k) => {
                    let table = lua.create_table()?;
                    table.raw_set(1, "a")?;
                    table.raw_set(2, "b")?;
                    let mut c: i64 = 1;
                    while c < (1 << k) {
                        c *= 2;
                        table.raw_set(c, "x")?;
                        table.raw_set(c + 1, "y")?;
                    }
                    Value::Table(table)
                }
            })
        }

        fn runner(cases: u32) -> TestRunner {
            let config = Config { cases, failure_persistence: None, ..Config::default() };
            TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
        }

        /// Converted, or refused as a dockernet `invalid` error: never a panic, never an mlua
        /// error without a kind.
        fn typed<T>(r: mlua::Result<T>) -> Result<(), TestCaseError> {
            match r {
                Ok(_) => Ok(()),
                Err(e) => match e.downcast_ref::<crate::error::LuaDockerError>() {
                    Some(d) if d.0.kind() == dockernet_core::ErrorKind::Invalid => Ok(()),
                    _ => Err(TestCaseError::fail(format!("not an invalid error: {e:?}"))),
                },
            }
        }

        /// Every reader a Lua value meets converts it or refuses it as `invalid`; a name is
        /// accepted only when it is a string (or a handle with a string id).
        #[test]
        fn lua_values_convert_or_fail_typed() {
            let lua = Lua::new();
            runner(320)
                .run(&tree(), |t| {
                    let v = build(&lua, &t, &mut Vec::new()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let wrapped = lua.create_table().and_then(|w| {
                        w.raw_set("labels", v.clone())?;
                        w.raw_set("ports", v.clone())?;
                        w.raw_set("image", "x")?;
                        Ok(Value::Table(w))
                    });
                    let wrapped = wrapped.map_err(|e| TestCaseError::fail(e.to_string()))?;
                    typed(opts::<CreateOptions>(Some(v.clone()), "fuzz"))?;
                    typed(opts::<ConnectOptions>(Some(v.clone()), "fuzz"))?;
                    typed(opts::<ListOptions>(Some(v.clone()), "fuzz"))?;
                    typed(opts::<RunOptions>(Some(v.clone()), "fuzz"))?;
                    typed(opts::<RunOptions>(Some(wrapped.clone()), "fuzz"))?;
                    typed(opts::<ExecOptions>(Some(v.clone()), "fuzz"))?;
                    typed(opts::<StopOptions>(Some(v.clone()), "fuzz"))?;
                    typed(opts::<VerifyOptions>(Some(v.clone()), "fuzz"))?;
                    typed(value::<Command>(v.clone(), "fuzz"))?;
                    typed(value::<serde_json::Value>(v.clone(), "fuzz"))?;
                    typed(Topology::from_deserializer(deserializer(v.clone())).lua())?;
                    typed(Topology::from_deserializer(deserializer(wrapped)).lua())?;
                    let name = name_arg(&v, "fuzz", "name");
                    let is_name = match &v {
                        Value::String(s) => s.to_str().is_ok(),
                        Value::Table(t) => {
                            matches!(t.raw_get::<Value>("id"), Ok(Value::String(s)) if s.to_str().is_ok())
                        }
                        _ => false,
                    };
                    prop_assert_eq!(name.is_ok(), is_name);
                    typed(name)?;
                    typed(string_arg(&v, "fuzz", "path"))?;
                    Ok(())
                })
                .unwrap();
        }
    }
}
