//! Bybit v5 (`https://api.bybit.com`).
//!
//! Open interest: the `openInterest` field of `/v5/market/open-interest`
//! now counts both sides, `singleOpenInterest` one side. The engine (like
//! Binance's `sumOpenInterest`) wants one side, so `singleOpenInterest` is
//! used wherever present; an answer without it is taken to be in the older
//! one-sided meaning of `openInterest`. The same rule applies to tickers.

use serde_json::Value;

use super::{
    array, convert_rows, depth_from_rows, enc, flatten_parsed, json_fields, liquidated_side,
    num_at, oi_period, paged, period_named, positional_level, positional_mark, positive, span,
    trim_base, validate_candle, validate_funding, validate_liquidation, validate_mmr, validate_oi,
    Depth, Exchange, ExchangeError, Fields, FundingPoint, Instrument, LiquidationEvent, MarkRow,
    OiPoint, Page, Parsed, Purpose, RawCandle, Request, Resolution, SizeUnit, DAY_MS,
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
/// The rows of `result.list` (either may be absent or `null`: no list).
fn list(body: &str, what: &str) -> Result<Vec<Value>, ExchangeError> {
    super::classify_body(EX, body)?;
    let result = json_fields(EX, body, what, &["result"])?
        .opt_fields("result", &["list"])
        .map_err(|e| e.at(EX, what))?;
    let list = match result {
        Some(mut r) => r.opt_rows("list").map_err(|e| e.at(EX, what))?,
        None => None,
    };
    list.ok_or_else(|| ExchangeError::malformed(EX, format!("{what}: no result list")))
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
///  "leverageFilter":{"minLeverage":"1","maxLeverage":"100.00","leverageStep":"0.01"},
///  "priceFilter":{"minPrice":"0.10","maxPrice":"1999999.80","tickSize":"0.10"}}
/// ```
///
/// Perpetuals being traded (linear and inverse), with their maximum
/// leverage (`leverageFilter.maxLeverage`).
pub fn parse_instruments(body: &str) -> Result<Parsed<Instrument>, ExchangeError> {
    // `symbol`, `baseCoin` and `quoteCoin` required; `priceFilter`, if
    // there, an object.
    let p = convert_rows(list(body, "instruments")?, |r| {
        let mut r = Fields::of(
            r,
            &[
                "symbol",
                "contractType",
                "status",
                "baseCoin",
                "quoteCoin",
                "priceFilter",
                "leverageFilter",
            ],
        )
        .ok()?;
        let symbol = r.required_text("symbol").ok()?;
        let contract_type = r.text("contractType").ok()?;
        let status = r.text("status").ok()?;
        let base_coin = r.required_text("baseCoin").ok()?;
        let quote_coin = r.required_text("quoteCoin").ok()?;
        let price_filter = r.opt_fields("priceFilter", &["tickSize"]).ok()?;
        let leverage_filter = r.opt_fields("leverageFilter", &["maxLeverage"]).ok()?;
        let kind = match contract_type.as_str() {
            "LinearPerpetual" => ContractKind::Linear,
            "InversePerpetual" => ContractKind::Inverse,
            _ => return Some(None),
        };
        Some((status == "Trading").then(|| Instrument {
            exchange: EX,
            symbol,
            base: base_coin.to_ascii_uppercase(),
            quote: quote_coin.to_ascii_uppercase(),
            kind,
            contract_size: 1.0,
            tick_size: price_filter.and_then(|f| positive(f.num("tickSize"))),
            max_leverage: leverage_filter.and_then(|f| positive(f.num("maxLeverage"))),
        }))
    });
    Ok(flatten_parsed(p))
}

/// Requests for one window: trade and mark klines (1000 per page), OI
/// history (200 per page, paged by time; a short answer is followed with
/// its `nextPageCursor`) and the risk limit (tier-1 maintenance margin).
/// The last OI point stands for the current OI.
pub fn plan(
    instrument: &Instrument,
    window_end_ms: i64,
    window_ms: i64,
    resolution: Resolution,
    base_url: &str,
) -> Vec<Request> {
    let (start, end) = span(window_end_ms, window_ms, resolution, None);
    let step = resolution.ms();
    let mut out = Vec::new();
    for purpose in [Purpose::Candles, Purpose::MarkCandles] {
        out.extend(paged(
            instrument,
            purpose,
            (start, end),
            step,
            KLINE_MAX,
            0,
            base_url,
        ));
    }
    // OI points stand at candle closes: up to and including `end`.
    let (p_ms, _) = oi_period(OI_PERIODS, resolution);
    let oi_span = (start, end.saturating_add(1));
    let purpose = Purpose::OpenInterestHistory;
    out.extend(paged(
        instrument, purpose, oi_span, p_ms, OI_MAX, 0, base_url,
    ));
    out.push(Request::get(
        format!(
            "{}/v5/market/risk-limit?category={}&symbol={}",
            trim_base(base_url),
            category(instrument.kind),
            enc(&instrument.symbol)
        ),
        Purpose::RiskTiers,
    ));
    out
}

/// Funding rows per `/v5/market/funding/history` answer.
pub const FUNDING_PAGE: i64 = 200;

/// One page of a series: klines and mark klines (`start`, `end`, newest
/// first), open-interest history (`intervalTime`), funding.
pub(crate) fn page_request(
    instrument: &Instrument,
    purpose: Purpose,
    page: Page,
    base_url: &str,
) -> Option<Request> {
    let base = trim_base(base_url);
    let sym = enc(&instrument.symbol);
    let cat = category(instrument.kind);
    let (s, last) = (page.start_ms, page.end_ms.saturating_sub(1));
    let url = match purpose {
        Purpose::Candles | Purpose::MarkCandles => {
            let path = match purpose {
                Purpose::Candles => "kline",
                _ => "mark-price-kline",
            };
            let interval = Resolution::of_ms(page.step_ms)?.spelling(EX);
            format!("{base}/v5/market/{path}?category={cat}&symbol={sym}&interval={interval}&start={s}&end={last}&limit={KLINE_MAX}")
        }
        Purpose::OpenInterestHistory => {
            let period = period_named(OI_PERIODS, page.step_ms)?;
            format!("{base}/v5/market/open-interest?category={cat}&symbol={sym}&intervalTime={period}&startTime={s}&endTime={last}&limit={OI_MAX}")
        }
        Purpose::Funding => format!(
            "{base}/v5/market/funding/history?category={cat}&symbol={sym}&startTime={s}&endTime={last}&limit={FUNDING_PAGE}"
        ),
        _ => return None,
    };
    Some(Request::get(url, purpose))
}

/// The `result.nextPageCursor` of an answer (`open-interest` pages by it):
/// `None` where absent or empty (the last page).
pub fn next_page_cursor(body: &str) -> Option<String> {
    let mut answer = json_fields(EX, body, "cursor", &["result"]).ok()?;
    let mut result = answer.opt_fields("result", &["nextPageCursor"]).ok()??;
    result.text("nextPageCursor").ok().filter(|c| !c.is_empty())
}

/// Kline rows are positional strings, **newest first**:
/// ```json
/// ["1670608800000","17071","17073","17027","17055.5","268611","15.74462667"]
/// ```
/// `[start, open, high, low, close, volume, turnover]`. Linear: volume in
/// base, turnover in USD. Inverse: volume in USD (contracts), turnover in
/// the coin.
///
/// Trade candles (no taker volume). `kind` decides the volume units.
pub fn parse_klines(body: &str, kind: ContractKind) -> Result<Parsed<Candle>, ExchangeError> {
    let (b, q) = match kind {
        ContractKind::Linear => (5, 6),
        ContractKind::Inverse => (6, 5),
    };
    Ok(convert_rows(list(body, "klines")?, |r| {
        let r = array(r)?;
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
fn one_side(r: &Fields) -> Option<f64> {
    match r.opt_num("singleOpenInterest") {
        Some(v) => v,
        None => r.num("openInterest"),
    }
}

/// OI history, one side, in base units (linear) or USD (inverse; see
/// [`super::oi_is_quoted_in_usd`]).
pub fn parse_open_interest(
    body: &str,
    instrument: &Instrument,
) -> Result<Parsed<OiPoint>, ExchangeError> {
    let cs = instrument.contract_size;
    Ok(convert_rows(list(body, "open interest")?, |r| {
        let r = Fields::of(r, &["openInterest", "singleOpenInterest", "timestamp"]).ok()?;
        validate_oi(r.ts("timestamp"), one_side(&r).map(|v| v * cs))
    }))
}

/// `risk-limit` row:
/// ```json
/// {"id":1,"symbol":"BTCUSD","riskLimitValue":"150","maintenanceMargin":"0.5",
///  "initialMargin":"1","isLowestRisk":1,"maxLeverage":"100.00","mmDeduction":""}
/// ```
/// The documented example gives margins in **percent** (`initialMargin` 1 =
/// 1 % = 1/100x); answers in fractions are recognised by
/// `initialMargin × maxLeverage ≈ 1`.
struct RiskRow {
    id: Option<f64>,
    maintenance_margin: Option<f64>,
    initial_margin: Option<f64>,
    max_leverage: Option<f64>,
}

/// Tier-1 (lowest id) maintenance margin rate of `instrument`, as a fraction.
pub fn parse_risk_limit(body: &str, instrument: &Instrument) -> Result<f64, ExchangeError> {
    let p = convert_rows(list(body, "risk limit")?, |r| {
        let names = [
            "id",
            "symbol",
            "maintenanceMargin",
            "initialMargin",
            "maxLeverage",
        ];
        let mut r = Fields::of(r, &names).ok()?;
        let symbol = r.text("symbol").ok()?;
        (symbol == instrument.symbol || symbol.is_empty()).then(|| RiskRow {
            id: r.num("id"),
            maintenance_margin: r.num("maintenanceMargin"),
            initial_margin: r.num("initialMargin"),
            max_leverage: r.num("maxLeverage"),
        })
    });
    let tier1 = p
        .rows
        .into_iter()
        .filter(|r| r.id.is_some_and(f64::is_finite))
        .min_by(|a, b| a.id.unwrap_or(0.0).total_cmp(&b.id.unwrap_or(0.0)))
        .ok_or_else(|| ExchangeError::malformed(EX, "risk limit: no tier for this symbol"))?;
    let mm = tier1.maintenance_margin;
    let percent = match (tier1.initial_margin, tier1.max_leverage) {
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
///
/// Funding history.
pub fn parse_funding(body: &str) -> Result<Parsed<FundingPoint>, ExchangeError> {
    Ok(convert_rows(list(body, "funding history")?, |r| {
        let r = Fields::of(r, &["fundingRate", "fundingRateTimestamp"]).ok()?;
        validate_funding(r.ts("fundingRateTimestamp"), r.num("fundingRate"))
    }))
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
///
/// The order book of `instrument`, sizes converted to USD.
pub fn parse_depth(body: &str, instrument: &Instrument) -> Result<Depth, ExchangeError> {
    super::classify_body(EX, body)?;
    let what = "order book";
    let at = |e: super::Unfit| e.at(EX, what);
    let mut r = json_fields(EX, body, what, &["result"])?
        .required_fields("result", &["b", "a", "ts"])
        .map_err(at)?;
    let b = r.required_rows("b").map_err(at)?;
    let a = r.required_rows("a").map_err(at)?;
    let unit = SizeUnit::contracts(instrument);
    depth_from_rows(EX, b, a, r.ts("ts"), unit, positional_level)
}

/// `allLiquidation.<symbol>` WebSocket message:
/// ```json
/// {"topic":"allLiquidation.ROSEUSDT","type":"snapshot","ts":1739502303204,
///  "data":[{"T":1739502302929,"s":"ROSEUSDT","S":"Sell","v":"20000","p":"0.04499"}]}
/// ```
/// `S:"Buy"` = a long was liquidated (the opposite of Binance).
///
/// Liquidations from an `allLiquidation` message (sizes in base for linear).
pub fn parse_all_liquidation(body: &str) -> Result<Parsed<LiquidationEvent>, ExchangeError> {
    all_liquidation(json_fields(EX, body, LIQUIDATION_MESSAGE, &["data"])?.value("data"))
}

const LIQUIDATION_MESSAGE: &str = "liquidation message";

/// [`parse_all_liquidation`] of the message's `data`, already read.
pub(crate) fn all_liquidation(
    data: Option<Value>,
) -> Result<Parsed<LiquidationEvent>, ExchangeError> {
    let rows = match data {
        None => {
            return Err(ExchangeError::malformed(
                EX,
                "liquidation message without data",
            ))
        }
        Some(rows) => {
            array(rows).ok_or_else(|| super::Unfit::Invalid("data").at(EX, LIQUIDATION_MESSAGE))?
        }
    };
    Ok(convert_rows(rows, |r| {
        let mut r = Fields::of(r, &["T", "S", "v", "p"]).ok()?;
        let side = r.text("S").ok()?;
        let side = liquidated_side(&side, "Buy", "Sell");
        validate_liquidation(r.ts("T"), side, r.num("p"), r.num("v"))
    }))
}

#[cfg(test)]
mod tests;
