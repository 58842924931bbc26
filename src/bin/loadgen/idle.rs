//! `idle`: N sockets that each exchange one small request and reply, then stay
//! open and silent; the relay's resident memory per socket.

use crate::net::{self, Dialer};
use crate::procfs;
use crate::report::Report;
use serde_json::json;
use std::time::{Duration, Instant};

/// Opens `n` sockets, waits `settle`, reads the relay's RSS; `(before, after)`.
pub async fn run(dialer: &Dialer, pid: u32, n: usize, settle: Duration) -> Result<Report, String> {
    let before = procfs::rss(pid);
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let d = dialer.clone();
        tasks.push(tokio::spawn(async move {
            let mut ws = d.connect().await?;
            // One small exchange: what a client does first.
            let p = json!({"sessionCode": "IDLE-0000"});
            let _ = net::call(&mut ws, "1", "getRoomSnapshot", p).await;
            Ok::<_, String>(ws)
        }));
    }
    let mut open = Vec::with_capacity(n);
    let mut failed = 0usize;
    let mut first_error = String::new();
    for t in tasks {
        match t.await.map_err(|e| e.to_string())? {
            Ok(ws) => open.push(ws),
            Err(e) => {
                failed += 1;
                if first_error.is_empty() {
                    first_error = e;
                }
            }
        }
    }
    let opened = start.elapsed();
    tokio::time::sleep(settle).await;
    let after = procfs::rss(pid);
    let per = after.saturating_sub(before) as f64 / open.len().max(1) as f64;
    let mut rep = Report::new("idle");
    rep.set("sockets", n)
        .set("open", open.len())
        .set("failed", failed)
        .set("first_error", first_error)
        .num("open_s", opened.as_secs_f64())
        .set("relay_rss_before_kib", before / 1024)
        .set("relay_rss_after_kib", after / 1024)
        .num("kib_per_socket", per / 1024.0);
    drop(open);
    Ok(rep)
}
