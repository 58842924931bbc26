//! Which rooms changed since the store last saw them (the data dir's write-behind).
//!
//! Tracking is off until [`RelayCore::enable_persistence`] (the server calls it when
//! it has a data dir): a relay without one, and `MockRelay`, keep no set that
//! grows with every room ever opened. The records themselves are built by
//! `persist` (native builds), drained with `poll_persist`.

use super::{ConnId, RelayCore};
use crate::validate::SessionCode;

impl RelayCore {
    /// From now on, changed rooms are tracked for `poll_persist`.
    pub fn enable_persistence(&mut self) {
        self.persisting = true;
    }

    /// Marks a room changed.
    pub(super) fn mark_dirty(&mut self, code: &SessionCode) {
        if self.persisting {
            self.dirty.insert(code.clone());
        }
    }

    /// Marks every room `conn` is bound to changed.
    pub(super) fn mark_conn_dirty(&mut self, conn: ConnId) {
        if !self.persisting {
            return;
        }
        if let Some(c) = self.conns.get(&conn) {
            let codes: Vec<SessionCode> = c.bindings.iter().map(|(b, _)| b.clone()).collect();
            self.dirty.extend(codes);
        }
    }

    /// Marks the rooms whose grace ends by `now` (called before the graces end).
    pub(super) fn mark_grace_dirty(&mut self, now: u64) {
        if !self.persisting {
            return;
        }
        let codes: Vec<SessionCode> = self
            .rooms
            .values()
            .filter(|r| r.grace_deadline().is_some_and(|t| now >= t))
            .map(|r| r.code.clone())
            .collect();
        self.dirty.extend(codes);
    }
}
