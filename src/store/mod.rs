//! The browser database's rules, pure: which answers may be kept, what a
//! kept answer must look like to be used, what goes out first when the
//! store is full, and which live events are kept. The IndexedDB I/O is
//! `ui::idb` (thin); nothing here knows a browser.
//!
//! What is kept is the exchange's own answer to a page of a series
//! (candles, mark candles, open interest, funding) whose every row has
//! closed: pages sit on a grid since the epoch (`exchanges::plan`), so a
//! reload asks the very same requests for every page but the newest (kept
//! apart, see [`tail_key`]), and a kept answer goes through the same
//! parser as a fetched one. A stored
//! answer is never trusted more than a fetched one: one that the parser
//! refuses is dropped and asked again, rows it drops count as dropped, and
//! a short page is followed up like any other.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

pub mod events;
pub mod evict;

use crate::exchanges::{Exchange, Page, Purpose, Request, Served};

/// The layout of the database. A store of another version is dropped and
/// rebuilt (never migrated: it only holds what can be fetched again).
pub const SCHEMA_VERSION: u32 = 4;

/// The size cap when the user has not chosen one.
pub const DEFAULT_CAP_BYTES: u64 = 100 * 1024 * 1024;
/// The caps offered, in MB.
pub const CAP_CHOICES_MB: [u64; 5] = [10, 50, 100, 250, 500];

/// A page is kept only when its newest row closed this long ago:
/// exchanges publish some series (open-interest history) minutes late, and
/// a row missing because it was not out yet must not be kept missing.
pub const SETTLE_MS: i64 = 15 * 60 * 1000;

/// Whether the answer to `request` may be kept: a page of a series whose
/// rows have all closed and settled by `now_ms`. Instrument lists, risk
/// tiers, snapshots, order books and recent liquidations change: never.
pub fn storable(request: &Request, now_ms: i64) -> bool {
    let series = matches!(
        request.purpose,
        Purpose::Candles | Purpose::MarkCandles | Purpose::OpenInterestHistory | Purpose::Funding
    );
    let settled = request
        .page
        .is_some_and(|page| page.end_ms.saturating_add(SETTLE_MS) <= now_ms);
    series && settled
}

/// Whether an answer brought every row its page asks for. Only complete
/// answers are kept: a page with a hole is asked again on the next load
/// (the exchange may have filled it).
pub fn complete(request: &Request, served: &Served) -> bool {
    let Some(page) = request.page else {
        return false;
    };
    let mut inside: Vec<i64> = served
        .times
        .iter()
        .copied()
        .filter(|t| (page.start_ms..page.end_ms).contains(t))
        .collect();
    crate::sorting::sort_by_key(&mut inside, |t| crate::sorting::i64_key(*t));
    inside.dedup();
    page.rows() > 0 && inside.len() >= page.rows()
}

/// The newest page of a series (one not [`storable`] yet) is kept too,
/// under a key of its own that does not move with the window's end
/// ([`tail_key`]): what it holds is read back and only what is newer is
/// asked ([`still_to_ask`]). Closed rows never change; a row not out yet
/// is simply not covered and asked again.
pub fn tail_key(
    exchange: Exchange,
    symbol: &str,
    request: &Request,
    now_ms: i64,
) -> Option<String> {
    let page = request.page?;
    let series = matches!(
        request.purpose,
        Purpose::Candles | Purpose::MarkCandles | Purpose::OpenInterestHistory | Purpose::Funding
    );
    (series && !storable(request, now_ms)).then(|| {
        let (purpose, step, start) = (request.purpose, page.step_ms, page.start_ms);
        format!(
            "newest {} {symbol} {purpose:?} {step} {start}",
            exchange.id()
        )
    })
}

/// How far the rows `times` of a kept newest page reach: the end of the
/// step after the last row, when every row from the page's start up to it
/// is there (a hole: `None`, the page is asked whole).
pub fn covered_until(page: Page, times: &[i64]) -> Option<i64> {
    let mut inside: Vec<i64> = times.iter().copied().filter(|t| page.holds(*t)).collect();
    crate::sorting::sort_by_key(&mut inside, |t| crate::sorting::i64_key(*t));
    inside.dedup();
    let last = *inside.last()?;
    let up_to_last = Page {
        end_ms: last.saturating_add(1),
        ..page
    };
    (inside.len() >= up_to_last.rows()).then(|| last.saturating_add(page.step_ms))
}

/// What is still to ask of a newest `page` whose kept rows reach
/// `covered_ms`: the rest of it, or nothing when no newer row can exist
/// yet (the next candle, open-interest period or funding time is ahead).
pub fn still_to_ask(page: Page, covered_ms: i64) -> Option<Page> {
    (covered_ms < page.end_ms).then_some(Page {
        start_ms: covered_ms.max(page.start_ms),
        ..page
    })
}

/// The key a load's drawn source is kept under (`compute::Drawn`): one
/// per exchange and shape of view (coin, window, resolution, funding), so
/// each load of a view writes over what the last one drew.
pub fn drawn_key(
    exchange: Exchange,
    coin: &str,
    window_ms: i64,
    step_ms: i64,
    funding: bool,
) -> String {
    let funding = if funding { " funding" } else { "" };
    format!(
        "{DRAWN} {} {coin} {window_ms} {step_ms}{funding}",
        exchange.id()
    )
}

/// Begins every [`drawn_key`] (no request's URL begins so).
const DRAWN: &str = "drawn";

/// Whether `key` is a [`drawn_key`] (not an exchange's answer).
pub fn is_drawn_key(key: &str) -> bool {
    key.starts_with(DRAWN)
}

/// The key an answer is kept under: what identifies the request (method
/// is implied by the body: only Hyperliquid POSTs, always with a body).
pub fn key(request: &Request) -> String {
    match &request.body {
        Some(body) => format!("{}\n{}", request.url, body),
        None => request.url.clone(),
    }
}

/// A kept answer as read back. Anything else found under a key (another
/// layout, a value of the wrong type, an empty body, another key) is not a
/// kept answer: [`KeptAnswer::check`] refuses it and the page fetches.
#[derive(Clone, Debug, PartialEq)]
pub struct KeptAnswer {
    pub body: String,
}

impl KeptAnswer {
    /// `stored_key` and `body` as read from the database for `wanted_key`.
    pub fn check(wanted_key: &str, stored_key: Option<&str>, body: Option<String>) -> Option<Self> {
        let body = body.filter(|b| !b.trim().is_empty())?;
        (stored_key == Some(wanted_key)).then_some(KeptAnswer { body })
    }
}

#[cfg(test)]
mod tests;
