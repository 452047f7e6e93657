// Soak: one hour of live messages at 50 per second (180,000 Binance
// liquidations, in their documented shape), replayed as fast as the page
// takes them, into a live 1-day BTC view on fixtures. Prints
// `SOAK heap_growth_mb=<n>` (JS heap + wasm memory after a GC, end minus
// start; goal < 20) and the frames that took over 50 ms meanwhile.
import { startServer, launchBrowser, openPage } from './harness.mjs';
import { END, FIXTURES } from './fixtures.mjs';

const MESSAGES = 180_000;
const BATCH = 1_000;

const server = await startServer();
const browser = await launchBrowser();
try {
  const page = await openPage(browser, server.url, { routes: FIXTURES, viewport: { width: 1920, height: 1080 } });
  await page.clock.setFixedTime(END);
  await page.goto(`${server.url}?sym=BTC&window=1d`);
  await page.waitForSelector('[data-testid="heatmap"][data-painted="true"]', { timeout: 30_000 });
  let socket;
  while (!(socket = page.sockets.find((s) => s.url.includes('fstream.binance.com') && s.sent.length))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const cdp = await page.context().newCDPSession(page);
  const memory = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    const wasm = await page.evaluate(() => window.wasmBindings.wasm_memory_bytes());
    return usedSize + wasm;
  };
  const [low, high] = await page.evaluate(() => document.querySelector('[data-testid="heatmap"]').dataset.shown.split(' ').slice(2).map(Number));
  // Warm up (the feed fills its ring), then measure.
  const message = (i) => JSON.stringify({
    e: 'forceOrder', E: END + i * 20,
    o: { s: 'BTCUSDT', S: i % 2 ? 'SELL' : 'BUY', o: 'LIMIT', f: 'IOC', q: '0.5', p: (low + (high - low) * ((i * 7919) % 1000) / 1000).toFixed(1), ap: '0', X: 'FILLED', l: '0.5', z: '0.5', T: END + i * 20 },
  });
  for (let i = 0; i < 10_000; i++) socket.ws.send(message(i));
  await page.waitForTimeout(1000);
  const before = await memory();
  await page.evaluate(() => {
    window.slowFrames = 0;
    let last = performance.now();
    const tick = (now) => {
      if (now - last > 50) window.slowFrames++;
      last = now;
      window.soakFrame = requestAnimationFrame(tick);
    };
    window.soakFrame = requestAnimationFrame(tick);
  });
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i += BATCH) {
    for (let j = i; j < i + BATCH; j++) socket.ws.send(message(10_000 + j));
    await new Promise((r) => setTimeout(r, 5));
  }
  await page.waitForTimeout(1000);
  const seconds = (performance.now() - started) / 1000;
  const slow = await page.evaluate(() => { cancelAnimationFrame(window.soakFrame); return window.slowFrames; });
  const after = await memory();
  console.log(`SOAK heap_growth_mb=${((after - before) / 2 ** 20).toFixed(1)}`);
  console.log(`SOAK slow_frames count=${slow}`);
  console.log(`SOAK replay seconds=${seconds.toFixed(1)}`);
  await page.closeAll();
} finally {
  await browser.close();
  await server.close();
}
