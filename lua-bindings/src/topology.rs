//! `docker.topology`: declare a multi-network lab as a Lua table (or load a YAML file), then
//! `:plan()`, `:apply()`, `:destroy()`, `:status()`, `:verify()`, `:graph(fmt)`, `:watch{…}`.
//!
//! `docker.topology{…}` and `docker.topology.load("lab.yaml")` return a `Topology` object: a table
//! with its `name` and methods written in Lua over wrapped Rust operations (so failures raise
//! dockernet's error tables). Results are data — plans, status and verification matrices cross
//! through serde — with a `summary` (the printable text) that `tostring` shows.

use std::sync::Arc;

use std::cell::RefCell;

use dockernet_core::blocking::BlockingWatch;
use dockernet_core::topology::{ApplyOptions, GraphFormat, ProgressEvent, Topology, VerifyOptions, WatchOptions};
use dockernet_core::{BlockingClient, Error};
use mlua::{AnyUserData, Lua, Table, UserData, Value};
use serde::Deserialize;

use crate::convert::{describe, deserializer, opt_string_arg, opts, string_arg, to_lua};
use crate::error::{lua_err, LuaResultExt};
use crate::class::class;

/// The core topology inside a Lua object.
pub(crate) struct LuaTopology(pub Arc<Topology>);

impl UserData for LuaTopology {}

/// A running `topology:watch()`, as the Lua side holds it (closing it ends the watch).
struct LuaWatch(RefCell<Option<BlockingWatch>>);

impl UserData for LuaWatch {
    fn add_methods<M: mlua::UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(mlua::MetaMethod::Close, |_, this, _: mlua::MultiValue| {
            this.0.borrow_mut().take();
            Ok(())
        });
        methods.add_meta_method(mlua::MetaMethod::ToString, |_, this, ()| {
            Ok(if this.0.borrow().as_ref().is_some_and(BlockingWatch::is_open) { "Watch(open)" } else { "Watch(closed)" })
        });
    }
}

/// Options of `:apply()`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct LuaApplyOptions {
    /// Most steps in flight at once (default 8).
    concurrency: Option<usize>,
    /// Draw a progress bar on stderr (default: when stderr is a terminal).
    progress: Option<bool>,
    /// Wait while another apply of the topology runs (default true), or fail with `conflict`.
    wait: Option<bool>,
    /// The longest wait for it, in seconds (default 600).
    lock_timeout: Option<f64>,
    /// Break the topology's lock first (a holder gone on another machine).
    break_lock: Option<bool>,
}

/// The `Topology` object's methods and the `docker.topology` constructor, in Lua over `ops`.
pub(crate) const METHODS: &str = r#"
local api, M, ops, iterate = ...
-- Each object keeps the ops of the client that made it (`docker.connect` gives several).
local function obj(t) return setmetatable({ name = ops.name(t), _t = t, _ops = ops }, M) end
function M:plan() return self._ops.plan(self._t) end
function M:apply(o) return self._ops.apply(self._t, o) end
function M:destroy() return self._ops.destroy(self._t) end
function M:status() return self._ops.status(self._t) end
function M:verify(o) return self._ops.verify(self._t, o) end
function M:graph(fmt) return self._ops.graph(self._t, fmt) end
-- As docker.events (the same helper): a generic `for` (the watch is its to-be-closed value:
-- leaving the loop closes it), or a callback that stops the watch by returning false.
function M:watch(o, callback)
  local ops, t = self._ops, self._t
  return iterate("topology watch", callback, function() return ops.watch_open(t, o) end, ops.watch_next, ops.watch_close)
end
M.__tostring = function(t) return string.format("Topology(name=%q)", t.name) end
local topology = setmetatable({
  load = function(path) return obj(ops.load(path)) end,
  destroy = function(name) return ops.destroy_by_name(name) end,
}, { __call = function(_, spec) return obj(ops.new(spec)) end, __name = "docker.topology" })
api.topology = topology
"#;

fn topo(ud: &AnyUserData) -> mlua::Result<Arc<Topology>> {
    Ok(ud.borrow::<LuaTopology>()?.0.clone())
}

/// A result record as a Lua table tagged with `class`, its printable text as `summary`.
fn record<T: serde::Serialize + std::fmt::Display>(lua: &Lua, class_name: &str, v: &T) -> mlua::Result<Value> {
    let t = to_lua(lua, v)?;
    if let Value::Table(t) = &t {
        t.set("summary", v.to_string())?;
        let mt = class(lua, class_name)?;
        if mt.raw_get::<Value>("__tostring")?.is_nil() {
            mt.raw_set("__tostring", lua.create_function(|_, t: Table| t.get::<String>("summary"))?)?;
        }
        t.set_metatable(Some(mt))?;
    }
    Ok(t)
}

/// The raw operations behind the `Topology` object (wrapped by the runtime).
pub(crate) fn ops(lua: &Lua, client: &BlockingClient) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set(
        "new",
        lua.create_function(|_, spec: Value| {
            let Value::Table(_) = spec else {
                return Err(lua_err(Error::invalid(format!("docker.topology: expected a table, got {}", describe(&spec)))));
            };
            Ok(LuaTopology(Arc::new(Topology::from_deserializer(deserializer(spec)).lua()?)))
        })?,
    )?;
    t.set(
        "load",
        lua.create_function(|_, path: Value| {
            let path = string_arg(&path, "docker.topology.load", "path")?;
            Ok(LuaTopology(Arc::new(Topology::from_file(&path).lua()?)))
        })?,
    )?;
    t.set("name", lua.create_function(|_, ud: AnyUserData| Ok(topo(&ud)?.name().to_string()))?)?;
    let c = client.clone();
    t.set(
        "plan",
        lua.create_function(move |lua, ud: AnyUserData| record(lua, "Plan", &c.topology_plan(&*topo(&ud)?).lua()?))?,
    )?;
    let c = client.clone();
    t.set(
        "apply",
        lua.create_function(move |lua, (ud, o): (AnyUserData, Option<Value>)| {
            let o: LuaApplyOptions = opts(o, "topology apply")?;
            let mut apply = ApplyOptions::default();
            if let Some(n) = o.concurrency {
                apply.concurrency = n;
            }
            apply.wait = o.wait.unwrap_or(apply.wait);
            apply.lock_timeout = o.lock_timeout.unwrap_or(apply.lock_timeout);
            apply.break_lock = o.break_lock.unwrap_or(apply.break_lock);
            let bar = crate::progress::Bar::new(o.progress);
            let report = c.topology_apply(&*topo(&ud)?, &apply, &|p| {
                // Waiting for another apply, a broken stale lock, a replaced subnet: always said.
                if matches!(p.event, ProgressEvent::Waiting | ProgressEvent::Note) {
                    eprintln!("{}", p.description);
                }
                bar.update(p)
            });
            bar.finish();
            record(lua, "ApplyReport", &report.lua()?)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "destroy",
        lua.create_function(move |lua, ud: AnyUserData| record(lua, "DestroyReport", &c.topology_destroy(&*topo(&ud)?).lua()?))?,
    )?;
    let c = client.clone();
    t.set(
        "destroy_by_name",
        lua.create_function(move |lua, name: Value| {
            let name = string_arg(&name, "docker.topology.destroy", "name")?;
            record(lua, "DestroyReport", &c.topology_destroy_by_name(&name).lua()?)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "status",
        lua.create_function(move |lua, ud: AnyUserData| record(lua, "Status", &c.topology_status(&*topo(&ud)?).lua()?))?,
    )?;
    let c = client.clone();
    t.set(
        "verify",
        lua.create_function(move |lua, (ud, o): (AnyUserData, Option<Value>)| {
            let o: VerifyOptions = opts(o, "topology verify")?;
            let v = c.topology_verify(&*topo(&ud)?, &o).lua()?;
            let t = record(lua, "Verification", &v)?;
            if let Value::Table(t) = &t {
                t.set("ok", v.ok())?;
            }
            Ok(t)
        })?,
    )?;
    let c = client.clone();
    t.set(
        "graph",
        lua.create_function(move |_, (ud, fmt): (AnyUserData, Value)| {
            let fmt = opt_string_arg(&fmt, "topology graph", "format")?;
            let format: GraphFormat = fmt.as_deref().unwrap_or("dot").parse().lua()?;
            c.topology_graph(&*topo(&ud)?, format).lua()
        })?,
    )?;
    let c = client.clone();
    t.set(
        "watch_open",
        lua.create_function(move |_, (ud, o): (AnyUserData, Option<Value>)| {
            let mut o: WatchOptions = opts(o, "topology watch")?;
            o.remedy = Some("run topology:apply() or watch{heal = true}".into());
            Ok(LuaWatch(RefCell::new(Some(c.topology_watch(&*topo(&ud)?, &o).lua()?))))
        })?,
    )?;
    t.set(
        "watch_next",
        lua.create_function(|lua, w: AnyUserData| {
            let w = w.borrow::<LuaWatch>()?;
            let mut slot = w.0.borrow_mut();
            let Some(watch) = slot.as_mut() else { return Ok(Value::Nil) };
            match watch.next() {
                Some(Ok(change)) => record(lua, "Change", &change),
                Some(Err(e)) => {
                    slot.take();
                    Err(lua_err(e))
                }
                None => {
                    slot.take();
                    Ok(Value::Nil)
                }
            }
        })?,
    )?;
    t.set(
        "watch_close",
        lua.create_function(|_, w: AnyUserData| {
            w.borrow::<LuaWatch>()?.0.borrow_mut().take();
            Ok(())
        })?,
    )?;
    Ok(t)
}
