//! A client message read, and a media upload's file checked, before the core
//! handles it: the heavy part of a 2 MiB upload (parsing megabytes of JSON,
//! decoding the base64, hashing the bytes) can run on another thread than the
//! one that owns the rooms. Both steps are pure functions of the message and the
//! settings; the core uses their results at exactly the step of its pipeline
//! where it would have computed them, so replies and their order do not change.
//!
//! ```
//! use online_sync::relay::{Prepared, RelayCore};
//! use online_sync::RelaySettings;
//! let settings = RelaySettings::default();
//! let mut relay = RelayCore::new(settings.clone(), [7; 32]);
//! relay.handle_connect(1, "127.0.0.1", 0);
//! // e.g. on a worker thread:
//! let msg = Prepared::read(br#"{"type":"request","id":"1","action":"getRoomSnapshot","payload":{}}"#, &settings);
//! relay.handle_prepared(1, msg, 0);
//! assert!(relay.poll_output().is_some());
//! ```

use super::{ConnId, RelayCore};
use crate::error::Code;
use crate::protocol::{chunks, ClientFrame};
use crate::settings::RelaySettings;
use crate::validate::media::{validate_upload, MediaFile};

/// A client message, read and (for a media upload) checked.
#[derive(Debug)]
pub struct Prepared {
    frame: Option<ClientFrame>,
    media: Option<Result<MediaFile, Code>>,
    /// The data of a chunk frame ([`crate::protocol::chunks`]): handled only from a
    /// connection that negotiated `media-chunks`, ignored (as not JSON) otherwise.
    chunk: Option<Vec<u8>>,
}

impl Prepared {
    /// Reads `bytes` as [`RelayCore::handle_message`] would, and checks the file of
    /// an `uploadSessionMediaFile` request against the media limits of `settings`
    /// (the core's settings).
    pub fn read(bytes: &[u8], settings: &RelaySettings) -> Prepared {
        let mut read = Prepared::parse(bytes);
        read.media = match &read.frame {
            Some(ClientFrame::Request {
                action,
                payload: Ok(Some(p)),
                ..
            }) if crate::validate::js::js_trim(action) == "uploadSessionMediaFile" => {
                let (limits, _) = super::media_store::limits(&settings.clone().clamped());
                Some(validate_upload(p.get("file"), &limits))
            }
            _ => None,
        };
        read
    }

    /// The id of a request (`None` for a notify or what did not read as a frame).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn request_id(&self) -> Option<&str> {
        match &self.frame {
            Some(ClientFrame::Request { id, .. }) => Some(id),
            _ => None,
        }
    }

    /// Only read, nothing checked ahead: a text message, binary read as UTF-8, or a
    /// chunk frame (its JSON header read, its data kept).
    pub(super) fn parse(bytes: &[u8]) -> Prepared {
        let (frame, chunk) = if chunks::is_chunk_frame(bytes) {
            match chunks::decode_frame(bytes) {
                Some((header, data)) => {
                    (ClientFrame::parse(header.as_bytes()), Some(data.to_vec()))
                }
                None => (None, None),
            }
        } else {
            (ClientFrame::parse(bytes), None)
        };
        Prepared {
            frame,
            media: None,
            chunk,
        }
    }
}

impl RelayCore {
    /// One message from a connection, read (and checked) by [`Prepared::read`],
    /// maybe on another thread: the same as [`RelayCore::handle_message`] of its bytes.
    pub fn handle_prepared(&mut self, conn: ConnId, message: Prepared, now: u64) {
        self.arm(now);
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        if message.chunk.is_some() && !c.chunks {
            return;
        }
        let Some(frame) = message.frame else {
            return;
        };
        self.checked_media = message.media;
        self.chunk_in = message.chunk;
        let allowed = self.count_message(conn, now);
        self.mark_conn_dirty(conn);
        self.handle_frame(conn, frame, allowed, now);
        self.mark_conn_dirty(conn);
        self.checked_media = None;
        self.chunk_in = None;
    }

    /// The upload's file: checked ahead when it was, else now.
    pub(super) fn upload_file(
        &mut self,
        file: Option<&serde_json::Value>,
        limits: &crate::validate::media::MediaLimits,
    ) -> Result<MediaFile, Code> {
        match self.checked_media.take() {
            Some(checked) => checked,
            None => validate_upload(file, limits),
        }
    }
}
