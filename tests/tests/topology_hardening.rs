//! Issue 10's topology items against a real daemon and the real `dockernet` binary: environment
//! values never reach a label, a plan or a status (item 13); a subnet too small for its nodes and
//! a node name that cannot be a hostname are refused before anything is made, while the largest
//! lab that fits still comes up (item 17); topology files are read with a size cap and a nesting
//! limit (item 5).
//!
//! Every topology gets a unique name and its own pool inside 10.200.0.0/13 (`free_pool`), carries
//! the harness label, and is destroyed by its ownership label when the test ends, even on panic.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use dockernet_core::container::{Command as Cmd, ExecOptions, RemoveOptions, RunOptions};
use dockernet_core::options::from_value;
use dockernet_core::topology::spec::{env_digest, LABEL_CONFIG, LABEL_NODE};
use dockernet_core::topology::{ApplyOptions, Topology, LABEL as TOPOLOGY};
use dockernet_core::{BlockingClient, ErrorKind};
use dockernet_tests::{destroy_topology, dockernet_bin, free_pool, random_u64, report_cleanup, topology_objects, Guard, Out, LABEL, TEST_IMAGE};
use serde_json::json;

/// Topologies made by one test, destroyed by label on drop (then nothing labelled with their
/// names may be left), and the temporary files written for the CLI.
struct Labs<'g> {
    g: &'g Guard,
    names: Mutex<Vec<String>>,
    files: Mutex<Vec<PathBuf>>,
}

impl<'g> Labs<'g> {
    fn new(g: &'g Guard) -> Labs<'g> {
        Labs { g, names: Mutex::new(Vec::new()), files: Mutex::new(Vec::new()) }
    }

    /// YAML text with `name:` and `pool:` placed first: a unique name, its own pool, the label.
    fn yaml(&self, body: &str) -> (String, String) {
        let name = self.g.name("hard");
        self.names.lock().unwrap().push(name.clone());
        let text = format!("name: {name}\npool: {}\nlabels: {{{LABEL}: {}}}\n{body}", free_pool(20), self.g.tag());
        (name, text)
    }

    /// Another version of a lab: the same name, pool and labels, another body.
    fn variant(&self, base: &str, body: &str) -> String {
        let head: Vec<&str> = base.lines().take(3).collect();
        format!("{}\n{body}", head.join("\n"))
    }

    fn file(&self, text: &str) -> String {
        let path = std::env::temp_dir().join(format!("{}.yaml", self.g.name("file")));
        std::fs::write(&path, text).expect("write the temporary topology");
        self.files.lock().unwrap().push(path.clone());
        path.to_str().expect("utf-8 temp path").to_string()
    }
}

impl Drop for Labs<'_> {
    fn drop(&mut self) {
        let c = self.g.client();
        let problems: Vec<String> =
            self.names.lock().unwrap().iter().filter_map(|name| destroy_topology(c, name)).collect();
        for f in self.files.lock().unwrap().iter() {
            let _ = std::fs::remove_file(f);
        }
        report_cleanup("Labs", (!problems.is_empty()).then(|| problems.join("\n  ")));
    }
}

fn dockernet(args: &[&str], env: &[(&str, &str)]) -> Out {
    Command::new(dockernet_bin()).args(args).envs(env.iter().copied()).output().expect("run dockernet").into()
}

fn apply(c: &BlockingClient, t: &Topology) {
    c.topology_apply(t, &ApplyOptions::default(), &|_| {}).unwrap_or_else(|e| panic!("apply {}: {e}", t.name()));
}

/// Every way a plan and a status reach a user, as one text: Rust's Display and JSON, and the
/// CLI's `plan`, `plan --json`, `status` and `status --json` of the same file.
fn everything_shown(labs: &Labs, c: &BlockingClient, yaml: &str) -> String {
    let t = Topology::from_yaml(yaml).unwrap();
    let plan = c.topology_plan(&t).unwrap();
    let status = c.topology_status(&t).unwrap();
    let mut all = format!("{plan}\n{}\n{status}\n{}\n", plan.to_json(), serde_json::to_string(&status).unwrap());
    let file = labs.file(yaml);
    for args in [&["plan", &file][..], &["plan", &file, "--json"], &["status", &file], &["status", &file, "--json"]] {
        let out = dockernet(args, &[]);
        assert!(out.code == Some(0) || (args[0] == "status" && out.code == Some(1)), "{args:?}: {out}");
        all.push_str(&out.stdout);
        all.push_str(&out.stderr);
    }
    all
}

fn config_label(c: &BlockingClient, container: &str) -> String {
    let doc = c.container_inspect(container).unwrap().to_value();
    doc["Config"]["Labels"][LABEL_CONFIG].as_str().expect("a configuration label").to_string()
}

/// A node's environment is recorded as digests: no value is in its label, and a changed value is
/// planned and reported by variable name only — in Rust, in JSON and through the CLI — before
/// and after the change is applied.
#[test]
fn env_values_never_reach_labels_plans_or_status() {
    let g = Guard::new("hard-env");
    let labs = Labs::new(&g);
    let c = g.client();
    let (old, new, key) = (
        format!("hunter2-{:x}", random_u64()),
        format!("s3cret-{:x}", random_u64()),
        format!("k3y-{:x}", random_u64()),
    );
    let (_, v1) = labs.yaml(&format!(
        "networks: [a]\nnodes:\n  db: {{image: {TEST_IMAGE}, networks: [a], env: {{DB_PASSWORD: {old}, USER: app}}}}\n"
    ));
    let t1 = Topology::from_yaml(&v1).unwrap();
    apply(c, &t1);
    let db = t1.spec().node_name("db");
    let label = config_label(c, &db);
    assert!(!label.contains(&old), "the label holds the value: {label}");
    assert!(label.contains(&env_digest("DB_PASSWORD", &old)), "the label holds no digest: {label}");
    assert!(c.topology_plan(&t1).unwrap().is_empty());

    let v2 = labs.variant(
        &v1,
        &format!(
            "networks: [a]\nnodes:\n  db: {{image: {TEST_IMAGE}, networks: [a], env: {{DB_PASSWORD: {new}, USER: app, API_KEY: {key}}}}}\n"
        ),
    );
    let shown = everything_shown(&labs, c, &v2);
    assert!(shown.contains("env: API_KEY added, DB_PASSWORD changed"), "the change is not named:\n{shown}");
    for secret in [&old, &new, &key] {
        assert!(!shown.contains(secret.as_str()), "{secret} is shown:\n{shown}");
    }
    let t2 = Topology::from_yaml(&v2).unwrap();
    apply(c, &t2);
    assert!(c.topology_plan(&t2).unwrap().is_empty());
    let doc = c.container_inspect(&db).unwrap().to_value();
    assert!(doc["Config"]["Env"].as_array().unwrap().contains(&json!(format!("DB_PASSWORD={new}"))), "{doc}");
    let label = config_label(c, &db);
    assert!(!label.contains(&new) && !label.contains(&key), "{label}");
}

/// Lua's plan and status objects (their fields and their printed summaries) name a changed
/// variable and never hold a value.
#[test]
fn lua_plan_and_status_objects_hold_no_env_values() {
    let g = Guard::new("hard-lua");
    let labs = Labs::new(&g);
    let name = g.name("lua");
    labs.names.lock().unwrap().push(name.clone());
    let (old, new) = (format!("hunter2-{:x}", random_u64()), format!("s3cret-{:x}", random_u64()));
    let script = r#"
local function lab(password)
  return docker.topology {
    name = os.getenv("T_NAME"), pool = os.getenv("T_POOL"), image = os.getenv("T_IMAGE"),
    labels = { [os.getenv("T_LABEL")] = os.getenv("T_TAG") },
    networks = { "a" },
    nodes = { db = { networks = { "a" }, env = { DB_PASSWORD = password } } },
  }
end
lab(os.getenv("T_OLD")):apply()
local t = lab(os.getenv("T_NEW"))
local p, s = t:plan(), t:status()
local out = {}
local function dump(v)
  if type(v) == "table" then for k, x in pairs(v) do out[#out + 1] = tostring(k); dump(x) end
  else out[#out + 1] = tostring(v) end
end
dump(p); dump(s)
print(tostring(p)); print(tostring(s)); print(p.actions[1].reason); print(table.concat(out, " "))
"#;
    let pool = free_pool(20);
    let out = dockernet(
        &["-e", script],
        &[
            ("T_NAME", &name),
            ("T_POOL", &pool),
            ("T_IMAGE", TEST_IMAGE),
            ("T_LABEL", LABEL),
            ("T_TAG", g.tag()),
            ("T_OLD", &old),
            ("T_NEW", &new),
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains("env: DB_PASSWORD changed"), "{out}");
    assert!(!out.stdout.contains(&old) && !out.stdout.contains(&new), "a value is shown: {out}");
}

/// A container whose configuration label an older dockernet wrote with the values in plain text
/// (made here by hand, as that version made it) is recreated once, and no value is ever shown.
#[test]
fn a_plain_env_label_from_an_older_version_is_replaced() {
    let g = Guard::new("hard-oldenv");
    let labs = Labs::new(&g);
    let c = g.client();
    let secret = format!("hunter2-{:x}", random_u64());
    let (name, yaml) = labs.yaml(&format!(
        "networks: [a]\nnodes:\n  db: {{image: {TEST_IMAGE}, networks: [a], env: {{DB_PASSWORD: {secret}}}}}\n"
    ));
    let t = Topology::from_yaml(&yaml).unwrap();
    apply(c, &t);
    let db = t.spec().node_name("db");
    // Replace the node by a container labelled as before issue 10: the configuration with the
    // environment's values.
    c.container_rm(&db, &RemoveOptions { force: true }).unwrap();
    let mut config = t.spec().node_config("db");
    config["env"] = json!({"DB_PASSWORD": secret});
    let opts: RunOptions = from_value(
        json!({"image": TEST_IMAGE, "name": db, "hostname": "db", "env": {"DB_PASSWORD": secret},
               "labels": {TOPOLOGY: name, LABEL: g.tag(), LABEL_NODE: "db", LABEL_CONFIG: config.to_string()},
               "networks": [{"name": t.spec().network_name("a"), "aliases": ["db"]}]}),
        "old-style container",
    )
    .unwrap();
    let before = c.container_run(&opts).unwrap().id;
    assert!(config_label(c, &db).contains(&secret));

    let shown = everything_shown(&labs, c, &yaml);
    assert!(!shown.contains(&secret), "the value is shown:\n{shown}");
    assert!(shown.contains("env: recorded with its values by an older dockernet"), "{shown}");
    let plan = c.topology_plan(&t).unwrap();
    assert_eq!(plan.len(), 1, "{plan}");
    apply(c, &t);
    assert!(c.topology_plan(&t).unwrap().is_empty());
    let after = c.container_inspect(&db).unwrap().to_value();
    assert_ne!(after["Id"], json!(before), "the node was not recreated");
    let label = config_label(c, &db);
    assert!(!label.contains(&secret) && label.contains(&env_digest("DB_PASSWORD", &secret)), "{label}");
}

/// A /30 with six nodes and a 64-character node name are refused by validation — by the API
/// and by `plan` and `up`, naming the paths — and nothing is created. The largest lab that fits
/// comes up: five nodes on a /29 (Docker keeps network, gateway and broadcast), three on a /30
/// ip_range that starts mid-subnet (its first address is the gateway), and a node named with 63
/// characters that another node reaches by that name.
#[test]
fn labs_that_cannot_fit_are_refused_before_anything_is_made() {
    let g = Guard::new("hard-fit");
    let labs = Labs::new(&g);
    let c = g.client();
    let pool: ipnet::Ipv4Net = free_pool(20).parse().unwrap();
    let mut subnets = pool.subnets(29).unwrap();
    let (small, fits) = (subnets.next().unwrap(), subnets.next().unwrap());
    // A /24 whose ip_range starts mid-subnet: Docker's gateway is the range's first address.
    let ranged = pool.subnets(24).unwrap().nth(1).unwrap();
    let range = format!("{}/30", std::net::Ipv4Addr::from(u32::from(ranged.network()) + 128));
    let nodes = |n: usize, net: &str| -> String {
        (0..n).map(|i| format!("  {net}{i}: {{image: {TEST_IMAGE}, networks: [{net}]}}\n")).collect()
    };

    let long = "x".repeat(64);
    let (name, bad) = labs.yaml(&format!(
        "networks: {{wan: {{subnet: {}/30}}, lan: {{}}, r: {{subnet: {ranged}, ip_range: {range}}}}}\nnodes:\n{}{}  \
         {long}: {{image: {TEST_IMAGE}, networks: [lan]}}\n",
        small.network(),
        nodes(6, "wan"),
        nodes(4, "r"),
    ));
    let e = Topology::from_yaml(&bad).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    let m = e.message();
    assert!(
        m.contains(&format!(
            "networks.wan.subnet: {}/30 has room for 1 container address (4 addresses less network, broadcast, \
             gateway) but 6 nodes are attached (nodes.wan0, nodes.wan1, nodes.wan2, nodes.wan3, nodes.wan4, …)",
            small.network()
        )),
        "{m}"
    );
    assert!(
        m.contains(&format!(
            "networks.r.ip_range: {range} has room for 3 addresses given out by Docker but 4 nodes without a static \
             ipv4 are attached"
        )),
        "{m}"
    );
    assert!(m.contains(&format!("nodes.{long}: the name is 64 characters long")), "{m}");
    let file = labs.file(&bad);
    for verb in ["plan", "up"] {
        let out = dockernet(&[verb, &file], &[]);
        assert_eq!(out.code, Some(1), "{verb}: {out}");
        assert!(out.stderr.contains("networks.wan.subnet") && out.stderr.contains(&format!("nodes.{long}")), "{out}");
    }
    assert_eq!(topology_objects(c, &name), (vec![], vec![]), "a refused topology made something");

    let named = "y".repeat(63);
    let (_, good) = labs.yaml(&format!(
        "networks: {{wan: {{subnet: {fits}}}, r: {{subnet: {ranged}, ip_range: {range}}}}}\nnodes:\n{}{}  \
         {named}: {{image: {TEST_IMAGE}, networks: [wan]}}\n",
        nodes(4, "wan"),
        nodes(3, "r"),
    ));
    let t = Topology::from_yaml(&good).unwrap();
    apply(c, &t);
    assert!(c.topology_plan(&t).unwrap().is_empty());
    let ping = c
        .container_exec(
            &t.spec().node_name("wan0"),
            &Cmd(vec!["ping".into(), "-c1".into(), "-W2".into(), named.clone()]),
            &ExecOptions::default(),
        )
        .unwrap();
    assert_eq!(ping.exit_code, 0, "wan0 does not reach the 63-character name: {ping:?}");
}

/// The CLI reads topology files with a size cap (`/dev/zero` stops at 16 MiB; the cap follows
/// DOCKERNET_MAX_TOPOLOGY_BYTES, and a bad value of it is named) and refuses nesting deeper than
/// 64 levels before parsing (100,000 levels took 38 s in libyaml before).
#[test]
fn files_are_read_within_limits() {
    let g = Guard::new("hard-files");
    let labs = Labs::new(&g);
    let out = dockernet(&["plan", "/dev/zero"], &[]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(out.stderr.contains("topology file /dev/zero is larger than the limit of 16 MiB"), "{out}");

    let (_, yaml) = labs.yaml(&format!("networks: [a]\nnodes: {{n: {{image: {TEST_IMAGE}, networks: [a]}}}}\n"));
    let file = labs.file(&yaml);
    let out = dockernet(&["plan", &file], &[("DOCKERNET_MAX_TOPOLOGY_BYTES", "64")]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(
        out.stderr.contains("is larger than the limit of 64 bytes")
            && out.stderr.contains("DOCKERNET_MAX_TOPOLOGY_BYTES"),
        "{out}"
    );
    let out = dockernet(&["plan", &file], &[("DOCKERNET_MAX_TOPOLOGY_BYTES", "lots")]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(out.stderr.contains("DOCKERNET_MAX_TOPOLOGY_BYTES=\"lots\" is not a positive number of bytes"), "{out}");
    let out = dockernet(&["plan", &file], &[("DOCKERNET_MAX_TOPOLOGY_BYTES", "100000")]);
    assert_eq!(out.code, Some(0), "{out}");

    let deep = labs.file(&format!("name: deep\nlabels: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)));
    let out = dockernet(&["plan", &deep], &[]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(out.stderr.contains("nested more than 64 levels deep at line 2"), "{out}");
}

/// Issue 11: a node whose command ends at once (busybox's `sh` without a terminal) fails `up`
/// with a hint and leaves nothing; `verify` of a lab that is not applied says so once.
#[test]
fn a_node_that_ends_at_once_fails_up_and_verify_says_not_applied() {
    let c = dockernet_tests::client();
    let name = dockernet_tests::unique("ends");
    let pool = dockernet_tests::free_pool(24);
    let yaml = format!(
        "name: {name}\npool: {pool}\nimage: {img}\nnetworks: [a]\nnodes:\n  x: {{networks: [a], command: [sh]}}\n  \
         y: {{networks: [a]}}\n",
        img = dockernet_tests::TEST_IMAGE
    );
    let topo = dockernet_core::topology::Topology::from_yaml(&yaml).unwrap();
    let e = c.topology_verify(&topo, &Default::default()).unwrap_err();
    assert_eq!(e.kind(), dockernet_core::ErrorKind::NotFound, "{e}");
    assert!(e.message().contains("is not applied: none of its 2 nodes"), "{e}");
    match c.topology_apply(&topo, &Default::default(), &|_| {}) {
        Err(e) => {
            let (ctrs, nets) = dockernet_tests::topology_objects(&c, &name);
            let left = dockernet_tests::destroy_topology(&c, &name);
            dockernet_tests::report_cleanup("ends", left);
            assert_eq!(e.kind(), dockernet_core::ErrorKind::Invalid, "{e}");
            assert!(e.message().contains("node x") && e.message().contains("command: [sleep, infinity]"), "{e}");
            assert!(e.message().contains("rolled back"), "{e}");
            assert!(ctrs.is_empty() && nets.is_empty(), "left: {ctrs:?} {nets:?}");
        }
        Ok(_) => {
            // The exit is looked for 300 ms after the last start; on a machine loaded enough for
            // the daemon to record it later, the apply passes and the next plan must say why.
            let plan = c.topology_plan(&topo);
            let left = dockernet_tests::destroy_topology(&c, &name);
            dockernet_tests::report_cleanup("ends", left);
            let plan = plan.unwrap().to_string();
            eprintln!("the exit came after the settle window; the plan shows it:\n{plan}");
            assert!(plan.contains("recreate node x") && plan.contains("exited"), "{plan}");
        }
    }
}

/// verify's `count` out of range (0, or more than 100 echo requests a pair) is refused as
/// `invalid` naming the option, before anything is asked of the daemon — not clamped.
#[test]
fn verify_counts_out_of_range_are_refused() {
    let code = "local t = docker.topology{name = 'dnt-vcount-never', networks = {n = {}}, nodes = {}}\n\
                for _, n in ipairs{0, 101} do\n\
                  local ok, e = pcall(t.verify, t, {count = n})\n\
                  print(ok, e.kind, e.message)\n\
                end";
    let out = dockernet(&["-e", code], &[]);
    assert_eq!(out.code, Some(0), "{}{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}{}", out.stdout, out.stderr);
    for (line, n) in lines.iter().zip([0, 101]) {
        assert!(line.starts_with("false\tinvalid\t"), "{line}");
        assert!(line.contains(&format!("verify option count: {n} is not from 1 to 100")), "{line}");
    }
}

/// `pull: true` on one daemon: the plan pulls what the daemon lacks before the node on it runs,
/// and a pull that fails fails the apply, rolled back. Without it, nothing is pulled: the plan has
/// no pull and the run fails with the daemon's "no such image". The image's registry is
/// 127.0.0.1:9, the daemon's own loopback, where nothing listens: no traffic leaves the machine.
#[test]
fn pull_true_pulls_on_a_single_daemon() {
    let g = Guard::new("hard-pull");
    let labs = Labs::new(&g);
    let c = g.client();
    let missing = "127.0.0.1:9/dockernet-nope:1";
    let (name, text) = labs.yaml(&format!(
        "pull: true\nnetworks: [n]\nnodes:\n  a: {{image: {missing}, networks: [n]}}\n  b: {{image: {TEST_IMAGE}, networks: [n]}}\n"
    ));
    let file = labs.file(&text);
    let plan = dockernet(&["plan", &file], &[]);
    assert_eq!(plan.code, Some(0), "{}{}", plan.stdout, plan.stderr);
    let lines: Vec<&str> = plan.stdout.lines().collect();
    assert!(lines.get(1).is_some_and(|l| l.contains(&format!("1. pull image {missing}"))), "{}", plan.stdout);
    assert!(!plan.stdout.contains(&format!("pull image {TEST_IMAGE}")), "the image the daemon has is not pulled:\n{}", plan.stdout);
    let up = dockernet(&["up", &file], &[]);
    assert_eq!(up.code, Some(1), "{}{}", up.stdout, up.stderr);
    assert!(up.stderr.contains(&format!("pull image {missing:?}")), "{}", up.stderr);
    let (nets, ctrs) = topology_objects(c, &name);
    assert!(nets.is_empty() && ctrs.is_empty(), "the failed apply left {nets:?} {ctrs:?}");

    let without = labs.file(&text.replace("pull: true\n", ""));
    let plan = dockernet(&["plan", &without], &[]);
    assert!(plan.code == Some(0) && !plan.stdout.contains("pull image"), "{}{}", plan.stdout, plan.stderr);
    let up = dockernet(&["up", &without], &[]);
    assert_eq!(up.code, Some(1), "{}{}", up.stdout, up.stderr);
    assert!(up.stderr.to_ascii_lowercase().contains("no such image"), "{}", up.stderr);
    let (nets, ctrs) = topology_objects(c, &name);
    assert!(nets.is_empty() && ctrs.is_empty(), "the failed apply left {nets:?} {ctrs:?}");
}
