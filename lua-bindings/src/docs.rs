//! The help text of every public name of the Lua API: what `help()` prints and what the LuaLS
//! annotation file (`lua-bindings/dockernet.d.lua`) declares. A test checks they agree.

/// One documented name.
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    /// Dotted path as scripts write it (`docker.network.create`, `Network:connect`).
    pub name: &'static str,
    /// Call signature.
    pub signature: &'static str,
    /// What it does, options, errors; written for script authors.
    pub text: &'static str,
}

/// Every documented name, in reference order.
pub const DOCS: &[Doc] = &[
    Doc { name: "docker", signature: "docker", text: "The dockernet API. Also `require \"dockernet\"`. Tables: docker.network, docker.container, docker.swarm, docker.impair, docker.topology; functions: docker.version(), docker.ping(), docker.clock(), docker.connect(), docker.contexts(), docker.events(); fields: docker.host (the daemon address), docker.null (JSON null in inspect documents). Errors are tables {kind=, status=, message=}; kind is one of not_found, conflict, forbidden, invalid, unavailable, timeout, api." },
    Doc { name: "docker.version", signature: "docker.version() -> table", text: "The daemon's /version document (Version, ApiVersion, Os, Arch, …)." },
    Doc { name: "docker.ping", signature: "docker.ping() -> true", text: "Checks that the daemon answers; raises kind=\"unavailable\" naming the socket otherwise." },
    Doc { name: "docker.connect", signature: "docker.connect(host | {host=, context=, timeout=, tls={ca=, cert=, key=}}) -> docker", text: "A client for another daemon, with exactly the shape of the global `docker` (network, container, swarm, topology, version(), ping(), host, connect). host is unix:///path, tcp://host:port or ssh://[user@]host[:port] (the system ssh runs `docker system dial-stdio` there, as the docker CLI does); context a docker context by name (not with host); timeout seconds per request; tls the CA and client certificate for a tcp:// daemon (its certificate is always verified). Handles remember their daemon (their `daemon` field): their methods go there, and passing a handle to another daemon's client is an invalid error." },
    Doc { name: "docker.contexts", signature: "docker.contexts() -> {{name=, description=, host=, current=}}", text: "The docker CLI's contexts as `docker context ls` lists them (default first; passwords in hosts shown as ***). Select one for the program with `dockernet --context NAME` or DOCKER_CONTEXT." },
    Doc { name: "docker.clock", signature: "docker.clock() -> seconds", text: "A monotonic clock in seconds (float), for timing loops." },
    Doc { name: "docker.network", signature: "docker.network", text: "Network operations, named like `docker network`: ls, create, inspect, get, connect, disconnect, rm, prune, containers." },
    Doc { name: "docker.network.ls", signature: "docker.network.ls{filters={key=value|{values}}} -> NetworkList", text: "Lists networks as the daemon's documents (Id, Name, Driver, Scope, IPAM, Labels, …), sorted by name. Filters as `docker network ls --filter`: driver, id, label, name, scope, type (custom|builtin), dangling. The REPL prints the list as a `docker network ls` table." },
    Doc { name: "docker.network.create", signature: "docker.network.create(name, {driver=, subnet=, gateway=, ip_range=, aux_addresses=, ipv4=, ipv6=, internal=, attachable=, ingress=, labels=, options=, ipam_driver=, ipam_options=, scope=, config_only=, config_from=}) -> Network", text: "Creates a network. subnet/gateway/ip_range take one string or a list; each gateway, range and aux address must lie inside one of the subnets. Refuses an existing name (kind conflict, even on Docker 20.10, which would make a duplicate), a subnet overlapping another network (conflict), a predefined name (forbidden), bad CIDRs and unknown option keys (invalid)." },
    Doc { name: "docker.network.inspect", signature: "docker.network.inspect(network, {verbose=false}) -> table", text: "The daemon's inspect document with Docker's own keys (Name, Id, IPAM.Config, Containers, Options, …): what `docker network inspect` prints. Lookups are exact: a name, a full id, or an id prefix of at least 12 characters." },
    Doc { name: "docker.network.get", signature: "docker.network.get(network) -> Network", text: "A handle for an existing network (exact lookup)." },
    Doc { name: "docker.network.connect", signature: "docker.network.connect(network, container, {aliases=, ipv4=, ipv6=, links=, link_local_ips=, driver_opts=, gw_priority=, mac_address=})", text: "Connects a container: a new interface appears inside it. Refuses a container already connected (conflict; the daemon would silently ignore it for a stopped container), a static address outside the network's subnets (invalid), and options the daemon would ignore (gw_priority before API 1.48)." },
    Doc { name: "docker.network.disconnect", signature: "docker.network.disconnect(network, container, {force=false})", text: "Disconnects a container: its interface disappears. Refuses a container that is not connected (conflict). force=true also removes a stale endpoint of a container that no longer exists." },
    Doc { name: "docker.network.rm", signature: "docker.network.rm(network, ...) -> {names}", text: "Removes one or more networks, trying each; raises the first failure (forbidden for bridge/host/none or a network in use, not_found for a missing one). Returns the names removed (a handle by its name, an id or name as given)." },
    Doc { name: "docker.network.prune", signature: "docker.network.prune{filters={until=, label=, [\"label!\"]=}} -> {names}", text: "Removes networks no container uses; returns their names." },
    Doc { name: "docker.network.containers", signature: "docker.network.containers(network) -> {Container}", text: "Containers attached to the network, stopped ones included." },
    Doc { name: "docker.container", signature: "docker.container", text: "Container operations a topology needs: run, get, inspect, ls, stop, rm, exec, interfaces." },
    Doc { name: "docker.container.run", signature: "docker.container.run{image=, name=, command=, entrypoint=, env=, labels=, hostname=, cap_add=, cap_drop=, sysctls=, ports=, network=, networks=, privileged=, user=, workdir=, auto_remove=} -> Container", text: "Creates and starts a container from a local image (never pulled). networks is a list of names or {name={connect options}}; every network is attached before the container starts. If anything fails after create, the container is removed again (if that removal fails too, the error says so and names the container). command is a list or one string split like a shell." },
    Doc { name: "docker.container.get", signature: "docker.container.get(container) -> Container", text: "A handle for an existing container (exact lookup)." },
    Doc { name: "docker.container.inspect", signature: "docker.container.inspect(container) -> table", text: "The daemon's container inspect document (Docker's keys)." },
    Doc { name: "docker.container.ls", signature: "docker.container.ls{all=false, filters=} -> list", text: "The daemon's container list documents, sorted by name." },
    Doc { name: "docker.container.stop", signature: "docker.container.stop(container, {timeout=seconds})", text: "Stops a container: SIGTERM, then SIGKILL after timeout seconds (default: the container's stop timeout, else 10). The call waits that grace period on top of the client's timeout (--timeout, DOCKERNET_TIMEOUT)." },
    Doc { name: "docker.container.rm", signature: "docker.container.rm(container, {force=false})", text: "Removes a container (force: kill it first)." },
    Doc { name: "docker.container.exec", signature: "docker.container.exec(container, command, {user=, env=, workdir=, privileged=, timeout=}) -> {exit_code=, stdout=, stderr=}", text: "Runs a command in a running container and returns its exit code and output. command is a list or one string split like a shell. timeout (seconds) fails with kind timeout when the command runs longer (it may still run in the container); without it the call waits as long as the command runs." },
    Doc { name: "docker.container.interfaces", signature: "docker.container.interfaces(container) -> {{network=, ipv4=, ipv6=, mac=, gateway=, aliases=, ifname=, default_route=}}", text: "Each network attachment as the container sees it: addresses, MAC, gateway and — when the image has a shell — the interface name inside it (eth0, eth1, …) and whether it carries the default route. The seed's ifconfig demonstration as data." },
    Doc { name: "docker.swarm", signature: "docker.swarm", text: "Swarm membership, named like `docker swarm`: init, join, leave, inspect, nodes, state. Overlay networks (driver=\"overlay\") need the daemon to be a swarm manager; standalone containers join an overlay only when it is attachable." },
    Doc { name: "docker.swarm.init", signature: "docker.swarm.init{advertise_addr=, listen_addr=, data_path_addr=, default_addr_pool=, subnet_size=, force_new_cluster=} -> node_id", text: "Makes this daemon the first manager of a new swarm and returns its node id. advertise_addr is the address other daemons reach it at (needed when the host has several); default_addr_pool the CIDRs overlay subnets come from. Raises conflict when the daemon is in a swarm already." },
    Doc { name: "docker.swarm.join", signature: "docker.swarm.join{remote_addrs=, join_token=, advertise_addr=, listen_addr=, data_path_addr=} -> true", text: "Joins the swarm of the manager(s) at remote_addrs (\"10.99.0.1:2377\") with a token from the manager's docker.swarm.inspect().JoinTokens (Worker or Manager)." },
    Doc { name: "docker.swarm.leave", signature: "docker.swarm.leave{force=false} -> true", text: "Leaves the swarm; force=true is needed for the last manager (the swarm is then lost). Raises conflict when the daemon is not in a swarm." },
    Doc { name: "docker.swarm.inspect", signature: "docker.swarm.inspect() -> table", text: "The swarm's document as the daemon sends it (ID, Spec, JoinTokens.Worker/Manager, …). Only a manager answers; a worker raises forbidden." },
    Doc { name: "docker.swarm.nodes", signature: "docker.swarm.nodes() -> NodeList", text: "The swarm's nodes as the daemon's documents (ID, Description.Hostname, Status.State, Status.Addr, ManagerStatus, …). Only a manager answers." },
    Doc { name: "docker.swarm.state", signature: "docker.swarm.state() -> {local_node_state=, node_id=, control_available=, cluster_id=, node_addr=}", text: "Where this daemon stands (any daemon answers): local_node_state is inactive, pending, active, error or locked; control_available is true on a manager." },
    Doc { name: "Network", signature: "Network {id, short_id, name, driver, daemon}", text: "A network handle. Methods: :inspect(opts), :connect(container, opts), :disconnect(container, opts), :rm(), :containers()." },
    Doc { name: "Network:inspect", signature: "net:inspect({verbose=false}) -> table", text: "docker.network.inspect(net.id, opts)." },
    Doc { name: "Network:connect", signature: "net:connect(container, opts)", text: "docker.network.connect(net.id, container, opts)." },
    Doc { name: "Network:disconnect", signature: "net:disconnect(container, opts)", text: "docker.network.disconnect(net.id, container, opts)." },
    Doc { name: "Network:rm", signature: "net:rm() -> name", text: "docker.network.rm(net.id); returns net.name." },
    Doc { name: "Network:containers", signature: "net:containers() -> {Container}", text: "docker.network.containers(net.id)." },
    Doc { name: "Container", signature: "Container {id, short_id, name, image, daemon}", text: "A container handle. Methods: :inspect(), :exec(cmd, opts), :interfaces(), :stop(opts), :rm(opts), :connect(network, opts), :disconnect(network, opts), :impair(network, impairment), :impairment(network), :reapply_impairment()." },
    Doc { name: "Container:inspect", signature: "c:inspect() -> table", text: "docker.container.inspect(c.id)." },
    Doc { name: "Container:exec", signature: "c:exec(command, opts) -> {exit_code=, stdout=, stderr=}", text: "docker.container.exec(c.id, command, opts)." },
    Doc { name: "Container:interfaces", signature: "c:interfaces() -> list", text: "docker.container.interfaces(c.id)." },
    Doc { name: "Container:stop", signature: "c:stop(opts)", text: "docker.container.stop(c.id, opts)." },
    Doc { name: "Container:rm", signature: "c:rm(opts) -> name", text: "docker.container.rm(c.id, opts); returns c.name." },
    Doc { name: "Container:connect", signature: "c:connect(network, opts)", text: "docker.network.connect(network, c.id, opts)." },
    Doc { name: "Container:disconnect", signature: "c:disconnect(network, opts)", text: "docker.network.disconnect(network, c.id, opts)." },
    Doc { name: "Container:impair", signature: "c:impair(network, {delay=, jitter=, loss=, rate=, corrupt=, duplicate=, reorder=} | nil)", text: "docker.impair.apply(c.id, network, impairment); nil or {} clears." },
    Doc { name: "Container:impairment", signature: "c:impairment(network) -> table | nil", text: "docker.impair.read(c.id, network)." },
    Doc { name: "Container:reapply_impairment", signature: "c:reapply_impairment() -> {{network=, impairment=}}", text: "docker.impair.reapply(c.id)." },
    Doc { name: "docker.events", signature: "docker.events{filters=, since=, [\"until\"]=} -> iterator | docker.events(opts, function(ev) … end)", text: "The daemon's events as they happen, one table per event (Type, Action, Actor.ID, Actor.Attributes, time, timeNano): `for ev in docker.events{filters={type={\"network\", \"container\"}}} do … end`, or with a callback that returns false to stop. filters as `docker events --filter` (type, event, container, network, label, image, …; unknown keys are invalid). since/until: unix seconds, an RFC 3339 time, a duration ago (\"10m\") or, for until, from now (\"+5s\"); the stream ends at until, otherwise never. Ctrl-C raises kind interrupted. Breaking out of the loop closes the stream." },
    Doc { name: "docker.impair", signature: "docker.impair", text: "Link impairment on a container's interface for one network: apply, clear, read, reapply. Keys delay, jitter (\"40ms\"), loss, corrupt, duplicate, reorder (\"1%\" or 1), rate (\"10mbit\"), as tc. tc runs in the container's network namespace from the daemon's host (the host's tc; root; the daemon on this machine) or, with DOCKERNET_TC_IMAGE set to an image that has tc and ip, from a helper container sharing that namespace. Only dockernet's own qdisc (handle d0c:) is ever changed: an interface with another root qdisc is a conflict. loss and rate work on any kernel with htb; the other keys need netem (unavailable otherwise, saying so)." },
    Doc { name: "docker.impair.apply", signature: "docker.impair.apply(container, network, {delay=, jitter=, loss=, rate=, corrupt=, duplicate=, reorder=} | nil)", text: "Sets the impairment (replacing what dockernet set there; nil or {} clears) and records it so docker.impair.reapply can restore it after a restart. Bad values and unknown keys are invalid, naming key and value, before anything is touched; not_found when the container is not on that network; conflict when it is not running or the interface has someone else's root qdisc." },
    Doc { name: "docker.impair.clear", signature: "docker.impair.clear(container, network)", text: "Removes dockernet's qdisc from that interface (nothing else) and records the link as clear." },
    Doc { name: "docker.impair.read", signature: "docker.impair.read(container, network) -> table | nil", text: "What dockernet's qdisc sets now, read back from the kernel ({rate=\"10mbit\", loss=\"1%\"}), or nil." },
    Doc { name: "docker.impair.reapply", signature: "docker.impair.reapply(container) -> {{network=, impairment=}}", text: "Puts back what was asked (live changes recorded on the host, else the container's dockernet.impair label) where the kernel lacks it, e.g. after a restart; returns what it set. `dockernet impair --follow` does this for every container that starts." },
    Doc { name: "docker.topology", signature: "docker.topology{name=, prefix=, pool=, subnet_size=, image=, pull=, labels=, networks=, nodes=, expect=, hosts=, swarm=} -> Topology", text: "Declares a multi-network lab (the keys of scripts/labs/*.yaml). Every key, with its type and default: docs/topology-reference.md (the same keys in YAML, Lua and Python); help \"topology.KEY\" shows one, e.g. help \"topology.nodes.routes\". Validated at once: unknown keys, dangling references, duplicate or out-of-subnet static IPs are errors naming the path (nodes.web.networks.front.ipv4). Nothing is touched until :apply()." },
    Doc { name: "docker.topology.load", signature: "docker.topology.load(path) -> Topology", text: "Reads a topology from a YAML file." },
    Doc { name: "docker.topology.destroy", signature: "docker.topology.destroy(name) -> DestroyReport", text: "Removes what a topology of that name owns (by label), without its declaration." },
    Doc { name: "Topology", signature: "Topology {name}", text: "A declared lab. Methods: :plan(), :apply{concurrency=, progress=}, :destroy(), :status(), :verify{count=, timeout=, concurrency=, retries=}, :graph(\"dot\"|\"mermaid\"|\"svg\"), :watch{heal=, until=}. Results are tables with a printable `summary`." },
    Doc { name: "Topology:plan", signature: "topo:plan() -> Plan", text: "The ordered actions :apply() would take (create network, run node, connect, disconnect, set route, remove, recreate with the reason); empty when the daemon already matches." },
    Doc { name: "Topology:apply", signature: "topo:apply{concurrency=8, progress=nil, wait=true, lock_timeout=600, break_lock=false} -> ApplyReport", text: "Carries out the plan, independent steps concurrently: at most `concurrency` steps in flight on each daemon (per daemon, not in all: a lab across 3 hosts has up to 3 × concurrency); a progress bar on a terminal. On failure everything this run did is undone and the error names the step. One apply of a topology at a time (a lock on the daemon): another is waited for, saying who holds it (wait=false: a conflict at once; lock_timeout: then a timeout); break_lock=true removes a lock whose holder is gone on another machine. Ctrl-C (SIGTERM, SIGHUP) starts no new step and undoes what this run did (error kind interrupted, saying so); a second one stops at once and lists what is left." },
    Doc { name: "Topology:destroy", signature: "topo:destroy() -> DestroyReport", text: "Removes exactly what the topology owns (containers, then networks); never an unlabelled object." },
    Doc { name: "Topology:status", signature: "topo:status() -> Status", text: "Each declared element: present, missing, drifted or extra." },
    Doc { name: "Topology:verify", signature: "topo:verify{count=1, timeout=1} -> Verification", text: "Pings between the topology's own nodes and compares with the expected matrix (shared networks, routes, expect entries); `ok` is false on any mismatch. Each cell also has the link as measured — `rtt_ms` {min, avg, max}, `loss_pct`, `count` — next to the impairments declared on it (`link`) and any `expect_rtt_ms` / `expect_loss_pct` bounds." },
    Doc { name: "Topology:graph", signature: "topo:graph(\"dot\"|\"mermaid\"|\"svg\") -> string", text: "The topology as DOT, Mermaid, or SVG (through Graphviz)." },
    Doc { name: "Topology:watch", signature: "topo:watch{heal=false, until=nil, retries=3, reconnect=10} -> iterator | topo:watch(opts, function(change) … end)", text: "Reports, as they happen, the changes that make the daemon differ from the declaration (a node removed or stopped, disconnected by hand, an impairment lost, a network removed), one record per element with `change` (drift, restored, up_to_date, heal, healed, heal_failed, stream_lost, stream_resumed), `path`, `state`, `was`, `detail` and `message`, the line tostring shows (`node web: disconnected from front by hand — run topology:apply() or watch{heal = true}`); the first records are the lab's state when the watch starts. heal=true re-applies the declaration each time (at most `retries` attempts with backoff, each step a record). until: seconds from now (30), a duration (\"5m\") or an RFC 3339 time; without it the watch runs until Ctrl-C (error kind interrupted; a heal in flight is rolled back first). When the daemon ends its event stream (a restart), a stream_lost record, then at most `reconnect` attempts to reopen it with backoff (about 40 s for 10), resuming from the last event's time, and a stream_resumed record (the status is read again); after the last attempt, an error of kind unavailable. As docker.events: a generic for (leaving the loop closes the watch), or a callback that returns false to stop. Unknown options are errors." },
];

/// The candidate nearest to `word` when it is close enough to be a typo of it (`inpsect` ->
/// `inspect`, `conect` -> `connect`): the smallest edit distance (insertions, deletions,
/// substitutions and swaps of neighbours; case ignored), at most a third of the word's length
/// (at least 1). Ties go to the first candidate.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    let w: Vec<char> = word.to_lowercase().chars().collect();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(&w, &c.to_lowercase().chars().collect::<Vec<_>>());
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
fn distance(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

/// The documentation of `name`, if any.
pub fn lookup(name: &str) -> Option<&'static Doc> {
    DOCS.iter().find(|d| d.name == name)
}

#[cfg(test)]
mod tests {
    use super::DOCS;

    // ---- docs/topology-reference.md against the spec ------------------------------------------

    /// The keys serde expects where the probe `{"__probe__": 1}` stands in `doc`: every topology
    /// struct denies unknown fields, and serde's error lists the fields it knows. `None` when
    /// nothing there is a table of options.
    fn expected_fields(doc: serde_json::Value) -> Option<Vec<String>> {
        let err = serde_json::from_value::<dockernet_core::topology::spec::Spec>(doc).err()?.to_string();
        let (_, rest) = err.split_once("unknown field `__probe__`, expected ")?;
        if rest.starts_with("there are no fields") {
            return Some(Vec::new());
        }
        Some(rest.split('`').skip(1).step_by(2).map(str::to_string).collect())
    }

    /// Every key path of the spec (`nodes.<name>.networks.<name>.ipv4`, `expect[].reach`), found
    /// by probing: a key whose value is itself a table of options (directly, as named entries, or
    /// as a list of tables) is walked in turn. Nothing is listed by hand, so a key added to the
    /// spec shows up here.
    fn spec_paths() -> Vec<String> {
        use serde_json::{json, Value};
        fn walk(place: &dyn Fn(Value) -> Value, prefix: &str, depth: usize, out: &mut Vec<String>) {
            let fields = expected_fields(place(json!({"__probe__": 1}))).expect("a table of options");
            for key in fields {
                let path = format!("{prefix}{key}");
                out.push(path.clone());
                if depth >= 6 {
                    continue;
                }
                // The shapes a nested table of options can take, and how its paths are written.
                type Shape = Box<dyn Fn(Value) -> Value>;
                let shapes: [(&str, Shape); 3] = [
                    (".", Box::new(|v| v)),
                    (".<name>.", Box::new(|v| json!({"entry": v}))),
                    ("[].", Box::new(|v| json!([v]))),
                ];
                for (sep, shape) in shapes {
                    let key = key.clone();
                    let nested = move |v: Value| place(json!({ key.clone(): shape(v) }));
                    if expected_fields(nested(json!({"__probe__": 1}))).is_some() {
                        walk(&nested, &format!("{path}{sep}"), depth + 1, out);
                        break;
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&|v| v, "", 0, &mut out);
        out
    }

    /// The key paths the reference documents: the first cell of each table row, in backticks.
    fn documented_paths(reference: &str) -> Vec<String> {
        reference
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split_once('`'))
            .map(|(path, _)| path.to_string())
            .collect()
    }

    #[test]
    fn topology_reference_matches_the_spec() {
        let reference = include_str!("../../docs/topology-reference.md");
        let spec = spec_paths();
        let documented = documented_paths(reference);
        // The walk itself works: these are known to exist.
        for known in ["name", "pool", "networks.<name>.subnet", "nodes.<name>.networks.<name>.ipv4", "nodes.<name>.routes[].via", "expect[].reach"] {
            assert!(spec.iter().any(|p| p == known), "the spec walk did not find {known}: {spec:?}");
        }
        let missing: Vec<&String> = spec.iter().filter(|p| !documented.contains(p)).collect();
        let stale: Vec<&String> = documented.iter().filter(|p| !spec.contains(p)).collect();
        let mut dup = documented.clone();
        dup.sort();
        dup.dedup();
        assert!(
            missing.is_empty(),
            "docs/topology-reference.md has no row for these keys of the spec (add `| `PATH` | type | default | meaning |` \
             under its section): {missing:?}"
        );
        assert!(stale.is_empty(), "docs/topology-reference.md documents keys the spec does not accept: {stale:?}");
        assert_eq!(dup.len(), documented.len(), "docs/topology-reference.md has a key twice");
        // Every row gives a type and a default.
        for line in reference.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = line.split(" | ").collect();
            assert!(cells.len() >= 4 && cells[1..4].iter().all(|c| !c.trim().is_empty()), "row without type or default: {line}");
        }
    }

    #[test]
    fn nearest_finds_typos_only() {
        let api = ["connect", "containers", "create", "disconnect", "inspect", "ls", "rm"];
        assert_eq!(super::nearest("inpsect", api), Some("inspect"));
        assert_eq!(super::nearest("conect", api), Some("connect"));
        assert_eq!(super::nearest("Create", api), Some("create"));
        assert_eq!(super::nearest("lss", api), Some("ls"));
        assert_eq!(super::nearest("frobnicate", api), None);
        assert_eq!(super::nearest("x", api), None);
    }

    /// Every documented name is declared in the LuaLS annotation file, and every function the
    /// runtime registers is documented.
    #[test]
    fn docs_match_annotations_and_runtime() {
        let annotations = include_str!("../dockernet.d.lua");
        for d in DOCS {
            let decl = match d.name.split_once(':') {
                Some((class, method)) => format!("function {class}:{method}("),
                None if d.name.contains('.') && !["docker.network", "docker.container", "docker.topology", "docker.swarm", "docker.impair"].contains(&d.name) => {
                    format!("function {}(", d.name)
                }
                None => d.name.to_string(),
            };
            assert!(annotations.contains(&decl), "{} is not declared in dockernet.d.lua", d.name);
        }
        let lua = crate::new_lua().unwrap();
        lua.load(annotations).into_function().expect("dockernet.d.lua must be valid Lua");
        let client = dockernet_core::BlockingClient::new(Some("unix:///nonexistent.sock")).unwrap();
        let docker = crate::register(&lua, client).unwrap();
        for module in ["network", "container", "swarm", "impair"] {
            let t: mlua::Table = docker.get(module).unwrap();
            for pair in t.pairs::<String, mlua::Value>() {
                let (k, _) = pair.unwrap();
                let name = format!("docker.{module}.{k}");
                assert!(super::lookup(&name).is_some(), "{name} has no entry in DOCS");
            }
        }
    }
}
