use super::*;
use crate::analysis::BookLevel;
use crate::exchanges::testutil::depth_example;
use crate::exchanges::testutil::{fixture, no_panic, sample};
use crate::exchanges::{assemble, classify_http, find_instrument, Side};

#[test]
fn sample_perpetual_markets() {
    let body = sample("dydx_perpetual_markets");
    let p = parse_instruments(&body).unwrap();
    let i = find_instrument(EX, &p.rows, "BTC").unwrap();
    assert_eq!(
        (i.symbol.as_str(), i.quote.as_str(), i.tick_size),
        ("BTC-USD", "USD", Some(1.0))
    );
    let s = parse_perpetual_markets(&body, "BTC-USD").unwrap();
    assert_eq!(s.open_interest, Some(52.0691));
    assert_eq!(s.maintenance_margin_rate, Some(0.012));
    assert_eq!(s.mark_price, Some(118976.5376));
    assert_eq!(s.funding_rate, Some(0.0));
}

#[test]
fn sample_candles() {
    let body = sample("dydx_candles");
    let p = parse_candles(&body).unwrap();
    assert_eq!(p.dropped, 0);
    let c = p.rows[0];
    assert_eq!(c.open_time_ms, 1753436820000); // 2025-07-25T09:47:00Z
    assert_eq!(
        (c.open, c.high, c.low, c.close),
        (116099.0, 116099.0, 116099.0, 116099.0)
    );
    assert_eq!(
        (c.base_volume, c.quote_volume, c.taker_buy_base),
        (0.0, 0.0, None)
    );
    let oi = parse_candle_open_interest(&body).unwrap();
    assert_eq!(
        oi.rows,
        vec![OiPoint {
            time_ms: 1753436820000,
            base: 54.0594
        }]
    );
}

#[test]
fn sample_funding() {
    let p = parse_funding(&sample("dydx_historical_funding")).unwrap();
    assert_eq!(
        p.rows,
        vec![FundingPoint {
            time_ms: 1753441200013,
            rate: 0.0
        }]
    );
}

#[test]
fn sample_trades_has_no_liquidation() {
    let p = parse_liquidation_trades(&sample("dydx_trades")).unwrap();
    assert_eq!((p.rows.len(), p.dropped), (0, 0));
    let p = parse_liquidation_trades(&fixture("dydx/trades.json")).unwrap();
    assert_eq!(
        p.rows,
        vec![LiquidationEvent {
            time_ms: 1767225001250,
            side: Side::Long,
            price: 86950.0,
            base: 0.25
        }]
    );
    assert_eq!(p.dropped, 1);
}

#[test]
fn errors() {
    let e = classify_http(EX, 400, None, &fixture("errors/dydx_bad_request.json")).unwrap_err();
    assert!(
        matches!(e, ExchangeError::ExchangeError { ref message, .. } if message.contains("valid ticker"))
    );
    assert!(e.to_string().starts_with("dYdX answered with error"));
    assert!(parse_candles(&fixture("errors/dydx_bad_request.json")).is_err());
    assert!(matches!(
        parse_perpetual_markets(&sample("dydx_perpetual_markets"), "XYZ-USD"),
        Err(ExchangeError::UnknownCoin { .. })
    ));
}

#[test]
fn fixture_window_oi_from_candles() {
    let inst = crate::exchanges::default_instrument(EX, "BTC");
    let body = fixture("dydx/candles.json");
    let c = parse_candles(&body).unwrap();
    let oi = parse_candle_open_interest(&body).unwrap();
    assert_eq!((c.rows.len(), oi.rows.len()), (600, 600));
    let src = assemble(
        EX,
        &inst,
        c.rows.clone(),
        vec![],
        Some(oi.rows.clone()),
        Some(80.0),
        0.012,
        (0, 1_767_225_600_000),
        Resolution::M5,
    )
    .unwrap();
    let o = src.open_interest.unwrap();
    // Candle k's OI = the next candle's startingOpenInterest (its close).
    let start_of = |t: i64| oi.rows.iter().find(|p| p.time_ms == t).unwrap().base;
    assert_eq!(o[0], start_of(src.candles[1].open_time_ms));
    assert_eq!(o[599], start_of(src.candles[599].open_time_ms));
}

#[test]
fn plan_uses_iso_times() {
    let inst = crate::exchanges::default_instrument(EX, "BTC");
    let reqs = plan(
        &inst,
        1_767_225_600_000,
        86_400_000,
        Resolution::M5,
        DYDX_BASE_URL_T,
    );
    // 576 candles inside one cell of the 1000-candle page grid; the page
    // reaches back to its grid line (1000 × 5 minutes since the epoch).
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].url,
        "https://indexer.dydx.trade/v4/candles/perpetualMarkets/BTC-USD?resolution=5MINS&fromISO=2025-12-29T09%3A20%3A00.000Z&toISO=2025-12-31T23%3A59%3A59.999Z&limit=1000"
    );
}

const DYDX_BASE_URL_T: &str = crate::exchanges::DYDX_BASE_URL;

#[test]
fn no_panic_on_mutated_answers() {
    let bodies: Vec<String> = [
        "dydx_candles",
        "dydx_historical_funding",
        "dydx_perpetual_markets",
        "dydx_trades",
    ]
    .iter()
    .map(|n| sample(n))
    .collect();
    no_panic(&bodies, |b| {
        let _ = parse_instruments(b);
        let _ = parse_perpetual_markets(b, "BTC-USD");
        let _ = parse_candles(b);
        let _ = parse_candle_open_interest(b);
        let _ = parse_funding(b);
        let _ = parse_liquidation_trades(b);
    });
}

#[test]
fn depth_documented_and_fixture() {
    let d = parse_depth(depth_example(EX)).unwrap();
    assert_eq!(d.time_ms, None);
    assert_eq!(
        d.book.bids(),
        &[BookLevel {
            price: 116070.0,
            usd: 0.3525 * 116070.0
        }]
    );
    assert_eq!(
        d.book.asks(),
        &[BookLevel {
            price: 116071.0,
            usd: 1.0224 * 116071.0
        }]
    );
    let d = parse_depth(&fixture("dydx/orderbook.json")).unwrap();
    assert_eq!((d.book.bids().len(), d.book.asks().len()), (100, 100));
    assert!(matches!(
        parse_depth(&fixture("errors/dydx_bad_request.json")),
        Err(ExchangeError::ExchangeError { message, .. }) if message.contains("valid ticker")
    ));
}
