// Browser timing: loads the release build in headless Chromium and prints
// `KIND name key=value` lines (first paint, engine in wasm, wasm memory).
// BENCH_DIST=<dir> times another build (built with `--features test-hooks`).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer, launchBrowser, openPage, waitForChips, distDir, fixturesDir } from './harness.mjs';
import { END, FIXTURES, HOST } from './fixtures.mjs';
import { emulatedExchanges } from './emulator.mjs';
import { openMonth } from './month.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Readies a timed page, with a few lines in place of Playwright's clock and
 * WebSocket mock.
 * - The clock: `Date.now` set to `at` and running on (all the app reads).
 *   Playwright's clock fakes `performance` too, which the timing reads.
 * - WebSockets that never connect (the mock's were as silent). The mock
 *   evaluates a library in every page before the page's own scripts (a
 *   32 ms script in a trace; reload median 320 → 306 ms without it, in
 *   one A/B run), which no visitor pays.
 * - The heatmap shown: the frame after it was first painted onto its canvas,
 *   in ms since the navigation started (`performance.now`), said on the
 *   console, so that nothing of Playwright runs in the page while it loads.
 */
const timedPage = async (page, at) => {
  await clockFrom(page, at);
  await page.addInitScript(() => {
    window.WebSocket = class extends EventTarget {
      constructor(url) { super(); this.url = String(url); this.readyState = 0; }
      send() {}
      close() { this.readyState = 3; }
    };
    const watch = new MutationObserver(() => {
      if (document.querySelector('[data-testid="heatmap"]')?.dataset.painted !== 'true') return;
      watch.disconnect();
      requestAnimationFrame(() => console.debug(`liqmap-shown ${performance.now()}`));
    });
    watch.observe(document, { subtree: true, attributes: true, attributeFilter: ['data-painted'] });
  });
  return page;
};

/** The page's clock at `at` from its next load on, running (see `timedPage`). */
const clockFrom = (page, at) => page.addInitScript((at) => {
  const now = Date.now.bind(Date);
  const shift = at - now();
  Date.now = () => now() + shift;
}, at);

/** Resolves when a page readied by `timedPage` shows its heatmap (call it
 * before the navigation): { ms: navigation start → shown, in the page;
 * seen: when Node heard of it, `performance.now()` here }. */
const shown = (page) => page
  .waitForEvent('console', { predicate: (m) => m.text().startsWith('liqmap-shown '), timeout: 30_000 })
  .then((m) => ({ ms: Number(m.text().split(' ')[1]), seen: performance.now() }));

const server = await startServer(process.env.BENCH_DIST ?? distDir);
const browser = await launchBrowser();

/** Navigation start → heatmap shown, in ms (`shown`). Median of 5 fresh loads.
 * `network`: Chromium's network emulation ({ mbps, rttMs }) for the page's
 * own files; fixture answers wait one round trip too (they never reach the
 * network stack). */
async function firstPaint(query, routes, network) {
  const times = [];
  if (network) {
    const delay = (answer) => async (route, request) => {
      await new Promise((done) => setTimeout(done, network.rttMs));
      if (typeof answer === 'function') return answer(route, request);
      return route.fulfill({
        status: answer.status ?? 200,
        headers: { 'access-control-allow-origin': '*', 'content-type': 'application/json', ...answer.headers },
        body: answer.file ? await readFile(join(fixturesDir, answer.file)) : answer.body ?? '',
      });
    };
    routes = Object.fromEntries(Object.entries(routes).map(([pattern, answer]) => [pattern, delay(answer)]));
  }
  for (let i = 0; i < 5; i++) {
    const page = await timedPage(await openPage(browser, server.url, {
      routes, viewport: { width: 1920, height: 1080 }, sockets: false,
    }), END);
    if (network) {
      const cdp = await page.context().newCDPSession(page);
      const bytesPerSecond = (network.mbps * 1e6) / 8;
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: network.rttMs, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond,
      });
    }
    const painted = shown(page);
    await page.goto(server.url + query, { waitUntil: 'commit' });
    times.push((await painted).ms);
    await page.closeAll();
  }
  return median(times);
}

/** Requests a 7-day BTC view of the five exchanges sends, from the
 * emulated exchanges serving at most `cap` of each page. Counted as `NET 7d`
 * counts the plan: not the instrument lists (asked once a session) nor live
 * mode's past liquidations (dYdX trades). */
async function viewRequests(cap, { reload = false } = {}) {
  const emulator = emulatedExchanges({ cap });
  const page = await timedPage(await openPage(browser, server.url, { routes: emulator.routes, sockets: false }), END);
  const lists = /exchangeInfo|instruments-info|public\/instruments|"type":"meta"|v4\/perpetualMarkets$|\/trades\//;
  let count = 0;
  page.on('request', (request) => {
    const url = request.url();
    const exchange = Object.values(HOST).some((host) => url.includes(host));
    if (exchange && !lists.test(url + (request.postData() ?? ''))) count += 1;
  });
  const ready = () => waitForChips(page, { timeout: 60_000 });
  await page.goto(server.url + '?sym=BTC&window=7d');
  await ready();
  const times = [];
  const driverTimes = [];
  let reloadCount = 0;
  // The same link reopened a minute later (same candle), the browser
  // database written by the first visit; three times, the median timed,
  // the first one's requests counted.
  if (reload) await clockFrom(page, END + 60_000);
  for (let i = 0; reload && i < 3; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    count = 0;
    const painted = shown(page);
    const start = performance.now();
    await page.reload({ waitUntil: 'commit' });
    const { ms, seen } = await painted;
    times.push(ms);
    driverTimes.push(seen - start);
    await ready();
    if (i === 0) reloadCount = count;
  }
  await page.closeAll();
  return reload ? { count: reloadCount, ms: median(times), driverMs: median(driverTimes) } : count;
}

try {
  // What following short pages costs: every page capped at a third.
  console.log(`NET 7d_emulated requests=${await viewRequests(1)}`);
  console.log(`NET 7d_capped requests=${await viewRequests(1 / 3)}`);
  // Reopened: only the newest page of each series and the one-off answers.
  const reopened = await viewRequests(1, { reload: true });
  console.log(`NET 7d_reload requests=${reopened.count}`);
  console.log(`BENCH first_heatmap_reload ms=${reopened.ms.toFixed(0)}`);
  // The same reloads timed from Node: the driver's round trips on top.
  console.log(`BENCH first_heatmap_reload_from_driver ms=${reopened.driverMs.toFixed(0)}`);

  // Five exchanges answered from fixtures on loopback, 1-day BTC view.
  console.log(`BENCH first_heatmap ms=${(await firstPaint('?sym=BTC&window=1d', FIXTURES)).toFixed(0)}`);
  console.log(`BENCH first_heatmap_demo ms=${(await firstPaint('?demo=1', {})).toFixed(0)}`);
  // The same on a 4G-like link: 9 Mbit/s, 150 ms round trip.
  const fourG = { mbps: 9, rttMs: 150 };
  console.log(`BENCH first_heatmap_4g ms=${(await firstPaint('?sym=BTC&window=1d', FIXTURES, fourG)).toFixed(0)}`);

  // The longest main-thread task (the browser's long-task observer; it
  // sees tasks over 50 ms only: 0 means none) in a scripted session on the
  // heaviest view (month.mjs, the L scale: 30 days at 5 minutes): zoom in,
  // pan, hover, back to the whole window, two closed candles, once the
  // first heatmap is drawn; the engine runs in its worker meanwhile. The
  // load before it (the page's start, the exchanges' answers read, the
  // first heatmap drawn) apart: `_load`. And per closed candle, the main
  // thread's own time from its arrival until the heatmap shows it and the
  // other charts redrew (Chromium's TaskDuration: the sum of its tasks,
  // idle time not counted), the larger of the two.
  {
    const session = await openMonth(browser, server.url, {
      viewport: { width: 1920, height: 1080 },
      init: () => {
        window.longTasks = [];
        new PerformanceObserver((list) => {
          window.longTasks.push(...list.getEntries().map((e) => [e.startTime, e.duration]));
        }).observe({ type: 'longtask', buffered: true });
      },
    });
    const loaded = await session.evaluate(() => performance.now());
    const canvas = await session.getByTestId('heatmap').boundingBox();
    const at = (x, y) => [canvas.x + canvas.width * x, canvas.y + canvas.height * y];
    const shown = () => session.getByTestId('heatmap').getAttribute('data-shown');
    const settle = async (before) => session.waitForFunction(
      (b) => document.querySelector('[data-testid="heatmap"]').dataset.shown !== b
        && document.documentElement.dataset.engine === 'idle', before, { timeout: 60_000 });
    await session.mouse.move(...at(0.5, 0.5));
    for (let i = 0; i < 3; i++) {
      const before = await shown();
      await session.mouse.wheel(0, -300);
      await settle(before);
    }
    let before = await shown();
    await session.mouse.down();
    for (let i = 1; i <= 20; i++) await session.mouse.move(...at(0.5 - i * 0.01, 0.5 + i * 0.005));
    await session.mouse.up();
    await settle(before);
    for (let i = 0; i < 30; i++) await session.mouse.move(...at(0.2 + i * 0.02, 0.3 + (i % 5) * 0.08));
    before = await shown();
    await session.getByTestId('heatmap').focus();
    await session.keyboard.press('0');
    await settle(before);
    // Two closed 5-minute candles on Binance's kline stream (documented
    // shape), each after the last one.
    const binance = session.sockets.find((s) => s.url.includes('fstream.binance.com'));
    const cdp = await session.context().newCDPSession(session);
    await cdp.send('Performance.enable');
    const taskMs = async () => (await cdp.send('Performance.getMetrics')).metrics
      .find((m) => m.name === 'TaskDuration').value * 1000;
    const FIVE = 300_000;
    let candleMs = 0;
    for (const t of [END, END + FIVE]) {
      before = await shown();
      const start = await taskMs();
      binance.ws.send(JSON.stringify({
        e: 'kline', E: t + FIVE, s: 'BTCUSDT',
        k: { t, T: t + FIVE - 1, s: 'BTCUSDT', i: '5m', f: 1, L: 2, o: '87000', c: '87100', h: '87200', l: '86900', v: '12', n: 2, x: true, q: '1044000', V: '6', Q: '522000', B: '0' },
      }));
      await settle(before);
      // The other charts redraw a task later.
      await session.evaluate(() => new Promise((done) => setTimeout(done, 50)));
      candleMs = Math.max(candleMs, (await taskMs()) - start);
    }
    await session.waitForTimeout(200);
    const tasks = await session.evaluate(() => window.longTasks);
    const longest = (keep) => Math.max(0, ...tasks.filter(([start]) => keep(start)).map(([, ms]) => ms));
    console.log(`BENCH main_thread_longest_task ms=${longest((start) => start >= loaded).toFixed(0)}`);
    console.log(`BENCH main_thread_longest_task_load ms=${longest((start) => start < loaded).toFixed(0)}`);
    console.log(`BENCH live_candle_page ms=${candleMs.toFixed(1)}`);
    await session.closeAll();
  }

  // Frames at 1920×1080 on the simulated market, for hovering and for
  // dragging (pan re-bins the grid): the work one pointer event causes,
  // from dispatch until a message-channel task runs (after the handlers and
  // the microtasks in which Leptos runs its effects and the canvas is
  // drawn), p95 of 40 after 5 warm-up steps (V8 first runs wasm on its
  // baseline compiler and tiers hot functions up). Waiting for vsync is
  // not counted; a rendering update that falls in the window is.
  {
    const page = await openPage(browser, server.url, { viewport: { width: 1920, height: 1080 } });
    await page.goto(server.url + '?demo=1');
    await page.waitForSelector('[data-testid="heatmap"][data-painted="true"]');
    const frames = (drag) => page.evaluate(async (drag) => {
      const c = document.querySelector('[data-testid="heatmap"]');
      const r = c.getBoundingClientRect();
      const at = (i) => ({ clientX: r.left + 300 + i * 8, clientY: r.top + 200 + (i % 7), bubbles: true, pointerId: 1 });
      const channel = new MessageChannel();
      const settled = () => new Promise((done) => {
        channel.port1.onmessage = () => done();
        channel.port2.postMessage(0);
      });
      if (drag) c.dispatchEvent(new PointerEvent('pointerdown', at(0)));
      const times = [];
      for (let i = 1; i <= 45; i++) {
        const start = performance.now();
        c.dispatchEvent(new PointerEvent('pointermove', at(i)));
        await settled();
        if (i > 5) times.push(performance.now() - start);
      }
      if (drag) c.dispatchEvent(new PointerEvent('pointerup', at(45)));
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length * 0.95) - 1];
    }, drag);
    console.log(`BENCH frame_hover ms=${(await frames(false)).toFixed(1)}`);
    console.log(`BENCH frame_pan ms=${(await frames(true)).toFixed(1)}`);
    await page.closeAll();
  }

  // engine_L in wasm: median of 7 runs after one warm-up, and the wasm
  // linear memory afterwards (it only grows, so this is the peak), in a
  // page that computed nothing before (a coin no exchange lists).
  const page = await openPage(browser, server.url);
  await page.goto(server.url + '?sym=NONE');
  await page.waitForFunction(() => window.wasmBindings);
  const times = JSON.parse(await page.evaluate(() => window.wasmBindings.bench_engine('L', 8)));
  console.log(`BENCH engine_L wasm_ms=${median(times.slice(1)).toFixed(1)}`);
  const bytes = await page.evaluate(() => window.wasmBindings.wasm_memory_bytes());
  console.log(`MEM engine_L wasm_peak_mb=${(bytes / 2 ** 20).toFixed(1)}`);
  await page.closeAll();
} finally {
  await browser.close();
  await server.close();
}
