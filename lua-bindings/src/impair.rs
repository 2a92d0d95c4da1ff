//! `docker.impair`: link impairment from Lua — set, clear, read back, re-apply — and the
//! `Container` methods over it (`c:impair("wan", {delay = "100ms"})`, `c:impair("wan", nil)`,
//! `c:impairment("wan")`, `c:reapply_impairment()`). The mechanism and its limits are core's
//! (`dockernet_core::impair`); here only arguments are read and results made tables.

use dockernet_core::impair::Impairment;
use dockernet_core::BlockingClient;
use mlua::{Lua, Table, Value};

use crate::convert::{deserializer, describe, handle_arg, name_arg, to_lua};
use crate::error::{lua_err, LuaResultExt};

/// Reads `{delay = "40ms", loss = 1, …}` (`nil` or `{}`: nothing, which clears).
fn impairment(v: Option<Value>, what: &str) -> mlua::Result<Impairment> {
    match v {
        None | Some(Value::Nil) => Ok(Impairment::default()),
        Some(v @ Value::Table(_)) => Impairment::from_deserializer(deserializer(v), what).lua(),
        Some(other) => Err(lua_err(dockernet_core::Error::invalid(format!(
            "{what}: the impairment must be a table such as {{delay = \"40ms\"}} (or nil to clear), got {}",
            describe(&other)
        )))),
    }
}

/// An impairment as a Lua table of texts (`{delay = "40ms", loss = "1%"}`).
fn impairment_to_lua(lua: &Lua, i: &Impairment) -> mlua::Result<Value> {
    to_lua(lua, &i.to_map())
}

/// The raw `docker.impair` functions.
pub(crate) fn functions(lua: &Lua, client: &BlockingClient) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let c = client.clone();
    t.set(
        "apply",
        lua.create_function(move |_, (ctr, net, o): (Value, Value, Option<Value>)| {
            let ctr = handle_arg(&ctr, "impair", "container", &c.host().url)?;
            let net = name_arg(&net, "impair", "network")?;
            let shown = if ctr.len() == 64 { dockernet_core::lookup::short_id(&ctr) } else { &ctr };
            let imp = impairment(o, &format!("impair {shown:?} on {net:?}"))?;
            c.impair_apply(&ctr, &net, &imp).lua()
        })?,
    )?;
    let c = client.clone();
    t.set(
        "clear",
        lua.create_function(move |_, (ctr, net): (Value, Value)| {
            let ctr = handle_arg(&ctr, "impair clear", "container", &c.host().url)?;
            let net = name_arg(&net, "impair clear", "network")?;
            c.impair_clear(&ctr, &net).lua()
        })?,
    )?;
    let c = client.clone();
    t.set(
        "read",
        lua.create_function(move |lua, (ctr, net): (Value, Value)| {
            let ctr = handle_arg(&ctr, "impair read", "container", &c.host().url)?;
            let net = name_arg(&net, "impair read", "network")?;
            match c.impair_read(&ctr, &net).lua()? {
                Some(i) => impairment_to_lua(lua, &i),
                None => Ok(Value::Nil),
            }
        })?,
    )?;
    let c = client.clone();
    t.set(
        "reapply",
        lua.create_function(move |lua, ctr: Value| {
            let ctr = handle_arg(&ctr, "impair reapply", "container", &c.host().url)?;
            let done = c.impair_reapply(&ctr).lua()?;
            let out = lua.create_table()?;
            for (net, imp) in done {
                let item = lua.create_table()?;
                item.set("network", net)?;
                item.set("impairment", impairment_to_lua(lua, &imp)?)?;
                out.raw_push(item)?;
            }
            Ok(out)
        })?,
    )?;
    Ok(t)
}
