//! The topology model — what a lab declares.
//!
//! YAML, JSON, Lua tables and Python dicts all deserialize into [`Spec`] through serde with
//! unknown keys rejected, so one file of rules serves every surface. After parsing,
//! [`Spec::validate`] (in `validate.rs`) checks what serde cannot, naming each problem's path.
//!
//! What does not live here: validation (`validate.rs`), subnet allocation for networks that give
//! none (`subnets.rs`), and anything that needs the daemon (`state.rs`, `plan.rs`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;

use ipnet::{IpNet, Ipv4Net};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{json, Map, Value};

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
/// Environment values are recorded as digests only ([`env_digests`]).
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
    /// Pull an image that none of the topology's hosts has (default `false`: an image missing
    /// on a host is copied from a host that has it, and one no host has is refused; on a single
    /// daemon, a missing image is the daemon's error at run). With it, the plan starts with a pull
    /// of each image a node to run needs and the daemon lacks (hosts.rs across hosts).
    #[serde(default)]
    pub pull: bool,
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
    #[serde(deserialize_with = "tables_only")]
    pub expect: Vec<Expect>,
    /// The daemons the lab spans, by name (`a: {host: "tcp://10.0.0.1:2376"}`). Empty: one
    /// daemon, the client the operation is given. See [`super::hosts`].
    #[serde(default)]
    pub hosts: Named<HostSpec>,
    /// Form one swarm across the hosts when they are not in one yet (`{manager: a}`); destroy
    /// leaves only a swarm that the topology formed.
    #[serde(default, deserialize_with = "table_or_none")]
    pub swarm: Option<SwarmSpec>,
}

/// One daemon of a lab that spans hosts. With neither `host` nor `context`, it is the daemon
/// the operation is given (the current one: `--host`, `DOCKER_HOST`, the current context).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HostSpec {
    /// Its address: `unix:///…`, `tcp://host:port`, as `--host` takes it.
    pub host: Option<String>,
    /// A Docker context to take the address (and TLS files) from.
    pub context: Option<String>,
    /// TLS files for a `tcp://` host (verified against `ca`).
    #[serde(deserialize_with = "table_or_none")]
    pub tls: Option<HostTls>,
    /// The address this host advertises when the topology forms a swarm (needed when it has
    /// several addresses, as a Docker host with a bridge does).
    pub advertise_addr: Option<String>,
}

/// The TLS files of a host (paths).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostTls {
    /// CA certificate the daemon's certificate must chain to.
    pub ca: String,
    /// Client certificate.
    pub cert: String,
    /// Client key.
    pub key: String,
}

/// The swarm a multi-host lab uses for its overlay networks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwarmSpec {
    /// The host that initialises the swarm (when none of the hosts is in one) and creates the
    /// overlay networks.
    pub manager: String,
}

crate::container::with_container_fields! {
    /// One node: the options of `container run` (less `name`, `network` and `auto_remove`, which
    /// the topology decides), its attachments and its routes.
    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct NodeSpec {
        /// A local image (pulled only with the topology's `pull: true`); defaults to the topology's `image`.
        pub image: Option<String>,
    } then {
        /// Attachments: a list of network names, or `{front = {ipv4 = …, aliases = {…}}, back = {}}`
        /// with the options of `network connect`, plus `link` (the link's impairment).
        pub networks: Named<Attachment>,
        /// Which of the topology's `hosts` runs it (required when there are several).
        pub host: Option<String>,
        /// Routes installed inside the node: `{to = "back", via = "router"}`.
        #[serde(deserialize_with = "tables_only")]
        pub routes: Vec<RouteSpec>,
    }
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

/// A node's attachment to a network: the options of `network connect` and the link's
/// impairment (`link`, see [`crate::impair`]). It reads through to the connect options (`a.ipv4`).
///
/// `link` is kept as given and checked by [`Spec::validate`], so a bad value is reported with its
/// path among the other problems (`nodes.client.networks.wan.link.loss: …`); [`Spec::link`] reads
/// it typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attachment {
    /// The options of `network connect`.
    pub options: ConnectOptions,
    /// The impairment of this link as declared (`{delay = "40ms", loss = "1%"}`).
    pub link: Option<LinkSpec>,
}

/// A link's impairment as declared: the keys of [`crate::impair::Impairment`], each a text as tc
/// writes it (`"40ms"`, `"1%"`, `"10mbit"`) or, for the percentages, a number. Unknown keys are
/// refused when the topology is read; the values are checked by [`Spec::validate`], each at its
/// path.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// Added delay on what the node sends on this link (`"40ms"`).
    #[serde(default)]
    pub delay: Option<Value>,
    /// Random variation of the delay (`"5ms"`; needs `delay`).
    #[serde(default)]
    pub jitter: Option<Value>,
    /// Share of packets dropped (`"1%"` or `1`).
    #[serde(default)]
    pub loss: Option<Value>,
    /// Bandwidth limit (`"10mbit"`).
    #[serde(default)]
    pub rate: Option<Value>,
    /// Share of packets with a flipped bit.
    #[serde(default)]
    pub corrupt: Option<Value>,
    /// Share of packets sent twice.
    #[serde(default)]
    pub duplicate: Option<Value>,
    /// Share of packets sent ahead of the delayed ones (needs `delay`).
    #[serde(default)]
    pub reorder: Option<Value>,
}

impl LinkSpec {
    /// The keys that are given, as one JSON table (what [`crate::impair::Impairment::from_value`]
    /// reads).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in [
            ("delay", &self.delay),
            ("jitter", &self.jitter),
            ("loss", &self.loss),
            ("rate", &self.rate),
            ("corrupt", &self.corrupt),
            ("duplicate", &self.duplicate),
            ("reorder", &self.reorder),
        ] {
            if let Some(v) = v {
                m.insert(k.to_string(), v.clone());
            }
        }
        Value::Object(m)
    }
}

impl std::ops::Deref for Attachment {
    type Target = ConnectOptions;
    fn deref(&self) -> &ConnectOptions {
        &self.options
    }
}

impl<'de> Deserialize<'de> for Attachment {
    /// Reads the connect options with `link` taken out on the way: the other keys go to
    /// [`ConnectOptions`] (unknown ones refused there), through the same map access, so an error
    /// still names its full path.
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Attachment;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of connect options and link")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<Attachment, A::Error> {
                let mut link = None;
                let options = ConnectOptions::deserialize(de::value::MapAccessDeserializer::new(WithoutLink {
                    inner: map,
                    link: &mut link,
                }))
                .map_err(|e| {
                    // Only the connect options' own refusal (not one from inside `link`) gains `link`.
                    let m = e.to_string();
                    if m.starts_with("unknown field") && m.contains("expected one of `aliases`") {
                        de::Error::custom(format!("{m}, or `link`"))
                    } else {
                        e
                    }
                })?;
                Ok(Attachment { options, link })
            }
        }
        d.deserialize_map(V)
    }
}

/// A map access that hands every key but `link` on, and keeps `link`'s value (a table).
struct WithoutLink<'l, A> {
    inner: A,
    link: &'l mut Option<LinkSpec>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for WithoutLink<'_, A> {
    type Error = A::Error;
    fn next_key_seed<K: de::DeserializeSeed<'de>>(&mut self, seed: K) -> std::result::Result<Option<K::Value>, A::Error> {
        let mut seed = Some(seed);
        loop {
            match self.inner.next_key_seed(KeySeed { seed: &mut seed })? {
                None => return Ok(None),
                Some(Some(k)) => return Ok(Some(k)),
                Some(None) => {
                    // `link`: a table, or nothing (`link: ~` declares no impairment).
                    let v: Option<MapOnly<LinkSpec>> = self.inner.next_value()?;
                    *self.link = v.map(|m| m.0);
                }
            }
        }
    }
    fn next_value_seed<S: de::DeserializeSeed<'de>>(&mut self, seed: S) -> std::result::Result<S::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
}

/// Reads one key inside the inner map access (so a path tracker sees it, and an unknown key is
/// reported at its path): `None` for `link`, else the key as the connect options' seed reads it.
struct KeySeed<'s, K> {
    seed: &'s mut Option<K>,
}

impl<'de, K: de::DeserializeSeed<'de>> de::DeserializeSeed<'de> for KeySeed<'_, K> {
    type Value = Option<K::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        use de::IntoDeserializer;
        let key = String::deserialize(d)?;
        if key == "link" {
            return Ok(None);
        }
        let seed = self.seed.take().ok_or_else(|| de::Error::custom("a key read twice"))?;
        seed.deserialize(key.into_deserializer()).map(Some)
    }
}

/// A reachability expectation: `{from = "client", to = "db", reach = false}`, and what the
/// measured link must look like: `{from = "client", to = "server", rtt_ms = {min = 80},
/// loss_pct = {max = 5}, count = 20}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The node that pings.
    pub from: String,
    /// The node pinged.
    pub to: String,
    /// Whether the ping must succeed (`false`: an expected denial). Left out, the topology's
    /// model decides (an expectation of `rtt_ms` or `loss_pct` alone).
    #[serde(default)]
    pub reach: Option<bool>,
    /// Bounds on the measured round-trip time in milliseconds (min, avg and max of the pings must
    /// all be within them: `{min = 80}` means even the fastest took 80 ms).
    #[serde(default, deserialize_with = "table_or_none")]
    pub rtt_ms: Option<Bounds>,
    /// Bounds on the measured loss in percent (`{max = 5}`).
    #[serde(default, deserialize_with = "table_or_none")]
    pub loss_pct: Option<Bounds>,
    /// Echo requests for this pair (1 to [`MAX_PING_COUNT`]; default [`DEFAULT_MEASURE_COUNT`]
    /// with `rtt_ms` or `loss_pct`, else verify's `count`).
    #[serde(default)]
    pub count: Option<u32>,
}

/// The most echo requests one pair may ask for (at 5 a second: 20 s).
pub const MAX_PING_COUNT: u32 = 100;

/// Echo requests for a pair whose expectation bounds `rtt_ms` or `loss_pct` without a `count`:
/// one ping says nothing about a loss rate.
pub const DEFAULT_MEASURE_COUNT: u32 = 20;

/// Bounds on a measured number: either or both of `min` and `max` (inclusive).
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    /// The least allowed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// The most allowed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl Bounds {
    /// True when `v` is within the bounds.
    pub fn contains(&self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (Some(a), Some(b)) => write!(f, "{a}–{b}"),
            (Some(a), None) => write!(f, "≥ {a}"),
            (None, Some(b)) => write!(f, "≤ {b}"),
            (None, None) => write!(f, "any"),
        }
    }
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
                    let v: Option<MapOnly<T>> = map.next_value()?;
                    out.push((name, v.map(|m| m.0).unwrap_or_default()));
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

/// A struct read from a table (a map, a dict) only, never from a list.
///
/// serde's derived structs also accept their fields in order as a list, so
/// `nodes: {web: ["img"]}` loaded as a node with image `img` from a JSON value, a Lua table or a
/// Python dict, while the same YAML was refused ("invalid type: sequence"): the loaders
/// disagreed (found by `topology::fuzz`). Every topology struct is read through this, so a list
/// where options belong is refused everywhere.
pub(crate) struct MapOnly<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MapOnly<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of options")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<T, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(V(PhantomData)).map(MapOnly)
    }
}

/// An optional table ([`MapOnly`]): `swarm`, a host's `tls`.
fn table_or_none<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Option<T>, D::Error> {
    let v: Option<MapOnly<T>> = Deserialize::deserialize(d)?;
    Ok(v.map(|m| m.0))
}

/// A list of tables ([`MapOnly`] for each entry): routes, expectations.
fn tables_only<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Vec<T>, D::Error> {
    let v: Vec<MapOnly<T>> = Deserialize::deserialize(d)?;
    Ok(v.into_iter().map(|m| m.0).collect())
}

/// True for a name Docker accepts for a container: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
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
        crate::address::no_host_bits("pool:", s, ipnet::IpNet::V4(net))?;
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

    /// True when some route goes via node `key` (it must forward). This walks every route: code
    /// that asks for every node uses [`Spec::routers`] once instead.
    pub fn is_router(&self, key: &str) -> bool {
        self.nodes.iter().any(|(_, n)| n.routes.iter().any(|r| r.via == key))
    }

    /// Every node some route goes via, in one pass over the routes (asking [`Spec::is_router`]
    /// per node made validation quadratic: 64,000 nodes took 31 s).
    pub fn routers(&self) -> HashSet<&str> {
        self.nodes.iter().flat_map(|(_, n)| n.routes.iter().map(|r| r.via.as_str())).collect()
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
        // The node's container fields as declared, with three exceptions:
        // - env: digests, never the values: the configuration is stored in a label that
        //   `docker ps`, `docker inspect` and every list call show to anyone, and plan prints
        //   what changed in it;
        // - labels: the topology's merged with the node's;
        // - hostname: the node's name when not given.
        // NET_ADMIN added for routes is left out on purpose (cap_add as declared): removing a
        // node's last route must not recreate it (plan checks the capability separately when
        // routes need it). Likewise the ip_forward added for routers (sysctls as declared):
        // without it a container inherits the host's setting, which Docker turns on, so
        // dropping a route never forces a recreation.
        let mut fields = n.container_fields();
        fields.labels = StringMap(self.merged(&self.labels, &n.labels));
        fields.hostname = Some(n.hostname.clone().unwrap_or_else(|| key.to_string()));
        let mut m = Map::new();
        m.insert("name".into(), json!(self.node_name(key)));
        m.insert("image".into(), json!(self.node_image(&n)));
        if let Ok(Value::Object(f)) = serde_json::to_value(&fields) {
            m.extend(f);
        }
        m.insert("env".into(), json!(env_digests(&n.env)));
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
        let mut o = node.networks.get(net_key)?.options.clone();
        if !o.aliases.0.iter().any(|a| a == node_key) {
            o.aliases.0.push(node_key.to_string());
        }
        Some(o)
    }

    /// The impairment declared on node `node_key`'s link to network `net_key` (`None`: none, or
    /// an empty `link`). Invalid values read as none: [`Spec::validate`] refuses them first.
    pub fn link(&self, node_key: &str, net_key: &str) -> Option<crate::impair::Impairment> {
        let raw = self.nodes.get(node_key)?.networks.get(net_key)?.link.as_ref()?.to_value();
        crate::impair::Impairment::from_value(raw, "link").ok().filter(|i| !i.is_empty())
    }

    /// Every impairment node `key` declares, by Docker network name: what its container's
    /// [`crate::impair::LABEL`] records, so a restart can bring them back.
    pub fn links(&self, key: &str) -> BTreeMap<String, crate::impair::Impairment> {
        let Some(node) = self.nodes.get(key) else { return BTreeMap::new() };
        node.networks.names().filter_map(|n| Some((self.network_name(n), self.link(key, n)?))).collect()
    }

    /// True when some node declares an impairment.
    pub fn has_links(&self) -> bool {
        self.nodes.iter().any(|(k, n)| n.networks.names().any(|net| self.link(k, net).is_some()))
    }

}

/// What the `dockernet.topology.config` label records for an environment: each variable's name
/// with a digest of its value (`sha256:` and 64 hex digits), so plan can tell that `DB_PASSWORD`
/// changed without the label, the plan or `status` ever holding the password.
///
/// A digest is not encryption: a weak value can be guessed and checked against it. It keeps the
/// value out of places that are listed and printed; the value itself is in the container's
/// environment, which anyone who can read the label can read anyway (`docker inspect`).
pub fn env_digests(env: &StringMap) -> BTreeMap<String, String> {
    env.0.iter().map(|(k, v)| (k.clone(), env_digest(k, v))).collect()
}

/// The digest of one variable: SHA-256 over a fixed prefix, the name and the value, so equal
/// values of different variables differ.
pub fn env_digest(name: &str, value: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"dockernet.topology.env\0");
    h.update(name.as_bytes());
    h.update(b"\0");
    h.update(value.as_bytes());
    format!("{ENV_DIGEST_PREFIX}{}", hex::encode(h.finalize()))
}

/// How an environment digest starts.
pub const ENV_DIGEST_PREFIX: &str = "sha256:";

/// True for what [`env_digest`] makes (and false for a value an older dockernet recorded).
pub fn is_env_digest(s: &str) -> bool {
    s.strip_prefix(ENV_DIGEST_PREFIX).is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
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

    /// The recorded configuration of a node, key for key and in order, as every dockernet since
    /// topologies wrote it into the `dockernet.topology.config` label: a change here would make
    /// plan recreate every container applied before.
    #[test]
    fn node_config_is_the_recorded_shape() {
        let s = parse(
            "name: lab\nimage: img\nlabels: {team: x}\nnetworks: [a]\nnodes:\n  \
             n: {command: sleep 9, env: {K: v}, labels: {l: '1'}, cap_add: [NET_ADMIN], sysctls: {net.ipv4.ip_forward: '1'}, \
             ports: ['8080:80'], privileged: true, user: nobody, networks: [a]}\n  m: {networks: [a]}\n",
        )
        .unwrap();
        let n = s.node_config("n");
        let keys: Vec<&str> = n.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "name", "image", "command", "entrypoint", "env", "labels", "hostname", "cap_add", "cap_drop", "sysctls",
                "ports", "privileged", "user", "workdir"
            ]
        );
        assert_eq!(
            n,
            json!({"name": "lab-n", "image": "img", "command": ["sleep", "9"], "entrypoint": null,
                   "env": {"K": env_digest("K", "v")}, "labels": {"team": "x", "l": "1"}, "hostname": "n",
                   "cap_add": ["NET_ADMIN"], "cap_drop": [], "sysctls": {"net.ipv4.ip_forward": "1"},
                   "ports": ["8080:80"], "privileged": true, "user": "nobody", "workdir": null})
        );
        assert_eq!(
            s.node_config("m"),
            json!({"name": "lab-m", "image": "img", "command": null, "entrypoint": null, "env": {}, "labels": {"team": "x"},
                   "hostname": "m", "cap_add": [], "cap_drop": [], "sysctls": {}, "ports": null, "privileged": false,
                   "user": null, "workdir": null})
        );
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
    /// `link` on an attachment: read beside the connect options from every form, checked with
    /// each bad key at its own path; expectations of rtt and loss are checked too.
    #[test]
    fn links_and_measured_expectations() {
        let s = parse("name: t\nnetworks: {wan: {}}\nnodes: {c: {image: i, networks: {wan: {ipv4: 10.210.9.10, link: {delay: 40ms, loss: 1%, rate: 10mbit}}}}}").unwrap();
        assert_eq!(s.nodes.get("c").unwrap().networks.get("wan").unwrap().ipv4.as_deref(), Some("10.210.9.10"));
        assert_eq!(s.link("c", "wan").unwrap().to_string(), "delay 40ms loss 1% rate 10mbit");
        assert_eq!(s.links("c").keys().collect::<Vec<_>>(), ["t-wan"]);
        let listed = parse("name: t\nnetworks: [wan]\nnodes: {c: {image: i, networks: [{name: wan, link: {loss: 30}}]}}").unwrap();
        assert_eq!(listed.link("c", "wan").unwrap().to_string(), "loss 30%");
        let e = parse("name: t\nnetworks: [wan]\nnodes: {c: {image: i, networks: {wan: {lnk: {}}}}}").unwrap_err();
        assert!(e.message().contains("nodes.c.networks.wan") && e.message().contains("`link`"), "{e}");
        let e = parse("name: t\nnetworks: [wan]\nnodes: {c: {image: i, networks: {wan: {link: {loss: 1, speed: 1}}}}}").unwrap_err();
        assert!(e.message().contains("nodes.c.networks.wan.link.speed: ") && e.message().contains("unknown field `speed`"), "{e}");
        let m = problems("name: t\nnetworks: [wan]\nnodes: {c: {image: i, networks: {wan: {link: {loss: 130%}}}}}");
        assert!(m.contains("nodes.c.networks.wan.link.loss: expected a percentage"), "{m}");
        let m = problems(
            "name: t\nnetworks: [wan]\nnodes: {c: {image: i, networks: [wan]}, d: {image: i, networks: [wan]}}\n\
             expect: [{from: c, to: d, rtt_ms: {min: 9, max: 1}}, {from: c, to: d, reach: false, loss_pct: {max: 5}}, \
             {from: d, to: c, count: 500, loss_pct: {max: 101}}, {from: d, to: c}]",
        );
        for want in [
            "expect[0].rtt_ms: min 9 is more than max 1",
            "expect[1].loss_pct: a pair expected unreachable",
            "expect[2].count: 500 is not from 1 to 100",
            "expect[2].loss_pct.max: 101 is not a number from 0 to 100",
            "expect[3]: says nothing to check",
        ] {
            assert!(m.contains(want), "{want}: {m}");
        }
    }

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

    /// A subnet too small for its nodes is refused before the daemon is asked, naming the path,
    /// the room and the nodes; Docker's reserved addresses are counted exactly (a /29 holds 5).
    #[test]
    fn subnets_too_small_for_their_nodes() {
        let nodes = |n: usize, net: &str| -> String {
            (0..n).map(|i| format!("  {}: {{image: i, networks: [{net}]}}\n", (b'a' + i as u8) as char)).collect()
        };
        let m = problems(&format!("name: t\nnetworks: {{wan: {{subnet: 10.1.0.0/30}}}}\nnodes:\n{}", nodes(6, "wan")));
        assert!(
            m.contains(
                "networks.wan.subnet: 10.1.0.0/30 has room for 1 container address (4 addresses less network, \
                 broadcast, gateway) but 6 nodes are attached (nodes.a, nodes.b, nodes.c, nodes.d, nodes.e, …)"
            ),
            "{m}"
        );
        // Exactly full is fine; one more is not.
        parse(&format!("name: t\nnetworks: {{wan: {{subnet: 10.1.0.0/29}}}}\nnodes:\n{}", nodes(5, "wan")))
            .unwrap()
            .validate()
            .unwrap();
        let m = problems(&format!("name: t\nnetworks: {{wan: {{subnet: 10.1.0.0/29}}}}\nnodes:\n{}", nodes(6, "wan")));
        assert!(
            m.contains("has room for 5 container addresses (8 addresses") && m.contains("6 nodes are attached"),
            "{m}"
        );
        // Aux addresses take room; several subnets add theirs up; IPv6-only and allocated-elsewhere networks are not judged.
        let m = problems(&format!(
            "name: t\nnetworks: {{wan: {{subnet: 10.1.0.0/29, aux_addresses: {{r: 10.1.0.5}}}}}}\nnodes:\n{}",
            nodes(5, "wan")
        ));
        assert!(
            m.contains(
                "has room for 4 container addresses (8 addresses less network, broadcast, gateway, 1 aux address)"
            ),
            "{m}"
        );
        parse(&format!(
            "name: t\nnetworks: {{wan: {{subnet: [10.1.0.0/30, 10.2.0.0/30]}}}}\nnodes:\n{}",
            nodes(2, "wan")
        ))
        .unwrap()
        .validate()
        .unwrap();
        parse(&format!("name: t\nnetworks: {{wan: {{subnet: fd00::/126}}}}\nnodes:\n{}", nodes(6, "wan")))
            .unwrap()
            .validate()
            .unwrap();
        // A subnet allocated from the pool has subnet_size's room.
        let m = problems(&format!("name: t\nsubnet_size: 30\nnetworks: [lan]\nnodes:\n{}", nodes(2, "lan")));
        assert!(
            m.contains(
                "networks.lan: its subnet is allocated at subnet_size /30, which has room for 1 container address"
            ) && m.contains("give a subnet_size of 29 or less"),
            "{m}"
        );
        // An ip_range bounds the nodes without a static address; static ones may lie outside it.
        let m = problems(&format!(
            "name: t\nnetworks: {{wan: {{subnet: 10.1.0.0/24, ip_range: 10.1.0.0/30}}}}\nnodes:\n{}",
            nodes(3, "wan")
        ));
        assert!(
            m.contains("networks.wan.ip_range: 10.1.0.0/30 has room for 2 addresses given out by Docker but 3 nodes"),
            "{m}"
        );
        parse(
            "name: t\nnetworks: {wan: {subnet: 10.1.0.0/24, ip_range: 10.1.0.0/30}}\nnodes:\n  \
             a: {image: i, networks: [wan]}\n  b: {image: i, networks: [wan]}\n  \
             c: {image: i, networks: {wan: {ipv4: 10.1.0.99}}}\n",
        )
        .unwrap()
        .validate()
        .unwrap();
        // With a range that does not start the subnet, Docker's gateway is the range's first
        // address (measured on 20.10): 10.1.0.128/30 with aux .129 leaves room for two.
        let m = problems(&format!(
            "name: t\nnetworks: {{wan: {{subnet: 10.1.0.0/24, ip_range: 10.1.0.128/30, aux_addresses: {{r: 10.1.0.129}}}}}}\nnodes:\n{}",
            nodes(3, "wan")
        ));
        assert!(m.contains("networks.wan.ip_range: 10.1.0.128/30 has room for 2 addresses given out by Docker"), "{m}");
        parse(&format!(
            "name: t\nnetworks: {{wan: {{subnet: 10.1.0.0/24, ip_range: 10.1.0.128/30}}}}\nnodes:\n{}  \
             s: {{image: i, networks: {{wan: {{ipv4: 10.1.0.1}}}}}}\n",
            nodes(3, "wan")
        ))
        .unwrap()
        .validate()
        .unwrap();
        let m = problems(
            "name: t\nnetworks: {wan: {subnet: 10.1.0.0/24, ip_range: 10.1.0.128/30}}\n\
             nodes: {s: {image: i, networks: {wan: {ipv4: 10.1.0.128}}}}",
        );
        assert!(m.contains("nodes.s.networks.wan.ipv4: 10.1.0.128 is network wan's gateway"), "{m}");
        // A static address on an aux address or an explicit gateway is refused.
        let m = problems(
            "name: t\nnetworks: {wan: {subnet: 10.1.0.0/24, gateway: 10.1.0.254, aux_addresses: {r: 10.1.0.7}}}\n\
             nodes: {a: {image: i, networks: {wan: {ipv4: 10.1.0.7}}}, b: {image: i, networks: {wan: {ipv4: 10.1.0.254}}}}",
        );
        assert!(m.contains("nodes.a.networks.wan.ipv4: 10.1.0.7 is reserved by networks.wan.aux_addresses.r"), "{m}");
        assert!(m.contains("nodes.b.networks.wan.ipv4: 10.1.0.254 is network wan's gateway"), "{m}");
    }

    /// A node's name becomes its hostname and its DNS name: more than 63 characters, or a name
    /// that is no hostname, is refused; so is an invalid explicit hostname.
    #[test]
    fn node_names_and_hostnames() {
        let long = "n".repeat(64);
        let m = problems(&format!("name: t\nnetworks: [a]\nnodes: {{{long}: {{image: i, networks: [a]}}}}"));
        assert!(
            m.contains(&format!("nodes.{long}: the name is 64 characters long")) && m.contains("at most 63"),
            "{m}"
        );
        let ok = "n".repeat(63);
        parse(&format!("name: t\nnetworks: [a]\nnodes: {{{ok}: {{image: i, networks: [a]}}}}"))
            .unwrap()
            .validate()
            .unwrap();
        for (node, needle) in [
            (
                "{web-: {image: i, networks: [a]}}",
                "nodes.web-: \"web-\" cannot be the node's hostname: the label \"web-\" starts or ends with '-'",
            ),
            (
                "{a..b: {image: i, networks: [a]}}",
                "nodes.a..b: \"a..b\" cannot be the node's hostname: it has an empty label",
            ),
            (
                "{w: {image: i, networks: [a], hostname: my host}}",
                "nodes.w.hostname: \"my host\" is not a valid hostname: ' ' is not allowed",
            ),
            (
                "{w: {image: i, networks: [a], hostname: ''}}",
                "nodes.w.hostname: \"\" is not a valid hostname: it is empty",
            ),
        ] {
            let m = problems(&format!("name: t\nnetworks: [a]\nnodes: {node}"));
            assert!(m.contains(needle), "{node}\n---\n{m}");
        }
        let h65 = "h".repeat(65);
        let m =
            problems(&format!("name: t\nnetworks: [a]\nnodes: {{w: {{image: i, networks: [a], hostname: {h65}}}}}"));
        assert!(m.contains("it is 65 bytes long; Linux allows at most 64"), "{m}");
        // What Docker accepts and people use stays valid.
        for h in ["web_1", "db.internal", "x-1", "A9"] {
            parse(&format!("name: t\nnetworks: [a]\nnodes: {{w: {{image: i, networks: [a], hostname: {h}}}, {h}: {{image: i, networks: [a]}}}}"))
                .unwrap()
                .validate()
                .unwrap_or_else(|e| panic!("{h}: {e}"));
        }
    }

    /// Validation is linear: 20,000 nodes with routes through routers (each asked whether it
    /// forwards), a chain of 2,000 routers, and 2,000 networks with explicit subnets validate at
    /// once. Quadratic code took minutes on these (no time is asserted: a regression shows as a
    /// test that hangs). Overlaps are still found among the many.
    #[test]
    fn validation_is_linear() {
        let mut y = String::from("name: big\npool: 10.64.0.0/12\nsubnet_size: 22\nimage: img\nnetworks:\n");
        for i in 0..100 {
            y.push_str(&format!("  n{i}: {{}}\n"));
        }
        y.push_str("nodes:\n");
        for i in 0..100 {
            y.push_str(&format!("  r{i}: {{networks: [n{i}, n{}]}}\n", (i + 1) % 100));
        }
        for i in 0..20_000 {
            let net = i % 100;
            y.push_str(&format!(
                "  h{i}: {{networks: [n{net}], routes: [{{to: n{}, via: r{net}}}]}}\n",
                (net + 1) % 100
            ));
        }
        let s = parse(&y).unwrap();
        assert_eq!(s.routers().len(), 100);
        s.validate().unwrap();

        // A chain: c0 → c1 → … → c1999, each routing to the last network via the next.
        let mut y = String::from("name: chain\npool: 10.64.0.0/10\nimage: img\nnetworks:\n");
        for i in 0..=2000 {
            y.push_str(&format!("  l{i}: {{}}\n"));
        }
        y.push_str("nodes:\n");
        for i in 0..2000 {
            let route =
                if i + 1 < 2000 { format!(", routes: [{{to: l2000, via: c{}}}]", i + 1) } else { String::new() };
            y.push_str(&format!("  c{i}: {{networks: [l{i}, l{}]{route}}}\n", i + 1));
        }
        parse(&y).unwrap().validate().unwrap();

        let mut y = String::from("name: nets\nnetworks:\n");
        for i in 0..2000u32 {
            y.push_str(&format!("  n{i}: {{subnet: 10.{}.{}.0/24}}\n", 64 + i / 256, i % 256));
        }
        parse(&y).unwrap().validate().unwrap();
        y.push_str("  big: {subnet: 10.70.0.0/16}\n  inner: {subnet: 10.64.3.128/25}\n");
        // Networks given as a map are declared in name order: `big` and `inner` come first, so
        // the problem is reported on each of the 256 /24s inside `big` and on n3.
        let m = problems(&y);
        assert!(m.contains("(257 problems)"), "{m}");
        assert!(m.contains("networks.n3.subnet: 10.64.3.0/24 overlaps networks.inner.subnet 10.64.3.128/25"), "{m}");
        assert!(m.contains("networks.n1536.subnet: 10.70.0.0/24 overlaps networks.big.subnet 10.70.0.0/16"), "{m}");
    }

    /// A generated topology with one mistake on 300 nodes lists 100 of them and counts the rest.
    #[test]
    fn long_problem_lists_are_cut() {
        let mut y = String::from("name: t\nnetworks: [a]\nnodes:\n");
        for i in 0..300 {
            y.push_str(&format!("  n{i}: {{image: i, networks: [nope]}}\n"));
        }
        let m = problems(&y);
        assert!(m.contains("(300 problems)") && m.ends_with("… and 200 more"), "{m}");
        assert_eq!(m.lines().count(), 102, "{m}");
    }
}
