// Browser timing: loads the release build in headless Chromium and prints
// `KIND name key=value` lines (first paint, engine in wasm, wasm memory).
// BENCH_DIST=<dir> times another build (built with `--features test-hooks`).
import { startServer, launchBrowser, openPage, distDir } from './harness.mjs';
import { END, FIXTURES, HOST } from './fixtures.mjs';
import { emulatedExchanges } from './emulator.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startServer(process.env.BENCH_DIST ?? distDir);
const browser = await launchBrowser();

/** Navigation → heatmap painted, in ms, measured from Node (the page's own
 * clock is faked to the fixtures' time). Median of 5 fresh loads. */
async function firstPaint(query, routes) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const page = await openPage(browser, server.url, { routes, viewport: { width: 1920, height: 1080 } });
    await page.clock.setFixedTime(END);
    const start = performance.now();
    await page.goto(server.url + query);
    await page.waitForSelector('[data-testid="heatmap"][data-painted="true"]', { timeout: 30_000 });
    times.push(performance.now() - start);
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
  const page = await openPage(browser, server.url, { routes: emulator.routes });
  const lists = /exchangeInfo|instruments-info|public\/instruments|"type":"meta"|v4\/perpetualMarkets$|\/trades\//;
  let count = 0;
  page.on('request', (request) => {
    const url = request.url();
    const exchange = Object.values(HOST).some((host) => url.includes(host));
    if (exchange && !lists.test(url + (request.postData() ?? ''))) count += 1;
  });
  const ready = () => page.waitForFunction(() => [...document.querySelectorAll('[data-testid^="status-"]')]
    .every((chip) => ['ready', 'failed', 'off'].includes(chip.dataset.state)), null, { timeout: 60_000 });
  await page.clock.setFixedTime(END);
  await page.goto(server.url + '?sym=BTC&window=7d');
  await ready();
  let ms = 0;
  if (reload) {
    // The same link reopened a minute later (same candle), the browser
    // database written by the first visit.
    await new Promise((r) => setTimeout(r, 2000));
    count = 0;
    await page.clock.setFixedTime(END + 60_000);
    const start = performance.now();
    await page.reload();
    await page.waitForSelector('[data-testid="heatmap"][data-painted="true"]', { timeout: 30_000 });
    ms = performance.now() - start;
    await ready();
  }
  await page.closeAll();
  return reload ? { count, ms } : count;
}

try {
  // What following short pages costs: every page capped at a third.
  console.log(`NET 7d_emulated requests=${await viewRequests(1)}`);
  console.log(`NET 7d_capped requests=${await viewRequests(1 / 3)}`);
  // Reopened: only the newest page of each series and the one-off answers.
  const reopened = await viewRequests(1, { reload: true });
  console.log(`NET 7d_reload requests=${reopened.count}`);
  console.log(`BENCH first_heatmap_reload ms=${reopened.ms.toFixed(0)}`);

  // Five exchanges answered from fixtures on loopback, 1-day BTC view.
  console.log(`BENCH first_heatmap ms=${(await firstPaint('?sym=BTC&window=1d', FIXTURES)).toFixed(0)}`);
  console.log(`BENCH first_heatmap_demo ms=${(await firstPaint('?demo=1', {})).toFixed(0)}`);

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
