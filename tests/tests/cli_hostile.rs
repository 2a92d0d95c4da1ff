//! The `dockernet` binary given hostile command lines (issue 10, items 3 and 4): arguments that
//! are not UTF-8, and `--format` templates that used to abort it. Each test runs the built
//! `target/debug/dockernet` (see [`dockernet_tests::dockernet_bin`]) and asserts its exit status
//! and message; a panic (101) or an abort (134, or death by a signal) fails every one of them.
//!
//! The argument tests need no daemon and point the binary at a socket that does not exist, so
//! nothing they do can reach the shared one. The template tests need one network to format:
//! they make it through the harness (labelled, removed by the guard) and list only it. Where the
//! docker CLI is the oracle, its output for the same template on the same network must be ours.

#![cfg(unix)]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Output, Stdio};

use dockernet_tests::{dockernet_bin, Guard};
use serde_json::json;

/// A daemon address nothing listens on: these tests must fail before (or instead of) a request.
const NOWHERE: &str = "unix:///nonexistent/dockernet-hostile.sock";

/// What a run printed and how it ended.
struct Run {
    status: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("status", &self.status)
            .field("stdout", &String::from_utf8_lossy(&self.stdout))
            .field("stderr", &self.stderr)
            .finish()
    }
}

/// Runs `dockernet` with raw byte arguments (standard input closed): against `host`, or the
/// daemon the environment names (as the harness's client) when `None`.
fn dockernet_at(host: Option<&str>, args: &[&[u8]]) -> Run {
    let mut cmd = Command::new(dockernet_bin());
    cmd.args(args.iter().map(|a| OsStr::from_bytes(a)));
    if let Some(host) = host {
        cmd.env("DOCKER_HOST", host).env_remove("DOCKER_CONTEXT");
    }
    cmd.stdin(Stdio::null());
    let Output { status, stdout, stderr } = cmd.output().expect("run dockernet");
    let run = Run { status: status.code(), stdout, stderr: String::from_utf8_lossy(&stderr).into_owned() };
    assert!(
        run.status.is_some() && run.status != Some(101) && run.status != Some(134) && !run.stderr.contains("panicked"),
        "dockernet crashed: {run:?}"
    );
    run
}

/// Runs `dockernet` against a daemon address nothing listens on.
fn dockernet(args: &[&[u8]]) -> Run {
    dockernet_at(Some(NOWHERE), args)
}

/// A network command with a word that is not UTF-8 is an error with exit status 1 that shows
/// the word (`dockernet network inspect $'\xff'` panicked with 101).
#[test]
fn network_words_that_are_not_utf8() {
    let r = dockernet(&[b"network", b"inspect", b"\xff"]);
    assert_eq!(r.status, Some(1), "{r:?}");
    assert_eq!(
        r.stderr,
        "dockernet: argument \"\\xFF\" is not valid UTF-8 (names, flags, values and file names must be text)\n"
    );
    for args in [
        &[&b"network"[..], b"ls", b"--format", b"{{.Name}}\xfe"][..],
        &[b"network", b"create", b"--label", b"k=\xff", b"n"],
        &[b"network", b"\xff"],
        &[b"-H", b"unix:///x", b"network", b"rm", b"caf\xe9"],
    ] {
        let r = dockernet(args);
        assert_eq!(r.status, Some(1), "{args:?}: {r:?}");
        assert!(r.stderr.contains("is not valid UTF-8"), "{args:?}: {r:?}");
    }
}

/// A topology file name that is not UTF-8 is refused the same way (the topology commands take
/// their file names as text).
#[test]
fn topology_file_that_is_not_utf8() {
    for verb in [&b"plan"[..], b"up", b"down", b"status", b"verify", b"graph"] {
        let r = dockernet(&[verb, b"lab-\xff.yaml"]);
        assert_eq!(r.status, Some(1), "{r:?}");
        assert!(r.stderr.contains("argument \"lab-\\xFF.yaml\" is not valid UTF-8"), "{r:?}");
    }
}

/// `-H`/`--host` that is not UTF-8 names no daemon: exit status 1, the flag named, on every
/// path of the program (script, -e, network and topology commands).
#[test]
fn host_that_is_not_utf8() {
    for args in [
        &[&b"-H"[..], b"\xff", b"-e", b"print(1)"][..],
        &[b"--host", b"\xff", b"network", b"ls"],
        &[b"--host=\xff", b"network", b"ls"],
        &[b"-H", b"\xff", b"plan", b"lab.yaml"],
    ] {
        let r = dockernet(args);
        assert_eq!(r.status, Some(1), "{r:?}");
        assert_eq!(r.stderr, "dockernet: invalid value \"\\xFF\" for -H/--host: not valid UTF-8\n", "{args:?}");
        assert!(r.stdout.is_empty(), "{r:?}");
    }
}

/// Script arguments and -e code are data: their bytes reach Lua unchanged (`arg`, `...` and
/// string literals), and a script whose path is not UTF-8 still opens.
#[test]
fn script_bytes_pass_through() {
    let dir = std::env::temp_dir().join(format!("dockernet-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut path = dir.as_os_str().as_bytes().to_vec();
    path.extend_from_slice(b"/s\xff.lua");
    let script = r##"
local a, b = ...
io.write(arg[0], "|", arg[1], "|", arg[2], "|", a, "|", b, "|", select("#", ...), "|", #arg[1], "\n")
"##;
    std::fs::write(OsStr::from_bytes(&path), script).expect("write script");
    let r = dockernet(&[&path, b"\xfe\xff", b"-x=\xc3"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(r.status, Some(0), "{r:?}");
    let mut want = path.clone();
    want.extend_from_slice(b"|\xfe\xff|-x=\xc3|\xfe\xff|-x=\xc3|2|2\n");
    assert_eq!(r.stdout, want, "{r:?}");

    let r = dockernet(&[b"-e", b"io.write(\"\xff\", #\"\xff\\xff\")"]);
    assert_eq!((r.status, r.stdout.as_slice()), (Some(0), &b"\xff2"[..]), "{r:?}");
}

/// `dockernet -e 'print(1)' $'\xff'` (it panicked with 101): the code runs, then the script
/// named by the bytes is not found, exit status 1.
#[test]
fn missing_script_named_by_bytes() {
    let r = dockernet(&[b"-e", b"print(1)", b"\xff"]);
    assert_eq!(r.status, Some(1), "{r:?}");
    assert_eq!(r.stdout, b"1\n");
    assert_eq!(r.stderr, "dockernet: cannot open \\xFF: No such file or directory (os error 2)\n");
}

/// Templates nested past the limits are parse errors (the docker CLI's statuses: 1 for ls, 64 for
/// inspect), not stack overflows:
/// 10,000 parentheses aborted the process (134), and 5,000 blocks would have too.
#[test]
fn deep_templates_are_parse_errors() {
    let parens = format!("{{{{{}1{}}}}}", "(".repeat(10_000), ")".repeat(10_000));
    // 5,000 blocks: one argument may not pass 128 KiB (Linux's MAX_ARG_STRLEN).
    let blocks = format!("{}x{}", "{{if 1}}".repeat(5_000), "{{end}}".repeat(5_000));
    for (template, message) in [(&parens, "max expression depth exceeded"), (&blocks, "blocks nested too deeply")] {
        for (args, status) in [
            (&[&b"network"[..], b"ls", b"--format", template.as_bytes()][..], 1),
            (&[b"network", b"inspect", b"-f", template.as_bytes(), b"x"], 64),
        ] {
            let r = dockernet(args);
            assert_eq!(r.status, Some(status), "{r:?}");
            assert!(r.stderr.contains("template parsing error") && r.stderr.contains(message), "{r:?}");
        }
    }
}

/// `docker ARGS…` with the same daemon the tests use: the oracle.
fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).stdin(Stdio::null()).output().expect("run the docker CLI")
}

/// printf widths and precisions past Go's limit print what the docker CLI prints (`%!(NOVERB)`,
/// `%!(BADWIDTH)`, `%!(BADPREC)`) in ls and inspect; `printf "%999999999999d"` aborted (134).
#[test]
fn printf_sizes_like_docker() {
    let g = Guard::new("hostile");
    let (net, _) = g.network_with_subnet("fmt", |s| json!({ "subnet": s.cidr() }));
    let filter = format!("label={}", g.label_filter());
    let template = r#"{{printf "%999999999999d" 1}}|{{printf "%*d" 9223372036854775807 5}}|{{printf "%.*s" -1 .Name}}|{{printf "%[2]d %[1]d" 1 2}}|{{printf "%05d|%+.3d|%x" -42 7 -255}}|{{len (printf "%1000001d" 1)}}"#;
    let ours =
        dockernet_at(None, &[b"network", b"ls", b"--filter", filter.as_bytes(), b"--format", template.as_bytes()]);
    assert_eq!(ours.status, Some(0), "{ours:?}");
    let want = format!("%!(NOVERB)%!(EXTRA int=1)|%!(BADWIDTH)5|%!(BADPREC){}|2 1|-0042|+007|-ff|1000001\n", net.name);
    assert_eq!(String::from_utf8_lossy(&ours.stdout), want);
    let theirs = docker(&["network", "ls", "--filter", &filter, "--format", template]);
    assert_eq!(String::from_utf8_lossy(&theirs.stdout), want, "the docker CLI disagrees: {theirs:?}");

    let ours = dockernet_at(None, &[b"network", b"inspect", b"-f", template.as_bytes(), net.name.as_bytes()]);
    assert_eq!((ours.status, String::from_utf8_lossy(&ours.stdout).into_owned()), (Some(0), want), "{ours:?}");
}

/// Sizes and loops docker's Go would take to the end of memory or time stop with an error (exit
/// status 1) naming the limit: `pad` by 2^63−1 spaces aborted (134), as did a range over 2^63−1
/// (it collected every index first); a doubling printf loop grew without bound. Negative counts
/// are the errors docker prints.
#[test]
fn sizes_and_loops_stop_at_the_limits() {
    let g = Guard::new("hostile");
    g.network_with_subnet("lim", |s| json!({ "subnet": s.cidr() }));
    let filter = format!("label={}", g.label_filter());
    let cases = [
        ("{{pad .Name 9223372036854775807 0}}", "error calling pad: the result would pass dockernet's limit of 16 MiB"),
        ("{{range 9223372036854775807}}{{end}}", "stopped after 10000000 steps"),
        (
            "{{$x := \"ab\"}}{{range 64}}{{$x = printf \"%s%s\" $x $x}}{{end}}",
            "error calling printf: the result would pass dockernet's limit of 16 MiB",
        ),
        ("{{pad .Name -1 0}}", "error calling pad: strings: negative Repeat count"),
        ("{{truncate .Name -1}}", "error calling truncate: runtime error: slice bounds out of range [:-1]"),
    ];
    for (template, message) in cases {
        let r =
            dockernet_at(None, &[b"network", b"ls", b"--filter", filter.as_bytes(), b"--format", template.as_bytes()]);
        assert_eq!(r.status, Some(1), "{template}: {r:?}");
        // The docker CLI's words for any template error: `template parsing error: template: …`.
        assert!(r.stderr.starts_with("template parsing error: template: ") && r.stderr.contains(message), "{template}: {r:?}");
    }
}
