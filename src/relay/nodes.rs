//! What a core shares with the other nodes of a relay cluster (`--redis-url`,
//! `server::cluster`): the rooms they hold, counted against `max_rooms` with this
//! relay's own, and the hand-over of a room another node now owns.
//!
//! The rules stay here: the cluster layer only decides which node's core a
//! room's messages reach, and tells a core when it must let a room go.

use super::{ConnId, RelayCore};
use crate::validate::SessionCode;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

impl RelayCore {
    /// Counts `elsewhere` (rooms open on the other nodes, kept current by the
    /// cluster layer) against `max_rooms` together with this relay's own rooms.
    pub fn share_rooms_elsewhere(&mut self, elsewhere: Arc<AtomicUsize>) {
        self.rooms_elsewhere = elsewhere;
    }

    /// Lets the room `code` go without closing it: another node owns it now (or
    /// this node can no longer prove it does). Nothing is broadcast and nothing is
    /// written (the room stays as stored, for its next owner); the room's count and
    /// media leave this core's sums. Returns the connections bound to it, in id
    /// order, for the caller to close so that they resume on the room's owner.
    pub fn evict(&mut self, code: &str) -> Vec<ConnId> {
        let Some(code) = SessionCode::normalize(code) else {
            return Vec::new();
        };
        if self.rooms.remove(&code).is_none() {
            return Vec::new();
        }
        self.release_room();
        self.relay_media();
        self.lockout.forget_room(&code);
        self.dirty.remove(&code);
        let mut bound = Vec::new();
        for (id, c) in &mut self.conns {
            if c.bindings.iter().any(|(b, _)| b == &code) {
                bound.push(*id);
            }
            c.bindings.retain(|(b, _)| b != &code);
            c.limiters.retain(|(b, _), _| b != &code);
        }
        bound
    }

    /// Every room is written again, media bytes too (the store may have lost
    /// writes: a cluster's Redis restarted). Only with persistence on.
    pub fn rewrite_all(&mut self) {
        if self.persisting {
            self.stored_media.clear();
            let codes: Vec<SessionCode> = self.rooms.keys().cloned().collect();
            self.dirty.extend(codes);
        }
    }

    /// Whether this core holds the room `code`.
    pub fn holds_room(&self, code: &SessionCode) -> bool {
        self.rooms.contains_key(code)
    }
}
