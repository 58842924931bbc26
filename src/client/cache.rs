//! The content-addressed cache of `downloadSessionMedia({ cache })`: before a file is
//! fetched, the host app is asked for its SHA-256 ([`ClientOutput::CacheGet`]); bytes
//! it has are checked as a download is (size, signature, SHA-256 against the
//! manifest) and handed on without a fetch. A miss, an error or bytes that fail the
//! checks mean the file is fetched. Putting fetched files into the cache is the IO
//! layer's part ([`ClientOutput::MediaFile`]'s `fetched`).

use super::{ClientCore, ClientOutput, OpId};
use crate::validate::digest::is_sha256_hex;
use crate::validate::media::{announced_entry, MediaLimits};

impl ClientCore {
    /// Asks the cache for the next file (or skips the lookup for a hash that cannot
    /// name content).
    pub(super) fn ask_cache(&mut self, now: u64) {
        let Some(d) = &mut self.download else { return };
        let i = d.next;
        let sha256 = d.manifest.files[i].sha256.trim().to_ascii_lowercase();
        if !is_sha256_hex(&sha256) {
            d.cache_missed = Some(i);
            return self.download_tick(now);
        }
        d.wake = None;
        d.cache_wait = Some(i);
        let op = d.op;
        self.state.media_download.current_identity = d.manifest.files[i].identity.clone();
        self.dirty = true;
        self.out.push_back(ClientOutput::CacheGet { op, sha256 });
    }

    /// The cache's answer for `sha256` in download `op`: its bytes, or `None`.
    pub fn handle_cache(&mut self, op: OpId, sha256: &str, bytes: Option<Vec<u8>>, now: u64) {
        let limits = MediaLimits {
            max_file_bytes: self.settings.max_chunked_file_bytes,
            max_total_bytes: self.settings.max_chunked_total_bytes,
        };
        let Some(d) = self.download.as_mut().filter(|d| d.op == op) else {
            return;
        };
        let Some(i) = d
            .cache_wait
            .filter(|&i| d.manifest.files[i].sha256 == sha256)
        else {
            return;
        };
        d.cache_wait = None;
        d.wake = Some(now);
        let entry = &d.manifest.files[i];
        let file = bytes.and_then(|b| announced_entry(entry, &limits).ok()?.into_file(b).ok());
        match file {
            Some(file) => {
                d.next += 1;
                d.retries = 0;
                let md = &mut self.state.media_download;
                md.files_done += 1;
                md.bytes_done += file.size() as u64;
                self.dirty = true;
                let fetched = false;
                self.out
                    .push_back(ClientOutput::MediaFile { op, file, fetched });
            }
            None => d.cache_missed = Some(i),
        }
        self.download_tick(now);
    }
}
