//! `WSAStartup`/`WSACleanup` reference counting.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

static COUNT: AtomicUsize = AtomicUsize::new(0);
static LOCK: Mutex<()> = Mutex::new(());

pub fn is_started() -> bool {
    COUNT.load(Ordering::Acquire) > 0
}

/// Adds one reference.
pub fn start() {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if COUNT.fetch_add(1, Ordering::AcqRel) == 0 {
        crate::logging::init();
    }
}

/// Drops one reference; returns `None` when not started, `Some(true)` when this was the last.
pub fn stop() -> Option<bool> {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let n = COUNT.load(Ordering::Acquire);
    if n == 0 {
        return None;
    }
    COUNT.store(n - 1, Ordering::Release);
    Some(n == 1)
}
