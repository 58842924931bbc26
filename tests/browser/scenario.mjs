// One whole session, run inside a page by page.evaluate: the same code on the
// classic-script page (file://, `OnlineSync`) and on the ES-module page (http,
// `esModule`), so both builds are held to the same behaviour. Everything the
// function needs is in it or in its argument (page.evaluate sends its source).

/**
 * In the page: host, a wrong password, join, state published and seen, pack
 * published and fetched (hash checked with Web Crypto), one PNG published and
 * downloaded (start gate cleared), host leaves. `transport` is "mock" (a
 * MockRelay in the page) or "websocket" (the relay at `url`). Resolves with what
 * the test compares; every client is freed.
 */
export async function wholeSession({ transport, url, pack, tag }) {
  const api = window.OnlineSync ? await window.OnlineSync.ready : await window.esModule;
  const relay = transport === "mock" ? new api.MockRelay() : null;
  const make = (clientId) =>
    relay
      ? api.SyncClient.mock(relay, { clientId })
      : api.SyncClient.websocket(url, { clientId, requestTimeoutMs: 3000 });
  const host = make(`host-${tag}`);
  const guest = make(`guest-${tag}`);
  const statuses = [];
  const off = guest.subscribe((s) => {
    if (statuses.at(-1) !== s.status) statuses.push(s.status);
  });
  const until = async (what, predicate) => {
    const deadline = performance.now() + 5000;
    while (!predicate(guest.getState())) {
      if (performance.now() > deadline) throw new Error(`${what}: ${JSON.stringify(guest.getState())}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return guest.getState();
  };
  const hex = async (bytes) => {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  };
  const failure = async (promise) => {
    try {
      await promise;
      return { rejected: false };
    } catch (e) {
      return { rejected: true, isError: e instanceof Error, code: e.code };
    }
  };
  try {
    const hosted = await host.hostSession({ sessionName: "Gesture", controlMode: "shared-pause", password: "tiger" });
    const code = hosted.sessionCode;
    const missingCode = await failure(guest.joinSession({ sessionCode: "" }));
    const wrongPassword = await failure(guest.joinSession({ sessionCode: code, password: "lion" }));
    const joined = await guest.joinSession({ sessionCode: ` ${code.toLowerCase()} `, password: "tiger", displayName: "Ana" });

    await host.publishSessionState({ isPlaying: true, timeRemaining: 42, currentIndex: 1 });
    const seen = await until("the shared state", (s) => s.sharedSessionState?.timeRemaining === 42);

    const meta = await host.publishSessionPack(pack);
    await until("the pack meta", (s) => s.sessionPackMeta?.hash === meta.hash);
    const fetched = await guest.fetchSessionPack();
    const packDigest = await hex(new TextEncoder().encode(JSON.stringify(fetched.pack)));

    const canvas = new OffscreenCanvas(3, 2);
    const g = canvas.getContext("2d");
    g.fillStyle = "#c03";
    g.fillRect(0, 0, 3, 2);
    const png = new Uint8Array(await (await canvas.convertToBlob({ type: "image/png" })).arrayBuffer());
    const identity = pack.session.mediaOrderKeys[0];
    await host.publishSessionMediaFile({ identity, name: "pose.png", ext: "png", mime: "image/png", bytes: png });
    await until("the media meta", (s) => s.sessionMediaMeta && s.sessionMediaMeta.filesCount >= 1);
    const received = [];
    const summary = await guest.downloadSessionMedia({ onFile: (f) => received.push(f) });
    const files = [];
    for (const f of received) files.push({ identity: f.identity, digest: await hex(f.bytes), size: f.bytes.length });
    const gate = (await until("the start gate", (s) => !s.startGate.blocked)).startGate;

    await host.leaveSession();
    const ended = await until("the end of the session", (s) => s.status === "idle");
    return {
      page: { protocol: location.protocol, origin: self.origin, classic: Boolean(window.OnlineSync) },
      hosted: { status: hosted.status, role: hosted.role, codeOk: /^[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(code) },
      missingCode,
      wrongPassword,
      joined: { status: joined.status, role: joined.role, sessionCode: joined.sessionCode === code, count: joined.participantsCount },
      seen: { isPlaying: seen.sharedSessionState.isPlaying, currentIndex: seen.sharedSessionState.currentIndex },
      pack: { metaHash: meta.hash, fetchedHash: fetched.hash, digest: packDigest, keys: fetched.pack.session.mediaOrderKeys },
      media: { png: await hex(png), size: png.length, files, summary },
      gate: { blocked: gate.blocked, reason: gate.reason },
      ended: { status: ended.status, lastError: ended.lastError },
      statuses,
      stateKeys: Object.keys(ended).sort(),
    };
  } finally {
    off();
    host.free();
    guest.free();
    relay?.free();
  }
}
