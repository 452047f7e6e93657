// Shared links: the whole view in the query string, safe against hostile
// links; copy link (live and pinned); back/forward; the view controls that
// the URL carries (exchanges, resolution, chart order, theme).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  sharedBrowser, openPage, assertClean, screenshot, waitForHeatmap, waitForSettled,
} from './harness.mjs';
import { END, FIXTURES } from './fixtures.mjs';

const env = sharedBrowser({ before, after });

/** A page on the fixtures' clock that records dialogs and CSP violations. */
async function openWatched() {
  const page = await openPage(env.browser, env.server.url, { routes: FIXTURES });
  await page.clock.setFixedTime(END);
  page.dialogs = [];
  page.on('dialog', async (dialog) => {
    page.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  await page.addInitScript(() => {
    window.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.violations.push(`${e.violatedDirective}: ${e.blockedURI}`);
    });
  });
  return page;
}

const long = (n) => 'A'.repeat(n);
const tiers = (n) => Array.from({ length: n }, (_, i) => `${i + 2}:5`).join(',');

// [query, a name the notice must show]. Most run on the simulated market
// (quick); the last ones load the five exchanges from fixtures.
const HOSTILE = [
  ['demo=1&sym=<script>window.pwned=1</script>', 'sym'],
  ['demo=1&sym=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'sym'],
  ['demo=1&sym=<img src=x onerror=alert(1)>', 'sym'],
  ['demo=1&sym="><svg onload=alert(1)>', 'sym'],
  ['demo=1&sym=%00', 'sym'],
  ['demo=1&theme=javascript:alert(1)', 'theme'],
  ['demo=1&palette=javascript:window.pwned=1', 'palette'],
  ['demo=1&window=<b>7d</b>', 'window'],
  ['demo=1&window=99d', 'window'],
  ['demo=1&window=NaN', 'window'],
  ['demo=1&lev=5:NaN', 'lev'],
  ['demo=1&lev=-5:10', 'lev'],
  ['demo=1&lev=5:-10', 'lev'],
  ['demo=1&lev=1e309:10', 'lev'],
  [`demo=1&lev=${tiers(12)}`, 'lev'],
  ['demo=1&lev=5:10,,', 'lev'],
  ['demo=1&long=NaN', 'long'],
  ['demo=1&long=-1', 'long'],
  ['demo=1&long=Infinity', 'long'],
  ['demo=1&mode=<script>', 'mode'],
  ['demo=1&view=javascript:alert(1)', 'view'],
  ['demo=1&pmin=-100&pmax=50', 'pmin'],
  ['demo=1&pmin=90000&pmax=10', 'pmin/pmax'],
  ['demo=1&pmin=NaN&pmax=1', 'pmin'],
  ['demo=1&tmin=2026-01-02T00:00Z&tmax=2026-01-01T00:00Z', 'tmin/tmax'],
  ['demo=1&tmin=-1&tmax=5', 'tmin'],
  ['demo=1&at=99999999999999999999', 'at'],
  ['demo=1&at=javascript:alert(1)', 'at'],
  ['demo=1&bins=1e9', 'bins'],
  ['demo=1&bins=-3', 'bins'],
  ['demo=1&bins=999999', 'bins'],
  ['demo=1&seed=-1', 'seed'],
  ['demo=1&seed=<script>', 'seed'],
  [`demo=1&sym=${long(10_000)}`, 'sym'],
  [`demo=1&theme=${long(10_000)}`, 'theme'],
  ['demo=1&foo=bar', 'foo'],
  ['demo=1&<script>alert(1)</script>=1', '<script>alert(1)'],
  ['demo=1&%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E=1', '<imgsrc=xonerror'],
  ['demo=1&sym=BTC&sym=ETH', 'sym'],
  ['demo=1&theme=light&theme=dark', 'theme'],
  ['demo=1&sym=%E0%A4%A', 'sym'],
  ['demo=1&sym=%ZZ', 'sym'],
  ['demo=1&%ZZ=1', '%ZZ'],
  ['demo=1&faint=2', 'faint'],
  ['demo=1&stack=<svg/onload=alert(1)>', 'stack'],
  ['demo=1&res=javascript:', 'res'],
  ['demo=1&demo=maybe', 'demo'],
  ['window=1d&ex=binance,evil.example.com', 'ex'],
  ['window=1d&ex=https://attacker.example', 'ex'],
  ['window=1d&ex=', 'ex'],
  ['window=1d&demo=maybe', 'demo'],
];

test(`${HOSTILE.length} hostile links: page renders, nothing runs, the notice names what was dropped`, async () => {
  assert.ok(HOSTILE.length >= 40);
  const page = await openWatched();
  for (const [query, named] of HOSTILE) {
    await page.goto(`${env.server.url}?${query}`);
    await waitForHeatmap(page);
    const notice = page.getByTestId('url-notice');
    await notice.waitFor();
    const text = await notice.innerText();
    assert.ok(text.includes(named), `${query}: the notice names ${named}: ${text}`);
    const state = await page.evaluate(() => ({
      pwned: window.pwned,
      violations: window.violations,
      // Text only: nothing from the link became an element.
      markup: document.querySelector('[data-testid="url-notice"]').querySelectorAll('script,img,svg,b,iframe').length,
    }));
    assert.equal(state.pwned, undefined, `${query}: no script ran`);
    assert.deepEqual(state.violations, [], `${query}: no CSP violation`);
    assert.equal(state.markup, 0, `${query}: no markup`);
  }
  assert.deepEqual(page.dialogs, [], 'no dialog opened');
  // No link made the app talk to another host.
  assert.deepEqual(page.blocked.filter((u) => !/binance|bybit|okx|hyperliquid|dydx/.test(u)), []);
  // The notice goes away when dismissed, and the address was tidied.
  await page.getByTestId('url-notice-dismiss').click();
  assert.equal(await page.getByTestId('url-notice').count(), 0);
  assert.ok(!page.url().includes('maybe'), `ignored parts left the address: ${page.url()}`);
  assertClean(assert, page);
  await page.closeAll();
});

/** The settings a page shows, read from its controls and its address. */
async function shownSettings(page) {
  return page.evaluate(() => ({
    query: location.search,
    window: document.querySelector('[data-testid="window"]').value,
    palette: document.querySelector('[data-testid="palette"]').value,
    theme: document.documentElement.dataset.theme,
    mapFirst: document.querySelector('main').classList.contains('map-first'),
    shown: document.querySelector('[data-testid="heatmap"]').dataset.shown,
  }));
}

async function copiedLink(page, which) {
  const field = page.getByTestId('share-url');
  const previous = (await field.count()) ? await field.inputValue() : '';
  await page.getByTestId(`copy-${which}-link`).click();
  await page.waitForFunction(
    (old) => (document.querySelector('[data-testid="share-url"]')?.value ?? old) !== old,
    previous,
  );
  return field.inputValue();
}

async function heatmapCsv(page) {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-heatmap-csv').click(),
  ]);
  const chunks = [];
  for await (const chunk of await file.createReadStream()) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

test('a copied link, live or pinned, opens the same view; a pinned one gives the same CSV', async () => {
  const page = await openWatched();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(`${env.server.url}?window=1d`);
  await waitForHeatmap(page);
  // Change settings through the controls.
  await page.getByTestId('palette').selectOption('viridis');
  await page.getByTestId('theme').selectOption('light');
  await page.getByTestId('view-map').check();
  await page.getByTestId('use-okx').uncheck();
  // Unchecking OKX loads the view again: zoom what it shows once loaded
  // and computed.
  await waitForSettled(page);
  await waitForHeatmap(page);
  await page.locator('[data-testid="heatmap"]').focus();
  await page.keyboard.press('+');
  await page.waitForFunction(() => location.search.includes('tmin='), null, { timeout: 5000 });
  await waitForHeatmap(page);
  const before = await shownSettings(page);
  const csv = await heatmapCsv(page);
  await screenshot(page, 'url-light-map-first');

  const live = await copiedLink(page, 'live');
  assert.ok(!live.includes('at='), live);
  const pinned = await copiedLink(page, 'pinned');
  assert.match(pinned, /[?&]at=2026-01-01T00:00Z/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), pinned);

  for (const link of [live, pinned]) {
    const fresh = await openWatched();
    await fresh.goto(link);
    await waitForHeatmap(fresh);
    await fresh.waitForFunction(() => document.querySelector('[data-testid="status-okx"]')?.dataset.state === 'off');
    const after = await shownSettings(fresh);
    const expected = { ...before, query: new URL(link).search };
    assert.deepEqual(after, expected, link);
    assert.equal(await fresh.getByTestId('url-notice').count(), 0, 'nothing ignored');
    if (link === pinned) assert.equal(await heatmapCsv(fresh), csv, 'same export');
    assertClean(assert, fresh);
    await fresh.closeAll();
  }
  await page.closeAll();
});

test('back and forward walk through views', async () => {
  const page = await openWatched();
  await page.goto(`${env.server.url}?demo=1`);
  await waitForHeatmap(page);
  await page.getByTestId('window').selectOption('1d');
  await page.getByTestId('palette').selectOption('viridis');
  assert.match(page.url(), /window=1d.*palette=viridis/);
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('[data-testid="palette"]').value === 'inferno');
  assert.equal(await page.getByTestId('window').inputValue(), '1d');
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('[data-testid="window"]').value === '7d');
  await page.goForward();
  await page.waitForFunction(() => document.querySelector('[data-testid="window"]').value === '1d');
  await waitForHeatmap(page);
  assertClean(assert, page);
  await page.closeAll();
});

test('exchanges switch off and on, resolution is chosen, the URL follows', async () => {
  const page = await openWatched();
  await page.goto(`${env.server.url}?window=1d`);
  await waitForHeatmap(page);
  await page.getByTestId('use-bybit').uncheck();
  await page.waitForFunction(() => document.querySelector('[data-testid="status-bybit"]').dataset.state === 'off');
  await page.waitForFunction(() => /4 of 4 exchanges/.test(document.querySelector('[data-testid="live-label"]').innerText));
  assert.match(page.url(), /ex=binance,okx,hyperliquid,dydx/);
  const options = await page.getByTestId('resolution').locator('option').allInnerTexts();
  assert.ok(options[0].startsWith('auto ('), options.join());
  assert.ok(options.includes('1h'), options.join());
  await page.getByTestId('resolution').selectOption('1h');
  await page.waitForFunction(() => location.search.includes('res=1h'));
  await page.getByTestId('use-bybit').check();
  await page.waitForFunction(() => /5 of 5 exchanges/.test(document.querySelector('[data-testid="live-label"]').innerText), null, { timeout: 20_000 });
  await waitForHeatmap(page);
  assert.ok(!page.url().includes('ex='), page.url());
  assertClean(assert, page);
  await page.closeAll();
});
