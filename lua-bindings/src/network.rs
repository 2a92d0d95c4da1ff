//! `docker.network`: the Lua face of core's network operations, and the `Network` handle.
//!
//! Names follow the docker CLI the seed uses (`ls`, `create`, `inspect`, `connect`,
//! `disconnect`, `rm`, `prune`) plus `get` and `containers`. Wherever a network or container is
//! expected, a name, an id or a handle is accepted; anything else (a number included) is an
//! `invalid` error naming the argument (`convert::name_arg`).

use dockernet_core::network::{
    ConnectOptions, CreateOptions, DisconnectOptions, InspectOptions, ListOptions, NetworkRef, PruneOptions,
};
use dockernet_core::container::ContainerRef;
use dockernet_core::{BlockingClient, Error};
use mlua::{Lua, Table, Value, Variadic};

use crate::container::container_handle;
use crate::convert::{doc_to_lua, handle_arg, name_arg, opts, to_lua, NamedDoc};
use crate::error::{lua_err, LuaResultExt};
use crate::class::{class, list_of};

/// The `Network` handle's methods, in Lua over the wrapped API (so errors are tables too).
pub(crate) const METHODS: &str = r#"
local apis, M, no_such = ...
-- The API of the daemon the handle came from (handles remember it: see runtime.rs).
local function api(h) return apis[h.daemon] or error("this Network handle's daemon " .. tostring(h.daemon) .. " has no client", 3) end
function M:inspect(o) return api(self).network.inspect(self, o) end
function M:connect(c, o) return api(self).network.connect(self, c, o) end
function M:disconnect(c, o) return api(self).network.disconnect(self, c, o) end
function M:rm() api(self).network.rm(self); return self.name end
function M:containers() return api(self).network.containers(self) end
M.__tostring = function(n)
  return string.format("Network(name=%q, id=%q, driver=%q)", n.name, n.short_id, n.driver)
end
M.__eq = function(a, b) return a.id == b.id end
-- A missing method or field raises, naming the nearest (`net:inpsect()` -> "no Network:inpsect; did
-- you mean Network:inspect?"), instead of "attempt to call a nil value". Optional fields are nil.
local OPTIONAL = {warning = true}
M.__index = function(h, k)
  local m = rawget(M, k)
  if m ~= nil or OPTIONAL[k] then return m end
  error(no_such("Network", k, h), 2)
end
"#;

/// A `Network` handle table for a network identity.
pub(crate) fn network_handle(lua: &Lua, r: &NetworkRef, daemon: &str) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set("daemon", daemon)?;
    t.set("id", r.id.as_str())?;
    t.set("short_id", dockernet_core::lookup::short_id(&r.id))?;
    t.set("name", r.name.as_str())?;
    t.set("driver", r.driver.as_str())?;
    if let Some(w) = &r.warning {
        t.set("warning", w.as_str())?;
    }
    t.set_metatable(Some(class(lua, "Network")?))?;
    Ok(t)
}

/// The raw `docker.network` functions (wrapped by the runtime before scripts see them).
pub(crate) fn functions(lua: &Lua, client: &BlockingClient) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let c = client.clone();
    t.set(
        "ls",
        lua.create_function(move |lua, o: Option<Value>| {
            let o: ListOptions = opts(o, "network ls")?;
            // Decoded in one pass, by core's sort (see `Client::network_ls_with`).
            let nets = c.network_ls_with(&o, || NamedDoc(lua)).lua()?;
            list_of(lua, "NetworkList", nets.into_iter().map(Ok))
        })?,
    )?;
    let c = client.clone();
    t.set(
        "create",
        lua.create_function(move |lua, (name, o): (Value, Option<Value>)| {
            let name = name_arg(&name, "network create", "name")?;
            let o: CreateOptions = opts(o, &format!("network create {name:?}"))?;
            let r = c.network_create(&name, &o).lua()?;
            network_handle(lua, &r, &c.host().url)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "inspect",
        lua.create_function(move |lua, (net, o): (Value, Option<Value>)| {
            let net = handle_arg(&net, "network inspect", "network", &c.host().url)?;
            let o: InspectOptions = opts(o, &format!("network inspect {net:?}"))?;
            doc_to_lua(lua, &c.network_inspect(&net, &o).lua()?)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "get",
        lua.create_function(move |lua, net: Value| {
            let net = handle_arg(&net, "network get", "network", &c.host().url)?;
            network_handle(lua, &c.network_get(&net).lua()?, &c.host().url)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "connect",
        lua.create_function(move |_, (net, ctr, o): (Value, Value, Option<Value>)| {
            let net = handle_arg(&net, "network connect", "network", &c.host().url)?;
            let ctr = handle_arg(&ctr, "network connect", "container", &c.host().url)?;
            let o: ConnectOptions = opts(o, &format!("network connect {net:?} {ctr:?}"))?;
            c.network_connect(&net, &ctr, &o).lua()
        })?,
    )?;
    let c = client.clone();
    t.set(
        "disconnect",
        lua.create_function(move |_, (net, ctr, o): (Value, Value, Option<Value>)| {
            let net = handle_arg(&net, "network disconnect", "network", &c.host().url)?;
            let ctr = handle_arg(&ctr, "network disconnect", "container", &c.host().url)?;
            let o: DisconnectOptions = opts(o, &format!("network disconnect {net:?} {ctr:?}"))?;
            c.network_disconnect(&net, &ctr, &o).lua()
        })?,
    )?;
    let c = client.clone();
    t.set(
        "rm",
        lua.create_function(move |lua, nets: Variadic<Value>| {
            if nets.is_empty() {
                return Err(lua_err(Error::invalid("network rm: at least one network is required")));
            }
            // Every argument is checked before anything is removed: `rm(a, 42)` removes nothing.
            let names = nets.iter().map(|v| handle_arg(v, "network rm", "network", &c.host().url)).collect::<mlua::Result<Vec<_>>>()?;
            // Like `docker network rm`: try every name, then report the first failure.
            let mut removed = Vec::new();
            let mut failures: Vec<Error> = Vec::new();
            for (name, given) in names.into_iter().zip(nets.iter()) {
                match c.network_rm(&name) {
                    // A handle is removed by id but reported by its name, as a name would be.
                    Ok(()) => removed.push(match given {
                        Value::Table(t) => match t.raw_get::<Value>("name")? {
                            Value::String(s) => s.to_string_lossy(),
                            _ => name,
                        },
                        _ => name,
                    }),
                    Err(e) => failures.push(e),
                }
            }
            if let Some(first) = failures.first() {
                let mut e = first.clone();
                if failures.len() > 1 {
                    e = e.context(format!("{} of {} removals failed; first", failures.len(), nets.len()));
                }
                return Err(lua_err(e));
            }
            to_lua(lua, &removed)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "prune",
        lua.create_function(move |lua, o: Option<Value>| {
            let o: PruneOptions = opts(o, "network prune")?;
            to_lua(lua, &c.network_prune(&o).lua()?)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "containers",
        lua.create_function(move |lua, net: Value| {
            let net = handle_arg(&net, "network containers", "network", &c.host().url)?;
            let docs = c.network_containers(&net).lua()?;
            list_of(lua, "ContainerList", docs.iter().map(|d| container_handle(lua, &ContainerRef::from_summary(d), &c.host().url).map(Value::Table)))
        })?,
    )?;
    Ok(t)
}
