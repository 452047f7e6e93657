//! Exchange adapters: build the REST requests for one instrument and window,
//! parse the exchanges' answers into the engine's normalised types.
//!
//! No I/O happens here: the browser layer sends each [`Request`], hands the
//! status, `Retry-After` header and body to [`classify_http`] and then to the
//! parser named by the request's [`Purpose`], and finally calls [`assemble`].
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

pub mod binance;
pub mod bybit;
pub mod collect;
pub mod dydx;
pub mod hyperliquid;
pub mod okx;

use std::fmt;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::engine::input::{Candle, ContractKind, HighLow, Source};
use crate::time::{civil_from_days, days_from_civil};

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

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * HOUR_MS;

impl Resolution {
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
    CurrentOpenInterest,
    Funding,
    RiskTiers,
    /// One answer that carries several of the above (Hyperliquid
    /// `metaAndAssetCtxs`, dYdX `perpetualMarkets`: instruments, current OI
    /// and the maintenance margin rate).
    MarketSnapshot,
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
}

impl Request {
    pub(crate) fn get(url: String, purpose: Purpose) -> Request {
        Request {
            method: Method::Get,
            url,
            body: None,
            purpose,
        }
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

/// One funding rate (per funding interval, e.g. `0.0001` = 0.01 %).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FundingPoint {
    pub time_ms: i64,
    pub rate: f64,
}

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

/// Which side's positions were liquidated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Long,
    Short,
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

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Why data from an exchange could not be had; `Display` is meant for users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExchangeError {
    /// HTTP 429 or an exchange's "too many requests" code.
    RateLimited {
        exchange: Exchange,
        retry_after_s: Option<u64>,
    },
    /// HTTP 418: Binance bans an IP that ignored its 429s.
    IpBanned {
        exchange: Exchange,
        retry_after_s: Option<u64>,
    },
    /// HTTP 451 (restricted region) or 403 (WAF, IP limit or region).
    RegionRestricted { exchange: Exchange, status: u16 },
    /// An error answer from the exchange that has no more specific meaning.
    ExchangeError {
        exchange: Exchange,
        code: String,
        message: String,
    },
    /// The coin has no USD-margined perpetual on this exchange.
    UnknownCoin {
        exchange: Exchange,
        coin: Option<String>,
    },
    /// No answer in time.
    Timeout { exchange: Exchange },
    /// An opaque network failure ("Failed to fetch"): usually a ban, a
    /// geo-block or a missing CORS header on an error answer.
    Blocked { exchange: Exchange },
    /// The answer could not be read.
    Malformed { exchange: Exchange, what: String },
}

impl ExchangeError {
    /// The exchange the error is about.
    pub fn exchange(&self) -> Exchange {
        match self {
            ExchangeError::RateLimited { exchange, .. }
            | ExchangeError::IpBanned { exchange, .. }
            | ExchangeError::RegionRestricted { exchange, .. }
            | ExchangeError::ExchangeError { exchange, .. }
            | ExchangeError::UnknownCoin { exchange, .. }
            | ExchangeError::Timeout { exchange }
            | ExchangeError::Blocked { exchange }
            | ExchangeError::Malformed { exchange, .. } => *exchange,
        }
    }

    pub(crate) fn malformed(exchange: Exchange, what: impl Into<String>) -> ExchangeError {
        ExchangeError::Malformed {
            exchange,
            what: what.into(),
        }
    }
}

fn wait_phrase(retry_after_s: Option<u64>) -> String {
    match retry_after_s {
        Some(s) if s < 120 => format!("wait {s} seconds"),
        Some(s) if s < 2 * 3600 => format!("wait about {} minutes", s.div_ceil(60)),
        Some(s) => format!("wait about {} hours", s.div_ceil(3600)),
        None => "wait a minute".to_string(),
    }
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::RateLimited {
                exchange,
                retry_after_s,
            } => write!(
                f,
                "{exchange} is limiting requests from your connection (too many requests); \
                 {} before reloading.",
                wait_phrase(*retry_after_s)
            ),
            ExchangeError::IpBanned {
                exchange,
                retry_after_s,
            } => write!(
                f,
                "{exchange} has temporarily banned your IP address after too many requests \
                 (HTTP 418); {} before trying again.",
                wait_phrase(*retry_after_s)
            ),
            ExchangeError::RegionRestricted { exchange, status } => {
                if *status == 451 {
                    write!(
                        f,
                        "{exchange} refused the request (HTTP 451): its data is not served \
                         in your region."
                    )
                } else {
                    write!(
                        f,
                        "{exchange} refused the request (HTTP {status}): your IP address may \
                         be rate-limited, blocked by its firewall or in a restricted region."
                    )
                }
            }
            ExchangeError::ExchangeError {
                exchange,
                code,
                message,
            } => {
                if message.is_empty() {
                    write!(f, "{exchange} answered with error {code}.")
                } else {
                    write!(f, "{exchange} answered with error {code}: {message}")
                }
            }
            ExchangeError::UnknownCoin { exchange, coin } => match coin {
                Some(c) => write!(
                    f,
                    "{c} has no USD-margined perpetual on {exchange}; that exchange is left out."
                ),
                None => write!(
                    f,
                    "{exchange} does not list this market; that exchange is left out."
                ),
            },
            ExchangeError::Timeout { exchange } => write!(
                f,
                "{exchange} did not answer in time; it may be busy, try again shortly."
            ),
            ExchangeError::Blocked { exchange } => write!(
                f,
                "Could not reach {exchange}: blocked by the browser (CORS), rate-limited \
                 or restricted in your region."
            ),
            ExchangeError::Malformed { exchange, what } => write!(
                f,
                "{exchange} sent an answer this app could not read ({what})."
            ),
        }
    }
}

impl std::error::Error for ExchangeError {}

/// Parse a `Retry-After` header given in seconds (HTTP dates are ignored).
pub fn parse_retry_after(header: Option<&str>) -> Option<u64> {
    let s = header?.trim();
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let f = s.parse::<f64>().ok()?;
    if f.is_finite() && (0.0..1e12).contains(&f) {
        Some(f.ceil() as u64)
    } else {
        None
    }
}

/// Classify an HTTP answer. `status == 0` stands for an opaque network
/// failure (the browser's "Failed to fetch"). Error bodies are recognised
/// for every status, including Bybit's and OKX's HTTP-200 errors.
pub fn classify_http(
    exchange: Exchange,
    status: u16,
    retry_after_header: Option<&str>,
    body: &str,
) -> Result<(), ExchangeError> {
    let retry_after_s = parse_retry_after(retry_after_header);
    match status {
        0 => return Err(ExchangeError::Blocked { exchange }),
        429 => {
            return Err(ExchangeError::RateLimited {
                exchange,
                retry_after_s,
            })
        }
        418 => {
            return Err(ExchangeError::IpBanned {
                exchange,
                retry_after_s,
            })
        }
        451 | 403 => return Err(ExchangeError::RegionRestricted { exchange, status }),
        408 | 504 | 524 => return Err(ExchangeError::Timeout { exchange }),
        _ => {}
    }
    if let Err(mut e) = classify_body(exchange, body) {
        if let ExchangeError::RateLimited {
            retry_after_s: r, ..
        } = &mut e
        {
            *r = retry_after_s;
        }
        return Err(e);
    }
    if (200..300).contains(&status) {
        return Ok(());
    }
    let message: String = body.trim().chars().take(200).collect();
    Err(ExchangeError::ExchangeError {
        exchange,
        code: format!("HTTP {status}"),
        message: if (500..600).contains(&status) && message.is_empty() {
            "server error".to_string()
        } else {
            message
        },
    })
}

#[derive(Deserialize)]
struct ErrorProbe {
    // Binance: {"code":-1121,"msg":"..."}; OKX: {"code":"51001","msg":"..."}
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    msg: Option<Value>,
    // Bybit: {"retCode":10006,"retMsg":"..."}
    #[serde(default, rename = "retCode")]
    ret_code: Option<Value>,
    #[serde(default, rename = "retMsg")]
    ret_msg: Option<Value>,
    // dYdX: {"errors":[{"msg":"..."}]}
    #[serde(default)]
    errors: Option<Vec<Value>>,
    // Hyperliquid and others: {"error":"..."}
    #[serde(default)]
    error: Option<Value>,
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Recognise an error answer in a body (whatever the HTTP status). A body
/// that is not a JSON object is not an error by itself.
pub fn classify_body(exchange: Exchange, body: &str) -> Result<(), ExchangeError> {
    let Ok(p) = serde_json::from_str::<ErrorProbe>(body) else {
        return Ok(());
    };
    let api = |code: String, message: String| ExchangeError::ExchangeError {
        exchange,
        code,
        message,
    };
    match exchange {
        Exchange::Binance => {
            let Some(code) = p.code.as_ref().and_then(value_i64) else {
                return Ok(());
            };
            if code >= 0 && code != 429 {
                return Ok(());
            }
            let message = p.msg.as_ref().map(value_text).unwrap_or_default();
            Err(match code {
                -1003 | -1015 | 429 => ExchangeError::RateLimited {
                    exchange,
                    retry_after_s: None,
                },
                -1121 | -1122 => ExchangeError::UnknownCoin {
                    exchange,
                    coin: None,
                },
                _ => api(code.to_string(), message),
            })
        }
        Exchange::Bybit => {
            let Some(code) = p.ret_code.as_ref().and_then(value_i64) else {
                return Ok(());
            };
            if code == 0 {
                return Ok(());
            }
            let message = p.ret_msg.as_ref().map(value_text).unwrap_or_default();
            Err(match code {
                10006 | 10018 => ExchangeError::RateLimited {
                    exchange,
                    retry_after_s: None,
                },
                10009 | 10010 => ExchangeError::RegionRestricted {
                    exchange,
                    status: 403,
                },
                _ => api(code.to_string(), message),
            })
        }
        Exchange::Okx => {
            let Some(code) = p.code.as_ref().map(value_text) else {
                return Ok(());
            };
            let code = code.trim().to_string();
            if code == "0" || code.is_empty() {
                return Ok(());
            }
            let message = p.msg.as_ref().map(value_text).unwrap_or_default();
            Err(match code.as_str() {
                "50011" | "50061" => ExchangeError::RateLimited {
                    exchange,
                    retry_after_s: None,
                },
                "51001" => ExchangeError::UnknownCoin {
                    exchange,
                    coin: None,
                },
                "51155" | "51156" => ExchangeError::RegionRestricted {
                    exchange,
                    status: 403,
                },
                _ => api(code, message),
            })
        }
        Exchange::Dydx | Exchange::Hyperliquid => {
            if let Some(errors) = p.errors {
                let message = errors
                    .iter()
                    .filter_map(|e| e.get("msg").map(value_text))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(api("400".to_string(), message));
            }
            if let Some(e) = p.error {
                return Err(api("error".to_string(), value_text(&e)));
            }
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------
// Lenient numbers and timestamps
// ---------------------------------------------------------------------------

/// Latest timestamp accepted (year 3000), in ms.
pub const MAX_TIME_MS: i64 = 32_503_680_000_000;

/// A number given as a JSON number or a string; `None` if absent or unreadable.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Num(pub Option<f64>);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Ok(Num(value_f64(&v)))
    }
}

/// A timestamp in ms given as a number, a numeric string or ISO-8601.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Ts(pub Option<i64>);

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Ok(Ts(value_ms(&v)))
    }
}

/// Lenient number: a JSON number or a string holding one (may be NaN/inf:
/// validation drops those).
pub fn value_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                None
            } else {
                s.parse::<f64>().ok()
            }
        }
        _ => None,
    }
}

/// Lenient integer (codes, ids).
pub fn value_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

/// Lenient timestamp in ms within `0..=MAX_TIME_MS`.
pub fn value_ms(v: &Value) -> Option<i64> {
    let ms = match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Some(i),
            None => n.as_f64().and_then(f64_to_ms),
        },
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<i64>() {
                Ok(i) => Some(i),
                Err(_) => match s.parse::<f64>() {
                    Ok(f) => f64_to_ms(f),
                    Err(_) => iso_to_ms(s),
                },
            }
        }
        _ => None,
    }?;
    (0..=MAX_TIME_MS).contains(&ms).then_some(ms)
}

fn f64_to_ms(f: f64) -> Option<i64> {
    (f.is_finite() && (0.0..=MAX_TIME_MS as f64).contains(&f)).then_some(f as i64)
}

/// A finite value `>= 0`.
pub fn non_negative(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite() && *v >= 0.0)
}

/// A finite value `> 0` (prices).
pub fn positive(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite() && *v > 0.0)
}

/// A finite value (funding rates may be negative).
pub fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// `2025-07-25T09:47:00.000Z` for a time in ms (clamped to `0..=MAX_TIME_MS`).
pub fn ms_to_iso(ms: i64) -> String {
    let ms = ms.clamp(0, MAX_TIME_MS);
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    let r = ms.rem_euclid(DAY_MS);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        r / HOUR_MS,
        r / MINUTE_MS % 60,
        r / 1000 % 60,
        r % 1000
    )
}

/// Parse `YYYY-MM-DDTHH:MM:SS[.fff…]Z` (UTC only) into ms.
pub fn iso_to_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let field = |a: usize, b: usize| -> Option<i64> {
        let t = s.get(a..b)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let sep = |i: usize, c: u8| s.as_bytes().get(i) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    if !(sep(10, b'T') || sep(10, b't') || sep(10, b' ')) {
        return None;
    }
    let (y, mo, d) = (field(0, 4)?, field(5, 7)?, field(8, 10)?);
    let (h, mi, se) = (field(11, 13)?, field(14, 16)?, field(17, 19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let rest = s.get(19..)?;
    let (frac, tail) = match rest.strip_prefix('.') {
        Some(r) => {
            let digits = r.bytes().take_while(u8::is_ascii_digit).count();
            let f = r.get(..digits)?;
            let millis = f
                .bytes()
                .take(3)
                .fold(0i64, |acc, c| acc * 10 + i64::from(c - b'0'));
            let scale = match f.len().min(3) {
                0 => 1000,
                1 => 100,
                2 => 10,
                _ => 1,
            };
            (millis * scale % 1000, r.get(digits..)?)
        }
        None => (0, rest),
    };
    if !(tail == "Z" || tail == "z" || tail == "+00:00" || tail.is_empty()) {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    let ms = days * DAY_MS + h * HOUR_MS + mi * MINUTE_MS + se * 1000 + frac;
    (0..=MAX_TIME_MS).contains(&ms).then_some(ms)
}

// ---------------------------------------------------------------------------
// Row helpers shared by the adapters
// ---------------------------------------------------------------------------

/// Parse a JSON body into `T`, mapping failure to [`ExchangeError::Malformed`].
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    exchange: Exchange,
    body: &str,
    what: &str,
) -> Result<T, ExchangeError> {
    serde_json::from_str(body).map_err(|e| {
        ExchangeError::malformed(exchange, format!("{what}: {}", first_line(&e.to_string())))
    })
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(120)
        .collect()
}

/// Convert each raw row with `f`; rows that do not deserialize into `W` or
/// that `f` rejects are counted as dropped.
pub(crate) fn convert_rows<W, T>(rows: Vec<Value>, mut f: impl FnMut(W) -> Option<T>) -> Parsed<T>
where
    W: serde::de::DeserializeOwned,
{
    let mut out = Parsed::default();
    for row in rows {
        match serde_json::from_value::<W>(row).ok().and_then(&mut f) {
            Some(t) => out.rows.push(t),
            None => out.dropped += 1,
        }
    }
    out
}

/// Keep the `Some` rows of a conversion whose `None` rows are skipped on
/// purpose (not counted as dropped).
pub(crate) fn flatten_parsed<T>(p: Parsed<Option<T>>) -> Parsed<T> {
    Parsed {
        rows: p.rows.into_iter().flatten().collect(),
        dropped: p.dropped,
    }
}

/// An answer that is a bare JSON array of rows (after the error check).
pub(crate) fn json_rows(
    exchange: Exchange,
    body: &str,
    what: &str,
) -> Result<Vec<Value>, ExchangeError> {
    classify_body(exchange, body)?;
    from_json::<Vec<Value>>(exchange, body, what)
}

/// The side whose position was liquidated, from the liquidation order's
/// side: `long` is the spelling that means a long was closed, `short` the
/// one for a short.
pub(crate) fn liquidated_side(order_side: &str, long: &str, short: &str) -> Option<Side> {
    if order_side == long {
        Some(Side::Long)
    } else if order_side == short {
        Some(Side::Short)
    } else {
        None
    }
}

/// Field `i` of a positional row as a lenient number.
pub(crate) fn num_at(row: &[Value], i: usize) -> Option<f64> {
    row.get(i).and_then(value_f64)
}

/// Field `i` of a positional row as a lenient timestamp.
pub(crate) fn ts_at(row: &[Value], i: usize) -> Option<i64> {
    row.get(i).and_then(value_ms)
}

/// Raw fields of one trade candle, before validation.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RawCandle {
    pub open_time: Option<i64>,
    pub open: Option<f64>,
    pub high: Option<f64>,
    pub low: Option<f64>,
    pub close: Option<f64>,
    pub base_volume: Option<f64>,
    /// `None` = not given: computed as base × typical price.
    pub quote_volume: Option<f64>,
    /// `None` = not given by the exchange.
    pub taker_buy_base: Option<f64>,
    /// Whether the exchange gives taker-buy volume (then it must be valid).
    pub has_taker: bool,
}

impl RawCandle {
    /// Time and prices of a positional kline row `[time, open, high, low,
    /// close, ...]` (Binance, Bybit, OKX); volumes left to the caller.
    pub(crate) fn positional(row: &[Value]) -> RawCandle {
        RawCandle {
            open_time: ts_at(row, 0),
            open: num_at(row, 1),
            high: num_at(row, 2),
            low: num_at(row, 3),
            close: num_at(row, 4),
            ..RawCandle::default()
        }
    }
}

/// Validate a candle: all prices finite and `> 0`, `high >= low`, volumes
/// finite and `>= 0`, taker-buy volume not above the volume.
pub(crate) fn validate_candle(r: RawCandle) -> Option<Candle> {
    let open_time_ms = r.open_time?;
    let open = positive(r.open)?;
    let high = positive(r.high)?;
    let low = positive(r.low)?;
    let close = positive(r.close)?;
    if high < low {
        return None;
    }
    let base_volume = non_negative(r.base_volume)?;
    let taker_buy_base = if r.has_taker {
        let t = non_negative(r.taker_buy_base)?;
        if t > base_volume * (1.0 + 1e-9) + 1e-12 {
            return None;
        }
        Some(t)
    } else {
        None
    };
    let quote_volume = match r.quote_volume {
        Some(q) => non_negative(Some(q))?,
        None => base_volume * (high + low + close) / 3.0,
    };
    if !quote_volume.is_finite() {
        return None;
    }
    Some(Candle {
        open_time_ms,
        open,
        high,
        low,
        close,
        base_volume,
        quote_volume,
        taker_buy_base,
    })
}

/// Validate a mark-price row (prices `> 0`, `high >= low`).
pub(crate) fn validate_mark(
    t: Option<i64>,
    high: Option<f64>,
    low: Option<f64>,
) -> Option<MarkRow> {
    let (t, high, low) = (t?, positive(high)?, positive(low)?);
    (high >= low).then_some((t, HighLow { high, low }))
}

/// A positional mark-price kline row `[time, open, high, low, close, ...]`
/// (Binance, Bybit, OKX).
pub(crate) fn positional_mark(row: Vec<Value>) -> Option<MarkRow> {
    validate_mark(ts_at(&row, 0), num_at(&row, 2), num_at(&row, 3))
}

/// Validate an open-interest point (finite, `>= 0`).
pub(crate) fn validate_oi(t: Option<i64>, base: Option<f64>) -> Option<OiPoint> {
    Some(OiPoint {
        time_ms: t?,
        base: non_negative(base)?,
    })
}

/// Validate a funding point (finite; |rate| < 1).
pub(crate) fn validate_funding(t: Option<i64>, rate: Option<f64>) -> Option<FundingPoint> {
    let rate = finite(rate).filter(|r| r.abs() < 1.0)?;
    Some(FundingPoint { time_ms: t?, rate })
}

/// Validate a maintenance margin rate (`0 <= m < 1`).
pub(crate) fn validate_mmr(m: Option<f64>) -> Option<f64> {
    non_negative(m).filter(|m| *m < 1.0)
}

/// Validate a liquidation event.
pub(crate) fn validate_liquidation(
    t: Option<i64>,
    side: Option<Side>,
    price: Option<f64>,
    base: Option<f64>,
) -> Option<LiquidationEvent> {
    Some(LiquidationEvent {
        time_ms: t?,
        side: side?,
        price: positive(price)?,
        base: positive(base)?,
    })
}

// ---------------------------------------------------------------------------
// Instruments
// ---------------------------------------------------------------------------

/// Find the USD(T/C)-margined linear perpetual of `base_asset` (e.g. `"BTC"`,
/// case-insensitive) in a parsed instrument list. Prefers USDT, then USDC,
/// then USD quotes.
pub fn find_instrument<'a>(
    exchange: Exchange,
    list: &'a [Instrument],
    base_asset: &str,
) -> Result<&'a Instrument, ExchangeError> {
    let coin = base_asset.trim().to_ascii_uppercase();
    let rank = |q: &str| match q {
        "USDT" => Some(0),
        "USDC" => Some(1),
        "USD" => Some(2),
        _ => None,
    };
    list.iter()
        .filter(|i| i.exchange == exchange && i.kind == ContractKind::Linear)
        .filter(|i| i.base.eq_ignore_ascii_case(&coin))
        .filter_map(|i| rank(i.quote.to_ascii_uppercase().as_str()).map(|r| (r, i)))
        .min_by_key(|(r, _)| *r)
        .map(|(_, i)| i)
        .ok_or(ExchangeError::UnknownCoin {
            exchange,
            coin: Some(coin),
        })
}

/// The request for `exchange`'s instrument list.
pub fn instruments_request(exchange: Exchange, base_url: &str) -> Request {
    match exchange {
        Exchange::Binance => binance::instruments_request(base_url),
        Exchange::Bybit => bybit::instruments_request(base_url),
        Exchange::Okx => okx::instruments_request(base_url),
        Exchange::Hyperliquid => hyperliquid::instruments_request(base_url),
        Exchange::Dydx => dydx::instruments_request(base_url),
    }
}

/// Parse `exchange`'s instrument list answer.
pub fn parse_instruments(
    exchange: Exchange,
    body: &str,
) -> Result<Parsed<Instrument>, ExchangeError> {
    match exchange {
        Exchange::Binance => binance::parse_instruments(body),
        Exchange::Bybit => bybit::parse_instruments(body),
        Exchange::Okx => okx::parse_instruments(body),
        Exchange::Hyperliquid => hyperliquid::parse_instruments(body),
        Exchange::Dydx => dydx::parse_instruments(body),
    }
}

/// The conventional instrument of `coin` on `exchange` (what
/// [`find_instrument`] returns for the big coins), for planning and counting
/// without a live instrument list. OKX's contract size is a guess here
/// (BTC 0.01, ETH 0.1, else 1); use the parsed list for real requests.
pub fn default_instrument(exchange: Exchange, coin: &str) -> Instrument {
    let coin = coin.trim().to_ascii_uppercase();
    let (symbol, quote, contract_size) = match exchange {
        Exchange::Binance | Exchange::Bybit => (format!("{coin}USDT"), "USDT", 1.0),
        Exchange::Okx => (
            format!("{coin}-USDT-SWAP"),
            "USDT",
            match coin.as_str() {
                "BTC" => 0.01,
                "ETH" => 0.1,
                _ => 1.0,
            },
        ),
        Exchange::Hyperliquid => (coin.clone(), "USDC", 1.0),
        Exchange::Dydx => (format!("{coin}-USD"), "USD", 1.0),
    };
    Instrument {
        exchange,
        symbol,
        base: coin,
        quote: quote.to_string(),
        kind: ContractKind::Linear,
        contract_size,
        tick_size: None,
    }
}

// ---------------------------------------------------------------------------
// Planning
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Assembly
// ---------------------------------------------------------------------------

/// Most requests one view may cost over all exchanges (instrument lists,
/// fetched once per session, not counted): decides the candle resolution.
pub const VIEW_REQUEST_BUDGET: usize = 30;

/// The finest resolution a view of `coin` over `window_ms` can afford with
/// all exchanges within [`VIEW_REQUEST_BUDGET`] (4 h where none fits).
pub fn auto_resolution(coin: &str, window_ms: i64) -> Resolution {
    finest_resolution_within(&Exchange::ALL, coin, window_ms, VIEW_REQUEST_BUDGET)
        .unwrap_or(Resolution::H4)
}

/// Whether `exchange` counts this instrument's open interest in USD rather
/// than base units (Bybit inverse contracts: 1 contract = 1 USD).
pub fn oi_is_quoted_in_usd(exchange: Exchange, instrument: &Instrument) -> bool {
    exchange == Exchange::Bybit && instrument.kind == ContractKind::Inverse
}

/// Sort by key and keep the last row of each key.
fn sort_dedupe<T>(mut rows: Vec<T>, key: impl Fn(&T) -> i64) -> Vec<T> {
    rows.sort_by_key(&key);
    let mut out: Vec<T> = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(last) = out.last_mut() {
            if key(last) == key(&r) {
                *last = r;
                continue;
            }
        }
        out.push(r);
    }
    out
}

/// Put one source's series on its candle grid.
///
/// - candles: sorted, deduplicated (the later row wins), those opening at or
///   after `window_end_ms` or off the resolution grid dropped, gaps filled
///   with flat zero-volume candles at the previous close;
/// - mark: aligned by open time, missing rows fall back to the trade
///   high/low; `None` if `mark` is empty;
/// - OI: for each candle the last point at or before its close
///   (`open + interval`), forward-filled; candles before the first point
///   take the first point (no new positions are inferred there); `None` if
///   `oi_points` is `None` or empty;
/// - current OI and OI of Bybit inverse contracts converted from USD to
///   base with the aligned close; without a current OI, the last aligned
///   OI value stands for it.
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    exchange: Exchange,
    instrument: &Instrument,
    candles: Vec<Candle>,
    mark: Vec<MarkRow>,
    oi_points: Option<Vec<OiPoint>>,
    current_oi: Option<f64>,
    mmr: f64,
    window_end_ms: i64,
    resolution: Resolution,
) -> Result<Source, ExchangeError> {
    let step = resolution.ms();
    let mmr = validate_mmr(Some(mmr)).ok_or_else(|| {
        ExchangeError::malformed(exchange, format!("maintenance margin rate {mmr}"))
    })?;
    let candles = sort_dedupe(candles, |c| c.open_time_ms);
    let mut grid: Vec<Candle> = Vec::with_capacity(candles.len());
    for c in candles
        .into_iter()
        .filter(|c| c.open_time_ms < window_end_ms && c.open_time_ms.rem_euclid(step) == 0)
    {
        if let Some(prev) = grid.last().copied() {
            let mut t = prev.open_time_ms.saturating_add(step);
            while t < c.open_time_ms && grid.len() < 10_000_000 {
                grid.push(Candle {
                    open_time_ms: t,
                    open: prev.close,
                    high: prev.close,
                    low: prev.close,
                    close: prev.close,
                    base_volume: 0.0,
                    quote_volume: 0.0,
                    taker_buy_base: prev.taker_buy_base.map(|_| 0.0),
                });
                t = t.saturating_add(step);
            }
        }
        grid.push(c);
    }
    if grid.is_empty() {
        return Err(ExchangeError::malformed(
            exchange,
            "no valid candles in the requested window",
        ));
    }

    let mark = if mark.is_empty() {
        None
    } else {
        let mark = sort_dedupe(mark, |m| m.0);
        let mut it = mark.iter().peekable();
        let mut out = Vec::with_capacity(grid.len());
        for c in &grid {
            while it.peek().is_some_and(|m| m.0 < c.open_time_ms) {
                it.next();
            }
            match it.peek() {
                Some(m) if m.0 == c.open_time_ms => out.push(m.1),
                _ => out.push(HighLow {
                    high: c.high,
                    low: c.low,
                }),
            }
        }
        Some(out)
    };

    let usd = oi_is_quoted_in_usd(exchange, instrument);
    let open_interest = match oi_points {
        Some(points) if !points.is_empty() => {
            let points = sort_dedupe(points, |p| p.time_ms);
            let mut out = Vec::with_capacity(grid.len());
            let mut idx = 0usize;
            let mut current: Option<f64> = points.first().map(|p| p.base);
            for c in &grid {
                let close = c.open_time_ms.saturating_add(step);
                while let Some(p) = points.get(idx) {
                    if p.time_ms > close {
                        break;
                    }
                    current = Some(p.base);
                    idx += 1;
                }
                let v = current.unwrap_or(0.0);
                out.push(if usd { v / c.close } else { v });
            }
            Some(out)
        }
        _ => None,
    };

    let last_close = grid.last().map(|c| c.close).unwrap_or(1.0);
    let current_open_interest = non_negative(current_oi)
        .map(|v| if usd { v / last_close } else { v })
        .or_else(|| open_interest.as_ref().and_then(|o| o.last().copied()));

    Ok(Source {
        exchange: exchange.name().to_string(),
        kind: instrument.kind,
        interval_ms: step,
        candles: grid,
        mark,
        open_interest,
        current_open_interest,
        maintenance_margin_rate: mmr,
    })
}

#[cfg(test)]
pub(crate) mod testutil;

#[cfg(test)]
mod tests;

/// Percent-encode a query value (unreserved characters pass through).
pub(crate) fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
