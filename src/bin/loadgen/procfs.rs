//! What the load tool reads about a process and itself: a relay's CPU time and
//! resident memory from `/proc/<pid>`, and the calling thread's CPU clock.

use std::time::Duration;

/// CPU time of every thread of `pid` so far: `utime + stime` of `/proc/<pid>/stat`
/// (clock ticks, 10 ms here), and the sum of `/proc/<pid>/task/*/schedstat` run
/// times (ns; threads that already ended are not in it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    /// `utime + stime`.
    pub ticks: Duration,
    /// Summed per-thread run time.
    pub sched: Duration,
}

impl Cpu {
    /// Reads both clocks of `pid`; zero when unreadable.
    pub fn of(pid: u32) -> Cpu {
        Cpu {
            ticks: ticks(pid).unwrap_or_default(),
            sched: sched(pid).unwrap_or_default(),
        }
    }

    /// The CPU spent between `self` (earlier) and `later`: the per-thread run
    /// time when it is readable, else the tick count.
    pub fn spent_until(&self, later: &Cpu) -> Duration {
        let sched = later.sched.saturating_sub(self.sched);
        let ticks = later.ticks.saturating_sub(self.ticks);
        if sched.is_zero() {
            ticks
        } else {
            sched
        }
    }
}

fn ticks(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let utime: u64 = f.get(11)?.parse().ok()?;
    let stime: u64 = f.get(12)?.parse().ok()?;
    // SAFETY: sysconf reads a constant of the system.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let hz = u64::try_from(hz).ok().filter(|&h| h > 0)?;
    Some(Duration::from_nanos((utime + stime) * 1_000_000_000 / hz))
}

fn sched(pid: u32) -> Option<Duration> {
    let mut total = 0u64;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let Ok(task) = task else { continue };
        let path = task.path().join("schedstat");
        if let Ok(s) = std::fs::read_to_string(path) {
            total += s
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    Some(Duration::from_nanos(total))
}

/// Resident memory of `pid`, bytes (`VmRSS` of `/proc/<pid>/status`); 0 if unreadable.
pub fn rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the struct we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Raises this process's soft file limit to its hard limit; returns the new soft limit.
pub fn raise_file_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        lim.rlim_cur = lim.rlim_max;
        let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
    }
    lim.rlim_cur
}
