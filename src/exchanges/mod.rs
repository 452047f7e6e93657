//! Exchange adapters: build the REST requests for one instrument and window,
//! parse the exchanges' answers into the engine's normalised types.
//!
//! No I/O happens here: the browser layer sends each [`Request`], hands the
//! status, `Retry-After` header and body to [`classify_http`] and then to the
//! parser named by the request's [`Purpose`], and finally calls [`assemble`].
//! Order books go the same way through [`depth_request`] and [`parse_depth`].
//!
//! Parsing is lenient about representation (numbers as strings or numbers,
//! timestamps as strings, numbers or ISO-8601) and strict about values:
//! a row with a missing, non-finite or negative number, a non-positive price
//! or `high < low` is dropped and counted in [`Parsed::dropped`]. Nothing in
//! this module may panic on outside data (enforced by the clippy lints below).
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod assemble;
pub mod binance;
pub mod bybit;
pub mod collect;
mod depth;
pub mod dydx;
mod errors;
pub mod hyperliquid;
mod instruments;
pub mod okx;
mod plan;
mod wire;

pub(crate) use assemble::validate_mmr;
pub use assemble::{assemble, oi_is_quoted_in_usd, Coverage};
pub(crate) use depth::{depth_from_rows, positional_level, SizeUnit};
pub use depth::{depth_request, parse_depth, Depth};
pub use errors::{classify_body, classify_http, parse_retry_after, ExchangeError};
pub use instruments::{
    default_instrument, find_instrument, instruments_request, parse_instruments,
};
pub use plan::{
    affordable_resolutions, auto_resolution, candle_span, count_requests, count_requests_all,
    finest_resolution_within, funding_requests, open_interest_requests, page_request, plan,
    resolution_in_force, MAX_PAGES_PER_SERIES, VIEW_REQUEST_BUDGET,
};
pub(crate) use plan::{oi_period, paged, period_named, span};
pub(crate) use wire::{
    array, convert_rows, flatten_parsed, from_json, json_fields, json_rows, liquidated_side,
    num_at, positional_mark, ts_at, validate_candle, validate_funding, validate_liquidation,
    validate_oi, Fields, RawCandle, Unfit,
};
pub use wire::{finite, non_negative, positive, value_f64, value_i64, value_ms, MAX_TIME_MS};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::fmt;

use crate::choice::Choice;
use crate::engine::input::{ContractKind, HighLow};
/// The side of a liquidated position: the engine's own.
pub use crate::engine::Side;

// ---------------------------------------------------------------------------
// Exchanges, base URLs, resolutions
// ---------------------------------------------------------------------------

/// Default base URL of Binance USD-M futures.
pub const BINANCE_BASE_URL: &str = "https://fapi.binance.com";
/// Default base URL of Bybit v5.
pub const BYBIT_BASE_URL: &str = "https://api.bybit.com";
/// Default base URL of OKX v5.
pub const OKX_BASE_URL: &str = "https://www.okx.com";
/// Default base URL of Hyperliquid (requests go to `{base}/info`).
pub const HYPERLIQUID_BASE_URL: &str = "https://api.hyperliquid.xyz";
/// Default base URL of the dYdX v4 indexer (includes `/v4`).
pub const DYDX_BASE_URL: &str = "https://indexer.dydx.trade/v4";

/// The exchanges this layer speaks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Exchange {
    Binance,
    Bybit,
    Okx,
    Hyperliquid,
    Dydx,
}

impl Exchange {
    /// All exchanges, in display order.
    pub const ALL: [Exchange; 5] = [
        Exchange::Binance,
        Exchange::Bybit,
        Exchange::Okx,
        Exchange::Hyperliquid,
        Exchange::Dydx,
    ];

    /// Name shown to the user.
    pub fn name(self) -> &'static str {
        match self {
            Exchange::Binance => "Binance",
            Exchange::Bybit => "Bybit",
            Exchange::Okx => "OKX",
            Exchange::Hyperliquid => "Hyperliquid",
            Exchange::Dydx => "dYdX",
        }
    }

    /// Stable lower-case id (URLs, settings).
    pub fn id(self) -> &'static str {
        match self {
            Exchange::Binance => "binance",
            Exchange::Bybit => "bybit",
            Exchange::Okx => "okx",
            Exchange::Hyperliquid => "hyperliquid",
            Exchange::Dydx => "dydx",
        }
    }

    /// The exchange with this id (case-insensitive).
    pub fn from_id(id: &str) -> Option<Exchange> {
        Exchange::ALL
            .into_iter()
            .find(|e| e.id().eq_ignore_ascii_case(id.trim()))
    }

    /// The default base URL (a deployment may pass a CORS proxy instead).
    pub fn default_base_url(self) -> &'static str {
        match self {
            Exchange::Binance => BINANCE_BASE_URL,
            Exchange::Bybit => BYBIT_BASE_URL,
            Exchange::Okx => OKX_BASE_URL,
            Exchange::Hyperliquid => HYPERLIQUID_BASE_URL,
            Exchange::Dydx => DYDX_BASE_URL,
        }
    }
}

impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Candle length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resolution {
    M1,
    M5,
    M15,
    H1,
    H4,
    D1,
}

impl Choice for Resolution {
    const ALL: &'static [Self] = &Resolution::ALL;
    fn id(self) -> &'static str {
        self.label()
    }
}

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * HOUR_MS;

impl Resolution {
    /// The resolution whose candles last `ms`.
    pub fn of_ms(ms: i64) -> Option<Resolution> {
        Resolution::ALL.into_iter().find(|r| r.ms() == ms)
    }

    /// All resolutions, finest first.
    pub const ALL: [Resolution; 6] = [
        Resolution::M1,
        Resolution::M5,
        Resolution::M15,
        Resolution::H1,
        Resolution::H4,
        Resolution::D1,
    ];

    /// Length in milliseconds.
    pub fn ms(self) -> i64 {
        match self {
            Resolution::M1 => MINUTE_MS,
            Resolution::M5 => 5 * MINUTE_MS,
            Resolution::M15 => 15 * MINUTE_MS,
            Resolution::H1 => HOUR_MS,
            Resolution::H4 => 4 * HOUR_MS,
            Resolution::D1 => DAY_MS,
        }
    }

    /// How `exchange` spells this resolution in its candle endpoint.
    /// OKX's daily bar is `1Dutc` (plain `1D` opens at Hong Kong midnight).
    pub fn spelling(self, exchange: Exchange) -> &'static str {
        use Resolution::*;
        match exchange {
            Exchange::Binance | Exchange::Hyperliquid => match self {
                M1 => "1m",
                M5 => "5m",
                M15 => "15m",
                H1 => "1h",
                H4 => "4h",
                D1 => "1d",
            },
            Exchange::Bybit => match self {
                M1 => "1",
                M5 => "5",
                M15 => "15",
                H1 => "60",
                H4 => "240",
                D1 => "D",
            },
            Exchange::Okx => match self {
                M1 => "1m",
                M5 => "5m",
                M15 => "15m",
                H1 => "1H",
                H4 => "4H",
                D1 => "1Dutc",
            },
            Exchange::Dydx => match self {
                M1 => "1MIN",
                M5 => "5MINS",
                M15 => "15MINS",
                H1 => "1HOUR",
                H4 => "4HOURS",
                D1 => "1DAY",
            },
        }
    }

    /// Short label, e.g. `"5m"`.
    pub fn label(self) -> &'static str {
        self.spelling(Exchange::Binance)
    }
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/// HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// What an answer contains, i.e. which parser to hand it to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    Instruments,
    Candles,
    MarkCandles,
    OpenInterestHistory,
    Funding,
    RiskTiers,
    /// One answer that carries several of the above (Hyperliquid
    /// `metaAndAssetCtxs`, dYdX `perpetualMarkets`: instruments, current OI
    /// and the maintenance margin rate).
    MarketSnapshot,
    /// Past liquidations (dYdX trades): shown as events, not collected.
    Liquidations,
    /// The order book now ([`depth_request`], read by [`parse_depth`]); not
    /// part of a [`plan`]: a view asks for it when it simulates a cascade.
    OrderBook,
    /// One account's positions (Hyperliquid `clearinghouseState`, read by
    /// `hyperliquid::accounts`), for measured positions.
    Positions,
}

/// One HTTP request to send. Never carries custom headers (a plain GET is a
/// CORS "simple request"; Hyperliquid's POST needs `Content-Type:
/// application/json`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub body: Option<String>,
    pub purpose: Purpose,
    /// The rows a page of a series asks for; an answer that brings fewer is
    /// followed up ([`follow_up`]). `None` for one-off answers.
    pub page: Option<Page>,
}

impl Request {
    pub(crate) fn get(url: String, purpose: Purpose) -> Request {
        Request {
            method: Method::Get,
            url,
            body: None,
            purpose,
            page: None,
        }
    }

    /// This request as the page `page` of its series.
    pub(crate) fn on_page(self, page: Page) -> Request {
        Request {
            page: Some(page),
            ..self
        }
    }
}

/// The rows one page of a series asks for: one at every multiple of
/// `step_ms` in `[start_ms, end_ms)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub start_ms: i64,
    pub end_ms: i64,
    pub step_ms: i64,
}

impl Page {
    /// How many rows the page asks for.
    pub fn rows(&self) -> usize {
        let step = self.step_ms.max(1);
        if self.end_ms <= self.start_ms {
            return 0;
        }
        let first = self.start_ms.div_euclid(step) + i64::from(self.start_ms.rem_euclid(step) != 0);
        let last = (self.end_ms - 1).div_euclid(step);
        usize::try_from(last - first + 1).unwrap_or(0)
    }

    pub(crate) fn holds(&self, time_ms: i64) -> bool {
        (self.start_ms..self.end_ms).contains(&time_ms)
    }
}

/// What came back for one paged request: the times of its rows, and the
/// exchange's own cursor to the rest where it gives one (Bybit).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Served {
    pub times: Vec<i64>,
    pub cursor: Option<String>,
}

/// The requests that ask again for what the answer to `request` left out.
///
/// Page sizes are not promises: an exchange may serve fewer rows than
/// asked (a lower limit than documented, a limit changed without notice).
/// An answer that covers only part of its page leaves the rest of the page
/// on either side of what it brought; each such part is asked again, with
/// the exchange's own cursor where it gives one. Nothing comes back for an
/// answer that brought every row, or no row of its page at all (no
/// progress: the exchange has nothing there). Every follow-up asks for a
/// strictly smaller range, so following up always ends. Holes between the
/// rows an answer brought are the exchange's own gaps: not asked again.
pub fn follow_up(
    instrument: &Instrument,
    request: &Request,
    served: &Served,
    base_url: &str,
) -> Vec<Request> {
    let Some(page) = request.page else {
        return Vec::new();
    };
    let mut inside: Vec<i64> = served
        .times
        .iter()
        .copied()
        .filter(|t| page.holds(*t))
        .collect();
    crate::sorting::sort_by_key(&mut inside, |t| crate::sorting::i64_key(*t));
    inside.dedup();
    let (Some(&first), Some(&last)) = (inside.first(), inside.last()) else {
        return Vec::new();
    };
    if inside.len() >= page.rows() {
        return Vec::new();
    }
    let older = Page {
        end_ms: first,
        ..page
    };
    let newer = Page {
        start_ms: last.saturating_add(1),
        ..page
    };
    let mut out = Vec::new();
    if older.rows() > 0 {
        let by_cursor = served
            .cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|cursor| with_cursor(request, cursor).on_page(older));
        out.extend(
            by_cursor.or_else(|| plan::page_request(instrument, request.purpose, older, base_url)),
        );
    }
    if newer.rows() > 0 {
        out.extend(plan::page_request(
            instrument,
            request.purpose,
            newer,
            base_url,
        ));
    }
    out
}

/// `request` with its `cursor` query parameter set to `cursor`.
fn with_cursor(request: &Request, cursor: &str) -> Request {
    let url = match request.url.split_once("&cursor=") {
        Some((before, _)) => before,
        None => &request.url,
    };
    Request {
        url: format!("{url}&cursor={}", enc(cursor)),
        ..request.clone()
    }
}

/// `base_url` without a trailing slash.
pub(crate) fn trim_base(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

// ---------------------------------------------------------------------------
// Normalised types
// ---------------------------------------------------------------------------

/// One tradable instrument.
#[derive(Clone, Debug, PartialEq)]
pub struct Instrument {
    pub exchange: Exchange,
    /// The exchange's own id: `BTCUSDT`, `BTC-USDT-SWAP`, `BTC`, `BTC-USD`.
    pub symbol: String,
    /// Base coin, upper case (`BTC`).
    pub base: String,
    /// Quote / settlement coin (`USDT`, `USDC`, `USD`).
    pub quote: String,
    pub kind: ContractKind,
    /// Base units per contract (1 where sizes are in base). For inverse
    /// contracts: USD per contract (their size is quoted in USD).
    pub contract_size: f64,
    pub tick_size: Option<f64>,
    /// The highest leverage its first tier allows, where the instrument
    /// list says (Bybit, Hyperliquid, dYdX); OKX's comes with its tiers,
    /// Binance's from a table ([`binance::max_leverage`]).
    pub max_leverage: Option<f64>,
}

/// Rows parsed from one answer, plus how many rows were dropped as invalid.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub dropped: usize,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            rows: Vec::new(),
            dropped: 0,
        }
    }
}

/// One mark-price candle: open time and high/low.
pub type MarkRow = (i64, HighLow);

/// One open-interest observation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OiPoint {
    pub time_ms: i64,
    /// Open interest, one side, in base units (contracts × contract size).
    /// Exception: Bybit *inverse* contracts count USD; [`assemble`] converts
    /// those with the candle close (see [`oi_is_quoted_in_usd`]).
    pub base: f64,
}

/// One funding rate (per funding interval, e.g. `0.0001` = 0.01 %): the
/// engine's own type, so parsed history goes straight into a source.
pub type FundingPoint = crate::engine::FundingRate;

/// Current market state from a ticker-like answer; any field may be absent.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub time_ms: Option<i64>,
    pub mark_price: Option<f64>,
    pub funding_rate: Option<f64>,
    /// Current open interest, one side, base units (Bybit inverse: USD).
    pub open_interest: Option<f64>,
    /// Tier-1 maintenance margin rate where the answer carries it.
    pub maintenance_margin_rate: Option<f64>,
}

/// One actual liquidation (from a WebSocket message or a trades page).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiquidationEvent {
    pub time_ms: i64,
    /// The side of the position that was liquidated.
    pub side: Side,
    pub price: f64,
    /// Size in base units.
    pub base: f64,
}

#[cfg(test)]
pub(crate) mod testutil;

#[cfg(test)]
mod tests;

/// Every byte but RFC 3986's unreserved characters (letters, digits,
/// `-_.~`): what a query value must escape.
pub(crate) const QUERY_ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encode a query value (unreserved characters pass through).
pub(crate) fn enc(s: &str) -> String {
    utf8_percent_encode(s, QUERY_ESCAPED).to_string()
}
