// Attacks on a relay process, with its peak resident memory (VmRSS of
// /proc/<pid>/status) and what happened: the table of BENCHMARKS.md
// ("Relay under hostile clients"). Raw TCP and hand-made WebSocket frames only
// (node's `net`), so the same client runs against any relay.
//
//   node scripts/attack-bench.mjs <relay-binary> [node-relay-dir]
//
// With a node-relay dir (a checkout of the deployed relay, with
// scripts/sync-relay-server.js and node_modules/ws), each attack runs against it
// too, the same way; without one the comparison is skipped and says so.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

const MIB = 1024 * 1024;
const CODE = "ABCD-EFGH";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (b) => (b / MIB).toFixed(1);

function rss(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(s)[1]) * 1024;
  } catch {
    return 0;
  }
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function health(port, timeoutMs = 5000) {
  const t = Date.now();
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: "127.0.0.1" });
    let data = "";
    const done = (ok) => {
      sock.destroy();
      resolve({ ok, ms: Date.now() - t });
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on("error", () => done(false));
    sock.on("connect", () =>
      sock.write("GET /health HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n"),
    );
    sock.on("data", (d) => {
      data += d;
      if (data.includes('"ok":true')) done(true);
    });
    sock.on("end", () => done(data.startsWith("HTTP/1.1 200")));
  });
}

/** Starts a relay: `kind` is "ours" (binary) or "node" (deployed relay dir). */
async function startRelay(kind, target, nofile) {
  const port = await freePort();
  const cmd =
    kind === "ours"
      ? [target, "--host", "127.0.0.1", "--port", String(port)]
      : [process.execPath, path.join(target, "scripts/sync-relay-server.js"), "--host", "127.0.0.1", "--port", String(port)];
  const quoted = cmd.map((a) => `'${a}'`).join(" ");
  const shell = nofile ? `ulimit -n ${nofile} && exec ${quoted}` : `exec ${quoted}`;
  const env = { ...process.env, RUST_LOG: "online_sync=warn" };
  for (const k of Object.keys(env)) if (k.startsWith("POSECHRONO_SYNC_")) delete env[k];
  const child = spawn("sh", ["-c", shell], { env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => {
    log += d;
    if (log.length > 1 << 20) log = log.slice(-(1 << 19));
  });
  for (let i = 0; i < 100; i += 1) {
    if ((await health(port, 500)).ok) break;
    await sleep(100);
  }
  await sleep(300);
  return {
    port,
    pid: child.pid,
    log: () => log,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      child.kill("SIGKILL");
      await sleep(200);
    },
  };
}

/** A masked client frame. */
function frame(opcode, payload) {
  const p = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const key = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  let head;
  if (p.length <= 125) head = Buffer.from([0x80 | opcode, 0x80 | p.length]);
  else if (p.length <= 0xffff) {
    head = Buffer.alloc(4);
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(p.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(p.length), 2);
  }
  const body = Buffer.allocUnsafe(p.length);
  for (let i = 0; i < p.length; i += 1) body[i] = p[i] ^ key[i & 3];
  return Buffer.concat([head, key, body]);
}

/** A WebSocket client on a raw socket: upgrade, then frames in and out. */
function wsConnect(port, localAddress) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: "127.0.0.1", localAddress });
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const ws = {
      sock,
      frames: [],
      partial: null,
      closed: null,
      waiters: [],
      send: (text) => sock.write(frame(1, text)),
    };
    const parse = () => {
      while (buf.length >= 2) {
        let len = buf[1] & 0x7f;
        let at = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          at = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          at = 10;
        }
        if (buf.length < at + len) return;
        const buf0 = buf[0];
        const opcode = buf0 & 0x0f;
        const payload = buf.subarray(at, at + len);
        buf = buf.subarray(at + len);
        const fin = (buf0 & 0x80) !== 0;
        if (opcode === 8) ws.closed = `close ${payload.length >= 2 ? payload.readUInt16BE(0) : "-"} ${payload.subarray(2)}`;
        // A text message may come in fragments (a first frame without FIN, then
        // continuation frames): kept until the last one, as a WebSocket client does.
        else if (opcode === 1 || (opcode === 0 && ws.partial)) {
          (ws.partial ||= []).push(Buffer.from(payload));
          if (fin) {
            ws.frames.push(Buffer.concat(ws.partial).toString());
            ws.partial = null;
          }
        }
        for (const w of ws.waiters.splice(0)) w();
      }
    };
    sock.on("error", (e) => {
      ws.closed = ws.closed || `error ${e.code}`;
      if (!upgraded) reject(e);
      for (const w of ws.waiters.splice(0)) w();
    });
    sock.on("close", () => {
      ws.closed = ws.closed || "closed without a close frame";
      for (const w of ws.waiters.splice(0)) w();
    });
    sock.on("connect", () =>
      sock.write(
        "GET / HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      ),
    );
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        upgraded = true;
        buf = buf.subarray(end + 4);
        resolve(ws);
      }
      parse();
    });
  });
}

let nextId = 0;
/** Sends a request and waits for its response (events are dropped). */
async function request(ws, action, payload, timeoutMs = 30000) {
  const id = String(++nextId);
  ws.send(JSON.stringify({ type: "request", id, action, payload }));
  const until = Date.now() + timeoutMs;
  for (;;) {
    while (ws.frames.length) {
      const f = ws.frames.shift();
      if (f.includes(`"id":"${id}"`) && f.includes('"type":"response"')) return JSON.parse(f);
    }
    if (ws.closed || Date.now() > until) return { ok: false, error: ws.closed || "timeout" };
    await new Promise((r) => {
      ws.waiters.push(r);
      setTimeout(r, 200);
    });
  }
}

/** A relay past this is killed, so one attack cannot take the machine down. */
const RSS_CEILING = 2048 * MIB;

async function sampled(relay, f) {
  const before = rss(relay.pid);
  let peak = before;
  let killed = false;
  const timer = setInterval(() => {
    peak = Math.max(peak, rss(relay.pid));
    if (peak > RSS_CEILING && !killed) {
      killed = true;
      relay.stop();
    }
  }, 100);
  try {
    const outcome = await f();
    const note = killed ? `KILLED at ${mib(RSS_CEILING)} MiB RSS; ` : "";
    return { before, peak: Math.max(peak, rss(relay.pid)), outcome: note + outcome };
  } finally {
    clearInterval(timer);
  }
}

const attacks = {
  async "ping flood (15 s, never reads, reconnects)"(relay) {
    return sampled(relay, async () => {
      const batch = Buffer.concat(Array.from({ length: 2000 }, () => frame(9, Buffer.alloc(125, 112))));
      const until = Date.now() + 15000;
      let conns = 0;
      let ended = 0;
      while (Date.now() < until) {
        let ws;
        try {
          ws = await wsConnect(relay.port);
        } catch {
          await sleep(100);
          continue;
        }
        conns += 1;
        ws.sock.pause();
        while (!ws.closed && Date.now() < until) {
          if (!ws.sock.write(batch)) await new Promise((r) => { ws.sock.once("drain", r); setTimeout(r, 1000); });
        }
        if (ws.closed) ended += 1;
        ws.sock.destroy();
      }
      return `${conns} connection(s), ${ended} ended by the relay`;
    });
  },

  async "stalled handshakes (150 addresses x 10, ulimit -n 1024)"(relay) {
    return sampled(relay, async () => {
      const socks = [];
      const opened = Date.now();
      for (let a = 0; a < 150; a += 1) {
        for (let i = 0; i < 10; i += 1) {
          const s = net.connect({ port: relay.port, host: "127.0.0.1", localAddress: `127.0.${10 + (a >> 6)}.${1 + (a & 63)}` });
          const rec = { s, closedAt: 0 };
          s.on("connect", () => s.write("GET / HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\n"));
          s.on("error", () => {});
          s.on("close", () => (rec.closedAt = Date.now()));
          socks.push(rec);
        }
      }
      await sleep(1000);
      const probes = [];
      for (let i = 0; i < 20; i += 1) {
        probes.push(await health(relay.port, 5000));
        await sleep(200);
      }
      const fast = probes.filter((p) => p.ok && p.ms <= 1000).length;
      while (Date.now() - opened < 40000 && socks.some((r) => !r.closedAt)) await sleep(250);
      const open = socks.filter((r) => !r.closedAt).length;
      const last = Math.max(...socks.map((r) => r.closedAt || Date.now())) - opened;
      for (const r of socks) r.s.destroy();
      const ms = probes.map((p) => (p.ok ? p.ms : "x")).join(" ");
      return `/health within 1 s: ${fast}/20 (ms: ${ms}); still open at 40 s: ${open}/${socks.length}; last closed after ${(last / 1000).toFixed(1)} s`;
    });
  },

  async "3 members stop reading, host publishes 4 MB states"(relay) {
    const host = await wsConnect(relay.port);
    const created = await request(host, "createRoom", {
      sessionCode: CODE, hostClientId: "host-1", sessionName: "Bench", controlMode: "shared-pause", password: "", hostDisplayName: "Host",
    });
    if (!created.ok) return { before: 0, peak: 0, outcome: `createRoom failed: ${created.error}` };
    const members = [];
    for (let i = 0; i < 3; i += 1) {
      const m = await wsConnect(relay.port);
      await request(m, "joinRoom", { sessionCode: CODE, clientId: `slow-${i}`, password: "", participantName: `slow ${i}` });
      m.sock.pause();
      members.push(m);
    }
    const r = await sampled(relay, async () => {
      let published = 0;
      let failed = "";
      for (let rev = 0; rev < 30; rev += 1) {
        const keys = Array.from({ length: 30000 }, (_, i) => `${rev}k${String(i).padStart(120, "0")}`);
        const reply = await request(host, "updateSessionState", {
          sessionCode: CODE, payload: { sessionActive: true, isPlaying: true, currentIndex: 0, mediaOrderKeys: keys },
        });
        if (!reply.ok) {
          failed = reply.error;
          break;
        }
        published += 1;
        await sleep(60);
      }
      const snap = await request(host, "getRoomSnapshot", { sessionCode: CODE });
      const left = snap.ok ? snap.result.participantsCount : `? (${snap.error})`;
      return `${published} states published${failed ? ` (then ${failed})` : ""}; participants left in the room: ${left}`;
    });
    for (const m of members) m.sock.destroy();
    host.sock.destroy();
    return r;
  },

  async "8 sockets send one 20 MiB message, then idle 10 s"(relay) {
    const before = rss(relay.pid);
    let peak = before;
    const pad = "x".repeat(20 * MIB - 200);
    const base = JSON.stringify({ type: "request", id: "9", action: "getRoomSnapshot", payload: { sessionCode: CODE, pad: "" } });
    const text = base.replace('"pad":""', `"pad":"${pad}"`).slice(0, 20 * MIB);
    const body = text.length === 20 * MIB ? text : text + " ".repeat(20 * MIB - text.length);
    const socks = [];
    let replies = 0;
    for (let i = 0; i < 8; i += 1) {
      const ws = await wsConnect(relay.port);
      ws.sock.write(frame(1, body));
      const until = Date.now() + 30000;
      while (!ws.frames.length && !ws.closed && Date.now() < until) await sleep(50);
      if (ws.frames.length) replies += 1;
      peak = Math.max(peak, rss(relay.pid));
      socks.push(ws);
    }
    await sleep(10000);
    const after = rss(relay.pid);
    for (const s of socks) s.sock.destroy();
    return { before, peak: Math.max(peak, after), outcome: `${replies}/8 replied; 10 s later: +${mib(after - before)} MiB over the start` };
  },

  async "one frame of 20 MiB + 1 byte, written whole before reading"(relay) {
    return sampled(relay, async () => {
      const ws = await wsConnect(relay.port);
      const written = await new Promise((resolve) => {
        ws.sock.write(frame(1, Buffer.alloc(20 * MIB + 1, 32)), (err) => resolve(err ? `write failed (${err.code})` : "written"));
      });
      const until = Date.now() + 10000;
      while (!ws.closed && Date.now() < until) await sleep(50);
      ws.sock.destroy();
      return `${written}; then: ${ws.closed || "nothing within 10 s"}`;
    });
  },
};

async function main() {
  const [bin, nodeDir] = process.argv.slice(2);
  if (!bin) {
    console.error("usage: node scripts/attack-bench.mjs <relay-binary> [node-relay-dir]");
    process.exit(2);
  }
  const relays = [["ours", bin]];
  if (nodeDir && fs.existsSync(path.join(nodeDir, "scripts/sync-relay-server.js"))) relays.push(["node", nodeDir]);
  else console.log("(deployed Node relay: comparison SKIPPED; pass its checkout as the second argument / NODE_RELAY_DIR)");
  console.log("| attack | relay | RSS at start (MiB) | peak RSS (MiB) | outcome | relay alive after |");
  console.log("|---|---|---|---|---|---|");
  for (const [name, run] of Object.entries(attacks)) {
    for (const [kind, target] of relays) {
      const relay = await startRelay(kind, target, name.includes("ulimit") ? 1024 : undefined);
      let r;
      try {
        r = await run(relay);
      } catch (e) {
        r = { before: 0, peak: 0, outcome: `bench error: ${e.message}` };
      }
      const alive = relay.alive() && (await health(relay.port, 5000)).ok;
      console.log(`| ${name} | ${kind} | ${mib(r.before)} | ${mib(r.peak)} | ${r.outcome} | ${alive ? "yes" : "NO"} |`);
      await relay.stop();
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
