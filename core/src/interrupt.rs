//! [`Interrupt`]: how a caller tells dockernet to stop waiting (Ctrl-C, SIGTERM, a notebook's
//! stop button), and how dockernet hears it while a daemon call is in flight.
//!
//! An interrupt is *pending* from the moment it is triggered until one party acts on it and
//! [takes](Interrupt::take) it: the blocking client abandoning a call, a topology apply stopping
//! its steps, the Lua REPL's instruction hook stopping a loop. Exactly one of them reacts to each
//! interrupt, so a Ctrl-C that stopped a call does not also stop the clean-up code a script runs
//! next. An interrupt that arrives while nothing is listening stays pending and stops the next
//! call before it starts: a Ctrl-C between two calls is not lost.
//!
//! What does not live here: catching signals. Core installs no signal handler; the `dockernet`
//! program (signal-hook, on a thread of its own) and the Python module (Python's own signal
//! handling) call [`Interrupt::trigger`]. Trigger it from a normal thread, not from inside a
//! signal handler: waking the waiting task takes a lock.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::error::{Error, ErrorKind};

/// A shareable interrupt source. Clones share one state: trigger a clone, and every holder hears.
#[derive(Clone, Default)]
pub struct Interrupt {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    pending: AtomicBool,
    count: AtomicU64,
    cause: Mutex<String>,
    notify: Notify,
}

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interrupt").field("pending", &self.is_pending()).field("count", &self.count()).finish()
    }
}

impl Interrupt {
    /// A new interrupt source, not triggered.
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// Interrupts: whatever is waiting on this source stops (see the file notes). `cause` is how
    /// messages name it: `"Ctrl-C"`, `"SIGTERM"`.
    pub fn trigger(&self, cause: &str) {
        if let Ok(mut c) = self.inner.cause.lock() {
            c.clear();
            c.push_str(cause);
        }
        self.inner.count.fetch_add(1, Ordering::SeqCst);
        self.inner.pending.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    /// True when an interrupt is pending: triggered, and not yet taken by anyone.
    pub fn is_pending(&self) -> bool {
        self.inner.pending.load(Ordering::SeqCst)
    }

    /// Acts on a pending interrupt: true (and no longer pending) when there was one.
    pub fn take(&self) -> bool {
        // A plain load first: the Lua hook asks this every few thousand instructions.
        self.inner.pending.load(Ordering::Relaxed) && self.inner.pending.swap(false, Ordering::SeqCst)
    }

    /// Forgets a pending interrupt (the REPL does, before each chunk it runs).
    pub fn clear(&self) {
        self.inner.pending.store(false, Ordering::SeqCst);
    }

    /// How many times this source was triggered, ever.
    pub fn count(&self) -> u64 {
        self.inner.count.load(Ordering::SeqCst)
    }

    /// How the last interrupt was named (`"Ctrl-C"`), or `"interrupt"` before any.
    pub fn cause(&self) -> String {
        match self.inner.cause.lock() {
            Ok(c) if !c.is_empty() => c.clone(),
            _ => "interrupt".to_string(),
        }
    }

    /// Resolves once an interrupt is pending, and takes it. Resolves at once when one is
    /// already pending. Cancel-safe: dropping it takes nothing.
    pub async fn taken(&self) {
        loop {
            let notified = self.inner.notify.notified();
            tokio::pin!(notified);
            // Registered before the check, so a trigger between the check and the await wakes us.
            notified.as_mut().enable();
            if self.take() {
                return;
            }
            notified.await;
        }
    }

    /// The error of a call this interrupt stopped: `interrupted (Ctrl-C): stopped waiting for
    /// {what}` and, when given, what may still be going on (`the process may still be running in
    /// the container`).
    pub fn error(&self, what: &str, still: Option<&str>) -> Error {
        let mut message = format!("interrupted ({}): stopped waiting for {what}", self.cause());
        if let Some(still) = still {
            message.push_str("; ");
            message.push_str(still);
        }
        Error::new(ErrorKind::Interrupted, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    /// One trigger is taken once; the count and the cause remember it.
    #[test]
    fn an_interrupt_is_taken_once() {
        let i = Interrupt::new();
        assert!(!i.is_pending() && !i.take());
        assert_eq!(i.cause(), "interrupt");
        i.clone().trigger("Ctrl-C");
        assert!(i.is_pending());
        assert!(i.take());
        assert!(!i.take() && !i.is_pending());
        assert_eq!((i.count(), i.cause().as_str()), (1, "Ctrl-C"));
        i.trigger("SIGTERM");
        i.clear();
        assert!(!i.take());
        assert_eq!((i.count(), i.cause().as_str()), (2, "SIGTERM"));
    }

    /// `taken` resolves at once for a pending interrupt, and wakes for one triggered later from
    /// another thread; a dropped `taken` leaves the interrupt pending.
    #[test]
    fn taken_wakes_for_a_trigger_from_another_thread() {
        let rt = rt();
        let i = Interrupt::new();
        i.trigger("Ctrl-C");
        rt.block_on(i.taken());
        assert!(!i.is_pending());

        let other = i.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            other.trigger("SIGHUP");
        });
        let started = std::time::Instant::now();
        rt.block_on(async { tokio::time::timeout(Duration::from_secs(5), i.taken()).await }).expect("woken");
        assert!(started.elapsed() < Duration::from_secs(2));
        t.join().unwrap();
        assert!(!i.is_pending());

        rt.block_on(async {
            let _ = tokio::time::timeout(Duration::from_millis(10), i.taken()).await;
        });
        i.trigger("Ctrl-C");
        rt.block_on(async {
            let waiting = i.taken();
            drop(waiting);
        });
        assert!(i.is_pending(), "a dropped wait must not take the interrupt");
    }

    /// The error names the cause, what was abandoned and what may still run.
    #[test]
    fn the_error_says_what_may_still_run() {
        let i = Interrupt::new();
        i.trigger("Ctrl-C");
        let e = i.error("exec of `sleep 30` in \"box\"", Some("the process may still be running in the container"));
        assert_eq!(e.kind(), ErrorKind::Interrupted);
        assert_eq!(
            e.message(),
            "interrupted (Ctrl-C): stopped waiting for exec of `sleep 30` in \"box\"; the process may still be \
             running in the container"
        );
        assert_eq!(i.error("network ls", None).message(), "interrupted (Ctrl-C): stopped waiting for network ls");
    }
}
