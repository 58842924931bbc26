//! A deterministic driver: client cores and one relay core on simulated time,
//! over a seeded network emulator that can delay, drop and reorder frames.
//!
//! Like quinn-proto's test `Pair`: [`Sim::step`] carries out the next event
//! (a frame arriving, a connection opening, a timer), [`Sim::run`] steps until
//! an operation completes. Everything is reproducible from the seed.
//!
//! ```
//! use online_sync::transport::sim::Sim;
//! use online_sync::client::HostOptions;
//! let mut sim = Sim::new(Default::default(), 1);
//! let host = sim.add_client("host-1");
//! let op = sim.start(host, |c, op, now| c.host_session(op, HostOptions {
//!     session_code: Some("ABCD-EFGH".into()), ..Default::default() }, [0; 8], now));
//! assert!(sim.run(host, op).is_ok());
//! assert_eq!(sim.client(host).state().session_code, "ABCD-EFGH");
//! ```

use super::memory::{Delivery, MemoryHub};
use crate::client::state::ClientState;
use crate::client::{ClientCore, ClientOutput, OpId, OpValue};
use crate::error::SyncError;
use crate::relay::{ConnId, RelayCore};
use crate::settings::{ClientSettings, RelaySettings};
use crate::validate::media::MediaFile;
use std::collections::{BTreeMap, HashMap};

/// Network conditions between every client and the relay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetEm {
    /// Base one-way delay, ms.
    pub latency_ms: u64,
    /// Extra random delay up to this many ms (frames may overtake each other).
    pub jitter_ms: u64,
    /// Chance in [0, 1] that a frame is lost.
    pub loss: f64,
    /// The next this many binary frames to clients arrive with their last byte flipped.
    pub corrupt_chunks: u32,
    /// A slow downlink: the ms one binary frame (a media chunk) takes on each
    /// client's line, where they queue behind each other; 0 for none.
    pub binary_frame_ms: u64,
    /// Chunk frames to clients arrive with their last byte flipped and their
    /// header's `sha256` made to match: each chunk checks, the whole file does not
    /// (a relay serving other bytes than its manifest says).
    pub reforge_chunks: bool,
}

impl Default for NetEm {
    fn default() -> Self {
        NetEm {
            latency_ms: 5,
            jitter_ms: 0,
            loss: 0.0,
            corrupt_chunks: 0,
            binary_frame_ms: 0,
            reforge_chunks: false,
        }
    }
}

/// One simulated client: its core and what it has received.
#[derive(Debug)]
pub struct SimClient {
    core: ClientCore,
    conn: Option<ConnId>,
    connecting: bool,
    /// Finished operations.
    pub done: HashMap<OpId, Result<OpValue, SyncError>>,
    /// Files delivered by downloads, in order.
    pub files: Vec<MediaFile>,
    /// Every state the client published, in order.
    pub states: Vec<ClientState>,
    /// A content-addressed media cache (`downloadSessionMedia({cache})`): answers the
    /// core's lookups at once and keeps every fetched file.
    pub cache: std::collections::BTreeMap<String, Vec<u8>>,
}

#[derive(Debug, Clone)]
enum Event {
    ToRelay {
        conn: ConnId,
        bytes: Vec<u8>,
    },
    ToClient {
        client: usize,
        conn: ConnId,
        delivery: Delivery,
    },
    Open {
        client: usize,
    },
}

/// The simulation.
#[derive(Debug)]
pub struct Sim {
    now: u64,
    hub: MemoryHub,
    clients: Vec<SimClient>,
    conn_owner: HashMap<ConnId, usize>,
    queue: BTreeMap<(u64, u64), Event>,
    seq: u64,
    rng: u64,
    /// Network conditions; change them at any time.
    pub net: NetEm,
    next_op: OpId,
    relay_up: bool,
    /// When each client's slow downlink ([`NetEm::binary_frame_ms`]) is free again.
    line_free: HashMap<usize, u64>,
}

/// Simulated time never passes this many ms while waiting for one operation.
const RUN_LIMIT_MS: u64 = 24 * 3_600_000;

impl Sim {
    /// A relay with `settings`; `seed` fixes every random choice.
    pub fn new(settings: RelaySettings, seed: u64) -> Sim {
        let mut relay_seed = [0u8; 32];
        relay_seed[..8].copy_from_slice(&seed.to_le_bytes());
        Sim {
            now: 1_700_000_000_000,
            hub: MemoryHub::new(settings, relay_seed),
            clients: Vec::new(),
            conn_owner: HashMap::new(),
            queue: BTreeMap::new(),
            seq: 0,
            rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            net: NetEm::default(),
            next_op: 1,
            relay_up: true,
            line_free: HashMap::new(),
        }
    }

    /// Adds a client with default settings.
    pub fn add_client(&mut self, client_id: &str) -> usize {
        self.add_client_with(client_id, ClientSettings::default())
    }

    /// Adds a client with these settings.
    pub fn add_client_with(&mut self, client_id: &str, settings: ClientSettings) -> usize {
        let mut random = [0u8; 16];
        random[..8].copy_from_slice(&self.random().to_le_bytes());
        random[8..].copy_from_slice(&self.random().to_le_bytes());
        let core = ClientCore::new(Some(client_id.to_string()), settings, random);
        self.clients.push(SimClient {
            core,
            conn: None,
            connecting: false,
            done: HashMap::new(),
            files: Vec::new(),
            states: Vec::new(),
            cache: Default::default(),
        });
        self.clients.len() - 1
    }

    /// The simulated clock, ms.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// A client's core.
    pub fn client(&self, i: usize) -> &ClientCore {
        &self.clients[i].core
    }

    /// A client with what it received.
    pub fn sim_client(&mut self, i: usize) -> &mut SimClient {
        &mut self.clients[i]
    }

    /// The relay core.
    pub fn relay(&self) -> &RelayCore {
        self.hub.relay()
    }

    /// Starts a command on client `i`; returns its op id.
    pub fn start(&mut self, i: usize, f: impl FnOnce(&mut ClientCore, OpId, u64)) -> OpId {
        let op = self.next_op;
        self.next_op += 1;
        f(&mut self.clients[i].core, op, self.now);
        self.drain_client(i);
        op
    }

    /// Calls `f` on client `i`'s core (e.g. a synchronous command), then drains it.
    pub fn with<R>(&mut self, i: usize, f: impl FnOnce(&mut ClientCore) -> R) -> R {
        let r = f(&mut self.clients[i].core);
        self.drain_client(i);
        r
    }

    /// Steps until op `op` of client `i` completes, and returns its outcome.
    ///
    /// # Panics
    /// When nothing is left to happen, or a simulated day passes, before it completes.
    pub fn run(&mut self, i: usize, op: OpId) -> Result<OpValue, SyncError> {
        let limit = self.now + RUN_LIMIT_MS;
        loop {
            if let Some(r) = self.clients[i].done.remove(&op) {
                return r;
            }
            assert!(self.now < limit, "op {op} of client {i} did not complete");
            assert!(
                self.step(),
                "op {op} of client {i} did not complete: nothing left to happen"
            );
        }
    }

    /// Runs a command to completion.
    pub fn call(
        &mut self,
        i: usize,
        f: impl FnOnce(&mut ClientCore, OpId, u64),
    ) -> Result<OpValue, SyncError> {
        let op = self.start(i, f);
        self.run(i, op)
    }

    /// Steps until no frame is in flight and no connection is opening (timers may remain).
    pub fn settle(&mut self) {
        while !self.queue.is_empty() {
            self.step();
        }
    }

    /// Advances the clock by `ms`, carrying out everything due meanwhile.
    pub fn advance(&mut self, ms: u64) {
        let end = self.now + ms;
        while self.next_event_time().is_some_and(|t| t <= end) {
            self.step();
        }
        self.now = end;
    }

    /// Drops client `i`'s connection from the network side (both ends notice).
    pub fn drop_connection(&mut self, i: usize) {
        if let Some(conn) = self.clients[i].conn.take() {
            let out = self.hub.disconnect(conn, self.now);
            self.route(out);
            self.clients[i].core.handle_disconnected(self.now);
            self.drain_client(i);
        }
    }

    /// Stops (`false`) or restarts (`true`) the relay: while down, every
    /// connection is dropped and new ones fail. A restarted relay has no rooms.
    pub fn set_relay_up(&mut self, up: bool, settings: RelaySettings) {
        if !up {
            for i in 0..self.clients.len() {
                self.drop_connection(i);
            }
            self.hub = MemoryHub::new(settings, [9; 32]);
        }
        self.relay_up = up;
    }

    fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    fn delay(&mut self) -> u64 {
        let j = if self.net.jitter_ms > 0 {
            self.random() % (self.net.jitter_ms + 1)
        } else {
            0
        };
        self.net.latency_ms + j
    }

    fn lost(&mut self) -> bool {
        self.net.loss > 0.0 && (self.random() % 1_000_000) as f64 / 1_000_000.0 < self.net.loss
    }

    fn schedule(&mut self, at: u64, ev: Event) {
        self.seq += 1;
        self.queue.insert((at, self.seq), ev);
    }

    fn next_event_time(&self) -> Option<u64> {
        let q = self.queue.keys().next().map(|k| k.0);
        let c = self
            .clients
            .iter()
            .filter_map(|c| c.core.poll_timeout())
            .min();
        let r = self.hub.next_timeout();
        [q, c, r].into_iter().flatten().min()
    }

    /// Carries out the next event; `false` when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        let Some(t) = self.next_event_time() else {
            return false;
        };
        self.now = self.now.max(t);
        let now = self.now;
        if let Some((&key, _)) = self.queue.iter().next().filter(|(k, _)| k.0 <= now) {
            let Some(ev) = self.queue.remove(&key) else {
                return true;
            };
            self.deliver(ev);
            return true;
        }
        for i in 0..self.clients.len() {
            if self.clients[i]
                .core
                .poll_timeout()
                .is_some_and(|t| t <= now)
            {
                self.clients[i].core.handle_timeout(now);
                self.drain_client(i);
                return true;
            }
        }
        if self.hub.next_timeout().is_some_and(|t| t <= now) {
            let out = self.hub.tick(now);
            self.route(out);
        }
        true
    }

    fn deliver(&mut self, ev: Event) {
        let now = self.now;
        match ev {
            Event::Open { client } => {
                self.clients[client].connecting = false;
                let result = if self.relay_up {
                    self.hub.connect(now)
                } else {
                    Err(1006)
                };
                match result {
                    Ok(conn) => {
                        self.conn_owner.insert(conn, client);
                        self.clients[client].conn = Some(conn);
                        self.clients[client].core.handle_connected(now);
                    }
                    Err(_) => self.clients[client].core.handle_connect_failed(now),
                }
                self.drain_client(client);
            }
            Event::ToRelay { conn, bytes } => {
                let out = self.hub.send_bytes(conn, &bytes, now);
                self.route(out);
            }
            Event::ToClient {
                client,
                conn,
                delivery,
            } => {
                if self.clients[client].conn != Some(conn) {
                    return;
                }
                match delivery {
                    Delivery::Frame(text) => self.clients[client].core.handle_frame(&text, now),
                    Delivery::Binary(bytes) => {
                        let mut bytes = bytes.to_vec();
                        if self.net.corrupt_chunks > 0 {
                            self.net.corrupt_chunks -= 1;
                            if let Some(b) = bytes.last_mut() {
                                *b ^= 0xff;
                            }
                        }
                        if self.net.reforge_chunks {
                            bytes = reforge(&bytes).unwrap_or(bytes);
                        }
                        self.clients[client].core.handle_binary(&bytes, now)
                    }
                    Delivery::Closed(_) => {
                        self.clients[client].conn = None;
                        self.clients[client].core.handle_disconnected(now);
                    }
                }
                self.drain_client(client);
            }
        }
    }

    fn route(&mut self, out: Vec<(ConnId, Delivery)>) {
        for (conn, delivery) in out {
            let Some(&client) = self.conn_owner.get(&conn) else {
                continue;
            };
            if matches!(delivery, Delivery::Frame(_)) && self.lost() {
                continue;
            }
            let mut at = self.now + self.delay();
            if matches!(delivery, Delivery::Binary(_)) && self.net.binary_frame_ms > 0 {
                let free = self.line_free.get(&client).copied().unwrap_or(0);
                at = at.max(free) + self.net.binary_frame_ms;
                self.line_free.insert(client, at);
            }
            self.schedule(
                at,
                Event::ToClient {
                    client,
                    conn,
                    delivery,
                },
            );
        }
    }

    fn send_to_relay(&mut self, i: usize, bytes: Vec<u8>) {
        let Some(conn) = self.clients[i].conn else {
            return;
        };
        if self.lost() {
            return;
        }
        let at = self.now + self.delay();
        self.schedule(at, Event::ToRelay { conn, bytes });
    }

    fn drain_client(&mut self, i: usize) {
        while let Some(o) = self.clients[i].core.poll_output() {
            match o {
                ClientOutput::Connect => {
                    if !self.clients[i].connecting {
                        self.clients[i].connecting = true;
                        let at = self.now + self.delay();
                        self.schedule(at, Event::Open { client: i });
                    }
                }
                ClientOutput::Disconnect => {
                    if let Some(conn) = self.clients[i].conn.take() {
                        let out = self.hub.disconnect(conn, self.now);
                        self.route(out);
                    }
                }
                ClientOutput::Send(text) => self.send_to_relay(i, text.into_bytes()),
                ClientOutput::SendBinary(bytes) => self.send_to_relay(i, bytes),
                ClientOutput::Done { op, result } => {
                    self.clients[i].done.insert(op, result);
                }
                ClientOutput::MediaFile { file, fetched, .. } => {
                    let c = &mut self.clients[i];
                    if fetched {
                        c.cache
                            .insert(file.sha256().to_string(), file.bytes().to_vec());
                    }
                    c.files.push(file);
                }
                ClientOutput::CacheGet { op, sha256 } => {
                    let c = &mut self.clients[i];
                    let bytes = c.cache.get(&sha256).cloned();
                    c.core.handle_cache(op, &sha256, bytes, self.now);
                }
                ClientOutput::StateChanged => {
                    let s = self.clients[i].core.state().clone();
                    self.clients[i].states.push(s);
                }
            }
        }
    }
}

/// A chunk frame whose data's last byte is flipped and whose header's `sha256`
/// names the new bytes ([`NetEm::reforge_chunks`]); `None` for other frames.
fn reforge(bytes: &[u8]) -> Option<Vec<u8>> {
    use crate::protocol::chunks::{decode_frame, encode_frame};
    use crate::validate::digest::sha256_hex;
    let (header, sent) = decode_frame(bytes)?;
    let mut data = sent.to_vec();
    *data.last_mut()? ^= 0xff;
    let header = header.replace(&sha256_hex(sent), &sha256_hex(&data));
    Some(encode_frame(&header, &data))
}
