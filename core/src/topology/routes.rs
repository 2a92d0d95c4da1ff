//! Routes between a topology's networks: the commands that install them inside a node, reading
//! them back from `ip route`, and the forwarding model that says which pairs of nodes should
//! reach each other.
//!
//! A route `{to = "back", via = "router"}` on node `client` becomes, inside `client`,
//! `ip route replace <subnet of back> via <router's address on the network they share>`
//! (`replace` is `add` that can be run again). The node needs `NET_ADMIN` (added automatically),
//! and the router forwards (`net.ipv4.ip_forward=1`, added automatically).
//!
//! The model follows the kernel and Docker's bridge driver on one host:
//! - nodes on a common network reach each other directly;
//! - otherwise a packet follows the sender's route to the target's network, hop by hop, and the
//!   reply must find its own way back the same way (a route on the target side too);
//! - Docker drops routed traffic on an *internal* network (its `iptables` rules accept on an
//!   internal bridge only packets whose source and destination both lie in its subnet), so a
//!   routed path can neither cross nor end on an internal network;
//! - the default route leads to the host, which Docker's isolation rules stop between bridges.
//!
//! What does not live here: executing anything (apply.rs) or measuring (verify.rs).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use ipnet::IpNet;
use serde::Serialize;

use super::spec::{RouteSpec, Spec};
use crate::container::Command;

/// A route read back from a node (`ip route` lines with a next hop, the default route excepted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteEntry {
    /// Destination network (`10.210.2.0/24`).
    pub destination: String,
    /// Next hop address.
    pub gateway: String,
    /// The interface, when shown.
    pub dev: Option<String>,
}

/// The routes with a next hop in `ip route` output (busybox and iproute2 print alike):
/// `10.210.2.0/24 via 10.210.1.3 dev eth0`. The default route and connected routes are left out.
pub fn parse_routes(output: &str) -> Vec<RouteEntry> {
    output
        .lines()
        .filter_map(|line| {
            let w: Vec<&str> = line.split_whitespace().collect();
            let dest = *w.first()?;
            if dest == "default" {
                return None;
            }
            let gw = w.iter().position(|x| *x == "via").and_then(|i| w.get(i + 1))?;
            let dev = w.iter().position(|x| *x == "dev").and_then(|i| w.get(i + 1)).map(|s| s.to_string());
            Some(RouteEntry { destination: normalize(dest), gateway: gw.to_string(), dev })
        })
        .collect()
}

/// `10.0.0.5` (a host route as `ip route` prints it) → `10.0.0.5/32`; CIDRs as they are.
pub fn normalize(dest: &str) -> String {
    if let Ok(n) = dest.parse::<IpNet>() {
        return n.trunc().to_string();
    }
    match dest.parse::<std::net::IpAddr>() {
        Ok(ip) => IpNet::from(ip).to_string(),
        Err(_) => dest.to_string(),
    }
}

/// `ip route replace DEST via GW`.
pub fn replace_command(destination: &str, gateway: &str) -> Command {
    Command(["ip", "route", "replace", destination, "via", gateway].iter().map(|s| s.to_string()).collect())
}

/// `ip route del DEST`.
pub fn delete_command(destination: &str) -> Command {
    Command(["ip", "route", "del", destination].iter().map(|s| s.to_string()).collect())
}

/// `ip route` (to read the table).
pub fn show_command() -> Command {
    Command(vec!["ip".into(), "route".into()])
}

/// What the model says about one ordered pair of nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reach {
    /// Whether a ping from the first node to the second should succeed.
    pub reachable: bool,
    /// The network of the second node whose address is pinged.
    pub network: Option<String>,
    /// Why, in words (`shared network front`, `via router (route to back); replies via router`).
    pub why: String,
}

/// Nodes, their networks and their routes, as the forwarding model needs them.
pub(crate) struct Model<'a> {
    nets: BTreeMap<&'a str, Vec<&'a str>>,
    routes: BTreeMap<&'a str, &'a [RouteSpec]>,
    internal: BTreeSet<&'a str>,
}

const MAX_HOPS: usize = 16;

impl<'a> Model<'a> {
    pub(crate) fn new(spec: &'a Spec) -> Model<'a> {
        Model {
            nets: spec.nodes.iter().map(|(k, n)| (k, n.networks.names().collect())).collect(),
            routes: spec.nodes.iter().map(|(k, n)| (k, n.routes.as_slice())).collect(),
            internal: spec.networks.iter().filter(|(_, n)| n.internal).map(|(k, _)| k).collect(),
        }
    }

    fn on(&self, node: &str, net: &str) -> bool {
        self.nets.get(node).is_some_and(|n| n.contains(&net))
    }

    /// The networks two nodes share, in name order.
    pub(crate) fn shared(&self, a: &str, b: &str) -> Vec<&'a str> {
        let mut s: Vec<&str> = self.nets.get(a).into_iter().flatten().copied().filter(|n| self.on(b, n)).collect();
        s.sort();
        s
    }

    /// The network `node` reaches its next hop `via` on, for a route to `to`: the first shared
    /// network in name order (never `to` itself).
    pub(crate) fn link(&self, node: &str, via: &str, to: &str) -> Option<&'a str> {
        self.shared(node, via).into_iter().find(|n| *n != to)
    }

    /// True when `node` is on `net` or routes lead from it to `net` without a loop.
    #[cfg(test)]
    pub(crate) fn forwards_to(&self, node: &'a str, net: &'a str) -> bool {
        self.forwards_to_cached(node, net, &mut HashMap::new())
    }

    /// [`Model::forwards_to`] with its answers kept in `memo` for every node the walk passed:
    /// the walk from a node is the same whoever asks, so validating the routes of a long chain
    /// of routers stays linear instead of walking the chain once per route.
    pub(crate) fn forwards_to_cached(
        &self,
        node: &'a str,
        net: &'a str,
        memo: &mut HashMap<(&'a str, &'a str), bool>,
    ) -> bool {
        let mut at = node;
        let mut path: Vec<&'a str> = Vec::new();
        let mut seen = HashSet::new();
        let answer = loop {
            if let Some(&known) = memo.get(&(at, net)) {
                break known;
            }
            if self.on(at, net) {
                break true;
            }
            if !seen.insert(at) {
                break false;
            }
            path.push(at);
            let Some(r) = self.routes.get(at).and_then(|rs| rs.iter().find(|r| r.to == net)) else {
                break false;
            };
            if self.link(at, &r.via, net).is_none() {
                break false;
            }
            at = &r.via;
        };
        for n in path {
            memo.insert((n, net), answer);
        }
        answer
    }

    /// Follows a packet from `at` towards network `dst` whose source address lies in network
    /// `src`; returns the routers it passes, or `None` when it is lost.
    fn deliver(&self, at: &str, dst: &str, src: &str, depth: usize) -> Option<Vec<String>> {
        if depth > MAX_HOPS {
            return None;
        }
        if self.on(at, dst) {
            // A packet that was routed into an internal network is dropped there.
            return (!self.internal.contains(dst) || src == dst).then(Vec::new);
        }
        let r = self.routes.get(at)?.iter().find(|r| r.to == dst)?;
        let link = self.link(at, &r.via, dst)?;
        if self.internal.contains(link) {
            // The destination lies outside the link's subnet: dropped on an internal bridge.
            return None;
        }
        let mut rest = self.deliver(&r.via, dst, src, depth + 1)?;
        rest.insert(0, r.via.clone());
        Some(rest)
    }

    /// Whether `a` should reach `b` by ping, to which of `b`'s networks, and why.
    pub(crate) fn reach(&self, a: &str, b: &str) -> Reach {
        if let Some(net) = self.shared(a, b).first() {
            return Reach { reachable: true, network: Some(net.to_string()), why: format!("shared network {net}") };
        }
        let mut b_nets: Vec<&str> = self.nets.get(b).cloned().unwrap_or_default();
        b_nets.sort();
        let mut why = None;
        for net in &b_nets {
            let Some(r) = self.routes.get(a).and_then(|rs| rs.iter().find(|r| r.to == *net)) else { continue };
            let Some(src) = self.link(a, &r.via, net) else { continue };
            let Some(there) = self.deliver(a, net, src, 0) else {
                why.get_or_insert_with(|| match [*net, src].into_iter().find(|n| self.internal.contains(n)) {
                    Some(i) => format!("Docker drops routed traffic on internal network {i}"),
                    None => format!("the route to {net} via {} does not get through", r.via),
                });
                continue;
            };
            let Some(back) = self.deliver(b, src, net, 0) else {
                why.get_or_insert_with(|| format!("{b} has no route back to {src} (the network {a} sends from)"));
                continue;
            };
            return Reach {
                reachable: true,
                network: Some(net.to_string()),
                why: format!("via {} (route to {net}); replies via {}", there.join(" → "), back.join(" → ")),
            };
        }
        Reach {
            reachable: false,
            network: b_nets.first().map(|n| n.to_string()),
            why: why.unwrap_or_else(|| "no shared network and no route".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> Spec {
        crate::options::from_deserializer(serde_yaml_ng::Deserializer::from_str(yaml), "t").unwrap()
    }

    /// `ip route` lines with a next hop are read; the default and connected routes are not.
    #[test]
    fn parses_ip_route() {
        let out = "default via 10.206.77.1 dev eth0 \n10.206.77.0/24 dev eth0 scope link  src 10.206.77.50 \n\
                   10.206.78.0/24 via 10.206.77.2 dev eth0 \n10.9.9.9 via 10.206.77.2 dev eth0\n";
        let r = parse_routes(out);
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0],
            RouteEntry {
                destination: "10.206.78.0/24".into(),
                gateway: "10.206.77.2".into(),
                dev: Some("eth0".into())
            }
        );
        assert_eq!(r[1].destination, "10.9.9.9/32");
    }

    /// Shared networks reach; a router with routes on both sides reaches; a one-sided route,
    /// an internal network on the way, and no route at all do not.
    #[test]
    fn forwarding_model() {
        let s = spec(
            "name: t\nnetworks: {left: {}, right: {}, vault: {internal: true}}\nnodes:\n  \
             c: {image: i, networks: [left], routes: [{to: right, via: r}, {to: vault, via: r}]}\n  \
             r: {image: i, networks: [left, right, vault]}\n  \
             s: {image: i, networks: [right], routes: [{to: left, via: r}]}\n  \
             lone: {image: i, networks: [right]}\n  \
             v: {image: i, networks: [vault], routes: [{to: left, via: r}]}\n  \
             far: {image: i, networks: [vault]}\n",
        );
        let m = Model::new(&s);
        let r = m.reach("c", "r");
        assert!(r.reachable && r.network.as_deref() == Some("left"), "{r:?}");
        let r = m.reach("c", "s");
        assert!(r.reachable && r.network.as_deref() == Some("right") && r.why.contains("via r"), "{r:?}");
        let r = m.reach("c", "lone");
        assert!(!r.reachable && r.why.contains("no route back"), "{r:?}");
        let r = m.reach("c", "v");
        assert!(!r.reachable && r.why.contains("internal network vault"), "routed into an internal network: {r:?}");
        let r = m.reach("lone", "c");
        assert!(!r.reachable && r.why.contains("no shared network"), "{r:?}");
        assert!(m.reach("v", "far").reachable, "direct on an internal network");
        assert!(m.forwards_to("c", "right") && !m.forwards_to("lone", "left"));
    }

    /// Two routers in a chain work; routes that point at each other are a loop, not a hang.
    #[test]
    fn chains_and_loops() {
        let s = spec(
            "name: t\nnetworks: {a: {}, b: {}, c: {}}\nnodes:\n  \
             x: {image: i, networks: [a], routes: [{to: c, via: r1}]}\n  \
             r1: {image: i, networks: [a, b], routes: [{to: c, via: r2}]}\n  \
             r2: {image: i, networks: [b, c], routes: [{to: a, via: r1}]}\n  \
             z: {image: i, networks: [c], routes: [{to: a, via: r2}]}\n",
        );
        let m = Model::new(&s);
        let r = m.reach("x", "z");
        assert!(r.reachable && r.why.contains("r1 → r2"), "{r:?}");
        let l = spec(
            "name: t\nnetworks: {a: {}, b: {}, c: {}}\nnodes:\n  \
             p: {image: i, networks: [a, b], routes: [{to: c, via: q}]}\n  \
             q: {image: i, networks: [a, b], routes: [{to: c, via: p}]}\n",
        );
        let m = Model::new(&l);
        assert!(!m.forwards_to("p", "c"));
        let e = l.validate().unwrap_err();
        assert!(e.message().contains("nodes.p.routes[0].via") && e.message().contains("loop"), "{e}");
    }
}
