//! Scenarios of the JS binding, run through wasm by `wasm-node.rs` (Node.js) and
//! `wasm-browser.rs` (headless Chromium): the same code, two hosts.
#![allow(dead_code)]

use js_sys::{Function, Promise, Reflect, Uint8Array, JSON};
use online_sync::wasm::{MockRelay, SyncClient};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(f: &Function, ms: f64) -> JsValue;
}

/// A 1x1 RGB PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xf7, 0x03, 0x41, 0x43, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A 1x1 grayscale baseline JPEG.
pub fn jpeg() -> Vec<u8> {
    let mut j = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
    j.extend_from_slice(b"JFIF\0");
    j.extend_from_slice(&[1, 1, 0, 0, 1, 0, 1, 0, 0]);
    j.extend_from_slice(&[0xff, 0xdb, 0x00, 0x43, 0x00]);
    j.extend_from_slice(&[1; 64]);
    j.extend_from_slice(&[0xff, 0xc0, 0x00, 0x0b, 0x08, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    for class in [0x00, 0x10] {
        j.extend_from_slice(&[0xff, 0xc4, 0x00, 0x14, class, 1]);
        j.extend_from_slice(&[0; 16]);
    }
    j.extend_from_slice(&[
        0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 0x3f, 0, 0x3f, 0xff, 0xd9,
    ]);
    j
}

/// `JSON.parse(text)`.
pub fn js(text: &str) -> JsValue {
    JSON::parse(text).expect("test JSON parses")
}

/// `value.a.b...` along a dotted path.
pub fn at(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, k| {
        Reflect::get(&v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
    })
}

/// The string at `path`, `""` when it is not a string.
pub fn text(value: &JsValue, path: &str) -> String {
    at(value, path).as_string().unwrap_or_default()
}

/// Awaits a promise that must resolve.
pub async fn ok(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!("expected success, got {}", text(&e, "code")),
    }
}

/// Awaits a promise that must reject; returns the error's `code`.
pub async fn code(p: Promise) -> String {
    match JsFuture::from(p).await {
        Ok(_) => panic!("expected a rejection"),
        Err(e) => {
            assert!(e.is_instance_of::<js_sys::Error>(), "rejects with an Error");
            assert!(!text(&e, "message").is_empty(), "with a message");
            text(&e, "code")
        }
    }
}

/// Lets `ms` milliseconds pass.
pub async fn sleep(ms: u32) {
    let p = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms as f64);
    });
    let _ = JsFuture::from(p).await;
}

/// A relay with a cheap password hash.
pub fn relay() -> MockRelay {
    MockRelay::new(js(r#"{"passwordHashLogN": 4}"#)).expect("relay options are valid")
}

/// A mock client with this id.
pub fn client(relay: &MockRelay, id: &str) -> SyncClient {
    SyncClient::mock(relay, js(&format!(r#"{{"clientId": "{id}"}}"#))).expect("client options")
}

/// A valid pack with `refs` media refs (`k:0`, `k:1`, ...).
pub fn pack(refs: usize) -> JsValue {
    let keys: Vec<String> = (0..refs).map(|i| format!(r#""k:{i}""#)).collect();
    let media: Vec<String> = (0..refs)
        .map(|i| format!(r#"{{"identity":"k:{i}","index":{i},"name":"f{i}.png","ext":"png"}}"#))
        .collect();
    js(&format!(
        r#"{{"schema":"posechrono-session-pack","version":1,"session":{{"mode":"classique",
        "selectedDuration":60,"timeRemaining":60,"memoryType":"flash","memoryDuration":0,
        "memoryPosesCount":1,"memoryDrawingTime":0,"imagesCount":{refs},
        "mediaOrderKeys":[{}]}},"mediaRefs":[{}]}}"#,
        keys.join(","),
        media.join(",")
    ))
}

/// `{identity, name, ext, bytes}` for publishing.
pub fn media(identity: &str, ext: &str, bytes: &[u8]) -> JsValue {
    let f = js(&format!(
        r#"{{"identity":"{identity}","name":"{identity}.{ext}","ext":"{ext}"}}"#
    ));
    Reflect::set(&f, &JsValue::from_str("bytes"), &Uint8Array::from(bytes)).expect("set bytes");
    f
}

/// Statuses seen by a subscriber, and the subscriber (kept alive by the caller).
pub type Recorded = (Rc<RefCell<Vec<String>>>, Closure<dyn FnMut(JsValue)>);

/// Subscribes and records every `status` the subscriber sees.
pub fn record_statuses(c: &SyncClient) -> Recorded {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |s: JsValue| {
        let status = text(&s, "status");
        let mut v = sink.borrow_mut();
        if v.last() != Some(&status) {
            v.push(status);
        }
    });
    c.subscribe(cb.as_ref().clone())
        .expect("a function subscribes");
    (seen, cb)
}

/// Host + participant, joined; returns the session code.
pub async fn session(relay: &MockRelay, host: &SyncClient, guest: &SyncClient) -> String {
    let state = ok(host.host_session(js(r#"{"sessionName":"Wasm","password":"pw"}"#))).await;
    let code = text(&state, "sessionCode");
    let join = format!(r#"{{"sessionCode":"{code}","password":"pw","displayName":"Ana"}}"#);
    ok(guest.join_session(js(&join))).await;
    let _ = relay;
    code
}

/// Declares, in the test file that calls it, one `#[wasm_bindgen_test]` per
/// scenario below, so `wasm-node.rs` and `wasm-browser.rs` run the same set.
macro_rules! scenario_tests {
    () => {
        $crate::wasm_support::scenario_tests!(
            states_and_host_leave,
            pack_and_media_round_trip,
            bad_arguments,
            transport_unavailable
        );
    };
    ($($scenario:ident),+) => {
        $(
            #[::wasm_bindgen_test::wasm_bindgen_test]
            async fn $scenario() {
                $crate::wasm_support::$scenario().await;
            }
        )+
    };
}
pub(crate) use scenario_tests;

// ---- scenarios ----

/// `idle -> connecting -> hosting/joined -> idle`, and a host leaving ends the session.
pub async fn states_and_host_leave() {
    let relay = relay();
    let host = client(&relay, "w-host");
    let guest = client(&relay, "w-guest");
    let (host_seen, _a) = record_statuses(&host);
    let (guest_seen, _b) = record_statuses(&guest);
    let code = session(&relay, &host, &guest).await;
    assert_eq!(code.len(), 9);
    assert_eq!(host.get_client_id(), "w-host");
    assert_eq!(
        at(&guest.get_state(), "participantsCount").as_f64(),
        Some(2.0)
    );
    ok(host.leave_session()).await;
    sleep(10).await;
    assert_eq!(
        *host_seen.borrow(),
        ["idle", "connecting", "hosting", "idle"]
    );
    assert_eq!(
        *guest_seen.borrow(),
        ["idle", "connecting", "joined", "idle"]
    );
    assert_eq!(text(&guest.get_state(), "lastError"), "host-disconnected");
}

/// A pack and two media files go from host to participant, verified, with progress.
pub async fn pack_and_media_round_trip() {
    let relay = relay();
    let host = client(&relay, "w-host");
    let guest = client(&relay, "w-guest");
    session(&relay, &host, &guest).await;
    let meta = ok(host.publish_session_pack(pack(2))).await;
    ok(host.publish_session_media_file(media("k:0", "png", PNG))).await;
    ok(host.publish_session_media_file(media("k:1", "jpg", &jpeg()))).await;
    sleep(5).await;
    assert!(at(&guest.get_state(), "startGate.blocked").as_bool() == Some(true));

    let fetched = ok(guest.fetch_session_pack()).await;
    assert_eq!(text(&fetched, "hash"), text(&meta, "hash"));
    assert_eq!(text(&fetched, "pack.schema"), "posechrono-session-pack");

    let files = Rc::new(RefCell::new(Vec::<Vec<u8>>::new()));
    let sink = files.clone();
    let on_file = Closure::<dyn FnMut(JsValue)>::new(move |f: JsValue| {
        sink.borrow_mut()
            .push(Uint8Array::new(&at(&f, "bytes")).to_vec());
    });
    let opts = js("{}");
    Reflect::set(&opts, &JsValue::from_str("onFile"), on_file.as_ref()).expect("set onFile");
    let summary = ok(guest.download_session_media(opts)).await;
    assert_eq!(at(&summary, "files").as_f64(), Some(2.0));
    assert_eq!(*files.borrow(), vec![PNG.to_vec(), jpeg()]);
    let state = guest.get_state();
    assert_eq!(text(&state, "mediaDownload.state"), "done");
    assert_eq!(at(&state, "mediaDownload.filesDone").as_f64(), Some(2.0));
    assert_eq!(at(&state, "startGate.blocked").as_bool(), Some(false));

    let one = ok(guest.fetch_session_media_file(JsValue::from_str("k:1"))).await;
    assert_eq!(text(&one, "mime"), "image/jpeg");
    assert_eq!(Uint8Array::new(&at(&one, "bytes")).to_vec(), jpeg());
}

/// Wrong JS types reject (or throw) with `invalid-argument`, never panic.
pub async fn bad_arguments() {
    let relay = relay();
    let host = client(&relay, "w-host");
    let guest = client(&relay, "w-guest");
    session(&relay, &host, &guest).await;
    let bytes_as_array = js(r#"{"identity":"k:0","ext":"png","bytes":[1,2,3]}"#);
    assert_eq!(
        code(host.publish_session_media_file(bytes_as_array)).await,
        "invalid-argument"
    );
    assert_eq!(
        code(host.host_session(JsValue::from(5))).await,
        "invalid-argument"
    );
    assert_eq!(
        code(host.publish_session_state(JsValue::from_str("x"))).await,
        "invalid-argument"
    );
    assert_eq!(
        code(guest.fetch_session_media_file(JsValue::NULL)).await,
        "invalid-argument"
    );
    assert_eq!(
        code(guest.update_participant_state(JsValue::from(1))).await,
        "invalid-argument"
    );
    let thrown = guest
        .subscribe(JsValue::from_str("nope"))
        .expect_err("throws");
    assert_eq!(text(&thrown, "code"), "invalid-argument");
    let thrown = MockRelay::new(js(r#"{"maxParticipant": 3}"#)).expect_err("throws");
    assert_eq!(text(&thrown, "code"), "invalid-argument");
    let thrown = SyncClient::websocket(JsValue::from(8), JsValue::UNDEFINED).expect_err("throws");
    assert_eq!(text(&thrown, "code"), "invalid-argument");
    // The session is unharmed.
    assert_eq!(text(&host.get_state(), "status"), "hosting");
}

/// The WebSocket stand-in fails fast; `free()` rejects what is pending.
pub async fn transport_unavailable() {
    let ws = SyncClient::websocket(JsValue::from_str("ws://127.0.0.1:9"), JsValue::UNDEFINED)
        .expect("a url is enough");
    assert_eq!(
        code(ws.host_session(JsValue::UNDEFINED)).await,
        "transport-unavailable"
    );
    let state = ws.get_state();
    assert_eq!(text(&state, "status"), "idle");
    assert_eq!(text(&state, "lastError"), "transport-unavailable");

    let relay = relay();
    let host = client(&relay, "w-host");
    let pending = host.host_session(JsValue::UNDEFINED);
    drop(host);
    assert_eq!(code(pending).await, "transport-unavailable");
    sleep(5).await;
    assert_eq!(relay.connection_count(), 0);
    assert_eq!(relay.room_count(), 0);
}
