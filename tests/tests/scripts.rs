//! Every example script in `scripts/` runs against the real daemon and does what its header says.

use std::process::Command;

use dockernet_core::network::ListOptions;
use dockernet_tests::{client, dockernet_bin, workspace_root, Values};

/// Runs a script with a unique suffix; returns (exit ok, stdout, stderr).
fn run_script(script: &str, suffix: &str) -> (bool, String, String) {
    let out = Command::new(dockernet_bin())
        .arg(workspace_root().join("scripts").join(script))
        .env("DOCKERNET_SUFFIX", suffix)
        .env("NO_COLOR", "1")
        .output()
        .expect("run dockernet");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Nothing on the daemon carries the suffix after a script ran (it cleans up after itself).
fn assert_clean(suffix: &str) {
    let docker = client();
    let nets = docker.network_ls(&ListOptions::default()).unwrap().values();
    let left: Vec<_> = nets.iter().filter_map(|n| n["Name"].as_str()).filter(|n| n.contains(suffix)).collect();
    assert!(left.is_empty(), "networks left behind: {left:?}");
    let ctrs = docker.container_ls(&dockernet_core::container::ListOptions { all: true, ..Default::default() }).unwrap().values();
    let left: Vec<_> = ctrs
        .iter()
        .filter_map(|c| c["Names"][0].as_str())
        .filter(|n| n.contains(suffix))
        .collect();
    assert!(left.is_empty(), "containers left behind: {left:?}");
}

fn suffix(tag: &str) -> String {
    format!("{tag}{}x{}", std::process::id(), std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos())
}

/// The seed walkthrough lists the default networks, shows eth1 appear on connect and vanish on
/// disconnect, and removes what it made.
#[test]
fn seed_walkthrough_shows_the_interface_come_and_go() {
    let s = suffix("w");
    let (ok, out, err) = run_script("seed-walkthrough.lua", &s);
    assert!(ok, "script failed:\n{out}\n{err}");
    for needle in ["bridge", "host", "none", "connect: eth1 appeared", "disconnect: eth1 gone", "walkthrough complete"] {
        assert!(out.contains(needle), "missing {needle:?} in output:\n{out}");
    }
    assert_clean(&s);
}

/// The three-tier script proves web reaches db and a front-only client cannot.
#[test]
fn three_tier_isolates_the_back_network() {
    let s = suffix("t");
    let (ok, out, err) = run_script("three-tier.lua", &s);
    assert!(ok, "script failed:\n{out}\n{err}");
    assert!(out.contains("web    -> db (by name): reachable"), "{out}");
    assert!(out.contains("): unreachable"), "{out}");
    assert_clean(&s);
}

/// A failing script exits 1 with the error's message and a traceback; an unreachable daemon
/// is one clear line naming the socket.
#[test]
fn script_errors_exit_one_with_a_clear_message() {
    let dir = std::env::temp_dir().join(format!("dnt-script-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("bad.lua");
    std::fs::write(&script, "#!/usr/bin/env dockernet\nlocal function f() docker.network.inspect('dnt-surely-missing-net') end\nf()\n").unwrap();
    let out = Command::new(dockernet_bin()).arg(&script).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("dockernet: network inspect \"dnt-surely-missing-net\""), "{err}");
    assert!(err.contains("(not_found, daemon status 404)") && err.contains("stack traceback"), "{err}");

    let out = Command::new(dockernet_bin()).arg(&script).env("DOCKER_HOST", "unix:///nonexistent/dnt.sock").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("unix:///nonexistent/dnt.sock") && err.contains("dockerd"), "{err}");

    // `arg` and `...` as stock lua gives them.
    std::fs::write(&script, "print(arg[0]:match('bad.lua') ~= nil, arg[1], select('#', ...), ...)").unwrap();
    let out = Command::new(dockernet_bin()).arg(&script).args(["a", "b"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "true\ta\t2\ta\tb");
    std::fs::remove_dir_all(dir).unwrap();
}
