//! The container operations a topology needs: run, stop, rm, ls, inspect, exec and
//! `interfaces` (the seed's `ifconfig` demonstration as data).
//!
//! `run` is create + connect + start as one operation that leaves nothing behind when it fails:
//! the container is created on its first network, the other networks are connected before it
//! starts (so it boots with every interface), and any failure after create removes it again —
//! and if that removal fails too, the error says so and names the container left behind.
//! `create` is the same without the start (`docker create`); `start` starts it later.
//! Images are never pulled: a missing image is a `not_found` error.
//!
//! `stop` waits for the container's grace period on top of the client's timeout (the daemon
//! holds the request that long before it kills). `exec` reads the process's output as a stream
//! over an upgraded connection: no request timeout cuts it, only the exec's own `timeout` option,
//! and what it collects is capped like any answer (see `client.rs`).

use std::collections::BTreeMap;

use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::client::{byte_size, Client, MAX_RESPONSE_ENV};
use crate::daemon::{
    ContainerCreateBody, ContainerFacts, ExecCreateBody, HostConfigBody, NetworkFacts, NetworkingConfigBody,
    PortBindingBody,
};
use crate::document::Document;
use crate::error::{Error, ErrorKind, Result};
use crate::lookup::{check_name, short_id, shown};
use crate::client::{filters_query, seg};
use crate::network::{ConnectOptions, NetworkRef};
use crate::options::{from_value, StringList, StringMap};

/// Declares a struct with its own fields first, then the fields of a container's configuration
/// that `container run` ([`RunOptions`]), a topology's node (`topology::spec::NodeSpec`) and
/// [`ContainerFields`] share, then its own last fields — the shared list is written once, here —
/// and gives the struct `container_fields()` (the shared fields as one value) and
/// `set_container_fields()`.
///
/// Why a macro: both option structs refuse unknown keys (`deny_unknown_fields`), which serde's
/// `flatten` does not honour, and nesting the fields under a key of their own would change what
/// scripts and topology files write.
macro_rules! with_container_fields {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($first:tt)* } then { $($last:tt)* }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($first)*
            /// Command: a list of words, or one string split like a shell would (`"sleep 300"`).
            pub command: Option<$crate::container::Command>,
            /// Entrypoint override.
            pub entrypoint: Option<$crate::container::Command>,
            /// Environment: `{KEY = "v"}` or `{"KEY=v"}`.
            pub env: $crate::options::StringMap,
            /// Labels (in a topology, keys starting with `dockernet.topology` are reserved).
            pub labels: $crate::options::StringMap,
            /// Hostname (a topology's node: its name by default).
            pub hostname: Option<String>,
            /// Capabilities to add (`NET_ADMIN`; a topology adds it for nodes with routes).
            pub cap_add: $crate::options::StringList,
            /// Capabilities to drop.
            pub cap_drop: $crate::options::StringList,
            /// Kernel parameters (`{["net.ipv4.ip_forward"] = "1"}`; a topology adds that one for
            /// nodes that routes go via).
            pub sysctls: $crate::options::StringMap,
            /// Published ports: `{"8080:80", "127.0.0.1:53:53/udp"}` or `{["80/tcp"] = 8080}`.
            pub ports: Option<serde_json::Value>,
            /// Run privileged.
            pub privileged: bool,
            /// User to run as.
            pub user: Option<String>,
            /// Working directory.
            pub workdir: Option<String>,
            $($last)*
        }

        impl $name {
            /// The fields of the container's configuration, as one value.
            pub fn container_fields(&self) -> $crate::container::ContainerFields {
                $crate::container::ContainerFields {
                    command: self.command.clone(),
                    entrypoint: self.entrypoint.clone(),
                    env: self.env.clone(),
                    labels: self.labels.clone(),
                    hostname: self.hostname.clone(),
                    cap_add: self.cap_add.clone(),
                    cap_drop: self.cap_drop.clone(),
                    sysctls: self.sysctls.clone(),
                    ports: self.ports.clone(),
                    privileged: self.privileged,
                    user: self.user.clone(),
                    workdir: self.workdir.clone(),
                }
            }

            /// Sets the fields of the container's configuration.
            pub fn set_container_fields(&mut self, f: $crate::container::ContainerFields) {
                let $crate::container::ContainerFields {
                    command, entrypoint, env, labels, hostname, cap_add, cap_drop, sysctls, ports, privileged, user,
                    workdir,
                } = f;
                (self.command, self.entrypoint, self.env, self.labels, self.hostname) =
                    (command, entrypoint, env, labels, hostname);
                (self.cap_add, self.cap_drop, self.sysctls, self.ports) = (cap_add, cap_drop, sysctls, ports);
                (self.privileged, self.user, self.workdir) = (privileged, user, workdir);
            }
        }
    };
}
pub(crate) use with_container_fields;

with_container_fields! {
    /// The fields of a container's configuration that `container run` and a topology's node
    /// share (see `with_container_fields!`). Serialised, it is the recorded configuration of a
    /// topology's node (`Spec::node_config`).
    #[derive(Debug, Clone, Default, PartialEq, Serialize)]
    pub struct ContainerFields {} then {}
}

with_container_fields! {
    /// Options of `container run` (always detached).
    #[derive(Debug, Clone, Default, Deserialize)]
    #[serde(deny_unknown_fields, default)]
    pub struct RunOptions {
        /// A local image (never pulled).
        pub image: String,
        /// Container name.
        pub name: Option<String>,
    } then {
        /// One network to start on (shortcut for `networks = {name}`).
        pub network: Option<String>,
        /// Networks: a list of names, or `{name = {connect options}}` (attached in name order).
        pub networks: Option<Value>,
        /// Remove the container when it exits.
        pub auto_remove: bool,
    }
}

/// A command given as one string (split like a shell) or as a list of words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command(pub Vec<String>);

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Command;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a command string or a list of words")
            }
            // One string is split like a shell would; a list is taken word for word (so
            // `{"sh", "-c", "a script"}` keeps its script whole).
            fn visit_str<E: serde::de::Error>(self, s: &str) -> std::result::Result<Command, E> {
                shlex::split(s).map(Command).ok_or_else(|| E::custom(format!("cannot split {s:?} into words")))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> std::result::Result<Command, A::Error> {
                let words = StringList::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Command(words.0))
            }
        }
        d.deserialize_any(V)
    }
}

/// Options of `container ls`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListOptions {
    /// Include stopped containers.
    pub all: bool,
    /// Daemon filters (`label`, `name`, `network`, `status`, …).
    pub filters: BTreeMap<String, StringList>,
}

/// Options of `container rm`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RemoveOptions {
    /// Kill a running container first.
    pub force: bool,
}

/// Options of `container stop`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StopOptions {
    /// Seconds to wait before killing (default: the container's own stop timeout, else 10; a
    /// negative number waits for as long as the process takes). The request may take this much
    /// longer than the client's timeout.
    pub timeout: Option<i64>,
}

/// The daemon's grace period when neither the call nor the container sets one.
const DEFAULT_STOP_GRACE: i64 = 10;

/// Options of `container exec`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExecOptions {
    /// User to run as.
    pub user: Option<String>,
    /// Extra environment.
    pub env: StringMap,
    /// Working directory.
    pub workdir: Option<String>,
    /// Run privileged.
    pub privileged: bool,
    /// Seconds to wait for the command to finish (default: as long as it runs). When it runs
    /// out the call fails with `timeout`; the process may still be running in the container.
    pub timeout: Option<f64>,
}

/// A container by identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerRef {
    /// Full id.
    pub id: String,
    /// Name (without the daemon's leading slash).
    pub name: String,
    /// Image.
    pub image: String,
}

impl ContainerRef {
    /// The identity of a container list entry (`Names`, `Image`, not the inspect shape).
    pub fn from_summary(doc: &Document) -> ContainerRef {
        let s: crate::daemon::ContainerSummaryFacts = doc.fields().unwrap_or_default();
        ContainerRef { id: s.id.clone(), name: s.name().to_string(), image: s.image }
    }

    /// The identity of a container's facts.
    pub fn from_facts(c: &ContainerFacts) -> ContainerRef {
        ContainerRef { id: c.id.clone(), name: c.name().to_string(), image: c.config.image.clone() }
    }
}

/// What an exec produced: `ExecResult` in every layer (docker-py's name; Lua and Python use it too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecResult {
    /// The process's exit code.
    pub exit_code: i64,
    /// Everything it wrote to stdout (bytes: a command may print anything).
    #[serde(with = "serde_bytes")]
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    #[serde(with = "serde_bytes")]
    pub stderr: Vec<u8>,
}

impl ExecResult {
    /// stdout as text (invalid UTF-8 replaced), for commands known to print text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// One network attachment of a container, as the container sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interface {
    /// Network name.
    pub network: String,
    /// Network id.
    pub network_id: String,
    /// IPv4 address with prefix (`172.18.0.2/16`), if any.
    pub ipv4: Option<String>,
    /// IPv6 address with prefix, if any.
    pub ipv6: Option<String>,
    /// MAC address.
    pub mac: Option<String>,
    /// IPv4 gateway on this network.
    pub gateway: Option<String>,
    /// IPv6 gateway on this network.
    pub ipv6_gateway: Option<String>,
    /// DNS aliases on this network.
    pub aliases: Vec<String>,
    /// Interface name inside the container (`eth0`), when the image can tell (needs `sh`).
    pub ifname: Option<String>,
    /// Whether this attachment carries the container's IPv4 default route (unknown: `None`).
    pub default_route: Option<bool>,
}

/// `ExposedPorts` and `PortBindings`, from the `ports` option.
type Ports = (BTreeMap<String, Map<String, Value>>, BTreeMap<String, Vec<PortBindingBody>>);

/// One network a `run` attaches, with its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Network name (or id).
    pub network: String,
    /// Endpoint options.
    pub opts: ConnectOptions,
}

impl RunOptions {
    /// The networks to attach, in attach order: a list keeps its order, a map is sorted by name.
    pub fn attachments(&self) -> Result<Vec<Attachment>> {
        let mut out = Vec::new();
        if let Some(n) = &self.network {
            out.push(Attachment { network: n.clone(), opts: ConnectOptions::default() });
        }
        match &self.networks {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(Attachment { network: s.clone(), opts: ConnectOptions::default() }),
                        Value::Object(o) => {
                            let mut o = o.clone();
                            let name = match o.remove("name") {
                                Some(Value::String(s)) => s,
                                _ => return Err(Error::invalid(format!("option networks[{}]: a table entry needs name = \"network\"", i + 1))),
                            };
                            let opts = from_value(Value::Object(o), &format!("option networks[{}] ({name})", i + 1))?;
                            out.push(Attachment { network: name, opts });
                        }
                        other => return Err(Error::invalid(format!("option networks[{}]: expected a network name, got {other}", i + 1))),
                    }
                }
            }
            Some(Value::Object(map)) => {
                // Name order, whatever order the map keeps (serde_json's `preserve_order` keeps
                // insertion order; a Lua table has none).
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                for (name, v) in entries {
                    let opts = if v.is_null() || v == &json!({}) || v == &json!([]) {
                        ConnectOptions::default()
                    } else {
                        from_value(v.clone(), &format!("option networks.{name}"))?
                    };
                    out.push(Attachment { network: name.clone(), opts });
                }
            }
            Some(other) => {
                return Err(Error::invalid(format!("option networks: expected a list of names or a table, got {other}")))
            }
        }
        let mut seen = std::collections::HashSet::new();
        for a in &out {
            check_name("network", &a.network)?;
            if !seen.insert(a.network.as_str()) {
                return Err(Error::invalid(format!("option networks: network {:?} is given twice", a.network)));
            }
        }
        Ok(out)
    }

    /// `ExposedPorts` and `PortBindings` from the `ports` option.
    fn port_bindings(&self) -> Result<Ports> {
        let mut exposed: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
        let mut bindings: BTreeMap<String, Vec<PortBindingBody>> = BTreeMap::new();
        let mut add = |container: &str, host_ip: &str, host_port: &str| -> Result<()> {
            let (port, proto) = container.split_once('/').unwrap_or((container, "tcp"));
            if port.parse::<u16>().is_err() || !["tcp", "udp", "sctp"].contains(&proto) {
                return Err(Error::invalid(format!("option ports: {container:?} is not PORT[/tcp|udp|sctp]")));
            }
            if !host_port.is_empty() && host_port.parse::<u16>().is_err() {
                return Err(Error::invalid(format!("option ports: host port {host_port:?} is not a port number")));
            }
            let key = format!("{port}/{proto}");
            exposed.insert(key.clone(), Map::new());
            let binding = PortBindingBody { host_ip: host_ip.to_string(), host_port: host_port.to_string() };
            bindings.entry(key).or_default().push(binding);
            Ok(())
        };
        match &self.ports {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    let spec = match item {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        other => return Err(Error::invalid(format!("option ports: expected \"HOST:CONTAINER\", got {other}"))),
                    };
                    // [ip:]host:container[/proto] or container[/proto]; an IPv6 ip is bracketed.
                    let (ip, rest) = match spec.strip_prefix('[') {
                        Some(r) => match r.split_once("]:") {
                            Some((ip, rest)) => (ip.to_string(), rest.to_string()),
                            None => return Err(Error::invalid(format!("option ports: {spec:?} has an unclosed [ip]"))),
                        },
                        None => {
                            let parts: Vec<&str> = spec.split(':').collect();
                            match parts.len() {
                                3 => (parts[0].to_string(), format!("{}:{}", parts[1], parts[2])),
                                1 | 2 => (String::new(), spec.clone()),
                                _ => return Err(Error::invalid(format!("option ports: {spec:?} is not [IP:]HOST:CONTAINER"))),
                            }
                        }
                    };
                    match rest.split_once(':') {
                        Some((host, ctr)) => add(ctr, &ip, host)?,
                        None => add(&rest, &ip, "")?,
                    }
                }
            }
            Some(Value::Object(map)) => {
                for (ctr, host) in map {
                    let host = match host {
                        Value::Number(n) => n.to_string(),
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => return Err(Error::invalid(format!("option ports.{ctr}: expected a host port, got {other}"))),
                    };
                    add(ctr, "", &host)?;
                }
            }
            Some(other) => return Err(Error::invalid(format!("option ports: expected a list or a table, got {other}"))),
        }
        Ok((exposed, bindings))
    }
}

impl Client {
    /// Creates and starts a container from a local image, attached to its networks before it
    /// starts. On any failure after create, the container is removed again.
    pub async fn container_run(&self, opts: &RunOptions) -> Result<ContainerRef> {
        let ctx = run_context("run", opts);
        self.container_create_inner(opts, None, true).await.map_err(|e| crate::swarm::network_hint(e).context(&ctx))
    }

    /// [`Client::container_run`] with the attachments given typed rather than as the
    /// `network`/`networks` options a script writes (the topology engine's lab across hosts:
    /// each network is looked up, so a worker finds a swarm network it does not know yet).
    pub(crate) async fn container_run_attached(&self, opts: &RunOptions, attachments: Vec<Attachment>) -> Result<ContainerRef> {
        let ctx = run_context("run", opts);
        self.container_create_inner(opts, Some(attachments), true)
            .await
            .map_err(|e| crate::swarm::network_hint(e).context(&ctx))
    }

    /// Creates a container from a local image and attaches it to all its networks, without
    /// starting it (`docker create`, docker-py's `containers.create`): a script can then connect
    /// it to more networks before its first [`Client::container_start`], so it boots with every
    /// interface. Same options and checks as [`Client::container_run`]; on any failure after
    /// create, the container is removed again.
    ///
    /// ```no_run
    /// # async fn f(c: &dockernet_core::Client) -> dockernet_core::Result<()> {
    /// let opts = dockernet_core::container::RunOptions { image: "busybox".into(), ..Default::default() };
    /// let r = c.container_create(&opts).await?;
    /// c.network_connect("lab", &r.id, &Default::default()).await?;
    /// c.container_start(&r.id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn container_create(&self, opts: &RunOptions) -> Result<ContainerRef> {
        let ctx = run_context("create", opts);
        self.container_create_inner(opts, None, false).await.map_err(|e| crate::swarm::network_hint(e).context(&ctx))
    }

    /// [`Client::container_run`] for a caller that has looked its networks up already (the
    /// topology engine, from its plan's observation and the networks its apply made): `nets` are
    /// the attachments in order (the first is the one the container is created on), `docs` the
    /// inspect documents it holds of those networks, against which static addresses are checked
    /// as `container_run` checks them. No network is looked up again: a node's run is three
    /// requests (create, connect the others, start), not one more inspect per network — and a
    /// bridge's inspect lists every container on it, so a lab's runs parsed O(nodes²) bytes.
    pub(crate) async fn container_run_on(
        &self,
        opts: &RunOptions,
        nets: &[(NetworkRef, ConnectOptions)],
        docs: &[Option<&NetworkFacts>],
    ) -> Result<ContainerRef> {
        let ctx = run_context("run", opts);
        async {
            check_run_basics(opts)?;
            let ports = opts.port_bindings()?;
            for ((net, o), doc) in nets.iter().zip(docs) {
                if let Some(doc) = doc {
                    self.check_endpoint(doc, o).await.map_err(|e| e.context(format!("option networks.{}", net.name)))?;
                }
            }
            let nets: Vec<(NetworkRef, &ConnectOptions)> = nets.iter().map(|(n, o)| (n.clone(), o)).collect();
            self.create_attached(opts, &nets, ports, true).await
        }
        .await
        .map_err(|e| crate::swarm::network_hint(e).context(&ctx))
    }

    /// Create, attach every network, then start when `start` (run) or not (create).
    /// `attachments`: given typed by the caller, or `None` to read them from the `network` /
    /// `networks` options (after the basics: a missing image is named first).
    async fn container_create_inner(
        &self,
        opts: &RunOptions,
        attachments: Option<Vec<Attachment>>,
        start: bool,
    ) -> Result<ContainerRef> {
        check_run_basics(opts)?;
        let attachments = match attachments {
            Some(a) => a,
            None => opts.attachments()?,
        };
        let ports = opts.port_bindings()?;
        // Resolve every network first: a typo fails before anything is created.
        let mut nets: Vec<(NetworkRef, &ConnectOptions)> = Vec::new();
        for a in &attachments {
            let net = match self.find_network(&a.network, false).await {
                Ok((_, net)) => net,
                Err(e) => {
                    // A swarm network a worker does not know yet: the daemon resolves it at attach.
                    self.swarm_network_on_worker(e)
                        .await
                        .map_err(|e| e.context(format!("option networks: {:?}", a.network)))?;
                    let r = NetworkRef::by_name(&a.network);
                    nets.push((r, &a.opts));
                    continue;
                }
            };
            self.check_endpoint(&net, &a.opts).await.map_err(|e| e.context(format!("option networks.{}", a.network)))?;
            nets.push((NetworkRef::from_facts(&net), &a.opts));
        }
        self.create_attached(opts, &nets, ports, start).await
    }

    /// Creates the container on the first of `nets`, connects the others, starts it when
    /// `start`; on a failure after create, removes it again.
    async fn create_attached(
        &self,
        opts: &RunOptions,
        nets: &[(NetworkRef, &ConnectOptions)],
        (exposed_ports, port_bindings): Ports,
        start: bool,
    ) -> Result<ContainerRef> {
        let mut networking_config = NetworkingConfigBody::default();
        if let Some((first, o)) = nets.first() {
            networking_config.endpoints_config.insert(first.name.clone(), o.endpoint_settings());
        }
        let body = ContainerCreateBody {
            image: opts.image.clone(),
            cmd: opts.command.as_ref().map(|c| c.0.clone()),
            entrypoint: opts.entrypoint.as_ref().map(|e| e.0.clone()),
            env: opts.env.0.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            labels: opts.labels.0.clone(),
            hostname: opts.hostname.clone(),
            user: opts.user.clone(),
            working_dir: opts.workdir.clone(),
            exposed_ports,
            host_config: HostConfigBody {
                cap_add: opts.cap_add.0.clone(),
                cap_drop: opts.cap_drop.0.clone(),
                sysctls: opts.sysctls.0.clone(),
                port_bindings,
                privileged: opts.privileged,
                auto_remove: opts.auto_remove,
                network_mode: nets.first().map(|(n, _)| n.name.clone()),
            },
            networking_config,
        };
        let created = self.create_container(opts.name.as_deref(), &body).await?;
        let id = created.id;
        // From here on, a failure removes what was created.
        let finish = async {
            for (net, o) in nets.iter().skip(1) {
                self.connect_endpoint(&net.id, &id, &o.endpoint_settings())
                    .await
                    .map_err(|e| e.context(format!("connect network {:?}", net.name)))?;
            }
            // A static address taken meanwhile (or held by a stopped container, which network
            // inspect does not list) only fails here: say which addresses were asked for.
            let statics: Vec<String> = nets
                .iter()
                .flat_map(|(net, o)| {
                    [&o.ipv4, &o.ipv6].into_iter().flatten().map(move |ip| format!("{ip} on {:?}", net.name))
                })
                .collect();
            let what = match statics.is_empty() {
                true => "start".to_string(),
                false => format!("start (static addresses: {})", statics.join(", ")),
            };
            if start {
                self.start_container(&id).await.map_err(|e| e.context(what))?;
            }
            Ok::<_, Error>(())
        };
        if let Err(e) = finish.await {
            return Err(match self.remove_container(&id, true).await {
                // Gone either way (auto_remove may have beaten us to it).
                Ok(()) => e.note("the container was removed again"),
                Err(r) if r.kind() == ErrorKind::NotFound => e.note("the container was removed again"),
                Err(r) => e.note(format!(
                    "the container {} was left behind: removing it failed too ({}); remove it with \
                     `docker rm -f {}`",
                    short_id(&id),
                    r.message(),
                    short_id(&id)
                )),
            });
        }
        Ok(ContainerRef {
            id: id.clone(),
            name: opts.name.clone().unwrap_or_else(|| short_id(&id).to_string()),
            image: opts.image.clone(),
        })
    }

    /// The daemon's inspect document for a container, looked up exactly (name, full id or a
    /// ≥12-character id prefix).
    pub async fn container_inspect(&self, name_or_id: &str) -> Result<Document> {
        match self.find_container_document(name_or_id).await {
            Ok(doc) => Ok(doc),
            Err(e) => Err(e.context(format!("container inspect {name_or_id:?}"))),
        }
    }

    /// Identity of a container, looked up exactly.
    pub async fn container_get(&self, name_or_id: &str) -> Result<ContainerRef> {
        let (_, c) = self.find_container(name_or_id).await.map_err(|e| e.context(format!("container get {name_or_id:?}")))?;
        Ok(ContainerRef::from_facts(&c))
    }

    /// Lists containers (daemon list documents), sorted by name.
    pub async fn container_ls(&self, opts: &ListOptions) -> Result<Vec<Document>> {
        let mut q = vec![];
        if opts.all {
            q.push("all=1".to_string());
        }
        let f = filters_query(&opts.filters);
        if !f.is_empty() {
            q.push(f);
        }
        let path = if q.is_empty() { "/containers/json".to_string() } else { format!("/containers/json?{}", q.join("&")) };
        let mut docs = self.get_docs(&path).await.map_err(|e| e.context("container ls"))?;
        docs.sort_by_cached_key(|d| ContainerRef::from_summary(d).name);
        Ok(docs)
    }

    /// Stops a container (a stopped one is left as it is).
    pub async fn container_stop(&self, name_or_id: &str, opts: &StopOptions) -> Result<()> {
        let (doc, ctx) = self.container_for("container stop", name_or_id).await?;
        async {
            let id = &doc.id;
            let q = opts.timeout.map(|t| format!("?t={t}")).unwrap_or_default();
            // The daemon answers after the grace period (then it kills): wait that long on top.
            let grace = opts.timeout.or(doc.config.stop_timeout).unwrap_or(DEFAULT_STOP_GRACE);
            let limit = u64::try_from(grace).ok().map(|g| self.timeout().saturating_add(Duration::from_secs(g)));
            self.post_json_within(&format!("/containers/{id}/stop{q}"), &json!({}), limit)
                .await
                .map(|_| ())
                .map_err(|e| by_name(e, &doc))
        }
        .await
        .map_err(|e| e.context(&ctx))
    }

    /// Starts a created or stopped container (a running one is left as it is). Used by a
    /// topology apply to bring back a container it had stopped when the apply is undone.
    pub async fn container_start(&self, name_or_id: &str) -> Result<()> {
        let (doc, ctx) = self.container_for("container start", name_or_id).await?;
        // 304 (already running) counts as success.
        self.start_container(&doc.id).await.map_err(|e| by_name(e, &doc).context(&ctx))
    }

    /// Renames a container (exact lookup, then by id). A topology apply renames a container it
    /// replaces out of the way, so the replacement can take its name and the original can be
    /// put back if the apply is undone.
    pub async fn container_rename(&self, name_or_id: &str, new_name: &str) -> Result<()> {
        let ctx = format!("container rename {name_or_id:?} {new_name:?}");
        async {
            check_name("container", new_name)?;
            let (_, c) = self.find_container(name_or_id).await?;
            let id = c.id;
            self.post_json(&format!("/containers/{id}/rename?name={}", seg(new_name)), &json!({})).await.map(|_| ())
        }
        .await
        .map_err(|e| e.context(&ctx))
    }

    /// Removes a container (and its anonymous volumes).
    pub async fn container_rm(&self, name_or_id: &str, opts: &RemoveOptions) -> Result<()> {
        let (doc, ctx) = self.container_for("container rm", name_or_id).await?;
        self.remove_container(&doc.id, opts.force).await.map_err(|e| by_name(e, &doc).context(&ctx))
    }

    /// Runs a command in a running container and collects its output and exit code.
    pub async fn container_exec(&self, name_or_id: &str, cmd: &Command, opts: &ExecOptions) -> Result<ExecResult> {
        // The arguments first: a bad one is the caller's mistake whatever the container.
        let limit = exec_limit(cmd, opts).map_err(|e| e.context(format!("container exec {name_or_id:?}")))?;
        let (doc, ctx) = self.container_for("container exec", name_or_id).await?;
        self.exec_in(&doc, cmd, opts, limit).await.map_err(|e| e.context(&ctx))
    }

    /// Looks a container up for `op`. Returns its document and the context its errors carry from
    /// then on: `op` and the container as a person knows it (its name, also when the caller passed
    /// the full id). A failed lookup carries the caller's own words.
    async fn container_for(&self, op: &str, name_or_id: &str) -> Result<(ContainerFacts, String)> {
        let (_, c) = self.find_container(name_or_id).await.map_err(|e| e.context(format!("{op} {name_or_id:?}")))?;
        let ctx = format!("{op} {:?}", shown(name_or_id, c.name()));
        Ok((c, ctx))
    }

    /// The exec in the container `doc` (looked up already), bounded by `limit` ([`exec_limit`]).
    async fn exec_in(
        &self,
        doc: &ContainerFacts,
        cmd: &Command,
        opts: &ExecOptions,
        limit: Option<Duration>,
    ) -> Result<ExecResult> {
        let body = ExecCreateBody {
            cmd: cmd.0.clone(),
            attach_stdout: true,
            attach_stderr: true,
            privileged: opts.privileged,
            user: opts.user.clone(),
            env: opts.env.0.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            working_dir: opts.workdir.clone(),
        };
        let created =
            self.post_json(&format!("/containers/{}/exec", doc.id), &body).await.map_err(|e| by_name(e, doc))?;
        let exec_id = serde_json::from_value::<crate::daemon::CreatedFacts>(created)?.id;
        let mut out = ExecResult { exit_code: -1, stdout: Vec::new(), stderr: Vec::new() };
        let run = self.exec_output(&exec_id, &mut out);
        match limit {
            None => run.await?,
            Some(limit) => tokio::time::timeout(limit, run).await.map_err(|_| {
                Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "the command did not finish within {limit:?} (option timeout); dockernet stopped waiting, \
                         but the process may still be running in the container (exec {})",
                        short_id(&exec_id)
                    ),
                )
            })??,
        }
        let state: crate::daemon::ExecInspectFacts = self.get_doc(&format!("/exec/{exec_id}/json")).await?.fields()?;
        out.exit_code = state.exit_code.unwrap_or(-1);
        Ok(out)
    }

    /// Starts an exec attached and collects its output until the process closes it.
    ///
    /// Why not a plain request: the daemon hijacks the connection and streams the process's
    /// output in frames (an 8-byte header: stream, 0, 0, 0, length) until it exits — as long as
    /// the process runs, so only the start is bounded by the request timeout. The request asks
    /// for an upgrade (`101`, as the docker CLI and docker-py do); a daemon that answers `200`
    /// instead streams the same frames as the body.
    async fn exec_output(&self, exec_id: &str, out: &mut ExecResult) -> Result<()> {
        let path = self.versioned(&format!("/exec/{exec_id}/start")).await?;
        let payload = Bytes::from_static(br#"{"Detach":false,"Tty":false}"#);
        let headers = [("Connection", "Upgrade"), ("Upgrade", "tcp")];
        let start = self.send(&Method::POST, &path, Some(payload), &headers);
        let resp = tokio::time::timeout(self.timeout(), start).await.map_err(|_| {
            Error::new(
                ErrorKind::Timeout,
                format!("the Docker daemon at {} did not start exec {} within {:?}", self.host().url, short_id(exec_id), self.timeout()),
            )
        })??;
        let status = resp.status();
        let cap = self.max_response_bytes();
        let mut demux = Demux::default();
        let mut feed = |chunk: &[u8], out: &mut ExecResult| -> Result<()> {
            demux.feed(chunk, out);
            if (out.stdout.len() + out.stderr.len()) as u64 > cap {
                return Err(Error::new(
                    ErrorKind::Api,
                    format!(
                        "the command wrote more than {}; dockernet stopped reading, and the process may still be \
                         running in the container (exec {}). Redirect its output to a file, or raise {MAX_RESPONSE_ENV} \
                         (now {cap} bytes)",
                        byte_size(cap),
                        short_id(exec_id)
                    ),
                ));
            }
            Ok(())
        };
        if status == StatusCode::SWITCHING_PROTOCOLS {
            let upgraded = hyper::upgrade::on(resp).await.map_err(|e| self.unavailable(&e.to_string()))?;
            let mut io = hyper_util::rt::TokioIo::new(upgraded);
            let mut buf = vec![0u8; 64 << 10];
            loop {
                let n = read_some(&mut io, &mut buf).await.map_err(|e| self.unavailable(&e.to_string()))?;
                if n == 0 {
                    return Ok(());
                }
                feed(&buf[..n], out)?;
            }
        } else if status.is_success() {
            use http_body_util::BodyExt;
            let mut body = resp.into_body();
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| self.unavailable(&e.to_string()))?;
                if let Some(data) = frame.data_ref() {
                    feed(data, out)?;
                }
            }
            Ok(())
        } else {
            let answer = self.read_answer(&Method::POST, &path, resp).await?;
            Err(self.answer_error(&Method::POST, &path, &answer))
        }
    }

    /// Each network attachment of a container: addresses, MAC, gateway, and — when the image has
    /// a shell — the interface name inside it and which one carries the default route.
    pub async fn container_interfaces(&self, name_or_id: &str) -> Result<Vec<Interface>> {
        let (doc, ctx) = self.container_for("container interfaces", name_or_id).await?;
        async {
            let mut ifaces = interfaces_from_facts(&doc);
            if doc.state.running && !ifaces.is_empty() {
                let script = "for i in /sys/class/net/*; do echo \"link ${i##*/} $(cat $i/address)\"; done; cat /proc/net/route";
                let cmd = Command(vec!["sh".into(), "-c".into(), script.into()]);
                if let Ok(out) = self.exec_in(&doc, &cmd, &ExecOptions::default(), None).await {
                    if out.exit_code == 0 {
                        apply_links(&mut ifaces, &String::from_utf8_lossy(&out.stdout));
                    }
                }
            }
            ifaces.sort_by(|a, b| {
                let key = |i: &Interface| (i.ifname.is_none(), i.ifname.as_deref().map(ifname_key), i.network.clone());
                key(a).cmp(&key(b))
            });
            Ok::<_, Error>(ifaces)
        }
        .await
        .map_err(|e| e.context(&ctx))
    }
}

/// The context a run's or create's errors carry: the container's name, else its image.
fn run_context(verb: &str, opts: &RunOptions) -> String {
    match &opts.name {
        Some(n) => format!("container {verb} {n:?}"),
        None => format!("container {verb} (image {:?})", opts.image),
    }
}

/// What every run or create checks first: an image, and a usable name.
fn check_run_basics(opts: &RunOptions) -> Result<()> {
    if opts.image.trim().is_empty() {
        return Err(Error::invalid("option image is required (a local image; dockernet never pulls)"));
    }
    if let Some(n) = &opts.name {
        check_name("container", n)?;
    }
    Ok(())
}

/// Checks an exec's command and `timeout` option; the time limit, if any.
fn exec_limit(cmd: &Command, opts: &ExecOptions) -> Result<Option<Duration>> {
    if cmd.0.is_empty() {
        return Err(Error::invalid("command must not be empty"));
    }
    match opts.timeout {
        None => Ok(None),
        Some(t) if t.is_finite() && t > 0.0 => Ok(Duration::try_from_secs_f64(t).ok()),
        Some(t) => Err(Error::invalid(format!("option timeout: expected a positive number of seconds, got {t}"))),
    }
}

/// The daemon's error with the container's full id in its message replaced by the quoted name
/// (`Container 6a99…b39f is not running` → `Container "web" is not running`): messages name
/// objects by name, and the 64-character id is noise to a reader.
fn by_name(e: Error, doc: &ContainerFacts) -> Error {
    let (id, name) = (&doc.id, doc.name());
    if id.is_empty() || name.is_empty() || !e.message().contains(id.as_str()) {
        return e;
    }
    let renamed = Error::new(e.kind(), e.message().replace(id.as_str(), &format!("{name:?}")));
    match e.status() {
        Some(status) => renamed.with_status(status),
        None => renamed,
    }
}


/// Reads what is there (at least one byte, or 0 at the end) from an upgraded connection.
async fn read_some<R: tokio::io::AsyncRead + Unpin>(io: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    std::future::poll_fn(|cx| {
        let mut rb = tokio::io::ReadBuf::new(buf);
        match std::pin::Pin::new(&mut *io).poll_read(cx, &mut rb) {
            std::task::Poll::Ready(Ok(())) => std::task::Poll::Ready(Ok(rb.filled().len())),
            std::task::Poll::Ready(Err(e)) => std::task::Poll::Ready(Err(e)),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    })
    .await
}

/// Splits the daemon's multiplexed exec stream into stdout and stderr as bytes arrive.
///
/// Each frame is an 8-byte header — the stream (1 stdout, 2 stderr), three zero bytes, the
/// payload's length (big-endian `u32`) — then the payload. Payload bytes are copied out as they
/// come, never buffered up to the length a header claims (which could be 4 GiB), so the output
/// cap is checked against what was really received.
#[derive(Debug, Default)]
struct Demux {
    header: [u8; 8],
    have: usize,
    remaining: u32,
}

impl Demux {
    fn feed(&mut self, mut data: &[u8], out: &mut ExecResult) {
        while !data.is_empty() {
            if self.remaining == 0 {
                let take = (8 - self.have).min(data.len());
                self.header[self.have..self.have + take].copy_from_slice(&data[..take]);
                self.have += take;
                data = &data[take..];
                if self.have == 8 {
                    self.remaining = u32::from_be_bytes([self.header[4], self.header[5], self.header[6], self.header[7]]);
                    self.have = 0;
                }
                continue;
            }
            let take = (self.remaining as usize).min(data.len());
            let sink = if self.header[0] == 2 { &mut out.stderr } else { &mut out.stdout };
            sink.extend_from_slice(&data[..take]);
            self.remaining -= take as u32;
            data = &data[take..];
        }
    }
}

/// Sorts `eth10` after `eth9`.
fn ifname_key(s: &str) -> (String, u64) {
    let digits = s.trim_start_matches(|c: char| !c.is_ascii_digit());
    let prefix = &s[..s.len() - digits.len()];
    (prefix.to_string(), digits.parse().unwrap_or(0))
}

/// The attachments recorded in a container's inspect, as interfaces (names and the default
/// route come from the probe, [`apply_links`]).
pub fn interfaces_from_facts(c: &ContainerFacts) -> Vec<Interface> {
    let short = short_id(&c.id);
    c.endpoints()
        .iter()
        .map(|(name, ep)| Interface {
            network: name.clone(),
            network_id: ep.network_id.clone(),
            ipv4: ep.ipv4_cidr(),
            ipv6: ep.ipv6_cidr(),
            mac: ep.mac_address.clone(),
            gateway: ep.gateway.clone(),
            ipv6_gateway: ep.ipv6_gateway.clone(),
            // Up to API 1.44 the daemon adds the short id to the aliases; they are not the user's.
            aliases: ep.user_aliases(short, "").cloned().collect(),
            ifname: None,
            default_route: None,
        })
        .collect()
}

/// Fills interface names (matched by MAC) and the default route from the in-container probe:
/// `link NAME MAC` lines followed by `/proc/net/route`.
pub fn apply_links(ifaces: &mut [Interface], probe: &str) {
    let mut by_mac: BTreeMap<String, String> = BTreeMap::new();
    let mut default_dev: Option<String> = None;
    for line in probe.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["link", name, mac] => {
                by_mac.insert(mac.to_ascii_lowercase(), name.to_string());
            }
            // /proc/net/route: Iface Destination Gateway Flags …; destination 00000000 = default.
            [dev, "00000000", _gw, ..] => default_dev = Some(dev.to_string()),
            _ => {}
        }
    }
    for i in ifaces.iter_mut() {
        if let Some(mac) = &i.mac {
            i.ifname = by_mac.get(&mac.to_ascii_lowercase()).cloned();
        }
        if i.ifname.is_some() {
            i.default_route = Some(i.ifname == default_dev);
        }
    }
}

/// Containers seen from a network (here, not in network.rs: a container listing, and network.rs
/// stays free of container.rs).
impl Client {
    /// The containers attached to a network, stopped ones included (network inspect lists only
    /// running ones): container list documents.
    pub async fn network_containers(&self, name_or_id: &str) -> Result<Vec<Document>> {
        let net = self.network_get(name_or_id).await?;
        let mut filters = BTreeMap::new();
        filters.insert("network".to_string(), StringList(vec![net.id.clone()]));
        self.container_ls(&ListOptions { all: true, filters }).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(v: Value) -> Result<RunOptions> {
        from_value(v, "t")
    }

    /// Networks as a list keep their order; as a table they attach in name order with options.
    #[test]
    fn attachments_shapes() {
        let o = run(json!({"image": "i", "networks": ["b", "a"]})).unwrap();
        let names: Vec<_> = o.attachments().unwrap().into_iter().map(|a| a.network).collect();
        assert_eq!(names, ["b", "a"]);
        let o = run(json!({"image": "i", "networks": {"z": {}, "a": {"ipv4": "10.0.0.5", "aliases": ["www"]}}})).unwrap();
        let a = o.attachments().unwrap();
        assert_eq!(a[0].network, "a");
        assert_eq!(a[0].opts.ipv4.as_deref(), Some("10.0.0.5"));
        let e = run(json!({"image": "i", "networks": {"a": {"ipv5": "x"}}})).unwrap().attachments().unwrap_err();
        assert!(e.message().contains("networks.a") && e.message().contains("ipv5"), "{e}");
    }

    /// Port specs in the docker CLI's forms become bindings.
    #[test]
    fn ports_forms() {
        let o = run(json!({"image": "i", "ports": ["8080:80", "127.0.0.1:5353:53/udp", "9000"]})).unwrap();
        let (exposed, b) = o.port_bindings().unwrap();
        assert!(exposed.contains_key("80/tcp") && exposed.contains_key("53/udp") && exposed.contains_key("9000/tcp"));
        assert_eq!(b["53/udp"][0].host_ip, "127.0.0.1");
        assert_eq!(b["80/tcp"][0].host_port, "8080");
        let o = run(json!({"image": "i", "ports": {"80/tcp": 8081}})).unwrap();
        assert_eq!(o.port_bindings().unwrap().1["80/tcp"][0].host_port, "8081");
        assert!(run(json!({"image": "i", "ports": ["x:y"]})).unwrap().port_bindings().is_err());
    }

    /// A string command is split like a shell; a list is kept word for word, even of one word.
    #[test]
    fn command_forms() {
        let o = run(json!({"image": "i", "command": "sh -c 'sleep 5'"})).unwrap();
        assert_eq!(o.command.unwrap().0, ["sh", "-c", "sleep 5"]);
        let o = run(json!({"image": "i", "command": ["exec sleep 1000"]})).unwrap();
        assert_eq!(o.command.unwrap().0, ["exec sleep 1000"]);
        assert!(run(json!({"image": "i", "command": "unclosed 'quote"})).is_err());
    }

    /// The exec stream splits into stdout and stderr however the bytes are cut into chunks (a
    /// header split across reads, a frame across several).
    #[test]
    fn demux_frames_across_chunks() {
        let mut stream = Vec::new();
        for (kind, text) in [(1u8, &b"hello "[..]), (2, b"oops"), (1, b"world"), (1, b"")] {
            stream.extend_from_slice(&[kind, 0, 0, 0]);
            stream.extend_from_slice(&(text.len() as u32).to_be_bytes());
            stream.extend_from_slice(text);
        }
        for size in [1, 3, 7, 8, 9, 64] {
            let mut d = Demux::default();
            let mut out = ExecResult { exit_code: 0, stdout: vec![], stderr: vec![] };
            for chunk in stream.chunks(size) {
                d.feed(chunk, &mut out);
            }
            assert_eq!(out.stdout, b"hello world", "chunks of {size}");
            assert_eq!(out.stderr, b"oops", "chunks of {size}");
        }
        // A header that claims 4 GiB holds nothing back: what came is what is counted.
        let mut d = Demux::default();
        let mut out = ExecResult { exit_code: 0, stdout: vec![], stderr: vec![] };
        d.feed(&[1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, b'x', b'y'], &mut out);
        assert_eq!(out.stdout, b"xy");
    }

    /// Interface names come from MACs and the default route from /proc/net/route.
    #[test]
    fn probe_parsing() {
        let doc = json!({"Id": "abcdef1234567890", "NetworkSettings": {"Networks": {
            "front": {"NetworkID": "n1", "IPAddress": "10.0.0.2", "IPPrefixLen": 24, "MacAddress": "02:42:0a:00:00:02", "Gateway": "10.0.0.1", "Aliases": ["abcdef123456", "www"]},
            "back": {"NetworkID": "n2", "IPAddress": "10.0.1.2", "IPPrefixLen": 24, "MacAddress": "02:42:0a:00:01:02"}
        }}});
        let mut i = interfaces_from_facts(&serde_json::from_value(doc).unwrap());
        let probe = "link eth0 02:42:0a:00:01:02\nlink eth1 02:42:0a:00:00:02\nlink lo 00:00:00:00:00:00\n\
                     Iface\tDestination\tGateway\tFlags\nethX\t0001000A\t00000000\t0001\neth1\t00000000\t0100000A\t0003\n";
        apply_links(&mut i, probe);
        let front = i.iter().find(|x| x.network == "front").unwrap();
        assert_eq!(front.ifname.as_deref(), Some("eth1"));
        assert_eq!(front.default_route, Some(true));
        assert_eq!(front.ipv4.as_deref(), Some("10.0.0.2/24"));
        assert_eq!(front.aliases, ["www"]);
        let back = i.iter().find(|x| x.network == "back").unwrap();
        assert_eq!(back.default_route, Some(false));
    }

    /// A daemon message naming the container by its full id names it by name instead, with the
    /// kind and status kept; other messages are left as they are.
    #[test]
    fn daemon_messages_name_containers_by_name() {
        let id = "6a99e071d0f17fe0ef3017bde6ed53b9e8ce87e2db369774b404ac1b4a0fb39f";
        let doc: ContainerFacts = serde_json::from_value(json!({"Id": id, "Name": "/web"})).unwrap();
        let e = by_name(Error::from_daemon(409, &format!("Container {id} is not running")), &doc);
        assert_eq!(e.message(), "Container \"web\" is not running");
        assert_eq!((e.kind(), e.status()), (ErrorKind::Conflict, Some(409)));
        let other = Error::from_daemon(500, "something else");
        assert_eq!(by_name(other.clone(), &doc), other);
    }
}
