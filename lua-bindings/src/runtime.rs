//! Building the `docker` table on a Lua state.
//!
//! The Rust functions of `network.rs` and `container.rs` are wrapped once, here, by a small Lua
//! function that turns a failed call's core error into dockernet's error table (see `error.rs`)
//! and re-raises it. Handle classes (`Network`, `Container`) and list classes (`NetworkList`, …)
//! are metatables kept in the registry; their methods are Lua over the wrapped API, so they raise
//! the same error tables.

use std::time::Instant;

use dockernet_core::BlockingClient;
use mlua::{Lua, LuaOptions, StdLib, Table, Value};

use crate::error::to_lua_error;

/// A Lua 5.4 state with the safe standard libraries (no `debug`: mlua refuses it outside
/// `unsafe`; tracebacks come from mlua's own error handler).
pub fn new_lua() -> mlua::Result<Lua> {
    Lua::new_with(StdLib::ALL_SAFE, LuaOptions::default())
}

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
    let t = lua.create_table()?;
    for (i, v) in items.enumerate() {
        t.raw_set(i + 1, v?)?;
    }
    t.set_metatable(Some(class(lua, name)?))?;
    Ok(t)
}

const WRAP: &str = r#"
local to_error = ...
local function pass(ok, ...)
  if ok then return ... end
  error(to_error((...)), 0)
end
local function wrap(t)
  local out = {}
  for k, v in pairs(t) do
    if type(v) == "function" then
      out[k] = function(...) return pass(pcall(v, ...)) end
    elseif type(v) == "table" and getmetatable(v) == nil then
      out[k] = wrap(v)
    else
      out[k] = v
    end
  end
  return out
end
return wrap
"#;

/// Builds the `docker` table for `client`, sets it as the global `docker` and as
/// `package.loaded.dockernet` (so `require "dockernet"` returns it), and returns it.
pub fn register(lua: &Lua, client: BlockingClient) -> mlua::Result<Table> {
    let raw = lua.create_table()?;
    raw.set("network", crate::network::functions(lua, &client)?)?;
    raw.set("container", crate::container::functions(lua, &client)?)?;
    raw.set("swarm", crate::swarm::functions(lua, &client)?)?;
    let c = client.clone();
    raw.set(
        "version",
        lua.create_function(move |lua, ()| crate::convert::json_to_lua(lua, &crate::error::LuaResultExt::lua(c.version())?))?,
    )?;
    let c = client.clone();
    raw.set("ping", lua.create_function(move |_, ()| crate::error::LuaResultExt::lua(c.ping()).map(|_| true))?)?;
    // A monotonic clock in seconds, for timing loops inside scripts (stock Lua has none).
    let start = Instant::now();
    raw.set("clock", lua.create_function(move |_, ()| Ok(start.elapsed().as_secs_f64()))?)?;

    let to_error = lua.create_function(|lua, v: Value| to_lua_error(lua, v))?;
    let wrap: mlua::Function = lua.load(WRAP).set_name("=dockernet.wrap").call(to_error)?;
    let docker: Table = wrap.call(raw)?;
    docker.set("host", client.host().url.as_str())?;
    docker.set("null", mlua::Value::NULL)?;
    // Handle classes: methods written in Lua over the wrapped API.
    for (name, methods) in [("Network", crate::network::METHODS), ("Container", crate::container::METHODS)] {
        let mt = class(lua, name)?;
        lua.load(methods).set_name(format!("=dockernet.{name}")).call::<()>((&docker, &mt))?;
    }
    // `docker.topology`: a callable table (constructor) whose objects' methods use wrapped ops.
    let ops: Table = wrap.call(crate::topology::ops(lua, &client)?)?;
    lua.load(crate::topology::METHODS).set_name("=dockernet.Topology").call::<()>((&docker, class(lua, "Topology")?, ops))?;
    crate::error::error_metatable(lua)?;
    lua.globals().set("docker", &docker)?;
    let loaded: Table = lua.globals().get::<Table>("package")?.get("loaded")?;
    loaded.set("dockernet", &docker)?;
    Ok(docker)
}
