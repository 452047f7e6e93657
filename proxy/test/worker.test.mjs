// The worker in workerd (miniflare), with the exchanges replaced by local
// fixture exchanges: what passes, what is refused, CORS, caching,
// coalescing and the backoff after a 429.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFixtureExchanges, startWorker } from './local.mjs';

const ORIGIN = 'https://liqmap.example';
const HOUR = 3_600_000;
const fixtures = join(import.meta.dirname, '..', '..', 'tests', 'fixtures', 'exchanges');

let exchanges;
let worker;
before(async () => {
  exchanges = await startFixtureExchanges();
  // Binance is left out: a proxy serves only the exchanges it is told to.
  worker = await startWorker({ upstream: exchanges.url, origins: [ORIGIN, 'http://127.0.0.1:8080'], exchanges: ['bybit', 'okx', 'hyperliquid', 'dydx'] });
});
after(async () => {
  await worker?.dispose();
  await exchanges?.close();
});

const get = (path, headers = {}) => worker.fetch(path, { headers: { origin: ORIGIN, ...headers } });
const post = (path, body, headers = {}) => worker.fetch(path, {
  method: 'POST', body, headers: { origin: ORIGIN, 'content-type': 'application/json', ...headers },
});
/** Upstream requests made while `fn` runs. */
async function upstreamDuring(fn) {
  const before = exchanges.requests.length;
  await fn();
  return exchanges.requests.slice(before);
}
/** A 1-hour Bybit kline page; distinct `start`s make distinct requests. */
const bybitKlines = (start, end = start + 10 * HOUR - 1) => `/bybit/v5/market/kline?category=linear&symbol=BTCUSDT&interval=60&start=${start}&end=${end}&limit=1000`;
const T = 1_767_225_600_000;

test('allowed requests pass and keep their status codes and bodies', async () => {
  const cases = [
    [get(bybitKlines(T - 100 * HOUR)), 'bybit/klines.json'],
    [get('/okx/api/v5/public/instruments?instType=SWAP'), 'okx/instruments.json'],
    [get(`/okx/api/v5/rubik/stat/contracts/open-interest-history?instId=BTC-USDT-SWAP&period=1H&begin=${T - 99 * HOUR}&end=${T - 1}&limit=100`), 'okx/open_interest_history.json'],
    [post('/hyperliquid/info', '{"type":"meta"}'), 'hyperliquid/instruments.json'],
    [post('/hyperliquid/info', JSON.stringify({ type: 'candleSnapshot', req: { coin: 'BTC', interval: '1h', startTime: T - 50 * HOUR, endTime: T - 1 } })), 'hyperliquid/candles.json'],
    [get('/dydx/perpetualMarkets?ticker=BTC-USD'), 'dydx/perpetual_markets.json'],
    [get('/dydx/trades/perpetualMarket/BTC-USD?limit=100'), 'dydx/trades.json'],
  ];
  for (const [pending, file] of cases) {
    const response = await pending;
    assert.equal(response.status, 200, file);
    assert.equal(await response.text(), await readFile(join(fixtures, file), 'utf8'), file);
    assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN);
  }
  // An exchange's own errors come through as they were, and are not kept.
  exchanges.answerWith((r) => (r.url.includes('BADUSDT') ? { status: 400, body: '{"retCode":10001,"retMsg":"params error: symbol invalid"}' } : undefined));
  for (let i = 0; i < 2; i++) {
    const asked = await upstreamDuring(async () => {
      const response = await get('/bybit/v5/market/risk-limit?category=linear&symbol=BADUSDT');
      assert.equal(response.status, 400);
      assert.equal(await response.text(), '{"retCode":10001,"retMsg":"params error: symbol invalid"}');
    });
    assert.equal(asked.length, 1, 'an error is asked again');
  }
  exchanges.answerWith(() => undefined);
});

test('everything else gets 403 with a JSON reason and never reaches an exchange', async () => {
  const attempts = [
    // Paths outside the allowlist, other hosts, exchanges not served.
    get('/bybit/v5/order/create?category=linear'),
    get('/bybit/v5/account/wallet-balance?accountType=UNIFIED'),
    get('/okx/api/v5/account/balance'),
    get('/okx/api/v5/market/history-candles?instId=BTC-USDT-SWAP&bar=1H&after=1&before=0&limit=300&extra=1'),
    get('/evil.example/anything'),
    get('/http://evil.example/v5/market/kline'),
    get('/binance/fapi/v1/exchangeInfo'),
    get('/dydx/addresses/dydx1qqq/subaccountNumber/0'),
    get('/bybit/v5/market/kline%3Fcategory=linear'),
    // Hyperliquid bodies of other types or shapes.
    post('/hyperliquid/info', '{"type":"userFills","user":"0x0000000000000000000000000000000000000000"}'),
    post('/hyperliquid/info', '{"type":"order","action":{}}'),
    post('/hyperliquid/exchange', '{"type":"meta"}'),
    post('/hyperliquid/info', '{"type":"meta","signature":"x"}'),
    post('/hyperliquid/info', `{"type":"meta","pad":"${'x'.repeat(5000)}"}`),
    post('/hyperliquid/info', '{"type":"meta"}', { 'content-type': 'text/plain' }),
    // Header smuggling: credentials, method overrides.
    get('/okx/api/v5/public/instruments?instType=SWAP', { cookie: 'session=1' }),
    get('/okx/api/v5/public/instruments?instType=SWAP', { authorization: 'Bearer x' }),
    get('/okx/api/v5/public/instruments?instType=SWAP', { 'ok-access-key': 'k' }),
    get('/bybit/v5/market/risk-limit?category=linear&symbol=BTCUSDT', { 'x-bapi-api-key': 'k' }),
    post('/hyperliquid/info', '{"type":"meta"}', { 'x-http-method-override': 'DELETE' }),
    // Body smuggling: a GET with a body.
    worker.fetch('/okx/api/v5/public/instruments?instType=SWAP', { method: 'PUT', body: 'x', headers: { origin: ORIGIN } }),
    worker.fetch('/okx/api/v5/public/instruments?instType=SWAP', { method: 'DELETE', headers: { origin: ORIGIN } }),
  ];
  const asked = await upstreamDuring(async () => {
    for (const pending of attempts) {
      const response = await pending;
      assert.equal(response.status, 403, response.url);
      const answer = await response.json();
      assert.equal(answer.error, 'forbidden');
      assert.ok(answer.reason.length > 0);
    }
  });
  assert.deepEqual(asked, []);
});

test('upstream gets only the headers the exchange needs', async () => {
  const [sent] = await upstreamDuring(async () => {
    const response = await post('/hyperliquid/info', '{"type":"l2Book","coin":"BTC"}', { 'x-visitor': 'me', referer: `${ORIGIN}/?sym=BTC`, 'accept-language': 'fr' });
    assert.equal(response.status, 200);
  });
  assert.equal(sent.body, '{"type":"l2Book","coin":"BTC"}');
  const names = Object.keys(sent.headers).filter((h) => !['host', 'content-length', 'accept-encoding', 'connection', 'cf-worker'].includes(h));
  assert.deepEqual(names.sort(), ['accept', 'content-type', 'user-agent']);
});

test('CORS: the configured origins only, preflight included', async () => {
  const allowed = await worker.fetch('/okx/api/v5/public/instruments?instType=SWAP', {
    method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'GET' },
  });
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers.get('access-control-allow-origin'), ORIGIN);
  const json = await worker.fetch('/hyperliquid/info', {
    method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  assert.equal(json.status, 204);
  assert.match(json.headers.get('access-control-allow-headers'), /content-type/);
  assert.equal(json.headers.get('access-control-allow-origin'), ORIGIN);

  const refusedAnswers = [
    worker.fetch('/hyperliquid/info', { method: 'OPTIONS', headers: { origin: 'https://other.example', 'access-control-request-method': 'POST' } }),
    worker.fetch('/hyperliquid/info', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' } }),
    worker.fetch('/hyperliquid/info', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'DELETE' } }),
    get('/okx/api/v5/public/instruments?instType=SWAP', { origin: 'https://other.example' }),
    get('/okx/api/v5/public/instruments?instType=SWAP', { origin: 'null' }),
    worker.fetch('/okx/api/v5/public/instruments?instType=SWAP'),
  ];
  for (const pending of refusedAnswers) {
    const response = await pending;
    assert.equal(response.status, 403);
    assert.notEqual(response.headers.get('access-control-allow-origin'), 'https://other.example');
    assert.notEqual(response.headers.get('access-control-allow-origin'), '*');
  }
  const ok = await get('/okx/api/v5/public/instruments?instType=SWAP', { origin: 'http://127.0.0.1:8080' });
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8080');
  assert.equal(ok.headers.get('vary'), 'Origin');
  assert.match(ok.headers.get('access-control-expose-headers'), /Retry-After/);
});

test('closed pages are asked once; books again after a second', async () => {
  const page = bybitKlines(T - 200 * HOUR);
  const asked = await upstreamDuring(async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get(page)).status, 200);
  });
  assert.equal(asked.length, 1);
  const book = '/okx/api/v5/market/books?instId=BTC-USDT-SWAP&sz=400';
  const books = await upstreamDuring(async () => {
    await get(book);
    await get(book);
    await new Promise((r) => setTimeout(r, 1100));
    await get(book);
  });
  assert.equal(books.length, 2);
});

test('whether a page is closed is judged by the worker\'s clock', async () => {
  const page = `/bybit/v5/market/open-interest?category=linear&symbol=BTCUSDT&intervalTime=1h&startTime=${T - 20 * HOUR}&endTime=${T}&limit=200`;
  const maxAge = async (nowMs) => {
    const proxy = await startWorker({ upstream: exchanges.url, origins: [ORIGIN], nowMs });
    try {
      return (await proxy.fetch(page, { headers: { origin: ORIGIN } })).headers.get('cache-control');
    } finally {
      await proxy.dispose();
    }
  };
  assert.match(await maxAge(T + 60_000), /^public, max-age=[45]$/, 'the point at T may not be published yet');
  assert.match(await maxAge(T + HOUR), /max-age=60\d{4}/);
});

test('identical requests in flight make one upstream request; so do open pages ending in the same candle', async () => {
  const now = Date.now();
  const candle = now - (now % HOUR);
  exchanges.answerWith(() => undefined);
  const slow = await startFixtureExchanges({ latencyMs: 300 });
  const proxy = await startWorker({ upstream: slow.url, origins: [ORIGIN] });
  try {
    // 50 visitors at once; the open page's end is each visitor's own "now".
    const pages = Array.from({ length: 50 }, (_, i) => proxy.fetch(
      bybitKlines(candle - 20 * HOUR, Math.min(candle + HOUR - 1, now + i)), { headers: { origin: ORIGIN } },
    ));
    const bodies = await Promise.all(pages.map(async (p) => (await p).text()));
    assert.equal(new Set(bodies).size, 1);
    assert.equal(slow.requests.length, 1);
  } finally {
    await proxy.dispose();
    await slow.close();
  }
});

test('after a 429 the exchange is asked again only after its Retry-After; visitors get 429 from the proxy meanwhile', async () => {
  const limited = await startFixtureExchanges();
  const proxy = await startWorker({ upstream: limited.url, origins: [ORIGIN] });
  let refuse = true;
  limited.answerWith((r) => (r.exchange === 'okx' && refuse ? { status: 429, headers: { 'retry-after': '2' }, body: '{"code":"50011","msg":"Too Many Requests"}' } : undefined));
  const ask = (i) => proxy.fetch(`/okx/api/v5/market/history-candles?instId=BTC-USDT-SWAP&bar=1H&after=${T - i * HOUR}&before=${T - (i + 20) * HOUR - 1}&limit=300`, { headers: { origin: ORIGIN } });
  try {
    const first = await ask(0);
    assert.equal(first.status, 429);
    assert.equal(first.headers.get('retry-after'), '2');
    const firstAt = Date.now();
    refuse = false;
    // Distinct pages (nothing cached) for the next 1.5 s: the proxy answers.
    let i = 1;
    while (Date.now() - firstAt < 1500) {
      const response = await ask(i++);
      assert.equal(response.status, 429);
      assert.ok(Number(response.headers.get('retry-after')) <= 2);
      assert.equal((await response.json()).error, 'rate limited');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(limited.requests.filter((r) => r.exchange === 'okx').length, 1);
    // Other exchanges are not held back.
    assert.equal((await proxy.fetch('/bybit/v5/market/risk-limit?category=linear&symbol=BTCUSDT', { headers: { origin: ORIGIN } })).status, 200);
    await new Promise((r) => setTimeout(r, 2000 - (Date.now() - firstAt) + 50));
    assert.equal((await ask(i)).status, 200);
    const okx = limited.requests.filter((r) => r.exchange === 'okx');
    assert.equal(okx.length, 2);
    assert.ok(okx[1].at - okx[0].at >= 2000, `asked again after ${okx[1].at - okx[0].at} ms`);
  } finally {
    await proxy.dispose();
    await limited.close();
  }
});
