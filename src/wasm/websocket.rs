//! The WebSocket transport of browsers and webviews, on the host's `WebSocket`
//! (web-sys): a [`Link`] to a relay at a `ws://` or `wss://` URL.
//!
//! Each connection is one [`Conn`]: the socket, its four handlers (`onopen`,
//! `onmessage`, `onerror`, `onclose`), a connect timer and the frames queued
//! before it opened. It reports `Opened` or `OpenFailed`, then every text frame
//! (binary is decoded as UTF-8), then `Closed` when the relay closes it.
//!
//! Nothing outlives its use (the rule gloo-net follows, without its futures
//! wrapper: replacing it saved the module 6.5 KB gzip, BENCHMARKS.md):
//! - [`Link::close`] (and dropping the link, which `free()` does) ends the
//!   connection without another event: the handlers are detached from the
//!   socket, the timer cleared, the socket closed with 1000, and the closures
//!   dropped with the `Conn`.
//! - A connection that ends on its own (open failed, closed by the relay) ends
//!   the same way right after its last event.
//! - A connect that neither opens nor fails within the request timeout is given
//!   up (`OpenFailed`), so neither a call nor a reconnect waits on a socket that
//!   hangs in `CONNECTING`.
//!
//! Where the host has no `WebSocket` (Node.js 20 without its flag), opening
//! fails with `OpenFailed`: calls reject with `transport-unavailable`. An `error`
//! before the socket opens is a failed connect too: Node.js 20 fires `error` for
//! a refused connection and never `close`.

use super::env::{self, Timer};
use super::link::{Link, LinkEvent, Sink};
use js_sys::{ArrayBuffer, Uint8Array};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use web_sys::{BinaryType, Event, MessageEvent, WebSocket};

/// `url` if it is an absolute `ws://` or `wss://` URL with a host and no fragment.
pub(crate) fn relay_url(url: &str) -> Option<String> {
    let parsed = web_sys::Url::new(url.trim()).ok()?;
    let scheme_ok = matches!(parsed.protocol().as_str(), "ws:" | "wss:");
    (scheme_ok && !parsed.hostname().is_empty() && parsed.hash().is_empty()).then(|| parsed.href())
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
        match WebSocket::new(&self.url) {
            Ok(ws) => {
                let deadline = now.saturating_add(self.connect_timeout_ms);
                self.conn = Some(Conn::start(ws, sink, deadline, now));
            }
            // No `WebSocket` in this host, or a URL the browser refuses.
            Err(_) => env::later(move || sink.deliver(LinkEvent::OpenFailed)),
        }
    }

    fn send(&mut self, frame: String, _now: u64) {
        if let Some(conn) = &self.conn {
            conn.send(frame);
        }
    }

    fn close(&mut self, _now: u64) {
        if let Some(conn) = self.conn.take() {
            conn.end();
        }
    }
}

impl Drop for WebSocketLink {
    fn drop(&mut self) {
        self.close(0);
    }
}

/// What a handler was called for.
#[derive(Clone, Copy)]
enum Kind {
    Open,
    Message,
    Error,
    Close,
    Timeout,
}

/// A socket event handler (one type for all four: one instance of the glue).
type Handler = Closure<dyn FnMut(Event)>;

/// One connection, from `CONNECTING` until it ends.
struct Conn {
    ws: WebSocket,
    sink: Sink,
    opened: Cell<bool>,
    ended: Cell<bool>,
    /// Frames sent before the socket opened, written on open.
    queued: RefCell<Vec<String>>,
    /// The socket's handlers, owned here: dropped with the connection.
    handlers: RefCell<Vec<Handler>>,
    connect_timer: RefCell<Option<Timer>>,
}

impl Conn {
    fn start(ws: WebSocket, sink: Sink, deadline: u64, now: u64) -> Rc<Conn> {
        ws.set_binary_type(BinaryType::Arraybuffer);
        let conn = Rc::new(Conn {
            ws,
            sink,
            opened: Cell::new(false),
            ended: Cell::new(false),
            queued: RefCell::new(Vec::new()),
            handlers: RefCell::new(Vec::with_capacity(4)),
            connect_timer: RefCell::new(None),
        });
        let weak = Rc::downgrade(&conn);
        let handler = |kind: Kind| {
            let weak = weak.clone();
            Handler::new(move |event: Event| on_event(&weak, kind, Some(event)))
        };
        let handlers = [
            handler(Kind::Open),
            handler(Kind::Message),
            handler(Kind::Error),
            handler(Kind::Close),
        ];
        conn.ws
            .set_onopen(Some(handlers[0].as_ref().unchecked_ref()));
        conn.ws
            .set_onmessage(Some(handlers[1].as_ref().unchecked_ref()));
        conn.ws
            .set_onerror(Some(handlers[2].as_ref().unchecked_ref()));
        conn.ws
            .set_onclose(Some(handlers[3].as_ref().unchecked_ref()));
        conn.handlers.borrow_mut().extend(handlers);
        let mut timer = Timer::new(move || on_event(&weak, Kind::Timeout, None), true);
        timer.arm(Some(deadline), now);
        *conn.connect_timer.borrow_mut() = Some(timer);
        conn
    }

    fn send(&self, frame: String) {
        if self.ended.get() {
            return;
        }
        if self.opened.get() {
            // A socket that is closing drops what it is given; its close event follows.
            let _ = self.ws.send_with_str(&frame);
        } else {
            self.queued.borrow_mut().push(frame);
        }
    }

    /// Ends the connection: no handler runs again, the socket is closed.
    fn end(&self) {
        if self.ended.replace(true) {
            return;
        }
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
        self.connect_timer.borrow_mut().take();
        self.queued.borrow_mut().clear();
        // A normal close for the relay (nothing happens to a socket already closed).
        let _ = self.ws.close_with_code(1000);
        // Dropped here, or after the handler that is running returns.
        self.handlers.borrow_mut().clear();
    }
}

/// One handler call: what it means for the client, then delivered.
fn on_event(conn: &Weak<Conn>, kind: Kind, event: Option<Event>) {
    let Some(conn) = conn.upgrade() else {
        return;
    };
    if conn.ended.get() {
        return;
    }
    let opened = conn.opened.get();
    let link_event = match kind {
        Kind::Open => {
            conn.opened.set(true);
            conn.connect_timer.borrow_mut().take();
            for frame in conn.queued.take() {
                let _ = conn.ws.send_with_str(&frame);
            }
            LinkEvent::Opened
        }
        Kind::Message => match event.and_then(message_text) {
            Some(text) => LinkEvent::Frame(text),
            None => return,
        },
        // After open, an error is followed by its close event.
        Kind::Error if opened => return,
        Kind::Error | Kind::Close | Kind::Timeout if !opened => LinkEvent::OpenFailed,
        Kind::Close => LinkEvent::Closed,
        Kind::Error | Kind::Timeout => return,
    };
    if matches!(link_event, LinkEvent::OpenFailed | LinkEvent::Closed) {
        conn.end();
    }
    // The client may call back into the link (send, close, open anew).
    conn.sink.deliver(link_event);
}

/// A message's text: a string as is, binary decoded as UTF-8 (lossy).
///
/// The event is read as a `MessageEvent` without an `instanceof` check: Node.js's
/// WebSocket (undici) fires its own `MessageEvent` class, not the global one.
fn message_text(event: Event) -> Option<String> {
    let data = event.unchecked_into::<MessageEvent>().data();
    if let Some(text) = data.as_string() {
        return Some(text);
    }
    let buffer = data.dyn_into::<ArrayBuffer>().ok()?;
    let bytes = Uint8Array::new(&buffer).to_vec();
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
