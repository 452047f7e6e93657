use super::*;
use crate::engine::ContractKind;
use crate::exchanges::testutil::{no_panic, sample};

pub(super) fn instrument(
    exchange: Exchange,
    symbol: &str,
    kind: ContractKind,
    cs: f64,
) -> Instrument {
    Instrument {
        exchange,
        symbol: symbol.into(),
        base: "BTC".into(),
        quote: "USD".into(),
        kind,
        contract_size: cs,
        tick_size: None,
        max_leverage: None,
    }
}

/// The one message of a frame that must give exactly one.
pub(super) fn only(messages: Vec<LiveMessage>) -> LiveMessage {
    assert_eq!(messages.len(), 1, "{messages:?}");
    messages.into_iter().next().unwrap()
}

pub(super) fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

fn update(t: i64, closed: bool, oi: Option<f64>) -> CandleUpdate {
    CandleUpdate {
        exchange: Exchange::Dydx,
        candle: Candle {
            open_time_ms: t,
            open: 1.0,
            high: 2.0,
            low: 0.5,
            close: t as f64,
            base_volume: 1.0,
            quote_volume: 1.0,
            taker_buy_base: None,
        },
        closed,
        open_interest_at_open: oi,
    }
}

#[test]
fn closer_without_flags_closes_on_the_next_candle_with_its_open_interest() {
    let mut closer = CandleCloser::new();
    assert_eq!(closer.offer(update(0, false, Some(10.0))), None);
    assert_eq!(closer.offer(update(0, false, Some(10.0))), None);
    let closed = closer.offer(update(60, false, Some(12.0))).unwrap();
    assert_eq!(closed.candle.open_time_ms, 0);
    assert_eq!(closed.candle.close, 0.0, "the last update of the candle");
    assert_eq!(
        closed.open_interest,
        Some(12.0),
        "OI at 60 = OI at 0's close"
    );
    assert_eq!(closer.offer(update(0, false, None)), None, "late update");
    assert_eq!(closer.offer(update(60, false, None)), None);
}

#[test]
fn closer_with_flags_closes_once() {
    let mut closer = CandleCloser::new();
    assert_eq!(closer.offer(update(0, false, None)), None);
    let closed = closer.offer(update(0, true, None)).unwrap();
    assert_eq!(
        (closed.candle.open_time_ms, closed.open_interest),
        (0, None)
    );
    assert_eq!(closer.offer(update(0, true, None)), None, "repeated final");
    assert_eq!(closer.offer(update(60, false, None)), None);
    // The final update of 60 was missed: 120 closes it.
    let closed = closer.offer(update(120, false, None)).unwrap();
    assert_eq!(closed.candle.open_time_ms, 60);
}

#[test]
fn candles_wait_for_their_open_interest_one_request_at_a_time() {
    let candle = |t: i64| LiveCandle::from(update(t, true, None).candle);
    let mut awaiting = AwaitingOpenInterest::default();
    assert!(awaiting.hold(Exchange::Binance, candle(0)), "ask");
    assert!(
        !awaiting.hold(Exchange::Binance, candle(300_000)),
        "already asking"
    );
    assert!(
        awaiting.hold(Exchange::Okx, candle(0)),
        "another exchange asks too"
    );

    let out = awaiting.release(Exchange::Binance, Some(7.0));
    let got: Vec<_> = out
        .iter()
        .map(|c| (c.candle.open_time_ms, c.open_interest))
        .collect();
    assert_eq!(got, [(0, Some(7.0)), (300_000, None)]);
    assert!(
        awaiting.hold(Exchange::Binance, candle(600_000)),
        "asks again"
    );
    assert_eq!(
        awaiting.release(Exchange::Binance, None).len(),
        1,
        "a failure appends"
    );

    awaiting.clear();
    assert!(
        awaiting.release(Exchange::Okx, Some(1.0)).is_empty(),
        "dropped with its load"
    );
}

#[test]
fn backoff_doubles_to_a_cap_with_jitter_in_the_upper_half() {
    assert_eq!(backoff_ms(0, 0.0), 250);
    assert_eq!(backoff_ms(0, 1.0), 500);
    assert_eq!(backoff_ms(1, 0.5), 750);
    assert_eq!(backoff_ms(3, 0.0), 2_000);
    assert_eq!(backoff_ms(10, 0.0), 15_000);
    assert_eq!(backoff_ms(10, 1.0), 30_000);
    assert_eq!(backoff_ms(u32::MAX, 0.99), 15_000 + 14_850);
    assert_eq!(backoff_ms(2, f64::NAN), 1_500);
    assert_eq!(backoff_ms(2, -3.0), 1_000);
    assert_eq!(backoff_ms(2, 7.0), 2_000);
}

#[test]
fn the_ring_keeps_the_latest() {
    let mut ring = EventRing::new(3);
    assert!(ring.is_empty());
    for i in 0..5 {
        ring.push(i);
    }
    assert_eq!(ring.iter().copied().collect::<Vec<_>>(), vec![2, 3, 4]);
    assert_eq!((ring.len(), ring.capacity(), ring.evicted()), (3, 3, 2));
    assert_eq!(ring.iter().next_back(), Some(&4));
    ring.clear();
    assert!(ring.is_empty());
    assert_eq!(EventRing::<u8>::new(0).capacity(), 1);
}

#[test]
fn connections_per_exchange() {
    let linear = ContractKind::Linear;
    let res = Resolution::M5;
    let c = connections(&instrument(Exchange::Binance, "BTCUSDT", linear, 1.0), res);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].url, "wss://fstream.binance.com/market/ws");
    assert_eq!(c[0].heartbeat, None);
    let c = connections(
        &instrument(Exchange::Bybit, "BTCUSD", ContractKind::Inverse, 1.0),
        res,
    );
    assert_eq!(c[0].url, "wss://stream.bybit.com/v5/public/inverse");
    assert_eq!(c[0].heartbeat.map(|h| h.every_ms), Some(20_000));
    let c = connections(
        &instrument(Exchange::Okx, "BTC-USDT-SWAP", linear, 0.01),
        res,
    );
    let urls: Vec<&str> = c.iter().map(|c| c.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "wss://ws.okx.com:8443/ws/v5/public",
            "wss://ws.okx.com:8443/ws/v5/business"
        ]
    );
    assert!(c.iter().all(|c| c
        .heartbeat
        .is_some_and(|h| h.text == "ping" && h.every_ms < 30_000)));
    let c = connections(&instrument(Exchange::Hyperliquid, "BTC", linear, 1.0), res);
    assert_eq!(c[0].heartbeat.map(|h| h.text), Some(r#"{"method":"ping"}"#));
    let c = connections(&instrument(Exchange::Dydx, "BTC-USD", linear, 1.0), res);
    assert_eq!((c[0].subscribe.len(), c[0].heartbeat), (2, None));
}

#[test]
fn a_socket_is_given_up_after_two_heartbeats_or_two_quiet_candles() {
    let linear = ContractKind::Linear;
    let limit = |exchange, symbol, resolution| {
        let c = connections(&instrument(exchange, symbol, linear, 1.0), resolution);
        c.iter().map(|c| c.silence_limit_ms).collect::<Vec<_>>()
    };
    assert_eq!(limit(Exchange::Bybit, "BTCUSDT", Resolution::M5), [40_000]);
    assert_eq!(
        limit(Exchange::Okx, "BTC-USDT-SWAP", Resolution::H1),
        [50_000; 2]
    );
    assert_eq!(
        limit(Exchange::Hyperliquid, "BTC", Resolution::M5),
        [100_000]
    );
    assert_eq!(
        limit(Exchange::Binance, "BTCUSDT", Resolution::M5),
        [600_000]
    );
    assert_eq!(limit(Exchange::Dydx, "BTC-USD", Resolution::M1), [120_000]);
    assert_eq!(
        limit(Exchange::Dydx, "BTC-USD", Resolution::D1),
        [172_800_000]
    );
}

#[test]
fn an_event_counts_for_hit_lift() {
    let e = LiqEvent {
        exchange: Exchange::Bybit,
        time_ms: 5,
        price: 100.0,
        usd: 2_000.0,
        side: Side::Short,
    };
    let event = Event::from(e);
    assert_eq!((event.time_ms, event.price, event.usd), (5, 100.0, 2_000.0));
}

#[test]
fn errors_say_who_and_why() {
    let e = LiveError::Refused {
        exchange: Exchange::Okx,
        code: "60012".into(),
        message: "Invalid request".into(),
    };
    assert_eq!(
        e.to_string(),
        "OKX refused the subscription (60012): Invalid request"
    );
    let e = parse(
        &instrument(Exchange::Bybit, "X", ContractKind::Linear, 1.0),
        "{",
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            LiveError::Malformed {
                exchange: Exchange::Bybit,
                ..
            }
        ),
        "{e}"
    );
}

/// Every frame shape the tests use, mutated: no parser may panic.
#[test]
fn no_panic_on_mutated_frames() {
    let mut frames: Vec<String> = [
        "binance_ws_force_order",
        "bybit_ws_all_liquidation",
        "okx_ws_liquidation_orders",
        "dydx_trades",
    ]
    .iter()
    .map(|n| sample(n))
    .collect();
    frames.extend(
        [
            binance::tests::KLINE,
            bybit::tests::KLINE,
            okx::tests::CANDLE,
            dydx::tests::TRADES,
            dydx::tests::BATCH,
            dydx::tests::CANDLES,
            hyperliquid::tests::CANDLE,
            r#"{"success":true,"ret_msg":"pong","conn_id":"x","op":"ping"}"#,
            r#"{"event":"error","code":"60012","msg":"Invalid request"}"#,
        ]
        .map(String::from),
    );
    let symbols = [
        (Exchange::Binance, "BTCUSDT"),
        (Exchange::Bybit, "ROSEUSDT"),
        (Exchange::Bybit, "BTCUSDT"),
        (Exchange::Okx, "IOST-USDT-SWAP"),
        (Exchange::Okx, "BTC-USDT-SWAP"),
        (Exchange::Hyperliquid, "BTC"),
        (Exchange::Dydx, "BTC-USD"),
    ];
    let instruments: Vec<Instrument> = symbols
        .iter()
        .flat_map(|&(e, s)| {
            [ContractKind::Linear, ContractKind::Inverse].map(|kind| instrument(e, s, kind, 0.01))
        })
        .collect();
    no_panic(&frames, |frame| {
        for i in &instruments {
            let _ = parse(i, frame);
        }
        let _ = dydx::parse_trades_page(frame);
    });
}
