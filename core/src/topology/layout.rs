//! Where everything of a lab across hosts lives: which host creates the overlays, which networks
//! span hosts, and each host's share of the declaration. Made by `hosts.rs` when it plans a lab
//! across hosts; carried by the [`super::plan::Plan`] so that apply works on each share.

use std::collections::{BTreeMap, BTreeSet};

use super::spec::{Named, Spec};

/// Where everything of a lab across hosts lives, and each host's share of the declaration.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The host that creates the overlay networks (and forms the swarm), when there is one.
    pub manager: Option<String>,
    /// Networks used on more than one host (or declared `driver: overlay`): overlays on the
    /// manager.
    pub spanning: BTreeSet<String>,
    /// Each host's share: its nodes and the networks created on it, as a single-daemon spec.
    pub(crate) specs: BTreeMap<String, Spec>,
}

impl Layout {
    /// The placement of `spec` (which declares hosts), with `manager` the host that creates
    /// overlays.
    pub(crate) fn new(spec: &Spec, manager: Option<String>) -> Layout {
        let by_net = spec.hosts_by_network();
        let first = spec.hosts.names().next().map(str::to_string);
        let spanning: BTreeSet<String> = spec
            .networks
            .iter()
            .filter(|(k, n)| {
                by_net.get(k).is_some_and(|h| h.len() > 1) || n.driver.as_deref() == Some("overlay")
            })
            .map(|(k, _)| k.to_string())
            .collect();
        let home = |key: &str| -> Option<String> {
            if spanning.contains(key) {
                return manager.clone().or_else(|| first.clone());
            }
            match by_net.get(key).and_then(|h| h.iter().next()) {
                Some(h) => Some(h.to_string()),
                None => manager.clone().or_else(|| first.clone()),
            }
        };
        let mut specs = BTreeMap::new();
        for host in spec.hosts.names() {
            let mut s = spec.clone();
            s.hosts = Named::default();
            s.swarm = None;
            s.expect = Vec::new();
            let nodes: Vec<_> = spec
                .nodes
                .iter()
                .filter(|(k, _)| spec.node_host(k) == Some(host))
                .map(|(k, n)| (k.to_string(), n.clone()))
                .collect();
            let networks: Vec<_> = spec
                .networks
                .iter()
                .filter(|(k, _)| home(k).as_deref() == Some(host))
                .map(|(k, n)| {
                    let mut n = n.clone();
                    if spanning.contains(k) {
                        n.driver = Some("overlay".into());
                        n.attachable = true;
                    }
                    (k.to_string(), n)
                })
                .collect();
            s.nodes = Named::new(nodes).expect("names are unique in the declaration");
            s.networks = Named::new(networks).expect("names are unique in the declaration");
            specs.insert(host.to_string(), s);
        }
        Layout { manager, spanning, specs }
    }

    /// The host whose share holds network `key`.
    pub fn network_host(&self, key: &str) -> Option<&str> {
        self.specs.iter().find(|(_, s)| s.networks.contains(key)).map(|(h, _)| h.as_str())
    }

    /// The spec a step on `host` works from (its share; the whole spec without a host).
    pub(crate) fn spec_of<'a>(&'a self, host: Option<&str>, whole: &'a Spec) -> &'a Spec {
        host.and_then(|h| self.specs.get(h)).unwrap_or(whole)
    }
}
