// Alerts (issue #17) with the streams mocked and notifications granted:
// each rule fires exactly once per crossing, not again while its condition
// holds, again after it clears and returns, and while the tab is hidden.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, openPage, assertClean, screenshot, waitForHeatmap, screenshotDir } from './harness.mjs';
import { END, FIXTURES } from './fixtures.mjs';
import { socketOf, binanceLiquidation as liquidation, binanceKline as kline, measuredRoutes, tradesSocket, tradesFrame, address } from './mocks.mjs';

const env = sharedBrowser({ before, after });
const MINUTE = 60_000;

const notified = (page, pattern) => page.evaluate((source) => window.notified.filter((b) => new RegExp(source).test(b)).length, pattern.source);

async function expectCount(page, pattern, n) {
  // Frames are handled within a tick; give a late duplicate time to show.
  await new Promise((r) => setTimeout(r, 300));
  await page.waitForFunction(([source, want]) => window.notified.filter((b) => new RegExp(source).test(b)).length >= want, [pattern.source, n]);
  assert.equal(await notified(page, pattern), n, `${pattern}: ${n}`);
}

/** Notifications granted; every one shown goes to `window.notified`. */
async function recordNotifications(page) {
  await page.context().grantPermissions(['notifications'], { origin: env.server.url });
  await page.addInitScript(() => {
    window.notified = [];
    const Native = window.Notification;
    window.Notification = class extends Native {
      constructor(title, options) {
        super(title, options);
        window.notified.push(options?.body ?? '');
      }
    };
  });
}

/** The tab goes to the background (the streams run on). */
async function hide(page) {
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  });
  await page.waitForFunction(() => /tab hidden/.test(document.querySelector('[data-testid="live-state"]').innerText));
}

test('each rule fires once per crossing, again after it clears, and in a hidden tab', async () => {
  const page = await openPage(env.browser, env.server.url, { routes: FIXTURES });
  await recordNotifications(page);
  await page.addInitScript(() => {
    if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', '1');
      localStorage.setItem('liqmap.alerts', '1|1|large|1000000\n2|1|burst|5000000|5');
    }
  });
  await page.clock.setFixedTime(END);
  await page.goto(`${env.server.url}?sym=BTC&window=1d`);
  await waitForHeatmap(page);
  const list = page.getByTestId('alerts-list');
  await list.scrollIntoViewIfNeeded();
  assert.match(await list.innerText(), /One liquidation of \$1\.00M or more[\s\S]*within 5 min/);

  // A price alert added through the form: near any cluster within 50 %.
  await page.getByTestId('alert-kind').selectOption('near');
  await page.getByTestId('alert-pct').fill('50');
  await page.getByTestId('alert-usd').fill('1');
  await page.getByTestId('alert-save').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="alerts-list"] li').length === 3);
  const binance = await socketOf(page, 'fstream.binance.com');

  const near = /% from a .* cluster/;
  binance.ws.send(kline(87000));
  await expectCount(page, near, 1);
  binance.ws.send(kline(87100));
  await expectCount(page, near, 1); // still near: no repeat
  binance.ws.send(kline(870000));
  binance.ws.send(kline(87050));
  await expectCount(page, near, 2); // cleared, then back

  const large = /Binance liquidation of/;
  const burst = /liquidated in the last 5 min/;
  const t0 = END - 30 * MINUTE;
  binance.ws.send(liquidation(87000, 40, t0)); // $3.48M
  await expectCount(page, large, 1);
  assert.equal(await notified(page, burst), 0);
  binance.ws.send(liquidation(87000, 1, t0 + MINUTE)); // $87k: too small
  binance.ws.send(liquidation(87000, 40, t0 + 2 * MINUTE));
  await expectCount(page, large, 2);
  await expectCount(page, burst, 1); // $7.05M within 5 min
  binance.ws.send(liquidation(87000, 40, t0 + 3 * MINUTE));
  await expectCount(page, large, 3);
  await expectCount(page, burst, 1); // still above: no repeat
  await page.getByTestId('toasts').scrollIntoViewIfNeeded();
  assert.ok(await page.getByTestId('toast').count() >= 1);
  await screenshot(page, 'alerts-toast');
  await page.getByTestId('toasts').screenshot({ path: `${screenshotDir}/alerts-toast-only.png` });

  // The tab goes to the background: the streams run on, alerts still fire.
  await hide(page);
  binance.ws.send(liquidation(87000, 1, t0 + 20 * MINUTE)); // the burst window empties
  binance.ws.send(liquidation(87000, 40, t0 + 21 * MINUTE));
  binance.ws.send(liquidation(87000, 40, t0 + 22 * MINUTE));
  await expectCount(page, large, 5);
  await expectCount(page, burst, 2);
  assertClean(assert, page);
  await page.closeAll();
});

test('a measured position alert (added in the form) fires once per crossing, again after it clears, and in a hidden tab', async () => {
  const page = await openPage(env.browser, env.server.url, { routes: measuredRoutes([]) });
  await recordNotifications(page);
  await page.clock.setFixedTime(END);
  await page.goto(`${env.server.url}?sym=BTC&window=1d&measured=1`);
  await waitForHeatmap(page);
  await page.getByTestId('alert-kind').selectOption('measured');
  assert.equal(await page.getByTestId('alert-sides').isVisible(), false, 'no side for a measured position');
  await page.getByTestId('alert-pct').fill('2');
  await page.getByTestId('alert-usd').fill('100000');
  await page.getByTestId('alert-save').click();
  assert.match(await page.getByTestId('alerts-list').innerText(), /A measured position of \$100\.0K or more within 2%/);
  // Account 1 holds a long of 2 BTC ($173.1K at the mark) liquidated at 82,500.
  const trades = await tradesSocket(page);
  trades.ws.send(tradesFrame([[address(1), address(1)]]));
  await page.waitForFunction(() => /^1 accounts \(1 hold the coin/.test(document.querySelector('[data-testid="measured-accounts"]')?.innerText ?? ''));
  const binance = await socketOf(page, 'fstream.binance.com');
  const measured = /^A measured position of \$173\.1K is \d\.\d\d% from the price, at 82,500$/;
  binance.ws.send(kline(84000)); // 1.79 % above it
  await expectCount(page, measured, 1);
  binance.ws.send(kline(83500));
  await expectCount(page, measured, 1); // still near: no repeat
  binance.ws.send(kline(87000)); // 5.2 %: cleared
  binance.ws.send(kline(84000));
  await expectCount(page, measured, 2);
  await hide(page);
  binance.ws.send(kline(87000));
  binance.ws.send(kline(84100));
  await expectCount(page, measured, 3);
  assert.equal(await notified(page, /cluster|liquidation of/), 0, 'no other rule');
  assertClean(assert, page);
  await page.closeAll();
});

test('alerts are kept in the browser, not in the link, and can be edited and deleted', async () => {
  const page = await openPage(env.browser, env.server.url, { routes: FIXTURES });
  await page.clock.setFixedTime(END);
  await page.goto(`${env.server.url}?sym=BTC&window=1d`);
  await waitForHeatmap(page);
  await page.getByTestId('alert-kind').selectOption('large');
  await page.getByTestId('alert-usd').fill('abc');
  await page.getByTestId('alert-save').click();
  assert.match(await page.getByTestId('alert-problem').innerText(), /positive number of USD/);
  await page.getByTestId('alert-usd').fill('2500000');
  await page.getByTestId('alert-save').click();
  await page.getByTestId('alert-kind').selectOption('burst');
  await page.getByTestId('alert-usd').fill('10000000');
  await page.getByTestId('alert-minutes').fill('15');
  await page.getByTestId('alert-save').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="alerts-list"] li').length === 2);
  assert.doesNotMatch(page.url(), /alert|large|burst/);
  await page.getByTestId('alerts-panel').scrollIntoViewIfNeeded();
  await screenshot(page, 'alerts-panel');
  await page.getByTestId('alerts-panel').screenshot({ path: `${screenshotDir}/alerts-panel-only.png` });
  await page.reload();
  await waitForHeatmap(page);
  const list = page.getByTestId('alerts-list');
  assert.match(await list.innerText(), /One liquidation of \$2\.50M or more[\s\S]*\$10\.00M or more within 15 min/);
  await page.getByTestId('alert-delete-1').click();
  assert.doesNotMatch(await list.innerText(), /\$2\.50M/);
  // Edited in the form: the rule changes in place.
  await page.getByTestId('alert-2').getByText('Edit').click();
  assert.equal(await page.getByTestId('alert-save').innerText(), 'Save changes');
  assert.equal(await page.getByTestId('alert-minutes').inputValue(), '15');
  await page.getByTestId('alert-minutes').fill('30');
  await page.getByTestId('alert-save').click();
  await page.waitForFunction(() => /\$10\.00M or more within 30 min/.test(document.querySelector('[data-testid="alerts-list"]').innerText));
  assert.equal(await page.locator('[data-testid="alerts-list"] li').count(), 1);
  assert.equal(await page.getByTestId('alert-save').innerText(), 'Add alert');
  assertClean(assert, page);
  await page.closeAll();
});
