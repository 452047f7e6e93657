//! Hyperliquid (`POST https://api.hyperliquid.xyz/info`). No OI history and
//! no mark candles: the engine runs it in volume mode, calibrated with the
//! current OI from `metaAndAssetCtxs`.

use serde_json::Value;

use crate::json_text::Json::{self, Int, Object, Text};

use super::{
    convert_rows, depth_from_rows, flatten_parsed, from_json, json_rows, paged, positive, span,
    trim_base, validate_candle, validate_funding, validate_mmr, Depth, Exchange, ExchangeError,
    Fields, FundingPoint, Instrument, Method, Page, Parsed, Purpose, RawCandle, Request,
    Resolution, SizeUnit, Snapshot,
};
use crate::engine::input::{Candle, ContractKind};

const EX: Exchange = Exchange::Hyperliquid;
/// `candleSnapshot` serves only the latest 5000 candles.
pub const CANDLES_MAX: i64 = 5000;

fn post(base_url: &str, body: Json, purpose: Purpose) -> Request {
    Request {
        method: Method::Post,
        url: format!("{}/info", trim_base(base_url)),
        body: Some(body.text()),
        purpose,
        page: None,
    }
}

/// `{"type":"meta"}`.
pub fn instruments_request(base_url: &str) -> Request {
    post(
        base_url,
        Object(vec![("type", Text("meta"))]),
        Purpose::Instruments,
    )
}

/// The oldest time a view asks for: `candleSnapshot` serves only the
/// latest 5000 candles.
pub(crate) fn oldest_ms(window_end_ms: i64, resolution: Resolution) -> Option<i64> {
    Some(window_end_ms.saturating_sub(resolution.ms().saturating_mul(CANDLES_MAX)))
}

/// Requests for one window: candles (the latest 5000 only, which caps the
/// warm-up) and `metaAndAssetCtxs` (current OI, maintenance margin).
pub fn plan(
    instrument: &Instrument,
    window_end_ms: i64,
    window_ms: i64,
    resolution: Resolution,
    base_url: &str,
) -> Vec<Request> {
    let oldest = oldest_ms(window_end_ms, resolution).unwrap_or(0);
    let (start, end) = span(window_end_ms, window_ms, resolution, Some(oldest));
    let step = resolution.ms();
    let candles = (start.max(oldest), end);
    let mut out = paged(
        instrument,
        Purpose::Candles,
        candles,
        step,
        CANDLES_MAX,
        oldest,
        base_url,
    );
    out.push(post(
        base_url,
        Object(vec![("type", Text("metaAndAssetCtxs"))]),
        Purpose::MarketSnapshot,
    ));
    out
}

/// Funding rows per `fundingHistory` answer (hourly: under 21 days).
pub const FUNDING_PAGE: i64 = 500;

/// One page of a series: `candleSnapshot` or `fundingHistory`, both from
/// `startTime` to `endTime` (inclusive).
pub(crate) fn page_request(
    instrument: &Instrument,
    purpose: Purpose,
    page: Page,
    base_url: &str,
) -> Option<Request> {
    let (s, last) = (page.start_ms, page.end_ms.saturating_sub(1));
    let coin = Text(&instrument.symbol);
    let body = match purpose {
        Purpose::Candles => Object(vec![
            ("type", Text("candleSnapshot")),
            (
                "req",
                Object(vec![
                    ("coin", coin),
                    (
                        "interval",
                        Text(Resolution::of_ms(page.step_ms)?.spelling(EX)),
                    ),
                    ("startTime", Int(s)),
                    ("endTime", Int(last)),
                ]),
            ),
        ]),
        Purpose::Funding => Object(vec![
            ("type", Text("fundingHistory")),
            ("coin", coin),
            ("startTime", Int(s)),
            ("endTime", Int(last)),
        ]),
        _ => return None,
    };
    Some(post(base_url, body, purpose))
}

/// `meta` (also the first element of `metaAndAssetCtxs`):
/// ```json
/// {"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50},
///  {"name":"LOOM","szDecimals":1,"maxLeverage":3,"onlyIsolated":true,"isDelisted":true}]}
/// ```
///
/// An asset of the universe: `name` required, `isDelisted`, if there, a
/// boolean.
struct Asset {
    name: String,
    max_leverage: Option<f64>,
    is_delisted: bool,
}

impl Asset {
    fn of(v: Value) -> Option<Asset> {
        let mut a = Fields::of(v, &["name", "maxLeverage", "isDelisted"]).ok()?;
        Some(Asset {
            name: a.required_text("name").ok()?,
            max_leverage: a.num("maxLeverage"),
            is_delisted: a.flag("isDelisted").ok()?,
        })
    }
}

/// `meta` or `metaAndAssetCtxs` → the universe as raw rows.
fn universe(body: &str) -> Result<(Vec<Value>, Vec<Value>), ExchangeError> {
    super::classify_body(EX, body)?;
    let v: Value = from_json(EX, body, "meta")?;
    let (meta, ctxs) = match v {
        Value::Array(parts) => {
            let mut it = parts.into_iter();
            let meta = it.next();
            let ctxs = match it.next() {
                Some(Value::Array(c)) => c,
                _ => Vec::new(),
            };
            (meta, ctxs)
        }
        other => (Some(other), Vec::new()),
    };
    // `universe` required.
    let universe = meta
        .and_then(|m| {
            Fields::of(m, &["universe"])
                .ok()?
                .required_rows("universe")
                .ok()
        })
        .ok_or_else(|| ExchangeError::malformed(EX, "meta without universe"))?;
    Ok((universe, ctxs))
}

/// Tier-1 maintenance margin: half the initial margin at max leverage
/// (Hyperliquid docs, "Margining"): `1 / (2 · maxLeverage)`.
fn mmr_of(max_leverage: Option<f64>) -> Option<f64> {
    validate_mmr(positive(max_leverage).map(|l| 0.5 / l))
}

/// Perpetuals listed and not delisted; all USDC-margined, sizes in base.
pub fn parse_instruments(body: &str) -> Result<Parsed<Instrument>, ExchangeError> {
    let (universe, _) = universe(body)?;
    let p = convert_rows(universe, |a| {
        let a = Asset::of(a)?;
        Some((!a.is_delisted && !a.name.is_empty()).then(|| Instrument {
            exchange: EX,
            base: a.name.to_ascii_uppercase(),
            symbol: a.name,
            quote: "USDC".to_string(),
            kind: ContractKind::Linear,
            contract_size: 1.0,
            tick_size: None,
            max_leverage: positive(a.max_leverage),
        }))
    });
    Ok(flatten_parsed(p))
}

/// Asset context (second element of `metaAndAssetCtxs`, same order as the
/// universe):
/// ```json
/// {"dayNtlVlm":"1169046.29406","funding":"0.0000125","markPx":"14.3161",
///  "openInterest":"688.11","oraclePx":"14.32","premium":"0.00031774"}
/// ```
///
///
/// Current OI (base), mark, funding and maintenance margin of `coin`.
pub fn parse_meta_and_asset_ctxs(body: &str, coin: &str) -> Result<Snapshot, ExchangeError> {
    let (universe, ctxs) = universe(body)?;
    let idx = universe
        .iter()
        .position(|a| a.get("name").and_then(Value::as_str) == Some(coin))
        .ok_or(ExchangeError::UnknownCoin {
            exchange: EX,
            coin: Some(coin.to_string()),
        })?;
    let asset = universe.get(idx).and_then(|a| Asset::of(a.clone()));
    let ctx = ctxs
        .get(idx)
        .and_then(|c| Fields::of(c.clone(), &["funding", "markPx", "openInterest"]).ok());
    let ctx = ctx.ok_or_else(|| ExchangeError::malformed(EX, "no asset context for this coin"))?;
    Ok(Snapshot {
        time_ms: None,
        mark_price: positive(ctx.num("markPx")),
        funding_rate: super::finite(ctx.num("funding")),
        open_interest: super::non_negative(ctx.num("openInterest")).map(one_side),
        maintenance_margin_rate: asset.and_then(|a| mmr_of(a.max_leverage)),
    })
}

/// One side of Hyperliquid's `openInterest`, which counts longs and shorts
/// together (the model, like every other exchange here, wants one side).
/// Hyperliquid does not say so in its docs; the evidence: a test reported
/// on 2025-07-16 (blockchain.news, citing @ai_9684xtpa, @dotyyds1234 and a
/// reply of @BinanceFutures) found its OI at 308M where Binance's method
/// gives 169M, "summing both long and short positions"; @Henrik_on_HL,
/// 2025-07-23: "Hyperliquid currently inflates open interest by summing
/// both longs and shorts"; and Hyperliquid's own stats backend
/// (thunderhead-labs/hyperliquid-stats, `app.py`) publishes the field ×
/// price as its OI unhalved. Aggregators (ccxt, DefiLlama) pass it through
/// unchecked. Weak evidence, so the figure is named in the model panel.
fn one_side(both_sides: f64) -> f64 {
    both_sides / 2.0
}

/// `candleSnapshot` row (oldest first):
/// ```json
/// {"t":1737331200000,"T":1737417599999,"s":"@107","i":"1d","o":"20.184",
///  "c":"20.547","h":"22.755","l":"19.3","v":"10651612.71","n":278401}
/// ```
/// `v` is base volume; no quote or taker volume.
///
/// Trade candles (quote volume = base × typical price).
pub fn parse_candles(body: &str) -> Result<Parsed<Candle>, ExchangeError> {
    Ok(convert_rows(json_rows(EX, body, "candles")?, |r| {
        candle_of_coin(r).map(|(candle, _)| candle)
    }))
}

/// One candle object (a `candleSnapshot` row or a `candle` message's data)
/// and its coin (`s`, if there, a string).
pub(crate) fn candle_of_coin(row: Value) -> Option<(Candle, String)> {
    let mut r = Fields::of(row, &["s", "t", "o", "h", "l", "c", "v"]).ok()?;
    let coin = r.text("s").ok()?;
    let candle = validate_candle(RawCandle {
        open_time: r.ts("t"),
        open: r.num("o"),
        high: r.num("h"),
        low: r.num("l"),
        close: r.num("c"),
        base_volume: r.num("v"),
        quote_volume: None,
        taker_buy_base: None,
        has_taker: false,
    })?;
    Some((candle, coin))
}

/// `fundingHistory` row:
/// ```json
/// {"coin":"ETH","fundingRate":"-0.00022196","premium":"-0.00052196","time":1683849600076}
/// ```
///
/// Funding history (hourly).
pub fn parse_funding(body: &str) -> Result<Parsed<FundingPoint>, ExchangeError> {
    Ok(convert_rows(json_rows(EX, body, "funding history")?, |r| {
        let r = Fields::of(r, &["fundingRate", "time"]).ok()?;
        validate_funding(r.ts("time"), r.num("fundingRate"))
    }))
}

/// `{"type":"l2Book","coin":..}`: the book, at most 20 levels per side.
pub fn depth_request(instrument: &Instrument, base_url: &str) -> Request {
    post(
        base_url,
        Object(vec![
            ("type", Text("l2Book")),
            ("coin", Text(&instrument.symbol)),
        ]),
        Purpose::OrderBook,
    )
}

/// `[bids, asks]`: exactly two arrays.
fn book_pair(v: Value) -> Option<(Vec<Value>, Vec<Value>)> {
    let mut sides = super::array(v)?.into_iter();
    match (sides.next(), sides.next(), sides.next()) {
        (Some(Value::Array(bids)), Some(Value::Array(asks)), None) => Some((bids, asks)),
        _ => None,
    }
}

/// `l2Book`: `levels` is `[bids, asks]`, best first, sizes in base; `null`
/// for a coin that is not listed:
/// ```json
/// {"coin":"BTC","time":1754450974231,"levels":[[{"px":"113377.0","sz":"7.6699","n":17}],
///  [{"px":"113397.0","sz":"0.11543","n":3}]]}
/// ```
/// (Some write-ups show the bare `[bids, asks]` pair; it is read too.)
///
/// The order book, USD = size × price.
pub fn parse_depth(body: &str) -> Result<Depth, ExchangeError> {
    super::classify_body(EX, body)?;
    if body.trim() == "null" {
        return Err(ExchangeError::UnknownCoin {
            exchange: EX,
            coin: None,
        });
    }
    // `{"levels": [bids, asks], "time": ..}`, else the bare pair.
    let v = from_json(EX, body, "order book")?;
    let snapshot = match &v {
        Value::Object(_) => Fields::of(v.clone(), &["levels", "time"]).ok(),
        _ => None,
    }
    .and_then(|mut book| Some((book.value("levels").and_then(book_pair)?, book.ts("time"))));
    let ((bids, asks), time) = snapshot
        .or_else(|| book_pair(v).map(|levels| (levels, None)))
        .ok_or_else(|| ExchangeError::malformed(EX, "order book: neither a book nor levels"))?;
    depth_from_rows(EX, bids, asks, time, SizeUnit::Base(1.0), |l| {
        let l = Fields::of(l, &["px", "sz"]).ok()?;
        Some((l.num("px"), l.num("sz")))
    })
}

pub mod accounts;

#[cfg(test)]
mod tests;
