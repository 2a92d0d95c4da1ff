//! `docker.events`: the daemon's event stream in Lua, as an iterator or with a callback.
//!
//! ```lua
//! for ev in docker.events{filters = {type = {"network", "container"}}, ["until"] = "+5s"} do
//!   print(ev.Type, ev.Action, ev.Actor.Attributes.name)
//! end
//! docker.events({filters = {event = {"start"}}}, function(ev) print(ev.id); return false end)
//! ```
//!
//! The iterator form is a generic `for` with a to-be-closed value: leaving the loop early
//! (`break`, an error) closes the stream at once. The callback form stops when the callback
//! returns `false`. Either ends at `until`, and raises `interrupted` on Ctrl-C (the program's
//! interrupt reaches the call that waits for the next event). Options are core's
//! ([`EventOptions`]: `filters`, `since`, `until`; unknown keys are errors).

use std::cell::RefCell;

use dockernet_core::blocking::BlockingEvents;
use dockernet_core::events::EventOptions;
use dockernet_core::BlockingClient;
use mlua::{Lua, MetaMethod, Table, UserData, UserDataMethods, Value};

use crate::convert::{doc_to_lua, opts};
use crate::error::LuaResultExt;

/// An open stream, as the Lua side holds it.
struct LuaEvents(RefCell<Option<BlockingEvents>>);

impl UserData for LuaEvents {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::Close, |_, this, _: mlua::MultiValue| {
            this.0.borrow_mut().take();
            Ok(())
        });
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| {
            Ok(if this.0.borrow().as_ref().is_some_and(BlockingEvents::is_open) { "EventStream(open)" } else { "EventStream(closed)" })
        });
    }
}

/// The "iterator or callback" shape of `docker.events` and `Topology:watch`, written once:
/// `iterate(what, callback, open, next, close)` checks the callback (an `invalid` error naming
/// `what`, before anything is opened), opens the stream with `open()`, and then either returns a
/// generic `for`'s values (the stream as its to-be-closed value: leaving the loop closes it) or,
/// with a callback, calls it with each item until it returns `false`, and closes the stream —
/// also when the callback raised, whose error is then raised again unchanged.
const ITERATE: &str = r#"
local invalid = ...
return function(what, callback, open, next, close)
  if callback ~= nil and type(callback) ~= "function" then
    error(invalid(what .. ": the callback must be a function, got " .. type(callback)), 3)
  end
  local stream = open()
  local function step() return next(stream) end
  if callback == nil then return step, nil, nil, stream end
  local ok, err = pcall(function()
    for item in step do
      if callback(item) == false then break end
    end
  end)
  close(stream)
  if not ok then error(err, 0) end
end
"#;

/// The shared helper of [`ITERATE`], for the chunks that build `docker.events` and `Topology:watch`.
pub(crate) fn iterate(lua: &Lua) -> mlua::Result<mlua::Function> {
    let invalid = lua.create_function(|lua, message: String| {
        crate::error::error_table(lua, &dockernet_core::Error::invalid(message))
    })?;
    lua.load(ITERATE).set_name("=dockernet.iterate").call(invalid)
}

/// The Lua side of `docker.events`, over the raw functions `open`, `next`, `close` (wrapped, so
/// their errors are dockernet's error tables) and the shared [`ITERATE`] helper.
const EVENTS: &str = r#"
local raw, iterate = ...
return function(o, callback)
  return iterate("events", callback, function() return raw.open(o) end, raw.next, raw.close)
end
"#;

/// The raw functions behind `docker.events`.
fn functions(lua: &Lua, client: &BlockingClient) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    let c = client.clone();
    t.set(
        "open",
        lua.create_function(move |_, o: Option<Value>| {
            let o: EventOptions = opts(o, "events")?;
            Ok(LuaEvents(RefCell::new(Some(c.events(&o).lua()?))))
        })?,
    )?;
    t.set(
        "next",
        lua.create_function(|lua, s: mlua::AnyUserData| {
            let s = s.borrow::<LuaEvents>()?;
            let mut slot = s.0.borrow_mut();
            let Some(stream) = slot.as_mut() else { return Ok(Value::Nil) };
            match stream.next() {
                Some(Ok(ev)) => doc_to_lua(lua, &ev),
                Some(Err(e)) => {
                    slot.take();
                    Err(crate::error::lua_err(e))
                }
                None => {
                    slot.take();
                    Ok(Value::Nil)
                }
            }
        })?,
    )?;
    t.set(
        "close",
        lua.create_function(|_, s: mlua::AnyUserData| {
            s.borrow::<LuaEvents>()?.0.borrow_mut().take();
            Ok(())
        })?,
    )?;
    Ok(t)
}

/// Sets `docker.events` on a `docker` table, its raw functions wrapped by `wrap` (runtime.rs),
/// shaped by `iterate` ([`iterate`]).
pub(crate) fn install(
    lua: &Lua,
    docker: &Table,
    wrap: &mlua::Function,
    iterate: &mlua::Function,
    client: &BlockingClient,
) -> mlua::Result<()> {
    let raw: Table = wrap.call((functions(lua, client)?, "docker.events"))?;
    let events: mlua::Function = lua.load(EVENTS).set_name("=dockernet.events").call((raw, iterate))?;
    docker.set("events", events)
}
