// Faithful to the real exchanges: pages shorter than asked are followed up
// until the series is whole, a range an exchange does not have stays a
// visible gap, and each instrument's maximum leverage caps the tiers. The
// exchanges are the emulator of emulator.mjs (documented shapes and paging).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sharedBrowser, openPage, assertClean, screenshot, waitForHeatmap, fixturesDir } from './harness.mjs';
import { END, EXCHANGES } from './fixtures.mjs';
import { emulatedExchanges } from './emulator.mjs';

const env = sharedBrowser({ before, after });
const HOUR = 3_600_000;

/** A 1-day BTC view of `exchanges` at the fixtures' time, from `emulator`. */
async function openView(emulator, exchanges = EXCHANGES) {
  const page = await openPage(env.browser, env.server.url, { routes: emulator.routes });
  await page.clock.setFixedTime(END);
  await page.goto(`${env.server.url}?sym=BTC&window=1d&ex=${exchanges.join(',')}`);
  await page.waitForFunction(
    (ids) => ids.every((id) => {
      const state = document.querySelector(`[data-testid="status-${id}"]`)?.dataset.state;
      return state === 'ready' || state === 'failed';
    }),
    exchanges,
    { timeout: 30_000 },
  );
  await waitForHeatmap(page);
  return page;
}

async function download(page, testid) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  const chunks = [];
  for await (const chunk of await file.createReadStream()) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const chipText = (page, exchange) => page.getByTestId(`status-${exchange}`).innerText();

for (const exchange of EXCHANGES) {
  test(`${exchange}: pages capped at a third come out whole, with more requests`, async () => {
    const whole = emulatedExchanges();
    const page = await openView(whole, [exchange]);
    const expected = await download(page, 'export-heatmap-csv');
    const chip = await chipText(page, exchange);
    assert.match(chip, /\d+ candles/);
    assert.doesNotMatch(chip, / of |gap/, chip);
    assertClean(assert, page);
    await page.closeAll();

    const capped = emulatedExchanges({ cap: 1 / 3 });
    const cut = await openView(capped, [exchange]);
    assert.equal(await chipText(cut, exchange), chip, 'the same candles, no gap');
    assert.ok(capped.requests.length > whole.requests.length,
      `more requests: ${capped.requests.length} vs ${whole.requests.length}`);
    assert.equal(await download(cut, 'export-heatmap-csv'), expected, 'the same heatmap CSV');
    assertClean(assert, cut);
    await cut.closeAll();
  });
}

test('a range an exchange does not have is a gap, named, and the others are whole', async () => {
  // OKX has no candles for two hours inside the window.
  const from = END - 10 * HOUR;
  const emulator = emulatedExchanges({ drop: [{ exchange: 'okx', from, to: from + 2 * HOUR }] });
  const page = await openView(emulator);
  assert.match(await chipText(page, 'okx'), /552 of 576 candles, 1 gap/);
  for (const other of EXCHANGES.filter((e) => e !== 'okx')) {
    const chip = await chipText(page, other);
    assert.doesNotMatch(chip, / of |gap|fail/i, `${other}: ${chip}`);
  }
  await page.getByTestId('model').evaluate((el) => el.scrollIntoView());
  const model = await page.getByTestId('model').innerText();
  assert.match(model, /OKX: .*24 of \d+ candles missing \(1 gap/);
  // The tooltip over a column inside the gap says so: sweep the plot from
  // its right edge (now) leftwards until a column without OKX candles.
  const canvas = page.getByTestId('heatmap');
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  let seen = '';
  for (let x = box.x + box.width - 10; x > box.x && !/no candle/.test(seen); x -= 6) {
    await page.mouse.move(x, box.y + box.height / 2);
    seen = await page.getByTestId('heatmap-tooltip').innerText({ timeout: 200 }).catch(() => '');
  }
  assert.match(seen, /OKX: no candle here/, seen);
  await screenshot(page, 'paging-okx-gap');
  assertClean(assert, page);
  await page.closeAll();
});

test('tiers above an instrument\'s maximum leverage open at it', async () => {
  // Hyperliquid BTC allows 40x; dYdX BTC-USD 20x (initial margin 5 %) with
  // 3 % maintenance. The default tiers are 5x, 10x, 25x, 50x and 100x.
  const hlMeta = (await readFile(join(fixturesDir, 'exchanges/hyperliquid/instruments.json'), 'utf8'))
    .replace('"maxLeverage": 50', '"maxLeverage": 40');
  const hlSnapshot = (await readFile(join(fixturesDir, 'exchanges/hyperliquid/snapshot.json'), 'utf8'))
    .replace('"maxLeverage": 50', '"maxLeverage": 40');
  const dydx = (await readFile(join(fixturesDir, 'exchanges/dydx/perpetual_markets.json'), 'utf8'))
    .replace('"initialMarginFraction": "0.02"', '"initialMarginFraction": "0.05"')
    .replace('"maintenanceMarginFraction": "0.012"', '"maintenanceMarginFraction": "0.03"');
  const emulator = emulatedExchanges({
    overrides: { 'hyperliquid/instruments.json': hlMeta, 'hyperliquid/snapshot.json': hlSnapshot, 'dydx/perpetual_markets.json': dydx },
  });
  const page = await openView(emulator, ['hyperliquid', 'dydx']);
  const csv = await download(page, 'export-map-csv');
  const rows = csv.trim().split('\n').slice(1).map((line) => line.split(','));
  const levels = (exchange) => new Set(rows.filter((r) => r[2] === exchange).map((r) => r[3]));
  const usdAt = (exchange, leverage) => rows.filter((r) => r[2] === exchange && r[3] === leverage)
    .reduce((sum, r) => sum + Number(r[5]), 0);
  assert.deepEqual([...levels('Hyperliquid')].sort(), ['10x', '25x', '40x', '5x'].filter((l) => levels('Hyperliquid').has(l)).sort());
  assert.ok(usdAt('Hyperliquid', '40x') > 0, 'the 50x and 100x notional lives at 40x');
  assert.ok(!levels('dYdX').has('50x') && !levels('dYdX').has('100x') && !levels('dYdX').has('25x'));
  assert.ok(usdAt('dYdX', '20x') > 0, 'the 25x, 50x and 100x notional lives at 20x');
  await page.getByTestId('model').evaluate((el) => el.scrollIntoView());
  const model = await page.getByTestId('model').innerText();
  assert.match(model, /Hyperliquid: .*at most 40x.*50x → 40x/);
  assert.match(model, /dYdX: .*at most 20x.*100x → 20x/);
  await screenshot(page, 'paging-max-leverage');
  assertClean(assert, page);
  await page.closeAll();
});
