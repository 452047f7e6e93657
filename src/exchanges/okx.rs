//! OKX v5 (`https://www.okx.com`). Sizes are in contracts; a contract is
//! `ctVal` base coins (linear) or `ctVal` USD (inverse).

use serde_json::Value;

use super::{
    array, convert_rows, depth_from_rows, enc, flatten_parsed, json_fields, num_at, oi_period,
    paged, period_named, positional_level, positional_mark, positive, span, trim_base, ts_at,
    validate_candle, validate_funding, validate_liquidation, validate_mmr, validate_oi, Depth,
    Exchange, ExchangeError, Fields, FundingPoint, Instrument, LiquidationEvent, MarkRow, OiPoint,
    Page, Parsed, Purpose, RawCandle, Request, Resolution, Side, SizeUnit, Unfit, DAY_MS,
};
use crate::engine::input::{Candle, ContractKind};

const EX: Exchange = Exchange::Okx;
/// Max rows of `/api/v5/market/history-candles`.
pub const CANDLES_MAX: i64 = 300;
/// Max rows of `/api/v5/market/history-mark-price-candles`.
pub const MARK_CANDLES_MAX: i64 = 100;
/// Max rows of the rubik open-interest history.
pub const OI_MAX: i64 = 100;
/// The rubik open-interest history serves the latest 1440 points.
pub const OI_RETENTION_POINTS: i64 = 1440;
const OI_PERIODS: &[(i64, &str)] = &[
    (5 * 60_000, "5m"),
    (15 * 60_000, "15m"),
    (30 * 60_000, "30m"),
    (3_600_000, "1H"),
    (2 * 3_600_000, "2H"),
    (4 * 3_600_000, "4H"),
    (DAY_MS, "1Dutc"),
];

/// Every response is wrapped (error: `code` != `"0"`):
/// ```json
/// {"code":"0","msg":"","data":[...]}
/// ```
/// The rows of `data` (absent or `null`: no data).
fn data(body: &str, what: &str) -> Result<Vec<Value>, ExchangeError> {
    super::classify_body(EX, body)?;
    json_fields(EX, body, what, &["data"])?
        .opt_rows("data")
        .map_err(|e| e.at(EX, what))?
        .ok_or_else(|| ExchangeError::malformed(EX, format!("{what}: no data")))
}

/// `GET /api/v5/public/instruments?instType=SWAP`.
pub fn instruments_request(base_url: &str) -> Request {
    Request::get(
        format!(
            "{}/api/v5/public/instruments?instType=SWAP",
            trim_base(base_url)
        ),
        Purpose::Instruments,
    )
}

/// `instruments` row, abridged (a SWAP row; SPOT rows are skipped):
/// ```json
/// {"instId":"BTC-USDT-SWAP","instType":"SWAP","ctType":"linear","ctVal":"0.01",
///  "ctValCcy":"BTC","settleCcy":"USDT","uly":"BTC-USDT","tickSz":"0.1","state":"live"}
/// ```
///
/// Live perpetual swaps. Linear: base = `ctValCcy`, quote = `settleCcy`;
/// inverse: base = `settleCcy`, quote = `ctValCcy` (USD).
pub fn parse_instruments(body: &str) -> Result<Parsed<Instrument>, ExchangeError> {
    // `instId` required.
    let p = convert_rows(data(body, "instruments")?, |r| {
        let names = [
            "instId",
            "instType",
            "ctType",
            "ctVal",
            "ctValCcy",
            "settleCcy",
            "tickSz",
            "state",
        ];
        let mut r = Fields::of(r, &names).ok()?;
        let inst_id = r.required_text("instId").ok()?;
        let inst_type = r.text("instType").ok()?;
        let ct_type = r.text("ctType").ok()?;
        let ct_val_ccy = r.text("ctValCcy").ok()?;
        let settle_ccy = r.text("settleCcy").ok()?;
        let state = r.text("state").ok()?;
        if inst_type != "SWAP" || state != "live" {
            return Some(None);
        }
        let (kind, base, quote) = match ct_type.as_str() {
            "linear" => (ContractKind::Linear, ct_val_ccy, settle_ccy),
            "inverse" => (ContractKind::Inverse, settle_ccy, ct_val_ccy),
            _ => return None,
        };
        if base.is_empty() || quote.is_empty() {
            return None;
        }
        Some(Some(Instrument {
            exchange: EX,
            symbol: inst_id,
            base: base.to_ascii_uppercase(),
            quote: quote.to_ascii_uppercase(),
            kind,
            contract_size: positive(r.num("ctVal"))?,
            tick_size: positive(r.num("tickSz")),
            // Comes with the position tiers (`maxLever` of tier 1).
            max_leverage: None,
        }))
    });
    Ok(flatten_parsed(p))
}

/// The OI period: the candle's (or the next finer), made coarser until the
/// 1440 retained points cover the span if possible.
fn oi_period_for(resolution: Resolution, span_ms: i64) -> (i64, &'static str) {
    let base = oi_period(OI_PERIODS, resolution);
    OI_PERIODS
        .iter()
        .copied()
        .filter(|(ms, _)| *ms >= base.0)
        .find(|(ms, _)| ms.saturating_mul(OI_RETENTION_POINTS) >= span_ms)
        .or_else(|| OI_PERIODS.last().copied())
        .unwrap_or(base)
}

/// The oldest time a view asks for: the rubik history keeps its latest
/// 1440 points, which caps the warm-up (the candles' too, so both cover the
/// same span).
pub(crate) fn oldest_ms(window_end_ms: i64, window_ms: i64, resolution: Resolution) -> Option<i64> {
    let (full_start, _) = span(window_end_ms, window_ms, resolution, None);
    let (p_ms, _) = oi_period_for(resolution, window_end_ms.saturating_sub(full_start));
    Some(window_end_ms.saturating_sub(p_ms.saturating_mul(OI_RETENTION_POINTS)))
}

/// Requests for one window: trade candles (300 per page), mark candles (100
/// per page), rubik OI history (100 per page, latest 1440 points, which may
/// coarsen the period or cap the warm-up) and tier 1 of the isolated
/// position tiers. The last OI point stands for the current OI.
pub fn plan(
    instrument: &Instrument,
    window_end_ms: i64,
    window_ms: i64,
    resolution: Resolution,
    base_url: &str,
) -> Vec<Request> {
    let (full_start, _) = span(window_end_ms, window_ms, resolution, None);
    let (p_ms, _) = oi_period_for(resolution, window_end_ms.saturating_sub(full_start));
    let oldest = oldest_ms(window_end_ms, window_ms, resolution).unwrap_or(0);
    let (start, end) = span(window_end_ms, window_ms, resolution, Some(oldest));
    let step = resolution.ms();
    let mut out = Vec::new();
    for (purpose, max) in [
        (Purpose::Candles, CANDLES_MAX),
        (Purpose::MarkCandles, MARK_CANDLES_MAX),
    ] {
        out.extend(paged(
            instrument,
            purpose,
            (start, end),
            step,
            max,
            0,
            base_url,
        ));
    }
    // OI points stand at candle closes: up to and including `end`.
    let oi_span = (start.max(oldest), end.saturating_add(1));
    let purpose = Purpose::OpenInterestHistory;
    out.extend(paged(
        instrument, purpose, oi_span, p_ms, OI_MAX, oldest, base_url,
    ));
    let family = instrument
        .symbol
        .strip_suffix("-SWAP")
        .unwrap_or(&instrument.symbol);
    out.push(Request::get(
        format!(
            "{}/api/v5/public/position-tiers?instType=SWAP&tdMode=isolated&instFamily={}&tier=1",
            trim_base(base_url),
            enc(family)
        ),
        Purpose::RiskTiers,
    ));
    out
}

/// Funding rows per `/api/v5/public/funding-rate-history` answer.
pub const FUNDING_PAGE: i64 = 400;

/// One page of a series: candles and mark candles (`after`: rows older
/// than, `before`: rows newer than, both exclusive; newest first), rubik
/// open-interest history (`begin`, `end`), funding (`after`, `before`).
pub(crate) fn page_request(
    instrument: &Instrument,
    purpose: Purpose,
    page: Page,
    base_url: &str,
) -> Option<Request> {
    let base = trim_base(base_url);
    let id = enc(&instrument.symbol);
    let (s, e) = (page.start_ms, page.end_ms);
    let url = match purpose {
        Purpose::Candles | Purpose::MarkCandles => {
            let (path, max) = match purpose {
                Purpose::Candles => ("history-candles", CANDLES_MAX),
                _ => ("history-mark-price-candles", MARK_CANDLES_MAX),
            };
            let bar = Resolution::of_ms(page.step_ms)?.spelling(EX);
            format!(
                "{base}/api/v5/market/{path}?instId={id}&bar={bar}&after={e}&before={}&limit={max}",
                s - 1
            )
        }
        Purpose::OpenInterestHistory => {
            let period = period_named(OI_PERIODS, page.step_ms)?;
            format!("{base}/api/v5/rubik/stat/contracts/open-interest-history?instId={id}&period={period}&begin={s}&end={}&limit={OI_MAX}", e - 1)
        }
        Purpose::Funding => format!(
            "{base}/api/v5/public/funding-rate-history?instId={id}&after={e}&before={}&limit={FUNDING_PAGE}",
            s - 1
        ),
        _ => return None,
    };
    Some(Request::get(url, purpose))
}

/// Candle rows are positional strings, **newest first**:
/// ```json
/// ["1597026383085","3.721","3.743","3.677","3.708","8422410",
///  "22698348.04828491","12698348.04828491","0"]
/// ```
/// `[ts, open, high, low, close, vol (contracts), volCcy (base coin),
/// volCcyQuote (quote), confirm]`.
///
/// Trade candles. Linear: base = contracts × `ctVal`; inverse: base =
/// `volCcy`. Quote volume: `volCcyQuote` where given, else base × typical.
pub fn parse_candles(body: &str, instrument: &Instrument) -> Result<Parsed<Candle>, ExchangeError> {
    Ok(convert_rows(data(body, "candles")?, |r| {
        candle_row(r.as_array()?, instrument)
    }))
}

/// One positional candle row (REST or a `candle<bar>` message).
pub(crate) fn candle_row(r: &[Value], instrument: &Instrument) -> Option<Candle> {
    let cs = instrument.contract_size;
    let (base_volume, quote_volume) = match instrument.kind {
        ContractKind::Linear => (num_at(r, 5).map(|v| v * cs), num_at(r, 7)),
        ContractKind::Inverse => (num_at(r, 6), num_at(r, 5).map(|v| v * cs)),
    };
    validate_candle(RawCandle {
        base_volume,
        quote_volume,
        ..RawCandle::positional(r)
    })
}

/// Mark-price candle rows: `["1597026383085","3.721","3.743","3.677","3.708","1"]`
/// (`[ts, open, high, low, close, confirm]`, newest first).
pub fn parse_mark_candles(body: &str) -> Result<Parsed<MarkRow>, ExchangeError> {
    Ok(convert_rows(data(body, "mark candles")?, positional_mark))
}

/// Rubik open-interest-history rows, newest first:
/// ```json
/// ["1701417600000","731377.57500501","111","8888888"]
/// ```
/// `[ts, oi (contracts), oiCcy (base coin), oiUsd]`.
///
/// OI history in base units: `oiCcy` where given, else contracts × `ctVal`
/// (linear only). Rows with fewer than four columns are dropped.
pub fn parse_open_interest_history(
    body: &str,
    instrument: &Instrument,
) -> Result<Parsed<OiPoint>, ExchangeError> {
    let cs = instrument.contract_size;
    let linear = instrument.kind == ContractKind::Linear;
    Ok(convert_rows(data(body, "open interest history")?, |r| {
        let r = array(r)?;
        // Three-column rows are the USD `open-interest-volume` shape: dropped.
        if r.len() < 4 {
            return None;
        }
        let base = match num_at(&r, 2) {
            Some(v) => Some(v),
            None if linear => num_at(&r, 1).map(|v| v * cs),
            None => None,
        };
        validate_oi(ts_at(&r, 0), base)
    }))
}

/// `position-tiers` row, abridged:
/// ```json
/// {"instId":"BTC-USDT","tier":"1","mmr":"0.03","imr":"0.1","maxLever":"10",
///  "minSz":"0","maxSz":"50","instFamily":""}
/// ```
///
/// Tier 1 (the lowest tier in the answer): its maintenance margin rate and
/// maximum leverage (`maxLever`, `None` where unreadable).
pub fn parse_position_tiers(body: &str) -> Result<(f64, Option<f64>), ExchangeError> {
    let p = convert_rows(data(body, "position tiers")?, |r| {
        let r = Fields::of(r, &["tier", "mmr", "maxLever"]).ok()?;
        Some((
            positive(r.num("tier"))?,
            validate_mmr(r.num("mmr"))?,
            positive(r.num("maxLever")),
        ))
    });
    p.rows
        .into_iter()
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, mmr, max_lever)| (mmr, max_lever))
        .ok_or_else(|| ExchangeError::malformed(EX, "position tiers: no valid tier"))
}

/// `funding-rate-history` row:
/// ```json
/// {"fundingRate":"0.0000746604960499","fundingTime":"1703059200000",
///  "instId":"BTC-USD-SWAP","instType":"SWAP","method":"next_period",
///  "realizedRate":"0.0000746572360545"}
/// ```
/// (`public/funding-rate` rows have the same two fields plus `ts`.)
///
/// Funding history (the realised rate where given) or the current
/// `funding-rate` answer (one row: the rate for the coming `fundingTime`).
pub fn parse_funding(body: &str) -> Result<Parsed<FundingPoint>, ExchangeError> {
    Ok(convert_rows(data(body, "funding")?, |r| {
        let r = Fields::of(r, &["fundingRate", "realizedRate", "fundingTime"]).ok()?;
        let rate = r.opt_num("realizedRate").flatten().or(r.num("fundingRate"));
        validate_funding(r.ts("fundingTime"), rate)
    }))
}

/// Levels per side of [`depth_request`] (the most `/market/books` serves).
pub const DEPTH_LIMIT: usize = 400;

/// `GET /api/v5/market/books` (400 levels per side).
pub fn depth_request(instrument: &Instrument, base_url: &str) -> Request {
    Request::get(
        format!(
            "{}/api/v5/market/books?instId={}&sz={DEPTH_LIMIT}",
            trim_base(base_url),
            enc(&instrument.symbol)
        ),
        Purpose::OrderBook,
    )
}

/// `books`: one row, levels `[price, size in contracts, "0" (deprecated),
/// number of orders]`, best first:
/// ```json
/// {"code":"0","msg":"","data":[{"asks":[["41006.8","0.60038921","0","1"]],
///  "bids":[["41006.3","0.30178218","0","2"]],"ts":"1629966436396"}]}
/// ```
/// The order book of `instrument`: contracts × `ctVal` base coins (linear)
/// or USD (inverse).
pub fn parse_depth(body: &str, instrument: &Instrument) -> Result<Depth, ExchangeError> {
    let row = data(body, "order book")?
        .into_iter()
        .next()
        .ok_or_else(|| ExchangeError::malformed(EX, "order book: no data"))?;
    // `asks` and `bids` required.
    let no_book = |_| ExchangeError::malformed(EX, "order book: no bids or asks");
    let mut r = Fields::of(row, &["asks", "bids", "ts"]).map_err(no_book)?;
    let asks = r.required_rows("asks").map_err(no_book)?;
    let bids = r.required_rows("bids").map_err(no_book)?;
    let unit = SizeUnit::contracts(instrument);
    depth_from_rows(EX, bids, asks, r.ts("ts"), unit, positional_level)
}

/// `liquidation-orders` WebSocket message (all SWAP instruments):
/// ```json
/// {"arg":{"channel":"liquidation-orders","instType":"SWAP"},
///  "data":[{"instId":"IOST-USDT-SWAP","details":[{"bkLoss":"0","bkPx":"0.007831",
///   "posSide":"short","side":"buy","sz":"13","ts":"1692266434010"}]}]}
/// ```
///
/// Liquidations of `instrument` in a `liquidation-orders` message (price =
/// bankruptcy price, size = contracts × `ctVal`; inverse: USD / price).
/// Other instruments are skipped, not counted as dropped.
pub fn parse_liquidation_orders(
    body: &str,
    instrument: &Instrument,
) -> Result<Parsed<LiquidationEvent>, ExchangeError> {
    let data = json_fields(EX, body, LIQUIDATION_MESSAGE, &["data"])?.value("data");
    liquidation_orders(data, instrument)
}

const LIQUIDATION_MESSAGE: &str = "liquidation message";

/// [`parse_liquidation_orders`] of the message's `data`, already read.
pub(crate) fn liquidation_orders(
    data: Option<Value>,
    instrument: &Instrument,
) -> Result<Parsed<LiquidationEvent>, ExchangeError> {
    let groups = match data {
        None => {
            return Err(ExchangeError::malformed(
                EX,
                "liquidation message without data",
            ))
        }
        Some(groups) => {
            array(groups).ok_or_else(|| Unfit::Invalid("data").at(EX, LIQUIDATION_MESSAGE))?
        }
    };
    let mut out = Parsed::default();
    // Groups: `instId`, if there, a string; `details`, if there, an array.
    let g = convert_rows(groups, |g| {
        let mut g = Fields::of(g, &["instId", "details"]).ok()?;
        Some((g.text("instId").ok()?, g.rows("details").ok()?))
    });
    out.dropped += g.dropped;
    for (_, details) in g
        .rows
        .into_iter()
        .filter(|(inst_id, _)| *inst_id == instrument.symbol)
    {
        let p = convert_rows(details, |d| {
            let mut d = Fields::of(d, &["bkPx", "posSide", "side", "sz", "ts"]).ok()?;
            let pos_side = d.text("posSide").ok()?;
            let order_side = d.text("side").ok()?;
            let side = match (pos_side.as_str(), order_side.as_str()) {
                ("long", _) | ("net", "sell") => Some(Side::Long),
                ("short", _) | ("net", "buy") => Some(Side::Short),
                _ => None,
            };
            let bk_px = d.num("bkPx");
            let size = d.num("sz").map(|s| s * instrument.contract_size);
            let base = match instrument.kind {
                ContractKind::Linear => size,
                ContractKind::Inverse => size.zip(positive(bk_px)).map(|(s, p)| s / p),
            };
            validate_liquidation(d.ts("ts"), side, bk_px, base)
        });
        out.dropped += p.dropped;
        out.rows.extend(p.rows);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
