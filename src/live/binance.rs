//! Binance USD-M futures: `wss://fstream.binance.com/market/ws` (the old
//! `/ws` paths were retired in 2026).
//!
//! - Liquidations: `<symbol>@forceOrder`. Binance pushes at most one per
//!   symbol per second (the largest), so totals undercount.
//! - Candles: `<symbol>@kline_<interval>`, `x: true` on the final update.
//! - Heartbeat: the server sends protocol pings that the browser answers by
//!   itself: nothing to send. Connections are closed after 24 h: reconnect.

use crate::json_text::Json::{Int, List, Object, Text};
use serde_json::Value;

use super::{
    candles, linear_usd, liquidations, text, CandleUpdate, Connection, LiveError, LiveMessage,
};
use crate::exchanges::{
    binance::force_order, validate_candle, Exchange, Fields, Instrument, Parsed, RawCandle,
    Resolution,
};

const EX: Exchange = Exchange::Binance;
pub const URL: &str = "wss://fstream.binance.com/market/ws";

/// `{"method":"SUBSCRIBE","params":["btcusdt@forceOrder","btcusdt@kline_5m"],"id":1}`
/// (stream names are lower case).
pub fn subscribe(symbol: &str, resolution: Resolution) -> String {
    let s = symbol.to_ascii_lowercase();
    let kline = format!("{s}@kline_{}", resolution.spelling(EX));
    let liquidations = format!("{s}@forceOrder");
    Object(vec![
        ("method", Text("SUBSCRIBE")),
        ("params", List(vec![Text(&liquidations), Text(&kline)])),
        ("id", Int(1)),
    ])
    .text()
}

pub fn connection(instrument: &Instrument, resolution: Resolution) -> Connection {
    let subscribe = vec![subscribe(&instrument.symbol, resolution)];
    Connection::new(URL, subscribe, None, resolution)
}

/// `<symbol>@kline_<interval>` message:
/// ```json
/// {"e":"kline","E":1638747660000,"s":"BTCUSDT","k":{"t":1638747660000,
///  "T":1638747719999,"s":"BTCUSDT","i":"1m","f":100,"L":200,"o":"0.0010",
///  "c":"0.0020","h":"0.0025","l":"0.0015","v":"1000","n":100,"x":false,
///  "q":"1.0000","V":"500","Q":"0.500","B":"123456"}}
/// ```
/// `v` base volume, `q` quote volume, `V` taker-buy base volume (`x`, if
/// there, a boolean).
fn kline(k: Value) -> Option<CandleUpdate> {
    let k = Fields::of(k, &["t", "o", "h", "l", "c", "v", "q", "V", "x"]).ok()?;
    let closed = k.flag("x").ok()?;
    let candle = validate_candle(RawCandle {
        open_time: k.ts("t"),
        open: k.num("o"),
        high: k.num("h"),
        low: k.num("l"),
        close: k.num("c"),
        base_volume: k.num("v"),
        quote_volume: k.num("q"),
        taker_buy_base: k.num("V"),
        has_taker: true,
    })?;
    Some(CandleUpdate {
        exchange: EX,
        candle,
        closed,
        open_interest_at_open: None,
    })
}

/// One frame. Liquidations (`forceOrder`, see
/// [`crate::exchanges::binance::parse_force_order`]: `S:"SELL"` is the
/// liquidation order selling out a long, so a long was liquidated).
///
/// What tells the frames apart: the event type `e` (if there, a string), or
/// `id` for answers to our requests (`{"result":null,"id":1}`; errors
/// `{"code":2,"msg":"Invalid request","id":1}` or under `error`, if there,
/// an object).
pub fn parse(text: &str) -> Result<Vec<LiveMessage>, LiveError> {
    let mut frame = super::frame(EX, text, &["e", "id", "code", "msg", "error", "k"])?;
    let unfit = |e| LiveError::unfit(EX, e);
    let e = frame.opt_text("e").map_err(unfit)?;
    let id = frame.value("id");
    let code = frame.value("code");
    let msg = frame.value("msg");
    let error = frame.opt_fields("error", &["code", "msg"]).map_err(unfit)?;
    let k = frame.value("k");
    if let Some(mut error) = error {
        return Err(refused(error.value("code"), error.value("msg")));
    }
    match e.as_deref() {
        Some("forceOrder") => {
            let event = force_order(frame)?;
            let parsed = Parsed {
                rows: vec![event],
                dropped: 0,
            };
            Ok(liquidations(EX, parsed, linear_usd))
        }
        Some("kline") => {
            let k = k.ok_or_else(|| LiveError::malformed(EX, "kline without k"))?;
            Ok(candles([kline(k)]))
        }
        Some(_) => Ok(vec![LiveMessage::Ignored]),
        None if code.is_some() => Err(refused(code, msg)),
        None if id.is_some() => Ok(vec![LiveMessage::Ack]),
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
