//! Transfer rate limits of chunked media: token buckets of bytes per client address
//! and per room, so one room's upload cannot starve the others.
//!
//! Each bucket holds at most one second of its rate and refills with time (passed
//! in, never read). A chunk passes only when both its address's and its room's
//! buckets hold its bytes; otherwise the reply says how long to wait.

use std::collections::HashMap;

/// Most buckets of each kind kept; past it, full (idle) buckets are dropped.
const MAX_TRACKED: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: u64,
    at: u64,
}

impl Bucket {
    fn refill(&mut self, now: u64, rate: u64) {
        let earned = now.saturating_sub(self.at).saturating_mul(rate) / 1000;
        self.tokens = self.tokens.saturating_add(earned).min(rate);
        self.at = now.max(self.at);
    }

    /// Milliseconds until `n` bytes are there (0: now).
    fn wait_for(&self, n: u64, rate: u64) -> u64 {
        n.saturating_sub(self.tokens)
            .saturating_mul(1000)
            .div_ceil(rate)
    }
}

/// Byte buckets by key (client address, room code).
#[derive(Debug, Default)]
pub struct Buckets {
    by_key: HashMap<String, Bucket>,
}

impl Buckets {
    fn bucket(&mut self, key: &str, now: u64, rate: u64) -> &mut Bucket {
        if self.by_key.len() >= MAX_TRACKED && !self.by_key.contains_key(key) {
            self.by_key.retain(|_, b| {
                let mut b = *b;
                b.refill(now, rate);
                b.tokens < rate
            });
        }
        let b = self.by_key.entry(key.to_string()).or_insert(Bucket {
            tokens: rate,
            at: now,
        });
        b.refill(now, rate);
        b
    }
}

/// The relay's transfer limiter: per address and per room.
#[derive(Debug, Default)]
pub struct TransferRate {
    ips: Buckets,
    rooms: Buckets,
}

impl TransferRate {
    /// Takes `n` bytes from both buckets, or neither.
    ///
    /// # Errors
    /// The milliseconds to wait before the bytes would pass.
    pub fn take(
        &mut self,
        ip: &str,
        room: &str,
        n: u64,
        now: u64,
        (ip_rate, room_rate): (u64, u64),
    ) -> Result<(), u64> {
        let ip_rate = ip_rate.max(1);
        let room_rate = room_rate.max(1);
        let wait_ip = self.ips.bucket(ip, now, ip_rate).wait_for(n, ip_rate);
        let wait_room = self
            .rooms
            .bucket(room, now, room_rate)
            .wait_for(n, room_rate);
        let wait = wait_ip.max(wait_room);
        if wait > 0 {
            return Err(wait);
        }
        let b = self.ips.bucket(ip, now, ip_rate);
        b.tokens -= n.min(b.tokens);
        let b = self.rooms.bucket(room, now, room_rate);
        b.tokens -= n.min(b.tokens);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_pass_up_to_one_second_of_rate_then_wait() {
        let mut t = TransferRate::default();
        let rates = (1000, 2000);
        assert_eq!(t.take("a", "R", 600, 0, rates), Ok(()));
        assert_eq!(t.take("a", "R", 400, 0, rates), Ok(()));
        // The address's bucket is empty: 100 bytes at 1000 B/s is 100 ms away.
        assert_eq!(t.take("a", "R", 100, 0, rates), Err(100));
        assert_eq!(t.take("a", "R", 100, 100, rates), Ok(()));
        // Another address shares the room's bucket (2000 B/s: 900 left + 200 refilled).
        assert_eq!(t.take("b", "R", 1000, 100, rates), Ok(()));
        assert_eq!(t.take("c", "R", 200, 100, rates), Err(50));
        // A refused take takes nothing.
        assert_eq!(t.take("c", "S", 1000, 100, rates), Ok(()));
    }
}
