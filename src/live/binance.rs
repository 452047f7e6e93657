//! Binance USD-M futures: `wss://fstream.binance.com/market/ws` (the old
//! `/ws` paths were retired in 2026).
//!
//! - Liquidations: `<symbol>@forceOrder`. Binance pushes at most one per
//!   symbol per second (the largest), so totals undercount.
//! - Candles: `<symbol>@kline_<interval>`, `x: true` on the final update.
//! - Heartbeat: the server sends protocol pings that the browser answers by
//!   itself: nothing to send. Connections are closed after 24 h: reconnect.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    candles, linear_usd, liquidations, text, CandleUpdate, Connection, LiveError, LiveMessage,
};
use crate::exchanges::{
    binance::parse_force_order, validate_candle, Exchange, Instrument, Num, Parsed, RawCandle,
    Resolution, Ts,
};

const EX: Exchange = Exchange::Binance;
pub const URL: &str = "wss://fstream.binance.com/market/ws";

/// `{"method":"SUBSCRIBE","params":["btcusdt@forceOrder","btcusdt@kline_5m"],"id":1}`
/// (stream names are lower case).
pub fn subscribe(symbol: &str, resolution: Resolution) -> String {
    let s = symbol.to_ascii_lowercase();
    let kline = format!("{s}@kline_{}", resolution.spelling(EX));
    json!({"method": "SUBSCRIBE", "params": [format!("{s}@forceOrder"), kline], "id": 1})
        .to_string()
}

pub fn connection(instrument: &Instrument, resolution: Resolution) -> Connection {
    Connection {
        url: URL.to_string(),
        subscribe: vec![subscribe(&instrument.symbol, resolution)],
        heartbeat: None,
    }
}

/// What tells the frames apart: the event type `e`, or `id` for answers to
/// our requests (`{"result":null,"id":1}`; errors
/// `{"code":2,"msg":"Invalid request","id":1}` or under `error`).
#[derive(Deserialize)]
struct Frame {
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    msg: Option<Value>,
    #[serde(default)]
    error: Option<ErrorBody>,
    #[serde(default)]
    k: Option<Value>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    msg: Option<Value>,
}

/// `<symbol>@kline_<interval>` message:
/// ```json
/// {"e":"kline","E":1638747660000,"s":"BTCUSDT","k":{"t":1638747660000,
///  "T":1638747719999,"s":"BTCUSDT","i":"1m","f":100,"L":200,"o":"0.0010",
///  "c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","n":100,"x":false,
///  "q":"1.0000","V":"500","Q":"0.500","B":"123456"}}
/// ```
/// `v` base volume, `q` quote volume, `V` taker-buy base volume.
#[derive(Deserialize)]
struct Kline {
    #[serde(default)]
    t: Ts,
    #[serde(default)]
    o: Num,
    #[serde(default)]
    h: Num,
    #[serde(default)]
    l: Num,
    #[serde(default)]
    c: Num,
    #[serde(default)]
    v: Num,
    #[serde(default)]
    q: Num,
    #[serde(default, rename = "V")]
    taker_buy: Num,
    #[serde(default)]
    x: bool,
}

fn kline(k: Kline) -> Option<CandleUpdate> {
    let candle = validate_candle(RawCandle {
        open_time: k.t.0,
        open: k.o.0,
        high: k.h.0,
        low: k.l.0,
        close: k.c.0,
        base_volume: k.v.0,
        quote_volume: k.q.0,
        taker_buy_base: k.taker_buy.0,
        has_taker: true,
    })?;
    Some(CandleUpdate {
        exchange: EX,
        candle,
        closed: k.x,
        open_interest_at_open: None,
    })
}

/// One frame. Liquidations (`forceOrder`, see
/// [`crate::exchanges::binance::parse_force_order`]: `S:"SELL"` is the
/// liquidation order selling out a long, so a long was liquidated).
pub fn parse(text: &str) -> Result<Vec<LiveMessage>, LiveError> {
    let frame: Frame = super::frame(EX, text)?;
    if let Some(error) = frame.error {
        return Err(refused(error.code, error.msg));
    }
    match frame.e.as_deref() {
        Some("forceOrder") => {
            let event = parse_force_order(text)?;
            let parsed = Parsed {
                rows: vec![event],
                dropped: 0,
            };
            Ok(liquidations(EX, parsed, linear_usd))
        }
        Some("kline") => {
            let k = frame
                .k
                .ok_or_else(|| LiveError::malformed(EX, "kline without k"))?;
            let k = serde_json::from_value::<Kline>(k).ok();
            Ok(candles([k.and_then(kline)]))
        }
        Some(_) => Ok(vec![LiveMessage::Ignored]),
        None if frame.code.is_some() => Err(refused(frame.code, frame.msg)),
        None if frame.id.is_some() => Ok(vec![LiveMessage::Ack]),
        None => Err(LiveError::malformed(EX, "neither an event nor an answer")),
    }
}

fn refused(code: Option<Value>, msg: Option<Value>) -> LiveError {
    LiveError::Refused {
        exchange: EX,
        code: text(code.as_ref()),
        message: text(msg.as_ref()),
    }
}

#[cfg(test)]
pub(super) mod tests;
