//! The WebSocket transport of browsers and webviews: a [`Link`] to a relay at a
//! `ws://` or `wss://` URL, on gloo-net's `WebSocket` (a `Stream` of messages and
//! a `Sink` of frames over the host's `WebSocket`).
//!
//! A link may have a list of URLs (the nodes of a relay cluster): the first
//! connect dials the first URL, and every connect after a connection that
//! failed or was lost (the client's reconnect) dials the next one, wrapping
//! around. A connection the client closed itself (an idle link it released)
//! keeps its URL.
//!
//! Each connection is one task ([`run`], started with `spawn_local`) that owns
//! the socket from `CONNECTING` until it ends. It reports `Opened` or
//! `OpenFailed`, then every text frame (binary is decoded as UTF-8), then
//! `Closed` when the relay closes it. The link keeps only the two ends of the
//! task's channels, [`Conn`]: frames to send, and a stop signal. What to do
//! about a drop (reconnect with backoff, rejoin) is not decided here but in the
//! client core, the one place that decides it.
//!
//! - [`Link::close`] (and dropping the link, which `free()` does) drops the
//!   [`Conn`]: the task sees the stop signal first, closes the socket with 1000
//!   and ends without another event; gloo-net drops the socket's listeners
//!   (once the `close` event is through, see [`finish`]).
//! - A connect that neither opens nor fails within the request timeout is given
//!   up (`OpenFailed`), so neither a call nor a reconnect waits on a socket that
//!   hangs in `CONNECTING`.
//! - Where the host has no `WebSocket` (Node.js 20 without its flag), opening
//!   fails with `OpenFailed`: calls reject with `transport-unavailable`. An
//!   `error` before the socket opens is a failed connect too: Node.js 20 fires
//!   `error` for a refused connection and never `close`.

use super::env;
use super::link::{Link, LinkEvent, Sink};
use futures::channel::{mpsc, oneshot};
use futures::future;
use futures::{FutureExt, SinkExt, Stream, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, State, WebSocketError};
use std::pin::Pin;
use std::task::Poll;
use wasm_bindgen_futures::spawn_local;

/// `url` if it is an absolute `ws://` or `wss://` URL with a host and no fragment.
pub(crate) fn relay_url(url: &str) -> Option<String> {
    let parsed = web_sys::Url::new(url.trim()).ok()?;
    let scheme_ok = matches!(parsed.protocol().as_str(), "ws:" | "wss:");
    (scheme_ok && !parsed.hostname().is_empty() && parsed.hash().is_empty()).then(|| parsed.href())
}

/// How many URLs `SyncClient.websocket` takes in a list, at most.
pub(crate) const MAX_RELAY_URLS: usize = 16;

/// One client's link to the relay at a WebSocket URL (or at one of a list).
pub(crate) struct WebSocketLink {
    /// The relay's URLs, each checked with [`relay_url`]; never empty.
    urls: Vec<String>,
    /// The index in `urls` of the URL the next connect dials.
    at: usize,
    connect_timeout_ms: u64,
    conn: Option<Conn>,
}

/// The link's side of a running connection task. Dropping it stops the task.
struct Conn {
    frames: mpsc::UnboundedSender<Message>,
    _stop: oneshot::Sender<()>,
}

impl WebSocketLink {
    /// A link to the relay at `urls` (each checked with [`relay_url`], at
    /// least one), tried in turn; a connect that takes longer than
    /// `connect_timeout_ms` fails.
    pub(crate) fn new(urls: Vec<String>, connect_timeout_ms: u64) -> WebSocketLink {
        WebSocketLink {
            urls,
            at: 0,
            connect_timeout_ms,
            conn: None,
        }
    }
}

impl Link for WebSocketLink {
    fn open(&mut self, sink: Sink, _now: u64) {
        // A connection the client did not close failed or was lost: next URL.
        if self.conn.take().is_some() {
            self.at += 1;
        }
        if self.at >= self.urls.len() {
            self.at = 0;
        }
        let (frames, frames_rx) = mpsc::unbounded();
        let (stop, stop_rx) = oneshot::channel();
        spawn_local(run(
            self.urls.get(self.at).cloned().unwrap_or_default(),
            self.connect_timeout_ms,
            sink,
            frames_rx,
            stop_rx,
        ));
        self.conn = Some(Conn {
            frames,
            _stop: stop,
        });
    }

    fn send(&mut self, frame: String, _now: u64) {
        if let Some(conn) = &self.conn {
            // Queued until the socket opens; dropped if the task has ended.
            let _ = conn.frames.unbounded_send(Message::Text(frame));
        }
    }

    fn send_binary(&mut self, frame: Vec<u8>, _now: u64) {
        if let Some(conn) = &self.conn {
            let _ = conn.frames.unbounded_send(Message::Bytes(frame));
        }
    }

    fn close(&mut self, _now: u64) {
        self.conn = None;
    }
}

/// How a connection ended, as far as the task is concerned.
enum End {
    /// The link stopped it: close with 1000, no event.
    Stopped,
    /// The relay closed it (or it broke): `Closed`.
    Lost,
}

/// How long a connection the task closes may take to report its `close` event
/// before the socket is dropped anyway (see [`finish`]).
const CLOSE_GRACE_MS: u64 = 3_000;

/// One connection: open (or fail), then pump frames both ways until it ends.
async fn run(
    url: String,
    connect_timeout_ms: u64,
    sink: Sink,
    mut frames: mpsc::UnboundedReceiver<Message>,
    mut stop: oneshot::Receiver<()>,
) {
    // Stopped before the task first ran: nothing to open, nothing to report.
    if !matches!(stop.try_recv(), Ok(None)) {
        return;
    }
    let mut stop = stop.fuse();
    // No `WebSocket` in this host, or a URL the host refuses.
    let Some((raw, mut ws)) = open(&url) else {
        sink.deliver(LinkEvent::OpenFailed);
        return;
    };
    let opened = {
        let timeout = env::sleep(connect_timeout_ms, true).fuse();
        let mut connect = future::poll_fn(|cx| poll_open(&mut ws, cx)).fuse();
        futures::pin_mut!(timeout);
        futures::select_biased! {
            _ = stop => None,
            opened = connect => Some(opened),
            () = timeout => Some(false),
        }
    };
    match opened {
        Some(true) => sink.deliver(LinkEvent::Opened),
        Some(false) => {
            sink.deliver(LinkEvent::OpenFailed);
            return finish(raw, ws).await;
        }
        None => return finish(raw, ws).await,
    }
    let (mut write, read) = ws.split();
    let mut read = read.fuse();
    let end = loop {
        futures::select_biased! {
            _ = stop => break End::Stopped,
            frame = frames.next() => match frame {
                Some(frame) => {
                    // A socket that is closing drops what it is given; its close event follows.
                    let _ = write.send(frame).await;
                }
                None => break End::Stopped,
            },
            message = read.next() => match message {
                Some(Ok(message)) => sink.deliver(event(message)),
                // After open, an error is followed by its close event.
                Some(Err(WebSocketError::ConnectionError)) => {}
                Some(Err(_)) | None => break End::Lost,
            },
        }
    };
    match end {
        End::Lost => sink.deliver(LinkEvent::Closed),
        End::Stopped => {
            if let Ok(ws) = read.into_inner().reunite(write) {
                finish(raw, ws).await;
            }
        }
    }
}

/// A socket to `url` (`binaryType` `arraybuffer`), as the host's handle and as
/// gloo-net's `Stream` + `Sink`; `None` where the host has no `WebSocket` or
/// refuses the URL.
fn open(url: &str) -> Option<(web_sys::WebSocket, WebSocket)> {
    let raw = web_sys::WebSocket::new(url).ok()?;
    let ws = WebSocket::try_from(raw.clone()).ok()?;
    Some((raw, ws))
}

/// Ready with `true` once the socket is open, `false` once it cannot open
/// (an `error` or `close` before `open`).
fn poll_open(ws: &mut WebSocket, cx: &mut std::task::Context<'_>) -> Poll<bool> {
    // gloo-net's sink is ready once the socket has left `CONNECTING`.
    if let Poll::Ready(ready) = futures::Sink::<Message>::poll_ready(Pin::new(&mut *ws), cx) {
        return Poll::Ready(ready.is_ok() && matches!(ws.state(), State::Open));
    }
    // Before `open`, the stream can only carry an error or a close.
    match Pin::new(ws).poll_next(cx) {
        Poll::Ready(_) => Poll::Ready(false),
        Poll::Pending => Poll::Pending,
    }
}

/// Closes a socket the task gives up (1000, a normal close for the relay) and
/// drops it once its `close` event has come through, or after
/// [`CLOSE_GRACE_MS`]. gloo-net removes its `close` listener by dispatching a
/// synthetic `CloseEvent` as it drops the socket; a host without a global
/// `CloseEvent` (Node.js 20) keeps the listener, and a real `close` arriving
/// after the drop would call a freed closure. Node.js fires no `close` at all
/// for a refused connect: the grace timer (which does not keep Node.js
/// running) ends that wait.
async fn finish(raw: web_sys::WebSocket, mut ws: WebSocket) {
    if raw.ready_state() != web_sys::WebSocket::CLOSED {
        let _ = raw.close_with_code(1000);
    }
    let closed = async { while ws.next().await.is_some() {} };
    futures::pin_mut!(closed);
    future::select(closed, env::sleep(CLOSE_GRACE_MS, false)).await;
}

/// A message as the client takes it: a chunk frame as bytes, anything else as text.
fn event(message: Message) -> LinkEvent {
    match message {
        Message::Bytes(b) if crate::protocol::chunks::is_chunk_frame(&b) => LinkEvent::Binary(b),
        other => LinkEvent::Frame(text(other)),
    }
}

/// A message's text: a string as is, binary decoded as UTF-8 (lossy).
fn text(message: Message) -> String {
    match message {
        Message::Text(text) => text,
        Message::Bytes(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn binary_frames_are_decoded_as_utf8_lossily() {
        assert_eq!(text(Message::Text("{\"a\":1}".into())), "{\"a\":1}");
        let bytes = b"{\"a\":\"\xc3\xa9\"}\xff".to_vec();
        assert_eq!(text(Message::Bytes(bytes)), "{\"a\":\"\u{e9}\"}\u{fffd}");
    }

    #[wasm_bindgen_test]
    fn relay_urls_are_absolute_ws_urls_with_a_host_and_no_fragment() {
        assert_eq!(
            relay_url(" ws://127.0.0.1:8787 ").as_deref(),
            Some("ws://127.0.0.1:8787/")
        );
        assert!(relay_url("wss://relay.example/sync?x=1").is_some());
        for bad in ["http://127.0.0.1", "ws://", "ws://h/#frag", "/relative", ""] {
            assert_eq!(relay_url(bad), None, "{bad}");
        }
    }
}
