// The page built against the CORS proxy (`make build-proxied`: Bybit and
// OKX through http://127.0.0.1:PROXY_TEST_PORT) with the worker running in
// workerd and the exchanges behind it replaced by fixture exchanges: both
// draw, nothing goes to Bybit or OKX directly, and the page's
// Content-Security-Policy lets the proxy through and reports nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startServer, launchBrowser, openPage, assertClean, screenshot, waitForHeatmap, repoRoot,
} from './harness.mjs';
import { END, EXCHANGES, HOST, FIXTURES } from './fixtures.mjs';
import { startFixtureExchanges, startWorker } from '../../proxy/test/local.mjs';

const dist = join(repoRoot, 'target', 'dist-proxied');
const env = {};

before(async () => {
  const page = await readFile(join(dist, 'index.html'), 'utf8').catch(() => {
    throw new Error('target/dist-proxied is missing: run `make build-proxied` first');
  });
  // The proxy's address is the one compiled in (and added to the CSP).
  env.port = Number(page.match(/connect-src 'self' http:\/\/127\.0\.0\.1:(\d+)/)?.[1]);
  assert.ok(env.port, 'the page names a loopback proxy in its CSP');
  env.server = await startServer(dist);
  env.exchanges = await startFixtureExchanges();
  env.worker = await startWorker({
    upstream: env.exchanges.url,
    origins: [new URL(env.server.url).origin],
    exchanges: ['bybit', 'okx'],
    port: env.port,
  });
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.worker?.dispose();
  await env.exchanges?.close();
  await env.server?.close();
});

test('Bybit and OKX load through the proxy and draw; the CSP reports no violation', async () => {
  // The page must not ask Bybit or OKX itself any more.
  const direct = [];
  const refuseDirect = (route) => {
    direct.push(route.request().url());
    return route.abort('connectionfailed');
  };
  const page = await openPage(env.browser, env.server.url, {
    routes: {
      [`127.0.0.1:${env.port}/`]: (route) => route.continue(),
      [HOST.bybit]: refuseDirect,
      [HOST.okx]: refuseDirect,
      ...FIXTURES,
    },
  });
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.clock.setFixedTime(END);
  await page.goto(`${env.server.url}?sym=BTC&window=1d`);
  await page.waitForFunction(
    (ids) => ids.every((id) => ['ready', 'failed'].includes(document.querySelector(`[data-testid="status-${id}"]`)?.dataset.state)),
    EXCHANGES,
    { timeout: 30_000 },
  );
  for (const exchange of EXCHANGES) {
    const chip = page.getByTestId(`status-${exchange}`);
    assert.equal(await chip.getAttribute('data-state'), 'ready', `${exchange}: ${await chip.innerText()}`);
  }
  await waitForHeatmap(page);
  assert.match(await page.getByTestId('live-label').innerText(), /5 of 5 exchanges/);
  await screenshot(page, 'proxy-bybit-okx');

  assert.deepEqual(direct, [], 'no request went to Bybit or OKX directly');
  const proxied = new Set(env.exchanges.requests.map((r) => r.exchange));
  assert.deepEqual([...proxied].sort(), ['bybit', 'okx'], 'the proxy asked the fixture exchanges');
  assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
  assertClean(assert, page);
  await page.closeAll();
});
