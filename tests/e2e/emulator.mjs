// An emulated exchange for the browser tests: every series the app pages
// through (candles, mark candles, open-interest history) is answered in each
// exchange's documented shape *and* paging rules (which query fields bound a
// page, which end an exchange serves first, Bybit's cursor), from one seeded
// synthetic market. Beyond the documents, it can serve fewer rows than asked
// (`cap`: a page limit lower than documented) and leave a time range out
// (`drop`: the exchange has no candles there). Instrument lists, tiers and
// snapshots come from the fixture files (tests/fixtures/exchanges/).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixturesDir } from './harness.mjs';
import { END } from './fixtures.mjs';

const fixture = (path) => readFile(join(fixturesDir, 'exchanges', path), 'utf8');
const json = (body, status = 200) => ({
  status,
  headers: { 'access-control-allow-origin': '*', 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const MIN = 60_000;
const STEP = { '1m': MIN, '5m': 5 * MIN, '15m': 15 * MIN, '1h': 60 * MIN, '4h': 240 * MIN, '1d': 1440 * MIN };
// Each exchange's spelling of a resolution or open-interest period, in minutes.
const MINUTES = {
  '1': 1, '5': 5, '15': 15, '30': 30, '60': 60, '240': 240, D: 1440,
  '1m': 1, '5m': 5, '15m': 15, '30m': 30, '1h': 60, '1H': 60, '2h': 120, '2H': 120, '4h': 240, '4H': 240,
  '6h': 360, '12h': 720, '1d': 1440, '1Dutc': 1440,
  '5min': 5, '15min': 15, '30min': 30,
  '1MIN': 1, '5MINS': 5, '15MINS': 15, '1HOUR': 60, '4HOURS': 240, '1DAY': 1440,
};

/** A deterministic number in [0, 1) for `t` (and a salt). */
function noise(t, salt) {
  let x = Math.imul((t / MIN) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt, 0xc2b2ae35);
  x = Math.imul(x ^ (x >>> 13), 0x27d4eb2f);
  return ((x ^ (x >>> 16)) >>> 0) / 2 ** 32;
}

const price = (t) => 87_000 * Math.exp(0.03 * Math.sin(t / 9.1e6) + 0.012 * Math.sin(t / 1.7e6) + 0.004 * noise(t, 1));
/** The market's candle opening at `t` of length `step`. */
function candle(t, step) {
  const open = price(t), close = price(t + step);
  const high = Math.max(open, close) * (1 + 0.002 * noise(t, 2));
  const low = Math.min(open, close) * (1 - 0.002 * noise(t, 3));
  const volume = 50 + 150 * noise(t, 4);
  return { t, open, high, low, close, volume, takerBuy: volume * (0.3 + 0.4 * noise(t, 5)) };
}
/** Open interest (base, one side) at `t`: rises and falls, so cohorts open and close. */
const openInterest = (t) => 80_000 * (1 + 0.05 * Math.sin(t / 3.1e6) + 0.02 * Math.sin(t / 7.7e5)) + 400 * noise(t, 6);

const f = (x, d = 2) => x.toFixed(d);
const iso = (t) => new Date(t).toISOString();

/**
 * The rows of one page: times on the `step` grid in `[from, to]` that the
 * market has (closed by END, not dropped), at most `limit`, the newest or
 * the oldest first as the exchange documents.
 */
function page(options, { from, to, step, limit, newestFirst, series }) {
  const times = [];
  const first = Math.ceil(from / step) * step;
  const stamped = series === 'oi' ? 0 : step; // a candle must have closed
  for (let t = first; t <= to && t + stamped <= END; t += step) {
    if (series !== 'oi' && options.drop?.some((d) => d.exchange === options.current && t >= d.from && t < d.to)) continue;
    times.push(t);
  }
  if (newestFirst) times.reverse();
  // Beyond the documents: a page limit lower than the one asked for (e.g.
  // a third of it), whatever the range.
  return times.slice(0, Math.ceil(limit * options.cap));
}

const query = (request) => new URL(request.url()).searchParams;
const num = (q, key, fallback) => (q.has(key) ? Number(q.get(key)) : fallback);

/**
 * `routes` for `openPage`: the emulator for the series, fixtures for the
 * rest; `requests`: the URL of every series request answered so far.
 */
export function emulatedExchanges({ cap = 1, drop = [], overrides = {} } = {}) {
  const options = { cap, drop };
  const at = (exchange) => ({ ...options, current: exchange });
  const requests = [];
  const count = (route) => requests.push(route.request().url());

  const binanceKlines = (mark) => async (route, request) => {
    count(route);
    const q = query(request);
    const step = STEP[q.get('interval')];
    const times = page(at('binance'), { from: num(q, 'startTime', 0), to: num(q, 'endTime', END), step, limit: Math.min(num(q, 'limit', 500), 1500), newestFirst: false });
    return route.fulfill(json(times.map((t) => {
      const c = candle(t, step);
      return mark
        ? [t, f(c.open), f(c.high - (c.high - c.low) * 0.01), f(c.low + (c.high - c.low) * 0.01), f(c.close), '0', t + step - 1, '0', 60, '0', '0', '0']
        : [t, f(c.open), f(c.high), f(c.low), f(c.close), f(c.volume, 8), t + step - 1, f(c.volume * c.close, 8), 1000, f(c.takerBuy, 8), f(c.takerBuy * c.close, 8), '0'];
    })));
  };
  const bybitKlines = (mark) => async (route, request) => {
    count(route);
    const q = query(request);
    const step = MINUTES[q.get('interval')] * MIN;
    const times = page(at('bybit'), { from: num(q, 'start', 0), to: num(q, 'end', END), step, limit: Math.min(num(q, 'limit', 200), 1000), newestFirst: true });
    const list = times.map((t) => {
      const c = candle(t, step);
      return mark
        ? [String(t), f(c.open), f(c.high - (c.high - c.low) * 0.01), f(c.low + (c.high - c.low) * 0.01), f(c.close)]
        : [String(t), f(c.open), f(c.high), f(c.low), f(c.close), f(c.volume, 8), f(c.volume * c.close, 8)];
    });
    return route.fulfill(json({ retCode: 0, retMsg: 'OK', result: { symbol: q.get('symbol'), category: 'linear', list }, retExtInfo: {}, time: END }));
  };
  const okxCandles = (mark, max) => async (route, request) => {
    count(route);
    const q = query(request);
    const step = MINUTES[q.get('bar')] * MIN;
    // `after`: older than; `before`: newer than (both exclusive).
    const times = page(at('okx'), { from: num(q, 'before', -1) + 1, to: num(q, 'after', END + 1) - 1, step, limit: Math.min(num(q, 'limit', 100), max), newestFirst: true });
    const data = times.map((t) => {
      const c = candle(t, step);
      const contracts = Math.round(c.volume * 100); // BTC-USDT-SWAP: ctVal 0.01
      return mark
        ? [String(t), f(c.open), f(c.high - (c.high - c.low) * 0.01), f(c.low + (c.high - c.low) * 0.01), f(c.close), '1']
        : [String(t), f(c.open), f(c.high), f(c.low), f(c.close), String(contracts), f(contracts / 100, 8), f((contracts / 100) * c.close, 8), '1'];
    });
    return route.fulfill(json({ code: '0', msg: '', data }));
  };

  const routes = {
    'fapi.binance.com/fapi/v1/exchangeInfo': { file: 'exchanges/binance/instruments.json' },
    'fapi.binance.com/fapi/v1/klines': binanceKlines(false),
    'fapi.binance.com/fapi/v1/markPriceKlines': binanceKlines(true),
    'fapi.binance.com/futures/data/openInterestHist': async (route, request) => {
      count(route);
      const q = query(request);
      const step = MINUTES[q.get('period')] * MIN;
      const times = page(at('binance'), { from: num(q, 'startTime', 0), to: num(q, 'endTime', END), step, limit: Math.min(num(q, 'limit', 30), 500), newestFirst: false, series: 'oi' });
      return route.fulfill(json(times.map((t) => ({
        symbol: q.get('symbol'), sumOpenInterest: f(openInterest(t), 8), sumOpenInterestValue: f(openInterest(t) * price(t), 8),
        CMCCirculatingSupply: '19900000', timestamp: t,
      }))));
    },
    'api.bybit.com/v5/market/instruments-info': { file: 'exchanges/bybit/instruments.json' },
    'api.bybit.com/v5/market/kline': bybitKlines(false),
    'api.bybit.com/v5/market/mark-price-kline': bybitKlines(true),
    'api.bybit.com/v5/market/open-interest': async (route, request) => {
      count(route);
      const q = query(request);
      const step = MINUTES[q.get('intervalTime')] * MIN;
      // Newest first; the cursor is where the previous page stopped.
      const to = q.has('cursor') ? Number(q.get('cursor')) - 1 : num(q, 'endTime', END);
      const times = page(at('bybit'), { from: num(q, 'startTime', 0), to, step, limit: Math.min(num(q, 'limit', 50), 200), newestFirst: true, series: 'oi' });
      const oldest = times[times.length - 1];
      const more = oldest !== undefined && oldest - step >= num(q, 'startTime', 0);
      const list = times.map((t) => ({ openInterest: f(2 * openInterest(t), 8), singleOpenInterest: f(openInterest(t), 8), timestamp: String(t) }));
      return route.fulfill(json({ retCode: 0, retMsg: 'OK', result: { symbol: q.get('symbol'), category: 'linear', list, nextPageCursor: more ? String(oldest) : '' }, retExtInfo: {}, time: END }));
    },
    'api.bybit.com/v5/market/risk-limit': { file: 'exchanges/bybit/risk_limit.json' },
    'www.okx.com/api/v5/public/instruments': { file: 'exchanges/okx/instruments.json' },
    'www.okx.com/api/v5/market/history-candles': okxCandles(false, 300),
    'www.okx.com/api/v5/market/history-mark-price-candles': okxCandles(true, 100),
    'www.okx.com/api/v5/rubik/stat/contracts/open-interest-history': async (route, request) => {
      count(route);
      const q = query(request);
      const step = MINUTES[q.get('period')] * MIN;
      const times = page(at('okx'), { from: num(q, 'begin', 0), to: num(q, 'end', END), step, limit: Math.min(num(q, 'limit', 100), 100), newestFirst: true, series: 'oi' });
      const data = times.map((t) => [String(t), String(Math.round(openInterest(t) * 100)), f(openInterest(t), 8), f(openInterest(t) * price(t))]);
      return route.fulfill(json({ code: '0', msg: '', data }));
    },
    'www.okx.com/api/v5/public/position-tiers': { file: 'exchanges/okx/position_tiers.json' },
    'api.hyperliquid.xyz/info': async (route, request) => {
      const body = request.postDataJSON();
      if (body?.type === 'candleSnapshot') {
        count(route);
        const { interval, startTime, endTime } = body.req;
        const step = STEP[interval];
        const times = page(at('hyperliquid'), { from: startTime, to: endTime, step, limit: 5000, newestFirst: false });
        return route.fulfill(json(times.map((t, k) => {
          const c = candle(t, step);
          return { t, T: t + step - 1, s: body.req.coin, i: interval, o: f(c.open, 1), c: f(c.close, 1), h: f(c.high, 1), l: f(c.low, 1), v: f(c.volume, 5), n: 500 + k };
        })));
      }
      const file = { meta: 'instruments.json', metaAndAssetCtxs: 'snapshot.json' }[body?.type];
      if (!file) return route.fulfill(json({ error: 'unknown type' }, 400));
      const text = overrides[`hyperliquid/${file}`] ?? await fixture(`hyperliquid/${file}`);
      return route.fulfill({ ...json(null), body: text });
    },
    'indexer.dydx.trade/v4/candles/perpetualMarkets/': async (route, request) => {
      count(route);
      const q = query(request);
      const step = MINUTES[q.get('resolution')] * MIN;
      const from = Date.parse(q.get('fromISO') ?? iso(0));
      const to = Date.parse(q.get('toISO') ?? iso(END));
      const times = page(at('dydx'), { from, to, step, limit: Math.min(num(q, 'limit', 100), 1000), newestFirst: true });
      const candles = times.map((t) => {
        const c = candle(t, step);
        return {
          startedAt: iso(t), ticker: 'BTC-USD', resolution: q.get('resolution'), low: f(c.low), high: f(c.high), open: f(c.open), close: f(c.close),
          baseTokenVolume: f(c.volume / 50, 4), usdVolume: f((c.volume / 50) * c.close, 4), trades: 40,
          startingOpenInterest: f(openInterest(t) / 1000, 4), orderbookMidPriceOpen: f(c.open), orderbookMidPriceClose: f(c.close),
        };
      });
      return route.fulfill(json({ candles }));
    },
    'indexer.dydx.trade/v4/perpetualMarkets': async (route) => {
      const text = overrides['dydx/perpetual_markets.json'] ?? await fixture('dydx/perpetual_markets.json');
      return route.fulfill({ ...json(null), body: text });
    },
    'indexer.dydx.trade/v4/trades/perpetualMarket/': { file: 'exchanges/dydx/trades.json' },
  };
  return { routes, requests };
}
