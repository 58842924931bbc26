//! A connection's messages on their way to the shards, in the order they came.
//!
//! Each message is read (parsed, and a media upload's file checked: see
//! [`Prepared`]) off the shards' threads: a small one at once on the connection's
//! task, a large one (past [`ASIDE`]) on the blocking pool, so several uploads of
//! one client are read at once while the socket keeps being read, at most
//! `large_message_readers` of them in the whole relay (the rest of the machine
//! stays free for the other rooms). Messages leave
//! in arrival order: one waiting for its read holds back those behind it.
//! What waits here is bounded by the connection's inbound budget (each message
//! holds its permit until a shard has handled it). The blocking pool's threads run
//! at a lower priority ([`background_thread`]).

use super::route::{route, Route};
use super::ServerConfig;
use crate::relay::Prepared;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Bytes;

/// Messages longer than this are read on the blocking pool, bytes.
pub(super) const ASIDE: usize = 64 * 1024;

/// Lowers the calling blocking-pool thread to nice 10 (Linux, this thread only),
/// once: heavy work there (reading uploads, password hashes) yields the CPU to
/// the shards and IO threads, so other rooms keep their latency while a machine
/// is busy. A thread cannot raise its priority back without privileges; every
/// task of the blocking pool is such background work.
pub(super) fn background_thread() {
    thread_local!(static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    LOWERED.with(|done| {
        if !done.replace(true) {
            #[cfg(target_os = "linux")]
            // SAFETY: setpriority changes this thread's nice value only.
            unsafe {
                let tid = libc::gettid();
                libc::setpriority(libc::PRIO_PROCESS as _, tid as libc::id_t, 10);
            }
        }
    });
}

/// A message read and ready for its shard.
pub(super) struct Ready {
    pub route: Route,
    pub message: Box<Prepared>,
    pub permit: OwnedSemaphorePermit,
    /// The message as received, kept only on a relay node of a cluster (it may
    /// be forwarded to the node that owns its room).
    pub raw: Option<Bytes>,
}

enum Job {
    Done(Route, Box<Prepared>),
    Aside(JoinHandle<Option<(Route, Prepared)>>),
}

struct Waiting {
    permit: OwnedSemaphorePermit,
    job: Job,
    raw: Option<Bytes>,
}

/// The messages of one connection not yet handed to a shard.
pub(super) struct Inbound {
    /// The server's configuration, shared by every connection (its relay settings
    /// check uploads): nothing of it is copied per connection.
    config: Arc<ServerConfig>,
    /// Large reads running at once, shared by every connection.
    aside: Arc<Semaphore>,
    queue: VecDeque<Waiting>,
}

impl Inbound {
    pub fn new(config: Arc<ServerConfig>, aside: Arc<Semaphore>) -> Inbound {
        Inbound {
            config,
            aside,
            queue: VecDeque::new(),
        }
    }

    /// Whether a message waits for its read.
    pub fn is_waiting(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Takes one message in: read now, or started on the blocking pool (its
    /// route too: a large message is not even scanned on the IO thread).
    pub fn push(&mut self, bytes: Bytes, permit: OwnedSemaphorePermit) {
        let raw = self.config.cluster.is_some().then(|| bytes.clone());
        let job = if bytes.len() > ASIDE {
            let (config, aside) = (self.config.clone(), self.aside.clone());
            Job::Aside(tokio::spawn(async move {
                let _permit = aside.acquire_owned().await.ok()?;
                tokio::task::spawn_blocking(move || {
                    background_thread();
                    (route(&bytes), Prepared::read(&bytes, &config.relay))
                })
                .await
                .ok()
            }))
        } else {
            Job::Done(
                route(&bytes),
                Box::new(Prepared::read(&bytes, &self.config.relay)),
            )
        };
        self.queue.push_back(Waiting { permit, job, raw });
    }

    /// The oldest message, if it is read.
    pub fn pop_ready(&mut self) -> Option<Ready> {
        match self.queue.front()?.job {
            Job::Done(..) => {}
            Job::Aside(_) => return None,
        }
        let w = self.queue.pop_front()?;
        match w.job {
            Job::Done(route, message) => Some(Ready {
                route,
                message,
                permit: w.permit,
                raw: w.raw,
            }),
            Job::Aside(_) => None,
        }
    }

    /// Waits until the oldest message is read (cancel-safe). `false` when its
    /// read failed (the relay is shutting down); pending forever when none waits.
    pub async fn wait_front(&mut self) -> bool {
        let Some(front) = self.queue.front_mut() else {
            return std::future::pending().await;
        };
        if let Job::Aside(handle) = &mut front.job {
            match handle.await {
                Ok(Some((route, m))) => front.job = Job::Done(route, Box::new(m)),
                Ok(None) | Err(_) => return false,
            }
        }
        true
    }
}
