//! The sandbox for Lua scripts from others: `dockernet --sandbox lab.lua`, or
//! [`Sandbox::apply`] on a Lua state a Rust program embeds.
//!
//! What it takes away from the script: running programs (`os.execute`, `io.popen`), writing,
//! removing or renaming files (`io.open` in any mode but `r`/`rb`, `io.output(path)`,
//! `io.tmpfile`, `os.remove`, `os.rename`, `os.tmpname`), ending or reconfiguring the host process
//! (`os.exit`, `os.setlocale`), native code (`package.loadlib` and the C searchers; mlua's safe
//! mode already refuses them) and precompiled bytecode (`load`, `loadfile`, `dofile` and `require`
//! accept source text only: Lua's bytecode verifier was removed in 5.2, so a crafted binary chunk
//! can corrupt memory). It bounds what the script can consume: a memory limit (the allocator
//! refuses past it) and an instruction budget (counted every [`HOOK_EVERY`] VM instructions).
//!
//! What it leaves: the `docker` API, reading files (`io.open(path)`, `io.lines`,
//! `docker.topology.load`), `print`, `io.write` to stdout, `os.time`/`clock`/`date`/`getenv`, and
//! the rest of the safe standard library.
//!
//! The threat model, plainly: whoever can talk to the Docker socket is root on the daemon's host
//! (a container can mount `/` and run privileged). The sandbox limits the *script* — it cannot
//! touch this machine's files or processes directly, nor exhaust this process — not what it asks
//! the daemon to do. Run untrusted scripts against a daemon you can afford to lose (a rootless
//! daemon, a VM, a test host).
//!
//! Why the limits survive `pcall`: an error raised by the budget or the allocator can be caught
//! like any other, and a script that catches it in a loop would run forever. Once a limit is hit
//! the sandbox is *exhausted*: `pcall`, `xpcall`, `coroutine.resume` and `coroutine.wrap`
//! re-raise instead of returning, and every later hook raises again, so the error reaches the host.

use std::cell::Cell;
use std::rc::Rc;

use mlua::{HookTriggers, Lua, Value, VmState};

/// How often (in VM instructions) the budget is checked.
pub const HOOK_EVERY: u32 = 1000;

/// The default memory limit of a sandboxed state: 256 MiB.
pub const DEFAULT_MAX_MEMORY: usize = 256 << 20;

/// The default instruction budget: 2 billion VM instructions (a few seconds of pure Lua work;
/// waiting for the daemon costs none).
pub const DEFAULT_MAX_INSTRUCTIONS: u64 = 2_000_000_000;

/// The limits of a sandboxed Lua state. `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sandbox {
    /// Bytes the Lua heap may hold.
    pub max_memory: Option<usize>,
    /// VM instructions the state may run, in all (checked every [`HOOK_EVERY`]).
    pub max_instructions: Option<u64>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox { max_memory: Some(DEFAULT_MAX_MEMORY), max_instructions: Some(DEFAULT_MAX_INSTRUCTIONS) }
    }
}

/// The instruction budget of a sandboxed state, kept as app data so other hooks (the REPL's
/// Ctrl-C check) can charge it too: a Lua state has one hook.
#[derive(Debug)]
pub(crate) struct Budget {
    limit: u64,
    used: Cell<u64>,
    exhausted: Rc<Cell<bool>>,
}

/// Restricts the standard library. Runs with the original functions as locals, before any
/// script code, so the script cannot reach them.
const RESTRICT: &str = r#"
local exhausted = ...
local error, type, select, tostring = error, type, select, tostring
local io_open, io_input, io_output, io_lines = io.open, io.input, io.output, io.lines
local load_, loadfile_ = load, loadfile
local pcall_, xpcall_, resume_, create_ = pcall, xpcall, coroutine.resume, coroutine.create
local searchpath = package.searchpath

local function refuse(name)
  return function()
    error("sandbox: " .. name .. " is not available to sandboxed scripts", 2)
  end
end

io.popen = refuse("io.popen")
io.tmpfile = refuse("io.tmpfile")
io.open = function(path, mode)
  if mode ~= nil and mode ~= "r" and mode ~= "rb" then
    error("sandbox: io.open(" .. tostring(path) .. ", " .. tostring(mode)
      .. "): only reading (mode \"r\") is allowed to sandboxed scripts", 2)
  end
  return io_open(path, mode)
end
io.output = function(f)
  if f ~= nil then
    error("sandbox: io.output(" .. tostring(f) .. "): sandboxed scripts write to stdout only", 2)
  end
  return io_output()
end
io.input = io_input
io.lines = io_lines

os.execute = refuse("os.execute")
os.exit = refuse("os.exit")
os.remove = refuse("os.remove")
os.rename = refuse("os.rename")
os.tmpname = refuse("os.tmpname")
os.setlocale = refuse("os.setlocale")

-- Source text only: no precompiled chunks.
load = function(chunk, name, mode, env)
  if mode ~= nil and mode ~= "t" then
    error("sandbox: load(..., mode " .. tostring(mode) .. "): binary chunks are not allowed", 2)
  end
  return load_(chunk, name, "t", env)
end
loadfile = function(path, mode, env)
  if mode ~= nil and mode ~= "t" then
    error("sandbox: loadfile(..., mode " .. tostring(mode) .. "): binary chunks are not allowed", 2)
  end
  return loadfile_(path, "t", env)
end
dofile = function(path)
  local f, err = loadfile_(path, "t")
  if not f then error(err, 2) end
  return f()
end
package.searchers[2] = function(name)
  local path, err = searchpath(name, package.path)
  if not path then return err end
  local f, lerr = loadfile_(path, "t")
  if not f then
    error("error loading module '" .. name .. "' from file '" .. path .. "':\n\t" .. lerr, 2)
  end
  return f, path
end

-- A spent limit is not an error a script may swallow.
local function pass(ok, ...)
  if not ok and exhausted((...)) then error((...), 0) end
  return ok, ...
end
pcall = function(f, ...) return pass(pcall_(f, ...)) end
xpcall = function(f, h, ...) return pass(xpcall_(f, h, ...)) end
coroutine.resume = function(co, ...) return pass(resume_(co, ...)) end
coroutine.wrap = function(f)
  local co = create_(f)
  return function(...)
    local function unwrap(ok, ...)
      if not ok then error((...), 0) end
      return ...
    end
    return unwrap(pass(resume_(co, ...)))
  end
end
"#;

impl Sandbox {
    /// Applies the sandbox to `lua`: restricts the standard library and sets the limits. Call it
    /// on a fresh state before any untrusted code runs (after [`crate::register`] is fine: the
    /// `docker` API stays). The instruction budget is charged by a global hook, so coroutines
    /// created by the script are charged too (a main-thread hook alone would let a loop inside a
    /// coroutine run forever: mlua looks thread hooks up per thread).
    pub fn apply(&self, lua: &Lua) -> mlua::Result<()> {
        let spent = Rc::new(Cell::new(false));
        let flag = spent.clone();
        // Called by the wrappers with the error a protected call caught: an allocation refused by
        // the memory limit spends the sandbox as the budget does.
        let exhausted_fn = lua.create_function(move |_, e: Value| {
            if is_memory_error(&e) {
                flag.set(true);
            }
            Ok(flag.get())
        })?;
        lua.load(RESTRICT).set_name("=dockernet.sandbox").call::<()>(exhausted_fn)?;
        if let Some(bytes) = self.max_memory {
            lua.set_memory_limit(bytes)?;
        }
        lua.set_app_data(Spent(spent.clone()));
        if let Some(limit) = self.max_instructions {
            lua.set_app_data(Budget { limit, used: Cell::new(0), exhausted: spent });
            lua.set_global_hook(HookTriggers::new().every_nth_instruction(HOOK_EVERY), |lua, _| {
                charge(lua).map(|_| VmState::Continue)
            })?;
        }
        Ok(())
    }
}

/// Whether a caught error is the allocator's refusal.
fn is_memory_error(e: &Value) -> bool {
    match e {
        Value::Error(e) => matches!(**e, mlua::Error::MemoryError(_)) || e.to_string().contains("not enough memory"),
        Value::String(s) => s.to_str().is_ok_and(|s| s.contains("not enough memory")),
        _ => false,
    }
}

/// Set once a limit of a sandboxed state is spent.
#[derive(Debug)]
struct Spent(Rc<Cell<bool>>);

/// Charges one hook period to the sandbox budget, if `lua` is sandboxed; an error once it is
/// spent (and at every later call). Other hooks that replace the sandbox's (a Lua state has one)
/// call this first.
pub(crate) fn charge(lua: &Lua) -> mlua::Result<()> {
    let Some(budget) = lua.app_data_ref::<Budget>() else { return Ok(()) };
    let used = budget.used.get().saturating_add(u64::from(HOOK_EVERY));
    budget.used.set(used);
    if used > budget.limit {
        budget.exhausted.set(true);
        return Err(mlua::Error::runtime(format!(
            "sandbox: instruction limit of {} exceeded (raise it with --max-instructions)",
            budget.limit
        )));
    }
    Ok(())
}

/// Whether `lua` is sandboxed and one of its limits is spent.
pub fn exhausted(lua: &Lua) -> bool {
    lua.app_data_ref::<Spent>().is_some_and(|s| s.0.get())
}

/// Parses a size such as `64M`, `1G`, `512k` or a plain number of bytes (for `--max-memory`).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let n: usize = digits.parse().map_err(|_| format!("{text:?} is not a size (e.g. 64M, 1G, 1048576)"))?;
    let mult: usize = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("{text:?} is not a size (units: k, M, G)")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandboxed(limits: Sandbox) -> Lua {
        let lua = crate::new_lua().unwrap();
        limits.apply(&lua).unwrap();
        lua
    }

    fn err(lua: &Lua, code: &str) -> String {
        lua.load(code).exec().expect_err(code).to_string()
    }

    /// Programs, file writes, process exit and bytecode are refused, with the name of what was refused.
    #[test]
    fn dangerous_functions_are_refused() {
        let lua = sandboxed(Sandbox::default());
        let dir = std::env::temp_dir().join(format!("dn-sandbox-{}", std::process::id()));
        let file = dir.join("written");
        let path = file.display().to_string();
        let _ = std::fs::create_dir_all(&dir);
        for (code, needle) in [
            ("os.execute('true')", "os.execute"),
            ("io.popen('true')", "io.popen"),
            (&format!("io.open({path:?}, 'w')") as &str, "only reading"),
            (&format!("io.open({path:?}, 'a+')"), "only reading"),
            (&format!("io.output({path:?})"), "stdout only"),
            ("io.tmpfile()", "io.tmpfile"),
            ("os.remove('/tmp/x')", "os.remove"),
            ("os.rename('/tmp/x', '/tmp/y')", "os.rename"),
            ("os.tmpname()", "os.tmpname"),
            ("os.exit(3)", "os.exit"),
            ("package.loadlib('libc.so.6', '*')", "loadlib"),
            ("assert(load(string.dump(function() return 1 end)))", "binary chunk"),
            ("load(string.dump(function() return 1 end), 'x', 'b')", "binary chunks are not allowed"),
        ] {
            let e = err(&lua, code);
            assert!(e.contains(needle), "{code}: {e}");
        }
        assert!(!file.exists(), "a refused write created {path}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Reading files, text chunks, printing and the rest of the safe library still work.
    #[test]
    fn reading_and_ordinary_code_still_work() {
        let lua = sandboxed(Sandbox::default());
        let dir = std::env::temp_dir().join(format!("dn-sandbox-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("mod_x.lua"), "return {answer = 42}").unwrap();
        std::fs::write(dir.join("data.txt"), "hello\n").unwrap();
        let d = dir.display().to_string();
        let code = format!(
            "package.path = {p:?}
             local m = require 'mod_x'
             local f = assert(io.open({d:?} .. '/data.txt'))
             local line = f:read('l'); f:close()
             local g = assert(load('return 2 + 3'))
             return m.answer, line, g(), type(os.time()), select('#', pcall(error, 'x'))",
            p = format!("{d}/?.lua"),
        );
        let (a, line, five, t, n): (i64, String, i64, String, i64) = lua.load(&code).eval().unwrap();
        assert_eq!((a, line.as_str(), five, t.as_str(), n), (42, "hello", 5, "number", 2));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// An endless loop stops at the budget, even when it catches errors with pcall or hides in a
    /// coroutine, and the state stays spent.
    #[test]
    fn instruction_budget_cannot_be_caught() {
        for code in [
            "while true do end",
            "while true do pcall(function() while true do end end) end",
            "while true do xpcall(function() while true do end end, function(e) return e end) end",
            "local co = coroutine.create(function() while true do end end)
             while true do coroutine.resume(co) end",
            "while true do pcall(coroutine.wrap(function() while true do end end)) end",
        ] {
            let lua = sandboxed(Sandbox { max_memory: None, max_instructions: Some(5_000_000) });
            let e = err(&lua, code);
            assert!(e.contains("instruction limit of 5000000 exceeded"), "{code}: {e}");
            assert!(exhausted(&lua));
        }
    }

    /// Memory is bounded: growing a table past the limit fails, and catching the failure in a loop
    /// does not help.
    #[test]
    fn memory_limit_holds() {
        for code in [
            "local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end",
            "local t = {} while true do pcall(function() for i = 1, 1e9 do t[#t + 1] = string.rep('y', 1000) .. i end end) end",
        ] {
            let lua = sandboxed(Sandbox { max_memory: Some(16 << 20), max_instructions: Some(2_000_000_000) });
            let e = err(&lua, code);
            assert!(e.contains("memory"), "{code}: {e}");
            assert!(lua.used_memory() <= 16 << 20);
            if code.contains("pcall") {
                assert!(exhausted(&lua), "{code}");
            }
        }
    }

    /// `--max-memory` sizes.
    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("lots").unwrap_err().contains("\"lots\""));
        assert!(parse_size("5T").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }
}
