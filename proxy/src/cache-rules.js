// How long an answer may be served again, and to which requests. Pure:
// decided from the validated request (allowlist.js) and the time.
//
// A page of candles or of open-interest rows whose newest row closed a
// while ago never changes: it is kept for days. A page that reaches the
// present changes with the open candle: a few seconds. The newest candle
// alone (what live mode asks when a candle closes), order books and
// positions: one second, which still makes one upstream request of a burst.

const SECOND = 1000;

/** Seconds an answer is kept, by what it holds. */
export const TTL = {
  closed: 7 * 24 * 3600,
  reference: 300,
  /** Current values read once per page load: open interest and mark
   * prices now (market snapshots), the newest trades. */
  current: 10,
  open: 5,
  live: 1,
};

/** How long the exchange may still change or add a row after its time:
 * a candle is final when its period ends (a minute of margin); an
 * open-interest point or a funding payment, timed at an instant, may be
 * published minutes later. */
export const SETTLE_MS = {
  candles: 60 * SECOND,
  history: 5 * 60 * SECOND,
  funding: 5 * 60 * SECOND,
  trades: 60 * SECOND,
};

/**
 * `{ key, ttl }` for a validated `route` at time `nowMs`. Requests with
 * the same key get the same answer. A series' newest bound is keyed by the
 * newest row it can return (the bound rounded down to the grid): pages
 * ending anywhere within the same candle ask for the same rows.
 */
export function cachePolicy(route, nowMs) {
  return { key: cacheKey(route), ttl: ttlSeconds(route, nowMs) };
}

function ttlSeconds(route, nowMs) {
  switch (route.kind) {
    case 'reference':
      return TTL.reference;
    case 'snapshot':
      return TTL.current;
    case 'book':
      return TTL.live;
    case 'candles':
    case 'history': {
      if (!route.stepMs || !route.end) return TTL.live;
      // The newest row a page may hold: a candle opening at `newest` ends a
      // step later; an open-interest point is its instant.
      const newest = floorTo(route.end.ms, route.stepMs);
      const final = route.kind === 'candles' ? newest + route.stepMs : newest;
      if (final + SETTLE_MS[route.kind] <= nowMs) return TTL.closed;
      // One or two rows at the live edge: what live mode asks each close.
      const rows = route.start ? (newest - route.start.ms) / route.stepMs + 1 : Infinity;
      return rows <= 2 ? TTL.live : TTL.open;
    }
    case 'funding':
    case 'trades':
      if (route.end && route.end.ms + SETTLE_MS[route.kind] <= nowMs) return TTL.closed;
      return route.kind === 'trades' ? TTL.current : TTL.open;
    default:
      return 0;
  }
}

function floorTo(ms, step) {
  return Math.floor(ms / step) * step;
}

function cacheKey(route) {
  const fields = { ...route.fields };
  if (route.stepMs && route.end) fields[route.end.field] = `~${floorTo(route.end.ms, route.stepMs)}`;
  const text = Object.entries(fields).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');
  return `/${route.exchange}${route.path}?${text}`;
}

/** Whether an answer may be kept: a 200 that is not an error in the
 * exchange's own envelope (Bybit and OKX answer some errors with 200). */
export function keepable(exchange, status, bodyStart) {
  if (status !== 200) return false;
  if (exchange === 'bybit') return /^\s*\{\s*"retCode"\s*:\s*0\s*[,}]/.test(bodyStart);
  if (exchange === 'okx') return /^\s*\{\s*"code"\s*:\s*"0"\s*[,}]/.test(bodyStart);
  return true;
}
