//! `docker.swarm`: the Lua face of core's swarm membership — `init`, `join`, `leave`, `inspect`,
//! `nodes`, `state` — named after the docker CLI's `swarm` commands.
//!
//! Overlay networks (`docker.network.create(name, {driver = "overlay", attachable = true})`) need
//! the daemon to be a swarm manager; this table is how a script gets it there.

use dockernet_core::swarm::{InitOptions, JoinOptions, LeaveOptions};
use dockernet_core::BlockingClient;
use mlua::{Lua, Table, Value};

use crate::convert::{doc_to_lua, opts, to_lua};
use crate::error::LuaResultExt;
use crate::class::list_of;

/// The raw `docker.swarm` functions (wrapped by the runtime before scripts see them).
pub(crate) fn functions(lua: &Lua, client: &BlockingClient) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let c = client.clone();
    t.set(
        "init",
        lua.create_function(move |_, o: Option<Value>| {
            let o: InitOptions = opts(o, "swarm init")?;
            c.swarm_init(&o).lua()
        })?,
    )?;
    let c = client.clone();
    t.set(
        "join",
        lua.create_function(move |_, o: Option<Value>| {
            let o: JoinOptions = opts(o, "swarm join")?;
            c.swarm_join(&o).lua().map(|_| true)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "leave",
        lua.create_function(move |_, o: Option<Value>| {
            let o: LeaveOptions = opts(o, "swarm leave")?;
            c.swarm_leave(&o).lua().map(|_| true)
        })?,
    )?;
    let c = client.clone();
    t.set("inspect", lua.create_function(move |lua, ()| doc_to_lua(lua, &c.swarm_inspect().lua()?))?)?;
    let c = client.clone();
    t.set(
        "nodes",
        lua.create_function(move |lua, ()| {
            let docs = c.swarm_nodes().lua()?;
            list_of(lua, "NodeList", docs.iter().map(|d| doc_to_lua(lua, d)))
        })?,
    )?;
    let c = client.clone();
    t.set("state", lua.create_function(move |lua, ()| to_lua(lua, &c.swarm_state().lua()?))?)?;
    Ok(t)
}
