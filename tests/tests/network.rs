//! Network operations against a real daemon: create (every addressing option, read back from
//! inspect), get, ls filters, connect (aliases, static address) as seen by container inspect and
//! `container_interfaces`, disconnect, rm, prune by label, and the containers of a network.
//!
//! Bad input lives in `bad_input.rs`; container operations in `container.rs`.

use dockernet_core::container::{Command, ExecOptions, Interface, StopOptions};
use dockernet_core::network::{ConnectOptions, DisconnectOptions, InspectOptions, ListOptions, PruneOptions};
use dockernet_core::options::from_value;
use dockernet_core::{BlockingClient, ErrorKind};
use dockernet_tests::{free_subnet6, prune_networks, Guard, LABEL, Values};
use serde_json::{json, Value};

fn list(c: &BlockingClient, filters: Value) -> Vec<String> {
    let opts: ListOptions = from_value(json!({ "filters": filters }), "test").expect("list options");
    c.network_ls(&opts).expect("network ls").iter().map(|d| d.str_field("Name")).collect()
}

fn inspect(c: &BlockingClient, name: &str) -> Value {
    c.network_inspect(name, &InspectOptions::default()).expect("network inspect").to_value()
}

fn connect(c: &BlockingClient, net: &str, ctr: &str, opts: Value) {
    let opts: ConnectOptions = from_value(opts, "test").expect("connect options");
    c.network_connect(net, ctr, &opts).unwrap_or_else(|e| panic!("connect {net} {ctr}: {e}"));
}

fn iface<'a>(ifaces: &'a [Interface], network: &str) -> &'a Interface {
    ifaces.iter().find(|i| i.network == network).unwrap_or_else(|| panic!("no interface on {network}: {ifaces:#?}"))
}

/// A network created with every addressing option (two subnets, gateway, range, aux address,
/// IPv6, internal, attachable, labels, driver options) reads each of them back from inspect.
#[test]
fn create_reads_back_every_option() {
    let g = Guard::new("create");
    let c = g.client();
    let v6 = free_subnet6();
    let v6_gw = v6.replace("::/64", "::1");
    let (net, s) = g.network_with_subnet("all", |s| {
        json!({
            "driver": "bridge",
            "subnet": [s.cidr(), v6],
            "gateway": [s.ip(254), v6_gw],
            "ip_range": s.part(128, 25),
            "aux_addresses": { "router": s.ip(2) },
            "ipv6": true,
            "internal": true,
            "attachable": true,
            "labels": { "tier": "db" },
            "options": { "com.docker.network.driver.mtu": "1450" },
            "ipam_driver": "default",
        })
    });
    assert_eq!(net.id.len(), 64, "{net:?}");
    assert!(net.name.starts_with(g.tag()));
    assert_eq!(net.driver, "bridge");
    assert_eq!(net.warning, None);

    let doc = inspect(c, &net.name);
    assert_eq!(doc["Id"], json!(net.id));
    assert_eq!(doc["Name"], json!(net.name));
    assert_eq!(doc["Driver"], json!("bridge"));
    assert_eq!(doc["Scope"], json!("local"));
    assert_eq!(doc["Internal"], json!(true));
    assert_eq!(doc["Attachable"], json!(true));
    assert_eq!(doc["EnableIPv6"], json!(true));
    assert_eq!(doc["Labels"]["tier"], json!("db"));
    assert_eq!(doc["Labels"][LABEL], json!(g.tag()));
    assert_eq!(doc["Options"]["com.docker.network.driver.mtu"], json!("1450"));
    assert_eq!(doc["IPAM"]["Driver"], json!("default"));
    let config = doc["IPAM"]["Config"].as_array().expect("IPAM.Config");
    assert_eq!(config.len(), 2, "{config:?}");
    let v4 = config.iter().find(|p| p["Subnet"] == json!(s.cidr())).expect("the IPv4 pool");
    assert_eq!(v4["Gateway"], json!(s.ip(254)));
    assert_eq!(v4["IPRange"], json!(s.part(128, 25)));
    assert_eq!(v4["AuxiliaryAddresses"]["router"], json!(s.ip(2)));
    let v6pool = config.iter().find(|p| p["Subnet"] == json!(v6)).expect("the IPv6 pool");
    assert_eq!(v6pool["Gateway"], json!(v6_gw));

    // A container on it gets an address from the range, never the aux address.
    let ctr = g.container("c", json!({ "network": net.name }));
    let ifaces = c.container_interfaces(&ctr.name).expect("interfaces");
    let ip = iface(&ifaces, &net.name).ipv4.clone().expect("an IPv4 address");
    let last: u8 = ip.trim_end_matches("/24").rsplit('.').next().unwrap().parse().unwrap();
    assert!(ip.ends_with("/24") && last >= 128, "address {ip} should come from {}", s.part(128, 25));
    assert_eq!(iface(&ifaces, &net.name).gateway.as_deref(), Some(s.ip(254).as_str()));
    assert!(iface(&ifaces, &net.name).ipv6.as_deref().is_some_and(|a| a.ends_with("/64")), "{ifaces:#?}");
}

/// `get` finds a network by name, full id and 12-character short id, all to the same identity.
#[test]
fn get_by_name_id_and_short_id() {
    let g = Guard::new("get");
    let c = g.client();
    let (net, _) = g.network_with_subnet("n", |s| json!({ "subnet": s.cidr() }));
    let by_name = c.network_get(&net.name).expect("get by name");
    let by_id = c.network_get(&net.id).expect("get by id");
    let by_short = c.network_get(&net.id[..12]).expect("get by short id");
    assert_eq!(by_name.id, net.id);
    assert_eq!(by_name.name, net.name);
    assert_eq!(by_name.driver, "bridge");
    assert_eq!(by_id, by_name);
    assert_eq!(by_short, by_name);
    assert_eq!(inspect(c, &net.id[..12])["Name"], json!(net.name));
    let e = c.network_get(&g.name("nope")).expect_err("a missing network");
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
}

/// `ls` filters by label, name (exact with ^…$, else as a regex), id, driver, type and dangling,
/// and returns the daemon's documents sorted by name.
#[test]
fn ls_filters() {
    let g = Guard::new("ls");
    let c = g.client();
    let (n1, _) = g.network_with_subnet("one", |s| json!({ "subnet": s.cidr() }));
    let (n2, _) = g.network_with_subnet("two", |s| json!({ "subnet": s.cidr(), "labels": { "role": "spare" } }));
    g.container("c", json!({ "network": n1.name }));
    let mine = g.label_filter();
    let both = vec![n1.name.clone(), n2.name.clone()];

    assert_eq!(list(c, json!({ "label": mine })), both, "label filter, sorted by name");
    assert_eq!(list(c, json!({ "label": ["role=spare"], "name": g.tag() })), [n2.name.as_str()]);
    assert_eq!(list(c, json!({ "name": format!("^{}$", n1.name) })), [n1.name.as_str()]);
    assert_eq!(list(c, json!({ "name": g.tag() })), both, "name is an unanchored regex");
    assert_eq!(list(c, json!({ "id": n2.id })), [n2.name.as_str()]);
    assert_eq!(list(c, json!({ "id": &n2.id[..12] })), [n2.name.as_str()]);
    assert_eq!(list(c, json!({ "label": mine, "driver": "bridge" })), both);
    assert!(list(c, json!({ "label": mine, "driver": "null" })).is_empty());
    assert_eq!(list(c, json!({ "label": mine, "type": "custom" })), both);
    assert_eq!(list(c, json!({ "type": "builtin" })), ["bridge", "host", "none"]);
    // Dangling: never a predefined network, always an unused one. Whether a network in use counts
    // depends on the daemon: 20.10's list never fills `Containers`, so there `dangling=true` is
    // "not predefined" (n1 too). Prune, which counts endpoints, is the reliable test of use.
    let dangling = list(c, json!({ "dangling": "true" }));
    assert!(dangling.contains(&n2.name) && !dangling.iter().any(|n| ["bridge", "host", "none"].contains(&n.as_str())));
    assert!(!list(c, json!({ "label": mine, "dangling": "false" })).contains(&n2.name));
    // The documents are the daemon's own.
    let docs: Vec<Value> = c
        .network_ls(&from_value(json!({ "filters": { "id": n1.id } }), "t").unwrap())
        .unwrap()
        .iter()
        .map(dockernet_core::Document::to_value)
        .collect();
    assert_eq!(docs[0]["Id"], json!(n1.id));
    assert!(docs[0]["IPAM"]["Config"].is_array());
}

/// Connecting a running container with aliases and a static address shows both in container
/// inspect, network inspect and `container_interfaces` (eth1, default route moved to the network
/// whose name sorts first), and the alias resolves for a neighbour.
#[test]
fn connect_with_aliases_and_static_ip() {
    let g = Guard::new("connect");
    let c = g.client();
    // Names decide the default route on 20.10 (byte-wise name order): "b-…" sorts before "z-…".
    let (home, _) = g.network_with_subnet("z-home", |s| json!({ "subnet": s.cidr() }));
    let (extra, s2) = g.network_with_subnet("b-extra", |s| json!({ "subnet": s.cidr() }));
    assert!(extra.name < home.name);
    let ctr = g.container("c", json!({ "network": home.name }));

    let before = c.container_interfaces(&ctr.name).expect("interfaces");
    assert_eq!(before.len(), 1, "{before:#?}");
    assert_eq!(before[0].ifname.as_deref(), Some("eth0"));
    assert_eq!(before[0].default_route, Some(true));

    connect(c, &extra.name, &ctr.name, json!({ "aliases": ["db", "cache"], "ipv4": s2.ip(77) }));

    let doc = c.container_inspect(&ctr.name).expect("container inspect").to_value();
    let ep = &doc["NetworkSettings"]["Networks"][&extra.name];
    assert_eq!(ep["IPAMConfig"]["IPv4Address"], json!(s2.ip(77)), "{ep}");
    assert_eq!(ep["IPAddress"], json!(s2.ip(77)));
    assert_eq!(ep["NetworkID"], json!(extra.id));
    let aliases: Vec<&str> = ep["Aliases"].as_array().expect("aliases").iter().filter_map(Value::as_str).collect();
    assert!(aliases.contains(&"db") && aliases.contains(&"cache"), "{aliases:?}");

    let net_doc = inspect(c, &extra.name);
    assert_eq!(net_doc["Containers"][&ctr.id]["IPv4Address"], json!(format!("{}/24", s2.ip(77))), "{net_doc}");

    let ifaces = c.container_interfaces(&ctr.name).expect("interfaces");
    assert_eq!(ifaces.len(), 2, "{ifaces:#?}");
    let (h, x) = (iface(&ifaces, &home.name), iface(&ifaces, &extra.name));
    assert_eq!(h.ifname.as_deref(), Some("eth0"));
    assert_eq!(x.ifname.as_deref(), Some("eth1"));
    assert_eq!(ifaces[0].network, home.name, "sorted by interface name");
    assert_eq!(x.ipv4, Some(format!("{}/24", s2.ip(77))));
    assert_eq!(x.gateway, Some(s2.ip(1)));
    assert_eq!(x.network_id, extra.id);
    assert!(x.mac.is_some());
    assert!(x.aliases.contains(&"db".to_string()) && x.aliases.contains(&"cache".to_string()), "{x:?}");
    assert!(!x.aliases.contains(&ctr.id[..12].to_string()), "the daemon's short-id alias is not the user's");
    assert_eq!((x.default_route, h.default_route), (Some(true), Some(false)), "{ifaces:#?}");

    // The alias answers on that network (embedded DNS), and only there.
    let peer = g.container("peer", json!({ "network": extra.name }));
    let ping = |target: &str| {
        let cmd = Command(vec!["ping".into(), "-c".into(), "1".into(), "-W".into(), "2".into(), target.into()]);
        c.container_exec(&peer.name, &cmd, &ExecOptions::default()).expect("exec ping")
    };
    let out = ping("db");
    assert_eq!(out.exit_code, 0, "{out:?}");
    assert!(out.stdout_text().contains(&s2.ip(77)), "{out:?}");
}

/// Disconnecting removes the attachment from container inspect, network inspect and the
/// interfaces, and the default route returns to the remaining network.
#[test]
fn disconnect_removes_the_attachment() {
    let g = Guard::new("disconnect");
    let c = g.client();
    let (home, _) = g.network_with_subnet("z-home", |s| json!({ "subnet": s.cidr() }));
    let (extra, _) = g.network_with_subnet("b-extra", |s| json!({ "subnet": s.cidr() }));
    let ctr = g.container("c", json!({ "networks": [home.name, extra.name] }));
    assert_eq!(c.container_interfaces(&ctr.name).expect("interfaces").len(), 2);

    c.network_disconnect(&extra.name, &ctr.name, &DisconnectOptions::default()).expect("disconnect");

    let doc = c.container_inspect(&ctr.name).expect("inspect").to_value();
    let nets = doc["NetworkSettings"]["Networks"].as_object().expect("networks");
    assert_eq!(nets.keys().collect::<Vec<_>>(), [&home.name]);
    assert_eq!(inspect(c, &extra.name)["Containers"], json!({}));
    let ifaces = c.container_interfaces(&ctr.name).expect("interfaces");
    assert_eq!(ifaces.len(), 1, "{ifaces:#?}");
    assert_eq!(ifaces[0].network, home.name);
    assert_eq!(ifaces[0].default_route, Some(true));
    let out = c
        .container_exec(&ctr.name, &Command(vec!["ls".into(), "/sys/class/net".into()]), &ExecOptions::default())
        .expect("exec");
    assert_eq!(out.stdout_text().split_whitespace().filter(|i| i.starts_with("eth")).count(), 1, "{out:?}");

    // A stopped container can be disconnected too (its saved config changes).
    c.container_stop(&ctr.name, &StopOptions { timeout: Some(0) }).expect("stop");
    c.network_disconnect(&home.name, &ctr.name, &DisconnectOptions::default()).expect("disconnect stopped");
    let doc = c.container_inspect(&ctr.name).expect("inspect").to_value();
    assert!(doc["NetworkSettings"]["Networks"].get(&home.name).is_none(), "{}", doc["NetworkSettings"]["Networks"]);
}

/// `rm` removes a network given by name or by id; afterwards it is not found.
#[test]
fn rm_by_name_and_by_id() {
    let g = Guard::new("rm");
    let c = g.client();
    let (a, _) = g.network_with_subnet("a", |s| json!({ "subnet": s.cidr() }));
    let (b, _) = g.network_with_subnet("b", |s| json!({ "subnet": s.cidr() }));
    c.network_rm(&a.name).expect("rm by name");
    c.network_rm(&b.id).expect("rm by id");
    for n in [&a.name, &b.name] {
        assert_eq!(c.network_get(n).expect_err("removed").kind(), ErrorKind::NotFound);
    }
    assert!(list(c, json!({ "label": g.label_filter() })).is_empty());
}

/// Prune with this test's label removes only this test's unused networks: not its network in
/// use, and not another test's unused network.
#[test]
fn prune_by_label_removes_only_own_unused_networks() {
    let g = Guard::new("prune");
    let other = Guard::new("prune-other");
    let c = g.client();
    let (unused, _) = g.network_with_subnet("unused", |s| json!({ "subnet": s.cidr() }));
    let (used, _) = g.network_with_subnet("used", |s| json!({ "subnet": s.cidr() }));
    let (foreign, _) = other.network_with_subnet("foreign", |s| json!({ "subnet": s.cidr() }));
    g.container("c", json!({ "network": used.name }));

    let opts: PruneOptions = from_value(json!({ "filters": { "label": g.label_filter() } }), "t").unwrap();
    let pruned = prune_networks(c, &opts).expect("prune");
    assert_eq!(pruned, [unused.name.as_str()]);
    assert_eq!(c.network_get(&unused.name).expect_err("pruned").kind(), ErrorKind::NotFound);
    c.network_get(&used.name).expect("in use: kept");
    c.network_get(&foreign.name).expect("another test's: kept");

    // Nothing left to prune: an empty list, not an error.
    assert_eq!(prune_networks(c, &opts).expect("prune again"), Vec::<String>::new());
}

/// `network_containers` lists a network's containers, stopped ones included (network inspect
/// shows only running ones).
#[test]
fn containers_of_a_network_include_stopped_ones() {
    let g = Guard::new("members");
    let c = g.client();
    let (net, _) = g.network_with_subnet("n", |s| json!({ "subnet": s.cidr() }));
    let running = g.container("up", json!({ "network": net.name }));
    let stopped = g.container("down", json!({ "network": net.name }));
    c.container_stop(&stopped.name, &StopOptions { timeout: Some(0) }).expect("stop");

    let members = c.network_containers(&net.name).expect("network containers").values();
    let mut member_ids: Vec<String> = members.iter().map(|d| d["Id"].as_str().unwrap().to_string()).collect();
    member_ids.sort();
    let mut expected = vec![running.id.clone(), stopped.id.clone()];
    expected.sort();
    assert_eq!(member_ids, expected, "{members:#?}");
    let in_inspect: Vec<String> = inspect(c, &net.name)["Containers"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(in_inspect, [running.id.as_str()]);
}
