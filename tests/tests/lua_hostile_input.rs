//! Hostile values from Lua scripts (issue 10, items 1 and 18), against the real daemon through the
//! `dockernet` binary: numbers where names belong are `invalid` errors (they used to create a
//! network named after the number), self-referencing, 100,000-deep and 2^40-long tables are
//! `invalid` errors naming the option (not a crash or a hang), and handles keep working
//! (`tests/lua/hostile.lua`).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dockernet_core::network::InspectOptions;
use dockernet_core::ErrorKind;
use dockernet_tests::{dockernet_bin, random_u64, workspace_root, Guard};

/// Runs `cmd` to its end or until `limit` has passed (then kills it); returns (exit code, stdout,
/// stderr), the code `None` when it was killed or died by a signal.
fn run_bounded(cmd: &mut Command, limit: Duration) -> (Option<i32>, String, String) {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start dockernet");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let mut stderr = String::new();
    let err_reader = std::thread::spawn(move || {
        let _ = err.read_to_string(&mut stderr);
        stderr
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = (reader.join().unwrap(), err_reader.join().unwrap());
    (status.and_then(|s| s.code()), stdout, stderr)
}

/// `tests/lua/hostile.lua` passes every check within two minutes, no network is named after the
/// number it passed as a name, and nothing is left behind.
#[test]
fn lua_hostile_values_are_invalid_errors() {
    let g = Guard::new("luahostile");
    // Fifteen digits: a name no other test uses, and an integer Lua holds exactly.
    let number = (random_u64() % 900_000_000_000_000 + 100_000_000_000_000).to_string();
    g.track_network(&number);
    let (code, stdout, stderr) = run_bounded(
        Command::new(dockernet_bin())
            .arg(workspace_root().join("tests/lua/hostile.lua"))
            .env("DNT_SUFFIX", g.name("s"))
            .env("DNT_LABEL", g.tag())
            .env("DNT_NUMBER", &number),
        Duration::from_secs(120),
    );
    assert_eq!(code, Some(0), "hostile.lua failed (or crashed, or hung):\n{stdout}\n{stderr}");
    assert!(stdout.contains("checks passed"), "{stdout}");
    let e =
        g.client().network_inspect(&number, &InspectOptions::default()).expect_err("no network named after the number");
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let (nets, ctrs) = g.leftovers();
    assert!(nets.is_empty() && ctrs.is_empty(), "left behind: {nets:?} {ctrs:?}");
}
