import { startServer, launchBrowser, openPage, distDir } from './harness.mjs';
import { END } from './fixtures.mjs';
import { emulatedExchanges } from './emulator.mjs';
const server = await startServer(process.env.BENCH_DIST ?? distDir);
const browser = await launchBrowser();
const emulator = emulatedExchanges({ cap: 1 });
const page = await openPage(browser, server.url, { routes: emulator.routes });
const ready = () => page.waitForFunction(() => [...document.querySelectorAll('[data-testid^="status-"]')]
  .every((chip) => ['ready', 'failed', 'off'].includes(chip.dataset.state)), null, { timeout: 60_000 });
await page.clock.setFixedTime(END);
await page.goto(server.url + '?sym=BTC&window=7d');
await ready();
let t0 = 0; const log = [];
page.on('request', (r) => t0 && log.push(['req', Math.round(performance.now() - t0), r.url().replace(/^https?:\/\/[^/]+/, '').slice(0, 60) + (r.postData() ?? '').slice(0, 40)]));
page.on('requestfinished', (r) => t0 && log.push(['fin', Math.round(performance.now() - t0), r.url().replace(/^https?:\/\/[^/]+/, '').slice(0, 60)]));
for (let i = 0; i < 3; i++) {
  await new Promise((r) => setTimeout(r, 2000));
  await page.clock.setFixedTime(END + 60_000 * (i + 1));
  const start = performance.now(); t0 = start; log.length = 0;
  await page.reload();
  await page.waitForSelector('[data-testid="heatmap"][data-painted="true"]', { timeout: 30_000 });
  const ms = performance.now() - start; t0 = 0;
  const entries = await page.evaluate(() => performance.getEntries().map((e) => [e.entryType, e.name.replace(/^https?:\/\/[^/]+/, '').slice(0, 70), Math.round(e.startTime), Math.round(e.responseEnd ?? e.startTime + e.duration)]));
  console.log("reload ms", ms.toFixed(0), entries.length);
  for (const e of log) console.log(e.join('\t'));
  await ready();
}
await page.closeAll();
await browser.close(); await server.close();
