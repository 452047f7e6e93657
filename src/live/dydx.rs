//! dYdX v4 indexer: `wss://indexer.dydx.trade/v4/ws`, and the REST trades
//! page for the liquidations before the page opened.
//!
//! - Liquidations: `v4_trades` for the market; the trades whose `type` is
//!   `LIQUIDATED` (others are skipped, not counted). The subscription's
//!   first answer repeats recent trades: the caller drops events it has.
//! - Candles: `v4_candles` with id `<market>/<resolution>`; no "final" flag
//!   (see [`super::CandleCloser`]), but each carries the open interest at
//!   its open, which closes the previous candle's open interest.
//! - Heartbeat: the server sends protocol pings every 30 s that the browser
//!   answers by itself: nothing to send.

use crate::json_text::Json::{Object, Text};
use serde_json::Value;

use super::{candles, linear_usd, liquidations, CandleUpdate, Connection, LiveError, LiveMessage};
use crate::exchanges::{
    dydx::{candle_with_open_interest, liquidation_trades},
    enc, json_fields, trim_base, Exchange, Fields, Instrument, Resolution, Unfit,
};
use crate::time::{utc_text, Precision};

const EX: Exchange = Exchange::Dydx;
pub const URL: &str = "wss://indexer.dydx.trade/v4/ws";
/// Rows per REST trades page: the indexer's maximum, 1000 (its
/// `limit` query parameter; the default is 100).
pub const TRADES_PAGE: usize = 1000;

/// `{"type":"subscribe","channel":"v4_trades","id":"BTC-USD"}` and
/// `{"type":"subscribe","channel":"v4_candles","id":"BTC-USD/5MINS"}`.
pub fn subscribe(market: &str, resolution: Resolution) -> Vec<String> {
    let candles = format!("{market}/{}", resolution.spelling(EX));
    let subscribe = |channel, id| {
        Object(vec![
            ("type", Text("subscribe")),
            ("channel", Text(channel)),
            ("id", Text(id)),
        ])
        .text()
    };
    vec![
        subscribe("v4_trades", market),
        subscribe("v4_candles", &candles),
    ]
}

pub fn connection(instrument: &Instrument, resolution: Resolution) -> Connection {
    let subscribe = subscribe(&instrument.symbol, resolution);
    Connection::new(URL, subscribe, None, resolution)
}

/// `GET {base}/trades/perpetualMarket/{market}?limit=100`, newest first;
/// the next (older) page starts at the oldest trade's time: pass it as
/// `before_ms` (`createdBeforeOrAt`, inclusive: the caller drops repeats).
pub fn trades_url(base_url: &str, market: &str, before_ms: Option<i64>) -> String {
    let mut url = format!(
        "{}/trades/perpetualMarket/{}?limit={TRADES_PAGE}",
        trim_base(base_url),
        enc(market)
    );
    if let Some(t) = before_ms {
        url.push_str(&format!(
            "&createdBeforeOrAt={}",
            enc(&utc_text(t, Precision::Milli))
        ));
    }
    url
}

/// Liquidations in a REST trades page (`dydx_trades.json`'s shape).
pub fn parse_trades_page(body: &str) -> Result<Vec<LiveMessage>, LiveError> {
    crate::exchanges::classify_body(EX, body)?;
    let what = "trades";
    let page = json_fields(EX, body, what, CONTENTS)?;
    let page = Contents::from_fields(page).map_err(|e| e.at(EX, what))?;
    Ok(trades(page))
}

/// Frames carry `type`:
/// ```json
/// {"type":"connected","connection_id":"004a1efa-21bb-4b19-a2e9-a8ffadd6dc53","message_id":0}
/// {"type":"subscribed","connection_id":"…","message_id":1,"channel":"v4_trades",
///  "id":"BTC-USD","contents":{"trades":[…]}}
/// {"type":"channel_data","connection_id":"…","message_id":2,"id":"BTC-USD",
///  "channel":"v4_trades","version":"2.1.0","contents":{"trades":[{"id":"…",
///  "size":"0.0501","price":"115732","side":"SELL","createdAt":"2025-07-25T05:11:09.800Z",
///  "type":"LIQUIDATED","createdAtHeight":"44849951"}]}}
/// {"type":"channel_batch_data", …, "contents":[{"trades":[…]}, …]}
/// {"type":"error","message":"Invalid subscribe message: channel is not a string","connection_id":"…"}
/// ```
/// `v4_candles` data: `contents` is one candle object (the REST candle's
/// shape, `startingOpenInterest` included); its `subscribed` answer holds
/// `{"candles":[…]}`.
/// (`type` required, `channel`, if there, a string.)
struct Frame {
    kind: String,
    channel: String,
    message: Option<Value>,
    contents: Option<Value>,
}

impl Frame {
    fn read(text: &str) -> Result<Frame, LiveError> {
        let mut frame = super::frame(EX, text, &["type", "channel", "message", "contents"])?;
        let unfit = |e| LiveError::unfit(EX, e);
        Ok(Frame {
            kind: frame.required_text("type").map_err(unfit)?,
            channel: frame.text("channel").map_err(unfit)?,
            message: frame.value("message"),
            contents: frame.value("contents"),
        })
    }
}

/// The fields of [`Contents`], in order.
const CONTENTS: &[&str] = &["trades", "candles"];

/// What `contents` may hold (each, if there, an array).
#[derive(Default)]
struct Contents {
    trades: Vec<Value>,
    candles: Vec<Value>,
}

impl Contents {
    fn of(v: Value) -> Result<Contents, Unfit> {
        Contents::from_fields(Fields::of(v, CONTENTS)?)
    }

    fn from_fields(mut f: Fields) -> Result<Contents, Unfit> {
        Ok(Contents {
            trades: f.rows("trades")?,
            candles: f.rows("candles")?,
        })
    }
}

/// The liquidations among trades. dYdX's `side` is the taker's, and the
/// taker of a liquidation is the liquidated account closing out: `SELL`
/// means a long was liquidated.
fn trades(contents: Contents) -> Vec<LiveMessage> {
    liquidations(EX, liquidation_trades(contents.trades), linear_usd)
}

fn candle(row: Value) -> Option<CandleUpdate> {
    let (candle, open_interest_at_open) = candle_with_open_interest(row)?;
    Some(CandleUpdate {
        exchange: EX,
        candle,
        closed: false,
        open_interest_at_open,
    })
}

/// One frame (the connection carries this market only).
pub fn parse(text: &str) -> Result<Vec<LiveMessage>, LiveError> {
    let frame = Frame::read(text)?;
    let contents = match frame.kind.as_str() {
        "connected" | "unsubscribed" => return Ok(vec![LiveMessage::Ack]),
        "error" => {
            return Err(LiveError::Refused {
                exchange: EX,
                code: "error".into(),
                message: super::text(frame.message.as_ref()),
            })
        }
        "subscribed" | "channel_data" | "channel_batch_data" => frame.contents,
        _ => return Ok(vec![LiveMessage::Ignored]),
    };
    let batch = match contents {
        Some(Value::Array(batch)) if frame.kind == "channel_batch_data" => batch,
        Some(one) => vec![one],
        None => return Err(LiveError::malformed(EX, "data without contents")),
    };
    let mut out = Vec::new();
    if frame.kind == "subscribed" {
        out.push(LiveMessage::Ack);
    }
    for item in batch {
        match frame.channel.as_str() {
            "v4_trades" => {
                let contents = Contents::of(item).map_err(|e| LiveError::unfit(EX, e))?;
                out.extend(trades(contents));
            }
            "v4_candles" => {
                let rows = match Contents::of(item.clone()) {
                    Ok(c) if !c.candles.is_empty() => c.candles,
                    _ => vec![item],
                };
                out.extend(candles(rows.into_iter().map(candle)));
            }
            _ => out.push(LiveMessage::Ignored),
        }
    }
    if out.is_empty() {
        out.push(LiveMessage::Ignored);
    }
    Ok(out)
}

#[cfg(test)]
pub(super) mod tests;
