//! OKX v5: liquidations on the public endpoint, candles on the business one.
//!
//! - Liquidations: `liquidation-orders` with `instType: SWAP` streams every
//!   swap; those of other instruments are ignored. Sizes are contracts
//!   (× `ctVal`), prices the bankruptcy price.
//! - Candles: `candle<bar>` (e.g. `candle5m`) with `instId`, on
//!   `/ws/v5/business` since June 2023; `confirm` `"1"` marks the final one.
//! - Heartbeat: the text `ping` at least every 30 s; OKX answers `pong`.

use crate::json_text::Json::{self, List, Object, Text};
use serde_json::Value;

use super::{
    candles, linear_usd, liquidations, CandleUpdate, Connection, Heartbeat, LiveError, LiveMessage,
};
use crate::exchanges::{
    okx::{candle_row, liquidation_orders},
    Exchange, Instrument, Resolution,
};

const EX: Exchange = Exchange::Okx;
pub const PUBLIC_URL: &str = "wss://ws.okx.com:8443/ws/v5/public";
pub const BUSINESS_URL: &str = "wss://ws.okx.com:8443/ws/v5/business";
pub const HEARTBEAT: Heartbeat = Heartbeat {
    text: "ping",
    every_ms: 25_000,
};

/// `{"op":"subscribe","args":[{"channel":"liquidation-orders","instType":"SWAP"}]}`
pub fn subscribe_liquidations() -> String {
    subscribe(vec![
        ("channel", Text("liquidation-orders")),
        ("instType", Text("SWAP")),
    ])
}

/// `{"op":"subscribe","args":[{"channel":"candle5m","instId":"BTC-USDT-SWAP"}]}`
pub fn subscribe_candles(inst_id: &str, resolution: Resolution) -> String {
    let channel = format!("candle{}", resolution.spelling(EX));
    subscribe(vec![("channel", Text(&channel)), ("instId", Text(inst_id))])
}

fn subscribe(arg: Vec<(&str, Json)>) -> String {
    Object(vec![
        ("op", Text("subscribe")),
        ("args", List(vec![Object(arg)])),
    ])
    .text()
}

/// Two connections: liquidations (public) and candles (business).
pub fn connections(instrument: &Instrument, resolution: Resolution) -> Vec<Connection> {
    let connection = |url: &str, subscribe: String| {
        Connection::new(url, vec![subscribe], Some(HEARTBEAT), resolution)
    };
    vec![
        connection(PUBLIC_URL, subscribe_liquidations()),
        connection(
            BUSINESS_URL,
            subscribe_candles(&instrument.symbol, resolution),
        ),
    ]
}

/// Answers carry `event`:
/// ```json
/// {"event":"subscribe","arg":{"channel":"liquidation-orders","instType":"SWAP"},"connId":"a4d3ae55"}
/// {"event":"error","code":"60012","msg":"Invalid request: {...}","connId":"a4d3ae55"}
/// ```
/// data messages `arg` (if there, an object with `channel`) and `data`.
struct Frame {
    event: Option<String>,
    code: Option<Value>,
    msg: Option<Value>,
    /// `(channel, instId)`.
    arg: Option<(String, String)>,
    data: Option<Value>,
    /// Read from an array (as serde reads a struct too): then it holds no
    /// liquidation message.
    positional: bool,
}

impl Frame {
    fn read(text: &str) -> Result<Frame, LiveError> {
        let mut frame = super::frame(EX, text, &["event", "code", "msg", "arg", "data"])?;
        let unfit = |e| LiveError::unfit(EX, e);
        let arg = match frame
            .opt_fields("arg", &["channel", "instId"])
            .map_err(unfit)?
        {
            Some(mut arg) => Some((
                arg.required_text("channel").map_err(unfit)?,
                arg.text("instId").map_err(unfit)?,
            )),
            None => None,
        };
        Ok(Frame {
            event: frame.opt_text("event").map_err(unfit)?,
            code: frame.value("code"),
            msg: frame.value("msg"),
            arg,
            data: frame.value("data"),
            positional: frame.positional(),
        })
    }
}

/// Candle rows:
/// ```json
/// {"arg":{"channel":"candle5m","instId":"BTC-USDT-SWAP"},
///  "data":[["1597026383085","8533.02","8553.74","8527.17","8548.26","45247",
///  "529.5858061","5.21e6","0"]]}
/// ```
/// `[ts, o, h, l, c, vol (contracts), volCcy, volCcyQuote, confirm]`.
fn candle(row: Value, instrument: &Instrument) -> Option<CandleUpdate> {
    let Value::Array(row) = row else {
        return None;
    };
    let closed = match row.get(8).and_then(Value::as_str) {
        Some("1") => true,
        Some("0") => false,
        _ => return None,
    };
    Some(CandleUpdate {
        exchange: EX,
        candle: candle_row(&row, instrument)?,
        closed,
        open_interest_at_open: None,
    })
}

/// One frame of either connection. Liquidations: see
/// [`parse_liquidation_orders`] (`posSide` says which side was liquidated;
/// in net mode a `sell` order closes a long).
pub fn parse(text: &str, instrument: &Instrument) -> Result<Vec<LiveMessage>, LiveError> {
    if text.trim() == "pong" {
        return Ok(vec![LiveMessage::Pong]);
    }
    let frame = Frame::read(text)?;
    match frame.event.as_deref() {
        Some("error") => {
            return Err(LiveError::Refused {
                exchange: EX,
                code: super::text(frame.code.as_ref()),
                message: super::text(frame.msg.as_ref()),
            })
        }
        Some("subscribe" | "unsubscribe") => return Ok(vec![LiveMessage::Ack]),
        Some(_) => return Ok(vec![LiveMessage::Ignored]), // notices, connection counts
        None => {}
    }
    let (channel, inst_id) = frame
        .arg
        .ok_or_else(|| LiveError::malformed(EX, "neither an event nor a channel"))?;
    match channel.as_str() {
        "liquidation-orders" => {
            // Inverse sizes come as base = USD / price: × price is USD again.
            if frame.positional {
                return Err(LiveError::malformed(
                    EX,
                    "liquidation message: not an object",
                ));
            }
            let parsed = liquidation_orders(frame.data, instrument)?;
            Ok(match liquidations(EX, parsed, linear_usd) {
                none if none.is_empty() => vec![LiveMessage::Ignored],
                some => some,
            })
        }
        c if c.starts_with("candle") && inst_id == instrument.symbol => {
            let Some(Value::Array(rows)) = frame.data else {
                return Err(LiveError::malformed(EX, "candle without data"));
            };
            Ok(candles(rows.into_iter().map(|r| candle(r, instrument))))
        }
        _ => Ok(vec![LiveMessage::Ignored]),
    }
}

#[cfg(test)]
pub(super) mod tests;
