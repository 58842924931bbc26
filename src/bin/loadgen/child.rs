//! Relay processes the load tool starts itself (`restart`, `failover`): killed
//! with SIGKILL and reaped when dropped, so a run that fails half-way leaves no
//! relay behind.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A relay process started by the load tool.
pub struct Relay(Child);

impl Relay {
    /// Starts `bin` on 127.0.0.1:`port` with `args` after the address; it
    /// inherits the load tool's environment (the `POSECHRONO_SYNC_*` limits).
    ///
    /// # Errors
    /// When the binary cannot be started.
    pub fn spawn(bin: &Path, port: u16, args: &[&str]) -> Result<Relay, String> {
        Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(Relay)
            .map_err(|e| format!("spawn {}: {e}", bin.display()))
    }

    /// `kill -9`, then reaps it.
    pub fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until the relay accepts TCP connections.
///
/// # Errors
/// When it does not within 60 s.
pub async fn listening(addr: SocketAddr) -> Result<(), String> {
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Err(format!("the relay at {addr} did not listen within 60 s"))
}
