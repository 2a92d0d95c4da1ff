//! `require "dockernet"` from a stock Lua 5.4: the `docker` API of dockernet-lua as a module.
//!
//! ```sh
//! scripts/dev/lua-module.sh install      # builds dockernet.so and copies it to /usr/local/lib/lua/5.4/
//! lua5.4 -e 'local docker = require "dockernet"; for _, n in ipairs(docker.network.ls()) do print(n.Name) end'
//! ```
//!
//! The table is the one the `dockernet` program calls `docker` (networks, containers, topologies,
//! swarm, `docker.connect`), with the daemon found as the docker CLI finds it (`DOCKER_HOST`, the
//! current context, the default socket). It is returned, not set as a global: `local docker =
//! require "dockernet"`. What the embedded program has and this has not: the REPL, `help()`, and
//! Ctrl-C interrupting a daemon call (the host owns its signals).
//!
//! Being a guest in someone else's process:
//! - **No signal handlers.** Nothing here installs one or changes a disposition.
//! - **SIGPIPE.** Daemon calls write to a Unix socket with `write(2)`; when the daemon closes the
//!   socket under a write, the kernel sends SIGPIPE, whose default action would end the host
//!   `lua5.4` (a Rust program ignores SIGPIPE from `main`; a Lua host does not). So every API call
//!   runs with SIGPIPE blocked on the calling thread (the I/O runtime is current-thread: the
//!   socket is written on that thread), a SIGPIPE it raised is taken before the mask is restored,
//!   and the write fails with EPIPE, which becomes an `unavailable` error. A SIGPIPE that was
//!   already pending for the host is left alone.
//! - **Never unloaded.** The library is linked with `-z nodelete` (build.rs): Lua `dlclose`s C
//!   modules when the state closes, and code or thread-locals of the I/O runtime must not vanish
//!   from under a thread that is still winding down.

use mlua::{Function, Lua, MultiValue, Table};

/// `luaopen_dockernet`: builds the API table for the host's Lua state.
#[mlua::lua_module(skip_memory_check)]
fn dockernet(lua: &Lua) -> mlua::Result<Table> {
    // `guard(pcall, f, ...)`: runs `pcall(f, ...)` with SIGPIPE held off this thread.
    let guard = lua.create_function(|_, (pcall, args): (Function, MultiValue)| {
        let _held = SigpipeHeld::new();
        pcall.call::<MultiValue>(args)
    })?;
    dockernet_lua::open_module(lua, Some(guard))
}

/// SIGPIPE blocked on this thread while it lives; a SIGPIPE raised meanwhile is consumed.
struct SigpipeHeld {
    old: libc::sigset_t,
    was_pending: bool,
}

fn sigpipe_set() -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset initialise the set they are given.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        set
    }
}

fn sigpipe_pending() -> bool {
    // SAFETY: sigpending fills the set it is given.
    unsafe {
        let mut pending: libc::sigset_t = std::mem::zeroed();
        libc::sigpending(&mut pending) == 0 && libc::sigismember(&pending, libc::SIGPIPE) == 1
    }
}

impl SigpipeHeld {
    fn new() -> SigpipeHeld {
        let set = sigpipe_set();
        // SAFETY: pthread_sigmask only changes this thread's mask; `old` receives the previous one.
        let old = unsafe {
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
            old
        };
        SigpipeHeld { old, was_pending: sigpipe_pending() }
    }
}

impl Drop for SigpipeHeld {
    fn drop(&mut self) {
        let set = sigpipe_set();
        // SAFETY: a zero timeout never blocks; the mask restored is the one saved in `new`.
        unsafe {
            if !self.was_pending && sigpipe_pending() {
                let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
                libc::sigtimedwait(&set, std::ptr::null_mut(), &zero);
            }
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut());
        }
    }
}
