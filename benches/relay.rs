//! Relay benchmarks over real sockets, against the release relay binary:
//! - connections held and memory per idle connection;
//! - fan-out latency of a host state update to every member, 100 rooms x 10 members;
//! - media upload-to-download throughput for a 2 MiB file;
//! - latency of other requests while rooms with passwords are created (scrypt),
//!   hashes off the relay-core thread (2 workers, the default) and inline (0).
//!
//! Run: `cargo bench --bench relay` (prints figures; `BENCH_OUT=path` also writes them as Markdown).

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Relay {
    child: Child,
    url: String,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_relay() -> Relay {
    start_relay_with(&[])
}

fn start_relay_with(env: &[(&str, &str)]) -> Relay {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_online-sync-relay"))
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .env("POSECHRONO_SYNC_MAX_CONNECTIONS", "5000")
        .env("POSECHRONO_SYNC_MAX_CONNECTIONS_PER_IP", "5000")
        .env("POSECHRONO_SYNC_MAX_ROOMS", "1000")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .spawn()
        .expect("relay binary");
    // Owned at once, so a failed start still kills and reaps the child.
    let relay = Relay {
        child,
        url: format!("ws://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return relay;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("relay did not start");
}

fn rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn request(ws: &mut Ws, id: &str, action: &str, payload: Value) -> Value {
    let frame = json!({"type": "request", "id": id, "action": action, "payload": payload});
    ws.send(Message::text(frame.to_string())).await.unwrap();
    loop {
        let msg = ws.next().await.expect("open").expect("frame");
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["type"] == "response" && v["id"] == id {
                assert_eq!(v["ok"], true, "{action}: {v}");
                return v["result"].clone();
            }
        }
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn idle_connections(relay: &Relay, n: usize) -> String {
    let pid = relay.child.id();
    let before = rss_kib(pid);
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        held.push(connect_async(&relay.url).await.unwrap().0);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(pid);
    let per = (after.saturating_sub(before)) as f64 * 1024.0 / n as f64;
    drop(held);
    format!("| idle connections held | {n} |\n| relay RSS before / after | {before} KiB / {after} KiB |\n| memory per idle connection | {:.1} KiB |\n", per / 1024.0)
}

async fn fan_out(relay: &Relay, rooms: usize, members: usize, rounds: usize) -> String {
    let mut hosts = Vec::new();
    let mut guests: Vec<Ws> = Vec::new();
    for r in 0..rooms {
        let code = format!("R{:03}-ROOM", r);
        let mut h = connect_async(&relay.url).await.unwrap().0;
        request(
            &mut h,
            "1",
            "createRoom",
            json!({"sessionCode": code, "hostClientId": format!("h{r}")}),
        )
        .await;
        for m in 1..members {
            let mut g = connect_async(&relay.url).await.unwrap().0;
            request(
                &mut g,
                "1",
                "joinRoom",
                json!({"sessionCode": code, "clientId": format!("g{r}-{m}")}),
            )
            .await;
            guests.push(g);
        }
        hosts.push((code, h));
    }
    // Drain join events the hosts and early guests received.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut lat = Vec::new();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Instant)>();
    let mut readers = Vec::new();
    for mut g in guests {
        let tx = tx.clone();
        readers.push(tokio::spawn(async move {
            while let Some(msg) = g.next().await {
                let t = match msg {
                    Ok(Message::Text(t)) => t,
                    Ok(_) => continue,
                    Err(e) => {
                        eprintln!("guest socket error: {e}");
                        break;
                    }
                };
                let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                if v["event"]["type"] == "session-state-updated" {
                    let round = v["event"]["state"]["currentIndex"].as_u64().unwrap_or(0);
                    let _ = tx.send((round, Instant::now()));
                }
            }
        }));
    }
    let expected = rooms * (members - 1);
    for round in 0..rounds {
        let mut sent = Vec::new();
        for (i, (code, h)) in hosts.iter_mut().enumerate() {
            let state = json!({"isPlaying": true, "timeRemaining": 60, "currentIndex": round});
            let frame = json!({"type": "request", "id": format!("s{round}-{i}"), "action": "updateSessionState",
                "payload": {"sessionCode": code, "payload": state}});
            sent.push(Instant::now());
            h.send(Message::text(frame.to_string())).await.unwrap();
        }
        let t0 = sent[0];
        let mut got = 0;
        while got < expected {
            let Ok(Some((r, at))) = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await
            else {
                panic!("round {round}: {got} of {expected} receivers got the update");
            };
            if r as usize == round {
                lat.push(at.duration_since(t0).as_secs_f64() * 1000.0);
                got += 1;
            }
        }
        for (_, h) in hosts.iter_mut() {
            // Consume the host's own event + reply so its socket never backs up.
            let mut n = 0;
            while n < 2 {
                if let Some(Ok(Message::Text(_))) = h.next().await {
                    n += 1;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    // The guests' sockets close with the scenario, not when the relay stops later.
    for reader in readers {
        reader.abort();
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    format!(
        "| rooms x members | {rooms} x {members} ({} receivers per round, {rounds} rounds) |\n| fan-out latency p50 | {:.2} ms |\n| fan-out latency p99 | {:.2} ms |\n| fan-out latency max | {:.2} ms |\n",
        expected, pct(&lat, 0.5), pct(&lat, 0.99), lat[lat.len() - 1]
    )
}

async fn media_throughput(relay: &Relay, runs: usize) -> String {
    let mut h = connect_async(&relay.url).await.unwrap().0;
    let mut g = connect_async(&relay.url).await.unwrap().0;
    request(
        &mut h,
        "1",
        "createRoom",
        json!({"sessionCode": "MEDI-A001", "hostClientId": "host"}),
    )
    .await;
    request(
        &mut g,
        "1",
        "joinRoom",
        json!({"sessionCode": "MEDI-A001", "clientId": "guest"}),
    )
    .await;
    let mut bytes = vec![0u8; 2 * 1024 * 1024];
    bytes[..8].copy_from_slice(&[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
    for (i, b) in bytes.iter_mut().enumerate().skip(8) {
        *b = (i * 31 % 251) as u8;
    }
    let b64 = online_sync::validate::media::to_base64(&bytes);
    let sha = online_sync::validate::digest::sha256_hex(&bytes);
    let mut times = Vec::new();
    for run in 0..runs {
        let t0 = Instant::now();
        let file = json!({"identity": "big", "name": "big.png", "ext": "png", "mime": "image/png",
            "size": bytes.len(), "sha256": sha, "dataBase64": b64});
        request(
            &mut h,
            &format!("u{run}"),
            "uploadSessionMediaFile",
            json!({"sessionCode": "MEDI-A001", "file": file}),
        )
        .await;
        let r = request(
            &mut g,
            &format!("d{run}"),
            "getSessionMediaFile",
            json!({"sessionCode": "MEDI-A001", "identity": "big"}),
        )
        .await;
        assert_eq!(r["file"]["sha256"], sha);
        times.push(t0.elapsed().as_secs_f64());
        // Drain the guest's broadcast of the upload.
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(20), g.next()).await {}
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(20), h.next()).await {}
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let med = pct(&times, 0.5);
    format!(
        "| 2 MiB upload then download, median of {runs} | {:.1} ms ({:.1} MiB/s end to end) |\n",
        med * 1000.0,
        2.0 / med
    )
}

/// A session code from the generator's alphabet for `n`.
fn code_for(prefix: &str, n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let tail: String = (0..4)
        .map(|i| ALPHABET[(n >> (5 * i)) % 32] as char)
        .collect();
    format!("{prefix}-{tail}")
}

/// `hashers` connections create and leave password rooms back to back (one scrypt
/// hash each, deployed cost) for `secs`; meanwhile a probe asks for its own room's
/// snapshot every 30 ms (under the per-socket rate). The probe's latency, with `workers` hash workers.
async fn password_stall(workers: usize, hashers: usize, secs: u64) -> String {
    let relay = start_relay_with(&[(
        "POSECHRONO_SYNC_PASSWORD_HASH_WORKERS",
        &workers.to_string(),
    )]);
    let mut probe = connect_async(&relay.url).await.unwrap().0;
    request(
        &mut probe,
        "p0",
        "createRoom",
        json!({"sessionCode": "PRBE-2345", "hostClientId": "probe"}),
    )
    .await;
    let until = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for h in 0..hashers {
        let url = relay.url.clone();
        tasks.push(tokio::spawn(async move {
            let mut ws = connect_async(&url).await.unwrap().0;
            let mut n = 0;
            while Instant::now() < until {
                let code = code_for(&format!("PW{}{}", (b'A' + (h / 26) as u8) as char, (b'A' + (h % 26) as u8) as char), n);
                let p = json!({"sessionCode": code, "hostClientId": format!("h{h}"), "password": "s3cret-pass"});
                request(&mut ws, &format!("c{n}"), "createRoom", p).await;
                request(&mut ws, &format!("l{n}"), "leaveRoom", json!({"sessionCode": code})).await;
                n += 1;
                // Under the per-socket message rate (45/s).
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            n
        }));
    }
    let mut lat = Vec::new();
    let mut i = 0;
    while Instant::now() < until {
        i += 1;
        let t = Instant::now();
        request(
            &mut probe,
            &format!("s{i}"),
            "getRoomSnapshot",
            json!({"sessionCode": "PRBE-2345"}),
        )
        .await;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let mut hashes = 0;
    for t in tasks {
        hashes += t.await.unwrap();
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    format!(
        "| password rooms created with {workers} hash workers ({hashers} creators, {secs} s): {hashes} hashes; probe latency p50 / p99 / max | {:.2} / {:.2} / {:.2} ms |\n",
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0)
    )
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let relay = start_relay();
    let machine = format!(
        "{} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |s| s.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_string())
            )
            .unwrap_or_default()
    );
    let mut out = format!("Relay binary (release) on 127.0.0.1, clients in one tokio process; machine: {machine}.\n\n| measure | value |\n|---|---|\n");
    rt.block_on(async {
        out += &idle_connections(&relay, 1000).await;
        out += &fan_out(&relay, 100, 10, 20).await;
        out += &media_throughput(&relay, 7).await;
        out += &password_stall(2, 4, 5).await;
        out += &password_stall(0, 4, 5).await;
    });
    println!("{out}");
    if let Ok(path) = std::env::var("BENCH_OUT") {
        std::fs::write(path, &out).unwrap();
    }
}
