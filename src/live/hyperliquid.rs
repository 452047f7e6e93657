//! Hyperliquid: `wss://api.hyperliquid.xyz/ws`. There is no public
//! liquidation feed (liquidations are only visible as fills of the
//! accounts involved), so live mode takes only candles from here.
//!
//! - Candles: subscription `{"type":"candle","coin":...,"interval":...}`;
//!   updates carry no "final" flag: [`super::CandleCloser`] closes a candle
//!   when the next one starts.
//! - Heartbeat: `{"method":"ping"}`, answered by `{"channel":"pong"}`; the
//!   server closes a connection silent for 60 s, so every 50 s.

use crate::json_text::Json::{Object, Text};
use serde_json::Value;

use super::{candles, CandleUpdate, Connection, Heartbeat, LiveError, LiveMessage};
use crate::exchanges::{hyperliquid::candle_of_coin, Exchange, Instrument, Resolution};

const EX: Exchange = Exchange::Hyperliquid;
pub const URL: &str = "wss://api.hyperliquid.xyz/ws";
pub const HEARTBEAT: Heartbeat = Heartbeat {
    text: r#"{"method":"ping"}"#,
    every_ms: 50_000,
};

/// `{"method":"subscribe","subscription":{"type":"candle","coin":"BTC","interval":"5m"}}`
pub fn subscribe(coin: &str, resolution: Resolution) -> String {
    let subscription = Object(vec![
        ("type", Text("candle")),
        ("coin", Text(coin)),
        ("interval", Text(resolution.spelling(EX))),
    ]);
    Object(vec![
        ("method", Text("subscribe")),
        ("subscription", subscription),
    ])
    .text()
}

pub fn connection(instrument: &Instrument, resolution: Resolution) -> Connection {
    let subscribe = vec![subscribe(&instrument.symbol, resolution)];
    Connection::new(URL, subscribe, Some(HEARTBEAT), resolution)
}

/// Every frame is `{"channel": ..., "data": ...}`:
/// ```json
/// {"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"candle","coin":"BTC","interval":"5m"}}}
/// {"channel":"candle","data":{"t":1737331200000,"T":1737331499999,"s":"BTC","i":"5m",
///  "o":"20.184","c":"20.547","h":"22.755","l":"19.3","v":"10651612.71","n":278401}}
/// {"channel":"pong"}
/// {"channel":"error","data":"Invalid subscription"}
/// ```
///
/// One frame; candles of other coins are ignored.
pub fn parse(text: &str, instrument: &Instrument) -> Result<Vec<LiveMessage>, LiveError> {
    // `channel` required.
    let mut frame = super::frame(EX, text, &["channel", "data"])?;
    let channel = frame
        .required_text("channel")
        .map_err(|e| LiveError::unfit(EX, e))?;
    let data = frame.value("data");
    match channel.as_str() {
        "pong" => Ok(vec![LiveMessage::Pong]),
        "subscriptionResponse" => Ok(vec![LiveMessage::Ack]),
        "error" => Err(LiveError::Refused {
            exchange: EX,
            code: "error".into(),
            message: super::text(data.as_ref()),
        }),
        "candle" => {
            let rows = match data {
                Some(Value::Array(rows)) => rows,
                Some(row @ Value::Object(_)) => vec![row],
                _ => return Err(LiveError::malformed(EX, "candle without data")),
            };
            let mine = rows.into_iter().map(candle_of_coin).filter(|row| {
                row.as_ref()
                    .is_none_or(|(_, coin)| *coin == instrument.symbol)
            });
            let updates = mine.map(|row| {
                row.map(|(candle, _)| CandleUpdate {
                    exchange: EX,
                    candle,
                    closed: false,
                    open_interest_at_open: None,
                })
            });
            Ok(match candles(updates) {
                none if none.is_empty() => vec![LiveMessage::Ignored],
                some => some,
            })
        }
        _ => Ok(vec![LiveMessage::Ignored]),
    }
}

pub mod trades;

#[cfg(test)]
pub(super) mod tests;
