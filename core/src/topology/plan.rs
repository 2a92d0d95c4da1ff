//! The plan vocabulary: the steps a plan is made of ([`Op`]), each numbered with its reason and
//! what it waits for ([`Action`]), the whole [`Plan`] and how it prints. How a plan is worked
//! out from a declaration and the daemon's state is `diff.rs`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use ipnet::IpNet;
use serde::Serialize;

use super::state::Observed;

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Op {
    /// Create a declared network.
    CreateNetwork {
        /// Declared name.
        network: String,
        /// Docker name.
        name: String,
        /// Its subnets (given or allocated).
        subnet: Vec<String>,
    },
    /// Remove a network and create it again (its options changed); attached containers are
    /// disconnected before and connected again after, by separate actions.
    RecreateNetwork {
        /// Declared name.
        network: String,
        /// Docker name.
        name: String,
        /// Its subnets.
        subnet: Vec<String>,
    },
    /// Run a declared node, attached to all its networks before it starts.
    RunNode {
        /// Declared name.
        node: String,
        /// Docker name.
        name: String,
        /// Image.
        image: String,
        /// Declared networks, in attach order.
        networks: Vec<String>,
    },
    /// Replace a node's container (its configuration changed or it is not running).
    RecreateNode {
        /// Declared name.
        node: String,
        /// Docker name.
        name: String,
        /// Image.
        image: String,
        /// Declared networks.
        networks: Vec<String>,
    },
    /// Connect a running node to a network, in place.
    Connect {
        /// Declared node.
        node: String,
        /// Declared network.
        network: String,
        /// Container name.
        container: String,
        /// Docker network name.
        network_name: String,
        /// Static IPv4 address, if declared.
        #[serde(skip_serializing_if = "Option::is_none")]
        ipv4: Option<String>,
        /// Aliases.
        aliases: Vec<String>,
    },
    /// Disconnect a running node from a network, in place.
    Disconnect {
        /// Declared node.
        node: String,
        /// Declared network (or the Docker name of a network the topology does not declare).
        network: String,
        /// Container name.
        container: String,
        /// Docker network name.
        network_name: String,
    },
    /// Install (or correct) a route inside a node.
    SetRoute {
        /// The node the route is installed in.
        node: String,
        /// Destination network.
        to: String,
        /// Next-hop node.
        via: String,
        /// Destination subnet.
        destination: String,
        /// The network the node reaches `via` on.
        link: String,
        /// `via`'s address on `link`, when known before apply.
        #[serde(skip_serializing_if = "Option::is_none")]
        gateway: Option<String>,
    },
    /// Set (or correct, or clear) the impairment of a node's link, in place: the container's
    /// interface on the network gets dockernet's qdisc (see [`crate::impair`]).
    Impair {
        /// Declared node.
        node: String,
        /// Declared network.
        network: String,
        /// Container name.
        container: String,
        /// Docker network name.
        network_name: String,
        /// What to set (`{"delay": "40ms"}`; empty: clear what dockernet set).
        impairment: BTreeMap<String, String>,
        /// What the kernel has now, when the interface is not new (`{}`: nothing).
        #[serde(skip_serializing_if = "Option::is_none")]
        current: Option<BTreeMap<String, String>>,
    },
    /// Remove a route the declaration no longer has.
    RemoveRoute {
        /// The node.
        node: String,
        /// Destination subnet.
        destination: String,
        /// The next hop it used.
        gateway: String,
    },
    /// Remove a container the declaration no longer has.
    RemoveNode {
        /// Declared name (from its label).
        node: String,
        /// Docker name.
        name: String,
    },
    /// Remove a network the declaration no longer has.
    RemoveNetwork {
        /// Declared name (from its label).
        network: String,
        /// Docker name.
        name: String,
    },
    /// Make the action's host the first manager of a new swarm (a lab across hosts whose
    /// hosts are in no swarm yet). The swarm carries the topology's label, so destroy knows
    /// it formed it.
    InitSwarm {
        /// The host (a key of `hosts`).
        manager: String,
    },
    /// Join the action's host to the swarm of `manager`, as a worker.
    JoinSwarm {
        /// The manager's host key.
        manager: String,
    },
    /// Copy an image the action's host lacks from a host that has it, through the API
    /// (`docker save | docker load`, never a pull).
    CopyImage {
        /// The image.
        image: String,
        /// The host it comes from.
        from: String,
    },
    /// Pull an image that no host has onto the action's host (only with `pull: true`).
    PullImage {
        /// The image.
        image: String,
    },
}

impl Op {
    /// A one-line description (`run node web (lab-web)`), used in progress and errors.
    pub fn describe(&self) -> String {
        match self {
            Op::CreateNetwork { network, name, subnet } => {
                format!("create network {network} ({name}) {}", subnet.join(", "))
            }
            Op::RecreateNetwork { network, name, subnet } => {
                format!("recreate network {network} ({name}) {}", subnet.join(", "))
            }
            Op::RunNode { node, name, image, networks } => {
                format!("run node {node} ({name}) from {image} on {}", networks.join(", "))
            }
            Op::RecreateNode { node, name, image, .. } => format!("recreate node {node} ({name}) from {image}"),
            Op::Connect { node, network, ipv4, aliases, .. } => {
                let mut extra = Vec::new();
                if let Some(ip) = ipv4 {
                    extra.push(format!("ipv4 {ip}"));
                }
                if !aliases.is_empty() {
                    extra.push(format!("aliases {}", aliases.join(", ")));
                }
                let extra = if extra.is_empty() { String::new() } else { format!(" ({})", extra.join("; ")) };
                format!("connect {node} to {network}{extra}")
            }
            Op::Disconnect { node, network, .. } => format!("disconnect {node} from {network}"),
            Op::SetRoute { node, to, via, destination, link, gateway } => {
                let gw = gateway.as_deref().map(|g| format!("{g} on {link}")).unwrap_or_else(|| format!("on {link}"));
                format!("set route in {node}: {destination} ({to}) via {via} ({gw})")
            }
            Op::RemoveRoute { node, destination, gateway } => {
                format!("remove route in {node}: {destination} via {gateway}")
            }
            Op::Impair { node, network, impairment, current, .. } => match current {
                Some(cur) => format!("impair node {node} on {network}: {} → {}", show_link(cur), show_link(impairment)),
                None => format!("impair node {node} on {network}: {}", show_link(impairment)),
            },
            Op::RemoveNode { node, name } => format!("remove node {node} ({name})"),
            Op::RemoveNetwork { network, name } => format!("remove network {network} ({name})"),
            Op::InitSwarm { manager } => format!("form a swarm with {manager} as its manager"),
            Op::JoinSwarm { manager } => format!("join the swarm of {manager}"),
            Op::CopyImage { image, from } => format!("copy image {image} from {from}"),
            Op::PullImage { image } => format!("pull image {image}"),
        }
    }

    /// True for the steps that run only after every other step succeeded (removals).
    pub fn is_removal(&self) -> bool {
        matches!(self, Op::RemoveNode { .. } | Op::RemoveNetwork { .. })
    }

    fn rank(&self) -> u8 {
        match self {
            Op::Disconnect { .. } | Op::RemoveRoute { .. } => 0,
            Op::InitSwarm { .. } | Op::JoinSwarm { .. } | Op::CopyImage { .. } | Op::PullImage { .. } => 1,
            Op::CreateNetwork { .. } | Op::RecreateNetwork { .. } => 1,
            Op::RunNode { .. } | Op::RecreateNode { .. } => 2,
            Op::Connect { .. } => 3,
            Op::SetRoute { .. } | Op::Impair { .. } => 4,
            Op::RemoveNode { .. } => 5,
            Op::RemoveNetwork { .. } => 6,
        }
    }
}

/// An impairment as plan shows it: `delay 40ms loss 1%` (keys in the impairment's order), or
/// `none`.
fn show_link(m: &BTreeMap<String, String>) -> String {
    let parts: Vec<String> =
        crate::impair::KEYS.iter().filter_map(|k| m.get(*k).map(|v| format!("{k} {v}"))).collect();
    if parts.is_empty() { "none".to_string() } else { parts.join(" ") }
}

/// An impairment as the text map plan actions carry.
pub(crate) fn link_map(i: Option<&crate::impair::Impairment>) -> BTreeMap<String, String> {
    i.map(|i| i.to_map().into_iter().map(|(k, v)| (k.to_string(), v)).collect()).unwrap_or_default()
}

/// A numbered action with its reason and the actions it waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// 1-based position in the plan.
    pub id: usize,
    /// The host it runs on (a key of the topology's `hosts`); `None` for a single-daemon
    /// topology.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// What to do.
    #[serde(flatten)]
    pub op: Op,
    /// Why (what changed), when it is not simply missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Ids of the actions that must finish first.
    pub after: Vec<usize>,
}

/// The ordered actions that would bring the daemon to the declaration.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The topology's name.
    pub topology: String,
    /// Each declared network's subnets, as given or allocated from the pool.
    pub subnets: BTreeMap<String, Vec<String>>,
    /// The actions, in an order that respects `after`.
    pub actions: Vec<Action>,
    #[serde(skip)]
    pub(crate) observed: Arc<Observed>,
    #[serde(skip)]
    pub(crate) nets: BTreeMap<String, Vec<IpNet>>,
    /// For a lab across hosts: where each element lives and each host's share of the
    /// declaration (see hosts.rs).
    #[serde(skip)]
    pub(crate) layout: Option<Arc<super::layout::Layout>>,
}

impl Plan {
    /// True when the daemon already matches the declaration.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// How many actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// The plan as pretty JSON (`{"topology": …, "subnets": …, "actions": [{"id": 1, "action":
    /// "create_network", …, "after": []}]}`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.actions.is_empty() {
            return write!(f, "topology {:?} is up to date: nothing to do", self.topology);
        }
        let n = self.actions.len();
        writeln!(f, "topology {:?}: {n} action{}", self.topology, if n == 1 { "" } else { "s" })?;
        let width = n.to_string().len();
        for (i, a) in self.actions.iter().enumerate() {
            write!(f, "  {:>width$}. ", a.id)?;
            if let Some(h) = &a.host {
                write!(f, "[{h}] ")?;
            }
            write!(f, "{}", a.op.describe())?;
            if let Some(r) = &a.reason {
                write!(f, " — {r}")?;
            }
            if i + 1 < n {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// An action before numbering, with its host: the op, its reason, and the (1-based,
/// creation-order) positions it waits for.
pub(crate) type HostItem = (Option<String>, Op, Option<String>, Vec<usize>);

/// Sorts items by rank (a valid topological order, since every dependency has a lower rank;
/// equal ranks keep creation order) and numbers them from 1, mapping `after` to the new ids.
pub(crate) fn number(items: Vec<HostItem>) -> Vec<Action> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (items[i].1.rank(), i));
    let mut new_id = vec![0usize; items.len()];
    for (pos, &i) in order.iter().enumerate() {
        new_id[i] = pos + 1;
    }
    let mut items: Vec<Option<HostItem>> = items.into_iter().map(Some).collect();
    order
        .iter()
        .map(|&i| {
            let (host, op, reason, after) = items[i].take().expect("each item is placed once");
            let mut after: Vec<usize> = after.iter().map(|a| new_id[a - 1]).collect();
            after.sort_unstable();
            after.dedup();
            debug_assert!(after.iter().all(|a| *a < new_id[i]), "dependency order");
            Action { id: new_id[i], host, op, reason, after }
        })
        .collect()
}
