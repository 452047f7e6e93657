//! Bybit v5 public streams: `wss://stream.bybit.com/v5/public/linear`
//! (`/inverse` for coin-margined contracts).
//!
//! - Liquidations: `allLiquidation.<SYMBOL>` (every liquidation, batched).
//! - Candles: `kline.<interval>.<SYMBOL>`, `confirm: true` on the final update.
//! - Heartbeat: `{"op":"ping"}` every 20 s (Bybit drops silent connections).

use crate::json_text::Json::{List, Object, Text};
use serde_json::Value;

use super::{candles, liquidations, CandleUpdate, Connection, Heartbeat, LiveError, LiveMessage};
use crate::engine::ContractKind;
use crate::exchanges::{
    bybit::all_liquidation, validate_candle, Exchange, Fields, Instrument, LiquidationEvent,
    RawCandle, Resolution,
};

const EX: Exchange = Exchange::Bybit;
pub const LINEAR_URL: &str = "wss://stream.bybit.com/v5/public/linear";
pub const INVERSE_URL: &str = "wss://stream.bybit.com/v5/public/inverse";
pub const HEARTBEAT: Heartbeat = Heartbeat {
    text: r#"{"op":"ping"}"#,
    every_ms: 20_000,
};

/// `{"op":"subscribe","args":["allLiquidation.BTCUSDT","kline.5.BTCUSDT"]}`
pub fn subscribe(symbol: &str, resolution: Resolution) -> String {
    let kline = format!("kline.{}.{symbol}", resolution.spelling(EX));
    let liquidations = format!("allLiquidation.{symbol}");
    Object(vec![
        ("op", Text("subscribe")),
        ("args", List(vec![Text(&liquidations), Text(&kline)])),
    ])
    .text()
}

pub fn connection(instrument: &Instrument, resolution: Resolution) -> Connection {
    let url = match instrument.kind {
        ContractKind::Linear => LINEAR_URL,
        ContractKind::Inverse => INVERSE_URL,
    };
    let subscribe = vec![subscribe(&instrument.symbol, resolution)];
    Connection::new(url, subscribe, Some(HEARTBEAT), resolution)
}

/// `kline.5.BTCUSDT` message:
/// ```json
/// {"topic":"kline.5.BTCUSDT","data":[{"start":1672324800000,"end":1672325099999,
///  "interval":"5","open":"16649.5","close":"16677","high":"16677","low":"16608",
///  "volume":"2.081","turnover":"34666.4005","confirm":false,"timestamp":1672324988882}],
///  "ts":1672324988882,"type":"snapshot"}
/// ```
/// Linear: volume in base, turnover in USD; inverse: the other way round.
fn kline(row: Value, kind: ContractKind) -> Option<CandleUpdate> {
    let names = [
        "start", "open", "high", "low", "close", "volume", "turnover", "confirm",
    ];
    let k = Fields::of(row, &names).ok()?;
    let closed = k.flag("confirm").ok()?;
    let (volume, turnover) = (k.num("volume"), k.num("turnover"));
    let (base_volume, quote_volume) = match kind {
        ContractKind::Linear => (volume, turnover),
        ContractKind::Inverse => (turnover, volume),
    };
    let candle = validate_candle(RawCandle {
        open_time: k.ts("start"),
        open: k.num("open"),
        high: k.num("high"),
        low: k.num("low"),
        close: k.num("close"),
        base_volume,
        quote_volume,
        taker_buy_base: None,
        has_taker: false,
    })?;
    Some(CandleUpdate {
        exchange: EX,
        candle,
        closed,
        open_interest_at_open: None,
    })
}

/// Answers carry `op`:
/// ```json
/// {"success":true,"ret_msg":"pong","conn_id":"0970e817","req_id":"","op":"ping"}
/// {"success":true,"ret_msg":"","conn_id":"a403c8e5","req_id":"","op":"subscribe"}
/// ```
/// data messages `topic` (see `kline` and
/// [`crate::exchanges::bybit::parse_all_liquidation`]).
///
/// One frame of a connection for `instrument`. Liquidations: Bybit's `S`
/// is the *position's* side (`Buy` = a long was liquidated, the opposite of
/// Binance); `v` is base units (linear) or USD contracts (inverse).
pub fn parse(text: &str, instrument: &Instrument) -> Result<Vec<LiveMessage>, LiveError> {
    let mut frame = super::frame(EX, text, &["op", "success", "ret_msg", "topic", "data"])?;
    let unfit = |e| LiveError::unfit(EX, e);
    let op = frame.opt_text("op").map_err(unfit)?;
    let success = frame.opt_flag("success").map_err(unfit)?;
    let ret_msg = frame.value("ret_msg");
    let topic = frame.opt_text("topic").map_err(unfit)?;
    let data = frame.value("data");
    if let Some(op) = op.as_deref() {
        if success == Some(false) {
            return Err(LiveError::Refused {
                exchange: EX,
                code: op.to_string(),
                message: super::text(ret_msg.as_ref()),
            });
        }
        return Ok(vec![match op {
            "ping" | "pong" => LiveMessage::Pong,
            _ => LiveMessage::Ack,
        }]);
    }
    let topic = topic.ok_or_else(|| LiveError::malformed(EX, "neither an answer nor a topic"))?;
    let Some((channel, symbol)) = topic.split_once('.') else {
        return Ok(vec![LiveMessage::Ignored]);
    };
    match channel {
        "allLiquidation" if symbol == instrument.symbol => {
            let usd = |e: &LiquidationEvent| match instrument.kind {
                ContractKind::Linear => e.base * e.price,
                ContractKind::Inverse => e.base * instrument.contract_size,
            };
            // Read from an array (as serde reads a struct too), the frame
            // holds no liquidation message.
            if frame.positional() {
                return Err(LiveError::malformed(
                    EX,
                    "liquidation message: not an object",
                ));
            }
            Ok(liquidations(EX, all_liquidation(data)?, usd))
        }
        "kline" if symbol.split_once('.').map(|(_, s)| s) == Some(instrument.symbol.as_str()) => {
            let Some(Value::Array(rows)) = data else {
                return Err(LiveError::malformed(EX, "kline without data"));
            };
            Ok(candles(rows.into_iter().map(|r| kline(r, instrument.kind))))
        }
        _ => Ok(vec![LiveMessage::Ignored]),
    }
}

#[cfg(test)]
pub(super) mod tests;
