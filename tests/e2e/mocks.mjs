// What several browser tests mock or inspect alike: the exchanges' stream
// frames (documented shapes), Hyperliquid's accounts for measured
// positions, and the page's database.
import { END, FIXTURES, HOST, fixture } from './fixtures.mjs';

const MINUTE = 60_000;

/** The newest mocked socket whose URL contains `host`, once subscribed. */
export async function socketOf(page, host) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const mine = page.sockets.filter((s) => s.url.includes(host));
    const last = mine[mine.length - 1];
    if (last && last.sent.length > 0) return last;
    if (Date.now() > deadline) throw new Error(`no subscribed socket for ${host}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Binance forceOrder (documented shape): S "SELL" = a long liquidated. */
export const binanceLiquidation = (price, qty, time) => JSON.stringify({
  e: 'forceOrder', E: time,
  o: { s: 'BTCUSDT', S: 'SELL', o: 'LIMIT', f: 'IOC', q: String(qty), p: String(price), ap: String(price), X: 'FILLED', l: String(qty), z: String(qty), T: time },
});

/** Binance kline (documented shape), the open candle at `close`. */
export const binanceKline = (close) => JSON.stringify({
  e: 'kline', E: END + MINUTE, s: 'BTCUSDT',
  k: { t: END, T: END + 5 * MINUTE - 1, s: 'BTCUSDT', i: '5m', f: 1, L: 2, o: String(close), c: String(close), h: String(close), l: String(close), v: '1', n: 1, x: false, q: '1', V: '1', Q: '1', B: '0' },
});

/** Keys in one object store of the page's database (-1: no database). */
export const storedCount = (page, store) => page.evaluate((name) => new Promise((resolve) => {
  const open = indexedDB.open('liqmap');
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains(name)) { db.close(); return resolve(-1); }
    const count = db.transaction(name).objectStore(name).count();
    count.onsuccess = () => { db.close(); resolve(count.result); };
  };
  open.onerror = () => resolve(-1);
}), store);

// Measured positions: Hyperliquid accounts named in trades and asked with
// `clearinghouseState` (fixtures in tests/fixtures/exchanges/hyperliquid/accounts/).

export const INFO = `${HOST.hyperliquid}/info`;
export const address = (n) => `0x${n.toString(16).padStart(40, '0')}`;
export const ACCOUNTS = {
  [address(1)]: 'isolated.json', // long 2 BTC, 20x isolated, liquidation 82500 (and an ETH position)
  [address(2)]: 'cross.json', // short 1.5 BTC, 10x cross, liquidation 95000
  [address(3)]: 'no_liquidation_price.json', // long 3 BTC, 3x cross, no liquidation price
  [address(4)]: 'empty.json',
};
/** An account that answers HTTP 422. */
export const FAILING = address(5);
/** Hyperliquid's last close in the fixtures: the mark. */
export const MARK = 86537.5;

/** Routes: the fixtures, with `clearinghouseState` answered by `answer`
 * (default: the accounts above) and every one recorded in `asked`. */
export function measuredRoutes(asked, answer = accountAnswer) {
  const info = FIXTURES[INFO];
  return {
    ...FIXTURES,
    [INFO]: async (route, request) => {
      const body = request.postDataJSON();
      if (body?.type !== 'clearinghouseState') return info(route, request);
      asked.push({ user: body.user, at: Date.now() });
      return answer(route, body.user);
    },
  };
}

export async function accountAnswer(route, user) {
  const headers = { 'access-control-allow-origin': '*', 'content-type': 'application/json' };
  if (ACCOUNTS[user]) return route.fulfill({ headers, body: await fixture(`hyperliquid/accounts/${ACCOUNTS[user]}`) });
  if (user === FAILING) {
    return route.fulfill({ status: 422, headers: { ...headers, 'content-type': 'text/plain' }, body: await fixture('hyperliquid/accounts/error_422.txt') });
  }
  return route.fulfill({ headers, body: await fixture('hyperliquid/accounts/empty.json') });
}

/** The trades socket, once subscribed. */
export async function tradesSocket(page) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const socket = page.sockets.find((s) => s.sent.some((m) => m.includes('"type":"trades"')));
    if (socket) return socket;
    if (Date.now() > deadline) throw new Error('no trades subscription');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A `trades` frame in the documented WsTrade shape: [buyer, seller] pairs. */
export const tradesFrame = (pairs, coin = 'BTC') => JSON.stringify({
  channel: 'trades',
  data: pairs.map(([buyer, seller], i) => ({
    coin, side: 'B', px: String(MARK), sz: String(1 + i), hash: '0x00', time: END - 1000 + i, tid: 1000 + i, users: [buyer, seller],
  })),
});
