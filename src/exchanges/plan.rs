//! Request planning: paging a window into requests, counting them and
//! choosing the finest resolution within the request budget.

use super::{
    binance, bybit, default_instrument, dydx, hyperliquid, okx, Exchange, Instrument, Purpose,
    Request, Resolution, HOUR_MS, MAX_TIME_MS,
};

/// Most pages a single series may be split into (guards absurd windows).
pub const MAX_PAGES_PER_SERIES: usize = 2_000;

/// The time span the candles cover: `[start, end)`, `start` on the
/// resolution grid. Warm-up = window length, capped so that the whole span
/// stays within `oldest_ms` (what the exchange still serves), never below
/// the window start.
pub(crate) fn span(
    window_end_ms: i64,
    window_ms: i64,
    resolution: Resolution,
    oldest_ms: Option<i64>,
) -> (i64, i64) {
    let step = resolution.ms();
    let end = window_end_ms.clamp(0, MAX_TIME_MS);
    let window = window_ms.clamp(0, MAX_TIME_MS);
    let window_start = end.saturating_sub(window);
    let mut start = window_start.saturating_sub(window);
    if let Some(oldest) = oldest_ms {
        start = start.max(oldest.min(window_start));
    }
    let start = start.max(0).div_euclid(step) * step;
    (start, end)
}

/// Split `[start, end)` into pages of at most `max_rows` steps of `step_ms`.
pub(crate) fn pages(start: i64, end: i64, step_ms: i64, max_rows: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let width = step_ms.max(1).saturating_mul(max_rows.max(1));
    let mut s = start;
    while s < end && out.len() < MAX_PAGES_PER_SERIES {
        let e = s.saturating_add(width).min(end);
        out.push((s, e));
        s = e;
    }
    out
}

/// One GET per page of `[start, end)`: `url(first_ms, end_ms)` of each page.
pub(crate) fn paged(
    start: i64,
    end: i64,
    step_ms: i64,
    max_rows: i64,
    purpose: Purpose,
    url: impl Fn(i64, i64) -> String,
) -> Vec<Request> {
    pages(start, end, step_ms, max_rows)
        .into_iter()
        .map(|(s, e)| Request::get(url(s, e), purpose))
        .collect()
}

/// The coarsest period of `periods` (ascending, in ms) that is not coarser
/// than the candle, so every candle gets its own OI value; the finest
/// period if all are coarser.
pub(crate) fn oi_period(
    periods: &[(i64, &'static str)],
    resolution: Resolution,
) -> (i64, &'static str) {
    periods
        .iter()
        .rev()
        .find(|(ms, _)| *ms <= resolution.ms())
        .or_else(|| periods.first())
        .copied()
        .unwrap_or((resolution.ms(), ""))
}

/// All requests for `instrument` over the window ending at `window_end_ms`
/// (warm-up included), dispatched to the instrument's exchange.
pub fn plan(
    instrument: &Instrument,
    window_end_ms: i64,
    window_ms: i64,
    resolution: Resolution,
    base_url: &str,
) -> Vec<Request> {
    match instrument.exchange {
        Exchange::Binance => {
            binance::plan(instrument, window_end_ms, window_ms, resolution, base_url)
        }
        Exchange::Bybit => bybit::plan(instrument, window_end_ms, window_ms, resolution, base_url),
        Exchange::Okx => okx::plan(instrument, window_end_ms, window_ms, resolution, base_url),
        Exchange::Hyperliquid => {
            hyperliquid::plan(instrument, window_end_ms, window_ms, resolution, base_url)
        }
        Exchange::Dydx => dydx::plan(instrument, window_end_ms, window_ms, resolution, base_url),
    }
}

/// The funding history over `[start_ms, end_ms)`, asked only when funding
/// drift is on. One page covers 66 days or more of the 8-hourly funding of
/// Binance, Bybit and OKX; the hourly funding of Hyperliquid (500 an answer)
/// and dYdX (1000) comes in pages of time.
pub fn funding_requests(
    instrument: &Instrument,
    start_ms: i64,
    end_ms: i64,
    base_url: &str,
) -> Vec<Request> {
    let hourly_pages = |rows| pages(start_ms, end_ms, HOUR_MS, rows).into_iter();
    match instrument.exchange {
        Exchange::Binance => vec![binance::funding_request(
            instrument, start_ms, end_ms, base_url,
        )],
        Exchange::Bybit => vec![bybit::funding_request(
            instrument, start_ms, end_ms, base_url,
        )],
        Exchange::Okx => vec![okx::funding_request(instrument, start_ms, end_ms, base_url)],
        Exchange::Hyperliquid => hourly_pages(hyperliquid::FUNDING_PAGE)
            .map(|(s, e)| hyperliquid::funding_request(instrument, s, e - 1, base_url))
            .collect(),
        Exchange::Dydx => hourly_pages(dydx::FUNDING_PAGE)
            .map(|(_, e)| dydx::funding_request(instrument, e - 1, base_url))
            .collect(),
    }
}

/// What live mode asks for when the candle opening at `open_ms` closes on a
/// stream that carries no open interest: the requests of [`plan`] for that
/// one candle that give open interest (its history, or the market
/// snapshot), so the candle gets what a fresh load would give it. Empty for
/// dYdX, whose candle stream carries it.
pub fn open_interest_requests(
    instrument: &Instrument,
    open_ms: i64,
    resolution: Resolution,
    base_url: &str,
) -> Vec<Request> {
    if instrument.exchange == Exchange::Dydx {
        return Vec::new();
    }
    let step = resolution.ms();
    plan(
        instrument,
        open_ms.saturating_add(step),
        step,
        resolution,
        base_url,
    )
    .into_iter()
    .filter(|r| {
        matches!(
            r.purpose,
            Purpose::OpenInterestHistory | Purpose::MarketSnapshot
        )
    })
    .collect()
}

/// How many requests [`plan`] sends for `coin` on `exchange` for a window
/// of `window_ms` at `resolution` (instrument-list requests not included:
/// they are made once per session).
pub fn count_requests(
    exchange: Exchange,
    coin: &str,
    window_ms: i64,
    resolution: Resolution,
) -> usize {
    // A fixed, grid-aligned "now" so counts do not depend on the clock.
    let now = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    let inst = default_instrument(exchange, coin);
    plan(
        &inst,
        now,
        window_ms,
        resolution,
        exchange.default_base_url(),
    )
    .len()
}

/// Total requests over `exchanges`.
pub fn count_requests_all(
    exchanges: &[Exchange],
    coin: &str,
    window_ms: i64,
    resolution: Resolution,
) -> usize {
    exchanges
        .iter()
        .map(|e| count_requests(*e, coin, window_ms, resolution))
        .sum()
}

/// The finest resolution whose plan over `exchanges` needs at most `budget`
/// requests, if any does.
pub fn finest_resolution_within(
    exchanges: &[Exchange],
    coin: &str,
    window_ms: i64,
    budget: usize,
) -> Option<Resolution> {
    Resolution::ALL
        .into_iter()
        .find(|r| count_requests_all(exchanges, coin, window_ms, *r) <= budget)
}

/// Most requests one view may cost over all exchanges (instrument lists,
/// fetched once per session, not counted): decides the candle resolution.
pub const VIEW_REQUEST_BUDGET: usize = 30;

/// The finest resolution a view of `coin` over `window_ms` can afford on
/// `exchanges` within [`VIEW_REQUEST_BUDGET`] (4 h where none fits).
pub fn auto_resolution(exchanges: &[Exchange], coin: &str, window_ms: i64) -> Resolution {
    finest_resolution_within(exchanges, coin, window_ms, VIEW_REQUEST_BUDGET)
        .unwrap_or(Resolution::H4)
}

/// Resolutions a user may choose for a view: those within twice the
/// automatic budget (a finer view is worth a few more requests, a
/// 1-minute month is not), plus the automatic choice itself.
pub fn affordable_resolutions(
    exchanges: &[Exchange],
    coin: &str,
    window_ms: i64,
) -> Vec<Resolution> {
    let auto = auto_resolution(exchanges, coin, window_ms);
    Resolution::ALL
        .into_iter()
        .filter(|r| {
            *r == auto
                || count_requests_all(exchanges, coin, window_ms, *r) <= 2 * VIEW_REQUEST_BUDGET
        })
        .collect()
}
