//! The diff: how a plan is worked out — the difference between a declaration and what the
//! daemon holds, as ordered actions (the words are `plan.rs`).
//!
//! The diff is a pure function of the [`Spec`], the resolved subnets and the [`Observed`]
//! state, so every case is unit-tested without a daemon. Its rules:
//! - **Attachments change in place.** A new, removed or changed attachment (address, aliases,
//!   driver options) is a `connect` / `disconnect` of the running container, never a
//!   recreation. Only the container's own configuration (image, command, env, capabilities, …)
//!   forces `recreate node`, and the action says which field changed.
//! - **No spurious diffs.** Networks and containers are compared with the configuration recorded
//!   in their `dockernet.topology.config` label, not with the daemon's defaulted view of them
//!   (IPAM gateway, MAC address, the short-id alias Docker ≤ 24 adds): an applied topology plans
//!   zero actions.
//! - **Never adopt.** A declared name held by an object the topology does not own is a
//!   `conflict` error before anything is done, and so is a network that must be recreated or
//!   removed while foreign containers are attached.
//! - **Order.** Actions are numbered in an order that respects their dependencies (`after`):
//!   disconnects, networks, nodes, connects, routes, then removals. Apply runs independent ones
//!   concurrently; removals run last, once everything else has succeeded, because they are the
//!   only steps that cannot be undone exactly.


use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use serde_json::Value;

use super::plan::{link_map, number, Action, HostItem, Op, Plan};
use super::routes::Model;
use super::spec::{has_cap, NodeSpec, Spec};
use super::state::{Observed, ObservedAttachment, ObservedContainer, ObservedNetwork, PLAIN_ENV_VALUE};
use super::status::{Element, ElementKind, State};
use super::subnets::{self, Request, Taken};
use crate::error::{Error, Result};
use crate::address::overlaps;
use crate::network::ConnectOptions;

/// Each declared network's subnets: the given ones, or one allocated from the pool (an existing
/// network keeps the one it has).
pub(crate) fn resolve_subnets(spec: &Spec, obs: &Observed) -> Result<BTreeMap<String, Vec<IpNet>>> {
    let pool = spec.pool()?;
    let mut out = BTreeMap::new();
    let mut observed: HashMap<&str, &ObservedNetwork> = HashMap::with_capacity(obs.networks.len());
    for o in &obs.networks {
        observed.entry(o.key.as_str()).or_insert(o);
    }
    let mut taken = obs.taken.clone();
    let mut requests = Vec::new();
    for (key, n) in spec.networks.iter() {
        let declared = spec.declared_subnets(key);
        if !declared.is_empty() {
            taken.extend(declared.iter().map(|d| Taken { net: *d, holder: format!("networks.{key}.subnet") }));
            out.insert(key.to_string(), declared);
            continue;
        }
        if n.ipv4 == Some(false) || n.config_from.is_some() || n.config_only {
            // No IPv4 subnet to allocate: IPv6-only, or addressing comes from elsewhere.
            out.insert(key.to_string(), Vec::new());
            continue;
        }
        let existing = observed.get(key).and_then(|o| {
            o.subnets.iter().find_map(|s| match s {
                IpNet::V4(v4) => Some(*v4),
                IpNet::V6(_) => None,
            })
        });
        requests.push(Request { network: key.to_string(), existing });
    }
    let alloc = subnets::allocate(pool, spec.subnet_size(), &requests, &taken)?;
    for (k, v) in alloc {
        out.insert(k, vec![IpNet::V4(v)]);
    }
    Ok(out)
}

/// Plans against observed state: subnets, then the diff.
pub(crate) fn make_plan(spec: &Spec, obs: Observed) -> Result<Plan> {
    let nets = resolve_subnets(spec, &obs)?;
    let diff = diff(spec, &nets, &obs)?;
    Ok(Plan {
        topology: spec.name.clone(),
        subnets: nets.iter().map(|(k, v)| (k.clone(), v.iter().map(|n| n.to_string()).collect())).collect(),
        actions: diff.actions,
        observed: Arc::new(obs),
        nets,
        layout: None,
    })
}

/// `plan` with a pull first for each image in `missing` (a topology on one daemon that says
/// `pull: true`), each run of a node on that image after its pull.
pub(crate) fn with_pulls(spec: &Spec, mut plan: Plan, missing: &BTreeSet<String>) -> Plan {
    if missing.is_empty() {
        return plan;
    }
    let mut items: Vec<HostItem> = Vec::new();
    let mut pulled: BTreeMap<&str, usize> = BTreeMap::new();
    for img in missing {
        items.push((None, Op::PullImage { image: img.clone() }, None, vec![]));
        pulled.insert(img, items.len());
    }
    let base = items.len();
    for a in std::mem::take(&mut plan.actions) {
        let mut after: Vec<usize> = a.after.iter().map(|d| base + d).collect();
        if let Op::RunNode { node, .. } | Op::RecreateNode { node, .. } = &a.op {
            let img = spec.nodes.get(node).map(|n| spec.node_image(n)).unwrap_or_default();
            after.extend(pulled.get(img.as_str()).copied());
        }
        items.push((a.host, a.op, a.reason, after));
    }
    plan.actions = number(items);
    plan
}

/// The outcome of a diff: actions and, for status, the state of each element.
pub(crate) struct Diff {
    pub actions: Vec<Action>,
    pub elements: Vec<Element>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fate {
    Keep,
    /// Created or recreated by this action.
    Made(usize),
}

impl Fate {
    fn id(self) -> Option<usize> {
        match self {
            Fate::Keep => None,
            Fate::Made(id) => Some(id),
        }
    }
}

/// An action before numbering: the op, its reason, and the (creation-order) ids it waits for.
type Item = (Op, Option<String>, Vec<usize>);

#[derive(Default)]
struct Builder {
    /// In creation order; ids are indices + 1 until renumbered.
    items: Vec<Item>,
    elements: Vec<Element>,
    conflicts: Vec<String>,
}

impl Builder {
    fn push(&mut self, op: Op, reason: Option<String>, after: impl IntoIterator<Item = Option<usize>>) -> usize {
        let mut after: Vec<usize> = after.into_iter().flatten().collect();
        after.sort_unstable();
        after.dedup();
        self.items.push((op, reason, after));
        self.items.len()
    }

    /// Makes item `id` wait for `others` too (of a lower rank, so numbered before it).
    fn wait_for(&mut self, id: usize, others: &[usize]) {
        let after = &mut self.items[id - 1].2;
        after.extend_from_slice(others);
        after.sort_unstable();
        after.dedup();
    }

    fn element(&mut self, kind: ElementKind, path: String, name: String, state: State, detail: Option<String>) {
        self.elements.push(Element { kind, path, name, state, detail });
    }

    /// Sorts by rank (a valid topological order, since every dependency has a lower rank) and
    /// renumbers from 1.
    fn finish(self) -> Vec<Action> {
        number(self.items.into_iter().map(|(op, reason, after)| (None, op, reason, after)).collect())
    }
}

/// Compact JSON for a reason (`"alpine"`, `["sleep","1"]`), cut at 60 characters.
fn show(v: Option<&Value>) -> String {
    let s = match v {
        None | Some(Value::Null) => "none".to_string(),
        Some(v) => v.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s
    }
}

/// What differs between the recorded configuration and the wanted one (`image: "a" → "b"`).
pub(crate) fn config_diff(have: Option<&Value>, want: &Value) -> Vec<String> {
    let Some(have) = have else {
        return vec!["no recorded configuration (created by an older dockernet or by hand)".to_string()];
    };
    let empty = serde_json::Map::new();
    let h = have.as_object().unwrap_or(&empty);
    let w = want.as_object().unwrap_or(&empty);
    let keys: BTreeSet<&String> = h.keys().chain(w.keys()).collect();
    keys.into_iter()
        .filter(|k| h.get(*k).unwrap_or(&Value::Null) != w.get(*k).unwrap_or(&Value::Null))
        .map(|k| match k.as_str() {
            "env" => env_diff(h.get(k), w.get(k)),
            _ => format!("{k}: {} → {}", show(h.get(k)), show(w.get(k))),
        })
        .collect()
}

/// How an environment changed, by variable name only (`env: API_KEY added, DB_PASSWORD
/// changed`): both sides hold digests ([`super::spec::env_digests`]), and values are never shown,
/// since environments carry passwords. A label written by an older dockernet held the values;
/// they were dropped on reading ([`super::state::PLAIN_ENV_VALUE`]) and the container is
/// recreated so that its label holds digests only.
fn env_diff(have: Option<&Value>, want: Option<&Value>) -> String {
    let empty = serde_json::Map::new();
    let h = have.and_then(Value::as_object).unwrap_or(&empty);
    let w = want.and_then(Value::as_object).unwrap_or(&empty);
    if h.values().any(|v| v.as_str() == Some(PLAIN_ENV_VALUE)) {
        return "env: recorded with its values by an older dockernet (recreated so the label keeps digests only)"
            .to_string();
    }
    let names: BTreeSet<&String> = h.keys().chain(w.keys()).collect();
    let changes: Vec<String> = names
        .into_iter()
        .filter_map(|k| match (h.get(k), w.get(k)) {
            (None, Some(_)) => Some(format!("{k} added")),
            (Some(_), None) => Some(format!("{k} removed")),
            (Some(a), Some(b)) if a != b => Some(format!("{k} changed")),
            _ => None,
        })
        .collect();
    format!("env: {}", changes.join(", "))
}

fn same_ip(a: Option<&str>, b: Option<&str>) -> bool {
    let p = |s: Option<&str>| s.map(|s| s.trim().parse::<IpAddr>().map_err(|_| s.trim().to_string()));
    p(a) == p(b)
}

fn list(s: &BTreeSet<String>) -> String {
    format!("[{}]", s.iter().cloned().collect::<Vec<_>>().join(", "))
}

/// What differs between a wanted attachment and the one the container has. Options the daemon
/// fills in by itself (MAC address, gateway priority) count only when declared.
pub(crate) fn attachment_diff(want: &ConnectOptions, have: &ObservedAttachment) -> Vec<String> {
    let mut out = Vec::new();
    let opt = |s: &Option<String>| s.as_deref().map(str::trim).map(str::to_string);
    for (field, w, h) in [("ipv4", opt(&want.ipv4), &have.static_ipv4), ("ipv6", opt(&want.ipv6), &have.static_ipv6)] {
        if !same_ip(w.as_deref(), h.as_deref()) {
            out.push(format!("{field}: {} → {}", h.as_deref().unwrap_or("none"), w.as_deref().unwrap_or("none")));
        }
    }
    let set = |l: &crate::options::StringList| l.iter().map(|s| s.trim().to_string()).collect::<BTreeSet<String>>();
    for (field, w, h) in [
        ("aliases", set(&want.aliases), &have.aliases),
        ("links", set(&want.links), &have.links),
        ("link_local_ips", set(&want.link_local_ips), &have.link_local_ips),
    ] {
        if &w != h {
            out.push(format!("{field}: {} → {}", list(h), list(&w)));
        }
    }
    if want.driver_opts.0 != have.driver_opts {
        out.push("driver_opts changed".to_string());
    }
    if let Some(mac) = &want.mac_address {
        if have.mac.as_deref().map(str::to_ascii_lowercase) != Some(mac.trim().to_ascii_lowercase()) {
            out.push(format!("mac_address: {} → {mac}", have.mac.as_deref().unwrap_or("none")));
        }
    }
    if let Some(p) = want.gw_priority {
        if have.gw_priority.unwrap_or(0) != p {
            out.push(format!("gw_priority: {} → {p}", have.gw_priority.unwrap_or(0)));
        }
    }
    out
}

/// Explicit subnets that overlap something already on the daemon or the host.
fn overlap_conflicts(path: &str, subnets: &[IpNet], taken: &[Taken], own: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for s in subnets {
        for t in taken {
            if own.contains(&t.holder) {
                continue;
            }
            if overlaps(s, &t.net) {
                out.push(format!("{path}.subnet: {s} overlaps {} of {}", t.net, t.holder));
            }
        }
    }
    out
}

/// The observed state indexed by node key, container id, network key and name, built once per
/// diff. `Observed::container` scans every container, and asking it per node made planning an
/// applied 64,000-node topology quadratic; these lookups answer the same in constant time.
struct Index<'o> {
    by_key: HashMap<&'o str, Vec<&'o ObservedContainer>>,
    by_id: HashMap<&'o str, &'o ObservedContainer>,
    /// Docker network name → the containers attached to it, in observed order.
    on_network: HashMap<&'o str, Vec<&'o ObservedContainer>>,
    net_by_key: HashMap<&'o str, &'o ObservedNetwork>,
    net_by_name: HashMap<&'o str, &'o ObservedNetwork>,
}

impl<'o> Index<'o> {
    fn new(obs: &'o Observed) -> Index<'o> {
        let mut idx = Index {
            by_key: HashMap::new(),
            by_id: HashMap::with_capacity(obs.containers.len()),
            on_network: HashMap::new(),
            net_by_key: HashMap::with_capacity(obs.networks.len()),
            net_by_name: HashMap::with_capacity(obs.networks.len()),
        };
        for c in &obs.containers {
            idx.by_key.entry(c.key.as_str()).or_default().push(c);
            idx.by_id.entry(c.id.as_str()).or_insert(c);
            for net in c.attachments.keys() {
                idx.on_network.entry(net.as_str()).or_default().push(c);
            }
        }
        // The first of each wins, as `Observed::network` and a search by name would find it.
        for n in &obs.networks {
            idx.net_by_key.entry(n.key.as_str()).or_insert(n);
            idx.net_by_name.entry(n.name.as_str()).or_insert(n);
        }
        idx
    }

    /// As [`Observed::containers_of`].
    fn containers_of(&self, key: &str) -> impl Iterator<Item = &'o ObservedContainer> + '_ {
        self.by_key.get(key).into_iter().flatten().copied()
    }

    /// As [`Observed::container`]: the one with the declared name, else the first.
    fn container(&self, spec: &Spec, key: &str) -> Option<&'o ObservedContainer> {
        let all = self.by_key.get(key)?;
        let name = spec.node_name(key);
        all.iter().find(|c| c.name == name).or(all.first()).copied()
    }

    /// As [`Observed::network`].
    fn network(&self, key: &str) -> Option<&'o ObservedNetwork> {
        self.net_by_key.get(key).copied()
    }

    /// The declared name of the owned network called `name` on the daemon.
    fn network_key(&self, name: &str) -> Option<&'o str> {
        self.net_by_name.get(name).map(|n| n.key.as_str())
    }

    fn attached_to(&self, network_name: &str) -> impl Iterator<Item = &'o ObservedContainer> + '_ {
        self.on_network.get(network_name).into_iter().flatten().copied()
    }
}

/// The diff: what to do, and the state of every declared element. Four passes over one
/// [`Differ`], in an order later passes rely on: declared networks (their fate), declared nodes
/// with their attachments and links (theirs), what is no longer declared, then routes (which
/// wait for all of it).
pub(crate) fn diff(spec: &Spec, subnets: &BTreeMap<String, Vec<IpNet>>, obs: &Observed) -> Result<Diff> {
    let mut d = Differ {
        spec,
        subnets,
        obs,
        idx: Index::new(obs),
        owned_ids: obs.containers.iter().map(|c| c.id.as_str()).collect(),
        b: Builder::default(),
        net_fate: BTreeMap::new(),
        disconnected: HashSet::new(),
        node_fate: BTreeMap::new(),
        attach_made: BTreeMap::new(),
        removed_nodes: Vec::new(),
    };
    for (key, _) in spec.networks.iter() {
        d.network(key);
    }
    for (key, node) in spec.nodes.iter() {
        d.node(key, node);
    }
    d.undeclared();
    let invalid = d.routes();
    let topo = &spec.name;
    if !invalid.is_empty() {
        return Err(Error::invalid(format!("topology {topo:?} cannot be planned:\n  {}", invalid.join("\n  "))));
    }
    let mut b = d.b;
    if !b.conflicts.is_empty() {
        let n = b.conflicts.len();
        return Err(Error::conflict(format!(
            "topology {topo:?} cannot be applied ({n} conflict{}), nothing was changed:\n  {}",
            if n == 1 { "" } else { "s" },
            b.conflicts.join("\n  ")
        )));
    }
    let elements = std::mem::take(&mut b.elements);
    Ok(Diff { actions: b.finish(), elements })
}

/// One diff in progress: its inputs, the actions and elements so far, and what the passes tell
/// each other (which networks and nodes are made, which attachments are (re)connected).
struct Differ<'a> {
    spec: &'a Spec,
    subnets: &'a BTreeMap<String, Vec<IpNet>>,
    obs: &'a Observed,
    idx: Index<'a>,
    owned_ids: HashSet<&'a str>,
    b: Builder,
    /// Declared network → kept, or made by an action.
    net_fate: BTreeMap<&'a str, Fate>,
    /// (container id, docker network) pairs disconnected because their network is recreated.
    disconnected: HashSet<(String, String)>,
    /// Declared node → kept, or made by an action.
    node_fate: BTreeMap<&'a str, Fate>,
    /// (node, network) → the action that (re)connects it.
    attach_made: BTreeMap<(&'a str, &'a str), usize>,
    /// (action, container id) of each container removed.
    removed_nodes: Vec<(usize, &'a str)>,
}

impl<'a> Differ<'a> {
    fn subnets_of(&self, key: &str) -> &'a [IpNet] {
        self.subnets.get(key).map_or(&[], Vec::as_slice)
    }

    fn net_id(&self, key: &str) -> Option<usize> {
        self.net_fate.get(key).and_then(|f| f.id())
    }

    /// A declared `kind` ("network", "container") whose name is held by an object the topology
    /// does not own: a conflict (dockernet never adopts).
    fn collision(&mut self, path: &str, kind: &str, name: &str, foreign: &BTreeMap<String, String>) {
        if let Some(owner) = foreign.get(name) {
            let topo = &self.spec.name;
            self.b.conflicts.push(format!(
                "{path}: a {kind} named {name:?} already exists and is not part of topology {topo:?} ({owner}); \
                 dockernet never adopts it: remove or rename it, or change the topology's name or prefix"
            ));
        }
    }

    /// Containers the topology does not own attached to an owned network: their names.
    fn foreign_on(&self, o: &'a ObservedNetwork) -> Vec<&'a str> {
        o.endpoints.iter().filter(|(id, _)| !self.owned_ids.contains(id.as_str())).map(|(_, n)| n.as_str()).collect()
    }

    /// Declared network `key`: created, kept, or recreated (its running containers disconnected
    /// first, and reconnected by the node pass).
    fn network(&mut self, key: &'a str) {
        let (spec, obs) = (self.spec, self.obs);
        let name = spec.network_name(key);
        let path = format!("networks.{key}");
        let nets = self.subnets_of(key);
        let sub: Vec<String> = nets.iter().map(|n| n.to_string()).collect();
        let want = spec.network_config(key, nets);
        let Some(o) = self.idx.network(key) else {
            self.collision(&path, "network", &name, &obs.foreign_networks);
            self.b.conflicts.extend(overlap_conflicts(&path, &spec.declared_subnets(key), &obs.taken, &[]));
            let id = self.b.push(Op::CreateNetwork { network: key.to_string(), name: name.clone(), subnet: sub }, None, []);
            self.b.element(ElementKind::Network, path, name, State::Missing, None);
            self.net_fate.insert(key, Fate::Made(id));
            return;
        };
        let reasons = config_diff(o.config.as_ref(), &want);
        if reasons.is_empty() {
            self.b.element(ElementKind::Network, path, name, State::Present, None);
            self.net_fate.insert(key, Fate::Keep);
            return;
        }
        if o.name != name {
            self.collision(&path, "network", &name, &obs.foreign_networks);
        }
        let foreign = self.foreign_on(o);
        if !foreign.is_empty() {
            self.b.conflicts.push(format!(
                "{path}: network {:?} must be recreated ({}) but containers the topology does not own are \
                 attached ({}); disconnect them first",
                o.name,
                reasons.join("; "),
                foreign.join(", ")
            ));
        }
        let own = [format!("network {:?}", o.name), format!("host route on br-{}", crate::lookup::short_id(&o.id))];
        self.b.conflicts.extend(overlap_conflicts(&path, &spec.declared_subnets(key), &obs.taken, &own));
        let mut deps = Vec::new();
        for c in self.idx.attached_to(&o.name).filter(|c| c.running) {
            let d = self.b.push(
                Op::Disconnect {
                    node: c.key.clone(),
                    network: key.to_string(),
                    container: c.name.clone(),
                    network_name: o.name.clone(),
                },
                Some(format!("network {key} is recreated")),
                [],
            );
            self.disconnected.insert((c.id.clone(), o.name.clone()));
            deps.push(Some(d));
        }
        let reason = reasons.join("; ");
        let id = self.b.push(
            Op::RecreateNetwork { network: key.to_string(), name: name.clone(), subnet: sub },
            Some(reason.clone()),
            deps,
        );
        self.b.element(ElementKind::Network, path, name, State::Drifted, Some(reason));
        self.net_fate.insert(key, Fate::Made(id));
    }

    /// Declared node `key`: extra containers removed; run, recreated or kept — and when kept, its
    /// attachments and links compared one by one.
    fn node(&mut self, key: &'a str, node: &'a NodeSpec) {
        let spec = self.spec;
        let name = spec.node_name(key);
        let path = format!("nodes.{key}");
        let cur = self.idx.container(spec, key);
        for extra in self.idx.containers_of(key) {
            if Some(extra.id.as_str()) != cur.map(|c| c.id.as_str()) {
                let id = self.b.push(
                    Op::RemoveNode { node: key.to_string(), name: extra.name.clone() },
                    Some(format!("a second container for node {key} (left over from an interrupted apply)")),
                    [],
                );
                self.removed_nodes.push((id, &extra.id));
                self.b.element(ElementKind::Node, path.clone(), extra.name.clone(), State::Extra, None);
            }
        }
        let nets: Vec<&'a str> = node.networks.names().collect();
        let after_nets: Vec<Option<usize>> = nets.iter().map(|n| self.net_id(n)).collect();
        let image = spec.node_image(node);
        let networks = || nets.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let Some(c) = cur else {
            self.collision(&path, "container", &name, &self.obs.foreign_containers);
            let run = Op::RunNode { node: key.to_string(), name: name.clone(), image, networks: networks() };
            let id = self.b.push(run, None, after_nets);
            self.b.element(ElementKind::Node, path.clone(), name.clone(), State::Missing, None);
            for n in &nets {
                let apath = format!("{path}.networks.{n}");
                self.b.element(ElementKind::Attachment, apath, spec.network_name(n), State::Missing, None);
            }
            impair_new(&mut self.b, spec, key, &name, &nets, id, None);
            self.node_fate.insert(key, Fate::Made(id));
            return;
        };
        let mut reasons = Vec::new();
        if !c.running {
            reasons.push(format!("the container is {} (not running)", if c.state.is_empty() { "stopped" } else { &c.state }));
        }
        reasons.extend(config_diff(c.config.as_ref(), &spec.node_config(key)));
        if !node.routes.is_empty() && !has_cap(&c.cap_add, "NET_ADMIN") {
            reasons.push("routes need NET_ADMIN, which the container was created without".to_string());
        }
        if !reasons.is_empty() {
            if c.name != name {
                self.collision(&path, "container", &name, &self.obs.foreign_containers);
            }
            let reason = reasons.join("; ");
            let op = Op::RecreateNode { node: key.to_string(), name: name.clone(), image, networks: networks() };
            let id = self.b.push(op, Some(reason.clone()), after_nets);
            self.b.element(ElementKind::Node, path.clone(), name.clone(), State::Drifted, Some(reason));
            impair_new(&mut self.b, spec, key, &name, &nets, id, Some(format!("{key} is recreated")));
            self.node_fate.insert(key, Fate::Made(id));
            return;
        }
        self.node_fate.insert(key, Fate::Keep);
        self.b.element(ElementKind::Node, path.clone(), name, State::Present, None);
        for n in &nets {
            self.attachment(key, n, c, &path);
        }
        for n in &nets {
            self.link(key, n, c, &path);
        }
        // The node's (re)connects wait for the disconnects of the networks it no longer declares:
        // run concurrently, the daemon would take them in either order, and the order decides
        // the interface names (a freed eth0 is taken again) and, on Podman, even what is
        // reachable afterwards (tests/tests/podman.rs) — a plan applies the same way every time.
        let left = self.undeclared_attachments(key, c, &nets, &path);
        if !left.is_empty() {
            for n in &nets {
                if let Some(&connect) = self.attach_made.get(&(key, *n)) {
                    self.b.wait_for(connect, &left);
                }
            }
        }
    }

    /// Kept node `key`'s attachment to declared network `n`: (re)connected when the network is
    /// made, connected when missing, disconnected and reconnected when it differs.
    fn attachment(&mut self, key: &'a str, n: &'a str, c: &'a ObservedContainer, path: &str) {
        let spec = self.spec;
        let nname = spec.network_name(n);
        let want = spec.attachment(key, n).unwrap_or_default();
        let apath = format!("{path}.networks.{n}");
        let connect = |b: &mut Builder, reason: String, after: Vec<Option<usize>>| {
            b.push(
                Op::Connect {
                    node: key.to_string(),
                    network: n.to_string(),
                    container: c.name.clone(),
                    network_name: nname.clone(),
                    ipv4: want.ipv4.clone(),
                    aliases: want.aliases.0.clone(),
                },
                Some(reason),
                after,
            )
        };
        match (c.attachments.get(&nname), self.net_fate.get(n).copied().unwrap_or(Fate::Keep)) {
            (have, Fate::Made(nid)) => {
                // The network is new or recreated: (re)connect once it is there.
                let id = connect(&mut self.b, format!("network {n} is (re)created"), vec![Some(nid)]);
                self.attach_made.insert((key, n), id);
                match have {
                    // Connected today: the attachment is there and changes (status says so,
                    // with the address it moves from), it is not missing.
                    Some(have) => {
                        let mut why = vec![format!("network {n} is recreated")];
                        why.extend(attachment_diff(&want, have));
                        self.b.element(ElementKind::Attachment, apath, nname.clone(), State::Drifted, Some(why.join("; ")));
                    }
                    None => self.b.element(ElementKind::Attachment, apath, nname.clone(), State::Missing, None),
                }
            }
            (None, Fate::Keep) => {
                let id = connect(&mut self.b, "not connected".to_string(), vec![]);
                self.attach_made.insert((key, n), id);
                self.b.element(ElementKind::Attachment, apath, nname.clone(), State::Missing, Some("not connected".into()));
            }
            (Some(have), Fate::Keep) => {
                let diffs = attachment_diff(&want, have);
                if diffs.is_empty() {
                    self.b.element(ElementKind::Attachment, apath, nname.clone(), State::Present, None);
                    return;
                }
                let reason = diffs.join("; ");
                let d = self.b.push(
                    Op::Disconnect {
                        node: key.to_string(),
                        network: n.to_string(),
                        container: c.name.clone(),
                        network_name: nname.clone(),
                    },
                    Some(format!("to reconnect: {reason}")),
                    [],
                );
                let id = connect(&mut self.b, reason.clone(), vec![Some(d)]);
                self.attach_made.insert((key, n), id);
                self.b.element(ElementKind::Attachment, apath, nname.clone(), State::Drifted, Some(reason));
            }
        }
    }

    /// Kept node `key`'s link impairment on declared network `n`: set on a (re)connected
    /// interface, or compared with what the kernel has (changed in place, never a recreation).
    fn link(&mut self, key: &'a str, n: &'a str, c: &'a ObservedContainer, path: &str) {
        let spec = self.spec;
        let nname = spec.network_name(n);
        let want = spec.link(key, n);
        let lpath = format!("{path}.networks.{n}.link");
        let impair = |impairment, current| Op::Impair {
            node: key.to_string(),
            network: n.to_string(),
            container: c.name.clone(),
            network_name: nname.clone(),
            impairment,
            current,
        };
        if let Some(&made) = self.attach_made.get(&(key, n)) {
            // A new interface: nothing of dockernet's is on it yet.
            if let Some(w) = &want {
                let reason = format!("{key}'s attachment to {n} is (re)connected");
                self.b.push(impair(link_map(Some(w)), None), Some(reason), [Some(made)]);
                self.b.element(ElementKind::Link, lpath, nname.clone(), State::Missing, None);
            }
            return;
        }
        // Not read (the kernel could not be asked, and nothing is declared): nothing to say.
        let Some(read) = c.impair.as_ref() else { return };
        let have = read.get(&nname).cloned().flatten();
        let reason = match (&want, &have) {
            (None, None) => return,
            (Some(w), Some(h)) if w.matches(h) => {
                self.b.element(ElementKind::Link, lpath, nname.clone(), State::Present, None);
                return;
            }
            (Some(_), None) => "missing in the kernel: the container restarted, or it was cleared by hand".to_string(),
            (Some(_), Some(h)) => format!("the kernel has {h}"),
            (None, Some(h)) => format!("not declared, the kernel has {h}"),
        };
        self.b.push(impair(link_map(want.as_ref()), Some(link_map(have.as_ref()))), Some(reason.clone()), []);
        let state = match (&want, &have) {
            (None, _) => State::Extra,
            (_, None) => State::Missing,
            _ => State::Drifted,
        };
        self.b.element(ElementKind::Link, lpath, nname.clone(), state, Some(reason));
    }

    /// Kept node `key`'s attachments to networks it does not declare: disconnected (but not
    /// those already disconnected because their network is recreated). Returns the disconnects.
    fn undeclared_attachments(&mut self, key: &str, c: &'a ObservedContainer, nets: &[&str], path: &str) -> Vec<usize> {
        let wanted: BTreeSet<String> = nets.iter().map(|n| self.spec.network_name(n)).collect();
        let mut made = Vec::new();
        for nname in c.attachments.keys() {
            if wanted.contains(nname) || self.disconnected.contains(&(c.id.clone(), nname.clone())) {
                continue;
            }
            let label = self.idx.network_key(nname).map_or_else(|| nname.clone(), str::to_string);
            let id = self.b.push(
                Op::Disconnect {
                    node: key.to_string(),
                    network: label.clone(),
                    container: c.name.clone(),
                    network_name: nname.clone(),
                },
                Some(format!("{key} is not declared on {label}")),
                [],
            );
            made.push(id);
            self.b.element(ElementKind::Attachment, format!("{path}.networks.{label}"), nname.clone(), State::Extra, None);
        }
        made
    }

    /// Containers and networks the declaration no longer has: removed (a network after the
    /// containers on it), unless foreign containers still use a network.
    fn undeclared(&mut self) {
        let (spec, obs) = (self.spec, self.obs);
        for c in &obs.containers {
            if !spec.nodes.contains(&c.key) {
                let id = self.b.push(
                    Op::RemoveNode { node: c.key.clone(), name: c.name.clone() },
                    Some("no longer declared".into()),
                    [],
                );
                self.removed_nodes.push((id, &c.id));
                self.b.element(ElementKind::Node, format!("nodes.{}", c.key), c.name.clone(), State::Extra, None);
            }
        }
        for o in &obs.networks {
            if spec.networks.contains(&o.key) {
                continue;
            }
            let foreign = self.foreign_on(o);
            if !foreign.is_empty() {
                self.b.conflicts.push(format!(
                    "networks.{}: network {:?} is no longer declared but containers the topology does not own are \
                     attached ({}); disconnect them first",
                    o.key,
                    o.name,
                    foreign.join(", ")
                ));
            }
            let after: Vec<Option<usize>> = self
                .removed_nodes
                .iter()
                .filter(|(_, cid)| self.idx.by_id.get(cid).is_some_and(|c| c.attachments.contains_key(&o.name)))
                .map(|(id, _)| Some(*id))
                .collect();
            self.b.push(
                Op::RemoveNetwork { network: o.key.clone(), name: o.name.clone() },
                Some("no longer declared".into()),
                after,
            );
            self.b.element(ElementKind::Network, format!("networks.{}", o.key), o.name.clone(), State::Extra, None);
        }
    }

    /// Every node's routes: set when missing, differing, or when anything they go through is
    /// (re)made; routes not declared are removed from kept nodes. Returns the routes that cannot
    /// be planned (a destination without an IPv4 subnet).
    fn routes(&mut self) -> Vec<String> {
        let spec = self.spec;
        let model = Model::new(spec);
        let mut invalid = Vec::new();
        for (key, node) in spec.nodes.iter() {
            let fate = self.node_fate.get(key).copied().unwrap_or(Fate::Keep);
            let cur = self.idx.container(spec, key);
            let mut declared_dests = BTreeSet::new();
            for (i, r) in node.routes.iter().enumerate() {
                let path = format!("nodes.{key}.routes[{i}]");
                let Some(link) = model.link(key, &r.via, &r.to) else { continue };
                let Some(dest) = self.subnets_of(&r.to).iter().find(|n| n.addr().is_ipv4()).map(|n| n.to_string()) else {
                    invalid.push(format!("{path}.to: network {:?} has no IPv4 subnet to route to", r.to));
                    continue;
                };
                declared_dests.insert(dest.clone());
                let link_name = spec.network_name(link);
                let via_fate = self.node_fate.get(r.via.as_str()).copied().unwrap_or(Fate::Keep);
                let gw_now = match (via_fate, self.attach_made.get(&(r.via.as_str(), link)), self.net_fate.get(link)) {
                    (Fate::Keep, None, Some(Fate::Keep)) => self
                        .idx
                        .container(spec, &r.via)
                        .and_then(|v| v.attachments.get(&link_name))
                        .and_then(|a| a.ipv4.clone()),
                    _ => None,
                };
                let need = if fate != Fate::Keep {
                    Some(format!("{key} is (re)created"))
                } else if self.attach_made.contains_key(&(key, link)) {
                    Some(format!("{key}'s attachment to {link} is (re)connected"))
                } else if via_fate != Fate::Keep {
                    Some(format!("{} is (re)created", r.via))
                } else if self.attach_made.contains_key(&(r.via.as_str(), link)) {
                    Some(format!("{}'s attachment to {link} is (re)connected", r.via))
                } else {
                    match cur.and_then(|c| c.routes.as_ref()) {
                        None => Some("the node's routes could not be read".to_string()),
                        Some(rs) => match rs.iter().find(|e| e.destination == dest) {
                            None => Some("missing".to_string()),
                            Some(e) if Some(&e.gateway) != gw_now.as_ref() => Some(format!(
                                "goes via {}, not {} ({}'s address on {link})",
                                e.gateway,
                                gw_now.as_deref().unwrap_or("?"),
                                r.via
                            )),
                            Some(_) => None,
                        },
                    }
                };
                let Some(reason) = need else {
                    self.b.element(ElementKind::Route, path, dest, State::Present, None);
                    continue;
                };
                let after = [
                    fate.id(),
                    self.attach_made.get(&(key, link)).copied(),
                    via_fate.id(),
                    self.attach_made.get(&(r.via.as_str(), link)).copied(),
                    self.net_id(&r.to),
                    self.net_id(link),
                ];
                let state = if reason == "missing" || fate != Fate::Keep { State::Missing } else { State::Drifted };
                self.b.push(
                    Op::SetRoute {
                        node: key.to_string(),
                        to: r.to.clone(),
                        via: r.via.clone(),
                        destination: dest.clone(),
                        link: link.to_string(),
                        gateway: gw_now,
                    },
                    (reason != "missing").then(|| reason.clone()),
                    after,
                );
                self.b.element(ElementKind::Route, path, dest, state, Some(reason));
            }
            if fate != Fate::Keep {
                continue;
            }
            let Some(rs) = cur.and_then(|c| c.routes.as_ref()) else { continue };
            for e in rs.iter().filter(|e| !declared_dests.contains(&e.destination)) {
                self.b.push(
                    Op::RemoveRoute { node: key.to_string(), destination: e.destination.clone(), gateway: e.gateway.clone() },
                    Some("not declared".into()),
                    [],
                );
                let rpath = format!("nodes.{key}.routes");
                self.b.element(ElementKind::Route, rpath, e.destination.clone(), State::Extra, None);
            }
        }
        invalid
    }
}

/// The impairments of a node whose container action `made` creates: set once it runs.
fn impair_new(b: &mut Builder, spec: &Spec, key: &str, name: &str, nets: &[&str], made: usize, reason: Option<String>) {
    for n in nets {
        let Some(w) = spec.link(key, n) else { continue };
        let nname = spec.network_name(n);
        b.push(
            Op::Impair {
                node: key.to_string(),
                network: n.to_string(),
                container: name.to_string(),
                network_name: nname.clone(),
                impairment: link_map(Some(&w)),
                current: None,
            },
            reason.clone(),
            [Some(made)],
        );
        b.element(ElementKind::Link, format!("nodes.{key}.networks.{n}.link"), nname, State::Missing, None);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::topology::state::{container_from_doc, network_from_doc};
    use crate::ErrorKind;
    use serde_json::json;

    pub(crate) fn spec(yaml: &str) -> Spec {
        let s: Spec = crate::options::from_deserializer(serde_yaml_ng::Deserializer::from_str(yaml), "t").unwrap();
        s.validate().unwrap();
        s
    }

    fn hex_id(seed: &str) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(seed.as_bytes()))
    }

    /// The daemon state a successful apply leaves, as Docker 20.10 reports it: documents built
    /// like the daemon's (short-id alias, gateway, MAC, `IPAMConfig` null or `{}`), then read back
    /// through the same functions as real documents.
    pub(crate) fn applied(spec: &Spec) -> Observed {
        let nets = resolve_subnets(spec, &Observed::default()).unwrap();
        let mut obs = Observed::default();
        for (key, _) in spec.networks.iter() {
            let name = spec.network_name(key);
            let subnets = &nets[key];
            let config: Vec<Value> = subnets
                .iter()
                .map(|s| json!({"Subnet": s.to_string(), "Gateway": s.hosts().next().map(|h| h.to_string())}))
                .collect();
            let mut labels = spec.owner_labels();
            labels.insert(super::super::spec::LABEL_NETWORK.into(), key.into());
            labels.insert(super::super::spec::LABEL_CONFIG.into(), spec.network_config(key, subnets).to_string());
            let doc = json!({"Name": name, "Id": hex_id(&name), "Driver": "bridge", "IPAM": {"Driver": "default", "Config": config},
                             "Labels": labels, "Containers": {}});
            obs.networks.push(network_from_doc(&doc));
            for s in subnets {
                obs.taken.push(Taken { net: *s, holder: format!("network {name:?}") });
            }
        }
        let mut next_host: BTreeMap<String, u8> = BTreeMap::new();
        for (key, node) in spec.nodes.iter() {
            let name = spec.node_name(key);
            let id = hex_id(&name);
            let short = id[..12].to_string();
            let mut endpoints = serde_json::Map::new();
            for (net, _) in node.networks.iter() {
                let o = spec.attachment(key, net).unwrap();
                let sub = nets[net][0];
                let host = next_host.entry(net.to_string()).or_insert(2);
                let ip = o.ipv4.clone().unwrap_or_else(|| {
                    *host += 1;
                    sub.hosts().nth(usize::from(*host)).unwrap().to_string()
                });
                let mut aliases: Vec<Value> = o.aliases.iter().map(|a| json!(a)).collect();
                aliases.push(json!(short));
                let ipam = match &o.ipv4 {
                    Some(v4) => json!({"IPv4Address": v4}),
                    None => json!({}),
                };
                endpoints.insert(
                    spec.network_name(net),
                    json!({"IPAMConfig": ipam, "Links": null, "Aliases": aliases, "NetworkID": hex_id(&spec.network_name(net)),
                           "Gateway": sub.hosts().next().unwrap().to_string(), "IPAddress": ip, "IPPrefixLen": sub.prefix_len(),
                           "MacAddress": "02:42:0a:00:00:02", "DriverOpts": null}),
                );
            }
            let mut labels = spec.owner_labels();
            labels.insert(super::super::spec::LABEL_NODE.into(), key.into());
            labels.insert(super::super::spec::LABEL_CONFIG.into(), spec.node_config(key).to_string());
            let doc = json!({"Id": id, "Name": format!("/{name}"), "State": {"Status": "running", "Running": true},
                "Config": {"Labels": labels, "Image": spec.node_image(node), "Cmd": ["sleep", "infinity"], "Env": ["PATH=/bin"]},
                "HostConfig": {"CapAdd": spec.effective_cap_add(node)},
                "NetworkSettings": {"Networks": endpoints}});
            let mut c = container_from_doc(&doc);
            c.routes = Some(Vec::new());
            // The kernel as apply leaves it: each declared impairment set.
            let links = spec.links(key);
            if !links.is_empty() {
                c.impair = Some(c.attachments.keys().map(|n| (n.clone(), links.get(n).cloned())).collect());
            }
            obs.containers.push(c);
        }
        // Routes as apply installs them.
        for (key, node) in spec.nodes.iter() {
            for r in &node.routes {
                let m = Model::new(spec);
                let link = m.link(key, &r.via, &r.to).unwrap();
                let gw =
                    obs.container(spec, &r.via).unwrap().attachments[&spec.network_name(link)].ipv4.clone().unwrap();
                let dest = nets[&r.to][0].to_string();
                let c = obs.containers.iter_mut().find(|c| c.key == key).unwrap();
                c.routes.as_mut().unwrap().push(super::super::routes::RouteEntry {
                    destination: dest,
                    gateway: gw,
                    dev: None,
                });
            }
        }
        obs
    }

    fn plan(spec: &Spec, obs: Observed) -> Plan {
        make_plan(spec, obs).unwrap()
    }

    fn ops(p: &Plan) -> Vec<String> {
        p.actions.iter().map(|a| a.op.describe()).collect()
    }

    fn container<'a>(obs: &'a mut Observed, key: &str) -> &'a mut ObservedContainer {
        obs.containers.iter_mut().find(|c| c.key == key).unwrap()
    }

    const LAB: &str = "name: lab\nnetworks:\n  front: {subnet: 10.210.1.0/24}\n  back: {}\nnodes:\n  \
        web: {image: img, networks: {front: {ipv4: 10.210.1.10, aliases: [www]}, back: {}}}\n  \
        db: {image: img, networks: [back]}\n  \
        router: {image: img, networks: [front, back]}\n  \
        client: {image: img, networks: [front], routes: [{to: back, via: router}]}\n";

    /// From nothing: networks first, then nodes (each after its networks), then routes.
    #[test]
    fn from_scratch() {
        let s = spec(LAB);
        let p = plan(&s, Observed::default());
        let o = ops(&p);
        assert_eq!(p.len(), 7, "{p}");
        assert!(o[0].starts_with("create network back (lab-back) 10.210.0.0/24"), "{p}");
        assert!(o[1].starts_with("create network front (lab-front) 10.210.1.0/24"), "{p}");
        assert!(o[2..6].iter().all(|x| x.starts_with("run node")), "{p}");
        assert!(o[6].starts_with("set route in client: 10.210.0.0/24 (back) via router"), "{p}");
        let web = p.actions.iter().find(|a| matches!(&a.op, Op::RunNode { node, .. } if node == "web")).unwrap();
        assert_eq!(web.after, [1, 2]);
        let route = &p.actions[6];
        assert_eq!(route.after.len(), 4, "{route:?}");
        // JSON carries the same.
        let j: Value = serde_json::from_str(&p.to_json()).unwrap();
        assert_eq!(j["actions"][0]["action"], "create_network");
        assert_eq!(j["subnets"]["back"][0], "10.210.0.0/24");
    }

    /// An applied topology plans nothing, although the daemon adds aliases, gateways and MACs.
    #[test]
    fn applied_plans_nothing() {
        let s = spec(LAB);
        let p = plan(&s, applied(&s));
        assert!(p.is_empty(), "{p}");
        assert_eq!(p.to_string(), "topology \"lab\" is up to date: nothing to do");
        // The allocated subnet stays where it is when the pool changes or the space before it frees up.
        let mut s2 = s.clone();
        s2.pool = Some("10.99.0.0/16".into());
        assert!(plan(&s2, applied(&s)).is_empty());
        let d = diff(&s, &resolve_subnets(&s, &applied(&s)).unwrap(), &applied(&s)).unwrap();
        assert!(d.elements.iter().all(|e| e.state == State::Present), "{:?}", d.elements);
    }

    /// A new attachment is a connect of the running container; a removed one a disconnect.
    #[test]
    fn attachments_change_in_place() {
        let s = spec(LAB);
        let obs = applied(&s);
        let more =
            spec(&LAB.replace("db: {image: img, networks: [back]}", "db: {image: img, networks: [back, front]}"));
        let p = plan(&more, obs.clone());
        assert_eq!(ops(&p), ["connect db to front (aliases db)"], "{p}");
        let fewer = spec(&LAB.replace("router: {image: img, networks: [front, back]}\n  client: {image: img, networks: [front], routes: [{to: back, via: router}]}", "router: {image: img, networks: [front]}"));
        let p = plan(&fewer, applied(&s));
        let o = ops(&p);
        assert!(o.contains(&"disconnect router from back".to_string()), "{p}");
        assert!(o.contains(&"remove node client (lab-client)".to_string()), "{p}");
        assert!(!o.iter().any(|x| x.starts_with("recreate")), "{p}");
        // Changing an attachment's address or aliases reconnects it, in place.
        let moved = spec(&LAB.replace("ipv4: 10.210.1.10, aliases: [www]", "ipv4: 10.210.1.11, aliases: [www, w3]"));
        let p = plan(&moved, applied(&s));
        assert_eq!(
            ops(&p),
            ["disconnect web from front", "connect web to front (ipv4 10.210.1.11; aliases www, w3, web)"],
            "{p}"
        );
        assert_eq!(p.actions[1].after, [1]);
        assert!(p.actions[1].reason.as_deref().unwrap().contains("ipv4: 10.210.1.10 → 10.210.1.11"), "{p}");
        // A node moving from one network to another: the connect waits for the disconnect, so
        // the apply runs them in the same order every time.
        let switched = spec(&LAB.replace("db: {image: img, networks: [back]}", "db: {image: img, networks: [front]}"));
        let p = plan(&switched, applied(&s));
        assert_eq!(ops(&p), ["disconnect db from back", "connect db to front (aliases db)"], "{p}");
        assert_eq!((p.actions[0].after.as_slice(), p.actions[1].after.as_slice()), (&[][..], &[1][..]), "{p}");
    }

    /// Status names an attachment whose network is recreated under it as changed (drifted, with
    /// the address it moves from), not as missing: the container is connected today.
    #[test]
    fn a_recreated_networks_attachments_are_changed_not_missing() {
        let s = spec(LAB);
        let moved = spec(&LAB.replace("10.210.1.0/24", "10.210.2.0/24").replace("10.210.1.10", "10.210.2.10"));
        let d = diff(&moved, &resolve_subnets(&moved, &applied(&s)).unwrap(), &applied(&s)).unwrap();
        let state = |path: &str| d.elements.iter().find(|e| e.path == path).map(|e| (e.state, e.detail.clone()));
        let (st, detail) = state("nodes.web.networks.front").unwrap();
        assert_eq!(st, State::Drifted, "{:?}", d.elements);
        assert_eq!(detail.as_deref(), Some("network front is recreated; ipv4: 10.210.1.10 → 10.210.2.10"));
        assert_eq!(state("nodes.client.networks.front").unwrap().0, State::Drifted, "{:?}", d.elements);
        assert_eq!(state("networks.front").unwrap().0, State::Drifted, "{:?}", d.elements);
    }

    /// A new node is a run; the others are untouched.
    #[test]
    fn new_node_runs() {
        let s = spec(LAB);
        let more = spec(&format!("{LAB}  extra: {{image: img, networks: [back]}}\n"));
        let p = plan(&more, applied(&s));
        assert_eq!(ops(&p), ["run node extra (lab-extra) from img on back"], "{p}");
        assert!(p.actions[0].after.is_empty());
    }

    /// A changed image recreates the node and says why; a node that stopped is recreated too;
    /// routes through a recreated router are set again.
    #[test]
    fn recreate_with_reason() {
        let s = spec(LAB);
        let changed = spec(&LAB.replace("router: {image: img", "router: {image: img2"));
        let p = plan(&changed, applied(&s));
        assert_eq!(p.actions[0].op.describe(), "recreate node router (lab-router) from img2");
        assert_eq!(p.actions[0].reason.as_deref(), Some("image: \"img\" → \"img2\""));
        assert!(matches!(&p.actions[1].op, Op::SetRoute { node, .. } if node == "client"), "{p}");
        assert_eq!(p.actions[1].after, [1]);
        assert_eq!(p.len(), 2, "{p}");

        let mut obs = applied(&s);
        let db = container(&mut obs, "db");
        db.running = false;
        db.state = "exited".into();
        let p = plan(&s, obs);
        assert_eq!(p.actions[0].reason.as_deref(), Some("the container is exited (not running)"), "{p}");
    }

    /// Drift made by hand is repaired: a disconnected attachment is connected again, a missing
    /// route is set again, a stray route is removed.
    #[test]
    fn drift_is_repaired() {
        let s = spec(LAB);
        let mut obs = applied(&s);
        container(&mut obs, "db").attachments.clear();
        let client = container(&mut obs, "client");
        let routes = client.routes.as_mut().unwrap();
        routes.clear();
        routes.push(super::super::routes::RouteEntry {
            destination: "10.9.0.0/16".into(),
            gateway: "10.210.1.3".into(),
            dev: None,
        });
        let p = plan(&s, obs);
        let o = ops(&p);
        assert!(o.contains(&"connect db to back (aliases db)".to_string()), "{p}");
        assert!(o.iter().any(|x| x.starts_with("set route in client")), "{p}");
        assert!(o.contains(&"remove route in client: 10.9.0.0/16 via 10.210.1.3".to_string()), "{p}");
    }

    /// A declared `link` is set after the node runs; a changed one, or one the kernel lost, is
    /// an in-place impair action (never a recreation), and status calls it drifted or missing.
    #[test]
    fn impairments_change_in_place() {
        let lab = "name: lab\nnetworks: {wan: {subnet: 10.210.9.0/24}}\nnodes:\n  \
                   client: {image: i, networks: {wan: {ipv4: 10.210.9.10, link: {delay: 40ms, loss: 1%}}}}\n  \
                   server: {image: i, networks: [wan]}\n";
        let s = spec(lab);
        let fresh = plan(&s, Observed::default());
        let o = ops(&fresh);
        assert!(o.contains(&"impair node client on wan: delay 40ms loss 1%".to_string()), "{fresh}");
        let run = fresh.actions.iter().find(|a| matches!(&a.op, Op::RunNode { node, .. } if node == "client")).unwrap();
        let imp = fresh.actions.iter().find(|a| matches!(a.op, Op::Impair { .. })).unwrap();
        assert_eq!(imp.after, [run.id]);
        assert!(plan(&s, applied(&s)).is_empty());

        let slower = spec(&lab.replace("delay: 40ms", "delay: 80ms"));
        let p = plan(&slower, applied(&s));
        assert_eq!(ops(&p), ["impair node client on wan: delay 40ms loss 1% → delay 80ms loss 1%"], "{p}");
        let d = diff(&slower, &p.nets, &applied(&s)).unwrap();
        let e = d.elements.iter().find(|e| e.kind == ElementKind::Link).unwrap();
        assert_eq!((e.path.as_str(), e.state), ("nodes.client.networks.wan.link", State::Drifted));

        let mut restarted = applied(&s);
        container(&mut restarted, "client").impair.as_mut().unwrap().values_mut().for_each(|v| *v = None);
        let p = plan(&s, restarted.clone());
        assert_eq!(ops(&p), ["impair node client on wan: none → delay 40ms loss 1%"], "{p}");
        assert!(p.actions[0].reason.as_deref().unwrap().contains("missing in the kernel"), "{p}");
        let d = diff(&s, &p.nets, &restarted).unwrap();
        assert!(d.elements.iter().any(|e| e.kind == ElementKind::Link && e.state == State::Missing));

        let plain = spec(&lab.replace(", link: {delay: 40ms, loss: 1%}", ""));
        let p = plan(&plain, applied(&s));
        assert_eq!(ops(&p), ["impair node client on wan: delay 40ms loss 1% → none"], "{p}");
    }

    /// A network whose options changed is recreated with its containers disconnected first and
    /// connected again after — the containers stay.
    #[test]
    fn network_recreation_keeps_containers() {
        let s = spec(LAB);
        let internal = spec(&LAB.replacen("back: {}", "back: {internal: true}", 1));
        let p = plan(&internal, applied(&s));
        let o = ops(&p);
        assert!(o.iter().any(|x| x.starts_with("recreate network back")), "{p}");
        assert_eq!(o.iter().filter(|x| x.starts_with("disconnect")).count(), 3, "{p}");
        assert_eq!(o.iter().filter(|x| x.starts_with("connect")).count(), 3, "{p}");
        assert!(!o.iter().any(|x| x.starts_with("recreate node") || x.starts_with("run node")), "{p}");
        let rec = p.actions.iter().find(|a| matches!(a.op, Op::RecreateNetwork { .. })).unwrap();
        assert_eq!(rec.after, [1, 2, 3]);
        assert_eq!(rec.reason.as_deref(), Some("internal: false → true"));
    }

    /// Names held by objects the topology does not own are conflicts, reported all at once.
    #[test]
    fn collisions_are_conflicts() {
        let s = spec(LAB);
        let mut obs = Observed::default();
        obs.foreign_networks.insert("lab-front".into(), "it has no dockernet.topology label".into());
        obs.foreign_containers.insert("lab-db".into(), "it belongs to topology \"other\"".into());
        obs.taken.push(Taken { net: "10.210.1.0/25".parse().unwrap(), holder: "network \"big\"".into() });
        let e = make_plan(&s, obs).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Conflict);
        let m = e.message();
        assert!(m.contains("networks.front: a network named \"lab-front\" already exists"), "{m}");
        assert!(m.contains("nodes.db: a container named \"lab-db\""), "{m}");
        assert!(m.contains("networks.front.subnet: 10.210.1.0/24 overlaps 10.210.1.0/25 of network \"big\""), "{m}");
        assert!(m.contains("nothing was changed"), "{m}");
    }

    /// Objects the declaration dropped are removed, containers before their networks.
    #[test]
    fn removals_come_last() {
        let s = spec(LAB);
        let smaller = spec("name: lab\nnetworks:\n  front: {subnet: 10.210.1.0/24}\nnodes:\n  web: {image: img, networks: {front: {ipv4: 10.210.1.10, aliases: [www]}}}\n");
        let p = plan(&smaller, applied(&s));
        let o = ops(&p);
        assert_eq!(o.first().unwrap(), "disconnect web from back", "{p}");
        let last = p.actions.last().unwrap();
        assert_eq!(last.op.describe(), "remove network back (lab-back)");
        assert_eq!(last.after.len(), 2, "after db and router (client was not on back): {p}");
    }

    const SECRETS: [&str; 4] = ["hunter2", "s3cret-2", "k3y-value", "app-user"];

    fn env_lab(env: &str) -> Spec {
        spec(&format!("name: lab\nnetworks: [a]\nnodes:\n  db: {{image: img, networks: [a], env: {env}}}\n  web: {{image: img, networks: [a]}}\n"))
    }

    /// Everything plan and status show, as text.
    fn shown(s: &Spec, obs: &Observed) -> String {
        let p = make_plan(s, obs.clone()).unwrap();
        let nets = resolve_subnets(s, obs).unwrap();
        let st = crate::topology::Status { topology: s.name.clone(), elements: diff(s, &nets, obs).unwrap().elements };
        format!("{p}\n{}\n{st}\n{}\n{obs:?}", p.to_json(), serde_json::to_string(&st).unwrap())
    }

    /// Environment values never reach the configuration label, a plan (text or JSON) or a status:
    /// a change is named by variable, and unchanged values plan nothing.
    #[test]
    fn env_values_are_never_shown() {
        let s = env_lab("{DB_PASSWORD: hunter2, USER: app-user}");
        let label = s.node_config("db").to_string();
        assert!(SECRETS.iter().all(|x| !label.contains(x)), "{label}");
        assert!(label.contains(&super::super::spec::env_digest("DB_PASSWORD", "hunter2")), "{label}");
        assert!(plan(&s, applied(&s)).is_empty());
        let changed = env_lab("{DB_PASSWORD: s3cret-2, API_KEY: k3y-value}");
        let p = plan(&changed, applied(&s));
        assert_eq!(ops(&p), ["recreate node db (lab-db) from img"], "{p}");
        assert_eq!(p.actions[0].reason.as_deref(), Some("env: API_KEY added, DB_PASSWORD changed, USER removed"));
        let text = shown(&changed, &applied(&s));
        assert!(text.contains("env: API_KEY added, DB_PASSWORD changed, USER removed"), "{text}");
        assert!(SECRETS.iter().all(|x| !text.contains(x)), "a value is shown:\n{text}");
        // The same variable with the same value in another node's environment has another digest.
        assert_ne!(super::super::spec::env_digest("A", "x"), super::super::spec::env_digest("B", "x"),);
    }

    /// A container whose label an older dockernet wrote with the values in plain text: the values
    /// are dropped on reading, and the node is recreated once so its label holds digests.
    #[test]
    fn plain_env_labels_from_older_versions() {
        let s = env_lab("{DB_PASSWORD: hunter2}");
        let mut obs = applied(&s);
        let mut old = s.node_config("db");
        old["env"] = json!({"DB_PASSWORD": "hunter2"});
        let doc = json!({"Id": hex_id("lab-db"), "Name": "/lab-db",
            "Config": {"Labels": {super::super::spec::LABEL_CONFIG: old.to_string()}}});
        container(&mut obs, "db").config = container_from_doc(&doc).config;
        let text = shown(&s, &obs);
        assert!(!text.contains("hunter2"), "a value is shown:\n{text}");
        let p = plan(&s, obs);
        assert_eq!(
            p.actions[0].reason.as_deref(),
            Some("env: recorded with its values by an older dockernet (recreated so the label keeps digests only)"),
            "{p}"
        );
        // An older label with no environment at all compares equal: nothing to recreate.
        let quiet = env_lab("{}");
        let mut obs = applied(&quiet);
        let mut old = quiet.node_config("db");
        old["env"] = json!({});
        let doc = json!({"Config": {"Labels": {super::super::spec::LABEL_CONFIG: old.to_string()}}});
        container(&mut obs, "db").config = container_from_doc(&doc).config;
        assert!(plan(&quiet, obs).is_empty());
    }

    /// Planning against an applied 20,000-node topology is linear too (every node's container
    /// used to be found by scanning all of them: 400 million comparisons), and plans nothing.
    #[test]
    fn replanning_a_large_applied_topology() {
        let mut y = String::from("name: big\npool: 10.64.0.0/12\nsubnet_size: 22\nimage: img\nnetworks:\n");
        for i in 0..100 {
            y.push_str(&format!("  n{i}: {{}}\n"));
        }
        y.push_str("nodes:\n");
        for i in 0..20_000 {
            y.push_str(&format!("  h{i}: {{networks: [n{}]}}\n", i % 100));
        }
        let s = spec(&y);
        // The applied state built directly (`applied` goes through 20,000 JSON documents).
        let nets = resolve_subnets(&s, &Observed::default()).unwrap();
        let mut obs = Observed::default();
        for (key, _) in s.networks.iter() {
            obs.networks.push(super::super::state::ObservedNetwork {
                key: key.into(),
                name: s.network_name(key),
                id: hex_id(key),
                subnets: nets[key].clone(),
                config: Some(s.network_config(key, &nets[key])),
                ..Default::default()
            });
        }
        for (key, node) in s.nodes.iter() {
            let attachments = node
                .networks
                .names()
                .map(|n| {
                    let a = ObservedAttachment { aliases: [key.to_string()].into(), ..Default::default() };
                    (s.network_name(n), a)
                })
                .collect();
            obs.containers.push(ObservedContainer {
                key: key.into(),
                name: s.node_name(key),
                id: format!("{key}-id"),
                state: "running".into(),
                running: true,
                config: Some(s.node_config(key)),
                attachments,
                routes: Some(Vec::new()),
                ..Default::default()
            });
        }
        let p = plan(&s, obs);
        assert!(p.is_empty(), "{}", p.len());
    }

    /// 1,000 networks and 2,000 nodes plan quickly, with non-overlapping subnets.
    #[test]
    fn a_thousand_networks_and_two_thousand_nodes() {
        let mut y = String::from("name: big\npool: 10.64.0.0/12\nimage: img\nnetworks:\n");
        for i in 0..1000 {
            y.push_str(&format!("  n{i}: {{}}\n"));
        }
        y.push_str("nodes:\n");
        for i in 0..2000 {
            y.push_str(&format!("  h{i}: {{networks: [n{}, n{}]}}\n", i % 1000, (i * 7 + 1) % 1000));
        }
        let start = std::time::Instant::now();
        let s: Spec = crate::options::from_deserializer(serde_yaml_ng::Deserializer::from_str(&y), "t").unwrap();
        s.validate().unwrap();
        let p = plan(&s, Observed::default());
        let took = start.elapsed();
        assert_eq!(p.len(), 3000);
        let mut subnets: Vec<&String> = p.subnets.values().flatten().collect();
        subnets.sort();
        subnets.dedup();
        assert_eq!(subnets.len(), 1000);
        eprintln!("parse + validate + plan of 1,000 networks / 2,000 nodes: {took:?}");
    }
}
