//! What a relay core shares with the other cores of a relay sharded across
//! threads (`--shards`): the count of rooms against `max_rooms`, the media sums
//! against the media bounds ([`super::media_shares`]) and each connection's
//! message and join-attempt windows. A core on its own holds its own of each.

use super::{media_shares, rate, ConnId, RelayCore};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

impl RelayCore {
    /// Counts this core's rooms against `max_rooms` together with every other core
    /// given the same counter: a relay whose rooms are sharded across cores keeps
    /// one exact limit. The rooms this core already holds are added to it.
    pub fn share_room_count(&mut self, counter: Arc<AtomicUsize>) {
        let mine = self.rooms_open.swap(0, Ordering::AcqRel);
        counter.fetch_add(mine, Ordering::AcqRel);
        self.rooms_open = counter;
    }

    /// Counts this core's media against `max_media_held_bytes` and
    /// `max_partial_upload_bytes` together with every other core given the same
    /// shares, in `slot`: a sharded relay keeps one bound for all of them.
    pub fn share_media(&mut self, shares: Arc<media_shares::MediaShares>, slot: usize) {
        self.media_shares = (shares, slot);
        self.relay_media();
    }

    /// Publishes this core's media sums; returns the relay's (held, partial) bytes.
    pub(super) fn relay_media(&self) -> (u64, u64) {
        let (held, partial) = self.rooms.values().fold((0u64, 0u64), |(h, p), r| {
            let reserved = r.media.uploads.reserved() as u64;
            (h + r.media.total_bytes() as u64 + reserved, p + reserved)
        });
        let (shares, slot) = &self.media_shares;
        shares.publish(*slot, held, partial)
    }

    /// Counts connection `conn`'s messages and join attempts in `windows`, shared
    /// with every other core the connection talks to: a sharded relay keeps the
    /// per-connection limits of one relay. Nothing for an unknown connection.
    pub fn share_windows(&mut self, conn: ConnId, windows: rate::ConnWindows) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.windows = windows;
        }
    }

    /// Whether `max_rooms` leaves room for one more (nothing is taken).
    pub(super) fn room_limit_reached(&self) -> bool {
        self.rooms_open.load(Ordering::Acquire) >= self.max_rooms_here()
    }

    /// `max_rooms` less the rooms other relay nodes hold (a cluster, `nodes`).
    fn max_rooms_here(&self) -> usize {
        #[cfg(not(target_arch = "wasm32"))]
        let elsewhere = self.rooms_elsewhere.load(Ordering::Acquire);
        #[cfg(target_arch = "wasm32")]
        let elsewhere = 0;
        self.settings.max_rooms.saturating_sub(elsewhere)
    }

    /// Takes one room of `max_rooms`; `false` when none is left.
    pub(super) fn take_room(&self) -> bool {
        let max = self.max_rooms_here();
        self.rooms_open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .is_ok()
    }

    /// Gives back a room taken with [`RelayCore::take_room`] (or restored).
    pub(super) fn release_room(&self) {
        let _ = self
            .rooms_open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_sub(1))
            });
    }
}
