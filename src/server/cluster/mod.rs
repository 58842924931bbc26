//! Relay nodes on one Redis that act as one relay (`--redis-url`).
//!
//! **Design: one owner node per room.** A room lives in exactly one node's
//! sans-IO core at a time, the node holding the room's *lease* in Redis
//! (`SET os:lease:<code> <node> NX PX lease_ms`, renewed every `lease_ms / 3`
//! while the room is open, [`lease`]). A client may connect to any node:
//! - the node its socket is on (the *origin*) finds the room's owner — itself, or
//!   another node — the first time one of its clients names the room
//!   ([`gateway`]); when nobody owns it, the origin takes the lease and loads the
//!   room from Redis (or starts with none, for a `createRoom`);
//! - the origin forwards the client's messages to the owner over Redis pub/sub
//!   (each node listens on `os:bus:<node>`, [`bus`]); the owner runs them through
//!   its core as if the client were its own, and publishes every frame for that
//!   client back to the origin, which writes it to the socket. The wire does not
//!   change: deployed clients and ours see one relay.
//! - every room change is written to Redis within ~100 ms, as to a data dir
//!   ([`store`]: the same [`crate::store::RoomStore`] trait), and each write is
//!   *fenced*: a Lua script stores it only while the writing node holds the lease.
//!
//! **No split brain.** Two nodes never both act as a room's owner: a lease is
//! taken only when absent; an owner that cannot renew its lease (Redis
//! unreachable) lets the room go (`RelayCore::evict`) before the lease can expire
//! (`lease_ms * 2 / 3` after its last renewal), and a write by a node that lost
//! the lease is refused by Redis. A room let go keeps its stored copy for the
//! next owner; its clients are closed with 1012 `room-moved` and resume.
//!
//! **Failover.** When the owner dies (kill -9), its leases expire within
//! `lease_ms`; its clients reconnect (behind a load balancer, or to the next URL
//! of `SyncClient.websocket([...])`) and resume with their tokens; the node they
//! reach takes the lease and loads the room from Redis. Clients of other nodes
//! that were forwarded to the dead owner are closed with 1012 when their node
//! sees its heartbeat (`os:node:<node>`) gone, and resume the same way.
//!
//! **Limits.** Every rule of a room (password lockout per room and address,
//! duplicate client ids, room full, rates) runs in the owner's core, so it holds
//! across nodes. `max_rooms` counts every node's rooms: each node publishes its
//! count with its heartbeat and counts the others' (as of at most one renewal
//! ago). Connections in total and per address are counted per node.
//! Media bytes are stored in Redis (`os:media:<sha256>`), bounded by each room's
//! media limits, and expire `media_ttl` after the last write of a room that
//! references them.

mod bus;
mod gateway;
mod lease;
mod link;
mod node;
mod place;
mod proxy;
mod store;
mod tick;

pub use gateway::ROOM_MOVED;
pub use link::RedisHealth;
pub use node::{start, Cluster, Wiring};
pub use store::RedisStore;

/// What a node of a cluster needs.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// `redis://host:port[/db]`.
    pub redis_url: String,
    /// This node's name in Redis (unique per node; random when empty).
    pub node_id: String,
    /// How long a room's lease lasts without renewal, ms (renewed every third).
    /// A dead owner's rooms move to another node within about this long.
    pub lease_ms: u64,
    /// How long a Redis command may take before it counts as failed, ms.
    pub redis_timeout_ms: u64,
    /// How long a request waits for its room to be placed (a dead owner's lease
    /// to expire) before it is answered `transport-unavailable`, ms.
    pub place_timeout_ms: u64,
}

/// Default [`ClusterConfig::lease_ms`].
pub const DEFAULT_LEASE_MS: u64 = 3_000;
/// Default [`ClusterConfig::redis_timeout_ms`].
pub const DEFAULT_REDIS_TIMEOUT_MS: u64 = 1_000;
/// Default [`ClusterConfig::place_timeout_ms`].
pub const DEFAULT_PLACE_TIMEOUT_MS: u64 = 8_000;

impl ClusterConfig {
    /// A node of the cluster on `redis_url`, with a random node id and the defaults.
    pub fn new(redis_url: impl Into<String>) -> ClusterConfig {
        ClusterConfig {
            redis_url: redis_url.into(),
            node_id: String::new(),
            lease_ms: DEFAULT_LEASE_MS,
            redis_timeout_ms: DEFAULT_REDIS_TIMEOUT_MS,
            place_timeout_ms: DEFAULT_PLACE_TIMEOUT_MS,
        }
    }

    /// This process's id in the cluster: the configured node id (printable
    /// ASCII, at most 64 characters) and a random boot suffix, `<id>.<8 hex>`, or
    /// 16 random hex digits when none is set. A node restarted with the same
    /// `--node-id` is a new node: its connection ids start again from 1, so the
    /// clients other nodes served for the old process (and its leases) must not
    /// be taken for the new one's; they go as a dead node's do.
    pub(crate) fn node_or_random(&self) -> String {
        let random = |n: usize| {
            let mut b = [0u8; 8];
            if getrandom::getrandom(&mut b).is_err() {
                // No OS randomness: the clock and the process id still make the
                // suffix differ from the last process's.
                let t = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
                b = (t ^ (u64::from(std::process::id()) << 32)).to_le_bytes();
            }
            b.iter()
                .take(n)
                .map(|x| format!("{x:02x}"))
                .collect::<String>()
        };
        let id: String = self
            .node_id
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        if id.is_empty() {
            random(8)
        } else {
            format!("{id}.{}", random(4))
        }
    }

    /// The lease, at least 300 ms.
    pub(crate) fn lease(&self) -> u64 {
        self.lease_ms.max(300)
    }
}

/// Redis key names (one prefix for every key of the cluster).
pub(crate) mod keys {
    /// The lease of a room: the owner node's id.
    pub fn lease(code: &str) -> String {
        format!("os:lease:{code}")
    }
    /// The stored record of a room.
    pub fn room(code: &str) -> String {
        format!("os:room:{code}")
    }
    /// Media bytes by SHA-256.
    pub fn media(sha: &str) -> String {
        format!("os:media:{sha}")
    }
    /// A node's heartbeat (its open rooms), expiring with its lease time.
    pub fn node(id: &str) -> String {
        format!("os:node:{id}")
    }
    /// The ids of the nodes seen.
    pub const NODES: &str = "os:nodes";
    /// The pub/sub channel a node listens on.
    pub fn bus(id: &str) -> String {
        format!("os:bus:{id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lease_is_at_least_300_ms() {
        let mut c = ClusterConfig::new("redis://127.0.0.1:1");
        assert_eq!(c.lease(), DEFAULT_LEASE_MS);
        c.lease_ms = 299;
        assert_eq!(c.lease(), 300);
        c.lease_ms = 300;
        assert_eq!(c.lease(), 300);
    }

    #[test]
    fn a_node_id_is_kept_printable_with_a_boot_suffix_or_made_up() {
        let mut c = ClusterConfig::new("redis://127.0.0.1:1");
        let a = c.node_or_random();
        assert_eq!(a.len(), 16);
        assert_ne!(a, c.node_or_random(), "random per call");
        c.node_id = " node a\n".into();
        let id = c.node_or_random();
        assert!(id.starts_with("nodea.") && id.len() == 6 + 8, "{id}");
        assert_ne!(id, c.node_or_random(), "a new boot suffix per process");
        c.node_id = "x".repeat(100);
        assert_eq!(c.node_or_random().len(), 64 + 1 + 8);
    }
}
