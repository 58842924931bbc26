//! `MockRelay`: the relay core in the page, for demos and tests, with the same
//! rules as the real relay.
//!
//! A `Hub` wraps [`MemoryHub`] and routes its frames to the clients' links.
//! A client's frame reaches the relay at once; what the relay sends back is queued
//! and delivered in order from a microtask, so no client is ever re-entered while
//! its own pump runs. Room expiry runs on a timer that does not keep Node.js alive.

use super::env::{self, Timer};
use super::interop;
use super::link::{Link, LinkEvent, Sink};
use crate::relay::ConnId;
use crate::transport::memory::{Delivery, MemoryHub};
use crate::RelaySettings;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

/// An in-memory relay: `new MockRelay({maxSessionPackBytes: 4096})`. Options are
/// the relay's limits in camelCase; absent ones keep the relay's defaults.
#[wasm_bindgen(skip_typescript)]
pub struct MockRelay {
    hub: Rc<Hub>,
}

#[wasm_bindgen]
impl MockRelay {
    /// A relay with these limits (`{}` or nothing: the relay's defaults).
    ///
    /// # Errors
    /// An `Error` with code `invalid-argument` for an unknown option or a value of
    /// the wrong type.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<MockRelay, JsValue> {
        let settings = interop::relay_settings(&options).map_err(|e| interop::error(&e))?;
        let seed = env::random::<32>()?;
        Ok(MockRelay {
            hub: Hub::new(settings, seed),
        })
    }

    /// Number of open rooms.
    #[wasm_bindgen(js_name = roomCount)]
    pub fn room_count(&self) -> usize {
        self.hub.inner.borrow().memory.relay().room_count()
    }

    /// Number of open client connections.
    #[wasm_bindgen(js_name = connectionCount)]
    pub fn connection_count(&self) -> usize {
        self.hub.inner.borrow().memory.relay().connection_count()
    }
}

impl std::fmt::Debug for MockRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockRelay")
            .field("rooms", &self.room_count())
            .field("connections", &self.connection_count())
            .finish()
    }
}

impl MockRelay {
    /// A link to this relay for a new client.
    pub(crate) fn link(&self) -> Box<dyn Link> {
        Box::new(MockLink {
            hub: self.hub.clone(),
            conn: None,
        })
    }
}

struct HubInner {
    memory: MemoryHub,
    /// Where each open connection's events go (a `Vec`: few connections, and
    /// one map type less in the wasm module).
    routes: Vec<(ConnId, Sink)>,
    /// Events not yet delivered, in the order the relay produced them.
    queue: VecDeque<(ConnId, LinkEvent)>,
    flush_scheduled: bool,
    timer: Timer,
}

/// The relay core plus routing and delivery.
pub(crate) struct Hub {
    inner: RefCell<HubInner>,
}

impl Hub {
    fn new(settings: RelaySettings, seed: [u8; 32]) -> Rc<Hub> {
        Rc::new_cyclic(|weak: &Weak<Hub>| {
            let weak = weak.clone();
            let timer = Timer::new(
                move || {
                    if let Some(hub) = weak.upgrade() {
                        hub.on_timer();
                    }
                },
                false,
            );
            Hub {
                inner: RefCell::new(HubInner {
                    memory: MemoryHub::new(settings, seed),
                    routes: Vec::new(),
                    queue: VecDeque::new(),
                    flush_scheduled: false,
                    timer,
                }),
            }
        })
    }

    fn connect(self: &Rc<Self>, sink: Sink, now: u64) -> Option<ConnId> {
        let conn = {
            let mut g = self.inner.borrow_mut();
            let conn = g.memory.connect(now).ok()?;
            g.routes.push((conn, sink));
            g.queue.push_back((conn, LinkEvent::Opened));
            conn
        };
        self.after_change(now);
        Some(conn)
    }

    fn send(self: &Rc<Self>, conn: ConnId, frame: &[u8], now: u64) {
        let out = self.inner.borrow_mut().memory.send_bytes(conn, frame, now);
        self.route(out);
        self.after_change(now);
    }

    fn disconnect(self: &Rc<Self>, conn: ConnId, now: u64) {
        let out = {
            let mut g = self.inner.borrow_mut();
            g.routes.retain(|(c, _)| *c != conn);
            g.memory.disconnect(conn, now)
        };
        self.route(out);
        self.after_change(now);
    }

    fn on_timer(self: &Rc<Self>) {
        let now = env::now();
        let out = {
            let mut g = self.inner.borrow_mut();
            g.timer.fired();
            g.memory.tick(now)
        };
        self.route(out);
        self.after_change(now);
    }

    fn route(&self, out: Vec<(ConnId, Delivery)>) {
        let mut g = self.inner.borrow_mut();
        for (conn, delivery) in out {
            let event = match delivery {
                Delivery::Frame(text) => LinkEvent::Frame(text.to_string()),
                Delivery::Binary(bytes) => LinkEvent::Binary(bytes.to_vec()),
                Delivery::Closed(_) => LinkEvent::Closed,
            };
            g.queue.push_back((conn, event));
        }
    }

    /// Schedules delivery of queued events and re-arms room expiry (only while
    /// rooms exist, so an idle relay wakes nobody).
    fn after_change(self: &Rc<Self>, now: u64) {
        let mut g = self.inner.borrow_mut();
        let g = &mut *g;
        let at = match g.memory.relay().room_count() {
            0 => None,
            _ => g.memory.next_timeout(),
        };
        g.timer.arm(at, now);
        if !g.queue.is_empty() && !g.flush_scheduled {
            g.flush_scheduled = true;
            let weak = Rc::downgrade(self);
            env::later(move || {
                if let Some(hub) = weak.upgrade() {
                    hub.flush();
                }
            });
        }
    }

    /// Delivers queued events one by one, the hub released during each delivery.
    fn flush(self: &Rc<Self>) {
        loop {
            let next = {
                let mut g = self.inner.borrow_mut();
                loop {
                    let Some((conn, event)) = g.queue.pop_front() else {
                        g.flush_scheduled = false;
                        break None;
                    };
                    // Events of a connection closed since are dropped.
                    let Some(i) = g.routes.iter().position(|(c, _)| *c == conn) else {
                        continue;
                    };
                    let sink = g.routes[i].1.clone();
                    if event == LinkEvent::Closed {
                        g.routes.remove(i);
                    }
                    break Some((sink, event));
                }
            };
            match next {
                Some((sink, event)) => sink.deliver(event),
                None => return,
            }
        }
    }
}

/// A client's connection to a [`Hub`].
struct MockLink {
    hub: Rc<Hub>,
    conn: Option<ConnId>,
}

impl Link for MockLink {
    fn open(&mut self, sink: Sink, now: u64) {
        self.close(now);
        match self.hub.connect(sink.clone(), now) {
            Some(conn) => self.conn = Some(conn),
            None => env::later(move || sink.deliver(LinkEvent::OpenFailed)),
        }
    }

    fn send(&mut self, frame: String, now: u64) {
        if let Some(conn) = self.conn {
            self.hub.send(conn, frame.as_bytes(), now);
        }
    }

    fn send_binary(&mut self, frame: Vec<u8>, now: u64) {
        if let Some(conn) = self.conn {
            self.hub.send(conn, &frame, now);
        }
    }

    fn close(&mut self, now: u64) {
        if let Some(conn) = self.conn.take() {
            self.hub.disconnect(conn, now);
        }
    }
}

impl Drop for MockLink {
    fn drop(&mut self) {
        self.close(env::now());
    }
}
