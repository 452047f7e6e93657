// What the proxy forwards: the exchanges' public market-data paths that the
// app sends (src/exchanges/*.rs, src/live/dydx.rs), each with its exact
// query parameters, and Hyperliquid's `POST /info` with the `type`s the app
// sends. Everything else is refused. Pure: no I/O, tested with node --test.
//
// A request is `/<exchange><path after the exchange's base URL>`, e.g.
// `/okx/api/v5/market/history-candles?…` or `/dydx/candles/perpetualMarkets/BTC-USD?…`
// (dYdX's base URL already ends in `/v4`). `checkRequest` returns the
// request to send upstream, rebuilt from what was validated (query in a
// fixed order, Hyperliquid's body serialised anew), or the reason to refuse.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The exchanges' own base URLs, as in src/exchanges/mod.rs. */
export const DEFAULT_UPSTREAMS = {
  binance: 'https://fapi.binance.com',
  bybit: 'https://api.bybit.com',
  okx: 'https://www.okx.com',
  hyperliquid: 'https://api.hyperliquid.xyz',
  dydx: 'https://indexer.dydx.trade/v4',
};
export const EXCHANGES = Object.keys(DEFAULT_UPSTREAMS);

/** Largest request body accepted (Hyperliquid's are under 200 bytes). */
export const MAX_BODY_BYTES = 1024;

// Value checks. Symbols: `BTCUSDT`, `BTC-USDT-SWAP`, `kPEPE`, `BTC-USD`.
const matches = (re) => (v) => typeof v === 'string' && re.test(v);
const SYMBOL = matches(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,39}$/);
const MS = matches(/^\d{1,14}$/);
const COUNT = matches(/^\d{1,4}$/);
// Bybit's `nextPageCursor`, handed back as it came (the app follows a short
// open-interest page with it): an opaque token of visible characters.
const CURSOR = matches(/^[\x21-\x7e]{1,256}$/);
const ISO = matches(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/);
const oneOf = (...values) => (v) => values.includes(v);
const ADDRESS = matches(/^0x[0-9a-fA-F]{40}$/);
const MS_NUMBER = (v) => Number.isSafeInteger(v) && v >= 0 && v < 1e14;

/** Candle and open-interest periods as each endpoint spells them, in ms
 * (`Resolution::spelling` and the `OI_PERIODS` tables). */
const GRID = {
  binance: { '1m': MINUTE, '5m': 5 * MINUTE, '15m': 15 * MINUTE, '30m': 30 * MINUTE, '1h': HOUR, '2h': 2 * HOUR, '4h': 4 * HOUR, '6h': 6 * HOUR, '12h': 12 * HOUR, '1d': DAY },
  bybitKline: { 1: MINUTE, 5: 5 * MINUTE, 15: 15 * MINUTE, 60: HOUR, 240: 4 * HOUR, D: DAY },
  bybitOi: { '5min': 5 * MINUTE, '15min': 15 * MINUTE, '30min': 30 * MINUTE, '1h': HOUR, '4h': 4 * HOUR, '1d': DAY },
  okx: { '1m': MINUTE, '5m': 5 * MINUTE, '15m': 15 * MINUTE, '30m': 30 * MINUTE, '1H': HOUR, '2H': 2 * HOUR, '4H': 4 * HOUR, '1Dutc': DAY },
  hyperliquid: { '1m': MINUTE, '5m': 5 * MINUTE, '15m': 15 * MINUTE, '1h': HOUR, '4h': 4 * HOUR, '1d': DAY },
  dydx: { '1MIN': MINUTE, '5MINS': 5 * MINUTE, '15MINS': 15 * MINUTE, '1HOUR': HOUR, '4HOURS': 4 * HOUR, '1DAY': DAY },
};
const period = (grid) => (v) => Object.hasOwn(grid, v);

// How a request's bounds are written, as the inclusive time (ms) of the
// oldest or newest row it may return.
const inclusiveMs = (v) => Number(v);
const beforeMs = (v) => Number(v) - 1; // OKX `after`: rows strictly older
const afterMs = (v) => Number(v) + 1; // OKX `before`: rows strictly newer
const isoMs = (v) => Date.parse(v);

/**
 * Routes per exchange. `kind` decides caching (cache-rules.js):
 * `reference` (instruments, tiers), `candles` and `history` (time series on
 * a grid: `step` names the period parameter and its grid), `funding`,
 * `trades` (an optional newest bound), `snapshot` (current values), `book`.
 * `start` and `end` name the parameters holding the oldest and newest
 * bounds and how to read them.
 * Every parameter is required unless listed in `optional`.
 */
const ROUTES = {
  binance: [
    { path: '/fapi/v1/exchangeInfo', kind: 'reference', params: {} },
    ...['/fapi/v1/klines', '/fapi/v1/markPriceKlines'].map((path) => ({
      path, kind: 'candles', step: ['interval', GRID.binance], start: ['startTime', inclusiveMs], end: ['endTime', inclusiveMs],
      params: { symbol: SYMBOL, interval: period(GRID.binance), startTime: MS, endTime: MS, limit: COUNT },
    })),
    {
      path: '/futures/data/openInterestHist', kind: 'history', step: ['period', GRID.binance], start: ['startTime', inclusiveMs], end: ['endTime', inclusiveMs],
      params: { symbol: SYMBOL, period: period(GRID.binance), startTime: MS, endTime: MS, limit: COUNT },
    },
    {
      path: '/fapi/v1/fundingRate', kind: 'funding', end: ['endTime', inclusiveMs],
      params: { symbol: SYMBOL, startTime: MS, endTime: MS, limit: COUNT },
    },
    { path: '/fapi/v1/depth', kind: 'book', params: { symbol: SYMBOL, limit: COUNT } },
  ],
  bybit: [
    { path: '/v5/market/instruments-info', kind: 'reference', params: { category: oneOf('linear', 'inverse'), limit: COUNT } },
    ...['/v5/market/kline', '/v5/market/mark-price-kline'].map((path) => ({
      path, kind: 'candles', step: ['interval', GRID.bybitKline], start: ['start', inclusiveMs], end: ['end', inclusiveMs],
      params: { category: oneOf('linear', 'inverse'), symbol: SYMBOL, interval: period(GRID.bybitKline), start: MS, end: MS, limit: COUNT },
    })),
    {
      path: '/v5/market/open-interest', kind: 'history', step: ['intervalTime', GRID.bybitOi], start: ['startTime', inclusiveMs], end: ['endTime', inclusiveMs],
      params: { category: oneOf('linear', 'inverse'), symbol: SYMBOL, intervalTime: period(GRID.bybitOi), startTime: MS, endTime: MS, limit: COUNT, cursor: CURSOR },
      optional: ['cursor'],
    },
    { path: '/v5/market/risk-limit', kind: 'reference', params: { category: oneOf('linear', 'inverse'), symbol: SYMBOL } },
    {
      path: '/v5/market/funding/history', kind: 'funding', end: ['endTime', inclusiveMs],
      params: { category: oneOf('linear', 'inverse'), symbol: SYMBOL, startTime: MS, endTime: MS, limit: COUNT },
    },
    { path: '/v5/market/orderbook', kind: 'book', params: { category: oneOf('linear', 'inverse'), symbol: SYMBOL, limit: COUNT } },
  ],
  okx: [
    { path: '/api/v5/public/instruments', kind: 'reference', params: { instType: oneOf('SWAP') } },
    ...['/api/v5/market/history-candles', '/api/v5/market/history-mark-price-candles'].map((path) => ({
      path, kind: 'candles', step: ['bar', GRID.okx], start: ['before', afterMs], end: ['after', beforeMs],
      params: { instId: SYMBOL, bar: period(GRID.okx), after: MS, before: MS, limit: COUNT },
    })),
    {
      path: '/api/v5/rubik/stat/contracts/open-interest-history', kind: 'history', step: ['period', GRID.okx], start: ['begin', inclusiveMs], end: ['end', inclusiveMs],
      params: { instId: SYMBOL, period: period(GRID.okx), begin: MS, end: MS, limit: COUNT },
    },
    {
      path: '/api/v5/public/position-tiers', kind: 'reference',
      params: { instType: oneOf('SWAP'), tdMode: oneOf('isolated'), instFamily: SYMBOL, tier: oneOf('1') },
    },
    {
      path: '/api/v5/public/funding-rate-history', kind: 'funding', end: ['after', beforeMs],
      params: { instId: SYMBOL, after: MS, before: MS, limit: COUNT },
    },
    { path: '/api/v5/market/books', kind: 'book', params: { instId: SYMBOL, sz: COUNT } },
  ],
  dydx: [
    { path: '/perpetualMarkets', kind: 'reference', params: {} },
    { path: '/perpetualMarkets', kind: 'snapshot', params: { ticker: SYMBOL } },
    {
      path: '/candles/perpetualMarkets/:market', kind: 'candles', step: ['resolution', GRID.dydx], start: ['fromISO', isoMs], end: ['toISO', isoMs],
      params: { resolution: period(GRID.dydx), fromISO: ISO, toISO: ISO, limit: COUNT },
    },
    {
      path: '/historicalFunding/:market', kind: 'funding', end: ['effectiveBeforeOrAt', isoMs],
      params: { effectiveBeforeOrAt: ISO, limit: COUNT },
    },
    { path: '/orderbooks/perpetualMarket/:market', kind: 'book', params: {} },
    {
      path: '/trades/perpetualMarket/:market', kind: 'trades', end: ['createdBeforeOrAt', isoMs],
      params: { limit: COUNT, createdBeforeOrAt: ISO }, optional: ['createdBeforeOrAt'],
    },
  ],
};

/** Hyperliquid `POST /info` bodies by `type`: their fields in the order the
 * app writes them (an object's fields are nested). */
const HYPERLIQUID = {
  meta: { kind: 'reference', fields: {} },
  metaAndAssetCtxs: { kind: 'snapshot', fields: {} },
  candleSnapshot: {
    kind: 'candles', step: ['req.interval', GRID.hyperliquid], start: ['req.startTime', inclusiveMs], end: ['req.endTime', inclusiveMs],
    fields: { req: { coin: SYMBOL, interval: period(GRID.hyperliquid), startTime: MS_NUMBER, endTime: MS_NUMBER } },
  },
  fundingHistory: {
    kind: 'funding', end: ['endTime', inclusiveMs],
    fields: { coin: SYMBOL, startTime: MS_NUMBER, endTime: MS_NUMBER },
  },
  l2Book: { kind: 'book', fields: { coin: SYMBOL } },
  // A user's open positions (measured positions, a later issue).
  clearinghouseState: { kind: 'book', fields: { user: ADDRESS } },
};

const refuse = (reason) => ({ ok: false, reason });

/**
 * Checks one request. `url` is a URL object, `body` the body's text (or
 * null). On success: `{ ok: true, route }` where `route` = `{ exchange,
 * method, path, query, body, kind, fields, stepMs?, start?, end? }`: `path` + `query`
 * (+ `body`) is what goes upstream, `fields` the validated values by name
 * (cache keys and rules read them).
 */
export function checkRequest(method, url, body) {
  const [, exchange, ...rest] = url.pathname.split('/');
  const path = '/' + rest.join('/');
  if (!Object.hasOwn(DEFAULT_UPSTREAMS, exchange)) {
    return refuse('unknown exchange: the path must start with /binance, /bybit, /okx, /hyperliquid or /dydx');
  }
  if (url.pathname.includes('%')) return refuse('encoded characters in the path');
  if (exchange === 'hyperliquid') return checkHyperliquid(method, path, url, body);
  if (method !== 'GET') return refuse(`${method} is not allowed here`);
  if (body) return refuse('a GET request has no body');
  const params = queryParams(url);
  if (!params) return refuse('a query parameter appears twice');
  const candidates = ROUTES[exchange].filter((r) => pathMatches(r.path, path));
  if (candidates.length === 0) return refuse(`${exchange}: path not allowed: ${path}`);
  let problem;
  for (const spec of candidates) {
    problem = checkParams(spec, params);
    if (!problem) {
      const entries = Object.keys(spec.params).filter((k) => params.has(k)).map((k) => [k, params.get(k)]);
      return {
        ok: true,
        route: {
          exchange, method, path, kind: spec.kind, body: null,
          query: new URLSearchParams(entries).toString(),
          fields: Object.fromEntries(entries),
          ...timing(spec, Object.fromEntries(entries)),
        },
      };
    }
  }
  return refuse(`${exchange}${path}: ${problem}`);
}

function checkHyperliquid(method, path, url, body) {
  if (method !== 'POST' || path !== '/info') return refuse('hyperliquid: only POST /info is allowed');
  if (url.search) return refuse('hyperliquid: /info takes no query');
  let parsed;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return refuse('hyperliquid: the body is not JSON');
  }
  const spec = HYPERLIQUID[parsed?.type];
  if (!isObject(parsed) || !spec || !Object.hasOwn(HYPERLIQUID, parsed.type)) {
    return refuse(`hyperliquid: type not allowed: ${String(parsed?.type).slice(0, 40)}`);
  }
  const fields = {};
  const clean = checkObject({ type: oneOf(parsed.type), ...spec.fields }, parsed, '', fields);
  if (typeof clean === 'string') return refuse(`hyperliquid ${parsed.type}: ${clean}`);
  return {
    ok: true,
    route: {
      exchange: 'hyperliquid', method, path, kind: spec.kind, query: '',
      body: JSON.stringify(clean), fields, ...timing(spec, fields),
    },
  };
}

/** `value` checked against `shape` (nested objects allowed): a fresh object
 * with the shape's fields in its order, or a string saying what is wrong.
 * Leaf values are also recorded in `fields` under dotted names. */
function checkObject(shape, value, prefix, fields) {
  if (!isObject(value)) return `${prefix || 'body'} is not an object`;
  const extra = Object.keys(value).find((k) => !Object.hasOwn(shape, k));
  if (extra !== undefined) return `field not allowed: ${prefix}${extra.slice(0, 40)}`;
  const out = {};
  for (const [name, check] of Object.entries(shape)) {
    const v = value[name];
    if (!Object.hasOwn(value, name)) return `missing field ${prefix}${name}`;
    if (typeof check === 'object') {
      const inner = checkObject(check, v, `${prefix}${name}.`, fields);
      if (typeof inner === 'string') return inner;
      out[name] = inner;
    } else {
      if (!check(v)) return `bad value for ${prefix}${name}`;
      out[name] = v;
      fields[prefix + name] = v;
    }
  }
  return out;
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The query as a Map, or null when a name appears twice. */
function queryParams(url) {
  const params = new Map();
  for (const [k, v] of url.searchParams) {
    if (params.has(k)) return null;
    params.set(k, v);
  }
  return params;
}

function pathMatches(pattern, path) {
  const want = pattern.split('/');
  const got = path.split('/');
  return want.length === got.length
    && want.every((part, i) => (part === ':market' ? SYMBOL(got[i]) : part === got[i]));
}

/** What is wrong with `params` for `spec`, or undefined. */
function checkParams(spec, params) {
  for (const name of params.keys()) {
    if (!Object.hasOwn(spec.params, name)) return `query parameter not allowed: ${name.slice(0, 40)}`;
  }
  for (const [name, check] of Object.entries(spec.params)) {
    if (!params.has(name)) {
      if (!spec.optional?.includes(name)) return `missing query parameter ${name}`;
    } else if (!check(params.get(name))) {
      return `bad value for ${name}`;
    }
  }
  return undefined;
}

/** A series' grid step and bounds (inclusive ms), when it has them. */
function timing(spec, fields) {
  const out = {};
  if (spec.step) out.stepMs = spec.step[1][fields[spec.step[0]]];
  for (const bound of ['start', 'end']) {
    const [field, read] = spec[bound] ?? [];
    const ms = field && fields[field] !== undefined ? read(fields[field]) : NaN;
    if (Number.isFinite(ms)) out[bound] = { field, ms };
  }
  return out;
}
