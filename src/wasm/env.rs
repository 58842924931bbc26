//! The JS host environment: clock, randomness, timers, console, later.
//!
//! Everything goes through `globalThis` (no `window`), so the module runs the
//! same in a browser, a webview and Node.js 20.

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);

    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &JsValue);

    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    fn get_random_values(buf: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// Milliseconds since the epoch (`Date.now()`).
pub(crate) fn now() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

/// `N` bytes from `crypto.getRandomValues`.
///
/// # Errors
/// A JS `Error` when the host has no Web Crypto (every supported host has it).
pub(crate) fn random<const N: usize>() -> Result<[u8; N], JsValue> {
    let mut buf = [0u8; N];
    get_random_values(&mut buf).map_err(|_| {
        JsValue::from(js_sys::Error::new(
            "online-sync needs crypto.getRandomValues (Web Crypto)",
        ))
    })?;
    Ok(buf)
}

/// Reports a JS exception thrown by host code (a subscriber, an `onFile` callback).
pub(crate) fn report(what: &str, err: &JsValue) {
    web_sys::console::error_2(&JsValue::from_str(what), err);
}

/// Runs `f` in a microtask (`queueMicrotask`): after the current call stack,
/// before any timer.
pub(crate) fn later(f: impl FnOnce() + 'static) {
    queue_microtask(&Closure::once_into_js(f));
}

/// One re-armable `setTimeout`; the callback is a JS function owned by the JS GC,
/// so a timer that fires after its owner is gone finds nothing to do.
pub(crate) struct Timer {
    callback: Function,
    handle: Option<JsValue>,
    at: Option<u64>,
    keep_alive: bool,
}

impl Timer {
    /// A timer that calls `f` when it fires. With `keep_alive == false` a pending
    /// timer does not keep Node.js running (`unref`); browsers ignore this.
    pub(crate) fn new(f: impl FnMut() + 'static, keep_alive: bool) -> Timer {
        let callback = Closure::<dyn FnMut()>::new(f)
            .into_js_value()
            .unchecked_into();
        Timer {
            callback,
            handle: None,
            at: None,
            keep_alive,
        }
    }

    /// Fires at `at` (ms since the epoch), or never with `None`; a pending
    /// timer for another time is replaced.
    pub(crate) fn arm(&mut self, at: Option<u64>, now: u64) {
        if at == self.at && (at.is_none() || self.handle.is_some()) {
            return;
        }
        self.cancel();
        if let Some(at) = at {
            let handle = set_timeout(&self.callback, at.saturating_sub(now) as f64);
            if !self.keep_alive {
                unref(&handle);
            }
            self.handle = Some(handle);
            self.at = Some(at);
        }
    }

    /// Marks the timer as fired, so the next [`Timer::arm`] sets a new one.
    pub(crate) fn fired(&mut self) {
        self.handle = None;
        self.at = None;
    }

    /// Clears a pending timer.
    pub(crate) fn cancel(&mut self) {
        if let Some(h) = self.handle.take() {
            clear_timeout(&h);
        }
        self.at = None;
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Node.js timers have `unref()`; browser timer ids are numbers and have none.
fn unref(handle: &JsValue) {
    if !handle.is_object() {
        return;
    }
    if let Ok(f) = js_sys::Reflect::get(handle, &JsValue::from_str("unref")) {
        if let Some(f) = f.dyn_ref::<Function>() {
            let _ = f.call0(handle);
        }
    }
}
