//! Live liquidations kept across reloads: the last [`KEEP_MS`] of them, one
//! text line each. The line is also the record's key: it starts with the
//! time (13 digits), so keys sort by time and older events go with one key
//! range, and an event seen twice (a replay, two tabs) is kept once.
//! Prices and sizes are written as their bits: exact, and no float printer
//! or parser in the page.

use crate::exchanges::{Exchange, Side};
use crate::live::LiqEvent;

/// How long live events are kept.
pub const KEEP_MS: i64 = 30 * 24 * 3600 * 1000;
/// An event stamped further ahead than this is refused (a clock gone wrong).
const FUTURE_SLACK_MS: i64 = 24 * 3600 * 1000;

/// The line `event` on the instrument `symbol` is kept as; `None` for a
/// symbol that could not be read back (it holds the separator).
pub fn encode(symbol: &str, event: &LiqEvent) -> Option<String> {
    if symbol.is_empty() || symbol.contains('|') {
        return None;
    }
    let side = match event.side {
        Side::Long => 'L',
        Side::Short => 'S',
    };
    Some(format!(
        "{:013}|{}|{symbol}|{side}|{}|{}",
        event.time_ms.max(0),
        event.exchange.id(),
        event.price.to_bits(),
        event.usd.to_bits()
    ))
}

/// The key below which every event is older than [`KEEP_MS`] at `now_ms`.
pub fn expiry_key(now_ms: i64) -> String {
    format!("{:013}", now_ms.saturating_sub(KEEP_MS).max(0))
}

/// The instrument and event a kept line holds, if it is one that could
/// have been received by `now_ms`: a known exchange and side, a time within
/// the kept period, a positive finite price and size. Anything else is
/// dropped.
pub fn decode(line: &str, now_ms: i64) -> Option<(String, LiqEvent)> {
    let mut fields = line.split('|');
    let time_ms: i64 = fields.next()?.parse().ok()?;
    let exchange = Exchange::from_id(fields.next()?)?;
    let symbol = fields.next().filter(|s| !s.is_empty())?.to_string();
    let side = match fields.next()? {
        "L" => Side::Long,
        "S" => Side::Short,
        _ => return None,
    };
    let price = f64::from_bits(fields.next()?.parse().ok()?);
    let usd = f64::from_bits(fields.next()?.parse().ok()?);
    let recent = time_ms >= now_ms.saturating_sub(KEEP_MS)
        && time_ms <= now_ms.saturating_add(FUTURE_SLACK_MS);
    let sane = |x: f64| x.is_finite() && x > 0.0;
    let event = LiqEvent {
        exchange,
        time_ms,
        price,
        usd,
        side,
    };
    (fields.next().is_none() && recent && sane(price) && sane(usd)).then_some((symbol, event))
}

/// Lines waiting for their write at most. A burst faster than the browser
/// stores them (the soak's 1,700 a second left 74,000 waiting) would
/// otherwise hold every line in the page's memory, which never shrinks;
/// at a real stream's pace (tens a second) nothing waits this long.
pub const WAITING_MAX: usize = 20_000;

/// Adds `lines` to those `waiting` for their write, keeping the newest
/// [`WAITING_MAX`]: returns how many of the oldest were let go.
pub fn wait_for_write(waiting: &mut Vec<String>, lines: impl IntoIterator<Item = String>) -> usize {
    waiting.extend(lines);
    let over = waiting.len().saturating_sub(WAITING_MAX);
    waiting.drain(..over);
    over
}
