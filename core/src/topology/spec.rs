//! The topology model — what a lab declares — and its validation.
//!
//! YAML, JSON, Lua tables and Python dicts all deserialize into [`Spec`] through serde with
//! unknown keys rejected, so one file of rules serves every surface. After parsing,
//! [`Spec::validate`] checks what serde cannot: dangling references (a node on an undeclared
//! network, a route via a node that shares no network), duplicate static addresses, addresses
//! outside their subnet, reserved labels. Every problem names its path
//! (`nodes.web.networks.front.ipv4`), all problems are reported together, and all of it happens
//! before the daemon is asked anything.
//!
//! What does not live here: subnet allocation for networks that give none (`subnets.rs`), and
//! anything that needs the daemon (`state.rs`, `plan.rs`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::container::Command;
use crate::error::{Error, Result};
use crate::network::{ConnectOptions, CreateOptions};
use crate::options::{StringList, StringMap};

/// Where subnets come from for networks that give none: `10.210.0.0/16`, split into /24s (256
/// networks). Chosen outside Docker's own default pools (`172.17.0.0/16`–`172.31.0.0/16`,
/// `192.168.0.0/16`), so a topology never competes with `docker network create` for them.
pub const DEFAULT_POOL: &str = "10.210.0.0/16";

/// The size of each allocated subnet unless `subnet_size` says otherwise.
pub const DEFAULT_SUBNET_SIZE: u8 = 24;

/// The ownership label: every network and container of topology `lab` carries
/// `dockernet.topology=lab`. Destroy removes exactly what carries it.
pub const LABEL: &str = "dockernet.topology";
/// Which declared network a Docker network is (`dockernet.topology.network=front`).
pub const LABEL_NETWORK: &str = "dockernet.topology.network";
/// Which declared node a container is (`dockernet.topology.node=web`).
pub const LABEL_NODE: &str = "dockernet.topology.node";
/// The declared configuration an object was created from (canonical JSON), compared by plan.
pub const LABEL_CONFIG: &str = "dockernet.topology.config";

/// A whole topology as declared.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The topology's name: the value of the ownership label and the default name prefix.
    pub name: String,
    /// Prefix of every Docker name (default `"<name>-"`: node `web` of `lab` is `lab-web`).
    #[serde(default)]
    pub prefix: Option<String>,
    /// IPv4 block that subnets are allocated from (default [`DEFAULT_POOL`]).
    #[serde(default)]
    pub pool: Option<String>,
    /// Prefix length of each allocated subnet (default 24).
    #[serde(default)]
    pub subnet_size: Option<u8>,
    /// The image of nodes that name none.
    #[serde(default)]
    pub image: Option<String>,
    /// Labels added to every network and container.
    #[serde(default)]
    pub labels: StringMap,
    /// Networks: `{front = {subnet = …}, back = {}}` or a list of names / `{name = …, …}` entries.
    /// Options are those of `network create`.
    #[serde(default)]
    pub networks: Named<CreateOptions>,
    /// Nodes (containers), by name.
    #[serde(default)]
    pub nodes: Named<NodeSpec>,
    /// Reachability expectations checked by verify (they override what the topology implies).
    #[serde(default)]
    pub expect: Vec<Expect>,
}

/// One node: the options of `container run` (less `name`, `network` and `auto_remove`, which
/// the topology decides), its attachments and its routes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NodeSpec {
    /// A local image (never pulled); defaults to the topology's `image`.
    pub image: Option<String>,
    /// Command: a list of words or one string split like a shell.
    pub command: Option<Command>,
    /// Entrypoint override.
    pub entrypoint: Option<Command>,
    /// Environment.
    pub env: StringMap,
    /// Labels (keys starting with `dockernet.topology` are reserved).
    pub labels: StringMap,
    /// Hostname (default: the node's name).
    pub hostname: Option<String>,
    /// Capabilities to add (`NET_ADMIN` is added for nodes with routes).
    pub cap_add: StringList,
    /// Capabilities to drop.
    pub cap_drop: StringList,
    /// Kernel parameters (`net.ipv4.ip_forward = "1"` is added for nodes that routes go via).
    pub sysctls: StringMap,
    /// Published ports, as `container run` takes them.
    pub ports: Option<Value>,
    /// Run privileged.
    pub privileged: bool,
    /// User to run as.
    pub user: Option<String>,
    /// Working directory.
    pub workdir: Option<String>,
    /// Attachments: a list of network names, or `{front = {ipv4 = …, aliases = {…}}, back = {}}`
    /// with the options of `network connect`.
    pub networks: Named<ConnectOptions>,
    /// Routes installed inside the node: `{to = "back", via = "router"}`.
    pub routes: Vec<RouteSpec>,
}

/// A route inside a node: traffic for network `to` goes via node `via`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// The destination network (its subnet becomes the route's destination).
    pub to: String,
    /// The next hop: a node sharing a network with this one.
    pub via: String,
}

/// A reachability expectation: `{from = "client", to = "db", reach = false}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The node that pings.
    pub from: String,
    /// The node pinged.
    pub to: String,
    /// Whether the ping must succeed (`false`: an expected denial).
    pub reach: bool,
}

/// Named entries given either as a map (`{front = {…}, back = {}}`, kept in name order) or as a
/// list (`{"front", {name = "back", internal = true}}`, kept in list order).
///
/// Lookups by name go through an index: validation and planning look names up per node and per
/// attachment, and a linear scan made a 1,000-network / 2,000-node plan quadratic (bench/README.md,
/// item 6).
#[derive(Debug, Clone)]
pub struct Named<T> {
    entries: Vec<(String, T)>,
    index: HashMap<String, usize>,
}

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named { entries: Vec::new(), index: HashMap::new() }
    }
}

impl<T: PartialEq> PartialEq for Named<T> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl<T> Named<T> {
    /// Entries in the given order; `Err(name)` names the first name given twice.
    pub fn new(entries: Vec<(String, T)>) -> std::result::Result<Named<T>, String> {
        let mut index = HashMap::with_capacity(entries.len());
        for (i, (n, _)) in entries.iter().enumerate() {
            if index.insert(n.clone(), i).is_some() {
                return Err(n.clone());
            }
        }
        Ok(Named { entries, index })
    }
    /// The entry called `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.index.get(name).map(|&i| &self.entries[i].1)
    }
    /// True when `name` is declared.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }
    /// `(name, entry)` pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }
    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<'de, T: DeserializeOwned + Default> Deserialize<'de> for Named<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: DeserializeOwned + Default> Visitor<'de> for V<T> {
            type Value = Named<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of name = options, or a list of names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Named<T>, A::Error> {
                let mut out: Vec<(String, T)> = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    // Typed all the way down, so an error names its full path.
                    let v: Option<T> = map.next_value()?;
                    out.push((name, v.unwrap_or_default()));
                }
                // A Lua table or a Python dict has no order worth keeping; names give one.
                out.sort_by(|a, b| a.0.cmp(&b.0));
                Named::new(out).map_err(|n| de::Error::custom(format!("{n:?} is given twice")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Named<T>, A::Error> {
                let mut out: Vec<(String, T)> = Vec::new();
                while let Some(entry) = seq.next_element::<Value>()? {
                    let (name, v) = match entry {
                        Value::String(s) => (s, T::default()),
                        Value::Object(mut o) => {
                            let name = match o.remove("name") {
                                Some(Value::String(s)) => s,
                                _ => return Err(de::Error::custom("a table entry needs name = \"…\"")),
                            };
                            let v = serde_path_to_error::deserialize::<_, T>(Value::Object(o)).map_err(|e| {
                                let path = e.path().to_string();
                                if path.is_empty() || path == "." {
                                    de::Error::custom(format!("({name}): {}", e.into_inner()))
                                } else {
                                    de::Error::custom(format!("({name}).{path}: {}", e.into_inner()))
                                }
                            })?;
                            (name, v)
                        }
                        other => return Err(de::Error::custom(format!("expected a name or a table, got {other}"))),
                    };
                    out.push((name, v));
                }
                Named::new(out).map_err(|n| de::Error::custom(format!("{n:?} is given twice")))
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Named<T>, E> {
                Ok(Named::default())
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// True for a name Docker accepts for a container: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Collects validation problems, each with its path.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, path: impl fmt::Display, msg: impl fmt::Display) {
        self.0.push(format!("{path}: {msg}"));
    }
}

/// A node's capability list names NET_ADMIN (with or without `CAP_`, any case).
pub(crate) fn has_cap(caps: &[String], cap: &str) -> bool {
    caps.iter().any(|c| {
        let c = c.to_ascii_uppercase();
        c == cap || c.strip_prefix("CAP_") == Some(cap) || c == "ALL"
    })
}

impl Spec {
    /// The prefix of every Docker name: `prefix`, or `"<name>-"`.
    pub fn name_prefix(&self) -> String {
        self.prefix.clone().unwrap_or_else(|| format!("{}-", self.name))
    }

    /// The Docker name of network `key`.
    pub fn network_name(&self, key: &str) -> String {
        format!("{}{key}", self.name_prefix())
    }

    /// The Docker name of node `key`.
    pub fn node_name(&self, key: &str) -> String {
        format!("{}{key}", self.name_prefix())
    }

    /// The pool subnets are allocated from.
    pub fn pool(&self) -> Result<Ipv4Net> {
        let s = self.pool.as_deref().unwrap_or(DEFAULT_POOL);
        let net: Ipv4Net = s
            .trim()
            .parse()
            .map_err(|_| Error::invalid(format!("pool: {s:?} is not an IPv4 CIDR (expected e.g. {DEFAULT_POOL})")))?;
        if net.network() != net.addr() {
            return Err(Error::invalid(format!("pool: {s:?} has host bits set; did you mean {}?", net.trunc())));
        }
        Ok(net)
    }

    /// The prefix length of allocated subnets.
    pub fn subnet_size(&self) -> u8 {
        self.subnet_size.unwrap_or(DEFAULT_SUBNET_SIZE)
    }

    /// The image node `key` runs.
    pub fn node_image(&self, node: &NodeSpec) -> String {
        node.image.clone().or_else(|| self.image.clone()).unwrap_or_default()
    }

    /// True when some route goes via node `key` (it must forward).
    pub fn is_router(&self, key: &str) -> bool {
        self.nodes.iter().any(|(_, n)| n.routes.iter().any(|r| r.via == key))
    }

    /// The explicit subnets of network `key` (parsed; empty when the pool provides one).
    pub fn declared_subnets(&self, key: &str) -> Vec<IpNet> {
        self.networks
            .get(key)
            .map(|n| n.subnet.iter().filter_map(|s| s.trim().parse::<IpNet>().ok()).collect())
            .unwrap_or_default()
    }

    /// The capabilities node `key` gets: its own, plus `NET_ADMIN` when it has routes (installing
    /// a route needs it).
    pub fn effective_cap_add(&self, node: &NodeSpec) -> Vec<String> {
        let mut caps = node.cap_add.0.clone();
        if !node.routes.is_empty() && !has_cap(&caps, "NET_ADMIN") {
            caps.push("NET_ADMIN".to_string());
        }
        caps
    }

    /// The sysctls node `key` gets: its own, plus `net.ipv4.ip_forward=1` when routes go via it.
    pub fn effective_sysctls(&self, key: &str, node: &NodeSpec) -> BTreeMap<String, String> {
        let mut s = node.sysctls.0.clone();
        if self.is_router(key) {
            s.entry("net.ipv4.ip_forward".to_string()).or_insert_with(|| "1".to_string());
        }
        s
    }

    /// The labels every object of this topology carries besides its own.
    pub(crate) fn owner_labels(&self) -> BTreeMap<String, String> {
        let mut l = self.labels.0.clone();
        l.insert(LABEL.to_string(), self.name.clone());
        l
    }

    /// The canonical configuration of network `key` with its resolved subnets: what plan compares
    /// and what the `dockernet.topology.config` label records.
    pub fn network_config(&self, key: &str, subnets: &[IpNet]) -> Value {
        let n = self.networks.get(key).cloned().unwrap_or_default();
        let list = |l: &StringList| json!(l.0);
        let mut subnet: Vec<String> = subnets.iter().map(|s| s.to_string()).collect();
        subnet.sort();
        let mut m = Map::new();
        m.insert("name".into(), json!(self.network_name(key)));
        m.insert("driver".into(), json!(n.driver.as_deref().unwrap_or("bridge")));
        m.insert("subnet".into(), json!(subnet));
        m.insert("gateway".into(), list(&n.gateway));
        m.insert("ip_range".into(), list(&n.ip_range));
        m.insert("aux_addresses".into(), json!(n.aux_addresses.0));
        m.insert("ipv4".into(), json!(n.ipv4));
        m.insert("ipv6".into(), json!(n.ipv6));
        m.insert("internal".into(), json!(n.internal));
        m.insert("attachable".into(), json!(n.attachable));
        m.insert("ingress".into(), json!(n.ingress));
        m.insert("labels".into(), json!(self.merged(&self.labels, &n.labels)));
        m.insert("options".into(), json!(n.options.0));
        m.insert("ipam_driver".into(), json!(n.ipam_driver));
        m.insert("ipam_options".into(), json!(n.ipam_options.0));
        m.insert("scope".into(), json!(n.scope));
        m.insert("config_only".into(), json!(n.config_only));
        m.insert("config_from".into(), json!(n.config_from));
        Value::Object(m)
    }

    /// The canonical container configuration of node `key` (everything but attachments and
    /// routes, which change in place): what plan compares to decide on a recreation.
    pub fn node_config(&self, key: &str) -> Value {
        let n = self.nodes.get(key).cloned().unwrap_or_default();
        let words = |c: &Option<Command>| c.as_ref().map(|c| json!(c.0)).unwrap_or(Value::Null);
        let mut m = Map::new();
        m.insert("name".into(), json!(self.node_name(key)));
        m.insert("image".into(), json!(self.node_image(&n)));
        m.insert("command".into(), words(&n.command));
        m.insert("entrypoint".into(), words(&n.entrypoint));
        m.insert("env".into(), json!(n.env.0));
        m.insert("labels".into(), json!(self.merged(&self.labels, &n.labels)));
        m.insert("hostname".into(), json!(n.hostname.clone().unwrap_or_else(|| key.to_string())));
        // NET_ADMIN added for routes is left out on purpose: removing a node's last route must
        // not recreate it (plan checks the capability separately when routes need it).
        m.insert("cap_add".into(), json!(n.cap_add.0));
        m.insert("cap_drop".into(), json!(n.cap_drop.0));
        // Likewise the ip_forward added for routers: without it a container inherits the host's
        // setting, which Docker turns on, so dropping a route never forces a recreation.
        m.insert("sysctls".into(), json!(n.sysctls.0));
        m.insert("ports".into(), n.ports.clone().unwrap_or(Value::Null));
        m.insert("privileged".into(), json!(n.privileged));
        m.insert("user".into(), json!(n.user));
        m.insert("workdir".into(), json!(n.workdir));
        Value::Object(m)
    }

    fn merged(&self, a: &StringMap, b: &StringMap) -> BTreeMap<String, String> {
        let mut m = a.0.clone();
        m.extend(b.0.iter().map(|(k, v)| (k.clone(), v.clone())));
        m
    }

    /// The attachment options node `key` gets on network `net`: its declared options plus its
    /// own name as a network alias (so `ping db` works inside the lab whatever the prefix).
    pub fn attachment(&self, node_key: &str, net_key: &str) -> Option<ConnectOptions> {
        let node = self.nodes.get(node_key)?;
        let mut o = node.networks.get(net_key)?.clone();
        if !o.aliases.0.iter().any(|a| a == node_key) {
            o.aliases.0.push(node_key.to_string());
        }
        Some(o)
    }

    /// Checks everything that can be checked without the daemon. All problems are reported in
    /// one [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) error, one line per problem, each
    /// starting with its path.
    pub fn validate(&self) -> Result<()> {
        let mut p = Problems::default();
        self.check_top(&mut p);
        let subnets = self.check_networks(&mut p);
        self.check_nodes(&mut p, &subnets);
        self.check_routes(&mut p);
        for (i, e) in self.expect.iter().enumerate() {
            for (field, node) in [("from", &e.from), ("to", &e.to)] {
                if !self.nodes.contains(node) {
                    p.add(format!("expect[{i}].{field}"), format!("node {node:?} is not declared under nodes"));
                }
            }
            if e.from == e.to {
                p.add(format!("expect[{i}]"), "from and to are the same node");
            }
        }
        if p.0.is_empty() {
            return Ok(());
        }
        let n = p.0.len();
        Err(Error::invalid(format!(
            "topology {:?} is invalid ({n} problem{}):\n  {}",
            self.name,
            if n == 1 { "" } else { "s" },
            p.0.join("\n  ")
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
        for k in self.labels.0.keys() {
            if k.starts_with(LABEL) {
                p.add(format!("labels.{k}"), format!("keys starting with {LABEL:?} are reserved for ownership"));
            }
        }
    }

    /// Checks the networks; returns the explicit subnets per network.
    fn check_networks(&self, p: &mut Problems) -> BTreeMap<String, Vec<IpNet>> {
        let mut all: Vec<(String, IpNet)> = Vec::new();
        let mut out = BTreeMap::new();
        for (key, n) in self.networks.iter() {
            let path = format!("networks.{key}");
            if !valid_name(key) {
                p.add(&path, format!("{key:?} is not a valid network name"));
            }
            if crate::network::PREDEFINED.contains(&self.network_name(key).as_str()) {
                p.add(&path, "a predefined network cannot be part of a topology");
            }
            match n.pools() {
                Ok(pools) => {
                    let nets: Vec<IpNet> = pools.iter().map(|pl| pl.subnet).collect();
                    for net in &nets {
                        if let Some((other, o)) = all.iter().find(|(_, o)| crate::network::overlaps(o, net)) {
                            p.add(format!("{path}.subnet"), format!("{net} overlaps networks.{other}.subnet {o}"));
                        }
                    }
                    all.extend(nets.iter().map(|s| (key.to_string(), *s)));
                    out.insert(key.to_string(), nets);
                }
                Err(e) => p.add(&path, e.message()),
            }
            for k in n.labels.0.keys() {
                if k.starts_with(LABEL) {
                    p.add(
                        format!("{path}.labels.{k}"),
                        format!("keys starting with {LABEL:?} are reserved for ownership"),
                    );
                }
            }
        }
        out
    }

    fn check_nodes(&self, p: &mut Problems, subnets: &BTreeMap<String, Vec<IpNet>>) {
        // (network, address) → the path that claimed it first.
        let mut claimed: BTreeMap<(String, IpAddr), String> = BTreeMap::new();
        for (key, node) in self.nodes.iter() {
            let path = format!("nodes.{key}");
            if !valid_name(key) {
                p.add(&path, format!("{key:?} is not a valid node name"));
            }
            if self.node_image(node).trim().is_empty() {
                p.add(format!("{path}.image"), "no image (give nodes.<name>.image or a topology-wide image)");
            }
            if node.networks.is_empty() {
                p.add(format!("{path}.networks"), "a node needs at least one network");
            }
            for k in node.labels.0.keys() {
                if k.starts_with(LABEL) {
                    p.add(
                        format!("{path}.labels.{k}"),
                        format!("keys starting with {LABEL:?} are reserved for ownership"),
                    );
                }
            }
            if self.is_router(key) {
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
                let declared = subnets.get(net).cloned().unwrap_or_default();
                for (field, value, v4) in [("ipv4", &opts.ipv4, true), ("ipv6", &opts.ipv6, false)] {
                    let Some(s) = value else { continue };
                    let fpath = format!("{apath}.{field}");
                    let ip: IpAddr = match s.trim().parse() {
                        Ok(ip) => ip,
                        Err(_) => {
                            p.add(&fpath, format!("{s:?} is not an IP address"));
                            continue;
                        }
                    };
                    if ip.is_ipv4() != v4 {
                        p.add(&fpath, format!("{s:?} is not an {} address", if v4 { "IPv4" } else { "IPv6" }));
                        continue;
                    }
                    let family: Vec<&IpNet> = declared.iter().filter(|n| n.addr().is_ipv4() == v4).collect();
                    if family.is_empty() {
                        p.add(
                            &fpath,
                            format!(
                                "a static address needs a subnet: give networks.{net}.subnet (an allocated subnet is \
                                 not known in advance)"
                            ),
                        );
                        continue;
                    }
                    let Some(holder) = family.iter().find(|n| n.contains(&ip)) else {
                        let list: Vec<String> = family.iter().map(|n| n.to_string()).collect();
                        p.add(&fpath, format!("{ip} is outside network {net}'s subnet {}", list.join(", ")));
                        continue;
                    };
                    if v4 && (ip == holder.network() || ip == holder.broadcast()) {
                        p.add(&fpath, format!("{ip} is the network or broadcast address of {holder}"));
                        continue;
                    }
                    let gateways = self.networks.get(net).map(|n| n.gateway.0.clone()).unwrap_or_default();
                    let gw_default = holder_gateway(holder);
                    let is_gw = gateways.iter().any(|g| g.trim().parse::<IpAddr>().ok() == Some(ip))
                        || (gateways.is_empty() && Some(ip) == gw_default);
                    if is_gw {
                        p.add(&fpath, format!("{ip} is network {net}'s gateway"));
                        continue;
                    }
                    if let Some(first) = claimed.get(&(net.to_string(), ip)) {
                        p.add(&fpath, format!("{ip} is also given to {first}"));
                        continue;
                    }
                    claimed.insert((net.to_string(), ip), fpath);
                }
            }
        }
    }

    fn check_routes(&self, p: &mut Problems) {
        let model = super::routes::Model::new(self);
        for (key, node) in self.nodes.iter() {
            let mut seen = BTreeSet::new();
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
                if !model.forwards_to(&r.via, &r.to) {
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

/// The gateway Docker's default IPAM gives an IPv4 subnet: its first host address.
fn holder_gateway(net: &IpNet) -> Option<IpAddr> {
    match net {
        IpNet::V4(v4) if v4.prefix_len() < 31 => {
            Some(IpAddr::V4(std::net::Ipv4Addr::from(u32::from(v4.network()) + 1)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The issue's example, verbatim.
    pub(crate) const ISSUE_EXAMPLE: &str = r#"
name: lab
pool: 10.210.0.0/16            # optional; where subnets come from for networks that give none
networks:
  front: {subnet: 10.210.1.0/24}
  back:  {internal: true}
nodes:
  web:    {image: <local image>, command: [sleep, infinity],
           networks: {front: {ipv4: 10.210.1.10, aliases: [www]}, back: {}}}
  db:     {image: <local image>, networks: [back]}
  router: {image: <local image>, networks: [front, back], cap_add: [NET_ADMIN],
           sysctls: {net.ipv4.ip_forward: "1"}}
  client: {image: <local image>, networks: [front], routes: [{to: back, via: router}]}
expect:
  - {from: client, to: db, reach: true}    # through the router
  - {from: db, to: web, reach: true}
"#;

    fn parse(yaml: &str) -> Result<Spec> {
        crate::options::from_deserializer(serde_yaml_ng::Deserializer::from_str(yaml), "topology")
    }

    fn problems(yaml: &str) -> String {
        let spec = parse(yaml).expect("parses");
        let e = spec.validate().expect_err("must be invalid");
        assert_eq!(e.kind(), crate::ErrorKind::Invalid);
        e.message().to_string()
    }

    /// The issue's YAML parses as written: networks as a map, node networks as a list or a map.
    #[test]
    fn issue_example_parses() {
        let s = parse(ISSUE_EXAMPLE).unwrap();
        s.validate().unwrap();
        assert_eq!(s.name, "lab");
        assert_eq!(s.networks.names().collect::<Vec<_>>(), ["back", "front"]);
        assert!(s.networks.get("back").unwrap().internal);
        let web = s.nodes.get("web").unwrap();
        assert_eq!(web.command.as_ref().unwrap().0, ["sleep", "infinity"]);
        let front = web.networks.get("front").unwrap();
        assert_eq!(front.ipv4.as_deref(), Some("10.210.1.10"));
        assert_eq!(front.aliases.0, ["www"]);
        assert_eq!(s.nodes.get("router").unwrap().networks.names().collect::<Vec<_>>(), ["front", "back"]);
        assert_eq!(s.nodes.get("client").unwrap().routes, [RouteSpec { to: "back".into(), via: "router".into() }]);
        assert_eq!(s.expect.len(), 2);
        assert_eq!(s.node_name("web"), "lab-web");
        assert_eq!(s.effective_cap_add(s.nodes.get("client").unwrap()), ["NET_ADMIN"]);
        assert_eq!(s.effective_cap_add(s.nodes.get("router").unwrap()), ["NET_ADMIN"]);
        assert_eq!(s.attachment("web", "front").unwrap().aliases.0, ["www", "web"]);
    }

    /// Networks may also be a list of names or of `{name = …}` tables, and JSON parses alike.
    #[test]
    fn list_forms_and_json() {
        let s = parse("name: t\nnetworks: [a, {name: b, internal: true}]\nnodes: {x: {image: i, networks: [{name: b, ipv4: 10.0.0.5}, a]}}").unwrap();
        assert_eq!(s.networks.names().collect::<Vec<_>>(), ["a", "b"]);
        assert!(s.networks.get("b").unwrap().internal);
        let x = s.nodes.get("x").unwrap();
        assert_eq!(x.networks.names().collect::<Vec<_>>(), ["b", "a"]);
        let j: Spec = crate::options::from_value(
            json!({"name": "t", "networks": {"a": null}, "nodes": {"x": {"image": "i", "networks": ["a"]}}}),
            "topology",
        )
        .unwrap();
        j.validate().unwrap();
    }

    /// Unknown keys are refused with their path, at every depth.
    #[test]
    fn unknown_keys_name_the_path() {
        for (yaml, needle) in [
            ("name: t\nnetwrks: {}", "netwrks"),
            ("name: t\nnetworks: {a: {subnt: 10.0.0.0/24}}", "networks.a"),
            ("name: t\nnodes: {web: {imag: x}}", "nodes.web"),
            ("name: t\nnodes: {web: {networks: {front: {ipv5: x}}}}", "nodes.web.networks.front"),
            ("name: t\nnodes: {web: {routes: [{to: a, via: b, hop: c}]}}", "nodes.web.routes[0]"),
            ("name: t\nexpect: [{from: a, to: b, reach: true, x: 1}]", "expect[0]"),
            ("name: t\nnodes: {web: {networks: [{name: a, ipv5: x}]}}", "ipv5"),
        ] {
            let e = parse(yaml).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Invalid);
            assert!(e.message().contains(needle), "{yaml}: {e}");
        }
        let e = parse("name: t\nnodes: {web: {networks: {front: {ipv4: [1]}}}}").unwrap_err();
        assert!(e.message().contains("nodes.web.networks.front.ipv4"), "{e}");
    }

    /// Each semantic mistake is reported with its path, all of them at once.
    #[test]
    fn semantic_errors_name_the_path() {
        let cases = [
            ("nodes: {web: {image: i, networks: [nope]}}", "nodes.web.networks.nope: network \"nope\" is not declared"),
            ("nodes: {web: {image: i, networks: {front: {ipv4: 10.9.9.9}}}}", "nodes.web.networks.front.ipv4: 10.9.9.9 is outside network front's subnet 10.1.0.0/24"),
            ("nodes: {web: {image: i, networks: {back: {ipv4: 10.9.9.9}}}}", "nodes.web.networks.back.ipv4: a static address needs a subnet"),
            ("nodes: {a: {image: i, networks: {front: {ipv4: 10.1.0.5}}}, b: {image: i, networks: {front: {ipv4: 10.1.0.5}}}}", "nodes.b.networks.front.ipv4: 10.1.0.5 is also given to nodes.a.networks.front.ipv4"),
            ("nodes: {a: {image: i, networks: {front: {ipv4: 10.1.0.1}}}}", "is network front's gateway"),
            ("nodes: {a: {image: i, networks: {front: {ipv4: nope}}}}", "nodes.a.networks.front.ipv4: \"nope\" is not an IP address"),
            ("nodes: {a: {networks: [front]}}", "nodes.a.image"),
            ("nodes: {a: {image: i}}", "nodes.a.networks: a node needs at least one network"),
            ("nodes: {a: {image: i, networks: [front], routes: [{to: back, via: ghost}]}}", "nodes.a.routes[0].via: node \"ghost\" is not declared"),
            ("nodes: {a: {image: i, networks: [front], routes: [{to: nowhere, via: a}]}}", "nodes.a.routes[0].to: network \"nowhere\""),
            ("nodes: {a: {image: i, networks: [front], routes: [{to: back, via: b}]}, b: {image: i, networks: [back]}}", "nodes.a.routes[0].via: node \"b\" shares no network with a"),
            ("nodes: {a: {image: i, networks: [front], routes: [{to: back, via: b}]}, b: {image: i, networks: [front]}}", "nodes.a.routes[0].via: node \"b\" is not on network \"back\""),
            ("nodes: {a: {image: i, networks: [front, back], routes: [{to: back, via: b}]}, b: {image: i, networks: [front, back]}}", "nodes.a.routes[0].to: a is attached to network \"back\" itself"),
            ("nodes: {a: {image: i, networks: [front]}}\nexpect: [{from: a, to: z, reach: true}]", "expect[0].to: node \"z\""),
            ("networks: {front: {subnet: 10.1.0.0/24}, x: {subnet: 10.1.0.0/16}}", "networks.x.subnet: 10.1.0.0/16 overlaps networks.front.subnet 10.1.0.0/24"),
            ("networks: {x: {subnet: 10.3.0.0/33}}", "networks.x: subnet \"10.3.0.0/33\" is not a valid CIDR"),
            ("labels: {dockernet.topology.x: y}", "labels.dockernet.topology.x: keys starting with"),
            ("pool: 10.0.0.1/8", "pool: \"10.0.0.1/8\" has host bits set"),
            ("subnet_size: 12", "subnet_size: 12 must lie between"),
            ("nodes: {a: {image: i, networks: [front], sysctls: {net.ipv4.ip_forward: 0}}, b: {image: i, networks: [front], routes: [{to: back, via: a}]}}", "nodes.a.sysctls.net.ipv4.ip_forward"),
        ];
        for (extra, needle) in cases {
            let yaml = if extra.starts_with("networks:") {
                format!("name: t\n{extra}")
            } else {
                format!("name: t\nnetworks: {{front: {{subnet: 10.1.0.0/24}}, back: {{}}}}\n{extra}")
            };
            let m = problems(&yaml);
            assert!(m.contains(needle), "{yaml}\n---\n{m}");
        }
        // Several problems at once, each on its own line.
        let m = problems("name: t\nnetworks: {front: {}}\nnodes: {a: {networks: [x]}, b: {image: i, networks: [y]}}");
        assert!(m.contains("(3 problems)") && m.lines().count() == 4, "{m}");
    }
}
