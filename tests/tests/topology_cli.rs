//! `dockernet up|down|plan|status|verify|graph FILE` with the real binary against a real daemon.
//!
//! Each test writes a temporary copy of a lab of `scripts/labs/` under a unique topology name
//! (`Guard::name`) with its own pool (`free_pool`), so parallel runs never collide, and destroys
//! the topology by name when it ends, even on panic (then checks nothing labelled with it is left).

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use dockernet_tests::{destroy_topology, dockernet_bin, free_pool, report_cleanup, topology_objects, workspace_root, Guard, Out};
use serde_json::Value;

/// Docker 20.10 briefly lifts inter-network isolation whenever a network is created, so a verify
/// measured while another test brings a lab up may see a crossing: the tests of this binary that
/// touch the daemon run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn dockernet(args: &[&str]) -> Out {
    Command::new(dockernet_bin()).args(args).output().expect("run dockernet").into()
}

/// A temporary copy of a lab file under a unique name and pool; on drop the topology is destroyed
/// by name, the file removed, and nothing labelled with the name may remain.
struct Lab<'g> {
    g: &'g Guard,
    name: String,
    path: PathBuf,
}

impl<'g> Lab<'g> {
    /// `scripts/labs/<file>`, renamed, with its own pool; `edit` may change the YAML text further.
    fn new(g: &'g Guard, file: &str, edit: impl FnOnce(String) -> String) -> Lab<'g> {
        let src = workspace_root().join("scripts").join("labs").join(file);
        let text = std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        let name = g.name("cli");
        let pool = free_pool(20);
        let mut renamed = false;
        let text: String = text
            .lines()
            .map(|line| {
                if !renamed && line.starts_with("name:") {
                    renamed = true;
                    format!("name: {name}\npool: {pool}\n")
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
        assert!(renamed, "{} has no top-level name:", src.display());
        let path = std::env::temp_dir().join(format!("{name}.yaml"));
        std::fs::write(&path, edit(text)).expect("write the temporary lab");
        Lab { g, name, path }
    }

    fn file(&self) -> &str {
        self.path.to_str().expect("utf-8 temp path")
    }
}

impl Drop for Lab<'_> {
    fn drop(&mut self) {
        let problem = destroy_topology(self.g.client(), &self.name);
        let _ = std::fs::remove_file(&self.path);
        report_cleanup("Lab", problem);
    }
}

fn plan_json(lab: &Lab) -> Value {
    let out = dockernet(&["plan", lab.file(), "--json"]);
    assert_eq!(out.code, Some(0), "plan --json: {out}");
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("plan --json is not JSON ({e}): {out}"))
}

#[test]
fn router_lab_plan_up_status_verify_graph_down_by_name() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let g = Guard::new("topology-cli");
    let lab = Lab::new(&g, "router.yaml", |t| t);

    // plan --json: parses and lists what up would do.
    let plan = plan_json(&lab);
    assert_eq!(plan["topology"], lab.name.as_str(), "{plan:#}");
    let actions = plan["actions"].as_array().unwrap_or_else(|| panic!("no actions array: {plan:#}"));
    let kinds: Vec<&str> = actions.iter().filter_map(|a| a["action"].as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "create_network").count(), 2, "{plan:#}");
    for node in ["router", "client", "server", "bystander"] {
        assert!(
            actions.iter().any(|a| a.to_string().contains(&format!("{}-{node}", lab.name))),
            "no action for node {node}: {plan:#}"
        );
    }

    // up, then the plan is empty.
    let up = dockernet(&["up", lab.file()]);
    assert_eq!(up.code, Some(0), "up: {up}");
    let plan = plan_json(&lab);
    assert_eq!(plan["actions"].as_array().map(Vec::len), Some(0), "plan after up: {plan:#}");
    let text = dockernet(&["plan", lab.file()]);
    assert_eq!(text.code, Some(0), "plan: {text}");
    assert!(text.stdout.contains("up to date"), "plan after up: {text}");

    let status = dockernet(&["status", lab.file()]);
    assert_eq!(status.code, Some(0), "status after up: {status}");

    let verify = dockernet(&["verify", lab.file()]);
    assert_eq!(verify.code, Some(0), "verify of the router lab: {verify}");
    assert!(verify.stdout.contains(" 0 mismatches"), "verify: {verify}");

    let graph = dockernet(&["graph", lab.file(), "--format", "mermaid"]);
    assert_eq!(graph.code, Some(0), "graph: {graph}");
    assert!(graph.stdout.starts_with("graph LR"), "graph: {graph}");
    for name in ["router", "client", "server", "bystander", "left", "right"] {
        assert!(graph.stdout.contains(name), "graph lacks {name}: {graph}");
    }

    // down by the topology's name (not the file) removes everything.
    let down = dockernet(&["down", &lab.name]);
    assert_eq!(down.code, Some(0), "down {}: {down}", lab.name);
    assert!(down.stdout.contains("4 containers, 2 networks"), "down: {down}");
    let (nets, ctrs) = topology_objects(g.client(), &lab.name);
    assert!(nets.is_empty() && ctrs.is_empty(), "after down: networks {nets:?}, containers {ctrs:?}");
    let status = dockernet(&["status", lab.file()]);
    assert_eq!(status.code, Some(1), "status after down: {status}");
}

#[test]
fn verify_exits_1_when_an_expected_reachable_pair_is_denied() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let g = Guard::new("topology-cli");
    // client and db share no network, but this copy claims client reaches db.
    let lab = Lab::new(&g, "three-tier.yaml", |t| {
        let wrong = t.replace("{from: client, to: db, reach: false}", "{from: client, to: db, reach: true}");
        assert_ne!(wrong, t, "three-tier.yaml no longer has the client→db expectation");
        wrong
    });
    let up = dockernet(&["up", lab.file()]);
    assert_eq!(up.code, Some(0), "up: {up}");
    let verify = dockernet(&["verify", lab.file()]);
    assert_eq!(verify.code, Some(1), "verify with a false expectation: {verify}");
    assert!(!verify.stdout.contains(" 0 mismatches"), "verify: {verify}");
    let json = dockernet(&["verify", lab.file(), "--json"]);
    assert_eq!(json.code, Some(1), "verify --json: {json}");
    let v: Value = serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("verify --json ({e}): {json}"));
    let cell = v["cells"]
        .as_array()
        .and_then(|cells| cells.iter().find(|c| c["from"] == "client" && c["to"] == "db"))
        .unwrap_or_else(|| panic!("no client→db cell: {v:#}"));
    assert_eq!(cell["expected"], true, "{cell:#}");
    let down = dockernet(&["down", lab.file()]);
    assert_eq!(down.code, Some(0), "down FILE: {down}");
}

#[test]
fn an_invalid_file_exits_1_naming_the_path() {
    let g = Guard::new("topology-cli");
    let lab = Lab::new(&g, "three-tier.yaml", |t| t.replace("client: {networks: [front]}", "client: {networks: [nope]}"));
    for verb in ["plan", "up", "status", "verify", "graph"] {
        let out = dockernet(&[verb, lab.file()]);
        assert_eq!(out.code, Some(1), "{verb} of an invalid file: {out}");
        assert!(out.stderr.contains("nodes.client.networks.nope"), "{verb}: the message names no path: {out}");
        assert!(out.stderr.contains(lab.file()), "{verb}: the message names no file: {out}");
    }
    let (nets, ctrs) = topology_objects(g.client(), &lab.name);
    assert!(nets.is_empty() && ctrs.is_empty(), "an invalid up made networks {nets:?}, containers {ctrs:?}");
}
