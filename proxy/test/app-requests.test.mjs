// Every request the app can send passes the allowlist and goes upstream
// exactly as the app wrote it. The list comes from the app's own request
// builders (examples/app_requests.rs): a change there that the proxy does
// not follow fails here, not in a visitor's browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { checkRequest, DEFAULT_UPSTREAMS } from '../src/allowlist.js';

const repoRoot = join(import.meta.dirname, '..', '..');

test('the allowlist lets through every request the app sends, unchanged', () => {
  const lines = execFileSync('cargo', ['run', '--release', '--quiet', '--example', 'app_requests'], {
    cwd: repoRoot, encoding: 'utf8', maxBuffer: 256 * 2 ** 20,
  }).trim().split('\n');
  const kinds = new Set();
  for (const line of lines) {
    const { exchange, method, url, body } = JSON.parse(line);
    const base = DEFAULT_UPSTREAMS[exchange];
    assert.ok(url.startsWith(base), url);
    const checked = checkRequest(method, new URL(`/${exchange}${url.slice(base.length)}`, 'https://proxy.test'), body);
    assert.ok(checked.ok, `${method} ${url} ${body ?? ''}: ${checked.reason}`);
    const { route } = checked;
    assert.equal(`${base}${route.path}${route.query ? `?${route.query}` : ''}`, url);
    assert.equal(route.body, body);
    kinds.add(`${exchange} ${route.kind}`);
  }
  // Every exchange's instruments, series, funding and book were seen.
  for (const exchange of Object.keys(DEFAULT_UPSTREAMS)) {
    for (const kind of ['reference', 'candles', 'funding', 'book']) {
      assert.ok(kinds.has(`${exchange} ${kind}`), `${exchange} ${kind}`);
    }
  }
});
