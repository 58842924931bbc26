//! `floor`: what one delivery costs with no relay at all. One bare `write()` of
//! the relay's frame size per delivery to each of N loopback TCP sockets, round
//! after round, timed with the writing thread's own CPU clock. Loopback receive
//! work runs in the writer's context and is charged to it, as it is to a relay.

use crate::procfs;
use crate::report::Report;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

/// Writes `frame` bytes `rounds` times to each of `sockets` sockets.
pub fn run(sockets: usize, rounds: usize, frame: usize) -> Result<Report, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut writers = Vec::with_capacity(sockets);
    let mut readers = Vec::with_capacity(sockets);
    for _ in 0..sockets {
        let w = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        let _ = w.set_nodelay(true);
        let (r, _) = listener.accept().map_err(|e| e.to_string())?;
        writers.push(w);
        readers.push(r);
    }
    // A frame like the relay's: a 4-byte WebSocket header and text.
    let mut bytes = vec![b'x'; frame.max(1)];
    bytes[0] = 0x81;
    // Readers are not read: rounds x frame stays far below a socket's receive buffer.
    let wall = Instant::now();
    let cpu0 = procfs::thread_cpu();
    let mut writes = 0u64;
    for _ in 0..rounds {
        for w in &mut writers {
            w.write_all(&bytes).map_err(|e| e.to_string())?;
            writes += 1;
        }
    }
    let cpu = procfs::thread_cpu().saturating_sub(cpu0);
    let wall = wall.elapsed();
    drop(readers);
    let mut rep = Report::new("floor");
    rep.set("sockets", sockets)
        .set("rounds", rounds)
        .set("frame_bytes", frame)
        .set("writes", writes)
        .num("writer_cpu_ms", cpu.as_secs_f64() * 1000.0)
        .num("wall_ms", wall.as_secs_f64() * 1000.0)
        .num(
            "cpu_us_per_write",
            cpu.as_secs_f64() * 1e6 / writes.max(1) as f64,
        );
    Ok(rep)
}
