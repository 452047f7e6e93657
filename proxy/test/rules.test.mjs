// The proxy's pure parts: the allowlist, the cache rules, the backoff and
// the memory cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRequest } from '../src/allowlist.js';
import { cachePolicy, keepable, TTL } from '../src/cache-rules.js';
import { Backoff, retryAfterMs } from '../src/backoff.js';
import { MemoryCache } from '../src/memory-cache.js';

const HOUR = 3_600_000;
/** A grid-aligned time: 2026-01-01T00:00:00Z. */
const T = 1_767_225_600_000;

const check = (method, path, body = null) => checkRequest(method, new URL(path, 'https://proxy.test'), body);
const route = (method, path, body) => {
  const result = check(method, path, body);
  assert.ok(result.ok, `${path}: ${result.reason}`);
  return result.route;
};
const refused = (method, path, body, why) => {
  const result = check(method, path, body);
  assert.equal(result.ok, false, `${path} ${body ?? ''} should be refused`);
  if (why) assert.match(result.reason, why);
};

const binanceKlines = (start, end) => `/binance/fapi/v1/klines?symbol=BTCUSDT&interval=1h&startTime=${start}&endTime=${end}&limit=1500`;
const hyperliquidCandles = (start, end) => JSON.stringify({ type: 'candleSnapshot', req: { coin: 'BTC', interval: '1h', startTime: start, endTime: end } });

test('allowed requests go upstream as they came', () => {
  const r = route('GET', binanceKlines(T - 48 * HOUR, T - 1));
  assert.equal(r.exchange, 'binance');
  assert.equal(r.path, '/fapi/v1/klines');
  assert.equal(r.query, `symbol=BTCUSDT&interval=1h&startTime=${T - 48 * HOUR}&endTime=${T - 1}&limit=1500`);
  const d = route('GET', '/dydx/candles/perpetualMarkets/BTC-USD?resolution=1HOUR&fromISO=2025-12-30T00%3A00%3A00.000Z&toISO=2025-12-31T23%3A59%3A59.999Z&limit=1000');
  assert.equal(d.path, '/candles/perpetualMarkets/BTC-USD');
  assert.equal(d.query, 'resolution=1HOUR&fromISO=2025-12-30T00%3A00%3A00.000Z&toISO=2025-12-31T23%3A59%3A59.999Z&limit=1000');
  const body = hyperliquidCandles(T - HOUR, T - 1);
  assert.equal(route('POST', '/hyperliquid/info', body).body, body);
  assert.equal(route('GET', '/dydx/perpetualMarkets').kind, 'reference');
  assert.equal(route('GET', '/dydx/perpetualMarkets?ticker=BTC-USD').kind, 'snapshot');
  assert.equal(route('GET', '/dydx/trades/perpetualMarket/BTC-USD?limit=100').kind, 'trades');
  assert.equal(route('POST', '/hyperliquid/info', JSON.stringify({ type: 'clearinghouseState', user: `0x${'ab'.repeat(20)}` })).kind, 'book');
});

test('the query is rebuilt in a fixed order', () => {
  const r = route('GET', `/binance/fapi/v1/klines?limit=1500&endTime=${T - 1}&interval=1h&symbol=BTCUSDT&startTime=${T - HOUR}`);
  assert.equal(r.query, `symbol=BTCUSDT&interval=1h&startTime=${T - HOUR}&endTime=${T - 1}&limit=1500`);
});

test('anything outside the allowlist is refused with a reason', () => {
  refused('GET', '/kraken/0/public/OHLC', null, /unknown exchange/);
  refused('GET', '/https://evil.example/fapi/v1/klines', null, /unknown exchange/);
  refused('GET', '//evil.example/fapi/v1/klines', null, /unknown exchange/);
  refused('GET', '/binance/fapi/v1/order?symbol=BTCUSDT', null, /path not allowed/);
  refused('GET', '/binance/fapi/v2/account', null, /path not allowed/);
  refused('GET', '/binance/fapi/v1/klines/../../sapi/v1/account', null, /path not allowed/);
  refused('GET', '/binance/fapi/v1%2Fklines?symbol=BTCUSDT', null, /encoded/);
  refused('GET', `${binanceKlines(1, 2)}&signature=abc`, null, /not allowed: signature/);
  refused('GET', `${binanceKlines(1, 2)}&symbol=ETHUSDT`, null, /twice/);
  refused('GET', '/binance/fapi/v1/klines?symbol=BTCUSDT&interval=1h&startTime=1&limit=1500', null, /missing query parameter endTime/);
  refused('GET', '/binance/fapi/v1/klines?symbol=BTC%0D%0AX-Evil:1&interval=1h&startTime=1&endTime=2&limit=1500', null, /bad value for symbol/);
  refused('GET', '/binance/fapi/v1/klines?symbol=BTCUSDT&interval=7m&startTime=1&endTime=2&limit=1500', null, /bad value for interval/);
  refused('GET', '/bybit/v5/market/instruments-info?category=spot&limit=1000', null, /bad value for category/);
  refused('GET', '/okx/api/v5/account/balance', null, /path not allowed/);
  refused('GET', '/dydx/addresses/dydx1abc/subaccountNumber/0', null, /path not allowed/);
  refused('GET', '/dydx/candles/perpetualMarkets/BTC-USD/extra?resolution=1HOUR', null, /path not allowed/);
  refused('POST', binanceKlines(1, 2), null, /POST is not allowed/);
  refused('GET', binanceKlines(1, 2), 'smuggled', /no body/);
});

test('Hyperliquid: only the types and fields the app sends', () => {
  refused('GET', '/hyperliquid/info', null, /only POST \/info/);
  refused('POST', '/hyperliquid/exchange', '{"type":"meta"}', /only POST \/info/);
  refused('POST', '/hyperliquid/info?x=1', '{"type":"meta"}', /no query/);
  refused('POST', '/hyperliquid/info', '{"type":"userFills","user":"0x0"}', /type not allowed: userFills/);
  refused('POST', '/hyperliquid/info', '{"type":"constructor"}', /type not allowed/);
  refused('POST', '/hyperliquid/info', '{"type":"__proto__"}', /type not allowed/);
  refused('POST', '/hyperliquid/info', '{"type":"meta","dex":"x"}', /field not allowed: dex/);
  refused('POST', '/hyperliquid/info', 'not json', /not JSON/);
  refused('POST', '/hyperliquid/info', '[{"type":"meta"}]', /type not allowed/);
  refused('POST', '/hyperliquid/info', '{"type":"l2Book","coin":"BTC","nSigFigs":2}', /field not allowed: nSigFigs/);
  refused('POST', '/hyperliquid/info', '{"type":"candleSnapshot","req":{"coin":"BTC","interval":"1h","startTime":1,"endTime":"2"}}', /bad value for req.endTime/);
  refused('POST', '/hyperliquid/info', '{"type":"candleSnapshot","req":{"coin":"BTC","interval":"1h","startTime":1,"endTime":2,"x":1}}', /field not allowed: req.x/);
  refused('POST', '/hyperliquid/info', '{"type":"clearinghouseState","user":"0x12"}', /bad value for user/);
  // A repeated field: JSON.parse keeps the last; what goes upstream is
  // serialised anew from what was checked.
  assert.equal(route('POST', '/hyperliquid/info', '{"type":"meta","type":"meta"}').body, '{"type":"meta"}');
});

test('closed pages are kept long, the open page briefly, the live edge for a second', () => {
  const at = (end, now, start = end - 47 * HOUR) => cachePolicy(route('GET', binanceKlines(start, end)), now).ttl;
  // Newest candle opens at T - 1 h and closes at T.
  assert.equal(at(T - 1, T + 2 * 60_000), TTL.closed);
  assert.equal(at(T - 1, T + 10_000), TTL.open, 'closed a moment ago: may still settle');
  assert.equal(at(T + 30 * 60_000, T + 30 * 60_000), TTL.open, 'the page holds the open candle');
  assert.equal(at(T + HOUR - 1, T + 30 * 60_000, T - HOUR), TTL.live, 'the newest two candles');
  // An open-interest point is timed at an instant, but may be published
  // minutes later: the page up to T (included) is final 5 minutes after T.
  const oi = (now) => cachePolicy(route('GET', `/binance/futures/data/openInterestHist?symbol=BTCUSDT&period=1h&startTime=${T - 48 * HOUR}&endTime=${T}&limit=500`), now).ttl;
  assert.equal(oi(T + 2 * 60_000), TTL.open);
  assert.equal(oi(T + 6 * 60_000), TTL.closed);
  // Hyperliquid's candles by their body.
  assert.equal(cachePolicy(route('POST', '/hyperliquid/info', hyperliquidCandles(T - 48 * HOUR, T - 1)), T + HOUR).ttl, TTL.closed);
});

test('references, snapshots, books and funding', () => {
  const ttl = (method, path, body, now = T) => cachePolicy(route(method, path, body), now).ttl;
  assert.equal(ttl('GET', '/okx/api/v5/public/instruments?instType=SWAP'), TTL.reference);
  assert.equal(ttl('GET', '/bybit/v5/market/risk-limit?category=linear&symbol=BTCUSDT'), TTL.reference);
  assert.equal(ttl('POST', '/hyperliquid/info', '{"type":"metaAndAssetCtxs"}'), TTL.current);
  assert.equal(ttl('GET', '/okx/api/v5/market/books?instId=BTC-USDT-SWAP&sz=400'), TTL.live);
  assert.equal(ttl('POST', '/hyperliquid/info', '{"type":"l2Book","coin":"BTC"}'), TTL.live);
  const funding = `/okx/api/v5/public/funding-rate-history?instId=BTC-USDT-SWAP&after=${T}&before=${T - 96 * HOUR - 1}&limit=400`;
  assert.equal(ttl('GET', funding, null, T + HOUR), TTL.closed);
  assert.equal(ttl('GET', funding, null, T + 1000), TTL.open);
  const trades = '/dydx/trades/perpetualMarket/BTC-USD?limit=100';
  assert.equal(ttl('GET', trades), TTL.current, 'the newest trades');
  assert.equal(ttl('GET', `${trades}&createdBeforeOrAt=2025-12-31T00%3A00%3A00.000Z`), TTL.closed);
});

test('pages that end within the same candle share one key', () => {
  const key = (end) => cachePolicy(route('GET', binanceKlines(T - 47 * HOUR, end)), T).key;
  assert.equal(key(T + 1000), key(T + HOUR - 1));
  assert.notEqual(key(T - 1), key(T));
  assert.notEqual(key(T), cachePolicy(route('GET', binanceKlines(T - 46 * HOUR, T)), T).key);
  // OKX's `after` is exclusive: after=T holds rows up to T - 1 h.
  const okx = (after) => cachePolicy(route('GET', `/okx/api/v5/market/history-candles?instId=BTC-USDT-SWAP&bar=1H&after=${after}&before=${T - 10 * HOUR - 1}&limit=300`), T).key;
  assert.equal(okx(T), okx(T - HOUR + 1));
  assert.notEqual(okx(T), okx(T + 1));
  const hl = (end) => cachePolicy(route('POST', '/hyperliquid/info', hyperliquidCandles(T - 47 * HOUR, end)), T).key;
  assert.equal(hl(T + 5), hl(T + 50 * 60_000));
  assert.notEqual(hl(T + 5), hl(T - 5));
});

test('only successful answers are kept', () => {
  assert.ok(keepable('binance', 200, '[[1767225600000,"87000"'));
  assert.ok(!keepable('binance', 400, '{"code":-1121}'));
  assert.ok(keepable('bybit', 200, '{\n "retCode": 0,\n "retMsg": "OK"'));
  assert.ok(!keepable('bybit', 200, '{"retCode":10006,"retMsg":"Too many visits!"'));
  assert.ok(keepable('okx', 200, '{"code":"0","msg":"","data":[]}'));
  assert.ok(!keepable('okx', 200, '{"code":"50011","msg":"Too Many Requests"}'));
});

test('429 and 418 stop the proxy for Retry-After, else for a doubling backoff', () => {
  const b = new Backoff();
  assert.equal(b.observe('okx', 200, null, T), 0);
  assert.equal(b.observe('okx', 429, '7', T), 7000);
  assert.equal(b.remainingMs('okx', T + 2000), 5000);
  assert.equal(b.remainingMs('binance', T), 0, 'other exchanges go on');
  assert.equal(b.remainingMs('okx', T + 7000), 0);
  assert.equal(b.observe('okx', 429, null, T + 7000), 10_000, 'second refusal in a row, no Retry-After');
  assert.equal(b.observe('okx', 429, null, T + 17_000), 20_000);
  b.observe('okx', 200, null, T + 40_000);
  assert.equal(b.observe('okx', 429, null, T + 41_000), 5000, 'a success resets the backoff');
  assert.equal(b.observe('binance', 418, new Date(T + 120_000).toUTCString(), T), 120_000);
  assert.equal(retryAfterMs('soon', T), null);
  assert.equal(retryAfterMs('0', T), 1000, 'at least a second');
});

test('the memory cache expires entries and evicts the least recently used', () => {
  const answer = (n) => ({ body: new Uint8Array(n) });
  const cache = new MemoryCache(1000);
  cache.put('a', answer(100), T + 1000);
  cache.put('b', answer(100), T + 10);
  assert.equal(cache.get('b', T + 10), undefined, 'expired');
  cache.put('c', answer(120), T + 1000);
  assert.ok(cache.get('a', T), 'now used after c');
  for (const k of ['d', 'e', 'f', 'g', 'h', 'i', 'j']) cache.put(k, answer(120), T + 1000);
  assert.ok(cache.bytes <= 1000);
  assert.equal(cache.get('c', T), undefined, 'least recently used went first');
  cache.put('huge', answer(900), T + 1000);
  assert.equal(cache.get('huge', T), undefined, 'too large to keep');
});
