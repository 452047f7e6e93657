// Measured positions (spec section 10) with Hyperliquid's trades socket and
// `/info` mocked: accounts named by trades are asked within the budget, the
// measured map sits at the fixtures' liquidation prices, coverage and the
// cosine match what the fixtures give by hand, "Use the measured mix"
// changes the tiers and the link, a 429 backs off without harming the rest
// of the page, a hostile pasted address is refused without a request, and
// snapshots kept once per refresh come back after a reload under "As of".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sharedBrowser, openPage, assertClean, screenshot, waitForHeatmap, NETWORK_NOISE } from './harness.mjs';
import { END } from './fixtures.mjs';
import { address, accountAnswer, measuredRoutes as routes, tradesSocket, tradesFrame, storedCount, MARK, FAILING } from './mocks.mjs';

const env = sharedBrowser({ before, after });
/** Hyperliquid's open interest in the fixtures (both sides, as published). */
const OPEN_INTEREST = 688.11;

/** The page's clock is faked from the fixtures' time (`runFor` moves it);
 * the page's own send time of every `clearinghouseState` goes to
 * `window.sentAt`. */
async function openMeasured(asked, { answer, query = '' } = {}) {
  const page = await openPage(env.browser, env.server.url, { routes: routes(asked, answer) });
  await page.clock.install({ time: END });
  await page.addInitScript(() => {
    const fetch = window.fetch;
    window.sentAt = [];
    window.fetch = function (input, init) {
      if (input instanceof Request && input.url.endsWith('/info')) {
        const at = Date.now();
        input.clone().text().then((body) => body.includes('clearinghouseState') && window.sentAt.push(at));
      }
      return fetch.call(this, input, init);
    };
  });
  await page.goto(`${env.server.url}?sym=BTC&window=1d&measured=1${query}`);
  await waitForHeatmap(page);
  return page;
}

/** Moves the page's clock on by `step` ms until `predicate` holds in the page. */
async function until(page, predicate, arg, { step = 500, tries = 120 } = {}) {
  for (let i = 0; i < tries; i++) {
    if (await page.evaluate(predicate, arg)) return;
    await page.clock.runFor(step);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never: ${predicate}`);
}

async function download(page, testid) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()]);
  const chunks = [];
  for await (const chunk of await file.createReadStream()) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const cosine = (a, b) => {
  let dot = 0; let na = 0; let nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] ** 2; nb += b[i] ** 2; }
  return dot / Math.sqrt(na * nb);
};

test('accounts from trades: measured map at their liquidation prices, coverage, cosine, mix, table', async () => {
  const asked = [];
  const page = await openMeasured(asked);
  const socket = await tradesSocket(page);
  assert.match(socket.url, /api\.hyperliquid\.xyz\/ws/);
  socket.ws.send(tradesFrame([[address(1), address(2)], [address(3), address(4)], [FAILING, address(1)]]));
  socket.ws.send('{"channel":"trades","data":'); // unreadable: skipped
  await until(page, () => /^4 accounts/.test(document.querySelector('[data-testid="measured-accounts"]')?.innerText ?? '')
    && /could not be read/.test(document.querySelector('[data-testid="measured-status"]').innerText));
  assert.deepEqual(asked.map((a) => a.user).sort(), [1, 2, 3, 4, 5].map(address).sort(), 'each account asked once');
  assert.match(await page.getByTestId('measured-accounts').innerText(), /^4 accounts \(3 hold the coin, 3 positions\)/);
  assert.match(await page.getByTestId('measured-status').innerText(), /Hyperliquid answered with error HTTP 422: Failed to deserialize/);

  // Coverage: 2 + 1.5 + 3 BTC at the mark ÷ open interest × mark.
  const coverage = (6.5 / OPEN_INTEREST) * 100;
  assert.equal(await page.getByTestId('measured-coverage').innerText(), `${coverage.toFixed(2)} %`);
  assert.match(await page.getByTestId('measured-no-price').innerText(), /1 without a liquidation price/);

  // The map CSV: measured rows at the fixtures' liquidation prices, USD = size × mark.
  const csv = await download(page, 'export-map-csv');
  const rows = csv.trim().split('\n').slice(1).map((line) => line.split(','));
  const measured = rows.filter((r) => r[2] === 'Hyperliquid (measured)');
  assert.equal(measured.length, 2);
  const [long, short] = measured;
  assert.ok(Number(long[0]) <= 82500 && 82500 < Number(long[1]) && long[4] === 'long', long.join());
  assert.ok(Math.abs(Number(long[5]) - 2 * MARK) < 1e-6);
  assert.ok(Number(short[0]) <= 95000 && 95000 < Number(short[1]) && short[4] === 'short', short.join());
  assert.ok(Math.abs(Number(short[5]) - 1.5 * MARK) < 1e-6);

  // The cosine shown is the model's Hyperliquid map against the measured one, bin by bin.
  const perBin = (exchange) => {
    const sums = new Map();
    for (const r of rows.filter((r) => r[2] === exchange)) sums.set(r[0], (sums.get(r[0]) ?? 0) + Number(r[5]));
    return sums;
  };
  const model = perBin('Hyperliquid');
  const mine = perBin('Hyperliquid (measured)');
  const bins = [...new Set([...model.keys(), ...mine.keys()])];
  const expected = cosine(bins.map((b) => model.get(b) ?? 0), bins.map((b) => mine.get(b) ?? 0));
  assert.equal(await page.getByTestId('measured-cosine').innerText(), expected.toFixed(2));
  assert.match(await page.getByTestId('accuracy-measured').innerText(), new RegExp(`cosine ${expected.toFixed(2)}`));

  // Histogram: 3x → 5x (3 BTC), 10x (1.5), 20x → 25x (2) of 6.5.
  const mix = await page.getByTestId('measured-mix').innerText();
  assert.match(mix, /5x\s*46 %\s*10x\s*23 %\s*25x\s*31 %\s*50x\s*0 %/);
  // Table: both mapped positions are within 20 % of the price, largest first.
  const table = await page.getByTestId('measured-table').innerText();
  assert.match(table, /0x0000…0001\s+long\s+\$173\.\d+K\s+20x[\s\S]*0x0000…0002\s+short/);
  const href = await page.getByTestId('measured-table').locator('a').first().getAttribute('href');
  assert.equal(href, `https://app.hyperliquid.xyz/explorer/address/${address(1)}`);
  await page.getByTestId('measured-map').scrollIntoViewIfNeeded();
  await page.waitForSelector('[data-testid="measured-map"][data-painted="true"]');
  const shot = await screenshot(page, 'measured');
  console.log(`screenshot: ${shot}`);

  // "Use the measured mix": all exchanges, then Hyperliquid only.
  await page.getByTestId('use-measured-mix').click();
  await page.waitForFunction(() => /mix=measured/.test(location.search));
  const lev = new URL(page.url()).searchParams.get('lev');
  assert.equal(lev, '5:46.153846,10:23.076923,25:30.769231,50:0,100:0');
  await page.getByTestId('model-link').click();
  assert.match(await page.getByTestId('weights-origin').innerText(), /measured on Hyperliquid/);
  await page.getByTestId('mix-hyperliquid-only').check();
  await page.getByTestId('use-measured-mix').click();
  await page.waitForFunction(() => /hlmix=/.test(location.search));
  assert.equal(new URL(page.url()).searchParams.get('hlmix'), '46.153846,23.076923,30.769231,0,0');
  assertClean(assert, page, { allow: [NETWORK_NOISE] });
  await page.closeAll();
});

test('requests stay within half of Hyperliquid\'s weight limit per minute', async () => {
  const asked = [];
  const page = await openMeasured(asked);
  const socket = await tradesSocket(page);
  // 800 traders: more than one minute's budget (300 requests of weight 2).
  for (let k = 0; k < 8; k++) {
    socket.ws.send(tradesFrame(Array.from({ length: 50 }, (_, i) => [address(100 + k * 100 + 2 * i), address(101 + k * 100 + 2 * i)])));
  }
  await page.waitForFunction(() => /^800 accounts found/.test(document.querySelector('[data-testid="measured-status"]').innerText));
  for (let s = 0; s < 180; s++) {
    await page.clock.runFor(1000);
    await new Promise((r) => setTimeout(r, 5));
  }
  // Send times in the page's (simulated) time: the most in any minute.
  const sentAt = await page.evaluate(() => window.sentAt);
  const most = Math.max(...sentAt.map((t) => sentAt.filter((u) => u >= t && u < t + 60_000).length));
  const minutes = [0, 1, 2].map((m) => sentAt.filter((t) => t >= END + m * 60_000 && t < END + (m + 1) * 60_000).length);
  console.log(`clearinghouseState requests per simulated minute: ${minutes.join(', ')}; most in any 60 s: ${most}`);
  assert.ok(most * 2 <= 600, `weight per minute ≤ 600: ${most} requests`);
  assert.ok(minutes[0] > 250, `the budget is used: ${minutes}`);
  assert.equal(sentAt.length, asked.length, 'every request seen by the exchange was counted');
  assert.equal(new Set(asked.map((a) => a.user)).size, asked.length, 'no account asked twice within its refresh period');
  assertClean(assert, page, { allow: [NETWORK_NOISE] });
  await page.closeAll();
});

test('a 429 backs off and says so; the rest of the page stays', async () => {
  const asked = [];
  const limited = async (route) => route.fulfill({ status: 429, headers: { 'access-control-allow-origin': '*' }, body: 'null' });
  const page = await openMeasured(asked, { answer: limited });
  const socket = await tradesSocket(page);
  socket.ws.send(tradesFrame([[address(1), address(2)], [address(3), address(4)]]));
  await until(page, () => /HTTP 429/.test(document.querySelector('[data-testid="measured-status"]').innerText));
  assert.match(await page.getByTestId('measured-status').innerText(), /asking no more accounts for 10 s/);
  const afterFirst = asked.length;
  await page.clock.runFor(9000);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(asked.length, afterFirst, 'nothing asked while backing off');
  await page.clock.runFor(2000);
  await until(page, () => /for [1-9]\d+ s/.test(document.querySelector('[data-testid="measured-status"]').innerText) && !/for 10 s/.test(document.querySelector('[data-testid="measured-status"]').innerText));
  assert.ok(asked.length > afterFirst, 'asked again once the wait is over');
  assert.match(await page.getByTestId('measured-status').innerText(), /for (20|40|80|160) s/, 'limited again: the wait doubles');
  // The estimate and every exchange are still there.
  assert.match(await page.getByTestId('status-hyperliquid').innerText(), /Hyperliquid/);
  await page.waitForSelector('[data-testid="liqmap"][data-painted="true"]');
  assertClean(assert, page, { allow: [NETWORK_NOISE] });
  await page.closeAll();
});

test('pasted addresses: hostile ones refused without a request, valid ones asked', async () => {
  const asked = [];
  const page = await openMeasured(asked);
  await tradesSocket(page);
  const hostile = `0xdead, <img src=x onerror=alert(1)>, ${address(1)}0, ${address(2)}`;
  await page.getByTestId('measured-paste').fill(hostile);
  await page.getByTestId('measured-paste-add').click();
  const refused = await page.getByTestId('measured-refused').innerText();
  assert.match(refused, /^Not addresses, not sent: 0xdead, <img, src=x, onerror=alert\(1\)…, 0x0000/);
  assert.equal(await page.locator('img').count(), 0, 'shown as text');
  await until(page, () => /^1 accounts/.test(document.querySelector('[data-testid="measured-accounts"]')?.innerText ?? ''));
  assert.deepEqual(asked.map((a) => a.user), [address(2)]);
  assertClean(assert, page, { allow: [NETWORK_NOISE] });
  await page.closeAll();
});

test('measured data is live: a pinned view does not claim it, the simulated market has none', async () => {
  const asked = [];
  const page = await openMeasured(asked, { query: `&at=2025-12-31T12:00Z` });
  assert.match(await page.getByTestId('measured-pinned').innerText(), /neither a pinned view nor the simulated market/);
  assert.equal(page.sockets.some((s) => s.sent.some((m) => m.includes('"type":"trades"'))), false);
  await page.goto(`${env.server.url}?demo=1&measured=1`);
  await waitForHeatmap(page);
  assert.match(await page.getByTestId('measured-pinned').innerText(), /neither a pinned view nor the simulated market/);
  assert.equal(asked.length, 0);
  assertClean(assert, page, { allow: [NETWORK_NOISE] });
  await page.closeAll();
});

test('a snapshot per refresh is kept; after a reload "As of" draws an older one and says so', async () => {
  const asked = [];
  // Account 1 closes its position once the first answers are in.
  let closed = false;
  const answer = (route, user) => accountAnswer(route, closed && user === address(1) ? address(4) : user);
  const page = await openMeasured(asked, { answer });
  const socket = await tradesSocket(page);
  socket.ws.send(tradesFrame([[address(1), address(2)], [address(3), address(4)]]));
  await until(page, () => /^4 accounts/.test(document.querySelector('[data-testid="measured-accounts"]')?.innerText ?? ''));
  closed = true;
  assert.equal(await page.getByTestId('measured-as-of').locator('option').count(), 1, 'nothing kept before a refresh period');
  // A refresh period (5 min of the page's clock): the first snapshot.
  await until(page, (n) => document.querySelectorAll('[data-testid="measured-as-of"] option').length === n, 2, { step: 10_000, tries: 60 });
  // Accounts are asked again; account 1 now holds nothing. The next snapshot.
  await until(page, () => /2 hold the coin/.test(document.querySelector('[data-testid="measured-accounts"]').innerText), null, { step: 5_000 });
  await until(page, (n) => document.querySelectorAll('[data-testid="measured-as-of"] option').length === n, 3, { step: 10_000, tries: 60 });
  assert.equal(await storedCount(page, 'snapshots'), 2);

  await page.reload();
  await waitForHeatmap(page);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="measured-as-of"] option').length === 3);
  const labels = await page.getByTestId('measured-as-of').locator('option').allInnerTexts();
  assert.match(labels.join(' | '), /^now \(live\) \| 01-01 00:1\d UTC \| 01-01 00:0\d UTC$/, 'newest first');
  // The older snapshot: three positions, as measured before account 1 closed.
  const older = await page.getByTestId('measured-as-of').locator('option').nth(2).getAttribute('value');
  await page.getByTestId('measured-as-of').selectOption(older);
  await page.waitForFunction(() => /^Past snapshot taken 01-01 00:0\d UTC \(\d+ min ago\), not live$/.test(document.querySelector('[data-testid="measured-when"]').innerText));
  assert.match(await page.getByTestId('measured-accounts').innerText(), /^4 accounts \(3 hold the coin, 3 positions\)/);
  assert.equal(await page.getByTestId('measured').getAttribute('data-past'), '');
  assert.equal(await page.getByTestId('measured-table').isVisible(), false, 'snapshots keep no accounts: no table');
  await page.getByTestId('measured-map').scrollIntoViewIfNeeded();
  await page.waitForSelector('[data-testid="measured-map"][data-painted="true"]');
  await screenshot(page, 'measured-as-of');
  // The newer one, by keyboard: two positions.
  await page.getByTestId('measured-as-of').focus();
  await page.keyboard.press('ArrowUp');
  await page.waitForFunction(() => /2 hold the coin, 2 positions/.test(document.querySelector('[data-testid="measured-accounts"]').innerText));
  // Back to now.
  await page.getByTestId('measured-as-of').selectOption('');
  await page.waitForFunction(() => document.querySelector('[data-testid="measured-when"]').innerText === 'Measured now');
  assert.equal(await page.getByTestId('measured').getAttribute('data-past'), null);

  // A damaged snapshot is dropped when read: it leaves the list.
  await page.evaluate((key) => new Promise((resolve) => {
    const open = indexedDB.open('liqmap');
    open.onsuccess = () => {
      const tx = open.result.transaction('snapshots', 'readwrite');
      tx.objectStore('snapshots').put(new Float64Array([9, 1, 2]), key);
      tx.oncomplete = () => { open.result.close(); resolve(); };
    };
  }), `${older}|BTC`);
  await page.getByTestId('measured-as-of').selectOption(older);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="measured-as-of"] option').length === 2);
  assert.equal(await page.getByTestId('measured-when').innerText(), 'Measured now');
  assert.equal(await storedCount(page, 'snapshots'), 1);
  assertClean(assert, page, { allow: [NETWORK_NOISE] });
  await page.closeAll();
});
