//! Every conversion between JS values and the core's Rust types, in both directions.
//!
//! Arguments are checked for their *type* only (a string where a string goes, a
//! `Uint8Array` for bytes); a wrong type, or a missing argument the call cannot do
//! without, is `invalid-argument`. What a value *means* (an empty session code, a
//! bad extension) is the core's to judge. Nothing here panics on input.
//!
//! Option objects of constructors (`SyncClient.mock`, `new MockRelay`) reject
//! unknown keys, so a typo in a limit is an error rather than a silent default;
//! option objects of calls ignore keys they do not use.

use crate::client::state::ClientState;
use crate::client::{HostOptions, JoinOptions, LocalMediaFile, MetaPatch, OpValue};
use crate::error::{Code, SyncError};
use crate::settings::{ClientSettings, RelaySettings};
use crate::validate::media::MediaFile;
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Shorthand for the one error the binding makes up itself.
fn bad() -> SyncError {
    Code::InvalidArgument.into()
}

/// The fields of an options object; `undefined` and `null` read as `{}`.
pub(crate) struct Fields(Option<Object>);

impl Fields {
    /// Reads `value` as an options object.
    ///
    /// # Errors
    /// `invalid-argument` for anything but a plain object, `undefined` or `null`.
    pub(crate) fn of(value: &JsValue) -> Result<Fields, SyncError> {
        if value.is_undefined() || value.is_null() {
            return Ok(Fields(None));
        }
        if !value.is_object() || Array::is_array(value) {
            return Err(bad());
        }
        Ok(Fields(Some(value.clone().unchecked_into())))
    }

    /// Reads `value` as an object that must be there.
    pub(crate) fn required(value: &JsValue) -> Result<Fields, SyncError> {
        match Fields::of(value)? {
            Fields(None) => Err(bad()),
            f => Ok(f),
        }
    }

    /// Rejects keys outside `allowed`.
    pub(crate) fn only(&self, allowed: &[&str]) -> Result<(), SyncError> {
        let Some(obj) = &self.0 else { return Ok(()) };
        let unknown = Object::keys(obj)
            .iter()
            .any(|k| k.as_string().is_none_or(|k| !allowed.contains(&k.as_str())));
        if unknown {
            return Err(bad());
        }
        Ok(())
    }

    /// The raw value of `key`; `undefined` when absent. A throwing getter is a bad argument.
    pub(crate) fn get(&self, key: &str) -> Result<JsValue, SyncError> {
        match &self.0 {
            None => Ok(JsValue::UNDEFINED),
            Some(obj) => Reflect::get(obj, &JsValue::from_str(key)).map_err(|_| bad()),
        }
    }

    /// A string field; `None` when absent or `null`.
    pub(crate) fn string(&self, key: &str) -> Result<Option<String>, SyncError> {
        optional(self.get(key)?, |v| v.as_string())
    }

    /// A string field, `""` when absent or `null`.
    pub(crate) fn text(&self, key: &str) -> Result<String, SyncError> {
        Ok(self.string(key)?.unwrap_or_default())
    }

    /// A boolean field; `None` when absent or `null`.
    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>, SyncError> {
        optional(self.get(key)?, |v| v.as_bool())
    }

    /// A finite, non-negative number field, floored; `None` when absent or `null`.
    pub(crate) fn count(&self, key: &str) -> Result<Option<u64>, SyncError> {
        optional(self.get(key)?, |v| {
            v.as_f64()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(|n| n as u64)
        })
    }

    /// A function field; `None` when absent or `null`.
    pub(crate) fn function(&self, key: &str) -> Result<Option<Function>, SyncError> {
        optional(self.get(key)?, |v| v.dyn_into::<Function>().ok())
    }

    /// A setting, as the text an environment variable would hold (`"60000.0"`,
    /// `"true"`): a number prints as serde_json prints it, which reads back exactly.
    fn setting(&self, key: &str) -> Result<Option<String>, SyncError> {
        optional(self.get(key)?, |v| match (v.as_f64(), v.as_bool()) {
            (Some(n), _) if n.is_finite() && n >= 0.0 => Some(Value::from(n).to_string()),
            (_, Some(b)) => Some(b.to_string()),
            _ => None,
        })
    }
}

/// `None` for `undefined`/`null`, else `read(value)` or `invalid-argument`.
fn optional<T>(
    value: JsValue,
    read: impl FnOnce(JsValue) -> Option<T>,
) -> Result<Option<T>, SyncError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    read(value).map(Some).ok_or_else(bad)
}

/// A string argument that must be there.
pub(crate) fn string(value: &JsValue) -> Result<String, SyncError> {
    value.as_string().ok_or_else(bad)
}

/// A function argument that must be there.
pub(crate) fn function(value: &JsValue) -> Result<Function, SyncError> {
    value.dyn_ref::<Function>().cloned().ok_or_else(bad)
}

/// `SyncClient` options: `{clientId?, requestTimeoutMs?}`.
pub(crate) fn client_options(
    value: &JsValue,
) -> Result<(Option<String>, ClientSettings), SyncError> {
    let f = Fields::of(value)?;
    f.only(&["clientId", "requestTimeoutMs"])?;
    let mut settings = ClientSettings::default();
    if let Some(ms) = f.count("requestTimeoutMs")? {
        settings.request_timeout_ms = ms;
    }
    Ok((f.string("clientId")?, settings))
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

/// `MockRelay` options: the relay's `POSECHRONO_SYNC_*` settings in camelCase,
/// numbers or booleans, read exactly as the environment variables are (floored,
/// raised to their minimum); absent ones keep the relay's defaults.
pub(crate) fn relay_settings(value: &JsValue) -> Result<RelaySettings, SyncError> {
    let f = Fields::of(value)?;
    let names: Vec<(String, &str)> = RelaySettings::ENV_NAMES
        .iter()
        .map(|env| (relay_option_name(env), *env))
        .collect();
    let allowed: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    f.only(&allowed)?;
    let mut given = Vec::new();
    for (name, env) in &names {
        if let Some(text) = f.setting(name)? {
            given.push((*env, text));
        }
    }
    Ok(RelaySettings::from_lookup(|env| {
        given
            .iter()
            .find(|(e, _)| *e == env)
            .map(|(_, t)| t.clone())
    }))
}

/// `hostSession` options; all optional (no code: one is generated).
pub(crate) fn host_options(value: &JsValue) -> Result<HostOptions, SyncError> {
    let f = Fields::of(value)?;
    Ok(HostOptions {
        session_code: f.string("sessionCode")?,
        session_name: f.text("sessionName")?,
        control_mode: f.text("controlMode")?,
        password: f.text("password")?,
        display_name: f.text("displayName")?,
    })
}

/// `joinSession` options; a missing code is the core's `missing-session-code`.
pub(crate) fn join_options(value: &JsValue) -> Result<JoinOptions, SyncError> {
    let f = Fields::of(value)?;
    Ok(JoinOptions {
        session_code: f.text("sessionCode")?,
        password: f.text("password")?,
        display_name: f.text("displayName")?,
    })
}

/// `updateSessionMeta` changes.
pub(crate) fn meta_patch(value: &JsValue) -> Result<MetaPatch, SyncError> {
    let f = Fields::required(value)?;
    Ok(MetaPatch {
        session_name: f.string("sessionName")?,
        control_mode: f.string("controlMode")?,
    })
}

/// `updateParticipantProfile` options: the display name.
pub(crate) fn display_name(value: &JsValue) -> Result<String, SyncError> {
    Fields::required(value)?.text("displayName")
}

/// `setSessionMediaUploadStatus` options: `inProgress` (required) and `total`.
pub(crate) fn upload_status(value: &JsValue) -> Result<(bool, u64), SyncError> {
    let f = Fields::required(value)?;
    let in_progress = f.boolean("inProgress")?.ok_or_else(bad)?;
    Ok((in_progress, f.count("total")?.unwrap_or(0)))
}

/// `publishSessionMediaFile` input; `bytes` must be a `Uint8Array`.
pub(crate) fn local_media_file(value: &JsValue) -> Result<LocalMediaFile, SyncError> {
    let f = Fields::required(value)?;
    let bytes = f
        .get("bytes")?
        .dyn_into::<Uint8Array>()
        .map_err(|_| bad())?;
    Ok(LocalMediaFile {
        identity: f.text("identity")?,
        name: f.text("name")?,
        ext: f.text("ext")?,
        mime: f.text("mime")?,
        bytes: bytes.to_vec(),
    })
}

/// `downloadSessionMedia` options: the optional `onFile` callback.
pub(crate) fn download_options(value: &JsValue) -> Result<Option<Function>, SyncError> {
    Fields::of(value)?.function("onFile")
}

/// A JSON-able value as `JSON.stringify` sees it (what the deployed client sends);
/// `null` for `undefined`. A value `JSON.stringify` throws on is a bad argument.
pub(crate) fn json(value: &JsValue) -> Result<Value, SyncError> {
    let text = js_sys::JSON::stringify(value).map_err(|_| bad())?;
    match text.as_string() {
        None => Ok(Value::Null),
        Some(t) => serde_json::from_str(&t).map_err(|_| bad()),
    }
}

/// A JSON-able plain object (a session state).
pub(crate) fn json_object(value: &JsValue) -> Result<Map<String, Value>, SyncError> {
    Fields::required(value)?;
    match json(value)? {
        Value::Object(m) => Ok(m),
        _ => Err(bad()),
    }
}

/// A Rust value as plain JS data, through its JSON text: objects for maps and
/// structs (keys in serialization order), `null` for none, integers past 2^53 as
/// the nearest double. One `JSON.parse` is smaller in the module than a serializer
/// that builds JS values, and gives the same objects.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    parse_json(&crate::protocol::to_json(value))
}

/// `JSON.parse(text)`, `null` when it is not JSON.
fn parse_json(text: &str) -> JsValue {
    js_sys::JSON::parse(text).unwrap_or(JsValue::NULL)
}

/// The state snapshot the host app renders.
pub(crate) fn state(state: &ClientState) -> JsValue {
    to_js(state)
}

/// A JS `Error` with the error's `code` and a readable `message`.
pub(crate) fn error(e: &SyncError) -> JsValue {
    let err = js_sys::Error::new(&e.message());
    let _ = Reflect::set(
        &err,
        &JsValue::from_str("code"),
        &JsValue::from_str(&e.code()),
    );
    err.into()
}

/// A plain object from key/value pairs.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&obj, &JsValue::from_str(k), v);
    }
    obj.into()
}

/// A verified media file: `{identity, name, ext, mime, size, sha256, bytes}`.
pub(crate) fn media_file(file: MediaFile) -> JsValue {
    object(&[
        ("identity", JsValue::from_str(file.identity())),
        ("name", JsValue::from_str(file.name())),
        ("ext", JsValue::from_str(file.ext())),
        ("mime", JsValue::from_str(file.mime())),
        ("size", JsValue::from_f64(file.size() as f64)),
        ("sha256", JsValue::from_str(file.sha256())),
        ("bytes", Uint8Array::from(file.bytes()).into()),
    ])
}

/// The value a finished command resolves with (`None` is handled by the caller).
pub(crate) fn op_value(value: OpValue) -> JsValue {
    match value {
        OpValue::None => JsValue::UNDEFINED,
        OpValue::SessionState(s) => to_js(&s),
        OpValue::PackMeta(m) => to_js(&m),
        OpValue::Pack(p) => object(&[
            ("pack", parse_json(&p.pack_json)),
            ("hash", JsValue::from_str(&p.hash)),
            ("updatedAt", JsValue::from_f64(p.updated_at as f64)),
            ("size", JsValue::from_f64(p.size as f64)),
        ]),
        OpValue::Manifest(m) => to_js(&m),
        OpValue::MediaFile(f) => media_file(f),
        OpValue::Downloaded { files, bytes } => object(&[
            ("files", JsValue::from_f64(files as f64)),
            ("bytes", JsValue::from_f64(bytes as f64)),
        ]),
    }
}
