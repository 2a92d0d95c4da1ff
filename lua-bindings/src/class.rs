//! Classes of the objects scripts get: handle classes (`Network`, `Container`, `Topology`) and
//! list classes (`NetworkList`, `InterfaceList`, …), each a metatable kept in the Lua registry
//! under `dockernet.class.NAME`. Their own file so the API files (`network.rs`, `container.rs`,
//! …) and `runtime.rs`, which builds the `docker` table from them, do not import each other.

use mlua::{Lua, Table, Value};

/// The registry metatable of a class (`Network`, `Container`, `NetworkList`, …).
pub(crate) fn class(lua: &Lua, name: &str) -> mlua::Result<Table> {
    let key = format!("dockernet.class.{name}");
    if let Ok(Value::Table(t)) = lua.named_registry_value::<Value>(&key) {
        return Ok(t);
    }
    let mt = lua.create_table()?;
    mt.set("__name", name)?;
    mt.set("__index", &mt)?;
    lua.set_named_registry_value(&key, &mt)?;
    Ok(mt)
}

/// A Lua array of `items` tagged with the list class `name` (so the REPL prints it as a table).
pub(crate) fn list_of(
    lua: &Lua,
    name: &str,
    items: impl Iterator<Item = mlua::Result<Value>>,
) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(items.size_hint().0, 0)?;
    for (i, v) in items.enumerate() {
        t.raw_set(i + 1, v?)?;
    }
    let mt = class(lua, name)?;
    if mt.raw_get::<Value>("__tostring")?.is_nil() {
        // `print(list)` and `tostring(list)` show the items (as the REPL does).
        mt.raw_set("__tostring", lua.create_function(|lua, t: Table| Ok(crate::print::list_text(lua, &t)))?)?;
    }
    t.set_metatable(Some(mt))?;
    Ok(t)
}
