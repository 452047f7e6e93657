// Prints the gzipped size of the release dist/: everything a visitor
// downloads (wasm + js + css + html, the page's and the engine worker's
// files alike; budget 350 KB), and the worker's share of it.
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = new URL('../../dist/', import.meta.url).pathname;
let total = 0;
let worker = 0;
for (const name of await readdir(dist)) {
  if (!/\.(wasm|js|css|html)$/.test(name)) continue;
  const size = gzipSync(await readFile(join(dist, name)), { level: 9 }).length;
  total += size;
  if (name.startsWith('engine_worker')) worker += size;
}
if (worker === 0) throw new Error('size.mjs: no engine_worker files in dist/');
console.log(`SIZE dist_gzip_kb=${(total / 1024).toFixed(1)}`);
console.log(`SIZE worker_gzip_kb=${(worker / 1024).toFixed(1)}`);
