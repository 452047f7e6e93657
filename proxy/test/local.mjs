// The proxy on loopback for tests and the load test: the worker in workerd
// (miniflare), and fixture exchanges it is pointed at, answering from
// tests/fixtures/exchanges/ like the browser tests' routes do.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { fixtureFile } from '../../tests/fixtures/exchanges/answers.mjs';

const proxyDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixturesDir = join(proxyDir, '..', 'tests', 'fixtures', 'exchanges');
export const EXCHANGES = ['binance', 'bybit', 'okx', 'hyperliquid', 'dydx'];

/**
 * Fixture exchanges on 127.0.0.1: `/<exchange><path>` answers what the
 * exchange would at `<path>` after its base URL. Every request is recorded
 * in `requests`; `answerWith(fn)` lets a test answer instead (`fn(request)`
 * returns `{ status, headers, body }` or undefined for the fixture).
 * `latencyMs` delays every answer, as a distant exchange would.
 */
export async function startFixtureExchanges({ latencyMs = 0 } = {}) {
  const requests = [];
  let override = () => undefined;
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'http://fixture');
    const [, exchange, ...rest] = url.pathname.split('/');
    const path = `/${rest.join('/')}`;
    const request = { exchange, method: req.method, path, url: `${path}${url.search}`, headers: req.headers, body, at: Date.now() };
    requests.push(request);
    if (latencyMs) await new Promise((r) => setTimeout(r, latencyMs));
    const answer = override(request) ?? (await fixtureAnswer(exchange, path, body));
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    answerWith(fn) {
      override = fn;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function fixtureAnswer(exchange, path, body) {
  let parsed;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  const name = fixtureFile(exchange, path, parsed);
  if (!name) return { status: 404, body: '{"error":"no fixture"}' };
  return { body: await readFile(join(fixturesDir, name)) };
}

/** compatibility_date from wrangler.toml, so tests run what deploys. */
async function compatibilityDate() {
  const toml = await readFile(join(proxyDir, 'wrangler.toml'), 'utf8');
  return toml.match(/^compatibility_date\s*=\s*"([^"]+)"/m)[1];
}

/**
 * The worker in workerd, serving `origins` and `exchanges`, every exchange
 * sent to the fixture exchanges at `upstream`. `port` 0 picks a free one;
 * `nowMs` sets the worker's clock to that time now (it then runs on).
 * Returns `{ url, fetch(path, init), dispose }`.
 */
export async function startWorker({ upstream, origins, exchanges = EXCHANGES, port = 0, nowMs }) {
  const bindings = { ALLOWED_ORIGINS: origins.join(','), EXCHANGES: exchanges.join(',') };
  if (nowMs !== undefined) bindings.CLOCK_OFFSET_MS = String(nowMs - Date.now());
  for (const exchange of EXCHANGES) bindings[`UPSTREAM_${exchange.toUpperCase()}`] = `${upstream}/${exchange}`;
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(proxyDir, 'src', 'worker.js'),
    modulesRoot: proxyDir,
    modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }],
    compatibilityDate: await compatibilityDate(),
    bindings,
    host: '127.0.0.1',
    port,
  });
  let url;
  try {
    url = (await mf.ready).href.replace(/\/$/, '');
  } catch (error) {
    await mf.dispose(); // else workerd lives on and the test never ends
    throw error;
  }
  return {
    url,
    fetch: (path, init) => fetch(url + path, init),
    dispose: () => mf.dispose(),
  };
}
