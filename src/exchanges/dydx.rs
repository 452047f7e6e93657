//! dYdX v4 indexer (`https://indexer.dydx.trade/v4`). Each candle carries
//! `startingOpenInterest`, so OI history comes with the candles; no mark
//! candles (dYdX liquidates on the oracle price, not served as candles).

use serde::Deserialize;
use serde_json::Value;

use super::{
    convert_rows, depth_from_rows, enc, flatten_parsed, from_json, liquidated_side, ms_to_iso,
    pages, positive, span, trim_base, validate_candle, validate_funding, validate_liquidation,
    validate_mmr, validate_oi, Depth, Exchange, ExchangeError, FundingPoint, Instrument,
    LiquidationEvent, Num, OiPoint, Parsed, Purpose, RawCandle, Request, Resolution, SizeUnit,
    Snapshot, Ts,
};
use crate::engine::input::{Candle, ContractKind};

const EX: Exchange = Exchange::Dydx;
/// Max rows of `/candles/perpetualMarkets/{ticker}`.
pub const CANDLES_MAX: i64 = 1000;

/// `GET /perpetualMarkets`.
pub fn instruments_request(base_url: &str) -> Request {
    Request::get(
        format!("{}/perpetualMarkets", trim_base(base_url)),
        Purpose::Instruments,
    )
}

/// Requests for one window: candles (1000 per page, OI included) and the
/// market (current OI, maintenance margin fraction).
pub fn plan(
    instrument: &Instrument,
    window_end_ms: i64,
    window_ms: i64,
    resolution: Resolution,
    base_url: &str,
) -> Vec<Request> {
    let base = trim_base(base_url);
    let t = enc(&instrument.symbol);
    let (start, end) = span(window_end_ms, window_ms, resolution, None);
    let res = resolution.spelling(EX);
    let mut out: Vec<Request> = pages(start, end, resolution.ms(), CANDLES_MAX)
        .into_iter()
        .map(|(s, e)| {
            Request::get(
                format!(
                    "{base}/candles/perpetualMarkets/{t}?resolution={res}&fromISO={}&toISO={}&limit={CANDLES_MAX}",
                    enc(&ms_to_iso(s)),
                    enc(&ms_to_iso(e - 1))
                ),
                Purpose::Candles,
            )
        })
        .collect();
    out.push(Request::get(
        format!("{base}/perpetualMarkets?ticker={t}"),
        Purpose::MarketSnapshot,
    ));
    out
}

/// Funding history up to `end_ms` (`/historicalFunding/{ticker}`, hourly, 1000 per page).
pub fn funding_request(instrument: &Instrument, end_ms: i64, base_url: &str) -> Request {
    Request::get(
        format!(
            "{}/historicalFunding/{}?effectiveBeforeOrAt={}&limit=1000",
            trim_base(base_url),
            enc(&instrument.symbol),
            enc(&ms_to_iso(end_ms))
        ),
        Purpose::Funding,
    )
}

/// `perpetualMarkets`, abridged:
/// ```json
/// {"markets":{"BTC-USD":{"ticker":"BTC-USD","status":"ACTIVE","oraclePrice":"118976.5376",
///  "nextFundingRate":"0","initialMarginFraction":"0.02","maintenanceMarginFraction":"0.012",
///  "openInterest":"52.0691","tickSize":"1","stepSize":"0.0001"}}}
/// ```
#[derive(Deserialize)]
struct Markets {
    markets: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct Market {
    #[serde(default)]
    ticker: String,
    #[serde(default)]
    status: String,
    #[serde(default, rename = "oraclePrice")]
    oracle_price: Num,
    #[serde(default, rename = "nextFundingRate")]
    next_funding_rate: Num,
    #[serde(default, rename = "maintenanceMarginFraction")]
    maintenance_margin_fraction: Num,
    #[serde(default, rename = "openInterest")]
    open_interest: Num,
    #[serde(default, rename = "tickSize")]
    tick_size: Num,
}

fn markets(body: &str) -> Result<Vec<Value>, ExchangeError> {
    super::classify_body(EX, body)?;
    let m: Markets = from_json(EX, body, "perpetual markets")?;
    Ok(m.markets.into_iter().map(|(_, v)| v).collect())
}

/// Active markets (all USD-margined linear, sizes in base).
pub fn parse_instruments(body: &str) -> Result<Parsed<Instrument>, ExchangeError> {
    let p = convert_rows(markets(body)?, |m: Market| {
        if m.status != "ACTIVE" {
            return Some(None);
        }
        let (b, q) = m.ticker.split_once('-')?;
        Some(Some(Instrument {
            exchange: EX,
            base: b.to_ascii_uppercase(),
            quote: q.to_ascii_uppercase(),
            symbol: m.ticker.clone(),
            kind: ContractKind::Linear,
            contract_size: 1.0,
            tick_size: positive(m.tick_size.0),
        }))
    });
    Ok(flatten_parsed(p))
}

/// Current OI (base), oracle price, next funding and maintenance margin
/// fraction of `ticker`.
pub fn parse_perpetual_markets(body: &str, ticker: &str) -> Result<Snapshot, ExchangeError> {
    let p = convert_rows(markets(body)?, |m: Market| Some(m));
    let m = p
        .rows
        .into_iter()
        .find(|m| m.ticker == ticker)
        .ok_or(ExchangeError::UnknownCoin {
            exchange: EX,
            coin: Some(ticker.split('-').next().unwrap_or(ticker).to_string()),
        })?;
    Ok(Snapshot {
        time_ms: None,
        mark_price: positive(m.oracle_price.0),
        funding_rate: super::finite(m.next_funding_rate.0),
        open_interest: super::non_negative(m.open_interest.0),
        maintenance_margin_rate: validate_mmr(m.maintenance_margin_fraction.0),
    })
}

/// `candles` answer (newest first):
/// ```json
/// {"candles":[{"startedAt":"2025-07-25T09:47:00.000Z","ticker":"BTC-USD",
///  "resolution":"1MIN","low":"116099","high":"116099","open":"116099","close":"116099",
///  "baseTokenVolume":"0","usdVolume":"0","trades":0,"startingOpenInterest":"54.0594"}]}
/// ```
#[derive(Deserialize)]
struct CandlesAnswer {
    candles: Vec<Value>,
}

#[derive(Deserialize)]
struct CandleRow {
    #[serde(default, rename = "startedAt")]
    started_at: Ts,
    #[serde(default)]
    open: Num,
    #[serde(default)]
    high: Num,
    #[serde(default)]
    low: Num,
    #[serde(default)]
    close: Num,
    #[serde(default, rename = "baseTokenVolume")]
    base_token_volume: Num,
    #[serde(default, rename = "usdVolume")]
    usd_volume: Num,
    #[serde(default, rename = "startingOpenInterest")]
    starting_open_interest: Num,
}

fn candle_rows(body: &str) -> Result<Vec<Value>, ExchangeError> {
    super::classify_body(EX, body)?;
    Ok(from_json::<CandlesAnswer>(EX, body, "candles")?.candles)
}

/// Trade candles (no taker volume).
pub fn parse_candles(body: &str) -> Result<Parsed<Candle>, ExchangeError> {
    Ok(convert_rows(candle_rows(body)?, |r: CandleRow| r.candle()))
}

impl CandleRow {
    fn candle(&self) -> Option<Candle> {
        validate_candle(RawCandle {
            open_time: self.started_at.0,
            open: self.open.0,
            high: self.high.0,
            low: self.low.0,
            close: self.close.0,
            base_volume: self.base_token_volume.0,
            quote_volume: self.usd_volume.0,
            taker_buy_base: None,
            has_taker: false,
        })
    }
}

/// One candle object (REST row or `v4_candles` message) and its
/// `startingOpenInterest` (base units, at the candle's open) where valid.
pub(crate) fn candle_with_open_interest(row: Value) -> Option<(Candle, Option<f64>)> {
    let r: CandleRow = serde_json::from_value(row).ok()?;
    Some((r.candle()?, super::non_negative(r.starting_open_interest.0)))
}

/// OI history from the candles: `startingOpenInterest` (base units, one
/// side) at each candle's start, which is the previous candle's close.
pub fn parse_candle_open_interest(body: &str) -> Result<Parsed<OiPoint>, ExchangeError> {
    Ok(convert_rows(candle_rows(body)?, |r: CandleRow| {
        validate_oi(r.started_at.0, r.starting_open_interest.0)
    }))
}

/// `historicalFunding` row:
/// ```json
/// {"ticker":"BTC-USD","rate":"0","price":"116302.62419",
///  "effectiveAtHeight":"44865196","effectiveAt":"2025-07-25T11:00:00.013Z"}
/// ```
#[derive(Deserialize)]
struct FundingAnswer {
    #[serde(rename = "historicalFunding")]
    historical_funding: Vec<Value>,
}

#[derive(Deserialize)]
struct FundingRow {
    #[serde(default)]
    rate: Num,
    #[serde(default, rename = "effectiveAt")]
    effective_at: Ts,
}

/// Funding history (hourly rates).
pub fn parse_funding(body: &str) -> Result<Parsed<FundingPoint>, ExchangeError> {
    super::classify_body(EX, body)?;
    let a: FundingAnswer = from_json(EX, body, "historical funding")?;
    Ok(convert_rows(a.historical_funding, |r: FundingRow| {
        validate_funding(r.effective_at.0, r.rate.0)
    }))
}

/// `trades` row:
/// ```json
/// {"id":"02ac5b1f0000000200000002","side":"BUY","size":"0.0501","price":"115732",
///  "type":"LIMIT","createdAt":"2025-07-25T05:11:09.800Z","createdAtHeight":"44849951"}
/// ```
/// Only `type:"LIQUIDATED"` trades are liquidations; `side` is the taker's,
/// i.e. the liquidated account's order: `SELL` = a long was liquidated.
#[derive(Deserialize)]
struct TradesAnswer {
    trades: Vec<Value>,
}

#[derive(Deserialize)]
struct TradeRow {
    #[serde(default)]
    side: String,
    #[serde(default)]
    size: Num,
    #[serde(default)]
    price: Num,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default, rename = "createdAt")]
    created_at: Ts,
}

/// Liquidations in a trades page (other trades skipped, not counted).
pub fn parse_liquidation_trades(body: &str) -> Result<Parsed<LiquidationEvent>, ExchangeError> {
    super::classify_body(EX, body)?;
    let a: TradesAnswer = from_json(EX, body, "trades")?;
    Ok(liquidation_trades(a.trades))
}

/// The liquidations among trade rows (a REST page or a `v4_trades` message).
pub(crate) fn liquidation_trades(trades: Vec<Value>) -> Parsed<LiquidationEvent> {
    let p = convert_rows(trades, |t: TradeRow| {
        if t.kind != "LIQUIDATED" {
            return Some(None);
        }
        let side = liquidated_side(&t.side, "SELL", "BUY");
        validate_liquidation(t.created_at.0, side, t.price.0, t.size.0).map(Some)
    });
    flatten_parsed(p)
}

/// `GET /orderbooks/perpetualMarket/{ticker}` (the whole book).
pub fn depth_request(instrument: &Instrument, base_url: &str) -> Request {
    Request::get(
        format!(
            "{}/orderbooks/perpetualMarket/{}",
            trim_base(base_url),
            enc(&instrument.symbol)
        ),
        Purpose::OrderBook,
    )
}

/// `orderbooks`: levels as objects, sizes in base, best first, no time:
/// ```json
/// {"bids":[{"price":"116070","size":"0.3525"}],"asks":[{"price":"116071","size":"1.0224"}]}
/// ```
#[derive(Deserialize)]
struct BookAnswer {
    bids: Vec<Value>,
    asks: Vec<Value>,
}

#[derive(Deserialize)]
struct BookRow {
    #[serde(default)]
    price: Num,
    #[serde(default)]
    size: Num,
}

/// The order book, USD = size × price.
pub fn parse_depth(body: &str) -> Result<Depth, ExchangeError> {
    super::classify_body(EX, body)?;
    let a: BookAnswer = from_json(EX, body, "order book")?;
    depth_from_rows(
        EX,
        a.bids,
        a.asks,
        None,
        SizeUnit::Base(1.0),
        |r: BookRow| (r.price.0, r.size.0),
    )
}

#[cfg(test)]
mod tests;
