//! `upload`: a host uploading 2 MiB media files in one room, as fast as the relay
//! takes them (`inflight` at once), while other rooms publish session states
//! (spread fan-out) and measure their latency. Uploads cycle over 50 identities,
//! so the room holds at most 50 files.

use crate::fanout::{self, Fanout};
use crate::net;
use crate::nodes::Nodes;
use crate::report::Report;
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;

/// Size of each uploaded file.
pub const FILE_BYTES: usize = 2 * 1024 * 1024;
/// The room the uploads go to (beyond the fan-out rooms' codes).
const UPLOAD_ROOM: usize = 999_999;

/// A 2 MiB PNG-signed file, base64.
fn file_base64() -> String {
    let mut bytes: Vec<u8> = (0..FILE_BYTES).map(|i| (i * 31 % 251) as u8).collect();
    bytes[..8].copy_from_slice(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The upload request `i`.
fn upload(i: usize, data: &str) -> Message {
    let code = net::room_code(UPLOAD_ROOM);
    Message::text(format!(
        r#"{{"type":"request","id":"up{i}","action":"uploadSessionMediaFile","payload":{{"sessionCode":"{code}","file":{{"identity":"f{}","name":"f.png","ext":"png","mime":"image/png","size":{FILE_BYTES},"dataBase64":"{data}"}}}}}}"#,
        i % 50
    ))
}

/// Runs the scenario; `fan` describes the other rooms (spread over `nodes`);
/// the uploading host is on the first node.
pub async fn run(nodes: &Nodes, mut fan: Fanout, inflight: usize) -> Result<Report, String> {
    let data = Arc::new(file_base64());
    let mut host = nodes.node(0).connect().await?;
    net::create(&mut host, UPLOAD_ROOM).await?;
    let start = Arc::new(Notify::new());
    fan.on_start = Some(start.clone());
    fan.burst = false;
    let done = Arc::new(AtomicBool::new(false));
    let uploader = {
        let (start, done, data) = (start.clone(), done.clone(), data.clone());
        tokio::spawn(async move {
            start.notified().await;
            let t0 = Instant::now();
            let (mut tx, mut rx) = host.split();
            let (mut sent, mut ok, mut failed) = (0usize, 0usize, 0usize);
            let mut first_error = String::new();
            while !done.load(Ordering::Acquire) || sent > ok + failed {
                while sent < ok + failed + inflight.max(1) && !done.load(Ordering::Acquire) {
                    if tx.send(upload(sent, &data)).await.is_err() {
                        return (ok, failed, t0.elapsed(), "send failed".to_string());
                    }
                    sent += 1;
                }
                match rx.next().await {
                    Some(Ok(Message::Text(t))) if t.contains(r#""type":"response""#) => {
                        if t.contains(r#""ok":true"#) {
                            ok += 1;
                        } else {
                            failed += 1;
                            if first_error.is_empty() {
                                first_error = t.chars().take(200).collect();
                            }
                        }
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                }
            }
            (ok, failed, t0.elapsed(), first_error)
        })
    };
    let fan_result = fanout::run(nodes, fan).await;
    done.store(true, Ordering::Release);
    let (ok, failed, took, first_error) = uploader.await.map_err(|e| e.to_string())?;
    let mut rep = fan_result?;
    let mut out = Report::new("upload");
    out.set("uploads_ok", ok)
        .set("uploads_failed", failed)
        .set("upload_error", first_error)
        .num("upload_s", took.as_secs_f64())
        .num("uploads_per_s", ok as f64 / took.as_secs_f64().max(1e-9))
        .set("inflight", inflight);
    rep.absorb_into(&mut out, "others");
    Ok(out)
}
