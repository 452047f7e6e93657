//! The coin's trades, for the accounts they name (measured positions, spec
//! section 10). Subscription `{"type":"trades","coin":…}`; each trade is a
//! `WsTrade` (Hyperliquid docs, "Websocket › Subscriptions",
//! <https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/websocket/subscriptions>):
//! ```text
//! interface WsTrade { coin: string; side: string; px: string; sz: string;
//!   hash: string; time: number; tid: number; users: [string, string] }
//! ```
//! `users` is `[buyer, seller]`. A frame:
//! ```json
//! {"channel":"trades","data":[{"coin":"BTC","side":"B","px":"97432.5","sz":"0.1",
//!  "hash":"0x6c7a…","time":1737331200000,"tid":293353986402527,
//!  "users":["0x31ca8395cf837de08b24da3f660e77761dfb974b","0xb8b8…c5d6"]}]}
//! ```

use serde_json::Value;

use super::{HEARTBEAT, URL};
use crate::exchanges::{positive, Fields, Resolution};
use crate::json_text::Json::{Object, Text};
use crate::live::{Connection, LiveError};
use crate::measured::Address;

use super::EX;

/// One trade's accounts and its USD (`px × sz`).
#[derive(Clone, Debug, PartialEq)]
pub struct TradeSeen {
    pub buyer: Address,
    pub seller: Address,
    pub usd: f64,
}

/// `{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}`
pub fn subscribe(coin: &str) -> String {
    let subscription = Object(vec![("type", Text("trades")), ("coin", Text(coin))]);
    Object(vec![
        ("method", Text("subscribe")),
        ("subscription", subscription),
    ])
    .text()
}

/// The trades stream of `coin` (its own socket: the candle one comes and
/// goes with loads, this one with the measured section).
pub fn connection(coin: &str) -> Connection {
    // The silence limit comes from the heartbeat; the resolution is unused.
    Connection::new(URL, vec![subscribe(coin)], Some(HEARTBEAT), Resolution::M1)
}

/// One frame: the trades of `coin` it carries whose two accounts are
/// addresses; other channels and coins give nothing, a trade that does not
/// fit is left out (it only costs an account found later).
pub fn parse_trades(text: &str, coin: &str) -> Result<Vec<TradeSeen>, LiveError> {
    let mut frame = crate::live::frame(EX, text, &["channel", "data"])?;
    if frame.get("channel").and_then(Value::as_str) != Some("trades") {
        return Ok(Vec::new());
    }
    let rows = match frame.value("data") {
        Some(Value::Array(rows)) => rows,
        _ => {
            return Err(LiveError::Malformed {
                exchange: EX,
                what: "trades without data".into(),
            })
        }
    };
    Ok(rows
        .into_iter()
        .filter_map(|row| trade_of(row, coin))
        .collect())
}

fn trade_of(row: Value, coin: &str) -> Option<TradeSeen> {
    let mut t = Fields::of(row, &["coin", "px", "sz", "users"]).ok()?;
    if t.get("coin").and_then(Value::as_str) != Some(coin) {
        return None;
    }
    let usd = positive(t.num("px"))? * positive(t.num("sz"))?;
    let mut users = t.required_rows("users").ok()?.into_iter();
    let mut next = || Address::parse(users.next()?.as_str()?);
    let (buyer, seller) = (next()?, next()?);
    Some(TradeSeen { buyer, seller, usd })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchanges::testutil::{no_panic, sample};

    #[test]
    fn documented_shape_names_buyer_and_seller() {
        let trades = parse_trades(&sample("hyperliquid_ws_trades"), "BTC").unwrap();
        assert_eq!(trades.len(), 2);
        assert_eq!(
            trades[0].buyer.as_str(),
            "0x31ca8395cf837de08b24da3f660e77761dfb974b"
        );
        assert_eq!(
            trades[0].seller.as_str(),
            "0xb8b8e5b0c8c2e5a4f0c7d2a8d7f5e1c9a3b4c5d6"
        );
        assert!((trades[0].usd - 9743.25).abs() < 1e-9);
        assert!(parse_trades(&sample("hyperliquid_ws_trades"), "ETH")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn other_channels_and_bad_rows() {
        assert_eq!(parse_trades(r#"{"channel":"pong"}"#, "BTC"), Ok(vec![]));
        let ack = r#"{"channel":"subscriptionResponse","data":{"method":"subscribe"}}"#;
        assert_eq!(parse_trades(ack, "BTC"), Ok(vec![]));
        assert!(parse_trades(r#"{"channel":"trades","data":7}"#, "BTC").is_err());
        assert!(parse_trades("not json", "BTC").is_err());
        let bad = r#"{"channel":"trades","data":[{"coin":"BTC","px":"1","sz":"1","users":["0x12","x"]}]}"#;
        assert_eq!(parse_trades(bad, "BTC"), Ok(vec![]));
        assert_eq!(
            subscribe("BTC"),
            r#"{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}"#
        );
    }

    #[test]
    fn no_panic_on_mutated_frames() {
        no_panic(&[sample("hyperliquid_ws_trades")], |b| {
            let _ = parse_trades(b, "BTC");
        });
    }
}
