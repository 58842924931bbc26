//! The media cache of `downloadSessionMedia({ onFile, cache })`, content-addressed
//! by SHA-256: the host app's `{ get(sha256), put(sha256, bytes) }` (each may return
//! a promise), or, by default where the host has `indexedDB` (browsers, webviews),
//! an IndexedDB store (`online-sync-media`, object store `files`, key = SHA-256).
//! `cache: false` turns it off. The core checks every cached file before it is used
//! (src/client/cache.rs); here is only the IO.
//!
//! IndexedDB is reached through `Reflect` and the request's `onsuccess`/`onerror`
//! (no `web-sys` bindings, so no glue code of its own). A cache that throws or
//! rejects is a miss (get) or is reported (put): a download never fails because of
//! its cache.

use super::env;
use js_sys::{Function, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where fetched files are kept.
pub(crate) enum MediaCache {
    /// The host app's `{get, put}`.
    Js(JsValue),
    /// IndexedDB, the browsers' default.
    IndexedDb,
}

thread_local! {
    /// The open database, once opened.
    static DB: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

const DB_NAME: &str = "online-sync-media";
const STORE: &str = "files";

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `o[method](...args)`.
fn call(o: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = get(o, method).dyn_into()?;
    match args {
        [] => f.call0(o),
        [a] => f.call1(o, a),
        [a, b, ..] => f.call2(o, a, b),
    }
}

/// A value or promise, awaited.
async fn settle(v: JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(Promise::resolve(&v)).await
}

/// Awaits an `IDBRequest`; its `result`.
async fn request(req: JsValue) -> Result<JsValue, JsValue> {
    let done = Promise::new(&mut |resolve, reject| {
        let _ = Reflect::set(&req, &"onsuccess".into(), &resolve);
        let _ = Reflect::set(&req, &"onerror".into(), &reject);
    });
    JsFuture::from(done).await?;
    Ok(get(&req, "result"))
}

/// The database, opened (and its store created) on first use.
async fn database() -> Result<JsValue, JsValue> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let idb = get(&js_sys::global(), "indexedDB");
    let req = call(&idb, "open", &[DB_NAME.into(), 1.into()])?;
    let on_upgrade = {
        let req = req.clone();
        Closure::once_into_js(move || {
            let _ = call(&get(&req, "result"), "createObjectStore", &[STORE.into()]);
        })
    };
    Reflect::set(&req, &"onupgradeneeded".into(), &on_upgrade)?;
    let db = request(req).await?;
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// The object store in a new transaction (`readonly` or `readwrite`).
async fn store(mode: &str) -> Result<JsValue, JsValue> {
    let tx = call(
        &database().await?,
        "transaction",
        &[STORE.into(), mode.into()],
    )?;
    call(&tx, "objectStore", &[STORE.into()])
}

impl MediaCache {
    /// The default where the host has IndexedDB, else none.
    pub(crate) fn default_for_host() -> Option<MediaCache> {
        let idb = get(&js_sys::global(), "indexedDB");
        (idb.is_object()).then_some(MediaCache::IndexedDb)
    }

    /// The bytes kept under `sha256`; `None` for a miss or any failure.
    pub(crate) async fn get(&self, sha256: &str) -> Option<Vec<u8>> {
        let found = match self {
            MediaCache::Js(cache) => match call(cache, "get", &[sha256.into()]) {
                Ok(v) => settle(v).await,
                Err(e) => Err(e),
            },
            MediaCache::IndexedDb => match store("readonly").await {
                Ok(s) => match call(&s, "get", &[sha256.into()]) {
                    Ok(req) => request(req).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            },
        };
        match found {
            Ok(v) => v.dyn_into::<Uint8Array>().ok().map(|a| a.to_vec()),
            Err(e) => {
                env::report("online-sync: the media cache failed to read:", &e);
                None
            }
        }
    }

    /// Keeps `bytes` (a `Uint8Array`) under `sha256`; failures are reported.
    pub(crate) async fn put(&self, sha256: String, bytes: JsValue) {
        let done = match self {
            MediaCache::Js(cache) => match call(cache, "put", &[sha256.into(), bytes]) {
                Ok(v) => settle(v).await,
                Err(e) => Err(e),
            },
            MediaCache::IndexedDb => match store("readwrite").await {
                Ok(s) => match call(&s, "put", &[bytes, sha256.into()]) {
                    Ok(req) => request(req).await,
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            },
        };
        if let Err(e) = done {
            env::report("online-sync: the media cache failed to keep a file:", &e);
        }
    }
}
