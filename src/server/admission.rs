//! The relay's connection limits, exact across shards.
//!
//! A single relay core counts connections itself (`max_connections`, then
//! `max_connections_per_ip`). With rooms sharded across several cores, a
//! connection may talk to more than one of them, so the count lives here, shared
//! by every connection task, and each shard's core runs without those two limits.
//! The refusals are the core's: 1013 `server-full`, then 4029
//! `too-many-connections`, checked in that order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Connections open, in total and per client address.
#[derive(Debug)]
pub(super) struct Admission {
    max: usize,
    max_per_ip: usize,
    state: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_ip: HashMap<String, usize>,
}

/// One admitted connection; its place is given back when dropped.
#[derive(Debug)]
pub(super) struct Ticket {
    admission: Arc<Admission>,
    ip: String,
}

impl Admission {
    pub fn new(max: usize, max_per_ip: usize) -> Arc<Admission> {
        Arc::new(Admission {
            max: max.max(1),
            max_per_ip: max_per_ip.max(1),
            state: Mutex::new(Counts::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        // Every step leaves the counts consistent; a poisoned lock still holds them.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a connection from `ip`, or gives the close code and reason.
    pub fn admit(self: &Arc<Self>, ip: &str) -> Result<Ticket, (u16, &'static str)> {
        let mut s = self.lock();
        if s.total >= self.max {
            return Err((1013, "server-full"));
        }
        let from_ip = s.per_ip.get(ip).copied().unwrap_or(0);
        if from_ip >= self.max_per_ip {
            return Err((4029, "too-many-connections"));
        }
        s.total += 1;
        *s.per_ip.entry(ip.to_string()).or_default() += 1;
        Ok(Ticket {
            admission: self.clone(),
            ip: ip.to_string(),
        })
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut s = self.admission.lock();
        s.total = s.total.saturating_sub(1);
        if let Some(n) = s.per_ip.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                s.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_is_checked_before_the_address_and_both_are_exact() {
        let a = Admission::new(3, 2);
        let one = a.admit("10.0.0.1").expect("first");
        let _two = a.admit("10.0.0.1").expect("second");
        assert_eq!(
            a.admit("10.0.0.1").err(),
            Some((4029, "too-many-connections"))
        );
        let _three = a.admit("10.0.0.2").expect("another address");
        assert_eq!(a.admit("10.0.0.3").err(), Some((1013, "server-full")));
        drop(one);
        assert!(
            a.admit("10.0.0.1").is_ok(),
            "a closed connection frees its place"
        );
        assert!(a.lock().per_ip.len() <= 2);
    }
}
