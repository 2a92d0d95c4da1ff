//! `dockernet --sandbox`: a script from someone else cannot run programs, write files, load
//! bytecode or exhaust the machine, and still drives the daemon through the `docker` API.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use dockernet_tests::{dockernet_bin, unique, Guard, TEST_IMAGE};

/// Runs `dockernet --sandbox [extra…] -e CODE`.
fn sandboxed(extra: &[&str], code: &str) -> Output {
    Command::new(dockernet_bin())
        .arg("--sandbox")
        .args(extra)
        .arg("-e")
        .arg(code)
        .env("NO_COLOR", "1")
        .output()
        .expect("run dockernet")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Each escape hatch is refused with a message naming it, and exits 1; no file appears.
#[test]
fn escape_hatches_are_refused() {
    let dir = std::env::temp_dir().join(unique("sandbox"));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("pwned");
    let t = target.display().to_string();
    let cases = [
        (format!("os.execute('touch {t}')"), "os.execute"),
        (format!("io.popen('touch {t}')"), "io.popen"),
        (format!("io.open('{t}', 'w'):write('x')"), "only reading"),
        (format!("io.output('{t}')"), "stdout only"),
        (format!("os.rename('{t}', '{t}2')"), "os.rename"),
        ("os.exit(0)".to_string(), "os.exit"),
        ("package.loadlib('libc.so.6', 'system')".to_string(), "loadlib"),
        ("load(string.dump(function() end), 'x', 'b')".to_string(), "binary chunks are not allowed"),
        ("assert(load(string.dump(function() end)))".to_string(), "binary chunk"),
    ];
    for (code, needle) in &cases {
        let out = sandboxed(&[], code);
        assert_eq!(out.status.code(), Some(1), "{code}: {}", text(&out));
        assert!(text(&out).contains(needle), "{code}: expected {needle:?} in {}", text(&out));
    }
    assert!(!target.exists(), "a sandboxed script created {t}");
    // Without --sandbox the same write works: the test above is not vacuous.
    let out = Command::new(dockernet_bin()).arg("-e").arg(format!("io.open('{t}', 'w'):write('x')")).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(target.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// An endless loop — even one that catches errors — stops at the instruction budget, quickly.
#[test]
fn endless_loops_stop_at_the_budget() {
    for code in [
        "while true do end",
        "while true do pcall(function() while true do end end) end",
        "local co = coroutine.create(function() while true do end end) while true do coroutine.resume(co) end",
    ] {
        let start = Instant::now();
        let out = sandboxed(&["--max-instructions", "20000000"], code);
        assert_eq!(out.status.code(), Some(1), "{code}: {}", text(&out));
        assert!(text(&out).contains("instruction limit of 20000000 exceeded"), "{code}: {}", text(&out));
        assert!(start.elapsed() < Duration::from_secs(30), "{code} ran {:?}", start.elapsed());
    }
}

/// A script that allocates without end stops at the memory limit.
#[test]
fn memory_stops_at_the_limit() {
    let out = sandboxed(&["--max-memory", "32M"], "local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 4096) .. i end");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("memory"), "{}", text(&out));
}

/// `--max-memory` without `--sandbox`, or with a bad size, is a usage error naming the value.
#[test]
fn limit_flags_are_checked() {
    let out = Command::new(dockernet_bin()).args(["--max-memory", "64M", "-e", "print(1)"]).output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("--sandbox"), "{}", text(&out));
    let out = sandboxed(&["--max-memory", "lots"], "print(1)");
    assert!(!out.status.success());
    assert!(text(&out).contains("lots"), "{}", text(&out));
}

/// The docker API is still there: a sandboxed script creates, inspects and removes a network and
/// runs a container on it.
#[test]
fn the_docker_api_stays_available() {
    let g = Guard::new("sandbox-api");
    let net = g.name("net");
    let ctr = g.name("ctr");
    g.track_network(&net);
    g.track_container(&ctr);
    let code = format!(
        r#"local n = docker.network.create("{net}", {{labels = {{["dockernet.test"] = "{tag}"}}}})
        local c = docker.container.run{{image = "{TEST_IMAGE}", name = "{ctr}", command = "sleep 60",
          networks = {{"{net}"}}, labels = {{["dockernet.test"] = "{tag}"}}}}
        local r = c:exec("echo sandboxed")
        print("exec:", r.stdout)
        c:rm{{force = true}}
        n:rm()
        print("done", #docker.network.ls() > 0)"#,
        tag = g.tag()
    );
    let out = sandboxed(&[], &code);
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("exec:\tsandboxed"), "{t}");
    assert!(t.contains("done\ttrue"), "{t}");
}

/// Piped into a sandboxed REPL, nothing runs after a limit is spent, not even a chunk shorter
/// than one budget check.
#[test]
fn a_spent_sandbox_runs_nothing_more() {
    use std::io::Write;
    let mut child = Command::new(dockernet_bin())
        .args(["--sandbox", "--max-instructions", "2000000"])
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"while true do end\nprint('after')\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let t = text(&out);
    assert!(t.contains("instruction limit of 2000000 exceeded"), "{t}");
    assert!(t.contains("limits are spent"), "{t}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("after"), "{t}");
    assert_eq!(out.status.code(), Some(1), "{t}");
}
