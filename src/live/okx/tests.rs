use super::*;
use crate::engine::ContractKind;
use crate::exchanges::testutil::sample;
use crate::exchanges::Side;
use crate::live::tests::{close, instrument, only};
use serde_json::json;

pub(in crate::live) const CANDLE: &str = r#"{"arg":{"channel":"candle5m","instId":"BTC-USDT-SWAP"},"data":[["1597026383085","8533.02","8553.74","8527.17","8548.26","45247","529.5858061","4523784.1","0"]]}"#;

fn swap(symbol: &str, cs: f64) -> Instrument {
    instrument(EX, symbol, ContractKind::Linear, cs)
}

#[test]
fn subscriptions() {
    let v: Value = serde_json::from_str(&subscribe_liquidations()).unwrap();
    assert_eq!(
        v,
        json!({"op":"subscribe","args":[{"channel":"liquidation-orders","instType":"SWAP"}]})
    );
    let v: Value =
        serde_json::from_str(&subscribe_candles("BTC-USDT-SWAP", Resolution::H4)).unwrap();
    assert_eq!(
        v,
        json!({"op":"subscribe","args":[{"channel":"candle4H","instId":"BTC-USDT-SWAP"}]})
    );
}

#[test]
fn sample_liquidation_of_a_short_in_contracts() {
    let i = swap("IOST-USDT-SWAP", 10.0);
    let LiveMessage::Liquidation(e) =
        only(parse(&sample("okx_ws_liquidation_orders"), &i).unwrap())
    else {
        panic!("not a liquidation")
    };
    assert_eq!(
        (e.side, e.time_ms, e.price),
        (Side::Short, 1692266434010, 0.007831)
    );
    assert!(close(e.usd, 13.0 * 10.0 * 0.007831));
    let long = sample("okx_ws_liquidation_orders")
        .replace(r#""posSide": "short""#, r#""posSide": "long""#)
        .replace(r#""side": "buy""#, r#""side": "sell""#);
    assert!(
        matches!(only(parse(&long, &i).unwrap()), LiveMessage::Liquidation(e) if e.side == Side::Long)
    );
    // Inverse: contracts of `ctVal` USD.
    let inverse = instrument(EX, "IOST-USDT-SWAP", ContractKind::Inverse, 10.0);
    assert!(
        matches!(only(parse(&sample("okx_ws_liquidation_orders"), &inverse).unwrap()),
        LiveMessage::Liquidation(e) if close(e.usd, 130.0))
    );
    let other = parse(
        &sample("okx_ws_liquidation_orders"),
        &swap("BTC-USDT-SWAP", 0.01),
    )
    .unwrap();
    assert_eq!(only(other), LiveMessage::Ignored);
}

#[test]
fn candles_forming_and_confirmed() {
    let i = swap("BTC-USDT-SWAP", 0.01);
    let LiveMessage::Candle(c) = only(parse(CANDLE, &i).unwrap()) else {
        panic!("not a candle")
    };
    assert!(!c.closed);
    assert_eq!(c.candle.open_time_ms, 1597026383085);
    assert_eq!((c.candle.high, c.candle.low), (8553.74, 8527.17));
    assert!(close(c.candle.base_volume, 452.47));
    assert_eq!(c.candle.quote_volume, 4523784.1);
    let closed = CANDLE.replace(r#""0"]]"#, r#""1"]]"#);
    assert!(matches!(only(parse(&closed, &i).unwrap()), LiveMessage::Candle(c) if c.closed));
    assert_eq!(
        only(parse(CANDLE, &swap("ETH-USDT-SWAP", 0.1)).unwrap()),
        LiveMessage::Ignored
    );
}

#[test]
fn answers() {
    let i = swap("BTC-USDT-SWAP", 0.01);
    assert_eq!(only(parse("pong", &i).unwrap()), LiveMessage::Pong);
    let ack = r#"{"event":"subscribe","arg":{"channel":"liquidation-orders","instType":"SWAP"},"connId":"a4d3ae55"}"#;
    assert_eq!(only(parse(ack, &i).unwrap()), LiveMessage::Ack);
    let error = r#"{"event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"}"#;
    assert_eq!(
        parse(error, &i).unwrap_err(),
        LiveError::Refused {
            exchange: EX,
            code: "60012".into(),
            message: "Invalid request".into()
        }
    );
    let notice = r#"{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade."}"#;
    assert_eq!(only(parse(notice, &i).unwrap()), LiveMessage::Ignored);
}

#[test]
fn malformed_frames_are_errors_or_dropped_rows() {
    let i = swap("BTC-USDT-SWAP", 0.01);
    for bad in [
        "",
        "ping",
        "{}",
        r#"{"arg":{"channel":"candle5m","instId":"BTC-USDT-SWAP"}}"#,
        r#"{"arg":{"channel":"liquidation-orders"}}"#,
        r#"{"arg":[]}"#,
    ] {
        assert!(parse(bad, &i).is_err(), "{bad}");
    }
    let unconfirmed = CANDLE.replace(r#","0"]]"#, "]]");
    assert_eq!(
        only(parse(&unconfirmed, &i).unwrap()),
        LiveMessage::Dropped(1)
    );
    let not_a_row =
        r#"{"arg":{"channel":"candle5m","instId":"BTC-USDT-SWAP"},"data":[{"ts":"1"}]}"#;
    assert_eq!(only(parse(not_a_row, &i).unwrap()), LiveMessage::Dropped(1));
}
