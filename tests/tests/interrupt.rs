//! Interrupts against the real daemon (issue 10, items 6 and 7): an interrupt abandons a daemon
//! call at once and says what may still run; the first interrupt of a topology apply rolls back
//! what it did, a second stops at once and says what is left; `dockernet up`, scripts and the REPL
//! turn Ctrl-C, SIGTERM and SIGHUP into those interrupts (exit 130, 143, 129).
//!
//! Signals go to `dockernet` processes this test starts (with the `kill` program), never to the
//! test itself. Every wait is bounded. Every topology has a unique name, its own pool and the
//! guard's label; a [`Destroyed`] guard destroys it by name and checks nothing is left.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dockernet_core::container::{Command as Argv, ExecOptions};
use dockernet_core::topology::{ApplyOptions, ProgressEvent, Topology};
use dockernet_core::{BlockingClient, ErrorKind, Interrupt};
use dockernet_tests::{client, destroy_topology, dockernet_bin, free_pool, report_cleanup, topology_objects, unique, Guard, TEST_IMAGE};
use rexpect::session::PtySession;
use serde_json::json;

/// The bound on every wait in this file.
const LIMIT: Duration = Duration::from_secs(60);

/// A lab: networks `a` and `b`, and `nodes` nodes alternating between them, under a unique name
/// with its own pool and the guard's label. Returns (name, YAML).
fn lab_yaml(g: &Guard, nodes: usize) -> (String, String) {
    let name = g.name("int");
    let mut y = format!(
        "name: {name}\npool: {}\nimage: {TEST_IMAGE}\nlabels: {{dockernet.test: {}}}\nnetworks: {{a: {{}}, b: {{}}}}\n\
         nodes:\n",
        free_pool(20),
        g.tag()
    );
    for i in 0..nodes {
        y.push_str(&format!("  n{i}: {{networks: [{}]}}\n", if i % 2 == 0 { "a" } else { "b" }));
    }
    (name, y)
}

/// Destroys topology `name` (and removes its file) on drop, then fails the test when anything
/// labelled with it is left.
struct Destroyed<'c> {
    client: &'c BlockingClient,
    name: String,
    file: Option<PathBuf>,
}

impl<'c> Destroyed<'c> {
    fn new(client: &'c BlockingClient, name: &str) -> Destroyed<'c> {
        Destroyed { client, name: name.to_string(), file: None }
    }

    /// Writes `yaml` to a temporary file that is removed on drop.
    fn with_file(mut self, yaml: &str) -> Destroyed<'c> {
        let path = std::env::temp_dir().join(format!("{}.yaml", self.name));
        std::fs::write(&path, yaml).expect("write the lab file");
        self.file = Some(path);
        self
    }

    fn file(&self) -> &str {
        self.file.as_deref().and_then(Path::to_str).expect("a lab file")
    }
}

impl Drop for Destroyed<'_> {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            let _ = std::fs::remove_file(f);
        }
        report_cleanup("Destroyed", destroy_topology(self.client, &self.name));
    }
}

/// Polls `ok` every 20 ms until it holds; panics after [`LIMIT`] with `what`.
fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + LIMIT;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends signal `sig` (`INT`, `TERM`, `HUP`) to process `pid` with the `kill` program.
fn kill(pid: u32, sig: &str) {
    let st = Command::new("kill").args([format!("-{sig}"), pid.to_string()]).status().expect("run kill");
    assert!(st.success(), "kill -{sig} {pid} failed: {st}");
}

/// A `dockernet` process with its stderr read line by line on a thread (and stdout collected).
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: Vec<String>,
    stdout: std::thread::JoinHandle<String>,
}

impl Running {
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(dockernet_bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dockernet");
        let (tx, lines) = mpsc::channel();
        let err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut out = child.stdout.take().expect("stdout");
        let stdout = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        Running { child, lines, stderr: Vec::new(), stdout }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (bounded) for a stderr line containing `text`.
    fn expect_line(&mut self, text: &str) {
        let deadline = Instant::now() + LIMIT;
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(50)) {
                Ok(line) => {
                    let found = line.contains(text);
                    self.stderr.push(line);
                    if found {
                        return;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        panic!("no stderr line with {text:?}; stderr so far:\n{}", self.stderr.join("\n"));
    }

    /// Waits (bounded: the process is killed after [`LIMIT`]) for the exit; returns the status
    /// code (`None`: killed by a signal), stdout and all of stderr.
    fn finish(mut self) -> (Option<i32>, String, String) {
        let deadline = Instant::now() + LIMIT;
        let status = loop {
            if let Some(st) = self.child.try_wait().expect("wait for dockernet") {
                break st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("dockernet did not exit within {LIMIT:?}; stderr:\n{}", self.stderr.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = self.stdout.join().unwrap_or_default();
        self.stderr.extend(self.lines.iter());
        (status.code(), stdout, self.stderr.join("\n"))
    }
}

/// An interrupt abandons a long exec at once with an `interrupted` error saying the process may
/// still run in the container; the client then works; an interrupt that came between calls stops
/// the next call before it starts.
#[test]
fn an_interrupt_abandons_a_call() {
    let g = Guard::new("int-call");
    let ctr = g.container("box", json!({}));
    let c = client();
    let i = Interrupt::new();
    c.set_interrupt(i.clone());
    let trigger = {
        let i = i.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            i.trigger("Ctrl-C");
        })
    };
    let started = Instant::now();
    let sleep = Argv(vec!["sleep".into(), "30".into()]);
    let e = c.container_exec(&ctr.name, &sleep, &ExecOptions::default()).expect_err("the exec is interrupted");
    let took = started.elapsed();
    trigger.join().unwrap();
    assert!(took < Duration::from_secs(2), "the interrupted exec returned after {took:?}");
    assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
    assert_eq!(
        e.message(),
        format!(
            "interrupted (Ctrl-C): stopped waiting for exec of `sleep 30` in {:?}; the process may still be running \
             in the container",
            ctr.name
        )
    );
    let echo = Argv(vec!["echo".into(), "still here".into()]);
    let out = c.container_exec(&ctr.name, &echo, &ExecOptions::default()).expect("the client works after");
    assert_eq!(out.stdout, b"still here\n");

    i.trigger("SIGTERM");
    let e = c.network_ls(&Default::default()).expect_err("a pending interrupt stops the next call");
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Interrupted, "interrupted (SIGTERM): stopped waiting for network ls")
    );
    c.ping().expect("and only that one");
}

/// The first interrupt of an apply stops scheduling steps and rolls back what it did: the error
/// (kind `interrupted`) says so, and nothing labelled with the topology is left.
#[test]
fn the_first_interrupt_rolls_an_apply_back() {
    let g = Guard::new("int-apply");
    let c = g.client();
    let (name, yaml) = lab_yaml(&g, 4);
    let _destroy = Destroyed::new(c, &name);
    let topo = Topology::from_yaml(&yaml).expect("a valid lab");
    let i = Interrupt::new();
    let events = Mutex::new(Vec::new());
    let opts = ApplyOptions { concurrency: 1, interrupt: Some(i.clone()), ..Default::default() };
    let r = c.topology_apply(&topo, &opts, &|p| {
        events.lock().unwrap().push((p.event, p.description.clone()));
        if p.event == ProgressEvent::Finished && p.done == 2 {
            i.trigger("Ctrl-C");
        }
    });
    let e = r.expect_err("the apply is interrupted");
    let events = events.into_inner().unwrap();
    assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
    assert_eq!(
        e.message(),
        format!("apply {name:?}: interrupted (Ctrl-C) after 2 of 6 steps; rolled back 2 changes; nothing of this apply is left"),
        "{events:#?}"
    );
    assert_eq!(events.iter().filter(|e| e.0 == ProgressEvent::Started).count(), 2, "no new step: {events:#?}");
    assert_eq!(events.iter().filter(|e| e.0 == ProgressEvent::Undone).count(), 2, "{events:#?}");
    let heard: Vec<&String> = events.iter().filter(|e| e.0 == ProgressEvent::Interrupted).map(|e| &e.1).collect();
    assert_eq!(heard.len(), 1, "{events:#?}");
    assert!(heard[0].starts_with("interrupted (Ctrl-C): no new steps"), "{heard:?}");
    assert_eq!(topology_objects(c, &name), (vec![], vec![]), "the rollback leaves nothing");
    assert!(!i.is_pending(), "the apply took the interrupt");
}

/// A second interrupt stops the rollback at once: the error lists what is left (labelled) and
/// the undo step dropped in flight; destroy then removes it all.
#[test]
fn a_second_interrupt_stops_the_rollback() {
    let g = Guard::new("int-again");
    let c = g.client();
    let (name, yaml) = lab_yaml(&g, 4);
    let _destroy = Destroyed::new(c, &name);
    let topo = Topology::from_yaml(&yaml).expect("a valid lab");
    let i = Interrupt::new();
    let opts = ApplyOptions { concurrency: 1, interrupt: Some(i.clone()), ..Default::default() };
    let r = c.topology_apply(&topo, &opts, &|p| match p.event {
        // Two networks and the first node, then the interrupt; the second as the rollback starts.
        ProgressEvent::Finished if p.done == 3 => i.trigger("Ctrl-C"),
        ProgressEvent::Undoing if p.action == 1 => i.trigger("SIGTERM"),
        _ => {}
    });
    let e = r.expect_err("the apply is interrupted");
    assert_eq!(e.kind(), ErrorKind::Interrupted, "{e}");
    let m = e.message();
    assert!(
        m.starts_with(&format!("apply {name:?}: interrupted again (SIGTERM): stopped the rollback at once")),
        "{m}"
    );
    assert!(
        m.contains(&format!("dropped in flight (may or may not have been done): remove container {name}-n0")),
        "{m}"
    );
    assert!(m.contains(&format!("network {name}-a")) && m.contains(&format!("network {name}-b")), "{m}");
    assert!(m.contains(&format!("carries the label dockernet.topology={name}")), "{m}");
    let (nets, _) = topology_objects(c, &name);
    let mut nets = nets;
    nets.sort();
    assert_eq!(nets, [format!("{name}-a"), format!("{name}-b")], "the networks were not undone");
    let report = c.topology_destroy_by_name(&name).expect("destroy removes what is left");
    assert!(report.to_string().contains("2 networks"), "{report}");
    assert_eq!(topology_objects(c, &name), (vec![], vec![]));
}

/// `dockernet up` of a lab with several nodes, sent SIGINT, SIGTERM or SIGHUP once its steps run:
/// it rolls back, says so, and exits with 128 + the signal; nothing labelled is left.
#[test]
fn up_rolls_back_on_a_signal() {
    let g = Guard::new("int-up");
    let c = g.client();
    for (sig, code, cause) in [("INT", 130, "Ctrl-C"), ("TERM", 143, "SIGTERM"), ("HUP", 129, "SIGHUP")] {
        let (name, yaml) = lab_yaml(&g, 6);
        let lab = Destroyed::new(c, &name).with_file(&yaml);
        let run = Running::start(&["up", lab.file(), "--concurrency", "1"]);
        wait_until("the first node runs", || !topology_objects(c, &name).1.is_empty());
        let sent = Instant::now();
        kill(run.pid(), sig);
        let (status, stdout, stderr) = run.finish();
        let took = sent.elapsed();
        assert_eq!(status, Some(code), "{sig}: stdout {stdout:?}\nstderr:\n{stderr}");
        assert!(stderr.contains(&format!("interrupted ({cause}): no new steps")), "{stderr}");
        assert!(stderr.contains(&format!("Error: apply {name:?}: interrupted ({cause}) after ")), "{stderr}");
        assert!(stderr.contains("nothing of this apply is left"), "{stderr}");
        assert_eq!(topology_objects(c, &name), (vec![], vec![]), "after {sig}");
        assert!(took < Duration::from_secs(30), "up took {took:?} to roll back after {sig}");
    }
}

/// A second Ctrl-C during `dockernet up`'s rollback stops it at once and says what is left, all
/// of it labelled: `dockernet down FILE` removes it.
#[test]
fn up_stops_at_once_on_a_second_signal() {
    let g = Guard::new("int-up2");
    let c = g.client();
    let (name, yaml) = lab_yaml(&g, 8);
    let lab = Destroyed::new(c, &name).with_file(&yaml);
    let mut run = Running::start(&["up", lab.file(), "--concurrency", "1"]);
    wait_until("three nodes run", || topology_objects(c, &name).1.len() >= 3);
    kill(run.pid(), "INT");
    run.expect_line("interrupted (Ctrl-C): no new steps");
    kill(run.pid(), "INT");
    let (status, _, stderr) = run.finish();
    assert_eq!(status, Some(130), "{stderr}");
    assert!(stderr.contains(&format!("Error: apply {name:?}: interrupted again (Ctrl-C): stopped ")), "{stderr}");
    assert!(stderr.contains("left on the daemon: ") || stderr.contains("dropped in flight"), "{stderr}");
    assert!(stderr.contains(&format!("dockernet.topology={name}")), "{stderr}");
    let (nets, ctrs) = topology_objects(c, &name);
    assert!(!nets.is_empty(), "the rollback was stopped before the networks: {nets:?} {ctrs:?}");
    let down = Command::new(dockernet_bin()).args(["down", lab.file()]).output().expect("run dockernet down");
    assert!(down.status.success(), "down: {}", String::from_utf8_lossy(&down.stderr));
    assert_eq!(topology_objects(c, &name), (vec![], vec![]), "down removes what was left");
}

/// Writes a Lua script to a temporary file (removed on drop).
struct Script(PathBuf);

impl Script {
    fn new(source: &str) -> Script {
        let path = std::env::temp_dir().join(format!("{}.lua", unique("int-script")));
        std::fs::write(&path, source).expect("write the script");
        Script(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A script blocked in a long exec, sent SIGINT: it exits 130 at once, saying what it stopped
/// waiting for and that the process may still run in the container.
#[test]
fn a_script_in_a_long_exec_exits_130() {
    let g = Guard::new("int-exec");
    let ctr = g.container("box", json!({}));
    let script = Script::new(
        "print('calling'); io.stdout:flush()\ndocker.container.exec(arg[1], 'sleep 30')\nprint('returned')\n",
    );
    let mut run = Running::start(&[script.path(), &ctr.name]);
    let calling = Instant::now();
    // Its stdout is read at the end: give the exec time to start.
    std::thread::sleep(Duration::from_millis(700));
    let sent = Instant::now();
    kill(run.pid(), "INT");
    run.expect_line("interrupted (Ctrl-C)");
    let took = sent.elapsed();
    let (status, stdout, stderr) = run.finish();
    assert_eq!(status, Some(130), "{stderr}");
    assert!(stdout.contains("calling") && !stdout.contains("returned"), "{stdout:?}");
    assert!(stderr.contains(&format!("stopped waiting for exec of `sleep 30` in {:?}", ctr.name)), "{stderr}");
    assert!(stderr.contains("the process may still be running in the container"), "{stderr}");
    assert!(took < Duration::from_secs(2), "the script said so {took:?} after SIGINT");
    assert!(calling.elapsed() < Duration::from_secs(10));
}

/// A script busy in pure Lua, sent SIGINT or SIGTERM, exits 130 or 143 with a message (instead
/// of dying silently by the signal).
#[test]
fn a_script_in_a_lua_loop_exits_with_128_plus_the_signal() {
    let script = Script::new("print('looping'); io.stdout:flush()\nlocal n = 0\nwhile true do n = n + 1 end\n");
    for (sig, code, cause) in [("INT", 130, "Ctrl-C"), ("TERM", 143, "SIGTERM")] {
        let run = Running::start(&[script.path()]);
        std::thread::sleep(Duration::from_millis(300));
        let sent = Instant::now();
        kill(run.pid(), sig);
        let (status, _, stderr) = run.finish();
        assert_eq!(status, Some(code), "{sig}: {stderr}");
        assert!(stderr.contains(&format!("dockernet: interrupted ({cause})")), "{stderr}");
        assert!(sent.elapsed() < Duration::from_secs(2), "{sig}: exited {:?} after the signal", sent.elapsed());
    }
}

/// `topo:apply()` in a script, sent SIGTERM: the apply rolls back, the script exits 143 saying
/// so, and nothing labelled with the topology is left.
#[test]
fn a_script_apply_rolls_back_on_sigterm() {
    let g = Guard::new("int-lua-apply");
    let c = g.client();
    let (name, yaml) = lab_yaml(&g, 6);
    let lab = Destroyed::new(c, &name).with_file(&yaml);
    let script =
        Script::new("docker.topology.load(arg[1]):apply({concurrency = 1, progress = false})\nprint('applied')\n");
    let run = Running::start(&[script.path(), lab.file()]);
    wait_until("the first node runs", || !topology_objects(c, &name).1.is_empty());
    kill(run.pid(), "TERM");
    let (status, stdout, stderr) = run.finish();
    assert_eq!(status, Some(143), "{stderr}");
    assert!(!stdout.contains("applied"), "{stdout:?}");
    assert!(stderr.contains(&format!("apply {name:?}: interrupted (SIGTERM) after ")), "{stderr}");
    assert!(stderr.contains("nothing of this apply is left"), "{stderr}");
    assert_eq!(topology_objects(c, &name), (vec![], vec![]));
}

/// The REPL in a pseudo-terminal with its history in `dir`; waits for the prompt.
fn spawn_repl(dir: &Path) -> PtySession {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "stty cols 250 rows 50 && exec \"$0\"", &dockernet_bin().to_string_lossy()]);
    cmd.env("DOCKERNET_HISTORY", dir.join("history")).env("TERM", "xterm").env("NO_COLOR", "1");
    let opts = rexpect::reader::Options::new().timeout_ms(Some(10_000)).strip_ansi_escape_codes(true);
    let mut s = rexpect::spawn_with_options(cmd, opts).expect("start dockernet in a pseudo-terminal");
    prompt(&mut s);
    s
}

/// Waits for the main prompt; returns what came before it.
fn prompt(s: &mut PtySession) -> String {
    s.exp_regex(r"dockernet\[[^\]\r\n]*\]> ").expect("the REPL prompt").0
}

/// Sends `line`, waits 500 ms (the call is under way), presses Ctrl-C, and returns the output up
/// to the next prompt and how long after Ctrl-C it came.
fn interrupt_line(s: &mut PtySession, line: &str) -> (String, Duration) {
    s.send_line(line).expect("send a line");
    s.exp_string(line).expect("the line echoed");
    std::thread::sleep(Duration::from_millis(500));
    let sent = Instant::now();
    s.send_control('c').expect("send Ctrl-C");
    let out = prompt(s);
    (out, sent.elapsed())
}

/// Ctrl-C during `c:exec("sleep 30")` at the REPL returns to the prompt within 2 s with an
/// `interrupted` error saying the process may still run; a script sees `err.kind ==
/// "interrupted"`; the session goes on.
#[test]
fn ctrl_c_abandons_a_daemon_call_in_the_repl() {
    let g = Guard::new("int-repl");
    let ctr = g.container("box", json!({}));
    let dir = std::env::temp_dir().join(unique("int-repl-home"));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let mut s = spawn_repl(&dir);
    s.send_line(&format!("c = docker.container.get({:?})", ctr.name)).unwrap();
    prompt(&mut s);

    let (out, took) = interrupt_line(&mut s, "c:exec('sleep 30')");
    assert!(took < Duration::from_secs(2), "the prompt came back {took:?} after Ctrl-C");
    assert!(out.contains("interrupted (Ctrl-C): stopped waiting for exec of `sleep 30`"), "{out:?}");
    assert!(out.contains("the process may still be running in the container"), "{out:?}");

    let (_, took) = interrupt_line(&mut s, "ok, e = pcall(c.exec, c, 'sleep 30')");
    assert!(took < Duration::from_secs(2), "the prompt came back {took:?} after Ctrl-C");
    s.send_line("print(tostring(ok) .. ' ' .. e.kind)").unwrap();
    let out = prompt(&mut s);
    assert!(out.contains("false interrupted"), "{out:?}");

    s.send_line("20 + 1").unwrap();
    let out = prompt(&mut s);
    assert!(out.lines().any(|l| l.trim() == "21"), "the session goes on: {out:?}");
    s.send_control('d').unwrap();
    s.exp_eof().expect("the REPL ends on Ctrl-D");
    let _ = std::fs::remove_dir_all(&dir);
}
