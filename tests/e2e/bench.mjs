// Browser timing: loads the release build in headless Chromium and prints
// `KIND name key=value` lines (first paint, engine in wasm, wasm memory).
import { startServer, launchBrowser, openPage } from './harness.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startServer();
const browser = await launchBrowser();
try {
  // Navigation start → heatmap painted, median of 5 fresh loads.
  const firstPaints = [];
  for (let i = 0; i < 5; i++) {
    const page = await openPage(browser, server.url, { viewport: { width: 1920, height: 1080 } });
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="heatmap"][data-painted="true"]', { timeout: 30_000 });
    firstPaints.push(await page.evaluate(() => performance.getEntriesByName('liqmap:heatmap-painted')[0].startTime));
    await page.closeAll();
  }
  console.log(`BENCH first_heatmap ms=${median(firstPaints).toFixed(0)}`);

  // engine_L in wasm: median of 7 runs after one warm-up, and the wasm
  // linear memory afterwards (it only grows, so this is the peak).
  const page = await openPage(browser, server.url);
  await page.goto(server.url);
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
