//! The WebSocket transport of browsers and webviews, on gloo-net: a [`Link`] to
//! a relay at a `ws://` or `wss://` URL.
//!
//! Each connection is one task (`spawn_local`) that owns its
//! [`gloo_net::websocket::futures::WebSocket`]: it reports `Opened` or
//! `OpenFailed`, writes the frames the client queued, in order, and reads what
//! the relay sends (text; binary is decoded as UTF-8) until the socket closes.
//! The link and its task share one [`Conn`]: an outbox, a `closed` flag and the
//! task's waker.
//!
//! Nothing outlives its use:
//! - [`Link::close`] (and dropping the link, which `free()` does) sets `closed`
//!   and wakes the task; the task returns at once, without reporting anything,
//!   and drops the socket: gloo-net closes it and removes its listeners, and
//!   the task's connect timer is cleared.
//! - A connection that ends on its own (open failed, closed by the relay) ends
//!   its task after the last event.
//! - A connect that neither opens nor fails within the request timeout is given
//!   up (`OpenFailed`), so neither a call nor a reconnect waits on a socket that
//!   hangs in `CONNECTING`.
//!
//! Where the host has no `WebSocket` (Node.js 20 without its flag), opening
//! fails with `OpenFailed`: calls reject with `transport-unavailable`. An `error`
//! before the socket opens is a failed connect too: Node.js 20 fires `error` for a
//! refused connection and never `close`.
//!
//! gloo-net removes its `close` listener on drop by dispatching a synthetic
//! `CloseEvent`; hosts that have `WebSocket` but no `CloseEvent` constructor
//! (Node.js 22) cannot build one, so the listener would outlive its closure and
//! the socket's real close would call freed memory. [`ensure_close_event`] gives
//! such hosts a minimal `CloseEvent` once; browsers and webviews have their own.

use super::env::{self, Timer};
use super::link::{Link, LinkEvent, Sink};
use futures_core::Stream;
use futures_sink::Sink as _;
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, State};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(inline_js = "export function ensure_close_event() {
  if (typeof globalThis.CloseEvent !== 'function' && typeof globalThis.Event === 'function') {
    globalThis.CloseEvent = class CloseEvent extends Event {
      constructor(type, init = {}) {
        super(type, init);
        this.code = init.code ?? 0;
        this.reason = init.reason ?? '';
        this.wasClean = init.wasClean ?? false;
      }
    };
  }
}")]
extern "C" {
    /// Defines a minimal global `CloseEvent` where the host lacks one (see the module doc).
    fn ensure_close_event();
}

/// `url` if it is an absolute `ws://` or `wss://` URL with a host and no fragment.
pub(crate) fn relay_url(url: &str) -> Option<String> {
    let parsed = web_sys::Url::new(url.trim()).ok()?;
    let scheme_ok = matches!(parsed.protocol().as_str(), "ws:" | "wss:");
    (scheme_ok && !parsed.hostname().is_empty() && parsed.hash().is_empty()).then(|| parsed.href())
}

/// What a connection's link and task share.
#[derive(Default)]
struct Conn {
    /// Frames to write, in order.
    outbox: RefCell<VecDeque<String>>,
    /// Set by the link: the task ends without another event.
    closed: Cell<bool>,
    /// Set by the connect timer.
    timed_out: Cell<bool>,
    /// The task, while it waits.
    waker: RefCell<Option<Waker>>,
}

impl Conn {
    fn wake(&self) {
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }
}

/// One client's link to the relay at a WebSocket URL.
pub(crate) struct WebSocketLink {
    url: String,
    connect_timeout_ms: u64,
    conn: Option<Rc<Conn>>,
}

impl WebSocketLink {
    /// A link to `url` (checked with [`relay_url`]); a connect that takes
    /// longer than `connect_timeout_ms` fails.
    pub(crate) fn new(url: String, connect_timeout_ms: u64) -> WebSocketLink {
        WebSocketLink {
            url,
            connect_timeout_ms,
            conn: None,
        }
    }
}

impl Link for WebSocketLink {
    fn open(&mut self, sink: Sink, now: u64) {
        self.close(now);
        ensure_close_event();
        match WebSocket::open(&self.url) {
            Ok(ws) => {
                let conn = Rc::new(Conn::default());
                self.conn = Some(conn.clone());
                let deadline = now.saturating_add(self.connect_timeout_ms);
                env::spawn(run(ws, conn, sink, deadline));
            }
            // No `WebSocket` in this host, or a URL the browser refuses.
            Err(_) => env::later(move || sink.deliver(LinkEvent::OpenFailed)),
        }
    }

    fn send(&mut self, frame: String, _now: u64) {
        if let Some(conn) = &self.conn {
            conn.outbox.borrow_mut().push_back(frame);
            conn.wake();
        }
    }

    fn close(&mut self, _now: u64) {
        if let Some(conn) = self.conn.take() {
            conn.closed.set(true);
            conn.outbox.borrow_mut().clear();
            conn.wake();
        }
    }
}

impl Drop for WebSocketLink {
    fn drop(&mut self) {
        self.close(0);
    }
}

/// One connection, from `CONNECTING` until it closes or the link lets it go.
async fn run(mut ws: WebSocket, conn: Rc<Conn>, sink: Sink, connect_deadline: u64) {
    let weak: Weak<Conn> = Rc::downgrade(&conn);
    let mut connect_timer = Timer::new(
        move || {
            if let Some(conn) = weak.upgrade() {
                conn.timed_out.set(true);
                conn.wake();
            }
        },
        true,
    );
    connect_timer.arm(Some(connect_deadline), env::now());
    let mut open = false;
    poll_fn(|cx| {
        *conn.waker.borrow_mut() = Some(cx.waker().clone());
        loop {
            if conn.closed.get() {
                return Poll::Ready(());
            }
            let event = match next_event(&mut ws, &conn, &mut open, cx) {
                Poll::Ready(event) => event,
                Poll::Pending => return Poll::Pending,
            };
            if open {
                connect_timer.cancel();
            }
            let last = matches!(event, LinkEvent::OpenFailed | LinkEvent::Closed);
            // The client may call back into the link (send, close, open anew).
            sink.deliver(event);
            if last {
                return Poll::Ready(());
            }
        }
    })
    .await;
    conn.waker.borrow_mut().take();
    // A normal close for the relay; dropping the socket removes its listeners.
    let _ = ws.close(Some(1000), None);
}

/// The next event of the connection, after writing what is queued.
fn next_event(
    ws: &mut WebSocket,
    conn: &Conn,
    open: &mut bool,
    cx: &mut Context<'_>,
) -> Poll<LinkEvent> {
    if !*open {
        if conn.timed_out.get() {
            return Poll::Ready(LinkEvent::OpenFailed);
        }
        // An error (or the end of the stream) before open is a failed connect.
        // Nothing else can arrive before open.
        if let Poll::Ready(None | Some(Err(_))) = Pin::new(&mut *ws).poll_next(cx) {
            return Poll::Ready(LinkEvent::OpenFailed);
        }
        // Ready once the socket left CONNECTING: opened, or failed.
        if Pin::new(&mut *ws).poll_ready(cx).is_pending() {
            return Poll::Pending;
        }
        if !matches!(ws.state(), State::Open) {
            return Poll::Ready(LinkEvent::OpenFailed);
        }
        *open = true;
        return Poll::Ready(LinkEvent::Opened);
    }
    // Open: `poll_ready` is always ready. A socket that is closing drops what
    // it is given; its close event follows.
    while Pin::new(&mut *ws).poll_ready(cx).is_ready() {
        let Some(frame) = conn.outbox.borrow_mut().pop_front() else {
            break;
        };
        let _ = Pin::new(&mut *ws).start_send(Message::Text(frame));
    }
    loop {
        match Pin::new(&mut *ws).poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Some(Ok(Message::Text(text)))) => {
                return Poll::Ready(LinkEvent::Frame(text))
            }
            Poll::Ready(Some(Ok(Message::Bytes(bytes)))) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                return Poll::Ready(LinkEvent::Frame(text));
            }
            // An error or close event: the end of the stream follows.
            Poll::Ready(Some(Err(_))) => {}
            Poll::Ready(None) => return Poll::Ready(LinkEvent::Closed),
        }
    }
}
