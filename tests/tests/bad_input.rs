//! Bad input, table-driven: every mistake a script can make against create, connect, disconnect,
//! rm, inspect, run, ls and prune ends in the documented error kind, with a message that names the
//! culprit, and leaves nothing behind on the daemon.
//!
//! The table runs against one shared fixture (two networks, three containers); each row is one
//! call that must fail. All rows run even when one fails, and the failures are reported together.

use dockernet_core::container::{
    Command, ExecOptions, ListOptions as ContainerListOptions, RemoveOptions, RunOptions, StopOptions,
};
use dockernet_core::network::{
    doc_subnets, ConnectOptions, CreateOptions, DisconnectOptions, InspectOptions, ListOptions, PruneOptions,
};
use dockernet_core::options::from_value;
use dockernet_core::{ApiVersion, BlockingClient, ErrorKind, Result};
use dockernet_tests::{Guard, Subnet, TEST_IMAGE};
use serde_json::{json, Value};

/// One row: a call that must fail with `kind`, and words its message must contain.
struct Case<'a> {
    name: &'static str,
    kind: ErrorKind,
    needles: Vec<String>,
    run: Box<dyn Fn() -> Result<()> + 'a>,
}

fn case<'a>(name: &'static str, kind: ErrorKind, needles: &[&str], run: impl Fn() -> Result<()> + 'a) -> Case<'a> {
    Case { name, kind, needles: needles.iter().map(|s| s.to_string()).collect(), run: Box::new(run) }
}

fn create_opts(v: Value) -> CreateOptions {
    from_value(v, "test").expect("valid create options")
}

fn connect_opts(v: Value) -> ConnectOptions {
    from_value(v, "test").expect("valid connect options")
}

fn run_opts(v: Value) -> RunOptions {
    from_value(v, "test").expect("valid run options")
}

fn filters(v: Value) -> ListOptions {
    from_value(json!({ "filters": v }), "test").expect("valid list options")
}

/// The first IPv4 subnet of a network, and one address inside it.
fn first_v4(c: &BlockingClient, net: &str) -> (String, String) {
    let doc = c.network_inspect(net, &InspectOptions::default()).expect("inspect").to_value();
    let net = doc_subnets(&doc).into_iter().find(|n| n.addr().is_ipv4()).expect("an IPv4 subnet");
    let ip = net.hosts().nth(199).expect("a host address");
    (net.to_string(), ip.to_string())
}

/// Every bad input in the table fails with its documented kind and a message naming the culprit,
/// and the daemon holds no new network or container afterwards.
#[test]
fn bad_inputs_fail_with_kind_and_culprit_and_leave_nothing_behind() {
    let g = Guard::new("bad");
    let c = g.client();

    // The fixture: net_a with a subnet, net_auto without one (the daemon picks it), a running
    // container on net_a with a static address, a running one on net_auto, a stopped one on net_a.
    let (net_a, s) = g.network_with_subnet("a", |s| json!({ "subnet": s.cidr() }));
    let net_auto = g.network("auto", json!({}));
    let taken_ip = s.ip(10);
    let ctr_run = g.container("run", json!({ "networks": { &net_a.name: { "ipv4": taken_ip } } }));
    let ctr_other = g.container("other", json!({ "network": net_auto.name }));
    let ctr_stopped = g.container("stopped", json!({ "network": net_a.name }));
    c.container_stop(&ctr_stopped.name, &StopOptions { timeout: Some(0) }).expect("stop");
    let (_, auto_ip) = first_v4(c, &net_auto.name);
    let (_, bridge_ip) = first_v4(c, "bridge");
    let outside = Subnet { addr: "10.199.0.0".parse().unwrap() }; // outside SUBNET_POOL and net_a
    let missing_net = g.name("missing-net");
    let missing_ctr = g.name("missing-ctr");
    let missing_image = format!("{}-missing-image:latest", g.tag());
    let prefix2 = net_a.id[..2].to_string();
    let host_bits = s.part(5, 24);
    let half = s.part(128, 25);
    let spare = dockernet_tests::free_subnet(); // for a create that must fail for another reason

    let before = g.leftovers();

    let fresh = |what: &str| {
        let n = g.name(what);
        g.track_network(&n);
        n
    };
    let run_named = |what: &str, v: Value| {
        let n = g.name(what);
        g.track_container(&n);
        let mut v = dockernet_tests::with_label(v, g.tag());
        v["name"] = json!(n);
        v.as_object_mut().unwrap().entry("image").or_insert(json!(TEST_IMAGE));
        (n, run_opts(v))
    };
    let labelled = |v: Value| create_opts(dockernet_tests::with_label(v, g.tag()));

    let (run_img_name, run_img) = run_named("img", json!({ "image": missing_image, "network": net_a.name }));
    let (run_miss_name, run_miss) = run_named("miss", json!({ "networks": [net_a.name, missing_net] }));
    let (run_taken_name, run_taken) = run_named(
        "taken",
        json!({ "networks": [ { "name": net_auto.name }, { "name": net_a.name, "ipv4": taken_ip } ] }),
    );
    // The gateway address passes every check before create; the daemon refuses it only at start.
    let gateway_ip = s.ip(1);
    let (run_gw_name, run_gw) = run_named(
        "gw",
        json!({ "networks": [ { "name": net_auto.name }, { "name": net_a.name, "ipv4": gateway_ip } ] }),
    );
    let (run_twice_name, run_twice) = run_named("twice", json!({ "network": net_a.name, "networks": [net_a.name] }));
    let (_, run_outside) = run_named("outside", json!({ "networks": { &net_a.name: { "ipv4": outside.ip(9) } } }));
    let dup_ctr = run_opts(json!({ "image": TEST_IMAGE, "name": ctr_run.name, "labels": g.labels() }));
    let unreachable = BlockingClient::new(Some("unix:///nonexistent.sock")).expect("client (no I/O yet)");

    use ErrorKind::*;
    let mut cases: Vec<Case> = vec![
        // --- network create: addressing, caught before any request
        case("create: subnet is not a CIDR", Invalid, &["subnet", "10.200.0.0/33"], || {
            c.network_create(&fresh("cidr"), &labelled(json!({ "subnet": "10.200.0.0/33" }))).map(drop)
        }),
        case("create: subnet has host bits", Invalid, &["subnet", &host_bits, &s.cidr()], || {
            c.network_create(&fresh("hostbits"), &labelled(json!({ "subnet": host_bits }))).map(drop)
        }),
        case("create: gateway outside the subnet", Invalid, &["gateway", &outside.ip(1)], || {
            c.network_create(&fresh("gw"), &labelled(json!({ "subnet": s.cidr(), "gateway": outside.ip(1) }))).map(drop)
        }),
        case("create: gateway without a subnet", Invalid, &["gateway", &outside.ip(1), "subnet"], || {
            c.network_create(&fresh("gw2"), &labelled(json!({ "gateway": outside.ip(1) }))).map(drop)
        }),
        case("create: gateway is not an address", Invalid, &["gateway", "10.1.2"], || {
            c.network_create(&fresh("gw3"), &labelled(json!({ "subnet": s.cidr(), "gateway": "10.1.2" }))).map(drop)
        }),
        case("create: ip_range outside the subnet", Invalid, &["ip_range", &outside.part(0, 25)], || {
            c.network_create(&fresh("range"), &labelled(json!({ "subnet": s.cidr(), "ip_range": outside.part(0, 25) })))
                .map(drop)
        }),
        case("create: aux address outside the subnet", Invalid, &["aux_addresses.router", &outside.ip(2)], || {
            let o = json!({ "subnet": s.cidr(), "aux_addresses": { "router": outside.ip(2) } });
            c.network_create(&fresh("aux"), &labelled(o)).map(drop)
        }),
        case("create: two overlapping subnets in one request", Invalid, &["overlaps", &s.cidr(), &half], || {
            c.network_create(&fresh("overlap1"), &labelled(json!({ "subnet": [s.cidr(), half] }))).map(drop)
        }),
        // --- network create: against what exists
        case("create: subnet overlaps an existing network", Conflict, &[&s.cidr(), &net_a.name], || {
            c.network_create(&fresh("overlap2"), &labelled(json!({ "subnet": s.cidr() }))).map(drop)
        }),
        case("create: duplicate name", Conflict, &[&net_a.name, "already exists"], || {
            c.network_create(&net_a.name, &labelled(json!({}))).map(drop)
        }),
        case(
            "create: ipv6 without an IPv6 subnet (20.10–26 have no default IPv6 pool)",
            Invalid,
            &["ipv6", "subnet"],
            || c.network_create(&fresh("v6"), &labelled(json!({ "subnet": spare.cidr(), "ipv6": true }))).map(drop),
        ),
        case("create: empty name", Invalid, &["name", "empty"], || {
            c.network_create("", &labelled(json!({}))).map(drop)
        }),
        case("create: blank name", Invalid, &["name", "empty"], || {
            c.network_create("  ", &labelled(json!({}))).map(drop)
        }),
        case("create: predefined name bridge", Forbidden, &["bridge", "predefined"], || {
            c.network_create("bridge", &labelled(json!({}))).map(drop)
        }),
        // --- network rm
        case("rm: predefined network bridge", Forbidden, &["bridge", "pre-defined"], || c.network_rm("bridge")),
        case("rm: network in use", Forbidden, &[&net_a.name, "active endpoints"], || c.network_rm(&net_a.name)),
        case("rm: missing network", NotFound, &[&missing_net], || c.network_rm(&missing_net)),
        // --- network connect
        case(
            "connect: running container already connected",
            Conflict,
            &[&ctr_run.name, &net_a.name, "already connected"],
            || c.network_connect(&net_a.name, &ctr_run.name, &ConnectOptions::default()),
        ),
        case(
            "connect: stopped container already connected",
            Conflict,
            &[&ctr_stopped.name, &net_a.name, "already connected"],
            || c.network_connect(&net_a.name, &ctr_stopped.name, &connect_opts(json!({ "aliases": ["ignored"] }))),
        ),
        case("connect: static IP outside the subnet", Invalid, &["ipv4", &outside.ip(9), &s.cidr()], || {
            c.network_connect(&net_a.name, &ctr_other.name, &connect_opts(json!({ "ipv4": outside.ip(9) })))
        }),
        case("connect: ipv4 given an IPv6 address", Invalid, &["ipv4", "fd00::5"], || {
            c.network_connect(&net_a.name, &ctr_other.name, &connect_opts(json!({ "ipv4": "fd00::5" })))
        }),
        case("connect: ipv4 is not an address", Invalid, &["ipv4", "10.1.2"], || {
            c.network_connect(&net_a.name, &ctr_other.name, &connect_opts(json!({ "ipv4": "10.1.2" })))
        }),
        case("connect: static IP already taken", Conflict, &[&net_a.name, &taken_ip, "already in use"], || {
            c.network_connect(&net_a.name, &ctr_other.name, &connect_opts(json!({ "ipv4": taken_ip })))
        }),
        case("connect: static IP on the default bridge", Invalid, &["bridge", "user defined networks"], || {
            c.network_connect("bridge", &ctr_other.name, &connect_opts(json!({ "ipv4": bridge_ip })))
        }),
        case("connect: to the host network", Invalid, &["host"], || {
            c.network_connect("host", &ctr_other.name, &ConnectOptions::default())
        }),
        case("connect: missing network", NotFound, &[&missing_net], || {
            c.network_connect(&missing_net, &ctr_run.name, &ConnectOptions::default())
        }),
        case("connect: missing network, stopped container", NotFound, &[&missing_net], || {
            c.network_connect(&missing_net, &ctr_stopped.name, &ConnectOptions::default())
        }),
        case("connect: missing container", NotFound, &[&missing_ctr], || {
            c.network_connect(&net_a.name, &missing_ctr, &ConnectOptions::default())
        }),
        // --- network disconnect
        case("disconnect: container not connected", Conflict, &[&ctr_other.name, &net_a.name, "not connected"], || {
            c.network_disconnect(&net_a.name, &ctr_other.name, &DisconnectOptions::default())
        }),
        case("disconnect: missing container", NotFound, &[&missing_ctr], || {
            c.network_disconnect(&net_a.name, &missing_ctr, &DisconnectOptions::default())
        }),
        case("disconnect: missing network", NotFound, &[&missing_net], || {
            c.network_disconnect(&missing_net, &ctr_run.name, &DisconnectOptions::default())
        }),
        // --- network inspect / get
        case("inspect: a 2-character id prefix is not a name", NotFound, &[&prefix2], || {
            c.network_inspect(&prefix2, &InspectOptions::default()).map(drop)
        }),
        case("inspect: missing network", NotFound, &[&missing_net], || {
            c.network_inspect(&missing_net, &InspectOptions::default()).map(drop)
        }),
        case("get: empty name", Invalid, &["name", "empty"], || c.network_get("").map(drop)),
        // --- container run
        case("run: missing image (never pulled)", NotFound, &[&missing_image], || c.container_run(&run_img).map(drop)),
        case("run: second network missing", NotFound, &[&missing_net], || c.container_run(&run_miss).map(drop)),
        case(
            "run: second network's static IP taken by a running container",
            Conflict,
            &[&net_a.name, &taken_ip],
            || c.container_run(&run_taken).map(drop),
        ),
        case(
            "run: second attach fails at the daemon (IP is the gateway), container removed",
            Conflict,
            &[&gateway_ip, "removed"],
            || c.container_run(&run_gw).map(drop),
        ),
        case("run: network given twice", Invalid, &[&net_a.name, "twice"], || c.container_run(&run_twice).map(drop)),
        case("run: static IP outside the subnet", Invalid, &["ipv4", &outside.ip(9)], || {
            c.container_run(&run_outside).map(drop)
        }),
        case("run: empty image", Invalid, &["image"], || c.container_run(&RunOptions::default()).map(drop)),
        case("run: container name in use", Conflict, &[&ctr_run.name, "already in use"], || {
            c.container_run(&dup_ctr).map(drop)
        }),
        // --- other container operations
        case("exec: stopped container", Conflict, &[&ctr_stopped.name, "not running"], || {
            c.container_exec(&ctr_stopped.name, &Command(vec!["true".into()]), &ExecOptions::default()).map(drop)
        }),
        case("exec: empty command", Invalid, &["command", "empty"], || {
            c.container_exec(&ctr_run.name, &Command(vec![]), &ExecOptions::default()).map(drop)
        }),
        case("rm: running container without force", Conflict, &[&ctr_run.name, "running"], || {
            c.container_rm(&ctr_run.name, &RemoveOptions::default())
        }),
        case("rm: missing container", NotFound, &[&missing_ctr], || {
            c.container_rm(&missing_ctr, &RemoveOptions::default())
        }),
        case("stop: missing container", NotFound, &[&missing_ctr], || {
            c.container_stop(&missing_ctr, &StopOptions::default())
        }),
        // --- option tables as the bindings pass them
        case("options: unknown create key", Invalid, &["subnt"], || {
            from_value::<CreateOptions>(json!({ "subnt": s.cidr() }), "network create \"x\"").map(drop)
        }),
        case("options: wrong type", Invalid, &["internal", "yes"], || {
            from_value::<CreateOptions>(json!({ "internal": "yes" }), "network create \"x\"").map(drop)
        }),
        case("options: unknown run key", Invalid, &["imagee"], || {
            from_value::<RunOptions>(json!({ "imagee": TEST_IMAGE }), "container run").map(drop)
        }),
        case("options: unknown connect key inside run networks", Invalid, &["ipv5", &net_a.name], || {
            run_opts(json!({ "image": TEST_IMAGE, "networks": { &net_a.name: { "ipv5": "x" } } }))
                .attachments()
                .map(drop)
        }),
        // --- filters
        case("ls: unknown filter key", Invalid, &["bogus"], || {
            c.network_ls(&filters(json!({ "bogus": "x" }))).map(drop)
        }),
        case("ls: bad type filter value", Invalid, &["type", "foo"], || {
            c.network_ls(&filters(json!({ "type": "foo" }))).map(drop)
        }),
        case("ls: bad dangling filter value", Invalid, &["dangling"], || {
            c.network_ls(&filters(json!({ "dangling": "maybe" }))).map(drop)
        }),
        case("prune: filter key prune does not take", Invalid, &["name"], || {
            let o: PruneOptions =
                from_value(json!({ "filters": { "name": g.tag(), "label": g.label_filter() } }), "t")?;
            c.network_prune(&o).map(drop)
        }),
        case("container ls: unknown filter key", Invalid, &["bogus"], || {
            let o: ContainerListOptions = from_value(json!({ "filters": { "bogus": "x" } }), "t")?;
            c.container_ls(&o).map(drop)
        }),
        // --- no daemon
        case("any call: unreachable daemon", Unavailable, &["/nonexistent.sock", "dockerd"], || {
            unreachable.network_ls(&ListOptions::default()).map(drop)
        }),
    ];
    // Docker ≤24 refuses a static address on a network whose subnet the daemon chose; 25+ allows it
    // (section 2.5), and dockernet cannot tell the two kinds of subnet apart from inspect.
    if c.daemon().expect("daemon").daemon_api < ApiVersion(1, 44) {
        cases.push(case(
            "connect: static IP on a network without a user subnet",
            Invalid,
            &[&net_auto.name, "IP address"],
            || c.network_connect(&net_auto.name, &ctr_run.name, &connect_opts(json!({ "ipv4": auto_ip }))),
        ));
    }
    // Options a pre-28 daemon would silently ignore (the docker CLI sends them anyway): refused,
    // naming the option and the daemon's version.
    let info = c.daemon().expect("daemon");
    let api = info.daemon_api.to_string();
    if info.daemon_api < ApiVersion(1, 48) {
        cases.push(case("connect: gw_priority on a daemon before API 1.48", Invalid, &["gw_priority", &api], || {
            c.network_connect(&net_a.name, &ctr_run.name, &connect_opts(json!({ "gw_priority": 1 })))
        }));
        cases.push(case("create: ipv4=false on a daemon before API 1.48", Invalid, &["ipv4=false", &api], || {
            c.network_create(&fresh("v4off"), &labelled(json!({ "ipv4": false, "ipv6": true, "subnet": "fd00:dead::/64" })))
                .map(drop)
        }));
    }
    assert!(cases.len() >= 25);

    let mut failures = Vec::new();
    for case in &cases {
        match (case.run)() {
            Ok(()) => failures.push(format!("{}: succeeded, expected {}", case.name, case.kind)),
            Err(e) => {
                if e.kind() != case.kind {
                    failures.push(format!("{}: kind {} (expected {}): {e}", case.name, e.kind(), case.kind));
                }
                let lower = e.message().to_lowercase();
                let missing: Vec<&String> =
                    case.needles.iter().filter(|n| !lower.contains(&n.to_lowercase())).collect();
                if !missing.is_empty() {
                    failures.push(format!("{}: message does not name {missing:?}: {e}", case.name));
                }
            }
        }
    }

    // Nothing new on the daemon: the same networks and containers under this test's names and label.
    let after = g.leftovers();
    let (mut b, mut a) = (before.clone(), after.clone());
    b.0.sort();
    b.1.sort();
    a.0.sort();
    a.1.sort();
    if a != b {
        failures.push(format!("the daemon holds new objects: before {b:?}, after {a:?}"));
    }
    for n in [&run_img_name, &run_miss_name, &run_taken_name, &run_gw_name, &run_twice_name] {
        if c.container_get(n).is_ok() {
            failures.push(format!("container {n} exists after a failed run"));
        }
    }
    // The stopped container's aliases were not silently recorded either.
    let doc = c.container_inspect(&ctr_stopped.name).expect("inspect").to_value();
    let aliases = &doc["NetworkSettings"]["Networks"][&net_a.name]["Aliases"];
    if aliases.as_array().into_iter().flatten().any(|a| a == "ignored") {
        failures.push(format!("connect twice on a stopped container changed its aliases: {aliases}"));
    }

    assert!(
        failures.is_empty(),
        "{} of {} bad-input cases failed:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
}

/// Creates objects with `make` until two ids share their first hex digit (pigeonhole: at most 17;
/// usually about 5), and returns that digit.
fn shared_first_digit(mut make: impl FnMut() -> String) -> String {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..17 {
        let first = make().chars().next().expect("an id");
        if !seen.insert(first) {
            return first.to_string();
        }
    }
    unreachable!("17 hex ids always share a first digit")
}

/// A network name that is an ambiguous id prefix (two networks' ids start with it) is still just
/// a name no network has: not_found, not the daemon's "ambiguous" answer.
#[test]
fn ambiguous_network_id_prefix_is_not_found() {
    let g = Guard::new("ambig");
    let c = g.client();
    let prefix = shared_first_digit(|| g.network_with_subnet("p", |s| json!({ "subnet": s.cidr() })).0.id);
    for (op, r) in
        [("inspect", c.network_inspect(&prefix, &InspectOptions::default()).map(drop)), ("rm", c.network_rm(&prefix))]
    {
        let e = r.expect_err("no network is named by a 1-digit prefix");
        assert_eq!(e.kind(), ErrorKind::NotFound, "network {op}: {e}");
        assert!(e.message().contains(&format!("{prefix:?}")), "network {op}: {e}");
    }
}

/// A container name that is an ambiguous id prefix is still just a name no container has:
/// not_found, not the daemon's "multiple IDs found" answer.
#[test]
fn ambiguous_container_id_prefix_is_not_found() {
    let g = Guard::new("ambigc");
    let c = g.client();
    let prefix = shared_first_digit(|| g.container("p", json!({})).id);
    for (op, r) in [
        ("inspect", c.container_inspect(&prefix).map(drop)),
        ("rm", c.container_rm(&prefix, &RemoveOptions { force: true })),
    ] {
        let e = r.expect_err("no container is named by a 1-digit prefix");
        assert_eq!(e.kind(), ErrorKind::NotFound, "container {op}: {e}");
        assert!(e.message().contains(&format!("{prefix:?}")), "container {op}: {e}");
    }
}
