//! The daemon as typed data: what it sends (facts), what it accepts (request bodies), and the
//! calls that take ids — no lookups, no policy.
//!
//! Everything above this file decides; this file only says it in the Engine API's words:
//! - **Facts** ([`NetworkFacts`], [`ContainerFacts`], [`EndpointFacts`], …) are read from a
//!   daemon document in one serde pass, reading only the fields dockernet uses. The daemon sends
//!   `null` for many empty lists and maps (`Aliases`, `Links`, `DriverOpts`, `Labels`) and `{}`
//!   for others (`IPAMConfig`); both read as empty here, once, so no caller tests for `null`.
//! - **Bodies** ([`NetworkCreateBody`], [`EndpointSettings`], [`ContainerCreateBody`], …) are
//!   `Serialize` structs with the API's PascalCase names; optional fields that are unset are left
//!   out, as the docker CLI leaves them out, since a daemon may treat "present" differently
//!   from "absent" (`EnableIPv4`, `GwPriority` before the API versions that know them).
//! - **Calls** ([`Client::network_facts`], [`Client::create_network`], [`Client::connect_endpoint`],
//!   …) address objects by id only. The exact-lookup rule lives in `lookup.rs`; validation,
//!   refusals and messages in `network.rs` and `container.rs`; the topology engine calls this
//!   layer directly with the ids its plan resolved.
//!
//! Scripts never see these types: inspect and ls hand them the daemon's own JSON
//! ([`crate::document`]).
//!
//! Words used across dockernet (and the README's "where things live"):
//! - an **endpoint** is the daemon's record of one container on one network (its `EndpointID`,
//!   addresses, aliases): [`EndpointFacts`] as the container's inspect has it,
//!   [`NetworkEndpointFacts`] as the network's inspect lists it, [`EndpointSettings`] as connect
//!   and container create send it;
//! - an **attachment** is an endpoint as a declaration or a plan speaks of it (a node on a
//!   network, with its options): `container::Attachment`, `topology::state::ObservedAttachment`;
//! - an **interface** is an endpoint as the container sees it (`eth1`, its MAC, whether it
//!   carries the default route): `container::Interface`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize};

use crate::client::Client;
use crate::document::Document;
use crate::error::Result;

/// `null` reads as the empty value (the daemon sends `null` for empty lists and maps).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> std::result::Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A string-to-string map that reads `null` as empty and skips values that are not strings
/// (a label or option is a string in the API; a hostile or broken answer is not worth failing
/// a whole read for).
fn string_map<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<BTreeMap<String, String>, D::Error> {
    let raw: Option<BTreeMap<String, serde_json::Value>> = Option::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k, s)),
            _ => None,
        })
        .collect())
}

/// A string that is `None` when absent, `null` or empty (the daemon sends `""` for "not set").
fn non_empty<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

// ---------------------------------------------------------------------------------------------
// Facts: what the daemon sends.
// ---------------------------------------------------------------------------------------------

/// A network as its inspect (or list entry) says it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct NetworkFacts {
    /// Full id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Driver (`bridge`, `overlay`, `null` for a configuration-only network, …).
    pub driver: String,
    /// `local`, `swarm` or `global`.
    pub scope: String,
    /// Creation time (RFC 3339, the daemon's clock).
    pub created: String,
    /// No external routing.
    pub internal: bool,
    /// Standalone containers may attach (swarm-scoped networks).
    pub attachable: bool,
    /// The swarm routing-mesh network.
    pub ingress: bool,
    /// A configuration-only network.
    pub config_only: bool,
    /// The configuration-only network this one takes its IPAM and options from.
    #[serde(deserialize_with = "nullable")]
    pub config_from: ConfigFromFacts,
    /// IPv6 enabled.
    #[serde(rename = "EnableIPv6")]
    pub enable_ipv6: bool,
    /// IPv4 enabled (API 1.48+; absent before, which means enabled).
    #[serde(rename = "EnableIPv4")]
    pub enable_ipv4: Option<bool>,
    /// Address management.
    #[serde(rename = "IPAM", deserialize_with = "nullable")]
    pub ipam: IpamFacts,
    /// Driver options.
    #[serde(deserialize_with = "string_map")]
    pub options: BTreeMap<String, String>,
    /// Labels.
    #[serde(deserialize_with = "string_map")]
    pub labels: BTreeMap<String, String>,
    /// Running containers on it, by container id (a list entry has none).
    #[serde(deserialize_with = "nullable")]
    pub containers: BTreeMap<String, NetworkEndpointFacts>,
}

impl NetworkFacts {
    /// The subnets of its IPAM configuration that parse as CIDRs, in the daemon's order.
    pub fn subnets(&self) -> Vec<IpNet> {
        self.ipam.config.iter().filter_map(|c| c.subnet.parse().ok()).collect()
    }

    /// The endpoint (running container) holding `ip` on this network, if any.
    pub fn holder_of(&self, ip: IpAddr) -> Option<&NetworkEndpointFacts> {
        let addr = |a: &str| a.split('/').next().and_then(|a| a.parse::<IpAddr>().ok());
        self.containers
            .values()
            .find(|ep| addr(&ep.ipv4_address) == Some(ip) || addr(&ep.ipv6_address) == Some(ip))
    }
}

/// `ConfigFrom` of a network.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ConfigFromFacts {
    /// The configuration-only network's name (`""`: none).
    pub network: String,
}

/// A network's `IPAM` block.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct IpamFacts {
    /// IPAM driver (`default`).
    pub driver: String,
    /// One pool per subnet.
    #[serde(deserialize_with = "nullable")]
    pub config: Vec<IpamPoolFacts>,
    /// IPAM driver options.
    #[serde(deserialize_with = "string_map")]
    pub options: BTreeMap<String, String>,
}

/// One IPAM pool of a network.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct IpamPoolFacts {
    /// Subnet in CIDR form.
    pub subnet: String,
    /// Allocation range, if set.
    #[serde(rename = "IPRange", deserialize_with = "non_empty")]
    pub ip_range: Option<String>,
    /// Gateway, if set.
    #[serde(deserialize_with = "non_empty")]
    pub gateway: Option<String>,
    /// Reserved addresses by name.
    #[serde(deserialize_with = "string_map")]
    pub auxiliary_addresses: BTreeMap<String, String>,
}

/// One running container as a network's inspect lists it (`Containers.<id>`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct NetworkEndpointFacts {
    /// The container's name.
    pub name: String,
    /// The endpoint's id.
    #[serde(rename = "EndpointID")]
    pub endpoint_id: String,
    /// MAC address.
    pub mac_address: String,
    /// IPv4 address with prefix (`10.0.0.2/24`), or `""`.
    #[serde(rename = "IPv4Address")]
    pub ipv4_address: String,
    /// IPv6 address with prefix, or `""`.
    #[serde(rename = "IPv6Address")]
    pub ipv6_address: String,
}

/// A container as its inspect says it (the parts dockernet reads).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ContainerFacts {
    /// Full id.
    pub id: String,
    /// Name as the daemon sends it (with a leading `/`); see [`ContainerFacts::name`].
    #[serde(rename = "Name")]
    pub raw_name: String,
    /// Run state.
    #[serde(deserialize_with = "nullable")]
    pub state: StateFacts,
    /// Configuration (image, labels, stop timeout).
    #[serde(deserialize_with = "nullable")]
    pub config: ConfigFacts,
    /// Host configuration (capabilities).
    #[serde(deserialize_with = "nullable")]
    pub host_config: HostConfigFacts,
    /// Network settings.
    #[serde(deserialize_with = "nullable")]
    pub network_settings: NetworkSettingsFacts,
}

impl ContainerFacts {
    /// The name without the daemon's leading slash.
    pub fn name(&self) -> &str {
        self.raw_name.trim_start_matches('/')
    }

    /// Its endpoints, by network name.
    pub fn endpoints(&self) -> &BTreeMap<String, EndpointFacts> {
        &self.network_settings.networks
    }

    /// A label's value.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.config.labels.get(key).map(String::as_str)
    }
}

/// A container's `State`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct StateFacts {
    /// `running`, `exited`, `created`, …
    pub status: String,
    /// True when running.
    pub running: bool,
    /// Its main process on the daemon's host (0 when not running).
    pub pid: i64,
}

/// A container's `Config` (the parts dockernet reads).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ConfigFacts {
    /// Image as given at create.
    pub image: String,
    /// Labels.
    #[serde(deserialize_with = "string_map")]
    pub labels: BTreeMap<String, String>,
    /// Seconds a stop waits before killing, when set at create.
    pub stop_timeout: Option<i64>,
}

/// A container's `HostConfig` (the parts dockernet reads).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct HostConfigFacts {
    /// Capabilities added (20.10 reports them as `CAP_NET_ADMIN`, newer daemons as given).
    #[serde(deserialize_with = "nullable")]
    pub cap_add: Vec<String>,
}

/// A container's `NetworkSettings` (the parts dockernet reads).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct NetworkSettingsFacts {
    /// Endpoints by network name.
    #[serde(deserialize_with = "nullable")]
    pub networks: BTreeMap<String, EndpointFacts>,
}

/// One endpoint as the container's inspect has it (`NetworkSettings.Networks.<name>`): the one
/// decoder for an endpoint, behind `container::Interface` and `topology::state::ObservedAttachment`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct EndpointFacts {
    /// What was asked for at connect or create (`{}` and `null` both read as `None`).
    #[serde(rename = "IPAMConfig", deserialize_with = "nullable")]
    pub ipam_config: EndpointIpamFacts,
    /// Legacy links.
    #[serde(deserialize_with = "nullable")]
    pub links: Vec<String>,
    /// DNS aliases (up to API 1.44 the daemon adds the container's short id).
    #[serde(deserialize_with = "nullable")]
    pub aliases: Vec<String>,
    /// The network's id.
    #[serde(rename = "NetworkID")]
    pub network_id: String,
    /// The endpoint's id (`""` while the container is stopped).
    #[serde(rename = "EndpointID")]
    pub endpoint_id: String,
    /// IPv4 gateway, if any.
    #[serde(deserialize_with = "non_empty")]
    pub gateway: Option<String>,
    /// IPv4 address now (none while stopped).
    #[serde(rename = "IPAddress", deserialize_with = "non_empty")]
    pub ip_address: Option<String>,
    /// Its prefix length.
    #[serde(rename = "IPPrefixLen")]
    pub ip_prefix_len: i64,
    /// IPv6 gateway, if any.
    #[serde(rename = "IPv6Gateway", deserialize_with = "non_empty")]
    pub ipv6_gateway: Option<String>,
    /// IPv6 address now.
    #[serde(rename = "GlobalIPv6Address", deserialize_with = "non_empty")]
    pub global_ipv6_address: Option<String>,
    /// Its prefix length.
    #[serde(rename = "GlobalIPv6PrefixLen")]
    pub global_ipv6_prefix_len: i64,
    /// MAC address.
    #[serde(deserialize_with = "non_empty")]
    pub mac_address: Option<String>,
    /// Per-endpoint driver options.
    #[serde(deserialize_with = "string_map")]
    pub driver_opts: BTreeMap<String, String>,
    /// Default-gateway priority (API 1.48+; absent before).
    pub gw_priority: Option<i64>,
    /// Names the embedded DNS answers for (API 1.44+).
    #[serde(rename = "DNSNames", deserialize_with = "nullable")]
    pub dns_names: Vec<String>,
}

impl EndpointFacts {
    /// The IPv4 address with its prefix (`172.18.0.2/16`), as `ip addr` shows it.
    pub fn ipv4_cidr(&self) -> Option<String> {
        with_len(&self.ip_address, self.ip_prefix_len)
    }

    /// The IPv6 address with its prefix.
    pub fn ipv6_cidr(&self) -> Option<String> {
        with_len(&self.global_ipv6_address, self.global_ipv6_prefix_len)
    }

    /// The aliases a user gave: without the short id the daemon adds up to API 1.44 (and
    /// without `also_not`, e.g. the container's own name, which some daemons add too).
    pub fn user_aliases<'a>(&'a self, short_id: &'a str, also_not: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.aliases.iter().filter(move |a| a.as_str() != short_id && a.as_str() != also_not)
    }
}

fn with_len(ip: &Option<String>, len: i64) -> Option<String> {
    ip.as_ref().map(|ip| if len > 0 { format!("{ip}/{len}") } else { ip.clone() })
}

/// An endpoint's `IPAMConfig`: the static addresses asked for.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct EndpointIpamFacts {
    /// Static IPv4 address.
    #[serde(rename = "IPv4Address", deserialize_with = "non_empty")]
    pub ipv4_address: Option<String>,
    /// Static IPv6 address.
    #[serde(rename = "IPv6Address", deserialize_with = "non_empty")]
    pub ipv6_address: Option<String>,
    /// Extra link-local addresses.
    #[serde(rename = "LinkLocalIPs", deserialize_with = "nullable")]
    pub link_local_ips: Vec<String>,
}

/// A container as a list entry (`GET /containers/json`) says it: not the inspect shape.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ContainerSummaryFacts {
    /// Full id.
    pub id: String,
    /// Names, each with the daemon's leading `/`.
    #[serde(deserialize_with = "nullable")]
    pub names: Vec<String>,
    /// Image as given at create.
    pub image: String,
    /// Labels.
    #[serde(deserialize_with = "string_map")]
    pub labels: BTreeMap<String, String>,
}

impl ContainerSummaryFacts {
    /// The first name, without the leading slash.
    pub fn name(&self) -> &str {
        self.names.first().map_or("", |n| n.trim_start_matches('/'))
    }
}

/// One event of the daemon's stream (`GET /events`), the parts dockernet reads.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct EventFacts {
    /// `container`, `network`, …
    #[serde(rename = "Type")]
    pub kind: String,
    /// `create`, `connect`, `die`, …
    #[serde(rename = "Action")]
    pub action: String,
    /// The object it is about.
    #[serde(rename = "Actor", deserialize_with = "nullable")]
    pub actor: ActorFacts,
    /// The object's id as daemons before API 1.22 sent it (kept by later ones for containers).
    pub id: String,
    /// When it happened, in nanoseconds since the epoch.
    #[serde(rename = "timeNano")]
    pub time_nano: Option<i64>,
    /// When it happened, in seconds (what daemons before `timeNano` sent).
    pub time: Option<i64>,
}

impl EventFacts {
    /// The object's id (`Actor.ID`, else the older top-level `id`).
    pub fn object_id(&self) -> &str {
        if self.actor.id.is_empty() { &self.id } else { &self.actor.id }
    }

    /// An attribute of the object (`name`, `container` for a network event, a label, …).
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.actor.attributes.get(key).map(String::as_str)
    }

    /// When it happened, in unix seconds (`timeNano`, else `time`).
    pub fn unix_time(&self) -> Option<f64> {
        self.time_nano.map(|n| n as f64 / 1e9).or(self.time.map(|s| s as f64))
    }
}

/// `GET /info`, the part dockernet reads: where the daemon stands in a swarm.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct InfoFacts {
    /// The swarm part.
    #[serde(deserialize_with = "nullable")]
    pub swarm: InfoSwarmFacts,
}

/// `Swarm` of `GET /info`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct InfoSwarmFacts {
    /// `inactive`, `pending`, `active`, `error` or `locked`.
    pub local_node_state: String,
    /// This node's id in the swarm.
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// True on a manager.
    pub control_available: bool,
    /// The swarm (only a manager sees it).
    #[serde(deserialize_with = "nullable")]
    pub cluster: ClusterFacts,
    /// The address this node advertises.
    pub node_addr: String,
}

/// `Swarm.Cluster` of `GET /info`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ClusterFacts {
    /// The swarm's id.
    #[serde(rename = "ID")]
    pub id: String,
}

/// `GET /swarm` (a manager's answer), the parts dockernet reads.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct SwarmFacts {
    /// The swarm's id.
    #[serde(rename = "ID")]
    pub id: String,
    /// Its spec (labels).
    #[serde(deserialize_with = "nullable")]
    pub spec: SwarmSpecFacts,
    /// The tokens to join it.
    #[serde(deserialize_with = "nullable")]
    pub join_tokens: JoinTokensFacts,
}

/// `Spec` of `GET /swarm`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct SwarmSpecFacts {
    /// Labels (a topology that formed the swarm marks it).
    #[serde(deserialize_with = "string_map")]
    pub labels: BTreeMap<String, String>,
}

/// `JoinTokens` of `GET /swarm`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct JoinTokensFacts {
    /// The token a worker joins with.
    pub worker: String,
    /// The token a manager joins with.
    pub manager: String,
}

/// `GET /exec/{id}/json`, the part dockernet reads.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ExecInspectFacts {
    /// The process's exit code (`None` while it runs).
    pub exit_code: Option<i64>,
}

/// The `Actor` of an event.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct ActorFacts {
    /// The object's id.
    #[serde(rename = "ID")]
    pub id: String,
    /// Its attributes (name, labels, and per kind: `container` on a network event, …).
    #[serde(deserialize_with = "string_map")]
    pub attributes: BTreeMap<String, String>,
}

/// The answer to `POST /networks/prune`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct PruneFacts {
    /// Names of the networks removed (`null` when none).
    #[serde(deserialize_with = "nullable")]
    pub networks_deleted: Vec<String>,
}

/// The answer to `POST /containers/{id}/wait`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct WaitFacts {
    /// The process's exit status (`None`: the daemon did not say).
    pub status_code: Option<i64>,
}

/// The answer to a create (network or container): the new object's id and any warning.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct CreatedFacts {
    /// The new object's full id.
    pub id: String,
    /// A network create's warning (`""`: none).
    pub warning: String,
    /// A container create's warnings.
    #[serde(deserialize_with = "nullable")]
    pub warnings: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Bodies: what the daemon accepts.
// ---------------------------------------------------------------------------------------------


/// `POST /networks/create`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkCreateBody {
    /// Name.
    pub name: String,
    /// Ask a daemon before API 1.44 to refuse a duplicate name (later ones always do, and the
    /// field is deprecated, so it is sent only when needed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_duplicate: Option<bool>,
    /// Driver.
    pub driver: String,
    /// Address management.
    #[serde(rename = "IPAM")]
    pub ipam: IpamBody,
    /// No external routing.
    pub internal: bool,
    /// Standalone containers may attach.
    pub attachable: bool,
    /// The swarm routing-mesh network.
    pub ingress: bool,
    /// Configuration-only.
    pub config_only: bool,
    /// Take configuration from this configuration-only network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_from: Option<ConfigFromBody>,
    /// `local`, `swarm`, `global`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// IPv6.
    #[serde(rename = "EnableIPv6", skip_serializing_if = "Option::is_none")]
    pub enable_ipv6: Option<bool>,
    /// IPv4 (API 1.48+).
    #[serde(rename = "EnableIPv4", skip_serializing_if = "Option::is_none")]
    pub enable_ipv4: Option<bool>,
    /// Driver options.
    pub options: BTreeMap<String, String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
}

/// `ConfigFrom` of a create.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfigFromBody {
    /// The configuration-only network.
    pub network: String,
}

/// `IPAM` of a create.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpamBody {
    /// IPAM driver.
    pub driver: String,
    /// One pool per subnet.
    pub config: Vec<IpamPoolBody>,
    /// IPAM driver options.
    pub options: BTreeMap<String, String>,
}

/// One IPAM pool of a create.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpamPoolBody {
    /// Subnet.
    pub subnet: String,
    /// Allocation range.
    #[serde(rename = "IPRange", skip_serializing_if = "Option::is_none")]
    pub ip_range: Option<String>,
    /// Gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// Reserved addresses.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub auxiliary_addresses: BTreeMap<String, String>,
}

/// Endpoint settings, as `network connect` (`EndpointConfig`) and container create
/// (`NetworkingConfig.EndpointsConfig.<network>`) send them. Built from `ConnectOptions` in one
/// place (`network.rs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointSettings {
    /// Static addresses.
    #[serde(rename = "IPAMConfig", skip_serializing_if = "Option::is_none")]
    pub ipam_config: Option<EndpointIpamBody>,
    /// DNS aliases.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Legacy links.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    /// Driver options.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    /// Default-gateway priority (API 1.48+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gw_priority: Option<i64>,
    /// MAC address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
}

/// An endpoint's `IPAMConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointIpamBody {
    /// Static IPv4 address.
    #[serde(rename = "IPv4Address", skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
    /// Static IPv6 address.
    #[serde(rename = "IPv6Address", skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<String>,
    /// Link-local addresses.
    #[serde(rename = "LinkLocalIPs", skip_serializing_if = "Vec::is_empty")]
    pub link_local_ips: Vec<String>,
}

/// `POST /networks/{id}/connect`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConnectBody<'a> {
    /// The container (id; a name only where the daemon must resolve it).
    pub container: &'a str,
    /// Its endpoint settings.
    pub endpoint_config: &'a EndpointSettings,
}

/// `POST /networks/{id}/disconnect`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DisconnectBody<'a> {
    /// The container (id, or the name of one that is gone, with `force`).
    pub container: &'a str,
    /// Remove a stale endpoint too.
    pub force: bool,
}

/// `POST /containers/create`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerCreateBody {
    /// Local image.
    pub image: String,
    /// Command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    /// Entrypoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// `KEY=value` environment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Hostname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// User.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Working directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Exposed ports (`"80/tcp": {}`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub exposed_ports: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
    /// Host configuration.
    pub host_config: HostConfigBody,
    /// The first network's endpoint (the others are connected before start).
    pub networking_config: NetworkingConfigBody,
}

/// `HostConfig` of a container create.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostConfigBody {
    /// Capabilities to add.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    /// Capabilities to drop.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    /// Namespaced sysctls.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sysctls: BTreeMap<String, String>,
    /// Published ports.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub port_bindings: BTreeMap<String, Vec<PortBindingBody>>,
    /// Privileged.
    pub privileged: bool,
    /// Removed by the daemon when it exits.
    pub auto_remove: bool,
    /// The network it is created on (its name), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
}

/// One published port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PortBindingBody {
    /// Host address (`""`: all).
    pub host_ip: String,
    /// Host port (`""`: any).
    pub host_port: String,
}

/// `NetworkingConfig` of a container create.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkingConfigBody {
    /// Endpoint settings by network name.
    pub endpoints_config: BTreeMap<String, EndpointSettings>,
}

/// `POST /containers/{id}/exec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecCreateBody {
    /// Command.
    pub cmd: Vec<String>,
    /// Attach stdout.
    pub attach_stdout: bool,
    /// Attach stderr.
    pub attach_stderr: bool,
    /// Privileged.
    pub privileged: bool,
    /// User.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `KEY=value` environment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// Working directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Calls by id.
// ---------------------------------------------------------------------------------------------

impl Client {
    /// A network's inspect document and its facts, by id (or a name the daemon resolves as it
    /// likes: callers that need the exact rule go through `lookup.rs`).
    pub async fn network_facts(&self, id: &str) -> Result<(Document, NetworkFacts)> {
        let doc = self.get_doc(&format!("/networks/{}", crate::client::seg(id))).await?;
        let facts = doc.fields()?;
        Ok((doc, facts))
    }

    /// Every network's facts (list entries: no `Containers`).
    pub async fn networks_facts(&self) -> Result<Vec<NetworkFacts>> {
        self.get_docs("/networks").await?.iter().map(Document::fields).collect()
    }

    /// `POST /networks/create` with a body already checked.
    pub async fn create_network(&self, body: &NetworkCreateBody) -> Result<CreatedFacts> {
        Ok(serde_json::from_value(self.post_json("/networks/create", body).await?)?)
    }

    /// Removes a network by id.
    pub async fn remove_network(&self, id: &str) -> Result<()> {
        self.delete(&format!("/networks/{}", crate::client::seg(id))).await
    }

    /// Connects container `container` (an id) to network `network` (an id).
    pub async fn connect_endpoint(&self, network: &str, container: &str, settings: &EndpointSettings) -> Result<()> {
        let body = ConnectBody { container, endpoint_config: settings };
        self.post_json(&format!("/networks/{}/connect", crate::client::seg(network)), &body).await.map(|_| ())
    }

    /// Disconnects container `container` from network `network` (ids).
    pub async fn disconnect_endpoint(&self, network: &str, container: &str, force: bool) -> Result<()> {
        let body = DisconnectBody { container, force };
        self.post_json(&format!("/networks/{}/disconnect", crate::client::seg(network)), &body).await.map(|_| ())
    }

    /// A container's inspect document and its facts, by id.
    pub async fn container_facts(&self, id: &str) -> Result<(Document, ContainerFacts)> {
        let doc = self.get_doc(&format!("/containers/{}/json", crate::client::seg(id))).await?;
        let facts = doc.fields()?;
        Ok((doc, facts))
    }

    /// Every container's list entry (`all`: stopped ones too).
    pub async fn containers_facts(&self, all: bool) -> Result<Vec<ContainerSummaryFacts>> {
        let path = if all { "/containers/json?all=1" } else { "/containers/json" };
        self.get_docs(path).await?.iter().map(Document::fields).collect()
    }

    /// `POST /containers/create` (named `name` when given), with any body that serialises to the
    /// API's container config ([`ContainerCreateBody`], or a helper's own).
    pub async fn create_container<B: Serialize + ?Sized>(&self, name: Option<&str>, body: &B) -> Result<CreatedFacts> {
        let q = name.map(|n| format!("?name={}", crate::client::seg(n))).unwrap_or_default();
        Ok(serde_json::from_value(self.post_json(&format!("/containers/create{q}"), body).await?)?)
    }

    /// Waits for a container to stop; its exit status.
    pub async fn wait_container(&self, id: &str) -> Result<WaitFacts> {
        Ok(serde_json::from_value(self.post_json(&format!("/containers/{id}/wait"), &serde_json::Value::Null).await?)?)
    }

    /// Inspects a network by id; `None` when it is gone.
    pub async fn network_facts_if_any(&self, id: &str) -> Result<Option<NetworkFacts>> {
        match self.network_facts(id).await {
            Ok((_, f)) => Ok(Some(f)),
            Err(e) if e.kind() == crate::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Starts a container by id.
    pub async fn start_container(&self, id: &str) -> Result<()> {
        self.post_json(&format!("/containers/{id}/start"), &serde_json::json!({})).await.map(|_| ())
    }

    /// Removes a container by id, with its anonymous volumes.
    pub async fn remove_container(&self, id: &str, force: bool) -> Result<()> {
        self.delete(&format!("/containers/{id}?v=1&force={}", if force { 1 } else { 0 })).await
    }
}

#[cfg(test)]
mod tests {
    //! Every fact reader against JSON recorded from a Docker 20.10 daemon (API 1.41;
    //! `core/testdata/`, made with curl on the socket: see the file names) where this machine can
    //! make it, else in the shape of the Engine API reference (swarm answers, API 1.48 fields:
    //! said so at each); every body against the JSON the docker CLI sends for the same request.
    use super::*;
    use serde_json::json;

    const NETWORK: &str = include_str!("../testdata/network-inspect-20.10.json");
    const CONTAINER: &str = include_str!("../testdata/container-inspect-20.10.json");
    const STOPPED: &str = include_str!("../testdata/container-inspect-stopped-20.10.json");

    fn doc(s: &str) -> Document {
        Document::from_slice(s.as_bytes()).unwrap()
    }

    #[test]
    fn network_facts_from_a_recorded_inspect() {
        let n: NetworkFacts = doc(NETWORK).fields().unwrap();
        assert_eq!(n.name, "dn-fixture-net");
        assert_eq!(n.id.len(), 64);
        assert_eq!((n.driver.as_str(), n.scope.as_str()), ("bridge", "local"));
        assert!(!n.internal && !n.attachable && !n.config_only && !n.enable_ipv6);
        assert_eq!(n.enable_ipv4, None, "20.10 does not send EnableIPv4");
        assert_eq!(n.config_from.network, "");
        assert_eq!(n.ipam.driver, "default");
        assert_eq!(n.subnets(), vec!["10.251.7.0/24".parse::<IpNet>().unwrap()]);
        let pool = &n.ipam.config[0];
        assert_eq!(pool.gateway.as_deref(), Some("10.251.7.1"));
        assert_eq!(pool.ip_range.as_deref(), Some("10.251.7.128/25"));
        assert_eq!(pool.auxiliary_addresses["router"], "10.251.7.2");
        assert_eq!(n.labels["tier"], "db");
        assert_eq!(n.options["com.docker.network.bridge.enable_icc"], "true");
        assert_eq!(n.containers.len(), 1);
        let ep = n.containers.values().next().unwrap();
        assert_eq!((ep.name.as_str(), ep.ipv4_address.as_str()), ("dn-fixture-ctr", "10.251.7.10/24"));
        assert_eq!(n.holder_of("10.251.7.10".parse().unwrap()).map(|e| e.name.as_str()), Some("dn-fixture-ctr"));
        assert!(n.holder_of("10.251.7.11".parse().unwrap()).is_none());
    }

    #[test]
    fn container_facts_from_a_recorded_inspect() {
        let c: ContainerFacts = doc(CONTAINER).fields().unwrap();
        assert_eq!(c.name(), "dn-fixture-ctr");
        assert_eq!(c.raw_name, "/dn-fixture-ctr");
        assert!(c.state.running && c.state.pid > 0);
        assert_eq!(c.state.status, "running");
        assert_eq!(c.config.image, "dockernet-testbox:latest");
        assert_eq!(c.label("dockernet.topology.node"), Some("db"));
        assert_eq!(c.host_config.cap_add, vec!["CAP_NET_ADMIN"]);
        let short = crate::lookup::short_id(&c.id);
        let net = &c.endpoints()["dn-fixture-net"];
        assert_eq!(net.ipam_config.ipv4_address.as_deref(), Some("10.251.7.10"));
        assert_eq!(net.ip_address.as_deref(), Some("10.251.7.10"));
        assert_eq!(net.ipv4_cidr().as_deref(), Some("10.251.7.10/24"));
        assert_eq!(net.gateway.as_deref(), Some("10.251.7.1"));
        assert_eq!(net.ipv6_cidr(), None);
        assert!(net.links.is_empty(), "Links: null reads as empty");
        assert!(net.driver_opts.is_empty(), "DriverOpts: null reads as empty");
        assert_eq!(net.user_aliases(short, c.name()).collect::<Vec<_>>(), ["www", "db.lab"]);
        assert_eq!(net.gw_priority, None);
        let back = &c.endpoints()["dn-fixture-back"];
        assert_eq!(back.ipam_config, EndpointIpamFacts::default(), "IPAMConfig: {{}} reads as nothing asked");
        assert_eq!(back.user_aliases(short, c.name()).count(), 0, "only the daemon's short-id alias");
        assert_eq!(back.mac_address.as_deref(), Some("02:42:0a:fb:08:02"));
    }

    #[test]
    fn a_stopped_container_has_endpoints_without_addresses() {
        let c: ContainerFacts = doc(STOPPED).fields().unwrap();
        assert!(!c.state.running);
        assert_eq!(c.state.status, "exited");
        let net = &c.endpoints()["dn-fixture-net"];
        assert_eq!((net.ip_address.as_deref(), net.mac_address.as_deref(), net.endpoint_id.as_str()), (None, None, ""));
        assert_eq!(net.ipam_config.ipv4_address.as_deref(), Some("10.251.7.10"), "what was asked for stays");
        assert!(!net.network_id.is_empty());
    }

    #[test]
    fn container_summaries_and_events_from_recorded_answers() {
        // `GET /containers/json?all=1` with one container, and the events of a network's life
        // (create, connect, disconnect, destroy), both recorded from 20.10.
        let list = Document::list_from_slice(include_bytes!("../testdata/container-list-20.10.json")).unwrap();
        let c: ContainerSummaryFacts = list[0].fields().unwrap();
        assert_eq!((c.name(), c.image.as_str()), ("dn-fixture-sum", "dockernet-testbox:latest"));
        assert_eq!(c.labels["tier"], "db");
        assert_eq!(c.id.len(), 64);
        let events: Vec<EventFacts> = include_str!("../testdata/events-network-20.10.jsonl")
            .lines()
            .map(|l| Document::from_slice(l.as_bytes()).unwrap().fields().unwrap())
            .collect();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["create", "connect", "disconnect", "destroy"]);
        assert!(events.iter().all(|e| e.kind == "network" && e.attribute("name") == Some("dn-fixture-ev")));
        assert_eq!(events[1].attribute("container").map(str::len), Some(64));
        let t = events[0].unix_time().unwrap();
        assert!(t > 1.7e9 && t.fract() > 0.0, "timeNano read: {t}");
    }

    #[test]
    fn api_1_48_endpoint_fields() {
        // The fields Docker 28 (API 1.48) adds, in the shape of its API reference: not
        // recorded here (this machine runs 20.10), so only the fields themselves are checked.
        let ep: EndpointFacts = serde_json::from_value(json!({
            "GwPriority": -5, "DNSNames": ["web", "www", "0123456789ab"], "MacAddress": "02:42:ac:11:00:02",
            "IPAMConfig": null, "Aliases": null, "DriverOpts": {"com.docker.network.endpoint.ifname": "lan0"}
        }))
        .unwrap();
        assert_eq!(ep.gw_priority, Some(-5));
        assert_eq!(ep.dns_names.len(), 3);
        assert_eq!(ep.driver_opts["com.docker.network.endpoint.ifname"], "lan0");
        let n: NetworkFacts = serde_json::from_value(json!({"EnableIPv4": false, "IPAM": null, "Labels": null})).unwrap();
        assert_eq!(n.enable_ipv4, Some(false));
        assert!(n.subnets().is_empty() && n.labels.is_empty());
    }

    #[test]
    fn odd_answers_read_as_empty_not_as_errors() {
        // Labels that are not strings, a pool without a subnet that parses: skipped, not fatal.
        let n: NetworkFacts = serde_json::from_value(json!({
            "Name": "x", "Labels": {"a": "1", "b": 2}, "IPAM": {"Config": [{"Subnet": "nonsense"}, {"Subnet": "10.1.0.0/16"}]}
        }))
        .unwrap();
        assert_eq!(n.labels.len(), 1);
        assert_eq!(n.subnets().len(), 1);
        let c: ContainerFacts = serde_json::from_value(json!({"Id": "x", "NetworkSettings": {"Networks": null}})).unwrap();
        assert!(c.endpoints().is_empty());
    }

    #[test]
    fn events_prune_and_wait_answers() {
        // A network connect event as 20.10 sends it, and the pre-1.22 shape.
        let ev: EventFacts = serde_json::from_value(json!({"Type": "network", "Action": "connect",
            "Actor": {"ID": "n1", "Attributes": {"container": "c1", "name": "lab", "type": "bridge"}},
            "scope": "local", "time": 1764842415, "timeNano": 1764842415000000000u64})).unwrap();
        assert_eq!((ev.kind.as_str(), ev.action.as_str(), ev.object_id()), ("network", "connect", "n1"));
        assert_eq!(ev.attribute("container"), Some("c1"));
        let old: EventFacts = serde_json::from_value(json!({"status": "start", "id": "c2"})).unwrap();
        assert_eq!(old.object_id(), "c2");
        let p: PruneFacts = serde_json::from_value(json!({"NetworksDeleted": null})).unwrap();
        assert!(p.networks_deleted.is_empty());
        let w: WaitFacts = serde_json::from_value(json!({"StatusCode": 3, "Error": null})).unwrap();
        assert_eq!(w.status_code, Some(3));
        assert_eq!(ev.unix_time(), Some(1764842415.0));
        assert_eq!(serde_json::from_value::<EventFacts>(json!({"time": 7})).unwrap().unix_time(), Some(7.0));
    }

    #[test]
    fn swarm_info_and_exec_answers() {
        // `GET /info` of a 20.10 manager, in the shape of the API reference (abridged).
        let i: InfoFacts = serde_json::from_value(json!({"ID": "X", "Swarm": {"NodeID": "n1", "NodeAddr": "10.99.0.2",
            "LocalNodeState": "active", "ControlAvailable": true, "Error": "", "RemoteManagers": null,
            "Cluster": {"ID": "c1", "Version": {"Index": 10}}}})).unwrap();
        assert_eq!((i.swarm.local_node_state.as_str(), i.swarm.cluster.id.as_str()), ("active", "c1"));
        assert!(i.swarm.control_available);
        // The `Swarm` part of `GET /info` recorded from this machine's 20.10 daemon (in no swarm:
        // no `Cluster` at all).
        let none: InfoFacts = doc(include_str!("../testdata/info-swarm-inactive-20.10.json")).fields().unwrap();
        assert_eq!((none.swarm.local_node_state.as_str(), none.swarm.cluster.id.as_str()), ("inactive", ""));
        assert!(!none.swarm.control_available);
        let s: SwarmFacts = serde_json::from_value(json!({"ID": "c1", "Spec": {"Name": "default",
            "Labels": {"dockernet.swarm": "lab"}}, "JoinTokens": {"Worker": "SWMTKN-1-w", "Manager": "SWMTKN-1-m"}})).unwrap();
        assert_eq!((s.spec.labels["dockernet.swarm"].as_str(), s.join_tokens.worker.as_str()), ("lab", "SWMTKN-1-w"));
        let e: ExecInspectFacts = serde_json::from_value(json!({"Running": false, "ExitCode": 2})).unwrap();
        assert_eq!(e.exit_code, Some(2));
    }

    #[test]
    fn created_answers() {
        let n: CreatedFacts = serde_json::from_value(json!({"Id": "abc", "Warning": ""})).unwrap();
        assert_eq!((n.id.as_str(), n.warning.as_str()), ("abc", ""));
        let c: CreatedFacts = serde_json::from_value(json!({"Id": "def", "Warnings": null})).unwrap();
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn network_create_body_as_the_docker_cli_sends_it() {
        // `docker network create --subnet 10.251.7.0/24 --gateway 10.251.7.1 --ip-range
        // 10.251.7.128/25 --aux-address router=10.251.7.2 --label tier=db x` on a 20.10 CLI.
        let body = NetworkCreateBody {
            name: "x".into(),
            check_duplicate: Some(true),
            driver: "bridge".into(),
            ipam: IpamBody {
                driver: "default".into(),
                config: vec![IpamPoolBody {
                    subnet: "10.251.7.0/24".into(),
                    ip_range: Some("10.251.7.128/25".into()),
                    gateway: Some("10.251.7.1".into()),
                    auxiliary_addresses: [("router".to_string(), "10.251.7.2".to_string())].into(),
                }],
                options: BTreeMap::new(),
            },
            labels: [("tier".to_string(), "db".to_string())].into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "Name": "x", "CheckDuplicate": true, "Driver": "bridge",
                "IPAM": {"Driver": "default", "Options": {}, "Config": [{
                    "Subnet": "10.251.7.0/24", "IPRange": "10.251.7.128/25", "Gateway": "10.251.7.1",
                    "AuxiliaryAddresses": {"router": "10.251.7.2"}}]},
                "Internal": false, "Attachable": false, "Ingress": false, "ConfigOnly": false,
                "Options": {}, "Labels": {"tier": "db"}
            })
        );
        let v6 = NetworkCreateBody {
            enable_ipv6: Some(true),
            enable_ipv4: Some(false),
            scope: Some("swarm".into()),
            config_from: Some(ConfigFromBody { network: "tmpl".into() }),
            ..Default::default()
        };
        let v = serde_json::to_value(&v6).unwrap();
        assert_eq!((&v["EnableIPv6"], &v["EnableIPv4"], &v["Scope"]), (&json!(true), &json!(false), &json!("swarm")));
        assert_eq!(v["ConfigFrom"], json!({"Network": "tmpl"}));
        assert!(v.get("CheckDuplicate").is_none(), "left out unless asked");
    }

    #[test]
    fn endpoint_and_connect_bodies() {
        assert_eq!(serde_json::to_value(EndpointSettings::default()).unwrap(), json!({}), "nothing asked: {{}}");
        let ep = EndpointSettings {
            ipam_config: Some(EndpointIpamBody {
                ipv4_address: Some("10.0.0.5".into()),
                link_local_ips: vec!["169.254.1.1".into()],
                ..Default::default()
            }),
            aliases: vec!["www".into()],
            gw_priority: Some(10),
            ..Default::default()
        };
        let body = ConnectBody { container: "abc", endpoint_config: &ep };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"Container": "abc", "EndpointConfig": {
                "IPAMConfig": {"IPv4Address": "10.0.0.5", "LinkLocalIPs": ["169.254.1.1"]},
                "Aliases": ["www"], "GwPriority": 10}})
        );
        assert_eq!(
            serde_json::to_value(DisconnectBody { container: "abc", force: true }).unwrap(),
            json!({"Container": "abc", "Force": true})
        );
    }

    #[test]
    fn container_create_and_exec_bodies() {
        let mut body = ContainerCreateBody {
            image: "dockernet-testbox:latest".into(),
            cmd: Some(vec!["sleep".into(), "600".into()]),
            labels: [("k".to_string(), "v".to_string())].into(),
            ..Default::default()
        };
        body.host_config.cap_add = vec!["NET_ADMIN".into()];
        body.host_config.network_mode = Some("lab".into());
        body.host_config.port_bindings.insert(
            "80/tcp".into(),
            vec![PortBindingBody { host_ip: "127.0.0.1".into(), host_port: "8080".into() }],
        );
        body.exposed_ports.insert("80/tcp".into(), Default::default());
        body.networking_config.endpoints_config.insert("lab".into(), EndpointSettings::default());
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "Image": "dockernet-testbox:latest", "Cmd": ["sleep", "600"], "Labels": {"k": "v"},
                "ExposedPorts": {"80/tcp": {}},
                "HostConfig": {"CapAdd": ["NET_ADMIN"], "PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]},
                               "Privileged": false, "AutoRemove": false, "NetworkMode": "lab"},
                "NetworkingConfig": {"EndpointsConfig": {"lab": {}}}
            })
        );
        let exec = ExecCreateBody { cmd: vec!["ip".into(), "route".into()], attach_stdout: true, attach_stderr: true, ..Default::default() };
        assert_eq!(
            serde_json::to_value(&exec).unwrap(),
            json!({"Cmd": ["ip", "route"], "AttachStdout": true, "AttachStderr": true, "Privileged": false})
        );
    }
}
