//! Static files (`--static-dir`, e.g. the demo page), served well:
//!
//! - **Compression**: a file's precompressed siblings `NAME.br` and `NAME.gz` (written
//!   at build time by `scripts/precompress.mjs`) are served to clients that accept
//!   them, with `Content-Encoding` and the original file's type; a sibling older than
//!   its file is stale and ignored (the file is served as is), so an edited page never
//!   gets yesterday's bytes. Every reply says `Vary: Accept-Encoding`.
//! - **Caching**: a file whose name carries a content hash (`name.0123abcd.ext` or
//!   `name-0123abcd.ext`, 8 to 64 hex digits) never changes under its name:
//!   `Cache-Control: public, max-age=31536000, immutable`. Everything else
//!   (`index.html`, unhashed scripts) is `no-cache`: kept, but revalidated with
//!   `Last-Modified` / `If-Modified-Since` before each use.
//! - **Types**: from the extension (`.wasm` is `application/wasm`, which
//!   `WebAssembly.instantiateStreaming` requires).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// `Cache-Control` of a file whose name carries its content hash.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of every other file: revalidate before each use.
pub const REVALIDATE: &str = "no-cache";

/// Serves `req` from `dir`. `None` when there is no such file (the caller answers
/// its own 404).
pub async fn serve(dir: &Path, req: Request) -> Option<Response> {
    let fresh = precompressed_fresh(dir, req.uri().path());
    let name = req.uri().path().rsplit('/').next().unwrap_or("").to_owned();
    let service = ServeDir::new(dir);
    let service = if fresh {
        service.precompressed_br().precompressed_gzip()
    } else {
        service
    };
    let mut r = match service.oneshot(req).await {
        Ok(r) if r.status() != StatusCode::NOT_FOUND => r.map(Body::new),
        _ => return None,
    };
    let h = r.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    // A directory's index (`/`) is `index.html`: never immutable.
    let cache = if is_hashed_name(&name) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Some(r)
}

/// Whether a file name carries a content hash: `stem.HASH.ext` or `stem-HASH.ext`,
/// HASH 8 to 64 lower-case hex digits with at least one digit and one letter (so
/// that words and numbers such as `2026` are not taken for hashes).
pub fn is_hashed_name(name: &str) -> bool {
    let Some((rest, _ext)) = name.rsplit_once('.') else {
        return false;
    };
    let hash = match rest.rsplit_once(['.', '-']) {
        Some((stem, hash)) if !stem.is_empty() => hash,
        _ => return false,
    };
    (8..=64).contains(&hash.len())
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && hash.bytes().any(|b| b.is_ascii_digit())
        && hash.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Whether the precompressed siblings of the file at `path` (if any) are at least
/// as new as it. `true` when there is nothing to compare (no file, no sibling, a
/// path ServeDir will refuse anyway).
fn precompressed_fresh(dir: &Path, path: &str) -> bool {
    let Some(file) = local_path(dir, path) else {
        return true;
    };
    let Some(file_time) = modified(&file) else {
        return true;
    };
    ["br", "gz"].iter().all(|ext| {
        let mut sibling = file.clone().into_os_string();
        sibling.push(".");
        sibling.push(ext);
        modified(Path::new(&sibling)).is_none_or(|t| t >= file_time)
    })
}

fn modified(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    meta.is_file().then(|| meta.modified().ok()).flatten()
}

/// The file a request path names under `dir` (`index.html` for a directory), or
/// `None` for anything but plain path segments (ServeDir decides those itself).
fn local_path(dir: &Path, path: &str) -> Option<PathBuf> {
    let mut out = dir.to_path_buf();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if segment.contains('%') || segment.contains('\\') {
            return None;
        }
        let mut parts = Path::new(segment).components();
        match (parts.next(), parts.next()) {
            (Some(Component::Normal(p)), None) => out.push(p),
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_told_from_plain_ones() {
        for name in [
            "online_sync_bg.3f2a9c1d.wasm",
            "app-0123abcd.js",
            "style.0a1b2c3d4e5f6a7b.css",
        ] {
            assert!(is_hashed_name(name), "{name}");
        }
        for name in [
            "index.html",
            "online_sync_bg.wasm",
            "main.js",
            "pose-1-standing.png",
            "report-20261205.txt",
            "deadbeef.js",
            "notes.abcdefab.txt",
            ".0123abcd.js",
            "x.0123ABCD.js",
        ] {
            assert!(!is_hashed_name(name), "{name}");
        }
    }

    #[test]
    fn only_plain_segments_map_to_a_local_path() {
        let dir = Path::new("/srv/www");
        assert_eq!(
            local_path(dir, "/js/main.js"),
            Some(PathBuf::from("/srv/www/js/main.js"))
        );
        assert_eq!(local_path(dir, "/../etc/passwd"), None);
        assert_eq!(local_path(dir, "/a/%2e%2e/b"), None);
        assert_eq!(local_path(dir, "/a\\b"), None);
    }
}
