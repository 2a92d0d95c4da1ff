//! Topologies across hosts (issue 9): one lab file, two private daemons (tests/src/daemons.rs),
//! a swarm the topology forms, an overlay for the network both hosts use, bridges for the rest,
//! the image copied to the host that lacks it. Driven through the `dockernet` CLI as a user would
//! (`plan`, `up`, `verify`, `status`, `graph`, `down`), plus the Rust API for a daemon killed in
//! the middle of an apply. The machine's own daemon is never part of these labs.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Mutex;

use dockernet_core::topology::{ApplyOptions, ProgressEvent, Topology};
use dockernet_core::ErrorKind;
use dockernet_tests::daemons::{PrivateDaemon, PrivateDaemons};
use dockernet_tests::{dockernet_bin, topology_objects, unique, TEST_IMAGE};

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// `dockernet -H <a> ARGS…` (the default daemon is host a; the lab names both anyway).
fn dn(a: &PrivateDaemon, args: &[&str]) -> Output {
    Command::new(dockernet_bin()).arg("-H").arg(a.host()).args(args).env("NO_COLOR", "1").output().unwrap()
}

fn write(dir: &PathBuf, name: &str, body: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

fn swarm_state(d: &PrivateDaemon) -> String {
    d.docker_ok(&["info", "--format", "{{.Swarm.LocalNodeState}}"]).trim().to_string()
}

fn lab(name: &str, a: &PrivateDaemon, b: &PrivateDaemon, db_aliases: &str) -> String {
    format!(
        "name: {name}\n\
         hosts:\n  a: {{host: \"{ah}\", advertise_addr: \"{aip}\"}}\n  b: {{host: \"{bh}\", advertise_addr: \"{bip}\"}}\n\
         swarm: {{manager: a}}\n\
         pool: 10.231.0.0/16\n\
         image: {TEST_IMAGE}\n\
         networks: {{span: {{}}, local_a: {{}}, local_b: {{}}}}\n\
         nodes:\n\
         \x20 web: {{host: a, command: [sleep, infinity], networks: [span, local_a]}}\n\
         \x20 db: {{host: b, command: [sleep, infinity], networks: {{span: {{aliases: [{db_aliases}]}}, local_b: {{}}}}}}\n\
         \x20 cache: {{host: b, command: [sleep, infinity], networks: [local_b]}}\n\
         expect:\n  - {{from: web, to: db, reach: true}}\n  - {{from: web, to: cache, reach: false}}\n",
        ah = a.host(),
        bh = b.host(),
        aip = a.ip,
        bip = b.ip,
    )
}

/// The lab of issue 9 end to end: plan names each step's host (swarm formed on a, b joins, the
/// image copied to b, `span` an overlay on the manager and why), apply, verify across hosts by
/// address (and by name from inside), an empty re-plan, an in-place change on one host, status,
/// the graph's host clusters, and destroy to nothing on both with the swarm left as found.
#[test]
fn a_lab_across_two_hosts() {
    let set = PrivateDaemons::start(&["a", "b"]);
    let (a, b) = (set.get("a"), set.get("b"));
    // b lacks the image: apply copies it from a (never a pull).
    b.docker_ok(&["rmi", TEST_IMAGE]);
    let name = unique("wan");
    let dir = std::env::temp_dir().join(format!("{name}-files"));
    let file = write(&dir, "wan.yaml", &lab(&name, a, b, "database"));
    let f = file.to_str().unwrap();

    let out = dn(a, &["plan", f]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    for want in [
        "[a] form a swarm with a as its manager",
        "[b] join the swarm of a",
        &format!("[b] copy image {TEST_IMAGE} from a"),
        "[a] create network span",
        "used on hosts a, b: an attachable overlay, created on the manager",
        "[b] create network local_b",
        "[a] run node web",
        "[b] run node db",
    ] {
        assert!(t.contains(want), "plan lacks {want:?}:\n{t}");
    }

    let out = dn(a, &["up", f]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(swarm_state(a), "active");
    assert_eq!(swarm_state(b), "active");
    let driver = a.docker_ok(&["network", "inspect", "-f", "{{.Driver}} {{.Attachable}}", &format!("{name}-span")]);
    assert_eq!(driver.trim(), "overlay true");
    let local = b.docker_ok(&["network", "inspect", "-f", "{{.Driver}}", &format!("{name}-local_b")]);
    assert_eq!(local.trim(), "bridge");

    // Reach across hosts by address (verify) and by name (the alias on the overlay).
    let out = dn(a, &["verify", f]);
    assert!(out.status.success(), "verify:\n{}", text(&out));
    assert!(text(&out).contains("0 mismatches"), "{}", text(&out));
    // verify itself pings by name across hosts: web ↔ db share the overlay.
    assert!(text(&out).contains("+ 2 by name"), "{}", text(&out));
    let ping = a
        .docker()
        .args(["exec", &format!("{name}-web"), "ping", "-c", "1", "-W", "3", "database"])
        .output()
        .unwrap();
    assert!(ping.status.success(), "web → database by name across hosts: {}", text(&ping));

    let out = dn(a, &["plan", f]);
    assert!(text(&out).contains("up to date"), "re-plan after up:\n{}", text(&out));

    // In place: a new alias on db's overlay attachment reconnects db on b, nothing else.
    write(&dir, "wan.yaml", &lab(&name, a, b, "database, store"));
    let out = dn(a, &["plan", f]);
    let t = text(&out);
    assert!(t.contains("[b] disconnect db from span") && t.contains("[b] connect db to span"), "{t}");
    assert!(!t.contains("run node") && !t.contains("create network"), "{t}");
    let out = dn(a, &["up", f]);
    assert!(out.status.success(), "{}", text(&out));
    let out = dn(a, &["plan", f]);
    assert!(text(&out).contains("up to date"), "{}", text(&out));
    let ping = a.docker().args(["exec", &format!("{name}-web"), "ping", "-c", "1", "-W", "3", "store"]).output().unwrap();
    assert!(ping.status.success(), "the new alias answers across hosts: {}", text(&ping));

    let out = dn(a, &["status", f]);
    assert!(out.status.success(), "{}", text(&out));
    let out = dn(a, &["graph", f, "--format", "dot"]);
    let t = text(&out);
    assert!(t.contains("cluster_host_a") && t.contains("cluster_host_b") && t.contains("overlay"), "{t}");

    let out = dn(a, &["down", f]);
    assert!(out.status.success(), "{}", text(&out));
    for d in [a, b] {
        let (ctrs, nets) = topology_objects(&d.client(), &name);
        assert!(ctrs.is_empty() && nets.is_empty(), "left on {}: {ctrs:?} {nets:?}", d.name);
        assert_eq!(swarm_state(d), "inactive", "the swarm the lab formed is gone on {}", d.name);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A daemon killed in the middle of an apply: the apply fails naming the host, what was made on
/// the other host is rolled back, and once the daemon is back a re-apply converges.
#[test]
fn a_host_lost_mid_apply_rolls_back_the_others() {
    let set = Mutex::new(PrivateDaemons::start(&["a", "b"]));
    let name = unique("lost");
    let (ah, bh) = {
        let s = set.lock().unwrap();
        (s.get("a").host(), s.get("b").host())
    };
    let yaml = format!(
        "name: {name}\nhosts: {{a: {{host: \"{ah}\"}}, b: {{host: \"{bh}\"}}}}\npool: 10.232.0.0/16\nimage: {TEST_IMAGE}\n\
         networks: [na, nb]\nnodes:\n  x: {{host: a, command: [sleep, infinity], networks: [na]}}\n  \
         y: {{host: b, command: [sleep, infinity], networks: [nb]}}\n"
    );
    let topo = Topology::from_yaml(&yaml).unwrap();
    let client = set.lock().unwrap().get("a").client();
    let killed = Mutex::new(false);
    // One step at a time on each host; when the first of a's finishes, b dies (its own step in
    // flight then, or its next one, fails).
    let opts = ApplyOptions { concurrency: 1, ..Default::default() };
    let progress = |p: &dockernet_core::topology::Progress| {
        if p.event == ProgressEvent::Finished && p.description.starts_with("[a]") {
            let mut k = killed.lock().unwrap();
            if !*k {
                set.lock().unwrap().get_mut("b").stop("KILL");
                *k = true;
            }
        }
    };
    let e = client.topology_apply(&topo, &opts, &progress).unwrap_err();
    assert!(*killed.lock().unwrap(), "b was never stopped: {e}");
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(e.message().contains("[b]"), "{e}");
    let (ctrs, nets) = topology_objects(&client, &name);
    assert!(ctrs.is_empty() && nets.is_empty(), "a keeps nothing of the failed apply: {ctrs:?} {nets:?}");

    set.lock().unwrap().get_mut("b").start();
    // The concurrency bound is per daemon: with 1, each host runs one step at a time, and the two
    // hosts' first steps (independent) are in flight together.
    let (in_flight, most) = (Mutex::new(Vec::<String>::new()), Mutex::new((0usize, 0usize)));
    let watch = |p: &dockernet_core::topology::Progress| {
        let host = p.description.split(']').next().unwrap_or_default().to_string();
        let mut f = in_flight.lock().unwrap();
        match p.event {
            ProgressEvent::Started => f.push(host),
            ProgressEvent::Finished | ProgressEvent::Failed => {
                if let Some(i) = f.iter().position(|h| *h == host) {
                    f.remove(i);
                }
            }
            _ => {}
        }
        let per_host = ["[a", "[b"].map(|h| f.iter().filter(|x| x.as_str() == h).count()).into_iter().max().unwrap_or(0);
        let mut m = most.lock().unwrap();
        *m = (m.0.max(f.len()), m.1.max(per_host));
    };
    let report = client.topology_apply(&topo, &opts, &watch).expect("re-apply after restart");
    assert_eq!(*most.lock().unwrap(), (2, 1), "steps in flight at most (in all, on one host)");
    assert!(!report.plan.is_empty());
    assert!(client.topology_plan(&topo).unwrap().is_empty(), "converged");
    let d = client.topology_destroy(&topo).expect("destroy on both");
    assert_eq!(d.containers, vec![format!("{name}-x"), format!("{name}-y")]);
    let s = set.lock().unwrap();
    for h in ["a", "b"] {
        let (ctrs, nets) = topology_objects(&s.get(h).client(), &name);
        assert!(ctrs.is_empty() && nets.is_empty(), "left on {h}: {ctrs:?} {nets:?}");
    }
}

/// Declarations that cannot work across hosts are refused before any daemon is asked, each
/// problem with its path.
#[test]
fn bad_host_declarations_name_their_path() {
    let cases = [
        ("hosts: {a: {}, b: {}}\nnodes: {x: {image: i, networks: [n]}}\nnetworks: [n]", "nodes.x.host"),
        ("hosts: {a: {}}\nnodes: {x: {image: i, host: z, networks: [n]}}\nnetworks: [n]", "nodes.x.host: \"z\" is not declared"),
        ("nodes: {x: {image: i, host: a, networks: [n]}}\nnetworks: [n]", "the topology declares no hosts"),
        ("hosts: {a: {}}\nswarm: {manager: b}\nnodes: {}", "swarm.manager: \"b\" is not declared"),
        (
            "hosts: {a: {}, b: {host: \"unix:///x.sock\"}}\nnetworks: {n: {driver: bridge}}\n\
             nodes: {x: {image: i, host: a, networks: [n]}, y: {image: i, host: b, networks: [n]}}",
            "networks.n.driver: \"bridge\": the network is used on hosts a, b",
        ),
        (
            "hosts: {a: {}, b: {host: \"unix:///x.sock\"}}\nnetworks: [n, m, o]\n\
             nodes: {x: {image: i, host: a, networks: [n, m], routes: [{to: o, via: y}]}, \
             y: {image: i, host: b, networks: [m, o]}}",
            "routes go via a node on the same host",
        ),
        ("hosts: {a: {host: \"tcp://h:1\", context: c}}", "hosts.a: give host or context, not both"),
        ("hosts: {a: {advertise_addr: nope}}", "hosts.a.advertise_addr"),
        ("hosts: {a: {bogus: 1}}", "unknown field `bogus`"),
    ];
    // The example lab of scripts/labs/ loads, and draws its hosts without a daemon.
    let example = dockernet_tests::workspace_root().join("scripts/labs/two-hosts.yaml");
    let t = Topology::from_file(&example).expect("scripts/labs/two-hosts.yaml");
    assert!(t.spans_hosts());
    let dot = t.graph(dockernet_core::topology::GraphFormat::Dot).unwrap();
    assert!(dot.contains("cluster_host_a") && dot.contains("cluster_host_b") && dot.contains("overlay"), "{dot}");
    for (body, want) in cases {
        let e = Topology::from_yaml(&format!("name: t\n{body}\n")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{body}: {e}");
        assert!(e.message().contains(want), "{body}:\n  want {want:?}\n  got {e}");
    }
}

/// The Lua side of a lab across hosts: `docker.topology{hosts=…, swarm=…}` run by the `dockernet`
/// binary (`LUA_LAB` below).
const LUA_LAB: &str = r#"
local function check(cond, what, detail) if not cond then error(what .. "\n" .. tostring(detail), 0) end end
local t = docker.topology {
  name = os.getenv("DNT_NAME"),
  hosts = {
    a = { host = os.getenv("DNT_A"), advertise_addr = os.getenv("DNT_A_IP") },
    b = { host = os.getenv("DNT_B"), advertise_addr = os.getenv("DNT_B_IP") },
  },
  swarm = { manager = "a" },
  pool = "10.233.0.0/16",
  image = os.getenv("DNT_IMAGE"),
  networks = { span = {}, local_a = {}, local_b = {} },
  nodes = {
    web = { host = "a", command = { "sleep", "infinity" }, networks = { "span", "local_a" } },
    db = { host = "b", command = { "sleep", "infinity" }, networks = { "span", "local_b" } },
    cache = { host = "b", command = { "sleep", "infinity" }, networks = { "local_b" } },
  },
  expect = {
    { from = "web", to = "db", reach = true },
    { from = "web", to = "cache", reach = false },
  },
}
local ok, err = pcall(function()
  local p = t:plan()
  print(p.summary)
  check(p.summary:find("[a] form a swarm with a as its manager", 1, true), "plan: no swarm init", p.summary)
  check(p.summary:find("[b] join the swarm of a", 1, true), "plan: no join", p.summary)
  local applied = t:apply()
  print(applied.summary)
  local v = t:verify()
  print(v.summary)
  check(v.ok, "verify failed", v.summary)
  local by_ip, by_name, denial = false, false, false
  for _, c in ipairs(v.cells) do
    if c.from == "web" and c.to == "db" and c.name == nil then by_ip = c.observed == true and c.address ~= nil end
    if c.from == "web" and c.to == "db" and c.name == "db" then by_name = c.observed == true end
    if c.from == "web" and c.to == "cache" then denial = c.observed == false and c.ok end
  end
  check(by_ip, "web did not reach db by address across hosts", v.summary)
  check(by_name, "web did not reach db by name across hosts", v.summary)
  check(denial, "the expected denial web -> cache did not hold", v.summary)
  local s = t:status()
  print(s.summary)
  for _, e in ipairs(s.elements) do check(e.state == "present", "status: " .. e.path .. " is " .. e.state, s.summary) end
  local again = t:plan()
  check(#again.actions == 0, "re-plan after apply is not empty", again.summary)
  print("LUA-LAB-OK")
end)
local d = t:destroy()
print(d.summary)
if not ok then error(err, 0) end
"#;

/// The same two-host lab from Lua: plan names the swarm steps, apply, verify reaches across hosts
/// by address and by name with the expected denial holding, status all present, an empty re-plan,
/// and destroy leaves both daemons out of a swarm with nothing of the lab. First, on the same
/// pair, `pull`: an image no host has is refused with a hint at `pull: true`, and with it the
/// pull is tried on the host and its failure names the image (a registry on the daemon's own
/// loopback that does not exist: nothing leaves the machine).
#[test]
fn a_lab_across_two_hosts_from_lua_and_pull() {
    let set = PrivateDaemons::start(&["a", "b"]);
    let (a, b) = (set.get("a"), set.get("b"));
    let name = unique("lualab");
    let dir = std::env::temp_dir().join(format!("{name}-files"));

    // pull: refused without it, tried (and failing, naming the image) with it.
    let nope = "127.0.0.1:9/dockernet-nope:1";
    let pull_lab = |pull: bool| {
        format!(
            "name: {name}p\nhosts: {{a: {{host: \"{ah}\"}}}}\npull: {pull}\npool: 10.234.0.0/16\nnetworks: [n]\n\
             nodes: {{x: {{host: a, image: \"{nope}\", command: [sleep, infinity], networks: [n]}}}}\n",
            ah = a.host()
        )
    };
    let f = write(&dir, "nopull.yaml", &pull_lab(false));
    let out = dn(a, &["plan", f.to_str().unwrap()]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains(&format!("nodes.x.image: \"{nope}\" is on none of the hosts (a)")) && t.contains("pull: true"),
        "refusal without pull: true:\n{t}"
    );
    let f = write(&dir, "pull.yaml", &pull_lab(true));
    let out = dn(a, &["plan", f.to_str().unwrap()]);
    assert!(text(&out).contains(&format!("[a] pull image {nope}")), "{}", text(&out));
    let out = dn(a, &["up", f.to_str().unwrap()]);
    let t = text(&out);
    assert!(!out.status.success(), "a pull from a registry that does not exist succeeded:\n{t}");
    assert!(t.contains(&format!("pull image \"{nope}\"")), "the error names the pull and the image:\n{t}");
    let (ctrs, nets) = topology_objects(&a.client(), &format!("{name}p"));
    assert!(ctrs.is_empty() && nets.is_empty(), "the failed apply was rolled back: {ctrs:?} {nets:?}");

    // The lab from Lua, bounded: a hung step cannot hold the test past 5 minutes.
    let script = write(&dir, "lab.lua", LUA_LAB);
    let out = Command::new("timeout")
        .args(["-k", "10", "300"])
        .arg(dockernet_bin())
        .arg(&script)
        .env("DNT_NAME", &name)
        .env("DNT_A", a.host())
        .env("DNT_B", b.host())
        .env("DNT_A_IP", a.ip.to_string())
        .env("DNT_B_IP", b.ip.to_string())
        .env("DNT_IMAGE", TEST_IMAGE)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let t = text(&out);
    assert!(out.status.success() && t.contains("LUA-LAB-OK"), "the Lua lab:\n{t}");
    assert!(t.contains("+ 2 by name") && t.contains("0 mismatches"), "verify by name across hosts:\n{t}");
    for d in [a, b] {
        let (ctrs, nets) = topology_objects(&d.client(), &name);
        assert!(ctrs.is_empty() && nets.is_empty(), "left on {}: {ctrs:?} {nets:?}", d.name);
        assert_eq!(swarm_state(d), "inactive", "the swarm the Lua lab formed is gone on {}", d.name);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
