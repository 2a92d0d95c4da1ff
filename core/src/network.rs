//! Network operations — create, connect, disconnect, inspect, ls, rm, prune — and their options.
//!
//! Two rules shape this file:
//! - **Names are exact.** The daemon resolves `{id}` by full id, then exact name, then *any unique
//!   id prefix*, so a missing network `db` may silently match another network whose id starts
//!   with `db`. dockernet inspects once and accepts the answer only if its name is the one asked
//!   for, its id is the id given, or a given prefix is at least 12 characters (a short id as `ls`
//!   prints it); then it acts by id.
//! - **Validate before any request.** CIDRs, addresses inside their subnet, overlapping subnets,
//!   empty names and duplicate names (a 20.10 daemon happily creates a second network of the same
//!   name) are checked here, and the message names the field and the value.
//!
//! Documents (inspect, ls) are the daemon's own JSON, untouched.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::client::{ApiVersion, Client};
use crate::daemon::{
    ConfigFromBody, CreatedFacts, EndpointIpamBody, EndpointSettings, IpamBody, IpamPoolBody, NetworkCreateBody,
    NetworkFacts,
};
use crate::document::Document;
use crate::error::{Error, ErrorKind, Result};
use crate::address::{overlaps, parse_ip, parse_subnet, static_address, StaticAddress};
use crate::client::filters_query;
use crate::lookup::{check_name, short_id as short, shown};
use crate::options::{StringList, StringMap};


/// The networks every daemon has; they cannot be created, removed or pruned.
pub const PREDEFINED: [&str; 3] = ["bridge", "host", "none"];

/// Options of `network create`, named after the docker CLI's flags.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CreateOptions {
    /// Driver (`bridge` by default; `overlay`, `macvlan`, `ipvlan`, or a plugin).
    pub driver: Option<String>,
    /// Subnet(s) in CIDR form; at most one per address family on the bridge driver.
    pub subnet: StringList,
    /// Gateway address(es), each inside one of the subnets.
    pub gateway: StringList,
    /// Range(s) to allocate container addresses from, each inside one of the subnets.
    pub ip_range: StringList,
    /// Addresses the IPAM must not hand out (`{router = "10.0.0.2"}`).
    pub aux_addresses: StringMap,
    /// Enable IPv4 (`false` makes an IPv6-only network; needs API 1.48).
    pub ipv4: Option<bool>,
    /// Enable IPv6.
    pub ipv6: Option<bool>,
    /// No external routing.
    pub internal: bool,
    /// Let standalone containers attach to a swarm-scoped network.
    pub attachable: bool,
    /// The swarm routing-mesh network.
    pub ingress: bool,
    /// Labels.
    pub labels: StringMap,
    /// Driver options (`-o`), such as `com.docker.network.bridge.name`.
    pub options: StringMap,
    /// IPAM driver (`default`).
    pub ipam_driver: Option<String>,
    /// IPAM driver options.
    pub ipam_options: StringMap,
    /// `local`, `swarm` or `global`.
    pub scope: Option<String>,
    /// Create a configuration-only network.
    pub config_only: bool,
    /// Take IPAM and options from this configuration-only network (a name).
    pub config_from: Option<String>,
}

/// Options of `network connect`, named after the docker CLI's flags.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectOptions {
    /// Network-scoped DNS aliases.
    pub aliases: StringList,
    /// Static IPv4 address.
    pub ipv4: Option<String>,
    /// Static IPv6 address.
    pub ipv6: Option<String>,
    /// Legacy links, `container[:alias]`.
    pub links: StringList,
    /// Extra link-local addresses.
    pub link_local_ips: StringList,
    /// Per-endpoint driver options (`k=v`).
    pub driver_opts: StringMap,
    /// Default-gateway priority (needs API 1.48, Docker 28).
    pub gw_priority: Option<i64>,
    /// MAC address (connect honours it from API 1.54).
    pub mac_address: Option<String>,
}

/// Options of `network disconnect`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DisconnectOptions {
    /// Also remove a stale endpoint whose container is gone.
    pub force: bool,
}

/// Options of `network inspect`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InspectOptions {
    /// Swarm networks: add `Services`.
    pub verbose: bool,
}

/// Filters of `network ls` / `network prune`: key → one value or several (ORed).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListOptions {
    /// `driver`, `id`, `label`, `name`, `scope`, `type`, `dangling` (as the docker CLI).
    pub filters: BTreeMap<String, StringList>,
}

/// Filters of `network prune`: `until`, `label`, `label!`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PruneOptions {
    /// `until`, `label`, `label!`.
    pub filters: BTreeMap<String, StringList>,
}

/// A network by identity: what `create` and `get` return.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NetworkRef {
    /// Full id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Driver.
    pub driver: String,
    /// The daemon's warning on create, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl NetworkRef {
    /// A network known only by the name given (a swarm network a worker does not know yet: the
    /// daemon resolves the name when a container attaches).
    pub(crate) fn by_name(name: &str) -> NetworkRef {
        NetworkRef { id: name.to_string(), name: name.to_string(), driver: String::new(), warning: None }
    }

    /// The identity of a network's facts.
    pub fn from_facts(net: &NetworkFacts) -> NetworkRef {
        NetworkRef { id: net.id.clone(), name: net.name.clone(), driver: net.driver.clone(), warning: None }
    }

    /// The identity of a document as the daemon sent it (reads three fields, builds no tree,
    /// and stops after the last of them: Docker sends them first).
    pub fn from_document(doc: &Document) -> NetworkRef {
        let [id, name, driver] = doc.str_fields(["Id", "Name", "Driver"]);
        NetworkRef { id, name, driver, warning: None }
    }
}

const LIST_FILTERS: [&str; 7] = ["driver", "id", "label", "name", "scope", "type", "dangling"];
const PRUNE_FILTERS: [&str; 3] = ["until", "label", "label!"];

/// One IPAM pool as sent to the daemon, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    /// The subnet.
    pub subnet: IpNet,
    /// Its gateway, if given.
    pub gateway: Option<IpAddr>,
    /// Its allocation range, if given.
    pub ip_range: Option<IpNet>,
    /// Reserved addresses inside it.
    pub aux: BTreeMap<String, IpAddr>,
}

impl CreateOptions {
    /// Checks the addressing options and groups them into one pool per subnet, as the docker CLI
    /// does: every gateway, range and aux address goes to the subnet that contains it.
    pub fn pools(&self) -> Result<Vec<Pool>> {
        let mut pools: Vec<Pool> = Vec::new();
        for s in self.subnet.iter() {
            let net = parse_subnet("subnet", s)?;
            if let Some(p) = pools.iter().find(|p| overlaps(&p.subnet, &net)) {
                return Err(Error::invalid(format!("subnet {net} overlaps subnet {} in the same request", p.subnet)));
            }
            pools.push(Pool { subnet: net, gateway: None, ip_range: None, aux: BTreeMap::new() });
        }
        let need_subnet = |what: &str, v: &str| {
            Error::invalid(format!("{what} {v:?} needs a subnet: every gateway, ip_range and aux address must lie in one"))
        };
        for g in self.gateway.iter() {
            let ip = parse_ip("gateway", g)?;
            if pools.is_empty() {
                return Err(need_subnet("gateway", g));
            }
            let pool = pools.iter_mut().find(|p| p.subnet.contains(&ip)).ok_or_else(|| {
                Error::invalid(format!("gateway {g:?} is outside every subnet ({})", list(&self.subnet)))
            })?;
            if let Some(prev) = pool.gateway {
                return Err(Error::invalid(format!(
                    "gateway {g:?}: subnet {} already has gateway {prev}",
                    pool.subnet
                )));
            }
            pool.gateway = Some(ip);
        }
        for r in self.ip_range.iter() {
            let range = parse_subnet("ip_range", r)?;
            if pools.is_empty() {
                return Err(need_subnet("ip_range", r));
            }
            let pool = pools
                .iter_mut()
                .find(|p| p.subnet.contains(&range.network()) && p.subnet.prefix_len() <= range.prefix_len())
                .ok_or_else(|| {
                    Error::invalid(format!("ip_range {r:?} is outside every subnet ({})", list(&self.subnet)))
                })?;
            if let Some(prev) = pool.ip_range {
                return Err(Error::invalid(format!("ip_range {r:?}: subnet {} already has range {prev}", pool.subnet)));
            }
            pool.ip_range = Some(range);
        }
        for (name, addr) in &self.aux_addresses.0 {
            let ip = parse_ip(&format!("aux_addresses.{name}"), addr)?;
            if pools.is_empty() {
                return Err(need_subnet(&format!("aux_addresses.{name}"), addr));
            }
            let pool = pools.iter_mut().find(|p| p.subnet.contains(&ip)).ok_or_else(|| {
                Error::invalid(format!(
                    "aux_addresses.{name} {addr:?} is outside every subnet ({})",
                    list(&self.subnet)
                ))
            })?;
            pool.aux.insert(name.clone(), ip);
        }
        Ok(pools)
    }

    /// The Engine API's create body. `CheckDuplicate` only before API 1.44: 20.10–24 create
    /// duplicates unless asked not to (the docker CLI always asks); later daemons always refuse
    /// and deprecate the field.
    pub(crate) fn body(&self, name: &str, pools: &[Pool], api: ApiVersion) -> NetworkCreateBody {
        let config = pools
            .iter()
            .map(|p| IpamPoolBody {
                subnet: p.subnet.to_string(),
                ip_range: p.ip_range.map(|r| r.to_string()),
                gateway: p.gateway.map(|g| g.to_string()),
                auxiliary_addresses: p.aux.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
            })
            .collect();
        NetworkCreateBody {
            name: name.to_string(),
            check_duplicate: (api < ApiVersion(1, 44)).then_some(true),
            driver: self.driver.clone().unwrap_or_else(|| "bridge".to_string()),
            ipam: IpamBody {
                driver: self.ipam_driver.clone().unwrap_or_else(|| "default".to_string()),
                config,
                options: self.ipam_options.0.clone(),
            },
            internal: self.internal,
            attachable: self.attachable,
            ingress: self.ingress,
            config_only: self.config_only,
            config_from: self.config_from.clone().map(|network| ConfigFromBody { network }),
            scope: self.scope.clone(),
            enable_ipv6: self.ipv6,
            enable_ipv4: self.ipv4,
            options: self.options.0.clone(),
            labels: self.labels.0.clone(),
        }
    }

    /// What a create of `name` with these options made, from the daemon's answer.
    fn created(&self, name: &str, created: CreatedFacts) -> NetworkRef {
        NetworkRef {
            id: created.id,
            name: name.to_string(),
            driver: self.driver.clone().unwrap_or_else(|| if self.config_only { "null" } else { "bridge" }.into()),
            warning: Some(created.warning).filter(|w| !w.is_empty()),
        }
    }
}

fn list(v: &StringList) -> String {
    if v.is_empty() {
        "none given".to_string()
    } else {
        v.0.join(", ")
    }
}

/// The list request of `network ls` with its filters (checked: an unknown key is an error).
fn ls_path(opts: &ListOptions) -> Result<String> {
    check_filter_keys(&opts.filters, &LIST_FILTERS, "network ls")?;
    let q = filters_query(&opts.filters);
    Ok(if q.is_empty() { "/networks".to_string() } else { format!("/networks?{q}") })
}

fn check_filter_keys(filters: &BTreeMap<String, StringList>, allowed: &[&str], op: &str) -> Result<()> {
    for key in filters.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(Error::invalid(format!(
                "{op}: unknown filter {key:?} (expected one of: {})",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

impl Client {
    /// Creates a network. Refuses a name that exists already (even on a 20.10 daemon, which would
    /// make a duplicate), a subnet overlapping another network, and options the daemon would
    /// silently ignore.
    pub async fn network_create(&self, name: &str, opts: &CreateOptions) -> Result<NetworkRef> {
        let ctx = format!("network create {name:?}");
        self.network_create_inner(name, opts).await.map_err(|e| crate::swarm::network_hint(e).context(&ctx))
    }

    async fn network_create_inner(&self, name: &str, opts: &CreateOptions) -> Result<NetworkRef> {
        let pools = self.check_create(name, opts).await?;
        // Check and create as one step for this machine (see local_lock.rs): without it a 20.10
        // daemon creates one network per concurrent caller under the same name.
        let _turn = self.create_turn(name).await;
        let existing = self.networks_facts().await?;
        if let Some(net) = existing.iter().find(|n| n.name == name) {
            return Err(Error::conflict(format!("a network named {name:?} already exists (id {})", short(&net.id))));
        }
        let subnets: Vec<IpNet> = pools.iter().map(|p| p.subnet).collect();
        if let Some(e) = overlap_conflict(&subnets, &existing) {
            return Err(e);
        }
        let api = self.daemon().await?.api;
        let created = self.create_network(&opts.body(name, &pools, api)).await?;
        self.settle_duplicates(name, &created.id).await?;
        Ok(opts.created(name, created))
    }

    /// [`Client::network_create`] for the topology engine, whose plan has read every network on
    /// the daemon and chose `name` and the subnets against them: the same checks of the options,
    /// then the create — without listing every network again (a 200-network lab listed 200
    /// times) and without the duplicate settle. What a list would catch, the daemon refuses
    /// itself: a name taken since the plan (`CheckDuplicate`, or always from API 1.44) and a
    /// subnet overlapping a pool of its address space ("Pool overlaps", which the apply's
    /// subnet retry reads); a concurrent dockernet on this machine waits for the same local
    /// turn, and another apply of the same topology for the topology's lock.
    pub(crate) async fn network_create_planned(&self, name: &str, opts: &CreateOptions) -> Result<NetworkRef> {
        let ctx = format!("network create {name:?}");
        async {
            let pools = self.check_create(name, opts).await?;
            let _turn = self.create_turn(name).await;
            let api = self.daemon().await?.api;
            let created = self.create_network(&opts.body(name, &pools, api)).await?;
            Ok(opts.created(name, created))
        }
        .await
        .map_err(|e| crate::swarm::network_hint(e).context(&ctx))
    }

    /// The checks of a create that need no list: the name, the addressing (grouped into pools),
    /// and what the daemon's version supports.
    async fn check_create(&self, name: &str, opts: &CreateOptions) -> Result<Vec<Pool>> {
        check_name("network", name)?;
        if PREDEFINED.contains(&name) || name == "default" {
            return Err(Error::new(
                ErrorKind::Forbidden,
                format!("{name:?} is a predefined network name and cannot be created"),
            ));
        }
        let pools = opts.pools()?;
        if let Some(driver) = &opts.driver {
            check_name("driver", driver)?;
        }
        if opts.ipv4 == Some(false) {
            self.require_api(ApiVersion(1, 48), "ipv4=false").await?;
        }
        if opts.ipv6 == Some(true) && opts.config_from.is_none() && !pools.iter().any(|p| p.subnet.addr().is_ipv6()) {
            // Docker ≤26 (API < 1.46) has no default IPv6 pool and answers 404 "could not find an
            // available, non-overlapping IPv6 address pool", which reads like exhaustion.
            let info = self.daemon().await?;
            if info.daemon_api < ApiVersion(1, 46) {
                return Err(Error::invalid(format!(
                    "option ipv6 needs an IPv6 subnet on Docker {} (API {}): add one to subnet, e.g. \"fd00:10::/64\" \
                     (Docker 27+ picks one itself)",
                    info.engine, info.daemon_api
                )));
            }
        }
        Ok(pools)
    }

    /// This machine's turn to create `name` on this daemon (see local_lock.rs).
    async fn create_turn(&self, name: &str) -> crate::local_lock::LocalLock {
        crate::local_lock::lock(&format!("network-create {}", self.host().url), name, self.timeout()).await
    }

    /// The last line of defence against duplicate names, for what no local lock covers (another
    /// machine, another client): after a create, list the networks of exactly this name.
    /// - Alone: done (the common case: one list, no wait).
    /// - Another one is older (`Created`, then the smallest `Id`): remove ours, answer `conflict`.
    /// - Ours is the oldest, younger ones are there: their creators normally see ours and remove
    ///   theirs, so wait (polling, at most [`SETTLE_GRACE`]) for them to go. One that stays was
    ///   kept by a creator that listed before ours was visible (a network is stamped `Created`
    ///   before the daemon lists it, and under load that gap is long enough for a younger one to
    ///   list alone and succeed): its caller has been told it exists, so ours gives way.
    ///
    /// A failed list keeps the network: it was created.
    async fn settle_duplicates(&self, name: &str, id: &str) -> Result<()> {
        let filters = BTreeMap::from([("name".to_string(), StringList(vec![format!("^{}$", go_regex_quote(name))]))]);
        let start = std::time::Instant::now();
        let kept = loop {
            let Ok(docs) = self.network_ls(&ListOptions { filters: filters.clone() }).await else { return Ok(()) };
            let same: Vec<(Option<time::OffsetDateTime>, String)> = docs
                .iter()
                .filter(|d| d.str_field("Name") == name)
                .map(|d| (parse_created(&d.str_field("Created")), d.str_field("Id")))
                .collect();
            let Some(oldest) = same.iter().min_by(|a, b| created_order(a, b)) else { return Ok(()) };
            if same.len() < 2 || !same.iter().any(|(_, i)| i == id) {
                return Ok(());
            }
            if oldest.1 != id {
                break oldest.1.clone();
            }
            if start.elapsed() >= SETTLE_GRACE {
                let younger = same.iter().filter(|(_, i)| i != id).min_by(|a, b| created_order(a, b));
                break younger.map(|(_, i)| i.clone()).unwrap_or_default();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        let removed = self.remove_network(id).await;
        let e = Error::conflict(format!(
            "a network named {name:?} already exists (id {}): another client created it at the same moment",
            short(&kept)
        ));
        Err(match removed {
            Ok(()) => e.note(format!("the duplicate this call made (id {}) was removed again", short(id))),
            Err(r) => e.note(format!(
                "the duplicate this call made (id {}) could not be removed: {}; remove it by id",
                short(id),
                r.message()
            )),
        })
    }

    /// The daemon's inspect document for one network, looked up exactly (see the file notes).
    pub async fn network_inspect(&self, name_or_id: &str, opts: &InspectOptions) -> Result<Document> {
        match self.find_network_document(name_or_id, opts.verbose).await {
            Ok(doc) => Ok(doc),
            Err(e) => Err(self.explain_missing_network(e).await.context(format!("network inspect {name_or_id:?}"))),
        }
    }

    /// Identity of a network, looked up exactly.
    pub async fn network_get(&self, name_or_id: &str) -> Result<NetworkRef> {
        match self.find_network(name_or_id, false).await {
            Ok((_, net)) => Ok(NetworkRef::from_facts(&net)),
            Err(e) => Err(self.explain_missing_network(e).await.context(format!("network get {name_or_id:?}"))),
        }
    }

    /// Lists networks (daemon documents), sorted by name. Filter semantics are the daemon's:
    /// `name` and `id` match as regular expressions, exactly as `docker network ls --filter`.
    pub async fn network_ls(&self, opts: &ListOptions) -> Result<Vec<Document>> {
        let op = "network ls";
        let mut docs = self.get_docs(&ls_path(opts)?).await.map_err(|e| e.context(op))?;
        // The docker CLI sorts lists by name; each name is read once (by skimming).
        docs.sort_by_cached_key(|d| d.str_field("Name"));
        Ok(docs)
    }

    /// [`Client::network_ls`] decoded by a binding in one pass: `item` gives a seed that builds
    /// one network's value and reports its `Name` (`""` when it has none), by which the values
    /// come back sorted, as `network_ls` sorts its documents. Why: splitting the list into
    /// documents validates every byte once more before the binding decodes it, a sixth of a
    /// Lua `ls` (bench/README.md, item 9).
    pub async fn network_ls_with<S, T>(&self, opts: &ListOptions, item: impl FnMut() -> S) -> Result<Vec<T>>
    where
        S: for<'de> serde::de::DeserializeSeed<'de, Value = (T, String)>,
    {
        let op = "network ls";
        let mut items = self.get_list_with(&ls_path(opts)?, item).await.map_err(|e| e.context(op))?;
        items.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(items.into_iter().map(|(v, _)| v).collect())
    }

    /// Removes one network (exact lookup, then by id).
    pub async fn network_rm(&self, name_or_id: &str) -> Result<()> {
        let (_, r) =
            self.find_network(name_or_id, false).await.map_err(|e| e.context(format!("network rm {name_or_id:?}")))?;
        let ctx = format!("network rm {:?}", shown(name_or_id, &r.name));
        async {
            if PREDEFINED.contains(&r.name.as_str()) {
                return Err(Error::new(
                    ErrorKind::Forbidden,
                    format!("{} is a pre-defined network and cannot be removed", r.name),
                ));
            }
            self.remove_network(&r.id).await
        }
        .await
        .map_err(|e| e.context(&ctx))
    }

    /// Connects a container to a network. Refuses a container already connected (the daemon
    /// silently ignores that for a stopped container) and a static address outside the
    /// network's subnets.
    pub async fn network_connect(&self, network: &str, container: &str, opts: &ConnectOptions) -> Result<()> {
        let asked = format!("network connect {network:?} {container:?}");
        let net = match self.find_network(network, false).await {
            Ok((_, net)) => net,
            Err(e) => {
                // A swarm network a worker does not know yet: the daemon resolves it at attach.
                return async {
                    self.swarm_network_on_worker(e).await?;
                    let (_, ctr) = self.find_container(container).await?;
                    self.connect_endpoint(network, &ctr.id, &opts.endpoint_settings()).await
                }
                .await
                .map_err(|e| crate::swarm::network_hint(e).context(&asked));
            }
        };
        let (_, ctr) = self.find_container(container).await.map_err(|e| e.context(&asked))?;
        let ctx = format!("network connect {:?} {:?}", shown(network, &net.name), shown(container, ctr.name()));
        self.connect_checked(&NetworkRef::from_facts(&net), Some(&net), &ctr, opts).await.map_err(|e| e.context(&ctx))
    }

    /// The checks of a connect once both sides are known, then the connect by ids. `net_facts`
    /// are what is known of the network's endpoints and subnets (`None` for one made a moment
    /// ago by the same caller, which holds nothing yet); `ctr` must be read now, since "already
    /// connected" is the one check the daemon does not make for a stopped container.
    pub(crate) async fn connect_checked(
        &self,
        net: &NetworkRef,
        net_facts: Option<&NetworkFacts>,
        ctr: &crate::daemon::ContainerFacts,
        opts: &ConnectOptions,
    ) -> Result<()> {
        async {
            // The options first: a bad option is the caller's mistake whatever the state.
            if let Some(facts) = net_facts {
                self.check_endpoint(facts, opts).await?;
            }
            if ctr.endpoints().contains_key(&net.name) {
                return Err(Error::conflict(format!(
                    "container {:?} is already connected to network {:?}",
                    ctr.name(),
                    net.name
                )));
            }
            self.connect_endpoint(&net.id, &ctr.id, &opts.endpoint_settings()).await
        }
        .await
        .map_err(crate::swarm::network_hint)
    }

    /// Validates connect options against the network and the daemon's version.
    pub(crate) async fn check_endpoint(&self, net: &NetworkFacts, opts: &ConnectOptions) -> Result<()> {
        let subnets = net.subnets();
        let name = &net.name;
        for (field, value, v4) in [("ipv4", &opts.ipv4, true), ("ipv6", &opts.ipv6, false)] {
            let Some(s) = value else { continue };
            let family = if v4 { "IPv4" } else { "IPv6" };
            let ip = match static_address(s, v4, &subnets) {
                StaticAddress::In(ip, _) => ip,
                StaticAddress::NotAnAddress => return Err(Error::invalid(format!("{field} {s:?} is not a valid IP address"))),
                StaticAddress::WrongFamily => return Err(Error::invalid(format!("{field} {s:?} is not an {family} address"))),
                StaticAddress::NoSubnet => {
                    return Err(Error::invalid(format!(
                        "{field} {s:?}: network {name:?} has no {family} subnet to hold a static address \
                         (create it with a subnet)"
                    )))
                }
                StaticAddress::Outside(_, list) => {
                    let list: Vec<String> = list.iter().map(IpNet::to_string).collect();
                    return Err(Error::invalid(format!(
                        "{field} {s:?} is outside network {name:?}'s subnet ({})",
                        list.join(", ")
                    )));
                }
            };
            // The daemon's answer for a taken address ("Address already in use") names neither the
            // address nor the network, and for a container not yet started it only comes at start.
            if let Some(ep) = net.holder_of(ip) {
                let holder = if ep.name.is_empty() { "another container" } else { &ep.name };
                return Err(Error::conflict(format!(
                    "{field} {s:?} is already in use on network {name:?} by container {holder:?}"
                )));
            }
        }
        for ip in opts.link_local_ips.iter() {
            parse_ip("link_local_ips", ip)?;
        }
        for k in opts.driver_opts.0.keys() {
            if k.is_empty() {
                return Err(Error::invalid("driver_opts: empty key"));
            }
        }
        if opts.gw_priority.is_some() {
            self.require_api(ApiVersion(1, 48), "gw_priority").await?;
        }
        if opts.mac_address.is_some() {
            self.require_api(ApiVersion(1, 54), "mac_address").await?;
        }
        Ok(())
    }

    /// Disconnects a container from a network. Refuses a container that is not connected (the
    /// daemon's answer is a 500). With `force`, a container that no longer exists is passed to
    /// the daemon by name so it can drop the stale endpoint.
    pub async fn network_disconnect(&self, network: &str, container: &str, opts: &DisconnectOptions) -> Result<()> {
        let (_, net) = self
            .find_network(network, false)
            .await
            .map_err(|e| e.context(format!("network disconnect {network:?} {container:?}")))?;
        // The container is named as given until its lookup answers (with force, one that no
        // longer exists is passed on by name).
        let ctr = self.find_container(container).await;
        let shown_ctr = match &ctr {
            Ok((_, ctr)) => shown(container, ctr.name()),
            Err(_) => container.to_string(),
        };
        let ctx = format!("network disconnect {:?} {shown_ctr:?}", shown(network, &net.name));
        let net = NetworkRef::from_facts(&net);
        match ctr {
            Ok((_, ctr)) => self.disconnect_checked(&net, &ctr, opts.force).await,
            // With force, one that no longer exists is passed on by name: the daemon drops its
            // stale endpoint.
            Err(e) if e.kind() == ErrorKind::NotFound && opts.force => {
                self.disconnect_endpoint(&net.id, container, true).await
            }
            Err(e) => Err(e),
        }
        .map_err(|e| e.context(&ctx))
    }

    /// The check of a disconnect once both sides are known (the daemon answers 500 for a
    /// container that is not connected), then the disconnect by ids.
    pub(crate) async fn disconnect_checked(
        &self,
        net: &NetworkRef,
        ctr: &crate::daemon::ContainerFacts,
        force: bool,
    ) -> Result<()> {
        if !ctr.endpoints().contains_key(&net.name) && !force {
            return Err(Error::conflict(format!(
                "container {:?} is not connected to network {:?}",
                ctr.name(),
                net.name
            )));
        }
        self.disconnect_endpoint(&net.id, &ctr.id, force).await
    }

    /// Removes unused networks; returns the names removed.
    pub async fn network_prune(&self, opts: &PruneOptions) -> Result<Vec<String>> {
        let op = "network prune";
        check_filter_keys(&opts.filters, &PRUNE_FILTERS, op)?;
        let q = filters_query(&opts.filters);
        let path = if q.is_empty() { "/networks/prune".to_string() } else { format!("/networks/prune?{q}") };
        let resp = self.post_json(&path, &json!({})).await.map_err(|e| e.context(op))?;
        let mut names = serde_json::from_value::<crate::daemon::PruneFacts>(resp)?.networks_deleted;
        names.sort();
        Ok(names)
    }
}

impl ConnectOptions {
    /// The endpoint settings connect and container create send for these options: the one
    /// place `ConnectOptions` becomes the API's words.
    pub fn endpoint_settings(&self) -> EndpointSettings {
        let ipam = EndpointIpamBody {
            ipv4_address: self.ipv4.as_deref().map(|a| a.trim().to_string()),
            ipv6_address: self.ipv6.as_deref().map(|a| a.trim().to_string()),
            link_local_ips: self.link_local_ips.0.clone(),
        };
        EndpointSettings {
            ipam_config: Some(ipam).filter(|i| *i != EndpointIpamBody::default()),
            aliases: self.aliases.0.clone(),
            links: self.links.0.clone(),
            driver_opts: self.driver_opts.0.clone(),
            gw_priority: self.gw_priority,
            mac_address: self.mac_address.clone(),
        }
    }
}

/// The conflict a create of `subnets` meets among `existing` networks: the first subnet that
/// overlaps one of theirs, named with its holder.
pub(crate) fn overlap_conflict(subnets: &[IpNet], existing: &[NetworkFacts]) -> Option<Error> {
    subnets.iter().find_map(|subnet| {
        existing.iter().find_map(|net| {
            net.subnets().into_iter().find(|taken| overlaps(subnet, taken)).map(|taken| {
                Error::conflict(format!("subnet {subnet} overlaps subnet {taken} of network {:?}", net.name))
            })
        })
    })
}

/// The subnets of a network document's IPAM config (for callers holding a tree, such as tests;
/// dockernet itself reads [`NetworkFacts::subnets`]).
pub fn doc_subnets(doc: &Value) -> Vec<IpNet> {
    NetworkFacts::deserialize(doc).map(|n| n.subnets()).unwrap_or_default()
}

/// How long the creator of the oldest of several same-named networks waits for the younger
/// ones' creators to remove theirs before it concludes one of them was kept (see
/// `settle_duplicates`). Paid only when duplicates are seen.
const SETTLE_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// A network's `Created` time (RFC 3339 with nanoseconds, in the daemon's time zone).
fn parse_created(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// Oldest first, then the smallest id; an unreadable time sorts last.
fn created_order(
    a: &(Option<time::OffsetDateTime>, String),
    b: &(Option<time::OffsetDateTime>, String),
) -> std::cmp::Ordering {
    let t = |x: &Option<time::OffsetDateTime>| x.map_or((1, None), |t| (0, Some(t)));
    t(&a.0).cmp(&t(&b.0)).then_with(|| a.1.cmp(&b.1))
}

/// Escapes a name for the daemon's regular-expression `name` filter (Go's `regexp.QuoteMeta`).
fn go_regex_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(v: Value) -> CreateOptions {
        crate::options::from_value(v, "t").unwrap()
    }

    /// Gateways, ranges and aux addresses land in the subnet that holds them.
    #[test]
    fn pools_group_by_subnet() {
        let o = opts(json!({
            "subnet": ["10.1.0.0/24", "fd00:1::/64"],
            "gateway": ["10.1.0.254"], "ip_range": "10.1.0.128/25",
            "aux_addresses": {"r": "fd00:1::9"}
        }));
        let pools = o.pools().unwrap();
        assert_eq!(pools.len(), 2);
        assert_eq!(pools[0].gateway, Some("10.1.0.254".parse().unwrap()));
        assert_eq!(pools[0].ip_range, Some("10.1.0.128/25".parse().unwrap()));
        assert_eq!(pools[1].aux.get("r"), Some(&"fd00:1::9".parse().unwrap()));
    }

    /// Each addressing mistake is refused with the field and value in the message.
    #[test]
    fn bad_addressing_names_the_culprit() {
        let cases = [
            (json!({"subnet": "10.0.0.0/33"}), "10.0.0.0/33"),
            (json!({"subnet": "10.0.0.1/24"}), "10.0.0.0/24"),
            (json!({"subnet": ["10.0.0.0/16", "10.0.5.0/24"]}), "overlaps"),
            (json!({"subnet": "10.0.0.0/24", "gateway": "10.0.1.1"}), "gateway \"10.0.1.1\""),
            (json!({"gateway": "10.0.1.1"}), "needs a subnet"),
            (json!({"subnet": "10.0.0.0/24", "ip_range": "10.0.1.0/25"}), "ip_range \"10.0.1.0/25\""),
            (json!({"subnet": "10.0.0.0/24", "aux_addresses": {"x": "10.9.0.1"}}), "aux_addresses.x"),
            (json!({"subnet": "10.0.0.0/24", "gateway": "nope"}), "gateway \"nope\""),
            (json!({"subnet": "10.0.0.0/24", "gateway": ["10.0.0.1", "10.0.0.2"]}), "already has gateway"),
        ];
        for (v, needle) in cases {
            let e = opts(v.clone()).pools().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Invalid, "{v}");
            assert!(e.message().contains(needle), "{v}: {e}");
        }
    }

    /// Duplicates are settled by age: the oldest `Created` wins whatever the time zone, then the
    /// smallest id; an unreadable time loses.
    #[test]
    fn oldest_duplicate_wins() {
        let n = |t: &str, id: &str| (parse_created(t), id.to_string());
        let mut v = [
            n("2026-12-03T07:16:55.36736972Z", "b"),
            n("2026-12-03T07:16:55.338495093Z", "c"),
            n("2026-12-03T08:16:55.338495094+01:00", "x"),
            n("garbage", "a"),
            n("2026-12-03T07:16:55.338495093Z", "a2"),
        ];
        assert!(v[0].0.is_some() && v[2].0.is_some());
        v.sort_by(created_order);
        let ids: Vec<&str> = v.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(ids, ["a2", "c", "x", "b", "a"]);
        assert_eq!(go_regex_quote("a.b[1]"), "a\\.b\\[1\\]");
    }

    /// The create body carries CheckDuplicate only for daemons that need it.
    #[test]
    fn create_body_shape() {
        let o = opts(json!({"subnet": "10.2.0.0/24", "internal": true, "labels": {"a": "b"}}));
        let body = |api| serde_json::to_value(o.body("n", &o.pools().unwrap(), api)).unwrap();
        let b = body(ApiVersion(1, 41));
        assert_eq!(b["CheckDuplicate"], json!(true));
        assert_eq!(b["IPAM"]["Config"][0]["Subnet"], json!("10.2.0.0/24"));
        assert_eq!(b["Internal"], json!(true));
        let b = body(ApiVersion(1, 44));
        assert!(b.get("CheckDuplicate").is_none());
    }
}
