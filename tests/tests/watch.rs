//! `dockernet watch FILE [--heal] [--until D] [--json]` and Lua's `topology:watch{…}` against a
//! real daemon: drift made by hand (a disconnect, a `rm -f` of a node, a removed network) is
//! reported within seconds with what to do; `--heal` repairs it and reports the lab up to date
//! again (a lost link impairment too; a conflict gives up after bounded attempts); `--until`
//! bounds the watch and its exit status says how it left the lab; Ctrl-C exits 130 and leaves
//! nothing behind; a lab across two private daemons is watched on both.
//!
//! Each lab has a unique name (`Guard::name`), the harness label and its own pool (`free_pool`),
//! lives in a temporary file, and is destroyed by name when the test ends, even on panic (then
//! nothing labelled with it may remain). Every wait is bounded; a watch process still running
//! when a test fails is killed.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use dockernet_core::container::RemoveOptions;
use dockernet_core::network::DisconnectOptions;
use dockernet_core::topology::{ApplyOptions, Topology};
use dockernet_core::BlockingClient;
use dockernet_tests::daemons::PrivateDaemons;
use dockernet_tests::{
    destroy_topology, dockernet_bin, free_pool, report_cleanup, topology_objects, Guard, Out, TEST_IMAGE,
};
use serde_json::Value;

/// The longest any one expected line may take (drift is reported within a second or two; a heal
/// runs a container).
const LINE_WITHIN: Duration = Duration::from_secs(20);

/// A lab in a temporary file — networks `front` (nodes `web` and `db`) and `spare` (no node) —
/// brought up; on drop it is destroyed by name and the file removed.
struct Lab<'g> {
    g: &'g Guard,
    name: String,
    path: PathBuf,
    topology: Topology,
}

impl<'g> Lab<'g> {
    fn up(g: &'g Guard) -> Lab<'g> {
        Lab::with(
            g,
            "networks: {front: {}, spare: {}}\nnodes:\n  web: {networks: [front]}\n  db: {networks: [front]}\n",
        )
    }

    /// A lab of `body` (its `networks:` and `nodes:`), under a unique name with its own pool.
    fn with(g: &'g Guard, body: &str) -> Lab<'g> {
        let name = g.name("watch");
        let yaml = format!(
            "name: {name}\npool: {}\nimage: {TEST_IMAGE}\nlabels: {{dockernet.test: {}}}\n{body}",
            free_pool(20),
            g.tag()
        );
        let path = std::env::temp_dir().join(format!("{name}.yaml"));
        std::fs::write(&path, &yaml).expect("write the temporary lab");
        let topology = Topology::from_yaml(&yaml).expect("the test lab is valid");
        let lab = Lab { g, name, path, topology };
        lab.c().topology_apply(&lab.topology, &ApplyOptions::default(), &|_| {}).expect("up");
        lab
    }

    fn c(&self) -> &BlockingClient {
        self.g.client()
    }

    fn file(&self) -> &str {
        self.path.to_str().expect("utf-8 temp path")
    }

    fn docker(&self, what: &str) -> String {
        format!("{}-{what}", self.name)
    }

    /// `docker network disconnect <lab>-front <lab>-web`, by hand.
    fn disconnect_web(&self) {
        self.c()
            .network_disconnect(&self.docker("front"), &self.docker("web"), &DisconnectOptions::default())
            .expect("disconnect by hand");
    }

    /// `docker rm -f <lab>-db`, by hand.
    fn remove_db(&self) {
        let force = RemoveOptions { force: true };
        self.c().container_rm(&self.docker("db"), &force).expect("rm -f by hand");
    }

    fn up_to_date(&self) -> bool {
        self.c().topology_status(&self.topology).expect("status").is_up_to_date()
    }

    /// How many lock containers of the lab the daemon has (`dockernet-lock-<lab>`, any state).
    fn locks(&self) -> usize {
        let filters = [("name".to_string(), vec![format!("dockernet-lock-{}", self.name)].into())].into();
        let ls = dockernet_core::container::ListOptions { all: true, filters };
        self.c().container_ls(&ls).expect("container ls").len()
    }
}

impl Drop for Lab<'_> {
    fn drop(&mut self) {
        let problem = destroy_topology(self.g.client(), &self.name);
        let _ = std::fs::remove_file(&self.path);
        report_cleanup("Lab", problem);
    }
}

/// A running `dockernet watch`, its stdout read line by line on a thread; killed on drop if it
/// still runs (a failed assertion never leaves it behind).
struct Watching {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Watching {
    fn start(args: &[&str]) -> Watching {
        Watching::start_on(&[], args)
    }

    /// `dockernet GLOBAL… watch ARGS…` (`GLOBAL`: `-H host`).
    fn start_on(global: &[&str], args: &[&str]) -> Watching {
        Watching::start_with(global, None, args)
    }

    /// `DOCKER_HOST=host dockernet watch ARGS…`: the daemon named outside the command line,
    /// where `PrivateDaemon::stop`, which kills every process whose command line names the
    /// daemon's folder (its shims), does not see it.
    fn start_env(host: &str, args: &[&str]) -> Watching {
        Watching::start_with(&[], Some(host), args)
    }

    fn start_with(global: &[&str], docker_host: Option<&str>, args: &[&str]) -> Watching {
        let mut cmd = Command::new(dockernet_bin());
        if let Some(h) = docker_host {
            cmd.env("DOCKER_HOST", h);
        }
        let mut child = cmd
            .args(global)
            .arg("watch")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dockernet watch");
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut err = child.stderr.take().expect("stderr");
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        Watching { child, lines, seen: Vec::new(), stderr }
    }

    /// Waits (bounded) for a stdout line equal to `line`, or containing it when `exact` is false;
    /// returns how long it took.
    fn expect(&mut self, text: &str, exact: bool) -> Duration {
        let started = Instant::now();
        while started.elapsed() < LINE_WITHIN {
            match self.lines.recv_timeout(Duration::from_millis(50)) {
                Ok(line) => {
                    let found = if exact { line == text } else { line.contains(text) };
                    self.seen.push(line);
                    if found {
                        return started.elapsed();
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // The watch ended: its stderr says why.
                    let stderr = std::mem::replace(&mut self.stderr, std::thread::spawn(String::new));
                    let stderr = stderr.join().unwrap_or_default();
                    panic!("no line {text:?}: the watch ended; stdout:\n{}\nstderr:\n{stderr}", self.seen.join("\n"));
                }
            }
        }
        panic!("no line {text:?} within {LINE_WITHIN:?}; stdout so far:\n{}", self.seen.join("\n"));
    }

    /// Sends SIGINT (as Ctrl-C does) with the `kill` program.
    fn interrupt(&self) {
        let st = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().expect("run kill");
        assert!(st.success(), "kill -INT failed: {st}");
    }

    /// Waits (bounded) for the exit: the status, all of stdout and stderr.
    fn finish(mut self, within: Duration) -> Out {
        let deadline = Instant::now() + within;
        let status = loop {
            if let Some(st) = self.child.try_wait().expect("wait for dockernet") {
                break st;
            }
            assert!(Instant::now() < deadline, "watch did not exit within {within:?}; stdout:\n{}", self.seen.join("\n"));
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader thread ends with the process's stdout.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let stderr = std::mem::replace(&mut self.stderr, std::thread::spawn(String::new));
        Out { code: status.code(), stdout: self.seen.join("\n"), stderr: stderr.join().unwrap_or_default() }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A temporary file removed on drop (a lab file of a test whose lab lives on private daemons).
struct RemoveFile(PathBuf);

impl Drop for RemoveFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn dockernet(args: &[&str]) -> Out {
    Command::new(dockernet_bin()).args(args).output().expect("run dockernet").into()
}

/// Watch without heal: a disconnect by hand, a removed node and a removed network are each
/// reported within a few seconds, one line each with what to do; Ctrl-C then exits 130.
#[test]
fn watch_reports_drift_made_by_hand() {
    let g = Guard::new("watch-report");
    let lab = Lab::up(&g);
    let mut w = Watching::start(&[lab.file(), "--until", "120s"]);
    w.expect(&format!("topology {}: up to date (", lab.name), false);
    let todo = format!("run 'dockernet up {}' or watch --heal", lab.file());

    lab.disconnect_web();
    let took = w.expect(&format!("node web: disconnected from front by hand — {todo}"), true);
    assert!(took < Duration::from_secs(5), "the disconnect was reported after {took:?}");

    lab.remove_db();
    let took = w.expect(&format!("node db: container {} is gone (removed) — {todo}", lab.docker("db")), true);
    assert!(took < Duration::from_secs(5), "the removal was reported after {took:?}");

    lab.c().network_rm(&lab.docker("spare")).expect("network rm by hand");
    let took = w.expect(&format!("network spare: removed ({} is gone) — {todo}", lab.docker("spare")), true);
    assert!(took < Duration::from_secs(5), "the removed network was reported after {took:?}");

    w.interrupt();
    let out = w.finish(Duration::from_secs(10));
    assert_eq!(out.code, Some(130), "{out}");
    // One line per change: the removal's kill, die, disconnect and destroy events made one line.
    assert_eq!(out.stdout.lines().count(), 4, "{out}");
    assert!(!lab.up_to_date());
}

/// `watch --heal`: a disconnect and a removed node are repaired (each step logged) and the lab is
/// reported up to date again; at `--until` it exits 0, the lab as declared.
#[test]
fn watch_heal_repairs_drift() {
    let g = Guard::new("watch-heal");
    let lab = Lab::up(&g);
    let mut w = Watching::start(&[lab.file(), "--heal", "--until", "90s"]);
    let up = format!("topology {}: up to date (", lab.name);
    w.expect(&up, false);

    lab.disconnect_web();
    w.expect("node web: disconnected from front by hand — healing", true);
    w.expect(&format!("topology {}: healing (attempt 1 of 3): re-applying the declaration", lab.name), true);
    w.expect("healed: connect web to front", false);
    w.expect("node web: connected to front as declared again", true);
    w.expect(&up, false);
    assert!(lab.up_to_date());

    lab.remove_db();
    w.expect(&format!("node db: container {} is gone (removed) — healing", lab.docker("db")), true);
    w.expect(&format!("healed: run node db ({})", lab.docker("db")), false);
    w.expect(&up, false);
    assert!(lab.up_to_date());

    w.interrupt();
    let out = w.finish(Duration::from_secs(10));
    assert_eq!(out.code, Some(130), "{out}");
    assert!(out.stderr.contains("interrupted (Ctrl-C)"), "{out}");
}

/// `--until` bounds the watch; the exit status says whether the lab was last seen up to date;
/// `--json` prints one record per line; a bad `--until`, a missing file and a missing argument
/// are refused.
#[test]
fn watch_until_json_and_exit_statuses() {
    let g = Guard::new("watch-until");
    let lab = Lab::up(&g);
    let started = Instant::now();
    let out = dockernet(&["watch", lab.file(), "--until", "2s"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(started.elapsed() < Duration::from_secs(10), "--until 2s took {:?}", started.elapsed());
    assert_eq!(out.stdout.trim(), format!("topology {}: up to date (6 elements as declared)", lab.name), "{out}");

    lab.disconnect_web();
    let out = dockernet(&["watch", lab.file(), "--until", "1s", "--json"]);
    assert_eq!(out.code, Some(1), "not up to date at --until: {out}");
    let records: Vec<Value> =
        out.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}"))).collect();
    assert_eq!(records.len(), 1, "{out}");
    let r = &records[0];
    assert_eq!((r["change"].as_str(), r["element"].as_str()), (Some("drift"), Some("attachment")), "{r}");
    assert_eq!((r["path"].as_str(), r["state"].as_str()), (Some("nodes.web.networks.front"), Some("missing")), "{r}");
    assert!(r["message"].as_str().is_some_and(|m| m.starts_with("node web: disconnected from front by hand")), "{r}");

    let out = dockernet(&["watch", lab.file(), "--until", "soon"]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(out.stderr.contains("option until") && out.stderr.contains("\"soon\""), "{out}");
    let out = dockernet(&["watch", "/nonexistent/lab.yaml"]);
    assert_eq!(out.code, Some(1), "{out}");
    let out = dockernet(&["watch"]);
    assert_eq!(out.code, Some(2), "{out}");
    let out = dockernet(&["help", "watch"]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains("--heal") && out.stdout.contains("--until"), "{out}");
    let out = dockernet(&["--help"]);
    assert!(out.stdout.contains("watch FILE"), "{out}");
}

/// Ctrl-C on a watch with heal exits 130 at once, and the watch leaves nothing behind: the lab's
/// objects are exactly those before it, up to date.
#[test]
fn watch_ctrl_c_exits_130_leaving_nothing_behind() {
    let g = Guard::new("watch-int");
    let lab = Lab::up(&g);
    let before = topology_objects(lab.c(), &lab.name);
    let mut w = Watching::start(&[lab.file(), "--heal"]);
    w.expect(&format!("topology {}: up to date (", lab.name), false);
    let sent = Instant::now();
    w.interrupt();
    let out = w.finish(Duration::from_secs(10));
    assert_eq!(out.code, Some(130), "{out}");
    assert!(sent.elapsed() < Duration::from_secs(3), "exited {:?} after SIGINT", sent.elapsed());
    assert!(out.stderr.contains("Error: interrupted (Ctrl-C): stopped waiting for events of topology"), "{out}");
    assert_eq!(topology_objects(lab.c(), &lab.name), before);
    assert!(lab.up_to_date());
    assert_eq!(lab.locks(), 0, "a lock was left behind");
}

/// Ctrl-C at any moment of a heal — taking the topology's lock, planning, applying, giving the
/// lock back — exits 130 and leaves no lock behind: the next plain `up` takes the lock without
/// breaking a stale one, and `down` works. The moments are swept (0 to 160 ms after the heal's
/// first line), since which step a given delay lands in depends on the machine's speed.
#[test]
fn watch_ctrl_c_during_a_heal_leaves_no_lock() {
    let g = Guard::new("watch-heal-int");
    let lab = Lab::up(&g);
    for delay in [0, 0, 2, 5, 10, 20, 40, 80, 160] {
        let mut w = Watching::start(&[lab.file(), "--heal", "--until", "60s"]);
        w.expect(&format!("topology {}: up to date (", lab.name), false);
        lab.remove_db();
        w.expect(&format!("topology {}: healing (attempt 1 of 3)", lab.name), false);
        std::thread::sleep(Duration::from_millis(delay));
        w.interrupt();
        let out = w.finish(Duration::from_secs(15));
        assert_eq!(out.code, Some(130), "Ctrl-C {delay} ms into the heal: {out}");
        assert!(out.stderr.contains("interrupted (Ctrl-C)"), "Ctrl-C {delay} ms into the heal: {out}");
        assert_eq!(lab.locks(), 0, "Ctrl-C {delay} ms into the heal left the lock behind: {out}");
        let up = dockernet(&["up", lab.file()]);
        assert_eq!(up.code, Some(0), "up after Ctrl-C {delay} ms into the heal: {up}");
        assert!(!format!("{up}").contains("broke the lock"), "up after Ctrl-C {delay} ms into the heal: {up}");
        assert!(lab.up_to_date(), "after Ctrl-C {delay} ms into the heal and up");
    }
    let down = dockernet(&["down", lab.file()]);
    assert_eq!(down.code, Some(0), "{down}");
    assert_eq!(topology_objects(lab.c(), &lab.name), (vec![], vec![]), "down left objects behind");
    assert_eq!(lab.locks(), 0, "down left its lock behind");
}

/// Lua: `topology:watch{["until"] = …}` as an iterator reports a disconnect made from Lua, and
/// the callback form with `heal = true` repairs it; unknown options are errors.
#[test]
fn lua_watch_iterator_and_callback() {
    let g = Guard::new("watch-lua");
    let lab = Lab::up(&g);
    let script = format!(
        r#"
local t = docker.topology.load({file:?})
local ok, e = pcall(t.watch, t, {{heel = true}})
assert(not ok and e.kind == "invalid" and tostring(e):find("heel"), tostring(e))
for c in t:watch{{["until"] = 30}} do
  print(c.change, c.path or "-", tostring(c))
  if c.change == "up_to_date" then docker.network.disconnect({front:?}, {web:?}) end
  if c.change == "drift" then break end
end
local healed = false
t:watch({{heal = true, ["until"] = 60}}, function(c)
  print(c.change, c.path or "-", tostring(c))
  if c.change == "healed" then healed = true end
  return not (healed and c.change == "up_to_date")
end)
print("status", t:status().summary:match("%d+ present, %d+ missing"))
"#,
        file = lab.file(),
        front = lab.docker("front"),
        web = lab.docker("web"),
    );
    let path = std::env::temp_dir().join(format!("{}.lua", lab.name));
    std::fs::write(&path, script).expect("write the Lua test");
    let out = Command::new(dockernet_bin()).arg(&path).output().expect("run dockernet");
    let _ = std::fs::remove_file(&path);
    let out: Out = out.into();
    assert_eq!(out.code, Some(0), "{out}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("up_to_date\t-\ttopology "), "{out}");
    assert_eq!(
        lines[1],
        "drift\tnodes.web.networks.front\tnode web: disconnected from front by hand — run topology:apply() or watch{heal = true}",
        "{out}"
    );
    assert!(lines[2].starts_with("drift\tnodes.web.networks.front\tnode web: disconnected from front by hand — healing"), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("healed\t-\thealed: connect web to front")), "{out}");
    assert_eq!(lines.last().copied(), Some("status\t6 present, 0 missing"), "{out}");
    assert!(lab.up_to_date());
}

/// `watch --heal` when a container of another owner holds a node's name: the conflict is one
/// line, each of the 3 bounded attempts fails and says so, then the watch gives up (and goes on);
/// once the squatter is removed by hand, the heal runs again and the lab is up to date.
#[test]
fn watch_heal_gives_up_on_a_conflict_then_heals_when_it_is_gone() {
    let g = Guard::new("watch-conflict");
    let lab = Lab::up(&g);
    lab.remove_db();
    let squatter = g.try_container(&lab.docker("db"), serde_json::json!({})).expect("run the squatter");
    let mut w = Watching::start(&[lab.file(), "--heal", "--until", "90s"]);
    w.expect(&format!("a container named \"{}\" already exists and is not part of topology", lab.docker("db")), false);
    let last = |w: &Watching| w.seen.last().cloned().unwrap_or_default();
    w.expect("heal attempt 1 of 3 failed: ", false);
    assert!(last(&w).ends_with("; retrying in 1s"), "{}", last(&w));
    w.expect("heal attempt 2 of 3 failed: ", false);
    assert!(last(&w).ends_with("; retrying in 2s"), "{}", last(&w));
    w.expect("heal attempt 3 of 3 failed: ", false);
    assert!(last(&w).contains("; giving up until the next change — run 'dockernet up "), "{}", last(&w));

    let force = RemoveOptions { force: true };
    lab.c().container_rm(&squatter.id, &force).expect("remove the squatter by hand");
    w.expect(&format!("healed: run node db ({})", lab.docker("db")), false);
    w.expect(&format!("topology {}: up to date (", lab.name), false);
    assert!(lab.up_to_date());
    w.interrupt();
    let out = w.finish(Duration::from_secs(10));
    assert_eq!(out.code, Some(130), "{out}");
    assert!(out.stdout.lines().all(|l| !l.is_empty()), "one line per record: {out}");
}

/// `watch --heal` on a link declared with loss (tc without netem: works on any kernel): a
/// restart drops the qdisc, the watch reports the impairment lost and puts it back.
#[test]
fn watch_heal_restores_an_impairment_lost_on_restart() {
    let g = Guard::new("watch-impair");
    let lab = Lab::with(
        &g,
        "networks: {wan: {}}\nnodes:\n  client: {networks: {wan: {link: {loss: 1%}}}}\n  server: {networks: [wan]}\n",
    );
    let mut w = Watching::start(&[lab.file(), "--heal", "--until", "90s"]);
    let up = format!("topology {}: up to date (", lab.name);
    w.expect(&up, false);
    let st = Command::new("docker")
        .args(["restart", "-t", "0", &lab.docker("client")])
        .stdout(Stdio::null())
        .status()
        .expect("docker restart");
    assert!(st.success(), "docker restart: {st}");
    w.expect("node client: impairment on wan lost (missing in the kernel", false);
    w.expect("healed: impair node client on wan", false);
    w.expect("node client: impairment on wan is as declared again", true);
    w.expect(&up, false);
    assert!(lab.up_to_date());
    w.interrupt();
    assert_eq!(w.finish(Duration::from_secs(10)).code, Some(130));
}

/// A lab across two private daemons (a bridge on each, no swarm): the watch follows the events
/// of both, so a node removed on the second host is reported and healed there.
#[test]
fn watch_follows_every_host_of_a_lab_across_hosts() {
    let set = PrivateDaemons::start(&["a", "b"]);
    let (a, b) = (set.get("a"), set.get("b"));
    let name = dockernet_tests::unique("wwatch");
    let yaml = format!(
        "name: {name}\nhosts:\n  a: {{host: \"{}\"}}\n  b: {{host: \"{}\"}}\npool: 10.232.0.0/16\nimage: {TEST_IMAGE}\n\
         networks: {{local_a: {{}}, local_b: {{}}}}\nnodes:\n\
         \x20 web: {{host: a, command: [sleep, infinity], networks: [local_a]}}\n\
         \x20 db: {{host: b, command: [sleep, infinity], networks: [local_b]}}\n",
        a.host(),
        b.host()
    );
    let path = std::env::temp_dir().join(format!("{name}.yaml"));
    std::fs::write(&path, &yaml).expect("write the lab");
    // Removed on drop, even on panic (the lab itself goes with the private daemons).
    let _file = RemoveFile(path.clone());
    let file = path.to_str().expect("utf-8 path");
    let host_a = a.host();
    let up = Command::new(dockernet_bin()).args(["-H", &host_a, "up", file]).output().expect("run dockernet up");
    let up: Out = up.into();
    assert_eq!(up.code, Some(0), "up: {up}");

    let mut w = Watching::start_on(&["-H", &host_a], &[file, "--heal", "--until", "90s"]);
    w.expect(&format!("topology {name}: up to date (6 elements as declared)"), true);
    b.docker_ok(&["rm", "-f", &format!("{name}-db")]);
    w.expect(&format!("node db: container {name}-db is gone (removed) — healing"), true);
    w.expect(&format!("healed: [b] run node db ({name}-db)"), false);
    w.expect(&format!("topology {name}: up to date (6 elements as declared)"), true);
    assert_eq!(b.docker_ok(&["ps", "-q", "--filter", &format!("name=^{name}-db$")]).lines().count(), 1);
    w.interrupt();
    let out = w.finish(Duration::from_secs(10));
    assert_eq!(out.code, Some(130), "{out}");
    let down = Command::new(dockernet_bin()).args(["-H", &host_a, "down", file]).output().expect("run dockernet down");
    let down: Out = down.into();
    assert_eq!(down.code, Some(0), "down: {down}");
    // The private daemons (and anything left on them) go when `set` is dropped.
}

/// A daemon restarted under a watch (a private daemon, stopped and started again): the watch says
/// it lost the event stream, reopens it once the daemon answers, reads the status again and heals
/// the node the restart stopped. A daemon that stays down ends the watch after its bounded
/// attempts (`--reconnect 2`) with exit 1 and a message saying so.
#[test]
fn watch_reconnects_after_a_daemon_restart_and_gives_up_on_one_that_stays_down() {
    let mut set = PrivateDaemons::start(&["a"]);
    let host = set.get("a").host();
    let name = dockernet_tests::unique("wrestart");
    // The pool lives only inside the private daemon's namespace; 10.236/16 is used by no other test.
    let yaml = format!(
        "name: {name}\npool: 10.236.0.0/16\nimage: {TEST_IMAGE}\nnetworks: {{front: {{}}}}\n\
         nodes:\n  web: {{command: [sleep, infinity], networks: [front]}}\n"
    );
    let path = std::env::temp_dir().join(format!("{name}.yaml"));
    std::fs::write(&path, &yaml).expect("write the lab");
    // Removed on drop, even on panic (the lab itself goes with the private daemon).
    let _file = RemoveFile(path.clone());
    let file = path.to_str().expect("utf-8 path");
    let up: Out = Command::new(dockernet_bin()).args(["-H", &host, "up", file]).output().expect("run dockernet up").into();
    assert_eq!(up.code, Some(0), "up: {up}");

    let mut w = Watching::start_env(&host, &[file, "--heal", "--until", "150s"]);
    let up_to_date = format!("topology {name}: up to date (");
    w.expect(&up_to_date, false);
    set.get_mut("a").stop("TERM");
    w.expect(&format!("topology {name}: lost the daemon's event stream ({host}: "), false);
    assert!(w.seen.last().is_some_and(|l| l.ends_with("reconnecting (at most 10 attempts)")), "{:?}", w.seen);
    set.get_mut("a").start();
    w.expect(&format!("topology {name}: the daemon's event stream is back ({host}, after "), false);
    // The restart stopped the node (it has no restart policy): reported, healed, up to date.
    w.expect("healed: ", false);
    w.expect(&up_to_date, false);
    let running = set.get("a").docker_ok(&["ps", "-q", "--filter", &format!("name=^{name}-web$")]);
    assert_eq!(running.lines().count(), 1, "web is not running after the heal: {:?}", w.seen);
    w.interrupt();
    let out = w.finish(Duration::from_secs(10));
    assert_eq!(out.code, Some(130), "{out}");

    // Down for good: two attempts (0.5 s, then 1 s apart), then the watch ends with exit 1.
    let mut w = Watching::start_env(&host, &[file, "--reconnect", "2", "--until", "120s"]);
    w.expect(&up_to_date, false);
    set.get_mut("a").stop("KILL");
    w.expect(&format!("topology {name}: lost the daemon's event stream ({host}: "), false);
    let out = w.finish(Duration::from_secs(30));
    assert_eq!(out.code, Some(1), "{out}");
    assert!(
        out.stderr.contains(&format!("Error: watch {name:?}: lost the daemon's event stream ({host}: "))
            && out.stderr.contains("and could not reopen it in 2 attempts over "),
        "{out}"
    );
}
