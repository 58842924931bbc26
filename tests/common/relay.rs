//! A thin driver around the sans-IO [`RelayCore`] for scenario tests.
//!
//! Frames go in as raw JSON text, exactly as the deployed JS clients send them; every
//! output the relay produces is routed to a per-connection inbox (parsed JSON), and
//! close requests are recorded. Time is a field: tests move it with [`Relay::advance`],
//! nothing sleeps.

use online_sync::protocol::RoomSnapshot;
use online_sync::relay::{ConnId, HashJob, RelayCore, RelayOutput};
use online_sync::RelaySettings;
use serde_json::{json, Value};
use std::collections::HashMap;

// Each test binary uses only part of these.
#[allow(unused_imports)]
pub use super::fixtures::{pack_two_refs as pack, png_signature as png, settings, CODE};

/// The first `now` of every scenario (ms since the epoch).
pub const T0: u64 = 1_700_000_000_000;

/// One frame the relay sent to a connection.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The text as sent.
    pub text: String,
    /// The text parsed.
    pub json: Value,
}

impl Frame {
    /// Whether this is a `response` frame.
    pub fn is_response(&self) -> bool {
        self.json["type"] == "response"
    }

    /// The inner event object of an `event` frame.
    pub fn event(&self) -> Option<&Value> {
        (self.json["type"] == "event").then(|| &self.json["event"])
    }
}

/// The relay under test, its clock and every connection's inbox.
pub struct Relay {
    /// The core.
    pub core: RelayCore,
    /// The current time, ms.
    pub now: u64,
    inbox: HashMap<ConnId, Vec<Frame>>,
    /// `(conn, code, reason)` of every close the relay asked for, in order.
    pub closes: Vec<(ConnId, u16, &'static str)>,
    /// Password hashes the relay asked for and the test has not run yet (only
    /// after `core.defer_password_hashing`).
    pub hash_jobs: Vec<HashJob>,
    next_id: u64,
}

impl Default for Relay {
    fn default() -> Self {
        Relay::new(settings())
    }
}

impl Relay {
    /// A relay with these settings, at [`T0`].
    pub fn new(settings: RelaySettings) -> Relay {
        Relay {
            core: RelayCore::new(settings, [42; 32]),
            now: T0,
            inbox: HashMap::new(),
            closes: Vec::new(),
            hash_jobs: Vec::new(),
            next_id: 0,
        }
    }

    /// A relay with the test settings changed by `f`.
    pub fn with(f: impl FnOnce(&mut RelaySettings)) -> Relay {
        let mut s = settings();
        f(&mut s);
        Relay::new(s)
    }

    fn drain(&mut self) {
        while let Some(out) = self.core.poll_output() {
            match out {
                RelayOutput::Send { conn, text } => {
                    let json: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("relay sent invalid JSON ({e}): {text}"));
                    self.inbox.entry(conn).or_default().push(Frame {
                        text: text.to_string(),
                        json,
                    });
                }
                // A chunk frame (`media-chunks`): its header is recorded as the frame.
                RelayOutput::SendBinary { conn, bytes } => {
                    let (header, _) = online_sync::protocol::chunks::decode_frame(&bytes)
                        .unwrap_or_else(|| panic!("relay sent a bad chunk frame"));
                    let json: Value = serde_json::from_str(header).expect("header JSON");
                    self.inbox.entry(conn).or_default().push(Frame {
                        text: header.to_string(),
                        json,
                    });
                }
                RelayOutput::Close { conn, code, reason } => self.closes.push((conn, code, reason)),
                RelayOutput::HashPassword(job) => self.hash_jobs.push(job),
            }
        }
    }

    /// Runs the password hash the relay asked for `i`-th among those pending and
    /// gives it the key; returns what `conn` received meanwhile.
    pub fn run_hash_job(&mut self, i: usize, conn: ConnId) -> Vec<Frame> {
        let job = self.hash_jobs.remove(i);
        let before = self.inbox.get(&conn).map_or(0, Vec::len);
        self.core
            .handle_password_hash(job.job, job.derive(), self.now);
        self.drain();
        let all = self.inbox.entry(conn).or_default();
        all.split_off(before.min(all.len()))
    }

    /// Routes every pending relay output to the inboxes (after feeding the core directly).
    pub fn flush(&mut self) {
        self.drain();
    }

    /// Opens `conn` from an address of its own; returns whether the relay accepted it.
    pub fn connect(&mut self, conn: ConnId) -> bool {
        let ip = format!("10.0.{}.{}", conn / 256, conn % 256);
        self.connect_from(conn, &ip)
    }

    /// Opens `conn` from `ip`; returns whether the relay accepted it.
    pub fn connect_from(&mut self, conn: ConnId, ip: &str) -> bool {
        let ok = self.core.handle_connect(conn, ip, self.now);
        self.drain();
        ok
    }

    /// Closes `conn` (the socket went away).
    pub fn disconnect(&mut self, conn: ConnId) {
        self.core.handle_disconnect(conn, self.now);
        self.drain();
    }

    /// Feeds raw bytes from `conn`; returns what `conn` itself received meanwhile
    /// (other connections' frames stay in their inboxes).
    pub fn send_bytes(&mut self, conn: ConnId, bytes: &[u8]) -> Vec<Frame> {
        let before = self.inbox.get(&conn).map_or(0, Vec::len);
        self.core.handle_message(conn, bytes, self.now);
        self.drain();
        let all = self.inbox.entry(conn).or_default();
        all.split_off(before.min(all.len()))
    }

    /// Feeds one raw JSON text frame from `conn`; returns what `conn` received.
    pub fn send(&mut self, conn: ConnId, text: &str) -> Vec<Frame> {
        self.send_bytes(conn, text.as_bytes())
    }

    /// Sends a request as the deployed client does (ids "1", "2", ...) and returns the
    /// events `conn` got before the reply, and the raw response frame. Panics unless
    /// exactly one response with that id came back, last.
    pub fn request_frame(
        &mut self,
        conn: ConnId,
        action: &str,
        payload: Value,
    ) -> (Vec<Value>, Frame) {
        self.next_id += 1;
        let id = self.next_id.to_string();
        let text =
            json!({"type": "request", "id": id, "action": action, "payload": payload}).to_string();
        let mut frames = self.send(conn, &text);
        let reply = frames
            .pop()
            .unwrap_or_else(|| panic!("no reply to {action}"));
        assert!(
            reply.is_response(),
            "{action}: last frame is not the reply: {}",
            reply.text
        );
        assert_eq!(reply.json["id"], id.as_str(), "{action}: reply id");
        let events = frames
            .into_iter()
            .map(|f| {
                f.event()
                    .unwrap_or_else(|| panic!("{action}: unexpected frame {}", f.text))
                    .clone()
            })
            .collect();
        (events, reply)
    }

    /// Like [`Relay::request_frame`], with the reply as `Ok(result)` or `Err(code)`.
    pub fn request(
        &mut self,
        conn: ConnId,
        action: &str,
        payload: Value,
    ) -> (Vec<Value>, Result<Value, String>) {
        let (events, reply) = self.request_frame(conn, action, payload);
        (events, outcome(&reply.json))
    }

    /// The reply's result; panics on an error reply.
    pub fn ok(&mut self, conn: ConnId, action: &str, payload: Value) -> Value {
        match self.request(conn, action, payload).1 {
            Ok(v) => v,
            Err(code) => panic!("{action} failed with {code}"),
        }
    }

    /// The reply's error code; panics on success.
    pub fn err(&mut self, conn: ConnId, action: &str, payload: Value) -> String {
        match self.request(conn, action, payload).1 {
            Ok(v) => panic!("{action} succeeded: {v}"),
            Err(code) => code,
        }
    }

    /// Drains and returns the frames waiting for `conn`.
    pub fn take(&mut self, conn: ConnId) -> Vec<Frame> {
        self.inbox.remove(&conn).unwrap_or_default()
    }

    /// Drains `conn`'s inbox and returns its events (panics on any other frame).
    pub fn events(&mut self, conn: ConnId) -> Vec<Value> {
        self.take(conn)
            .into_iter()
            .map(|f| {
                f.event()
                    .unwrap_or_else(|| panic!("not an event: {}", f.text))
                    .clone()
            })
            .collect()
    }

    /// Moves the clock forward.
    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
    }

    /// Moves the clock forward and runs the relay's timer.
    pub fn tick(&mut self, ms: u64) {
        self.advance(ms);
        self.core.handle_timeout(self.now);
        self.drain();
    }

    /// Runs the relay's timer at every deadline it asks for (`poll_timeout`) up to
    /// `until`, then sets the clock to `until`.
    pub fn run_until(&mut self, until: u64) {
        while let Some(t) = self.core.poll_timeout() {
            if t > until {
                break;
            }
            self.now = t;
            self.core.handle_timeout(t);
            self.drain();
        }
        self.now = until;
    }

    /// The relay's view of a room.
    pub fn snapshot(&self, code: &str) -> Option<RoomSnapshot> {
        self.core.room_snapshot(code)
    }

    /// `conn` opens [`CODE`] as host `host`, no password.
    pub fn host(&mut self, conn: ConnId, host: &str) -> Value {
        self.connect(conn);
        self.ok(
            conn,
            "createRoom",
            json!({"sessionCode": CODE, "hostClientId": host}),
        )
    }

    /// `conn` joins [`CODE`] as `client`, no password.
    pub fn join(&mut self, conn: ConnId, client: &str) -> Value {
        self.connect(conn);
        self.ok(
            conn,
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": client}),
        )
    }

    /// A room [`CODE`]: host "host-1" on conn 1, participant "guest-1" on conn 2,
    /// inboxes drained.
    pub fn room() -> Relay {
        Relay::room_with(|_| {})
    }

    /// [`Relay::room`] with changed settings.
    pub fn room_with(f: impl FnOnce(&mut RelaySettings)) -> Relay {
        let mut r = Relay::with(f);
        r.host(1, "host-1");
        r.join(2, "guest-1");
        r.take(1);
        r.take(2);
        r
    }
}

/// `Ok(result)` or `Err(code)` of a response frame.
pub fn outcome(frame: &Value) -> Result<Value, String> {
    assert_eq!(frame["type"], "response", "{frame}");
    match frame["ok"].as_bool() {
        Some(true) => Ok(frame["result"].clone()),
        Some(false) => Err(frame["error"].as_str().expect("error code").to_string()),
        None => panic!("no ok flag: {frame}"),
    }
}

/// `(type, source)` of an event.
pub fn kind(event: &Value) -> (String, String) {
    (
        event["type"].as_str().unwrap_or_default().to_string(),
        event["source"].as_str().unwrap_or_default().to_string(),
    )
}

/// `(type, source)` of each event.
pub fn kinds(events: &[Value]) -> Vec<(String, String)> {
    events.iter().map(kind).collect()
}

/// `(type, source)` pair for comparisons.
pub fn ev(t: &str, s: &str) -> (String, String) {
    (t.to_string(), s.to_string())
}

/// Standard padded base64.
pub fn b64(bytes: &[u8]) -> String {
    online_sync::validate::media::to_base64(bytes)
}

/// An `uploadSessionMediaFile` payload for [`CODE`].
pub fn media_payload(identity: &str, ext: &str, bytes: &[u8]) -> Value {
    json!({"sessionCode": CODE, "file": {
        "identity": identity, "name": format!("{identity}.{ext}"), "ext": ext, "mime": "",
        "size": bytes.len(), "dataBase64": b64(bytes),
    }})
}
