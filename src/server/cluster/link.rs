//! The node's async connection to Redis: one multiplexed connection, made again
//! with backoff when it fails; every command has a timeout and is counted
//! (`/metrics`), and the state is kept for `/health`.

use redis::aio::MultiplexedConnection;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Backoff between reconnects: from this, doubling...
const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// ...up to this.
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// What `/health` and `/metrics` say of Redis.
#[derive(Debug, Default)]
pub struct RedisHealth {
    /// Whether the last command (or connect) succeeded.
    pub up: AtomicBool,
    /// Commands and pipelines sent (round trips).
    pub round_trips: AtomicU64,
    /// Commands, pipelines and connects that failed or timed out.
    pub errors: AtomicU64,
    /// Messages published to other nodes.
    pub published: AtomicU64,
    /// Messages received from other nodes.
    pub received: AtomicU64,
    /// A call failed since [`RedisHealth::take_failed`] last looked (writes may
    /// be missing: the gateway writes every room again).
    failed_since: AtomicBool,
}

impl RedisHealth {
    /// Counts a failed call.
    pub fn fail(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.up.store(false, Ordering::Relaxed);
        self.failed_since.store(true, Ordering::Release);
    }

    /// Whether a call failed since the last look.
    pub fn take_failed(&self) -> bool {
        self.failed_since.swap(false, Ordering::AcqRel)
    }
}

/// A failed Redis call.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// Redis is not reachable (connect failed, or waiting before the next try).
    #[error("redis unreachable")]
    Down,
    /// The command took longer than the timeout.
    #[error("redis command timed out")]
    Timeout,
    /// Redis answered with an error, or the connection broke.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
}

struct State {
    conn: Option<MultiplexedConnection>,
    next_try: Instant,
    backoff: Duration,
}

/// The connection, shared by the node's tasks.
#[derive(Clone)]
pub struct Link {
    client: redis::Client,
    state: Arc<tokio::sync::Mutex<State>>,
    timeout: Duration,
    pub health: Arc<RedisHealth>,
}

impl Link {
    /// A link to `url` (nothing is connected yet).
    pub fn new(url: &str, timeout_ms: u64) -> Result<Link, LinkError> {
        Ok(Link {
            client: redis::Client::open(url)?,
            state: Arc::new(tokio::sync::Mutex::new(State {
                conn: None,
                next_try: Instant::now(),
                backoff: BACKOFF_MIN,
            })),
            timeout: Duration::from_millis(timeout_ms.max(10)),
            health: Arc::new(RedisHealth::default()),
        })
    }

    /// The client (for the pub/sub connection).
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// The command timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn conn(&self) -> Result<MultiplexedConnection, LinkError> {
        let mut s = self.state.lock().await;
        if let Some(c) = &s.conn {
            return Ok(c.clone());
        }
        if Instant::now() < s.next_try {
            return Err(LinkError::Down);
        }
        let made =
            tokio::time::timeout(self.timeout, self.client.get_multiplexed_async_connection())
                .await;
        match made {
            Ok(Ok(c)) => {
                s.conn = Some(c.clone());
                s.backoff = BACKOFF_MIN;
                Ok(c)
            }
            other => {
                s.next_try = Instant::now() + s.backoff;
                s.backoff = (s.backoff * 2).min(BACKOFF_MAX);
                self.failed();
                Err(match other {
                    Ok(Err(e)) => LinkError::Redis(e),
                    _ => LinkError::Timeout,
                })
            }
        }
    }

    fn failed(&self) {
        self.health.fail();
    }

    async fn broken(&self) {
        let mut s = self.state.lock().await;
        s.conn = None;
        s.next_try = Instant::now() + s.backoff;
        s.backoff = (s.backoff * 2).min(BACKOFF_MAX);
    }

    /// Runs one command (or pipeline) with the timeout.
    pub async fn query<T: redis::FromRedisValue>(
        &self,
        run: impl FnOnce(
            MultiplexedConnection,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = redis::RedisResult<T>> + Send>,
        >,
    ) -> Result<T, LinkError> {
        let conn = self.conn().await?;
        self.health.round_trips.fetch_add(1, Ordering::Relaxed);
        match tokio::time::timeout(self.timeout, run(conn)).await {
            Ok(Ok(v)) => {
                self.health.up.store(true, Ordering::Relaxed);
                Ok(v)
            }
            Ok(Err(e)) => {
                self.failed();
                if e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error() {
                    self.broken().await;
                }
                Err(LinkError::Redis(e))
            }
            Err(_) => {
                self.failed();
                self.broken().await;
                Err(LinkError::Timeout)
            }
        }
    }

    /// Runs `cmd` and reads its reply as `T`.
    pub async fn cmd<T: redis::FromRedisValue + Send + 'static>(
        &self,
        cmd: redis::Cmd,
    ) -> Result<T, LinkError> {
        self.query(move |mut c| Box::pin(async move { cmd.query_async(&mut c).await }))
            .await
    }

    /// Runs `pipe` and reads its replies as `T`.
    pub async fn pipe<T: redis::FromRedisValue + Send + 'static>(
        &self,
        pipe: redis::Pipeline,
    ) -> Result<T, LinkError> {
        self.query(move |mut c| Box::pin(async move { pipe.query_async(&mut c).await }))
            .await
    }
}

/// Whether a shared `Mutex` is still usable (it is never poisoned by our code).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
