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
//! Why a waiter list of its own rather than `tokio::sync::Notify`: every daemon call of a client
//! with an interrupt races it, and the race is polled at each wake-up of the call. Racing a
//! `Notify` under `select!` cost about 2,300 client instructions more per `ping` (6 %, callgrind,
//! release build); [`Taken`] registers its waker once per call and then reads one atomic per
//! poll: about 400 more (1 %, within the run-to-run spread).
//!
//! What does not live here: catching signals. Core installs no signal handler; the `dockernet`
//! program (signal-hook, on a thread of its own) and the Python module (Python's own signal
//! handling) call [`Interrupt::trigger`]. Trigger it from a normal thread, not from inside a
//! signal handler: waking the waiting task takes a lock.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

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
    /// The tasks waiting in [`Taken`], by the id each got.
    waiters: Mutex<Waiters>,
}

#[derive(Default)]
struct Waiters {
    next: u64,
    list: Vec<(u64, Waker)>,
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
        // Woken outside the lock: a waker may run its task's code on this thread.
        let wakers: Vec<Waker> = match self.inner.waiters.lock() {
            Ok(w) => w.list.iter().map(|(_, w)| w.clone()).collect(),
            Err(_) => Vec::new(),
        };
        wakers.into_iter().for_each(Waker::wake);
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
    pub fn taken(&self) -> Taken<'_> {
        Taken { interrupt: self, slot: None }
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

/// The future of [`Interrupt::taken`].
#[must_use = "futures do nothing unless polled"]
pub struct Taken<'a> {
    interrupt: &'a Interrupt,
    /// This waiter's id in the list, and the waker registered there.
    slot: Option<(u64, Waker)>,
}

impl Future for Taken<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.interrupt.take() {
            return Poll::Ready(());
        }
        if !this.slot.as_ref().is_some_and(|(_, w)| w.will_wake(cx.waker())) {
            let Ok(mut waiters) = this.interrupt.inner.waiters.lock() else { return Poll::Pending };
            let waker = cx.waker().clone();
            match &mut this.slot {
                Some((id, registered)) => {
                    if let Some(entry) = waiters.list.iter_mut().find(|(i, _)| i == id) {
                        entry.1 = waker.clone();
                    }
                    *registered = waker;
                }
                None => {
                    let id = waiters.next;
                    waiters.next += 1;
                    waiters.list.push((id, waker.clone()));
                    this.slot = Some((id, waker));
                }
            }
            drop(waiters);
            // Checked again once registered: a trigger in between has seen this waker, or is
            // seen here.
            if this.interrupt.take() {
                return Poll::Ready(());
            }
        }
        Poll::Pending
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if let Some((id, _)) = self.slot.take() {
            if let Ok(mut waiters) = self.interrupt.inner.waiters.lock() {
                waiters.list.retain(|(i, _)| *i != id);
            }
        }
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

    /// A waiter leaves the list when it is dropped, resolved or not; a trigger wakes a waiter
    /// registered on another thread's runtime, and only one waiter takes each interrupt.
    #[test]
    fn waiters_register_once_and_leave_when_dropped() {
        let i = Interrupt::new();
        let waiting = |i: &Interrupt| i.inner.waiters.lock().unwrap().list.len();
        rt().block_on(async {
            let _ = tokio::time::timeout(Duration::from_millis(20), i.taken()).await;
        });
        assert_eq!(waiting(&i), 0);
        let (a, b) = (i.clone(), i.clone());
        let first = std::thread::spawn(move || {
            rt().block_on(async { tokio::time::timeout(Duration::from_millis(1500), a.taken()).await.is_ok() })
        });
        let second = std::thread::spawn(move || {
            rt().block_on(async { tokio::time::timeout(Duration::from_millis(1500), b.taken()).await.is_ok() })
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while waiting(&i) < 2 {
            assert!(std::time::Instant::now() < deadline, "both waiters register");
            std::thread::sleep(Duration::from_millis(5));
        }
        i.trigger("Ctrl-C");
        let (x, y) = (first.join().unwrap(), second.join().unwrap());
        assert!(x ^ y, "exactly one waiter takes the interrupt: {x} {y}");
        assert_eq!(waiting(&i), 0);
        assert!(!i.is_pending());
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
