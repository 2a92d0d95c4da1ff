//! `docker.container`: the container operations a topology needs, and the `Container` handle.

use dockernet_core::container::{
    Command, ContainerRef, ExecOptions, ListOptions, RemoveOptions, RunOptions, StopOptions,
};
use dockernet_core::BlockingClient;
use mlua::{Lua, Table, Value};

use crate::convert::{doc_to_lua, handle_arg, opts, to_lua, value};
use crate::error::LuaResultExt;
use crate::class::{class, list_of};

/// The `Container` handle's methods, in Lua over the wrapped API.
pub(crate) const METHODS: &str = r#"
local apis, M, no_such = ...
-- The API of the daemon the handle came from (handles remember it: see runtime.rs).
local function api(h) return apis[h.daemon] or error("this Container handle's daemon " .. tostring(h.daemon) .. " has no client", 3) end
function M:inspect() return api(self).container.inspect(self) end
function M:exec(cmd, o) return api(self).container.exec(self, cmd, o) end
function M:interfaces() return api(self).container.interfaces(self) end
function M:stop(o) return api(self).container.stop(self, o) end
function M:rm(o) api(self).container.rm(self, o); return self.name end
function M:connect(net, o) return api(self).network.connect(net, self, o) end
function M:disconnect(net, o) return api(self).network.disconnect(net, self, o) end
function M:impair(net, o) return api(self).impair.apply(self, net, o) end
function M:impairment(net) return api(self).impair.read(self, net) end
function M:reapply_impairment() return api(self).impair.reapply(self) end
M.__tostring = function(c)
  return string.format("Container(name=%q, id=%q, image=%q)", c.name, c.short_id, c.image)
end
M.__eq = function(a, b) return a.id == b.id end
-- A missing method or field raises, naming the nearest (`net:inpsect()` -> "no Container:inpsect; did
-- you mean Container:inspect?"), instead of "attempt to call a nil value". Optional fields are nil.
local OPTIONAL = {}
M.__index = function(h, k)
  local m = rawget(M, k)
  if m ~= nil or OPTIONAL[k] then return m end
  error(no_such("Container", k, h), 2)
end
"#;

/// A `Container` handle table.
pub(crate) fn container_handle(lua: &Lua, r: &ContainerRef, daemon: &str) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set("daemon", daemon)?;
    t.set("id", r.id.as_str())?;
    t.set("short_id", dockernet_core::lookup::short_id(&r.id))?;
    t.set("name", r.name.as_str())?;
    t.set("image", r.image.as_str())?;
    t.set_metatable(Some(class(lua, "Container")?))?;
    Ok(t)
}

/// The raw `docker.container` functions.
pub(crate) fn functions(lua: &Lua, client: &BlockingClient) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let c = client.clone();
    t.set(
        "run",
        lua.create_function(move |lua, o: Option<Value>| {
            let o: RunOptions = opts(o, "container run")?;
            container_handle(lua, &c.container_run(&o).lua()?, &c.host().url)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "get",
        lua.create_function(move |lua, ctr: Value| {
            let ctr = handle_arg(&ctr, "container get", "container", &c.host().url)?;
            container_handle(lua, &c.container_get(&ctr).lua()?, &c.host().url)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "inspect",
        lua.create_function(move |lua, ctr: Value| {
            let ctr = handle_arg(&ctr, "container inspect", "container", &c.host().url)?;
            doc_to_lua(lua, &c.container_inspect(&ctr).lua()?)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "ls",
        lua.create_function(move |lua, o: Option<Value>| {
            let o: ListOptions = opts(o, "container ls")?;
            let docs = c.container_ls(&o).lua()?;
            list_of(lua, "ContainerDocList", docs.iter().map(|d| doc_to_lua(lua, d)))
        })?,
    )?;
    let c = client.clone();
    t.set(
        "stop",
        lua.create_function(move |_, (ctr, o): (Value, Option<Value>)| {
            let ctr = handle_arg(&ctr, "container stop", "container", &c.host().url)?;
            let o: StopOptions = opts(o, &format!("container stop {ctr:?}"))?;
            c.container_stop(&ctr, &o).lua()
        })?,
    )?;
    let c = client.clone();
    t.set(
        "rm",
        lua.create_function(move |_, (ctr, o): (Value, Option<Value>)| {
            let ctr = handle_arg(&ctr, "container rm", "container", &c.host().url)?;
            let o: RemoveOptions = opts(o, &format!("container rm {ctr:?}"))?;
            c.container_rm(&ctr, &o).lua()
        })?,
    )?;
    let c = client.clone();
    t.set(
        "exec",
        lua.create_function(move |lua, (ctr, cmd, o): (Value, Value, Option<Value>)| {
            let ctr = handle_arg(&ctr, "container exec", "container", &c.host().url)?;
            let what = format!("container exec {ctr:?}");
            let cmd: Command = value(cmd, &format!("{what}: command"))?;
            let o: ExecOptions = opts(o, &what)?;
            let out = c.container_exec(&ctr, &cmd, &o).lua()?;
            let t = to_lua(lua, &out)?;
            if let Value::Table(t) = &t {
                t.set_metatable(Some(class(lua, "ExecResult")?))?;
            }
            Ok(t)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "interfaces",
        lua.create_function(move |lua, ctr: Value| {
            let ctr = handle_arg(&ctr, "container interfaces", "container", &c.host().url)?;
            let ifaces = c.container_interfaces(&ctr).lua()?;
            // What dockernet's qdisc sets on each (nil: none, or not readable from here, as for
            // a daemon on another machine).
            let impaired = c.impair_list(&ctr).unwrap_or_default();
            list_of(
                lua,
                "InterfaceList",
                ifaces.iter().map(|i| {
                    let v = to_lua(lua, i)?;
                    if let (Value::Table(t), Some(Some(imp))) = (&v, impaired.get(&i.network)) {
                        t.set("impairment", to_lua(lua, &imp.to_map())?)?;
                    }
                    Ok(v)
                }),
            )
        })?,
    )?;
    Ok(t)
}
