//! Messages the relay only passes between members: WebRTC signalling
//! (`sendRtcSignal`) and drawing sync (`sendDrawingSync`). Each is validated and
//! normalised as the deployed relay does, then broadcast to the room.

use super::RelayCore;
use crate::error::Code;
use crate::protocol::to_raw;
use crate::validate::js::{js_lower_case, js_number, js_trim, utf16_len};
use crate::validate::SessionCode;
use serde_json::{json, Map, Value};

use super::handlers::{Payload, Reply};

impl RelayCore {
    pub(super) fn rtc_signal(
        &mut self,
        client: &str,
        code: &SessionCode,
        p: &Payload,
        now: u64,
    ) -> Reply {
        let max = self.settings.max_rtc_signal_bytes;
        // `signalType` is trimmed and lowercased, as deployed.
        let kind = p
            .get("signalType")
            .and_then(Value::as_str)
            .map(|s| js_lower_case(js_trim(s)))
            .unwrap_or_default();
        let kind = kind.as_str();
        let raw = p.get("signalPayload").and_then(Value::as_object);
        let text = |key: &str, limit: usize| -> Option<Value> {
            let s = raw?.get(key)?.as_str()?;
            (!s.is_empty() && utf16_len(s) <= limit).then(|| Value::from(s))
        };
        let payload = match kind {
            "offer" | "answer" => {
                // The description's own `type` must name the same signal.
                let own_type = raw
                    .and_then(|r| r.get("type"))
                    .and_then(Value::as_str)
                    .map(|t| js_lower_case(js_trim(t)));
                if own_type.as_deref() != Some(kind) {
                    return Err(Code::InvalidRtcSignal.into());
                }
                let sdp = text("sdp", max).ok_or(Code::InvalidRtcSignal)?;
                json!({ "type": kind, "sdp": sdp })
            }
            "ice-candidate" => {
                let candidate = text("candidate", max).ok_or(Code::InvalidRtcSignal)?;
                let mut m = Map::new();
                m.insert("candidate".into(), candidate);
                if let Some(mid) = raw.and_then(|r| r.get("sdpMid")).filter(|v| !v.is_null()) {
                    let mid = mid
                        .as_str()
                        .filter(|s| s.len() <= 64)
                        .ok_or(Code::InvalidRtcSignal)?;
                    m.insert("sdpMid".into(), mid.into());
                }
                if let Some(idx) = raw
                    .and_then(|r| r.get("sdpMLineIndex"))
                    .filter(|v| !v.is_null())
                {
                    let n = js_number(Some(idx));
                    if n.fract() != 0.0 || !(0.0..=4096.0).contains(&n) {
                        return Err(Code::InvalidRtcSignal.into());
                    }
                    m.insert("sdpMLineIndex".into(), (n as u64).into());
                }
                Value::Object(m)
            }
            "peer-reset" => Value::Null,
            _ => return Err(Code::InvalidRtcSignal.into()),
        };
        let target = p
            .get("targetClientId")
            .and_then(Value::as_str)
            .map(js_trim)
            .unwrap_or("");
        let room = self.room(code)?;
        if !target.is_empty() && !room.members.iter().any(|m| m.client_id == target) {
            return Err(Code::NotJoined.into());
        }
        room.updated_at = now;
        let event = json!({ "type": "rtc-signal", "sessionCode": code.as_str(), "sourceClientId": client, "targetClientId": target, "signalType": kind, "signalPayload": payload, "ts": now });
        self.broadcast(code, &to_raw(&event));
        Ok(to_raw(&json!({ "ok": true })))
    }

    pub(super) fn drawing_sync(
        &mut self,
        client: &str,
        code: &SessionCode,
        p: &Payload,
        now: u64,
    ) -> Reply {
        const KINDS: &[&str] = &[
            "sharing-started",
            "sharing-stopped",
            "stroke-start",
            "stroke-batch",
            "stroke-end",
            "shape-add",
            "shape-remove",
            "clear-raster",
            "clear-all",
            "canvas-snapshot",
            "request-snapshot",
        ];
        let kind = p.get("msgType").and_then(Value::as_str).unwrap_or("");
        if !KINDS.contains(&kind) {
            return Err(Code::InvalidDrawingSync.into());
        }
        let data = match p.get("data") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(_) => return Err(Code::InvalidDrawingSync.into()),
        };
        if crate::validate::js::js_json_len(&data) > self.settings.max_drawing_bytes {
            return Err(Code::DrawingSyncTooLarge.into());
        }
        self.room(code)?.updated_at = now;
        let event = json!({ "type": "drawing-sync", "sessionCode": code.as_str(), "sourceClientId": client, "msgType": kind, "data": data, "ts": now });
        self.broadcast(code, &to_raw(&event));
        Ok(to_raw(&json!({ "ok": true })))
    }
}
