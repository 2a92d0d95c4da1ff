//! The shared harness of dockernet's integration tests: a client that fails loudly when no daemon
//! answers, unique names, the ownership label, free subnets, and a [`Guard`] that removes what a
//! test made even when the test panics.
//!
//! Every test here talks to a real Docker daemon; nothing is mocked and nothing is skipped. Tests
//! run in parallel (threads of one binary, and possibly several binaries or machines' worth of
//! processes on one daemon), so:
//! - names are unique per process, per call and per run ([`unique`]);
//! - subnets are picked at random from `10.200.0.0/13`, away from every daemon network and host
//!   route ([`free_subnet`]); two tests that still pick the same one are told so by dockernet's
//!   or the daemon's overlap check, and [`retry_subnet`] simply tries another;
//! - everything a test creates carries the label [`LABEL`] with the test's own value
//!   ([`Guard::tag`]), so a prune or a sweep never touches another test's objects.
//!
//! What does not live here: assertions about dockernet's behaviour (those are the tests), and the
//! test image (built by `scripts/dev/test-image.sh`, never pulled).

use std::collections::hash_map::RandomState;
use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use dockernet_core::container::{ContainerRef, ListOptions as ContainerListOptions, RemoveOptions, RunOptions};
use dockernet_core::network::{CreateOptions, ListOptions, NetworkRef, PruneOptions};
use dockernet_core::options::from_value;
use dockernet_core::{BlockingClient, Error, ErrorKind, Result};
use serde_json::{json, Value};

pub use dockernet_core;

pub mod daemons;

/// The protocol of the harness binaries (`private-daemons`, `-sshd`, `-podman`) that other
/// suites drive: prints each of `lines` as one JSON line, then `ready`, then waits until standard
/// input closes (the caller owns the lifetime: its exit closes the pipe too). The caller then
/// drops what it started.
pub fn announce_and_wait_for_eof(lines: impl IntoIterator<Item = Value>) {
    use std::io::{BufRead, Write};
    let mut out = std::io::stdout().lock();
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    drop(out);
    let mut sink = String::new();
    let stdin = std::io::stdin();
    while stdin.lock().read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
        sink.clear();
    }
}
pub mod podman;
pub mod proxy;
pub mod sshd;

/// The ownership label: every network and container a test makes carries `dockernet.test=<tag>`.
pub const LABEL: &str = "dockernet.test";

/// The local test image (busybox-static, made by `scripts/dev/test-image.sh`; never pulled).
pub const TEST_IMAGE: &str = "dockernet-testbox:latest";

/// The block test subnets come from: `10.200.0.0/13` (10.200.0.0 – 10.207.255.255), 2048 /24s.
pub const SUBNET_POOL: (Ipv4Addr, u8) = (Ipv4Addr::new(10, 200, 0, 0), 13);

/// A connected client. Panics — loudly, with what to do — when no daemon answers: an integration
/// test that silently skips is a test that never runs.
pub fn client() -> BlockingClient {
    let c = BlockingClient::new(None).unwrap_or_else(|e| panic!("cannot set up a Docker client: {e}"));
    if let Err(e) = c.ping() {
        panic!(
            "\n\nNO DOCKER DAEMON ANSWERS: the dockernet integration tests need a running Docker daemon.\n  {e}\n  \
             Start one with scripts/dev/ensure-docker.sh (or set DOCKER_HOST), then build the test image with \
             scripts/dev/test-image.sh.\n\n"
        );
    }
    c
}

/// A random 64-bit number (no dependency needed: std's hasher keys are random per process).
pub fn random_u64() -> u64 {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_usize(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.finish()
}

/// A name no other test, process or run uses: `dnt-<prefix>-<pid>-<counter>-<random>`.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("dnt-{prefix}-{}-{n}-{:06x}", std::process::id(), random_u64() & 0xff_ffff)
}

/// An IPv4 /24 for a test network: `10.b.c.0/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subnet {
    /// The network address.
    pub addr: Ipv4Addr,
}

impl Subnet {
    /// `10.b.c.0/24`.
    pub fn cidr(&self) -> String {
        format!("{}/24", self.addr)
    }

    /// The address `host` inside the subnet: `ip(5)` is `10.b.c.5`.
    pub fn ip(&self, host: u8) -> String {
        let [a, b, c, _] = self.addr.octets();
        Ipv4Addr::new(a, b, c, host).to_string()
    }

    /// The first three octets with the trailing dot, `10.b.c.`, to spot an address of the subnet
    /// in command output.
    pub fn prefix(&self) -> String {
        let [a, b, c, _] = self.addr.octets();
        format!("{a}.{b}.{c}.")
    }

    /// True when `ip` (optionally with a `/len`) lies inside the subnet.
    pub fn contains(&self, ip: &str) -> bool {
        let addr = ip.split('/').next().and_then(|a| a.parse::<Ipv4Addr>().ok());
        addr.is_some_and(|a| u32::from(a) >> 8 == u32::from(self.addr) >> 8)
    }

    /// A smaller block inside the subnet: `part(128, 25)` is `10.b.c.128/25`.
    pub fn part(&self, host: u8, prefix: u8) -> String {
        format!("{}/{prefix}", self.ip(host))
    }
}

impl std::fmt::Display for Subnet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.cidr())
    }
}

/// An IPv4 block as (first address, mask).
fn v4_block(addr: Ipv4Addr, prefix: u8) -> (u32, u32) {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix.min(32))) };
    (u32::from(addr) & mask, mask)
}

fn blocks_overlap(a: (u32, u32), b: (u32, u32)) -> bool {
    // Two aligned blocks overlap exactly when they agree on the shorter mask.
    let common = a.1 & b.1;
    a.0 & common == b.0 & common
}

/// Daemon documents as trees, for tests that index into them (`docs.values()[0]["Name"]`).
pub trait Values {
    /// Each document parsed into a `serde_json::Value`.
    fn values(&self) -> Vec<Value>;
}

impl Values for [dockernet_core::Document] {
    fn values(&self) -> Vec<Value> {
        self.iter().map(dockernet_core::Document::to_value).collect()
    }
}

/// The IPv4 blocks the daemon's networks use.
fn daemon_blocks(c: &BlockingClient) -> Vec<(u32, u32)> {
    let nets = c.network_ls(&ListOptions::default()).unwrap_or_else(|e| panic!("free_subnet: network ls failed: {e}"));
    nets.iter()
        .map(dockernet_core::Document::to_value)
        .flat_map(|d| dockernet_core::network::doc_subnets(&d))
        .filter_map(|net| match net {
            ipnet::IpNet::V4(v4) => Some(v4_block(v4.network(), v4.prefix_len())),
            _ => None,
        })
        .collect()
}

/// The IPv4 blocks of the host's routes (`/proc/net/route`), the default route excepted, as
/// (network, mask): core's own reading (the topology subnet planner avoids the same routes).
pub fn host_route_blocks() -> Vec<(u32, u32)> {
    dockernet_core::topology::subnets::host_routes()
        .into_iter()
        .filter_map(|t| match t.net {
            ipnet::IpNet::V4(n) => Some((u32::from(n.network()), u32::from(n.netmask()))),
            ipnet::IpNet::V6(_) => None,
        })
        .collect()
}

/// A random /24 inside [`SUBNET_POOL`] that overlaps no network on the daemon and no host route,
/// and that this process has not handed out before. Another process may still pick the same one
/// at the same moment; create through [`retry_subnet`] (or [`Guard::network_with_subnet`]) so
/// that the loser of such a race just tries again.
pub fn free_subnet() -> Subnet {
    static HANDED_OUT: OnceLock<Mutex<HashSet<u32>>> = OnceLock::new();
    let handed_out = HANDED_OUT.get_or_init(Default::default);
    let c = client();
    let mut taken = daemon_blocks(&c);
    taken.extend(host_route_blocks());
    let (pool, prefix) = v4_block(SUBNET_POOL.0, SUBNET_POOL.1);
    let slots = 1u32 << (24 - SUBNET_POOL.1);
    for _ in 0..10_000 {
        let slot = (random_u64() % u64::from(slots)) as u32;
        let block = (pool | (slot << 8), u32::MAX << 8);
        debug_assert_eq!(block.0 & prefix, pool);
        if taken.iter().any(|t| blocks_overlap(*t, block)) {
            continue;
        }
        if !handed_out.lock().unwrap().insert(block.0) {
            continue;
        }
        return Subnet { addr: Ipv4Addr::from(block.0) };
    }
    panic!(
        "free_subnet: no free /24 left in {}/{} (is the daemon full of leftover test networks?)",
        SUBNET_POOL.0, SUBNET_POOL.1
    )
}

/// The list filter for everything labelled as topology `name` (`dockernet.topology=<name>`).
pub fn topology_filter(name: &str) -> std::collections::BTreeMap<String, dockernet_core::options::StringList> {
    let label = format!("{}={name}", dockernet_core::topology::LABEL);
    std::collections::BTreeMap::from([("label".to_string(), dockernet_core::options::StringList(vec![label]))])
}

/// Names of the networks and containers (without the daemon's `/`) labelled as topology `name`:
/// what a test checks is gone after a destroy.
pub fn topology_objects(c: &BlockingClient, name: &str) -> (Vec<String>, Vec<String>) {
    let nets = c.network_ls(&ListOptions { filters: topology_filter(name) }).expect("network ls");
    let ctrs = c.container_ls(&ContainerListOptions { all: true, filters: topology_filter(name) }).expect("container ls");
    (
        nets.iter().map(|d| d.str_field("Name")).collect(),
        ctrs.iter().map(|d| ContainerRef::from_summary(d).name).collect(),
    )
}

/// A random, aligned IPv4 block `10.x.y.0/<prefix>` inside [`SUBNET_POOL`] for a topology's
/// `pool`: it overlaps no network on the daemon and no host route, and this process has not handed
/// it (or any block overlapping it) out as a pool before. A topology allocates its subnets inside
/// it, so parallel topology tests never compete for addresses (tests that also take
/// [`free_subnet`]s should not rely on this). `prefix` lies between 13 and 24.
pub fn free_pool(prefix: u8) -> String {
    assert!((SUBNET_POOL.1..=24).contains(&prefix), "free_pool: /{prefix} does not fit in /{}", SUBNET_POOL.1);
    static HANDED_OUT: OnceLock<Mutex<Vec<(u32, u32)>>> = OnceLock::new();
    let handed_out = HANDED_OUT.get_or_init(Default::default);
    let c = client();
    let (pool, _) = v4_block(SUBNET_POOL.0, SUBNET_POOL.1);
    let slots = 1u32 << (prefix - SUBNET_POOL.1);
    let mask = u32::MAX << (32 - u32::from(prefix));
    // A large block (a /16 is one of 8) may have none free while other tests hold small subnets
    // scattered over the pool: wait for them to finish, bounded, before giving up.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let mut taken = daemon_blocks(&c);
        taken.extend(host_route_blocks());
        for _ in 0..10_000 {
            let slot = (random_u64() % u64::from(slots)) as u32;
            let block = (pool | (slot << (32 - u32::from(prefix))), mask);
            if taken.iter().any(|t| blocks_overlap(*t, block)) {
                continue;
            }
            let mut handed = handed_out.lock().unwrap();
            if handed.iter().any(|h| blocks_overlap(*h, block)) {
                continue;
            }
            handed.push(block);
            return format!("{}/{prefix}", Ipv4Addr::from(block.0));
        }
        if std::time::Instant::now() > deadline {
            panic!("free_pool: no free /{prefix} left in {}/{} for 90 s", SUBNET_POOL.0, SUBNET_POOL.1)
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

/// A random IPv6 ULA /64 (`fdxx:…::/64`) in the daemon's canonical spelling (so it compares
/// equal to what inspect returns); collisions are astronomically unlikely.
pub fn free_subnet6() -> String {
    let r = random_u64();
    let g = |shift: u32| ((r >> shift) & 0xffff) as u16;
    let addr = std::net::Ipv6Addr::new(0xfd00 | (r & 0xff) as u16, g(8), g(24), g(40), 0, 0, 0, 0);
    format!("{addr}/64")
}

/// True for the answer a subnet race produces: dockernet's own check ("subnet … overlaps subnet
/// … of network …") or the daemon's ("Pool overlaps with other one on this address space").
pub fn is_overlap(e: &Error) -> bool {
    e.kind() == ErrorKind::Conflict && e.message().to_ascii_lowercase().contains("overlaps")
}

/// Calls `attempt` with fresh subnets until it does not fail with an overlap (see [`is_overlap`]):
/// what makes parallel tests on one daemon harmless to each other. Other results are returned.
pub fn retry_subnet<T>(mut attempt: impl FnMut(Subnet) -> Result<T>) -> Result<T> {
    let mut last = None;
    for _ in 0..20 {
        match attempt(free_subnet()) {
            Err(e) if is_overlap(&e) => last = Some(e),
            other => return other,
        }
    }
    Err(last.expect("at least one attempt"))
}

/// `network_prune`, waiting (up to ~10 s) while another prune on the daemon is running: the daemon
/// runs one prune at a time and answers 409 "a prune operation is already running" to the rest,
/// which parallel test processes on one daemon do meet.
pub fn prune_networks(c: &BlockingClient, opts: &PruneOptions) -> Result<Vec<String>> {
    for _ in 0..100 {
        match c.network_prune(opts) {
            Err(e) if e.kind() == ErrorKind::Conflict && e.message().contains("already running") => {
                std::thread::sleep(std::time::Duration::from_millis(100))
            }
            other => return other,
        }
    }
    c.network_prune(opts)
}

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The built `dockernet` binary: `$CARGO_TARGET_DIR/debug/dockernet` or
/// `<workspace>/target/debug/dockernet`. Panics when it has not been built.
pub fn dockernet_bin() -> PathBuf {
    let root = workspace_root();
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        }
        _ => root.join("target"),
    };
    let bin = target.join("debug").join(format!("dockernet{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.is_file(), "the dockernet binary is not at {}: run cargo build --workspace first", bin.display());
    bin
}

/// A finished command as the docker-CLI oracle tests compare it: its exit status (-1 when a
/// signal ended it) and its output as text.
#[derive(Debug)]
pub struct Ran {
    /// The exit status.
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `cmd` with no standard input, collecting its output.
pub fn run_cmd(mut cmd: std::process::Command) -> Ran {
    use std::process::Stdio;
    let program = format!("{:?}", cmd.get_program());
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let o = cmd.output().unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    Ran {
        status: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// `target/debug/dockernet ARGS…`.
pub fn run_dockernet(args: &[&str]) -> Ran {
    let mut cmd = std::process::Command::new(dockernet_bin());
    cmd.args(args);
    run_cmd(cmd)
}

/// `docker ARGS…`: the oracle (a missing docker CLI fails the test).
pub fn run_docker(args: &[&str]) -> Ran {
    let mut cmd = std::process::Command::new("docker");
    cmd.args(args);
    run_cmd(cmd)
}

/// How a command exited and what it printed, shown whole in assertion messages.
pub struct Out {
    /// The exit status (`None` when a signal ended it).
    pub code: Option<i32>,
    /// Standard output, as text.
    pub stdout: String,
    /// Standard error, as text.
    pub stderr: String,
}

impl From<std::process::Output> for Out {
    fn from(out: std::process::Output) -> Out {
        Out {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {:?}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Destroys topology `name` by label and says what is wrong: the destroy's error, or what it
/// left on the daemon; `None` when nothing of it is left.
pub fn destroy_topology(c: &BlockingClient, name: &str) -> Option<String> {
    let destroyed = c.topology_destroy_by_name(name);
    let (nets, ctrs) = topology_objects(c, name);
    match destroyed {
        Err(e) => Some(format!("destroy {name}: {e}")),
        Ok(_) if !nets.is_empty() || !ctrs.is_empty() => {
            Some(format!("{name}: left behind networks {nets:?}, containers {ctrs:?}"))
        }
        Ok(_) => None,
    }
}

/// Reports a clean-up problem from a `Drop`: a panic, or only a message when the thread is
/// already panicking (a second panic would abort and hide the first).
pub fn report_cleanup(what: &str, problem: Option<String>) {
    if let Some(p) = problem {
        if std::thread::panicking() {
            eprintln!("{what}: {p}");
        } else {
            panic!("{what}: {p}");
        }
    }
}

/// Adds `dockernet.test=<tag>` to the `labels` of an option table (keeping the caller's labels).
pub fn with_label(mut opts: Value, tag: &str) -> Value {
    if opts.is_null() {
        opts = json!({});
    }
    let obj = opts.as_object_mut().expect("options must be a JSON object");
    let labels = obj.entry("labels").or_insert_with(|| json!({}));
    match labels {
        Value::Object(m) => {
            m.insert(LABEL.to_string(), json!(tag));
        }
        Value::Array(a) => a.push(json!(format!("{LABEL}={tag}"))),
        other => panic!("labels must be a table or a list, not {other}"),
    }
    opts
}

/// Owns what one test creates on the daemon and removes it on drop — containers first (forced),
/// then networks — even when the test panics. Anything else labelled with the guard's tag is
/// swept up too, so an object the test made but forgot to track does not survive either.
pub struct Guard {
    client: BlockingClient,
    tag: String,
    counter: AtomicUsize,
    networks: Mutex<Vec<String>>,
    containers: Mutex<Vec<String>>,
}

impl Guard {
    /// A guard for one test; `scenario` is a short word that appears in every name it hands out.
    pub fn new(scenario: &str) -> Guard {
        Guard {
            client: client(),
            tag: unique(scenario),
            counter: AtomicUsize::new(0),
            networks: Mutex::new(Vec::new()),
            containers: Mutex::new(Vec::new()),
        }
    }

    /// The client this test uses.
    pub fn client(&self) -> &BlockingClient {
        &self.client
    }

    /// This test's label value (also the stem of every name it hands out).
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// `dockernet.test=<tag>`, as a `label` filter value.
    pub fn label_filter(&self) -> String {
        format!("{LABEL}={}", self.tag)
    }

    /// `{"dockernet.test": "<tag>"}`.
    pub fn labels(&self) -> Value {
        json!({ LABEL: self.tag })
    }

    /// A fresh name for this test: `<tag>-<what>-<n>`. Every name starts with [`Guard::tag`].
    pub fn name(&self, what: &str) -> String {
        format!("{}-{what}-{}", self.tag, self.counter.fetch_add(1, Ordering::Relaxed))
    }

    /// Records a network (name or id) to remove on drop.
    pub fn track_network(&self, name_or_id: &str) {
        self.networks.lock().unwrap().push(name_or_id.to_string());
    }

    /// Records a container (name or id) to remove on drop.
    pub fn track_container(&self, name_or_id: &str) {
        self.containers.lock().unwrap().push(name_or_id.to_string());
    }

    /// Creates a tracked, labelled network named `<tag>-<what>-<n>` with options given as the
    /// bindings give them (unknown keys rejected). Panics on failure.
    pub fn network(&self, what: &str, opts: Value) -> NetworkRef {
        let name = self.name(what);
        self.try_network(&name, opts).unwrap_or_else(|e| panic!("setup: cannot create network {name}: {e}"))
    }

    /// Like [`Guard::network`] with a name chosen by the caller, returning the error.
    pub fn try_network(&self, name: &str, opts: Value) -> Result<NetworkRef> {
        let opts: CreateOptions = from_value(with_label(opts, &self.tag), &format!("network create {name:?}"))?;
        self.track_network(name);
        self.client.network_create(name, &opts)
    }

    /// Creates a tracked network on a free /24: `opts` receives the subnet and returns the options
    /// (so gateways, ranges and static addresses can be placed in it). Retries on overlap.
    pub fn network_with_subnet(&self, what: &str, opts: impl Fn(Subnet) -> Value) -> (NetworkRef, Subnet) {
        let name = self.name(what);
        retry_subnet(|s| self.try_network(&name, opts(s)).map(|n| (n, s)))
            .unwrap_or_else(|e| panic!("setup: cannot create network {name}: {e}"))
    }

    /// Runs a tracked, labelled container `<tag>-<what>-<n>` from [`TEST_IMAGE`] (which sleeps
    /// forever unless `command` says otherwise). `opts` are run options as the bindings give them.
    pub fn container(&self, what: &str, opts: Value) -> ContainerRef {
        let name = self.name(what);
        self.try_container(&name, opts).unwrap_or_else(|e| panic!("setup: cannot run container {name}: {e}"))
    }

    /// Like [`Guard::container`] with a name chosen by the caller, returning the error.
    pub fn try_container(&self, name: &str, opts: Value) -> Result<ContainerRef> {
        let mut opts = with_label(opts, &self.tag);
        let obj = opts.as_object_mut().expect("object");
        obj.entry("image").or_insert_with(|| json!(TEST_IMAGE));
        obj.insert("name".into(), json!(name));
        let opts: RunOptions = from_value(opts, &format!("container run {name:?}"))?;
        self.track_container(name);
        self.client.container_run(&opts)
    }

    /// Networks and containers on the daemon whose name starts with this guard's tag or that
    /// carry its label, by id: what the guard would have to clean up.
    pub fn leftovers(&self) -> (Vec<String>, Vec<String>) {
        let nets: Vec<String> = self
            .client
            .network_ls(&ListOptions::default())
            .expect("network ls")
            .iter()
            .map(dockernet_core::Document::to_value)
            .filter(|d| {
                d["Name"].as_str().is_some_and(|n| n.starts_with(&self.tag))
                    || d["Labels"][LABEL].as_str() == Some(self.tag.as_str())
            })
            // By id: when the code under test lets a duplicate name through, a name would be
            // ambiguous and the duplicates would outlive the test.
            .map(|d| d["Id"].as_str().unwrap_or_default().to_string())
            .collect();
        let ctrs: Vec<String> = self
            .client
            .container_ls(&ContainerListOptions { all: true, ..Default::default() })
            .expect("container ls")
            .iter()
            .map(dockernet_core::Document::to_value)
            .filter(|d| {
                d["Names"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .any(|n| n.trim_start_matches('/').starts_with(&self.tag))
                    || d["Labels"][LABEL].as_str() == Some(self.tag.as_str())
            })
            .map(|d| d["Id"].as_str().unwrap_or_default().to_string())
            .collect();
        (nets, ctrs)
    }

    fn cleanup(&self) -> Vec<String> {
        let mut failures = Vec::new();
        let ok_or_missing = |r: Result<()>| match r {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
        let (extra_nets, extra_ctrs) = self.leftovers();
        let mut ctrs = std::mem::take(&mut *self.containers.lock().unwrap());
        ctrs.extend(extra_ctrs);
        for c in &ctrs {
            if let Err(e) = ok_or_missing(self.client.container_rm(c, &RemoveOptions { force: true })) {
                failures.push(format!("container {c}: {e}"));
            }
        }
        let mut nets = std::mem::take(&mut *self.networks.lock().unwrap());
        nets.extend(extra_nets);
        for n in &nets {
            if let Err(e) = ok_or_missing(self.client.network_rm(n)) {
                failures.push(format!("network {n}: {e}"));
            }
        }
        failures
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let failures = self.cleanup();
        if failures.is_empty() {
            return;
        }
        let report = format!("Guard {}: could not clean up:\n  {}", self.tag, failures.join("\n  "));
        if std::thread::panicking() {
            eprintln!("{report}");
        } else {
            panic!("{report}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Block overlap agrees on the shorter mask, both ways round.
    #[test]
    fn block_overlap() {
        let a = v4_block(Ipv4Addr::new(10, 200, 0, 0), 13);
        let b = v4_block(Ipv4Addr::new(10, 203, 7, 0), 24);
        let c = v4_block(Ipv4Addr::new(10, 208, 0, 0), 24);
        assert!(blocks_overlap(a, b) && blocks_overlap(b, a));
        assert!(!blocks_overlap(a, c));
    }

    /// Names are unique and carry the prefix.
    #[test]
    fn unique_names() {
        let (a, b) = (unique("x"), unique("x"));
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("dnt-x-{}-", std::process::id())));
    }

    /// IPv6 subnets come out canonical, as inspect prints them.
    #[test]
    fn subnet6_is_canonical() {
        for _ in 0..1000 {
            let s = free_subnet6();
            let net: ipnet::Ipv6Net = s.parse().unwrap();
            assert_eq!(net.to_string(), s);
            assert_eq!(net.trunc(), net);
        }
    }

    /// Labels are added to a table or a list of `k=v` strings.
    #[test]
    fn label_is_added() {
        assert_eq!(with_label(json!({}), "t")["labels"][LABEL], json!("t"));
        assert_eq!(with_label(json!({"labels": ["a=b"]}), "t")["labels"][1], json!("dockernet.test=t"));
    }
}
