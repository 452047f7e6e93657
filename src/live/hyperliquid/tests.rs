use super::*;
use crate::engine::ContractKind;
use crate::live::tests::{instrument, only};
use serde_json::json;

pub(in crate::live) const CANDLE: &str = r#"{"channel":"candle","data":{"t":1737331200000,"T":1737331499999,"s":"BTC","i":"5m","o":"100000","c":"100100","h":"100200","l":"99900","v":"12.5","n":278}}"#;

fn btc() -> Instrument {
    instrument(EX, "BTC", ContractKind::Linear, 1.0)
}

#[test]
fn subscription() {
    let v: Value = serde_json::from_str(&subscribe("BTC", Resolution::M15)).unwrap();
    assert_eq!(
        v,
        json!({"method":"subscribe","subscription":{"type":"candle","coin":"BTC","interval":"15m"}})
    );
}

#[test]
fn candles_are_never_final() {
    let LiveMessage::Candle(c) = only(parse(CANDLE, &btc()).unwrap()) else {
        panic!("not a candle")
    };
    assert!(!c.closed);
    assert_eq!(
        (c.candle.open_time_ms, c.candle.close, c.candle.base_volume),
        (1737331200000, 100100.0, 12.5)
    );
    assert_eq!(
        c.candle.quote_volume,
        12.5 * (100200.0 + 99900.0 + 100100.0) / 3.0
    );
    let eth = instrument(EX, "ETH", ContractKind::Linear, 1.0);
    assert_eq!(only(parse(CANDLE, &eth).unwrap()), LiveMessage::Ignored);
}

#[test]
fn answers() {
    assert_eq!(
        only(parse(r#"{"channel":"pong"}"#, &btc()).unwrap()),
        LiveMessage::Pong
    );
    let ack = r#"{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"candle","coin":"BTC","interval":"5m"}}}"#;
    assert_eq!(only(parse(ack, &btc()).unwrap()), LiveMessage::Ack);
    let error = r#"{"channel":"error","data":"Invalid subscription"}"#;
    assert!(
        matches!(parse(error, &btc()), Err(LiveError::Refused { message, .. }) if message == "Invalid subscription")
    );
    assert_eq!(
        only(parse(r#"{"channel":"trades","data":[]}"#, &btc()).unwrap()),
        LiveMessage::Ignored
    );
}

#[test]
fn malformed_frames_are_errors_or_dropped_rows() {
    for bad in [
        "",
        "{}",
        r#"{"channel":"candle"}"#,
        r#"{"channel":"candle","data":5}"#,
        r#"{"channel":1}"#,
    ] {
        assert!(parse(bad, &btc()).is_err(), "{bad}");
    }
    let inverted = CANDLE.replace(r#""l":"99900""#, r#""l":"200000""#);
    assert_eq!(
        only(parse(&inverted, &btc()).unwrap()),
        LiveMessage::Dropped(1)
    );
}
