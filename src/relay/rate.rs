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
}
