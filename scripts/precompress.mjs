// Prepares a served copy of the demo page (www/ + pkg/) for the relay's static
// serving (src/server/static_files.rs):
//
// 1. hashAssets: `pkg/online_sync_bg.wasm` is copied to
//    `pkg/online_sync_bg.<first 16 hex of its SHA-256>.wasm` and `pkg/online_sync.js`
//    is pointed at that name, so the relay can serve the large wasm as immutable
//    (cached for a year) while `online_sync.js` and `index.html` are revalidated.
// 2. precompress: every text or wasm file gets `NAME.br` (brotli, quality 11) and
//    `NAME.gz` (gzip -9) beside it when they are smaller; the relay serves them to
//    clients that accept them.
//
//   node scripts/precompress.mjs DIR      (scripts/build-site.sh runs it)
import { createHash } from "node:crypto";
import { readFile, readdir, stat, writeFile, copyFile } from "node:fs/promises";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const COMPRESSIBLE = /\.(html|js|mjs|css|wasm|json|svg|txt|map|ts|md)$/i;

/** Names the wasm by its content hash and points the glue at it. Returns the new name, or "". */
export async function hashAssets(dir) {
  const pkg = join(dir, "pkg");
  const glue = join(pkg, "online_sync.js");
  let js;
  let wasm;
  try {
    [js, wasm] = await Promise.all([readFile(glue, "utf8"), readFile(join(pkg, "online_sync_bg.wasm"))]);
  } catch {
    return "";
  }
  const ref = "'online_sync_bg.wasm'";
  if (js.split(ref).length !== 2) return ""; // the glue changed shape: leave it as built
  const name = `online_sync_bg.${createHash("sha256").update(wasm).digest("hex").slice(0, 16)}.wasm`;
  await copyFile(join(pkg, "online_sync_bg.wasm"), join(pkg, name));
  await writeFile(glue, js.replace(ref, `'${name}'`));
  return name;
}

async function* files(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

/**
 * Writes `.br` and `.gz` beside each compressible file of `dir`. Returns `[path, raw,
 * br, gz]` rows. `quality`: brotli's, 11 (smallest) by default; tests use less.
 */
export async function precompress(dir, { quality = 11 } = {}) {
  const rows = [];
  for await (const path of files(dir)) {
    if (!COMPRESSIBLE.test(path)) continue;
    const raw = await readFile(path);
    const br = brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: quality,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    });
    const gz = gzipSync(raw, { level: 9 });
    if (br.length < raw.length) await writeFile(`${path}.br`, br);
    if (gz.length < raw.length) await writeFile(`${path}.gz`, gz);
    rows.push([path, raw.length, br.length, gz.length]);
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir || !(await stat(dir).catch(() => null))) {
    console.error("usage: node scripts/precompress.mjs DIR");
    process.exit(2);
  }
  const hashed = await hashAssets(dir);
  if (hashed) console.log(`precompress: wasm served as pkg/${hashed} (immutable)`);
  for (const [path, raw, br, gz] of await precompress(dir)) {
    if (raw > 20000) console.log(`precompress: ${path.slice(dir.length + 1)} ${raw} B, br ${br} B, gz ${gz} B`);
  }
}
