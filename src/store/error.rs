//! What can go wrong in the store, each with a stable code string.

use std::io;
use std::path::PathBuf;

/// A store failure. [`StoreError::code`] is stable; the message is for people (logs).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (or another open store in this one) holds the data dir.
    #[error("the data dir {} is in use by another relay (its rooms.redb is locked)", .path.display())]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// The database file is not a database, or is damaged beyond redb's repair.
    #[error("the store file {} is corrupt: {detail}", .path.display())]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What the database reported.
        detail: String,
    },
    /// The data dir was written by a newer (or much older) version.
    #[error("the store format {found} is not supported (this relay reads format {supported})")]
    UnsupportedFormat {
        /// The format found on disk.
        found: u64,
        /// The format this build reads and writes.
        supported: u64,
    },
    /// A file operation failed.
    #[error("{} : {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Any other failure reported by the database (transaction, commit, table).
    #[error("store database error: {0}")]
    Database(String),
    /// A media key that is not 64 lowercase hex characters.
    #[error("not a sha256 media key: {0:?}")]
    InvalidMediaKey(String),
    /// Bytes that do not hash to the key they were given or stored under.
    #[error("media {sha256} does not match its bytes{}", if *.quarantined { " (moved to media/corrupt)" } else { "" })]
    MediaMismatch {
        /// The key.
        sha256: String,
        /// Whether a file on disk was moved aside.
        quarantined: bool,
    },
    /// A record that cannot be encoded (should not happen with valid records).
    #[error("cannot encode room record: {0}")]
    Encode(#[from] serde_json::Error),
}

impl StoreError {
    /// The stable code of this error, e.g. `store-locked`.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Locked { .. } => "store-locked",
            StoreError::Corrupt { .. } => "store-corrupt",
            StoreError::UnsupportedFormat { .. } => "store-unsupported-format",
            StoreError::Io { .. } => "store-io",
            StoreError::Database(_) => "store-database",
            StoreError::InvalidMediaKey(_) => "store-invalid-media-key",
            StoreError::MediaMismatch { .. } => "store-media-mismatch",
            StoreError::Encode(_) => "store-encode",
        }
    }

    /// An [`StoreError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }

    /// A [`StoreError::Database`] from any redb error.
    pub(crate) fn db(err: impl std::fmt::Display) -> Self {
        StoreError::Database(err.to_string())
    }
}
