//! The relay under load as one or more nodes: where each client of a room
//! connects, and the CPU and memory of every node (and of their Redis) read
//! from `/proc`.
//!
//! With one node every client connects to it. With `N > 1` nodes (a cluster on
//! one Redis), room `r`'s host connects to node `r % N`, which creates the room
//! and so owns it, and its members to the *other* nodes in turn: member `m`
//! (1-based) to node `(r % N + 1 + (m - 1) % (N - 1)) % N`. Every member's
//! delivery then crosses nodes (owner -> Redis -> the member's node) and only the
//! host's own copy stays on the owner: `(members - 1) / members` of the
//! deliveries cross, 90 % with 10 members ([`Nodes::cross_share`]).

use crate::net::Dialer;
use crate::procfs::{self, Cpu};
use std::time::Duration;

/// The nodes of the relay under load.
#[derive(Debug, Clone)]
pub struct Nodes {
    dialers: Vec<Dialer>,
    pids: Vec<u32>,
    redis_pid: Option<u32>,
}

impl Nodes {
    /// Node `i` at `dialers[i]` runs as process `pids[i]`; `redis_pid`, when
    /// known, is the Redis of a cluster (its CPU is reported on its own).
    ///
    /// # Errors
    /// When there is no node, or not one pid per node.
    pub fn new(
        dialers: Vec<Dialer>,
        pids: Vec<u32>,
        redis_pid: Option<u32>,
    ) -> Result<Nodes, String> {
        if dialers.is_empty() || dialers.len() != pids.len() {
            return Err(format!(
                "one --pid per --addr: {} addresses, {} pids",
                dialers.len(),
                pids.len()
            ));
        }
        Ok(Nodes {
            dialers,
            pids,
            redis_pid,
        })
    }

    /// How many nodes.
    pub fn len(&self) -> usize {
        self.dialers.len()
    }

    /// The node member `m` of room `r` connects to (`m == 0` is the host).
    pub fn node_of(&self, r: usize, m: usize) -> usize {
        place(self.len(), r, m)
    }

    /// The dialer of member `m` of room `r`.
    pub fn dialer(&self, r: usize, m: usize) -> &Dialer {
        &self.dialers[self.node_of(r, m)]
    }

    /// The dialer of node `i`.
    pub fn node(&self, i: usize) -> &Dialer {
        &self.dialers[i % self.len()]
    }

    /// Whether member `m` of room `r` is on another node than its host.
    pub fn crosses(&self, r: usize, m: usize) -> bool {
        self.node_of(r, m) != self.node_of(r, 0)
    }

    /// The share of a room's deliveries (one per member, the host included)
    /// that cross nodes.
    pub fn cross_share(&self, members: usize) -> f64 {
        let crossing = (0..members).filter(|&m| self.crosses(0, m)).count();
        crossing as f64 / members.max(1) as f64
    }

    /// The CPU clocks of every node and of Redis, now.
    pub fn usage(&self) -> Usage {
        Usage {
            relays: self.pids.iter().map(|&p| Cpu::of(p)).collect(),
            redis: self.redis_pid.map(Cpu::of),
        }
    }

    /// The resident memory of every node together, bytes.
    pub fn rss(&self) -> u64 {
        self.pids.iter().map(|&p| procfs::rss(p)).sum()
    }
}

/// The node of member `m` of room `r` among `n` nodes (see the module doc).
fn place(n: usize, r: usize, m: usize) -> usize {
    let host = r % n.max(1);
    if n <= 1 || m == 0 {
        host
    } else {
        (host + 1 + (m - 1) % (n - 1)) % n
    }
}

/// CPU clocks of the nodes and of Redis at one instant.
#[derive(Debug, Clone)]
pub struct Usage {
    relays: Vec<Cpu>,
    redis: Option<Cpu>,
}

impl Usage {
    /// The CPU spent since `self` until `later`: every node's together, and
    /// Redis's (when watched).
    pub fn spent_until(&self, later: &Usage) -> (Duration, Option<Duration>) {
        let relays = self
            .relays
            .iter()
            .zip(&later.relays)
            .map(|(a, b)| a.spent_until(b))
            .sum();
        let redis = self.redis.zip(later.redis).map(|(a, b)| a.spent_until(&b));
        (relays, redis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_node_takes_every_client() {
        assert!((0..10).all(|m| place(1, 7, m) == 0));
    }

    #[test]
    fn hosts_go_round_and_members_go_to_the_other_nodes() {
        assert_eq!(place(3, 0, 0), 0);
        assert_eq!(place(3, 4, 0), 1);
        let members: Vec<usize> = (1..7).map(|m| place(3, 4, m)).collect();
        assert_eq!(members, [2, 0, 2, 0, 2, 0]);
        assert!((1..10).all(|m| place(2, 1, m) == 0));
    }

    #[test]
    fn every_member_but_the_host_crosses() {
        let d = Dialer::new(([127, 0, 0, 1], 1).into());
        let three = Nodes::new(vec![d.clone(); 3], vec![1, 2, 3], None).expect("nodes");
        assert!((three.cross_share(10) - 0.9).abs() < 1e-9);
        let one = Nodes::new(vec![d], vec![1], None).expect("nodes");
        assert_eq!(one.cross_share(10), 0.0);
        assert!(Nodes::new(vec![], vec![], None).is_err());
    }
}
