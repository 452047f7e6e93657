use super::*;
use crate::exchanges::testutil::sample;
use crate::exchanges::Side;
use crate::live::tests::{close, only};
use serde_json::json;

pub(in crate::live) const TRADES: &str = r#"{"type":"channel_data","connection_id":"c","message_id":2,"id":"BTC-USD","channel":"v4_trades","version":"2.1.0","contents":{"trades":[{"id":"a","size":"0.5","price":"100000","side":"SELL","createdAt":"2025-07-25T05:11:09.800Z","type":"LIQUIDATED","createdAtHeight":"1"},{"id":"b","size":"1","price":"100001","side":"BUY","createdAt":"2025-07-25T05:11:09.900Z","type":"LIMIT","createdAtHeight":"1"}]}}"#;
pub(in crate::live) const BATCH: &str = r#"{"type":"channel_batch_data","connection_id":"c","message_id":3,"id":"BTC-USD","channel":"v4_trades","version":"2.1.0","contents":[{"trades":[{"id":"a","size":"2","price":"10","side":"BUY","createdAt":"2025-07-25T05:11:09.800Z","type":"LIQUIDATED"}]},{"trades":[{"id":"b","size":"1","price":"10","side":"SELL","createdAt":"2025-07-25T05:11:10.800Z","type":"LIQUIDATED"}]}]}"#;
pub(in crate::live) const CANDLES: &str = r#"{"type":"channel_data","connection_id":"c","message_id":4,"id":"BTC-USD/1MIN","channel":"v4_candles","version":"1.0.0","contents":{"startedAt":"2025-07-25T09:47:00.000Z","ticker":"BTC-USD","resolution":"1MIN","low":"116099","high":"116200","open":"116100","close":"116150","baseTokenVolume":"2","usdVolume":"232300","trades":3,"startingOpenInterest":"54.0594"}}"#;

#[test]
fn subscriptions_and_history_url() {
    let s = subscribe("BTC-USD", Resolution::M5);
    let v: Vec<Value> = s.iter().map(|s| serde_json::from_str(s).unwrap()).collect();
    assert_eq!(
        v[0],
        json!({"type":"subscribe","channel":"v4_trades","id":"BTC-USD"})
    );
    assert_eq!(
        v[1],
        json!({"type":"subscribe","channel":"v4_candles","id":"BTC-USD/5MINS"})
    );
    assert_eq!(
        trades_url("https://indexer.dydx.trade/v4/", "BTC-USD", None),
        "https://indexer.dydx.trade/v4/trades/perpetualMarket/BTC-USD?limit=1000"
    );
    assert_eq!(
        trades_url("https://indexer.dydx.trade/v4", "BTC-USD", Some(1753420269800)),
        "https://indexer.dydx.trade/v4/trades/perpetualMarket/BTC-USD?limit=1000&createdBeforeOrAt=2025-07-25T05%3A11%3A09.800Z"
    );
}

#[test]
fn the_sample_trades_page_has_no_liquidation() {
    assert_eq!(parse_trades_page(&sample("dydx_trades")).unwrap(), vec![]);
    let liquidated = sample("dydx_trades").replace(r#""type": "LIMIT""#, r#""type": "LIQUIDATED""#);
    let LiveMessage::Liquidation(e) = only(parse_trades_page(&liquidated).unwrap()) else {
        panic!("not a liquidation")
    };
    assert_eq!(
        (e.side, e.time_ms),
        (Side::Short, 1753420269800),
        "a BUY taker closes a short"
    );
    assert!(close(e.usd, 0.0501 * 115732.0));
    let error = r#"{"errors":[{"msg":"ticker must be a valid ticker"}]}"#;
    assert!(parse_trades_page(error).is_err());
}

#[test]
fn trades_and_batches() {
    let LiveMessage::Liquidation(e) = only(parse(TRADES).unwrap()) else {
        panic!("not a liquidation")
    };
    assert_eq!((e.side, e.price), (Side::Long, 100000.0));
    assert!(close(e.usd, 50000.0));
    let sides: Vec<Side> = parse(BATCH)
        .unwrap()
        .into_iter()
        .filter_map(|m| match m {
            LiveMessage::Liquidation(e) => Some(e.side),
            _ => None,
        })
        .collect();
    assert_eq!(sides, [Side::Short, Side::Long]);
    let subscribed = TRADES.replace(r#""type":"channel_data""#, r#""type":"subscribed""#);
    let messages = parse(&subscribed).unwrap();
    assert_eq!(messages[0], LiveMessage::Ack);
    assert!(matches!(messages[1], LiveMessage::Liquidation(_)));
    let none = TRADES.replace("LIQUIDATED", "MARKET");
    assert_eq!(only(parse(&none).unwrap()), LiveMessage::Ignored);
}

#[test]
fn candles_carry_the_open_interest_at_their_open() {
    let LiveMessage::Candle(c) = only(parse(CANDLES).unwrap()) else {
        panic!("not a candle")
    };
    assert!(!c.closed);
    assert_eq!(c.open_interest_at_open, Some(54.0594));
    assert_eq!(
        (c.candle.high, c.candle.low, c.candle.quote_volume),
        (116200.0, 116099.0, 232300.0)
    );
    let history = r#"{"type":"subscribed","connection_id":"c","message_id":1,"channel":"v4_candles","id":"BTC-USD/1MIN","contents":{"candles":[{"startedAt":"2025-07-25T09:47:00.000Z","low":"1","high":"2","open":"1","close":"2","baseTokenVolume":"0","usdVolume":"0","startingOpenInterest":"5"},{"startedAt":"2025-07-25T09:46:00.000Z","low":"1","high":"2","open":"1","close":"2","baseTokenVolume":"0","usdVolume":"0"}]}}"#;
    let messages = parse(history).unwrap();
    assert_eq!(messages.len(), 3);
    assert!(matches!(messages[2], LiveMessage::Candle(c) if c.open_interest_at_open.is_none()));
}

#[test]
fn answers_and_malformed_frames() {
    let connected = r#"{"type":"connected","connection_id":"004a1efa-21bb-4b19-a2e9-a8ffadd6dc53","message_id":0}"#;
    assert_eq!(only(parse(connected).unwrap()), LiveMessage::Ack);
    let error = r#"{"type":"error","message":"Invalid subscribe message: channel is not a string","connection_id":"c"}"#;
    assert!(
        matches!(parse(error), Err(LiveError::Refused { message, .. }) if message.starts_with("Invalid"))
    );
    let other = r#"{"type":"channel_data","channel":"v4_orderbook","contents":{}}"#;
    assert_eq!(only(parse(other).unwrap()), LiveMessage::Ignored);
    for bad in [
        "",
        "{}",
        r#"{"type":"channel_data","channel":"v4_trades"}"#,
        r#"{"type":"channel_data","channel":"v4_trades","contents":{"trades":7}}"#,
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
    let bad_price = CANDLES.replace(r#""high":"116200""#, r#""high":"-1""#);
    assert_eq!(only(parse(&bad_price).unwrap()), LiveMessage::Dropped(1));
}
