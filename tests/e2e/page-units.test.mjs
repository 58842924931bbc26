// The demo page's pure helpers, in node (no browser): tolerant session-code entry
// and join links (www/js/code.js), every error code in words (www/js/errors.js,
// against the module's `SyncErrorCode` in pkg/online_sync.d.ts), and the download's
// speed / time left / stall bookkeeping (www/js/rate.js) on given times, not a clock.
//
//   node --test tests/e2e/page-units.test.mjs   (needs pkg/ for the error-code list)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { codeFromLocation, joinLink, normalizeCode } from "../../www/js/code.js";
import { ERROR_TEXT, describeError, describeJoinError } from "../../www/js/errors.js";
import { STALL_FILES_MS, STALL_MS, bytesOf, makeRate, noteBytes, rateNow, resetRate } from "../../www/js/rate.js";
import { ROOT } from "./helpers.mjs";

test("session codes: abcdefgh, ABCD EFGH, ' abcd-efgh ' and pasted links all read as ABCD-EFGH", () => {
  for (const typed of ["abcdefgh", "ABCD EFGH", " abcd-efgh ", "abcd - efgh", "ab cd ef gh", "ABCD-EFGH", "abcd\tefgh\n"]) {
    assert.equal(normalizeCode(typed), "ABCD-EFGH", JSON.stringify(typed));
  }
  assert.equal(normalizeCode("http://127.0.0.1:8787/#code=abcd-efgh"), "ABCD-EFGH");
  assert.equal(normalizeCode("https://x.example/?relay=wss%3A%2F%2Fr#code=ABCD-EFGH"), "ABCD-EFGH");
  assert.equal(normalizeCode("http://127.0.0.1:8787/?join=abcdefgh"), "ABCD-EFGH");
  // What cannot be read as a code goes on as typed (trimmed, upper case): the
  // module's strict validation says why (invalid-session-code / missing-session-code).
  assert.equal(normalizeCode(" abc "), "ABC");
  assert.equal(normalizeCode("abcd-efg"), "ABCD-EFG");
  assert.equal(normalizeCode("abcd-efghi"), "ABCD-EFGHI");
  assert.equal(normalizeCode(""), "");
  assert.equal(normalizeCode("   "), "");
});

test("join links: #code= on this page, ?relay= only for another relay; the older ?join= is read", () => {
  const loc = (href) => new URL(href);
  assert.equal(joinLink("ABCD-EFGH", "ws://h:1", "ws://h:1", loc("http://h:1/index.html?x=1")), "http://h:1/index.html#code=ABCD-EFGH");
  assert.equal(
    joinLink("ABCD-EFGH", "ws://other:2", "ws://h:1", loc("http://h:1/")),
    "http://h:1/?relay=ws%3A%2F%2Fother%3A2#code=ABCD-EFGH"
  );
  assert.equal(codeFromLocation(loc("http://h/#code=abcd-efgh")), "ABCD-EFGH");
  assert.equal(codeFromLocation(loc("http://h/?join=abcdefgh")), "ABCD-EFGH");
  assert.equal(codeFromLocation(loc("http://h/")), "");
});

test("every error code of the module has a plain sentence", () => {
  const dts = readFileSync(join(ROOT, "pkg", "online_sync.d.ts"), "utf8");
  const union = /export type SyncErrorCode =([\s\S]*?);/.exec(dts);
  assert.ok(union, "SyncErrorCode in pkg/online_sync.d.ts (run scripts/build-pkg.sh)");
  const codes = [...union[1].matchAll(/\|\s*"([a-z0-9-]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length > 40, `read ${codes.length} codes`);
  const missing = codes.filter((c) => !ERROR_TEXT[c]);
  assert.deepEqual(missing, [], "codes without a sentence in www/js/errors.js");
  for (const c of codes) assert.doesNotMatch(describeError(c), /Something went wrong/, c);
  // The codes that carry data.
  assert.match(describeError("session-media-incomplete:2/3"), /^Only 2 of 3 files/);
  assert.match(describeError("unknown-action:fooBar"), /fooBar/);
  // An empty password in a password room is not a "wrong" password.
  assert.match(describeJoinError("invalid-password", { passwordGiven: false }), /needs a password/);
  assert.match(describeJoinError("invalid-password", { passwordGiven: true }), /^Wrong password/);
});

test("download rate: speed and time left from byte counts; a stall after STALL_MS without a byte", () => {
  const r = makeRate();
  resetRate(r, 0);
  noteBytes(r, 100_000, 1000);
  noteBytes(r, 200_000, 2000);
  let now = rateNow(r, 1_000_000, 2000);
  assert.equal(Math.round(now.speed), 100_000, "100 kB over 2 s from 0 = 100 kB/s");
  assert.equal(Math.round(now.eta), 8, "800 kB left at 100 kB/s");
  assert.equal(now.stalledFor, 0);
  now = rateNow(r, 1_000_000, 2000 + STALL_MS);
  assert.ok(now.stalledFor >= STALL_MS, "no byte for STALL_MS");
  assert.ok(STALL_FILES_MS > STALL_MS, "per-file progress waits longer before it warns");
  // A new download (fewer bytes than before) starts the window over.
  noteBytes(r, 10, 50_000);
  assert.equal(rateNow(r, 100, 50_000).stalledFor, 0);
  // bytesFetched (chunked media) is followed when the module reports it.
  assert.equal(bytesOf({ bytesDone: 5, bytesFetched: 7 }), 7);
  assert.equal(bytesOf({ bytesDone: 5 }), 5);
});
