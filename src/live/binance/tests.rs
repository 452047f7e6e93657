use super::*;
use crate::exchanges::testutil::sample;
use crate::exchanges::Side;
use crate::live::tests::{close, only};
use serde_json::json;

pub(in crate::live) const KLINE: &str = r#"{"e":"kline","E":1638747660000,"s":"BTCUSDT","k":{"t":1638747660000,"T":1638747719999,"s":"BTCUSDT","i":"1m","f":100,"L":200,"o":"50000.5","c":"50010","h":"50020","l":"49990","v":"10","n":100,"x":false,"q":"500100","V":"6","Q":"300060","B":"0"}}"#;

#[test]
fn subscribe_names_both_streams_in_lower_case() {
    let v: Value = serde_json::from_str(&subscribe("BTCUSDT", Resolution::M5)).unwrap();
    assert_eq!(
        v,
        json!({"method":"SUBSCRIBE","params":["btcusdt@forceOrder","btcusdt@kline_5m"],"id":1})
    );
}

#[test]
fn sample_force_order_is_a_long_liquidated() {
    let LiveMessage::Liquidation(e) = only(parse(&sample("binance_ws_force_order")).unwrap())
    else {
        panic!("not a liquidation")
    };
    assert_eq!(
        (e.exchange, e.side, e.time_ms),
        (EX, Side::Long, 1568014460893)
    );
    assert_eq!(e.price, 9910.0);
    assert!(close(e.usd, 0.014 * 9910.0));
}

#[test]
fn kline_forming_and_final() {
    let LiveMessage::Candle(c) = only(parse(KLINE).unwrap()) else {
        panic!("not a candle")
    };
    assert!(!c.closed);
    assert_eq!(c.candle.open_time_ms, 1638747660000);
    assert_eq!(
        (c.candle.open, c.candle.high, c.candle.low, c.candle.close),
        (50000.5, 50020.0, 49990.0, 50010.0)
    );
    assert_eq!(
        (c.candle.base_volume, c.candle.quote_volume),
        (10.0, 500100.0)
    );
    assert_eq!(c.candle.taker_buy_base, Some(6.0));
    let closed = KLINE.replace(r#""x":false"#, r#""x":true"#);
    assert!(matches!(only(parse(&closed).unwrap()), LiveMessage::Candle(c) if c.closed));
}

#[test]
fn answers_and_other_events() {
    assert_eq!(
        only(parse(r#"{"result":null,"id":1}"#).unwrap()),
        LiveMessage::Ack
    );
    let refused = parse(r#"{"code":2,"msg":"Invalid request","id":1}"#).unwrap_err();
    assert_eq!(
        refused,
        LiveError::Refused {
            exchange: EX,
            code: "2".into(),
            message: "Invalid request".into()
        }
    );
    let nested = parse(r#"{"error":{"code":0,"msg":"Unknown property"},"id":2}"#);
    assert!(matches!(nested, Err(LiveError::Refused { .. })));
    let other = r#"{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1"}"#;
    assert_eq!(only(parse(other).unwrap()), LiveMessage::Ignored);
}

#[test]
fn malformed_frames_are_errors_or_dropped_rows() {
    for bad in [
        "",
        "not json",
        "{}",
        "[]",
        r#"{"e":"forceOrder","o":{"S":"SELL","q":"abc","p":"1","T":1}}"#,
        r#"{"e":"forceOrder","o":{"S":"HOLD","q":"1","p":"1","T":1}}"#,
        r#"{"e":"forceOrder"}"#,
        r#"{"e":"kline"}"#,
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
    let inverted = KLINE.replace(r#""h":"50020""#, r#""h":"1""#);
    assert_eq!(only(parse(&inverted).unwrap()), LiveMessage::Dropped(1));
    let not_an_object = r#"{"e":"kline","k":[1,2]}"#;
    assert_eq!(only(parse(not_an_object).unwrap()), LiveMessage::Dropped(1));
}
