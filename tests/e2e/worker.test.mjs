// The engine runs in a dedicated Web Worker: the page keeps answering the
// pointer while it computes, and computes itself where no worker can run,
// with the same bytes either way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { sharedBrowser, openPage, assertClean, screenshot, waitForHeatmap } from './harness.mjs';
import { END } from './fixtures.mjs';
import { openMonth, hoverWhileRecomputing } from './month.mjs';

const env = sharedBrowser({ before, after });

// The heaviest view the page loads from one exchange within its request
// budget: 30 days (1-minute candles cost more requests than a view may
// send, so the page takes 5-minute ones).
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

test('without Worker the page computes itself: the same CSV', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.addInitScript(() => { delete window.Worker; });
  const { exported, apart } = await demoCsv(page);
  assert.equal(page.workers().length, 0);
  assert.ok(exported.split('\n').length > 100);
  assert.equal(exported, apart);
  assertClean(assert, page);
  await page.closeAll();
});

// The worker's files missing: its glue (importScripts throws) or its wasm
// (the loader says so). Either way the page computes itself, and nothing
// but the failed requests reaches the console.
for (const file of ['engine_worker.js', 'engine_worker_bg.wasm']) {
  test(`without the worker's ${file} the page computes itself`, async () => {
    const page = await openPage(env.browser, env.server.url);
    await page.route(`**/${file}`, (route) => route.fulfill({ status: 404, body: '' }));
    const { exported, apart } = await demoCsv(page);
    assert.equal(exported, apart);
    assertClean(assert, page, { allow: [/Failed to load resource/] });
    await page.closeAll();
  });
}
