// Prints the gzipped size of the release dist/ (wasm + js + css + html).
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = new URL('../../dist/', import.meta.url).pathname;
let total = 0;
for (const name of await readdir(dist)) {
  if (/\.(wasm|js|css|html)$/.test(name)) total += gzipSync(await readFile(join(dist, name)), { level: 9 }).length;
}
console.log(`SIZE dist_gzip_kb=${(total / 1024).toFixed(1)}`);
