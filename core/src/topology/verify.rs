//! Verify: a reachability matrix, expected against observed.
//!
//! **Expected** comes from the declaration alone (routes.rs's forwarding model: shared networks,
//! routes on both sides, internal networks), overridden by the `expect` list — which can also
//! demand a denial (`reach = false`). **Observed** is measured by exec'ing busybox
//! `ping -c 1 -W 1 <address>` in each node, towards the address of the other node on the network
//! the model chose, so a cell always says which address it tried.
//!
//! In a lab across hosts, each pair on different hosts that shares a network (an overlay) is
//! also pinged **by name** (`ping db`, the node's own alias on every attachment): the address
//! proves the overlay's data path, the name proves the swarm's DNS across hosts. These checks are
//! extra cells after the matrix (`name` set), expected as the address cell of the same pair.
//!
//! Bounded on every axis: only the topology's own running containers ping, only each other's
//! addresses; one exec per source node runs its pings in parallel batches of 32 (a ping waits at
//! most `timeout` seconds); at most `concurrency` sources at once; a pair that contradicts its
//! expectation is measured again (`retries`, default once) before it is reported. A 50-node lab
//! (2,450 pairs) takes seconds, not minutes.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use futures_util::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

use super::hosts::Hosts;
use super::routes::Model;
use super::spec::Spec;
use super::state::observe;
use crate::container::{Command, ExecOptions};
use crate::error::{Error, Result};

/// Options of `verify`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerifyOptions {
    /// Most source nodes pinging at once (default 8).
    pub concurrency: usize,
    /// Seconds each ping waits for an answer (`ping -W`, default 1).
    pub timeout: u32,
    /// Echo requests per pair (`ping -c`, default 1).
    pub count: u32,
    /// How many times a pair that does not behave as expected is measured again before it is
    /// reported (default 1).
    pub retries: u32,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions { concurrency: 8, timeout: 1, count: 1, retries: 1 }
    }
}

/// One ordered pair of nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The node that pings.
    pub from: String,
    /// The node pinged.
    pub to: String,
    /// The network of `to` whose address is pinged.
    pub network: Option<String>,
    /// The address pinged (`None` before apply or when `to` has none).
    pub address: Option<String>,
    /// Whether the ping should succeed.
    pub expected: bool,
    /// Where the expectation comes from: `topology` (the model) or `expect[i]`.
    pub source: String,
    /// Why the model expects what it expects.
    pub why: String,
    /// Whether the ping succeeded (`None`: not measured; see `error`).
    pub observed: Option<bool>,
    /// True when observed equals expected.
    pub ok: bool,
    /// Why the pair could not be measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For a check by name (across hosts): the name pinged instead of an address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A reachability matrix.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The topology.
    pub topology: String,
    /// The nodes, in the matrix's order.
    pub nodes: Vec<String>,
    /// Every ordered pair, row by row.
    pub cells: Vec<Cell>,
}

impl Verification {
    /// True when every pair behaved as expected.
    pub fn ok(&self) -> bool {
        self.cells.iter().all(|c| c.ok)
    }

    /// The pairs that did not.
    pub fn mismatches(&self) -> Vec<&Cell> {
        self.cells.iter().filter(|c| !c.ok).collect()
    }

    /// The cell of one pair (pinged by address).
    pub fn cell(&self, from: &str, to: &str) -> Option<&Cell> {
        self.cells.iter().find(|c| c.from == from && c.to == to && c.name.is_none())
    }

    /// The check by name of one pair (pairs across hosts that share a network), if there is one.
    pub fn by_name(&self, from: &str, to: &str) -> Option<&Cell> {
        self.cells.iter().find(|c| c.from == from && c.to == to && c.name.is_some())
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "reachable"
    } else {
        "unreachable"
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bad = self.mismatches();
        let named = self.cells.iter().filter(|c| c.name.is_some()).count();
        let checks = if named == 0 { String::new() } else { format!(" + {named} by name") };
        write!(
            f,
            "verify {:?}: {} pairs{checks}, {} as expected, {} mismatch{}",
            self.topology,
            self.cells.len() - named,
            self.cells.len() - bad.len(),
            bad.len(),
            if bad.len() == 1 { "" } else { "es" }
        )?;
        // The matrix: yes/no as expected, YES!/NO! where the observation contradicts it.
        let w = self.nodes.iter().map(|n| n.len()).max().unwrap_or(0).max(7);
        write!(f, "\n  {:<w$}", "from\\to")?;
        for n in &self.nodes {
            write!(f, " {:<w$}", n)?;
        }
        for from in &self.nodes {
            write!(f, "\n  {from:<w$}")?;
            for to in &self.nodes {
                let t = match self.cell(from, to) {
                    None => "-",
                    Some(c) => match (c.observed, c.ok) {
                        (None, _) => "?",
                        (Some(true), true) => "yes",
                        (Some(false), true) => "no",
                        (Some(true), false) => "YES!",
                        (Some(false), false) => "NO!",
                    },
                };
                write!(f, " {t:<w$}")?;
            }
        }
        if !bad.is_empty() {
            write!(f, "\n  mismatches:")?;
            for c in bad {
                let target = match (&c.name, &c.address, &c.network) {
                    (Some(name), _, Some(n)) => format!(" (by name {name} on {n})"),
                    (_, Some(a), Some(n)) => format!(" ({a} on {n})"),
                    (_, None, Some(n)) => format!(" (on {n})"),
                    _ => String::new(),
                };
                let observed = match (c.observed, &c.error) {
                    (Some(o), _) => yes_no(o).to_string(),
                    (None, Some(e)) => format!("not measured: {e}"),
                    (None, None) => "not measured".to_string(),
                };
                write!(
                    f,
                    "\n    {} → {}{target}: expected {} ({}, {}), observed {observed}",
                    c.from,
                    c.to,
                    yes_no(c.expected),
                    c.source,
                    c.why
                )?;
            }
        }
        Ok(())
    }
}

/// The expected matrix of a declaration, nothing measured: every ordered pair of distinct
/// nodes, in name order.
pub fn expected(spec: &Spec) -> Vec<Cell> {
    let model = Model::new(spec);
    let mut nodes: Vec<&str> = spec.nodes.names().collect();
    nodes.sort();
    let mut cells = Vec::new();
    for from in &nodes {
        for to in &nodes {
            if from == to {
                continue;
            }
            let r = model.reach(from, to);
            let (expected, source) =
                match spec.expect.iter().enumerate().rev().find(|(_, e)| e.from == *from && e.to == *to && e.reach.is_some()) {
                    Some((i, e)) => (e.reach.unwrap_or(r.reachable), format!("expect[{i}]")),
                    None => (r.reachable, "topology".to_string()),
                };
            cells.push(Cell {
                from: from.to_string(),
                to: to.to_string(),
                network: r.network,
                address: None,
                expected,
                source,
                why: r.why,
                observed: None,
                ok: false,
                error: None,
                name: None,
            });
        }
    }
    cells
}

/// The checks by name of a lab across hosts: a copy of each address cell whose nodes are on
/// different hosts and share the network pinged, with `name` set to the target's node key (an
/// alias on each of its attachments). Node keys are container-name characters, safe in the
/// ping script; anything else is skipped rather than quoted.
fn by_name_cells(spec: &Spec, cells: &[Cell]) -> Vec<Cell> {
    let on = |node: &str, net: &str| spec.nodes.get(node).is_some_and(|n| n.networks.contains(net));
    cells
        .iter()
        .filter(|c| {
            let (a, b) = (spec.node_host(&c.from), spec.node_host(&c.to));
            a.is_some() && b.is_some() && a != b
        })
        .filter(|c| c.network.as_deref().is_some_and(|n| on(&c.from, n) && on(&c.to, n)))
        .filter(|c| c.to.chars().all(|ch| ch.is_ascii_alphanumeric() || "_.-".contains(ch)))
        .map(|c| Cell { name: Some(c.to.clone()), ..c.clone() })
        .collect()
}

/// One exec's worth of pings: `R <cell> <0|1>` per target (an address or a name), in batches
/// of 32.
fn ping_script(targets: &[(usize, String)], count: u32, timeout: u32) -> String {
    let mut s = format!(
        "p() {{ if ping -c {count} -W {timeout} \"$2\" >/dev/null 2>&1; then echo \"R $1 0\"; else echo \"R $1 1\"; fi; }}\n"
    );
    for chunk in targets.chunks(32) {
        for (i, ip) in chunk {
            s.push_str(&format!("p {i} {ip} &\n"));
        }
        s.push_str("wait\n");
    }
    s
}

fn parse_results(out: &str) -> BTreeMap<usize, bool> {
    out.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            match w.as_slice() {
                ["R", i, rc] => Some((i.parse().ok()?, *rc == "0")),
                _ => None,
            }
        })
        .collect()
}

/// Each source node: its container id and its targets (cell index, address).
type Sources = BTreeMap<String, (String, Vec<(usize, String)>)>;

/// Pings from each source (one exec per source, `concurrency` sources at once) and records the
/// result, or why there is none, in the cells.
async fn measure(hosts: &Hosts<'_>, spec: &Spec, cells: &mut [Cell], sources: &Sources, opts: &VerifyOptions) {
    let (count, timeout) = (opts.count.max(1), opts.timeout.max(1));
    // Owned work items: a stream over borrowed ones would make the future lose `Send`. Each
    // source pings from its own host's daemon.
    type Work = (String, String, Vec<(usize, String)>, Option<String>);
    type Run = (String, std::result::Result<BTreeMap<usize, bool>, String>);
    let work: Vec<Work> = sources
        .iter()
        .filter(|(_, (_, t))| !t.is_empty())
        .map(|(from, (id, t))| (from.clone(), id.clone(), t.clone(), spec.node_host(from).map(str::to_string)))
        .collect();
    let runs: Vec<Run> = stream::iter(work)
        .map(|(from, id, targets, host)| async move {
            let client = hosts.of(host.as_deref());
            let cmd = Command(vec!["sh".into(), "-c".into(), ping_script(&targets, count, timeout)]);
            let r = match client.container_exec(&id, &cmd, &ExecOptions::default()).await {
                Ok(out) => {
                    let res = parse_results(&String::from_utf8_lossy(&out.stdout));
                    if res.len() < targets.len() {
                        Err(format!(
                            "ping did not run in {from} (exit {}): {}",
                            out.exit_code,
                            String::from_utf8_lossy(&out.stderr).trim()
                        ))
                    } else {
                        Ok(res)
                    }
                }
                Err(e) => Err(e.message().to_string()),
            };
            (from, r)
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    for (from, r) in runs {
        match r {
            Ok(res) => {
                for (i, reached) in res {
                    if let Some(c) = cells.get_mut(i) {
                        c.observed = Some(reached);
                        c.error = None;
                    }
                }
            }
            Err(e) => {
                for (i, _) in &sources[&from].1 {
                    cells[*i].observed = None;
                    cells[*i].error = Some(e.clone());
                }
            }
        }
    }
    for c in cells.iter_mut() {
        c.ok = c.observed == Some(c.expected);
    }
}

/// Measures the matrix on the daemon.
pub(crate) async fn verify(hosts: &Hosts<'_>, spec: &Spec, opts: &VerifyOptions) -> Result<Verification> {
    let obs = if spec.hosts.is_empty() {
        observe(hosts.of(None), spec, false).await?
    } else {
        super::hosts::survey(spec, hosts, false).await?.merged()
    };
    if !spec.nodes.is_empty() && spec.nodes.names().all(|k| obs.container(spec, k).is_none()) {
        // Said once, not once per pair.
        return Err(Error::not_found(format!(
            "topology {:?} is not applied: none of its {} node{} has a container on the daemon (apply it first: \
             dockernet up FILE, topology:apply())",
            spec.name,
            spec.nodes.len(),
            if spec.nodes.len() == 1 { "" } else { "s" }
        )));
    }
    let mut cells = expected(spec);
    let named = by_name_cells(spec, &cells);
    cells.extend(named);
    // Addresses, and which sources can ping at all.
    let mut sources: Sources = BTreeMap::new();
    for (i, c) in cells.iter_mut().enumerate() {
        let Some(src) = obs.container(spec, &c.from).filter(|s| s.running) else {
            c.error = Some(format!("{} is not running (is the topology applied?)", c.from));
            continue;
        };
        let entry = sources.entry(c.from.clone()).or_insert_with(|| (src.id.clone(), Vec::new()));
        let addr = c.network.as_ref().and_then(|n| {
            obs.container(spec, &c.to)
                .filter(|t| t.running)
                .and_then(|t| t.attachments.get(&spec.network_name(n)))
                .and_then(|a| a.ipv4.clone())
        });
        match addr.as_deref().and_then(|a| a.parse::<IpAddr>().ok()) {
            // By name: pinged only when the address is there too (the target runs, attached).
            Some(_) if c.name.is_some() => entry.1.push((i, c.to.clone())),
            Some(ip) => {
                c.address = addr.clone();
                entry.1.push((i, ip.to_string()));
            }
            None => {
                c.error = Some(format!(
                    "{} has no address on {} (is the topology applied?)",
                    c.to,
                    c.network.as_deref().unwrap_or("any network")
                ))
            }
        }
    }
    measure(hosts, spec, &mut cells, &sources, opts).await;
    // Confirm each mismatch by measuring it again: a single ping can be lost, and Docker 20.10
    // lifts the isolation between networks for a moment whenever any network is created (its
    // `EnsureJumpRule` deletes and re-inserts the FORWARD jump to DOCKER-ISOLATION-STAGE-1).
    for _ in 0..opts.retries {
        let again: Sources = sources
            .iter()
            .map(|(from, (id, targets))| {
                let t = targets.iter().filter(|(i, _)| !cells[*i].ok).cloned().collect();
                (from.clone(), (id.clone(), t))
            })
            .collect();
        if again.values().all(|(_, t)| t.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        measure(hosts, spec, &mut cells, &again, opts).await;
    }
    let mut nodes: Vec<String> = spec.nodes.names().map(str::to_string).collect();
    nodes.sort();
    Ok(Verification { topology: spec.name.clone(), nodes, cells })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::plan::tests::spec;

    /// The expected matrix follows the model, and `expect` entries override it (denials too).
    #[test]
    fn expected_matrix() {
        let s = spec(
            "name: t\nnetworks: {a: {}, b: {}}\nnodes:\n  x: {image: i, networks: [a]}\n  y: {image: i, networks: [a]}\n  \
             z: {image: i, networks: [b]}\nexpect: [{from: x, to: y, reach: false}]\n",
        );
        let cells = expected(&s);
        assert_eq!(cells.len(), 6);
        let xy = cells.iter().find(|c| c.from == "x" && c.to == "y").unwrap();
        assert!(!xy.expected && xy.source == "expect[0]" && xy.why == "shared network a", "{xy:?}");
        let yx = cells.iter().find(|c| c.from == "y" && c.to == "x").unwrap();
        assert!(yx.expected && yx.source == "topology");
        let xz = cells.iter().find(|c| c.from == "x" && c.to == "z").unwrap();
        assert!(!xz.expected && xz.network.as_deref() == Some("b"));
    }

    /// Across hosts, pairs sharing a network (the overlay) get a check by name too; pairs on one
    /// host, or with no network in common, do not.
    #[test]
    fn checks_by_name_across_hosts() {
        let s = spec(
            "name: t\nhosts: {a: {}, b: {host: \"unix:///b.sock\"}}\nnetworks: [span, lb]\nnodes:\n  \
             x: {image: i, host: a, networks: [span]}\n  y: {image: i, host: b, networks: [span, lb]}\n  \
             z: {image: i, host: b, networks: [lb]}\nexpect: [{from: x, to: z, reach: false}]\n",
        );
        let cells = expected(&s);
        let named = by_name_cells(&s, &cells);
        let pairs: Vec<(&str, &str, &str)> =
            named.iter().map(|c| (c.from.as_str(), c.to.as_str(), c.name.as_deref().unwrap())).collect();
        assert_eq!(pairs, [("x", "y", "y"), ("y", "x", "x")]);
        assert!(named.iter().all(|c| c.expected && c.network.as_deref() == Some("span")));
        let mut all = cells.clone();
        all.extend(named);
        for c in &mut all {
            c.observed = Some(c.expected);
            c.ok = true;
        }
        all.last_mut().unwrap().ok = false;
        all.last_mut().unwrap().observed = Some(false);
        let v = Verification { topology: "t".into(), nodes: vec!["x".into(), "y".into(), "z".into()], cells: all };
        assert!(v.cell("y", "x").unwrap().name.is_none() && v.by_name("y", "x").is_some());
        let text = v.to_string();
        assert!(text.contains("6 pairs + 2 by name, 7 as expected, 1 mismatch"), "{text}");
        assert!(text.contains("y → x (by name x on span): expected reachable"), "{text}");
    }

    /// Pings run in batches and report per cell; a mismatch is shown in the matrix and listed.
    #[test]
    fn script_results_and_display() {
        let targets: Vec<(usize, String)> = (0..40).map(|i| (i, format!("10.0.0.{i}"))).collect();
        let s = ping_script(&targets, 1, 1);
        assert_eq!(s.matches("wait").count(), 2);
        assert!(s.contains("p 39 10.0.0.39 &"));
        assert_eq!(parse_results("R 3 0\nR 4 1\nnoise\n"), BTreeMap::from([(3, true), (4, false)]));
        let mut cells = expected(&spec("name: t\nnetworks: {a: {}}\nnodes: {x: {image: i, networks: [a]}, y: {image: i, networks: [a]}}\nexpect: [{from: x, to: y, reach: false}]"));
        for c in &mut cells {
            c.observed = Some(true);
            c.address = Some("10.0.0.9".into());
            c.ok = c.observed == Some(c.expected);
        }
        let v = Verification { topology: "t".into(), nodes: vec!["x".into(), "y".into()], cells };
        assert!(!v.ok());
        let text = v.to_string();
        assert!(text.contains("1 mismatch") && text.contains("YES!"), "{text}");
        assert!(
            text.contains(
                "x → y (10.0.0.9 on a): expected unreachable (expect[0], shared network a), observed reachable"
            ),
            "{text}"
        );
    }
}
