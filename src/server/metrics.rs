//! Counters of the relay server, served at `GET /metrics` in the Prometheus text
//! exposition format (version 0.0.4): plain atomics written by the connection
//! tasks, the accept gate and the relay thread, read when scraped.
//!
//! Every series is real: each is counted where the thing happens (the password
//! lockout's refusals are the relay core's own count, copied after every input).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// The server's counters and gauges.
#[derive(Debug, Default)]
pub(super) struct Metrics {
    /// Upgraded WebSocket connections open now.
    pub ws_open: AtomicUsize,
    /// TCP connections accepted and not yet upgraded (or plain HTTP) now.
    pub handshakes_pending: AtomicUsize,
    /// TCP connections held by the server now (pending, upgraded or closing).
    pub sockets_open: AtomicUsize,
    /// Rooms open now (set by the relay thread).
    pub rooms: AtomicUsize,
    /// `joinRoom`s refused by the password lockout (the relay core's count).
    pub lockouts: AtomicU64,
    /// WebSocket connections accepted since start.
    pub ws_accepted: AtomicU64,
    /// Messages and bytes received from clients.
    pub messages_in: AtomicU64,
    /// Bytes of those messages.
    pub bytes_in: AtomicU64,
    /// Frames sent to clients (replies, events, close frames excluded).
    pub messages_out: AtomicU64,
    /// Bytes of those frames.
    pub bytes_out: AtomicU64,
    /// Connections closed because they did not read their queue.
    pub slow_consumer_closes: AtomicU64,
    /// Connections closed for sending too many pings or pongs.
    pub ping_flood_closes: AtomicU64,
    /// Connections closed with 1009 for an oversized message.
    pub oversized_closes: AtomicU64,
    /// Connections that did not finish their handshake in time.
    pub handshake_timeouts: AtomicU64,
    /// Unfinished handshakes closed to make room for new connections.
    pub handshakes_evicted: AtomicU64,
    /// Failed `accept` calls (e.g. out of file descriptors).
    pub accept_errors: AtomicU64,
    /// Connections refused, by reason.
    refused: Mutex<BTreeMap<&'static str, u64>>,
    /// On a cluster node: its Redis link's counters.
    pub redis: std::sync::OnceLock<std::sync::Arc<super::cluster::RedisHealth>>,
}

impl Metrics {
    /// Counts one refused connection.
    pub fn refuse(&self, reason: &'static str) {
        if let Ok(mut m) = self.refused.lock() {
            *m.entry(reason).or_insert(0) += 1;
        }
    }

    /// How many connections were refused for `reason`.
    #[cfg(test)]
    pub fn refused(&self, reason: &str) -> u64 {
        self.refused
            .lock()
            .map(|m| m.get(reason).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// The text exposition of every series.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let gauge = |a: &AtomicUsize| a.load(Ordering::Relaxed) as u64;
        let gauges = [
            (
                "connections_open",
                "Upgraded WebSocket connections open.",
                gauge(&self.ws_open),
            ),
            (
                "handshakes_pending",
                "TCP connections not (yet) upgraded.",
                gauge(&self.handshakes_pending),
            ),
            (
                "sockets_open",
                "TCP connections held, in any stage.",
                gauge(&self.sockets_open),
            ),
            ("rooms", "Rooms open.", gauge(&self.rooms)),
        ];
        for (name, help, v) in gauges {
            series(&mut out, name, "gauge", help, v);
        }
        let counters = [
            (
                "connections_accepted_total",
                "WebSocket connections upgraded.",
                &self.ws_accepted,
            ),
            (
                "password_lockouts_total",
                "Join attempts refused by the password lockout (room and address).",
                &self.lockouts,
            ),
            (
                "messages_in_total",
                "Messages received from clients.",
                &self.messages_in,
            ),
            (
                "bytes_in_total",
                "Bytes of messages received from clients.",
                &self.bytes_in,
            ),
            (
                "messages_out_total",
                "Frames sent to clients.",
                &self.messages_out,
            ),
            (
                "bytes_out_total",
                "Bytes of frames sent to clients.",
                &self.bytes_out,
            ),
            (
                "slow_consumer_closes_total",
                "Connections closed for not reading their queue.",
                &self.slow_consumer_closes,
            ),
            (
                "ping_flood_closes_total",
                "Connections closed for flooding pings.",
                &self.ping_flood_closes,
            ),
            (
                "oversized_message_closes_total",
                "Connections closed with 1009.",
                &self.oversized_closes,
            ),
            (
                "handshake_timeouts_total",
                "Connections that did not upgrade in time.",
                &self.handshake_timeouts,
            ),
            (
                "handshakes_evicted_total",
                "Unfinished handshakes closed to make room.",
                &self.handshakes_evicted,
            ),
            (
                "accept_errors_total",
                "Failed accept calls.",
                &self.accept_errors,
            ),
        ];
        for (name, help, v) in counters {
            series(&mut out, name, "counter", help, get(v));
        }
        let name = "posechrono_relay_connections_refused_total";
        let _ = writeln!(out, "# HELP {name} Connections refused, by reason.");
        let _ = writeln!(out, "# TYPE {name} counter");
        if let Ok(m) = self.refused.lock() {
            for (reason, n) in m.iter() {
                let _ = writeln!(out, "{name}{{reason=\"{reason}\"}} {n}");
            }
        }
        if let Some(r) = self.redis.get() {
            let up = u64::from(r.up.load(Ordering::Relaxed));
            series(
                &mut out,
                "redis_up",
                "gauge",
                "1 when the last Redis call succeeded.",
                up,
            );
            let redis = [
                (
                    "redis_round_trips_total",
                    "Redis commands and pipelines sent.",
                    &r.round_trips,
                ),
                (
                    "redis_errors_total",
                    "Redis calls and connects that failed or timed out.",
                    &r.errors,
                ),
                (
                    "cluster_letters_published_total",
                    "Messages published to other nodes.",
                    &r.published,
                ),
                (
                    "cluster_letters_received_total",
                    "Messages received from other nodes.",
                    &r.received,
                ),
            ];
            for (name, help, v) in redis {
                series(&mut out, name, "counter", help, get(v));
            }
        }
        if let Some(rss) = resident_bytes() {
            let help = "Resident memory of the process (/proc/self/statm).";
            series(
                &mut out,
                "process_resident_memory_bytes",
                "gauge",
                help,
                rss,
            );
        }
        out
    }
}

/// One series with its help and type lines; every name gets the relay's prefix,
/// except the process-wide one whose name is Prometheus' standard.
fn series(out: &mut String, name: &str, kind: &str, help: &str, v: u64) {
    let full = if name.starts_with("process_") {
        name.to_string()
    } else {
        format!("posechrono_relay_{name}")
    };
    let _ = writeln!(out, "# HELP {full} {help}");
    let _ = writeln!(out, "# TYPE {full} {kind}");
    let _ = writeln!(out, "{full} {v}");
}

/// Resident memory of this process, bytes (Linux: `/proc/self/statm`, second
/// field, in pages); `None` elsewhere.
pub(super) fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a constant of the system.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok().filter(|p| *p > 0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_help_type_and_value_lines() {
        let m = Metrics::default();
        m.messages_in.fetch_add(3, Ordering::Relaxed);
        m.refuse("server-full");
        m.refuse("server-full");
        let text = m.render();
        assert!(text.contains("# TYPE posechrono_relay_messages_in_total counter\n"));
        assert!(text.contains("\nposechrono_relay_messages_in_total 3\n"));
        assert!(
            text.contains("posechrono_relay_connections_refused_total{reason=\"server-full\"} 2\n")
        );
        assert_eq!(m.refused("server-full"), 2);
        let rss = resident_bytes().expect("linux statm");
        assert!(rss > 1024 * 1024, "{rss}");
        assert!(text.contains("process_resident_memory_bytes "));
    }
}
