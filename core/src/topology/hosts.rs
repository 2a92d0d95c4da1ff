//! Labs across hosts: one declaration, several daemons, joined by Swarm overlay networks.
//!
//! A topology that declares `hosts` places each node on one of them (`nodes.web.host`). From
//! that placement alone ([`Layout`]):
//! - a network used by nodes on more than one host becomes an **attachable overlay** created on
//!   the swarm's manager (the plan says so); a network used on one host stays what it declares
//!   (a bridge by default) on that host; a network no node uses lives on the manager (or the
//!   first host);
//! - each host gets its **share** of the declaration — its nodes and the networks created on
//!   it — and is observed and diffed exactly as a single-daemon topology is (state.rs,
//!   plan.rs), so every rule of the single-host engine (never adopt, in-place attachment changes,
//!   recorded configuration) holds per host;
//! - subnets are planned once, against the networks and routes of **every** host;
//! - the plan's actions carry their host, and cross-host dependencies are added: a node on a
//!   worker that attaches to an overlay waits for the overlay's creation on the manager and for
//!   its host's swarm join; an overlay's removal waits for every node removal.
//!
//! Swarm: with `swarm: {manager: a}`, hosts that are in no swarm get `init` (on `a`, the swarm
//! labelled with the topology's name) and `join` (the others, as workers) actions; destroy
//! leaves only a swarm carrying that label. Without `swarm`, networks that span hosts need the
//! hosts to be in one swarm already, and the first manager among them creates them.
//!
//! Images: a node's image missing on its host is copied from a host that has it, through the
//! API (`GET /images/get` → `POST /images/load`); an image on none of the hosts is refused, or,
//! when the topology says `pull: true`, pulled by each host that needs it.
//!
//! Daemon behaviour this relies on (Docker 20.10 and current): a swarm-scoped network created
//! on a manager is not listed by a worker until a container there uses it, and a standalone
//! container on a worker can attach to an *attachable* overlay by name; a worker cannot create
//! or remove swarm-scoped networks, so everything about them goes to the manager.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::future::join_all;
use ipnet::IpNet;

use super::diff;
use super::layout::Layout;
use super::plan::{self, Action, HostItem, Op, Plan};
use super::spec::{Spec, LABEL};
use super::state::{self, Observed};
use super::status::Element;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::host::{Host, TlsFiles};
use crate::swarm::SwarmState;

/// The swarm label a topology puts on a swarm it formed (`dockernet.topology=<name>` on the
/// swarm's spec): destroy leaves only such a swarm.
pub const SWARM_LABEL: &str = LABEL;

/// The daemons of a topology: the client an operation is given (the default, for hosts that
/// name no address and for single-daemon topologies) and one client per declared host.
#[derive(Debug)]
pub(crate) struct Hosts<'a> {
    default: &'a Client,
    /// `None`: the host is the default daemon.
    by_name: BTreeMap<String, Option<Client>>,
}

impl<'a> Hosts<'a> {
    /// One daemon: every action goes to `client`.
    pub(crate) fn single(client: &'a Client) -> Hosts<'a> {
        Hosts { default: client, by_name: BTreeMap::new() }
    }

    /// A client per declared host (`host`, `context`, or the default client), sharing the
    /// default's timeout. Two hosts naming the same address are refused: each would see the
    /// other's nodes as its own leftovers.
    pub(crate) fn connect(spec: &Spec, default: &'a Client) -> Result<Hosts<'a>> {
        let mut by_name = BTreeMap::new();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for (key, h) in spec.hosts.iter() {
            let path = format!("hosts.{key}");
            let client = if let Some(url) = &h.host {
                let tls = h.tls.as_ref().map(|t| TlsFiles {
                    ca: t.ca.clone().into(),
                    cert: t.cert.clone().into(),
                    key: t.key.clone().into(),
                });
                let host = Host::parse(url, &format!("{path}.host"), tls).map_err(|e| e.context(&path))?;
                Some(Client::with_host(host, default.timeout()).map_err(|e| e.context(&path))?)
            } else if let Some(ctx) = &h.context {
                let host = Host::from_context(ctx).map_err(|e| e.context(&path))?;
                Some(Client::with_host(host, default.timeout()).map_err(|e| e.context(&path))?)
            } else {
                None
            };
            let url = client.as_ref().unwrap_or(default).host().url.clone();
            if let Some(other) = seen.insert(url.clone(), key.to_string()) {
                return Err(Error::invalid(format!(
                    "hosts.{key}: the same daemon as hosts.{other} ({url}); each host of a topology must be a \
                     different daemon"
                )));
            }
            by_name.insert(key.to_string(), client);
        }
        Ok(Hosts { default, by_name })
    }

    /// The client of `host` (`None`: the default).
    pub(crate) fn of(&self, host: Option<&str>) -> &Client {
        host.and_then(|h| self.by_name.get(h)).and_then(Option::as_ref).unwrap_or(self.default)
    }

    /// Every declared host and its client, in name order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Client)> {
        self.by_name.iter().map(|(k, c)| (k.as_str(), c.as_ref().unwrap_or(self.default)))
    }
}

/// What a lab across hosts looks like now: each host's swarm state, observation and images.
pub(crate) struct Survey {
    pub layout: Layout,
    pub swarm: BTreeMap<String, SwarmState>,
    /// Node ids of the manager's swarm (to tell whether another host is in it).
    pub members: BTreeSet<String>,
    pub observed: BTreeMap<String, Observed>,
    /// For each image the nodes use: the hosts that have it.
    pub images: BTreeMap<String, BTreeSet<String>>,
}

/// Reads every host (concurrently): swarm state, the topology's objects (each host observed
/// with its share of the declaration), and which hosts hold the nodes' images.
pub(crate) async fn survey(spec: &Spec, hosts: &Hosts<'_>, routes: bool) -> Result<Survey> {
    let states = join_all(hosts.iter().map(|(h, c)| async move {
        c.swarm_state().await.map(|s| (h.to_string(), s)).map_err(|e| e.context(format!("host {h}")))
    }))
    .await;
    let mut swarm = BTreeMap::new();
    for s in states {
        let (h, s) = s?;
        swarm.insert(h, s);
    }
    let manager = match &spec.swarm {
        Some(sw) => Some(sw.manager.clone()),
        None => swarm.iter().find(|(_, s)| s.is_active() && s.control_available).map(|(h, _)| h.clone()),
    };
    let layout = Layout::new(spec, manager);
    let members = match layout.manager.as_deref().filter(|m| swarm.get(*m).is_some_and(|s| s.control_available)) {
        Some(m) => hosts
            .of(Some(m))
            .swarm_nodes()
            .await
            .map_err(|e| e.context(format!("host {m}")))?
            .iter()
            .map(|d| d.str_field("ID"))
            .collect(),
        None => BTreeSet::new(),
    };
    let spanning = &layout.spanning;
    let observed = join_all(hosts.iter().map(|(h, c)| {
        let share = layout.specs.get(h).cloned().unwrap_or_default();
        let is_manager = layout.manager.as_deref() == Some(h);
        async move {
            let mut obs = state::observe(c, &share, routes).await.map_err(|e| e.context(format!("host {h}")))?;
            if !is_manager {
                // A worker lists a swarm network some container of its uses: it belongs to the
                // manager's share, and only the manager can change it.
                obs.networks.retain(|n| n.facts.scope != "swarm");
            }
            forget_overlay_allocations(spec, spanning, &mut obs);
            Ok::<_, Error>((h.to_string(), obs))
        }
    }))
    .await;
    let mut obs_by_host = BTreeMap::new();
    for o in observed {
        let (h, o) = o?;
        obs_by_host.insert(h, o);
    }
    let wanted: BTreeSet<String> = spec.nodes.iter().map(|(_, n)| spec.node_image(n)).collect();
    let checks = join_all(wanted.iter().flat_map(|img| {
        hosts.iter().map(move |(h, c)| async move {
            c.image_exists(img).await.map(|yes| (img.clone(), h.to_string(), yes)).map_err(|e| e.context(format!("host {h}")))
        })
    }))
    .await;
    let mut images: BTreeMap<String, BTreeSet<String>> = wanted.iter().map(|i| (i.clone(), BTreeSet::new())).collect();
    for c in checks {
        let (img, h, yes) = c?;
        if yes {
            images.entry(img).or_default().insert(h);
        }
    }
    Ok(Survey { layout, swarm, members, observed: obs_by_host, images })
}

/// An endpoint on an overlay records the address the swarm allocated as if it had been asked
/// for (`IPAMConfig.IPv4Address`, seen on Docker 20.10): unless the declaration asks for an
/// address there, it is not a static one, or every plan would reconnect the node.
fn forget_overlay_allocations(spec: &Spec, spanning: &BTreeSet<String>, obs: &mut Observed) {
    for c in &mut obs.containers {
        for k in spanning {
            let Some(a) = c.attachments.get_mut(&spec.network_name(k)) else { continue };
            let declared = spec.nodes.get(&c.key).and_then(|n| n.networks.get(k));
            // The recorded one need not equal the current address (a stopped container has
            // none), so whatever is recorded goes when nothing was declared.
            if declared.is_none_or(|o| o.ipv4.is_none()) {
                a.static_ipv4 = None;
            }
            if declared.is_none_or(|o| o.ipv6.is_none()) {
                a.static_ipv6 = None;
            }
        }
    }
}

impl Survey {
    /// Every host's observation in one (for subnet planning, apply's lookups and verify): node
    /// and network keys are unique across hosts, so nothing collides.
    pub(crate) fn merged(&self) -> Observed {
        let mut all = Observed::default();
        for o in self.observed.values() {
            all.networks.extend(o.networks.iter().cloned());
            all.containers.extend(o.containers.iter().cloned());
            all.foreign_networks.extend(o.foreign_networks.clone());
            all.foreign_containers.extend(o.foreign_containers.clone());
            all.taken.extend(o.taken.iter().cloned());
        }
        all
    }
}

/// The plan (or, for status, the elements) of a lab across hosts: see the file notes.
pub(crate) async fn plan(spec: &Spec, hosts: &Hosts<'_>, routes: bool) -> Result<(Plan, Vec<Element>)> {
    let survey = survey(spec, hosts, routes).await?;
    let merged = survey.merged();
    let nets = diff::resolve_subnets(spec, &merged)?;
    let layout = &survey.layout;
    let topo = &spec.name;

    let mut items: Vec<HostItem> = Vec::new();
    let mut problems: Vec<String> = Vec::new();

    // Swarm: form it, or check that the hosts that need it are in it.
    let mut init = None;
    let mut joins: BTreeMap<String, usize> = BTreeMap::new();
    let needs_swarm: BTreeSet<String> = if spec.swarm.is_some() {
        spec.hosts.names().map(str::to_string).collect()
    } else {
        let by_net = spec.hosts_by_network();
        layout
            .spanning
            .iter()
            .flat_map(|k| by_net.get(k.as_str()).into_iter().flatten().map(|h| h.to_string()))
            .chain(layout.manager.clone().filter(|_| !layout.spanning.is_empty()))
            .collect()
    };
    if !needs_swarm.is_empty() {
        match layout.manager.as_deref() {
            None => problems.push(format!(
                "networks {} span hosts, which needs the hosts in one swarm, and none of them is a swarm manager: \
                 add swarm: {{manager: {}}} to have dockernet form one, or join them to one",
                layout.spanning.iter().cloned().collect::<Vec<_>>().join(", "),
                spec.hosts.names().next().unwrap_or("a")
            )),
            Some(m) => {
                let ms = survey.swarm.get(m).cloned().unwrap_or_default();
                if !ms.is_active() {
                    if spec.swarm.is_some() {
                        items.push((Some(m.to_string()), Op::InitSwarm { manager: m.to_string() }, None, vec![]));
                        init = Some(items.len());
                    } else {
                        problems.push(format!("hosts.{m}: not in a swarm"));
                    }
                } else if !ms.control_available {
                    problems.push(format!(
                        "swarm.manager: host {m} is a worker of a swarm, not a manager: name a manager of that swarm \
                         (or make {m} leave it)"
                    ));
                }
                for h in &needs_swarm {
                    if h == m {
                        continue;
                    }
                    let s = survey.swarm.get(h).cloned().unwrap_or_default();
                    if s.is_active() {
                        if !survey.members.is_empty() && !survey.members.contains(&s.node_id) {
                            problems.push(format!(
                                "hosts.{h}: in another swarm than manager {m} (node {}); leave it first (docker swarm \
                                 leave) or place its nodes elsewhere",
                                s.node_id
                            ));
                        }
                    } else if spec.swarm.is_some() {
                        items.push((
                            Some(h.clone()),
                            Op::JoinSwarm { manager: m.to_string() },
                            None,
                            init.into_iter().collect(),
                        ));
                        joins.insert(h.clone(), items.len());
                    } else {
                        problems.push(format!(
                            "hosts.{h}: not in the swarm of {m}, and its nodes use networks that span hosts: add \
                             swarm: {{manager: {m}}} to have dockernet join it, or join it yourself"
                        ));
                    }
                }
            }
        }
    }

    // Images: copy what a host lacks from a host that has it.
    let mut copies: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (key, n) in spec.nodes.iter() {
        let (Some(h), img) = (spec.node_host(key), spec.node_image(n)) else { continue };
        let have = survey.images.get(&img).cloned().unwrap_or_default();
        if have.contains(h) || copies.contains_key(&(h.to_string(), img.clone())) {
            continue;
        }
        match have.iter().next() {
            Some(from) => {
                items.push((Some(h.to_string()), Op::CopyImage { image: img.clone(), from: from.clone() }, None, vec![]));
                copies.insert((h.to_string(), img), items.len());
            }
            // Each host that needs it pulls it itself: a pull on one host and a copy to the others
            // would hold the whole archive in memory (image.rs) for no gain.
            None if spec.pull => {
                items.push((Some(h.to_string()), Op::PullImage { image: img.clone() }, None, vec![]));
                copies.insert((h.to_string(), img), items.len());
            }
            None => problems.push(format!(
                "nodes.{key}.image: {img:?} is on none of the hosts ({}); dockernet pulls only when the topology says \
                 pull: true: load it on one of them (docker load, or scripts/dev/test-image.sh for the test image), \
                 or add pull: true",
                spec.hosts.names().collect::<Vec<_>>().join(", ")
            )),
        }
    }

    // An overlay recreated while containers on other hosts use it cannot be done in place.
    for (h, obs) in &survey.observed {
        if Some(h.as_str()) == layout.manager.as_deref() {
            continue;
        }
        for c in &obs.containers {
            for k in &layout.spanning {
                let name = spec.network_name(k);
                if c.attachments.contains_key(&name) {
                    let m = layout.manager.as_deref().unwrap_or_default();
                    if let Some(o) = survey.observed.get(m).and_then(|o| o.network(k)) {
                        let share = layout.spec_of(Some(m), spec);
                        let want = share.network_config(k, nets.get(k).map(Vec::as_slice).unwrap_or_default());
                        let why = diff::config_diff(o.config.as_ref(), &want);
                        if !why.is_empty() {
                            problems.push(format!(
                                "networks.{k}: the overlay must be recreated ({}) but node {} on host {h} uses it; \
                                 destroy the topology and apply it again",
                                why.join("; "),
                                c.key
                            ));
                        }
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        let n = problems.len();
        return Err(Error::conflict(format!(
            "topology {topo:?} cannot be applied ({n} problem{}), nothing was changed:\n  {}",
            if n == 1 { "" } else { "s" },
            problems.join("\n  ")
        )));
    }

    // Each host's diff, then one numbering with the cross-host dependencies.
    let mut elements = Vec::new();
    let mut per_host: Vec<(String, usize, Vec<Action>)> = Vec::new();
    for (h, share) in &layout.specs {
        let obs = survey.observed.get(h).cloned().unwrap_or_default();
        let d = diff::diff(share, &nets, &obs).map_err(|e| e.context(format!("host {h}")))?;
        elements.extend(d.elements);
        per_host.push((h.clone(), items.len(), d.actions.clone()));
        for a in d.actions {
            let reason = match &a.op {
                Op::CreateNetwork { network, .. } if a.reason.is_none() => overlay_reason(layout, spec, network),
                _ => a.reason,
            };
            items.push((Some(h.clone()), a.op, reason, Vec::new()));
        }
    }
    // Positions (1-based) of the overlays' creation on the manager, and of every node removal.
    let mut overlay_made: BTreeMap<String, usize> = BTreeMap::new();
    let mut removals = Vec::new();
    for (_, base, actions) in &per_host {
        for (i, a) in actions.iter().enumerate() {
            match &a.op {
                Op::CreateNetwork { network, .. } | Op::RecreateNetwork { network, .. }
                    if layout.spanning.contains(network) =>
                {
                    overlay_made.insert(network.clone(), base + i + 1);
                }
                Op::RemoveNode { .. } => removals.push(base + i + 1),
                _ => {}
            }
        }
    }
    for (h, base, actions) in &per_host {
        for (i, a) in actions.iter().enumerate() {
            let pos = base + i;
            let mut after: Vec<usize> = a.after.iter().map(|d| base + d).collect();
            let (uses, image): (Vec<&str>, Option<String>) = match &a.op {
                Op::RunNode { node, networks, .. } | Op::RecreateNode { node, networks, .. } => {
                    let img = spec.nodes.get(node).map(|n| spec.node_image(n));
                    (networks.iter().map(String::as_str).collect(), img)
                }
                Op::Connect { network, .. } => (vec![network.as_str()], None),
                Op::CreateNetwork { network, .. } | Op::RecreateNetwork { network, .. }
                    if layout.spanning.contains(network) =>
                {
                    after.extend(init);
                    (vec![], None)
                }
                Op::RemoveNetwork { network, .. } if layout.spanning.contains(network) => {
                    after.extend(removals.iter().copied().filter(|&r| r != pos + 1));
                    (vec![], None)
                }
                _ => (vec![], None),
            };
            for k in uses {
                if layout.spanning.contains(k) {
                    after.extend(overlay_made.get(k).copied().filter(|&p| p != pos + 1));
                    after.extend(joins.get(h).copied());
                    after.extend(init);
                }
            }
            if let Some(img) = image {
                after.extend(copies.get(&(h.clone(), img)).copied());
            }
            items[pos].3 = after;
        }
    }
    let actions = plan::number(items);
    let plan = Plan {
        topology: topo.clone(),
        subnets: nets.iter().map(|(k, v)| (k.clone(), v.iter().map(IpNet::to_string).collect())).collect(),
        actions,
        observed: std::sync::Arc::new(merged),
        nets,
        layout: Some(std::sync::Arc::new(survey.layout)),
    };
    Ok((plan, elements))
}

/// The reason an action of a lab across hosts adds to its description: why a network is an
/// overlay, on which host.
pub(crate) fn overlay_reason(layout: &Layout, spec: &Spec, key: &str) -> Option<String> {
    if !layout.spanning.contains(key) {
        return None;
    }
    let by_net = spec.hosts_by_network();
    let on: Vec<&str> = by_net.get(key).map(|s| s.iter().copied().collect()).unwrap_or_default();
    Some(if on.len() > 1 {
        format!("used on hosts {}: an attachable overlay, created on the manager", on.join(", "))
    } else {
        "declared overlay: created on the manager".to_string()
    })
}

/// Destroys a lab across hosts: containers on every host first (concurrently), then the
/// networks — local ones on their host, swarm-scoped ones on the manager only — then, when the
/// swarm carries the topology's label (the topology formed it), every host leaves it (workers
/// first).
pub(crate) async fn destroy(spec: &Spec, hosts: &Hosts<'_>, concurrency: usize) -> Result<super::DestroyReport> {
    let name = &spec.name;
    let mut report = super::DestroyReport { topology: name.clone(), ..Default::default() };
    let results = join_all(hosts.iter().map(|(h, c)| async move {
        super::destroy::containers(c, name, concurrency).await.map_err(|e| e.context(format!("host {h}")))
    }))
    .await;
    for r in results {
        report.containers.extend(r?);
    }
    let states = join_all(hosts.iter().map(|(h, c)| async move { (h.to_string(), c.swarm_state().await) })).await;
    let states: BTreeMap<String, SwarmState> =
        states.into_iter().filter_map(|(h, s)| s.ok().map(|s| (h, s))).collect();
    let results = join_all(hosts.iter().map(|(h, c)| {
        let manager = states.get(h).is_some_and(|s| s.control_available);
        async move {
            super::destroy::networks(c, name, concurrency, !manager).await.map_err(|e| e.context(format!("host {h}")))
        }
    }))
    .await;
    let mut first_error = None;
    for r in results {
        match r {
            Ok(n) => report.networks.extend(n),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    // The swarm, when this topology formed it.
    let manager = states.iter().find(|(_, s)| s.control_available).map(|(h, _)| h.clone());
    if let Some(m) = manager {
        let formed = match hosts.of(Some(&m)).swarm_inspect().await {
            Ok(doc) => doc
                .fields::<crate::daemon::SwarmFacts>()
                .is_ok_and(|s| s.spec.labels.get(SWARM_LABEL).map(String::as_str) == Some(name)),
            Err(_) => false,
        };
        if formed {
            let members: Vec<&str> = states.iter().filter(|(_, s)| s.is_active()).map(|(h, _)| h.as_str()).collect();
            for h in members.iter().filter(|h| **h != m).chain(std::iter::once(&m.as_str())) {
                hosts
                    .of(Some(h))
                    .swarm_leave(&crate::swarm::LeaveOptions { force: true })
                    .await
                    .map_err(|e| e.context(format!("destroy topology {name:?}: host {h} leaving the swarm it formed")))?;
                report.swarm_left.push(h.to_string());
            }
        }
    }
    report.containers.sort();
    report.networks.sort();
    Ok(report)
}
