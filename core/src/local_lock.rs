//! Local locks: "check, then act" as one step for every thread and process of one machine.
//!
//! A Docker 20.10 daemon does not refuse a second network of a name that exists (it checks
//! `CheckDuplicate` before it creates, not atomically), so four threads or processes that check
//! and create the same name at once all succeed. What makes the check and the create one step
//! here:
//! - **In the process:** 64 async mutexes, one chosen by a hash of (scope, key). Threads that
//!   create the same name take turns; different names almost always run in parallel.
//! - **Across processes:** an advisory lock (`flock`, [`std::fs::File::try_lock`]) on one of 64
//!   files per scope (`<dir>/<scope hash>-<stripe>.lock`), so the files stay bounded. The folder
//!   is `$DOCKERNET_LOCK_DIR`, else `/tmp/dockernet-locks`: shared by every user of the machine
//!   (mode 1777, files 0666), because `sudo dockernet up` and a plain `dockernet up` talk to the
//!   same daemon. A file is opened with `O_NOFOLLOW | O_NONBLOCK` and must be a regular file, so
//!   a planted symlink or FIFO is refused instead of followed or waited on; an existing file is
//!   opened without `O_CREAT` (Linux's `protected_regular` refuses `O_CREAT` on another user's
//!   file in a sticky folder), and nothing is ever written to it.
//!
//! What a local lock cannot do: cover other machines, or clients that are not dockernet. The
//! operation itself (network.rs) therefore still checks the daemon after acting. A lock that
//! cannot be had — the folder is unusable, or the holder keeps it past `wait` — is skipped, not
//! an error: the daemon-side check still holds, only without the local guarantee.
//!
//! Threat model: whoever can reach the Docker socket is root on the daemon's host, so the lock
//! files guard against accidents (two shells, a script and a notebook), not against an attacker
//! on the machine, who could hold a lock to slow creates down but gains nothing else.

use std::fs::File;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How many stripes (in-process mutexes, and lock files per scope).
const STRIPES: usize = 64;

/// The environment variable naming the lock folder.
pub const LOCK_DIR_ENV: &str = "DOCKERNET_LOCK_DIR";

/// A held local lock; released when dropped (the file lock when its file closes).
pub(crate) struct LocalLock {
    _in_process: tokio::sync::MutexGuard<'static, ()>,
    _file: Option<File>,
}

impl LocalLock {
    /// True when the cross-process file lock is held too (not only the in-process one).
    #[cfg(test)]
    pub(crate) fn has_file_lock(&self) -> bool {
        self._file.is_some()
    }
}

fn stripes() -> &'static [tokio::sync::Mutex<()>] {
    static S: OnceLock<Vec<tokio::sync::Mutex<()>>> = OnceLock::new();
    S.get_or_init(|| (0..STRIPES).map(|_| tokio::sync::Mutex::new(())).collect())
}

/// The lock folder: `$DOCKERNET_LOCK_DIR`, else `/tmp/dockernet-locks`.
pub(crate) fn lock_dir() -> PathBuf {
    match std::env::var_os(LOCK_DIR_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from("/tmp/dockernet-locks"),
    }
}

/// Takes the lock for `key` within `scope` (`network-create` + the daemon's address), waiting at
/// most `wait` for the file lock (the in-process turn is always waited for: it is held only by
/// this process's own operations, each bounded by the request timeout).
pub(crate) async fn lock(scope: &str, key: &str, wait: Duration) -> LocalLock {
    lock_in(&lock_dir(), scope, key, wait).await
}

async fn lock_in(dir: &std::path::Path, scope: &str, key: &str, wait: Duration) -> LocalLock {
    let scope_hash = Sha256::digest(scope.as_bytes());
    let mut h = Sha256::new();
    h.update(scope.as_bytes());
    h.update([0]);
    h.update(key.as_bytes());
    let stripe = usize::from(h.finalize()[0]) % STRIPES;
    let guard = stripes()[stripe].lock().await;
    let name = format!("{}-{stripe:02x}.lock", &hex::encode(scope_hash)[..16]);
    let file = match open_lock_file(dir, &name) {
        Some(f) => acquire(f, wait).await,
        None => None,
    };
    LocalLock { _in_process: guard, _file: file }
}

/// Polls `try_lock` (cancel-safe, unlike a blocking `lock` on a worker thread) until it is had
/// or `wait` has passed.
async fn acquire(file: File, wait: Duration) -> Option<File> {
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(2);
    loop {
        match file.try_lock() {
            Ok(()) => return Some(file),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(_) => return None,
        }
    }
}

#[cfg(unix)]
fn open_lock_file(dir: &std::path::Path, name: &str) -> Option<File> {
    use std::fs::{OpenOptions, Permissions};
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

    if std::fs::create_dir(dir).is_ok() {
        // Like /tmp: everyone may add files, only their owner may remove them.
        let _ = std::fs::set_permissions(dir, Permissions::from_mode(0o1777));
    }
    // The folder itself must be a real folder, not a symlink planted elsewhere.
    if !std::fs::symlink_metadata(dir).ok()?.is_dir() {
        return None;
    }
    let path = dir.join(name);
    let flags = libc::O_NOFOLLOW | libc::O_NONBLOCK;
    let open_existing = || OpenOptions::new().read(true).custom_flags(flags).open(&path);
    let file = match open_existing() {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match OpenOptions::new().read(true).write(true).create_new(true).mode(0o666).custom_flags(flags).open(&path)
            {
                Ok(f) => {
                    // The umask took bits away; other users must be able to open it too.
                    let _ = f.set_permissions(Permissions::from_mode(0o666));
                    f
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => open_existing().ok()?,
                Err(_) => return None,
            }
        }
        Err(_) => return None,
    };
    file.metadata().ok()?.is_file().then_some(file)
}

#[cfg(not(unix))]
fn open_lock_file(_dir: &std::path::Path, _name: &str) -> Option<File> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dnt-lock-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    /// A lock file is created world-openable in a sticky folder, and a second holder of the same
    /// file (another open file description, as another process has) is refused while the first
    /// holds it.
    #[test]
    fn file_lock_excludes_a_second_holder() {
        let dir = temp_dir("excl");
        let f = open_lock_file(&dir, "x.lock").expect("lock file");
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o7777, 0o1777);
        assert_eq!(f.metadata().unwrap().permissions().mode() & 0o777, 0o666);
        f.try_lock().unwrap();
        let g = open_lock_file(&dir, "x.lock").expect("same file again");
        assert!(matches!(g.try_lock(), Err(std::fs::TryLockError::WouldBlock)));
        drop(f);
        g.try_lock().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A symlink or a FIFO planted where a lock file goes is refused, never followed or waited on.
    #[test]
    fn planted_symlink_and_fifo_are_refused() {
        let dir = temp_dir("plant");
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("victim");
        std::fs::write(&target, b"keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.join("a.lock")).unwrap();
        assert!(open_lock_file(&dir, "a.lock").is_none());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        let fifo = dir.join("b.lock");
        let ok = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
        if ok {
            assert!(open_lock_file(&dir, "b.lock").is_none());
        }
        // A symlinked folder is refused too.
        let link = temp_dir("plant-link");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        assert!(open_lock_file(&link, "c.lock").is_none());
        std::fs::remove_file(&link).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Two holders of one key take turns; a holder that keeps the file lock past `wait` leaves
    /// the second with the in-process turn only (the daemon-side check still applies).
    #[test]
    fn same_key_takes_turns() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(async {
            let dir = temp_dir("turns");
            std::fs::create_dir_all(&dir).unwrap();
            // The stripe file this key maps to, held from "another process".
            let scope = "test-scope";
            let first = {
                let _g = lock_in(&dir, scope, "k", Duration::from_secs(1)).await;
                assert!(_g.has_file_lock());
                let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
                assert_eq!(names.len(), 1, "{names:?}");
                dir.join(&names[0])
            };
            let outside = std::fs::File::open(&first).unwrap();
            outside.try_lock().unwrap();
            let t = Instant::now();
            let g = lock_in(&dir, scope, "k", Duration::from_millis(200)).await;
            assert!(!g.has_file_lock());
            assert!(t.elapsed() >= Duration::from_millis(200));
            drop(g);
            drop(outside);
            let g = lock_in(&dir, scope, "k", Duration::from_millis(200)).await;
            assert!(g.has_file_lock());
            drop(g);
            std::fs::remove_dir_all(&dir).unwrap();
        });
    }
}
