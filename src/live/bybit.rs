//! Bybit v5 public streams: `wss://stream.bybit.com/v5/public/linear`
//! (`/inverse` for coin-margined contracts).
//!
//! - Liquidations: `allLiquidation.<SYMBOL>` (every liquidation, batched).
//! - Candles: `kline.<interval>.<SYMBOL>`, `confirm: true` on the final update.
//! - Heartbeat: `{"op":"ping"}` every 20 s (Bybit drops silent connections).

use serde::Deserialize;
use serde_json::{json, Value};

use super::{candles, liquidations, CandleUpdate, Connection, Heartbeat, LiveError, LiveMessage};
use crate::engine::ContractKind;
use crate::exchanges::{
    bybit::parse_all_liquidation, validate_candle, Exchange, Instrument, LiquidationEvent, Num,
    RawCandle, Resolution, Ts,
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
    json!({"op": "subscribe", "args": [format!("allLiquidation.{symbol}"), kline]}).to_string()
}

pub fn connection(instrument: &Instrument, resolution: Resolution) -> Connection {
    let url = match instrument.kind {
        ContractKind::Linear => LINEAR_URL,
        ContractKind::Inverse => INVERSE_URL,
    };
    Connection {
        url: url.to_string(),
        subscribe: vec![subscribe(&instrument.symbol, resolution)],
        heartbeat: Some(HEARTBEAT),
    }
}

/// Answers carry `op`:
/// ```json
/// {"success":true,"ret_msg":"pong","conn_id":"0970e817","req_id":"","op":"ping"}
/// {"success":true,"ret_msg":"","conn_id":"a403c8e5","req_id":"","op":"subscribe"}
/// ```
/// data messages `topic` (see [`Kline`] and [`parse_all_liquidation`]).
#[derive(Deserialize)]
struct Frame {
    #[serde(default)]
    op: Option<String>,
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    ret_msg: Option<Value>,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    data: Option<Value>,
}

/// `kline.5.BTCUSDT` message:
/// ```json
/// {"topic":"kline.5.BTCUSDT","data":[{"start":1672324800000,"end":1672325099999,
///  "interval":"5","open":"16649.5","close":"16677","high":"16677","low":"16608",
///  "volume":"2.081","turnover":"34666.4005","confirm":false,"timestamp":1672324988882}],
///  "ts":1672324988882,"type":"snapshot"}
/// ```
/// Linear: volume in base, turnover in USD; inverse: the other way round.
#[derive(Deserialize)]
struct Kline {
    #[serde(default)]
    start: Ts,
    #[serde(default)]
    open: Num,
    #[serde(default)]
    high: Num,
    #[serde(default)]
    low: Num,
    #[serde(default)]
    close: Num,
    #[serde(default)]
    volume: Num,
    #[serde(default)]
    turnover: Num,
    #[serde(default)]
    confirm: bool,
}

fn kline(row: Value, kind: ContractKind) -> Option<CandleUpdate> {
    let k: Kline = serde_json::from_value(row).ok()?;
    let (base_volume, quote_volume) = match kind {
        ContractKind::Linear => (k.volume.0, k.turnover.0),
        ContractKind::Inverse => (k.turnover.0, k.volume.0),
    };
    let candle = validate_candle(RawCandle {
        open_time: k.start.0,
        open: k.open.0,
        high: k.high.0,
        low: k.low.0,
        close: k.close.0,
        base_volume,
        quote_volume,
        taker_buy_base: None,
        has_taker: false,
    })?;
    Some(CandleUpdate {
        exchange: EX,
        candle,
        closed: k.confirm,
        open_interest_at_open: None,
    })
}

/// One frame of a connection for `instrument`. Liquidations: Bybit's `S`
/// is the *position's* side (`Buy` = a long was liquidated, the opposite of
/// Binance); `v` is base units (linear) or USD contracts (inverse).
pub fn parse(text: &str, instrument: &Instrument) -> Result<Vec<LiveMessage>, LiveError> {
    let frame: Frame = super::frame(EX, text)?;
    if let Some(op) = frame.op.as_deref() {
        if frame.success == Some(false) {
            return Err(LiveError::Refused {
                exchange: EX,
                code: op.to_string(),
                message: super::text(frame.ret_msg.as_ref()),
            });
        }
        return Ok(vec![match op {
            "ping" | "pong" => LiveMessage::Pong,
            _ => LiveMessage::Ack,
        }]);
    }
    let topic = frame
        .topic
        .ok_or_else(|| LiveError::malformed(EX, "neither an answer nor a topic"))?;
    let Some((channel, symbol)) = topic.split_once('.') else {
        return Ok(vec![LiveMessage::Ignored]);
    };
    match channel {
        "allLiquidation" if symbol == instrument.symbol => {
            let usd = |e: &LiquidationEvent| match instrument.kind {
                ContractKind::Linear => e.base * e.price,
                ContractKind::Inverse => e.base * instrument.contract_size,
            };
            Ok(liquidations(EX, parse_all_liquidation(text)?, usd))
        }
        "kline" if symbol.split_once('.').map(|(_, s)| s) == Some(instrument.symbol.as_str()) => {
            let Some(Value::Array(rows)) = frame.data else {
                return Err(LiveError::malformed(EX, "kline without data"));
            };
            Ok(candles(rows.into_iter().map(|r| kline(r, instrument.kind))))
        }
        _ => Ok(vec![LiveMessage::Ignored]),
    }
}

#[cfg(test)]
pub(super) mod tests;
