// Every request the app sends for a BTC view, answered from fixture files
// in the exchanges' documented shapes (tests/fixtures/exchanges/). Shared by
// the browser tests and the browser timing script.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixturesDir } from './harness.mjs';

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

/** Every request the app sends for a BTC view, answered from fixtures. */
export const FIXTURES = {
  'fapi.binance.com/fapi/v1/exchangeInfo': file('binance/instruments.json'),
  'fapi.binance.com/fapi/v1/klines': file('binance/klines.json'),
  'fapi.binance.com/fapi/v1/markPriceKlines': file('binance/mark_klines.json'),
  'fapi.binance.com/futures/data/openInterestHist': file('binance/open_interest_hist.json'),
  'api.bybit.com/v5/market/instruments-info': file('bybit/instruments.json'),
  'api.bybit.com/v5/market/kline': file('bybit/klines.json'),
  'api.bybit.com/v5/market/mark-price-kline': file('bybit/mark_klines.json'),
  'api.bybit.com/v5/market/open-interest': file('bybit/open_interest.json'),
  'api.bybit.com/v5/market/risk-limit': file('bybit/risk_limit.json'),
  'www.okx.com/api/v5/public/instruments': file('okx/instruments.json'),
  'www.okx.com/api/v5/market/history-candles': file('okx/candles.json'),
  'www.okx.com/api/v5/market/history-mark-price-candles': file('okx/mark_candles.json'),
  'www.okx.com/api/v5/rubik/stat/contracts/open-interest-history': file('okx/open_interest_history.json'),
  'www.okx.com/api/v5/public/position-tiers': file('okx/position_tiers.json'),
  // Hyperliquid has one POST endpoint; the body's `type` says what is asked.
  'api.hyperliquid.xyz/info': async (route, request) => {
    const kind = request.postDataJSON()?.type;
    const path = { meta: 'instruments.json', metaAndAssetCtxs: 'snapshot.json', candleSnapshot: 'candles.json', l2Book: 'l2_book.json' }[kind];
    if (!path) return route.fulfill({ status: 400, body: '{"error":"unknown type"}' });
    return route.fulfill({
      headers: { 'access-control-allow-origin': '*', 'content-type': 'application/json' },
      body: await fixture(`hyperliquid/${path}`),
    });
  },
  'indexer.dydx.trade/v4/candles/perpetualMarkets/': file('dydx/candles.json'),
  'indexer.dydx.trade/v4/perpetualMarkets': file('dydx/perpetual_markets.json'),
  // Order books (the cascade simulator asks for them).
  'fapi.binance.com/fapi/v1/depth': file('binance/depth.json'),
  'api.bybit.com/v5/market/orderbook': file('bybit/orderbook.json'),
  'www.okx.com/api/v5/market/books': file('okx/books.json'),
  'indexer.dydx.trade/v4/orderbooks/': file('dydx/orderbook.json'),
  // Past liquidations: dYdX trades of type LIQUIDATED.
  'indexer.dydx.trade/v4/trades/perpetualMarket/': file('dydx/trades.json'),
};

