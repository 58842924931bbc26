//! Issue 13 over real sockets: the client core, driven over a real WebSocket, against
//! the relay binary. A 20 MiB image publishes and downloads end to end in chunks;
//! a connection cut in the middle of the download (and of the upload), through a TCP
//! proxy in the test, costs only the unfinished chunks: the bytes that crossed the
//! proxy stay under 1.5x the file.
#![cfg(not(target_arch = "wasm32"))]

#[path = "net/child.rs"]
mod child;

use child::RelayChild;
use futures_util::{SinkExt, StreamExt};
use online_sync::client::{ClientCore, ClientOutput, HostOptions, JoinOptions, LocalMediaFile};
use online_sync::client::{OpId, OpValue};
use online_sync::validate::media::MediaFile;
use online_sync::{ClientSettings, SyncError};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const MIB: usize = 1024 * 1024;
const CODE: &str = "MEDI-A013";
/// A hang guard for a whole transfer, never a pass/fail criterion on speed.
const GUARD: Duration = Duration::from_secs(120);

/// A PNG-signed file of `len` bytes.
fn image(len: usize, seed: u32) -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut x = seed | 1;
    b.extend((8..len).map(|_| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x as u8
    }));
    b
}

/// A TCP proxy that counts the bytes it carries each way and can cut every
/// connection it holds.
struct Proxy {
    addr: SocketAddr,
    /// Where new connections go (a restarted relay listens elsewhere).
    upstream: Arc<Mutex<SocketAddr>>,
    /// Bytes relay -> client, client -> relay.
    down: Arc<AtomicU64>,
    up: Arc<AtomicU64>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (down, up) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let target = Arc::new(Mutex::new(upstream));
        let (d, u, c, t) = (down.clone(), up.clone(), conns.clone(), target.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let to = *t.lock().expect("upstream");
                let Ok(relay) = TcpStream::connect(to).await else {
                    continue;
                };
                let (d, u) = (d.clone(), u.clone());
                let task = tokio::spawn(async move {
                    let (mut cr, mut cw) = client.into_split();
                    let (mut rr, mut rw) = relay.into_split();
                    let to_relay = copy(&mut cr, &mut rw, u);
                    let to_client = copy(&mut rr, &mut cw, d);
                    tokio::select! { _ = to_relay => {}, _ = to_client => {} }
                });
                c.lock().expect("conns").push(task);
            }
        });
        Proxy {
            addr,
            upstream: target,
            down,
            up,
            conns,
        }
    }

    /// Drops every connection at once (both ends see the TCP connection go).
    fn cut(&self) {
        for t in self.conns.lock().expect("conns").drain(..) {
            t.abort();
        }
    }
}

async fn copy(
    from: &mut (impl AsyncReadExt + Unpin),
    to: &mut (impl AsyncWriteExt + Unpin),
    count: Arc<AtomicU64>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 || to.write_all(&buf[..n]).await.is_err() {
            return;
        }
        count.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// One client core on a real WebSocket to `addr`.
struct Driver {
    core: ClientCore,
    addr: SocketAddr,
    ws: Option<WebSocketStream<MaybeTlsStream<TcpStream>>>,
    start: Instant,
    done: HashMap<OpId, Result<OpValue, SyncError>>,
    files: Vec<MediaFile>,
    next_op: OpId,
}

impl Driver {
    fn new(id: &str, addr: SocketAddr) -> Driver {
        let settings = ClientSettings {
            reconnect_base_ms: 200,
            ..ClientSettings::default()
        };
        Driver {
            core: ClientCore::new(Some(id.into()), settings, [3; 16]),
            addr,
            ws: None,
            start: Instant::now(),
            done: HashMap::new(),
            files: Vec::new(),
            next_op: 1,
        }
    }

    fn now(&self) -> u64 {
        1_800_000_000_000 + self.start.elapsed().as_millis() as u64
    }

    /// Carries out what the core asks for.
    async fn drain(&mut self) {
        while let Some(out) = self.core.poll_output() {
            let now = self.now();
            match out {
                ClientOutput::Connect => {
                    let url = format!("ws://{}", self.addr);
                    match tokio_tungstenite::connect_async(url).await {
                        Ok((ws, _)) => {
                            self.ws = Some(ws);
                            self.core.handle_connected(now);
                        }
                        Err(_) => self.core.handle_connect_failed(now),
                    }
                }
                ClientOutput::Disconnect => self.ws = None,
                ClientOutput::Send(text) => self.send(Message::text(text)).await,
                ClientOutput::SendBinary(bytes) => self.send(Message::binary(bytes)).await,
                ClientOutput::Done { op, result } => {
                    self.done.insert(op, result);
                }
                ClientOutput::MediaFile { file, .. } => self.files.push(file),
                ClientOutput::CacheGet { op, sha256 } => {
                    self.core.handle_cache(op, &sha256, None, now)
                }
                ClientOutput::StateChanged => {}
            }
        }
    }

    async fn send(&mut self, m: Message) {
        if let Some(ws) = &mut self.ws {
            if ws.send(m).await.is_err() {
                self.ws = None;
                let now = self.now();
                self.core.handle_disconnected(now);
            }
        }
    }

    /// Starts a command.
    fn start_op(&mut self, f: impl FnOnce(&mut ClientCore, OpId, u64)) -> OpId {
        let op = self.next_op;
        self.next_op += 1;
        let now = self.now();
        f(&mut self.core, op, now);
        op
    }

    /// Runs until `op` completes, calling `watch` after every input.
    async fn run(
        &mut self,
        op: OpId,
        mut watch: impl FnMut(&ClientCore),
    ) -> Result<OpValue, SyncError> {
        let limit = Instant::now() + GUARD;
        loop {
            self.drain().await;
            watch(&self.core);
            if let Some(r) = self.done.remove(&op) {
                return r;
            }
            assert!(Instant::now() < limit, "op {op} hung");
            let wake = self.core.poll_timeout().map(|t| {
                let ms = t.saturating_sub(self.now());
                Instant::now() + Duration::from_millis(ms)
            });
            let sleep = tokio::time::sleep_until(wake.unwrap_or(limit));
            let msg = async {
                match &mut self.ws {
                    Some(ws) => ws.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                m = msg => {
                    let now = self.now();
                    match m {
                        Some(Ok(Message::Text(t))) => self.core.handle_frame(t.as_str(), now),
                        Some(Ok(Message::Binary(b))) => self.core.handle_binary(&b, now),
                        Some(Ok(_)) => {}
                        Some(Err(_)) | None => {
                            self.ws = None;
                            self.core.handle_disconnected(now);
                        }
                    }
                }
                () = sleep => {
                    let now = self.now();
                    self.core.handle_timeout(now);
                }
            }
        }
    }

    async fn call(
        &mut self,
        f: impl FnOnce(&mut ClientCore, OpId, u64),
    ) -> Result<OpValue, SyncError> {
        let op = self.start_op(f);
        self.run(op, |_| {}).await
    }
}

async fn session(relay: SocketAddr, guest_addr: SocketAddr) -> (Driver, Driver) {
    let mut host = Driver::new("host-1", relay);
    let opts = HostOptions {
        session_code: Some(CODE.into()),
        ..HostOptions::default()
    };
    host.call(|c, op, now| c.host_session(op, opts, [1; 8], now))
        .await
        .expect("host");
    let mut guest = Driver::new("guest-1", guest_addr);
    let opts = JoinOptions {
        session_code: CODE.into(),
        ..JoinOptions::default()
    };
    guest
        .call(|c, op, now| c.join_session(op, opts, now))
        .await
        .expect("join");
    (host, guest)
}

fn local(bytes: Vec<u8>) -> LocalMediaFile {
    LocalMediaFile {
        identity: "photo-1".into(),
        name: "photo.png".into(),
        ext: "png".into(),
        mime: String::new(),
        bytes,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_20_mib_image_end_to_end_and_a_cut_mid_download_costs_only_the_unfinished_chunks() {
    let relay = RelayChild::spawn(&[], &[], None);
    let proxy = Proxy::start(relay.addr).await;
    let (mut host, mut guest) = session(relay.addr, proxy.addr).await;
    let bytes = image(20 * MIB, 11);
    let published = host
        .call(|c, op, now| c.publish_session_media_file(op, local(bytes.clone()), now))
        .await
        .expect("publish");
    assert!(
        matches!(published, OpValue::Published { uploaded_bytes, .. } if uploaded_bytes == bytes.len() as u64),
        "{published:?}"
    );

    let before = proxy.down.load(Ordering::Relaxed);
    let op = guest.start_op(|c, op, now| c.download_session_media(op, now));
    let mut cut = false;
    let r = guest
        .run(op, |core| {
            if !cut && core.state().media_download.bytes_done >= 10 * MIB as u64 {
                cut = true;
                proxy.cut();
            }
        })
        .await;
    assert!(cut, "the connection was cut mid-file");
    assert_eq!(
        r.expect("the download finished after the cut"),
        OpValue::Downloaded {
            files: 1,
            bytes: bytes.len() as u64
        }
    );
    assert_eq!(guest.files.pop().expect("the file").bytes(), &bytes[..]);
    let carried = proxy.down.load(Ordering::Relaxed) - before;
    eprintln!(
        "download: {carried} bytes crossed the proxy for {} file bytes",
        bytes.len()
    );
    assert!(
        carried < bytes.len() as u64 * 3 / 2,
        "{carried} bytes crossed for a {} byte file",
        bytes.len()
    );
    let md = &guest.core.state().media_download;
    assert!(md.bytes_fetched < bytes.len() as u64 * 3 / 2);
    assert_eq!(md.bytes_done, bytes.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_cut_mid_file_goes_on_from_what_the_relay_holds() {
    let relay = RelayChild::spawn(&[], &[], None);
    let proxy = Proxy::start(relay.addr).await;
    // The host goes through the proxy this time.
    let (mut guest, mut host) = {
        let mut host = Driver::new("host-1", proxy.addr);
        let opts = HostOptions {
            session_code: Some(CODE.into()),
            ..HostOptions::default()
        };
        host.call(|c, op, now| c.host_session(op, opts, [1; 8], now))
            .await
            .expect("host");
        let mut guest = Driver::new("guest-1", relay.addr);
        let opts = JoinOptions {
            session_code: CODE.into(),
            ..JoinOptions::default()
        };
        guest
            .call(|c, op, now| c.join_session(op, opts, now))
            .await
            .expect("join");
        (guest, host)
    };
    let bytes = image(12 * MIB, 12);
    let before = proxy.up.load(Ordering::Relaxed);
    let op =
        host.start_op(|c, op, now| c.publish_session_media_file(op, local(bytes.clone()), now));
    let mut cut = false;
    let r = host
        .run(op, |core| {
            if !cut && core.state().media_upload.bytes_done >= 6 * MIB as u64 {
                cut = true;
                proxy.cut();
            }
        })
        .await
        .expect("the upload finished after the cut");
    assert!(cut);
    let OpValue::Published { uploaded_bytes, .. } = r else {
        panic!("{r:?}")
    };
    assert!(
        uploaded_bytes < bytes.len() as u64 * 3 / 2,
        "{uploaded_bytes}"
    );
    let carried = proxy.up.load(Ordering::Relaxed) - before;
    eprintln!("upload: {carried} bytes crossed, uploadedBytes {uploaded_bytes}");
    assert!(carried < bytes.len() as u64 * 3 / 2, "{carried}");
    guest
        .call(|c, op, now| c.download_session_media(op, now))
        .await
        .expect("download");
    assert_eq!(guest.files.pop().expect("file").bytes(), &bytes[..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_goes_on_after_a_relay_restart_with_its_data_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8 path").to_string();
    let relay = RelayChild::spawn(&["--data-dir", &data], &[], None);
    let proxy = Proxy::start(relay.addr).await;
    let mut host = Driver::new("host-1", proxy.addr);
    let opts = HostOptions {
        session_code: Some(CODE.into()),
        ..HostOptions::default()
    };
    host.call(|c, op, now| c.host_session(op, opts, [1; 8], now))
        .await
        .expect("host");
    let bytes = image(10 * MIB, 13);
    let op =
        host.start_op(|c, op, now| c.publish_session_media_file(op, local(bytes.clone()), now));
    let mut relay = Some(relay);
    let mut killed_at = None;
    let up_at_kill = AtomicU64::new(0);
    let r = host
        .run(op, |core| {
            if killed_at.is_none() && core.state().media_upload.bytes_done >= 5 * MIB as u64 {
                killed_at = Some(core.state().media_upload.bytes_done);
                // Past the write-behind window, then kill -9 and start again on the dir.
                std::thread::sleep(Duration::from_millis(400));
                drop(relay.take());
                proxy.cut();
                up_at_kill.store(proxy.up.load(Ordering::Relaxed), Ordering::Relaxed);
                let again = RelayChild::spawn(&["--data-dir", &data], &[], None);
                *proxy.upstream.lock().expect("upstream") = again.addr;
                relay = Some(again);
            }
        })
        .await
        .expect("the upload finished on the restarted relay");
    let held = killed_at.expect("the relay was restarted mid-upload");
    let OpValue::Published { uploaded_bytes, .. } = r else {
        panic!("{r:?}")
    };
    let after = proxy.up.load(Ordering::Relaxed) - up_at_kill.load(Ordering::Relaxed);
    eprintln!(
        "restart at {held} B acknowledged; {after} B crossed after it; uploadedBytes {uploaded_bytes} of {}",
        bytes.len()
    );
    // What the restarted relay had kept on disk was not sent again.
    assert!(after < bytes.len() as u64 - held + MIB as u64, "{after}");
    assert_eq!(uploaded_bytes, bytes.len() as u64);
    let mut guest = Driver::new("guest-1", proxy.addr);
    let opts = JoinOptions {
        session_code: CODE.into(),
        ..JoinOptions::default()
    };
    guest
        .call(|c, op, now| c.join_session(op, opts, now))
        .await
        .expect("join");
    guest
        .call(|c, op, now| c.download_session_media(op, now))
        .await
        .expect("download");
    assert_eq!(guest.files.pop().expect("file").bytes(), &bytes[..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_goes_on_after_a_relay_restart_with_its_data_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8 path").to_string();
    let relay = RelayChild::spawn(&["--data-dir", &data], &[], None);
    let proxy = Proxy::start(relay.addr).await;
    let (mut host, mut guest) = session(relay.addr, proxy.addr).await;
    let bytes = image(16 * MIB, 14);
    host.call(|c, op, now| c.publish_session_media_file(op, local(bytes.clone()), now))
        .await
        .expect("publish");
    drop(host);
    // Past the write-behind window: the file is on disk.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let before = proxy.down.load(Ordering::Relaxed);
    let op = guest.start_op(|c, op, now| c.download_session_media(op, now));
    let mut relay = Some(relay);
    let mut restarted = false;
    let r = guest
        .run(op, |core| {
            if !restarted && core.state().media_download.bytes_done >= 8 * MIB as u64 {
                restarted = true;
                drop(relay.take());
                proxy.cut();
                let again = RelayChild::spawn(&["--data-dir", &data], &[], None);
                *proxy.upstream.lock().expect("upstream") = again.addr;
                relay = Some(again);
            }
        })
        .await;
    assert!(restarted);
    assert_eq!(
        r.expect("the download finished on the restarted relay"),
        OpValue::Downloaded {
            files: 1,
            bytes: bytes.len() as u64
        }
    );
    assert_eq!(guest.files.pop().expect("file").bytes(), &bytes[..]);
    let carried = proxy.down.load(Ordering::Relaxed) - before;
    eprintln!(
        "download across a relay restart: {carried} B crossed for {}",
        bytes.len()
    );
    assert!(carried < bytes.len() as u64 * 3 / 2, "{carried}");
}
