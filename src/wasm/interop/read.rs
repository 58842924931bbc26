//! JS values in: arguments and option objects read into the core's types
//! (module doc of [`super`]).

use crate::client::{HostOptions, JoinOptions, LocalMediaFile, MetaPatch};
use crate::error::{Code, SyncError};
use crate::settings::{ClientSettings, RelaySettings};
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Shorthand for the one error the binding makes up itself.
fn bad() -> SyncError {
    Code::InvalidArgument.into()
}

/// Which keys an options object may have besides the ones it is read for.
#[derive(Clone, Copy, PartialEq)]
enum Keys {
    /// Others are ignored (options of calls).
    Others,
    /// Others are `invalid-argument` (options of constructors).
    OnlyThese,
}

/// The `fields` of an options object, each read once (a getter that throws is
/// `invalid-argument`), as a fresh plain object; `None` for `undefined`/`null`.
fn read_fields(value: &JsValue, fields: &[&str], keys: Keys) -> Result<Option<Object>, SyncError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_object() || Array::is_array(value) {
        return Err(bad());
    }
    let source: &Object = value.unchecked_ref();
    if keys == Keys::OnlyThese {
        let unknown = Object::keys(source)
            .iter()
            .any(|k| k.as_string().is_none_or(|k| !fields.contains(&k.as_str())));
        if unknown {
            return Err(bad());
        }
    }
    let copy = Object::new();
    for field in fields {
        let key = JsValue::from_str(field);
        let v = Reflect::get(source, &key).map_err(|_| bad())?;
        if !v.is_undefined() {
            Reflect::set(&copy, &key, &v).map_err(|_| bad())?;
        }
    }
    Ok(Some(copy))
}

/// An options object read into `T`; `undefined` and `null` read as `{}`.
fn options<T: DeserializeOwned + Default>(
    value: &JsValue,
    fields: &[&str],
    keys: Keys,
) -> Result<T, SyncError> {
    match read_fields(value, fields, keys)? {
        None => Ok(T::default()),
        Some(obj) => serde_wasm_bindgen::from_value(obj.into()).map_err(|_| bad()),
    }
}

/// An options object that must be there, read into `T`.
fn required<T: DeserializeOwned>(value: &JsValue, fields: &[&str]) -> Result<T, SyncError> {
    match read_fields(value, fields, Keys::Others)? {
        None => Err(bad()),
        Some(obj) => serde_wasm_bindgen::from_value(obj.into()).map_err(|_| bad()),
    }
}

/// A finite, non-negative number, floored.
fn count(n: Option<f64>) -> Result<Option<u64>, SyncError> {
    match n {
        None => Ok(None),
        Some(n) if n.is_finite() && n >= 0.0 => Ok(Some(n as u64)),
        Some(_) => Err(bad()),
    }
}

/// A string argument that must be there.
pub(crate) fn string(value: &JsValue) -> Result<String, SyncError> {
    value.as_string().ok_or_else(bad)
}

/// A string argument, or a non-empty array of at most `max` strings, as a list
/// of what `check` makes of each (`None` is `invalid-argument`). The array is
/// read through `Reflect`: a getter or proxy trap that throws is
/// `invalid-argument` too.
pub(crate) fn strings(
    value: &JsValue,
    max: usize,
    check: impl Fn(&str) -> Option<String>,
) -> Result<Vec<String>, SyncError> {
    let array = Array::is_array(value);
    let len = if array {
        Reflect::get(value, &JsValue::from_str("length")).map_err(|_| bad())?
    } else {
        JsValue::from(1)
    };
    let len = len.as_f64().unwrap_or(0.0) as usize;
    if !(1..=max).contains(&len) {
        return Err(bad());
    }
    let mut list = Vec::with_capacity(len);
    for i in 0..len as u32 {
        let item = if array {
            Reflect::get(value, &i.into()).map_err(|_| bad())?
        } else {
            value.clone()
        };
        list.push(item.as_string().and_then(|s| check(&s)).ok_or_else(bad)?);
    }
    Ok(list)
}

/// A function argument that must be there.
pub(crate) fn function(value: &JsValue) -> Result<Function, SyncError> {
    value.dyn_ref::<Function>().cloned().ok_or_else(bad)
}

/// `SyncClient` options.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ClientOptionsArg {
    client_id: Option<String>,
    request_timeout_ms: Option<f64>,
}

/// `SyncClient` options: `{clientId?, requestTimeoutMs?}`.
pub(crate) fn client_options(
    value: &JsValue,
) -> Result<(Option<String>, ClientSettings), SyncError> {
    let o: ClientOptionsArg = options(value, &["clientId", "requestTimeoutMs"], Keys::OnlyThese)?;
    let mut settings = ClientSettings::default();
    if let Some(ms) = count(o.request_timeout_ms)? {
        settings.request_timeout_ms = ms;
    }
    Ok((o.client_id, settings))
}

/// The `MockRelay` option of a relay setting: `POSECHRONO_SYNC_MAX_CONNECTIONS_PER_IP`
/// is `maxConnectionsPerIp`.
pub(crate) fn relay_option_name(env: &str) -> String {
    let name = env.strip_prefix("POSECHRONO_SYNC_").unwrap_or(env);
    let mut out = String::with_capacity(name.len());
    for (i, word) in name.split('_').enumerate() {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            match i {
                0 => out.push(first.to_ascii_lowercase()),
                _ => out.push(first),
            }
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    out
}

/// One `MockRelay` option: a limit or a switch.
#[derive(Deserialize)]
#[serde(untagged)]
enum Setting {
    Number(f64),
    Flag(bool),
}

impl Setting {
    /// The text an environment variable would hold (`"60000.0"`, `"true"`): a
    /// number prints as serde_json prints it, which reads back exactly.
    fn env_text(&self) -> Result<String, SyncError> {
        match *self {
            Setting::Number(n) if n.is_finite() && n >= 0.0 => Ok(Value::from(n).to_string()),
            Setting::Number(_) => Err(bad()),
            Setting::Flag(b) => Ok(b.to_string()),
        }
    }
}

/// `MockRelay` options: the relay's `POSECHRONO_SYNC_*` settings in camelCase,
/// numbers or booleans, read exactly as the environment variables are (floored,
/// raised to their minimum); absent ones keep the relay's defaults.
pub(crate) fn relay_settings(value: &JsValue) -> Result<RelaySettings, SyncError> {
    let names: Vec<(String, &str)> = RelaySettings::ENV_NAMES
        .iter()
        .map(|env| (relay_option_name(env), *env))
        .collect();
    let allowed: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    let given: BTreeMap<String, Setting> = options(value, &allowed, Keys::OnlyThese)?;
    let mut texts = Vec::with_capacity(given.len());
    for (name, env) in &names {
        if let Some(setting) = given.get(name) {
            texts.push((*env, setting.env_text()?));
        }
    }
    Ok(RelaySettings::from_lookup(|env| {
        texts
            .iter()
            .find(|(e, _)| *e == env)
            .map(|(_, t)| t.clone())
    }))
}

/// `hostSession` and `joinSession` options (`null` strings read as absent).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SessionArg {
    session_code: Option<String>,
    session_name: Option<String>,
    control_mode: Option<String>,
    password: Option<String>,
    display_name: Option<String>,
}

const HOST_FIELDS: &[&str] = &[
    "sessionCode",
    "sessionName",
    "controlMode",
    "password",
    "displayName",
];

/// `hostSession` options; all optional (no code: one is generated).
pub(crate) fn host_options(value: &JsValue) -> Result<HostOptions, SyncError> {
    let o: SessionArg = options(value, HOST_FIELDS, Keys::Others)?;
    Ok(HostOptions {
        session_code: o.session_code,
        session_name: o.session_name.unwrap_or_default(),
        control_mode: o.control_mode.unwrap_or_default(),
        password: o.password.unwrap_or_default(),
        display_name: o.display_name.unwrap_or_default(),
    })
}

/// `joinSession` options; a missing code is the core's `missing-session-code`.
pub(crate) fn join_options(value: &JsValue) -> Result<JoinOptions, SyncError> {
    let fields = ["sessionCode", "password", "displayName"];
    let o: SessionArg = options(value, &fields, Keys::Others)?;
    Ok(JoinOptions {
        session_code: o.session_code.unwrap_or_default(),
        password: o.password.unwrap_or_default(),
        display_name: o.display_name.unwrap_or_default(),
    })
}

/// `updateSessionMeta` changes.
pub(crate) fn meta_patch(value: &JsValue) -> Result<MetaPatch, SyncError> {
    let o: SessionArg = required(value, &["sessionName", "controlMode"])?;
    Ok(MetaPatch {
        session_name: o.session_name,
        control_mode: o.control_mode,
    })
}

/// `updateParticipantProfile` options: the display name.
pub(crate) fn display_name(value: &JsValue) -> Result<String, SyncError> {
    let o: SessionArg = required(value, &["displayName"])?;
    Ok(o.display_name.unwrap_or_default())
}

/// `setSessionMediaUploadStatus` options.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadStatusArg {
    in_progress: bool,
    total: Option<f64>,
}

/// `setSessionMediaUploadStatus` options: `inProgress` (required) and `total`.
pub(crate) fn upload_status(value: &JsValue) -> Result<(bool, u64), SyncError> {
    let o: UploadStatusArg = required(value, &["inProgress", "total"])?;
    Ok((o.in_progress, count(o.total)?.unwrap_or(0)))
}

/// `publishSessionMediaFile` input.
#[derive(Deserialize)]
struct LocalMediaFileArg {
    identity: Option<String>,
    name: Option<String>,
    ext: Option<String>,
    mime: Option<String>,
    /// Must be a `Uint8Array` (an `Array` or `ArrayBuffer` is refused).
    #[serde(with = "serde_wasm_bindgen::preserve")]
    bytes: Uint8Array,
}

/// `publishSessionMediaFile` input; `bytes` must be a `Uint8Array`.
pub(crate) fn local_media_file(value: &JsValue) -> Result<LocalMediaFile, SyncError> {
    let fields = ["identity", "name", "ext", "mime", "bytes"];
    let o: LocalMediaFileArg = required(value, &fields)?;
    Ok(LocalMediaFile {
        identity: o.identity.unwrap_or_default(),
        name: o.name.unwrap_or_default(),
        ext: o.ext.unwrap_or_default(),
        mime: o.mime.unwrap_or_default(),
        bytes: o.bytes.to_vec(),
    })
}

/// `downloadSessionMedia` options.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DownloadArg {
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_file: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    cache: JsValue,
}

/// `downloadSessionMedia` options: the optional `onFile` callback and `cache`
/// (`undefined`: IndexedDB where the host has it; `false`: none; else an object whose
/// `get` and `put` are functions).
pub(crate) fn download_options(
    value: &JsValue,
) -> Result<(Option<Function>, Option<crate::wasm::cache::MediaCache>), SyncError> {
    let o: DownloadArg = options(value, &["onFile", "cache"], Keys::Others)?;
    let on_file = if o.on_file.is_undefined() || o.on_file.is_null() {
        None
    } else {
        Some(o.on_file.dyn_into::<Function>().map_err(|_| bad())?)
    };
    let cache = if o.cache.is_undefined() {
        crate::wasm::cache::MediaCache::default_for_host()
    } else if o.cache.is_null() || o.cache.as_bool() == Some(false) {
        None
    } else {
        let method = |name: &str| Reflect::get(&o.cache, &JsValue::from_str(name));
        let usable = o.cache.is_object()
            && method("get").is_ok_and(|f| f.is_function())
            && method("put").is_ok_and(|f| f.is_function());
        if !usable {
            return Err(bad());
        }
        Some(crate::wasm::cache::MediaCache::Js(o.cache))
    };
    Ok((on_file, cache))
}

/// A JSON-able value as `JSON.stringify` sees it, which is what the deployed
/// client sends (`toJSON`, `undefined` members left out, `NaN` as `null`);
/// `null` for `undefined`. A value `JSON.stringify` throws on (a `BigInt`, a
/// cycle) is a bad argument. The pack's hash is computed over these bytes, so
/// this one input keeps `JSON.stringify`'s reading rather than a serde walk.
pub(crate) fn json(value: &JsValue) -> Result<Value, SyncError> {
    let text = js_sys::JSON::stringify(value).map_err(|_| bad())?;
    match text.as_string() {
        None => Ok(Value::Null),
        Some(t) => serde_json::from_str(&t).map_err(|_| bad()),
    }
}

/// A JSON-able plain object (a session state).
pub(crate) fn json_object(value: &JsValue) -> Result<Map<String, Value>, SyncError> {
    if !value.is_object() || Array::is_array(value) {
        return Err(bad());
    }
    match json(value)? {
        Value::Object(m) => Ok(m),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn options_reject_wrong_types_unknown_constructor_keys_and_throwing_getters() {
        let obj = |json: &str| js_sys::JSON::parse(json).expect("json");
        assert!(client_options(&JsValue::UNDEFINED).is_ok());
        let (id, settings) = client_options(&obj(r#"{"clientId":"c","requestTimeoutMs":1500.7}"#))
            .unwrap_or_else(|e| panic!("{}", e.code()));
        assert_eq!(id.as_deref(), Some("c"));
        assert_eq!(settings.request_timeout_ms, 1500);
        for bad in [
            r#"{"clientID":"x"}"#,
            r#"{"requestTimeoutMs":"fast"}"#,
            r#"[1]"#,
            "7",
        ] {
            assert!(client_options(&obj(bad)).is_err(), "{bad}");
        }
        // Calls ignore keys they do not use.
        assert!(join_options(&obj(r#"{"sessionCode":"AB","extra":1}"#)).is_ok());
        assert!(join_options(&obj(r#"{"sessionCode":["AB"]}"#)).is_err());
        assert!(upload_status(&obj(r#"{"total":3}"#)).is_err());
        assert!(upload_status(&obj(r#"{"inProgress":true,"total":-1}"#)).is_err());
        let bytes_as_array = obj(r#"{"identity":"k","bytes":[1,2]}"#);
        assert!(local_media_file(&bytes_as_array).is_err());

        let evil = Object::new();
        let getter = js_sys::Function::new_no_args("throw new Error('nope')");
        let descriptor = Object::new();
        let _ = Reflect::set(&descriptor, &JsValue::from_str("get"), &getter);
        let _ = Reflect::set(
            &descriptor,
            &JsValue::from_str("enumerable"),
            &JsValue::TRUE,
        );
        Object::define_property(&evil, &JsValue::from_str("sessionName"), &descriptor);
        assert!(host_options(&evil).is_err());
    }

    #[wasm_bindgen_test]
    fn strings_take_one_or_a_list_of_1_to_max_each_checked() {
        let obj = |json: &str| js_sys::JSON::parse(json).expect("json");
        let list = |n: usize| {
            let items: Vec<String> = (0..n).map(|i| format!("\"u{i}\"")).collect();
            obj(&format!("[{}]", items.join(",")))
        };
        let keep = |s: &str| Some(s.to_uppercase());
        let code = |r: Result<Vec<String>, SyncError>| r.map_err(|e| e.code().to_string());
        assert_eq!(code(strings(&obj(r#""a""#), 3, keep)), Ok(vec!["A".into()]));
        assert_eq!(
            code(strings(&obj(r#"["a","b"]"#), 3, keep)),
            Ok(vec!["A".into(), "B".into()])
        );
        assert_eq!(
            code(strings(&list(3), 3, keep)).map(|v| v.len()),
            Ok(3),
            "at the edge"
        );
        let bad = Err("invalid-argument".to_string());
        assert_eq!(code(strings(&list(4), 3, keep)), bad, "one past the edge");
        for arg in [
            "[]",
            r#"["a",1]"#,
            r#"[["a"]]"#,
            r#"{"0":"a","length":1}"#,
            "null",
            "7",
        ] {
            assert_eq!(code(strings(&obj(arg), 3, keep)), bad, "{arg}");
        }
        // Any entry `check` refuses fails the whole list.
        let no_b = |s: &str| (s != "b").then(|| s.to_string());
        assert_eq!(code(strings(&obj(r#"["a","b"]"#), 3, no_b)), bad);
        assert_eq!(code(strings(&JsValue::UNDEFINED, 3, keep)), bad);
    }
}
