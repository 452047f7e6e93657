//! Binance USD-M futures (`https://fapi.binance.com`).

use serde_json::Value;

use super::{
    array, convert_rows, depth_from_rows, enc, flatten_parsed, json_fields, json_rows,
    liquidated_side, num_at, oi_period, paged, period_named, positional_level, positional_mark,
    positive, span, trim_base, validate_candle, validate_funding, validate_liquidation,
    validate_oi, Depth, Exchange, ExchangeError, Fields, FundingPoint, Instrument,
    LiquidationEvent, MarkRow, OiPoint, Page, Parsed, Purpose, RawCandle, Request, Resolution,
    SizeUnit, DAY_MS,
};
use crate::engine::input::{Candle, ContractKind};

const EX: Exchange = Exchange::Binance;
/// Max rows of `/fapi/v1/klines` and `/fapi/v1/markPriceKlines`.
pub const KLINES_MAX: i64 = 1500;
/// Max rows of `/futures/data/openInterestHist`.
pub const OI_HIST_MAX: i64 = 500;
/// `openInterestHist` serves the last 30 days only.
pub const OI_HIST_RETENTION_MS: i64 = 30 * DAY_MS;
const OI_PERIODS: &[(i64, &str)] = &[
    (5 * 60_000, "5m"),
    (15 * 60_000, "15m"),
    (30 * 60_000, "30m"),
    (3_600_000, "1h"),
    (2 * 3_600_000, "2h"),
    (4 * 3_600_000, "4h"),
    (6 * 3_600_000, "6h"),
    (12 * 3_600_000, "12h"),
    (DAY_MS, "1d"),
];

/// Bracket 1 of a symbol: its maximum leverage and maintenance margin rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bracket {
    pub max_leverage: f64,
    pub maintenance_margin_rate: f64,
}

const fn bracket(max_leverage: f64, maintenance_margin_rate: f64) -> Bracket {
    Bracket {
        max_leverage,
        maintenance_margin_rate,
    }
}

/// Bracket 1 of the 20 largest USD-M perpetuals. `/fapi/v1/leverageBracket`
/// needs a signed request, so its public output is copied here: Binance's
/// answer (`initialLeverage`, `maintMarginRatio` of `"bracket": 1`) as
/// cached by freqtrade in `freqtrade/exchange/binance_leverage_tiers.json`,
/// commit 2832c6b8588dbbf35d5e66e28a679fa99255ef32 of 2026-03-05 (the
/// weekly copies show these rows unchanged since August 2025). Spot checks
/// against Binance's announcements: XRPUSDT's tier update of 2024-08-27
/// ("Updates on the Leverage & Margin Tiers of Multiple USDⓈ-M Perpetual
/// Contracts") matches that week's copy. Binance may change brackets
/// without notice: re-check before relying on a row.
const BRACKETS: [(&str, Bracket); 20] = [
    ("BTCUSDT", bracket(150.0, 0.004)),
    ("ETHUSDT", bracket(150.0, 0.004)),
    ("SOLUSDT", bracket(100.0, 0.005)),
    ("XRPUSDT", bracket(100.0, 0.005)),
    ("DOGEUSDT", bracket(75.0, 0.0065)),
    ("BNBUSDT", bracket(75.0, 0.005)),
    ("ADAUSDT", bracket(75.0, 0.005)),
    ("LINKUSDT", bracket(75.0, 0.005)),
    ("AVAXUSDT", bracket(75.0, 0.005)),
    ("SUIUSDT", bracket(75.0, 0.01)),
    ("LTCUSDT", bracket(75.0, 0.005)),
    ("BCHUSDT", bracket(75.0, 0.005)),
    ("DOTUSDT", bracket(75.0, 0.0065)),
    ("TRXUSDT", bracket(75.0, 0.0065)),
    ("TONUSDT", bracket(75.0, 0.01)),
    ("NEARUSDT", bracket(75.0, 0.01)),
    ("APTUSDT", bracket(75.0, 0.01)),
    ("1000PEPEUSDT", bracket(75.0, 0.0065)),
    ("WIFUSDT", bracket(75.0, 0.01)),
    ("ENAUSDT", bracket(75.0, 0.01)),
];

/// What other symbols are assumed to allow: 50x at 1.5 %, bracket 1 of
/// 229 of the 644 USDT perpetuals in the same file (the most common row;
/// 75x at 1.0 % comes next with 171), and what Binance's small-cap listings
/// of 2025-09-15 state ("21 - 50x, 0 < Position ≤ 5,000, 1.50%").
pub const ASSUMED_BRACKET: Bracket = bracket(50.0, 0.015);

/// Bracket 1 of `symbol` from the table, `None` where it is not listed
/// (then [`ASSUMED_BRACKET`] stands for it, and the page says "assumed").
pub fn known_bracket(symbol: &str) -> Option<Bracket> {
    BRACKETS.iter().find(|(s, _)| *s == symbol).map(|(_, b)| *b)
}

/// Tier-1 maintenance margin rate of `symbol` (table or assumed).
pub fn maintenance_margin_rate(symbol: &str) -> f64 {
    known_bracket(symbol)
        .unwrap_or(ASSUMED_BRACKET)
        .maintenance_margin_rate
}

/// Maximum leverage of `symbol` (table or assumed).
pub fn max_leverage(symbol: &str) -> f64 {
    known_bracket(symbol)
        .unwrap_or(ASSUMED_BRACKET)
        .max_leverage
}

/// `GET /fapi/v1/exchangeInfo`.
pub fn instruments_request(base_url: &str) -> Request {
    Request::get(
        format!("{}/fapi/v1/exchangeInfo", trim_base(base_url)),
        Purpose::Instruments,
    )
}

/// `exchangeInfo`, abridged:
/// ```json
/// {"symbols":[{"symbol":"BLZUSDT","contractType":"PERPETUAL","status":"TRADING",
///   "baseAsset":"BLZ","quoteAsset":"USDT","marginAsset":"USDT",
///   "filters":[{"filterType":"PRICE_FILTER","tickSize":"0.0001"}]}]}
/// ```
///
/// Perpetuals being traded from `exchangeInfo`: the rows of `symbols`
/// (`symbol`, `baseAsset` and `quoteAsset` required).
pub fn parse_instruments(body: &str) -> Result<Parsed<Instrument>, ExchangeError> {
    super::classify_body(EX, body)?;
    let what = "exchange info";
    let rows = json_fields(EX, body, what, &["symbols"])?
        .opt_rows("symbols")
        .map_err(|e| e.at(EX, what))?
        .ok_or_else(|| ExchangeError::malformed(EX, "exchange info without symbols"))?;
    let p = convert_rows(rows, |s| {
        let mut s = Fields::of(
            s,
            &[
                "symbol",
                "contractType",
                "status",
                "baseAsset",
                "quoteAsset",
                "filters",
            ],
        )
        .ok()?;
        let symbol = s.required_text("symbol").ok()?;
        let contract_type = s.text("contractType").ok()?;
        let status = s.text("status").ok()?;
        let base_asset = s.required_text("baseAsset").ok()?;
        let quote_asset = s.required_text("quoteAsset").ok()?;
        let filters = s.rows("filters").ok()?;
        Some(
            (contract_type == "PERPETUAL" && status == "TRADING").then(|| {
                let tick_size = filters
                    .iter()
                    .find(|f| f.get("filterType").and_then(Value::as_str) == Some("PRICE_FILTER"))
                    .and_then(|f| f.get("tickSize"))
                    .and_then(super::value_f64);
                Instrument {
                    exchange: EX,
                    symbol,
                    base: base_asset.to_ascii_uppercase(),
                    quote: quote_asset.to_ascii_uppercase(),
                    kind: ContractKind::Linear,
                    contract_size: 1.0,
                    tick_size: positive(tick_size),
                    // Not in `exchangeInfo`: see `max_leverage`.
                    max_leverage: None,
                }
            }),
        )
    });
    Ok(flatten_parsed(p))
}

/// The oldest time a view asks for: `openInterestHist` serves the last 30
/// days only, and the candles' warm-up is capped with it.
pub(crate) fn oldest_ms(window_end_ms: i64) -> Option<i64> {
    Some(window_end_ms.saturating_sub(OI_HIST_RETENTION_MS))
}

/// Requests for one window: trade and mark klines (1500 per page), OI
/// history (500 per page, period = the candle or the next finer one, last
/// 30 days only, which caps the warm-up). The last OI point stands for the
/// current OI.
pub fn plan(
    instrument: &Instrument,
    window_end_ms: i64,
    window_ms: i64,
    resolution: Resolution,
    base_url: &str,
) -> Vec<Request> {
    let oldest = oldest_ms(window_end_ms).unwrap_or(0);
    let (start, end) = span(window_end_ms, window_ms, resolution, Some(oldest));
    let step = resolution.ms();
    let mut out = Vec::new();
    for purpose in [Purpose::Candles, Purpose::MarkCandles] {
        out.extend(paged(
            instrument,
            purpose,
            (start, end),
            step,
            KLINES_MAX,
            0,
            base_url,
        ));
    }
    // OI points stand at candle closes: up to and including `end`.
    let (p_ms, _) = oi_period(OI_PERIODS, resolution);
    let oi_span = (start.max(oldest), end.saturating_add(1));
    let purpose = Purpose::OpenInterestHistory;
    out.extend(paged(
        instrument,
        purpose,
        oi_span,
        p_ms,
        OI_HIST_MAX,
        oldest,
        base_url,
    ));
    out
}

/// Funding rows per `/fapi/v1/fundingRate` answer.
pub const FUNDING_PAGE: i64 = 1000;

/// One page of a series: klines and mark klines (`startTime`, `endTime`,
/// oldest first), open-interest history (`period`), funding.
pub(crate) fn page_request(
    instrument: &Instrument,
    purpose: Purpose,
    page: Page,
    base_url: &str,
) -> Option<Request> {
    let base = trim_base(base_url);
    let sym = enc(&instrument.symbol);
    let (s, last) = (page.start_ms, page.end_ms.saturating_sub(1));
    let url = match purpose {
        Purpose::Candles | Purpose::MarkCandles => {
            let path = match purpose {
                Purpose::Candles => "klines",
                _ => "markPriceKlines",
            };
            let interval = Resolution::of_ms(page.step_ms)?.spelling(EX);
            format!("{base}/fapi/v1/{path}?symbol={sym}&interval={interval}&startTime={s}&endTime={last}&limit={KLINES_MAX}")
        }
        Purpose::OpenInterestHistory => {
            let period = period_named(OI_PERIODS, page.step_ms)?;
            format!("{base}/futures/data/openInterestHist?symbol={sym}&period={period}&startTime={s}&endTime={last}&limit={OI_HIST_MAX}")
        }
        Purpose::Funding => format!(
            "{base}/fapi/v1/fundingRate?symbol={sym}&startTime={s}&endTime={last}&limit={FUNDING_PAGE}"
        ),
        _ => return None,
    };
    Some(Request::get(url, purpose))
}

/// Klines are positional arrays, oldest first:
/// ```json
/// [[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100",
///   "148976.11427815",1499644799999,"2434.19055334",308,"1756.87402397",
///   "28.46694368","17928899.62484339"]]
/// ```
/// `[open time, open, high, low, close, base volume, close time, quote
/// volume, trades, taker-buy base, taker-buy quote, ignore]`.
///
/// Trade candles, with taker-buy base volume.
pub fn parse_klines(body: &str) -> Result<Parsed<Candle>, ExchangeError> {
    Ok(convert_rows(json_rows(EX, body, "klines")?, |r| {
        let r = array(r)?;
        validate_candle(RawCandle {
            base_volume: num_at(&r, 5),
            quote_volume: Some(num_at(&r, 7)?),
            taker_buy_base: num_at(&r, 9),
            has_taker: true,
            ..RawCandle::positional(&r)
        })
    }))
}

/// Mark-price klines: same positional shape, volumes are zero/ignored.
pub fn parse_mark_klines(body: &str) -> Result<Parsed<MarkRow>, ExchangeError> {
    Ok(convert_rows(
        json_rows(EX, body, "mark klines")?,
        positional_mark,
    ))
}

/// `openInterestHist` row (timestamp sometimes a string):
/// ```json
/// {"symbol":"BTCUSDT","sumOpenInterest":"20403.63700000",
///  "sumOpenInterestValue":"150570784.07809979","timestamp":"1583127900000"}
/// ```
/// `sumOpenInterest` is in base units (one side).
///
/// OI history in base units.
pub fn parse_open_interest_hist(body: &str) -> Result<Parsed<OiPoint>, ExchangeError> {
    Ok(convert_rows(
        json_rows(EX, body, "open interest history")?,
        |r| {
            let r = Fields::of(r, &["sumOpenInterest", "timestamp"]).ok()?;
            validate_oi(r.ts("timestamp"), r.num("sumOpenInterest"))
        },
    ))
}

/// `/fapi/v1/fundingRate` row:
/// ```json
/// {"symbol":"BTCUSDT","fundingRate":"-0.03750000","fundingTime":1570608000000,
///  "markPrice":"34287.54619963"}
/// ```
///
/// Funding history.
pub fn parse_funding(body: &str) -> Result<Parsed<FundingPoint>, ExchangeError> {
    Ok(convert_rows(json_rows(EX, body, "funding history")?, |r| {
        let r = Fields::of(r, &["fundingRate", "fundingTime"]).ok()?;
        validate_funding(r.ts("fundingTime"), r.num("fundingRate"))
    }))
}

/// Levels per side of [`depth_request`] (the most `/fapi/v1/depth` serves).
pub const DEPTH_LIMIT: usize = 1000;

/// `GET /fapi/v1/depth` (1000 levels per side).
pub fn depth_request(instrument: &Instrument, base_url: &str) -> Request {
    Request::get(
        format!(
            "{}/fapi/v1/depth?symbol={}&limit={DEPTH_LIMIT}",
            trim_base(base_url),
            enc(&instrument.symbol)
        ),
        Purpose::OrderBook,
    )
}

/// `/fapi/v1/depth`: levels `[price, quantity in base]`, best first:
/// ```json
/// {"lastUpdateId":1027024,"E":1589436922972,"T":1589436922959,
///  "bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}
/// ```
/// `T` is the matching engine's time, `E` the message's.
///
/// The order book, USD = quantity × price.
pub fn parse_depth(body: &str) -> Result<Depth, ExchangeError> {
    super::classify_body(EX, body)?;
    let what = "order book";
    let mut a = json_fields(EX, body, what, &["bids", "asks", "T", "E"])?;
    let bids = a.required_rows("bids").map_err(|e| e.at(EX, what))?;
    let asks = a.required_rows("asks").map_err(|e| e.at(EX, what))?;
    let time = a.ts("T").or(a.ts("E"));
    depth_from_rows(EX, bids, asks, time, SizeUnit::Base(1.0), positional_level)
}

/// `<symbol>@forceOrder` WebSocket message:
/// ```json
/// {"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT",
///  "q":"0.014","p":"9910","ap":"9910","X":"FILLED","l":"0.014","z":"0.014",
///  "T":1568014460893}}
/// ```
/// `S:"SELL"` = a long was liquidated.
///
/// One liquidation from a `forceOrder` message (average price if given).
pub fn parse_force_order(body: &str) -> Result<LiquidationEvent, ExchangeError> {
    force_order(json_fields(EX, body, FORCE_ORDER, &["o"])?)
}

const FORCE_ORDER: &str = "forceOrder message";

/// [`parse_force_order`] of a message already read (the order under `o`,
/// required).
pub(crate) fn force_order(mut m: Fields) -> Result<LiquidationEvent, ExchangeError> {
    let mut o = m
        .required_fields("o", &["S", "q", "p", "ap", "T"])
        .map_err(|e| e.at(EX, FORCE_ORDER))?;
    let side = o.text("S").map_err(|e| e.at(EX, FORCE_ORDER))?;
    let side = liquidated_side(&side, "SELL", "BUY");
    let price = positive(o.num("ap")).or(o.num("p"));
    validate_liquidation(o.ts("T"), side, price, o.num("q"))
        .ok_or_else(|| ExchangeError::malformed(EX, "invalid forceOrder message"))
}

#[cfg(test)]
mod tests;
