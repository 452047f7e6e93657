use super::*;
use crate::analysis::BookLevel;
use crate::engine::input::HighLow;
use crate::exchanges::testutil::depth_example;
use crate::exchanges::testutil::{fixture, no_panic, sample};
use crate::exchanges::{assemble, classify_http, find_instrument, Side};

fn inverse_btcusd() -> Instrument {
    Instrument {
        exchange: EX,
        symbol: "BTCUSD".into(),
        base: "BTC".into(),
        quote: "USD".into(),
        kind: ContractKind::Inverse,
        contract_size: 1.0,
        tick_size: Some(0.5),
        max_leverage: None,
    }
}

#[test]
fn sample_instruments() {
    let p = parse_instruments(&sample("bybit_instruments_info")).unwrap();
    assert_eq!(p.dropped, 0);
    let i = find_instrument(EX, &p.rows, "BTC").unwrap();
    assert_eq!(i.symbol, "BTCUSDT");
    assert_eq!((i.base.as_str(), i.quote.as_str()), ("BTC", "USDT"));
    assert_eq!(i.kind, ContractKind::Linear);
    assert_eq!(i.contract_size, 1.0);
    assert_eq!(i.tick_size, Some(0.1));
}

#[test]
fn sample_klines_inverse() {
    let p = parse_klines(&sample("bybit_klines"), ContractKind::Inverse).unwrap();
    assert_eq!(p.dropped, 0);
    assert_eq!(p.rows.len(), 3);
    let c = p.rows[0];
    assert_eq!(c.open_time_ms, 1670608800000);
    assert_eq!(
        (c.open, c.high, c.low, c.close),
        (17071.0, 17073.0, 17027.0, 17055.5)
    );
    assert_eq!(c.base_volume, 15.74462667);
    assert_eq!(c.quote_volume, 268611.0);
    assert_eq!(c.taker_buy_base, None);
    assert_eq!(p.rows[2].open_time_ms, 1670601600000);
    let lin = parse_klines(&sample("bybit_klines"), ContractKind::Linear).unwrap();
    assert_eq!(
        (lin.rows[1].base_volume, lin.rows[1].quote_volume),
        (4177.0, 0.24469757)
    );
    let m = parse_mark_klines(&sample("bybit_klines")).unwrap();
    assert_eq!(
        m.rows[2],
        (
            1670601600000,
            HighLow {
                high: 17088.0,
                low: 16978.0
            }
        )
    );
}

#[test]
fn sample_open_interest_uses_single_side() {
    let p = parse_open_interest(&sample("bybit_open_interest"), &inverse_btcusd()).unwrap();
    assert_eq!(p.dropped, 0);
    assert_eq!(p.rows.len(), 5);
    assert_eq!(
        p.rows[0],
        OiPoint {
            time_ms: 1780963200000,
            base: 31955346.0
        }
    );
    assert_eq!(
        p.rows[4],
        OiPoint {
            time_ms: 1780617600000,
            base: 31971156.0
        }
    );
    // Without singleOpenInterest, openInterest is taken as it is.
    let body =
        r#"{"retCode":0,"result":{"list":[{"openInterest":"12.5","timestamp":"1700000000000"}]}}"#;
    let lin = crate::exchanges::default_instrument(EX, "BTC");
    assert_eq!(parse_open_interest(body, &lin).unwrap().rows[0].base, 12.5);
}

#[test]
fn sample_risk_limit_in_percent() {
    let m = parse_risk_limit(&sample("bybit_risk_limit"), &inverse_btcusd()).unwrap();
    assert!((m - 0.005).abs() < 1e-15);
    let frac = r#"{"retCode":0,"result":{"list":[{"id":2,"symbol":"BTCUSDT","maintenanceMargin":"0.01","initialMargin":"0.02","maxLeverage":"50"},{"id":1,"symbol":"BTCUSDT","maintenanceMargin":"0.005","initialMargin":"0.01","maxLeverage":"100"}]}}"#;
    let lin = crate::exchanges::default_instrument(EX, "BTC");
    assert_eq!(parse_risk_limit(frac, &lin).unwrap(), 0.005);
}

#[test]
fn sample_funding() {
    let p = parse_funding(&sample("bybit_funding_history")).unwrap();
    assert_eq!(
        p.rows,
        vec![FundingPoint {
            time_ms: 1672041600000,
            rate: 0.0001
        }]
    );
}

#[test]
fn sample_ws_all_liquidation() {
    let p = parse_all_liquidation(&sample("bybit_ws_all_liquidation")).unwrap();
    assert_eq!(
        p.rows,
        vec![LiquidationEvent {
            time_ms: 1739502302929,
            side: Side::Short,
            price: 0.04499,
            base: 20000.0
        }]
    );
}

#[test]
fn sample_error_rate_limit() {
    let body = sample("bybit_error_rate_limit");
    let e = classify_http(EX, 200, None, &body).unwrap_err();
    assert_eq!(
        e,
        ExchangeError::RateLimited {
            exchange: EX,
            retry_after_s: None
        }
    );
    assert!(e.to_string().starts_with("Bybit"));
    assert_eq!(parse_klines(&body, ContractKind::Linear).unwrap_err(), e);
    let e = classify_http(EX, 200, None, &fixture("errors/bybit_invalid_symbol.json")).unwrap_err();
    assert!(matches!(e, ExchangeError::ExchangeError { ref code, .. } if code == "10001"));
    assert!(e.to_string().contains("symbol invalid"));
    assert_eq!(
        classify_http(EX, 403, None, "").unwrap_err(),
        ExchangeError::RegionRestricted {
            exchange: EX,
            status: 403
        }
    );
}

#[test]
fn fixture_window_assembles() {
    let lin = crate::exchanges::default_instrument(EX, "BTC");
    let c = parse_klines(&fixture("bybit/klines.json"), ContractKind::Linear).unwrap();
    let m = parse_mark_klines(&fixture("bybit/mark_klines.json")).unwrap();
    let oi = parse_open_interest(&fixture("bybit/open_interest.json"), &lin).unwrap();
    assert_eq!((c.rows.len(), m.rows.len(), oi.rows.len()), (600, 600, 200));
    assert!(
        c.rows[0].open_time_ms > c.rows[599].open_time_ms,
        "newest first"
    );
    let src = assemble(
        EX,
        &lin,
        c.rows,
        m.rows,
        Some(oi.rows.clone()),
        None,
        0.005,
        (0, 1_767_225_600_000),
        Resolution::M5,
    )
    .unwrap();
    assert_eq!(src.candles.len(), 600);
    assert!(src
        .candles
        .windows(2)
        .all(|w| w[1].open_time_ms - w[0].open_time_ms == 300_000));
    let o = src.open_interest.unwrap();
    // Before the first OI point: the first value (no inferred positions).
    assert_eq!(o[0], oi.rows[199].base);
    assert_eq!(o[599], oi.rows[0].base);
}

#[test]
fn plan_uses_inverse_category() {
    let reqs = plan(
        &inverse_btcusd(),
        1_767_225_600_000,
        86_400_000,
        Resolution::H1,
        "https://api.bybit.com",
    );
    assert!(reqs.iter().all(|r| r.url.contains("category=inverse")));
    assert_eq!(reqs.len(), 4);
    assert!(reqs[2].url.contains("intervalTime=1h"));
}

#[test]
fn no_panic_on_mutated_answers() {
    let bodies: Vec<String> = [
        "bybit_error_rate_limit",
        "bybit_funding_history",
        "bybit_instruments_info",
        "bybit_klines",
        "bybit_open_interest",
        "bybit_risk_limit",
        "bybit_tickers",
        "bybit_ws_all_liquidation",
    ]
    .iter()
    .map(|n| sample(n))
    .collect();
    let inv = inverse_btcusd();
    no_panic(&bodies, |b| {
        let _ = parse_instruments(b);
        let _ = parse_klines(b, ContractKind::Linear);
        let _ = parse_klines(b, ContractKind::Inverse);
        let _ = parse_mark_klines(b);
        let _ = parse_open_interest(b, &inv);
        let _ = parse_risk_limit(b, &inv);
        let _ = parse_funding(b);
        let _ = parse_all_liquidation(b);
    });
}

#[test]
fn depth_documented_and_fixture() {
    let btc = || crate::exchanges::default_instrument(EX, "BTC");
    let d = parse_depth(depth_example(EX), &btc()).unwrap();
    assert_eq!(d.time_ms, Some(1716863719031));
    assert_eq!(
        d.book.bids(),
        &[BookLevel {
            price: 65485.47,
            usd: 47.081829 * 65485.47
        }]
    );
    assert_eq!(
        d.book.asks(),
        &[BookLevel {
            price: 65557.7,
            usd: 16.606555 * 65557.7
        }]
    );
    // Inverse books count USD contracts.
    let inverse = Instrument {
        kind: ContractKind::Inverse,
        ..btc()
    };
    let d = parse_depth(depth_example(EX), &inverse).unwrap();
    assert_eq!(d.book.bids()[0].usd, 47.081829);
    let d = parse_depth(&fixture("bybit/orderbook.json"), &btc()).unwrap();
    assert_eq!(
        (d.book.bids().len(), d.book.asks().len()),
        (DEPTH_LIMIT, DEPTH_LIMIT)
    );
    assert_eq!(
        d.book.asks()[0],
        BookLevel {
            price: 86537.7,
            usd: 86537.7 * 0.501
        }
    );
    // An error answer in an HTTP 200.
    assert!(matches!(
        parse_depth(&fixture("errors/bybit_invalid_symbol.json"), &btc()),
        Err(ExchangeError::ExchangeError { code, .. }) if code == "10001"
    ));
}
