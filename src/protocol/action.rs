//! The actions a client can request.

macro_rules! actions {
    ($($(#[$doc:meta])* $v:ident => $name:literal, $scoped:literal;)*) => {
        /// A relay action (the `action` of a request).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($(#[$doc])* $v,)* }

        impl Action {
            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self { $(Action::$v => $name,)* }
            }
            /// The action with this wire name.
            pub fn parse(s: &str) -> Option<Action> {
                match s { $($name => Some(Action::$v),)* _ => None }
            }
            /// Whether the action names a session (`payload.sessionCode`).
            pub const fn is_session_scoped(self) -> bool {
                match self { $(Action::$v => $scoped,)* }
            }
        }
    };
}

actions! {
    /// Open a room as its host. Result: snapshot.
    CreateRoom => "createRoom", true;
    /// Join a room. Result: snapshot.
    JoinRoom => "joinRoom", true;
    /// Leave a room. Result: `{closed, snapshot}`.
    LeaveRoom => "leaveRoom", true;
    /// Host: change name or control mode. Result: snapshot.
    UpdateRoom => "updateRoom", true;
    /// Read the room. Result: snapshot.
    GetRoomSnapshot => "getRoomSnapshot", true;
    /// Host: publish timer state; participant: shared pause/play request. Result: state.
    UpdateSessionState => "updateSessionState", true;
    /// Set one's sync state. Result: snapshot.
    UpdateParticipantState => "updateParticipantState", true;
    /// Set one's display name. Result: snapshot.
    UpdateParticipantProfile => "updateParticipantProfile", true;
    /// Host: publish the session pack. Result: snapshot.
    UploadSessionPack => "uploadSessionPack", true;
    /// Read the pack. Result: `{pack, hash, updatedAt, size}`.
    GetSessionPack => "getSessionPack", true;
    /// Host: empty the media. Result: snapshot.
    ResetSessionMediaPack => "resetSessionMediaPack", true;
    /// Host: upload one media file. Result: snapshot.
    UploadSessionMediaFile => "uploadSessionMediaFile", true;
    /// Host: set or release the upload lock. Result: snapshot.
    SetSessionMediaUploadStatus => "setSessionMediaUploadStatus", true;
    /// Read the media manifest.
    GetSessionMediaManifest => "getSessionMediaManifest", true;
    /// Read one media file.
    GetSessionMediaFile => "getSessionMediaFile", true;
    /// Relay a WebRTC signal. Result: `{ok:true}`.
    SendRtcSignal => "sendRtcSignal", true;
    /// Relay a drawing message. Result: `{ok:true}`.
    SendDrawingSync => "sendDrawingSync", true;
    /// Our extension, negotiated connections only: re-enter a room with a resume
    /// token. Result: snapshot plus `resumeToken`, `clientId`, `role`.
    ResumeSession => "resumeSession", false;
    /// Our extension (`media-chunks`): announce a chunked upload. Result: upload status.
    BeginSessionMediaUpload => "beginSessionMediaUpload", true;
    /// Our extension: one chunk of an upload, in a chunk frame. Result: upload status.
    PutSessionMediaChunk => "putSessionMediaChunk", true;
    /// Our extension: read one chunk; the reply is a chunk frame.
    GetSessionMediaChunk => "getSessionMediaChunk", true;
}

impl Action {
    /// Whether the media kill-switch refuses this action.
    pub const fn is_media(self) -> bool {
        matches!(
            self,
            Action::ResetSessionMediaPack
                | Action::UploadSessionMediaFile
                | Action::SetSessionMediaUploadStatus
                | Action::GetSessionMediaManifest
                | Action::GetSessionMediaFile
                | Action::BeginSessionMediaUpload
                | Action::PutSessionMediaChunk
                | Action::GetSessionMediaChunk
        )
    }

    /// Whether the action belongs to the `media-chunks` extension (only a connection
    /// that negotiated it may use it).
    pub const fn is_chunked(self) -> bool {
        matches!(
            self,
            Action::BeginSessionMediaUpload
                | Action::PutSessionMediaChunk
                | Action::GetSessionMediaChunk
        )
    }
}
