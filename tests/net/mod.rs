//! Real-socket helpers for the relay server tests: [`Server`] runs
//! `online_sync::server::run` on `127.0.0.1:0`, [`Client`] is a real WebSocket
//! client speaking the deployed JSON protocol, and [`http`] / [`raw_upgrade`] talk
//! plain TCP for what a WebSocket library hides.
//!
//! Every wait is bounded by [`GUARD`], a hang guard only: no test passes or fails
//! on how fast the machine is.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use online_sync::server::{run, ServerConfig};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{timeout, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

#[path = "../fixtures/mod.rs"]
mod fixtures;

// Each test binary uses only part of these.
#[allow(unused_imports)]
pub use fixtures::{pack, png, png_signature, settings, CODE};

/// Upper bound of any single wait: a hang guard, never a pass/fail criterion.
pub const GUARD: Duration = Duration::from_secs(10);

/// Awaits `f`, failing the test if it hangs past [`GUARD`].
pub async fn guard<T>(what: &str, f: impl Future<Output = T>) -> T {
    match timeout(GUARD, f).await {
        Ok(v) => v,
        Err(_) => panic!("hang guard: {what} did not finish within {GUARD:?}"),
    }
}

/// A server config with [`settings`].
pub fn config() -> ServerConfig {
    ServerConfig {
        relay: settings(),
        ..ServerConfig::default()
    }
}

/// A relay server running in this test's runtime.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Starts the relay on `127.0.0.1:0`.
    pub async fn start(config: ServerConfig) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Server::start_on(listener, config)
    }

    /// Starts the relay on a listener the test prepared.
    pub fn start_on(listener: TcpListener, config: ServerConfig) -> Server {
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(run(listener, config, async {
            let _ = stopped.await;
        }));
        Server {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// `ws://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// A client connected on `/`.
    pub async fn client(&self) -> Client {
        Client::connect(self.addr, "/", &[]).await.expect("connect")
    }

    /// Resolves the shutdown future given to `run`.
    pub fn trigger_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Waits for `run` to return; how long that took.
    pub async fn join(&mut self) -> Duration {
        let started = Instant::now();
        let task = self.task.take().expect("server already joined");
        guard("run() returning", task)
            .await
            .expect("server task")
            .expect("run");
        started.elapsed()
    }

    /// Triggers shutdown and waits for `run` to return.
    pub async fn stop(mut self) -> Duration {
        self.trigger_shutdown();
        self.join().await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.trigger_shutdown();
    }
}

/// How a connection ended, as a client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// A close frame with this code and reason.
    Close(u16, String),
    /// The socket ended without a close frame (EOF or reset).
    Dropped(String),
}

/// A WebSocket client that speaks the relay's JSON, with incrementing string ids.
pub struct Client {
    ws: WebSocketStream<TcpStream>,
    next_id: u64,
    /// Frames received while waiting for something else, oldest first.
    backlog: VecDeque<Value>,
}

impl Client {
    /// Connects to `path` on `addr` with extra request headers.
    ///
    /// # Errors
    /// The handshake error (e.g. an HTTP 403 for a refused origin).
    pub async fn connect(
        addr: SocketAddr,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<Client, WsError> {
        let tcp = guard("tcp connect", TcpStream::connect(addr))
            .await
            .map_err(WsError::Io)?;
        Client::handshake(tcp, addr, path, headers).await
    }

    /// Runs the WebSocket handshake on a connected stream.
    ///
    /// # Errors
    /// The handshake error.
    pub async fn handshake(
        tcp: TcpStream,
        addr: SocketAddr,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<Client, WsError> {
        tcp.set_nodelay(true).ok();
        let mut req = format!("ws://{addr}{path}").into_client_request()?;
        for (k, v) in headers {
            let name: tokio_tungstenite::tungstenite::http::HeaderName =
                k.parse().expect("header name");
            req.headers_mut()
                .append(name, HeaderValue::from_str(v).expect("header value"));
        }
        let (ws, _resp) = guard(
            "websocket handshake",
            tokio_tungstenite::client_async(req, tcp),
        )
        .await?;
        Ok(Client {
            ws,
            next_id: 0,
            backlog: VecDeque::new(),
        })
    }

    /// Sends a text frame.
    pub async fn send_text(&mut self, text: &str) {
        guard("send", self.ws.send(Message::text(text)))
            .await
            .expect("send text");
    }

    /// Sends a binary frame.
    pub async fn send_binary(&mut self, bytes: &[u8]) {
        guard("send", self.ws.send(Message::binary(bytes.to_vec())))
            .await
            .expect("send binary");
    }

    /// Sends a JSON value as a text frame.
    pub async fn send_json(&mut self, v: &Value) {
        self.send_text(&v.to_string()).await;
    }

    /// Sends a request with the next id (`"1"`, `"2"`, ... as the deployed client does);
    /// returns the id.
    pub async fn send_request(&mut self, action: &str, payload: Value) -> String {
        self.next_id += 1;
        let id = self.next_id.to_string();
        let frame = json!({"type": "request", "id": id, "action": action, "payload": payload});
        self.send_json(&frame).await;
        id
    }

    /// Sends a request and returns every frame up to and including its response.
    pub async fn request_frames(&mut self, action: &str, payload: Value) -> Vec<Value> {
        let id = self.send_request(action, payload).await;
        self.frames_until_response(&id).await
    }

    /// Reads frames (events go to the backlog) up to the response with this id, which
    /// is returned last.
    pub async fn frames_until_response(&mut self, id: &str) -> Vec<Value> {
        let mut frames = Vec::new();
        loop {
            let v = self.read_json().await;
            let done = v["type"] == "response" && v["id"] == id;
            frames.push(v);
            if done {
                return frames;
            }
        }
    }

    /// Sends a request and returns its response; events received meanwhile are
    /// kept for [`Client::event`].
    pub async fn request(&mut self, action: &str, payload: Value) -> Value {
        let mut frames = self.request_frames(action, payload).await;
        let response = frames.pop().expect("a response");
        self.backlog.extend(frames);
        response
    }

    /// The `result` of a successful request; panics with the error code otherwise.
    pub async fn ok(&mut self, action: &str, payload: Value) -> Value {
        let r = self.request(action, payload).await;
        assert_eq!(r["ok"], true, "{action} failed: {r}");
        r["result"].clone()
    }

    /// The error code of a failing request; panics if it succeeds.
    pub async fn err(&mut self, action: &str, payload: Value) -> String {
        let r = self.request(action, payload).await;
        assert_eq!(r["ok"], false, "{action} should fail: {r}");
        r["error"].as_str().expect("error code").to_string()
    }

    /// Sends a request and returns its response as the raw text the relay sent
    /// (events received meanwhile are kept for [`Client::event`]).
    pub async fn request_raw(&mut self, action: &str, payload: Value) -> String {
        let id = self.send_request(action, payload).await;
        loop {
            let text = match guard("a frame from the relay", self.next_message()).await {
                Ok(Message::Text(t)) => t.to_string(),
                other => panic!("expected a text frame, got {other:?}"),
            };
            let v: Value = serde_json::from_str(&text).expect("relay sent JSON");
            if v["type"] == "response" && v["id"] == id.as_str() {
                return text;
            }
            self.backlog.push_back(v);
        }
    }

    /// The next frame, from the backlog first.
    pub async fn recv(&mut self) -> Value {
        match self.backlog.pop_front() {
            Some(v) => v,
            None => self.read_json().await,
        }
    }

    /// The next event (the inner `event` object) that `pred` accepts; earlier
    /// non-matching frames are dropped.
    pub async fn event(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let v = self.recv().await;
            if v["type"] == "event" && pred(&v["event"]) {
                return v["event"].clone();
            }
        }
    }

    /// The next `room-updated`/`room-closed` event with this `source`.
    pub async fn room_event(&mut self, kind: &str, source: &str) -> Value {
        self.event(|e| e["type"] == kind && e["source"] == source)
            .await
    }

    async fn next_message(&mut self) -> Result<Message, String> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(m)) => return Ok(m),
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("stream ended".into()),
            }
        }
    }

    async fn read_json(&mut self) -> Value {
        match guard("a frame from the relay", self.next_message()).await {
            Ok(Message::Text(t)) => serde_json::from_str(&t).expect("relay sent JSON"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// Keeps reading (so pings are answered) for `d`; returns how many pings came.
    /// Panics if anything but a ping or pong arrives, or the connection ends.
    pub async fn pings_during(&mut self, d: Duration) -> usize {
        let until = Instant::now() + d;
        let mut pings = 0;
        loop {
            match tokio::time::timeout_at(until, self.ws.next()).await {
                Err(_) => return pings,
                Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
                Ok(Some(Ok(Message::Pong(_)))) => {}
                Ok(other) => panic!("connection should stay quiet and open, got {other:?}"),
            }
        }
    }

    /// Reads until the connection ends; how it ended.
    pub async fn ended(&mut self) -> Ended {
        guard("the connection to end", async {
            loop {
                match self.ws.next().await {
                    Some(Ok(Message::Close(Some(f)))) => {
                        return Ended::Close(u16::from(f.code), f.reason.to_string())
                    }
                    Some(Ok(Message::Close(None))) => {
                        return Ended::Close(u16::from(CloseCode::Status), String::new())
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Ended::Dropped(e.to_string()),
                    None => return Ended::Dropped("stream ended".into()),
                }
            }
        })
        .await
    }

    /// Sends a close frame (normal closure) and keeps the client for reading.
    pub async fn send_close(&mut self) {
        let frame = tokio_tungstenite::tungstenite::protocol::CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        };
        guard("send close", self.ws.close(Some(frame)))
            .await
            .expect("send close");
    }
}

/// Creates `CODE` from `client` as `host-1` in shared-pause mode; returns the snapshot.
pub async fn create_room(client: &mut Client, password: &str) -> Value {
    client
        .ok(
            "createRoom",
            json!({"sessionCode": CODE, "hostClientId": "host-1", "sessionName": "Figure drawing",
                "controlMode": "shared-pause", "password": password, "hostDisplayName": "Host"}),
        )
        .await
}

/// Joins `CODE` as `id`; returns the snapshot.
pub async fn join_room(client: &mut Client, id: &str, password: &str) -> Value {
    client
        .ok(
            "joinRoom",
            json!({"sessionCode": CODE, "clientId": id, "password": password, "participantName": id}),
        )
        .await
}

/// What [`publish_session`] publishes in `CODE`.
pub struct Published<'a> {
    /// `currentIndex` of the session state (playing).
    pub index: u64,
    /// Media refs of the pack.
    pub refs: usize,
    /// The identity of the one media file.
    pub identity: &'a str,
    /// The salt of its PNG bytes.
    pub salt: u8,
}

/// From `host`: a session state, a pack and one PNG media file in `CODE`;
/// returns the file's base64.
pub async fn publish_session(host: &mut Client, p: Published<'_>) -> String {
    host.ok(
        "updateSessionState",
        json!({"sessionCode": CODE, "payload": {"isPlaying": true, "currentIndex": p.index}}),
    )
    .await;
    host.ok(
        "uploadSessionPack",
        json!({"sessionCode": CODE, "pack": pack(p.refs)}),
    )
    .await;
    let bytes = png(p.salt);
    let b64 = online_sync::validate::media::to_base64(&bytes);
    host.ok(
        "uploadSessionMediaFile",
        json!({"sessionCode": CODE, "file": {"identity": p.identity, "name": "a.png", "ext": "png",
            "mime": "image/png", "size": bytes.len(), "dataBase64": b64}}),
    )
    .await;
    b64
}

/// A plain HTTP exchange.
#[derive(Debug)]
pub struct HttpReply {
    /// Status code.
    pub status: u16,
    /// Header names (lowercase) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl HttpReply {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `method target` over a fresh connection (`Connection: close`) and reads the reply.
pub async fn http(addr: SocketAddr, method: &str, target: &str) -> HttpReply {
    guard("http exchange", async {
        let mut tcp = TcpStream::connect(addr).await.expect("connect");
        let req = format!(
            "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        );
        tcp.write_all(req.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        tcp.read_to_end(&mut raw).await.expect("read");
        let text = String::from_utf8(raw).expect("utf-8 reply");
        let (head, body) = text.split_once("\r\n\r\n").expect("http head");
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_string()
        };
        HttpReply {
            status,
            headers,
            body,
        }
    })
    .await
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// Opens a TCP connection and performs the WebSocket upgrade by hand; returns the
/// stream (nothing read past the response head) and the response head.
pub async fn raw_upgrade(
    addr: SocketAddr,
    path: &str,
    extra: &[(&str, &str)],
) -> (TcpStream, String) {
    guard("raw upgrade", async {
        let mut tcp = TcpStream::connect(addr).await.expect("connect");
        let mut req = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        );
        for (k, v) in extra {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        tcp.write_all(req.as_bytes()).await.expect("write");
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            let n = tcp.read(&mut byte).await.expect("read head");
            if n == 0 {
                break;
            }
            head.push(byte[0]);
        }
        (tcp, String::from_utf8(head).expect("utf-8 head"))
    })
    .await
}

/// One server frame read off a raw socket: opcode and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFrame {
    /// 1 text, 2 binary, 8 close, 9 ping, 10 pong.
    pub opcode: u8,
    /// The (unmasked) payload.
    pub payload: Vec<u8>,
}

impl RawFrame {
    /// Code and reason of a close frame.
    pub fn close(&self) -> Option<(u16, String)> {
        (self.opcode == 8 && self.payload.len() >= 2).then(|| {
            let code = u16::from_be_bytes([self.payload[0], self.payload[1]]);
            let reason = String::from_utf8_lossy(&self.payload[2..]).into_owned();
            (code, reason)
        })
    }
}

/// Parses the unmasked frames a server sent; a truncated tail is ignored.
pub fn parse_frames(mut b: &[u8]) -> Vec<RawFrame> {
    let mut out = Vec::new();
    while b.len() >= 2 {
        let opcode = b[0] & 0x0F;
        let (len, head) = match b[1] & 0x7F {
            126 if b.len() >= 4 => (u16::from_be_bytes([b[2], b[3]]) as usize, 4),
            127 if b.len() >= 10 => {
                let mut n = [0u8; 8];
                n.copy_from_slice(&b[2..10]);
                (u64::from_be_bytes(n) as usize, 10)
            }
            n @ 0..=125 => (n as usize, 2),
            _ => break,
        };
        if b.len() < head + len {
            break;
        }
        out.push(RawFrame {
            opcode,
            payload: b[head..head + len].to_vec(),
        });
        b = &b[head + len..];
    }
    out
}
