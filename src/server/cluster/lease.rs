//! Room leases: which node owns a room, as Lua scripts run atomically in Redis.
//!
//! A lease is the owner node's id under `os:lease:<code>`, with an expiry. It is
//! taken only when absent ([`acquire`]), renewed only by its holder ([`RENEW`]),
//! and every write of the room is fenced by it ([`PUT`], [`DELETE`]).

use super::keys;
use super::link::{Link, LinkError};

/// An `EVAL` of `script` with `keys` and then `args` (Redis caches the compiled
/// script by its hash; the scripts are a few hundred bytes).
pub fn eval(script: &str, keys: &[String]) -> redis::Cmd {
    let mut c = redis::cmd("EVAL");
    c.arg(script).arg(keys.len()).arg(keys);
    c
}

/// Renews a lease. `KEYS`: lease, room. `ARGV`: node, ms, young (the room may
/// not be written yet), may_retake (the holder renewed within its lease).
/// Returns 1: held (renewed; or taken again after Redis lost it, e.g. a Redis
/// restarted without its data: nobody else can have taken it meanwhile, as the
/// holder lets its rooms go before its lease could expire); 2: released (no room
/// behind it any more, past its young time); 0: lost (another node holds it, or
/// it is gone and may not be taken again).
pub const RENEW: &str = r"local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  if ARGV[3] == '1' or redis.call('EXISTS', KEYS[2]) == 1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
  end
  redis.call('DEL', KEYS[1])
  return 2
end
if not v and ARGV[4] == '1' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0";

/// Stores a room's record while the lease is held. `KEYS`: lease, room, then the
/// media keys the record references. `ARGV`: node, record, media ttl ms, room
/// ttl ms. Returns 1: stored; 0: refused (the lease is not this node's).
pub const PUT: &str = r"if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
for i = 3, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return 1";

/// Deletes a room's record while the lease is held. `KEYS`: lease, room.
/// `ARGV`: node. Returns 1: deleted; 0: refused. The lease stays until the next
/// renewal finds no room behind it ([`RENEW`] returns 2): a room created again
/// with the same code meanwhile keeps its owner.
pub const DELETE: &str = r"if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
return 1";

/// Who owns `code`: the node id, or `None`.
pub async fn owner(link: &Link, code: &str) -> Result<Option<String>, LinkError> {
    link.cmd(redis::cmd("GET").arg(keys::lease(code)).to_owned())
        .await
}

/// Takes the lease of `code` for `node` if nobody holds it; `true` when taken.
pub async fn acquire(link: &Link, code: &str, node: &str, ms: u64) -> Result<bool, LinkError> {
    let set: Option<String> = link
        .cmd(
            redis::cmd("SET")
                .arg(keys::lease(code))
                .arg(node)
                .arg("NX")
                .arg("PX")
                .arg(ms)
                .to_owned(),
        )
        .await?;
    Ok(set.is_some())
}

/// What a renewal found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewed {
    /// Still this node's.
    Held,
    /// Released: no room behind it.
    Released,
    /// Another node's now, or gone.
    Lost,
}

/// One lease to renew.
pub struct Renewal<'a> {
    /// The room.
    pub code: &'a str,
    /// Taken recently: its room may not be written yet.
    pub young: bool,
    /// Renewed within its lease time: may be taken again if Redis lost it.
    pub may_retake: bool,
}

/// Renews every lease in one round trip.
pub async fn renew(
    link: &Link,
    node: &str,
    ms: u64,
    leases: &[Renewal<'_>],
) -> Result<Vec<Renewed>, LinkError> {
    if leases.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    for l in leases {
        let mut c = eval(RENEW, &[keys::lease(l.code), keys::room(l.code)]);
        c.arg(node)
            .arg(ms)
            .arg(if l.young { "1" } else { "0" })
            .arg(if l.may_retake { "1" } else { "0" });
        pipe.add_command(c);
    }
    let got: Vec<i64> = link.pipe(pipe).await?;
    Ok(got
        .into_iter()
        .map(|n| match n {
            1 => Renewed::Held,
            2 => Renewed::Released,
            _ => Renewed::Lost,
        })
        .collect())
}
