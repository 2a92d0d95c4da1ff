//! Swarm membership and overlay networks across two private daemons (tests/src/daemons.rs): init,
//! join, nodes, the classic errors, an attachable overlay that containers on both hosts reach each
//! other over by address and by name, and leave. The machine's own daemon is never in a swarm.

use std::process::{Command, Output};

use dockernet_core::swarm::{InitOptions, JoinOptions, LeaveOptions};
use dockernet_core::ErrorKind;
use dockernet_tests::daemons::{PrivateDaemon, PrivateDaemons};
use dockernet_tests::{dockernet_bin, TEST_IMAGE};

/// Runs Lua code with `dockernet -H <daemon> -e CODE`.
fn lua(d: &PrivateDaemon, code: &str) -> Output {
    Command::new(dockernet_bin()).arg("-H").arg(d.host()).arg("-e").arg(code).env("NO_COLOR", "1").output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Two daemons form a swarm from Lua; an attachable overlay created on the manager carries
/// traffic between standalone containers on both hosts, by address and by name; the swarm
/// errors say what to do; both leave again.
#[test]
fn two_daemons_in_a_swarm_share_an_overlay() {
    let set = PrivateDaemons::start(&["a", "b"]);
    let (a, b) = (set.get("a"), set.get("b"));

    // Not in a swarm yet: the state says so, and an overlay is refused with the next step.
    let out = lua(a, "print(docker.swarm.state().local_node_state)");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "inactive");
    let out = lua(a, r#"local ok, e = pcall(docker.network.create, "early", {driver = "overlay"}) print(e.kind, e.message)"#);
    assert!(text(&out).starts_with("forbidden") && text(&out).contains("this daemon is not in a swarm"), "{}", text(&out));
    let out = lua(b, "local ok, e = pcall(docker.swarm.leave) print(e.kind, e.message)");
    assert!(text(&out).contains("conflict") && text(&out).contains("not in a swarm"), "{}", text(&out));

    // init on a (from Lua), join b (from Lua, with the token a's inspect shows).
    let code = format!(
        r#"local id = docker.swarm.init{{advertise_addr = "{ip}", default_addr_pool = {{"10.160.0.0/16"}}}}
        local s = docker.swarm.state()
        print(#id > 0, s.local_node_state, s.control_available)
        local ok, e = pcall(docker.swarm.init)
        print("again:", e.kind)
        print("token:", docker.swarm.inspect().JoinTokens.Worker)"#,
        ip = a.ip
    );
    let out = lua(a, &code);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("true\tactive\ttrue"), "{t}");
    assert!(t.contains("again:\tconflict"), "{t}");
    let token = t.lines().find_map(|l| l.strip_prefix("token:\t")).expect("worker token").trim().to_string();
    let out = lua(b, &format!(r#"print(docker.swarm.join{{remote_addrs = "{}:2377", join_token = "{token}"}})"#, a.ip));
    assert!(out.status.success(), "{}", text(&out));
    let out = lua(a, "print(#docker.swarm.nodes())");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2", "{}", text(&out));
    // A worker cannot answer for the swarm.
    let e = b.client().swarm_inspect().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden, "{e}");

    // The classic traps, each a forbidden error that says what to do.
    let e = b
        .client()
        .network_create("on-worker", &serde_json::from_value(serde_json::json!({"driver": "overlay"})).unwrap())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden, "{e}");
    assert!(e.message().contains("create swarm-scoped networks on a manager"), "{e}");
    a.client()
        .network_create("closed", &serde_json::from_value(serde_json::json!({"driver": "overlay"})).unwrap())
        .expect("a non-attachable overlay");
    let out = lua(a, &format!(r#"local ok, e = pcall(docker.container.run, {{image = "{TEST_IMAGE}", name = "x1", command = "sleep 60", networks = {{"closed"}}}})
        print(e.kind, e.message)"#));
    assert!(text(&out).starts_with("forbidden") && text(&out).contains("attachable=true"), "{}", text(&out));

    // An attachable overlay made by dockernet on the manager.
    let net = a
        .client()
        .network_create("span", &serde_json::from_value(serde_json::json!({"driver": "overlay", "attachable": true})).unwrap())
        .expect("overlay on the manager");
    assert_eq!(net.driver, "overlay");
    a.docker_ok(&["run", "-d", "--name", "web", "--network", "span", TEST_IMAGE, "sleep", "600"]);
    // On the worker the overlay is unknown until a container here uses it: inspect says so, and a
    // run with the network's name works as `docker run --network span` does.
    let out = lua(b, r#"local ok, e = pcall(docker.network.inspect, "span") print(e.kind, e.message)"#);
    assert!(text(&out).starts_with("not_found") && text(&out).contains("swarm worker"), "{}", text(&out));
    let out = lua(b, &format!(r#"local c = docker.container.run{{image = "{TEST_IMAGE}", name = "db", command = "sleep 600", networks = {{"span"}}}}
        print(c.name, docker.network.inspect("span").Scope)"#));
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("db\tswarm"), "{}", text(&out));
    let db_ip = b.docker_ok(&["inspect", "-f", "{{(index .NetworkSettings.Networks \"span\").IPAddress}}", "db"]);
    // The overlay's peers converge over gossip: allow a few bounded tries.
    for target in [db_ip.trim(), "db"] {
        let mut last = None;
        for _ in 0..8 {
            let out = a.docker().args(["exec", "web", "ping", "-c", "1", "-W", "2", target]).output().unwrap();
            if out.status.success() {
                last = None;
                break;
            }
            last = Some(text(&out));
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        assert!(last.is_none(), "web cannot reach {target} across hosts: {}", last.unwrap_or_default());
    }

    // Leave: the worker, then the last manager (force needed, and said so without it).
    let _ = a.docker().args(["rm", "-f", "web"]).output();
    let _ = b.docker().args(["rm", "-f", "db"]).output();
    b.client().swarm_leave(&LeaveOptions::default()).expect("worker leaves");
    let e = a.client().swarm_leave(&LeaveOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert!(e.message().contains("force"), "{e}");
    a.client().swarm_leave(&LeaveOptions { force: true }).expect("manager leaves with force");
    assert!(!a.client().swarm_state().unwrap().is_active());
}

/// Bad swarm options are refused before any request, naming the field. (The client points at no
/// daemon: a check that let the request through would fail as unavailable, and the machine's own
/// daemon can never be put in a swarm by this test.)
#[test]
fn swarm_options_are_checked() {
    let c = dockernet_core::BlockingClient::new(Some("unix:///nonexistent/dockernet-swarm-test.sock")).unwrap();
    let e = c.swarm_init(&InitOptions { default_addr_pool: vec!["10.0.0.0/33".into()].into(), ..Default::default() }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.message().contains("default_addr_pool[1]") && e.message().contains("10.0.0.0/33"), "{e}");
    let e = c.swarm_join(&JoinOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.message().contains("remote_addrs"), "{e}");
    let e = c
        .swarm_join(&JoinOptions { remote_addrs: vec!["10.99.0.1:2377".into()].into(), ..Default::default() })
        .unwrap_err();
    assert!(e.message().contains("join_token"), "{e}");
}
