//! What chunked transfers (`media-chunks`) need from the core around them: chunk
//! frames in, deadlines that measure stalls, and whether the session is live enough
//! for a paused transfer to go on.

use super::state::Status;
use super::{download, ClientCore, Link, OpId, Purpose};
use crate::error::{Code, SyncError};

impl ClientCore {
    /// One binary frame from the relay: a chunk frame (a chunk a download asked
    /// for, or one whose request timed out while it was on its way). Anything
    /// else is ignored.
    pub fn handle_binary(&mut self, bytes: &[u8], now: u64) {
        use crate::protocol::{chunks, ServerFrame};
        let Some((header, data)) = chunks::decode_frame(bytes) else {
            return;
        };
        let Some(ServerFrame::Response { id, outcome }) = ServerFrame::parse(header) else {
            return;
        };
        let Some(p) = self.pending.remove(&id) else {
            if let Ok(raw) = &outcome {
                self.late_chunk(raw, data, now);
            }
            return;
        };
        let outcome = outcome.map_err(|code| SyncError::from_code(&code));
        match p.purpose {
            Purpose::Download(op, download::Step::Chunk(i, offset)) => {
                self.chunk_reply(op, i, offset, outcome.map(|raw| (raw, data)), now)
            }
            other => self.on_reply(other, Err(Code::RequestFailed.into()), now),
        }
        self.release_idle_link();
    }

    /// Moves the deadline of every request of `op` to `now` plus the request
    /// timeout: a transfer that moves is never timed out, only a stalled one.
    pub(super) fn bump_deadlines(&mut self, op: OpId, now: u64) {
        let deadline = now + self.settings.request_timeout_ms;
        for p in self.pending.values_mut() {
            if matches!(p.purpose, Purpose::Download(o, _) | Purpose::Upload(o, _) if o == op) {
                p.deadline = p.deadline.max(deadline);
            }
        }
    }

    /// Whether a reconnect's own requests (snapshot, rejoin, resume) are in flight.
    fn rejoining(&self) -> bool {
        self.pending.values().any(|p| {
            matches!(
                p.purpose,
                Purpose::Resume | Purpose::Rejoin | Purpose::AutoResume
            )
        })
    }

    /// Whether the session is live on an open link (chunk transfers may go on).
    pub(super) fn transfer_ready(&self) -> bool {
        self.link == Link::Up
            && self.reconnect.is_none()
            && !self.rejoining()
            && matches!(self.state.status, Status::Hosting | Status::Joined)
    }
}
