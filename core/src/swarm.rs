//! Swarm membership — init, join, leave, inspect, nodes — the engine Docker uses for networks that
//! span hosts (overlay).
//!
//! A `network create --driver overlay` only works on a swarm manager, and standalone containers
//! join an overlay only when it is `attachable`; see `network.rs` for those refusals. This file
//! only moves a daemon in and out of a swarm and reads what the swarm says about itself.
//!
//! The daemon's answers here are 503s with prose ("This node is already part of a swarm", "This
//! node is not part of a swarm", "This node is not a swarm manager"); they are classified in
//! [`crate::error::Error::from_daemon`] and re-worded here so a script is told what to do next.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::Client;
use crate::document::Document;
use crate::error::{Error, ErrorKind, Result};
use crate::options::StringList;

/// Options of `swarm init`, named after the docker CLI's flags.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InitOptions {
    /// The address other nodes reach this one at (`10.99.0.1` or `10.99.0.1:2377`). Needed when
    /// the host has several addresses.
    pub advertise_addr: Option<String>,
    /// Where the manager listens (`0.0.0.0:2377` by default).
    pub listen_addr: Option<String>,
    /// Address for data traffic (VXLAN), if not the advertised one.
    pub data_path_addr: Option<String>,
    /// Pools overlay subnets are allocated from (`10.20.0.0/16`); the daemon's default is
    /// `10.0.0.0/8`.
    pub default_addr_pool: StringList,
    /// Prefix length of each allocated overlay subnet (24 by default; sent with the pools, since the
    /// daemon's allocator fails on a pool without a size).
    pub subnet_size: Option<u32>,
    /// Start a new single-manager cluster from this node's state.
    pub force_new_cluster: bool,
    /// Labels of the swarm (its spec's `Labels`; a topology marks a swarm it formed this way).
    pub labels: crate::options::StringMap,
}

/// Options of `swarm join`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JoinOptions {
    /// Managers to contact (`10.99.0.1:2377`).
    pub remote_addrs: StringList,
    /// The worker or manager token from the manager's `swarm inspect`.
    pub join_token: String,
    /// The address other nodes reach this one at.
    pub advertise_addr: Option<String>,
    /// Where this node listens (`0.0.0.0:2377` by default).
    pub listen_addr: Option<String>,
    /// Address for data traffic (VXLAN).
    pub data_path_addr: Option<String>,
}

/// Options of `swarm leave`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeaveOptions {
    /// Leave even as the last manager (the swarm is lost).
    pub force: bool,
}

/// Where a daemon stands in a swarm, from `GET /info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwarmState {
    /// `inactive`, `pending`, `active`, `error` or `locked`.
    pub local_node_state: String,
    /// This node's id in the swarm (empty when inactive).
    pub node_id: String,
    /// True on a manager.
    pub control_available: bool,
    /// The swarm's id (empty when inactive or on a worker).
    pub cluster_id: String,
    /// The address this node advertises.
    pub node_addr: String,
}

impl SwarmState {
    /// True when the daemon is an active member of a swarm.
    pub fn is_active(&self) -> bool {
        self.local_node_state == "active"
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InitBody<'a> {
    listen_addr: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    advertise_addr: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_path_addr: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    default_addr_pool: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    subnet_size: Option<u32>,
    force_new_cluster: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    spec: Option<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct JoinBody<'a> {
    listen_addr: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    advertise_addr: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_path_addr: Option<&'a str>,
    remote_addrs: &'a [String],
    join_token: &'a str,
}

const DEFAULT_LISTEN: &str = "0.0.0.0:2377";

/// The prefix length of overlay subnets cut from `default_addr_pool`, as the docker CLI's default.
const DEFAULT_SUBNET_SIZE: u32 = 24;

impl Client {
    /// Makes this daemon the first manager of a new swarm; returns its node id.
    ///
    /// Errors: `conflict` when it is in a swarm already; `invalid` for a bad address or pool.
    pub async fn swarm_init(&self, opts: &InitOptions) -> Result<String> {
        let op = "swarm init";
        for (i, pool) in opts.default_addr_pool.0.iter().enumerate() {
            crate::address::parse_subnet(&format!("default_addr_pool[{}]", i + 1), pool).map_err(|e| e.context(op))?;
        }
        if let Some(size) = opts.subnet_size {
            if !(1..=32).contains(&size) {
                return Err(Error::invalid(format!("{op}: subnet_size {size} is not a prefix length (1-32)")));
            }
        }
        let body = InitBody {
            listen_addr: opts.listen_addr.as_deref().unwrap_or(DEFAULT_LISTEN),
            advertise_addr: opts.advertise_addr.as_deref(),
            data_path_addr: opts.data_path_addr.as_deref(),
            default_addr_pool: &opts.default_addr_pool.0,
            // Docker's allocator dies with "invalid pools size: 0" when pools come without a size
            // (the docker CLI always sends 24 with --default-addr-pool): so do we.
            subnet_size: opts.subnet_size.or((!opts.default_addr_pool.is_empty()).then_some(DEFAULT_SUBNET_SIZE)),
            force_new_cluster: opts.force_new_cluster,
            spec: (!opts.labels.is_empty()).then(|| serde_json::json!({"Labels": opts.labels.0})),
        };
        let v = self.post_json("/swarm/init", &serde_json::to_value(&body)?).await.map_err(|e| swarm_error(e, op))?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Joins the swarm whose managers are `remote_addrs`, with a join token.
    ///
    /// Errors: `invalid` without an address or token; `conflict` when already in a swarm.
    pub async fn swarm_join(&self, opts: &JoinOptions) -> Result<()> {
        let op = "swarm join";
        if opts.remote_addrs.is_empty() {
            return Err(Error::invalid(format!("{op}: remote_addrs is empty (give a manager's address, e.g. \"10.99.0.1:2377\")")));
        }
        if opts.join_token.trim().is_empty() {
            return Err(Error::invalid(format!(
                "{op}: join_token is empty (read it from the manager: docker.swarm.inspect().JoinTokens.Worker)"
            )));
        }
        let body = JoinBody {
            listen_addr: opts.listen_addr.as_deref().unwrap_or(DEFAULT_LISTEN),
            advertise_addr: opts.advertise_addr.as_deref(),
            data_path_addr: opts.data_path_addr.as_deref(),
            remote_addrs: &opts.remote_addrs.0,
            join_token: &opts.join_token,
        };
        self.post_json("/swarm/join", &serde_json::to_value(&body)?).await.map(|_| ()).map_err(|e| swarm_error(e, op))
    }

    /// Leaves the swarm (`force` to leave as the last manager).
    ///
    /// Errors: `conflict` when not in a swarm, or when the last manager leaves without `force`.
    pub async fn swarm_leave(&self, opts: &LeaveOptions) -> Result<()> {
        let path = format!("/swarm/leave?force={}", opts.force);
        self.post_json(&path, &Value::Object(Default::default())).await.map(|_| ()).map_err(|e| swarm_error(e, "swarm leave"))
    }

    /// The swarm's document (`ID`, `Spec`, `JoinTokens` with the worker and manager tokens, …),
    /// as the daemon sends it. Only a manager can answer.
    pub async fn swarm_inspect(&self) -> Result<Document> {
        self.get_doc("/swarm").await.map_err(|e| swarm_error(e, "swarm inspect"))
    }

    /// The swarm's nodes (documents as the daemon sends them). Only a manager can answer.
    pub async fn swarm_nodes(&self) -> Result<Vec<Document>> {
        self.get_docs("/nodes").await.map_err(|e| swarm_error(e, "swarm nodes"))
    }

    /// Where this daemon stands in a swarm (from `GET /info`; any daemon answers).
    pub async fn swarm_state(&self) -> Result<SwarmState> {
        let info: crate::daemon::InfoFacts =
            self.get_doc("/info").await.and_then(|d| d.fields()).map_err(|e| e.context("swarm state"))?;
        let s = info.swarm;
        Ok(SwarmState {
            local_node_state: s.local_node_state,
            node_id: s.node_id,
            control_available: s.control_available,
            cluster_id: s.cluster.id,
            node_addr: s.node_addr,
        })
    }
}

impl Client {
    /// A network lookup that failed with `not_found`, looked at again on a swarm worker.
    ///
    /// Why: a swarm-scoped network created on a manager stays unknown to a worker's daemon until
    /// a container on that worker uses it (Docker materialises it on first attach), so an exact
    /// lookup there finds nothing although `docker run --network NAME` would work: the daemon
    /// asks a manager. On a worker the name is therefore passed through for an attach (`run`,
    /// `connect`), the daemon resolves it with the manager, and refuses it if it does not exist.
    /// Anywhere else the original error stands. `Ok`: pass the name through.
    pub(crate) async fn swarm_network_on_worker(&self, e: Error) -> Result<()> {
        if e.kind() != ErrorKind::NotFound || !self.is_swarm_worker().await {
            return Err(e);
        }
        Ok(())
    }

    /// A `not_found` from `network inspect`/`get`, explained on a swarm worker (see
    /// [`Client::swarm_network_on_worker`]): the network may exist in the swarm all the same.
    pub(crate) async fn explain_missing_network(&self, e: Error) -> Error {
        if e.kind() != ErrorKind::NotFound || !self.is_swarm_worker().await {
            return e;
        }
        e.note(
            "this daemon is a swarm worker: a swarm-scoped network created on a manager becomes visible here only \
             once a container on this host uses it (run or connect one with the network's name), and is always \
             visible on a manager",
        )
    }

    async fn is_swarm_worker(&self) -> bool {
        self.swarm_state().await.is_ok_and(|s| s.is_active() && !s.control_available)
    }
}

/// Adds what to do to the daemon's answers about swarm-scoped networks: an overlay on a daemon in
/// no swarm, a swarm network created on a worker, a standalone container on a non-attachable
/// overlay. Other errors pass unchanged.
pub(crate) fn network_hint(e: Error) -> Error {
    let m = e.message().to_ascii_lowercase();
    if m.contains("not a swarm manager. use \"docker swarm init\"") {
        return e.with_kind(ErrorKind::Forbidden).note(
            "this daemon is not in a swarm: overlay (swarm-scoped) networks need one; run swarm init on this daemon \
             (docker.swarm.init() in Lua, client.swarm.init() in Python) or join it to a swarm",
        );
    }
    if m.contains("multi-host network from a worker") {
        return e.note("this daemon is a swarm worker: create swarm-scoped networks on a manager");
    }
    if m.contains("not manually attachable") {
        return e.with_kind(ErrorKind::Forbidden).note(
            "standalone containers can join an overlay only when it was created attachable (attachable=true); \
             recreate the network with it, or attach through a swarm service",
        );
    }
    e
}

/// Re-words the daemon's swarm answers: what the state is and what to do.
fn swarm_error(e: Error, op: &str) -> Error {
    let m = e.message().to_ascii_lowercase();
    let (kind, hint) = if m.contains("already part of a swarm") {
        (ErrorKind::Conflict, "this daemon is already in a swarm; leave it first (docker.swarm.leave{force=true})")
    } else if m.contains("not part of a swarm") || m.contains("use \"docker swarm init\"") {
        (ErrorKind::Conflict, "this daemon is not in a swarm; run docker.swarm.init() or join one")
    } else if m.contains("not a swarm manager") {
        (ErrorKind::Forbidden, "this daemon is a swarm worker; ask a manager")
    } else if m.contains("remove the last manager") || m.contains("last manager") {
        (ErrorKind::Conflict, "this is the swarm's last manager; leave with force=true to give up the swarm")
    } else {
        return e.context(op);
    };
    let message = format!("{op}: {hint} (daemon: {})", e.message());
    match e.status() {
        Some(code) => Error::new(kind, message).with_status(code),
        None => Error::new(kind, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The daemon's answers about overlays become forbidden errors that say what to do.
    #[test]
    fn overlay_traps_say_what_to_do() {
        let e = network_hint(Error::from_daemon(500, "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again."));
        assert_eq!((e.kind(), e.status()), (ErrorKind::Forbidden, Some(500)));
        assert!(e.message().contains("this daemon is not in a swarm"), "{e}");
        let e = network_hint(Error::from_daemon(500, "Could not attach to network ov: rpc error: code = PermissionDenied desc = network ov not manually attachable"));
        assert_eq!(e.kind(), ErrorKind::Forbidden);
        assert!(e.message().contains("attachable=true"), "{e}");
        let e = network_hint(Error::from_daemon(403, "Cannot create a multi-host network from a worker node. Please create the network from a manager node."));
        assert_eq!(e.kind(), ErrorKind::Forbidden);
        assert!(e.message().contains("on a manager"), "{e}");
        let other = Error::from_daemon(404, "network x not found");
        assert_eq!(network_hint(other.clone()), other);
    }

    /// The daemon's swarm prose becomes a kind and a next step.
    #[test]
    fn swarm_answers_say_what_to_do() {
        let e = swarm_error(Error::from_daemon(503, "This node is already part of a swarm. Use \"docker swarm leave\" to leave this swarm and join another one."), "swarm init");
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert_eq!(e.status(), Some(503));
        assert!(e.message().starts_with("swarm init: this daemon is already in a swarm"), "{e}");
        let e = swarm_error(Error::from_daemon(503, "This node is not part of a swarm"), "swarm leave");
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert!(e.message().contains("docker.swarm.init()"), "{e}");
        let e = swarm_error(Error::from_daemon(503, "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager."), "swarm inspect");
        assert_eq!(e.kind(), ErrorKind::Forbidden);
        // A daemon in no swarm says "not a swarm manager" too, with a different next step.
        let e = swarm_error(Error::from_daemon(503, "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again."), "swarm nodes");
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert!(e.message().contains("not in a swarm"), "{e}");
    }

    /// The init body carries Docker's keys and leaves out what was not given.
    #[test]
    fn init_body_shape() {
        let pools = vec!["10.20.0.0/16".to_string()];
        let b = InitBody {
            listen_addr: DEFAULT_LISTEN,
            advertise_addr: Some("10.99.0.1"),
            data_path_addr: None,
            default_addr_pool: &pools,
            subnet_size: Some(24),
            force_new_cluster: false,
            spec: None,
        };
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            serde_json::json!({"ListenAddr": "0.0.0.0:2377", "AdvertiseAddr": "10.99.0.1",
                "DefaultAddrPool": ["10.20.0.0/16"], "SubnetSize": 24, "ForceNewCluster": false})
        );
    }
}
