//! What the daemon holds for a topology, read once per operation and turned into plain data
//! ([`Observed`]) so that planning, status and verification are pure functions of it.
//!
//! Ownership is by label only: a network or container belongs to topology `lab` when it carries
//! `dockernet.topology=lab`; which declared element it is comes from
//! `dockernet.topology.network` / `dockernet.topology.node`, never from its name. Everything
//! else on the daemon is foreign: its names are remembered only to refuse collisions (dockernet
//! never adopts an object it did not create), its subnets only to allocate around them.
//!
//! The daemon's own additions are filtered here, once, so that an applied topology compares
//! equal to its declaration: the short-id alias Docker ≤ 24 adds to every endpoint, the
//! container's own name among the aliases, an empty `IPAMConfig` (`{}` vs `null`), `DriverOpts`
//! of `{}` vs `null`.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::stream::{self, StreamExt};
use ipnet::IpNet;
use serde_json::Value;

use super::routes::{self, RouteEntry};
use super::spec::{has_cap, is_env_digest, Spec, LABEL, LABEL_CONFIG, LABEL_NETWORK, LABEL_NODE};
use super::subnets::{self, Taken};
use crate::client::Client;
use crate::container::ExecOptions;
use crate::daemon::{ContainerFacts, EndpointFacts, IpamPoolFacts, NetworkFacts};
use crate::error::Result;
use crate::host::Endpoint;
use crate::network::{ConnectOptions, CreateOptions};
use crate::options::{StringList, StringMap};

/// How many daemon requests plan, status and verify keep in flight at once while reading.
pub(crate) const READ_CONCURRENCY: usize = 16;

/// A network the topology owns, as the daemon has it.
#[derive(Debug, Clone, Default)]
pub struct ObservedNetwork {
    /// Which declared network it is (its `dockernet.topology.network` label).
    pub key: String,
    /// Docker name.
    pub name: String,
    /// Full id.
    pub id: String,
    /// Its subnets.
    pub subnets: Vec<IpNet>,
    /// The configuration it was created from (its `dockernet.topology.config` label).
    pub config: Option<Value>,
    /// Running containers attached: (id, name).
    pub endpoints: Vec<(String, String)>,
    /// What the daemon's inspect says (to re-create it exactly if an apply must be undone, and
    /// to check static addresses against without asking again).
    pub facts: NetworkFacts,
}

/// One attachment of an owned container, with the daemon's additions filtered out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedAttachment {
    /// Network id.
    pub network_id: String,
    /// The IPv4 address it has now (none while stopped).
    pub ipv4: Option<String>,
    /// The IPv6 address it has now.
    pub ipv6: Option<String>,
    /// The static IPv4 address it was given (`IPAMConfig`).
    pub static_ipv4: Option<String>,
    /// The static IPv6 address it was given.
    pub static_ipv6: Option<String>,
    /// User aliases (the daemon's short-id alias and the container's name removed).
    pub aliases: BTreeSet<String>,
    /// Legacy links.
    pub links: BTreeSet<String>,
    /// Link-local addresses given.
    pub link_local_ips: BTreeSet<String>,
    /// Endpoint driver options.
    pub driver_opts: BTreeMap<String, String>,
    /// MAC address.
    pub mac: Option<String>,
    /// Gateway priority (API 1.48+; absent before).
    pub gw_priority: Option<i64>,
}

/// A container the topology owns, as the daemon has it.
#[derive(Debug, Clone, Default)]
pub struct ObservedContainer {
    /// Which declared node it is (its `dockernet.topology.node` label).
    pub key: String,
    /// Docker name.
    pub name: String,
    /// Full id.
    pub id: String,
    /// `running`, `exited`, `created`, …
    pub state: String,
    /// True when running.
    pub running: bool,
    /// The configuration it was created from (its `dockernet.topology.config` label).
    pub config: Option<Value>,
    /// Capabilities it was created with.
    pub cap_add: Vec<String>,
    /// Attachments by Docker network name.
    pub attachments: BTreeMap<String, ObservedAttachment>,
    /// Its routes with a next hop (`None`: not read — stopped, no `ip`, or no routes expected).
    pub routes: Option<Vec<RouteEntry>>,
    /// What dockernet's qdisc sets on each of its networks, by Docker network name, read from the
    /// kernel (`None`: not read — stopped, or no impairment declared, labelled or recorded).
    pub impair: Option<BTreeMap<String, Option<crate::impair::Impairment>>>,
}

/// Everything plan, status, verify and graph need to know about the daemon.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Networks the topology owns.
    pub networks: Vec<ObservedNetwork>,
    /// Containers the topology owns.
    pub containers: Vec<ObservedContainer>,
    /// Names of networks it does not own → who owns them (for collision messages).
    pub foreign_networks: BTreeMap<String, String>,
    /// Names of containers it does not own → who owns them.
    pub foreign_containers: BTreeMap<String, String>,
    /// Subnets of every network on the daemon, and the host's routes (when the daemon is local).
    pub taken: Vec<Taken>,
}

impl Observed {
    /// The owned network for declared network `key`.
    pub fn network(&self, key: &str) -> Option<&ObservedNetwork> {
        self.networks.iter().find(|n| n.key == key)
    }

    /// The owned containers labelled as node `key`.
    pub fn containers_of(&self, key: &str) -> Vec<&ObservedContainer> {
        self.containers.iter().filter(|c| c.key == key).collect()
    }

    /// The container that *is* node `key`: the one with the declared name, else the first.
    pub fn container(&self, spec: &Spec, key: &str) -> Option<&ObservedContainer> {
        let all = self.containers_of(key);
        let name = spec.node_name(key);
        all.iter().find(|c| c.name == name).or(all.first()).copied()
    }
}

/// Who owns an object, by its labels, for collision messages.
fn owner_note(labels: &BTreeMap<String, String>) -> String {
    match labels.get(LABEL) {
        Some(t) => format!("it belongs to topology {t:?}"),
        None => "it has no dockernet.topology label".to_string(),
    }
}

/// One endpoint of an owned container, with the daemon's additions filtered out.
pub fn attachment_from_facts(ep: &EndpointFacts, short_id: &str, container_name: &str) -> ObservedAttachment {
    ObservedAttachment {
        network_id: ep.network_id.clone(),
        ipv4: ep.ip_address.clone(),
        ipv6: ep.global_ipv6_address.clone(),
        static_ipv4: ep.ipam_config.ipv4_address.clone(),
        static_ipv6: ep.ipam_config.ipv6_address.clone(),
        aliases: ep.user_aliases(short_id, container_name).cloned().collect(),
        links: ep.links.iter().cloned().collect(),
        link_local_ips: ep.ipam_config.link_local_ips.iter().cloned().collect(),
        driver_opts: ep.driver_opts.clone(),
        mac: ep.mac_address.clone(),
        gw_priority: ep.gw_priority,
    }
}

/// An owned container, from its inspect.
pub fn container_from_facts(c: &ContainerFacts) -> ObservedContainer {
    let short = crate::lookup::short_id(&c.id);
    ObservedContainer {
        key: c.label(LABEL_NODE).unwrap_or_default().to_string(),
        name: c.name().to_string(),
        id: c.id.clone(),
        state: c.state.status.clone(),
        running: c.state.running,
        config: c.label(LABEL_CONFIG).and_then(|s| serde_json::from_str(s).ok()).map(scrub_env),
        cap_add: c.host_config.cap_add.clone(),
        attachments: c
            .endpoints()
            .iter()
            .map(|(net, ep)| (net.clone(), attachment_from_facts(ep, short, c.name())))
            .collect(),
        routes: None,
        impair: None,
    }
}

/// [`container_from_facts`] of a document given as a tree (plan's tests).
#[cfg(test)]
pub(crate) fn container_from_doc(doc: &Value) -> ObservedContainer {
    container_from_facts(&serde::Deserialize::deserialize(doc).expect("container facts"))
}

/// What replaces an environment value that a container's configuration label holds in plain
/// text (dockernet before issue 10 recorded values, not digests): the value is dropped as soon as
/// it is read, so it can reach no plan, status or error, and plan recreates the container to
/// record digests instead (see `plan::config_diff`).
pub const PLAIN_ENV_VALUE: &str = "(a value recorded in plain text by an older dockernet)";

/// Replaces every environment value in a recorded node configuration that is not a digest.
fn scrub_env(mut config: Value) -> Value {
    if let Some(env) = config.get_mut("env").and_then(Value::as_object_mut) {
        for v in env.values_mut() {
            if !v.as_str().is_some_and(is_env_digest) {
                *v = Value::String(PLAIN_ENV_VALUE.to_string());
            }
        }
    }
    config
}

/// True for the endpoint a swarm overlay keeps on each node that uses it (`lb-<network>`,
/// named `<network>-endpoint`): the network's own, not a container's, and gone with the network
/// (it also lingers a moment after the last container leaves).
pub fn is_load_balancer(endpoint_id: &str) -> bool {
    endpoint_id.starts_with("lb-")
}

/// An owned network, from its inspect.
pub fn network_from_facts(n: NetworkFacts) -> ObservedNetwork {
    let endpoints = n
        .containers
        .iter()
        .filter(|(id, _)| !is_load_balancer(id))
        .map(|(id, ep)| (id.clone(), ep.name.clone()))
        .collect();
    ObservedNetwork {
        key: n.labels.get(LABEL_NETWORK).cloned().unwrap_or_default(),
        name: n.name.clone(),
        id: n.id.clone(),
        subnets: n.subnets(),
        config: n.labels.get(LABEL_CONFIG).and_then(|s| serde_json::from_str(s).ok()),
        endpoints,
        facts: n,
    }
}

/// [`network_from_facts`] of a document given as a tree (plan's tests).
#[cfg(test)]
pub(crate) fn network_from_doc(doc: &Value) -> ObservedNetwork {
    network_from_facts(serde::Deserialize::deserialize(doc).expect("network facts"))
}

/// The connect options that restore an attachment as it was (used to undo a disconnect).
pub fn reconnect_options(a: &ObservedAttachment) -> ConnectOptions {
    ConnectOptions {
        aliases: StringList(a.aliases.iter().cloned().collect()),
        ipv4: a.static_ipv4.clone(),
        ipv6: a.static_ipv6.clone(),
        links: StringList(a.links.iter().cloned().collect()),
        link_local_ips: StringList(a.link_local_ips.iter().cloned().collect()),
        driver_opts: StringMap(a.driver_opts.clone()),
        ..Default::default()
    }
}

/// The create options that make a network like this one again (to undo a removal).
pub fn create_options_from_facts(n: &NetworkFacts) -> CreateOptions {
    let pools = &n.ipam.config;
    let field = |f: fn(&IpamPoolFacts) -> Option<&str>| StringList(pools.iter().filter_map(f).map(str::to_string).collect());
    CreateOptions {
        driver: Some(n.driver.clone()).filter(|d| !d.is_empty()),
        subnet: field(|p| Some(p.subnet.as_str()).filter(|s| !s.is_empty())),
        gateway: field(|p| p.gateway.as_deref()),
        ip_range: field(|p| p.ip_range.as_deref()),
        aux_addresses: StringMap(pools.iter().flat_map(|p| p.auxiliary_addresses.clone()).collect()),
        ipv6: Some(n.enable_ipv6).filter(|v| *v),
        internal: n.internal,
        attachable: n.attachable,
        ingress: n.ingress,
        labels: StringMap(n.labels.clone()),
        options: StringMap(n.options.clone()),
        ipam_driver: Some(n.ipam.driver.clone()).filter(|d| !d.is_empty() && d != "default"),
        ipam_options: StringMap(n.ipam.options.clone()),
        ..Default::default()
    }
}

/// Reads the daemon: every network and container (owned ones inspected in full), the host's
/// routes when the daemon is local, and — with `routes` — the routing table of each running
/// owned container that has or may have routes.
pub(crate) async fn observe(client: &Client, spec: &Spec, routes: bool) -> Result<Observed> {
    if routes && spec.has_links() {
        client.impair_possible().map_err(|e| e.context("the topology declares link impairments"))?;
    }
    let mut obs = Observed::default();
    let mut owned_ids = Vec::new();
    for net in client.networks_facts().await? {
        for subnet in net.subnets() {
            obs.taken.push(Taken { net: subnet, holder: format!("network {:?}", net.name) });
        }
        if net.labels.get(LABEL) == Some(&spec.name) {
            owned_ids.push(net.id);
        } else {
            obs.foreign_networks.insert(net.name, owner_note(&net.labels));
        }
    }
    // Inspect, for the running endpoints a list does not show.
    let facts: Vec<Result<NetworkFacts>> = stream::iter(owned_ids)
        .map(|id| async move { client.network_facts(&id).await.map(|(_, f)| f) })
        .buffer_unordered(READ_CONCURRENCY)
        .collect()
        .await;
    for f in facts {
        obs.networks.push(network_from_facts(f?));
    }
    obs.networks.sort_by(|a, b| a.name.cmp(&b.name));

    let mut owned = Vec::new();
    for c in client.containers_facts(true).await? {
        if c.labels.get(LABEL) == Some(&spec.name) {
            owned.push(c.id);
        } else {
            for n in &c.names {
                obs.foreign_containers.insert(n.trim_start_matches('/').to_string(), owner_note(&c.labels));
            }
        }
    }
    let docs: Vec<Result<ObservedContainer>> = stream::iter(owned)
        .map(|id| async move {
            let facts = match client.container_facts(&id).await {
                Ok((_, f)) => f,
                // Removed between list and inspect: simply not there.
                Err(e) if e.kind() == crate::ErrorKind::NotFound => return Ok(ObservedContainer::default()),
                Err(e) => return Err(e),
            };
            let mut c = container_from_facts(&facts);
            let wants_routes = spec.nodes.get(&c.key).is_some_and(|n| !n.routes.is_empty());
            if routes && c.running && (wants_routes || has_cap(&c.cap_add, "NET_ADMIN")) {
                if let Ok(out) = client.container_exec(&c.id, &routes::show_command(), &ExecOptions::default()).await {
                    if out.exit_code == 0 {
                        c.routes = Some(routes::parse_routes(&String::from_utf8_lossy(&out.stdout)));
                    }
                }
            }
            // Impairments live in the kernel, not in the daemon: read them where the node declares
            // one, or its label or a live change says one may be set (to clear what is no longer
            // declared). Unreadable declared ones fail the plan now, before anything is changed.
            let declares = spec.nodes.get(&c.key).is_some_and(|_| !spec.links(&c.key).is_empty());
            let labelled = facts.label(crate::impair::LABEL).is_some();
            if routes && c.running && (declares || labelled || Client::impair_recorded(&c.id)) {
                match client.impair_list(&c.id).await {
                    Ok(m) => c.impair = Some(m),
                    Err(e) if declares => {
                        return Err(e.context(format!("reading the impairments of node {} ({})", c.key, c.name)))
                    }
                    Err(_) => {}
                }
            }
            Ok(c)
        })
        .buffer_unordered(READ_CONCURRENCY)
        .collect()
        .await;
    for c in docs {
        let c = c?;
        if !c.id.is_empty() {
            obs.containers.push(c);
        }
    }
    obs.containers.sort_by(|a, b| a.name.cmp(&b.name));
    // The host's routes matter only when the daemon runs on this machine.
    if matches!(client.host().endpoint, Endpoint::Unix(_)) {
        obs.taken.extend(subnets::host_routes());
    }
    Ok(obs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A 20.10 endpoint: the short-id alias and `IPAMConfig: {}` are the daemon's, not the user's.
    #[test]
    fn daemon_additions_are_filtered() {
        let doc = json!({
            "Id": "858946dee92e0123456789", "Name": "/lab-r",
            "State": {"Status": "running", "Running": true},
            "Config": {"Labels": {"dockernet.topology": "lab", "dockernet.topology.node": "r",
                                   "dockernet.topology.config": "{\"image\":\"x\"}"}},
            "HostConfig": {"CapAdd": ["NET_ADMIN"]},
            "NetworkSettings": {"Networks": {
                "lab-a": {"IPAMConfig": null, "Links": null, "Aliases": ["r", "858946dee92e"], "NetworkID": "n1",
                          "IPAddress": "10.206.77.2", "IPPrefixLen": 24, "MacAddress": "02:42:0a:ce:4d:02", "DriverOpts": null},
                "lab-b": {"IPAMConfig": {"IPv4Address": "10.206.78.9"}, "Aliases": ["858946dee92e", "lab-r", "www", "r"],
                          "NetworkID": "n2", "IPAddress": "10.206.78.9", "DriverOpts": {}}
            }}
        });
        let c = container_from_doc(&doc);
        assert_eq!((c.key.as_str(), c.name.as_str(), c.running), ("r", "lab-r", true));
        assert_eq!(c.config, Some(json!({"image": "x"})));
        let a = &c.attachments["lab-a"];
        assert_eq!(a.aliases, BTreeSet::from(["r".to_string()]));
        assert_eq!(a.static_ipv4, None);
        assert_eq!(a.ipv4.as_deref(), Some("10.206.77.2"));
        let b = &c.attachments["lab-b"];
        assert_eq!(b.static_ipv4.as_deref(), Some("10.206.78.9"));
        assert_eq!(b.aliases, BTreeSet::from(["r".to_string(), "www".to_string()]));
        assert!(b.driver_opts.is_empty());
        let o = reconnect_options(b);
        assert_eq!(o.ipv4.as_deref(), Some("10.206.78.9"));
    }

    /// A network document becomes create options that would make it again.
    #[test]
    fn network_doc_round_trip() {
        let doc = json!({"Name": "lab-a", "Id": "abc", "Driver": "bridge", "Internal": true, "EnableIPv6": false,
            "IPAM": {"Driver": "default", "Options": null, "Config": [{"Subnet": "10.1.0.0/24", "Gateway": "10.1.0.1"}]},
            "Options": {}, "Labels": {"dockernet.topology": "lab", "dockernet.topology.network": "a"},
            "Containers": {"c1": {"Name": "lab-x"}}});
        let o = create_options_from_facts(&serde_json::from_value(doc.clone()).unwrap());
        assert_eq!(o.subnet.0, ["10.1.0.0/24"]);
        assert_eq!(o.gateway.0, ["10.1.0.1"]);
        assert!(o.internal && o.ipv6.is_none() && o.ipam_driver.is_none());
        assert_eq!(o.labels.0["dockernet.topology.network"], "a");
        let n = network_from_doc(&doc);
        assert_eq!((n.key.as_str(), n.endpoints.len()), ("a", 1));
    }
}
