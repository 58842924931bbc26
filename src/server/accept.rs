//! The accept gate: every TCP connection passes it before HTTP sees it.
//!
//! A connection is *pending* from `accept` until its WebSocket upgrade completes
//! (plain HTTP connections, `/health` included, stay pending until they close).
//! Pending connections are what an attacker can open for free, so they are held
//! to:
//! - a deadline (`handshake_timeout_ms`): past it the socket is closed;
//! - a cap per client address (`max_handshakes_per_ip`): past it a new socket is
//!   closed at once (trusted proxies are exempt);
//! - a total cap (`max_handshakes`): past it the *oldest* pending socket is closed
//!   to make room, so a new request (a `/health` probe, a real client) is served
//!   while stalled sockets keep arriving;
//! - the process's file limit: the gate keeps `fd_reserve` descriptors free below
//!   `RLIMIT_NOFILE` by closing the oldest pending socket, and refuses a new one
//!   only when there is none to close.
//!
//! `accept` errors (e.g. `EMFILE`) close the oldest pending socket and pause
//! briefly: the loop neither spins nor ends.
//!
//! Once upgraded, the bytes a client sends pass through a [`Refragmenter`], which
//! splits large data frames so tungstenite's read buffer stays small.
//!
//! An upgraded socket that is dropped while the client is still sending (e.g.
//! after a 1009 close for an oversized message) is half-closed and drained for a
//! short while instead of being reset, so the client reads the close frame the
//! relay sent before the connection ends.

use super::metrics::Metrics;
use super::refragment::Refragmenter;
use axum::serve::Listener;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::{Instant, Sleep};

/// Pause after a failed `accept`.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);
/// How long a dropped upgraded socket is drained before it is closed.
const LINGER: Duration = Duration::from_secs(2);

/// The gate's limits.
#[derive(Debug, Clone)]
pub(super) struct GateLimits {
    /// A connection not upgraded this long after `accept` is closed.
    pub handshake_timeout: Duration,
    /// Pending connections at once; past it the oldest is closed.
    pub max_pending: usize,
    /// Pending connections from one address; past it new ones are closed.
    pub max_pending_per_ip: usize,
    /// Sockets the server may hold at once (file limit minus the reserve).
    pub max_open: usize,
    /// Addresses exempt from the per-address cap (trusted proxies).
    pub exempt: Vec<IpAddr>,
    /// Bytes a lingering close reads at most.
    pub linger_bytes: usize,
    /// Largest frame a client may send (larger ones are not split, and refused).
    pub max_frame: usize,
}

/// The soft `RLIMIT_NOFILE` of this process; `None` when unlimited or unknown.
pub(super) fn file_limit() -> Option<usize> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    (rc == 0 && lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur as usize)
}

struct Entry {
    peer: SocketAddr,
    kill: oneshot::Sender<&'static str>,
}

#[derive(Default)]
struct State {
    next: u64,
    /// Pending connections by id: the first is the oldest.
    pending: BTreeMap<u64, Entry>,
    by_peer: HashMap<SocketAddr, u64>,
    per_ip: HashMap<IpAddr, usize>,
    open: usize,
}

impl State {
    fn remove(&mut self, id: u64) -> Option<Entry> {
        let e = self.pending.remove(&id)?;
        self.by_peer.remove(&e.peer);
        if let Some(n) = self.per_ip.get_mut(&e.peer.ip()) {
            *n -= 1;
            if *n == 0 {
                self.per_ip.remove(&e.peer.ip());
            }
        }
        Some(e)
    }
}

/// Tracks every socket the server holds.
pub(super) struct Gate {
    limits: GateLimits,
    metrics: Arc<Metrics>,
    state: Mutex<State>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("limits", &self.limits)
            .finish()
    }
}

impl Gate {
    pub fn new(limits: GateLimits, metrics: Arc<Metrics>) -> Gate {
        Gate {
            limits,
            metrics,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent at every await-free step; a poisoned lock
        // (a panic elsewhere) still holds usable counts.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn publish(&self, s: &State) {
        let m = &self.metrics;
        m.handshakes_pending
            .store(s.pending.len(), Ordering::Relaxed);
        m.sockets_open.store(s.open, Ordering::Relaxed);
    }

    /// Closes the oldest pending connection; whether there was one.
    fn evict_oldest(&self, s: &mut State, why: &'static str) -> bool {
        let Some(id) = s.pending.keys().next().copied() else {
            return false;
        };
        if let Some(e) = s.remove(id) {
            let _ = e.kill.send(why);
            self.metrics
                .handshakes_evicted
                .fetch_add(1, Ordering::Relaxed);
            tracing::debug!(peer = %e.peer, why, "closed an unfinished handshake to make room");
        }
        true
    }

    /// Lets a new connection in (making room if needed) or says why not.
    fn admit(self: &Arc<Self>, peer: SocketAddr) -> Result<Admitted, &'static str> {
        let mut s = self.lock();
        let ip = peer.ip();
        let from_ip = s.per_ip.get(&ip).copied().unwrap_or(0);
        if from_ip >= self.limits.max_pending_per_ip && !self.limits.exempt.contains(&ip) {
            return Err("handshakes-per-ip");
        }
        if s.open >= self.limits.max_open && !self.evict_oldest(&mut s, "file-limit") {
            return Err("file-limit");
        }
        if s.pending.len() >= self.limits.max_pending {
            self.evict_oldest(&mut s, "handshake-cap");
        }
        let id = s.next;
        s.next += 1;
        let (kill, killed) = oneshot::channel();
        s.pending.insert(id, Entry { peer, kill });
        s.by_peer.insert(peer, id);
        *s.per_ip.entry(ip).or_insert(0) += 1;
        s.open += 1;
        self.publish(&s);
        Ok(Admitted { id, killed })
    }

    /// The connection from `peer` finished its WebSocket upgrade: it is no longer
    /// pending (its deadline stops).
    pub fn upgraded(&self, peer: SocketAddr) {
        let mut s = self.lock();
        if let Some(id) = s.by_peer.get(&peer).copied() {
            s.remove(id);
        }
        self.publish(&s);
    }

    /// The socket `id` is closed.
    fn release(&self, id: u64) {
        let mut s = self.lock();
        s.remove(id);
        s.open = s.open.saturating_sub(1);
        self.publish(&s);
    }

    /// Whether there is room to keep a closing socket open a little longer.
    fn room_to_linger(&self) -> bool {
        let s = self.lock();
        s.open.saturating_mul(4) < self.limits.max_open.saturating_mul(3)
    }
}

struct Admitted {
    id: u64,
    killed: oneshot::Receiver<&'static str>,
}

/// Holds one of the gate's socket slots; gives it back when dropped.
struct Slot {
    gate: Arc<Gate>,
    id: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.gate.release(self.id);
    }
}

/// The listener the server accepts through.
pub(super) struct GatedListener {
    tcp: TcpListener,
    gate: Arc<Gate>,
    last_error_log: Option<Instant>,
}

impl GatedListener {
    pub fn new(tcp: TcpListener, gate: Arc<Gate>) -> GatedListener {
        GatedListener {
            tcp,
            gate,
            last_error_log: None,
        }
    }

    fn accept_failed(&mut self, e: &io::Error) {
        self.gate
            .metrics
            .accept_errors
            .fetch_add(1, Ordering::Relaxed);
        {
            let mut s = self.gate.lock();
            self.gate.evict_oldest(&mut s, "accept-error");
            self.gate.publish(&s);
        }
        let now = Instant::now();
        if self
            .last_error_log
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1))
        {
            self.last_error_log = Some(now);
            tracing::warn!(error = %e, "accept failed; closing the oldest unfinished handshake");
        }
    }
}

impl Listener for GatedListener {
    type Io = GatedIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (GatedIo, SocketAddr) {
        loop {
            let (tcp, peer) = match self.tcp.accept().await {
                Ok(v) => v,
                Err(e) => {
                    let transient = matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionRefused
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    );
                    if !transient {
                        self.accept_failed(&e);
                        tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    }
                    continue;
                }
            };
            match self.gate.admit(peer) {
                Ok(Admitted { id, killed }) => {
                    // Small frames go out at once (Node's http server sets noDelay too).
                    let _ = tcp.set_nodelay(true);
                    let deadline = Instant::now() + self.gate.limits.handshake_timeout;
                    let io = GatedIo {
                        tcp: Some(tcp),
                        stage: Stage::Pending {
                            deadline: Box::pin(tokio::time::sleep_until(deadline)),
                            killed,
                        },
                        slot: Some(Slot {
                            gate: self.gate.clone(),
                            id,
                        }),
                    };
                    return (io, peer);
                }
                Err(reason) => {
                    self.gate.metrics.refuse(reason);
                    tracing::debug!(%peer, reason, "connection refused at accept");
                    drop(tcp);
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

enum Stage {
    Pending {
        deadline: Pin<Box<Sleep>>,
        killed: oneshot::Receiver<&'static str>,
    },
    Upgraded(Box<Inbound>),
}

/// The upgraded socket's inbound path: raw bytes in, refragmented bytes out.
/// Holds no buffer while idle: bytes are read into a stack buffer, and what the
/// reader could not take at once waits in `out`, freed once taken.
struct Inbound {
    refrag: Refragmenter,
    out: Vec<u8>,
    at: usize,
}

/// Bytes read from the socket at once once upgraded.
const RAW_CHUNK: usize = 16 * 1024;

impl Inbound {
    fn new(max_frame: usize) -> Box<Inbound> {
        Box::new(Inbound {
            refrag: Refragmenter::new(max_frame),
            out: Vec::new(),
            at: 0,
        })
    }

    fn poll_read(
        &mut self,
        tcp: Pin<&mut TcpStream>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut tcp = tcp;
        loop {
            if self.at < self.out.len() {
                let n = buf.remaining().min(self.out.len() - self.at);
                buf.put_slice(&self.out[self.at..self.at + n]);
                self.at += n;
                if self.at == self.out.len() {
                    self.out = Vec::new();
                    self.at = 0;
                }
                return Poll::Ready(Ok(()));
            }
            let mut chunk = [0u8; RAW_CHUNK];
            let mut raw = ReadBuf::new(&mut chunk);
            std::task::ready!(tcp.as_mut().poll_read(cx, &mut raw))?;
            if raw.filled().is_empty() {
                return Poll::Ready(Ok(()));
            }
            self.refrag.feed(raw.filled(), &mut self.out);
        }
    }
}

/// A socket that passed the gate. While pending, reads fail once its deadline
/// passes or the gate closes it to make room, which makes hyper drop it.
pub(super) struct GatedIo {
    tcp: Option<TcpStream>,
    stage: Stage,
    slot: Option<Slot>,
}

impl GatedIo {
    /// `Err` when the pending connection must end now.
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let Stage::Pending { deadline, killed } = &mut self.stage else {
            return Ok(());
        };
        match Pin::new(killed).poll(cx) {
            Poll::Ready(Ok(why)) => return Err(io::Error::other(why)),
            // The gate let go of it: the upgrade finished.
            Poll::Ready(Err(_)) => {
                let max = self.slot.as_ref().map_or(0, |s| s.gate.limits.max_frame);
                self.stage = Stage::Upgraded(Inbound::new(max));
                return Ok(());
            }
            Poll::Pending => {}
        }
        if deadline.as_mut().poll(cx).is_ready() {
            if let Some(slot) = &self.slot {
                slot.gate
                    .metrics
                    .handshake_timeouts
                    .fetch_add(1, Ordering::Relaxed);
            }
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "handshake deadline",
            ));
        }
        Ok(())
    }

    fn tcp(&mut self) -> io::Result<Pin<&mut TcpStream>> {
        self.tcp
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }
}

impl AsyncRead for GatedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check(cx)?;
        let tcp = this
            .tcp
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
        match &mut this.stage {
            Stage::Upgraded(inbound) => inbound.poll_read(tcp, cx, buf),
            Stage::Pending { .. } => tcp.poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for GatedIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().tcp()?.poll_write(cx, b)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().tcp()?.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().tcp()?.poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().tcp()?.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.as_ref().is_some_and(|t| t.is_write_vectored())
    }
}

impl Drop for GatedIo {
    fn drop(&mut self) {
        let upgraded = match &mut self.stage {
            Stage::Upgraded(_) => true,
            Stage::Pending { killed, .. } => {
                // Upgraded, but no read has noticed yet.
                matches!(killed.try_recv(), Err(oneshot::error::TryRecvError::Closed))
            }
        };
        let (Some(tcp), Some(slot)) = (self.tcp.take(), self.slot.take()) else {
            return;
        };
        if !upgraded || !slot.gate.room_to_linger() {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let max = slot.gate.limits.linger_bytes;
        rt.spawn(linger(tcp, slot, max));
    }
}

/// Half-closes `tcp` and reads (discarding) until the client closes, [`LINGER`]
/// passes or `max` bytes came, so what the relay sent last is not lost to a reset.
async fn linger(mut tcp: TcpStream, slot: Slot, max: usize) {
    let _ = tcp.shutdown().await;
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0usize;
    let _ = tokio::time::timeout(LINGER, async {
        while total <= max {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    })
    .await;
    drop(tcp);
    drop(slot);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(max_pending: usize, per_ip: usize, max_open: usize) -> Arc<Gate> {
        let limits = GateLimits {
            handshake_timeout: Duration::from_secs(10),
            max_pending,
            max_pending_per_ip: per_ip,
            max_open,
            exempt: vec!["10.0.0.9".parse().unwrap()],
            linger_bytes: 1024,
            max_frame: 1 << 20,
        };
        Arc::new(Gate::new(limits, Arc::new(Metrics::default())))
    }

    fn peer(ip: &str, port: u16) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), port)
    }

    #[test]
    fn past_the_total_cap_the_oldest_pending_is_closed() {
        let g = gate(2, 10, 100);
        let mut a = g.admit(peer("10.0.0.1", 1)).unwrap();
        let mut b = g.admit(peer("10.0.0.2", 1)).unwrap();
        let mut c = g.admit(peer("10.0.0.3", 1)).unwrap();
        assert_eq!(a.killed.try_recv(), Ok("handshake-cap"));
        assert!(b.killed.try_recv().is_err());
        assert!(c.killed.try_recv().is_err());
        assert_eq!(g.metrics.handshakes_evicted.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn past_the_per_address_cap_new_sockets_are_refused_except_from_proxies() {
        let g = gate(100, 2, 100);
        let _a = g.admit(peer("10.0.0.1", 1)).unwrap();
        let _b = g.admit(peer("10.0.0.1", 2)).unwrap();
        assert_eq!(
            g.admit(peer("10.0.0.1", 3)).err(),
            Some("handshakes-per-ip")
        );
        // Upgraded sockets no longer count as pending.
        g.upgraded(peer("10.0.0.1", 1));
        let _c = g.admit(peer("10.0.0.1", 3)).unwrap();
        for port in 0..5 {
            let _ = g.admit(peer("10.0.0.9", port)).unwrap();
        }
    }

    #[test]
    fn at_the_file_limit_room_is_made_and_refused_only_when_none_can_be() {
        let g = gate(100, 100, 2);
        let mut a = g.admit(peer("10.0.0.1", 1)).unwrap();
        let _b = g.admit(peer("10.0.0.2", 1)).unwrap();
        // Full: the oldest pending goes.
        let _c = g.admit(peer("10.0.0.3", 1)).unwrap();
        assert_eq!(a.killed.try_recv(), Ok("file-limit"));
        // Everything open is upgraded: nothing to close, the new one is refused.
        g.upgraded(peer("10.0.0.2", 1));
        g.upgraded(peer("10.0.0.3", 1));
        assert_eq!(g.admit(peer("10.0.0.4", 1)).err(), Some("file-limit"));
        g.release(a.id);
        g.release(_b.id);
        assert!(g.admit(peer("10.0.0.4", 1)).is_ok());
    }
}
