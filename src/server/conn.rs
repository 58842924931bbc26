//! One WebSocket connection: frames in to the actor, its queue out to the socket,
//! pings, an idle timeout and the close codes of PROTOCOL.md.

use super::actor::{Input, Outbound};
use super::Shared;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{interval, Instant, MissedTickBehavior};

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// Serves one upgraded socket until either side closes it.
pub(super) async fn serve(mut socket: WebSocket, shared: Shared, ip: String) {
    let conn = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    let cfg = shared.config.clone();
    let (tx, mut rx) = mpsc::channel(cfg.outbound_queue.max(1));
    let send = |input: Input| {
        shared
            .actor
            .lock()
            .map(|a| a.send(input).is_ok())
            .unwrap_or(false)
    };
    if !send(Input::Connect {
        conn,
        ip: ip.clone(),
        tx,
    }) {
        let _ = socket.send(close(1001, "server-shutdown")).await;
        return;
    }
    tracing::debug!(conn, %ip, "connection open");
    let mut ping = interval(Duration::from_millis(cfg.ping_interval_ms.max(1)));
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let idle = Duration::from_millis(cfg.idle_timeout_ms.max(1));
    let mut last_seen = Instant::now();
    let reason = loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(t))) => {
                    last_seen = Instant::now();
                    send(Input::Message { conn, bytes: t.as_str().as_bytes().to_vec() });
                }
                Some(Ok(Message::Binary(b))) => {
                    last_seen = Instant::now();
                    send(Input::Message { conn, bytes: b.to_vec() });
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => last_seen = Instant::now(),
                Some(Ok(Message::Close(_))) | None => break "closed by client",
                Some(Err(e)) => {
                    // tungstenite reports an oversized message as a capacity error.
                    if e.to_string().to_ascii_lowercase().contains("too") {
                        let _ = socket.send(close(1009, "message-too-big")).await;
                        break "message too big";
                    }
                    break "read error";
                }
            },
            out = rx.recv() => match out {
                Some(Outbound::Frame(text)) => {
                    if socket.send(Message::Text(text.as_ref().into())).await.is_err() {
                        break "write error";
                    }
                }
                Some(Outbound::Close(code, why)) => {
                    let _ = socket.send(close(code, why)).await;
                    break why;
                }
                None => {
                    // The actor dropped us: we could not keep up with our queue.
                    let _ = socket.send(close(1008, "slow-consumer")).await;
                    break "slow consumer";
                }
            },
            _ = ping.tick() => {
                if last_seen.elapsed() >= idle {
                    let _ = socket.send(close(1001, "idle-timeout")).await;
                    break "idle timeout";
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break "write error";
                }
            }
        }
    };
    send(Input::Disconnect { conn });
    tracing::debug!(conn, reason, "connection closed");
}
