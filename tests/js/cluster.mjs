// TRANSPORT=cluster (tests/js/helpers.mjs): one relay of the scenario suites is
// three relay binaries (`--redis-url`) on a Redis of its own, started on free
// ports and stopped with the relay. The relay object is the one of
// `TRANSPORT=websocket`, plus `urls`, `ports` and `nextUrl()` (the node of the
// next client: in turn).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Nodes per relay. */
export const NODES = 3;

/**
 * A `redis-server` on a free port. Without `persist` it keeps nothing on disk (it
 * lives as long as the relay); with it, every write goes to its append-only file
 * first, so `restart()` (kill -9, then the same port and dir) keeps its data, as a
 * production Redis with persistence does.
 */
export async function startRedis({ persist = false } = {}) {
  const { closedPort } = await import("../browser/helpers.mjs");
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), "online-sync-redis-"));
  const aof = persist ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
  let child;
  let exited;
  let log = "";
  const up = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...aof, "--dir", dir], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr.on("data", (chunk) => (log += chunk));
    exited = new Promise((r) => child.once("exit", r));
    const onExit = () => child.kill("SIGKILL");
    process.once("exit", onExit);
    exited.then(() => process.off("exit", onExit));
    const deadline = Date.now() + 10000;
    for (;;) {
      const answers = await new Promise((ok) => {
        const s = tcpConnect(port, "127.0.0.1", () => {
          s.end();
          ok(true);
        });
        s.on("error", () => ok(false));
      });
      if (answers) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not start on ${port}:\n${log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const down = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  await up();
  return {
    url: `redis://127.0.0.1:${port}`,
    /** kill -9, then start again on the same port and dir. */
    async restart() {
      await down();
      await up();
    },
    async kill() {
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Whether `env` sets a limit counted per node (connections in total or per
 * address): such a relay sends every client to its first node, where the limit
 * is the one the test means (docs/cluster.md: per-node limits).
 */
function perNodeLimit(env) {
  const perIp = env.POSECHRONO_SYNC_MAX_CONNECTIONS_PER_IP;
  return "POSECHRONO_SYNC_MAX_CONNECTIONS" in env || (perIp !== undefined && perIp !== "100000");
}

/** Three nodes on one new Redis (`redis`: its options), with the relay options `env`. */
export async function startCluster(env, redisOptions = {}) {
  // Every node and the Redis add an exit hook (tests/browser/helpers.mjs).
  process.setMaxListeners(Math.max(process.getMaxListeners(), 100));
  const oneNode = perNodeLimit(env);
  const { startRelay } = await import("../browser/helpers.mjs");
  const redis = await startRedis(redisOptions);
  const nodes = [];
  for (let i = 0; i < NODES; i++) {
    nodes.push(await startRelay({ env: { ...env, POSECHRONO_SYNC_REDIS_URL: redis.url, POSECHRONO_SYNC_NODE_ID: `node-${i}` } }));
  }
  let next = 0;
  return {
    port: nodes[0].port,
    ports: nodes.map((n) => n.port),
    url: nodes[0].wsUrl,
    wsUrl: nodes[0].wsUrl,
    urls: nodes.map((n) => n.wsUrl),
    httpUrl: nodes[0].httpUrl,
    nodes,
    redis,
    nextUrl() {
      if (oneNode) return nodes[0].wsUrl;
      const url = nodes[next % nodes.length].wsUrl;
      next += 1;
      return url;
    },
    log: () => nodes.map((n, i) => `--- node-${i}\n${n.log()}`).join("\n"),
    async kill() {
      await Promise.all(nodes.map((n) => n.kill()));
      await redis.kill();
    },
  };
}
