//! dYdX v4 indexer (`https://indexer.dydx.trade/v4`). Each candle carries
//! `startingOpenInterest`, so OI history comes with the candles; no mark
//! candles (dYdX liquidates on the oracle price, not served as candles).

use serde_json::Value;

use super::{
    convert_rows, depth_from_rows, enc, flatten_parsed, json_fields, liquidated_side, paged,
    positive, span, trim_base, validate_candle, validate_funding, validate_liquidation,
    validate_mmr, validate_oi, Depth, Exchange, ExchangeError, Fields, FundingPoint, Instrument,
    LiquidationEvent, OiPoint, Page, Parsed, Purpose, RawCandle, Request, Resolution, SizeUnit,
    Snapshot, Unfit,
};
use crate::engine::input::{Candle, ContractKind};
use crate::time::{utc_text, Precision};

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
    let candles = span(window_end_ms, window_ms, resolution, None);
    let step = resolution.ms();
    let mut out = paged(
        instrument,
        Purpose::Candles,
        candles,
        step,
        CANDLES_MAX,
        0,
        base_url,
    );
    out.push(Request::get(
        format!(
            "{}/perpetualMarkets?ticker={}",
            trim_base(base_url),
            enc(&instrument.symbol)
        ),
        Purpose::MarketSnapshot,
    ));
    out
}

/// Funding rows per `historicalFunding` page (hourly: under 42 days).
pub const FUNDING_PAGE: i64 = 1000;

/// One page of a series: candles (`fromISO`, `toISO`, newest first) or
/// funding (`effectiveBeforeOrAt`: the latest [`FUNDING_PAGE`] rows up to
/// the page's end).
pub(crate) fn page_request(
    instrument: &Instrument,
    purpose: Purpose,
    page: Page,
    base_url: &str,
) -> Option<Request> {
    let base = trim_base(base_url);
    let t = enc(&instrument.symbol);
    let last = enc(&utc_text(page.end_ms.saturating_sub(1), Precision::Milli));
    let url = match purpose {
        Purpose::Candles => {
            let res = Resolution::of_ms(page.step_ms)?.spelling(EX);
            let first = enc(&utc_text(page.start_ms, Precision::Milli));
            format!("{base}/candles/perpetualMarkets/{t}?resolution={res}&fromISO={first}&toISO={last}&limit={CANDLES_MAX}")
        }
        Purpose::Funding => {
            format!("{base}/historicalFunding/{t}?effectiveBeforeOrAt={last}&limit={FUNDING_PAGE}")
        }
        _ => return None,
    };
    Some(Request::get(url, purpose))
}

/// `perpetualMarkets`, abridged:
/// ```json
/// {"markets":{"BTC-USD":{"ticker":"BTC-USD","status":"ACTIVE","oraclePrice":"118976.5376",
///  "nextFundingRate":"0","initialMarginFraction":"0.02","maintenanceMarginFraction":"0.012",
///  "openInterest":"52.0691","tickSize":"1","stepSize":"0.0001"}}}
/// ```
///
/// A market row: `ticker` and `status`, if there, strings.
struct Market {
    ticker: String,
    status: String,
    fields: Fields,
}

impl Market {
    fn of(row: Value) -> Option<Market> {
        let names = [
            "ticker",
            "status",
            "oraclePrice",
            "nextFundingRate",
            "initialMarginFraction",
            "maintenanceMarginFraction",
            "openInterest",
            "tickSize",
        ];
        let mut fields = Fields::of(row, &names).ok()?;
        Some(Market {
            ticker: fields.text("ticker").ok()?,
            status: fields.text("status").ok()?,
            fields,
        })
    }
}

fn markets(body: &str) -> Result<Vec<Value>, ExchangeError> {
    super::classify_body(EX, body)?;
    let what = "perpetual markets";
    json_fields(EX, body, what, &["markets"])?
        .required_map_values("markets")
        .map_err(|e| e.at(EX, what))
}

/// Active markets (all USD-margined linear, sizes in base).
pub fn parse_instruments(body: &str) -> Result<Parsed<Instrument>, ExchangeError> {
    let p = convert_rows(markets(body)?, |m| {
        let m = Market::of(m)?;
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
            tick_size: positive(m.fields.num("tickSize")),
            // The initial margin fraction is 1 / the highest leverage.
            max_leverage: positive(m.fields.num("initialMarginFraction")).map(|f| 1.0 / f),
        }))
    });
    Ok(flatten_parsed(p))
}

/// Current OI (base), oracle price, next funding and maintenance margin
/// fraction of `ticker`.
pub fn parse_perpetual_markets(body: &str, ticker: &str) -> Result<Snapshot, ExchangeError> {
    let p = convert_rows(markets(body)?, Market::of);
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
        mark_price: positive(m.fields.num("oraclePrice")),
        funding_rate: super::finite(m.fields.num("nextFundingRate")),
        open_interest: super::non_negative(m.fields.num("openInterest")),
        maintenance_margin_rate: validate_mmr(m.fields.num("maintenanceMarginFraction")),
    })
}

/// `candles` answer (newest first):
/// ```json
/// {"candles":[{"startedAt":"2025-07-25T09:47:00.000Z","ticker":"BTC-USD",
///  "resolution":"1MIN","low":"116099","high":"116099","open":"116099","close":"116099",
///  "baseTokenVolume":"0","usdVolume":"0","trades":0,"startingOpenInterest":"54.0594"}]}
/// ```
/// The `candles` rows (required).
fn candle_rows(body: &str) -> Result<Vec<Value>, ExchangeError> {
    super::classify_body(EX, body)?;
    let what = "candles";
    json_fields(EX, body, what, &["candles"])?
        .required_rows("candles")
        .map_err(|e| e.at(EX, what))
}

/// Trade candles (no taker volume).
pub fn parse_candles(body: &str) -> Result<Parsed<Candle>, ExchangeError> {
    Ok(convert_rows(candle_rows(body)?, |r| {
        candle(&Fields::of(r, CANDLE_ROW).ok()?)
    }))
}

/// The fields of a candle row, in order.
const CANDLE_ROW: &[&str] = &[
    "startedAt",
    "open",
    "high",
    "low",
    "close",
    "baseTokenVolume",
    "usdVolume",
    "startingOpenInterest",
];

fn candle(r: &Fields) -> Option<Candle> {
    validate_candle(RawCandle {
        open_time: r.ts("startedAt"),
        open: r.num("open"),
        high: r.num("high"),
        low: r.num("low"),
        close: r.num("close"),
        base_volume: r.num("baseTokenVolume"),
        quote_volume: r.num("usdVolume"),
        taker_buy_base: None,
        has_taker: false,
    })
}

/// One candle object (REST row or `v4_candles` message) and its
/// `startingOpenInterest` (base units, at the candle's open) where valid.
pub(crate) fn candle_with_open_interest(row: Value) -> Option<(Candle, Option<f64>)> {
    let r = Fields::of(row, CANDLE_ROW).ok()?;
    Some((
        candle(&r)?,
        super::non_negative(r.num("startingOpenInterest")),
    ))
}

/// OI history from the candles: `startingOpenInterest` (base units, one
/// side) at each candle's start, which is the previous candle's close.
pub fn parse_candle_open_interest(body: &str) -> Result<Parsed<OiPoint>, ExchangeError> {
    Ok(convert_rows(candle_rows(body)?, |r| {
        let r = Fields::of(r, CANDLE_ROW).ok()?;
        validate_oi(r.ts("startedAt"), r.num("startingOpenInterest"))
    }))
}

/// `historicalFunding` row:
/// ```json
/// {"ticker":"BTC-USD","rate":"0","price":"116302.62419",
///  "effectiveAtHeight":"44865196","effectiveAt":"2025-07-25T11:00:00.013Z"}
/// ```
///
/// Funding history (hourly rates; `historicalFunding` required).
pub fn parse_funding(body: &str) -> Result<Parsed<FundingPoint>, ExchangeError> {
    super::classify_body(EX, body)?;
    let what = "historical funding";
    let rows = json_fields(EX, body, what, &["historicalFunding"])?
        .required_rows("historicalFunding")
        .map_err(|e| e.at(EX, what))?;
    Ok(convert_rows(rows, |r| {
        let r = Fields::of(r, &["rate", "effectiveAt"]).ok()?;
        validate_funding(r.ts("effectiveAt"), r.num("rate"))
    }))
}

/// `trades` row:
/// ```json
/// {"id":"02ac5b1f0000000200000002","side":"BUY","size":"0.0501","price":"115732",
///  "type":"LIMIT","createdAt":"2025-07-25T05:11:09.800Z","createdAtHeight":"44849951"}
/// ```
/// Only `type:"LIQUIDATED"` trades are liquidations; `side` is the taker's,
/// i.e. the liquidated account's order: `SELL` = a long was liquidated.
///
/// Liquidations in a trades page (other trades skipped, not counted;
/// `trades` required).
pub fn parse_liquidation_trades(body: &str) -> Result<Parsed<LiquidationEvent>, ExchangeError> {
    super::classify_body(EX, body)?;
    let what = "trades";
    let trades = json_fields(EX, body, what, &["trades"])?
        .required_rows("trades")
        .map_err(|e| e.at(EX, what))?;
    Ok(liquidation_trades(trades))
}

/// The liquidations among trade rows (a REST page or a `v4_trades` message).
pub(crate) fn liquidation_trades(trades: Vec<Value>) -> Parsed<LiquidationEvent> {
    let p = convert_rows(trades, |t| {
        let mut t = Fields::of(t, &["side", "size", "price", "type", "createdAt"]).ok()?;
        let side = t.text("side").ok()?;
        if t.text("type").ok()? != "LIQUIDATED" {
            return Some(None);
        }
        let side = liquidated_side(&side, "SELL", "BUY");
        validate_liquidation(t.ts("createdAt"), side, t.num("price"), t.num("size")).map(Some)
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
///
/// The order book, USD = size × price.
pub fn parse_depth(body: &str) -> Result<Depth, ExchangeError> {
    super::classify_body(EX, body)?;
    let what = "order book";
    let at = |e: Unfit| e.at(EX, what);
    let mut a = json_fields(EX, body, what, &["bids", "asks"])?;
    let bids = a.required_rows("bids").map_err(at)?;
    let asks = a.required_rows("asks").map_err(at)?;
    depth_from_rows(EX, bids, asks, None, SizeUnit::Base(1.0), |r| {
        let r = Fields::of(r, &["price", "size"]).ok()?;
        Some((r.num("price"), r.num("size")))
    })
}

#[cfg(test)]
mod tests;
