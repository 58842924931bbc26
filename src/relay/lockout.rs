//! Password lockout per room and client address, across reconnects.
//!
//! The deployed relay limits join attempts per socket only (5 a minute), so a
//! client that reconnects gets fresh attempts: about 26 guesses a second. This
//! limiter is the second line: it counts *wrong* passwords checked for one room
//! from one address in a sliding window (`password_lockout_max` in any
//! `password_lockout_window_ms`; defaults 30 in 20 s), whatever the socket. Past
//! it, `joinRoom` on that room from that address gets `too-many-password-attempts`
//! with `retryAfterMs` on the reply, before any hash is computed.
//!
//! Memory is bounded: each entry keeps at most `max` timestamps, and at most
//! `password_lockout_tracked_max` (room, address) pairs are tracked; past that,
//! entries whose window has passed are dropped first, then the oldest entry.
//! Dropping an entry only forgets failures, never locks anyone out.

use super::{ConnId, RelayCore};
use crate::error::{Code, SyncError};
use crate::validate::SessionCode;
use std::collections::{HashMap, VecDeque};

impl RelayCore {
    fn lockout_limits(&self) -> LockoutLimits {
        let s = &self.settings;
        LockoutLimits {
            max: s.password_lockout_max,
            window_ms: s.password_lockout_window_ms,
            tracked_max: s.password_lockout_tracked_max,
        }
    }

    /// `too-many-password-attempts` (with when to retry) while `conn`'s address is
    /// locked out of the password room `code`; rooms without a password are never.
    pub(super) fn check_lockout(
        &mut self,
        conn: ConnId,
        code: &SessionCode,
        now: u64,
    ) -> Result<(), SyncError> {
        let has_password = self.rooms.get(code).is_some_and(|r| r.password.is_some());
        let Some(ip) = self.conns.get(&conn).map(|c| c.ip.clone()) else {
            return Ok(());
        };
        let limits = self.lockout_limits();
        match self.lockout.retry_after(code, &ip, now, limits) {
            Some(after_ms) if has_password => {
                self.lockouts += 1;
                Err(SyncError::RetryAfter {
                    code: Code::TooManyPasswordAttempts,
                    after_ms,
                })
            }
            _ => Ok(()),
        }
    }

    /// Counts one wrong password for `code` from `conn`'s address.
    pub(super) fn record_wrong_password(&mut self, conn: ConnId, code: &SessionCode, now: u64) {
        if let Some(ip) = self.conns.get(&conn).map(|c| c.ip.clone()) {
            let limits = self.lockout_limits();
            self.lockout.record_failure(code, &ip, now, limits);
        }
    }
}

/// Wrong passwords per (room, address), in a sliding window.
#[derive(Debug, Default)]
pub struct Lockout {
    entries: HashMap<(SessionCode, String), VecDeque<u64>>,
}

/// The limits of a [`Lockout`] (from the relay settings).
#[derive(Debug, Clone, Copy)]
pub struct LockoutLimits {
    /// Wrong passwords allowed in one window.
    pub max: u32,
    /// The sliding window, ms.
    pub window_ms: u64,
    /// (room, address) pairs tracked at once.
    pub tracked_max: usize,
}

impl Lockout {
    /// `Some(ms)` until the next attempt may be checked when `ip` is locked out of
    /// `code` at `now`; `None` when it may try.
    pub fn retry_after(
        &mut self,
        code: &SessionCode,
        ip: &str,
        now: u64,
        l: LockoutLimits,
    ) -> Option<u64> {
        let key = (code.clone(), ip.to_string());
        let times = self.entries.get_mut(&key)?;
        while times
            .front()
            .is_some_and(|t| now.saturating_sub(*t) >= l.window_ms)
        {
            times.pop_front();
        }
        if times.is_empty() {
            self.entries.remove(&key);
            return None;
        }
        if times.len() < l.max as usize {
            return None;
        }
        // The oldest failure leaves the window first.
        let oldest = times.front().copied().unwrap_or(now);
        Some((oldest + l.window_ms).saturating_sub(now).max(1))
    }

    /// Records one wrong password for `code` from `ip` at `now`.
    pub fn record_failure(&mut self, code: &SessionCode, ip: &str, now: u64, l: LockoutLimits) {
        let key = (code.clone(), ip.to_string());
        if !self.entries.contains_key(&key) && self.entries.len() >= l.tracked_max {
            self.make_room(now, l);
        }
        let times = self.entries.entry(key).or_default();
        times.push_back(now);
        while times.len() > l.max as usize {
            times.pop_front();
        }
    }

    /// Forgets every failure for a room (it closed; a new room of that code starts clean).
    pub fn forget_room(&mut self, code: &SessionCode) {
        self.entries.retain(|(c, _), _| c != code);
    }

    /// (room, address) pairs tracked now.
    #[cfg(test)]
    pub fn tracked(&self) -> usize {
        self.entries.len()
    }

    fn make_room(&mut self, now: u64, l: LockoutLimits) {
        self.entries.retain(|_, times| {
            times
                .back()
                .is_some_and(|t| now.saturating_sub(*t) < l.window_ms)
        });
        if self.entries.len() >= l.tracked_max {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, times)| times.back().copied().unwrap_or(0))
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                self.entries.remove(&k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: LockoutLimits = LockoutLimits {
        max: 3,
        window_ms: 1000,
        tracked_max: 2,
    };

    fn code(s: &str) -> SessionCode {
        SessionCode::normalize(s).expect("valid code")
    }

    #[test]
    fn locks_after_max_failures_in_any_window_and_says_when() {
        let mut l = Lockout::default();
        let c = code("ABCD-EFGH");
        for t in [0, 100, 200] {
            assert_eq!(l.retry_after(&c, "1.1.1.1", t, L), None);
            l.record_failure(&c, "1.1.1.1", t, L);
        }
        assert_eq!(l.retry_after(&c, "1.1.1.1", 300, L), Some(700));
        assert_eq!(l.retry_after(&c, "2.2.2.2", 300, L), None, "per address");
        assert_eq!(l.retry_after(&code("WXYZ-2345"), "1.1.1.1", 300, L), None);
        assert_eq!(l.retry_after(&c, "1.1.1.1", 999, L), Some(1));
        assert_eq!(l.retry_after(&c, "1.1.1.1", 1000, L), None, "sliding");
    }

    #[test]
    fn memory_stays_bounded() {
        let mut l = Lockout::default();
        let c = code("ABCD-EFGH");
        for i in 0..50 {
            l.record_failure(&c, &format!("10.0.0.{i}"), i, L);
            assert!(l.tracked() <= L.tracked_max);
        }
        for t in 0..20 {
            l.record_failure(&c, "1.1.1.1", 100 + t, L);
        }
        let times = &l.entries[&(c.clone(), "1.1.1.1".to_string())];
        assert_eq!(times.len(), L.max as usize);
        l.forget_room(&c);
        assert_eq!(l.tracked(), 0);
    }
}
