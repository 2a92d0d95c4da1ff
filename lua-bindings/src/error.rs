//! Core errors as Lua error values: a table `{kind=, status=, message=}` with a `__tostring`.
//!
//! A Rust callback can only fail with an `mlua::Error`, which reaches Lua as opaque userdata.
//! So every API function is registered through a thin Lua wrapper (see `runtime.rs`) that
//! catches the failure, asks [`to_lua_error`] for the table, and re-raises that: `pcall` gives
//! scripts the structure, and an uncaught error prints one clear line through `__tostring`.

use mlua::{Lua, Table, Value};

/// A core error travelling through mlua as an external error.
#[derive(Debug)]
pub(crate) struct LuaDockerError(pub dockernet_core::Error);

impl std::fmt::Display for LuaDockerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for LuaDockerError {}

/// Wraps a core error for returning from a Rust callback.
pub(crate) fn lua_err(e: dockernet_core::Error) -> mlua::Error {
    mlua::Error::external(LuaDockerError(e))
}

/// `Result` of core → `mlua::Result`.
pub(crate) trait LuaResultExt<T> {
    /// Maps the core error into a Lua-bound error.
    fn lua(self) -> mlua::Result<T>;
}

impl<T> LuaResultExt<T> for dockernet_core::Result<T> {
    fn lua(self) -> mlua::Result<T> {
        self.map_err(lua_err)
    }
}

/// The metatable shared by every error table.
pub(crate) fn error_metatable(lua: &Lua) -> mlua::Result<Table> {
    let key = "dockernet.DockerError";
    if let Ok(Value::Table(t)) = lua.named_registry_value::<Value>(key) {
        return Ok(t);
    }
    let mt: Table = lua
        .load(
            r#"
            local mt = { __name = "DockerError" }
            mt.__tostring = function(e)
              if e.status then
                return string.format("%s (%s, daemon status %d)", e.message, e.kind, e.status)
              end
              return string.format("%s (%s)", e.message, e.kind)
            end
            return mt
            "#,
        )
        .set_name("=dockernet.error")
        .eval()?;
    lua.set_named_registry_value(key, &mt)?;
    Ok(mt)
}

/// Builds the Lua error table for a core error.
pub(crate) fn error_table(lua: &Lua, e: &dockernet_core::Error) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set("kind", e.kind().as_str())?;
    t.set("status", e.status())?;
    t.set("message", e.message())?;
    t.set_metatable(Some(error_metatable(lua)?))?;
    Ok(t)
}

/// Turns a caught error value into dockernet's error table when it carries a core error;
/// anything else is returned unchanged.
pub(crate) fn to_lua_error(lua: &Lua, v: Value) -> mlua::Result<Value> {
    if let Value::Error(err) = &v {
        if let Some(LuaDockerError(e)) = err.downcast_ref::<LuaDockerError>() {
            lua.set_app_data(LastErrorKind(e.kind()));
            return Ok(Value::Table(error_table(lua, e)?));
        }
    }
    Ok(v)
}

/// The kind of the last core error raised into Lua (lets the program print an unreachable
/// daemon as one line).
pub(crate) struct LastErrorKind(pub dockernet_core::ErrorKind);

/// The kind of the most recent dockernet error raised in `lua`, if any.
pub fn last_error_kind(lua: &Lua) -> Option<dockernet_core::ErrorKind> {
    lua.app_data_ref::<LastErrorKind>().map(|k| k.0)
}
