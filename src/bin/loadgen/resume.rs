//! Clients with resume (our relay's extension): enter a room and keep the
//! token, then resume with it on a new socket after the relay went away.

use crate::net::{self, Dialer, Ws};
use futures_util::SinkExt;
use serde_json::json;
use std::time::{Duration, Instant};

/// How long a client keeps trying to resume.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// What a resuming client tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Only a refused connection (the relay is starting again); an error reply
    /// is final.
    Connect,
    /// Any failure, an error reply included (a cluster node waiting for a dead
    /// owner's lease to expire may answer `transport-unavailable`).
    Any,
}

/// One client's token: connect, hello, create (`m == 0`) or join room `r`.
///
/// # Errors
/// When the relay refuses or sends no token (it is not ours).
pub async fn enter(d: &Dialer, r: usize, m: usize) -> Result<(String, Ws), String> {
    let mut ws = d.connect().await?;
    ws.send(net::hello()).await.map_err(|e| e.to_string())?;
    let reply = if m == 0 {
        net::create(&mut ws, r).await?
    } else {
        net::join(&mut ws, r, m).await?
    };
    let token = reply["resumeToken"]
        .as_str()
        .ok_or("no resumeToken: is this our relay?")?
        .to_string();
    Ok((token, ws))
}

/// Connects, sends the hello and `resumeSession` with `token`, trying again
/// as `retry` says for up to [`PATIENCE`]; returns the resumed socket.
///
/// # Errors
/// The last failure once it may not try again.
pub async fn resume(d: &Dialer, token: &str, retry: Retry) -> Result<Ws, String> {
    let until = Instant::now() + PATIENCE;
    loop {
        let error = match d.connect().await {
            Ok(mut ws) => {
                ws.send(net::hello()).await.map_err(|e| e.to_string())?;
                let p = json!({"resumeToken": token});
                match net::call(&mut ws, "r", "resumeSession", p).await {
                    Ok(_) => return Ok(ws),
                    Err(e) if retry == Retry::Connect => return Err(e),
                    Err(e) => e,
                }
            }
            Err(e) => e,
        };
        if Instant::now() > until {
            return Err(error);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
