//! `require "dockernet"` from Debian's stock `lua5.4` (the module of lua-module/, built by
//! `scripts/dev/lua-module.sh build`), and the embedded runtime's `require` of pure-Lua modules
//! on the system's paths.
//!
//! A missing `lua5.4` is a failure, not a skip: `scripts/dev/test.sh` installs it
//! (`scripts/dev/lua-module.sh ensure-lua`).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use dockernet_tests::{dockernet_bin, free_subnet, unique, workspace_root, Guard, Out};

/// The directory holding the built `dockernet.so` (built once per test run; a no-op when fresh).
fn module_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Command::new(workspace_root().join("scripts/dev/lua-module.sh"))
            .arg("build")
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/dev/lua-module.sh build");
        assert!(out.status.success(), "building the Lua module failed (see stderr above)");
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        assert!(dir.join("dockernet.so").is_file(), "no dockernet.so in {}", dir.display());
        dir
    })
    .clone()
}

/// `lua5.4` with the built module first on `package.cpath`.
fn stock_lua() -> Command {
    let mut cmd = Command::new("lua5.4");
    cmd.env("LUA_CPATH", format!("{}/?.so;;", module_dir().display()));
    cmd
}

/// Runs stock `lua5.4` on `tests/lua/module.lua`: require, create, inspect, ls, print, typos, rm
/// against the real daemon, with this test's name, subnet and label.
#[test]
fn stock_lua_requires_the_module_and_manages_a_network() {
    let g = Guard::new("luamod");
    let name = g.name("net");
    g.track_network(&name);
    // A subnet another test took between free_subnet() and the create is a conflict naming the
    // overlap: try another (at most 3 times), as the harness's retry_subnet does.
    let mut out: Option<Out> = None;
    for _ in 0..3 {
        let subnet = free_subnet();
        let o: Out = stock_lua()
            .arg(workspace_root().join("tests/lua/module.lua"))
            .env("DNT_NAME", &name)
            .env("DNT_SUBNET", subnet.cidr())
            .env("DNT_LABEL", g.tag())
            .output()
            .expect("run lua5.4 (Debian package lua5.4; scripts/dev/lua-module.sh ensure-lua installs it)")
            .into();
        let overlap = o.code != Some(0) && format!("{o}").contains("overlap");
        out = Some(o);
        if !overlap {
            break;
        }
    }
    let out = out.expect("one run");
    assert_eq!(out.code, Some(0), "module.lua failed:\n{out}");
    assert!(out.stdout.contains("module: ") && out.stdout.contains("checks passed"), "{out}");
    let (nets, ctrs) = g.leftovers();
    assert!(nets.is_empty() && ctrs.is_empty(), "left behind: {nets:?} {ctrs:?}");
}

/// Requiring the module changes none of the host's signal state: no handler installed, nothing
/// ignored or blocked (read from /proc before and after, in the same `lua5.4`).
#[test]
fn the_module_leaves_the_hosts_signals_alone() {
    let script = r#"
        local function sig()
          local f = assert(io.open("/proc/self/status"))
          local t = {}
          for line in f:lines() do
            local k, v = line:match("^(Sig%a%a%a):%s*(%x+)$")
            if k and k ~= "SigPnd" then t[#t + 1] = k .. "=" .. v end
          end
          f:close()
          return table.concat(t, " ")
        end
        local before = sig()
        local docker = require "dockernet"
        assert(docker.ping() == true)
        assert(#docker.network.ls() >= 3)
        local after = sig()
        print(before); print(after)
        assert(before == after, "signal state changed:\n" .. before .. "\n" .. after)
        assert(rawget(_G, "docker") == nil, "the module sets no global")
        print("signals untouched")
    "#;
    let out: Out = stock_lua().args(["-e", script]).output().expect("run lua5.4").into();
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains("signals untouched"), "{out}");
}

/// A daemon that closes the socket while a request is being written: the write fails with
/// EPIPE, and the kernel's SIGPIPE (whose default action ends a process) must not end `lua5.4`;
/// the call raises `unavailable` instead. Afterwards SIGPIPE is the host's again: `lua5.4`
/// writing to a closed pipe dies of it, as it would without the module.
#[test]
fn a_daemon_hanging_up_mid_request_does_not_kill_lua() {
    let dir = std::env::temp_dir().join(unique("dnt-luamod-sock"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let sock = dir.join("docker.sock");
    let listener = UnixListener::bind(&sock).expect("bind a fake daemon socket");
    // A fake daemon: answers GETs (ping, version, network list) as a daemon of API 1.41 would,
    // and hangs up on any other request without reading its body.
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || loop {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match conn.read(&mut byte) {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let mut words = head.split_whitespace();
                let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                if method != "GET" {
                    return; // drops the connection with the body unread
                }
                let body = if path.contains("/version") {
                    r#"{"ApiVersion":"1.41","MinAPIVersion":"1.12","Version":"20.10.24","Os":"linux","Arch":"amd64"}"#
                } else if path.contains("_ping") {
                    "OK"
                } else {
                    "[]"
                };
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if conn.write_all(reply.as_bytes()).is_err() {
                    return;
                }
            });
        }
    });
    let script = r#"
        local docker = require "dockernet"
        local big = string.rep("a", 8 << 20)  -- far more than a socket buffer: the write is cut
        for i = 1, 3 do
          local ok, err = pcall(docker.network.create, "dnt-luamod-pipe", {labels = {big = big}})
          assert(not ok, "the fake daemon accepted a create")
          print("call " .. i .. ": " .. err.kind .. ": " .. err.message:sub(1, 160))
        end
        print("survived")
        io.stdout:flush()
        -- Now write until the reader (the test) has gone: SIGPIPE must end us, as without the module.
        io.stdout:setvbuf("no")
        for i = 1, 200 do
          io.stdout:write("after\n")
          os.execute("sleep 0.05")
        end
        os.exit(7)
    "#;
    let mut child = stock_lua()
        .args(["-e", script])
        .env("DOCKER_HOST", format!("unix://{}", sock.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run lua5.4");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !seen.contains("survived\n") && Instant::now() < deadline {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        seen.push_str(&line);
    }
    drop(stdout); // the pipe's reader goes away
    let status = child.wait().expect("wait for lua5.4");
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).ok();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(seen.contains("survived\n"), "lua5.4 did not survive the hang-ups ({status:?}):\n{seen}\n{stderr}");
    assert_eq!(seen.matches(": unavailable: ").count(), 3, "each cut call is `unavailable`:\n{seen}");
    assert_eq!(
        status.signal(),
        Some(libc_sigpipe()),
        "after the calls, SIGPIPE must still end lua5.4 (not ignored, not blocked): {status:?}\n{seen}\n{stderr}"
    );
}

/// SIGPIPE's number on Linux.
fn libc_sigpipe() -> i32 {
    13
}

/// The embedded runtime (`dockernet`) finds a pure-Lua module where stock `lua5.4` does:
/// `/usr/local/share/lua/5.4` (with no `LUA_PATH` set), as `package.path` says.
#[test]
fn embedded_runtime_requires_from_the_system_path() {
    let dir = PathBuf::from("/usr/local/share/lua/5.4");
    std::fs::create_dir_all(&dir).expect("create /usr/local/share/lua/5.4 (tests run as root)");
    let module = unique("dnt_luamod").replace('-', "_");
    let file = dir.join(format!("{module}.lua"));
    std::fs::write(&file, "return { answer = 42 }\n").expect("write a test module");
    struct Remove(PathBuf);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _remove = Remove(file);
    let code = format!("print(require('{module}').answer); print(package.path)");
    let run = |cmd: &mut Command| -> Out {
        cmd.args(["-e", &code]).env_remove("LUA_PATH").env_remove("LUA_PATH_5_4").output().expect("run").into()
    };
    let embedded = run(&mut Command::new(dockernet_bin()));
    assert_eq!(embedded.code, Some(0), "{embedded}");
    assert!(embedded.stdout.starts_with("42\n"), "{embedded}");
    // The same search path as stock lua5.4's.
    let stock = run(&mut Command::new("lua5.4"));
    assert_eq!(stock.code, Some(0), "{stock}");
    assert_eq!(embedded.stdout, stock.stdout, "dockernet and lua5.4 search different paths");
}
