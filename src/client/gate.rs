//! The start gate: a participant may start only when its validated copy matches
//! what the host published (DESIGN.md decision 8).
//!
//! Fingerprint: `sessionCode|packHash|packUpdatedAt|mediaUpdatedAt` (media 0 when none),
//! `""` when no pack is published. A joined participant is blocked while a pack is
//! published and the validated fingerprint differs from the current one.

use super::state::{Role, Status};
use super::ClientCore;

/// What the participant validated and fetched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Gate {
    /// The fingerprint last validated.
    pub validated: String,
    /// Hash and `updatedAt` of the last verified `fetchSessionPack`.
    pub fetched: Option<(String, u64)>,
}

/// The fingerprint string.
pub(super) fn fingerprint(
    code: &str,
    hash: &str,
    pack_updated_at: u64,
    media_updated_at: u64,
) -> String {
    format!(
        "{code}|{}|{pack_updated_at}|{media_updated_at}",
        hash.to_ascii_lowercase()
    )
}

impl ClientCore {
    /// Recomputes `state.start_gate` from the session fields.
    pub(super) fn refresh_gate(&mut self) {
        let s = &self.state;
        let current = match &s.session_pack_meta {
            Some(p) if !p.hash.is_empty() => {
                let media = s.session_media_meta.as_ref().map_or(0, |m| m.updated_at);
                fingerprint(&s.session_code, &p.hash, p.updated_at, media)
            }
            _ => String::new(),
        };
        let participant = s.role == Role::Participant && s.status == Status::Joined;
        let blocked = participant && !current.is_empty() && self.gate.validated != current;
        let gate = &mut self.state.start_gate;
        let reason = if blocked { "pack-not-validated" } else { "" };
        if gate.blocked != blocked
            || gate.reason != reason
            || gate.fingerprint != current
            || gate.validated_fingerprint != self.gate.validated
        {
            gate.blocked = blocked;
            gate.reason = reason.to_string();
            gate.fingerprint = current;
            gate.validated_fingerprint = self.gate.validated.clone();
            self.dirty = true;
        }
    }

    /// After a complete, verified download that followed a pack fetch: validates
    /// the fetched pack with the media's `updatedAt` (0 falls back to the snapshot's).
    pub(super) fn validate_after_download(&mut self, manifest_updated_at: u64) {
        let Some((hash, pack_updated_at)) = self.gate.fetched.clone() else {
            return;
        };
        let media = if manifest_updated_at > 0 {
            manifest_updated_at
        } else {
            self.state
                .session_media_meta
                .as_ref()
                .map_or(0, |m| m.updated_at)
        };
        self.gate.validated = fingerprint(&self.state.session_code, &hash, pack_updated_at, media);
        self.refresh_gate();
    }
}
