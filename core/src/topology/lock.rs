//! The topology lock: one apply (or destroy) of a topology at a time, wherever it runs from.
//!
//! Two `dockernet up` of one lab at once used to interleave: both planned the same creations,
//! both failed half-way, and their rollbacks removed each other's work. Now an apply first takes
//! the topology's lock, and holds it from planning to the end of the transaction.
//!
//! **Where the lock lives: on the daemon.** Processes on other machines that talk to the same
//! daemon must see it, so no file can hold it. It is a container named
//! `dockernet-lock-<topology>`, created and never started: the daemon refuses a second container
//! of a name atomically (even 20.10, which does not do so for networks), so "create the lock
//! container" is a test-and-set. It is made from an image the daemon already has (the
//! topology's first node image, else any local image: dockernet never pulls), with no network
//! (`NetworkMode: none`) and an entrypoint that does not exist, so starting it by mistake does
//! nothing. A daemon with no image at all cannot hold a lock; the apply then runs unlocked (a
//! topology with nodes cannot be applied there anyway).
//!
//! **What it says.** Labels name the holder — `dockernet.lock=<topology>`, the operation, the
//! pid, the host name, the time it was taken, and the process's identity (`linux/<boot id>/<pid
//! namespace>/<pid>/<start time>`) — so a waiting apply can say "waiting for another apply of
//! topology lab (pid 4242 on host build-7, since 2026-12-03T09:14:02Z)…". The lock does not
//! carry `dockernet.topology=<name>`: everything that reads a topology's objects by that label
//! (state, plan, status, the apply's sweep, destroy) therefore never sees it as a node or as
//! drift. The topology's own labels are copied onto it (a test's ownership label, a team label),
//! so whoever cleans up by those labels removes a leaked lock too.
//!
//! **Stale locks.** A holder on this machine whose process is gone (same boot, same pid
//! namespace, and the pid no longer runs the process that took the lock — a kill -9, a crash,
//! a reboot of the pid) is broken automatically, and the apply says so. A holder elsewhere
//! cannot be checked: the waiting apply names it, and `--break-lock` (`break_lock`) removes it.
//! A lock this very process took and no longer holds (a release that failed) is broken too.
//! After breaking a lock the apply waits two seconds before it plans, so that what the killed
//! holder asked for last (a network the daemon was still creating) lands first and the plan sees
//! it. That is a heuristic, not a promise: a daemon slower than that makes the first apply after
//! the kill fail with a `conflict` (rolled back), and the next one converges.
//!
//! **Waiting or not.** By default the second apply waits (at most
//! [`DEFAULT_LOCK_TIMEOUT`], then `timeout`); with `wait: false` it fails at once with
//! `conflict`. Destroy takes the same lock, so `down` during an `up` waits for the apply to
//! finish (or roll back), then removes everything, and the lock with it.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::interrupt::Interrupt;

/// The label that marks a lock container; its value is the topology's name.
pub const LOCK_LABEL: &str = "dockernet.lock";
const LABEL_OPERATION: &str = "dockernet.lock.operation";
const LABEL_PID: &str = "dockernet.lock.pid";
const LABEL_HOST: &str = "dockernet.lock.host";
const LABEL_SINCE: &str = "dockernet.lock.since";
const LABEL_PROCESS: &str = "dockernet.lock.process";
const LABEL_TOKEN: &str = "dockernet.lock.token";

/// How long an apply waits after breaking a lock before it plans: the holder's last requests
/// (a network create the daemon was still carrying out when the holder was killed) land first.
const AFTER_BREAK: Duration = Duration::from_secs(2);

/// How long an apply waits for another one to finish unless told otherwise: 10 minutes.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(600);

/// What to do when another apply or destroy holds the topology's lock.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LockOptions {
    /// Wait for the holder to finish (default), or fail at once with `conflict`.
    pub wait: bool,
    /// The longest wait, in seconds (default 600); then `timeout`.
    pub lock_timeout: f64,
    /// Remove whatever lock is there first: for a holder that is gone on another machine.
    pub break_lock: bool,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions { wait: true, lock_timeout: DEFAULT_LOCK_TIMEOUT.as_secs_f64(), break_lock: false }
    }
}

impl LockOptions {
    fn timeout(&self) -> Result<Duration> {
        if !self.lock_timeout.is_finite() || self.lock_timeout < 0.0 || self.lock_timeout > 1e9 {
            return Err(Error::invalid(format!(
                "lock_timeout {} is not a number of seconds between 0 and 1e9",
                self.lock_timeout
            )));
        }
        Ok(Duration::from_secs_f64(self.lock_timeout))
    }
}

/// Who holds a lock, as its labels say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    /// The lock container's id.
    pub id: String,
    /// `apply` or `destroy`.
    pub operation: String,
    /// The holder's process id.
    pub pid: u32,
    /// The holder's host name.
    pub host: String,
    /// When the lock was taken (RFC 3339, UTC).
    pub since: String,
    /// The holder process's identity, when it could be read (see the file notes).
    pub process: String,
    token: String,
}

impl Holder {
    /// `pid 4242 on host build-7, since 2026-12-03T09:14:02Z`.
    pub fn describe(&self) -> String {
        format!("pid {} on host {}, since {}", self.pid, self.host, self.since)
    }

    fn from_labels(id: &str, labels: &BTreeMap<String, String>) -> Holder {
        let l = |k: &str| labels.get(k).cloned().unwrap_or_default();
        Holder {
            id: id.to_string(),
            operation: l(LABEL_OPERATION),
            pid: l(LABEL_PID).parse().unwrap_or(0),
            host: l(LABEL_HOST),
            since: l(LABEL_SINCE),
            process: l(LABEL_PROCESS),
            token: l(LABEL_TOKEN),
        }
    }

    /// Why this holder is known to be gone, or `None` when it may still run.
    fn gone(&self) -> Option<&'static str> {
        let me = identity_of(std::process::id())?;
        if self.process == me {
            // This very process: stale unless one of its applies holds it right now.
            return (!held_tokens().lock().expect("token set").contains(&self.token))
                .then_some("taken earlier by this process, which no longer holds it");
        }
        let (boot, ns, pid, _) = split_identity(&self.process)?;
        let (my_boot, my_ns, _, _) = split_identity(&me)?;
        if boot != my_boot || ns != my_ns {
            return None;
        }
        match identity_of(pid) {
            None => Some("its process is gone"),
            Some(now) if now != self.process => Some("its process is gone (the pid now runs another process)"),
            Some(_) => None,
        }
    }
}

/// A lock this process holds; give it back with [`TopologyLock::release`].
#[derive(Debug)]
pub struct TopologyLock {
    id: String,
    name: String,
    token: String,
}

/// A lock dropped without [`TopologyLock::release`] (an interrupt abandoned the destroy that held
/// it) is no longer held by this process: its next apply judges it stale and breaks it instead of
/// waiting for itself.
impl Drop for TopologyLock {
    fn drop(&mut self) {
        if let Ok(mut held) = held_tokens().lock() {
            held.remove(&self.token);
        }
    }
}

/// What happened while taking a lock, for the caller to tell the user.
#[derive(Debug, Clone)]
pub enum LockEvent {
    /// Another apply or destroy holds the lock; this one waits.
    Waiting(Holder),
    /// A lock was removed: stale (the reason), or on request.
    Broken(Holder, String),
}

impl LockEvent {
    /// The event in words, for a progress line.
    pub fn describe(&self, topology: &str) -> String {
        match self {
            LockEvent::Waiting(h) => format!(
                "waiting for another {} of topology {topology} ({})…",
                if h.operation.is_empty() { "apply" } else { &h.operation },
                h.describe()
            ),
            LockEvent::Broken(h, why) => {
                format!("broke the lock of topology {topology} held by {} ({why})", h.describe())
            }
        }
    }
}

/// The lock container's name for topology `topology`.
pub fn lock_name(topology: &str) -> String {
    format!("dockernet-lock-{topology}")
}

fn held_tokens() -> &'static Mutex<HashSet<String>> {
    static S: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    S.get_or_init(Default::default)
}

/// `linux/<boot id>/<pid namespace>/<pid>/<start time>` of a running process, or `None` (not
/// Linux, or no such process, or a zombie).
fn identity_of(pid: u32) -> Option<String> {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let ns = std::fs::read_link("/proc/self/ns/pid").ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command (which may hold spaces and parentheses): state is the first,
    // the start time (field 22 of the whole line) the 20th.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if matches!(fields.first(), Some(&"Z") | Some(&"X") | None) {
        return None;
    }
    let start = fields.get(19)?;
    Some(format!("linux/{}/{}/{pid}/{start}", boot.trim(), ns.to_string_lossy()))
}

fn split_identity(s: &str) -> Option<(&str, &str, u32, &str)> {
    let mut p = s.strip_prefix("linux/")?.split('/');
    let (boot, ns, pid, start) = (p.next()?, p.next()?, p.next()?.parse().ok()?, p.next()?);
    Some((boot, ns, pid, start))
}

/// A token no other acquisition has (std's hasher keys are random per process).
fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    h.write_u128(nanos);
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

fn now_utc() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The lock container as the daemon has it, or `None`.
async fn current(client: &Client, name: &str) -> Result<Option<(Holder, BTreeMap<String, String>)>> {
    match client.find_container(name).await {
        Ok((_, c)) => Ok(Some((Holder::from_labels(&c.id, &c.config.labels), c.config.labels))),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes a lock container by id (a lock someone else took meanwhile has another id and stays).
async fn remove(client: &Client, id: &str) -> Result<()> {
    match client.remove_container(id, true).await {
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

/// Every image the daemon has (asked only when none of a topology's own images is there).
async fn local_images(client: &Client) -> Result<Vec<String>> {
    let docs = client.get_docs("/images/json").await?;
    Ok(docs.iter().map(|d| d.str_field("Id")).filter(|i| !i.is_empty()).collect())
}

/// Runs one request of [`acquire`] to its end even when an interrupt comes meanwhile, and takes
/// that interrupt at once (setting `heard`). Why not drop the request: a lock container the daemon
/// creates for a request nobody waits for any more is a lock nobody holds, left on the daemon
/// (another machine would wait for it until `lock_timeout`). Why take the interrupt at once: the
/// `dockernet` program ends the process when nobody takes one within 250 ms, before any clean-up.
async fn whole<T>(interrupt: Option<&Interrupt>, heard: &mut bool, request: impl Future<Output = T>) -> T {
    let Some(i) = interrupt else { return request.await };
    tokio::pin!(request);
    // Bounded: after the interrupt is taken, only the request is polled, and it ends (the
    // client's timeout bounds every request).
    loop {
        tokio::select! {
            biased;
            r = &mut request => return r,
            () = i.taken(), if !*heard => *heard = true,
        }
    }
}

/// Sleeps `pause`, or less when an interrupt comes: then `true` (taken).
async fn pause_heard(interrupt: Option<&Interrupt>, pause: Duration) -> bool {
    match interrupt {
        None => {
            tokio::time::sleep(pause).await;
            false
        }
        Some(i) => tokio::select! {
            biased;
            () = i.taken() => true,
            () = tokio::time::sleep(pause) => false,
        },
    }
}

/// Takes the lock of `topology` for `operation` (`apply`, `destroy`), telling `events` what it
/// waits for and what it breaks. `images` are the images to make the lock from, best first.
/// `Ok(None)`: the daemon has no image to make a lock from; the caller goes on unlocked.
///
/// `interrupt` stops the wait: the request in flight is finished (never abandoned), a lock it
/// took is given back, and the error is `interrupted`; so an interrupt at any moment leaves no
/// lock behind.
///
/// Errors: `conflict` when held and `wait` is off (or the name is taken by a container that is
/// not a lock), `timeout` after `lock_timeout`, `invalid` for a bad `lock_timeout`,
/// `interrupted`, daemon errors.
#[allow(clippy::too_many_arguments)]
pub async fn acquire<E: Fn(&LockEvent)>(
    client: &Client,
    topology: &str,
    operation: &str,
    labels: &BTreeMap<String, String>,
    images: &[String],
    opts: &LockOptions,
    interrupt: Option<&Interrupt>,
    events: &E,
) -> Result<Option<TopologyLock>> {
    let timeout = opts.timeout()?;
    let stopped = || match interrupt {
        Some(i) => i.error("the topology's lock (nothing was changed)", None),
        None => Error::new(ErrorKind::Interrupted, "interrupted: stopped waiting for the topology's lock"),
    };
    let mut heard = false;
    if !super::spec::valid_name(topology) {
        // Not a name dockernet could have applied; nothing to serialise.
        return Ok(None);
    }
    let name = lock_name(topology);
    let token = random_token();
    let mut all = labels.clone();
    all.insert(LOCK_LABEL.to_string(), topology.to_string());
    all.insert(LABEL_OPERATION.to_string(), operation.to_string());
    all.insert(LABEL_PID.to_string(), std::process::id().to_string());
    all.insert(LABEL_HOST.to_string(), hostname());
    all.insert(LABEL_SINCE.to_string(), now_utc());
    all.insert(LABEL_PROCESS.to_string(), identity_of(std::process::id()).unwrap_or_default());
    all.insert(LABEL_TOKEN.to_string(), token.clone());

    // Whether a holder's lock was broken: its last requests may still be under way on the daemon.
    let mut broke = false;
    if opts.break_lock {
        if let Some((h, l)) = whole(interrupt, &mut heard, current(client, &name)).await? {
            if l.get(LOCK_LABEL).map(String::as_str) == Some(topology) {
                whole(interrupt, &mut heard, remove(client, &h.id)).await?;
                broke = true;
                events(&LockEvent::Broken(h, "asked to break it".to_string()));
            }
        }
    }
    // The topology's own images first; the daemon's list only when none of them is there.
    let mut seen = HashSet::new();
    let mut candidates: Vec<String> =
        images.iter().filter(|i| !i.trim().is_empty() && seen.insert(i.as_str())).cloned().collect();
    let mut listed = false;
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(100);
    let mut told: Option<String> = None;
    let mut image = 0;
    // Bounded: every turn either succeeds, fails, moves to the next image, or sleeps toward the
    // deadline; breaking a stale lock is limited too.
    let mut breaks = 0;
    loop {
        if heard {
            return Err(stopped());
        }
        if image >= candidates.len() {
            if listed {
                return Ok(None);
            }
            listed = true;
            candidates.extend(whole(interrupt, &mut heard, local_images(client)).await?);
            continue;
        }
        let img = &candidates[image];
        let body = json!({
            "Image": img,
            "Entrypoint": ["/dockernet-lock-never-started"],
            "Cmd": [topology],
            "Labels": all,
            "NetworkDisabled": true,
            "HostConfig": { "NetworkMode": "none" },
        });
        match whole(interrupt, &mut heard, client.create_container(Some(&name), &body)).await {
            Ok(created) => {
                let id = created.id;
                held_tokens().lock().expect("token set").insert(token.clone());
                let lock = TopologyLock { id, name, token };
                // A killed apply may have left a request in flight (a network the daemon is
                // still creating): give the daemon a moment to finish it, so the plan sees it.
                if heard || (broke && pause_heard(interrupt, AFTER_BREAK).await) {
                    // Taken just as the interrupt came: given back at once. Should the removal
                    // fail, the lock is no longer held (see `Drop`), so the next apply breaks it.
                    let _ = lock.release(client).await;
                    return Err(stopped());
                }
                return Ok(Some(lock));
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                // No such image: try the next one.
                image += 1;
                continue;
            }
            Err(e) if e.kind() == ErrorKind::Conflict => {}
            Err(e) => return Err(e),
        }
        let Some((holder, l)) = whole(interrupt, &mut heard, current(client, &name)).await? else { continue };
        if l.get(LOCK_LABEL).map(String::as_str) != Some(topology) {
            return Err(Error::conflict(format!(
                "the lock name {name:?} is taken by a container that is not this topology's lock (id {}): \
                 rename or remove it",
                crate::lookup::short_id(&holder.id)
            )));
        }
        if let Some(why) = holder.gone() {
            if breaks < 16 {
                breaks += 1;
                whole(interrupt, &mut heard, remove(client, &holder.id)).await?;
                broke = true;
                events(&LockEvent::Broken(holder, why.to_string()));
                continue;
            }
        }
        let what = if holder.operation.is_empty() { "apply".to_string() } else { holder.operation.clone() };
        if !opts.wait {
            return Err(Error::conflict(format!(
                "another {what} of topology {topology:?} is running ({}); wait for it (--wait), or if it is \
                 gone, break its lock (--break-lock)",
                holder.describe()
            )));
        }
        if Instant::now() >= deadline {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "gave up after {:.0} s waiting for another {what} of topology {topology:?} ({}); if it is \
                     gone, break its lock (--break-lock)",
                    timeout.as_secs_f64(),
                    holder.describe()
                ),
            ));
        }
        if told.as_deref() != Some(holder.id.as_str()) {
            told = Some(holder.id.clone());
            events(&LockEvent::Waiting(holder));
        }
        if pause_heard(interrupt, pause.min(deadline.saturating_duration_since(Instant::now()))).await {
            return Err(stopped());
        }
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

impl TopologyLock {
    /// The lock container's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The lock container's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Gives the lock back (removes the container by id; one broken meanwhile is fine).
    pub async fn release(self, client: &Client) -> Result<()> {
        // No longer held, whatever the daemon answers: a lock left behind by a failed removal
        // is then judged stale by this process's next apply instead of waited for.
        held_tokens().lock().expect("token set").remove(&self.token);
        remove(client, &self.id).await.map_err(|e| e.context(format!("release the lock {:?}", self.name)))
    }
}

/// The identity labels of a lock held by process `pid` on this machine, as [`acquire`] writes
/// them: for tests that plant a lock of a process that is gone.
#[doc(hidden)]
pub fn holder_labels_for(topology: &str, operation: &str, pid: u32, process: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (LOCK_LABEL.to_string(), topology.to_string()),
        (LABEL_OPERATION.to_string(), operation.to_string()),
        (LABEL_PID.to_string(), pid.to_string()),
        (LABEL_HOST.to_string(), hostname()),
        (LABEL_SINCE.to_string(), now_utc()),
        (LABEL_PROCESS.to_string(), process.to_string()),
        (LABEL_TOKEN.to_string(), "planted".to_string()),
    ])
}

/// This process's identity string (see the file notes), or `None` off Linux.
#[doc(hidden)]
pub fn process_identity(pid: u32) -> Option<String> {
    identity_of(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This process has an identity on Linux; a process that exited has none, and a lock it
    /// left is gone, while a lock of a live process (this one's parent) is not.
    #[test]
    fn liveness_of_holders() {
        let Some(me) = identity_of(std::process::id()) else { return };
        let (_, _, pid, _) = split_identity(&me).unwrap();
        assert_eq!(pid, std::process::id());
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        let id_while_unreaped = identity_of(dead);
        child.wait().unwrap();
        assert_eq!(identity_of(dead), None);
        let planted = |process: String| Holder::from_labels("x", &holder_labels_for("lab", "apply", dead, &process));
        // A process identity with the right boot and namespace but a pid that no longer runs.
        let (boot, ns, _, _) = split_identity(&me).unwrap();
        let h = planted(format!("linux/{boot}/{ns}/{dead}/12345"));
        assert!(h.gone().is_some(), "{h:?} {id_while_unreaped:?}");
        // Another boot (another machine, or before a reboot): cannot be judged, so not gone.
        let h = planted(format!("linux/other-boot/{ns}/{dead}/12345"));
        assert_eq!(h.gone(), None);
        // A live process (the parent) that is not this one.
        let parent = std::os::unix::process::parent_id();
        if let Some(p) = identity_of(parent) {
            assert_eq!(planted(p).gone(), None);
        }
        // A lock this process took and no longer holds is stale; one it holds is not.
        let mut mine = planted(me.clone());
        mine.token = "t-held".into();
        assert!(mine.gone().is_some());
        held_tokens().lock().unwrap().insert("t-held".into());
        assert_eq!(mine.gone(), None);
        held_tokens().lock().unwrap().remove("t-held");
        // No identity recorded (another OS): never judged gone.
        assert_eq!(planted(String::new()).gone(), None);
    }

    /// A bad lock timeout is refused with the value named; the waiting message names the holder.
    #[test]
    fn options_and_messages() {
        let o = LockOptions { lock_timeout: -1.0, ..Default::default() };
        assert!(o.timeout().unwrap_err().message().contains("lock_timeout -1"));
        assert_eq!(LockOptions::default().timeout().unwrap(), DEFAULT_LOCK_TIMEOUT);
        let h = Holder::from_labels(
            "x",
            &BTreeMap::from([
                (LABEL_PID.to_string(), "4242".to_string()),
                (LABEL_HOST.to_string(), "build-7".to_string()),
                (LABEL_SINCE.to_string(), "2026-12-03T09:14:02Z".to_string()),
            ]),
        );
        assert_eq!(
            LockEvent::Waiting(h).describe("lab"),
            "waiting for another apply of topology lab (pid 4242 on host build-7, since 2026-12-03T09:14:02Z)…"
        );
        assert_eq!(lock_name("lab"), "dockernet-lock-lab");
        assert!(now_utc().ends_with('Z'));
    }
}
