//! Request planning: paging a window into requests, counting them and
//! choosing the finest resolution within the request budget.

use super::{
    binance, bybit, default_instrument, dydx, hyperliquid, okx, Exchange, Instrument, Page,
    Purpose, Request, Resolution, HOUR_MS, MAX_TIME_MS,
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

/// Split `[start, end)` into pages of at most `max_rows` steps of `step_ms`,
/// on a fixed grid: every page boundary is a multiple of the page width
/// since the epoch, so views of the same link opened at different times ask
/// the very same pages but the newest (shared caches: a proxy's, the
/// browser's). The first page reaches back to its grid line, but not before
/// `floor`, the oldest time the exchange serves for the series, taken up to
/// a whole day: a floor that moves with the clock (Hyperliquid's last 5000
/// candles) then moves the first page's request once a day, not at every
/// load, and the browser database can keep it.
pub(crate) fn pages(
    start: i64,
    end: i64,
    step_ms: i64,
    max_rows: i64,
    floor: i64,
) -> Vec<(i64, i64)> {
    const DAY_MS: i64 = 24 * HOUR_MS;
    let mut out = Vec::new();
    let width = step_ms.max(1).saturating_mul(max_rows.max(1));
    let floor = floor
        .div_euclid(DAY_MS)
        .saturating_add(i64::from(floor.rem_euclid(DAY_MS) != 0))
        .saturating_mul(DAY_MS);
    let mut s = start
        .div_euclid(width)
        .saturating_mul(width)
        .max(floor)
        .min(start);
    while s < end && out.len() < MAX_PAGES_PER_SERIES {
        let e = s
            .div_euclid(width)
            .saturating_add(1)
            .saturating_mul(width)
            .min(end);
        out.push((s, e));
        s = e;
    }
    out
}

/// One request per page of `[start, end)` (see [`pages`]), built by the
/// exchange's [`page_request`] for `purpose`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn paged(
    instrument: &Instrument,
    purpose: Purpose,
    (start, end): (i64, i64),
    step_ms: i64,
    max_rows: i64,
    floor: i64,
    base_url: &str,
) -> Vec<Request> {
    pages(start, end, step_ms, max_rows, floor)
        .into_iter()
        .filter_map(|(start_ms, end_ms)| {
            let page = Page {
                start_ms,
                end_ms,
                step_ms,
            };
            page_request(instrument, purpose, page, base_url)
        })
        .collect()
}

/// The request for one page of one series of `instrument` (candles, mark
/// candles, open-interest history, funding), dispatched to its exchange;
/// `None` for a purpose or step the exchange does not serve in pages.
pub fn page_request(
    instrument: &Instrument,
    purpose: Purpose,
    page: Page,
    base_url: &str,
) -> Option<Request> {
    let request = match instrument.exchange {
        Exchange::Binance => binance::page_request(instrument, purpose, page, base_url),
        Exchange::Bybit => bybit::page_request(instrument, purpose, page, base_url),
        Exchange::Okx => okx::page_request(instrument, purpose, page, base_url),
        Exchange::Hyperliquid => hyperliquid::page_request(instrument, purpose, page, base_url),
        Exchange::Dydx => dydx::page_request(instrument, purpose, page, base_url),
    };
    Some(request?.on_page(page))
}

/// The name `periods` gives to a period of `ms`.
pub(crate) fn period_named(periods: &[(i64, &'static str)], ms: i64) -> Option<&'static str> {
    periods
        .iter()
        .find(|(p, _)| *p == ms)
        .map(|(_, name)| *name)
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
    let (step, rows) = match instrument.exchange {
        Exchange::Binance => (8 * HOUR_MS, binance::FUNDING_PAGE),
        Exchange::Bybit => (8 * HOUR_MS, bybit::FUNDING_PAGE),
        Exchange::Okx => (8 * HOUR_MS, okx::FUNDING_PAGE),
        Exchange::Hyperliquid => (HOUR_MS, hyperliquid::FUNDING_PAGE),
        Exchange::Dydx => (HOUR_MS, dydx::FUNDING_PAGE),
    };
    let span = (start_ms, end_ms);
    paged(
        instrument,
        Purpose::Funding,
        span,
        step,
        rows,
        start_ms,
        base_url,
    )
}

/// The candles a view asks of `instrument`'s exchange: `[start, end)` on the
/// resolution's grid, the warm-up capped by what the exchange serves (see
/// each exchange's `plan`). Candles missing from it are gaps.
pub fn candle_span(
    instrument: &Instrument,
    window_end_ms: i64,
    window_ms: i64,
    resolution: Resolution,
) -> (i64, i64) {
    let oldest = match instrument.exchange {
        Exchange::Binance => binance::oldest_ms(window_end_ms),
        Exchange::Okx => okx::oldest_ms(window_end_ms, window_ms, resolution),
        Exchange::Hyperliquid => hyperliquid::oldest_ms(window_end_ms, resolution),
        Exchange::Bybit | Exchange::Dydx => None,
    };
    span(window_end_ms, window_ms, resolution, oldest)
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
/// Pages on a fixed grid ([`pages`]) cost up to one more page per series
/// than pages cut from the view's own start: 36 keeps a day at 5 minutes.
pub const VIEW_REQUEST_BUDGET: usize = 36;

/// The finest resolution a view of `coin` over `window_ms` can afford on
/// `exchanges` within [`VIEW_REQUEST_BUDGET`] (4 h where none fits).
pub fn auto_resolution(exchanges: &[Exchange], coin: &str, window_ms: i64) -> Resolution {
    finest_resolution_within(exchanges, coin, window_ms, VIEW_REQUEST_BUDGET)
        .unwrap_or(Resolution::H4)
}

/// The resolution a view loads at: the one `asked` for when the exchanges
/// can afford it for this window, else the automatic one.
pub fn resolution_in_force(
    exchanges: &[Exchange],
    coin: &str,
    window_ms: i64,
    asked: Option<Resolution>,
) -> Resolution {
    match asked {
        Some(r) if affordable_resolutions(exchanges, coin, window_ms).contains(&r) => r,
        _ => auto_resolution(exchanges, coin, window_ms),
    }
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
