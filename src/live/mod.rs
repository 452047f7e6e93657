//! Live mode, pure part: what to send to each exchange's WebSocket and how
//! to read what comes back.
//!
//! No I/O here. The browser layer, per instrument:
//! 1. opens every [`Connection`] of [`connections`], sends its `subscribe`
//!    texts, and its heartbeat text every `heartbeat.every_ms`;
//! 2. hands each text frame to [`parse`] and acts on the [`LiveMessage`]s:
//!    liquidations into an [`EventRing`] (bubbles, hit lift), candles through
//!    a [`CandleCloser`] into [`crate::engine::append_candle`]; an
//!    `Err` is counted, never fatal;
//! 3. on close, or when the socket stays silent longer than
//!    [`Connection::silence_limit_ms`], waits [`backoff_ms`] and reconnects.
//!
//! Side conventions: [`LiqEvent::side`] is the side of the *position* that
//! was liquidated, whatever the exchange's order side says (Binance
//! `S:"SELL"`, Bybit `S:"Buy"`, OKX `posSide:"long"` and dYdX `side:"SELL"`
//! all mean a long was liquidated; each module says why).
//!
//! Like [`crate::exchanges`], nothing here may panic on outside data.
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
pub mod dydx;
pub mod hyperliquid;
pub mod okx;
pub mod text;

use std::collections::VecDeque;
use std::fmt;

use serde_json::Value;

use crate::accuracy::Event;
use crate::engine::{Candle, LiveCandle};
pub use crate::exchanges::Side;
use crate::exchanges::{
    Exchange, ExchangeError, Fields, Instrument, LiquidationEvent, Parsed, Resolution, Unfit,
};

/// One actual liquidation, normalised.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiqEvent {
    pub exchange: Exchange,
    pub time_ms: i64,
    /// Fill (or bankruptcy) price, USD.
    pub price: f64,
    /// Notional, USD.
    pub usd: f64,
    /// The side of the position that was liquidated.
    pub side: Side,
}

impl From<LiqEvent> for Event {
    fn from(e: LiqEvent) -> Event {
        Event {
            time_ms: e.time_ms,
            price: e.price,
            usd: e.usd,
        }
    }
}

/// A candle as a stream sends it: closed, or still forming.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CandleUpdate {
    pub exchange: Exchange,
    pub candle: Candle,
    /// The exchange says the candle is final. Streams without such a flag
    /// (Hyperliquid, dYdX) always say `false`: see [`CandleCloser`].
    pub closed: bool,
    /// Open interest at the candle's *open*, base units, where the stream
    /// carries it (dYdX's `startingOpenInterest`).
    pub open_interest_at_open: Option<f64>,
}

/// What one text frame meant.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveMessage {
    Liquidation(LiqEvent),
    Candle(CandleUpdate),
    /// Answer to our heartbeat.
    Pong,
    /// A subscription (or the connection) was confirmed.
    Ack,
    /// Rows of the frame that failed validation and were left out: count
    /// them with the errors.
    Dropped(usize),
    /// Readable, but nothing live mode uses (other symbols, notices).
    Ignored,
}

/// Why a frame could not be used; the caller counts these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveError {
    /// Not the shape the exchange documents.
    Malformed { exchange: Exchange, what: String },
    /// The exchange refused a request (a subscription, usually).
    Refused {
        exchange: Exchange,
        code: String,
        message: String,
    },
}

impl fmt::Display for LiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LiveError::Malformed { exchange, what } => {
                write!(f, "{exchange}: unreadable live message ({what})")
            }
            LiveError::Refused {
                exchange,
                code,
                message,
            } => write!(f, "{exchange} refused the subscription ({code}): {message}"),
        }
    }
}

impl std::error::Error for LiveError {}

impl LiveError {
    fn malformed(exchange: Exchange, what: impl Into<String>) -> Self {
        LiveError::Malformed {
            exchange,
            what: what.into(),
        }
    }

    /// A frame whose fields are not of the kinds documented.
    fn unfit(exchange: Exchange, e: Unfit) -> Self {
        LiveError::malformed(exchange, e.to_string())
    }
}

impl From<ExchangeError> for LiveError {
    fn from(e: ExchangeError) -> Self {
        let exchange = e.exchange();
        match e {
            ExchangeError::Malformed { what, .. } => LiveError::Malformed { exchange, what },
            other => LiveError::malformed(exchange, other.to_string()),
        }
    }
}

/// A text the client must send periodically to keep a connection open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    pub text: &'static str,
    pub every_ms: u32,
}

/// One WebSocket to open for an instrument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    pub url: String,
    /// Texts to send once open (again after every reconnect).
    pub subscribe: Vec<String>,
    /// `None` where the server pings at the protocol level (the browser
    /// answers those by itself).
    pub heartbeat: Option<Heartbeat>,
    /// How long the socket may go without a frame before it is taken for
    /// dead, closed and opened again: a connection can die without a close
    /// event (a laptop that slept, a network that changed).
    pub silence_limit_ms: u32,
}

impl Connection {
    /// A connection streaming candles of `resolution` (among others). Its
    /// silence limit:
    /// - with a client heartbeat, twice its interval: Bybit, OKX and
    ///   Hyperliquid answer every ping with a pong, so a working socket is
    ///   never silent for a whole interval;
    /// - without (Binance and dYdX ping at the protocol level, which a page
    ///   never sees), only market data comes: twice the candle interval, at
    ///   least two minutes. Binance's kline stream pushes every 250 ms while
    ///   the candle changes and dYdX's candles move with every trade, so a
    ///   live market is hardly ever that quiet, and where one is, reopening
    ///   costs one reload per two candles.
    pub fn new(
        url: &str,
        subscribe: Vec<String>,
        heartbeat: Option<Heartbeat>,
        resolution: Resolution,
    ) -> Connection {
        const QUIET_FLOOR_MS: i64 = 2 * 60_000;
        let silence_limit_ms = match heartbeat {
            Some(beat) => beat.every_ms.saturating_mul(2),
            None => {
                let quiet = resolution.ms().saturating_mul(2).max(QUIET_FLOOR_MS);
                u32::try_from(quiet).unwrap_or(u32::MAX)
            }
        };
        Connection {
            url: url.to_string(),
            subscribe,
            heartbeat,
            silence_limit_ms,
        }
    }
}

/// The connections live mode needs for `instrument`: liquidations where the
/// exchange streams them, and candles of `resolution`.
pub fn connections(instrument: &Instrument, resolution: Resolution) -> Vec<Connection> {
    match instrument.exchange {
        Exchange::Binance => vec![binance::connection(instrument, resolution)],
        Exchange::Bybit => vec![bybit::connection(instrument, resolution)],
        Exchange::Okx => okx::connections(instrument, resolution),
        Exchange::Hyperliquid => vec![hyperliquid::connection(instrument, resolution)],
        Exchange::Dydx => vec![dydx::connection(instrument, resolution)],
    }
}

/// Reads one text frame from a connection of `instrument`.
pub fn parse(instrument: &Instrument, text: &str) -> Result<Vec<LiveMessage>, LiveError> {
    match instrument.exchange {
        Exchange::Binance => binance::parse(text),
        Exchange::Bybit => bybit::parse(text, instrument),
        Exchange::Okx => okx::parse(text, instrument),
        Exchange::Hyperliquid => hyperliquid::parse(text, instrument),
        Exchange::Dydx => dydx::parse(text),
    }
}

/// Reads a frame into its fields `names` (see [`Fields::of`]), or says which
/// exchange sent something else.
fn frame(exchange: Exchange, text: &str, names: &[&str]) -> Result<Fields, LiveError> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| LiveError::malformed(exchange, e.to_string()))?;
    Fields::of(v, names).map_err(|e| LiveError::unfit(exchange, e))
}

/// A JSON string as is, a number as written, anything else empty: codes
/// and messages of refusals.
fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => crate::json_text::number(n),
        _ => String::new(),
    }
}

/// Liquidations parsed by an exchange adapter, as messages: USD notional is
/// `usd(event)`; rows that failed validation become one `Dropped`.
fn liquidations(
    exchange: Exchange,
    parsed: Parsed<LiquidationEvent>,
    usd: impl Fn(&LiquidationEvent) -> f64,
) -> Vec<LiveMessage> {
    let mut out: Vec<LiveMessage> = parsed
        .rows
        .iter()
        .map(|e| {
            LiveMessage::Liquidation(LiqEvent {
                exchange,
                time_ms: e.time_ms,
                price: e.price,
                usd: usd(e),
                side: e.side,
            })
        })
        .collect();
    if parsed.dropped > 0 {
        out.push(LiveMessage::Dropped(parsed.dropped));
    }
    out
}

/// Base units × price: what a linear contract's liquidation is worth.
fn linear_usd(e: &LiquidationEvent) -> f64 {
    e.base * e.price
}

/// Candle rows as messages; `None` rows (invalid) become one `Dropped`.
fn candles(rows: impl IntoIterator<Item = Option<CandleUpdate>>) -> Vec<LiveMessage> {
    let mut dropped = 0;
    let mut out = Vec::new();
    for row in rows {
        match row {
            Some(c) => out.push(LiveMessage::Candle(c)),
            None => dropped += 1,
        }
    }
    if dropped > 0 {
        out.push(LiveMessage::Dropped(dropped));
    }
    out
}

/// Turns a stream of candle updates into closed candles for
/// [`crate::engine::append_candle`]: a candle is closed when the
/// exchange says so, or when an update for a later candle arrives. Each
/// closed candle comes out once. Where the next candle carries the open
/// interest at its open, that is the closed candle's open interest at close.
#[derive(Clone, Debug, Default)]
pub struct CandleCloser {
    forming: Option<CandleUpdate>,
    last_closed_ms: Option<i64>,
}

impl CandleCloser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one update; returns the candle it closed, if any.
    pub fn offer(&mut self, update: CandleUpdate) -> Option<LiveCandle> {
        let t = update.candle.open_time_ms;
        if self.last_closed_ms.is_some_and(|last| t <= last) {
            return None; // a late update of a candle already out
        }
        let mut out = match self.forming.take() {
            Some(f) if f.candle.open_time_ms < t => Some(LiveCandle {
                candle: f.candle,
                mark: None,
                open_interest: update.open_interest_at_open,
            }),
            _ => None, // nothing forming, or an update of the same candle
        };
        if out.is_none() && update.closed {
            out = Some(LiveCandle::from(update.candle));
        } else {
            // Forming (or final but one closing per update: out next time).
            self.forming = Some(update);
        }
        if let Some(c) = &out {
            self.last_closed_ms = Some(c.candle.open_time_ms);
        }
        out
    }
}

/// Reconnect delay after `attempt` failures in a row (0 for the first):
/// doubling from 500 ms up to 30 s, the upper half jittered by `random`
/// (uniform in `[0, 1)`, supplied by the caller so this stays pure), so that
/// many pages do not reconnect in step after an exchange outage.
pub fn backoff_ms(attempt: u32, random: f64) -> u64 {
    const BASE_MS: u64 = 500;
    const CAP_MS: u64 = 30_000;
    let ceiling = BASE_MS.saturating_mul(1u64 << attempt.min(16)).min(CAP_MS);
    let random = if random.is_finite() {
        random.clamp(0.0, 1.0)
    } else {
        0.5
    };
    ceiling / 2 + ((ceiling / 2) as f64 * random) as u64
}

/// Closed candles waiting for their open interest, per exchange: streams
/// other than dYdX's carry none, so the page asks the exchange about the
/// first candle waiting and holds those that close meanwhile. They carry the
/// answer forward, as a fresh load forward-fills a missing point.
#[derive(Clone, Debug, Default)]
pub struct AwaitingOpenInterest {
    waiting: Vec<(Exchange, Vec<LiveCandle>)>,
}

impl AwaitingOpenInterest {
    /// Holds `candle`; true when the page should ask `exchange` about it now
    /// (nothing was waiting, so no request is out).
    pub fn hold(&mut self, exchange: Exchange, candle: LiveCandle) -> bool {
        match self.waiting.iter_mut().find(|(e, _)| *e == exchange) {
            Some((_, candles)) => {
                candles.push(candle);
                candles.len() == 1
            }
            None => {
                self.waiting.push((exchange, vec![candle]));
                true
            }
        }
    }

    /// The answer about the first candle (`None` if the request failed):
    /// the candles to append, in order.
    pub fn release(&mut self, exchange: Exchange, open_interest: Option<f64>) -> Vec<LiveCandle> {
        let Some((_, candles)) = self.waiting.iter_mut().find(|(e, _)| *e == exchange) else {
            return Vec::new();
        };
        let mut out = std::mem::take(candles);
        if let Some(first) = out.first_mut() {
            first.open_interest = first.open_interest.or(open_interest);
        }
        out
    }

    /// A new load: what was waiting belongs to the old one.
    pub fn clear(&mut self) {
        self.waiting.clear();
    }
}

/// The latest events, at most `capacity` of them: memory stays bounded
/// however long the page stays open.
#[derive(Clone, Debug)]
pub struct EventRing<T> {
    items: VecDeque<T>,
    capacity: usize,
    evicted: u64,
}

impl<T> EventRing<T> {
    /// A ring of `capacity` items (at least 1).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        EventRing {
            items: VecDeque::with_capacity(capacity),
            capacity,
            evicted: 0,
        }
    }

    /// Adds `item`, dropping the oldest when full.
    pub fn push(&mut self, item: T) {
        if self.items.len() == self.capacity {
            self.items.pop_front();
            self.evicted += 1;
        }
        self.items.push_back(item);
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many items were pushed out since creation.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }
}

#[cfg(test)]
mod tests;
