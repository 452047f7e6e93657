//! Bybit v5 (`https://api.bybit.com`).
//!
//! Open interest: the `openInterest` field of `/v5/market/open-interest`
//! now counts both sides, `singleOpenInterest` one side. The engine (like
//! Binance's `sumOpenInterest`) wants one side, so `singleOpenInterest` is
//! used wherever present; an answer without it is taken to be in the older
//! one-sided meaning of `openInterest`. The same rule applies to tickers.

use serde::Deserialize;
use serde_json::Value;

use super::{
    convert_rows, depth_from_rows, enc, flatten_parsed, from_json, liquidated_side, num_at,
    oi_period, paged, positional_level, positional_mark, positive, span, trim_base,
    validate_candle, validate_funding, validate_liquidation, validate_mmr, validate_oi, Depth,
    Exchange, ExchangeError, FundingPoint, Instrument, LiquidationEvent, MarkRow, Num, OiPoint,
    Parsed, Purpose, RawCandle, Request, Resolution, SizeUnit, Snapshot, Ts, DAY_MS,
};
use crate::engine::input::{Candle, ContractKind};

const EX: Exchange = Exchange::Bybit;
/// Max rows of `/v5/market/kline` and `/v5/market/mark-price-kline`.
pub const KLINE_MAX: i64 = 1000;
/// Max rows of `/v5/market/open-interest`.
pub const OI_MAX: i64 = 200;
const OI_PERIODS: &[(i64, &str)] = &[
    (5 * 60_000, "5min"),
    (15 * 60_000, "15min"),
    (30 * 60_000, "30min"),
    (3_600_000, "1h"),
    (4 * 3_600_000, "4h"),
    (DAY_MS, "1d"),
];

fn category(kind: ContractKind) -> &'static str {
    match kind {
        ContractKind::Linear => "linear",
        ContractKind::Inverse => "inverse",
    }
}

/// Every response is wrapped:
/// ```json
/// {"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[...],
///  "nextPageCursor":""},"retExtInfo":{},"time":1672051897447}
/// ```
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    result: Option<ResultList>,
}

#[derive(Deserialize)]
struct ResultList {
    #[serde(default)]
    list: Option<Vec<Value>>,
}

fn list(body: &str, what: &str) -> Result<Vec<Value>, ExchangeError> {
    super::classify_body(EX, body)?;
    let env: Envelope = from_json(EX, body, what)?;
    env.result
        .and_then(|r| r.list)
        .ok_or_else(|| ExchangeError::malformed(EX, format!("{what}: no result list")))
}

/// `GET /v5/market/instruments-info?category=linear&limit=1000`.
pub fn instruments_request(base_url: &str) -> Request {
    Request::get(
        format!(
            "{}/v5/market/instruments-info?category=linear&limit=1000",
            trim_base(base_url)
        ),
        Purpose::Instruments,
    )
}

/// `instruments-info` row, abridged:
/// ```json
/// {"symbol":"BTCUSDT","contractType":"LinearPerpetual","status":"Trading",
///  "baseCoin":"BTC","quoteCoin":"USDT","settleCoin":"USDT",
///  "priceFilter":{"minPrice":"0.10","maxPrice":"1999999.80","tickSize":"0.10"}}
/// ```
#[derive(Deserialize)]
struct InstrumentRow {
    symbol: String,
    #[serde(default, rename = "contractType")]
    contract_type: String,
    #[serde(default)]
    status: String,
    #[serde(rename = "baseCoin")]
    base_coin: String,
    #[serde(rename = "quoteCoin")]
    quote_coin: String,
    #[serde(default, rename = "priceFilter")]
    price_filter: Option<PriceFilter>,
}

#[derive(Deserialize)]
struct PriceFilter {
    #[serde(default, rename = "tickSize")]
    tick_size: Num,
}

/// Perpetuals being traded (linear and inverse).
pub fn parse_instruments(body: &str) -> Result<Parsed<Instrument>, ExchangeError> {
    let p = convert_rows(list(body, "instruments")?, |r: InstrumentRow| {
        let kind = match r.contract_type.as_str() {
            "LinearPerpetual" => ContractKind::Linear,
            "InversePerpetual" => ContractKind::Inverse,
            _ => return Some(None),
        };
        Some((r.status == "Trading").then(|| Instrument {
            exchange: EX,
            symbol: r.symbol,
            base: r.base_coin.to_ascii_uppercase(),
            quote: r.quote_coin.to_ascii_uppercase(),
            kind,
            contract_size: 1.0,
            tick_size: r.price_filter.and_then(|f| positive(f.tick_size.0)),
        }))
    });
    Ok(flatten_parsed(p))
}

/// Requests for one window: trade and mark klines (1000 per page), OI
/// history (200 per page, paged by time rather than cursor) and the risk
/// limit (tier-1 maintenance margin). Tickers (current OI, only needed in
/// volume mode) are optional: [`current_open_interest_request`].
pub fn plan(
    instrument: &Instrument,
    window_end_ms: i64,
    window_ms: i64,
    resolution: Resolution,
    base_url: &str,
) -> Vec<Request> {
    let base = trim_base(base_url);
    let sym = enc(&instrument.symbol);
    let cat = category(instrument.kind);
    let (start, end) = span(window_end_ms, window_ms, resolution, None);
    let step = resolution.ms();
    let interval = resolution.spelling(EX);
    let mut out = Vec::new();
    for (path, purpose) in [
        ("kline", Purpose::Candles),
        ("mark-price-kline", Purpose::MarkCandles),
    ] {
        out.extend(paged(start, end, step, KLINE_MAX, purpose, |s, e| {
            format!("{base}/v5/market/{path}?category={cat}&symbol={sym}&interval={interval}&start={s}&end={}&limit={KLINE_MAX}", e - 1)
        }));
    }
    let (p_ms, period) = oi_period(OI_PERIODS, resolution);
    out.extend(paged(start, end.saturating_add(1), p_ms, OI_MAX, Purpose::OpenInterestHistory, |s, e| {
        format!("{base}/v5/market/open-interest?category={cat}&symbol={sym}&intervalTime={period}&startTime={s}&endTime={}&limit={OI_MAX}", e - 1)
    }));
    out.push(Request::get(
        format!("{base}/v5/market/risk-limit?category={cat}&symbol={sym}"),
        Purpose::RiskTiers,
    ));
    out
}

/// `GET /v5/market/tickers` for `instrument` (current OI, mark, funding).
pub fn current_open_interest_request(instrument: &Instrument, base_url: &str) -> Request {
    Request::get(
        format!(
            "{}/v5/market/tickers?category={}&symbol={}",
            trim_base(base_url),
            category(instrument.kind),
            enc(&instrument.symbol)
        ),
        Purpose::CurrentOpenInterest,
    )
}

/// Funding history (`/v5/market/funding/history`, 200 per page).
pub fn funding_request(
    instrument: &Instrument,
    start_ms: i64,
    end_ms: i64,
    base_url: &str,
) -> Request {
    Request::get(
        format!(
            "{}/v5/market/funding/history?category={}&symbol={}&startTime={start_ms}&endTime={end_ms}&limit=200",
            trim_base(base_url),
            category(instrument.kind),
            enc(&instrument.symbol)
        ),
        Purpose::Funding,
    )
}

/// Kline rows are positional strings, **newest first**:
/// ```json
/// ["1670608800000","17071","17073","17027","17055.5","268611","15.74462667"]
/// ```
/// `[start, open, high, low, close, volume, turnover]`. Linear: volume in
/// base, turnover in USD. Inverse: volume in USD (contracts), turnover in
/// the coin.
type KlineRow = Vec<Value>;

/// Trade candles (no taker volume). `kind` decides the volume units.
pub fn parse_klines(body: &str, kind: ContractKind) -> Result<Parsed<Candle>, ExchangeError> {
    let (b, q) = match kind {
        ContractKind::Linear => (5, 6),
        ContractKind::Inverse => (6, 5),
    };
    Ok(convert_rows(list(body, "klines")?, |r: KlineRow| {
        validate_candle(RawCandle {
            base_volume: num_at(&r, b),
            quote_volume: num_at(&r, q),
            ..RawCandle::positional(&r)
        })
    }))
}

/// Mark-price kline rows: `["1670608800000","17071","17073","17027","17055.5"]`
/// (`[start, open, high, low, close]`, newest first).
pub fn parse_mark_klines(body: &str) -> Result<Parsed<MarkRow>, ExchangeError> {
    Ok(convert_rows(list(body, "mark klines")?, positional_mark))
}

/// `open-interest` row:
/// ```json
/// {"openInterest":"63910691.00000000","singleOpenInterest":"31955346",
///  "timestamp":"1780963200000"}
/// ```
#[derive(Deserialize)]
struct OiRow {
    #[serde(default, rename = "openInterest")]
    open_interest: Num,
    #[serde(default, rename = "singleOpenInterest")]
    single_open_interest: Option<Num>,
    #[serde(default)]
    timestamp: Ts,
}

fn one_side(single: Option<Num>, both: Num) -> Option<f64> {
    match single {
        Some(Num(v)) => v,
        None => both.0,
    }
}

/// OI history, one side, in base units (linear) or USD (inverse; see
/// [`super::oi_is_quoted_in_usd`]).
pub fn parse_open_interest(
    body: &str,
    instrument: &Instrument,
) -> Result<Parsed<OiPoint>, ExchangeError> {
    let cs = instrument.contract_size;
    Ok(convert_rows(list(body, "open interest")?, |r: OiRow| {
        validate_oi(
            r.timestamp.0,
            one_side(r.single_open_interest, r.open_interest).map(|v| v * cs),
        )
    }))
}

/// `tickers` row, abridged:
/// ```json
/// {"symbol":"BTCUSD","markPrice":"114898.43","openInterest":"240113967",
///  "fundingRate":"0.0001","nextFundingTime":"1760371200000"}
/// ```
#[derive(Deserialize)]
struct TickerRow {
    #[serde(default)]
    symbol: String,
    #[serde(default, rename = "markPrice")]
    mark_price: Num,
    #[serde(default, rename = "openInterest")]
    open_interest: Num,
    #[serde(default, rename = "singleOpenInterest")]
    single_open_interest: Option<Num>,
    #[serde(default, rename = "fundingRate")]
    funding_rate: Num,
}

/// The ticker of `instrument` (current OI one side, mark, funding); the
/// envelope's `time` is the snapshot time.
pub fn parse_tickers(body: &str, instrument: &Instrument) -> Result<Snapshot, ExchangeError> {
    #[derive(Deserialize)]
    struct Time {
        #[serde(default)]
        time: Ts,
    }
    let rows = list(body, "tickers")?;
    let time = serde_json::from_str::<Time>(body)
        .ok()
        .and_then(|t| t.time.0);
    let p = convert_rows(rows, |r: TickerRow| Some(r));
    let t = p
        .rows
        .into_iter()
        .find(|r| r.symbol == instrument.symbol)
        .ok_or(ExchangeError::UnknownCoin {
            exchange: EX,
            coin: Some(instrument.base.clone()),
        })?;
    Ok(Snapshot {
        time_ms: time,
        mark_price: positive(t.mark_price.0),
        funding_rate: super::finite(t.funding_rate.0),
        open_interest: super::non_negative(
            one_side(t.single_open_interest, t.open_interest).map(|v| v * instrument.contract_size),
        ),
        maintenance_margin_rate: None,
    })
}

/// `risk-limit` row:
/// ```json
/// {"id":1,"symbol":"BTCUSD","riskLimitValue":"150","maintenanceMargin":"0.5",
///  "initialMargin":"1","isLowestRisk":1,"maxLeverage":"100.00","mmDeduction":""}
/// ```
/// The documented example gives margins in **percent** (`initialMargin` 1 =
/// 1 % = 1/100x); answers in fractions are recognised by
/// `initialMargin × maxLeverage ≈ 1`.
#[derive(Deserialize)]
struct RiskRow {
    #[serde(default)]
    id: Num,
    #[serde(default)]
    symbol: String,
    #[serde(default, rename = "maintenanceMargin")]
    maintenance_margin: Num,
    #[serde(default, rename = "initialMargin")]
    initial_margin: Num,
    #[serde(default, rename = "maxLeverage")]
    max_leverage: Num,
}

/// Tier-1 (lowest id) maintenance margin rate of `instrument`, as a fraction.
pub fn parse_risk_limit(body: &str, instrument: &Instrument) -> Result<f64, ExchangeError> {
    let p = convert_rows(list(body, "risk limit")?, |r: RiskRow| {
        (r.symbol == instrument.symbol || r.symbol.is_empty()).then_some(r)
    });
    let tier1 = p
        .rows
        .into_iter()
        .filter(|r| r.id.0.is_some_and(f64::is_finite))
        .min_by(|a, b| a.id.0.unwrap_or(0.0).total_cmp(&b.id.0.unwrap_or(0.0)))
        .ok_or_else(|| ExchangeError::malformed(EX, "risk limit: no tier for this symbol"))?;
    let mm = tier1.maintenance_margin.0;
    let percent = match (tier1.initial_margin.0, tier1.max_leverage.0) {
        (Some(im), Some(lev)) if im.is_finite() && lev.is_finite() && lev > 0.0 => im * lev > 10.0,
        _ => mm.is_some_and(|m| m >= 0.2),
    };
    validate_mmr(mm.map(|m| if percent { m / 100.0 } else { m }))
        .ok_or_else(|| ExchangeError::malformed(EX, "risk limit: invalid maintenance margin"))
}

/// `funding/history` row:
/// ```json
/// {"symbol":"ETHPERP","fundingRate":"0.0001","fundingRateTimestamp":"1672041600000"}
/// ```
#[derive(Deserialize)]
struct FundingRow {
    #[serde(default, rename = "fundingRate")]
    funding_rate: Num,
    #[serde(default, rename = "fundingRateTimestamp")]
    time: Ts,
}

/// Funding history.
pub fn parse_funding(body: &str) -> Result<Parsed<FundingPoint>, ExchangeError> {
    Ok(convert_rows(
        list(body, "funding history")?,
        |r: FundingRow| validate_funding(r.time.0, r.funding_rate.0),
    ))
}

/// Levels per side of [`depth_request`] (the most contracts' books serve).
pub const DEPTH_LIMIT: usize = 500;

/// `GET /v5/market/orderbook` (500 levels per side).
pub fn depth_request(instrument: &Instrument, base_url: &str) -> Request {
    Request::get(
        format!(
            "{}/v5/market/orderbook?category={}&symbol={}&limit={DEPTH_LIMIT}",
            trim_base(base_url),
            category(instrument.kind),
            enc(&instrument.symbol)
        ),
        Purpose::OrderBook,
    )
}

/// `orderbook`: bids `b` and asks `a` as `[price, size]`, best first:
/// ```json
/// {"retCode":0,"retMsg":"OK","result":{"s":"BTCUSDT","a":[["65557.7","16.606555"]],
///  "b":[["65485.47","47.081829"]],"ts":1716863719031,"u":230704,"seq":1432604333,
///  "cts":1716863718905},"retExtInfo":{},"time":1716863719382}
/// ```
/// Size in base for linear contracts, in USD (contracts of 1 USD) for inverse.
#[derive(Deserialize)]
struct DepthEnvelope {
    result: DepthResult,
}

#[derive(Deserialize)]
struct DepthResult {
    b: Vec<Value>,
    a: Vec<Value>,
    #[serde(default)]
    ts: Ts,
}

/// The order book of `instrument`, sizes converted to USD.
pub fn parse_depth(body: &str, instrument: &Instrument) -> Result<Depth, ExchangeError> {
    super::classify_body(EX, body)?;
    let r = from_json::<DepthEnvelope>(EX, body, "order book")?.result;
    let unit = SizeUnit::contracts(instrument);
    depth_from_rows(EX, r.b, r.a, r.ts.0, unit, positional_level)
}

/// `allLiquidation.<symbol>` WebSocket message:
/// ```json
/// {"topic":"allLiquidation.ROSEUSDT","type":"snapshot","ts":1739502303204,
///  "data":[{"T":1739502302929,"s":"ROSEUSDT","S":"Sell","v":"20000","p":"0.04499"}]}
/// ```
/// `S:"Buy"` = a long was liquidated (the opposite of Binance).
#[derive(Deserialize)]
struct LiquidationMessage {
    #[serde(default)]
    data: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct LiquidationRow {
    #[serde(default, rename = "T")]
    time: Ts,
    #[serde(default, rename = "S")]
    side: String,
    #[serde(default)]
    v: Num,
    #[serde(default)]
    p: Num,
}

/// Liquidations from an `allLiquidation` message (sizes in base for linear).
pub fn parse_all_liquidation(body: &str) -> Result<Parsed<LiquidationEvent>, ExchangeError> {
    let m: LiquidationMessage = from_json(EX, body, "liquidation message")?;
    let rows = m
        .data
        .ok_or_else(|| ExchangeError::malformed(EX, "liquidation message without data"))?;
    Ok(convert_rows(rows, |r: LiquidationRow| {
        let side = liquidated_side(&r.side, "Buy", "Sell");
        validate_liquidation(r.time.0, side, r.p.0, r.v.0)
    }))
}

#[cfg(test)]
mod tests;
