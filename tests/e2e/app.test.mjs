// The app skeleton: page renders, heatmap painted from the simulated market
// through the engine, labels, panic box, nothing leaves the machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  sharedBrowser, openPage, assertClean, screenshot, waitForHeatmap, fixturesDir,
} from './harness.mjs';

const env = sharedBrowser({ before, after });

/** Share of heatmap canvas pixels that are not the background colour. */
function paintedShare(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="heatmap"]');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) {
      // Background is #0b0e14.
      if (Math.abs(data[i] - 0x0b) + Math.abs(data[i + 1] - 0x0e) + Math.abs(data[i + 2] - 0x14) > 30) painted++;
    }
    return painted / (data.length / 4);
  });
}

test('the page shows a heatmap of the simulated market', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.goto(env.server.url + '?demo=1');
  await waitForHeatmap(page);
  assert.match(await page.locator('h1').innerText(), /liqmap/);
  assert.ok(await page.getByTestId('simulated-label').isVisible(), 'simulated label visible');
  assert.match(await page.getByTestId('simulated-label').innerText(), /^Simulated data/);
  const share = await paintedShare(page);
  assert.ok(share > 0.05, `heatmap paints more than background (painted share ${share.toFixed(3)})`);
  assert.equal(await page.getByTestId('model-link').getAttribute('href'), '#model');
  await screenshot(page, 'heatmap-desktop');
  assert.deepEqual(page.blocked, [], 'no outside requests');
  assertClean(assert, page);
  await page.closeAll();
});

test('changing the window recomputes the heatmap', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.goto(env.server.url + '?demo=1');
  await waitForHeatmap(page);
  const label = page.getByTestId('simulated-label');
  const before7d = await label.getAttribute('data-sim-checksum');
  await page.getByTestId('window').selectOption('1d');
  await page.waitForFunction(
    (old) => document.querySelector('[data-testid="simulated-label"]').dataset.simChecksum !== old,
    before7d,
  );
  assert.ok((await paintedShare(page)) > 0.02);
  assertClean(assert, page);
  await page.closeAll();
});

test('the simulator gives the same bytes in wasm as natively', async () => {
  const pinned = JSON.parse(await readFile(join(fixturesDir, 'sim-checksum.json'), 'utf8'));
  const page = await openPage(env.browser, env.server.url);
  await page.goto(env.server.url + '?demo=1');
  await page.waitForFunction(() => window.wasmBindings);
  const wasm = await page.evaluate(
    ({ seed, end_ms, window_ms }) => window.wasmBindings.sim_checksum(BigInt(seed), end_ms, window_ms),
    pinned,
  );
  assert.equal(wasm, pinned.checksum);
  assertClean(assert, page);
  await page.closeAll();
});

test('a panic shows a readable error box', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.goto(env.server.url + '?demo=1');
  await waitForHeatmap(page);
  await page.evaluate(() => {
    try { window.wasmBindings.debug_panic(); } catch { /* the trap is expected */ }
  });
  const box = page.getByTestId('panic-box');
  await box.waitFor();
  assert.match(await box.innerText(), /Something broke inside liqmap.*debug_panic/s);
  await screenshot(page, 'panic-box');
  assertClean(assert, page, { allow: [/liqmap panicked:[\s\S]*debug_panic/, /unreachable/] });
  await page.closeAll();
});

test('the phone layout keeps the heatmap visible', async () => {
  const page = await openPage(env.browser, env.server.url, { viewport: { width: 360, height: 740 } });
  await page.goto(env.server.url + '?demo=1');
  await waitForHeatmap(page);
  const box = await page.getByTestId('heatmap').boundingBox();
  assert.ok(box.width <= 360 && box.width > 300, `canvas fits the phone (${box.width})`);
  await screenshot(page, 'heatmap-phone');
  assertClean(assert, page);
  await page.closeAll();
});

test('the liquidation map and the clusters table show the same estimate', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.goto(env.server.url + '?demo=1');
  await waitForHeatmap(page);
  await page.waitForSelector('[data-testid="liqmap"][data-painted="true"]');
  const rows = page.getByTestId('clusters').locator('tbody tr');
  assert.ok((await rows.count()) >= 2, 'clusters listed');
  const distances = await rows.locator('td:nth-child(4)').allInnerTexts();
  assert.ok(distances.some((d) => d.startsWith('+')) && distances.some((d) => d.startsWith('-')),
    `levels above and below the price: ${distances}`);
  await page.getByTestId('liqmap').scrollIntoViewIfNeeded();
  await screenshot(page, 'liqmap-and-clusters');
  assertClean(assert, page);
  await page.closeAll();
});

test('exports: heatmap CSV equals the engine run apart, map CSV and PNG download', async () => {
  const END = 1767225600000;
  const page = await openPage(env.browser, env.server.url);
  await page.clock.setFixedTime(END);
  await page.goto(env.server.url + '?demo=1&window=1d');
  await waitForHeatmap(page);
  const download = async (testid) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
    return { name: file.suggestedFilename(), bytes: await readFile(await file.path()) };
  };
  const heatmap = await download('export-heatmap-csv');
  assert.equal(heatmap.name, 'liqmap-heatmap.csv');
  const expected = await page.evaluate((end) => window.wasmBindings.demo_heatmap_csv(end, 86_400_000), END);
  const text = heatmap.bytes.toString('utf8');
  assert.ok(text.split('\n').length > 100, 'many non-empty cells');
  assert.equal(text, expected);
  assert.match(text, /^time,price_low,price_high,long_usd,short_usd\n\d{4}-\d\d-\d\dT\d\d:\d\d:00Z,/);

  const map = (await download('export-map-csv')).bytes.toString('utf8');
  const rows = map.trim().split('\n');
  assert.equal(rows[0], 'price_low,price_high,exchange,leverage,side,usd');
  assert.ok(rows.slice(1).every((r) => /^[\d.]+,[\d.]+,Simulated,\d+x,(long|short),[\d.e+-]+$/.test(r)), rows[1]);

  const png = (await download('export-png')).bytes;
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');
  assertClean(assert, page);
  await page.closeAll();
});

test('hover shows the cell; palette, scale and threshold repaint', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.goto(env.server.url + '?demo=1');
  await waitForHeatmap(page);
  const canvas = page.getByTestId('heatmap');
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.45);
  const tooltip = page.getByTestId('heatmap-tooltip');
  await tooltip.waitFor();
  const text = await tooltip.innerText();
  assert.match(text, /UTC[\s\S]*\d[\s\S]*Longs: \$[\d.]+[KMB]?[\s\S]*Shorts: \$/, text);
  await screenshot(page, 'heatmap-tooltip');

  const before = await paintedShare(page);
  await page.getByTestId('threshold').fill('0.5');
  await page.waitForFunction((b) => {
    const c = document.querySelector('[data-testid="heatmap"]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 0x0b) + Math.abs(d[i + 1] - 0x0e) + Math.abs(d[i + 2] - 0x14) > 30) n++;
    return n / (d.length / 4) < b * 0.9;
  }, before);
  await page.getByTestId('palette').selectOption('viridis');
  await page.getByTestId('scale').selectOption('log');
  await page.mouse.move(0, 0);
  await screenshot(page, 'heatmap-viridis-log-threshold');
  assertClean(assert, page);
  await page.closeAll();
});

test('zoom and pan: wheel on time and on prices, drag, keys, double-click resets', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.goto(env.server.url + '?demo=1');
  await waitForHeatmap(page);
  const canvas = page.getByTestId('heatmap');
  const shown = async () => (await canvas.getAttribute('data-shown')).split(' ').map(Number);
  const changed = (old) => page.waitForFunction(
    (o) => document.querySelector('[data-testid="heatmap"]').dataset.shown !== o, old.join(' '));
  const box = await canvas.boundingBox();
  const full = await shown();

  // Wheel over the plot zooms time around the pointer.
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.mouse.wheel(0, -400);
  await changed(full);
  const zoomed = await shown();
  assert.ok(zoomed[1] - zoomed[0] < (full[1] - full[0]) * 0.8, 'narrower time span');
  assert.ok(zoomed[0] >= full[0] && zoomed[1] <= full[1], 'inside the window');

  // Wheel over the price axis zooms prices, re-binned (not stretched).
  await page.mouse.move(box.x + box.width - 30, box.y + box.height * 0.5);
  await page.mouse.wheel(0, -400);
  await changed(zoomed);
  const priced = await shown();
  assert.ok(priced[3] - priced[2] < (zoomed[3] - zoomed[2]) * 0.8, 'narrower price band');

  // Drag pans.
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6, { steps: 5 });
  await page.mouse.up();
  await changed(priced);
  await screenshot(page, 'heatmap-zoomed');

  // Keyboard: 0 resets, + zooms in.
  await canvas.focus();
  await page.keyboard.press('0');
  await page.waitForFunction((f) => document.querySelector('[data-testid="heatmap"]').dataset.shown === f, full.join(' '));
  await page.keyboard.press('+');
  await changed(full);
  // Double-click resets.
  await canvas.dblclick();
  await page.waitForFunction((f) => document.querySelector('[data-testid="heatmap"]').dataset.shown === f, full.join(' '));
  assertClean(assert, page);
  await page.closeAll();
});

test('"How is this computed?" states the formulas and the parameters in force', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.goto(env.server.url + '?demo=1#model');
  await waitForHeatmap(page);
  const model = page.getByTestId('model');
  const text = await model.innerText();
  assert.match(text, /p·\(1 − 1\/ℓ\)\/\(1 − m\)/);
  assert.match(text, /5x 10 %, 10x 25 %, 25x 30 %, 50x 20 %, 100x 15 %/);
  assert.match(text, /Simulated: maintenance margin rate 0\.40 %/);
  assert.match(text, /400 price bins/);
  await model.scrollIntoViewIfNeeded();
  await screenshot(page, 'model-panel');
  assertClean(assert, page);
  await page.closeAll();
});

test('model settings: tiers, long share and mode recompute the views and the panel says so', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.goto(env.server.url + '?demo=1');
  await waitForHeatmap(page);
  const model = page.getByTestId('model');
  const before = await page.getByTestId('clusters').innerText();
  await page.getByTestId('model-settings').locator('summary').click();
  // All weight on 100x: levels move close to the price.
  for (let i = 0; i < 4; i++) await page.getByTestId(`tier-weight-${i}`).fill('0').then(() => page.getByTestId(`tier-weight-${i}`).dispatchEvent('change'));
  await page.waitForFunction(() => document.querySelector('[data-testid="model"]').innerText.includes('5x 0 %, 10x 0 %, 25x 0 %, 50x 0 %, 100x 100 %'));
  assert.notEqual(await page.getByTestId('clusters').innerText(), before, 'clusters recomputed');
  await page.getByTestId('long-share-fixed').check();
  await page.getByTestId('long-share-value').fill('70');
  await page.getByTestId('long-share-value').dispatchEvent('change');
  await page.getByTestId('mode').selectOption('volume');
  await page.waitForFunction(() => /fixed at 70 %; mode: volume/.test(document.querySelector('[data-testid="model"]').innerText));
  await screenshot(page, 'model-settings');
  await page.getByTestId('reset-model').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="model"]').innerText.includes('taker-buy share (auto); mode: open interest'));
  assert.match(await model.innerText(), /5x 10 %, 10x 25 %/);
  assertClean(assert, page);
  await page.closeAll();
});

test('clicking a cluster centres the heatmap on its price', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.goto(env.server.url + '?demo=1');
  await waitForHeatmap(page);
  const row = page.getByTestId('clusters').locator('tbody tr').first();
  const price = Number((await row.locator('td').first().innerText()).replaceAll(',', ''));
  await row.click();
  await page.waitForFunction((p) => {
    const [, , low, high] = document.querySelector('[data-testid="heatmap"]').dataset.shown.split(' ').map(Number);
    return Math.abs((low + high) / 2 - p) / p < 0.01;
  }, price);
  assertClean(assert, page);
  await page.closeAll();
});
