// Transfer speed, time left and stalls, from the byte counts of `state.mediaDownload`.
// Pure bookkeeping: the caller feeds byte counts with the time (`performance.now()`).
//
// Bytes: `bytesFetched` when the module reports it (bytes received so far, chunks
// included, on our relay with chunked media), else `bytesDone` (bytes of verified
// files: it moves once per file today, so a long file shows no movement until done).

/** No byte for this long while downloading is a stall (it says so on the page). */
export const STALL_MS = 12000;
/**
 * Without `bytesFetched` the page sees bytes only when a file is finished, so a
 * large file on a slow link looks still: it waits longer before it warns, and says
 * "no file finished" rather than "nothing received".
 */
export const STALL_FILES_MS = 30000;
/** Speed is averaged over this window. */
const WINDOW_MS = 8000;

export function makeRate() {
  return { samples: [], lastChangeAt: 0, bytes: -1 };
}

/** The byte count the page follows. */
export function bytesOf(md) {
  return typeof md.bytesFetched === "number" ? md.bytesFetched : md.bytesDone;
}

/** Starts over (a new download). */
export function resetRate(rate, now) {
  rate.samples = [{ t: now, bytes: 0 }];
  rate.lastChangeAt = now;
  rate.bytes = 0;
}

/** Notes the byte count seen at `now`; only changes are kept. */
export function noteBytes(rate, bytes, now) {
  if (bytes === rate.bytes) return;
  if (bytes < rate.bytes) resetRate(rate, now);
  rate.bytes = bytes;
  rate.lastChangeAt = now;
  rate.samples.push({ t: now, bytes });
  while (rate.samples.length > 2 && rate.samples[1].t < now - WINDOW_MS) rate.samples.shift();
}

/**
 * `{speed, eta, stalledFor}`: bytes a second over the last few seconds (0 when not
 * known yet), seconds left at that speed (null when unknown), and how long no byte
 * has arrived (ms).
 */
export function rateNow(rate, total, now) {
  const first = rate.samples[0];
  const span = first ? (now - first.t) / 1000 : 0;
  const speed = first && span >= 0.5 ? Math.max(0, (rate.bytes - first.bytes) / span) : 0;
  const left = Math.max(0, total - Math.max(0, rate.bytes));
  const eta = speed > 0 ? left / speed : null;
  return { speed, eta, stalledFor: rate.lastChangeAt ? now - rate.lastChangeAt : 0 };
}

/** "12 s", "3 min 5 s", "1 h 2 min". */
export function fmtDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
