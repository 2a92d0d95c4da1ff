//! Watch: drift reported as it happens — a node container that died or was removed, an
//! attachment disconnected by hand, an impairment lost, a network removed — one [`Change`] per
//! element whose state changed, with what to do; with `heal`, the difference re-applied.
//!
//! How: the daemon's event stream (of every host the topology spans) is opened first, then a
//! full [`Status`] is read; after that, each relevant event (a container of the topology
//! starting, dying, going away; a network of the topology changing; any connect or disconnect)
//! is debounced (300 ms of quiet, at most 3 s) and the status is read again. Only elements whose
//! state or detail differs from the last report are reported. Deriving everything from status —
//! rather than from the events themselves — means a single event never produces noise (a
//! `docker rm -f` emits kill, die, disconnect, destroy: one line), nothing is missed between
//! events (opening the stream before the first status leaves no gap), and every kind of drift
//! status knows (an impairment lost on restart included) is reported without code of its own.
//!
//! Folding: an attachment or route of a node that is missing or drifted as a whole, and an
//! attachment to a network that is missing, is not reported on its own: the node's or the
//! network's line says it.
//!
//! Healing: with [`WatchOptions::heal`], a status that differs is re-applied with the
//! topology's own apply (in-place changes, rollback on failure, the topology's lock), at most
//! [`WatchOptions::retries`] attempts with backoff (1 s, 2 s, 4 s, … at most 30 s), each logged as
//! [`ChangeKind::Heal`] / [`ChangeKind::Healed`] / [`ChangeKind::HealFailed`] records. After the
//! last failed attempt the watch goes on reporting and tries again only once a new event changes
//! the status.
//!
//! A lost stream: when a daemon ends or breaks its event stream (it restarted, or its socket went
//! away), the watch says so in one [`ChangeKind::StreamLost`] line and reopens the stream, at most
//! [`WatchOptions::reconnect`] attempts with backoff (0.5 s, 1 s, 2 s, 4 s, then 5 s each),
//! resuming from the time of the last event it saw (`since`); once reopened, one
//! [`ChangeKind::StreamResumed`] line, and the status is read again (whatever happened while the
//! stream was down shows there, including events the daemon no longer has). Meanwhile no status
//! is read and no heal starts (the daemon would not answer). After the last failed attempt the
//! watch ends with an `unavailable` error saying so.
//!
//! Ending: at `until`, when a lost stream cannot be reopened, or on an [`Interrupt`]: every wait
//! of the watch races it and ends with an `interrupted` error; an apply in flight hears it itself
//! and rolls back (it is never dropped half-way), and the watch then ends too, whatever the
//! apply's outcome.
//!
//! What does not live here: printing (the bindings and the CLI), the notebook table (Python).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::status::{Element, ElementKind, State, Status};
use super::{hosts, ApplyOptions, Progress, ProgressEvent, Topology};
use crate::client::Client;
use crate::daemon::EventFacts;
use crate::document::Document;
use crate::error::{Error, Result};
use crate::events::{parse_duration, EventOptions, TimeArg};
use crate::interrupt::Interrupt;

/// Quiet time after an event before the status is read again (a `docker rm -f` is four events).
pub const DEBOUNCE: Duration = Duration::from_millis(300);
/// The longest a burst of events delays the status read.
const SETTLE_MAX: Duration = Duration::from_secs(3);
/// The longest wait for the next event of a container being removed or restarted.
const TRANSIENT_WAIT: Duration = Duration::from_secs(1);
/// The longest wait between two heal attempts.
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// How long a heal waits for the topology's lock (another `up` running) before the attempt fails.
const HEAL_LOCK_TIMEOUT: f64 = 60.0;
/// How long a status read that finds the daemon unreachable waits for its event stream to end
/// (a daemon restarting) before the watch ends with the read's error.
const LOST_GRACE: Duration = Duration::from_secs(3);
/// The longest wait between two attempts to reopen a lost event stream.
const RECONNECT_BACKOFF_MAX: Duration = Duration::from_secs(5);

/// The container and network actions that can change a topology's status (exec, health and
/// attach events cannot; a verify's pings would otherwise wake the watch once per ping).
const ACTIONS: [&str; 16] = [
    "create", "start", "restart", "die", "stop", "kill", "destroy", "rename", "update", "pause", "unpause", "oom",
    "connect", "disconnect", "remove", "prune",
];

/// Options of a watch (Lua `watch{heal = true, ["until"] = "+30s"}`, Python `watch(heal=True,
/// until=30)`, the CLI's `--heal --until 30s`). Unknown keys are errors.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatchOptions {
    /// Re-apply the declaration whenever the daemon differs from it (default false: report only).
    pub heal: bool,
    /// Stop then: seconds from now (`30`), a duration from now (`"30s"`, `"+1m"`), or a time
    /// (RFC 3339, `"2026-12-04T18:00:00Z"`). Without it the watch runs until interrupted.
    pub until: Option<TimeArg>,
    /// Heal attempts per drift, at least 1 (default 3).
    pub retries: u32,
    /// Attempts to reopen an event stream the daemon ended or broke (a daemon restart), with
    /// backoff (0.5 s, 1 s, 2 s, 4 s, then 5 s each: about 40 s for the default 10); after the
    /// last the watch fails with `unavailable`. 0: fail as soon as a stream is lost.
    pub reconnect: u32,
    /// What a drift line tells the reader to do (`run 'dockernet up lab.yaml' or watch --heal`):
    /// each binding words it for its users; set by the program, not read from options.
    #[serde(skip)]
    pub remedy: Option<String>,
    /// Where interrupts come from (set by the program or binding, not read from options).
    #[serde(skip)]
    pub interrupt: Option<Interrupt>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions { heal: false, until: None, retries: 3, reconnect: 10, remedy: None, interrupt: None }
    }
}

/// What a [`Change`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// An element now differs from the declaration (or, at the start, differs already).
    Drift,
    /// An element is as declared again (healed, or put back by hand).
    Restored,
    /// Everything is as declared (at the start, and each time drift has gone).
    UpToDate,
    /// A heal attempt starts, or says something on the way (waiting for the topology's lock).
    Heal,
    /// One step of a heal is done (`connect lab-web to lab-front`).
    Healed,
    /// A heal attempt failed (another follows, or the watch gave up: the message says which).
    HealFailed,
    /// A daemon's event stream ended or broke (it restarted?): the watch is reopening it.
    StreamLost,
    /// The lost event stream is open again; the status is read again.
    StreamResumed,
}

impl ChangeKind {
    /// The snake_case name (`drift`, `restored`, `up_to_date`, `heal`, `healed`, `heal_failed`,
    /// `stream_lost`, `stream_resumed`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Drift => "drift",
            ChangeKind::Restored => "restored",
            ChangeKind::UpToDate => "up_to_date",
            ChangeKind::Heal => "heal",
            ChangeKind::Healed => "healed",
            ChangeKind::HealFailed => "heal_failed",
            ChangeKind::StreamLost => "stream_lost",
            ChangeKind::StreamResumed => "stream_resumed",
        }
    }
}

/// One report of a watch: a record with its printable line (`message`, also its `Display`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The topology's name.
    pub topology: String,
    /// What happened.
    pub change: ChangeKind,
    /// The element's kind (drift and restored records).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<ElementKind>,
    /// The element's path in the declaration (`nodes.web.networks.front`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The element's Docker name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its state now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    /// Its state at the previous report (none at the start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<State>,
    /// Status's detail (how it drifted), or the error of a failed heal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The heal attempt (heal records).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// The line to print: `node web: disconnected from front by hand — run 'dockernet up lab.yaml' or watch --heal`.
    pub message: String,
    /// When it was seen, in unix seconds.
    pub time: f64,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Where the heal is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Heal {
    /// Nothing to heal (or not healing).
    Idle,
    /// Attempt `n` is due at `at` (its start is reported first, then it runs).
    Due(u32, Instant),
    /// Attempt `n` was announced: run it.
    Running(u32),
    /// Every attempt failed: wait for a new event that changes the status.
    GaveUp,
}

/// A running watch: call [`Watcher::next`] for each [`Change`] as it happens. Owns its event
/// streams (a task per watch reads them; dropping the watcher stops it and closes them).
#[derive(Debug)]
pub struct Watcher {
    topology: Topology,
    client: Arc<Client>,
    opts: WatchOptions,
    remedy: String,
    deadline: Option<Instant>,
    events: mpsc::Receiver<Feed>,
    reader: tokio::task::JoinHandle<()>,
    /// The last reported state of each visible element, by (path, name).
    last: BTreeMap<(String, String), Element>,
    up_to_date: Option<bool>,
    queue: VecDeque<Change>,
    started: bool,
    ended: bool,
    heal: Heal,
    /// An event stream's error seen while draining, for the next wait to report.
    broken: Option<Error>,
    /// The conflict that kept the last status from being read (reported once).
    conflict: Option<String>,
    /// The daemons (their addresses) whose event stream is lost and being reopened: no status
    /// is read meanwhile.
    lost: BTreeSet<String>,
}

/// What the event reader tells the watcher.
#[derive(Debug)]
enum Feed {
    /// An event of one of the daemons.
    Event(Document),
    /// The stream of daemon `host` ended or broke (`why`); it is being reopened.
    Lost { host: String, why: String },
    /// The stream of daemon `host` is open again, `after` it was lost, at attempt `attempt`.
    Resumed { host: String, after: Duration, attempt: u32 },
    /// A stream broke for good (it could not be reopened): the watch ends with this error.
    Failed(Error),
}

/// What a wait for events gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// A relevant event.
    Event,
    /// None within the limit.
    Quiet,
    /// `until` passed.
    End,
    /// A record to deliver was queued (a stream lost): deliver it, read no status.
    Report,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// The default remedy, when the caller words none.
const REMEDY: &str = "apply the topology again, or watch with heal";

impl Watcher {
    /// Opens the event streams (one per host of the topology) and returns the watcher; the first
    /// [`Watcher::next`] reads the initial status. Must run inside the client's tokio runtime.
    ///
    /// # Errors
    /// `invalid` for a bad `until` or `retries` of 0 (before any request); the daemon's refusal
    /// of the event stream; for a topology across hosts, a host that cannot be reached.
    pub async fn start(topology: Topology, client: Arc<Client>, opts: WatchOptions) -> Result<Watcher> {
        let ctx = format!("watch {:?}", topology.name());
        if opts.retries == 0 {
            return Err(Error::invalid(format!("{ctx}: option retries: expected at least 1, got 0")));
        }
        let deadline = opts.until.as_ref().map(|u| deadline(u).map_err(|e| e.context(&ctx))).transpose()?;
        let (tx, rx) = mpsc::channel(256);
        let (ready_tx, ready_rx) = oneshot::channel();
        let reader = tokio::spawn(read_events(topology.clone(), client.clone(), tx, ready_tx, opts.reconnect));
        let opened = guard(opts.interrupt.as_ref(), &format!("the event stream of topology {:?}", topology.name()), async {
            ready_rx.await.unwrap_or_else(|_| Err(Error::invalid("the event reader stopped before it started")))
        })
        .await;
        if let Err(e) = opened {
            reader.abort();
            return Err(e.context(&ctx));
        }
        let remedy = opts.remedy.clone().unwrap_or_else(|| REMEDY.to_string());
        Ok(Watcher {
            topology,
            client,
            opts,
            remedy,
            deadline,
            events: rx,
            reader,
            last: BTreeMap::new(),
            up_to_date: None,
            queue: VecDeque::new(),
            started: false,
            ended: false,
            heal: Heal::Idle,
            broken: None,
            conflict: None,
            lost: BTreeSet::new(),
        })
    }

    /// Replaces the interrupt source (Python gives each wait its own).
    pub fn set_interrupt(&mut self, interrupt: Option<Interrupt>) {
        self.opts.interrupt = interrupt;
    }

    /// The next change, waiting as long as it takes; `None` once the watch ended (`until`
    /// passed).
    ///
    /// # Errors
    /// `interrupted` on an interrupt (also one a heal's apply heard); `unavailable` when a lost
    /// event stream could not be reopened; status and heal errors other than a failed apply
    /// (which is reported as a [`ChangeKind::HealFailed`] record).
    pub async fn next(&mut self) -> Result<Option<Change>> {
        loop {
            if let Some(c) = self.queue.pop_front() {
                return Ok(Some(c));
            }
            if self.ended {
                return Ok(None);
            }
            if !self.started {
                self.started = true;
                self.check(false).await?;
                continue;
            }
            match self.heal {
                Heal::Due(n, at) => {
                    if self.past(at) {
                        self.ended = true;
                        continue;
                    }
                    let wait = at.saturating_duration_since(Instant::now());
                    if !wait.is_zero() {
                        let what = format!("the next heal of topology {:?}", self.topology.name());
                        guard(self.opts.interrupt.as_ref(), &what, async {
                            tokio::time::sleep(wait).await;
                            Ok(())
                        })
                        .await?;
                        // What happened meanwhile (it may have been put right by hand).
                        self.drain();
                        self.check(false).await?;
                        if self.heal == Heal::Idle {
                            continue;
                        }
                    }
                    let message = format!(
                        "topology {}: healing (attempt {n} of {}): re-applying the declaration",
                        self.topology.name(),
                        self.opts.retries
                    );
                    self.push(ChangeKind::Heal, None, None, None, Some(n), message);
                    self.heal = Heal::Running(n);
                    continue;
                }
                Heal::Running(n) => {
                    self.heal_attempt(n).await?;
                    continue;
                }
                Heal::Idle | Heal::GaveUp => {}
            }
            // Wait for a relevant event, then for quiet, then read the status again.
            match self.wait_relevant(None).await? {
                Wake::End => {
                    self.ended = true;
                    continue;
                }
                Wake::Report => continue,
                Wake::Event | Wake::Quiet => {}
            }
            let settle = Instant::now() + SETTLE_MAX;
            let mut ending = false;
            loop {
                let limit = DEBOUNCE.min(settle.saturating_duration_since(Instant::now()));
                if limit.is_zero() {
                    break;
                }
                match self.wait_relevant(Some(limit)).await? {
                    Wake::Event => {}
                    // A stream lost meanwhile: `check` reads nothing until it is back.
                    Wake::Quiet | Wake::Report => break,
                    Wake::End => {
                        ending = true;
                        break;
                    }
                }
            }
            self.check(true).await?;
            self.ended = ending;
        }
    }

    /// True when the watch's `until` comes before `at`.
    fn past(&self, at: Instant) -> bool {
        self.deadline.is_some_and(|d| d <= at)
    }

    /// Waits for a relevant event, at most `limit` (and never past `until`).
    async fn wait_relevant(&mut self, limit: Option<Duration>) -> Result<Wake> {
        if let Some(e) = self.broken.take() {
            return Err(e);
        }
        let limit_at = limit.map(|l| Instant::now() + l);
        let end = match (limit_at, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let what = format!("events of topology {:?}", self.topology.name());
        let interrupt = self.opts.interrupt.clone();
        let name = self.topology.name().to_string();
        let spec = self.topology.spec();
        let names: BTreeSet<String> = spec
            .networks
            .names()
            .map(|k| spec.network_name(k))
            .chain(spec.nodes.names().map(|k| spec.node_name(k)))
            .collect();
        let deadline = self.deadline;
        let events = &mut self.events;
        let wait = async {
            loop {
                let got = match end {
                    Some(end) => match tokio::time::timeout_at(end.into(), events.recv()).await {
                        Ok(got) => got,
                        Err(_) if deadline.is_some_and(|d| d <= Instant::now()) => return Ok(Err(Wake::End)),
                        Err(_) => return Ok(Err(Wake::Quiet)),
                    },
                    None => events.recv().await,
                };
                match got {
                    // The reader ends only after a `Failed` (or when it panicked).
                    None => return Err(Error::new(crate::ErrorKind::Unavailable, "the event reader stopped")),
                    Some(Feed::Event(ev)) if relevant(&ev, &name, &names) => return Ok(Err(Wake::Event)),
                    Some(Feed::Event(_)) => {}
                    Some(other) => return Ok(Ok(other)),
                }
            }
        };
        // `Err(wake)`: what the wait gave; `Ok(feed)`: what the reader said, acted on here.
        match guard(interrupt.as_ref(), &what, wait).await? {
            Err(wake) => Ok(wake),
            Ok(feed) => self.feed(feed),
        }
    }

    /// Acts on what the reader said other than an event: a lost stream is a line (and no status
    /// is read until it is back), a resumed one a line and a status read, a failed one the end.
    fn feed(&mut self, feed: Feed) -> Result<Wake> {
        let name = self.topology.name().to_string();
        match feed {
            Feed::Event(_) => Ok(Wake::Event),
            Feed::Lost { host, why } => {
                let message = format!(
                    "topology {name}: lost the daemon's event stream ({host}: {why}); reconnecting (at most {} attempt{})",
                    self.opts.reconnect,
                    if self.opts.reconnect == 1 { "" } else { "s" }
                );
                self.push(ChangeKind::StreamLost, None, None, Some(why), None, message);
                self.lost.insert(host);
                // No heal while the daemon cannot be asked; the status read after the stream is
                // back decides it again.
                self.heal = Heal::Idle;
                Ok(Wake::Report)
            }
            Feed::Resumed { host, after, attempt } => {
                let message = format!(
                    "topology {name}: the daemon's event stream is back ({host}, after {:.1} s, attempt {attempt}); \
                     reading the status again",
                    after.as_secs_f64()
                );
                self.push(ChangeKind::StreamResumed, None, None, None, None, message);
                self.lost.remove(&host);
                Ok(if self.lost.is_empty() { Wake::Event } else { Wake::Report })
            }
            Feed::Failed(e) => Err(e.context(format!("watch {name:?}"))),
        }
    }

    /// Drops the events already queued (a status read follows, which covers them); a lost or
    /// resumed stream is reported; a failed one's error is kept for the next wait.
    fn drain(&mut self) {
        while let Ok(feed) = self.events.try_recv() {
            if matches!(feed, Feed::Event(_)) {
                continue;
            }
            if let Err(e) = self.feed(feed) {
                self.broken.get_or_insert(e);
            }
        }
    }

    /// Reads the status and queues a record for each element whose state changed since the last
    /// one; then decides the heal. `after_event`: a new event (not a heal) triggered it.
    async fn check(&mut self, after_event: bool) -> Result<()> {
        // A stream lost meanwhile is known before the daemon is asked.
        self.drain();
        let mut status = match self.read_status().await {
            Ok(Some(s)) => s,
            // The daemon cannot be asked now; the status is read once its stream is back.
            Ok(None) => return Ok(()),
            // The daemon cannot be compared with the declaration (a container of a foreign owner
            // took a node's name): a line, not the end of the watch; it may be put right by hand.
            Err(e) if e.kind() == crate::ErrorKind::Conflict => {
                self.conflicted(e.message(), after_event);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        self.conflict = None;
        // A container being removed or restarted is caught between two events (`docker rm -f`:
        // die … destroy, with the file system's removal between): read again once its next
        // event came (bounded), so one removal is one line, not "stopped" then "gone".
        for _ in 0..4 {
            if !transient(&status)
                || !matches!(self.wait_relevant(Some(TRANSIENT_WAIT)).await?, Wake::Event | Wake::Quiet)
                || !self.lost.is_empty()
            {
                break;
            }
            match self.read_status().await? {
                Some(s) => status = s,
                None => return Ok(()),
            }
        }
        let now = visible(&status);
        let mut changed = false;
        for (key, e) in &now {
            let before = self.last.get(key);
            if before.is_some_and(|b| b.state == e.state && b.detail == e.detail) {
                continue;
            }
            match (before, e.state) {
                (None, State::Present) => {}
                (Some(b), State::Present) => {
                    changed = true;
                    let message = format!("{}: {}", subject(e), restored_words(e));
                    self.push(ChangeKind::Restored, Some(e), Some(b.state), None, None, message);
                }
                (b, _) => {
                    changed = true;
                    // Healing: the heal records that follow say what is done about it.
                    let todo = if self.opts.heal { "healing" } else { self.remedy.as_str() };
                    let message = format!("{}: {} — {todo}", subject(e), drift_words(e));
                    self.push(ChangeKind::Drift, Some(e), b.map(|b| b.state), e.detail.clone(), None, message);
                }
            }
        }
        for (key, b) in &self.last {
            if b.state == State::Extra && !now.contains_key(key) {
                changed = true;
                let message = format!("{}: {} is gone, as declared", subject(b), b.name);
                let mut gone = b.clone();
                gone.state = State::Present;
                let c = self.change(ChangeKind::Restored, Some(&gone), Some(State::Extra), None, None, message);
                self.queue.push_back(c);
            }
        }
        self.last = now;
        let up = status.is_up_to_date();
        if up && self.up_to_date != Some(true) {
            let n = status.elements.len();
            let message = format!(
                "topology {}: up to date ({n} element{} as declared)",
                self.topology.name(),
                if n == 1 { "" } else { "s" }
            );
            self.push(ChangeKind::UpToDate, None, None, None, None, message);
        }
        self.up_to_date = Some(up);
        if !self.opts.heal || up {
            self.heal = Heal::Idle;
        } else if self.heal == Heal::Idle || (self.heal == Heal::GaveUp && after_event && changed) {
            self.heal = Heal::Due(1, Instant::now());
        }
        Ok(())
    }

    /// The topology's status, or `None` while an event stream is lost (the daemon cannot be
    /// asked). A daemon going away (a restart) refuses requests a moment before its event stream
    /// ends: a status read that finds it unreachable waits for the stream's word (at most
    /// [`LOST_GRACE`]) before it ends the watch.
    async fn read_status(&mut self) -> Result<Option<Status>> {
        if !self.lost.is_empty() {
            return Ok(None);
        }
        let what = format!("the status of topology {:?}", self.topology.name());
        match guard(self.opts.interrupt.as_ref(), &what, self.topology.status(&self.client)).await {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == crate::ErrorKind::Unavailable => {
                let until = Instant::now() + LOST_GRACE;
                // Bounded by `until`: each wait ends by then.
                while self.lost.is_empty() {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() || self.wait_relevant(Some(left)).await? == Wake::End {
                        break;
                    }
                }
                if self.lost.is_empty() {
                    Err(e)
                } else {
                    Ok(None)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Reports a status that cannot be read for a conflict (once per distinct message), and
    /// decides the heal as for drift (its attempts fail the same way, and say so).
    fn conflicted(&mut self, message: &str, after_event: bool) {
        let one_line = one_line(message);
        let changed = self.conflict.as_deref() != Some(one_line.as_str());
        if changed {
            let todo = if self.opts.heal { "healing" } else { self.remedy.as_str() };
            let line = format!("{one_line} — {todo}");
            self.push(ChangeKind::Drift, None, None, Some(one_line.clone()), None, line);
            self.conflict = Some(one_line);
        }
        self.up_to_date = Some(false);
        if !self.opts.heal {
            self.heal = Heal::Idle;
        } else if self.heal == Heal::Idle || (self.heal == Heal::GaveUp && after_event && changed) {
            self.heal = Heal::Due(1, Instant::now());
        }
    }

    /// Runs heal attempt `n`: the topology's apply, each finished step logged; then the status.
    async fn heal_attempt(&mut self, n: u32) -> Result<()> {
        let steps: Mutex<Vec<(ChangeKind, String)>> = Mutex::new(Vec::new());
        let opts = ApplyOptions {
            interrupt: self.opts.interrupt.clone(),
            lock_timeout: HEAL_LOCK_TIMEOUT,
            ..ApplyOptions::default()
        };
        let progress = |p: &Progress| {
            let line = match p.event {
                ProgressEvent::Finished => (ChangeKind::Healed, format!("healed: {}", p.description)),
                ProgressEvent::Waiting | ProgressEvent::Note => (ChangeKind::Heal, p.description.clone()),
                _ => return,
            };
            if let Ok(mut s) = steps.lock() {
                s.push(line);
            }
        };
        // Not raced against the interrupt here: apply hears it itself and rolls back.
        let triggered = self.opts.interrupt.as_ref().map(Interrupt::count);
        let result = self.topology.apply(&self.client, &opts, progress).await;
        for (kind, message) in steps.into_inner().unwrap_or_default() {
            self.push(kind, None, None, None, Some(n), message);
        }
        // An interrupt the apply took (it stopped its steps and rolled back) ends the watch even
        // when the apply ended for another reason (a step failed meanwhile): else the watch
        // would go on, the interrupt used up, and Ctrl-C would not stop it.
        if let (Some(i), Some(before)) = (self.opts.interrupt.as_ref(), triggered) {
            let taken = i.count() > before && !i.is_pending();
            if taken && !matches!(&result, Err(e) if e.kind() == crate::ErrorKind::Interrupted) {
                let outcome = match &result {
                    Ok(_) => "it had finished".to_string(),
                    Err(e) => one_line(e.message()),
                };
                let what = format!("the heal of topology {:?} ({outcome})", self.topology.name());
                return Err(i.error(&what, None));
            }
        }
        match result {
            Ok(_) => {
                self.heal = Heal::Idle;
                self.check(false).await?;
                if self.heal != Heal::Idle {
                    // Applied, yet still different (changed again meanwhile): try again.
                    self.next_attempt(n, "the daemon still differs after the apply".to_string());
                }
            }
            Err(e) if e.kind() == crate::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                self.next_attempt(n, one_line(e.message()));
                self.check(false).await?;
            }
        }
        Ok(())
    }

    /// After attempt `n` failed with `why`: schedules the next (with backoff) or gives up.
    fn next_attempt(&mut self, n: u32, why: String) {
        let name = self.topology.name().to_string();
        let message = if n < self.opts.retries {
            let backoff = Duration::from_secs(1u64 << (n - 1).min(5)).min(BACKOFF_MAX);
            self.heal = Heal::Due(n + 1, Instant::now() + backoff);
            format!("topology {name}: heal attempt {n} of {} failed: {why}; retrying in {}s", self.opts.retries, backoff.as_secs())
        } else {
            self.heal = Heal::GaveUp;
            format!(
                "topology {name}: heal attempt {n} of {} failed: {why}; giving up until the next change — {}",
                self.opts.retries, self.remedy
            )
        };
        self.push(ChangeKind::HealFailed, None, None, Some(why), Some(n), message);
    }

    fn change(
        &self,
        change: ChangeKind,
        e: Option<&Element>,
        was: Option<State>,
        detail: Option<String>,
        attempt: Option<u32>,
        message: String,
    ) -> Change {
        Change {
            topology: self.topology.name().to_string(),
            change,
            element: e.map(|e| e.kind),
            path: e.map(|e| e.path.clone()),
            name: e.map(|e| e.name.clone()),
            state: e.map(|e| e.state),
            was,
            detail,
            attempt,
            message,
            time: SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0),
        }
    }

    fn push(
        &mut self,
        change: ChangeKind,
        e: Option<&Element>,
        was: Option<State>,
        detail: Option<String>,
        attempt: Option<u32>,
        message: String,
    ) {
        let c = self.change(change, e, was, detail, attempt, message);
        self.queue.push_back(c);
    }
}

/// A message of several lines (a plan's list of conflicts) as one line, for a line-per-change log.
fn one_line(message: &str) -> String {
    message.replace(":\n  ", ": ").replace("\n  ", "; ").replace('\n', "; ")
}

/// Races `fut` against the interrupt: an interrupt ends it with `interrupted`, naming `what`.
async fn guard<T>(interrupt: Option<&Interrupt>, what: &str, fut: impl Future<Output = Result<T>>) -> Result<T> {
    match interrupt {
        None => fut.await,
        Some(i) => {
            tokio::select! {
                biased;
                () = i.taken() => Err(i.error(what, None)),
                r = fut => r,
            }
        }
    }
}

/// The event reader: opens one stream per host (reporting on `ready`), then forwards every
/// event to `tx` (see [`follow`]) until a stream fails for good or the watcher goes away. Owns
/// the hosts' clients, so the watcher needs no borrow of them.
async fn read_events(
    topology: Topology,
    client: Arc<Client>,
    tx: mpsc::Sender<Feed>,
    ready: oneshot::Sender<Result<()>>,
    reconnect: u32,
) {
    let mut filters = BTreeMap::new();
    filters.insert("type".to_string(), vec!["container".to_string(), "network".to_string()].into());
    filters.insert("event".to_string(), ACTIONS.iter().map(|s| s.to_string()).collect::<Vec<_>>().into());
    let opts = EventOptions { filters, since: None, until: None };
    let hosts = if topology.spans_hosts() {
        match hosts::Hosts::connect(topology.spec(), &client) {
            Ok(h) => h,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        }
    } else {
        hosts::Hosts::single(&client)
    };
    let clients: Vec<&Client> =
        if topology.spans_hosts() { hosts.iter().map(|(_, c)| c).collect() } else { vec![&*client] };
    let mut streams = Vec::new();
    for c in &clients {
        match c.events(&opts).await {
            Ok(s) => streams.push(s),
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        }
    }
    let opened = unix_now();
    if ready.send(Ok(())).is_err() {
        return;
    }
    let hosts = clients.iter().zip(streams).map(|(c, s)| follow(c, s, &opts, opened, reconnect, &tx));
    futures_util::future::join_all(hosts).await;
}

/// Forwards the events of one daemon's `stream` to `tx`; when the daemon ends or breaks the
/// stream, says so and reopens it (at most `reconnect` attempts with backoff), from the time of
/// the last event seen (or `since`, when the stream was opened). Returns when the watcher went
/// away, or after a `Failed`.
async fn follow(
    client: &Client,
    mut stream: crate::events::EventStream,
    opts: &EventOptions,
    mut since: f64,
    reconnect: u32,
    tx: &mpsc::Sender<Feed>,
) {
    let host = client.host().url.clone();
    // Bounded: each turn forwards an event, or reopens the stream within `reconnect` attempts,
    // or ends.
    loop {
        let why = match stream.next().await {
            Ok(Some(ev)) => {
                since = event_time(&ev).unwrap_or(since);
                if tx.send(Feed::Event(ev)).await.is_err() {
                    return;
                }
                continue;
            }
            Ok(None) => "the daemon ended it".to_string(),
            Err(e) => one_line(e.message()),
        };
        if tx.send(Feed::Lost { host: host.clone(), why: why.clone() }).await.is_err() {
            return;
        }
        let lost_at = Instant::now();
        let resume = EventOptions { since: Some(TimeArg::Seconds(since)), ..opts.clone() };
        let mut last: Option<Error> = None;
        let mut reopened = None;
        for attempt in 1..=reconnect {
            tokio::time::sleep(reconnect_backoff(attempt)).await;
            match client.events(&resume).await {
                Ok(s) => {
                    reopened = Some((s, attempt));
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let feed = match reopened {
            Some((s, attempt)) => {
                stream = s;
                Feed::Resumed { host: host.clone(), after: lost_at.elapsed(), attempt }
            }
            None => Feed::Failed(Error::new(
                crate::ErrorKind::Unavailable,
                format!(
                    "lost the daemon's event stream ({host}: {why}) and could not reopen it in {reconnect} attempt{} \
                     over {:.0} s{}",
                    if reconnect == 1 { "" } else { "s" },
                    lost_at.elapsed().as_secs_f64(),
                    last.map(|e| format!(": {}", one_line(e.message()))).unwrap_or_default()
                ),
            )),
        };
        let failed = matches!(feed, Feed::Failed(_));
        if tx.send(feed).await.is_err() || failed {
            return;
        }
    }
}

/// The wait before attempt `attempt` (from 1) to reopen a lost stream: 0.5 s, 1 s, 2 s, 4 s,
/// then [`RECONNECT_BACKOFF_MAX`].
fn reconnect_backoff(attempt: u32) -> Duration {
    (Duration::from_millis(500) * (1u32 << attempt.saturating_sub(1).min(4))).min(RECONNECT_BACKOFF_MAX)
}

/// An event's time in unix seconds (`timeNano`, else `time`), as the daemon stamped it.
fn event_time(ev: &Document) -> Option<f64> {
    ev.fields::<EventFacts>().ok()?.unix_time()
}

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// Whether an event can change the status of topology `name` (whose Docker network and node
/// names are `names`): a container of the topology (its labels are the event's attributes) or
/// with a node's name, a network of the topology, or any connect / disconnect (a node connected
/// by hand to another network).
fn relevant(ev: &Document, name: &str, names: &BTreeSet<String>) -> bool {
    let Ok(ev) = ev.fields::<EventFacts>() else { return false };
    match ev.kind.as_str() {
        // A container of a foreign owner that holds (or held) a node's name matters too: it
        // causes, or ends, a conflict.
        "container" => {
            ev.attribute(super::LABEL) == Some(name) || ev.attribute("name").is_some_and(|n| names.contains(n))
        }
        "network" => {
            ev.attribute("name").is_some_and(|n| names.contains(n)) || matches!(ev.action.as_str(), "connect" | "disconnect")
        }
        _ => false,
    }
}

/// True when a node is caught in a passing state (`removing`, `restarting`).
fn transient(status: &Status) -> bool {
    status.elements.iter().any(|e| {
        e.kind == ElementKind::Node
            && e.detail.as_deref().is_some_and(|d| d.contains("is removing") || d.contains("is restarting"))
    })
}

/// A watch's end as an instant: numbers and durations are from now, a time is absolute.
fn deadline(until: &TimeArg) -> Result<Instant> {
    let bad = |v: &dyn fmt::Debug| {
        Error::invalid(format!(
            "option until: expected seconds from now (30), a duration from now (30s, +1m) or a time \
             (2026-12-04T18:00:00Z), got {v:?}"
        ))
    };
    let from_now = match until {
        TimeArg::Seconds(s) if s.is_finite() && *s >= 0.0 && *s < 1e10 => Duration::from_secs_f64(*s),
        TimeArg::Seconds(s) => return Err(bad(s)),
        TimeArg::Text(t) => {
            let t = t.trim();
            let d = t.strip_prefix('+').unwrap_or(t);
            if let Some(d) = parse_duration(d) {
                d
            } else if let Ok(s) = t.parse::<f64>() {
                return deadline(&TimeArg::Seconds(s)).map_err(|_| bad(&t));
            } else if t.contains('T') {
                let at: f64 = TimeArg::Text(t.to_string()).to_query("until")?.parse().map_err(|_| bad(&t))?;
                let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
                Duration::from_secs_f64((at - now).max(0.0))
            } else {
                return Err(bad(&t));
            }
        }
    };
    Ok(Instant::now() + from_now.min(Duration::from_secs(100 * 365 * 86_400)))
}

/// The elements worth a line each, by (path, name): attachments and routes of a node that is
/// not there as a whole, and attachments to a network that is missing, are folded into the
/// node's or network's line.
fn visible(status: &Status) -> BTreeMap<(String, String), Element> {
    let down: BTreeSet<&str> = status
        .elements
        .iter()
        .filter(|e| {
            (e.kind == ElementKind::Node && matches!(e.state, State::Missing | State::Drifted))
                || (e.kind == ElementKind::Network && e.state == State::Missing)
        })
        .map(|e| e.path.as_str())
        .collect();
    status
        .elements
        .iter()
        .filter(|e| {
            let kind = kind_name(e.kind);
            if !matches!(kind.as_str(), "attachment" | "route" | "link") {
                return true;
            }
            let node = format!("nodes.{}", e.path.split('.').nth(1).unwrap_or_default());
            if down.contains(node.as_str()) {
                return false;
            }
            match kind.as_str() {
                "route" => true,
                // A link's impairment folds into its attachment's line when that is not there.
                "link" => !status.elements.iter().any(|a| {
                    a.kind == ElementKind::Attachment
                        && a.state != State::Present
                        && e.path.strip_suffix(".link") == Some(a.path.as_str())
                }) && !down.contains(format!("networks.{}", attached_network(e)).as_str()),
                _ => !down.contains(format!("networks.{}", attached_network(e)).as_str()),
            }
        })
        .map(|e| ((e.path.clone(), e.name.clone()), e.clone()))
        .collect()
}

/// An element kind's snake_case name (`attachment`, `link`). The words of a line are chosen by
/// it rather than by an exhaustive `match`: status grows kinds (a link's impairment), and a kind
/// this file does not know yet still gets a line, from its path and status's detail.
fn kind_name(kind: ElementKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Who a line is about: `network front`, `node web` (from the path: `networks.front…`,
/// `nodes.web…`).
fn subject(e: &Element) -> String {
    let part = |i: usize| e.path.split('.').nth(i).unwrap_or_default().to_string();
    if e.path.starts_with("networks.") {
        format!("network {}", part(1))
    } else {
        format!("node {}", part(1))
    }
}

/// The declared network an attachment or link path names (`nodes.web.networks.front[.link]` →
/// `front`).
fn attached_network(e: &Element) -> String {
    e.path.split('.').nth(3).unwrap_or(&e.name).to_string()
}

/// What is wrong with an element, in words.
fn drift_words(e: &Element) -> String {
    let detail = e.detail.as_deref();
    let net = attached_network(e);
    match (kind_name(e.kind).as_str(), e.state) {
        ("network", State::Missing) => format!("removed ({} is gone)", e.name),
        ("network", State::Extra) => format!("{} is no longer declared but still there", e.name),
        ("network", _) => format!("changed ({})", detail.unwrap_or("differs from the declaration")),
        ("node", State::Missing) => format!("container {} is gone (removed)", e.name),
        ("node", State::Extra) => format!("container {} is not declared", e.name),
        ("node", _) => detail.unwrap_or("differs from the declaration").to_string(),
        ("attachment", State::Missing) if detail == Some("not connected") => format!("disconnected from {net} by hand"),
        ("attachment", State::Missing) => format!("not connected to {net}"),
        ("attachment", State::Extra) => format!("connected to {net} by hand (not declared)"),
        ("attachment", _) => format!("attachment to {net} differs ({})", detail.unwrap_or("changed")),
        ("link", State::Missing) => format!("impairment on {net} lost ({})", detail.unwrap_or("missing in the kernel")),
        ("link", State::Extra) => format!("impairment on {net} is not declared ({})", detail.unwrap_or("extra")),
        ("link", _) => format!("impairment on {net} differs ({})", detail.unwrap_or("changed")),
        ("route", State::Extra) => format!("route to {} is not declared", e.name),
        ("route", State::Missing) => format!("route to {} is missing", e.name),
        ("route", _) => format!("route to {} {}", e.name, detail.unwrap_or("differs")),
        (kind, state) => format!("{kind} {} is {}{}", e.path, state.as_str(), detail.map(|d| format!(" ({d})")).unwrap_or_default()),
    }
}

/// An element as declared again, in words.
fn restored_words(e: &Element) -> String {
    match kind_name(e.kind).as_str() {
        "network" => format!("{} is as declared again", e.name),
        "node" => format!("container {} is running as declared again", e.name),
        "attachment" => format!("connected to {} as declared again", attached_network(e)),
        "link" => format!("impairment on {} is as declared again", attached_network(e)),
        "route" => format!("route to {} is as declared again", e.name),
        kind => format!("{kind} {} is as declared again", e.path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(kind: ElementKind, path: &str, name: &str, state: State, detail: Option<&str>) -> Element {
        Element { kind, path: path.into(), name: name.into(), state, detail: detail.map(str::to_string) }
    }

    /// A removed node's attachments fold into the node's line; a disconnect alone is its own line.
    #[test]
    fn folding_keeps_one_line_per_cause() {
        let status = Status {
            topology: "lab".into(),
            elements: vec![
                el(ElementKind::Network, "networks.front", "lab-front", State::Present, None),
                el(ElementKind::Network, "networks.back", "lab-back", State::Missing, None),
                el(ElementKind::Node, "nodes.web", "lab-web", State::Missing, None),
                el(ElementKind::Attachment, "nodes.web.networks.front", "lab-front", State::Missing, None),
                el(ElementKind::Node, "nodes.db", "lab-db", State::Present, None),
                el(ElementKind::Attachment, "nodes.db.networks.front", "lab-front", State::Missing, Some("not connected")),
                el(ElementKind::Attachment, "nodes.db.networks.back", "lab-back", State::Missing, None),
            ],
        };
        let v = visible(&status);
        let paths: Vec<&str> = v.keys().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["networks.back", "networks.front", "nodes.db", "nodes.db.networks.front", "nodes.web"]);
        let line = |p: &str| {
            let e = v.iter().find(|((path, _), _)| path == p).unwrap().1;
            format!("{}: {}", subject(e), drift_words(e))
        };
        assert_eq!(line("nodes.db.networks.front"), "node db: disconnected from front by hand");
        assert_eq!(line("nodes.web"), "node web: container lab-web is gone (removed)");
        assert_eq!(line("networks.back"), "network back: removed (lab-back is gone)");
    }

    /// Reopening a lost stream waits 0.5 s, 1 s, 2 s, 4 s, then 5 s each (10 attempts: 37.5 s);
    /// an event's time is read from `timeNano` (else `time`).
    #[test]
    fn reconnect_backoff_and_event_time() {
        let waits: Vec<u64> = (1..=7).map(|a| reconnect_backoff(a).as_millis() as u64).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 5000, 5000, 5000]);
        assert_eq!((1..=10).map(reconnect_backoff).sum::<Duration>(), Duration::from_millis(37_500));
        assert_eq!(reconnect_backoff(u32::MAX), RECONNECT_BACKOFF_MAX);
        let doc = |j: serde_json::Value| Document::from_slice(j.to_string().as_bytes()).unwrap();
        assert_eq!(event_time(&doc(serde_json::json!({"time": 1700000000, "timeNano": 1700000000500000000i64}))), Some(1700000000.5));
        assert_eq!(event_time(&doc(serde_json::json!({"time": 1700000000}))), Some(1700000000.0));
        assert_eq!(event_time(&doc(serde_json::json!({}))), None);
    }

    /// `until` reads numbers and durations as from now, times as absolute; nonsense is refused.
    #[test]
    fn until_forms() {
        let in_secs = |t: TimeArg| deadline(&t).unwrap().saturating_duration_since(Instant::now()).as_secs_f64();
        assert!((in_secs(TimeArg::Seconds(30.0)) - 30.0).abs() < 1.0);
        assert!((in_secs(TimeArg::Text("30s".into())) - 30.0).abs() < 1.0);
        assert!((in_secs(TimeArg::Text("+1m".into())) - 60.0).abs() < 1.0);
        assert!((in_secs(TimeArg::Text("5".into())) - 5.0).abs() < 1.0);
        assert!(in_secs(TimeArg::Text("2020-01-01T00:00:00Z".into())) < 0.5);
        for bad in ["soon", "-5s", ""] {
            let e = deadline(&TimeArg::Text(bad.into())).unwrap_err();
            assert!(e.message().contains("option until") && e.message().contains(&format!("{bad:?}")), "{e}");
        }
        assert!(deadline(&TimeArg::Seconds(-1.0)).is_err());
    }

    /// Only events that can change the status wake the watch.
    #[test]
    fn relevance() {
        let nets: BTreeSet<String> = ["lab-front".to_string(), "lab-web".to_string()].into();
        let doc = |j: serde_json::Value| Document::from_slice(j.to_string().as_bytes()).unwrap();
        let ours = doc(serde_json::json!({"Type": "container", "Action": "die",
            "Actor": {"ID": "x", "Attributes": {"dockernet.topology": "lab"}}}));
        let theirs = doc(serde_json::json!({"Type": "container", "Action": "die",
            "Actor": {"ID": "x", "Attributes": {"dockernet.topology": "other"}}}));
        let net = doc(serde_json::json!({"Type": "network", "Action": "destroy",
            "Actor": {"ID": "n", "Attributes": {"name": "lab-front"}}}));
        let other_net = doc(serde_json::json!({"Type": "network", "Action": "destroy",
            "Actor": {"ID": "n", "Attributes": {"name": "x-front"}}}));
        let connect = doc(serde_json::json!({"Type": "network", "Action": "connect",
            "Actor": {"ID": "n", "Attributes": {"name": "x-front", "container": "c"}}}));
        assert!(relevant(&ours, "lab", &nets));
        assert!(!relevant(&theirs, "lab", &nets));
        assert!(relevant(&net, "lab", &nets));
        assert!(!relevant(&other_net, "lab", &nets));
        assert!(relevant(&connect, "lab", &nets));
        let squatter = doc(serde_json::json!({"Type": "container", "Action": "destroy",
            "Actor": {"ID": "y", "Attributes": {"name": "lab-web"}}}));
        assert!(relevant(&squatter, "lab", &nets));
        assert_eq!(one_line("cannot be applied:\n  a: x\n  b: y"), "cannot be applied: a: x; b: y");
    }
}
