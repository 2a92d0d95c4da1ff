//! Building the `docker` table on a Lua state.
//!
//! The Rust functions of `network.rs` and `container.rs` are wrapped once, here, by a small Lua
//! function that turns a failed call's core error into dockernet's error table (see `error.rs`)
//! and re-raises it. Handle classes (`Network`, `Container`) and list classes (`NetworkList`, …)
//! are metatables kept in the registry; their methods are Lua over the wrapped API, so they raise
//! the same error tables.
//!
//! Also here: the program's interrupt wiring ([`handle_signals`]): Ctrl-C, SIGTERM and SIGHUP
//! become core's `Interrupt`, heard by daemon calls, topology applies and a Lua instruction hook.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use dockernet_core::{BlockingClient, Interrupt};
use mlua::{Lua, LuaOptions, StdLib, Table, Value};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::class::class;
use crate::error::to_lua_error;

/// A Lua 5.4 state with the safe standard libraries (no `debug`: mlua refuses it outside
/// `unsafe`; tracebacks come from mlua's own error handler).
///
/// `require` finds pure-Lua modules where Debian's stock `lua5.4` finds them ([`SYSTEM_PATH`]:
/// `apt install lua-penlight` or `luarocks install` make them available here too), honouring
/// `LUA_PATH_5_4` / `LUA_PATH` as stock Lua does (`;;` stands for the default). C modules are not
/// loaded (mlua's safe mode): for those, use dockernet as a module of a stock `lua5.4`.
pub fn new_lua() -> mlua::Result<Lua> {
    let lua = Lua::new_with(StdLib::ALL_SAFE, LuaOptions::default())?;
    let package: Table = lua.globals().get("package")?;
    package.set("path", package_path(|k| std::env::var(k).ok()))?;
    Ok(lua)
}

/// Stock Lua 5.4's default `package.path` on Debian (`lua5.4 -e 'print(package.path)'`): the
/// vendored Lua's own default lacks `/usr/share/lua/5.4`, where Debian's Lua packages live.
pub const SYSTEM_PATH: &str = "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;\
/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua;\
./?.lua;./?/init.lua";

/// `package.path` as stock Lua computes it: `LUA_PATH_5_4`, else `LUA_PATH`, with `;;` replaced
/// by the default ([`SYSTEM_PATH`]); the default when neither is set.
fn package_path(env: impl Fn(&str) -> Option<String>) -> String {
    match env("LUA_PATH_5_4").or_else(|| env("LUA_PATH")) {
        None => SYSTEM_PATH.to_string(),
        Some(p) => match p.find(";;") {
            Some(i) => {
                let (head, tail) = (&p[..i], &p[i + 2..]);
                let mut out = String::from(head);
                if !head.is_empty() {
                    out.push(';');
                }
                out.push_str(SYSTEM_PATH);
                if !tail.is_empty() {
                    out.push(';');
                    out.push_str(tail);
                }
                out
            }
            None => p,
        },
    }
}

/// Wraps API functions (see the module docs). `guard`, when the host gave one (`open_module`), runs
/// each call: `guard(pcall, f, ...)` returns what `pcall(f, ...)` returns.
///
/// Each API table also gets an `__index` that raises for a name it does not have, suggesting the
/// nearest (`no docker.network.inpsect; did you mean docker.network.inspect?`): a typo would
/// otherwise surface as "attempt to call a nil value (field 'inpsect')", naming neither the table
/// nor what was meant. `no_such(path, key, table)` builds that error.
const WRAP: &str = r#"
local to_error, guard, no_such = ...
local call = pcall
if guard then call = function(f, ...) return guard(pcall, f, ...) end end
local function pass(ok, ...)
  if ok then return ... end
  error(to_error((...)), 0)
end
local function wrap(t, path)
  local out = {}
  for k, v in pairs(t) do
    if type(v) == "function" then
      out[k] = function(...) return pass(call(v, ...)) end
    elseif type(v) == "table" and getmetatable(v) == nil then
      out[k] = wrap(v, path .. "." .. tostring(k))
    else
      out[k] = v
    end
  end
  return setmetatable(out, {__index = function(self, k) error(no_such(path, k, self), 2) end})
end
return wrap
"#;

/// Typo errors for what `topology.rs` builds (kept here with the API tables' own): the
/// `docker.topology` table and `Topology` objects (`t:aply()` -> "no Topology:aply; did you mean
/// Topology:apply?").
const TYPOS: &str = r#"
local docker, T, no_such = ...
local mt = getmetatable(docker.topology)
if mt and mt.__index == nil then
  mt.__index = function(self, k) error(no_such("docker.topology", k, self), 2) end
end
T.__index = function(self, k)
  local m = rawget(T, k)
  if m ~= nil then return m end
  error(no_such("Topology", k, self), 2)
end
"#;

/// The error for `path.key` missing from `table` (an API table, or a handle when `path` is a class
/// name such as `Network`, whose methods are then also candidates): `invalid`, naming the nearest
/// existing name when one is close.
pub(crate) fn no_such(lua: &Lua, path: &str, key: &Value, table: &Table) -> mlua::Result<Table> {
    let sep = if path.starts_with(|c: char| c.is_ascii_uppercase()) { ':' } else { '.' };
    let key_text = match key {
        Value::String(s) => s.to_string_lossy(),
        other => format!("[{}]", crate::convert::describe(other)),
    };
    let mut names: Vec<String> = table.pairs::<Value, Value>().filter_map(Result::ok).filter_map(|(k, _)| match k {
        Value::String(s) => Some(s.to_string_lossy()),
        _ => None,
    }).collect();
    if sep == ':' {
        if let Ok(mt) = class(lua, path) {
            names.extend(mt.pairs::<String, Value>().filter_map(Result::ok).map(|(k, _)| k).filter(|k| !k.starts_with("__")));
        }
    }
    names.sort();
    names.dedup();
    let msg = match crate::docs::nearest(&key_text, names.iter().map(String::as_str)) {
        Some(near) => format!("no {path}{sep}{key_text}; did you mean {path}{sep}{near}?"),
        None => format!("no {path}{sep}{key_text} (there are: {})", names.join(", ")),
    };
    crate::error::error_table(lua, &dockernet_core::Error::invalid(msg))
}

/// Builds the `docker` table for `client`, sets it as the global `docker` and as
/// `package.loaded.dockernet` (so `require "dockernet"` returns it), and returns it.
pub fn register(lua: &Lua, client: BlockingClient) -> mlua::Result<Table> {
    let docker = build(lua, client)?;
    crate::error::error_metatable(lua)?;
    lua.globals().set("docker", &docker)?;
    let loaded: Table = lua.globals().get::<Table>("package")?.get("loaded")?;
    loaded.set("dockernet", &docker)?;
    Ok(docker)
}

/// Registry key of the call guard a module host gave ([`open_module`]).
const GUARD_KEY: &str = "dockernet.call_guard";

/// The `docker` table for a Lua state that loaded dockernet as a C module (`require "dockernet"`
/// from a stock `lua5.4`, see lua-module/): the daemon is found as the docker CLI finds it, and
/// nothing is set globally — no `docker` global, no signal handling (the host owns its signals).
/// `call_guard`, when given, runs every API call as `call_guard(pcall, f, ...)`: the module uses
/// it to keep SIGPIPE from ending the host while a call writes to the daemon's socket.
pub fn open_module(lua: &Lua, call_guard: Option<mlua::Function>) -> mlua::Result<Table> {
    if let Some(guard) = call_guard {
        lua.set_named_registry_value(GUARD_KEY, guard)?;
    }
    let client = BlockingClient::new(None).map_err(crate::error::lua_err)?;
    let docker = build(lua, client)?;
    crate::error::error_metatable(lua)?;
    Ok(docker)
}

/// The API tables by daemon address (`docker.host`), in the registry: a handle carries the
/// address of the daemon it came from (`daemon`), and its methods find that daemon's API here.
/// This is what lets `docker.connect` give a script several daemons with one set of classes.
fn apis(lua: &Lua) -> mlua::Result<Table> {
    const KEY: &str = "dockernet.apis";
    if let Ok(Value::Table(t)) = lua.named_registry_value::<Value>(KEY) {
        return Ok(t);
    }
    let t = lua.create_table()?;
    lua.set_named_registry_value(KEY, &t)?;
    Ok(t)
}

/// The `docker` table for one client: the global one (`register`) or one `docker.connect` made.
fn build(lua: &Lua, client: BlockingClient) -> mlua::Result<Table> {
    let raw = lua.create_table()?;
    raw.set("network", crate::network::functions(lua, &client)?)?;
    raw.set("container", crate::container::functions(lua, &client)?)?;
    raw.set("swarm", crate::swarm::functions(lua, &client)?)?;
    raw.set("impair", crate::impair::functions(lua, &client)?)?;
    // The docker CLI's contexts (`docker context ls`): read from ~/.docker, no daemon needed.
    raw.set("contexts", lua.create_function(|lua, ()| crate::convert::to_lua(lua, &dockernet_core::host::contexts()))?)?;
    raw.set("connect", lua.create_function(|lua, arg: Value| build(lua, crate::connect::client(arg, program_interrupt())?))?)?;
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
    let guard: Value = lua.named_registry_value(GUARD_KEY)?;
    let no_such = lua.create_function(|lua, (path, key, t): (String, Value, Table)| no_such(lua, &path, &key, &t))?;
    let wrap: mlua::Function = lua.load(WRAP).set_name("=dockernet.wrap").call((to_error, guard, &no_such))?;
    let docker: Table = wrap.call((raw, "docker"))?;
    // The "iterator or callback" shape of docker.events and Topology:watch.
    let iterate = crate::events::iterate(lua)?;
    crate::events::install(lua, &docker, &wrap, &iterate, &client)?;
    docker.set("host", client.host().url.as_str())?;
    docker.set("null", mlua::Value::NULL)?;
    let apis = apis(lua)?;
    apis.set(client.host().url.as_str(), &docker)?;
    // Handle classes: methods written in Lua over the API of each handle's daemon.
    for (name, methods) in [("Network", crate::network::METHODS), ("Container", crate::container::METHODS)] {
        let mt = class(lua, name)?;
        lua.load(methods).set_name(format!("=dockernet.{name}")).call::<()>((&apis, &mt, &no_such))?;
    }
    // `docker.topology`: a callable table (constructor) whose objects carry this client's ops.
    let ops: Table = wrap.call((crate::topology::ops(lua, &client)?, "docker.topology"))?;
    lua.load(crate::topology::METHODS).set_name("=dockernet.Topology").call::<()>((&docker, class(lua, "Topology")?, ops, &iterate))?;
    lua.load(TYPOS).set_name("=dockernet.typos").call::<()>((&docker, class(lua, "Topology")?, &no_such))?;
    Ok(docker)
}

// ------------------------------------------------------------------------------------------------
// Interrupts: the `dockernet` program turns SIGINT (Ctrl-C), SIGTERM and SIGHUP into core's
// `Interrupt`, so a daemon call in flight is abandoned (its error says what may still run), a
// topology apply rolls back, and Lua code stops at its next instruction hook. `register` does not
// do this: a program that embeds the module keeps its own signal handling.
// ------------------------------------------------------------------------------------------------

/// How often (in VM instructions) Lua code checks for an interrupt: the sandbox's period, since
/// this hook also charges the sandbox's instruction budget by that much.
const HOOK_EVERY: u32 = crate::sandbox::HOOK_EVERY;

/// How long an interrupt may go unheard before the program exits anyway (see [`handle_signals`]).
const UNHEARD_FOR: Duration = Duration::from_millis(250);

/// The process's interrupt, once signals are handled.
static SIGNALS: OnceLock<Option<Interrupt>> = OnceLock::new();

/// The program's interrupt once [`handle_signals`] set it up: clients made later
/// (`docker.connect`) share it.
pub(crate) fn program_interrupt() -> Option<Interrupt> {
    SIGNALS.get().cloned().flatten()
}

/// The last signal received (0: none since the start, or since [`forget_signal`]).
static LAST_SIGNAL: AtomicI32 = AtomicI32::new(0);

/// True once Lua code hears interrupts through a hook (the REPL): a Ctrl-C nobody takes then
/// means a chunk blocked in C, and the session should survive it.
static LUA_HEARS: AtomicBool = AtomicBool::new(false);

/// How messages name a signal.
fn signal_name(sig: i32) -> &'static str {
    match sig {
        SIGINT => "Ctrl-C",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "signal",
    }
}

/// Makes SIGINT, SIGTERM and SIGHUP interrupt `client` (and every clone of it: the `docker` table
/// holds clones) and, when given, the Lua code of `lua` (the REPL). Idempotent: the signal thread
/// starts once per process. Returns the interrupt, or `None` when the signals cannot be handled
/// (then they keep their default action: the process ends).
///
/// What a signal does: the daemon call in flight is abandoned with an `interrupted` error, an
/// apply rolls back; the caller decides the rest (a script ends with status 128 + the signal, the
/// REPL goes on after Ctrl-C and ends after SIGTERM/SIGHUP). An interrupt nobody takes within
/// 250 ms (pure Lua work with no hook listening, as in a script: a hook would slow every VM
/// instruction by a third or more; the REPL at its prompt; Lua blocked in C, as in `io.read`)
/// ends the program with 128 + the signal, as the signal's default would have — except a
/// Ctrl-C in the REPL, whose chunk may be blocked in C: there a second Ctrl-C ends it.
pub fn handle_signals(client: &BlockingClient, lua: Option<&Lua>) -> Option<Interrupt> {
    let interrupt = SIGNALS
        .get_or_init(|| {
            let interrupt = client.interrupt().cloned().unwrap_or_default();
            let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]).ok()?;
            let heard = interrupt.clone();
            std::thread::Builder::new()
                .name("dockernet-signals".into())
                .spawn(move || {
                    for sig in signals.forever() {
                        on_signal(&heard, sig);
                    }
                })
                .ok()?;
            Some(interrupt)
        })
        .clone()?;
    client.set_interrupt(interrupt.clone());
    if let Some(lua) = lua {
        match interrupt_lua(lua, &interrupt) {
            Ok(()) => LUA_HEARS.store(true, Ordering::SeqCst),
            Err(e) => eprintln!("dockernet: Ctrl-C will not stop Lua loops: {e}"),
        }
    }
    Some(interrupt)
}

fn on_signal(interrupt: &Interrupt, sig: i32) {
    let name = signal_name(sig);
    if interrupt.is_pending() {
        eprintln!("\ndockernet: interrupted again ({name}) while blocked: exiting at once");
        std::process::exit(128 + sig);
    }
    LAST_SIGNAL.store(sig, Ordering::SeqCst);
    interrupt.trigger(name);
    if sig == SIGINT && LUA_HEARS.load(Ordering::SeqCst) {
        return;
    }
    let deadline = Instant::now() + UNHEARD_FOR;
    while interrupt.is_pending() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    if interrupt.is_pending() {
        eprintln!("\ndockernet: interrupted ({name})");
        std::process::exit(128 + sig);
    }
}

/// Lets an interrupt stop Lua code: a hook every [`HOOK_EVERY`] instructions takes a pending
/// interrupt and raises `interrupted (Ctrl-C)`. A Lua state has one hook: this one replaces the
/// sandbox's and charges its instruction budget itself.
pub(crate) fn interrupt_lua(lua: &Lua, interrupt: &Interrupt) -> mlua::Result<()> {
    let heard = interrupt.clone();
    lua.set_hook(mlua::HookTriggers::new().every_nth_instruction(HOOK_EVERY), move |lua, _| {
        crate::sandbox::charge(lua)?;
        if heard.take() {
            return Err(mlua::Error::runtime(format!("interrupted ({})", heard.cause())));
        }
        Ok(mlua::VmState::Continue)
    })
}

/// The exit status for the last signal received: 128 + its number (130 for Ctrl-C, 143 for
/// SIGTERM, 129 for SIGHUP); `None` when none came.
pub fn interrupted_status() -> Option<u8> {
    match LAST_SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        sig => u8::try_from(128 + sig).ok(),
    }
}

/// The last signal received, if it asked the program to end (SIGTERM, SIGHUP).
pub(crate) fn termination_requested() -> Option<u8> {
    match LAST_SIGNAL.load(Ordering::SeqCst) {
        SIGTERM | SIGHUP => interrupted_status(),
        _ => None,
    }
}

/// Forgets a Ctrl-C nobody took (the REPL does, before each chunk: a SIGINT that came while it
/// waited at the prompt must not stop the next chunk). A request to end is not forgotten.
pub(crate) fn forget_signal(interrupt: &Interrupt) {
    if termination_requested().is_none() {
        interrupt.clear();
        LAST_SIGNAL.store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::{package_path, SYSTEM_PATH};

    #[test]
    fn package_path_as_stock_lua() {
        assert_eq!(package_path(|_| None), SYSTEM_PATH);
        assert!(SYSTEM_PATH.contains("/usr/share/lua/5.4/?.lua;"));
        let only = |k: &str, v: &str| {
            let (k, v) = (k.to_string(), v.to_string());
            move |q: &str| (q == k).then(|| v.clone())
        };
        assert_eq!(package_path(only("LUA_PATH", "/x/?.lua")), "/x/?.lua");
        assert_eq!(package_path(only("LUA_PATH", "/x/?.lua;;")), format!("/x/?.lua;{SYSTEM_PATH}"));
        assert_eq!(package_path(only("LUA_PATH_5_4", ";;/y/?.lua")), format!("{SYSTEM_PATH};/y/?.lua"));
        let both = |q: &str| match q {
            "LUA_PATH_5_4" => Some("/a/?.lua".to_string()),
            "LUA_PATH" => Some("/b/?.lua".to_string()),
            _ => None,
        };
        assert_eq!(package_path(both), "/a/?.lua");
    }

    /// The embedded runtime finds a module where stock lua5.4 would, e.g. /usr/local/share/lua/5.4.
    #[test]
    fn new_lua_uses_the_system_path() {
        let lua = super::new_lua().unwrap();
        let path: String = lua.load("return package.path").eval().unwrap();
        if std::env::var_os("LUA_PATH_5_4").is_none() && std::env::var_os("LUA_PATH").is_none() {
            assert_eq!(path, SYSTEM_PATH);
        }
    }
}
