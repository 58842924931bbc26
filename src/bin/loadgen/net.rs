//! Sockets the way many real clients open them: spread over loopback source
//! addresses (127.0.x.y, at most [`PER_ADDRESS`] each), at most [`HANDSHAKES`]
//! handshakes at once, each a WebSocket with requests and their replies.

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Sockets per loopback source address.
pub const PER_ADDRESS: usize = 10;
/// Handshakes in flight at once.
pub const HANDSHAKES: usize = 64;

/// A client socket.
pub type Ws = WebSocketStream<TcpStream>;
/// Its sending half.
pub type Tx = SplitSink<Ws, Message>;
/// Its receiving half.
pub type Rx = SplitStream<Ws>;

/// Hands out source addresses and bounds the handshakes in flight.
#[derive(Debug, Clone)]
pub struct Dialer {
    relay: SocketAddr,
    next: Arc<AtomicU64>,
    handshakes: Arc<Semaphore>,
}

/// The source address of the `i`-th socket: 127.0.x.y, ten sockets per address.
pub fn source(i: u64) -> Ipv4Addr {
    let a = i / PER_ADDRESS as u64;
    let x = 1 + a / 250;
    let y = 1 + a % 250;
    Ipv4Addr::new(127, 0, (x % 256) as u8, y as u8)
}

impl Dialer {
    pub fn new(relay: SocketAddr) -> Dialer {
        Dialer {
            relay,
            next: Arc::new(AtomicU64::new(0)),
            handshakes: Arc::new(Semaphore::new(HANDSHAKES)),
        }
    }

    /// A dialer of another relay (another node of a cluster) that shares this
    /// one's source addresses and handshake bound.
    pub fn to(&self, relay: SocketAddr) -> Dialer {
        Dialer {
            relay,
            ..self.clone()
        }
    }

    /// Opens one WebSocket from the next source address.
    pub async fn connect(&self) -> Result<Ws, String> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        self.connect_from(source(i)).await
    }

    /// Opens one WebSocket from `ip`.
    pub async fn connect_from(&self, ip: Ipv4Addr) -> Result<Ws, String> {
        let _permit = self.handshakes.acquire().await.map_err(|e| e.to_string())?;
        let sock = TcpSocket::new_v4().map_err(|e| e.to_string())?;
        sock.bind(SocketAddr::new(ip.into(), 0))
            .map_err(|e| format!("bind {ip}: {e}"))?;
        let tcp = sock.connect(self.relay).await.map_err(|e| e.to_string())?;
        let _ = tcp.set_nodelay(true);
        let url = format!("ws://{}/", self.relay);
        let req = url.into_client_request().map_err(|e| e.to_string())?;
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .max_message_size(Some(64 << 20))
            .max_frame_size(Some(64 << 20));
        let (ws, _) = tokio::time::timeout(
            Duration::from_secs(20),
            tokio_tungstenite::client_async_with_config(req, tcp, Some(config)),
        )
        .await
        .map_err(|_| "handshake timed out".to_string())?
        .map_err(|e| e.to_string())?;
        Ok(ws)
    }
}

/// A request frame.
pub fn request(id: &str, action: &str, payload: Value) -> Message {
    let v = json!({"type": "request", "id": id, "action": action, "payload": payload});
    Message::text(v.to_string())
}

/// Sends a request and reads until its reply; other frames are skipped.
pub async fn call(ws: &mut Ws, id: &str, action: &str, payload: Value) -> Result<Value, String> {
    ws.send(request(id, action, payload))
        .await
        .map_err(|e| e.to_string())?;
    reply(ws, id).await
}

/// Reads until the reply to `id` (its `result` when ok, else the error code).
pub async fn reply(ws: &mut Ws, id: &str) -> Result<Value, String> {
    let wait = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).map_err(|e| e.to_string())?;
                    if v["type"] == "response" && v["id"] == id {
                        return if v["ok"] == true {
                            Ok(v["result"].clone())
                        } else {
                            Err(v["error"].as_str().unwrap_or("error").to_string())
                        };
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("closed".to_string()),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .map_err(|_| format!("no reply to {id}"))?
}

/// The hello that negotiates `resume` with our relay (ignored by the deployed one).
pub fn hello() -> Message {
    Message::text(
        r#"{"type":"notify","action":"subscribe","payload":{"sessionCode":"","features":["resume"]}}"#,
    )
}

/// The session code of room `r`: `LGxx-xxxx` in the code alphabet.
pub fn room_code(r: usize) -> String {
    const ALPHA: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut n = r;
    let mut s = [b'A'; 6];
    for c in s.iter_mut().rev() {
        *c = ALPHA[n % ALPHA.len()];
        n /= ALPHA.len();
    }
    let s = String::from_utf8_lossy(&s).to_string();
    format!("LG{}-{}", &s[..2], &s[2..])
}

/// Creates room `r` on `ws` as its host; returns the reply.
pub async fn create(ws: &mut Ws, r: usize) -> Result<Value, String> {
    let p = json!({"sessionCode": room_code(r), "hostClientId": format!("h{r}"), "sessionName": "load"});
    call(ws, "c", "createRoom", p).await
}

/// Joins room `r` as member `m`; returns the reply.
pub async fn join(ws: &mut Ws, r: usize, m: usize) -> Result<Value, String> {
    let p = json!({"sessionCode": room_code(r), "clientId": format!("m{r}x{m}"), "participantName": "load"});
    call(ws, "j", "joinRoom", p).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_hold_ten_sockets_each() {
        assert_eq!(source(0), Ipv4Addr::new(127, 0, 1, 1));
        assert_eq!(source(9), Ipv4Addr::new(127, 0, 1, 1));
        assert_eq!(source(10), Ipv4Addr::new(127, 0, 1, 2));
        assert_eq!(source(2500), Ipv4Addr::new(127, 0, 2, 1));
    }

    #[test]
    fn room_codes_are_valid_and_distinct() {
        let a = room_code(0);
        let b = room_code(31);
        assert_ne!(a, b);
        assert!(
            online_sync::validate::SessionCode::normalize(&a).is_some(),
            "{a}"
        );
        assert_eq!(a.len(), 9);
    }
}
