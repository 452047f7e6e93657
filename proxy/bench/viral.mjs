// Load test of the CORS proxy, loopback only, bounded: 1,000 simulated
// visitors open the same 7-day BTC link within one real minute, every
// exchange through the worker (workerd, via miniflare), the exchanges
// replaced by fixture exchanges that answer in 50 ms.
//
// One visitor's requests are captured from the page itself: the release
// build (dist/) in headless Chromium, its exchange requests recorded and
// answered from fixtures, with the page's clock at the fixtures' time plus
// 10 minutes (the newest candle closed 10 minutes ago, as on most visits;
// in the first minutes after a close the newest pages are "open" and are
// asked again every few seconds), and the worker's clock set to the same
// time. One capture per 10 s of the minute: visitors replay the capture of
// their arrival time, in the app's order (per exchange: the instrument
// list, then 3 requests at a time).
//
// Prints `PROXY viral_1000 upstream_requests=<n> p95_ms=<n> errors=<n>`
// (p95 of the time each visitor waits for all its answers; errors:
// visitors with any failed answer), then the backoff check: an exchange
// that answers 429 with Retry-After: 2 is asked again only after 2 s.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, launchBrowser, openPage, fixturesDir } from '../../tests/e2e/harness.mjs';
import { END, EXCHANGES, HOST, FIXTURES } from '../../tests/e2e/fixtures.mjs';
import { BASE_PATH } from '../../tests/fixtures/exchanges/answers.mjs';
import { Agent, fetch } from 'undici';
import { startFixtureExchanges, startWorker } from '../test/local.mjs';

const VISITORS = Number(process.env.VISITORS ?? 1000);
const MINUTE_MS = 60_000;
const CAPTURE_EVERY_MS = 10_000;
const ORIGIN = 'https://liqmap.example';
const LINK = '?sym=BTC&window=7d';

// Bounded: whatever happens, the script ends.
setTimeout(() => {
  console.error('proxy load test: over 4 minutes, stopped');
  process.exit(1);
}, 4 * MINUTE_MS).unref();

const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One visitor's exchange requests at page time `nowMs`, in order:
 * `{ exchange, method, path, body }` with `path` after the base URL. */
async function captureVisitor(browser, server, nowMs) {
  const seen = [];
  const routes = Object.fromEntries(Object.entries(FIXTURES).map(([pattern, answer]) => [pattern, async (route, request) => {
    const exchange = EXCHANGES.find((e) => pattern.startsWith(HOST[e]));
    const url = new URL(request.url());
    const path = url.pathname.slice(BASE_PATH[exchange].length) + url.search;
    seen.push({ exchange, method: request.method(), path, body: request.postData() });
    if (typeof answer === 'function') return answer(route, request);
    return route.fulfill({
      headers: { 'access-control-allow-origin': '*', 'content-type': 'application/json' },
      body: await readFile(join(fixturesDir, answer.file)),
    });
  }]));
  const page = await openPage(browser, server.url, { routes });
  await page.clock.setFixedTime(nowMs);
  await page.goto(server.url + LINK);
  await page.waitForFunction(
    (ids) => ids.every((id) => ['ready', 'failed'].includes(document.querySelector(`[data-testid="status-${id}"]`)?.dataset.state)),
    EXCHANGES,
    { timeout: 60_000 },
  );
  // Past liquidations are asked after the load: wait for a quiet second.
  for (let count = -1; count !== seen.length;) {
    count = seen.length;
    await sleep(1000);
  }
  if (page.blocked.length) throw new Error(`unanswered requests: ${page.blocked.join(' ')}`);
  await page.closeAll();
  return seen;
}

/** Sends one visitor's requests like the app: exchanges in parallel; per
 * exchange the first request alone, then 3 at a time. Returns whether
 * every answer was a success. */
// The simulated visitors share a pool of kept-alive connections (a
// browser keeps a few per host): opening one per request would measure
// this machine's TCP handshakes, not the proxy.
const connections = new Agent({ connections: 64 });
const failures = new Map();
const noteFailure = (what) => failures.set(what, (failures.get(what) ?? 0) + 1);

async function visit(proxy, requests) {
  const ask = async ({ exchange, method, path, body }) => {
    // Uncompressed: on Cloudflare compression happens in front of the
    // worker; here workerd would gzip every answer on this machine's CPU.
    const headers = { origin: ORIGIN, 'accept-encoding': 'identity' };
    if (body) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(`${proxy.url}/${exchange}${path}`, { method, headers, body: body ?? undefined, dispatcher: connections });
      await response.arrayBuffer();
      if (response.status !== 200) noteFailure(`${exchange} HTTP ${response.status}`);
      return response.status === 200;
    } catch (error) {
      noteFailure(`${exchange} ${error.cause?.code ?? error.message}`);
      return false;
    }
  };
  const perExchange = EXCHANGES.map(async (exchange) => {
    const [first, ...rest] = requests.filter((r) => r.exchange === exchange);
    if (!first) return true;
    let ok = await ask(first);
    for (let i = 0; i < rest.length; i += 3) {
      const answers = await Promise.all(rest.slice(i, i + 3).map(ask));
      ok &&= answers.every(Boolean);
    }
    return ok;
  });
  return (await Promise.all(perExchange)).every(Boolean);
}

async function viral(captures, firstVisitMs) {
  const exchanges = await startFixtureExchanges({ latencyMs: 50 });
  const proxy = await startWorker({ upstream: exchanges.url, origins: [ORIGIN], nowMs: firstVisitMs });
  try {
    const start = performance.now();
    const waits = [];
    let errors = 0;
    await Promise.all(Array.from({ length: VISITORS }, async (_, i) => {
      const offset = (i * MINUTE_MS) / VISITORS;
      await sleep(offset - (performance.now() - start));
      const arrived = performance.now();
      const ok = await visit(proxy, captures[Math.floor(offset / CAPTURE_EVERY_MS)]);
      waits.push(performance.now() - arrived);
      if (!ok) errors += 1;
    }));
    const seconds = (performance.now() - start) / 1000;
    return { upstream: exchanges.requests.length, p95: percentile(waits, 0.95), errors, seconds };
  } finally {
    await proxy.dispose();
    await exchanges.close();
  }
}

/** OKX answers the proxy's first request 429 with Retry-After: 2; 200
 * visitors over 4 s ask it distinct pages. */
async function rateLimited(visitorRequests) {
  const exchanges = await startFixtureExchanges({ latencyMs: 50 });
  let refused = false;
  exchanges.answerWith((r) => {
    if (r.exchange !== 'okx' || refused) return undefined;
    refused = true;
    return { status: 429, headers: { 'retry-after': '2' }, body: '{"code":"50011","msg":"Too Many Requests"}' };
  });
  const proxy = await startWorker({ upstream: exchanges.url, origins: [ORIGIN] });
  try {
    const okx = visitorRequests.filter((r) => r.exchange === 'okx');
    const start = performance.now();
    await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      await sleep(i * 20 - (performance.now() - start));
      await visit(proxy, okx);
    }));
    const asked = exchanges.requests.filter((r) => r.exchange === 'okx').map((r) => r.at);
    const [first] = asked;
    return {
      duringWait: asked.filter((t) => t < first + 2000).length,
      againAfter: asked.find((t) => t >= first + 1) - first,
    };
  } finally {
    await proxy.dispose();
    await exchanges.close();
  }
}

const server = await startServer();
const browser = await launchBrowser();
const firstVisit = END + 10 * 60_000;
const captures = [];
try {
  for (let at = 0; at < MINUTE_MS; at += CAPTURE_EVERY_MS) {
    captures.push(await captureVisitor(browser, server, firstVisit + at));
  }
} finally {
  await browser.close();
  await server.close();
}
const oneVisitor = captures[0].length;
// The page sends some requests concurrently: compare lists as sets.
const distinct = new Set(captures.map((c) => c.map((r) => `${r.method} ${r.exchange}${r.path} ${r.body}`).sort().join('\n'))).size;
console.log(`PROXY viral_1000_one_visitor requests=${oneVisitor} distinct_lists=${distinct}`);
const run = await viral(captures, firstVisit);
console.log(`PROXY viral_1000 upstream_requests=${run.upstream} p95_ms=${run.p95.toFixed(0)} errors=${run.errors}`);
// Answers come late when this machine cannot keep up (p95 then measures
// its queue, and open pages age and are asked again over a longer run).
const rate = (VISITORS * oneVisitor) / run.seconds;
console.log(`PROXY viral_1000_run seconds=${run.seconds.toFixed(0)} requests_per_s=${rate.toFixed(0)} goal_upstream_max=${2 * oneVisitor}`);
if (failures.size) console.error('proxy load test failures:', Object.fromEntries(failures));
const limited = await rateLimited(captures[0]);
console.log(`PROXY backoff_429 upstream_during_retry_after=${limited.duringWait} asked_again_after_ms=${limited.againAfter}`);
