// Browser test harness: serves the release build with the tests' hooks
// (`make build-e2e`: target/e2e-dist/) on a free loopback port, drives
// Debian's Chromium with playwright-core, routes every exchange host to
// fixtures or a failure (no test ever reaches the internet), and fails a
// test on any console error, page error or wasm panic.
import { createServer } from 'node:http';
import { readFile, mkdir, stat } from 'node:fs/promises';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const distDir = join(repoRoot, 'target', 'e2e-dist');
export const fixturesDir = join(repoRoot, 'tests', 'fixtures');
export const screenshotDir = join(repoRoot, 'target', 'e2e-screenshots');

/** Hosts the app may talk to; every request to them is answered here. */
export const EXCHANGE_HOSTS = [
  'fapi.binance.com', 'fstream.binance.com',
  'api.bybit.com', 'stream.bybit.com',
  'www.okx.com', 'ws.okx.com',
  'api.hyperliquid.xyz',
  'indexer.dydx.trade',
];

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Serves a build on 127.0.0.1 at a free port; unknown paths get index.html.
 * As a static host does: each file with an ETag, revalidated on every use
 * (`no-cache`: a rebuilt file is never served stale), a 304 when unchanged. */
export async function startServer(root = distDir) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = join(root, path.endsWith('/') ? 'index.html' : path);
    try {
      const found = file.startsWith(root) ? file : join(root, 'index.html');
      const { mtimeMs, size } = await stat(found);
      const etag = `"${size}-${Math.round(mtimeMs)}"`;
      const headers = { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', etag, 'cache-control': 'no-cache' };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        return res.end();
      }
      const body = await readFile(found);
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(200, { 'content-type': MIME['.html'] });
      res.end(await readFile(join(root, 'index.html')));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/**
 * Opens a page with every outside request routed.
 * `routes` maps a URL substring to a handler `(route, request) => …` or to a
 * fixture spec `{ status, body | file, headers }`; exchange hosts without a
 * route get a failed connection, any other outside host is aborted and
 * recorded in `page.blocked`.
 */
export async function openPage(browser, baseUrl, { routes = {}, viewport = { width: 1280, height: 800 }, sockets = true } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.problems = [];
  page.blocked = [];
  // Every WebSocket is answered by a silent mock that records what the page
  // sends; a test drives it (`page.sockets`: { url, ws, sent }). Without it
  // (`sockets: false`) the caller puts its own in place in the page: a
  // WebSocket is not routed, it would reach the network.
  page.sockets = [];
  if (sockets) await context.routeWebSocket(() => true, (ws) => {
    const socket = { url: ws.url(), ws, sent: [] };
    ws.onMessage((message) => socket.sent.push(String(message)));
    page.sockets.push(socket);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  await context.route('**/*', async (route, request) => {
    const url = request.url();
    if (url.startsWith(baseUrl) || url.startsWith('data:') || url.startsWith('blob:')) {
      return route.continue();
    }
    for (const [pattern, answer] of Object.entries(routes)) {
      if (url.includes(pattern)) {
        if (typeof answer === 'function') return answer(route, request);
        const body = answer.file ? await readFile(join(fixturesDir, answer.file)) : answer.body ?? '';
        return route.fulfill({
          status: answer.status ?? 200,
          headers: { 'access-control-allow-origin': '*', 'content-type': 'application/json', ...answer.headers },
          body,
        });
      }
    }
    page.blocked.push(url);
    return route.abort(EXCHANGE_HOSTS.includes(new URL(url).hostname) ? 'connectionfailed' : 'blockedbyclient');
  });
  page.closeAll = () => context.close();
  return page;
}

/** Chromium logs every failed or non-2xx fetch itself; tests that route
 * failure answers expect those lines, the app's own errors still count. */
export const NETWORK_NOISE = /Failed to load resource/;

/** Fails the test if the page logged an error, threw, or panicked. */
export function assertClean(assert, page, { allow = [] } = {}) {
  const unexpected = page.problems.filter((p) => !allow.some((re) => re.test(p)));
  assert.deepEqual(unexpected, [], 'console errors, page errors or wasm panics');
}

export async function screenshot(page, name) {
  await mkdir(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Waits for the app to have painted its heatmap. */
export async function waitForHeatmap(page) {
  await page.waitForSelector('[data-testid="heatmap"][data-painted="true"]', { timeout: 20_000 });
}

/** Waits until every exchange chip has settled (ready, failed or off);
 * `engine`: and the engine's worker has answered the newest request
 * (views are computed asynchronously). Not before the page has mounted:
 * until then there is no chip at all (it mounts once what the last load
 * drew is read). */
export async function waitForChips(page, { engine = false, timeout = 20_000 } = {}) {
  await page.waitForFunction((engine) => document.querySelector('main') !== null
    && [...document.querySelectorAll('[data-testid^="status-"]')]
      .every((chip) => ['ready', 'failed', 'off'].includes(chip.dataset.state))
    && (!engine || document.documentElement.dataset.engine !== 'busy'), engine, { timeout });
}

/** Every chip settled and the engine's newest view in (see `waitForChips`). */
export const waitForSettled = (page) => waitForChips(page, { engine: true });

/** One static server and one browser for a test file, closed after it:
 * call at the top level, then use `env.server` and `env.browser`. */
export function sharedBrowser({ before, after }) {
  const env = {};
  before(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}
