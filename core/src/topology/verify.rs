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
//! **Links measured.** Each pair's ping run also gives its round-trip time (min/avg/max, ms) and
//! its loss (%), shown next to the impairments the two ends declare on the network pinged
//! (`link`). An `expect` entry may bound them (`rtt_ms = {min = 80}`, `loss_pct = {max = 5}`) and
//! ask for more echo requests (`count`, at most [`MAX_PING_COUNT`]; 20 when it bounds something
//! and says no count): a pair outside its bounds is a mismatch like a reach mismatch, listed
//! with what was measured. Several echo requests go out 0.2 s apart (`ping -i 0.2`), so 100 take
//! 20 s.
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
use super::spec::{Bounds, Spec, DEFAULT_MEASURE_COUNT, MAX_PING_COUNT};
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
    /// Echo requests per pair (`ping -c`, default 1; 1 to [`MAX_PING_COUNT`], else verify is
    /// refused as `invalid`). An expectation's own `count` wins for its pair.
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// Echo requests sent for this pair (verify's `count`, or the expectation's).
    pub count: u32,
    /// Round-trip times measured, in ms (`None`: no answer, or not measured).
    pub rtt_ms: Option<Rtt>,
    /// Share of echo requests unanswered, in percent (`None`: not measured).
    pub loss_pct: Option<f64>,
    /// The impairments the two ends declare on the network pinged (`client: delay 40ms`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Bounds an expectation puts on `rtt_ms` (its `min` applies to the fastest echo, its `max`
    /// to the average) and where they come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect_rtt_ms: Option<Bounds>,
    /// Bounds an expectation puts on `loss_pct`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect_loss_pct: Option<Bounds>,
    /// The expectation the bounds and count come from (`expect[2]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure_source: Option<String>,
}

/// Round-trip times of one pair's echo requests, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rtt {
    /// The fastest.
    pub min: f64,
    /// The average.
    pub avg: f64,
    /// The slowest.
    pub max: f64,
}

impl Cell {
    /// True when what was measured is within the expectation's bounds (no bounds: true).
    pub fn within_bounds(&self) -> bool {
        let rtt = self.expect_rtt_ms.is_none_or(|b| {
            self.rtt_ms.is_some_and(|r| b.min.is_none_or(|m| r.min >= m) && b.max.is_none_or(|m| r.avg <= m))
        });
        let loss = self.expect_loss_pct.is_none_or(|b| self.loss_pct.is_some_and(|l| b.contains(l)));
        rtt && loss
    }

    /// What was measured beyond reach: `rtt 40.1/41.0/45.2 ms, loss 5% of 20`, or `None`.
    pub fn measured(&self) -> Option<String> {
        let loss = self.loss_pct?;
        let rtt = match self.rtt_ms {
            Some(r) => format!("rtt {:.1}/{:.1}/{:.1} ms, ", r.min, r.avg, r.max),
            None => String::new(),
        };
        Some(format!("{rtt}loss {}% of {}", round2(loss), self.count))
    }

    /// True when the cell is worth a line in the link listing: declared impairments, bounds, or
    /// more than one echo request.
    fn shows_link(&self) -> bool {
        self.link.is_some() || self.expect_rtt_ms.is_some() || self.expect_loss_pct.is_some() || self.count > 1
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
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
                if c.observed == Some(c.expected) && !c.within_bounds() {
                    let mut want = Vec::new();
                    if let Some(b) = c.expect_rtt_ms {
                        want.push(format!("rtt_ms {b}"));
                    }
                    if let Some(b) = c.expect_loss_pct {
                        want.push(format!("loss_pct {b}"));
                    }
                    let src = c.measure_source.as_deref().unwrap_or("expect");
                    let got = c.measured().unwrap_or_else(|| "nothing measured".into());
                    write!(f, ", but expected {} ({src}), measured {got}", want.join(", "))?;
                }
            }
        }
        let links: Vec<&Cell> = self.cells.iter().filter(|c| c.shows_link() && c.name.is_none()).collect();
        if !links.is_empty() {
            write!(f, "\n  links:")?;
            for c in links {
                let on = c.network.as_deref().map(|n| format!(" on {n}")).unwrap_or_default();
                let got = c.measured().unwrap_or_else(|| "not measured".into());
                let declared = c.link.as_deref().map(|l| format!(" (declared: {l})")).unwrap_or_default();
                write!(f, "\n    {} → {}{on}: {got}{declared}", c.from, c.to)?;
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
            let link = declared_links(spec, from, to, r.network.as_deref());
            // The last entry for the pair that bounds the link or asks for a count.
            let measuring = spec.expect.iter().enumerate().rev().find(|(_, e)| {
                e.from == *from && e.to == *to && (e.rtt_ms.is_some() || e.loss_pct.is_some() || e.count.is_some())
            });
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
                count: 1,
                rtt_ms: None,
                loss_pct: None,
                link,
                expect_rtt_ms: measuring.and_then(|(_, e)| e.rtt_ms),
                expect_loss_pct: measuring.and_then(|(_, e)| e.loss_pct),
                measure_source: measuring.map(|(i, _)| format!("expect[{i}]")),
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

/// The impairments `from` and `to` declare on `network`: `client: delay 40ms; server: loss 1%`.
fn declared_links(spec: &Spec, from: &str, to: &str, network: Option<&str>) -> Option<String> {
    let net = network?;
    let parts: Vec<String> =
        [from, to].iter().filter_map(|n| spec.link(n, net).map(|l| format!("{n}: {l}"))).collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// How many echo requests the pair of cell `c` gets: its expectation's `count`, 20 when it
/// bounds rtt or loss without one, else verify's `count` — at most [`MAX_PING_COUNT`].
fn pings_for(spec: &Spec, c: &Cell, default: u32) -> u32 {
    let e = c.measure_source.as_deref().and_then(|s| s.strip_prefix("expect[")?.strip_suffix(']')?.parse::<usize>().ok());
    let n = match e.and_then(|i| spec.expect.get(i)) {
        Some(e) => e.count.unwrap_or(if e.rtt_ms.is_some() || e.loss_pct.is_some() { DEFAULT_MEASURE_COUNT } else { default }),
        None => default,
    };
    n.clamp(1, MAX_PING_COUNT)
}

/// One exec's worth of pings: `R <cell> <0|1> <ping's summary lines>` per target (an address or
/// a name), in batches of 32. Several echo requests go 0.2 s apart.
fn ping_script(targets: &[(usize, String)], count: u32, timeout: u32) -> String {
    let interval = if count > 1 { " -i 0.2" } else { "" };
    let mut s = format!(
        "p() {{ o=$(ping -c {count}{interval} -W {timeout} \"$2\" 2>&1); r=$?; \
         echo \"R $1 $r $(echo \"$o\" | grep -E 'transmitted|min/avg' | tr '\\n' ' ')\"; }}\n"
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
                ["R", i, rc, ..] => Some((i.parse().ok()?, *rc == "0")),
                _ => None,
            }
        })
        .collect()
}

/// What one pair's ping summary says: loss in percent and round-trip times, from busybox
/// (`3 packets transmitted, 2 packets received, 33% packet loss` / `round-trip min/avg/max =
/// 0.1/0.2/0.3 ms`) or iputils (`3 received`, `rtt min/avg/max/mdev = …`). The loss is computed
/// from the counts (ping rounds its percentage).
fn parse_stats(line: &str) -> (Option<f64>, Option<Rtt>) {
    let words: Vec<&str> = line.split_whitespace().collect();
    let num = |w: &str| w.trim_end_matches(',').parse::<f64>().ok();
    // The number before `[packets] transmitted` / `[packets] received`.
    let count_before = |word: &str| {
        let i = words.iter().position(|w| w.starts_with(word))?;
        let j = if i >= 2 && words[i - 1] == "packets" { i - 2 } else { i.checked_sub(1)? };
        num(words[j])
    };
    let (sent, got) = (count_before("transmitted"), count_before("received"));
    let loss = match (sent, got) {
        (Some(s), Some(g)) if s > 0.0 => Some(round2((s - g).max(0.0) / s * 100.0)),
        _ => None,
    };
    let rtt = words.iter().position(|w| w.contains("min/avg/max")).and_then(|i| {
        let vals: Vec<f64> = words.get(i + 2)?.split('/').filter_map(|v| v.parse().ok()).collect();
        (vals.len() >= 3).then(|| Rtt { min: vals[0], avg: vals[1], max: vals[2] })
    });
    (loss, rtt)
}

/// [`parse_stats`] of each result line, by cell.
fn parse_all_stats(out: &str) -> BTreeMap<usize, (Option<f64>, Option<Rtt>)> {
    out.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("R ")?;
            let i: usize = rest.split_whitespace().next()?.parse().ok()?;
            Some((i, parse_stats(rest)))
        })
        .collect()
}

/// Each source node: its container id and its targets (cell index, address).
type Sources = BTreeMap<String, (String, Vec<(usize, String)>)>;

/// Pings from each source (one exec per source, `concurrency` sources at once) and records the
/// result, or why there is none, in the cells.
async fn measure(hosts: &Hosts<'_>, spec: &Spec, cells: &mut [Cell], sources: &Sources, opts: &VerifyOptions) {
    let (count, timeout) = (opts.count.clamp(1, MAX_PING_COUNT), opts.timeout.max(1));
    // Owned work items: a stream over borrowed ones would make the future lose `Send`. Each
    // source pings from its own host's daemon.
    type Work = (String, String, Vec<(usize, String)>, Option<String>, String);
    type Stats = BTreeMap<usize, (Option<f64>, Option<Rtt>)>;
    type Run = (String, std::result::Result<(BTreeMap<usize, bool>, Stats), String>);
    for (_, targets) in sources.values() {
        for (i, _) in targets {
            let n = pings_for(spec, &cells[*i], count);
            cells[*i].count = n;
        }
    }
    let work: Vec<Work> = sources
        .iter()
        .filter(|(_, (_, t))| !t.is_empty())
        .map(|(from, (id, t))| {
            // One script, a part per echo count (pairs that ask for more pings get them).
            let mut by_count: BTreeMap<u32, Vec<(usize, String)>> = BTreeMap::new();
            for (i, target) in t {
                by_count.entry(cells[*i].count).or_default().push((*i, target.clone()));
            }
            let script: String = by_count.iter().map(|(n, ts)| ping_script(ts, *n, timeout)).collect();
            (from.clone(), id.clone(), t.clone(), spec.node_host(from).map(str::to_string), script)
        })
        .collect();
    let runs: Vec<Run> = stream::iter(work)
        .map(|(from, id, targets, host, script)| async move {
            let client = hosts.of(host.as_deref());
            let cmd = Command(vec!["sh".into(), "-c".into(), script]);
            let r = match client.container_exec(&id, &cmd, &ExecOptions::default()).await {
                Ok(out) => {
                    let text = String::from_utf8_lossy(&out.stdout);
                    let res = parse_results(&text);
                    if res.len() < targets.len() {
                        Err(format!(
                            "ping did not run in {from} (exit {}): {}",
                            out.exit_code,
                            String::from_utf8_lossy(&out.stderr).trim()
                        ))
                    } else {
                        Ok((res, parse_all_stats(&text)))
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
            Ok((res, stats)) => {
                for (i, reached) in res {
                    if let Some(c) = cells.get_mut(i) {
                        c.observed = Some(reached);
                        c.error = None;
                        (c.loss_pct, c.rtt_ms) = stats.get(&i).copied().unwrap_or((None, None));
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
        c.ok = c.observed == Some(c.expected) && c.within_bounds();
    }
}

/// Measures the matrix on the daemon.
pub(crate) async fn verify(hosts: &Hosts<'_>, spec: &Spec, opts: &VerifyOptions) -> Result<Verification> {
    // As an expectation's own count is checked: a count out of range is refused, not clamped.
    if opts.count == 0 || opts.count > MAX_PING_COUNT {
        return Err(Error::invalid(format!("verify option count: {} is not from 1 to {MAX_PING_COUNT}", opts.count)));
    }
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
    use crate::topology::diff::tests::spec;

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

    /// Loss and round-trip times come from busybox's and iputils' summaries; bounds from an
    /// expectation decide `ok` and a pair outside them is listed with what was measured.
    #[test]
    fn links_are_measured_against_bounds() {
        let busybox = "0 0 20 packets transmitted, 14 packets received, 30% packet loss round-trip min/avg/max = 0.1/0.2/0.9 ms";
        let (loss, rtt) = parse_stats(busybox);
        assert_eq!(loss, Some(30.0));
        assert_eq!(rtt, Some(Rtt { min: 0.1, avg: 0.2, max: 0.9 }));
        let iputils = "3 1 3 packets transmitted, 1 received, 66.6667% packet loss, time 2003ms rtt min/avg/max/mdev = 50.1/50.2/50.3/0.1 ms";
        assert_eq!(parse_stats(iputils), (Some(66.67), Some(Rtt { min: 50.1, avg: 50.2, max: 50.3 })));
        assert_eq!(parse_stats("5 1 2 packets transmitted, 0 packets received, 100% packet loss").1, None);
        assert_eq!(parse_all_stats(&format!("R {busybox}\nnoise")).len(), 1);
        assert!(ping_script(&[(0, "10.0.0.1".into())], 20, 1).contains("ping -c 20 -i 0.2 -W 1"));

        let s = spec(
            "name: t\nnetworks: {a: {}}\nnodes:\n  x: {image: i, networks: {a: {link: {loss: 30%}}}}\n  \
             y: {image: i, networks: [a]}\nexpect: [{from: x, to: y, loss_pct: {min: 10, max: 50}}, \
             {from: y, to: x, rtt_ms: {min: 80}, count: 5}]\n",
        );
        let mut cells = expected(&s);
        let xy = cells.iter().position(|c| c.from == "x").unwrap();
        assert_eq!(cells[xy].link.as_deref(), Some("x: loss 30%"));
        assert_eq!(cells[xy].expect_loss_pct, Some(Bounds { min: Some(10.0), max: Some(50.0) }));
        assert_eq!(pings_for(&s, &cells[xy], 1), DEFAULT_MEASURE_COUNT);
        let yx = 1 - xy;
        assert_eq!(pings_for(&s, &cells[yx], 1), 5);
        assert!(cells[yx].expected, "an expectation without reach keeps the model's");
        for c in &mut cells {
            c.observed = Some(true);
            c.count = 20;
            c.loss_pct = Some(30.0);
            c.rtt_ms = Some(Rtt { min: 0.1, avg: 0.2, max: 0.9 });
            c.ok = c.observed == Some(c.expected) && c.within_bounds();
        }
        assert!(cells[xy].ok && !cells[yx].ok);
        let v = Verification { topology: "t".into(), nodes: vec!["x".into(), "y".into()], cells };
        let text = v.to_string();
        assert!(
            text.contains("but expected rtt_ms ≥ 80 (expect[1]), measured rtt 0.1/0.2/0.9 ms, loss 30% of 20"),
            "{text}"
        );
        assert!(text.contains("x → y on a: rtt 0.1/0.2/0.9 ms, loss 30% of 20 (declared: x: loss 30%)"), "{text}");
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
