//! The transport seen from one client: a [`Link`] opens, sends and closes, and
//! reports back through a [`Sink`], always asynchronously.
//!
//! The links: [`crate::wasm::mock`]'s in-memory link to a `MockRelay`,
//! `websocket`'s link to a relay over WebSocket, and [`Unavailable`], the link
//! of a freed client (every connection attempt fails with
//! `transport-unavailable`). A new transport implements [`Link`] and nothing
//! else changes. Links know nothing of the client that owns them: the client
//! hands each `open` a [`Sink`] that feeds its core.

use std::rc::Rc;

/// What a link reports to its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkEvent {
    /// The connection asked for by [`Link::open`] is up.
    Opened,
    /// The connection asked for by [`Link::open`] could not be made.
    OpenFailed,
    /// A text frame from the relay.
    Frame(String),
    /// A chunk frame (binary) from the relay.
    Binary(Vec<u8>),
    /// The open connection was closed by the other side.
    Closed,
}

/// Where a link delivers its events (the client's driver, while it exists).
#[derive(Clone)]
pub(crate) struct Sink(Rc<dyn Fn(LinkEvent)>);

impl Sink {
    /// A sink that hands every event to `deliver`.
    pub(crate) fn new(deliver: impl Fn(LinkEvent) + 'static) -> Sink {
        Sink(Rc::new(deliver))
    }

    /// Feeds one event to the client. Must be called from a task of the link's
    /// own (a spawned future, a microtask), never from inside a [`Link`] method.
    pub(crate) fn deliver(&self, event: LinkEvent) {
        (self.0)(event);
    }
}

/// One client's connection to a relay.
pub(crate) trait Link {
    /// Opens the connection; the outcome arrives later as `Opened` or `OpenFailed`.
    fn open(&mut self, sink: Sink, now: u64);
    /// Sends one frame on the open connection (dropped when there is none).
    fn send(&mut self, frame: String, now: u64);
    /// Sends one binary frame on the open connection (dropped when there is none).
    fn send_binary(&mut self, frame: Vec<u8>, now: u64);
    /// Closes the connection, if any; no event follows.
    fn close(&mut self, now: u64);
}

/// The link of a client with no usable transport (a freed one): every open fails.
pub(crate) struct Unavailable;

impl Link for Unavailable {
    fn open(&mut self, sink: Sink, _now: u64) {
        super::env::later(move || sink.deliver(LinkEvent::OpenFailed));
    }

    fn send(&mut self, _frame: String, _now: u64) {}

    fn send_binary(&mut self, _frame: Vec<u8>, _now: u64) {}

    fn close(&mut self, _now: u64) {}
}
