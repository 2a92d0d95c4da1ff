//! Link impairment: delay, jitter, loss, rate, corrupt, duplicate and reorder on the interface a
//! container has on one network — set live, read back, cleared, and re-applied after a restart.
//!
//! **What is set.** One root qdisc on the container's interface for that network, always with
//! dockernet's own handle [`HANDLE`] (`d0c:`): `netem` when any of delay, jitter, corrupt,
//! duplicate or reorder is asked for (carrying loss and rate too), and otherwise — loss and rate
//! alone — an `htb` tree: a class with the rate, and a class that drops (a `pfifo` of length 0)
//! fed by a classic-BPF filter that picks each packet with the loss's probability. Why not netem
//! for those too: netem is a module many kernels leave out (this project's CI kernel has no
//! `CONFIG_NET_SCH_NETEM`), while htb and the BPF classifier are nearly always there, so the
//! two most common impairments work everywhere. Only a root qdisc with that handle is ever
//! changed or removed: an
//! interface whose root qdisc someone else set (any handle other than `d0c:` and the kernel's
//! default `0:`) is refused with a `conflict` naming it, and other interfaces are never looked at.
//! (pumba's first teardown replaced whatever root qdisc it found and briefly cut all traffic.)
//!
//! **How it gets there.** The interface is found by its MAC address (from the container's inspect
//! document) among the links of the container's network namespace, and `tc` runs inside that
//! namespace: `nsenter --net=/proc/PID/ns/net tc …` with the host's own `tc` (iproute2), so the
//! image needs no tools. That needs the daemon on this machine (its containers' processes visible
//! in `/proc`), and root. For a daemon on another host, set `DOCKERNET_TC_IMAGE` to an image that
//! has `tc` (such as `nicolaka/netshoot`, already pulled on that daemon): dockernet then runs each
//! `tc` command in a short-lived helper container that shares the target's network namespace
//! (`--network container:<id> --cap-add NET_ADMIN`) and removes it. Without either, the error
//! says so.
//!
//! **Surviving restarts.** A restart gives a container a new network namespace, and the qdiscs go
//! with the old one (docker-tc's open complaint). What was asked is recorded, and [`Client::
//! impair_reapply`] puts it back:
//! - a live change ([`Client::impair_apply`], [`Client::impair_clear`]) is recorded in the state
//!   directory on the host (`$DOCKERNET_STATE_DIR`, default `/var/lib/dockernet`, file
//!   `impair/<container id>.json`) — Docker cannot change a container's labels after create;
//! - a container may declare its impairment when it is created, in the label [`LABEL`]
//!   (`{"wan": {"delay": "40ms"}}`), as a topology does; a recorded live change wins over it.
//!
//! Who calls `reapply`: `dockernet impair --follow` (it watches the daemon's `start` events and
//! re-applies each restarted container's record), a topology's apply and heal, or a script after
//! it restarts a container. Nothing in the daemon does it by itself.
//!
//! What does not live here: the `link:` keys of a topology (the topology engine calls these
//! functions) and measuring the effect (verify's ping run).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::host::Endpoint;

/// The handle of every qdisc dockernet sets: the only root qdisc it ever changes or removes.
pub const HANDLE: &str = "d0c:";

/// The container label that declares an impairment at create time: a JSON object from network
/// name to impairment (`{"wan": {"delay": "40ms", "loss": "1%"}}`).
pub const LABEL: &str = "dockernet.impair";

/// The environment variable naming the directory where live impairments are recorded.
pub const STATE_DIR_ENV: &str = "DOCKERNET_STATE_DIR";

/// The environment variable naming an image with `tc`, for daemons whose containers' network
/// namespaces this machine cannot enter (see the file notes).
pub const TC_IMAGE_ENV: &str = "DOCKERNET_TC_IMAGE";

/// The longest delay or jitter accepted: an hour (a lab link slower than that is a mistake).
const MAX_TIME: Duration = Duration::from_secs(3600);

/// The keys an impairment has, in the order messages list them.
pub const KEYS: [&str; 7] = ["delay", "jitter", "loss", "rate", "corrupt", "duplicate", "reorder"];

/// A link's impairment, typed: each field unset (`None`) or a validated value. Read from text as
/// tc writes it (`"40ms"`, `"1%"`, `"10mbit"`) with [`Impairment::from_value`], shown the same
/// way by [`fmt::Display`] and [`Impairment::to_map`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Impairment {
    /// Added one-way delay on what the container sends on this link.
    pub delay: Option<Duration>,
    /// Random variation of the delay (netem's jitter); needs `delay`.
    pub jitter: Option<Duration>,
    /// Share of packets dropped, in percent (0–100).
    pub loss: Option<f64>,
    /// Bandwidth limit in bits per second.
    pub rate: Option<u64>,
    /// Share of packets with a flipped bit, in percent.
    pub corrupt: Option<f64>,
    /// Share of packets sent twice, in percent.
    pub duplicate: Option<f64>,
    /// Share of packets sent at once, ahead of the delayed ones, in percent; needs `delay`.
    pub reorder: Option<f64>,
}

/// What scripts and topology files give: each key a string (`"40ms"`) or, for the percentages,
/// a number (`1` is 1 %). Unknown keys are refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    delay: Option<Text>,
    jitter: Option<Text>,
    loss: Option<Text>,
    rate: Option<Text>,
    corrupt: Option<Text>,
    duplicate: Option<Text>,
    reorder: Option<Text>,
}

/// A string, or a number kept apart (only the percentages take numbers).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Text {
    Number(f64),
    String(String),
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Text::Number(n) => write!(f, "{n}"),
            Text::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl Impairment {
    /// Reads an impairment from a value (a Lua table, Python kwargs, a topology's `link:`),
    /// refusing unknown keys and bad values. `what` names whose it is in messages (`impair
    /// "box" on "wan"`, `nodes.client.networks.wan.link`).
    ///
    /// # Errors
    /// `invalid`, naming the key and the value: `impair: option delay: expected a time with a
    /// unit (s, ms, us) such as "40ms", got "40"`.
    ///
    /// ```
    /// # use dockernet_core::impair::Impairment;
    /// let i = Impairment::from_value(serde_json::json!({"delay": "40ms", "loss": 1}), "link").unwrap();
    /// assert_eq!(i.to_string(), "delay 40ms loss 1%");
    /// let e = Impairment::from_value(serde_json::json!({"delay": "soon"}), "link").unwrap_err();
    /// assert!(e.message().contains("delay") && e.message().contains("soon"));
    /// ```
    pub fn from_value(v: Value, what: &str) -> Result<Impairment> {
        let raw: Raw = crate::options::from_value(v, what)?;
        Impairment::from_raw(raw, what)
    }

    /// Reads an impairment from any serde deserializer (a Lua table through mlua), as
    /// [`Impairment::from_value`].
    pub fn from_deserializer<'de, D: serde::Deserializer<'de>>(d: D, what: &str) -> Result<Impairment> {
        let raw: Raw = crate::options::from_deserializer(d, what)?;
        Impairment::from_raw(raw, what)
    }

    /// Reads `key=value` pairs (the CLI's flags), as [`Impairment::from_value`].
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, what: &str) -> Result<Impairment> {
        let mut map = serde_json::Map::new();
        for (k, v) in pairs {
            map.insert(k.to_string(), Value::String(v.to_string()));
        }
        Impairment::from_value(Value::Object(map), what)
    }

    fn from_raw(raw: Raw, what: &str) -> Result<Impairment> {
        let bad = |key: &str, v: &Text, expected: &str| {
            Error::invalid(format!("{what}: option {key}: expected {expected}, got {v}"))
        };
        let time = |key: &str, v: &Option<Text>| -> Result<Option<Duration>> {
            let Some(v) = v else { return Ok(None) };
            let expected = "a time with a unit (s, ms, us) such as \"40ms\", at most 1h";
            match v {
                Text::String(s) => parse_time(s).map(Some).ok_or_else(|| bad(key, v, expected)),
                Text::Number(_) => Err(bad(key, v, expected)),
            }
        };
        let percent = |key: &str, v: &Option<Text>| -> Result<Option<f64>> {
            let Some(v) = v else { return Ok(None) };
            let expected = "a percentage from 0 to 100 such as \"1%\" or 1";
            let p = match v {
                Text::Number(n) => Some(*n),
                Text::String(s) => s.trim().strip_suffix('%').and_then(|n| n.trim().parse::<f64>().ok()),
            };
            match p {
                Some(p) if p.is_finite() && (0.0..=100.0).contains(&p) => Ok(Some(p)),
                _ => Err(bad(key, v, expected)),
            }
        };
        let rate = match &raw.rate {
            None => None,
            Some(v @ Text::String(s)) => Some(parse_rate(s).ok_or_else(|| {
                bad("rate", v, "a rate with a unit (bit, kbit, mbit, gbit; bps, kbps, mbps are bytes) such as \"10mbit\"")
            })?),
            Some(v) => return Err(bad("rate", v, "a rate with a unit such as \"10mbit\"")),
        };
        let i = Impairment {
            delay: time("delay", &raw.delay)?,
            jitter: time("jitter", &raw.jitter)?,
            loss: percent("loss", &raw.loss)?,
            rate,
            corrupt: percent("corrupt", &raw.corrupt)?,
            duplicate: percent("duplicate", &raw.duplicate)?,
            reorder: percent("reorder", &raw.reorder)?,
        };
        let no_delay = i.delay.is_none_or(|d| d.is_zero());
        if i.jitter.is_some_and(|j| !j.is_zero()) && no_delay {
            return Err(Error::invalid(format!(
                "{what}: option jitter: {} needs a delay to vary (set delay too)",
                fmt_time(i.jitter.unwrap_or_default())
            )));
        }
        if i.reorder.is_some_and(|r| r > 0.0) && no_delay {
            return Err(Error::invalid(format!(
                "{what}: option reorder: {} needs a delay (reordered packets are the ones sent without it; set \
                 delay too)",
                fmt_percent(i.reorder.unwrap_or_default())
            )));
        }
        if i.rate == Some(0) {
            return Err(Error::invalid(format!("{what}: option rate: must be more than 0 bit/s, got \"0bit\"")));
        }
        Ok(i)
    }

    /// True when nothing is asked for: applying it clears the link.
    pub fn is_empty(&self) -> bool {
        self.to_map().is_empty()
    }

    /// True when only loss and rate are asked for: set with htb and a BPF filter, no netem (see
    /// the file notes).
    fn htb_only(&self) -> bool {
        Impairment { rate: None, loss: None, ..self.clone() }.is_empty()
    }

    /// The keys that are set, as text (`{"delay": "40ms", "loss": "1%"}`), zero values left out.
    pub fn to_map(&self) -> BTreeMap<&'static str, String> {
        let mut m = BTreeMap::new();
        let mut time = |k, v: Option<Duration>| {
            if let Some(v) = v.filter(|v| !v.is_zero()) {
                m.insert(k, fmt_time(v));
            }
        };
        time("delay", self.delay);
        time("jitter", self.jitter);
        for (k, v) in [("loss", self.loss), ("corrupt", self.corrupt), ("duplicate", self.duplicate), ("reorder", self.reorder)] {
            if let Some(v) = v.filter(|v| *v > 0.0) {
                m.insert(k, fmt_percent(v));
            }
        }
        if let Some(r) = self.rate {
            m.insert("rate", fmt_rate(r));
        }
        m
    }

    /// The impairment as a JSON object of texts (what the record and the label hold).
    pub fn to_value(&self) -> Value {
        let m = self.to_map();
        Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), Value::String(v))).collect())
    }

    /// True when `other` sets the same keys to the same values, within what the kernel rounds:
    /// 1 % of a rate or a time (htb stores 333333bit as 333328bit), 0.01 points of a percentage.
    pub fn matches(&self, other: &Impairment) -> bool {
        let t = |a: Option<Duration>, b: Option<Duration>| {
            let (a, b) = (a.unwrap_or_default().as_secs_f64(), b.unwrap_or_default().as_secs_f64());
            (a - b).abs() <= a.max(b) * 0.01 + 1e-6
        };
        let p = |a: Option<f64>, b: Option<f64>| (a.unwrap_or(0.0) - b.unwrap_or(0.0)).abs() < 0.01;
        let r = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => (a as f64 - b as f64).abs() <= (a.max(b) as f64) * 0.01,
            _ => false,
        };
        t(self.delay, other.delay)
            && t(self.jitter, other.jitter)
            && p(self.loss, other.loss)
            && r(self.rate, other.rate)
            && p(self.corrupt, other.corrupt)
            && p(self.duplicate, other.duplicate)
            && p(self.reorder, other.reorder)
    }

    /// The `tc` commands (arguments after `tc`) that set this impairment on `dev`, where no
    /// dockernet qdisc is: netem's one qdisc, or the htb tree (see the file notes).
    pub fn tc_commands(&self, dev: &str) -> Vec<Vec<String>> {
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<String>>();
        if self.is_empty() {
            return vec![];
        }
        if !self.htb_only() {
            let mut a = words(&format!("qdisc add dev {dev} root handle {HANDLE}"));
            a.extend(self.netem_args());
            return vec![a];
        }
        // Unclassified packets go to class 1 (the rate) or, without a rate, straight out
        // (htb's `default 0`: not shaped at all).
        let default = if self.rate.is_some() { 1 } else { 0 };
        let mut out = vec![words(&format!("qdisc add dev {dev} root handle {HANDLE} htb default {default}"))];
        if let Some(r) = self.rate {
            out.push(words(&format!("class add dev {dev} parent {HANDLE} classid {HANDLE}1 htb rate {r}bit quantum 60000")));
        }
        if let Some(loss) = self.loss.filter(|l| *l > 0.0) {
            out.push(words(&format!("class add dev {dev} parent {HANDLE} classid {HANDLE}2 htb rate 100gbit quantum 60000")));
            out.push(words(&format!("qdisc add dev {dev} parent {HANDLE}2 handle {DROP_HANDLE} pfifo limit 0")));
            let mut f = words(&format!("filter add dev {dev} parent {HANDLE} protocol all prio 1 handle 1 bpf bytecode"));
            f.push(loss_bytecode(loss));
            f.extend(words(&format!("classid {HANDLE}2")));
            out.push(f);
        }
        out
    }

    /// netem's arguments for this impairment (`netem delay 50000us 5000us loss 1% …`).
    fn netem_args(&self) -> Vec<String> {
        let mut a: Vec<String> = vec!["netem".into()];
        let us = |d: Duration| format!("{}us", d.as_micros());
        if let Some(d) = self.delay.filter(|d| !d.is_zero()) {
            a.extend(["delay".into(), us(d)]);
            if let Some(j) = self.jitter.filter(|j| !j.is_zero()) {
                a.push(us(j));
            }
        }
        for (k, v) in [("loss", self.loss), ("corrupt", self.corrupt), ("duplicate", self.duplicate), ("reorder", self.reorder)] {
            if let Some(v) = v.filter(|v| *v > 0.0) {
                a.extend([k.to_string(), format!("{v}%")]);
            }
        }
        if let Some(r) = self.rate {
            a.extend(["rate".into(), format!("{r}bit")]);
        }
        a
    }
}

/// The handle of the dropping `pfifo` in dockernet's htb tree.
const DROP_HANDLE: &str = "d0d:";

/// The largest random number classic BPF's `ld rand` gives.
const RAND_MAX: f64 = u32::MAX as f64;

/// The classic-BPF program (tc's `bytecode` text) that sends a packet to the dropping class with
/// probability `loss` %: `ld rand; jgt T → return -1 (the filter's class); return 0 (no match)`.
/// `ld rand` is the ancillary load `SKF_AD_OFF + SKF_AD_RANDOM` (-4096 + 56).
fn loss_bytecode(loss: f64) -> String {
    let threshold = ((1.0 - loss / 100.0) * RAND_MAX).floor().clamp(0.0, RAND_MAX) as u64;
    format!("4,32 0 0 4294963256,37 1 0 {threshold},6 0 0 0,6 0 0 4294967295")
}

/// The loss a program of [`loss_bytecode`] drops (its threshold read back), in percent.
fn loss_of_threshold(threshold: u64) -> f64 {
    let p = (1.0 - threshold as f64 / RAND_MAX) * 100.0;
    (p * 10_000.0).round() / 10_000.0
}

impl fmt::Display for Impairment {
    /// `delay 40ms jitter 5ms loss 1% rate 10mbit` (keys in [`KEYS`] order), or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.to_map();
        if m.is_empty() {
            return f.write_str("none");
        }
        let parts: Vec<String> = KEYS.iter().filter_map(|k| m.get(k).map(|v| format!("{k} {v}"))).collect();
        f.write_str(&parts.join(" "))
    }
}

impl Serialize for Impairment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_map().serialize(s)
    }
}

/// `40ms`, `1.5s`, `500us`, `0` → a duration (whole microseconds, as tc keeps them).
fn parse_time(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" => 1e6,
        "ms" | "msec" | "msecs" => 1e3,
        "us" | "usec" | "usecs" | "µs" => 1.0,
        _ => return None,
    };
    let us = n * scale;
    if !us.is_finite() || us < 0.0 || us > MAX_TIME.as_micros() as f64 {
        return None;
    }
    Some(Duration::from_micros(us.round() as u64))
}

/// `10mbit`, `1.5gbit`, `100kbps` (bytes) → bits per second.
fn parse_rate(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "bit" => 1.0,
        "kbit" => 1e3,
        "mbit" => 1e6,
        "gbit" => 1e9,
        "tbit" => 1e12,
        "kibit" => 1024.0,
        "mibit" => 1024.0 * 1024.0,
        "gibit" => 1024.0 * 1024.0 * 1024.0,
        "bps" => 8.0,
        "kbps" => 8e3,
        "mbps" => 8e6,
        "gbps" => 8e9,
        _ => return None,
    };
    let bits = n * scale;
    // tc's 64-bit rates are in bytes per second; anything above a petabit is a typo.
    if !bits.is_finite() || !(0.0..=1e15).contains(&bits) {
        return None;
    }
    Some(bits.round() as u64)
}

/// `40ms`, `1s`, `1500us`.
fn fmt_time(d: Duration) -> String {
    let us = d.as_micros();
    if us.is_multiple_of(1_000_000) {
        format!("{}s", us / 1_000_000)
    } else if us.is_multiple_of(1000) {
        format!("{}ms", us / 1000)
    } else {
        format!("{us}us")
    }
}

/// `1%`, `0.25%`.
fn fmt_percent(p: f64) -> String {
    let s = format!("{:.4}", p);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// `10mbit`, `1500kbit`, `333333bit`.
fn fmt_rate(bits: u64) -> String {
    for (scale, unit) in [(1_000_000_000_000, "tbit"), (1_000_000_000, "gbit"), (1_000_000, "mbit"), (1000, "kbit")] {
        if bits >= scale && bits.is_multiple_of(scale) {
            return format!("{}{unit}", bits / scale);
        }
    }
    format!("{bits}bit")
}

/// The root qdisc of one interface, as `tc -j qdisc show` lists it.
#[derive(Debug, Clone, Deserialize)]
struct Qdisc {
    kind: String,
    handle: String,
    #[serde(default)]
    root: bool,
}

/// Reads the impairment a dockernet qdisc sets. netem: the keys of its text line (`delay 40ms
/// 5ms loss 1% rate 10Mbit`); htb: the rate of class `d0c:1` (`tc class show` text) and the loss
/// from the threshold of the BPF filter (`tc -j filter show`).
fn impairment_of(q: &Qdisc, text: &str, classes: &str, filters: &str) -> Impairment {
    let mut i = Impairment::default();
    if q.kind == "htb" {
        let class1 = format!("{HANDLE}1");
        if let Some(line) = classes.lines().find(|l| l.split_whitespace().nth(2) == Some(class1.as_str())) {
            let w: Vec<&str> = line.split_whitespace().collect();
            i.rate = w.iter().position(|x| *x == "rate").and_then(|k| w.get(k + 1)).and_then(|r| parse_rate(r));
        }
        let filters: Vec<Value> = serde_json::from_str(filters.trim()).unwrap_or_default();
        i.loss = filters
            .iter()
            .filter_map(|f| f.pointer("/options/bytecode/insns/1/k").and_then(Value::as_u64))
            .next()
            .map(loss_of_threshold);
        return i;
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut k = 0;
    while k < words.len() {
        let next = words.get(k + 1).copied().unwrap_or_default();
        let pct = || next.strip_suffix('%').and_then(|n| n.parse::<f64>().ok());
        match words[k] {
            "delay" => {
                i.delay = parse_time(next);
                if let Some(j) = words.get(k + 2).and_then(|w| parse_time(w)) {
                    i.jitter = Some(j);
                    k += 1;
                }
            }
            "loss" => {
                // `loss random 1%` on some versions, `loss 1%` on others.
                let w = if next == "random" { words.get(k + 2).copied().unwrap_or_default() } else { next };
                i.loss = w.strip_suffix('%').and_then(|n| n.parse().ok());
            }
            "corrupt" => i.corrupt = pct(),
            "duplicate" => i.duplicate = pct(),
            "reorder" => i.reorder = pct(),
            "rate" => i.rate = parse_rate(next),
            _ => {}
        }
        k += 1;
    }
    i
}

/// The `tc qdisc show` text line of the root qdisc with dockernet's handle.
fn our_line(text: &str) -> &str {
    text.lines().find(|l| l.split_whitespace().nth(2) == Some(HANDLE)).unwrap_or_default()
}

/// How dockernet reaches a container's network namespace.
#[derive(Debug, Clone)]
enum Via {
    /// `nsenter --net=/proc/PID/ns/net` on this machine.
    Host { pid: i64 },
    /// A helper container with this image, sharing the target's network namespace.
    Helper { image: String },
}

/// One container attachment, located: where to run tc and on which interface.
struct Link {
    container_id: String,
    container: String,
    network: String,
    ifname: String,
    via: Via,
}

/// One recorded (or declared) impairment per network; `None` is a recorded clear.
type Record = BTreeMap<String, Option<Value>>;

/// The directory live impairments are recorded in.
fn state_dir() -> PathBuf {
    match std::env::var_os(STATE_DIR_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from("/var/lib/dockernet"),
    }
    .join("impair")
}

fn record_path(container_id: &str) -> PathBuf {
    state_dir().join(format!("{container_id}.json"))
}

fn read_record(container_id: &str) -> Record {
    std::fs::read(record_path(container_id))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn write_record(container_id: &str, network: &str, value: Option<&Impairment>) -> Result<()> {
    let mut rec = read_record(container_id);
    rec.insert(network.to_string(), value.map(Impairment::to_value));
    let path = record_path(container_id);
    let fail = |e: std::io::Error| {
        Error::new(
            ErrorKind::Api,
            format!(
                "the impairment is set, but recording it in {} failed ({e}): it will not come back after a restart \
                 (set {STATE_DIR_ENV} to a writable directory)",
                path.display()
            ),
        )
    };
    std::fs::create_dir_all(state_dir()).map_err(fail)?;
    let tmp = path.with_extension(format!("json.{}", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec_pretty(&rec).unwrap_or_default()).map_err(fail)?;
    std::fs::rename(&tmp, &path).map_err(fail)
}

/// Runs one program and returns its stdout, or its stderr as the error text. Bounded: tc and ip
/// answer in milliseconds; ten seconds means something is stuck.
async fn run(program: &str, args: Vec<String>) -> std::result::Result<String, String> {
    let program = program.to_string();
    let shown = format!("{program} {}", args.join(" "));
    let job = tokio::task::spawn_blocking(move || std::process::Command::new(&program).args(&args).output());
    match tokio::time::timeout(Duration::from_secs(10), job).await {
        Err(_) => Err(format!("`{shown}` did not finish within 10 s")),
        Ok(Err(e)) => Err(format!("`{shown}` could not run: {e}")),
        Ok(Ok(Err(e))) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("`{}` is not installed on this machine", shown.split(' ').next().unwrap_or_default()))
        }
        Ok(Ok(Err(e))) => Err(format!("`{shown}` could not run: {e}")),
        Ok(Ok(Ok(out))) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(Ok(Ok(out))) => {
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            Err(if err.is_empty() { format!("`{shown}` failed ({})", out.status) } else { err })
        }
    }
}

impl Client {
    /// Runs `cmd` (`tc …`, `ip …`) in the network namespace of `target`.
    async fn in_netns(&self, via: &Via, target: &str, cmd: &[&str]) -> std::result::Result<String, String> {
        match via {
            Via::Host { pid } => {
                let mut args = vec![format!("--net=/proc/{pid}/ns/net"), "--".to_string()];
                args.extend(cmd.iter().map(|s| s.to_string()));
                run("nsenter", args).await
            }
            Via::Helper { image } => self.helper_run(image, target, cmd).await.map_err(|e| e.message().to_string()),
        }
    }

    /// Runs one command in a short-lived helper container that shares `target`'s network
    /// namespace, returns its output, and removes it.
    async fn helper_run(&self, image: &str, target: &str, cmd: &[&str]) -> Result<String> {
        let body = json!({
            "Image": image,
            "Entrypoint": [cmd[0]],
            "Cmd": cmd[1..],
            "Labels": {"dockernet.helper": "impair"},
            "HostConfig": {"NetworkMode": format!("container:{target}"), "CapAdd": ["NET_ADMIN"], "AutoRemove": false},
        });
        let created = self.create_container(None, &body).await.map_err(|e| {
            e.context(format!("helper container from {image:?} ({TC_IMAGE_ENV})"))
        })?;
        let id = created.id;
        let result = async {
            self.start_container(&id).await?;
            let code = self.wait_container(&id).await?.status_code.unwrap_or(-1);
            let out = self.container_exec_logs(&id).await?;
            if code == 0 {
                Ok(out.0)
            } else {
                Err(Error::new(ErrorKind::Api, if out.1.trim().is_empty() { out.0 } else { out.1 }.trim().to_string()))
            }
        }
        .await;
        let _ = self.delete(&format!("/containers/{id}?force=1&v=1")).await;
        result
    }

    /// The stdout and stderr a stopped helper wrote (the log stream's 8-byte frames).
    async fn container_exec_logs(&self, id: &str) -> Result<(String, String)> {
        let path = self.versioned(&format!("/containers/{id}/logs?stdout=1&stderr=1")).await?;
        let resp = self.send(&http::Method::GET, &path, None, &[]).await?;
        let answer = self.read_answer(&http::Method::GET, &path, resp).await?;
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut b: &[u8] = &answer.body;
        while b.len() >= 8 {
            let len = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) as usize;
            let end = (8 + len).min(b.len());
            if b[0] == 2 { &mut err } else { &mut out }.extend_from_slice(&b[8..end]);
            b = &b[end..];
        }
        Ok((String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned()))
    }

    /// Finds the container's interface for `network` (a name or id): running, attached, its
    /// namespace reachable, its MAC found there.
    async fn link(&self, container: &str, network: &str) -> Result<Link> {
        let (_, doc) = self.find_container(container).await?;
        let name = doc.name().to_string();
        let container_id = doc.id.clone();
        let nets = doc.endpoints();
        let found = nets.iter().find(|(n, _)| n.as_str() == network).or_else(|| {
            nets.iter().find(|(_, ep)| network.len() >= 12 && ep.network_id.starts_with(network))
        });
        let Some((net_name, ep)) = found else {
            let on: Vec<&String> = nets.keys().collect();
            return Err(Error::not_found(format!(
                "container {name:?} is not connected to network {network:?} (it is on {on:?})"
            )));
        };
        let mac = ep.mac_address.as_deref().unwrap_or_default().to_ascii_lowercase();
        let pid = doc.state.pid;
        if !doc.state.running || pid <= 0 {
            return Err(Error::conflict(format!(
                "container {name:?} is not running: a link impairment lives in its network namespace, which exists \
                 only while it runs (start it, then impair or reapply)"
            )));
        }
        if mac.is_empty() {
            return Err(Error::new(
                ErrorKind::Api,
                format!("container {name:?} has no MAC address on network {net_name:?} (driver without one?)"),
            ));
        }
        let via = self.via(pid)?;
        let links = self
            .in_netns(&via, &container_id, &["ip", "-j", "link", "show"])
            .await
            .map_err(|e| self.netns_error(&name, &via, &e))?;
        #[derive(Deserialize)]
        struct IpLink {
            ifname: String,
            #[serde(default)]
            address: String,
        }
        let links: Vec<IpLink> = serde_json::from_str(links.trim()).map_err(|e| {
            Error::new(ErrorKind::Api, format!("`ip -j link show` in container {name:?} gave unexpected output: {e}"))
        })?;
        let Some(l) = links.iter().find(|l| l.address.to_ascii_lowercase() == mac) else {
            return Err(Error::new(
                ErrorKind::Unavailable,
                format!(
                    "no interface with MAC {mac} (network {net_name:?}) in the network namespace of container \
                     {name:?} (pid {pid}): is the daemon on another machine, or in another pid namespace? Set \
                     {TC_IMAGE_ENV} to an image with tc to go through a helper container"
                ),
            ));
        };
        Ok(Link { container_id, container: name, network: net_name.clone(), ifname: l.ifname.clone(), via })
    }

    /// How to reach containers' namespaces from here (see the file notes).
    fn via(&self, pid: i64) -> Result<Via> {
        if let Ok(image) = std::env::var(TC_IMAGE_ENV) {
            if !image.trim().is_empty() {
                return Ok(Via::Helper { image: image.trim().to_string() });
            }
        }
        let local = matches!(self.host().endpoint, Endpoint::Unix(_));
        if !local || !std::path::Path::new(&format!("/proc/{pid}/ns/net")).exists() {
            return Err(Error::new(
                ErrorKind::Unavailable,
                format!(
                    "link impairment enters the container's network namespace from the daemon's host, and the daemon \
                     at {} is not on this machine (its container's pid {pid} is not in /proc here); set {TC_IMAGE_ENV} \
                     to an image that has tc (such as nicolaka/netshoot, present on that daemon) to go through a \
                     helper container instead",
                    self.host().url
                ),
            ));
        }
        Ok(Via::Host { pid })
    }

    fn netns_error(&self, container: &str, via: &Via, e: &str) -> Error {
        let hint = match via {
            Via::Host { .. } if e.contains("Operation not permitted") || e.contains("Permission denied") => {
                "; entering another network namespace needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)"
            }
            Via::Host { .. } if e.contains("not installed") => {
                "; link impairment needs nsenter (util-linux) and tc, ip (iproute2) on the daemon's host"
            }
            _ => "",
        };
        Error::new(ErrorKind::Unavailable, format!("cannot reach the network namespace of container {container:?}: {e}{hint}"))
    }

    /// Runs `tc ARGS` in the link's namespace and returns its output.
    async fn tc_out(&self, link: &Link, args: &[&str]) -> Result<String> {
        let mut cmd = vec!["tc"];
        cmd.extend_from_slice(args);
        self.in_netns(&link.via, &link.container_id, &cmd)
            .await
            .map_err(|e| self.netns_error(&link.container, &link.via, &e))
    }

    /// The root qdisc of the link's interface, and — when it is dockernet's — what it sets.
    async fn read_root(&self, link: &Link) -> Result<(Option<Qdisc>, Option<Impairment>)> {
        let dev = link.ifname.as_str();
        let json = self.tc_out(link, &["-j", "qdisc", "show", "dev", dev]).await?;
        let list: Vec<Qdisc> = serde_json::from_str(json.trim()).map_err(|e| {
            Error::new(ErrorKind::Api, format!("`tc -j qdisc show dev {dev}` gave unexpected output: {e}"))
        })?;
        let root = list.into_iter().find(|q| q.root);
        let ours = match root.as_ref().filter(|q| q.handle == HANDLE) {
            None => None,
            Some(q) if q.kind == "htb" => {
                let classes = self.tc_out(link, &["class", "show", "dev", dev]).await?;
                let filters = self.tc_out(link, &["-j", "filter", "show", "dev", dev, "parent", HANDLE]).await?;
                Some(impairment_of(q, "", &classes, &filters))
            }
            Some(q) => {
                let text = self.tc_out(link, &["qdisc", "show", "dev", dev]).await?;
                Some(impairment_of(q, our_line(&text), "", ""))
            }
        };
        Ok((root, ours))
    }

    async fn tc(&self, link: &Link, args: &[String]) -> Result<()> {
        let mut cmd = vec!["tc"];
        cmd.extend(args.iter().map(String::as_str));
        self.in_netns(&link.via, &link.container_id, &cmd).await.map(|_| ()).map_err(|e| {
            if e.contains("qdisc kind is unknown") {
                Error::new(
                    ErrorKind::Unavailable,
                    format!(
                        "the kernel of the daemon's host has no {} qdisc (tc said: {e}); {}",
                        args.iter().find(|a| *a == "netem" || *a == "htb" || *a == "pfifo").map_or("netem", String::as_str),
                        if args.iter().any(|a| a == "netem") {
                            "delay, jitter, corrupt, duplicate and reorder need netem (CONFIG_NET_SCH_NETEM, module \
                             sch_netem); loss and rate alone work without it"
                        } else {
                            "loss and rate need htb (CONFIG_NET_SCH_HTB) and the BPF classifier (CONFIG_NET_CLS_BPF)"
                        }
                    ),
                )
            } else {
                Error::new(ErrorKind::Api, format!("`{}` failed: {e}", cmd.join(" ")))
            }
        })
    }

    /// Applies on a located link; refuses an interface whose root qdisc is someone else's.
    async fn set_link(&self, link: &Link, imp: &Impairment) -> Result<()> {
        let (root, previous) = self.read_root(link).await?;
        let dev = link.ifname.clone();
        if let Some(q) = root.as_ref().filter(|q| q.handle != HANDLE && q.handle != "0:") {
            return Err(Error::conflict(format!(
                "{dev} of container {:?} (network {:?}) already has a root qdisc dockernet did not set ({} {}); \
                 dockernet changes only its own ({HANDLE}): remove that one first",
                link.container, link.network, q.kind, q.handle
            )));
        }
        let ours = root.as_ref().filter(|q| q.handle == HANDLE);
        let mut commands = imp.tc_commands(&dev);
        if ours.is_some_and(|q| q.kind == "netem") && !imp.htb_only() {
            // netem changes in place (no moment without the impairment).
            commands[0][1] = "replace".into();
        } else if ours.is_some() {
            // The kernel checks the handle too: this never removes another root qdisc.
            let del = format!("qdisc del dev {dev} root handle {HANDLE}");
            self.tc(link, &del.split_whitespace().map(str::to_string).collect::<Vec<_>>()).await?;
        }
        let replaced = commands.first().is_some_and(|c| c[1] == "replace");
        for (k, c) in commands.iter().enumerate() {
            if let Err(e) = self.tc(link, c).await {
                if k > 0 {
                    // Half a tree is worse than none.
                    let del = format!("qdisc del dev {dev} root handle {HANDLE}");
                    let _ = self.tc(link, &del.split_whitespace().map(str::to_string).collect::<Vec<_>>()).await;
                }
                // What was there before was removed to make room: put it back.
                let restore = match previous.as_ref().filter(|_| !replaced) {
                    Some(p) if !p.is_empty() => {
                        let mut ok = true;
                        for c in p.tc_commands(&dev) {
                            ok = ok && self.tc(link, &c).await.is_ok();
                        }
                        Some(ok)
                    }
                    _ => None,
                };
                return Err(match restore {
                    Some(true) => e.note(format!("the previous impairment ({}) is still in place", previous.unwrap_or_default())),
                    Some(false) => e.note("the previous impairment could not be restored: the link is now unimpaired"),
                    None => e,
                });
            }
        }
        Ok(())
    }

    /// Sets `imp` on `container`'s interface for `network` (replacing what dockernet set there
    /// before; an empty impairment clears it) and records it so [`Client::impair_reapply`] can put
    /// it back after a restart.
    ///
    /// # Errors
    /// `not_found` (no such container, not on that network), `conflict` (not running, or the
    /// interface has a root qdisc dockernet did not set), `unavailable` (the namespace cannot be
    /// reached from here, or the kernel lacks netem), `api` (tc failed).
    pub async fn impair_apply(&self, container: &str, network: &str, imp: &Impairment) -> Result<()> {
        let ctx = format!("impair {container:?} on {network:?}");
        async {
            let link = self.link(container, network).await?;
            self.set_link(&link, imp).await?;
            write_record(&link.container_id, &link.network, if imp.is_empty() { None } else { Some(imp) })?;
            self.forget_removed().await;
            Ok(())
        }
        .await
        .map_err(|e: Error| e.context(&ctx))
    }

    /// Removes what dockernet set on `container`'s interface for `network` (nothing else), and
    /// records that the link is clear (a label's declaration is not re-applied after it).
    pub async fn impair_clear(&self, container: &str, network: &str) -> Result<()> {
        self.impair_apply(container, network, &Impairment::default()).await
    }

    /// What dockernet's qdisc on `container`'s interface for `network` sets now, read from the
    /// kernel (`None`: nothing).
    pub async fn impair_read(&self, container: &str, network: &str) -> Result<Option<Impairment>> {
        let ctx = format!("impair read {container:?} on {network:?}");
        async {
            let link = self.link(container, network).await?;
            Ok(self.read_root(&link).await?.1)
        }
        .await
        .map_err(|e: Error| e.context(&ctx))
    }

    /// What is asked for `container`, per network name: its label's declaration, overridden by
    /// the recorded live changes (a recorded clear removes the network).
    pub async fn impair_wanted(&self, container: &str) -> Result<BTreeMap<String, Impairment>> {
        let (_, doc) = self.find_container(container).await?;
        let name = doc.name();
        let mut rec: Record = match doc.label(LABEL) {
            Some(text) => serde_json::from_str::<BTreeMap<String, Value>>(text)
                .map_err(|e| Error::invalid(format!("container {name:?}: label {LABEL}: not a JSON object ({e})")))?
                .into_iter()
                .map(|(k, v)| (k, Some(v)))
                .collect(),
            None => Record::new(),
        };
        rec.extend(read_record(&doc.id));
        let mut out = BTreeMap::new();
        for (net, v) in rec {
            if let Some(v) = v {
                let imp = Impairment::from_value(v, &format!("container {name:?}: impairment of {net:?}"))?;
                if !imp.is_empty() {
                    out.insert(net, imp);
                }
            }
        }
        Ok(out)
    }

    /// Puts back what is asked for `container` (its label and recorded live changes) on every
    /// network where the kernel does not already have it; returns what it set. Call it after a
    /// container restarts (see the file notes for who does).
    pub async fn impair_reapply(&self, container: &str) -> Result<Vec<(String, Impairment)>> {
        let ctx = format!("impair reapply {container:?}");
        async {
            let mut done = Vec::new();
            for (net, imp) in self.impair_wanted(container).await? {
                let link = self.link(container, &net).await?;
                let (_, now) = self.read_root(&link).await?;
                if !now.is_some_and(|n| n.matches(&imp)) {
                    self.set_link(&link, &imp).await?;
                    done.push((net, imp));
                }
            }
            Ok(done)
        }
        .await
        .map_err(|e: Error| e.context(&ctx))
    }

    /// What dockernet's qdisc sets on each network of a running `container` (`None`: nothing),
    /// by network name: what `interfaces()` shows. Networks whose interface cannot be read are
    /// left out.
    pub async fn impair_list(&self, container: &str) -> Result<BTreeMap<String, Option<Impairment>>> {
        let (_, doc) = self.find_container(container).await?;
        let id = doc.id.clone();
        let nets: Vec<String> = doc.endpoints().keys().cloned().collect();
        let mut out = BTreeMap::new();
        for net in nets {
            let link = self.link(&id, &net).await?;
            out.insert(net, self.read_root(&link).await?.1);
        }
        Ok(out)
    }

    /// Removes the records of containers that no longer exist (best effort: records are small,
    /// and a failure here must not fail the impairment that was just set).
    async fn forget_removed(&self) {
        let Ok(dir) = std::fs::read_dir(state_dir()) else { return };
        let files: Vec<(String, PathBuf)> = dir
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let p = e.path();
                let id = p.file_name()?.to_str()?.strip_suffix(".json")?.to_string();
                Some((id, p))
            })
            .collect();
        if files.len() < 2 {
            return;
        }
        let opts = crate::container::ListOptions { all: true, ..Default::default() };
        let Ok(list) = self.container_ls(&opts).await else { return };
        let live: std::collections::BTreeSet<String> = list.iter().map(|d| d.str_field("Id")).collect();
        for (id, path) in files {
            if !live.contains(&id) {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    /// Forgets the record of a container (after it is removed); missing records are fine.
    pub fn impair_forget(container_id: &str) {
        let _ = std::fs::remove_file(record_path(container_id));
    }

    /// True when a live change of `container_id`'s impairment is recorded (see the file notes).
    pub fn impair_recorded(container_id: &str) -> bool {
        record_path(container_id).exists()
    }

    /// Whether link impairment can reach this daemon's containers at all, decided without a
    /// container: the daemon is on this machine (a Unix socket), or [`TC_IMAGE_ENV`] names a
    /// helper image. A topology checks it at plan time, before anything is created.
    ///
    /// # Errors
    /// `unavailable`, saying what to set.
    pub fn impair_possible(&self) -> Result<()> {
        let image = std::env::var(TC_IMAGE_ENV).unwrap_or_default();
        if !image.trim().is_empty() || matches!(self.host().endpoint, Endpoint::Unix(_)) {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Unavailable,
            format!(
                "link impairment enters each container's network namespace from the daemon's host, and the daemon \
                 at {} is not on this machine; set {TC_IMAGE_ENV} to an image that has tc (such as \
                 nicolaka/netshoot, present on that daemon) to go through a helper container instead",
                self.host().url
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imp(v: Value) -> Result<Impairment> {
        Impairment::from_value(v, "link")
    }

    /// Every key reads from tc's units and shows back in canonical form.
    #[test]
    fn keys_parse_and_show() {
        let i = imp(json!({"delay": "40ms", "jitter": "500us", "loss": "1%", "rate": "10mbit", "corrupt": 0.1,
            "duplicate": "0.5%", "reorder": "25%"}))
        .unwrap();
        assert_eq!(i.delay, Some(Duration::from_millis(40)));
        assert_eq!(i.jitter, Some(Duration::from_micros(500)));
        assert_eq!(i.rate, Some(10_000_000));
        assert_eq!(i.to_string(), "delay 40ms jitter 500us loss 1% rate 10mbit corrupt 0.1% duplicate 0.5% reorder 25%");
        assert_eq!(imp(json!({"delay": "1.5s"})).unwrap().to_string(), "delay 1500ms");
        assert_eq!(imp(json!({"rate": "100kbps"})).unwrap().rate, Some(800_000));
        assert_eq!(imp(json!({"rate": "1.5Gbit"})).unwrap().to_string(), "rate 1500mbit");
        assert_eq!(imp(json!({"rate": "333333bit"})).unwrap().to_string(), "rate 333333bit");
        assert!(imp(json!({})).unwrap().is_empty());
        assert!(imp(json!({"delay": "0", "loss": 0})).unwrap().is_empty());
        assert_eq!(imp(json!({})).unwrap().to_string(), "none");
    }

    /// Bad values and unknown keys are `invalid`, naming the key and the value.
    #[test]
    fn bad_values_name_key_and_value() {
        let cases = [
            (json!({"delay": "40"}), "delay", "\"40\""),
            (json!({"delay": 40}), "delay", "40"),
            (json!({"delay": "2h"}), "delay", "\"2h\""),
            (json!({"delay": "-5ms"}), "delay", "\"-5ms\""),
            (json!({"loss": "101%"}), "loss", "\"101%\""),
            (json!({"loss": "1"}), "loss", "\"1\""),
            (json!({"loss": -1}), "loss", "-1"),
            (json!({"rate": "fast"}), "rate", "\"fast\""),
            (json!({"rate": "10"}), "rate", "\"10\""),
            (json!({"rate": "0bit"}), "rate", "\"0bit\""),
            (json!({"jitter": "5ms"}), "jitter", "5ms"),
            (json!({"reorder": "5%"}), "reorder", "5%"),
            (json!({"dealy": "5ms"}), "dealy", "delay"),
        ];
        for (v, key, shown) in cases {
            let e = imp(v.clone()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Invalid, "{v}");
            assert!(e.message().starts_with("link: "), "{e}");
            assert!(e.message().contains(key) && e.message().contains(shown), "{v}: {e}");
        }
    }

    /// netem carries everything when it must; loss and rate alone make the htb tree.
    #[test]
    fn tc_commands() {
        let lines = |i: &Impairment| i.tc_commands("eth1").iter().map(|c| c.join(" ")).collect::<Vec<_>>();
        let i = imp(json!({"delay": "50ms", "jitter": "5ms", "loss": "1%", "rate": "1mbit"})).unwrap();
        assert_eq!(lines(&i), ["qdisc add dev eth1 root handle d0c: netem delay 50000us 5000us loss 1% rate 1000000bit"]);
        let r = imp(json!({"rate": "64kbit"})).unwrap();
        assert_eq!(
            lines(&r),
            [
                "qdisc add dev eth1 root handle d0c: htb default 1",
                "class add dev eth1 parent d0c: classid d0c:1 htb rate 64000bit quantum 60000"
            ]
        );
        let l = imp(json!({"loss": "30%"})).unwrap();
        let got = lines(&l);
        assert_eq!(got[0], "qdisc add dev eth1 root handle d0c: htb default 0");
        assert_eq!(got[2], "qdisc add dev eth1 parent d0c:2 handle d0d: pfifo limit 0");
        assert_eq!(
            got[3],
            "filter add dev eth1 parent d0c: protocol all prio 1 handle 1 bpf bytecode \
             4,32 0 0 4294963256,37 1 0 3006477106,6 0 0 0,6 0 0 4294967295 classid d0c:2"
        );
        assert_eq!(loss_of_threshold(3006477106), 30.0);
        assert!(imp(json!({})).unwrap().tc_commands("eth1").is_empty());
    }

    #[test]
    fn reads_back_from_tc() {
        let htb: Qdisc = serde_json::from_str(
            r#"{"kind":"htb","handle":"d0c:","root":true,"refcnt":3,"options":{"r2q":10,"default":"0x1"}}"#,
        )
        .unwrap();
        let classes = "class htb d0c:1 root prio 0 rate 333328bit ceil 333328bit burst 1600b cburst 1600b \n\
                       class htb d0c:2 root leaf d0d: prio 0 rate 100Gbit ceil 100Gbit burst 0b cburst 0b";
        let filters = r#"[{"parent":"d0c:","kind":"bpf"},{"parent":"d0c:","kind":"bpf","options":{"bytecode":
            {"length":4,"insns":[{"code":32,"jt":0,"jf":0,"k":4294963256},{"code":37,"jt":1,"jf":0,"k":3006477106}]}}}]"#;
        let got = impairment_of(&htb, "", classes, filters);
        assert_eq!(got.rate, Some(333_328));
        assert_eq!(got.loss, Some(30.0));
        assert!(got.matches(&imp(json!({"rate": "333333bit", "loss": "30%"})).unwrap()));
        assert!(!got.matches(&imp(json!({"rate": "333333bit"})).unwrap()));
        assert!(!got.matches(&imp(json!({"rate": "400kbit", "loss": "30%"})).unwrap()));
        let text = "qdisc netem d0c: root refcnt 2 limit 1000 delay 50ms  5ms loss 1% corrupt 0.1% duplicate 0.5% \
                    reorder 25% rate 10Mbit\nqdisc noqueue 0: dev lo root";
        let line = our_line(text);
        let netem: Qdisc = serde_json::from_str(r#"{"kind":"netem","handle":"d0c:","root":true}"#).unwrap();
        let got = impairment_of(&netem, line, "", "");
        let want = imp(json!({"delay": "50ms", "jitter": "5ms", "loss": "1%", "corrupt": "0.1%", "duplicate": "0.5%",
            "reorder": "25%", "rate": "10mbit"}))
        .unwrap();
        assert!(got.matches(&want), "{got} vs {want}");
        assert!(!got.matches(&imp(json!({"delay": "60ms"})).unwrap()));
    }
}
