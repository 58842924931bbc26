//! Static files over a real socket (`--static-dir`, src/server/static_files.rs):
//! precompressed `.br` / `.gz` siblings served to clients that accept them (never a
//! stale one), `Vary: Accept-Encoding`, `Cache-Control` immutable for hashed names
//! and `no-cache` otherwise (revalidated with `If-Modified-Since`), `application/wasm`.
#![cfg(not(target_arch = "wasm32"))]

mod net;

use net::{guard, Server};
use online_sync::server::static_files::{IMMUTABLE, REVALIDATE};
use online_sync::server::ServerConfig;
use std::fs::{self, File};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WASM: &str = "pkg/online_sync_bg.0123abcd4567ef89.wasm";

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `GET target` with extra request headers; the raw body bytes (no decoding).
async fn get(addr: SocketAddr, target: &str, extra: &[(&str, &str)]) -> Reply {
    guard("static file exchange", async {
        let mut tcp = TcpStream::connect(addr).await.expect("connect");
        let mut req = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (n, v) in extra {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        req.push_str("\r\n");
        tcp.write_all(req.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        tcp.read_to_end(&mut raw).await.expect("read");
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("http head");
        let head = String::from_utf8(raw[..end].to_vec()).expect("utf-8 head");
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Reply {
            status,
            headers,
            body: raw[end + 4..].to_vec(),
        }
    })
    .await
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// A site: index.html, an unhashed script, a hashed wasm with `.br` and `.gz`
/// siblings (their bytes stand for the compressed ones: the relay serves them as
/// they are).
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "index.html", b"<!doctype html><title>demo</title>");
    write(d, "js/main.js", b"console.log('main');");
    write(d, WASM, b"\0asm\x01\0\0\0 the raw module");
    write(d, &format!("{WASM}.br"), b"brotli bytes");
    write(d, &format!("{WASM}.gz"), b"gzip bytes");
    dir
}

async fn start(dir: &Path) -> Server {
    Server::start(ServerConfig {
        static_dir: Some(dir.to_path_buf()),
        ..net::config()
    })
    .await
}

#[tokio::test]
async fn hashed_wasm_is_served_precompressed_immutable_and_as_application_wasm() {
    let dir = site();
    let server = start(dir.path()).await;
    let target = format!("/{WASM}");

    let br = get(
        server.addr,
        &target,
        &[("Accept-Encoding", "gzip, deflate, br")],
    )
    .await;
    assert_eq!(br.status, 200);
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.header("content-type"), Some("application/wasm"));
    assert_eq!(br.header("cache-control"), Some(IMMUTABLE));
    assert_eq!(br.header("vary"), Some("accept-encoding"));
    assert_eq!(br.body, b"brotli bytes");

    let gz = get(server.addr, &target, &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(gz.header("content-type"), Some("application/wasm"));
    assert_eq!(gz.body, b"gzip bytes");

    let plain = get(server.addr, &target, &[]).await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("content-type"), Some("application/wasm"));
    assert_eq!(plain.header("cache-control"), Some(IMMUTABLE));
    assert_eq!(plain.body, b"\0asm\x01\0\0\0 the raw module");
}

#[tokio::test]
async fn index_and_unhashed_files_are_revalidated() {
    let dir = site();
    let server = start(dir.path()).await;
    for (target, kind) in [
        ("/", "text/html"),
        ("/index.html", "text/html"),
        ("/js/main.js", "text/javascript"),
    ] {
        let r = get(server.addr, target, &[("Accept-Encoding", "br")]).await;
        assert_eq!(r.status, 200, "{target}");
        assert_eq!(r.header("cache-control"), Some(REVALIDATE), "{target}");
        assert!(
            r.header("content-type").unwrap_or("").starts_with(kind),
            "{target}: {:?}",
            r.header("content-type")
        );
        // No sibling: served as is.
        assert_eq!(r.header("content-encoding"), None, "{target}");
        assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    }
    // `no-cache` means "ask first": an unchanged file answers 304.
    let first = get(server.addr, "/js/main.js", &[]).await;
    let stamp = first
        .header("last-modified")
        .expect("last-modified")
        .to_owned();
    let again = get(server.addr, "/js/main.js", &[("If-Modified-Since", &stamp)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
}

#[tokio::test]
async fn a_sibling_older_than_its_file_is_not_served() {
    let dir = site();
    let d = dir.path();
    write(d, "js/main.js.br", b"yesterday's brotli");
    // The file is edited after its sibling was written.
    let later = SystemTime::now() + Duration::from_secs(60);
    write(d, "js/main.js", b"console.log('edited');");
    File::options()
        .write(true)
        .open(d.join("js/main.js"))
        .unwrap()
        .set_modified(later)
        .unwrap();
    let server = start(d).await;
    let r = get(server.addr, "/js/main.js", &[("Accept-Encoding", "br")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.body, b"console.log('edited');");
}

#[tokio::test]
async fn missing_files_and_escapes_stay_404_json() {
    let dir = site();
    let server = start(dir.path()).await;
    for target in ["/nope.js", "/../Cargo.toml", "/js/%2e%2e/%2e%2e/etc/passwd"] {
        let r = get(server.addr, target, &[("Accept-Encoding", "br")]).await;
        assert_eq!(r.status, 404, "{target}");
        assert_eq!(r.body, br#"{"ok":false,"error":"not-found"}"#, "{target}");
    }
}
