//! The relay binary as a child process, for bounds that are about the process:
//! its resident memory (`VmRSS` of `/proc/<pid>/status`), its file limit, its log.
//!
//! [`RelayChild::spawn`] starts `online-sync-relay` on `127.0.0.1:0` with every
//! relay variable of the test's own environment removed, reads the address it
//! prints, and collects stderr (the log) on a thread. Dropping it kills the child.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bound of the wait for the relay's first line (a hang guard).
const START_GUARD: Duration = Duration::from_secs(20);

/// A running relay binary.
pub struct RelayChild {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
    log: Arc<Mutex<String>>,
    /// The thread that collects stderr; joined by [`RelayChild::terminate`].
    reader: Option<std::thread::JoinHandle<()>>,
}

impl RelayChild {
    /// Starts the binary with these extra arguments and environment. `nofile`, when
    /// set, is the file limit the relay runs under (`ulimit -n`, soft and hard).
    pub fn spawn(args: &[&str], env: &[(&str, &str)], nofile: Option<u64>) -> RelayChild {
        let bin = env!("CARGO_BIN_EXE_online-sync-relay");
        let mut cmd = match nofile {
            Some(n) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(bin);
                c
            }
            None => Command::new(bin),
        };
        cmd.args(["--host", "127.0.0.1", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("PORT")
            .env("RUST_LOG", "online_sync=info")
            .env("POSECHRONO_SYNC_PASSWORD_HASH_LOG_N", "4");
        for (name, _) in std::env::vars() {
            if name.starts_with("POSECHRONO_SYNC_") && !name.ends_with("PASSWORD_HASH_LOG_N") {
                cmd.env_remove(name);
            }
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd.spawn().expect("spawn the relay binary");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                sink.lock().expect("log lock").push_str(&text);
            }
        });
        let line = rx.recv_timeout(START_GUARD).unwrap_or_default();
        let addr = line
            .trim()
            .strip_prefix("online-sync relay on ws://")
            .and_then(|a| a.parse().ok());
        let Some(addr) = addr else {
            let _ = child.kill();
            panic!("unexpected first line: {line:?}");
        };
        RelayChild {
            addr,
            child,
            log,
            reader: Some(reader),
        }
    }

    /// SIGTERM, then waits for the exit (hang guard 10 s) and for the whole log.
    pub fn terminate(&mut self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.expect("kill").success(), "SIGTERM to the relay");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().expect("wait").is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "hang guard: the relay did not exit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }

    /// Kills the process with SIGKILL (no shutdown, no flush) and waits for it.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL to the relay");
        let _ = self.child.wait();
    }

    /// The relay's resident memory now, bytes.
    pub fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the relay's /proc status");
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS line");
        kib * 1024
    }

    /// Open file descriptors of the relay now.
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    /// The relay's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the relay logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log lock").clone()
    }

    /// Whether the process still runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for RelayChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `n` MiB, in bytes.
pub const fn mib(n: u64) -> u64 {
    n * 1024 * 1024
}
