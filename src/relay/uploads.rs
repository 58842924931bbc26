//! A room's unfinished chunked uploads: the verified prefix of each file, by the
//! file's SHA-256 (the upload id), until its last chunk makes it whole.
//!
//! A chunk is appended only once its own hash checked and only at the offset where
//! the upload stands, so the held bytes are always a verified prefix: a resumed
//! upload continues from [`Partial::held`]. The file reaches the room's media only
//! when whole and checked against its announced hash (all or nothing).

use crate::validate::media::Announced;

/// One unfinished upload.
#[derive(Debug, Clone)]
pub struct Partial {
    /// The file as announced.
    pub file: Announced,
    /// The verified prefix of its bytes.
    pub bytes: Vec<u8>,
    /// The chunks of the prefix, in order: each one's SHA-256 and length.
    pub chunks: Vec<(String, usize)>,
    /// Last chunk or announcement, relay ms.
    pub touched: u64,
}

impl Partial {
    /// Bytes held (where the next chunk starts).
    pub fn held(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Appends a chunk whose hash was checked.
    pub fn append(&mut self, sha256: String, data: &[u8], now: u64) {
        self.bytes.extend_from_slice(data);
        self.chunks.push((sha256, data.len()));
        self.touched = now;
    }

    /// Each chunk held: its SHA-256 and its bytes.
    pub fn chunk_bytes(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let mut at = 0;
        self.chunks.iter().map(move |(sha, len)| {
            let part = &self.bytes[at..at + len];
            at += len;
            (sha.as_str(), part)
        })
    }
}

/// The unfinished uploads of one room.
#[derive(Debug, Clone, Default)]
pub struct Uploads {
    partials: Vec<Partial>,
}

impl Uploads {
    /// The upload of `sha256`, if one is unfinished.
    pub fn get_mut(&mut self, sha256: &str) -> Option<&mut Partial> {
        self.partials.iter_mut().find(|p| p.file.sha256() == sha256)
    }

    /// Starts (or, for a known hash, re-announces) an upload; returns the bytes held.
    pub fn begin(&mut self, file: Announced, now: u64) -> u64 {
        if let Some(p) = self.get_mut(file.sha256()) {
            p.file = file;
            p.touched = now;
            return p.held();
        }
        self.partials.push(Partial {
            file,
            bytes: Vec::new(),
            chunks: Vec::new(),
            touched: now,
        });
        0
    }

    /// Removes and returns the upload of `sha256`.
    pub fn take(&mut self, sha256: &str) -> Option<Partial> {
        let i = self
            .partials
            .iter()
            .position(|p| p.file.sha256() == sha256)?;
        Some(self.partials.swap_remove(i))
    }

    /// Bytes the room's unfinished uploads may grow to (their declared sizes): what
    /// the relay counts against its limits, so memory is bounded before it is used.
    pub fn reserved(&self) -> usize {
        self.partials.iter().map(|p| p.file.size()).sum()
    }

    /// The same, without the upload of `sha256`.
    pub fn reserved_except(&self, sha256: &str) -> usize {
        self.partials
            .iter()
            .filter(|p| p.file.sha256() != sha256)
            .map(|p| p.file.size())
            .sum()
    }

    /// Drops uploads untouched for `stale_ms`; returns how many.
    pub fn drop_stale(&mut self, now: u64, stale_ms: u64) -> usize {
        let before = self.partials.len();
        self.partials
            .retain(|p| now.saturating_sub(p.touched) < stale_ms);
        before - self.partials.len()
    }

    /// Drops every upload (a media reset).
    pub fn clear(&mut self) {
        self.partials.clear();
    }

    /// The unfinished uploads.
    pub fn iter(&self) -> impl Iterator<Item = &Partial> {
        self.partials.iter()
    }

    /// Puts back an upload a data dir kept.
    pub fn restore(&mut self, partial: Partial) {
        if self.get_mut(partial.file.sha256()).is_none() {
            self.partials.push(partial);
        }
    }
}
