//! Every limit of the relay and the client: a name, a default, a clamp.
//!
//! Relay settings carry the `POSECHRONO_SYNC_*` names and defaults of the
//! deployed relay (PROTOCOL.md, config table), so an operator can swap relays
//! and keep the environment. Values below a setting's minimum are raised to it,
//! as the deployed relay does; values that do not parse fall back to the default.

macro_rules! relay_settings {
    ($($(#[$doc:meta])* $field:ident : $ty:ty = $default:expr, env $env:literal, min $min:expr;)*) => {
        /// The relay's limits. `Default` gives the deployed relay's defaults.
        #[derive(Debug, Clone, PartialEq)]
        pub struct RelaySettings {
            $($(#[$doc])* pub $field: $ty,)*
        }

        impl Default for RelaySettings {
            fn default() -> Self {
                RelaySettings { $($field: $default,)* }
            }
        }

        impl RelaySettings {
            /// The environment variables read by [`RelaySettings::from_lookup`], with their prefix.
            pub const ENV_NAMES: &'static [&'static str] = &[$(concat!("POSECHRONO_SYNC_", $env),)*];

            /// Settings from a variable lookup (e.g. `std::env::var`), defaults where a
            /// variable is absent or does not parse, each raised to its minimum.
            pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
                let mut s = Self::default();
                $(
                    if let Some(v) = lookup(concat!("POSECHRONO_SYNC_", $env)) {
                        if let Some(v) = <$ty as SettingValue>::parse_setting(&v) {
                            s.$field = v;
                        }
                    }
                )*
                s.clamped()
            }

            /// These settings with every value raised to its minimum.
            pub fn clamped(mut self) -> Self {
                $( self.$field = <$ty as SettingValue>::at_least(self.$field, $min); )*
                self
            }
        }
    };
}

/// A value a setting can hold.
pub trait SettingValue: Sized + Copy {
    /// Parses an environment value.
    fn parse_setting(s: &str) -> Option<Self>;
    /// Raises `self` to `min`.
    fn at_least(self, min: Self) -> Self;
}

impl SettingValue for u64 {
    fn parse_setting(s: &str) -> Option<Self> {
        // As `str::parse::<f64>` reads it; the words that also takes (`inf`, `NaN`)
        // are not finite and fall back to the default either way.
        let f = crate::validate::js::parse_decimal(s.trim())?;
        (f.is_finite() && f >= 0.0).then(|| f.floor() as u64)
    }
    fn at_least(self, min: Self) -> Self {
        self.max(min)
    }
}

impl SettingValue for usize {
    fn parse_setting(s: &str) -> Option<Self> {
        u64::parse_setting(s).map(|v| v as usize)
    }
    fn at_least(self, min: Self) -> Self {
        self.max(min)
    }
}

impl SettingValue for bool {
    fn parse_setting(s: &str) -> Option<Self> {
        Some(matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        ))
    }
    fn at_least(self, _min: Self) -> Self {
        self
    }
}

const MIB: usize = 1024 * 1024;

relay_settings! {
    /// Largest WebSocket message, in bytes (close 1009 past it).
    max_payload: usize = 20 * MIB, env "MAX_PAYLOAD", min 1024;
    /// Members of a room, host included.
    max_participants: usize = 32, env "MAX_PARTICIPANTS", min 2;
    /// Rooms on the relay (`server-room-limit`).
    max_rooms: usize = 500, env "MAX_ROOMS", min 1;
    /// Open sockets on the relay (close 1013 past it).
    max_connections: usize = 200, env "MAX_CONNECTIONS", min 1;
    /// Open sockets from one client address (close 4029 past it).
    max_connections_per_ip: usize = 10, env "MAX_CONNECTIONS_PER_IP", min 1;
    /// Window of the per-socket message limiter, ms.
    rate_window_ms: u64 = 1000, env "RATE_WINDOW_MS", min 250;
    /// Messages per window and socket (`rate-limited`).
    rate_max_messages: u32 = 45, env "RATE_MAX_MESSAGES", min 10;
    /// Window of the state and profile limiter, ms.
    state_rate_window_ms: u64 = 1000, env "STATE_RATE_WINDOW_MS", min 250;
    /// State and profile updates per window, socket and room.
    state_rate_max_messages: u32 = 20, env "STATE_RATE_MAX_MESSAGES", min 5;
    /// Window of the rtc limiter, ms.
    rtc_rate_window_ms: u64 = 1000, env "RTC_RATE_WINDOW_MS", min 250;
    /// Rtc signals per window, socket and room.
    rtc_rate_max_messages: u32 = 90, env "RTC_RATE_MAX_MESSAGES", min 10;
    /// Window of the drawing limiter, ms.
    drawing_rate_window_ms: u64 = 1000, env "DRAWING_RATE_WINDOW_MS", min 250;
    /// Drawing messages per window, socket and room.
    drawing_rate_max_messages: u32 = 60, env "DRAWING_RATE_MAX_MESSAGES", min 10;
    /// A room idle this long closes (`ttl-expired`), ms.
    room_idle_ttl_ms: u64 = 7_200_000, env "ROOM_IDLE_TTL_MS", min 60_000;
    /// How often idle rooms are looked for, ms.
    room_cleanup_interval_ms: u64 = 30_000, env "ROOM_CLEANUP_INTERVAL_MS", min 5_000;
    /// Session name length, UTF-16 units.
    max_session_name: usize = 80, env "MAX_SESSION_NAME", min 16;
    /// Password length, UTF-16 units.
    max_password: usize = 128, env "MAX_PASSWORD", min 8;
    /// Client id length.
    max_client_id: usize = 64, env "MAX_CLIENT_ID", min 8;
    /// Reason text length in session state, UTF-16 units.
    max_reason: usize = 96, env "MAX_REASON", min 16;
    /// Session state JSON length, UTF-16 units.
    max_state_bytes: usize = 4 * MIB, env "MAX_STATE_BYTES", min 1024;
    /// Steps in a custom queue.
    max_custom_steps: usize = 600, env "MAX_CUSTOM_STEPS", min 1;
    /// Media order keys in a state or pack.
    max_media_order_keys: usize = 50_000, env "MAX_MEDIA_ORDER_KEYS", min 1;
    /// Longest duration in seconds.
    max_session_seconds: u64 = 31_536_000, env "MAX_SESSION_SECONDS", min 1;
    /// Largest timestamp, ms.
    max_timestamp: u64 = 4_102_444_800_000, env "MAX_TIMESTAMP", min 1;
    /// Largest index in session state.
    max_index: u64 = 200_000, env "MAX_INDEX", min 1;
    /// Session pack JSON length, UTF-16 units (`session-pack-too-large`).
    max_session_pack_bytes: usize = 16 * MIB, env "MAX_SESSION_PACK_BYTES", min 1024;
    /// Media files in a session.
    max_session_media_files: usize = 300, env "MAX_SESSION_MEDIA_FILES", min 1;
    /// Bytes of one media file.
    max_session_media_file_bytes: usize = 2 * MIB, env "MAX_SESSION_MEDIA_FILE_BYTES", min 1;
    /// Bytes of all media files of a session.
    max_session_media_total_bytes: usize = 256 * MIB, env "MAX_SESSION_MEDIA_TOTAL_BYTES", min 1;
    /// Bytes of an rtc signal's sdp or candidate.
    max_rtc_signal_bytes: usize = 240_000, env "MAX_RTC_SIGNAL_BYTES", min 1024;
    /// Bytes of a drawing message's data.
    max_drawing_bytes: usize = 2 * MIB, env "MAX_DRAWING_BYTES", min 1024;
    /// Refuses every media action with `media-transfer-disabled`.
    disable_media_transfer: bool = false, env "DISABLE_MEDIA_TRANSFER", min false;
    /// Join attempts per socket in one window (`too-many-password-attempts` past it).
    join_attempts_max: u32 = 5, env "JOIN_ATTEMPTS_MAX", min 1;
    /// Window of the join-attempt limiter, ms.
    join_attempts_window_ms: u64 = 60_000, env "JOIN_ATTEMPTS_WINDOW_MS", min 1_000;
    /// How long a negotiated member whose connection dropped keeps its place and may
    /// resume with its token, ms (the host's room stays open meanwhile); 0 closes and
    /// leaves at once, as deployed.
    host_grace_ms: u64 = 60_000, env "HOST_GRACE_MS", min 0;
    /// `resumeSession` attempts per client address in one join-attempt window
    /// (`too-many-password-attempts` past it).
    resume_attempts_per_ip_max: u32 = 20, env "RESUME_ATTEMPTS_PER_IP_MAX", min 1;
    /// Client addresses whose resume attempts are counted at once (bounds the memory
    /// of that limiter; past it, stale entries are dropped, then attempts refused).
    resume_tracked_ips_max: usize = 4096, env "RESUME_TRACKED_IPS_MAX", min 16;
    /// Wrong passwords checked for one room from one client address in any
    /// `password_lockout_window_ms`, across reconnects (`too-many-password-attempts`
    /// with `retryAfterMs` past it; the per-socket join limit also applies).
    password_lockout_max: u32 = 30, env "PASSWORD_LOCKOUT_MAX", min 1;
    /// The sliding window of the password lockout, ms.
    password_lockout_window_ms: u64 = 20_000, env "PASSWORD_LOCKOUT_WINDOW_MS", min 1_000;
    /// (room, address) pairs the password lockout tracks at once (bounds its memory).
    password_lockout_tracked_max: usize = 4096, env "PASSWORD_LOCKOUT_TRACKED_MAX", min 16;
    /// A media upload lock with no activity this long is stale, ms.
    upload_lock_stale_ms: u64 = 300_000, env "UPLOAD_LOCK_STALE_MS", min 1_000;
    /// Participant display name length, UTF-16 units.
    max_display_name: usize = 32, env "MAX_DISPLAY_NAME", min 8;
    /// scrypt cost as log2(N) for room passwords (14: N=16384, as deployed).
    password_hash_log_n: u8 = 14, env "PASSWORD_HASH_LOG_N", min 1;
    /// Turns our chunked media extension off: `relay-features` leaves `media-chunks`
    /// out, so every client uses the whole-file messages, as with the deployed relay.
    disable_media_chunks: bool = false, env "DISABLE_MEDIA_CHUNKS", min false;
    /// Bytes of one media file sent in chunks (our `media-chunks` extension).
    max_chunked_media_file_bytes: usize = 64 * MIB, env "MAX_CHUNKED_MEDIA_FILE_BYTES", min 1;
    /// Bytes of all media files of a session once a file came in chunks (the whole-file
    /// path keeps `MAX_SESSION_MEDIA_TOTAL_BYTES`).
    max_chunked_media_total_bytes: usize = 2048 * MIB, env "MAX_CHUNKED_MEDIA_TOTAL_BYTES", min 1;
    /// Bytes of unfinished chunked uploads the relay holds at once, every room together.
    max_partial_upload_bytes: usize = 512 * MIB, env "MAX_PARTIAL_UPLOAD_BYTES", min 1;
    /// Bytes of media the relay holds at once, every room's files and unfinished
    /// uploads together (it keeps them in memory): a chunked upload that would pass it
    /// is refused (`session-media-too-large`). On a relay sharded across cores it
    /// counts every core's media, as `max_partial_upload_bytes` does.
    max_media_held_bytes: u64 = 4096 * MIB as u64, env "MAX_MEDIA_HELD_BYTES", min MIB as u64;
    /// Chunk bytes per second one client address may move, each way
    /// (`media-rate-limited` with `retryAfterMs` past it); at least one chunk.
    media_rate_ip_bytes_per_sec: u64 = 32 * MIB as u64, env "MEDIA_RATE_IP_BYTES_PER_SEC", min MIB as u64;
    /// Chunk bytes per second one room may move, uploads and downloads together.
    media_rate_room_bytes_per_sec: u64 = 64 * MIB as u64, env "MEDIA_RATE_ROOM_BYTES_PER_SEC", min MIB as u64;
}

impl SettingValue for u32 {
    fn parse_setting(s: &str) -> Option<Self> {
        u64::parse_setting(s).map(|v| v.min(u32::MAX as u64) as u32)
    }
    fn at_least(self, min: Self) -> Self {
        self.max(min)
    }
}

impl SettingValue for u8 {
    fn parse_setting(s: &str) -> Option<Self> {
        u64::parse_setting(s).map(|v| v.min(20) as u8)
    }
    fn at_least(self, min: Self) -> Self {
        self.max(min)
    }
}

/// Fixed limits of the deployed protocol that are not configurable there either.
pub mod fixed {
    /// Media and media-ref name length, UTF-16 units.
    pub const MAX_MEDIA_NAME: usize = 160;
    /// `currentMediaKey` length, UTF-16 units.
    pub const MAX_CURRENT_MEDIA_KEY: usize = 120;
    /// Most keys in a session state object.
    pub const MAX_STATE_KEYS: usize = 64;
    /// Longest custom-queue step, seconds.
    pub const MAX_STEP_SECONDS: u64 = 86_400;
    /// Most poses in a step or memory session.
    pub const MAX_POSES: u64 = 10_000;
}

/// The client's limits.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSettings {
    /// No reply within this many ms fails the call with `transport-unavailable` (min 1000).
    pub request_timeout_ms: u64,
    /// Largest pack text a participant parses, bytes (the deployed parser's 2 MiB).
    pub max_pack_text_bytes: usize,
    /// Largest media file a participant accepts, bytes.
    pub max_media_file_bytes: usize,
    /// Largest total of media a participant accepts, bytes.
    pub max_media_total_bytes: usize,
    /// Most media files a participant downloads.
    pub max_media_files: usize,
    /// First reconnect delay, ms; doubles each attempt.
    pub reconnect_base_ms: u64,
    /// Longest reconnect delay, ms.
    pub reconnect_max_ms: u64,
    /// Reconnect attempts before giving up (`websocket-disconnected`).
    pub reconnect_attempts: u32,
    /// Least time between two media file requests of a download, ms.
    pub media_request_interval_ms: u64,
    /// Retries of one media file request after a rate limit, failure or timeout.
    pub media_retry_attempts: u32,
    /// First retry delay, ms; doubles each retry.
    pub media_retry_base_ms: u64,
    /// Longest retry delay, ms.
    pub media_retry_max_ms: u64,
    /// Largest media file a participant accepts in chunks, bytes (`media-chunks` relays).
    pub max_chunked_file_bytes: usize,
    /// Largest total of media a participant accepts from a `media-chunks` relay, bytes.
    pub max_chunked_total_bytes: usize,
    /// Bytes per chunk (at most 1 MiB).
    pub media_chunk_bytes: usize,
    /// Chunks in flight at once, each way.
    pub media_chunk_window: usize,
    /// Slowest line a whole-file transfer is given time for, bytes per second: its
    /// reply may take `requestTimeoutMs` plus its size at this rate (the whole-file
    /// path shows no bytes until the end; chunks reset the timeout with each byte).
    pub media_min_bytes_per_sec: u64,
}

/// Smallest request timeout the client accepts, ms.
pub const MIN_REQUEST_TIMEOUT_MS: u64 = 1000;

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            request_timeout_ms: 8000,
            max_pack_text_bytes: 2 * MIB,
            max_media_file_bytes: 2 * MIB,
            max_media_total_bytes: 256 * MIB,
            max_media_files: 300,
            reconnect_base_ms: 1000,
            reconnect_max_ms: 30_000,
            reconnect_attempts: 10,
            media_request_interval_ms: 35,
            media_retry_attempts: 4,
            media_retry_base_ms: 140,
            media_retry_max_ms: 1400,
            max_chunked_file_bytes: 64 * MIB,
            max_chunked_total_bytes: 2048 * MIB,
            media_chunk_bytes: MIB,
            media_chunk_window: 4,
            media_min_bytes_per_sec: 16 * 1024,
        }
    }
}

impl ClientSettings {
    /// These settings with the request timeout raised to its minimum.
    pub fn clamped(mut self) -> Self {
        self.request_timeout_ms = self.request_timeout_ms.max(MIN_REQUEST_TIMEOUT_MS);
        self.media_chunk_bytes = self
            .media_chunk_bytes
            .clamp(1, crate::protocol::chunks::MAX_CHUNK_BYTES);
        self.media_chunk_window = self.media_chunk_window.max(1);
        self.media_min_bytes_per_sec = self.media_min_bytes_per_sec.max(1);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_deployed_relay() {
        let s = RelaySettings::default();
        assert_eq!(s.max_payload, 20 * MIB);
        assert_eq!(s.max_participants, 32);
        assert_eq!(s.max_session_pack_bytes, 16 * MIB);
        assert_eq!(s.max_session_media_files, 300);
        assert_eq!(s.room_idle_ttl_ms, 7_200_000);
        assert_eq!(s.host_grace_ms, 60_000);
    }

    #[test]
    fn env_values_are_read_and_clamped() {
        let s = RelaySettings::from_lookup(|k| match k {
            "POSECHRONO_SYNC_MAX_PARTICIPANTS" => Some("1".into()),
            "POSECHRONO_SYNC_RATE_MAX_MESSAGES" => Some("100".into()),
            "POSECHRONO_SYNC_ROOM_IDLE_TTL_MS" => Some("5".into()),
            "POSECHRONO_SYNC_MAX_ROOMS" => Some("nope".into()),
            "POSECHRONO_SYNC_DISABLE_MEDIA_TRANSFER" => Some("Yes".into()),
            _ => None,
        });
        assert_eq!(s.max_participants, 2);
        assert_eq!(s.rate_max_messages, 100);
        assert_eq!(s.room_idle_ttl_ms, 60_000);
        assert_eq!(s.max_rooms, 500);
        assert!(s.disable_media_transfer);
        assert!(RelaySettings::ENV_NAMES.contains(&"POSECHRONO_SYNC_MAX_PAYLOAD"));
    }

    #[test]
    fn client_timeout_has_a_floor() {
        let s = ClientSettings {
            request_timeout_ms: 10,
            ..Default::default()
        }
        .clamped();
        assert_eq!(s.request_timeout_ms, MIN_REQUEST_TIMEOUT_MS);
    }
}
