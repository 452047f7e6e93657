use super::*;
use crate::engine::input::HighLow;
use crate::exchanges::testutil::{close, depth_example, fixture, no_panic, sample};
use crate::exchanges::{assemble, classify_http, find_instrument};

fn btc_swap() -> Instrument {
    crate::exchanges::default_instrument(EX, "BTC")
}

#[test]
fn sample_instruments_spot_is_skipped() {
    let p = parse_instruments(&sample("okx_instruments")).unwrap();
    assert_eq!((p.rows.len(), p.dropped), (0, 0));
    let p = parse_instruments(&fixture("okx/instruments.json")).unwrap();
    assert_eq!((p.rows.len(), p.dropped), (3, 1));
    let i = find_instrument(EX, &p.rows, "btc").unwrap();
    assert_eq!(i.symbol, "BTC-USDT-SWAP");
    assert_eq!((i.contract_size, i.tick_size), (0.01, Some(0.1)));
    let inv = p.rows.iter().find(|i| i.symbol == "BTC-USD-SWAP").unwrap();
    assert_eq!(
        (
            inv.kind,
            inv.base.as_str(),
            inv.quote.as_str(),
            inv.contract_size
        ),
        (ContractKind::Inverse, "BTC", "USD", 100.0)
    );
    assert!(find_instrument(EX, &p.rows, "SOL").is_err());
}

#[test]
fn sample_history_candles() {
    let p = parse_candles(&sample("okx_history_candles"), &btc_swap()).unwrap();
    assert_eq!((p.rows.len(), p.dropped), (2, 0));
    let c = p.rows[0];
    assert_eq!(c.open_time_ms, 1597026383085);
    assert_eq!(
        (c.open, c.high, c.low, c.close),
        (3.721, 3.743, 3.677, 3.708)
    );
    assert!(close(c.base_volume, 8422410.0 * 0.01));
    assert_eq!(c.quote_volume, 12698348.04828491);
    assert_eq!(p.rows[1].high, 3.799);
    let m = parse_mark_candles(&sample("okx_history_candles")).unwrap();
    assert_eq!(
        m.rows[1],
        (
            1597026383085,
            HighLow {
                high: 3.799,
                low: 3.494
            }
        )
    );
}

#[test]
fn sample_position_tiers() {
    assert_eq!(
        parse_position_tiers(&sample("okx_position_tiers")).unwrap(),
        (0.03, Some(10.0))
    );
}

#[test]
fn sample_funding() {
    let p = parse_funding(&sample("okx_funding_rate_history")).unwrap();
    assert_eq!(
        p.rows,
        vec![
            FundingPoint {
                time_ms: 1703059200000,
                rate: 0.0000746572360545
            },
            FundingPoint {
                time_ms: 1703030400000,
                rate: 0.0002279755647389
            },
        ]
    );
    let now = parse_funding(&sample("okx_funding_rate")).unwrap();
    assert_eq!(
        now.rows,
        vec![FundingPoint {
            time_ms: 1703088000000,
            rate: 0.000079238688534
        }]
    );
}

#[test]
fn sample_ws_liquidation_orders() {
    let iost = Instrument {
        symbol: "IOST-USDT-SWAP".into(),
        base: "IOST".into(),
        contract_size: 1000.0,
        ..btc_swap()
    };
    let p = parse_liquidation_orders(&sample("okx_ws_liquidation_orders"), &iost).unwrap();
    assert_eq!(
        p.rows,
        vec![LiquidationEvent {
            time_ms: 1692266434010,
            side: Side::Short,
            price: 0.007831,
            base: 13000.0
        }]
    );
    assert!(
        parse_liquidation_orders(&sample("okx_ws_liquidation_orders"), &btc_swap())
            .unwrap()
            .rows
            .is_empty()
    );
}

#[test]
fn sample_errors() {
    let e = classify_http(EX, 200, None, &sample("okx_error_rate_limit")).unwrap_err();
    assert_eq!(
        e,
        ExchangeError::RateLimited {
            exchange: EX,
            retry_after_s: None
        }
    );
    let e = classify_http(EX, 429, Some("2"), &sample("okx_error_rate_limit")).unwrap_err();
    assert_eq!(
        e,
        ExchangeError::RateLimited {
            exchange: EX,
            retry_after_s: Some(2)
        }
    );
    let e = classify_http(EX, 200, None, &sample("okx_error_instrument_not_exist")).unwrap_err();
    assert_eq!(
        e,
        ExchangeError::UnknownCoin {
            exchange: EX,
            coin: None
        }
    );
    assert!(e.to_string().contains("OKX"));
    assert_eq!(
        parse_candles(&sample("okx_error_instrument_not_exist"), &btc_swap()).unwrap_err(),
        e
    );
    let e = classify_http(
        EX,
        200,
        None,
        r#"{"code":"50001","msg":"Service temporarily unavailable","data":[]}"#,
    )
    .unwrap_err();
    assert!(matches!(e, ExchangeError::ExchangeError { ref code, .. } if code == "50001"));
}

#[test]
fn fixture_window_assembles() {
    let inst = btc_swap();
    let c = parse_candles(&fixture("okx/candles.json"), &inst).unwrap();
    let m = parse_mark_candles(&fixture("okx/mark_candles.json")).unwrap();
    let oi =
        parse_open_interest_history(&fixture("okx/open_interest_history.json"), &inst).unwrap();
    assert_eq!((c.rows.len(), m.rows.len(), oi.rows.len()), (300, 100, 100));
    let src = assemble(
        EX,
        &inst,
        c.rows.clone(),
        m.rows,
        Some(oi.rows),
        Some(800.0),
        0.004,
        (0, 1_767_225_600_000),
        Resolution::M5,
    )
    .unwrap();
    assert_eq!(src.candles.len(), 300);
    let mark = src.mark.unwrap();
    // The 200 oldest candles have no mark row: trade high/low.
    assert_eq!(mark[0].high, src.candles[0].high);
    assert_ne!(mark[299].high, src.candles[299].high);
}

#[test]
fn plan_coarsens_oi_to_fit_retention() {
    let end = 1_767_225_600_000;
    let reqs = plan(
        &btc_swap(),
        end,
        7 * 86_400_000,
        Resolution::M5,
        OKX_TEST_URL,
    );
    let oi: Vec<_> = reqs
        .iter()
        .filter(|r| r.purpose == Purpose::OpenInterestHistory)
        .collect();
    assert!(oi[0].url.contains("period=15m"), "{}", oi[0].url);
    assert!(reqs[0].url.starts_with("https://proxy.example/okx/api/v5/market/history-candles?instId=BTC-USDT-SWAP&bar=5m&after="));
    assert!(reqs
        .last()
        .unwrap()
        .url
        .contains("instFamily=BTC-USDT&tier=1"));
}

const OKX_TEST_URL: &str = "https://proxy.example/okx";

#[test]
fn no_panic_on_mutated_answers() {
    let bodies: Vec<String> = [
        "okx_error_instrument_not_exist",
        "okx_error_rate_limit",
        "okx_funding_rate",
        "okx_funding_rate_history",
        "okx_history_candles",
        "okx_instruments",
        "okx_open_interest",
        "okx_position_tiers",
        "okx_rubik_open_interest_volume",
        "okx_ws_liquidation_orders",
    ]
    .iter()
    .map(|n| sample(n))
    .collect();
    let inst = btc_swap();
    let inv = Instrument {
        kind: ContractKind::Inverse,
        symbol: "IOST-USDT-SWAP".into(),
        ..btc_swap()
    };
    no_panic(&bodies, |b| {
        let _ = parse_instruments(b);
        let _ = parse_candles(b, &inst);
        let _ = parse_candles(b, &inv);
        let _ = parse_mark_candles(b);
        let _ = parse_open_interest_history(b, &inv);
        let _ = parse_position_tiers(b);
        let _ = parse_funding(b);
        let _ = parse_liquidation_orders(b, &inv);
    });
}

#[test]
fn depth_documented_and_fixture() {
    // Contracts × ctVal (0.01 BTC) × price.
    let d = parse_depth(depth_example(EX), &btc_swap()).unwrap();
    assert_eq!(d.time_ms, Some(1629966436396));
    assert!(close(d.book.bids()[0].usd, 0.30178218 * 0.01 * 41006.3));
    assert!(close(d.book.asks()[0].usd, 0.60038921 * 0.01 * 41006.8));
    // Inverse: contracts × ctVal USD.
    let inverse = Instrument {
        kind: ContractKind::Inverse,
        contract_size: 100.0,
        ..btc_swap()
    };
    let d = parse_depth(depth_example(EX), &inverse).unwrap();
    assert!(close(d.book.bids()[0].usd, 30.178218));
    let d = parse_depth(&fixture("okx/books.json"), &btc_swap()).unwrap();
    assert_eq!(
        (d.book.bids().len(), d.book.asks().len()),
        (DEPTH_LIMIT, DEPTH_LIMIT)
    );
    assert_eq!(d.book.asks()[0].price, 86537.7);
    assert!(close(d.book.asks()[0].usd, 11.0 * 0.01 * 86537.7));
    assert!(matches!(
        parse_depth(r#"{"code":"0","msg":"","data":[]}"#, &btc_swap()),
        Err(ExchangeError::Malformed { .. })
    ));
}
