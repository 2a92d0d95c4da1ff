//! Validation of a declared topology: everything that can be checked without the daemon
//! ([`Spec::validate`]). Dangling references (a node on an undeclared network, a route via a node
//! that shares no network), duplicate static addresses, addresses outside their subnet or on its
//! reserved ones, subnets too small for the nodes attached, node names and hostnames the kernel
//! or DNS would refuse, reserved labels, the rules of a lab across hosts, links and
//! expectations. Every problem names its path (`nodes.web.networks.front.ipv4`), all problems
//! are reported together, and all of it happens before the daemon is asked anything.
//!
//! Its own file (not in `spec.rs`, the model): the route checks need `routes.rs`'s model of who
//! forwards to whom, which is built on the model — so the model does not import the routes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use super::spec::*;
use crate::error::{Error, Result};
use crate::address::{static_address, StaticAddress};
use crate::network::Pool;

/// Collects validation problems, each with its path.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, path: impl fmt::Display, msg: impl fmt::Display) {
        self.0.push(format!("{path}: {msg}"));
    }
}

impl Spec {
    /// Checks everything that can be checked without the daemon. All problems are reported in
    /// one [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) error, one line per problem, each
    /// starting with its path (the first `MAX_PROBLEMS_LISTED` of them; the count says how many
    /// there are in all).
    ///
    /// Linear in the size of the declaration (names are looked up through indexes, overlapping
    /// subnets are found by sorting): 64,000 nodes validate in well under a second in a release
    /// build (bench/README.md, scenario 5).
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        self.check_top(&mut p);
        let pools = self.check_networks(&mut p);
        self.check_nodes(&mut p, &pools);
        self.check_capacity(&mut p, &pools);
        self.check_routes(&mut p);
        self.check_hosts(&mut p);
        for (i, e) in self.expect.iter().enumerate() {
            for (field, node) in [("from", &e.from), ("to", &e.to)] {
                if !self.nodes.contains(node) {
                    p.add(format!("expect[{i}].{field}"), format!("node {node:?} is not declared under nodes"));
                }
            }
            if e.from == e.to {
                p.add(format!("expect[{i}]"), "from and to are the same node");
            }
            check_expect(&mut p, i, e);
        }
        if p.0.is_empty() {
            return Ok(());
        }
        let n = p.0.len();
        let mut listed = p.0[..n.min(MAX_PROBLEMS_LISTED)].join("\n  ");
        if n > MAX_PROBLEMS_LISTED {
            listed.push_str(&format!("\n  … and {} more", n - MAX_PROBLEMS_LISTED));
        }
        Err(Error::invalid(format!(
            "topology {:?} is invalid ({n} problem{}):\n  {listed}",
            self.name,
            if n == 1 { "" } else { "s" },
        )))
    }

    fn check_top(&self, p: &mut Problems) {
        if !valid_name(&self.name) {
            p.add(
                "name",
                format!(
                    "{:?} is not a valid name (letters, digits, _ . -; starting with a letter or digit)",
                    self.name
                ),
            );
        }
        if let Some(prefix) = &self.prefix {
            if !prefix.is_empty() && !valid_name(prefix) {
                p.add("prefix", format!("{prefix:?} is not a valid name prefix"));
            }
        }
        match self.pool() {
            Ok(pool) => {
                let size = self.subnet_size();
                if size < pool.prefix_len() || size > 30 {
                    p.add(
                        "subnet_size",
                        format!("{size} must lie between the pool's prefix length ({}) and 30", pool.prefix_len()),
                    );
                }
            }
            Err(e) => p.0.push(e.message().to_string()),
        }
        reserved_labels(p, "", &self.labels);
    }

    /// Checks the networks; returns the address pools of those with explicit subnets (a subnet
    /// each, with the gateway, range and aux addresses that lie in it).
    fn check_networks(&self, p: &mut Problems) -> HashMap<&str, Vec<Pool>> {
        let mut out = HashMap::with_capacity(self.networks.len());
        // Every explicit subnet as an address interval: overlaps are found by sorting them, not by
        // comparing every pair (a thousand networks with subnets made a million comparisons).
        let mut spans: Vec<Span> = Vec::new();
        for (order, (key, n)) in self.networks.iter().enumerate() {
            let path = format!("networks.{key}");
            if !valid_name(key) {
                p.add(&path, format!("{key:?} is not a valid network name"));
            }
            if crate::network::PREDEFINED.contains(&self.network_name(key).as_str()) {
                p.add(&path, "a predefined network cannot be part of a topology");
            }
            match n.pools() {
                Ok(pools) => {
                    spans.extend(pools.iter().map(|pl| Span::new(pl.subnet, order, key)));
                    out.insert(key, pools);
                }
                Err(e) => p.add(&path, e.message()),
            }
            reserved_labels(p, &format!("{path}."), &n.labels);
        }
        // Sweep in address order, keeping the span that reaches furthest: each subnet that starts
        // inside it overlaps it. The problem is reported on the network declared later.
        spans.sort_by_key(|s| (s.v6, s.start, s.order));
        let mut reach: Option<&Span> = None;
        for s in &spans {
            match reach {
                Some(r) if r.v6 == s.v6 && s.start <= r.end => {
                    let (later, earlier) = if s.order > r.order { (s, r) } else { (r, s) };
                    p.add(
                        format!("networks.{}.subnet", later.key),
                        format!("{} overlaps networks.{}.subnet {}", later.net, earlier.key, earlier.net),
                    );
                    if s.end > r.end {
                        reach = Some(s);
                    }
                }
                _ => reach = Some(s),
            }
        }
        out
    }

    fn check_nodes(&self, p: &mut Problems, pools: &HashMap<&str, Vec<Pool>>) {
        let routers = self.routers();
        // (network, address) → the path that claimed it first.
        let mut claimed: HashMap<(&str, IpAddr), String> = HashMap::new();
        for (key, node) in self.nodes.iter() {
            let path = format!("nodes.{key}");
            if !valid_name(key) {
                p.add(&path, format!("{key:?} is not a valid node name"));
            } else if key.chars().count() > MAX_NODE_NAME {
                p.add(
                    &path,
                    format!(
                        "the name is {} characters long; a node's name is its hostname and its DNS name on its \
                         networks, which allow at most {MAX_NODE_NAME}: give a shorter one",
                        key.chars().count()
                    ),
                );
            } else if node.hostname.is_none() {
                if let Some(why) = hostname_problem(key) {
                    p.add(&path, format!("{key:?} cannot be the node's hostname: {why} (rename it or give hostname)"));
                }
            }
            if let Some(h) = &node.hostname {
                if let Some(why) = hostname_problem(h) {
                    p.add(format!("{path}.hostname"), format!("{h:?} is not a valid hostname: {why}"));
                }
            }
            if self.node_image(node).trim().is_empty() {
                p.add(format!("{path}.image"), "no image (give nodes.<name>.image or a topology-wide image)");
            }
            if node.networks.is_empty() {
                p.add(format!("{path}.networks"), "a node needs at least one network");
            }
            reserved_labels(p, &format!("{path}."), &node.labels);
            if routers.contains(key) {
                if let Some(v) = node.sysctls.0.get("net.ipv4.ip_forward") {
                    if v.trim() != "1" {
                        p.add(
                            format!("{path}.sysctls.net.ipv4.ip_forward"),
                            format!("is {v:?}, but routes go via {key}, which must forward (\"1\")"),
                        );
                    }
                }
            }
            for (net, opts) in node.networks.iter() {
                let apath = format!("{path}.networks.{net}");
                if !self.networks.contains(net) {
                    p.add(&apath, format!("network {net:?} is not declared under networks"));
                    continue;
                }
                if let Some(raw) = &opts.link {
                    check_link(p, &format!("{apath}.link"), raw);
                }
                let declared: &[Pool] = pools.get(net).map(Vec::as_slice).unwrap_or(&[]);
                for (field, value, v4) in [("ipv4", &opts.ipv4, true), ("ipv6", &opts.ipv6, false)] {
                    let Some(s) = value else { continue };
                    let fpath = format!("{apath}.{field}");
                    let subnets: Vec<ipnet::IpNet> = declared.iter().map(|pl| pl.subnet).collect();
                    let (ip, pool) = match static_address(s, v4, &subnets) {
                        StaticAddress::In(ip, subnet) => match declared.iter().find(|pl| pl.subnet == subnet) {
                            Some(pool) => (ip, pool),
                            None => continue,
                        },
                        StaticAddress::NotAnAddress => {
                            p.add(&fpath, format!("{s:?} is not an IP address"));
                            continue;
                        }
                        StaticAddress::WrongFamily => {
                            p.add(&fpath, format!("{s:?} is not an {} address", if v4 { "IPv4" } else { "IPv6" }));
                            continue;
                        }
                        StaticAddress::NoSubnet => {
                            p.add(
                                &fpath,
                                format!(
                                    "a static address needs a subnet: give networks.{net}.subnet (an allocated subnet \
                                     is not known in advance)"
                                ),
                            );
                            continue;
                        }
                        StaticAddress::Outside(ip, list) => {
                            let list: Vec<String> = list.iter().map(|n| n.to_string()).collect();
                            p.add(&fpath, format!("{ip} is outside network {net}'s subnet {}", list.join(", ")));
                            continue;
                        }
                    };
                    let holder = &pool.subnet;
                    if v4 && (ip == holder.network() || ip == holder.broadcast()) {
                        p.add(&fpath, format!("{ip} is the network or broadcast address of {holder}"));
                        continue;
                    }
                    if Some(ip) == pool_gateway(pool) {
                        p.add(&fpath, format!("{ip} is network {net}'s gateway"));
                        continue;
                    }
                    if let Some((name, _)) = pool.aux.iter().find(|(_, a)| **a == ip) {
                        p.add(&fpath, format!("{ip} is reserved by networks.{net}.aux_addresses.{name}"));
                        continue;
                    }
                    if let Some(first) = claimed.get(&(net, ip)) {
                        p.add(&fpath, format!("{ip} is also given to {first}"));
                        continue;
                    }
                    claimed.insert((net, ip), fpath);
                }
            }
        }
    }

    /// Refuses a network with more nodes than its IPv4 subnet has addresses for: Docker's IPAM
    /// keeps the network, broadcast and gateway addresses (and aux addresses) for itself, so a
    /// `/30` holds one container. Without this the apply would fail half-way with "no available
    /// IPv4 addresses". Networks whose addresses come from elsewhere (IPv6 only, `config_from`,
    /// another IPAM driver, Docker's own pools) are not judged.
    fn check_capacity(&self, p: &mut Problems, pools: &HashMap<&str, Vec<Pool>>) {
        // Network → its attachments: (node, static IPv4 if valid).
        let mut attached: HashMap<&str, Vec<(&str, Option<IpAddr>)>> = HashMap::new();
        for (key, node) in self.nodes.iter() {
            for (net, opts) in node.networks.iter() {
                let ip = opts.ipv4.as_deref().and_then(|s| s.trim().parse::<IpAddr>().ok()).filter(IpAddr::is_ipv4);
                attached.entry(net).or_default().push((key, ip));
            }
        }
        for (key, n) in self.networks.iter() {
            let Some(nodes) = attached.get(key) else { continue };
            if n.ipam_driver.as_deref().is_some_and(|d| d != "default") {
                continue;
            }
            let given: Vec<&Pool> =
                pools.get(key).map(|v| v.iter().filter(|pl| pl.subnet.addr().is_ipv4()).collect()).unwrap_or_default();
            let count = nodes.len();
            if given.is_empty() {
                // Allocated from the pool, at subnet_size: known before the daemon is asked.
                let allocated =
                    n.subnet.is_empty() && n.ipv4 != Some(false) && n.config_from.is_none() && !n.config_only;
                let size = self.subnet_size();
                if !allocated || size > 32 {
                    continue;
                }
                let room = (1u64 << (32 - u32::from(size))).saturating_sub(3);
                if count as u64 > room {
                    let fits = (0..=30u8).rev().find(|s| (1u64 << (32 - u32::from(*s))) - 3 >= count as u64);
                    p.add(
                        format!("networks.{key}"),
                        format!(
                            "its subnet is allocated at subnet_size /{size}, which has room for {room} container \
                             address{} (network, broadcast and gateway are reserved), but {count} nodes are attached \
                             ({}): give a subnet_size{} or an explicit networks.{key}.subnet",
                            plural(room),
                            node_list(nodes.iter().map(|(k, _)| *k)),
                            fits.map(|s| format!(" of {s} or less")).unwrap_or_default(),
                        ),
                    );
                }
                continue;
            }
            let mut room = 0u64;
            let mut total = 0u64;
            let mut aux = 0usize;
            let mut dynamic_room = 0u64;
            let mut ranges = Vec::new();
            for pl in &given {
                let size = addresses(&pl.subnet);
                let mut reserved: BTreeSet<IpAddr> = [pl.subnet.network(), pl.subnet.broadcast()].into();
                reserved.extend(pool_gateway(pl));
                let before = reserved.len();
                reserved.extend(pl.aux.values().filter(|a| pl.subnet.contains(*a)));
                aux += reserved.len() - before;
                total += size;
                let usable = size.saturating_sub(reserved.len() as u64);
                room += usable;
                let statics: BTreeSet<IpAddr> =
                    nodes.iter().filter_map(|(_, ip)| *ip).filter(|ip| pl.subnet.contains(ip)).collect();
                dynamic_room += match pl.ip_range {
                    Some(r) => {
                        ranges.push(r.to_string());
                        let taken = reserved.iter().chain(&statics).filter(|a| r.contains(*a)).count() as u64;
                        addresses(&r).saturating_sub(taken)
                    }
                    None => usable.saturating_sub(statics.iter().filter(|a| !reserved.contains(*a)).count() as u64),
                };
            }
            let subnets: Vec<String> = given.iter().map(|pl| pl.subnet.to_string()).collect();
            if count as u64 > room {
                let aux = if aux == 0 { String::new() } else { format!(", {aux} aux address{}", plural(aux as u64)) };
                p.add(
                    format!("networks.{key}.subnet"),
                    format!(
                        "{} {} room for {room} container address{} ({total} addresses less network, broadcast, \
                         gateway{aux}) but {count} nodes are attached ({}): give a larger subnet",
                        subnets.join(", "),
                        if subnets.len() == 1 { "has" } else { "have" },
                        plural(room),
                        node_list(nodes.iter().map(|(k, _)| *k)),
                    ),
                );
                continue;
            }
            let dynamic = nodes.iter().filter(|(_, ip)| ip.is_none()).count() as u64;
            if !ranges.is_empty() && dynamic > dynamic_room {
                p.add(
                    format!("networks.{key}.ip_range"),
                    format!(
                        "{} {} room for {dynamic_room} address{} given out by Docker but {dynamic} nodes without a \
                         static ipv4 are attached ({}): give a larger ip_range, or static addresses",
                        ranges.join(", "),
                        if ranges.len() == 1 { "has" } else { "have" },
                        plural(dynamic_room),
                        node_list(nodes.iter().filter(|(_, ip)| ip.is_none()).map(|(k, _)| *k)),
                    ),
                );
            }
        }
    }

    fn check_routes(&self, p: &mut Problems) {
        let model = super::routes::Model::new(self);
        // Where each (node, network) walk ends, shared by every route: a chain of routers is
        // walked once, not once per route that uses it.
        let mut forwards = HashMap::new();
        for (key, node) in self.nodes.iter() {
            let mut seen = HashSet::new();
            for (i, r) in node.routes.iter().enumerate() {
                let path = format!("nodes.{key}.routes[{i}]");
                let mut ok = true;
                if !self.networks.contains(&r.to) {
                    p.add(format!("{path}.to"), format!("network {:?} is not declared under networks", r.to));
                    ok = false;
                }
                if !self.nodes.contains(&r.via) {
                    p.add(format!("{path}.via"), format!("node {:?} is not declared under nodes", r.via));
                    ok = false;
                }
                if !ok {
                    continue;
                }
                if !seen.insert(r.to.as_str()) {
                    p.add(format!("{path}.to"), format!("a second route to network {:?}", r.to));
                    continue;
                }
                if r.via == key {
                    p.add(format!("{path}.via"), "a node cannot route via itself");
                    continue;
                }
                if node.networks.contains(&r.to) {
                    p.add(
                        format!("{path}.to"),
                        format!("{key} is attached to network {:?} itself; it needs no route", r.to),
                    );
                    continue;
                }
                if model.link(key, &r.via, &r.to).is_none() {
                    p.add(
                        format!("{path}.via"),
                        format!(
                            "node {:?} shares no network with {key} (a next hop must be on a network of the node)",
                            r.via
                        ),
                    );
                    continue;
                }
                if !model.forwards_to_cached(&r.via, &r.to, &mut forwards) {
                    p.add(
                        format!("{path}.via"),
                        format!(
                            "node {:?} is not on network {:?} and has no route to it (or the routes loop)",
                            r.via, r.to
                        ),
                    );
                }
            }
        }
    }
}

impl Spec {
    /// The rules of a lab across hosts (see [`super::hosts`]): every node on a declared host (named
    /// when there are several), a swarm manager that is a host, a network used on several hosts
    /// an overlay, routes only via a node on the same host.
    fn check_hosts(&self, p: &mut Problems) {
        if self.hosts.is_empty() {
            for (key, node) in self.nodes.iter() {
                if let Some(h) = &node.host {
                    p.add(format!("nodes.{key}.host"), format!("{h:?}: the topology declares no hosts (add hosts: {{{h}: {{host: …}}}})"));
                }
            }
            if self.swarm.is_some() {
                p.add("swarm", "a swarm needs hosts: declare the daemons under hosts");
            }
            return;
        }
        for (key, h) in self.hosts.iter() {
            let path = format!("hosts.{key}");
            if !valid_name(key) {
                p.add(&path, format!("{key:?} is not a valid host name (letters, digits, _ . -)"));
            }
            if h.host.is_some() && h.context.is_some() {
                p.add(&path, "give host or context, not both");
            }
            if let Some(url) = &h.host {
                if let Err(e) = crate::host::Host::parse(url, &format!("{path}.host"), None) {
                    p.add(format!("{path}.host"), e.message());
                }
            }
            if h.tls.is_some() && h.host.as_deref().is_none_or(|u| !u.starts_with("tcp://")) {
                p.add(format!("{path}.tls"), "TLS files go with a tcp:// host");
            }
            if let Some(a) = &h.advertise_addr {
                let ip = a.rsplit_once(':').map(|(ip, _)| ip).unwrap_or(a);
                if ip.parse::<IpAddr>().is_err() {
                    p.add(format!("{path}.advertise_addr"), format!("{a:?} is not an IP address (or IP:port)"));
                }
            }
        }
        if let Some(sw) = &self.swarm {
            if !self.hosts.contains(&sw.manager) {
                p.add("swarm.manager", format!("{:?} is not declared under hosts", sw.manager));
            }
        }
        let several = self.hosts.len() > 1;
        for (key, node) in self.nodes.iter() {
            match &node.host {
                Some(h) if !self.hosts.contains(h) => {
                    p.add(format!("nodes.{key}.host"), format!("{h:?} is not declared under hosts"));
                }
                None if several => p.add(
                    format!("nodes.{key}.host"),
                    format!("the topology declares {} hosts: say which one runs this node", self.hosts.len()),
                ),
                _ => {}
            }
        }
        let place = |key: &str| self.node_host(key);
        let spans = self.hosts_by_network();
        for (key, n) in self.networks.iter() {
            let on: Vec<&str> = spans.get(key).map(|s| s.iter().copied().collect()).unwrap_or_default();
            if on.len() > 1 {
                if let Some(d) = n.driver.as_deref().filter(|d| *d != "overlay") {
                    p.add(
                        format!("networks.{key}.driver"),
                        format!(
                            "{d:?}: the network is used on hosts {}, so it must be an overlay (leave driver out, \
                             or say overlay)",
                            on.join(", ")
                        ),
                    );
                }
            }
        }
        for (key, node) in self.nodes.iter() {
            for (i, r) in node.routes.iter().enumerate() {
                if self.nodes.contains(&r.via) && place(&r.via) != place(key) {
                    p.add(
                        format!("nodes.{key}.routes[{i}].via"),
                        format!(
                            "node {:?} runs on host {}, {key} on host {}: routes go via a node on the same host",
                            r.via,
                            place(&r.via).unwrap_or("?"),
                            place(key).unwrap_or("?")
                        ),
                    );
                }
            }
        }
    }

    /// The host (a key of `hosts`) that runs node `key`: its `host`, or the only host. `None`
    /// for a single-daemon topology.
    pub fn node_host(&self, key: &str) -> Option<&str> {
        let node = self.nodes.get(key)?;
        match &node.host {
            Some(h) => Some(h.as_str()),
            None if self.hosts.len() == 1 => self.hosts.names().next(),
            None => None,
        }
    }

    /// For each network some node uses, the hosts of those nodes (empty for a single-daemon
    /// topology). One pass over the attachments.
    pub fn hosts_by_network(&self) -> BTreeMap<&str, BTreeSet<&str>> {
        let mut out: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (k, n) in self.nodes.iter() {
            if let Some(h) = self.node_host(k) {
                for net in n.networks.names() {
                    out.entry(net).or_default().insert(h);
                }
            }
        }
        out
    }
}

/// Checks a `link:` table, reporting a bad key at its own path (`….link.loss: expected …`).
fn check_link(p: &mut Problems, path: &str, raw: &LinkSpec) {
    if let Err(e) = crate::impair::Impairment::from_value(raw.to_value(), path) {
        // The impairment's messages read `<what>: option <key>: <problem>`; a path reads better.
        let m = e.message();
        let rest = m.strip_prefix(path).and_then(|r| r.strip_prefix(": ")).unwrap_or(m);
        match rest.strip_prefix("option ").and_then(|r| r.split_once(": ")) {
            Some((key, problem)) => p.add(format!("{path}.{key}"), problem),
            None => p.add(path, rest),
        }
    }
}

/// Checks what an expectation asks of the measured link.
fn check_expect(p: &mut Problems, i: usize, e: &Expect) {
    if e.reach.is_none() && e.rtt_ms.is_none() && e.loss_pct.is_none() && e.count.is_none() {
        p.add(format!("expect[{i}]"), "says nothing to check: give reach, rtt_ms, loss_pct or count");
    }
    if e.reach == Some(false) {
        for (field, b) in [("rtt_ms", &e.rtt_ms), ("loss_pct", &e.loss_pct)] {
            if b.is_some() {
                p.add(format!("expect[{i}].{field}"), "a pair expected unreachable has nothing to measure (drop reach = false)");
            }
        }
    }
    for (field, b, top) in [("rtt_ms", &e.rtt_ms, f64::INFINITY), ("loss_pct", &e.loss_pct, 100.0)] {
        let Some(b) = b else { continue };
        for (k, v) in [("min", b.min), ("max", b.max)] {
            if let Some(v) = v {
                if !v.is_finite() || v < 0.0 || v > top {
                    let range = if top.is_finite() { "from 0 to 100" } else { "of 0 or more" };
                    p.add(format!("expect[{i}].{field}.{k}"), format!("{v} is not a number {range}"));
                }
            }
        }
        match (b.min, b.max) {
            (None, None) => p.add(format!("expect[{i}].{field}"), "give min, max or both"),
            (Some(a), Some(z)) if a > z => p.add(format!("expect[{i}].{field}"), format!("min {a} is more than max {z}")),
            _ => {}
        }
    }
    if let Some(c) = e.count {
        if c == 0 || c > MAX_PING_COUNT {
            p.add(format!("expect[{i}].count"), format!("{c} is not from 1 to {MAX_PING_COUNT}"));
        }
    }
}

/// How many problems a validation error lists (the count covers them all): a generated topology
/// with a mistake repeated on 100,000 nodes gets a readable message, not megabytes.
pub const MAX_PROBLEMS_LISTED: usize = 100;

/// The longest node name: a node's name is its hostname (unless `hostname` is given) and its DNS
/// name on each of its networks, and a DNS label holds at most 63 characters.
pub const MAX_NODE_NAME: usize = 63;

/// The longest hostname Linux accepts (`HOST_NAME_MAX`): with 65 bytes, Docker 20.10 creates the
/// container and then fails to start it (`sethostname: invalid argument`).
const MAX_HOSTNAME: usize = 64;

/// Why `h` cannot be a hostname, or `None`: at most 64 bytes, dot-separated labels of letters,
/// digits, `-` and `_` (which Docker accepts, though RFC 1123 does not), none empty, none longer
/// than 63 characters or starting or ending with `-`.
pub(crate) fn hostname_problem(h: &str) -> Option<String> {
    if h.is_empty() {
        return Some("it is empty (leave hostname out to use the node's name)".into());
    }
    if h.len() > MAX_HOSTNAME {
        return Some(format!("it is {} bytes long; Linux allows at most {MAX_HOSTNAME}", h.len()));
    }
    for label in h.split('.') {
        if label.is_empty() {
            return Some("it has an empty label (two dots in a row, or a dot at either end)".into());
        }
        if let Some(c) = label.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))) {
            return Some(format!("{c:?} is not allowed (letters, digits, '-', '_' and '.' are)"));
        }
        if label.len() > 63 {
            return Some(format!("the label {label:?} is {} characters long; at most 63", label.len()));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some(format!("the label {label:?} starts or ends with '-'"));
        }
    }
    None
}

/// `nodes.a, nodes.b, nodes.c, nodes.d, nodes.e, …`: the first five, for messages.
fn node_list<'x>(mut it: impl Iterator<Item = &'x str>) -> String {
    let mut v: Vec<String> = it.by_ref().take(5).map(|k| format!("nodes.{k}")).collect();
    if it.next().is_some() {
        v.push("…".to_string());
    }
    v.join(", ")
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "es"
    }
}

/// How many addresses a subnet spans (IPv6 ones capped at 2^64, plenty for any count of nodes).
fn addresses(net: &IpNet) -> u64 {
    let host_bits = u32::from(net.max_prefix_len() - net.prefix_len());
    if host_bits >= 64 {
        u64::MAX
    } else {
        1u64 << host_bits
    }
}

/// An explicit subnet as an address interval, for the overlap sweep.
struct Span<'a> {
    v6: bool,
    start: u128,
    end: u128,
    order: usize,
    key: &'a str,
    net: IpNet,
}

impl<'a> Span<'a> {
    fn new(net: IpNet, order: usize, key: &'a str) -> Span<'a> {
        let (v6, start, end) = match net {
            IpNet::V4(n) => (false, u128::from(u32::from(n.network())), u128::from(u32::from(n.broadcast()))),
            IpNet::V6(n) => (true, u128::from(n.network()), u128::from(n.broadcast())),
        };
        Span { v6, start, end, order, key, net }
    }
}

/// The gateway of an IPv4 pool: the one declared, else what Docker's IPAM takes for itself —
/// the first address of the pool's `ip_range` (of the subnet when there is none) that is not the
/// subnet's network address. Checked against Docker 20.10: subnet `10.1.0.0/24` with range
/// `10.1.0.128/30` gets gateway `10.1.0.128` and room for three containers; with range
/// `10.1.0.0/30`, gateway `10.1.0.1` and room for two.
/// The reserved-label rule, for the topology's, each network's and each node's labels: keys
/// starting with `dockernet.topology` say who owns an object and cannot be declared.
fn reserved_labels(p: &mut Problems, path: &str, labels: &crate::options::StringMap) {
    for k in labels.0.keys().filter(|k| k.starts_with(LABEL)) {
        p.add(format!("{path}labels.{k}"), format!("keys starting with {LABEL:?} are reserved for ownership"));
    }
}

fn pool_gateway(pool: &Pool) -> Option<IpAddr> {
    if pool.gateway.is_some() {
        return pool.gateway;
    }
    let IpNet::V4(subnet) = pool.subnet else { return None };
    if subnet.prefix_len() >= 31 {
        return None;
    }
    let start = match pool.ip_range {
        Some(IpNet::V4(range)) => range.network(),
        _ => subnet.network(),
    };
    let first = if start == subnet.network() { u32::from(start) + 1 } else { u32::from(start) };
    Some(IpAddr::V4(std::net::Ipv4Addr::from(first)))
}
