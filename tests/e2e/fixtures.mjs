// Every request the app sends for a BTC view, answered from fixture files
// in the exchanges' documented shapes (tests/fixtures/exchanges/). Shared by
// the browser tests and the browser timing script.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixturesDir } from './harness.mjs';
import { BASE_PATH, FILES, fixtureFile } from '../fixtures/exchanges/answers.mjs';

/** The fixtures' candles end here: 2026-01-01T00:00:00Z. */
export const END = 1767225600000;
export const EXCHANGES = ['binance', 'bybit', 'okx', 'hyperliquid', 'dydx'];
export const HOST = {
  binance: 'fapi.binance.com',
  bybit: 'api.bybit.com',
  okx: 'www.okx.com',
  hyperliquid: 'api.hyperliquid.xyz',
  dydx: 'indexer.dydx.trade',
};

export const file = (path) => ({ file: join('exchanges', path) });
export const fixture = (path) => readFile(join(fixturesDir, 'exchanges', path), 'utf8');

/** Every request the app sends for a BTC view, answered from fixtures
 * (the table is tests/fixtures/exchanges/answers.mjs), keyed by URL prefix. */
export const FIXTURES = Object.fromEntries(EXCHANGES.flatMap((exchange) => {
  const base = HOST[exchange] + BASE_PATH[exchange];
  if (exchange === 'hyperliquid') return [[`${base}/info`, hyperliquidInfo]];
  return FILES[exchange].map(([path, name]) => [base + path, file(name)]);
}));

async function hyperliquidInfo(route, request) {
  const name = fixtureFile('hyperliquid', '/info', request.postDataJSON());
  if (!name) return route.fulfill({ status: 400, body: '{"error":"unknown type"}' });
  return route.fulfill({
    headers: { 'access-control-allow-origin': '*', 'content-type': 'application/json' },
    body: await fixture(name),
  });
}
