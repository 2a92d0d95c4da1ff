//! Destroy: remove exactly what a topology owns, found by its label, never by name.
//!
//! Containers labelled `dockernet.topology=<name>` go first (forced, concurrently, bounded), then
//! the networks with that label — so a network never fails with "active endpoints" because of
//! the topology's own containers. An unlabelled network or container is never touched, even
//! when its name is exactly one the topology would use (the peers' cleanup that deletes what it
//! did not create is what this file exists to avoid). A labelled network that a foreign
//! container still uses is left in place and reported as a `forbidden` error after everything
//! else was removed. Destroy needs only the topology's name, so it works without the file that
//! declared it.

use std::fmt;

use futures_util::stream::{self, StreamExt};
use serde::Serialize;

use super::spec::LABEL;
use crate::client::Client;
use crate::container::{ListOptions as ContainerListOptions, RemoveOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::network::ListOptions;
use crate::options::StringList;

/// What destroy removed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DestroyReport {
    /// The topology.
    pub topology: String,
    /// Names of the containers removed.
    pub containers: Vec<String>,
    /// Names of the networks removed.
    pub networks: Vec<String>,
    /// Hosts that left the swarm the topology had formed (a lab across hosts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub swarm_left: Vec<String>,
}

impl fmt::Display for DestroyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.containers.is_empty() && self.networks.is_empty() {
            return write!(f, "topology {:?}: nothing to destroy", self.topology);
        }
        write!(
            f,
            "destroyed topology {:?}: {} container{}, {} network{}",
            self.topology,
            self.containers.len(),
            if self.containers.len() == 1 { "" } else { "s" },
            self.networks.len(),
            if self.networks.len() == 1 { "" } else { "s" }
        )
    }
}

fn filters(name: &str) -> std::collections::BTreeMap<String, StringList> {
    let mut f = std::collections::BTreeMap::new();
    f.insert("label".to_string(), StringList(vec![format!("{LABEL}={name}")]));
    f
}

fn ok_if_gone(r: Result<()>) -> Result<()> {
    match r {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

/// Removes everything labelled `dockernet.topology=<name>`: containers, then networks.
pub(crate) async fn destroy(client: &Client, name: &str, concurrency: usize) -> Result<DestroyReport> {
    let mut report = DestroyReport { topology: name.to_string(), ..Default::default() };
    report.containers = containers(client, name, concurrency).await?;
    match networks(client, name, concurrency, false).await {
        Ok(n) => report.networks = n,
        Err(e) if e.kind() == ErrorKind::Forbidden => {
            return Err(Error::new(
                ErrorKind::Forbidden,
                e.message().replacen(": removed ", &format!(": removed {} container(s) and ", report.containers.len()), 1),
            ))
        }
        Err(e) => return Err(e),
    }
    Ok(report)
}

/// Removes the containers labelled `dockernet.topology=<name>` (forced, `concurrency` at a
/// time); returns their names, sorted.
pub(crate) async fn containers(client: &Client, name: &str, concurrency: usize) -> Result<Vec<String>> {
    let ctx = format!("destroy topology {name:?}");
    if name.trim().is_empty() {
        return Err(Error::invalid(format!("{ctx}: the topology name must not be empty")));
    }
    let ctrs = client
        .container_ls(&ContainerListOptions { all: true, filters: filters(name) })
        .await
        .map_err(|e| e.context(&ctx))?;
    let targets: Vec<(String, String)> = ctrs
        .iter()
        .map(|d| {
            let c: crate::daemon::ContainerSummaryFacts = d.fields()?;
            Ok((c.id.clone(), c.name().to_string()))
        })
        .collect::<Result<_>>()
        .map_err(|e: Error| e.context(&ctx))?;
    let results: Vec<(String, Result<()>)> = stream::iter(targets)
        .map(|(id, n)| async move { (n, ok_if_gone(client.container_rm(&id, &RemoveOptions { force: true }).await)) })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut removed = Vec::new();
    let mut failures = Vec::new();
    for (n, r) in results {
        match r {
            Ok(()) => removed.push(n),
            Err(e) => failures.push(e),
        }
    }
    removed.sort();
    if let Some(e) = failures.into_iter().next() {
        return Err(e.context(&ctx).note("the topology's networks were left in place; run destroy again"));
    }
    Ok(removed)
}

/// Removes the networks labelled `dockernet.topology=<name>` once the topology's containers are
/// gone; returns their names, sorted. `skip_swarm`: leave swarm-scoped networks alone (a
/// worker lists them but only the manager removes them). A network a foreign container still
/// uses is left in place: a `forbidden` error names it after everything else was removed.
pub(crate) async fn networks(client: &Client, name: &str, concurrency: usize, skip_swarm: bool) -> Result<Vec<String>> {
    let ctx = format!("destroy topology {name:?}");
    let nets = client.network_ls(&ListOptions { filters: filters(name) }).await.map_err(|e| e.context(&ctx))?;
    let ids: Vec<(String, String)> = nets
        .iter()
        .filter(|d| !(skip_swarm && d.str_field("Scope") == "swarm"))
        .map(|d| (d.str_field("Id"), d.str_field("Name")))
        .collect();
    // Each network: still used by someone (→ left in place, named), removed, or an error.
    let results: Vec<(String, Result<Option<Vec<String>>>)> = stream::iter(ids)
        .map(|(id, net_name)| async move {
            let r = async {
                // The topology's own containers are gone: an endpoint left belongs to someone else.
                let Some(net) = client.network_facts_if_any(&id).await? else { return Ok(None) };
                let users: Vec<String> = net
                    .containers
                    .into_iter()
                    .filter(|(id, _)| !super::state::is_load_balancer(id))
                    .map(|(_, ep)| ep.name)
                    .collect();
                if !users.is_empty() {
                    return Ok(Some(users));
                }
                ok_if_gone(client.remove_network(&id).await.map_err(|e| e.context(format!("network rm {net_name:?}"))))
                    .map(|_| None)
            }
            .await;
            (net_name, r)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let mut removed = Vec::new();
    let mut in_use = Vec::new();
    let mut first_error = None;
    for (net_name, r) in results {
        match r {
            Ok(None) => removed.push(net_name),
            Ok(Some(users)) => in_use.push(format!("{net_name} (used by {})", users.join(", "))),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    removed.sort();
    if !in_use.is_empty() {
        return Err(Error::new(
            ErrorKind::Forbidden,
            format!(
                "{ctx}: removed {} network(s), but left network(s) {} in place: containers the topology does not \
                 own are attached (dockernet never touches them); disconnect them and destroy again",
                removed.len(),
                in_use.join(", ")
            ),
        ));
    }
    if let Some(e) = first_error {
        return Err(e.context(&ctx));
    }
    Ok(removed)
}
