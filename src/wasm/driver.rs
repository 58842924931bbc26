//! Drives one [`ClientCore`] from JS: pending promises, subscribers, the timer and
//! the link, pumped after every input.
//!
//! The pump follows one rule: *no JS callback runs while the core is borrowed.*
//! Draining the core ([`Shared::collect`]) only talks to the link and the timer;
//! what concerns host code (settling promises, `onFile`, subscribers) is gathered
//! as [`Effect`]s and run afterwards. A callback that calls back into the client
//! (a subscriber that calls `leaveSession()`) finds the core free; its own pump
//! is folded into the running one, so subscribers see changes in order.

use super::cache::MediaCache;
use super::env::{self, Timer};
use super::interop;
use super::link::{Link, LinkEvent, Sink, Unavailable};
use crate::client::{ClientCore, ClientOutput, OpId, OpValue};
use crate::error::{Code, SyncError};
use crate::validate::media::MediaFile;
use js_sys::{Function, Promise};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

/// What `downloadSessionMedia` hands the driver besides its command.
pub(crate) struct Hooks {
    /// Called with each verified file.
    pub(crate) on_file: Option<Function>,
    /// Where files are looked up before a fetch and kept after one.
    pub(crate) cache: Option<MediaCache>,
}

/// A command waiting for the core to finish it.
struct Pending {
    resolve: Function,
    reject: Function,
    /// `downloadSessionMedia`'s callback and cache.
    hooks: Option<Rc<Hooks>>,
}

/// What the pump does for host code once the core is released.
enum Effect {
    /// A verified file of a running download, for its `onFile` (and its cache when
    /// the bytes were fetched).
    File(Rc<Hooks>, MediaFile, bool),
    /// A cache lookup of a running download.
    CacheGet(Rc<Hooks>, OpId, String),
    /// The state changed: call every subscriber.
    Notify,
    /// A command finished.
    Settle(Pending, Result<OpValue, SyncError>),
}

struct Inner {
    core: ClientCore,
    link: Box<dyn Link>,
    timer: Timer,
    /// Commands in flight, in id order (ids only grow). A `Vec` rather than a map:
    /// few entries, and one map type less in the wasm module.
    ops: Vec<(OpId, Pending)>,
    next_op: OpId,
    subscribers: Vec<(u32, Function)>,
    next_subscriber: u32,
    /// `(id) => unsubscribe(id)`, bound to an id for each `subscribe`.
    unsubscribe: Function,
    /// Set by `free()`: no more IO, no more callbacks.
    closed: bool,
}

/// One client's core and everything around it; JS holds it through `SyncClient`,
/// callbacks through a `Weak`.
pub(crate) struct Shared {
    inner: RefCell<Inner>,
    pumping: Cell<bool>,
    again: Cell<bool>,
}

impl Shared {
    /// Wraps a core and the link it uses.
    pub(crate) fn new(core: ClientCore, link: Box<dyn Link>) -> Rc<Shared> {
        Rc::new_cyclic(|weak: &Weak<Shared>| {
            let on_timer = weak.clone();
            let timer = Timer::new(
                move || {
                    if let Some(s) = on_timer.upgrade() {
                        s.on_timer();
                    }
                },
                true,
            );
            let on_unsubscribe = weak.clone();
            let unsubscribe = Closure::<dyn Fn(u32)>::new(move |id: u32| {
                if let Some(s) = on_unsubscribe.upgrade() {
                    s.inner.borrow_mut().subscribers.retain(|(i, _)| *i != id);
                }
            })
            .into_js_value()
            .unchecked_into();
            Shared {
                inner: RefCell::new(Inner {
                    core,
                    link,
                    timer,
                    ops: Vec::new(),
                    next_op: 1,
                    subscribers: Vec::new(),
                    next_subscriber: 1,
                    unsubscribe,
                    closed: false,
                }),
                pumping: Cell::new(false),
                again: Cell::new(false),
            }
        })
    }

    /// Runs one core command under a new promise: `run(core, op, now)` must finish
    /// `op` sooner or later (every core command does).
    pub(crate) fn call(
        self: &Rc<Self>,
        hooks: Option<Hooks>,
        run: impl FnOnce(&mut ClientCore, OpId, u64),
    ) -> Promise {
        // One body for every command (not one copy per closure type): smaller module.
        let mut run = Some(run);
        self.call_once(hooks.map(Rc::new), &mut |core, op, now| {
            if let Some(run) = run.take() {
                run(core, op, now);
            }
        })
    }

    fn call_once(
        self: &Rc<Self>,
        hooks: Option<Rc<Hooks>>,
        run: &mut dyn FnMut(&mut ClientCore, OpId, u64),
    ) -> Promise {
        let mut parts = None;
        let promise = Promise::new(&mut |resolve, reject| parts = Some((resolve, reject)));
        let Some((resolve, reject)) = parts else {
            return promise;
        };
        {
            let mut g = self.inner.borrow_mut();
            if g.closed {
                drop(g);
                let _ = reject.call1(&JsValue::UNDEFINED, &closed_error());
                return promise;
            }
            let op = g.next_op;
            g.next_op += 1;
            g.ops.push((
                op,
                Pending {
                    resolve,
                    reject,
                    hooks,
                },
            ));
            run(&mut g.core, op, env::now());
        }
        pump(self);
        promise
    }

    /// Runs a synchronous core input, then pumps.
    pub(crate) fn apply(self: &Rc<Self>, run: impl FnOnce(&mut ClientCore)) {
        {
            let mut g = self.inner.borrow_mut();
            if g.closed {
                return;
            }
            run(&mut g.core);
        }
        pump(self);
    }

    /// The current state as a plain JS object.
    pub(crate) fn state(&self) -> JsValue {
        interop::state(self.inner.borrow().core.state())
    }

    /// This client's id.
    pub(crate) fn client_id(&self) -> String {
        self.inner.borrow().core.client_id().to_string()
    }

    /// The resume token of the current session, `""` when none.
    pub(crate) fn resume_token(&self) -> String {
        self.inner.borrow().core.resume_token().to_string()
    }

    /// Adds a subscriber, calls it at once, and returns its unsubscribe function.
    pub(crate) fn subscribe(&self, callback: Function) -> Function {
        let (unsubscribe, id) = {
            let mut g = self.inner.borrow_mut();
            let id = g.next_subscriber;
            g.next_subscriber += 1;
            if !g.closed {
                g.subscribers.push((id, callback.clone()));
            }
            (g.unsubscribe.clone(), id)
        };
        call_subscriber(&callback, &self.state());
        unsubscribe
            .bind1(&JsValue::NULL, &JsValue::from(id))
            .unchecked_into()
    }

    /// `free()`: closes the link, stops the timer, drops the subscribers and
    /// rejects every pending command with `transport-unavailable`.
    pub(crate) fn shutdown(&self) {
        let pending = {
            let mut g = self.inner.borrow_mut();
            if g.closed {
                return;
            }
            g.closed = true;
            g.timer.cancel();
            g.link.close(env::now());
            g.link = Box::new(Unavailable);
            g.subscribers.clear();
            std::mem::take(&mut g.ops)
        };
        let err = closed_error();
        for (_, p) in pending {
            let _ = p.reject.call1(&JsValue::UNDEFINED, &err);
        }
    }

    fn on_timer(self: &Rc<Self>) {
        {
            let mut g = self.inner.borrow_mut();
            g.timer.fired();
            if g.closed {
                return;
            }
            g.core.handle_timeout(env::now());
        }
        pump(self);
    }

    /// Drains the core: IO now, host callbacks as effects for later.
    fn collect(self: &Rc<Self>) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut g = self.inner.borrow_mut();
        let g = &mut *g;
        if g.closed {
            return effects;
        }
        let now = env::now();
        let mut changed = false;
        while let Some(out) = g.core.poll_output() {
            match out {
                ClientOutput::Connect => g.link.open(link_sink(Rc::downgrade(self)), now),
                ClientOutput::Disconnect => g.link.close(now),
                ClientOutput::Send(frame) => g.link.send(frame, now),
                ClientOutput::SendBinary(frame) => g.link.send_binary(frame, now),
                ClientOutput::Done { op, result } => {
                    if let Some(i) = g.ops.iter().position(|(id, _)| *id == op) {
                        let (_, p) = g.ops.remove(i);
                        effects.push(Effect::Settle(p, result));
                    }
                }
                ClientOutput::MediaFile { op, file, fetched } => {
                    let pending = g.ops.iter().find(|(id, _)| *id == op);
                    if let Some(h) = pending.and_then(|(_, p)| p.hooks.clone()) {
                        effects.push(Effect::File(h, file, fetched));
                    }
                }
                ClientOutput::CacheGet { op, sha256 } => {
                    let pending = g.ops.iter().find(|(id, _)| *id == op);
                    match pending.and_then(|(_, p)| p.hooks.clone()) {
                        Some(h) => effects.push(Effect::CacheGet(h, op, sha256)),
                        None => g.core.handle_cache(op, &sha256, None, now),
                    }
                }
                ClientOutput::StateChanged => changed = true,
            }
        }
        g.timer.arm(g.core.poll_timeout(), now);
        if changed {
            effects.insert(0, Effect::Notify);
        }
        effects
    }

    fn dispatch(self: &Rc<Self>, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::File(hooks, file, fetched) => {
                    let js = interop::media_file(&file);
                    if let Some(on_file) = &hooks.on_file {
                        if let Err(e) = on_file.call1(&JsValue::UNDEFINED, &js) {
                            env::report("online-sync: an onFile callback threw:", &e);
                        }
                    }
                    if fetched && hooks.cache.is_some() {
                        let bytes = js_sys::Reflect::get(&js, &"bytes".into());
                        let sha256 = file.sha256().to_string();
                        wasm_bindgen_futures::spawn_local(async move {
                            if let (Some(cache), Ok(bytes)) = (&hooks.cache, bytes) {
                                cache.put(sha256, bytes).await;
                            }
                        });
                    }
                }
                Effect::CacheGet(hooks, op, sha256) => {
                    let weak = Rc::downgrade(self);
                    wasm_bindgen_futures::spawn_local(async move {
                        let bytes = match &hooks.cache {
                            Some(cache) => cache.get(&sha256).await,
                            None => None,
                        };
                        if let Some(shared) = weak.upgrade() {
                            shared.apply(|core| core.handle_cache(op, &sha256, bytes, env::now()));
                        }
                    });
                }
                Effect::Notify => self.notify(),
                Effect::Settle(p, Ok(OpValue::None)) => {
                    let _ = p.resolve.call1(&JsValue::UNDEFINED, &self.state());
                }
                Effect::Settle(p, Ok(value @ OpValue::Published { .. })) => {
                    let v = interop::assign(&self.state(), &interop::op_value(value));
                    let _ = p.resolve.call1(&JsValue::UNDEFINED, &v);
                }
                Effect::Settle(p, Ok(value)) => {
                    let _ = p
                        .resolve
                        .call1(&JsValue::UNDEFINED, &interop::op_value(value));
                }
                Effect::Settle(p, Err(e)) => {
                    let _ = p.reject.call1(&JsValue::UNDEFINED, &interop::error(&e));
                }
            }
        }
    }

    fn notify(&self) {
        let (state, subscribers) = {
            let g = self.inner.borrow();
            if g.closed || g.subscribers.is_empty() {
                return;
            }
            (interop::state(g.core.state()), g.subscribers.clone())
        };
        for (id, callback) in subscribers {
            // One that unsubscribed (or a `free()`) during this round is skipped.
            let live = self
                .inner
                .borrow()
                .subscribers
                .iter()
                .any(|(i, _)| *i == id);
            if live {
                call_subscriber(&callback, &state);
            }
        }
    }
}

fn call_subscriber(callback: &Function, state: &JsValue) {
    if let Err(e) = callback.call1(&JsValue::UNDEFINED, state) {
        env::report("online-sync: a state subscriber threw:", &e);
    }
}

fn closed_error() -> JsValue {
    interop::error(&Code::TransportUnavailable.into())
}

/// Drains the core and runs the effects until nothing is left. Re-entrant calls
/// (from a callback) are folded into the running pump.
pub(crate) fn pump(shared: &Rc<Shared>) {
    if shared.pumping.replace(true) {
        shared.again.set(true);
        return;
    }
    loop {
        shared.again.set(false);
        let effects = shared.collect();
        shared.dispatch(effects);
        if !shared.again.get() {
            break;
        }
    }
    shared.pumping.set(false);
}

/// The sink a link of this client delivers to: nothing once the client is gone.
fn link_sink(shared: Weak<Shared>) -> Sink {
    Sink::new(move |event| {
        if let Some(shared) = shared.upgrade() {
            on_link_event(&shared, event);
        }
    })
}

/// An event of the client's link: fed to the core, then pumped.
fn on_link_event(shared: &Rc<Shared>, event: LinkEvent) {
    {
        let mut g = shared.inner.borrow_mut();
        if g.closed {
            return;
        }
        let now = env::now();
        match event {
            LinkEvent::Opened => g.core.handle_connected(now),
            LinkEvent::OpenFailed => g.core.handle_connect_failed(now),
            LinkEvent::Frame(text) => g.core.handle_frame(&text, now),
            LinkEvent::Binary(bytes) => g.core.handle_binary(&bytes, now),
            LinkEvent::Closed => g.core.handle_disconnected(now),
        }
    }
    pump(shared);
}
