//! The Lua labs of `scripts/labs/` (three-tier.lua, router.lua) run by the real `dockernet`
//! binary: each under a unique topology name (`DNT_NAME`) and its own pool (`DNT_POOL`, from
//! `free_pool`), so parallel runs never collide. Each must exit 0, report a passing verify, and
//! leave nothing labelled with its topology behind (the script destroys in all cases; the test
//! destroys by name again on drop, even on panic).

use std::process::Command;
use std::sync::Mutex;

use dockernet_core::BlockingClient;
use dockernet_tests::{dockernet_bin, free_pool, topology_objects, workspace_root, Guard};

/// Docker 20.10 briefly lifts inter-network isolation whenever a network is created, so a verify
/// measured while another lab comes up may see a crossing: the labs of this binary run one at a
/// time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Destroys topology `name` by label when dropped (a safety net: the script destroys it itself).
struct Sweep<'a>(&'a BlockingClient, String);

impl Drop for Sweep<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.0.topology_destroy_by_name(&self.1) {
            eprintln!("sweep {}: {e}", self.1);
        }
    }
}

fn run_lab(script: &str, expect_nodes: &[&str]) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let g = Guard::new("labs-lua");
    let c = g.client();
    let name = g.name("lua");
    let pool = free_pool(20);
    let _sweep = Sweep(c, name.clone());
    let path = workspace_root().join("scripts").join("labs").join(script);
    let out = Command::new(dockernet_bin())
        .arg(&path)
        .env("DNT_NAME", &name)
        .env("DNT_POOL", &pool)
        .output()
        .expect("run dockernet");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let shown = format!("{script} (name {name}, pool {pool}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert_eq!(out.status.code(), Some(0), "exit status of {shown}");
    assert!(stdout.contains(&format!("verify {name:?}:")), "no verify report in {shown}");
    assert!(stdout.contains(" 0 mismatches"), "verify reported mismatches in {shown}");
    assert!(stdout.contains("verify: ok"), "verify did not pass in {shown}");
    assert!(stdout.contains("graph LR"), "no mermaid graph in {shown}");
    for node in expect_nodes {
        assert!(stdout.contains(&format!("[\"{node}<br/>")), "node {node} missing from the graph in {shown}");
    }
    assert!(stdout.contains(&format!("destroyed topology {name:?}")), "no destroy report in {shown}");
    // DNT_POOL was honoured: the first subnet is allocated at the start of the pool.
    let base = pool.split('/').next().unwrap_or_default();
    assert!(stdout.contains(&format!("{base}/24")), "subnets not from pool {pool} in {shown}");
    let (nets, ctrs) = topology_objects(c, &name);
    assert!(nets.is_empty() && ctrs.is_empty(), "left behind: networks {nets:?}, containers {ctrs:?} after {shown}");
}

#[test]
fn three_tier_lua_applies_verifies_and_cleans_up() {
    run_lab("three-tier.lua", &["web", "db", "client"]);
}

#[test]
fn router_lua_applies_verifies_and_cleans_up() {
    run_lab("router.lua", &["router", "client", "server", "bystander"]);
}
