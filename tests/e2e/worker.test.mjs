// The engine runs in a dedicated Web Worker: the page keeps answering the
// pointer while it computes. Where no worker can run, the page loads the
// worker's own files on its thread: the same bytes either way. Without
// those files nothing is estimated, and the page says what failed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { sharedBrowser, openPage, assertClean, screenshot, waitForHeatmap } from './harness.mjs';
import { END, EXCHANGES, FIXTURES } from './fixtures.mjs';
import { openMonth, hoverWhileRecomputing } from './month.mjs';

const env = sharedBrowser({ before, after });

// The heaviest view the page loads from one exchange within its request
// budget: 30 days (1-minute candles cost more requests than a view may
// send, so the page takes 5-minute ones). The worker is held busy first:
// on its own it recomputes in 20-40 ms, which the first hovers could miss
// on a loaded machine (CI once saw none at all).
test('hover answers within 50 ms while 30 days of candles are recomputed', async () => {
  const page = await openMonth(env.browser, env.server.url);
  assert.equal(page.workers().length, 1, 'the engine worker runs');
  await page.getByTestId('model-settings').locator('summary').click();
  const { latencies, drawing, recompute_ms } = await hoverWhileRecomputing(page);
  const report = `recomputation ${recompute_ms.toFixed(0)} ms; hovers meanwhile ${latencies.map((l) => l.toFixed(0))} ms; meeting the drawing ${drawing.map((l) => l.toFixed(0))} ms`;
  console.log(report);
  assert.ok(latencies.length >= 1, `hovered during the recomputation: ${report}`);
  assert.ok(Math.max(...latencies) <= 50, `tooltip within 50 ms of each hover: ${report}`);
  await page.waitForFunction(() => document.querySelector('[data-testid="model"]').innerText.includes('5x 0 %'));
  await screenshot(page, 'worker-month-at-minute');
  assertClean(assert, page);
  await page.closeAll();
});

/** The demo's heatmap CSV as the page exports it, and as computed apart. */
async function demoCsv(page) {
  await page.clock.setFixedTime(END);
  await page.goto(env.server.url + '?demo=1&window=1d');
  await waitForHeatmap(page);
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-heatmap-csv').click()]);
  const exported = (await readFile(await file.path())).toString('utf8');
  const apart = await page.evaluate((end) => window.wasmBindings.demo_heatmap_csv(end, 86_400_000), END);
  return { exported, apart };
}

test('without Worker the engine runs on the page: the same CSV', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.addInitScript(() => { delete window.Worker; });
  const { exported, apart } = await demoCsv(page);
  assert.equal(page.workers().length, 0);
  assert.ok(exported.split('\n').length > 100);
  assert.equal(exported, apart);
  assertClean(assert, page);
  await page.closeAll();
});

// The engine's files missing: its script (the worker fails to start) or
// its wasm (the script names its status). The worker says so; without Worker the
// page finds the same when it loads them itself. Nothing is estimated, the
// page says what failed, the exchanges' chips are still drawn, and nothing
// but the failed requests reaches the console.
const MISSING = {
  'engine_worker.js': 'engine_worker.js did not load',
  'engine_worker_bg.wasm': 'engine_worker_bg.wasm: HTTP 404',
};
for (const [file, reason] of Object.entries(MISSING)) {
  for (const worker of [true, false]) {
    test(`without the engine's ${file}${worker ? '' : ' nor Worker'} the page says so`, async () => {
      const page = await openPage(env.browser, env.server.url, { routes: FIXTURES });
      if (!worker) await page.addInitScript(() => { delete window.Worker; });
      await page.route(`**/${file}`, (route) => route.fulfill({ status: 404, body: '' }));
      await page.clock.setFixedTime(END);
      await page.goto(`${env.server.url}?sym=BTC&window=1d`);
      const notice = page.getByTestId('engine-failed');
      await notice.waitFor({ timeout: 20_000 });
      assert.equal(await notice.innerText(),
        `The estimation engine could not be loaded (${reason}); reload to retry.`);
      assert.equal(await page.evaluate(() => document.documentElement.dataset.engine), 'failed');
      for (const exchange of EXCHANGES) {
        await page.waitForFunction((e) => document.querySelector(`[data-testid="status-${e}"]`)?.dataset.state === 'ready', exchange);
      }
      await screenshot(page, `worker-missing-${file.replace(/\W/g, '-')}${worker ? '' : '-no-worker'}`);
      assertClean(assert, page, { allow: [/Failed to load resource/] });
      await page.closeAll();
    });
  }
}
