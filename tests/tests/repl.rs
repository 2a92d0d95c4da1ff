//! The `dockernet` REPL driven in a pseudo-terminal (rexpect), against the real Docker daemon:
//! prompt, expressions, multi-line chunks, completion (API names and live network names), CLI
//! lines, persistent history, Ctrl-C and Ctrl-D, errors; and piped stdin without a terminal.
//!
//! Every wait is bounded (10 s). Each session gets its own history file in a temporary
//! directory, so the user's history is never touched. What a test creates on the daemon is owned
//! by a [`Guard`] and removed even when the test fails.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dockernet_tests::{dockernet_bin, unique, Guard};
use rexpect::process::WaitStatus;
use rexpect::reader::Options;
use rexpect::session::PtySession;
use serde_json::json;

/// The bound on every wait for output.
const TIMEOUT_MS: u64 = 10_000;

/// A temporary directory for one test's history files, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(unique("repl-home"));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }

    fn history(&self) -> PathBuf {
        self.0.join("state").join("history")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts the REPL in a pseudo-terminal with its history in `history`, and waits for the prompt.
/// Colours off (`NO_COLOR`) and escape sequences stripped, unless `color`.
fn spawn_repl(history: &Path, color: bool) -> PtySession {
    // A new pseudo-terminal has no size (rustyline then assumes 80 columns and re-draws long
    // lines with the prompt, which would look like a new prompt): give it a wide one first.
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "stty cols 250 rows 50 && exec \"$0\"", &dockernet_bin().to_string_lossy()]);
    cmd.env("DOCKERNET_HISTORY", history).env("TERM", "xterm");
    if color {
        cmd.env_remove("NO_COLOR");
    } else {
        cmd.env("NO_COLOR", "1");
    }
    let opts = Options::new().timeout_ms(Some(TIMEOUT_MS)).strip_ansi_escape_codes(!color);
    let mut s = rexpect::spawn_with_options(cmd, opts).expect("start dockernet in a pseudo-terminal");
    prompt(&mut s);
    s
}

/// Waits for the main prompt (`dockernet[docker.sock]> `); returns what came before it.
fn prompt(s: &mut PtySession) -> String {
    // Plain, or styled with SGR sequences around the parts (colour tests).
    let (before, _) =
        s.exp_regex(r"dockernet(\x1b\[[0-9;]*m)?\[[^\]\r\n]*\](\x1b\[[0-9;]*m)?> ").expect("the REPL prompt");
    before
}

/// Sends a line and returns the output up to the next main prompt.
fn eval(s: &mut PtySession, line: &str) -> String {
    s.send_line(line).expect("send a line");
    prompt(s)
}

/// Waits (bounded) for the process to exit and returns its status.
fn wait_exit(s: &PtySession) -> WaitStatus {
    let deadline = Instant::now() + Duration::from_millis(TIMEOUT_MS);
    loop {
        match s.process().status() {
            Some(WaitStatus::StillAlive) | None => {}
            Some(status) => return status,
        }
        assert!(Instant::now() < deadline, "dockernet did not exit within {TIMEOUT_MS} ms");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Leaves the REPL with Ctrl-D and checks it exits with status 0.
fn quit(mut s: PtySession) {
    s.send_control('d').expect("send Ctrl-D");
    s.exp_eof().expect("end of output after Ctrl-D");
    match wait_exit(&s) {
        WaitStatus::Exited(_, 0) => {}
        other => panic!("dockernet should exit with status 0 on Ctrl-D, got {other:?}"),
    }
}

/// The prompt names the daemon, an expression prints its value, and Ctrl-D exits with status 0.
#[test]
fn prompt_expression_and_ctrl_d() {
    let tmp = TempDir::new();
    let mut s = spawn_repl(&tmp.history(), false);
    let out = eval(&mut s, "1+1");
    assert!(out.lines().any(|l| l.trim() == "2"), "1+1 should print 2, got {out:?}");
    let out = eval(&mut s, "docker.ping()");
    assert!(out.lines().any(|l| l.trim() == "true"), "docker.ping() should print true, got {out:?}");
    quit(s);
}

/// A `for` loop typed over three lines asks for more with `... ` and then runs as one chunk.
#[test]
fn multi_line_chunk() {
    let tmp = TempDir::new();
    let mut s = spawn_repl(&tmp.history(), false);
    s.send_line("for i=1,2 do").unwrap();
    s.exp_string("... ").expect("the continuation prompt after `for i=1,2 do`");
    s.send_line("print(i * 10)").unwrap();
    s.exp_string("... ").expect("the continuation prompt after `print(i * 10)`");
    let out = eval(&mut s, "end");
    let printed: Vec<&str> = out.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert!(printed.ends_with(&["10", "20"]), "the loop should print 10 and 20, got {out:?}");
    quit(s);
}

/// Tab after `docker.network.cr` completes `create`, found in the live `docker` table.
#[test]
fn completes_api_names() {
    let tmp = TempDir::new();
    let mut s = spawn_repl(&tmp.history(), false);
    s.send("x = docker.network.cr").unwrap();
    s.flush().unwrap();
    s.exp_string("docker.network.cr").unwrap();
    s.send("\t").unwrap();
    s.flush().unwrap();
    s.exp_string("eate").expect("Tab should complete docker.network.cr to docker.network.create");
    s.send_line("").unwrap();
    prompt(&mut s);
    let out = eval(&mut s, "x == docker.network.create");
    assert!(out.lines().any(|l| l.trim() == "true"), "the completed name should be the function, got {out:?}");
    quit(s);
}

/// Tab inside a string argument completes a network name the daemon has (one this test made).
#[test]
fn completes_live_network_names() {
    let guard = Guard::new("repl");
    let net = guard.network("live", json!({}));
    let tmp = TempDir::new();
    let mut s = spawn_repl(&tmp.history(), false);
    // The guard's tag makes the prefix unique: only this network can match.
    let prefix = &net.name[..net.name.len() - 3];
    s.send(&format!("n = docker.network.inspect(\"{prefix}")).unwrap();
    s.flush().unwrap();
    s.exp_string(prefix).unwrap();
    s.send("\t").unwrap();
    s.flush().unwrap();
    let rest = format!("{}\"", &net.name[prefix.len()..]);
    s.exp_string(&rest)
        .unwrap_or_else(|e| panic!("Tab should complete the network name {} and close the quote: {e}", net.name));
    s.send_line(")").unwrap();
    prompt(&mut s);
    let out = eval(&mut s, "n.Name");
    assert!(
        out.lines().any(|l| l.trim() == net.name),
        "inspect of the completed name should find {}, got {out:?}",
        net.name
    );
    quit(s);
}

/// Tab completes subcommands and flags on a line in CLI syntax.
#[test]
fn completes_cli_words() {
    let tmp = TempDir::new();
    let mut s = spawn_repl(&tmp.history(), false);
    s.send("network insp").unwrap();
    s.flush().unwrap();
    s.exp_string("network insp").unwrap();
    s.send("\t").unwrap();
    s.flush().unwrap();
    s.exp_string("ect").expect("Tab should complete `network insp` to `network inspect`");
    s.send_control('c').unwrap();
    prompt(&mut s);
    quit(s);
}

/// `network ls` at the prompt runs the CLI command and prints the `docker network ls` table.
#[test]
fn cli_line_prints_the_table() {
    let tmp = TempDir::new();
    let mut s = spawn_repl(&tmp.history(), false);
    let out = eval(&mut s, "network ls");
    assert!(out.contains("NETWORK ID") && out.contains("DRIVER"), "expected the network ls header, got {out:?}");
    assert!(
        out.lines().any(|l| l.split_whitespace().nth(1) == Some("bridge")),
        "expected the bridge network, got {out:?}"
    );
    let out = eval(&mut s, "docker.network.ls()");
    assert!(
        out.contains("NETWORK ID") && out.contains("bridge"),
        "a NetworkList should print as the table, got {out:?}"
    );
    quit(s);
}

/// A chunk run in one session is in the history file and comes back with Up in the next one.
#[test]
fn history_persists_across_sessions() {
    let tmp = TempDir::new();
    let history = tmp.history();
    let mut s = spawn_repl(&history, false);
    let out = eval(&mut s, "\"hist\" .. \"ory-\" .. 42");
    assert!(out.contains("history-42"), "got {out:?}");
    quit(s);
    let saved = std::fs::read_to_string(&history).expect("the history file exists after the session");
    assert!(saved.contains("\"hist\" .. \"ory-\" .. 42"), "history file should hold the line, has {saved:?}");

    let mut s = spawn_repl(&history, false);
    s.send("\x1b[A").unwrap(); // Up: the previous session's line
    s.flush().unwrap();
    s.exp_string("\"hist\" .. \"ory-\" .. 42").expect("Up should recall the previous session's line");
    let out = eval(&mut s, "");
    assert!(out.contains("history-42"), "the recalled line should run, got {out:?}");
    quit(s);
}

/// Ctrl-C drops a half-typed line and a half-typed multi-line chunk; the REPL goes on.
#[test]
fn ctrl_c_cancels_the_line() {
    let tmp = TempDir::new();
    let mut s = spawn_repl(&tmp.history(), false);
    s.send("1000 +").unwrap();
    s.flush().unwrap();
    s.exp_string("1000 +").unwrap();
    s.send_control('c').unwrap();
    prompt(&mut s);
    let out = eval(&mut s, "40+2");
    assert!(out.lines().any(|l| l.trim() == "42"), "the cancelled text must not be run, got {out:?}");

    s.send_line("for i=1,2 do").unwrap();
    s.exp_string("... ").unwrap();
    s.send_control('c').unwrap();
    prompt(&mut s);
    let out = eval(&mut s, "2*3");
    assert!(out.lines().any(|l| l.trim() == "6"), "after Ctrl-C a new chunk starts, got {out:?}");
    quit(s);
}

/// Ctrl-C while a chunk runs (an endless loop) stops the chunk, not the REPL.
#[test]
fn ctrl_c_interrupts_a_running_chunk() {
    let tmp = TempDir::new();
    let mut s = spawn_repl(&tmp.history(), false);
    s.send_line("while true do end").unwrap();
    s.exp_string("while true do end").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    s.send_control('c').unwrap();
    let out = prompt(&mut s);
    assert!(out.contains("interrupted"), "expected an interrupted error, got {out:?}");
    let out = eval(&mut s, "20+1");
    assert!(out.lines().any(|l| l.trim() == "21"), "the session goes on, got {out:?}");
    quit(s);
}

/// An error prints as one `error: …` line and the REPL carries on.
#[test]
fn an_error_is_one_line() {
    let tmp = TempDir::new();
    let mut s = spawn_repl(&tmp.history(), false);
    let missing = unique("repl-missing");
    let out = eval(&mut s, &format!("docker.network.inspect(\"{missing}\")"));
    let lines: Vec<&str> =
        out.lines().map(str::trim).filter(|l| !l.is_empty() && !l.contains("docker.network.inspect(")).collect();
    assert_eq!(lines.len(), 1, "one error line expected, got {out:?}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains("not_found"), "got {out:?}");
    let out = eval(&mut s, "error('boom')");
    assert!(out.contains("error: stdin:1: boom"), "got {out:?}");
    let out = eval(&mut s, "1+1");
    assert!(out.lines().any(|l| l.trim() == "2"), "the REPL should continue, got {out:?}");
    quit(s);
}

/// On a colour terminal errors are red; `NO_COLOR` turns that off (checked by the other tests).
#[test]
fn errors_are_red_on_a_colour_terminal() {
    let tmp = TempDir::new();
    let mut s = spawn_repl(&tmp.history(), true);
    s.send_line("error('red')").unwrap();
    s.exp_string("\x1b[31merror: stdin:1: red").expect("a red error line");
    prompt(&mut s);
    quit(s);
}

/// `help(docker.network.create)` prints that entry.
#[test]
fn help_prints_an_entry() {
    let tmp = TempDir::new();
    let mut s = spawn_repl(&tmp.history(), false);
    let out = eval(&mut s, "help(docker.network.create)");
    assert!(out.contains("docker.network.create(name,") && out.contains("Creates a network."), "got {out:?}");
    quit(s);
}

/// Runs `dockernet` with `input` on a pipe (no terminal); returns status, stdout, stderr.
fn piped(input: &str) -> (i32, String, String) {
    let tmp = TempDir::new();
    let mut child = Command::new(dockernet_bin())
        .env("DOCKERNET_HISTORY", tmp.history())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dockernet");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    let deadline = Instant::now() + Duration::from_millis(TIMEOUT_MS);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("dockernet with piped stdin did not exit within {TIMEOUT_MS} ms");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// With stdin piped, `print(1+1)` prints 2 and the status is 0; no prompt is shown.
#[test]
fn piped_stdin_runs_chunks() {
    let (code, out, err) = piped("print(1+1)\n");
    assert_eq!((code, out.as_str(), err.as_str()), (0, "2\n", ""));
    let (code, out, _) = piped("for i=1,2 do\n  io.write(i, ' ')\nend\n#docker.network.ls() > 0\n");
    assert_eq!((code, out.as_str()), (0, "1 2 true\n"));
}

/// With stdin piped, a failing chunk prints one error line, the rest still runs, and the
/// status is 1.
#[test]
fn piped_stdin_failure_sets_the_status() {
    let (code, out, err) = piped("error('first')\nprint('second')\n");
    assert_eq!(code, 1);
    assert_eq!(out, "second\n");
    assert_eq!(err, "error: stdin:1: first\n");
}
