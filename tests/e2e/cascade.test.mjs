// Beyond the anchors: reach probability per cluster, the cascade simulator
// on the simulated market and on the exchanges' order books (fixtures in
// their documented shapes, one failing), funding drift; all in the URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, openPage, assertClean, screenshot, waitForHeatmap, NETWORK_NOISE } from './harness.mjs';
import { END, FIXTURES } from './fixtures.mjs';

const env = sharedBrowser({ before, after });

const resultText = (page) => page.getByTestId('cascade-result').innerText();

/** Moves the shock slider to `pct` as a user would (keyboard). */
async function setShock(page, pct) {
  const slider = page.getByTestId('cascade-shock');
  await slider.focus();
  const now = Number(await slider.inputValue());
  const steps = Math.round((pct - now) / 0.5);
  for (let i = 0; i < Math.abs(steps); i++) await page.keyboard.press(steps > 0 ? 'ArrowRight' : 'ArrowLeft');
}

test('simulated market: reach per cluster, a cascade path for each shock, all in the URL', async () => {
  const page = await openPage(env.browser, env.server.url);
  await page.goto(`${env.server.url}?demo=1`);
  await waitForHeatmap(page);
  // Reach: a probability per cluster, nearer levels likelier, longer horizons likelier.
  const reach = async () => (await page.getByTestId('reach').allInnerTexts()).map((t) => parseFloat(t));
  const at4h = await reach();
  assert.ok(at4h.length > 0 && at4h.every((p) => p >= 0 && p <= 100), at4h.join());
  assert.match(await page.getByTestId('volatility').innerText(), /realised volatility \d+ % a year/);
  await page.getByTestId('horizon').selectOption('24h');
  await page.waitForFunction(() => location.search.includes('horizon=24h'));
  const at24h = await reach();
  assert.ok(at24h.every((p, i) => p >= at4h[i]), `${at24h} vs ${at4h}`);

  await page.getByTestId('cascade').locator('summary').click();
  await page.waitForFunction(() => /Shock -3\.0 %/.test(document.querySelector('[data-testid="cascade-result"]').innerText));
  const small = await resultText(page);
  assert.match(small, /rounds, \$[\d.]+[KMB]? liquidated, price [\d,]+ → [\d,]+ \(amplification \d+\.\d\d×/);
  assert.match(small, /Runs away (down from -\d+\.\d\d %|down: not within)/);
  await setShock(page, -10);
  await page.waitForFunction(() => /Shock -10\.0 %/.test(document.querySelector('[data-testid="cascade-result"]').innerText));
  await page.waitForFunction(() => location.search.includes('shock=-10'));
  const liquidated = (t) => t.match(/\$([\d.]+)([KMB]?) liquidated/);
  const usd = (m) => Number(m[1]) * { '': 1, K: 1e3, M: 1e6, B: 1e9 }[m[2]];
  assert.ok(usd(liquidated(await resultText(page))) >= usd(liquidated(small)), 'a larger shock liquidates no less');
  await page.waitForSelector('[data-testid="cascade-chart"][data-painted="true"]');
  await page.getByTestId('cascade-chart').scrollIntoViewIfNeeded();
  await screenshot(page, 'cascade-demo');

  // Funding drift: a model option in the URL that moves the map.
  const mapBefore = await page.evaluate(() => document.querySelector('[data-testid="clusters"]').innerText);
  await page.locator('.settings summary').click();
  await page.getByTestId('funding-drift').check();
  await page.waitForFunction(() => location.search.includes('funding=1'));
  await page.waitForFunction((b) => document.querySelector('[data-testid="clusters"]').innerText !== b, mapBefore);
  assertClean(assert, page);
  await page.closeAll();
});

test('exchanges: the cascade walks the summed order books; a failing book is named', async () => {
  const routes = { ...FIXTURES, 'www.okx.com/api/v5/market/books': { status: 429, headers: { 'retry-after': '600' }, body: '' } };
  const page = await openPage(env.browser, env.server.url, { routes });
  await page.clock.setFixedTime(END);
  await page.goto(`${env.server.url}?sym=BTC&window=1d&shock=-5`);
  await waitForHeatmap(page);
  await page.waitForFunction(() => /5 of 5 exchanges/.test(document.querySelector('[data-testid="live-label"]').innerText));
  await page.getByTestId('cascade').locator('summary').click();
  await page.waitForFunction(() => /Shock -5\.0 %/.test(document.querySelector('[data-testid="cascade-result"]').innerText), null, { timeout: 20_000 });
  const books = await page.getByTestId('cascade-books').innerText();
  for (const name of ['Binance', 'Bybit', 'Hyperliquid', 'dYdX']) assert.match(books, new RegExp(`${name}: \\$[\\d.]+[KMB]? of depth`), books);
  assert.match(books, /OKX: no order book \(.*(rate|wait|limit).*\)/i, books);
  await page.getByTestId('cascade-chart').scrollIntoViewIfNeeded();
  await screenshot(page, 'cascade-exchanges');
  assertClean(assert, page, { allow: [NETWORK_NOISE] });
  await page.closeAll();
});
