//! The room snapshot and the events that carry it, read and written by serde derive.
//!
//! Every field has a default, so a relay that omits one is read; `null` is accepted
//! only where the field is optional; a field of the wrong type refuses the whole
//! object; unknown fields are ignored. An object is read as `JSON.parse` reads it
//! (a key given twice keeps its first place and its last value) and an array is never
//! taken for a struct (serde would read it by position).

use super::{OrderedMap, Read};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The room as the relay shows it: the `result` of most actions and the
/// `snapshot` of `room-updated` / `room-closed` events. Field order is the
/// deployed relay's. Every field has a default so a relay that omits one is read
/// ([`RoomSnapshot::from_json`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RoomSnapshot {
    /// Normalized `XXXX-XXXX` code.
    pub session_code: String,
    /// Session name.
    pub session_name: String,
    /// `host-only` or `shared-pause`.
    pub control_mode: String,
    /// The host's client id.
    pub host_client_id: String,
    /// Members: host first, then join order.
    pub participant_ids: Vec<String>,
    /// Display name per member.
    pub participant_profiles: OrderedMap<String>,
    /// `ready | missing | connecting | downloading` per member.
    pub participant_sync_states: OrderedMap<String>,
    /// Members, host included.
    pub participants_count: usize,
    /// The host's last published state (no revision fields), or null.
    pub session_state: Option<Map<String, Value>>,
    /// Revision of the session state, incremented by the relay.
    pub session_state_revision: u64,
    /// When the state was last set, relay ms.
    pub session_state_updated_at: u64,
    /// The published pack, or null.
    #[serde(deserialize_with = "object")]
    pub session_pack_meta: Option<PackMeta>,
    /// The online media (never null from the relay).
    #[serde(deserialize_with = "object")]
    pub session_media_meta: Option<MediaMeta>,
    /// Room creation, relay ms.
    pub created_at: u64,
    /// Last mutation, relay ms (drives the idle TTL).
    pub updated_at: u64,
    /// Our extension (always written by our relay, after the deployed fields): false
    /// while the host is away within its grace. A relay that omits it (the deployed
    /// one) is read as `true`.
    pub host_connected: bool,
}

impl Default for RoomSnapshot {
    /// Empty, with `hostConnected` true (what a snapshot without the field means).
    fn default() -> RoomSnapshot {
        RoomSnapshot {
            session_code: String::new(),
            session_name: String::new(),
            control_mode: String::new(),
            host_client_id: String::new(),
            participant_ids: Vec::new(),
            participant_profiles: OrderedMap::default(),
            participant_sync_states: OrderedMap::default(),
            participants_count: 0,
            session_state: None,
            session_state_revision: 0,
            session_state_updated_at: 0,
            session_pack_meta: None,
            session_media_meta: None,
            created_at: 0,
            updated_at: 0,
            host_connected: true,
        }
    }
}

/// Metadata of a published session pack.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PackMeta {
    /// SHA-256 hex of the canonical pack text.
    pub hash: String,
    /// UTF-16 length of the canonical pack text.
    pub size: u64,
    /// Publish time, relay ms.
    pub updated_at: u64,
    /// The host's client id.
    pub uploaded_by: String,
    /// `session.imagesCount` of the pack.
    pub images_count: u64,
    /// Number of media refs in the pack.
    pub media_refs_count: u64,
}

/// Metadata of the session's online media, with the upload lock.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MediaMeta {
    /// Files stored.
    pub files_count: u64,
    /// Bytes stored.
    pub total_bytes: u64,
    /// Last media mutation, relay ms (0 when never).
    pub updated_at: u64,
    /// Who changed the media last.
    pub uploaded_by: Option<String>,
    /// Whether the host holds the upload lock.
    pub upload_in_progress: bool,
    /// Files the host announced.
    pub upload_total: u64,
    /// When the lock was taken, relay ms.
    pub upload_started_at: u64,
    /// Who took the lock.
    pub upload_started_by: Option<String>,
}

/// The kinds of event a relay pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `room-updated`, with `snapshot`.
    RoomUpdated,
    /// `room-closed`, with the final `snapshot`.
    RoomClosed,
    /// `session-state-updated`, with `state`.
    SessionStateUpdated,
    /// `rtc-signal`.
    RtcSignal,
    /// `drawing-sync`.
    DrawingSync,
}

impl EventKind {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::RoomUpdated => "room-updated",
            EventKind::RoomClosed => "room-closed",
            EventKind::SessionStateUpdated => "session-state-updated",
            EventKind::RtcSignal => "rtc-signal",
            EventKind::DrawingSync => "drawing-sync",
        }
    }

    /// The kind with this wire name.
    pub fn parse(s: &str) -> Option<EventKind> {
        [
            EventKind::RoomUpdated,
            EventKind::RoomClosed,
            EventKind::SessionStateUpdated,
            EventKind::RtcSignal,
            EventKind::DrawingSync,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A pushed event as the client reads it: `{type, source?, sessionCode, snapshot | state | ...}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RoomEvent {
    /// The event type, e.g. `room-updated`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What caused it, e.g. `participant-joined`.
    pub source: Option<String>,
    /// The room.
    pub session_code: String,
    /// For room events.
    #[serde(deserialize_with = "object")]
    pub snapshot: Option<RoomSnapshot>,
    /// For `session-state-updated`.
    pub state: Option<Map<String, Value>>,
    /// For `rtc-signal` / `drawing-sync`: the sender.
    pub source_client_id: Option<String>,
}

/// Reads `T` from the JSON text of one object.
///
/// # Errors
/// [`Malformed`] for anything but an object, or a field of the wrong type.
pub(crate) fn from_object<T: DeserializeOwned>(text: &str) -> Read<T> {
    let object: Map<String, Value> = serde_json::from_str(text)?;
    Ok(T::deserialize(Value::Object(object))?)
}

/// An optional nested object: `None` when `null` (absent is the field's default).
fn object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    match Option::<Map<String, Value>>::deserialize(d)? {
        None => Ok(None),
        Some(m) => T::deserialize(Value::Object(m))
            .map(Some)
            .map_err(D::Error::custom),
    }
}

/// A list of objects (empty when absent), each read as [`object`] reads one.
pub(crate) fn objects<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Vec::<Map<String, Value>>::deserialize(d)?
        .into_iter()
        .map(|m| T::deserialize(Value::Object(m)).map_err(D::Error::custom))
        .collect()
}

impl RoomSnapshot {
    /// Reads a snapshot from its JSON text; absent fields take their defaults.
    ///
    /// # Errors
    /// [`Malformed`] for anything but an object, or a field of the wrong type.
    pub fn from_json(text: &str) -> Read<RoomSnapshot> {
        from_object(text)
    }
}

impl RoomEvent {
    /// Reads an event from its JSON text; absent fields take their defaults.
    ///
    /// # Errors
    /// As [`RoomSnapshot::from_json`], the snapshot's fields included.
    pub fn from_json(text: &str) -> Read<RoomEvent> {
        from_object(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Malformed;
    use serde_json::json;

    fn snapshot() -> RoomSnapshot {
        RoomSnapshot {
            session_code: "ABCD-EFGH".into(),
            session_name: "Figure".into(),
            control_mode: "host-only".into(),
            host_client_id: "host-1".into(),
            participant_ids: vec!["host-1".into(), "b".into(), "a".into()],
            participant_profiles: OrderedMap::from_iter([
                ("host-1".into(), "Hôte".into()),
                ("b".into(), "Bea".into()),
                ("a".into(), "Ana".into()),
            ]),
            participant_sync_states: OrderedMap::from_iter([("b".into(), "ready".into())]),
            participants_count: 3,
            session_state: Some(Map::from_iter([("isPlaying".into(), json!(true))])),
            session_state_revision: 4,
            session_state_updated_at: 5,
            session_pack_meta: Some(PackMeta {
                hash: "ab".into(),
                size: 6,
                updated_at: 7,
                uploaded_by: "host-1".into(),
                images_count: 8,
                media_refs_count: 9,
            }),
            session_media_meta: Some(MediaMeta {
                files_count: 1,
                total_bytes: 2,
                updated_at: 3,
                uploaded_by: Some("host-1".into()),
                upload_in_progress: true,
                upload_total: 4,
                upload_started_at: 5,
                upload_started_by: None,
            }),
            created_at: 10,
            updated_at: 11,
            host_connected: false,
        }
    }

    #[test]
    fn what_the_relay_writes_reads_back() {
        let snap = snapshot();
        let text = serde_json::to_string(&snap).unwrap();
        assert_eq!(RoomSnapshot::from_json(&text), Ok(snap.clone()));
        // As the relay writes events: the snapshot keeps its members' order.
        let event = format!(
            r#"{{"type":"room-updated","source":"participant-joined","sessionCode":"ABCD-EFGH","snapshot":{text},"extra":[1]}}"#
        );
        let ev = RoomEvent::from_json(&event).unwrap();
        assert_eq!(ev.snapshot, Some(snap));
        assert_eq!(
            (ev.kind.as_str(), ev.source.as_deref()),
            ("room-updated", Some("participant-joined"))
        );
        assert_eq!(RoomSnapshot::from_json("{}"), Ok(RoomSnapshot::default()));
    }

    #[test]
    fn a_field_of_the_wrong_type_refuses_the_object() {
        for bad in [
            json!({"sessionCode": null}),
            json!({"participantIds": ["a", 1]}),
            json!({"participantProfiles": {"a": null}}),
            json!({"participantsCount": -1}),
            json!({"sessionState": []}),
            json!({"sessionPackMeta": {"size": 1.5}}),
            json!({"sessionPackMeta": ["h"]}),
            json!({"sessionMediaMeta": {"uploadInProgress": 1}}),
            json!([]),
        ] {
            assert_eq!(
                RoomSnapshot::from_json(&bad.to_string()),
                Err(Malformed),
                "{bad}"
            );
        }
        let nulls =
            json!({"sessionState": null, "sessionPackMeta": null, "sessionMediaMeta": null});
        assert_eq!(
            RoomSnapshot::from_json(&nulls.to_string()),
            Ok(RoomSnapshot::default())
        );
        assert_eq!(
            RoomEvent::from_json(r#"{"snapshot":{"createdAt":"1"}}"#),
            Err(Malformed)
        );
        assert_eq!(RoomEvent::from_json(r#"{"type":null}"#), Err(Malformed));
    }

    #[test]
    fn objects_read_as_json_parse_reads_them() {
        let text = r#"{"participantProfiles":{"z":"1","a":"2","z":"3"},"sessionName":"a","sessionName":"b"}"#;
        let snap = RoomSnapshot::from_json(text).unwrap();
        let profiles: Vec<(&str, &str)> = snap
            .participant_profiles
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            profiles,
            [("z", "3"), ("a", "2")],
            "first place, last value"
        );
        assert_eq!(snap.session_name, "b");
        assert_eq!(RoomSnapshot::from_json(r#"["ABCD-EFGH"]"#), Err(Malformed));
        assert_eq!(
            RoomEvent::from_json(r#"{"snapshot":["ABCD-EFGH"]}"#),
            Err(Malformed)
        );
    }
}
