//! The media bytes every core of a sharded relay holds, so that
//! `max_media_held_bytes` and `max_partial_upload_bytes` bound the relay as a
//! whole and one room may still use all of it, whichever core it lives on.
//!
//! Each core publishes its own two sums (files plus unfinished uploads, and the
//! unfinished uploads alone) in its slot whenever its media changes in a way the
//! others must see: before and after a chunked upload is announced, after a
//! whole-file upload or a reset, when a room closes, when rooms are restored. A
//! core checks an announce against its own sums, computed then, plus the others'
//! last published ones. Those may lag behind media freed in ways not listed (an
//! unfinished upload dropped as stale, a file replaced by a chunked one), which
//! only makes the check stricter until that core publishes again. Two cores that
//! check at the same instant may both pass: the relay may then hold up to one file
//! per other core over the bound (at most `shards - 1` x the largest file).

use std::sync::atomic::{AtomicU64, Ordering};

/// One slot per core: (held, partial) bytes.
#[derive(Debug)]
pub struct MediaShares {
    slots: Box<[(AtomicU64, AtomicU64)]>,
}

impl MediaShares {
    /// Slots for `cores` cores (at least one).
    pub fn new(cores: usize) -> MediaShares {
        MediaShares {
            slots: (0..cores.max(1))
                .map(|_| (AtomicU64::new(0), AtomicU64::new(0)))
                .collect(),
        }
    }

    /// Stores core `slot`'s sums and returns the relay's: its own plus every other
    /// core's last published ones.
    pub fn publish(&self, slot: usize, held: u64, partial: u64) -> (u64, u64) {
        let mut total = (held, partial);
        for (i, (h, p)) in self.slots.iter().enumerate() {
            if i == slot {
                h.store(held, Ordering::Release);
                p.store(partial, Ordering::Release);
            } else {
                total.0 = total.0.saturating_add(h.load(Ordering::Acquire));
                total.1 = total.1.saturating_add(p.load(Ordering::Acquire));
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_sees_its_own_sums_now_and_the_others_as_published() {
        let shares = MediaShares::new(3);
        assert_eq!(shares.publish(0, 10, 4), (10, 4));
        assert_eq!(shares.publish(1, 5, 5), (15, 9));
        assert_eq!(
            shares.publish(0, 1, 0),
            (6, 5),
            "slot 0 replaced, not added"
        );
        assert_eq!(shares.publish(2, 0, 0), (6, 5));
    }

    #[test]
    fn an_out_of_range_slot_counts_only_what_it_is_given_and_the_others() {
        let shares = MediaShares::new(0);
        assert_eq!(shares.publish(0, 7, 7), (7, 7));
        assert_eq!(shares.publish(5, 1, 1), (8, 8));
    }
}
