use super::*;
use crate::exchanges::testutil::sample;
use crate::exchanges::Side;
use crate::live::tests::{close, instrument, only};
use serde_json::json;

pub(in crate::live) const KLINE: &str = r#"{"topic":"kline.5.BTCUSDT","data":[{"start":1672324800000,"end":1672325099999,"interval":"5","open":"16649.5","close":"16677","high":"16677","low":"16608","volume":"2.081","turnover":"34666.4005","confirm":false,"timestamp":1672324988882}],"ts":1672324988882,"type":"snapshot"}"#;

fn linear(symbol: &str) -> Instrument {
    instrument(EX, symbol, ContractKind::Linear, 1.0)
}

#[test]
fn subscribe_to_liquidations_and_klines() {
    let v: Value = serde_json::from_str(&subscribe("BTCUSDT", Resolution::H1)).unwrap();
    assert_eq!(
        v,
        json!({"op":"subscribe","args":["allLiquidation.BTCUSDT","kline.60.BTCUSDT"]})
    );
    assert_eq!(HEARTBEAT.text, r#"{"op":"ping"}"#);
}

#[test]
fn sample_liquidation_sell_is_a_short_liquidated() {
    let messages = parse(&sample("bybit_ws_all_liquidation"), &linear("ROSEUSDT")).unwrap();
    let LiveMessage::Liquidation(e) = only(messages) else {
        panic!("not a liquidation")
    };
    assert_eq!(
        (e.side, e.time_ms, e.price),
        (Side::Short, 1739502302929, 0.04499)
    );
    assert!(close(e.usd, 20000.0 * 0.04499));
    let buy = sample("bybit_ws_all_liquidation").replace(r#""S": "Sell""#, r#""S": "Buy""#);
    assert!(matches!(only(parse(&buy, &linear("ROSEUSDT")).unwrap()),
        LiveMessage::Liquidation(e) if e.side == Side::Long));
    // Inverse: `v` counts USD contracts.
    let inverse = instrument(EX, "ROSEUSDT", ContractKind::Inverse, 1.0);
    assert!(
        matches!(only(parse(&sample("bybit_ws_all_liquidation"), &inverse).unwrap()),
        LiveMessage::Liquidation(e) if e.usd == 20000.0)
    );
    let other = parse(&sample("bybit_ws_all_liquidation"), &linear("BTCUSDT")).unwrap();
    assert_eq!(only(other), LiveMessage::Ignored);
}

#[test]
fn klines_linear_and_inverse() {
    let LiveMessage::Candle(c) = only(parse(KLINE, &linear("BTCUSDT")).unwrap()) else {
        panic!("not a candle")
    };
    assert!(!c.closed);
    assert_eq!(c.candle.open_time_ms, 1672324800000);
    assert_eq!(
        (c.candle.open, c.candle.high, c.candle.low, c.candle.close),
        (16649.5, 16677.0, 16608.0, 16677.0)
    );
    assert_eq!(
        (c.candle.base_volume, c.candle.quote_volume),
        (2.081, 34666.4005)
    );
    let inverse = instrument(EX, "BTCUSDT", ContractKind::Inverse, 1.0);
    let LiveMessage::Candle(c) = only(parse(KLINE, &inverse).unwrap()) else {
        panic!("not a candle")
    };
    assert_eq!(
        (c.candle.base_volume, c.candle.quote_volume),
        (34666.4005, 2.081)
    );
    let closed = KLINE.replace(r#""confirm":false"#, r#""confirm":true"#);
    assert!(
        matches!(only(parse(&closed, &linear("BTCUSDT")).unwrap()), LiveMessage::Candle(c) if c.closed)
    );
    assert_eq!(
        only(parse(KLINE, &linear("ETHUSDT")).unwrap()),
        LiveMessage::Ignored
    );
}

#[test]
fn answers() {
    let i = linear("BTCUSDT");
    let pong = r#"{"success":true,"ret_msg":"pong","conn_id":"0970e817","req_id":"","op":"ping"}"#;
    assert_eq!(only(parse(pong, &i).unwrap()), LiveMessage::Pong);
    let ack = r#"{"success":true,"ret_msg":"","conn_id":"a403c8e5","req_id":"","op":"subscribe"}"#;
    assert_eq!(only(parse(ack, &i).unwrap()), LiveMessage::Ack);
    let refused = r#"{"success":false,"ret_msg":"error:handler not found,topic:kline.9.X","conn_id":"a","op":"subscribe"}"#;
    assert!(
        matches!(parse(refused, &i), Err(LiveError::Refused { message, .. }) if message.starts_with("error:handler"))
    );
    let other = r#"{"topic":"tickers.BTCUSDT","data":{}}"#;
    assert_eq!(only(parse(other, &i).unwrap()), LiveMessage::Ignored);
}

#[test]
fn malformed_frames_are_errors_or_dropped_rows() {
    let i = linear("BTCUSDT");
    for bad in [
        "",
        "pong",
        "{}",
        r#"{"topic":"kline.5.BTCUSDT"}"#,
        r#"{"topic":"allLiquidation.BTCUSDT"}"#,
        r#"{"topic":7}"#,
    ] {
        assert!(parse(bad, &i).is_err(), "{bad}");
    }
    let nan = KLINE.replace(r#""low":"16608""#, r#""low":"NaN""#);
    assert_eq!(only(parse(&nan, &i).unwrap()), LiveMessage::Dropped(1));
    let bad_row = r#"{"topic":"allLiquidation.BTCUSDT","data":[{"T":1,"S":"Buy","v":"-1","p":"1"},{"T":1,"S":"Buy","v":"2","p":"3"}]}"#;
    let messages = parse(bad_row, &i).unwrap();
    assert_eq!(messages.len(), 2);
    assert!(matches!(messages[0], LiveMessage::Liquidation(e) if e.usd == 6.0));
    assert_eq!(messages[1], LiveMessage::Dropped(1));
}
