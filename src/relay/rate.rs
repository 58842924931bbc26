//! Fixed-window rate limiting, as the deployed relay counts.

/// A fixed window that opens at the first counted hit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    start: u64,
    count: u32,
}

impl Window {
    /// Counts one hit at `now`; `true` while the window holds at most `max` hits.
    pub fn hit(&mut self, now: u64, window_ms: u64, max: u32) -> bool {
        if self.count == 0 || now.saturating_sub(self.start) >= window_ms {
            self.start = now;
            self.count = 0;
        }
        self.count = self.count.saturating_add(1);
        self.count <= max
    }

    /// Whether the window has ended by `now` (a hit would start a new one).
    pub fn is_stale(&self, now: u64, window_ms: u64) -> bool {
        self.count == 0 || now.saturating_sub(self.start) >= window_ms
    }
}

/// A connection's own windows (every message, join attempts), shared by every
/// core of a sharded relay that hears from it: each limit counts all of the
/// connection's messages, whichever rooms (and cores) they are for.
#[derive(Debug, Clone, Default)]
pub struct ConnWindows(std::sync::Arc<std::sync::Mutex<(Window, Window)>>);

impl ConnWindows {
    /// Counts one message at `now` (see [`Window::hit`]).
    pub fn message(&self, now: u64, window_ms: u64, max: u32) -> bool {
        self.with(|(messages, _)| messages.hit(now, window_ms, max))
    }

    /// Counts one join attempt at `now` (see [`Window::hit`]).
    pub fn join(&self, now: u64, window_ms: u64, max: u32) -> bool {
        self.with(|(_, joins)| joins.hit(now, window_ms, max))
    }

    fn with<R>(&self, f: impl FnOnce(&mut (Window, Window)) -> R) -> R {
        // A window is two numbers, whole after any panic: a poisoned lock is fine.
        let mut w = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_max_then_refuses_until_the_window_ends() {
        let mut w = Window::default();
        for i in 0..5 {
            assert!(w.hit(100 + i, 1000, 5), "hit {i}");
        }
        assert!(!w.hit(500, 1000, 5));
        assert!(!w.hit(1099, 1000, 5));
        assert!(w.hit(1100, 1000, 5));
    }

    #[test]
    fn shared_windows_count_every_copy_s_hits() {
        let a = ConnWindows::default();
        let b = a.clone();
        assert!(a.message(0, 1000, 2));
        assert!(b.message(1, 1000, 2));
        assert!(
            !a.message(2, 1000, 2),
            "the third message, through either copy"
        );
        assert!(b.join(3, 1000, 1), "joins are a window of their own");
        assert!(!a.join(4, 1000, 1));
    }
}
