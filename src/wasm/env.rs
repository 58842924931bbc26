//! The JS host environment: clock, randomness, console, and time as futures.
//!
//! Everything goes through `globalThis` (no `window`), so the module runs the
//! same in a browser, a webview and Node.js 20. Waiting is async code: [`sleep`]
//! is a `setTimeout` promise awaited with wasm-bindgen-futures, cleared when the
//! future is dropped; [`Timer`] runs one such wait as a task of its own.

use futures::future::{AbortHandle, Abortable};
use js_sys::{Function, Promise};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);

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

/// Runs `f` in a task of its own: after the current call stack (a microtask),
/// before any timer.
pub(crate) fn later(f: impl FnOnce() + 'static) {
    spawn_local(async move { f() });
}

/// A `setTimeout` of `ms` as a future; dropping it clears the timeout.
pub(crate) struct Sleep {
    done: JsFuture,
    handle: JsValue,
}

/// Resolves after `ms` milliseconds. With `keep_alive == false` the pending
/// timeout does not keep Node.js running (`unref`); browsers ignore this.
pub(crate) fn sleep(ms: u64, keep_alive: bool) -> Sleep {
    let mut handle = JsValue::UNDEFINED;
    let promise = Promise::new(&mut |resolve, _reject| {
        handle = set_timeout(&resolve, ms as f64);
    });
    if !keep_alive {
        unref(&handle);
    }
    Sleep {
        done: JsFuture::from(promise),
        handle,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The promise only ever resolves (with `undefined`).
        Pin::new(&mut self.done).poll(cx).map(|_| ())
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        clear_timeout(&self.handle);
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

/// One re-armable deadline: a task that sleeps until it, then calls back.
/// Re-arming or dropping the timer aborts the waiting task (and clears its timeout).
pub(crate) struct Timer {
    on_fire: Rc<dyn Fn()>,
    keep_alive: bool,
    armed: Option<(u64, AbortHandle)>,
}

impl Timer {
    /// A timer that calls `f` when it fires; see [`sleep`] for `keep_alive`.
    pub(crate) fn new(f: impl Fn() + 'static, keep_alive: bool) -> Timer {
        Timer {
            on_fire: Rc::new(f),
            keep_alive,
            armed: None,
        }
    }

    /// Fires at `at` (ms since the epoch), or never with `None`; a pending
    /// deadline for another time is replaced.
    pub(crate) fn arm(&mut self, at: Option<u64>, now: u64) {
        if self.armed.as_ref().map(|(t, _)| *t) == at {
            return;
        }
        self.cancel();
        let Some(at) = at else { return };
        let (abort, registration) = AbortHandle::new_pair();
        let wait = sleep(at.saturating_sub(now), self.keep_alive);
        let on_fire = Rc::clone(&self.on_fire);
        spawn_local(async move {
            if Abortable::new(wait, registration).await.is_ok() {
                on_fire();
            }
        });
        self.armed = Some((at, abort));
    }

    /// Marks the timer as fired, so the next [`Timer::arm`] sets a new one.
    pub(crate) fn fired(&mut self) {
        self.armed = None;
    }

    /// Aborts a pending deadline.
    pub(crate) fn cancel(&mut self) {
        if let Some((_, abort)) = self.armed.take() {
            abort.abort();
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// A timer's callback that counts its calls.
    fn counting() -> (Rc<Cell<u32>>, impl Fn() + 'static) {
        let fired = Rc::new(Cell::new(0));
        let count = Rc::clone(&fired);
        (fired, move || count.set(count.get() + 1))
    }

    #[wasm_bindgen_test]
    async fn sleep_resolves_after_its_time() {
        let start = now();
        sleep(30, true).await;
        assert!(now() >= start + 25, "slept {} ms", now() - start);
    }

    #[wasm_bindgen_test]
    async fn a_timer_fires_once_at_its_deadline_and_rearms_after() {
        let (fired, f) = counting();
        let mut timer = Timer::new(f, true);
        timer.arm(Some(now() + 10), now());
        // Arming for the same time again keeps the one pending deadline.
        let at = timer.armed.as_ref().map(|(t, _)| *t);
        timer.arm(at, now());
        sleep(60, true).await;
        assert_eq!(fired.get(), 1);
        timer.fired();
        timer.arm(Some(now() + 10), now());
        sleep(60, true).await;
        assert_eq!(fired.get(), 2);
    }

    #[wasm_bindgen_test]
    async fn a_cancelled_replaced_or_dropped_timer_does_not_fire() {
        let (fired, f) = counting();
        let mut timer = Timer::new(f, false);
        timer.arm(Some(now() + 10), now());
        timer.cancel();
        sleep(40, true).await;
        assert_eq!(fired.get(), 0, "cancelled");

        // Replaced by a later deadline: only the later one fires.
        timer.arm(Some(now() + 10), now());
        timer.arm(Some(now() + 50), now());
        sleep(30, true).await;
        assert_eq!(fired.get(), 0, "replaced");
        sleep(60, true).await;
        assert_eq!(fired.get(), 1);

        timer.fired();
        timer.arm(Some(now() + 10), now());
        drop(timer);
        sleep(40, true).await;
        assert_eq!(fired.get(), 1, "dropped");
    }
}
